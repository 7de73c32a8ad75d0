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
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

struct audit_later_row {
    audit_row r;
    audit_later_row *next;
};

/* A copy in the request's arena, written after its read transaction. */
static void later_push(svc_ctx *ctx, const audit_row *r) {
    audit_later_row *lr = arena_alloc(ctx->ar, sizeof *lr);
    lr->r = *r;
    const char **texts[] = {&lr->r.channel, &lr->r.action, &lr->r.target, &lr->r.outcome,
                            &lr->r.request_id, &lr->r.detail};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) *texts[i] = arena_strdup(ctx->ar, *texts[i]);
    lr->next = NULL;
    audit_later *l = ctx->audit_later;
    if (l->last) l->last->next = lr;
    else l->first = lr;
    l->last = lr;
    l->n++;
}

err_kind audit_append(svc_ctx *ctx, const char *action, const char *target, const char *outcome,
                      const char *detail, err_detail *err) {
    assert(ctx && ctx->tx && action && target && outcome);
    audit_row r = {
        .ts_ms = ctx->now_ms, .actor_user_id = ctx->actor.user_id,
        .actor_role = svc_role_name(ctx->actor.role), .channel = ctx->channel ? ctx->channel : "",
        .action = action, .target = target, .outcome = outcome,
        .request_id = ctx->request_id ? ctx->request_id : "", .detail = detail ? detail : "",
    };
    if (ctx->audit_later) {
        later_push(ctx, &r);
        return ERR_OK;
    }
    char prev[CRYPTO_SHA256_HEX_BYTES];
    err_kind k = head_advance(ctx->tx, &r.seq, prev, err);
    if (k) return k;
    r.prev_hash = prev;
    char hash[CRYPTO_SHA256_HEX_BYTES];
    row_hash(&r, hash);
    k = row_insert(ctx->tx, &r, hash, err);
    if (k) return k;
    return store_exec(ctx->tx, STORE_Q_AUDIT_HEAD_SET_HASH, err, "it", r.seq, hash);
}

/* ---- rows written after their read --------------------------------------- */

struct audit_writer {
    store *st;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t queued;
    audit_later *head, **tail;
    int queued_n;       /* lists in the queue */
    int last_batch_n;   /* lists the last transaction wrote */
    bool gathering;     /* waiting for more on purpose: woken when enough are in */
    bool stopping;
};

/* A group commit's delay, as PostgreSQL's commit_delay: only when others
 * are reading too, so that a read alone is never kept waiting. */
static void gather(audit_writer *w) {
    if (w->last_batch_n <= 1) return;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += (long)LIMIT_AUDIT_GATHER_US * 1000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    w->gathering = true;
    while (w->queued_n < LIMIT_AUDIT_GATHER_READS && !w->stopping)
        if (pthread_cond_timedwait(&w->queued, &w->mu, &until) != 0) break;
    w->gathering = false;
}

/* Takes every number the lists need at once, then chains their rows in
 * queue order and leaves the last hash in the head. */
static err_kind lists_insert(store_tx *tx, const audit_later *l, err_detail *err) {
    int64_t total = 0;
    for (const audit_later *i = l; i; i = i->next) total += i->n;
    store_stmt *st;
    err_kind k = store_prepare(tx, STORE_Q_AUDIT_HEAD_ADVANCE_BY, &st, err);
    if (k) return k;
    store_bind_int(st, 1, total);
    bool row = false, more;
    int64_t last = 0;
    char prev[CRYPTO_SHA256_HEX_BYTES] = "";
    k = store_step(st, &row, err);
    if (!k && row) {
        last = store_col_int(st, 0);
        snprintf(prev, sizeof prev, "%s", store_col_text(st, 1));
        k = store_step(st, &more, err);
    }
    store_stmt_done(st);
    if (!k && !row) k = err_set(err, ERR_INTERNAL, "audit_head_missing", NULL, "审计日志链头记录缺失，请运行数据库迁移");
    int64_t seq = last - total;
    for (; !k && l; l = l->next)
        for (const audit_later_row *lr = l->first; !k && lr; lr = lr->next) {
            audit_row r = lr->r;
            r.seq = ++seq;
            r.prev_hash = prev;
            char hash[CRYPTO_SHA256_HEX_BYTES];
            row_hash(&r, hash);
            k = row_insert(tx, &r, hash, err);
            memcpy(prev, hash, sizeof prev);
        }
    return k ? k : store_exec(tx, STORE_Q_AUDIT_HEAD_SET_HASH, err, "it", last, prev);
}

static err_kind lists_write(store *st, const audit_later *l, err_detail *err) {
    store_tx *tx;
    err_kind k = store_begin(st, true, &tx, err);
    if (k) return k;
    k = lists_insert(tx, l, err);
    if (k) {
        store_rollback(tx);
        return k;
    }
    return store_commit(tx, err);
}

static void *writer_main(void *arg) {
    audit_writer *w = arg;
    err_detail *e = calloc(1, sizeof *e);
    if (!e) abort();
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->head && !w->stopping) pthread_cond_wait(&w->queued, &w->mu);
        if (!w->head) break;
        gather(w);
        audit_later *batch = w->head;
        w->head = NULL;
        w->tail = &w->head;
        w->last_batch_n = w->queued_n;
        w->queued_n = 0;
        pthread_mutex_unlock(&w->mu);
        err_kind k = lists_write(w->st, batch, e);
        for (audit_later *l = batch, *next; l; l = next) {
            next = l->next;   /* done may end the request that owns l */
            l->done(l->done_arg, k, e);
        }
        err_clear(e);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    free(e);
    return NULL;
}

err_kind audit_writer_start(store *st, audit_writer **out, err_detail *err) {
    audit_writer *w = calloc(1, sizeof *w);
    if (!w) abort();
    w->st = st;
    w->tail = &w->head;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->queued, NULL);
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        pthread_cond_destroy(&w->queued);
        pthread_mutex_destroy(&w->mu);
        free(w);
        return err_set(err, ERR_INTERNAL, "thread_failed", NULL, "无法启动审计日志写入线程");
    }
    *out = w;
    return ERR_OK;
}

void audit_writer_stop(audit_writer *w) {
    if (!w) return;
    pthread_mutex_lock(&w->mu);
    bool was = w->stopping;
    w->stopping = true;
    pthread_cond_signal(&w->queued);
    pthread_mutex_unlock(&w->mu);
    if (!was) pthread_join(w->thread, NULL);
}

void audit_writer_free(audit_writer *w) {
    if (!w) return;
    audit_writer_stop(w);
    pthread_cond_destroy(&w->queued);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

bool audit_later_queue(audit_writer *w, audit_later *rows, audit_written_fn done, void *arg) {
    assert(w && rows && rows->n > 0 && done);
    rows->done = done;
    rows->done_arg = arg;
    rows->next = NULL;
    pthread_mutex_lock(&w->mu);
    bool taken = !w->stopping;
    if (taken) {
        *w->tail = rows;
        w->tail = &rows->next;
        w->queued_n++;
        /* A gathering writer is woken once, when the batch is full: each
         * read waking it to count again was a context switch a read. */
        if (!w->gathering || w->queued_n >= LIMIT_AUDIT_GATHER_READS) pthread_cond_signal(&w->queued);
    }
    pthread_mutex_unlock(&w->mu);
    return taken;
}

err_kind audit_later_write(store *st, audit_later *rows, err_detail *err) {
    if (!rows || rows->n == 0) return ERR_OK;
    rows->next = NULL;
    return lists_write(st, rows, err);
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
