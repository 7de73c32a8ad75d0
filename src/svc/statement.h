/* Statements and certificates (data now; PDF later).
 *
 * The individual rights statement (权益记录单) covers 1 July .. 30 June
 * (period = the year of its 30 June; policy statement.*): opening balances,
 * each month's contributions by insurance, interest, other movements, closing
 * balances. Paper is the default; a person may opt out or back in from
 * 1 January to 30 June (statement.person_opt_*), a unit for its employees
 * from 1 to 30 June (statement.unit_opt_*), only for the current period. */
#ifndef SIPF_SVC_STATEMENT_H
#define SIPF_SVC_STATEMENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "svc/batch.h"
#include "svc/ctx.h"

/* The period a date falls in: 2026-06-30 -> 2026, 2026-07-01 -> 2027. */
int statement_period_of(const policy *pol, date_days d, err_detail *err);

err_kind statement_person_json(svc_ctx *ctx, int64_t person_id, int period, json_t **out,
                               err_detail *err);

/* Paper or not, for the current period; refused outside the window (rule
 * "outside_window" with its dates). A unit may set it only for its current
 * employees (person_ids), all or nothing. */
err_kind statement_paper_set(svc_ctx *ctx, int64_t person_id, bool paper, err_detail *err);
err_kind statement_paper_set_unit(svc_ctx *ctx, int64_t unit_id, const int64_t *person_ids, int n,
                                  bool paper, json_t **out, err_detail *err);

/* Certificate data: the unit's participation; the unit's summary of its
 * employees' contributions (only spans at that unit) between two months; a
 * person's participation with contribution details. */
err_kind statement_unit_participation_json(svc_ctx *ctx, int64_t unit_id, json_t **out,
                                           err_detail *err);
err_kind statement_unit_summary_json(svc_ctx *ctx, int64_t unit_id, month_ym from, month_ym to,
                                     json_t **out, err_detail *err);
err_kind statement_person_contributions_json(svc_ctx *ctx, int64_t person_id, month_ym from,
                                             month_ym to, json_t **out, err_detail *err);

/* The yearly run: a statement for every person with a span in the period
 * (in chunks, svc/batch.h). */
err_kind statement_run(store *st, svc_ctx *ctx, int period, int64_t *count_out, err_detail *err);

/* ---- added ----
 *
 * Notes on the functions above:
 * - statement_person_json: period 0 is the current period (the one holding
 *   the business date); a period not yet begun, or before the policy's first
 *   (statement.* from 2019-07-01: period 2020), is ERR_INVALID
 *   "period_out_of_range". The person or staff; a unit operator 404.
 * - statement_paper_set_unit: person_ids NULL means all current employees.
 * - statement_unit_summary_json / statement_person_contributions_json:
 *   from 0 is from the first month on record, to 0 the business month.
 * - statement_run: refused (rule "period_not_ended") until the period has
 *   ended; a run that is done answers its count again. */

/* The first and last day of a period (policy statement.period_start_*).
 * ERR_INVALID "period_out_of_range" for a period the policy does not cover. */
err_kind statement_period_bounds(const policy *pol, int period, date_days *from_out,
                                 date_days *to_out, err_detail *err);

/* statement_run with a progress callback after each chunk (may be NULL). */
err_kind statement_run_with(store *st, svc_ctx *ctx, int period, batch_progress_fn progress,
                            void *progress_arg, int64_t *count_out, err_detail *err);

#endif
