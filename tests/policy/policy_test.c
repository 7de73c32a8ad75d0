/* Tests of src/policy/policy.c: loading and validating policy files, lookup by
 * key and date at the edges of periods, and the repository's default policy. */
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "policy/policy.h"

/* ---- helpers ---- */

static date_days D(const char *s) {
    date_days d = 0;
    err_detail e;
    err_clear(&e);
    assert_int_equal(date_parse(s, "test", &d, &e), ERR_OK);
    return d;
}

/* JSON written with single quotes for readability: ' becomes ". */
static char *dq(const char *text) {
    char *s = strdup(text);
    assert_non_null(s);
    for (char *c = s; *c; c++)
        if (*c == '\'') *c = '"';
    return s;
}

static policy *parse_ok(const char *text) {
    char *s = dq(text);
    policy *p = NULL;
    err_detail e;
    err_clear(&e);
    err_kind k = policy_parse(s, &p, &e);
    if (k != ERR_OK) fail_msg("policy_parse: %s %s", e.code, e.message);
    free(s);
    assert_non_null(p);
    return p;
}

/* Parses text that must be refused; returns the detail. */
static err_detail parse_bad(const char *text) {
    char *s = dq(text);
    policy *sentinel = (policy *)(uintptr_t)0x1;
    policy *p = sentinel;
    err_detail e;
    err_clear(&e);
    err_kind k = policy_parse(s, &p, &e);
    free(s);
    assert_int_equal(k, ERR_CONFIG);
    assert_int_equal(e.kind, ERR_CONFIG);
    assert_ptr_equal(p, sentinel); /* output untouched */
    return e;
}

static void assert_contains(const char *hay, const char *needle) {
    if (!strstr(hay, needle)) fail_msg("\"%s\" does not contain \"%s\"", hay, needle);
}

static int64_t get_int(const policy *p, const char *key, const char *date) {
    int64_t v = -12345;
    err_detail e;
    err_clear(&e);
    err_kind k = policy_get_int(p, key, D(date), &v, &e);
    if (k != ERR_OK) fail_msg("policy_get_int %s %s: %s %s", key, date, e.code, e.message);
    return v;
}

static void assert_missing(const policy *p, const char *key, const char *date) {
    int64_t v = 777;
    err_detail e;
    err_clear(&e);
    assert_int_equal(policy_get_int(p, key, D(date), &v, &e), ERR_CONFIG);
    assert_string_equal(e.code, "policy_missing");
    assert_string_equal(e.field, key);
    char want[256];
    snprintf(want, sizeof want, "缺少政策参数 %s（%s 适用）", key, date);
    assert_string_equal(e.message, want);
    assert_int_equal(v, 777);
    assert_false(policy_has(p, key, D(date)));
}

static void write_file(const char *dir, const char *name, const char *text) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    char *s = dq(text);
    assert_int_equal(fputs(s, f) >= 0, 1);
    free(s);
    assert_int_equal(fclose(f), 0);
}

static policy *load_repo(void) {
    policy *p = NULL;
    err_detail e;
    err_clear(&e);
    err_kind k = policy_load_dir(tu_source_path("policy"), &p, &e);
    if (k != ERR_OK) fail_msg("policy_load_dir: %s %s", e.code, e.message);
    assert_non_null(p);
    return p;
}

/* ---- the repository's default policy ---- */

static void test_repo_contribution_base_periods(void **state) {
    (void)state;
    policy *p = load_repo();
    assert_true(policy_param_count(p) >= 90);
    /* first day, inside, last day of the 2024 period */
    assert_int_equal(get_int(p, "contrib.base.lower_fen", "2024-07-01"), 449400);
    assert_int_equal(get_int(p, "contrib.base.lower_fen", "2025-01-15"), 449400);
    assert_int_equal(get_int(p, "contrib.base.lower_fen", "2025-06-30"), 449400);
    assert_int_equal(get_int(p, "contrib.base.upper_fen", "2024-07-01"), 2404200);
    assert_int_equal(get_int(p, "contrib.base.upper_fen", "2025-06-30"), 2404200);
    /* the following, open-ended period */
    int64_t lower25 = get_int(p, "contrib.base.lower_fen", "2025-07-01");
    int64_t upper25 = get_int(p, "contrib.base.upper_fen", "2030-12-31");
    assert_true(lower25 >= 449400 && lower25 <= 500000);
    assert_true(upper25 >= 2404200 && upper25 <= 2600000);
    /* before the first period */
    assert_missing(p, "contrib.base.lower_fen", "2024-06-30");
    policy_destroy(p);
}

static void test_repo_rates(void **state) {
    (void)state;
    policy *p = load_repo();
    const char *on = "2025-03-10";
    assert_int_equal(get_int(p, "pension.unit_rate_bp", on), 1600);
    assert_int_equal(get_int(p, "pension.personal_rate_bp", on), 800);
    assert_int_equal(get_int(p, "medical.unit_rate_bp", on), 750);
    assert_int_equal(get_int(p, "medical.personal_rate_bp", on), 200);
    assert_int_equal(get_int(p, "unemployment.unit_rate_bp", on), 50);
    assert_int_equal(get_int(p, "unemployment.personal_rate_bp", on), 50);
    assert_int_equal(get_int(p, "housing_fund.rate_min_bp", on), 500);
    assert_int_equal(get_int(p, "housing_fund.rate_max_bp", on), 1200);
    assert_int_equal(get_int(p, "housing_fund.rate_default_bp", on), 1000);
    assert_int_equal(get_int(p, "min_wage_fen", on), 249000);
    assert_int_equal(get_int(p, "unemployment.benefit_pct_of_min_wage", on), 90);
    assert_int_equal(get_int(p, "late_fee.daily_rate_ppm", on), 500);
    assert_int_equal(get_int(p, "hf.deposit_interest_bp", on), 150);
    assert_int_equal(get_int(p, "auth.lock_after_failures", on), 5);
    assert_int_equal(get_int(p, "auth.lock_minutes", on), 15);
    assert_int_equal(get_int(p, "auth.password_min_length", on), 8);
    assert_int_equal(get_int(p, "appointment.window_workdays", on), 5);
    assert_int_equal(get_int(p, "enrolment.deadline_days", on), 30);
    assert_int_equal(get_int(p, "maternity.leave_base_days", on) +
                         get_int(p, "maternity.leave_extra_local_days", on),
                     158);
    assert_int_equal(get_int(p, "maternity.paternity.min_consecutive_months", on), 10);
    policy_destroy(p);
}

static void test_repo_loan_rates_change_on_2025_05_08(void **state) {
    (void)state;
    policy *p = load_repo();
    assert_int_equal(get_int(p, "hf.loan.first_home.rate_le5y_ppm", "2025-05-07"), 23500);
    assert_int_equal(get_int(p, "hf.loan.first_home.rate_le5y_ppm", "2025-05-08"), 21000);
    assert_int_equal(get_int(p, "hf.loan.first_home.rate_gt5y_ppm", "2025-05-07"), 28500);
    assert_int_equal(get_int(p, "hf.loan.first_home.rate_gt5y_ppm", "2025-05-08"), 26000);
    assert_int_equal(get_int(p, "hf.loan.second_home.rate_le5y_ppm", "2025-05-07"), 27750);
    assert_int_equal(get_int(p, "hf.loan.second_home.rate_le5y_ppm", "2025-05-08"), 25250);
    assert_int_equal(get_int(p, "hf.loan.second_home.rate_gt5y_ppm", "2025-05-07"), 33250);
    assert_int_equal(get_int(p, "hf.loan.second_home.rate_gt5y_ppm", "2025-05-08"), 30750);
    /* first day of the 2024 period, and the day before it */
    assert_int_equal(get_int(p, "hf.loan.first_home.rate_gt5y_ppm", "2024-05-18"), 28500);
    assert_missing(p, "hf.loan.first_home.rate_gt5y_ppm", "2024-05-17");
    policy_destroy(p);
}

static void test_repo_tables(void **state) {
    (void)state;
    policy *p = load_repo();
    date_days on = D("2025-09-01");
    err_detail e;
    err_clear(&e);

    const json_t *rates = NULL;
    assert_int_equal(policy_get_json(p, "injury.class_rates_bp", on, &rates, &e), ERR_OK);
    assert_true(json_is_array(rates));
    assert_int_equal(json_array_size(rates), 8);
    static const int64_t want_rates[8] = {20, 40, 70, 90, 110, 130, 160, 190};
    for (size_t i = 0; i < 8; i++) {
        int64_t v = 0;
        assert_int_equal(policy_get_int_item(p, "injury.class_rates_bp", on, i, &v, &e), ERR_OK);
        assert_int_equal(v, want_rates[i]);
    }
    int64_t v = 0;
    assert_int_equal(policy_get_int_item(p, "injury.class_rates_bp", on, 8, &v, &e), ERR_CONFIG);
    assert_string_equal(e.code, "policy_missing");

    static const int64_t want_months[10] = {27, 25, 23, 21, 18, 16, 13, 11, 9, 7};
    for (size_t i = 0; i < 10; i++) {
        assert_int_equal(
            policy_get_int_item(p, "injury.disability_subsidy_months_by_grade", on, i, &v, &e),
            ERR_OK);
        assert_int_equal(v, want_months[i]);
    }
    static const int64_t want_pct[6] = {90, 85, 80, 75, 70, 60};
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(
            policy_get_int_item(p, "injury.monthly_allowance_pct_by_grade", on, i, &v, &e),
            ERR_OK);
        assert_int_equal(v, want_pct[i]);
    }
    assert_int_equal(get_int(p, "injury.national_urban_income_per_capita_fen", "2025-09-01"),
                     5418800);

    /* pension months divisor: the whole table of 国发〔2005〕38号 */
    static const int64_t divisor[31] = {233, 230, 226, 223, 220, 216, 212, 208, 204, 199, 195,
                                        190, 185, 180, 175, 170, 164, 158, 152, 145, 139, 132,
                                        125, 117, 109, 101, 93,  84,  75,  65,  56};
    for (int age = 40; age <= 70; age++) {
        char name[8];
        snprintf(name, sizeof name, "%d", age);
        assert_int_equal(policy_get_int_member(p, "pension.months_divisor_by_age", on, name, &v, &e),
                         ERR_OK);
        assert_int_equal(v, divisor[age - 40]);
    }
    assert_int_equal(policy_get_int_member(p, "pension.months_divisor_by_age", on, "39", &v, &e),
                     ERR_CONFIG);
    assert_string_equal(e.code, "policy_missing");
    /* an object is not an array */
    assert_int_equal(policy_get_int_item(p, "pension.months_divisor_by_age", on, 0, &v, &e),
                     ERR_CONFIG);
    assert_string_equal(e.code, "policy_type");

    const json_t *tiers = NULL;
    assert_int_equal(policy_get_json(p, "unemployment.benefit_months_tiers", on, &tiers, &e),
                     ERR_OK);
    assert_int_equal(json_array_size(tiers), 3);
    static const int64_t years[3] = {1, 5, 10}, months[3] = {12, 18, 24};
    for (size_t i = 0; i < 3; i++) {
        const json_t *t = json_array_get(tiers, i);
        assert_int_equal(json_integer_value(json_object_get(t, "min_contrib_years")), years[i]);
        assert_int_equal(json_integer_value(json_object_get(t, "benefit_months")), months[i]);
    }
    policy_destroy(p);
}

static void test_repo_retirement(void **state) {
    (void)state;
    policy *p = load_repo();
    const char *on = "2025-06-01";
    assert_int_equal(get_int(p, "retirement.male.original_age_years", on), 60);
    assert_int_equal(get_int(p, "retirement.male.delay_cohort_start_ym", on), 196501);
    assert_int_equal(get_int(p, "retirement.male.delay_step_months", on), 4);
    assert_int_equal(get_int(p, "retirement.male.delay_cap_months", on), 36);
    assert_int_equal(get_int(p, "retirement.female_cadre.original_age_years", on), 55);
    assert_int_equal(get_int(p, "retirement.female_cadre.delay_cohort_start_ym", on), 197001);
    assert_int_equal(get_int(p, "retirement.female_cadre.delay_step_months", on), 4);
    assert_int_equal(get_int(p, "retirement.female_cadre.delay_cap_months", on), 36);
    assert_int_equal(get_int(p, "retirement.female_worker.original_age_years", on), 50);
    assert_int_equal(get_int(p, "retirement.female_worker.delay_cohort_start_ym", on), 197501);
    assert_int_equal(get_int(p, "retirement.female_worker.delay_step_months", on), 2);
    assert_int_equal(get_int(p, "retirement.female_worker.delay_cap_months", on), 60);
    /* minimum contribution months by retirement year, from the formula parameters */
    int64_t base = get_int(p, "retirement.min_contrib.base_months", on);
    int64_t from_year = get_int(p, "retirement.min_contrib.raise_from_year", on);
    int64_t step = get_int(p, "retirement.min_contrib.raise_step_months", on);
    int64_t max = get_int(p, "retirement.min_contrib.max_months", on);
    static const struct { int64_t year, months; } want[] = {
        {2025, 180}, {2029, 180}, {2030, 186}, {2031, 192}, {2038, 234}, {2039, 240}, {2045, 240}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int64_t m = base;
        if (want[i].year >= from_year) m = base + (want[i].year - from_year + 1) * step;
        if (m > max) m = max;
        assert_int_equal(m, want[i].months);
    }
    /* the reform's delay parameters did not exist before 2025 */
    assert_missing(p, "retirement.male.delay_step_months", "2024-12-31");
    policy_destroy(p);
}

static void test_repo_strings(void **state) {
    (void)state;
    policy *p = load_repo();
    static const char *const ins[] = {"pension", "medical", "unemployment", "injury",
                                      "housing_fund"};
    for (size_t i = 0; i < sizeof ins / sizeof ins[0]; i++) {
        char key[64];
        snprintf(key, sizeof key, "%s.rounding", ins[i]);
        const char *s = NULL;
        err_detail e;
        err_clear(&e);
        assert_int_equal(policy_get_str(p, key, D("2025-01-01"), &s, &e), ERR_OK);
        assert_string_equal(s, "half_up");
    }
    policy_destroy(p);
}

/* Every parameter of the default file has a note, and ints are not negative. */
static void test_repo_every_param_documented(void **state) {
    (void)state;
    policy *p = load_repo();
    json_t *all = policy_to_json(p);
    assert_non_null(all);
    assert_int_equal(json_array_size(all), policy_param_count(p));
    char *readme = tu_read_file(tu_source_path("policy/README.md"), NULL);
    assert_non_null(readme);
    size_t i;
    json_t *o;
    json_array_foreach(all, i, o) {
        const char *key = json_string_value(json_object_get(o, "key"));
        assert_non_null(key);
        const char *note = json_string_value(json_object_get(o, "note"));
        if (!note || !*note) fail_msg("%s has no note", key);
        json_t *v = json_object_get(o, "value");
        if (json_is_integer(v) && json_integer_value(v) < 0) fail_msg("%s is negative", key);
        char quoted[80];
        snprintf(quoted, sizeof quoted, "`%s`", key);
        if (!strstr(readme, quoted)) fail_msg("policy/README.md does not list %s", key);
    }
    free(readme);
    json_decref(all);
    policy_destroy(p);
}

/* ---- lookup edges ---- */

static const char *const periods_text =
    "{'params':["
    " {'key':'x.a_fen','from':'2024-01-01','to':'2024-06-30','value':100,'note':'first'},"
    " {'key':'x.a_fen','from':'2024-09-01','to':'2024-12-31','value':300},"
    " {'key':'x.a_fen','from':'2024-07-01','to':'2024-08-31','value':200},"
    " {'key':'x.b','from':'2024-01-01','value':true},"
    " {'key':'x.c','from':'2024-01-01','to':null,'value':'text'},"
    " {'key':'x.d','from':'2024-01-01','value':{'k':[1,2]}},"
    " {'key':'x.a_fe','from':'2020-01-01','value':1},"
    " {'key':'x.a_fen0','from':'2020-01-01','value':2}"
    "]}";

static void test_period_edges(void **state) {
    (void)state;
    policy *p = parse_ok(periods_text);
    assert_int_equal(policy_param_count(p), 8);
    assert_missing(p, "x.a_fen", "2023-12-31");
    assert_int_equal(get_int(p, "x.a_fen", "2024-01-01"), 100);
    assert_int_equal(get_int(p, "x.a_fen", "2024-06-30"), 100);
    assert_int_equal(get_int(p, "x.a_fen", "2024-07-01"), 200);
    assert_int_equal(get_int(p, "x.a_fen", "2024-08-31"), 200);
    assert_int_equal(get_int(p, "x.a_fen", "2024-09-01"), 300);
    assert_int_equal(get_int(p, "x.a_fen", "2024-12-31"), 300);
    /* the day after a closed period */
    assert_missing(p, "x.a_fen", "2025-01-01");
    assert_missing(p, "x.a_fen", "2100-01-01");
    /* neighbours in sort order do not leak into each other */
    assert_int_equal(get_int(p, "x.a_fe", "2025-01-01"), 1);
    assert_int_equal(get_int(p, "x.a_fen0", "2025-01-01"), 2);
    assert_missing(p, "x.a", "2024-03-01");
    assert_missing(p, "a", "2024-03-01");
    assert_missing(p, "zzz", "2024-03-01");
    assert_true(policy_has(p, "x.b", D("2199-12-31")));
    policy_destroy(p);
}

static void test_gap_between_periods(void **state) {
    (void)state;
    policy *p = parse_ok("{'params':["
                         " {'key':'g','from':'2024-01-01','to':'2024-01-31','value':1},"
                         " {'key':'g','from':'2024-03-01','value':3}]}");
    assert_int_equal(get_int(p, "g", "2024-01-31"), 1);
    assert_missing(p, "g", "2024-02-01");
    assert_missing(p, "g", "2024-02-29");
    assert_int_equal(get_int(p, "g", "2024-03-01"), 3);
    policy_destroy(p);
}

static void test_bool_string_json(void **state) {
    (void)state;
    policy *p = parse_ok(periods_text);
    date_days on = D("2024-05-05");
    err_detail e;
    err_clear(&e);
    bool b = false;
    assert_int_equal(policy_get_bool(p, "x.b", on, &b, &e), ERR_OK);
    assert_true(b);
    const char *s = NULL;
    assert_int_equal(policy_get_str(p, "x.c", on, &s, &e), ERR_OK);
    assert_string_equal(s, "text");
    const json_t *j = NULL;
    assert_int_equal(policy_get_json(p, "x.d", on, &j, &e), ERR_OK);
    assert_true(json_is_object(j));
    assert_int_equal(json_integer_value(json_array_get(json_object_get(j, "k"), 1)), 2);
    /* json of any type */
    assert_int_equal(policy_get_json(p, "x.a_fen", on, &j, &e), ERR_OK);
    assert_int_equal(json_integer_value(j), 100);
    /* missing, through every getter */
    assert_int_equal(policy_get_bool(p, "x.b", D("2023-12-31"), &b, &e), ERR_CONFIG);
    assert_string_equal(e.code, "policy_missing");
    assert_int_equal(policy_get_str(p, "nope", on, &s, &e), ERR_CONFIG);
    assert_string_equal(e.code, "policy_missing");
    assert_string_equal(e.field, "nope");
    j = NULL;
    assert_int_equal(policy_get_json(p, "nope", on, &j, &e), ERR_CONFIG);
    assert_null(j);
    policy_destroy(p);

    p = parse_ok("{'params':[{'key':'f','from':'2024-01-01','value':false}]}");
    b = true;
    assert_int_equal(policy_get_bool(p, "f", on, &b, &e), ERR_OK);
    assert_false(b);
    policy_destroy(p);
}

static void test_type_mismatch(void **state) {
    (void)state;
    policy *p = parse_ok(periods_text);
    date_days on = D("2024-05-05");
    err_detail e;
    err_clear(&e);

    int64_t v = 99;
    assert_int_equal(policy_get_int(p, "x.c", on, &v, &e), ERR_CONFIG);
    assert_string_equal(e.code, "policy_type");
    assert_string_equal(e.field, "x.c");
    assert_contains(e.message, "x.c");
    assert_contains(e.message, "整数");
    assert_contains(e.message, "字符串");
    assert_int_equal(v, 99);

    assert_int_equal(policy_get_int(p, "x.b", on, &v, &e), ERR_CONFIG);
    assert_string_equal(e.code, "policy_type");

    bool b = false;
    err_clear(&e);
    assert_int_equal(policy_get_bool(p, "x.a_fen", on, &b, &e), ERR_CONFIG);
    assert_string_equal(e.code, "policy_type");

    const char *s = "untouched";
    err_clear(&e);
    assert_int_equal(policy_get_str(p, "x.a_fen", on, &s, &e), ERR_CONFIG);
    assert_string_equal(e.code, "policy_type");
    assert_string_equal(s, "untouched");

    err_clear(&e);
    assert_int_equal(policy_get_str(p, "x.d", on, &s, &e), ERR_CONFIG);
    assert_string_equal(e.code, "policy_type");

    err_clear(&e);
    assert_int_equal(policy_get_int_member(p, "x.d", on, "k", &v, &e), ERR_CONFIG);
    assert_string_equal(e.code, "policy_type");
    assert_int_equal(v, 99);
    err_clear(&e);
    assert_int_equal(policy_get_int_item(p, "x.c", on, 0, &v, &e), ERR_CONFIG);
    assert_string_equal(e.code, "policy_type");
    policy_destroy(p);
}

/* ---- validation ---- */

static void test_overlap_refused(void **state) {
    (void)state;
    err_detail e = parse_bad("{'params':["
                             " {'key':'ov.k','from':'2024-01-01','to':'2024-12-31','value':1},"
                             " {'key':'ov.k','from':'2024-12-31','value':2}]}");
    assert_string_equal(e.code, "policy_overlap");
    assert_string_equal(e.field, "ov.k");
    assert_contains(e.message, "ov.k");
    assert_contains(e.message, "2024-01-01～2024-12-31");
    assert_contains(e.message, "2024-12-31～不限");

    /* an open-ended period swallows a later one, whatever the file order */
    e = parse_bad("{'params':["
                  " {'key':'ov.k','from':'2025-03-01','to':'2025-04-01','value':2},"
                  " {'key':'ov.k','from':'2020-01-01','value':1}]}");
    assert_string_equal(e.code, "policy_overlap");
    assert_contains(e.message, "2020-01-01～不限");
    assert_contains(e.message, "2025-03-01～2025-04-01");

    /* same start */
    e = parse_bad("{'params':["
                  " {'key':'s','from':'2020-01-01','to':'2020-01-01','value':1},"
                  " {'key':'s','from':'2020-01-01','to':'2020-01-01','value':1}]}");
    assert_string_equal(e.code, "policy_overlap");

    /* adjacent periods and other keys with the same dates are fine */
    policy *p = parse_ok("{'params':["
                         " {'key':'ov.k','from':'2024-01-01','to':'2024-12-31','value':1},"
                         " {'key':'ov.k','from':'2025-01-01','value':2},"
                         " {'key':'ov.j','from':'2024-01-01','value':3}]}");
    assert_int_equal(get_int(p, "ov.k", "2024-12-31"), 1);
    assert_int_equal(get_int(p, "ov.k", "2025-01-01"), 2);
    policy_destroy(p);
}

static void test_unknown_member_refused(void **state) {
    (void)state;
    err_detail e = parse_bad("{'params':["
                             " {'key':'ok','from':'2024-01-01','value':1},"
                             " {'key':'bad.one','from':'2024-01-01','value':1,'vaule':2}]}");
    assert_string_equal(e.code, "policy_parse");
    assert_contains(e.message, "(text)");
    assert_contains(e.message, "params[1]");
    assert_contains(e.message, "bad.one");
    assert_contains(e.message, "vaule");

    e = parse_bad("{'params':[],'extra':1}");
    assert_string_equal(e.code, "policy_parse");
    assert_contains(e.message, "extra");

    /* a top-level note is allowed */
    policy *p = parse_ok("{'note':'n','params':[{'key':'a','from':'2024-01-01','value':1}]}");
    policy_destroy(p);
}

static void test_bad_dates_refused(void **state) {
    (void)state;
    static const char *const bad[] = {
        "{'params':[{'key':'d.k','from':'2025-02-29','value':1}]}",
        "{'params':[{'key':'d.k','from':'2025-2-01','value':1}]}",
        "{'params':[{'key':'d.k','from':'20250201','value':1}]}",
        "{'params':[{'key':'d.k','from':20250201,'value':1}]}",
        "{'params':[{'key':'d.k','from':'2025-01-01 ','value':1}]}",
        "{'params':[{'key':'d.k','value':1}]}",
        "{'params':[{'key':'d.k','from':'2025-01-01','to':'2025-13-01','value':1}]}",
        "{'params':[{'key':'d.k','from':'2025-01-01','to':5,'value':1}]}",
        /* to before from */
        "{'params':[{'key':'d.k','from':'2025-01-02','to':'2025-01-01','value':1}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err_detail e = parse_bad(bad[i]);
        assert_string_equal(e.code, "policy_parse");
        assert_string_equal(e.field, "d.k");
        assert_contains(e.message, "d.k");
        assert_contains(e.message, "params[0]");
    }
    /* a one-day period is fine */
    policy *p = parse_ok("{'params':[{'key':'d.k','from':'2024-02-29','to':'2024-02-29','value':1}]}");
    assert_int_equal(get_int(p, "d.k", "2024-02-29"), 1);
    assert_missing(p, "d.k", "2024-03-01");
    policy_destroy(p);
}

static void test_bad_documents_refused(void **state) {
    (void)state;
    static const char *const bad[] = {
        "",
        "{",
        "[]",
        "{}",
        "{'params':{}}",
        "{'params':[1]}",
        "{'params':[{'from':'2024-01-01','value':1}]}",
        "{'params':[{'key':5,'from':'2024-01-01','value':1}]}",
        "{'params':[{'key':'Upper.case','from':'2024-01-01','value':1}]}",
        "{'params':[{'key':'has space','from':'2024-01-01','value':1}]}",
        "{'params':[{'key':'dash-key','from':'2024-01-01','value':1}]}",
        "{'params':[{'key':'','from':'2024-01-01','value':1}]}",
        "{'params':[{'key':'.lead','from':'2024-01-01','value':1}]}",
        "{'params':[{'key':'a..b','from':'2024-01-01','value':1}]}",
        "{'params':[{'key':'a','from':'2024-01-01'}]}",
        "{'params':[{'key':'a','from':'2024-01-01','value':null}]}",
        "{'params':[{'key':'a','from':'2024-01-01','value':0.5}]}",
        "{'params':[{'key':'a','from':'2024-01-01','value':1,'note':3}]}",
        /* duplicate members */
        "{'params':[{'key':'a','key':'b','from':'2024-01-01','value':1}]}",
        "{'note':'x','params':[],'params':[]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err_detail e = parse_bad(bad[i]);
        if (strcmp(e.code, "policy_parse") != 0) fail_msg("case %zu: code %s", i, e.code);
    }
    /* a key of 64 characters is too long, 63 is fine */
    char text[512];
    char key[65];
    memset(key, 'k', 64);
    key[64] = '\0';
    snprintf(text, sizeof text, "{'params':[{'key':'%s','from':'2024-01-01','value':1}]}", key);
    err_detail e = parse_bad(text);
    assert_string_equal(e.code, "policy_parse");
    key[63] = '\0';
    snprintf(text, sizeof text, "{'params':[{'key':'%s','from':'2024-01-01','value':1}]}", key);
    policy *p = parse_ok(text);
    assert_int_equal(get_int(p, key, "2024-01-01"), 1);
    policy_destroy(p);
}

static void test_param_limit(void **state) {
    (void)state;
    size_t n = LIMIT_POLICY_PARAMS_MAX + 1;
    size_t cap = n * 64 + 64;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t len = (size_t)snprintf(text, cap, "{\"params\":[");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, cap - len,
                                "%s{\"key\":\"k%zu\",\"from\":\"2024-01-01\",\"value\":%zu}",
                                i ? "," : "", i, i);
    len += (size_t)snprintf(text + len, cap - len, "]}");
    assert_true(len < cap);
    policy *p = NULL;
    err_detail e;
    err_clear(&e);
    assert_int_equal(policy_parse(text, &p, &e), ERR_CONFIG);
    assert_string_equal(e.code, "policy_parse");
    assert_null(p);
    /* exactly at the limit is accepted */
    char *last = strrchr(text, '{');
    assert_non_null(last);
    last[-1] = ']';
    last[0] = '}';
    last[1] = '\0';
    assert_int_equal(policy_parse(text, &p, &e), ERR_OK);
    assert_int_equal(policy_param_count(p), LIMIT_POLICY_PARAMS_MAX);
    assert_int_equal(get_int(p, "k4095", "2024-01-01"), 4095);
    policy_destroy(p);
    free(text);
}

/* ---- directories ---- */

static void test_dir_order_and_ignored_files(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    assert_non_null(dir);
    write_file(dir, "b.json", "{'params':[{'key':'k','from':'2025-01-01','value':2}]}");
    write_file(dir, "a.json", "{'params':[{'key':'k','from':'2024-01-01','to':'2024-12-31',"
                              "'value':1}]}");
    write_file(dir, "holidays.tsv", "2025\t01-01\tnot json at all\n");
    write_file(dir, "README.md", "# not json {\n");
    write_file(dir, "c.json.bak", "{broken");
    policy *p = NULL;
    err_detail e;
    err_clear(&e);
    assert_int_equal(policy_load_dir(dir, &p, &e), ERR_OK);
    assert_int_equal(policy_param_count(p), 2);
    assert_int_equal(get_int(p, "k", "2024-12-31"), 1);
    assert_int_equal(get_int(p, "k", "2025-01-01"), 2);
    policy_destroy(p);

    /* overlap across files names both files */
    write_file(dir, "c.json", "{'params':[{'key':'z','from':'2024-01-01','value':0},"
                              "{'key':'k','from':'2024-06-01','to':'2024-06-30','value':3}]}");
    p = NULL;
    assert_int_equal(policy_load_dir(dir, &p, &e), ERR_CONFIG);
    assert_null(p);
    assert_string_equal(e.code, "policy_overlap");
    assert_contains(e.message, "a.json");
    assert_contains(e.message, "c.json");
    assert_contains(e.message, "第 2 项");

    /* a broken file names itself */
    write_file(dir, "c.json", "{'params':[{'key':'z','from':'2024-01-01','value':0},"
                              "{'key':'q','from':'2024-06-31','value':3}]}");
    assert_int_equal(policy_load_dir(dir, &p, &e), ERR_CONFIG);
    assert_string_equal(e.code, "policy_parse");
    assert_contains(e.message, "c.json");
    assert_contains(e.message, "params[1]");
    assert_contains(e.message, "q");

    write_file(dir, "c.json", "{'params':[");
    assert_int_equal(policy_load_dir(dir, &p, &e), ERR_CONFIG);
    assert_string_equal(e.code, "policy_parse");
    assert_contains(e.message, "c.json");
    assert_null(p);
    tu_rmtree(dir);
    free(dir);
}

static void test_dir_errors(void **state) {
    (void)state;
    policy *p = NULL;
    err_detail e;
    err_clear(&e);
    assert_int_equal(policy_load_dir("/nonexistent/sipf/policy", &p, &e), ERR_CONFIG);
    assert_null(p);

    char *dir = tu_mkdtemp();
    assert_non_null(dir);
    write_file(dir, "README.md", "nothing here");
    assert_int_equal(policy_load_dir(dir, &p, &e), ERR_CONFIG); /* no *.json */
    assert_null(p);

    for (int i = 0; i <= LIMIT_POLICY_FILES_MAX; i++) {
        char name[32];
        snprintf(name, sizeof name, "f%03d.json", i);
        char text[128];
        snprintf(text, sizeof text, "{'params':[{'key':'k%d','from':'2024-01-01','value':%d}]}",
                 i, i);
        write_file(dir, name, text);
    }
    assert_int_equal(policy_load_dir(dir, &p, &e), ERR_CONFIG); /* 65 files */
    assert_null(p);
    char last[1024];
    snprintf(last, sizeof last, "%s/f%03d.json", dir, LIMIT_POLICY_FILES_MAX);
    assert_int_equal(remove(last), 0);
    assert_int_equal(policy_load_dir(dir, &p, &e), ERR_OK); /* 64 files */
    assert_int_equal(policy_param_count(p), LIMIT_POLICY_FILES_MAX);
    assert_int_equal(get_int(p, "k63", "2024-01-01"), 63);
    policy_destroy(p);
    tu_rmtree(dir);
    free(dir);
}

/* ---- export ---- */

static void test_to_json(void **state) {
    (void)state;
    policy *p = parse_ok(periods_text);
    json_t *a = policy_to_json(p);
    assert_non_null(a);
    assert_int_equal(json_array_size(a), 8);
    /* sorted by key, then from */
    const json_t *first = json_array_get(a, 0);
    assert_string_equal(json_string_value(json_object_get(first, "key")), "x.a_fe");
    const json_t *o = json_array_get(a, 1);
    assert_string_equal(json_string_value(json_object_get(o, "key")), "x.a_fen");
    assert_string_equal(json_string_value(json_object_get(o, "from")), "2024-01-01");
    assert_string_equal(json_string_value(json_object_get(o, "to")), "2024-06-30");
    assert_int_equal(json_integer_value(json_object_get(o, "value")), 100);
    assert_string_equal(json_string_value(json_object_get(o, "note")), "first");
    o = json_array_get(a, 2);
    assert_string_equal(json_string_value(json_object_get(o, "from")), "2024-07-01");
    assert_true(json_is_null(json_object_get(o, "note")));
    o = json_array_get(a, 5);
    assert_string_equal(json_string_value(json_object_get(o, "key")), "x.b");
    assert_true(json_is_null(json_object_get(o, "to")));
    assert_true(json_is_true(json_object_get(o, "value")));
    assert_int_equal(json_object_size(o), 5);

    /* the export is a copy: changing it leaves the policy as it was */
    json_t *d = json_object_get(json_array_get(a, 7), "value");
    assert_true(json_is_object(d));
    json_object_set_new(d, "k", json_integer(5));
    const json_t *orig = NULL;
    err_detail e;
    err_clear(&e);
    assert_int_equal(policy_get_json(p, "x.d", D("2024-05-05"), &orig, &e), ERR_OK);
    assert_true(json_is_array(json_object_get(orig, "k")));

    /* round trip: the export parses back into the same policy */
    json_t *doc = json_pack("{s:O}", "params", a);
    char *text = json_dumps(doc, 0);
    assert_non_null(text);
    json_decref(doc);
    json_decref(a);
    policy_destroy(p);
    p = NULL;
    assert_int_equal(policy_parse(text, &p, &e), ERR_OK);
    free(text);
    assert_int_equal(get_int(p, "x.a_fen", "2024-08-31"), 200);
    assert_missing(p, "x.a_fen", "2025-01-01");
    policy_destroy(p);
}

/* ---- concurrency: many readers, one policy ---- */

typedef struct reader_arg {
    const policy *p;
    int failures;
} reader_arg;

static void *reader(void *arg) {
    reader_arg *r = arg;
    date_days before = date_from_ymd(2025, 5, 7), after = date_from_ymd(2025, 5, 8);
    for (int i = 0; i < 20000; i++) {
        int64_t v = 0;
        err_detail e;
        bool late = i % 2;
        if (policy_get_int(r->p, "hf.loan.first_home.rate_le5y_ppm", late ? after : before, &v,
                           &e) != ERR_OK ||
            v != (late ? 21000 : 23500))
            r->failures++;
        const json_t *j = NULL;
        if (policy_get_json(r->p, "injury.class_rates_bp", after, &j, &e) != ERR_OK ||
            json_array_size(j) != 8)
            r->failures++;
    }
    return NULL;
}

static void test_concurrent_readers(void **state) {
    (void)state;
    policy *p = load_repo();
    enum { N = 8 };
    pthread_t t[N];
    reader_arg args[N];
    for (int i = 0; i < N; i++) {
        args[i] = (reader_arg){.p = p, .failures = 0};
        assert_int_equal(pthread_create(&t[i], NULL, reader, &args[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(args[i].failures, 0);
    }
    policy_destroy(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_repo_contribution_base_periods),
        cmocka_unit_test(test_repo_rates),
        cmocka_unit_test(test_repo_loan_rates_change_on_2025_05_08),
        cmocka_unit_test(test_repo_tables),
        cmocka_unit_test(test_repo_retirement),
        cmocka_unit_test(test_repo_strings),
        cmocka_unit_test(test_repo_every_param_documented),
        cmocka_unit_test(test_period_edges),
        cmocka_unit_test(test_gap_between_periods),
        cmocka_unit_test(test_bool_string_json),
        cmocka_unit_test(test_type_mismatch),
        cmocka_unit_test(test_overlap_refused),
        cmocka_unit_test(test_unknown_member_refused),
        cmocka_unit_test(test_bad_dates_refused),
        cmocka_unit_test(test_bad_documents_refused),
        cmocka_unit_test(test_param_limit),
        cmocka_unit_test(test_dir_order_and_ignored_files),
        cmocka_unit_test(test_dir_errors),
        cmocka_unit_test(test_to_json),
        cmocka_unit_test(test_concurrent_readers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
