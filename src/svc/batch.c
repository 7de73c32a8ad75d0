/* Long runs in chunks (see svc/batch.h).
 *
 * The run's row in batch_runs is the only state: every chunk reads it under
 * the write lock (BEGIN IMMEDIATE), does its keys, advances last_key and
 * done_count and commits, all in one transaction. A run killed anywhere
 * loses at most the chunk in flight, which rolled back whole; started again
 * it reads last_key and goes on after it. Two runners of the same run (two
 * terminals, a terminal and the API) therefore share the work instead of
 * doing it twice: each chunk starts from the last key committed by anyone. */
#include "svc/batch.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


enum {
    BATCH_CHUNK_KEYS_MAX = 100000,     /* keys one chunk may take */
    BATCH_ARENA_BYTES = 64 * 1024,
    BATCH_DETAIL_BYTES = 400,
};

typedef struct run_row {
    int64_t id;
    char status[16];
    int64_t last_key, done, total, started_ms, finished_ms;
    char detail[BATCH_DETAIL_BYTES];
} run_row;

static err_kind run_get(store_tx *tx, const char *kind, const char *run_key, run_row *r, bool *found,
                        err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(tx, STORE_Q_BATCH_RUN_GET, &st, err);
    if (k) return k;
    store_bind_text(st, 1, kind);
    store_bind_text(st, 2, run_key);
    bool row = false;
    k = store_step(st, &row, err);
    *found = !k && row;
    if (*found) {
        memset(r, 0, sizeof *r);
        r->id = store_col_int(st, 0);
        snprintf(r->status, sizeof r->status, "%s", store_col_text(st, 1));
        r->last_key = store_col_int(st, 2);
        r->done = store_col_int(st, 3);
        r->total = store_col_int(st, 4);
        r->started_ms = store_col_int(st, 5);
        r->finished_ms = store_col_int(st, 6);
        snprintf(r->detail, sizeof r->detail, "%s", store_col_text(st, 7));
    }
    store_stmt_done(st);
    return k;
}

static err_kind keys_count(store_tx *tx, const batch_spec *spec, int64_t *out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(tx, spec->count_query, &st, err);
    if (k) return k;
    if (spec->keys_param) store_bind_int(st, 1, spec->keys_param);
    bool row = false;
    k = store_step(st, &row, err);
    *out = (!k && row) ? store_col_int(st, 0) : 0;
    store_stmt_done(st);
    return k;
}

/* The run's row, created (status running, the keys counted) on the first start. */
static err_kind run_open(store *s, const svc_ctx *tmpl, const batch_spec *spec, run_row *r,
                         err_detail *err) {
    store_tx *tx;
    err_kind k = store_begin(s, true, &tx, err);
    if (k) return k;
    bool found = false;
    k = run_get(tx, spec->kind, spec->run_key, r, &found, err);
    if (!k && !found) {
        int64_t total = 0;
        k = keys_count(tx, spec, &total, err);
        if (!k)
            k = store_exec(tx, STORE_Q_BATCH_RUN_INSERT, err, "ttii", spec->kind, spec->run_key, total,
                           tmpl->now_ms);
        if (!k) k = run_get(tx, spec->kind, spec->run_key, r, &found, err);
    } else if (!k && strcmp(r->status, "failed") == 0) {
        /* Started again after a failure: it runs on from where it stopped. */
        k = store_exec(tx, STORE_Q_BATCH_RUN_SET_STATUS, err, "itnt", r->id, "running", "");
        snprintf(r->status, sizeof r->status, "running");
    }
    if (k) {
        store_rollback(tx);
        return k;
    }
    return store_commit(tx, err);
}

/* The next keys after last_key, read into keys[] before any work is done
 * (the key query is closed before the work's own statements open). */
static err_kind next_keys(store_tx *tx, const batch_spec *spec, int64_t after, int chunk,
                          int64_t *keys, int *n_out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(tx, spec->keys_query, &st, err);
    if (k) return k;
    store_bind_int(st, 1, after);
    store_bind_int(st, 2, chunk);
    if (spec->keys_param) store_bind_int(st, 3, spec->keys_param);
    int n = 0;
    bool row = false;
    while (n < chunk && !(k = store_step(st, &row, err)) && row) keys[n++] = store_col_int(st, 0);
    store_stmt_done(st);
    if (!k) *n_out = n;
    return k;
}

/* A key that failed: the run is marked failed with the reason, in a
 * transaction of its own (the chunk's rolled back). */
static void run_fail(store *s, const svc_ctx *tmpl, int64_t run_id, int64_t key, const err_detail *why) {
    char detail[BATCH_DETAIL_BYTES];
    snprintf(detail, sizeof detail, "key %lld: %s [%s]", (long long)key, why->message, why->code);
    store_tx *tx;
    err_detail ignore = {0};
    if (store_begin(s, true, &tx, &ignore)) return;
    if (store_exec(tx, STORE_Q_BATCH_RUN_SET_STATUS, &ignore, "itit", run_id, "failed", tmpl->now_ms,
                   detail))
        store_rollback(tx);
    else
        store_commit(tx, &ignore);
}

typedef enum chunk_result { CHUNK_DONE_SOME = 0, CHUNK_RUN_FINISHED } chunk_result;

static err_kind chunk_keys_work(svc_ctx *c, const batch_spec *spec, const int64_t *keys, int n,
                                int64_t *failed_key, err_detail *err) {
    for (int i = 0; i < n; i++) {
        err_kind k = spec->fn(c, keys[i], spec->arg, err);
        if (k) {
            *failed_key = keys[i];
            return k;
        }
    }
    return ERR_OK;
}

/* The keys between the chunk's begin and end; a failure of those is the
 * chunk's first key's. */
static err_kind chunk_work(svc_ctx *c, const batch_spec *spec, const int64_t *keys, int n,
                           int64_t *failed_key, err_detail *err) {
    err_kind k = spec->chunk_begin ? spec->chunk_begin(c, keys, n, spec->arg, err) : ERR_OK;
    if (k) *failed_key = keys[0];
    else k = chunk_keys_work(c, spec, keys, n, failed_key, err);
    if (!spec->chunk_end) return k;
    err_kind ke = spec->chunk_end(c, keys, n, !k, spec->arg, k ? NULL : err);
    if (!k && ke) *failed_key = keys[0];
    return k ? k : ke;
}

/* One chunk in one transaction: the run's row read under the lock, the keys
 * done, the row advanced, committed. */
static err_kind chunk_run(store *s, svc_ctx *c, const batch_spec *spec, int chunk,
                          int64_t *keys, chunk_result *res, run_row *r, err_detail *err) {
    store_tx *tx;
    err_kind k = store_begin(s, true, &tx, err);
    if (!k && (k = store_tx_bulk(tx, err)) != ERR_OK) store_rollback(tx);
    if (k) return k;
    bool found = false;
    int n = 0;
    int64_t failed_key = 0;
    k = run_get(tx, spec->kind, spec->run_key, r, &found, err);
    if (!k && !found)
        k = err_set(err, ERR_CONFLICT, "batch_vanished", NULL, "批处理记录 %s/%s 不见了", spec->kind,
                    spec->run_key);
    if (!k && strcmp(r->status, "done") == 0) {
        *res = CHUNK_RUN_FINISHED;
        store_rollback(tx);
        return ERR_OK;
    }
    if (!k) k = next_keys(tx, spec, r->last_key, chunk, keys, &n, err);
    if (!k && n == 0) {
        *res = CHUNK_RUN_FINISHED;
        k = store_exec(tx, STORE_Q_BATCH_RUN_SET_STATUS, err, "itit", r->id, "done", c->now_ms, "");
        if (!k) snprintf(r->status, sizeof r->status, "done");
    } else if (!k) {
        *res = CHUNK_DONE_SOME;
        c->tx = tx;
        k = chunk_work(c, spec, keys, n, &failed_key, err);
        c->tx = NULL;
        if (!k) k = store_exec(tx, STORE_Q_BATCH_RUN_ADVANCE, err, "iii", r->id, keys[n - 1], (int64_t)n);
        if (!k) {
            r->last_key = keys[n - 1];
            r->done += n;
        }
    }
    if (k) {
        store_rollback(tx);
        if (failed_key) run_fail(s, c, r->id, failed_key, err);
        return k;
    }
    return store_commit(tx, err);
}

static err_kind spec_check(const batch_spec *spec, err_detail *err) {
    if (!spec->kind || !*spec->kind || !spec->run_key || !*spec->run_key || !spec->fn)
        return err_set(err, ERR_INTERNAL, "batch_spec", NULL, "内部错误：批处理未指明种类、批次或处理函数");
    if (spec->chunk_keys < 0 || spec->chunk_keys > BATCH_CHUNK_KEYS_MAX)
        return err_set(err, ERR_INVALID, "invalid_field", "chunk", "每批数量应在 1 到 %d 之间",
                       BATCH_CHUNK_KEYS_MAX);
    return ERR_OK;
}

err_kind batch_run(store *st, svc_ctx *ctx, const batch_spec *spec, int64_t *done_count_out,
                   err_detail *err) {
    err_kind k = spec_check(spec, err);
    run_row r0;
    if (!k) k = run_open(st, ctx, spec, &r0, err);
    if (k) return k;
    if (strcmp(r0.status, "done") == 0) {
        *done_count_out = r0.done;
        return ERR_OK;
    }
    int chunk = spec->chunk_keys ? spec->chunk_keys : BATCH_CHUNK_KEYS_DEFAULT;
    int64_t *keys = malloc((size_t)chunk * sizeof *keys);
    if (!keys) abort();
    /* The work's own context: the run's arena, reset after every chunk, so
     * the caller's arena (a request's) is never touched. */
    svc_ctx c = *ctx;
    c.tx = NULL;
    c.ar = arena_create(BATCH_ARENA_BYTES);
    run_row r = r0;
    chunk_result res = CHUNK_DONE_SOME;
    /* Every chunk advances last_key or finishes: at most BATCH_KEYS_MAX chunks. */
    for (int64_t i = 0; !k && res != CHUNK_RUN_FINISHED && i < BATCH_KEYS_MAX; i++) {
        k = chunk_run(st, &c, spec, chunk, keys, &res, &r, err);
        arena_reset(c.ar);
        if (!k && res == CHUNK_DONE_SOME && spec->progress)
            spec->progress(spec->kind, spec->run_key, r.done, r.total, spec->progress_arg);
    }
    arena_destroy(c.ar);
    free(keys);
    if (!k && res != CHUNK_RUN_FINISHED)
        k = err_set(err, ERR_INTERNAL, "batch_too_long", NULL, "批处理超过 %d 批仍未结束", BATCH_KEYS_MAX);
    if (!k) *done_count_out = r.done;
    return k;
}

static json_t *ms_or_null(int64_t ms) {
    if (!ms) return json_null();
    char s[CLOCK_STR_BYTES];
    clock_format(ms, CLOCK_ISO, s);
    return json_string(s);
}

err_kind batch_status_json(svc_ctx *ctx, const char *kind, const char *run_key, json_t **out,
                           err_detail *err) {
    if (!svc_role_is_staff(ctx->actor.role))
        return err_set(err, ERR_FORBIDDEN, "forbidden", NULL, "当前角色（%s）不能查看批处理状态",
                       svc_role_name_zh(ctx->actor.role));
    run_row r;
    bool found = false;
    err_kind k = run_get(ctx->tx, kind, run_key, &r, &found, err);
    if (k) return k;
    if (!found) {
        char ek[ERR_ECHO_BYTES], er[ERR_ECHO_BYTES];
        err_echo(kind, ek);
        err_echo(run_key, er);
        return err_set(err, ERR_NOT_FOUND, "batch_not_found", NULL, "没有批处理 %s/%s 的记录", ek, er);
    }
    *out = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:o, s:o, s:s}", "kind", kind, "run_key", run_key,
                     "status", r.status, "done", (json_int_t)r.done, "total", (json_int_t)r.total,
                     "last_key", (json_int_t)r.last_key, "started_at", ms_or_null(r.started_ms),
                     "finished_at", ms_or_null(r.finished_ms), "detail", r.detail);
    return ERR_OK;
}
