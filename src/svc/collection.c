/* not written yet: stubs so that everything links */
#include "svc/collection.h"

err_kind collect_make_files(svc_ctx *ctx, month_ym month, const char *out_dir, json_t **out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind collect_import_reply(svc_ctx *ctx, const char *text, size_t len, json_t **out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind collect_simulate_bank(const char *file_text, size_t len, int fail_every, char **reply_out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind collect_mark_overdue(svc_ctx *ctx, int *marked_out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind collect_unit_arrears(svc_ctx *ctx, int64_t unit_id, json_t **out, money_fen *total_fen_out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind collect_no_arrears_certificate(svc_ctx *ctx, int64_t unit_id, json_t **out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind collect_late_fee(const policy *pol, money_fen amount_fen, date_days due_on, date_days on, money_fen *fee_out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}
