#include <microhttpd.h>
#include <string.h>

#include "api/api.h"
#include "base/jsonx.h"

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
