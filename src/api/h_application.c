/* Applications (办件): submit, progress, and the staff desk's steps. */
#include <string.h>

#include "api/api.h"
#include "base/jsonx.h"
#include "svc/application.h"

err_kind h_application_submit(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"item_id", "payload", "person_id", "unit_id", NULL};
    json_t *b;
    err_kind k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    application_new in = {0};
    k = jsonx_str(b, "item_id", true, 64, &in.item_id, err);
    if (!k) k = jsonx_int(b, "person_id", false, 1, INT64_MAX, &in.person_id, err);
    if (!k) k = jsonx_int(b, "unit_id", false, 1, INT64_MAX, &in.unit_id, err);
    json_t *payload = json_object_get(b, "payload");
    if (!k && payload && !json_is_object(payload))
        k = err_set(err, ERR_INVALID, "invalid_field", "payload", "字段 payload 应为 JSON 对象");
    json_t *empty = json_object();
    in.payload = payload ? payload : empty;
    int64_t id = 0;
    if (!k) k = application_submit(&req->ctx, &in, &id, err);
    if (!k) k = application_get(&req->ctx, id, &resp->body, err);
    json_decref(empty);
    json_decref(b);
    if (k) return k;
    resp->status = 201;
    return ERR_OK;
}

err_kind h_application_list(api_req *req, api_resp *resp, err_detail *err) {
    application_filter f = {.state = api_query(req, "state"), .item_id = api_query(req, "item"),
                            .limit = 200};
    const char *l = api_query(req, "limit");
    int64_t limit = 0;
    err_kind k = l ? api_parse_id(l, "limit", &limit, err) : ERR_OK;
    if (k) return k;
    if (limit > LIMIT_QUERY_ROWS_MAX)
        return err_set(err, ERR_INVALID, "out_of_range", "limit", "limit 不能超过 %d", LIMIT_QUERY_ROWS_MAX);
    if (limit) f.limit = (int)limit;
    json_t *rows;
    k = application_list(&req->ctx, &f, &rows, err);
    if (k) return k;
    resp->body = json_pack("{s:I, s:o}", "count", (json_int_t)json_array_size(rows), "items", rows);
    return ERR_OK;
}

static err_kind app_id(api_req *req, int64_t *id, err_detail *err) {
    return api_parse_id(req->params[0], "id", id, err);
}

err_kind h_application_get(api_req *req, api_resp *resp, err_detail *err) {
    int64_t id;
    err_kind k = app_id(req, &id, err);
    return k ? k : application_get(&req->ctx, id, &resp->body, err);
}

/* The staff steps share one shape: an optional small body, one svc call,
 * then the record as it now stands. */
static err_kind step_body(api_req *req, const char *const allowed[], json_t **b, err_detail *err) {
    if (req->body_len == 0) {
        *b = json_object();
        return ERR_OK;
    }
    return api_body_object(req, allowed, b, err);
}

static err_kind step_done(api_req *req, int64_t id, api_resp *resp, err_detail *err) {
    return application_get(&req->ctx, id, &resp->body, err);
}

err_kind h_application_accept(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"note", NULL};
    int64_t id;
    json_t *b;
    err_kind k = app_id(req, &id, err);
    if (!k) k = step_body(req, allowed, &b, err);
    if (k) return k;
    const char *note = NULL;
    k = jsonx_str(b, "note", false, LIMIT_TEXT_FIELD_BYTES_MAX, &note, err);
    if (!k) k = application_accept(&req->ctx, id, note, err);
    json_decref(b);
    return k ? k : step_done(req, id, resp, err);
}

err_kind h_application_receive(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"index", "received", NULL};
    int64_t id, index = -1;
    bool received = true;
    json_t *b;
    err_kind k = app_id(req, &id, err);
    if (!k) k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    k = jsonx_int(b, "index", true, 0, LIMIT_MATERIALS_PER_ITEM_MAX, &index, err);
    if (!k) k = jsonx_bool(b, "received", false, &received, err);
    if (!k) k = application_receive(&req->ctx, id, (int)index, received, err);
    json_decref(b);
    return k ? k : step_done(req, id, resp, err);
}

err_kind h_application_decide(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"approve", "reason", NULL};
    int64_t id;
    bool approve = false;
    json_t *b;
    err_kind k = app_id(req, &id, err);
    if (!k) k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    const char *reason = NULL;
    k = jsonx_bool(b, "approve", true, &approve, err);
    if (!k) k = jsonx_str(b, "reason", false, LIMIT_TEXT_FIELD_BYTES_MAX, &reason, err);
    if (!k) k = application_decide(&req->ctx, id, approve, reason, err);
    json_decref(b);
    return k ? k : step_done(req, id, resp, err);
}

err_kind h_application_complete(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"note", NULL};
    int64_t id;
    json_t *b;
    err_kind k = app_id(req, &id, err);
    if (!k) k = step_body(req, allowed, &b, err);
    if (k) return k;
    const char *note = NULL;
    k = jsonx_str(b, "note", false, LIMIT_TEXT_FIELD_BYTES_MAX, &note, err);
    if (!k) k = application_complete(&req->ctx, id, note, err);
    json_decref(b);
    return k ? k : step_done(req, id, resp, err);
}
