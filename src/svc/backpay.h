/* Back-payments (补缴), the base raise with its difference (差额补收), the
 * housing subsidy and medical subsidy credits.
 *
 * Social insurance back-payment of up to backpay.direct_max_months (6) is
 * done directly; more than 6 and fewer than backpay.max_months (36) needs an
 * application (item contrib.backpay.si-6m-3y) with its materials (情况说明,
 * 薪资证明, 考勤资料), reviewed in 5 working days, applied on approval; 36 or
 * more is refused. Housing fund and housing subsidy within
 * backpay.hf_max_months (24). Each month is computed under the policy in
 * force for that month (contrib_quote_compute) and its lines are marked kind
 * "backpay" (excluded where the seeds exclude them, e.g. the maternity
 * allowance base). */
#ifndef SIPF_SVC_BACKPAY_H
#define SIPF_SVC_BACKPAY_H

#include <jansson.h>
#include <stdint.h>

#include "base/money.h"
#include "svc/ctx.h"

typedef struct backpay_in {
    int64_t unit_id;         /* a unit operator: its own */
    int64_t person_id;
    unsigned insurances;     /* bit set; housing fund/subsidy follow their own limit */
    month_ym from_month;
    month_ym to_month;
    money_fen wage_fen;      /* the wage of those months (held within each year's limits) */
    const char *reason;      /* 情况说明 */
} backpay_in;

/* Direct: a bill of kind "backpay" with its lines; long: an application
 * (returned as {"application": ...}); refused with every failed rule. */
err_kind backpay_submit(svc_ctx *ctx, const backpay_in *in, json_t **out, err_detail *err);

/* Upward base adjustment from a month of the current policy year: later
 * months use the new base; months already assessed get "difference" lines
 * in a bill of kind "difference". Downward is refused (rule "not_upward"). */
err_kind backpay_base_raise(svc_ctx *ctx, int64_t unit_id, int64_t person_id, month_ym from_month,
                            money_fen new_wage_fen, json_t **out, err_detail *err);

/* Medical subsidy credits (医疗补助增记): imported (person, amount) or
 * generated (med_subsidy.generate_fen) for a unit's active and retired
 * members; fixed once saved (a second save for the same month is refused);
 * billed, and credited to the medical accounts when collected. */
err_kind backpay_med_subsidy_save(svc_ctx *ctx, int64_t unit_id, month_ym month,
                                  const json_t *lines, json_t **out, err_detail *err);

/* The unit must first have the business opened by the fund collection
 * section (基金征缴科, the finance role): without it a save is refused with
 * rule "med_subsidy_not_permitted". permit_set opens (granted) or closes it;
 * *out is {unit_id, granted, granted_on, granted_by} as permit_get answers
 * (the unit's own operator or staff). */
err_kind backpay_med_permit_set(svc_ctx *ctx, int64_t unit_id, bool granted, json_t **out, err_detail *err);
err_kind backpay_med_permit_get(svc_ctx *ctx, int64_t unit_id, json_t **out, err_detail *err);

/* Application effects (svc/application_items.def). */
err_kind backpay_long_check(svc_ctx *ctx, const json_t *payload, int64_t person_id,
                            int64_t unit_id, err_detail *err);
err_kind backpay_long_apply(svc_ctx *ctx, int64_t app_id, const json_t *payload,
                            int64_t person_id, int64_t unit_id, err_detail *err);

#endif
