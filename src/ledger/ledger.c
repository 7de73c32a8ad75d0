/* not written yet: stubs so that everything links */
#include "ledger/ledger.h"

err_kind ledger_account(store_tx *tx, ledger_owner owner, int64_t owner_id, const char *kind, int64_t *account_id_out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind ledger_post(store_tx *tx, const char *idem_key, date_days business_date, const char *kind, const char *memo, const ledger_posting *postings, int n, int64_t now_ms, int64_t *entry_id_out, bool *duplicate_out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind ledger_reverse(store_tx *tx, int64_t entry_id, const char *idem_key, date_days business_date, const char *memo, int64_t now_ms, int64_t *entry_id_out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind ledger_balance(store_tx *tx, int64_t account_id, money_fen *out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind ledger_natural_balance(store_tx *tx, ledger_owner owner, int64_t owner_id, const char *kind, money_fen *out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind ledger_verify(store_tx *tx, ledger_verify_result *out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}
