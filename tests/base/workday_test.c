#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/workday.h"

static date_days D(int y, int m, int d) {
    return date_from_ymd(y, m, d);
}

static int setup_cal(void **state) {
    workday_cal *cal = NULL;
    err_detail e;
    err_clear(&e);
    if (workday_load(tu_source_path("policy/holidays.tsv"), &cal, &e) != ERR_OK) {
        fprintf(stderr, "workday_load: %s %s\n", e.code, e.message);
        return -1;
    }
    *state = cal;
    return 0;
}

static int teardown_cal(void **state) {
    workday_destroy(*state);
    return 0;
}

static bool working(const workday_cal *cal, date_days d) {
    bool w = false;
    err_detail e;
    err_clear(&e);
    assert_int_equal(workday_is_working(cal, d, &w, &e), ERR_OK);
    return w;
}

static date_days add(const workday_cal *cal, date_days from, int n) {
    date_days out = 0;
    err_detail e;
    err_clear(&e);
    assert_int_equal(workday_add(cal, from, n, &out, &e), ERR_OK);
    return out;
}

static int count(const workday_cal *cal, date_days from, date_days to) {
    int out = -1;
    err_detail e;
    err_clear(&e);
    assert_int_equal(workday_count(cal, from, to, &out, &e), ERR_OK);
    return out;
}

static void test_years_loaded(void **state) {
    const workday_cal *cal = *state;
    assert_true(workday_has_year(cal, 2023));
    assert_true(workday_has_year(cal, 2024));
    assert_true(workday_has_year(cal, 2025));
    assert_true(workday_has_year(cal, 2026));
    assert_false(workday_has_year(cal, 2022));
    assert_false(workday_has_year(cal, 2027));
    assert_false(workday_has_year(NULL, 2025));
}

static void test_is_working(void **state) {
    const workday_cal *cal = *state;
    /* National Day 2026: 10-01..10-07 off, 09-30 and 10-08 worked. */
    assert_true(working(cal, D(2026, 9, 30)));
    assert_false(working(cal, D(2026, 10, 1)));
    assert_false(working(cal, D(2026, 10, 7)));
    assert_true(working(cal, D(2026, 10, 8)));
    assert_true(working(cal, D(2026, 10, 9)));
    assert_true(working(cal, D(2026, 10, 10)));  /* make-up Saturday */
    assert_false(working(cal, D(2026, 10, 11))); /* ordinary Sunday */
    assert_true(working(cal, D(2026, 9, 20)));   /* make-up Sunday */
    /* Ordinary weekdays and weekends. */
    assert_true(working(cal, D(2025, 3, 3)));    /* Monday */
    assert_false(working(cal, D(2025, 3, 8)));   /* Saturday */
    assert_false(working(cal, D(2025, 3, 9)));   /* Sunday */
    /* Spring Festival 2024: 02-10..02-17 off; 02-04 and 02-18 (Sundays) worked. */
    assert_true(working(cal, D(2024, 2, 4)));
    assert_true(working(cal, D(2024, 2, 9)));
    assert_false(working(cal, D(2024, 2, 10)));
    assert_false(working(cal, D(2024, 2, 16)));  /* a Friday inside the block */
    assert_false(working(cal, D(2024, 2, 17)));
    assert_true(working(cal, D(2024, 2, 18)));
    /* New Year 2023 and single days. */
    assert_false(working(cal, D(2023, 1, 2)));   /* Monday off */
    assert_true(working(cal, D(2023, 1, 3)));
    assert_false(working(cal, D(2023, 4, 5)));   /* Qingming, Wednesday */
    assert_false(working(cal, D(2024, 6, 10)));  /* Dragon Boat, Monday */
    assert_true(working(cal, D(2023, 10, 7)));   /* make-up Saturday */
    assert_true(working(cal, D(2023, 10, 8)));   /* make-up Sunday */
    assert_false(working(cal, D(2025, 10, 8)));  /* the 8-day 2025 block */
    assert_true(working(cal, D(2025, 10, 9)));
    assert_true(working(cal, D(2025, 10, 11)));
}

static void test_working_days_per_year(void **state) {
    const workday_cal *cal = *state;
    /* Working days per year, counted independently from holidays.md. For 2025:
     * 261 weekdays; off on a weekday: 01-01, 01-28..01-31, 02-03, 02-04, 04-04,
     * 05-01, 05-02, 05-05, 06-02, 10-01..10-03, 10-06..10-08 (18 days); 5
     * make-up days: 261 - 18 + 5 = 248. */
    int per_year[4] = {0, 0, 0, 0};
    for (int y = 2023; y <= 2026; y++)
        for (date_days d = D(y, 1, 1); d <= D(y, 12, 31); d++)
            per_year[y - 2023] += working(cal, d);
    assert_int_equal(per_year[0], 249);
    assert_int_equal(per_year[1], 251);
    assert_int_equal(per_year[2], 248);
    assert_int_equal(per_year[3], 248);
}

static void test_add(void **state) {
    const workday_cal *cal = *state;
    /* The brief's example: from Wednesday 2026-09-30, 1 working day -> 10-08. */
    assert_int_equal(add(cal, D(2026, 9, 30), 1), D(2026, 10, 8));
    assert_int_equal(add(cal, D(2026, 9, 30), 2), D(2026, 10, 9));
    assert_int_equal(add(cal, D(2026, 9, 30), 3), D(2026, 10, 10)); /* make-up Saturday */
    assert_int_equal(add(cal, D(2026, 9, 30), 4), D(2026, 10, 12));
    /* Day before a block and inside it. */
    assert_int_equal(add(cal, D(2026, 9, 29), 1), D(2026, 9, 30));
    assert_int_equal(add(cal, D(2026, 10, 3), 1), D(2026, 10, 8));
    /* Year boundary: Friday 2023-12-29 + 1 -> Tuesday 2024-01-02. */
    assert_int_equal(add(cal, D(2023, 12, 29), 1), D(2024, 1, 2));
    /* n = 0: the day itself if working, else the next working day. */
    assert_int_equal(add(cal, D(2026, 9, 30), 0), D(2026, 9, 30));
    assert_int_equal(add(cal, D(2026, 10, 1), 0), D(2026, 10, 8));
    assert_int_equal(add(cal, D(2026, 10, 10), 0), D(2026, 10, 10));
    assert_int_equal(add(cal, D(2025, 3, 8), 0), D(2025, 3, 10));
    /* A weekend start counts from the next Monday. */
    assert_int_equal(add(cal, D(2025, 3, 8), 1), D(2025, 3, 10));
    assert_int_equal(add(cal, D(2025, 3, 7), 5), D(2025, 3, 14));
    /* 20 working days across Spring Festival 2025 (01-28..02-04 off, 01-26 and
     * 02-08 worked): from Friday 2025-01-24. */
    assert_int_equal(add(cal, D(2025, 1, 24), 1), D(2025, 1, 26));
    assert_int_equal(add(cal, D(2025, 1, 24), 2), D(2025, 1, 27));
    assert_int_equal(add(cal, D(2025, 1, 24), 3), D(2025, 2, 5));
    assert_int_equal(add(cal, D(2025, 1, 24), 6), D(2025, 2, 8));
    assert_int_equal(add(cal, D(2025, 1, 24), 20), D(2025, 2, 27));
}

static void test_count(void **state) {
    const workday_cal *cal = *state;
    assert_int_equal(count(cal, D(2026, 9, 30), D(2026, 10, 8)), 1);
    assert_int_equal(count(cal, D(2026, 9, 30), D(2026, 10, 7)), 0);
    assert_int_equal(count(cal, D(2026, 9, 29), D(2026, 10, 10)), 4);
    assert_int_equal(count(cal, D(2026, 9, 30), D(2026, 9, 30)), 0);
    assert_int_equal(count(cal, D(2026, 10, 8), D(2026, 9, 30)), 0);
    assert_int_equal(count(cal, D(2023, 12, 29), D(2024, 1, 2)), 1);
    assert_int_equal(count(cal, D(2022, 12, 31), D(2023, 12, 31)), 249);
    /* count and add agree. */
    for (int n = 0; n <= 60; n++) {
        const date_days from = D(2025, 9, 1);
        assert_int_equal(count(cal, from, add(cal, from, n)), n);
    }
}

static void test_year_missing(void **state) {
    const workday_cal *cal = *state;
    err_detail e;
    bool w = true;
    date_days out = 4242;
    int n = 4242;

    err_clear(&e);
    assert_int_equal(workday_is_working(cal, D(2027, 3, 1), &w, &e), ERR_CONFIG);
    assert_string_equal(e.code, "calendar_year_missing");
    assert_non_null(strstr(e.message, "尚未载入 2027 年的节假日安排"));
    assert_true(w); /* untouched */

    err_clear(&e);
    assert_int_equal(workday_is_working(cal, D(2022, 12, 30), &w, &e), ERR_CONFIG);
    assert_non_null(strstr(e.message, "2022"));

    /* Crossing into a year not loaded fails rather than guessing. */
    err_clear(&e);
    assert_int_equal(workday_add(cal, D(2026, 12, 30), 5, &out, &e), ERR_CONFIG);
    assert_string_equal(e.code, "calendar_year_missing");
    assert_non_null(strstr(e.message, "2027"));
    assert_int_equal(out, 4242);
    /* ... but the last working day of the last year is reachable. */
    assert_int_equal(add(cal, D(2026, 12, 30), 1), D(2026, 12, 31));

    err_clear(&e);
    assert_int_equal(workday_add(cal, D(2022, 12, 30), 0, &out, &e), ERR_CONFIG);
    assert_non_null(strstr(e.message, "2022"));

    err_clear(&e);
    assert_int_equal(workday_count(cal, D(2026, 12, 1), D(2027, 1, 10), &n, &e), ERR_CONFIG);
    assert_string_equal(e.code, "calendar_year_missing");
    assert_int_equal(n, 4242);
}

static void test_span_limit(void **state) {
    (void)state;
    /* Ten consecutive years, so that the span limit, not a missing year, stops
     * the search. */
    char text[2048] = "";
    size_t len = 0;
    for (int y = 2030; y < 2045; y++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%d\t01-01\t-\n", y);
    workday_cal *cal = NULL;
    err_detail e;
    err_clear(&e);
    assert_int_equal(workday_parse(text, &cal, &e), ERR_OK);
    date_days out = 4242;
    assert_int_equal(workday_add(cal, D(2030, 1, 1), 3000, &out, &e), ERR_INVALID);
    assert_string_equal(e.code, "workday_span_exceeded");
    assert_int_equal(out, 4242);
    int n = 4242;
    assert_int_equal(workday_count(cal, D(2030, 1, 1), D(2044, 1, 1), &n, &e), ERR_INVALID);
    assert_string_equal(e.code, "workday_span_exceeded");
    assert_int_equal(n, 4242);
    /* Within the limit it works: 2031 has 261 weekdays, one (01-01) off. */
    assert_int_equal(workday_count(cal, D(2030, 12, 31), D(2031, 12, 31), &n, &e), ERR_OK);
    assert_int_equal(n, 260);
    workday_destroy(cal);
}

static void test_parse_small(void **state) {
    (void)state;
    const char *text =
        "# comment\n"
        "\n"
        "  # indented comment\r\n"
        "2030  01-01;02-04..02-06   02-09\r\n"
        "2031\t01-01\n"
        "2032\t01-01\t\n";
    workday_cal *cal = NULL;
    err_detail e;
    err_clear(&e);
    assert_int_equal(workday_parse(text, &cal, &e), ERR_OK);
    assert_true(workday_has_year(cal, 2030));
    assert_true(workday_has_year(cal, 2031));
    assert_true(workday_has_year(cal, 2032));
    assert_false(workday_has_year(cal, 2033));
    bool w;
    assert_int_equal(workday_is_working(cal, D(2030, 2, 5), &w, &e), ERR_OK);
    assert_false(w);
    assert_int_equal(workday_is_working(cal, D(2030, 2, 9), &w, &e), ERR_OK); /* Saturday */
    assert_true(w);
    assert_int_equal(workday_is_working(cal, D(2030, 2, 7), &w, &e), ERR_OK);
    assert_true(w);
    workday_destroy(cal);
}

static void expect_parse_error(const char *text, int line, const char *what) {
    workday_cal *cal = (workday_cal *)(void *)&line; /* sentinel: must stay untouched */
    workday_cal *const sentinel = cal;
    err_detail e;
    err_clear(&e);
    assert_int_equal(workday_parse(text, &cal, &e), ERR_CONFIG);
    assert_ptr_equal(cal, sentinel);
    assert_string_equal(e.code, "calendar_parse");
    if (line > 0) {
        char want[32];
        snprintf(want, sizeof want, "第 %d 行", line);
        if (!strstr(e.message, want)) fail_msg("%s: no \"%s\" in %s", text, want, e.message);
    }
    if (what && !strstr(e.message, what)) fail_msg("%s: no \"%s\" in %s", text, what, e.message);
}

static void test_parse_errors(void **state) {
    (void)state;
    expect_parse_error("", 0, "没有任何年份");
    expect_parse_error("# only comments\n", 0, "没有任何年份");
    expect_parse_error("# c\n2030\t02-30\n", 2, "02-30");       /* not a real date */
    expect_parse_error("2030\t01-01\n2031\t13-01\n", 2, "13-01");
    expect_parse_error("2030\t1-1\n", 1, "1-1");
    expect_parse_error("2030\t01-05..01-03\n", 1, "01-05..01-03");
    expect_parse_error("2030\t01-01;;01-02\n", 1, "为空");
    expect_parse_error("2030\t01-01;\n", 1, "为空");
    expect_parse_error("2030\t01-01..01-03;01-02\n", 1, "重复");
    expect_parse_error("2030\t01-01\t01-01\n", 1, "重复");      /* off and make-up */
    expect_parse_error("2030\t01-01\t01-07\n", 1, "周六或周日"); /* 2030-01-07 is Monday */
    expect_parse_error("2030\t01-01\n2030\t01-02\n", 2, "年份重复");
    expect_parse_error("30\t01-01\n", 1, "年份");
    expect_parse_error("1899\t01-01\n", 1, "年份");
    expect_parse_error("2030\n", 1, "缺少放假日期");
    expect_parse_error("2030\t01-01\t-\textra\n", 1, "多余");
    expect_parse_error("2030\t01-01..\n", 1, NULL);
    expect_parse_error("2030\t02-29\n", 1, "02-29"); /* 2030 is not a leap year */
}

static void test_parse_too_many_years(void **state) {
    (void)state;
    const size_t cap = 64 * (LIMIT_CALENDAR_YEARS_MAX + 2);
    char *text = calloc(1, cap);
    assert_non_null(text);
    size_t len = 0, before_last = 0;
    for (int y = 1950; y < 1950 + LIMIT_CALENDAR_YEARS_MAX + 1; y++) {
        before_last = len;
        len += (size_t)snprintf(text + len, cap - len, "%d\t01-01\n", y);
    }
    workday_cal *cal = NULL;
    err_detail e;
    err_clear(&e);
    assert_int_equal(workday_parse(text, &cal, &e), ERR_CONFIG);
    assert_string_equal(e.code, "calendar_parse");
    assert_null(cal);
    /* One fewer fits. */
    text[before_last] = 0;
    assert_int_equal(workday_parse(text, &cal, &e), ERR_OK);
    assert_true(workday_has_year(cal, 1950 + LIMIT_CALENDAR_YEARS_MAX - 1));
    workday_destroy(cal);
    free(text);
}

static void test_load_missing_file(void **state) {
    (void)state;
    workday_cal *cal = NULL;
    err_detail e;
    err_clear(&e);
    assert_int_equal(workday_load("/nonexistent/holidays.tsv", &cal, &e), ERR_CONFIG);
    assert_string_equal(e.code, "calendar_file");
    assert_null(cal);
    workday_destroy(NULL); /* allowed */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_years_loaded),
        cmocka_unit_test(test_is_working),
        cmocka_unit_test(test_working_days_per_year),
        cmocka_unit_test(test_add),
        cmocka_unit_test(test_count),
        cmocka_unit_test(test_year_missing),
        cmocka_unit_test(test_span_limit),
        cmocka_unit_test(test_parse_small),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_too_many_years),
        cmocka_unit_test(test_load_missing_file),
    };
    return cmocka_run_group_tests(tests, setup_cal, teardown_cal);
}
