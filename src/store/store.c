#include <assert.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/date.h"
#include "store/store_internal.h"

const char *const store_query_sql[STORE_Q_COUNT] = {
#define Q(name, sql) [STORE_Q_##name] = sql,
#include "store/queries.def"
#undef Q
};

const char *const store_query_name[STORE_Q_COUNT] = {
#define Q(name, sql) [STORE_Q_##name] = #name,
#include "store/queries.def"
#undef Q
};

static bool is_postgres_url(const char *url) {
    return strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0;
}

err_kind store_open(const char *url, store **out, err_detail *err) {
    if (!url || !*url)
        return err_set(err, ERR_INVALID, "db_missing", "db", "未指定数据库（--db）");
    if (is_postgres_url(url)) return store_pg_open(url, out, err);
    if (strncmp(url, "sqlite:", 7) == 0) url += 7;
    return store_sqlite_open(url, out, err);
}

const char *store_url_shown(const char *url, char *buf, size_t cap) {
    const char *scheme = strstr(url, "://");
    const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
    const char *colon = at ? memchr(scheme + 3, ':', (size_t)(at - (scheme + 3))) : NULL;
    if (!is_postgres_url(url) || !colon) snprintf(buf, cap, "%s", url);
    else snprintf(buf, cap, "%.*s***%s", (int)(colon + 1 - url), url, at);
    return buf;
}

char *store_url_with_database(const char *url, const char *name) {
    const char *host = strstr(url, "://");
    const char *slash = host ? strchr(host + 3, '/') : NULL;
    const char *query = strchr(url, '?');
    if (slash && query && query < slash) slash = NULL;
    size_t head = slash ? (size_t)(slash - url) : query ? (size_t)(query - url) : strlen(url);
    size_t n = head + strlen(name) + (query ? strlen(query) : 0) + 2;
    char *out = malloc(n);
    if (!out) abort();
    snprintf(out, n, "%.*s/%s%s", (int)head, url, name, query ? query : "");
    return out;
}

void store_close(store *s) {
    if (s) s->ops->close(s);
}

const char *store_engine_name(const store *s) { return s->ops->name; }

/* ---- fault injection, the same for every engine ---- */

err_kind store_fault_hit(store *s, err_detail *err) {
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

/* ---- the connection pool ---- */

void store_pool_init(store_pool *p) {
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
}

void store_pool_destroy(store_pool *p) {
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
}

err_kind store_pool_take(store_pool *p, store_pool_open_fn open, void *engine, int *slot_out, err_detail *err) {
    pthread_mutex_lock(&p->mu);
    for (;;) {
        for (int i = 0; i < p->count; i++) {
            if (!p->in_use[i]) {
                p->in_use[i] = true;
                pthread_mutex_unlock(&p->mu);
                *slot_out = i;
                return ERR_OK;
            }
        }
        if (p->count < LIMIT_STORE_CONNECTIONS_MAX) {
            int slot = p->count;
            err_kind k = open(engine, slot, err);
            if (!k) {
                p->count++;
                p->in_use[slot] = true;
                *slot_out = slot;
            }
            pthread_mutex_unlock(&p->mu);
            return k;
        }
        pthread_cond_wait(&p->cv, &p->mu);
    }
}

void store_pool_give(store_pool *p, int slot) {
    pthread_mutex_lock(&p->mu);
    p->in_use[slot] = false;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* ---- dispatch ---- */

err_kind store_begin(store *s, bool write, store_tx **out, err_detail *err) {
    return s->ops->begin(s, write, out, err);
}
err_kind store_commit(store_tx *tx, err_detail *err) { return tx->st->ops->commit(tx, err); }
void store_rollback(store_tx *tx) {
    if (tx) tx->st->ops->rollback(tx);
}
err_kind store_prepare(store_tx *tx, store_query q, store_stmt **out, err_detail *err) {
    assert(q >= 0 && q < STORE_Q_COUNT);
    return tx->st->ops->prepare(tx, q, out, err);
}
void store_bind_int(store_stmt *st, int idx, int64_t v) { st->tx->st->ops->bind_int(st, idx, v); }
void store_bind_text(store_stmt *st, int idx, const char *v) { st->tx->st->ops->bind_text(st, idx, v); }
void store_bind_null(store_stmt *st, int idx) { st->tx->st->ops->bind_null(st, idx); }
err_kind store_step(store_stmt *st, bool *row, err_detail *err) { return st->tx->st->ops->step(st, row, err); }
int64_t store_col_int(store_stmt *st, int col) { return st->tx->st->ops->col_int(st, col); }
const char *store_col_text(store_stmt *st, int col) { return st->tx->st->ops->col_text(st, col); }
bool store_col_is_null(store_stmt *st, int col) { return st->tx->st->ops->col_is_null(st, col); }
void store_stmt_done(store_stmt *st) {
    if (st) st->tx->st->ops->stmt_done(st);
}
int64_t store_last_insert_id(store_tx *tx) { return tx->st->ops->last_insert_id(tx); }
int64_t store_changes(store_tx *tx) { return tx->st->ops->changes(tx); }

err_kind store_tx_bulk(store_tx *tx, err_detail *err) {
    return tx->st->ops->bulk ? tx->st->ops->bulk(tx, err) : ERR_OK;
}

static err_kind exec_v(store_tx *tx, store_query q, err_detail *err, const char *types, va_list ap) {
    store_stmt *st;
    err_kind k = store_prepare(tx, q, &st, err);
    if (k) return k;
    int idx = 1;
    for (const char *t = types; *t; t++, idx++) {
        switch (*t) {
        case 'i': store_bind_int(st, idx, va_arg(ap, int64_t)); break;
        case 't': store_bind_text(st, idx, va_arg(ap, const char *)); break;
        case 'n': store_bind_null(st, idx); break;
        default: store_stmt_done(st);
            return err_set(err, ERR_INTERNAL, "store_bind", NULL, "内部错误：未知的参数类型 %c", *t);
        }
    }
    return store_step_all(st, err);
}

err_kind store_exec(store_tx *tx, store_query q, err_detail *err, const char *types, ...) {
    va_list ap;
    va_start(ap, types);
    err_kind k = exec_v(tx, q, err, types, ap);
    va_end(ap);
    return k;
}

err_kind store_exec_one(store_tx *tx, store_query q, err_detail *err, const char *types, ...) {
    va_list ap;
    va_start(ap, types);
    err_kind k = exec_v(tx, q, err, types, ap);
    va_end(ap);
    if (k) return k;
    if (tx->st->ops->expect_one) return tx->st->ops->expect_one(tx, q, err);
    if (store_changes(tx) == 1) return ERR_OK;
    return err_set(err, ERR_INTERNAL, "store_not_one", NULL, "内部错误：语句 %s 应改动一行", store_query_name[q]);
}

err_kind store_step_all(store_stmt *st, err_detail *err) {
    bool row;
    err_kind k;
    do {
        k = store_step(st, &row, err);
    } while (!k && row);
    store_stmt_done(st);
    return k;
}

void store_bind_id(store_stmt *st, int idx, int64_t id) {
    if (id > 0) store_bind_int(st, idx, id);
    else store_bind_null(st, idx);
}

/* ---- migrations: whole scripts, applied by number in the engine's dialect ---- */

static int migration_number(const char *name) {
    char *end;
    long n = strtol(name, &end, 10);
    return (end != name && *end == '_') ? (int)n : -1;
}

err_kind store_schema_version(store *s, int *version_out, err_detail *err) {
    err_kind k = s->ops->ensure_migrations_table(s, err);
    if (k) return k;
    store_tx *tx;
    k = store_begin(s, false, &tx, err);
    if (k) return k;
    store_stmt *st;
    k = store_prepare(tx, STORE_Q_SCHEMA_VERSION, &st, err);
    if (!k) {
        bool row = false;
        k = store_step(st, &row, err);
        if (!k) *version_out = row ? (int)store_col_int(st, 0) : 0;
        store_stmt_done(st);
    }
    store_rollback(tx);
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
        k = s->ops->exec_script(tx, store_migrations_names[i], store_migrations_texts[i], err);
        if (k) {
            store_rollback(tx);
            return k;
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

/* ---- bulk rows ---- */

static const char *skip_space(const char *p) {
    while (*p == ' ' || *p == '\n' || *p == '\t') p++;
    return p;
}

/* A name or a value of the INSERT up to the next ',' or ')' (a literal may
 * hold neither). Answers the position after it, or NULL when too long. */
static const char *shape_item(const char *p, char *out, size_t cap) {
    p = skip_space(p);
    size_t n = 0;
    bool quoted = false;
    while (*p && (quoted || (*p != ',' && *p != ')'))) {
        if (*p == '\'') quoted = !quoted;
        if (n + 1 >= cap) return NULL;
        out[n++] = *p++;
    }
    while (n && out[n - 1] == ' ') n--;
    out[n] = 0;
    return *p ? p : NULL;
}

/* The items of "(a, b, ...)" from p; answers the position after ')' or NULL. */
static const char *shape_list(const char *p, char (*items)[STORE_BULK_NAME_BYTES], int *n_out) {
    p = skip_space(p);
    if (*p++ != '(') return NULL;
    int n = 0;
    for (;;) {
        if (n == STORE_BULK_COLS_MAX || !(p = shape_item(p, items[n], STORE_BULK_NAME_BYTES))) return NULL;
        n++;
        if (*p++ == ')') break;
    }
    *n_out = n;
    return p;
}

err_kind store_insert_shape_of(store_query q, store_insert_shape *out, err_detail *err) {
    const char *sql = store_query_sql[q], *p = skip_space(sql);
    memset(out, 0, sizeof *out);
    int nvals = 0;
    char vals[STORE_BULK_COLS_MAX][STORE_BULK_NAME_BYTES];
    bool ok = strncmp(p, "INSERT INTO ", 12) == 0;
    size_t n = 0;
    for (p += ok ? 12 : 0; ok && (isalnum((unsigned char)*p) || *p == '_'); p++)
        if (n + 1 < sizeof out->table) out->table[n++] = *p;
    ok = ok && n > 0 && (p = shape_list(p, out->cols, &out->ncols)) && strncmp(skip_space(p), "VALUES", 6) == 0 &&
         (p = shape_list(skip_space(p) + 6, vals, &nvals)) && !*skip_space(p) && nvals == out->ncols;
    for (int i = 0; ok && i < out->ncols; i++) {
        char *end = NULL;
        if (vals[i][0] == '?') {
            long np = strtol(vals[i] + 1, &end, 10);
            ok = *end == 0 && np >= 1 && np <= STORE_BULK_COLS_MAX;
            out->param[i] = (int)np;
            if (np > out->nparams) out->nparams = (int)np;
        } else {
            memcpy(out->literal[i], vals[i], sizeof out->literal[i]);
        }
    }
    if (ok) return ERR_OK;
    return err_set(err, ERR_INTERNAL, "store_bulk_shape", NULL, "内部错误：语句 %s 不是单行 INSERT，不能批量写入",
                   store_query_name[q]);
}

err_kind store_bulk_begin(store_tx *tx, store_query q, store_bulk **out, err_detail *err) {
    assert(q >= 0 && q < STORE_Q_COUNT);
    store_insert_shape shape;
    err_kind k = store_insert_shape_of(q, &shape, err);
    if (!k) k = tx->st->ops->bulk_begin(tx, &shape, out, err);
    if (k) return k;
    (*out)->tx = tx;
    (*out)->q = q;
    (*out)->shape = shape;
    (*out)->col = 0;
    return ERR_OK;
}

void store_bulk_int(store_bulk *b, int64_t v) {
    assert(b->col < b->shape.nparams && "more values than the statement's parameters");
    b->row[b->col++] = (store_bulk_val){.is_int = true, .i = v};
}

void store_bulk_text(store_bulk *b, const char *v) {
    assert(b->col < b->shape.nparams && "more values than the statement's parameters");
    char *t = NULL;
    if (v) {
        size_t n = strlen(v);
        assert(n < STORE_BULK_TEXT_BYTES && "a bulk text value too long");
        t = memcpy(b->text[b->col], v, n + 1);
    }
    b->row[b->col++] = (store_bulk_val){.t = t};
}

err_kind store_bulk_row(store_bulk *b, err_detail *err) {
    assert(b->col == b->shape.nparams && "a bulk row needs every parameter");
    b->col = 0;
    return b->tx->st->ops->bulk_row(b, err);
}

err_kind store_bulk_end(store_bulk *b, err_detail *err) { return b->tx->st->ops->bulk_end(b, true, err); }

void store_bulk_abort(store_bulk *b) {
    if (b) b->tx->st->ops->bulk_end(b, false, NULL);
}
