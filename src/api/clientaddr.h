/* The client's address, for the per-address limits.
 *
 * Behind a balancer every connection comes from the balancer, so all clients
 * would share one sign-in allowance. When the connection's peer is one of the
 * trusted proxies (`sipf serve --trust-proxy`), the client is the rightmost
 * address in X-Forwarded-For that is not itself a trusted proxy: each proxy
 * appends the address it saw, so only what trusted proxies appended can be
 * believed, and whatever a client wrote at the left is passed over. With no
 * trusted proxies, or a peer that is not one, or a header that does not name
 * an address where it must, the peer is the client. */
#ifndef SIPF_API_CLIENTADDR_H
#define SIPF_API_CLIENTADDR_H

#include <arpa/inet.h>
#include <stdbool.h>

#include "base/err.h"

enum { API_PROXIES_MAX = 16 };

typedef struct api_proxies {
    int n;
    char addr[API_PROXIES_MAX][INET6_ADDRSTRLEN];   /* in inet_ntop's form */
} api_proxies;

/* "10.0.0.1,10.0.0.2" (IPv4 or IPv6 addresses, commas, spaces allowed); NULL
 * or "" is none. ERR_INVALID "invalid_trust_proxy" naming the bad entry. */
err_kind api_proxies_parse(const char *list, api_proxies *out, err_detail *err);

/* peer: the connection's address in inet_ntop's form; xff: the
 * X-Forwarded-For header or NULL. Returns out (or peer). */
const char *api_client_addr(const api_proxies *p, const char *peer, const char *xff,
                            char out[INET6_ADDRSTRLEN]);

#endif
