/* The catalog over HTTP: public, filtered, with items not open marked. */
#include <string.h>

#include "testutil.h"

static tu_server *srv;

static int setup(void **state) {
    srv = tu_server_start("2026-11-23", 0);
    return 0;
}

static int teardown(void **state) {
    tu_server_stop(srv);
    return 0;
}

static void all_items_listed(void **state) {
    tu_resp r = tu_http(srv, "GET", "/api/v1/catalog", NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_integer_value(json_object_get(r.json, "count")), 274);
    json_t *items = json_object_get(r.json, "items");
    assert_int_equal(json_array_size(items), 274);
    int open = 0, closed = 0;
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        bool is_open = json_is_true(json_object_get(it, "is_open"));
        const char *status = json_string_value(json_object_get(it, "status"));
        assert_string_equal(status, is_open ? "open" : "暂未开通");
        is_open ? open++ : closed++;
    }
    assert_true(open > 0);
    assert_true(closed > 0);
    tu_resp_free(&r);
}

static void filters_narrow(void **state) {
    tu_resp all = tu_http(srv, "GET", "/api/v1/catalog", NULL, NULL, NULL);
    tu_resp person = tu_http(srv, "GET", "/api/v1/catalog?audience=person", NULL, NULL, NULL);
    tu_resp term = tu_http(srv, "GET", "/api/v1/catalog?audience=person&channel=terminal", NULL, NULL, NULL);
    json_int_t n_all = json_integer_value(json_object_get(all.json, "count"));
    json_int_t n_person = json_integer_value(json_object_get(person.json, "count"));
    json_int_t n_term = json_integer_value(json_object_get(term.json, "count"));
    assert_true(n_person > 0 && n_person < n_all);
    assert_true(n_term > 0 && n_term < n_person);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(term.json, "items"), i, it) {
        bool has_terminal = false, has_person = false;
        size_t j;
        json_t *c;
        json_array_foreach(json_object_get(it, "channels"), j, c)
            if (strcmp(json_string_value(c), "terminal") == 0) has_terminal = true;
        json_array_foreach(json_object_get(it, "audience"), j, c)
            if (strcmp(json_string_value(c), "person") == 0) has_person = true;
        assert_true(has_terminal && has_person);
    }
    tu_resp_free(&all);
    tu_resp_free(&person);
    tu_resp_free(&term);
}

static void unknown_filter_refused(void **state) {
    tu_resp r = tu_http(srv, "GET", "/api/v1/catalog?channel=carrier-pigeon", NULL, NULL, NULL);
    assert_int_equal(r.status, 400);
    assert_string_equal(json_string_value(json_object_get(json_object_get(r.json, "error"), "field")), "channel");
    tu_resp_free(&r);
}

static void one_item(void **state) {
    tu_resp r = tu_http(srv, "GET", "/api/v1/catalog/reg.employee.si", NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "id")), "reg.employee.si");
    assert_non_null(strstr(json_string_value(json_object_get(r.json, "name")), "员工参保登记"));
    assert_true(json_array_size(json_object_get(r.json, "materials")) >= 2);
    tu_resp_free(&r);
    r = tu_http(srv, "GET", "/api/v1/catalog/no.such.item", NULL, NULL, NULL);
    assert_int_equal(r.status, 404);
    assert_string_equal(tu_err_code(&r), "item_not_found");
    tu_resp_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(all_items_listed),
        cmocka_unit_test(filters_narrow),
        cmocka_unit_test(unknown_filter_refused),
        cmocka_unit_test(one_item),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
