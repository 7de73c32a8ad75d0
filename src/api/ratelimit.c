#include "api/ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"

enum {
    RATELIMIT_KEY_BYTES = 48,    /* an IPv6 address in text is at most 45 */
    RATELIMIT_PROBES = 8,        /* slots an address may take, from its hash on */
};

typedef struct bucket {
    char key[RATELIMIT_KEY_BYTES];   /* "" when free */
    double tokens;
    int64_t seen_ms;
} bucket;

struct ratelimit {
    pthread_mutex_t mu;
    double burst;
    double per_ms;                   /* tokens gained per millisecond */
    bucket slots[LIMIT_SIGNIN_ADDRS_MAX];
};

ratelimit *ratelimit_create(int per_minute, int burst) {
    if (per_minute <= 0) return NULL;
    ratelimit *r = calloc(1, sizeof *r);
    if (!r) abort();
    pthread_mutex_init(&r->mu, NULL);
    r->burst = burst > 0 ? burst : 1;
    r->per_ms = per_minute / 60000.0;
    return r;
}

void ratelimit_destroy(ratelimit *r) {
    if (!r) return;
    pthread_mutex_destroy(&r->mu);
    free(r);
}

static uint32_t hash_of(const char *s) {
    uint32_t h = 2166136261u;   /* FNV-1a */
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

/* The slot of key: its own, else a free one, else the one seen longest ago. */
static bucket *slot_of(ratelimit *r, const char *full_key, int64_t now_ms) {
    char key[RATELIMIT_KEY_BYTES];   /* as stored, so that a long key finds itself again */
    snprintf(key, sizeof key, "%s", full_key);
    uint32_t h = hash_of(key);
    bucket *oldest = NULL;
    for (int i = 0; i < RATELIMIT_PROBES; i++) {
        bucket *b = &r->slots[(h + (uint32_t)i) % LIMIT_SIGNIN_ADDRS_MAX];
        if (strcmp(b->key, key) == 0) return b;
        bool free_slot = b->key[0] == 0;
        if (!oldest || (free_slot && oldest->key[0]) ||
            (!free_slot && oldest->key[0] && b->seen_ms < oldest->seen_ms))
            oldest = b;
    }
    memcpy(oldest->key, key, sizeof key);
    oldest->tokens = r->burst;
    oldest->seen_ms = now_ms;
    return oldest;
}

bool ratelimit_take(ratelimit *r, const char *key, int64_t now_ms, int *retry_after_s) {
    if (!r) return true;
    pthread_mutex_lock(&r->mu);
    bucket *b = slot_of(r, key ? key : "", now_ms);
    if (now_ms > b->seen_ms) {
        b->tokens += (double)(now_ms - b->seen_ms) * r->per_ms;
        if (b->tokens > r->burst) b->tokens = r->burst;
        b->seen_ms = now_ms;
    }
    bool ok = b->tokens >= 1.0;
    if (ok) {
        b->tokens -= 1.0;
    } else if (retry_after_s) {
        double wait_ms = (1.0 - b->tokens) / r->per_ms;
        int s = (int)ceil(wait_ms / 1000.0);
        *retry_after_s = s < 1 ? 1 : s;
    }
    pthread_mutex_unlock(&r->mu);
    return ok;
}
