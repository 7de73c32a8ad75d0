/* Statements and certificates over HTTP: the rights statement (the person's
 * own and, for staff, anyone's), the paper preference of a person and of a
 * unit for its employees, the certificate data of a unit and of a person,
 * and the yearly run. The rules are in svc/statement.c; these handlers read
 * the request and shape the answer. */
#include <string.h>

#include "api/api.h"
#include "base/jsonx.h"
#include "svc/statement.h"

enum { PERIOD_DIGITS_MAX = 4 };

/* A period is a year; anything longer is out of range (-1 reaches the
 * service, which refuses it with "period_out_of_range"). */
static err_kind parse_period(const char *s, bool required, int *out, err_detail *err) {
    if (!s && !required) {
        *out = 0;
        return ERR_OK;
    }
    int64_t v = 0;
    err_kind k = api_parse_id(s, "period", &v, err);
    if (!k) *out = strlen(s) > PERIOD_DIGITS_MAX ? -1 : (int)v;
    return k;
}

static err_kind query_month(api_req *req, const char *name, month_ym *out, err_detail *err) {
    const char *s = api_query(req, name);
    *out = 0;
    return s ? month_parse(s, name, out, err) : ERR_OK;
}

static err_kind path_id(api_req *req, int64_t *id, err_detail *err) {
    return api_parse_id(req->params[0], "id", id, err);
}

/* ---- the rights statement ---- */

err_kind h_me_statement(api_req *req, api_resp *resp, err_detail *err) {
    int period = 0;
    err_kind k = parse_period(api_query(req, "period"), false, &period, err);
    return k ? k : statement_person_json(&req->ctx, req->ctx.actor.person_id, period, &resp->body, err);
}

err_kind h_person_statement(api_req *req, api_resp *resp, err_detail *err) {
    int64_t id = 0;
    int period = 0;
    err_kind k = path_id(req, &id, err);
    if (!k) k = parse_period(api_query(req, "period"), false, &period, err);
    return k ? k : statement_person_json(&req->ctx, id, period, &resp->body, err);
}

/* ---- paper ---- */

err_kind h_me_statement_paper(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"paper", NULL};
    json_t *b;
    err_kind k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    bool paper = true;
    k = jsonx_bool(b, "paper", true, &paper, err);
    json_decref(b);
    int64_t person_id = req->ctx.actor.person_id;
    if (!k) k = statement_paper_set(&req->ctx, person_id, paper, err);
    if (k) return k;
    int period = statement_period_of(req->ctx.pol, req->ctx.business_date, err);
    resp->body = json_pack("{s:I, s:i, s:b}", "person_id", (json_int_t)person_id, "period", period,
                           "paper", paper);
    return ERR_OK;
}

/* person_ids: a non-empty array of positive integers, copied into the arena. */
static err_kind read_ids(api_req *req, const json_t *arr, int64_t **ids_out, int *n_out,
                         err_detail *err) {
    size_t n = json_array_size(arr);
    if (!json_is_array(arr) || n == 0 || n > LIMIT_ROSTER_ROWS_MAX)
        return err_set(err, ERR_INVALID, "invalid_field", "person_ids",
                       "person_ids 应为 1 至 %d 个人员编号的数组", LIMIT_ROSTER_ROWS_MAX);
    int64_t *ids = arena_alloc(req->ar, n * sizeof *ids);
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(arr, i);
        if (!json_is_integer(v) || json_integer_value(v) <= 0)
            return err_set(err, ERR_INVALID, "invalid_field", "person_ids",
                           "person_ids 第 %zu 项应为正整数", i + 1);
        ids[i] = json_integer_value(v);
    }
    *ids_out = ids;
    *n_out = (int)n;
    return ERR_OK;
}

/* Exactly one of person_ids and "all_current": true. */
static err_kind read_unit_targets(api_req *req, const json_t *b, int64_t **ids, int *n,
                                  err_detail *err) {
    bool all = false;
    err_kind k = jsonx_bool(b, "all_current", false, &all, err);
    if (k) return k;
    const json_t *arr = json_object_get(b, "person_ids");
    if (all && arr)
        return err_set(err, ERR_INVALID, "conflicting_fields", "person_ids",
                       "person_ids 与 all_current 只能给出一个");
    if (all) {
        *ids = NULL;
        *n = 0;
        return ERR_OK;
    }
    if (!arr)
        return err_set(err, ERR_INVALID, "missing_field", "person_ids",
                       "缺少 person_ids（或以 all_current: true 选择全部当前职工）");
    return read_ids(req, arr, ids, n, err);
}

err_kind h_unit_statement_paper(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"paper", "person_ids", "all_current", NULL};
    int64_t unit_id = 0, *ids = NULL;
    int n = 0;
    bool paper = true;
    json_t *b;
    err_kind k = path_id(req, &unit_id, err);
    if (!k) k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    k = jsonx_bool(b, "paper", true, &paper, err);
    if (!k) k = read_unit_targets(req, b, &ids, &n, err);
    json_decref(b);
    return k ? k : statement_paper_set_unit(&req->ctx, unit_id, ids, n, paper, &resp->body, err);
}

/* ---- certificates ---- */

err_kind h_unit_participation_certificate(api_req *req, api_resp *resp, err_detail *err) {
    int64_t id = 0;
    err_kind k = path_id(req, &id, err);
    return k ? k : statement_unit_participation_json(&req->ctx, id, &resp->body, err);
}

err_kind h_unit_contribution_summary(api_req *req, api_resp *resp, err_detail *err) {
    int64_t id = 0;
    month_ym from = 0, to = 0;
    err_kind k = path_id(req, &id, err);
    if (!k) k = query_month(req, "from", &from, err);
    if (!k) k = query_month(req, "to", &to, err);
    return k ? k : statement_unit_summary_json(&req->ctx, id, from, to, &resp->body, err);
}

err_kind h_person_contribution_certificate(api_req *req, api_resp *resp, err_detail *err) {
    int64_t id = 0;
    month_ym from = 0, to = 0;
    err_kind k = path_id(req, &id, err);
    if (!k) k = query_month(req, "from", &from, err);
    if (!k) k = query_month(req, "to", &to, err);
    return k ? k : statement_person_contributions_json(&req->ctx, id, from, to, &resp->body, err);
}

/* ---- the yearly run ---- */

/* The run commits chunk by chunk (svc/batch.h, with its own arena), so the
 * route opens no transaction. */
err_kind h_statement_run(api_req *req, api_resp *resp, err_detail *err) {
    int period = 0;
    err_kind k = parse_period(req->params[0], true, &period, err);
    if (k) return k;
    int64_t count = 0;
    k = statement_run(api_server_store(req->server), &req->ctx, period, &count, err);
    if (k) return k;
    resp->body = json_pack("{s:s, s:i, s:I}", "kind", "statements", "period", period, "count",
                           (json_int_t)count);
    return ERR_OK;
}
