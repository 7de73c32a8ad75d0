/* Statements and certificates: the individual rights statement of a period,
 * the paper preference with its windows, the certificate data of a unit and
 * of a person, and the yearly run. See svc/statement.h for the contract.
 *
 * The ledger and the collection tables are written by their own areas at the
 * same time; this file only reads them, with its own statements
 * (store/q_statement.def). Amounts of individual accounts are natural
 * (credit-normal: money in the account is positive), as ledger.h defines. */
#include "svc/statement.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonx.h"
#include "base/limits.h"
#include "base/money.h"
#include "svc/audit.h"
#include "svc/registry.h"
#include "svc/registry_person.h"
#include "svc/registry_unit.h"

enum {
    TARGET_BYTES = 64,
    DATA_BYTES = 256,
    DETAIL_BYTES = 160,
    RULE_IDS_MAX = 10,           /* ids named in one rule's message and data */
    ID_LIST_CAP_FIRST = 64,
    PERIOD_MIN = 1901,           /* date.h covers the years 1900..2199 */
    PERIOD_MAX = 2198,
};

/* The individual accounts a statement shows, in its order (ledger.h kinds). */
enum { ACCOUNT_KINDS = 4 };
static const struct {
    const char *kind, *zh;
} accounts[ACCOUNT_KINDS] = {
    {"pension_account", "养老保险个人账户"},
    {"medical_account", "医疗保险个人账户"},
    {"housing_fund", "住房公积金账户"},
    {"housing_subsidy", "住房补贴账户"},
};

/* Column order of STATEMENT_BALANCES after the kind. */
enum { BAL_OPENING = 0, BAL_INTEREST, BAL_CONTRIB, BAL_OTHER, BAL_COLS };

/* A government-institution member (a span of category "gov") is certified
 * only for these insurances (catalog svc.cert.person-participation: 机关事业单位
 * 参保人员仅可打印医疗、工伤、生育和住房公积金的参保证明和明细); the others are
 * kept by the province's own scheme. */
static const char *const gov_category = "gov";
static const char *const gov_shown[] = {"medical", "injury", "maternity", "housing_fund", NULL};

/* ---- small helpers ---- */

static bool is_counter(svc_role r) {
    return r == ROLE_CLERK || r == ROLE_ADMIN || r == ROLE_SYSTEM;
}

static err_kind person_not_found(err_detail *err) {
    return err_set(err, ERR_NOT_FOUND, "person_not_found", NULL, "未找到该参保人");
}

static err_kind unit_not_found(err_detail *err) {
    return err_set(err, ERR_NOT_FOUND, "unit_not_found", NULL, "单位不存在");
}

static err_kind forbidden(err_detail *err) {
    return err_set(err, ERR_FORBIDDEN, "forbidden", NULL, "当前角色不能办理此业务");
}

/* A rule's data as compact JSON; takes the reference. Too long for a rule's
 * slot (it would be cut into invalid JSON) gives "{}". */
static const char *rule_data(json_t *o, char out[DATA_BYTES]) {
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    snprintf(out, DATA_BYTES, "%s", (s && strlen(s) < DATA_BYTES) ? s : "{}");
    free(s);
    return out;
}

static const char *insurance_zh(const char *name) {
    reg_insurance ins;
    err_detail ignore = {0};
    return reg_insurance_parse(name, "insurance", &ins, &ignore) ? name : reg_insurance_name_zh(ins);
}

static int insurance_index(const char *name) {
    reg_insurance ins;
    err_detail ignore = {0};
    return reg_insurance_parse(name, "insurance", &ins, &ignore) ? -1 : (int)ins;
}

static int account_index(const char *kind) {
    for (int i = 0; i < ACCOUNT_KINDS; i++)
        if (strcmp(accounts[i].kind, kind) == 0) return i;
    return -1;
}

static bool gov_hidden(const char *category, const char *insurance) {
    if (strcmp(category, gov_category) != 0) return false;
    for (int i = 0; gov_shown[i]; i++)
        if (strcmp(gov_shown[i], insurance) == 0) return false;
    return true;
}

static json_t *date_json(const char *text) {
    return (text && *text) ? json_string(text) : json_null();
}

static json_t *month_or_null(month_ym m) {
    return m ? jsonx_month_new(m) : json_null();
}

static err_kind audit_target(svc_ctx *ctx, const char *action, const char *kind, int64_t id,
                             const char *detail, err_detail *err) {
    char target[TARGET_BYTES];
    snprintf(target, sizeof target, "%s:%" PRId64, kind, id);
    return audit_append(ctx, action, target, "ok", detail, err);
}

/* ---- periods ---- */

static err_kind start_md(const policy *pol, date_days on, int *m_out, int *d_out, err_detail *err) {
    int64_t m = 0, d = 0;
    err_kind k = policy_get_int(pol, "statement.period_start_month", on, &m, err);
    if (!k) k = policy_get_int(pol, "statement.period_start_day", on, &d, err);
    if (k) return k;
    /* day up to 28: the start exists in every year */
    if (m < 1 || m > 12 || d < 1 || d > 28)
        return err_set(err, ERR_CONFIG, "policy_value", "statement.period_start_month",
                       "政策参数 statement.period_start_month/day 不是有效的月日");
    *m_out = (int)m;
    *d_out = (int)d;
    return ERR_OK;
}

/* Whether a period named by the year of its end starts in the year before. */
static int start_shift(int m, int d) {
    return (m == 1 && d == 1) ? 0 : 1;
}

int statement_period_of(const policy *pol, date_days d, err_detail *err) {
    int m = 0, dd = 0, y, mo, da;
    if (start_md(pol, d, &m, &dd, err)) return 0;
    date_to_ymd(d, &y, &mo, &da);
    bool started = d >= date_from_ymd(y, m, dd);
    return y - (started ? 0 : 1) + start_shift(m, dd);
}

static err_kind out_of_range(err_detail *err, int period) {
    return err_set(err, ERR_INVALID, "period_out_of_range", "period",
                   "权益记录单期次 %d 不在可查询范围内", period);
}

err_kind statement_period_bounds(const policy *pol, int period, date_days *from_out,
                                 date_days *to_out, err_detail *err) {
    static const char key[] = "statement.period_start_month";
    if (period < PERIOD_MIN || period > PERIOD_MAX) return out_of_range(err, period);
    /* 1 January of the named year always lies inside the period */
    date_days probe = date_from_ymd(period, 1, 1);
    if (!policy_has(pol, key, probe)) return out_of_range(err, period);
    int m = 0, d = 0;
    err_kind k = start_md(pol, probe, &m, &d, err);
    if (k) return k;
    date_days from = date_from_ymd(period - start_shift(m, d), m, d);
    if (!policy_has(pol, key, from)) return out_of_range(err, period);
    *from_out = from;
    *to_out = date_add_years(from, 1) - 1;
    return ERR_OK;
}

typedef struct stmt_period {
    int period;
    date_days from, to;
} stmt_period;

static err_kind period_load(const policy *pol, int period, stmt_period *out, err_detail *err) {
    out->period = period;
    return statement_period_bounds(pol, period, &out->from, &out->to, err);
}

static err_kind period_current(svc_ctx *ctx, stmt_period *out, err_detail *err) {
    err_detail e = {0};
    int p = statement_period_of(ctx->pol, ctx->business_date, &e);
    if (!p) {
        if (err) *err = e;
        return e.kind ? e.kind : ERR_CONFIG;
    }
    return period_load(ctx->pol, p, out, err);
}

/* ---- the paper windows ---- */

typedef struct window {
    date_days from, to;
} window;

/* The window of months first..last (policy keys) that lies in the period. */
static err_kind window_of(svc_ctx *ctx, const char *first_key, const char *last_key,
                          const stmt_period *sp, window *w, err_detail *err) {
    int64_t first = 0, last = 0;
    err_kind k = policy_get_int(ctx->pol, first_key, ctx->business_date, &first, err);
    if (!k) k = policy_get_int(ctx->pol, last_key, ctx->business_date, &last, err);
    if (k) return k;
    if (first < 1 || first > 12 || last < 1 || last > 12)
        return err_set(err, ERR_CONFIG, "policy_value", first_key, "政策参数 %s 不是有效月份", first_key);
    int y0, m0, d0;
    date_to_ymd(sp->from, &y0, &m0, &d0);
    for (int y = y0; y <= y0 + 1; y++) {
        date_days s = date_from_ymd(y, (int)first, 1);
        if (s < sp->from || s > sp->to) continue;
        int ly = last >= first ? y : y + 1;
        date_days e = month_last_day((month_ym)(ly * 100 + (int)last));
        w->from = s;
        w->to = e < sp->to ? e : sp->to;
        return ERR_OK;
    }
    return err_set(err, ERR_CONFIG, "policy_value", first_key, "政策参数 %s 不在权益记录单期间内", first_key);
}

static void rule_window(svc_ctx *ctx, const window *w, int period, const char *who_zh,
                        err_detail *err) {
    if (ctx->business_date >= w->from && ctx->business_date <= w->to) return;
    char f[DATE_STR_BYTES], t[DATE_STR_BYTES], today[DATE_STR_BYTES], data[DATA_BYTES];
    date_format(w->from, f);
    date_format(w->to, t);
    date_format(ctx->business_date, today);
    rule_data(json_pack("{s:s, s:s, s:s, s:i}", "from", f, "to", t, "date", today, "period", period),
              data);
    err_rule_add(err, "outside_window", data,
                 "%s退订或恢复订阅纸质权益单的办理时间为 %s 至 %s（仅限当期 %d 期），今天是 %s",
                 who_zh, f, t, period, today);
}

/* ---- the paper preference ---- */

typedef struct pref {
    bool paper;
    char set_on[DATE_STR_BYTES];   /* "" when never set: the default, paper */
} pref;

static err_kind pref_get(svc_ctx *ctx, int64_t person_id, int period, pref *out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_STATEMENT_PREF_GET, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    store_bind_int(st, 2, period);
    bool row = false;
    k = store_step(st, &row, err);
    out->paper = true;
    out->set_on[0] = 0;
    if (!k && row) {
        out->paper = store_col_int(st, 0) != 0;
        snprintf(out->set_on, sizeof out->set_on, "%s", store_col_text(st, 1));
    }
    store_stmt_done(st);
    return k;
}

static err_kind pref_write(svc_ctx *ctx, int64_t person_id, int period, bool paper,
                           int64_t by_unit_id, err_detail *err) {
    char today[DATE_STR_BYTES], detail[DETAIL_BYTES];
    date_format(ctx->business_date, today);
    err_kind k = store_exec(ctx->tx, STORE_Q_STATEMENT_PREF_SET, err, "iiiti", person_id,
                            (int64_t)period, (int64_t)(paper ? 1 : 0), today, by_unit_id);
    if (k) return k;
    if (by_unit_id)
        snprintf(detail, sizeof detail, "period=%d paper=%d unit=%" PRId64, period, paper ? 1 : 0,
                 by_unit_id);
    else
        snprintf(detail, sizeof detail, "period=%d paper=%d", period, paper ? 1 : 0);
    return audit_target(ctx, "statement.paper", "person", person_id, detail, err);
}

/* Restoring paper needs the insured status to be normal (seeds: 参保状态正常的参保人员). */
static err_kind rule_insured_normal(svc_ctx *ctx, int64_t person_id, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_STATEMENT_INSURED_NORMAL, &st, err);
    if (k) return k;
    month_ym m = month_of(ctx->business_date);
    store_bind_int(st, 1, person_id);
    store_bind_int(st, 2, m);
    bool row = false;
    k = store_step(st, &row, err);
    store_stmt_done(st);
    if (k || row) return k;
    char mm[MONTH_STR_BYTES], data[DATA_BYTES];
    month_format(m, mm);
    rule_data(json_pack("{s:s}", "month", mm), data);
    err_rule_add(err, "insured_status_not_normal", data,
                 "恢复订阅纸质权益单需参保状态正常，%s 没有正常参保的险种", mm);
    return ERR_OK;
}

/* The person themself or the counter; a unit operator uses its own route. */
static err_kind person_actor_check(svc_ctx *ctx, int64_t person_id, err_detail *err) {
    svc_role r = ctx->actor.role;
    bool self = r == ROLE_PERSON && ctx->actor.person_id == person_id;
    if (!self && !is_counter(r)) return svc_role_is_staff(r) ? forbidden(err) : person_not_found(err);
    if (person_id <= 0) return person_not_found(err);
    reg_person p;
    return reg_person_get(ctx, person_id, &p, err);
}

err_kind statement_paper_set(svc_ctx *ctx, int64_t person_id, bool paper, err_detail *err) {
    stmt_period sp;
    window w;
    err_kind k = person_actor_check(ctx, person_id, err);
    if (!k) k = period_current(ctx, &sp, err);
    if (!k)
        k = window_of(ctx, "statement.person_opt_first_month", "statement.person_opt_last_month", &sp,
                      &w, err);
    if (k) return k;
    rule_window(ctx, &w, sp.period, "个人", err);
    if (paper) k = rule_insured_normal(ctx, person_id, err);
    if (!k) k = err_rules_finish(err);
    if (!k) k = pref_write(ctx, person_id, sp.period, paper, 0, err);
    return k;
}

/* ---- a unit's current employees ---- */

typedef struct id_list {
    int64_t *ids;
    int n, cap;
} id_list;

static void id_push(arena *ar, id_list *l, int64_t id) {
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : ID_LIST_CAP_FIRST;
        int64_t *ids = arena_alloc(ar, (size_t)cap * sizeof *ids);
        if (l->n) memcpy(ids, l->ids, (size_t)l->n * sizeof *ids);
        l->ids = ids;
        l->cap = cap;
    }
    l->ids[l->n++] = id;
}

/* Ascending, as the statement orders them. */
static err_kind unit_current(svc_ctx *ctx, int64_t unit_id, id_list *out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_STATEMENT_UNIT_CURRENT, &st, err);
    if (k) return k;
    store_bind_int(st, 1, unit_id);
    store_bind_int(st, 2, month_of(ctx->business_date));
    store_bind_int(st, 3, LIMIT_ROSTER_ROWS_MAX);
    bool row = false;
    while (!(k = store_step(st, &row, err)) && row) id_push(ctx->ar, out, store_col_int(st, 0));
    store_stmt_done(st);
    return k;
}

static int cmp_id(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static bool id_in(const id_list *sorted, int64_t id) {
    return bsearch(&id, sorted->ids, (size_t)sorted->n, sizeof id, cmp_id) != NULL;
}

static err_kind check_duplicates(svc_ctx *ctx, const int64_t *ids, int n, err_detail *err) {
    int64_t *copy = arena_alloc(ctx->ar, (size_t)n * sizeof *copy);
    memcpy(copy, ids, (size_t)n * sizeof *copy);
    qsort(copy, (size_t)n, sizeof *copy, cmp_id);
    for (int i = 0; i < n; i++) {
        if (copy[i] <= 0)
            return err_set(err, ERR_INVALID, "invalid_field", "person_ids", "人员编号 %" PRId64 " 无效", copy[i]);
        if (i && copy[i] == copy[i - 1])
            return err_set(err, ERR_INVALID, "duplicate_person_id", "person_ids",
                           "人员名单中 %" PRId64 " 重复出现", copy[i]);
    }
    return ERR_OK;
}

/* One rule listing every person not currently employed at the unit (the
 * first RULE_IDS_MAX named, all counted). */
static void rule_not_current(const int64_t *ids, int n, const id_list *current, err_detail *err) {
    int missing = 0;
    char names[DETAIL_BYTES] = "";
    size_t used = 0;
    json_t *list = json_array();
    for (int i = 0; i < n; i++) {
        if (id_in(current, ids[i])) continue;
        if (missing++ >= RULE_IDS_MAX) continue;
        json_array_append_new(list, json_integer(ids[i]));
        int w = snprintf(names + used, sizeof names - used, "%s%" PRId64, used ? "、" : "", ids[i]);
        if (w > 0 && (size_t)w < sizeof names - used) used += (size_t)w;
    }
    if (!missing) {
        json_decref(list);
        return;
    }
    char data[DATA_BYTES];
    rule_data(json_pack("{s:i, s:o}", "count", missing, "person_ids", list), data);
    err_rule_add(err, "not_current_employee", data,
                 "%d 人不是本单位当前职工，单位只能为本单位当前职工办理：%s%s", missing, names,
                 missing > RULE_IDS_MAX ? " 等" : "");
}

/* The unit's own operator or the counter; another unit is not found. */
static err_kind unit_actor_check(svc_ctx *ctx, int64_t unit_id, err_detail *err) {
    svc_role r = ctx->actor.role;
    if (r == ROLE_UNIT) {
        if (unit_id <= 0 || ctx->actor.unit_id != unit_id) return unit_not_found(err);
    } else if (!is_counter(r)) {
        return svc_role_is_staff(r) ? forbidden(err) : unit_not_found(err);
    }
    if (unit_id <= 0) return unit_not_found(err);
    reg_unit u;
    return reg_unit_get(ctx, unit_id, &u, err);
}

static json_t *ids_json(const int64_t *ids, int n) {
    json_t *a = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(a, json_integer(ids[i]));
    return a;
}

static err_kind unit_paper_rules(svc_ctx *ctx, int64_t unit_id, const int64_t *ids, int n,
                                 const stmt_period *sp, id_list *current, err_detail *err) {
    window w;
    err_kind k = window_of(ctx, "statement.unit_opt_first_month", "statement.unit_opt_last_month", sp,
                           &w, err);
    if (!k) k = unit_current(ctx, unit_id, current, err);
    if (k) return k;
    rule_window(ctx, &w, sp->period, "单位", err);
    if (ids) rule_not_current(ids, n, current, err);
    return err_rules_finish(err);
}

err_kind statement_paper_set_unit(svc_ctx *ctx, int64_t unit_id, const int64_t *person_ids, int n,
                                  bool paper, json_t **out, err_detail *err) {
    if (person_ids && (n <= 0 || n > LIMIT_ROSTER_ROWS_MAX))
        return err_set(err, ERR_INVALID, "invalid_field", "person_ids",
                       "人员名单应有 1 至 %d 人", LIMIT_ROSTER_ROWS_MAX);
    stmt_period sp;
    id_list current = {0};
    err_kind k = unit_actor_check(ctx, unit_id, err);
    if (!k && person_ids) k = check_duplicates(ctx, person_ids, n, err);
    if (!k) k = period_current(ctx, &sp, err);
    if (!k) k = unit_paper_rules(ctx, unit_id, person_ids, n, &sp, &current, err);
    if (k) return k;
    const int64_t *ids = person_ids ? person_ids : current.ids;
    int count = person_ids ? n : current.n;
    for (int i = 0; i < count && !k; i++) k = pref_write(ctx, ids[i], sp.period, paper, unit_id, err);
    if (k) return k;
    *out = json_pack("{s:I, s:i, s:b, s:i, s:o}", "unit_id", (json_int_t)unit_id, "period", sp.period,
                     "paper", paper, "count", count, "person_ids", ids_json(ids, count));
    return ERR_OK;
}

/* ---- the statement ---- */

static err_kind balances_json(svc_ctx *ctx, int64_t person_id, const stmt_period *sp, json_t *o,
                              err_detail *err) {
    money_fen v[ACCOUNT_KINDS][BAL_COLS] = {{0}};
    char from[DATE_STR_BYTES], to[DATE_STR_BYTES];
    date_format(sp->from, from);
    date_format(sp->to, to);
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_STATEMENT_BALANCES, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    store_bind_text(st, 2, from);
    store_bind_text(st, 3, to);
    bool row = false;
    while (!(k = store_step(st, &row, err)) && row) {
        int i = account_index(store_col_text(st, 0));
        for (int c = 0; i >= 0 && c < BAL_COLS; c++) v[i][c] = store_col_int(st, 1 + c);
    }
    store_stmt_done(st);
    if (k) return k;
    json_t *list = json_array();
    money_fen tot[BAL_COLS + 1] = {0};
    for (int i = 0; i < ACCOUNT_KINDS; i++) {
        money_fen closing = v[i][BAL_OPENING] + v[i][BAL_CONTRIB] + v[i][BAL_INTEREST] + v[i][BAL_OTHER];
        for (int c = 0; c < BAL_COLS; c++) tot[c] += v[i][c];
        tot[BAL_COLS] += closing;
        json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "account",
            accounts[i].kind, "account_zh", accounts[i].zh, "opening_fen", (json_int_t)v[i][BAL_OPENING],
            "contributions_fen", (json_int_t)v[i][BAL_CONTRIB], "interest_fen", (json_int_t)v[i][BAL_INTEREST],
            "other_fen", (json_int_t)v[i][BAL_OTHER], "closing_fen", (json_int_t)closing));
    }
    json_object_set_new(o, "accounts", list);
    json_object_set_new(o, "account_totals", json_pack("{s:I, s:I, s:I, s:I, s:I}",
        "opening_fen", (json_int_t)tot[BAL_OPENING], "contributions_fen", (json_int_t)tot[BAL_CONTRIB],
        "interest_fen", (json_int_t)tot[BAL_INTEREST], "other_fen", (json_int_t)tot[BAL_OTHER],
        "closing_fen", (json_int_t)tot[BAL_COLS]));
    return ERR_OK;
}

static json_t *movement_json(store_stmt *st) {
    const char *acc = store_col_text(st, 1);
    int i = account_index(acc);
    json_t *m = json_pack("{s:s, s:s, s:s, s:s, s:I}", "date", store_col_text(st, 0), "account", acc,
                          "kind", store_col_text(st, 3), "memo", store_col_text(st, 4), "amount_fen",
                          (json_int_t)store_col_int(st, 5));
    json_object_set_new(m, "account_zh", json_string(i >= 0 ? accounts[i].zh : acc));
    if (strcmp(store_col_text(st, 2), store_col_text(st, 3)) != 0)
        json_object_set_new(m, "reverses_kind", json_string(store_col_text(st, 2)));
    return m;
}

static err_kind movements_json(svc_ctx *ctx, int64_t person_id, const stmt_period *sp, json_t *o,
                               err_detail *err) {
    char from[DATE_STR_BYTES], to[DATE_STR_BYTES];
    date_format(sp->from, from);
    date_format(sp->to, to);
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_STATEMENT_MOVEMENTS, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    store_bind_text(st, 2, from);
    store_bind_text(st, 3, to);
    store_bind_int(st, 4, LIMIT_QUERY_ROWS_MAX);
    json_t *interest = json_array(), *other = json_array();
    bool row = false;
    int rows = 0;
    while (!(k = store_step(st, &row, err)) && row) {
        rows++;
        json_array_append_new(store_col_int(st, 6) ? interest : other, movement_json(st));
    }
    store_stmt_done(st);
    json_object_set_new(o, "interest", interest);
    json_object_set_new(o, "other_movements", other);
    json_object_set_new(o, "movements_truncated", json_boolean(rows >= LIMIT_QUERY_ROWS_MAX));
    return k;
}

typedef struct month_acc {
    json_t *months;       /* array of {"month","items","unit_fen","personal_fen"} */
    json_t *cur;          /* the month being filled */
    month_ym cur_month;
    money_fen unit_fen, personal_fen, credited_fen, outstanding_fen;
} month_acc;

static void month_add_item(month_acc *a, month_ym m, json_t *item, money_fen unit, money_fen personal) {
    if (!a->cur || a->cur_month != m) {
        a->cur = json_pack("{s:o, s:o, s:I, s:I}", "month", jsonx_month_new(m), "items", json_array(),
                           "unit_fen", (json_int_t)0, "personal_fen", (json_int_t)0);
        a->cur_month = m;
        json_array_append_new(a->months, a->cur);
    }
    json_array_append_new(json_object_get(a->cur, "items"), item);
    json_int_t u = json_integer_value(json_object_get(a->cur, "unit_fen"));
    json_int_t p = json_integer_value(json_object_get(a->cur, "personal_fen"));
    json_object_set_new(a->cur, "unit_fen", json_integer(u + unit));
    json_object_set_new(a->cur, "personal_fen", json_integer(p + personal));
}

static void month_row(month_acc *a, store_stmt *st) {
    const char *ins = store_col_text(st, 1), *status = store_col_text(st, 6);
    money_fen unit = store_col_int(st, 4), personal = store_col_int(st, 5);
    bool credited = strcmp(status, "paid") == 0;
    json_t *item = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:b}", "insurance", ins,
        "insurance_zh", insurance_zh(ins), "kind", store_col_text(st, 2), "base_fen",
        (json_int_t)store_col_int(st, 3), "unit_fen", (json_int_t)unit, "personal_fen",
        (json_int_t)personal, "bill_status", status, "credited", credited);
    int64_t unit_id = store_col_int(st, 7);
    json_object_set_new(item, "unit_id", unit_id ? json_integer(unit_id) : json_null());
    json_object_set_new(item, "unit_name", unit_id ? json_string(store_col_text(st, 8)) : json_null());
    month_add_item(a, (month_ym)store_col_int(st, 0), item, unit, personal);
    a->unit_fen += unit;
    a->personal_fen += personal;
    if (credited) a->credited_fen += unit + personal;
    else a->outstanding_fen += unit + personal;
}

static err_kind months_json(svc_ctx *ctx, int64_t person_id, const stmt_period *sp, json_t *o,
                            err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_STATEMENT_MONTHS, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    store_bind_int(st, 2, month_of(sp->from));
    store_bind_int(st, 3, month_of(sp->to));
    store_bind_int(st, 4, LIMIT_QUERY_ROWS_MAX);
    month_acc a = {.months = json_array()};
    bool row = false;
    int rows = 0;
    while (!(k = store_step(st, &row, err)) && row) {
        rows++;
        month_row(&a, st);
    }
    store_stmt_done(st);
    json_object_set_new(o, "months", a.months);
    json_object_set_new(o, "contributions", json_pack("{s:I, s:I, s:I, s:I, s:b}", "unit_fen",
        (json_int_t)a.unit_fen, "personal_fen", (json_int_t)a.personal_fen, "credited_fen",
        (json_int_t)a.credited_fen, "outstanding_fen", (json_int_t)a.outstanding_fen, "truncated",
        rows >= LIMIT_QUERY_ROWS_MAX));
    return k;
}

static err_kind produced_json(svc_ctx *ctx, int64_t person_id, int period, json_t *o, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_STATEMENT_RUN_GET, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    store_bind_int(st, 2, period);
    bool row = false;
    k = store_step(st, &row, err);
    json_object_set_new(o, "produced_on", (!k && row) ? json_string(store_col_text(st, 0)) : json_null());
    store_stmt_done(st);
    return k;
}

static json_t *person_head(const reg_person *p) {
    char masked[REG_ID_MASKED_BYTES];
    reg_person_mask_id(p->id_number, masked);
    return json_pack("{s:I, s:s, s:s, s:o}", "person_id", (json_int_t)p->id, "name", p->name,
                     "id_number_masked", masked, "si_number",
                     p->si_number[0] ? json_string(p->si_number) : json_null());
}

static json_t *period_head(svc_ctx *ctx, const reg_person *p, const stmt_period *sp) {
    char code[16];
    snprintf(code, sizeof code, "%06d", (int)month_of(sp->to));
    json_t *o = person_head(p);
    json_object_set_new(o, "period", json_integer(sp->period));
    json_object_set_new(o, "period_code", json_string(code));
    json_object_set_new(o, "from", jsonx_date_new(sp->from));
    json_object_set_new(o, "to", jsonx_date_new(sp->to));
    json_object_set_new(o, "as_of", jsonx_date_new(ctx->business_date));
    json_object_set_new(o, "complete", json_boolean(ctx->business_date > sp->to));
    return o;
}

/* The statement's data, no visibility check and no audit (callers do both). */
static err_kind statement_build(svc_ctx *ctx, int64_t person_id, const stmt_period *sp,
                                json_t **out, err_detail *err) {
    reg_person p;
    pref pf;
    err_kind k = reg_person_get(ctx, person_id, &p, err);
    if (!k) k = pref_get(ctx, person_id, sp->period, &pf, err);
    if (k) return k;
    json_t *o = period_head(ctx, &p, sp);
    json_object_set_new(o, "paper", json_boolean(pf.paper));
    json_object_set_new(o, "paper_set_on", date_json(pf.set_on));
    k = produced_json(ctx, person_id, sp->period, o, err);
    if (!k) k = balances_json(ctx, person_id, sp, o, err);
    if (!k) k = months_json(ctx, person_id, sp, o, err);
    if (!k) k = movements_json(ctx, person_id, sp, o, err);
    if (k) {
        json_decref(o);
        return k;
    }
    *out = o;
    return ERR_OK;
}

/* The person or staff: a statement is the person's whole record, not a unit's. */
static err_kind visible_not_unit(svc_ctx *ctx, int64_t person_id, err_detail *err) {
    int64_t scope = 0;
    err_kind k = reg_person_visible(ctx, person_id, &scope, err);
    if (!k && scope > 0) return person_not_found(err);
    return k;
}

static err_kind period_requested(svc_ctx *ctx, int period, stmt_period *out, err_detail *err) {
    stmt_period cur;
    err_kind k = period_current(ctx, &cur, err);
    if (k || !period || period == cur.period) {
        if (!k) *out = cur;
        return k;
    }
    if (period > cur.period)
        return err_set(err, ERR_INVALID, "period_out_of_range", "period",
                       "权益记录单 %d 期尚未开始（当期为 %d 期）", period, cur.period);
    return period_load(ctx->pol, period, out, err);
}

err_kind statement_person_json(svc_ctx *ctx, int64_t person_id, int period, json_t **out,
                               err_detail *err) {
    stmt_period sp;
    json_t *o = NULL;
    char detail[DETAIL_BYTES];
    err_kind k = visible_not_unit(ctx, person_id, err);
    if (!k) k = period_requested(ctx, period, &sp, err);
    if (!k) k = statement_build(ctx, person_id, &sp, &o, err);
    if (!k) {
        snprintf(detail, sizeof detail, "statement period=%d", sp.period);
        k = audit_target(ctx, "person.read", "person", person_id, detail, err);
    }
    if (k) {
        json_decref(o);
        return k;
    }
    *out = o;
    return ERR_OK;
}

/* ---- certificates ---- */

/* to 0: the business month; from 0: from the first month on record. */
static err_kind month_range(svc_ctx *ctx, month_ym *from, month_ym *to, err_detail *err) {
    if (!*to) *to = month_of(ctx->business_date);
    if ((*from && !month_valid(*from)) || !month_valid(*to))
        return err_set(err, ERR_INVALID, "invalid_field", *from && !month_valid(*from) ? "from" : "to",
                       "月份无效");
    if (*from > *to) {
        char f[MONTH_STR_BYTES], t[MONTH_STR_BYTES];
        month_format(*from, f);
        month_format(*to, t);
        return err_set(err, ERR_INVALID, "invalid_range", "from", "起始月份 %s 晚于截止月份 %s", f, t);
    }
    return ERR_OK;
}

err_kind statement_unit_participation_json(svc_ctx *ctx, int64_t unit_id, json_t **out,
                                           err_detail *err) {
    json_t *o = NULL;
    err_kind k = reg_unit_certificate_json(ctx, unit_id, &o, err);
    if (k) return k;
    store_stmt *st;
    k = store_prepare(ctx->tx, STORE_Q_STATEMENT_UNIT_MONTHS_PAID, &st, err);
    if (k) {
        json_decref(o);
        return k;
    }
    store_bind_int(st, 1, unit_id);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k) {
        json_object_set_new(o, "months_paid", json_integer(row ? store_col_int(st, 0) : 0));
        json_object_set_new(o, "first_paid_month", month_or_null(row ? (month_ym)store_col_int(st, 1) : 0));
        json_object_set_new(o, "last_paid_month", month_or_null(row ? (month_ym)store_col_int(st, 2) : 0));
    }
    store_stmt_done(st);
    if (k) {
        json_decref(o);
        return k;
    }
    *out = o;
    return ERR_OK;
}

/* A unit operator its own unit, staff any; anyone else not found. */
static err_kind unit_visible(svc_ctx *ctx, int64_t unit_id, reg_unit *u, err_detail *err) {
    svc_role r = ctx->actor.role;
    bool may = svc_role_is_staff(r) || (r == ROLE_UNIT && ctx->actor.unit_id > 0 && ctx->actor.unit_id == unit_id);
    if (!may || unit_id <= 0) return unit_not_found(err);
    return reg_unit_get(ctx, unit_id, u, err);
}

typedef struct summary_acc {
    json_t *persons;
    money_fen unit_fen, personal_fen;
    money_fen ins_unit[INS_COUNT], ins_personal[INS_COUNT];
} summary_acc;

static json_t *summary_person(store_stmt *st) {
    char masked[REG_ID_MASKED_BYTES];
    reg_person_mask_id(store_col_text(st, 2), masked);
    const char *si = store_col_text(st, 3);
    return json_pack("{s:I, s:s, s:s, s:o, s:I, s:I, s:I, s:o}", "person_id",
        (json_int_t)store_col_int(st, 0), "name", store_col_text(st, 1), "id_number_masked", masked,
        "si_number", *si ? json_string(si) : json_null(), "months", (json_int_t)store_col_int(st, 4),
        "unit_fen", (json_int_t)store_col_int(st, 5), "personal_fen", (json_int_t)store_col_int(st, 6),
        "insurances", json_array());
}

static void summary_bind(store_stmt *st, int64_t unit_id, month_ym from, month_ym to) {
    store_bind_int(st, 1, unit_id);
    store_bind_int(st, 2, from);
    store_bind_int(st, 3, to);
    store_bind_int(st, 4, LIMIT_ROSTER_ROWS_MAX);
}

static err_kind summary_persons(svc_ctx *ctx, int64_t unit_id, month_ym from, month_ym to,
                                summary_acc *a, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_STATEMENT_UNIT_PERSONS, &st, err);
    if (k) return k;
    summary_bind(st, unit_id, from, to);
    bool row = false;
    while (!(k = store_step(st, &row, err)) && row) {
        json_array_append_new(a->persons, summary_person(st));
        a->unit_fen += store_col_int(st, 5);
        a->personal_fen += store_col_int(st, 6);
    }
    store_stmt_done(st);
    return k;
}

/* Both queries are ordered by person: walk the persons alongside. */
static err_kind summary_insurances(svc_ctx *ctx, int64_t unit_id, month_ym from, month_ym to,
                                   summary_acc *a, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_STATEMENT_UNIT_PERSON_INSURANCES, &st, err);
    if (k) return k;
    summary_bind(st, unit_id, from, to);
    size_t at = 0, n = json_array_size(a->persons);
    bool row = false;
    while (!(k = store_step(st, &row, err)) && row) {
        int64_t pid = store_col_int(st, 0);
        while (at < n && json_integer_value(json_object_get(json_array_get(a->persons, at), "person_id")) != pid)
            at++;
        if (at == n) break;   /* cut by the row limit */
        const char *ins = store_col_text(st, 1);
        money_fen u = store_col_int(st, 3), p = store_col_int(st, 4);
        int i = insurance_index(ins);
        if (i >= 0) {
            a->ins_unit[i] += u;
            a->ins_personal[i] += p;
        }
        json_array_append_new(json_object_get(json_array_get(a->persons, at), "insurances"),
            json_pack("{s:s, s:s, s:I, s:I, s:I}", "insurance", ins, "insurance_zh", insurance_zh(ins),
                      "months", (json_int_t)store_col_int(st, 2), "unit_fen", (json_int_t)u,
                      "personal_fen", (json_int_t)p));
    }
    store_stmt_done(st);
    return k;
}

static json_t *insurance_totals(const money_fen unit[INS_COUNT], const money_fen personal[INS_COUNT]) {
    json_t *list = json_array();
    for (int i = 0; i < INS_COUNT; i++) {
        if (!unit[i] && !personal[i]) continue;
        json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:I}", "insurance",
            reg_insurance_name((reg_insurance)i), "insurance_zh", reg_insurance_name_zh((reg_insurance)i),
            "unit_fen", (json_int_t)unit[i], "personal_fen", (json_int_t)personal[i]));
    }
    return list;
}

err_kind statement_unit_summary_json(svc_ctx *ctx, int64_t unit_id, month_ym from, month_ym to,
                                     json_t **out, err_detail *err) {
    reg_unit u;
    err_kind k = unit_visible(ctx, unit_id, &u, err);
    if (!k) k = month_range(ctx, &from, &to, err);
    if (k) return k;
    summary_acc a = {.persons = json_array()};
    k = summary_persons(ctx, unit_id, from, to, &a, err);
    if (!k) k = summary_insurances(ctx, unit_id, from, to, &a, err);
    char detail[DETAIL_BYTES];
    snprintf(detail, sizeof detail, "contribution_summary %d..%d persons=%zu", (int)from, (int)to,
             json_array_size(a.persons));
    if (!k) k = audit_target(ctx, "unit.contribution_summary", "unit", unit_id, detail, err);
    if (k) {
        json_decref(a.persons);
        return k;
    }
    size_t n = json_array_size(a.persons);
    *out = json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:I, s:b, s:o, s:{s:I, s:I, s:o}}", "unit_id",
        (json_int_t)unit_id, "name", u.name, "code", u.code, "from", month_or_null(from), "to",
        jsonx_month_new(to), "as_of", jsonx_date_new(ctx->business_date), "count", (json_int_t)n,
        "truncated", n >= LIMIT_ROSTER_ROWS_MAX, "persons", a.persons, "totals", "unit_fen",
        (json_int_t)a.unit_fen, "personal_fen", (json_int_t)a.personal_fen, "insurances",
        insurance_totals(a.ins_unit, a.ins_personal));
    return ERR_OK;
}

/* ---- a person's participation and contribution details ---- */

typedef struct detail_acc {
    month_acc m;
    bool gov_restricted;
    unsigned hidden;                  /* insurances left out, as a bit set */
    month_ym last_month[INS_COUNT];   /* to count each insurance's months once */
    int months[INS_COUNT];
    money_fen unit[INS_COUNT], personal[INS_COUNT];
} detail_acc;

static void detail_row(detail_acc *a, store_stmt *st) {
    const char *ins = store_col_text(st, 1), *category = store_col_text(st, 8);
    int i = insurance_index(ins);
    if (gov_hidden(category, ins)) {
        a->gov_restricted = true;
        if (i >= 0) a->hidden |= 1u << i;
        return;
    }
    month_ym m = (month_ym)store_col_int(st, 0);
    money_fen unit = store_col_int(st, 4), personal = store_col_int(st, 5);
    int64_t unit_id = store_col_int(st, 6);
    json_t *item = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:o, s:o}", "insurance", ins,
        "insurance_zh", insurance_zh(ins), "kind", store_col_text(st, 2), "base_fen",
        (json_int_t)store_col_int(st, 3), "unit_fen", (json_int_t)unit, "personal_fen",
        (json_int_t)personal, "unit_id", unit_id ? json_integer(unit_id) : json_null(), "unit_name",
        unit_id ? json_string(store_col_text(st, 7)) : json_null());
    month_add_item(&a->m, m, item, unit, personal);
    a->m.unit_fen += unit;
    a->m.personal_fen += personal;
    if (i < 0) return;
    if (a->last_month[i] != m) a->months[i]++;
    a->last_month[i] = m;
    a->unit[i] += unit;
    a->personal[i] += personal;
}

static err_kind details_load(svc_ctx *ctx, int64_t person_id, int64_t scope, month_ym from,
                             month_ym to, detail_acc *a, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_STATEMENT_PERSON_PAID, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    store_bind_int(st, 2, from);
    store_bind_int(st, 3, to);
    store_bind_int(st, 4, scope);
    store_bind_int(st, 5, LIMIT_QUERY_ROWS_MAX);
    bool row = false;
    while (!(k = store_step(st, &row, err)) && row) detail_row(a, st);
    store_stmt_done(st);
    return k;
}

/* Spans of category gov keep only the insurances a member is certified for. */
static json_t *spans_shown(json_t *spans, detail_acc *a) {
    json_t *shown = json_array();
    size_t i;
    json_t *sp;
    json_array_foreach(spans, i, sp) {
        const char *cat = json_string_value(json_object_get(sp, "category"));
        const char *ins = json_string_value(json_object_get(sp, "insurance"));
        if (cat && ins && gov_hidden(cat, ins)) {
            int x = insurance_index(ins);
            a->gov_restricted = true;
            if (x >= 0) a->hidden |= 1u << x;
            continue;
        }
        json_array_append(shown, sp);
    }
    return shown;
}

static json_t *detail_insurances(const detail_acc *a) {
    json_t *list = json_array();
    for (int i = 0; i < INS_COUNT; i++) {
        if (!a->months[i]) continue;
        json_array_append_new(list, json_pack("{s:s, s:s, s:i, s:I, s:I}", "insurance",
            reg_insurance_name((reg_insurance)i), "insurance_zh", reg_insurance_name_zh((reg_insurance)i),
            "months", a->months[i], "unit_fen", (json_int_t)a->unit[i], "personal_fen",
            (json_int_t)a->personal[i]));
    }
    return list;
}

static json_t *hidden_json(unsigned hidden) {
    json_t *list = json_array();
    for (int i = 0; i < INS_COUNT; i++)
        if (hidden & (1u << i)) json_array_append_new(list, json_string(reg_insurance_name((reg_insurance)i)));
    return list;
}

static json_t *certificate_json(svc_ctx *ctx, const reg_person *p, int64_t scope, month_ym from,
                                month_ym to, json_t *shown, detail_acc *a) {
    json_t *o = person_head(p);
    json_object_set_new(o, "as_of", jsonx_date_new(ctx->business_date));
    json_object_set_new(o, "from", month_or_null(from));
    json_object_set_new(o, "to", jsonx_month_new(to));
    json_object_set_new(o, "unit_scope", scope ? json_integer(scope) : json_null());
    json_object_set_new(o, "gov_restricted", json_boolean(a->gov_restricted));
    json_object_set_new(o, "hidden_insurances", hidden_json(a->hidden));
    json_object_set_new(o, "participation", shown);
    json_object_set_new(o, "insurances", detail_insurances(a));
    json_object_set_new(o, "months", a->m.months);
    json_object_set_new(o, "totals", json_pack("{s:I, s:I}", "unit_fen", (json_int_t)a->m.unit_fen,
                                               "personal_fen", (json_int_t)a->m.personal_fen));
    return o;
}

err_kind statement_person_contributions_json(svc_ctx *ctx, int64_t person_id, month_ym from,
                                             month_ym to, json_t **out, err_detail *err) {
    int64_t scope = 0;
    reg_person p;
    json_t *spans = NULL;
    err_kind k = reg_person_visible(ctx, person_id, &scope, err);
    if (!k) k = month_range(ctx, &from, &to, err);
    if (!k) k = reg_person_get(ctx, person_id, &p, err);
    if (!k) k = reg_spans_json(ctx, person_id, scope, false, &spans, err);
    if (k) return k;
    detail_acc a = {.m = {.months = json_array()}};
    json_t *shown = spans_shown(spans, &a);
    json_decref(spans);
    k = details_load(ctx, person_id, scope, from, to, &a, err);
    char detail[DETAIL_BYTES];
    snprintf(detail, sizeof detail, "contribution_certificate %d..%d", (int)from, (int)to);
    if (!k) k = audit_target(ctx, "person.read", "person", person_id, detail, err);
    if (k) {
        json_decref(shown);
        json_decref(a.m.months);
        return k;
    }
    *out = certificate_json(ctx, &p, scope, from, to, shown, &a);
    return ERR_OK;
}

/* ---- the yearly run ---- */

static err_kind run_one(svc_ctx *ctx, int64_t person_id, void *arg, err_detail *err) {
    const stmt_period *sp = arg;
    json_t *o = NULL;
    err_kind k = statement_build(ctx, person_id, sp, &o, err);
    if (k) return k;
    bool paper = json_is_true(json_object_get(o, "paper"));
    json_decref(o);
    char today[DATE_STR_BYTES];
    date_format(ctx->business_date, today);
    return store_exec(ctx->tx, STORE_Q_STATEMENT_RUN_MARK, err, "iiti", person_id, (int64_t)sp->period,
                      today, (int64_t)(paper ? 1 : 0));
}

static err_kind run_allowed(svc_ctx *ctx, const stmt_period *sp, err_detail *err) {
    svc_role r = ctx->actor.role;
    if (r != ROLE_FINANCE && r != ROLE_ADMIN && r != ROLE_SYSTEM) return forbidden(err);
    if (ctx->business_date > sp->to) return ERR_OK;
    char to[DATE_STR_BYTES], today[DATE_STR_BYTES], data[DATA_BYTES];
    date_format(sp->to, to);
    date_format(ctx->business_date, today);
    rule_data(json_pack("{s:i, s:s, s:s}", "period", sp->period, "ends_on", to, "date", today), data);
    err_rule_add(err, "period_not_ended", data, "%d 期权益记录单的对账期至 %s 结束，今天是 %s，尚不能生成",
                 sp->period, to, today);
    return err_rules_finish(err);
}

err_kind statement_run_with(store *st, svc_ctx *ctx, int period, batch_progress_fn progress,
                            void *progress_arg, int64_t *count_out, err_detail *err) {
    stmt_period sp;
    err_kind k = period_load(ctx->pol, period, &sp, err);
    if (!k) k = run_allowed(ctx, &sp, err);
    if (k) return k;
    char key[16];
    snprintf(key, sizeof key, "%d", period);
    batch_spec spec = {
        .kind = "statements", .run_key = key, .keys_query = STORE_Q_STATEMENT_RUN_KEYS,
        .keys_param = month_of(sp.to), .count_query = STORE_Q_STATEMENT_RUN_COUNT,
        .fn = run_one, .arg = &sp, .progress = progress, .progress_arg = progress_arg,
    };
    return batch_run(st, ctx, &spec, count_out, err);
}

err_kind statement_run(store *st, svc_ctx *ctx, int period, int64_t *count_out, err_detail *err) {
    return statement_run_with(st, ctx, period, NULL, NULL, count_out, err);
}
