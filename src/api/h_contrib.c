/* Contributions over HTTP: the quote, declared bases (one at a time or a
 * file), bills (list, itemised bill, confirmation), the monthly run and the
 * state of any batch run. The rules are in svc/contribution.c and
 * svc/batch.c; these handlers read the request and shape the answer. */
#include <microhttpd.h>
#include <string.h>

#include "api/api.h"
#include "base/jsonx.h"
#include "base/log.h"
#include "base/table.h"
#include "svc/audit.h"
#include "svc/batch.h"
#include "svc/contribution.h"

enum { RATE_BP_MAX = 10000, RUN_KEY_BYTES_MAX = 32, CHUNK_MAX = 100000 };

/* ---- the quote ---- */

static json_t *quote_json(const contrib_quote *q) {
    json_t *items = json_array();
    for (int i = 0; i < q->count; i++) {
        const contrib_item *it = &q->items[i];
        json_array_append_new(items, json_pack("{s:s, s:I, s:I, s:I}", "insurance", reg_insurance_name(it->insurance),
                                               "base_fen", (json_int_t)it->base_fen, "unit_fen",
                                               (json_int_t)it->unit_fen, "personal_fen", (json_int_t)it->personal_fen));
    }
    return json_pack("{s:o, s:I, s:o, s:I, s:I}", "month", jsonx_month_new(q->month), "base_fen",
                     (json_int_t)q->base_fen, "items", items, "unit_total_fen", (json_int_t)q->unit_total_fen,
                     "personal_total_fen", (json_int_t)q->personal_total_fen);
}

err_kind h_contrib_quote(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"month", "wage_fen", "insurances", "injury_rate_bp",
                                          "housing_fund_rate_bp", NULL};
    json_t *b;
    err_kind k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    contrib_quote_in in = {0};
    const json_t *ins = json_object_get(b, "insurances");
    k = jsonx_month(b, "month", true, &in.month, err);
    if (!k) k = jsonx_int(b, "wage_fen", true, 1, CONTRIB_WAGE_FEN_MAX, &in.wage_fen, err);
    if (!k && (!ins || json_is_null(ins)))
        k = err_set(err, ERR_INVALID, "missing_field", "insurances", "缺少字段 insurances（险种列表）");
    if (!k) k = reg_insurances_parse(ins, "insurances", &in.insurances, err);
    if (!k && !in.insurances)
        k = err_set(err, ERR_INVALID, "invalid_field", "insurances", "请指明至少一个险种 insurances");
    if (!k) k = jsonx_int(b, "injury_rate_bp", false, 1, RATE_BP_MAX, &in.injury_rate_bp, err);
    if (!k) k = jsonx_int(b, "housing_fund_rate_bp", false, 1, RATE_BP_MAX, &in.housing_fund_rate_bp, err);
    contrib_quote q;
    if (!k) k = contrib_quote_compute(req->ctx.pol, &in, &q, err);
    json_decref(b);
    if (!k) resp->body = quote_json(&q);
    return k;
}

/* ---- bases ---- */

static err_kind path_id(api_req *req, int i, const char *name, int64_t *id, err_detail *err) {
    return api_parse_id(req->params[i], name, id, err);
}

err_kind h_base_declare(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"id_number", "person_id", "wage_fen", "from_month", NULL};
    int64_t unit_id = 0, person_id = 0, wage = 0;
    month_ym from = 0;
    const char *id_number = NULL;
    json_t *b;
    err_kind k = path_id(req, 0, "id", &unit_id, err);
    if (!k) k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    k = jsonx_str(b, "id_number", false, 40, &id_number, err);
    if (!k) k = jsonx_int(b, "person_id", false, 1, INT64_MAX, &person_id, err);
    if (!k) k = jsonx_int(b, "wage_fen", true, 1, CONTRIB_WAGE_FEN_MAX, &wage, err);
    if (!k) k = jsonx_month(b, "from_month", false, &from, err);
    if (!k && id_number && person_id)
        k = err_set(err, ERR_INVALID, "invalid_field", "person_id", "id_number 与 person_id 只能给出一个");
    if (!k && !id_number && !person_id)
        k = err_set(err, ERR_INVALID, "missing_field", "person_id", "请给出 id_number 或 person_id");
    if (!k && id_number) k = reg_person_find(&req->ctx, id_number, &person_id, err);
    if (!k) k = contrib_base_declare(&req->ctx, unit_id, person_id, from, wage, NULL, &resp->body, err);
    json_decref(b);
    if (!k) resp->status = 201;
    return k;
}

err_kind h_base_file(api_req *req, api_resp *resp, err_detail *err) {
    int64_t unit_id = 0;
    month_ym from = 0;
    const char *fm = api_query(req, "from_month");
    err_kind k = path_id(req, 0, "id", &unit_id, err);
    if (!k && fm) k = month_parse(fm, "from_month", &from, err);
    table t;
    if (!k) k = api_body_table(req, &t, err);
    json_t *bad = NULL;
    if (!k) k = contrib_base_declare_file_from(&req->ctx, unit_id, &t, from, &resp->body, &bad, err);
    if (k == ERR_RULE && bad) return api_table_refused(req, resp, "POST /api/v1/units/{id}/bases/file", err, bad);
    if (!k) resp->status = 201;
    return k;
}

/* ---- bills ---- */

err_kind h_unit_bills(api_req *req, api_resp *resp, err_detail *err) {
    int64_t unit_id = 0;
    month_ym month = 0;
    const char *m = api_query(req, "month");
    err_kind k = path_id(req, 0, "id", &unit_id, err);
    if (!k && m) k = month_parse(m, "month", &month, err);
    return k ? k : contrib_bills_json(&req->ctx, unit_id, month, &resp->body, err);
}

err_kind h_bill_get(api_req *req, api_resp *resp, err_detail *err) {
    int64_t id = 0;
    err_kind k = path_id(req, 0, "id", &id, err);
    return k ? k : contrib_bill_json(&req->ctx, id, &resp->body, err);
}

err_kind h_bill_confirm(api_req *req, api_resp *resp, err_detail *err) {
    int64_t id = 0;
    err_kind k = path_id(req, 0, "id", &id, err);
    if (!k) k = contrib_bill_confirm(&req->ctx, id, err);
    if (!k)
        resp->body = json_pack("{s:I, s:s, s:o}", "id", (json_int_t)id, "status", "confirmed", "confirmed_on",
                               jsonx_date_new(req->ctx.business_date));
    return k;
}

/* ---- the monthly run and batch states ---- */

err_kind h_month_run(api_req *req, api_resp *resp, err_detail *err) {
    month_ym month = 0;
    int64_t chunk = 0;
    const char *c = api_query(req, "chunk");
    err_kind k = month_parse(req->params[0], "month", &month, err);
    if (!k && c) k = api_parse_id(c, "chunk", &chunk, err);
    if (!k && chunk > CHUNK_MAX)
        k = err_set(err, ERR_INVALID, "invalid_field", "chunk", "每批数量 chunk 应在 1 到 %d 之间", CHUNK_MAX);
    if (!k)
        k = contrib_month_run(api_server_store(req->server), &req->ctx, month, (int)chunk, NULL, NULL,
                              &resp->body, err);
    return k;
}

err_kind h_month_status(api_req *req, api_resp *resp, err_detail *err) {
    month_ym month = 0;
    err_kind k = month_parse(req->params[0], "month", &month, err);
    return k ? k : contrib_month_status(&req->ctx, month, &resp->body, err);
}

err_kind h_batch_status(api_req *req, api_resp *resp, err_detail *err) {
    for (int i = 0; i < 2; i++)
        if (strlen(req->params[i]) > RUN_KEY_BYTES_MAX)
            return err_set(err, ERR_INVALID, "invalid_field", i ? "run_key" : "kind", "参数 %s 过长",
                           i ? "run_key" : "kind");
    return batch_status_json(&req->ctx, req->params[0], req->params[1], &resp->body, err);
}
