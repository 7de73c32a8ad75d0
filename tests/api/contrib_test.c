/* Contributions over HTTP on the demo park (business date 2026-11-23): the
 * public quote answers exactly its documented shape and refuses bad input
 * naming the field; bases one at a time and by file; the monthly run by
 * finance only, idempotent, with its state; bills seen by their unit only
 * and confirmed once; the quote agrees with the assessment's lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc/demo.h"
#include "testutil.h"

static tu_server *srv;

static tu_resp upload(const char *path, const char *tok, const char *type, const char *data) {
    return tu_upload(srv, path, tok, type, data, strlen(data));
}
static char *unit_tok, *other_tok, *clerk_tok, *finance_tok, *reviewer_tok, *person_tok;
static int64_t unit_id, other_id;
static char emp1[40], emp2[40], other_emp[40];   /* ID numbers of current employees */

static int64_t jint(const json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }
static const char *jstr(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static int64_t actor_field(const char *tok, const char *field) {
    tu_resp r = tu_http(srv, "GET", "/api/v1/sessions/current", tok, NULL, NULL);
    assert_int_equal(r.status, 200);
    int64_t v = jint(json_object_get(r.json, "user"), field);
    tu_resp_free(&r);
    return v;
}

static void employee_id(const char *tok, int64_t unit, int nth, char out[40]) {
    char path[96];
    snprintf(path, sizeof path, "/api/v1/units/%lld/employees", (long long)unit);
    tu_resp r = tu_http(srv, "GET", path, tok, NULL, NULL);
    assert_int_equal(r.status, 200);
    const json_t *p = json_array_get(json_object_get(r.json, "items"), (size_t)nth);
    assert_non_null(p);
    snprintf(out, 40, "%s", jstr(p, "id_number"));
    tu_resp_free(&r);
}

static int setup(void **state) {
    srv = tu_server_start("2026-11-23", 1);
    const demo_login *units[2] = {NULL, NULL}, *person = NULL;
    for (int i = 0; i < demo_login_count; i++) {
        if (!strcmp(demo_logins[i].role, "unit") && !units[0]) units[0] = &demo_logins[i];
        else if (!strcmp(demo_logins[i].role, "unit") && !units[1]) units[1] = &demo_logins[i];
        if (!strcmp(demo_logins[i].role, "person") && !person) person = &demo_logins[i];
    }
    unit_tok = tu_sign_in(srv, "unit", units[0]->login, units[0]->password);
    other_tok = tu_sign_in(srv, "unit", units[1]->login, units[1]->password);
    clerk_tok = tu_sign_in(srv, "staff", "clerk01", "Staff@2026");
    finance_tok = tu_sign_in(srv, "staff", "finance01", "Staff@2026");
    reviewer_tok = tu_sign_in(srv, "staff", "reviewer01", "Staff@2026");
    person_tok = tu_sign_in(srv, "person", person->login, person->password);
    unit_id = actor_field(unit_tok, "unit_id");
    other_id = actor_field(other_tok, "unit_id");
    employee_id(unit_tok, unit_id, 0, emp1);
    employee_id(unit_tok, unit_id, 1, emp2);
    employee_id(other_tok, other_id, 0, other_emp);
    return 0;
}

static int teardown(void **state) {
    free(unit_tok);
    free(other_tok);
    free(clerk_tok);
    free(finance_tok);
    free(reviewer_tok);
    free(person_tok);
    tu_server_stop(srv);
    return 0;
}

static tu_resp call(const char *method, const char *path, const char *tok, const char *body) {
    return tu_http(srv, method, path, tok, body, NULL);
}

/* The status, and for errors the code and the field (NULL: not checked). */
static void expect(tu_resp r, long status, const char *code, const char *field) {
    if (r.status != status) fail_msg("%ld instead of %ld: %s", r.status, status, r.body);
    if (code) assert_string_equal(tu_err_code(&r), code);
    if (field) assert_string_equal(jstr(json_object_get(r.json, "error"), "field"), field);
    tu_resp_free(&r);
}

static char *path_of(const char *fmt, int64_t id) {
    static char p[8][128];
    static int n;
    char *out = p[n++ % 8];
    snprintf(out, 128, fmt, (long long)id);
    return out;
}

/* ---- the quote ---- */

static void the_quote_answers_exactly_its_shape(void **state) {
    tu_resp r = call("POST", "/api/v1/contributions/quote", NULL,
                     "{\"month\":\"2026-11\",\"wage_fen\":800000,\"insurances\":[\"pension\",\"injury\",\"housing_fund\"],"
                     "\"injury_rate_bp\":20,\"housing_fund_rate_bp\":1000}");
    assert_int_equal(r.status, 200);
    assert_int_equal(json_object_size(r.json), 5);
    assert_string_equal(jstr(r.json, "month"), "2026-11");
    assert_int_equal(jint(r.json, "base_fen"), 800000);
    json_t *items = json_object_get(r.json, "items");
    assert_int_equal(json_array_size(items), 3);
    static const char *const names[] = {"pension", "injury", "housing_fund"};
    static const int64_t unit[] = {128000, 1600, 80000}, personal[] = {64000, 0, 80000};
    for (size_t i = 0; i < 3; i++) {
        json_t *it = json_array_get(items, i);
        assert_int_equal(json_object_size(it), 4);
        assert_string_equal(jstr(it, "insurance"), names[i]);
        assert_int_equal(jint(it, "base_fen"), 800000);
        assert_int_equal(jint(it, "unit_fen"), unit[i]);
        assert_int_equal(jint(it, "personal_fen"), personal[i]);
    }
    assert_int_equal(jint(r.json, "unit_total_fen"), 209600);
    assert_int_equal(jint(r.json, "personal_total_fen"), 144000);
    tu_resp_free(&r);
    /* below the floor and above the ceiling */
    r = call("POST", "/api/v1/contributions/quote", NULL,
             "{\"month\":\"2025-06\",\"wage_fen\":100,\"insurances\":[\"pension\"]}");
    assert_int_equal(jint(r.json, "base_fen"), 449400);
    tu_resp_free(&r);
    r = call("POST", "/api/v1/contributions/quote", NULL,
             "{\"month\":\"2025-07\",\"wage_fen\":99999999,\"insurances\":[\"pension\"]}");
    assert_int_equal(jint(r.json, "base_fen"), 2460000);
    tu_resp_free(&r);
}

static void a_bad_quote_names_the_field(void **state) {
    static const struct { const char *body; const char *field; } bad[] = {
        {"{\"wage_fen\":800000,\"insurances\":[\"pension\"]}", "month"},
        {"{\"month\":\"2026-13\",\"wage_fen\":800000,\"insurances\":[\"pension\"]}", "month"},
        {"{\"month\":\"2026-11\",\"wage_fen\":0,\"insurances\":[\"pension\"]}", "wage_fen"},
        {"{\"month\":\"2026-11\",\"wage_fen\":\"8000\",\"insurances\":[\"pension\"]}", "wage_fen"},
        {"{\"month\":\"2026-11\",\"insurances\":[\"pension\"]}", "wage_fen"},
        {"{\"month\":\"2026-11\",\"wage_fen\":800000}", "insurances"},
        {"{\"month\":\"2026-11\",\"wage_fen\":800000,\"insurances\":[]}", "insurances"},
        {"{\"month\":\"2026-11\",\"wage_fen\":800000,\"insurances\":[\"dental\"]}", "insurances"},
        {"{\"month\":\"2026-11\",\"wage_fen\":800000,\"insurances\":[\"injury\"]}", "injury_rate_bp"},
        {"{\"month\":\"2026-11\",\"wage_fen\":800000,\"insurances\":[\"housing_fund\"]}", "housing_fund_rate_bp"},
        {"{\"month\":\"2026-11\",\"wage_fen\":800000,\"insurances\":[\"injury\"],\"injury_rate_bp\":10001}", "injury_rate_bp"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect(call("POST", "/api/v1/contributions/quote", NULL, bad[i].body), 400, NULL, bad[i].field);
    expect(call("POST", "/api/v1/contributions/quote", NULL,
                "{\"month\":\"2026-11\",\"wage_fen\":800000,\"insurances\":[\"pension\"],\"bonus\":1}"), 400, NULL, NULL);
    expect(call("POST", "/api/v1/contributions/quote", NULL, "not json"), 400, NULL, NULL);
    tu_resp r = call("POST", "/api/v1/contributions/quote", NULL,
                     "{\"month\":\"2026-11\",\"wage_fen\":800000,\"insurances\":[\"housing_fund\"],\"housing_fund_rate_bp\":1201}");
    assert_int_equal(r.status, 422);
    json_t *rule = json_array_get(json_object_get(json_object_get(r.json, "error"), "rules"), 0);
    assert_string_equal(jstr(rule, "code"), "hf_rate_out_of_band");
    tu_resp_free(&r);
    r = call("POST", "/api/v1/contributions/quote", NULL,
             "{\"month\":\"2026-11\",\"wage_fen\":800000,\"insurances\":[\"housing_fund\"],\"housing_fund_rate_bp\":1200}");
    assert_int_equal(r.status, 200);
    tu_resp_free(&r);
}

/* ---- bases ---- */

static void a_unit_declares_a_base_for_its_employee(void **state) {
    char body[256];
    snprintf(body, sizeof body, "{\"id_number\":\"%s\",\"wage_fen\":800000,\"from_month\":\"2026-12\"}", emp1);
    tu_resp r = call("POST", path_of("/api/v1/units/%lld/bases", unit_id), unit_tok, body);
    assert_int_equal(r.status, 201);
    assert_int_equal(jint(r.json, "base_fen"), 800000);
    assert_string_equal(jstr(r.json, "from_month"), "2026-12");
    assert_string_equal(jstr(r.json, "source"), "annual");
    tu_resp_free(&r);
    /* another unit's path is not found; its employee is not found to this unit */
    expect(call("POST", path_of("/api/v1/units/%lld/bases", other_id), unit_tok, body), 404, "unit_not_found", NULL);
    snprintf(body, sizeof body, "{\"id_number\":\"%s\",\"wage_fen\":800000,\"from_month\":\"2026-12\"}", other_emp);
    expect(call("POST", path_of("/api/v1/units/%lld/bases", unit_id), unit_tok, body), 404, "person_not_found", NULL);
    /* the counter: a rule */
    tu_resp x = call("POST", path_of("/api/v1/units/%lld/bases", unit_id), clerk_tok, body);
    assert_int_equal(x.status, 422);
    assert_string_equal(jstr(json_array_get(json_object_get(json_object_get(x.json, "error"), "rules"), 0), "code"),
                        "not_employed");
    tu_resp_free(&x);
    expect(call("POST", path_of("/api/v1/units/%lld/bases", unit_id), reviewer_tok, body), 403, "forbidden", NULL);
    expect(call("POST", path_of("/api/v1/units/%lld/bases", unit_id), person_tok, body), 403, "forbidden", NULL);
    expect(call("POST", path_of("/api/v1/units/%lld/bases", unit_id), unit_tok, "{\"wage_fen\":800000}"), 400,
           "missing_field", "person_id");
    expect(call("POST", path_of("/api/v1/units/%lld/bases", unit_id), unit_tok,
                "{\"id_number\":\"x\",\"person_id\":1,\"wage_fen\":800000}"), 400, NULL, "person_id");
    snprintf(body, sizeof body, "{\"id_number\":\"%s\",\"wage_fen\":0}", emp1);
    expect(call("POST", path_of("/api/v1/units/%lld/bases", unit_id), unit_tok, body), 400, NULL, "wage_fen");
}

/* A file as the body, with its own Content-Type (tu_http sends JSON text). */
static void a_base_file_is_taken_whole_or_refused_whole(void **state) {
    char csv[512];
    const char *path = path_of("/api/v1/units/%lld/bases/file?from_month=2027-01", unit_id);
    snprintf(csv, sizeof csv, "证件号码,月工资\r\n%s,9000.00\r\n%s,3000\r\n", emp1, emp2);
    tu_resp r = upload(path, unit_tok, "text/csv", csv);
    assert_int_equal(r.status, 201);
    assert_int_equal(jint(r.json, "count"), 2);
    json_t *rows = json_object_get(r.json, "declared");
    assert_int_equal(jint(json_array_get(rows, 0), "base_fen"), 900000);
    assert_int_equal(jint(json_array_get(rows, 1), "base_fen"), 460000);   /* held at the floor */
    assert_string_equal(jstr(json_array_get(rows, 1), "from_month"), "2027-01");
    tu_resp_free(&r);
    snprintf(csv, sizeof csv, "证件号码,月工资\r\n%s,9000.00\r\n%s,12.345\r\n%s,5000\r\n", emp1, emp2, other_emp);
    r = upload(path, unit_tok, "text/csv", csv);
    assert_int_equal(r.status, 422);
    json_t *err = json_object_get(r.json, "error");
    assert_string_equal(jstr(err, "code"), "bases_rejected");
    assert_int_equal(jint(err, "bad_row_count"), 2);
    json_t *bad = json_object_get(err, "rows");
    assert_int_equal(jint(json_array_get(bad, 0), "row"), 3);
    assert_string_equal(jstr(json_array_get(bad, 0), "code"), "invalid_wage");
    assert_int_equal(jint(json_array_get(bad, 1), "row"), 4);
    assert_string_equal(jstr(json_array_get(bad, 1), "code"), "person_not_found");
    tu_resp_free(&r);
    expect(upload(path, unit_tok, "application/pdf", csv), 400, "unsupported_media_type", NULL);
    expect(upload(path_of("/api/v1/units/%lld/bases/file?from_month=2027-13", unit_id), unit_tok, "text/csv", csv),
           400, NULL, "from_month");
}

/* ---- the monthly run ---- */

static json_t *run_month(const char *month, long want_status) {
    char path[64];
    snprintf(path, sizeof path, "/api/v1/months/%s/run", month);
    tu_resp r = call("POST", path, finance_tok, NULL);
    if (r.status != want_status) fail_msg("run %s: %ld %s", month, r.status, r.body);
    json_t *j = json_incref(r.json);
    tu_resp_free(&r);
    return j;
}

static void only_finance_runs_the_month_and_only_up_to_the_business_month(void **state) {
    expect(call("POST", "/api/v1/months/2026-11/run", unit_tok, NULL), 403, "forbidden", NULL);
    expect(call("POST", "/api/v1/months/2026-11/run", clerk_tok, NULL), 403, "forbidden", NULL);
    expect(call("POST", "/api/v1/months/2026-13/run", finance_tok, NULL), 400, NULL, "month");
    expect(call("POST", "/api/v1/months/2026-11/run?chunk=0", finance_tok, NULL), 400, NULL, "chunk");
    json_t *j = run_month("2026-12", 422);
    json_t *rule = json_array_get(json_object_get(json_object_get(j, "error"), "rules"), 0);
    assert_string_equal(jstr(rule, "code"), "month_in_future");
    json_decref(j);
}

static void the_month_runs_once_and_shows_its_state(void **state) {
    json_t *first = run_month("2026-11", 200);
    assert_true(jint(first, "unit_bills") >= 20);   /* every demo unit has employees */
    assert_true(jint(first, "lines") > 100);
    assert_int_equal(jint(first, "total_fen"), jint(first, "unit_total_fen") + jint(first, "personal_total_fen"));
    assert_string_equal(jstr(json_object_get(first, "units_run"), "status"), "done");
    assert_string_equal(jstr(json_object_get(first, "persons_run"), "status"), "done");
    json_t *again = run_month("2026-11", 200);   /* nothing twice */
    assert_int_equal(jint(again, "bills"), jint(first, "bills"));
    assert_int_equal(jint(again, "lines"), jint(first, "lines"));
    assert_int_equal(jint(again, "total_fen"), jint(first, "total_fen"));
    tu_resp r = call("GET", "/api/v1/batches/month_run/2026-11", clerk_tok, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(jstr(r.json, "status"), "done");
    assert_int_equal(jint(r.json, "done"), jint(r.json, "total"));
    tu_resp_free(&r);
    r = call("GET", "/api/v1/months/2026-11", clerk_tok, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(jint(r.json, "total_fen"), jint(first, "total_fen"));
    tu_resp_free(&r);
    expect(call("GET", "/api/v1/batches/month_run/2026-11", unit_tok, NULL), 403, "forbidden", NULL);
    expect(call("GET", "/api/v1/batches/month_run/1999-01", clerk_tok, NULL), 404, "batch_not_found", NULL);
    json_decref(first);
    json_decref(again);
    /* an assessed month takes a raise, not a declaration */
    char body[256];
    snprintf(body, sizeof body, "{\"id_number\":\"%s\",\"wage_fen\":800000,\"from_month\":\"2026-11\"}", emp2);
    r = call("POST", path_of("/api/v1/units/%lld/bases", unit_id), unit_tok, body);
    assert_int_equal(r.status, 422);
    assert_string_equal(jstr(json_array_get(json_object_get(json_object_get(r.json, "error"), "rules"), 0), "code"),
                        "month_already_assessed");
    tu_resp_free(&r);
}

/* ---- bills ---- */

static int64_t unit_bill(void) {
    tu_resp r = call("GET", path_of("/api/v1/units/%lld/bills?month=2026-11", unit_id), unit_tok, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(jint(r.json, "count"), 1);
    int64_t id = jint(json_array_get(json_object_get(r.json, "items"), 0), "id");
    tu_resp_free(&r);
    return id;
}

static void a_bill_is_seen_by_its_unit_and_staff(void **state) {
    int64_t id = unit_bill();
    tu_resp r = call("GET", path_of("/api/v1/bills/%lld", id), unit_tok, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(jstr(r.json, "status"), "draft");
    int64_t sum_unit = 0, lines = 0;
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(r.json, "persons"), i, p) {
        sum_unit += jint(p, "unit_fen");
        lines += (int64_t)json_array_size(json_object_get(p, "items"));
    }
    assert_int_equal(sum_unit, jint(r.json, "unit_total_fen"));
    assert_int_equal(lines, jint(r.json, "lines"));
    tu_resp_free(&r);
    r = call("GET", path_of("/api/v1/bills/%lld", id), reviewer_tok, NULL);
    assert_int_equal(r.status, 200);
    tu_resp_free(&r);
    expect(call("GET", path_of("/api/v1/bills/%lld", id), other_tok, NULL), 404, "bill_not_found", NULL);
    expect(call("GET", path_of("/api/v1/bills/%lld", id), person_tok, NULL), 404, "bill_not_found", NULL);
    expect(call("GET", path_of("/api/v1/bills/%lld", id), NULL, NULL), 401, NULL, NULL);
    expect(call("GET", path_of("/api/v1/units/%lld/bills", unit_id), other_tok, NULL), 404, "unit_not_found", NULL);
    expect(call("GET", path_of("/api/v1/units/%lld/bills?month=11", unit_id), unit_tok, NULL), 400, NULL, "month");
    expect(call("GET", "/api/v1/bills/99999999", clerk_tok, NULL), 404, "bill_not_found", NULL);
}

static void the_quote_agrees_with_the_bills_lines(void **state) {
    tu_resp r = call("GET", path_of("/api/v1/bills/%lld", unit_bill()), unit_tok, NULL);
    json_t *items = json_object_get(json_array_get(json_object_get(r.json, "persons"), 0), "items");
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        const char *ins = jstr(it, "insurance");
        if (!strcmp(ins, "injury") || !strcmp(ins, "housing_fund")) continue;
        char body[256];
        snprintf(body, sizeof body, "{\"month\":\"2026-11\",\"wage_fen\":%lld,\"insurances\":[\"%s\"]}",
                 (long long)jint(it, "base_fen"), ins);
        tu_resp q = call("POST", "/api/v1/contributions/quote", NULL, body);
        json_t *qi = json_array_get(json_object_get(q.json, "items"), 0);
        assert_int_equal(jint(qi, "unit_fen"), jint(it, "unit_fen"));
        assert_int_equal(jint(qi, "personal_fen"), jint(it, "personal_fen"));
        tu_resp_free(&q);
    }
    tu_resp_free(&r);
}

static void the_unit_confirms_its_bill_once(void **state) {
    int64_t id = unit_bill();
    const char *path = path_of("/api/v1/bills/%lld/confirm", id);
    expect(call("POST", path, other_tok, NULL), 404, "bill_not_found", NULL);
    expect(call("POST", path, reviewer_tok, NULL), 403, "forbidden", NULL);
    expect(call("POST", path, person_tok, NULL), 403, "forbidden", NULL);
    tu_resp r = call("POST", path, unit_tok, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(jstr(r.json, "status"), "confirmed");
    assert_string_equal(jstr(r.json, "confirmed_on"), "2026-11-23");
    tu_resp_free(&r);
    expect(call("POST", path, unit_tok, NULL), 409, "bad_state", NULL);
    r = call("GET", path_of("/api/v1/units/%lld/bills?month=2026-11", unit_id), unit_tok, NULL);
    assert_string_equal(jstr(json_array_get(json_object_get(r.json, "items"), 0), "status"), "confirmed");
    tu_resp_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_quote_answers_exactly_its_shape),
        cmocka_unit_test(a_bad_quote_names_the_field),
        cmocka_unit_test(a_unit_declares_a_base_for_its_employee),
        cmocka_unit_test(a_base_file_is_taken_whole_or_refused_whole),
        cmocka_unit_test(only_finance_runs_the_month_and_only_up_to_the_business_month),
        cmocka_unit_test(the_month_runs_once_and_shows_its_state),
        cmocka_unit_test(a_bill_is_seen_by_its_unit_and_staff),
        cmocka_unit_test(the_quote_agrees_with_the_bills_lines),
        cmocka_unit_test(the_unit_confirms_its_bill_once),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
