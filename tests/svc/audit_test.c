/* svc/audit: the hash chain, its head, tampering found, and the admin-only list. */
#include "testutil.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc/audit.h"

static const char zeros[] = "0000000000000000000000000000000000000000000000000000000000000000";

/* Appends n rows "person:1".."person:n" (action test.readN). */
static void append_rows(tu_env *e, int n) {
    for (int i = 1; i <= n; i++) {
        char action[32], target[32];
        snprintf(action, sizeof action, "test.read%d", i);
        snprintf(target, sizeof target, "person:%d", i);
        err_detail err = {0};
        if (audit_append(&e->ctx, action, target, "ok", "{\"n\":1}", &err))
            fail_msg("append: %s", err.message);
        e->ctx.now_ms += 1000;
    }
}

static audit_verify_result verify(tu_env *e) {
    audit_verify_result r;
    memset(&r, 0xff, sizeof r);
    err_detail err = {0};
    if (audit_verify(e->ctx.tx, &r, &err)) fail_msg("verify: %s", err.message);
    return r;
}

/* Commits, then runs SQL through a connection of its own (the tampering). */
static void raw_exec(tu_env *e, const char *sql) {
    tu_env_commit(e);
    store_rollback(e->ctx.tx);   /* release the write lock */
    e->ctx.tx = NULL;
    char path[512];
    snprintf(path, sizeof path, "%s/test.db", e->dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) fail_msg("raw sql: %s", msg);
    sqlite3_close(db);
    err_detail err = {0};
    if (store_begin(e->st, true, &e->ctx.tx, &err)) fail_msg("begin: %s", err.message);
}

/* One text column of one row, read through a connection of its own. */
static void raw_text(tu_env *e, const char *sql, char *out, size_t cap) {
    tu_env_commit(e);
    char path[512];
    snprintf(path, sizeof path, "%s/test.db", e->dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    snprintf(out, cap, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    sqlite3_close(db);
}

static void test_empty_chain(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_SYSTEM, "2025-07-01");
    audit_verify_result r = verify(e);
    assert_int_equal(r.rows, 0);
    assert_int_equal(r.bad_seq, 0);
    tu_env_close(e);
}

static void test_chain_links(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_SYSTEM, "2025-07-01");
    append_rows(e, 5);
    audit_verify_result r = verify(e);
    assert_int_equal(r.rows, 5);
    assert_int_equal(r.bad_seq, 0);
    assert_string_equal(r.problem, "");
    char a[80], b[80], h[80];
    raw_text(e, "SELECT prev_hash FROM audit_log WHERE seq = 1", a, sizeof a);
    assert_string_equal(a, zeros);
    raw_text(e, "SELECT hash FROM audit_log WHERE seq = 2", a, sizeof a);
    raw_text(e, "SELECT prev_hash FROM audit_log WHERE seq = 3", b, sizeof b);
    assert_int_equal(strlen(a), 64);
    assert_string_equal(a, b);
    raw_text(e, "SELECT hash FROM audit_log WHERE seq = 5", a, sizeof a);
    raw_text(e, "SELECT hash FROM audit_head WHERE id = 1", h, sizeof h);
    assert_string_equal(a, h);
    raw_text(e, "SELECT CAST(seq AS TEXT) FROM audit_head WHERE id = 1", h, sizeof h);
    assert_string_equal(h, "5");
    /* The system has no user id: NULL, not 0. */
    raw_text(e, "SELECT CAST(count(*) AS TEXT) FROM audit_log WHERE actor_user_id IS NULL"
                " AND actor_role = 'system' AND channel = 'counter' AND request_id = 'test'",
             a, sizeof a);
    assert_string_equal(a, "5");
    tu_env_close(e);
}

static void test_rollback_takes_the_row(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_SYSTEM, "2025-07-01");
    append_rows(e, 2);
    tu_env_commit(e);
    append_rows(e, 1);
    tu_env_rollback(e);
    append_rows(e, 1);
    audit_verify_result r = verify(e);
    assert_int_equal(r.rows, 3);
    assert_int_equal(r.bad_seq, 0);
    tu_env_close(e);
}

static void test_changed_row(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_SYSTEM, "2025-07-01");
    append_rows(e, 5);
    raw_exec(e, "UPDATE audit_log SET outcome = 'forbidden' WHERE seq = 3");
    audit_verify_result r = verify(e);
    assert_int_equal(r.bad_seq, 3);
    assert_int_equal(r.rows, 3);
    assert_non_null(strstr(r.problem, "修改"));
    tu_env_close(e);
}

static void test_field_boundaries_count(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_SYSTEM, "2025-07-01");
    append_rows(e, 3);
    /* The same bytes split differently between two fields is a change too. */
    raw_exec(e, "UPDATE audit_log SET action = 'test.', target = 'read2person:2' WHERE seq = 2");
    audit_verify_result r = verify(e);
    assert_int_equal(r.bad_seq, 2);
    assert_non_null(strstr(r.problem, "修改"));
    tu_env_close(e);
}

static void test_middle_row_removed(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_SYSTEM, "2025-07-01");
    append_rows(e, 5);
    raw_exec(e, "DELETE FROM audit_log WHERE seq = 3");
    audit_verify_result r = verify(e);
    assert_int_equal(r.bad_seq, 3);
    assert_non_null(strstr(r.problem, "删除"));
    tu_env_close(e);
}

static void test_removed_and_renumbered(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_SYSTEM, "2025-07-01");
    append_rows(e, 5);
    raw_exec(e, "DELETE FROM audit_log WHERE seq = 3;"
                "UPDATE audit_log SET seq = 3 WHERE seq = 4;"
                "UPDATE audit_log SET seq = 4 WHERE seq = 5;"
                "UPDATE audit_head SET seq = 4");
    audit_verify_result r = verify(e);
    assert_int_equal(r.bad_seq, 3);
    assert_non_null(strstr(r.problem, "插入或删除"));
    tu_env_close(e);
}

static void test_last_row_removed(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_SYSTEM, "2025-07-01");
    append_rows(e, 5);
    raw_exec(e, "DELETE FROM audit_log WHERE seq = 5");
    audit_verify_result r = verify(e);
    assert_int_equal(r.rows, 4);
    assert_int_equal(r.bad_seq, 5);
    assert_non_null(strstr(r.problem, "链头"));
    /* Appending afterwards does not hide it: the next row takes seq 6. */
    append_rows(e, 1);
    r = verify(e);
    assert_int_equal(r.bad_seq, 5);
    assert_non_null(strstr(r.problem, "删除"));
    tu_env_close(e);
}

static void test_head_changed(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_SYSTEM, "2025-07-01");
    append_rows(e, 2);
    raw_exec(e, "UPDATE audit_head SET hash = '" "1111111111111111111111111111111111111111111111111111111111111111" "'");
    audit_verify_result r = verify(e);
    assert_int_equal(r.bad_seq, 2);
    assert_non_null(strstr(r.problem, "链头"));
    tu_env_close(e);
}

static void test_list(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_ADMIN, "2025-07-01");
    e->ctx.actor.user_id = 7;
    append_rows(e, 3);
    err_detail err = {0};
    json_t *rows = NULL;
    assert_int_equal(audit_list(&e->ctx, NULL, 0, 10, &rows, &err), ERR_OK);
    assert_int_equal(json_array_size(rows), 3);
    json_t *r = json_array_get(rows, 0);   /* newest first */
    assert_int_equal(json_integer_value(json_object_get(r, "seq")), 3);
    assert_string_equal(json_string_value(json_object_get(r, "ts")), "2025-07-01T10:00:02.000+08:00");
    assert_int_equal(json_integer_value(json_object_get(r, "actor_user_id")), 7);
    assert_string_equal(json_string_value(json_object_get(r, "actor_role")), "admin");
    assert_string_equal(json_string_value(json_object_get(r, "channel")), "counter");
    assert_string_equal(json_string_value(json_object_get(r, "action")), "test.read3");
    assert_string_equal(json_string_value(json_object_get(r, "target")), "person:3");
    assert_string_equal(json_string_value(json_object_get(r, "outcome")), "ok");
    assert_string_equal(json_string_value(json_object_get(r, "request_id")), "test");
    assert_string_equal(json_string_value(json_object_get(r, "detail")), "{\"n\":1}");
    assert_int_equal(json_object_size(r), 10);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(rows, 2), "seq")), 1);
    json_decref(rows);

    assert_int_equal(audit_list(&e->ctx, "person:2", 0, 10, &rows, &err), ERR_OK);
    assert_int_equal(json_array_size(rows), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(rows, 0), "seq")), 2);
    json_decref(rows);
    assert_int_equal(audit_list(&e->ctx, NULL, 3, 1, &rows, &err), ERR_OK);   /* page: seq < 3 */
    assert_int_equal(json_array_size(rows), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(rows, 0), "seq")), 2);
    json_decref(rows);

    e->ctx.actor.role = ROLE_SYSTEM;
    e->ctx.actor.user_id = 0;
    append_rows(e, 1);
    assert_int_equal(audit_list(&e->ctx, NULL, 0, 1, &rows, &err), ERR_OK);
    assert_true(json_is_null(json_object_get(json_array_get(rows, 0), "actor_user_id")));
    json_decref(rows);
    tu_env_close(e);
}

static void test_list_forbidden(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_CLERK, "2025-07-01");
    append_rows(e, 1);
    svc_role denied[] = {ROLE_NONE, ROLE_PERSON, ROLE_UNIT, ROLE_CLERK, ROLE_REVIEWER, ROLE_FINANCE};
    for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++) {
        e->ctx.actor.role = denied[i];
        err_detail err = {0};
        json_t *rows = NULL;
        assert_int_equal(audit_list(&e->ctx, NULL, 0, 10, &rows, &err), ERR_FORBIDDEN);
        assert_null(rows);
        assert_string_equal(err.code, "forbidden");
    }
    tu_env_close(e);
}

/* ---- rows written after a read ---- */

/* Ends the env's transaction (it holds the write lock) for a writer of its own. */
static void release(tu_env *e) {
    tu_env_commit(e);
    store_rollback(e->ctx.tx);
    e->ctx.tx = NULL;
}

static void reopen(tu_env *e) {
    err_detail err = {0};
    if (store_begin(e->st, true, &e->ctx.tx, &err)) fail_msg("begin: %s", err.message);
}

/* Back in a transaction of the env's: the chain has rows rows and is whole. */
static void reopen_chain_whole(tu_env *e, int64_t rows) {
    reopen(e);
    audit_verify_result r = verify(e);
    assert_int_equal(r.rows, rows);
    assert_int_equal(r.bad_seq, 0);
}

static void keep_later(tu_env *e, audit_later *l, const char *target) {
    e->ctx.audit_later = l;
    err_detail err = {0};
    assert_int_equal(audit_append(&e->ctx, "person.read", target, "ok", "accounts", &err), ERR_OK);
    e->ctx.audit_later = NULL;
}

static int64_t log_rows(tu_env *e) {
    char n[32];
    raw_text(e, "SELECT CAST(count(*) AS TEXT) FROM audit_log", n, sizeof n);
    return strtoll(n, NULL, 10);
}

static void test_later_rows_wait_for_their_write(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_SYSTEM, "2025-07-01");
    append_rows(e, 1);
    audit_later l = {0};
    keep_later(e, &l, "person:7");
    keep_later(e, &l, "person:8");
    assert_int_equal(l.n, 2);
    assert_int_equal(log_rows(e), 1);   /* kept, not written */
    release(e);
    err_detail err = {0};
    assert_int_equal(audit_later_write(e->st, &l, &err), ERR_OK);
    reopen_chain_whole(e, 3);
    char t[32];
    raw_text(e, "SELECT target FROM audit_log WHERE seq = 3", t, sizeof t);
    assert_string_equal(t, "person:8");
    raw_text(e, "SELECT CAST(seq AS TEXT) FROM audit_head", t, sizeof t);
    assert_string_equal(t, "3");
    audit_later none = {0};
    assert_int_equal(audit_later_write(e->st, &none, &err), ERR_OK);
    tu_env_close(e);
}

typedef struct told {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int calls;
    err_kind last;
    char code[48];
} told;

static void on_written(void *arg, err_kind k, const err_detail *err) {
    told *t = arg;
    pthread_mutex_lock(&t->mu);
    t->calls++;
    t->last = k;
    snprintf(t->code, sizeof t->code, "%s", k ? err->code : "");
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

static void wait_calls(told *t, int n) {
    pthread_mutex_lock(&t->mu);
    while (t->calls < n) pthread_cond_wait(&t->cv, &t->mu);
    pthread_mutex_unlock(&t->mu);
}

static void test_writer_tells_every_request(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_SYSTEM, "2025-07-01");
    audit_later l[3] = {{0}};
    for (int i = 0; i < 3; i++) keep_later(e, &l[i], i == 1 ? "person:2" : "person:1");
    keep_later(e, &l[2], "person:3");
    release(e);
    audit_writer *w = NULL;
    err_detail err = {0};
    assert_int_equal(audit_writer_start(e->st, &w, &err), ERR_OK);
    told t = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    for (int i = 0; i < 3; i++) assert_true(audit_later_queue(w, &l[i], on_written, &t));
    wait_calls(&t, 3);
    assert_int_equal(t.calls, 3);
    assert_int_equal(t.last, ERR_OK);
    audit_writer_stop(w);
    assert_false(audit_later_queue(w, &l[0], on_written, &t));   /* stopped: takes nothing */
    audit_writer_free(w);
    reopen_chain_whole(e, 4);
    char a[64];
    raw_text(e, "SELECT group_concat(target, ',') FROM (SELECT target FROM audit_log ORDER BY seq)", a, sizeof a);
    assert_string_equal(a, "person:1,person:2,person:1,person:3");   /* in queue order */
    tu_env_close(e);
}

/* A failed write tells each request the store's error and leaves no row. */
static void test_writer_failure_told(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_SYSTEM, "2025-07-01");
    audit_later l = {0};
    keep_later(e, &l, "person:1");
    release(e);
    audit_writer *w = NULL;
    err_detail err = {0};
    assert_int_equal(audit_writer_start(e->st, &w, &err), ERR_OK);
    told t = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    store_fault_set(e->st, 2);   /* the row's insert, after the head's advance */
    assert_true(audit_later_queue(w, &l, on_written, &t));
    wait_calls(&t, 1);
    store_fault_set(e->st, 0);
    assert_int_equal(t.last, ERR_UNAVAILABLE);
    assert_string_equal(t.code, "store_fault");
    audit_writer_free(w);
    reopen(e);
    assert_int_equal(log_rows(e), 0);
    char a[32];
    raw_text(e, "SELECT CAST(seq AS TEXT) FROM audit_head", a, sizeof a);
    assert_string_equal(a, "0");
    tu_env_close(e);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_chain),
        cmocka_unit_test(test_chain_links),
        cmocka_unit_test(test_rollback_takes_the_row),
        cmocka_unit_test(test_changed_row),
        cmocka_unit_test(test_field_boundaries_count),
        cmocka_unit_test(test_middle_row_removed),
        cmocka_unit_test(test_removed_and_renumbered),
        cmocka_unit_test(test_last_row_removed),
        cmocka_unit_test(test_head_changed),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_list_forbidden),
        cmocka_unit_test(test_later_rows_wait_for_their_write),
        cmocka_unit_test(test_writer_tells_every_request),
        cmocka_unit_test(test_writer_failure_told),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
