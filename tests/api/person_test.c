/* Persons over HTTP: registration at the counter, who reads whom (404 for
 * the others) with the audit rows, the search, non-key changes, a key change
 * from the unit to its approval, relationships, the certificate and the
 * 'not insured' proof. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/idno.h"
#include "svc/demo.h"
#include "svc/registry.h"
#include "testutil.h"

static tu_server *srv;
static char *person_a, *person_b, *unit0, *unit1, *clerk, *reviewer, *admin;
static int64_t pid_a, pid_b, uid0, uid1;

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
    const demo_login *a = tu_demo_login("person", 0), *b = tu_demo_login("person", 1);
    const demo_login *u0 = tu_demo_login("unit", 0), *u1 = tu_demo_login("unit", 1);
    person_a = tu_sign_in(srv, "person", a->login, a->password);
    person_b = tu_sign_in(srv, "person", b->login, b->password);
    unit0 = tu_sign_in(srv, "unit", u0->login, u0->password);
    unit1 = tu_sign_in(srv, "unit", u1->login, u1->password);
    clerk = tu_sign_in(srv, "staff", "clerk01", "Staff@2026");
    reviewer = tu_sign_in(srv, "staff", "reviewer01", "Staff@2026");
    admin = tu_sign_in(srv, "staff", "admin", "Staff@2026");
    pid_a = current(person_a, "person_id");
    pid_b = current(person_b, "person_id");
    uid0 = current(unit0, "unit_id");
    uid1 = current(unit1, "unit_id");
    return 0;
}

static int teardown(void **state) {
    free(person_a); free(person_b); free(unit0); free(unit1); free(clerk); free(reviewer); free(admin);
    tu_server_stop(srv);
    return 0;
}

/* ---- helpers ---- */

static void make_id(const char *birth8, const char *order3, char out[19]) {
    char d17[18];
    snprintf(d17, sizeof d17, "320571%s%s", birth8, order3);
    snprintf(out, 19, "%s%c", d17, idno_resident_check_char(d17));
}

/* Runs f inside a write transaction of the running server's store. */
static void in_tx(void (*f)(svc_ctx *ctx, const void *arg), const void *arg) {
    err_detail err = {0};
    svc_ctx *ctx = &srv->env->ctx;
    if (store_begin(srv->env->st, true, &ctx->tx, &err)) fail_msg("begin: %s", err.message);
    f(ctx, arg);
    if (store_commit(ctx->tx, &err)) fail_msg("commit: %s", err.message);
    ctx->tx = NULL;
}

typedef struct employ_arg { int64_t person, unit; const char *status; } employ_arg;

static void employ_fn(svc_ctx *ctx, const void *arg) {
    const employ_arg *a = arg;
    err_detail err = {0};
    if (store_exec(ctx->tx, STORE_Q_PERSON_TEST_EMPLOYMENT_INSERT, &err, "iitti", a->person, a->unit,
                   "2024-01-01", a->status, ctx->now_ms))
        fail_msg("employment: %s", err.message);
}

static void employ(int64_t person, int64_t unit, const char *status) {
    employ_arg a = {person, unit, status};
    in_tx(employ_fn, &a);
}

typedef struct span_arg { int64_t person, unit; reg_insurance ins; month_ym from; } span_arg;

static void span_fn(svc_ctx *ctx, const void *arg) {
    const span_arg *a = arg;
    reg_span_new s = {.person_id = a->person, .unit_id = a->unit, .insurance = a->ins, .payer = "unit",
                      .category = "sip_a", .start_month = a->from, .reason = "测试"};
    err_detail err = {0};
    int64_t id;
    if (reg_span_open(ctx, &s, &id, &err)) fail_msg("span: %s", err.message);
}

static void open_span(int64_t person, int64_t unit, reg_insurance ins, month_ym from) {
    span_arg a = {person, unit, ins, from};
    in_tx(span_fn, &a);
}

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

static int64_t register_person(const char *id, const char *name) {
    char body[256];
    snprintf(body, sizeof body, "{\"id_number\":\"%s\",\"name\":\"%s\",\"mobile\":\"13800000000\"}", id, name);
    tu_resp r = call("POST", clerk, body, "/api/v1/persons");
    tu_expect(&r, 201, NULL);
    int64_t pid = json_integer_value(json_object_get(r.json, "id"));
    tu_resp_free(&r);
    return pid;
}

/* A registered person with an account, signed in: a malloc'd token. */
static char *person_account(const char *birth8, const char *order3, const char *name, int64_t *pid) {
    char id[19], body[256];
    make_id(birth8, order3, id);
    *pid = register_person(id, name);
    snprintf(body, sizeof body, "{\"role\":\"person\",\"id_number\":\"%s\",\"password\":\"Demo@2026\"}", id);
    tu_resp r = call("POST", admin, body, "/api/v1/users");
    tu_expect(&r, 201, NULL);
    tu_resp_free(&r);
    return tu_sign_in(srv, "person", id, "Demo@2026");
}

/* Audit rows about a person with this action (and outcome when given). */
static int audit_rows(int64_t person, const char *action, const char *outcome) {
    tu_resp r = call("GET", admin, NULL, "/api/v1/audit?target=person:%lld&limit=1000", (long long)person);
    tu_expect(&r, 200, NULL);
    int n = 0;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(r.json, "items"), i, it)
        if (!strcmp(json_string_value(json_object_get(it, "action")), action) &&
            (!outcome || !strcmp(json_string_value(json_object_get(it, "outcome")), outcome)))
            n++;
    tu_resp_free(&r);
    return n;
}

/* ---- tests ---- */

static void registration_at_the_counter(void **state) {
    char id[19];
    make_id("19910101", "123", id);
    char body[256];
    snprintf(body, sizeof body, "{\"id_number\":\"%s\",\"name\":\"周一\",\"hukou_kind\":\"sip\"}", id);
    tu_resp r = call("POST", unit0, body, "/api/v1/persons");
    tu_expect(&r, 403, "forbidden");
    tu_resp_free(&r);
    r = call("POST", person_a, body, "/api/v1/persons");
    tu_expect(&r, 403, "forbidden");
    tu_resp_free(&r);
    r = call("POST", clerk, body, "/api/v1/persons");
    tu_expect(&r, 201, NULL);
    const char *si = json_string_value(json_object_get(r.json, "si_number"));
    assert_int_equal(strlen(si), 10);
    assert_string_equal(json_string_value(json_object_get(r.json, "hukou_kind")), "sip");
    assert_string_equal(json_string_value(json_object_get(r.json, "nationality")), "CHN");
    assert_non_null(json_string_value(json_object_get(r.json, "park_number")));
    tu_resp_free(&r);
    r = call("POST", clerk, body, "/api/v1/persons");
    tu_expect(&r, 409, "person_exists");
    tu_resp_free(&r);
    r = call("POST", clerk,
             "{\"id_kind\":\"passport\",\"id_number\":\"X9988776\",\"name\":\"Tom\",\"sex\":\"M\","
             "\"birth_date\":\"1980-01-01\",\"nationality\":\"GBR\",\"hukou_kind\":\"sip\"}",
             "/api/v1/persons");
    tu_expect(&r, 422, "rules_failed");
    assert_true(tu_has_rule(&r, "hukou_mismatch"));
    tu_resp_free(&r);
    r = call("POST", clerk, "{\"id_number\":\"1\",\"name\":\"x\",\"colour\":\"red\"}", "/api/v1/persons");
    tu_expect(&r, 400, NULL);
    tu_resp_free(&r);
    make_id("19910101", "135", id);
    snprintf(body, sizeof body, "{\"id_number\":\"%s\",\"name\":\"周二\",\"mobile\":\"1380000000\"}", id);
    r = call("POST", clerk, body, "/api/v1/persons");
    tu_expect(&r, 400, "invalid_field");
    assert_string_equal(json_string_value(json_object_get(json_object_get(r.json, "error"), "field")), "mobile");
    tu_resp_free(&r);
}

static void who_reads_whom(void **state) {
    char id[19];
    make_id("19920202", "246", id);
    int64_t x = register_person(id, "吴三");
    employ(x, uid0, "active");
    tu_resp r = call("GET", person_a, NULL, "/api/v1/persons/%lld", (long long)pid_a);
    tu_expect(&r, 200, NULL);
    tu_resp_free(&r);
    r = call("GET", person_a, NULL, "/api/v1/me");
    tu_expect(&r, 200, NULL);
    assert_int_equal(json_integer_value(json_object_get(r.json, "id")), pid_a);
    tu_resp_free(&r);
    r = call("GET", person_a, NULL, "/api/v1/persons/%lld", (long long)pid_b);
    tu_expect(&r, 404, "person_not_found");
    tu_resp_free(&r);
    r = call("GET", unit0, NULL, "/api/v1/persons/%lld", (long long)x);
    tu_expect(&r, 200, NULL);
    assert_string_equal(json_string_value(json_object_get(r.json, "name")), "吴三");
    tu_resp_free(&r);
    r = call("GET", unit1, NULL, "/api/v1/persons/%lld", (long long)x);
    tu_expect(&r, 404, "person_not_found");
    tu_resp_free(&r);
    r = call("GET", unit0, NULL, "/api/v1/me");
    tu_expect(&r, 403, "forbidden");
    tu_resp_free(&r);
    r = call("GET", reviewer, NULL, "/api/v1/persons/%lld", (long long)x);
    tu_expect(&r, 200, NULL);
    tu_resp_free(&r);
    r = call("GET", clerk, NULL, "/api/v1/persons/abc");
    tu_expect(&r, 400, NULL);
    tu_resp_free(&r);
    /* the registration's answer and two reads (unit, reviewer) of x; the 404 wrote nothing */
    assert_int_equal(audit_rows(x, "person.read", "ok"), 3);
    assert_int_equal(audit_rows(x, "person.create", NULL), 1);
    r = call("GET", person_a, NULL, "/api/v1/persons/%lld/history", (long long)pid_b);
    tu_expect(&r, 404, "person_not_found");
    tu_resp_free(&r);
    r = call("GET", person_a, NULL, "/api/v1/persons/%lld/relationships", (long long)pid_b);
    tu_expect(&r, 404, "person_not_found");
    tu_resp_free(&r);
    r = call("GET", person_a, NULL, "/api/v1/persons/%lld/certificate", (long long)pid_b);
    tu_expect(&r, 404, "person_not_found");
    tu_resp_free(&r);
    r = call("GET", unit0, NULL, "/api/v1/persons/%lld/history", (long long)x);
    tu_expect(&r, 403, "forbidden");
    tu_resp_free(&r);
}

static void search_for_staff(void **state) {
    char id[19];
    make_id("19930303", "357", id);
    register_person(id, "欧阳修");
    tu_resp r = call("GET", clerk, NULL, "/api/v1/persons?name=%s", "%E6%AC%A7%E9%98%B3");   /* 欧阳 */
    tu_expect(&r, 200, NULL);
    assert_int_equal(json_integer_value(json_object_get(r.json, "count")), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(r.json, "items"), 0), "name")), "欧阳修");
    tu_resp_free(&r);
    r = call("GET", clerk, NULL, "/api/v1/persons?id_number=%s", id);
    tu_expect(&r, 200, NULL);
    assert_int_equal(json_integer_value(json_object_get(r.json, "count")), 1);
    tu_resp_free(&r);
    r = call("GET", clerk, NULL, "/api/v1/persons");
    tu_expect(&r, 400, "missing_field");
    tu_resp_free(&r);
    r = call("GET", clerk, NULL, "/api/v1/persons?name=x&limit=1001");
    tu_expect(&r, 400, NULL);
    tu_resp_free(&r);
    r = call("GET", person_a, NULL, "/api/v1/persons?name=x");
    tu_expect(&r, 403, "forbidden");
    tu_resp_free(&r);
}

static void non_key_changes(void **state) {
    int64_t me = 0;
    char *tok = person_account("19960606", "246", "蒋六", &me);
    tu_resp r = call("PATCH", tok, "{\"mobile\":\"13900001111\",\"address\":\"星湖街 1 号\"}",
                     "/api/v1/persons/%lld", (long long)me);
    tu_expect(&r, 200, NULL);
    assert_int_equal(json_integer_value(json_object_get(r.json, "changed_fields")), 2);
    assert_string_equal(json_string_value(json_object_get(r.json, "mobile")), "13900001111");
    tu_resp_free(&r);
    r = call("PATCH", tok, "{\"mobile\":\"13900001111\"}", "/api/v1/persons/%lld", (long long)pid_b);
    tu_expect(&r, 404, "person_not_found");
    tu_resp_free(&r);
    r = call("PATCH", tok, "{\"hukou_kind\":\"sip\"}", "/api/v1/persons/%lld", (long long)me);
    tu_expect(&r, 422, "rules_failed");
    assert_true(tu_has_rule(&r, "hukou_by_counter"));
    tu_resp_free(&r);
    r = call("PATCH", unit0, "{\"mobile\":\"13900001111\"}", "/api/v1/persons/%lld", (long long)me);
    tu_expect(&r, 403, "forbidden");
    tu_resp_free(&r);
    r = call("PATCH", clerk, "{\"hukou_kind\":\"sip\"}", "/api/v1/persons/%lld", (long long)me);
    tu_expect(&r, 200, NULL);
    assert_string_equal(json_string_value(json_object_get(r.json, "hukou_kind")), "sip");
    tu_resp_free(&r);
    r = call("PATCH", clerk, "{\"name\":\"改名\"}", "/api/v1/persons/%lld", (long long)me);
    tu_expect(&r, 400, NULL);   /* key fields are not here */
    tu_resp_free(&r);
    r = call("GET", tok, NULL, "/api/v1/persons/%lld/history", (long long)me);
    tu_expect(&r, 200, NULL);
    assert_int_equal(json_array_size(json_object_get(r.json, "changes")), 3);
    tu_resp_free(&r);
    free(tok);
}

static void key_change_from_the_unit_to_approval(void **state) {
    char old[19], nid[19];
    make_id("19940404", "468", old);
    make_id("19940404", "480", nid);
    int64_t x = register_person(old, "郑四");
    employ(x, uid0, "active");
    char body[512];
    /* refused: every rule listed, nothing changed */
    tu_resp r = call("POST", unit0, "{\"reason\":\"whim\",\"changes\":{\"name\":\"郑思\"}}",
                     "/api/v1/persons/%lld/key-changes", (long long)x);
    tu_expect(&r, 422, "rules_failed");
    assert_true(tu_has_rule(&r, "unknown_reason"));
    assert_true(tu_has_rule(&r, "proof_missing"));
    tu_resp_free(&r);
    r = call("POST", unit1, "{\"reason\":\"contract_error\",\"changes\":{\"name\":\"郑思\"},\"proof\":\"p\"}",
             "/api/v1/persons/%lld/key-changes", (long long)x);
    tu_expect(&r, 404, "person_not_found");
    tu_resp_free(&r);
    r = call("POST", person_a, "{\"reason\":\"contract_error\",\"changes\":{\"name\":\"郑思\"},\"proof\":\"p\"}",
             "/api/v1/persons/%lld/key-changes", (long long)pid_a);
    tu_expect(&r, 403, "forbidden");
    tu_resp_free(&r);

    snprintf(body, sizeof body,
             "{\"reason\":\"personal_change\",\"changes\":{\"name\":\"郑思\",\"id_number\":\"%s\"},"
             "\"proof\":\"户籍信息变更证明.jpg\"}", nid);
    r = call("POST", unit0, body, "/api/v1/persons/%lld/key-changes", (long long)x);
    tu_expect(&r, 201, NULL);
    int64_t app = json_integer_value(json_object_get(r.json, "id"));
    assert_string_equal(json_string_value(json_object_get(r.json, "state")), "submitted");
    assert_string_equal(json_string_value(json_object_get(r.json, "item_id")), "reg.person.correct-by-unit");
    assert_string_equal(json_string_value(json_object_get(r.json, "next_item")), "card.replace.info-change");
    assert_non_null(strstr(json_string_value(json_object_get(r.json, "notice_zh")), "换卡"));
    tu_resp_free(&r);
    r = call("GET", clerk, NULL, "/api/v1/persons/%lld", (long long)x);
    assert_string_equal(json_string_value(json_object_get(r.json, "name")), "郑四");
    tu_resp_free(&r);

    r = call("POST", clerk, NULL, "/api/v1/applications/%lld/accept", (long long)app);
    tu_expect(&r, 200, NULL);
    assert_string_equal(json_string_value(json_object_get(r.json, "deadline_on")), "2026-11-26");
    tu_resp_free(&r);
    r = call("POST", reviewer, "{\"approve\":true}", "/api/v1/applications/%lld/decision", (long long)app);
    tu_expect(&r, 200, NULL);
    assert_string_equal(json_string_value(json_object_get(r.json, "state")), "approved");
    tu_resp_free(&r);

    /* the old number still finds the person, now under the new identity */
    r = call("GET", clerk, NULL, "/api/v1/persons?id_number=%s", old);
    tu_expect(&r, 200, NULL);
    json_t *p = json_array_get(json_object_get(r.json, "items"), 0);
    assert_int_equal(json_integer_value(json_object_get(p, "id")), x);
    assert_string_equal(json_string_value(json_object_get(p, "name")), "郑思");
    assert_string_equal(json_string_value(json_object_get(p, "id_number")), nid);
    tu_resp_free(&r);
    r = call("GET", clerk, NULL, "/api/v1/persons/%lld/history", (long long)x);
    tu_expect(&r, 200, NULL);
    assert_int_equal(json_array_size(json_object_get(r.json, "identities")), 2);
    assert_int_equal(json_array_size(json_object_get(r.json, "changes")), 2);
    tu_resp_free(&r);
    assert_int_equal(audit_rows(x, "person.key_change", "ok"), 1);
}

static void relationships_certificate_and_proof(void **state) {
    char id[19];
    make_id("19950505", "579", id);
    int64_t x = register_person(id, "冯五");
    employ(x, uid0, "terminated");
    employ(x, uid1, "active");
    open_span(x, uid0, INS_PENSION, 202401);
    /* the unit 0 span ends; the person moves to unit 1 */
    tu_resp r = call("GET", unit0, NULL, "/api/v1/persons/%lld/relationships", (long long)x);
    tu_expect(&r, 200, NULL);
    assert_int_equal(json_array_size(json_object_get(r.json, "spans")), 1);
    tu_resp_free(&r);
    r = call("GET", unit1, NULL, "/api/v1/persons/%lld/relationships", (long long)x);
    tu_expect(&r, 200, NULL);
    assert_int_equal(json_array_size(json_object_get(r.json, "spans")), 0);   /* not its span */
    assert_int_equal(json_integer_value(json_object_get(r.json, "unit_id")), uid1);
    tu_resp_free(&r);
    r = call("GET", clerk, NULL, "/api/v1/persons/%lld/certificate", (long long)x);
    tu_expect(&r, 200, NULL);
    json_t *lines = json_object_get(r.json, "insurances");
    assert_int_equal(json_array_size(lines), INS_COUNT);
    json_t *pension = json_array_get(lines, INS_PENSION);
    assert_string_equal(json_string_value(json_object_get(pension, "status")), "normal");
    assert_int_equal(json_integer_value(json_object_get(pension, "months")), 35);   /* 2024-01..2026-11 */
    tu_resp_free(&r);
    r = call("GET", unit0, NULL, "/api/v1/persons/%lld/certificate", (long long)x);
    tu_expect(&r, 403, "forbidden");
    tu_resp_free(&r);

    /* a person of our own: no span yet, then one */
    int64_t me = 0;
    char *tok = person_account("19970707", "357", "沈七", &me);
    r = call("GET", tok, NULL, "/api/v1/me/non-insured-proof");
    tu_expect(&r, 200, NULL);
    assert_true(json_is_false(json_object_get(r.json, "insured")));
    tu_resp_free(&r);
    r = call("GET", tok, NULL, "/api/v1/me/relationships");
    tu_expect(&r, 200, NULL);
    assert_int_equal(json_array_size(json_object_get(r.json, "spans")), 0);
    tu_resp_free(&r);
    open_span(me, uid0, INS_MEDICAL, 202601);
    r = call("GET", tok, NULL, "/api/v1/me/non-insured-proof");
    tu_expect(&r, 422, "rules_failed");
    assert_true(tu_has_rule(&r, "is_insured"));
    tu_resp_free(&r);
    /* the refusal showed what the person has: its read is in the trail */
    assert_int_equal(audit_rows(me, "person.read", "rules_failed"), 1);
    r = call("GET", tok, NULL, "/api/v1/me/certificate");
    tu_expect(&r, 200, NULL);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(r.json, "insurances"),
                                                                          INS_MEDICAL), "status")), "normal");
    tu_resp_free(&r);
    r = call("GET", tok, NULL, "/api/v1/me/relationships");
    tu_expect(&r, 200, NULL);
    assert_int_equal(json_array_size(json_object_get(r.json, "spans")), 1);
    tu_resp_free(&r);

    free(tok);
    /* staff by number */
    char none[19];
    make_id("20000101", "111", none);
    r = call("GET", clerk, NULL, "/api/v1/non-insured-proof?id_number=%s&name=%s", none, "%E8%B5%B5%E5%85%AD");
    tu_expect(&r, 200, NULL);
    assert_true(json_is_false(json_object_get(r.json, "registered")));
    assert_string_equal(json_string_value(json_object_get(r.json, "name")), "赵六");
    tu_resp_free(&r);
    r = call("GET", clerk, NULL, "/api/v1/non-insured-proof?id_number=%s", id);
    tu_expect(&r, 422, "rules_failed");
    assert_true(tu_has_rule(&r, "is_insured"));
    tu_resp_free(&r);
    r = call("GET", clerk, NULL, "/api/v1/non-insured-proof");
    tu_expect(&r, 400, "missing_field");
    tu_resp_free(&r);
    r = call("GET", clerk, NULL, "/api/v1/non-insured-proof?id_number=%s&id_kind=visa", none);
    tu_expect(&r, 400, NULL);
    tu_resp_free(&r);
    r = call("GET", unit0, NULL, "/api/v1/non-insured-proof?id_number=%s", none);
    tu_expect(&r, 403, "forbidden");
    tu_resp_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(registration_at_the_counter),
        cmocka_unit_test(who_reads_whom),
        cmocka_unit_test(search_for_staff),
        cmocka_unit_test(non_key_changes),
        cmocka_unit_test(key_change_from_the_unit_to_approval),
        cmocka_unit_test(relationships_certificate_and_proof),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
