/* svc/registry (the core): person numbers and refusals, finding a person by
 * a former identity, spans overlapping at the month edge, close, suspend and
 * resume, the active span of a month, the spans as JSON, and categories. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "base/idno.h"
#include "svc/registry.h"

/* A resident ID number with its GB 11643 check character. */
static void make_id(const char *birth8, const char *order3, char out[19]) {
    char d17[18];
    snprintf(d17, sizeof d17, "320571%s%s", birth8, order3);
    snprintf(out, 19, "%s%c", d17, idno_resident_check_char(d17));
}

static reg_person_new resident(const char *id, const char *name) {
    reg_person_new in = {.id_kind = IDNO_RESIDENT, .id_number = id, .name = name};
    return in;
}

static int64_t create_ok(tu_env *e, const reg_person_new *in) {
    err_detail err = {0};
    int64_t id = 0;
    if (reg_person_create(&e->ctx, in, &id, &err)) fail_msg("create: %s (%s)", err.message, err.code);
    assert_true(id > 0);
    return id;
}

static int64_t person(tu_env *e, const char *birth8, const char *order3) {
    char id[19];
    make_id(birth8, order3, id);
    reg_person_new in = resident(id, "测试人");
    return create_ok(e, &in);
}

static bool has_rule(const err_detail *err, const char *code, const char *data) {
    for (int i = 0; i < err->rule_count; i++)
        if (strcmp(err->rules[i].code, code) == 0 && (!data || strstr(err->rules[i].data_json, data)))
            return true;
    return false;
}

/* ---- persons ---- */

static void numbers_are_generated_in_sequence(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-11-23");
    int64_t a = person(e, "19900315", "123"), b = person(e, "19880722", "246");
    reg_person pa, pb;
    err_detail err = {0};
    assert_int_equal(reg_person_get(&e->ctx, a, &pa, &err), ERR_OK);
    assert_int_equal(reg_person_get(&e->ctx, b, &pb, &err), ERR_OK);
    assert_string_equal(pa.si_number, "3210000001");
    assert_string_equal(pb.si_number, "3210000002");
    assert_int_equal(strlen(pa.si_number), 10);
    assert_string_equal(pa.park_number, "YQ20000001");
    assert_string_equal(pb.park_number, "YQ20000002");
    /* what the document carries, and the defaults */
    assert_int_equal(pa.sex, 'M');
    assert_int_equal(pa.birth_date, date_from_ymd(1990, 3, 15));
    assert_string_equal(pa.nationality, "CHN");
    assert_string_equal(pa.hukou_kind, "other_province");
    assert_string_equal(pa.id_kind, "resident");
    tu_env_close(e);
}

static void numbers_survive_a_refused_registration(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-11-23");
    int64_t a = person(e, "19900315", "123");
    char id[19];
    make_id("19900315", "123", id);
    reg_person_new dup = resident(id, "重复");
    err_detail err = {0};
    int64_t out = -1;
    assert_int_equal(reg_person_create(&e->ctx, &dup, &out, &err), ERR_CONFLICT);
    assert_string_equal(err.code, "person_exists");
    assert_int_equal(out, -1);
    int64_t b = person(e, "19880722", "246");
    reg_person pb;
    assert_int_equal(reg_person_get(&e->ctx, b, &pb, &err), ERR_OK);
    assert_string_equal(pb.si_number, "3210000002");
    assert_true(b > a);
    tu_env_close(e);
}

static void refusals_of_create(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-11-23");
    char id[19];
    make_id("19900315", "123", id);
    err_detail err = {0};
    int64_t out = 0;

    char bad[19];
    snprintf(bad, sizeof bad, "%s", id);
    bad[17] = bad[17] == '0' ? '1' : '0';
    reg_person_new in = resident(bad, "甲");
    assert_int_equal(reg_person_create(&e->ctx, &in, &out, &err), ERR_INVALID);
    assert_string_equal(err.code, "idno_check_char");
    assert_string_equal(err.field, "id_number");

    in = resident(id, "");
    err_clear(&err);
    assert_int_equal(reg_person_create(&e->ctx, &in, &out, &err), ERR_INVALID);
    assert_string_equal(err.field, "name");

    char longname[REG_NAME_BYTES_MAX * 2 + 2];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    in = resident(id, longname);
    err_clear(&err);
    assert_int_equal(reg_person_create(&e->ctx, &in, &out, &err), ERR_INVALID);
    assert_string_equal(err.field, "name");
    longname[REG_NAME_BYTES_MAX * 2] = 0;   /* exactly the limit passes */
    in = resident(id, longname);
    assert_true(create_ok(e, &in) > 0);

    reg_person_new pp = {.id_kind = IDNO_PASSPORT, .id_number = "E12345678", .name = "Ann", .sex = "F"};
    err_clear(&err);
    assert_int_equal(reg_person_create(&e->ctx, &pp, &out, &err), ERR_INVALID);
    assert_string_equal(err.code, "missing_field");
    assert_string_equal(err.field, "birth_date");
    pp.birth_date = date_from_ymd(1980, 1, 1);
    pp.sex = NULL;
    err_clear(&err);
    assert_int_equal(reg_person_create(&e->ctx, &pp, &out, &err), ERR_INVALID);
    assert_string_equal(err.field, "sex");
    pp.sex = "X";
    err_clear(&err);
    assert_int_equal(reg_person_create(&e->ctx, &pp, &out, &err), ERR_INVALID);
    assert_string_equal(err.field, "sex");
    pp.sex = "F";
    pp.hukou_kind = "mars";
    err_clear(&err);
    assert_int_equal(reg_person_create(&e->ctx, &pp, &out, &err), ERR_INVALID);
    assert_string_equal(err.field, "hukou_kind");
    pp.hukou_kind = "foreign";
    pp.nationality = "USA";
    int64_t p = create_ok(e, &pp);
    reg_person r;
    assert_int_equal(reg_person_get(&e->ctx, p, &r, &err), ERR_OK);
    assert_int_equal(r.sex, 'F');
    assert_int_equal(r.birth_date, date_from_ymd(1980, 1, 1));
    assert_string_equal(r.nationality, "USA");
    tu_env_close(e);
}

static void find_by_current_and_former_identity(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-11-23");
    char id[19], old[19];
    make_id("19900315", "123", id);
    make_id("19900315", "135", old);
    int64_t p = person(e, "19900315", "123");
    err_detail err = {0};
    int64_t found = 0;
    assert_int_equal(reg_person_find(&e->ctx, id, &found, &err), ERR_OK);
    assert_int_equal(found, p);
    /* lower case and spaces are the same number */
    char spaced[40];
    snprintf(spaced, sizeof spaced, "320571 19900315 %.3s%c", id + 14, id[17] == 'X' ? 'x' : id[17]);
    found = 0;
    assert_int_equal(reg_person_find(&e->ctx, spaced, &found, &err), ERR_OK);
    assert_int_equal(found, p);
    /* an identity row of another number (a former one) finds the person */
    assert_int_equal(store_exec(e->ctx.tx, STORE_Q_REG_IDENTITY_INSERT, &err, "itttin", p,
                                "resident", old, "旧名", (int64_t)1000), ERR_OK);
    found = 0;
    assert_int_equal(reg_person_find(&e->ctx, old, &found, &err), ERR_OK);
    assert_int_equal(found, p);
    /* and so nobody else can register with it */
    reg_person_new in = resident(old, "别人");
    err_clear(&err);
    int64_t out = 0;
    assert_int_equal(reg_person_create(&e->ctx, &in, &out, &err), ERR_CONFLICT);
    assert_string_equal(err.code, "person_exists");
    char none[19];
    make_id("19900315", "146", none);
    err_clear(&err);
    assert_int_equal(reg_person_find(&e->ctx, none, &found, &err), ERR_NOT_FOUND);
    assert_string_equal(err.code, "person_not_found");
    err_clear(&err);
    assert_int_equal(reg_person_find(&e->ctx, NULL, &found, &err), ERR_NOT_FOUND);
    tu_env_close(e);
}

static void get_and_age_at_the_birthday(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-11-23");
    int64_t p = person(e, "20100315", "123");
    reg_person r;
    err_detail err = {0};
    assert_int_equal(reg_person_get(&e->ctx, p, &r, &err), ERR_OK);
    assert_int_equal(reg_person_age(&r, date_from_ymd(2026, 3, 14)), 15);
    assert_int_equal(reg_person_age(&r, date_from_ymd(2026, 3, 15)), 16);
    r.birth_date = 0;
    assert_int_equal(reg_person_age(&r, date_from_ymd(2026, 3, 15)), -1);
    assert_int_equal(reg_person_get(&e->ctx, p + 100, &r, &err), ERR_NOT_FOUND);
    assert_string_equal(err.code, "person_not_found");
    tu_env_close(e);
}

static void hukou_kinds(void **state) {
    static const char *const ok[] = {"sip", "suzhou", "jiangsu", "other_province", "hmt", "foreign"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        assert_true(reg_hukou_valid(ok[i]));
        assert_non_null(reg_hukou_name_zh(ok[i]));
    }
    assert_string_equal(reg_hukou_name_zh("sip"), "园区户籍");
    assert_false(reg_hukou_valid("SIP"));
    assert_false(reg_hukou_valid(""));
    assert_false(reg_hukou_valid(NULL));
}

/* A store failing at any call of a registration leaves no person and no
 * number used, and no failure passes for "nobody has this number". */
static void faults_during_create(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-11-23");
    tu_env_commit(e);
    char id[19];
    make_id("19900315", "123", id);
    reg_person_new in = resident(id, "张三");
    int64_t p = 0;
    long n;
    for (n = 1; n < 1000; n++) {
        err_detail err = {0};
        store_fault_set(e->st, n);
        err_kind k = reg_person_create(&e->ctx, &in, &p, &err);
        long calls = store_fault_set(e->st, 0);
        if (k == ERR_OK) { assert_true(calls < n); break; }
        assert_int_equal(k, ERR_UNAVAILABLE);
        assert_int_equal(p, 0);
        tu_env_rollback(e);
    }
    assert_true(n > 2);
    reg_person r;
    err_detail err = {0};
    assert_int_equal(reg_person_get(&e->ctx, p, &r, &err), ERR_OK);
    assert_string_equal(r.si_number, "3210000001");
    int64_t found = 0;
    assert_int_equal(reg_person_find(&e->ctx, id, &found, &err), ERR_OK);
    assert_int_equal(found, p);
    tu_env_close(e);
}

/* ---- spans ---- */

typedef struct span_fx {
    tu_env *e;
    int64_t p, u1, u2;
} span_fx;

static void span_fx_open(span_fx *f) {
    f->e = tu_env_open(ROLE_CLERK, "2026-11-23");
    f->p = person(f->e, "19900315", "123");
    f->u1 = tu_add_unit(f->e, "91320594MA1XXXXX0X", "甲公司");
    f->u2 = tu_add_unit(f->e, "91320594MA1YYYYY0Y", "乙公司");
}

static reg_span_new span(const span_fx *f, int64_t unit, reg_insurance ins, month_ym from,
                         month_ym to) {
    reg_span_new s = {.person_id = f->p, .unit_id = unit, .insurance = ins, .payer = "unit",
                      .category = "sip_a", .start_month = from, .end_month = to, .reason = "测试"};
    return s;
}

static int64_t open_ok(span_fx *f, const reg_span_new *s) {
    err_detail err = {0};
    int64_t id = 0;
    if (reg_span_open(&f->e->ctx, s, &id, &err)) fail_msg("open: %s (%s)", err.message, err.code);
    return id;
}

static void overlap_at_the_month_edge(void **state) {
    span_fx f;
    span_fx_open(&f);
    reg_span_new a = span(&f, f.u1, INS_PENSION, 202401, 202406);
    int64_t sa = open_ok(&f, &a);
    err_detail err = {0};
    int64_t id = 0;
    /* starting in its last month overlaps */
    reg_span_new b = span(&f, f.u2, INS_PENSION, 202406, 0);
    assert_int_equal(reg_span_open(&f.e->ctx, &b, &id, &err), ERR_RULE);
    assert_int_equal(err.rule_count, 1);
    char want[64];
    snprintf(want, sizeof want, "\"span_id\":%lld", (long long)sa);
    assert_true(has_rule(&err, "already_insured", want));
    assert_true(has_rule(&err, "already_insured", "\"start_month\":\"2024-01\",\"end_month\":\"2024-06\""));
    /* ending in its first month overlaps too */
    reg_span_new c = span(&f, f.u2, INS_PENSION, 202301, 202401);
    err_clear(&err);
    assert_int_equal(reg_span_open(&f.e->ctx, &c, &id, &err), ERR_RULE);
    assert_true(has_rule(&err, "already_insured", NULL));
    /* the month after and the month before do not */
    b.start_month = 202407;
    int64_t sb = open_ok(&f, &b);
    c.end_month = 202312;
    open_ok(&f, &c);
    /* an open span refuses anything later */
    reg_span_new d = span(&f, f.u1, INS_PENSION, 203001, 203012);
    err_clear(&err);
    assert_int_equal(reg_span_open(&f.e->ctx, &d, &id, &err), ERR_RULE);
    snprintf(want, sizeof want, "\"span_id\":%lld", (long long)sb);
    assert_true(has_rule(&err, "already_insured", want));
    assert_true(has_rule(&err, "already_insured", "\"end_month\":\"\""));
    /* another insurance is another relationship */
    reg_span_new m = span(&f, f.u2, INS_MEDICAL, 202406, 0);
    assert_true(open_ok(&f, &m) > 0);
    tu_env_close(f.e);
}

static void close_suspend_resume(void **state) {
    span_fx f;
    span_fx_open(&f);
    reg_span_new a = span(&f, f.u1, INS_PENSION, 202401, 0);
    int64_t s = open_ok(&f, &a);
    err_detail err = {0};
    assert_int_equal(reg_span_set_status(&f.e->ctx, s, "suspended", 202403, "中断", &err), ERR_OK);
    assert_int_equal(reg_span_set_status(&f.e->ctx, s, "suspended", 202404, "再次", &err), ERR_CONFLICT);
    assert_string_equal(err.code, "span_same_status");
    assert_int_equal(reg_span_set_status(&f.e->ctx, s, "normal", 202405, "恢复", &err), ERR_OK);
    assert_int_equal(reg_span_note(&f.e->ctx, s, "tier", 202405, "档次 2", &err), ERR_OK);
    /* closing before the start is clamped to the start month */
    assert_int_equal(reg_span_close(&f.e->ctx, s, 202312, "terminated", "离职", &err), ERR_OK);
    err_clear(&err);
    assert_int_equal(reg_span_close(&f.e->ctx, s, 202406, "terminated", "再次", &err), ERR_CONFLICT);
    assert_string_equal(err.code, "span_closed");
    err_clear(&err);
    assert_int_equal(reg_span_set_status(&f.e->ctx, s, "suspended", 202407, "x", &err), ERR_CONFLICT);
    assert_string_equal(err.code, "span_closed");
    err_clear(&err);
    assert_int_equal(reg_span_close(&f.e->ctx, s + 99, 202406, "terminated", "x", &err), ERR_NOT_FOUND);
    assert_string_equal(err.code, "span_not_found");

    json_t *spans = NULL;
    assert_int_equal(reg_spans_json(&f.e->ctx, f.p, 0, true, &spans, &err), ERR_OK);
    assert_int_equal(json_array_size(spans), 1);
    json_t *sp = json_array_get(spans, 0);
    assert_string_equal(json_string_value(json_object_get(sp, "status")), "terminated");
    assert_string_equal(json_string_value(json_object_get(sp, "end_month")), "2024-01");
    assert_string_equal(json_string_value(json_object_get(sp, "unit_name")), "甲公司");
    json_t *ev = json_object_get(sp, "events");
    static const char *const actions[] = {"open", "suspend", "resume", "tier", "close"};
    static const char *const to[] = {"normal", "suspended", "normal", "normal", "terminated"};
    assert_int_equal(json_array_size(ev), 5);
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(json_string_value(json_object_get(json_array_get(ev, i), "action")), actions[i]);
        assert_string_equal(json_string_value(json_object_get(json_array_get(ev, i), "to")), to[i]);
    }
    assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 1), "effective_month")), "2024-03");
    json_decref(spans);
    tu_env_close(f.e);
}

static void active_span_of_a_month(void **state) {
    span_fx f;
    span_fx_open(&f);
    reg_span_new a = span(&f, f.u1, INS_MEDICAL, 202402, 202405);
    int64_t s = open_ok(&f, &a);
    err_detail err = {0};
    int64_t got = -1;
    assert_int_equal(reg_span_active(&f.e->ctx, f.p, INS_MEDICAL, 202401, &got, &err), ERR_OK);
    assert_int_equal(got, 0);
    assert_int_equal(reg_span_active(&f.e->ctx, f.p, INS_MEDICAL, 202402, &got, &err), ERR_OK);
    assert_int_equal(got, s);
    assert_int_equal(reg_span_active(&f.e->ctx, f.p, INS_MEDICAL, 202405, &got, &err), ERR_OK);
    assert_int_equal(got, s);
    assert_int_equal(reg_span_active(&f.e->ctx, f.p, INS_MEDICAL, 202406, &got, &err), ERR_OK);
    assert_int_equal(got, 0);
    assert_int_equal(reg_span_active(&f.e->ctx, f.p, INS_PENSION, 202403, &got, &err), ERR_OK);
    assert_int_equal(got, 0);
    /* a suspended span is still the person's relationship; a terminated one is not */
    reg_span_new b = span(&f, f.u2, INS_MEDICAL, 202406, 0);
    int64_t s2 = open_ok(&f, &b);
    assert_int_equal(reg_span_set_status(&f.e->ctx, s2, "suspended", 202407, "x", &err), ERR_OK);
    assert_int_equal(reg_span_active(&f.e->ctx, f.p, INS_MEDICAL, 202408, &got, &err), ERR_OK);
    assert_int_equal(got, s2);
    assert_int_equal(reg_span_close(&f.e->ctx, s2, 202409, "terminated", "x", &err), ERR_OK);
    assert_int_equal(reg_span_active(&f.e->ctx, f.p, INS_MEDICAL, 202408, &got, &err), ERR_OK);
    assert_int_equal(got, 0);
    tu_env_close(f.e);
}

static void spans_of_one_unit_newest_first(void **state) {
    span_fx f;
    span_fx_open(&f);
    reg_span_new a = span(&f, f.u1, INS_PENSION, 202401, 202406);
    reg_span_new b = span(&f, f.u2, INS_PENSION, 202407, 0);
    reg_span_new c = span(&f, 0, INS_HOUSING_FUND, 202301, 0);
    c.payer = "person";
    c.category = "flexible";
    c.tier = "2";
    open_ok(&f, &a);
    open_ok(&f, &b);
    open_ok(&f, &c);
    err_detail err = {0};
    json_t *all = NULL, *u1 = NULL;
    assert_int_equal(reg_spans_json(&f.e->ctx, f.p, 0, false, &all, &err), ERR_OK);
    assert_int_equal(json_array_size(all), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(all, 0), "start_month")), "2024-07");
    assert_null(json_object_get(json_array_get(all, 0), "events"));
    json_t *flex = json_array_get(all, 2);
    assert_null(json_object_get(flex, "unit_id"));
    assert_string_equal(json_string_value(json_object_get(flex, "tier")), "2");
    assert_true(json_is_null(json_object_get(flex, "end_month")));
    assert_int_equal(reg_spans_json(&f.e->ctx, f.p, f.u1, true, &u1, &err), ERR_OK);
    assert_int_equal(json_array_size(u1), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(u1, 0), "unit_id")), f.u1);
    json_decref(all);
    json_decref(u1);
    tu_env_close(f.e);
}

/* ---- categories and insurance names ---- */

static void categories_of_the_policy(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-11-23");
    unsigned inc = 0, opt = 0;
    err_detail err = {0};
    assert_int_equal(reg_category(&e->ctx, "sip_a", &inc, &opt, &err), ERR_OK);
    assert_int_equal(inc, (1u << INS_COUNT) - 1);
    assert_int_equal(opt, 1u << INS_HOUSING_SUBSIDY);
    assert_int_equal(reg_category(&e->ctx, "injury_only", &inc, &opt, &err), ERR_OK);
    assert_int_equal(inc, 1u << INS_INJURY);
    assert_int_equal(opt, 0);
    assert_int_equal(reg_category(&e->ctx, "flexible", &inc, &opt, &err), ERR_OK);
    assert_int_equal(inc, opt);
    assert_int_equal(inc, (1u << INS_PENSION) | (1u << INS_MEDICAL) | (1u << INS_HOUSING_FUND));
    assert_int_equal(reg_category(&e->ctx, "sip_c", &inc, &opt, &err), ERR_INVALID);
    assert_string_equal(err.code, "invalid_category");
    err_clear(&err);
    assert_int_equal(reg_category(&e->ctx, NULL, &inc, &opt, &err), ERR_INVALID);
    tu_env_close(e);
}

static void insurance_names(void **state) {
    reg_insurance ins;
    err_detail err = {0};
    for (int i = 0; i < INS_COUNT; i++) {
        assert_int_equal(reg_insurance_parse(reg_insurance_name((reg_insurance)i), "x", &ins, &err), ERR_OK);
        assert_int_equal(ins, i);
    }
    assert_string_equal(reg_insurance_name_zh(INS_HOUSING_FUND), "住房公积金");
    assert_int_equal(reg_insurance_parse("Pension", "insurance", &ins, &err), ERR_INVALID);
    assert_string_equal(err.field, "insurance");
    unsigned bits = 0;
    json_t *arr = json_pack("[s, s]", "pension", "injury");
    assert_int_equal(reg_insurances_parse(arr, "insurances", &bits, &err), ERR_OK);
    assert_int_equal(bits, (1u << INS_PENSION) | (1u << INS_INJURY));
    json_decref(arr);
    arr = json_array();
    assert_int_equal(reg_insurances_parse(arr, "insurances", &bits, &err), ERR_INVALID);
    for (int i = 0; i <= INS_COUNT; i++) json_array_append_new(arr, json_string("pension"));
    assert_int_equal(reg_insurances_parse(arr, "insurances", &bits, &err), ERR_INVALID);
    json_decref(arr);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers_are_generated_in_sequence),
        cmocka_unit_test(numbers_survive_a_refused_registration),
        cmocka_unit_test(refusals_of_create),
        cmocka_unit_test(find_by_current_and_former_identity),
        cmocka_unit_test(get_and_age_at_the_birthday),
        cmocka_unit_test(hukou_kinds),
        cmocka_unit_test(faults_during_create),
        cmocka_unit_test(overlap_at_the_month_edge),
        cmocka_unit_test(close_suspend_resume),
        cmocka_unit_test(active_span_of_a_month),
        cmocka_unit_test(spans_of_one_unit_newest_first),
        cmocka_unit_test(categories_of_the_policy),
        cmocka_unit_test(insurance_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
