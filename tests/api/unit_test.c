/* Units over HTTP: registration at its edges, who may do what, a unit
 * operator confined to its own unit, non-key and key changes, online
 * payment prerequisites, cancellation refused with employees, the queries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/idno.h"
#include "svc/demo.h"
#include "svc/registry.h"
#include "testutil.h"

static tu_server *srv;
static char *clerk, *reviewer, *admin, *unit_op, *person;
static json_int_t demo_unit_id;

static json_int_t unit_of_session(const char *token) {
    tu_resp r = tu_http(srv, "GET", "/api/v1/sessions/current", token, NULL, NULL);
    json_int_t id = json_integer_value(json_object_get(json_object_get(r.json, "user"), "unit_id"));
    tu_resp_free(&r);
    assert_true(id > 0);
    return id;
}

static int setup(void **state) {
    srv = tu_server_start("2026-03-10", 1);
    clerk = tu_sign_in(srv, "staff", "clerk01", "Staff@2026");
    reviewer = tu_sign_in(srv, "staff", "reviewer01", "Staff@2026");
    admin = tu_sign_in(srv, "staff", "admin", "Staff@2026");
    const demo_login *u = tu_demo_login("unit", 0), *p = tu_demo_login("person", 0);
    unit_op = tu_sign_in(srv, "unit", u->login, u->password);
    person = tu_sign_in(srv, "person", p->login, p->password);
    demo_unit_id = unit_of_session(unit_op);
    return 0;
}

static int teardown(void **state) {
    free(clerk); free(reviewer); free(admin); free(unit_op); free(person);
    tu_server_stop(srv);
    return 0;
}

static void make_code(const char *org8, char out[19]) {
    static const char org_checks[] = "0123456789X";
    for (int i = 0; org_checks[i]; i++) {
        char first17[18];
        snprintf(first17, sizeof first17, "91320594%s%c", org8, org_checks[i]);
        snprintf(out, 19, "%s%c", first17, uscc_check_char(first17));
        if (uscc_check(out, NULL) == ERR_OK) return;
    }
    fail_msg("no code for %s", org8);
}

static tu_resp register_raw(const char *token, const char *code, int industry_class) {
    char body[1024];
    snprintf(body, sizeof body,
             "{\"code\":\"%s\",\"name\":\"苏州工业园区接口测试有限公司\",\"unit_type\":\"enterprise\","
             "\"industry_class\":%d,\"address\":\"苏州工业园区星湖街 328 号\",\"contact_name\":\"王经理\","
             "\"contact_phone\":\"0512-62880000\"}", code, industry_class);
    return tu_http(srv, "POST", "/api/v1/units", token, body, NULL);
}

static json_int_t register_unit(const char *org8) {
    char code[19];
    make_code(org8, code);
    tu_resp r = register_raw(clerk, code, 2);
    if (r.status != 201) fail_msg("register: %ld %s", r.status, r.body);
    json_int_t id = json_integer_value(json_object_get(r.json, "id"));
    tu_resp_free(&r);
    return id;
}

static tu_resp call(const char *method, const char *token, json_int_t unit, const char *what,
                    const char *body) {
    char path[128];
    snprintf(path, sizeof path, "/api/v1/units/%lld%s", (long long)unit, what);
    return tu_http(srv, method, path, token, body, NULL);
}

static void expect(tu_resp r, long status, const char *code) {
    if (r.status != status) fail_msg("want %ld, got %ld %s", status, r.status, r.body);
    if (code) assert_string_equal(tu_err_code(&r), code);
    tu_resp_free(&r);
}

static size_t rule_count(const tu_resp *r) {
    return json_array_size(json_object_get(json_object_get(r->json, "error"), "rules"));
}

static void registration_edges(void **state) {
    char code[19], bad[19];
    make_code("MA1W2X3Y", code);
    memcpy(bad, code, 19);
    bad[17] = bad[17] == '1' ? '2' : '1';
    expect(register_raw(clerk, bad, 2), 400, "uscc_check_char");
    expect(register_raw(unit_op, code, 2), 403, NULL);
    expect(register_raw(reviewer, code, 2), 403, NULL);
    expect(register_raw(clerk, code, 0), 400, "industry_class_out_of_range");
    expect(register_raw(clerk, code, 9), 400, "industry_class_out_of_range");
    tu_resp r = register_raw(clerk, code, 8);
    assert_int_equal(r.status, 201);
    assert_string_equal(json_string_value(json_object_get(r.json, "code")), code);
    assert_int_equal(json_integer_value(json_object_get(r.json, "industry_class")), 8);
    assert_int_equal(json_integer_value(json_object_get(r.json, "injury_rate_bp")), 190);
    assert_string_equal(json_string_value(json_object_get(r.json, "registered_on")), "2026-03-10");
    assert_string_equal(json_string_value(json_object_get(r.json, "district")), "园区");
    tu_resp_free(&r);
    expect(register_raw(clerk, code, 1), 409, "unit_exists");
    make_code("MA1W2X3W", code);
    r = register_raw(clerk, code, 1);
    assert_int_equal(r.status, 201);
    assert_int_equal(json_integer_value(json_object_get(r.json, "industry_class")), 1);
    tu_resp_free(&r);

    /* unknown members are refused before any rule */
    expect(tu_http(srv, "POST", "/api/v1/units", clerk, "{\"code\":\"x\",\"colour\":1}", NULL), 400, NULL);
}

static void unit_operator_sees_only_its_own(void **state) {
    json_int_t other = register_unit("MA1W2X40");
    tu_resp r = call("GET", unit_op, demo_unit_id, "", NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_integer_value(json_object_get(r.json, "id")), demo_unit_id);
    tu_resp_free(&r);
    expect(call("GET", unit_op, other, "", NULL), 404, "unit_not_found");
    expect(call("GET", unit_op, other, "/employees", NULL), 404, "unit_not_found");
    expect(call("GET", unit_op, other, "/changes", NULL), 404, "unit_not_found");
    expect(call("GET", unit_op, other, "/certificate-data", NULL), 404, "unit_not_found");
    expect(call("GET", unit_op, other, "/operators", NULL), 404, "unit_not_found");
    expect(call("PATCH", unit_op, other, "", "{\"address\":\"别处\"}"), 404, "unit_not_found");
    expect(call("POST", unit_op, other, "/online-payment", NULL), 404, "unit_not_found");
    expect(call("GET", person, demo_unit_id, "", NULL), 403, NULL);
    expect(tu_http(srv, "GET", "/api/v1/units", unit_op, NULL, NULL), 403, NULL);
    expect(call("GET", clerk, 999999, "", NULL), 404, "unit_not_found");

    r = call("GET", unit_op, demo_unit_id, "/operators", NULL);
    assert_int_equal(r.status, 200);
    json_t *op = json_array_get(json_object_get(r.json, "items"), 0);
    assert_string_equal(json_string_value(json_object_get(op, "operator")), "hr");
    tu_resp_free(&r);
}

static void search(void **state) {
    register_unit("MA1W2X41");
    tu_resp r = tu_http(srv, "GET", "/api/v1/units?name=%E6%8E%A5%E5%8F%A3%E6%B5%8B%E8%AF%95", clerk, NULL, NULL);   /* 接口测试 */
    assert_int_equal(r.status, 200);
    assert_true(json_integer_value(json_object_get(r.json, "count")) >= 1);
    tu_resp_free(&r);
    char code[19], path[128];
    make_code("MA1W2X41", code);
    snprintf(path, sizeof path, "/api/v1/units?code=%s", code);
    r = tu_http(srv, "GET", path, clerk, NULL, NULL);
    assert_int_equal(json_integer_value(json_object_get(r.json, "count")), 1);
    tu_resp_free(&r);
    expect(tu_http(srv, "GET", "/api/v1/units?status=gone", clerk, NULL, NULL), 400, NULL);
}

static void patch_and_key_change(void **state) {
    tu_resp r = call("PATCH", unit_op, demo_unit_id, "", "{\"contact_name\":\"李主管\",\"contact_phone\":\"13800001111\"}");
    assert_int_equal(r.status, 200);
    assert_int_equal(json_integer_value(json_object_get(r.json, "fields_changed")), 2);
    assert_string_equal(json_string_value(json_object_get(r.json, "contact_name")), "李主管");
    tu_resp_free(&r);

    r = call("PATCH", unit_op, demo_unit_id, "", "{\"name\":\"改名有限公司\"}");
    assert_int_equal(r.status, 422);
    assert_int_equal(rule_count(&r), 1);
    assert_true(tu_has_rule(&r, "key_field_needs_application"));
    tu_resp_free(&r);

    /* the key change: applied for, accepted, approved, applied with history */
    r = call("POST", unit_op, demo_unit_id, "/key-changes",
             "{\"changes\":{\"name\":\"苏州工业园区星海智能科技有限公司\",\"unit_type\":\"enterprise\"},\"reason\":\"工商更名\"}");
    assert_int_equal(r.status, 422);   /* unit_type is unchanged */
    assert_true(tu_has_rule(&r, "unchanged"));
    tu_resp_free(&r);
    r = call("POST", unit_op, demo_unit_id, "/key-changes",
             "{\"changes\":{\"name\":\"苏州工业园区星海智能科技有限公司\"},\"reason\":\"工商更名\"}");
    assert_int_equal(r.status, 201);
    assert_string_equal(json_string_value(json_object_get(r.json, "item_id")), "unit.update");
    json_int_t app = json_integer_value(json_object_get(r.json, "id"));
    tu_resp_free(&r);
    char path[128];
    snprintf(path, sizeof path, "/api/v1/applications/%lld/accept", (long long)app);
    expect(tu_http(srv, "POST", path, clerk, NULL, NULL), 200, NULL);
    snprintf(path, sizeof path, "/api/v1/applications/%lld/decision", (long long)app);
    expect(tu_http(srv, "POST", path, reviewer, "{\"approve\":true}", NULL), 200, NULL);

    r = call("GET", unit_op, demo_unit_id, "", NULL);
    assert_string_equal(json_string_value(json_object_get(r.json, "name")), "苏州工业园区星海智能科技有限公司");
    tu_resp_free(&r);
    r = call("GET", unit_op, demo_unit_id, "/changes", NULL);
    json_t *h = json_array_get(json_object_get(r.json, "items"), 0);
    assert_string_equal(json_string_value(json_object_get(h, "field")), "name");
    assert_int_equal(json_integer_value(json_object_get(h, "application_id")), app);
    assert_string_equal(json_string_value(json_object_get(h, "new_value")), "苏州工业园区星海智能科技有限公司");
    tu_resp_free(&r);
}

static void online_payment_prerequisites(void **state) {
    char code[19];
    make_code("MA1W2X42", code);
    json_int_t id = register_unit("MA1W2X42");
    char body[256];
    snprintf(body, sizeof body, "{\"role\":\"unit\",\"unit_code\":\"%s\",\"operator\":\"cw\",\"password\":\"Unit@2026x\"}", code);
    expect(tu_http(srv, "POST", "/api/v1/users", admin, body, NULL), 201, NULL);
    char login[64];
    snprintf(login, sizeof login, "%s/cw", code);
    char *op = tu_sign_in(srv, "unit", login, "Unit@2026x");

    tu_resp r = call("POST", op, id, "/online-payment", NULL);
    assert_int_equal(r.status, 422);
    assert_int_equal(rule_count(&r), 2);
    assert_true(tu_has_rule(&r, "certificate_missing"));
    assert_true(tu_has_rule(&r, "collection_agreement_missing"));
    tu_resp_free(&r);
    expect(call("POST", op, id, "/certificate", NULL), 403, NULL);
    expect(call("POST", clerk, id, "/certificate", NULL), 200, NULL);
    r = call("POST", op, id, "/online-payment", "{}");
    assert_int_equal(r.status, 422);
    assert_int_equal(rule_count(&r), 1);
    assert_true(tu_has_rule(&r, "collection_agreement_missing"));
    tu_resp_free(&r);
    expect(call("POST", op, id, "/collection-agreement", "{\"bank_name\":\"中国银行\",\"bank_account\":\"12\"}"),
           400, "invalid_bank_account");
    expect(call("POST", op, id, "/collection-agreement",
                "{\"bank_name\":\"中国银行苏州工业园区支行\",\"bank_account\":\"466012345678\"}"), 200, NULL);
    r = call("POST", op, id, "/online-payment", NULL);
    assert_int_equal(r.status, 200);
    assert_true(json_is_true(json_object_get(r.json, "online_payment")));
    tu_resp_free(&r);
    expect(call("POST", op, id, "/online-payment", NULL), 409, "online_payment_granted");
    free(op);
}

/* An employee written straight into the store, as the enrolment area would. */
static void add_employee(json_int_t unit) {
    tu_env *e = srv->env;
    err_detail err = {0};
    if (store_begin(e->st, true, &e->ctx.tx, &err)) fail_msg("begin: %s", err.message);
    int64_t p = tu_add_person(e, "320504198512120017", "周八");
    if (store_exec(e->ctx.tx, STORE_Q_UNIT_TEST_EMPLOYMENT_INSERT, &err, "iiti", p, (int64_t)unit,
                   "2026-02-01", e->ctx.now_ms))
        fail_msg("employment: %s", err.message);
    reg_span_new s = {.person_id = p, .unit_id = unit, .employment_id = store_last_insert_id(e->ctx.tx),
                      .insurance = INS_PENSION, .payer = "unit", .category = "sip_a",
                      .start_month = 202602, .reason = "测试"};
    int64_t sid;
    if (reg_span_open(&e->ctx, &s, &sid, &err)) fail_msg("span: %s", err.message);
    if (store_commit(e->ctx.tx, &err)) fail_msg("commit: %s", err.message);
    e->ctx.tx = NULL;
}

static void cancellation(void **state) {
    json_int_t busy = register_unit("MA1W2X43"), idle = register_unit("MA1W2X44");
    add_employee(busy);
    tu_resp r = call("POST", clerk, busy, "/cancel", "{\"reason\":\"歇业\"}");
    assert_int_equal(r.status, 422);
    assert_int_equal(rule_count(&r), 1);
    json_t *rule = json_array_get(json_object_get(json_object_get(r.json, "error"), "rules"), 0);
    assert_string_equal(json_string_value(json_object_get(rule, "code")), "active_employees");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(rule, "data"), "count")), 1);
    tu_resp_free(&r);

    r = call("GET", clerk, busy, "/employees", NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_integer_value(json_object_get(r.json, "count")), 1);
    json_t *emp = json_array_get(json_object_get(r.json, "items"), 0);
    assert_string_equal(json_string_value(json_object_get(emp, "name")), "周八");
    assert_int_equal(json_array_size(json_object_get(emp, "spans")), 1);
    tu_resp_free(&r);
    r = call("GET", clerk, busy, "/employees?status=former", NULL);
    assert_int_equal(json_integer_value(json_object_get(r.json, "count")), 0);
    tu_resp_free(&r);
    expect(call("GET", clerk, busy, "/employees?status=all", NULL), 400, NULL);
    r = call("GET", clerk, busy, "/certificate-data", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "month")), "2026-03");
    json_t *first = json_array_get(json_object_get(r.json, "insured"), 0);
    assert_string_equal(json_string_value(json_object_get(first, "insurance")), "pension");
    assert_int_equal(json_integer_value(json_object_get(first, "count")), 1);
    tu_resp_free(&r);

    expect(call("POST", unit_op, demo_unit_id, "/cancel", NULL), 403, NULL);
    r = call("POST", clerk, idle, "/cancel", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "status")), "cancelled");
    assert_string_equal(json_string_value(json_object_get(r.json, "cancelled_on")), "2026-03-10");
    tu_resp_free(&r);
    r = call("PATCH", clerk, idle, "", "{\"address\":\"新址\"}");
    assert_int_equal(r.status, 422);
    assert_true(tu_has_rule(&r, "unit_cancelled"));
    tu_resp_free(&r);
    r = call("POST", clerk, idle, "/district", "{\"district\":\"湖西\"}");
    assert_int_equal(r.status, 422);
    assert_true(tu_has_rule(&r, "unit_cancelled"));
    tu_resp_free(&r);
}

static void district_change(void **state) {
    json_int_t id = register_unit("MA1W2X45");
    expect(call("POST", unit_op, demo_unit_id, "/district", "{\"district\":\"湖西\"}"), 403, NULL);
    tu_resp r = call("POST", clerk, id, "/district", "{\"district\":\"园区\"}");
    assert_int_equal(r.status, 422);
    assert_true(tu_has_rule(&r, "same_district"));
    tu_resp_free(&r);
    r = call("POST", clerk, id, "/district", "{\"district\":\"苏州市区\",\"reason\":\"迁址\"}");
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "district")), "苏州市区");
    tu_resp_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(registration_edges),
        cmocka_unit_test(unit_operator_sees_only_its_own),
        cmocka_unit_test(search),
        cmocka_unit_test(patch_and_key_change),
        cmocka_unit_test(online_payment_prerequisites),
        cmocka_unit_test(cancellation),
        cmocka_unit_test(district_change),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
