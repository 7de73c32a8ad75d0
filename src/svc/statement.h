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

#endif
