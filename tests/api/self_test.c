/* The self desk's reference data over HTTP: GET /api/v1/flexible/options
 * gives the packages and every insurance's tiers with their bases as policy
 * has them on the business date, the first deduction day and the effective
 * month on both sides of it, only to a signed-in user; GET
 * /api/v1/terminal/settings the terminal's idle sign-out, to anyone. */
#include <string.h>

#include "testutil.h"

static json_t *by_key(json_t *arr, const char *field, const char *value) {
    size_t i;
    json_t *it;
    json_array_foreach(arr, i, it)
        if (strcmp(json_string_value(json_object_get(it, field)), value) == 0) return it;
    return NULL;
}

static json_int_t base_of(json_t *tiers, const char *insurance, size_t tier) {
    json_t *t = by_key(tiers, "insurance", insurance);
    assert_non_null(t);
    json_t *it = json_array_get(json_object_get(t, "items"), tier - 1);
    assert_int_equal(json_integer_value(json_object_get(it, "tier")), (json_int_t)tier);
    return json_integer_value(json_object_get(it, "base_fen"));
}

static tu_resp options(tu_server *srv, const char *person_pw) {
    char *tok = tu_sign_in(srv, "person", "320594199009051019", person_pw);
    tu_resp r = tu_http(srv, "GET", "/api/v1/flexible/options", tok, NULL, NULL);
    free(tok);
    return r;
}

/* 2026-11-20 is past the 18th: changes take effect next month; the tiers of
 * the policy from 2025-07-01. */
static void options_after_deduction_day(void **state) {
    (void)state;
    tu_server *srv = tu_server_start("2026-11-20", 1);
    tu_resp r = options(srv, "Demo@2026");
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "as_of")), "2026-11-20");
    assert_int_equal(json_integer_value(json_object_get(r.json, "first_deduction_day")), 18);
    assert_string_equal(json_string_value(json_object_get(r.json, "effective_month")), "2026-12");

    json_t *pkgs = json_object_get(r.json, "packages");
    assert_int_equal(json_array_size(pkgs), 4);
    /* the policy's order */
    assert_string_equal(json_string_value(json_object_get(json_array_get(pkgs, 0), "key")), "pension_medical");
    assert_string_equal(json_string_value(json_object_get(json_array_get(pkgs, 3), "key")), "housing_fund");
    json_t *pm = by_key(pkgs, "key", "pension_medical");
    assert_string_equal(json_string_value(json_object_get(pm, "name_zh")), "养老+医疗");
    json_t *ins = json_object_get(pm, "insurances");
    assert_int_equal(json_array_size(ins), 2);
    assert_string_equal(json_string_value(json_array_get(ins, 0)), "pension");
    assert_string_equal(json_string_value(json_array_get(ins, 1)), "medical");

    json_t *tiers = json_object_get(r.json, "tiers");
    assert_int_equal(json_array_size(tiers), 3);
    json_t *pension = by_key(tiers, "insurance", "pension");
    assert_string_equal(json_string_value(json_object_get(pension, "insurance_zh")), "养老保险");
    assert_int_equal(json_integer_value(json_object_get(pension, "count")), 5);
    assert_int_equal(json_integer_value(json_object_get(by_key(tiers, "insurance", "medical"), "count")), 3);
    assert_int_equal(json_integer_value(json_object_get(by_key(tiers, "insurance", "housing_fund"), "count")), 3);
    assert_int_equal(base_of(tiers, "pension", 1), 460000);
    assert_int_equal(base_of(tiers, "pension", 5), 1200000);
    assert_int_equal(base_of(tiers, "medical", 3), 800000);
    assert_int_equal(base_of(tiers, "housing_fund", 1), 249000);
    assert_null(by_key(tiers, "insurance", "unemployment"));
    tu_resp_free(&r);
    tu_server_stop(srv);
}

/* On the 17th a change takes effect this month; before 2025-07-01 the bases
 * of the earlier policy period apply. */
static void options_before_deduction_day_and_earlier_policy(void **state) {
    (void)state;
    tu_server *srv = tu_server_start("2025-03-17", 1);
    tu_resp r = options(srv, "Demo@2026");
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "effective_month")), "2025-03");
    json_t *tiers = json_object_get(r.json, "tiers");
    assert_int_equal(base_of(tiers, "pension", 1), 449400);
    assert_int_equal(base_of(tiers, "housing_fund", 2), 449400);
    tu_resp_free(&r);
    tu_server_stop(srv);
}

/* The 18th itself is past the edge: next month. */
static void options_on_deduction_day(void **state) {
    (void)state;
    tu_server *srv = tu_server_start("2026-11-18", 1);
    tu_resp r = options(srv, "Demo@2026");
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "effective_month")), "2026-12");
    tu_resp_free(&r);
    tu_server_stop(srv);
}

static void options_need_sign_in(void **state) {
    (void)state;
    tu_server *srv = tu_server_start("2026-11-20", 0);
    tu_resp r = tu_http(srv, "GET", "/api/v1/flexible/options", NULL, NULL, NULL);
    assert_int_equal(r.status, 401);
    assert_string_equal(tu_err_code(&r), "token_missing");
    tu_resp_free(&r);
    tu_server_stop(srv);
}

/* The terminal's idle sign-out is policy, public before anyone signs in. */
static void terminal_settings_public(void **state) {
    (void)state;
    tu_server *srv = tu_server_start("2026-11-20", 0);
    tu_resp r = tu_http(srv, "GET", "/api/v1/terminal/settings", NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "as_of")), "2026-11-20");
    assert_int_equal(json_integer_value(json_object_get(r.json, "idle_seconds")), 60);
    tu_resp_free(&r);
    r = tu_http(srv, "POST", "/api/v1/terminal/settings", NULL, "{}", NULL);
    assert_int_equal(r.status, 405);
    tu_resp_free(&r);
    tu_server_stop(srv);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(options_after_deduction_day),
        cmocka_unit_test(options_before_deduction_day_and_earlier_policy),
        cmocka_unit_test(options_on_deduction_day),
        cmocka_unit_test(options_need_sign_in),
        cmocka_unit_test(terminal_settings_public),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
