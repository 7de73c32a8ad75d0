#include "testutil.h"

#include <string.h>

#include "base/date.h"

static date_days D(int y, int m, int d) {
    return date_from_ymd(y, m, d);
}

static void test_epoch_and_known_days(void **state) {
    (void)state;
    assert_int_equal(D(1970, 1, 1), 0);
    assert_int_equal(D(1970, 1, 2), 1);
    assert_int_equal(D(1969, 12, 31), -1);
    assert_int_equal(D(2000, 3, 1), 11017);
    assert_int_equal(D(2025, 1, 1), 20089);
    assert_int_equal(D(1900, 1, 1), -25567);
    assert_int_equal(D(2199, 12, 31), 84005);
}

static void test_round_trip_every_day(void **state) {
    (void)state;
    /* Every day of the valid range converts back to itself, consecutively. */
    date_days prev = D(1900, 1, 1) - 1;
    for (int y = 1900; y <= 2199; y++)
        for (int m = 1; m <= 12; m++)
            for (int d = 1; d <= date_days_in_month(y, m); d++) {
                date_days x = D(y, m, d);
                assert_int_equal(x, prev + 1);
                int yy, mm, dd;
                date_to_ymd(x, &yy, &mm, &dd);
                assert_int_equal(yy, y);
                assert_int_equal(mm, m);
                assert_int_equal(dd, d);
                prev = x;
            }
}

static void test_weekday(void **state) {
    (void)state;
    assert_int_equal(date_weekday(D(1970, 1, 1)), 4);   /* Thursday */
    assert_int_equal(date_weekday(D(1969, 12, 29)), 1); /* Monday, before the epoch */
    assert_int_equal(date_weekday(D(2026, 9, 30)), 3);  /* Wednesday */
    assert_int_equal(date_weekday(D(2026, 10, 10)), 6); /* Saturday */
    assert_int_equal(date_weekday(D(2024, 2, 4)), 7);   /* Sunday */
    assert_int_equal(date_weekday(D(1900, 1, 1)), 1);   /* Monday */
}

static void test_leap_years(void **state) {
    (void)state;
    assert_true(date_valid_ymd(2024, 2, 29));
    assert_false(date_valid_ymd(2025, 2, 29));
    assert_false(date_valid_ymd(1900, 2, 29));
    assert_true(date_valid_ymd(2000, 2, 29));
    assert_false(date_valid_ymd(2100, 2, 29));
    assert_int_equal(date_days_in_month(2024, 2), 29);
    assert_int_equal(date_days_in_month(2023, 2), 28);
    assert_int_equal(date_days_in_month(2000, 2), 29);
    assert_int_equal(date_days_in_month(1900, 2), 28);
    assert_int_equal(date_days_in_month(2025, 4), 30);
    assert_int_equal(date_days_in_month(2025, 12), 31);
    assert_int_equal(date_days_in_month(2025, 13), 0);
    assert_false(date_valid_ymd(1899, 12, 31));
    assert_false(date_valid_ymd(2200, 1, 1));
    assert_true(date_valid_ymd(1900, 1, 1));
    assert_true(date_valid_ymd(2199, 12, 31));
    assert_false(date_valid_ymd(2025, 4, 31));
    assert_false(date_valid_ymd(2025, 0, 1));
    assert_false(date_valid_ymd(2025, 1, 0));
}

static void expect_date(const char *s, int y, int m, int d) {
    err_detail e;
    err_clear(&e);
    date_days out = -12345;
    assert_int_equal(date_parse(s, "birth_date", &out, &e), ERR_OK);
    assert_int_equal(out, D(y, m, d));
    assert_string_equal(e.code, "");
}

static void expect_bad_date(const char *s) {
    err_detail e;
    err_clear(&e);
    date_days out = -12345;
    assert_int_equal(date_parse(s, "birth_date", &out, &e), ERR_INVALID);
    assert_int_equal(out, -12345); /* untouched */
    assert_int_equal(e.kind, ERR_INVALID);
    assert_string_equal(e.code, "invalid_date");
    assert_string_equal(e.field, "birth_date");
    assert_non_null(strstr(e.message, "YYYY-MM-DD"));
}

static void test_date_parse(void **state) {
    (void)state;
    expect_date("2024-02-29", 2024, 2, 29);
    expect_date("2000-02-29", 2000, 2, 29);
    expect_date("1900-01-01", 1900, 1, 1);
    expect_date("2199-12-31", 2199, 12, 31);
    expect_date("1970-01-01", 1970, 1, 1);
    expect_bad_date("2025-02-29");
    expect_bad_date("1900-02-29");
    expect_bad_date("2025-02-30");
    expect_bad_date("2025-04-31");
    expect_bad_date("2025-13-01");
    expect_bad_date("2025-00-10");
    expect_bad_date("2025-01-00");
    expect_bad_date("1899-12-31");
    expect_bad_date("2200-01-01");
    expect_bad_date("2025-1-01");
    expect_bad_date("2025-01-1");
    expect_bad_date("20250101");
    expect_bad_date("2025/01/01");
    expect_bad_date("2025-01-01 ");
    expect_bad_date(" 2025-01-01");
    expect_bad_date("2025-01-01T00:00");
    expect_bad_date("+025-01-01");
    expect_bad_date("2025-0a-01");
    expect_bad_date("");
    expect_bad_date(NULL);
}

static void test_date_parse_message(void **state) {
    (void)state;
    err_detail e;
    err_clear(&e);
    date_days out;
    assert_int_equal(date_parse("2025-02-30", "start", &out, &e), ERR_INVALID);
    assert_non_null(strstr(e.message, "真实日期"));
    assert_non_null(strstr(e.message, "2025-02-30"));
    /* Non-printable and over-long input is quoted safely and cut. */
    char longin[200];
    memset(longin, '9', sizeof longin - 1);
    longin[sizeof longin - 1] = 0;
    longin[3] = '\x01';
    assert_int_equal(date_parse(longin, "start", &out, &e), ERR_INVALID);
    assert_null(strchr(e.message, '\x01'));
    assert_non_null(strstr(e.message, "..."));
    /* A NULL detail is allowed. */
    assert_int_equal(date_parse("x", "start", &out, NULL), ERR_INVALID);
}

static void test_date_format(void **state) {
    (void)state;
    char buf[DATE_STR_BYTES];
    date_format(D(2024, 2, 29), buf);
    assert_string_equal(buf, "2024-02-29");
    date_format(D(1900, 1, 1), buf);
    assert_string_equal(buf, "1900-01-01");
    date_format(0, buf);
    assert_string_equal(buf, "1970-01-01");
    date_format(D(2199, 12, 31), buf);
    assert_string_equal(buf, "2199-12-31");
}

static void test_month_parse_format(void **state) {
    (void)state;
    err_detail e;
    month_ym m = 0;
    err_clear(&e);
    assert_int_equal(month_parse("2025-07", "period", &m, &e), ERR_OK);
    assert_int_equal(m, 202507);
    assert_int_equal(month_parse("1900-01", "period", &m, &e), ERR_OK);
    assert_int_equal(m, 190001);
    const char *bad[] = {"2025-13", "2025-00", "2025-7", "202507", "2025-07-01", "1899-12",
                         "2200-01", "abcd-ef", "", " 2025-07"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        m = 4242;
        err_clear(&e);
        assert_int_equal(month_parse(bad[i], "period", &m, &e), ERR_INVALID);
        assert_int_equal(m, 4242);
        assert_string_equal(e.code, "invalid_month");
        assert_string_equal(e.field, "period");
    }
    char buf[MONTH_STR_BYTES];
    month_format(202507, buf);
    assert_string_equal(buf, "2025-07");
    month_format(190012, buf);
    assert_string_equal(buf, "1900-12");
    assert_true(month_valid(202512));
    assert_false(month_valid(202513));
    assert_false(month_valid(202500));
    assert_false(month_valid(189912));
    assert_false(month_valid(220001));
}

static void test_month_arithmetic(void **state) {
    (void)state;
    assert_int_equal(month_add(202511, 1), 202512);
    assert_int_equal(month_add(202512, 1), 202601);
    assert_int_equal(month_add(202501, -1), 202412);
    assert_int_equal(month_add(202507, 18), 202701);
    assert_int_equal(month_add(202507, -19), 202312);
    assert_int_equal(month_add(202507, 0), 202507);
    assert_int_equal(month_add(196501, 60 * 12 + 1), 202502); /* 60 years 1 month */
    assert_int_equal(month_add(202507, -24), 202307);
    assert_int_equal(month_diff(202601, 202512), 1);
    assert_int_equal(month_diff(202512, 202601), -1);
    assert_int_equal(month_diff(202507, 202507), 0);
    assert_int_equal(month_diff(202502, 196501), 60 * 12 + 1);
    assert_int_equal(month_diff(202401, 202312), 1);
    assert_int_equal(month_of(D(2024, 12, 31)), 202412);
    assert_int_equal(month_of(D(2025, 1, 1)), 202501);
    assert_int_equal(month_first_day(202402), D(2024, 2, 1));
    assert_int_equal(month_last_day(202402), D(2024, 2, 29));
    assert_int_equal(month_last_day(202302), D(2023, 2, 28));
    assert_int_equal(month_last_day(202412), D(2024, 12, 31));
    assert_int_equal(month_last_day(202504), D(2025, 4, 30));
}

static void test_age(void **state) {
    (void)state;
    const date_days birth = D(2009, 7, 15);
    assert_int_equal(date_age_years(birth, D(2025, 7, 14)), 15); /* day before 16th birthday */
    assert_int_equal(date_age_years(birth, D(2025, 7, 15)), 16); /* the day itself */
    assert_int_equal(date_age_years(birth, D(2025, 7, 16)), 16);
    assert_int_equal(date_age_years(birth, D(2025, 6, 30)), 15);
    assert_int_equal(date_age_years(birth, D(2026, 7, 14)), 16);
    assert_int_equal(date_age_years(birth, birth), 0);
    assert_int_equal(date_age_years(D(1965, 1, 31), D(2025, 1, 31)), 60);
    assert_int_equal(date_age_years(D(1965, 1, 31), D(2025, 1, 30)), 59);
    /* Born 29 February: the birthday is 28 February in common years, as in
     * date_add_years. */
    const date_days leap = D(2008, 2, 29);
    assert_int_equal(date_age_years(leap, D(2024, 2, 28)), 15);
    assert_int_equal(date_age_years(leap, D(2024, 2, 29)), 16);
    assert_int_equal(date_age_years(leap, D(2025, 2, 27)), 16);
    assert_int_equal(date_age_years(leap, D(2025, 2, 28)), 17);
    for (int n = 0; n <= 60; n++)
        assert_int_equal(date_age_years(leap, date_add_years(leap, n)), n);
}

static void test_add_years(void **state) {
    (void)state;
    assert_int_equal(date_add_years(D(2024, 2, 29), 1), D(2025, 2, 28));
    assert_int_equal(date_add_years(D(2024, 2, 29), 4), D(2028, 2, 29));
    assert_int_equal(date_add_years(D(2024, 2, 29), -24), D(2000, 2, 29));
    assert_int_equal(date_add_years(D(2000, 2, 29), -100), D(1900, 2, 28));
    assert_int_equal(date_add_years(D(2025, 3, 1), 1), D(2026, 3, 1));
    assert_int_equal(date_add_years(D(2025, 12, 31), 0), D(2025, 12, 31));
    assert_int_equal(date_add_years(D(1965, 1, 15), 60), D(2025, 1, 15));
}

static void test_clock(void **state) {
    (void)state;
    const int64_t before_ms = clock_now_ms();
    const date_days today = clock_today();
    const int64_t after_ms = clock_now_ms();
    assert_true(before_ms > INT64_C(1704067200000)); /* after 2024-01-01 */
    assert_true(after_ms >= before_ms);
    /* UTC+8: the local date is the UTC date of ms + 8 h (either reading, in
     * case midnight passed in between). */
    const int64_t day_before = (before_ms / 1000 + 8 * 3600) / 86400;
    const int64_t day_after = (after_ms / 1000 + 8 * 3600) / 86400;
    assert_true(today == day_before || today == day_after);
    assert_true(today >= D(2024, 1, 1) && today <= D(2199, 12, 31));
}

static void clock_format_in_beijing_time(void **state) {
    char b[CLOCK_STR_BYTES];
    /* 2026-09-30T02:00:00.123Z is 10:00:00.123 in Beijing */
    int64_t ms = (int64_t)date_from_ymd(2026, 9, 30) * 86400000LL + 2 * 3600000LL + 123;
    clock_format(ms, CLOCK_ISO, b);
    assert_string_equal(b, "2026-09-30T10:00:00+08:00");
    clock_format(ms, CLOCK_ISO_MS, b);
    assert_string_equal(b, "2026-09-30T10:00:00.123+08:00");
    clock_format(ms, CLOCK_MINUTE, b);
    assert_string_equal(b, "2026-09-30 10:00");
    /* 16:00Z is already the next day in Beijing */
    int64_t late = (int64_t)date_from_ymd(2026, 12, 31) * 86400000LL + 16 * 3600000LL;
    clock_format(late, CLOCK_ISO, b);
    assert_string_equal(b, "2027-01-01T00:00:00+08:00");
    assert_int_equal(clock_day_of(late), date_from_ymd(2027, 1, 1));
    assert_int_equal(clock_day_of(late - 1), date_from_ymd(2026, 12, 31));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clock_format_in_beijing_time),
        cmocka_unit_test(test_epoch_and_known_days),
        cmocka_unit_test(test_round_trip_every_day),
        cmocka_unit_test(test_weekday),
        cmocka_unit_test(test_leap_years),
        cmocka_unit_test(test_date_parse),
        cmocka_unit_test(test_date_parse_message),
        cmocka_unit_test(test_date_format),
        cmocka_unit_test(test_month_parse_format),
        cmocka_unit_test(test_month_arithmetic),
        cmocka_unit_test(test_age),
        cmocka_unit_test(test_add_years),
        cmocka_unit_test(test_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
