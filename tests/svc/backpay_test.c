/* Back-payments, the base raise and medical subsidy credits (svc/backpay.c)
 * at every edge: 6 months back done directly, 7 and 35 through an
 * application (approved: the bill), 36 refused; housing fund 24 and 25; a
 * month outside every span; two months under two policy periods; a raise
 * downward refused and one upward creating the differences; the subsidy
 * saved twice and generated for active and retired members. Each test has a
 * database of its own. */
#include <sqlite3.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "base/idno.h"
#include "ledger/ledger.h"
#include "svc/application.h"
#include "svc/backpay.h"
#include "svc/collection.h"
#include "svc/contribution.h"
#include "svc/registry.h"
#include "svc/registry_enrol.h"
#include "testutil.h"

#define BIT(i) (1u << (i))
#define ALL_INS (BIT(INS_COUNT) - 1u)
#define SI_ONLY (BIT(INS_PENSION) | BIT(INS_MEDICAL) | BIT(INS_UNEMPLOYMENT) | BIT(INS_INJURY) | \
                 BIT(INS_MATERNITY))

static tu_env *e;
static int64_t unit;

/* ---- helpers ---- */

static date_days d(const char *s) {
    date_days x = 0;
    err_detail err = {0};
    if (date_parse(s, "d", &x, &err)) fail_msg("bad date %s", s);
    return x;
}

static month_ym m(const char *s) {
    month_ym x = 0;
    err_detail err = {0};
    if (month_parse(s, "m", &x, &err)) fail_msg("bad month %s", s);
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
    (void)state;
    e = tu_env_open(ROLE_CLERK, "2026-03-10");
    unit = tu_add_unit(e, "UNIT-BP", "补缴测试有限公司");
    /* the medical subsidy business opened, as the fund collection section does */
    e->ctx.actor.role = ROLE_FINANCE;
    json_t *out = NULL;
    err_detail err = {0};
    if (backpay_med_permit_set(&e->ctx, unit, true, &out, &err)) fail_msg("permit: %s", err.message);
    json_decref(out);
    e->ctx.actor.role = ROLE_CLERK;
    return 0;
}

static int teardown(void **state) {
    (void)state;
    tu_env_close(e);
    return 0;
}

static void on(const char *date) { e->ctx.business_date = d(date); }

static void as(svc_role role) { e->ctx.actor.role = role; }

static void print_rules(const err_detail *err) {
    for (int i = 0; i < err->rule_count; i++)
        print_error("rule %s: %s %s\n", err->rules[i].code, err->rules[i].message, err->rules[i].data_json);
}

/* Enrols an employee of the unit into every insurance (housing subsidy too) from start. */
static int64_t enrol(const char *order, const char *name, const char *start) {
    enrol_in in;
    memset(&in, 0, sizeof in);
    in.unit_id = unit;
    in.person.id_number = rid("19900315", order);
    in.person.name = name;
    in.start_date = d(start);
    in.pays_hf = -1;
    in.insurances = ALL_INS;
    json_t *out = NULL;
    err_detail err = {0};
    if (enrol_employee(&e->ctx, &in, &out, &err)) {
        print_rules(&err);
        fail_msg("enrol: %s [%s]", err.message, err.code);
    }
    int64_t id = json_integer_value(json_object_get(out, "person_id"));
    json_decref(out);
    return id;
}

static backpay_in req(int64_t person, unsigned set, const char *from, const char *to) {
    backpay_in in = {.unit_id = unit, .person_id = person, .insurances = set,
                     .from_month = m(from), .to_month = m(to), .wage_fen = 800000,
                     .reason = "入职时漏报，补缴"};
    return in;
}

static json_t *bp_ok(const backpay_in *in) {
    json_t *out = NULL;
    err_detail err = {0};
    if (backpay_submit(&e->ctx, in, &out, &err)) {
        print_rules(&err);
        fail_msg("backpay: %s [%s]", err.message, err.code);
    }
    return out;
}

static err_detail bp_refused(const backpay_in *in, err_kind want) {
    json_t *out = NULL;
    err_detail err = {0};
    err_kind k = backpay_submit(&e->ctx, in, &out, &err);
    if (k != want) print_rules(&err);
    assert_int_equal(k, want);
    assert_null(out);
    return err;
}

static const err_rule *rule_of(const err_detail *err, const char *code) {
    for (int i = 0; i < err->rule_count; i++)
        if (strcmp(err->rules[i].code, code) == 0) return &err->rules[i];
    fail_msg("rule %s not among %d rules", code, err->rule_count);
    return NULL;
}

static json_t *rule_data(const err_detail *err, const char *code) {
    json_t *data = json_loads(rule_of(err, code)->data_json, 0, NULL);
    assert_non_null(data);
    return data;
}

static json_int_t jint(const json_t *o, const char *k) {
    const json_t *v = json_object_get(o, k);
    if (!json_is_integer(v)) fail_msg("no integer %s", k);
    return json_integer_value(v);
}

static const char *jstr(const json_t *o, const char *k) {
    const char *s = json_string_value(json_object_get(o, k));
    if (!s) fail_msg("no string %s", k);
    return s;
}

/* The line of a bill for a month and an insurance. */
static const json_t *line_of(const json_t *bill, const char *month, const char *ins) {
    const json_t *lines = json_object_get(bill, "lines");
    for (size_t i = 0; i < json_array_size(lines); i++) {
        const json_t *l = json_array_get(lines, i);
        if (strcmp(jstr(l, "month"), month) == 0 && strcmp(jstr(l, "insurance"), ins) == 0) return l;
    }
    fail_msg("no line %s %s", month, ins);
    return NULL;
}

static money_fen natural(ledger_owner owner, int64_t id, const char *kind) {
    money_fen v = 0;
    err_detail err = {0};
    if (ledger_natural_balance(e->ctx.tx, owner, id, kind, &v, &err))
        fail_msg("balance: %s [%s]", err.message, err.code);
    return v;
}

/* Bills of a kind for the unit and month (the first one's id, and how many). */
static int64_t bill_find(month_ym month, const char *kind) {
    store_stmt *st;
    err_detail err = {0};
    if (store_prepare(e->ctx.tx, STORE_Q_BP_BILL_FIND, &st, &err)) fail_msg("%s", err.message);
    store_bind_int(st, 1, unit);
    store_bind_int(st, 2, month);
    store_bind_text(st, 3, kind);
    bool row = false;
    if (store_step(st, &row, &err)) fail_msg("%s", err.message);
    int64_t id = row ? store_col_int(st, 0) : 0;
    store_stmt_done(st);
    return id;
}

static int64_t bill_application(int64_t bill_id) {
    store_stmt *st;
    err_detail err = {0};
    if (store_prepare(e->ctx.tx, STORE_Q_BP_BILL_GET, &st, &err)) fail_msg("%s", err.message);
    store_bind_int(st, 1, bill_id);
    bool row = false;
    if (store_step(st, &row, &err) || !row) fail_msg("bill %lld", (long long)bill_id);
    int64_t app = store_col_int(st, 10);
    store_stmt_done(st);
    return app;
}

/* ---- back-payment: how far back ---- */

static void six_months_back_is_done_directly(void **state) {
    int64_t p = enrol("101", "补一", "2025-01-01");
    backpay_in in = req(p, BIT(INS_PENSION) | BIT(INS_MEDICAL), "2025-09", "2026-02");
    json_t *out = bp_ok(&in);
    assert_string_equal(jstr(out, "mode"), "direct");
    assert_int_equal(jint(out, "months_back"), 6);
    json_t *bill = json_object_get(out, "bill");
    assert_string_equal(jstr(bill, "kind"), "backpay");
    assert_string_equal(jstr(bill, "month"), "2026-03");
    assert_string_equal(jstr(bill, "due_on"), "2026-03-25");   /* contrib.due_day */
    assert_true(json_is_null(json_object_get(bill, "application_id")));
    assert_int_equal(jint(bill, "line_count"), 12);            /* 6 months x 2 insurances */
    const json_t *l = line_of(bill, "2025-09", "pension");
    assert_string_equal(jstr(l, "kind"), "backpay");
    assert_int_equal(jint(l, "base_fen"), 800000);
    assert_int_equal(jint(l, "unit_fen"), 128000);             /* 16% */
    assert_int_equal(jint(l, "personal_fen"), 64000);          /* 8% */
    l = line_of(bill, "2026-02", "medical");
    assert_int_equal(jint(l, "unit_fen"), 60000);              /* 7.5% */
    assert_int_equal(jint(l, "personal_fen"), 16000);          /* 2% */
    assert_int_equal(jint(bill, "unit_total_fen"), 6 * (128000 + 60000));
    assert_int_equal(jint(bill, "personal_total_fen"), 6 * (64000 + 16000));
    money_fen total = 6 * (128000 + 60000 + 64000 + 16000);
    assert_int_equal(natural(OWNER_UNIT, unit, "receivable"), total);
    assert_int_equal(natural(OWNER_POOL, 0, "contrib_due"), total);
    json_decref(out);
    /* The same months again: already billed. */
    err_detail err = bp_refused(&in, ERR_RULE);
    json_t *data = rule_data(&err, "already_assessed");
    assert_string_equal(jstr(data, "insurance"), "pension");
    assert_string_equal(json_string_value(json_array_get(json_object_get(data, "months"), 0)),
                        "2025-09/2026-02");
    json_decref(data);
}

static void bill_made_after_the_due_day_is_due_that_day(void **state) {
    on("2026-03-27");
    int64_t p = enrol("102", "补二", "2025-01-01");
    backpay_in in = req(p, BIT(INS_PENSION), "2026-02", "2026-02");
    json_t *out = bp_ok(&in);
    assert_string_equal(jstr(json_object_get(out, "bill"), "due_on"), "2026-03-27");
    json_decref(out);
}

static json_t *app_get(int64_t id) {
    json_t *o = NULL;
    err_detail err = {0};
    if (application_get(&e->ctx, id, &o, &err)) fail_msg("app: %s", err.message);
    return o;
}

static void seven_months_back_needs_an_application_approved_into_a_bill(void **state) {
    int64_t p = enrol("103", "补三", "2025-01-01");
    backpay_in in = req(p, BIT(INS_PENSION) | BIT(INS_MEDICAL), "2025-08", "2025-09");
    json_t *out = bp_ok(&in);
    assert_string_equal(jstr(out, "mode"), "application");
    assert_int_equal(jint(out, "months_back"), 7);
    json_t *app = json_object_get(out, "application");
    assert_string_equal(jstr(app, "item_id"), "contrib.backpay.si-6m-3y");
    assert_string_equal(jstr(app, "state"), "submitted");
    assert_int_equal(jint(app, "unit_id"), unit);
    assert_int_equal(jint(app, "person_id"), p);
    json_t *mats = json_object_get(app, "materials");
    assert_int_equal(json_array_size(mats), 3);
    assert_non_null(strstr(jstr(json_array_get(mats, 0), "name"), "情况说明"));
    assert_non_null(strstr(jstr(json_array_get(mats, 1), "name"), "薪资证明"));
    assert_non_null(strstr(jstr(json_array_get(mats, 2), "name"), "考勤资料"));
    json_t *pl = json_object_get(app, "payload");
    assert_string_equal(jstr(pl, "from_month"), "2025-08");
    assert_int_equal(jint(pl, "wage_fen"), 800000);
    int64_t id = jint(app, "id");
    json_decref(out);
    assert_int_equal(bill_find(m("2026-03"), "backpay"), 0);   /* nothing billed before approval */

    err_detail err = {0};
    assert_int_equal(application_accept(&e->ctx, id, NULL, &err), ERR_OK);
    app = app_get(id);
    assert_string_equal(jstr(app, "deadline_on"), "2026-03-17");   /* 5 working days */
    json_decref(app);
    as(ROLE_REVIEWER);
    if (application_decide(&e->ctx, id, true, NULL, &err)) fail_msg("decide: %s", err.message);
    int64_t bill = bill_find(m("2026-03"), "backpay");
    assert_true(bill > 0);
    assert_int_equal(bill_application(bill), id);
    assert_int_equal(natural(OWNER_UNIT, unit, "receivable"), 2 * (128000 + 64000 + 60000 + 16000));
}

static void long_back_payment_needs_the_reason(void **state) {
    int64_t p = enrol("104", "补四", "2025-01-01");
    backpay_in in = req(p, BIT(INS_PENSION), "2025-08", "2025-08");
    in.reason = NULL;
    err_detail err = bp_refused(&in, ERR_RULE);
    assert_int_equal(err.rule_count, 1);
    rule_of(&err, "reason_missing");
}

static void thirty_five_months_is_an_application_thirty_six_refused(void **state) {
    int64_t p = enrol("105", "补五", "2023-01-01");
    backpay_in in = req(p, SI_ONLY, "2023-04", "2023-05");
    json_t *out = bp_ok(&in);
    assert_string_equal(jstr(out, "mode"), "application");
    assert_int_equal(jint(out, "months_back"), 35);
    json_decref(out);
    in = req(p, BIT(INS_PENSION), "2023-03", "2023-05");
    err_detail err = bp_refused(&in, ERR_RULE);
    assert_int_equal(err.rule_count, 1);
    json_t *data = rule_data(&err, "too_old");
    assert_int_equal(jint(data, "months"), 36);
    assert_int_equal(jint(data, "max_months"), 36);
    json_decref(data);
    assert_non_null(strstr(err.rules[0].message, "36"));
}

static void housing_fund_24_months_direct_25_refused(void **state) {
    on("2026-07-10");
    int64_t p = enrol("106", "补六", "2024-01-01");
    backpay_in in = req(p, BIT(INS_HOUSING_FUND) | BIT(INS_HOUSING_SUBSIDY), "2024-07", "2024-07");
    json_t *out = bp_ok(&in);
    assert_string_equal(jstr(out, "mode"), "direct");
    assert_int_equal(jint(out, "months_back"), 24);
    json_t *bill = json_object_get(out, "bill");
    const json_t *hf = line_of(bill, "2024-07", "housing_fund");
    assert_int_equal(jint(hf, "unit_fen"), 80000);              /* 10% both sides */
    assert_int_equal(jint(hf, "personal_fen"), 80000);
    const json_t *hs = line_of(bill, "2024-07", "housing_subsidy");
    assert_int_equal(jint(hs, "base_fen"), jint(hf, "base_fen"));
    assert_int_equal(jint(hs, "unit_fen"), 40000);              /* 5%, unit only */
    assert_int_equal(jint(hs, "personal_fen"), 0);
    json_decref(out);
    in = req(p, BIT(INS_HOUSING_FUND), "2024-06", "2024-06");
    err_detail err = bp_refused(&in, ERR_RULE);
    assert_int_equal(err.rule_count, 1);
    json_t *data = rule_data(&err, "hf_too_old");
    assert_int_equal(jint(data, "months"), 25);
    assert_int_equal(jint(data, "max_months"), 24);
    json_decref(data);
}

static void a_month_outside_every_span_is_refused_with_every_rule(void **state) {
    int64_t p = enrol("107", "补七", "2025-12-01");
    backpay_in in = req(p, BIT(INS_PENSION) | BIT(INS_MEDICAL), "2025-11", "2026-01");
    err_detail err = bp_refused(&in, ERR_RULE);
    assert_int_equal(err.rule_count, 2);                        /* one per insurance */
    json_t *data = rule_data(&err, "not_insured_that_month");
    assert_string_equal(jstr(data, "insurance"), "pension");
    assert_int_equal(json_array_size(json_object_get(data, "months")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(data, "months"), 0)), "2025-11");
    assert_non_null(strstr(err.rules[0].message, "2025-11"));
    json_decref(data);
    /* Reaching into the current month too: both problems at once. */
    in.to_month = m("2026-03");
    err = bp_refused(&in, ERR_RULE);
    assert_int_equal(err.rule_count, 3);
    rule_of(&err, "not_past");
    /* December on: covered. */
    in = req(p, BIT(INS_PENSION), "2025-12", "2026-01");
    json_decref(bp_ok(&in));
}

static void each_month_is_computed_under_its_own_policy(void **state) {
    on("2025-12-10");
    int64_t p = enrol("108", "补八", "2025-01-01");
    backpay_in in = req(p, BIT(INS_PENSION), "2025-06", "2025-07");
    in.wage_fen = 300000;                                       /* below both floors */
    json_t *out = bp_ok(&in);
    json_t *bill = json_object_get(out, "bill");
    const json_t *june = line_of(bill, "2025-06", "pension"), *july = line_of(bill, "2025-07", "pension");
    assert_int_equal(jint(june, "base_fen"), 449400);           /* policy year 2024 */
    assert_int_equal(jint(june, "unit_fen"), 71904);
    assert_int_equal(jint(june, "personal_fen"), 35952);
    assert_int_equal(jint(july, "base_fen"), 460000);           /* policy year 2025 */
    assert_int_equal(jint(july, "unit_fen"), 73600);
    assert_int_equal(jint(july, "personal_fen"), 36800);
    json_decref(out);
}

static void a_unit_operator_back_pays_only_its_own_employees(void **state) {
    int64_t p = enrol("109", "补九", "2025-01-01");
    int64_t other = tu_add_unit(e, "UNIT-OT", "其他有限公司");
    as(ROLE_UNIT);
    e->ctx.actor.unit_id = other;
    backpay_in in = req(p, BIT(INS_PENSION), "2026-01", "2026-02");
    in.unit_id = 0;
    err_detail err = bp_refused(&in, ERR_NOT_FOUND);
    assert_string_equal(err.code, "person_not_found");
    in.unit_id = unit;                                          /* naming another unit */
    err = bp_refused(&in, ERR_NOT_FOUND);
    assert_string_equal(err.code, "unit_not_found");
    e->ctx.actor.unit_id = unit;
    in.unit_id = 0;
    json_decref(bp_ok(&in));
    as(ROLE_PERSON);
    err = bp_refused(&in, ERR_FORBIDDEN);
}

/* ---- the base raise ---- */

/* A regular bill of the month as the monthly assessment makes it, at the base in force. */
static void regular_bill(int64_t p, const char *month) {
    err_detail err = {0};
    money_fen base = 0;
    if (contrib_base_for(&e->ctx, p, unit, m(month), &base, &err)) fail_msg("base: %s", err.message);
    contrib_quote_in qi = {.month = m(month), .wage_fen = base, .insurances = ALL_INS,
                           .injury_rate_bp = 20, .housing_fund_rate_bp = 1000};
    contrib_quote q;
    if (contrib_quote_compute(e->ctx.pol, &qi, &q, &err)) fail_msg("quote: %s", err.message);
    if (store_exec(e->ctx.tx, STORE_Q_BP_BILL_INSERT, &err, "iittnni", unit, (int64_t)m(month),
                   "regular", "2026-01-25", e->ctx.now_ms))
        fail_msg("bill: %s", err.message);
    int64_t bill = store_last_insert_id(e->ctx.tx);
    for (int i = 0; i < q.count; i++) {
        int64_t span = 0;
        if (reg_span_active(&e->ctx, p, q.items[i].insurance, m(month), &span, &err) || !span)
            fail_msg("span");
        if (store_exec(e->ctx.tx, STORE_Q_BP_LINE_UPSERT, &err, "iiiiittiiiiii", bill, unit, p, span,
                       (int64_t)m(month), reg_insurance_name(q.items[i].insurance), "regular",
                       q.items[i].base_fen, q.items[i].unit_rate_bp, q.items[i].personal_rate_bp,
                       q.items[i].unit_fen, q.items[i].personal_fen, e->ctx.now_ms))
            fail_msg("line: %s", err.message);
    }
}

static json_t *raise_ok(int64_t p, const char *from, money_fen wage) {
    json_t *out = NULL;
    err_detail err = {0};
    if (backpay_base_raise(&e->ctx, unit, p, m(from), wage, &out, &err)) {
        print_rules(&err);
        fail_msg("raise: %s [%s]", err.message, err.code);
    }
    return out;
}

static err_detail raise_refused(int64_t p, const char *from, money_fen wage) {
    json_t *out = NULL;
    err_detail err = {0};
    assert_int_equal(backpay_base_raise(&e->ctx, unit, p, m(from), wage, &out, &err), ERR_RULE);
    assert_null(out);
    return err;
}

static money_fen base_for(int64_t p, const char *month) {
    money_fen b = 0;
    err_detail err = {0};
    if (contrib_base_for(&e->ctx, p, unit, m(month), &b, &err)) fail_msg("base: %s", err.message);
    return b;
}

static void a_raise_downward_or_equal_is_refused(void **state) {
    int64_t p = enrol("201", "调一", "2025-07-01");
    json_decref(raise_ok(p, "2026-01", 800000));
    err_detail err = raise_refused(p, "2026-02", 700000);
    assert_int_equal(err.rule_count, 1);
    json_t *data = rule_data(&err, "not_upward");
    assert_int_equal(jint(data, "old_base_fen"), 800000);
    assert_int_equal(jint(data, "new_base_fen"), 700000);
    json_decref(data);
    err = raise_refused(p, "2026-02", 800000);                 /* equal is not upward */
    rule_of(&err, "not_upward");
    err = raise_refused(p, "2025-06", 900000);                 /* last policy year */
    rule_of(&err, "not_current_year");
    assert_int_equal(base_for(p, "2026-03"), 800000);
}

static void a_raise_bills_the_difference_of_assessed_months(void **state) {
    int64_t p = enrol("202", "调二", "2025-07-01");
    assert_int_equal(base_for(p, "2026-01"), 460000);          /* none declared: the floor */
    regular_bill(p, "2026-01");
    regular_bill(p, "2026-02");
    json_t *out = raise_ok(p, "2026-01", 800000);
    assert_int_equal(jint(out, "old_base_fen"), 460000);
    assert_int_equal(jint(out, "new_base_fen"), 800000);
    json_t *bill = json_object_get(out, "difference_bill");
    assert_string_equal(jstr(bill, "kind"), "difference");
    assert_string_equal(jstr(bill, "month"), "2026-03");
    assert_int_equal(jint(bill, "line_count"), 12);            /* 2 months x 6 (maternity is 0) */
    const json_t *l = line_of(bill, "2026-01", "pension");
    assert_string_equal(jstr(l, "kind"), "difference");
    assert_int_equal(jint(l, "base_fen"), 340000);
    assert_int_equal(jint(l, "unit_fen"), 128000 - 73600);
    assert_int_equal(jint(l, "personal_fen"), 64000 - 36800);
    l = line_of(bill, "2026-02", "housing_subsidy");
    assert_int_equal(jint(l, "unit_fen"), 40000 - 23000);
    assert_int_equal(jint(bill, "unit_total_fen"), 2 * 133280);
    assert_int_equal(jint(bill, "personal_total_fen"), 2 * 69700);
    int64_t bill_id = jint(bill, "id");
    json_decref(out);
    assert_int_equal(base_for(p, "2026-03"), 800000);          /* months not yet assessed */
    assert_int_equal(natural(OWNER_UNIT, unit, "receivable"), 2 * (133280 + 69700));

    /* A second raise in the month adds to the same bill. */
    out = raise_ok(p, "2026-02", 1000000);
    bill = json_object_get(out, "difference_bill");
    assert_int_equal(jint(bill, "id"), bill_id);
    assert_int_equal(jint(bill, "line_count"), 12);
    assert_int_equal(jint(line_of(bill, "2026-01", "pension"), "unit_fen"), 54400);
    assert_int_equal(jint(line_of(bill, "2026-02", "pension"), "unit_fen"), 54400 + 32000);
    assert_int_equal(jint(bill, "unit_total_fen"), 2 * 133280 + 78400);
    assert_int_equal(jint(bill, "personal_total_fen"), 2 * 69700 + 41000);
    json_decref(out);
    assert_int_equal(natural(OWNER_UNIT, unit, "receivable"), 2 * (133280 + 69700) + 78400 + 41000);
    assert_int_equal(base_for(p, "2026-01"), 800000);
    assert_int_equal(base_for(p, "2026-03"), 1000000);
}

static void a_raise_of_unassessed_months_makes_no_bill(void **state) {
    int64_t p = enrol("203", "调三", "2025-07-01");
    json_t *out = raise_ok(p, "2026-03", 900000);
    assert_true(json_is_null(json_object_get(out, "difference_bill")));
    json_decref(out);
    assert_int_equal(base_for(p, "2026-03"), 900000);
    assert_int_equal(bill_find(m("2026-03"), "difference"), 0);
}

/* ---- medical subsidy credits ---- */

/* A statement straight on the database file, outside the open transaction. */
static void raw_exec(const char *sql) {
    tu_env_commit(e);
    store_rollback(e->ctx.tx);
    e->ctx.tx = NULL;
    char path[512];
    snprintf(path, sizeof path, "%s/test.db", e->dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) fail_msg("raw: %s", msg);
    sqlite3_close(db);
    err_detail err = {0};
    if (store_begin(e->st, true, &e->ctx.tx, &err)) fail_msg("begin: %s", err.message);
}

static void leave(int64_t p, const char *end) {
    termination_in t = {.unit_id = unit, .person_id = p, .end_date = d(end), .reason = "contract_expired"};
    json_t *out = NULL;
    err_detail err = {0};
    if (enrol_terminate(&e->ctx, &t, &out, &err)) fail_msg("terminate: %s", err.message);
    json_decref(out);
}

static json_t *med_ok(const char *month, json_t *lines) {
    json_t *out = NULL;
    err_detail err = {0};
    err_kind k = backpay_med_subsidy_save(&e->ctx, unit, m(month), lines, &out, &err);
    json_decref(lines);
    if (k) {
        print_rules(&err);
        fail_msg("med subsidy: %s [%s]", err.message, err.code);
    }
    return out;
}

static err_detail med_refused(const char *month, json_t *lines, err_kind want) {
    json_t *out = NULL;
    err_detail err = {0};
    assert_int_equal(backpay_med_subsidy_save(&e->ctx, unit, m(month), lines, &out, &err), want);
    json_decref(lines);
    assert_null(out);
    return err;
}

static void generated_credits_count_active_and_retired_members(void **state) {
    int64_t a = enrol("301", "在职一", "2025-01-01");
    enrol("302", "在职二", "2025-01-01");
    int64_t r = enrol("303", "退休一", "2020-01-01");
    int64_t gone = enrol("304", "离职一", "2024-01-01");
    leave(r, "2025-06-30");
    leave(gone, "2025-06-30");
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE persons SET retired_on = '2025-07-01' WHERE id = %lld", (long long)r);
    raw_exec(sql);
    json_t *out = med_ok("2026-03", json_pack("{s:b}", "generate", 1));
    assert_int_equal(jint(out, "count"), 3);                    /* the leaver who did not retire: no */
    assert_int_equal(jint(out, "active_count"), 2);
    assert_int_equal(jint(out, "retired_count"), 1);
    assert_int_equal(jint(out, "total_fen"), 2 * 10000 + 20000);
    json_t *bill = json_object_get(out, "bill");
    assert_string_equal(jstr(bill, "kind"), "subsidy");
    assert_int_equal(jint(bill, "line_count"), 3);
    assert_int_equal(jint(bill, "unit_total_fen"), 40000);
    assert_int_equal(jint(bill, "personal_total_fen"), 0);
    json_t *lines = json_object_get(out, "lines");
    for (size_t i = 0; i < json_array_size(lines); i++) {
        json_t *l = json_array_get(lines, i);
        bool retired = json_is_true(json_object_get(l, "retired"));
        assert_int_equal(retired, jint(l, "person_id") == r);
        assert_int_equal(jint(l, "amount_fen"), retired ? 20000 : 10000);
        assert_true(jint(l, "person_id") != gone);
    }
    json_decref(out);
    assert_int_equal(natural(OWNER_UNIT, unit, "receivable"), 40000);
    (void)a;
}

static void saved_credits_are_fixed(void **state) {
    enrol("311", "在职三", "2025-01-01");
    json_decref(med_ok("2026-03", json_pack("{s:b}", "generate", 1)));
    err_detail err = med_refused("2026-03", json_pack("{s:b}", "generate", 1), ERR_CONFLICT);
    assert_string_equal(err.code, "already_saved");
    err = med_refused("2026-03", json_pack("[{s:s, s:i}]", "id_number", rid("19900315", "311"),
                                           "amount_fen", 5000), ERR_CONFLICT);
    assert_string_equal(err.code, "already_saved");
    json_decref(med_ok("2026-04", json_pack("{s:b}", "generate", 1)));   /* another month */
}

static void imported_credits_list_every_bad_line(void **state) {
    int64_t a = enrol("321", "在职四", "2025-01-01");
    int64_t stranger = tu_add_person(e, rid("19800101", "322"), "外人");
    json_t *lines = json_pack("[{s:s, s:i}, {s:I, s:i}, {s:I, s:i}, {s:s, s:i}]",
                              "id_number", rid("19900315", "321"), "amount_fen", 12345,
                              "person_id", (json_int_t)a, "amount_fen", 100,
                              "person_id", (json_int_t)stranger, "amount_fen", 100,
                              "id_number", rid("19700101", "999"), "amount_fen", 100);
    err_detail err = med_refused("2026-03", lines, ERR_RULE);
    assert_int_equal(err.rule_count, 3);
    assert_string_equal(err.rules[0].code, "duplicate_person");
    assert_string_equal(err.rules[1].code, "not_member");
    assert_string_equal(err.rules[2].code, "not_member");      /* unknown reads as not a member */
    json_t *out = med_ok("2026-03", json_pack("[{s:s, s:i}]", "id_number", rid("19900315", "321"),
                                              "amount_fen", 12345));
    assert_false(json_is_true(json_object_get(out, "generated")));
    assert_int_equal(jint(out, "count"), 1);
    assert_int_equal(jint(out, "total_fen"), 12345);
    json_decref(out);
}

/* Saved credits reach the medical accounts only when the bank has paid the
 * subsidy bill, each credit whole (docs/contributions.md). */
static void credits_reach_the_medical_accounts_when_collected(void **state) {
    int64_t a = enrol("331", "在职五", "2025-01-01");
    int64_t r = enrol("332", "退休二", "2020-01-01");
    leave(r, "2025-06-30");
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE persons SET retired_on = '2025-07-01' WHERE id = %lld; "
             "UPDATE units SET bank_name = '中国工商银行', bank_account = '6222000011112222', "
             "collection_agreement = 1 WHERE id = %lld", (long long)r, (long long)unit);
    raw_exec(sql);
    json_decref(med_ok("2026-03", json_pack("{s:b}", "generate", 1)));
    assert_int_equal(natural(OWNER_PERSON, a, "medical_account"), 0);   /* not before the money */
    tu_env_commit(e);
    as(ROLE_FINANCE);
    char dir[600];
    snprintf(dir, sizeof dir, "%s/out", e->dir);
    mkdir(dir, 0755);
    json_t *files = NULL;
    err_detail err = {0};
    if (collect_make_files(&e->ctx, m("2026-03"), dir, &files, &err)) fail_msg("files: %s", err.message);
    assert_int_equal(jint(files, "line_count"), 1);
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir,
             jstr(json_array_get(json_object_get(files, "files"), 0), "file_name"));
    json_decref(files);
    char *text = tu_read_file(path, NULL), *reply = NULL;
    assert_non_null(text);
    if (collect_simulate_bank(text, strlen(text), 0, &reply, &err)) fail_msg("bank: %s", err.message);
    json_t *ans = NULL;
    if (collect_import_reply(&e->ctx, reply, strlen(reply), &ans, &err)) fail_msg("reply: %s", err.message);
    json_decref(ans);
    free(text);
    free(reply);
    assert_int_equal(natural(OWNER_PERSON, a, "medical_account"), 10000);
    assert_int_equal(natural(OWNER_PERSON, r, "medical_account"), 20000);
    assert_int_equal(natural(OWNER_POOL, 0, "pool_medical"), 0);
    assert_int_equal(natural(OWNER_POOL, 0, "contrib_due"), 0);
    assert_int_equal(natural(OWNER_UNIT, unit, "receivable"), 0);
}

/* ---- a store failing at each call in turn ---- */

/* Each operation, failed at its n-th store call for n = 1, 2, ...: every
 * failure leaves no bill, no base and nothing posted; then it succeeds. */
static void a_failing_store_leaves_each_operation_whole_or_absent(void **state) {
    int64_t p = enrol("401", "故障一", "2025-01-01");
    regular_bill(p, "2026-01");
    tu_env_commit(e);
    backpay_in in = req(p, BIT(INS_PENSION) | BIT(INS_MEDICAL), "2025-09", "2025-10");
    json_t *out = NULL;
    for (long n = 1; n < 5000; n++) {
        err_detail err = {0};
        store_fault_set(e->st, n);
        err_kind k = backpay_submit(&e->ctx, &in, &out, &err);
        long calls = store_fault_set(e->st, 0);
        if (k == ERR_OK) { assert_true(calls < n); break; }
        assert_int_equal(k, ERR_UNAVAILABLE);
        assert_null(out);
        tu_env_rollback(e);
        assert_int_equal(bill_find(m("2026-03"), "backpay"), 0);
        assert_int_equal(natural(OWNER_UNIT, unit, "receivable"), 0);
    }
    assert_non_null(out);
    json_decref(out);
    tu_env_commit(e);
    money_fen after_backpay = natural(OWNER_UNIT, unit, "receivable");
    assert_int_equal(after_backpay, 2 * (128000 + 64000 + 60000 + 16000));

    out = NULL;
    for (long n = 1; n < 5000; n++) {
        err_detail err = {0};
        store_fault_set(e->st, n);
        err_kind k = backpay_base_raise(&e->ctx, unit, p, m("2026-01"), 800000, &out, &err);
        store_fault_set(e->st, 0);
        if (k == ERR_OK) break;
        assert_int_equal(k, ERR_UNAVAILABLE);
        tu_env_rollback(e);
        assert_int_equal(bill_find(m("2026-03"), "difference"), 0);
        assert_int_equal(base_for(p, "2026-03"), 460000);   /* no base row either */
        assert_int_equal(natural(OWNER_UNIT, unit, "receivable"), after_backpay);
    }
    assert_non_null(out);
    assert_int_equal(jint(json_object_get(out, "difference_bill"), "unit_total_fen"), 133280);
    json_decref(out);
    tu_env_commit(e);

    out = NULL;
    for (long n = 1; n < 5000; n++) {
        err_detail err = {0};
        store_fault_set(e->st, n);
        json_t *gen = json_pack("{s:b}", "generate", 1);
        err_kind k = backpay_med_subsidy_save(&e->ctx, unit, m("2026-03"), gen, &out, &err);
        json_decref(gen);
        store_fault_set(e->st, 0);
        if (k == ERR_OK) break;
        assert_int_equal(k, ERR_UNAVAILABLE);
        tu_env_rollback(e);
        assert_int_equal(bill_find(m("2026-03"), "subsidy"), 0);
    }
    assert_non_null(out);
    assert_int_equal(jint(out, "count"), 1);
    json_decref(out);
}

/* A past month run after its 补缴 leaves the back-paid span-months out: they
 * are not billed twice. */
static void a_months_run_leaves_back_paid_months_out(void **state) {
    on("2026-03-10");
    int64_t p = enrol("131", "补跑", "2025-10-01");
    int64_t q = enrol("132", "常跑", "2025-10-01");
    backpay_in in = req(p, BIT(INS_PENSION) | BIT(INS_MEDICAL), "2025-12", "2026-02");
    json_decref(bp_ok(&in));
    as(ROLE_FINANCE);
    err_detail err = {0};
    int64_t jan = 0, oct = 0;
    bool created = false;
    assert_int_equal(contrib_assess_unit(&e->ctx, unit, m("2026-01"), &jan, &created, &err), ERR_OK);
    assert_int_equal(contrib_assess_unit(&e->ctx, unit, m("2025-11"), &oct, &created, &err), ERR_OK);
    json_t *b1 = NULL, *b2 = NULL;
    assert_int_equal(contrib_bill_json(&e->ctx, jan, &b1, &err), ERR_OK);
    assert_int_equal(contrib_bill_json(&e->ctx, oct, &b2, &err), ERR_OK);
    /* November: both in every insurance; January: p without pension and medical */
    json_int_t all = jint(b2, "lines");
    assert_true(all > 4 && all % 2 == 0);
    assert_int_equal(jint(b1, "lines"), all - 2);
    assert_true(q > 0);
    json_decref(b1);
    json_decref(b2);
}

/* The business must be opened by the fund collection section (finance);
 * closed, a save is refused with the rule, listed with the others. */
static void credits_need_the_business_opened(void **state) {
    enrol("341", "在职四", "2025-01-01");
    json_t *out = NULL;
    err_detail err = {0};
    assert_int_equal(backpay_med_permit_set(&e->ctx, unit, false, &out, &err), ERR_FORBIDDEN);   /* a clerk */
    as(ROLE_FINANCE);
    assert_int_equal(backpay_med_permit_set(&e->ctx, unit, false, &out, &err), ERR_OK);
    assert_false(json_is_true(json_object_get(out, "granted")));
    json_decref(out);
    as(ROLE_CLERK);
    err = med_refused("2026-03", json_pack("{s:b}", "generate", 1), ERR_RULE);
    assert_non_null(rule_of(&err, "med_subsidy_not_permitted"));
    assert_non_null(strstr(rule_of(&err, "med_subsidy_not_permitted")->message, "请先至基金征缴科申请开通"));
    as(ROLE_FINANCE);
    err_clear(&err);
    assert_int_equal(backpay_med_permit_set(&e->ctx, unit, true, &out, &err), ERR_OK);
    assert_string_equal(jstr(out, "granted_on"), "2026-03-10");
    json_decref(out);
    as(ROLE_CLERK);
    json_decref(med_ok("2026-03", json_pack("{s:b}", "generate", 1)));
}

/* Each back-paid month carries the late fee from its own due day (the 25th
 * of that month), 0.05% a day, to the day the collection file is made. */
static void a_back_payment_carries_each_months_late_fee(void **state) {
    int64_t p = enrol("351", "补滞", "2025-01-01");
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE units SET bank_name = '中国工商银行', bank_account = '6222000011112222', "
             "collection_agreement = 1 WHERE id = %lld", (long long)unit);
    raw_exec(sql);
    backpay_in in = req(p, BIT(INS_PENSION) | BIT(INS_MEDICAL), "2025-12", "2026-02");
    json_decref(bp_ok(&in));
    tu_env_commit(e);
    as(ROLE_FINANCE);
    on("2026-03-20");
    json_t *files = NULL;
    err_detail err = {0};
    if (collect_make_files(&e->ctx, m("2026-03"), NULL, &files, &err)) fail_msg("files: %s", err.message);
    /* 268,000 fen a month (pension 1,280 + 640, medical 600 + 160 yuan):
     * December 85 days late, January 54, February 23 */
    money_fen want = 11390 + 7236 + 3082;   /* 268000 x 0.0005 x 85, x 54, x 23 */
    const json_t *f = json_array_get(json_object_get(files, "files"), 0);
    assert_int_equal(jint(f, "late_fee_fen"), want);
    assert_int_equal(jint(f, "total_fen"), 3 * 268000 + want);
    json_decref(files);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(six_months_back_is_done_directly, setup, teardown),
        cmocka_unit_test_setup_teardown(a_months_run_leaves_back_paid_months_out, setup, teardown),
        cmocka_unit_test_setup_teardown(bill_made_after_the_due_day_is_due_that_day, setup, teardown),
        cmocka_unit_test_setup_teardown(seven_months_back_needs_an_application_approved_into_a_bill, setup, teardown),
        cmocka_unit_test_setup_teardown(long_back_payment_needs_the_reason, setup, teardown),
        cmocka_unit_test_setup_teardown(thirty_five_months_is_an_application_thirty_six_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(housing_fund_24_months_direct_25_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(a_month_outside_every_span_is_refused_with_every_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(each_month_is_computed_under_its_own_policy, setup, teardown),
        cmocka_unit_test_setup_teardown(a_unit_operator_back_pays_only_its_own_employees, setup, teardown),
        cmocka_unit_test_setup_teardown(a_raise_downward_or_equal_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(a_raise_bills_the_difference_of_assessed_months, setup, teardown),
        cmocka_unit_test_setup_teardown(a_raise_of_unassessed_months_makes_no_bill, setup, teardown),
        cmocka_unit_test_setup_teardown(generated_credits_count_active_and_retired_members, setup, teardown),
        cmocka_unit_test_setup_teardown(saved_credits_are_fixed, setup, teardown),
        cmocka_unit_test_setup_teardown(credits_need_the_business_opened, setup, teardown),
        cmocka_unit_test_setup_teardown(a_back_payment_carries_each_months_late_fee, setup, teardown),
        cmocka_unit_test_setup_teardown(imported_credits_list_every_bad_line, setup, teardown),
        cmocka_unit_test_setup_teardown(credits_reach_the_medical_accounts_when_collected, setup, teardown),
        cmocka_unit_test_setup_teardown(a_failing_store_leaves_each_operation_whole_or_absent, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
