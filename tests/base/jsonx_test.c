#include <stdint.h>
#include <stdlib.h>
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

/* ---- the compact dump: byte for byte jansson's ---- */

static void same_as_jansson(const json_t *v) {
    arena *ar = arena_create(1024);
    size_t n = 0;
    char *mine = jsonx_dump_compact(v, ar, &n);
    char *theirs = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    assert_non_null(theirs);
    if (strlen(theirs) != n || strcmp(mine, theirs) != 0) fail_msg("mine   %s\ntheirs %s", mine, theirs);
    free(theirs);
    arena_destroy(ar);
}

static void dump_edges(void **state) {
    json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:f, s:f, s:b, s:b, s:n, s:[], s:{}, s:[i, [s], {}]}",
                          "plain", "abc", "escapes", "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f", "max",
                          (json_int_t)INT64_MAX, "min", (json_int_t)INT64_MIN, "zero", (json_int_t)0, "real",
                          2.465, "whole", 3.0, "t", 1, "f", 0, "nil", "empty_array", "empty_object", "nested",
                          -7, "中文 ✓ 😀");
    json_object_set_new(o, "key \"quoted\"\n", json_string("v"));
    json_object_setn_new(o, "nul\0key", 7, json_integer(1));
    json_object_set_new(o, "", json_stringn("a\0b", 3));
    same_as_jansson(o);
    json_decref(o);
    json_t *scalars[] = {json_integer(-1), json_string(""), json_null(), json_true(), json_array(), json_real(-0.5)};
    for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
        same_as_jansson(scalars[i]);
        json_decref(scalars[i]);
    }
}

/* xorshift64: a fixed sequence, so a failure repeats. */
static uint64_t next_rand(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static json_t *random_value(uint64_t *s, int depth) {
    static const char *const texts[] = {"", "a", "账户", "x\"y", "\\", "\n\t", "\x02", "end/", "é€😀"};
    switch (next_rand(s) % (depth > 3 ? 5 : 7)) {
    case 0: return json_integer((json_int_t)(next_rand(s) % 2000001) - 1000000);
    case 1: return json_string(texts[next_rand(s) % (sizeof texts / sizeof texts[0])]);
    case 2: return next_rand(s) % 2 ? json_true() : json_false();
    case 3: return json_null();
    case 4: return json_integer((json_int_t)next_rand(s));
    case 5: {
        json_t *a = json_array();
        for (uint64_t i = next_rand(s) % 5; i > 0; i--) json_array_append_new(a, random_value(s, depth + 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (uint64_t i = next_rand(s) % 6; i > 0; i--) {
            char key[32];
            snprintf(key, sizeof key, "%s%u", texts[next_rand(s) % (sizeof texts / sizeof texts[0])],
                     (unsigned)(next_rand(s) % 50));
            json_object_set_new(o, key, random_value(s, depth + 1));
        }
        return o;
    }
    }
}

static void dump_random_trees(void **state) {
    uint64_t seed = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < 2000; i++) {
        json_t *v = random_value(&seed, 0);
        same_as_jansson(v);
        json_decref(v);
    }
}

/* ---- the writer: the dump's bytes for the same tree ---- */

static void write_value(jsonx_writer *w, const char *key, const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        jsonx_w_open(w, key, '{');
        for (void *it = json_object_iter((json_t *)v); it; it = json_object_iter_next((json_t *)v, it))
            write_value(w, json_object_iter_key(it), json_object_iter_value(it));
        jsonx_w_close(w, '}');
        break;
    case JSON_ARRAY:
        jsonx_w_open(w, key, '[');
        for (size_t i = 0; i < json_array_size(v); i++) write_value(w, NULL, json_array_get(v, i));
        jsonx_w_close(w, ']');
        break;
    case JSON_STRING: jsonx_w_str(w, key, json_string_value(v)); break;
    case JSON_INTEGER: jsonx_w_int(w, key, json_integer_value(v)); break;
    case JSON_TRUE: jsonx_w_bool(w, key, true); break;
    case JSON_FALSE: jsonx_w_bool(w, key, false); break;
    default: jsonx_w_null(w, key); break;
    }
}

static void writer_same_as_dump(const json_t *v) {
    arena *ar = arena_create(1024);
    size_t n = 0;
    char *dump = jsonx_dump_compact(v, ar, &n);
    jsonx_writer w;
    jsonx_w_begin(&w, ar, 16);   /* small: it must grow */
    write_value(&w, NULL, v);
    if (w.n != n || strcmp(w.p, dump) != 0) fail_msg("writer %s\ndump   %s", w.p, dump);
    arena_destroy(ar);
}

static void writer_random_trees(void **state) {
    uint64_t seed = 0x2545f4914f6cdd1du;
    for (int i = 0; i < 2000; i++) {
        json_t *v = random_value(&seed, 0);
        if (json_is_object(v) || json_is_array(v)) writer_same_as_dump(v);
        json_decref(v);
    }
    json_t *o = json_pack("{s:s, s:I, s:I, s:b, s:n, s:[], s:{}, s:[i, [s], {}]}", "escapes",
                          "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f", "max", (json_int_t)INT64_MAX, "min",
                          (json_int_t)INT64_MIN, "t", 1, "nil", "empty_array", "empty_object", "nested", -7,
                          "中文 ✓ 😀");
    writer_same_as_dump(o);
    json_decref(o);
}

/* A piece written apart and put in (jsonx_w_text), and NULL strings. */
static void writer_pieces(void **state) {
    arena *ar = arena_create(1024);
    jsonx_writer items, w;
    jsonx_w_begin(&items, ar, 64);
    jsonx_w_open(&items, NULL, '[');
    jsonx_w_int(&items, NULL, 1);
    jsonx_w_str(&items, NULL, NULL);
    jsonx_w_close(&items, ']');
    jsonx_w_begin(&w, ar, 64);
    jsonx_w_open(&w, NULL, '{');
    jsonx_w_int(&w, "n", 2);
    jsonx_w_text(&w, "items", &items);
    jsonx_w_bool(&w, "more", false);
    jsonx_w_close(&w, '}');
    assert_string_equal(w.p, "{\"n\":2,\"items\":[1,null],\"more\":false}");
    assert_int_equal(w.n, strlen(w.p));
    arena_destroy(ar);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_refusals),  cmocka_unit_test(only_named_members),
        cmocka_unit_test(malformed_json_message_is_valid_utf8),
        cmocka_unit_test(typed_getters),   cmocka_unit_test(enums),
        cmocka_unit_test(error_body_shape), cmocka_unit_test(depth_limited),
        cmocka_unit_test(dump_edges),       cmocka_unit_test(dump_random_trees),
        cmocka_unit_test(writer_random_trees), cmocka_unit_test(writer_pieces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
