/* not written yet: stubs so that everything links */
#include "svc/contribution.h"

err_kind contrib_quote_compute(const policy *pol, const contrib_quote_in *in, contrib_quote *out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind contrib_base_clamp(const policy *pol, month_ym month, money_fen wage_fen, money_fen *base_fen_out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

int contrib_policy_year(month_ym month) {
    return 0;
}

err_kind contrib_base_declare(svc_ctx *ctx, int64_t unit_id, int64_t person_id, month_ym from_month, money_fen wage_fen, const char *source, json_t **out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind contrib_base_declare_file(svc_ctx *ctx, int64_t unit_id, const table *t, json_t **out, json_t **bad_rows_out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind contrib_base_for(svc_ctx *ctx, int64_t person_id, int64_t unit_id, month_ym month, money_fen *base_fen_out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind contrib_assess_unit(svc_ctx *ctx, int64_t unit_id, month_ym month, int64_t *bill_id_out, bool *created_out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind contrib_assess_person(svc_ctx *ctx, int64_t person_id, month_ym month, int64_t *bill_id_out, bool *created_out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind contrib_bill_json(svc_ctx *ctx, int64_t bill_id, json_t **out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind contrib_bills_json(svc_ctx *ctx, int64_t unit_id, month_ym month, json_t **out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind contrib_bill_confirm(svc_ctx *ctx, int64_t bill_id, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}
