#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "testutil.h"

static int setup(void **state) {
    setenv("SIPF_FAST_HASH", "1", 1);
    err_detail e = {0};
    return crypto_init(&e) == ERR_OK ? 0 : -1;
}

static void password_round_trip(void **state) {
    char h[CRYPTO_PWHASH_BYTES];
    err_detail e = {0};
    assert_int_equal(crypto_password_hash("Demo@2026", h, &e), ERR_OK);
    assert_true(strncmp(h, "$argon2id$", 10) == 0);
    assert_true(crypto_password_verify(h, "Demo@2026"));
    assert_false(crypto_password_verify(h, "Demo@2027"));
    assert_false(crypto_password_verify(h, ""));
    assert_false(crypto_password_verify("not a hash", "Demo@2026"));
    char h2[CRYPTO_PWHASH_BYTES];
    crypto_password_hash("Demo@2026", h2, &e);
    assert_string_not_equal(h, h2);   /* salted */
}

static void tokens_are_random_hex(void **state) {
    char a[CRYPTO_TOKEN_HEX_BYTES], b[CRYPTO_TOKEN_HEX_BYTES];
    crypto_random_token_hex(a);
    crypto_random_token_hex(b);
    assert_int_equal(strlen(a), 64);
    assert_string_not_equal(a, b);
    for (int i = 0; i < 64; i++) assert_non_null(strchr("0123456789abcdef", a[i]));
}

static void sha256_known_vector(void **state) {
    char h[CRYPTO_SHA256_HEX_BYTES];
    crypto_sha256_hex("abc", 3, h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_true(crypto_equal_hex(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    assert_false(crypto_equal_hex(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ae"));
    assert_false(crypto_equal_hex(h, "ba78"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(password_round_trip),
        cmocka_unit_test(tokens_are_random_hex),
        cmocka_unit_test(sha256_known_vector),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
