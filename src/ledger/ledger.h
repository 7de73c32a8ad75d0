/* The double-entry ledger, in fen.
 *
 * Accounts belong to a person, a unit, a pool or the bank (owner_kind,
 * owner_id, kind). A journal entry has an idempotency key, a business date
 * and postings that sum to zero (debit positive, credit negative); it is
 * never changed, only reversed. Balances are kept up to date in the same
 * transaction and can be recomputed from the postings (ledger_verify).
 *
 * Account kinds:
 *   person: pension_account, medical_account, housing_fund, housing_subsidy;
 *           receivable (what a person who pays themself owes: debit-normal)
 *   unit:   receivable (what the unit owes: debit-normal)
 *   pool:   contrib_due (assessed, not yet collected), pool_pension,
 *           pool_medical, pool_unemployment, pool_injury, pool_maternity,
 *           late_fees, interest_expense
 *   bank:   bank_clearing (money received: debit-normal)
 * Individual accounts and pools are credit-normal: their natural balance is
 * -(sum of postings); ledger_natural_balance gives it. */
#ifndef SIPF_LEDGER_LEDGER_H
#define SIPF_LEDGER_LEDGER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/date.h"
#include "base/err.h"
#include "base/money.h"
#include "store/store.h"

enum { LEDGER_POSTINGS_MAX = 64, LEDGER_IDEM_KEY_BYTES = 96 };

typedef enum ledger_owner { OWNER_PERSON = 0, OWNER_UNIT, OWNER_POOL, OWNER_BANK } ledger_owner;

typedef struct ledger_posting {
    int64_t account_id;
    money_fen amount_fen;     /* debit positive, credit negative */
    month_ym month;           /* the contribution month concerned, or 0 */
} ledger_posting;

/* The account's id, created on first use. kind must be one of the list above
 * for its owner (asserted: a wrong kind is a programmer error). */
err_kind ledger_account(store_tx *tx, ledger_owner owner, int64_t owner_id, const char *kind,
                        int64_t *account_id_out, err_detail *err);

/* Posts an entry. Idempotent: when idem_key was posted before, nothing is
 * written, *duplicate_out = true and *entry_id_out is the earlier entry.
 * Asserts the postings sum to zero and 1 < n <= LEDGER_POSTINGS_MAX. */
err_kind ledger_post(store_tx *tx, const char *idem_key, date_days business_date, const char *kind,
                     const char *memo, const ledger_posting *postings, int n, int64_t now_ms,
                     int64_t *entry_id_out, bool *duplicate_out, err_detail *err);

/* Entries posted together (a batch chunk's bills), each under a key new by
 * construction (the key of a bill made in the same transaction): written at
 * once without a key look-up (the unique index on the key still refuses a
 * twin, and the transaction fails with it), its postings kept as the store's
 * bulk rows and what they move added up per account;
 * ledger_batch_end writes the postings and moves each account's balance with
 * one statement, and frees the batch, as ledger_batch_abort does without
 * writing (a failure: the transaction is rolled back). */
typedef struct ledger_batch ledger_batch;
err_kind ledger_batch_begin(store_tx *tx, ledger_batch **out, err_detail *err);
err_kind ledger_batch_post(ledger_batch *b, const char *idem_key, date_days business_date, const char *kind,
                           const char *memo, const ledger_posting *postings, int n, int64_t now_ms,
                           int64_t *entry_id_out, err_detail *err);
err_kind ledger_batch_end(ledger_batch *b, err_detail *err);
void ledger_batch_abort(ledger_batch *b);

/* ledger_account for many owners at once (owner_ids ascending, n > 0): the
 * missing accounts made, then all read with one statement. */
err_kind ledger_accounts_many(store_tx *tx, ledger_owner owner, const int64_t *owner_ids, int n, const char *kind,
                              int64_t *account_ids_out, err_detail *err);

/* Posts the opposite of an entry, itself idempotent by idem_key.
 * ERR_CONFLICT "already_reversed" when the entry was reversed before. */
err_kind ledger_reverse(store_tx *tx, int64_t entry_id, const char *idem_key,
                        date_days business_date, const char *memo, int64_t now_ms,
                        int64_t *entry_id_out, err_detail *err);

/* Raw balance (sum of postings, debit positive) and natural balance. */
err_kind ledger_balance(store_tx *tx, int64_t account_id, money_fen *out, err_detail *err);
err_kind ledger_natural_balance(store_tx *tx, ledger_owner owner, int64_t owner_id,
                                const char *kind, money_fen *out, err_detail *err);
/* The natural balances of n kinds of one owner with one statement (n at
 * most LEDGER_BALANCES_KINDS_MAX); out[i] is kinds[i]'s, 0 when not opened. */
enum { LEDGER_BALANCES_KINDS_MAX = 4 };
err_kind ledger_natural_balances(store_tx *tx, ledger_owner owner, int64_t owner_id, const char *const kinds[],
                                 int n, money_fen out[], err_detail *err);

typedef struct ledger_verify_result {
    int64_t entries;
    int64_t accounts;
    int64_t unbalanced_entry_id;     /* first entry whose postings do not sum to zero, or 0 */
    int64_t wrong_balance_account_id;/* first account whose balance differs from its postings, or 0 */
    money_fen bank_clearing_fen;     /* money received */
    money_fen collected_fen;         /* what paid collection lines add up to */
    bool reconciled;                 /* bank clearing equals the paid lines */
    char problem[200];               /* Chinese, empty when all is well */
} ledger_verify_result;

/* Checks every entry sums to zero, every balance equals its postings, and that
 * the bank clearing account reconciles with what banks paid. */
err_kind ledger_verify(store_tx *tx, ledger_verify_result *out, err_detail *err);

/* ---- added for the hot paths and the interest runs ---- */

/* The entry posted under idem_key: *entry_id_out is its id, or 0 when there
 * is none (not an error). Lets a caller skip work that was done before. */
err_kind ledger_entry_find(store_tx *tx, const char *idem_key, int64_t *entry_id_out,
                           err_detail *err);

/* A person's individual accounts in one lookup, none created: ids_out[i] is
 * the id of the account of kind ledger_person_kinds[i], or 0 when the person
 * has none yet (then ledger_account creates it). The monthly run asks once
 * per person instead of once per posting. */
enum {
    LEDGER_PERSON_PENSION = 0,
    LEDGER_PERSON_MEDICAL,
    LEDGER_PERSON_HOUSING_FUND,
    LEDGER_PERSON_HOUSING_SUBSIDY,
    LEDGER_PERSON_KINDS
};
extern const char *const ledger_person_kinds[LEDGER_PERSON_KINDS];
err_kind ledger_person_accounts(store_tx *tx, int64_t person_id,
                                int64_t ids_out[LEDGER_PERSON_KINDS], err_detail *err);

#endif
