/* The public calculators over HTTP: no sign-in. */
#include <string.h>

#include "testutil.h"

static tu_server *srv;

static int setup(void **state) {
    srv = tu_server_start("2026-11-23", 0);
    return 0;
}

static int teardown(void **state) {
    tu_server_stop(srv);
    return 0;
}

static void expect_date(const char *path, const char *date) {
    tu_resp r = tu_http(srv, "GET", path, NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "date")), date);
    tu_resp_free(&r);
}

static void workdays_across_national_day(void **state) {
    /* 2026-10-01..07 off; 10-10 (Sat) is a make-up working day */
    expect_date("/api/v1/workdays/add?from=2026-09-30&days=1", "2026-10-08");
    expect_date("/api/v1/workdays/add?from=2026-09-30&days=3", "2026-10-10");
    expect_date("/api/v1/workdays/add?from=2026-09-30&days=4", "2026-10-12");
    tu_resp r = tu_http(srv, "GET", "/api/v1/workdays/add?from=2026-09-30&days=1", NULL, NULL, NULL);
    assert_string_equal(json_string_value(json_object_get(r.json, "from")), "2026-09-30");
    assert_int_equal(json_integer_value(json_object_get(r.json, "days")), 1);
    tu_resp_free(&r);
}

static void workdays_zero_days(void **state) {
    expect_date("/api/v1/workdays/add?from=2026-11-23&days=0", "2026-11-23");  /* Monday */
    expect_date("/api/v1/workdays/add?from=2026-11-21&days=0", "2026-11-23");  /* Saturday */
}

static void workdays_bad_input(void **state) {
    static const struct { const char *path; long status; const char *code; } cases[] = {
        {"/api/v1/workdays/add?days=1", 400, "missing_field"},
        {"/api/v1/workdays/add?from=2026-09-30", 400, "missing_field"},
        {"/api/v1/workdays/add?from=2026-02-30&days=1", 400, "invalid_date"},
        {"/api/v1/workdays/add?from=2026-9-30&days=1", 400, "invalid_date"},
        {"/api/v1/workdays/add?from=2026-09-30&days=-1", 400, "invalid_field"},
        {"/api/v1/workdays/add?from=2026-09-30&days=abc", 400, "invalid_field"},
        {"/api/v1/workdays/add?from=2026-09-30&days=367", 400, "invalid_field"},
        {"/api/v1/workdays/add?from=2031-01-05&days=1", 422, "calendar_year_missing"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tu_resp r = tu_http(srv, "GET", cases[i].path, NULL, NULL, NULL);
        if (r.status != cases[i].status) fail_msg("%s: %ld %s", cases[i].path, r.status, r.body);
        assert_string_equal(tu_err_code(&r), cases[i].code);
        const char *msg = json_string_value(json_object_get(json_object_get(r.json, "error"), "message"));
        assert_non_null(msg);
        assert_true(strlen(msg) > 0);
        tu_resp_free(&r);
    }
}

static void id_number_valid(void **state) {
    tu_resp r = tu_http(srv, "GET", "/api/v1/id-numbers/11010519491231002X", NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_true(json_is_true(json_object_get(r.json, "valid")));
    assert_string_equal(json_string_value(json_object_get(r.json, "kind")), "resident");
    assert_string_equal(json_string_value(json_object_get(r.json, "birth_date")), "1949-12-31");
    assert_string_equal(json_string_value(json_object_get(r.json, "sex")), "F");
    tu_resp_free(&r);
    r = tu_http(srv, "GET", "/api/v1/id-numbers/11010519491231002x", NULL, NULL, NULL);
    assert_true(json_is_true(json_object_get(r.json, "valid")));
    tu_resp_free(&r);
}

static void id_number_invalid(void **state) {
    static const struct { const char *n; const char *code; } cases[] = {
        {"110105194912310021", "idno_check_char"},
        {"11010519491231002", "idno_length"},
        {"11010519490231002X", "idno_birth_date"},
        {"1101051949123100AX", "idno_charset"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "/api/v1/id-numbers/%s", cases[i].n);
        tu_resp r = tu_http(srv, "GET", path, NULL, NULL, NULL);
        assert_int_equal(r.status, 200);
        assert_true(json_is_false(json_object_get(r.json, "valid")));
        if (strcmp(json_string_value(json_object_get(r.json, "code")), cases[i].code) != 0)
            fail_msg("%s: %s", cases[i].n, r.body);
        assert_non_null(json_string_value(json_object_get(r.json, "message")));
        tu_resp_free(&r);
    }
}

static void id_number_other_documents(void **state) {
    tu_resp r = tu_http(srv, "GET", "/api/v1/id-numbers/H12345678?kind=hkmo_permit", NULL, NULL, NULL);
    assert_true(json_is_true(json_object_get(r.json, "valid")));
    assert_string_equal(json_string_value(json_object_get(r.json, "kind")), "hkmo_permit");
    tu_resp_free(&r);
    r = tu_http(srv, "GET", "/api/v1/id-numbers/X12345678?kind=hkmo_permit", NULL, NULL, NULL);
    assert_true(json_is_false(json_object_get(r.json, "valid")));
    tu_resp_free(&r);
    r = tu_http(srv, "GET", "/api/v1/id-numbers/H12345678?kind=driving_licence", NULL, NULL, NULL);
    assert_int_equal(r.status, 400);
    tu_resp_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(workdays_across_national_day),
        cmocka_unit_test(workdays_zero_days),
        cmocka_unit_test(workdays_bad_input),
        cmocka_unit_test(id_number_valid),
        cmocka_unit_test(id_number_invalid),
        cmocka_unit_test(id_number_other_documents),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
