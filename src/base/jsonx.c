#include "base/jsonx.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "base/limits.h"

static int depth_of(const json_t *v, int depth) {
    if (depth > LIMIT_JSON_DEPTH_MAX) return depth;
    int deepest = depth;
    if (json_is_object(v)) {
        const char *k;
        json_t *c;
        json_object_foreach((json_t *)v, k, c) {
            int d = depth_of(c, depth + 1);
            if (d > deepest) deepest = d;
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *c;
        json_array_foreach(v, i, c) {
            int d = depth_of(c, depth + 1);
            if (d > deepest) deepest = d;
        }
    }
    return deepest;
}

err_kind jsonx_parse_object(const char *body, size_t len, json_t **out, err_detail *err) {
    if (!body || len == 0)
        return err_set(err, ERR_INVALID, "body_missing", NULL, "请求体不能为空，应为 JSON 对象");
    if (len > LIMIT_BODY_BYTES_MAX)
        return err_set(err, ERR_TOO_LARGE, "body_too_large", NULL,
                       "请求体过大：%zu 字节，上限 %d 字节", len, LIMIT_BODY_BYTES_MAX);
    json_error_t je;
    json_t *v = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!v) {
        /* jansson quotes the input near the error, cut at a byte count: it may
         * end inside a character, and a message must stay valid UTF-8 */
        char why[ERR_ECHO_BYTES];
        err_echo(je.text, why);
        return err_set(err, ERR_INVALID, "malformed_json", NULL,
                       "JSON 格式错误（第 %d 行第 %d 列）：%s", je.line, je.column, why);
    }
    if (!json_is_object(v)) {
        json_decref(v);
        return err_set(err, ERR_INVALID, "body_not_object", NULL, "请求体应为 JSON 对象");
    }
    if (depth_of(v, 0) > LIMIT_JSON_DEPTH_MAX) {
        json_decref(v);
        return err_set(err, ERR_INVALID, "json_too_deep", NULL,
                       "JSON 嵌套过深，上限 %d 层", LIMIT_JSON_DEPTH_MAX);
    }
    *out = v;
    return ERR_OK;
}

err_kind jsonx_only(const json_t *obj, const char *const allowed[], err_detail *err) {
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v) {
        bool ok = false;
        for (size_t i = 0; allowed[i]; i++)
            if (strcmp(k, allowed[i]) == 0) { ok = true; break; }
        if (!ok)
            return err_set(err, ERR_INVALID, "unknown_field", k, "不认识的字段：%s", k);
    }
    return ERR_OK;
}

static err_kind missing(const char *key, err_detail *err) {
    return err_set(err, ERR_INVALID, "missing_field", key, "缺少必填字段：%s", key);
}

static err_kind wrong_type(const char *key, const char *want, err_detail *err) {
    return err_set(err, ERR_INVALID, "invalid_field", key, "字段 %s 应为%s", key, want);
}

/* absent or null, for optional fields */
static bool absent(const json_t *v) { return !v || json_is_null(v); }

err_kind jsonx_str(const json_t *obj, const char *key, bool required, size_t max_bytes,
                   const char **out, err_detail *err) {
    json_t *v = json_object_get(obj, key);
    if (absent(v)) return required ? missing(key, err) : ERR_OK;
    if (!json_is_string(v)) return wrong_type(key, "字符串", err);
    size_t n = json_string_length(v);
    if (n == 0 && required)
        return err_set(err, ERR_INVALID, "invalid_field", key, "字段 %s 不能为空", key);
    if (n > max_bytes)
        return err_set(err, ERR_INVALID, "field_too_long", key,
                       "字段 %s 过长：%zu 字节，上限 %zu", key, n, max_bytes);
    if (strlen(json_string_value(v)) != n)
        return err_set(err, ERR_INVALID, "invalid_field", key, "字段 %s 含有空字符", key);
    *out = json_string_value(v);
    return ERR_OK;
}

err_kind jsonx_int(const json_t *obj, const char *key, bool required, int64_t min, int64_t max,
                   int64_t *out, err_detail *err) {
    json_t *v = json_object_get(obj, key);
    if (absent(v)) return required ? missing(key, err) : ERR_OK;
    if (!json_is_integer(v)) return wrong_type(key, "整数", err);
    json_int_t n = json_integer_value(v);
    if (n < min || n > max)
        return err_set(err, ERR_INVALID, "out_of_range", key,
                       "字段 %s 超出范围：%lld，应在 %lld 到 %lld 之间", key, (long long)n,
                       (long long)min, (long long)max);
    *out = n;
    return ERR_OK;
}

err_kind jsonx_bool(const json_t *obj, const char *key, bool required, bool *out,
                    err_detail *err) {
    json_t *v = json_object_get(obj, key);
    if (absent(v)) return required ? missing(key, err) : ERR_OK;
    if (!json_is_boolean(v)) return wrong_type(key, "布尔值 true 或 false", err);
    *out = json_is_true(v);
    return ERR_OK;
}

err_kind jsonx_date(const json_t *obj, const char *key, bool required, date_days *out,
                    err_detail *err) {
    const char *s = NULL;
    err_kind k = jsonx_str(obj, key, required, 16, &s, err);
    if (k || !s) return k;
    return date_parse(s, key, out, err);
}

err_kind jsonx_month(const json_t *obj, const char *key, bool required, month_ym *out,
                     err_detail *err) {
    const char *s = NULL;
    err_kind k = jsonx_str(obj, key, required, 16, &s, err);
    if (k || !s) return k;
    return month_parse(s, key, out, err);
}

err_kind jsonx_enum(const json_t *obj, const char *key, bool required,
                    const char *const values[], int *out_index, err_detail *err) {
    const char *s = NULL;
    err_kind k = jsonx_str(obj, key, required, 64, &s, err);
    if (k || !s) return k;
    for (int i = 0; values[i]; i++)
        if (strcmp(values[i], s) == 0) { *out_index = i; return ERR_OK; }
    char list[256] = "";
    size_t used = 0;
    for (int i = 0; values[i] && used < sizeof list - 1; i++) {
        int n = snprintf(list + used, sizeof list - used, "%s%s", i ? "、" : "", values[i]);
        if (n < 0) break;
        used += (size_t)n;
    }
    return err_set(err, ERR_INVALID, "invalid_value", key, "字段 %s 的取值 %s 无效，可选：%s",
                   key, s, list);
}

json_t *jsonx_error_body(const err_detail *d) {
    json_t *rules = json_array();
    for (int i = 0; i < d->rule_count; i++) {
        const err_rule *r = &d->rules[i];
        json_t *data = NULL;
        if (r->data_json[0]) data = json_loads(r->data_json, 0, NULL);
        json_array_append_new(rules, json_pack("{s:s, s:s, s:o}", "code", r->code, "message",
                                               r->message, "data",
                                               data ? data : json_object()));
    }
    json_t *e = json_pack("{s:s, s:s, s:o}", "code", d->code[0] ? d->code : err_kind_name(d->kind),
                          "message", d->message, "rules", rules);
    if (d->field[0]) json_object_set_new(e, "field", json_string(d->field));
    return json_pack("{s:o}", "error", e);
}

json_t *jsonx_date_new(date_days d) {
    char b[DATE_STR_BYTES];
    date_format(d, b);
    return json_string(b);
}

json_t *jsonx_month_new(month_ym m) {
    char b[MONTH_STR_BYTES];
    month_format(m, b);
    return json_string(b);
}

/* ---- compact dump ---- */

typedef jsonx_writer jbuf;   /* the dump and the writer share the buffer and its escaping */

static void jb_room(jbuf *b, size_t more) {
    if (b->n + more + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->n + more + 1) cap *= 2;
    char *p = arena_alloc(b->ar, cap);
    if (b->n) memcpy(p, b->p, b->n);
    b->p = p;
    b->cap = cap;
}

static void jb_put(jbuf *b, const char *s, size_t n) {
    jb_room(b, n);
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void jb_char(jbuf *b, char c) {
    jb_room(b, 1);
    b->p[b->n++] = c;
}

/* As jansson escapes without JSON_ENSURE_ASCII or JSON_ESCAPE_SLASH: the
 * quote, the backslash and control bytes; UTF-8 as it is. */
static void dump_string(jbuf *b, const char *s, size_t len) {
    jb_char(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        jb_put(b, s + run, i - run);
        run = i + 1;
        char esc[8];
        switch (c) {
        case '"': jb_put(b, "\\\"", 2); break;
        case '\\': jb_put(b, "\\\\", 2); break;
        case '\b': jb_put(b, "\\b", 2); break;
        case '\f': jb_put(b, "\\f", 2); break;
        case '\n': jb_put(b, "\\n", 2); break;
        case '\r': jb_put(b, "\\r", 2); break;
        case '\t': jb_put(b, "\\t", 2); break;
        default:
            snprintf(esc, sizeof esc, "\\u%04X", c);
            jb_put(b, esc, 6);
        }
    }
    jb_put(b, s + run, len - run);
    jb_char(b, '"');
}

static void dump_int(jbuf *b, json_int_t v) {
    char tmp[24];
    int i = (int)sizeof tmp;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;   /* INT64_MIN too */
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) tmp[--i] = '-';
    jb_put(b, tmp + i, sizeof tmp - (size_t)i);
}

static void dump_value(jbuf *b, const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        jb_char(b, '{');
        bool first = true;
        for (void *it = json_object_iter((json_t *)v); it; it = json_object_iter_next((json_t *)v, it)) {
            if (!first) jb_char(b, ',');
            first = false;
            dump_string(b, json_object_iter_key(it), json_object_iter_key_len(it));
            jb_char(b, ':');
            dump_value(b, json_object_iter_value(it));
        }
        jb_char(b, '}');
        break;
    }
    case JSON_ARRAY:
        jb_char(b, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i) jb_char(b, ',');
            dump_value(b, json_array_get(v, i));
        }
        jb_char(b, ']');
        break;
    case JSON_STRING: dump_string(b, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: dump_int(b, json_integer_value(v)); break;
    case JSON_REAL: {   /* rare (timings): jansson's own digits */
        char *r = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        if (r) jb_put(b, r, strlen(r));
        free(r);
        break;
    }
    case JSON_TRUE: jb_put(b, "true", 4); break;
    case JSON_FALSE: jb_put(b, "false", 5); break;
    case JSON_NULL: jb_put(b, "null", 4); break;
    }
}

char *jsonx_dump_compact(const json_t *v, arena *ar, size_t *len_out) {
    jbuf b = {.ar = ar};
    jb_room(&b, 4096);
    dump_value(&b, v);
    b.p[b.n] = 0;
    *len_out = b.n;
    return b.p;
}

/* ---- the writer ---- */

void jsonx_w_begin(jsonx_writer *w, arena *ar, size_t cap) {
    *w = (jsonx_writer){.ar = ar};
    jb_room(w, cap);
    w->p[0] = 0;
}

/* The comma before a member or element, and its key. */
static void w_member(jsonx_writer *w, const char *key) {
    if (w->comma) jb_char(w, ',');
    w->comma = true;
    if (!key) return;
    dump_string(w, key, strlen(key));
    jb_char(w, ':');
}

void jsonx_w_open(jsonx_writer *w, const char *key, char brace) {
    assert(brace == '{' || brace == '[');
    w_member(w, key);
    jb_char(w, brace);
    w->comma = false;
}

void jsonx_w_close(jsonx_writer *w, char brace) {
    assert(brace == '}' || brace == ']');
    jb_char(w, brace);
    w->comma = true;
    w->p[w->n] = 0;
}

void jsonx_w_str(jsonx_writer *w, const char *key, const char *s) {
    w_member(w, key);
    if (s) dump_string(w, s, strlen(s));
    else jb_put(w, "null", 4);
}

void jsonx_w_int(jsonx_writer *w, const char *key, int64_t v) {
    w_member(w, key);
    dump_int(w, (json_int_t)v);
}

void jsonx_w_bool(jsonx_writer *w, const char *key, bool v) {
    w_member(w, key);
    if (v) jb_put(w, "true", 4);
    else jb_put(w, "false", 5);
}

void jsonx_w_null(jsonx_writer *w, const char *key) {
    w_member(w, key);
    jb_put(w, "null", 4);
}

void jsonx_w_text(jsonx_writer *w, const char *key, const jsonx_writer *text) {
    w_member(w, key);
    jb_put(w, text->p, text->n);
}
