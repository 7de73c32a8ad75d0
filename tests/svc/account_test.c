/* svc/account: balances and monthly credits from the ledger, contribution
 * details from assessments and bills, who sees them (self, staff; another
 * person and a unit: 404) with the audit rows; housing fund interest from
 * daily balances over 1 July .. 30 June (the 29/30 June and 30 June/1 July
 * edges, half-up rounding at exactly .5, a leap year, withdrawals, a year's
 * interest earning interest the next year) and the pension account's
 * interest by month of credit under each year's rate; settlement once only,
 * never before its date, by finance only; the yearly run over everyone. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "ledger/ledger.h"
#include "svc/account.h"
#include "svc/audit.h"

/* ---- helpers ---- */

/* The answers parsed, to look at their members. */
static err_kind balances_tree(svc_ctx *ctx, int64_t person_id, json_t **out, err_detail *err) {
    jsonx_writer w;
    err_kind k = account_balances_write(ctx, person_id, &w, err);
    if (!k) assert_non_null(*out = json_loadb(w.p, w.n, 0, NULL));
    return k;
}

static err_kind contributions_tree(svc_ctx *ctx, int64_t person_id, int year, json_t **out, err_detail *err) {
    jsonx_writer w;
    err_kind k = account_contributions_write(ctx, person_id, year, &w, err);
    if (!k) assert_non_null(*out = json_loadb(w.p, w.n, 0, NULL));
    return k;
}

static date_days day(const char *s) {
    date_days d = 0;
    err_detail err = {0};
    assert_int_equal(date_parse(s, "date", &d, &err), ERR_OK);
    return d;
}

static void act(tu_env *e, svc_role role, int64_t person, int64_t unit) {
    e->ctx.actor.role = role;
    e->ctx.actor.person_id = person;
    e->ctx.actor.unit_id = unit;
}

static void on(tu_env *e, const char *date) {
    e->ctx.business_date = day(date);
    e->ctx.now_ms = (int64_t)e->ctx.business_date * 86400000LL + 2 * 3600000LL;
}

static bool has_rule(const err_detail *err, const char *code, const char *data) {
    for (int i = 0; i < err->rule_count; i++)
        if (strcmp(err->rules[i].code, code) == 0 && (!data || strstr(err->rules[i].data_json, data)))
            return true;
    return false;
}

static int64_t person(tu_env *e, int n) {
    char id[32], name[32];
    snprintf(id, sizeof id, "32050119900101%04d", n);
    snprintf(name, sizeof name, "测试%d", n);
    return tu_add_person(e, id, name);
}

/* A credit of `amount` to the person's account `kind` on `date` (from
 * contrib_due, the way collected contributions arrive). Negative: a debit. */
static void credit(tu_env *e, int64_t p, const char *kind, const char *date, money_fen amount) {
    static int seq;
    int64_t acct = 0, pool = 0, id = 0;
    err_detail err = {0};
    bool dup = false;
    if (ledger_account(e->ctx.tx, OWNER_PERSON, p, kind, &acct, &err) ||
        ledger_account(e->ctx.tx, OWNER_POOL, 0, "contrib_due", &pool, &err))
        fail_msg("account: %s", err.message);
    date_days d = day(date);
    ledger_posting lp[2] = {{pool, amount, month_of(d)}, {acct, -amount, month_of(d)}};
    char key[64];
    snprintf(key, sizeof key, "test:%d", ++seq);
    if (ledger_post(e->ctx.tx, key, d, "test", "", lp, 2, e->ctx.now_ms, &id, &dup, &err))
        fail_msg("post: %s", err.message);
}

static money_fen hf_interest(tu_env *e, int64_t p, int year) {
    money_fen v = -1;
    err_detail err = {0};
    if (account_hf_interest(&e->ctx, p, year, &v, &err)) fail_msg("hf interest: %s", err.message);
    return v;
}

static money_fen balance(tu_env *e, ledger_owner o, int64_t id, const char *kind) {
    money_fen b = 0;
    err_detail err = {0};
    assert_int_equal(ledger_natural_balance(e->ctx.tx, o, id, kind, &b, &err), ERR_OK);
    return b;
}

static int64_t entry_of(tu_env *e, const char *fmt, int year, int64_t p) {
    char key[LEDGER_IDEM_KEY_BYTES];
    snprintf(key, sizeof key, fmt, year, (long long)p);
    int64_t id = -1;
    err_detail err = {0};
    assert_int_equal(ledger_entry_find(e->ctx.tx, key, &id, &err), ERR_OK);
    return id;
}

static int64_t entries(tu_env *e) {
    ledger_verify_result r;
    err_detail err = {0};
    assert_int_equal(ledger_verify(e->ctx.tx, &r, &err), ERR_OK);
    assert_int_equal(r.unbalanced_entry_id, 0);
    assert_int_equal(r.wrong_balance_account_id, 0);
    return r.entries;
}

static int audit_target_rows(tu_env *e, const char *target, const char *action,
                             const char *detail) {
    svc_actor saved = e->ctx.actor;
    act(e, ROLE_ADMIN, 0, 0);
    json_t *rows = NULL;
    err_detail err = {0};
    assert_int_equal(audit_list(&e->ctx, target, 0, 1000, &rows, &err), ERR_OK);
    int n = 0;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        if (strcmp(json_string_value(json_object_get(r, "action")), action) != 0) continue;
        if (detail && !strstr(json_string_value(json_object_get(r, "detail")), detail)) continue;
        n++;
    }
    json_decref(rows);
    e->ctx.actor = saved;
    return n;
}

static int audit_rows(tu_env *e, int64_t p, const char *action, const char *detail) {
    char target[48];
    snprintf(target, sizeof target, "person:%lld", (long long)p);
    return audit_target_rows(e, target, action, detail);
}

static void raw_sql(tu_env *e, const char *sql) {
    err_detail err = {0};
    if (store_commit(e->ctx.tx, &err)) fail_msg("commit: %s", err.message);
    e->ctx.tx = NULL;
    char path[512];
    snprintf(path, sizeof path, "%s/test.db", e->dir);
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK) fail_msg("sql: %s", msg);
    sqlite3_close(h);
    if (store_begin(e->st, true, &e->ctx.tx, &err)) fail_msg("begin: %s", err.message);
}

/* ---- housing fund interest ---- */

/* 1,000,000 fen x 365 days x 150 bp / (10000 x 360) = 15,208.33 -> 15,208. */
static void hf_full_year_from_1_july(void **state) {
    tu_env *e = tu_env_open(ROLE_SYSTEM, "2026-07-01");
    int64_t a = person(e, 1), b = person(e, 2);
    credit(e, a, "housing_fund", "2025-07-01", 1000000);
    credit(e, b, "housing_fund", "2025-06-30", 1000000);   /* the last day of the year before */
    assert_int_equal(hf_interest(e, a, 2026), 15208);
    assert_int_equal(hf_interest(e, b, 2026), 15208);     /* opening balance: the whole year */
    /* year 2025 ends on 2025-06-30: a has nothing yet, b one day */
    assert_int_equal(hf_interest(e, a, 2025), 0);
    assert_int_equal(hf_interest(e, b, 2025), 42);        /* 1,000,000 / 24,000 = 41.67 */
    tu_env_close(e);
}

/* 3,600,000 fen earns 150 fen a day at 1.5% / 360. */
static void hf_29_and_30_june_and_1_july(void **state) {
    tu_env *e = tu_env_open(ROLE_SYSTEM, "2026-07-01");
    int64_t p29 = person(e, 1), p30 = person(e, 2), p1 = person(e, 3);
    credit(e, p29, "housing_fund", "2026-06-29", 3600000);
    credit(e, p30, "housing_fund", "2026-06-30", 3600000);
    credit(e, p1, "housing_fund", "2026-07-01", 3600000);
    assert_int_equal(hf_interest(e, p29, 2026), 300);     /* 29 and 30 June */
    assert_int_equal(hf_interest(e, p30, 2026), 150);     /* 30 June itself */
    assert_int_equal(hf_interest(e, p1, 2026), 0);        /* the next year's */
    assert_int_equal(hf_interest(e, p1, 2027), 54750);    /* 365 days x 150 */
    tu_env_close(e);
}

/* One day of 12,000 fen is exactly 0.5 fen: half up gives 1; 11,999 gives 0. */
static void hf_rounding_half_up(void **state) {
    tu_env *e = tu_env_open(ROLE_SYSTEM, "2026-07-01");
    int64_t a = person(e, 1), b = person(e, 2);
    credit(e, a, "housing_fund", "2026-06-30", 12000);
    credit(e, b, "housing_fund", "2026-06-30", 11999);
    assert_int_equal(hf_interest(e, a, 2026), 1);
    assert_int_equal(hf_interest(e, b, 2026), 0);
    tu_env_close(e);
}

/* Balance-days summed first: 1,000,000 x 365 + 500,000 x 181 (from 1 January)
 * - 200,000 x 91 (from 1 April) = 437,300,000; / 24,000 = 18,220.83 -> 18,221.
 * Computed day by day and rounded each day it would be 0.5 fen off at most
 * per day; here it is exact to the fen. A posting dated after 30 June waits. */
static void hf_deposits_and_a_withdrawal(void **state) {
    tu_env *e = tu_env_open(ROLE_SYSTEM, "2026-08-15");
    int64_t a = person(e, 1);
    credit(e, a, "housing_fund", "2025-07-01", 1000000);
    credit(e, a, "housing_fund", "2026-01-01", 500000);
    credit(e, a, "housing_fund", "2026-04-01", -200000);
    credit(e, a, "housing_fund", "2026-08-01", 999999);
    credit(e, a, "pension_account", "2025-07-01", 5000000);   /* another account: not counted */
    assert_int_equal(hf_interest(e, a, 2026), 18221);
    tu_env_close(e);
}

/* 1 July 2023 .. 30 June 2024 has 366 days: 1,000,000 x 366 / 24,000 = 15,250. */
static void hf_leap_year(void **state) {
    tu_env *e = tu_env_open(ROLE_SYSTEM, "2024-07-01");
    int64_t a = person(e, 1);
    credit(e, a, "housing_fund", "2023-07-01", 1000000);
    assert_int_equal(hf_interest(e, a, 2024), 15250);
    tu_env_close(e);
}

static void hf_settle_once_on_30_june(void **state) {
    tu_env *e = tu_env_open(ROLE_SYSTEM, "2026-06-29");
    int64_t a = person(e, 1), zero = person(e, 2);
    credit(e, a, "housing_fund", "2025-07-01", 1000000);
    credit(e, zero, "housing_fund", "2025-07-01", 0);
    int64_t before = entries(e);
    err_detail err = {0};
    /* 29 June: the year has not ended */
    assert_int_equal(account_hf_interest_settle(&e->ctx, a, 2026, &err), ERR_RULE);
    assert_true(has_rule(&err, "period_not_ended", "\"settle_on\":\"2026-06-30\""));
    assert_int_equal(entries(e), before);
    /* a clerk may not settle */
    on(e, "2026-06-30");
    act(e, ROLE_CLERK, 0, 0);
    err_clear(&err);
    assert_int_equal(account_hf_interest_settle(&e->ctx, a, 2026, &err), ERR_FORBIDDEN);
    act(e, ROLE_FINANCE, 0, 0);
    err_clear(&err);
    assert_int_equal(account_hf_interest_settle(&e->ctx, a, 2026, &err), ERR_OK);
    assert_int_equal(balance(e, OWNER_PERSON, a, "housing_fund"), 1015208);
    assert_int_equal(balance(e, OWNER_POOL, 0, "interest_expense"), -15208);
    assert_true(entry_of(e, "hf_interest:%d:%lld", 2026, a) > 0);
    assert_int_equal(entries(e), before + 1);
    /* twice: one entry */
    tu_env_commit(e);
    assert_int_equal(account_hf_interest_settle(&e->ctx, a, 2026, &err), ERR_OK);
    assert_int_equal(entries(e), before + 1);
    assert_int_equal(balance(e, OWNER_PERSON, a, "housing_fund"), 1015208);
    assert_int_equal(audit_rows(e, a, "hf_interest", "15208"), 1);
    /* the settled year computes the same (its own entry left out) */
    assert_int_equal(hf_interest(e, a, 2026), 15208);
    /* and next year the interest earns interest: 1,015,208 x 365 / 24,000 = 15,439.62 */
    assert_int_equal(hf_interest(e, a, 2027), 15440);
    /* no interest, no entry */
    assert_int_equal(account_hf_interest_settle(&e->ctx, zero, 2026, &err), ERR_OK);
    assert_int_equal(entry_of(e, "hf_interest:%d:%lld", 2026, zero), 0);
    tu_env_close(e);
}

/* ---- pension individual account interest ---- */

static money_fen pension_settled(tu_env *e, int64_t p, int year) {
    money_fen before = balance(e, OWNER_PERSON, p, "pension_account");
    err_detail err = {0};
    if (account_pension_interest_settle(&e->ctx, p, year, &err))
        fail_msg("pension settle: %s (%s)", err.message, err.code);
    return balance(e, OWNER_PERSON, p, "pension_account") - before;
}

/* Opening 1,000,000 for 12 months plus 10,000 each month, month m for 12 - m:
 * 12,000,000 + 10,000 x 66 = 12,660,000 fen-months x 262 bp / 120,000 = 27,641. */
static void pension_monthly_credits(void **state) {
    tu_env *e = tu_env_open(ROLE_SYSTEM, "2025-12-30");
    int64_t a = person(e, 1);
    credit(e, a, "pension_account", "2024-12-31", 1000000);
    for (int m = 1; m <= 12; m++) {
        char d[16];
        snprintf(d, sizeof d, "2025-%02d-25", m);
        credit(e, a, "pension_account", d, 10000);
    }
    err_detail err = {0};
    assert_int_equal(account_pension_interest_settle(&e->ctx, a, 2025, &err), ERR_RULE);
    assert_true(has_rule(&err, "period_not_ended", "\"settle_on\":\"2025-12-31\""));
    on(e, "2025-12-31");
    assert_int_equal(pension_settled(e, a, 2025), 27641);
    int64_t n = entries(e);
    assert_int_equal(pension_settled(e, a, 2025), 0);     /* twice: one entry */
    assert_int_equal(entries(e), n);
    assert_int_equal(balance(e, OWNER_PERSON, a, "pension_account"), 1000000 + 120000 + 27641);
    assert_true(entry_of(e, "pension_interest:%d:%lld", 2025, a) > 0);
    assert_int_equal(audit_rows(e, a, "pension_interest", "27641"), 1);
    tu_env_close(e);
}

/* The month edges: 31 December before the year (12 months), 1 January (11),
 * 30 November (1), 1 and 31 December (none). 1,200,000 x 262 / 120,000 = 2,620 a month. */
static void pension_month_edges(void **state) {
    tu_env *e = tu_env_open(ROLE_SYSTEM, "2025-12-31");
    static const char *const dates[] = {"2024-12-31", "2025-01-01", "2025-11-30", "2025-12-01",
                                        "2025-12-31"};
    static const money_fen want[] = {31440, 28820, 2620, 0, 0};
    for (int i = 0; i < 5; i++) {
        int64_t p = person(e, i + 1);
        credit(e, p, "pension_account", dates[i], 1200000);
        assert_int_equal(pension_settled(e, p, 2025), want[i]);
        assert_int_equal(entry_of(e, "pension_interest:%d:%lld", 2025, p) > 0, want[i] > 0);
    }
    tu_env_close(e);
}

/* Each year at its own rate: 2023 at 397 bp, 2024 at 262 bp on the balance
 * that includes 2023's interest. */
static void pension_rate_of_each_year(void **state) {
    tu_env *e = tu_env_open(ROLE_SYSTEM, "2023-12-31");
    int64_t a = person(e, 1);
    credit(e, a, "pension_account", "2022-12-31", 1200000);
    assert_int_equal(pension_settled(e, a, 2023), 47640);   /* 1,200,000 x 3.97% */
    on(e, "2024-12-31");
    assert_int_equal(pension_settled(e, a, 2024), 32688);   /* 1,247,640 x 2.62% = 32,688.17 */
    tu_env_close(e);
}

/* ---- balances, credits, contributions and who sees them ---- */

static void balances_and_monthly_credits(void **state) {
    tu_env *e = tu_env_open(ROLE_SYSTEM, "2026-07-01");
    int64_t a = person(e, 1), b = person(e, 2);
    int64_t u = tu_add_unit(e, "91320594MA1X00001X", "星海科技");
    credit(e, a, "pension_account", "2026-05-25", 80000);
    credit(e, a, "pension_account", "2026-06-25", 80000);
    credit(e, a, "medical_account", "2026-06-25", 20000);
    credit(e, a, "housing_fund", "2026-06-25", 240000);
    act(e, ROLE_FINANCE, 0, 0);
    err_detail err = {0};
    assert_int_equal(account_hf_interest_settle(&e->ctx, a, 2026, &err), ERR_OK);
    act(e, ROLE_PERSON, a, 0);
    json_t *o = NULL;
    assert_int_equal(balances_tree(&e->ctx, a, &o, &err), ERR_OK);
    json_t *accts = json_object_get(o, "accounts");
    assert_int_equal(json_array_size(accts), 4);
    static const char *const kinds[] = {"pension_account", "medical_account", "housing_fund",
                                        "housing_subsidy"};
    static const money_fen bal[] = {160000, 20000, 240000 + 60, 0};   /* 240,000 x 6 days / 24,000 */
    for (size_t i = 0; i < 4; i++) {
        json_t *x = json_array_get(accts, i);
        assert_string_equal(json_string_value(json_object_get(x, "kind")), kinds[i]);
        assert_int_equal(json_integer_value(json_object_get(x, "balance_fen")), bal[i]);
    }
    json_t *cr = json_object_get(o, "monthly_credits");
    assert_int_equal(json_array_size(cr), 4);   /* 2026-06: hf, medical, pension; 2026-05: pension */
    json_t *first = json_array_get(cr, 0), *last = json_array_get(cr, 3);
    assert_string_equal(json_string_value(json_object_get(first, "month")), "2026-06");
    assert_string_equal(json_string_value(json_object_get(first, "insurance")), "housing_fund");
    assert_int_equal(json_integer_value(json_object_get(first, "amount_fen")), 240000);
    assert_string_equal(json_string_value(json_object_get(last, "month")), "2026-05");
    assert_string_equal(json_string_value(json_object_get(last, "insurance")), "pension");
    json_t *in = json_object_get(o, "interest");
    assert_int_equal(json_array_size(in), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(in, 0), "amount_fen")), 60);
    assert_string_equal(json_string_value(json_object_get(json_array_get(in, 0), "date")), "2026-06-30");
    json_decref(o);
    /* another person, a unit operator (even of the person's unit): 404 */
    act(e, ROLE_PERSON, b, 0);
    assert_int_equal(balances_tree(&e->ctx, a, &o, &err), ERR_NOT_FOUND);
    assert_string_equal(err.code, "person_not_found");
    act(e, ROLE_UNIT, 0, u);
    assert_int_equal(balances_tree(&e->ctx, a, &o, &err), ERR_NOT_FOUND);
    money_fen v = 0;
    assert_int_equal(account_hf_interest(&e->ctx, a, 2026, &v, &err), ERR_NOT_FOUND);
    /* staff: any person; nobody: 404 */
    act(e, ROLE_CLERK, 0, 0);
    assert_int_equal(balances_tree(&e->ctx, a, &o, &err), ERR_OK);
    json_decref(o);
    assert_int_equal(balances_tree(&e->ctx, 987654, &o, &err), ERR_NOT_FOUND);
    assert_int_equal(audit_rows(e, a, "person.read", "accounts"), 2);
    tu_env_close(e);
}

static void contribution_details(void **state) {
    tu_env *e = tu_env_open(ROLE_SYSTEM, "2026-07-01");
    int64_t a = person(e, 1), b = person(e, 2);
    int64_t u = tu_add_unit(e, "91320594MA1X00001X", "星海科技");
    char sql[4096];
    snprintf(sql, sizeof sql,
        "INSERT INTO bills (id, unit_id, month, kind, status, due_on, paid_on, created_at_ms, updated_at_ms) VALUES "
        "(1, %1$lld, 202512, 'regular', 'paid', '2025-12-25', '2025-12-25', 0, 0),"
        "(2, %1$lld, 202601, 'regular', 'sent', '2026-01-25', NULL, 0, 0),"
        "(3, %1$lld, 202511, 'backpay', 'paid', '2026-02-25', '2026-02-25', 0, 0),"
        "(4, %1$lld, 202512, 'difference', 'confirmed', '2026-03-25', NULL, 0, 0);"
        "INSERT INTO assessments (bill_id, unit_id, person_id, span_id, month, insurance, kind, base_fen,"
        " unit_rate_bp, personal_rate_bp, unit_fen, personal_fen, created_at_ms) VALUES "
        "(1, %1$lld, %2$lld, 1, 202512, 'pension', 'regular', 800000, 1600, 800, 128000, 64000, 0),"
        "(1, %1$lld, %2$lld, 3, 202512, 'medical', 'regular', 800000, 700, 200, 56000, 16000, 0),"
        "(2, %1$lld, %2$lld, 1, 202601, 'pension', 'regular', 800000, 1600, 800, 128000, 64000, 0),"
        "(3, %1$lld, %2$lld, 1, 202511, 'pension', 'backpay', 700000, 1600, 800, 112000, 56000, 0),"
        "(4, %1$lld, %2$lld, 1, 202512, 'pension', 'difference', 100000, 1600, 800, 16000, 8000, 0),"
        "(1, %1$lld, %3$lld, 2, 202512, 'pension', 'regular', 500000, 1600, 800, 80000, 40000, 0);",
        (long long)u, (long long)a, (long long)b);
    raw_sql(e, sql);
    act(e, ROLE_PERSON, a, 0);
    json_t *o = NULL;
    err_detail err = {0};
    assert_int_equal(contributions_tree(&e->ctx, a, 2025, &o, &err), ERR_OK);
    assert_int_equal(json_integer_value(json_object_get(o, "count")), 4);
    assert_int_equal(json_integer_value(json_object_get(o, "year")), 2025);
    assert_int_equal(json_integer_value(json_object_get(o, "unit_total_fen")), 112000 + 128000 + 56000 + 16000);
    assert_int_equal(json_integer_value(json_object_get(o, "personal_total_fen")), 56000 + 64000 + 16000 + 8000);
    json_t *items = json_object_get(o, "items");
    json_t *bp = json_array_get(items, 0);   /* 2025-11 first */
    assert_string_equal(json_string_value(json_object_get(bp, "month")), "2025-11");
    assert_true(json_is_true(json_object_get(bp, "backpay")));
    assert_string_equal(json_string_value(json_object_get(bp, "kind_zh")), "补缴");
    assert_true(json_is_true(json_object_get(bp, "paid")));
    assert_string_equal(json_string_value(json_object_get(bp, "paid_on")), "2026-02-25");
    json_t *reg = json_array_get(items, 1);
    assert_string_equal(json_string_value(json_object_get(reg, "insurance")), "pension");
    assert_string_equal(json_string_value(json_object_get(reg, "insurance_zh")), "养老保险");
    assert_string_equal(json_string_value(json_object_get(reg, "unit_name")), "星海科技");
    assert_int_equal(json_integer_value(json_object_get(reg, "base_fen")), 800000);
    assert_int_equal(json_integer_value(json_object_get(reg, "unit_fen")), 128000);
    assert_int_equal(json_integer_value(json_object_get(reg, "personal_fen")), 64000);
    assert_false(json_is_true(json_object_get(reg, "backpay")));
    json_t *diff = json_array_get(items, 3);
    assert_true(json_is_true(json_object_get(diff, "difference")));
    assert_false(json_is_true(json_object_get(diff, "paid")));
    assert_true(json_is_null(json_object_get(diff, "paid_on")));
    json_decref(o);
    /* 2026: the January line, sent but not paid */
    assert_int_equal(contributions_tree(&e->ctx, a, 2026, &o, &err), ERR_OK);
    assert_int_equal(json_integer_value(json_object_get(o, "count")), 1);
    assert_false(json_is_true(json_object_get(json_array_get(json_object_get(o, "items"), 0), "paid")));
    json_decref(o);
    /* every year */
    assert_int_equal(contributions_tree(&e->ctx, a, 0, &o, &err), ERR_OK);
    assert_int_equal(json_integer_value(json_object_get(o, "count")), 5);
    assert_true(json_is_null(json_object_get(o, "year")));
    json_decref(o);
    assert_int_equal(contributions_tree(&e->ctx, a, 1800, &o, &err), ERR_INVALID);
    assert_string_equal(err.field, "year");
    /* b's line is b's: another person and a unit get 404, staff see it */
    assert_int_equal(contributions_tree(&e->ctx, b, 2025, &o, &err), ERR_NOT_FOUND);
    act(e, ROLE_UNIT, 0, u);
    assert_int_equal(contributions_tree(&e->ctx, b, 2025, &o, &err), ERR_NOT_FOUND);
    act(e, ROLE_REVIEWER, 0, 0);
    assert_int_equal(contributions_tree(&e->ctx, b, 2025, &o, &err), ERR_OK);
    assert_int_equal(json_integer_value(json_object_get(o, "count")), 1);
    json_decref(o);
    assert_int_equal(audit_rows(e, a, "person.read", "contributions"), 3);
    assert_int_equal(audit_rows(e, b, "person.read", "contributions"), 1);
    tu_env_close(e);
}

/* ---- the yearly run ---- */

static json_t *settle_all(tu_env *e, unsigned kinds, int year, err_kind want, err_detail *err) {
    json_t *out = NULL;
    err_detail ignore = {0};
    if (store_commit(e->ctx.tx, &ignore)) fail_msg("commit: %s", ignore.message);
    e->ctx.tx = NULL;
    err_kind k = account_interest_settle_all(e->st, &e->ctx, kinds, year, NULL, NULL, &out, err);
    if (k != want) fail_msg("settle all: %d %s (%s)", k, err->message, err->code);
    if (store_begin(e->st, true, &e->ctx.tx, &ignore)) fail_msg("begin: %s", ignore.message);
    return out;
}

static void yearly_run_over_everyone(void **state) {
    tu_env *e = tu_env_open(ROLE_SYSTEM, "2026-07-01");
    int64_t p[5];
    for (int i = 0; i < 5; i++) p[i] = person(e, i + 1);
    credit(e, p[0], "housing_fund", "2025-07-01", 1000000);   /* 15,208 */
    credit(e, p[1], "housing_fund", "2026-06-30", 3600000);   /* 150 */
    credit(e, p[2], "housing_fund", "2026-06-29", 3600000);   /* 300 */
    credit(e, p[3], "housing_fund", "2026-07-01", 3600000);   /* next year: none */
    credit(e, p[4], "pension_account", "2026-07-01", 1000000);
    act(e, ROLE_FINANCE, 0, 0);
    err_detail err = {0};
    /* both kinds on 1 July: the pension year has not ended, nothing runs */
    json_t *out = settle_all(e, ACCOUNT_INTEREST_HF | ACCOUNT_INTEREST_PENSION, 2026, ERR_RULE, &err);
    assert_null(out);
    assert_int_equal(err.rule_count, 1);
    assert_true(has_rule(&err, "period_not_ended", "\"settle_on\":\"2026-12-31\""));
    assert_int_equal(entry_of(e, "hf_interest:%d:%lld", 2026, p[0]), 0);
    /* a clerk may not */
    act(e, ROLE_CLERK, 0, 0);
    err_clear(&err);
    settle_all(e, ACCOUNT_INTEREST_HF, 2026, ERR_FORBIDDEN, &err);
    act(e, ROLE_FINANCE, 0, 0);
    err_clear(&err);
    out = settle_all(e, ACCOUNT_INTEREST_HF, 2026, ERR_OK, &err);
    json_t *run = json_array_get(json_object_get(out, "runs"), 0);
    assert_string_equal(json_string_value(json_object_get(run, "batch_kind")), "interest_hf");
    assert_string_equal(json_string_value(json_object_get(run, "run_key")), "2026");
    assert_string_equal(json_string_value(json_object_get(run, "settle_on")), "2026-06-30");
    assert_int_equal(json_integer_value(json_object_get(run, "persons")), 4);
    assert_int_equal(json_integer_value(json_object_get(run, "entries")), 3);
    assert_int_equal(json_integer_value(json_object_get(run, "interest_fen")), 15208 + 150 + 300);
    json_decref(out);
    int64_t n = entries(e);
    /* again: nothing more */
    out = settle_all(e, ACCOUNT_INTEREST_HF, 2026, ERR_OK, &err);
    run = json_array_get(json_object_get(out, "runs"), 0);
    assert_int_equal(json_integer_value(json_object_get(run, "entries")), 3);
    assert_int_equal(json_integer_value(json_object_get(run, "interest_fen")), 15658);
    json_decref(out);
    assert_int_equal(entries(e), n);
    assert_int_equal(balance(e, OWNER_PERSON, p[0], "housing_fund"), 1015208);
    /* the pension year once it has ended */
    on(e, "2026-12-31");
    out = settle_all(e, ACCOUNT_INTEREST_PENSION, 2026, ERR_OK, &err);
    run = json_array_get(json_object_get(out, "runs"), 0);
    assert_int_equal(json_integer_value(json_object_get(run, "persons")), 1);
    /* 1,000,000 credited in July: 5 months x 262 bp / 12 = 10,916.67 */
    assert_int_equal(json_integer_value(json_object_get(run, "interest_fen")), 10917);
    json_decref(out);
    /* each run is on the trail with what it came to */
    assert_int_equal(audit_target_rows(e, "interest:2026", "interest.settle", "housing_fund: 3 笔 15658 分"), 2);
    assert_int_equal(audit_target_rows(e, "interest:2026", "interest.settle", "pension: 1 笔 10917 分"), 1);
    tu_env_close(e);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hf_full_year_from_1_july),
        cmocka_unit_test(hf_29_and_30_june_and_1_july),
        cmocka_unit_test(hf_rounding_half_up),
        cmocka_unit_test(hf_deposits_and_a_withdrawal),
        cmocka_unit_test(hf_leap_year),
        cmocka_unit_test(hf_settle_once_on_30_june),
        cmocka_unit_test(pension_monthly_credits),
        cmocka_unit_test(pension_month_edges),
        cmocka_unit_test(pension_rate_of_each_year),
        cmocka_unit_test(balances_and_monthly_credits),
        cmocka_unit_test(contribution_details),
        cmocka_unit_test(yearly_run_over_everyone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
