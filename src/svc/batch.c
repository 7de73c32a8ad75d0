/* not written yet: stubs so that everything links */
#include "svc/batch.h"

err_kind batch_run(store *st, svc_ctx *ctx, const batch_spec *spec, int64_t *done_count_out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}

err_kind batch_status_json(svc_ctx *ctx, const char *kind, const char *run_key, json_t **out, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "not_implemented", NULL, "尚未实现");
}
