/* The HTTP API: libmicrohttpd with an internal thread pool (epoll), one
 * routing table (routes.def), JSON by jansson, a per-request arena.
 *
 * A request goes: match the route (404 / 405) -> gather the body within the
 * route's limit (413) -> open the route's transaction -> resolve the bearer
 * token in it (401) -> check the role (403) -> call the handler -> commit on
 * success, roll back on failure -> for a read (TX_READ), have the audit rows
 * of what it read written by the audit writer, the connection suspended
 * meanwhile (svc/audit.h) -> answer JSON. Errors are
 * {"error":{"code","message","field"?,"rules":[...]}} with the status of
 * err_http_status. Every request writes one JSON access-log line and is
 * counted in /metrics. */
#ifndef SIPF_API_API_H
#define SIPF_API_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/jsonx.h"
#include "base/limits.h"
#include "base/table.h"
#include "svc/ctx.h"

typedef struct api_metrics api_metrics;

typedef struct api_config {
    const char *listen;        /* "HOST:PORT"; port 0 picks a free port */
    const char *web_dir;       /* static files served under / */
    date_days as_of;           /* fixed business date, or 0 for the clock's */
    int threads;               /* worker threads, 1..LIMIT_SERVER_THREADS_MAX */
    bool quiet;                /* no access log (tests) */
    int signin_per_minute;     /* sign-in attempts an address gains a minute; 0: no limit */
    int signin_burst;          /* and may spend at once (0: LIMIT_SIGNIN_BURST) */
    const char *trusted_proxies; /* "ADDR,ADDR": whose X-Forwarded-For names the client (api/clientaddr.h) */
    store *audit_store;        /* where reads' audit rows go; NULL: the server's own store. A node
                                  serving reads from a replica names the primary (docs/scaling.md) */
} api_config;

typedef struct api_server api_server;

/* The store, policy and calendar are borrowed and must outlive the server.
 * A NULL cfg->listen makes a server that only answers in process
 * (api/inproc.h). */
err_kind api_server_start(const api_config *cfg, store *st, const policy *pol,
                          const workday_cal *cal, api_server **out, err_detail *err);
int api_server_port(const api_server *s);
void api_server_stop(api_server *s);

typedef enum api_tx { TX_NONE = 0, TX_READ, TX_WRITE } api_tx;

typedef struct api_req {
    arena *ar;
    const char *method;
    const char *path;
    const char *params[LIMIT_PATH_PARAMS_MAX];   /* {name} segments of the pattern, in order */
    int param_count;
    const char *body;
    size_t body_len;
    const char *token;         /* bearer token, or NULL */
    const char *content_type;  /* the Content-Type header, or NULL */
    svc_ctx ctx;               /* tx opened per the route; actor when signed in */
    bool commit_on_error;      /* set by a handler whose refusal must still persist */
    void *conn;                /* struct MHD_Connection *, for query arguments */
    api_server *server;
} api_req;

typedef struct api_resp {
    int status;                /* 200 when left 0 */
    json_t *body;              /* owned; sent as JSON */
    const char *text;          /* or a text body in the arena */
    size_t text_len;
    const char *content_type;  /* for text bodies */
    int retry_after_s;         /* a Retry-After header when > 0 (429) */
} api_resp;

typedef err_kind (*api_handler)(api_req *req, api_resp *resp, err_detail *err);

typedef struct api_route {
    const char *method;
    const char *pattern;       /* "/api/v1/applications/{id}/accept" */
    unsigned roles;            /* ROLE_BIT mask; ROLES_PUBLIC for no sign-in */
    api_tx tx;
    api_handler handler;
    size_t body_max_bytes;
    const char *summary_zh;
} api_route;

extern const api_route api_routes[];
extern const int api_route_count;

/* Matches method and path against the table. *route_out = index or -1.
 * Returns 404 when no pattern matches the path, 405 when only the method
 * differs, 0 when found; params are arena copies. */
int api_route_match(const char *method, const char *path, arena *ar, int *route_out,
                    const char **params, int *param_count);

/* Query argument, or NULL. */
const char *api_query(api_req *req, const char *name);
/* Parses a required or optional int64 path/query value; ERR_INVALID naming field. */
err_kind api_parse_id(const char *s, const char *field, int64_t *out, err_detail *err);
/* The body as a JSON object, checked against allowed members (NULL-terminated). */
err_kind api_body_object(api_req *req, const char *const allowed[], json_t **out,
                         err_detail *err);

/* The body as a table: CSV or XLSX by its Content-Type (table_not_supported
 * otherwise), read row by row by base/table. */
err_kind api_body_table(api_req *req, table *out, err_detail *err);
/* An answer written as JSON text (base/jsonx's writer), sent as it is. */
#define API_JSON_TYPE "application/json; charset=utf-8"
void api_reply_json_text(api_resp *resp, const jsonx_writer *w);
/* A refused file answers 422 with every bad row, which the platform's error
 * body (ERR_RULES_MAX rules) cannot carry: rolls the file back, records the
 * refusal under action in a transaction of its own (which the server then
 * commits: the handler returns ERR_OK) and answers err with bad (stolen) as
 * "rows". */
err_kind api_table_refused(api_req *req, api_resp *resp, const char *action, const err_detail *err,
                           json_t *bad);

/* Metrics. */
api_metrics *api_metrics_create(int route_count);
void api_metrics_destroy(api_metrics *m);
void api_metrics_observe(api_metrics *m, int route, int status, int64_t micros);
char *api_metrics_render(api_metrics *m, arena *ar);   /* Prometheus text */
api_metrics *api_server_metrics(api_server *s);
store *api_server_store(api_server *s);

/* Static files under web_dir (a resolved path: realpath's): fills resp with the file or returns
 * ERR_NOT_FOUND. */
err_kind api_static_serve(const char *web_dir, const char *path, arena *ar, api_resp *resp,
                          err_detail *err);
const char *api_server_web_dir(api_server *s);

/* Handlers (h_*.c), named in routes.def. */
#define ROUTE(method, pattern, roles, tx, handler, body_max, summary) \
    err_kind handler(api_req *req, api_resp *resp, err_detail *err);
#include "api/routes.def"
#undef ROUTE

#endif
