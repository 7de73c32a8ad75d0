#include "api/inproc.h"

#include <stdlib.h>
#include <string.h>

#include "base/jsonx.h"

static void refuse(api_resp *resp, const err_detail *err, int status) {
    resp->status = status ? status : err_http_status(err->kind);
    resp->body = jsonx_error_body(err);
}

int api_dispatch_for_test(api_server *s, const char *method, const char *path, const char *token,
                          const char *content_type, const char *body, size_t body_len,
                          const char *client_addr, char **body_out) {
    arena *ar = arena_create(16 * 1024);
    api_req req = {.method = method, .path = path, .token = token, .content_type = content_type};
    api_resp resp = {0};
    api_server_prepare(s, &req, ar, "inproc");
    err_detail err = {0};
    int route = -1;
    int match = api_route_match(method, path, ar, &route, req.params, &req.param_count);
    if (match == 404) {
        err_set(&err, ERR_NOT_FOUND, "route_not_found", NULL, "没有这个接口：%s %s", method, path);
        refuse(&resp, &err, 0);
    } else if (match == 405) {
        err_set(&err, ERR_INVALID, "method_not_allowed", NULL, "接口 %s 不支持 %s 方法", path, method);
        refuse(&resp, &err, 405);
    } else if (body_len > api_routes[route].body_max_bytes) {
        err_set(&err, ERR_TOO_LARGE, "body_too_large", NULL, "请求体过大，上限 %zu 字节",
                api_routes[route].body_max_bytes);
        refuse(&resp, &err, 0);
    } else {
        if (body_len) {   /* as the socket path keeps it: NUL-terminated, NULL when empty */
            char *copy = arena_alloc(ar, body_len + 1);
            memcpy(copy, body, body_len);
            copy[body_len] = 0;
            req.body = copy;
            req.body_len = body_len;
        }
        api_server_handle(s, &req, route, client_addr, &resp);
    }
    int status = resp.status ? resp.status : 200;
    if (body_out) {
        if (resp.body) {
            *body_out = json_dumps(resp.body, JSON_COMPACT);
        } else {
            *body_out = malloc(resp.text_len + 1);
            if (!*body_out) abort();
            if (resp.text_len) memcpy(*body_out, resp.text, resp.text_len);
            (*body_out)[resp.text_len] = 0;
        }
    }
    json_decref(resp.body);
    arena_destroy(ar);
    return status;
}
