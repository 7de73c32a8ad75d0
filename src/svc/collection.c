/* Bank collection (托收) and arrears: see svc/collection.h; the file formats
 * are in docs/bank-files.md.
 *
 * The life of a unit's bill here: confirmed -> sent (in a collection file)
 * -> paid, or failed (arrears) -> sent again by a later run -> paid. A bill
 * past its due date and not paid has an arrears row whatever its status;
 * paying it settles the row with the late fee the line carried.
 *
 * Money moves only when the bank says paid: "paid:<bill>" (bank clearing
 * against the unit's receivable), "late_fee:<bill>" (bank clearing against
 * the late fee pool) and one "alloc:<bill>:<person>:<month>" per person and
 * month of the bill (contributions due against the individual accounts and
 * the pools). The allocation is split per person and month because one
 * entry holds at most LEDGER_POSTINGS_MAX postings and a bill has thousands
 * of lines; each split entry sums to zero on its own. */
#include "svc/collection.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/jsonx.h"
#include "base/limits.h"
#include "ledger/ledger.h"
#include "svc/audit.h"
#include "svc/contribution.h"
#include "svc/registry.h"
#include "svc/registry_person.h"
#include "svc/registry_unit.h"

#define ROLES_FINANCE (ROLE_BIT(ROLE_FINANCE) | ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_SYSTEM))

enum {
    COLLECT_BILLS_MAX = 1000000,        /* bills one collection run gathers */
    COLLECT_ASSESSMENTS_MAX = 4000000,  /* assessment lines of one paid bill */
    COLLECT_SIM_LINES_MAX = 1000000,    /* lines the bank simulator reads */
    COLLECT_ARREARS_MAX = 100000,       /* arrears rows of one unit summed */
    COLLECT_BACKPAY_MONTHS_MAX = 1200,  /* months one back-payment bill pays */
    COLLECT_REASON_BYTES_MAX = 200,     /* a bank's failure reason */
    HEADER_FIELDS = 7,
    FILE_DETAIL_FIELDS = 10,
    REPLY_DETAIL_FIELDS = 12,
    FILE_TRAILER_FIELDS = 3,
    REPLY_TRAILER_FIELDS = 5,
    FIELDS_MAX = 12,
    NUMBER_DIGITS_MAX = 15,
    DATA_BYTES = 256,
    MSG_BYTES = 256,
    KEY_BYTES = 64,
    MEMO_BYTES = 128,
    PPM = 1000000,
    BP = 10000,
};

static const char FILE_MAGIC[] = "SIPF-COLLECT";
static const char REPLY_MAGIC[] = "SIPF-REPLY";
static const char FORMAT_VERSION[] = "1";
static const char SIM_FAIL_REASON[] = "余额不足";
static const char OVERDUE_REASON[] = "逾期未缴";

/* ---- small helpers ---- */

static err_kind require_roles(const svc_ctx *ctx, unsigned mask, const char *doing,
                              err_detail *err) {
    if (ROLE_BIT(ctx->actor.role) & mask) return ERR_OK;
    return err_set(err, ERR_FORBIDDEN, "forbidden", NULL, "%s无权%s",
                   svc_role_name_zh(ctx->actor.role), doing);
}

static const char *date_str(svc_ctx *ctx, date_days d) {
    char s[DATE_STR_BYTES];
    date_format(d, s);
    return arena_strdup(ctx->ar, s);
}

static const char *month_str(arena *ar, month_ym m) {
    char s[MONTH_STR_BYTES];
    month_format(m, s);
    return arena_strdup(ar, s);
}

static const char *yuan(arena *ar, money_fen f) {
    char s[MONEY_STR_BYTES];
    money_format_yuan(f, 1, s);
    return arena_strdup(ar, s);
}

/* A growing text (files and replies); allocation failure aborts, as the
 * arena does: a process that cannot allocate a few KiB cannot go on. */
typedef struct textbuf {
    char *p;
    size_t len, cap;
} textbuf;

static void tb_printf(textbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tb_printf(textbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    assert(n >= 0);
    size_t need = b->len + (size_t)n + 1;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < need) cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) abort();
        b->p = np;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* A value as a field: the separator and line breaks cannot appear in it. */
static char *field_clean(arena *ar, const char *s) {
    char *c = arena_strdup(ar, s ? s : "");
    for (char *p = c; *p; p++)
        if (*p == '|' || *p == '\r' || *p == '\n' || *p == '\t') *p = ' ';
    return c;
}

/* A value as part of a file name: no path separators or blanks either. */
static char *name_part(arena *ar, const char *s) {
    char *c = field_clean(ar, s);
    for (char *p = c; *p; p++)
        if (*p == '/' || *p == '\\' || *p == ' ' || *p == ':' || *p == '*' || *p == '?') *p = '_';
    return c;
}

/* Lines of a text, one at a time, without their line break; no = 1, 2, ... */
typedef struct text_cursor {
    const char *p, *end;
    int no;
} text_cursor;

static bool next_line(arena *ar, text_cursor *c, char **line) {
    if (c->p >= c->end) return false;
    const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    const char *e = nl ? nl : c->end;
    size_t n = (size_t)(e - c->p);
    if (n && c->p[n - 1] == '\r') n--;
    *line = arena_strndup(ar, c->p, n);
    c->p = nl ? nl + 1 : c->end;
    c->no++;
    return true;
}

/* Splits at '|' in place; answers the number of fields, max + 1 when more. */
static int fields_split(char *s, char *f[FIELDS_MAX], int max) {
    assert(max <= FIELDS_MAX);
    int n = 0;
    f[n++] = s;
    for (char *p = s; *p; p++) {
        if (*p != '|') continue;
        *p = 0;
        if (n == max) return max + 1;
        f[n++] = p + 1;
    }
    return n;
}

/* A non-negative decimal of at most NUMBER_DIGITS_MAX digits. */
static bool parse_number(const char *s, int64_t *out) {
    size_t n = strlen(s);
    if (n == 0 || n > NUMBER_DIGITS_MAX) return false;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') return false;
        v = v * 10 + (*p - '0');
    }
    *out = v;
    return true;
}

static bool parse_month_field(const char *s, month_ym *out) {
    int64_t v = 0;
    if (strlen(s) != 6 || !parse_number(s, &v) || !month_valid((month_ym)v)) return false;
    *out = (month_ym)v;
    return true;
}

/* Text must be UTF-8 without NUL bytes (jansson checks the encoding). */
static err_kind text_check(const char *text, size_t len, const char *what, err_detail *err) {
    if (!text || len == 0) return err_set(err, ERR_INVALID, "empty_file", "file", "%s为空", what);
    if (memchr(text, 0, len))
        return err_set(err, ERR_INVALID, "bad_encoding", "file", "%s含有 NUL 字符，不是文本文件", what);
    json_t *probe = json_stringn(text, len);
    if (!probe)
        return err_set(err, ERR_INVALID, "bad_encoding", "file", "%s不是 UTF-8 编码的文本", what);
    json_decref(probe);
    return ERR_OK;
}

/* ---- the late fee (社会保险法 art. 86) ---- */

/* Days late are counted from the day after the due date: on the due date
 * itself nothing is late; the day after is one day. */
err_kind collect_late_fee(const policy *pol, money_fen amount_fen, date_days due_on, date_days on,
                          money_fen *fee_out, err_detail *err) {
    if (amount_fen < 0)
        return err_set(err, ERR_INVALID, "invalid_amount", "amount_fen", "欠费金额不能为负数");
    if (on <= due_on || amount_fen == 0) {
        *fee_out = 0;
        return ERR_OK;
    }
    int64_t ppm = 0;
    err_kind k = policy_get_int(pol, "late_fee.daily_rate_ppm", on, &ppm, err);
    if (k) return k;
    int64_t days = (int64_t)on - due_on, num = 0;
    if (ppm < 0 || __builtin_mul_overflow(amount_fen, ppm, &num) ||
        __builtin_mul_overflow(num, days, &num) || num >= (INT64_C(1) << 62))
        return err_set(err, ERR_INVALID, "amount_too_large", "amount_fen",
                       "金额或天数过大，无法计算滞纳金");
    *fee_out = money_div_round(num, PPM, ROUND_HALF_UP);
    return ERR_OK;
}

/* A bill's late fee on the business date. A back-payment pays months whose
 * contributions fell due long before the bill: each month's lines carry the
 * fee from that month's own due day (art. 86: from the day the contribution
 * fell due), the rest from the bill's. */
static err_kind bill_late_fee(svc_ctx *ctx, int64_t bill_id, const char *kind, money_fen amount_fen,
                              date_days due_on, money_fen *fee_out, err_detail *err) {
    if (strcmp(kind, "backpay") != 0)
        return collect_late_fee(ctx->pol, amount_fen, due_on, ctx->business_date, fee_out, err);
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_COLLECT_BILL_MONTH_SUMS, &st, err);
    if (k) return k;
    store_bind_int(st, 1, bill_id);
    store_bind_int(st, 2, COLLECT_BACKPAY_MONTHS_MAX);
    bool row = false;
    money_fen total = 0;
    while (!(k = store_step(st, &row, err)) && row) {
        date_days due = 0;
        money_fen fee = 0;
        k = contrib_due_on(ctx->pol, (month_ym)store_col_int(st, 0), &due, err);
        if (!k) k = collect_late_fee(ctx->pol, store_col_int(st, 1), due, ctx->business_date, &fee, err);
        if (k) break;
        total += fee;
    }
    store_stmt_done(st);
    if (!k) *fee_out = total;
    return k;
}

/* ---- overdue bills ---- */

static err_kind mark_overdue(svc_ctx *ctx, int64_t unit_id, int *marked, err_detail *err) {
    err_kind k = store_exec(ctx->tx, STORE_Q_COLLECT_MARK_OVERDUE, err, "tiit",
                            date_str(ctx, ctx->business_date), ctx->now_ms, unit_id, OVERDUE_REASON);
    if (!k && marked) *marked = (int)store_changes(ctx->tx);
    return k;
}

err_kind collect_mark_overdue(svc_ctx *ctx, int *marked_out, err_detail *err) {
    int marked = 0;
    err_kind k = require_roles(ctx, ROLES_STAFF, "登记逾期欠费", err);
    if (!k) k = mark_overdue(ctx, 0, &marked, err);
    if (!k && marked > 0) {
        const char *detail = arena_printf(ctx->ar, "%d bills overdue on %s", marked,
                                          date_str(ctx, ctx->business_date));
        k = audit_append(ctx, "collect.overdue", "bills", "ok", detail, err);
    }
    if (!k) *marked_out = marked;
    return k;
}

/* ---- collection files ---- */

typedef struct cand {
    int64_t bill_id, unit_id, person_id;   /* one of unit_id / person_id: the payer */
    int seq;                               /* order read, to keep it within a bank */
    const char *code, *name, *bank, *account;
    month_ym month;
    money_fen amount_fen, fee_fen;
} cand;

typedef struct cand_list {
    cand *c;
    int n, cap;
} cand_list;

static void cand_push(arena *ar, cand_list *l, const cand *c) {
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 64;
        cand *nc = arena_alloc(ar, sizeof *nc * (size_t)cap);
        if (l->n) memcpy(nc, l->c, sizeof *nc * (size_t)l->n);
        l->c = nc;
        l->cap = cap;
    }
    l->c[l->n++] = *c;
}

/* The late fee a line carries: that of the day the file is made. Art. 86
 * charges it to employers; what a person pays themself carries none (a
 * missed month is back-paid, not fined). */
static err_kind cand_read(svc_ctx *ctx, store_stmt *st, bool person, cand *c, err_detail *err) {
    int64_t payer = store_col_int(st, 1);
    *c = (cand){.bill_id = store_col_int(st, 0), .unit_id = person ? 0 : payer, .person_id = person ? payer : 0,
                .code = arena_strdup(ctx->ar, store_col_text(st, 2)),
                .name = arena_strdup(ctx->ar, store_col_text(st, 3)),
                .bank = arena_strdup(ctx->ar, store_col_text(st, 4)),
                .account = arena_strdup(ctx->ar, store_col_text(st, 5)),
                .month = (month_ym)store_col_int(st, 6), .amount_fen = store_col_int(st, 7)};
    date_days due = 0;
    err_kind k = date_parse(store_col_text(st, 8), "due_on", &due, err);
    if (!k && !person)
        k = bill_late_fee(ctx, c->bill_id, store_col_text(st, 9), c->amount_fen, due, &c->fee_fen, err);
    return k;
}

static int cand_by_bank(const void *a, const void *b) {
    const cand *x = a, *y = b;
    int c = strcmp(x->bank, y->bank);
    return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* q: the units' bills or the persons' (person). */
static err_kind cands_load_from(svc_ctx *ctx, store_query q, bool person, month_ym month, cand_list *l,
                                err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, q, &st, err);
    if (k) return k;
    store_bind_int(st, 1, month);
    store_bind_int(st, 2, COLLECT_BILLS_MAX);
    bool row = true;
    for (int n = 0; !k && n < COLLECT_BILLS_MAX; n++) {
        k = store_step(st, &row, err);
        if (k || !row) break;
        cand c;
        k = l->n < COLLECT_BILLS_MAX ? cand_read(ctx, st, person, &c, err)
                                     : err_set(err, ERR_INVALID, "too_many_bills", NULL,
                                               "一次托收的账单超过 %d 笔", COLLECT_BILLS_MAX);
        c.seq = l->n;
        if (!k) cand_push(ctx->ar, l, &c);
    }
    store_stmt_done(st);
    return k;
}

/* Units' and persons' bills, one file per bank: grouped by bank, each in the
 * order read (units by code, then persons by social security number). */
static err_kind cands_load(svc_ctx *ctx, month_ym month, cand_list *l, err_detail *err) {
    err_kind k = cands_load_from(ctx, STORE_Q_COLLECT_CANDIDATES, false, month, l, err);
    if (!k) k = cands_load_from(ctx, STORE_Q_COLLECT_CANDIDATES_PERSONS, true, month, l, err);
    if (!k && l->n > 1) qsort(l->c, (size_t)l->n, sizeof *l->c, cand_by_bank);
    return k;
}

/* q: bills of units without an agreement, or of persons without a card. */
static err_kind not_collected(svc_ctx *ctx, store_query q, month_ym month, json_t **out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, q, &st, err);
    if (k) return k;
    store_bind_int(st, 1, month);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k)
        *out = json_pack("{s:I, s:I}", "count", (json_int_t)(row ? store_col_int(st, 0) : 0),
                         "total_fen", (json_int_t)(row ? store_col_int(st, 1) : 0));
    store_stmt_done(st);
    return k;
}

typedef struct file_out {
    const char *bank;
    const char *name;
    month_ym month;
    int lines;
    money_fen total_fen, fee_fen;
    int64_t file_id;
} file_out;

static err_kind file_name_make(svc_ctx *ctx, file_out *f, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_COLLECT_FILE_SEQ, &st, err);
    if (k) return k;
    store_bind_text(st, 1, f->bank);
    store_bind_int(st, 2, f->month);
    bool row = false;
    k = store_step(st, &row, err);
    int64_t seq = (row ? store_col_int(st, 0) : 0) + 1;
    store_stmt_done(st);
    if (!k)
        f->name = arena_printf(ctx->ar, "SIPF-%s-%06d-%03" PRId64 ".txt", name_part(ctx->ar, f->bank),
                               (int)f->month, seq);
    return k;
}

static void file_text(svc_ctx *ctx, const file_out *f, const cand *c, int n, textbuf *b) {
    tb_printf(b, "H|%s|%s|%s|%s|%06d|%s\n", FILE_MAGIC, FORMAT_VERSION, f->name,
              field_clean(ctx->ar, f->bank), (int)f->month, date_str(ctx, ctx->business_date));
    for (int i = 0; i < n; i++)
        tb_printf(b, "D|%d|%" PRId64 "|%s|%s|%s|%06d|%" PRId64 "|%" PRId64 "|%" PRId64 "\n", i + 1,
                  c[i].bill_id, field_clean(ctx->ar, c[i].code), field_clean(ctx->ar, c[i].name),
                  field_clean(ctx->ar, c[i].account), (int)c[i].month, c[i].amount_fen, c[i].fee_fen,
                  c[i].amount_fen + c[i].fee_fen);
    tb_printf(b, "T|%d|%" PRId64 "\n", n, f->total_fen);
}

static err_kind file_record(svc_ctx *ctx, file_out *f, const cand *c, int n, err_detail *err) {
    err_kind k = store_exec(ctx->tx, STORE_Q_COLLECT_FILE_INSERT, err, "titiiti",
                            f->bank, (int64_t)f->month, f->name, (int64_t)n, f->total_fen,
                            date_str(ctx, ctx->business_date), ctx->now_ms);
    if (k) return k;
    f->file_id = store_last_insert_id(ctx->tx);
    for (int i = 0; !k && i < n; i++) {
        k = store_exec(ctx->tx, STORE_Q_COLLECT_LINE_INSERT, err, "iitii", f->file_id, c[i].bill_id,
                       c[i].account, c[i].amount_fen + c[i].fee_fen, c[i].fee_fen);
        if (!k) k = store_exec(ctx->tx, STORE_Q_COLLECT_BILL_SENT, err, "ii", c[i].bill_id, ctx->now_ms);
        if (!k && store_changes(ctx->tx) != 1)
            k = err_set(err, ERR_CONFLICT, "bill_changed", NULL,
                        "第 %" PRId64 " 号账单的状态刚被改变，请重新生成托收文件", c[i].bill_id);
    }
    return k;
}

/* Written beside its final name and renamed, so a reader never sees half a
 * file. A file written for a run whose transaction then fails is left in
 * place: the next run makes the same name again and replaces it. */
static err_kind file_write(const char *dir, const char *name, const textbuf *b, err_detail *err) {
    char path[LIMIT_URL_BYTES_MAX], part[LIMIT_URL_BYTES_MAX + 8];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof path)
        return err_set(err, ERR_INVALID, "out_dir_too_long", "out_dir", "输出目录路径过长");
    snprintf(part, sizeof part, "%s.part", path);
    FILE *fp = fopen(part, "wb");
    if (!fp) return err_set(err, ERR_INTERNAL, "file_write_failed", "out_dir", "无法写入托收文件 %s", path);
    bool ok = fwrite(b->p, 1, b->len, fp) == b->len;
    ok = (fclose(fp) == 0) && ok;
    if (!ok || rename(part, path) != 0) {
        remove(part);
        return err_set(err, ERR_INTERNAL, "file_write_failed", "out_dir", "写入托收文件 %s 失败", path);
    }
    return ERR_OK;
}

static json_t *file_json(svc_ctx *ctx, const file_out *f, const char *out_dir, const textbuf *b) {
    json_t *o = json_pack("{s:s, s:s, s:o, s:i, s:I, s:I}", "file_name", f->name, "bank", f->bank,
                          "month", jsonx_month_new(f->month), "lines", f->lines,
                          "total_fen", (json_int_t)f->total_fen, "late_fee_fen", (json_int_t)f->fee_fen);
    if (out_dir)
        json_object_set_new(o, "path", json_string(arena_printf(ctx->ar, "%s/%s", out_dir, f->name)));
    else
        json_object_set_new(o, "content", json_stringn(b->p, b->len));
    return o;
}

/* One bank's file: lines c[0..n). */
static err_kind file_make(svc_ctx *ctx, month_ym month, const cand *c, int n, const char *out_dir,
                          json_t *files, err_detail *err) {
    file_out f = {.bank = c[0].bank, .month = month, .lines = n};
    for (int i = 0; i < n; i++) {
        f.total_fen += c[i].amount_fen + c[i].fee_fen;
        f.fee_fen += c[i].fee_fen;
    }
    err_kind k = file_name_make(ctx, &f, err);
    if (!k) k = file_record(ctx, &f, c, n, err);
    if (k) return k;
    textbuf b = {0};
    file_text(ctx, &f, c, n, &b);
    if (out_dir) k = file_write(out_dir, f.name, &b, err);
    if (!k) json_array_append_new(files, file_json(ctx, &f, out_dir, &b));
    free(b.p);
    return k;
}

static err_kind files_audit(svc_ctx *ctx, month_ym month, const json_t *ans, err_detail *err) {
    const char *target = arena_printf(ctx->ar, "month:%s", month_str(ctx->ar, month));
    const char *detail = arena_printf(ctx->ar, "files %d lines %lld total_fen %lld",
                                      (int)json_integer_value(json_object_get(ans, "file_count")),
                                      (long long)json_integer_value(json_object_get(ans, "line_count")),
                                      (long long)json_integer_value(json_object_get(ans, "total_fen")));
    return audit_append(ctx, "collect.files", target, "ok", detail, err);
}

static err_kind out_dir_check(const char *out_dir, err_detail *err) {
    struct stat sb;
    if (!out_dir) return ERR_OK;
    if (stat(out_dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return err_set(err, ERR_INVALID, "out_dir_missing", "out_dir", "输出目录不存在：%.200s", out_dir);
    return ERR_OK;
}

/* out_dir NULL: no file is written and each file's text is in the answer
 * ("content"), for the API. Bills of earlier months still unpaid (never sent
 * or failed) go out with the month's run: arrears are collected again. */
err_kind collect_make_files(svc_ctx *ctx, month_ym month, const char *out_dir, json_t **out,
                            err_detail *err) {
    err_kind k = require_roles(ctx, ROLES_FINANCE, "生成托收文件", err);
    if (!k && !month_valid(month))
        k = err_set(err, ERR_INVALID, "invalid_month", "month", "月份无效");
    if (!k) k = out_dir_check(out_dir, err);
    if (!k) k = mark_overdue(ctx, 0, NULL, err);   /* late lines carry their fee and settle a row */
    cand_list l = {0};
    if (!k) k = cands_load(ctx, month, &l, err);
    json_t *skipped = NULL, *no_card = NULL;
    if (!k) k = not_collected(ctx, STORE_Q_COLLECT_NO_AGREEMENT, month, &skipped, err);
    if (!k) k = not_collected(ctx, STORE_Q_COLLECT_NO_CARD, month, &no_card, err);
    if (k) {
        json_decref(skipped);
        return k;
    }
    json_t *files = json_array();
    money_fen total = 0;
    for (int i = 0, j; !k && i < l.n; i = j) {
        for (j = i; j < l.n && strcmp(l.c[j].bank, l.c[i].bank) == 0; j++)
            total += l.c[j].amount_fen + l.c[j].fee_fen;
        k = file_make(ctx, month, l.c + i, j - i, out_dir, files, err);
    }
    json_t *ans = json_pack("{s:o, s:o, s:I, s:i, s:I, s:o, s:o, s:o}", "month", jsonx_month_new(month),
                            "created_on", jsonx_date_new(ctx->business_date), "file_count",
                            (json_int_t)json_array_size(files), "line_count", l.n, "total_fen",
                            (json_int_t)total, "files", files, "not_collected", skipped,
                            "not_withheld", no_card);
    if (!k && l.n > 0) k = files_audit(ctx, month, ans, err);
    if (k) {
        json_decref(ans);
        return k;
    }
    *out = ans;
    return ERR_OK;
}

/* ---- the bank simulator ---- */

static err_kind sim_bad(err_detail *err, int line_no, const char *why) {
    return err_set(err, ERR_INVALID, "bad_collection_file", "file", "托收文件第 %d 行格式不正确：%s",
                   line_no, why);
}

typedef struct bank_detail {
    int line_no;
    int64_t seq, bill_id, amount_fen, fee_fen, total_fen;
    month_ym month;
} bank_detail;

/* Fields 1..9 of a detail line (the part a reply echoes). */
static const char *detail_parse(char *const f[FIELDS_MAX], bank_detail *d) {
    if (!parse_number(f[1], &d->seq) || !parse_number(f[2], &d->bill_id))
        return "序号或账单号不是数字";
    if (!parse_month_field(f[6], &d->month)) return "所属月份应为 YYYYMM";
    if (!parse_number(f[7], &d->amount_fen) || !parse_number(f[8], &d->fee_fen) ||
        !parse_number(f[9], &d->total_fen))
        return "金额应为以分计的非负整数";
    if (d->amount_fen + d->fee_fen != d->total_fen) return "应缴金额加滞纳金不等于合计";
    return NULL;
}

typedef struct sim_state {
    int count, paid;
    money_fen total, paid_fen;
    bool trailer;
} sim_state;

static err_kind sim_header(arena *ar, text_cursor *c, textbuf *b, err_detail *err) {
    char *line = NULL, *f[FIELDS_MAX];
    if (!next_line(ar, c, &line)) return sim_bad(err, 1, "缺少首行");
    int n = fields_split(line, f, FIELDS_MAX);
    if (n != HEADER_FIELDS || strcmp(f[0], "H") != 0 || strcmp(f[1], FILE_MAGIC) != 0 ||
        strcmp(f[2], FORMAT_VERSION) != 0)
        return sim_bad(err, c->no, "首行应为 H|SIPF-COLLECT|1|文件名|银行|年月|日期");
    tb_printf(b, "H|%s|%s|%s|%s|%s|%s\n", REPLY_MAGIC, FORMAT_VERSION, f[3], f[4], f[5], f[6]);
    return ERR_OK;
}

static err_kind sim_trailer(char *const f[FIELDS_MAX], int n, int line_no, sim_state *s,
                            err_detail *err) {
    int64_t count = 0, total = 0;
    if (s->trailer) return sim_bad(err, line_no, "尾行重复");
    if (n != FILE_TRAILER_FIELDS || !parse_number(f[1], &count) || !parse_number(f[2], &total))
        return sim_bad(err, line_no, "尾行应为 T|笔数|合计");
    if (count != s->count || total != s->total) return sim_bad(err, line_no, "尾行笔数或合计与明细不符");
    s->trailer = true;
    return ERR_OK;
}

static err_kind sim_detail(char *line, int line_no, int fail_every, sim_state *s, textbuf *b,
                           err_detail *err) {
    char *f[FIELDS_MAX], *echo = strdup(line);
    if (!echo) abort();
    int n = fields_split(line, f, FIELDS_MAX);
    bank_detail d = {0};
    const char *why = n == FILE_DETAIL_FIELDS ? detail_parse(f, &d) : "明细行应有 10 个字段";
    if (!why && s->trailer) why = "明细行在尾行之后";
    if (why) {
        free(echo);
        return sim_bad(err, line_no, why);
    }
    s->count++;
    s->total += d.total_fen;
    bool fail = fail_every > 0 && s->count % fail_every == 0;
    if (!fail) {
        s->paid++;
        s->paid_fen += d.total_fen;
    }
    tb_printf(b, "%s|%s|%s\n", echo, fail ? "FAILED" : "PAID", fail ? SIM_FAIL_REASON : "");
    free(echo);
    return ERR_OK;
}

static err_kind simulate(arena *ar, const char *text, size_t len, int fail_every, textbuf *b,
                         err_detail *err) {
    text_cursor c = {text, text + len, 0};
    err_kind k = sim_header(ar, &c, b, err);
    sim_state s = {0};
    char *line = NULL;
    while (!k && next_line(ar, &c, &line)) {
        if (c.no > COLLECT_SIM_LINES_MAX)
            return err_set(err, ERR_TOO_LARGE, "too_many_lines", "file", "托收文件超过 %d 行",
                           COLLECT_SIM_LINES_MAX);
        if (!*line) continue;
        if (line[0] == 'D' && line[1] == '|') {
            k = sim_detail(line, c.no, fail_every, &s, b, err);
        } else if (line[0] == 'T' && line[1] == '|') {
            char *f[FIELDS_MAX];
            int n = fields_split(line, f, FIELDS_MAX);
            k = sim_trailer(f, n, c.no, &s, err);
        } else {
            k = sim_bad(err, c.no, "行类型应为 D（明细）或 T（尾行）");
        }
    }
    if (!k && !s.trailer) k = sim_bad(err, c.no, "缺少尾行");
    if (!k)
        tb_printf(b, "T|%d|%" PRId64 "|%d|%" PRId64 "\n", s.count, s.total, s.paid, s.paid_fen);
    return k;
}

err_kind collect_simulate_bank(const char *file_text, size_t len, int fail_every, char **reply_out,
                               err_detail *err) {
    err_kind k = text_check(file_text, len, "托收文件", err);
    if (!k && fail_every < 0)
        k = err_set(err, ERR_INVALID, "invalid_field", "fail_every", "fail_every 不能为负数");
    if (!k && len > LIMIT_UPLOAD_BYTES_MAX)
        k = err_set(err, ERR_TOO_LARGE, "file_too_large", "file", "托收文件超过 %d 字节",
                    LIMIT_UPLOAD_BYTES_MAX);
    if (k) return k;
    arena *ar = arena_create(64 * 1024);
    textbuf b = {0};
    k = simulate(ar, file_text, len, fail_every, &b, err);
    arena_destroy(ar);
    if (k) {
        free(b.p);
        return k;
    }
    *reply_out = b.p;
    return ERR_OK;
}

/* ---- the reply: reading and checking ---- */

typedef struct rline {
    bank_detail d;
    bool paid;
    const char *reason;
    int64_t line_id, unit_id, person_id;   /* the bill's payer */
    bool skip;   /* replied before with the same result: nothing to do */
    bool bad;    /* its result is unreadable: reported, not checked further */
} rline;

typedef struct reply {
    const char *file_name, *bank;
    int64_t file_id;
    month_ym month;
    rline *l;
    int n, cap;
    bool trailer;
    int trailer_no;
    int64_t t_count, t_total, t_paid_count, t_paid_fen;
    int problems;   /* every problem counted; the first ERR_RULES_MAX - 1 listed */
} reply;

static void problem(err_detail *err, reply *r, const char *code, const char *data,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void problem(err_detail *err, reply *r, const char *code, const char *data,
                    const char *fmt, ...) {
    r->problems++;
    if (r->problems >= ERR_RULES_MAX) return;   /* the last slot says how many more */
    char msg[MSG_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    err_rule_add(err, code, data, "%s", msg);
}

static err_kind problems_finish(err_detail *err, const reply *r) {
    if (r->problems == 0) return ERR_OK;
    if (r->problems >= ERR_RULES_MAX) {
        int listed = ERR_RULES_MAX - 1;
        char data[DATA_BYTES];
        snprintf(data, sizeof data, "{\"count\":%d,\"listed\":%d}", r->problems, listed);
        err_rule_add(err, "more_problems", data, "另有 %d 处问题未列出（共 %d 处），请修正后重新导入",
                     r->problems - listed, r->problems);
    }
    err_rules_finish(err);
    snprintf(err->message, sizeof err->message, "回盘文件有 %d 处问题，整个文件未导入", r->problems);
    return ERR_RULE;
}

static char *line_data(arena *ar, int line_no, int64_t bill_id) {
    return arena_printf(ar, "{\"line\":%d,\"bill_id\":%" PRId64 "}", line_no, bill_id);
}

static void rline_push(arena *ar, reply *r, const rline *l) {
    if (r->n == r->cap) {
        int cap = r->cap ? r->cap * 2 : 64;
        rline *nl = arena_alloc(ar, sizeof *nl * (size_t)cap);
        if (r->n) memcpy(nl, r->l, sizeof *nl * (size_t)r->n);
        r->l = nl;
        r->cap = cap;
    }
    r->l[r->n++] = *l;
}

static void bad_line(svc_ctx *ctx, reply *r, int line_no, const char *why, err_detail *err) {
    problem(err, r, "bad_line", arena_printf(ctx->ar, "{\"line\":%d}", line_no), "第 %d 行格式不正确：%s",
            line_no, why);
}

static void reply_detail(svc_ctx *ctx, char *line, int line_no, reply *r, err_detail *err) {
    char *f[FIELDS_MAX];
    int n = fields_split(line, f, FIELDS_MAX);
    rline l = {.d.line_no = line_no};
    const char *why = n == REPLY_DETAIL_FIELDS ? detail_parse(f, &l.d) : "明细行应有 12 个字段";
    if (!why && r->trailer) why = "明细行在尾行之后";
    if (!why && strlen(f[11]) > COLLECT_REASON_BYTES_MAX) why = "原因过长";
    if (why) {
        bad_line(ctx, r, line_no, why, err);
        return;
    }
    l.paid = strcmp(f[10], "PAID") == 0;
    l.bad = !l.paid && (strcmp(f[10], "FAILED") != 0 || !*f[11]);
    if (!l.paid && strcmp(f[10], "FAILED") != 0)
        problem(err, r, "bad_result", line_data(ctx->ar, line_no, l.d.bill_id),
                "第 %d 行结果应为 PAID 或 FAILED", line_no);
    else if (!l.paid && !*f[11])
        problem(err, r, "reason_missing", line_data(ctx->ar, line_no, l.d.bill_id),
                "第 %d 行扣款失败但没有写明原因", line_no);
    l.reason = arena_strdup(ctx->ar, f[11]);
    rline_push(ctx->ar, r, &l);
}

static void reply_trailer(svc_ctx *ctx, char *line, int line_no, reply *r, err_detail *err) {
    char *f[FIELDS_MAX];
    int n = fields_split(line, f, FIELDS_MAX);
    if (r->trailer) {
        bad_line(ctx, r, line_no, "尾行重复", err);
        return;
    }
    if (n != REPLY_TRAILER_FIELDS || !parse_number(f[1], &r->t_count) ||
        !parse_number(f[2], &r->t_total) || !parse_number(f[3], &r->t_paid_count) ||
        !parse_number(f[4], &r->t_paid_fen)) {
        bad_line(ctx, r, line_no, "尾行应为 T|笔数|合计|成功笔数|成功金额", err);
        return;
    }
    r->trailer = true;
    r->trailer_no = line_no;
}

static err_kind reply_header(svc_ctx *ctx, text_cursor *c, reply *r, err_detail *err) {
    char *line = NULL, *f[FIELDS_MAX];
    int n = next_line(ctx->ar, c, &line) ? fields_split(line, f, FIELDS_MAX) : 0;
    if (n != HEADER_FIELDS || strcmp(f[0], "H") != 0 || strcmp(f[1], REPLY_MAGIC) != 0 ||
        strcmp(f[2], FORMAT_VERSION) != 0 || !parse_month_field(f[5], &r->month)) {
        problem(err, r, "bad_header", "{\"line\":1}",
                "第 1 行应为 H|SIPF-REPLY|1|托收文件名|银行|年月(YYYYMM)|日期");
        return problems_finish(err, r);
    }
    r->file_name = arena_strdup(ctx->ar, f[3]);
    r->bank = arena_strdup(ctx->ar, f[4]);
    return ERR_OK;
}

static err_kind reply_read(svc_ctx *ctx, const char *text, size_t len, reply *r, err_detail *err) {
    int64_t max_lines = 0;
    err_kind k = policy_get_int(ctx->pol, "bank.reply_max_lines", ctx->business_date, &max_lines, err);
    text_cursor c = {text, text + len, 0};
    if (!k) k = reply_header(ctx, &c, r, err);
    char *line = NULL;
    while (!k && next_line(ctx->ar, &c, &line)) {
        if (c.no > max_lines + 2)   /* header and trailer besides the lines */
            return err_set(err, ERR_TOO_LARGE, "too_many_lines", "file", "回盘文件超过 %" PRId64 " 行",
                           max_lines);
        if (!*line) continue;
        if (line[0] == 'D' && line[1] == '|')
            reply_detail(ctx, line, c.no, r, err);
        else if (line[0] == 'T' && line[1] == '|')
            reply_trailer(ctx, line, c.no, r, err);
        else
            bad_line(ctx, r, c.no, "行类型应为 D（明细）或 T（尾行）", err);
    }
    return k;
}

static err_kind file_find(svc_ctx *ctx, reply *r, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_COLLECT_FILE_BY_NAME, &st, err);
    if (k) return k;
    store_bind_text(st, 1, r->file_name);
    bool row = false;
    k = store_step(st, &row, err);
    month_ym month = 0;
    if (!k && row) {
        r->file_id = store_col_int(st, 0);
        month = (month_ym)store_col_int(st, 2);
    }
    store_stmt_done(st);
    if (k) return k;
    char echo[ERR_ECHO_BYTES];
    err_echo(r->file_name, echo);
    for (char *p = echo; *p; p++)   /* it goes into the rule's JSON too */
        if (*p == '"' || *p == '\\') *p = '?';
    if (!row) {
        problem(err, r, "unknown_file", arena_printf(ctx->ar, "{\"line\":1,\"file_name\":\"%s\"}", echo),
                "没有名为 %s 的托收文件", echo);
        return problems_finish(err, r);
    }
    if (month != r->month)
        problem(err, r, "header_mismatch",
                arena_printf(ctx->ar, "{\"line\":1,\"month\":%d,\"sent_month\":%d}", (int)r->month, (int)month),
                "首行年月 %06d 与托收文件的 %06d 不符", (int)r->month, (int)month);
    return ERR_OK;
}

typedef struct sent_line {
    bool found;
    int64_t id, amount_fen, fee_fen, unit_id, person_id;
    char result[8];
    char bill_status[16];
} sent_line;

static err_kind sent_get(svc_ctx *ctx, int64_t file_id, int64_t bill_id, sent_line *s,
                         err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_COLLECT_LINE_OF, &st, err);
    if (k) return k;
    store_bind_int(st, 1, file_id);
    store_bind_int(st, 2, bill_id);
    bool row = false;
    k = store_step(st, &row, err);
    memset(s, 0, sizeof *s);
    if (!k && row) {
        *s = (sent_line){.found = true, .id = store_col_int(st, 0), .amount_fen = store_col_int(st, 1),
                         .fee_fen = store_col_int(st, 2), .unit_id = store_col_int(st, 6),
                         .person_id = store_col_int(st, 8)};
        snprintf(s->result, sizeof s->result, "%s", store_col_text(st, 3));
        snprintf(s->bill_status, sizeof s->bill_status, "%s", store_col_text(st, 5));
    }
    store_stmt_done(st);
    return k;
}

static err_kind bill_lines_sum(svc_ctx *ctx, int64_t bill_id, money_fen *out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_COLLECT_BILL_LINES_SUM, &st, err);
    if (k) return k;
    store_bind_int(st, 1, bill_id);
    bool row = false;
    k = store_step(st, &row, err);
    *out = row ? store_col_int(st, 0) : 0;
    store_stmt_done(st);
    return k;
}

static void amount_differs(svc_ctx *ctx, reply *r, const rline *l, const sent_line *s,
                           err_detail *err) {
    int no = l->d.line_no;
    problem(err, r, "amount_differs",
            arena_printf(ctx->ar, "{\"line\":%d,\"bill_id\":%" PRId64 ",\"sent_fen\":%" PRId64
                         ",\"replied_fen\":%" PRId64 "}", no, l->d.bill_id, s->amount_fen, l->d.total_fen),
            "第 %d 行：账单 %" PRId64 " 回盘金额 %s 元（滞纳金 %s 元）与托收金额 %s 元（滞纳金 %s 元）不符", no,
            l->d.bill_id, yuan(ctx->ar, l->d.total_fen), yuan(ctx->ar, l->d.fee_fen),
            yuan(ctx->ar, s->amount_fen), yuan(ctx->ar, s->fee_fen));
}

/* A new result: the bill still waits for this collection, and a paid bill's
 * lines add up to what the bank paid (else its accounts could not balance). */
static err_kind new_result_check(svc_ctx *ctx, reply *r, const rline *l, const sent_line *s,
                                 err_detail *err) {
    int no = l->d.line_no;
    if (strcmp(s->bill_status, "sent") != 0 || (s->unit_id <= 0 && s->person_id <= 0)) {
        problem(err, r, "bill_not_sent", line_data(ctx->ar, no, l->d.bill_id),
                "第 %d 行：账单 %" PRId64 " 当前状态为 %s，不在托收中", no, l->d.bill_id, s->bill_status);
        return ERR_OK;
    }
    money_fen sum = 0;
    err_kind k = l->paid ? bill_lines_sum(ctx, l->d.bill_id, &sum, err) : ERR_OK;
    if (!k && l->paid && sum != l->d.amount_fen)
        problem(err, r, "bill_lines_mismatch", line_data(ctx->ar, no, l->d.bill_id),
                "第 %d 行：账单 %" PRId64 " 明细合计 %s 元与应缴金额 %s 元不符，无法记账", no, l->d.bill_id,
                yuan(ctx->ar, sum), yuan(ctx->ar, l->d.amount_fen));
    return k;
}

/* One line against what was sent: the bill in the file, the same amounts,
 * not replied before with another result. Rule data is made only for a
 * problem: a good line of a big reply costs no arena. */
static err_kind line_check(svc_ctx *ctx, reply *r, rline *l, err_detail *err) {
    sent_line s;
    err_kind k = sent_get(ctx, r->file_id, l->d.bill_id, &s, err);
    if (k) return k;
    int no = l->d.line_no;
    if (!s.found) {
        problem(err, r, "unknown_bill", line_data(ctx->ar, no, l->d.bill_id),
                "第 %d 行：账单 %" PRId64 " 不在托收文件 %s 中", no, l->d.bill_id, r->file_name);
        return ERR_OK;
    }
    if (s.amount_fen != l->d.total_fen || s.fee_fen != l->d.fee_fen) {
        amount_differs(ctx, r, l, &s, err);
        return ERR_OK;
    }
    l->line_id = s.id;
    l->unit_id = s.unit_id;
    l->person_id = s.person_id;
    if (!*s.result) return new_result_check(ctx, r, l, &s, err);
    l->skip = strcmp(s.result, l->paid ? "paid" : "failed") == 0;
    if (!l->skip)
        problem(err, r, "already_replied", line_data(ctx->ar, no, l->d.bill_id),
                "第 %d 行：账单 %" PRId64 " 已回盘为%s，不能改为%s", no, l->d.bill_id,
                strcmp(s.result, "paid") == 0 ? "扣款成功" : "扣款失败", l->paid ? "扣款成功" : "扣款失败");
    return ERR_OK;
}

static int rline_by_bill(const void *a, const void *b) {
    const rline *x = *(const rline *const *)a, *y = *(const rline *const *)b;
    if (x->d.bill_id != y->d.bill_id) return x->d.bill_id < y->d.bill_id ? -1 : 1;
    return x->d.line_no - y->d.line_no;
}

static void duplicates_check(svc_ctx *ctx, reply *r, err_detail *err) {
    if (r->n < 2) return;
    const rline **idx = arena_alloc(ctx->ar, sizeof *idx * (size_t)r->n);
    for (int i = 0; i < r->n; i++) idx[i] = &r->l[i];
    qsort(idx, (size_t)r->n, sizeof *idx, rline_by_bill);
    for (int i = 1; i < r->n; i++)
        if (idx[i]->d.bill_id == idx[i - 1]->d.bill_id)
            problem(err, r, "duplicate_line", line_data(ctx->ar, idx[i]->d.line_no, idx[i]->d.bill_id),
                    "第 %d 行：账单 %" PRId64 " 与第 %d 行重复", idx[i]->d.line_no, idx[i]->d.bill_id,
                    idx[i - 1]->d.line_no);
}

static void trailer_check(svc_ctx *ctx, reply *r, err_detail *err) {
    int64_t total = 0, paid = 0, paid_fen = 0;
    for (int i = 0; i < r->n; i++) {
        total += r->l[i].d.total_fen;
        paid += r->l[i].paid;
        paid_fen += r->l[i].paid ? r->l[i].d.total_fen : 0;
    }
    if (!r->trailer) {
        problem(err, r, "trailer_missing", "{}", "回盘文件缺少尾行 T|笔数|合计|成功笔数|成功金额");
        return;
    }
    if (r->t_count != r->n || r->t_total != total || r->t_paid_count != paid || r->t_paid_fen != paid_fen)
        problem(err, r, "trailer_mismatch",
                arena_printf(ctx->ar, "{\"line\":%d,\"count\":%d,\"total_fen\":%" PRId64
                             ",\"paid_count\":%" PRId64 ",\"paid_fen\":%" PRId64 "}",
                             r->trailer_no, r->n, total, paid, paid_fen),
                "第 %d 行尾行与明细不符：明细 %d 笔合计 %s 元，其中成功 %" PRId64 " 笔 %s 元", r->trailer_no,
                r->n, yuan(ctx->ar, total), paid, yuan(ctx->ar, paid_fen));
}

static err_kind reply_check(svc_ctx *ctx, reply *r, err_detail *err) {
    err_kind k = file_find(ctx, r, err);
    if (k) return k;
    if (r->n == 0 && r->problems == 0)
        problem(err, r, "no_lines", "{}", "回盘文件没有明细行");
    for (int i = 0; !k && i < r->n; i++)
        if (!r->l[i].bad) k = line_check(ctx, r, &r->l[i], err);
    if (k) return k;
    duplicates_check(ctx, r, err);
    trailer_check(ctx, r, err);
    return problems_finish(err, r);
}

/* ---- the reply: applying ---- */

/* Where an assessment line's money goes. */
enum {
    T_PENSION_ACCOUNT = 0, T_MEDICAL_ACCOUNT, T_HOUSING_FUND, T_HOUSING_SUBSIDY,
    T_POOL_PENSION, T_POOL_MEDICAL, T_POOL_UNEMPLOYMENT, T_POOL_INJURY, T_POOL_MATERNITY,
    T_COUNT
};
static const char *const target_kinds[T_COUNT] = {
    "pension_account", "medical_account", "housing_fund", "housing_subsidy", "pool_pension",
    "pool_medical", "pool_unemployment", "pool_injury", "pool_maternity"};

typedef struct alloc_line {
    int64_t person_id;
    month_ym month;
    reg_insurance ins;
    bool subsidy;
    money_fen unit_fen, personal_fen;
} alloc_line;

typedef struct alloc_lines {
    alloc_line *a;
    int n, cap;
} alloc_lines;

/* On the heap and freed after each bill: a reply pays many bills in one
 * request, and their lines would pile up in the request's arena. */
static void alloc_push(alloc_lines *l, const alloc_line *x) {
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 64;
        alloc_line *na = realloc(l->a, sizeof *na * (size_t)cap);
        if (!na) abort();
        l->a = na;
        l->cap = cap;
    }
    l->a[l->n++] = *x;
}

static err_kind alloc_load(svc_ctx *ctx, int64_t bill_id, alloc_lines *l, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_COLLECT_BILL_ASSESSMENTS, &st, err);
    if (k) return k;
    store_bind_int(st, 1, bill_id);
    store_bind_int(st, 2, COLLECT_ASSESSMENTS_MAX);
    bool row = true;
    for (int n = 0; !k && n < COLLECT_ASSESSMENTS_MAX; n++) {
        k = store_step(st, &row, err);
        if (k || !row) break;
        alloc_line x = {.person_id = store_col_int(st, 0), .month = (month_ym)store_col_int(st, 1),
                        .subsidy = strcmp(store_col_text(st, 3), "subsidy") == 0,
                        .unit_fen = store_col_int(st, 4), .personal_fen = store_col_int(st, 5)};
        k = reg_insurance_parse(store_col_text(st, 2), "insurance", &x.ins, err);
        if (!k) alloc_push(l, &x);
    }
    store_stmt_done(st);
    return k;
}

/* The individual-account part of a pension or medical line: each part times
 * its share, rounded half up; the pool takes the rest, so nothing is lost. */
static err_kind account_part(svc_ctx *ctx, const alloc_line *x, money_fen *out, err_detail *err) {
    const char *ins = reg_insurance_name(x->ins);
    char kp[KEY_BYTES], ku[KEY_BYTES];   /* per line: no arena growth over a big reply */
    snprintf(kp, sizeof kp, "%s.account_from_personal_bp", ins);
    snprintf(ku, sizeof ku, "%s.account_from_unit_bp", ins);
    date_days on = month_first_day(x->month);
    int64_t pbp = 0, ubp = 0;
    err_kind k = policy_get_int(ctx->pol, kp, on, &pbp, err);
    if (!k) k = policy_get_int(ctx->pol, ku, on, &ubp, err);
    if (!k)
        *out = money_apply_rate(x->personal_fen, pbp, BP, ROUND_HALF_UP) +
               money_apply_rate(x->unit_fen, ubp, BP, ROUND_HALF_UP);
    return k;
}

static err_kind line_split(svc_ctx *ctx, const alloc_line *x, money_fen credit[T_COUNT],
                           err_detail *err) {
    money_fen all = x->unit_fen + x->personal_fen, acc = 0;
    err_kind k = ERR_OK;
    switch (x->ins) {
    case INS_PENSION:
    case INS_MEDICAL: {
        bool pension = x->ins == INS_PENSION;
        /* A subsidy credit (医疗补助增记) is the member's own, whole. */
        if (x->subsidy) acc = all;
        else k = account_part(ctx, x, &acc, err);
        credit[pension ? T_PENSION_ACCOUNT : T_MEDICAL_ACCOUNT] += acc;
        credit[pension ? T_POOL_PENSION : T_POOL_MEDICAL] += all - acc;
        break;
    }
    case INS_HOUSING_FUND: credit[T_HOUSING_FUND] += all; break;
    case INS_HOUSING_SUBSIDY: credit[T_HOUSING_SUBSIDY] += all; break;
    case INS_UNEMPLOYMENT: credit[T_POOL_UNEMPLOYMENT] += all; break;
    case INS_INJURY: credit[T_POOL_INJURY] += all; break;
    case INS_MATERNITY: credit[T_POOL_MATERNITY] += all; break;
    default: k = err_set(err, ERR_INTERNAL, "bad_assessment", NULL, "内部错误：未知险种"); break;
    }
    return k;
}

enum { T_PERSON_KINDS = T_POOL_PENSION };   /* targets before it are the person's own */

static err_kind target_account(svc_ctx *ctx, int t, int64_t person_id, int64_t *id,
                               err_detail *err) {
    return t < T_PERSON_KINDS
               ? ledger_account(ctx->tx, OWNER_PERSON, person_id, target_kinds[t], id, err)
               : ledger_account(ctx->tx, OWNER_POOL, 0, target_kinds[t], id, err);
}

/* One person's month of a bill: Dr contributions due, Cr the accounts. */
static err_kind alloc_post(svc_ctx *ctx, int64_t bill_id, const alloc_line *x, int n,
                           err_detail *err) {
    money_fen credit[T_COUNT] = {0}, total = 0;
    err_kind k = ERR_OK;
    for (int i = 0; !k && i < n; i++) {
        total += x[i].unit_fen + x[i].personal_fen;
        k = line_split(ctx, &x[i], credit, err);
    }
    if (k || total == 0) return k;
    int64_t due = 0;
    k = ledger_account(ctx->tx, OWNER_POOL, 0, "contrib_due", &due, err);
    ledger_posting p[T_COUNT + 1] = {{due, total, x->month}};
    int np = 1;
    for (int t = 0; !k && t < T_COUNT; t++) {
        if (credit[t] == 0) continue;
        p[np] = (ledger_posting){0, -credit[t], x->month};
        k = target_account(ctx, t, x->person_id, &p[np].account_id, err);
        np++;
    }
    if (k) return k;
    char key[LEDGER_IDEM_KEY_BYTES];
    snprintf(key, sizeof key, "alloc:%" PRId64 ":%" PRId64 ":%d", bill_id, x->person_id, (int)x->month);
    char memo[MEMO_BYTES], m[MONTH_STR_BYTES];
    month_format(x->month, m);
    snprintf(memo, sizeof memo, "托收到账分配 账单 %" PRId64 " %s", bill_id, m);
    int64_t entry = 0;
    return ledger_post(ctx->tx, key, ctx->business_date, "alloc", memo, p, np, ctx->now_ms, &entry,
                       NULL, err);
}

static err_kind alloc_bill(svc_ctx *ctx, int64_t bill_id, money_fen amount, err_detail *err) {
    alloc_lines l = {0};
    err_kind k = alloc_load(ctx, bill_id, &l, err);
    money_fen sum = 0;
    for (int i = 0; i < l.n; i++) sum += l.a[i].unit_fen + l.a[i].personal_fen;
    if (!k && sum != amount)
        k = err_set(err, ERR_CONFLICT, "bill_lines_mismatch", NULL,
                    "第 %" PRId64 " 号账单明细合计 %s 元与托收金额 %s 元不符，未导入", bill_id,
                    yuan(ctx->ar, sum), yuan(ctx->ar, amount));
    for (int i = 0, j; !k && i < l.n; i = j) {
        for (j = i; j < l.n && l.a[j].person_id == l.a[i].person_id && l.a[j].month == l.a[i].month; j++) {}
        k = alloc_post(ctx, bill_id, l.a + i, j - i, err);
    }
    free(l.a);
    return k;
}

static err_kind post_two(svc_ctx *ctx, const char *key, const char *kind, const char *memo,
                         int64_t debit, int64_t credit, money_fen amount, month_ym month,
                         err_detail *err) {
    if (amount == 0) return ERR_OK;
    ledger_posting p[2] = {{debit, amount, month}, {credit, -amount, month}};
    int64_t entry = 0;
    return ledger_post(ctx->tx, key, ctx->business_date, kind, memo, p, 2, ctx->now_ms, &entry, NULL,
                       err);
}

/* Bank clearing against the payer's receivable (the unit's, or the person's
 * for what they pay themself), and the late fee against its pool. */
static err_kind post_paid(svc_ctx *ctx, const rline *l, month_ym month, err_detail *err) {
    int64_t bank = 0, receivable = 0, fees = 0;
    err_kind k = ledger_account(ctx->tx, OWNER_BANK, 0, "bank_clearing", &bank, err);
    if (!k)
        k = l->unit_id > 0 ? ledger_account(ctx->tx, OWNER_UNIT, l->unit_id, "receivable", &receivable, err)
                           : ledger_account(ctx->tx, OWNER_PERSON, l->person_id, "receivable", &receivable, err);
    if (!k && l->d.fee_fen) k = ledger_account(ctx->tx, OWNER_POOL, 0, "late_fees", &fees, err);
    if (k) return k;
    int64_t bill = l->d.bill_id;
    char key[LEDGER_IDEM_KEY_BYTES], memo[MEMO_BYTES];
    snprintf(key, sizeof key, "paid:%" PRId64, bill);
    snprintf(memo, sizeof memo, "托收到账 账单 %" PRId64, bill);
    k = post_two(ctx, key, "paid", memo, bank, receivable, l->d.amount_fen, month, err);
    snprintf(key, sizeof key, "late_fee:%" PRId64, bill);
    snprintf(memo, sizeof memo, "滞纳金到账 账单 %" PRId64, bill);
    if (!k) k = post_two(ctx, key, "late_fee", memo, bank, fees, l->d.fee_fen, month, err);
    return k;
}

static err_kind changed_one(svc_ctx *ctx, const rline *l, err_detail *err) {
    if (store_changes(ctx->tx) == 1) return ERR_OK;
    return err_set(err, ERR_CONFLICT, "bill_changed", NULL,
                   "第 %d 行：账单 %" PRId64 " 的状态刚被改变，请重新导入", l->d.line_no, l->d.bill_id);
}

static err_kind apply_paid(svc_ctx *ctx, const rline *l, const char *today, err_detail *err) {
    err_kind k = store_exec(ctx->tx, STORE_Q_COLLECT_LINE_REPLY, err, "ittt", l->line_id, "paid",
                            l->reason, today);
    if (!k) k = changed_one(ctx, l, err);
    if (!k) k = store_exec(ctx->tx, STORE_Q_COLLECT_BILL_PAID, err, "iti", l->d.bill_id, today, ctx->now_ms);
    if (!k) k = changed_one(ctx, l, err);
    if (!k) k = post_paid(ctx, l, l->d.month, err);
    if (!k) k = alloc_bill(ctx, l->d.bill_id, l->d.amount_fen, err);
    if (!k)
        k = store_exec(ctx->tx, STORE_Q_COLLECT_ARREARS_SETTLE, err, "iti", l->d.bill_id, today, l->d.fee_fen);
    if (!k) k = store_exec(ctx->tx, STORE_Q_COLLECT_MED_SUBSIDY_COLLECTED, err, "i", l->d.bill_id);
    return k;
}

static err_kind apply_failed(svc_ctx *ctx, const rline *l, const char *today, err_detail *err) {
    err_kind k = store_exec(ctx->tx, STORE_Q_COLLECT_LINE_REPLY, err, "ittt", l->line_id, "failed",
                            l->reason, today);
    if (!k) k = changed_one(ctx, l, err);
    if (!k) k = store_exec(ctx->tx, STORE_Q_COLLECT_BILL_FAILED, err, "ii", l->d.bill_id, ctx->now_ms);
    if (!k) k = changed_one(ctx, l, err);
    if (!k) k = store_exec(ctx->tx, STORE_Q_COLLECT_ARREARS_FAILED, err, "iti", l->d.bill_id, l->reason,
                           ctx->now_ms);
    return k;
}

typedef struct reply_sum {
    int paid, failed, skipped;
    money_fen paid_fen, fee_fen, failed_fen;
} reply_sum;

static err_kind file_status(svc_ctx *ctx, int64_t file_id, const char **status, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_COLLECT_FILE_PENDING, &st, err);
    if (k) return k;
    store_bind_int(st, 1, file_id);
    bool row = false;
    k = store_step(st, &row, err);
    int64_t pending = row ? store_col_int(st, 0) : 0;
    store_stmt_done(st);
    if (!k && pending == 0) k = store_exec(ctx->tx, STORE_Q_COLLECT_FILE_REPLIED, err, "i", file_id);
    if (!k) *status = pending ? "sent" : "replied";
    return k;
}

static err_kind reply_apply(svc_ctx *ctx, const reply *r, reply_sum *s, err_detail *err) {
    err_kind k = ERR_OK;
    const char *today = date_str(ctx, ctx->business_date);
    for (int i = 0; !k && i < r->n; i++) {
        const rline *l = &r->l[i];
        if (l->skip) {
            s->skipped++;
            continue;
        }
        k = l->paid ? apply_paid(ctx, l, today, err) : apply_failed(ctx, l, today, err);
        if (l->paid) {
            s->paid++;
            s->paid_fen += l->d.total_fen;
            s->fee_fen += l->d.fee_fen;
        } else {
            s->failed++;
            s->failed_fen += l->d.total_fen;
        }
    }
    return k;
}

static json_t *reply_json(const reply *r, const reply_sum *s, const char *status) {
    return json_pack("{s:s, s:s, s:o, s:i, s:i, s:i, s:b, s:{s:i, s:I, s:I}, s:{s:i, s:I}, s:s}",
                     "file_name", r->file_name, "bank", r->bank, "month", jsonx_month_new(r->month),
                     "lines", r->n, "applied", s->paid + s->failed, "already_applied", s->skipped,
                     "already_imported", s->paid + s->failed == 0, "paid", "count", s->paid,
                     "amount_fen", (json_int_t)s->paid_fen, "late_fee_fen", (json_int_t)s->fee_fen,
                     "failed", "count", s->failed, "amount_fen", (json_int_t)s->failed_fen,
                     "file_status", status);
}

err_kind collect_import_reply(svc_ctx *ctx, const char *text, size_t len, json_t **out,
                              err_detail *err) {
    err_kind k = require_roles(ctx, ROLES_FINANCE, "导入银行回盘", err);
    if (!k) k = text_check(text, len, "回盘文件", err);
    if (!k && len > LIMIT_UPLOAD_BYTES_MAX)
        k = err_set(err, ERR_TOO_LARGE, "file_too_large", "file", "回盘文件超过 %d 字节", LIMIT_UPLOAD_BYTES_MAX);
    reply r = {0};
    if (!k) k = reply_read(ctx, text, len, &r, err);
    if (!k) k = reply_check(ctx, &r, err);
    reply_sum s = {0};
    if (!k) k = reply_apply(ctx, &r, &s, err);
    const char *status = "sent";
    if (!k) k = file_status(ctx, r.file_id, &status, err);
    if (!k && s.paid + s.failed > 0) {
        const char *detail = arena_printf(ctx->ar, "paid %d %" PRId64 " fen, failed %d %" PRId64 " fen",
                                          s.paid, s.paid_fen, s.failed, s.failed_fen);
        k = audit_append(ctx, "collect.reply", arena_printf(ctx->ar, "collection_file:%s", r.file_name),
                         "ok", detail, err);
    }
    if (!k) *out = reply_json(&r, &s, status);
    return k;
}

/* ---- arrears and the no-arrears certificate ---- */

/* The unit itself or staff; another unit's arrears do not exist for it. */
static err_kind unit_visible(svc_ctx *ctx, int64_t unit_id, reg_unit *u, err_detail *err) {
    svc_role r = ctx->actor.role;
    if (r == ROLE_UNIT && ctx->actor.unit_id != unit_id)
        return err_set(err, ERR_NOT_FOUND, "unit_not_found", NULL, "单位不存在");
    if (r != ROLE_UNIT && !(ROLE_BIT(r) & ROLES_STAFF))
        return err_set(err, ERR_FORBIDDEN, "forbidden", NULL, "%s无权查询单位欠费", svc_role_name_zh(r));
    return reg_unit_get(ctx, unit_id, u, err);
}

typedef struct arrears_sum {
    int count;
    money_fen amount_fen, fee_fen;
} arrears_sum;

static err_kind arrears_item(svc_ctx *ctx, store_stmt *st, json_t **item, arrears_sum *s,
                             err_detail *err) {
    date_days due = 0;
    money_fen amount = store_col_int(st, 3), fee = 0;
    err_kind k = date_parse(store_col_text(st, 4), "due_on", &due, err);
    if (!k) k = bill_late_fee(ctx, store_col_int(st, 0), store_col_text(st, 2), amount, due, &fee, err);
    if (k) return k;
    int64_t days = ctx->business_date > due ? (int64_t)ctx->business_date - due : 0;
    *item = json_pack("{s:I, s:o, s:s, s:I, s:o, s:I, s:I, s:I, s:s, s:s}", "bill_id",
                      (json_int_t)store_col_int(st, 0), "month", jsonx_month_new((month_ym)store_col_int(st, 1)),
                      "kind", store_col_text(st, 2), "amount_fen", (json_int_t)amount, "due_on",
                      jsonx_date_new(due), "days_late", (json_int_t)days, "late_fee_fen", (json_int_t)fee,
                      "total_fen", (json_int_t)(amount + fee), "reason", store_col_text(st, 5),
                      "bill_status", store_col_text(st, 6));
    s->count++;
    s->amount_fen += amount;
    s->fee_fen += fee;
    return ERR_OK;
}

static err_kind arrears_items(svc_ctx *ctx, int64_t unit_id, json_t *items, arrears_sum *s,
                              err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_COLLECT_UNIT_ARREARS, &st, err);
    if (k) return k;
    store_bind_int(st, 1, unit_id);
    store_bind_int(st, 2, COLLECT_ARREARS_MAX);
    bool row = true;
    for (int n = 0; !k && n < COLLECT_ARREARS_MAX; n++) {
        k = store_step(st, &row, err);
        if (k || !row) break;
        json_t *item = NULL;
        k = arrears_item(ctx, st, &item, s, err);
        /* Totals over every row; the list shows the oldest LIMIT_QUERY_ROWS_MAX. */
        if (!k && json_array_size(items) < LIMIT_QUERY_ROWS_MAX) json_array_append_new(items, item);
        else json_decref(item);
    }
    store_stmt_done(st);
    return k;
}

/* Bills past their due date are marked first, so the answer never misses
 * one. out may be NULL (the total only: unit cancellation). The total is the
 * amounts plus the late fees to the business date. */
err_kind collect_unit_arrears(svc_ctx *ctx, int64_t unit_id, json_t **out, money_fen *total_fen_out,
                              err_detail *err) {
    reg_unit u;
    err_kind k = unit_visible(ctx, unit_id, &u, err);
    if (!k) k = mark_overdue(ctx, unit_id, NULL, err);
    json_t *items = json_array();
    arrears_sum s = {0};
    if (!k) k = arrears_items(ctx, unit_id, items, &s, err);
    if (k || !out) {
        json_decref(items);
        if (!k && total_fen_out) *total_fen_out = s.amount_fen + s.fee_fen;
        return k;
    }
    *out = json_pack("{s:I, s:s, s:s, s:o, s:i, s:I, s:I, s:I, s:o}", "unit_id", (json_int_t)unit_id,
                     "unit_code", u.code, "unit_name", u.name, "as_of", jsonx_date_new(ctx->business_date),
                     "count", s.count, "amount_fen", (json_int_t)s.amount_fen, "late_fee_fen",
                     (json_int_t)s.fee_fen, "total_fen", (json_int_t)(s.amount_fen + s.fee_fen), "items", items);
    if (total_fen_out) *total_fen_out = s.amount_fen + s.fee_fen;
    return ERR_OK;
}

static void arrears_rule(svc_ctx *ctx, const json_t *it, err_detail *err) {
    json_int_t bill = json_integer_value(json_object_get(it, "bill_id"));
    json_int_t amount = json_integer_value(json_object_get(it, "amount_fen"));
    json_int_t fee = json_integer_value(json_object_get(it, "late_fee_fen"));
    json_int_t days = json_integer_value(json_object_get(it, "days_late"));
    const char *month = json_string_value(json_object_get(it, "month"));
    const char *due = json_string_value(json_object_get(it, "due_on"));
    char data[DATA_BYTES];
    snprintf(data, sizeof data,
             "{\"bill_id\":%lld,\"month\":\"%s\",\"amount_fen\":%lld,\"late_fee_fen\":%lld,"
             "\"due_on\":\"%s\",\"days_late\":%lld}",
             (long long)bill, month, (long long)amount, (long long)fee, due, (long long)days);
    err_rule_add(err, "arrears_outstanding", data, "%s 账单（第 %lld 号）欠费 %s 元，滞纳金 %s 元（%s 到期，逾期 %lld 天）",
                 month, (long long)bill, yuan(ctx->ar, amount), yuan(ctx->ar, fee), due, (long long)days);
}

static err_kind arrears_refusal(svc_ctx *ctx, const json_t *a, err_detail *err) {
    const json_t *items = json_object_get(a, "items");
    size_t n = (size_t)json_integer_value(json_object_get(a, "count"));
    size_t listed = n < ERR_RULES_MAX ? n : ERR_RULES_MAX - 1;
    for (size_t i = 0; i < listed; i++) arrears_rule(ctx, json_array_get(items, i), err);
    if (listed < n) {
        char data[DATA_BYTES];
        snprintf(data, sizeof data, "{\"count\":%zu,\"listed\":%zu,\"total_fen\":%lld}", n, listed,
                 (long long)json_integer_value(json_object_get(a, "total_fen")));
        err_rule_add(err, "arrears_outstanding", data, "另有 %zu 笔欠费未列出；欠费及滞纳金合计 %s 元", n - listed,
                     yuan(ctx->ar, json_integer_value(json_object_get(a, "total_fen"))));
    }
    return err_rules_finish(err);
}

err_kind collect_no_arrears_certificate(svc_ctx *ctx, int64_t unit_id, json_t **out,
                                        err_detail *err) {
    json_t *a = NULL;
    err_kind k = collect_unit_arrears(ctx, unit_id, &a, NULL, err);
    if (k) return k;
    if (json_integer_value(json_object_get(a, "count")) > 0) {
        k = arrears_refusal(ctx, a, err);
        json_decref(a);
        return k;
    }
    const char *day = date_str(ctx, ctx->business_date);
    json_t *c = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "unit_id", (json_int_t)unit_id, "unit_code",
                          json_string_value(json_object_get(a, "unit_code")), "unit_name",
                          json_string_value(json_object_get(a, "unit_name")), "date", day, "title",
                          "无欠费证明", "statement", arena_printf(ctx->ar, "截至 %s 无欠费", day));
    json_decref(a);
    k = audit_append(ctx, "collect.no_arrears_certificate", arena_printf(ctx->ar, "unit:%" PRId64, unit_id),
                     "ok", day, err);
    if (k) {
        json_decref(c);
        return k;
    }
    *out = c;
    return ERR_OK;
}

/* ---- a person's withholding card ---- */

static err_kind card_subject(svc_ctx *ctx, int64_t person_id, unsigned roles, const char *doing,
                             err_detail *err) {
    int64_t scope = 0;
    err_kind k = reg_person_visible(ctx, person_id, &scope, err);
    return k ? k : require_roles(ctx, roles, doing, err);
}

static err_kind card_json(svc_ctx *ctx, int64_t person_id, json_t **out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_COLLECT_CARD_GET, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    bool row = false;
    k = store_step(st, &row, err);
    json_t *card = !k && row ? json_pack("{s:s, s:s, s:s}", "bank_name", store_col_text(st, 0), "bank_account",
                                         store_col_text(st, 1), "signed_on", store_col_text(st, 2))
                             : json_null();
    store_stmt_done(st);
    if (k) {
        json_decref(card);
        return k;
    }
    *out = json_pack("{s:I, s:o}", "person_id", (json_int_t)person_id, "card", card);
    return ERR_OK;
}

err_kind collect_card_set(svc_ctx *ctx, int64_t person_id, const char *bank_name, const char *bank_account,
                          json_t **out, err_detail *err) {
    err_kind k = card_subject(ctx, person_id, ROLE_BIT(ROLE_PERSON) | ROLE_BIT(ROLE_CLERK) | ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_SYSTEM),
                              "签订委托扣款协议", err);
    if (!k) k = reg_bank_card_check(bank_name, bank_account, err);
    if (!k)
        k = store_exec(ctx->tx, STORE_Q_COLLECT_CARD_UPSERT, err, "ittti", person_id, bank_name, bank_account,
                       date_str(ctx, ctx->business_date), ctx->now_ms);
    const char *target = arena_printf(ctx->ar, "person:%" PRId64, person_id);
    if (!k) k = audit_append(ctx, "collect.card", target, "ok", bank_name, err);
    return k ? k : card_json(ctx, person_id, out, err);
}

err_kind collect_card_get(svc_ctx *ctx, int64_t person_id, json_t **out, err_detail *err) {
    err_kind k = card_subject(ctx, person_id, ROLE_BIT(ROLE_PERSON) | ROLES_STAFF, "查询委托扣款协议", err);
    const char *target = arena_printf(ctx->ar, "person:%" PRId64, person_id);
    if (!k) k = audit_append(ctx, "collect.card.read", target, "ok", NULL, err);
    return k ? k : card_json(ctx, person_id, out, err);
}
