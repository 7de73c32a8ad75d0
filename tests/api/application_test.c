/* An application's whole life over HTTP, with who may see and do what. */
#include <stdlib.h>
#include <string.h>

#include "svc/demo.h"
#include "testutil.h"

static tu_server *srv;
static char *person_a, *person_b, *unit_op, *clerk, *reviewer, *admin;

static int setup(void **state) {
    srv = tu_server_start("2026-11-23", 1);
    const demo_login *a = tu_demo_login("person", 0), *b = tu_demo_login("person", 1), *u = tu_demo_login("unit", 0);
    person_a = tu_sign_in(srv, "person", a->login, a->password);
    person_b = tu_sign_in(srv, "person", b->login, b->password);
    unit_op = tu_sign_in(srv, "unit", u->login, u->password);
    clerk = tu_sign_in(srv, "staff", "clerk01", "Staff@2026");
    reviewer = tu_sign_in(srv, "staff", "reviewer01", "Staff@2026");
    admin = tu_sign_in(srv, "staff", "admin", "Staff@2026");
    return 0;
}

static int teardown(void **state) {
    free(person_a); free(person_b); free(unit_op); free(clerk); free(reviewer); free(admin);
    tu_server_stop(srv);
    return 0;
}

/* An open item for persons with a time limit of more than 0 working days
 * (immediate = false) or of 0 (immediate = true). */
static char *open_person_item(bool immediate, int *limit_out) {
    tu_resp r = tu_http(srv, "GET", "/api/v1/catalog?audience=person", NULL, NULL, NULL);
    char *id = NULL;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(r.json, "items"), i, it) {
        json_t *tl = json_object_get(it, "time_limit_workdays");
        if (!json_is_true(json_object_get(it, "is_open")) || !json_is_integer(tl)) continue;
        if (!json_is_null(json_object_get(it, "operation"))) continue;
        if ((json_integer_value(tl) == 0) != immediate) continue;
        id = strdup(json_string_value(json_object_get(it, "id")));
        if (limit_out) *limit_out = (int)json_integer_value(tl);
        break;
    }
    tu_resp_free(&r);
    if (!id) fail_msg("no open person item (immediate=%d)", immediate);
    return id;
}

static json_int_t submit(const char *token, const char *item, long want_status, const char *want_state) {
    char body[256];
    snprintf(body, sizeof body, "{\"item_id\":\"%s\",\"payload\":{\"备注\":\"测试\"}}", item);
    tu_resp r = tu_http(srv, "POST", "/api/v1/applications", token, body, NULL);
    if (r.status != want_status) fail_msg("submit %s: %ld %s", item, r.status, r.body);
    json_int_t id = json_integer_value(json_object_get(r.json, "id"));
    if (want_state) assert_string_equal(json_string_value(json_object_get(r.json, "state")), want_state);
    tu_resp_free(&r);
    return id;
}

static tu_resp step(const char *token, json_int_t id, const char *what, const char *body) {
    char path[128];
    snprintf(path, sizeof path, "/api/v1/applications/%lld/%s", (long long)id, what);
    return tu_http(srv, "POST", path, token, body, NULL);
}

static void full_life(void **state) {
    int limit = 0;
    char *item = open_person_item(false, &limit);
    json_int_t id = submit(person_a, item, 201, "submitted");

    tu_resp r = step(clerk, id, "accept", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "state")), "accepted");
    assert_string_equal(json_string_value(json_object_get(r.json, "accepted_on")), "2026-11-23");
    char want[128];
    snprintf(want, sizeof want, "/api/v1/workdays/add?from=2026-11-23&days=%d", limit);
    tu_resp wd = tu_http(srv, "GET", want, NULL, NULL, NULL);
    assert_string_equal(json_string_value(json_object_get(r.json, "deadline_on")),
                        json_string_value(json_object_get(wd.json, "date")));
    tu_resp_free(&wd);
    tu_resp_free(&r);

    if (json_array_size(json_object_get(r.json, "materials")) > 0) {
        r = step(clerk, id, "materials", "{\"index\":0}");
        assert_int_equal(r.status, 200);
        tu_resp_free(&r);
    }
    r = step(reviewer, id, "decision", "{\"approve\":true}");
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "state")), "approved");
    tu_resp_free(&r);
    r = step(clerk, id, "complete", "{\"note\":\"已办结\"}");
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "state")), "completed");
    tu_resp_free(&r);

    char path[64];
    snprintf(path, sizeof path, "/api/v1/applications/%lld", (long long)id);
    r = tu_http(srv, "GET", path, person_a, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "events")), 4);
    tu_resp_free(&r);
    free(item);
}

static void immediate_item_completes_at_once(void **state) {
    char *item = open_person_item(true, NULL);
    submit(person_a, item, 201, "completed");
    free(item);
}

static void others_see_nothing(void **state) {
    char *item = open_person_item(false, NULL);
    json_int_t id = submit(person_a, item, 201, "submitted");
    char path[64];
    snprintf(path, sizeof path, "/api/v1/applications/%lld", (long long)id);
    tu_resp r = tu_http(srv, "GET", path, person_b, NULL, NULL);
    assert_int_equal(r.status, 404);
    tu_resp_free(&r);
    r = tu_http(srv, "GET", path, unit_op, NULL, NULL);
    assert_int_equal(r.status, 404);
    tu_resp_free(&r);
    r = tu_http(srv, "GET", "/api/v1/applications/999999", clerk, NULL, NULL);
    assert_int_equal(r.status, 404);
    tu_resp_free(&r);
    r = tu_http(srv, "GET", "/api/v1/applications/abc", clerk, NULL, NULL);
    assert_int_equal(r.status, 400);
    tu_resp_free(&r);
    free(item);
}

static void refusals(void **state) {
    char *item = open_person_item(false, NULL);
    json_int_t id = submit(person_a, item, 201, "submitted");
    tu_resp r = step(person_a, id, "accept", NULL);          /* a person is not staff */
    assert_int_equal(r.status, 403);
    tu_resp_free(&r);
    r = step(reviewer, id, "decision", "{\"approve\":true}");   /* not accepted yet */
    assert_int_equal(r.status, 409);
    assert_string_equal(tu_err_code(&r), "bad_state");
    tu_resp_free(&r);
    r = step(clerk, id, "accept", NULL);
    tu_resp_free(&r);
    r = step(reviewer, id, "decision", "{\"approve\":false}");  /* refusing needs a reason */
    assert_int_equal(r.status, 400);
    assert_string_equal(json_string_value(json_object_get(json_object_get(r.json, "error"), "field")), "reason");
    tu_resp_free(&r);
    r = step(reviewer, id, "decision", "{\"approve\":false,\"reason\":\"材料不齐\"}");
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "state")), "refused");
    assert_string_equal(json_string_value(json_object_get(r.json, "decision_reason")), "材料不齐");
    tu_resp_free(&r);
    r = step(clerk, id, "complete", NULL);                     /* refused is final */
    assert_int_equal(r.status, 409);
    tu_resp_free(&r);

    r = tu_http(srv, "POST", "/api/v1/applications", person_a, "{\"item_id\":\"no.such.item\"}", NULL);
    assert_int_equal(r.status, 404);
    tu_resp_free(&r);
    r = tu_http(srv, "POST", "/api/v1/applications", person_a, "{\"item_id\":\"reg.unit.new\",\"payload\":[]}", NULL);
    assert_int_equal(r.status, 400);
    tu_resp_free(&r);
    free(item);
}

static void closed_item_refused_with_rule(void **state) {
    tu_resp c = tu_http(srv, "GET", "/api/v1/catalog?audience=person", NULL, NULL, NULL);
    const char *closed = NULL;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(c.json, "items"), i, it)
        if (!json_is_true(json_object_get(it, "is_open"))) {
            closed = json_string_value(json_object_get(it, "id"));
            break;
        }
    assert_non_null(closed);
    char body[256];
    snprintf(body, sizeof body, "{\"item_id\":\"%s\"}", closed);
    tu_resp r = tu_http(srv, "POST", "/api/v1/applications", person_a, body, NULL);
    assert_int_equal(r.status, 422);
    json_t *rule = json_array_get(json_object_get(json_object_get(r.json, "error"), "rules"), 0);
    assert_string_equal(json_string_value(json_object_get(rule, "code")), "item_not_open");
    tu_resp_free(&r);
    tu_resp_free(&c);
}

static void item_with_own_operation_is_sent_there(void **state) {
    tu_resp r = tu_http(srv, "POST", "/api/v1/applications", unit_op, "{\"item_id\":\"reg.employee.si\"}", NULL);
    assert_int_equal(r.status, 422);
    json_t *rule = json_array_get(json_object_get(json_object_get(r.json, "error"), "rules"), 0);
    assert_string_equal(json_string_value(json_object_get(rule, "code")), "item_has_own_operation");
    assert_non_null(strstr(json_string_value(json_object_get(rule, "message")), "POST /api/v1/enrolments"));
    tu_resp_free(&r);
}

/* A key change filed by the unit is about a person: the person follows it in
 * their own list, and the change applies on approval. */
static void unit_filed_key_change_reaches_the_person(void **state) {
    tu_resp me = tu_http(srv, "GET", "/api/v1/sessions/current", person_a, NULL, NULL);
    json_int_t pid = json_integer_value(json_object_get(json_object_get(me.json, "user"), "person_id"));
    tu_resp_free(&me);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/persons/%lld/key-changes", (long long)pid);
    tu_resp r = tu_http(srv, "POST", path, unit_op,
                        "{\"reason\":\"contract_error\",\"changes\":{\"name\":\"张伟民\"},"
                        "\"proof\":\"单位盖章的情况说明\"}", NULL);
    assert_int_equal(r.status, 201);
    json_int_t app = json_integer_value(json_object_get(r.json, "id"));
    assert_int_equal(json_integer_value(json_object_get(r.json, "person_id")), pid);
    tu_resp_free(&r);
    r = tu_http(srv, "GET", "/api/v1/applications", person_a, NULL, NULL);
    bool seen = false;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(r.json, "items"), i, it)
        if (json_integer_value(json_object_get(it, "id")) == app) seen = true;
    assert_true(seen);
    tu_resp_free(&r);
    r = step(clerk, app, "accept", NULL);
    tu_resp_free(&r);
    r = step(reviewer, app, "decision", "{\"approve\":true}");
    assert_int_equal(r.status, 200);
    tu_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/persons/%lld", (long long)pid);
    r = tu_http(srv, "GET", path, clerk, NULL, NULL);
    assert_string_equal(json_string_value(json_object_get(r.json, "name")), "张伟民");
    tu_resp_free(&r);
}

static void queue_and_audit(void **state) {
    tu_resp r = tu_http(srv, "GET", "/api/v1/applications?state=submitted", clerk, NULL, NULL);
    assert_int_equal(r.status, 200);
    json_t *items = json_object_get(r.json, "items");
    assert_true(json_array_size(items) > 0);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
        assert_string_equal(json_string_value(json_object_get(it, "state")), "submitted");
    json_int_t id = json_integer_value(json_object_get(json_array_get(items, 0), "id"));
    tu_resp_free(&r);

    r = tu_http(srv, "GET", "/api/v1/sessions/current", person_b, NULL, NULL);
    json_int_t me = json_integer_value(json_object_get(json_object_get(r.json, "user"), "person_id"));
    assert_true(me > 0);
    tu_resp_free(&r);
    r = tu_http(srv, "GET", "/api/v1/applications", person_b, NULL, NULL);
    assert_int_equal(r.status, 200);
    json_array_foreach(json_object_get(r.json, "items"), i, it)
        assert_int_equal(json_integer_value(json_object_get(it, "person_id")), me);
    tu_resp_free(&r);

    char path[96];
    snprintf(path, sizeof path, "/api/v1/audit?target=application:%lld", (long long)id);
    r = tu_http(srv, "GET", path, admin, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_true(json_array_size(json_object_get(r.json, "items")) >= 1);
    tu_resp_free(&r);
    r = tu_http(srv, "GET", path, clerk, NULL, NULL);
    assert_int_equal(r.status, 403);
    tu_resp_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_life),
        cmocka_unit_test(immediate_item_completes_at_once),
        cmocka_unit_test(others_see_nothing),
        cmocka_unit_test(refusals),
        cmocka_unit_test(closed_item_refused_with_rule),
        cmocka_unit_test(item_with_own_operation_is_sent_there),
        cmocka_unit_test(unit_filed_key_change_reaches_the_person),
        cmocka_unit_test(queue_and_audit),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
