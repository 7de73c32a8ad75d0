/* The per-address token bucket of src/api/ratelimit.c, on a made-up clock. */
#include <stdio.h>

#include "api/ratelimit.h"
#include "base/limits.h"
#include "testutil.h"

/* A burst of 3 at 6 a minute: 3 at once, then one every 10 s. */
static void burst_then_one_per_interval(void **state) {
    ratelimit *r = ratelimit_create(6, 3);
    int retry = 0;
    int64_t t = 1000000;
    for (int i = 0; i < 3; i++) assert_true(ratelimit_take(r, "10.0.0.1", t, &retry));
    assert_false(ratelimit_take(r, "10.0.0.1", t, &retry));
    assert_int_equal(retry, 10);
    assert_false(ratelimit_take(r, "10.0.0.1", t + 9000, &retry));
    assert_int_equal(retry, 1);
    assert_true(ratelimit_take(r, "10.0.0.1", t + 10000, &retry));
    assert_false(ratelimit_take(r, "10.0.0.1", t + 10000, &retry));
    /* an idle minute refills to the burst, not past it */
    t += 10000 + 600000;
    for (int i = 0; i < 3; i++) assert_true(ratelimit_take(r, "10.0.0.1", t, &retry));
    assert_false(ratelimit_take(r, "10.0.0.1", t, &retry));
    ratelimit_destroy(r);
}

/* Addresses do not share a bucket; a clock going back takes nothing away. */
static void addresses_are_separate(void **state) {
    ratelimit *r = ratelimit_create(1, 1);
    int retry = 0;
    assert_true(ratelimit_take(r, "10.0.0.1", 5000, &retry));
    assert_false(ratelimit_take(r, "10.0.0.1", 5000, &retry));
    assert_int_equal(retry, 60);
    assert_true(ratelimit_take(r, "10.0.0.2", 5000, &retry));
    assert_true(ratelimit_take(r, "::1", 5000, &retry));
    /* a key longer than a slot holds is still one bucket */
    static const char long_key[] = "fe80:0000:0000:0000:0000:0000:0000:0001%interface-name-0";
    assert_true(ratelimit_take(r, long_key, 5000, &retry));
    assert_false(ratelimit_take(r, long_key, 5000, &retry));
    assert_false(ratelimit_take(r, "10.0.0.1", 1000, &retry));
    ratelimit_destroy(r);
}

/* No limit: a NULL limiter admits everything. */
static void zero_rate_is_no_limit(void **state) {
    assert_null(ratelimit_create(0, 5));
    int retry = 0;
    for (int i = 0; i < 1000; i++) assert_true(ratelimit_take(NULL, "10.0.0.1", i, &retry));
}

/* Many more addresses than the table holds: memory stays the table's; a
 * flooding address keeps its empty bucket while it keeps coming (it is the
 * most recently seen in its slots), and an address pushed out starts full. */
static void table_is_bounded(void **state) {
    ratelimit *r = ratelimit_create(1, 2);
    int retry = 0;
    assert_true(ratelimit_take(r, "192.0.2.1", 0, &retry));
    assert_true(ratelimit_take(r, "192.0.2.1", 0, &retry));
    char key[48];
    for (int i = 0; i < 4 * LIMIT_SIGNIN_ADDRS_MAX; i++) {
        snprintf(key, sizeof key, "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        assert_true(ratelimit_take(r, key, 1 + i / 1000, &retry));
        if (i % 64 == 0) assert_false(ratelimit_take(r, "192.0.2.1", 1 + i / 1000, &retry));
    }
    ratelimit_destroy(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(burst_then_one_per_interval),
        cmocka_unit_test(addresses_are_separate),
        cmocka_unit_test(zero_rate_is_no_limit),
        cmocka_unit_test(table_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
