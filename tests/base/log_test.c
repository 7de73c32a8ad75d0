/* base/log: the access log's line, written without a JSON tree, is one valid
 * JSON object with the members log_json would write, whatever bytes the path
 * holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/log.h"

/* The line log_access writes for a, parsed. */
static json_t *line_of(const log_access_line *a, char *raw, size_t cap) {
    char path[] = "/tmp/sipf-log-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(dup2(fd, STDERR_FILENO) >= 0);
    log_access(a);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    FILE *f = fdopen(fd, "r");
    rewind(f);
    size_t n = fread(raw, 1, cap - 1, f);
    raw[n] = 0;
    fclose(f);
    unlink(path);
    assert_true(n > 0 && raw[n - 1] == '\n');
    assert_null(memchr(raw, '\n', n - 1));   /* one line */
    json_error_t e;
    json_t *o = json_loads(raw, 0, &e);
    if (!o) fail_msg("not JSON (%s): %s", e.text, raw);
    return o;
}

static const char *str(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static void members_as_log_json_writes_them(void **state) {
    (void)state;
    char raw[4096];
    log_access_line a = {.method = "GET", .path = "/api/v1/me/accounts", .request_id = "abc-1",
                         .role = "person", .route = "/api/v1/me/accounts", .status = 200, .micros = 2465};
    json_t *o = line_of(&a, raw, sizeof raw);
    assert_string_equal(str(o, "level"), "info");
    assert_string_equal(str(o, "msg"), "http");
    assert_string_equal(str(o, "method"), "GET");
    assert_string_equal(str(o, "path"), "/api/v1/me/accounts");
    assert_string_equal(str(o, "request_id"), "abc-1");
    assert_string_equal(str(o, "role"), "person");
    assert_string_equal(str(o, "route"), "/api/v1/me/accounts");
    assert_int_equal(json_integer_value(json_object_get(o, "status")), 200);
    assert_true(json_real_value(json_object_get(o, "ms")) == 2.465);
    assert_int_equal(strlen(str(o, "ts")), 24);   /* 2026-11-23T17:07:15.331Z */
    assert_int_equal(json_object_size(o), 10);
    assert_non_null(strstr(raw, "\"level\":\"info\",\"method\":\"GET\",\"ms\":2.465,"));   /* sorted */
    json_decref(o);
    a.route = NULL;
    a.micros = 7;
    o = line_of(&a, raw, sizeof raw);
    assert_null(json_object_get(o, "route"));
    assert_true(json_real_value(json_object_get(o, "ms")) == 0.007);
    json_decref(o);
}

static void any_path_stays_json(void **state) {
    (void)state;
    char raw[4096];
    log_access_line a = {.method = "GET", .path = "/a\"b\\c\x01\x1f\xff\xc3-中文", .request_id = "r",
                         .role = "none", .status = 404};
    json_t *o = line_of(&a, raw, sizeof raw);
    assert_string_equal(str(o, "path"), "/a\"b\\c\x01\x1f?" "?-中文");   /* invalid UTF-8 as '?' */
    json_decref(o);
    char *long_path = malloc(3001);
    memset(long_path, 'x', 3000);
    long_path[0] = '/';
    long_path[3000] = 0;
    a.path = long_path;
    o = line_of(&a, raw, sizeof raw);
    const char *p = str(o, "path");
    assert_true(strlen(p) < 2048);
    assert_string_equal(p + strlen(p) - 3, "...");   /* cut short, and said so */
    json_decref(o);
    free(long_path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(members_as_log_json_writes_them),
        cmocka_unit_test(any_path_stays_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
