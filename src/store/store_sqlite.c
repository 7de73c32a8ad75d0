/* The SQLite engine: WAL mode, a pool of connections (one per concurrent
 * transaction), prepared statements cached per connection. */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/date.h"
#include "base/limits.h"
#include "store/store_internal.h"

enum { BUSY_TIMEOUT_MS = 10000 };

typedef struct conn {
    sqlite3 *db;
    sqlite3_stmt *cache[STORE_Q_COUNT];
    bool in_use;
} conn;

struct store {
    char *path;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    conn conns[LIMIT_STORE_CONNECTIONS_MAX];
    int conn_count;
    atomic_long fault_nth;    /* 0: off */
    atomic_long fault_calls;
};

struct store_stmt {
    store_tx *tx;
    sqlite3_stmt *s;
    store_query q;
};

struct store_tx {
    store *st;
    conn *c;
    struct store_stmt stmts[8];
    int open_stmts;
};

/* A failed write is the file system's refusal when its errno says so: out
 * of space or quota, past the process's file-size limit, or read-only.
 * SQLite reports ENOSPC alone as SQLITE_FULL; the rest come as
 * SQLITE_IOERR_WRITE and the like, with errno still set by the failed call
 * (sqlite3_system_errno does not keep it through a commit). */
static int primary_rc(int rc, int sys_errno) {
    switch (rc) {
    case SQLITE_IOERR_WRITE: case SQLITE_IOERR_FSYNC: case SQLITE_IOERR_TRUNCATE: case SQLITE_IOERR_SHMSIZE:
        if (sys_errno == ENOSPC || sys_errno == EDQUOT || sys_errno == EFBIG) return SQLITE_FULL;
        if (sys_errno == EROFS || sys_errno == EACCES || sys_errno == EPERM) return SQLITE_READONLY;
        return SQLITE_IOERR;
    default:
        return rc & 0xff;
    }
}

static err_kind map_rc(sqlite3 *db, int rc, err_detail *err) {
    int sys_errno = errno;   /* first: anything below may change it */
    const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    switch (primary_rc(rc, sys_errno)) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return err_set(err, ERR_UNAVAILABLE, "store_busy", NULL, "数据库繁忙，请稍后重试");
    case SQLITE_FULL:
        return err_set(err, ERR_UNAVAILABLE, "store_full", NULL, "数据库磁盘已满，暂时无法写入");
    case SQLITE_READONLY:
        return err_set(err, ERR_UNAVAILABLE, "store_readonly", NULL, "数据库只读，暂时无法写入");
    case SQLITE_CONSTRAINT:
        return err_set(err, ERR_CONFLICT, "store_conflict", NULL, "数据冲突（记录已存在或不满足约束）：%s", msg);
    default:
        return err_set(err, ERR_INTERNAL, "store_error", NULL, "数据库错误：%s", msg);
    }
}

static err_kind fault_check(store *s, err_detail *err) {
    long nth = atomic_load(&s->fault_nth);
    long calls = atomic_fetch_add(&s->fault_calls, 1) + 1;
    if (nth > 0 && calls == nth)
        return err_set(err, ERR_UNAVAILABLE, "store_fault", NULL, "数据库故障（测试注入，第 %ld 次调用）", calls);
    return ERR_OK;
}

long store_fault_set(store *s, long nth) {
    long calls = atomic_exchange(&s->fault_calls, 0);
    atomic_store(&s->fault_nth, nth);
    return calls;
}

long store_fault_calls(store *s) { return atomic_load(&s->fault_calls); }

static err_kind conn_open(store *s, conn *c, err_detail *err) {
    int rc = sqlite3_open_v2(s->path, &c->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI,
                             NULL);
    if (rc != SQLITE_OK) {
        err_kind k = err_set(err, ERR_UNAVAILABLE, "store_open", "db", "无法打开数据库 %s：%s",
                             s->path, c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        sqlite3_close(c->db);
        c->db = NULL;
        return k;
    }
    sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(c->db, 1);
    const char *pragmas =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        "PRAGMA temp_store=MEMORY;";
    char *emsg = NULL;
    rc = sqlite3_exec(c->db, pragmas, NULL, NULL, &emsg);
    if (rc != SQLITE_OK) {
        err_kind k = err_set(err, ERR_UNAVAILABLE, "store_open", "db", "数据库初始化失败：%s",
                             emsg ? emsg : sqlite3_errstr(rc));
        sqlite3_free(emsg);
        sqlite3_close(c->db);
        c->db = NULL;
        return k;
    }
    return ERR_OK;
}

static void conn_close(conn *c) {
    for (int i = 0; i < STORE_Q_COUNT; i++) sqlite3_finalize(c->cache[i]);
    memset(c->cache, 0, sizeof c->cache);
    sqlite3_close(c->db);
    c->db = NULL;
}

err_kind store_sqlite_open(const char *path, store **out, err_detail *err) {
    store *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->path = strdup(path);
    if (!s->path) abort();
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    err_kind k = conn_open(s, &s->conns[0], err);
    if (k) {
        store_close(s);
        return k;
    }
    s->conn_count = 1;
    *out = s;
    return ERR_OK;
}

void store_close(store *s) {
    if (!s) return;
    for (int i = 0; i < s->conn_count; i++) conn_close(&s->conns[i]);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s->path);
    free(s);
}

const char *store_engine_name(const store *s) { (void)s; return "sqlite"; }

static err_kind conn_take(store *s, conn **out, err_detail *err) {
    pthread_mutex_lock(&s->mu);
    for (;;) {
        for (int i = 0; i < s->conn_count; i++) {
            if (!s->conns[i].in_use) {
                s->conns[i].in_use = true;
                pthread_mutex_unlock(&s->mu);
                *out = &s->conns[i];
                return ERR_OK;
            }
        }
        if (s->conn_count < LIMIT_STORE_CONNECTIONS_MAX) {
            conn *c = &s->conns[s->conn_count];
            err_kind k = conn_open(s, c, err);
            if (k) {
                pthread_mutex_unlock(&s->mu);
                return k;
            }
            s->conn_count++;
            c->in_use = true;
            pthread_mutex_unlock(&s->mu);
            *out = c;
            return ERR_OK;
        }
        pthread_cond_wait(&s->cv, &s->mu);
    }
}

static void conn_give(store *s, conn *c) {
    pthread_mutex_lock(&s->mu);
    c->in_use = false;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

err_kind store_begin(store *s, bool write, store_tx **out, err_detail *err) {
    err_kind k = fault_check(s, err);
    if (k) return k;
    conn *c;
    k = conn_take(s, &c, err);
    if (k) return k;
    int rc = sqlite3_exec(c->db, write ? "BEGIN IMMEDIATE" : "BEGIN", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        k = map_rc(c->db, rc, err);
        conn_give(s, c);
        return k;
    }
    store_tx *tx = calloc(1, sizeof *tx);
    if (!tx) abort();
    tx->st = s;
    tx->c = c;
    *out = tx;
    return ERR_OK;
}

static void tx_end(store_tx *tx) {
    assert(tx->open_stmts == 0 && "statement not handed back with store_stmt_done");
    conn_give(tx->st, tx->c);
    free(tx);
}

err_kind store_commit(store_tx *tx, err_detail *err) {
    err_kind k = fault_check(tx->st, err);
    if (!k) {
        int rc = sqlite3_exec(tx->c->db, "COMMIT", NULL, NULL, NULL);
        if (rc != SQLITE_OK) k = map_rc(tx->c->db, rc, err);
    }
    if (k) sqlite3_exec(tx->c->db, "ROLLBACK", NULL, NULL, NULL);
    tx_end(tx);
    return k;
}

void store_rollback(store_tx *tx) {
    if (!tx) return;
    sqlite3_exec(tx->c->db, "ROLLBACK", NULL, NULL, NULL);
    tx_end(tx);
}

err_kind store_prepare(store_tx *tx, store_query q, store_stmt **out, err_detail *err) {
    assert(q >= 0 && q < STORE_Q_COUNT);
    err_kind k = fault_check(tx->st, err);
    if (k) return k;
    conn *c = tx->c;
    if (!c->cache[q]) {
        int rc = sqlite3_prepare_v3(c->db, store_query_sql[q], -1, SQLITE_PREPARE_PERSISTENT,
                                    &c->cache[q], NULL);
        if (rc != SQLITE_OK) {
            err_set(err, ERR_INTERNAL, "store_prepare", NULL, "语句 %s 无法准备：%s",
                    store_query_name[q], sqlite3_errmsg(c->db));
            return ERR_INTERNAL;
        }
    }
    int slot = -1;
    for (int i = 0; i < (int)(sizeof tx->stmts / sizeof tx->stmts[0]); i++)
        if (!tx->stmts[i].s) { slot = i; break; }
    assert(slot >= 0 && "too many statements open in one transaction");
    for (int i = 0; i < (int)(sizeof tx->stmts / sizeof tx->stmts[0]); i++)
        assert(tx->stmts[i].s != c->cache[q] && "statement already open");
    store_stmt *st = &tx->stmts[slot];
    st->tx = tx;
    st->s = c->cache[q];
    st->q = q;
    tx->open_stmts++;
    *out = st;
    return ERR_OK;
}

void store_bind_int(store_stmt *st, int idx, int64_t v) {
    int rc = sqlite3_bind_int64(st->s, idx, v);
    assert(rc == SQLITE_OK && "bad parameter index");
    (void)rc;
}

void store_bind_text(store_stmt *st, int idx, const char *v) {
    int rc = v ? sqlite3_bind_text(st->s, idx, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st->s, idx);
    assert(rc == SQLITE_OK && "bad parameter index");
    (void)rc;
}

void store_bind_null(store_stmt *st, int idx) {
    int rc = sqlite3_bind_null(st->s, idx);
    assert(rc == SQLITE_OK && "bad parameter index");
    (void)rc;
}

err_kind store_step(store_stmt *st, bool *row, err_detail *err) {
    err_kind k = fault_check(st->tx->st, err);
    if (k) return k;
    int rc = sqlite3_step(st->s);
    if (rc == SQLITE_ROW) { *row = true; return ERR_OK; }
    if (rc == SQLITE_DONE) { *row = false; return ERR_OK; }
    return map_rc(st->tx->c->db, rc, err);
}

int64_t store_col_int(store_stmt *st, int col) { return sqlite3_column_int64(st->s, col); }

const char *store_col_text(store_stmt *st, int col) {
    const unsigned char *t = sqlite3_column_text(st->s, col);
    return t ? (const char *)t : "";
}

bool store_col_is_null(store_stmt *st, int col) {
    return sqlite3_column_type(st->s, col) == SQLITE_NULL;
}

void store_stmt_done(store_stmt *st) {
    if (!st || !st->s) return;
    sqlite3_reset(st->s);
    sqlite3_clear_bindings(st->s);
    st->s = NULL;
    st->tx->open_stmts--;
}

int64_t store_last_insert_id(store_tx *tx) { return sqlite3_last_insert_rowid(tx->c->db); }
int64_t store_changes(store_tx *tx) { return sqlite3_changes64(tx->c->db); }

/* Migrations run outside the statement table: they are whole scripts. */
static int migration_number(const char *name) {
    char *end;
    long n = strtol(name, &end, 10);
    return (end != name && *end == '_') ? (int)n : -1;
}

err_kind store_schema_version(store *s, int *version_out, err_detail *err) {
    conn *c;
    err_kind k = conn_take(s, &c, err);
    if (k) return k;
    int rc = sqlite3_exec(c->db,
                          "CREATE TABLE IF NOT EXISTS schema_migrations(version INTEGER PRIMARY KEY,"
                          " name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL)",
                          NULL, NULL, NULL);
    sqlite3_stmt *q = NULL;
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(c->db, "SELECT COALESCE(MAX(version),0) FROM schema_migrations", -1, &q, NULL);
    if (rc == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW) *version_out = sqlite3_column_int(q, 0);
    else k = map_rc(c->db, rc == SQLITE_OK ? SQLITE_ERROR : rc, err);
    sqlite3_finalize(q);
    conn_give(s, c);
    return k;
}

/* Whether migration n is recorded: each is applied once, by its own number,
 * so one added later with a lower number than the newest still runs. */
static err_kind migration_applied(store_tx *tx, int n, bool *out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(tx, STORE_Q_MIGRATION_APPLIED, &st, err);
    if (k) return k;
    store_bind_int(st, 1, n);
    k = store_step(st, out, err);
    store_stmt_done(st);
    return k;
}

err_kind store_migrate(store *s, int *applied_out, err_detail *err) {
    int have;
    err_kind k = store_schema_version(s, &have, err);
    if (k) return k;
    int applied = 0;
    for (size_t i = 0; i < store_migrations_count; i++) {
        int n = migration_number(store_migrations_names[i]);
        assert(n > 0 && "migration file names start with their number");
        store_tx *tx;
        k = store_begin(s, true, &tx, err);
        if (k) return k;
        bool done = false;
        k = migration_applied(tx, n, &done, err);
        if (k || done) {
            store_rollback(tx);
            if (k) return k;
            continue;
        }
        char *emsg = NULL;
        int rc = sqlite3_exec(tx->c->db, store_migrations_texts[i], NULL, NULL, &emsg);
        if (rc != SQLITE_OK) {
            err_set(err, ERR_INTERNAL, "migration_failed", NULL, "迁移 %s 失败：%s",
                    store_migrations_names[i], emsg ? emsg : sqlite3_errstr(rc));
            sqlite3_free(emsg);
            store_rollback(tx);
            return ERR_INTERNAL;
        }
        k = store_exec(tx, STORE_Q_MIGRATION_RECORD, err, "iti", (int64_t)n,
                       store_migrations_names[i], clock_now_ms());
        if (k) { store_rollback(tx); return k; }
        k = store_commit(tx, err);
        if (k) return k;
        applied++;
    }
    if (applied_out) *applied_out = applied;
    return ERR_OK;
}
