/* Bank collection (托收) and arrears over HTTP: the month's collection files,
 * a bank's reply file (text/plain), a unit's arrears and its no-arrears
 * certificate. The rules are in svc/collection.c. */
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "api/api.h"
#include "base/jsonx.h"
#include "svc/collection.h"
#include "svc/registry_unit.h"

err_kind h_collect_month(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {NULL};
    month_ym month = 0;
    err_kind k = month_parse(req->params[0], "month", &month, err);
    if (!k && req->body_len > 0) {   /* an empty body or {} */
        json_t *b = NULL;
        k = api_body_object(req, allowed, &b, err);
        json_decref(b);
    }
    /* No directory on the server: each file's text is in the answer. */
    if (!k) k = collect_make_files(&req->ctx, month, NULL, &resp->body, err);
    if (!k && json_integer_value(json_object_get(resp->body, "file_count")) > 0) resp->status = 201;
    return k;
}

static err_kind text_body(api_req *req, err_detail *err) {
    const char *ct = req->content_type;
    if (!ct || strncasecmp(ct, "text/plain", strlen("text/plain")) != 0)
        return err_set(err, ERR_INVALID, "unsupported_media_type", "Content-Type",
                       "回盘文件应以 text/plain 提交");
    return ERR_OK;
}

err_kind h_bank_reply_import(api_req *req, api_resp *resp, err_detail *err) {
    err_kind k = text_body(req, err);
    return k ? k : collect_import_reply(&req->ctx, req->body, req->body_len, &resp->body, err);
}

err_kind h_unit_arrears(api_req *req, api_resp *resp, err_detail *err) {
    int64_t id = 0;
    err_kind k = api_parse_id(req->params[0], "id", &id, err);
    return k ? k : collect_unit_arrears(&req->ctx, id, &resp->body, NULL, err);
}

err_kind h_unit_no_arrears_certificate(api_req *req, api_resp *resp, err_detail *err) {
    int64_t id = 0;
    err_kind k = api_parse_id(req->params[0], "id", &id, err);
    return k ? k : collect_no_arrears_certificate(&req->ctx, id, &resp->body, err);
}

/* ---- a person's withholding card ---- */

static err_kind card_put(api_req *req, int64_t person_id, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"bank_name", "bank_account", NULL};
    json_t *b;
    err_kind k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    const char *bank = NULL, *account = NULL;
    /* Missing or empty fields are the rule's to list, with every other failure. */
    k = jsonx_str(b, "bank_name", false, REG_UNIT_BANK_BYTES_MAX, &bank, err);
    if (!k) k = jsonx_str(b, "bank_account", false, REG_UNIT_ACCOUNT_DIGITS_MAX, &account, err);
    if (!k) k = collect_card_set(&req->ctx, person_id, bank, account, &resp->body, err);
    json_decref(b);
    return k;
}

err_kind h_me_card_put(api_req *req, api_resp *resp, err_detail *err) {
    return card_put(req, req->ctx.actor.person_id, resp, err);
}

err_kind h_me_card_get(api_req *req, api_resp *resp, err_detail *err) {
    return collect_card_get(&req->ctx, req->ctx.actor.person_id, &resp->body, err);
}

err_kind h_person_card_put(api_req *req, api_resp *resp, err_detail *err) {
    int64_t id = 0;
    err_kind k = api_parse_id(req->params[0], "id", &id, err);
    return k ? k : card_put(req, id, resp, err);
}

err_kind h_person_card_get(api_req *req, api_resp *resp, err_detail *err) {
    int64_t id = 0;
    err_kind k = api_parse_id(req->params[0], "id", &id, err);
    return k ? k : collect_card_get(&req->ctx, id, &resp->body, err);
}
