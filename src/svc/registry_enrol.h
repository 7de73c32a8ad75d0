/* Employees' insured relationships: enrolment by a unit, one at a time or a
 * roster file (花名册), HK/Macao/Taiwan and foreign employees, termination
 * (退工停保), the one change of a termination reason, and transfer records
 * (转移).
 *
 * Who acts: a unit operator for its own unit (another unit, or a person of
 * another unit, is ERR_NOT_FOUND); staff at the counter and the CLI
 * (ROLE_SYSTEM) name the unit. Persons cannot enrol or terminate.
 *
 * Every refusal lists every failed rule at once (err_rules_finish), each with
 * a stable code, a Chinese message with the numbers and data_json. A refusal
 * writes nothing: checks run before the first write, and the channel rolls
 * the transaction back.
 *
 * Every number comes from the policy: enrolment.deadline_days,
 * enrolment.min_age_years, housing_fund.rate_min_bp / rate_max_bp,
 * registry.categories, registry.bilateral_exemptions,
 * registry.termination_reasons, registry.termination_reason_changes_max,
 * registry.transfer_free_provinces; the retirement age through
 * retirement_compute. */
#ifndef SIPF_SVC_REGISTRY_ENROL_H
#define SIPF_SVC_REGISTRY_ENROL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/table.h"
#include "svc/registry.h"

enum {
    ENROL_CERTIFICATE_BYTES_MAX = 64,   /* a bilateral agreement's certificate reference */
    ENROL_REGION_BYTES_MAX = 128,       /* a transfer's region or province */
};

/* ---- enrolment (reg.employee.si, .med, .hf, .foreign) ---- */

typedef struct enrol_in {
    int64_t unit_id;                  /* a unit operator: 0 or its own */
    int64_t person_id;                /* an existing person, or 0: found by person.id_number,
                                         registered through reg_person_create when new */
    reg_person_new person;            /* the identity; used only for a new person, except the
                                         name, which must match an existing person's */
    date_days start_date;             /* 用工之日 */
    date_days contract_end;           /* 0: not given; foreign and hmt need it */
    const char *kind;                 /* "regular" (NULL), "foreign", "hmt" */
    const char *category;             /* NULL: the unit's; foreign and hmt: "foreign" */
    unsigned insurances;              /* bit set (1u << reg_insurance); 0: the category's */
    int pays_hf;                      /* -1 not given, 0, 1; foreign and hmt must say */
    int64_t hf_rate_bp;               /* 0: not given; foreign and hmt paying need it */
    const char *exemption_country;    /* foreign: a key of registry.bilateral_exemptions */
    const char *exemption_certificate;/* the agreement's certificate, required with it */
} enrol_in;

/* Enrols an employee into every insurance of the category at once (the SI,
 * medical and housing fund systems): one employment and one span per
 * insurance (payer unit), from the month of the start date, or from the
 * month after an earlier span of the same insurance that ends in or after
 * it (a job change in the same month never fails). An open flexible span is
 * ended before the first month (flex_end_for_employment).
 *
 * Insurances: the category's, less its optional ones, unless given; an
 * optional one may be added; a non-optional one may not be left out; the
 * housing fund follows pays_hf when given; the insurances a bilateral
 * agreement exempts are not enrolled.
 *
 * Rules: unit_cancelled, already_employed, name_mismatch,
 * birth_date_missing, sex_missing, age_below_min, age_at_retirement (hint:
 * single-insurance work injury for people past the age), person_retired,
 * start_date_future, document_kind_mismatch, nationality_missing,
 * nationality_mismatch, contract_end_missing, contract_end_before_start,
 * pays_hf_missing, hf_rate_missing, hf_rate_out_of_range,
 * exemption_not_foreign, exemption_unknown, exemption_certificate_missing,
 * category_not_for_employees, insurance_not_in_category, insurance_required,
 * pays_hf_conflict, already_insured.
 *
 * Late: enrolled more than enrolment.deadline_days after the start date is
 * accepted and flagged (employments.late, late_days = the days past the
 * deadline); the 30th day after the start is on time, the 31st late.
 *
 * Answers {"employment_id","person_id","person_created","unit_id","kind",
 * "category","start_date","contract_end","enrolled_on","days_after_start",
 * "deadline_days","late","late_days","message","spans":[...],"exempt":[...]}. */
err_kind enrol_employee(svc_ctx *ctx, const enrol_in *in, json_t **out, err_detail *err);

/* A roster (花名册): the first non-empty row names the columns (Chinese or
 * English, see docs/roster.md); every other row is one enrolment, checked by
 * enrol_employee. A duplicate ID number within the file is a bad row too.
 *
 * When every row is good, all are enrolled: ERR_OK and *out =
 * {"unit_id","count","late_count","enrolled":[{"row","person_id",
 * "employment_id","id_number","name","person_created","late","late_days"}]}.
 * When any row is bad: ERR_RULE code "roster_rejected" (the first bad rows
 * as rules too) and *bad_rows_out = [{"row","field","column","code",
 * "message","data"?}] for every problem of every bad row; the caller rolls
 * back, so nothing is written. A bad header or an empty file: ERR_INVALID. */
err_kind enrol_roster(svc_ctx *ctx, int64_t unit_id, const table *t, json_t **out,
                      json_t **bad_rows_out, err_detail *err);

/* ---- termination (reg.employee.terminate) ---- */

typedef struct termination_in {
    int64_t unit_id;          /* a unit operator: 0 or its own; staff: 0 when the person is
                                 employed at one unit only */
    int64_t person_id;        /* or */
    const char *id_number;
    date_days end_date;
    const char *reason;       /* a key of registry.termination_reasons */
} termination_in;

/* Ends the employment (end_date, status terminated, the reason and whether
 * it was voluntary) and closes every open span of it at the month of the end
 * date (status terminated). Rules: not_employed, end_before_start,
 * invalid_reason. Answers the employment (enrol_employment_json). */
err_kind enrol_terminate(svc_ctx *ctx, const termination_in *in, json_t **out, err_detail *err);

/* Changes the termination reason of a terminated employment, at most
 * registry.termination_reason_changes_max times, and only while the person
 * has not been insured elsewhere since (no span at another unit, or without
 * a unit, starting after the termination month). Rules: not_terminated,
 * invalid_reason, reason_unchanged, reason_changes_exhausted,
 * insured_elsewhere (every one that fails). Answers the employment. */
err_kind enrol_reason_change(svc_ctx *ctx, int64_t employment_id, const char *reason,
                             json_t **out, err_detail *err);

/* One employment as JSON: dates, kind, status, late flag, termination
 * reason with its Chinese name and voluntary flag, reason changes, and its
 * spans. Visible to staff and to the unit's operator; the read is audited. */
err_kind enrol_employment_json(svc_ctx *ctx, int64_t employment_id, json_t **out,
                               err_detail *err);

/* ---- transfer records (转移) ---- */

typedef struct transfer_in {
    int64_t person_id;        /* or */
    const char *id_number;
    const char *direction;    /* "in", "out" */
    const char *insurance;    /* pension, medical, unemployment, housing_fund */
    const char *region;       /* the city or fund on the other side */
    const char *province;
    month_ym start_month;     /* the months carried; required unless within the province */
    month_ym end_month;
    const char *note;
} transfer_in;

/* Records a transfer (staff). Within a province of
 * registry.transfer_free_provinces (江苏) no transfer is needed: recorded
 * with status "not_needed" and a Chinese note saying why; otherwise
 * "recorded" with the months counted (inclusive). Rules:
 * insurance_not_transferable, months_missing, months_reversed. Answers the
 * record with "message". */
err_kind enrol_transfer_record(svc_ctx *ctx, const transfer_in *in, json_t **out,
                               err_detail *err);

/* A person's transfer records, newest first (staff, or the person). Audited. */
err_kind enrol_transfers_json(svc_ctx *ctx, int64_t person_id, json_t **out, err_detail *err);

#endif
