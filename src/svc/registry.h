/* The registry: units, persons and their insured relationships.
 *
 * This header is the core every registry area shares (svc/registry.c):
 * insurance names, persons (create, find by current or former identity,
 * read), and insured relationships (spans: open, close, change status).
 * The areas build on it, each in its own file and header:
 *   registry_unit.h     units: registration, changes, cancellation, permissions
 *   registry_person.h   persons: search, changes, key changes, certificates
 *   registry_enrol.h    employees: enrolment, rosters, termination, transfers
 *   registry_flex.h     flexible employment, residents, single-insurance injury
 *   retirement.h        the statutory retirement age (2025 reform)
 * Every age, month and limit comes from the policy (registry.*, flexible.*,
 * resident.*, injury_only.*, enrolment.*). */
#ifndef SIPF_SVC_REGISTRY_H
#define SIPF_SVC_REGISTRY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/idno.h"
#include "svc/ctx.h"

typedef enum reg_insurance {
    INS_PENSION = 0,
    INS_MEDICAL,
    INS_UNEMPLOYMENT,
    INS_INJURY,
    INS_MATERNITY,
    INS_HOUSING_FUND,
    INS_HOUSING_SUBSIDY,
    INS_COUNT
} reg_insurance;

const char *reg_insurance_name(reg_insurance i);      /* "pension", ... */
const char *reg_insurance_name_zh(reg_insurance i);   /* "养老保险", ... */
err_kind reg_insurance_parse(const char *s, const char *field, reg_insurance *out,
                             err_detail *err);
/* A JSON array of insurance names into a bit set (1u << reg_insurance). */
err_kind reg_insurances_parse(const json_t *arr, const char *field, unsigned *out,
                              err_detail *err);

/* ---- persons ---- */

enum { REG_NAME_BYTES_MAX = 64 };

/* hukou kinds: "sip" (园区户籍), "suzhou" (other Suzhou), "jiangsu" (other
 * Jiangsu), "other_province", "hmt" (HK/Macao/Taiwan), "foreign". */
bool reg_hukou_valid(const char *kind);
const char *reg_hukou_name_zh(const char *kind);

typedef struct reg_person_new {
    idno_kind id_kind;
    const char *id_number;
    const char *name;
    const char *sex;          /* "M"/"F"; required unless the document carries it */
    date_days birth_date;     /* 0: from the document; required otherwise */
    const char *nationality;  /* ISO alpha-3; NULL: "CHN" for resident IDs */
    const char *hukou_kind;   /* NULL: "other_province" */
    const char *mobile;
    const char *email;
    const char *address;
    bool is_student;
} reg_person_new;

/* Creates a person with a new social security number and park number.
 * Refusals: the document's own codes (ERR_INVALID), ERR_CONFLICT
 * "person_exists" (the identity is taken, now or before). */
err_kind reg_person_create(svc_ctx *ctx, const reg_person_new *in, int64_t *id_out,
                           err_detail *err);

/* Finds a person by an ID number, current or former (a key change keeps the
 * old identity finding the person). ERR_NOT_FOUND "person_not_found". */
err_kind reg_person_find(svc_ctx *ctx, const char *id_number, int64_t *id_out, err_detail *err);

typedef struct reg_person {
    int64_t id;
    char id_kind[16];
    char id_number[40];
    char name[REG_NAME_BYTES_MAX * 2];
    char sex;                 /* 'M', 'F' or 0 */
    date_days birth_date;     /* 0 when unknown */
    char nationality[8];
    char hukou_kind[24];
    char si_number[16];
    char park_number[16];
    bool is_student;
    bool retired;
} reg_person;

/* Reads a person (no visibility check: callers check). ERR_NOT_FOUND. */
err_kind reg_person_get(svc_ctx *ctx, int64_t id, reg_person *out, err_detail *err);

/* Whole years of age on a date. */
int reg_person_age(const reg_person *p, date_days on);

/* ---- insured relationships ---- */

typedef struct reg_span_new {
    int64_t person_id;
    int64_t unit_id;          /* 0 when the person or a school pays */
    int64_t employment_id;    /* 0 when none */
    reg_insurance insurance;
    const char *payer;        /* "unit", "person", "school" */
    const char *category;     /* a key of policy registry.categories */
    const char *tier;         /* flexible/resident package or tier, or NULL */
    month_ym start_month;
    month_ym end_month;       /* 0: open */
    const char *reason;       /* why it opened, for the history */
} reg_span_new;

/* Opens a span. Refused (rule "already_insured", with the span's id and
 * months) when the person has a span of the same insurance that overlaps.
 * Writes the "open" event. */
err_kind reg_span_open(svc_ctx *ctx, const reg_span_new *in, int64_t *span_id_out,
                       err_detail *err);

/* Closes a span at end_month (inclusive) with status "terminated" or
 * "sealed" (封存, housing fund). ERR_CONFLICT "span_closed" when it is. */
err_kind reg_span_close(svc_ctx *ctx, int64_t span_id, month_ym end_month, const char *status,
                        const char *reason, err_detail *err);

/* Suspends ("suspended") or resumes ("normal") an open span from a month. */
err_kind reg_span_set_status(svc_ctx *ctx, int64_t span_id, const char *status,
                             month_ym effective_month, const char *reason, err_detail *err);

/* Records an event on a span without changing its status (tier, package). */
err_kind reg_span_note(svc_ctx *ctx, int64_t span_id, const char *action, month_ym effective_month,
                       const char *detail, err_detail *err);

/* The open span of a person's insurance in a month, or 0 (no error). */
err_kind reg_span_active(svc_ctx *ctx, int64_t person_id, reg_insurance ins, month_ym month,
                         int64_t *span_id_out, err_detail *err);

/* Every span of a person (unit_id > 0: only spans at that unit), newest first,
 * each with its events when with_events. A new JSON array. */
err_kind reg_spans_json(svc_ctx *ctx, int64_t person_id, int64_t unit_id, bool with_events,
                        json_t **out, err_detail *err);

/* A category of the policy (registry.categories): which insurances it
 * includes and which of those are optional. ERR_INVALID "invalid_category". */
err_kind reg_category(svc_ctx *ctx, const char *category, unsigned *included,
                      unsigned *optional, err_detail *err);

/* ---- application effects (svc/application_items.def) ---- */
err_kind reg_person_key_change_check(svc_ctx *ctx, const json_t *payload, int64_t person_id,
                                     int64_t unit_id, err_detail *err);
err_kind reg_person_key_change_apply(svc_ctx *ctx, int64_t app_id, const json_t *payload,
                                     int64_t person_id, int64_t unit_id, err_detail *err);
err_kind reg_unit_key_change_check(svc_ctx *ctx, const json_t *payload, int64_t person_id,
                                   int64_t unit_id, err_detail *err);
err_kind reg_unit_key_change_apply(svc_ctx *ctx, int64_t app_id, const json_t *payload,
                                   int64_t person_id, int64_t unit_id, err_detail *err);

#endif
