#include <arpa/inet.h>
#include <limits.h>
#include <malloc.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/clientaddr.h"
#include "api/inproc.h"
#include "api/ratelimit.h"
#include "base/crypto.h"
#include "base/jsonx.h"
#include "base/log.h"
#include "svc/audit.h"
#include "svc/auth.h"

struct api_server {
    struct MHD_Daemon *d;
    store *st;
    const policy *pol;
    const workday_cal *cal;
    api_metrics *metrics;
    ratelimit *signin_limit;   /* NULL: sign-in not limited per address */
    api_proxies proxies;       /* whose X-Forwarded-For is believed */
    audit_writer *auditw;      /* NULL in process: read audits written at once */
    store *audit_st;           /* where they go: st, or the primary a replica node names */
    _Atomic int64_t trimmed_ms; /* when free memory was last given back */
    char *web_dir;
    date_days as_of;
    bool quiet;
    int port;
};

/* Per-request state, from the first callback until MHD says it is done. */
typedef struct req_state {
    arena *ar;
    int64_t start_us;
    int route;             /* index, -1 static, -2 unmatched */
    int match;             /* 0, 404 or 405 */
    size_t body_max;
    char *body;
    size_t body_len;
    size_t body_cap;
    bool too_large;
    const char *params[LIMIT_PATH_PARAMS_MAX];
    int param_count;
    char request_id[40];
    /* A read whose audit rows are with the writer: the connection is
     * suspended and the answer kept until audit_written resumes it. */
    api_req *req;
    api_resp *resp;
    audit_later later;
    struct MHD_Connection *conn;
    bool waiting;
    err_kind audit_k;
    err_detail *audit_err;
} req_state;

api_metrics *api_server_metrics(api_server *s) { return s->metrics; }
store *api_server_store(api_server *s) { return s->st; }
const char *api_server_web_dir(api_server *s) { return s->web_dir; }
int api_server_port(const api_server *s) { return s->port; }

static int64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A request id is unique, not secret: a thread's random start, then a
 * counter mixed by splitmix64, so a request costs no system call for it. */
static void request_id_new(char out[40]) {
    static _Thread_local uint64_t state;
    if (!state) {
        char hex[CRYPTO_TOKEN_HEX_BYTES];
        crypto_random_token_hex(hex);
        state = strtoull(hex + 48, NULL, 16) | 1;
    }
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    snprintf(out, 40, "%016llx", (unsigned long long)z);
}

static void request_id_of(struct MHD_Connection *c, char out[40]) {
    const char *given = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Request-Id");
    bool ok = given && strlen(given) > 0 && strlen(given) < 40;
    for (const char *p = given; ok && *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              *p == '-' || *p == '_'))
            ok = false;
    if (ok) {
        snprintf(out, 40, "%s", given);
        return;
    }
    request_id_new(out);
}

static const char *bearer_of(struct MHD_Connection *c) {
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h || strncmp(h, "Bearer ", 7) != 0) return NULL;
    return h + 7;
}

enum { TRIM_INTERVAL_MS = 1000, REQUEST_ARENA_BYTES = 16 * 1024 };

static enum MHD_Result send_resp(struct MHD_Connection *c, req_state *rs, api_resp *resp) {
    int status = resp->status ? resp->status : 200;
    struct MHD_Response *r;
    /* Bodies are in the request's arena (or static), which lives until MHD
     * has sent them (on_completed): no copy. */
    if (resp->body) {
        size_t n = 0;
        char *text = jsonx_dump_compact(resp->body, rs->ar, &n);
        json_decref(resp->body);
        resp->body = NULL;
        r = MHD_create_response_from_buffer(n, text, MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, API_JSON_TYPE);
    } else {
        r = MHD_create_response_from_buffer(resp->text_len, (void *)(resp->text ? resp->text : ""),
                                            MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                                resp->content_type ? resp->content_type : "text/plain; charset=utf-8");
    }
    MHD_add_response_header(r, "X-Request-Id", rs->request_id);
    if (resp->retry_after_s > 0) {
        char retry[16];
        snprintf(retry, sizeof retry, "%d", resp->retry_after_s);
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, retry);
    }
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    resp->status = status;
    return ret;
}

static void error_resp(api_resp *resp, const err_detail *err) {
    resp->status = err_http_status(err->kind);
    resp->body = jsonx_error_body(err);
}

/* A refused or failed change by a signed-in actor is recorded after the
 * rollback, in its own transaction, so the trail shows attempts too. */
static void audit_failure(api_server *s, api_req *req, const api_route *rt, const err_detail *e) {
    if (strcmp(rt->method, "GET") == 0 || req->ctx.actor.role == ROLE_NONE) return;
    err_detail ignore = {0};
    if (store_begin(s->st, true, &req->ctx.tx, &ignore)) return;
    const char *action = arena_printf(req->ar, "%s %s", rt->method, rt->pattern);
    if (audit_append(&req->ctx, action, req->path, e->code, e->message, &ignore) ||
        store_commit(req->ctx.tx, &ignore))
        log_msg(LOG_WARN, "audit of a failed request not written: %s", ignore.message);
    if (ignore.kind) store_rollback(req->ctx.tx);
    req->ctx.tx = NULL;
}

/* Inside the route's transaction when it has one: a request then costs one
 * transaction, not one for its token and one for its work. */
static err_kind authenticate(api_server *s, api_req *req, const api_route *rt, err_detail *err) {
    if (!req->token) {
        if (rt->roles == ROLES_PUBLIC) return ERR_OK;
        return err_set(err, ERR_UNAUTHORIZED, "token_missing", NULL, "请先登录（缺少访问令牌）");
    }
    bool own_tx = req->ctx.tx == NULL;
    err_kind k = own_tx ? store_begin(s->st, false, &req->ctx.tx, err) : ERR_OK;
    if (k) return k;
    int64_t expires;
    k = auth_resolve(&req->ctx, req->token, &req->ctx.actor, &expires, err);
    if (own_tx) {
        store_rollback(req->ctx.tx);
        req->ctx.tx = NULL;
    }
    if (k && rt->roles == ROLES_PUBLIC) {   /* a stale token on a public route is ignored */
        err_clear(err);
        memset(&req->ctx.actor, 0, sizeof req->ctx.actor);
        return ERR_OK;
    }
    if (k) return k;
    if (rt->roles != ROLES_PUBLIC && !(rt->roles & ROLE_BIT(req->ctx.actor.role)))
        return err_set(err, ERR_FORBIDDEN, "forbidden", NULL, "当前角色（%s）无权办理此业务",
                       svc_role_name_zh(req->ctx.actor.role));
    return ERR_OK;
}

/* X-Channel names the desk a request comes from (the terminal sends
 * "terminal"); otherwise the role's own channel. */
static const char *channel_of(api_req *req) {
    const char *h = MHD_lookup_connection_value((struct MHD_Connection *)req->conn, MHD_HEADER_KIND,
                                                "X-Channel");
    if (h && svc_channel_valid(h)) return arena_strdup(req->ar, h);
    switch (req->ctx.actor.role) {
    case ROLE_PERSON: return "portal";
    case ROLE_UNIT: return "unit_client";
    case ROLE_NONE: return "portal";
    default: return "counter";
    }
}

/* Sign-in attempts from one address are limited before any password is
 * hashed, whichever account they name (the per-account lock is auth's). */
static bool signin_refused(api_server *s, const api_route *rt, const char *client_addr,
                           api_resp *resp) {
    int retry_s = 0;
    if (rt->handler != h_session_create || !client_addr ||
        ratelimit_take(s->signin_limit, client_addr, clock_now_ms(), &retry_s))
        return false;
    err_detail err = {0};
    err_set(&err, ERR_INVALID, "rate_limited", NULL, "登录尝试过于频繁，请 %d 秒后再试", retry_s);
    error_resp(resp, &err);
    resp->status = 429;
    resp->retry_after_s = retry_s;
    return true;
}

/* Commits on success (or when the handler asks to keep its refusal), else
 * rolls back. */
static err_kind end_tx(api_req *req, err_kind k, err_detail *err) {
    if (!req->ctx.tx) return k;
    if (k == ERR_OK || req->commit_on_error) {
        err_detail cerr = {0};
        err_kind ck = store_commit(req->ctx.tx, &cerr);
        if (ck && !k) { k = ck; *err = cerr; }
    } else {
        store_rollback(req->ctx.tx);
    }
    req->ctx.tx = NULL;
    return k;
}

/* A read route runs in a read-only transaction and leaves the audit rows of
 * what it read in *later (svc/audit.h): the caller has them written before
 * it answers, also after a refusal the handler keeps (the refusal shows what
 * was read). */
static void run_route(api_server *s, api_req *req, const api_route *rt, api_resp *resp,
                      audit_later *later) {
    err_detail err = {0};
    err_kind k = rt->tx != TX_NONE ? store_begin(s->st, rt->tx == TX_WRITE, &req->ctx.tx, &err) : ERR_OK;
    if (!k) k = authenticate(s, req, rt, &err);
    if (!k) {
        req->ctx.channel = channel_of(req);
        if (rt->tx == TX_READ) req->ctx.audit_later = later;
        k = rt->handler(req, resp, &err);
        req->ctx.audit_later = NULL;
        k = end_tx(req, k, &err);
        if (k && !req->commit_on_error) {
            *later = (audit_later){0};
            audit_failure(s, req, rt, &err);
        }
    } else {
        end_tx(req, k, &err);
    }
    if (k) {
        json_decref(resp->body);
        resp->body = NULL;
        error_resp(resp, &err);
    }
}

/* The read's audit rows could not be written: the error answers instead. */
static void audit_refused(api_resp *resp, const err_detail *err) {
    json_decref(resp->body);
    resp->body = NULL;
    resp->text = NULL;
    resp->text_len = 0;
    error_resp(resp, err);
}

static void access_log(api_server *s, req_state *rs, const char *method, const char *url,
                       int status, int64_t micros, const api_req *req) {
    if (s->quiet) return;
    log_access(&(log_access_line){.method = method, .path = url, .request_id = rs->request_id,
                                  .role = svc_role_name(req ? req->ctx.actor.role : ROLE_NONE),
                                  .route = rs->route >= 0 ? api_routes[rs->route].pattern : NULL,
                                  .status = status, .micros = micros});
}

/* In process there is no writer: the rows are written at once. */
void api_server_handle(api_server *s, api_req *req, int route, const char *client_addr,
                       api_resp *resp) {
    if (signin_refused(s, &api_routes[route], client_addr, resp)) return;
    audit_later later = {0};
    run_route(s, req, &api_routes[route], resp, &later);
    err_detail err = {0};
    if (audit_later_write(s->audit_st, &later, &err)) audit_refused(resp, &err);
}

void api_server_prepare(api_server *s, api_req *req, arena *ar, const char *request_id) {
    req->ar = ar;
    req->server = s;
    req->ctx.ar = ar;
    req->ctx.pol = s->pol;
    req->ctx.cal = s->cal;
    req->ctx.business_date = s->as_of ? s->as_of : clock_today();
    req->ctx.now_ms = clock_now_ms();
    req->ctx.request_id = request_id;
    req->ctx.channel = "portal";
}

static void fill_ctx(api_server *s, api_req *req, req_state *rs, struct MHD_Connection *c) {
    api_server_prepare(s, req, rs->ar, rs->request_id);
    req->conn = c;
    req->body = rs->body;
    req->body_len = rs->body_len;
    req->param_count = rs->param_count;
    memcpy(req->params, rs->params, sizeof req->params);
    req->token = bearer_of(c);
    req->content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
}

/* The client's address in text, for the per-address limits ("" when
 * unknown): the peer's, or behind a trusted proxy the one it forwarded. */
static const char *client_addr_of(api_server *s, struct MHD_Connection *c, char out[INET6_ADDRSTRLEN]) {
    char peer[INET6_ADDRSTRLEN] = "";
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, peer, INET6_ADDRSTRLEN);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, peer, INET6_ADDRSTRLEN);
    const char *xff = s->proxies.n ? MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For") : NULL;
    const char *who = api_client_addr(&s->proxies, peer, xff, out);
    if (who != out) snprintf(out, INET6_ADDRSTRLEN, "%s", who);
    return out;
}

static enum MHD_Result answer(api_server *s, struct MHD_Connection *c, req_state *rs,
                              const char *method, const char *url) {
    if (rs->audit_k) audit_refused(rs->resp, rs->audit_err);
    enum MHD_Result ret = send_resp(c, rs, rs->resp);
    int64_t micros = now_us() - rs->start_us;
    api_metrics_observe(s->metrics, rs->route, rs->resp->status, micros);
    access_log(s, rs, method, url, rs->resp->status, micros, rs->req);
    return ret;
}

/* On the audit writer's thread. */
static void audit_written(void *arg, err_kind k, const err_detail *err) {
    req_state *rs = arg;
    if (k) *rs->audit_err = *err;
    rs->audit_k = k;
    MHD_resume_connection(rs->conn);
}

/* Hands the read's audit rows to the writer and suspends the connection,
 * so that the thread serves others meanwhile and the writer can put many
 * requests' rows into one transaction; MHD calls on_request again once
 * audit_written resumes it. A writer that is stopping takes nothing: the
 * rows are written here, and the connection resumed at once. */
static void wait_for_audit(api_server *s, struct MHD_Connection *c, req_state *rs) {
    rs->conn = c;
    rs->waiting = true;
    rs->audit_err = arena_alloc(rs->ar, sizeof *rs->audit_err);
    memset(rs->audit_err, 0, sizeof *rs->audit_err);
    MHD_suspend_connection(c);
    if (audit_later_queue(s->auditw, &rs->later, audit_written, rs)) return;
    rs->audit_k = audit_later_write(s->audit_st, &rs->later, rs->audit_err);
    MHD_resume_connection(c);
}

static enum MHD_Result finish(api_server *s, struct MHD_Connection *c, req_state *rs,
                              const char *method, const char *url) {
    api_req *req = rs->req = arena_alloc(rs->ar, sizeof *req);
    api_resp *resp = rs->resp = arena_alloc(rs->ar, sizeof *resp);
    *req = (api_req){.method = method, .path = url};
    *resp = (api_resp){0};
    fill_ctx(s, req, rs, c);
    err_detail err = {0};
    char addr[INET6_ADDRSTRLEN];
    const api_route *rt = rs->route >= 0 ? &api_routes[rs->route] : NULL;
    if (rs->too_large) {
        err_set(&err, ERR_TOO_LARGE, "body_too_large", NULL, "请求体过大，上限 %zu 字节", rs->body_max);
        error_resp(resp, &err);
    } else if (rs->match == 404 && strcmp(method, "GET") == 0 && strncmp(url, "/api/", 5) != 0) {
        rs->route = -1;
        if (api_static_serve(s->web_dir, url, rs->ar, resp, &err)) error_resp(resp, &err);
    } else if (rs->match == 404) {
        err_set(&err, ERR_NOT_FOUND, "route_not_found", NULL, "没有这个接口：%s %s", method, url);
        error_resp(resp, &err);
    } else if (rs->match == 405) {
        err_set(&err, ERR_INVALID, "method_not_allowed", NULL, "接口 %s 不支持 %s 方法", url, method);
        error_resp(resp, &err);
        resp->status = 405;
    } else if (!signin_refused(s, rt, client_addr_of(s, c, addr), resp)) {
        run_route(s, req, rt, resp, &rs->later);
        if (rs->later.n > 0) {
            wait_for_audit(s, c, rs);
            return MHD_YES;
        }
    }
    return answer(s, c, rs, method, url);
}

/* A kept-alive connection keeps its last request's arena for the next:
 * a new one each time cost a malloc of its first chunk, which made glibc
 * consolidate its small free chunks every request. */
static arena **spare_arena_of(struct MHD_Connection *c) {
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? (arena **)ci->socket_context : NULL;
}

static req_state *begin_request(struct MHD_Connection *c, const char *method, const char *url) {
    arena **spare = spare_arena_of(c);
    arena *ar = spare && *spare ? *spare : arena_create(REQUEST_ARENA_BYTES);
    if (spare) *spare = NULL;
    req_state *rs = arena_alloc(ar, sizeof *rs);
    rs->ar = ar;
    rs->start_us = now_us();
    request_id_of(c, rs->request_id);
    rs->match = api_route_match(method, url, ar, &rs->route, rs->params, &rs->param_count);
    if (rs->route < 0) rs->route = -2;
    rs->body_max = rs->route >= 0 ? api_routes[rs->route].body_max_bytes : 0;
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && rs->route >= 0) {
        char *end;
        unsigned long long want = strtoull(cl, &end, 10);
        if (*end == 0 && want > rs->body_max) rs->too_large = true;   /* answer 413 without storing it */
    }
    return rs;
}

/* Grows the body geometrically, so a large upload costs its size once more,
 * not the sum of every chunk's copy. */
static void body_append(req_state *rs, const char *data, size_t n) {
    if (rs->body_len + n + 1 > rs->body_cap) {
        size_t cap = rs->body_cap ? rs->body_cap : 4096;
        while (cap < rs->body_len + n + 1) cap *= 2;
        if (cap > rs->body_max + 1) cap = rs->body_max + 1;
        char *nb = arena_alloc(rs->ar, cap);
        if (rs->body_len) memcpy(nb, rs->body, rs->body_len);
        rs->body = nb;
        rs->body_cap = cap;
    }
    memcpy(rs->body + rs->body_len, data, n);
    rs->body_len += n;
    rs->body[rs->body_len] = 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
    api_server *s = cls;
    req_state *rs = *con_cls;
    if (!rs) {
        *con_cls = begin_request(c, method, url);
        return MHD_YES;
    }
    if (rs->waiting) {   /* resumed: the read's audit rows are written, or failed */
        rs->waiting = false;
        return answer(s, c, rs, method, url);
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (rs->route < 0) return MHD_YES;   /* answered 404/405 at the end; the body is not read */
        if (rs->too_large || rs->body_len + n > rs->body_max) {
            rs->too_large = true;   /* keep reading, answer 413 at the end */
            return MHD_YES;
        }
        body_append(rs, upload, n);
        return MHD_YES;
    }
    return finish(s, c, rs, method, url);
}

/* Each worker thread's malloc arena keeps the free memory of its busiest
 * moment; given back once a second (on whichever thread finishes a request
 * first), the resident size stays where the live memory is. One arena for
 * all threads did the same but halved the rate: the threads queued on its
 * lock. */
static void trim_now_and_then(api_server *s) {
    int64_t now = clock_now_ms(), last = atomic_load(&s->trimmed_ms);
    if (now - last < TRIM_INTERVAL_MS || !atomic_compare_exchange_strong(&s->trimmed_ms, &last, now)) return;
    malloc_trim(0);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    req_state *rs = *con_cls;
    arena **spare = rs ? spare_arena_of(c) : NULL;
    if (rs && spare && !*spare) {   /* reset gives back all but its first chunk */
        arena_reset(rs->ar);
        *spare = rs->ar;
    } else if (rs) {
        arena_destroy(rs->ar);
    }
    *con_cls = NULL;
    trim_now_and_then(cls);
}

/* The connection's spare arena (begin_request) lives as long as it. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe) {
    (void)cls;
    (void)c;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = calloc(1, sizeof(arena *));
        if (!*socket_context) abort();
    } else if (*socket_context) {
        arena_destroy(*(arena **)*socket_context);
        free(*socket_context);
        *socket_context = NULL;
    }
}

/* MHD's own unescaping, except that a %00 becomes a backslash: a NUL would
 * cut the path short unseen ("/index.html%00.png" read as "/index.html"),
 * and a backslash is refused by the static file check and fits no route. */
static size_t unescape_no_nul(void *cls, struct MHD_Connection *c, char *s) {
    size_t n = MHD_http_unescape(s);
    for (size_t i = 0; i < n; i++)
        if (s[i] == 0) s[i] = '\\';
    return n;
}

static err_kind parse_listen(const char *listen, struct sockaddr_in *sa, err_detail *err) {
    const char *colon = listen ? strrchr(listen, ':') : NULL;
    if (!colon)
        return err_set(err, ERR_INVALID, "invalid_listen", "listen", "监听地址应为 HOST:PORT：%s",
                       listen ? listen : "");
    char host[64];
    size_t hl = (size_t)(colon - listen);
    if (hl == 0 || hl >= sizeof host)
        return err_set(err, ERR_INVALID, "invalid_listen", "listen", "监听地址的主机部分无效：%s", listen);
    memcpy(host, listen, hl);
    host[hl] = 0;
    if (strcmp(host, "localhost") == 0) snprintf(host, sizeof host, "127.0.0.1");
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535 || colon[1] == 0)
        return err_set(err, ERR_INVALID, "invalid_listen", "listen", "端口无效：%s", colon + 1);
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return err_set(err, ERR_INVALID, "invalid_listen", "listen", "主机地址应为 IPv4 地址：%s", host);
    return ERR_OK;
}

err_kind api_server_start(const api_config *cfg, store *st, const policy *pol,
                          const workday_cal *cal, api_server **out, err_detail *err) {
    struct sockaddr_in sa;
    err_kind k = cfg->listen ? parse_listen(cfg->listen, &sa, err) : ERR_OK;
    if (k) return k;
    int threads = cfg->threads > 0 ? cfg->threads : 4;
    if (threads > LIMIT_SERVER_THREADS_MAX) threads = LIMIT_SERVER_THREADS_MAX;
    api_server *s = calloc(1, sizeof *s);
    if (!s) abort();
    k = api_proxies_parse(cfg->trusted_proxies, &s->proxies, err);
    if (k) {
        free(s);
        return k;
    }
    s->st = st;
    s->audit_st = cfg->audit_store ? cfg->audit_store : st;
    s->pol = pol;
    s->cal = cal;
    s->as_of = cfg->as_of;
    s->quiet = cfg->quiet;
    /* Resolved once: every static request checks the file's real path against it. */
    s->web_dir = cfg->web_dir ? realpath(cfg->web_dir, NULL) : NULL;
    s->metrics = api_metrics_create(api_route_count);
    s->signin_limit = ratelimit_create(cfg->signin_per_minute,
                                       cfg->signin_burst > 0 ? cfg->signin_burst : LIMIT_SIGNIN_BURST);
    if (!cfg->listen) {   /* in process only: no socket, no threads */
        *out = s;
        return ERR_OK;
    }
    k = audit_writer_start(s->audit_st, &s->auditw, err);
    if (k) {
        api_server_stop(s);
        return k;
    }
    s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                                MHD_ALLOW_SUSPEND_RESUME,
                            0, NULL, NULL, on_request, s,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                            MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
                            MHD_OPTION_UNESCAPE_CALLBACK, unescape_no_nul, NULL,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)LIMIT_CONNECTION_MEMORY_BYTES,
                            MHD_OPTION_END);
    if (!s->d) {
        api_server_stop(s);
        return err_set(err, ERR_UNAVAILABLE, "listen_failed", "listen", "无法在 %s 上监听（端口被占用？）",
                       cfg->listen);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : ntohs(sa.sin_port);
    *out = s;
    return ERR_OK;
}

void api_server_stop(api_server *s) {
    if (!s) return;
    /* The writer first: it resumes every connection waiting for it, and
     * reads after it write their own rows. */
    audit_writer_stop(s->auditw);
    if (s->d) MHD_stop_daemon(s->d);
    audit_writer_free(s->auditw);
    api_metrics_destroy(s->metrics);
    ratelimit_destroy(s->signin_limit);
    free(s->web_dir);
    free(s);
}
