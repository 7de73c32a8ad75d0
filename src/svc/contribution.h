/* Contributions: declared bases, the one function that computes a month's
 * amounts (used by the quote, the monthly assessment and back-payments), the
 * monthly assessment into bills, and the unit's check and confirmation.
 *
 * Rules (policy by date): the base is the declared monthly wage held within
 * contrib.base.lower_fen..upper_fen of the policy year (July..June); the
 * housing fund base equals that month's social insurance base; the housing
 * subsidy base equals the housing fund base. Rates per insurance:
 * <ins>.unit_rate_bp / personal_rate_bp; work injury at the unit's industry
 * class (injury.class_rates_bp, unit only); housing fund at the unit's rate
 * within housing_fund.rate_min_bp..rate_max_bp (both sides); rounding per
 * insurance (<ins>.rounding), half up by default. Flexible workers and
 * residents by their tier (flexible.*, resident.*). */
#ifndef SIPF_SVC_CONTRIBUTION_H
#define SIPF_SVC_CONTRIBUTION_H

#include <jansson.h>
#include <stdint.h>

#include "base/money.h"
#include "base/table.h"
#include "svc/batch.h"
#include "svc/registry.h"

typedef struct contrib_item {
    reg_insurance insurance;
    money_fen base_fen;
    int64_t unit_rate_bp;
    int64_t personal_rate_bp;
    money_fen unit_fen;
    money_fen personal_fen;
} contrib_item;

typedef struct contrib_quote_in {
    month_ym month;
    money_fen wage_fen;          /* the declared monthly wage */
    unsigned insurances;         /* bit set (1u << reg_insurance) */
    int64_t injury_rate_bp;      /* the unit's work-injury rate; required with injury */
    int64_t housing_fund_rate_bp;/* required with housing_fund (and housing_subsidy's base) */
} contrib_quote_in;

typedef struct contrib_quote {
    month_ym month;
    money_fen base_fen;
    int count;
    contrib_item items[INS_COUNT];
    money_fen unit_total_fen;
    money_fen personal_total_fen;
} contrib_quote;

/* The one computation of a month's amounts. Pure: policy and inputs only
 * (the policy is read at the first day of the month). Refusals: ERR_INVALID
 * for missing rates; rule "hf_rate_out_of_band" with the band; ERR_CONFIG
 * when a parameter is missing for the month. */
err_kind contrib_quote_compute(const policy *pol, const contrib_quote_in *in, contrib_quote *out,
                               err_detail *err);

/* The day a unit's contributions of a month fall due: contrib.due_day of
 * that month (held within the month's days). */
err_kind contrib_due_on(const policy *pol, month_ym month, date_days *out, err_detail *err);

/* The base for a wage in a month: held within the policy year's limits. */
err_kind contrib_base_clamp(const policy *pol, month_ym month, money_fen wage_fen,
                            money_fen *base_fen_out, err_detail *err);

/* The policy year (July..June) a month belongs to: 202507..202606 -> 2025. */
int contrib_policy_year(month_ym month);

/* Declares the base of a person at a unit for a policy year (yearly
 * declaration, source "annual") or from the hire month (source "hire").
 * A unit operator only for its own employees. */
err_kind contrib_base_declare(svc_ctx *ctx, int64_t unit_id, int64_t person_id, month_ym from_month,
                              money_fen wage_fen, const char *source, json_t **out, err_detail *err);

/* A file of declarations (table rows: id_number, wage_yuan), checked row by
 * row: every bad row reported and nothing saved, or all saved. */
err_kind contrib_base_declare_file(svc_ctx *ctx, int64_t unit_id, const table *t, json_t **out,
                                   json_t **bad_rows_out, err_detail *err);

/* The base in force for a person at a unit in a month: the latest
 * declaration of that policy year from a month <= month; without one, the
 * year's lower limit. */
err_kind contrib_base_for(svc_ctx *ctx, int64_t person_id, int64_t unit_id, month_ym month,
                          money_fen *base_fen_out, err_detail *err);

/* Assesses one unit's month: one assessment line per active span and
 * insurance, one bill (kind "regular", status "draft"). Idempotent: an
 * existing bill for the unit and month is left as it is (*created = false).
 * The ledger entry of the bill (receivable against contributions due) is
 * posted with idempotency key "bill:<id>". */
err_kind contrib_assess_unit(svc_ctx *ctx, int64_t unit_id, month_ym month, int64_t *bill_id_out,
                             bool *created_out, err_detail *err);

/* The same for the person-paid spans (flexible, residents) of a person. */
err_kind contrib_assess_person(svc_ctx *ctx, int64_t person_id, month_ym month,
                               int64_t *bill_id_out, bool *created_out, err_detail *err);

/* The itemised bill (lines by person and insurance, totals). A unit operator
 * sees only its own bills (else 404). */
err_kind contrib_bill_json(svc_ctx *ctx, int64_t bill_id, json_t **out, err_detail *err);
err_kind contrib_bills_json(svc_ctx *ctx, int64_t unit_id, month_ym month, json_t **out,
                            err_detail *err);

/* The unit checks (校验) and confirms (保存) its draft bill; only a draft may
 * be confirmed (ERR_CONFLICT "bad_state"). */
err_kind contrib_bill_confirm(svc_ctx *ctx, int64_t bill_id, err_detail *err);

/* ---- added: the month's policy looked up once, the month run ---- */

enum {
    CONTRIB_INJURY_CLASSES_MAX = 16,   /* entries of injury.class_rates_bp */
    CONTRIB_BILL_LINES_MAX = 200000,   /* lines one bill answer lists */
    CONTRIB_WAGE_FEN_MAX = 1000000000,    /* 10 million yuan a month: past it, a typo */
    CONTRIB_CHUNK_ROWS_MAX = 50000000,        /* rows of one kind a chunk of the run reads */
};

/* The parameters of one month (policy read at its first day) that the
 * computation needs, looked up once and handed down, so the per-line path of
 * the monthly run reads no policy. Only the insurances asked for are read. */
typedef struct contrib_policy {
    month_ym month;
    unsigned insurances;                 /* what was loaded */
    money_fen lower_fen, upper_fen;      /* contrib.base.* */
    int64_t unit_rate_bp[INS_COUNT];     /* injury and housing fund: given per unit */
    int64_t personal_rate_bp[INS_COUNT];
    money_round rounding[INS_COUNT];
    int64_t hf_rate_min_bp, hf_rate_max_bp, hf_rate_default_bp;
    int injury_class_count;
    int64_t injury_class_rates_bp[CONTRIB_INJURY_CLASSES_MAX];
    int due_day;                         /* contrib.due_day */
} contrib_policy;

err_kind contrib_policy_load(const policy *pol, month_ym month, unsigned insurances,
                             contrib_policy *out, err_detail *err);

/* contrib_quote_compute with the month's policy already loaded (the same
 * computation: contrib_quote_compute is load + this). */
err_kind contrib_quote_apply(const contrib_policy *cp, const contrib_quote_in *in, contrib_quote *out,
                             err_detail *err);

/* contrib_base_declare_file with the first month for the rows that do not
 * name their own (column 起始月份/from_month); 0: the business month. The
 * columns: 证件号码/id_number and 月工资/wage (yuan, at most two decimals)
 * required, 起始月份/from_month and 姓名/name optional. */
err_kind contrib_base_declare_file_from(svc_ctx *ctx, int64_t unit_id, const table *t, month_ym from_month,
                                        json_t **out, json_t **bad_rows_out, err_detail *err);

/* The monthly run (sipf month run, POST /api/v1/months/{month}/run): a batch
 * ("month_run", run key "YYYY-MM") over the units with a unit-paid span in
 * the month calling the unit assessment, then one ("month_run_persons") over
 * the persons with person-paid spans. Chunks of chunk_keys (0: the default),
 * each one transaction; a killed run resumes. Finance, admin or the system
 * only; a month after the business month is refused (rule
 * "month_in_future"). Answers both runs' states and the month's totals. */
err_kind contrib_month_run(store *st, const svc_ctx *tmpl, month_ym month, int chunk_keys,
                           batch_progress_fn progress, void *progress_arg, json_t **out,
                           err_detail *err);

/* The month's regular bills in totals (bills, unit and person bills, lines,
 * amounts) and both runs' states, without running anything. */
err_kind contrib_month_status(svc_ctx *ctx, month_ym month, json_t **out, err_detail *err);

#endif
