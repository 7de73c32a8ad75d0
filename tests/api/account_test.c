/* Accounts over HTTP: a person's balances and contribution details (self,
 * staff; another person and a unit operator 404), the yearly interest run
 * by finance only and never before its date, settled once however often it
 * is asked, and the ledger check answering what it found. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"
#include "svc/audit.h"
#include "svc/demo.h"
#include "testutil.h"

static tu_server *srv;
static char *person_a, *person_b, *unit0, *clerk, *finance, *admin;
static int64_t pid_a, uid0;

static int64_t current(const char *token, const char *key) {
    tu_resp r = tu_http(srv, "GET", "/api/v1/sessions/current", token, NULL, NULL);
    assert_int_equal(r.status, 200);
    int64_t v = json_integer_value(json_object_get(json_object_get(r.json, "user"), key));
    tu_resp_free(&r);
    assert_true(v > 0);
    return v;
}

static int setup(void **state) {
    srv = tu_server_start("2026-11-23", 1);
    const demo_login *a = tu_demo_login("person", 0), *b = tu_demo_login("person", 1), *u0 = tu_demo_login("unit", 0);
    person_a = tu_sign_in(srv, "person", a->login, a->password);
    person_b = tu_sign_in(srv, "person", b->login, b->password);
    unit0 = tu_sign_in(srv, "unit", u0->login, u0->password);
    clerk = tu_sign_in(srv, "staff", "clerk01", "Staff@2026");
    finance = tu_sign_in(srv, "staff", "finance01", "Staff@2026");
    admin = tu_sign_in(srv, "staff", "admin", "Staff@2026");
    pid_a = current(person_a, "person_id");
    uid0 = current(unit0, "unit_id");
    return 0;
}

static int teardown(void **state) {
    free(person_a); free(person_b); free(unit0); free(clerk); free(finance); free(admin);
    tu_server_stop(srv);
    return 0;
}

/* ---- helpers ---- */

static tu_resp call(const char *method, const char *token, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static tu_resp call(const char *method, const char *token, const char *fmt, ...) {
    char path[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    return tu_http(srv, method, path, token, NULL, NULL);
}

/* A credit to a person's account, written through the ledger in a
 * transaction of the running server's store. */
static void credit(int64_t person, const char *kind, const char *date, money_fen amount) {
    static int seq;
    err_detail err = {0};
    svc_ctx *ctx = &srv->env->ctx;
    if (store_begin(srv->env->st, true, &ctx->tx, &err)) fail_msg("begin: %s", err.message);
    int64_t acct = 0, pool = 0, id = 0;
    bool dup = false;
    date_days d = 0;
    assert_int_equal(date_parse(date, "date", &d, &err), ERR_OK);
    if (ledger_account(ctx->tx, OWNER_PERSON, person, kind, &acct, &err) ||
        ledger_account(ctx->tx, OWNER_POOL, 0, "contrib_due", &pool, &err))
        fail_msg("account: %s", err.message);
    ledger_posting p[2] = {{pool, amount, month_of(d)}, {acct, -amount, month_of(d)}};
    char key[64];
    snprintf(key, sizeof key, "api-test:%d", ++seq);
    if (ledger_post(ctx->tx, key, d, "test", "", p, 2, ctx->now_ms, &id, &dup, &err))
        fail_msg("post: %s", err.message);
    if (store_commit(ctx->tx, &err)) fail_msg("commit: %s", err.message);
    ctx->tx = NULL;
}

static int64_t new_person(const char *id_number) {
    err_detail err = {0};
    svc_ctx *ctx = &srv->env->ctx;
    if (store_begin(srv->env->st, true, &ctx->tx, &err)) fail_msg("begin: %s", err.message);
    int64_t id = tu_add_person(srv->env, id_number, "结息测试");
    if (store_commit(ctx->tx, &err)) fail_msg("commit: %s", err.message);
    ctx->tx = NULL;
    return id;
}

static void raw_sql(const char *sql) { tu_sql(srv->env, sql); }

static money_fen account_balance(const tu_resp *r, const char *kind) {
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(r->json, "accounts"), i, it)
        if (strcmp(json_string_value(json_object_get(it, "kind")), kind) == 0)
            return json_integer_value(json_object_get(it, "balance_fen"));
    fail_msg("no account %s in %s", kind, r->body);
    return 0;
}

/* ---- tests ---- */

static void balances_self_and_staff_only(void **state) {
    tu_resp r = call("GET", person_a, "/api/v1/me/accounts");
    tu_expect(&r, 200, NULL);
    assert_int_equal(json_array_size(json_object_get(r.json, "accounts")), 4);
    money_fen before = account_balance(&r, "medical_account");
    tu_resp_free(&r);
    credit(pid_a, "medical_account", "2026-10-25", 12345);
    r = call("GET", person_a, "/api/v1/me/accounts");
    tu_expect(&r, 200, NULL);
    assert_int_equal(account_balance(&r, "medical_account"), before + 12345);
    json_t *first = json_array_get(json_object_get(r.json, "monthly_credits"), 0);
    assert_non_null(first);
    tu_resp_free(&r);
    r = call("GET", person_a, "/api/v1/persons/%lld/accounts", (long long)pid_a);
    tu_expect(&r, 200, NULL);
    tu_resp_free(&r);
    r = call("GET", clerk, "/api/v1/persons/%lld/accounts", (long long)pid_a);
    tu_expect(&r, 200, NULL);
    assert_int_equal(account_balance(&r, "medical_account"), before + 12345);
    tu_resp_free(&r);
    r = call("GET", person_b, "/api/v1/persons/%lld/accounts", (long long)pid_a);
    tu_expect(&r, 404, "person_not_found");
    tu_resp_free(&r);
    r = call("GET", unit0, "/api/v1/persons/%lld/accounts", (long long)pid_a);
    tu_expect(&r, 404, "person_not_found");
    tu_resp_free(&r);
    r = call("GET", unit0, "/api/v1/me/accounts");
    tu_expect(&r, 403, NULL);
    tu_resp_free(&r);
    r = call("GET", NULL, "/api/v1/me/accounts");
    tu_expect(&r, 401, NULL);
    tu_resp_free(&r);
    r = call("GET", clerk, "/api/v1/persons/x1/accounts");
    tu_expect(&r, 400, NULL);
    tu_resp_free(&r);
    r = call("GET", clerk, "/api/v1/persons/99999999/accounts");
    tu_expect(&r, 404, "person_not_found");
    tu_resp_free(&r);
}

static void contribution_details_by_year(void **state) {
    char sql[2048];
    snprintf(sql, sizeof sql,
        "INSERT INTO bills (id, unit_id, month, kind, status, due_on, paid_on, created_at_ms, updated_at_ms) VALUES "
        "(900001, %1$lld, 202301, 'regular', 'paid', '2023-01-25', '2023-01-25', 0, 0),"
        "(900002, %1$lld, 202302, 'backpay', 'sent', '2023-03-25', NULL, 0, 0);"
        "INSERT INTO assessments (bill_id, unit_id, person_id, span_id, month, insurance, kind, base_fen,"
        " unit_rate_bp, personal_rate_bp, unit_fen, personal_fen, created_at_ms) VALUES "
        "(900001, %1$lld, %2$lld, 900001, 202301, 'pension', 'regular', 600000, 1600, 800, 96000, 48000, 0),"
        "(900002, %1$lld, %2$lld, 900001, 202302, 'pension', 'backpay', 600000, 1600, 800, 96000, 48000, 0);",
        (long long)uid0, (long long)pid_a);
    raw_sql(sql);
    tu_resp r = call("GET", person_a, "/api/v1/me/contributions?year=2023");
    tu_expect(&r, 200, NULL);
    assert_int_equal(json_integer_value(json_object_get(r.json, "count")), 2);
    assert_int_equal(json_integer_value(json_object_get(r.json, "unit_total_fen")), 192000);
    json_t *items = json_object_get(r.json, "items");
    assert_true(json_is_true(json_object_get(json_array_get(items, 0), "paid")));
    assert_true(json_is_true(json_object_get(json_array_get(items, 1), "backpay")));
    assert_false(json_is_true(json_object_get(json_array_get(items, 1), "paid")));
    tu_resp_free(&r);
    r = call("GET", clerk, "/api/v1/persons/%lld/contributions?year=2023", (long long)pid_a);
    tu_expect(&r, 200, NULL);
    assert_int_equal(json_integer_value(json_object_get(r.json, "count")), 2);
    tu_resp_free(&r);
    r = call("GET", person_a, "/api/v1/me/contributions?year=2022");
    tu_expect(&r, 200, NULL);
    assert_int_equal(json_integer_value(json_object_get(r.json, "count")), 0);
    tu_resp_free(&r);
    r = call("GET", person_a, "/api/v1/me/contributions?year=abc");
    tu_expect(&r, 400, NULL);
    assert_string_equal(json_string_value(json_object_get(json_object_get(r.json, "error"), "field")), "year");
    tu_resp_free(&r);
    r = call("GET", person_a, "/api/v1/me/contributions?year=1800");
    tu_expect(&r, 400, "invalid_value");
    tu_resp_free(&r);
    r = call("GET", person_b, "/api/v1/persons/%lld/contributions", (long long)pid_a);
    tu_expect(&r, 404, "person_not_found");
    tu_resp_free(&r);
    r = call("GET", unit0, "/api/v1/persons/%lld/contributions", (long long)pid_a);
    tu_expect(&r, 404, "person_not_found");
    tu_resp_free(&r);
}

static void interest_settled_by_finance_once(void **state) {
    int64_t x = new_person("320501199001019991");
    credit(x, "housing_fund", "2025-07-01", 1000000);
    tu_resp r = call("POST", clerk, "/api/v1/interest/2026/settle?kind=housing_fund");
    tu_expect(&r, 403, "forbidden");
    tu_resp_free(&r);
    r = call("POST", finance, "/api/v1/interest/2026/settle?kind=gold");
    tu_expect(&r, 400, "invalid_value");
    tu_resp_free(&r);
    /* 2027's year ends on 2027-06-30; the pension year 2026 on 2026-12-31; business date 2026-11-23 */
    r = call("POST", finance, "/api/v1/interest/2027/settle?kind=housing_fund");
    tu_expect(&r, 422, "rules_failed");
    assert_true(tu_has_rule(&r, "period_not_ended"));
    tu_resp_free(&r);
    r = call("POST", finance, "/api/v1/interest/2026/settle");
    tu_expect(&r, 422, "rules_failed");
    assert_true(tu_has_rule(&r, "period_not_ended"));
    tu_resp_free(&r);
    r = call("GET", clerk, "/api/v1/persons/%lld/accounts", (long long)x);
    assert_int_equal(account_balance(&r, "housing_fund"), 1000000);
    tu_resp_free(&r);
    r = call("POST", finance, "/api/v1/interest/2026/settle?kind=housing_fund");
    tu_expect(&r, 200, NULL);
    json_t *run = json_array_get(json_object_get(r.json, "runs"), 0);
    assert_string_equal(json_string_value(json_object_get(run, "settle_on")), "2026-06-30");
    assert_string_equal(json_string_value(json_object_get(run, "batch_kind")), "interest_hf");
    int64_t entries = json_integer_value(json_object_get(run, "entries"));
    money_fen total = json_integer_value(json_object_get(run, "interest_fen"));
    assert_true(entries >= 1);
    assert_true(total >= 15208);
    tu_resp_free(&r);
    r = call("GET", clerk, "/api/v1/persons/%lld/accounts", (long long)x);
    assert_int_equal(account_balance(&r, "housing_fund"), 1015208);
    json_t *in = json_array_get(json_object_get(r.json, "interest"), 0);
    assert_int_equal(json_integer_value(json_object_get(in, "amount_fen")), 15208);
    tu_resp_free(&r);
    /* again, by admin: nothing more */
    r = call("POST", admin, "/api/v1/interest/2026/settle?kind=housing_fund");
    tu_expect(&r, 200, NULL);
    run = json_array_get(json_object_get(r.json, "runs"), 0);
    assert_int_equal(json_integer_value(json_object_get(run, "entries")), entries);
    assert_int_equal(json_integer_value(json_object_get(run, "interest_fen")), total);
    tu_resp_free(&r);
    r = call("GET", clerk, "/api/v1/persons/%lld/accounts", (long long)x);
    assert_int_equal(account_balance(&r, "housing_fund"), 1015208);
    tu_resp_free(&r);
}

static void ledger_verify_answers(void **state) {
    tu_resp r = call("GET", clerk, "/api/v1/ledger/verify");
    tu_expect(&r, 403, "forbidden");
    tu_resp_free(&r);
    r = call("GET", finance, "/api/v1/ledger/verify");
    tu_expect(&r, 200, NULL);
    if (!json_is_true(json_object_get(r.json, "ok"))) fail_msg("ledger not clean: %s", r.body);
    assert_true(json_integer_value(json_object_get(r.json, "entries")) >= 1);
    assert_true(json_is_null(json_object_get(r.json, "wrong_balance_account_id")));
    tu_resp_free(&r);
    raw_sql("UPDATE ledger_accounts SET balance_fen = balance_fen + 7 WHERE id = "
            "(SELECT MIN(id) FROM ledger_accounts WHERE kind = 'interest_expense')");
    r = call("GET", admin, "/api/v1/ledger/verify");
    tu_expect(&r, 200, NULL);
    assert_false(json_is_true(json_object_get(r.json, "ok")));
    assert_true(json_integer_value(json_object_get(r.json, "wrong_balance_account_id")) > 0);
    assert_non_null(strstr(json_string_value(json_object_get(r.json, "problem")), "不符"));
    tu_resp_free(&r);
    raw_sql("UPDATE ledger_accounts SET balance_fen = balance_fen - 7 WHERE id = "
            "(SELECT MIN(id) FROM ledger_accounts WHERE kind = 'interest_expense')");
    r = call("GET", admin, "/api/v1/ledger/verify");
    assert_true(json_is_true(json_object_get(r.json, "ok")));
    tu_resp_free(&r);
}
/* Reads from many connections at once: the audit rows of their reads are
 * written in shared transactions after them, each read answered only once
 * its row is in, and the chain stays whole. */
enum { READERS = 6, READS_EACH = 8 };

static void *reader(void *arg) {
    long *ok = arg;
    for (int i = 0; i < READS_EACH; i++) {
        tu_resp r = call("GET", person_a, i % 2 ? "/api/v1/me/accounts" : "/api/v1/me/contributions");
        if (r.status == 200) (*ok)++;
        tu_resp_free(&r);
    }
    return NULL;
}

static int64_t read_rows_of_a(void) {
    char target[48];
    snprintf(target, sizeof target, "person:%lld", (long long)pid_a);
    return tu_audit_rows(srv, admin, target, "person.read");
}

static void concurrent_reads_each_on_the_trail(void **state) {
    int64_t before = read_rows_of_a();
    pthread_t th[READERS];
    long ok[READERS] = {0};
    for (int i = 0; i < READERS; i++) assert_int_equal(pthread_create(&th[i], NULL, reader, &ok[i]), 0);
    for (int i = 0; i < READERS; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < READERS; i++) assert_int_equal(ok[i], READS_EACH);
    assert_int_equal(read_rows_of_a() - before, READERS * READS_EACH);
    audit_verify_result v;
    tu_audit_verify(srv->env->st, &v);
    assert_int_equal(v.bad_seq, 0);
    assert_true(v.rows > READERS * READS_EACH);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(balances_self_and_staff_only),
        cmocka_unit_test(contribution_details_by_year),
        cmocka_unit_test(interest_settled_by_finance_once),
        cmocka_unit_test(ledger_verify_answers),
        cmocka_unit_test(concurrent_reads_each_on_the_trail),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
