/* svc/statement: the period a date falls in (30 June / 1 July), the paper
 * windows of a person (31 Dec / 1 Jan / 30 Jun / 1 Jul) and of a unit
 * (31 May / 1 Jun / 30 Jun / 1 Jul) with their refusals, a statement built
 * from hand-made postings and assessments with known opening and closing
 * balances, the certificates (a unit's participation and its employees'
 * summary, a person's details with the government-institution rule), who
 * sees what (404 for the others) with the audit rows, and the yearly run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "svc/statement.h"

/* ---- helpers ---- */

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

static date_days day(const char *s) {
    date_days d = 0;
    err_detail err = {0};
    assert_int_equal(date_parse(s, "d", &d, &err), ERR_OK);
    return d;
}

static const err_rule *rule_of(const err_detail *err, const char *code) {
    for (int i = 0; i < err->rule_count; i++)
        if (strcmp(err->rules[i].code, code) == 0) return &err->rules[i];
    return NULL;
}

static void must(err_kind k, const err_detail *err) {
    if (k) fail_msg("unexpected %d %s: %s", k, err->code, err->message);
}

static int64_t span(tu_env *e, int64_t person, int64_t unit, const char *ins, const char *category,
                    int64_t start, int64_t end, const char *status) {
    err_detail err = {0};
    must(store_exec(e->ctx.tx, STORE_Q_STATEMENT_TEST_SPAN_INSERT, &err, "iittiit", person, unit, ins,
                    category, start, end, status), &err);
    return store_last_insert_id(e->ctx.tx);
}

static void employ(tu_env *e, int64_t person, int64_t unit, const char *status) {
    err_detail err = {0};
    must(store_exec(e->ctx.tx, STORE_Q_STATEMENT_TEST_EMPLOYMENT_INSERT, &err, "iit", person, unit,
                    status), &err);
}

static int64_t bill(tu_env *e, int64_t unit, int64_t person, int64_t month, const char *kind,
                    const char *status) {
    err_detail err = {0};
    must(store_exec(e->ctx.tx, STORE_Q_STATEMENT_TEST_BILL_INSERT, &err, "iiitt", unit, person, month,
                    kind, status), &err);
    return store_last_insert_id(e->ctx.tx);
}

typedef struct line { int64_t bill, unit, person, span, month; const char *ins, *kind; int64_t base, u, p; } line;

static void assess(tu_env *e, line l) {
    err_detail err = {0};
    must(store_exec(e->ctx.tx, STORE_Q_STATEMENT_TEST_ASSESSMENT_INSERT, &err, "iiiiittiii", l.bill,
                    l.unit, l.person, l.span, l.month, l.ins, l.kind ? l.kind : "regular", l.base, l.u,
                    l.p), &err);
}

static int64_t account(tu_env *e, const char *owner_kind, int64_t owner, const char *kind) {
    err_detail err = {0};
    must(store_exec(e->ctx.tx, STORE_Q_STATEMENT_TEST_ACCOUNT_INSERT, &err, "tit", owner_kind, owner,
                    kind), &err);
    return store_last_insert_id(e->ctx.tx);
}

static int64_t entry(tu_env *e, const char *key, const char *date, const char *kind, int64_t reverses) {
    err_detail err = {0};
    must(store_exec(e->ctx.tx, STORE_Q_STATEMENT_TEST_ENTRY_INSERT, &err, "tttti",
                    key, date, kind, "test", reverses), &err);
    return store_last_insert_id(e->ctx.tx);
}

static void posting(tu_env *e, int64_t entry_id, int64_t acc, int64_t amount, int64_t month) {
    err_detail err = {0};
    must(store_exec(e->ctx.tx, STORE_Q_STATEMENT_TEST_POSTING_INSERT, &err, "iiii", entry_id, acc, amount,
                    month), &err);
}

/* Money into a person's account (credit, negative) from a pool (debit). */
static int64_t credit(tu_env *e, const char *key, const char *date, const char *kind, int64_t acc,
                      int64_t pool, int64_t amount, int64_t month) {
    int64_t id = entry(e, key, date, kind, 0);
    posting(e, id, acc, -amount, month);
    posting(e, id, pool, amount, month);
    return id;
}

static int64_t count_q(tu_env *e, store_query q, const char *a, const char *b, int64_t n, int col) {
    err_detail err = {0};
    store_stmt *st;
    must(store_prepare(e->ctx.tx, q, &st, &err), &err);
    if (a) store_bind_text(st, 1, a); else store_bind_int(st, 1, n);
    if (b) store_bind_text(st, 2, b);
    bool row = false;
    must(store_step(st, &row, &err), &err);
    int64_t v = row ? store_col_int(st, col) : -1;
    store_stmt_done(st);
    return v;
}

static int64_t audits(tu_env *e, const char *action, const char *kind, int64_t id) {
    char target[64];
    snprintf(target, sizeof target, "%s:%lld", kind, (long long)id);
    return count_q(e, STORE_Q_STATEMENT_TEST_AUDIT_COUNT, action, target, 0, 0);
}

static json_int_t jint(const json_t *o, const char *key) {
    const json_t *v = json_object_get(o, key);
    if (!json_is_integer(v)) fail_msg("%s is not an integer", key);
    return json_integer_value(v);
}

static const char *jstr(const json_t *o, const char *key) {
    const char *s = json_string_value(json_object_get(o, key));
    if (!s) fail_msg("%s is not a string", key);
    return s;
}

static const json_t *find_by(const json_t *arr, const char *key, const char *value) {
    size_t i;
    const json_t *x;
    json_array_foreach(arr, i, x) {
        const char *s = json_string_value(json_object_get(x, key));
        if (s && strcmp(s, value) == 0) return x;
    }
    return NULL;
}

/* ---- periods ---- */

static void period_edges(void **state) {
    tu_env *e = tu_env_open(ROLE_SYSTEM, "2026-07-01");
    err_detail err = {0};
    assert_int_equal(statement_period_of(e->pol, day("2026-06-30"), &err), 2026);
    assert_int_equal(statement_period_of(e->pol, day("2026-07-01"), &err), 2027);
    assert_int_equal(statement_period_of(e->pol, day("2025-12-31"), &err), 2026);
    assert_int_equal(statement_period_of(e->pol, day("2026-01-01"), &err), 2026);
    assert_int_equal(statement_period_of(e->pol, day("2019-07-01"), &err), 2020);
    date_days f = 0, t = 0;
    assert_int_equal(statement_period_bounds(e->pol, 2026, &f, &t, &err), ERR_OK);
    assert_int_equal(f, day("2025-07-01"));
    assert_int_equal(t, day("2026-06-30"));
    /* the seeds' example: period 202006 is 2019-07-01 .. 2020-06-30, the first */
    assert_int_equal(statement_period_bounds(e->pol, 2020, &f, &t, &err), ERR_OK);
    assert_int_equal(f, day("2019-07-01"));
    assert_int_equal(t, day("2020-06-30"));
    assert_int_equal(statement_period_bounds(e->pol, 2019, &f, &t, &err), ERR_INVALID);
    assert_string_equal(err.code, "period_out_of_range");
    tu_env_close(e);
}

/* ---- the person's paper preference ---- */

typedef struct world {
    int64_t u, v, gov;               /* units: u and v enterprises, gov a government unit */
    int64_t p, q, r, s;              /* p, s at u; q not insured; r at v */
    int64_t span_p_pension, span_p_medical, span_p_hf, span_p_at_v, span_r;
} world;

static world build(tu_env *e) {
    world w = {0};
    w.u = tu_add_unit(e, "91320594MA1TEST01X", "星海测试");
    w.v = tu_add_unit(e, "91320594MA1TEST02X", "月湖测试");
    w.gov = tu_add_unit(e, "11320594MB1TEST03X", "园区某局");
    w.p = tu_add_person(e, "320571199001011234", "张三");
    w.q = tu_add_person(e, "320571199202022345", "李四");
    w.r = tu_add_person(e, "320571199303033456", "王五");
    w.s = tu_add_person(e, "320571199404044567", "赵六");
    employ(e, w.p, w.u, "active");
    employ(e, w.r, w.v, "active");
    w.span_p_pension = span(e, w.p, w.u, "pension", "sip_a", 202401, 0, "normal");
    w.span_p_medical = span(e, w.p, w.u, "medical", "sip_a", 202401, 0, "normal");
    w.span_p_hf = span(e, w.p, w.u, "housing_fund", "sip_a", 202401, 0, "normal");
    w.span_p_at_v = span(e, w.p, w.v, "injury", "injury_only", 202501, 202512, "terminated");
    w.span_r = span(e, w.r, w.v, "pension", "sip_a", 202401, 0, "normal");
    /* s: no employment row, but an open span at u: a current employee too */
    span(e, w.s, w.u, "medical", "sip_a", 202506, 0, "normal");
    return w;
}

static void person_window_edges(void **state) {
    tu_env *e = tu_env_open(ROLE_PERSON, "2026-12-31");
    world w = build(e);
    err_detail err = {0};
    act(e, ROLE_PERSON, w.p, 0);

    /* 31 December: the current period is 2027, its window 2027-01-01 .. 2027-06-30 */
    assert_int_equal(statement_paper_set(&e->ctx, w.p, false, &err), ERR_RULE);
    assert_int_equal(err.rule_count, 1);
    const err_rule *r = rule_of(&err, "outside_window");
    assert_non_null(r);
    assert_non_null(strstr(r->data_json, "\"from\":\"2027-01-01\""));
    assert_non_null(strstr(r->data_json, "\"to\":\"2027-06-30\""));
    assert_non_null(strstr(r->data_json, "\"date\":\"2026-12-31\""));
    assert_non_null(strstr(r->data_json, "\"period\":2027"));
    assert_non_null(strstr(r->message, "2027-01-01"));

    /* 1 January: opted out of period 2027 */
    on(e, "2027-01-01");
    err = (err_detail){0};
    must(statement_paper_set(&e->ctx, w.p, false, &err), &err);
    json_t *o = NULL;
    must(statement_person_json(&e->ctx, w.p, 0, &o, &err), &err);
    assert_int_equal(jint(o, "period"), 2027);
    assert_false(json_is_true(json_object_get(o, "paper")));
    assert_string_equal(jstr(o, "paper_set_on"), "2027-01-01");
    json_decref(o);
    assert_int_equal(audits(e, "statement.paper", "person", w.p), 1);

    /* 30 June: back to paper, the last day */
    on(e, "2027-06-30");
    must(statement_paper_set(&e->ctx, w.p, true, &err), &err);
    must(statement_person_json(&e->ctx, w.p, 2027, &o, &err), &err);
    assert_true(json_is_true(json_object_get(o, "paper")));
    json_decref(o);

    /* 1 July: period 2028 has begun; its window opens on 2028-01-01 */
    on(e, "2027-07-01");
    err = (err_detail){0};
    assert_int_equal(statement_paper_set(&e->ctx, w.p, false, &err), ERR_RULE);
    r = rule_of(&err, "outside_window");
    assert_non_null(r);
    assert_non_null(strstr(r->data_json, "\"from\":\"2028-01-01\""));
    assert_non_null(strstr(r->data_json, "\"to\":\"2028-06-30\""));
    /* the opt-in of period 2027 stands, period 2028 has none: paper (the default) */
    must(statement_person_json(&e->ctx, w.p, 2028, &o, &err), &err);
    assert_true(json_is_true(json_object_get(o, "paper")));
    assert_true(json_is_null(json_object_get(o, "paper_set_on")));
    json_decref(o);
    tu_env_close(e);
}

static void person_paper_rules_and_roles(void **state) {
    tu_env *e = tu_env_open(ROLE_PERSON, "2026-03-01");
    world w = build(e);
    err_detail err = {0};
    /* q has no insured relationship: opting out is fine, restoring is not */
    act(e, ROLE_PERSON, w.q, 0);
    must(statement_paper_set(&e->ctx, w.q, false, &err), &err);
    assert_int_equal(statement_paper_set(&e->ctx, w.q, true, &err), ERR_RULE);
    assert_int_equal(err.rule_count, 1);
    assert_non_null(rule_of(&err, "insured_status_not_normal"));
    assert_non_null(strstr(rule_of(&err, "insured_status_not_normal")->data_json, "\"month\":\"2026-03\""));
    /* outside the window as well: both listed at once */
    on(e, "2026-07-01");
    err = (err_detail){0};
    assert_int_equal(statement_paper_set(&e->ctx, w.q, true, &err), ERR_RULE);
    assert_int_equal(err.rule_count, 2);
    assert_non_null(rule_of(&err, "outside_window"));
    assert_non_null(rule_of(&err, "insured_status_not_normal"));

    on(e, "2026-03-01");
    /* another person: 404 */
    act(e, ROLE_PERSON, w.q, 0);
    err = (err_detail){0};
    assert_int_equal(statement_paper_set(&e->ctx, w.p, false, &err), ERR_NOT_FOUND);
    assert_string_equal(err.code, "person_not_found");
    /* a unit operator, even the employer: its own route, not this one */
    act(e, ROLE_UNIT, 0, w.u);
    assert_int_equal(statement_paper_set(&e->ctx, w.p, false, &err), ERR_NOT_FOUND);
    /* the review desk: not its business */
    act(e, ROLE_REVIEWER, 0, 0);
    assert_int_equal(statement_paper_set(&e->ctx, w.p, false, &err), ERR_FORBIDDEN);
    /* the counter may, for the person */
    act(e, ROLE_CLERK, 0, 0);
    must(statement_paper_set(&e->ctx, w.p, false, &err), &err);
    assert_int_equal(statement_paper_set(&e->ctx, 999999, false, &err), ERR_NOT_FOUND);
    tu_env_close(e);
}

/* ---- the unit's paper preference ---- */

static json_t *unit_set(tu_env *e, int64_t unit, const int64_t *ids, int n, bool paper, err_kind want,
                        err_detail *err) {
    json_t *out = NULL;
    *err = (err_detail){0};
    err_kind k = statement_paper_set_unit(&e->ctx, unit, ids, n, paper, &out, err);
    if (k != want) fail_msg("want %d got %d %s: %s", want, k, err->code, err->message);
    return out;
}

static bool paper_of(tu_env *e, int64_t person, int period) {
    svc_actor saved = e->ctx.actor;
    act(e, ROLE_CLERK, 0, 0);
    json_t *o = NULL;
    err_detail err = {0};
    must(statement_person_json(&e->ctx, person, period, &o, &err), &err);
    bool paper = json_is_true(json_object_get(o, "paper"));
    json_decref(o);
    e->ctx.actor = saved;
    return paper;
}

static void unit_window_edges(void **state) {
    tu_env *e = tu_env_open(ROLE_UNIT, "2026-05-31");
    world w = build(e);
    err_detail err;
    act(e, ROLE_UNIT, 0, w.u);
    int64_t p_only[] = {w.p};

    /* 31 May: the window of period 2026 is 1 .. 30 June */
    unit_set(e, w.u, p_only, 1, false, ERR_RULE, &err);
    const err_rule *r = rule_of(&err, "outside_window");
    assert_non_null(r);
    assert_int_equal(err.rule_count, 1);
    assert_non_null(strstr(r->data_json, "\"from\":\"2026-06-01\""));
    assert_non_null(strstr(r->data_json, "\"to\":\"2026-06-30\""));
    assert_true(paper_of(e, w.p, 2026));

    /* 1 June: p opts out through the unit */
    on(e, "2026-06-01");
    json_t *o = unit_set(e, w.u, p_only, 1, false, ERR_OK, &err);
    assert_int_equal(jint(o, "count"), 1);
    assert_int_equal(jint(o, "period"), 2026);
    json_decref(o);
    assert_false(paper_of(e, w.p, 2026));

    /* 30 June: all current employees (p by employment, s by an open span) back to paper */
    on(e, "2026-06-30");
    o = unit_set(e, w.u, NULL, 0, true, ERR_OK, &err);
    assert_int_equal(jint(o, "count"), 2);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(o, "person_ids"), 0)), w.p);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(o, "person_ids"), 1)), w.s);
    json_decref(o);
    assert_true(paper_of(e, w.p, 2026));
    assert_true(paper_of(e, w.s, 2026));
    assert_int_equal(audits(e, "statement.paper", "person", w.s), 1);

    /* 1 July: period 2027, whose window is June 2027 */
    on(e, "2026-07-01");
    unit_set(e, w.u, p_only, 1, false, ERR_RULE, &err);
    r = rule_of(&err, "outside_window");
    assert_non_null(r);
    assert_non_null(strstr(r->data_json, "\"from\":\"2027-06-01\""));
    assert_non_null(strstr(r->data_json, "\"to\":\"2027-06-30\""));
    tu_env_close(e);
}

static void unit_all_or_nothing(void **state) {
    tu_env *e = tu_env_open(ROLE_UNIT, "2026-06-10");
    world w = build(e);
    err_detail err;
    act(e, ROLE_UNIT, 0, w.u);
    /* r works at v, q nowhere: refused whole, both named, p unchanged */
    int64_t mixed[] = {w.p, w.r, w.q};
    unit_set(e, w.u, mixed, 3, false, ERR_RULE, &err);
    const err_rule *r = rule_of(&err, "not_current_employee");
    assert_non_null(r);
    char want[128];
    snprintf(want, sizeof want, "\"count\":2,\"person_ids\":[%lld,%lld]", (long long)w.r, (long long)w.q);
    assert_non_null(strstr(r->data_json, want));
    assert_true(paper_of(e, w.p, 2026));
    /* a duplicate is bad input */
    int64_t twice[] = {w.p, w.p};
    unit_set(e, w.u, twice, 2, false, ERR_INVALID, &err);
    assert_string_equal(err.code, "duplicate_person_id");
    /* outside the window and not employed: both rules */
    on(e, "2026-07-01");
    unit_set(e, w.u, mixed, 3, false, ERR_RULE, &err);
    assert_int_equal(err.rule_count, 2);
    /* another unit's operator: 404; a person: 404; the review desk: 403 */
    on(e, "2026-06-10");
    act(e, ROLE_UNIT, 0, w.v);
    int64_t p_only[] = {w.p};
    unit_set(e, w.u, p_only, 1, false, ERR_NOT_FOUND, &err);
    assert_string_equal(err.code, "unit_not_found");
    act(e, ROLE_PERSON, w.p, 0);
    unit_set(e, w.u, p_only, 1, false, ERR_NOT_FOUND, &err);
    act(e, ROLE_REVIEWER, 0, 0);
    unit_set(e, w.u, p_only, 1, false, ERR_FORBIDDEN, &err);
    /* the counter for the unit */
    act(e, ROLE_CLERK, 0, 0);
    json_decref(unit_set(e, w.u, p_only, 1, false, ERR_OK, &err));
    assert_false(paper_of(e, w.p, 2026));
    tu_env_close(e);
}

/* ---- the statement from hand-made postings ---- */

typedef struct books {
    int64_t pension, medical, hf, pool, other_person_acc;
} books;

static books post_books(tu_env *e, const world *w) {
    books b;
    b.pension = account(e, "person", w->p, "pension_account");
    b.hf = account(e, "person", w->p, "housing_fund");
    b.medical = account(e, "person", w->p, "medical_account");
    b.pool = account(e, "pool", 0, "contrib_due");
    b.other_person_acc = account(e, "person", w->r, "pension_account");
    /* before the period: the opening balances */
    credit(e, "k1", "2025-03-10", "contribution", b.pension, b.pool, 10000, 202502);
    credit(e, "k2", "2025-05-10", "contribution", b.hf, b.pool, 5000, 202504);
    credit(e, "k3", "2025-06-30", "hf_interest", b.hf, b.pool, 500, 0);
    /* the period 2025-07-01 .. 2026-06-30 */
    credit(e, "k4", "2025-07-01", "contribution", b.pension, b.pool, 12000, 202507);
    credit(e, "k5", "2025-12-31", "pension_interest", b.pension, b.pool, 300, 0);
    credit(e, "k6", "2026-01-15", "hf_withdraw", b.hf, b.pool, -2000, 0);
    int64_t wrong = credit(e, "k7", "2026-03-01", "interest", b.hf, b.pool, 100, 0);
    int64_t rev = entry(e, "k7r", "2026-03-02", "reversal", wrong);
    posting(e, rev, b.hf, 100, 0);
    posting(e, rev, b.pool, -100, 0);
    credit(e, "k8", "2026-06-30", "contribution", b.hf, b.pool, 8000, 202606);
    credit(e, "k9", "2026-04-01", "contribution", b.medical, b.pool, 700, 202603);
    /* after the period, and someone else's: not on p's statement */
    credit(e, "k10", "2026-07-01", "contribution", b.pension, b.pool, 9999, 202607);
    credit(e, "k11", "2025-09-01", "contribution", b.other_person_acc, b.pool, 4444, 202508);
    return b;
}

static void post_assessments(tu_env *e, const world *w) {
    int64_t jul = bill(e, w->u, 0, 202507, "regular", "paid");
    assess(e, (line){jul, w->u, w->p, w->span_p_pension, 202507, "pension", NULL, 500000, 80000, 40000});
    assess(e, (line){jul, w->u, w->p, w->span_p_medical, 202507, "medical", NULL, 500000, 45000, 10000});
    int64_t aug = bill(e, w->u, 0, 202508, "regular", "confirmed");
    assess(e, (line){aug, w->u, w->p, w->span_p_pension, 202508, "pension", NULL, 500000, 80000, 40000});
    int64_t sep = bill(e, w->u, 0, 202509, "regular", "draft");
    assess(e, (line){sep, w->u, w->p, w->span_p_pension, 202509, "pension", NULL, 500000, 80000, 40000});
    int64_t jun25 = bill(e, w->u, 0, 202506, "regular", "paid");
    assess(e, (line){jun25, w->u, w->p, w->span_p_pension, 202506, "pension", NULL, 400000, 64000, 32000});
    int64_t jun26 = bill(e, w->u, 0, 202606, "regular", "paid");
    assess(e, (line){jun26, w->u, w->p, w->span_p_hf, 202606, "housing_fund", NULL, 500000, 40000, 40000});
    int64_t jul26 = bill(e, w->u, 0, 202607, "regular", "paid");
    assess(e, (line){jul26, w->u, w->p, w->span_p_pension, 202607, "pension", NULL, 500000, 80000, 40000});
}

static void statement_balances(void **state) {
    tu_env *e = tu_env_open(ROLE_PERSON, "2026-07-15");
    world w = build(e);
    post_books(e, &w);
    post_assessments(e, &w);
    err_detail err = {0};
    act(e, ROLE_PERSON, w.p, 0);
    json_t *o = NULL;
    must(statement_person_json(&e->ctx, w.p, 2026, &o, &err), &err);
    assert_string_equal(jstr(o, "from"), "2025-07-01");
    assert_string_equal(jstr(o, "to"), "2026-06-30");
    assert_string_equal(jstr(o, "period_code"), "202606");
    assert_true(json_is_true(json_object_get(o, "complete")));
    assert_true(json_is_true(json_object_get(o, "paper")));
    assert_string_equal(jstr(o, "name"), "张三");

    const json_t *acc = json_object_get(o, "accounts");
    assert_int_equal(json_array_size(acc), 4);
    const json_t *pen = find_by(acc, "account", "pension_account");
    assert_int_equal(jint(pen, "opening_fen"), 10000);
    assert_int_equal(jint(pen, "contributions_fen"), 12000);
    assert_int_equal(jint(pen, "interest_fen"), 300);
    assert_int_equal(jint(pen, "other_fen"), 0);
    assert_int_equal(jint(pen, "closing_fen"), 22300);
    const json_t *hf = find_by(acc, "account", "housing_fund");
    assert_int_equal(jint(hf, "opening_fen"), 5500);
    assert_int_equal(jint(hf, "contributions_fen"), 8000);
    assert_int_equal(jint(hf, "interest_fen"), 0);      /* 100 posted, then reversed */
    assert_int_equal(jint(hf, "other_fen"), -2000);
    assert_int_equal(jint(hf, "closing_fen"), 11500);
    const json_t *med = find_by(acc, "account", "medical_account");
    assert_int_equal(jint(med, "opening_fen"), 0);
    assert_int_equal(jint(med, "closing_fen"), 700);
    const json_t *hs = find_by(acc, "account", "housing_subsidy");
    assert_int_equal(jint(hs, "closing_fen"), 0);
    const json_t *tot = json_object_get(o, "account_totals");
    assert_int_equal(jint(tot, "opening_fen"), 15500);
    assert_int_equal(jint(tot, "closing_fen"), 22300 + 11500 + 700);

    /* interest: pension 300, hf 100 and its reversal; one other movement */
    const json_t *interest = json_object_get(o, "interest");
    assert_int_equal(json_array_size(interest), 3);
    assert_string_equal(jstr(json_array_get(interest, 0), "date"), "2025-12-31");
    assert_int_equal(jint(json_array_get(interest, 0), "amount_fen"), 300);
    assert_int_equal(jint(json_array_get(interest, 2), "amount_fen"), -100);
    assert_string_equal(jstr(json_array_get(interest, 2), "reverses_kind"), "interest");
    const json_t *other = json_object_get(o, "other_movements");
    assert_int_equal(json_array_size(other), 1);
    assert_int_equal(jint(json_array_get(other, 0), "amount_fen"), -2000);
    assert_string_equal(jstr(json_array_get(other, 0), "kind"), "hf_withdraw");

    /* months: July (paid), August (confirmed: not credited), June 2026 (paid);
     * not the draft of September, nor June 2025 or July 2026 */
    const json_t *months = json_object_get(o, "months");
    assert_int_equal(json_array_size(months), 3);
    const json_t *m0 = json_array_get(months, 0);
    assert_string_equal(jstr(m0, "month"), "2025-07");
    assert_int_equal(json_array_size(json_object_get(m0, "items")), 2);
    assert_int_equal(jint(m0, "unit_fen"), 125000);
    assert_int_equal(jint(m0, "personal_fen"), 50000);
    const json_t *it = json_array_get(json_object_get(m0, "items"), 0);
    assert_string_equal(jstr(it, "insurance"), "pension");
    assert_string_equal(jstr(it, "insurance_zh"), "养老保险");
    assert_int_equal(jint(it, "base_fen"), 500000);
    assert_true(json_is_true(json_object_get(it, "credited")));
    const json_t *m1 = json_array_get(months, 1);
    assert_string_equal(jstr(m1, "month"), "2025-08");
    assert_false(json_is_true(json_object_get(json_array_get(json_object_get(m1, "items"), 0), "credited")));
    assert_string_equal(jstr(json_array_get(months, 2), "month"), "2026-06");
    const json_t *c = json_object_get(o, "contributions");
    assert_int_equal(jint(c, "unit_fen"), 125000 + 80000 + 40000);
    assert_int_equal(jint(c, "personal_fen"), 50000 + 40000 + 40000);
    assert_int_equal(jint(c, "credited_fen"), 175000 + 80000);
    assert_int_equal(jint(c, "outstanding_fen"), 120000);
    json_decref(o);
    assert_int_equal(audits(e, "person.read", "person", w.p), 1);

    /* the period before: opening 0, the closing of 2025 is the opening of 2026 */
    must(statement_person_json(&e->ctx, w.p, 2025, &o, &err), &err);
    pen = find_by(json_object_get(o, "accounts"), "account", "pension_account");
    assert_int_equal(jint(pen, "opening_fen"), 0);
    assert_int_equal(jint(pen, "closing_fen"), 10000);
    hf = find_by(json_object_get(o, "accounts"), "account", "housing_fund");
    assert_int_equal(jint(hf, "closing_fen"), 5500);
    assert_int_equal(jint(hf, "interest_fen"), 500);
    json_decref(o);
    /* the current period (0) runs to date and is not complete */
    must(statement_person_json(&e->ctx, w.p, 0, &o, &err), &err);
    assert_int_equal(jint(o, "period"), 2027);
    assert_false(json_is_true(json_object_get(o, "complete")));
    pen = find_by(json_object_get(o, "accounts"), "account", "pension_account");
    assert_int_equal(jint(pen, "opening_fen"), 22300);
    assert_int_equal(jint(pen, "closing_fen"), 22300 + 9999);
    json_decref(o);
    assert_int_equal(audits(e, "person.read", "person", w.p), 3);
    tu_env_close(e);
}

static void statement_visibility(void **state) {
    tu_env *e = tu_env_open(ROLE_PERSON, "2026-07-15");
    world w = build(e);
    err_detail err = {0};
    json_t *o = NULL;
    act(e, ROLE_PERSON, w.q, 0);
    assert_int_equal(statement_person_json(&e->ctx, w.p, 2026, &o, &err), ERR_NOT_FOUND);
    assert_string_equal(err.code, "person_not_found");
    act(e, ROLE_UNIT, 0, w.u);     /* p's employer: a statement is the person's own */
    assert_int_equal(statement_person_json(&e->ctx, w.p, 2026, &o, &err), ERR_NOT_FOUND);
    assert_int_equal(audits(e, "person.read", "person", w.p), 0);
    act(e, ROLE_CLERK, 0, 0);
    must(statement_person_json(&e->ctx, w.p, 2026, &o, &err), &err);
    json_decref(o);
    /* a period not begun, and one before the first */
    assert_int_equal(statement_person_json(&e->ctx, w.p, 2028, &o, &err), ERR_INVALID);
    assert_string_equal(err.code, "period_out_of_range");
    assert_int_equal(statement_person_json(&e->ctx, w.p, 2019, &o, &err), ERR_INVALID);
    assert_string_equal(err.code, "period_out_of_range");
    must(statement_person_json(&e->ctx, w.p, 2020, &o, &err), &err);
    json_decref(o);
    tu_env_close(e);
}

/* ---- certificates ---- */

static void unit_participation(void **state) {
    tu_env *e = tu_env_open(ROLE_UNIT, "2025-10-15");
    world w = build(e);
    bill(e, w.u, 0, 202507, "regular", "paid");
    bill(e, w.u, 0, 202508, "regular", "paid");
    bill(e, w.u, 0, 202508, "difference", "paid");
    bill(e, w.u, 0, 202509, "regular", "failed");
    bill(e, w.v, 0, 202506, "regular", "paid");
    err_detail err = {0};
    act(e, ROLE_UNIT, 0, w.u);
    json_t *o = NULL;
    must(statement_unit_participation_json(&e->ctx, w.u, &o, &err), &err);
    assert_int_equal(jint(o, "months_paid"), 2);
    assert_string_equal(jstr(o, "first_paid_month"), "2025-07");
    assert_string_equal(jstr(o, "last_paid_month"), "2025-08");
    assert_string_equal(jstr(o, "code"), "91320594MA1TEST01X");
    const json_t *ins = find_by(json_object_get(o, "insured"), "insurance", "medical");
    assert_int_equal(jint(ins, "count"), 2);     /* p since 2024-01, s since 2025-06 */
    json_decref(o);
    /* a unit that paid nothing */
    act(e, ROLE_CLERK, 0, 0);
    must(statement_unit_participation_json(&e->ctx, w.gov, &o, &err), &err);
    assert_int_equal(jint(o, "months_paid"), 0);
    assert_true(json_is_null(json_object_get(o, "first_paid_month")));
    json_decref(o);
    act(e, ROLE_UNIT, 0, w.v);
    assert_int_equal(statement_unit_participation_json(&e->ctx, w.u, &o, &err), ERR_NOT_FOUND);
    act(e, ROLE_PERSON, w.p, 0);
    assert_int_equal(statement_unit_participation_json(&e->ctx, w.u, &o, &err), ERR_NOT_FOUND);
    tu_env_close(e);
}

/* p: pension and medical at u in July and August 2025 (paid), September
 * failed; an injury-only month at v; r at v. */
static void post_unit_months(tu_env *e, const world *w) {
    for (int64_t m = 202507; m <= 202509; m++) {
        int64_t b = bill(e, w->u, 0, m, "regular", m == 202509 ? "failed" : "paid");
        assess(e, (line){b, w->u, w->p, w->span_p_pension, m, "pension", NULL, 500000, 80000, 40000});
        assess(e, (line){b, w->u, w->p, w->span_p_medical, m, "medical", NULL, 500000, 45000, 10000});
    }
    int64_t d = bill(e, w->u, 0, 202508, "difference", "paid");
    assess(e, (line){d, w->u, w->p, w->span_p_pension, 202508, "pension", "difference", 20000, 3200, 1600});
    int64_t bv = bill(e, w->v, 0, 202508, "regular", "paid");
    assess(e, (line){bv, w->v, w->p, w->span_p_at_v, 202508, "injury", NULL, 500000, 2000, 0});
    assess(e, (line){bv, w->v, w->r, w->span_r, 202508, "pension", NULL, 600000, 96000, 48000});
}

static void unit_summary(void **state) {
    tu_env *e = tu_env_open(ROLE_UNIT, "2025-10-15");
    world w = build(e);
    post_unit_months(e, &w);
    err_detail err = {0};
    act(e, ROLE_UNIT, 0, w.u);
    json_t *o = NULL;
    must(statement_unit_summary_json(&e->ctx, w.u, 202507, 202509, &o, &err), &err);
    assert_int_equal(jint(o, "count"), 1);      /* only p, only at u */
    const json_t *p = json_array_get(json_object_get(o, "persons"), 0);
    assert_int_equal(jint(p, "person_id"), w.p);
    assert_int_equal(jint(p, "months"), 2);     /* September failed */
    assert_int_equal(jint(p, "unit_fen"), 2 * 125000 + 3200);
    assert_int_equal(jint(p, "personal_fen"), 2 * 50000 + 1600);
    assert_string_equal(jstr(p, "id_number_masked"), "3205**********1234");
    const json_t *pi = find_by(json_object_get(p, "insurances"), "insurance", "pension");
    assert_int_equal(jint(pi, "months"), 2);
    assert_int_equal(jint(pi, "unit_fen"), 163200);
    assert_null(find_by(json_object_get(p, "insurances"), "insurance", "injury"));
    const json_t *tot = json_object_get(o, "totals");
    assert_int_equal(jint(tot, "unit_fen"), 253200);
    assert_int_equal(jint(find_by(json_object_get(tot, "insurances"), "insurance", "medical"), "personal_fen"), 20000);
    json_decref(o);
    assert_int_equal(audits(e, "unit.contribution_summary", "unit", w.u), 1);

    /* from August: one month; all (0 .. business month): two */
    must(statement_unit_summary_json(&e->ctx, w.u, 202508, 202508, &o, &err), &err);
    assert_int_equal(jint(json_array_get(json_object_get(o, "persons"), 0), "months"), 1);
    json_decref(o);
    must(statement_unit_summary_json(&e->ctx, w.u, 0, 0, &o, &err), &err);
    assert_true(json_is_null(json_object_get(o, "from")));
    assert_string_equal(jstr(o, "to"), "2025-10");
    assert_int_equal(jint(json_array_get(json_object_get(o, "persons"), 0), "months"), 2);
    json_decref(o);
    assert_int_equal(statement_unit_summary_json(&e->ctx, w.u, 202509, 202508, &o, &err), ERR_INVALID);
    assert_string_equal(err.code, "invalid_range");

    /* v sees r and p's injury month at v, not p's months at u */
    act(e, ROLE_UNIT, 0, w.v);
    must(statement_unit_summary_json(&e->ctx, w.v, 0, 0, &o, &err), &err);
    assert_int_equal(jint(o, "count"), 2);
    assert_int_equal(jint(json_object_get(o, "totals"), "unit_fen"), 98000);
    json_decref(o);
    assert_int_equal(statement_unit_summary_json(&e->ctx, w.u, 0, 0, &o, &err), ERR_NOT_FOUND);
    assert_string_equal(err.code, "unit_not_found");
    act(e, ROLE_PERSON, w.p, 0);
    assert_int_equal(statement_unit_summary_json(&e->ctx, w.u, 0, 0, &o, &err), ERR_NOT_FOUND);
    tu_env_close(e);
}

static void person_certificate(void **state) {
    tu_env *e = tu_env_open(ROLE_PERSON, "2025-10-15");
    world w = build(e);
    post_unit_months(e, &w);
    err_detail err = {0};
    json_t *o = NULL;
    act(e, ROLE_PERSON, w.p, 0);
    must(statement_person_contributions_json(&e->ctx, w.p, 202507, 202509, &o, &err), &err);
    assert_false(json_is_true(json_object_get(o, "gov_restricted")));
    assert_true(json_is_null(json_object_get(o, "unit_scope")));
    assert_int_equal(json_array_size(json_object_get(o, "participation")), 4);
    const json_t *months = json_object_get(o, "months");
    assert_int_equal(json_array_size(months), 2);           /* July and August; September failed */
    assert_int_equal(json_array_size(json_object_get(json_array_get(months, 1), "items")), 4);
    const json_t *pen = find_by(json_object_get(o, "insurances"), "insurance", "pension");
    assert_int_equal(jint(pen, "months"), 2);                /* the difference is no month more */
    assert_int_equal(jint(pen, "unit_fen"), 163200);
    const json_t *inj = find_by(json_object_get(o, "insurances"), "insurance", "injury");
    assert_int_equal(jint(inj, "months"), 1);
    assert_int_equal(jint(json_object_get(o, "totals"), "unit_fen"), 253200 + 2000);
    json_decref(o);
    assert_int_equal(audits(e, "person.read", "person", w.p), 1);

    /* the employer sees only the spans and months at its unit */
    act(e, ROLE_UNIT, 0, w.u);
    must(statement_person_contributions_json(&e->ctx, w.p, 0, 0, &o, &err), &err);
    assert_int_equal(jint(o, "unit_scope"), w.u);
    assert_int_equal(json_array_size(json_object_get(o, "participation")), 3);
    assert_null(find_by(json_object_get(o, "insurances"), "insurance", "injury"));
    assert_int_equal(jint(json_object_get(o, "totals"), "unit_fen"), 253200);
    json_decref(o);
    /* a unit and another unit's employee; a person and another person: 404 */
    assert_int_equal(statement_person_contributions_json(&e->ctx, w.r, 0, 0, &o, &err), ERR_NOT_FOUND);
    assert_string_equal(err.code, "person_not_found");
    act(e, ROLE_PERSON, w.q, 0);
    assert_int_equal(statement_person_contributions_json(&e->ctx, w.p, 0, 0, &o, &err), ERR_NOT_FOUND);
    act(e, ROLE_FINANCE, 0, 0);
    must(statement_person_contributions_json(&e->ctx, w.r, 0, 0, &o, &err), &err);
    assert_int_equal(jint(json_object_get(o, "totals"), "unit_fen"), 96000);
    json_decref(o);
    tu_env_close(e);
}

static void gov_member_certificate(void **state) {
    tu_env *e = tu_env_open(ROLE_PERSON, "2025-10-15");
    world w = build(e);
    int64_t g = tu_add_person(e, "320571198505055678", "孙七");
    employ(e, g, w.gov, "active");
    const char *ins[] = {"pension", "medical", "unemployment", "injury", "maternity", "housing_fund"};
    int64_t b = bill(e, w.gov, 0, 202508, "regular", "paid");
    for (int i = 0; i < 6; i++) {
        int64_t sp = span(e, g, w.gov, ins[i], "gov", 202001, 0, "normal");
        assess(e, (line){b, w.gov, g, sp, 202508, ins[i], NULL, 600000, 1000 * (i + 1), 100 * (i + 1)});
    }
    err_detail err = {0};
    json_t *o = NULL;
    act(e, ROLE_PERSON, g, 0);
    must(statement_person_contributions_json(&e->ctx, g, 0, 0, &o, &err), &err);
    assert_true(json_is_true(json_object_get(o, "gov_restricted")));
    const json_t *hidden = json_object_get(o, "hidden_insurances");
    assert_int_equal(json_array_size(hidden), 2);
    assert_string_equal(json_string_value(json_array_get(hidden, 0)), "pension");
    assert_string_equal(json_string_value(json_array_get(hidden, 1)), "unemployment");
    const json_t *list = json_object_get(o, "insurances");
    assert_int_equal(json_array_size(list), 4);
    assert_non_null(find_by(list, "insurance", "medical"));
    assert_non_null(find_by(list, "insurance", "injury"));
    assert_non_null(find_by(list, "insurance", "maternity"));
    assert_non_null(find_by(list, "insurance", "housing_fund"));
    assert_null(find_by(list, "insurance", "pension"));
    assert_int_equal(json_array_size(json_object_get(o, "participation")), 4);
    /* medical 2000 + injury 4000 + maternity 5000 + housing fund 6000 */
    assert_int_equal(jint(json_object_get(o, "totals"), "unit_fen"), 17000);
    json_decref(o);
    tu_env_close(e);
}

/* ---- the yearly run ---- */

static err_kind run(tu_env *e, int period, int64_t *count, err_detail *err) {
    err_detail cerr = {0};
    must(store_commit(e->ctx.tx, &cerr), &cerr);
    e->ctx.tx = NULL;
    *err = (err_detail){0};
    err_kind k = statement_run(e->st, &e->ctx, period, count, err);
    must(store_begin(e->st, true, &e->ctx.tx, &cerr), &cerr);
    return k;
}

static void yearly_run(void **state) {
    tu_env *e = tu_env_open(ROLE_SYSTEM, "2026-06-30");
    world w = build(e);           /* p, r, s have spans reaching into period 2026 */
    int64_t x = tu_add_person(e, "320571199505056789", "钱八");
    int64_t y = tu_add_person(e, "320571199606067890", "周九");
    int64_t z = tu_add_person(e, "320571199707078901", "吴十");
    span(e, x, w.u, "pension", "sip_a", 202301, 202506, "terminated");   /* ended before */
    span(e, y, w.u, "pension", "sip_a", 202606, 202606, "terminated");   /* the last month */
    span(e, z, w.u, "pension", "sip_a", 202607, 0, "normal");            /* begins after */
    /* s opted out of paper for period 2026 */
    err_detail err = {0};
    act(e, ROLE_CLERK, 0, 0);
    on(e, "2026-03-01");
    must(statement_paper_set(&e->ctx, w.s, false, &err), &err);
    act(e, ROLE_SYSTEM, 0, 0);

    int64_t count = -1;
    on(e, "2026-06-30");
    assert_int_equal(run(e, 2026, &count, &err), ERR_RULE);
    const err_rule *r = rule_of(&err, "period_not_ended");
    assert_non_null(r);
    assert_non_null(strstr(r->data_json, "\"ends_on\":\"2026-06-30\""));
    act(e, ROLE_CLERK, 0, 0);
    on(e, "2026-07-01");
    assert_int_equal(run(e, 2026, &count, &err), ERR_FORBIDDEN);

    act(e, ROLE_SYSTEM, 0, 0);
    if (run(e, 2026, &count, &err)) fail_msg("run: %s %s", err.code, err.message);
    assert_int_equal(count, 4);                 /* p, r, s, y */
    assert_int_equal(count_q(e, STORE_Q_STATEMENT_TEST_RUNS, NULL, NULL, 2026, 0), 4);
    assert_int_equal(count_q(e, STORE_Q_STATEMENT_TEST_RUNS, NULL, NULL, 2026, 1), 3);   /* s: no paper */
    /* started again: nothing twice */
    if (run(e, 2026, &count, &err)) fail_msg("rerun: %s %s", err.code, err.message);
    assert_int_equal(count, 4);
    assert_int_equal(count_q(e, STORE_Q_STATEMENT_TEST_RUNS, NULL, NULL, 2026, 0), 4);
    /* the statement names the day it was produced */
    json_t *o = NULL;
    must(statement_person_json(&e->ctx, w.p, 2026, &o, &err), &err);
    assert_string_equal(jstr(o, "produced_on"), "2026-07-01");
    json_decref(o);
    assert_int_equal(run(e, 2019, &count, &err), ERR_INVALID);
    tu_env_close(e);
}

/* ---- a store failing at each call in turn ---- */

/* The unit's change is whole or absent; the statement's read fails cleanly
 * (no leak, no half answer) until it succeeds. */
static void fault_loops(void **state) {
    tu_env *e = tu_env_open(ROLE_UNIT, "2026-06-10");
    world w = build(e);
    post_books(e, &w);
    post_assessments(e, &w);
    tu_env_commit(e);
    act(e, ROLE_UNIT, 0, w.u);
    long n = 1;
    for (;; n++) {
        json_t *o = NULL;
        err_detail err = {0};
        store_fault_set(e->st, n);
        err_kind k = statement_paper_set_unit(&e->ctx, w.u, NULL, 0, false, &o, &err);
        store_fault_set(e->st, 0);
        if (!k) {
            json_decref(o);
            tu_env_commit(e);
            break;
        }
        assert_int_equal(k, ERR_UNAVAILABLE);
        tu_env_rollback(e);
        assert_true(paper_of(e, w.p, 2026));
        assert_true(paper_of(e, w.s, 2026));
        assert_true(n < 500);
    }
    assert_true(n > 3);
    assert_false(paper_of(e, w.p, 2026));
    assert_false(paper_of(e, w.s, 2026));

    act(e, ROLE_CLERK, 0, 0);
    for (n = 1;; n++) {
        json_t *o = NULL;
        err_detail err = {0};
        store_fault_set(e->st, n);
        err_kind k = statement_person_json(&e->ctx, w.p, 2026, &o, &err);
        store_fault_set(e->st, 0);
        if (!k) {
            assert_int_equal(jint(find_by(json_object_get(o, "accounts"), "account", "pension_account"),
                                  "closing_fen"), 22300);
            json_decref(o);
            break;
        }
        assert_int_equal(k, ERR_UNAVAILABLE);
        assert_null(o);
        tu_env_rollback(e);
        assert_true(n < 500);
    }
    assert_true(n > 5);
    tu_env_close(e);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(period_edges),
        cmocka_unit_test(person_window_edges),
        cmocka_unit_test(person_paper_rules_and_roles),
        cmocka_unit_test(unit_window_edges),
        cmocka_unit_test(unit_all_or_nothing),
        cmocka_unit_test(statement_balances),
        cmocka_unit_test(statement_visibility),
        cmocka_unit_test(unit_participation),
        cmocka_unit_test(unit_summary),
        cmocka_unit_test(person_certificate),
        cmocka_unit_test(gov_member_certificate),
        cmocka_unit_test(yearly_run),
        cmocka_unit_test(fault_loops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
