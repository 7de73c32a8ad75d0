/* Back-payments (补缴), the upward base adjustment with its difference
 * (差额补收) and medical subsidy credits (医疗补助增记); see svc/backpay.h
 * and docs/contributions.md.
 *
 * Every amount comes from contrib_quote_compute under the policy of the
 * month it concerns; every limit from the policy (backpay.*,
 * contrib.due_day, med_subsidy.generate_fen). A bill made here is posted to
 * the ledger like a regular one: Dr the unit's receivable, Cr the pool of
 * contributions due, key "bill:<id>". */
#include "svc/backpay.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonx.h"
#include "base/limits.h"
#include "ledger/ledger.h"
#include "svc/application.h"
#include "svc/audit.h"
#include "svc/contribution.h"
#include "svc/registry.h"
#include "svc/registry_unit.h"

#define BIT(i) (1u << (i))
#define SI_SET (BIT(INS_PENSION) | BIT(INS_MEDICAL) | BIT(INS_UNEMPLOYMENT) | BIT(INS_INJURY) | \
                BIT(INS_MATERNITY))
#define HOUSING_SET (BIT(INS_HOUSING_FUND) | BIT(INS_HOUSING_SUBSIDY))

static const char LONG_ITEM[] = "contrib.backpay.si-6m-3y";

/* Input sanity for wages and amounts (1,000,000,000 yuan), not a policy limit. */
#define AMOUNT_FEN_MAX INT64_C(100000000000)

enum {
    SPANS_MAX = 64,            /* spans of one insurance at one unit in a period */
    MONTHS_CHECKED_MAX = 120,  /* a longer period is refused for its age; its months are not listed */
    RAISE_GROUPS_MAX = 1000,   /* billed (month, insurance, span) groups of one policy year */
    MEMBERS_MAX = LIMIT_ROSTER_ROWS_MAX,
    KEY_BYTES = LEDGER_IDEM_KEY_BYTES,
    DATA_BYTES = 256,
};

/* ---- small helpers ---- */

/* Adds a failed rule; data (stolen, may be NULL) becomes its data_json. */
static void rule(err_detail *err, const char *code, json_t *data, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void rule(err_detail *err, const char *code, json_t *data, const char *fmt, ...) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char *dump = data ? json_dumps(data, JSON_COMPACT) : NULL;
    char text[DATA_BYTES] = "";
    if (dump && strlen(dump) < sizeof text) snprintf(text, sizeof text, "%s", dump);
    err_rule_add(err, code, text[0] ? text : NULL, "%s", msg);
    free(dump);
    json_decref(data);
}

static const char *month_str(svc_ctx *ctx, month_ym m) {
    char b[MONTH_STR_BYTES];
    month_format(m, b);
    return arena_strdup(ctx->ar, b);
}

static const char *date_str(svc_ctx *ctx, date_days d) {
    char b[DATE_STR_BYTES];
    date_format(d, b);
    return arena_strdup(ctx->ar, b);
}

static bool is_counter(svc_role r) {
    return r == ROLE_CLERK || r == ROLE_ADMIN || r == ROLE_SYSTEM;
}

static err_kind exists2(svc_ctx *ctx, store_query q, int64_t a, int64_t b, bool *out,
                        err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, q, &st, err);
    if (k) return k;
    store_bind_int(st, 1, a);
    store_bind_int(st, 2, b);
    bool row = false;
    k = store_step(st, &row, err);
    store_stmt_done(st);
    if (!k) *out = row;
    return k;
}

static err_kind audit_person(svc_ctx *ctx, const char *action, int64_t person_id,
                             const char *detail, err_detail *err) {
    char target[48];
    snprintf(target, sizeof target, "person:%" PRId64, person_id);
    return audit_append(ctx, action, target, "ok", detail, err);
}

/* The unit an operation acts for: a unit operator's own (another is "not
 * found"); the counter names it. */
static err_kind subject_unit(svc_ctx *ctx, int64_t requested, int64_t *out, err_detail *err) {
    if (ctx->actor.role == ROLE_UNIT) {
        if (ctx->actor.unit_id <= 0 || (requested && requested != ctx->actor.unit_id))
            return err_set(err, ERR_NOT_FOUND, "unit_not_found", "unit_id", "未找到该单位");
        *out = ctx->actor.unit_id;
        return ERR_OK;
    }
    if (!is_counter(ctx->actor.role))
        return err_set(err, ERR_FORBIDDEN, "forbidden", NULL, "当前角色（%s）不能办理单位缴费业务",
                       svc_role_name_zh(ctx->actor.role));
    if (requested <= 0)
        return err_set(err, ERR_INVALID, "missing_field", "unit_id", "请指明单位（unit_id）");
    reg_unit u;
    err_kind k = reg_unit_get(ctx, requested, &u, err);
    if (!k) *out = requested;
    return k;
}

/* The person, as the actor may see them: a unit operator only persons who
 * were ever insured at its unit (anyone else is "not found", so that an ID
 * number's existence does not leak). */
static err_kind subject_person(svc_ctx *ctx, int64_t unit_id, int64_t person_id, err_detail *err) {
    reg_person p;
    err_kind k = reg_person_get(ctx, person_id, &p, err);
    if (k || ctx->actor.role != ROLE_UNIT) return k;
    bool here = false;
    k = exists2(ctx, STORE_Q_BP_PERSON_AT_UNIT, person_id, unit_id, &here, err);
    if (!k && !here) k = err_set(err, ERR_NOT_FOUND, "person_not_found", "person_id", "未找到该参保人");
    return k;
}

/* ---- month lists, described in rules ---- */

typedef struct month_list {
    int n;
    month_ym m[MONTHS_CHECKED_MAX];
} month_list;

static void months_push(month_list *l, month_ym m) {
    if (l->n < MONTHS_CHECKED_MAX) l->m[l->n++] = m;
}

/* Consecutive months as ranges: ["2025-11", "2026-01/2026-03"] (ISO 8601
 * intervals) and "2025-11、2026-01至2026-03" for the message. */
static json_t *months_describe(const month_list *l, char *zh, size_t cap) {
    json_t *arr = json_array();
    size_t used = 0;
    zh[0] = 0;
    for (int i = 0; i < l->n;) {
        int j = i;
        while (j + 1 < l->n && l->m[j + 1] == month_add(l->m[j], 1)) j++;
        char a[MONTH_STR_BYTES], b[MONTH_STR_BYTES], item[2 * MONTH_STR_BYTES];
        month_format(l->m[i], a);
        month_format(l->m[j], b);
        if (i == j) snprintf(item, sizeof item, "%s", a);
        else snprintf(item, sizeof item, "%s/%s", a, b);
        json_array_append_new(arr, json_string(item));
        if (used < cap) {
            int w = i == j ? snprintf(zh + used, cap - used, "%s%s", used ? "、" : "", a)
                           : snprintf(zh + used, cap - used, "%s%s至%s", used ? "、" : "", a, b);
            used += w > 0 ? (size_t)w : 0;
        }
        i = j + 1;
    }
    return arr;
}

/* A rule about some months of one insurance; when the list is too long for
 * the rule's data, the data names the first and last month and the count. */
static void rule_months(err_detail *err, const char *code, reg_insurance ins, const month_list *l,
                        const char *what_zh) {
    char zh[160];
    json_t *data = json_pack("{s:s, s:o}", "insurance", reg_insurance_name(ins), "months",
                             months_describe(l, zh, sizeof zh));
    char *dump = json_dumps(data, JSON_COMPACT);
    if (!dump || strlen(dump) >= DATA_BYTES) {
        json_decref(data);
        char a[MONTH_STR_BYTES], b[MONTH_STR_BYTES];
        month_format(l->m[0], a);
        month_format(l->m[l->n - 1], b);
        data = json_pack("{s:s, s:s, s:s, s:i}", "insurance", reg_insurance_name(ins),
                         "first_month", a, "last_month", b, "count", l->n);
    }
    free(dump);
    rule(err, code, data, "%s %s%s", zh, reg_insurance_name_zh(ins), what_zh);
}

/* ---- rates of a month ---- */

typedef struct unit_rates {
    int64_t hf_rate_bp;        /* the unit's chosen rate, 0 when none */
    int64_t industry_class;
} unit_rates;

static err_kind unit_rates_get(svc_ctx *ctx, int64_t unit_id, unit_rates *out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_BP_UNIT_RATES, &st, err);
    if (k) return k;
    store_bind_int(st, 1, unit_id);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && !row) k = err_set(err, ERR_NOT_FOUND, "unit_not_found", "unit_id", "未找到该单位");
    if (!k) {
        out->hf_rate_bp = store_col_int(st, 0);
        out->industry_class = store_col_int(st, 1);
    }
    store_stmt_done(st);
    return k;
}

/* The unit's work-injury rate in a month: its industry class under that month's policy. */
static err_kind injury_rate(svc_ctx *ctx, const unit_rates *u, month_ym m, int64_t *out,
                            err_detail *err) {
    size_t idx = u->industry_class > 0 ? (size_t)(u->industry_class - 1) : 0;
    return policy_get_int_item(ctx->pol, "injury.class_rates_bp", month_first_day(m), idx, out, err);
}

/* The housing fund rate: the employment's own (foreign employees), else the
 * unit's, else the policy's default of that month. */
static err_kind hf_rate(svc_ctx *ctx, const unit_rates *u, int64_t employment_rate_bp, month_ym m,
                        int64_t *out, err_detail *err) {
    if (employment_rate_bp > 0) { *out = employment_rate_bp; return ERR_OK; }
    if (u->hf_rate_bp > 0) { *out = u->hf_rate_bp; return ERR_OK; }
    return policy_get_int(ctx->pol, "housing_fund.rate_default_bp", month_first_day(m), out, err);
}

/* ---- bills ---- */

typedef struct bp_line {
    int64_t person_id;
    int64_t span_id;
    month_ym month;
    reg_insurance insurance;
    money_fen base_fen;
    int64_t unit_rate_bp;
    int64_t personal_rate_bp;
    money_fen unit_fen;
    money_fen personal_fen;
} bp_line;

typedef struct bill_spec {
    int64_t unit_id;
    month_ym month;
    const char *kind;          /* bills.kind, and the kind of its lines */
    int64_t application_id;    /* 0: none */
    const char *memo_zh;       /* of the ledger entry */
} bill_spec;

/* A month's bill is due on contrib.due_day of the business month; a bill
 * made after that day is due the day it is made. */
static err_kind due_date(svc_ctx *ctx, date_days *out, err_detail *err) {
    int64_t day = 0;
    err_kind k = policy_get_int(ctx->pol, "contrib.due_day", ctx->business_date, &day, err);
    if (k) return k;
    int y, m, d;
    date_to_ymd(ctx->business_date, &y, &m, &d);
    int dim = date_days_in_month(y, m);
    int dd = day < 1 ? 1 : day > dim ? dim : (int)day;
    date_days due = date_from_ymd(y, m, dd);
    *out = due < ctx->business_date ? ctx->business_date : due;
    return ERR_OK;
}

static err_kind bill_insert(svc_ctx *ctx, const bill_spec *s, int64_t *id_out, err_detail *err) {
    date_days due;
    err_kind k = due_date(ctx, &due, err);
    if (k) return k;
    store_stmt *st;
    k = store_prepare(ctx->tx, STORE_Q_BP_BILL_INSERT, &st, err);
    if (k) return k;
    store_bind_int(st, 1, s->unit_id);
    store_bind_int(st, 2, s->month);
    store_bind_text(st, 3, s->kind);
    store_bind_text(st, 4, date_str(ctx, due));
    store_bind_text(st, 5, date_str(ctx, ctx->business_date));
    store_bind_id(st, 6, s->application_id);
    store_bind_int(st, 7, ctx->now_ms);
    k = store_step_all(st, err);
    if (!k) *id_out = store_last_insert_id(ctx->tx);
    return k;
}

static err_kind line_insert(svc_ctx *ctx, int64_t bill_id, const bill_spec *s, const bp_line *l,
                            err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_BP_LINE_UPSERT, &st, err);
    if (k) return k;
    store_bind_int(st, 1, bill_id);
    store_bind_int(st, 2, s->unit_id);
    store_bind_int(st, 3, l->person_id);
    store_bind_int(st, 4, l->span_id);
    store_bind_int(st, 5, l->month);
    store_bind_text(st, 6, reg_insurance_name(l->insurance));
    store_bind_text(st, 7, s->kind);
    store_bind_int(st, 8, l->base_fen);
    store_bind_int(st, 9, l->unit_rate_bp);
    store_bind_int(st, 10, l->personal_rate_bp);
    store_bind_int(st, 11, l->unit_fen);
    store_bind_int(st, 12, l->personal_fen);
    store_bind_int(st, 13, ctx->now_ms);
    return store_step_all(st, err);
}

/* Dr the unit's receivable, Cr contributions due, under idem_key. */
static err_kind bill_post(svc_ctx *ctx, int64_t bill_id, const bill_spec *s, money_fen total,
                          const char *idem_key, err_detail *err) {
    if (total == 0) return ERR_OK;   /* nothing owed: no entry (a posting of 0 says nothing) */
    int64_t receivable = 0, due = 0, entry = 0;
    bool dup = false;
    err_kind k = ledger_account(ctx->tx, OWNER_UNIT, s->unit_id, "receivable", &receivable, err);
    if (!k) k = ledger_account(ctx->tx, OWNER_POOL, 0, "contrib_due", &due, err);
    if (k) return k;
    ledger_posting p[2] = {{receivable, total, s->month}, {due, -total, s->month}};
    const char *memo = arena_printf(ctx->ar, "%s %" PRId64, s->memo_zh, bill_id);
    k = ledger_post(ctx->tx, idem_key, ctx->business_date, "bill", memo, p, 2, ctx->now_ms, &entry,
                    &dup, err);
    if (!k) k = store_exec(ctx->tx, STORE_Q_BP_BILL_SET_ENTRY, err, "ii", bill_id, entry);
    return k;
}

/* Adds lines to a bill, updates its totals and posts what they add. */
static err_kind bill_add(svc_ctx *ctx, int64_t bill_id, const bill_spec *s, const bp_line *lines,
                         int n, const char *idem_key, err_detail *err) {
    money_fen unit_total = 0, personal_total = 0;
    err_kind k = ERR_OK;
    for (int i = 0; !k && i < n; i++) {
        k = line_insert(ctx, bill_id, s, &lines[i], err);
        unit_total += lines[i].unit_fen;
        personal_total += lines[i].personal_fen;
    }
    if (!k)
        k = store_exec(ctx->tx, STORE_Q_BP_BILL_ADD_TOTALS, err, "iiii", bill_id, unit_total,
                       personal_total, ctx->now_ms);
    if (!k) k = bill_post(ctx, bill_id, s, unit_total + personal_total, idem_key, err);
    return k;
}

static err_kind bill_create(svc_ctx *ctx, const bill_spec *s, const bp_line *lines, int n,
                            int64_t *id_out, err_detail *err) {
    int64_t id = 0;
    err_kind k = bill_insert(ctx, s, &id, err);
    char key[KEY_BYTES];
    snprintf(key, sizeof key, "bill:%" PRId64, id);
    if (!k) k = bill_add(ctx, id, s, lines, n, key, err);
    if (!k) *id_out = id;
    return k;
}

static json_t *line_json(svc_ctx *ctx, store_stmt *st) {
    return json_pack("{s:I, s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I}",
                     "person_id", (json_int_t)store_col_int(st, 0),
                     "span_id", (json_int_t)store_col_int(st, 1),
                     "month", month_str(ctx, (month_ym)store_col_int(st, 2)),
                     "insurance", store_col_text(st, 3), "kind", store_col_text(st, 4),
                     "base_fen", (json_int_t)store_col_int(st, 5),
                     "unit_rate_bp", (json_int_t)store_col_int(st, 6),
                     "personal_rate_bp", (json_int_t)store_col_int(st, 7),
                     "unit_fen", (json_int_t)store_col_int(st, 8),
                     "personal_fen", (json_int_t)store_col_int(st, 9));
}

static err_kind bill_lines_json(svc_ctx *ctx, int64_t id, json_t *o, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_BP_BILL_LINES, &st, err);
    if (k) return k;
    store_bind_int(st, 1, id);
    store_bind_int(st, 2, (int64_t)LIMIT_QUERY_ROWS_MAX);
    json_t *arr = json_array();
    bool row = true;
    for (int n = 0; !k && row && n < LIMIT_QUERY_ROWS_MAX; n++) {
        k = store_step(st, &row, err);
        if (!k && row) json_array_append_new(arr, line_json(ctx, st));
    }
    store_stmt_done(st);
    json_object_set_new(o, "lines", arr);
    return k;
}

static json_t *bill_head_json(svc_ctx *ctx, store_stmt *st) {
    money_fen u = store_col_int(st, 5), p = store_col_int(st, 6);
    json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:s}",
                          "id", (json_int_t)store_col_int(st, 0),
                          "unit_id", (json_int_t)store_col_int(st, 1),
                          "month", month_str(ctx, (month_ym)store_col_int(st, 2)),
                          "kind", store_col_text(st, 3), "status", store_col_text(st, 4),
                          "unit_total_fen", (json_int_t)u, "personal_total_fen", (json_int_t)p,
                          "total_fen", (json_int_t)(u + p),
                          "line_count", (json_int_t)store_col_int(st, 7),
                          "due_on", store_col_text(st, 8), "confirmed_on", store_col_text(st, 9));
    int64_t app = store_col_int(st, 10), entry = store_col_int(st, 11);
    json_object_set_new(o, "application_id", app ? json_integer(app) : json_null());
    json_object_set_new(o, "ledger_entry_id", entry ? json_integer(entry) : json_null());
    return o;
}

/* The bill as JSON, with its lines (at most LIMIT_QUERY_ROWS_MAX) when asked. */
static err_kind bill_json(svc_ctx *ctx, int64_t id, bool with_lines, json_t **out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_BP_BILL_GET, &st, err);
    if (k) return k;
    store_bind_int(st, 1, id);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && !row) k = err_set(err, ERR_INTERNAL, "bill_missing", NULL, "账单 %" PRId64 " 不存在", id);
    json_t *o = !k ? bill_head_json(ctx, st) : NULL;
    store_stmt_done(st);
    if (!k && with_lines) k = bill_lines_json(ctx, id, o, err);
    if (k) { json_decref(o); return k; }
    *out = o;
    return ERR_OK;
}

/* ---- back-payment: the plan and its rules ---- */

typedef struct span_rng {
    int64_t id;
    month_ym start, end;       /* end 0: open */
    int64_t hf_rate_bp;        /* the employment's own, 0 when none */
} span_rng;

typedef struct ins_spans {
    int n;
    span_rng s[SPANS_MAX];
} ins_spans;

typedef enum bp_phase {
    PHASE_DIRECT = 0,          /* done at once */
    PHASE_LONG_CHECK,          /* an application being submitted */
    PHASE_LONG_APPLY,          /* an approved application */
} bp_phase;

typedef struct bp_plan {
    backpay_in in;
    month_ym business;
    int back;                  /* months from from_month to the business month */
    int64_t direct_max, max, hf_max;
    unit_rates rates;
    ins_spans spans[INS_COUNT];
} bp_plan;

static const span_rng *span_for(const ins_spans *s, month_ym m) {
    for (int i = 0; i < s->n; i++)
        if (s->s[i].start <= m && (s->s[i].end == 0 || s->s[i].end >= m)) return &s->s[i];
    return NULL;
}

static err_kind spans_load(svc_ctx *ctx, const bp_plan *p, reg_insurance ins, ins_spans *out,
                           err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_BP_SPANS_AT_UNIT, &st, err);
    if (k) return k;
    store_bind_int(st, 1, p->in.person_id);
    store_bind_int(st, 2, p->in.unit_id);
    store_bind_text(st, 3, reg_insurance_name(ins));
    store_bind_int(st, 4, p->in.from_month);
    store_bind_int(st, 5, p->in.to_month);
    out->n = 0;
    bool row = true;
    while (!k && row && out->n < SPANS_MAX) {
        k = store_step(st, &row, err);
        if (k || !row) break;
        span_rng *s = &out->s[out->n++];
        s->id = store_col_int(st, 0);
        s->start = (month_ym)store_col_int(st, 1);
        s->end = (month_ym)store_col_int(st, 2);
        s->hf_rate_bp = store_col_int(st, 3);
    }
    store_stmt_done(st);
    return k;
}

static err_kind plan_limits(svc_ctx *ctx, bp_plan *p, err_detail *err) {
    err_kind k = policy_get_int(ctx->pol, "backpay.direct_max_months", ctx->business_date,
                                &p->direct_max, err);
    if (!k) k = policy_get_int(ctx->pol, "backpay.max_months", ctx->business_date, &p->max, err);
    if (!k) k = policy_get_int(ctx->pol, "backpay.hf_max_months", ctx->business_date, &p->hf_max, err);
    return k;
}

static err_kind plan_open(svc_ctx *ctx, const backpay_in *in, bp_plan *p, err_detail *err) {
    memset(p, 0, sizeof *p);
    p->in = *in;
    p->business = month_of(ctx->business_date);
    p->back = month_diff(p->business, in->from_month);
    err_kind k = plan_limits(ctx, p, err);
    if (!k) k = unit_rates_get(ctx, in->unit_id, &p->rates, err);
    return k;
}

static bool needs_application(const bp_plan *p) {
    return (p->in.insurances & SI_SET) && p->back > p->direct_max;
}

static int period_months(const bp_plan *p) {
    return month_diff(p->in.to_month, p->in.from_month) + 1;
}

/* The period: in order, in the past, and not too far back. An approved
 * application is not refused for the time its review took. */
static void rules_period(svc_ctx *ctx, const bp_plan *p, bp_phase phase, err_detail *err) {
    const char *from = month_str(ctx, p->in.from_month), *to = month_str(ctx, p->in.to_month);
    const char *now = month_str(ctx, p->business);
    if (p->in.to_month < p->in.from_month)
        rule(err, "months_reversed", json_pack("{s:s, s:s}", "from_month", from, "to_month", to),
             "补缴起始月 %s 晚于终止月 %s", from, to);
    if (p->in.to_month >= p->business)
        rule(err, "not_past", json_pack("{s:s, s:s}", "to_month", to, "business_month", now),
             "补缴终止月 %s 须早于当前月 %s（当月及以后的费款按月缴费核定）", to, now);
    if (phase == PHASE_LONG_APPLY) return;
    if ((p->in.insurances & SI_SET) && p->back >= p->max)
        rule(err, "too_old", json_pack("{s:i, s:I, s:s}", "months", p->back, "max_months",
                                       (json_int_t)p->max, "from_month", from),
             "社会保险补缴自 %s 起，距今 %d 个月，达到或超过 %lld 个月，不予补缴", from, p->back,
             (long long)p->max);
    if ((p->in.insurances & HOUSING_SET) && p->back > p->hf_max)
        rule(err, "hf_too_old", json_pack("{s:i, s:I, s:s}", "months", p->back, "max_months",
                                          (json_int_t)p->hf_max, "from_month", from),
             "住房公积金、住房补贴补缴自 %s 起，距今 %d 个月，超过 %lld 个月，不予补缴", from,
             p->back, (long long)p->hf_max);
}

/* What belongs to an application (and what does not). */
static void rules_channel(const bp_plan *p, bp_phase phase, err_detail *err) {
    if (phase == PHASE_DIRECT) return;
    if (phase == PHASE_LONG_CHECK && !needs_application(p))
        rule(err, "backpay_direct", json_pack("{s:i, s:I}", "months", p->back, "direct_max_months",
                                              (json_int_t)p->direct_max),
             "补缴距今 %d 个月，在 %lld 个月以内（或不含社会保险），请直接办理补缴，无需申请",
             p->back, (long long)p->direct_max);
    if (!p->in.reason || !*p->in.reason)
        rule(err, "reason_missing", NULL, "超过 %lld 个月的补缴须填写情况说明（补缴人员、漏缴或少缴原因）",
             (long long)p->direct_max);
}

/* Back-payment pays for months of an insured relationship at this unit:
 * every month of every insurance must lie within one of its spans. */
static err_kind rules_coverage(svc_ctx *ctx, bp_plan *p, err_detail *err) {
    for (int i = 0; i < INS_COUNT; i++) {
        if (!(p->in.insurances & BIT(i))) continue;
        err_kind k = spans_load(ctx, p, (reg_insurance)i, &p->spans[i], err);
        if (k) return k;
        month_list miss = {0};
        for (month_ym m = p->in.from_month; m <= p->in.to_month; m = month_add(m, 1))
            if (!span_for(&p->spans[i], m)) months_push(&miss, m);
        if (miss.n) rule_months(err, "not_insured_that_month", (reg_insurance)i, &miss,
                                "未在本单位参保，不能补缴");
    }
    return ERR_OK;
}

/* A month already billed (regularly or back-paid) is not paid twice. */
static err_kind rules_assessed(svc_ctx *ctx, const bp_plan *p, err_detail *err) {
    for (int i = 0; i < INS_COUNT; i++) {
        if (!(p->in.insurances & BIT(i))) continue;
        store_stmt *st;
        err_kind k = store_prepare(ctx->tx, STORE_Q_BP_ASSESSED_MONTHS, &st, err);
        if (k) return k;
        store_bind_int(st, 1, p->in.person_id);
        store_bind_text(st, 2, reg_insurance_name((reg_insurance)i));
        store_bind_int(st, 3, p->in.from_month);
        store_bind_int(st, 4, p->in.to_month);
        month_list got = {0};
        bool row = true;
        while (!k && row) {
            k = store_step(st, &row, err);
            if (!k && row) months_push(&got, (month_ym)store_col_int(st, 0));
        }
        store_stmt_done(st);
        if (k) return k;
        if (got.n) rule_months(err, "already_assessed", (reg_insurance)i, &got,
                               "已核定缴费，不能重复补缴");
    }
    return ERR_OK;
}

static err_kind plan_rules(svc_ctx *ctx, bp_plan *p, bp_phase phase, err_detail *err) {
    rules_period(ctx, p, phase, err);
    rules_channel(p, phase, err);
    err_kind k = reg_unit_rule_active(ctx, p->in.unit_id, err);
    bool listable = p->in.from_month <= p->in.to_month && period_months(p) <= MONTHS_CHECKED_MAX;
    if (!k && listable) k = rules_coverage(ctx, p, err);
    if (!k && listable) k = rules_assessed(ctx, p, err);
    if (k) return k;
    return err_rules_finish(err);
}

/* ---- back-payment: the amounts ---- */

static int64_t employment_hf_rate(const bp_plan *p, month_ym m) {
    for (int i = INS_HOUSING_FUND; i <= INS_HOUSING_SUBSIDY; i++) {
        const span_rng *s = (p->in.insurances & BIT(i)) ? span_for(&p->spans[i], m) : NULL;
        if (s && s->hf_rate_bp > 0) return s->hf_rate_bp;
    }
    return 0;
}

static err_kind month_quote(svc_ctx *ctx, const bp_plan *p, month_ym m, contrib_quote *q,
                            err_detail *err) {
    contrib_quote_in qi = {.month = m, .wage_fen = p->in.wage_fen, .insurances = p->in.insurances};
    err_kind k = ERR_OK;
    if (p->in.insurances & BIT(INS_INJURY)) k = injury_rate(ctx, &p->rates, m, &qi.injury_rate_bp, err);
    if (!k && (p->in.insurances & HOUSING_SET))
        k = hf_rate(ctx, &p->rates, employment_hf_rate(p, m), m, &qi.housing_fund_rate_bp, err);
    if (!k) k = contrib_quote_compute(ctx->pol, &qi, q, err);
    return k;
}

static void line_from_item(bp_line *l, int64_t person_id, int64_t span_id, month_ym m,
                           const contrib_item *it) {
    *l = (bp_line){.person_id = person_id, .span_id = span_id, .month = m,
                   .insurance = it->insurance, .base_fen = it->base_fen,
                   .unit_rate_bp = it->unit_rate_bp, .personal_rate_bp = it->personal_rate_bp,
                   .unit_fen = it->unit_fen, .personal_fen = it->personal_fen};
}

/* One line per month and insurance, each month under its own policy. */
static err_kind plan_lines(svc_ctx *ctx, const bp_plan *p, bp_line **out, int *n_out,
                           err_detail *err) {
    int months = period_months(p);
    bp_line *lines = arena_alloc(ctx->ar, sizeof *lines * (size_t)months * INS_COUNT);
    int n = 0;
    for (month_ym m = p->in.from_month; m <= p->in.to_month; m = month_add(m, 1)) {
        contrib_quote q;
        err_kind k = month_quote(ctx, p, m, &q, err);
        if (k) return k;
        for (int i = 0; i < q.count && i < INS_COUNT; i++) {
            const span_rng *s = span_for(&p->spans[q.items[i].insurance], m);
            if (!s) return err_set(err, ERR_INTERNAL, "span_missing", NULL, "补缴月份缺少参保关系");
            line_from_item(&lines[n++], p->in.person_id, s->id, m, &q.items[i]);
        }
    }
    *out = lines;
    *n_out = n;
    return ERR_OK;
}

static err_kind backpay_bill(svc_ctx *ctx, const bp_plan *p, int64_t app_id, int64_t *bill_out,
                             err_detail *err) {
    bp_line *lines = NULL;
    int n = 0;
    err_kind k = plan_lines(ctx, p, &lines, &n, err);
    bill_spec s = {.unit_id = p->in.unit_id, .month = p->business, .kind = "backpay",
                   .application_id = app_id, .memo_zh = "补缴账单"};
    if (!k) k = bill_create(ctx, &s, lines, n, bill_out, err);
    const char *detail = arena_printf(ctx->ar, "bill:%" PRId64 " %s..%s", *bill_out,
                                      month_str(ctx, p->in.from_month), month_str(ctx, p->in.to_month));
    if (!k) k = audit_person(ctx, "backpay.bill", p->in.person_id, detail, err);
    return k;
}

/* ---- back-payment: the payload of an application ---- */

static json_t *insurance_names(unsigned set) {
    json_t *a = json_array();
    for (int i = 0; i < INS_COUNT; i++)
        if (set & BIT(i)) json_array_append_new(a, json_string(reg_insurance_name((reg_insurance)i)));
    return a;
}

static json_t *payload_new(svc_ctx *ctx, const backpay_in *in) {
    json_t *o = json_pack("{s:I, s:o, s:s, s:s, s:I}", "person_id", (json_int_t)in->person_id,
                          "insurances", insurance_names(in->insurances),
                          "from_month", month_str(ctx, in->from_month),
                          "to_month", month_str(ctx, in->to_month),
                          "wage_fen", (json_int_t)in->wage_fen);
    if (in->reason) json_object_set_new(o, "reason", json_string(in->reason));
    return o;
}

/* The payload as stored by payload_new (or sent to the generic application route). */
static err_kind payload_read(const json_t *pl, int64_t unit_id, backpay_in *in, err_detail *err) {
    static const char *const allowed[] = {"person_id", "insurances", "from_month", "to_month",
                                          "wage_fen", "reason", NULL};
    memset(in, 0, sizeof *in);
    in->unit_id = unit_id;
    err_kind k = jsonx_only(pl, allowed, err);
    if (!k) k = jsonx_int(pl, "person_id", true, 1, INT64_MAX, &in->person_id, err);
    if (!k) k = reg_insurances_parse(json_object_get(pl, "insurances"), "insurances", &in->insurances, err);
    if (!k) k = jsonx_month(pl, "from_month", true, &in->from_month, err);
    if (!k) k = jsonx_month(pl, "to_month", true, &in->to_month, err);
    if (!k) k = jsonx_int(pl, "wage_fen", true, 1, AMOUNT_FEN_MAX, &in->wage_fen, err);
    if (!k) k = jsonx_str(pl, "reason", false, LIMIT_TEXT_FIELD_BYTES_MAX, &in->reason, err);
    if (!k && unit_id <= 0)
        k = err_set(err, ERR_INVALID, "missing_field", "unit_id", "补缴申请须由单位提出（unit_id）");
    return k;
}

static err_kind check_input(const backpay_in *in, err_detail *err) {
    if (in->person_id <= 0)
        return err_set(err, ERR_INVALID, "missing_field", "person_id", "请指明补缴人员（person_id 或 id_number）");
    if (!in->insurances)
        return err_set(err, ERR_INVALID, "missing_field", "insurances", "请选择补缴险种（insurances）");
    if (!month_valid(in->from_month) || !month_valid(in->to_month))
        return err_set(err, ERR_INVALID, "invalid_field", "from_month", "补缴起止月份无效");
    if (in->wage_fen <= 0 || in->wage_fen > AMOUNT_FEN_MAX)
        return err_set(err, ERR_INVALID, "invalid_field", "wage_fen", "补缴工资（wage_fen）须为正数");
    return ERR_OK;
}

/* ---- back-payment: the operations ---- */

static err_kind submit_long(svc_ctx *ctx, const backpay_in *in, json_t **out, err_detail *err) {
    json_t *payload = payload_new(ctx, in);
    application_new an = {.item_id = LONG_ITEM, .payload = payload,
                          .unit_id = ctx->actor.role == ROLE_UNIT ? 0 : in->unit_id};
    int64_t id = 0;
    err_kind k = application_submit(ctx, &an, &id, err);
    json_decref(payload);
    json_t *app = NULL;
    if (!k) k = application_get(ctx, id, &app, err);
    if (k) return k;
    *out = json_pack("{s:s, s:i, s:o}", "mode", "application",
                     "months_back", month_diff(month_of(ctx->business_date), in->from_month),
                     "application", app);
    return ERR_OK;
}

static err_kind submit_direct(svc_ctx *ctx, bp_plan *p, json_t **out, err_detail *err) {
    int64_t bill_id = 0;
    err_kind k = plan_rules(ctx, p, PHASE_DIRECT, err);
    if (!k) k = backpay_bill(ctx, p, 0, &bill_id, err);
    json_t *bill = NULL;
    if (!k) k = bill_json(ctx, bill_id, true, &bill, err);
    if (k) return k;
    *out = json_pack("{s:s, s:i, s:o}", "mode", "direct", "months_back", p->back, "bill", bill);
    return ERR_OK;
}

err_kind backpay_submit(svc_ctx *ctx, const backpay_in *in, json_t **out, err_detail *err) {
    backpay_in req = *in;
    err_kind k = subject_unit(ctx, in->unit_id, &req.unit_id, err);
    if (!k) k = check_input(&req, err);
    if (!k) k = subject_person(ctx, req.unit_id, req.person_id, err);
    if (k) return k;
    bp_plan *p = arena_alloc(ctx->ar, sizeof *p);
    k = plan_open(ctx, &req, p, err);
    if (k) return k;
    /* The long path's rules run in backpay_long_check, inside the submission. */
    if (needs_application(p) && p->back < p->max) return submit_long(ctx, &req, out, err);
    return submit_direct(ctx, p, out, err);
}

err_kind backpay_long_check(svc_ctx *ctx, const json_t *payload, int64_t person_id,
                            int64_t unit_id, err_detail *err) {
    (void)person_id;   /* the person the back-payment is for is in the payload */
    backpay_in in;
    err_kind k = payload_read(payload, unit_id, &in, err);
    if (!k) k = subject_person(ctx, unit_id, in.person_id, err);
    if (k) return k;
    bp_plan *p = arena_alloc(ctx->ar, sizeof *p);
    k = plan_open(ctx, &in, p, err);
    if (!k) k = plan_rules(ctx, p, PHASE_LONG_CHECK, err);
    return k;
}

err_kind backpay_long_apply(svc_ctx *ctx, int64_t app_id, const json_t *payload,
                            int64_t person_id, int64_t unit_id, err_detail *err) {
    (void)person_id;
    backpay_in in;
    err_kind k = payload_read(payload, unit_id, &in, err);
    if (k) return k;
    bp_plan *p = arena_alloc(ctx->ar, sizeof *p);
    int64_t bill_id = 0;
    k = plan_open(ctx, &in, p, err);
    if (!k) k = plan_rules(ctx, p, PHASE_LONG_APPLY, err);
    if (!k) k = backpay_bill(ctx, p, app_id, &bill_id, err);
    return k;
}

/* ---- the upward base adjustment (缴费基数调整（上调）) and its difference ---- */

typedef struct raise_plan {
    int64_t unit_id, person_id;
    month_ym from_month, business;
    int policy_year;
    money_fen wage_fen;
    money_fen old_base_fen, new_base_fen;
    unit_rates rates;
} raise_plan;

typedef struct billed_group {
    month_ym month;
    reg_insurance insurance;
    int64_t span_id;
    money_fen base_fen, unit_fen, personal_fen;
    int64_t rate_bp;           /* the original line's unit rate */
} billed_group;

static month_ym policy_year_last_month(int year) { return (month_ym)((year + 1) * 100 + 6); }

static err_kind raise_rules(svc_ctx *ctx, const raise_plan *r, err_detail *err) {
    const char *from = month_str(ctx, r->from_month);
    bool this_year = contrib_policy_year(r->from_month) == r->policy_year;
    if (!this_year)
        rule(err, "not_current_year", json_pack("{s:s, s:i, s:s, s:s}", "from_month", from,
             "policy_year", r->policy_year, "year_from", month_str(ctx, r->policy_year * 100 + 7),
             "year_to", month_str(ctx, policy_year_last_month(r->policy_year))),
             "调整起始月 %s 不在当前缴费年度（%d-07 至 %d-06）内", from, r->policy_year,
             r->policy_year + 1);
    if (this_year && r->new_base_fen <= r->old_base_fen)
        rule(err, "not_upward", json_pack("{s:I, s:I, s:s}", "old_base_fen", (json_int_t)r->old_base_fen,
             "new_base_fen", (json_int_t)r->new_base_fen, "from_month", from),
             "缴费基数只能上调：%s 起原基数 %lld.%02lld 元，新基数 %lld.%02lld 元", from,
             (long long)(r->old_base_fen / 100), (long long)(r->old_base_fen % 100),
             (long long)(r->new_base_fen / 100), (long long)(r->new_base_fen % 100));
    month_ym last = r->from_month > r->business ? r->from_month : r->business;
    month_ym first = r->from_month < r->business ? r->from_month : r->business;
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_BP_OPEN_SPAN_AT_UNIT, &st, err);
    if (k) return k;
    store_bind_int(st, 1, r->person_id);
    store_bind_int(st, 2, r->unit_id);
    store_bind_int(st, 3, first);
    store_bind_int(st, 4, last);
    bool row = false;
    k = store_step(st, &row, err);
    store_stmt_done(st);
    if (!k && !row)
        rule(err, "not_insured_here", json_pack("{s:s, s:s}", "from_month", from, "business_month",
             month_str(ctx, r->business)), "该人员 %s 以来未在本单位参保，不能调整缴费基数", from);
    if (!k) k = reg_unit_rule_active(ctx, r->unit_id, err);
    return k ? k : err_rules_finish(err);
}

static err_kind raise_open(svc_ctx *ctx, raise_plan *r, err_detail *err) {
    r->business = month_of(ctx->business_date);
    r->policy_year = contrib_policy_year(r->business);
    err_kind k = unit_rates_get(ctx, r->unit_id, &r->rates, err);
    /* Another year's bases are not compared: that month is refused anyway. */
    if (k || contrib_policy_year(r->from_month) != r->policy_year) return k;
    k = contrib_base_for(ctx, r->person_id, r->unit_id, r->from_month, &r->old_base_fen, err);
    if (!k) k = contrib_base_clamp(ctx->pol, r->from_month, r->wage_fen, &r->new_base_fen, err);
    return k;
}

static err_kind base_insert(svc_ctx *ctx, const raise_plan *r, int64_t *id_out, err_detail *err) {
    err_kind k = store_exec(ctx->tx, STORE_Q_BP_BASE_INSERT, err, "iiiiiiti", r->person_id, r->unit_id,
                            (int64_t)r->policy_year, (int64_t)r->from_month, r->wage_fen,
                            r->new_base_fen, date_str(ctx, ctx->business_date), ctx->now_ms);
    if (!k) *id_out = store_last_insert_id(ctx->tx);
    return k;
}

/* What the person's months from from_month were billed so far at the unit. */
static err_kind billed_load(svc_ctx *ctx, const raise_plan *r, billed_group **out, int *n_out,
                            err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_BP_BILLED_SUMS, &st, err);
    if (k) return k;
    store_bind_int(st, 1, r->person_id);
    store_bind_int(st, 2, r->unit_id);
    store_bind_int(st, 3, r->from_month);
    store_bind_int(st, 4, policy_year_last_month(r->policy_year));
    billed_group *g = arena_alloc(ctx->ar, sizeof *g * RAISE_GROUPS_MAX);
    int n = 0;
    bool row = true;
    while (!k && row && n < RAISE_GROUPS_MAX) {
        k = store_step(st, &row, err);
        if (k || !row) break;
        billed_group *x = &g[n];
        x->month = (month_ym)store_col_int(st, 0);
        if (reg_insurance_parse(store_col_text(st, 1), "insurance", &x->insurance, err)) {
            k = ERR_INTERNAL;
            break;
        }
        x->span_id = store_col_int(st, 2);
        x->base_fen = store_col_int(st, 3);
        x->unit_fen = store_col_int(st, 4);
        x->personal_fen = store_col_int(st, 5);
        x->rate_bp = store_col_int(st, 6);
        n++;
    }
    store_stmt_done(st);
    *out = g;
    *n_out = n;
    return k;
}

/* The month recomputed with the base now in force, at the original lines'
 * rates (the unit's own rates when a line does not say). */
static err_kind raise_month_quote(svc_ctx *ctx, const raise_plan *r, const billed_group *g, int n,
                                  contrib_quote *q, err_detail *err) {
    contrib_quote_in qi = {.month = g[0].month};
    for (int i = 0; i < n; i++) {
        qi.insurances |= BIT(g[i].insurance);
        if (g[i].insurance == INS_INJURY) qi.injury_rate_bp = g[i].rate_bp;
        if (g[i].insurance == INS_HOUSING_FUND) qi.housing_fund_rate_bp = g[i].rate_bp;
    }
    err_kind k = contrib_base_for(ctx, r->person_id, r->unit_id, qi.month, &qi.wage_fen, err);
    if (!k && (qi.insurances & BIT(INS_INJURY)) && qi.injury_rate_bp <= 0)
        k = injury_rate(ctx, &r->rates, qi.month, &qi.injury_rate_bp, err);
    if (!k && (qi.insurances & HOUSING_SET) && qi.housing_fund_rate_bp <= 0)
        k = hf_rate(ctx, &r->rates, 0, qi.month, &qi.housing_fund_rate_bp, err);
    if (!k) k = contrib_quote_compute(ctx->pol, &qi, q, err);
    return k;
}

static const contrib_item *quote_item(const contrib_quote *q, reg_insurance ins) {
    for (int i = 0; i < q->count && i < INS_COUNT; i++)
        if (q->items[i].insurance == ins) return &q->items[i];
    return NULL;
}

/* The difference lines of one month's groups: new amount - what was billed. */
static err_kind raise_month_lines(svc_ctx *ctx, const raise_plan *r, const billed_group *g, int n,
                                  bp_line *lines, int *count, err_detail *err) {
    contrib_quote q;
    err_kind k = raise_month_quote(ctx, r, g, n, &q, err);
    if (k) return k;
    for (int i = 0; i < n; i++) {
        const contrib_item *it = quote_item(&q, g[i].insurance);
        if (!it) continue;
        bp_line l;
        line_from_item(&l, r->person_id, g[i].span_id, g[i].month, it);
        l.base_fen -= g[i].base_fen;
        l.unit_fen -= g[i].unit_fen;
        l.personal_fen -= g[i].personal_fen;
        /* Upward only: a month whose amounts do not grow has no difference. */
        if (l.unit_fen + l.personal_fen > 0) lines[(*count)++] = l;
    }
    return ERR_OK;
}

static err_kind raise_lines(svc_ctx *ctx, const raise_plan *r, bp_line **out, int *n_out,
                            err_detail *err) {
    billed_group *g = NULL;
    int n = 0, count = 0;
    err_kind k = billed_load(ctx, r, &g, &n, err);
    bp_line *lines = arena_alloc(ctx->ar, sizeof *lines * (size_t)(n > 0 ? n : 1));
    for (int i = 0; !k && i < n;) {
        int j = i;
        while (j < n && g[j].month == g[i].month) j++;
        k = raise_month_lines(ctx, r, &g[i], j - i, lines, &count, err);
        i = j;
    }
    if (k) return k;
    *out = lines;
    *n_out = count;
    return ERR_OK;
}

/* One difference bill per unit and business month: a later raise in the
 * same month adds to it while it has not gone to the bank. */
static err_kind difference_bill(svc_ctx *ctx, const raise_plan *r, const bp_line *lines, int n,
                                int64_t base_id, int64_t *bill_out, err_detail *err) {
    bill_spec s = {.unit_id = r->unit_id, .month = r->business, .kind = "difference",
                   .memo_zh = "缴费基数差额补收账单"};
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_BP_BILL_FIND, &st, err);
    if (k) return k;
    store_bind_int(st, 1, r->unit_id);
    store_bind_int(st, 2, r->business);
    store_bind_text(st, 3, "difference");
    bool row = false;
    k = store_step(st, &row, err);
    int64_t id = row ? store_col_int(st, 0) : 0;
    bool open = row && (strcmp(store_col_text(st, 1), "draft") == 0 ||
                        strcmp(store_col_text(st, 1), "confirmed") == 0);
    store_stmt_done(st);
    if (k) return k;
    if (!id) return bill_create(ctx, &s, lines, n, bill_out, err);
    if (!open)
        return err_set(err, ERR_CONFLICT, "difference_bill_sent", NULL,
                       "本月差额补收账单 %" PRId64 " 已托收，请于下月调整缴费基数", id);
    char key[KEY_BYTES];
    snprintf(key, sizeof key, "bill:%" PRId64 ":raise:%" PRId64, id, base_id);
    k = bill_add(ctx, id, &s, lines, n, key, err);
    if (!k) *bill_out = id;
    return k;
}

static json_t *raise_json(svc_ctx *ctx, const raise_plan *r, int64_t base_id, json_t *bill) {
    return json_pack("{s:I, s:I, s:I, s:s, s:i, s:I, s:I, s:I, s:o}",
                     "base_id", (json_int_t)base_id, "person_id", (json_int_t)r->person_id,
                     "unit_id", (json_int_t)r->unit_id, "from_month", month_str(ctx, r->from_month),
                     "policy_year", r->policy_year, "declared_wage_fen", (json_int_t)r->wage_fen,
                     "old_base_fen", (json_int_t)r->old_base_fen,
                     "new_base_fen", (json_int_t)r->new_base_fen,
                     "difference_bill", bill ? bill : json_null());
}

err_kind backpay_base_raise(svc_ctx *ctx, int64_t unit_id, int64_t person_id, month_ym from_month,
                            money_fen new_wage_fen, json_t **out, err_detail *err) {
    raise_plan r = {.person_id = person_id, .from_month = from_month, .wage_fen = new_wage_fen};
    err_kind k = subject_unit(ctx, unit_id, &r.unit_id, err);
    if (!k && !month_valid(from_month))
        k = err_set(err, ERR_INVALID, "invalid_field", "from_month", "调整起始月（from_month）无效");
    if (!k && (new_wage_fen <= 0 || new_wage_fen > AMOUNT_FEN_MAX))
        k = err_set(err, ERR_INVALID, "invalid_field", "wage_fen", "申报工资（wage_fen）须为正数");
    if (!k) k = subject_person(ctx, r.unit_id, person_id, err);
    if (!k) k = raise_open(ctx, &r, err);
    if (!k) k = raise_rules(ctx, &r, err);
    int64_t base_id = 0, bill_id = 0;
    bp_line *lines = NULL;
    int n = 0;
    if (!k) k = base_insert(ctx, &r, &base_id, err);
    if (!k) k = raise_lines(ctx, &r, &lines, &n, err);
    if (!k && n) k = difference_bill(ctx, &r, lines, n, base_id, &bill_id, err);
    json_t *bill = NULL;
    if (!k && bill_id) k = bill_json(ctx, bill_id, true, &bill, err);
    const char *detail = arena_printf(ctx->ar, "unit:%" PRId64 " from %s base %" PRId64 " -> %" PRId64,
                                      r.unit_id, month_str(ctx, from_month), r.old_base_fen, r.new_base_fen);
    if (!k) k = audit_person(ctx, "contrib.base.raise", person_id, detail, err);
    if (k) { json_decref(bill); return k; }
    *out = raise_json(ctx, &r, base_id, bill);
    return ERR_OK;
}

/* ---- medical subsidy credits (医疗补助增记) ---- */

typedef struct med_credit {
    int64_t person_id;
    int64_t span_id;           /* the medical span at the unit, 0 when none */
    bool retired;
    money_fen amount_fen;
    const char *id_number;
    const char *name;
} med_credit;

typedef struct med_list {
    int n, cap;
    med_credit *c;
} med_list;

/* The next free slot, the list growing by doubling in the arena. */
static med_credit *list_slot(svc_ctx *ctx, med_list *l) {
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 64;
        med_credit *c = arena_alloc(ctx->ar, sizeof *c * (size_t)cap);
        if (l->n) memcpy(c, l->c, sizeof *c * (size_t)l->n);
        l->c = c;
        l->cap = cap;
    }
    return &l->c[l->n];
}

/* The unit's members (person_id 0: all of them). */
static err_kind members_load(svc_ctx *ctx, int64_t unit_id, int64_t person_id, med_list *out,
                             err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_BP_MED_MEMBERS, &st, err);
    if (k) return k;
    store_bind_int(st, 1, unit_id);
    store_bind_int(st, 2, person_id);
    store_bind_int(st, 3, (int64_t)MEMBERS_MAX + 1);
    bool row = true;
    while (!k && row) {
        k = store_step(st, &row, err);
        if (k || !row) break;
        if (out->n >= MEMBERS_MAX) {
            k = err_set(err, ERR_TOO_LARGE, "too_many_members", NULL, "单位参保人员超过 %d 人", MEMBERS_MAX);
            break;
        }
        med_credit *c = list_slot(ctx, out);
        c->person_id = store_col_int(st, 0);
        c->retired = store_col_int(st, 1) == 0;
        c->id_number = arena_strdup(ctx->ar, store_col_text(st, 2));
        c->name = arena_strdup(ctx->ar, store_col_text(st, 3));
        c->span_id = store_col_int(st, 4);
        c->amount_fen = 0;
        out->n++;
    }
    store_stmt_done(st);
    return k;
}

/* Every member with a medical span at the unit gets the policy's amount for
 * active or retired members (without one there is no account to credit). */
static err_kind credits_generate(svc_ctx *ctx, int64_t unit_id, month_ym month, med_list *out,
                                 err_detail *err) {
    int64_t active = 0, retired = 0;
    date_days on = month_first_day(month);
    err_kind k = policy_get_int_member(ctx->pol, "med_subsidy.generate_fen", on, "active", &active, err);
    if (!k) k = policy_get_int_member(ctx->pol, "med_subsidy.generate_fen", on, "retired", &retired, err);
    if (!k) k = members_load(ctx, unit_id, 0, out, err);
    if (k) return k;
    int n = 0;
    for (int i = 0; i < out->n; i++) {
        if (!out->c[i].span_id) continue;
        out->c[n] = out->c[i];
        out->c[n++].amount_fen = out->c[i].retired ? retired : active;
    }
    out->n = n;
    return ERR_OK;
}

typedef struct import_line {
    int64_t person_id;
    const char *id_number;
    money_fen amount_fen;
} import_line;

static err_kind import_line_read(const json_t *v, size_t i, import_line *out, err_detail *err) {
    static const char *const allowed[] = {"id_number", "person_id", "amount_fen", NULL};
    char field[64];
    snprintf(field, sizeof field, "lines[%zu]", i);
    if (!json_is_object(v))
        return err_set(err, ERR_INVALID, "invalid_field", field, "第 %zu 行应为对象", i + 1);
    memset(out, 0, sizeof *out);
    err_kind k = jsonx_only(v, allowed, err);
    if (!k) k = jsonx_str(v, "id_number", false, 40, &out->id_number, err);
    if (!k) k = jsonx_int(v, "person_id", false, 1, INT64_MAX, &out->person_id, err);
    if (!k) k = jsonx_int(v, "amount_fen", true, 1, AMOUNT_FEN_MAX, &out->amount_fen, err);
    if (!k && (out->person_id > 0) == (out->id_number != NULL))
        k = err_set(err, ERR_INVALID, "missing_field", field,
                    "第 %zu 行须且只须填写 id_number 或 person_id 之一", i + 1);
    if (k && !strchr(err->field, '[')) {
        char f[2 * sizeof err->field];
        snprintf(f, sizeof f, "%s%s%s", field, err->field[0] ? "." : "", err->field);
        snprintf(err->field, sizeof err->field, "%.63s", f);
    }
    return k;
}

static bool seen_before(const med_list *l, int64_t person_id) {
    for (int i = 0; i < l->n; i++)
        if (l->c[i].person_id == person_id) return true;
    return false;
}

/* One imported line: a member of the unit with a medical span there, once. */
static err_kind import_one(svc_ctx *ctx, int64_t unit_id, size_t i, const import_line *in,
                           med_list *out, err_detail *err) {
    int64_t pid = in->person_id;
    const char *who = in->id_number ? in->id_number : arena_printf(ctx->ar, "%" PRId64, pid);
    if (in->id_number) {
        err_detail miss = {0};
        err_kind k = reg_person_find(ctx, in->id_number, &pid, &miss);
        if (k && k != ERR_NOT_FOUND) { *err = miss; return k; }
        if (k) pid = 0;
    }
    med_list one = {0};
    err_kind k = pid ? members_load(ctx, unit_id, pid, &one, err) : ERR_OK;
    if (k) return k;
    json_t *data = json_pack("{s:i, s:s}", "line", (int)i + 1, "person", who);
    if (one.n == 0) {
        /* An unknown ID number reads the same as another unit's employee. */
        rule(err, "not_member", data, "第 %zu 行：%s 不是本单位在职或退休参保人员", i + 1, who);
    } else if (seen_before(out, pid)) {
        rule(err, "duplicate_person", data, "第 %zu 行：%s 重复", i + 1, who);
    } else if (!one.c[0].span_id) {
        rule(err, "no_medical_span", data, "第 %zu 行：%s 未在本单位参加医疗保险", i + 1, who);
    } else {
        json_decref(data);
        med_credit *c = list_slot(ctx, out);
        *c = one.c[0];
        c->amount_fen = in->amount_fen;
        out->n++;
    }
    return ERR_OK;
}

static err_kind credits_import(svc_ctx *ctx, int64_t unit_id, const json_t *lines, med_list *out,
                               err_detail *err) {
    size_t n = json_array_size(lines);
    if (n == 0)
        return err_set(err, ERR_INVALID, "missing_field", "lines", "请导入医疗补助名单（lines）");
    if (n > MEMBERS_MAX)
        return err_set(err, ERR_TOO_LARGE, "too_large", "lines", "名单不能超过 %d 行", MEMBERS_MAX);
    out->n = 0;
    for (size_t i = 0; i < n; i++) {
        import_line in;
        err_kind k = import_line_read(json_array_get(lines, i), i, &in, err);
        if (!k) k = import_one(ctx, unit_id, i, &in, out, err);
        if (k) return k;
    }
    return ERR_OK;
}

static err_kind already_saved(svc_ctx *ctx, int64_t unit_id, month_ym month, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_BP_MED_SAVED, &st, err);
    if (k) return k;
    store_bind_int(st, 1, unit_id);
    store_bind_int(st, 2, month);
    bool row = false;
    k = store_step(st, &row, err);
    int64_t count = row ? store_col_int(st, 0) : 0;
    store_stmt_done(st);
    if (!k && count > 0)
        k = err_set(err, ERR_CONFLICT, "already_saved", "month",
                    "%s 的医疗补助名单已保存（%lld 人），保存后不能修改", month_str(ctx, month),
                    (long long)count);
    return k;
}

static err_kind credits_save(svc_ctx *ctx, int64_t unit_id, month_ym month, const med_list *l,
                             int64_t *bill_out, err_detail *err) {
    bp_line *lines = arena_alloc(ctx->ar, sizeof *lines * (size_t)l->n);
    for (int i = 0; i < l->n; i++)
        lines[i] = (bp_line){.person_id = l->c[i].person_id, .span_id = l->c[i].span_id,
                             .month = month, .insurance = INS_MEDICAL, .unit_fen = l->c[i].amount_fen};
    bill_spec s = {.unit_id = unit_id, .month = month, .kind = "subsidy", .memo_zh = "医疗补助账单"};
    err_kind k = bill_create(ctx, &s, lines, l->n, bill_out, err);
    const char *today = date_str(ctx, ctx->business_date);
    for (int i = 0; !k && i < l->n; i++)
        k = store_exec(ctx->tx, STORE_Q_BP_MED_INSERT, err, "iiiiiiti", unit_id, l->c[i].person_id,
                       (int64_t)month, (int64_t)(l->c[i].retired ? 1 : 0), l->c[i].amount_fen,
                       *bill_out, today, ctx->now_ms);
    return k;
}

static json_t *credits_json(svc_ctx *ctx, int64_t unit_id, month_ym month, bool generated,
                            const med_list *l, json_t *bill) {
    json_t *arr = json_array();
    int retired = 0;
    money_fen total = 0;
    for (int i = 0; i < l->n; i++) {
        const med_credit *c = &l->c[i];
        retired += c->retired;
        total += c->amount_fen;
        json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:b, s:I}", "person_id",
                              (json_int_t)c->person_id, "id_number", c->id_number, "name", c->name,
                              "retired", c->retired, "amount_fen", (json_int_t)c->amount_fen));
    }
    return json_pack("{s:I, s:s, s:b, s:i, s:i, s:i, s:I, s:o, s:o}", "unit_id", (json_int_t)unit_id,
                     "month", month_str(ctx, month), "generated", generated, "count", l->n,
                     "active_count", l->n - retired, "retired_count", retired,
                     "total_fen", (json_int_t)total, "bill", bill, "lines", arr);
}

/* ---- the medical subsidy business opened for a unit ---- */

static err_kind permit_read(svc_ctx *ctx, int64_t unit_id, json_t **out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_BP_MED_PERMIT_GET, &st, err);
    if (k) return k;
    store_bind_int(st, 1, unit_id);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k)
        *out = row ? json_pack("{s:I, s:b, s:s, s:s}", "unit_id", (json_int_t)unit_id, "granted", 1, "granted_on",
                               store_col_text(st, 0), "granted_by", store_col_text(st, 1))
                   : json_pack("{s:I, s:b, s:n, s:n}", "unit_id", (json_int_t)unit_id, "granted", 0, "granted_on",
                               "granted_by");
    store_stmt_done(st);
    return k;
}

static err_kind rule_med_permitted(svc_ctx *ctx, int64_t unit_id, err_detail *err) {
    json_t *p = NULL;
    err_kind k = permit_read(ctx, unit_id, &p, err);
    if (!k && !json_is_true(json_object_get(p, "granted")))
        rule(err, "med_subsidy_not_permitted", json_pack("{s:I}", "unit_id", (json_int_t)unit_id),
             "本单位尚未开通医疗补助增记业务，请先至基金征缴科申请开通此业务操作权限");
    json_decref(p);
    return k;
}

err_kind backpay_med_permit_get(svc_ctx *ctx, int64_t unit_id, json_t **out, err_detail *err) {
    int64_t unit = unit_id;
    reg_unit u;
    err_kind k = ctx->actor.role == ROLE_UNIT ? subject_unit(ctx, unit_id, &unit, err)
                 : svc_role_is_staff(ctx->actor.role)
                     ? reg_unit_get(ctx, unit_id, &u, err)
                     : err_set(err, ERR_FORBIDDEN, "forbidden", NULL, "当前角色（%s）不能查询医疗补助增记权限",
                               svc_role_name_zh(ctx->actor.role));
    return k ? k : permit_read(ctx, unit, out, err);
}

err_kind backpay_med_permit_set(svc_ctx *ctx, int64_t unit_id, bool granted, json_t **out, err_detail *err) {
    svc_role r = ctx->actor.role;
    if (r != ROLE_FINANCE && r != ROLE_ADMIN && r != ROLE_SYSTEM)
        return err_set(err, ERR_FORBIDDEN, "forbidden", NULL, "医疗补助增记权限由基金征缴科开通，%s无权办理",
                       svc_role_name_zh(r));
    reg_unit u;
    err_kind k = reg_unit_get(ctx, unit_id, &u, err);
    if (!k && granted)
        k = store_exec(ctx->tx, STORE_Q_BP_MED_PERMIT_GRANT, err, "itti", unit_id,
                       date_str(ctx, ctx->business_date), *ctx->actor.name ? ctx->actor.name : "system",
                       ctx->now_ms);
    else if (!k)
        k = store_exec(ctx->tx, STORE_Q_BP_MED_PERMIT_REVOKE, err, "i", unit_id);
    char target[48];
    snprintf(target, sizeof target, "unit:%" PRId64, unit_id);
    if (!k)
        k = audit_append(ctx, granted ? "contrib.med_subsidy.permit" : "contrib.med_subsidy.close", target, "ok",
                         NULL, err);
    return k ? k : permit_read(ctx, unit_id, out, err);
}

err_kind backpay_med_subsidy_save(svc_ctx *ctx, int64_t unit_id, month_ym month,
                                  const json_t *lines, json_t **out, err_detail *err) {
    int64_t unit = 0, bill_id = 0;
    bool generate = json_is_object(lines) && json_is_true(json_object_get(lines, "generate"));
    err_kind k = subject_unit(ctx, unit_id, &unit, err);
    if (!k && !month_valid(month))
        k = err_set(err, ERR_INVALID, "invalid_field", "month", "月份（month）无效");
    if (!k && !generate && !json_is_array(lines))
        k = err_set(err, ERR_INVALID, "invalid_field", "lines",
                    "请导入医疗补助名单（lines 数组）或选择系统生成（generate: true）");
    if (!k) k = reg_unit_rule_active(ctx, unit, err);
    if (!k) k = rule_med_permitted(ctx, unit, err);
    if (!k) k = err_rules_finish(err);
    if (!k) k = already_saved(ctx, unit, month, err);
    if (k) return k;
    med_list l = {0};
    k = generate ? credits_generate(ctx, unit, month, &l, err) : credits_import(ctx, unit, lines, &l, err);
    if (!k && l.n == 0 && err->rule_count == 0)
        rule(err, "no_members", json_pack("{s:s}", "month", month_str(ctx, month)),
             "本单位没有可增记医疗补助的在职或退休参保人员");
    if (!k) k = err_rules_finish(err);
    if (!k) k = credits_save(ctx, unit, month, &l, &bill_id, err);
    json_t *bill = NULL;
    if (!k) k = bill_json(ctx, bill_id, false, &bill, err);
    char target[48];
    snprintf(target, sizeof target, "unit:%" PRId64, unit);
    const char *detail = arena_printf(ctx->ar, "med_subsidy %s %d lines bill:%" PRId64,
                                      month_str(ctx, month), l.n, bill_id);
    if (!k) k = audit_append(ctx, "contrib.med_subsidy.save", target, "ok", detail, err);
    if (k) { json_decref(bill); return k; }
    *out = credits_json(ctx, unit, month, generate, &l, bill);
    return ERR_OK;
}
