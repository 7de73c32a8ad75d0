/* svc/application: the life of an application, deadlines over holidays,
 * refusals, visibility, the queue and its due classes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "svc/application.h"
#include "svc/audit.h"

typedef struct fixture {
    tu_env *e;
    int64_t p1, p2, u1;
} fixture;

static fixture *fx_open(const char *date) {
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->e = tu_env_open(ROLE_CLERK, date);
    f->p1 = tu_add_person(f->e, "320504199001011234", "张三");
    f->p2 = tu_add_person(f->e, "320504199202022345", "李四");
    f->u1 = tu_add_unit(f->e, "91320594MA1XXXXX0X", "园区测试有限公司");
    tu_env_commit(f->e);
    return f;
}

static void fx_close(fixture *f) {
    tu_env_close(f->e);
    free(f);
}

static void act(fixture *f, svc_role role, int64_t person_id, int64_t unit_id) {
    f->e->ctx.actor.role = role;
    f->e->ctx.actor.person_id = person_id;
    f->e->ctx.actor.unit_id = unit_id;
}

static void on(fixture *f, const char *date) {
    err_detail err = {0};
    assert_int_equal(date_parse(date, "date", &f->e->ctx.business_date, &err), ERR_OK);
    f->e->ctx.now_ms = (int64_t)f->e->ctx.business_date * 86400000LL + 2 * 3600000LL;
}

/* Submits item as the current actor; fails the test on refusal. */
static int64_t submit(fixture *f, const char *item, int64_t person_id, int64_t unit_id) {
    err_detail err = {0};
    application_new in = {.item_id = item, .person_id = person_id, .unit_id = unit_id};
    int64_t id = 0;
    if (application_submit(&f->e->ctx, &in, &id, &err))
        fail_msg("submit %s: %s (%s)", item, err.message, err.code);
    assert_true(id > 0);
    return id;
}

static int64_t person_submits(fixture *f, int64_t person, const char *item) {
    act(f, ROLE_PERSON, person, 0);
    return submit(f, item, 0, 0);
}

static void accept_as_clerk(fixture *f, int64_t id) {
    err_detail err = {0};
    act(f, ROLE_CLERK, 0, 0);
    if (application_accept(&f->e->ctx, id, NULL, &err)) fail_msg("accept: %s", err.message);
}

static json_t *get_as(fixture *f, svc_role role, int64_t person, int64_t unit, int64_t id) {
    err_detail err = {0};
    json_t *o = NULL;
    act(f, role, person, unit);
    if (application_get(&f->e->ctx, id, &o, &err)) fail_msg("get: %s", err.message);
    return o;
}

static const char *js(const json_t *o, const char *key) {
    const json_t *v = json_object_get(o, key);
    return json_is_null(v) ? NULL : json_string_value(v);
}

static void assert_str_or_null(const char *got, const char *want) {
    if (!want) assert_null(got);
    else {
        assert_non_null(got);
        assert_string_equal(got, want);
    }
}

static void assert_event(const json_t *o, size_t i, const char *action, const char *from,
                         const char *to, const char *role, const char *date) {
    const json_t *ev = json_array_get(json_object_get(o, "events"), i);
    assert_non_null(ev);
    assert_string_equal(js(ev, "action"), action);
    assert_str_or_null(js(ev, "from"), from);
    assert_string_equal(js(ev, "to"), to);
    assert_string_equal(js(ev, "actor_role"), role);
    assert_string_equal(js(ev, "business_date"), date);
}

/* ---- the whole life ---- */

static void check_final_record(fixture *f, int64_t id) {
    json_t *o = get_as(f, ROLE_PERSON, f->p1, 0, id);
    assert_string_equal(js(o, "item_id"), "unemp.transfer.out");
    assert_string_equal(js(o, "item_name"), "失业保险关系转出（跨省）");
    assert_string_equal(js(o, "state"), "completed");
    assert_string_equal(js(o, "state_zh"), "已办结");
    assert_int_equal(json_integer_value(json_object_get(o, "person_id")), f->p1);
    assert_true(json_is_null(json_object_get(o, "unit_id")));
    assert_string_equal(js(o, "channel"), "counter");
    assert_string_equal(js(o, "submitted_on"), "2026-09-29");
    assert_string_equal(js(o, "accepted_on"), "2026-09-30");
    assert_string_equal(js(o, "deadline_on"), "2026-10-13");
    assert_string_equal(js(o, "decided_on"), "2026-10-09");
    assert_string_equal(js(o, "completed_on"), "2026-10-12");
    assert_string_equal(js(o, "decision_reason"), "材料齐全");
    assert_string_equal(js(json_object_get(o, "payload"), "to_city"), "上海市");
    const json_t *m = json_object_get(o, "materials");
    assert_int_equal(json_array_size(m), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(m, 1), "index")), 1);
    assert_string_equal(js(json_array_get(m, 1), "name"), "转入地接收函");
    assert_true(json_is_true(json_object_get(json_array_get(m, 0), "received")));
    assert_true(json_is_true(json_object_get(json_array_get(m, 1), "received")));
    assert_int_equal(json_array_size(json_object_get(o, "events")), 6);
    assert_event(o, 0, "submit", NULL, "submitted", "person", "2026-09-29");
    assert_event(o, 1, "accept", "submitted", "accepted", "clerk", "2026-09-30");
    assert_event(o, 2, "receive", "accepted", "accepted", "clerk", "2026-09-30");
    assert_event(o, 4, "approve", "accepted", "approved", "reviewer", "2026-10-09");
    assert_event(o, 5, "complete", "approved", "completed", "clerk", "2026-10-12");
    const json_t *ev1 = json_array_get(json_object_get(o, "events"), 1);
    assert_string_equal(js(ev1, "at"), "2026-09-30T10:00:00+08:00");
    assert_string_equal(js(ev1, "note"), "证件已核");
    json_decref(o);
}

static void check_audit(fixture *f, int64_t id) {
    static const char *const newest_first[] = {
        "application.read", "application.complete", "application.decide", "application.receive",
        "application.receive", "application.accept", "application.submit"};
    char target[64];
    snprintf(target, sizeof target, "application:%lld", (long long)id);
    act(f, ROLE_ADMIN, 0, 0);
    err_detail err = {0};
    json_t *rows = NULL;
    assert_int_equal(audit_list(&f->e->ctx, target, 0, 100, &rows, &err), ERR_OK);
    assert_int_equal(json_array_size(rows), 7);
    for (size_t i = 0; i < 7; i++) {
        const json_t *r = json_array_get(rows, i);
        assert_string_equal(js(r, "action"), newest_first[i]);
        assert_string_equal(js(r, "outcome"), "ok");
    }
    json_decref(rows);
}

/* Accepted on 2026-09-30 (Wed) with 5 working days: the National Day days off
 * 10-01..10-07 are skipped, the make-up Saturday 10-10 counts: 10-08 (1),
 * 10-09 (2), 10-10 (3), 10-12 (4), 10-13 (5). */
static void test_life_over_national_day(void **state) {
    (void)state;
    fixture *f = fx_open("2026-09-29");
    err_detail err = {0};
    json_t *payload = json_pack("{s:s}", "to_city", "上海市");
    act(f, ROLE_PERSON, f->p1, 0);
    application_new in = {.item_id = "unemp.transfer.out", .payload = payload};
    int64_t id = 0;
    assert_int_equal(application_submit(&f->e->ctx, &in, &id, &err), ERR_OK);
    json_decref(payload);
    tu_env_commit(f->e);

    on(f, "2026-09-30");
    act(f, ROLE_CLERK, 0, 0);
    assert_int_equal(application_accept(&f->e->ctx, id, "证件已核", &err), ERR_OK);
    assert_int_equal(application_receive(&f->e->ctx, id, 0, true, &err), ERR_OK);
    assert_int_equal(application_receive(&f->e->ctx, id, 1, true, &err), ERR_OK);
    tu_env_commit(f->e);

    on(f, "2026-10-09");
    act(f, ROLE_REVIEWER, 0, 0);
    assert_int_equal(application_decide(&f->e->ctx, id, true, "材料齐全", &err), ERR_OK);
    on(f, "2026-10-12");
    act(f, ROLE_CLERK, 0, 0);
    assert_int_equal(application_complete(&f->e->ctx, id, NULL, &err), ERR_OK);
    tu_env_commit(f->e);

    check_final_record(f, id);
    check_audit(f, id);
    fx_close(f);
}

/* 即时办结: accepted and completed at once, deadline the business date. */
static void test_immediate_completes(void **state) {
    (void)state;
    fixture *f = fx_open("2026-10-03");   /* a holiday: the deadline is still that date */
    int64_t id = person_submits(f, f->p1, "med.offsite.temporary");
    json_t *o = get_as(f, ROLE_PERSON, f->p1, 0, id);
    assert_string_equal(js(o, "state"), "completed");
    assert_string_equal(js(o, "submitted_on"), "2026-10-03");
    assert_string_equal(js(o, "accepted_on"), "2026-10-03");
    assert_string_equal(js(o, "deadline_on"), "2026-10-03");
    assert_string_equal(js(o, "completed_on"), "2026-10-03");
    assert_null(js(o, "decided_on"));
    assert_int_equal(json_array_size(json_object_get(o, "materials")), 2);
    assert_int_equal(json_array_size(json_object_get(o, "events")), 3);
    assert_event(o, 0, "submit", NULL, "submitted", "person", "2026-10-03");
    assert_event(o, 1, "accept", "submitted", "accepted", "person", "2026-10-03");
    assert_event(o, 2, "complete", "accepted", "completed", "person", "2026-10-03");
    assert_true(json_is_object(json_object_get(o, "payload")));
    json_decref(o);

    /* a unit's immediate item with no materials (catalog says 无) */
    act(f, ROLE_UNIT, 0, f->u1);
    int64_t uid = submit(f, "svc.query.gov-retire-med-progress", 0, 0);
    o = get_as(f, ROLE_UNIT, 0, f->u1, uid);
    assert_string_equal(js(o, "state"), "completed");
    assert_int_equal(json_integer_value(json_object_get(o, "unit_id")), f->u1);
    assert_true(json_is_null(json_object_get(o, "person_id")));
    assert_int_equal(json_array_size(json_object_get(o, "materials")), 0);
    json_decref(o);

    /* completed: no further step */
    err_detail err = {0};
    act(f, ROLE_CLERK, 0, 0);
    assert_int_equal(application_accept(&f->e->ctx, id, NULL, &err), ERR_CONFLICT);
    assert_string_equal(err.code, "bad_state");
    assert_non_null(strstr(err.message, "已办结"));
    fx_close(f);
}

static void test_staff_submits_for_person_and_unit(void **state) {
    (void)state;
    fixture *f = fx_open("2026-03-02");
    act(f, ROLE_CLERK, 0, 0);
    int64_t a = submit(f, "med.dual-channel-drug", f->p2, 0);
    int64_t b = submit(f, "med.retire.approval.gov", 0, f->u1);
    json_t *o = get_as(f, ROLE_PERSON, f->p2, 0, a);
    assert_int_equal(json_integer_value(json_object_get(o, "person_id")), f->p2);
    assert_string_equal(js(o, "state"), "submitted");
    assert_null(js(o, "deadline_on"));
    json_decref(o);
    o = get_as(f, ROLE_UNIT, 0, f->u1, b);
    assert_int_equal(json_integer_value(json_object_get(o, "unit_id")), f->u1);
    json_decref(o);

    /* 15 working days after Mon 2026-03-02 (no holiday in March): Mon 2026-03-23 */
    on(f, "2026-03-02");
    accept_as_clerk(f, b);
    o = get_as(f, ROLE_CLERK, 0, 0, b);
    assert_string_equal(js(o, "deadline_on"), "2026-03-23");
    json_decref(o);
    fx_close(f);
}

/* A time limit the catalog does not state: accepted without a deadline. */
static void test_no_deadline(void **state) {
    (void)state;
    fixture *f = fx_open("2026-03-02");
    int64_t id = person_submits(f, f->p1, "inj.offsite.referral");
    accept_as_clerk(f, id);
    json_t *o = get_as(f, ROLE_CLERK, 0, 0, id);
    assert_string_equal(js(o, "state"), "accepted");
    assert_string_equal(js(o, "accepted_on"), "2026-03-02");
    assert_null(js(o, "deadline_on"));
    json_decref(o);
    fx_close(f);
}

/* ---- refusals ---- */

static void expect_submit(fixture *f, const char *item, int64_t person_id, int64_t unit_id,
                          err_kind kind, const char *code) {
    err_detail err = {0};
    application_new in = {.item_id = item, .person_id = person_id, .unit_id = unit_id};
    int64_t id = -7;
    assert_int_equal(application_submit(&f->e->ctx, &in, &id, &err), kind);
    assert_string_equal(err.code, code);
    assert_int_equal(id, -7);
    tu_env_rollback(f->e);
}

static void expect_rules_for(fixture *f, const char *item, int64_t person_id, int64_t unit_id,
                             int n, const char *first, const char *second) {
    err_detail err = {0};
    application_new in = {.item_id = item, .person_id = person_id, .unit_id = unit_id};
    int64_t id = 0;
    assert_int_equal(application_submit(&f->e->ctx, &in, &id, &err), ERR_RULE);
    assert_string_equal(err.code, "rules_failed");
    assert_int_equal(err.rule_count, n);
    assert_string_equal(err.rules[0].code, first);
    if (second) assert_string_equal(err.rules[1].code, second);
    tu_env_rollback(f->e);
}

static void expect_rules(fixture *f, const char *item, int n, const char *first,
                         const char *second) {
    expect_rules_for(f, item, 0, 0, n, first, second);
}

static void test_submit_refusals(void **state) {
    (void)state;
    fixture *f = fx_open("2026-03-02");
    act(f, ROLE_PERSON, f->p1, 0);
    expect_submit(f, "no.such.item", 0, 0, ERR_NOT_FOUND, "item_not_found");
    expect_rules(f, "hf.withdraw.sealed", 1, "item_not_open", NULL);
    err_detail err = {0};
    application_new in = {.item_id = "hf.withdraw.sealed"};
    int64_t id = 0;
    assert_int_equal(application_submit(&f->e->ctx, &in, &id, &err), ERR_RULE);
    assert_string_equal(err.message, "该事项暂未开通");
    tu_env_rollback(f->e);
    /* a person may not apply for a unit's item, nor a unit for a person's */
    expect_rules(f, "med.retire.approval.gov", 1, "audience_mismatch", NULL);
    expect_rules(f, "emp.trainee-subsidy", 2, "item_not_open", "audience_mismatch");
    act(f, ROLE_UNIT, 0, f->u1);
    expect_rules(f, "med.dual-channel-drug", 1, "audience_mismatch", NULL);
    /* staff must name whom they act for, and it must exist */
    act(f, ROLE_CLERK, 0, 0);
    expect_submit(f, "med.dual-channel-drug", 0, 0, ERR_INVALID, "missing_field");
    expect_submit(f, "med.dual-channel-drug", 999, 0, ERR_NOT_FOUND, "person_not_found");
    expect_submit(f, "med.retire.approval.gov", 0, 999, ERR_NOT_FOUND, "unit_not_found");
    /* staff too: a person's item is not submitted for a unit */
    expect_rules_for(f, "med.dual-channel-drug", 0, f->u1, 1, "audience_mismatch", NULL);
    expect_rules_for(f, "med.retire.approval.gov", f->p1, 0, 1, "audience_mismatch", NULL);
    fx_close(f);
}

static void test_submit_bad_input(void **state) {
    (void)state;
    fixture *f = fx_open("2026-03-02");
    act(f, ROLE_PERSON, f->p1, 0);
    err_detail err = {0};
    json_t *arr = json_array();
    application_new in = {.item_id = "med.dual-channel-drug", .payload = arr};
    int64_t id = 0;
    assert_int_equal(application_submit(&f->e->ctx, &in, &id, &err), ERR_INVALID);
    assert_string_equal(err.field, "payload");
    json_decref(arr);
    in.payload = NULL;
    in.item_id = "";
    assert_int_equal(application_submit(&f->e->ctx, &in, &id, &err), ERR_INVALID);
    assert_string_equal(err.field, "item_id");
    act(f, ROLE_NONE, 0, 0);
    in.item_id = "med.dual-channel-drug";
    assert_int_equal(application_submit(&f->e->ctx, &in, &id, &err), ERR_FORBIDDEN);
    fx_close(f);
}

static void expect_state_error(err_kind k, const err_detail *err, const char *state_zh) {
    assert_int_equal(k, ERR_CONFLICT);
    assert_string_equal(err->code, "bad_state");
    if (!strstr(err->message, state_zh)) fail_msg("message \"%s\" lacks %s", err->message, state_zh);
}

static void test_wrong_states(void **state) {
    (void)state;
    fixture *f = fx_open("2026-03-02");
    svc_ctx *c = &f->e->ctx;
    err_detail err = {0};
    int64_t id = person_submits(f, f->p1, "med.dual-channel-drug");
    act(f, ROLE_REVIEWER, 0, 0);
    expect_state_error(application_decide(c, id, true, NULL, &err), &err, "已提交");
    expect_state_error(application_complete(c, id, NULL, &err), &err, "已提交");
    accept_as_clerk(f, id);
    expect_state_error(application_accept(c, id, NULL, &err), &err, "已受理");
    expect_state_error(application_complete(c, id, NULL, &err), &err, "已受理");
    act(f, ROLE_REVIEWER, 0, 0);
    assert_int_equal(application_decide(c, id, false, "诊断材料不全", &err), ERR_OK);
    expect_state_error(application_decide(c, id, true, NULL, &err), &err, "已退回");
    expect_state_error(application_complete(c, id, NULL, &err), &err, "已退回");
    act(f, ROLE_CLERK, 0, 0);
    expect_state_error(application_accept(c, id, NULL, &err), &err, "已退回");
    expect_state_error(application_receive(c, id, 0, true, &err), &err, "已退回");
    json_t *o = get_as(f, ROLE_PERSON, f->p1, 0, id);
    assert_string_equal(js(o, "state"), "refused");
    assert_string_equal(js(o, "state_zh"), "已退回");
    assert_string_equal(js(o, "decision_reason"), "诊断材料不全");
    json_decref(o);

    int64_t id2 = person_submits(f, f->p1, "med.dual-channel-drug");
    accept_as_clerk(f, id2);
    act(f, ROLE_ADMIN, 0, 0);
    assert_int_equal(application_decide(c, id2, true, NULL, &err), ERR_OK);
    expect_state_error(application_decide(c, id2, false, "迟到的退回", &err), &err, "已批准");
    assert_int_equal(application_complete(c, id2, NULL, &err), ERR_OK);
    expect_state_error(application_complete(c, id2, NULL, &err), &err, "已办结");
    fx_close(f);
}

static void test_roles_and_reasons(void **state) {
    (void)state;
    fixture *f = fx_open("2026-03-02");
    svc_ctx *c = &f->e->ctx;
    err_detail err = {0};
    int64_t id = person_submits(f, f->p1, "med.dual-channel-drug");
    /* the applicant cannot accept; finance cannot; a reviewer cannot accept */
    assert_int_equal(application_accept(c, id, NULL, &err), ERR_FORBIDDEN);
    act(f, ROLE_FINANCE, 0, 0);
    assert_int_equal(application_accept(c, id, NULL, &err), ERR_FORBIDDEN);
    act(f, ROLE_REVIEWER, 0, 0);
    assert_int_equal(application_accept(c, id, NULL, &err), ERR_FORBIDDEN);
    assert_int_equal(application_receive(c, id, 0, true, &err), ERR_FORBIDDEN);
    accept_as_clerk(f, id);
    /* a clerk does not decide */
    assert_int_equal(application_decide(c, id, true, NULL, &err), ERR_FORBIDDEN);
    assert_string_equal(err.code, "forbidden");
    act(f, ROLE_REVIEWER, 0, 0);
    err_clear(&err);
    assert_int_equal(application_decide(c, id, false, NULL, &err), ERR_INVALID);
    assert_string_equal(err.code, "missing_field");
    assert_string_equal(err.field, "reason");
    err_clear(&err);
    assert_int_equal(application_decide(c, id, false, "  \n", &err), ERR_INVALID);
    assert_string_equal(err.field, "reason");
    /* still accepted after the refusals */
    json_t *o = get_as(f, ROLE_CLERK, 0, 0, id);
    assert_string_equal(js(o, "state"), "accepted");
    json_decref(o);
    act(f, ROLE_PERSON, f->p1, 0);
    assert_int_equal(application_complete(c, id, NULL, &err), ERR_FORBIDDEN);
    fx_close(f);
}

static void test_receive(void **state) {
    (void)state;
    fixture *f = fx_open("2026-03-02");
    svc_ctx *c = &f->e->ctx;
    err_detail err = {0};
    int64_t id = person_submits(f, f->p1, "med.dual-channel-drug");
    act(f, ROLE_CLERK, 0, 0);
    assert_int_equal(application_receive(c, id, 2, true, &err), ERR_OK);   /* before acceptance */
    assert_int_equal(application_receive(c, id, 3, true, &err), ERR_INVALID);
    assert_string_equal(err.code, "invalid_field");
    assert_string_equal(err.field, "material_index");
    assert_int_equal(application_receive(c, id, -1, true, &err), ERR_INVALID);
    assert_string_equal(err.field, "material_index");
    assert_int_equal(application_receive(c, id, 0, true, &err), ERR_OK);
    assert_int_equal(application_receive(c, id, 0, false, &err), ERR_OK);   /* taken back */
    assert_int_equal(application_receive(c, 424242, 0, true, &err), ERR_NOT_FOUND);
    json_t *o = get_as(f, ROLE_CLERK, 0, 0, id);
    const json_t *m = json_object_get(o, "materials");
    assert_int_equal(json_array_size(m), 3);
    assert_false(json_is_true(json_object_get(json_array_get(m, 0), "received")));
    assert_false(json_is_true(json_object_get(json_array_get(m, 1), "received")));
    assert_true(json_is_true(json_object_get(json_array_get(m, 2), "received")));
    assert_int_equal(json_array_size(json_object_get(o, "events")), 4);
    assert_event(o, 1, "receive", "submitted", "submitted", "clerk", "2026-03-02");
    json_decref(o);
    fx_close(f);
}

static void expect_hidden(fixture *f, svc_role role, int64_t person, int64_t unit, int64_t id) {
    err_detail err = {0};
    json_t *o = NULL;
    act(f, role, person, unit);
    assert_int_equal(application_get(&f->e->ctx, id, &o, &err), ERR_NOT_FOUND);
    assert_string_equal(err.code, "application_not_found");
    assert_null(o);
}

static void test_visibility(void **state) {
    (void)state;
    fixture *f = fx_open("2026-03-02");
    int64_t mine = person_submits(f, f->p1, "med.dual-channel-drug");
    act(f, ROLE_UNIT, 0, f->u1);
    int64_t unit_app = submit(f, "med.retire.approval.gov", 0, 0);
    expect_hidden(f, ROLE_PERSON, f->p2, 0, mine);        /* another person's */
    expect_hidden(f, ROLE_UNIT, 0, f->u1, mine);          /* a unit, a person's */
    expect_hidden(f, ROLE_PERSON, f->p1, 0, unit_app);    /* a person, a unit's */
    expect_hidden(f, ROLE_UNIT, 0, f->u1 + 1, unit_app);  /* another unit */
    expect_hidden(f, ROLE_NONE, 0, 0, mine);
    expect_hidden(f, ROLE_PERSON, f->p1, 0, 999999);      /* absent: the same answer */
    json_t *o = get_as(f, ROLE_FINANCE, 0, 0, mine);       /* staff see all */
    json_decref(o);
    fx_close(f);
}

/* ---- the queue ---- */

static json_t *list_as(fixture *f, svc_role role, int64_t person, int64_t unit, const char *st,
                       const char *item) {
    err_detail err = {0};
    json_t *arr = NULL;
    application_filter flt = {.state = st, .item_id = item, .limit = 100};
    act(f, role, person, unit);
    if (application_list(&f->e->ctx, &flt, &arr, &err)) fail_msg("list: %s", err.message);
    return arr;
}

static void assert_row(const json_t *arr, size_t i, int64_t id, const char *deadline,
                       const char *due) {
    const json_t *r = json_array_get(arr, i);
    assert_non_null(r);
    assert_int_equal(json_integer_value(json_object_get(r, "id")), id);
    assert_str_or_null(js(r, "deadline_on"), deadline);
    assert_string_equal(js(r, "due"), due);
}

static int64_t accepted_on(fixture *f, const char *date, const char *item) {
    on(f, date);
    int64_t id = person_submits(f, f->p1, item);
    accept_as_clerk(f, id);
    return id;
}

/* Listed on Fri 2026-10-09, whose next working day is the make-up Saturday 10-10. */
static void test_due_classes_around_national_day(void **state) {
    (void)state;
    fixture *f = fx_open("2026-09-30");
    int64_t a = accepted_on(f, "2026-09-30", "med.dual-channel-drug");   /* due 10-08 */
    int64_t b = accepted_on(f, "2026-10-08", "med.dual-channel-drug");   /* due 10-09 */
    int64_t c = accepted_on(f, "2026-10-09", "med.dual-channel-drug");   /* due 10-10 */
    int64_t d = accepted_on(f, "2026-10-10", "med.dual-channel-drug");   /* due 10-12 */
    int64_t g = accepted_on(f, "2026-10-09", "unemp.transfer.out");      /* due 10-15 */
    int64_t h = accepted_on(f, "2026-10-09", "inj.offsite.referral");    /* no deadline */
    on(f, "2026-10-09");
    int64_t s = person_submits(f, f->p1, "med.dual-channel-drug");      /* not accepted */
    int64_t done = person_submits(f, f->p1, "med.offsite.temporary");   /* completed */
    json_t *q = list_as(f, ROLE_CLERK, 0, 0, NULL, NULL);
    assert_int_equal(json_array_size(q), 7);   /* open states only */
    assert_row(q, 0, a, "2026-10-08", "overdue");
    assert_row(q, 1, b, "2026-10-09", "due_soon");
    assert_row(q, 2, c, "2026-10-10", "due_soon");
    assert_row(q, 3, d, "2026-10-12", "ok");
    assert_row(q, 4, g, "2026-10-15", "ok");
    assert_row(q, 5, h, NULL, "ok");
    assert_row(q, 6, s, NULL, "ok");
    json_decref(q);

    q = list_as(f, ROLE_REVIEWER, 0, 0, "completed", NULL);
    assert_int_equal(json_array_size(q), 1);
    assert_row(q, 0, done, "2026-10-09", "ok");
    json_decref(q);
    q = list_as(f, ROLE_CLERK, 0, 0, "accepted", "unemp.transfer.out");
    assert_int_equal(json_array_size(q), 1);
    assert_row(q, 0, g, "2026-10-15", "ok");
    json_decref(q);

    on(f, "2026-10-10");   /* the make-up Saturday: next working day Mon 10-12 */
    q = list_as(f, ROLE_CLERK, 0, 0, "accepted", NULL);
    assert_row(q, 1, b, "2026-10-09", "overdue");
    assert_row(q, 2, c, "2026-10-10", "due_soon");
    assert_row(q, 3, d, "2026-10-12", "due_soon");
    assert_row(q, 4, g, "2026-10-15", "ok");
    json_decref(q);
    fx_close(f);
}

/* An ordinary weekend: Friday's next working day is Monday. */
static void test_due_soon_over_weekend(void **state) {
    (void)state;
    fixture *f = fx_open("2026-03-12");
    int64_t a = accepted_on(f, "2026-03-12", "med.dual-channel-drug");   /* Thu: due Fri 03-13 */
    int64_t b = accepted_on(f, "2026-03-13", "med.dual-channel-drug");   /* Fri: due Mon 03-16 */
    int64_t c = accepted_on(f, "2026-03-16", "med.dual-channel-drug");   /* Mon: due Tue 03-17 */
    on(f, "2026-03-13");
    json_t *q = list_as(f, ROLE_CLERK, 0, 0, NULL, NULL);
    assert_row(q, 0, a, "2026-03-13", "due_soon");
    assert_row(q, 1, b, "2026-03-16", "due_soon");
    assert_row(q, 2, c, "2026-03-17", "ok");
    json_decref(q);
    on(f, "2026-03-14");   /* Saturday */
    q = list_as(f, ROLE_CLERK, 0, 0, NULL, NULL);
    assert_row(q, 0, a, "2026-03-13", "overdue");
    assert_row(q, 1, b, "2026-03-16", "due_soon");
    assert_row(q, 2, c, "2026-03-17", "ok");
    json_decref(q);
    fx_close(f);
}

static void test_own_lists(void **state) {
    (void)state;
    fixture *f = fx_open("2026-03-02");
    int64_t p1a = person_submits(f, f->p1, "med.dual-channel-drug");
    int64_t p1b = person_submits(f, f->p1, "med.offsite.temporary");
    person_submits(f, f->p2, "med.dual-channel-drug");
    act(f, ROLE_UNIT, 0, f->u1);
    int64_t u = submit(f, "med.retire.approval.gov", 0, 0);
    json_t *q = list_as(f, ROLE_PERSON, f->p1, 0, NULL, NULL);
    assert_int_equal(json_array_size(q), 2);   /* all states, newest first */
    assert_row(q, 0, p1b, "2026-03-02", "ok");
    assert_row(q, 1, p1a, NULL, "ok");
    json_decref(q);
    q = list_as(f, ROLE_PERSON, f->p1, 0, "submitted", NULL);
    assert_int_equal(json_array_size(q), 1);
    json_decref(q);
    q = list_as(f, ROLE_UNIT, 0, f->u1, NULL, NULL);
    assert_int_equal(json_array_size(q), 1);
    assert_row(q, 0, u, NULL, "ok");
    json_decref(q);
    q = list_as(f, ROLE_CLERK, 0, 0, NULL, NULL);
    assert_int_equal(json_array_size(q), 3);
    json_decref(q);

    err_detail err = {0};
    json_t *arr = NULL;
    application_filter bad = {.state = "pending", .limit = 10};
    assert_int_equal(application_list(&f->e->ctx, &bad, &arr, &err), ERR_INVALID);
    assert_string_equal(err.field, "state");
    application_filter zero = {.limit = 0};
    assert_int_equal(application_list(&f->e->ctx, &zero, &arr, &err), ERR_INVALID);
    assert_string_equal(err.field, "limit");
    act(f, ROLE_NONE, 0, 0);
    application_filter ok = {.limit = 10};
    assert_int_equal(application_list(&f->e->ctx, &ok, &arr, &err), ERR_FORBIDDEN);
    assert_null(arr);
    fx_close(f);
}

/* Fail the n-th store call of a submission for n = 1, 2, ... until none
 * fails: each failure is reported, leaks nothing and leaves no record. */
static void test_submit_store_faults(void **state) {
    (void)state;
    fixture *f = fx_open("2026-03-02");
    act(f, ROLE_PERSON, f->p1, 0);
    application_new in = {.item_id = "med.offsite.temporary"};
    for (long n = 1; n < 1000; n++) {
        err_detail err = {0};
        int64_t id = 0;
        store_fault_set(f->e->st, n);
        err_kind k = application_submit(&f->e->ctx, &in, &id, &err);
        long calls = store_fault_set(f->e->st, 0);
        if (k == ERR_OK) {
            assert_true(calls < n);
            assert_true(id > 0);
            break;
        }
        assert_int_equal(k, ERR_UNAVAILABLE);
        assert_int_equal(id, 0);
        tu_env_rollback(f->e);
    }
    json_t *q = list_as(f, ROLE_PERSON, f->p1, 0, NULL, NULL);
    assert_int_equal(json_array_size(q), 1);
    json_decref(q);
    fx_close(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_life_over_national_day),
        cmocka_unit_test(test_immediate_completes),
        cmocka_unit_test(test_staff_submits_for_person_and_unit),
        cmocka_unit_test(test_no_deadline),
        cmocka_unit_test(test_submit_refusals),
        cmocka_unit_test(test_submit_bad_input),
        cmocka_unit_test(test_wrong_states),
        cmocka_unit_test(test_roles_and_reasons),
        cmocka_unit_test(test_receive),
        cmocka_unit_test(test_visibility),
        cmocka_unit_test(test_due_classes_around_national_day),
        cmocka_unit_test(test_due_soon_over_weekend),
        cmocka_unit_test(test_own_lists),
        cmocka_unit_test(test_submit_store_faults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
