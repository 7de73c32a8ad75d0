/* Statements and certificates over HTTP on the demo park: the person's own
 * statement and staff reading anyone's (with known balances from hand-made
 * postings), the paper preference of a person and of a unit (all or
 * nothing), the unit's certificates, a person's contribution certificate
 * (another person and another unit 404), the yearly run through the API and
 * `sipf statements YEAR`. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "base/idno.h"
#include "svc/demo.h"
#include "testutil.h"

static tu_server *srv;
static char *person_a, *person_b, *unit0, *unit1, *clerk, *finance, *admin;
static int64_t pid_a, pid_b, uid0, uid1;

static int64_t current(const char *token, const char *key) {
    tu_resp r = tu_http(srv, "GET", "/api/v1/sessions/current", token, NULL, NULL);
    assert_int_equal(r.status, 200);
    int64_t v = json_integer_value(json_object_get(json_object_get(r.json, "user"), key));
    tu_resp_free(&r);
    assert_true(v > 0);
    return v;
}

/* 10 June 2026: the person's window (January to June) and the unit's (June)
 * are open; period 2026 has not ended, period 2025 has. */
static int setup(void **state) {
    srv = tu_server_start("2026-06-10", 1);
    const demo_login *a = tu_demo_login("person", 0), *b = tu_demo_login("person", 1);
    const demo_login *u0 = tu_demo_login("unit", 0), *u1 = tu_demo_login("unit", 1);
    person_a = tu_sign_in(srv, "person", a->login, a->password);
    person_b = tu_sign_in(srv, "person", b->login, b->password);
    unit0 = tu_sign_in(srv, "unit", u0->login, u0->password);
    unit1 = tu_sign_in(srv, "unit", u1->login, u1->password);
    clerk = tu_sign_in(srv, "staff", "clerk01", "Staff@2026");
    finance = tu_sign_in(srv, "staff", "finance01", "Staff@2026");
    admin = tu_sign_in(srv, "staff", "admin", "Staff@2026");
    pid_a = current(person_a, "person_id");
    pid_b = current(person_b, "person_id");
    uid0 = current(unit0, "unit_id");
    uid1 = current(unit1, "unit_id");
    return 0;
}

static int teardown(void **state) {
    free(person_a); free(person_b); free(unit0); free(unit1); free(clerk); free(finance); free(admin);
    tu_server_stop(srv);
    return 0;
}

/* ---- helpers ---- */

static tu_resp call(const char *method, const char *token, const char *body, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static tu_resp call(const char *method, const char *token, const char *body, const char *fmt, ...) {
    char path[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    return tu_http(srv, method, path, token, body, NULL);
}

static void expect_free(tu_resp r, long status, const char *code) {
    tu_expect(&r, status, code);
    tu_resp_free(&r);
}

static const json_t *rule_of(const tu_resp *r, const char *code) {
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(json_object_get(r->json, "error"), "rules"), i, it)
        if (strcmp(json_string_value(json_object_get(it, "code")), code) == 0) return it;
    return NULL;
}

static json_int_t jint(const json_t *o, const char *key) {
    const json_t *v = json_object_get(o, key);
    if (!json_is_integer(v)) fail_msg("%s is not an integer", key);
    return json_integer_value(v);
}

static const json_t *find_by(const json_t *arr, const char *key, const char *value) {
    size_t i;
    const json_t *x;
    json_array_foreach(arr, i, x) {
        const char *s = json_string_value(json_object_get(x, key));
        if (s && strcmp(s, value) == 0) return x;
    }
    return NULL;
}

/* Runs f inside a write transaction of the running server's store. */
static void in_tx(void (*f)(svc_ctx *ctx, void *arg), void *arg) {
    err_detail err = {0};
    svc_ctx *ctx = &srv->env->ctx;
    if (store_begin(srv->env->st, true, &ctx->tx, &err)) fail_msg("begin: %s", err.message);
    f(ctx, arg);
    if (store_commit(ctx->tx, &err)) fail_msg("commit: %s", err.message);
    ctx->tx = NULL;
}

static void must(err_kind k, const err_detail *err) {
    if (k) fail_msg("unexpected %d %s: %s", k, err->code, err->message);
}

static int64_t register_person(const char *order3, const char *name) {
    char d17[18], id[19], body[256];
    snprintf(d17, sizeof d17, "320571198801%s%s", "15", order3);
    snprintf(id, sizeof id, "%s%c", d17, idno_resident_check_char(d17));
    snprintf(body, sizeof body, "{\"id_number\":\"%s\",\"name\":\"%s\"}", id, name);
    tu_resp r = call("POST", clerk, body, "/api/v1/persons");
    tu_expect(&r, 201, NULL);
    int64_t pid = json_integer_value(json_object_get(r.json, "id"));
    tu_resp_free(&r);
    return pid;
}

typedef struct fix { int64_t person, unit; } fix;

/* An employee of unit1 with an open pension span there. */
static void employ_fn(svc_ctx *ctx, void *arg) {
    const fix *f = arg;
    err_detail err = {0};
    must(store_exec(ctx->tx, STORE_Q_STATEMENT_TEST_EMPLOYMENT_INSERT, &err, "iit", f->person, f->unit,
                    "active"), &err);
    must(store_exec(ctx->tx, STORE_Q_STATEMENT_TEST_SPAN_INSERT, &err, "iittiit", f->person, f->unit,
                    "pension", "sip_a", (int64_t)202401, (int64_t)0, "normal"), &err);
}

static int64_t id_of(svc_ctx *ctx) { return store_last_insert_id(ctx->tx); }

static void credit(svc_ctx *ctx, const char *key, const char *date, const char *kind, int64_t acc,
                   int64_t pool, int64_t amount, int64_t month) {
    err_detail err = {0};
    must(store_exec(ctx->tx, STORE_Q_STATEMENT_TEST_ENTRY_INSERT, &err, "tttti", key, date, kind, "",
                    (int64_t)0), &err);
    int64_t e = id_of(ctx);
    must(store_exec(ctx->tx, STORE_Q_STATEMENT_TEST_POSTING_INSERT, &err, "iiii", e, acc, -amount, month), &err);
    must(store_exec(ctx->tx, STORE_Q_STATEMENT_TEST_POSTING_INSERT, &err, "iiii", e, pool, amount, month), &err);
}

/* A pension account with 10000 before period 2026, 2500 credited and 150
 * interest in it, and 7 after it. */
static void books_fn(svc_ctx *ctx, void *arg) {
    const fix *f = arg;
    err_detail err = {0};
    must(store_exec(ctx->tx, STORE_Q_STATEMENT_TEST_ACCOUNT_INSERT, &err, "tit", "person", f->person,
                    "pension_account"), &err);
    int64_t acc = id_of(ctx);
    must(store_exec(ctx->tx, STORE_Q_STATEMENT_TEST_ACCOUNT_INSERT, &err, "tit", "pool", (int64_t)0,
                    "statement_test_pool"), &err);
    int64_t pool = id_of(ctx);
    credit(ctx, "stmt-api-1", "2025-06-30", "contribution", acc, pool, 10000, 202505);
    credit(ctx, "stmt-api-2", "2025-07-01", "contribution", acc, pool, 2500, 202506);
    credit(ctx, "stmt-api-3", "2025-12-31", "pension_interest", acc, pool, 150, 0);
    credit(ctx, "stmt-api-4", "2026-07-01", "contribution", acc, pool, 7, 202606);
}

static int64_t audit_rows(const char *action, int64_t person) {
    char target[64];
    snprintf(target, sizeof target, "person:%lld", (long long)person);
    err_detail err = {0};
    store_tx *tx;
    must(store_begin(srv->env->st, false, &tx, &err), &err);
    store_stmt *st;
    must(store_prepare(tx, STORE_Q_STATEMENT_TEST_AUDIT_COUNT, &st, &err), &err);
    store_bind_text(st, 1, action);
    store_bind_text(st, 2, target);
    bool row = false;
    must(store_step(st, &row, &err), &err);
    int64_t n = store_col_int(st, 0);
    store_stmt_done(st);
    store_rollback(tx);
    return n;
}

/* ---- the statement ---- */

static void own_statement(void **state) {
    int64_t before = audit_rows("person.read", pid_a);
    tu_resp r = call("GET", person_a, NULL, "/api/v1/me/statement");
    tu_expect(&r, 200, NULL);
    assert_int_equal(jint(r.json, "person_id"), pid_a);
    assert_int_equal(jint(r.json, "period"), 2026);
    assert_string_equal(json_string_value(json_object_get(r.json, "from")), "2025-07-01");
    assert_int_equal(json_array_size(json_object_get(r.json, "accounts")), 4);
    assert_false(json_is_true(json_object_get(r.json, "complete")));
    tu_resp_free(&r);
    assert_int_equal(audit_rows("person.read", pid_a), before + 1);

    r = call("GET", person_a, NULL, "/api/v1/me/statement?period=2025");
    tu_expect(&r, 200, NULL);
    assert_true(json_is_true(json_object_get(r.json, "complete")));
    assert_string_equal(json_string_value(json_object_get(r.json, "to")), "2025-06-30");
    tu_resp_free(&r);
    expect_free(call("GET", person_a, NULL, "/api/v1/me/statement?period=2027"), 400, "period_out_of_range");
    expect_free(call("GET", person_a, NULL, "/api/v1/me/statement?period=2019"), 400, "period_out_of_range");
    expect_free(call("GET", person_a, NULL, "/api/v1/me/statement?period=20261"), 400, "period_out_of_range");
    expect_free(call("GET", person_a, NULL, "/api/v1/me/statement?period=abc"), 400, "invalid_field");
    /* staff only for anyone's; a unit operator has no statement of its own */
    expect_free(call("GET", person_b, NULL, "/api/v1/persons/%lld/statement", (long long)pid_a), 403, NULL);
    expect_free(call("GET", unit0, NULL, "/api/v1/me/statement"), 403, NULL);
    expect_free(call("GET", clerk, NULL, "/api/v1/persons/999999/statement"), 404, "person_not_found");
}

static void staff_statement_balances(void **state) {
    fix f = {register_person("101", "账本测试"), 0};
    in_tx(books_fn, &f);
    tu_resp r = call("GET", clerk, NULL, "/api/v1/persons/%lld/statement?period=2026", (long long)f.person);
    tu_expect(&r, 200, NULL);
    const json_t *pen = find_by(json_object_get(r.json, "accounts"), "account", "pension_account");
    assert_int_equal(jint(pen, "opening_fen"), 10000);
    assert_int_equal(jint(pen, "contributions_fen"), 2500);
    assert_int_equal(jint(pen, "interest_fen"), 150);
    assert_int_equal(jint(pen, "closing_fen"), 12650);
    assert_int_equal(json_array_size(json_object_get(r.json, "interest")), 1);
    tu_resp_free(&r);
}

/* ---- paper ---- */

static void person_paper(void **state) {
    tu_resp r = call("PUT", person_b, "{\"paper\":false}", "/api/v1/me/statement/paper");
    tu_expect(&r, 200, NULL);
    assert_int_equal(jint(r.json, "period"), 2026);
    assert_false(json_is_true(json_object_get(r.json, "paper")));
    tu_resp_free(&r);
    r = call("GET", person_b, NULL, "/api/v1/me/statement");
    tu_expect(&r, 200, NULL);
    assert_false(json_is_true(json_object_get(r.json, "paper")));
    assert_string_equal(json_string_value(json_object_get(r.json, "paper_set_on")), "2026-06-10");
    tu_resp_free(&r);
    expect_free(call("PUT", person_b, "{\"paper\":true}", "/api/v1/me/statement/paper"), 200, NULL);
    expect_free(call("PUT", person_b, "{\"paper\":\"no\"}", "/api/v1/me/statement/paper"), 400, "invalid_field");
    expect_free(call("PUT", person_b, "{}", "/api/v1/me/statement/paper"), 400, NULL);
    expect_free(call("PUT", person_b, "{\"paper\":true,\"period\":2025}", "/api/v1/me/statement/paper"), 400, NULL);
}

static void unit_paper(void **state) {
    fix other = {register_person("102", "他单位职工"), uid1};
    in_tx(employ_fn, &other);
    char body[256];
    /* p_a and p_b work at unit0 */
    snprintf(body, sizeof body, "{\"paper\":false,\"person_ids\":[%lld]}", (long long)pid_a);
    tu_resp r = call("PUT", unit0, body, "/api/v1/units/%lld/statement/paper", (long long)uid0);
    tu_expect(&r, 200, NULL);
    assert_int_equal(jint(r.json, "count"), 1);
    tu_resp_free(&r);
    r = call("GET", person_a, NULL, "/api/v1/me/statement");
    assert_false(json_is_true(json_object_get(r.json, "paper")));
    tu_resp_free(&r);

    /* another unit's employee in the list: refused whole, p_b untouched */
    snprintf(body, sizeof body, "{\"paper\":false,\"person_ids\":[%lld,%lld]}", (long long)pid_b,
             (long long)other.person);
    r = call("PUT", unit0, body, "/api/v1/units/%lld/statement/paper", (long long)uid0);
    tu_expect(&r, 422, "rules_failed");
    const json_t *rule = rule_of(&r, "not_current_employee");
    assert_non_null(rule);
    assert_int_equal(jint(json_object_get(rule, "data"), "count"), 1);
    tu_resp_free(&r);
    r = call("GET", person_b, NULL, "/api/v1/me/statement");
    assert_true(json_is_true(json_object_get(r.json, "paper")));
    tu_resp_free(&r);

    /* all current employees back to paper */
    r = call("PUT", unit0, "{\"paper\":true,\"all_current\":true}", "/api/v1/units/%lld/statement/paper",
             (long long)uid0);
    tu_expect(&r, 200, NULL);
    assert_true(jint(r.json, "count") >= 2);
    tu_resp_free(&r);
    r = call("GET", person_a, NULL, "/api/v1/me/statement");
    assert_true(json_is_true(json_object_get(r.json, "paper")));
    tu_resp_free(&r);

    expect_free(call("PUT", unit0, "{\"paper\":true}", "/api/v1/units/%lld/statement/paper", (long long)uid0),
                400, "missing_field");
    expect_free(call("PUT", unit0, "{\"paper\":true,\"all_current\":true,\"person_ids\":[1]}",
                     "/api/v1/units/%lld/statement/paper", (long long)uid0), 400, "conflicting_fields");
    expect_free(call("PUT", unit0, "{\"paper\":true,\"person_ids\":[]}", "/api/v1/units/%lld/statement/paper",
                     (long long)uid0), 400, "invalid_field");
    expect_free(call("PUT", unit0, "{\"paper\":true,\"person_ids\":[0]}", "/api/v1/units/%lld/statement/paper",
                     (long long)uid0), 400, "invalid_field");
    /* another unit: 404; a person: 403 by role */
    expect_free(call("PUT", unit1, "{\"paper\":true,\"all_current\":true}", "/api/v1/units/%lld/statement/paper",
                     (long long)uid0), 404, "unit_not_found");
    expect_free(call("PUT", person_a, "{\"paper\":true,\"all_current\":true}",
                     "/api/v1/units/%lld/statement/paper", (long long)uid0), 403, NULL);
}

/* ---- certificates ---- */

static void unit_certificates(void **state) {
    tu_resp r = call("GET", unit0, NULL, "/api/v1/units/%lld/participation-certificate", (long long)uid0);
    tu_expect(&r, 200, NULL);
    assert_int_equal(jint(r.json, "unit_id"), uid0);
    assert_true(json_is_integer(json_object_get(r.json, "months_paid")));
    assert_int_equal(json_array_size(json_object_get(r.json, "insured")), 7);
    assert_true(jint(find_by(json_object_get(r.json, "insured"), "insurance", "pension"), "count") >= 2);
    tu_resp_free(&r);
    expect_free(call("GET", unit1, NULL, "/api/v1/units/%lld/participation-certificate", (long long)uid0), 404,
                "unit_not_found");
    expect_free(call("GET", person_a, NULL, "/api/v1/units/%lld/participation-certificate", (long long)uid0),
                403, NULL);
    expect_free(call("GET", clerk, NULL, "/api/v1/units/%lld/participation-certificate", (long long)uid0), 200,
                NULL);

    r = call("GET", unit0, NULL, "/api/v1/units/%lld/contribution-summary?from=2025-07&to=2026-06", (long long)uid0);
    tu_expect(&r, 200, NULL);
    assert_string_equal(json_string_value(json_object_get(r.json, "from")), "2025-07");
    assert_string_equal(json_string_value(json_object_get(r.json, "to")), "2026-06");
    assert_true(json_is_array(json_object_get(r.json, "persons")));
    tu_resp_free(&r);
    expect_free(call("GET", unit0, NULL, "/api/v1/units/%lld/contribution-summary?from=2026-07&to=2026-06",
                     (long long)uid0), 400, "invalid_range");
    expect_free(call("GET", unit0, NULL, "/api/v1/units/%lld/contribution-summary?from=2026-13", (long long)uid0),
                400, NULL);
    expect_free(call("GET", unit1, NULL, "/api/v1/units/%lld/contribution-summary", (long long)uid0), 404,
                "unit_not_found");
}

static void person_contribution_certificate(void **state) {
    int64_t before = audit_rows("person.read", pid_a);
    tu_resp r = call("GET", person_a, NULL, "/api/v1/persons/%lld/contribution-certificate?from=2025-07&to=2026-06",
                     (long long)pid_a);
    tu_expect(&r, 200, NULL);
    assert_true(json_is_null(json_object_get(r.json, "unit_scope")));
    assert_true(json_array_size(json_object_get(r.json, "participation")) > 0);
    tu_resp_free(&r);
    assert_int_equal(audit_rows("person.read", pid_a), before + 1);
    /* the employer: only its spans; another unit and another person: 404 */
    r = call("GET", unit0, NULL, "/api/v1/persons/%lld/contribution-certificate", (long long)pid_a);
    tu_expect(&r, 200, NULL);
    assert_int_equal(jint(r.json, "unit_scope"), uid0);
    tu_resp_free(&r);
    expect_free(call("GET", unit1, NULL, "/api/v1/persons/%lld/contribution-certificate", (long long)pid_a), 404,
                "person_not_found");
    expect_free(call("GET", person_b, NULL, "/api/v1/persons/%lld/contribution-certificate", (long long)pid_a),
                404, "person_not_found");
    expect_free(call("GET", clerk, NULL, "/api/v1/persons/%lld/contribution-certificate", (long long)pid_a), 200,
                NULL);
    assert_int_equal(audit_rows("person.read", pid_a), before + 3);
}

/* ---- the yearly run ---- */

static const char *binary(void) {
    const char *b = getenv("SIPF_BINARY");
    return b && *b ? b : "build/sipf";
}

static int run_cli(const char *args, char **out) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "SIPF_FAST_HASH=1 %s %s 2>&1", binary(), args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 8192, len = 0, n;
    char *buf = malloc(cap);
    while ((n = fread(buf + len, 1, cap - len - 1, p)) > 0) len += n;
    buf[len] = 0;
    int st = pclose(p);
    if (out) *out = buf; else free(buf);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void yearly_run(void **state) {
    tu_resp r = call("POST", finance, NULL, "/api/v1/statements/2026/run");
    tu_expect(&r, 422, "rules_failed");
    assert_non_null(rule_of(&r, "period_not_ended"));
    tu_resp_free(&r);
    expect_free(call("POST", clerk, NULL, "/api/v1/statements/2025/run"), 403, NULL);
    expect_free(call("POST", finance, NULL, "/api/v1/statements/2019/run"), 400, "period_out_of_range");

    r = call("POST", finance, NULL, "/api/v1/statements/2025/run");
    tu_expect(&r, 200, NULL);
    json_int_t count = jint(r.json, "count");
    assert_true(count > 100);       /* the demo enrolled about 500 over two years */
    tu_resp_free(&r);

    /* the CLI on the same database: 2025 is done (same count), 2026 after 30 June */
    char args[1024], *out = NULL, want[64];
    snprintf(args, sizeof args, "statements 2025 --db %s --as-of 2026-06-10", srv->env->db);
    assert_int_equal(run_cli(args, &out), 0);
    snprintf(want, sizeof want, "已生成 %lld 人", (long long)count);
    if (!strstr(out, want)) fail_msg("%s", out);
    free(out);
    snprintf(args, sizeof args, "statements 2026 --db %s --as-of 2026-06-30", srv->env->db);
    assert_int_equal(run_cli(args, &out), 3);
    assert_non_null(strstr(out, "period_not_ended"));
    free(out);
    snprintf(args, sizeof args, "statements 2026 --db %s --as-of 2026-07-01", srv->env->db);
    assert_int_equal(run_cli(args, &out), 0);
    assert_non_null(strstr(out, "权益记录单 2026 期"));
    free(out);
    assert_int_equal(run_cli("statements", NULL), 2);
    assert_int_equal(run_cli("statements 26", NULL), 2);
    assert_int_equal(run_cli("statements 2026 2027", NULL), 2);
    assert_int_equal(run_cli("statements --help", &out), 0);
    assert_non_null(strstr(out, "sipf statements YEAR"));
    free(out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(own_statement),
        cmocka_unit_test(staff_statement_balances),
        cmocka_unit_test(person_paper),
        cmocka_unit_test(unit_paper),
        cmocka_unit_test(unit_certificates),
        cmocka_unit_test(person_contribution_certificate),
        cmocka_unit_test(yearly_run),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
