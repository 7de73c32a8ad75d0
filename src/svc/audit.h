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
