#include "base/err.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int http_status;
    int exit_code;
} err_table[ERR_KIND_COUNT] = {
    [ERR_OK] = {"ok", 200, 0},
    [ERR_INVALID] = {"invalid", 400, 2},
    [ERR_RULE] = {"rule", 422, 3},
    [ERR_UNAUTHORIZED] = {"unauthorized", 401, 4},
    [ERR_FORBIDDEN] = {"forbidden", 403, 4},
    [ERR_NOT_FOUND] = {"not_found", 404, 5},
    [ERR_CONFLICT] = {"conflict", 409, 6},
    [ERR_TOO_LARGE] = {"too_large", 413, 2},
    [ERR_LOCKED] = {"locked", 423, 4},
    [ERR_UNAVAILABLE] = {"unavailable", 503, 7},
    [ERR_CONFIG] = {"config", 500, 8},
    [ERR_INTERNAL] = {"internal", 500, 9},
};

void err_clear(err_detail *d) {
    if (d) memset(d, 0, sizeof *d);
}

/* A message cut at its buffer's end may end inside a UTF-8 character; JSON
 * must never carry half a character, so drop the incomplete tail. */
static void utf8_trim_tail(char *s) {
    size_t n = strlen(s);
    size_t i = n;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) i--;   /* continuation bytes */
    if (i == 0) return;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (n - (i - 1) < want) s[i - 1] = 0;
}

static void copy_str(char *dst, size_t cap, const char *src) {
    if (!src) src = "";
    snprintf(dst, cap, "%s", src);
    utf8_trim_tail(dst);
}

err_kind err_set(err_detail *d, err_kind kind, const char *code, const char *field,
                 const char *fmt, ...) {
    assert(kind > ERR_OK && kind < ERR_KIND_COUNT);
    if (!d) return kind;
    d->kind = kind;
    copy_str(d->code, sizeof d->code, code);
    copy_str(d->field, sizeof d->field, field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->message, sizeof d->message, fmt, ap);
    va_end(ap);
    utf8_trim_tail(d->message);
    return kind;
}

void err_rule_add(err_detail *d, const char *code, const char *data_json, const char *fmt, ...) {
    if (!d) return;
    /* Past the limit the last slot says how many more rules failed: the
     * caller still learns every rule by fixing and retrying, never silently. */
    if (d->rule_count >= ERR_RULES_MAX) {
        err_rule *last = &d->rules[ERR_RULES_MAX - 1];
        d->rules_dropped++;
        copy_str(last->code, sizeof last->code, "more_rules");
        snprintf(last->data_json, sizeof last->data_json, "{\"more\":%d}", d->rules_dropped + 1);
        snprintf(last->message, sizeof last->message, "另有 %d 项规则未通过，请更正上述各项后重试",
                 d->rules_dropped + 1);
        return;
    }
    err_rule *r = &d->rules[d->rule_count++];
    copy_str(r->code, sizeof r->code, code);
    copy_str(r->data_json, sizeof r->data_json, data_json);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof r->message, fmt, ap);
    va_end(ap);
    utf8_trim_tail(r->message);
}

err_kind err_rules_finish(err_detail *d) {
    if (!d || d->rule_count == 0) return ERR_OK;
    d->kind = ERR_RULE;
    copy_str(d->code, sizeof d->code, "rules_failed");
    if (d->rule_count == 1)
        copy_str(d->message, sizeof d->message, d->rules[0].message);
    else
        snprintf(d->message, sizeof d->message, "不符合办理条件：共 %d 项规则未通过", d->rule_count);
    return ERR_RULE;
}

void err_echo_span(const char *s, size_t n, char *out, size_t cap) {
    size_t k = 0, i = 0;
    for (; i < n && i < ERR_ECHO_INPUT_MAX && k + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        out[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (i < n && k + 4 < cap) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = 0;
}

void err_echo(const char *s, char out[ERR_ECHO_BYTES]) {
    if (!s) s = "";
    err_echo_span(s, strlen(s), out, ERR_ECHO_BYTES);
}

int err_http_status(err_kind kind) {
    assert(kind >= ERR_OK && kind < ERR_KIND_COUNT);
    return err_table[kind].http_status;
}

int err_exit_code(err_kind kind) {
    assert(kind >= ERR_OK && kind < ERR_KIND_COUNT);
    return err_table[kind].exit_code;
}

const char *err_kind_name(err_kind kind) {
    assert(kind >= ERR_OK && kind < ERR_KIND_COUNT);
    return err_table[kind].name;
}
