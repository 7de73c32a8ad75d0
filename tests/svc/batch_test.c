/* svc/batch: chunks of keys, each one transaction with the run's row; a
 * failed chunk rolls back whole and the run resumes after the last
 * committed chunk; a run that is done is not run again; and the monthly run
 * (contrib_month_run) failed at every store call in turn ends, once started
 * again, with exactly the totals of an uninterrupted run. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ledger/ledger.h"
#include "svc/audit.h"
#include "svc/batch.h"
#include "svc/contribution.h"

enum { UNITS = 7, MONTH_UNITS = 3, CALLS_MAX = 64 };

static tu_env *e;
static int64_t units[UNITS];

/* ---- fixtures ---- */

/* count units, each with one employee's pension span from 2026-01. */
static void park(tu_env *env, int64_t *ids, int count) {
    for (int i = 0; i < count; i++) {
        char code[32], idn[32];
        snprintf(code, sizeof code, "BATCH-UNIT-%d", i);
        snprintf(idn, sizeof idn, "BATCH-PERSON-%d", i);
        ids[i] = tu_add_unit(env, code, "批处理测试单位");
        int64_t p = tu_add_person(env, idn, "测试");
        reg_span_new s = {.person_id = p, .unit_id = ids[i], .insurance = INS_PENSION, .payer = "unit",
                          .category = "sip_a", .start_month = 202601, .reason = "测试"};
        int64_t sid = 0;
        err_detail err = {0};
        if (reg_span_open(&env->ctx, &s, &sid, &err)) fail_msg("span: %s", err.message);
    }
}

/* The environment with no transaction open: batch_run opens its own. */
static void no_tx(tu_env *env) {
    err_detail err = {0};
    if (store_commit(env->ctx.tx, &err)) fail_msg("commit: %s", err.message);
    env->ctx.tx = NULL;
}

static void with_tx(tu_env *env) {
    err_detail err = {0};
    if (store_begin(env->st, true, &env->ctx.tx, &err)) fail_msg("begin: %s", err.message);
}

static int setup(void **state) {
    (void)state;
    e = tu_env_open(ROLE_SYSTEM, "2026-11-23");
    park(e, units, UNITS);
    no_tx(e);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    with_tx(e);
    tu_env_close(e);
    return 0;
}

/* ---- a key function that leaves a trace, and can fail ---- */

typedef struct trace {
    const char *run_key;
    int64_t fail_key;            /* refuse this key (0: none) */
    int64_t calls[CALLS_MAX];
    int n;
} trace;

static err_kind trace_fn(svc_ctx *ctx, int64_t key, void *arg, err_detail *err) {
    trace *t = arg;
    if (t->n < CALLS_MAX) t->calls[t->n++] = key;
    if (key == t->fail_key) return err_set(err, ERR_RULE, "test_refusal", NULL, "测试拒绝 %lld", (long long)key);
    char target[64];
    snprintf(target, sizeof target, "batch:%s:%lld", t->run_key, (long long)key);
    return audit_append(ctx, "test.batch", target, "ok", "", err);
}

typedef struct progress_log {
    int64_t done[CALLS_MAX], total[CALLS_MAX];
    int n;
} progress_log;

static void log_progress(const char *kind, const char *run_key, int64_t done, int64_t total, void *arg) {
    progress_log *p = arg;
    if (p->n < CALLS_MAX) {
        p->done[p->n] = done;
        p->total[p->n++] = total;
    }
}

static batch_spec spec_of(const char *run_key, int chunk, trace *t, progress_log *p) {
    t->run_key = run_key;
    return (batch_spec){.kind = "test_run", .run_key = run_key, .keys_query = STORE_Q_CONTRIB_RUN_UNITS,
                        .keys_param = 202611, .count_query = STORE_Q_CONTRIB_RUN_UNITS_COUNT,
                        .chunk_keys = chunk, .fn = trace_fn, .arg = t, .progress = p ? log_progress : NULL,
                        .progress_arg = p};
}

/* How many times the key left its trace in the audit log. */
static int traces_of(const char *run_key, int64_t key) {
    with_tx(e);
    svc_role was = e->ctx.actor.role;
    e->ctx.actor.role = ROLE_ADMIN;
    char target[64];
    snprintf(target, sizeof target, "batch:%s:%lld", run_key, (long long)key);
    json_t *rows = NULL;
    err_detail err = {0};
    if (audit_list(&e->ctx, target, 0, 100, &rows, &err)) fail_msg("audit: %s", err.message);
    int n = (int)json_array_size(rows);
    json_decref(rows);
    e->ctx.actor.role = was;
    store_rollback(e->ctx.tx);
    e->ctx.tx = NULL;
    return n;
}

static json_t *state_of(const char *kind, const char *run_key) {
    with_tx(e);
    json_t *out = NULL;
    err_detail err = {0};
    err_kind k = batch_status_json(&e->ctx, kind, run_key, &out, &err);
    store_rollback(e->ctx.tx);
    e->ctx.tx = NULL;
    if (k) fail_msg("status: %s", err.message);
    return out;
}

static int64_t jint(const json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }
static const char *jstr(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

/* ---- tests ---- */

static void runs_in_chunks_in_key_order_with_progress(void **state) {
    trace t = {0};
    progress_log p = {0};
    batch_spec s = spec_of("chunks", 3, &t, &p);
    int64_t done = 0;
    err_detail err = {0};
    assert_int_equal(batch_run(e->st, &e->ctx, &s, &done, &err), ERR_OK);
    assert_int_equal(done, UNITS);
    assert_int_equal(t.n, UNITS);
    for (int i = 0; i < UNITS; i++) assert_int_equal(t.calls[i], units[i]);
    assert_int_equal(p.n, 3);   /* after each committed chunk: 3, 6, 7 */
    assert_int_equal(p.done[0], 3);
    assert_int_equal(p.done[1], 6);
    assert_int_equal(p.done[2], 7);
    assert_int_equal(p.total[2], UNITS);
    for (int i = 0; i < UNITS; i++) assert_int_equal(traces_of("chunks", units[i]), 1);
    json_t *st = state_of("test_run", "chunks");
    assert_string_equal(jstr(st, "status"), "done");
    assert_int_equal(jint(st, "done"), UNITS);
    assert_int_equal(jint(st, "total"), UNITS);
    assert_int_equal(jint(st, "last_key"), units[UNITS - 1]);
    assert_false(json_is_null(json_object_get(st, "finished_at")));
    json_decref(st);
}

static void a_done_run_is_not_run_again(void **state) {
    trace t = {0};
    batch_spec s = spec_of("once", 0, &t, NULL);
    int64_t done = 0;
    err_detail err = {0};
    assert_int_equal(batch_run(e->st, &e->ctx, &s, &done, &err), ERR_OK);
    assert_int_equal(t.n, UNITS);
    t.n = 0;
    done = 0;
    assert_int_equal(batch_run(e->st, &e->ctx, &s, &done, &err), ERR_OK);
    assert_int_equal(t.n, 0);
    assert_int_equal(done, UNITS);
    for (int i = 0; i < UNITS; i++) assert_int_equal(traces_of("once", units[i]), 1);
}

static void a_failed_chunk_rolls_back_and_the_run_resumes_after_the_last_committed(void **state) {
    trace t = {.fail_key = units[4]};
    progress_log p = {0};
    batch_spec s = spec_of("resume", 2, &t, &p);
    int64_t done = 0;
    err_detail err = {0};
    assert_int_equal(batch_run(e->st, &e->ctx, &s, &done, &err), ERR_RULE);
    assert_string_equal(err.code, "test_refusal");
    json_t *st = state_of("test_run", "resume");
    assert_string_equal(jstr(st, "status"), "failed");
    assert_int_equal(jint(st, "done"), 4);
    assert_int_equal(jint(st, "last_key"), units[3]);
    char want[64];
    snprintf(want, sizeof want, "key %lld:", (long long)units[4]);
    assert_non_null(strstr(jstr(st, "detail"), want));
    json_decref(st);
    for (int i = 0; i < 4; i++) assert_int_equal(traces_of("resume", units[i]), 1);
    assert_int_equal(traces_of("resume", units[4]), 0);
    /* started again: from the fifth key on, each key once */
    trace t2 = {.fail_key = 0};
    s = spec_of("resume", 2, &t2, NULL);
    assert_int_equal(batch_run(e->st, &e->ctx, &s, &done, &err), ERR_OK);
    assert_int_equal(done, UNITS);
    assert_int_equal(t2.n, 3);
    assert_int_equal(t2.calls[0], units[4]);
    for (int i = 0; i < UNITS; i++) assert_int_equal(traces_of("resume", units[i]), 1);
    st = state_of("test_run", "resume");
    assert_string_equal(jstr(st, "status"), "done");
    assert_string_equal(jstr(st, "detail"), "");
    json_decref(st);
}

static void the_store_failing_at_every_call_in_turn_never_does_a_key_twice(void **state) {
    for (long nth = 1;; nth++) {
        char key[32];
        snprintf(key, sizeof key, "fault-%ld", nth);
        trace t = {0};
        batch_spec s = spec_of(key, 2, &t, NULL);
        int64_t done = 0;
        err_detail err = {0};
        store_fault_set(e->st, nth);
        err_kind k = batch_run(e->st, &e->ctx, &s, &done, &err);
        long calls = store_fault_set(e->st, 0);
        if (k) {
            assert_int_equal(err.kind, ERR_UNAVAILABLE);
            err_clear(&err);
            assert_int_equal(batch_run(e->st, &e->ctx, &s, &done, &err), ERR_OK);
        }
        assert_int_equal(done, UNITS);
        for (int i = 0; i < UNITS; i++) assert_int_equal(traces_of(key, units[i]), 1);
        if (calls < nth) break;   /* the fault was past the last call: every call has failed once */
    }
}

static void refusals_of_the_runner(void **state) {
    trace t = {0};
    batch_spec s = spec_of("bad", -1, &t, NULL);
    int64_t done = 0;
    err_detail err = {0};
    assert_int_equal(batch_run(e->st, &e->ctx, &s, &done, &err), ERR_INVALID);
    assert_string_equal(err.field, "chunk");
    s = spec_of("bad", 0, &t, NULL);
    s.fn = NULL;
    assert_int_equal(batch_run(e->st, &e->ctx, &s, &done, &err), ERR_INTERNAL);
    assert_int_equal(t.n, 0);
    with_tx(e);
    json_t *out = NULL;
    assert_int_equal(batch_status_json(&e->ctx, "test_run", "never", &out, &err), ERR_NOT_FOUND);
    assert_string_equal(err.code, "batch_not_found");
    e->ctx.actor.role = ROLE_UNIT;
    assert_int_equal(batch_status_json(&e->ctx, "test_run", "chunks", &out, &err), ERR_FORBIDDEN);
    assert_null(out);
    e->ctx.actor.role = ROLE_SYSTEM;
    store_rollback(e->ctx.tx);
    e->ctx.tx = NULL;
}

/* ---- the monthly run under faults ---- */

typedef struct month_totals {
    int64_t bills, lines, unit_fen, personal_fen, entries;
    char units_status[16];
} month_totals;

static month_totals totals_of(tu_env *env) {
    month_totals m = {0};
    json_t *st = NULL;
    err_detail err = {0};
    with_tx(env);
    if (contrib_month_status(&env->ctx, 202611, &st, &err)) fail_msg("status: %s", err.message);
    ledger_verify_result v;
    if (ledger_verify(env->ctx.tx, &v, &err)) fail_msg("verify: %s", err.message);
    assert_int_equal(v.unbalanced_entry_id, 0);
    assert_int_equal(v.wrong_balance_account_id, 0);
    store_rollback(env->ctx.tx);
    env->ctx.tx = NULL;
    m.bills = jint(st, "bills");
    m.lines = jint(st, "lines");
    m.unit_fen = jint(st, "unit_total_fen");
    m.personal_fen = jint(st, "personal_total_fen");
    m.entries = v.entries;
    snprintf(m.units_status, sizeof m.units_status, "%s", jstr(json_object_get(st, "units_run"), "status"));
    json_decref(st);
    return m;
}

static month_totals month_run(tu_env *env, long nth, bool *faulted) {
    json_t *out = NULL;
    err_detail err = {0};
    store_fault_set(env->st, nth);
    err_kind k = contrib_month_run(env->st, &env->ctx, 202611, 2, NULL, NULL, &out, &err);
    long calls = store_fault_set(env->st, 0);
    *faulted = calls >= nth && nth > 0;
    if (k) {
        assert_int_equal(err.kind, ERR_UNAVAILABLE);
        assert_true(*faulted);
        err_clear(&err);
        if (contrib_month_run(env->st, &env->ctx, 202611, 2, NULL, NULL, &out, &err))
            fail_msg("resume: %s [%s]", err.message, err.code);
    }
    json_decref(out);
    return totals_of(env);
}

/* The fixture's database, copied fresh for each run (cheaper than building it again). */
static void open_copy(tu_env *env, const char *template_path, const char *name) {
    char path[600], side[620];
    snprintf(path, sizeof path, "%s/%s.db", env->dir, name);
    static const char *const sides[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(side, sizeof side, "%s%s", path, sides[i]);
        unlink(side);
    }
    size_t len = 0;
    char *data = tu_read_file(template_path, &len);
    assert_non_null(data);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
    free(data);
    err_detail err = {0};
    if (store_open(path, &env->st, &err)) fail_msg("open copy: %s", err.message);
}

static void the_month_run_failed_at_every_call_in_turn_ends_identical(void **state) {
    tu_env *x = tu_env_open(ROLE_SYSTEM, "2026-11-23");
    int64_t ids[MONTH_UNITS];
    park(x, ids, MONTH_UNITS);
    no_tx(x);
    char tmpl[600];
    snprintf(tmpl, sizeof tmpl, "%s/test.db", x->dir);
    store_close(x->st);   /* the last connection: the log is checkpointed into the file */
    open_copy(x, tmpl, "reference");
    bool faulted = false;
    month_totals want = month_run(x, 0, &faulted);
    assert_int_equal(want.bills, MONTH_UNITS);
    assert_int_equal(want.lines, MONTH_UNITS);
    assert_int_equal(want.unit_fen, MONTH_UNITS * 73600);      /* 16% of the 4,600.00 floor */
    assert_int_equal(want.personal_fen, MONTH_UNITS * 36800);
    assert_int_equal(want.entries, MONTH_UNITS);
    assert_string_equal(want.units_status, "done");
    for (long nth = 1;; nth++) {
        store_close(x->st);
        open_copy(x, tmpl, "faulted");
        month_totals got = month_run(x, nth, &faulted);
        assert_int_equal(got.bills, want.bills);
        assert_int_equal(got.lines, want.lines);
        assert_int_equal(got.unit_fen, want.unit_fen);
        assert_int_equal(got.personal_fen, want.personal_fen);
        assert_int_equal(got.entries, want.entries);
        assert_string_equal(got.units_status, "done");
        if (!faulted) break;
    }
    with_tx(x);
    tu_env_close(x);
}

#define T(f) cmocka_unit_test(f)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(runs_in_chunks_in_key_order_with_progress),
        T(a_done_run_is_not_run_again),
        T(a_failed_chunk_rolls_back_and_the_run_resumes_after_the_last_committed),
        T(the_store_failing_at_every_call_in_turn_never_does_a_key_twice),
        T(refusals_of_the_runner),
        T(the_month_run_failed_at_every_call_in_turn_ends_identical),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
