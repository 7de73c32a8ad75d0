#include "testutil.h"

#include <string.h>

#include "base/money.h"

static void test_div_round_half_up(void **state) {
    (void)state;
    assert_int_equal(money_div_round(25, 10, ROUND_HALF_UP), 3);
    assert_int_equal(money_div_round(-25, 10, ROUND_HALF_UP), -3);
    assert_int_equal(money_div_round(24, 10, ROUND_HALF_UP), 2);
    assert_int_equal(money_div_round(-24, 10, ROUND_HALF_UP), -2);
    assert_int_equal(money_div_round(26, 10, ROUND_HALF_UP), 3);
    assert_int_equal(money_div_round(-26, 10, ROUND_HALF_UP), -3);
    assert_int_equal(money_div_round(15, 10, ROUND_HALF_UP), 2);
    assert_int_equal(money_div_round(5, 10, ROUND_HALF_UP), 1);
    assert_int_equal(money_div_round(-5, 10, ROUND_HALF_UP), -1);
    assert_int_equal(money_div_round(1, 3, ROUND_HALF_UP), 0);
    assert_int_equal(money_div_round(2, 3, ROUND_HALF_UP), 1);
    assert_int_equal(money_div_round(-2, 3, ROUND_HALF_UP), -1);
    assert_int_equal(money_div_round(30, 10, ROUND_HALF_UP), 3);
    assert_int_equal(money_div_round(0, 7, ROUND_HALF_UP), 0);
}

static void test_div_round_other_modes(void **state) {
    (void)state;
    /* down: toward zero */
    assert_int_equal(money_div_round(29, 10, ROUND_DOWN), 2);
    assert_int_equal(money_div_round(-29, 10, ROUND_DOWN), -2);
    assert_int_equal(money_div_round(25, 10, ROUND_DOWN), 2);
    assert_int_equal(money_div_round(-25, 10, ROUND_DOWN), -2);
    /* up: away from zero */
    assert_int_equal(money_div_round(21, 10, ROUND_UP), 3);
    assert_int_equal(money_div_round(-21, 10, ROUND_UP), -3);
    assert_int_equal(money_div_round(20, 10, ROUND_UP), 2);
    assert_int_equal(money_div_round(-20, 10, ROUND_UP), -2);
    /* half even at .5 goes to the even neighbour, otherwise nearest */
    assert_int_equal(money_div_round(25, 10, ROUND_HALF_EVEN), 2);
    assert_int_equal(money_div_round(35, 10, ROUND_HALF_EVEN), 4);
    assert_int_equal(money_div_round(-25, 10, ROUND_HALF_EVEN), -2);
    assert_int_equal(money_div_round(-35, 10, ROUND_HALF_EVEN), -4);
    assert_int_equal(money_div_round(5, 10, ROUND_HALF_EVEN), 0);
    assert_int_equal(money_div_round(-5, 10, ROUND_HALF_EVEN), 0);
    assert_int_equal(money_div_round(26, 10, ROUND_HALF_EVEN), 3);
    assert_int_equal(money_div_round(-24, 10, ROUND_HALF_EVEN), -2);
}

static void test_div_round_extremes(void **state) {
    (void)state;
    assert_int_equal(money_div_round(INT64_MAX, 1, ROUND_HALF_UP), INT64_MAX);
    assert_int_equal(money_div_round(INT64_MIN, 1, ROUND_HALF_UP), INT64_MIN);
    /* INT64_MAX = 9223372036854775807: /2 is ...903.5 */
    assert_int_equal(money_div_round(INT64_MAX, 2, ROUND_HALF_UP), INT64_C(4611686018427387904));
    assert_int_equal(money_div_round(INT64_MAX, 2, ROUND_DOWN), INT64_C(4611686018427387903));
    assert_int_equal(money_div_round(INT64_MIN + 1, 2, ROUND_HALF_UP),
                     -INT64_C(4611686018427387904));
    /* A huge denominator: exactly half and just under half. */
    assert_int_equal(money_div_round(INT64_C(4611686018427387904), INT64_MAX, ROUND_HALF_UP), 1);
    assert_int_equal(money_div_round(INT64_C(4611686018427387903), INT64_MAX, ROUND_HALF_UP), 0);
    assert_int_equal(money_div_round(1, INT64_MAX, ROUND_UP), 1);
}

static void test_apply_rate(void **state) {
    (void)state;
    /* 4,494.00 x 8% = 359.52 */
    assert_int_equal(money_apply_rate(449400, 800, 10000, ROUND_HALF_UP), 35952);
    /* 4,494.00 x 0.5% = 22.47 */
    assert_int_equal(money_apply_rate(449400, 50, 10000, ROUND_HALF_UP), 2247);
    /* 333.33 x 0.5% = 1.66665 -> 1.67 half up, 1.66 down */
    assert_int_equal(money_apply_rate(33333, 50, 10000, ROUND_HALF_UP), 167);
    assert_int_equal(money_apply_rate(33333, 50, 10000, ROUND_DOWN), 166);
    /* 0.05% per day late fee on 1,001.00: 0.5005 -> 0.50 */
    assert_int_equal(money_apply_rate(100100, 500, 1000000, ROUND_HALF_UP), 50);
    /* exact .5 fen: 1.00 x 0.5% = 0.5 fen */
    assert_int_equal(money_apply_rate(100, 50, 10000, ROUND_HALF_UP), 1);
    assert_int_equal(money_apply_rate(-100, 50, 10000, ROUND_HALF_UP), -1);
    assert_int_equal(money_apply_rate(100, 50, 10000, ROUND_HALF_EVEN), 0);
    assert_int_equal(money_apply_rate(300, 50, 10000, ROUND_HALF_EVEN), 2);
    /* The product overflows 64 bits but not 128: 9e16 fen x 1e6 / 1e6. */
    assert_int_equal(money_apply_rate(INT64_C(90000000000000000), 1000000, 1000000, ROUND_HALF_UP),
                     INT64_C(90000000000000000));
    assert_int_equal(money_apply_rate(INT64_C(90000000000000000), 999999, 1000000, ROUND_DOWN),
                     INT64_C(89999910000000000));
}

static void expect_parse(const char *s, money_fen want) {
    err_detail e;
    err_clear(&e);
    money_fen out = 777;
    assert_int_equal(money_parse_yuan(s, "amount", &out, &e), ERR_OK);
    assert_int_equal(out, want);
}

static void expect_bad(const char *s) {
    err_detail e;
    err_clear(&e);
    money_fen out = 777;
    assert_int_equal(money_parse_yuan(s, "amount", &out, &e), ERR_INVALID);
    assert_int_equal(out, 777); /* untouched */
    assert_string_equal(e.code, "invalid_amount");
    assert_string_equal(e.field, "amount");
    assert_true(e.message[0] != 0);
}

static void test_parse(void **state) {
    (void)state;
    expect_parse("1234.56", 123456);
    expect_parse("1,234.56", 123456);
    expect_parse("1234.5", 123450);
    expect_parse("1234", 123400);
    expect_parse("-3", -300);
    expect_parse("0.1", 10);
    expect_parse("0.01", 1);
    expect_parse("-0.05", -5);
    expect_parse("0", 0);
    expect_parse("-0", 0);
    expect_parse("0.00", 0);
    expect_parse("007", 700);
    expect_parse("1,000,000", 100000000);
    expect_parse("12,345,678.90", 1234567890);
    expect_parse("999", 99900);
    expect_parse("92233720368547758.07", INT64_MAX);
    expect_parse("92,233,720,368,547,758.07", INT64_MAX);
    expect_parse("-92233720368547758.07", -INT64_MAX);

    expect_bad("1.234");
    expect_bad("abc");
    expect_bad("");
    expect_bad(NULL);
    expect_bad("-");
    expect_bad("+1");
    expect_bad(".5");
    expect_bad("1.");
    expect_bad("1..2");
    expect_bad("1.2.3");
    expect_bad(" 1");
    expect_bad("1 ");
    expect_bad("1e3");
    expect_bad("--1");
    expect_bad("1,23");
    expect_bad("1,2345");
    expect_bad("1234,567");
    expect_bad(",123");
    expect_bad("1,,234");
    expect_bad("1,234,");
    expect_bad("1,23,456");   /* inner group of 2 */
    expect_bad("1,2345,678"); /* inner group of 4 */
    expect_bad("0,123");
    expect_bad("1,234.5,6");
    expect_bad("12a");
    expect_bad("１２");  /* full-width digits */
}

static void test_parse_overflow(void **state) {
    (void)state;
    err_detail e;
    err_clear(&e);
    money_fen out = 777;
    assert_int_equal(money_parse_yuan("92233720368547758.08", "amount", &out, &e), ERR_INVALID);
    assert_int_equal(out, 777);
    assert_string_equal(e.code, "invalid_amount");
    assert_non_null(strstr(e.message, "范围"));
    assert_int_equal(money_parse_yuan("92233720368547759", "amount", &out, &e), ERR_INVALID);
    assert_non_null(strstr(e.message, "范围"));
    assert_int_equal(money_parse_yuan("99999999999999999999999999", "amount", &out, &e),
                     ERR_INVALID);
    assert_non_null(strstr(e.message, "范围"));
    assert_int_equal(money_parse_yuan("-92233720368547758.08", "amount", &out, &e), ERR_INVALID);
    /* 2^64 + 100: would wrap to 100 yuan if the digits were not checked one by one. */
    assert_int_equal(money_parse_yuan("18446744073709551716", "amount", &out, &e), ERR_INVALID);
    assert_non_null(strstr(e.message, "范围"));
    /* Very long input is refused without being echoed in full. */
    char longin[300];
    memset(longin, '1', sizeof longin - 1);
    longin[sizeof longin - 1] = 0;
    assert_int_equal(money_parse_yuan(longin, "amount", &out, &e), ERR_INVALID);
    assert_non_null(strstr(e.message, "..."));
    assert_int_equal(out, 777);
}

static void expect_format(money_fen f, const char *with, const char *without) {
    char buf[MONEY_STR_BYTES];
    money_format_yuan(f, 1, buf);
    assert_string_equal(buf, with);
    money_format_yuan(f, 0, buf);
    assert_string_equal(buf, without);
}

static void test_format(void **state) {
    (void)state;
    expect_format(123456, "1,234.56", "1234.56");
    expect_format(0, "0.00", "0.00");
    expect_format(1, "0.01", "0.01");
    expect_format(10, "0.10", "0.10");
    expect_format(-5, "-0.05", "-0.05");
    expect_format(-123456, "-1,234.56", "-1234.56");
    expect_format(99999, "999.99", "999.99");
    expect_format(100000, "1,000.00", "1000.00");
    expect_format(100000000, "1,000,000.00", "1000000.00");
    expect_format(INT64_MAX, "92,233,720,368,547,758.07", "92233720368547758.07");
    expect_format(INT64_MIN, "-92,233,720,368,547,758.08", "-92233720368547758.08");
}

static void test_format_parse_round_trip(void **state) {
    (void)state;
    const money_fen values[] = {0, 1, -1, 99, 100, 12345, -999999, 100000, INT64_C(123456789012),
                                INT64_MAX, -INT64_MAX};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        for (int sep = 0; sep <= 1; sep++) {
            char buf[MONEY_STR_BYTES];
            money_format_yuan(values[i], sep, buf);
            money_fen back = 0;
            assert_int_equal(money_parse_yuan(buf, "x", &back, NULL), ERR_OK);
            assert_int_equal(back, values[i]);
        }
}

static void test_round_parse(void **state) {
    (void)state;
    money_round r = ROUND_DOWN;
    err_detail e;
    err_clear(&e);
    assert_int_equal(money_round_parse("half_up", &r, &e), ERR_OK);
    assert_int_equal(r, ROUND_HALF_UP);
    assert_int_equal(money_round_parse("down", &r, &e), ERR_OK);
    assert_int_equal(r, ROUND_DOWN);
    assert_int_equal(money_round_parse("up", &r, &e), ERR_OK);
    assert_int_equal(r, ROUND_UP);
    assert_int_equal(money_round_parse("half_even", &r, &e), ERR_OK);
    assert_int_equal(r, ROUND_HALF_EVEN);
    r = ROUND_UP;
    assert_int_equal(money_round_parse("HALF_UP", &r, &e), ERR_INVALID);
    assert_int_equal(r, ROUND_UP);
    assert_string_equal(e.code, "invalid_round_mode");
    assert_non_null(strstr(e.message, "HALF_UP"));
    assert_int_equal(money_round_parse("", &r, &e), ERR_INVALID);
    assert_int_equal(money_round_parse(NULL, &r, &e), ERR_INVALID);
    assert_int_equal(r, ROUND_UP);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_div_round_half_up),
        cmocka_unit_test(test_div_round_other_modes),
        cmocka_unit_test(test_div_round_extremes),
        cmocka_unit_test(test_apply_rate),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_overflow),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_parse_round_trip),
        cmocka_unit_test(test_round_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
