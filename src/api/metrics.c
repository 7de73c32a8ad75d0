#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"

/* Status codes the API answers with; anything else is counted as "other". */
static const int status_codes[] = {200, 201, 204, 304, 400, 401, 403, 404, 405, 409, 413,
                                   422, 423, 429, 500, 503};
enum { STATUS_SLOTS = sizeof status_codes / sizeof status_codes[0] + 1 };
static const double bucket_le_seconds[] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
enum { BUCKETS = sizeof bucket_le_seconds / sizeof bucket_le_seconds[0] };

typedef struct route_stats {
    uint64_t by_status[STATUS_SLOTS];
    uint64_t buckets[BUCKETS];   /* cumulative at render time */
    uint64_t count;
    uint64_t sum_micros;
} route_stats;

struct api_metrics {
    pthread_mutex_t mu;
    int slots;                   /* routes, then "static", then "unmatched" */
    route_stats *stats;
};

api_metrics *api_metrics_create(int route_count) {
    api_metrics *m = calloc(1, sizeof *m);
    if (!m) abort();
    m->slots = route_count + 2;
    m->stats = calloc((size_t)m->slots, sizeof *m->stats);
    if (!m->stats) abort();
    pthread_mutex_init(&m->mu, NULL);
    return m;
}

void api_metrics_destroy(api_metrics *m) {
    if (!m) return;
    pthread_mutex_destroy(&m->mu);
    free(m->stats);
    free(m);
}

static int status_slot(int status) {
    for (int i = 0; i < STATUS_SLOTS - 1; i++)
        if (status_codes[i] == status) return i;
    return STATUS_SLOTS - 1;
}

void api_metrics_observe(api_metrics *m, int route, int status, int64_t micros) {
    /* route -1: static files; -2: no route matched */
    int slot = route >= 0 ? route : (route == -1 ? m->slots - 2 : m->slots - 1);
    pthread_mutex_lock(&m->mu);
    route_stats *r = &m->stats[slot];
    r->by_status[status_slot(status)]++;
    r->count++;
    r->sum_micros += (uint64_t)(micros > 0 ? micros : 0);
    for (int b = 0; b < BUCKETS; b++)
        if ((double)micros / 1e6 <= bucket_le_seconds[b]) { r->buckets[b]++; break; }
    pthread_mutex_unlock(&m->mu);
}

static const char *slot_label(const api_metrics *m, int slot, arena *ar) {
    if (slot == m->slots - 2) return "static";
    if (slot == m->slots - 1) return "unmatched";
    return arena_printf(ar, "%s %s", api_routes[slot].method, api_routes[slot].pattern);
}

typedef struct buf { char *p; size_t len, cap; arena *ar; } buf;

static void buf_add(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_add(buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = arena_vprintf(b->ar, fmt, ap);
    va_end(ap);
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 4096) + n;
        char *p = arena_alloc(b->ar, cap);
        if (b->len) memcpy(p, b->p, b->len);
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
}

char *api_metrics_render(api_metrics *m, arena *ar) {
    buf b = {.ar = ar};
    pthread_mutex_lock(&m->mu);
    buf_add(&b, "# HELP sipf_http_requests_total HTTP requests by route and status.\n"
                "# TYPE sipf_http_requests_total counter\n");
    for (int s = 0; s < m->slots; s++)
        for (int i = 0; i < STATUS_SLOTS; i++) {
            if (!m->stats[s].by_status[i]) continue;
            buf_add(&b, "sipf_http_requests_total{route=\"%s\",status=\"%s\"} %llu\n",
                    slot_label(m, s, ar),
                    i < STATUS_SLOTS - 1 ? arena_printf(ar, "%d", status_codes[i]) : "other",
                    (unsigned long long)m->stats[s].by_status[i]);
        }
    buf_add(&b, "# HELP sipf_http_request_duration_seconds Time from request to response.\n"
                "# TYPE sipf_http_request_duration_seconds histogram\n");
    for (int s = 0; s < m->slots; s++) {
        route_stats *r = &m->stats[s];
        if (!r->count) continue;
        const char *label = slot_label(m, s, ar);
        uint64_t cum = 0;
        for (int i = 0; i < BUCKETS; i++) {
            cum += r->buckets[i];
            buf_add(&b, "sipf_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                    label, bucket_le_seconds[i], (unsigned long long)cum);
        }
        buf_add(&b, "sipf_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
                label, (unsigned long long)r->count);
        buf_add(&b, "sipf_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", label,
                (double)r->sum_micros / 1e6);
        buf_add(&b, "sipf_http_request_duration_seconds_count{route=\"%s\"} %llu\n", label,
                (unsigned long long)r->count);
    }
    pthread_mutex_unlock(&m->mu);
    return b.p ? b.p : arena_strdup(ar, "");
}
