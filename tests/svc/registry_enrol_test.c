/* Employees' insured relationships (svc/registry_enrol.c): enrolment at
 * every edge (day 30 and 31, the 16th birthday, the retirement month),
 * foreign employees, rosters, termination, the reason change and transfer
 * records. A refusal lists every rule and writes nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "base/idno.h"
#include "base/table.h"
#include "svc/registry.h"
#include "svc/registry_enrol.h"
#include "svc/registry_unit.h"
#include "svc/retirement.h"
#include "testutil.h"

static tu_env *e;
static int64_t unit_a, unit_b;

static date_days d(const char *s) {
    date_days x = 0;
    err_detail err = {0};
    if (date_parse(s, "d", &x, &err)) fail_msg("bad date %s", s);
    return x;
}

/* A resident ID of the park's area with a valid check character. */
static const char *rid(const char *birth8, const char *order3) {
    static char ids[16][19];
    static int next;
    char d17[18];
    snprintf(d17, sizeof d17, "320571%s%s", birth8, order3);
    char *out = ids[next++ % 16];
    snprintf(out, 19, "%s%c", d17, idno_resident_check_char(d17));
    return out;
}

static int setup(void **state) {
    e = tu_env_open(ROLE_CLERK, "2026-03-31");
    unit_a = tu_add_unit(e, "UNIT-A", "甲科技有限公司");
    unit_b = tu_add_unit(e, "UNIT-B", "乙制造有限公司");
    tu_env_commit(e);   /* a test's rollback keeps the units */
    return 0;
}

static int teardown(void **state) {
    tu_env_close(e);
    return 0;
}

static enrol_in regular(int64_t unit, const char *id, const char *name, const char *start) {
    enrol_in in;
    memset(&in, 0, sizeof in);
    in.unit_id = unit;
    in.person.id_number = id;
    in.person.name = name;
    in.start_date = d(start);
    in.pays_hf = -1;
    return in;
}

static json_t *enrol_ok(const enrol_in *in) {
    json_t *out = NULL;
    err_detail err = {0};
    err_kind k = enrol_employee(&e->ctx, in, &out, &err);
    if (k) {
        for (int i = 0; i < err.rule_count; i++) print_error("rule %s: %s\n", err.rules[i].code, err.rules[i].message);
        fail_msg("enrol: %s [%s]", err.message, err.code);
    }
    return out;
}

static err_detail enrol_refused(const enrol_in *in, err_kind want) {
    json_t *out = NULL;
    err_detail err = {0};
    assert_int_equal(enrol_employee(&e->ctx, in, &out, &err), want);
    assert_null(out);
    return err;
}

static const err_rule *rule_of(const err_detail *err, const char *code) {
    for (int i = 0; i < err->rule_count; i++)
        if (strcmp(err->rules[i].code, code) == 0) return &err->rules[i];
    return NULL;
}

static int64_t jint(const json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }
static const char *jstr(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static bool person_exists(const char *id) {
    int64_t pid = 0;
    err_detail err = {0};
    return reg_person_find(&e->ctx, id, &pid, &err) == ERR_OK;
}

/* The start month of the span of one insurance in an enrolment's answer, or 0. */
static const char *span_month(const json_t *ans, const char *insurance) {
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(ans, "spans"), i, s)
        if (strcmp(jstr(s, "insurance"), insurance) == 0) return jstr(s, "start_month");
    return NULL;
}

/* ---- late flag: day 30 on time, day 31 late ---- */

static void day_30_is_on_time_and_day_31_late(void **state) {
    e->ctx.business_date = d("2026-03-31");
    enrol_in in = regular(unit_a, rid("19900315", "123"), "张伟", "2026-03-01");   /* 30 days before */
    json_t *a = enrol_ok(&in);
    assert_int_equal(jint(a, "days_after_start"), 30);
    assert_false(json_is_true(json_object_get(a, "late")));
    assert_int_equal(jint(a, "late_days"), 0);
    assert_int_equal(jint(a, "deadline_days"), 30);
    assert_true(json_is_true(json_object_get(a, "person_created")));
    assert_non_null(strstr(jstr(a, "message"), "期限内"));
    /* sip_a: every insurance but the optional housing subsidy, from the start month */
    assert_int_equal(json_array_size(json_object_get(a, "spans")), 6);
    assert_string_equal(span_month(a, "pension"), "2026-03");
    assert_string_equal(span_month(a, "housing_fund"), "2026-03");
    assert_null(span_month(a, "housing_subsidy"));
    assert_string_equal(jstr(a, "category"), "sip_a");

    in = regular(unit_a, rid("19880722", "246"), "王芳", "2026-02-28");   /* 31 days before */
    json_t *b = enrol_ok(&in);
    assert_int_equal(jint(b, "days_after_start"), 31);
    assert_true(json_is_true(json_object_get(b, "late")));
    assert_int_equal(jint(b, "late_days"), 1);
    assert_non_null(strstr(jstr(b, "message"), "逾期"));
    assert_string_equal(span_month(b, "pension"), "2026-02");

    json_t *emp = NULL;
    err_detail err = {0};
    assert_int_equal(enrol_employment_json(&e->ctx, jint(b, "employment_id"), &emp, &err), ERR_OK);
    assert_true(json_is_true(json_object_get(emp, "late")));
    assert_int_equal(jint(emp, "late_days"), 1);
    assert_string_equal(jstr(emp, "status"), "active");
    assert_string_equal(jstr(emp, "enrolled_on"), "2026-03-31");
    assert_int_equal(json_array_size(json_object_get(emp, "spans")), 6);
    json_decref(emp);
    assert_int_equal(enrol_employment_json(&e->ctx, jint(a, "employment_id"), &emp, &err), ERR_OK);
    assert_false(json_is_true(json_object_get(emp, "late")));
    json_decref(emp);
    json_decref(a);
    json_decref(b);
}

/* ---- age 16: the day before and the day of the birthday ---- */

static void age_16_the_day_before_and_on_the_birthday(void **state) {
    const char *id = rid("20100315", "135");
    enrol_in in = regular(unit_a, id, "少年", "2026-03-14");
    err_detail err = enrol_refused(&in, ERR_RULE);
    const err_rule *r = rule_of(&err, "age_below_min");
    assert_non_null(r);
    assert_non_null(strstr(r->data_json, "\"age\":15"));
    assert_non_null(strstr(r->data_json, "\"min_age_years\":16"));
    assert_non_null(strstr(r->data_json, "\"allowed_from\":\"2026-03-15\""));
    assert_non_null(strstr(r->message, "16"));
    assert_false(person_exists(id));   /* refused: nothing written, not even the person */

    in = regular(unit_a, id, "少年", "2026-03-15");
    json_t *a = enrol_ok(&in);
    assert_true(person_exists(id));
    json_decref(a);
}

/* ---- the retirement month ---- */

static void retirement_month_edge(void **state) {
    retirement_result rr;
    err_detail err = {0};
    e->ctx.business_date = d("2026-12-31");
    assert_int_equal(retirement_compute(e->ctx.pol, e->ctx.business_date, RETIRE_MALE, 196605, &rr, &err), ERR_OK);
    assert_true(rr.retirement_month > 202605);   /* 60 and a few months of delay */
    char before[DATE_STR_BYTES], first[DATE_STR_BYTES];
    date_format(month_first_day(rr.retirement_month) - 1, before);
    date_format(month_first_day(rr.retirement_month), first);
    const char *id = rid("19660510", "111");
    enrol_in in = regular(unit_a, id, "老张", first);
    err = enrol_refused(&in, ERR_RULE);
    const err_rule *r = rule_of(&err, "age_at_retirement");
    assert_non_null(r);
    assert_non_null(strstr(r->message, "单险种工伤"));
    char rm[MONTH_STR_BYTES], want[40];
    month_format(rr.retirement_month, rm);
    snprintf(want, sizeof want, "\"retirement_month\":\"%s\"", rm);
    assert_non_null(strstr(r->data_json, want));
    assert_false(person_exists(id));

    in = regular(unit_a, id, "老张", before);   /* the last day of the month before */
    json_decref(enrol_ok(&in));
}

static int64_t register_unit(const char *org8, const char *type) {
    static const char org_checks[] = "0123456789X";
    char code[19] = "";
    for (int i = 0; org_checks[i]; i++) {
        char first17[18];
        snprintf(first17, sizeof first17, "91320594%s%c", org8, org_checks[i]);
        snprintf(code, sizeof code, "%s%c", first17, uscc_check_char(first17));
        if (uscc_check(code, NULL) == ERR_OK) break;
    }
    reg_unit_new u = {.code = code, .name = "苏州工业园区某机关", .unit_type = type, .industry_class = 1,
                      .address = "苏州工业园区现代大道 1 号", .contact_name = "周琳",
                      .contact_phone = "051266668888"};
    int64_t id = 0;
    err_detail err = {0};
    if (reg_unit_register(&e->ctx, &u, &id, &err)) fail_msg("unit: %s", err.message);
    return id;
}

static void women_retire_at_55_in_government_units(void **state) {
    int64_t gov = register_unit("MA1GW7K3", "government");
    e->ctx.business_date = d("2026-03-31");
    const char *id = rid("19730601", "262");   /* a woman of 52 */
    enrol_in in = regular(unit_a, id, "李娜", "2026-03-02");
    in.person.sex = "F";
    err_detail err = enrol_refused(&in, ERR_RULE);   /* 50 in an enterprise */
    assert_non_null(rule_of(&err, "age_at_retirement"));
    assert_non_null(strstr(rule_of(&err, "age_at_retirement")->data_json, "\"age_years\":50"));
    in.unit_id = gov;
    json_t *a = enrol_ok(&in);
    assert_string_equal(jstr(a, "category"), "gov");
    assert_int_equal(json_array_size(json_object_get(a, "spans")), 6);
    json_decref(a);
}

/* ---- every rule at once, nothing written ---- */

static void refusal_lists_every_rule_and_writes_nothing(void **state) {
    const char *id = rid("19850101", "777");
    enrol_in in = regular(unit_a, id, "Hans", "2026-04-02");   /* after today, too */
    in.kind = "foreign";
    in.hf_rate_bp = 1300;
    err_detail err = enrol_refused(&in, ERR_RULE);
    static const char *const codes[] = {"document_kind_mismatch", "nationality_mismatch", "contract_end_missing",
                                        "pays_hf_missing", "hf_rate_out_of_range", "start_date_future"};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (!rule_of(&err, codes[i])) fail_msg("missing rule %s", codes[i]);
    assert_string_equal(err.code, "rules_failed");
    assert_false(person_exists(id));
}

static void bad_input_is_invalid(void **state) {
    char wrong[19];
    snprintf(wrong, sizeof wrong, "%s", rid("19900315", "123"));
    wrong[17] = wrong[17] == '0' ? '1' : '0';   /* a wrong check character */
    enrol_in in = regular(unit_a, wrong, "错号", "2026-03-02");
    err_detail err = enrol_refused(&in, ERR_INVALID);
    assert_string_equal(err.field, "id_number");
    in = regular(unit_a, rid("19900101", "001"), NULL, "2026-03-02");
    err = enrol_refused(&in, ERR_INVALID);
    assert_string_equal(err.field, "name");
    in = regular(unit_a, rid("19900101", "001"), "某", "2026-03-02");
    in.kind = "intern";
    err = enrol_refused(&in, ERR_INVALID);
    assert_string_equal(err.field, "kind");
    in = regular(999, rid("19900101", "001"), "某", "2026-03-02");
    err = enrol_refused(&in, ERR_NOT_FOUND);
    in = regular(unit_a, rid("19900101", "001"), "某", "2026-03-02");
    in.category = "nope";
    err = enrol_refused(&in, ERR_INVALID);
    assert_string_equal(err.code, "invalid_category");
    in.category = "flexible";
    err = enrol_refused(&in, ERR_RULE);
    assert_non_null(rule_of(&err, "category_not_for_employees"));
}

static void unit_operators_act_for_their_own_unit(void **state) {
    e->ctx.actor.role = ROLE_UNIT;
    e->ctx.actor.unit_id = unit_b;
    enrol_in in = regular(unit_a, rid("19900101", "002"), "某", "2026-03-02");
    err_detail err = enrol_refused(&in, ERR_NOT_FOUND);
    assert_string_equal(err.code, "unit_not_found");
    in.unit_id = 0;   /* its own */
    json_t *a = enrol_ok(&in);
    assert_int_equal(jint(a, "unit_id"), unit_b);
    json_decref(a);
    e->ctx.actor.role = ROLE_PERSON;
    err = enrol_refused(&in, ERR_FORBIDDEN);
    e->ctx.actor.role = ROLE_CLERK;
    e->ctx.actor.unit_id = 0;
}

/* ---- insurances of the category ---- */

static void optional_insurances_and_required_ones(void **state) {
    enrol_in in = regular(unit_a, rid("19920202", "314"), "赵敏", "2026-03-02");
    in.insurances = (1u << INS_PENSION) | (1u << INS_MEDICAL) | (1u << INS_INJURY) | (1u << INS_MATERNITY) |
                    (1u << INS_HOUSING_FUND) | (1u << INS_HOUSING_SUBSIDY);   /* unemployment left out */
    err_detail err = enrol_refused(&in, ERR_RULE);
    const err_rule *r = rule_of(&err, "insurance_required");
    assert_non_null(r);
    assert_non_null(strstr(r->message, "失业保险"));
    assert_non_null(strstr(r->data_json, "unemployment"));
    in.insurances |= 1u << INS_UNEMPLOYMENT;   /* and the optional subsidy added */
    json_t *a = enrol_ok(&in);
    assert_int_equal(json_array_size(json_object_get(a, "spans")), 7);
    assert_string_equal(span_month(a, "housing_subsidy"), "2026-03");
    json_decref(a);

    in = regular(unit_b, rid("19920202", "425"), "钱七", "2026-03-02");
    in.category = "sip_b";
    in.pays_hf = 0;   /* optional in sip_b */
    a = enrol_ok(&in);
    assert_int_equal(json_array_size(json_object_get(a, "spans")), 5);
    assert_null(span_month(a, "housing_fund"));
    json_decref(a);

    in = regular(unit_b, rid("19920202", "536"), "孙八", "2026-03-02");
    in.pays_hf = 0;   /* not optional in sip_a */
    err = enrol_refused(&in, ERR_RULE);
    assert_non_null(rule_of(&err, "insurance_required"));
}

/* ---- foreign and HK/Macao/Taiwan employees ---- */

static enrol_in foreigner(const char *passport, const char *nat) {
    enrol_in in = regular(unit_a, passport, "Anna Müller", "2026-03-10");
    in.kind = "foreign";
    in.person.id_kind = IDNO_PASSPORT;
    in.person.sex = "F";
    in.person.birth_date = d("1988-04-01");
    in.person.nationality = nat;
    in.contract_end = d("2028-03-09");
    in.pays_hf = 1;
    in.hf_rate_bp = 800;
    return in;
}

static void foreign_employee_with_an_exemption_country(void **state) {
    enrol_in in = foreigner("C01X00T47", "DEU");
    in.exemption_country = "DEU";
    err_detail err = enrol_refused(&in, ERR_RULE);
    assert_non_null(rule_of(&err, "exemption_certificate_missing"));
    in.exemption_certificate = "DE-2026-000123";
    json_t *a = enrol_ok(&in);
    assert_string_equal(jstr(a, "category"), "foreign");
    assert_null(span_month(a, "pension"));        /* exempt under the agreement */
    assert_null(span_month(a, "unemployment"));
    assert_string_equal(span_month(a, "medical"), "2026-03");
    assert_string_equal(span_month(a, "housing_fund"), "2026-03");
    assert_int_equal(json_array_size(json_object_get(a, "spans")), 4);
    json_t *ex = json_object_get(a, "exempt");
    assert_int_equal(json_array_size(ex), 2);
    assert_string_equal(json_string_value(json_array_get(ex, 0)), "pension");
    assert_string_equal(json_string_value(json_array_get(ex, 1)), "unemployment");
    reg_person p;
    assert_int_equal(reg_person_get(&e->ctx, jint(a, "person_id"), &p, &err), ERR_OK);
    assert_string_equal(p.nationality, "DEU");
    assert_string_equal(p.hukou_kind, "foreign");
    json_decref(a);

    in = foreigner("K12345678", "KOR");
    in.exemption_country = "USA";   /* no agreement */
    in.exemption_certificate = "X";
    err = enrol_refused(&in, ERR_RULE);
    assert_non_null(rule_of(&err, "exemption_unknown"));

    in = foreigner("J98765432", "JPN");   /* no exemption: every insurance, pays the housing fund */
    a = enrol_ok(&in);
    assert_int_equal(json_array_size(json_object_get(a, "spans")), 6);
    json_decref(a);

    in = foreigner("F55555555", "FRA");
    in.pays_hf = 0;
    in.hf_rate_bp = 0;
    a = enrol_ok(&in);
    assert_null(span_month(a, "housing_fund"));
    assert_int_equal(json_array_size(json_object_get(a, "spans")), 5);
    json_decref(a);
}

static void hmt_employee_needs_a_hmt_document(void **state) {
    enrol_in in = foreigner("H12345678", "HKG");
    in.kind = "hmt";
    in.person.id_kind = IDNO_HKMO_PERMIT;
    json_t *a = enrol_ok(&in);
    assert_string_equal(jstr(a, "kind"), "hmt");
    json_decref(a);
    in = foreigner("H87654321", "DEU");
    in.kind = "hmt";
    err_detail err = enrol_refused(&in, ERR_RULE);   /* a passport, and not HKG/MAC/TWN */
    assert_non_null(rule_of(&err, "document_kind_mismatch"));
    assert_non_null(rule_of(&err, "nationality_mismatch"));
}

static void hf_rate_out_of_band_names_the_band(void **state) {
    static const struct { int64_t bp; bool ok; } cases[] = {{499, false}, {500, true}, {1200, true}, {1201, false}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char pass[16];
        snprintf(pass, sizeof pass, "P%08d", (int)i);
        enrol_in in = foreigner(pass, "ITA");
        in.hf_rate_bp = cases[i].bp;
        if (cases[i].ok) {
            json_t *a = enrol_ok(&in);
            assert_int_equal(jint(a, "hf_rate_bp"), cases[i].bp);
            json_decref(a);
            continue;
        }
        err_detail err = enrol_refused(&in, ERR_RULE);
        const err_rule *r = rule_of(&err, "hf_rate_out_of_range");
        assert_non_null(r);
        assert_non_null(strstr(r->message, "5%～12%"));
        assert_non_null(strstr(r->message, "500～1200"));
        assert_non_null(strstr(r->data_json, "\"rate_min_bp\":500"));
        assert_non_null(strstr(r->data_json, "\"rate_max_bp\":1200"));
    }
}

/* ---- already employed, cancelled unit, job changes ---- */

static void already_employed_and_cancelled_unit(void **state) {
    const char *id = rid("19910909", "919");
    enrol_in in = regular(unit_a, id, "周九", "2026-03-02");
    json_decref(enrol_ok(&in));
    err_detail err = enrol_refused(&in, ERR_RULE);
    assert_non_null(rule_of(&err, "already_employed"));
    assert_int_equal(err.rule_count, 1);   /* its open spans are this employment's: not listed again */

    int64_t gone = register_unit("MA1GX8L4", "enterprise");
    err = (err_detail){0};
    assert_int_equal(reg_unit_cancel(&e->ctx, gone, "测试注销", &err), ERR_OK);
    in = regular(gone, rid("19910909", "020"), "吴十", "2026-03-02");
    err = enrol_refused(&in, ERR_RULE);
    assert_non_null(rule_of(&err, "unit_cancelled"));
}

static termination_in termination(int64_t unit, const char *id, const char *end, const char *reason) {
    termination_in t = {.unit_id = unit, .id_number = id, .end_date = d(end), .reason = reason};
    return t;
}

static json_t *terminate_ok(const termination_in *t) {
    json_t *out = NULL;
    err_detail err = {0};
    if (enrol_terminate(&e->ctx, t, &out, &err)) fail_msg("terminate: %s [%s]", err.message, err.code);
    return out;
}

static void job_change_in_the_same_month(void **state) {
    e->ctx.business_date = d("2026-03-25");
    const char *id = rid("19930303", "303");
    enrol_in in = regular(unit_a, id, "郑十一", "2026-01-05");
    json_decref(enrol_ok(&in));
    /* still employed at A: B cannot enrol over the open spans */
    in = regular(unit_b, id, "郑十一", "2026-03-20");
    err_detail err = enrol_refused(&in, ERR_RULE);
    const err_rule *r = rule_of(&err, "already_insured");
    assert_non_null(r);
    assert_non_null(strstr(r->message, "甲科技有限公司"));
    termination_in t = termination(unit_a, id, "2026-03-10", "resignation");
    json_decref(terminate_ok(&t));
    json_t *a = enrol_ok(&in);   /* A's spans end in March: B's begin in April */
    assert_string_equal(span_month(a, "pension"), "2026-04");
    assert_string_equal(span_month(a, "housing_fund"), "2026-04");
    json_decref(a);
}

static void open_flexible_span_is_ended(void **state) {
    const char *id = rid("19940404", "404");
    enrol_in in = regular(unit_a, id, "灵活", "2026-01-05");
    json_decref(enrol_ok(&in));
    termination_in t = termination(unit_a, id, "2025-12-31", "resignation");
    json_t *o = NULL;
    err_detail err = {0};
    assert_int_equal(enrol_terminate(&e->ctx, &t, &o, &err), ERR_RULE);   /* before the start */
    assert_non_null(rule_of(&err, "end_before_start"));
    t = termination(unit_a, id, "2026-01-20", "resignation");
    json_t *done = terminate_ok(&t);
    int64_t person = jint(done, "person_id");
    json_decref(done);
    reg_span_new flex = {.person_id = person, .insurance = INS_PENSION, .payer = "person",
                         .category = "flexible", .tier = "pension:1", .start_month = 202602};
    int64_t span = 0;
    err = (err_detail){0};
    assert_int_equal(reg_span_open(&e->ctx, &flex, &span, &err), ERR_OK);
    in = regular(unit_b, id, "灵活", "2026-03-16");
    json_t *a = enrol_ok(&in);
    assert_string_equal(span_month(a, "pension"), "2026-03");
    json_decref(a);
    json_t *spans = NULL;
    assert_int_equal(reg_spans_json(&e->ctx, person, 0, false, &spans, &err), ERR_OK);
    size_t i;
    json_t *s;
    bool ended = false;
    json_array_foreach(spans, i, s)
        if (jint(s, "id") == span) {
            assert_string_equal(jstr(s, "end_month"), "2026-02");
            ended = true;
        }
    assert_true(ended);
    json_decref(spans);
}

/* ---- termination ---- */

static void termination_closes_every_span_at_the_end_month(void **state) {
    const char *id = rid("19870707", "707");
    enrol_in in = regular(unit_a, id, "冯十二", "2025-06-01");
    in.insurances = (1u << INS_PENSION) | (1u << INS_MEDICAL) | (1u << INS_UNEMPLOYMENT) | (1u << INS_INJURY) |
                    (1u << INS_MATERNITY) | (1u << INS_HOUSING_FUND) | (1u << INS_HOUSING_SUBSIDY);
    e->ctx.business_date = d("2025-06-20");
    json_t *a = enrol_ok(&in);
    int64_t emp = jint(a, "employment_id");
    json_decref(a);
    e->ctx.business_date = d("2026-03-31");
    termination_in t = termination(unit_b, id, "2026-02-15", "nope");   /* wrong unit and reason */
    json_t *o = NULL;
    err_detail err = {0};
    assert_int_equal(enrol_terminate(&e->ctx, &t, &o, &err), ERR_RULE);
    assert_non_null(rule_of(&err, "not_employed"));
    assert_non_null(rule_of(&err, "invalid_reason"));
    assert_non_null(strstr(rule_of(&err, "invalid_reason")->message, "resignation"));
    t = termination(unit_a, id, "2026-02-15", "contract_expired");
    o = terminate_ok(&t);
    assert_int_equal(jint(o, "id"), emp);
    assert_string_equal(jstr(o, "status"), "terminated");
    assert_string_equal(jstr(o, "end_date"), "2026-02-15");
    assert_string_equal(jstr(o, "termination_reason"), "contract_expired");
    assert_string_equal(jstr(o, "termination_reason_zh"), "劳动合同期满终止");
    assert_false(json_is_true(json_object_get(o, "termination_voluntary")));
    json_t *spans = json_object_get(o, "spans");
    assert_int_equal(json_array_size(spans), 7);
    size_t i;
    json_t *s;
    int sealed = 0;
    json_array_foreach(spans, i, s) {
        assert_string_equal(jstr(s, "end_month"), "2026-02");
        const char *ins = jstr(s, "insurance");
        bool fund = strcmp(ins, "housing_fund") == 0 || strcmp(ins, "housing_subsidy") == 0;
        assert_string_equal(jstr(s, "status"), fund ? "sealed" : "terminated");   /* 封存 */
        sealed += fund;
    }
    assert_int_equal(sealed, 2);
    json_decref(o);
    err = (err_detail){0};
    assert_int_equal(enrol_terminate(&e->ctx, &t, &o, &err), ERR_RULE);   /* no longer employed */
    assert_non_null(rule_of(&err, "not_employed"));

    in = regular(unit_a, rid("19870707", "818"), "陈十三", "2026-03-02");
    a = enrol_ok(&in);
    json_decref(a);
    t = termination(unit_a, in.person.id_number, "2026-03-20", "resignation");
    o = terminate_ok(&t);
    assert_true(json_is_true(json_object_get(o, "termination_voluntary")));
    json_decref(o);
}

/* ---- termination reason change ---- */

static int64_t enrol_and_terminate(const char *id, const char *start, const char *end) {
    enrol_in in = regular(unit_a, id, "褚十四", start);
    json_t *a = enrol_ok(&in);
    int64_t emp = jint(a, "employment_id");
    json_decref(a);
    termination_in t = termination(unit_a, id, end, "resignation");
    json_decref(terminate_ok(&t));
    return emp;
}

static void reason_change_once_then_refused(void **state) {
    int64_t emp = enrol_and_terminate(rid("19890909", "191"), "2025-09-01", "2026-01-31");
    e->ctx.actor.role = ROLE_UNIT;
    e->ctx.actor.unit_id = unit_a;
    json_t *o = NULL;
    err_detail err = {0};
    assert_int_equal(enrol_reason_change(&e->ctx, emp, "resignation", &o, &err), ERR_RULE);
    assert_non_null(rule_of(&err, "reason_unchanged"));
    err = (err_detail){0};
    assert_int_equal(enrol_reason_change(&e->ctx, emp, "employer_dismissal", &o, &err), ERR_OK);
    assert_string_equal(jstr(o, "termination_reason"), "employer_dismissal");
    assert_false(json_is_true(json_object_get(o, "termination_voluntary")));
    assert_int_equal(jint(o, "reason_changes"), 1);
    json_decref(o);
    o = NULL;
    assert_int_equal(enrol_reason_change(&e->ctx, emp, "mutual_by_employer", &o, &err), ERR_RULE);
    const err_rule *r = rule_of(&err, "reason_changes_exhausted");
    assert_non_null(r);
    assert_non_null(strstr(r->data_json, "\"changes\":1"));
    assert_non_null(strstr(r->data_json, "\"max\":1"));
    assert_null(o);
    /* another unit's operator does not see it */
    e->ctx.actor.unit_id = unit_b;
    err = (err_detail){0};
    assert_int_equal(enrol_reason_change(&e->ctx, emp, "mutual_by_employer", &o, &err), ERR_NOT_FOUND);
    e->ctx.actor.role = ROLE_CLERK;
    e->ctx.actor.unit_id = 0;
}

/* Insured elsewhere since: a span outside the unit starting in the
 * termination month does not count, one starting the month after does. */
static void reason_change_after_insured_elsewhere(void **state) {
    int64_t emp = enrol_and_terminate(rid("19860606", "606"), "2025-09-01", "2026-01-31");
    json_t *o = NULL;
    err_detail err = {0};
    json_t *emp_json = NULL;
    assert_int_equal(enrol_employment_json(&e->ctx, emp, &emp_json, &err), ERR_OK);
    int64_t person = jint(emp_json, "person_id");
    json_decref(emp_json);
    reg_span_new same_month = {.person_id = person, .insurance = INS_HOUSING_SUBSIDY, .payer = "person",
                               .category = "flexible", .start_month = 202601, .end_month = 202601};
    int64_t span = 0;
    assert_int_equal(reg_span_open(&e->ctx, &same_month, &span, &err), ERR_OK);
    assert_int_equal(enrol_reason_change(&e->ctx, emp, "employer_closed", &o, &err), ERR_OK);
    json_decref(o);

    int64_t emp2 = enrol_and_terminate(rid("19860606", "717"), "2025-09-01", "2026-01-31");
    assert_int_equal(enrol_employment_json(&e->ctx, emp2, &emp_json, &err), ERR_OK);
    int64_t person2 = jint(emp_json, "person_id");
    json_decref(emp_json);
    enrol_in in = regular(unit_b, rid("19860606", "717"), "褚十四", "2026-02-01");
    json_t *a = enrol_ok(&in);   /* a new job the day after */
    assert_int_equal(jint(a, "person_id"), person2);
    assert_string_equal(span_month(a, "pension"), "2026-02");
    json_decref(a);
    o = NULL;
    err = (err_detail){0};
    assert_int_equal(enrol_reason_change(&e->ctx, emp2, "employer_closed", &o, &err), ERR_RULE);
    const err_rule *r = rule_of(&err, "insured_elsewhere");
    assert_non_null(r);
    assert_non_null(strstr(r->data_json, "\"start_month\":\"2026-02\""));
    assert_non_null(strstr(r->data_json, "\"termination_month\":\"2026-01\""));
    assert_non_null(strstr(r->message, "乙制造有限公司"));
    assert_int_equal(err.rule_count, 1);

    /* both rules at once: changed already and insured elsewhere */
    err = (err_detail){0};
    assert_int_equal(reg_span_open(&e->ctx, &(reg_span_new){.person_id = person, .insurance = INS_HOUSING_SUBSIDY,
                     .payer = "person", .category = "flexible", .start_month = 202602}, &span, &err), ERR_OK);
    err = (err_detail){0};
    assert_int_equal(enrol_reason_change(&e->ctx, emp, "employer_dismissal", &o, &err), ERR_RULE);
    assert_non_null(rule_of(&err, "reason_changes_exhausted"));
    assert_non_null(rule_of(&err, "insured_elsewhere"));
    assert_int_equal(err.rule_count, 2);
}

/* ---- rosters ---- */

static table csv_table(const char *text) {
    table t;
    err_detail err = {0};
    if (table_read(e->ar, TABLE_CSV, text, strlen(text), &t, &err)) fail_msg("csv: %s", err.message);
    return t;
}

static const char *roster_csv(bool fixed) {
    static char buf[2048];
    snprintf(buf, sizeof buf,
             "\xEF\xBB\xBF证件号码,姓名,性别,用工日期,人员类别,险种,手机\r\n"
             "%s,甲一,男,2026-03-02,普通,,13800000001\r\n"
             "%s,乙二,女,2026/3/5,,\"pension,medical,unemployment,injury,maternity,housing_fund\",\r\n"
             "%s,丙三,男,%s,,,\r\n"
             "%s,丁四,女,20260228,,,\r\n"
             "%s,戊五,男,2026-03-09,,,\r\n",
             rid("19900101", "011"), rid("19900101", "022"), rid("19900101", "033"),
             fixed ? "2026-03-03" : "2026-02-30",
             rid("19900101", "044"), fixed ? rid("19900101", "055") : rid("20110101", "055"));
    return buf;
}

static void roster_with_bad_rows_is_refused_whole(void **state) {
    table t = csv_table(roster_csv(false));
    json_t *out = NULL, *bad = NULL;
    err_detail err = {0};
    assert_int_equal(enrol_roster(&e->ctx, unit_a, &t, &out, &bad, &err), ERR_RULE);
    assert_null(out);
    assert_string_equal(err.code, "roster_rejected");
    assert_non_null(strstr(err.message, "2 行有误"));
    assert_int_equal(json_array_size(bad), 2);
    json_t *p0 = json_array_get(bad, 0), *p1 = json_array_get(bad, 1);
    assert_int_equal(jint(p0, "row"), 4);
    assert_string_equal(jstr(p0, "field"), "start_date");
    assert_string_equal(jstr(p0, "column"), "用工日期");
    assert_string_equal(jstr(p0, "code"), "invalid_date");
    assert_int_equal(jint(p1, "row"), 6);
    assert_string_equal(jstr(p1, "field"), "birth_date");
    assert_string_equal(jstr(p1, "code"), "age_below_min");
    assert_non_null(strstr(jstr(p1, "message"), "16"));
    assert_int_equal(err.rule_count, 2);
    assert_non_null(strstr(err.rules[0].message, "第 4 行"));
    json_decref(bad);
    tu_env_rollback(e);   /* as every channel does on a refusal */
    assert_false(person_exists(rid("19900101", "011")));

    t = csv_table(roster_csv(true));
    err = (err_detail){0};
    assert_int_equal(enrol_roster(&e->ctx, unit_a, &t, &out, &bad, &err), ERR_OK);
    assert_int_equal(jint(out, "count"), 5);
    assert_int_equal(jint(out, "late_count"), 1);   /* row 5: 2026-02-28 is 31 days before */
    assert_true(json_is_true(json_object_get(json_array_get(json_object_get(out, "enrolled"), 3), "late")));
    json_t *rows = json_object_get(out, "enrolled");
    assert_int_equal(jint(json_array_get(rows, 0), "row"), 2);
    assert_int_equal(jint(json_array_get(rows, 4), "row"), 6);
    json_decref(out);
    assert_true(person_exists(rid("19900101", "055")));
}

static void roster_duplicates_and_headers(void **state) {
    char text[1024];
    const char *id = rid("19900101", "066");
    snprintf(text, sizeof text, "id_number,NAME,start_date\n%s,a,2026-03-02\n%s,b,2026-03-02\n,c,\n", id, id);
    table t = csv_table(text);
    json_t *out = NULL, *bad = NULL;
    err_detail err = {0};
    assert_int_equal(enrol_roster(&e->ctx, unit_a, &t, &out, &bad, &err), ERR_RULE);
    assert_int_equal(json_array_size(bad), 3);   /* the duplicate; row 4 without number and date */
    assert_int_equal(jint(json_array_get(bad, 0), "row"), 3);
    assert_string_equal(jstr(json_array_get(bad, 0), "code"), "duplicate_in_file");
    assert_non_null(strstr(jstr(json_array_get(bad, 0), "message"), "第 2 行"));
    assert_string_equal(jstr(json_array_get(bad, 1), "code"), "missing_field");
    assert_int_equal(jint(json_array_get(bad, 2), "row"), 4);
    json_decref(bad);
    tu_env_rollback(e);

    t = csv_table("证件号码,姓名,工号\n1,2,3\n");
    err = (err_detail){0};
    assert_int_equal(enrol_roster(&e->ctx, unit_a, &t, &out, &bad, &err), ERR_INVALID);
    assert_string_equal(err.code, "roster_unknown_column");
    t = csv_table("证件号码/id_number,姓名\n1,2\n");
    err = (err_detail){0};
    assert_int_equal(enrol_roster(&e->ctx, unit_a, &t, &out, &bad, &err), ERR_INVALID);
    assert_string_equal(err.code, "roster_missing_column");
    assert_non_null(strstr(err.message, "用工日期"));
    t = csv_table("证件号码,姓名,用工日期\n");
    err = (err_detail){0};
    assert_int_equal(enrol_roster(&e->ctx, unit_a, &t, &out, &bad, &err), ERR_INVALID);
    assert_string_equal(err.code, "roster_no_rows");
}

static void roster_from_xlsx_with_foreign_columns(void **state) {
    char *dir = tu_mkdtemp();
    char path[600];
    snprintf(path, sizeof path, "%s/roster.xlsx", dir);
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
    lxw_format *date = workbook_add_format(wb);
    format_set_num_format(date, "yyyy-mm-dd");
    lxw_format *pct = workbook_add_format(wb);
    format_set_num_format(pct, "0%");
    static const char *const head[] = {"证件类型", "证件号码", "姓名", "性别", "出生日期", "国籍", "用工日期",
                                       "合同终止日期", "人员类别", "是否缴存公积金", "公积金缴存比例",
                                       "互免协议国家", "互免证明编号"};
    for (int c = 0; c < 13; c++) worksheet_write_string(ws, 0, (lxw_col_t)c, head[c], NULL);
    lxw_datetime birth = {1985, 5, 5, 0, 0, 0}, start = {2026, 3, 16, 0, 0, 0}, end = {2028, 3, 15, 0, 0, 0};
    worksheet_write_string(ws, 1, 0, "护照", NULL);
    worksheet_write_string(ws, 1, 1, "KR7654321", NULL);
    worksheet_write_string(ws, 1, 2, "Kim Minsu", NULL);
    worksheet_write_string(ws, 1, 3, "男", NULL);
    worksheet_write_datetime(ws, 1, 4, &birth, date);
    worksheet_write_string(ws, 1, 5, "kor", NULL);
    worksheet_write_datetime(ws, 1, 6, &start, date);
    worksheet_write_datetime(ws, 1, 7, &end, date);
    worksheet_write_string(ws, 1, 8, "外籍", NULL);
    worksheet_write_string(ws, 1, 9, "是", NULL);
    worksheet_write_number(ws, 1, 10, 0.12, pct);
    worksheet_write_string(ws, 1, 11, "KOR", NULL);
    worksheet_write_string(ws, 1, 12, "KR-CERT-9", NULL);
    worksheet_write_string(ws, 2, 1, rid("19950505", "505"), NULL);
    worksheet_write_string(ws, 2, 2, "褚十五", NULL);
    worksheet_write_datetime(ws, 2, 6, &start, date);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
    size_t len;
    char *data = tu_read_file(path, &len);
    table t;
    err_detail err = {0};
    assert_int_equal(table_read(e->ar, TABLE_XLSX, data, len, &t, &err), ERR_OK);
    json_t *out = NULL, *bad = NULL;
    if (enrol_roster(&e->ctx, unit_a, &t, &out, &bad, &err)) {
        char *s = json_dumps(bad, 0);
        fail_msg("roster: %s %s", err.message, s ? s : "");
    }
    assert_int_equal(jint(out, "count"), 2);
    json_t *first = json_array_get(json_object_get(out, "enrolled"), 0);
    json_t *emp = NULL;
    assert_int_equal(enrol_employment_json(&e->ctx, jint(first, "employment_id"), &emp, &err), ERR_OK);
    assert_string_equal(jstr(emp, "kind"), "foreign");
    assert_int_equal(jint(emp, "hf_rate_bp"), 1200);
    assert_string_equal(jstr(emp, "exemption_country"), "KOR");
    assert_int_equal(json_array_size(json_object_get(emp, "spans")), 4);   /* no pension, no unemployment */
    json_decref(emp);
    json_decref(out);
    free(data);
    tu_rmtree(dir);
    free(dir);
}

/* ---- transfers ---- */

static void transfers_within_jiangsu_are_not_needed(void **state) {
    int64_t person = tu_add_person(e, rid("19800808", "808"), "蒋十六");
    transfer_in in = {.person_id = person, .direction = "in", .insurance = "pension", .region = "南京市",
                      .province = "江苏省"};
    json_t *o = NULL;
    err_detail err = {0};
    assert_int_equal(enrol_transfer_record(&e->ctx, &in, &o, &err), ERR_OK);
    assert_string_equal(jstr(o, "status"), "not_needed");
    assert_int_equal(jint(o, "months"), 0);
    assert_non_null(strstr(jstr(o, "message"), "无需办理转移"));
    assert_non_null(strstr(jstr(o, "message"), "2021 年 10 月 11 日"));
    json_decref(o);

    in = (transfer_in){.person_id = person, .direction = "in", .insurance = "unemployment", .region = "杭州市",
                       .province = "浙江", .start_month = 202001, .end_month = 202106};
    assert_int_equal(enrol_transfer_record(&e->ctx, &in, &o, &err), ERR_OK);
    assert_string_equal(jstr(o, "status"), "recorded");
    assert_int_equal(jint(o, "months"), 18);
    json_decref(o);

    in = (transfer_in){.person_id = person, .direction = "out", .insurance = "injury", .region = "上海市",
                       .province = "上海", .start_month = 202106, .end_month = 202001};
    assert_int_equal(enrol_transfer_record(&e->ctx, &in, &o, &err), ERR_RULE);
    assert_non_null(rule_of(&err, "insurance_not_transferable"));
    assert_non_null(rule_of(&err, "months_reversed"));
    err = (err_detail){0};
    in = (transfer_in){.person_id = person, .direction = "out", .insurance = "pension", .region = "上海市",
                       .province = "上海"};
    assert_int_equal(enrol_transfer_record(&e->ctx, &in, &o, &err), ERR_RULE);
    assert_non_null(rule_of(&err, "months_missing"));

    /* before the Jiangsu integration a move within the province was a transfer */
    e->ctx.business_date = d("2021-10-10");
    err = (err_detail){0};
    in = (transfer_in){.person_id = person, .direction = "in", .insurance = "pension", .region = "南京市",
                       .province = "江苏"};
    assert_int_equal(enrol_transfer_record(&e->ctx, &in, &o, &err), ERR_RULE);
    assert_non_null(rule_of(&err, "months_missing"));
    e->ctx.business_date = d("2026-03-31");

    json_t *rows = NULL;
    assert_int_equal(enrol_transfers_json(&e->ctx, person, &rows, &err), ERR_OK);
    assert_int_equal(json_array_size(rows), 2);
    assert_string_equal(jstr(json_array_get(rows, 0), "insurance"), "unemployment");   /* newest first */
    json_decref(rows);
    e->ctx.actor.role = ROLE_PERSON;
    e->ctx.actor.person_id = person;
    assert_int_equal(enrol_transfers_json(&e->ctx, person, &rows, &err), ERR_OK);
    json_decref(rows);
    assert_int_equal(enrol_transfer_record(&e->ctx, &in, &o, &err), ERR_FORBIDDEN);
    e->ctx.actor.person_id = person + 1000;
    assert_int_equal(enrol_transfers_json(&e->ctx, person, &rows, &err), ERR_NOT_FOUND);
    e->ctx.actor.role = ROLE_CLERK;
    e->ctx.actor.person_id = 0;
}

int main(void) {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(day_30_is_on_time_and_day_31_late),
        T(age_16_the_day_before_and_on_the_birthday),
        T(retirement_month_edge),
        T(women_retire_at_55_in_government_units),
        T(refusal_lists_every_rule_and_writes_nothing),
        T(bad_input_is_invalid),
        T(unit_operators_act_for_their_own_unit),
        T(optional_insurances_and_required_ones),
        T(foreign_employee_with_an_exemption_country),
        T(hmt_employee_needs_a_hmt_document),
        T(hf_rate_out_of_band_names_the_band),
        T(already_employed_and_cancelled_unit),
        T(job_change_in_the_same_month),
        T(open_flexible_span_is_ended),
        T(termination_closes_every_span_at_the_end_month),
        T(reason_change_once_then_refused),
        T(reason_change_after_insured_elsewhere),
        T(roster_with_bad_rows_is_refused_whole),
        T(roster_duplicates_and_headers),
        T(roster_from_xlsx_with_foreign_columns),
        T(transfers_within_jiangsu_are_not_needed),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
