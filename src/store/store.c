#include <assert.h>
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

err_kind store_exec(store_tx *tx, store_query q, err_detail *err, const char *types, ...) {
    store_stmt *st;
    err_kind k = store_prepare(tx, q, &st, err);
    if (k) return k;
    va_list ap;
    va_start(ap, types);
    int idx = 1;
    for (const char *t = types; *t; t++, idx++) {
        switch (*t) {
        case 'i': store_bind_int(st, idx, va_arg(ap, int64_t)); break;
        case 't': store_bind_text(st, idx, va_arg(ap, const char *)); break;
        case 'n': store_bind_null(st, idx); break;
        default: va_end(ap); store_stmt_done(st);
            return err_set(err, ERR_INTERNAL, "store_bind", NULL, "内部错误：未知的参数类型 %c", *t);
        }
    }
    va_end(ap);
    return store_step_all(st, err);
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
