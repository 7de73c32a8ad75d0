/* Collection over HTTP: the month's files answered with their text (finance
 * only, a second run sends nothing), a bank reply as text/plain (refused
 * whole when one amount was altered, applied once, imported twice without
 * change, another media type refused), a unit's arrears (its own only) and
 * the no-arrears certificate refused with the arrears, granted without. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc/auth.h"
#include "svc/collection.h"
#include "testutil.h"

static tu_server *srv;

static tu_resp upload(const char *path, const char *tok, const char *type, const char *data) {
    return tu_upload(srv, path, tok, type, data, strlen(data));
}
static char *finance, *clerk, *unit_a, *unit_b, *person21;
static char *reply_text;   /* the bank's answer to the month's file */

/* Two units at 测试银行: A's bill 31 (pension 1000 + 800) and B's bill 32
 * (medical 750 + 200), both confirmed for 2026-03, due 2026-03-25. */
static const char FIXTURE_SQL[] =
    "INSERT INTO units (id, code, name, created_at_ms, bank_name, bank_account, collection_agreement) VALUES "
    "(11, 'TESTA', '甲公司', 0, '测试银行', '6222000011112222', 1),"
    "(12, 'TESTB', '乙公司', 0, '测试银行', '6222000033334444', 1);"
    "INSERT INTO persons (id, id_number, name, created_at_ms) VALUES (21, 'T21', '张一', 0), (22, 'T22', '李二', 0);"
    "INSERT INTO insured_spans (id, person_id, unit_id, insurance, payer, category, start_month, status, "
    "created_at_ms, updated_at_ms) VALUES (210, 21, 11, 'pension', 'unit', 'sip_a', 202601, 'normal', 0, 0),"
    "(221, 22, 12, 'medical', 'unit', 'sip_a', 202601, 'normal', 0, 0);"
    "INSERT INTO bills (id, unit_id, month, kind, status, unit_total_fen, personal_total_fen, lines, due_on, "
    "created_at_ms, updated_at_ms) VALUES (31, 11, 202603, 'regular', 'confirmed', 1000, 800, 1, '2026-03-25', 0, 0),"
    "(32, 12, 202603, 'regular', 'confirmed', 750, 200, 1, '2026-03-25', 0, 0);"
    "INSERT INTO assessments (bill_id, unit_id, person_id, span_id, month, insurance, kind, base_fen, "
    "unit_rate_bp, personal_rate_bp, unit_fen, personal_fen, created_at_ms) VALUES "
    "(31, 11, 21, 210, 202603, 'pension', 'regular', 10000, 1000, 800, 1000, 800, 0),"
    "(32, 12, 22, 221, 202603, 'medical', 'regular', 10000, 750, 200, 750, 200, 0);";

static void fixture(void) {
    tu_sql(srv->env, FIXTURE_SQL);
}

static void users(void) {
    svc_ctx *ctx = &srv->env->ctx;
    err_detail err = {0};
    if (store_begin(srv->env->st, true, &ctx->tx, &err)) fail_msg("begin: %s", err.message);
    ctx->actor.role = ROLE_SYSTEM;
    const auth_user_new u[] = {
        {.role = "finance", .username = "fin01", .display_name = "财务", .password = "Staff@2026"},
        {.role = "clerk", .username = "clerk01", .display_name = "柜员", .password = "Staff@2026"},
        {.role = "unit", .unit_code = "TESTA", .operator_name = "hr", .password = "Unit@2026"},
        {.role = "unit", .unit_code = "TESTB", .operator_name = "hr", .password = "Unit@2026"},
        {.role = "person", .id_number = "T21", .password = "Demo@2026"},
    };
    for (size_t i = 0; i < sizeof u / sizeof u[0]; i++) {
        int64_t id = 0;
        if (auth_user_create(ctx, &u[i], &id, &err)) fail_msg("user: %s", err.message);
    }
    if (store_commit(ctx->tx, &err)) fail_msg("commit: %s", err.message);
    ctx->tx = NULL;
}

static int setup(void **state) {
    srv = tu_server_start("2026-03-20", 0);
    fixture();
    users();
    finance = tu_sign_in(srv, "staff", "fin01", "Staff@2026");
    clerk = tu_sign_in(srv, "staff", "clerk01", "Staff@2026");
    unit_a = tu_sign_in(srv, "unit", "TESTA/hr", "Unit@2026");
    unit_b = tu_sign_in(srv, "unit", "TESTB/hr", "Unit@2026");
    person21 = tu_sign_in(srv, "person", "T21", "Demo@2026");
    return 0;
}

static int teardown(void **state) {
    free(finance); free(clerk); free(unit_a); free(unit_b); free(person21); free(reply_text);
    tu_server_stop(srv);
    return 0;
}

/* A text body with its own Content-Type (tu_http sends JSON). */
static const json_t *rule_at(const tu_resp *r, size_t i) {
    return json_array_get(json_object_get(json_object_get(r->json, "error"), "rules"), i);
}

static const char EXPECTED_FILE[] =
    "H|SIPF-COLLECT|1|SIPF-测试银行-202603-001.txt|测试银行|202603|2026-03-20\n"
    "D|1|31|TESTA|甲公司|6222000011112222|202603|1800|0|1800\n"
    "D|2|32|TESTB|乙公司|6222000033334444|202603|950|0|950\n"
    "T|2|2750\n";

static void month_collect_answers_files(void **state) {
    tu_resp r = tu_http(srv, "POST", "/api/v1/months/2026-03/collect", clerk, NULL, NULL);
    assert_int_equal(r.status, 403);
    tu_resp_free(&r);
    r = tu_http(srv, "POST", "/api/v1/months/2026-13/collect", finance, NULL, NULL);
    assert_int_equal(r.status, 400);
    tu_resp_free(&r);
    r = tu_http(srv, "POST", "/api/v1/months/2026-03/collect", finance, "{\"x\":1}", NULL);
    assert_int_equal(r.status, 400);
    tu_resp_free(&r);

    r = tu_http(srv, "POST", "/api/v1/months/2026-03/collect", finance, NULL, NULL);
    assert_int_equal(r.status, 201);
    assert_int_equal(json_integer_value(json_object_get(r.json, "file_count")), 1);
    assert_int_equal(json_integer_value(json_object_get(r.json, "total_fen")), 2750);
    const json_t *f = json_array_get(json_object_get(r.json, "files"), 0);
    assert_string_equal(json_string_value(json_object_get(f, "file_name")), "SIPF-测试银行-202603-001.txt");
    assert_int_equal(json_integer_value(json_object_get(f, "lines")), 2);
    const char *content = json_string_value(json_object_get(f, "content"));
    assert_string_equal(content, EXPECTED_FILE);
    err_detail err = {0};
    assert_int_equal(collect_simulate_bank(content, strlen(content), 2, &reply_text, &err), ERR_OK);
    tu_resp_free(&r);

    r = tu_http(srv, "POST", "/api/v1/months/2026-03/collect", finance, "{}", NULL);
    assert_int_equal(r.status, 200);   /* nothing left to send */
    assert_int_equal(json_integer_value(json_object_get(r.json, "file_count")), 0);
    tu_resp_free(&r);
}

static void reply_refused_whole_then_applied_once(void **state) {
    assert_non_null(reply_text);
    tu_resp r = upload("/api/v1/bank-replies", finance, "application/json", reply_text);
    assert_int_equal(r.status, 400);
    assert_string_equal(tu_err_code(&r), "unsupported_media_type");
    tu_resp_free(&r);
    r = upload("/api/v1/bank-replies", clerk, "text/plain", reply_text);
    assert_int_equal(r.status, 403);
    tu_resp_free(&r);

    /* bill 31 said to be 1700 instead of 1800 (trailer kept consistent) */
    char *altered = strdup(reply_text);
    char *p = strstr(altered, "|1800|0|1800|");
    assert_non_null(p);
    memcpy(p, "|1700|0|1700|", 13);
    p = strstr(altered, "T|2|2750|1|1800");
    assert_non_null(p);
    memcpy(p, "T|2|2650|1|1700", 15);
    r = upload("/api/v1/bank-replies", finance, "text/plain; charset=utf-8", altered);
    assert_int_equal(r.status, 422);
    assert_string_equal(json_string_value(json_object_get(rule_at(&r, 0), "code")), "amount_differs");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(rule_at(&r, 0), "data"), "line")), 2);
    tu_resp_free(&r);
    free(altered);

    r = upload("/api/v1/bank-replies", finance, "text/plain; charset=utf-8", reply_text);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r.json, "paid"), "count")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r.json, "paid"), "amount_fen")), 1800);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r.json, "failed"), "count")), 1);
    assert_false(json_is_true(json_object_get(r.json, "already_imported")));
    tu_resp_free(&r);
    r = upload("/api/v1/bank-replies", finance, "text/plain", reply_text);
    assert_int_equal(r.status, 200);
    assert_true(json_is_true(json_object_get(r.json, "already_imported")));
    assert_int_equal(json_integer_value(json_object_get(r.json, "applied")), 0);
    tu_resp_free(&r);
}

static void arrears_and_certificate(void **state) {
    tu_resp r = tu_http(srv, "GET", "/api/v1/units/12/arrears", unit_b, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_integer_value(json_object_get(r.json, "count")), 1);
    assert_int_equal(json_integer_value(json_object_get(r.json, "total_fen")), 950);
    const json_t *it = json_array_get(json_object_get(r.json, "items"), 0);
    assert_int_equal(json_integer_value(json_object_get(it, "bill_id")), 32);
    assert_string_equal(json_string_value(json_object_get(it, "reason")), "余额不足");
    assert_string_equal(json_string_value(json_object_get(it, "month")), "2026-03");
    tu_resp_free(&r);
    r = tu_http(srv, "GET", "/api/v1/units/12/arrears", unit_a, NULL, NULL);
    assert_int_equal(r.status, 404);   /* another unit's */
    tu_resp_free(&r);
    r = tu_http(srv, "GET", "/api/v1/units/12/no-arrears-certificate", unit_a, NULL, NULL);
    assert_int_equal(r.status, 404);
    tu_resp_free(&r);

    r = tu_http(srv, "GET", "/api/v1/units/12/no-arrears-certificate", finance, NULL, NULL);
    assert_int_equal(r.status, 422);
    assert_string_equal(json_string_value(json_object_get(rule_at(&r, 0), "code")), "arrears_outstanding");
    const json_t *d = json_object_get(rule_at(&r, 0), "data");
    assert_int_equal(json_integer_value(json_object_get(d, "bill_id")), 32);
    assert_int_equal(json_integer_value(json_object_get(d, "amount_fen")), 950);
    assert_int_equal(json_integer_value(json_object_get(d, "late_fee_fen")), 0);
    tu_resp_free(&r);

    r = tu_http(srv, "GET", "/api/v1/units/11/no-arrears-certificate", unit_a, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "statement")), "截至 2026-03-20 无欠费");
    assert_string_equal(json_string_value(json_object_get(r.json, "unit_name")), "甲公司");
    tu_resp_free(&r);
    r = tu_http(srv, "GET", "/api/v1/units/11/arrears", clerk, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_integer_value(json_object_get(r.json, "count")), 0);
    tu_resp_free(&r);
}

/* A person signs their own withholding card; the counter signs one for them;
 * a unit, even the person's employer, never sees it. */
static void withholding_card_by_person_and_counter(void **state) {
    tu_resp r = tu_http(srv, "GET", "/api/v1/me/withholding-card", person21, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_true(json_is_null(json_object_get(r.json, "card")));
    tu_resp_free(&r);
    r = tu_http(srv, "PUT", "/api/v1/me/withholding-card", person21, "{\"bank_name\":\"\",\"bank_account\":\"12ab\"}",
                NULL);
    assert_int_equal(r.status, 422);
    assert_int_equal(json_array_size(json_object_get(json_object_get(r.json, "error"), "rules")), 2);
    tu_resp_free(&r);
    r = tu_http(srv, "PUT", "/api/v1/me/withholding-card", person21,
                "{\"bank_name\":\"中国银行\",\"bank_account\":\"6217000011112222\"}", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(json_object_get(r.json, "card"), "bank_name")), "中国银行");
    tu_resp_free(&r);
    r = tu_http(srv, "PUT", "/api/v1/persons/21/withholding-card", clerk,
                "{\"bank_name\":\"农业银行\",\"bank_account\":\"6228000011112222\"}", NULL);
    assert_int_equal(r.status, 200);
    tu_resp_free(&r);
    r = tu_http(srv, "GET", "/api/v1/persons/21/withholding-card", finance, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(json_object_get(r.json, "card"), "bank_account")),
                        "6228000011112222");
    tu_resp_free(&r);
    r = tu_http(srv, "GET", "/api/v1/persons/21/withholding-card", unit_a, NULL, NULL);
    assert_int_equal(r.status, 403);
    tu_resp_free(&r);
    r = tu_http(srv, "PUT", "/api/v1/persons/21/withholding-card", finance,
                "{\"bank_name\":\"农业银行\",\"bank_account\":\"6228000011112222\"}", NULL);
    assert_int_equal(r.status, 403);
    tu_resp_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(month_collect_answers_files),
        cmocka_unit_test(reply_refused_whole_then_applied_once),
        cmocka_unit_test(arrears_and_certificate),
        cmocka_unit_test(withholding_card_by_person_and_counter),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
