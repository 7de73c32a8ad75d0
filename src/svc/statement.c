/* not written yet: stubs so that everything links */
#include "svc/statement.h"

int statement_period_of(const policy *pol, date_days d, err_detail *err) {
    return 0;
}

err_kind statement_person_json(svc_ctx *ctx, int64_t person_id, int period, json_t **out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind statement_paper_set(svc_ctx *ctx, int64_t person_id, bool paper, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind statement_paper_set_unit(svc_ctx *ctx, int64_t unit_id, const int64_t *person_ids, int n, bool paper, json_t **out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind statement_unit_participation_json(svc_ctx *ctx, int64_t unit_id, json_t **out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind statement_unit_summary_json(svc_ctx *ctx, int64_t unit_id, month_ym from, month_ym to, json_t **out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind statement_person_contributions_json(svc_ctx *ctx, int64_t person_id, month_ym from, month_ym to, json_t **out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind statement_run(store *st, svc_ctx *ctx, int period, int64_t *count_out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}
