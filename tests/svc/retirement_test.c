/* svc/retirement: the 2025 gradual reform, pinned at every edge of the
 * REFERENCE rules (delay = min(floor(d / step) + 1, cap), d >= 0). */
#include "testutil.h"

#include <string.h>

#include "svc/retirement.h"

static policy *pol;
static date_days today;   /* a business date under the reform */

static int setup(void **state) {
    (void)state;
    err_detail e = {0};
    if (policy_load_dir(tu_source_path("policy"), &pol, &e)) fail_msg("policy: %s", e.message);
    today = date_from_ymd(2026, 1, 15);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    policy_destroy(pol);
    return 0;
}

static retirement_result calc(retirement_kind kind, int y, int m) {
    retirement_result r;
    memset(&r, 0, sizeof r);
    err_detail e = {0};
    err_kind k = retirement_compute(pol, today, kind, (month_ym)(y * 100 + m), &r, &e);
    if (k) fail_msg("retirement_compute %d-%02d: %s %s", y, m, e.code, e.message);
    return r;
}

static void expect(retirement_kind kind, int y, int m, int delay, int age_y, int age_m,
                   month_ym when) {
    retirement_result r = calc(kind, y, m);
    assert_int_equal(r.kind, kind);
    assert_int_equal(r.birth_month, y * 100 + m);
    assert_int_equal(r.delay_months, delay);
    assert_int_equal(r.age_years, age_y);
    assert_int_equal(r.age_months, age_m);
    assert_int_equal(r.retirement_month, when);
}

static void male_first_cohorts(void **state) {
    (void)state;
    expect(RETIRE_MALE, 1964, 12, 0, 60, 0, 202412);   /* last month without delay */
    expect(RETIRE_MALE, 1965, 1, 1, 60, 1, 202502);    /* the +1: 60y1m, not 60y0m */
    expect(RETIRE_MALE, 1965, 4, 1, 60, 1, 202505);    /* d = 3: still one month */
    expect(RETIRE_MALE, 1965, 5, 2, 60, 2, 202507);    /* d = 4: two */
    expect(RETIRE_MALE, 1960, 6, 0, 60, 0, 202006);
}

static void male_cap(void **state) {
    (void)state;
    expect(RETIRE_MALE, 1976, 8, 35, 62, 11, 203907);  /* d = 139 */
    expect(RETIRE_MALE, 1976, 9, 36, 63, 0, 203909);   /* d = 140: the cap */
    expect(RETIRE_MALE, 1976, 12, 36, 63, 0, 203912);
    expect(RETIRE_MALE, 1990, 1, 36, 63, 0, 205301);
}

static void female50(void **state) {
    (void)state;
    expect(RETIRE_FEMALE_50, 1974, 12, 0, 50, 0, 202412);
    expect(RETIRE_FEMALE_50, 1975, 1, 1, 50, 1, 202502);
    expect(RETIRE_FEMALE_50, 1975, 2, 1, 50, 1, 202503);
    expect(RETIRE_FEMALE_50, 1975, 3, 2, 50, 2, 202505);
    expect(RETIRE_FEMALE_50, 1984, 10, 59, 54, 11, 203909);  /* d = 117 */
    expect(RETIRE_FEMALE_50, 1984, 11, 60, 55, 0, 203911);   /* d = 118: the cap of 60 */
    expect(RETIRE_FEMALE_50, 1995, 6, 60, 55, 0, 205006);
}

static void female55(void **state) {
    (void)state;
    expect(RETIRE_FEMALE_55, 1969, 12, 0, 55, 0, 202412);
    expect(RETIRE_FEMALE_55, 1970, 1, 1, 55, 1, 202502);
    expect(RETIRE_FEMALE_55, 1970, 5, 2, 55, 2, 202507);
    expect(RETIRE_FEMALE_55, 1981, 8, 35, 57, 11, 203907);
    expect(RETIRE_FEMALE_55, 1981, 9, 36, 58, 0, 203909);
}

static void min_contribution_by_year(void **state) {
    (void)state;
    struct { retirement_kind k; int y, m; month_ym when; int min; } cases[] = {
        {RETIRE_FEMALE_50, 1978, 1, 202908, 180},   /* 2029: 15 years */
        {RETIRE_MALE, 1969, 1, 203002, 186},        /* 2030: 15y6m */
        {RETIRE_MALE, 1970, 1, 203105, 192},        /* 2031: 16y */
        {RETIRE_MALE, 1975, 6, 203802, 234},        /* 2038: 19y6m */
        {RETIRE_MALE, 1976, 12, 203912, 240},       /* 2039: 20y */
        {RETIRE_MALE, 1982, 1, 204501, 240},        /* 2045: stays at 20y */
        {RETIRE_MALE, 1964, 12, 202412, 180},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        retirement_result r = calc(cases[i].k, cases[i].y, cases[i].m);
        assert_int_equal(r.retirement_month, cases[i].when);
        assert_int_equal(r.min_contribution_months, cases[i].min);
    }
}

/* Before 2025-01-01 the reform's parameters are not in force: no delay, and
 * the minimum is the base 180 months. */
static void before_the_reform(void **state) {
    (void)state;
    retirement_result r;
    err_detail e = {0};
    assert_int_equal(retirement_compute(pol, date_from_ymd(2024, 12, 31), RETIRE_MALE, 196501, &r, &e),
                     ERR_OK);
    assert_int_equal(r.delay_months, 0);
    assert_int_equal(r.retirement_month, 202501);
    assert_int_equal(r.min_contribution_months, 180);
    assert_int_equal(retirement_compute(pol, date_from_ymd(2025, 1, 1), RETIRE_MALE, 196501, &r, &e),
                     ERR_OK);
    assert_int_equal(r.delay_months, 1);
}

/* The numbers come from the policy: a different cohort start moves the edge. */
static void numbers_from_policy(void **state) {
    (void)state;
    const char *doc =
        "{\"params\":["
        "{\"key\":\"retirement.male.original_age_years\",\"from\":\"2000-01-01\",\"value\":62},"
        "{\"key\":\"retirement.male.delay_cohort_start_ym\",\"from\":\"2000-01-01\",\"value\":197001},"
        "{\"key\":\"retirement.male.delay_step_months\",\"from\":\"2000-01-01\",\"value\":3},"
        "{\"key\":\"retirement.male.delay_cap_months\",\"from\":\"2000-01-01\",\"value\":5},"
        "{\"key\":\"retirement.min_contrib.base_months\",\"from\":\"2000-01-01\",\"value\":120}]}";
    policy *p = NULL;
    err_detail e = {0};
    assert_int_equal(policy_parse(doc, &p, &e), ERR_OK);
    retirement_result r;
    assert_int_equal(retirement_compute(p, today, RETIRE_MALE, 196912, &r, &e), ERR_OK);
    assert_int_equal(r.delay_months, 0);
    assert_int_equal(r.age_years, 62);
    assert_int_equal(r.min_contribution_months, 120);
    assert_int_equal(retirement_compute(p, today, RETIRE_MALE, 197003, &r, &e), ERR_OK);
    assert_int_equal(r.delay_months, 1);
    assert_int_equal(retirement_compute(p, today, RETIRE_MALE, 197004, &r, &e), ERR_OK);
    assert_int_equal(r.delay_months, 2);
    assert_int_equal(retirement_compute(p, today, RETIRE_MALE, 198001, &r, &e), ERR_OK);
    assert_int_equal(r.delay_months, 5);
    /* the female groups are absent from this policy: a configuration error */
    assert_int_equal(retirement_compute(p, today, RETIRE_FEMALE_50, 197001, &r, &e), ERR_CONFIG);
    assert_string_equal(e.code, "policy_missing");
    policy_destroy(p);
}

static void kinds_and_bad_input(void **state) {
    (void)state;
    retirement_kind k = RETIRE_KIND_COUNT;
    err_detail e = {0};
    assert_int_equal(retirement_kind_parse("male", &k, &e), ERR_OK);
    assert_int_equal(k, RETIRE_MALE);
    assert_int_equal(retirement_kind_parse("female55", &k, &e), ERR_OK);
    assert_int_equal(k, RETIRE_FEMALE_55);
    assert_int_equal(retirement_kind_parse("female50", &k, &e), ERR_OK);
    assert_int_equal(k, RETIRE_FEMALE_50);
    assert_int_equal(retirement_kind_parse("female", &k, &e), ERR_INVALID);
    assert_string_equal(e.field, "kind");
    assert_int_equal(retirement_kind_parse(NULL, &k, &e), ERR_INVALID);
    assert_string_equal(retirement_kind_name(RETIRE_FEMALE_55), "female55");
    assert_string_equal(retirement_kind_name(RETIRE_MALE), "male");
    assert_int_equal(retirement_kind_for('M', true), RETIRE_MALE);
    assert_int_equal(retirement_kind_for('F', false), RETIRE_FEMALE_50);
    assert_int_equal(retirement_kind_for('F', true), RETIRE_FEMALE_55);
    retirement_result r;
    memset(&r, 0x5a, sizeof r);
    retirement_result before = r;
    assert_int_equal(retirement_compute(pol, today, RETIRE_MALE, 196513, &r, &e), ERR_INVALID);
    assert_int_equal(retirement_compute(pol, today, RETIRE_KIND_COUNT, 196501, &r, &e), ERR_INVALID);
    assert_memory_equal(&r, &before, sizeof r);   /* outputs untouched on failure */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(male_first_cohorts),
        cmocka_unit_test(male_cap),
        cmocka_unit_test(female50),
        cmocka_unit_test(female55),
        cmocka_unit_test(min_contribution_by_year),
        cmocka_unit_test(before_the_reform),
        cmocka_unit_test(numbers_from_policy),
        cmocka_unit_test(kinds_and_bad_input),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
