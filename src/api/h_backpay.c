/* Back-payments (补缴), the upward base adjustment (缴费基数调整（上调）) with
 * its difference (差额补收), and medical subsidy credits (医疗补助增记). The
 * rules are in svc/backpay.c; these handlers read the request and shape the
 * answer. */
#include <string.h>

#include "api/api.h"
#include "base/jsonx.h"
#include "svc/backpay.h"
#include "svc/registry.h"

/* The person a request names: person_id, or a current or former ID number. */
static err_kind person_of(api_req *req, const json_t *b, int64_t *out, err_detail *err) {
    int64_t id = 0;
    const char *number = NULL;
    err_kind k = jsonx_int(b, "person_id", false, 1, INT64_MAX, &id, err);
    if (!k) k = jsonx_str(b, "id_number", false, 40, &number, err);
    if (k) return k;
    if ((id > 0) == (number != NULL))
        return err_set(err, ERR_INVALID, "missing_field", "person_id",
                       "请且只请填写 person_id 或 id_number 之一");
    if (number) return reg_person_find(&req->ctx, number, out, err);
    *out = id;
    return ERR_OK;
}

static err_kind path_unit(api_req *req, int64_t *id, err_detail *err) {
    return api_parse_id(req->params[0], "id", id, err);
}

err_kind h_backpay_create(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"unit_id", "person_id", "id_number", "insurances",
                                          "from_month", "to_month", "wage_fen", "reason", NULL};
    json_t *b;
    err_kind k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    backpay_in in;
    memset(&in, 0, sizeof in);
    k = jsonx_int(b, "unit_id", false, 1, INT64_MAX, &in.unit_id, err);
    if (!k) k = person_of(req, b, &in.person_id, err);
    if (!k) k = reg_insurances_parse(json_object_get(b, "insurances"), "insurances", &in.insurances, err);
    if (!k) k = jsonx_month(b, "from_month", true, &in.from_month, err);
    if (!k) k = jsonx_month(b, "to_month", true, &in.to_month, err);
    if (!k) k = jsonx_int(b, "wage_fen", true, 1, INT64_MAX, &in.wage_fen, err);
    if (!k) k = jsonx_str(b, "reason", false, LIMIT_TEXT_FIELD_BYTES_MAX, &in.reason, err);
    if (!k) k = backpay_submit(&req->ctx, &in, &resp->body, err);
    json_decref(b);
    if (!k) resp->status = 201;
    return k;
}

err_kind h_base_raise(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"person_id", "id_number", "from_month", "wage_fen", NULL};
    int64_t unit_id = 0, person_id = 0, wage = 0;
    month_ym from = 0;
    json_t *b;
    err_kind k = path_unit(req, &unit_id, err);
    if (!k) k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    k = person_of(req, b, &person_id, err);
    if (!k) k = jsonx_month(b, "from_month", true, &from, err);
    if (!k) k = jsonx_int(b, "wage_fen", true, 1, INT64_MAX, &wage, err);
    if (!k) k = backpay_base_raise(&req->ctx, unit_id, person_id, from, wage, &resp->body, err);
    json_decref(b);
    if (!k) resp->status = 201;
    return k;
}

err_kind h_med_subsidy_save(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"month", "lines", "generate", NULL};
    int64_t unit_id = 0;
    month_ym month = 0;
    bool generate = false;
    json_t *b;
    err_kind k = path_unit(req, &unit_id, err);
    if (!k) k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    k = jsonx_month(b, "month", true, &month, err);
    if (!k) k = jsonx_bool(b, "generate", false, &generate, err);
    const json_t *lines = json_object_get(b, "lines");
    if (!k && generate == (lines != NULL))
        k = err_set(err, ERR_INVALID, "missing_field", "lines",
                    "请导入医疗补助名单（lines）或选择系统生成（generate: true），二者取一");
    json_t *gen = generate ? json_pack("{s:b}", "generate", 1) : NULL;
    if (!k) k = backpay_med_subsidy_save(&req->ctx, unit_id, month, gen ? gen : lines, &resp->body, err);
    json_decref(gen);
    json_decref(b);
    if (!k) resp->status = 201;
    return k;
}

/* ---- the medical subsidy business opened for a unit ---- */

err_kind h_med_permit_get(api_req *req, api_resp *resp, err_detail *err) {
    int64_t id = 0;
    err_kind k = api_parse_id(req->params[0], "id", &id, err);
    return k ? k : backpay_med_permit_get(&req->ctx, id, &resp->body, err);
}

err_kind h_med_permit_put(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"granted", NULL};
    int64_t id = 0;
    json_t *b = NULL;
    err_kind k = api_parse_id(req->params[0], "id", &id, err);
    if (!k) k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    const json_t *g = json_object_get(b, "granted");
    k = json_is_boolean(g) ? backpay_med_permit_set(&req->ctx, id, json_is_true(g), &resp->body, err)
                           : err_set(err, ERR_INVALID, "invalid_field", "granted", "granted 应为 true（开通）或 false（关闭）");
    json_decref(b);
    return k;
}
