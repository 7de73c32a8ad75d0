#include "api/clientaddr.h"

#include <stdio.h>
#include <string.h>

/* An address written in any accepted form, in inet_ntop's; false if none. */
static bool normalize(const char *s, size_t n, char out[INET6_ADDRSTRLEN]) {
    while (n && (*s == ' ' || *s == '\t')) { s++; n--; }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    char tmp[INET6_ADDRSTRLEN];
    if (n == 0 || n >= sizeof tmp) return false;
    memcpy(tmp, s, n);
    tmp[n] = 0;
    unsigned char bin[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, tmp, bin) == 1) return inet_ntop(AF_INET, bin, out, INET6_ADDRSTRLEN) != NULL;
    if (inet_pton(AF_INET6, tmp, bin) == 1) return inet_ntop(AF_INET6, bin, out, INET6_ADDRSTRLEN) != NULL;
    return false;
}

err_kind api_proxies_parse(const char *list, api_proxies *out, err_detail *err) {
    memset(out, 0, sizeof *out);
    for (const char *p = list; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        char shown[ERR_ECHO_BYTES];
        err_echo_span(p, n, shown, sizeof shown);
        if (out->n == API_PROXIES_MAX)
            return err_set(err, ERR_INVALID, "invalid_trust_proxy", "trust-proxy", "受信任的代理最多 %d 个",
                           API_PROXIES_MAX);
        if (!normalize(p, n, out->addr[out->n]))
            return err_set(err, ERR_INVALID, "invalid_trust_proxy", "trust-proxy",
                           "受信任的代理应为 IP 地址：%s", shown);
        out->n++;
        p = comma ? comma + 1 : p + n;
    }
    return ERR_OK;
}

static bool trusted(const api_proxies *p, const char *addr) {
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->addr[i], addr) == 0) return true;
    return false;
}

const char *api_client_addr(const api_proxies *p, const char *peer, const char *xff,
                            char out[INET6_ADDRSTRLEN]) {
    if (!p || p->n == 0 || !xff || !trusted(p, peer)) return peer;
    for (size_t end = strlen(xff); end > 0;) {   /* right to left */
        size_t start = end;
        while (start > 0 && xff[start - 1] != ',') start--;
        if (!normalize(xff + start, end - start, out)) return peer;
        if (!trusted(p, out)) return out;
        end = start ? start - 1 : 0;
    }
    return peer;   /* every hop a trusted proxy: the nearest one is all we know */
}
