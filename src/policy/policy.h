/* Policy parameters with effective periods.
 *
 * Every number a rule uses (rates, base limits, ages, months, caps, interest
 * rates, session lifetimes) is a parameter loaded from the policy directory (*.json files) and asked
 * for by key and date. A parameter missing for a date is an error naming both
 * (ERR_CONFIG, code "policy_missing"), never a silent zero. Changing policy is
 * adding a period with a start date, so any past month is recomputed under the
 * policy in force then.
 *
 * File format (see policy/README.md):
 *   {"params":[{"key":"contrib.base.lower_fen","from":"2024-07-01",
 *               "to":"2025-06-30","value":449400,"note":"..."}]}
 * "to" is inclusive and optional (open-ended). Periods of one key must not
 * overlap. "value" is an integer, a string, a boolean, or an object/array
 * (tables such as the pension months divisor). */
#ifndef SIPF_POLICY_POLICY_H
#define SIPF_POLICY_POLICY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/date.h"
#include "base/err.h"

typedef struct policy policy;

/* Loads every *.json file of dir, in name order. */
err_kind policy_load_dir(const char *dir, policy **out, err_detail *err);
/* Parses one document's text into a new policy (tests). */
err_kind policy_parse(const char *json_text, policy **out, err_detail *err);
void policy_destroy(policy *p);

size_t policy_param_count(const policy *p);
bool policy_has(const policy *p, const char *key, date_days on);

err_kind policy_get_int(const policy *p, const char *key, date_days on, int64_t *out,
                        err_detail *err);
err_kind policy_get_bool(const policy *p, const char *key, date_days on, bool *out,
                         err_detail *err);
/* The string lives as long as the policy. */
err_kind policy_get_str(const policy *p, const char *key, date_days on, const char **out,
                        err_detail *err);
/* Borrowed reference, valid as long as the policy. */
err_kind policy_get_json(const policy *p, const char *key, date_days on, const json_t **out,
                         err_detail *err);

/* One integer of a table parameter: element `index` (0-based) of an array value
 * (injury.class_rates_bp, grade 1 is index 0), or member `name` of an object value
 * (pension.months_divisor_by_age, "60"). Absent element or member: "policy_missing";
 * value or element of another type: "policy_type". */
err_kind policy_get_int_item(const policy *p, const char *key, date_days on, size_t index,
                             int64_t *out, err_detail *err);
err_kind policy_get_int_member(const policy *p, const char *key, date_days on, const char *name,
                               int64_t *out, err_detail *err);

/* Every parameter as a JSON array (for `GET /api/v1/policy` and docs): new reference. */
json_t *policy_to_json(const policy *p);

#endif
