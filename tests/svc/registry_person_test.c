/* svc/registry_person: registration with the document, nationality and hukou
 * checked against each other; contacts; who sees a person and the audit rows
 * of every read; the search; non-key changes; key changes through the
 * application record to their approval (the old identity still finds the
 * person; a refused or failed one changes nothing); relationships, history,
 * the certificate at the month edge and the 'not insured' proof. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "base/idno.h"
#include "base/limits.h"
#include "svc/application.h"
#include "svc/audit.h"
#include "svc/auth.h"
#include "svc/registry.h"
#include "svc/registry_person.h"

/* ---- helpers ---- */

/* An 18-character number laid out like the resident ID, with its check character. */
static void make_doc(const char *prefix6, const char *birth8, const char *order3, char out[19]) {
    char d17[18];
    snprintf(d17, sizeof d17, "%s%s%s", prefix6, birth8, order3);
    snprintf(out, 19, "%s%c", d17, idno_resident_check_char(d17));
}

static void act(tu_env *e, svc_role role, int64_t person, int64_t unit) {
    e->ctx.actor.role = role;
    e->ctx.actor.person_id = person;
    e->ctx.actor.unit_id = unit;
}

static void on(tu_env *e, const char *date) {
    err_detail err = {0};
    assert_int_equal(date_parse(date, "date", &e->ctx.business_date, &err), ERR_OK);
    e->ctx.now_ms = (int64_t)e->ctx.business_date * 86400000LL + 2 * 3600000LL;
}

static bool has_rule(const err_detail *err, const char *code, const char *data) {
    for (int i = 0; i < err->rule_count; i++)
        if (strcmp(err->rules[i].code, code) == 0 && (!data || strstr(err->rules[i].data_json, data)))
            return true;
    return false;
}

static int64_t register_ok(tu_env *e, const reg_person_new *in) {
    svc_actor saved = e->ctx.actor;
    act(e, ROLE_CLERK, 0, 0);
    err_detail err = {0};
    int64_t id = 0;
    if (reg_person_register(&e->ctx, in, &id, &err))
        fail_msg("register: %s (%s)", err.message, err.code);
    e->ctx.actor = saved;
    return id;
}

static int64_t resident(tu_env *e, const char *birth8, const char *order3, const char *name) {
    char id[19];
    make_doc("320571", birth8, order3, id);
    reg_person_new in = {.id_kind = IDNO_RESIDENT, .id_number = id, .name = name};
    return register_ok(e, &in);
}

static void employ(tu_env *e, int64_t person, int64_t unit, const char *status) {
    err_detail err = {0};
    if (store_exec(e->ctx.tx, STORE_Q_PERSON_TEST_EMPLOYMENT_INSERT, &err, "iitti", person, unit,
                   "2024-01-01", status, e->ctx.now_ms))
        fail_msg("employment: %s", err.message);
}

static reg_person get(tu_env *e, int64_t id) {
    reg_person p;
    err_detail err = {0};
    assert_int_equal(reg_person_get(&e->ctx, id, &p, &err), ERR_OK);
    return p;
}

static int64_t count_persons(tu_env *e) {
    store_stmt *st;
    err_detail err = {0};
    assert_int_equal(store_prepare(e->ctx.tx, STORE_Q_PERSON_COUNT_FOR_TEST, &st, &err), ERR_OK);
    bool row = false;
    assert_int_equal(store_step(st, &row, &err), ERR_OK);
    int64_t n = store_col_int(st, 0);
    store_stmt_done(st);
    return n;
}

/* Audit rows about a person with this action (and detail when given). */
static int audit_rows(tu_env *e, int64_t person, const char *action, const char *detail) {
    svc_actor saved = e->ctx.actor;
    act(e, ROLE_ADMIN, 0, 0);
    char target[48];
    snprintf(target, sizeof target, "person:%lld", (long long)person);
    json_t *rows = NULL;
    err_detail err = {0};
    assert_int_equal(audit_list(&e->ctx, target, 0, 1000, &rows, &err), ERR_OK);
    int n = 0;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        if (strcmp(json_string_value(json_object_get(r, "action")), action) != 0) continue;
        if (detail && strcmp(json_string_value(json_object_get(r, "detail")), detail) != 0) continue;
        n++;
    }
    json_decref(rows);
    e->ctx.actor = saved;
    return n;
}

/* ---- registration ---- */

static void register_fills_what_the_document_says(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-11-23");
    int64_t a = resident(e, "19900315", "123", "张伟");
    reg_person p = get(e, a);
    assert_string_equal(p.nationality, "CHN");
    assert_string_equal(p.hukou_kind, "other_province");
    assert_int_equal(p.sex, 'M');

    reg_person_new hk = {.id_kind = IDNO_HKMO_PERMIT, .id_number = "H12345678", .name = "陈大文",
                         .sex = "M", .birth_date = date_from_ymd(1985, 5, 5)};
    p = get(e, register_ok(e, &hk));
    assert_string_equal(p.nationality, "HKG");
    assert_string_equal(p.hukou_kind, "hmt");
    reg_person_new mo = hk;
    mo.id_number = "M87654321";
    p = get(e, register_ok(e, &mo));
    assert_string_equal(p.nationality, "MAC");
    reg_person_new tw = {.id_kind = IDNO_TW_PERMIT, .id_number = "12345678", .name = "林志明",
                         .sex = "M", .birth_date = date_from_ymd(1979, 1, 2)};
    p = get(e, register_ok(e, &tw));
    assert_string_equal(p.nationality, "TWN");
    assert_string_equal(p.hukou_kind, "hmt");
    char res[19];
    make_doc("830000", "19920202", "124", res);
    reg_person_new rp = {.id_kind = IDNO_HMT_RESIDENCE, .id_number = res, .name = "王美玲"};
    p = get(e, register_ok(e, &rp));
    assert_string_equal(p.nationality, "TWN");
    assert_int_equal(p.sex, 'F');
    assert_int_equal(p.birth_date, date_from_ymd(1992, 2, 2));
    reg_person_new pr = {.id_kind = IDNO_FOREIGN_PR, .id_number = "USA123456789012", .name = "Ann Lee",
                         .sex = "F", .birth_date = date_from_ymd(1970, 7, 7)};
    p = get(e, register_ok(e, &pr));
    assert_string_equal(p.nationality, "USA");
    assert_string_equal(p.hukou_kind, "foreign");

    /* a passport does not say: the nationality must be given */
    reg_person_new pp = {.id_kind = IDNO_PASSPORT, .id_number = "X1234567", .name = "Tom",
                         .sex = "M", .birth_date = date_from_ymd(1980, 1, 1)};
    err_detail err = {0};
    int64_t id = 0;
    assert_int_equal(reg_person_register(&e->ctx, &pp, &id, &err), ERR_INVALID);
    assert_string_equal(err.code, "missing_field");
    assert_string_equal(err.field, "nationality");
    pp.nationality = "DEU";
    p = get(e, register_ok(e, &pp));
    assert_string_equal(p.hukou_kind, "foreign");
    /* a Chinese passport (an overseas Chinese without a resident ID) */
    reg_person_new cn = pp;
    cn.id_number = "E12345678";
    cn.nationality = "CHN";
    p = get(e, register_ok(e, &cn));
    assert_string_equal(p.hukou_kind, "other_province");
    tu_env_close(e);
}

static void register_lists_every_mismatch(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-11-23");
    int64_t before = count_persons(e);
    err_detail err = {0};
    int64_t id = 0;

    /* a foreign passport is never sip hukou */
    reg_person_new pp = {.id_kind = IDNO_PASSPORT, .id_number = "X1234567", .name = "Tom", .sex = "M",
                         .birth_date = date_from_ymd(1980, 1, 1), .nationality = "USA",
                         .hukou_kind = "sip"};
    assert_int_equal(reg_person_register(&e->ctx, &pp, &id, &err), ERR_RULE);
    assert_int_equal(err.rule_count, 1);
    assert_true(has_rule(&err, "hukou_mismatch", "\"nationality\":\"USA\",\"hukou_kind\":\"sip\""));

    /* an HK permit is HKG and hmt: both wrong are two rules */
    reg_person_new hk = {.id_kind = IDNO_HKMO_PERMIT, .id_number = "H12345678", .name = "陈大文",
                         .sex = "M", .birth_date = date_from_ymd(1985, 5, 5), .nationality = "MAC",
                         .hukou_kind = "sip"};
    err_clear(&err);
    assert_int_equal(reg_person_register(&e->ctx, &hk, &id, &err), ERR_RULE);
    assert_int_equal(err.rule_count, 2);
    assert_true(has_rule(&err, "nationality_mismatch", "\"implied\":\"HKG\""));
    assert_true(has_rule(&err, "hukou_mismatch", "\"nationality\":\"MAC\""));

    /* a resident ID: CHN, a domestic hukou, its own birth date and sex */
    char id18[19];
    make_doc("320571", "19900315", "123", id18);
    reg_person_new r = {.id_kind = IDNO_RESIDENT, .id_number = id18, .name = "张伟",
                        .nationality = "USA", .hukou_kind = "hmt", .sex = "F",
                        .birth_date = date_from_ymd(1990, 3, 16)};
    err_clear(&err);
    assert_int_equal(reg_person_register(&e->ctx, &r, &id, &err), ERR_RULE);
    assert_int_equal(err.rule_count, 4);
    assert_true(has_rule(&err, "nationality_mismatch", "\"implied\":\"CHN\""));
    assert_true(has_rule(&err, "hukou_mismatch", "\"hukou_kind\":\"hmt\""));
    assert_true(has_rule(&err, "birth_date_mismatch", "\"document\":\"1990-03-15\",\"given\":\"1990-03-16\""));
    assert_true(has_rule(&err, "sex_mismatch", "\"document\":\"M\",\"given\":\"F\""));

    /* a Chinese citizen is not foreign hukou */
    reg_person_new c = {.id_kind = IDNO_RESIDENT, .id_number = id18, .name = "张伟", .hukou_kind = "foreign"};
    err_clear(&err);
    assert_int_equal(reg_person_register(&e->ctx, &c, &id, &err), ERR_RULE);
    assert_int_equal(err.rule_count, 1);
    assert_true(has_rule(&err, "hukou_mismatch", "\"nationality\":\"CHN\""));

    /* the 2023 permanent residence card is for foreigners only */
    char pr18[19];
    make_doc("915000", "19800101", "111", pr18);
    reg_person_new pr = {.id_kind = IDNO_FOREIGN_PR, .id_number = pr18, .name = "Ann", .nationality = "CHN"};
    err_clear(&err);
    assert_int_equal(reg_person_register(&e->ctx, &pr, &id, &err), ERR_RULE);
    assert_int_equal(err.rule_count, 1);   /* the hukou follows the nationality given */
    assert_true(has_rule(&err, "nationality_mismatch", "\"id_kind\":\"foreign_pr\""));
    pr.nationality = "KOR";
    assert_true(register_ok(e, &pr) > 0);
    assert_int_equal(count_persons(e), before + 1);   /* only the last one */
    tu_env_close(e);
}

static void birth_in_future_at_the_edge(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-11-23");
    char id[19];
    make_doc("320571", "20261124", "123", id);
    reg_person_new in = {.id_kind = IDNO_RESIDENT, .id_number = id, .name = "新生儿"};
    err_detail err = {0};
    int64_t pid = 0;
    assert_int_equal(reg_person_register(&e->ctx, &in, &pid, &err), ERR_RULE);
    assert_true(has_rule(&err, "birth_in_future", "\"birth_date\":\"2026-11-24\",\"business_date\":\"2026-11-23\""));
    on(e, "2026-11-24");   /* born today is fine */
    assert_true(register_ok(e, &in) > 0);
    tu_env_close(e);
}

static void register_bad_input(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-11-23");
    char id[19];
    make_doc("320571", "19900315", "123", id);
    static const struct { const char *mobile, *email, *nationality, *sex; const char *field; } bad[] = {
        {"1380000000", NULL, NULL, NULL, "mobile"},      /* 10 digits */
        {"138000000001", NULL, NULL, NULL, "mobile"},    /* 12 digits */
        {"23800000000", NULL, NULL, NULL, "mobile"},     /* not starting with 1 */
        {"1380000000a", NULL, NULL, NULL, "mobile"},
        {NULL, "a@b", NULL, NULL, "email"},
        {NULL, "@b.cn", NULL, NULL, "email"},
        {NULL, "a@@b.cn", NULL, NULL, "email"},
        {NULL, "a b@c.cn", NULL, NULL, "email"},
        {NULL, "a@b.", NULL, NULL, "email"},
        {NULL, NULL, "usa", NULL, "nationality"},
        {NULL, NULL, "US", NULL, "nationality"},
        {NULL, NULL, NULL, "X", "sex"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        reg_person_new in = {.id_kind = IDNO_RESIDENT, .id_number = id, .name = "张伟",
                             .mobile = bad[i].mobile, .email = bad[i].email,
                             .nationality = bad[i].nationality, .sex = bad[i].sex};
        err_detail err = {0};
        int64_t pid = 0;
        if (reg_person_register(&e->ctx, &in, &pid, &err) != ERR_INVALID)
            fail_msg("case %zu accepted", i);
        assert_string_equal(err.field, bad[i].field);
    }
    char addr[REG_ADDRESS_BYTES_MAX + 2];
    memset(addr, 'a', sizeof addr - 1);
    addr[sizeof addr - 1] = 0;
    reg_person_new in = {.id_kind = IDNO_RESIDENT, .id_number = id, .name = "张伟", .address = addr};
    err_detail err = {0};
    int64_t pid = 0;
    assert_int_equal(reg_person_register(&e->ctx, &in, &pid, &err), ERR_INVALID);
    assert_string_equal(err.field, "address");
    addr[REG_ADDRESS_BYTES_MAX] = 0;   /* exactly the limit */
    in.mobile = "13800000000";
    in.email = "zhang.wei@example.cn";
    pid = register_ok(e, &in);
    in.id_number = "32057119900315123";   /* 17 characters */
    err_clear(&err);
    assert_int_equal(reg_person_register(&e->ctx, &in, &pid, &err), ERR_INVALID);
    assert_string_equal(err.code, "idno_length");
    assert_string_equal(err.field, "id_number");
    in.id_number = id;   /* taken */
    err_clear(&err);
    assert_int_equal(reg_person_register(&e->ctx, &in, &pid, &err), ERR_CONFLICT);
    assert_string_equal(err.code, "person_exists");
    tu_env_close(e);
}

static void masks(void **state) {
    char out[REG_ID_MASKED_BYTES];
    reg_person_mask_id("11010519491231002X", out);
    assert_string_equal(out, "1101**********002X");
    reg_person_mask_id("USA123456789012", out);
    assert_string_equal(out, "USA1*******9012");
    reg_person_mask_id("H12345678", out);
    assert_string_equal(out, "H1*****78");
    reg_person_mask_id("", out);
    assert_string_equal(out, "");
}

/* ---- visibility and reads ---- */

typedef struct fx {
    tu_env *e;
    int64_t a, b, c;      /* persons */
    int64_t u1, u2, u3;   /* units */
} fx;

/* a works at u1 now and worked at u2; b has only a span at u3; c nothing. */
static void fx_open(fx *f) {
    f->e = tu_env_open(ROLE_CLERK, "2026-11-23");
    f->a = resident(f->e, "19900315", "123", "张三");
    f->b = resident(f->e, "19880722", "246", "张三丰");
    f->c = resident(f->e, "19750101", "357", "李张");
    f->u1 = tu_add_unit(f->e, "91320594MA1XXXXX0X", "甲公司");
    f->u2 = tu_add_unit(f->e, "91320594MA1YYYYY0Y", "乙公司");
    f->u3 = tu_add_unit(f->e, "91320594MA1ZZZZZ0Z", "丙公司");
    employ(f->e, f->a, f->u1, "active");
    employ(f->e, f->a, f->u2, "terminated");
    err_detail err = {0};
    int64_t sid;
    reg_span_new s = {.person_id = f->b, .unit_id = f->u3, .insurance = INS_INJURY, .payer = "unit",
                      .category = "injury_only", .start_month = 202601, .reason = "单险种"};
    assert_int_equal(reg_span_open(&f->e->ctx, &s, &sid, &err), ERR_OK);
}

static void read_as(fx *f, svc_role role, int64_t person, int64_t unit, int64_t target, err_kind want) {
    act(f->e, role, person, unit);
    json_t *o = NULL;
    err_detail err = {0};
    err_kind k = reg_person_read(&f->e->ctx, target, &o, &err);
    if (k != want) fail_msg("role %d reading %lld: %d %s", role, (long long)target, k, err.message);
    if (!k) assert_int_equal(json_integer_value(json_object_get(o, "id")), target);
    else assert_string_equal(err.code, "person_not_found");
    json_decref(o);
}

static void who_sees_whom(void **state) {
    fx f;
    fx_open(&f);
    read_as(&f, ROLE_PERSON, f.a, 0, f.a, ERR_OK);
    read_as(&f, ROLE_PERSON, f.a, 0, f.b, ERR_NOT_FOUND);
    read_as(&f, ROLE_PERSON, f.a, 0, 999, ERR_NOT_FOUND);
    read_as(&f, ROLE_UNIT, 0, f.u1, f.a, ERR_OK);        /* employs now */
    read_as(&f, ROLE_UNIT, 0, f.u2, f.a, ERR_OK);        /* employed before */
    read_as(&f, ROLE_UNIT, 0, f.u3, f.a, ERR_NOT_FOUND); /* never */
    read_as(&f, ROLE_UNIT, 0, f.u3, f.b, ERR_OK);        /* a span there */
    read_as(&f, ROLE_UNIT, 0, f.u1, f.c, ERR_NOT_FOUND);
    read_as(&f, ROLE_CLERK, 0, 0, f.c, ERR_OK);
    read_as(&f, ROLE_REVIEWER, 0, 0, f.c, ERR_OK);
    read_as(&f, ROLE_FINANCE, 0, 0, f.c, ERR_OK);
    read_as(&f, ROLE_CLERK, 0, 0, 999, ERR_NOT_FOUND);
    read_as(&f, ROLE_NONE, 0, 0, f.a, ERR_NOT_FOUND);
    /* every successful read is one audit row */
    assert_int_equal(audit_rows(f.e, f.a, "person.read", "record"), 3);
    assert_int_equal(audit_rows(f.e, f.b, "person.read", "record"), 1);
    assert_int_equal(audit_rows(f.e, f.c, "person.read", "record"), 3);
    tu_env_close(f.e);
}

static void the_record_in_full(void **state) {
    fx f;
    fx_open(&f);
    act(f.e, ROLE_PERSON, f.a, 0);
    json_t *o = NULL;
    err_detail err = {0};
    assert_int_equal(reg_person_read(&f.e->ctx, f.a, &o, &err), ERR_OK);
    assert_string_equal(json_string_value(json_object_get(o, "name")), "张三");
    assert_string_equal(json_string_value(json_object_get(o, "birth_date")), "1990-03-15");
    assert_int_equal(json_integer_value(json_object_get(o, "age")), 36);
    assert_string_equal(json_string_value(json_object_get(o, "si_number")), "3210000001");
    assert_string_equal(json_string_value(json_object_get(o, "park_number")), "YQ20000001");
    assert_string_equal(json_string_value(json_object_get(o, "hukou_kind_zh")), "外省户籍");
    assert_string_equal(json_string_value(json_object_get(o, "id_kind_zh")), "居民身份证");
    assert_true(json_is_null(json_object_get(o, "mobile")));
    json_decref(o);
    tu_env_close(f.e);
}

/* ---- search ---- */

static int search_count(fx *f, reg_person_query q, err_kind want, bool *truncated) {
    json_t *o = NULL;
    err_detail err = {0};
    if (!q.limit) q.limit = 100;
    err_kind k = reg_person_search(&f->e->ctx, &q, &o, &err);
    if (k != want) fail_msg("search: %d %s", k, err.message);
    if (k) return -1;
    if (truncated) *truncated = json_is_true(json_object_get(o, "truncated"));
    int n = (int)json_integer_value(json_object_get(o, "count"));
    assert_int_equal(json_array_size(json_object_get(o, "items")), n);
    json_decref(o);
    return n;
}

static void search_for_staff(void **state) {
    fx f;
    fx_open(&f);
    act(f.e, ROLE_CLERK, 0, 0);
    reg_person pa = get(f.e, f.a);
    reg_person_query q = {.name = "张"};
    assert_int_equal(search_count(&f, q, ERR_OK, NULL), 2);   /* 张三, 张三丰, not 李张 */
    q.name = "张三丰";
    assert_int_equal(search_count(&f, q, ERR_OK, NULL), 1);
    q.name = "张三丰丰";
    assert_int_equal(search_count(&f, q, ERR_OK, NULL), 0);
    reg_person_query by_id = {.id_number = pa.id_number};
    assert_int_equal(search_count(&f, by_id, ERR_OK, NULL), 1);
    reg_person_query by_si = {.si_number = pa.si_number};
    assert_int_equal(search_count(&f, by_si, ERR_OK, NULL), 1);
    reg_person_query by_park = {.park_number = pa.park_number, .name = "张三丰"};
    assert_int_equal(search_count(&f, by_park, ERR_OK, NULL), 0);   /* criteria combine */
    by_park.name = "张";
    assert_int_equal(search_count(&f, by_park, ERR_OK, NULL), 1);
    bool truncated = false;
    reg_person_query one = {.name = "张", .limit = 1};
    assert_int_equal(search_count(&f, one, ERR_OK, &truncated), 1);
    assert_true(truncated);
    one.limit = 2;
    assert_int_equal(search_count(&f, one, ERR_OK, &truncated), 2);
    assert_false(truncated);
    reg_person_query none = {.name = ""};
    assert_int_equal(search_count(&f, none, ERR_INVALID, NULL), -1);
    reg_person_query too_many = {.name = "张", .limit = LIMIT_QUERY_ROWS_MAX + 1};
    assert_int_equal(search_count(&f, too_many, ERR_INVALID, NULL), -1);
    act(f.e, ROLE_PERSON, f.a, 0);
    assert_int_equal(search_count(&f, q, ERR_FORBIDDEN, NULL), -1);
    act(f.e, ROLE_UNIT, 0, f.u1);
    assert_int_equal(search_count(&f, q, ERR_FORBIDDEN, NULL), -1);
    /* every person found is a read: 张三丰 (b) was found by 3 searches above */
    assert_int_equal(audit_rows(f.e, f.b, "person.read", "search"), 3);
    tu_env_close(f.e);
}

/* ---- non-key changes ---- */

static json_t *history(tu_env *e, int64_t person) {
    svc_actor saved = e->ctx.actor;
    act(e, ROLE_CLERK, 0, 0);
    json_t *h = NULL;
    err_detail err = {0};
    assert_int_equal(reg_person_history(&e->ctx, person, &h, &err), ERR_OK);
    e->ctx.actor = saved;
    return h;
}

static void non_key_changes(void **state) {
    fx f;
    fx_open(&f);
    err_detail err = {0};
    int changed = -1;
    act(f.e, ROLE_PERSON, f.a, 0);
    reg_person_update up = {.mobile = "13912345678", .email = "a@b.cn"};
    assert_int_equal(reg_person_update_contacts(&f.e->ctx, f.a, &up, &changed, &err), ERR_OK);
    assert_int_equal(changed, 2);
    /* the same values again change nothing */
    assert_int_equal(reg_person_update_contacts(&f.e->ctx, f.a, &up, &changed, &err), ERR_OK);
    assert_int_equal(changed, 0);
    json_t *h = history(f.e, f.a);
    json_t *ch = json_object_get(h, "changes");
    assert_int_equal(json_array_size(ch), 2);
    json_t *m = json_array_get(ch, 0);
    assert_string_equal(json_string_value(json_object_get(m, "field")), "mobile");
    assert_true(json_is_null(json_object_get(m, "old_value")));
    assert_string_equal(json_string_value(json_object_get(m, "new_value")), "13912345678");
    assert_string_equal(json_string_value(json_object_get(m, "changed_on")), "2026-11-23");
    json_decref(h);
    up.mobile = "13800000000";
    up.email = NULL;
    assert_int_equal(reg_person_update_contacts(&f.e->ctx, f.a, &up, &changed, &err), ERR_OK);
    h = history(f.e, f.a);
    m = json_array_get(json_object_get(h, "changes"), 2);
    assert_string_equal(json_string_value(json_object_get(m, "old_value")), "13912345678");
    assert_string_equal(json_string_value(json_object_get(m, "new_value")), "13800000000");
    json_decref(h);
    assert_int_equal(audit_rows(f.e, f.a, "person.update", NULL), 2);

    /* a person's hukou change is the counter's */
    reg_person_update hk = {.hukou_kind = "sip"};
    err_clear(&err);
    assert_int_equal(reg_person_update_contacts(&f.e->ctx, f.a, &hk, &changed, &err), ERR_RULE);
    assert_true(has_rule(&err, "hukou_by_counter", NULL));
    assert_int_equal(err.rule_count, 1);
    reg_person_update both = {.hukou_kind = "foreign"};
    err_clear(&err);
    assert_int_equal(reg_person_update_contacts(&f.e->ctx, f.a, &both, &changed, &err), ERR_RULE);
    assert_int_equal(err.rule_count, 2);
    assert_true(has_rule(&err, "hukou_mismatch", NULL));
    /* another person is not found; a unit may not */
    err_clear(&err);
    assert_int_equal(reg_person_update_contacts(&f.e->ctx, f.b, &up, &changed, &err), ERR_NOT_FOUND);
    act(f.e, ROLE_UNIT, 0, f.u1);
    err_clear(&err);
    assert_int_equal(reg_person_update_contacts(&f.e->ctx, f.a, &up, &changed, &err), ERR_FORBIDDEN);
    act(f.e, ROLE_REVIEWER, 0, 0);
    assert_int_equal(reg_person_update_contacts(&f.e->ctx, f.a, &up, &changed, &err), ERR_FORBIDDEN);
    act(f.e, ROLE_CLERK, 0, 0);
    assert_int_equal(reg_person_update_contacts(&f.e->ctx, f.a, &hk, &changed, &err), ERR_OK);
    assert_string_equal(get(f.e, f.a).hukou_kind, "sip");
    reg_person_update nothing = {0};
    err_clear(&err);
    assert_int_equal(reg_person_update_contacts(&f.e->ctx, f.a, &nothing, &changed, &err), ERR_INVALID);
    assert_string_equal(err.code, "missing_field");
    reg_person_update bad = {.mobile = "1234"};
    err_clear(&err);
    assert_int_equal(reg_person_update_contacts(&f.e->ctx, f.a, &bad, &changed, &err), ERR_INVALID);
    assert_string_equal(err.field, "mobile");
    reg_person_update badk = {.hukou_kind = "moon"};
    err_clear(&err);
    assert_int_equal(reg_person_update_contacts(&f.e->ctx, f.a, &badk, &changed, &err), ERR_INVALID);
    assert_string_equal(err.field, "hukou_kind");
    tu_env_close(f.e);
}

/* ---- key changes ---- */

static json_t *kc_body(const char *reason, const char *name, const char *id_number, const char *proof) {
    json_t *changes = json_object();
    if (name) json_object_set_new(changes, "name", json_string(name));
    if (id_number) json_object_set_new(changes, "id_number", json_string(id_number));
    json_t *b = json_pack("{s:o}", "changes", changes);
    if (reason) json_object_set_new(b, "reason", json_string(reason));
    if (proof) json_object_set_new(b, "proof", json_string(proof));
    return b;
}

static err_kind submit_kc(tu_env *e, int64_t person, int64_t unit, json_t *body, int64_t *app,
                          err_detail *err) {
    err_kind k = reg_person_key_change_submit(&e->ctx, person, unit, body, app, err);
    json_decref(body);
    return k;
}

static void accept_and_decide(tu_env *e, int64_t app, bool approve, err_kind want_decide) {
    svc_actor saved = e->ctx.actor;
    err_detail err = {0};
    act(e, ROLE_CLERK, 0, 0);
    assert_int_equal(application_accept(&e->ctx, app, NULL, &err), ERR_OK);
    act(e, ROLE_REVIEWER, 0, 0);
    err_kind k = application_decide(&e->ctx, app, approve, approve ? NULL : "证明不符", &err);
    if (k != want_decide) fail_msg("decide: %d %s", k, err.message);
    e->ctx.actor = saved;
}

static const char *app_state(tu_env *e, int64_t app, json_t **keep) {
    svc_actor saved = e->ctx.actor;
    act(e, ROLE_CLERK, 0, 0);
    err_detail err = {0};
    assert_int_equal(application_get(&e->ctx, app, keep, &err), ERR_OK);
    e->ctx.actor = saved;
    return json_string_value(json_object_get(*keep, "state"));
}

static void key_change_by_the_unit_to_approval(void **state) {
    fx f;
    fx_open(&f);
    reg_person before = get(f.e, f.a);
    err_detail err = {0};
    int64_t user = 0;
    act(f.e, ROLE_ADMIN, 0, 0);
    auth_user_new acct = {.role = "person", .id_number = before.id_number, .password = "Demo@2026x"};
    assert_int_equal(auth_user_create(&f.e->ctx, &acct, &user, &err), ERR_OK);
    char new_id[19];
    make_doc("320571", "19900316", "124", new_id);   /* the birth date was wrong: 16th, a woman */

    act(f.e, ROLE_UNIT, 0, f.u1);
    int64_t app = 0;
    assert_int_equal(submit_kc(f.e, f.a, 0, kc_body("personal_change", "张珊", new_id, "户籍证明.jpg"),
                               &app, &err), ERR_OK);
    json_t *rec = NULL;
    assert_string_equal(app_state(f.e, app, &rec), "submitted");
    assert_int_equal(json_integer_value(json_object_get(rec, "unit_id")), f.u1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(rec, "payload"), "person_id")), f.a);
    json_decref(rec);
    /* nothing changes before approval; a second application waits for the first */
    assert_string_equal(get(f.e, f.a).name, "张三");
    int64_t app2 = 0;
    err_clear(&err);
    assert_int_equal(submit_kc(f.e, f.a, 0, kc_body("contract_error", "张山", NULL, "说明"), &app2, &err), ERR_RULE);
    char want[48];
    snprintf(want, sizeof want, "\"application_id\":%lld", (long long)app);
    assert_true(has_rule(&err, "key_change_pending", want));

    /* accepted on Monday 2026-11-23: due in 3 working days */
    err_clear(&err);
    act(f.e, ROLE_CLERK, 0, 0);
    assert_int_equal(application_accept(&f.e->ctx, app, NULL, &err), ERR_OK);
    assert_string_equal(app_state(f.e, app, &rec), "accepted");
    assert_string_equal(json_string_value(json_object_get(rec, "deadline_on")), "2026-11-26");
    json_decref(rec);
    act(f.e, ROLE_REVIEWER, 0, 0);
    assert_int_equal(application_decide(&f.e->ctx, app, true, NULL, &err), ERR_OK);

    reg_person after = get(f.e, f.a);
    assert_string_equal(after.name, "张珊");
    assert_string_equal(after.id_number, new_id);
    assert_int_equal(after.birth_date, date_from_ymd(1990, 3, 16));
    assert_int_equal(after.sex, 'F');
    assert_string_equal(after.si_number, before.si_number);   /* the numbers stay */
    int64_t found = 0;
    assert_int_equal(reg_person_find(&f.e->ctx, before.id_number, &found, &err), ERR_OK);
    assert_int_equal(found, f.a);
    assert_int_equal(reg_person_find(&f.e->ctx, new_id, &found, &err), ERR_OK);
    assert_int_equal(found, f.a);

    json_t *h = history(f.e, f.a);
    json_t *ids = json_object_get(h, "identities");
    assert_int_equal(json_array_size(ids), 2);
    json_t *old = json_array_get(ids, 0), *cur = json_array_get(ids, 1);
    assert_string_equal(json_string_value(json_object_get(old, "id_number")), before.id_number);
    assert_false(json_is_null(json_object_get(old, "valid_to")));
    assert_false(json_is_true(json_object_get(old, "current")));
    assert_string_equal(json_string_value(json_object_get(cur, "name")), "张珊");
    assert_true(json_is_true(json_object_get(cur, "current")));
    assert_int_equal(json_integer_value(json_object_get(cur, "application_id")), app);
    json_t *changes = json_object_get(h, "changes");
    static const char *const fields[] = {"name", "id_number", "birth_date", "sex"};
    assert_int_equal(json_array_size(changes), 4);
    for (size_t i = 0; i < 4; i++) {
        json_t *c = json_array_get(changes, i);
        assert_string_equal(json_string_value(json_object_get(c, "field")), fields[i]);
        assert_int_equal(json_integer_value(json_object_get(c, "application_id")), app);
    }
    json_decref(h);
    assert_int_equal(audit_rows(f.e, f.a, "person.key_change", NULL), 1);

    /* the search by the old number finds the person, and the sign-in follows the new one */
    act(f.e, ROLE_CLERK, 0, 0);
    reg_person_query q = {.id_number = before.id_number};
    assert_int_equal(search_count(&f, q, ERR_OK, NULL), 1);
    auth_session s;
    auth_login login = {.role = "person", .id_number = new_id, .password = "Demo@2026x"};
    assert_int_equal(auth_sign_in(&f.e->ctx, &login, &s, &err), ERR_OK);
    assert_int_equal(s.actor.person_id, f.a);
    /* and nobody can register with the old number */
    reg_person_new again = {.id_kind = IDNO_RESIDENT, .id_number = before.id_number, .name = "别人"};
    int64_t pid = 0;
    err_clear(&err);
    assert_int_equal(reg_person_register(&f.e->ctx, &again, &pid, &err), ERR_CONFLICT);
    tu_env_close(f.e);
}

static void key_change_rules_all_listed(void **state) {
    fx f;
    fx_open(&f);
    reg_person pb = get(f.e, f.b);
    err_detail err = {0};
    int64_t app = 0;
    act(f.e, ROLE_UNIT, 0, f.u1);
    /* unknown reason, no proof, a number another person has */
    assert_int_equal(submit_kc(f.e, f.a, 0, kc_body("whim", NULL, pb.id_number, NULL), &app, &err), ERR_RULE);
    assert_int_equal(err.rule_count, 3);
    assert_true(has_rule(&err, "unknown_reason", "\"known\":[\"contract_error\",\"personal_change\"]"));
    assert_true(has_rule(&err, "proof_missing", NULL));
    assert_true(has_rule(&err, "id_number_taken", pb.id_number));
    /* a bad check character, an empty proof naming the reason's proof */
    char bad[19];
    make_doc("320571", "19900316", "125", bad);
    bad[17] = bad[17] == '1' ? '2' : '1';
    err_clear(&err);
    assert_int_equal(submit_kc(f.e, f.a, 0, kc_body("contract_error", NULL, bad, " "), &app, &err), ERR_RULE);
    assert_int_equal(err.rule_count, 2);
    assert_true(has_rule(&err, "invalid_id_number", "\"check\":\"idno_check_char\""));
    assert_true(has_rule(&err, "proof_missing", "单位盖章的情况说明"));
    /* nothing to change */
    reg_person pa = get(f.e, f.a);
    err_clear(&err);
    assert_int_equal(submit_kc(f.e, f.a, 0, kc_body("contract_error", pa.name, pa.id_number, "x"), &app, &err), ERR_RULE);
    assert_int_equal(err.rule_count, 1);
    assert_true(has_rule(&err, "no_changes", NULL));
    err_clear(&err);
    assert_int_equal(submit_kc(f.e, f.a, 0, kc_body("contract_error", NULL, NULL, "x"), &app, &err), ERR_RULE);
    assert_true(has_rule(&err, "no_changes", NULL));
    /* an unknown document kind, a blank name */
    json_t *b = kc_body("contract_error", " ", NULL, "x");
    json_object_set_new(json_object_get(b, "changes"), "id_kind", json_string("visa"));
    err_clear(&err);
    assert_int_equal(submit_kc(f.e, f.a, 0, b, &app, &err), ERR_RULE);
    assert_true(has_rule(&err, "invalid_id_kind", "\"id_kind\":\"visa\""));
    assert_true(has_rule(&err, "invalid_name", NULL));
    /* the document the new kind implies must fit the nationality */
    b = kc_body("contract_error", NULL, "H12345678", "x");
    json_object_set_new(json_object_get(b, "changes"), "id_kind", json_string("hkmo_permit"));
    err_clear(&err);
    assert_int_equal(submit_kc(f.e, f.a, 0, b, &app, &err), ERR_RULE);
    assert_int_equal(err.rule_count, 1);
    assert_true(has_rule(&err, "nationality_mismatch", "\"implied\":\"HKG\""));
    /* unknown members are bad input */
    b = kc_body("contract_error", "张山", NULL, "x");
    json_object_set_new(json_object_get(b, "changes"), "sex", json_string("F"));
    err_clear(&err);
    assert_int_equal(submit_kc(f.e, f.a, 0, b, &app, &err), ERR_INVALID);
    /* a former employer may not; a unit that never employed the person does not see them */
    act(f.e, ROLE_UNIT, 0, f.u2);
    err_clear(&err);
    assert_int_equal(submit_kc(f.e, f.a, 0, kc_body("contract_error", "张山", NULL, "x"), &app, &err), ERR_RULE);
    assert_true(has_rule(&err, "not_employed", NULL));
    act(f.e, ROLE_UNIT, 0, f.u3);
    err_clear(&err);
    assert_int_equal(submit_kc(f.e, f.a, 0, kc_body("contract_error", "张山", NULL, "x"), &app, &err), ERR_NOT_FOUND);
    act(f.e, ROLE_PERSON, f.a, 0);
    err_clear(&err);
    assert_int_equal(submit_kc(f.e, f.a, 0, kc_body("contract_error", "张山", NULL, "x"), &app, &err), ERR_FORBIDDEN);
    /* none of this changed anything */
    reg_person now = get(f.e, f.a);
    assert_string_equal(now.name, pa.name);
    assert_string_equal(now.id_number, pa.id_number);
    json_t *h = history(f.e, f.a);
    assert_int_equal(json_array_size(json_object_get(h, "changes")), 0);
    assert_int_equal(json_array_size(json_object_get(h, "identities")), 1);
    json_decref(h);
    tu_env_close(f.e);
}

static void key_change_at_the_counter(void **state) {
    fx f;
    fx_open(&f);
    err_detail err = {0};
    int64_t app = 0;
    act(f.e, ROLE_CLERK, 0, 0);
    /* the unit is the person's current employer */
    assert_int_equal(submit_kc(f.e, f.a, 0, kc_body("contract_error", "张山", NULL, "情况说明"), &app, &err), ERR_OK);
    json_t *rec = NULL;
    app_state(f.e, app, &rec);
    assert_int_equal(json_integer_value(json_object_get(rec, "unit_id")), f.u1);
    assert_int_equal(json_integer_value(json_object_get(rec, "person_id")), f.a);
    json_decref(rec);
    /* the unit named must employ the person now */
    err_clear(&err);
    assert_int_equal(submit_kc(f.e, f.b, f.u3, kc_body("contract_error", "张山", NULL, "x"), &app, &err), ERR_RULE);
    assert_true(has_rule(&err, "not_employed", NULL));
    /* no employer at all */
    err_clear(&err);
    assert_int_equal(submit_kc(f.e, f.c, 0, kc_body("contract_error", "李章", NULL, "x"), &app, &err), ERR_RULE);
    assert_int_equal(err.rule_count, 1);
    assert_true(has_rule(&err, "not_employed", NULL));
    err_clear(&err);
    assert_int_equal(submit_kc(f.e, 999, 0, kc_body("contract_error", "李章", NULL, "x"), &app, &err), ERR_NOT_FOUND);
    tu_env_close(f.e);
}

static void refused_or_failed_key_change_changes_nothing(void **state) {
    fx f;
    fx_open(&f);
    reg_person pa = get(f.e, f.a);
    err_detail err = {0};
    int64_t app = 0;
    char new_id[19];
    make_doc("320571", "19900315", "139", new_id);
    act(f.e, ROLE_UNIT, 0, f.u1);
    assert_int_equal(submit_kc(f.e, f.a, 0, kc_body("contract_error", NULL, new_id, "说明"), &app, &err), ERR_OK);
    accept_and_decide(f.e, app, false, ERR_OK);
    json_t *rec = NULL;
    assert_string_equal(app_state(f.e, app, &rec), "refused");
    json_decref(rec);
    assert_string_equal(get(f.e, f.a).id_number, pa.id_number);
    tu_env_commit(f.e);

    /* submitted again; before approval another person registers with the number */
    act(f.e, ROLE_UNIT, 0, f.u1);
    assert_int_equal(submit_kc(f.e, f.a, 0, kc_body("contract_error", NULL, new_id, "说明"), &app, &err), ERR_OK);
    reg_person_new other = {.id_kind = IDNO_RESIDENT, .id_number = new_id, .name = "他人"};
    register_ok(f.e, &other);
    tu_env_commit(f.e);
    act(f.e, ROLE_CLERK, 0, 0);
    assert_int_equal(application_accept(&f.e->ctx, app, NULL, &err), ERR_OK);
    tu_env_commit(f.e);
    act(f.e, ROLE_REVIEWER, 0, 0);
    err_clear(&err);
    assert_int_equal(application_decide(&f.e->ctx, app, true, NULL, &err), ERR_RULE);
    assert_true(has_rule(&err, "id_number_taken", new_id));
    tu_env_rollback(f.e);   /* as the API does on a refusal */
    assert_string_equal(app_state(f.e, app, &rec), "accepted");
    json_decref(rec);
    reg_person now = get(f.e, f.a);
    assert_string_equal(now.id_number, pa.id_number);
    json_t *h = history(f.e, f.a);
    assert_int_equal(json_array_size(json_object_get(h, "changes")), 0);
    assert_int_equal(json_array_size(json_object_get(h, "identities")), 1);
    json_decref(h);
    tu_env_close(f.e);
}

static void key_change_of_a_person_without_identities(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-11-23");
    char old[19], nid[19];
    make_doc("320571", "19650203", "131", old);
    make_doc("320571", "19650203", "153", nid);
    int64_t p = tu_add_person(e, old, "杨军");   /* a bare row, as before the registry */
    int64_t u = tu_add_unit(e, "91320594MA1XXXXX0X", "甲公司");
    employ(e, p, u, "active");
    err_detail err = {0};
    int64_t app = 0;
    assert_int_equal(submit_kc(e, p, u, kc_body("personal_change", NULL, nid, "户口本"), &app, &err), ERR_OK);
    accept_and_decide(e, app, true, ERR_OK);
    json_t *h = history(e, p);
    json_t *ids = json_object_get(h, "identities");
    assert_int_equal(json_array_size(ids), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(ids, 0), "id_number")), old);
    assert_false(json_is_null(json_object_get(json_array_get(ids, 0), "valid_to")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(ids, 1), "id_number")), nid);
    json_decref(h);
    int64_t found = 0;
    assert_int_equal(reg_person_find(&e->ctx, old, &found, &err), ERR_OK);
    assert_int_equal(found, p);
    tu_env_close(e);
}

/* ---- relationships, history, certificates ---- */

static int64_t open_span(tu_env *e, int64_t person, int64_t unit, reg_insurance ins, month_ym from,
                         month_ym to) {
    reg_span_new s = {.person_id = person, .unit_id = unit, .insurance = ins,
                      .payer = unit ? "unit" : "person", .category = unit ? "sip_a" : "flexible",
                      .start_month = from, .end_month = to, .reason = "测试"};
    err_detail err = {0};
    int64_t id = 0;
    if (reg_span_open(&e->ctx, &s, &id, &err)) fail_msg("span: %s", err.message);
    return id;
}

static void relationships_and_history_by_role(void **state) {
    fx f;
    fx_open(&f);
    open_span(f.e, f.a, f.u2, INS_PENSION, 202401, 202406);
    open_span(f.e, f.a, f.u1, INS_PENSION, 202407, 0);
    err_detail err = {0};
    json_t *o = NULL;
    act(f.e, ROLE_PERSON, f.a, 0);
    assert_int_equal(reg_person_relationships(&f.e->ctx, f.a, &o, &err), ERR_OK);
    assert_int_equal(json_array_size(json_object_get(o, "spans")), 2);
    assert_true(json_is_null(json_object_get(o, "unit_id")));
    assert_non_null(json_object_get(json_array_get(json_object_get(o, "spans"), 0), "events"));
    json_decref(o);
    act(f.e, ROLE_UNIT, 0, f.u2);
    assert_int_equal(reg_person_relationships(&f.e->ctx, f.a, &o, &err), ERR_OK);
    assert_int_equal(json_array_size(json_object_get(o, "spans")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(o, "spans"), 0), "unit_id")), f.u2);
    json_decref(o);
    act(f.e, ROLE_UNIT, 0, f.u3);
    assert_int_equal(reg_person_relationships(&f.e->ctx, f.a, &o, &err), ERR_NOT_FOUND);
    /* history is the person's and the staff's, not the unit's */
    act(f.e, ROLE_UNIT, 0, f.u1);
    assert_int_equal(reg_person_history(&f.e->ctx, f.a, &o, &err), ERR_NOT_FOUND);
    act(f.e, ROLE_PERSON, f.b, 0);
    assert_int_equal(reg_person_history(&f.e->ctx, f.a, &o, &err), ERR_NOT_FOUND);
    act(f.e, ROLE_PERSON, f.a, 0);
    assert_int_equal(reg_person_history(&f.e->ctx, f.a, &o, &err), ERR_OK);
    json_decref(o);
    assert_int_equal(audit_rows(f.e, f.a, "person.read", "relationships"), 2);
    assert_int_equal(audit_rows(f.e, f.a, "person.read", "history"), 1);
    tu_env_close(f.e);
}

static json_t *line_of(json_t *cert, const char *ins) {
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(cert, "insurances"), i, l)
        if (strcmp(json_string_value(json_object_get(l, "insurance")), ins) == 0) return l;
    fail_msg("no line %s", ins);
    return NULL;
}

static json_t *certificate(tu_env *e, int64_t person) {
    json_t *c = NULL;
    err_detail err = {0};
    if (reg_person_certificate(&e->ctx, person, &c, &err)) fail_msg("certificate: %s", err.message);
    return c;
}

static void certificate_months_at_the_month_edge(void **state) {
    fx f;
    fx_open(&f);
    err_detail err = {0};
    /* pension: 2023 at u2 (12 months), then from 2024-01 at u1, suspended 2024-05..07 */
    int64_t s1 = open_span(f.e, f.a, f.u2, INS_PENSION, 202301, 0);
    assert_int_equal(reg_span_close(&f.e->ctx, s1, 202312, "terminated", "离职", &err), ERR_OK);
    int64_t s2 = open_span(f.e, f.a, f.u1, INS_PENSION, 202401, 0);
    assert_int_equal(reg_span_set_status(&f.e->ctx, s2, "suspended", 202405, "中断", &err), ERR_OK);
    assert_int_equal(reg_span_set_status(&f.e->ctx, s2, "normal", 202408, "恢复", &err), ERR_OK);
    int64_t m = open_span(f.e, f.a, f.u2, INS_MEDICAL, 202301, 0);
    assert_int_equal(reg_span_close(&f.e->ctx, m, 202312, "terminated", "离职", &err), ERR_OK);
    int64_t hf = open_span(f.e, f.a, f.u2, INS_HOUSING_FUND, 202301, 0);
    assert_int_equal(reg_span_close(&f.e->ctx, hf, 202312, "sealed", "封存", &err), ERR_OK);
    open_span(f.e, f.a, f.u1, INS_MATERNITY, 202611, 202611);   /* ends this month */
    open_span(f.e, f.a, f.u1, INS_UNEMPLOYMENT, 202612, 0);     /* starts next month */

    on(f.e, "2026-11-30");
    act(f.e, ROLE_PERSON, f.a, 0);
    json_t *c = certificate(f.e, f.a);
    assert_string_equal(json_string_value(json_object_get(c, "business_month")), "2026-11");
    char masked[REG_ID_MASKED_BYTES];
    reg_person_mask_id(get(f.e, f.a).id_number, masked);
    assert_string_equal(json_string_value(json_object_get(c, "id_number_masked")), masked);
    json_t *p = line_of(c, "pension");
    assert_string_equal(json_string_value(json_object_get(p, "status")), "normal");
    assert_string_equal(json_string_value(json_object_get(p, "unit_name")), "甲公司");
    assert_string_equal(json_string_value(json_object_get(p, "first_month")), "2023-01");
    /* 12 + (2024-01..2026-11 = 35, less 3 suspended) = 44 */
    assert_int_equal(json_integer_value(json_object_get(p, "months")), 44);
    json_t *med = line_of(c, "medical");
    assert_string_equal(json_string_value(json_object_get(med, "status")), "terminated");
    assert_string_equal(json_string_value(json_object_get(med, "unit_name")), "乙公司");
    assert_int_equal(json_integer_value(json_object_get(med, "months")), 12);
    assert_string_equal(json_string_value(json_object_get(line_of(c, "housing_fund"), "status")), "sealed");
    json_t *mat = line_of(c, "maternity");
    assert_string_equal(json_string_value(json_object_get(mat, "status")), "normal");
    assert_int_equal(json_integer_value(json_object_get(mat, "months")), 1);
    json_t *un = line_of(c, "unemployment");
    assert_string_equal(json_string_value(json_object_get(un, "status")), "not_insured");
    assert_int_equal(json_integer_value(json_object_get(un, "months")), 0);
    assert_true(json_is_null(json_object_get(un, "first_month")));
    json_t *inj = line_of(c, "injury");
    assert_string_equal(json_string_value(json_object_get(inj, "status_zh")), "未参保");
    assert_true(json_is_null(json_object_get(inj, "unit_id")));
    assert_true(json_is_true(json_object_get(c, "ever_insured")));
    json_decref(c);

    on(f.e, "2026-12-01");   /* the next month counts one more, and the spans turn */
    c = certificate(f.e, f.a);
    assert_int_equal(json_integer_value(json_object_get(line_of(c, "pension"), "months")), 45);
    mat = line_of(c, "maternity");
    assert_string_equal(json_string_value(json_object_get(mat, "status")), "terminated");
    assert_int_equal(json_integer_value(json_object_get(mat, "months")), 1);
    un = line_of(c, "unemployment");
    assert_string_equal(json_string_value(json_object_get(un, "status")), "normal");
    assert_int_equal(json_integer_value(json_object_get(un, "months")), 1);
    json_decref(c);

    /* a suspension still open is not counted */
    assert_int_equal(reg_span_set_status(&f.e->ctx, s2, "suspended", 202611, "中断", &err), ERR_OK);
    c = certificate(f.e, f.a);
    json_t *p2 = line_of(c, "pension");
    assert_string_equal(json_string_value(json_object_get(p2, "status")), "suspended");
    assert_int_equal(json_integer_value(json_object_get(p2, "months")), 43);
    json_decref(c);

    json_t *none = NULL;
    act(f.e, ROLE_UNIT, 0, f.u1);
    assert_int_equal(reg_person_certificate(&f.e->ctx, f.a, &none, &err), ERR_NOT_FOUND);
    act(f.e, ROLE_PERSON, f.b, 0);
    assert_int_equal(reg_person_certificate(&f.e->ctx, f.a, &none, &err), ERR_NOT_FOUND);
    assert_int_equal(audit_rows(f.e, f.a, "person.read", "certificate"), 3);
    tu_env_close(f.e);
}

static void non_insured_proof(void **state) {
    fx f;
    fx_open(&f);
    err_detail err = {0};
    json_t *o = NULL;
    /* c has never been insured */
    act(f.e, ROLE_PERSON, f.c, 0);
    assert_int_equal(reg_person_non_insured_proof(&f.e->ctx, f.c, IDNO_RESIDENT, NULL, NULL, &o, &err), ERR_OK);
    assert_true(json_is_false(json_object_get(o, "insured")));
    assert_true(json_is_true(json_object_get(o, "registered")));
    assert_string_equal(json_string_value(json_object_get(o, "name")), "李张");
    json_decref(o);
    /* a has pension and medical */
    open_span(f.e, f.a, f.u1, INS_PENSION, 202401, 0);
    int64_t m = open_span(f.e, f.a, f.u1, INS_MEDICAL, 202401, 0);
    assert_int_equal(reg_span_close(&f.e->ctx, m, 202402, "terminated", "x", &err), ERR_OK);
    act(f.e, ROLE_PERSON, f.a, 0);
    err_clear(&err);
    assert_int_equal(reg_person_non_insured_proof(&f.e->ctx, f.a, IDNO_RESIDENT, NULL, NULL, &o, &err), ERR_RULE);
    assert_int_equal(err.rule_count, 1);
    assert_true(has_rule(&err, "is_insured", "\"insurances\":[\"pension\",\"medical\"]"));
    /* the refused read is recorded */
    int rows = audit_rows(f.e, f.a, "person.read", "non_insured_proof");
    assert_int_equal(rows, 1);

    /* staff by number: a known person with a wrong name lists both rules */
    act(f.e, ROLE_CLERK, 0, 0);
    reg_person pa = get(f.e, f.a), pc = get(f.e, f.c);
    err_clear(&err);
    assert_int_equal(reg_person_non_insured_proof(&f.e->ctx, 0, IDNO_RESIDENT, pa.id_number, "王五", &o, &err), ERR_RULE);
    assert_int_equal(err.rule_count, 2);
    assert_true(has_rule(&err, "name_mismatch", "王五"));
    assert_true(has_rule(&err, "is_insured", NULL));
    err_clear(&err);
    assert_int_equal(reg_person_non_insured_proof(&f.e->ctx, 0, IDNO_RESIDENT, pc.id_number, "李张", &o, &err), ERR_OK);
    assert_int_equal(json_integer_value(json_object_get(o, "person_id")), f.c);
    json_decref(o);
    /* nobody has the number: the name given is echoed, and needed */
    char none[19];
    make_doc("320571", "20000101", "111", none);
    assert_int_equal(reg_person_non_insured_proof(&f.e->ctx, 0, IDNO_RESIDENT, none, "赵六", &o, &err), ERR_OK);
    assert_true(json_is_false(json_object_get(o, "registered")));
    assert_true(json_is_false(json_object_get(o, "insured")));
    assert_string_equal(json_string_value(json_object_get(o, "name")), "赵六");
    assert_true(json_is_null(json_object_get(o, "person_id")));
    json_decref(o);
    err_clear(&err);
    assert_int_equal(reg_person_non_insured_proof(&f.e->ctx, 0, IDNO_RESIDENT, none, NULL, &o, &err), ERR_INVALID);
    assert_string_equal(err.field, "name");
    err_clear(&err);
    assert_int_equal(reg_person_non_insured_proof(&f.e->ctx, 0, IDNO_RESIDENT, "123", "赵六", &o, &err), ERR_INVALID);
    assert_string_equal(err.field, "id_number");
    act(f.e, ROLE_PERSON, f.c, 0);
    err_clear(&err);
    assert_int_equal(reg_person_non_insured_proof(&f.e->ctx, 0, IDNO_RESIDENT, none, "赵六", &o, &err), ERR_FORBIDDEN);
    tu_env_close(f.e);
}

/* The generic application record passes the person of the record, the
 * payload names one too: they must agree, and one must be given. */
static void key_change_check_names_one_person(void **state) {
    fx f;
    fx_open(&f);
    err_detail err = {0};
    json_t *pl = json_pack("{s:s, s:s, s:{s:s}, s:I}", "reason", "contract_error", "proof", "x",
                           "changes", "name", "张山", "person_id", (json_int_t)f.b);
    assert_int_equal(reg_person_key_change_check(&f.e->ctx, pl, f.a, f.u1, &err), ERR_INVALID);
    assert_string_equal(err.field, "person_id");
    json_object_del(pl, "person_id");
    err_clear(&err);
    assert_int_equal(reg_person_key_change_check(&f.e->ctx, pl, 0, f.u1, &err), ERR_INVALID);
    assert_string_equal(err.code, "missing_field");
    err_clear(&err);
    assert_int_equal(reg_person_key_change_check(&f.e->ctx, pl, f.a, f.u1, &err), ERR_OK);
    act(f.e, ROLE_FINANCE, 0, 0);
    assert_int_equal(reg_person_key_change_check(&f.e->ctx, pl, f.a, f.u1, &err), ERR_FORBIDDEN);
    json_decref(pl);
    tu_env_close(f.e);
}

/* ---- a store failing at every call in turn leaves nothing half done ---- */

static void faults_leave_nothing_half_done(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-11-23");
    int64_t u = tu_add_unit(e, "91320594MA1XXXXX0X", "甲公司");
    char old[19], nid[19];
    make_doc("320571", "19900315", "123", old);
    make_doc("320571", "19900316", "124", nid);
    tu_env_commit(e);
    reg_person_new in = {.id_kind = IDNO_RESIDENT, .id_number = old, .name = "张三",
                         .mobile = "13800000000"};
    int64_t p = 0;
    long n;
    for (n = 1; n < 1000; n++) {
        err_detail err = {0};
        store_fault_set(e->st, n);
        err_kind k = reg_person_register(&e->ctx, &in, &p, &err);
        long calls = store_fault_set(e->st, 0);
        if (k == ERR_OK) { assert_true(calls < n); break; }   /* no failure swallowed */
        assert_int_equal(k, ERR_UNAVAILABLE);
        assert_int_equal(p, 0);
        tu_env_rollback(e);
        assert_int_equal(count_persons(e), 0);
    }
    assert_true(n > 1);
    assert_string_equal(get(e, p).si_number, "3210000001");   /* no number lost to a failure */
    employ(e, p, u, "active");
    err_detail err = {0};
    int64_t app = 0;
    act(e, ROLE_UNIT, 0, u);
    assert_int_equal(submit_kc(e, p, 0, kc_body("personal_change", "张珊", nid, "户口本"), &app, &err), ERR_OK);
    act(e, ROLE_CLERK, 0, 0);
    assert_int_equal(application_accept(&e->ctx, app, NULL, &err), ERR_OK);
    tu_env_commit(e);
    act(e, ROLE_REVIEWER, 0, 0);
    for (n = 1; n < 1000; n++) {
        err_clear(&err);
        store_fault_set(e->st, n);
        err_kind k = application_decide(&e->ctx, app, true, NULL, &err);
        long calls = store_fault_set(e->st, 0);
        if (k == ERR_OK) { assert_true(calls < n); break; }
        assert_int_equal(k, ERR_UNAVAILABLE);
        tu_env_rollback(e);
        reg_person now = get(e, p);
        assert_string_equal(now.id_number, old);
        assert_string_equal(now.name, "张三");
        json_t *h = history(e, p);
        assert_int_equal(json_array_size(json_object_get(h, "identities")), 1);
        assert_int_equal(json_array_size(json_object_get(h, "changes")), 0);
        json_decref(h);
        tu_env_rollback(e);   /* the history read wrote an audit row */
    }
    assert_true(n > 1);
    reg_person after = get(e, p);
    assert_string_equal(after.id_number, nid);
    assert_string_equal(after.name, "张珊");
    json_t *h = history(e, p);
    assert_int_equal(json_array_size(json_object_get(h, "identities")), 2);
    assert_int_equal(json_array_size(json_object_get(h, "changes")), 4);
    json_decref(h);
    tu_env_close(e);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(register_fills_what_the_document_says),
        cmocka_unit_test(register_lists_every_mismatch),
        cmocka_unit_test(birth_in_future_at_the_edge),
        cmocka_unit_test(register_bad_input),
        cmocka_unit_test(masks),
        cmocka_unit_test(who_sees_whom),
        cmocka_unit_test(the_record_in_full),
        cmocka_unit_test(search_for_staff),
        cmocka_unit_test(non_key_changes),
        cmocka_unit_test(key_change_by_the_unit_to_approval),
        cmocka_unit_test(key_change_rules_all_listed),
        cmocka_unit_test(key_change_at_the_counter),
        cmocka_unit_test(refused_or_failed_key_change_changes_nothing),
        cmocka_unit_test(key_change_of_a_person_without_identities),
        cmocka_unit_test(relationships_and_history_by_role),
        cmocka_unit_test(certificate_months_at_the_month_edge),
        cmocka_unit_test(non_insured_proof),
        cmocka_unit_test(key_change_check_names_one_person),
        cmocka_unit_test(faults_leave_nothing_half_done),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
