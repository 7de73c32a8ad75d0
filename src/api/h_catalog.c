/* The service catalog: public, since every desk draws its menu from it. */
#include "api/api.h"
#include "svc/catalog.h"

err_kind h_catalog_list(api_req *req, api_resp *resp, err_detail *err) {
    json_t *items;
    err_kind k = catalog_list(&req->ctx, api_query(req, "audience"), api_query(req, "channel"),
                              &items, err);
    if (k) return k;
    resp->body = json_pack("{s:I, s:o}", "count", (json_int_t)json_array_size(items), "items", items);
    return ERR_OK;
}

err_kind h_catalog_get(api_req *req, api_resp *resp, err_detail *err) {
    return catalog_get_json(&req->ctx, req->params[0], &resp->body, err);
}
