/* Shared between the store's files; not for other layers.
 *
 * Each engine's store, transaction and statement begin with the common part
 * below, so store.c dispatches every call of store.h through the engine's
 * table of operations and keeps what is the same for all engines (fault
 * injection, the migration walk) in one place. */
#ifndef SIPF_STORE_INTERNAL_H
#define SIPF_STORE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "base/limits.h"

#include "store/store.h"

extern const char *const store_query_sql[STORE_Q_COUNT];
extern const char *const store_query_name[STORE_Q_COUNT];

/* What every SQLite connection runs when opened (bench/contrib_bench.c's
 * baseline runs the same, so both sides of its ratio run alike). */
extern const char store_sqlite_pragmas[];
/* What store_tx_bulk runs on the transaction's connection (the benchmark's
 * baseline runs it too). */
extern const char store_sqlite_bulk_pragma[];
/* The process-wide SQLite settings, made once before SQLite's first use (the
 * engine calls it at its first open; a program that uses SQLite before that,
 * as contrib_bench does, calls it first). */
void store_sqlite_global_init(void);

/* Compiled-in migrations (tools/embed.py). */
extern const size_t store_migrations_count;
extern const char *const store_migrations_names[];
extern const char *const store_migrations_texts[];

enum {
    STORE_BULK_COLS_MAX = 32,
    STORE_BULK_NAME_BYTES = 64,
    STORE_BULK_TEXT_BYTES = 256,     /* a text value of a bulk row */
};

/* The parts of a single-row INSERT a bulk write needs (store_bulk_begin):
 * the table, its columns and, for each, the parameter it takes (1-based) or
 * the literal SQL text of its value ('regular', NULL, 0). */
typedef struct store_insert_shape {
    char table[STORE_BULK_NAME_BYTES];
    int ncols, nparams;
    char cols[STORE_BULK_COLS_MAX][STORE_BULK_NAME_BYTES];
    int param[STORE_BULK_COLS_MAX];
    char literal[STORE_BULK_COLS_MAX][STORE_BULK_NAME_BYTES];
} store_insert_shape;

err_kind store_insert_shape_of(store_query q, store_insert_shape *out, err_detail *err);

/* One value of a bulk row: text NULL and !is_int is a null. */
typedef struct store_bulk_val {
    bool is_int;
    int64_t i;
    char *t;
} store_bulk_val;

/* The common head of every engine's bulk: the row being given, its text
 * values copied into text[]. */
struct store_bulk {
    store_tx *tx;
    store_query q;
    store_insert_shape shape;
    int col;
    store_bulk_val row[STORE_BULK_COLS_MAX];
    char text[STORE_BULK_COLS_MAX][STORE_BULK_TEXT_BYTES];
};

typedef struct store_ops {
    const char *name;
    void (*close)(store *s);
    /* Creates schema_migrations when missing (outside any transaction). */
    err_kind (*ensure_migrations_table)(store *s, err_detail *err);
    /* Runs a whole migration script inside tx (the engine's dialect applied). */
    err_kind (*exec_script)(store_tx *tx, const char *name, const char *sql, err_detail *err);
    err_kind (*begin)(store *s, bool write, store_tx **out, err_detail *err);
    err_kind (*commit)(store_tx *tx, err_detail *err);
    void (*rollback)(store_tx *tx);
    err_kind (*prepare)(store_tx *tx, store_query q, store_stmt **out, err_detail *err);
    void (*bind_int)(store_stmt *st, int idx, int64_t v);
    void (*bind_text)(store_stmt *st, int idx, const char *v);
    void (*bind_null)(store_stmt *st, int idx);
    err_kind (*step)(store_stmt *st, bool *row, err_detail *err);
    int64_t (*col_int)(store_stmt *st, int col);
    const char *(*col_text)(store_stmt *st, int col);
    bool (*col_is_null)(store_stmt *st, int col);
    void (*stmt_done)(store_stmt *st);
    int64_t (*last_insert_id)(store_tx *tx);
    int64_t (*changes)(store_tx *tx);
    /* store_bulk_begin: the engine's bulk (its head filled by store.c);
     * row takes the head's row; end writes the rest when write, and frees. */
    err_kind (*bulk_begin)(store_tx *tx, const store_insert_shape *shape, store_bulk **out, err_detail *err);
    err_kind (*bulk_row)(store_bulk *b, err_detail *err);
    err_kind (*bulk_end)(store_bulk *b, bool write, err_detail *err);
    /* store_exec_one after its statement ran: the engine checks the count
     * itself, maybe later (NULL: store.c asks store_changes at once). */
    err_kind (*expect_one)(store_tx *tx, store_query q, err_detail *err);
    /* NULL: the engine has nothing to lend a bulk transaction. */
    err_kind (*bulk)(store_tx *tx, err_detail *err);
} store_ops;

/* The common head of every engine's objects. */
struct store {
    const store_ops *ops;
    atomic_long fault_nth;    /* 0: off */
    atomic_long fault_calls;
};
struct store_tx {
    store *st;
};
struct store_stmt {
    store_tx *tx;
};
/* The connection pool both engines keep: slots 0..count-1 are open
 * connections of the engine's own array, one transaction each. */
typedef struct store_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int count;
    bool in_use[LIMIT_STORE_CONNECTIONS_MAX];
} store_pool;
typedef err_kind (*store_pool_open_fn)(void *engine, int slot, err_detail *err);

void store_pool_init(store_pool *p);
void store_pool_destroy(store_pool *p);
/* A free slot, or a new one opened by open (under the pool's lock), or waits
 * for one when all LIMIT_STORE_CONNECTIONS_MAX are taken. */
err_kind store_pool_take(store_pool *p, store_pool_open_fn open, void *engine, int *slot_out, err_detail *err);
void store_pool_give(store_pool *p, int slot);

/* Counts a store call and fails it when it is the nth (store_fault_set). */
err_kind store_fault_hit(store *s, err_detail *err);

err_kind store_sqlite_open(const char *path, store **out, err_detail *err);
err_kind store_pg_open(const char *url, store **out, err_detail *err);

#endif
