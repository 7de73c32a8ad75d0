/* The store: one interface for every engine.
 *
 * svc/ never writes SQL. Every statement is named in a queries file of this
 * directory (q_*.def, gathered by queries.def) and run through this interface
 * by its id, with positional parameters ?1, ?2, ... An engine translates the
 * text to its dialect once, at prepare time (SQLite uses it as written; the
 * PostgreSQL engine renames ?N to $N).
 *
 * Every operation runs in one transaction: store_begin, any number of
 * statements, then store_commit or store_rollback, both of which release the
 * transaction. A failing commit has rolled back. Connections are pooled: one
 * transaction holds one connection until it ends.
 *
 * Errors: SQLITE_BUSY/LOCKED, or PostgreSQL's serialization failure,
 * deadlock and lock time-out -> ERR_UNAVAILABLE "store_busy"; disk full ->
 * ERR_UNAVAILABLE "store_full"; read-only (a file, a standby) ->
 * ERR_UNAVAILABLE "store_readonly"; a unique or check constraint ->
 * ERR_CONFLICT "store_conflict"; a lost PostgreSQL connection ->
 * ERR_UNAVAILABLE "store_unavailable"; anything else ERR_INTERNAL
 * "store_error". Messages are Chinese. On PostgreSQL a failed statement
 * ends its transaction (store_pg.c says which statements are the exception),
 * and a pipelined write's failure may answer at the next statement. */
#ifndef SIPF_STORE_STORE_H
#define SIPF_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef enum store_query {
#define Q(name, sql) STORE_Q_##name,
#include "store/queries.def"
#undef Q
    STORE_Q_COUNT
} store_query;

typedef struct store store;
typedef struct store_tx store_tx;
typedef struct store_stmt store_stmt;

/* url: a file path, "sqlite:PATH", or a libpq URL "postgres://..." /
 * "postgresql://..." (the PostgreSQL engine; docs/scaling.md). */
err_kind store_open(const char *url, store **out, err_detail *err);
/* The url as it may be shown or logged: a password in it replaced by "***".
 * Returns buf. */
const char *store_url_shown(const char *url, char *buf, size_t cap);
/* A postgres:// URL with its database replaced by name (malloc'd): the
 * tests and benchmarks make their own databases on a server. */
char *store_url_with_database(const char *url, const char *name);
void store_close(store *s);
const char *store_engine_name(const store *s);

/* Applies the compiled-in migrations not yet applied; *applied_out counts them. */
err_kind store_migrate(store *s, int *applied_out, err_detail *err);
err_kind store_schema_version(store *s, int *version_out, err_detail *err);

/* write = true takes the write lock at once (BEGIN IMMEDIATE), so a
 * read-then-write operation never fails half-way on lock upgrade. A read
 * transaction (write = false) only reads: on SQLite a writing statement in
 * one is refused with ERR_INTERNAL "store_write_in_read" (a defect: it would
 * write without the lock). */
err_kind store_begin(store *s, bool write, store_tx **out, err_detail *err);
err_kind store_commit(store_tx *tx, err_detail *err);
void store_rollback(store_tx *tx);

/* Prepared statements are cached per connection; store_stmt_done hands the
 * statement back (it must be called before the next prepare of the same id). */
err_kind store_prepare(store_tx *tx, store_query q, store_stmt **out, err_detail *err);
void store_bind_int(store_stmt *st, int idx, int64_t v);
void store_bind_text(store_stmt *st, int idx, const char *v);   /* NULL binds null */
void store_bind_null(store_stmt *st, int idx);
/* *row = true: a row is ready; false: done. */
err_kind store_step(store_stmt *st, bool *row, err_detail *err);
int64_t store_col_int(store_stmt *st, int col);
const char *store_col_text(store_stmt *st, int col);  /* "" for null; valid until next step */
bool store_col_is_null(store_stmt *st, int col);
void store_stmt_done(store_stmt *st);
/* Steps through every row (for statements run for their effect) and hands
 * the statement back. */
err_kind store_step_all(store_stmt *st, err_detail *err);
/* Binds a row id, or null when id <= 0 (an optional reference). */
void store_bind_id(store_stmt *st, int idx, int64_t id);

/* Runs a statement that returns no rows. types names each argument after it:
 * 'i' int64_t, 't' const char * (NULL binds null), 'n' null (no argument).
 * Callers cast to int64_t: a plain int in a vararg is undefined here. */
err_kind store_exec(store_tx *tx, store_query q, err_detail *err, const char *types, ...);
/* store_exec of a write that must change exactly one row: any other count
 * fails it, ERR_INTERNAL "store_not_one" (on PostgreSQL the count may be
 * read with a later answer, so the failure may answer at a later statement,
 * as a pipelined write's does). */
err_kind store_exec_one(store_tx *tx, store_query q, err_detail *err, const char *types, ...);
int64_t store_last_insert_id(store_tx *tx);
/* The transaction is about to write many rows (a batch chunk): the engine may
 * lend it memory for the pages it touches until it ends (SQLite: a 64 MiB
 * page cache instead of the connection's 256 KiB), or draw the ids of its
 * inserts ahead so that they need no answer each (PostgreSQL: an insert's
 * failure may then answer at a later statement, as other writes' do). */
err_kind store_tx_bulk(store_tx *tx, err_detail *err);
int64_t store_changes(store_tx *tx);

/* Many rows of one single-row INSERT (q: "INSERT INTO t (cols) VALUES (...)",
 * each value a parameter ?N or a literal), for the lines of a batch chunk.
 * SQLite writes them many rows to a statement as they come; PostgreSQL keeps
 * them and sends them all with one COPY at store_bulk_end (a connection runs
 * nothing else during a COPY). So a row is certain to be written only after
 * store_bulk_end, and a failure may answer there. Give a row's values in
 * parameter order (store_bulk_int, store_bulk_text: NULL binds null), then
 * store_bulk_row. Every bulk ends with one store_bulk_end, which writes the
 * rest and frees it, or store_bulk_abort, which frees it without writing (a
 * failure: the transaction is rolled back). */
typedef struct store_bulk store_bulk;
err_kind store_bulk_begin(store_tx *tx, store_query q, store_bulk **out, err_detail *err);
void store_bulk_int(store_bulk *b, int64_t v);
void store_bulk_text(store_bulk *b, const char *v);
err_kind store_bulk_row(store_bulk *b, err_detail *err);
err_kind store_bulk_end(store_bulk *b, err_detail *err);
void store_bulk_abort(store_bulk *b);

/* Fault injection for tests: the nth store call from now (prepare, step,
 * commit) fails with ERR_UNAVAILABLE "store_fault". 0 turns it off. Returns
 * the number of calls counted since the last set, to find the end of a loop. */
long store_fault_set(store *s, long nth);
long store_fault_calls(store *s);

#endif
