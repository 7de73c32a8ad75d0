/* Contributions: the one computation of a month's amounts, declared bases,
 * the monthly assessment into bills and their posting, the unit's check and
 * confirmation, and the monthly run (see svc/contribution.h).
 *
 * The monthly run is the hot path (a million persons). Per chunk of units
 * it reads the units' rates, declared wages, back-paid spans and active
 * spans with one statement each (CONTRIB_CHUNK_*), computes each line from
 * the month's policy looked up once per run (contrib_policy), and hands the
 * lines to the store's bulk rows, written at the chunk's end; per bill one
 * ledger entry, per chunk one audit row. No SELECT runs per line. */
#include "svc/contribution.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonx.h"
#include "base/limits.h"
#include "ledger/ledger.h"
#include "svc/audit.h"
#include "svc/registry_unit.h"

enum {
    RATE_BP_MAX = 10000,          /* a rate above 100% is a typo */
    PERSON_SPANS_MAX = 32,        /* person-paid spans of one person in one month */
    DATA_BYTES = 240,
    BILL_MEMO_BYTES = 96,
    MONTH_RUN_ARENA_BYTES = 64 * 1024,
};

#define ALL_INSURANCES ((1u << INS_COUNT) - 1u)
#define BIT(i) (1u << (i))

/* ---- who may act ---- */

static bool is_counter(svc_role r) { return r == ROLE_CLERK || r == ROLE_ADMIN || r == ROLE_SYSTEM; }
static bool is_finance(svc_role r) { return r == ROLE_FINANCE || r == ROLE_ADMIN || r == ROLE_SYSTEM; }

static err_kind forbidden(const svc_ctx *ctx, const char *what, err_detail *err) {
    return err_set(err, ERR_FORBIDDEN, "forbidden", NULL, "当前角色（%s）不能%s",
                   svc_role_name_zh(ctx->actor.role), what);
}

/* The unit an operation acts for: a unit operator its own only (another is
 * "not found"); the counter any. */
static err_kind unit_subject(const svc_ctx *ctx, int64_t unit_id, const char *what, err_detail *err) {
    if (ctx->actor.role == ROLE_UNIT) {
        if (unit_id != ctx->actor.unit_id)
            return err_set(err, ERR_NOT_FOUND, "unit_not_found", "unit_id", "未找到该单位");
        return ERR_OK;
    }
    return is_counter(ctx->actor.role) ? ERR_OK : forbidden(ctx, what, err);
}

static const char *month_str(arena *ar, month_ym m) {
    char s[MONTH_STR_BYTES];
    month_format(m, s);
    return arena_strdup(ar, s);
}

static const char *yuan_str(arena *ar, money_fen f) {
    char s[MONEY_STR_BYTES];
    money_format_yuan(f, 1, s);
    return arena_strdup(ar, s);
}

static err_kind month_check(month_ym m, const char *field, err_detail *err) {
    if (month_valid(m)) return ERR_OK;
    return err_set(err, ERR_INVALID, "invalid_field", field, "字段 %s 应为有效的年月（YYYY-MM）", field);
}

/* ---- the month's policy ---- */

int contrib_policy_year(month_ym month) {
    int y = month / 100, m = month % 100;
    return m >= 7 ? y : y - 1;
}

static err_kind pol_ins_int(const policy *pol, reg_insurance i, const char *suffix, date_days on,
                            int64_t *out, err_detail *err) {
    char key[64];
    snprintf(key, sizeof key, "%s.%s", reg_insurance_name(i), suffix);
    return policy_get_int(pol, key, on, out, err);
}

static err_kind pol_rounding(const policy *pol, const char *prefix, date_days on, money_round *out,
                             err_detail *err) {
    char key[64];
    const char *s = NULL;
    snprintf(key, sizeof key, "%s.rounding", prefix);
    err_kind k = policy_get_str(pol, key, on, &s, err);
    if (!k && money_round_parse(s, out, err))
        k = err_set(err, ERR_CONFIG, "policy_type", key, "政策参数 %s 的舍入方式不正确：%s", key, s);
    return k;
}

static err_kind load_injury_classes(const policy *pol, date_days on, contrib_policy *cp,
                                    err_detail *err) {
    const json_t *arr = NULL;
    err_kind k = policy_get_json(pol, "injury.class_rates_bp", on, &arr, err);
    if (k) return k;
    size_t n = json_array_size(arr);
    if (!json_is_array(arr) || n == 0 || n > CONTRIB_INJURY_CLASSES_MAX)
        return err_set(err, ERR_CONFIG, "policy_type", "injury.class_rates_bp",
                       "政策参数 injury.class_rates_bp 应为 1 到 %d 个费率的数组", CONTRIB_INJURY_CLASSES_MAX);
    for (size_t i = 0; i < n; i++) {
        k = policy_get_int_item(pol, "injury.class_rates_bp", on, i, &cp->injury_class_rates_bp[i], err);
        if (k) return k;
    }
    cp->injury_class_count = (int)n;
    return ERR_OK;
}

/* The rates of one insurance: the policy's, except injury's unit rate (the
 * unit's class) and the housing fund's (the unit's chosen rate). */
static err_kind load_insurance(const policy *pol, reg_insurance i, date_days on, contrib_policy *cp,
                               err_detail *err) {
    err_kind k = pol_rounding(pol, reg_insurance_name(i), on, &cp->rounding[i], err);
    if (!k && i != INS_INJURY && i != INS_HOUSING_FUND)
        k = pol_ins_int(pol, i, "unit_rate_bp", on, &cp->unit_rate_bp[i], err);
    if (!k && i != INS_HOUSING_FUND) k = pol_ins_int(pol, i, "personal_rate_bp", on, &cp->personal_rate_bp[i], err);
    if (!k && i == INS_INJURY) k = load_injury_classes(pol, on, cp, err);
    if (!k && i == INS_HOUSING_FUND) {
        k = policy_get_int(pol, "housing_fund.rate_min_bp", on, &cp->hf_rate_min_bp, err);
        if (!k) k = policy_get_int(pol, "housing_fund.rate_max_bp", on, &cp->hf_rate_max_bp, err);
        if (!k) k = policy_get_int(pol, "housing_fund.rate_default_bp", on, &cp->hf_rate_default_bp, err);
    }
    return k;
}

err_kind contrib_policy_load(const policy *pol, month_ym month, unsigned insurances,
                             contrib_policy *out, err_detail *err) {
    err_kind k = month_check(month, "month", err);
    if (k) return k;
    contrib_policy cp;
    memset(&cp, 0, sizeof cp);
    cp.month = month;
    cp.insurances = insurances & ALL_INSURANCES;
    date_days on = month_first_day(month);
    int64_t due = 0;
    k = policy_get_int(pol, "contrib.base.lower_fen", on, &cp.lower_fen, err);
    if (!k) k = policy_get_int(pol, "contrib.base.upper_fen", on, &cp.upper_fen, err);
    if (!k) k = policy_get_int(pol, "contrib.due_day", on, &due, err);
    for (int i = 0; !k && i < INS_COUNT; i++)
        if (cp.insurances & BIT(i)) k = load_insurance(pol, (reg_insurance)i, on, &cp, err);
    if (k) return k;
    cp.due_day = (int)due;
    *out = cp;
    return ERR_OK;
}

/* ---- the one computation ---- */

static money_fen clamp_base(const contrib_policy *cp, money_fen wage_fen) {
    if (wage_fen < cp->lower_fen) return cp->lower_fen;
    if (wage_fen > cp->upper_fen) return cp->upper_fen;
    return wage_fen;
}

static err_kind quote_input_check(const contrib_policy *cp, const contrib_quote_in *in, err_detail *err) {
    err_kind k = month_check(in->month, "month", err);
    if (k) return k;
    if (in->wage_fen <= 0 || in->wage_fen > CONTRIB_WAGE_FEN_MAX)
        return err_set(err, ERR_INVALID, "invalid_field", "wage_fen",
                       "月工资 wage_fen 应为正数（单位：分），且不超过 %d", CONTRIB_WAGE_FEN_MAX);
    if (!in->insurances || (in->insurances & ~ALL_INSURANCES))
        return err_set(err, ERR_INVALID, "invalid_field", "insurances", "请指明至少一个险种 insurances");
    if (in->month != cp->month || (in->insurances & ~cp->insurances))
        return err_set(err, ERR_INTERNAL, "policy_not_loaded", NULL, "内部错误：该月政策参数未加载");
    if ((in->insurances & BIT(INS_INJURY)) && (in->injury_rate_bp <= 0 || in->injury_rate_bp > RATE_BP_MAX))
        return err_set(err, ERR_INVALID, "missing_field", "injury_rate_bp",
                       "含工伤保险时须给出单位的工伤费率 injury_rate_bp（1 到 %d 个基点）", RATE_BP_MAX);
    if ((in->insurances & BIT(INS_HOUSING_FUND)) &&
        (in->housing_fund_rate_bp <= 0 || in->housing_fund_rate_bp > RATE_BP_MAX))
        return err_set(err, ERR_INVALID, "missing_field", "housing_fund_rate_bp",
                       "含住房公积金时须给出缴存比例 housing_fund_rate_bp（1 到 %d 个基点）", RATE_BP_MAX);
    if ((in->insurances & BIT(INS_HOUSING_FUND)) &&
        (in->housing_fund_rate_bp < cp->hf_rate_min_bp || in->housing_fund_rate_bp > cp->hf_rate_max_bp)) {
        char data[DATA_BYTES];
        snprintf(data, sizeof data, "{\"rate_bp\":%" PRId64 ",\"min_bp\":%" PRId64 ",\"max_bp\":%" PRId64 "}",
                 in->housing_fund_rate_bp, cp->hf_rate_min_bp, cp->hf_rate_max_bp);
        err_rule_add(err, "hf_rate_out_of_band", data,
                     "住房公积金缴存比例 %" PRId64 " 个基点不在 %" PRId64 "–%" PRId64 " 个基点（%.2f%%–%.2f%%）之间",
                     in->housing_fund_rate_bp, cp->hf_rate_min_bp, cp->hf_rate_max_bp,
                     (double)cp->hf_rate_min_bp / 100.0, (double)cp->hf_rate_max_bp / 100.0);
    }
    return err_rules_finish(err);
}

err_kind contrib_quote_apply(const contrib_policy *cp, const contrib_quote_in *in, contrib_quote *out,
                             err_detail *err) {
    err_kind k = quote_input_check(cp, in, err);
    if (k) return k;
    contrib_quote q;
    memset(&q, 0, sizeof q);
    q.month = in->month;
    /* The housing fund base is the month's social insurance base, and the
     * housing subsidy base is the housing fund base: one base for all. */
    q.base_fen = clamp_base(cp, in->wage_fen);
    for (int i = 0; i < INS_COUNT; i++) {
        if (!(in->insurances & BIT(i))) continue;
        contrib_item *it = &q.items[q.count++];
        it->insurance = (reg_insurance)i;
        it->base_fen = q.base_fen;
        it->unit_rate_bp = i == INS_INJURY ? in->injury_rate_bp
                         : i == INS_HOUSING_FUND ? in->housing_fund_rate_bp : cp->unit_rate_bp[i];
        it->personal_rate_bp = i == INS_HOUSING_FUND ? in->housing_fund_rate_bp : cp->personal_rate_bp[i];
        it->unit_fen = money_apply_rate(it->base_fen, it->unit_rate_bp, 10000, cp->rounding[i]);
        it->personal_fen = money_apply_rate(it->base_fen, it->personal_rate_bp, 10000, cp->rounding[i]);
        q.unit_total_fen += it->unit_fen;
        q.personal_total_fen += it->personal_fen;
    }
    *out = q;
    return ERR_OK;
}

err_kind contrib_quote_compute(const policy *pol, const contrib_quote_in *in, contrib_quote *out,
                               err_detail *err) {
    err_kind k = month_check(in->month, "month", err);
    if (!k && (!in->insurances || (in->insurances & ~ALL_INSURANCES)))
        k = err_set(err, ERR_INVALID, "invalid_field", "insurances", "请指明至少一个险种 insurances");
    contrib_policy cp;
    if (!k) k = contrib_policy_load(pol, in->month, in->insurances, &cp, err);
    return k ? k : contrib_quote_apply(&cp, in, out, err);
}

err_kind contrib_base_clamp(const policy *pol, month_ym month, money_fen wage_fen,
                            money_fen *base_fen_out, err_detail *err) {
    contrib_policy cp;
    err_kind k = contrib_policy_load(pol, month, 0, &cp, err);
    if (!k && (wage_fen <= 0 || wage_fen > CONTRIB_WAGE_FEN_MAX))
        k = err_set(err, ERR_INVALID, "invalid_field", "wage_fen", "月工资 wage_fen 应为正数（单位：分），且不超过 %d",
                    CONTRIB_WAGE_FEN_MAX);
    if (!k) *base_fen_out = clamp_base(&cp, wage_fen);
    return k;
}

/* ---- bases ---- */

static err_kind declared_wage(svc_ctx *ctx, int64_t person_id, int64_t unit_id, month_ym month,
                              money_fen *wage_out, bool *found, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_CONTRIB_BASE_LATEST, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    store_bind_int(st, 2, unit_id);
    store_bind_int(st, 3, contrib_policy_year(month));
    store_bind_int(st, 4, month);
    bool row = false;
    k = store_step(st, &row, err);
    *found = !k && row;
    if (*found) *wage_out = store_col_int(st, 0);
    store_stmt_done(st);
    return k;
}

err_kind contrib_base_for(svc_ctx *ctx, int64_t person_id, int64_t unit_id, month_ym month,
                          money_fen *base_fen_out, err_detail *err) {
    contrib_policy cp;
    money_fen wage = 0;
    bool found = false;
    err_kind k = contrib_policy_load(ctx->pol, month, 0, &cp, err);
    if (!k) k = declared_wage(ctx, person_id, unit_id, month, &wage, &found, err);
    if (!k) *base_fen_out = found ? clamp_base(&cp, wage) : cp.lower_fen;
    return k;
}

typedef struct employment_row {
    int64_t id;
    month_ym hire_month;
} employment_row;

static err_kind active_employment(svc_ctx *ctx, int64_t person_id, int64_t unit_id, employment_row *out,
                                  bool *found, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_CONTRIB_EMPLOYMENT_ACTIVE, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    store_bind_int(st, 2, unit_id);
    bool row = false;
    k = store_step(st, &row, err);
    *found = !k && row;
    if (*found) {
        date_days start = 0;
        err_detail ignore = {0};
        out->id = store_col_int(st, 0);
        out->hire_month = date_parse(store_col_text(st, 1), "start_date", &start, &ignore) ? 0 : month_of(start);
    }
    store_stmt_done(st);
    return k;
}

static err_kind assessed_from(svc_ctx *ctx, int64_t unit_id, month_ym from, month_ym *out,
                              err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_CONTRIB_UNIT_ASSESSED_FROM, &st, err);
    if (k) return k;
    store_bind_int(st, 1, unit_id);
    store_bind_int(st, 2, from);
    bool row = false;
    k = store_step(st, &row, err);
    *out = (!k && row) ? (month_ym)store_col_int(st, 0) : 0;
    store_stmt_done(st);
    return k;
}

typedef struct declare_in {
    int64_t unit_id, person_id;
    month_ym from_month;       /* 0: the business month */
    money_fen wage_fen;
    const char *source;        /* NULL: "hire" in the hire month, else "annual" */
} declare_in;

static const char *const sources[] = {"annual", "hire", "raise", NULL};

static bool source_valid(const char *s) {
    for (int i = 0; sources[i]; i++)
        if (strcmp(sources[i], s) == 0) return true;
    return false;
}

/* Who may declare for whom: the unit itself for its employees (a person
 * not employed there is "not found" to it), the counter for anyone, with
 * rule not_employed. */
static err_kind declare_subject(svc_ctx *ctx, const declare_in *in, employment_row *emp, bool *employed,
                                err_detail *err) {
    err_kind k = unit_subject(ctx, in->unit_id, "申报缴费基数", err);
    reg_unit unit;
    reg_person p;
    if (!k) k = reg_unit_get(ctx, in->unit_id, &unit, err);
    if (!k) k = reg_person_get(ctx, in->person_id, &p, err);
    if (!k) k = active_employment(ctx, in->person_id, in->unit_id, emp, employed, err);
    if (!k && !*employed && ctx->actor.role == ROLE_UNIT)
        k = err_set(err, ERR_NOT_FOUND, "person_not_found", "person_id", "本单位没有该在职职工");
    return k;
}

static void declare_rules(svc_ctx *ctx, const declare_in *in, month_ym from, const employment_row *emp,
                          bool employed, month_ym assessed, err_detail *err) {
    char data[DATA_BYTES], a[MONTH_STR_BYTES], b[MONTH_STR_BYTES], c[MONTH_STR_BYTES];
    month_format(from, a);
    if (!employed) {
        snprintf(data, sizeof data, "{\"person_id\":%" PRId64 ",\"unit_id\":%" PRId64 "}", in->person_id,
                 in->unit_id);
        err_rule_add(err, "not_employed", data, "该人员不是本单位的在职职工，不能申报缴费基数");
    } else if (emp->hire_month && from < emp->hire_month) {
        month_format(emp->hire_month, b);
        snprintf(data, sizeof data, "{\"from_month\":\"%s\",\"hire_month\":\"%s\"}", a, b);
        err_rule_add(err, "from_month_before_hire", data, "起始月份 %s 早于用工月份 %s", a, b);
    }
    int year = contrib_policy_year(month_of(ctx->business_date));
    month_ym lo = (month_ym)(year * 100 + 7), hi = (month_ym)((year + 2) * 100 + 6);
    if (from < lo || from > hi) {
        month_format(lo, b);
        month_format(hi, c);
        snprintf(data, sizeof data, "{\"from_month\":\"%s\",\"allowed_from\":\"%s\",\"allowed_to\":\"%s\"}", a, b, c);
        err_rule_add(err, "from_month_out_of_range", data,
                     "起始月份 %s 不在本缴费年度或下一缴费年度（%s 至 %s）之内", a, b, c);
    }
    if (assessed) {
        month_format(assessed, b);
        snprintf(data, sizeof data, "{\"from_month\":\"%s\",\"assessed_month\":\"%s\"}", a, b);
        err_rule_add(err, "month_already_assessed", data,
                     "%s 的月缴费已核定，基数不能再从 %s 起申报；上调请办理缴费基数调整（上调）及差额补收", b, a);
    }
}

static json_t *declared_json(svc_ctx *ctx, int64_t id, const declare_in *in, month_ym from,
                             const char *source, const contrib_policy *cp, money_fen base) {
    const char *held = in->wage_fen < cp->lower_fen ? "lower" : in->wage_fen > cp->upper_fen ? "upper" : "none";
    const char *note = held[0] == 'l' ? "，低于下限，按下限" : held[0] == 'u' ? "，高于上限，按上限" : "";
    char *msg = arena_printf(ctx->ar, "已申报 %s 起的缴费基数 %s 元（申报月工资 %s 元%s）", month_str(ctx->ar, from),
                             yuan_str(ctx->ar, base), yuan_str(ctx->ar, in->wage_fen), note);
    return json_pack("{s:I, s:I, s:I, s:i, s:o, s:s, s:I, s:I, s:I, s:I, s:s, s:s}", "id", (json_int_t)id,
                     "person_id", (json_int_t)in->person_id, "unit_id", (json_int_t)in->unit_id,
                     "policy_year", contrib_policy_year(from), "from_month", jsonx_month_new(from),
                     "source", source, "declared_wage_fen", (json_int_t)in->wage_fen, "base_fen",
                     (json_int_t)base, "lower_fen", (json_int_t)cp->lower_fen, "upper_fen",
                     (json_int_t)cp->upper_fen, "held", held, "message", msg);
}

static err_kind declare_write(svc_ctx *ctx, const declare_in *in, month_ym from, const char *source,
                              json_t **out, err_detail *err) {
    contrib_policy cp;
    err_kind k = contrib_policy_load(ctx->pol, from, 0, &cp, err);
    if (k) return k;
    money_fen base = clamp_base(&cp, in->wage_fen);
    char today[DATE_STR_BYTES];
    date_format(ctx->business_date, today);
    k = store_exec(ctx->tx, STORE_Q_CONTRIB_BASE_INSERT, err, "iiiiiitti", in->person_id, in->unit_id,
                   (int64_t)contrib_policy_year(from), (int64_t)from, in->wage_fen, base, source, today,
                   ctx->now_ms);
    int64_t id = k ? 0 : store_last_insert_id(ctx->tx);
    char target[48], detail[128];
    snprintf(target, sizeof target, "person:%" PRId64, in->person_id);
    snprintf(detail, sizeof detail, "unit:%" PRId64 " from:%d base_fen:%" PRId64 " source:%s", in->unit_id,
             (int)from, base, source);
    if (!k) k = audit_append(ctx, "contrib.base.declare", target, "ok", detail, err);
    if (!k) *out = declared_json(ctx, id, in, from, source, &cp, base);
    return k;
}

static err_kind declare_one(svc_ctx *ctx, const declare_in *in, json_t **out, err_detail *err) {
    if (in->wage_fen <= 0 || in->wage_fen > CONTRIB_WAGE_FEN_MAX)
        return err_set(err, ERR_INVALID, "invalid_field", "wage_fen", "月工资 wage_fen 应为正数（单位：分），且不超过 %d",
                       CONTRIB_WAGE_FEN_MAX);
    if (in->source && !source_valid(in->source))
        return err_set(err, ERR_INVALID, "invalid_field", "source", "基数来源 source 应为 annual、hire 或 raise");
    month_ym from = in->from_month ? in->from_month : month_of(ctx->business_date);
    err_kind k = month_check(from, "from_month", err);
    employment_row emp = {0};
    bool employed = false;
    month_ym assessed = 0;
    if (!k) k = declare_subject(ctx, in, &emp, &employed, err);
    if (!k) k = reg_unit_rule_active(ctx, in->unit_id, err);
    /* A raise changes assessed months on purpose (its difference is billed). */
    if (!k && !(in->source && strcmp(in->source, "raise") == 0))
        k = assessed_from(ctx, in->unit_id, from, &assessed, err);
    if (k) return k;
    declare_rules(ctx, in, from, &emp, employed, assessed, err);
    k = err_rules_finish(err);
    if (k) return k;
    const char *source = in->source ? in->source : from == emp.hire_month ? "hire" : "annual";
    return declare_write(ctx, in, from, source, out, err);
}

err_kind contrib_base_declare(svc_ctx *ctx, int64_t unit_id, int64_t person_id, month_ym from_month,
                              money_fen wage_fen, const char *source, json_t **out, err_detail *err) {
    declare_in in = {.unit_id = unit_id, .person_id = person_id, .from_month = from_month,
                     .wage_fen = wage_fen, .source = source};
    return declare_one(ctx, &in, out, err);
}

/* ---- a file of declarations ---- */

typedef enum base_col { BCOL_ID_NUMBER = 0, BCOL_WAGE, BCOL_FROM, BCOL_NAME, BCOL_COUNT } base_col;

/* The columns (svc/contribution.h, docs/openapi/50-contrib.yaml): a header is the Chinese name, the English
 * name (any case), or "中文/english". */
static const struct { const char *zh, *en; bool required; } base_cols[BCOL_COUNT] = {
    [BCOL_ID_NUMBER] = {"证件号码", "id_number", true},
    [BCOL_WAGE] = {"月工资", "wage", true},
    [BCOL_FROM] = {"起始月份", "from_month", false},
    [BCOL_NAME] = {"姓名", "name", false},
};

static const char *base_col_zh(const char *field) {
    for (int i = 0; i < BCOL_COUNT; i++)
        if (strcmp(base_cols[i].en, field) == 0) return base_cols[i].zh;
    return "";
}

typedef struct base_file {
    svc_ctx *ctx;
    int col_of[BCOL_COUNT];
    table_report rep;
} base_file;

static void row_problem(base_file *f, int line, const char *field, const char *code, const char *message,
                        const char *data_json) {
    table_report_problem(&f->rep, line, field, base_col_zh(field), code, message, data_json);
}

static err_kind file_header(base_file *f, const table_row *row, err_detail *err) {
    for (int c = 0; c < BCOL_COUNT; c++) f->col_of[c] = -1;
    for (int i = 0; i < row->cell_count; i++) {
        const char *h = table_trimmed(f->ctx->ar, row->cells[i]);
        if (!*h) continue;
        int c = 0;
        while (c < BCOL_COUNT && !table_header_is(h, base_cols[c].zh, base_cols[c].en)) c++;
        char echo[ERR_ECHO_BYTES];
        err_echo(h, echo);
        if (c == BCOL_COUNT)
            return err_set(err, ERR_INVALID, "file_unknown_column", "header",
                           "第 %d 行（表头）第 %d 列的列名无法识别：%s（可用的列：证件号码、月工资、起始月份、姓名）", row->line, i + 1, echo);
        if (f->col_of[c] >= 0)
            return err_set(err, ERR_INVALID, "file_duplicate_column", "header", "第 %d 行（表头）的列「%s」出现了两次",
                           row->line, base_cols[c].zh);
        f->col_of[c] = i;
    }
    for (int c = 0; c < BCOL_COUNT; c++)
        if (base_cols[c].required && f->col_of[c] < 0)
            return err_set(err, ERR_INVALID, "file_missing_column", "header", "第 %d 行（表头）缺少必填列「%s/%s」",
                           row->line, base_cols[c].zh, base_cols[c].en);
    return ERR_OK;
}

static const char *fcell(base_file *f, const table_row *row, base_col c) {
    return f->col_of[c] < 0 ? "" : table_trimmed(f->ctx->ar, table_cell(row, f->col_of[c]));
}

/* A refused declaration into problems of its row; store trouble stops it all. */
static err_kind row_refusal(base_file *f, int line, err_kind k, const err_detail *e) {
    if (k != ERR_RULE && k != ERR_INVALID && k != ERR_CONFLICT && k != ERR_NOT_FOUND) return k;
    if (k != ERR_RULE || e->rule_count == 0) {
        const char *field = strcmp(e->field, "wage_fen") == 0 ? "wage" : e->field[0] ? e->field : "id_number";
        if (strcmp(field, "person_id") == 0 || strcmp(field, "unit_id") == 0) field = "id_number";
        row_problem(f, line, field, e->code, e->message, NULL);
        return ERR_OK;
    }
    for (int i = 0; i < e->rule_count; i++) {
        const char *code = e->rules[i].code;
        const char *field = strncmp(code, "from_month", 10) == 0 || strcmp(code, "month_already_assessed") == 0
                                ? "from_month" : "id_number";
        row_problem(f, line, field, code, e->rules[i].message, e->rules[i].data_json);
    }
    return ERR_OK;
}

/* The row's input; problems of its cells go to the report. */
static void file_row_in(base_file *f, const table_row *row, month_ym default_from, declare_in *in,
                        const char **id_number) {
    int line = row->line;
    err_detail e = {0};
    *id_number = fcell(f, row, BCOL_ID_NUMBER);
    if (!**id_number) row_problem(f, line, "id_number", "missing_field", "证件号码不能为空", NULL);
    else if (reg_person_find(f->ctx, *id_number, &in->person_id, &e))
        row_problem(f, line, "id_number", e.code, e.message, NULL);
    const char *wage = fcell(f, row, BCOL_WAGE);
    err_clear(&e);
    if (!*wage) row_problem(f, line, "wage", "missing_field", "月工资不能为空", NULL);
    else if (money_parse_yuan(wage, "wage", &in->wage_fen, &e))
        row_problem(f, line, "wage", "invalid_wage", "月工资应为以元为单位、至多两位小数的金额（如 8000.00）", NULL);
    else if (in->wage_fen <= 0)
        row_problem(f, line, "wage", "invalid_wage", "月工资应大于 0", NULL);
    const char *from = fcell(f, row, BCOL_FROM);
    in->from_month = default_from;
    err_clear(&e);
    if (*from && month_parse(from, "from_month", &in->from_month, &e))
        row_problem(f, line, "from_month", "invalid_month", "起始月份应为 YYYY-MM", NULL);
}

static int seen_before(const char **ids, const int *lines, int n, const char *id) {
    for (int i = 0; i < n; i++)
        if (strcmp(ids[i], id) == 0) return lines[i];
    return 0;
}

static json_t *declared_row(int line, const char *id_number, const json_t *ans) {
    return json_pack("{s:i, s:s, s:O, s:O, s:O, s:O}", "row", line, "id_number", id_number, "person_id",
                     json_object_get(ans, "person_id"), "from_month", json_object_get(ans, "from_month"),
                     "declared_wage_fen", json_object_get(ans, "declared_wage_fen"), "base_fen",
                     json_object_get(ans, "base_fen"));
}

static err_kind file_rows(base_file *f, const table *t, int64_t unit_id, month_ym default_from,
                          json_t *declared) {
    const char **ids = arena_alloc(f->ctx->ar, (size_t)t->row_count * sizeof *ids);
    int *lines = arena_alloc(f->ctx->ar, (size_t)t->row_count * sizeof *lines);
    int seen = 0;
    for (int i = 1; i < t->row_count; i++) {
        const table_row *row = &t->rows[i];
        declare_in in = {.unit_id = unit_id};
        const char *id_number = "";
        f->rep.row_bad = false;
        file_row_in(f, row, default_from, &in, &id_number);
        int first = *id_number ? seen_before(ids, lines, seen, id_number) : 0;
        if (first) {
            char msg[96], data[48];
            snprintf(msg, sizeof msg, "证件号码与第 %d 行重复", first);
            snprintf(data, sizeof data, "{\"first_row\":%d}", first);
            row_problem(f, row->line, "id_number", "duplicate_in_file", msg, data);
        } else if (*id_number) {
            ids[seen] = id_number;
            lines[seen++] = row->line;
        }
        if (f->rep.row_bad) continue;
        json_t *ans = NULL;
        err_detail e = {0};
        err_kind k = declare_one(f->ctx, &in, &ans, &e);
        if (k) {
            k = row_refusal(f, row->line, k, &e);
            if (k) { *f->rep.err = e; return k; }
            continue;
        }
        json_array_append_new(declared, declared_row(row->line, id_number, ans));
        json_decref(ans);
    }
    return ERR_OK;
}

static err_kind file_start(svc_ctx *ctx, int64_t unit_id, const table *t, base_file *f, err_detail *err) {
    reg_unit unit;
    err_kind k = unit_subject(ctx, unit_id, "申报缴费基数", err);
    if (!k) k = reg_unit_get(ctx, unit_id, &unit, err);
    if (!k && t->row_count == 0) k = err_set(err, ERR_INVALID, "file_empty", "file", "缴费基数申报文件是空的");
    if (!k) k = file_header(f, &t->rows[0], err);
    if (!k && t->row_count < 2) k = err_set(err, ERR_INVALID, "file_no_rows", "file", "文件只有表头，没有人员");
    return k;
}

err_kind contrib_base_declare_file(svc_ctx *ctx, int64_t unit_id, const table *t, json_t **out,
                                   json_t **bad_rows_out, err_detail *err) {
    return contrib_base_declare_file_from(ctx, unit_id, t, 0, out, bad_rows_out, err);
}

err_kind contrib_base_declare_file_from(svc_ctx *ctx, int64_t unit_id, const table *t, month_ym from_month,
                                        json_t **out, json_t **bad_rows_out, err_detail *err) {
    base_file f = {.ctx = ctx, .rep = {.err = err}};
    err_kind k = file_start(ctx, unit_id, t, &f, err);
    if (k) return k;
    f.rep.bad = json_array();
    json_t *declared = json_array();
    k = file_rows(&f, t, unit_id, from_month, declared);
    if (!k && f.rep.bad_rows) {
        if (json_array_size(f.rep.bad) > ERR_RULES_MAX - 1)
            err_rule_add(err, "more_bad_rows", NULL, "其余问题见 rows（共 %zu 项）", json_array_size(f.rep.bad));
        err_rules_finish(err);
        snprintf(err->code, sizeof err->code, "bases_rejected");
        snprintf(err->message, sizeof err->message,
                 "缴费基数申报文件共 %d 人，其中 %d 行有误，整个文件未导入，请改正后重新上传", t->row_count - 1, f.rep.bad_rows);
        k = ERR_RULE;
    }
    if (k) {
        json_decref(declared);
        if (k == ERR_RULE) *bad_rows_out = f.rep.bad;
        else json_decref(f.rep.bad);
        return k;
    }
    json_decref(f.rep.bad);
    *out = json_pack("{s:I, s:i, s:o}", "unit_id", (json_int_t)unit_id, "count", (int)json_array_size(declared),
                     "declared", declared);
    return ERR_OK;
}

/* A line of a bill. Lines go through the store's bulk rows
 * (CONTRIB_ASSESSMENT_INSERT): on SQLite many to a statement, on PostgreSQL
 * one COPY for all of a chunk's; the run writes millions, and most of an
 * INSERT's cost besides the rows is the statement. */
typedef struct line_row {
    int64_t bill_id, unit_id, person_id, span_id;
    month_ym month;
    contrib_item item;
} line_row;

static err_kind line_put(store_bulk *b, const line_row *l, int64_t now_ms, err_detail *err) {
    store_bulk_int(b, l->bill_id);
    if (l->unit_id > 0) store_bulk_int(b, l->unit_id);
    else store_bulk_text(b, NULL);
    store_bulk_int(b, l->person_id);
    store_bulk_int(b, l->span_id);
    store_bulk_int(b, l->month);
    store_bulk_text(b, reg_insurance_name(l->item.insurance));
    store_bulk_int(b, l->item.base_fen);
    store_bulk_int(b, l->item.unit_rate_bp);
    store_bulk_int(b, l->item.personal_rate_bp);
    store_bulk_int(b, l->item.unit_fen);
    store_bulk_int(b, l->item.personal_fen);
    store_bulk_int(b, now_ms);
    return store_bulk_row(b, err);
}

typedef struct bill_sum {
    int64_t bill_id;
    int64_t lines;
    money_fen unit_fen, personal_fen;
} bill_sum;

/* ---- what a chunk of units reads once ---- */

/* The rows the assessment of the units with ids lo..hi needs, each kind read
 * with one statement in unit order (CONTRIB_CHUNK_*: a statement per unit
 * would be a round trip per unit on PostgreSQL), into arrays that grow and
 * are kept from chunk to chunk (unit_chunk_free). Units are assessed in id
 * order, so a cursor walks each kind once. Every row's first member is its
 * unit's id (unit_rows). */
typedef struct chunk_unit {
    int64_t unit_id, industry_class, hf_rate_bp, bill_id;
} chunk_unit;
typedef struct chunk_span {
    int64_t unit_id, span_id, person_id, employment_id;
    reg_insurance ins;
} chunk_span;
typedef struct chunk_wage {
    int64_t unit_id, person_id;
    money_fen wage;
} chunk_wage;
typedef struct chunk_paid {
    int64_t unit_id, span_id;
} chunk_paid;
/* An employment's own housing fund rate, by employment id (not by unit). */
typedef struct chunk_hf {
    int64_t employment_id, rate_bp;
} chunk_hf;

typedef struct chunk_rows {
    void *rows;
    int n, cap, at;      /* at: the cursor */
} chunk_rows;

/* A bill the chunk made, posted at its end (chunk_post). */
typedef struct made_bill {
    int64_t unit_id;
    bill_sum sum;
} made_bill;

typedef struct unit_chunk {
    chunk_rows units, spans, wages, paid, hf;
    store_bulk *lines;                  /* the lines made, written at the chunk's end */
    chunk_rows quoted;                  /* line_row: one unit's lines before its bill is made */
    chunk_rows made;                    /* made_bill, in unit order */
} unit_chunk;

static void *rows_push(chunk_rows *r, size_t size) {
    if (r->n == r->cap) {
        int cap = r->cap ? r->cap * 2 : 256;
        void *p = realloc(r->rows, (size_t)cap * size);
        if (!p) abort();
        r->rows = p;
        r->cap = cap;
    }
    return (char *)r->rows + (size_t)r->n++ * size;
}

static int64_t row_unit(const chunk_rows *r, size_t size, int i) {
    return *(const int64_t *)((const char *)r->rows + (size_t)i * size);
}

/* The rows of unit_id: [r->at, answer), the cursor moved past lower units. */
static int unit_rows(chunk_rows *r, size_t size, int64_t unit_id) {
    while (r->at < r->n && row_unit(r, size, r->at) < unit_id) r->at++;
    int end = r->at;
    while (end < r->n && row_unit(r, size, end) == unit_id) end++;
    return end;
}

static void unit_chunk_free(unit_chunk *ch) {
    store_bulk_abort(ch->lines);
    free(ch->units.rows);
    free(ch->spans.rows);
    free(ch->wages.rows);
    free(ch->paid.rows);
    free(ch->hf.rows);
    free(ch->made.rows);
    free(ch->quoted.rows);
    memset(ch, 0, sizeof *ch);
}

typedef err_kind (*chunk_row_fn)(unit_chunk *ch, store_stmt *st, err_detail *err);

static err_kind chunk_unit_row(unit_chunk *ch, store_stmt *st, err_detail *err) {
    (void)err;
    chunk_unit *u = rows_push(&ch->units, sizeof *u);
    *u = (chunk_unit){store_col_int(st, 0), store_col_int(st, 1), store_col_int(st, 2), store_col_int(st, 3)};
    return ERR_OK;
}

static bool insurance_of(const char *s, reg_insurance *out) {
    for (int i = 0; i < INS_COUNT; i++)
        if (strcmp(s, reg_insurance_name((reg_insurance)i)) == 0) { *out = (reg_insurance)i; return true; }
    return false;
}

static err_kind chunk_span_row(unit_chunk *ch, store_stmt *st, err_detail *err) {
    reg_insurance ins;
    const char *name = store_col_text(st, 3);
    if (!insurance_of(name, &ins))
        return err_set(err, ERR_INTERNAL, "bad_insurance", NULL, "参保关系 %" PRId64 " 的险种无法识别：%s",
                       store_col_int(st, 1), name);
    chunk_span *s = rows_push(&ch->spans, sizeof *s);
    *s = (chunk_span){store_col_int(st, 0), store_col_int(st, 1), store_col_int(st, 2), store_col_int(st, 4), ins};
    return ERR_OK;
}

/* A person's declarations come oldest first: the last one wins. */
static err_kind chunk_wage_row(unit_chunk *ch, store_stmt *st, err_detail *err) {
    (void)err;
    int64_t unit_id = store_col_int(st, 0), person_id = store_col_int(st, 1);
    chunk_wage *last = ch->wages.n ? (chunk_wage *)ch->wages.rows + ch->wages.n - 1 : NULL;
    if (!last || last->unit_id != unit_id || last->person_id != person_id)
        last = rows_push(&ch->wages, sizeof *last);
    *last = (chunk_wage){unit_id, person_id, store_col_int(st, 2)};
    return ERR_OK;
}

static err_kind chunk_paid_row(unit_chunk *ch, store_stmt *st, err_detail *err) {
    (void)err;
    chunk_paid *p = rows_push(&ch->paid, sizeof *p);
    *p = (chunk_paid){store_col_int(st, 0), store_col_int(st, 1)};
    return ERR_OK;
}

static err_kind chunk_hf_row(unit_chunk *ch, store_stmt *st, err_detail *err) {
    (void)err;
    chunk_hf *h = rows_push(&ch->hf, sizeof *h);
    *h = (chunk_hf){store_col_int(st, 0), store_col_int(st, 1)};
    return ERR_OK;
}

static err_kind chunk_read(svc_ctx *ctx, store_query q, const int64_t *params, int n_params, unit_chunk *ch,
                           chunk_row_fn fn, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, q, &st, err);
    if (k) return k;
    for (int i = 0; i < n_params; i++) store_bind_int(st, i + 1, params[i]);
    bool row = false;
    for (int64_t rows = 0; rows < CONTRIB_CHUNK_ROWS_MAX && !(k = store_step(st, &row, err)) && row; rows++)
        if ((k = fn(ch, st, err)) != ERR_OK) break;
    store_stmt_done(st);
    return k;
}

static err_kind unit_chunk_load(svc_ctx *ctx, const contrib_policy *cp, int64_t lo, int64_t hi, unit_chunk *ch,
                                err_detail *err) {
    store_bulk_abort(ch->lines);
    chunk_rows *all[] = {&ch->units, &ch->spans, &ch->wages, &ch->paid, &ch->hf, &ch->made};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) all[i]->n = all[i]->at = 0;
    ch->lines = NULL;
    const int64_t params[] = {lo, hi, cp->month, contrib_policy_year(cp->month)};
    err_kind k = chunk_read(ctx, STORE_Q_CONTRIB_CHUNK_UNITS, params, 3, ch, chunk_unit_row, err);
    if (!k) k = chunk_read(ctx, STORE_Q_CONTRIB_CHUNK_BASES, params, 4, ch, chunk_wage_row, err);
    if (!k) k = chunk_read(ctx, STORE_Q_CONTRIB_CHUNK_BACKPAID, params, 3, ch, chunk_paid_row, err);
    if (!k) k = chunk_read(ctx, STORE_Q_CONTRIB_CHUNK_HF_RATES, params, 2, ch, chunk_hf_row, err);
    if (!k) k = chunk_read(ctx, STORE_Q_CONTRIB_CHUNK_SPANS, params, 3, ch, chunk_span_row, err);
    if (!k) k = store_bulk_begin(ctx->tx, STORE_Q_CONTRIB_ASSESSMENT_INSERT, &ch->lines, err);
    return k;
}

/* ---- the assessment of a unit ---- */

static date_days due_date(month_ym m, int day) {
    int y = m / 100, mo = m % 100, last = date_days_in_month(y, mo);
    return date_from_ymd(y, mo, day < 1 ? 1 : day > last ? last : day);
}

err_kind contrib_due_on(const policy *pol, month_ym month, date_days *out, err_detail *err) {
    int64_t day = 0;
    err_kind k = policy_get_int(pol, "contrib.due_day", month_first_day(month), &day, err);
    if (!k) *out = due_date(month, (int)day);
    return k;
}

static err_kind bill_find(svc_ctx *ctx, store_query q, int64_t owner_id, month_ym month, int64_t *id_out,
                          err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, q, &st, err);
    if (k) return k;
    store_bind_int(st, 1, owner_id);
    store_bind_int(st, 2, month);
    bool row = false;
    k = store_step(st, &row, err);
    *id_out = (!k && row) ? store_col_int(st, 0) : 0;
    store_stmt_done(st);
    return k;
}

/* A new regular bill: a unit's (status draft, to be checked and confirmed)
 * or a person's (confirmed: the amounts follow the chosen tier). */
static err_kind bill_insert(svc_ctx *ctx, int64_t unit_id, int64_t person_id, month_ym month, date_days due,
                            int64_t *id_out, err_detail *err) {
    char due_s[DATE_STR_BYTES], today[DATE_STR_BYTES];
    date_format(due, due_s);
    date_format(ctx->business_date, today);
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_CONTRIB_BILL_INSERT, &st, err);
    if (k) return k;
    store_bind_id(st, 1, unit_id);
    store_bind_id(st, 2, person_id);
    store_bind_int(st, 3, month);
    store_bind_text(st, 4, unit_id ? "draft" : "confirmed");
    store_bind_text(st, 5, due_s);
    store_bind_text(st, 6, unit_id ? NULL : today);
    store_bind_int(st, 7, ctx->now_ms);
    k = store_step_all(st, err);
    if (!k) *id_out = store_last_insert_id(ctx->tx);
    return k;
}

/* A unit's new bill of the month (a draft, to be checked and confirmed),
 * its totals known: its ledger entry is set at the chunk's end. */
static err_kind unit_bill_insert(svc_ctx *ctx, const contrib_policy *cp, int64_t unit_id, bill_sum *sum,
                                 err_detail *err) {
    char due[DATE_STR_BYTES];
    date_format(due_date(cp->month, cp->due_day), due);
    err_kind k = store_exec(ctx->tx, STORE_Q_CONTRIB_UNIT_BILL_INSERT, err, "iitiiii", unit_id, (int64_t)cp->month,
                            due, sum->unit_fen, sum->personal_fen, sum->lines, ctx->now_ms);
    if (!k) sum->bill_id = store_last_insert_id(ctx->tx);
    return k;
}

typedef struct unit_rates {
    int64_t injury_rate_bp;    /* the unit's industry class */
    int64_t hf_rate_bp;        /* the unit's chosen rate, else the default */
} unit_rates;

static err_kind unit_rates_of(const contrib_policy *cp, const chunk_unit *u, unit_rates *out, err_detail *err) {
    if (u->industry_class < 1 || u->industry_class > cp->injury_class_count)
        return err_set(err, ERR_CONFIG, "injury_class_unknown", "industry_class",
                       "单位 %" PRId64 " 的行业风险类别 %" PRId64 " 不在政策 injury.class_rates_bp 的 1–%d 类之内",
                       u->unit_id, u->industry_class, cp->injury_class_count);
    out->injury_rate_bp = cp->injury_class_rates_bp[u->industry_class - 1];
    out->hf_rate_bp = u->hf_rate_bp > 0 ? u->hf_rate_bp : cp->hf_rate_default_bp;
    return ERR_OK;
}

/* The person's declared wage among the unit's wages [lo, hi), or the year's
 * lower limit without one. */
static money_fen wage_of(const chunk_rows *wages, int lo, int hi, const contrib_policy *cp, int64_t person_id) {
    const chunk_wage *w = wages->rows;
    for (hi--; lo <= hi;) {
        int mid = lo + (hi - lo) / 2;
        if (w[mid].person_id == person_id) return w[mid].wage;
        if (w[mid].person_id < person_id) lo = mid + 1;
        else hi = mid - 1;
    }
    return cp->lower_fen;
}

/* The employment's own housing fund rate, 0 without one. */
static int64_t hf_of(const chunk_rows *hf, int64_t employment_id) {
    const chunk_hf *h = hf->rows;
    for (int lo = 0, hi = hf->n - 1; lo <= hi;) {
        int mid = lo + (hi - lo) / 2;
        if (h[mid].employment_id == employment_id) return h[mid].rate_bp;
        if (h[mid].employment_id < employment_id) lo = mid + 1;
        else hi = mid - 1;
    }
    return 0;
}

/* Whether the span is among the unit's back-paid spans [lo, hi). */
static bool paid_has(const chunk_rows *paid, int lo, int hi, int64_t span_id) {
    const chunk_paid *p = paid->rows;
    for (hi--; lo <= hi;) {
        int mid = lo + (hi - lo) / 2;
        if (p[mid].span_id == span_id) return true;
        if (p[mid].span_id < span_id) lo = mid + 1;
        else hi = mid - 1;
    }
    return false;
}

/* One span into its line, kept in ch->quoted until the unit's bill is made. */
static err_kind unit_span_line(const contrib_policy *cp, const unit_rates *ur, unit_chunk *ch, int w_end,
                               const chunk_span *s, bill_sum *sum, err_detail *err) {
    int64_t own_hf = s->ins == INS_HOUSING_FUND && ch->hf.n ? hf_of(&ch->hf, s->employment_id) : 0;
    contrib_quote_in in = {.month = cp->month, .insurances = BIT(s->ins), .injury_rate_bp = ur->injury_rate_bp,
                           .wage_fen = wage_of(&ch->wages, ch->wages.at, w_end, cp, s->person_id),
                           .housing_fund_rate_bp = own_hf > 0 ? own_hf : ur->hf_rate_bp};
    contrib_quote q;
    err_kind k = contrib_quote_apply(cp, &in, &q, err);
    if (k) return k;
    *(line_row *)rows_push(&ch->quoted, sizeof(line_row)) =
        (line_row){.unit_id = s->unit_id, .person_id = s->person_id, .span_id = s->span_id, .month = cp->month,
                   .item = q.items[0]};
    sum->lines++;
    sum->unit_fen += q.unit_total_fen;
    sum->personal_fen += q.personal_total_fen;
    return ERR_OK;
}

static err_kind unit_lines(svc_ctx *ctx, const contrib_policy *cp, const unit_rates *ur, unit_chunk *ch,
                           int64_t unit_id, bill_sum *sum, err_detail *err) {
    int w_end = unit_rows(&ch->wages, sizeof(chunk_wage), unit_id);
    int p_end = unit_rows(&ch->paid, sizeof(chunk_paid), unit_id);
    int s_end = unit_rows(&ch->spans, sizeof(chunk_span), unit_id);
    const chunk_span *spans = ch->spans.rows;
    err_kind k = ERR_OK;
    ch->quoted.n = 0;
    for (int i = ch->spans.at; !k && i < s_end; i++) {
        if (paid_has(&ch->paid, ch->paid.at, p_end, spans[i].span_id)) continue;   /* paid by its 补缴 */
        k = unit_span_line(cp, ur, ch, w_end, &spans[i], sum, err);
    }
    ch->wages.at = w_end;
    ch->paid.at = p_end;
    ch->spans.at = s_end;
    /* the bill with its totals at once (a unit without lines gets none) */
    if (!k && ch->quoted.n) k = unit_bill_insert(ctx, cp, unit_id, sum, err);
    line_row *l = ch->quoted.rows;
    for (int i = 0; !k && i < ch->quoted.n; i++) {
        l[i].bill_id = sum->bill_id;
        k = line_put(ch->lines, &l[i], ctx->now_ms, err);
    }
    return k;
}

/* The key and memo of a bill's entry. */
static void bill_entry_text(ledger_owner payer, int64_t payer_id, int64_t bill_id, month_ym month,
                            char key[LEDGER_IDEM_KEY_BYTES], char memo[BILL_MEMO_BYTES]) {
    char m[MONTH_STR_BYTES];
    month_format(month, m);
    snprintf(key, LEDGER_IDEM_KEY_BYTES, "bill:%" PRId64, bill_id);
    snprintf(memo, BILL_MEMO_BYTES, "%s 月缴费核定 %s %" PRId64 " 账单 %" PRId64, m,
             payer == OWNER_UNIT ? "单位" : "个人", payer_id, bill_id);
}

/* A person's bill's entry: the person's receivable against contributions
 * due. */
static err_kind bill_post(svc_ctx *ctx, ledger_owner payer, int64_t payer_id, const bill_sum *sum, month_ym month,
                          int64_t *entry_out, err_detail *err) {
    money_fen total = sum->unit_fen + sum->personal_fen;
    *entry_out = 0;
    if (total == 0) return ERR_OK;
    int64_t recv = 0, pool = 0;
    err_kind k = ledger_account(ctx->tx, payer, payer_id, "receivable", &recv, err);
    if (!k) k = ledger_account(ctx->tx, OWNER_POOL, 0, "contrib_due", &pool, err);
    if (k) return k;
    ledger_posting p[2] = {{recv, total, month}, {pool, -total, month}};
    char key[LEDGER_IDEM_KEY_BYTES], memo[BILL_MEMO_BYTES];
    bill_entry_text(payer, payer_id, sum->bill_id, month, key, memo);
    bool dup = false;
    return ledger_post(ctx->tx, key, ctx->business_date, "contrib_assess", memo, p, 2, ctx->now_ms, entry_out,
                       &dup, err);
}

static err_kind bill_totals(svc_ctx *ctx, const bill_sum *sum, int64_t entry_id, err_detail *err) {
    return entry_id ? store_exec(ctx->tx, STORE_Q_CONTRIB_BILL_TOTALS, err, "iiiiii", sum->bill_id, sum->unit_fen,
                                 sum->personal_fen, sum->lines, entry_id, ctx->now_ms)
                    : store_exec(ctx->tx, STORE_Q_CONTRIB_BILL_TOTALS, err, "iiiini", sum->bill_id, sum->unit_fen,
                                 sum->personal_fen, sum->lines, ctx->now_ms);
}

/* The bill's audit row (one bill made on its own: a person's, a unit's
 * outside the run). */
static err_kind bill_audit(svc_ctx *ctx, const char *action, const char *target, const bill_sum *sum,
                           month_ym month, err_detail *err) {
    char detail[160];
    snprintf(detail, sizeof detail, "bill:%" PRId64 " month:%d lines:%" PRId64 " total_fen:%" PRId64,
             sum->bill_id, (int)month, sum->lines, sum->unit_fen + sum->personal_fen);
    return audit_append(ctx, action, target, "ok", detail, err);
}

/* The unit's month from its chunk's rows (the unit's bill of the month, if
 * made before, is left alone: sum->bill_id is it and *before is set). Its
 * lines are in ch->lines and its bill in ch->made, written and posted at the
 * chunk's end. */
static err_kind unit_assess(svc_ctx *ctx, const contrib_policy *cp, unit_chunk *ch, int64_t unit_id,
                            bill_sum *sum, bool *before, err_detail *err) {
    if (unit_rows(&ch->units, sizeof(chunk_unit), unit_id) == ch->units.at)
        return err_set(err, ERR_NOT_FOUND, "unit_not_found", "unit_id", "未找到单位 %" PRId64, unit_id);
    const chunk_unit *u = (const chunk_unit *)ch->units.rows + ch->units.at;
    *before = u->bill_id != 0;
    if (*before) {
        sum->bill_id = u->bill_id;
        return ERR_OK;
    }
    unit_rates ur;
    err_kind k = unit_rates_of(cp, u, &ur, err);
    if (!k) k = unit_lines(ctx, cp, &ur, ch, unit_id, sum, err);
    if (!k && sum->bill_id) *(made_bill *)rows_push(&ch->made, sizeof(made_bill)) = (made_bill){unit_id, *sum};
    return k;
}

/* The entries of the bills a chunk made, after its lines: the units'
 * receivable accounts with one statement (made where missing), the entries
 * posted together (ledger_batch: each written without a key look-up, its
 * key being its new bill's; the pool's balance moved once), and the bills'
 * entry ids set with one statement; nothing waits for an answer per bill.
 * The pool's account id may be kept by the caller across chunks (*pool, 0
 * until known): a run stops at its first failed chunk, so an id it keeps was
 * made or read in a chunk that committed. */
static err_kind chunk_post(svc_ctx *ctx, month_ym month, unit_chunk *ch, int64_t *pool, err_detail *err) {
    const made_bill *m = ch->made.rows;
    int64_t *owners = arena_alloc(ctx->ar, (size_t)ch->made.n * sizeof *owners + 1);
    int64_t *accounts = arena_alloc(ctx->ar, (size_t)ch->made.n * sizeof *accounts + 1);
    int n = 0;
    for (int i = 0; i < ch->made.n; i++)
        if (m[i].sum.unit_fen + m[i].sum.personal_fen != 0) owners[n++] = m[i].unit_id;
    if (!n) return ERR_OK;
    ledger_batch *lb = NULL;
    err_kind k = ledger_accounts_many(ctx->tx, OWNER_UNIT, owners, n, "receivable", accounts, err);
    if (!k && !*pool) k = ledger_account(ctx->tx, OWNER_POOL, 0, "contrib_due", pool, err);
    if (!k) k = ledger_batch_begin(ctx->tx, &lb, err);
    for (int i = 0, a = 0; !k && i < ch->made.n; i++) {
        money_fen total = m[i].sum.unit_fen + m[i].sum.personal_fen;
        if (!total) continue;
        ledger_posting p[2] = {{accounts[a++], total, month}, {*pool, -total, month}};
        char key[LEDGER_IDEM_KEY_BYTES], memo[BILL_MEMO_BYTES];
        bill_entry_text(OWNER_UNIT, m[i].unit_id, m[i].sum.bill_id, month, key, memo);
        int64_t entry = 0;
        k = ledger_batch_post(lb, key, ctx->business_date, "contrib_assess", memo, p, 2, ctx->now_ms, &entry, err);
    }
    if (k) ledger_batch_abort(lb);
    else k = ledger_batch_end(lb, err);
    if (!k)
        k = store_exec(ctx->tx, STORE_Q_CONTRIB_BILLS_ENTRY_SET, err, "iii", m[0].sum.bill_id,
                       m[ch->made.n - 1].sum.bill_id, (int64_t)month);
    return k;
}

/* The chunk's lines written and its bills posted; ch->lines is ended. */
static err_kind chunk_finish(svc_ctx *ctx, month_ym month, unit_chunk *ch, int64_t *pool, err_detail *err) {
    err_kind k = store_bulk_end(ch->lines, err);
    ch->lines = NULL;
    return k ? k : chunk_post(ctx, month, ch, pool, err);
}

err_kind contrib_assess_unit(svc_ctx *ctx, int64_t unit_id, month_ym month, int64_t *bill_id_out,
                             bool *created_out, err_detail *err) {
    if (!is_finance(ctx->actor.role)) return forbidden(ctx, "核定月缴费", err);
    contrib_policy cp;
    err_kind k = contrib_policy_load(ctx->pol, month, ALL_INSURANCES, &cp, err);
    if (k) return k;
    unit_chunk ch = {0};
    bill_sum sum = {0};
    int64_t pool = 0;
    bool before = false;
    k = unit_chunk_load(ctx, &cp, unit_id, unit_id, &ch, err);
    if (!k) k = unit_assess(ctx, &cp, &ch, unit_id, &sum, &before, err);
    if (!k) k = chunk_finish(ctx, month, &ch, &pool, err);
    char target[48];
    snprintf(target, sizeof target, "unit:%" PRId64, unit_id);
    if (!k && ch.made.n) k = bill_audit(ctx, "contrib.assess.unit", target, &sum, month, err);
    unit_chunk_free(&ch);
    if (k) return k;
    *bill_id_out = sum.bill_id;
    *created_out = sum.bill_id && !before;
    return ERR_OK;
}

/* ---- the assessment of a person who pays for themself ---- */

typedef struct person_line {
    int64_t span_id;
    contrib_item item;
} person_line;

/* Flexible workers: the tier's base of the insurance (flexible.tiers_base_fen,
 * tier "package:N"), flexible.<ins>_rate_bp of it, all paid by the person. */
static err_kind flexible_item(svc_ctx *ctx, date_days on, reg_insurance ins, const char *tier, contrib_item *it,
                              err_detail *err) {
    const char *colon = strchr(tier, ':');
    char *end = NULL;
    long n = colon ? strtol(colon + 1, &end, 10) : 0;
    if (!colon || !end || *end || n < 1)
        return err_set(err, ERR_INTERNAL, "bad_tier", NULL, "灵活就业参保关系的档次无法识别：%s", tier);
    const json_t *tiers = NULL;
    char key[64];
    money_round mode = ROUND_HALF_UP;
    int64_t base = 0, rate = 0;
    err_kind k = policy_get_json(ctx->pol, "flexible.tiers_base_fen", on, &tiers, err);
    const json_t *arr = k ? NULL : json_object_get(tiers, reg_insurance_name(ins));
    if (!k && (!json_is_array(arr) || (size_t)n > json_array_size(arr) ||
               !json_is_integer(json_array_get(arr, (size_t)n - 1))))
        k = err_set(err, ERR_CONFIG, "policy_missing", "flexible.tiers_base_fen",
                    "政策 flexible.tiers_base_fen 没有%s第 %ld 档", reg_insurance_name_zh(ins), n);
    if (!k) base = json_integer_value(json_array_get(arr, (size_t)n - 1));
    snprintf(key, sizeof key, "flexible.%s_rate_bp", reg_insurance_name(ins));
    if (!k) k = policy_get_int(ctx->pol, key, on, &rate, err);
    if (!k) k = pol_rounding(ctx->pol, "flexible", on, &mode, err);
    if (k) return k;
    *it = (contrib_item){.insurance = ins, .base_fen = base, .personal_rate_bp = rate,
                         .personal_fen = money_apply_rate(base, rate, 10000, mode)};
    return ERR_OK;
}

/* Residents pay a yearly amount (resident.pension.annual_fen, or
 * resident.medical.annual_fen of their category), billed in the span's
 * first month and in every January after it. */
static err_kind resident_item(svc_ctx *ctx, date_days on, reg_insurance ins, const char *tier, contrib_item *it,
                              err_detail *err) {
    int64_t amount = 0;
    err_kind k = ins == INS_PENSION
        ? policy_get_int(ctx->pol, "resident.pension.annual_fen", on, &amount, err)
        : policy_get_int_member(ctx->pol, "resident.medical.annual_fen", on, tier, &amount, err);
    if (k) return k;
    *it = (contrib_item){.insurance = ins, .personal_fen = amount};
    return ERR_OK;
}

static err_kind person_span_item(svc_ctx *ctx, month_ym month, store_stmt *st, person_line *l, bool *billed,
                                 err_detail *err) {
    reg_insurance ins;
    const char *category = store_col_text(st, 2), *tier = store_col_text(st, 3);
    month_ym start = (month_ym)store_col_int(st, 4);
    date_days on = month_first_day(month);
    *billed = false;
    if (!insurance_of(store_col_text(st, 1), &ins))
        return err_set(err, ERR_INTERNAL, "bad_insurance", NULL, "参保关系 %" PRId64 " 的险种无法识别",
                       store_col_int(st, 0));
    l->span_id = store_col_int(st, 0);
    err_kind k = ERR_OK;
    if (strcmp(category, "flexible") == 0) {
        k = flexible_item(ctx, on, ins, tier, &l->item, err);
        *billed = !k;
    } else if ((strcmp(category, "resident_pension") == 0 || strcmp(category, "resident_medical") == 0) &&
               (month == start || month % 100 == 1)) {
        k = resident_item(ctx, on, ins, tier, &l->item, err);
        *billed = !k;
    }
    if (*billed && l->item.unit_fen == 0 && l->item.personal_fen == 0) *billed = false;  /* e.g. newborns */
    return k;
}

static err_kind person_lines(svc_ctx *ctx, int64_t person_id, month_ym month, person_line *lines, int *n_out,
                             err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_CONTRIB_PERSON_SPANS, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    store_bind_int(st, 2, month);
    int n = 0;
    bool row = false;
    while (n < PERSON_SPANS_MAX && !(k = store_step(st, &row, err)) && row) {
        bool billed = false;
        k = person_span_item(ctx, month, st, &lines[n], &billed, err);
        if (k) break;
        if (billed) n++;
    }
    store_stmt_done(st);
    if (!k) *n_out = n;
    return k;
}

static err_kind person_bill_write(svc_ctx *ctx, int64_t person_id, month_ym month, const person_line *lines,
                                  int n, bill_sum *sum, err_detail *err) {
    int64_t day = 0;
    err_kind k = policy_get_int(ctx->pol, "flexible.first_deduction_day", month_first_day(month), &day, err);
    if (!k) k = bill_insert(ctx, 0, person_id, month, due_date(month, (int)day), &sum->bill_id, err);
    store_bulk *b = NULL;
    if (!k) k = store_bulk_begin(ctx->tx, STORE_Q_CONTRIB_ASSESSMENT_INSERT, &b, err);
    for (int i = 0; !k && i < n; i++) {
        line_row l = {.bill_id = sum->bill_id, .person_id = person_id, .span_id = lines[i].span_id,
                      .month = month, .item = lines[i].item};
        k = line_put(b, &l, ctx->now_ms, err);
        sum->lines++;
        sum->unit_fen += lines[i].item.unit_fen;
        sum->personal_fen += lines[i].item.personal_fen;
    }
    if (k) store_bulk_abort(b);
    else k = store_bulk_end(b, err);
    char target[48];
    snprintf(target, sizeof target, "person:%" PRId64, person_id);
    int64_t entry = 0;
    if (!k) k = bill_post(ctx, OWNER_PERSON, person_id, sum, month, &entry, err);
    if (!k) k = bill_totals(ctx, sum, entry, err);
    if (!k) k = bill_audit(ctx, "contrib.assess.person", target, sum, month, err);
    return k;
}

static err_kind assess_person_in(svc_ctx *ctx, int64_t person_id, month_ym month, int64_t *bill_id_out,
                                 bool *created_out, err_detail *err) {
    int64_t existing = 0;
    err_kind k = month_check(month, "month", err);
    if (!k) k = bill_find(ctx, STORE_Q_CONTRIB_BILL_FIND_PERSON, person_id, month, &existing, err);
    if (k) return k;
    if (existing) {
        *bill_id_out = existing;
        *created_out = false;
        return ERR_OK;
    }
    person_line lines[PERSON_SPANS_MAX];
    int n = 0;
    bill_sum sum = {0};
    k = person_lines(ctx, person_id, month, lines, &n, err);
    if (!k && n) k = person_bill_write(ctx, person_id, month, lines, n, &sum, err);
    if (k) return k;
    *bill_id_out = sum.bill_id;
    *created_out = sum.bill_id != 0;
    return ERR_OK;
}

err_kind contrib_assess_person(svc_ctx *ctx, int64_t person_id, month_ym month, int64_t *bill_id_out,
                               bool *created_out, err_detail *err) {
    if (!is_finance(ctx->actor.role)) return forbidden(ctx, "核定月缴费", err);
    return assess_person_in(ctx, person_id, month, bill_id_out, created_out, err);
}

/* ---- bills ---- */

typedef struct bill_head {
    int64_t id, unit_id, person_id;
    month_ym month;
    char kind[16], status[16], unit_name[REG_UNIT_NAME_BYTES_MAX + 1], person_name[REG_NAME_BYTES_MAX * 2];
    money_fen unit_fen, personal_fen;
    int64_t lines, entry_id;
    char due_on[DATE_STR_BYTES], confirmed_on[DATE_STR_BYTES], paid_on[DATE_STR_BYTES];
} bill_head;

static err_kind bill_head_get(svc_ctx *ctx, int64_t id, bill_head *h, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_CONTRIB_BILL_GET, &st, err);
    if (k) return k;
    store_bind_int(st, 1, id);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && row) {
        memset(h, 0, sizeof *h);
        h->id = store_col_int(st, 0);
        h->unit_id = store_col_int(st, 1);
        snprintf(h->unit_name, sizeof h->unit_name, "%s", store_col_text(st, 2));
        h->person_id = store_col_int(st, 3);
        h->month = (month_ym)store_col_int(st, 4);
        snprintf(h->kind, sizeof h->kind, "%s", store_col_text(st, 5));
        snprintf(h->status, sizeof h->status, "%s", store_col_text(st, 6));
        h->unit_fen = store_col_int(st, 7);
        h->personal_fen = store_col_int(st, 8);
        h->lines = store_col_int(st, 9);
        snprintf(h->due_on, sizeof h->due_on, "%s", store_col_text(st, 10));
        snprintf(h->confirmed_on, sizeof h->confirmed_on, "%s", store_col_text(st, 11));
        snprintf(h->paid_on, sizeof h->paid_on, "%s", store_col_text(st, 12));
        h->entry_id = store_col_int(st, 13);
        snprintf(h->person_name, sizeof h->person_name, "%s", store_col_text(st, 14));
    }
    store_stmt_done(st);
    if (!k && !row) k = err_set(err, ERR_NOT_FOUND, "bill_not_found", "id", "未找到该账单");
    return k;
}

/* A unit operator sees its own unit's bills, a person their own; another's
 * bill is "not found", never "forbidden". */
static err_kind bill_visible(const svc_ctx *ctx, const bill_head *h, err_detail *err) {
    svc_role r = ctx->actor.role;
    bool ok = svc_role_is_staff(r) || (r == ROLE_UNIT && h->unit_id && h->unit_id == ctx->actor.unit_id) ||
              (r == ROLE_PERSON && !h->unit_id && h->person_id == ctx->actor.person_id);
    return ok ? ERR_OK : err_set(err, ERR_NOT_FOUND, "bill_not_found", "id", "未找到该账单");
}

static json_t *text_or_null(const char *s) { return *s ? json_string(s) : json_null(); }

static json_t *bill_head_json(const bill_head *h) {
    json_t *o = json_pack("{s:I, s:s, s:o, s:s, s:I, s:I, s:I, s:I, s:s, s:o, s:o}", "id", (json_int_t)h->id,
                          "kind", h->kind, "month", jsonx_month_new(h->month), "status", h->status,
                          "unit_total_fen", (json_int_t)h->unit_fen, "personal_total_fen",
                          (json_int_t)h->personal_fen, "total_fen", (json_int_t)(h->unit_fen + h->personal_fen),
                          "lines", (json_int_t)h->lines, "due_on", h->due_on, "confirmed_on",
                          text_or_null(h->confirmed_on), "paid_on", text_or_null(h->paid_on));
    if (h->unit_id) {
        json_object_set_new(o, "unit_id", json_integer(h->unit_id));
        json_object_set_new(o, "unit_name", json_string(h->unit_name));
    } else {
        json_object_set_new(o, "person_id", json_integer(h->person_id));
        json_object_set_new(o, "person_name", json_string(h->person_name));
    }
    json_object_set_new(o, "ledger_entry_id", h->entry_id ? json_integer(h->entry_id) : json_null());
    return o;
}

typedef struct ins_total {
    money_fen unit_fen, personal_fen;
    int64_t lines;
} ins_total;

static json_t *line_json(store_stmt *st, reg_insurance ins) {
    return json_pack("{s:s, s:s, s:o, s:s, s:I, s:I, s:I, s:I, s:I}", "insurance", reg_insurance_name(ins),
                     "insurance_zh", reg_insurance_name_zh(ins), "month",
                     jsonx_month_new((month_ym)store_col_int(st, 4)), "kind", store_col_text(st, 5), "base_fen",
                     (json_int_t)store_col_int(st, 6), "unit_rate_bp", (json_int_t)store_col_int(st, 7),
                     "personal_rate_bp", (json_int_t)store_col_int(st, 8), "unit_fen",
                     (json_int_t)store_col_int(st, 9), "personal_fen", (json_int_t)store_col_int(st, 10));
}

/* A new person group of the bill answer. */
static json_t *person_group(json_t *persons, store_stmt *st) {
    json_t *g = json_pack("{s:I, s:s, s:s, s:[], s:I, s:I}", "person_id", (json_int_t)store_col_int(st, 0), "name",
                          store_col_text(st, 1), "id_number", store_col_text(st, 2), "items", "unit_fen",
                          (json_int_t)0, "personal_fen", (json_int_t)0);
    json_array_append_new(persons, g);
    return g;
}

static void group_add(json_t *g, const char *member, money_fen v) {
    json_object_set_new(g, member, json_integer(json_integer_value(json_object_get(g, member)) + v));
}

static err_kind bill_lines_json(svc_ctx *ctx, int64_t bill_id, json_t *persons, ins_total *by_ins, bool *truncated,
                                err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_CONTRIB_BILL_LINES, &st, err);
    if (k) return k;
    store_bind_int(st, 1, bill_id);
    store_bind_int(st, 2, CONTRIB_BILL_LINES_MAX + 1);
    bool row = false;
    int64_t n = 0, last_person = 0;
    json_t *g = NULL;
    while (!(k = store_step(st, &row, err)) && row) {
        if (++n > CONTRIB_BILL_LINES_MAX) { *truncated = true; break; }
        reg_insurance ins = INS_PENSION;
        insurance_of(store_col_text(st, 3), &ins);
        if (!g || store_col_int(st, 0) != last_person) g = person_group(persons, st);
        last_person = store_col_int(st, 0);
        json_array_append_new(json_object_get(g, "items"), line_json(st, ins));
        group_add(g, "unit_fen", store_col_int(st, 9));
        group_add(g, "personal_fen", store_col_int(st, 10));
        by_ins[ins].unit_fen += store_col_int(st, 9);
        by_ins[ins].personal_fen += store_col_int(st, 10);
        by_ins[ins].lines++;
    }
    store_stmt_done(st);
    return k;
}

static json_t *by_insurance_json(const ins_total *t) {
    json_t *arr = json_array();
    for (int i = 0; i < INS_COUNT; i++)
        if (t[i].lines)
            json_array_append_new(arr, json_pack("{s:s, s:s, s:I, s:I, s:I}", "insurance",
                reg_insurance_name((reg_insurance)i), "insurance_zh", reg_insurance_name_zh((reg_insurance)i),
                "lines", (json_int_t)t[i].lines, "unit_fen", (json_int_t)t[i].unit_fen, "personal_fen",
                (json_int_t)t[i].personal_fen));
    return arr;
}

err_kind contrib_bill_json(svc_ctx *ctx, int64_t bill_id, json_t **out, err_detail *err) {
    bill_head h;
    err_kind k = bill_head_get(ctx, bill_id, &h, err);
    if (!k) k = bill_visible(ctx, &h, err);
    if (k) return k;
    json_t *persons = json_array();
    ins_total by_ins[INS_COUNT] = {{0}};
    bool truncated = false;
    char target[48];
    snprintf(target, sizeof target, "bill:%" PRId64, bill_id);
    k = bill_lines_json(ctx, bill_id, persons, by_ins, &truncated, err);
    if (!k) k = audit_append(ctx, "contrib.bill.read", target, "ok", "", err);
    if (k) { json_decref(persons); return k; }
    json_t *o = bill_head_json(&h);
    json_object_set_new(o, "persons", persons);
    json_object_set_new(o, "by_insurance", by_insurance_json(by_ins));
    json_object_set_new(o, "truncated", json_boolean(truncated));
    *out = o;
    return ERR_OK;
}

static json_t *bill_row_json(store_stmt *st) {
    money_fen u = store_col_int(st, 4), p = store_col_int(st, 5);
    return json_pack("{s:I, s:o, s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:o, s:o}", "id", (json_int_t)store_col_int(st, 0),
                     "month", jsonx_month_new((month_ym)store_col_int(st, 1)), "kind", store_col_text(st, 2),
                     "status", store_col_text(st, 3), "unit_total_fen", (json_int_t)u, "personal_total_fen",
                     (json_int_t)p, "total_fen", (json_int_t)(u + p), "lines", (json_int_t)store_col_int(st, 6),
                     "due_on", store_col_text(st, 7), "confirmed_on", text_or_null(store_col_text(st, 8)),
                     "paid_on", text_or_null(store_col_text(st, 9)));
}

err_kind contrib_bills_json(svc_ctx *ctx, int64_t unit_id, month_ym month, json_t **out, err_detail *err) {
    svc_role r = ctx->actor.role;
    err_kind k = ERR_OK;
    if (r == ROLE_UNIT && unit_id != ctx->actor.unit_id)
        k = err_set(err, ERR_NOT_FOUND, "unit_not_found", "unit_id", "未找到该单位");
    else if (r != ROLE_UNIT && !svc_role_is_staff(r))
        k = forbidden(ctx, "查看单位账单", err);
    reg_unit unit;
    if (!k) k = reg_unit_get(ctx, unit_id, &unit, err);
    if (!k && month) k = month_check(month, "month", err);
    store_stmt *st;
    if (!k) k = store_prepare(ctx->tx, STORE_Q_CONTRIB_BILLS_OF_UNIT, &st, err);
    if (k) return k;
    store_bind_int(st, 1, unit_id);
    store_bind_int(st, 2, month);
    store_bind_int(st, 3, LIMIT_QUERY_ROWS_MAX);
    json_t *items = json_array();
    bool row = false;
    while (!(k = store_step(st, &row, err)) && row) json_array_append_new(items, bill_row_json(st));
    store_stmt_done(st);
    if (k) { json_decref(items); return k; }
    *out = json_pack("{s:I, s:s, s:o, s:I, s:o}", "unit_id", (json_int_t)unit_id, "unit_name", unit.name, "month",
                     month ? jsonx_month_new(month) : json_null(), "count", (json_int_t)json_array_size(items),
                     "items", items);
    return ERR_OK;
}

err_kind contrib_bill_confirm(svc_ctx *ctx, int64_t bill_id, err_detail *err) {
    svc_role r = ctx->actor.role;
    bill_head h;
    err_kind k = bill_head_get(ctx, bill_id, &h, err);
    if (!k) k = bill_visible(ctx, &h, err);
    if (!k && r != ROLE_UNIT && !is_counter(r) && !is_finance(r)) k = forbidden(ctx, "确认账单", err);
    if (!k && strcmp(h.status, "draft") != 0)
        k = err_set(err, ERR_CONFLICT, "bad_state", "status", "只有待确认（draft）的账单可以确认，该账单状态为 %s", h.status);
    char today[DATE_STR_BYTES], target[48];
    date_format(ctx->business_date, today);
    snprintf(target, sizeof target, "bill:%" PRId64, bill_id);
    if (!k) k = store_exec(ctx->tx, STORE_Q_CONTRIB_BILL_CONFIRM, err, "iti", bill_id, today, ctx->now_ms);
    if (!k && store_changes(ctx->tx) != 1)
        k = err_set(err, ERR_CONFLICT, "bad_state", "status", "账单状态刚被改变，请刷新后重试");
    if (!k) k = audit_append(ctx, "contrib.bill.confirm", target, "ok", "", err);
    return k;
}

/* ---- the monthly run ---- */

typedef struct month_run_arg {
    contrib_policy cp;
    int64_t pool;          /* the contributions-due account, once known */
    unit_chunk ch;         /* the chunk's rows, kept from chunk to chunk */
} month_run_arg;

static err_kind unit_chunk_begin(svc_ctx *ctx, const int64_t *keys, int n, void *arg, err_detail *err) {
    month_run_arg *a = arg;
    return unit_chunk_load(ctx, &a->cp, keys[0], keys[n - 1], &a->ch, err);
}

static err_kind unit_key_fn(svc_ctx *ctx, int64_t key, void *arg, err_detail *err) {
    month_run_arg *a = arg;
    bill_sum sum = {0};
    bool before = false;
    return unit_assess(ctx, &a->cp, &a->ch, key, &sum, &before, err);
}

/* The chunk's lines written, and one audit row for the bills it made: their
 * count, the first and the last bill id, lines and total (each bill's own
 * totals are on the bill; an audit row per bill was a tenth of the run). */
static err_kind unit_chunk_end(svc_ctx *ctx, const int64_t *keys, int n, bool write, void *arg, err_detail *err) {
    month_run_arg *a = arg;
    unit_chunk *ch = &a->ch;
    if (!write) {
        store_bulk_abort(ch->lines);
        ch->lines = NULL;
        return ERR_OK;
    }
    err_kind k = chunk_finish(ctx, a->cp.month, ch, &a->pool, err);
    if (k || !ch->made.n) return k;
    const made_bill *m = ch->made.rows;
    int64_t lines = 0;
    money_fen total = 0;
    for (int i = 0; i < ch->made.n; i++) {
        lines += m[i].sum.lines;
        total += m[i].sum.unit_fen + m[i].sum.personal_fen;
    }
    char target[64], detail[200];
    snprintf(target, sizeof target, "units:%" PRId64 "-%" PRId64, keys[0], keys[n - 1]);
    snprintf(detail, sizeof detail,
             "month:%d bills:%d first_bill:%" PRId64 " last_bill:%" PRId64 " lines:%" PRId64 " total_fen:%" PRId64,
             (int)a->cp.month, ch->made.n, m[0].sum.bill_id, m[ch->made.n - 1].sum.bill_id, lines, total);
    return audit_append(ctx, "contrib.assess.units", target, "ok", detail, err);
}

static err_kind person_key_fn(svc_ctx *ctx, int64_t key, void *arg, err_detail *err) {
    const month_run_arg *a = arg;
    int64_t bill = 0;
    bool created = false;
    return assess_person_in(ctx, key, a->cp.month, &bill, &created, err);
}

static const char *const RUN_UNITS = "month_run", *const RUN_PERSONS = "month_run_persons";

static err_kind run_state(svc_ctx *ctx, const char *kind, const char *run_key, json_t **out, err_detail *err) {
    err_detail e = {0};
    err_kind k = batch_status_json(ctx, kind, run_key, out, &e);
    if (k == ERR_NOT_FOUND) {
        *out = json_null();
        return ERR_OK;
    }
    if (k) *err = e;
    return k;
}

static err_kind month_totals_json(svc_ctx *ctx, month_ym month, json_t **out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_CONTRIB_MONTH_TOTALS, &st, err);
    if (k) return k;
    store_bind_int(st, 1, month);
    bool row = false;
    k = store_step(st, &row, err);
    int64_t v[5] = {0};
    for (int i = 0; !k && row && i < 5; i++) v[i] = store_col_int(st, i);
    store_stmt_done(st);
    if (k) return k;
    char key[MONTH_STR_BYTES];
    month_format(month, key);
    json_t *units = NULL, *persons = NULL;
    k = run_state(ctx, RUN_UNITS, key, &units, err);
    if (!k) k = run_state(ctx, RUN_PERSONS, key, &persons, err);
    if (k) { json_decref(units); return k; }
    *out = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o}", "month", key, "bills", (json_int_t)v[0],
                     "unit_bills", (json_int_t)v[1], "person_bills", (json_int_t)(v[0] - v[1]), "lines",
                     (json_int_t)v[2], "unit_total_fen", (json_int_t)v[3], "personal_total_fen", (json_int_t)v[4],
                     "total_fen", (json_int_t)(v[3] + v[4]), "units_run", units, "persons_run", persons);
    return ERR_OK;
}

err_kind contrib_month_status(svc_ctx *ctx, month_ym month, json_t **out, err_detail *err) {
    if (!svc_role_is_staff(ctx->actor.role)) return forbidden(ctx, "查看月缴费核定", err);
    err_kind k = month_check(month, "month", err);
    return k ? k : month_totals_json(ctx, month, out, err);
}

static err_kind month_run_check(const svc_ctx *tmpl, month_ym month, err_detail *err) {
    if (!is_finance(tmpl->actor.role)) return forbidden(tmpl, "运行月缴费核定", err);
    err_kind k = month_check(month, "month", err);
    if (k) return k;
    month_ym now = month_of(tmpl->business_date);
    if (month > now) {
        char data[DATA_BYTES], a[MONTH_STR_BYTES], b[MONTH_STR_BYTES];
        month_format(month, a);
        month_format(now, b);
        snprintf(data, sizeof data, "{\"month\":\"%s\",\"business_month\":\"%s\"}", a, b);
        err_rule_add(err, "month_in_future", data, "%s 尚未到来（业务日期在 %s），不能核定", a, b);
    }
    return err_rules_finish(err);
}

static err_kind month_totals_read(store *st, const svc_ctx *tmpl, month_ym month, json_t **out, err_detail *err) {
    svc_ctx c = *tmpl;
    err_kind k = store_begin(st, false, &c.tx, err);
    if (k) return k;
    k = month_totals_json(&c, month, out, err);
    store_rollback(c.tx);
    return k;
}

err_kind contrib_month_run(store *st, const svc_ctx *tmpl, month_ym month, int chunk_keys,
                           batch_progress_fn progress, void *progress_arg, json_t **out,
                           err_detail *err) {
    month_run_arg a = {.pool = 0};   /* a.ch freed at the end */
    err_kind k = month_run_check(tmpl, month, err);
    if (!k) k = contrib_policy_load(tmpl->pol, month, ALL_INSURANCES, &a.cp, err);
    if (k) return k;
    char key[MONTH_STR_BYTES];
    month_format(month, key);
    svc_ctx c = *tmpl;
    c.tx = NULL;
    c.ar = arena_create(MONTH_RUN_ARENA_BYTES);
    batch_spec units = {.kind = RUN_UNITS, .run_key = key, .keys_query = STORE_Q_CONTRIB_RUN_UNITS,
                        .keys_param = month, .count_query = STORE_Q_CONTRIB_RUN_UNITS_COUNT,
                        .chunk_keys = chunk_keys, .fn = unit_key_fn, .chunk_begin = unit_chunk_begin,
                        .chunk_end = unit_chunk_end, .arg = &a, .progress = progress,
                        .progress_arg = progress_arg};
    batch_spec persons = units;
    persons.kind = RUN_PERSONS;
    persons.keys_query = STORE_Q_CONTRIB_RUN_PERSONS;
    persons.count_query = STORE_Q_CONTRIB_RUN_PERSONS_COUNT;
    persons.fn = person_key_fn;
    persons.chunk_begin = NULL;
    persons.chunk_end = NULL;
    int64_t done = 0;
    k = batch_run(st, &c, &units, &done, err);
    if (!k) k = batch_run(st, &c, &persons, &done, err);
    if (!k) k = month_totals_read(st, &c, month, out, err);
    unit_chunk_free(&a.ch);
    arena_destroy(c.ar);
    return k;
}
