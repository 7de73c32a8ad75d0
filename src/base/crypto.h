/* libsodium behind small names: password hashing (Argon2id), random tokens,
 * hashing for token storage and the audit chain. sodium_init is called once
 * by crypto_init at start-up. */
#ifndef SIPF_BASE_CRYPTO_H
#define SIPF_BASE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

enum {
    CRYPTO_PWHASH_BYTES = 128,     /* encoded Argon2id string, NUL included */
    CRYPTO_TOKEN_BYTES = 32,       /* 256 bits of randomness */
    CRYPTO_TOKEN_HEX_BYTES = 65,
    CRYPTO_SHA256_HEX_BYTES = 65,
};

err_kind crypto_init(err_detail *err);

/* Argon2id with libsodium's interactive limits, or the minimum limits when
 * SIPF_FAST_HASH=1 (tests only: the demo and the server use interactive). */
err_kind crypto_password_hash(const char *password, char out[CRYPTO_PWHASH_BYTES],
                              err_detail *err);
bool crypto_password_verify(const char *encoded, const char *password);
/* Human-readable parameters of the hash in use, for benchmarks and docs. */
const char *crypto_password_params(void);

void crypto_random_token_hex(char out[CRYPTO_TOKEN_HEX_BYTES]);
void crypto_sha256_hex(const void *data, size_t len, char out[CRYPTO_SHA256_HEX_BYTES]);
/* Constant-time string comparison of equal-length hex strings. */
bool crypto_equal_hex(const char *a, const char *b);

#endif
