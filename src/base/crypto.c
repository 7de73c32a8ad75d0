#include "base/crypto.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static bool fast_hash(void) {
    const char *s = getenv("SIPF_FAST_HASH");
    return s && strcmp(s, "1") == 0;
}

err_kind crypto_init(err_detail *err) {
    if (sodium_init() < 0)
        return err_set(err, ERR_INTERNAL, "crypto_init", NULL, "加密库初始化失败");
    return ERR_OK;
}

static void limits(unsigned long long *ops, size_t *mem) {
    if (fast_hash()) {
        *ops = crypto_pwhash_argon2id_OPSLIMIT_MIN;
        *mem = crypto_pwhash_argon2id_MEMLIMIT_MIN;
    } else {
        *ops = crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
        *mem = crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;
    }
}

err_kind crypto_password_hash(const char *password, char out[CRYPTO_PWHASH_BYTES],
                              err_detail *err) {
    _Static_assert(CRYPTO_PWHASH_BYTES >= crypto_pwhash_argon2id_STRBYTES, "pwhash buffer");
    unsigned long long ops;
    size_t mem;
    limits(&ops, &mem);
    if (crypto_pwhash_argon2id_str(out, password, strlen(password), ops, mem) != 0)
        return err_set(err, ERR_UNAVAILABLE, "pwhash_memory", NULL, "密码处理失败：内存不足");
    return ERR_OK;
}

bool crypto_password_verify(const char *encoded, const char *password) {
    if (!encoded || !password) return false;
    return crypto_pwhash_argon2id_str_verify(encoded, password, strlen(password)) == 0;
}

const char *crypto_password_params(void) {
    return fast_hash() ? "argon2id opslimit=1 memlimit=8KiB (test mode)"
                       : "argon2id opslimit=2 memlimit=64MiB (libsodium interactive)";
}

void crypto_random_token_hex(char out[CRYPTO_TOKEN_HEX_BYTES]) {
    unsigned char raw[CRYPTO_TOKEN_BYTES];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(out, CRYPTO_TOKEN_HEX_BYTES, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
}

void crypto_sha256_hex(const void *data, size_t len, char out[CRYPTO_SHA256_HEX_BYTES]) {
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(out, CRYPTO_SHA256_HEX_BYTES, h, sizeof h);
}

bool crypto_equal_hex(const char *a, const char *b) {
    size_t n = strlen(a);
    if (n != strlen(b)) return false;
    return sodium_memcmp(a, b, n) == 0;
}
