/* The SQLite engine: WAL mode, a pool of connections (one per concurrent
 * transaction), prepared statements cached per connection. */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/date.h"
#include "base/limits.h"
#include "store/store_internal.h"

enum {
    BUSY_TIMEOUT_MS = 10000,
    /* The WAL's length in frames past which it is copied back into the
     * database: SQLite's own default for its automatic checkpoints. */
    CHECKPOINT_FRAMES = 1000,
    /* A checkpoint that waits for no one leaves the WAL growing while reads
     * never pause; past this length one that starts it over (RESTART) is
     * tried as well, at once or not at all: about 40 MiB of pages. */
    CHECKPOINT_RESTART_FRAMES = 10 * CHECKPOINT_FRAMES,
};

const char store_sqlite_bulk_pragma[] = "PRAGMA cache_size=-65536;";
static const char SMALL_CACHE_PRAGMA[] = "PRAGMA cache_size=-256;";

const char store_sqlite_pragmas[] =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
    "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-256;";

typedef struct conn {
    sqlite3 *db;
    sqlite3_stmt *cache[STORE_Q_COUNT];
    sqlite3_stmt *bulk_cache[STORE_Q_COUNT];   /* SQ_BULK_ROWS rows of the INSERT (store_bulk) */
    int slot;
} conn;

typedef struct sq_store {
    struct store base;
    char *path;
    store_pool pool;
    conn conns[LIMIT_STORE_CONNECTIONS_MAX];
    /* Write transactions of this process take turns here rather than in
     * SQLite's busy handler, which sleeps (1, 2, 5 ... 100 ms) between tries:
     * under load the sleeps, not the work, set the pace. Taken before a
     * connection, so a waiting writer holds none. */
    pthread_mutex_t write_mu;
    /* Checkpoints run on a thread of their own (checkpointer_main), started
     * the first time the WAL is long enough: run by the commit that made it
     * so, as SQLite does by default, each took that commit (and every read
     * waiting for the audit rows it carried) a few milliseconds to sync the
     * files, which set the reads' 99th percentile. */
    pthread_mutex_t ck_mu;
    pthread_cond_t ck_wanted_cv;
    pthread_t ck_thread;
    bool ck_started, ck_wanted, ck_stopping;
    int ck_frames;           /* the WAL's length at the last checkpoint */
    int ck_asked_frames;     /* its length when the checkpoint was asked for */
} sq_store;

typedef struct sq_stmt {
    struct store_stmt base;
    sqlite3_stmt *s;
    store_query q;
} sq_stmt;

typedef struct sq_tx {
    struct store_tx base;
    conn *c;
    sq_stmt stmts[8];
    int open_stmts;
    bool write;   /* holds write_mu */
    bool bulk;          /* lent the bulk page cache (store_tx_bulk), given back at its end */
} sq_tx;

#define SQ(s) ((sq_store *)(s))
#define TX(t) ((sq_tx *)(t))
#define ST(t) ((sq_stmt *)(t))

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

/* SQLite counts every allocation under a global mutex for
 * sqlite3_memory_used(), which nothing here reads: off, before SQLite
 * initialises (a later call is refused by SQLite and changes nothing). */
static void global_init(void) { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }

void store_sqlite_global_init(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, global_init);
}

/* A checkpoint of as many frames as no reader still needs (PASSIVE: it
 * waits for no one, and commits go on meanwhile), on a connection of its
 * own; once the WAL is long, after it one that copies the few frames
 * left and starts the WAL over (RESTART) when no reader is using it. */
static void *checkpointer_main(void *arg) {
    sq_store *s = arg;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(s->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, NULL) !=
        SQLITE_OK) {
        sqlite3_close(db);
        db = NULL;   /* nothing to checkpoint with: the wishes are dropped */
    }
    /* No busy handler: a checkpoint that cannot go at once waits for the
     * next wish rather than sleep 1 to 100 ms holding a lock. A connection
     * knows the file is in WAL mode once it has read it: until then a
     * checkpoint is a no-op that says "not WAL". */
    if (db) sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
    pthread_mutex_lock(&s->ck_mu);
    for (;;) {
        while (!s->ck_wanted && !s->ck_stopping) pthread_cond_wait(&s->ck_wanted_cv, &s->ck_mu);
        if (s->ck_stopping) break;
        s->ck_wanted = false;
        bool restart = s->ck_asked_frames >= CHECKPOINT_RESTART_FRAMES;
        pthread_mutex_unlock(&s->ck_mu);
        /* A failure (a full disk) is the next one's to retry, as with SQLite's own. */
        int frames = 0;
        if (db && sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &frames, NULL) != SQLITE_OK)
            frames = 0;
        if (db && restart && frames > 0) {
            /* It holds SQLite's write lock a moment: this process's writers
             * wait on write_mu meanwhile, woken at once, where SQLite's busy
             * handler would have slept for a millisecond or more. */
            pthread_mutex_lock(&s->write_mu);
            if (sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL) == SQLITE_OK)
                frames = 0;   /* the next commit starts the WAL over */
            pthread_mutex_unlock(&s->write_mu);
        }
        pthread_mutex_lock(&s->ck_mu);
        s->ck_frames = frames;
    }
    pthread_mutex_unlock(&s->ck_mu);
    sqlite3_close(db);
    return NULL;
}

/* After every commit (sqlite3_wal_hook, which replaces SQLite's automatic
 * checkpoint): a long WAL wakes the checkpointer, started the first time. */
static int wal_committed(void *arg, sqlite3 *db, const char *name, int frames) {
    (void)db;
    (void)name;
    sq_store *s = arg;
    if (frames < CHECKPOINT_FRAMES) return SQLITE_OK;
    pthread_mutex_lock(&s->ck_mu);
    /* Counted from the last checkpoint: readers keep the WAL from starting
     * over, and a checkpoint after every commit cost a sync each. A shorter
     * WAL than then has started over. */
    if (frames < s->ck_frames) s->ck_frames = 0;
    if (frames - s->ck_frames < CHECKPOINT_FRAMES) {
        pthread_mutex_unlock(&s->ck_mu);
        return SQLITE_OK;
    }
    if (!s->ck_started && !s->ck_stopping)
        s->ck_started = pthread_create(&s->ck_thread, NULL, checkpointer_main, s) == 0;
    s->ck_wanted = true;
    s->ck_asked_frames = frames;
    pthread_cond_signal(&s->ck_wanted_cv);
    pthread_mutex_unlock(&s->ck_mu);
    return SQLITE_OK;
}

static void checkpointer_stop(sq_store *s) {
    pthread_mutex_lock(&s->ck_mu);
    s->ck_stopping = true;
    pthread_cond_signal(&s->ck_wanted_cv);
    bool started = s->ck_started;
    pthread_mutex_unlock(&s->ck_mu);
    if (started) pthread_join(s->ck_thread, NULL);
}

static err_kind conn_open(sq_store *s, conn *c, err_detail *err) {
    store_sqlite_global_init();
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
    sqlite3_wal_hook(c->db, wal_committed, s);
    /* cache_size: 256 KiB of pages a connection (SQLite's default is 2000).
     * The pages a request reads are few and the operating system caches the
     * file; a large cache only fills slowly with pages read once (the audit
     * log's tail, old WAL frames), so the server kept growing for a million
     * requests. At 256 KiB it is full within the first thousands. */
    char *emsg = NULL;
    rc = sqlite3_exec(c->db, store_sqlite_pragmas, NULL, NULL, &emsg);
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
    for (int i = 0; i < STORE_Q_COUNT; i++) {
        sqlite3_finalize(c->cache[i]);
        sqlite3_finalize(c->bulk_cache[i]);
    }
    memset(c->cache, 0, sizeof c->cache);
    memset(c->bulk_cache, 0, sizeof c->bulk_cache);
    sqlite3_close(c->db);
    c->db = NULL;
}

static void sq_close(store *base) {
    sq_store *s = SQ(base);
    checkpointer_stop(s);   /* the last connection closed checkpoints what is left */
    for (int i = 0; i < s->pool.count; i++) conn_close(&s->conns[i]);
    store_pool_destroy(&s->pool);
    pthread_mutex_destroy(&s->write_mu);
    pthread_cond_destroy(&s->ck_wanted_cv);
    pthread_mutex_destroy(&s->ck_mu);
    free(s->path);
    free(s);
}

static err_kind conn_open_slot(void *engine, int slot, err_detail *err) {
    sq_store *s = engine;
    s->conns[slot].slot = slot;
    return conn_open(s, &s->conns[slot], err);
}

static err_kind conn_take(sq_store *s, conn **out, err_detail *err) {
    int slot;
    err_kind k = store_pool_take(&s->pool, conn_open_slot, s, &slot, err);
    if (!k) *out = &s->conns[slot];
    return k;
}

static void conn_give(sq_store *s, conn *c) { store_pool_give(&s->pool, c->slot); }

static err_kind sq_ensure_migrations_table(store *base, err_detail *err) {
    sq_store *s = SQ(base);
    conn *c;
    err_kind k = conn_take(s, &c, err);
    if (k) return k;
    int rc = sqlite3_exec(c->db,
                          "CREATE TABLE IF NOT EXISTS schema_migrations(version INTEGER PRIMARY KEY,"
                          " name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL)",
                          NULL, NULL, NULL);
    if (rc != SQLITE_OK) k = map_rc(c->db, rc, err);
    conn_give(s, c);
    return k;
}

/* The writer's turn, waited for no longer than SQLite would have waited. */
static err_kind writer_wait(sq_store *s, err_detail *err) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += BUSY_TIMEOUT_MS / 1000;
    if (pthread_mutex_timedlock(&s->write_mu, &until) == 0) return ERR_OK;
    return map_rc(NULL, SQLITE_BUSY, err);
}

static err_kind sq_begin(store *base, bool write, store_tx **out, err_detail *err) {
    sq_store *s = SQ(base);
    err_kind k = store_fault_hit(base, err);
    if (k) return k;
    if (write && writer_wait(s, err)) return ERR_UNAVAILABLE;
    conn *c;
    k = conn_take(s, &c, err);
    if (k) {
        if (write) pthread_mutex_unlock(&s->write_mu);
        return k;
    }
    int rc = sqlite3_exec(c->db, write ? "BEGIN IMMEDIATE" : "BEGIN", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        k = map_rc(c->db, rc, err);
        conn_give(s, c);
        if (write) pthread_mutex_unlock(&s->write_mu);
        return k;
    }
    sq_tx *tx = calloc(1, sizeof *tx);
    if (!tx) abort();
    tx->base.st = base;
    tx->c = c;
    tx->write = write;
    *out = &tx->base;
    return ERR_OK;
}

static void tx_end(sq_tx *tx) {
    assert(tx->open_stmts == 0 && "statement not handed back with store_stmt_done");
    if (tx->bulk) sqlite3_exec(tx->c->db, SMALL_CACHE_PRAGMA, NULL, NULL, NULL);   /* frees the pages */
    conn_give(SQ(tx->base.st), tx->c);
    if (tx->write) pthread_mutex_unlock(&SQ(tx->base.st)->write_mu);
    free(tx);
}

static err_kind sq_commit(store_tx *base, err_detail *err) {
    sq_tx *tx = TX(base);
    err_kind k = store_fault_hit(base->st, err);
    if (!k) {
        int rc = sqlite3_exec(tx->c->db, "COMMIT", NULL, NULL, NULL);
        if (rc != SQLITE_OK) k = map_rc(tx->c->db, rc, err);
    }
    if (k) sqlite3_exec(tx->c->db, "ROLLBACK", NULL, NULL, NULL);
    tx_end(tx);
    return k;
}

static void sq_rollback(store_tx *base) {
    sq_tx *tx = TX(base);
    sqlite3_exec(tx->c->db, "ROLLBACK", NULL, NULL, NULL);
    tx_end(tx);
}

/* A batch chunk touches index pages all over: with the connection's small
 * cache it would read them again and again. */
static err_kind sq_bulk(store_tx *base, err_detail *err) {
    sq_tx *tx = TX(base);
    int rc = sqlite3_exec(tx->c->db, store_sqlite_bulk_pragma, NULL, NULL, NULL);
    if (rc != SQLITE_OK) return map_rc(tx->c->db, rc, err);
    tx->bulk = true;
    return ERR_OK;
}

static err_kind sq_exec_script(store_tx *base, const char *name, const char *sql, err_detail *err) {
    char *emsg = NULL;
    int rc = sqlite3_exec(TX(base)->c->db, sql, NULL, NULL, &emsg);
    if (rc == SQLITE_OK) return ERR_OK;
    err_set(err, ERR_INTERNAL, "migration_failed", NULL, "迁移 %s 失败：%s", name,
            emsg ? emsg : sqlite3_errstr(rc));
    sqlite3_free(emsg);
    return ERR_INTERNAL;
}

static err_kind sq_prepare(store_tx *base, store_query q, store_stmt **out, err_detail *err) {
    sq_tx *tx = TX(base);
    err_kind k = store_fault_hit(base->st, err);
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
    sq_stmt *st = &tx->stmts[slot];
    st->base.tx = base;
    st->s = c->cache[q];
    st->q = q;
    tx->open_stmts++;
    *out = &st->base;
    return ERR_OK;
}

static void sq_bind_int(store_stmt *st, int idx, int64_t v) {
    int rc = sqlite3_bind_int64(ST(st)->s, idx, v);
    assert(rc == SQLITE_OK && "bad parameter index");
    (void)rc;
}

static void sq_bind_text(store_stmt *st, int idx, const char *v) {
    int rc = v ? sqlite3_bind_text(ST(st)->s, idx, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(ST(st)->s, idx);
    assert(rc == SQLITE_OK && "bad parameter index");
    (void)rc;
}

static void sq_bind_null(store_stmt *st, int idx) {
    int rc = sqlite3_bind_null(ST(st)->s, idx);
    assert(rc == SQLITE_OK && "bad parameter index");
    (void)rc;
}

static err_kind sq_step(store_stmt *st, bool *row, err_detail *err) {
    err_kind k = store_fault_hit(st->tx->st, err);
    if (k) return k;
    if (!TX(st->tx)->write && !sqlite3_stmt_readonly(ST(st)->s))   /* a defect: it would write unlocked */
        return err_set(err, ERR_INTERNAL, "store_write_in_read", NULL, "只读事务中不能执行写语句 %s",
                       store_query_name[ST(st)->q]);
    int rc = sqlite3_step(ST(st)->s);
    if (rc == SQLITE_ROW) { *row = true; return ERR_OK; }
    if (rc == SQLITE_DONE) { *row = false; return ERR_OK; }
    return map_rc(TX(st->tx)->c->db, rc, err);
}

static int64_t sq_col_int(store_stmt *st, int col) { return sqlite3_column_int64(ST(st)->s, col); }

static const char *sq_col_text(store_stmt *st, int col) {
    const unsigned char *t = sqlite3_column_text(ST(st)->s, col);
    return t ? (const char *)t : "";
}

static bool sq_col_is_null(store_stmt *st, int col) {
    return sqlite3_column_type(ST(st)->s, col) == SQLITE_NULL;
}

static void sq_stmt_done(store_stmt *base) {
    sq_stmt *st = ST(base);
    if (!st->s) return;
    sqlite3_reset(st->s);
    sqlite3_clear_bindings(st->s);
    st->s = NULL;
    TX(base->tx)->open_stmts--;
}

static int64_t sq_last_insert_id(store_tx *tx) { return sqlite3_last_insert_rowid(TX(tx)->c->db); }
static int64_t sq_changes(store_tx *tx) { return sqlite3_changes64(TX(tx)->c->db); }

/* ---- bulk rows: SQ_BULK_ROWS to a statement, the rest one at a time ---- */

/* Most of an INSERT's cost besides its rows is the statement: 64 rows of
 * twelve values are 768 parameters, far within SQLite's limit (64 rows
 * counted 3% fewer instructions for the month run than 32, 32 8% fewer
 * than 16). */
enum {
    SQ_BULK_ROWS = 64,
    SQ_BULK_SQL_BYTES = 32768,
    SQ_BULK_TEXT_BYTES = 2 * STORE_BULK_COLS_MAX * STORE_BULK_TEXT_BYTES,
};

typedef struct sq_rows {
    struct store_bulk base;
    int rows;                                   /* kept, not yet written */
    store_bulk_val vals[SQ_BULK_ROWS][STORE_BULK_COLS_MAX];
    size_t text_used;                           /* the kept rows' text values, one after the other */
    char text[SQ_BULK_TEXT_BYTES];
} sq_rows;

/* The INSERT with rows tuples of values, parameters numbered on. */
static void bulk_sql(const store_insert_shape *sh, int rows, char *out, size_t cap) {
    size_t n = (size_t)snprintf(out, cap, "INSERT INTO %s (", sh->table);
    for (int c = 0; c < sh->ncols && n < cap; c++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s", c ? ", " : "", sh->cols[c]);
    n += (size_t)snprintf(out + n, cap - n, ") VALUES ");
    for (int r = 0; r < rows && n < cap; r++) {
        for (int c = 0; c < sh->ncols && n < cap; c++) {
            const char *sep = c ? ", " : r ? ", (" : "(";
            if (sh->param[c]) n += (size_t)snprintf(out + n, cap - n, "%s?%d", sep, r * sh->nparams + sh->param[c]);
            else n += (size_t)snprintf(out + n, cap - n, "%s%s", sep, sh->literal[c]);
        }
        if (n < cap) n += (size_t)snprintf(out + n, cap - n, ")");
    }
}

static err_kind stmt_ready(sq_tx *tx, sqlite3_stmt **slot, const char *sql, store_query q, err_detail *err) {
    if (*slot) return ERR_OK;
    if (sqlite3_prepare_v3(tx->c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL) == SQLITE_OK) return ERR_OK;
    return err_set(err, ERR_INTERNAL, "store_prepare", NULL, "语句 %s 无法准备：%s", store_query_name[q],
                   sqlite3_errmsg(tx->c->db));
}

static err_kind sq_bulk_begin(store_tx *base, const store_insert_shape *shape, store_bulk **out, err_detail *err) {
    (void)shape;
    (void)err;
    assert(TX(base)->write && "bulk rows in a read transaction");
    sq_rows *b = malloc(sizeof *b);
    if (!b) abort();
    b->rows = 0;
    b->text_used = 0;
    *out = &b->base;
    return ERR_OK;
}

/* Binds the kept rows from row `from` on, count of them, into st. */
static void bulk_bind(sq_rows *b, sqlite3_stmt *st, int from, int count) {
    int np = b->base.shape.nparams;
    for (int r = 0; r < count; r++)
        for (int c = 0; c < np; c++) {
            const store_bulk_val *v = &b->vals[from + r][c];
            int idx = r * np + c + 1;
            if (v->is_int) sqlite3_bind_int64(st, idx, v->i);
            else if (v->t) sqlite3_bind_text(st, idx, v->t, -1, SQLITE_STATIC);
            else sqlite3_bind_null(st, idx);
        }
}

static err_kind bulk_run(sq_rows *b, sqlite3_stmt *st, err_detail *err) {
    store_tx *base = b->base.tx;
    err_kind k = store_fault_hit(base->st, err);
    int rc = k ? SQLITE_OK : sqlite3_step(st);
    if (!k && rc != SQLITE_DONE) k = map_rc(TX(base)->c->db, rc, err);
    sqlite3_reset(st);   /* bindings kept: the next rows bind every parameter again */
    return k;
}

/* Writes the kept rows: all of them when full, else one at a time. */
static err_kind bulk_flush(sq_rows *b, err_detail *err) {
    sq_tx *tx = TX(b->base.tx);
    store_query q = b->base.q;
    err_kind k = ERR_OK;
    if (b->rows == SQ_BULK_ROWS) {
        char sql[SQ_BULK_SQL_BYTES];
        if (!tx->c->bulk_cache[q]) bulk_sql(&b->base.shape, SQ_BULK_ROWS, sql, sizeof sql);
        k = stmt_ready(tx, &tx->c->bulk_cache[q], sql, q, err);
        if (!k) bulk_bind(b, tx->c->bulk_cache[q], 0, SQ_BULK_ROWS);
        if (!k) k = bulk_run(b, tx->c->bulk_cache[q], err);
    } else {
        k = stmt_ready(tx, &tx->c->cache[q], store_query_sql[q], q, err);
        for (int r = 0; !k && r < b->rows; r++) {
            bulk_bind(b, tx->c->cache[q], r, 1);
            k = bulk_run(b, tx->c->cache[q], err);
        }
    }
    b->rows = 0;
    b->text_used = 0;
    return k;
}

static size_t row_text_bytes(const store_bulk *base) {
    size_t n = 0;
    for (int c = 0; c < base->shape.nparams; c++)
        if (base->row[c].t) n += strlen(base->row[c].t) + 1;
    return n;
}

static err_kind sq_bulk_row(store_bulk *base, err_detail *err) {
    sq_rows *b = (sq_rows *)base;
    /* long texts: the kept rows go first (one row's texts always fit) */
    err_kind k = b->text_used + row_text_bytes(base) > sizeof b->text ? bulk_flush(b, err) : ERR_OK;
    if (k) return k;
    for (int c = 0; c < base->shape.nparams; c++) {
        store_bulk_val v = base->row[c];
        if (v.t) {
            size_t n = strlen(v.t) + 1;
            v.t = memcpy(b->text + b->text_used, v.t, n);
            b->text_used += n;
        }
        b->vals[b->rows][c] = v;
    }
    return ++b->rows < SQ_BULK_ROWS ? ERR_OK : bulk_flush(b, err);
}

static err_kind sq_bulk_end(store_bulk *base, bool write, err_detail *err) {
    sq_rows *b = (sq_rows *)base;
    err_kind k = write && b->rows ? bulk_flush(b, err) : ERR_OK;
    free(b);
    return k;
}

static const store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .ensure_migrations_table = sq_ensure_migrations_table,
    .exec_script = sq_exec_script,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .prepare = sq_prepare,
    .bind_int = sq_bind_int,
    .bind_text = sq_bind_text,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .col_int = sq_col_int,
    .col_text = sq_col_text,
    .col_is_null = sq_col_is_null,
    .stmt_done = sq_stmt_done,
    .last_insert_id = sq_last_insert_id,
    .changes = sq_changes,
    .bulk = sq_bulk,
    .bulk_begin = sq_bulk_begin,
    .bulk_row = sq_bulk_row,
    .bulk_end = sq_bulk_end,
};

err_kind store_sqlite_open(const char *path, store **out, err_detail *err) {
    sq_store *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->base.ops = &sqlite_ops;
    s->path = strdup(path);
    if (!s->path) abort();
    store_pool_init(&s->pool);
    pthread_mutex_init(&s->write_mu, NULL);
    pthread_mutex_init(&s->ck_mu, NULL);
    pthread_cond_init(&s->ck_wanted_cv, NULL);
    /* The first connection now, so a bad path is refused at open. */
    conn *c;
    err_kind k = conn_take(s, &c, err);
    if (k) {
        sq_close(&s->base);
        return k;
    }
    conn_give(s, c);
    *out = &s->base;
    return ERR_OK;
}
