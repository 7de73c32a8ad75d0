#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "testutil.h"

static void alloc_is_zeroed_and_aligned(void **state) {
    arena *a = arena_create(256);
    for (int i = 1; i < 100; i++) {
        unsigned char *p = arena_alloc(a, (size_t)i);
        assert_int_equal((uintptr_t)p % 16, 0);
        for (int j = 0; j < i; j++) assert_int_equal(p[j], 0);
        memset(p, 0xAB, (size_t)i);
    }
    arena_destroy(a);
}

static void large_allocation_gets_its_own_chunk(void **state) {
    arena *a = arena_create(256);
    char *big = arena_alloc(a, 100000);
    memset(big, 1, 100000);
    char *small = arena_alloc(a, 8);
    assert_non_null(small);
    assert_true(arena_used_bytes(a) >= 100008);
    arena_destroy(a);
}

static void strings(void **state) {
    arena *a = arena_create(256);
    assert_string_equal(arena_strdup(a, "社保"), "社保");
    assert_null(arena_strdup(a, NULL));
    assert_string_equal(arena_strndup(a, "abcdef", 3), "abc");
    assert_string_equal(arena_printf(a, "%s-%04d", "x", 42), "x-0042");
    char longer[600];
    memset(longer, 'z', sizeof longer - 1);
    longer[sizeof longer - 1] = 0;
    char *p = arena_printf(a, "%s!", longer);
    assert_int_equal(strlen(p), 600);
    assert_int_equal(p[599], '!');
    arena_destroy(a);
}

static void reset_keeps_working(void **state) {
    arena *a = arena_create(256);
    for (int i = 0; i < 50; i++) arena_alloc(a, 200);
    arena_reset(a);
    assert_int_equal(arena_used_bytes(a), 0);
    char *p = arena_alloc(a, 10);
    memset(p, 2, 10);
    arena_destroy(a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(alloc_is_zeroed_and_aligned),
        cmocka_unit_test(large_allocation_gets_its_own_chunk),
        cmocka_unit_test(strings),
        cmocka_unit_test(reset_keeps_working),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
