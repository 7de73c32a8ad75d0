/* Bank collection (托收) and arrears.
 *
 * Confirmed bills of a month go out as one collection file per bank (format:
 * docs/bank-files.md); the bank's reply file says paid or failed for each
 * line. A unit's bill is debited from its collection agreement's account, a
 * bill a person pays themself from their withholding card (collect_card_set).
 * A paid line moves money: bank clearing <- the payer's receivable, and
 * the contributions due are credited to the individual accounts and pools
 * (nothing reaches an individual account before its money has arrived). A
 * failed line, or a bill unpaid after its due date, is arrears; the late fee
 * is late_fee.daily_rate_ppm of the amount for each day from the due date
 * (社会保险法 art. 86), fixed when settled. */
#ifndef SIPF_SVC_COLLECTION_H
#define SIPF_SVC_COLLECTION_H

#include <jansson.h>
#include <stdint.h>

#include "base/money.h"
#include "svc/ctx.h"

/* Writes the month's collection files (confirmed bills not yet sent) into
 * out_dir, one per bank; answers the files with their line counts and totals.
 * Idempotent: bills already in a file are not sent again. */
err_kind collect_make_files(svc_ctx *ctx, month_ym month, const char *out_dir, json_t **out,
                            err_detail *err);

/* Imports a bank reply file's text. Every line checked first (unknown file or
 * bill, amount differing from the line sent, a line replied before): any bad
 * line refuses the whole file with every problem listed; otherwise all lines
 * apply in one transaction. Re-importing the same reply changes nothing. */
err_kind collect_import_reply(svc_ctx *ctx, const char *text, size_t len, json_t **out,
                              err_detail *err);

/* The bank simulator for tests and the demo: reads a collection file's text
 * and writes the reply text (malloc'd) — every line paid except every
 * fail_every-th (0: none), which fails with 余额不足. */
err_kind collect_simulate_bank(const char *file_text, size_t len, int fail_every, char **reply_out,
                               err_detail *err);

/* Bills past their due date and not paid become arrears (run daily or before
 * any arrears check). */
err_kind collect_mark_overdue(svc_ctx *ctx, int *marked_out, err_detail *err);

/* A unit's outstanding arrears with the late fee to the business date. */
err_kind collect_unit_arrears(svc_ctx *ctx, int64_t unit_id, json_t **out, money_fen *total_fen_out,
                              err_detail *err);

/* The unit's no-arrears certificate data; refused (rule "arrears_outstanding"
 * listing each bill, amount and late fee) while any arrears remain. */
err_kind collect_no_arrears_certificate(svc_ctx *ctx, int64_t unit_id, json_t **out,
                                        err_detail *err);

/* A person's withholding card (委托扣款协议), debited for the bills they pay
 * themself (flexible employment, residents): set by the person or at the
 * counter (signing again replaces it), read by them or any staff; a unit
 * never sees it. *out is {person_id, card: {bank_name, bank_account,
 * signed_on} or null}. */
err_kind collect_card_set(svc_ctx *ctx, int64_t person_id, const char *bank_name, const char *bank_account,
                          json_t **out, err_detail *err);
err_kind collect_card_get(svc_ctx *ctx, int64_t person_id, json_t **out, err_detail *err);

/* The late fee of an amount due on due_on, at date on: amount x rate x days,
 * rounded half up; 0 when on <= due_on. */
err_kind collect_late_fee(const policy *pol, money_fen amount_fen, date_days due_on, date_days on,
                          money_fen *fee_out, err_detail *err);

#endif
