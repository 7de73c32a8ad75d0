/* A request through the routing table and the real handlers without a
 * socket: what the fuzzers and a few tests use to reach every route fast.
 * The server comes from api_server_start with cfg->listen NULL (no socket,
 * no threads). There are no headers but Authorization (the token) and
 * Content-Type, and no query arguments; the body goes as given, the route's
 * body limit applies. */
#ifndef SIPF_API_INPROC_H
#define SIPF_API_INPROC_H

#include <stddef.h>

#include "api/api.h"

/* Answers method and path as the server would: the status, and in
 * *body_out (when not NULL) the answer's text, malloc'd. client_addr takes
 * part in the per-address limits; NULL is never limited. */
int api_dispatch_for_test(api_server *s, const char *method, const char *path, const char *token,
                          const char *content_type, const char *body, size_t body_len,
                          const char *client_addr, char **body_out);

/* The server's half of a request, shared by the socket path and the one
 * above: the request's context (business date, clock, policy), and the
 * route's run (limits, sign-in, role, transaction, handler). */
void api_server_prepare(api_server *s, api_req *req, arena *ar, const char *request_id);
void api_server_handle(api_server *s, api_req *req, int route, const char *client_addr,
                       api_resp *resp);

#endif
