/* Health, metrics and the public calculators: no sign-in. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "base/idno.h"
#include "base/jsonx.h"
#include "base/workday.h"

err_kind h_healthz(api_req *req, api_resp *resp, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(req->ctx.tx, STORE_Q_PING, &st, err);
    bool row = false;
    if (!k) {
        k = store_step(st, &row, err);
        store_stmt_done(st);
    }
    if (k) return k;
    resp->body = json_pack("{s:s, s:s, s:s, s:o}", "status", "ok", "version", SIPF_VERSION,
                           "store", store_engine_name(api_server_store(req->server)),
                           "business_date", jsonx_date_new(req->ctx.business_date));
    return ERR_OK;
}

err_kind h_metrics(api_req *req, api_resp *resp, err_detail *err) {
    resp->text = api_metrics_render(api_server_metrics(req->server), req->ar);
    resp->text_len = strlen(resp->text);
    resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
    return ERR_OK;
}

enum { WORKDAYS_ADD_MAX = 366 };

err_kind h_workdays_add(api_req *req, api_resp *resp, err_detail *err) {
    const char *from_s = api_query(req, "from");
    const char *days_s = api_query(req, "days");
    if (!from_s) return err_set(err, ERR_INVALID, "missing_field", "from", "缺少参数 from（YYYY-MM-DD）");
    if (!days_s) return err_set(err, ERR_INVALID, "missing_field", "days", "缺少参数 days（工作日天数）");
    date_days from;
    err_kind k = date_parse(from_s, "from", &from, err);
    if (k) return k;
    errno = 0;
    char *end;
    long days = strtol(days_s, &end, 10);
    if (errno || *end || !*days_s || days < 0 || days > WORKDAYS_ADD_MAX)
        return err_set(err, ERR_INVALID, "invalid_field", "days",
                       "参数 days 应为 0 到 %d 之间的整数：%s", WORKDAYS_ADD_MAX, days_s);
    date_days out;
    k = workday_add(req->ctx.cal, from, (int)days, &out, err);
    if (k == ERR_CONFIG) err->kind = k = ERR_RULE;   /* a year not loaded: the caller's date is outside the calendar */
    if (k) return k;
    resp->body = json_pack("{s:o, s:i, s:o}", "from", jsonx_date_new(from), "days", (int)days,
                           "date", jsonx_date_new(out));
    return ERR_OK;
}

err_kind h_id_number_check(api_req *req, api_resp *resp, err_detail *err) {
    const char *kind_s = api_query(req, "kind");
    idno_kind kind = IDNO_RESIDENT;
    err_kind k = kind_s ? idno_kind_parse(kind_s, &kind, err) : ERR_OK;
    if (k) return k;
    idno_info info;
    err_detail check = {0};
    if (idno_check(kind, req->params[0], &info, &check)) {
        resp->body = json_pack("{s:b, s:s, s:s, s:s}", "valid", 0, "kind", idno_kind_name(kind),
                               "code", check.code, "message", check.message);
        return ERR_OK;
    }
    json_t *o = json_pack("{s:b, s:s, s:s, s:s}", "valid", 1, "kind", idno_kind_name(kind),
                          "kind_zh", idno_kind_name_zh(kind), "number", info.normalized);
    if (info.has_birth) {
        json_object_set_new(o, "birth_date", jsonx_date_new(info.birth_date));
        json_object_set_new(o, "sex", json_string(info.sex == 'M' ? "M" : "F"));
    }
    resp->body = o;
    return ERR_OK;
}
