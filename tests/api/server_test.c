/* The server itself: health, metrics, routing errors, static files, body
 * limits and malformed input, all over real HTTP. */
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "testutil.h"

static tu_server *srv;

static int setup(void **state) {
    srv = tu_server_start("2026-11-23", 1);
    return 0;
}

static int teardown(void **state) {
    tu_server_stop(srv);
    return 0;
}

static void healthz(void **state) {
    tu_resp r = tu_http(srv, "GET", "/healthz", NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "status")), "ok");
    assert_string_equal(json_string_value(json_object_get(r.json, "store")), tu_engine());
    assert_string_equal(json_string_value(json_object_get(r.json, "business_date")), "2026-11-23");
    tu_resp_free(&r);
}

static void metrics_count_requests(void **state) {
    for (int i = 0; i < 3; i++) {
        tu_resp r = tu_http(srv, "GET", "/api/v1/nothing-here", NULL, NULL, NULL);
        tu_resp_free(&r);
    }
    tu_resp h = tu_http(srv, "GET", "/healthz", NULL, NULL, NULL);
    tu_resp_free(&h);
    tu_resp r = tu_http(srv, "GET", "/metrics", NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_true(strncmp(r.content_type, "text/plain", 10) == 0);
    assert_non_null(strstr(r.body, "# TYPE sipf_http_requests_total counter"));
    assert_non_null(strstr(r.body, "sipf_http_requests_total{route=\"unmatched\",status=\"404\"} 3\n"));
    assert_non_null(strstr(r.body, "sipf_http_requests_total{route=\"GET /healthz\",status=\"200\"}"));
    assert_non_null(strstr(r.body, "sipf_http_request_duration_seconds_bucket{route=\"GET /healthz\",le=\"+Inf\"}"));
    tu_resp_free(&r);
}

static void unknown_route_and_method(void **state) {
    tu_resp r = tu_http(srv, "GET", "/api/v1/nothing-here", NULL, NULL, NULL);
    assert_int_equal(r.status, 404);
    assert_string_equal(tu_err_code(&r), "route_not_found");
    tu_resp_free(&r);
    r = tu_http(srv, "PATCH", "/api/v1/catalog", NULL, "{}", NULL);
    assert_int_equal(r.status, 405);
    assert_string_equal(tu_err_code(&r), "method_not_allowed");
    tu_resp_free(&r);
}

static void request_id_echoed(void **state) {
    tu_resp r = tu_http(srv, "GET", "/healthz", NULL, NULL, "X-Request-Id: abc-123");
    assert_int_equal(r.status, 200);
    assert_string_equal(r.request_id, "abc-123");
    tu_resp_free(&r);
    /* an id with unsafe characters is replaced by a generated one */
    r = tu_http(srv, "GET", "/healthz", NULL, NULL, "X-Request-Id: a b<c>");
    assert_int_equal((int)strlen(r.request_id), 16);
    assert_string_not_equal(r.request_id, "a b<c>");
    tu_resp_free(&r);
    /* generated ones: 16 hexadecimal digits, a new one each request */
    char seen[8][40];
    for (int i = 0; i < 8; i++) {
        r = tu_http(srv, "GET", "/healthz", NULL, NULL, NULL);
        assert_int_equal((int)strlen(r.request_id), 16);
        assert_int_equal((int)strspn(r.request_id, "0123456789abcdef"), 16);
        snprintf(seen[i], sizeof seen[i], "%s", r.request_id);
        for (int j = 0; j < i; j++) assert_string_not_equal(seen[j], seen[i]);
        tu_resp_free(&r);
    }
}

/* A connection's buffer (LIMIT_CONNECTION_MEMORY_BYTES) holds the request
 * line and headers: headers of half of it are served, of all of it refused
 * with 431 (libmicrohttpd's own answer), the server going on. */
static void header_room(void **state) {
    enum { HALF = LIMIT_CONNECTION_MEMORY_BYTES / 2 };
    char *h = malloc(LIMIT_CONNECTION_MEMORY_BYTES + 16);
    assert_non_null(h);
    for (int bytes = HALF; bytes <= LIMIT_CONNECTION_MEMORY_BYTES; bytes += HALF) {
        int n = snprintf(h, 16, "X-Pad: ");
        memset(h + n, 'a', (size_t)bytes - (size_t)n);
        h[bytes] = 0;
        tu_resp r = tu_http(srv, "GET", "/healthz", NULL, NULL, h);
        assert_int_equal(r.status, bytes == HALF ? 200 : 431);
        tu_resp_free(&r);
    }
    free(h);
    tu_resp r = tu_http(srv, "GET", "/healthz", NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    tu_resp_free(&r);
}

static void static_index_served(void **state) {
    tu_resp r = tu_http(srv, "GET", "/", NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_true(strncmp(r.content_type, "text/html", 9) == 0);
    assert_non_null(strstr(r.body, "园区社保和公积金中心"));
    tu_resp_free(&r);
    r = tu_http(srv, "GET", "/style.css", NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_true(strncmp(r.content_type, "text/css", 8) == 0);
    tu_resp_free(&r);
}

static void static_never_leaves_web(void **state) {
    static const char *const paths[] = {
        "/../README.md", "/../../etc/passwd", "/%2e%2e/README.md", "/..%2fREADME.md",
        "/self/../../meson.build", "//etc/passwd", "/./index.html", "/nothing.html",
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        tu_resp r = tu_http(srv, "GET", paths[i], NULL, NULL, NULL);
        if (r.status != 404) fail_msg("%s answered %ld", paths[i], r.status);
        assert_null(strstr(r.body, "root:"));
        assert_null(strstr(r.body, "project('sipf'"));
        tu_resp_free(&r);
    }
}

static void body_too_large(void **state) {
    size_t n = 8192;
    char *big = malloc(n + 1);
    memset(big, 'a', n);
    big[0] = '"';
    big[n - 1] = '"';
    big[n] = 0;
    tu_resp r = tu_http(srv, "POST", "/api/v1/sessions", NULL, big, NULL);
    assert_int_equal(r.status, 413);
    assert_string_equal(tu_err_code(&r), "body_too_large");
    tu_resp_free(&r);
    free(big);
}

static void malformed_bodies(void **state) {
    static const struct { const char *body; const char *code; const char *field; } cases[] = {
        {"{\"role\":\"staff\",", "malformed_json", NULL},
        {"[1,2]", "body_not_object", NULL},
        {"", "body_missing", NULL},
        {"{\"role\":\"staff\",\"username\":\"admin\",\"password\":\"x\",\"extra\":1}", "unknown_field", "extra"},
        {"{\"role\":\"staff\",\"username\":7,\"password\":\"x\"}", "invalid_field", "username"},
        {"{\"role\":\"boss\",\"username\":\"a\",\"password\":\"x\"}", "invalid_value", "role"},
        {"{\"role\":\"person\",\"password\":\"x\"}", "missing_field", "id_number"},
        {"{\"role\":\"staff\",\"username\":\"a\",\"username\":\"b\",\"password\":\"x\"}", "malformed_json", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tu_resp r = tu_http(srv, "POST", "/api/v1/sessions", NULL, cases[i].body, NULL);
        if (r.status != 400 || strcmp(tu_err_code(&r), cases[i].code) != 0)
            fail_msg("case %zu: %ld %s", i, r.status, r.body);
        const char *field = json_string_value(json_object_get(json_object_get(r.json, "error"), "field"));
        if (cases[i].field) assert_string_equal(field, cases[i].field);
        tu_resp_free(&r);
    }
}

static void deep_json_refused(void **state) {
    char body[256] = "{\"role\":";
    for (int i = 0; i < 40; i++) strcat(body, "[");   /* banned-ok: fixed test buffer */
    for (int i = 0; i < 40; i++) strcat(body, "]");   /* banned-ok */
    strcat(body, "}");                                /* banned-ok */
    tu_resp r = tu_http(srv, "POST", "/api/v1/sessions", NULL, body, NULL);
    assert_int_equal(r.status, 400);
    assert_string_equal(tu_err_code(&r), "json_too_deep");
    tu_resp_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(healthz),
        cmocka_unit_test(metrics_count_requests),
        cmocka_unit_test(unknown_route_and_method),
        cmocka_unit_test(request_id_echoed),
        cmocka_unit_test(header_room),
        cmocka_unit_test(static_index_served),
        cmocka_unit_test(static_never_leaves_web),
        cmocka_unit_test(body_too_large),
        cmocka_unit_test(malformed_bodies),
        cmocka_unit_test(deep_json_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
