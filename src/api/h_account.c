/* Individual accounts, contribution details, the yearly interest run and the
 * ledger check. The rules are in svc/account.c and ledger/ledger.c; these
 * handlers read the request and shape the answer. */
#include <stdint.h>

#include "api/api.h"
#include "ledger/ledger.h"
#include "svc/account.h"

static err_kind path_person(api_req *req, int64_t *id, err_detail *err) {
    return api_parse_id(req->params[0], "id", id, err);
}

/* ?year=YYYY, optional: 0 when absent. */
static err_kind query_year(api_req *req, int *year, err_detail *err) {
    const char *s = api_query(req, "year");
    int64_t y = 0;
    *year = 0;
    if (!s) return ERR_OK;
    err_kind k = api_parse_id(s, "year", &y, err);
    if (!k && (y < 1900 || y > 2199))
        k = err_set(err, ERR_INVALID, "invalid_value", "year", "年度（year）应在 1900 到 2199 之间");
    if (!k) *year = (int)y;
    return k;
}

static err_kind balances(api_req *req, api_resp *resp, int64_t person_id, err_detail *err) {
    jsonx_writer w;
    err_kind k = account_balances_write(&req->ctx, person_id, &w, err);
    if (!k) api_reply_json_text(resp, &w);
    return k;
}

err_kind h_me_accounts(api_req *req, api_resp *resp, err_detail *err) {
    return balances(req, resp, req->ctx.actor.person_id, err);
}

err_kind h_person_accounts(api_req *req, api_resp *resp, err_detail *err) {
    int64_t id;
    err_kind k = path_person(req, &id, err);
    return k ? k : balances(req, resp, id, err);
}

static err_kind contributions(api_req *req, api_resp *resp, int64_t person_id, int year, err_detail *err) {
    jsonx_writer w;
    err_kind k = account_contributions_write(&req->ctx, person_id, year, &w, err);
    if (!k) api_reply_json_text(resp, &w);
    return k;
}

err_kind h_me_contributions(api_req *req, api_resp *resp, err_detail *err) {
    int year;
    err_kind k = query_year(req, &year, err);
    return k ? k : contributions(req, resp, req->ctx.actor.person_id, year, err);
}

err_kind h_person_contributions(api_req *req, api_resp *resp, err_detail *err) {
    int64_t id;
    int year;
    err_kind k = path_person(req, &id, err);
    if (!k) k = query_year(req, &year, err);
    return k ? k : contributions(req, resp, id, year, err);
}

err_kind h_interest_settle(api_req *req, api_resp *resp, err_detail *err) {
    int64_t year = 0;
    unsigned kinds = 0;
    err_kind k = api_parse_id(req->params[0], "year", &year, err);
    if (!k && year > 9999) k = err_set(err, ERR_INVALID, "invalid_value", "year", "年度不正确");
    if (!k) k = account_interest_kinds_parse(api_query(req, "kind"), &kinds, err);
    if (!k)
        k = account_interest_settle_all(api_server_store(req->server), &req->ctx, kinds, (int)year,
                                        NULL, NULL, &resp->body, err);
    return k;
}

err_kind h_ledger_verify(api_req *req, api_resp *resp, err_detail *err) {
    ledger_verify_result r;
    err_kind k = ledger_verify(req->ctx.tx, &r, err);
    if (k) return k;
    json_t *unbalanced = r.unbalanced_entry_id ? json_integer(r.unbalanced_entry_id) : json_null();
    json_t *wrong = r.wrong_balance_account_id ? json_integer(r.wrong_balance_account_id) : json_null();
    bool ok = !r.unbalanced_entry_id && !r.wrong_balance_account_id && r.reconciled;
    resp->body = json_pack("{s:b, s:I, s:I, s:o, s:o, s:I, s:I, s:b, s:s}", "ok", ok, "entries",
                           (json_int_t)r.entries, "accounts", (json_int_t)r.accounts,
                           "unbalanced_entry_id", unbalanced, "wrong_balance_account_id", wrong,
                           "bank_clearing_fen", (json_int_t)r.bank_clearing_fen, "collected_fen",
                           (json_int_t)r.collected_fen, "reconciled", r.reconciled, "problem",
                           r.problem);
    return ERR_OK;
}
