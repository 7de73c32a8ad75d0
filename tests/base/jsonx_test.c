#include <string.h>

#include "base/jsonx.h"
#include "base/limits.h"
#include "testutil.h"

static json_t *parse(const char *s) {
    json_t *o = NULL;
    err_detail e = {0};
    assert_int_equal(jsonx_parse_object(s, strlen(s), &o, &e), ERR_OK);
    return o;
}

static void parse_refusals(void **state) {
    err_detail e = {0};
    json_t *o = NULL;
    assert_int_equal(jsonx_parse_object("", 0, &o, &e), ERR_INVALID);
    assert_string_equal(e.code, "body_missing");
    assert_int_equal(jsonx_parse_object("{\"a\":", 5, &o, &e), ERR_INVALID);
    assert_string_equal(e.code, "malformed_json");
    assert_int_equal(jsonx_parse_object("[1]", 3, &o, &e), ERR_INVALID);
    assert_string_equal(e.code, "body_not_object");
    assert_int_equal(jsonx_parse_object("{\"a\":1,\"a\":2}", 13, &o, &e), ERR_INVALID);
    assert_null(o);
}

/* jansson's error text quotes the input near the error cut at a byte count,
 * here inside 苏: the message must still be valid UTF-8, or the error body
 * cannot be made (found by the route fuzzer). */
static void malformed_json_message_is_valid_utf8(void **state) {
    static const char body[] = "{\"a\": \"\\苏州巉限公司\"}";
    err_detail e = {0};
    json_t *o = NULL;
    assert_int_equal(jsonx_parse_object(body, strlen(body), &o, &e), ERR_INVALID);
    assert_string_equal(e.code, "malformed_json");
    json_t *msg = json_string(e.message);
    assert_non_null(msg);
    json_decref(msg);
    json_t *b = jsonx_error_body(&e);
    assert_non_null(b);
    json_decref(b);
}

static void only_named_members(void **state) {
    json_t *o = parse("{\"a\":1,\"b\":2}");
    static const char *const ab[] = {"a", "b", NULL}, *const a[] = {"a", NULL};
    err_detail e = {0};
    assert_int_equal(jsonx_only(o, ab, &e), ERR_OK);
    assert_int_equal(jsonx_only(o, a, &e), ERR_INVALID);
    assert_string_equal(e.code, "unknown_field");
    assert_string_equal(e.field, "b");
    json_decref(o);
}

static void typed_getters(void **state) {
    json_t *o = parse("{\"s\":\"文本\",\"n\":16,\"b\":true,\"d\":\"2024-02-29\",\"m\":\"2025-07\",\"z\":null,\"e\":\"\"}");
    err_detail e = {0};
    const char *s = NULL;
    int64_t n = 0;
    bool b = false;
    date_days d = 0;
    month_ym m = 0;
    assert_int_equal(jsonx_str(o, "s", true, 64, &s, &e), ERR_OK);
    assert_string_equal(s, "文本");
    assert_int_equal(jsonx_int(o, "n", true, 16, 65, &n, &e), ERR_OK);
    assert_int_equal(n, 16);
    assert_int_equal(jsonx_int(o, "n", true, 17, 65, &n, &e), ERR_INVALID);
    assert_string_equal(e.code, "out_of_range");
    assert_int_equal(jsonx_bool(o, "b", true, &b, &e), ERR_OK);
    assert_true(b);
    assert_int_equal(jsonx_date(o, "d", true, &d, &e), ERR_OK);
    assert_int_equal(d, date_from_ymd(2024, 2, 29));
    assert_int_equal(jsonx_month(o, "m", true, &m, &e), ERR_OK);
    assert_int_equal(m, 202507);
    s = "unchanged";
    assert_int_equal(jsonx_str(o, "z", false, 64, &s, &e), ERR_OK);   /* null = absent */
    assert_string_equal(s, "unchanged");
    assert_int_equal(jsonx_str(o, "z", true, 64, &s, &e), ERR_INVALID);
    assert_string_equal(e.code, "missing_field");
    assert_int_equal(jsonx_str(o, "e", true, 64, &s, &e), ERR_INVALID);
    assert_int_equal(jsonx_str(o, "n", true, 64, &s, &e), ERR_INVALID);
    assert_string_equal(e.code, "invalid_field");
    assert_string_equal(e.field, "n");
    assert_int_equal(jsonx_str(o, "s", true, 3, &s, &e), ERR_INVALID);
    assert_string_equal(e.code, "field_too_long");
    json_decref(o);
}

static void enums(void **state) {
    json_t *o = parse("{\"k\":\"unit\"}");
    static const char *const kinds[] = {"person", "unit", NULL};
    int i = -1;
    err_detail e = {0};
    assert_int_equal(jsonx_enum(o, "k", true, kinds, &i, &e), ERR_OK);
    assert_int_equal(i, 1);
    static const char *const other[] = {"staff", NULL};
    assert_int_equal(jsonx_enum(o, "k", true, other, &i, &e), ERR_INVALID);
    assert_string_equal(e.code, "invalid_value");
    assert_non_null(strstr(e.message, "staff"));
    json_decref(o);
}

static void error_body_shape(void **state) {
    err_detail d = {0};
    err_rule_add(&d, "age_below_min", "{\"age\":15}", "未满 16 周岁");
    err_rules_finish(&d);
    json_t *b = jsonx_error_body(&d);
    json_t *e = json_object_get(b, "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "rules_failed");
    json_t *r = json_array_get(json_object_get(e, "rules"), 0);
    assert_string_equal(json_string_value(json_object_get(r, "code")), "age_below_min");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "data"), "age")), 15);
    assert_null(json_object_get(e, "field"));
    json_decref(b);
}

static void depth_limited(void **state) {
    char s[200] = "{\"a\":";
    size_t n = strlen(s);
    for (int i = 0; i < LIMIT_JSON_DEPTH_MAX + 2; i++) s[n++] = '[';
    for (int i = 0; i < LIMIT_JSON_DEPTH_MAX + 2; i++) s[n++] = ']';
    s[n++] = '}';
    s[n] = 0;
    json_t *o = NULL;
    err_detail e = {0};
    assert_int_equal(jsonx_parse_object(s, n, &o, &e), ERR_INVALID);
    assert_string_equal(e.code, "json_too_deep");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_refusals),  cmocka_unit_test(only_named_members),
        cmocka_unit_test(malformed_json_message_is_valid_utf8),
        cmocka_unit_test(typed_getters),   cmocka_unit_test(enums),
        cmocka_unit_test(error_body_shape), cmocka_unit_test(depth_limited),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
