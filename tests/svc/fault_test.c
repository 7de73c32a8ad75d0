/* A store failing at its n-th call, for n = 1, 2, ... until no call is
 * failed, through whole operations as a channel runs them (begin, the svc
 * function, commit or rollback): an employee's enrolment, the monthly
 * assessment of a small unit with its ledger posting and its confirmation,
 * and a back-payment. Each failure must come back as ERR_UNAVAILABLE
 * "store_fault" (never another refusal, never a success that hid it) and
 * leave the database exactly as it was, compared row by row over every
 * table; then the operation succeeds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc/backpay.h"
#include "svc/contribution.h"
#include "svc/registry.h"
#include "svc/registry_enrol.h"
#include "testdb.h"
#include "testutil.h"

#define BIT(i) (1u << (i))
#define ALL_INS (BIT(INS_COUNT) - 1u)

enum { FAULT_CALLS_MAX = 20000 };   /* past it the loop itself is wrong */

static tu_env *e;
static char db_path[600];
static int64_t unit;

/* One operation inside ctx->tx; *out (may stay NULL) is freed by the loop. */
typedef err_kind (*op_fn)(svc_ctx *ctx, void *arg, json_t **out, err_detail *err);

/* Runs op as a channel would, the n-th store call failing (0: none). */
static err_kind run_op(op_fn op, void *arg, long nth, long *calls_out, json_t **out, err_detail *err) {
    store_fault_set(e->st, nth);
    err_kind k = store_begin(e->st, true, &e->ctx.tx, err);
    if (!k) {
        k = op(&e->ctx, arg, out, err);
        if (k) store_rollback(e->ctx.tx);
        else k = store_commit(e->ctx.tx, err);
        if (k && *out) {   /* went through, then the commit failed: no answer */
            json_decref(*out);
            *out = NULL;
        }
        e->ctx.tx = NULL;
    }
    *calls_out = store_fault_set(e->st, 0);
    arena_reset(e->ar);
    return k;
}

/* The loop: every call of the operation fails once; returns the operation's
 * answer of the run that went through, and how many calls it made. */
static json_t *fault_loop(const char *what, op_fn op, void *arg, long *calls_total) {
    char *before = tdb_dump(db_path);
    assert_true(tdb_row_count(before) > 0);
    for (long n = 1; n <= FAULT_CALLS_MAX; n++) {
        json_t *out = NULL;
        err_detail err = {0};
        long calls = 0;
        err_kind k = run_op(op, arg, n, &calls, &out, &err);
        if (calls < n) {   /* nothing was failed: it must have gone through */
            if (k) fail_msg("%s without a fault: %s [%s]", what, err.message, err.code);
            assert_non_null(out);
            *calls_total = calls;
            /* The comparison sees a change: the one that went through. */
            char *done = tdb_dump(db_path);
            assert_string_not_equal(done, before);
            free(done);
            free(before);
            fprintf(stderr, "%s: %ld store calls, each failed once\n", what, calls);
            return out;
        }
        if (k != ERR_UNAVAILABLE || strcmp(err.code, "store_fault") != 0)
            fail_msg("%s, call %ld failed: answered %d [%s] %s", what, n, k, err.code, err.message);
        assert_null(out);
        assert_true(strlen(err.message) > 0);
        char *after = tdb_dump(db_path);
        char label[128];
        snprintf(label, sizeof label, "%s, call %ld failed", what, n);
        tdb_assert_same(before, after, label);
        free(after);
    }
    fail_msg("%s: more than %d store calls", what, FAULT_CALLS_MAX);
    return NULL;
}

static int setup(void **state) {
    (void)state;
    e = tu_env_open(ROLE_CLERK, "2026-03-10");
    snprintf(db_path, sizeof db_path, "%s/test.db", e->dir);
    unit = tu_add_unit(e, "UNIT-FAULT", "故障测试有限公司");
    err_detail err = {0};
    if (store_commit(e->ctx.tx, &err)) fail_msg("commit: %s", err.message);
    e->ctx.tx = NULL;
    return 0;
}

static int teardown(void **state) {
    (void)state;
    tu_env_close(e);
    return 0;
}

/* ---- the operations ---- */

typedef struct enrol_arg {
    const char *order, *name, *start;
} enrol_arg;

static err_kind op_enrol(svc_ctx *ctx, void *arg, json_t **out, err_detail *err) {
    const enrol_arg *a = arg;
    enrol_in in;
    memset(&in, 0, sizeof in);
    in.unit_id = unit;
    in.person.id_number = tu_resident_id("19900315", a->order);
    in.person.name = a->name;
    in.start_date = tu_date(a->start);
    in.pays_hf = -1;
    in.insurances = ALL_INS;
    ctx->actor.role = ROLE_CLERK;
    return enrol_employee(ctx, &in, out, err);
}

static err_kind op_assess(svc_ctx *ctx, void *arg, json_t **out, err_detail *err) {
    ctx->actor.role = ROLE_FINANCE;
    int64_t bill = 0;
    bool created = false;
    err_kind k = contrib_assess_unit(ctx, unit, *(month_ym *)arg, &bill, &created, err);
    if (k) return k;
    if (!created) return err_set(err, ERR_CONFLICT, "not_created", NULL, "账单已存在");
    *out = json_pack("{s:I}", "bill_id", (json_int_t)bill);
    return ERR_OK;
}

static err_kind op_confirm(svc_ctx *ctx, void *arg, json_t **out, err_detail *err) {
    ctx->actor.role = ROLE_CLERK;
    err_kind k = contrib_bill_confirm(ctx, *(int64_t *)arg, err);
    if (!k) *out = json_true();
    return k;
}

static err_kind op_backpay(svc_ctx *ctx, void *arg, json_t **out, err_detail *err) {
    ctx->actor.role = ROLE_CLERK;
    return backpay_submit(ctx, arg, out, err);
}

static int64_t jint(const json_t *o, const char *k) {
    const json_t *v = json_object_get(o, k);
    if (!json_is_integer(v)) fail_msg("no integer %s", k);
    return json_integer_value(v);
}

static int64_t enrol_through_faults(const char *order, const char *name, const char *start, long *calls) {
    enrol_arg a = {order, name, start};
    json_t *out = fault_loop("enrolment", op_enrol, &a, calls);
    assert_true(json_is_true(json_object_get(out, "person_created")));
    int64_t person = jint(out, "person_id");
    assert_true(person > 0);
    assert_int_equal(jint(out, "unit_id"), unit);
    json_decref(out);
    return person;
}

/* ---- the tests ---- */

static void enrolment_fails_whole_at_every_store_call(void **state) {
    (void)state;
    long calls = 0;
    enrol_through_faults("501", "故障甲", "2026-01-05", &calls);
    assert_true(calls > 10);   /* the person, the employment, its spans, the audit */
    /* The same person again is refused, not enrolled twice. */
    enrol_arg a = {"501", "故障甲", "2026-01-05"};
    json_t *out = NULL;
    err_detail err = {0};
    assert_int_equal(run_op(op_enrol, &a, 0, &calls, &out, &err), ERR_RULE);
    assert_null(out);
}

static void monthly_assessment_and_confirmation_fail_whole_at_every_store_call(void **state) {
    (void)state;
    long calls = 0;
    enrol_through_faults("502", "故障乙", "2025-12-01", &calls);
    enrol_through_faults("503", "故障丙", "2025-12-01", &calls);
    month_ym month = tu_month("2026-02");
    json_t *out = fault_loop("assessment", op_assess, &month, &calls);
    int64_t bill = jint(out, "bill_id");
    json_decref(out);
    assert_true(bill > 0);
    assert_true(calls > 10);   /* lines of two persons in six insurances, the bill, the posting */
    out = fault_loop("confirmation", op_confirm, &bill, &calls);
    json_decref(out);
    out = NULL;
    /* Both went through once: a second assessment finds the bill. */
    err_detail err = {0};
    assert_int_equal(run_op(op_assess, &month, 0, &calls, &out, &err), ERR_CONFLICT);
    assert_string_equal(err.code, "not_created");
}

static void back_payment_fails_whole_at_every_store_call(void **state) {
    (void)state;
    long calls = 0;
    int64_t person = enrol_through_faults("504", "故障丁", "2025-06-01", &calls);
    backpay_in in = {.unit_id = unit, .person_id = person,
                     .insurances = BIT(INS_PENSION) | BIT(INS_MEDICAL),
                     .from_month = tu_month("2025-09"), .to_month = tu_month("2025-10"), .wage_fen = 800000,
                     .reason = "入职时漏报，补缴"};
    json_t *out = fault_loop("back-payment", op_backpay, &in, &calls);
    assert_true(calls > 10);
    const json_t *bill = json_object_get(out, "bill");
    if (!bill) bill = out;
    assert_true(jint(bill, "unit_total_fen") > 0);
    json_decref(out);
    /* The same months again are refused: billed already. */
    out = NULL;
    err_detail err = {0};
    assert_int_equal(run_op(op_backpay, &in, 0, &calls, &out, &err), ERR_RULE);
    assert_null(out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(enrolment_fails_whole_at_every_store_call, setup, teardown),
        cmocka_unit_test_setup_teardown(monthly_assessment_and_confirmation_fail_whole_at_every_store_call,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(back_payment_fails_whole_at_every_store_call, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
