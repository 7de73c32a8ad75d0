#include <microhttpd.h>
#include <string.h>

#include "api/api.h"
#include "base/jsonx.h"
#include "base/log.h"
#include "svc/audit.h"

const char *api_query(api_req *req, const char *name) {
    return MHD_lookup_connection_value((struct MHD_Connection *)req->conn, MHD_GET_ARGUMENT_KIND,
                                       name);
}

err_kind api_body_object(api_req *req, const char *const allowed[], json_t **out,
                         err_detail *err) {
    json_t *o;
    err_kind k = jsonx_parse_object(req->body, req->body_len, &o, err);
    if (k) return k;
    if (allowed) {
        k = jsonx_only(o, allowed, err);
        if (k) {
            json_decref(o);
            return k;
        }
    }
    *out = o;
    return ERR_OK;
}

void api_reply_json_text(api_resp *resp, const jsonx_writer *w) {
    resp->text = w->p;
    resp->text_len = w->n;
    resp->content_type = API_JSON_TYPE;
}

err_kind api_body_table(api_req *req, table *out, err_detail *err) {
    table_format fmt;
    err_kind k = table_format_from_type(req->content_type, &fmt, err);
    return k ? k : table_read(req->ar, fmt, req->body, req->body_len, out, err);
}

err_kind api_table_refused(api_req *req, api_resp *resp, const char *action, const err_detail *err,
                           json_t *bad) {
    json_t *body = jsonx_error_body(err);
    json_t *e = json_object_get(body, "error");
    json_object_set_new(e, "bad_row_count", json_integer((json_int_t)json_array_size(bad)));
    json_object_set_new(e, "rows", bad);
    store_rollback(req->ctx.tx);
    req->ctx.tx = NULL;
    err_detail aerr = {0};
    if (store_begin(api_server_store(req->server), true, &req->ctx.tx, &aerr) ||
        audit_append(&req->ctx, action, req->path, err->code, err->message, &aerr))
        log_msg(LOG_WARN, "audit of a refused file (%s) not written: %s", action, aerr.message);
    resp->status = err_http_status(ERR_RULE);
    resp->body = body;
    return ERR_OK;
}
