/* not written yet: stubs so that everything links */
#include "svc/account.h"

err_kind account_balances_json(svc_ctx *ctx, int64_t person_id, json_t **out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind account_contributions_json(svc_ctx *ctx, int64_t person_id, int year, json_t **out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind account_hf_interest(svc_ctx *ctx, int64_t person_id, int year, money_fen *interest_out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind account_hf_interest_settle(svc_ctx *ctx, int64_t person_id, int year, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind account_pension_interest_settle(svc_ctx *ctx, int64_t person_id, int year, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}
