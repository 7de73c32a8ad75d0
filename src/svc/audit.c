/* The hash-chained audit trail.
 *
 * Each row's hash is the SHA-256 of an unambiguous serialization of its
 * fields and the previous row's hash (row_serialize: a version tag, then
 * every field tagged and, for text, length-prefixed). The first row chains to
 * 64 zeros. audit_head (one row) holds the newest seq and hash; an append
 * takes the next seq from it and updates it in the same transaction, so
 * removing the last rows leaves the chain shorter than the head. */
#include "svc/audit.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "base/limits.h"

static const char zero_hash[CRYPTO_SHA256_HEX_BYTES] =
    "0000000000000000000000000000000000000000000000000000000000000000";

typedef struct audit_row {
    int64_t seq;
    int64_t ts_ms;
    int64_t actor_user_id;   /* 0: none (stored as NULL) */
    const char *actor_role;
    const char *channel;
    const char *action;
    const char *target;
    const char *outcome;
    const char *request_id;
    const char *detail;
    const char *prev_hash;
    const char *hash;        /* as stored; NULL while appending */
} audit_row;

/* ---- canonical serialization ------------------------------------------ */

typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static void sb_put(sbuf *b, const void *data, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 512;
        while (cap < b->len + n) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) abort();
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

/* "i<decimal>;" */
static void sb_int(sbuf *b, int64_t v) {
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "i%" PRId64 ";", v);
    sb_put(b, tmp, (size_t)n);
}

/* "s<byte length>:<bytes>", or "n;" for NULL */
static void sb_text(sbuf *b, const char *s) {
    if (!s) { sb_put(b, "n;", 2); return; }
    size_t len = strlen(s);
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "s%zu:", len);
    sb_put(b, tmp, (size_t)n);
    sb_put(b, s, len);
}

static void row_hash(const audit_row *r, char out[CRYPTO_SHA256_HEX_BYTES]) {
    sbuf b = {0};
    sb_put(&b, "sipf-audit-v1\n", 14);
    sb_int(&b, r->seq);
    sb_int(&b, r->ts_ms);
    if (r->actor_user_id > 0) sb_int(&b, r->actor_user_id);
    else sb_text(&b, NULL);
    const char *const texts[] = {r->actor_role, r->channel, r->action, r->target, r->outcome,
                                 r->request_id, r->detail, r->prev_hash};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) sb_text(&b, texts[i]);
    crypto_sha256_hex(b.p, b.len, out);
    free(b.p);
}

/* ---- appending ---------------------------------------------------------- */

static err_kind head_advance(store_tx *tx, int64_t *seq, char prev[CRYPTO_SHA256_HEX_BYTES],
                             err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(tx, STORE_Q_AUDIT_HEAD_ADVANCE, &st, err);
    if (k) return k;
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && row) {
        *seq = store_col_int(st, 0);
        snprintf(prev, CRYPTO_SHA256_HEX_BYTES, "%s", store_col_text(st, 1));
        bool more;
        k = store_step(st, &more, err);
    }
    store_stmt_done(st);
    if (!k && !row)
        return err_set(err, ERR_INTERNAL, "audit_head_missing", NULL,
                       "审计日志链头记录缺失，请运行数据库迁移");
    return k;
}

static err_kind row_insert(store_tx *tx, const audit_row *r, const char *hash, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(tx, STORE_Q_AUDIT_INSERT, &st, err);
    if (k) return k;
    store_bind_int(st, 1, r->seq);
    store_bind_int(st, 2, r->ts_ms);
    if (r->actor_user_id > 0) store_bind_int(st, 3, r->actor_user_id);
    else store_bind_null(st, 3);
    const char *const texts[] = {r->actor_role, r->channel, r->action, r->target, r->outcome,
                                 r->request_id, r->detail, r->prev_hash, hash};
    for (int i = 0; i < (int)(sizeof texts / sizeof texts[0]); i++)
        store_bind_text(st, 4 + i, texts[i]);
    bool row;
    k = store_step(st, &row, err);
    store_stmt_done(st);
    return k;
}

err_kind audit_append(svc_ctx *ctx, const char *action, const char *target, const char *outcome,
                      const char *detail, err_detail *err) {
    assert(ctx && ctx->tx && action && target && outcome);
    int64_t seq = 0;
    char prev[CRYPTO_SHA256_HEX_BYTES];
    err_kind k = head_advance(ctx->tx, &seq, prev, err);
    if (k) return k;
    audit_row r = {
        .seq = seq, .ts_ms = ctx->now_ms, .actor_user_id = ctx->actor.user_id,
        .actor_role = svc_role_name(ctx->actor.role), .channel = ctx->channel ? ctx->channel : "",
        .action = action, .target = target, .outcome = outcome,
        .request_id = ctx->request_id ? ctx->request_id : "", .detail = detail ? detail : "",
        .prev_hash = prev,
    };
    char hash[CRYPTO_SHA256_HEX_BYTES];
    row_hash(&r, hash);
    k = row_insert(ctx->tx, &r, hash, err);
    if (k) return k;
    return store_exec(ctx->tx, STORE_Q_AUDIT_HEAD_SET_HASH, err, "it", seq, hash);
}

/* ---- reading ------------------------------------------------------------ */

static void row_from_stmt(store_stmt *st, audit_row *r) {
    r->seq = store_col_int(st, 0);
    r->ts_ms = store_col_int(st, 1);
    r->actor_user_id = store_col_is_null(st, 2) ? 0 : store_col_int(st, 2);
    r->actor_role = store_col_text(st, 3);
    r->channel = store_col_text(st, 4);
    r->action = store_col_text(st, 5);
    r->target = store_col_text(st, 6);
    r->outcome = store_col_text(st, 7);
    r->request_id = store_col_text(st, 8);
    r->detail = store_col_text(st, 9);
    r->prev_hash = store_col_text(st, 10);
    r->hash = store_col_text(st, 11);
}

static json_t *json_text(const char *s) {
    json_t *j = json_string(s);
    return j ? j : json_string("\xef\xbf\xbd");   /* not UTF-8: U+FFFD */
}

static json_t *row_json(const audit_row *r) {
    char ts[CLOCK_STR_BYTES];
    clock_format(r->ts_ms, CLOCK_ISO_MS, ts);
    json_t *o = json_object();
    json_object_set_new(o, "seq", json_integer(r->seq));
    json_object_set_new(o, "ts", json_string(ts));
    json_object_set_new(o, "actor_user_id",
                        r->actor_user_id > 0 ? json_integer(r->actor_user_id) : json_null());
    json_object_set_new(o, "actor_role", json_text(r->actor_role));
    json_object_set_new(o, "channel", json_text(r->channel));
    json_object_set_new(o, "action", json_text(r->action));
    json_object_set_new(o, "target", json_text(r->target));
    json_object_set_new(o, "outcome", json_text(r->outcome));
    json_object_set_new(o, "request_id", json_text(r->request_id));
    json_object_set_new(o, "detail", json_text(r->detail));
    return o;
}

static err_kind list_rows(store_stmt *st, json_t *arr, err_detail *err) {
    for (int n = 0; n < LIMIT_QUERY_ROWS_MAX; n++) {
        bool row;
        err_kind k = store_step(st, &row, err);
        if (k) return k;
        if (!row) break;
        audit_row r;
        row_from_stmt(st, &r);
        json_array_append_new(arr, row_json(&r));
    }
    return ERR_OK;
}

err_kind audit_list(svc_ctx *ctx, const char *target, int64_t before_seq, int limit, json_t **out,
                    err_detail *err) {
    if (ctx->actor.role != ROLE_ADMIN && ctx->actor.role != ROLE_SYSTEM)
        return err_set(err, ERR_FORBIDDEN, "forbidden", NULL, "仅管理员可以查看审计日志");
    if (limit <= 0 || limit > LIMIT_QUERY_ROWS_MAX) limit = LIMIT_QUERY_ROWS_MAX;
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, target ? STORE_Q_AUDIT_LIST_TARGET : STORE_Q_AUDIT_LIST_ALL,
                               &st, err);
    if (k) return k;
    store_bind_int(st, 1, before_seq > 0 ? before_seq : INT64_MAX);
    store_bind_int(st, 2, (int64_t)limit);
    if (target) store_bind_text(st, 3, target);
    json_t *arr = json_array();
    k = list_rows(st, arr, err);
    store_stmt_done(st);
    if (k) { json_decref(arr); return k; }
    *out = arr;
    return ERR_OK;
}

/* ---- verifying ---------------------------------------------------------- */

typedef struct walk_state {
    int64_t expected_seq;
    char prev[CRYPTO_SHA256_HEX_BYTES];
    audit_verify_result res;
} walk_state;

/* The problem texts do not repeat the row number: bad_seq carries it. */
static void set_bad(walk_state *w, int64_t seq, const char *problem) {
    w->res.bad_seq = seq;
    snprintf(w->res.problem, sizeof w->res.problem, "%s", problem);
}

/* Checks one row against the chain so far; false when it is the first bad one. */
static bool check_row(walk_state *w, const audit_row *r) {
    w->res.rows++;
    if (r->seq > w->expected_seq) {
        set_bad(w, w->expected_seq, "记录已被删除（序号不连续）");
        return false;
    }
    if (r->seq < w->expected_seq) {
        set_bad(w, r->seq, "记录序号异常，疑被插入");
        return false;
    }
    if (strcmp(r->prev_hash, w->prev) != 0) {
        set_bad(w, r->seq, "前序哈希不符：此前有记录被插入或删除");
        return false;
    }
    char h[CRYPTO_SHA256_HEX_BYTES];
    row_hash(r, h);
    if (strcmp(h, r->hash) != 0) {
        set_bad(w, r->seq, "记录内容已被修改（哈希不符）");
        return false;
    }
    snprintf(w->prev, sizeof w->prev, "%s", r->hash);
    w->expected_seq++;
    return true;
}

static err_kind walk_rows(store_tx *tx, walk_state *w, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(tx, STORE_Q_AUDIT_WALK, &st, err);
    if (k) return k;
    for (;;) {
        bool row;
        k = store_step(st, &row, err);
        if (k || !row) break;
        audit_row r;
        row_from_stmt(st, &r);
        if (!check_row(w, &r)) break;
    }
    store_stmt_done(st);
    return k;
}

/* The chain must end where audit_head says: rows removed from the end leave it short. */
static void compare_head(walk_state *w, int64_t head_seq, const char *head_hash) {
    int64_t last = w->expected_seq - 1;
    if (head_seq > last)
        set_bad(w, last + 1, "该条及之后的记录已被删除（审计链短于链头登记）");
    else if (head_seq < last)
        set_bad(w, head_seq + 1, "该条及之后的记录未在链头登记，疑被插入");
    else if (strcmp(head_hash, w->prev) != 0)
        set_bad(w, last > 0 ? last : 1, "末条记录与链头哈希不符");
}

static err_kind check_head(store_tx *tx, walk_state *w, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(tx, STORE_Q_AUDIT_HEAD_GET, &st, err);
    if (k) return k;
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && row) compare_head(w, store_col_int(st, 0), store_col_text(st, 1));
    else if (!k) set_bad(w, w->expected_seq, "审计日志链头记录缺失，无法核对末尾");
    store_stmt_done(st);
    return k;
}

err_kind audit_verify(store_tx *tx, audit_verify_result *out, err_detail *err) {
    walk_state w = {.expected_seq = 1};
    snprintf(w.prev, sizeof w.prev, "%s", zero_hash);
    err_kind k = walk_rows(tx, &w, err);
    if (!k && w.res.bad_seq == 0) k = check_head(tx, &w, err);
    if (k) return k;
    *out = w.res;
    return ERR_OK;
}
