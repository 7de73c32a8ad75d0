/* Individual accounts and interest: balances from the ledger, the housing
 * fund's yearly interest settled on 30 June from daily balances
 * (hf.deposit_interest_bp / hf.interest_day_basis), and the pension
 * individual account's yearly interest (pension.account_interest_bp for the
 * year). Both idempotent per person and year. */
#ifndef SIPF_SVC_ACCOUNT_H
#define SIPF_SVC_ACCOUNT_H

#include <jansson.h>
#include <stdint.h>

#include "base/jsonx.h"
#include "base/money.h"
#include "svc/batch.h"
#include "svc/ctx.h"

/* A person's balances (pension_account, medical_account, housing_fund,
 * housing_subsidy) and each month's credits by insurance, as JSON text in
 * ctx's arena (*out): written while the rows are read, the answer's own
 * bytes. Visibility as for the person's record (self, staff; a unit: 404). */
err_kind account_balances_write(svc_ctx *ctx, int64_t person_id, jsonx_writer *out, err_detail *err);

/* Contribution details (缴费明细) of a person: month, insurance, unit, base,
 * unit and personal amounts, paid or not, back-paid marked; optional year.
 * JSON text in ctx's arena (*out), as account_balances_write. */
err_kind account_contributions_write(svc_ctx *ctx, int64_t person_id, int year, jsonx_writer *out,
                                     err_detail *err);

/* Housing fund interest of one person for the year ending 30 June of `year`
 * (1 July year-1 .. 30 June year), from the daily balances. */
err_kind account_hf_interest(svc_ctx *ctx, int64_t person_id, int year, money_fen *interest_out,
                             err_detail *err);
/* Posts it (idempotency key "hf_interest:<year>:<person>"). */
err_kind account_hf_interest_settle(svc_ctx *ctx, int64_t person_id, int year, err_detail *err);

/* Pension individual account interest for calendar year `year` on the
 * balance at its start plus the year's credits (by month). Posts it
 * (idempotency key "pension_interest:<year>:<person>"). */
err_kind account_pension_interest_settle(svc_ctx *ctx, int64_t person_id, int year,
                                         err_detail *err);

/* ---- the yearly runs (added) ---- */

/* Which interest a run settles (a bit set: both when 0 is given to the
 * channels). */
enum { ACCOUNT_INTEREST_HF = 1u << 0, ACCOUNT_INTEREST_PENSION = 1u << 1 };

/* "housing_fund" -> ACCOUNT_INTEREST_HF, "pension" -> ACCOUNT_INTEREST_PENSION;
 * NULL or "" -> both; anything else ERR_INVALID naming field "kind". */
err_kind account_interest_kinds_parse(const char *s, unsigned *out, err_detail *err);

/* Settles the year's interest for every person holding the account, in
 * chunks through batch_run (batch kinds "interest_hf" and "interest_pension",
 * run key the year): resumable, and each person's entry is idempotent. Only
 * finance, admin and the system (ERR_FORBIDDEN). Before anything runs, each
 * period must have ended on the business date: rule "period_not_ended" (with
 * the settlement date) for each kind asked that has not. tmpl is the
 * caller's context (its tx unused; a run arena of its own is made). Answers
 * {"year","runs":[{"kind","batch_kind","run_key","settle_on","persons",
 * "entries","interest_fen"}]}. */
err_kind account_interest_settle_all(store *st, const svc_ctx *tmpl, unsigned kinds, int year,
                                     batch_progress_fn progress, void *progress_arg,
                                     json_t **out, err_detail *err);

#endif
