/* The store contract: migrations, transactions all-or-nothing, errors mapped
 * to kinds, the connection pool, and fault injection. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "testutil.h"

static char *dir;
static char *db;            /* the database's path or URL */
static store *st;

static int setup(void **state) {
    dir = tu_mkdtemp();
    db = tu_db_create(dir);
    err_detail e = {0};
    if (store_open(db, &st, &e)) return -1;
    int applied = 0;
    if (store_migrate(st, &applied, &e)) return -1;
    return applied > 0 ? 0 : -1;
}

static int teardown(void **state) {
    store_close(st);
    tu_db_drop(db);
    free(db);
    tu_rmtree(dir);
    free(dir);
    return 0;
}

static int64_t count_persons(void) {
    err_detail e = {0};
    store_tx *tx;
    assert_int_equal(store_begin(st, false, &tx, &e), ERR_OK);
    store_stmt *s;
    assert_int_equal(store_prepare(tx, STORE_Q_PERSON_COUNT_FOR_TEST, &s, &e), ERR_OK);
    bool row = false;
    assert_int_equal(store_step(s, &row, &e), ERR_OK);
    assert_true(row);
    int64_t n = store_col_int(s, 0);
    store_stmt_done(s);
    store_rollback(tx);
    return n;
}

static void migrations_are_idempotent(void **state) {
    err_detail e = {0};
    int v = 0, applied = -1;
    assert_int_equal(store_schema_version(st, &v, &e), ERR_OK);
    assert_true(v >= 1);
    assert_int_equal(store_migrate(st, &applied, &e), ERR_OK);
    assert_int_equal(applied, 0);
    assert_string_equal(store_engine_name(st), tu_engine());
}

static void commit_keeps_rollback_drops(void **state) {
    err_detail e = {0};
    int64_t before = count_persons();
    store_tx *tx;
    assert_int_equal(store_begin(st, true, &tx, &e), ERR_OK);
    assert_int_equal(store_exec(tx, STORE_Q_PERSON_INSERT, &e, "tttnni", "resident", "A1", "甲", (int64_t)1), ERR_OK);
    assert_true(store_last_insert_id(tx) > 0);
    assert_int_equal(store_changes(tx), 1);
    store_rollback(tx);
    assert_int_equal(count_persons(), before);
    assert_int_equal(store_begin(st, true, &tx, &e), ERR_OK);
    assert_int_equal(store_exec(tx, STORE_Q_PERSON_INSERT, &e, "tttnni", "resident", "A1", "甲", (int64_t)1), ERR_OK);
    assert_int_equal(store_commit(tx, &e), ERR_OK);
    assert_int_equal(count_persons(), before + 1);
}

/* A read transaction holds no write lock, so a writing statement in one
 * would write unlocked: SQLite refuses it as a defect and nothing is written
 * (PostgreSQL's read transactions are its own). */
static void write_in_read_transaction_is_refused(void **state) {
    if (strcmp(tu_engine(), "sqlite") != 0) skip();
    err_detail e = {0};
    int64_t before = count_persons();
    store_tx *tx;
    assert_int_equal(store_begin(st, false, &tx, &e), ERR_OK);
    assert_int_equal(store_exec(tx, STORE_Q_PERSON_INSERT, &e, "tttnni", "resident", "R1", "丙", (int64_t)1),
                     ERR_INTERNAL);
    assert_string_equal(e.code, "store_write_in_read");
    assert_non_null(strstr(e.message, "PERSON_INSERT"));
    store_rollback(tx);
    assert_int_equal(count_persons(), before);
}

static void unique_violation_is_conflict(void **state) {
    err_detail e = {0};
    store_tx *tx;
    assert_int_equal(store_begin(st, true, &tx, &e), ERR_OK);
    store_exec(tx, STORE_Q_PERSON_INSERT, &e, "tttnni", "resident", "B1", "乙", (int64_t)1);
    assert_int_equal(store_exec(tx, STORE_Q_PERSON_INSERT, &e, "tttnni", "resident", "B1", "乙", (int64_t)1),
                     ERR_CONFLICT);
    assert_string_equal(e.code, "store_conflict");
    store_rollback(tx);
}

static void text_and_null_columns(void **state) {
    err_detail e = {0};
    store_tx *tx;
    assert_int_equal(store_begin(st, true, &tx, &e), ERR_OK);
    store_exec(tx, STORE_Q_PERSON_INSERT, &e, "tttnni", "resident", "C1", "丙", (int64_t)1);
    store_stmt *s;
    assert_int_equal(store_prepare(tx, STORE_Q_PERSON_BY_ID_NUMBER, &s, &e), ERR_OK);
    store_bind_text(s, 1, "C1");
    bool row = false;
    assert_int_equal(store_step(s, &row, &e), ERR_OK);
    assert_true(row);
    assert_string_equal(store_col_text(s, 1), "丙");
    assert_false(store_col_is_null(s, 0));
    assert_int_equal(store_step(s, &row, &e), ERR_OK);
    assert_false(row);
    store_stmt_done(s);
    store_rollback(tx);
}

static void fault_at_every_call_leaves_nothing(void **state) {
    int64_t before = count_persons();
    err_detail e = {0};
    for (long nth = 1;; nth++) {
        store_fault_set(st, nth);
        store_tx *tx = NULL;
        err_kind k = store_begin(st, true, &tx, &e);
        if (!k) k = store_exec(tx, STORE_Q_PERSON_INSERT, &e, "tttnni", "resident", "F1", "丁", (int64_t)1);
        if (!k) k = store_exec(tx, STORE_Q_PERSON_INSERT, &e, "tttnni", "resident", "F2", "戊", (int64_t)1);
        if (!k) k = store_commit(tx, &e);
        else if (tx) store_rollback(tx);
        long calls = store_fault_set(st, 0);
        if (k) {
            assert_int_equal(k, ERR_UNAVAILABLE);
            assert_string_equal(e.code, "store_fault");
            assert_int_equal(count_persons(), before);
            continue;
        }
        assert_true(calls < nth);   /* no call was failed: the loop has covered them all */
        assert_int_equal(count_persons(), before + 2);
        assert_true(nth > 5);
        break;
    }
}

static void *hold_tx(void *arg) {
    err_detail e = {0};
    store_tx *tx;
    if (store_begin(st, false, &tx, &e)) return (void *)1;
    store_rollback(tx);
    return NULL;
}

static void pool_serves_concurrent_readers(void **state) {
    err_detail e = {0};
    store_tx *mine;
    assert_int_equal(store_begin(st, false, &mine, &e), ERR_OK);
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, hold_tx, NULL);
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        assert_null(r);
    }
    store_rollback(mine);
}

static void urls(void **state) {
    err_detail e = {0};
    store *s2 = NULL;
    /* no server listens on port 1: the PostgreSQL engine answers, the connection fails */
    assert_int_equal(store_open("postgres://127.0.0.1:1/x?connect_timeout=2", &s2, &e), ERR_UNAVAILABLE);
    assert_string_equal(e.code, "store_open");
    assert_null(s2);
    assert_int_equal(store_open("", &s2, &e), ERR_INVALID);
    char buf[128];
    assert_string_equal(store_url_shown("postgres://sipf:s3cret@db1:5432/sipf", buf, sizeof buf),
                        "postgres://sipf:***@db1:5432/sipf");
    assert_string_equal(store_url_shown("postgresql://sipf@db1/sipf", buf, sizeof buf), "postgresql://sipf@db1/sipf");
    assert_string_equal(store_url_shown("var/a:b@c.db", buf, sizeof buf), "var/a:b@c.db");
    char *u = store_url_with_database("postgres://u@h:5/postgres?sslmode=disable", "t1");
    assert_string_equal(u, "postgres://u@h:5/t1?sslmode=disable");
    free(u);
    u = store_url_with_database("postgresql://u@/postgres?host=/tmp/pg", "t2");
    assert_string_equal(u, "postgresql://u@/t2?host=/tmp/pg");
    free(u);
    u = store_url_with_database("postgres://u@h", "t3");
    assert_string_equal(u, "postgres://u@h/t3");
    free(u);
    assert_int_equal(store_open("/nonexistent-dir/x/y.db", &s2, &e), ERR_UNAVAILABLE);
    assert_null(s2);
}

/* Every named statement prepares on the engine (its dialect, its types):
 * each failure is listed before the test fails. */
static void every_statement_prepares(void **state) {
    err_detail e = {0};
    store_tx *tx;
    assert_int_equal(store_begin(st, false, &tx, &e), ERR_OK);
    int failed = 0;
    for (int q = 0; q < STORE_Q_COUNT; q++) {
        store_stmt *s;
        if (store_prepare(tx, (store_query)q, &s, &e) == ERR_OK) {
            store_stmt_done(s);
            continue;
        }
        print_error("%s\n", e.message);
        failed++;
        store_rollback(tx);     /* PostgreSQL ends a transaction at its first error */
        assert_int_equal(store_begin(st, false, &tx, &e), ERR_OK);
    }
    store_rollback(tx);
    assert_int_equal(failed, 0);
}

/* A statement that fails leaves its transaction going, as SQLite does: the
 * operation may refuse one row and go on with the next. */
static void failed_statement_keeps_transaction(void **state) {
    err_detail e = {0};
    int64_t before = count_persons();
    store_tx *tx;
    assert_int_equal(store_begin(st, true, &tx, &e), ERR_OK);
    assert_int_equal(store_exec(tx, STORE_Q_PERSON_INSERT, &e, "tttnni", "resident", "G1", "己", (int64_t)1), ERR_OK);
    int64_t g1 = store_last_insert_id(tx);
    assert_int_equal(store_exec(tx, STORE_Q_PERSON_INSERT, &e, "tttnni", "resident", "G1", "己", (int64_t)1),
                     ERR_CONFLICT);
    assert_int_equal(store_exec(tx, STORE_Q_PERSON_INSERT, &e, "tttnni", "resident", "G2", "庚", (int64_t)1), ERR_OK);
    int64_t g2 = store_last_insert_id(tx);
    assert_true(g1 > 0);
    assert_true(g2 > g1);
    assert_int_equal(store_changes(tx), 1);
    assert_int_equal(store_commit(tx, &e), ERR_OK);
    assert_int_equal(count_persons(), before + 2);
    /* the ids are the rows' own */
    assert_int_equal(store_begin(st, false, &tx, &e), ERR_OK);
    store_stmt *s;
    assert_int_equal(store_prepare(tx, STORE_Q_PERSON_BY_ID_NUMBER, &s, &e), ERR_OK);
    store_bind_text(s, 1, "G2");
    bool row = false;
    assert_int_equal(store_step(s, &row, &e), ERR_OK);
    assert_true(row);
    assert_int_equal(store_col_int(s, 0), g2);
    store_stmt_done(s);
    store_rollback(tx);
}

/* Outside those statements a failure ends the operation. SQLite answers
 * at the statement and goes on. PostgreSQL answers at the statement or, for
 * a write that returns nothing (pipelined), at the next statement that
 * waits for an answer; every later statement and the commit answer with
 * that same failure, so the operation never keeps half of its writes. */
static void other_failure_answers_for_the_rest(void **state) {
    err_detail e = {0}, e2 = {0};
    int64_t before = count_persons();
    store_tx *tx;
    assert_int_equal(store_begin(st, true, &tx, &e), ERR_OK);
    assert_int_equal(store_exec(tx, STORE_Q_PERSON_INSERT, &e, "tttnni", "resident", "K1", "癸", (int64_t)1), ERR_OK);
    err_kind k1 = store_exec(tx, STORE_Q_MIGRATION_RECORD, &e, "iti", (int64_t)1, "again", (int64_t)1);
    store_stmt *s;
    err_kind k2 = store_prepare(tx, STORE_Q_PERSON_COUNT_FOR_TEST, &s, &e2);
    bool row = false;
    if (!k2) {
        k2 = store_step(s, &row, &e2);
        store_stmt_done(s);
    }
    if (strcmp(tu_engine(), "postgres") == 0) {
        assert_true(k1 == ERR_CONFLICT || k2 == ERR_CONFLICT);
        assert_int_equal(k2, ERR_CONFLICT);
        assert_string_equal(e2.code, "store_conflict");
        assert_int_equal(store_commit(tx, &e2), ERR_CONFLICT);
        assert_int_equal(count_persons(), before);
    } else {
        assert_int_equal(k1, ERR_CONFLICT);
        assert_string_equal(e.code, "store_conflict");
        assert_int_equal(k2, ERR_OK);
        assert_true(row);
        store_rollback(tx);
    }
}

/* Two stores on one database (two servers): a writer waits until the other
 * has committed, and then reads what it wrote (SQLite's BEGIN IMMEDIATE). */
typedef struct second_writer {
    store *s2;
    _Atomic int first_committed;
    int saw_committed;
    int64_t count;
} second_writer;

static void *write_second(void *arg) {
    second_writer *w = arg;
    err_detail e = {0};
    store_tx *tx;
    if (store_begin(w->s2, true, &tx, &e)) return (void *)1;
    w->saw_committed = w->first_committed;
    store_stmt *s;
    if (store_prepare(tx, STORE_Q_PERSON_COUNT_FOR_TEST, &s, &e)) return (void *)1;
    bool row = false;
    if (store_step(s, &row, &e) || !row) return (void *)1;
    w->count = store_col_int(s, 0);
    store_stmt_done(s);
    store_rollback(tx);
    return NULL;
}

static void writers_take_turns(void **state) {
    err_detail e = {0};
    second_writer w = {0};
    assert_int_equal(store_open(db, &w.s2, &e), ERR_OK);
    int64_t before = count_persons();
    store_tx *tx;
    assert_int_equal(store_begin(st, true, &tx, &e), ERR_OK);
    assert_int_equal(store_exec(tx, STORE_Q_PERSON_INSERT, &e, "tttnni", "resident", "H1", "辛", (int64_t)1), ERR_OK);
    pthread_t t;
    pthread_create(&t, NULL, write_second, &w);
    usleep(300 * 1000);
    w.first_committed = 1;
    assert_int_equal(store_commit(tx, &e), ERR_OK);
    void *r;
    pthread_join(t, &r);
    assert_null(r);
    assert_int_equal(w.saw_committed, 1);
    assert_int_equal(w.count, before + 1);
    store_close(w.s2);
}

/* SQLite: the WAL is copied back into the database by the store's own
 * checkpointer, not by the commit that made it long, and starts over once
 * long: 12,000 commits (about 36,000 frames) leave it far shorter than
 * they would without (CHECKPOINT_RESTART_FRAMES is 10,000). */
static long file_bytes(const char *path) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

static void the_wal_is_checkpointed_and_starts_over(void **state) {
    if (strcmp(tu_engine(), "sqlite") != 0) skip();
    err_detail e = {0};
    long db_before = file_bytes(db);
    enum { COMMITS = 12000, FRAME_BYTES = 4096 + 24, WAL_FRAMES_MAX = 25000 };
    for (int i = 0; i < COMMITS; i++) {
        store_tx *tx;
        char id[32];
        snprintf(id, sizeof id, "W%06d", i);
        assert_int_equal(store_begin(st, true, &tx, &e), ERR_OK);
        assert_int_equal(store_exec(tx, STORE_Q_PERSON_INSERT, &e, "tttnni", "resident", id, "壬", (int64_t)1), ERR_OK);
        assert_int_equal(store_commit(tx, &e), ERR_OK);
    }
    char wal[600];
    snprintf(wal, sizeof wal, "%s-wal", db);
    long wal_bytes = file_bytes(wal), db_after = file_bytes(db);
    if (wal_bytes > (long)WAL_FRAMES_MAX * FRAME_BYTES)
        fail_msg("the WAL is %ld bytes after %d commits", wal_bytes, COMMITS);
    /* the persons' pages were copied back into the database */
    if (db_after - db_before < 100 * 4096) fail_msg("the database grew from %ld to %ld bytes", db_before, db_after);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(migrations_are_idempotent),
        cmocka_unit_test(commit_keeps_rollback_drops),
        cmocka_unit_test(write_in_read_transaction_is_refused),
        cmocka_unit_test(unique_violation_is_conflict),
        cmocka_unit_test(text_and_null_columns),
        cmocka_unit_test(fault_at_every_call_leaves_nothing),
        cmocka_unit_test(pool_serves_concurrent_readers),
        cmocka_unit_test(urls),
        cmocka_unit_test(every_statement_prepares),
        cmocka_unit_test(failed_statement_keeps_transaction),
        cmocka_unit_test(other_failure_answers_for_the_rest),
        cmocka_unit_test(writers_take_turns),
        cmocka_unit_test(the_wal_is_checkpointed_and_starts_over),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
