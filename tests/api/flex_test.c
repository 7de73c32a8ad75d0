/* Flexible employment, residents, single-insurance work injury, construction
 * projects and the retirement calculator over HTTP: who may call what, the
 * answers' shapes, refusals with their rule codes, the 17th and the 18th. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/idno.h"
#include "svc/auth.h"
#include "svc/demo.h"
#include "svc/registry.h"
#include "testutil.h"

#define PW "Flex@2026pw"

static tu_server *srv;   /* business date 2025-03-17 */
static char *clerk, *unit_a, *unit_b;
static int64_t unit_a_id, unit_b_id;
static int id_seq;

static void make_id(const char *area, const char *ymd, char sex, char out[19]) {
    tu_id_number(area, ymd, (unsigned)((id_seq++ % 400) * 2 + (sex == 'M' ? 1 : 2)), out);
}

/* A person (and, with `id_out`, their account) written straight into the
 * server's database between requests. */
static int64_t add_person(tu_server *s, const char *birth, char sex, const char *hukou, char id_out[19]) {
    char id[19];
    make_id("320571", birth, sex, id);
    err_detail err = {0};
    svc_ctx *ctx = &s->env->ctx;
    if (store_begin(s->env->st, true, &ctx->tx, &err)) fail_msg("begin: %s", err.message);
    reg_person_new in = {.id_kind = IDNO_RESIDENT, .id_number = id, .name = "测试人员", .hukou_kind = hukou};
    int64_t pid = 0, uid = 0;
    if (reg_person_create(ctx, &in, &pid, &err)) fail_msg("person: %s", err.message);
    auth_user_new u = {.role = "person", .id_number = id, .password = PW};
    if (id_out && auth_user_create(ctx, &u, &uid, &err)) fail_msg("account: %s", err.message);
    if (store_commit(ctx->tx, &err)) fail_msg("commit: %s", err.message);
    ctx->tx = NULL;
    if (id_out) memcpy(id_out, id, 19);
    return pid;
}

static int64_t unit_id_of(tu_server *s, const char *token) {
    tu_resp r = tu_http(s, "GET", "/api/v1/sessions/current", token, NULL, NULL);
    assert_int_equal(r.status, 200);
    int64_t id = json_integer_value(json_object_get(json_object_get(r.json, "user"), "unit_id"));
    tu_resp_free(&r);
    assert_true(id > 0);
    return id;
}

static int setup(void **state) {
    (void)state;
    srv = tu_server_start("2025-03-17", 1);
    const demo_login *a = tu_demo_login("unit", 0), *b = tu_demo_login("unit", 1);
    clerk = tu_sign_in(srv, "staff", "clerk01", "Staff@2026");
    unit_a = tu_sign_in(srv, "unit", a->login, a->password);
    unit_b = tu_sign_in(srv, "unit", b->login, b->password);
    unit_a_id = unit_id_of(srv, unit_a);
    unit_b_id = unit_id_of(srv, unit_b);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    free(clerk);
    free(unit_a);
    free(unit_b);
    tu_server_stop(srv);
    return 0;
}

static tu_resp call(tu_server *s, const char *method, const char *path, const char *token,
                    const char *body, long want) {
    tu_resp r = tu_http(s, method, path, token, body, NULL);
    if (r.status != want) fail_msg("%s %s: want %ld, got %ld %s", method, path, want, r.status, r.body);
    return r;
}

static void expect(tu_server *s, const char *method, const char *path, const char *token,
                   const char *body, long want, const char *code) {
    tu_resp r = call(s, method, path, token, body, want);
    if (code) assert_string_equal(tu_err_code(&r), code);
    tu_resp_free(&r);
}

static const char *rule_code(const tu_resp *r, size_t i) {
    json_t *rules = json_object_get(json_object_get(r->json, "error"), "rules");
    return json_string_value(json_object_get(json_array_get(rules, i), "code"));
}

static size_t rule_count(const tu_resp *r) {
    return json_array_size(json_object_get(json_object_get(r->json, "error"), "rules"));
}

static const char *str_of(const json_t *o, const char *k) {
    const char *v = json_string_value(json_object_get(o, k));
    if (!v) fail_msg("no %s", k);
    return v;
}

/* ---- retirement ---- */

static void retirement_answers(void **state) {
    (void)state;
    tu_resp r = call(srv, "GET", "/api/v1/retirement?birth_month=1965-01&kind=male", NULL, NULL, 200);
    json_t *want = json_pack("{s:s, s:s, s:i, s:i, s:i, s:s, s:i}", "kind", "male", "birth_month",
                             "1965-01", "delay_months", 1, "age_years", 60, "age_months", 1,
                             "retirement_month", "2025-02", "min_contribution_months", 180);
    assert_true(json_equal(r.json, want));
    json_decref(want);
    tu_resp_free(&r);
    struct { const char *q; int delay; const char *month; int min; } cases[] = {
        {"birth_month=1964-12&kind=male", 0, "2024-12", 180},
        {"birth_month=1976-12&kind=male", 36, "2039-12", 240},
        {"birth_month=1975-03&kind=female50", 2, "2025-05", 180},
        {"birth_month=1970-01&kind=female55", 1, "2025-02", 180},
        {"birth_month=1969-01&kind=male", 13, "2030-02", 186},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "/api/v1/retirement?%s", cases[i].q);
        r = call(srv, "GET", path, NULL, NULL, 200);
        assert_int_equal(json_integer_value(json_object_get(r.json, "delay_months")), cases[i].delay);
        assert_string_equal(str_of(r.json, "retirement_month"), cases[i].month);
        assert_int_equal(json_integer_value(json_object_get(r.json, "min_contribution_months")), cases[i].min);
        tu_resp_free(&r);
    }
    expect(srv, "GET", "/api/v1/retirement?birth_month=1965-13&kind=male", NULL, NULL, 400, "invalid_month");
    expect(srv, "GET", "/api/v1/retirement?birth_month=1965-01&kind=female", NULL, NULL, 400, "invalid_value");
    expect(srv, "GET", "/api/v1/retirement?kind=male", NULL, NULL, 400, "missing_field");
    expect(srv, "GET", "/api/v1/retirement?birth_month=1965-01", NULL, NULL, 400, "missing_field");
    expect(srv, "POST", "/api/v1/retirement", NULL, "{}", 405, NULL);
}

/* ---- flexible ---- */

static void flexible_by_the_person(void **state) {
    (void)state;
    char id[19], other_id[19];
    int64_t pid = add_person(srv, "19900505", 'M', "other_province", id);
    int64_t other = add_person(srv, "19910606", 'F', "sip", other_id);
    char *me = tu_sign_in(srv, "person", id, PW);
    tu_resp r = call(srv, "POST", "/api/v1/flexible", me, "{\"package\":\"pension_medical\",\"tier\":2}", 201);
    assert_string_equal(str_of(r.json, "effective_month"), "2025-03");   /* the 17th */
    assert_int_equal(json_integer_value(json_object_get(r.json, "person_id")), pid);
    assert_int_equal(json_array_size(json_object_get(r.json, "spans")), 2);
    tu_resp_free(&r);
    r = call(srv, "GET", "/api/v1/me/flexible", me, NULL, 200);
    assert_true(json_is_true(json_object_get(r.json, "registered")));
    assert_int_equal(json_array_size(json_object_get(r.json, "spans")), 2);
    assert_string_equal(str_of(r.json, "next_effective_month"), "2025-03");
    tu_resp_free(&r);
    r = call(srv, "PUT", "/api/v1/flexible/tier", me, "{\"insurance\":\"pension\",\"tier\":3}", 200);
    assert_string_equal(str_of(r.json, "effective_month"), "2025-03");
    tu_resp_free(&r);
    r = call(srv, "PUT", "/api/v1/flexible/tier", me, "{\"insurance\":\"pension\",\"tier\":9}", 422);
    assert_string_equal(rule_code(&r, 0), "tier_out_of_range");
    tu_resp_free(&r);
    r = call(srv, "POST", "/api/v1/flexible/suspend", me, "{\"insurances\":[\"medical\"]}", 200);
    assert_string_equal(str_of(json_array_get(json_object_get(r.json, "spans"), 0), "status"), "suspended");
    tu_resp_free(&r);
    expect(srv, "POST", "/api/v1/flexible/suspend", me, "{\"insurances\":[\"medical\"]}", 422, "rules_failed");
    expect(srv, "POST", "/api/v1/flexible/resume", me, "{\"insurances\":[\"medical\"]}", 200, NULL);
    expect(srv, "POST", "/api/v1/flexible/resume", me, "{\"insurances\":[\"dental\"]}", 400, "invalid_value");
    /* registered already */
    r = call(srv, "POST", "/api/v1/flexible", me, "{\"package\":\"pension\",\"tier\":1}", 422);
    assert_string_equal(rule_code(&r, 0), "already_insured");
    tu_resp_free(&r);
    /* another person's id is not found, never forbidden */
    char body[128];
    snprintf(body, sizeof body, "{\"person_id\":%lld,\"package\":\"pension\",\"tier\":1}", (long long)other);
    expect(srv, "POST", "/api/v1/flexible", me, body, 404, "person_not_found");
    expect(srv, "POST", "/api/v1/flexible", me, "{\"package\":\"gold\",\"tier\":1}", 400, "invalid_value");
    expect(srv, "POST", "/api/v1/flexible", me, "{\"package\":\"pension\",\"tier\":1,\"x\":1}", 400, NULL);
    expect(srv, "POST", "/api/v1/flexible", me, "{\"package\":\"pension\",\"tier\":0}", 400, "out_of_range");
    expect(srv, "POST", "/api/v1/flexible", unit_a, body, 403, "forbidden");
    expect(srv, "POST", "/api/v1/flexible", NULL, body, 401, NULL);
    char path[64];
    snprintf(path, sizeof path, "/api/v1/persons/%lld/flexible", (long long)pid);
    expect(srv, "GET", path, me, NULL, 403, "forbidden");
    /* the clerk for the other person */
    r = call(srv, "POST", "/api/v1/flexible", clerk, body, 201);
    tu_resp_free(&r);
    r = call(srv, "GET", path, clerk, NULL, 200);
    const json_t *sp = json_array_get(json_object_get(r.json, "spans"), 0);
    assert_int_equal(json_integer_value(json_object_get(sp, "tier")), 3);
    assert_int_equal(json_integer_value(json_object_get(sp, "base_fen")), 800000);
    tu_resp_free(&r);
    free(me);
}

static void flexible_refusals_list_every_rule(void **state) {
    (void)state;
    char id[19];
    add_person(srv, "20090318", 'M', "jiangsu", id);   /* 15 until tomorrow */
    char *me = tu_sign_in(srv, "person", id, PW);
    tu_resp r = call(srv, "POST", "/api/v1/flexible", me, "{\"package\":\"pension_medical\",\"tier\":4}", 422);
    assert_string_equal(tu_err_code(&r), "rules_failed");
    assert_int_equal(rule_count(&r), 2);
    assert_string_equal(rule_code(&r, 0), "age_below_min");
    assert_string_equal(rule_code(&r, 1), "tier_out_of_range");
    json_t *data = json_object_get(json_array_get(json_object_get(json_object_get(r.json, "error"), "rules"), 0), "data");
    assert_int_equal(json_integer_value(json_object_get(data, "age")), 15);
    assert_int_equal(json_integer_value(json_object_get(data, "min_age")), 16);
    tu_resp_free(&r);
    r = call(srv, "POST", "/api/v1/flexible", me, "{\"package\":\"housing_fund\",\"tier\":1}", 422);
    assert_int_equal(rule_count(&r), 2);
    assert_string_equal(rule_code(&r, 1), "hf_not_in_park");
    tu_resp_free(&r);
    free(me);
}

/* On the 18th a registration takes effect next month; the residents'
 * collection period is open in October. */
static void on_the_18th(void **state) {
    (void)state;
    tu_server *s = tu_server_start("2025-10-18", 0);
    char id[19];
    add_person(s, "19900505", 'F', "sip", id);
    char *me = tu_sign_in(s, "person", id, PW);
    tu_resp r = call(s, "POST", "/api/v1/flexible", me, "{\"package\":\"pension\",\"tier\":1}", 201);
    assert_string_equal(str_of(r.json, "effective_month"), "2025-11");
    tu_resp_free(&r);
    r = call(s, "PUT", "/api/v1/flexible/tier", me, "{\"package\":\"pension\",\"tier\":2}", 200);
    assert_string_equal(str_of(r.json, "effective_month"), "2025-11");
    tu_resp_free(&r);
    r = call(s, "POST", "/api/v1/flexible/suspend", me, "{\"insurances\":[\"pension\"]}", 200);
    assert_string_equal(str_of(r.json, "effective_month"), "2025-11");
    tu_resp_free(&r);
    r = call(s, "POST", "/api/v1/residents/medical", me, "{\"category\":\"other_adult\"}", 201);
    assert_string_equal(str_of(r.json, "start_month"), "2026-01");
    assert_string_equal(str_of(r.json, "end_month"), "2026-12");
    tu_resp_free(&r);
    expect(s, "POST", "/api/v1/residents/medical", me, "{\"category\":\"student\",\"school\":\"x\"}", 403,
           "student_via_school");
    free(me);
    tu_server_stop(s);
}

/* ---- residents ---- */

static void residents(void **state) {
    (void)state;
    char id[19];
    int64_t pid = add_person(srv, "19800101", 'M', "suzhou", id);
    char *me = tu_sign_in(srv, "person", id, PW);
    tu_resp r = call(srv, "POST", "/api/v1/residents/pension", me, NULL, 201);   /* empty body */
    assert_string_equal(str_of(r.json, "start_month"), "2025-03");
    assert_string_equal(str_of(r.json, "category"), "resident_pension");
    tu_resp_free(&r);
    r = call(srv, "POST", "/api/v1/residents/pension", me, "{}", 422);
    assert_string_equal(rule_code(&r, 0), "already_insured");
    tu_resp_free(&r);
    int64_t away = add_person(srv, "19800102", 'M', "other_province", NULL);
    char body[128];
    snprintf(body, sizeof body, "{\"person_id\":%lld}", (long long)away);
    r = call(srv, "POST", "/api/v1/residents/pension", clerk, body, 422);
    assert_string_equal(rule_code(&r, 0), "hukou_not_suzhou");
    tu_resp_free(&r);
    expect(srv, "POST", "/api/v1/residents/pension", clerk, "{}", 400, "missing_field");
    /* March is outside the collection period for next year's medical insurance */
    snprintf(body, sizeof body, "{\"person_id\":%lld,\"category\":\"other_adult\"}", (long long)pid);
    r = call(srv, "POST", "/api/v1/residents/medical", clerk, body, 422);
    assert_string_equal(rule_code(&r, 0), "outside_collection_period");
    tu_resp_free(&r);
    expect(srv, "POST", "/api/v1/residents/medical", clerk, "{\"category\":\"adult\",\"person_id\":1}", 400,
           "invalid_value");
    expect(srv, "POST", "/api/v1/residents/medical", unit_a, "{\"category\":\"child\"}", 403, "forbidden");
    free(me);
}

/* ---- single-insurance work injury ---- */

static void injury_only(void **state) {
    (void)state;
    char id[19];
    make_id("320571", "19900505", 'F', id);
    char body[512];
    snprintf(body, sizeof body,
             "{\"kind\":\"part_time\",\"id_number\":\"%s\",\"name\":\"钟点工\",\"start_date\":\"2025-03-01\","
             "\"hours_per_day_x10\":45,\"hours_per_week_x10\":241}", id);
    tu_resp r = call(srv, "POST", "/api/v1/injury-only", unit_a, body, 422);
    assert_int_equal(rule_count(&r), 2);
    assert_string_equal(rule_code(&r, 0), "part_time_day_hours");
    assert_string_equal(rule_code(&r, 1), "part_time_week_hours");
    tu_resp_free(&r);
    snprintf(body, sizeof body,
             "{\"kind\":\"part_time\",\"id_number\":\"%s\",\"name\":\"钟点工\",\"start_date\":\"2025-03-01\","
             "\"hours_per_day_x10\":40,\"hours_per_week_x10\":240}", id);
    r = call(srv, "POST", "/api/v1/injury-only", unit_a, body, 201);
    assert_int_equal(json_integer_value(json_object_get(r.json, "unit_id")), unit_a_id);
    assert_string_equal(str_of(r.json, "start_month"), "2025-03");
    assert_true(json_is_false(json_object_get(r.json, "late")));
    tu_resp_free(&r);
    snprintf(body, sizeof body, "{\"unit_id\":%lld,\"kind\":\"intern\",\"id_number\":\"%s\","
             "\"start_date\":\"2025-03-01\",\"school\":\"x\",\"school_kind\":\"vocational\"}",
             (long long)unit_b_id, id);
    expect(srv, "POST", "/api/v1/injury-only", unit_a, body, 404, "unit_not_found");
    char intern[19];
    make_id("320571", "20030303", 'M', intern);
    snprintf(body, sizeof body, "{\"unit_id\":%lld,\"kind\":\"intern\",\"id_number\":\"%s\",\"name\":\"学生\","
             "\"start_date\":\"2025-03-01\",\"school\":\"苏州大学\",\"school_kind\":\"university\"}",
             (long long)unit_b_id, intern);
    r = call(srv, "POST", "/api/v1/injury-only", clerk, body, 422);
    assert_string_equal(rule_code(&r, 0), "school_not_vocational");
    tu_resp_free(&r);
    snprintf(body, sizeof body, "{\"unit_id\":%lld,\"kind\":\"intern\",\"id_number\":\"%s\",\"name\":\"学生\","
             "\"start_date\":\"2025-03-01\",\"school\":\"苏州工业园区职业技术学院\",\"school_kind\":\"higher_vocational\"}",
             (long long)unit_b_id, intern);
    expect(srv, "POST", "/api/v1/injury-only", clerk, body, 201, NULL);
    expect(srv, "POST", "/api/v1/injury-only", clerk, "{\"kind\":\"x\",\"start_date\":\"2025-03-01\"}", 400, NULL);
    expect(srv, "POST", "/api/v1/injury-only", clerk, "{\"kind\":\"intern\"}", 400, "missing_field");
}

static void projects(void **state) {
    (void)state;
    tu_resp r = call(srv, "POST", "/api/v1/projects", unit_a,
                     "{\"name\":\"金鸡湖大道改造\",\"contract_no\":\"HT-001\",\"start_date\":\"2025-03-01\","
                     "\"end_date\":\"2025-09-30\"}", 201);
    json_int_t proj = json_integer_value(json_object_get(r.json, "id"));
    assert_int_equal(json_integer_value(json_object_get(r.json, "unit_id")), unit_a_id);
    tu_resp_free(&r);
    expect(srv, "POST", "/api/v1/projects", unit_a,
           "{\"name\":\"再次\",\"contract_no\":\"HT-001\",\"start_date\":\"2025-03-01\"}", 409, "project_exists");
    char w1[19], w2[19], body[512], path[64];
    make_id("340104", "19800808", 'M', w1);
    make_id("340104", "19810909", 'F', w2);
    snprintf(path, sizeof path, "/api/v1/projects/%lld/workers", (long long)proj);
    snprintf(body, sizeof body, "{\"workers\":[{\"id_number\":\"%s\",\"name\":\"甲\"},{\"id_number\":\"%s\"}]}", w1, w2);
    r = call(srv, "POST", path, unit_a, body, 422);
    assert_int_equal(rule_count(&r), 1);
    assert_string_equal(rule_code(&r, 0), "person_unknown");
    tu_resp_free(&r);
    snprintf(body, sizeof body, "{\"workers\":[{\"id_number\":\"%s\",\"name\":\"甲\"},{\"id_number\":\"%s\",\"name\":\"乙\"}]}", w1, w2);
    expect(srv, "POST", path, unit_b, body, 404, "project_not_found");
    r = call(srv, "POST", path, unit_a, body, 201);
    assert_int_equal(json_integer_value(json_object_get(r.json, "count")), 2);
    tu_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/projects/%lld", (long long)proj);
    r = call(srv, "GET", path, unit_a, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "workers")), 2);
    assert_string_equal(str_of(r.json, "end_date"), "2025-09-30");
    tu_resp_free(&r);
    expect(srv, "GET", path, unit_b, NULL, 404, "project_not_found");
    r = call(srv, "GET", path, clerk, NULL, 200);
    tu_resp_free(&r);
    expect(srv, "GET", "/api/v1/projects/abc", clerk, NULL, 400, "invalid_field");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(retirement_answers),
        cmocka_unit_test(flexible_by_the_person),
        cmocka_unit_test(flexible_refusals_list_every_rule),
        cmocka_unit_test(on_the_18th),
        cmocka_unit_test(residents),
        cmocka_unit_test(injury_only),
        cmocka_unit_test(projects),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
