/* Errors as values.
 *
 * A function that can fail returns an err_kind (ERR_OK is 0) and fills a
 * caller-supplied err_detail. On failure it leaves its outputs untouched.
 * The detail carries a stable machine code, the offending field, a message in
 * Chinese for the person in front of the screen, and for refusals every rule
 * that failed, each with its own code, message and the numbers involved.
 * One table (err.c) maps kinds to HTTP statuses and CLI exit codes. */
#ifndef SIPF_BASE_ERR_H
#define SIPF_BASE_ERR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum err_kind {
    ERR_OK = 0,
    ERR_INVALID,        /* malformed or out-of-range input: 400 */
    ERR_RULE,           /* a business rule refused the request: 422 */
    ERR_UNAUTHORIZED,   /* no, bad or expired credentials: 401 */
    ERR_FORBIDDEN,      /* signed in, but this role may not: 403 */
    ERR_NOT_FOUND,      /* absent, or not visible to the caller: 404 */
    ERR_CONFLICT,       /* state does not allow it, duplicates: 409 */
    ERR_TOO_LARGE,      /* body or file over its limit: 413 */
    ERR_LOCKED,         /* account locked after failed sign-ins: 423 */
    ERR_UNAVAILABLE,    /* store busy, disk full, read-only: 503 */
    ERR_CONFIG,         /* missing policy parameter or calendar year: 500 */
    ERR_INTERNAL,       /* a defect or an unexpected store error: 500 */
    ERR_KIND_COUNT
} err_kind;

enum { ERR_RULES_MAX = 16 };

typedef struct err_rule {
    char code[48];       /* stable, e.g. "age_below_min" */
    char message[256];   /* Chinese */
    char data_json[256]; /* compact JSON object of the numbers involved, or "" */
} err_rule;

typedef struct err_detail {
    err_kind kind;
    char code[48];      /* stable, e.g. "invalid_field", "rules_failed" */
    char field[64];     /* offending input field, or "" */
    char message[256];  /* Chinese */
    int rule_count;
    int rules_dropped;  /* rules that failed past ERR_RULES_MAX (the last slot says so) */
    err_rule rules[ERR_RULES_MAX];
} err_detail;

void err_clear(err_detail *d);

/* Sets kind, code, field (may be NULL) and a printf-formatted message; returns kind
 * so that `return err_set(...)` reads naturally. d may be NULL. */
err_kind err_set(err_detail *d, err_kind kind, const char *code, const char *field,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Appends one failed rule. data_json is a compact JSON object (may be NULL).
 * Does not change kind; callers finish with err_rules_finish. */
void err_rule_add(err_detail *d, const char *code, const char *data_json,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* When rules were added: sets kind ERR_RULE, code "rules_failed" and a summary
 * message, and returns ERR_RULE; otherwise returns ERR_OK. */
err_kind err_rules_finish(err_detail *d);

/* Quotes bad input back in a message safely: printable ASCII passes, any
 * other byte becomes '?', and past ERR_ECHO_INPUT_MAX bytes it is cut with "...". */
enum { ERR_ECHO_INPUT_MAX = 40, ERR_ECHO_BYTES = ERR_ECHO_INPUT_MAX + 8 };
void err_echo(const char *s, char out[ERR_ECHO_BYTES]);
void err_echo_span(const char *s, size_t n, char *out, size_t cap);

int err_http_status(err_kind kind);
int err_exit_code(err_kind kind);
const char *err_kind_name(err_kind kind);

#endif
