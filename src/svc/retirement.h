/* The statutory retirement age under the gradual reform in force from
 * 2025-01-01 (全国人大常委会 2024-09-13 决定). One function; every age rule of
 * the system uses it. Parameters: retirement.{male,female_cadre,
 * female_worker}.*, retirement.min_contrib.* (policy). */
#ifndef SIPF_SVC_RETIREMENT_H
#define SIPF_SVC_RETIREMENT_H

#include "base/date.h"
#include "base/err.h"
#include "policy/policy.h"

typedef enum retirement_kind {
    RETIRE_MALE = 0,        /* original age 60 */
    RETIRE_FEMALE_55,       /* women cadres (and flexible women by choice): 55 */
    RETIRE_FEMALE_50,       /* women workers: 50 */
    RETIRE_KIND_COUNT
} retirement_kind;

typedef struct retirement_result {
    retirement_kind kind;
    month_ym birth_month;
    int delay_months;
    int age_years;                 /* retirement age: years and months */
    int age_months;
    month_ym retirement_month;     /* birth month + original age + delay */
    int min_contribution_months;   /* by the year of retirement */
} retirement_result;

/* "male", "female55", "female50" (the API's names). */
err_kind retirement_kind_parse(const char *s, retirement_kind *out, err_detail *err);
const char *retirement_kind_name(retirement_kind k);

/* The policy is read at `on` (the business date), so a later reform is a new
 * policy period. */
err_kind retirement_compute(const policy *pol, date_days on, retirement_kind kind,
                            month_ym birth_month, retirement_result *out, err_detail *err);

/* The kind for a person of a sex: men RETIRE_MALE; women RETIRE_FEMALE_50
 * unless cadre (RETIRE_FEMALE_55). */
retirement_kind retirement_kind_for(char sex, bool female_cadre);

#endif
