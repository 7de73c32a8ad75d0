/* The audit trail: every change, and every read of a person's data, appends a
 * row (time, actor, role, channel, action, target, outcome, request id)
 * whose hash chains to the row before. The newest hash is also kept in
 * audit_head, so removing the last rows is detected too.
 *
 * Targets are "person:ID", "unit:ID", "application:ID", "user:ID",
 * "catalog", ... Outcomes are "ok" or the error code of a refusal. */
#ifndef SIPF_SVC_AUDIT_H
#define SIPF_SVC_AUDIT_H

#include <jansson.h>
#include <stdint.h>

#include "svc/ctx.h"

/* Appends inside ctx->tx: the row commits or rolls back with the operation. */
err_kind audit_append(svc_ctx *ctx, const char *action, const char *target, const char *outcome,
                      const char *detail, err_detail *err);

/* ---- reads audited after their transaction ----------------------------
 * A read of personal data may run in a read-only transaction, so that reads
 * never queue for the write lock: the channel sets ctx->audit_later, where
 * audit_append keeps the rows, and has them written before it answers. An
 * audit_writer puts the rows of every request waiting at that moment into
 * one transaction (group commit) and tells each request when its own rows
 * have committed, so no answer leaves before its read is on the trail, and
 * a read whose rows cannot be written is not answered. */
typedef struct audit_later_row audit_later_row;
typedef struct audit_later audit_later;
/* Called on the writer's thread once the rows have committed (ERR_OK) or
 * failed (the store's error in err, valid during the call). */
typedef void (*audit_written_fn)(void *arg, err_kind result, const err_detail *err);
struct audit_later {
    audit_later_row *first, *last;
    int n;
    /* the writer's, while queued */
    audit_written_fn done;
    void *done_arg;
    audit_later *next;
};

typedef struct audit_writer audit_writer;

/* A thread writing on st, which must outlive it. */
err_kind audit_writer_start(store *st, audit_writer **out, err_detail *err);
/* Writes what is queued (each caller told), then ends the thread; from then
 * on audit_later_queue takes nothing. NULL is a no-op. */
void audit_writer_stop(audit_writer *w);
/* Stops it if still running, and frees it. */
void audit_writer_free(audit_writer *w);
/* Queues the rows (n > 0) for the writer's next transaction and returns at
 * once; done(arg, ...) follows on the writer's thread. The rows must stay
 * valid until then. false: the writer is stopping and took nothing. */
bool audit_later_queue(audit_writer *w, audit_later *rows, audit_written_fn done, void *arg);
/* Writes the rows in a transaction of their own on st (no writer: in
 * process, tools). An empty list costs nothing. */
err_kind audit_later_write(store *st, audit_later *rows, err_detail *err);

/* Rows about one target (or all when target is NULL), newest first, at most
 * limit, with seq < before_seq when before_seq > 0. Admin only: anyone else
 * ERR_FORBIDDEN. Returns a new JSON array. */
err_kind audit_list(svc_ctx *ctx, const char *target, int64_t before_seq, int limit, json_t **out,
                    err_detail *err);

typedef struct audit_verify_result {
    int64_t rows;          /* rows checked */
    int64_t bad_seq;       /* 0 when the chain is intact; else the first row found wrong */
    char problem[160];     /* "changed", "inserted", "removed", "head mismatch" ... in Chinese */
} audit_verify_result;

/* Recomputes the whole chain. ERR_OK with bad_seq = 0 when intact. */
err_kind audit_verify(store_tx *tx, audit_verify_result *out, err_detail *err);

#endif
