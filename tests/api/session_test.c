/* Sign-in, tokens, roles and lockout over HTTP, with the demo accounts. */
#include <stdlib.h>
#include <string.h>

#include "svc/demo.h"
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

static void every_demo_login_signs_in(void **state) {
    for (int i = 0; i < demo_login_count; i++) {
        char *tok = tu_sign_in(srv, demo_logins[i].role, demo_logins[i].login, demo_logins[i].password);
        assert_int_equal((int)strlen(tok), 64);
        tu_resp r = tu_http(srv, "GET", "/api/v1/sessions/current", tok, NULL, NULL);
        assert_int_equal(r.status, 200);
        const char *role = json_string_value(json_object_get(json_object_get(r.json, "user"), "role"));
        if (strcmp(demo_logins[i].role, "staff") != 0) assert_string_equal(role, demo_logins[i].role);
        tu_resp_free(&r);
        free(tok);
    }
}

static void session_answer_shape(void **state) {
    const demo_login *p = tu_demo_login("person", 0);
    char body[256];
    snprintf(body, sizeof body, "{\"role\":\"person\",\"id_number\":\"%s\",\"password\":\"%s\"}", p->login,
             p->password);
    tu_resp r = tu_http(srv, "POST", "/api/v1/sessions", NULL, body, NULL);
    assert_int_equal(r.status, 201);
    assert_string_equal(json_string_value(json_object_get(r.json, "role")), "person");
    const char *exp = json_string_value(json_object_get(r.json, "expires_at"));
    assert_non_null(exp);
    assert_non_null(strstr(exp, "+08:00"));
    assert_true(json_integer_value(json_object_get(r.json, "expires_at_ms")) > 0);
    tu_resp_free(&r);
}

static void no_or_bad_token_is_401(void **state) {
    tu_resp r = tu_http(srv, "GET", "/api/v1/sessions/current", NULL, NULL, NULL);
    assert_int_equal(r.status, 401);
    assert_string_equal(tu_err_code(&r), "token_missing");
    tu_resp_free(&r);
    r = tu_http(srv, "GET", "/api/v1/sessions/current", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", NULL, NULL);
    assert_int_equal(r.status, 401);
    assert_string_equal(tu_err_code(&r), "token_invalid");
    tu_resp_free(&r);
}

static void role_that_may_not_is_403(void **state) {
    const demo_login *p = tu_demo_login("person", 0);
    char *tok = tu_sign_in(srv, "person", p->login, p->password);
    tu_resp r = tu_http(srv, "POST", "/api/v1/users", tok, "{\"role\":\"clerk\",\"username\":\"x\",\"password\":\"longenough1\"}", NULL);
    assert_int_equal(r.status, 403);
    assert_string_equal(tu_err_code(&r), "forbidden");
    tu_resp_free(&r);
    r = tu_http(srv, "GET", "/api/v1/audit", tok, NULL, NULL);
    assert_int_equal(r.status, 403);
    tu_resp_free(&r);
    free(tok);
}

static void sign_out_ends_the_token(void **state) {
    const demo_login *p = tu_demo_login("person", 1);
    char *tok = tu_sign_in(srv, "person", p->login, p->password);
    tu_resp r = tu_http(srv, "DELETE", "/api/v1/sessions/current", tok, NULL, NULL);
    assert_int_equal(r.status, 200);
    tu_resp_free(&r);
    r = tu_http(srv, "GET", "/api/v1/sessions/current", tok, NULL, NULL);
    assert_int_equal(r.status, 401);
    tu_resp_free(&r);
    free(tok);
}

static void wrong_password_and_unknown_user_look_alike(void **state) {
    tu_resp a = tu_http(srv, "POST", "/api/v1/sessions", NULL,
                        "{\"role\":\"staff\",\"username\":\"finance01\",\"password\":\"wrong-password\"}", NULL);
    tu_resp b = tu_http(srv, "POST", "/api/v1/sessions", NULL,
                        "{\"role\":\"staff\",\"username\":\"nobody\",\"password\":\"wrong-password\"}", NULL);
    assert_int_equal(a.status, 401);
    assert_int_equal(b.status, 401);
    assert_string_equal(tu_err_code(&a), "bad_credentials");
    assert_string_equal(tu_err_code(&b), "bad_credentials");
    assert_string_equal(json_string_value(json_object_get(json_object_get(a.json, "error"), "message")),
                        json_string_value(json_object_get(json_object_get(b.json, "error"), "message")));
    tu_resp_free(&a);
    tu_resp_free(&b);
    /* one failure does not lock: the right password still works, and resets the count */
    char *tok = tu_sign_in(srv, "staff", "finance01", "Staff@2026");
    free(tok);
}

static void five_failures_lock_with_a_message(void **state) {
    const char *bad = "{\"role\":\"staff\",\"username\":\"reviewer01\",\"password\":\"nope-nope\"}";
    for (int i = 0; i < 4; i++) {
        tu_resp r = tu_http(srv, "POST", "/api/v1/sessions", NULL, bad, NULL);
        assert_int_equal(r.status, 401);
        tu_resp_free(&r);
    }
    tu_resp r = tu_http(srv, "POST", "/api/v1/sessions", NULL, bad, NULL);
    assert_int_equal(r.status, 423);
    assert_string_equal(tu_err_code(&r), "account_locked");
    const char *msg = json_string_value(json_object_get(json_object_get(r.json, "error"), "message"));
    assert_non_null(strstr(msg, "锁定"));
    assert_non_null(strstr(msg, "北京时间"));
    tu_resp_free(&r);
    /* the right password is refused while locked */
    r = tu_http(srv, "POST", "/api/v1/sessions", NULL,
                "{\"role\":\"staff\",\"username\":\"reviewer01\",\"password\":\"Staff@2026\"}", NULL);
    assert_int_equal(r.status, 423);
    tu_resp_free(&r);
    /* an admin unlocks it */
    char *admin = tu_sign_in(srv, "staff", "admin", "Staff@2026");
    r = tu_http(srv, "POST", "/api/v1/users/unlock", admin, "{\"kind\":\"staff\",\"login\":\"reviewer01\"}", NULL);
    assert_int_equal(r.status, 200);
    tu_resp_free(&r);
    char *tok = tu_sign_in(srv, "staff", "reviewer01", "Staff@2026");
    free(tok);
    free(admin);
}

static void admin_creates_staff_and_password_changes(void **state) {
    char *admin = tu_sign_in(srv, "staff", "admin", "Staff@2026");
    tu_resp r = tu_http(srv, "POST", "/api/v1/users", admin,
                        "{\"role\":\"clerk\",\"username\":\"clerk09\",\"display_name\":\"柜员 九号\",\"password\":\"Clerk09@pass\"}", NULL);
    assert_int_equal(r.status, 201);
    assert_true(json_integer_value(json_object_get(r.json, "user_id")) > 0);
    tu_resp_free(&r);
    r = tu_http(srv, "POST", "/api/v1/users", admin,
                "{\"role\":\"clerk\",\"username\":\"clerk09\",\"password\":\"Clerk09@pass\"}", NULL);
    assert_int_equal(r.status, 409);
    tu_resp_free(&r);
    r = tu_http(srv, "POST", "/api/v1/users", admin,
                "{\"role\":\"clerk\",\"username\":\"clerk10\",\"password\":\"short\"}", NULL);
    assert_int_equal(r.status, 422);
    json_t *rule = json_array_get(json_object_get(json_object_get(r.json, "error"), "rules"), 0);
    assert_string_equal(json_string_value(json_object_get(rule, "code")), "password_too_short");
    tu_resp_free(&r);
    char *clerk = tu_sign_in(srv, "staff", "clerk09", "Clerk09@pass");
    r = tu_http(srv, "PUT", "/api/v1/me/password", clerk,
                "{\"old_password\":\"Clerk09@pass\",\"new_password\":\"Clerk09@new1\"}", NULL);
    assert_int_equal(r.status, 200);
    tu_resp_free(&r);
    char *again = tu_sign_in(srv, "staff", "clerk09", "Clerk09@new1");
    free(again);
    free(clerk);
    free(admin);
}

static void failed_attempts_are_audited(void **state) {
    tu_resp r = tu_http(srv, "POST", "/api/v1/sessions", NULL,
                        "{\"role\":\"staff\",\"username\":\"clerk01\",\"password\":\"not-it-at-all\"}",
                        "X-Request-Id: audit-probe-1");
    assert_int_equal(r.status, 401);
    tu_resp_free(&r);
    char *admin = tu_sign_in(srv, "staff", "admin", "Staff@2026");
    r = tu_http(srv, "GET", "/api/v1/audit?limit=50", admin, NULL, NULL);
    assert_int_equal(r.status, 200);
    bool found = false;
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(r.json, "items"), i, row) {
        const char *rid = json_string_value(json_object_get(row, "request_id"));
        if (rid && strcmp(rid, "audit-probe-1") == 0) {
            assert_string_equal(json_string_value(json_object_get(row, "outcome")), "bad_credentials");
            found = true;
        }
    }
    assert_true(found);
    tu_resp_free(&r);
    free(admin);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_demo_login_signs_in),
        cmocka_unit_test(session_answer_shape),
        cmocka_unit_test(no_or_bad_token_is_401),
        cmocka_unit_test(role_that_may_not_is_403),
        cmocka_unit_test(sign_out_ends_the_token),
        cmocka_unit_test(wrong_password_and_unknown_user_look_alike),
        cmocka_unit_test(five_failures_lock_with_a_message),
        cmocka_unit_test(admin_creates_staff_and_password_changes),
        cmocka_unit_test(failed_attempts_are_audited),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
