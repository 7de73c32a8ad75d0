/* not written yet: stubs so that everything links */
#include "svc/backpay.h"

err_kind backpay_submit(svc_ctx *ctx, const backpay_in *in, json_t **out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind backpay_base_raise(svc_ctx *ctx, int64_t unit_id, int64_t person_id, month_ym from_month, money_fen new_wage_fen, json_t **out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind backpay_med_subsidy_save(svc_ctx *ctx, int64_t unit_id, month_ym month, const json_t *lines, json_t **out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind backpay_long_check(svc_ctx *ctx, const json_t *payload, int64_t person_id, int64_t unit_id, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind backpay_long_apply(svc_ctx *ctx, int64_t app_id, const json_t *payload, int64_t person_id, int64_t unit_id, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}
