/* not written yet */
#include "svc/registry.h"

err_kind reg_person_key_change_check(svc_ctx *ctx, const json_t *payload, int64_t person_id,
                                     int64_t unit_id, err_detail *err) {
    return ERR_OK;
}

err_kind reg_person_key_change_apply(svc_ctx *ctx, int64_t app_id, const json_t *payload,
                                     int64_t person_id, int64_t unit_id, err_detail *err) {
    return ERR_OK;
}
