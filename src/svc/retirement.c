/* The statutory retirement age under the 2025 gradual reform
 * (docs: /policy REFERENCE, "Retirement age"). Every number is a policy
 * parameter: retirement.<group>.original_age_years, .delay_cohort_start_ym,
 * .delay_step_months, .delay_cap_months, and retirement.min_contrib.*. */
#include "svc/retirement.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;    /* the API's name */
    const char *group;   /* the policy key's group */
} kinds[RETIRE_KIND_COUNT] = {
    [RETIRE_MALE] = {"male", "male"},
    [RETIRE_FEMALE_55] = {"female55", "female_cadre"},
    [RETIRE_FEMALE_50] = {"female50", "female_worker"},
};

err_kind retirement_kind_parse(const char *s, retirement_kind *out, err_detail *err) {
    for (int i = 0; s && i < RETIRE_KIND_COUNT; i++)
        if (strcmp(s, kinds[i].name) == 0) {
            *out = (retirement_kind)i;
            return ERR_OK;
        }
    char echo[ERR_ECHO_BYTES];
    err_echo(s ? s : "", echo);
    return err_set(err, ERR_INVALID, "invalid_value", "kind",
                   "退休类别 %s 无效，可选：male（男性）、female55（女干部，原退休年龄 55 岁）、"
                   "female50（女职工，原退休年龄 50 岁）", echo);
}

const char *retirement_kind_name(retirement_kind k) {
    return (k >= 0 && k < RETIRE_KIND_COUNT) ? kinds[k].name : "";
}

retirement_kind retirement_kind_for(char sex, bool female_cadre) {
    if (sex != 'F') return RETIRE_MALE;
    return female_cadre ? RETIRE_FEMALE_55 : RETIRE_FEMALE_50;
}

static err_kind group_int(const policy *pol, date_days on, retirement_kind kind, const char *name,
                          int64_t *out, err_detail *err) {
    char key[64];
    snprintf(key, sizeof key, "retirement.%s.%s", kinds[kind].group, name);
    return policy_get_int(pol, key, on, out, err);
}

/* delay = 0 if d < 0, else min(floor(d / step) + 1, cap), d = months from the
 * cohort's first birth month. Before the reform is in force (no cohort
 * parameter on that date) the law had no delay. */
static err_kind delay_months(const policy *pol, date_days on, retirement_kind kind,
                             month_ym birth, int *out, err_detail *err) {
    char key[64];
    snprintf(key, sizeof key, "retirement.%s.delay_cohort_start_ym", kinds[kind].group);
    if (!policy_has(pol, key, on)) {
        *out = 0;
        return ERR_OK;
    }
    int64_t start, step, cap;
    err_kind k = group_int(pol, on, kind, "delay_cohort_start_ym", &start, err);
    if (!k) k = group_int(pol, on, kind, "delay_step_months", &step, err);
    if (!k) k = group_int(pol, on, kind, "delay_cap_months", &cap, err);
    if (k) return k;
    if (!month_valid((month_ym)start) || step <= 0 || cap < 0)
        return err_set(err, ERR_CONFIG, "policy_type", NULL, "政策参数 retirement.%s.* 取值无效",
                       kinds[kind].group);
    int d = month_diff(birth, (month_ym)start);
    if (d < 0) *out = 0;
    else *out = (int)((int64_t)d / step + 1 < cap ? (int64_t)d / step + 1 : cap);
    return ERR_OK;
}

/* Minimum contribution months by the year of retirement: the base up to the
 * year before raise_from_year, then + step a year, up to max. Before the
 * reform's parameters are in force, the base alone. */
static err_kind min_contribution(const policy *pol, date_days on, int year, int *out,
                                 err_detail *err) {
    int64_t base, from, step, max;
    err_kind k = policy_get_int(pol, "retirement.min_contrib.base_months", on, &base, err);
    if (k) return k;
    if (!policy_has(pol, "retirement.min_contrib.raise_from_year", on)) {
        *out = (int)base;
        return ERR_OK;
    }
    k = policy_get_int(pol, "retirement.min_contrib.raise_from_year", on, &from, err);
    if (!k) k = policy_get_int(pol, "retirement.min_contrib.raise_step_months", on, &step, err);
    if (!k) k = policy_get_int(pol, "retirement.min_contrib.max_months", on, &max, err);
    if (k) return k;
    int64_t m = base;
    if (year >= from) m = base + ((int64_t)year - from + 1) * step;
    if (m > max) m = max;
    *out = (int)m;
    return ERR_OK;
}

err_kind retirement_compute(const policy *pol, date_days on, retirement_kind kind,
                            month_ym birth_month, retirement_result *out, err_detail *err) {
    if (kind < 0 || kind >= RETIRE_KIND_COUNT)
        return err_set(err, ERR_INVALID, "invalid_value", "kind", "退休类别无效");
    if (!month_valid(birth_month))
        return err_set(err, ERR_INVALID, "invalid_month", "birth_month", "出生年月无效");
    int64_t original;
    err_kind k = group_int(pol, on, kind, "original_age_years", &original, err);
    if (k) return k;
    int delay = 0;
    k = delay_months(pol, on, kind, birth_month, &delay, err);
    if (k) return k;
    int total = (int)original * 12 + delay;
    month_ym when = month_add(birth_month, total);
    int min_months = 0;
    k = min_contribution(pol, on, when / 100, &min_months, err);
    if (k) return k;
    retirement_result r = {
        .kind = kind,
        .birth_month = birth_month,
        .delay_months = delay,
        .age_years = total / 12,
        .age_months = total % 12,
        .retirement_month = when,
        .min_contribution_months = min_months,
    };
    *out = r;
    return ERR_OK;
}
