/* Per-address rate limiting: a token bucket per client address in a
 * fixed-size table, so a flood from many addresses costs bounded memory.
 *
 * A bucket holds up to `burst` tokens and gains `per_minute` tokens a minute;
 * every attempt takes one. The table has LIMIT_SIGNIN_ADDRS_MAX slots; an
 * address probes a few slots from its hash and, when all are taken by other
 * addresses, takes over the one seen longest ago (a forgotten address starts
 * with a full bucket again: the table bounds memory, not precision).
 * Thread-safe: one mutex, held for a few comparisons. */
#ifndef SIPF_API_RATELIMIT_H
#define SIPF_API_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

typedef struct ratelimit ratelimit;

/* NULL when per_minute <= 0 (no limit); a NULL limiter admits everything. */
ratelimit *ratelimit_create(int per_minute, int burst);
void ratelimit_destroy(ratelimit *r);

/* Takes one token of key's bucket at now_ms. True when admitted; otherwise
 * *retry_after_s is the whole seconds until the next token (at least 1). */
bool ratelimit_take(ratelimit *r, const char *key, int64_t now_ms, int *retry_after_s);

#endif
