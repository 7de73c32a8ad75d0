#include <string.h>

#include "base/err.h"
#include "testutil.h"

static void status_table(void **state) {
    assert_int_equal(err_http_status(ERR_OK), 200);
    assert_int_equal(err_http_status(ERR_INVALID), 400);
    assert_int_equal(err_http_status(ERR_UNAUTHORIZED), 401);
    assert_int_equal(err_http_status(ERR_FORBIDDEN), 403);
    assert_int_equal(err_http_status(ERR_NOT_FOUND), 404);
    assert_int_equal(err_http_status(ERR_CONFLICT), 409);
    assert_int_equal(err_http_status(ERR_TOO_LARGE), 413);
    assert_int_equal(err_http_status(ERR_RULE), 422);
    assert_int_equal(err_http_status(ERR_LOCKED), 423);
    assert_int_equal(err_http_status(ERR_UNAVAILABLE), 503);
    assert_int_equal(err_http_status(ERR_CONFIG), 500);
    assert_int_equal(err_exit_code(ERR_OK), 0);
    assert_int_equal(err_exit_code(ERR_INVALID), 2);
    assert_int_equal(err_exit_code(ERR_RULE), 3);
    for (int k = ERR_INVALID; k < ERR_KIND_COUNT; k++) assert_true(err_exit_code((err_kind)k) > 0);
}

static void set_fills_detail(void **state) {
    err_detail d;
    err_clear(&d);
    assert_int_equal(err_set(&d, ERR_INVALID, "invalid_field", "age", "年龄 %d 无效", 15), ERR_INVALID);
    assert_string_equal(d.code, "invalid_field");
    assert_string_equal(d.field, "age");
    assert_string_equal(d.message, "年龄 15 无效");
    assert_int_equal(err_set(NULL, ERR_RULE, "x", NULL, "y"), ERR_RULE);
}

static void rules_collect(void **state) {
    err_detail d;
    err_clear(&d);
    assert_int_equal(err_rules_finish(&d), ERR_OK);
    err_rule_add(&d, "age_below_min", "{\"age\":15,\"min\":16}", "年龄 %d 岁，未满 %d 周岁", 15, 16);
    assert_int_equal(err_rules_finish(&d), ERR_RULE);
    assert_string_equal(d.code, "rules_failed");
    assert_string_equal(d.message, "年龄 15 岁，未满 16 周岁");
    err_rule_add(&d, "late", NULL, "逾期");
    err_rules_finish(&d);
    assert_int_equal(d.rule_count, 2);
    assert_non_null(strstr(d.message, "2 项"));
    assert_string_equal(d.rules[1].data_json, "");
    for (int i = 0; i < 40; i++) err_rule_add(&d, "more", NULL, "更多");
    assert_int_equal(d.rule_count, ERR_RULES_MAX);
    /* 2 + 40 rules: 15 kept whole, the 16th slot counts the other 27 */
    assert_string_equal(d.rules[ERR_RULES_MAX - 1].code, "more_rules");
    assert_string_equal(d.rules[ERR_RULES_MAX - 1].data_json, "{\"more\":27}");
}

static void long_chinese_message_is_cut_on_a_character(void **state) {
    err_detail d;
    err_clear(&d);
    char longer[600] = "";
    for (int i = 0; i < 150; i++) strncat(longer, "社", sizeof longer - strlen(longer) - 1);
    for (int off = 0; off < 3; off++) {
        err_set(&d, ERR_INVALID, "x", NULL, "%.*s%s", off, "abc", longer);
        size_t n = strlen(d.message);
        assert_true(n < sizeof d.message);
        assert_int_equal((n - (size_t)off) % 3, 0);   /* whole three-byte characters only */
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_table),
        cmocka_unit_test(set_fills_detail),
        cmocka_unit_test(rules_collect),
        cmocka_unit_test(long_chinese_message_is_cut_on_a_character),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
