/* Enrolment over HTTP: a unit enrols one at a time and by roster file (CSV
 * and XLSX, a bad file refused whole with every bad row and nothing
 * written, a file over the limit 413), terminations and the one reason
 * change, employments, transfer records and who may see them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "base/idno.h"
#include "base/limits.h"
#include "svc/demo.h"
#include "testutil.h"

static const char XLSX_TYPE[] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

static tu_server *srv;
static char *unit_tok, *other_unit_tok, *clerk_tok, *person_tok;
static int64_t unit_id, other_unit_id, person_id;

static const char *rid(const char *birth8, const char *order3) {
    static char ids[16][19];
    static int next;
    char d17[18];
    snprintf(d17, sizeof d17, "320571%s%s", birth8, order3);
    char *out = ids[next++ % 16];
    snprintf(out, 19, "%s%c", d17, idno_resident_check_char(d17));
    return out;
}

static int64_t jint(const json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }
static const char *jstr(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static int64_t actor_field(const char *tok, const char *field) {
    tu_resp r = tu_http(srv, "GET", "/api/v1/sessions/current", tok, NULL, NULL);
    assert_int_equal(r.status, 200);
    json_t *u = json_object_get(r.json, "user");
    int64_t v = jint(u ? u : r.json, field);
    tu_resp_free(&r);
    return v;
}

static int setup(void **state) {
    srv = tu_server_start("2026-03-31", 1);
    const demo_login *units[2] = {NULL, NULL}, *person = NULL;
    for (int i = 0; i < demo_login_count; i++) {
        if (strcmp(demo_logins[i].role, "unit") == 0 && !units[0]) units[0] = &demo_logins[i];
        else if (strcmp(demo_logins[i].role, "unit") == 0 && !units[1]) units[1] = &demo_logins[i];
        if (strcmp(demo_logins[i].role, "person") == 0 && !person) person = &demo_logins[i];
    }
    assert_non_null(units[1]);
    assert_non_null(person);
    unit_tok = tu_sign_in(srv, "unit", units[0]->login, units[0]->password);
    other_unit_tok = tu_sign_in(srv, "unit", units[1]->login, units[1]->password);
    clerk_tok = tu_sign_in(srv, "staff", "clerk01", "Staff@2026");
    person_tok = tu_sign_in(srv, "person", person->login, person->password);
    unit_id = actor_field(unit_tok, "unit_id");
    other_unit_id = actor_field(other_unit_tok, "unit_id");
    person_id = actor_field(person_tok, "person_id");
    assert_true(unit_id > 0 && other_unit_id > 0 && unit_id != other_unit_id && person_id > 0);
    return 0;
}

static int teardown(void **state) {
    free(unit_tok);
    free(other_unit_tok);
    free(clerk_tok);
    free(person_tok);
    tu_server_stop(srv);
    return 0;
}

static tu_resp post(const char *path, const char *tok, json_t *body) {
    char *s = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    tu_resp r = tu_http(srv, "POST", path, tok, s, NULL);
    free(s);
    return r;
}

static const char *rule_code(const tu_resp *r, size_t i) {
    json_t *rules = json_object_get(json_object_get(r->json, "error"), "rules");
    return jstr(json_array_get(rules, i), "code");
}

/* ---- one at a time ---- */

static void unit_enrols_day_30_on_time_day_31_late(void **state) {
    tu_resp r = post("/api/v1/enrolments", unit_tok, json_pack("{s:s, s:s, s:s}", "id_number",
                     rid("19900315", "901"), "name", "韩一", "start_date", "2026-03-01"));
    assert_int_equal(r.status, 201);
    assert_false(json_is_true(json_object_get(r.json, "late")));
    assert_int_equal(jint(r.json, "unit_id"), unit_id);
    assert_int_equal(json_array_size(json_object_get(r.json, "spans")), 6);
    tu_resp_free(&r);
    r = post("/api/v1/enrolments", unit_tok, json_pack("{s:s, s:s, s:s}", "id_number",
             rid("19900315", "912"), "name", "韩二", "start_date", "2026-02-28"));
    assert_int_equal(r.status, 201);
    assert_true(json_is_true(json_object_get(r.json, "late")));
    assert_int_equal(jint(r.json, "late_days"), 1);
    assert_non_null(strstr(jstr(r.json, "message"), "逾期"));
    char path[64];
    snprintf(path, sizeof path, "/api/v1/employments/%lld", (long long)jint(r.json, "employment_id"));
    tu_resp_free(&r);
    r = tu_http(srv, "GET", path, unit_tok, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_true(json_is_true(json_object_get(r.json, "late")));
    assert_int_equal(jint(r.json, "late_days"), 1);
    tu_resp_free(&r);
    r = tu_http(srv, "GET", path, other_unit_tok, NULL, NULL);   /* another unit does not see it */
    assert_int_equal(r.status, 404);
    tu_resp_free(&r);
    r = tu_http(srv, "GET", path, person_tok, NULL, NULL);
    assert_int_equal(r.status, 403);
    tu_resp_free(&r);
}

static void refusal_is_422_and_writes_nothing(void **state) {
    const char *minor = rid("20100401", "923");   /* 16 on 2026-04-01 */
    tu_resp r = post("/api/v1/enrolments", clerk_tok, json_pack("{s:I, s:s, s:s, s:s}", "unit_id",
                     (json_int_t)unit_id, "id_number", minor, "name", "少年", "start_date", "2026-03-31"));
    assert_int_equal(r.status, 422);
    assert_string_equal(tu_err_code(&r), "rules_failed");
    assert_true(tu_has_rule(&r, "age_below_min"));
    tu_resp_free(&r);
    const char *id = rid("19800101", "934");
    r = post("/api/v1/enrolments", clerk_tok, json_pack("{s:I, s:s, s:s, s:s, s:i}", "unit_id", (json_int_t)unit_id,
             "id_number", id, "name", "成年", "start_date", "2026-04-01", "hf_rate_bp", 1300));
    assert_int_equal(r.status, 422);
    assert_true(tu_has_rule(&r, "start_date_future"));
    assert_true(tu_has_rule(&r, "hf_rate_out_of_range"));
    tu_resp_free(&r);
    /* the refusal registered nobody: the next enrolment creates the person */
    r = post("/api/v1/enrolments", clerk_tok, json_pack("{s:I, s:s, s:s, s:s}", "unit_id", (json_int_t)unit_id,
             "id_number", id, "name", "成年", "start_date", "2026-03-30"));
    assert_int_equal(r.status, 201);
    assert_true(json_is_true(json_object_get(r.json, "person_created")));
    tu_resp_free(&r);

    r = post("/api/v1/enrolments", unit_tok, json_pack("{s:I, s:s, s:s, s:s}", "unit_id", (json_int_t)other_unit_id,
             "id_number", rid("19800101", "945"), "name", "越权", "start_date", "2026-03-30"));
    assert_int_equal(r.status, 404);
    tu_resp_free(&r);
    r = post("/api/v1/enrolments", person_tok, json_pack("{s:s, s:s, s:s}", "id_number", rid("19800101", "956"),
             "name", "本人", "start_date", "2026-03-30"));
    assert_int_equal(r.status, 403);
    tu_resp_free(&r);
    r = post("/api/v1/enrolments", unit_tok, json_pack("{s:s, s:s, s:s, s:s}", "id_number", rid("19800101", "956"),
             "name", "x", "start_date", "2026-03-30", "nationality", "deu"));
    assert_int_equal(r.status, 400);
    assert_string_equal(json_string_value(json_object_get(json_object_get(r.json, "error"), "field")), "nationality");
    tu_resp_free(&r);
    r = post("/api/v1/enrolments", unit_tok, json_pack("{s:s, s:s, s:s, s:s}", "id_number", rid("19800101", "956"),
             "name", "x", "start_date", "2026-03-30", "salary", "1"));
    assert_int_equal(r.status, 400);
    tu_resp_free(&r);
}

static void foreign_employee_with_exemption(void **state) {
    tu_resp r = post("/api/v1/enrolments", unit_tok, json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:i, s:s, s:s}", "kind", "foreign",
        "id_kind", "passport", "id_number", "C7X9Y2Z41", "name", "Lukas Weber", "sex", "M",
        "birth_date", "1984-02-02", "nationality", "DEU", "start_date", "2026-03-16",
        "contract_end", "2029-03-15", "pays_hf", 1, "hf_rate_bp", 1200, "exemption_country", "DEU",
        "exemption_certificate", "DE-A1-77"));
    assert_int_equal(r.status, 201);
    json_t *ex = json_object_get(r.json, "exempt");
    assert_int_equal(json_array_size(ex), 2);
    assert_int_equal(json_array_size(json_object_get(r.json, "spans")), 4);
    tu_resp_free(&r);
    r = post("/api/v1/enrolments", unit_tok, json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:i}", "kind", "foreign", "id_kind", "passport",
        "id_number", "C7X9Y2Z52", "name", "Eva Weber", "sex", "F", "birth_date", "1986-02-02",
        "nationality", "AUT", "start_date", "2026-03-16", "contract_end", "2029-03-15", "pays_hf", 1,
        "hf_rate_bp", 1250));
    assert_int_equal(r.status, 422);
    assert_true(tu_has_rule(&r, "hf_rate_out_of_range"));
    json_t *rules = json_object_get(json_object_get(r.json, "error"), "rules");
    json_t *data = json_object_get(json_array_get(rules, 0), "data");
    assert_int_equal(jint(data, "rate_min_bp"), 500);
    assert_int_equal(jint(data, "rate_max_bp"), 1200);
    tu_resp_free(&r);
}

/* ---- rosters ---- */

/* A file as the body, with its own Content-Type (tu_http sends JSON text). */
static char *roster_csv(bool fixed, const char *tag) {
    char *s = malloc(2048);
    /* rows 2..6; unfixed: row 3 has an impossible date, row 5 a 15-year-old */
    snprintf(s, 2048,
             "\xEF\xBB\xBF证件号码,姓名,性别,用工日期,险种\r\n"
             "%s,%s一,男,2026-03-02,\r\n"
             "%s,%s二,女,%s,\"pension,medical,unemployment,injury,maternity,housing_fund\"\r\n"
             "%s,%s三,男,2026-02-28,\r\n"
             "%s,%s四,女,2026-03-09,\r\n"
             "%s,%s五,男,2026-03-10,\"养老保险，医疗保险、失业、工伤、生育、公积金\"\r\n",
             rid("19910101", "061"), tag, rid("19910101", "072"), tag, fixed ? "2026-03-05" : "2026-02-31",
             rid("19910101", "083"), tag, fixed ? rid("19910101", "094") : rid("20110101", "094"), tag,
             rid("19910101", "105"), tag);
    return s;
}

static void csv_roster_refused_whole_then_enrolled(void **state) {
    char *bad = roster_csv(false, "册");
    tu_resp r = tu_upload(srv, "/api/v1/enrolments/roster", unit_tok, "text/csv; charset=utf-8", bad, strlen(bad));
    assert_int_equal(r.status, 422);
    json_t *err = json_object_get(r.json, "error");
    assert_string_equal(jstr(err, "code"), "roster_rejected");
    json_t *rows = json_object_get(err, "rows");
    assert_int_equal(json_array_size(rows), 2);
    assert_int_equal(jint(json_array_get(rows, 0), "row"), 3);
    assert_string_equal(jstr(json_array_get(rows, 0), "field"), "start_date");
    assert_int_equal(jint(json_array_get(rows, 1), "row"), 5);
    assert_string_equal(jstr(json_array_get(rows, 1), "code"), "age_below_min");
    assert_string_equal(rule_code(&r, 0), "invalid_date");
    tu_resp_free(&r);
    free(bad);

    char *good = roster_csv(true, "册");
    r = tu_upload(srv, "/api/v1/enrolments/roster", unit_tok, "text/csv", good, strlen(good));
    assert_int_equal(r.status, 201);
    assert_int_equal(jint(r.json, "count"), 5);
    assert_int_equal(jint(r.json, "late_count"), 1);   /* 2026-02-28: 31 days */
    json_t *enrolled = json_object_get(r.json, "enrolled");
    for (size_t i = 0; i < 5; i++)   /* nobody was left behind by the refused file */
        assert_true(json_is_true(json_object_get(json_array_get(enrolled, i), "person_created")));
    assert_true(json_is_true(json_object_get(json_array_get(enrolled, 2), "late")));
    tu_resp_free(&r);
    /* the same file again: every row already employed */
    r = tu_upload(srv, "/api/v1/enrolments/roster", unit_tok, "text/csv", good, strlen(good));
    assert_int_equal(r.status, 422);
    assert_int_equal(json_array_size(json_object_get(json_object_get(r.json, "error"), "rows")) >= 5, 1);
    assert_string_equal(rule_code(&r, 0), "already_employed");
    tu_resp_free(&r);
    free(good);
}

static char *roster_xlsx(const char *dir, size_t *len) {
    char path[600];
    snprintf(path, sizeof path, "%s/r.xlsx", dir);
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
    lxw_format *date = workbook_add_format(wb);
    format_set_num_format(date, "yyyy-mm-dd");
    worksheet_write_string(ws, 0, 0, "证件号码/id_number", NULL);
    worksheet_write_string(ws, 0, 1, "name", NULL);
    worksheet_write_string(ws, 0, 2, "用工日期", NULL);
    worksheet_write_string(ws, 0, 3, "手机", NULL);
    lxw_datetime start = {2026, 3, 20, 0, 0, 0};
    worksheet_write_string(ws, 1, 0, rid("19920202", "116"), NULL);
    worksheet_write_string(ws, 1, 1, "表一", NULL);
    worksheet_write_datetime(ws, 1, 2, &start, date);
    worksheet_write_number(ws, 1, 3, 13900001111.0, NULL);
    worksheet_write_string(ws, 2, 0, rid("19920202", "127"), NULL);
    worksheet_write_string(ws, 2, 1, "表二", NULL);
    worksheet_write_datetime(ws, 2, 2, &start, date);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
    return tu_read_file(path, len);
}

static void xlsx_roster_for_a_unit_by_the_clerk(void **state) {
    char *dir = tu_mkdtemp();
    size_t len;
    char *data = roster_xlsx(dir, &len);
    tu_resp r = tu_upload(srv, "/api/v1/enrolments/roster", clerk_tok, XLSX_TYPE, data, len);
    assert_int_equal(r.status, 400);   /* staff name the unit */
    assert_string_equal(tu_err_code(&r), "missing_field");
    tu_resp_free(&r);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/enrolments/roster?unit_id=%lld", (long long)other_unit_id);
    r = tu_upload(srv, path, clerk_tok, "text/csv", data, len);   /* XLSX sent as CSV: not UTF-8 text */
    assert_int_equal(r.status, 400);
    tu_resp_free(&r);
    r = tu_upload(srv, path, clerk_tok, "application/json", data, len);
    assert_int_equal(r.status, 400);
    assert_string_equal(tu_err_code(&r), "unsupported_media_type");
    tu_resp_free(&r);
    r = tu_upload(srv, path, clerk_tok, XLSX_TYPE, data, len);
    assert_int_equal(r.status, 201);
    assert_int_equal(jint(r.json, "count"), 2);
    assert_int_equal(jint(r.json, "unit_id"), other_unit_id);
    tu_resp_free(&r);
    free(data);
    tu_rmtree(dir);
    free(dir);
}

static void roster_over_the_limit_is_413(void **state) {
    size_t n = (size_t)LIMIT_UPLOAD_BYTES_MAX + 1;
    char *big = malloc(n);
    memset(big, 'a', n);
    tu_resp r = tu_upload(srv, "/api/v1/enrolments/roster", unit_tok, "text/csv", big, n);
    assert_int_equal(r.status, 413);
    tu_resp_free(&r);
    free(big);
}

/* ---- termination and the reason change ---- */

static void terminate_and_change_the_reason_once(void **state) {
    const char *id = rid("19850505", "138");
    tu_resp r = post("/api/v1/enrolments", unit_tok, json_pack("{s:s, s:s, s:s}", "id_number", id, "name", "秦一",
                     "start_date", "2026-03-02"));
    assert_int_equal(r.status, 201);
    int64_t emp = jint(r.json, "employment_id");
    tu_resp_free(&r);
    r = post("/api/v1/terminations", unit_tok, json_pack("{s:s, s:s, s:s}", "id_number", id, "end_date", "2026-03-01",
             "reason", "quit"));
    assert_int_equal(r.status, 422);
    assert_true(tu_has_rule(&r, "end_before_start"));
    assert_true(tu_has_rule(&r, "invalid_reason"));
    tu_resp_free(&r);
    r = post("/api/v1/terminations", other_unit_tok, json_pack("{s:s, s:s, s:s}", "id_number", id, "end_date",
             "2026-03-20", "reason", "resignation"));
    assert_int_equal(r.status, 422);
    assert_string_equal(rule_code(&r, 0), "not_employed");
    tu_resp_free(&r);
    r = post("/api/v1/terminations", unit_tok, json_pack("{s:s, s:s, s:s}", "id_number", id, "end_date", "2026-03-20",
             "reason", "resignation"));
    assert_int_equal(r.status, 200);
    assert_string_equal(jstr(r.json, "status"), "terminated");
    assert_true(json_is_true(json_object_get(r.json, "termination_voluntary")));
    assert_string_equal(jstr(json_array_get(json_object_get(r.json, "spans"), 0), "end_month"), "2026-03");
    tu_resp_free(&r);

    char path[96];
    snprintf(path, sizeof path, "/api/v1/terminations/%lld/reason", (long long)emp);
    r = tu_http(srv, "PUT", path, other_unit_tok, "{\"reason\":\"employer_dismissal\"}", NULL);
    assert_int_equal(r.status, 404);
    tu_resp_free(&r);
    r = tu_http(srv, "PUT", path, unit_tok, "{\"reason\":\"employer_dismissal\"}", NULL);
    assert_int_equal(r.status, 200);
    assert_false(json_is_true(json_object_get(r.json, "termination_voluntary")));
    assert_int_equal(jint(r.json, "reason_changes"), 1);
    tu_resp_free(&r);
    r = tu_http(srv, "PUT", path, unit_tok, "{\"reason\":\"mutual_by_employer\"}", NULL);
    assert_int_equal(r.status, 422);
    assert_string_equal(rule_code(&r, 0), "reason_changes_exhausted");
    tu_resp_free(&r);
}

/* ---- transfer records ---- */

static void transfers_by_the_counter_seen_by_the_person(void **state) {
    tu_resp r = post("/api/v1/transfers", clerk_tok, json_pack("{s:I, s:s, s:s, s:s, s:s}", "person_id",
                     (json_int_t)person_id, "direction", "in", "insurance", "pension", "region", "无锡市",
                     "province", "江苏"));
    assert_int_equal(r.status, 201);
    assert_string_equal(jstr(r.json, "status"), "not_needed");
    assert_non_null(strstr(jstr(r.json, "message"), "无需办理转移"));
    tu_resp_free(&r);
    r = post("/api/v1/transfers", clerk_tok, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "person_id",
             (json_int_t)person_id, "direction", "in", "insurance", "medical", "region", "合肥市",
             "province", "安徽", "start_month", "2019-01", "end_month", "2019-12"));
    assert_int_equal(r.status, 201);
    assert_string_equal(jstr(r.json, "status"), "recorded");
    assert_int_equal(jint(r.json, "months"), 12);
    tu_resp_free(&r);
    r = post("/api/v1/transfers", unit_tok, json_pack("{s:I, s:s, s:s, s:s, s:s}", "person_id",
             (json_int_t)person_id, "direction", "in", "insurance", "pension", "region", "无锡市", "province", "江苏"));
    assert_int_equal(r.status, 403);
    tu_resp_free(&r);

    char path[96];
    snprintf(path, sizeof path, "/api/v1/persons/%lld/transfers", (long long)person_id);
    r = tu_http(srv, "GET", path, person_tok, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(jint(r.json, "count"), 2);
    tu_resp_free(&r);
    r = tu_http(srv, "GET", path, clerk_tok, NULL, NULL);
    assert_int_equal(r.status, 200);
    tu_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/persons/%lld/transfers", (long long)person_id + 1);
    r = tu_http(srv, "GET", path, person_tok, NULL, NULL);   /* someone else's: not found */
    assert_int_equal(r.status, 404);
    tu_resp_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unit_enrols_day_30_on_time_day_31_late),
        cmocka_unit_test(refusal_is_422_and_writes_nothing),
        cmocka_unit_test(foreign_employee_with_exemption),
        cmocka_unit_test(csv_roster_refused_whole_then_enrolled),
        cmocka_unit_test(xlsx_roster_for_a_unit_by_the_clerk),
        cmocka_unit_test(roster_over_the_limit_is_413),
        cmocka_unit_test(terminate_and_change_the_reason_once),
        cmocka_unit_test(transfers_by_the_counter_seen_by_the_person),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
