/* Units (参保单位): registration, changes, agreement, certificate, online
 * payment, district, cancellation and the queries. The rules are in
 * svc/registry_unit.c; these handlers read the request and shape the answer. */
#include <string.h>

#include "api/api.h"
#include "base/jsonx.h"
#include "svc/application.h"
#include "svc/registry_unit.h"

static err_kind unit_id(api_req *req, int64_t *id, err_detail *err) {
    return api_parse_id(req->params[0], "id", id, err);
}

/* The unit as it now stands, as the answer of a change. */
static err_kind answer_unit(api_req *req, int64_t id, api_resp *resp, err_detail *err) {
    return reg_unit_json(&req->ctx, id, &resp->body, err);
}

/* An optional body: empty, or an object of the allowed members. */
static err_kind optional_body(api_req *req, const char *const allowed[], json_t **b,
                              err_detail *err) {
    if (req->body_len == 0) {
        *b = json_object();
        return ERR_OK;
    }
    return api_body_object(req, allowed, b, err);
}

static err_kind read_new_unit(const json_t *b, reg_unit_new *in, err_detail *err) {
    err_kind k = jsonx_str(b, "code", true, 64, &in->code, err);
    if (!k) k = jsonx_str(b, "name", true, REG_UNIT_NAME_BYTES_MAX, &in->name, err);
    if (!k) k = jsonx_str(b, "unit_type", true, 32, &in->unit_type, err);
    if (!k) k = jsonx_int(b, "industry_class", true, INT32_MIN, INT32_MAX, &in->industry_class, err);
    if (!k) k = jsonx_str(b, "category", false, 32, &in->category, err);
    if (!k) k = jsonx_str(b, "address", true, REG_UNIT_ADDRESS_BYTES_MAX, &in->address, err);
    if (!k) k = jsonx_str(b, "contact_name", true, REG_NAME_BYTES_MAX * 2, &in->contact_name, err);
    if (!k) k = jsonx_str(b, "contact_phone", true, REG_UNIT_PHONE_BYTES_MAX, &in->contact_phone, err);
    if (!k) k = jsonx_str(b, "contact_email", false, REG_UNIT_EMAIL_BYTES_MAX, &in->contact_email, err);
    if (!k) k = jsonx_str(b, "district", false, REG_UNIT_DISTRICT_BYTES_MAX, &in->district, err);
    if (!k) k = jsonx_str(b, "bank_name", false, REG_UNIT_BANK_BYTES_MAX, &in->bank_name, err);
    if (!k) k = jsonx_str(b, "bank_account", false, REG_UNIT_ACCOUNT_DIGITS_MAX, &in->bank_account, err);
    return k;
}

err_kind h_unit_register(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"code", "name", "unit_type", "industry_class", "category",
        "address", "contact_name", "contact_phone", "contact_email", "district", "bank_name",
        "bank_account", NULL};
    json_t *b;
    err_kind k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    reg_unit_new in = {0};
    int64_t id = 0;
    k = read_new_unit(b, &in, err);
    if (!k) k = reg_unit_register(&req->ctx, &in, &id, err);
    if (!k) k = answer_unit(req, id, resp, err);
    json_decref(b);
    if (!k) resp->status = 201;
    return k;
}

err_kind h_unit_search(api_req *req, api_resp *resp, err_detail *err) {
    int64_t limit = 200;
    const char *l = api_query(req, "limit");
    err_kind k = l ? api_parse_id(l, "limit", &limit, err) : ERR_OK;
    if (k) return k;
    if (limit > LIMIT_QUERY_ROWS_MAX)
        return err_set(err, ERR_INVALID, "out_of_range", "limit", "limit 不能超过 %d", LIMIT_QUERY_ROWS_MAX);
    json_t *rows;
    k = reg_unit_search(&req->ctx, api_query(req, "code"), api_query(req, "name"),
                        api_query(req, "status"), (int)limit, &rows, err);
    if (k) return k;
    resp->body = json_pack("{s:I, s:o}", "count", (json_int_t)json_array_size(rows), "items", rows);
    return ERR_OK;
}

err_kind h_unit_get(api_req *req, api_resp *resp, err_detail *err) {
    int64_t id;
    err_kind k = unit_id(req, &id, err);
    return k ? k : answer_unit(req, id, resp, err);
}

err_kind h_unit_update(api_req *req, api_resp *resp, err_detail *err) {
    int64_t id;
    json_t *b;
    err_kind k = unit_id(req, &id, err);
    if (!k) k = api_body_object(req, NULL, &b, err);
    if (k) return k;
    int changed = 0;
    k = reg_unit_update(&req->ctx, id, b, &changed, err);
    json_decref(b);
    if (!k) k = answer_unit(req, id, resp, err);
    if (!k) json_object_set_new(resp->body, "fields_changed", json_integer(changed));
    return k;
}

err_kind h_unit_key_change(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"changes", "reason", NULL};
    int64_t id, app_id = 0;
    json_t *b;
    err_kind k = unit_id(req, &id, err);
    if (!k) k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    const char *reason = NULL;
    k = jsonx_str(b, "reason", false, REG_UNIT_REASON_BYTES_MAX, &reason, err);
    if (!k) k = reg_unit_key_change_submit(&req->ctx, id, json_object_get(b, "changes"), reason,
                                           &app_id, err);
    json_decref(b);
    if (!k) k = application_get(&req->ctx, app_id, &resp->body, err);
    if (!k) resp->status = 201;
    return k;
}

err_kind h_unit_agreement(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"bank_name", "bank_account", NULL};
    int64_t id;
    json_t *b;
    err_kind k = unit_id(req, &id, err);
    if (!k) k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    const char *bank = NULL, *account = NULL;
    k = jsonx_str(b, "bank_name", true, REG_UNIT_BANK_BYTES_MAX, &bank, err);
    if (!k) k = jsonx_str(b, "bank_account", true, REG_UNIT_ACCOUNT_DIGITS_MAX, &account, err);
    if (!k) k = reg_unit_collection_agreement(&req->ctx, id, bank, account, err);
    json_decref(b);
    return k ? k : answer_unit(req, id, resp, err);
}

err_kind h_unit_certificate(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {NULL};
    int64_t id;
    json_t *b;
    err_kind k = unit_id(req, &id, err);
    if (!k) k = optional_body(req, allowed, &b, err);
    if (k) return k;
    json_decref(b);
    k = reg_unit_certificate_issue(&req->ctx, id, err);
    return k ? k : answer_unit(req, id, resp, err);
}

err_kind h_unit_online_payment(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {NULL};
    int64_t id;
    json_t *b;
    err_kind k = unit_id(req, &id, err);
    if (!k) k = optional_body(req, allowed, &b, err);
    if (k) return k;
    json_decref(b);
    k = reg_unit_online_payment(&req->ctx, id, err);
    return k ? k : answer_unit(req, id, resp, err);
}

err_kind h_unit_district(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"district", "reason", NULL};
    int64_t id;
    json_t *b;
    err_kind k = unit_id(req, &id, err);
    if (!k) k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    const char *district = NULL, *reason = NULL;
    k = jsonx_str(b, "district", true, REG_UNIT_DISTRICT_BYTES_MAX, &district, err);
    if (!k) k = jsonx_str(b, "reason", false, REG_UNIT_REASON_BYTES_MAX, &reason, err);
    if (!k) k = reg_unit_district_change(&req->ctx, id, district, reason, err);
    json_decref(b);
    return k ? k : answer_unit(req, id, resp, err);
}

err_kind h_unit_cancel(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"reason", NULL};
    int64_t id;
    json_t *b;
    err_kind k = unit_id(req, &id, err);
    if (!k) k = optional_body(req, allowed, &b, err);
    if (k) return k;
    const char *reason = NULL;
    k = jsonx_str(b, "reason", false, REG_UNIT_REASON_BYTES_MAX, &reason, err);
    if (!k) k = reg_unit_cancel(&req->ctx, id, reason, err);
    json_decref(b);
    return k ? k : answer_unit(req, id, resp, err);
}

err_kind h_unit_employees(api_req *req, api_resp *resp, err_detail *err) {
    int64_t id;
    err_kind k = unit_id(req, &id, err);
    if (k) return k;
    const char *status = api_query(req, "status");
    if (!status) status = "current";
    bool former = strcmp(status, "former") == 0;
    if (!former && strcmp(status, "current") != 0)
        return err_set(err, ERR_INVALID, "invalid_value", "status", "status 应为 current（在职）或 former（离职）");
    json_t *rows;
    k = reg_unit_employees_json(&req->ctx, id, former, &rows, err);
    if (k) return k;
    resp->body = json_pack("{s:I, s:s, s:I, s:o}", "unit_id", (json_int_t)id, "status", status,
                           "count", (json_int_t)json_array_size(rows), "items", rows);
    return ERR_OK;
}

/* The read-only lists of a unit share one shape. */
typedef err_kind (*unit_list_fn)(svc_ctx *ctx, int64_t unit_id, json_t **out, err_detail *err);

static err_kind unit_list(api_req *req, api_resp *resp, unit_list_fn fn, err_detail *err) {
    int64_t id;
    err_kind k = unit_id(req, &id, err);
    json_t *rows;
    if (!k) k = fn(&req->ctx, id, &rows, err);
    if (k) return k;
    resp->body = json_pack("{s:I, s:I, s:o}", "unit_id", (json_int_t)id, "count",
                           (json_int_t)json_array_size(rows), "items", rows);
    return ERR_OK;
}

err_kind h_unit_changes(api_req *req, api_resp *resp, err_detail *err) {
    return unit_list(req, resp, reg_unit_changes_json, err);
}

err_kind h_unit_operators(api_req *req, api_resp *resp, err_detail *err) {
    return unit_list(req, resp, reg_unit_operators_json, err);
}

err_kind h_unit_certificate_data(api_req *req, api_resp *resp, err_detail *err) {
    int64_t id;
    err_kind k = unit_id(req, &id, err);
    return k ? k : reg_unit_certificate_json(&req->ctx, id, &resp->body, err);
}
