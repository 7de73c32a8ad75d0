/* Individual accounts and their interest (see account.h).
 *
 * Balances and credits are read from the ledger: a person's four individual
 * accounts (pension_account, medical_account, housing_fund,
 * housing_subsidy), credit-normal, and the credits of each contribution month
 * from the postings' month. Contribution details come from the assessments
 * and their bills.
 *
 * Housing fund interest (住房公积金结息). The year of `year` runs from the day
 * after the settlement date of year-1 to the settlement date of year
 * (hf.interest_settle_month / _day: 1 July .. 30 June). Only postings count,
 * each from its business date: everything dated before the period is the
 * opening balance, postings dated after the settlement date wait for the next
 * year, and a deposit earns interest from its own business date on (a
 * deposit on 30 June earns one day, one on 29 June two). With B(d) the
 * balance at the end of day d (a negative balance counts as 0):
 *
 *     interest = round( sum over d of B(d)  x  rate_bp / (10000 x basis) )
 *
 * with rate_bp = hf.deposit_interest_bp and basis = hf.interest_day_basis
 * (360) in force on the settlement date and the rounding of
 * hf.interest_rounding. The balance-days are summed exactly first and divided
 * once, so no fraction of a fen is lost day by day. Example: 1,000,000 fen
 * from 1 July for a 365-day year at 150 bp: 1,000,000 x 365 x 150 / 3,600,000
 * = 15,208.33 -> 15,208 fen. It is credited to the person's housing_fund
 * from the pool interest_expense on the settlement date, key
 * "hf_interest:<year>:<person>"; that entry is itself dated in the period, so
 * it is left out when the year is computed again.
 *
 * Pension individual account interest (养老保险个人账户记账利息), calendar year
 * `year`, at pension.account_interest_bp in force on 31 December of that year.
 * The opening balance (postings dated before 1 January) earns a whole year; a
 * credit dated in month m (1..12) of the year earns (12 - m) / 12 of a year,
 * as if credited at the end of its month (January's credits 11 months,
 * December's none); a debit (a transfer out) counts the same way, negatively:
 *
 *     interest = round_half_up( (opening x 12 + sum credit_m x (12 - m)) x rate_bp / 120000 )
 *
 * credited on 31 December from interest_expense, key
 * "pension_interest:<year>:<person>". Interest that comes out at 0 or less is
 * not posted. A year is settled only once its settlement date has come (rule
 * "period_not_ended"). */
#include "svc/account.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/jsonx.h"
#include "base/limits.h"
#include "ledger/ledger.h"
#include "svc/audit.h"
#include "svc/registry.h"
#include "svc/registry_person.h"

enum {
    DAY_ROWS_MAX = 370,        /* one row per day of a year, plus the opening */
    TARGET_BYTES = 48,
    DETAIL_BYTES = 160,
    YEAR_MIN = 1901,           /* the housing fund year starts in year-1 */
    YEAR_MAX = 2199,
    RATE_SCALE_BP = 10000,
    MONTHS_PER_YEAR = 12,
    RUN_ARENA_BYTES = 64 * 1024,
};

typedef struct kind_info {
    const char *insurance;
    const char *name_zh;
} kind_info;

/* Indexed like ledger_person_kinds. */
static const kind_info kinds_info[LEDGER_PERSON_KINDS] = {
    {"pension", "基本养老保险个人账户"},
    {"medical", "基本医疗保险个人账户"},
    {"housing_fund", "住房公积金账户"},
    {"housing_subsidy", "住房补贴账户"},
};

static const char *insurance_of(const char *account_kind) {
    for (int i = 0; i < LEDGER_PERSON_KINDS; i++)
        if (strcmp(ledger_person_kinds[i], account_kind) == 0) return kinds_info[i].insurance;
    return account_kind;
}

/* ---- who sees what ---- */

static err_kind not_found(err_detail *err) {
    return err_set(err, ERR_NOT_FOUND, "person_not_found", NULL, "未找到该参保人");
}

/* Like the person's record, but a unit operator sees no one's accounts. */
static err_kind visible(svc_ctx *ctx, int64_t person_id, err_detail *err) {
    if (ctx->actor.role == ROLE_UNIT) return not_found(err);
    int64_t scope = 0;
    return reg_person_visible(ctx, person_id, &scope, err);
}

static err_kind audit_person(svc_ctx *ctx, const char *action, int64_t person_id,
                             const char *detail, err_detail *err) {
    char target[TARGET_BYTES];
    snprintf(target, sizeof target, "person:%" PRId64, person_id);
    return audit_append(ctx, action, target, "ok", detail, err);
}

static err_kind may_settle(const svc_ctx *ctx, err_detail *err) {
    svc_role r = ctx->actor.role;
    if (r == ROLE_FINANCE || r == ROLE_ADMIN || r == ROLE_SYSTEM) return ERR_OK;
    return err_set(err, ERR_FORBIDDEN, "forbidden", NULL, "%s无权办理结息", svc_role_name_zh(r));
}

static err_kind year_check(int year, err_detail *err) {
    if (year >= YEAR_MIN && year <= YEAR_MAX) return ERR_OK;
    return err_set(err, ERR_INVALID, "invalid_value", "year", "年度应在 %d 到 %d 之间", YEAR_MIN,
                   YEAR_MAX);
}

/* ---- balances and credits ---- */

static err_kind balances_write(svc_ctx *ctx, int64_t person_id, jsonx_writer *w, err_detail *err) {
    money_fen b[LEDGER_PERSON_KINDS];
    err_kind k = ledger_natural_balances(ctx->tx, OWNER_PERSON, person_id, ledger_person_kinds,
                                         LEDGER_PERSON_KINDS, b, err);
    if (k) return k;
    jsonx_w_open(w, "accounts", '[');
    for (int i = 0; i < LEDGER_PERSON_KINDS; i++) {
        jsonx_w_open(w, NULL, '{');
        jsonx_w_str(w, "kind", ledger_person_kinds[i]);
        jsonx_w_str(w, "insurance", kinds_info[i].insurance);
        jsonx_w_str(w, "name_zh", kinds_info[i].name_zh);
        jsonx_w_int(w, "balance_fen", b[i]);
        jsonx_w_close(w, '}');
    }
    jsonx_w_close(w, ']');
    return ERR_OK;
}

/* Newest months first; past LIMIT_QUERY_ROWS_MAX rows the oldest are left out. */
static err_kind credits_write(svc_ctx *ctx, int64_t person_id, jsonx_writer *w, bool *truncated,
                              err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_ACCOUNT_CREDITS_BY_MONTH, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    store_bind_int(st, 2, LIMIT_QUERY_ROWS_MAX + 1);
    bool row = true;
    jsonx_w_open(w, NULL, '[');
    for (int n = 0; !k; n++) {
        k = store_step(st, &row, err);
        if (k || !row) break;
        if (n == LIMIT_QUERY_ROWS_MAX) { *truncated = true; break; }
        char month[MONTH_STR_BYTES];
        month_format((month_ym)store_col_int(st, 0), month);
        jsonx_w_open(w, NULL, '{');
        jsonx_w_str(w, "month", month);
        jsonx_w_str(w, "insurance", insurance_of(store_col_text(st, 1)));
        jsonx_w_int(w, "amount_fen", -store_col_int(st, 2));
        jsonx_w_close(w, '}');
    }
    jsonx_w_close(w, ']');
    store_stmt_done(st);
    return k;
}

static err_kind interest_write(svc_ctx *ctx, int64_t person_id, jsonx_writer *w, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_ACCOUNT_INTEREST_ROWS, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    store_bind_int(st, 2, LIMIT_QUERY_ROWS_MAX);
    bool row = true;
    jsonx_w_open(w, "interest", '[');
    for (int n = 0; !k && n < LIMIT_QUERY_ROWS_MAX; n++) {
        k = store_step(st, &row, err);
        if (k || !row) break;
        jsonx_w_open(w, NULL, '{');
        jsonx_w_str(w, "date", store_col_text(st, 0));
        jsonx_w_str(w, "kind", store_col_text(st, 1));
        jsonx_w_str(w, "insurance", insurance_of(store_col_text(st, 2)));
        jsonx_w_int(w, "amount_fen", -store_col_int(st, 3));
        jsonx_w_int(w, "entry_id", store_col_int(st, 4));
        jsonx_w_close(w, '}');
    }
    jsonx_w_close(w, ']');
    store_stmt_done(st);
    return k;
}

err_kind account_balances_write(svc_ctx *ctx, int64_t person_id, jsonx_writer *out, err_detail *err) {
    err_kind k = visible(ctx, person_id, err);
    if (k) return k;
    /* The credits come before their truncation mark: written apart, then put in. */
    jsonx_writer credits;
    jsonx_w_begin(&credits, ctx->ar, 2048);
    bool truncated = false;
    jsonx_w_begin(out, ctx->ar, 2048);
    jsonx_w_open(out, NULL, '{');
    jsonx_w_int(out, "person_id", person_id);
    k = balances_write(ctx, person_id, out, err);
    if (!k) k = credits_write(ctx, person_id, &credits, &truncated, err);
    if (!k) {
        jsonx_w_text(out, "monthly_credits", &credits);
        jsonx_w_bool(out, "monthly_credits_truncated", truncated);
        k = interest_write(ctx, person_id, out, err);
    }
    if (!k) k = audit_person(ctx, "person.read", person_id, "accounts", err);
    if (!k) jsonx_w_close(out, '}');
    return k;
}

/* ---- contribution details ---- */

static const char *contrib_kind_zh(const char *kind) {
    if (strcmp(kind, "backpay") == 0) return "补缴";
    if (strcmp(kind, "difference") == 0) return "差额补收";
    return "正常缴费";
}

/* Written as JSON text row by row (base/jsonx's writer): a person reads
 * many rows at once, and a tree of objects for them cost more than the
 * statement that read them. */
static void contribution_row(jsonx_writer *w, store_stmt *st) {
    const char *ins = store_col_text(st, 1), *kind = store_col_text(st, 2);
    reg_insurance i = INS_PENSION;
    /* No detail wanted (NULL): an err_detail is 9 KiB to clear for every row. */
    const char *ins_zh = reg_insurance_parse(ins, "insurance", &i, NULL) ? ins : reg_insurance_name_zh(i);
    int64_t unit_id = store_col_int(st, 3);
    const char *paid_on = store_col_text(st, 9), *status = store_col_text(st, 8);
    char month[MONTH_STR_BYTES];
    month_format((month_ym)store_col_int(st, 0), month);
    jsonx_w_open(w, NULL, '{');
    jsonx_w_str(w, "month", month);
    jsonx_w_str(w, "insurance", ins);
    jsonx_w_str(w, "insurance_zh", ins_zh);
    jsonx_w_str(w, "kind", kind);
    jsonx_w_str(w, "kind_zh", contrib_kind_zh(kind));
    jsonx_w_bool(w, "backpay", strcmp(kind, "backpay") == 0);
    jsonx_w_bool(w, "difference", strcmp(kind, "difference") == 0);
    if (unit_id > 0) jsonx_w_int(w, "unit_id", unit_id);
    else jsonx_w_null(w, "unit_id");
    jsonx_w_str(w, "unit_name", store_col_text(st, 4));
    jsonx_w_int(w, "base_fen", store_col_int(st, 5));
    jsonx_w_int(w, "unit_fen", store_col_int(st, 6));
    jsonx_w_int(w, "personal_fen", store_col_int(st, 7));
    jsonx_w_bool(w, "paid", strcmp(status, "paid") == 0);
    jsonx_w_str(w, "bill_status", status);
    jsonx_w_str(w, "paid_on", *paid_on ? paid_on : NULL);
    jsonx_w_int(w, "bill_id", store_col_int(st, 10));
    jsonx_w_close(w, '}');
}

static err_kind contributions_rows(svc_ctx *ctx, int64_t person_id, int year, jsonx_writer *items, int *count,
                                   bool *truncated, money_fen totals[2], err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_ACCOUNT_CONTRIBUTIONS, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    store_bind_int(st, 2, year ? (int64_t)year * 100 + 1 : 0);
    store_bind_int(st, 3, year ? (int64_t)year * 100 + 12 : INT64_MAX);
    store_bind_int(st, 4, LIMIT_QUERY_ROWS_MAX + 1);
    bool row = true;
    jsonx_w_open(items, NULL, '[');
    for (int n = 0; !k; n++) {
        k = store_step(st, &row, err);
        if (k || !row) break;
        if (n == LIMIT_QUERY_ROWS_MAX) { *truncated = true; break; }
        totals[0] += store_col_int(st, 6);
        totals[1] += store_col_int(st, 7);
        contribution_row(items, st);
        ++*count;
    }
    jsonx_w_close(items, ']');
    store_stmt_done(st);
    return k;
}

err_kind account_contributions_write(svc_ctx *ctx, int64_t person_id, int year, jsonx_writer *out,
                                     err_detail *err) {
    err_kind k = year ? year_check(year, err) : ERR_OK;
    if (!k) k = visible(ctx, person_id, err);
    if (k) return k;
    jsonx_writer items;
    jsonx_w_begin(&items, ctx->ar, 8192);
    int count = 0;
    bool truncated = false;
    money_fen totals[2] = {0, 0};
    k = contributions_rows(ctx, person_id, year, &items, &count, &truncated, totals, err);
    if (!k) k = audit_person(ctx, "person.read", person_id, "contributions", err);
    if (k) return k;
    jsonx_w_begin(out, ctx->ar, items.n + 256);
    jsonx_w_open(out, NULL, '{');
    jsonx_w_int(out, "person_id", person_id);
    if (year) jsonx_w_int(out, "year", year);
    else jsonx_w_null(out, "year");
    jsonx_w_int(out, "count", count);
    jsonx_w_bool(out, "truncated", truncated);
    jsonx_w_int(out, "unit_total_fen", totals[0]);
    jsonx_w_int(out, "personal_total_fen", totals[1]);
    jsonx_w_text(out, "items", &items);
    jsonx_w_close(out, '}');
    return ERR_OK;
}

/* ---- interest: periods and movements ---- */

/* The housing fund settlement date of a year (policy, on 1 January of it). */
static err_kind hf_settle_date(const policy *pol, int year, date_days *out, err_detail *err) {
    int64_t m = 0, d = 0;
    date_days on = date_from_ymd(year, 1, 1);
    err_kind k = policy_get_int(pol, "hf.interest_settle_month", on, &m, err);
    if (!k) k = policy_get_int(pol, "hf.interest_settle_day", on, &d, err);
    if (k) return k;
    if (m < 1 || m > 12 || d < 1 || d > 31 || !date_valid_ymd(year, (int)m, (int)d))
        return err_set(err, ERR_CONFIG, "policy_invalid", "hf.interest_settle_day",
                       "政策参数 hf.interest_settle_month / hf.interest_settle_day（%" PRId64
                       " 月 %" PRId64 " 日）不是 %d 年的有效日期", m, d, year);
    *out = date_from_ymd(year, (int)m, (int)d);
    return ERR_OK;
}

typedef struct period {
    date_days start, end;      /* both inclusive */
} period;

static err_kind hf_period(const policy *pol, int year, period *out, err_detail *err) {
    date_days prev = 0, end = 0;
    err_kind k = year_check(year, err);
    if (!k) k = hf_settle_date(pol, year - 1, &prev, err);
    if (!k) k = hf_settle_date(pol, year, &end, err);
    if (k) return k;
    out->start = prev + 1;
    out->end = end;
    return ERR_OK;
}

static err_kind pension_period(int year, period *out, err_detail *err) {
    err_kind k = year_check(year, err);
    if (k) return k;
    out->start = date_from_ymd(year, 1, 1);
    out->end = date_from_ymd(year, 12, 31);
    return ERR_OK;
}

/* Refused while the settlement date has not come. */
static void rule_period_ended(const svc_ctx *ctx, const char *what_zh, int year, date_days end,
                              err_detail *err) {
    if (ctx->business_date >= end) return;
    char e[DATE_STR_BYTES], b[DATE_STR_BYTES], data[128];
    date_format(end, e);
    date_format(ctx->business_date, b);
    snprintf(data, sizeof data, "{\"year\":%d,\"settle_on\":\"%s\",\"business_date\":\"%s\"}", year,
             e, b);
    err_rule_add(err, "period_not_ended", data, "%d 年度%s的结息日为 %s，业务日期 %s 尚未到结息日",
                 year, what_zh, e, b);
}

typedef struct move {
    date_days day;
    money_fen credit;          /* natural: a deposit is positive */
} move;

typedef struct moves {
    money_fen opening;         /* everything dated before the period */
    int n;
    move m[DAY_ROWS_MAX];
} moves;

/* The account's movements of the period by business date, the entry under
 * skip_key left out. */
static err_kind moves_load(svc_ctx *ctx, int64_t account_id, const period *p,
                           const char *skip_key, moves *out, err_detail *err) {
    char s[DATE_STR_BYTES], e[DATE_STR_BYTES];
    date_format(p->start, s);
    date_format(p->end, e);
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_ACCOUNT_DAILY_MOVES, &st, err);
    if (k) return k;
    store_bind_int(st, 1, account_id);
    store_bind_text(st, 2, s);
    store_bind_text(st, 3, e);
    store_bind_text(st, 4, skip_key);
    store_bind_int(st, 5, DAY_ROWS_MAX + 1);
    out->opening = 0;
    out->n = 0;
    bool row = true;
    while (!k) {
        k = store_step(st, &row, err);
        if (k || !row) break;
        const char *day = store_col_text(st, 0);
        money_fen credit = -store_col_int(st, 1);
        if (*day == 0) { out->opening += credit; continue; }   /* before the period */
        if (out->n == DAY_ROWS_MAX) {
            k = err_set(err, ERR_INTERNAL, "too_many_days", NULL, "内部错误：一年的记账日过多");
            break;
        }
        k = date_parse(day, "business_date", &out->m[out->n].day, err);
        out->m[out->n++].credit = credit;
    }
    store_stmt_done(st);
    return k;
}

static err_kind overflow(err_detail *err) {
    return err_set(err, ERR_INTERNAL, "amount_overflow", NULL, "内部错误：利息计算溢出");
}

/* acc += a x b, false on overflow. */
static bool mul_add(int64_t *acc, int64_t a, int64_t b) {
    int64_t p;
    return !__builtin_mul_overflow(a, b, &p) && !__builtin_add_overflow(*acc, p, acc);
}

/* Sum over the days of the period of the day's closing balance (negative: 0). */
static err_kind hf_balance_days(const moves *mv, const period *p, int64_t *out, err_detail *err) {
    int64_t bd = 0;
    money_fen bal = mv->opening;
    date_days from = p->start;
    for (int i = 0; i <= mv->n; i++) {
        date_days to = i < mv->n ? mv->m[i].day : p->end + 1;   /* bal holds on [from, to) */
        if (bal > 0 && to > from && !mul_add(&bd, bal, (int64_t)(to - from))) return overflow(err);
        if (i < mv->n) {
            if (__builtin_add_overflow(bal, mv->m[i].credit, &bal)) return overflow(err);
            from = mv->m[i].day;
        }
    }
    *out = bd;
    return ERR_OK;
}

/* Month-weighted sum: the opening for 12 months, a credit of month m for 12 - m. */
static err_kind pension_month_weight(const moves *mv, int64_t *out, err_detail *err) {
    int64_t w = 0;
    if (!mul_add(&w, mv->opening, MONTHS_PER_YEAR)) return overflow(err);
    for (int i = 0; i < mv->n; i++) {
        int y, m, d;
        date_to_ymd(mv->m[i].day, &y, &m, &d);
        if (!mul_add(&w, mv->m[i].credit, MONTHS_PER_YEAR - m)) return overflow(err);
    }
    *out = w;
    return ERR_OK;
}

/* base x rate_bp / den, rounded; 0 when base <= 0. */
static err_kind interest_of(int64_t base, int64_t rate_bp, int64_t den, money_round mode,
                            money_fen *out, err_detail *err) {
    int64_t num = 0;
    if (base <= 0 || rate_bp <= 0) { *out = 0; return ERR_OK; }
    if (!mul_add(&num, base, rate_bp) || num >= (INT64_C(1) << 62)) return overflow(err);
    *out = money_div_round(num, den, mode);
    return ERR_OK;
}

static err_kind person_account_id(svc_ctx *ctx, int64_t person_id, int index, int64_t *out,
                                  err_detail *err) {
    int64_t ids[LEDGER_PERSON_KINDS];
    err_kind k = ledger_person_accounts(ctx->tx, person_id, ids, err);
    if (!k) *out = ids[index];
    return k;
}

static void hf_key(int year, int64_t person_id, char out[LEDGER_IDEM_KEY_BYTES]) {
    snprintf(out, LEDGER_IDEM_KEY_BYTES, "hf_interest:%d:%" PRId64, year, person_id);
}

static void pension_key(int year, int64_t person_id, char out[LEDGER_IDEM_KEY_BYTES]) {
    snprintf(out, LEDGER_IDEM_KEY_BYTES, "pension_interest:%d:%" PRId64, year, person_id);
}

/* ---- housing fund interest ---- */

typedef struct hf_terms {
    int64_t rate_bp, basis_days;
    money_round mode;
} hf_terms;

static err_kind hf_terms_on(const policy *pol, date_days on, hf_terms *t, err_detail *err) {
    const char *rounding = NULL;
    err_kind k = policy_get_int(pol, "hf.deposit_interest_bp", on, &t->rate_bp, err);
    if (!k) k = policy_get_int(pol, "hf.interest_day_basis", on, &t->basis_days, err);
    if (!k) k = policy_get_str(pol, "hf.interest_rounding", on, &rounding, err);
    if (!k) k = money_round_parse(rounding, &t->mode, err);
    if (!k && (t->basis_days < 1 || t->basis_days > 366))
        k = err_set(err, ERR_CONFIG, "policy_invalid", "hf.interest_day_basis",
                    "政策参数 hf.interest_day_basis 应在 1 到 366 天之间");
    return k;
}

static err_kind hf_compute(svc_ctx *ctx, int64_t person_id, int year, const period *p,
                           money_fen *out, err_detail *err) {
    hf_terms t;
    int64_t account = 0, bd = 0;
    char key[LEDGER_IDEM_KEY_BYTES];
    hf_key(year, person_id, key);
    err_kind k = hf_terms_on(ctx->pol, p->end, &t, err);
    if (!k) k = person_account_id(ctx, person_id, LEDGER_PERSON_HOUSING_FUND, &account, err);
    if (k) return k;
    if (!account) { *out = 0; return ERR_OK; }
    moves *mv = arena_alloc(ctx->ar, sizeof *mv);
    k = moves_load(ctx, account, p, key, mv, err);
    if (!k) k = hf_balance_days(mv, p, &bd, err);
    if (!k) k = interest_of(bd, t.rate_bp, RATE_SCALE_BP * t.basis_days, t.mode, out, err);
    return k;
}

err_kind account_hf_interest(svc_ctx *ctx, int64_t person_id, int year, money_fen *interest_out,
                             err_detail *err) {
    period p;
    money_fen v = 0;
    err_kind k = hf_period(ctx->pol, year, &p, err);
    if (!k) k = visible(ctx, person_id, err);
    if (!k) k = hf_compute(ctx, person_id, year, &p, &v, err);
    if (!k) k = audit_person(ctx, "person.read", person_id, "hf_interest", err);
    if (!k) *interest_out = v;
    return k;
}

/* Credits interest to the person's account from the pool interest_expense. */
static err_kind interest_post(svc_ctx *ctx, int64_t person_id, int account_index,
                              const char *entry_kind, const char *key, date_days on,
                              money_fen interest, const char *memo, err_detail *err) {
    int64_t person_acct = 0, pool = 0, entry = 0;
    bool dup = false;
    err_kind k = ledger_account(ctx->tx, OWNER_PERSON, person_id, ledger_person_kinds[account_index],
                                &person_acct, err);
    if (!k) k = ledger_account(ctx->tx, OWNER_POOL, 0, "interest_expense", &pool, err);
    if (k) return k;
    ledger_posting p[2] = {{pool, interest, 0}, {person_acct, -interest, 0}};
    k = ledger_post(ctx->tx, key, on, entry_kind, memo, p, 2, ctx->now_ms, &entry, &dup, err);
    if (k || dup) return k;
    char detail[DETAIL_BYTES];
    snprintf(detail, sizeof detail, "%s: %" PRId64 " 分，分录 %" PRId64, key, interest, entry);
    return audit_person(ctx, entry_kind, person_id, detail, err);
}

err_kind account_hf_interest_settle(svc_ctx *ctx, int64_t person_id, int year, err_detail *err) {
    period p;
    err_kind k = may_settle(ctx, err);
    if (!k) k = hf_period(ctx->pol, year, &p, err);
    if (k) return k;
    rule_period_ended(ctx, "住房公积金", year, p.end, err);
    k = err_rules_finish(err);
    char key[LEDGER_IDEM_KEY_BYTES];
    hf_key(year, person_id, key);
    int64_t done = 0;
    money_fen interest = 0;
    if (!k) k = ledger_entry_find(ctx->tx, key, &done, err);
    if (k || done) return k;   /* settled before: nothing to do */
    k = hf_compute(ctx, person_id, year, &p, &interest, err);
    if (k || interest <= 0) return k;
    char memo[DETAIL_BYTES], s[DATE_STR_BYTES], e[DATE_STR_BYTES];
    date_format(p.start, s);
    date_format(p.end, e);
    snprintf(memo, sizeof memo, "住房公积金 %s 至 %s 年度结息", s, e);
    return interest_post(ctx, person_id, LEDGER_PERSON_HOUSING_FUND, "hf_interest", key, p.end,
                         interest, memo, err);
}

/* ---- pension individual account interest ---- */

static err_kind pension_compute(svc_ctx *ctx, int64_t person_id, int year, const period *p,
                                money_fen *out, err_detail *err) {
    int64_t rate_bp = 0, account = 0, weight = 0;
    char key[LEDGER_IDEM_KEY_BYTES];
    pension_key(year, person_id, key);
    err_kind k = policy_get_int(ctx->pol, "pension.account_interest_bp", p->end, &rate_bp, err);
    if (!k) k = person_account_id(ctx, person_id, LEDGER_PERSON_PENSION, &account, err);
    if (k) return k;
    if (!account) { *out = 0; return ERR_OK; }
    moves *mv = arena_alloc(ctx->ar, sizeof *mv);
    k = moves_load(ctx, account, p, key, mv, err);
    if (!k) k = pension_month_weight(mv, &weight, err);
    if (!k) k = interest_of(weight, rate_bp, RATE_SCALE_BP * MONTHS_PER_YEAR, ROUND_HALF_UP, out, err);
    return k;
}

err_kind account_pension_interest_settle(svc_ctx *ctx, int64_t person_id, int year,
                                         err_detail *err) {
    period p;
    err_kind k = may_settle(ctx, err);
    if (!k) k = pension_period(year, &p, err);
    if (k) return k;
    rule_period_ended(ctx, "养老保险个人账户", year, p.end, err);
    k = err_rules_finish(err);
    char key[LEDGER_IDEM_KEY_BYTES];
    pension_key(year, person_id, key);
    int64_t done = 0;
    money_fen interest = 0;
    if (!k) k = ledger_entry_find(ctx->tx, key, &done, err);
    if (k || done) return k;
    k = pension_compute(ctx, person_id, year, &p, &interest, err);
    if (k || interest <= 0) return k;
    char memo[DETAIL_BYTES];
    snprintf(memo, sizeof memo, "养老保险个人账户 %d 年度记账利息", year);
    return interest_post(ctx, person_id, LEDGER_PERSON_PENSION, "pension_interest", key, p.end,
                         interest, memo, err);
}

/* ---- the yearly runs ---- */

err_kind account_interest_kinds_parse(const char *s, unsigned *out, err_detail *err) {
    if (!s || !*s) *out = ACCOUNT_INTEREST_HF | ACCOUNT_INTEREST_PENSION;
    else if (strcmp(s, "housing_fund") == 0) *out = ACCOUNT_INTEREST_HF;
    else if (strcmp(s, "pension") == 0) *out = ACCOUNT_INTEREST_PENSION;
    else
        return err_set(err, ERR_INVALID, "invalid_value", "kind",
                       "结息种类（kind）应为 housing_fund 或 pension");
    return ERR_OK;
}

static err_kind hf_key_fn(svc_ctx *ctx, int64_t key, void *arg, err_detail *err) {
    return account_hf_interest_settle(ctx, key, *(const int *)arg, err);
}

static err_kind pension_key_fn(svc_ctx *ctx, int64_t key, void *arg, err_detail *err) {
    return account_pension_interest_settle(ctx, key, *(const int *)arg, err);
}

typedef struct run_def {
    unsigned bit;
    const char *kind, *batch_kind, *key_prefix, *name_zh;
    store_query keys, count;
    batch_key_fn fn;
} run_def;

static const run_def runs[] = {
    {ACCOUNT_INTEREST_HF, "housing_fund", "interest_hf", "hf_interest", "住房公积金",
     STORE_Q_ACCOUNT_HF_PERSONS, STORE_Q_ACCOUNT_HF_PERSONS_COUNT, hf_key_fn},
    {ACCOUNT_INTEREST_PENSION, "pension", "interest_pension", "pension_interest", "养老保险个人账户",
     STORE_Q_ACCOUNT_PENSION_PERSONS, STORE_Q_ACCOUNT_PENSION_PERSONS_COUNT, pension_key_fn},
};
enum { RUN_COUNT = sizeof runs / sizeof runs[0] };

static err_kind run_settle_date(const svc_ctx *ctx, const run_def *r, int year, date_days *out,
                                err_detail *err) {
    period p;
    err_kind k = r->bit == ACCOUNT_INTEREST_HF ? hf_period(ctx->pol, year, &p, err)
                                               : pension_period(year, &p, err);
    if (!k) *out = p.end;
    return k;
}

/* Entries and interest credited under "<prefix>:<year>:*", in a read transaction. */
static err_kind run_totals(store *st, const run_def *r, int year, int64_t *entries,
                           money_fen *interest, err_detail *err) {
    char lo[LEDGER_IDEM_KEY_BYTES], hi[LEDGER_IDEM_KEY_BYTES];
    snprintf(lo, sizeof lo, "%s:%d:", r->key_prefix, year);
    snprintf(hi, sizeof hi, "%s:%d;", r->key_prefix, year);   /* ';' follows ':' */
    store_tx *tx = NULL;
    store_stmt *q;
    err_kind k = store_begin(st, false, &tx, err);
    if (k) return k;
    k = store_prepare(tx, STORE_Q_ACCOUNT_INTEREST_TOTAL, &q, err);
    if (!k) {
        store_bind_text(q, 1, lo);
        store_bind_text(q, 2, hi);
        bool row = false;
        k = store_step(q, &row, err);
        *entries = (!k && row) ? store_col_int(q, 0) : 0;
        *interest = (!k && row) ? -store_col_int(q, 1) : 0;
        store_stmt_done(q);
    }
    store_rollback(tx);
    return k;
}

static err_kind run_one(store *st, svc_ctx *c, const run_def *r, int year, date_days settle_on,
                        batch_progress_fn progress, void *progress_arg, json_t *list,
                        err_detail *err) {
    char run_key[16];
    snprintf(run_key, sizeof run_key, "%d", year);
    int y = year;
    batch_spec spec = {.kind = r->batch_kind, .run_key = run_key, .keys_query = r->keys,
                       .keys_param = year, .count_query = r->count, .chunk_keys = 0, .fn = r->fn,
                       .arg = &y, .progress = progress, .progress_arg = progress_arg};
    int64_t done = 0, entries = 0;
    money_fen interest = 0;
    err_kind k = batch_run(st, c, &spec, &done, err);
    if (!k) k = run_totals(st, r, year, &entries, &interest, err);
    if (k) return k;
    json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:o, s:I, s:I, s:I}", "kind",
        r->kind, "name_zh", r->name_zh, "batch_kind", r->batch_kind, "run_key", run_key,
        "settle_on", jsonx_date_new(settle_on), "persons", (json_int_t)done, "entries",
        (json_int_t)entries, "interest_fen", (json_int_t)interest));
    return ERR_OK;
}

/* Who ran the year's settlement and what it came to (each person's entry
 * has its own row). */
static err_kind run_audit(store *st, svc_ctx *c, int year, const json_t *list, err_detail *err) {
    char target[TARGET_BYTES], detail[DETAIL_BYTES] = "";
    snprintf(target, sizeof target, "interest:%d", year);
    size_t i, used = 0;
    json_t *run;
    json_array_foreach(list, i, run) {
        if (used >= sizeof detail) break;   /* cut short: the runs' own rows say the rest */
        int n = snprintf(detail + used, sizeof detail - used, "%s%s: %lld 笔 %lld 分", i ? "; " : "",
                         json_string_value(json_object_get(run, "kind")),
                         (long long)json_integer_value(json_object_get(run, "entries")),
                         (long long)json_integer_value(json_object_get(run, "interest_fen")));
        if (n < 0) break;
        used += (size_t)n;
    }
    err_kind k = store_begin(st, true, &c->tx, err);
    if (k) return k;
    k = audit_append(c, "interest.settle", target, "ok", detail, err);
    if (!k) k = store_commit(c->tx, err);
    else store_rollback(c->tx);
    c->tx = NULL;
    return k;
}

err_kind account_interest_settle_all(store *st, const svc_ctx *tmpl, unsigned kinds, int year,
                                     batch_progress_fn progress, void *progress_arg,
                                     json_t **out, err_detail *err) {
    date_days settle_on[RUN_COUNT] = {0};
    err_kind k = may_settle(tmpl, err);
    if (!k) k = year_check(year, err);
    if (!k && !(kinds & (ACCOUNT_INTEREST_HF | ACCOUNT_INTEREST_PENSION)))
        k = err_set(err, ERR_INVALID, "invalid_value", "kind", "未指定结息种类");
    for (int i = 0; !k && i < RUN_COUNT; i++)
        if (kinds & runs[i].bit) k = run_settle_date(tmpl, &runs[i], year, &settle_on[i], err);
    for (int i = 0; !k && i < RUN_COUNT; i++)   /* every kind asked is checked before any runs */
        if (kinds & runs[i].bit) rule_period_ended(tmpl, runs[i].name_zh, year, settle_on[i], err);
    if (!k) k = err_rules_finish(err);
    if (k) return k;
    /* The run's own arena: batch_run resets it per chunk, and the caller's
     * (a request's) must survive the run. */
    svc_ctx c = *tmpl;
    c.tx = NULL;
    c.ar = arena_create(RUN_ARENA_BYTES);
    json_t *list = json_array();
    for (int i = 0; !k && i < RUN_COUNT; i++)
        if (kinds & runs[i].bit)
            k = run_one(st, &c, &runs[i], year, settle_on[i], progress, progress_arg, list, err);
    if (!k) k = run_audit(st, &c, year, list, err);
    arena_destroy(c.ar);
    if (k) { json_decref(list); return k; }
    *out = json_pack("{s:i, s:o}", "year", year, "runs", list);
    return ERR_OK;
}
