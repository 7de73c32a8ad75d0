/* Strict reading of JSON request bodies: every field typed, unknown fields
 * refused, every failure an ERR_INVALID naming the field in Chinese. */
#ifndef SIPF_BASE_JSONX_H
#define SIPF_BASE_JSONX_H

#include <jansson.h>

#include "base/arena.h"
#include <stdbool.h>
#include <stdint.h>

#include "base/date.h"
#include "base/err.h"

/* Parses a body: must be a JSON object, depth-limited. NULL/empty body is an error. */
err_kind jsonx_parse_object(const char *body, size_t len, json_t **out, err_detail *err);

/* Refuses members of obj not named in allowed (NULL-terminated). */
err_kind jsonx_only(const json_t *obj, const char *const allowed[], err_detail *err);

/* Getters. required = false and member absent (or null): out untouched, ERR_OK.
 * Wrong type, empty string, too long: ERR_INVALID code "invalid_field". */
err_kind jsonx_str(const json_t *obj, const char *key, bool required, size_t max_bytes,
                   const char **out, err_detail *err);
err_kind jsonx_int(const json_t *obj, const char *key, bool required, int64_t min, int64_t max,
                   int64_t *out, err_detail *err);
err_kind jsonx_bool(const json_t *obj, const char *key, bool required, bool *out,
                    err_detail *err);
err_kind jsonx_date(const json_t *obj, const char *key, bool required, date_days *out,
                    err_detail *err);
err_kind jsonx_month(const json_t *obj, const char *key, bool required, month_ym *out,
                     err_detail *err);
/* One of the given strings (NULL-terminated); *out_index receives its position. */
err_kind jsonx_enum(const json_t *obj, const char *key, bool required,
                    const char *const values[], int *out_index, err_detail *err);

/* The error as the API's JSON body: {"error":{"code","message","field"?,"rules":[...]}}. */
json_t *jsonx_error_body(const err_detail *d);

/* A date or month as a new JSON string. */
json_t *jsonx_date_new(date_days d);
json_t *jsonx_month_new(month_ym m);

/* v as json_dumpb(v, JSON_COMPACT) writes it, byte for byte, into the arena
 * (NUL-terminated; its length in *len_out). jansson's own dump formats every
 * number with snprintf and was a quarter of a contribution list's cost. */
char *jsonx_dump_compact(const json_t *v, arena *ar, size_t *len_out);

/* JSON text written as it is made, in the arena, in the bytes
 * jsonx_dump_compact writes for the same tree (its buffer and escaping):
 * for the long answers, whose tree of objects cost more than the rows they
 * came from. A key is NULL for an array's element. p is NUL-terminated
 * after every close. */
typedef struct jsonx_writer {
    arena *ar;
    char *p;
    size_t n, cap;
    bool comma;              /* the next member or element needs one */
} jsonx_writer;

void jsonx_w_begin(jsonx_writer *w, arena *ar, size_t cap);
void jsonx_w_open(jsonx_writer *w, const char *key, char brace);   /* '{' or '[' */
void jsonx_w_close(jsonx_writer *w, char brace);                   /* '}' or ']' */
void jsonx_w_str(jsonx_writer *w, const char *key, const char *s); /* NULL: null */
void jsonx_w_int(jsonx_writer *w, const char *key, int64_t v);
void jsonx_w_bool(jsonx_writer *w, const char *key, bool v);
void jsonx_w_null(jsonx_writer *w, const char *key);
/* A value already written by another writer (a closed object or array). */
void jsonx_w_text(jsonx_writer *w, const char *key, const jsonx_writer *text);

#endif
