/* The desks' reference lists over HTTP: the termination reasons in the
 * policy's order with their Chinese names and voluntary flags, only for a
 * signed-in user, and every key accepted by the termination route. */
#include <string.h>

#include "testutil.h"

static tu_server *srv;
static char *unit_tok;
static char *clerk_tok;

static int setup(void **state) {
    (void)state;
    srv = tu_server_start("2026-11-23", 1);
    unit_tok = tu_sign_in(srv, "unit", "91320594MA1100077P/hr", "Unit@2026");
    clerk_tok = tu_sign_in(srv, "staff", "clerk01", "Staff@2026");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    free(unit_tok);
    free(clerk_tok);
    tu_server_stop(srv);
    return 0;
}

static json_t *reason(json_t *items, const char *key) {
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
        if (strcmp(json_string_value(json_object_get(it, "key")), key) == 0) return it;
    return NULL;
}

static void reasons_listed(void **state) {
    (void)state;
    tu_resp r = tu_http(srv, "GET", "/api/v1/termination-reasons", unit_tok, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "as_of")), "2026-11-23");
    json_t *items = json_object_get(r.json, "items");
    assert_int_equal(json_integer_value(json_object_get(r.json, "count")), 10);
    assert_int_equal(json_array_size(items), 10);
    /* the policy's order: the first and the last key */
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "key")), "contract_expired");
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 9), "key")), "transfer");
    json_t *c = reason(items, "contract_expired");
    assert_string_equal(json_string_value(json_object_get(c, "name_zh")), "劳动合同期满终止");
    assert_true(json_is_false(json_object_get(c, "voluntary")));
    json_t *q = reason(items, "resignation");
    assert_string_equal(json_string_value(json_object_get(q, "name_zh")), "本人辞职");
    assert_true(json_is_true(json_object_get(q, "voluntary")));
    tu_resp_free(&r);
}

static void sign_in_needed(void **state) {
    (void)state;
    tu_resp r = tu_http(srv, "GET", "/api/v1/termination-reasons", NULL, NULL, NULL);
    assert_int_equal(r.status, 401);
    tu_resp_free(&r);
    r = tu_http(srv, "GET", "/api/v1/termination-reasons", clerk_tok, NULL, NULL);
    assert_int_equal(r.status, 200);
    tu_resp_free(&r);
}

/* A listed key terminates; a key not listed is refused with invalid_reason. */
static void listed_key_accepted(void **state) {
    (void)state;
    tu_resp emp = tu_http(srv, "GET", "/api/v1/units/1/employees", unit_tok, NULL, NULL);
    assert_int_equal(emp.status, 200);
    json_t *first = json_array_get(json_object_get(emp.json, "items"), 0);
    char body[256];
    snprintf(body, sizeof body, "{\"id_number\":\"%s\",\"end_date\":\"2026-11-20\",\"reason\":\"not_a_reason\"}",
             json_string_value(json_object_get(first, "id_number")));
    tu_resp bad = tu_http(srv, "POST", "/api/v1/terminations", unit_tok, body, NULL);
    assert_int_equal(bad.status, 422);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(json_object_get(bad.json, "error"), "rules"), 0), "code")),
                        "invalid_reason");
    snprintf(body, sizeof body, "{\"id_number\":\"%s\",\"end_date\":\"2026-11-20\",\"reason\":\"resignation\"}",
             json_string_value(json_object_get(first, "id_number")));
    tu_resp ok = tu_http(srv, "POST", "/api/v1/terminations", unit_tok, body, NULL);
    assert_int_equal(ok.status, 200);
    assert_string_equal(json_string_value(json_object_get(ok.json, "termination_reason_zh")), "本人辞职");
    assert_true(json_is_true(json_object_get(ok.json, "termination_voluntary")));
    tu_resp_free(&ok);
    tu_resp_free(&bad);
    tu_resp_free(&emp);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reasons_listed),
        cmocka_unit_test(sign_in_needed),
        cmocka_unit_test(listed_key_accepted),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
