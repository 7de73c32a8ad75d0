/* Long runs in chunks (monthly assessment, collection, interest,
 * statements). Each chunk is one transaction that also advances the run's
 * row in batch_runs (last key done, count), and every posting inside it is
 * idempotent, so a run killed at any moment and started again resumes after
 * the last committed chunk and posts nothing twice. */
#ifndef SIPF_SVC_BATCH_H
#define SIPF_SVC_BATCH_H

#include <stdint.h>

#include "svc/ctx.h"

enum { BATCH_CHUNK_KEYS_DEFAULT = 200, BATCH_KEYS_MAX = 10000000 };

/* One key's work, inside the chunk's transaction (ctx->tx). */
typedef err_kind (*batch_key_fn)(svc_ctx *ctx, int64_t key, void *arg, err_detail *err);
/* The chunk's own work around its keys' (each may be NULL), inside its
 * transaction: begin before the first key (reading once what every key
 * needs), end after the last and before the commit (writing what the keys
 * kept). end is called whenever begin was, with write = false after a
 * failure (drop what was kept, write nothing; err is NULL then). A failure
 * of either fails the chunk as a key's does. */
typedef err_kind (*batch_chunk_begin_fn)(svc_ctx *ctx, const int64_t *keys, int n, void *arg, err_detail *err);
typedef err_kind (*batch_chunk_end_fn)(svc_ctx *ctx, const int64_t *keys, int n, bool write, void *arg,
                                       err_detail *err);
/* Progress, after each committed chunk (may be NULL). */
typedef void (*batch_progress_fn)(const char *kind, const char *run_key, int64_t done,
                                  int64_t total, void *arg);

typedef struct batch_spec {
    const char *kind;            /* "month_run", "collect", "interest", "statements" */
    const char *run_key;         /* e.g. "2026-11" */
    store_query keys_query;      /* SELECT key ... WHERE key > ?1 ORDER BY key LIMIT ?2 (plus ?3.. per run) */
    int64_t keys_param;          /* bound as ?3 when nonzero (e.g. the month) */
    store_query count_query;     /* SELECT COUNT(*) of the keys (?1 = keys_param) */
    int chunk_keys;              /* keys per chunk; 0: BATCH_CHUNK_KEYS_DEFAULT */
    batch_key_fn fn;
    batch_chunk_begin_fn chunk_begin;
    batch_chunk_end_fn chunk_end;
    void *arg;
    batch_progress_fn progress;
    void *progress_arg;
} batch_spec;

/* Runs (or resumes) the batch. ctx is the template: its tx is opened and
 * committed per chunk; its arena is reset per chunk. A run that is "done"
 * is not run again (ERR_OK, *done_count_out = its count). */
err_kind batch_run(store *st, svc_ctx *ctx, const batch_spec *spec, int64_t *done_count_out,
                   err_detail *err);

/* The run's state as JSON (kind, run_key, status, done, total, started_at,
 * finished_at), for `GET /api/v1/batches/...`. */
err_kind batch_status_json(svc_ctx *ctx, const char *kind, const char *run_key, json_t **out,
                           err_detail *err);

#endif
