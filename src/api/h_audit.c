#include <errno.h>
#include <stdlib.h>

#include "api/api.h"
#include "svc/audit.h"

enum { AUDIT_PAGE_DEFAULT = 100 };

err_kind h_audit_list(api_req *req, api_resp *resp, err_detail *err) {
    int64_t before = 0, limit = AUDIT_PAGE_DEFAULT;
    const char *b = api_query(req, "before");
    const char *l = api_query(req, "limit");
    err_kind k = b ? api_parse_id(b, "before", &before, err) : ERR_OK;
    if (!k && l) k = api_parse_id(l, "limit", &limit, err);
    if (!k && limit > LIMIT_QUERY_ROWS_MAX)
        k = err_set(err, ERR_INVALID, "out_of_range", "limit", "limit 不能超过 %d", LIMIT_QUERY_ROWS_MAX);
    if (k) return k;
    json_t *rows;
    k = audit_list(&req->ctx, api_query(req, "target"), before, (int)limit, &rows, err);
    if (k) return k;
    resp->body = json_pack("{s:o}", "items", rows);
    return ERR_OK;
}
