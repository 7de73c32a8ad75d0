/* The PostgreSQL engine, through libpq: a pool of connections (one per
 * concurrent transaction), every statement prepared once per connection
 * under its own name, text parameters whose types the server infers from
 * the statement.
 *
 * Write transactions. The services were written against SQLite's BEGIN
 * IMMEDIATE: one writer at a time, and a writer's reads see every committed
 * write. Many operations read and then write on what they read (the audit
 * chain head, registry counters, a bill's status before its posting,
 * balances), without row locks. Rather than find and lock every such read,
 * or retry whole operations after a serialization failure (no operation is
 * written to be re-run from the store layer), a write transaction here takes
 * one transaction-scoped advisory lock first, and runs READ COMMITTED: each
 * statement then sees every write committed before it, and no other writer
 * commits in between, on this node or any other node sharing the database.
 * That is exactly SQLite's guarantee, across servers. Every write appends to
 * the hash-chained audit log through its single head row, so writes were one
 * at a time anyway; readers are not held up (REPEATABLE READ snapshots, as
 * SQLite's WAL readers). The lock wait is bounded like SQLite's busy timeout.
 *
 * A failing statement leaves the transaction usable, as in SQLite: each
 * write runs between SAVEPOINT and RELEASE sent in one pipeline (one round
 * trip), and a failure rolls back to the savepoint.
 *
 * Errors by SQLSTATE: class 23 (unique, check, foreign key, not null) ->
 * ERR_CONFLICT store_conflict; 40001 serialization failure, 40P01 deadlock,
 * 55P03 lock timeout -> ERR_UNAVAILABLE store_busy; 53100 disk full ->
 * store_full; 25006 read-only transaction (a standby) -> store_readonly; a
 * lost connection -> ERR_UNAVAILABLE store_unavailable. */
#include <assert.h>
#include <ctype.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/limits.h"
#include "store/store_internal.h"

enum {
    PG_PARAMS_MAX = 256,
    PG_STMTS_OPEN_MAX = 8,
    PG_NUM_BYTES = 24,
    PG_PIPELINE_MAX = 256,     /* writes in flight before their answers are read */
    PG_ID_POOLS = 8,           /* tables a batch chunk draws identity ids ahead for */
    PG_ID_BLOCK_FIRST = 8,
    PG_ID_BLOCK_MAX = 256,
    PG_SEQ_BYTES = 128,
};

/* One key for the write lock of a database: 'sipf' as a number. */
#define PG_WRITE_LOCK_KEY "1936287846"
/* How long a writer waits for the write lock (SQLite's busy timeout). */
#define PG_LOCK_TIMEOUT "10s"

typedef struct pg_stmt {
    struct store_stmt base;
    bool open;
    store_query q;
    int nparams;
    const char *vals[PG_PARAMS_MAX];
    char *owned[PG_PARAMS_MAX];            /* copies of text parameters */
    char nums[PG_PARAMS_MAX][PG_NUM_BYTES];
    PGresult *res;                         /* the rows, once run */
    bool ran;
    int row, nrows;
} pg_stmt;

/* Identity ids of one table drawn ahead from its sequence (a batch chunk's
 * inserts then need no answer each: see pg_step). */
typedef struct pg_ids {
    char seq[PG_SEQ_BYTES];
    int64_t ids[PG_ID_BLOCK_MAX];
    int next, n, block;
} pg_ids;

typedef struct pg_tx {
    struct store_tx base;
    struct pg_conn *c;
    pg_stmt stmts[PG_STMTS_OPEN_MAX];
    int open_stmts;
    int64_t last_id;
    int64_t changes;
    /* The first failure of a statement outside a savepoint: PostgreSQL has
     * ended the transaction, and later statements answer with it. */
    err_kind failed;
    char failed_code[48];
    char failed_message[256];
    bool piping;             /* writes sent, their results not yet read */
    int pending;
    bool last_piped;         /* the last statement run was sent without its answer */
    int expect_one[PG_PIPELINE_MAX];   /* by pending write: 1 + its query when it must change one row */
    bool id_ahead;           /* a batch chunk (store_tx_bulk): identity ids drawn ahead */
    pg_ids ids[PG_ID_POOLS];
    int n_ids;
} pg_tx;

typedef struct pg_conn {
    PGconn *db;
    bool prepared[STORE_Q_COUNT];
    bool prepared_id[STORE_Q_COUNT];       /* the statement's explicit-id form (pg_query.id_sql) */
    int slot;
    pg_tx tx;                              /* the one transaction it serves */
} pg_conn;

/* A statement as this engine runs it, made once per store. */
typedef struct pg_query {
    char *sql;               /* ?N renamed $N, dialect applied */
    int nparams;
    bool write;              /* INSERT / UPDATE / DELETE / WITH */
    bool refusable;          /* run under a savepoint (pg_refusable) */
    bool hidden_id;          /* " RETURNING <identity>" appended for last_insert_id */
    bool deferred;           /* a write that returns nothing: pipelined (see pg_step) */
    char *id_sql;            /* hidden_id's INSERT with the id as its last parameter, or NULL */
    char *plain_sql;         /* hidden_id's INSERT without RETURNING, for pg_id_unread */
    char seq[PG_SEQ_BYTES];  /* the identity's sequence (with id_sql) */
    bool made;
} pg_query;

typedef struct pg_store {
    struct store base;
    char *url;
    store_pool pool;
    pg_conn conns[LIMIT_STORE_CONNECTIONS_MAX];
    pthread_mutex_t qmu;
    pg_query queries[STORE_Q_COUNT];
} pg_store;

#define PG(s) ((pg_store *)(s))
#define TX(t) ((pg_tx *)(t))
#define ST(t) ((pg_stmt *)(t))

/* ---- the dialect: one table of rewrites for migrations and statements ---- */

typedef struct dialect_rewrite {
    const char *from;        /* matched case-insensitively on word boundaries */
    const char *to;
} dialect_rewrite;

/* Longest first: the first match at a position wins. */
static const dialect_rewrite dialect_rewrites[] = {
    /* SQLite's rowid alias: a 64-bit key the database assigns unless given. */
    {"INTEGER PRIMARY KEY AUTOINCREMENT", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"},
    {"INTEGER PRIMARY KEY", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"},
    {"AUTOINCREMENT", ""},
    /* SQLite's INTEGER holds 64 bits: fen, milliseconds. */
    {"INTEGER", "BIGINT"},
    {"REAL", "DOUBLE PRECISION"},
    {"BLOB", "BYTEA"},
    {"WITHOUT ROWID", ""},
};

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

/* Room for n more bytes (and the terminating zero). */
static void sb_reserve(sbuf *b, size_t n) {
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
}

static void sb_add(sbuf *b, const char *s, size_t n) {
    sb_reserve(b, n);
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static bool is_word(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* Translates SQLite text into PostgreSQL text: the rewrites above outside
 * string literals and comments, ?N parameters renamed $N, PRAGMA statements
 * dropped. *max_param gets the highest parameter number. */
static char *pg_dialect(const char *sql, int *max_param) {
    sbuf b = {0};
    sb_add(&b, "", 0);
    int maxp = 0;
    const char *p = sql;
    bool stmt_start = true;
    while (*p) {
        if (*p == '\'') {                      /* literal, '' escapes a quote */
            const char *q = p + 1;
            while (*q && !(*q == '\'' && q[1] != '\'')) q += (*q == '\'' ? 2 : 1);
            if (*q) q++;
            sb_add(&b, p, (size_t)(q - p));
            p = q;
            stmt_start = false;
            continue;
        }
        if (p[0] == '-' && p[1] == '-') {      /* comment to the end of the line */
            const char *q = strchr(p, '\n');
            if (!q) q = p + strlen(p);
            sb_add(&b, p, (size_t)(q - p));
            p = q;
            continue;
        }
        if (*p == '?' && isdigit((unsigned char)p[1])) {
            char *end;
            long n = strtol(p + 1, &end, 10);
            if (n > maxp) maxp = (int)n;
            sb_add(&b, "$", 1);
            sb_add(&b, p + 1, (size_t)(end - (p + 1)));
            p = end;
            stmt_start = false;
            continue;
        }
        if (is_word(*p) && (p == sql || !is_word(p[-1]))) {
            if (stmt_start && strncasecmp(p, "PRAGMA", 6) == 0 && !is_word(p[6])) {
                const char *q = strchr(p, ';');
                p = q ? q + 1 : p + strlen(p);
                continue;
            }
            stmt_start = false;
            bool done = false;
            for (size_t i = 0; i < sizeof dialect_rewrites / sizeof dialect_rewrites[0]; i++) {
                const dialect_rewrite *r = &dialect_rewrites[i];
                size_t n = strlen(r->from);
                if (strncasecmp(p, r->from, n) == 0 && !is_word(p[n])) {
                    sb_add(&b, r->to, strlen(r->to));
                    p += n;
                    done = true;
                    break;
                }
            }
            if (done) continue;
            const char *q = p;
            while (is_word(*q)) q++;
            sb_add(&b, p, (size_t)(q - p));
            p = q;
            continue;
        }
        if (*p == ';') stmt_start = true;
        else if (!isspace((unsigned char)*p)) stmt_start = false;
        sb_add(&b, p, 1);
        p++;
    }
    if (max_param) *max_param = maxp;
    return b.p;
}

/* ---- errors ---- */

static err_kind map_result(PGconn *db, const PGresult *r, err_detail *err) {
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(db);
    if (!msg || !*msg) msg = PQerrorMessage(db);
    if (!state || PQstatus(db) != CONNECTION_OK)
        return err_set(err, ERR_UNAVAILABLE, "store_unavailable", NULL, "数据库连接中断，请稍后重试：%s", msg);
    if (strncmp(state, "23", 2) == 0)
        return err_set(err, ERR_CONFLICT, "store_conflict", NULL, "数据冲突（记录已存在或不满足约束）：%s", msg);
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0)
        return err_set(err, ERR_UNAVAILABLE, "store_busy", NULL, "数据库繁忙，请稍后重试");
    if (strcmp(state, "53100") == 0)
        return err_set(err, ERR_UNAVAILABLE, "store_full", NULL, "数据库磁盘已满，暂时无法写入");
    if (strcmp(state, "25006") == 0)
        return err_set(err, ERR_UNAVAILABLE, "store_readonly", NULL, "数据库只读，暂时无法写入");
    return err_set(err, ERR_INTERNAL, "store_error", NULL, "数据库错误：%s", msg);
}

static bool result_ok(const PGresult *r) {
    ExecStatusType t = PQresultStatus(r);
    return t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK;
}

/* Runs a statement without parameters; ERR_OK when it succeeded. */
static err_kind run_simple(PGconn *db, const char *sql, err_detail *err) {
    PGresult *r = PQexec(db, sql);
    err_kind k = result_ok(r) ? ERR_OK : map_result(db, r, err);
    PQclear(r);
    return k;
}

/* ---- connections ---- */

/* The server's notices ("already exists, skipping") are not errors. */
static void notice_quiet(void *arg, const char *message) {
    (void)arg;
    (void)message;
}

static err_kind conn_open(pg_store *s, pg_conn *c, err_detail *err) {
    c->db = PQconnectdb(s->url);
    if (PQstatus(c->db) != CONNECTION_OK) {
        err_kind k = err_set(err, ERR_UNAVAILABLE, "store_open", "db", "无法连接数据库：%s", PQerrorMessage(c->db));
        PQfinish(c->db);
        c->db = NULL;
        return k;
    }
    PQsetClientEncoding(c->db, "UTF8");
    PQsetNoticeProcessor(c->db, notice_quiet, NULL);
    memset(c->prepared, 0, sizeof c->prepared);
    memset(c->prepared_id, 0, sizeof c->prepared_id);
    return ERR_OK;
}

static void conn_close(pg_conn *c) {
    PQfinish(c->db);
    c->db = NULL;
}

static err_kind conn_open_slot(void *engine, int slot, err_detail *err) {
    pg_store *s = engine;
    s->conns[slot].slot = slot;
    return conn_open(s, &s->conns[slot], err);
}

static void conn_give(pg_store *s, pg_conn *c) { store_pool_give(&s->pool, c->slot); }

static err_kind conn_take(pg_store *s, pg_conn **out, err_detail *err) {
    int slot = 0;
    err_kind k = store_pool_take(&s->pool, conn_open_slot, s, &slot, err);
    if (k) return k;
    pg_conn *c = &s->conns[slot];
    if (PQstatus(c->db) != CONNECTION_OK) {       /* the server went away: connect again */
        PQreset(c->db);
        memset(c->prepared, 0, sizeof c->prepared);
    memset(c->prepared_id, 0, sizeof c->prepared_id);
        if (PQstatus(c->db) != CONNECTION_OK) {
            k = map_result(c->db, NULL, err);
            conn_give(s, c);
            return k;
        }
    }
    *out = c;
    return ERR_OK;
}

static void pg_close(store *base) {
    pg_store *s = PG(base);
    for (int i = 0; i < s->pool.count; i++) conn_close(&s->conns[i]);
    for (int i = 0; i < STORE_Q_COUNT; i++) {
        free(s->queries[i].sql);
        free(s->queries[i].id_sql);
        free(s->queries[i].plain_sql);
    }
    store_pool_destroy(&s->pool);
    pthread_mutex_destroy(&s->qmu);
    free(s->url);
    free(s);
}

/* ---- statements as this engine runs them ---- */

static bool starts_with_word(const char *sql, const char *word) {
    while (isspace((unsigned char)*sql)) sql++;
    size_t n = strlen(word);
    return strncasecmp(sql, word, n) == 0 && !is_word(sql[n]);
}

/* The first place a word occurs in sql, case-insensitively, or NULL. */
static const char *find_word(const char *sql, const char *word) {
    size_t n = strlen(word);
    for (const char *p = sql; *p; p++)
        if ((p == sql || !is_word(p[-1])) && strncasecmp(p, word, n) == 0 && !is_word(p[n])) return p;
    return NULL;
}

/* The identity column of an INSERT's table, so the statement can return it
 * (SQLite's last_insert_rowid, without a second round trip). */
static void identity_of_insert(PGconn *db, const char *sql, char *col, size_t cap) {
    col[0] = 0;
    const char *p = find_word(sql, "INTO");
    if (!p) return;
    p += 4;
    while (isspace((unsigned char)*p)) p++;
    char table[128];
    size_t n = 0;
    while (is_word(p[n]) && n + 1 < sizeof table) { table[n] = p[n]; n++; }
    table[n] = 0;
    const char *params[1] = {table};
    PGresult *r = PQexecParams(db,
                               "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = to_regclass($1) "
                               "AND a.attidentity <> '' AND NOT a.attisdropped",
                               1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
        snprintf(col, cap, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
}

/* The statements whose constraint failure a service turns into a refusal
 * (a duplicate ID number, unit code, project contract) and may go on after,
 * in the same transaction, with the next row of a file. Each runs under a
 * savepoint. Any other statement that fails is a fault of the operation: the
 * transaction is done, and every later statement of it answers with the
 * first failure, which the operation returns. (A savepoint around every
 * write would keep SQLite's behaviour for all of them, at the price of a
 * subtransaction each: it made the demo data three times slower.) */
static const store_query pg_refusable[] = {
    STORE_Q_PERSON_INSERT,
    STORE_Q_REG_PERSON_INSERT,
    STORE_Q_UNIT_INSERT,
    STORE_Q_UNIT_REG_INSERT,
    STORE_Q_FLEX_PROJECT_INSERT,
};

/* A one-row INSERT with its identity column given as parameter nparams + 1
 * ("INSERT INTO t (a, b) VALUES ($1, $2)" -> "INSERT INTO t (id, a, b)
 * VALUES ($3, $1, $2)"), and the identity's sequence; NULL for any other
 * shape (INSERT ... SELECT, ON CONFLICT). */
static char *id_form(PGconn *db, const char *sql, const char *col, int nparams, char seq[PG_SEQ_BYTES]) {
    const char *open = strchr(sql, '('), *values = find_word(sql, "VALUES");
    if (!open || !values || find_word(sql, "CONFLICT") || find_word(sql, "SELECT") || open > values) return NULL;
    const char *vopen = strchr(values, '(');
    if (!vopen || strchr(vopen + 1, '(')) return NULL;   /* one row of plain values */
    const char *given = find_word(open, col);
    if (given && given < values) return NULL;            /* the id is given already */
    char table[PG_SEQ_BYTES];
    const char *t = find_word(sql, "INTO") + 4;
    while (isspace((unsigned char)*t)) t++;
    size_t n = 0;
    while (is_word(t[n]) && n + 1 < sizeof table) { table[n] = t[n]; n++; }
    table[n] = 0;
    const char *params[2] = {table, col};
    PGresult *r = PQexecParams(db, "SELECT pg_get_serial_sequence($1, $2)", 2, NULL, params, NULL, NULL, 0);
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0);
    if (ok) snprintf(seq, PG_SEQ_BYTES, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    if (!ok) return NULL;
    char id_param[16];
    snprintf(id_param, sizeof id_param, "$%d, ", nparams + 1);
    sbuf b = {0};
    sb_add(&b, sql, (size_t)(open + 1 - sql));
    sb_add(&b, col, strlen(col));
    sb_add(&b, ", ", 2);
    sb_add(&b, open + 1, (size_t)(vopen + 1 - (open + 1)));
    sb_add(&b, id_param, strlen(id_param));
    sb_add(&b, vopen + 1, strlen(vopen + 1));
    return b.p;
}

/* Inserts whose id no caller reads (it looks the row up after: an ON
 * CONFLICT insert may insert nothing). In a batch chunk they go out without
 * RETURNING and without waiting. */
static const store_query pg_id_unread[] = {
    STORE_Q_LEDGER_ACCOUNT_INSERT,
};

static const pg_query *query_of(pg_store *s, PGconn *db, store_query q) {
    pthread_mutex_lock(&s->qmu);
    pg_query *pq = &s->queries[q];
    if (!pq->made) {
        const char *src = store_query_sql[q];
        pq->sql = pg_dialect(src, &pq->nparams);
        assert(pq->nparams <= PG_PARAMS_MAX);
        pq->write = starts_with_word(src, "INSERT") || starts_with_word(src, "UPDATE") ||
                    starts_with_word(src, "DELETE") || starts_with_word(src, "WITH");
        if (starts_with_word(src, "INSERT") && !find_word(src, "RETURNING")) {
            char col[64];
            identity_of_insert(db, src, col, sizeof col);
            if (col[0] && pq->nparams < PG_PARAMS_MAX) pq->id_sql = id_form(db, pq->sql, col, pq->nparams, pq->seq);
            for (size_t i = 0; col[0] && i < sizeof pg_id_unread / sizeof pg_id_unread[0]; i++)
                if (pg_id_unread[i] == q && !(pq->plain_sql = strdup(pq->sql))) abort();
            if (col[0]) {
                sbuf b = {0};
                sb_add(&b, pq->sql, strlen(pq->sql));
                sb_add(&b, " RETURNING ", 11);
                sb_add(&b, col, strlen(col));
                free(pq->sql);
                pq->sql = b.p;
                pq->hidden_id = true;
            }
        }
        for (size_t i = 0; i < sizeof pg_refusable / sizeof pg_refusable[0]; i++)
            if (pg_refusable[i] == q) pq->refusable = true;
        if (pq->refusable) {
            free(pq->id_sql);
            pq->id_sql = NULL;
        }
        pq->deferred = pq->write && !starts_with_word(src, "WITH") && !pq->refusable && !pq->hidden_id &&
                       !find_word(src, "RETURNING");
        pq->made = true;
    }
    pthread_mutex_unlock(&s->qmu);
    return pq;
}

/* ---- transactions ---- */

static err_kind tx_sync(pg_tx *tx, PGresult **last, err_detail *err);

static err_kind pg_begin(store *base, bool write, store_tx **out, err_detail *err) {
    pg_store *s = PG(base);
    err_kind k = store_fault_hit(base, err);
    if (k) return k;
    pg_conn *c = NULL;
    k = conn_take(s, &c, err);
    if (k) return k;
    /* A standby (a replica for the query channels) takes no write: say so
     * as SQLite says of a read-only file, not as a failed lock. */
    const char *standby = PQparameterStatus(c->db, "in_hot_standby");
    if (write && standby && strcmp(standby, "on") == 0) {
        conn_give(s, c);
        return err_set(err, ERR_UNAVAILABLE, "store_readonly", NULL, "数据库只读，暂时无法写入");
    }
    k = run_simple(c->db, write ? "BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL lock_timeout = '"
                                      PG_LOCK_TIMEOUT "'; SELECT pg_advisory_xact_lock(" PG_WRITE_LOCK_KEY ")"
                                : "BEGIN ISOLATION LEVEL REPEATABLE READ",
                   err);
    if (k) {
        run_simple(c->db, "ROLLBACK", NULL);
        conn_give(s, c);
        return k;
    }
    pg_tx *tx = &c->tx;
    tx->base.st = base;
    tx->open_stmts = 0;
    tx->last_id = tx->changes = 0;
    tx->failed = ERR_OK;
    tx->piping = false;
    tx->pending = 0;
    tx->last_piped = false;
    memset(tx->expect_one, 0, sizeof tx->expect_one);
    tx->id_ahead = false;
    tx->n_ids = 0;
    tx->c = c;
    *out = &tx->base;
    return ERR_OK;
}

static void tx_end(pg_tx *tx) {
    assert(tx->open_stmts == 0 && "statement not handed back with store_stmt_done");
    conn_give(PG(tx->base.st), tx->c);
}

static err_kind pg_commit(store_tx *base, err_detail *err) {
    pg_tx *tx = TX(base);
    PGconn *db = tx->c->db;
    err_kind k = store_fault_hit(base->st, err);
    if (!k) k = tx_sync(tx, NULL, err);
    if (!k) {
        PGresult *r = PQexec(db, "COMMIT");
        if (!result_ok(r)) k = map_result(db, r, err);
        /* A transaction that failed earlier answers COMMIT with ROLLBACK. */
        else if (strcmp(PQcmdStatus(r), "COMMIT") != 0)
            k = err_set(err, ERR_INTERNAL, "store_error", NULL, "数据库错误：事务已回滚");
        PQclear(r);
    }
    if (k) run_simple(db, "ROLLBACK", NULL);
    tx_end(tx);
    return k;
}

static void pg_rollback(store_tx *base) {
    pg_tx *tx = TX(base);
    tx_sync(tx, NULL, NULL);
    run_simple(tx->c->db, "ROLLBACK", NULL);
    tx_end(tx);
}

static err_kind pg_exec_script(store_tx *base, const char *name, const char *sql, err_detail *err) {
    PGconn *db = TX(base)->c->db;
    err_kind k0 = tx_sync(TX(base), NULL, err);
    if (k0) return k0;
    char *text = pg_dialect(sql, NULL);
    PGresult *r = PQexec(db, text);
    free(text);
    err_kind k = ERR_OK;
    if (!result_ok(r) && PQresultStatus(r) != PGRES_EMPTY_QUERY)
        k = err_set(err, ERR_INTERNAL, "migration_failed", NULL, "迁移 %s 失败：%s", name, PQresultErrorMessage(r));
    PQclear(r);
    return k;
}

static err_kind pg_ensure_migrations_table(store *base, err_detail *err) {
    pg_store *s = PG(base);
    pg_conn *c = NULL;
    err_kind k = conn_take(s, &c, err);
    if (k) return k;
    /* Two nodes starting at once would race on the catalog: one at a time. */
    k = run_simple(c->db,
                   "SELECT pg_advisory_xact_lock(" PG_WRITE_LOCK_KEY ");"
                   "CREATE TABLE IF NOT EXISTS schema_migrations(version BIGINT PRIMARY KEY,"
                   " name TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)",
                   err);
    conn_give(s, c);
    return k;
}

static err_kind tx_failed(pg_tx *tx, err_detail *err) {
    return err_set(err, tx->failed, tx->failed_code, NULL, "%s", tx->failed_message);
}

static err_kind tx_fail(pg_tx *tx, err_kind k, const err_detail *err) {
    tx->failed = k;
    snprintf(tx->failed_code, sizeof tx->failed_code, "%s", err->code);
    snprintf(tx->failed_message, sizeof tx->failed_message, "%s", err->message);
    return k;
}

static bool is_write_tag(const char *tag) {
    return strncmp(tag, "INSERT", 6) == 0 || strncmp(tag, "UPDATE", 6) == 0 || strncmp(tag, "DELETE", 6) == 0;
}

/* Ends the pipeline: reads the results of the writes sent since it began
 * (and of a read sent last, handed back in *last when asked for), the first
 * failure kept for the transaction. */
static err_kind tx_sync(pg_tx *tx, PGresult **last, err_detail *err) {
    PGconn *db = tx->c->db;
    if (last) *last = NULL;
    if (!tx->piping) return tx->failed ? tx_failed(tx, err) : ERR_OK;
    PGresult *keep = NULL;
    if (PQpipelineSync(db) != 1) {
        err_detail e = {0};
        tx_fail(tx, map_result(db, NULL, &e), &e);
    } else {
        int nulls = 0, n = 0;
        for (;;) {
            PGresult *r = PQgetResult(db);
            if (!r) {
                /* one NULL ends each query's results; more mean the connection is gone */
                if (++nulls > 1 && PQstatus(db) != CONNECTION_OK) {
                    err_detail e = {0};
                    if (!tx->failed) tx_fail(tx, map_result(db, NULL, &e), &e);
                    break;
                }
                continue;
            }
            nulls = 0;
            ExecStatusType t = PQresultStatus(r);
            if (t == PGRES_PIPELINE_SYNC) {
                PQclear(r);
                break;
            }
            if (t == PGRES_FATAL_ERROR && !tx->failed) {
                err_detail e = {0};
                tx_fail(tx, map_result(db, r, &e), &e);
            }
            if (t == PGRES_COMMAND_OK && is_write_tag(PQcmdStatus(r))) tx->changes = strtoll(PQcmdTuples(r), NULL, 10);
            if (n < PG_PIPELINE_MAX && tx->expect_one[n] && t == PGRES_COMMAND_OK && tx->changes != 1 && !tx->failed) {
                err_detail e = {0};
                err_set(&e, ERR_INTERNAL, "store_not_one", NULL, "内部错误：语句 %s 应改动一行",
                        store_query_name[tx->expect_one[n] - 1]);
                tx_fail(tx, ERR_INTERNAL, &e);
            }
            n++;
            if (last) {
                PQclear(keep);
                keep = r;
            } else {
                PQclear(r);
            }
        }
    }
    PQexitPipelineMode(db);
    memset(tx->expect_one, 0, sizeof tx->expect_one[0] * (size_t)tx->pending);
    tx->piping = false;
    tx->pending = 0;
    if (tx->failed) {
        PQclear(keep);
        return tx_failed(tx, err);
    }
    if (last) *last = keep;
    return ERR_OK;
}

static err_kind pg_prepare(store_tx *base, store_query q, store_stmt **out, err_detail *err) {
    pg_tx *tx = TX(base);
    err_kind k = store_fault_hit(base->st, err);
    if (k) return k;
    if (tx->failed) return tx_failed(tx, err);
    pg_conn *c = tx->c;
    if (!c->prepared[q] && tx->piping && (k = tx_sync(tx, NULL, err))) return k;
    const pg_query *pq = query_of(PG(base->st), c->db, q);
    if (!c->prepared[q]) {
        char name[16];
        snprintf(name, sizeof name, "q%d", (int)q);
        PGresult *r = PQprepare(c->db, name, pq->sql, 0, NULL);
        if (!result_ok(r)) {
            err_set(err, ERR_INTERNAL, "store_prepare", NULL, "语句 %s 无法准备：%s", store_query_name[q],
                    PQresultErrorMessage(r));
            PQclear(r);
            return ERR_INTERNAL;
        }
        PQclear(r);
        c->prepared[q] = true;
    }
    const char *ahead_sql = pq->id_sql ? pq->id_sql : pq->plain_sql;
    if (tx->id_ahead && ahead_sql && !c->prepared_id[q]) {
        if (tx->piping && (k = tx_sync(tx, NULL, err))) return k;
        char name[16];
        snprintf(name, sizeof name, "i%d", (int)q);
        PGresult *r = PQprepare(c->db, name, ahead_sql, 0, NULL);
        bool ok = result_ok(r);
        if (!ok)
            err_set(err, ERR_INTERNAL, "store_prepare", NULL, "语句 %s 无法准备：%s", store_query_name[q],
                    PQresultErrorMessage(r));
        PQclear(r);
        if (!ok) return ERR_INTERNAL;
        c->prepared_id[q] = true;
    }
    int slot = -1;
    for (int i = 0; i < PG_STMTS_OPEN_MAX; i++) {
        if (!tx->stmts[i].open) {
            if (slot < 0) slot = i;
        } else {
            assert(tx->stmts[i].q != q && "statement already open");
        }
    }
    assert(slot >= 0 && "too many statements open in one transaction");
    pg_stmt *st = &tx->stmts[slot];
    st->base.tx = base;
    st->open = true;
    st->q = q;
    st->nparams = pq->nparams;
    for (int i = 0; i < st->nparams; i++) st->vals[i] = NULL;
    st->res = NULL;
    st->ran = false;
    st->row = st->nrows = 0;
    tx->open_stmts++;
    *out = &st->base;
    return ERR_OK;
}

static void param_free(pg_stmt *st, int i) {
    free(st->owned[i]);
    st->owned[i] = NULL;
    st->vals[i] = NULL;
}

static void pg_bind_int(store_stmt *base, int idx, int64_t v) {
    pg_stmt *st = ST(base);
    assert(idx >= 1 && idx <= st->nparams && "bad parameter index");
    param_free(st, idx - 1);
    snprintf(st->nums[idx - 1], PG_NUM_BYTES, "%lld", (long long)v);
    st->vals[idx - 1] = st->nums[idx - 1];
}

static void pg_bind_text(store_stmt *base, int idx, const char *v) {
    pg_stmt *st = ST(base);
    assert(idx >= 1 && idx <= st->nparams && "bad parameter index");
    param_free(st, idx - 1);
    if (!v) return;
    st->owned[idx - 1] = strdup(v);
    if (!st->owned[idx - 1]) abort();
    st->vals[idx - 1] = st->owned[idx - 1];
}

static void pg_bind_null(store_stmt *base, int idx) {
    pg_stmt *st = ST(base);
    assert(idx >= 1 && idx <= st->nparams && "bad parameter index");
    param_free(st, idx - 1);
}

/* Sends a write between SAVEPOINT and RELEASE in one pipeline; on failure
 * rolls back to the savepoint, so the transaction goes on as in SQLite. */
static PGresult *exec_write(PGconn *db, const char *name, pg_stmt *st) {
    if (!PQenterPipelineMode(db)) return NULL;
    PQsendQueryParams(db, "SAVEPOINT w", 0, NULL, NULL, NULL, NULL, 0);
    PQsendQueryPrepared(db, name, st->nparams, st->vals, NULL, NULL, 0);
    PQsendQueryParams(db, "RELEASE SAVEPOINT w", 0, NULL, NULL, NULL, NULL, 0);
    PQpipelineSync(db);
    PGresult *out = NULL;
    bool failed = false;
    for (int n = 0; n < 3; n++) {
        PGresult *r = PQgetResult(db);
        if (!r) break;                        /* the connection is gone */
        if (n == 1) out = r;
        else {
            if (!result_ok(r)) failed = true;
            PQclear(r);
        }
        while ((r = PQgetResult(db))) PQclear(r);   /* the NULL that ends each query's results */
    }
    PGresult *r;
    while ((r = PQgetResult(db))) {           /* up to the sync */
        ExecStatusType t = PQresultStatus(r);
        PQclear(r);
        if (t == PGRES_PIPELINE_SYNC) break;
    }
    PQexitPipelineMode(db);
    if (out && !result_ok(out)) failed = true;
    if (failed) run_simple(db, "ROLLBACK TO SAVEPOINT w; RELEASE SAVEPOINT w", NULL);
    return out;
}

/* The next identity id of pq's table, drawn ahead from its sequence in
 * blocks growing from PG_ID_BLOCK_FIRST to PG_ID_BLOCK_MAX: a chunk's
 * thousands of inserts then cost a round trip a block instead of one each.
 * Ids drawn and not used are a gap, as those of a rolled back insert are.
 * *out = 0: no pool left for another table (the insert runs as usual). */
static err_kind id_next(pg_tx *tx, const pg_query *pq, int64_t *out, err_detail *err) {
    *out = 0;
    pg_ids *p = NULL;
    for (int i = 0; i < tx->n_ids && !p; i++)
        if (strcmp(tx->ids[i].seq, pq->seq) == 0) p = &tx->ids[i];
    if (!p && tx->n_ids == PG_ID_POOLS) return ERR_OK;
    if (!p) {
        p = &tx->ids[tx->n_ids++];
        snprintf(p->seq, sizeof p->seq, "%s", pq->seq);
        p->next = p->n = p->block = 0;
    }
    if (p->next == p->n) {
        err_kind k = tx_sync(tx, NULL, err);
        if (k) return k;
        p->block = p->block ? (p->block * 2 > PG_ID_BLOCK_MAX ? PG_ID_BLOCK_MAX : p->block * 2) : PG_ID_BLOCK_FIRST;
        char nb[16];
        snprintf(nb, sizeof nb, "%d", p->block);
        const char *params[2] = {p->seq, nb};
        PGconn *db = tx->c->db;
        PGresult *r = PQexecParams(db, "SELECT nextval($1::regclass) FROM generate_series(1, $2::int)", 2, NULL,
                                   params, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != p->block) {
            err_detail e = {0};
            k = tx_fail(tx, map_result(db, r, &e), &e);
            PQclear(r);
            if (err) *err = e;
            return k;
        }
        for (int i = 0; i < p->block; i++) p->ids[i] = strtoll(PQgetvalue(r, i, 0), NULL, 10);
        PQclear(r);
        p->n = p->block;
        p->next = 0;
    }
    *out = p->ids[p->next++];
    return ERR_OK;
}

/* An insert with its id drawn ahead: sent at once like any write that
 * returns nothing, its id known without its answer. */
static err_kind id_write(pg_tx *tx, pg_stmt *st, int64_t id, err_detail *err) {
    PGconn *db = tx->c->db;
    int n = st->nparams;
    if (id) {   /* 0: an insert whose id is not read (pg_id_unread) */
        snprintf(st->nums[n], PG_NUM_BYTES, "%lld", (long long)id);
        st->vals[n++] = st->nums[st->nparams];
    }
    char name[16];
    snprintf(name, sizeof name, "i%d", (int)st->q);
    if (!tx->piping) tx->piping = PQenterPipelineMode(db) == 1;
    if (!tx->piping || PQsendQueryPrepared(db, name, n, st->vals, NULL, NULL, 0) != 1) {
        err_detail e = {0};
        tx_fail(tx, map_result(db, NULL, &e), &e);
        return tx_failed(tx, err);
    }
    if (id) tx->last_id = id;
    err_kind k = ++tx->pending >= PG_PIPELINE_MAX ? tx_sync(tx, NULL, err) : ERR_OK;
    tx->last_piped = tx->piping;
    return k;
}

static err_kind pg_step(store_stmt *base, bool *row, err_detail *err) {
    pg_stmt *st = ST(base);
    pg_tx *tx = TX(base->tx);
    err_kind k = store_fault_hit(base->tx->st, err);
    if (k) return k;
    if (!st->ran) {
        if (tx->failed) return tx_failed(tx, err);
        PGconn *db = tx->c->db;
        const pg_query *pq = &PG(base->tx->st)->queries[st->q];
        char name[16];
        snprintf(name, sizeof name, "q%d", (int)st->q);
        st->ran = true;
        st->row = -1;
        st->nrows = 0;
        /* A write that returns nothing goes out at once and its answer is
         * read with the next statement that needs one (a read, a commit,
         * store_changes): the monthly run's lines, postings and audit rows
         * cost no round trip each. Its failure, if any, answers for that
         * next statement, and the operation fails there, whole. */
        int64_t id = 0;
        if (pq->id_sql && tx->id_ahead && tx->c->prepared_id[st->q] && (k = id_next(tx, pq, &id, err)) != ERR_OK)
            return k;
        if (id || (pq->plain_sql && tx->id_ahead && tx->c->prepared_id[st->q])) {
            *row = false;
            return id_write(tx, st, id, err);
        }
        if (pq->deferred) {
            if (!tx->piping) tx->piping = PQenterPipelineMode(db) == 1;
            if (tx->piping) {
                if (PQsendQueryPrepared(db, name, st->nparams, st->vals, NULL, NULL, 0) != 1) {
                    err_detail e = {0};
                    tx_fail(tx, map_result(db, NULL, &e), &e);
                    return tx_failed(tx, err);
                }
                *row = false;
                k = ++tx->pending >= PG_PIPELINE_MAX ? tx_sync(tx, NULL, err) : ERR_OK;
                tx->last_piped = tx->piping;
                return k;
            }
        }
        PGresult *r = NULL;
        tx->last_piped = false;
        if (tx->piping && !pq->refusable) {    /* the read joins the pipeline, one round trip for all */
            if (PQsendQueryPrepared(db, name, st->nparams, st->vals, NULL, NULL, 0) != 1) {
                err_detail e = {0};
                tx_fail(tx, map_result(db, NULL, &e), &e);
            }
            k = tx_sync(tx, &r, err);
            if (k) return k;
        } else {
            if (tx->piping && (k = tx_sync(tx, NULL, err))) return k;
            r = pq->refusable ? exec_write(db, name, st)
                              : PQexecPrepared(db, name, st->nparams, st->vals, NULL, NULL, 0);
        }
        if (!r || !result_ok(r)) {
            err_detail e = {0};
            k = map_result(db, r, &e);
            PQclear(r);
            if (!pq->refusable) tx_fail(tx, k, &e);
            if (err) *err = e;
            return k;
        }
        st->res = r;
        st->nrows = PQntuples(r);
        if (pq->write) tx->changes = strtoll(PQcmdTuples(r), NULL, 10);
        if (pq->hidden_id) {
            if (st->nrows > 0) tx->last_id = strtoll(PQgetvalue(r, st->nrows - 1, 0), NULL, 10);
            st->nrows = 0;
        }
    }
    st->row++;
    *row = st->row < st->nrows;
    return ERR_OK;
}

static int64_t pg_col_int(store_stmt *base, int col) {
    pg_stmt *st = ST(base);
    if (PQgetisnull(st->res, st->row, col)) return 0;
    const char *v = PQgetvalue(st->res, st->row, col);
    if (v[0] == 't' && !v[1]) return 1;      /* a boolean expression */
    if (v[0] == 'f' && !v[1]) return 0;
    /* plain digits by hand (the run reads millions); anything else, or
     * more digits than surely fit, by strtoll */
    uint64_t u = 0;
    int i = v[0] == '-';
    for (; v[i] >= '0' && v[i] <= '9' && i < 18; i++) u = u * 10 + (uint64_t)(v[i] - '0');
    if (v[i] || i == (v[0] == '-')) return strtoll(v, NULL, 10);
    return v[0] == '-' ? -(int64_t)u : (int64_t)u;
}

static const char *pg_col_text(store_stmt *base, int col) {
    pg_stmt *st = ST(base);
    return PQgetvalue(st->res, st->row, col);   /* "" for null */
}

static bool pg_col_is_null(store_stmt *base, int col) {
    pg_stmt *st = ST(base);
    return PQgetisnull(st->res, st->row, col);
}

static void pg_stmt_done(store_stmt *base) {
    pg_stmt *st = ST(base);
    if (!st->open) return;
    for (int i = 0; i < st->nparams; i++) param_free(st, i);
    PQclear(st->res);
    st->res = NULL;
    st->open = false;
    TX(base->tx)->open_stmts--;
}

static int64_t pg_last_insert_id(store_tx *tx) { return TX(tx)->last_id; }
static int64_t pg_changes(store_tx *tx) {
    tx_sync(TX(tx), NULL, NULL);   /* a failure stays with the transaction */
    return TX(tx)->changes;
}

/* ---- bulk rows: one COPY at the end ---- */

typedef struct pg_bulk {
    struct store_bulk base;
    sbuf data;               /* the rows in COPY's text format */
    sbuf literal[STORE_BULK_COLS_MAX];   /* the literal columns' values as COPY text, made once */
    char copy_sql[STORE_BULK_COLS_MAX * (STORE_BULK_NAME_BYTES + 2) + 2 * STORE_BULK_NAME_BYTES];
} pg_bulk;

/* A value as COPY's text format reads it: \N is null; backslash, tab and
 * line ends escaped. */
static void copy_value(sbuf *b, const char *v) {
    if (!v) { sb_add(b, "\\N", 2); return; }
    if (!strpbrk(v, "\\\t\n\r")) { sb_add(b, v, strlen(v)); return; }
    for (const char *p = v; *p; p++) {
        const char *esc = *p == '\\' ? "\\\\" : *p == '\t' ? "\\t" : *p == '\n' ? "\\n" : *p == '\r' ? "\\r" : NULL;
        if (esc) sb_add(b, esc, 2);
        else sb_add(b, p, 1);
    }
}

/* A literal of the INSERT ('text', NULL, a number) as a COPY value. */
static void copy_literal(sbuf *b, const char *lit) {
    if (strcasecmp(lit, "NULL") == 0) { copy_value(b, NULL); return; }
    if (lit[0] != '\'') { copy_value(b, lit); return; }
    char v[STORE_BULK_NAME_BYTES];
    size_t n = 0;
    for (const char *p = lit + 1; *p && n + 1 < sizeof v; p++) {
        if (*p == '\'' && p[1] == '\'') p++;
        else if (*p == '\'') break;
        v[n++] = *p;
    }
    v[n] = 0;
    copy_value(b, v);
}

static err_kind pg_bulk_begin(store_tx *base, const store_insert_shape *sh, store_bulk **out, err_detail *err) {
    (void)base;
    (void)err;
    pg_bulk *b = calloc(1, sizeof *b);
    if (!b) abort();
    size_t n = (size_t)snprintf(b->copy_sql, sizeof b->copy_sql, "COPY %s (", sh->table);
    for (int c = 0; c < sh->ncols && n < sizeof b->copy_sql; c++)
        n += (size_t)snprintf(b->copy_sql + n, sizeof b->copy_sql - n, "%s%s", c ? ", " : "", sh->cols[c]);
    if (n < sizeof b->copy_sql) snprintf(b->copy_sql + n, sizeof b->copy_sql - n, ") FROM STDIN");
    for (int c = 0; c < sh->ncols; c++) {
        sb_add(&b->literal[c], "", 0);
        if (!sh->param[c]) copy_literal(&b->literal[c], sh->literal[c]);
    }
    *out = &b->base;
    return ERR_OK;
}

/* v in decimal (a COPY of millions of lines spends its client time here
 * with snprintf). */
static void copy_int(sbuf *b, int64_t v) {
    char d[24];
    int n = 0;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        d[sizeof d - 1 - n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) d[sizeof d - 1 - n++] = '-';
    sb_add(b, d + sizeof d - n, (size_t)n);
}

static err_kind pg_bulk_row(store_bulk *base, err_detail *err) {
    (void)err;
    pg_bulk *b = (pg_bulk *)base;
    const store_insert_shape *sh = &base->shape;
    sb_reserve(&b->data, (size_t)sh->ncols * (STORE_BULK_NAME_BYTES + PG_NUM_BYTES));
    for (int c = 0; c < sh->ncols; c++) {
        if (c) sb_add(&b->data, "\t", 1);
        if (!sh->param[c]) {
            sb_add(&b->data, b->literal[c].p, b->literal[c].n);
            continue;
        }
        const store_bulk_val *v = &base->row[sh->param[c] - 1];
        if (v->is_int) copy_int(&b->data, v->i);
        else copy_value(&b->data, v->t);
    }
    sb_add(&b->data, "\n", 1);
    return ERR_OK;
}

/* The COPY, after the writes in flight: its data in one piece, its answer
 * read at once (a failed COPY fails the transaction, as any other write). */
static err_kind bulk_copy(pg_tx *tx, pg_bulk *b, err_detail *err) {
    err_kind k = store_fault_hit(tx->base.st, err);
    if (!k) k = tx_sync(tx, NULL, err);
    if (k) return k;
    PGconn *db = tx->c->db;
    PGresult *r = PQexec(db, b->copy_sql);
    bool in = PQresultStatus(r) == PGRES_COPY_IN;
    if (in) {
        PQclear(r);
        bool sent = PQputCopyData(db, b->data.p, (int)b->data.n) == 1;
        PQputCopyEnd(db, sent ? NULL : "sipf: the rows could not be sent");
        r = PQgetResult(db);
    }
    if (!r || !result_ok(r)) {
        err_detail e = {0};
        k = tx_fail(tx, map_result(db, r, &e), &e);
        if (err) *err = e;
    }
    PQclear(r);
    while ((r = PQgetResult(db))) PQclear(r);
    return k;
}

static err_kind pg_bulk_end(store_bulk *base, bool write, err_detail *err) {
    pg_bulk *b = (pg_bulk *)base;
    pg_tx *tx = TX(base->tx);
    err_kind k = ERR_OK;
    if (write && tx->failed) k = tx_failed(tx, err);
    else if (write && b->data.n) k = bulk_copy(tx, b, err);
    free(b->data.p);
    for (int c = 0; c < STORE_BULK_COLS_MAX; c++) free(b->literal[c].p);
    free(b);
    return k;
}

/* A write that must change one row: checked when its answer is read if it
 * went out without waiting, else now. */
static err_kind pg_expect_one(store_tx *base, store_query q, err_detail *err) {
    pg_tx *tx = TX(base);
    if (tx->last_piped && tx->piping && tx->pending > 0) {
        tx->expect_one[tx->pending - 1] = (int)q + 1;
        return ERR_OK;
    }
    if (tx->changes == 1) return ERR_OK;
    return err_set(err, ERR_INTERNAL, "store_not_one", NULL, "内部错误：语句 %s 应改动一行", store_query_name[q]);
}

/* A batch chunk: its inserts draw their ids ahead (id_next). */
static err_kind pg_tx_bulk(store_tx *base, err_detail *err) {
    (void)err;
    TX(base)->id_ahead = true;
    return ERR_OK;
}

static const store_ops pg_ops = {
    .name = "postgres",
    .close = pg_close,
    .ensure_migrations_table = pg_ensure_migrations_table,
    .exec_script = pg_exec_script,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .prepare = pg_prepare,
    .bind_int = pg_bind_int,
    .bind_text = pg_bind_text,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .col_int = pg_col_int,
    .col_text = pg_col_text,
    .col_is_null = pg_col_is_null,
    .stmt_done = pg_stmt_done,
    .last_insert_id = pg_last_insert_id,
    .changes = pg_changes,
    .bulk = pg_tx_bulk,
    .expect_one = pg_expect_one,
    .bulk_begin = pg_bulk_begin,
    .bulk_row = pg_bulk_row,
    .bulk_end = pg_bulk_end,
};

err_kind store_pg_open(const char *url, store **out, err_detail *err) {
    pg_store *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->base.ops = &pg_ops;
    s->url = strdup(url);
    if (!s->url) abort();
    store_pool_init(&s->pool);
    pthread_mutex_init(&s->qmu, NULL);
    /* The first connection now, so a bad URL is refused at open. */
    pg_conn *c = NULL;
    err_kind k = conn_take(s, &c, err);
    if (k) {
        pg_close(&s->base);
        return k;
    }
    conn_give(s, c);
    *out = &s->base;
    return ERR_OK;
}
