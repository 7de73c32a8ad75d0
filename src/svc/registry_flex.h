/* Insured relationships that are not an ordinary employment: flexible
 * employment (灵活就业), residents (城乡居民养老、医疗), single-insurance work
 * injury (单险种工伤: interns, people past retirement age, part-time
 * workers) and construction projects with their worker rosters.
 *
 * Who acts: a person acts for themself (person_id 0 or their own; another
 * person's id is "not found"); a unit operator for its own unit; staff and
 * the CLI (ROLE_SYSTEM) name the person or unit. Every refusal lists every
 * failed rule (err_rules_finish), with the numbers in data_json. Every number
 * comes from the policy: flexible.*, resident.*, injury_only.*,
 * enrolment.deadline_days and the retirement age (retirement.h).
 *
 * Effective month (flexible.first_deduction_day, the 18th): a registration,
 * tier change, suspension or resumption made before that day of the month
 * takes effect this month; on or after it, next month (this month's
 * deduction has been made). */
#ifndef SIPF_SVC_REGISTRY_FLEX_H
#define SIPF_SVC_REGISTRY_FLEX_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "svc/registry.h"

/* The month a flexible change made on the business date takes effect. */
err_kind flex_effective_month(svc_ctx *ctx, month_ym *out, err_detail *err);

/* ---- flexible employment (reg.flex.pension, reg.flex.med, reg.flex.hf) ---- */

typedef struct flex_register_in {
    int64_t person_id;
    const char *package;      /* a key of policy flexible.packages */
    int tier;                 /* 1..n of flexible.tiers_base_fen for each insurance of it */
    bool female_cadre_age;    /* a woman chooses retirement at 55 (kept on the person) */
    bool lives_in_park;       /* declared: lives in the park (housing fund) */
} flex_register_in;

/* Opens one span per insurance of the package (payer person, category
 * flexible, tier "<package>:<n>") from the effective month. Rules:
 * age_below_min, age_at_retirement, employed_insured, already_insured,
 * tier_out_of_range, hf_not_in_park, hf_foreigner_no_pr. Answers
 * {"person_id","package","tier","effective_month","spans":[...]}. */
err_kind flex_register(svc_ctx *ctx, const flex_register_in *in, json_t **out, err_detail *err);

typedef struct flex_tier_in {
    int64_t person_id;
    const char *insurance;    /* one insurance, or */
    const char *package;      /* every insurance of a package the person holds */
    int tier;
} flex_tier_in;

/* Records the new tier (span event "tier", detail "<old>><new>") from the
 * effective month. Rules: not_flexible_insured, tier_out_of_range,
 * tier_unchanged. Answers {"effective_month","changes":[...]}. */
err_kind flex_tier_change(svc_ctx *ctx, const flex_tier_in *in, json_t **out, err_detail *err);

/* Suspension (中断参保) and resumption of flexible spans, a bit set of
 * insurances (1u << reg_insurance), from the effective month. Rules:
 * not_flexible_insured, already_suspended / not_suspended; resumption also
 * age_at_retirement and employed_insured. Answers
 * {"effective_month","spans":[{"insurance","span_id","status"}]}. */
err_kind flex_suspend(svc_ctx *ctx, int64_t person_id, unsigned insurances, json_t **out,
                      err_detail *err);
err_kind flex_resume(svc_ctx *ctx, int64_t person_id, unsigned insurances, json_t **out,
                     err_detail *err);

/* The person's open flexible spans with tier, tier in force this month,
 * contribution base of the tier, status and pending change. Audited read. */
err_kind flex_status(svc_ctx *ctx, int64_t person_id, json_t **out, err_detail *err);

/* For enrolment by an employer: ends the person's open flexible span of an
 * insurance with the month before first_month (nothing when there is none). */
err_kind flex_end_for_employment(svc_ctx *ctx, int64_t person_id, reg_insurance ins,
                                 month_ym first_month, err_detail *err);

/* ---- residents (resident.pension.enrol, resident.med.enrol*) ---- */

/* Residents' pension from this month. Rules: hukou_not_suzhou,
 * age_below_min, student, employee_pension, retired, already_insured. */
err_kind resident_pension_enrol(svc_ctx *ctx, int64_t person_id, json_t **out, err_detail *err);

typedef struct resident_medical_in {
    int64_t person_id;
    const char *category;     /* child, student, elderly, other_adult, migrant_child, hmt,
                                 overseas_student, newborn */
    const char *school;       /* student: the school that registers and pays */
    bool lives_in_park;       /* hmt: declared */
} resident_medical_in;

/* Residents' medical insurance for next year (January to December), only
 * inside the collection period. Rules: outside_collection_period,
 * age_below_min, age_above_max, hukou_not_sip, hukou_not_suzhou,
 * hukou_suzhou, not_student, in_school, employee_medical, employed,
 * not_hmt_permit, not_in_park, id_prefix, already_insured; a student only
 * through the school (staff): ERR_FORBIDDEN "student_via_school". */
err_kind resident_medical_enrol(svc_ctx *ctx, const resident_medical_in *in, json_t **out,
                                err_detail *err);

/* ---- single-insurance work injury (reg.injury-only.*) ---- */

typedef struct injury_only_in {
    int64_t unit_id;
    const char *kind;            /* intern, over_age, part_time */
    int64_t person_id;           /* an existing person, or */
    reg_person_new person;       /* found by id_number, registered when new (name needed) */
    date_days start_date;
    date_days end_date;          /* 0: open */
    const char *school;          /* intern */
    const char *school_kind;     /* intern: policy injury_only.intern_school_kinds */
    int64_t hours_per_day_x10;   /* part_time; -1 when not given */
    int64_t hours_per_week_x10;
} injury_only_in;

/* Creates the employment (kind intern/over_age/part_time) and its injury
 * span (category injury_only, payer unit) from the start month. Rules:
 * age_below_min, school_not_vocational, below_retirement_age, age_above_max,
 * retired, part_time_day_hours, part_time_week_hours, already_insured. */
err_kind injury_only_enrol(svc_ctx *ctx, const injury_only_in *in, json_t **out, err_detail *err);

typedef struct project_in {
    int64_t unit_id;
    const char *name;
    const char *contract_no;
    date_days start_date;
    date_days end_date;          /* 0: not known */
} project_in;

/* A unit's construction project. ERR_CONFLICT "project_exists" when the
 * unit already has that contract number. */
err_kind project_create(svc_ctx *ctx, const project_in *in, json_t **out, err_detail *err);

/* Adds a roster to a project, all or nothing: workers is a JSON array of
 * {"id_number", "id_kind"?, "name"?, "sex"?, "birth_date"?, "hukou_kind"?,
 * "start_date"?}; each row becomes an employment (kind construction) and an
 * injury span to the project's end. Every bad row is listed (rules with
 * "row"): invalid_row, duplicate_row, person_unknown, outside_project_period,
 * already_insured. */
err_kind project_add_workers(svc_ctx *ctx, int64_t unit_id, int64_t project_id,
                             const json_t *workers, json_t **out, err_detail *err);

/* A project with its workers (a unit sees only its own: else not found). */
err_kind project_get(svc_ctx *ctx, int64_t unit_id, int64_t project_id, json_t **out,
                     err_detail *err);

/* Demo data (svc/demo.c may call it): three flexible workers, two residents'
 * pensions, four residents' medical insurances (child, elderly, migrant
 * child, newborn: registered in last year's collection period), an intern,
 * an over-age and a part-time worker at unit_id, and a construction project
 * of unit_id with a roster of three. New persons (area code 320506); ages
 * are kept right for any business year. */
err_kind flex_demo_seed(svc_ctx *ctx, int64_t unit_id, err_detail *err);

/* A unit's id by its social credit code (the CLI names units by code). */
err_kind flex_unit_find(svc_ctx *ctx, const char *code, int64_t *id_out, err_detail *err);

#endif
