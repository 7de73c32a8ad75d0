/* Back-payments, the base raise and medical subsidy credits over HTTP: a
 * unit back-pays 6 months at once, 7 through an application that the
 * counter accepts and the review desk approves into a bill, 36 is refused;
 * a raise downward is refused and upward answers the bases; the subsidy is
 * generated once and refused the second time; who may do what. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/idno.h"
#include "svc/demo.h"
#include "testutil.h"

static tu_server *srv;
static char *unit_tok, *other_unit_tok, *clerk_tok, *reviewer_tok, *person_tok;
static int64_t unit_id, other_unit_id, person_id;
static const char *id_number;

static const char *rid(const char *birth8, const char *order3) {
    static char ids[16][19];
    static int next;
    char d17[18];
    snprintf(d17, sizeof d17, "320571%s%s", birth8, order3);
    char *out = ids[next++ % 16];
    snprintf(out, 19, "%s%c", d17, idno_resident_check_char(d17));
    return out;
}

static int64_t jint(const json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }
static const char *jstr(const json_t *o, const char *k) {
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static int64_t actor_field(const char *tok, const char *field) {
    tu_resp r = tu_http(srv, "GET", "/api/v1/sessions/current", tok, NULL, NULL);
    assert_int_equal(r.status, 200);
    json_t *u = json_object_get(r.json, "user");
    int64_t v = jint(u ? u : r.json, field);
    tu_resp_free(&r);
    return v;
}

static tu_resp post(const char *path, const char *tok, json_t *body) {
    char *s = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    tu_resp r = tu_http(srv, "POST", path, tok, s, NULL);
    free(s);
    return r;
}

static int setup(void **state) {
    srv = tu_server_start("2026-03-10", 1);
    const demo_login *units[2] = {NULL, NULL}, *person = NULL;
    for (int i = 0; i < demo_login_count; i++) {
        if (strcmp(demo_logins[i].role, "unit") == 0 && !units[0]) units[0] = &demo_logins[i];
        else if (strcmp(demo_logins[i].role, "unit") == 0 && !units[1]) units[1] = &demo_logins[i];
        if (strcmp(demo_logins[i].role, "person") == 0 && !person) person = &demo_logins[i];
    }
    assert_non_null(units[1]);
    assert_non_null(person);
    unit_tok = tu_sign_in(srv, "unit", units[0]->login, units[0]->password);
    other_unit_tok = tu_sign_in(srv, "unit", units[1]->login, units[1]->password);
    clerk_tok = tu_sign_in(srv, "staff", "clerk01", "Staff@2026");
    reviewer_tok = tu_sign_in(srv, "staff", "reviewer01", "Staff@2026");
    person_tok = tu_sign_in(srv, "person", person->login, person->password);
    unit_id = actor_field(unit_tok, "unit_id");
    other_unit_id = actor_field(other_unit_tok, "unit_id");
    assert_true(unit_id > 0 && other_unit_id > 0 && unit_id != other_unit_id);
    /* A new employee of the unit, insured since January 2023. */
    id_number = rid("19900315", "701");
    tu_resp r = post("/api/v1/enrolments", unit_tok, json_pack("{s:s, s:s, s:s}", "id_number",
                     id_number, "name", "补缴甲", "start_date", "2023-01-01"));
    tu_expect(&r, 201, NULL);
    person_id = jint(r.json, "person_id");
    tu_resp_free(&r);
    return 0;
}

static int teardown(void **state) {
    free(unit_tok);
    free(other_unit_tok);
    free(clerk_tok);
    free(reviewer_tok);
    free(person_tok);
    tu_server_stop(srv);
    return 0;
}

static json_t *backpay(const char *from, const char *to) {
    return json_pack("{s:I, s:[s, s], s:s, s:s, s:i, s:s}", "person_id", (json_int_t)person_id,
                     "insurances", "pension", "medical", "from_month", from, "to_month", to,
                     "wage_fen", 800000, "reason", "入职时漏报");
}

static void six_months_back_is_billed_at_once(void **state) {
    tu_resp r = post("/api/v1/backpays", unit_tok, backpay("2025-09", "2026-02"));
    tu_expect(&r, 201, NULL);
    assert_string_equal(jstr(r.json, "mode"), "direct");
    json_t *bill = json_object_get(r.json, "bill");
    assert_string_equal(jstr(bill, "kind"), "backpay");
    assert_int_equal(jint(bill, "unit_id"), unit_id);
    assert_int_equal(jint(bill, "line_count"), 12);
    assert_int_equal(jint(bill, "unit_total_fen"), 6 * (128000 + 60000));
    assert_int_equal(jint(bill, "personal_total_fen"), 6 * (64000 + 16000));
    tu_resp_free(&r);
    r = post("/api/v1/backpays", unit_tok, backpay("2025-09", "2025-09"));   /* paid already */
    tu_expect(&r, 422, "rules_failed");
    assert_true(tu_has_rule(&r, "already_assessed"));
    tu_resp_free(&r);
}

static void seven_months_back_goes_through_review(void **state) {
    json_t *b = backpay("2025-08", "2025-08");
    json_object_del(b, "person_id");
    json_object_set_new(b, "id_number", json_string(id_number));
    tu_resp r = post("/api/v1/backpays", unit_tok, b);
    tu_expect(&r, 201, NULL);
    assert_string_equal(jstr(r.json, "mode"), "application");
    assert_int_equal(jint(r.json, "months_back"), 7);
    json_t *app = json_object_get(r.json, "application");
    assert_string_equal(jstr(app, "state"), "submitted");
    assert_int_equal(json_array_size(json_object_get(app, "materials")), 3);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/applications/%lld/accept", (long long)jint(app, "id"));
    char decide[96];
    snprintf(decide, sizeof decide, "/api/v1/applications/%lld/decision", (long long)jint(app, "id"));
    tu_resp_free(&r);
    r = post(path, clerk_tok, json_object());
    tu_expect(&r, 200, NULL);
    assert_string_equal(jstr(r.json, "deadline_on"), "2026-03-17");
    tu_resp_free(&r);
    r = post(decide, reviewer_tok, json_pack("{s:b}", "approve", 1));
    tu_expect(&r, 200, NULL);
    assert_string_equal(jstr(r.json, "state"), "approved");
    tu_resp_free(&r);
    /* The approval billed the month: asking again is refused as billed. */
    r = post("/api/v1/backpays", unit_tok, backpay("2025-08", "2025-08"));
    tu_expect(&r, 422, "rules_failed");
    assert_true(tu_has_rule(&r, "already_assessed"));
    tu_resp_free(&r);
}

static void thirty_six_months_back_is_refused(void **state) {
    tu_resp r = post("/api/v1/backpays", unit_tok, backpay("2023-03", "2023-03"));
    tu_expect(&r, 422, "rules_failed");
    assert_true(tu_has_rule(&r, "too_old"));
    tu_resp_free(&r);
    r = post("/api/v1/backpays", unit_tok, backpay("2023-04", "2023-04"));
    tu_expect(&r, 201, NULL);
    assert_string_equal(jstr(r.json, "mode"), "application");
    tu_resp_free(&r);
}

static void who_may_back_pay(void **state) {
    tu_resp r = post("/api/v1/backpays", other_unit_tok, backpay("2026-01", "2026-01"));
    tu_expect(&r, 404, "person_not_found");
    tu_resp_free(&r);
    r = post("/api/v1/backpays", person_tok, backpay("2026-01", "2026-01"));
    tu_expect(&r, 403, NULL);
    tu_resp_free(&r);
    r = post("/api/v1/backpays", clerk_tok, backpay("2026-01", "2026-01"));
    tu_expect(&r, 400, "missing_field");
    tu_resp_free(&r);
    json_t *b = backpay("2026-01", "2026-01");
    json_object_set_new(b, "unit_id", json_integer(unit_id));
    json_object_set_new(b, "insurances", json_pack("[s]", "unemployment"));   /* not billed yet */
    r = post("/api/v1/backpays", clerk_tok, b);
    tu_expect(&r, 201, NULL);
    assert_string_equal(jstr(r.json, "mode"), "direct");
    tu_resp_free(&r);
    b = backpay("2026-02", "2026-01");
    json_object_set_new(b, "bogus", json_true());
    r = post("/api/v1/backpays", unit_tok, b);
    tu_expect(&r, 400, NULL);
    tu_resp_free(&r);
}

static void a_raise_is_upward_only(void **state) {
    char path[96];
    snprintf(path, sizeof path, "/api/v1/units/%lld/bases/raise", (long long)unit_id);
    tu_resp r = post(path, unit_tok, json_pack("{s:I, s:s, s:i}", "person_id", (json_int_t)person_id,
                                                "from_month", "2026-01", "wage_fen", 900000));
    tu_expect(&r, 201, NULL);
    assert_int_equal(jint(r.json, "new_base_fen"), 900000);
    assert_int_equal(jint(r.json, "policy_year"), 2025);
    tu_resp_free(&r);
    r = post(path, unit_tok, json_pack("{s:s, s:s, s:i}", "id_number", id_number,
                                       "from_month", "2026-02", "wage_fen", 700000));
    tu_expect(&r, 422, "rules_failed");
    assert_true(tu_has_rule(&r, "not_upward"));
    tu_resp_free(&r);
    r = post(path, other_unit_tok, json_pack("{s:I, s:s, s:i}", "person_id", (json_int_t)person_id,
                                             "from_month", "2026-02", "wage_fen", 990000));
    tu_expect(&r, 404, "unit_not_found");
    tu_resp_free(&r);
}

static tu_resp put_permission(const char *tok, bool granted) {
    char path[96], body[32];
    snprintf(path, sizeof path, "/api/v1/units/%lld/med-subsidy/permission", (long long)unit_id);
    snprintf(body, sizeof body, "{\"granted\":%s}", granted ? "true" : "false");
    return tu_http(srv, "PUT", path, tok, body, NULL);
}

static void med_subsidy_is_saved_once(void **state) {
    char path[96];
    snprintf(path, sizeof path, "/api/v1/units/%lld/med-subsidy", (long long)unit_id);
    /* closed by the fund collection section (the demo opened it for this unit) */
    char *finance = tu_sign_in(srv, "staff", "finance01", "Staff@2026");
    tu_resp r = put_permission(finance, false);
    tu_expect(&r, 200, NULL);
    assert_false(json_is_true(json_object_get(r.json, "granted")));
    tu_resp_free(&r);
    r = post(path, unit_tok, json_pack("{s:s, s:b}", "month", "2026-03", "generate", 1));
    tu_expect(&r, 422, "rules_failed");
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(json_object_get(r.json,
                        "error"), "rules"), 0), "code")), "med_subsidy_not_permitted");
    tu_resp_free(&r);
    r = put_permission(unit_tok, true);
    tu_expect(&r, 403, NULL);
    tu_resp_free(&r);
    r = put_permission(finance, true);
    tu_expect(&r, 200, NULL);
    assert_true(json_is_true(json_object_get(r.json, "granted")));
    tu_resp_free(&r);
    free(finance);
    snprintf(path, sizeof path, "/api/v1/units/%lld/med-subsidy/permission", (long long)unit_id);
    r = tu_http(srv, "GET", path, unit_tok, NULL, NULL);
    tu_expect(&r, 200, NULL);
    assert_true(json_is_true(json_object_get(r.json, "granted")));
    tu_resp_free(&r);
    r = tu_http(srv, "GET", path, other_unit_tok, NULL, NULL);
    tu_expect(&r, 404, NULL);
    tu_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/units/%lld/med-subsidy", (long long)unit_id);
    r = post(path, unit_tok, json_pack("{s:s, s:b, s:[]}", "month", "2026-03", "generate", 1, "lines"));
    tu_expect(&r, 400, "missing_field");
    tu_resp_free(&r);
    r = post(path, unit_tok, json_pack("{s:s, s:b}", "month", "2026-03", "generate", 1));
    tu_expect(&r, 201, NULL);
    assert_true(jint(r.json, "count") >= 1);
    assert_int_equal(jint(r.json, "count"), jint(r.json, "active_count") + jint(r.json, "retired_count"));
    assert_string_equal(jstr(json_object_get(r.json, "bill"), "kind"), "subsidy");
    tu_resp_free(&r);
    r = post(path, unit_tok, json_pack("{s:s, s:[{s:s, s:i}]}", "month", "2026-03", "lines",
                                       "id_number", id_number, "amount_fen", 5000));
    tu_expect(&r, 409, "already_saved");
    tu_resp_free(&r);
    r = post(path, other_unit_tok, json_pack("{s:s, s:b}", "month", "2026-04", "generate", 1));
    tu_expect(&r, 404, "unit_not_found");
    tu_resp_free(&r);
    r = post(path, clerk_tok, json_pack("{s:s, s:[{s:s, s:i}]}", "month", "2026-04", "lines",
                                        "id_number", id_number, "amount_fen", 5000));
    tu_expect(&r, 201, NULL);
    assert_int_equal(jint(r.json, "total_fen"), 5000);
    tu_resp_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(six_months_back_is_billed_at_once),
        cmocka_unit_test(seven_months_back_goes_through_review),
        cmocka_unit_test(thirty_six_months_back_is_refused),
        cmocka_unit_test(who_may_back_pay),
        cmocka_unit_test(a_raise_is_upward_only),
        cmocka_unit_test(med_subsidy_is_saved_once),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
