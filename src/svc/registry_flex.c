/* Flexible employment, residents, single-insurance work injury and
 * construction projects (see registry_flex.h). Each operation checks every
 * rule first, listing all that fail, and only then writes. */
#include "svc/registry_flex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonx.h"
#include "base/limits.h"
#include "svc/audit.h"
#include "svc/retirement.h"

enum {
    MONTH_OPEN_END = 999912,   /* "no end" when asking which spans overlap */
    SPAN_HITS_MAX = 16,        /* FLEX_SPANS_OVERLAPPING returns at most this many */
    DATA_BYTES = 256,          /* err_rule.data_json */
    TIER_BYTES = 64,
};

/* ---- small helpers ---- */

static err_kind pol_int(svc_ctx *ctx, const char *key, int64_t *out, err_detail *err) {
    return policy_get_int(ctx->pol, key, ctx->business_date, out, err);
}

static void fmt_month(month_ym m, char out[MONTH_STR_BYTES]) {
    if (m) month_format(m, out);
    else out[0] = 0;
}

static void target_of(char *buf, size_t cap, const char *kind, int64_t id) {
    snprintf(buf, cap, "%s:%lld", kind, (long long)id);
}

static bool is_staff(const svc_ctx *ctx) {
    return svc_role_is_staff(ctx->actor.role);
}

err_kind flex_effective_month(svc_ctx *ctx, month_ym *out, err_detail *err) {
    int64_t day;
    err_kind k = pol_int(ctx, "flexible.first_deduction_day", &day, err);
    if (k) return k;
    int y, m, d;
    date_to_ymd(ctx->business_date, &y, &m, &d);
    month_ym now = month_of(ctx->business_date);
    *out = d < day ? now : month_add(now, 1);
    return ERR_OK;
}

/* The person an operation is about: a person acts for themself only
 * (another id is "not found", never "forbidden"); staff name the person. */
static err_kind subject_person(svc_ctx *ctx, int64_t requested, reg_person *out, err_detail *err) {
    int64_t id = requested;
    if (ctx->actor.role == ROLE_PERSON) {
        if (requested && requested != ctx->actor.person_id)
            return err_set(err, ERR_NOT_FOUND, "person_not_found", "person_id", "未找到该参保人");
        id = ctx->actor.person_id;
    } else if (!is_staff(ctx)) {
        return err_set(err, ERR_FORBIDDEN, "forbidden", NULL, "当前角色不能办理此业务");
    }
    if (id <= 0)
        return err_set(err, ERR_INVALID, "missing_field", "person_id", "缺少参保人 person_id");
    return reg_person_get(ctx, id, out, err);
}

static err_kind unit_load(svc_ctx *ctx, int64_t id, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_FLEX_UNIT_GET, &st, err);
    if (k) return k;
    store_bind_int(st, 1, id);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && !row) k = err_set(err, ERR_NOT_FOUND, "unit_not_found", "unit_id", "未找到该单位");
    if (!k && strcmp(store_col_text(st, 1), "active") != 0)
        k = err_set(err, ERR_CONFLICT, "unit_not_active", "unit_id", "单位 %s 已注销，不能办理参保",
                    store_col_text(st, 2));
    store_stmt_done(st);
    return k;
}

/* The unit an operation is for: a unit operator its own (another unit is
 * "not found"); staff name it. */
static err_kind subject_unit(svc_ctx *ctx, int64_t requested, int64_t *out, err_detail *err) {
    int64_t id = requested;
    if (ctx->actor.role == ROLE_UNIT) {
        if (requested && requested != ctx->actor.unit_id)
            return err_set(err, ERR_NOT_FOUND, "unit_not_found", "unit_id", "未找到该单位");
        id = ctx->actor.unit_id;
    } else if (!is_staff(ctx)) {
        return err_set(err, ERR_FORBIDDEN, "forbidden", NULL, "当前角色不能办理此业务");
    }
    if (id <= 0) return err_set(err, ERR_INVALID, "missing_field", "unit_id", "缺少单位 unit_id");
    err_kind k = unit_load(ctx, id, err);
    if (!k) *out = id;
    return k;
}

err_kind flex_unit_find(svc_ctx *ctx, const char *code, int64_t *id_out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_FLEX_UNIT_BY_CODE, &st, err);
    if (k) return k;
    store_bind_text(st, 1, code ? code : "");
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && !row) k = err_set(err, ERR_NOT_FOUND, "unit_not_found", "unit", "未找到该单位");
    if (!k) *id_out = store_col_int(st, 0);
    store_stmt_done(st);
    return k;
}

/* ---- ages ---- */

/* Adds age_below_min when the person is younger than min on `on`. */
static void rule_min_age(err_detail *err, int age, int64_t min, const char *what) {
    if (age >= min) return;
    char data[DATA_BYTES];
    snprintf(data, sizeof data, "{\"age\":%d,\"min_age\":%lld}", age, (long long)min);
    err_rule_add(err, "age_below_min", data, "%s须年满 %lld 周岁，当前 %d 周岁", what, (long long)min, age);
}

static void rule_max_age(err_detail *err, int age, int64_t max, const char *what) {
    if (age <= max) return;
    char data[DATA_BYTES];
    snprintf(data, sizeof data, "{\"age\":%d,\"max_age\":%lld}", age, (long long)max);
    err_rule_add(err, "age_above_max", data, "%s年龄不超过 %lld 周岁，当前 %d 周岁", what, (long long)max, age);
}

/* The person's statutory retirement: a woman's choice of 55 (kept on the
 * person, or made now) or by sex. */
static err_kind person_retirement(svc_ctx *ctx, const reg_person *p, bool cadre_now,
                                  retirement_result *out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_FLEX_PERSON_RETIRE_KIND, &st, err);
    if (k) return k;
    store_bind_int(st, 1, p->id);
    bool row = false;
    k = store_step(st, &row, err);
    bool cadre = cadre_now || (!k && row && strcmp(store_col_text(st, 0), "female55") == 0);
    store_stmt_done(st);
    if (k) return k;
    retirement_kind kind = retirement_kind_for(p->sex, cadre);
    return retirement_compute(ctx->pol, ctx->business_date, kind, month_of(p->birth_date), out, err);
}

/* Adds age_at_retirement when `month` is at or past the retirement month. */
static void rule_before_retirement(err_detail *err, const retirement_result *r, month_ym month) {
    if (month < r->retirement_month) return;
    char data[DATA_BYTES], rm[MONTH_STR_BYTES], m[MONTH_STR_BYTES];
    month_format(r->retirement_month, rm);
    month_format(month, m);
    snprintf(data, sizeof data,
             "{\"kind\":\"%s\",\"retirement_month\":\"%s\",\"age_years\":%d,\"age_months\":%d,"
             "\"month\":\"%s\"}", retirement_kind_name(r->kind), rm, r->age_years, r->age_months, m);
    err_rule_add(err, "age_at_retirement", data,
                 "%s 已达到法定退休年龄（%d 岁 %d 个月，%s 起），不能参保", m, r->age_years,
                 r->age_months, rm);
}

static bool has_birth(err_detail *err, const reg_person *p) {
    if (p->birth_date) return true;
    err_rule_add(err, "birth_date_unknown", NULL, "参保人出生日期未登记，无法核对年龄");
    return false;
}

/* ---- spans ---- */

typedef struct span_hit {
    int64_t id, unit_id;
    char payer[12], category[24], status[16];
    month_ym start, end;
} span_hit;

/* Spans of a person's insurance overlapping [from, to]. */
static err_kind spans_overlapping(svc_ctx *ctx, int64_t person_id, reg_insurance ins, month_ym from,
                                  month_ym to, span_hit hits[SPAN_HITS_MAX], int *n, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_FLEX_SPANS_OVERLAPPING, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    store_bind_text(st, 2, reg_insurance_name(ins));
    store_bind_int(st, 3, from);
    store_bind_int(st, 4, to ? to : MONTH_OPEN_END);
    bool row = false;
    *n = 0;
    while (*n < SPAN_HITS_MAX && !(k = store_step(st, &row, err)) && row) {
        span_hit *h = &hits[(*n)++];
        h->id = store_col_int(st, 0);
        snprintf(h->payer, sizeof h->payer, "%s", store_col_text(st, 1));
        snprintf(h->category, sizeof h->category, "%s", store_col_text(st, 2));
        h->unit_id = store_col_int(st, 3);
        h->start = (month_ym)store_col_int(st, 4);
        h->end = (month_ym)store_col_int(st, 5);
        snprintf(h->status, sizeof h->status, "%s", store_col_text(st, 6));
    }
    store_stmt_done(st);
    return k;
}

static void hit_data(const span_hit *h, reg_insurance ins, char data[DATA_BYTES]) {
    char from[MONTH_STR_BYTES], to[MONTH_STR_BYTES];
    fmt_month(h->start, from);
    fmt_month(h->end, to);
    snprintf(data, DATA_BYTES,
             "{\"insurance\":\"%s\",\"span_id\":%lld,\"category\":\"%s\",\"unit_id\":%lld,"
             "\"start_month\":\"%s\",\"end_month\":\"%s\"}", reg_insurance_name(ins),
             (long long)h->id, h->category, (long long)h->unit_id, from, to);
}

static void rule_already(err_detail *err, const span_hit *h, reg_insurance ins) {
    char data[DATA_BYTES], from[MONTH_STR_BYTES];
    hit_data(h, ins, data);
    fmt_month(h->start, from);
    err_rule_add(err, "already_insured", data, "已有%s参保关系（%s，%s 起），时间重叠",
                 reg_insurance_name_zh(ins), h->category, from);
}

/* Flexible: employed_insured when an employer pays this insurance in the
 * month; with others, already_insured for any other overlapping span
 * (resumption asks only about employers: its own span overlaps). */
static err_kind rule_free_for_flexible(svc_ctx *ctx, int64_t person_id, reg_insurance ins,
                                       month_ym month, bool others, err_detail *err) {
    span_hit hits[SPAN_HITS_MAX];
    int n = 0;
    err_kind k = spans_overlapping(ctx, person_id, ins, month, MONTH_OPEN_END, hits, &n, err);
    if (k || n == 0) return k;
    for (int i = 0; i < n; i++) {
        if (strcmp(hits[i].payer, "unit") != 0 || hits[i].start > month) continue;
        char data[DATA_BYTES];
        hit_data(&hits[i], ins, data);
        err_rule_add(err, "employed_insured", data, "%s已由单位参保缴费（单位 %lld），不能以灵活就业人员身份参保",
                     reg_insurance_name_zh(ins), (long long)hits[i].unit_id);
        return ERR_OK;
    }
    if (others) rule_already(err, &hits[0], ins);
    return ERR_OK;
}

/* ---- flexible: packages and tiers ---- */

static err_kind package_insurances(svc_ctx *ctx, const char *package, unsigned *out, err_detail *err) {
    const json_t *pkgs;
    err_kind k = policy_get_json(ctx->pol, "flexible.packages", ctx->business_date, &pkgs, err);
    if (k) return k;
    const json_t *p = package ? json_object_get(pkgs, package) : NULL;
    if (!json_is_object(p)) {
        char echo[ERR_ECHO_BYTES], names[160] = "";
        err_echo(package ? package : "", echo);
        const char *key;
        const json_t *v;
        size_t used = 0;
        json_object_foreach((json_t *)pkgs, key, v) {
            int w = snprintf(names + used, sizeof names - used, "%s%s", used ? "、" : "", key);
            if (w < 0 || (size_t)w >= sizeof names - used) break;
            used += (size_t)w;
        }
        return err_set(err, ERR_INVALID, "invalid_value", "package", "套餐 %s 无效，可选：%s", echo, names);
    }
    return reg_insurances_parse(json_object_get(p, "insurances"), "package", out, err);
}

/* The number of tiers of an insurance, and the base of tier t (1-based, 0 = none). */
static err_kind tier_info(svc_ctx *ctx, reg_insurance ins, int tier, int *count, int64_t *base_fen,
                          err_detail *err) {
    const json_t *tiers;
    err_kind k = policy_get_json(ctx->pol, "flexible.tiers_base_fen", ctx->business_date, &tiers, err);
    if (k) return k;
    const json_t *arr = json_object_get(tiers, reg_insurance_name(ins));
    *count = json_is_array(arr) ? (int)json_array_size(arr) : 0;
    *base_fen = 0;
    if (tier >= 1 && tier <= *count) *base_fen = json_integer_value(json_array_get(arr, (size_t)tier - 1));
    return ERR_OK;
}

static err_kind rule_tier(svc_ctx *ctx, reg_insurance ins, int tier, err_detail *err) {
    int count;
    int64_t base;
    err_kind k = tier_info(ctx, ins, tier, &count, &base, err);
    if (k || (tier >= 1 && tier <= count)) return k;
    char data[DATA_BYTES];
    snprintf(data, sizeof data, "{\"insurance\":\"%s\",\"tier\":%d,\"max_tier\":%d}",
             reg_insurance_name(ins), tier, count);
    if (count == 0)
        err_rule_add(err, "tier_out_of_range", data, "%s没有可选的缴费档次", reg_insurance_name_zh(ins));
    else
        err_rule_add(err, "tier_out_of_range", data, "%s缴费档次应为 1 到 %d，收到 %d",
                     reg_insurance_name_zh(ins), count, tier);
    return ERR_OK;
}

/* A span's tier text "<package>:<n>" into its parts. */
static int tier_split(const char *text, char *package, size_t cap) {
    const char *colon = strrchr(text, ':');
    if (!colon) {
        if (cap) package[0] = 0;
        return 0;
    }
    snprintf(package, cap, "%.*s", (int)(colon - text), text);
    return (int)strtol(colon + 1, NULL, 10);
}

/* Housing fund: foreigners need a permanent residence card; everyone else
 * lives in the park (park hukou, or declared). */
static void rule_hf_group(err_detail *err, const reg_person *p, bool lives_in_park) {
    bool foreigner = strcmp(p->hukou_kind, "foreign") == 0 || strcmp(p->id_kind, "passport") == 0 ||
                     strcmp(p->id_kind, "foreign_pr") == 0;
    char data[DATA_BYTES];
    if (foreigner && strcmp(p->id_kind, "foreign_pr") != 0) {
        snprintf(data, sizeof data, "{\"id_kind\":\"%s\"}", p->id_kind);
        err_rule_add(err, "hf_foreigner_no_pr", data,
                     "外籍人员须持《外国人永久居留身份证》方可以灵活就业人员身份缴存住房公积金");
    } else if (!foreigner && strcmp(p->hukou_kind, "sip") != 0 && !lives_in_park) {
        snprintf(data, sizeof data, "{\"hukou_kind\":\"%s\",\"lives_in_park\":false}", p->hukou_kind);
        err_rule_add(err, "hf_not_in_park", data, "灵活就业住房公积金限居住在园区的人员（非园区户籍须声明居住在园区）");
    }
}

/* ---- flexible: registration ---- */

static err_kind flex_register_rules(svc_ctx *ctx, const flex_register_in *in, const reg_person *p,
                                    unsigned insurances, month_ym eff, err_detail *err) {
    int64_t min_age;
    err_kind k = pol_int(ctx, "flexible.min_age_years", &min_age, err);
    if (k) return k;
    if (has_birth(err, p)) {
        rule_min_age(err, reg_person_age(p, ctx->business_date), min_age, "灵活就业参保");
        retirement_result r;
        k = person_retirement(ctx, p, in->female_cadre_age, &r, err);
        if (k) return k;
        rule_before_retirement(err, &r, eff);
    }
    for (int i = 0; i < INS_COUNT && !k; i++) {
        if (!(insurances & (1u << i))) continue;
        k = rule_tier(ctx, (reg_insurance)i, in->tier, err);
        if (!k) k = rule_free_for_flexible(ctx, p->id, (reg_insurance)i, eff, true, err);
    }
    if (!k && (insurances & (1u << INS_HOUSING_FUND))) rule_hf_group(err, p, in->lives_in_park);
    return k;
}

static err_kind flex_open_spans(svc_ctx *ctx, const flex_register_in *in, int64_t person_id,
                                unsigned insurances, month_ym eff, json_t *spans, err_detail *err) {
    char tier[TIER_BYTES];
    snprintf(tier, sizeof tier, "%.40s:%d", in->package, in->tier);
    err_kind k = ERR_OK;
    for (int i = 0; i < INS_COUNT && !k; i++) {
        if (!(insurances & (1u << i))) continue;
        reg_span_new s = {.person_id = person_id, .insurance = (reg_insurance)i, .payer = "person",
                          .category = "flexible", .tier = tier, .start_month = eff,
                          .reason = "灵活就业人员参保登记"};
        int64_t span_id = 0, base = 0;
        int count;
        k = reg_span_open(ctx, &s, &span_id, err);
        if (!k) k = tier_info(ctx, (reg_insurance)i, in->tier, &count, &base, err);
        if (!k)
            json_array_append_new(spans, json_pack("{s:s, s:I, s:i, s:I}", "insurance",
                reg_insurance_name((reg_insurance)i), "span_id", (json_int_t)span_id, "tier",
                in->tier, "base_fen", (json_int_t)base));
    }
    return k;
}

err_kind flex_register(svc_ctx *ctx, const flex_register_in *in, json_t **out, err_detail *err) {
    reg_person p;
    unsigned insurances = 0;
    month_ym eff = 0;
    err_kind k = subject_person(ctx, in->person_id, &p, err);
    if (!k) k = package_insurances(ctx, in->package, &insurances, err);
    if (!k && in->female_cadre_age && p.sex != 'F')
        k = err_set(err, ERR_INVALID, "invalid_field", "female_cadre_age", "仅女性可以选择按 55 岁退休");
    if (!k) k = flex_effective_month(ctx, &eff, err);
    if (!k) k = flex_register_rules(ctx, in, &p, insurances, eff, err);
    if (!k) k = err_rules_finish(err);
    if (k) return k;
    if (in->female_cadre_age)
        k = store_exec(ctx->tx, STORE_Q_FLEX_PERSON_RETIRE_KIND_SET, err, "iti", p.id, "female55",
                       ctx->now_ms);
    json_t *spans = json_array();
    if (!k) k = flex_open_spans(ctx, in, p.id, insurances, eff, spans, err);
    char target[48], detail[96];
    target_of(target, sizeof target, "person", p.id);
    snprintf(detail, sizeof detail, "package=%s tier=%d", in->package, in->tier);
    if (!k) k = audit_append(ctx, "flex.register", target, "ok", detail, err);
    if (k) {
        json_decref(spans);
        return k;
    }
    *out = json_pack("{s:I, s:s, s:i, s:o, s:o}", "person_id", (json_int_t)p.id, "package",
                     in->package, "tier", in->tier, "effective_month", jsonx_month_new(eff), "spans", spans);
    return ERR_OK;
}

/* ---- flexible: tier, suspension, resumption ---- */

typedef struct flex_span {
    int64_t id;
    char status[16];
    char tier[TIER_BYTES];
    month_ym start;
} flex_span;

/* The open flexible span of an insurance; id 0 when there is none. */
static err_kind flex_span_get(svc_ctx *ctx, int64_t person_id, reg_insurance ins, flex_span *out,
                              err_detail *err) {
    memset(out, 0, sizeof *out);
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_FLEX_SPAN_OPEN, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    store_bind_text(st, 2, reg_insurance_name(ins));
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && row) {
        out->id = store_col_int(st, 0);
        snprintf(out->status, sizeof out->status, "%s", store_col_text(st, 1));
        snprintf(out->tier, sizeof out->tier, "%s", store_col_text(st, 2));
        out->start = (month_ym)store_col_int(st, 3);
    }
    store_stmt_done(st);
    return k;
}

static void rule_not_flexible(err_detail *err, reg_insurance ins) {
    char data[DATA_BYTES];
    snprintf(data, sizeof data, "{\"insurance\":\"%s\"}", reg_insurance_name(ins));
    err_rule_add(err, "not_flexible_insured", data, "未以灵活就业人员身份参加%s", reg_insurance_name_zh(ins));
}

static err_kind tier_target(svc_ctx *ctx, const flex_tier_in *in, unsigned *set, err_detail *err) {
    if ((in->insurance != NULL) == (in->package != NULL))
        return err_set(err, ERR_INVALID, "invalid_field", "insurance",
                       "请给出 insurance（一个险种）或 package（套餐）之一");
    if (in->package) return package_insurances(ctx, in->package, set, err);
    reg_insurance ins;
    err_kind k = reg_insurance_parse(in->insurance, "insurance", &ins, err);
    if (!k) *set = 1u << ins;
    return k;
}

/* Checks one insurance for a tier change; *span gets its span (id 0 when
 * skipped: a package insurance the person does not hold). */
static err_kind tier_rules_one(svc_ctx *ctx, int64_t person_id, reg_insurance ins, int tier,
                               bool required, flex_span *span, err_detail *err) {
    err_kind k = flex_span_get(ctx, person_id, ins, span, err);
    if (k) return k;
    if (!span->id) {
        if (required) rule_not_flexible(err, ins);
        return ERR_OK;
    }
    int before = err->rule_count;
    k = rule_tier(ctx, ins, tier, err);
    char pkg[TIER_BYTES];
    if (!k && err->rule_count == before && tier_split(span->tier, pkg, sizeof pkg) == tier) {
        char data[DATA_BYTES];
        snprintf(data, sizeof data, "{\"insurance\":\"%s\",\"tier\":%d}", reg_insurance_name(ins), tier);
        err_rule_add(err, "tier_unchanged", data, "%s已是第 %d 档", reg_insurance_name_zh(ins), tier);
    }
    return k;
}

static err_kind tier_apply(svc_ctx *ctx, reg_insurance ins, const flex_span *span, int tier,
                           month_ym eff, json_t *changes, err_detail *err) {
    char pkg[TIER_BYTES], next[TIER_BYTES + 16], detail[3 * TIER_BYTES];
    int old = tier_split(span->tier, pkg, sizeof pkg);
    snprintf(next, sizeof next, "%s:%d", pkg, tier);
    snprintf(detail, sizeof detail, "%s>%s", span->tier, next);
    err_kind k = store_exec(ctx->tx, STORE_Q_FLEX_SPAN_SET_TIER, err, "iti", span->id, next, ctx->now_ms);
    if (!k) k = reg_span_note(ctx, span->id, "tier", eff, detail, err);
    int count;
    int64_t base = 0;
    if (!k) k = tier_info(ctx, ins, tier, &count, &base, err);
    if (!k)
        json_array_append_new(changes, json_pack("{s:s, s:I, s:i, s:i, s:I}", "insurance",
            reg_insurance_name(ins), "span_id", (json_int_t)span->id, "from_tier", old, "to_tier",
            tier, "base_fen", (json_int_t)base));
    return k;
}

err_kind flex_tier_change(svc_ctx *ctx, const flex_tier_in *in, json_t **out, err_detail *err) {
    reg_person p;
    unsigned set = 0;
    month_ym eff = 0;
    err_kind k = subject_person(ctx, in->person_id, &p, err);
    if (!k) k = tier_target(ctx, in, &set, err);
    if (!k) k = flex_effective_month(ctx, &eff, err);
    if (k) return k;
    flex_span spans[INS_COUNT];
    int held = 0;
    for (int i = 0; i < INS_COUNT && !k; i++) {
        spans[i].id = 0;
        if (!(set & (1u << i))) continue;
        k = tier_rules_one(ctx, p.id, (reg_insurance)i, in->tier, in->insurance != NULL, &spans[i], err);
        if (spans[i].id) held++;
    }
    if (!k && held == 0 && in->package) {
        char data[DATA_BYTES];
        snprintf(data, sizeof data, "{\"package\":\"%s\"}", in->package);
        err_rule_add(err, "not_flexible_insured", data, "未以灵活就业人员身份参加该套餐中的任何险种");
    }
    if (!k) k = err_rules_finish(err);
    json_t *changes = json_array();
    for (int i = 0; i < INS_COUNT && !k; i++)
        if (spans[i].id) k = tier_apply(ctx, (reg_insurance)i, &spans[i], in->tier, eff, changes, err);
    char target[48];
    target_of(target, sizeof target, "person", p.id);
    if (!k) k = audit_append(ctx, "flex.tier", target, "ok", "", err);
    if (k) {
        json_decref(changes);
        return k;
    }
    *out = json_pack("{s:I, s:o, s:o}", "person_id", (json_int_t)p.id, "effective_month",
                     jsonx_month_new(eff), "changes", changes);
    return ERR_OK;
}

static err_kind status_rules(svc_ctx *ctx, const reg_person *p, unsigned set, bool resume,
                             month_ym eff, flex_span spans[INS_COUNT], err_detail *err) {
    err_kind k = ERR_OK;
    for (int i = 0; i < INS_COUNT && !k; i++) {
        spans[i].id = 0;
        if (!(set & (1u << i))) continue;
        k = flex_span_get(ctx, p->id, (reg_insurance)i, &spans[i], err);
        if (k) break;
        char data[DATA_BYTES];
        snprintf(data, sizeof data, "{\"insurance\":\"%s\",\"span_id\":%lld}",
                 reg_insurance_name((reg_insurance)i), (long long)spans[i].id);
        bool suspended = strcmp(spans[i].status, "suspended") == 0;
        if (!spans[i].id) rule_not_flexible(err, (reg_insurance)i);
        else if (!resume && suspended)
            err_rule_add(err, "already_suspended", data, "%s已处于中断参保状态", reg_insurance_name_zh((reg_insurance)i));
        else if (resume && !suspended)
            err_rule_add(err, "not_suspended", data, "%s未中断参保，无需恢复", reg_insurance_name_zh((reg_insurance)i));
        else if (resume)
            k = rule_free_for_flexible(ctx, p->id, (reg_insurance)i, eff, false, err);
    }
    if (!k && resume && has_birth(err, p)) {
        retirement_result r;
        k = person_retirement(ctx, p, false, &r, err);
        if (!k) rule_before_retirement(err, &r, eff);
    }
    return k;
}

static err_kind flex_set_status(svc_ctx *ctx, int64_t person_id, unsigned set, bool resume,
                                json_t **out, err_detail *err) {
    reg_person p;
    month_ym eff = 0;
    err_kind k = subject_person(ctx, person_id, &p, err);
    if (!k && set == 0)
        k = err_set(err, ERR_INVALID, "missing_field", "insurances", "请给出要%s的险种",
                    resume ? "恢复" : "中断");
    if (!k) k = flex_effective_month(ctx, &eff, err);
    flex_span spans[INS_COUNT];
    if (!k) k = status_rules(ctx, &p, set, resume, eff, spans, err);
    if (!k) k = err_rules_finish(err);
    if (k) return k;
    const char *status = resume ? "normal" : "suspended";
    const char *reason = resume ? "灵活就业人员恢复参保" : "灵活就业人员中断参保";
    json_t *arr = json_array();
    for (int i = 0; i < INS_COUNT && !k; i++) {
        if (!spans[i].id) continue;
        k = reg_span_set_status(ctx, spans[i].id, status, eff, reason, err);
        json_array_append_new(arr, json_pack("{s:s, s:I, s:s}", "insurance",
            reg_insurance_name((reg_insurance)i), "span_id", (json_int_t)spans[i].id, "status", status));
    }
    char target[48];
    target_of(target, sizeof target, "person", p.id);
    if (!k) k = audit_append(ctx, resume ? "flex.resume" : "flex.suspend", target, "ok", "", err);
    if (k) {
        json_decref(arr);
        return k;
    }
    *out = json_pack("{s:I, s:o, s:o}", "person_id", (json_int_t)p.id, "effective_month",
                     jsonx_month_new(eff), "spans", arr);
    return ERR_OK;
}

err_kind flex_suspend(svc_ctx *ctx, int64_t person_id, unsigned insurances, json_t **out,
                      err_detail *err) {
    return flex_set_status(ctx, person_id, insurances, false, out, err);
}

err_kind flex_resume(svc_ctx *ctx, int64_t person_id, unsigned insurances, json_t **out,
                     err_detail *err) {
    return flex_set_status(ctx, person_id, insurances, true, out, err);
}

/* The last tier event of a span: the tier in force this month, and the
 * chosen one when it takes effect later. */
static err_kind tier_in_force(svc_ctx *ctx, int64_t span_id, const char *tier, int *now,
                              int *pending, month_ym *pending_month, err_detail *err) {
    char pkg[TIER_BYTES];
    *now = tier_split(tier, pkg, sizeof pkg);
    *pending = 0;
    *pending_month = 0;
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_FLEX_SPAN_LAST_EVENT, &st, err);
    if (k) return k;
    store_bind_int(st, 1, span_id);
    store_bind_text(st, 2, "tier");
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && row && store_col_int(st, 1) > month_of(ctx->business_date)) {
        const char *detail = store_col_text(st, 0);
        const char *gt = strchr(detail, '>');
        char old[TIER_BYTES];
        snprintf(old, sizeof old, "%.*s", gt ? (int)(gt - detail) : 0, detail);
        *pending = *now;
        *pending_month = (month_ym)store_col_int(st, 1);
        *now = tier_split(old, pkg, sizeof pkg);
    }
    store_stmt_done(st);
    return k;
}

static json_t *status_span_json(svc_ctx *ctx, int64_t id, const char *ins_name, const char *status,
                                const char *tier, month_ym start, err_detail *err, err_kind *k) {
    reg_insurance ins = INS_PENSION;
    *k = reg_insurance_parse(ins_name, "insurance", &ins, err);
    int now = 0, pending = 0, count;
    month_ym pending_month = 0;
    int64_t base = 0;
    if (!*k) *k = tier_in_force(ctx, id, tier, &now, &pending, &pending_month, err);
    if (!*k) *k = tier_info(ctx, ins, now, &count, &base, err);
    if (*k) return NULL;
    char pkg[TIER_BYTES];
    tier_split(tier, pkg, sizeof pkg);
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:i, s:I, s:s, s:o}", "span_id", (json_int_t)id,
        "insurance", ins_name, "insurance_zh", reg_insurance_name_zh(ins), "package", pkg, "tier",
        now, "base_fen", (json_int_t)base, "status", status, "start_month", jsonx_month_new(start));
    if (pending) {
        json_object_set_new(o, "pending_tier", json_integer(pending));
        json_object_set_new(o, "pending_month", jsonx_month_new(pending_month));
    }
    return o;
}

typedef struct open_row {
    int64_t id;
    char insurance[24], status[16], tier[TIER_BYTES];
    month_ym start;
} open_row;

static err_kind open_rows(svc_ctx *ctx, int64_t person_id, open_row rows[SPAN_HITS_MAX], int *n,
                          err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_FLEX_SPANS_OPEN_ALL, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    bool row = false;
    *n = 0;
    while (*n < SPAN_HITS_MAX && !(k = store_step(st, &row, err)) && row) {
        open_row *r = &rows[(*n)++];
        r->id = store_col_int(st, 0);
        snprintf(r->insurance, sizeof r->insurance, "%s", store_col_text(st, 1));
        snprintf(r->status, sizeof r->status, "%s", store_col_text(st, 2));
        snprintf(r->tier, sizeof r->tier, "%s", store_col_text(st, 3));
        r->start = (month_ym)store_col_int(st, 4);
    }
    store_stmt_done(st);
    return k;
}

err_kind flex_status(svc_ctx *ctx, int64_t person_id, json_t **out, err_detail *err) {
    reg_person p;
    month_ym eff = 0;
    int64_t day = 0;
    open_row rows[SPAN_HITS_MAX];
    int n = 0;
    err_kind k = subject_person(ctx, person_id, &p, err);
    if (!k) k = flex_effective_month(ctx, &eff, err);
    if (!k) k = pol_int(ctx, "flexible.first_deduction_day", &day, err);
    if (!k) k = open_rows(ctx, p.id, rows, &n, err);
    if (k) return k;
    json_t *arr = json_array();
    for (int i = 0; i < n && !k; i++) {
        json_t *o = status_span_json(ctx, rows[i].id, rows[i].insurance, rows[i].status, rows[i].tier,
                                     rows[i].start, err, &k);
        if (o) json_array_append_new(arr, o);
    }
    char target[48];
    target_of(target, sizeof target, "person", p.id);
    if (!k) k = audit_append(ctx, "flex.read", target, "ok", "", err);
    if (k) {
        json_decref(arr);
        return k;
    }
    *out = json_pack("{s:I, s:b, s:I, s:o, s:o}", "person_id", (json_int_t)p.id, "registered",
                     n > 0, "first_deduction_day", (json_int_t)day, "next_effective_month",
                     jsonx_month_new(eff), "spans", arr);
    return ERR_OK;
}

err_kind flex_end_for_employment(svc_ctx *ctx, int64_t person_id, reg_insurance ins,
                                 month_ym first_month, err_detail *err) {
    flex_span s;
    err_kind k = flex_span_get(ctx, person_id, ins, &s, err);
    if (k || !s.id) return k;
    return reg_span_close(ctx, s.id, month_add(first_month, -1), "terminated",
                          "参加职工社会保险，灵活就业参保终止", err);
}

/* ---- residents ---- */

static bool hukou_is(const reg_person *p, const char *kind) {
    return strcmp(p->hukou_kind, kind) == 0;
}

static bool hukou_suzhou(const reg_person *p) {
    return hukou_is(p, "sip") || hukou_is(p, "suzhou");
}

static void rule_hukou(err_detail *err, const reg_person *p, const char *code, const char *need) {
    char data[DATA_BYTES];
    snprintf(data, sizeof data, "{\"hukou_kind\":\"%s\"}", p->hukou_kind);
    const char *zh = reg_hukou_name_zh(p->hukou_kind);
    err_rule_add(err, code, data, "须为%s，当前为%s", need, zh ? zh : p->hukou_kind);
}

/* Residents: spans of the insurance over [from, to] of category `own` are
 * already_insured; any other (employee, flexible) is `other_code`. */
static err_kind rule_resident_free(svc_ctx *ctx, int64_t person_id, reg_insurance ins, month_ym from,
                                   month_ym to, const char *own, const char *other_code,
                                   err_detail *err) {
    span_hit hits[SPAN_HITS_MAX];
    int n = 0;
    err_kind k = spans_overlapping(ctx, person_id, ins, from, to, hits, &n, err);
    if (k || n == 0) return k;
    if (strcmp(hits[0].category, own) == 0) {
        rule_already(err, &hits[0], ins);
        return ERR_OK;
    }
    char data[DATA_BYTES];
    hit_data(&hits[0], ins, data);
    err_rule_add(err, other_code, data, "已参加职工%s（%s），不能参加城乡居民%s",
                 reg_insurance_name_zh(ins), hits[0].category, reg_insurance_name_zh(ins));
    return ERR_OK;
}

static err_kind pension_rules(svc_ctx *ctx, const reg_person *p, month_ym start, err_detail *err) {
    int64_t min_age;
    err_kind k = pol_int(ctx, "resident.pension_min_age_years", &min_age, err);
    if (k) return k;
    if (!hukou_suzhou(p)) rule_hukou(err, p, "hukou_not_suzhou", "苏州市户籍");
    if (has_birth(err, p)) rule_min_age(err, reg_person_age(p, ctx->business_date), min_age, "城乡居民养老保险参保");
    if (p->is_student) err_rule_add(err, "student", NULL, "在校学生不能参加城乡居民养老保险");
    if (p->retired) err_rule_add(err, "retired", NULL, "已享受离退休待遇，不能参加城乡居民养老保险");
    return rule_resident_free(ctx, p->id, INS_PENSION, start, MONTH_OPEN_END, "resident_pension",
                              "employee_pension", err);
}

err_kind resident_pension_enrol(svc_ctx *ctx, int64_t person_id, json_t **out, err_detail *err) {
    reg_person p;
    month_ym start = month_of(ctx->business_date);
    err_kind k = subject_person(ctx, person_id, &p, err);
    if (!k) k = pension_rules(ctx, &p, start, err);
    if (!k) k = err_rules_finish(err);
    if (k) return k;
    reg_span_new s = {.person_id = p.id, .insurance = INS_PENSION, .payer = "person",
                      .category = "resident_pension", .start_month = start,
                      .reason = "城乡居民基本养老保险参保登记"};
    int64_t span_id = 0;
    k = reg_span_open(ctx, &s, &span_id, err);
    char target[48];
    target_of(target, sizeof target, "person", p.id);
    if (!k) k = audit_append(ctx, "resident.pension.enrol", target, "ok", "", err);
    if (k) return k;
    *out = json_pack("{s:I, s:I, s:s, s:s, s:o}", "person_id", (json_int_t)p.id, "span_id",
                     (json_int_t)span_id, "insurance", "pension", "category", "resident_pension",
                     "start_month", jsonx_month_new(start));
    return ERR_OK;
}

typedef enum med_category {
    MED_CHILD = 0, MED_STUDENT, MED_ELDERLY, MED_OTHER_ADULT, MED_MIGRANT_CHILD, MED_HMT,
    MED_OVERSEAS_STUDENT, MED_NEWBORN, MED_CATEGORY_COUNT
} med_category;

static const char *const med_names[MED_CATEGORY_COUNT + 1] = {
    "child", "student", "elderly", "other_adult", "migrant_child", "hmt", "overseas_student",
    "newborn", NULL,
};
static const char *const med_names_zh[MED_CATEGORY_COUNT] = {
    "未成年人", "在校学生", "老年居民", "其他居民", "流动人口子女", "港澳台居民", "出国留学大学生", "新生儿",
};

static err_kind med_category_parse(const char *s, med_category *out, err_detail *err) {
    for (int i = 0; s && i < MED_CATEGORY_COUNT; i++)
        if (strcmp(s, med_names[i]) == 0) {
            *out = (med_category)i;
            return ERR_OK;
        }
    char echo[ERR_ECHO_BYTES];
    err_echo(s ? s : "", echo);
    return err_set(err, ERR_INVALID, "invalid_value", "category",
                   "居民医保参保类别 %s 无效，可选：child、student、elderly、other_adult、migrant_child、"
                   "hmt、overseas_student、newborn", echo);
}

/* The collection period of this year: [first, last] as dates. */
static err_kind collection_period(svc_ctx *ctx, date_days *first, date_days *last, err_detail *err) {
    int64_t a, b;
    err_kind k = pol_int(ctx, "resident.medical.collection_first_mmdd", &a, err);
    if (!k) k = pol_int(ctx, "resident.medical.collection_last_mmdd", &b, err);
    if (k) return k;
    int y, m, d;
    date_to_ymd(ctx->business_date, &y, &m, &d);
    if (!date_valid_ymd(y, (int)(a / 100), (int)(a % 100)) || !date_valid_ymd(y, (int)(b / 100), (int)(b % 100)))
        return err_set(err, ERR_CONFIG, "policy_type", NULL, "政策参数 resident.medical.collection_*_mmdd 不是有效日期");
    *first = date_from_ymd(y, (int)(a / 100), (int)(a % 100));
    *last = date_from_ymd(y, (int)(b / 100), (int)(b % 100));
    return ERR_OK;
}

static err_kind rule_collection_period(svc_ctx *ctx, err_detail *err) {
    date_days first = 0, last = 0;
    err_kind k = collection_period(ctx, &first, &last, err);
    if (k || (ctx->business_date >= first && ctx->business_date <= last)) return k;
    char a[DATE_STR_BYTES], b[DATE_STR_BYTES], today[DATE_STR_BYTES], data[DATA_BYTES];
    date_format(first, a);
    date_format(last, b);
    date_format(ctx->business_date, today);
    snprintf(data, sizeof data, "{\"first\":\"%s\",\"last\":\"%s\",\"date\":\"%s\"}", a, b, today);
    err_rule_add(err, "outside_collection_period", data,
                 "居民医保集中参保期为 %s 至 %s（登记次年的参保），%s 不在参保期内", a, b, today);
    return ERR_OK;
}

static err_kind med_int(svc_ctx *ctx, const char *name, int64_t *out, err_detail *err) {
    char key[80];
    snprintf(key, sizeof key, "resident.medical.%s", name);
    return pol_int(ctx, key, out, err);
}

static err_kind med_rules_age(svc_ctx *ctx, med_category c, const reg_person *p, int age,
                              err_detail *err) {
    int64_t a = 0, b = 0;
    err_kind k = ERR_OK;
    const char *what = med_names_zh[c];
    switch (c) {
    case MED_CHILD:
        if (!(k = med_int(ctx, "child_max_age_years", &a, err))) rule_max_age(err, age, a, what);
        break;
    case MED_ELDERLY:
        k = med_int(ctx, p->sex == 'F' ? "elderly_min_age_female" : "elderly_min_age_male", &a, err);
        if (!k) rule_min_age(err, age, a, what);
        break;
    case MED_OTHER_ADULT:   /* working age: past the children's band, before the elderly's */
        k = med_int(ctx, "child_max_age_years", &a, err);
        if (!k) k = med_int(ctx, p->sex == 'F' ? "elderly_min_age_female" : "elderly_min_age_male", &b, err);
        if (!k) rule_min_age(err, age, a + 1, what);
        if (!k) rule_max_age(err, age, b - 1, what);
        break;
    case MED_MIGRANT_CHILD:
        if (!(k = med_int(ctx, "migrant_child_max_age_years", &a, err))) rule_max_age(err, age, a, what);
        break;
    case MED_OVERSEAS_STUDENT:
        k = med_int(ctx, "overseas_student_min_age", &a, err);
        if (!k) k = med_int(ctx, "overseas_student_max_age", &b, err);
        if (!k) rule_min_age(err, age, a, what);
        if (!k) rule_max_age(err, age, b, what);
        break;
    case MED_NEWBORN:
        if (!(k = med_int(ctx, "newborn_max_age_years", &a, err))) rule_max_age(err, age, a, what);
        break;
    default:
        break;
    }
    return k;
}

static err_kind rule_not_employed(svc_ctx *ctx, int64_t person_id, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_FLEX_EMPLOYMENT_ACTIVE, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && row) {
        char data[DATA_BYTES];
        snprintf(data, sizeof data, "{\"employment_id\":%lld}", (long long)store_col_int(st, 0));
        err_rule_add(err, "employed", data, "已在单位就业，不能以港澳台居民身份参加居民医保");
    }
    store_stmt_done(st);
    return k;
}

static err_kind med_rules_id(svc_ctx *ctx, const reg_person *p, err_detail *err) {
    const char *prefix;
    err_kind k = policy_get_str(ctx->pol, "resident.medical.overseas_student_id_prefix",
                                ctx->business_date, &prefix, err);
    if (k || strncmp(p->id_number, prefix, strlen(prefix)) == 0) return k;
    char data[DATA_BYTES];
    snprintf(data, sizeof data, "{\"prefix\":\"%s\"}", prefix);
    err_rule_add(err, "id_prefix", data, "出国留学大学生的身份证号码须以 %s 开头", prefix);
    return ERR_OK;
}

/* The rules of a category besides age. */
static err_kind med_rules_kind(svc_ctx *ctx, const resident_medical_in *in, med_category c,
                               const reg_person *p, err_detail *err) {
    bool sip_needed = c == MED_CHILD || c == MED_ELDERLY || c == MED_OTHER_ADULT;
    if (sip_needed && !hukou_is(p, "sip")) rule_hukou(err, p, "hukou_not_sip", "园区户籍");
    if (c == MED_NEWBORN && !hukou_suzhou(p)) rule_hukou(err, p, "hukou_not_suzhou", "苏州市户籍");
    if (c == MED_MIGRANT_CHILD && hukou_suzhou(p))
        rule_hukou(err, p, "hukou_suzhou", "非苏州市户籍（流动人口子女）");
    if (c == MED_STUDENT && !p->is_student) err_rule_add(err, "not_student", NULL, "该人员未登记为在校学生");
    if ((c == MED_MIGRANT_CHILD || c == MED_HMT) && p->is_student)
        err_rule_add(err, "in_school", NULL, "已入学，%s须为未入学人员", med_names_zh[c]);
    if (c == MED_HMT && strcmp(p->id_kind, "hmt_residence") != 0) {
        char data[DATA_BYTES];
        snprintf(data, sizeof data, "{\"id_kind\":\"%s\"}", p->id_kind);
        err_rule_add(err, "not_hmt_permit", data, "港澳台居民须持港澳台居民居住证参保");
    }
    if (c == MED_HMT && !in->lives_in_park)
        err_rule_add(err, "not_in_park", "{\"lives_in_park\":false}", "港澳台居民须居住在园区");
    err_kind k = ERR_OK;
    if (c == MED_HMT) k = rule_not_employed(ctx, p->id, err);
    if (!k && c == MED_OVERSEAS_STUDENT) k = med_rules_id(ctx, p, err);
    return k;
}

err_kind resident_medical_enrol(svc_ctx *ctx, const resident_medical_in *in, json_t **out,
                                err_detail *err) {
    med_category c = MED_CHILD;
    reg_person p;
    err_kind k = med_category_parse(in->category, &c, err);
    if (!k && c == MED_STUDENT && !is_staff(ctx))
        k = err_set(err, ERR_FORBIDDEN, "student_via_school", "category",
                    "在校学生由学校统一办理居民医保参保登记");
    if (!k && c == MED_STUDENT && (!in->school || !*in->school))
        k = err_set(err, ERR_INVALID, "missing_field", "school", "学生参保须写明学校 school");
    if (!k) k = subject_person(ctx, in->person_id, &p, err);
    if (k) return k;
    int y, m, d;
    date_to_ymd(ctx->business_date, &y, &m, &d);
    month_ym from = (month_ym)((y + 1) * 100 + 1), to = (month_ym)((y + 1) * 100 + 12);
    k = rule_collection_period(ctx, err);
    if (!k && has_birth(err, &p)) k = med_rules_age(ctx, c, &p, reg_person_age(&p, ctx->business_date), err);
    if (!k) k = med_rules_kind(ctx, in, c, &p, err);
    if (!k) k = rule_resident_free(ctx, p.id, INS_MEDICAL, from, to, "resident_medical", "employee_medical", err);
    if (!k) k = err_rules_finish(err);
    if (k) return k;
    const char *payer = c == MED_STUDENT ? "school" : "person";
    char reason[256];
    if (c == MED_STUDENT) snprintf(reason, sizeof reason, "学校统一参保：%.200s", in->school);
    else snprintf(reason, sizeof reason, "城乡居民医保参保登记（%s）", med_names_zh[c]);
    reg_span_new s = {.person_id = p.id, .insurance = INS_MEDICAL, .payer = payer,
                      .category = "resident_medical", .tier = med_names[c], .start_month = from,
                      .end_month = to, .reason = reason};
    int64_t span_id = 0;
    k = reg_span_open(ctx, &s, &span_id, err);
    char target[48];
    target_of(target, sizeof target, "person", p.id);
    if (!k) k = audit_append(ctx, "resident.med.enrol", target, "ok", med_names[c], err);
    if (k) return k;
    *out = json_pack("{s:I, s:I, s:s, s:s, s:i, s:o, s:o, s:s}", "person_id", (json_int_t)p.id,
                     "span_id", (json_int_t)span_id, "category", med_names[c], "category_zh",
                     med_names_zh[c], "year", y + 1, "start_month", jsonx_month_new(from),
                     "end_month", jsonx_month_new(to), "payer", payer);
    return ERR_OK;
}

/* ---- single-insurance work injury ---- */

typedef enum injury_kind { INJ_INTERN = 0, INJ_OVER_AGE, INJ_PART_TIME, INJ_KIND_COUNT } injury_kind;
static const char *const injury_names[INJ_KIND_COUNT + 1] = {"intern", "over_age", "part_time", NULL};
static const char *const injury_names_zh[INJ_KIND_COUNT] = {"实习生", "超龄人员", "非全日制人员"};

/* The person of an employment: staff may name an existing person by id; a
 * unit names people by their ID number, and a new one is registered when a
 * name is given. */
static err_kind resolve_person(svc_ctx *ctx, int64_t person_id, const reg_person_new *np,
                               reg_person *out, err_detail *err) {
    if (person_id > 0 && !is_staff(ctx))
        return err_set(err, ERR_INVALID, "invalid_field", "person_id", "单位请以证件号码 id_number 指明人员");
    int64_t id = person_id;
    err_kind k = ERR_OK;
    if (id <= 0) {
        if (!np->id_number || !*np->id_number)
            return err_set(err, ERR_INVALID, "missing_field", "id_number", "缺少人员证件号码 id_number");
        err_detail nf = {0};
        k = reg_person_find(ctx, np->id_number, &id, &nf);
        if (k == ERR_NOT_FOUND && np->name) k = reg_person_create(ctx, np, &id, err);
        else if (k == ERR_NOT_FOUND)
            return err_set(err, ERR_NOT_FOUND, "person_not_found", "id_number",
                           "未找到该参保人；首次参保请同时提供姓名 name 等信息");
        else if (k) *err = nf;
    }
    return k ? k : reg_person_get(ctx, id, out, err);
}

static err_kind rule_school(svc_ctx *ctx, const injury_only_in *in, err_detail *err) {
    const json_t *kinds;
    err_kind k = policy_get_json(ctx->pol, "injury_only.intern_school_kinds", ctx->business_date, &kinds, err);
    if (k) return k;
    size_t i;
    const json_t *v;
    json_array_foreach(kinds, i, v)
        if (json_is_string(v) && strcmp(json_string_value(v), in->school_kind) == 0) return ERR_OK;
    char data[DATA_BYTES], echo[ERR_ECHO_BYTES];
    err_echo(in->school_kind, echo);
    for (char *c = echo; *c; c++)
        if (*c == '"' || *c == '\\') *c = '?';   /* stays a JSON string */
    snprintf(data, sizeof data, "{\"school_kind\":\"%s\"}", echo);
    err_rule_add(err, "school_not_vocational", data,
                 "实习生工伤保险仅限技工学校、中高等职业学校的学期性顶岗实习学生，普通高等院校（%s）不在受理范围", echo);
    return ERR_OK;
}

static void rule_hours(err_detail *err, const char *code, const char *field, int64_t v, int64_t max,
                       const char *what) {
    if (v <= max) return;
    char data[DATA_BYTES];
    snprintf(data, sizeof data, "{\"%s\":%lld,\"max_x10\":%lld}", field, (long long)v, (long long)max);
    err_rule_add(err, code, data, "非全日制用工%s平均工作时间不超过 %lld.%lld 小时，申报 %lld.%lld 小时", what,
                 (long long)(max / 10), (long long)(max % 10), (long long)(v / 10), (long long)(v % 10));
}

static err_kind injury_input(const injury_only_in *in, injury_kind kind, err_detail *err) {
    if (!in->start_date) return err_set(err, ERR_INVALID, "missing_field", "start_date", "缺少用工开始日期 start_date");
    if (in->end_date && in->end_date < in->start_date)
        return err_set(err, ERR_INVALID, "invalid_field", "end_date", "结束日期不能早于开始日期");
    if (kind == INJ_INTERN && (!in->school || !*in->school))
        return err_set(err, ERR_INVALID, "missing_field", "school", "实习生须写明学校 school");
    if (kind == INJ_INTERN && (!in->school_kind || !*in->school_kind))
        return err_set(err, ERR_INVALID, "missing_field", "school_kind", "实习生须写明学校类别 school_kind");
    if (kind == INJ_PART_TIME && in->hours_per_day_x10 < 0)
        return err_set(err, ERR_INVALID, "missing_field", "hours_per_day_x10", "非全日制人员须申报日均工作时间 hours_per_day_x10");
    if (kind == INJ_PART_TIME && in->hours_per_week_x10 < 0)
        return err_set(err, ERR_INVALID, "missing_field", "hours_per_week_x10", "非全日制人员须申报每周工作时间 hours_per_week_x10");
    return ERR_OK;
}

/* Ages are counted on the first day of work: the insurance starts then. */
static err_kind injury_rules(svc_ctx *ctx, const injury_only_in *in, injury_kind kind,
                             const reg_person *p, err_detail *err) {
    int64_t a = 0, b = 0;
    err_kind k = ERR_OK;
    bool birth = has_birth(err, p);
    int age = birth ? reg_person_age(p, in->start_date) : -1;
    if (kind == INJ_INTERN) {
        k = pol_int(ctx, "injury_only.intern_min_age_years", &a, err);
        if (!k && birth) rule_min_age(err, age, a, "实习生参加工伤保险");
        if (!k) k = rule_school(ctx, in, err);
    } else if (kind == INJ_OVER_AGE) {
        retirement_result r;
        k = pol_int(ctx, "injury_only.over_age_max_years", &a, err);
        if (!k && birth) k = person_retirement(ctx, p, false, &r, err);
        if (!k && birth && month_of(in->start_date) < r.retirement_month) {
            char data[DATA_BYTES], rm[MONTH_STR_BYTES];
            month_format(r.retirement_month, rm);
            snprintf(data, sizeof data, "{\"retirement_month\":\"%s\",\"age_years\":%d,\"age_months\":%d}",
                     rm, r.age_years, r.age_months);
            err_rule_add(err, "below_retirement_age", data, "尚未达到法定退休年龄（%d 岁 %d 个月，%s 起）",
                         r.age_years, r.age_months, rm);
        }
        if (!k && birth) rule_max_age(err, age, a, "超龄人员参加工伤保险");
        if (!k && p->retired) err_rule_add(err, "retired", NULL, "已办理退休手续，不能以超龄人员身份参加工伤保险");
    } else {
        k = pol_int(ctx, "injury_only.part_time_max_day_hours_x10", &a, err);
        if (!k) k = pol_int(ctx, "injury_only.part_time_max_week_hours_x10", &b, err);
        if (!k) rule_hours(err, "part_time_day_hours", "hours_per_day_x10", in->hours_per_day_x10, a, "每日");
        if (!k) rule_hours(err, "part_time_week_hours", "hours_per_week_x10", in->hours_per_week_x10, b, "每周");
    }
    return k;
}

static err_kind rule_injury_free(svc_ctx *ctx, int64_t person_id, month_ym from, month_ym to,
                                 err_detail *err) {
    span_hit hits[SPAN_HITS_MAX];
    int n = 0;
    err_kind k = spans_overlapping(ctx, person_id, INS_INJURY, from, to, hits, &n, err);
    if (!k && n > 0) rule_already(err, &hits[0], INS_INJURY);
    return k;
}

typedef struct employment_new {
    int64_t person_id, unit_id, project_id;
    const char *kind;
    date_days start, end;
    int64_t hours_day, hours_week;   /* -1: none */
    const char *school, *school_kind;
} employment_new;

static void bind_opt_int(store_stmt *st, int idx, int64_t v, bool present) {
    if (present) store_bind_int(st, idx, v);
    else store_bind_null(st, idx);
}

/* Inserts the employment, flagged late past enrolment.deadline_days after
 * its start (late_days: days from the start to the enrolment). */
static err_kind employment_insert(svc_ctx *ctx, const employment_new *e, int64_t *id_out,
                                  bool *late_out, err_detail *err) {
    int64_t deadline;
    err_kind k = pol_int(ctx, "enrolment.deadline_days", &deadline, err);
    if (k) return k;
    int64_t days = (int64_t)ctx->business_date - e->start;
    bool late = days > deadline;
    char start[DATE_STR_BYTES], end[DATE_STR_BYTES], today[DATE_STR_BYTES];
    date_format(e->start, start);
    if (e->end) date_format(e->end, end);
    date_format(ctx->business_date, today);
    store_stmt *st;
    k = store_prepare(ctx->tx, STORE_Q_FLEX_EMPLOYMENT_INSERT, &st, err);
    if (k) return k;
    store_bind_int(st, 1, e->person_id);
    store_bind_int(st, 2, e->unit_id);
    store_bind_text(st, 3, e->kind);
    store_bind_text(st, 4, start);
    store_bind_text(st, 5, e->end ? end : NULL);
    store_bind_text(st, 6, today);
    store_bind_int(st, 7, late ? 1 : 0);
    bind_opt_int(st, 8, days, late);
    bind_opt_int(st, 9, e->hours_day, e->hours_day >= 0);
    bind_opt_int(st, 10, e->hours_week, e->hours_week >= 0);
    store_bind_text(st, 11, e->school);
    store_bind_text(st, 12, e->school_kind);
    bind_opt_int(st, 13, e->project_id, e->project_id > 0);
    store_bind_int(st, 14, ctx->now_ms);
    k = store_step_all(st, err);
    if (!k) {
        *id_out = store_last_insert_id(ctx->tx);
        *late_out = late;
    }
    return k;
}

/* The employment and its injury span. */
static err_kind injury_open(svc_ctx *ctx, const employment_new *e, const char *reason,
                            int64_t *emp_id, int64_t *span_id, bool *late, err_detail *err) {
    err_kind k = employment_insert(ctx, e, emp_id, late, err);
    if (k) return k;
    reg_span_new s = {.person_id = e->person_id, .unit_id = e->unit_id, .employment_id = *emp_id,
                      .insurance = INS_INJURY, .payer = "unit", .category = "injury_only",
                      .start_month = month_of(e->start), .end_month = e->end ? month_of(e->end) : 0,
                      .reason = reason};
    return reg_span_open(ctx, &s, span_id, err);
}

err_kind injury_only_enrol(svc_ctx *ctx, const injury_only_in *in, json_t **out, err_detail *err) {
    int kind_i = -1;
    for (int i = 0; in->kind && i < INJ_KIND_COUNT; i++)
        if (strcmp(in->kind, injury_names[i]) == 0) kind_i = i;
    if (kind_i < 0)
        return err_set(err, ERR_INVALID, "invalid_value", "kind", "单险种工伤参保类别应为 intern（实习生）、"
                       "over_age（超龄人员）或 part_time（非全日制人员）");
    injury_kind kind = (injury_kind)kind_i;
    int64_t unit_id = 0;
    reg_person p;
    err_kind k = injury_input(in, kind, err);
    if (!k) k = subject_unit(ctx, in->unit_id, &unit_id, err);
    if (!k) k = resolve_person(ctx, in->person_id, &in->person, &p, err);
    if (k) return k;
    month_ym from = month_of(in->start_date), to = in->end_date ? month_of(in->end_date) : 0;
    k = injury_rules(ctx, in, kind, &p, err);
    if (!k) k = rule_injury_free(ctx, p.id, from, to, err);
    if (!k) k = err_rules_finish(err);
    if (k) return k;
    employment_new e = {.person_id = p.id, .unit_id = unit_id, .kind = injury_names[kind],
                        .start = in->start_date, .end = in->end_date,
                        .hours_day = kind == INJ_PART_TIME ? in->hours_per_day_x10 : -1,
                        .hours_week = kind == INJ_PART_TIME ? in->hours_per_week_x10 : -1,
                        .school = kind == INJ_INTERN ? in->school : NULL,
                        .school_kind = kind == INJ_INTERN ? in->school_kind : NULL};
    char reason[96];
    snprintf(reason, sizeof reason, "单险种工伤保险参保（%s）", injury_names_zh[kind]);
    int64_t emp_id = 0, span_id = 0;
    bool late = false;
    k = injury_open(ctx, &e, reason, &emp_id, &span_id, &late, err);
    char target[48];
    target_of(target, sizeof target, "person", p.id);
    if (!k) k = audit_append(ctx, "injury_only.enrol", target, "ok", injury_names[kind], err);
    if (k) return k;
    *out = json_pack("{s:I, s:I, s:I, s:I, s:s, s:o, s:o, s:b}", "person_id", (json_int_t)p.id,
                     "unit_id", (json_int_t)unit_id, "employment_id", (json_int_t)emp_id, "span_id",
                     (json_int_t)span_id, "kind", injury_names[kind], "start_month",
                     jsonx_month_new(from), "end_month", to ? jsonx_month_new(to) : json_null(), "late", late);
    return ERR_OK;
}

/* ---- construction projects ---- */

typedef struct project_row {
    int64_t id, unit_id;
    char name[256], contract_no[128];
    date_days start, end;
} project_row;

static err_kind project_load(svc_ctx *ctx, int64_t unit_id, int64_t id, project_row *out,
                             err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_FLEX_PROJECT_GET, &st, err);
    if (k) return k;
    store_bind_int(st, 1, id);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && (!row || (unit_id && store_col_int(st, 1) != unit_id)))
        k = err_set(err, ERR_NOT_FOUND, "project_not_found", "id", "未找到该建设项目");
    if (!k) {
        out->id = store_col_int(st, 0);
        out->unit_id = store_col_int(st, 1);
        snprintf(out->name, sizeof out->name, "%s", store_col_text(st, 2));
        snprintf(out->contract_no, sizeof out->contract_no, "%s", store_col_text(st, 3));
        err_detail ignore = {0};
        out->end = 0;
        if (date_parse(store_col_text(st, 4), "start_date", &out->start, &ignore)) out->start = 0;
        if (*store_col_text(st, 5) && date_parse(store_col_text(st, 5), "end_date", &out->end, &ignore))
            out->end = 0;
    }
    store_stmt_done(st);
    return k;
}

static json_t *project_json(const project_row *p) {
    return json_pack("{s:I, s:I, s:s, s:s, s:o, s:o}", "id", (json_int_t)p->id, "unit_id",
                     (json_int_t)p->unit_id, "name", p->name, "contract_no", p->contract_no,
                     "start_date", jsonx_date_new(p->start), "end_date",
                     p->end ? jsonx_date_new(p->end) : json_null());
}

err_kind project_create(svc_ctx *ctx, const project_in *in, json_t **out, err_detail *err) {
    int64_t unit_id = 0;
    err_kind k = subject_unit(ctx, in->unit_id, &unit_id, err);
    if (k) return k;
    if (!in->name || !*in->name || strlen(in->name) > 200)
        return err_set(err, ERR_INVALID, "invalid_field", "name", "项目名称不能为空，且不超过 200 字节");
    if (!in->contract_no || !*in->contract_no || strlen(in->contract_no) > 100)
        return err_set(err, ERR_INVALID, "invalid_field", "contract_no", "施工合同编号不能为空，且不超过 100 字节");
    if (!in->start_date) return err_set(err, ERR_INVALID, "missing_field", "start_date", "缺少开工日期 start_date");
    if (in->end_date && in->end_date < in->start_date)
        return err_set(err, ERR_INVALID, "invalid_field", "end_date", "竣工日期不能早于开工日期");
    char start[DATE_STR_BYTES], end[DATE_STR_BYTES];
    date_format(in->start_date, start);
    if (in->end_date) date_format(in->end_date, end);
    k = store_exec(ctx->tx, STORE_Q_FLEX_PROJECT_INSERT, err, "itttti", unit_id, in->name,
                   in->contract_no, start, in->end_date ? end : NULL, ctx->now_ms);
    if (k == ERR_CONFLICT)
        return err_set(err, ERR_CONFLICT, "project_exists", "contract_no", "本单位已登记施工合同 %s 的项目",
                       in->contract_no);
    if (k) return k;
    project_row p = {.id = store_last_insert_id(ctx->tx), .unit_id = unit_id, .start = in->start_date,
                     .end = in->end_date};
    snprintf(p.name, sizeof p.name, "%s", in->name);
    snprintf(p.contract_no, sizeof p.contract_no, "%s", in->contract_no);
    char target[48], detail[48];
    target_of(target, sizeof target, "unit", unit_id);
    snprintf(detail, sizeof detail, "project=%lld", (long long)p.id);
    k = audit_append(ctx, "project.create", target, "ok", detail, err);
    if (!k) *out = project_json(&p);
    return k;
}

/* One roster row, checked: strings borrow from the roster's JSON. */
typedef struct worker_row {
    reg_person_new np;
    char number[40];      /* normalized ID number */
    int64_t person_id;    /* 0: registered when the roster passes */
    date_days start;
    int row;              /* 1-based, as the unit counts its rows */
    bool bad;
} worker_row;

static void rule_row(err_detail *err, worker_row *w, const char *code, const char *field,
                     const char *message) {
    char data[DATA_BYTES];
    snprintf(data, sizeof data, "{\"row\":%d,\"field\":\"%s\"}", w->row, field);
    err_rule_add(err, code, data, "第 %d 行：%s", w->row, message);
    w->bad = true;
}

static err_kind worker_fields(const json_t *o, worker_row *w, const char **kind_s, err_detail *e) {
    static const char *const allowed[] = {"id_number", "id_kind", "name", "sex", "birth_date",
                                          "hukou_kind", "start_date", NULL};
    if (!json_is_object(o)) return err_set(e, ERR_INVALID, "invalid_field", "workers", "每行应为 JSON 对象");
    err_kind k = jsonx_only(o, allowed, e);
    if (!k) k = jsonx_str(o, "id_number", true, 40, &w->np.id_number, e);
    if (!k) k = jsonx_str(o, "id_kind", false, 24, kind_s, e);
    if (!k) k = jsonx_str(o, "name", false, REG_NAME_BYTES_MAX * 2, &w->np.name, e);
    if (!k) k = jsonx_str(o, "sex", false, 1, &w->np.sex, e);
    if (!k) k = jsonx_date(o, "birth_date", false, &w->np.birth_date, e);
    if (!k) k = jsonx_str(o, "hukou_kind", false, 24, &w->np.hukou_kind, e);
    if (!k) k = jsonx_date(o, "start_date", false, &w->start, e);
    return k;
}

/* Reads and checks the form of one row (document, fields, dates). */
static void worker_parse(svc_ctx *ctx, const json_t *o, const project_row *p, worker_row *w,
                         err_detail *err) {
    err_detail e = {0};
    const char *kind_s = NULL;
    idno_info info;
    err_kind k = worker_fields(o, w, &kind_s, &e);
    if (!k && kind_s) k = idno_kind_parse(kind_s, &w->np.id_kind, &e);
    if (!k) k = idno_check(w->np.id_kind, w->np.id_number, &info, &e);
    if (k) {
        rule_row(err, w, "invalid_row", e.field[0] ? e.field : "id_number", e.message);
        return;
    }
    snprintf(w->number, sizeof w->number, "%s", info.normalized);
    if (!w->start) w->start = ctx->business_date > p->start ? ctx->business_date : p->start;
    if (w->start < p->start || (p->end && w->start > p->end)) {
        char a[DATE_STR_BYTES], b[DATE_STR_BYTES] = "", msg[160];
        date_format(p->start, a);
        if (p->end) date_format(p->end, b);
        snprintf(msg, sizeof msg, "进场日期不在项目工期内（%s 至 %s）", a, p->end ? b : "未定");
        rule_row(err, w, "outside_project_period", "start_date", msg);
    }
}

/* Finds the row's person, or checks that a new one can be registered. */
static err_kind worker_person(svc_ctx *ctx, const project_row *p, worker_row *w, err_detail *err) {
    err_detail nf = {0};
    err_kind k = reg_person_find(ctx, w->number, &w->person_id, &nf);
    if (k == ERR_NOT_FOUND) {
        w->person_id = 0;
        idno_info info;
        idno_check(w->np.id_kind, w->np.id_number, &info, &nf);
        if (!w->np.name || (!info.has_birth && (!w->np.birth_date || !w->np.sex)))
            rule_row(err, w, "person_unknown", "name", "未登记的人员须提供姓名（非身份证还须提供性别和出生日期）");
        return ERR_OK;
    }
    if (k) {
        *err = nf;
        return k;
    }
    span_hit hits[SPAN_HITS_MAX];
    int n = 0;
    k = spans_overlapping(ctx, w->person_id, INS_INJURY, month_of(w->start),
                          p->end ? month_of(p->end) : MONTH_OPEN_END, hits, &n, err);
    if (!k && n > 0) {
        char msg[160], from[MONTH_STR_BYTES];
        fmt_month(hits[0].start, from);
        snprintf(msg, sizeof msg, "已有工伤保险参保关系（%s，%s 起），时间重叠", hits[0].category, from);
        rule_row(err, w, "already_insured", "id_number", msg);
    }
    return k;
}

static int row_by_number(const void *a, const void *b) {
    const worker_row *x = *(const worker_row *const *)a, *y = *(const worker_row *const *)b;
    int c = strcmp(x->number, y->number);
    return c ? c : x->row - y->row;
}

/* Marks every repeat of an ID number after its first row. */
static void rule_duplicates(svc_ctx *ctx, worker_row *rows, size_t n, err_detail *err) {
    worker_row **idx = arena_alloc(ctx->ar, n * sizeof *idx);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (rows[i].number[0]) idx[m++] = &rows[i];
    qsort(idx, m, sizeof *idx, row_by_number);
    for (size_t i = 1; i < m; i++)
        if (strcmp(idx[i]->number, idx[i - 1]->number) == 0) {
            char msg[96];
            snprintf(msg, sizeof msg, "证件号码与第 %d 行重复", idx[i - 1]->row);
            rule_row(err, idx[i], "duplicate_row", "id_number", msg);
        }
}

static err_kind workers_check(svc_ctx *ctx, const project_row *p, const json_t *workers,
                              worker_row *rows, err_detail *err) {
    size_t n = json_array_size(workers);
    for (size_t i = 0; i < n; i++) {
        rows[i].row = (int)i + 1;
        worker_parse(ctx, json_array_get(workers, i), p, &rows[i], err);
    }
    rule_duplicates(ctx, rows, n, err);
    err_kind k = ERR_OK;
    for (size_t i = 0; i < n && !k; i++)
        if (!rows[i].bad) k = worker_person(ctx, p, &rows[i], err);
    return k;
}

static err_kind worker_add(svc_ctx *ctx, const project_row *p, worker_row *w, json_t *arr,
                           err_detail *err) {
    err_kind k = ERR_OK;
    if (!w->person_id) k = reg_person_create(ctx, &w->np, &w->person_id, err);
    if (k) return k;
    employment_new e = {.person_id = w->person_id, .unit_id = p->unit_id, .project_id = p->id,
                        .kind = "construction", .start = w->start, .end = p->end,
                        .hours_day = -1, .hours_week = -1};
    int64_t emp_id = 0, span_id = 0;
    bool late = false;
    char reason[320];
    snprintf(reason, sizeof reason, "建设项目工伤保险（%.200s）", p->name);
    k = injury_open(ctx, &e, reason, &emp_id, &span_id, &late, err);
    if (!k)
        json_array_append_new(arr, json_pack("{s:i, s:I, s:I, s:I, s:o}", "row", w->row, "person_id",
            (json_int_t)w->person_id, "employment_id", (json_int_t)emp_id, "span_id",
            (json_int_t)span_id, "start_month", jsonx_month_new(month_of(w->start))));
    return k;
}

err_kind project_add_workers(svc_ctx *ctx, int64_t unit_id, int64_t project_id,
                             const json_t *workers, json_t **out, err_detail *err) {
    int64_t unit = 0;
    project_row p;
    err_kind k = ERR_OK;
    if (ctx->actor.role == ROLE_UNIT || unit_id) k = subject_unit(ctx, unit_id, &unit, err);
    else if (!is_staff(ctx)) k = err_set(err, ERR_FORBIDDEN, "forbidden", NULL, "当前角色不能办理此业务");
    if (!k) k = project_load(ctx, unit, project_id, &p, err);
    if (!k && (!json_is_array(workers) || json_array_size(workers) == 0 ||
               json_array_size(workers) > LIMIT_ROSTER_ROWS_MAX))
        k = err_set(err, ERR_INVALID, "invalid_field", "workers", "workers 应为 1 到 %d 行人员的数组",
                    LIMIT_ROSTER_ROWS_MAX);
    if (!k) k = unit_load(ctx, p.unit_id, err);
    if (k) return k;
    size_t n = json_array_size(workers);
    worker_row *rows = arena_alloc(ctx->ar, n * sizeof *rows);
    k = workers_check(ctx, &p, workers, rows, err);
    if (!k) k = err_rules_finish(err);
    if (k) return k;
    json_t *arr = json_array();
    for (size_t i = 0; i < n && !k; i++) k = worker_add(ctx, &p, &rows[i], arr, err);
    char target[48], detail[64];
    target_of(target, sizeof target, "unit", p.unit_id);
    snprintf(detail, sizeof detail, "project=%lld workers=%zu", (long long)p.id, n);
    if (!k) k = audit_append(ctx, "project.workers", target, "ok", detail, err);
    if (k) {
        json_decref(arr);
        return k;
    }
    *out = json_pack("{s:I, s:I, s:o}", "project_id", (json_int_t)p.id, "count", (json_int_t)n,
                     "workers", arr);
    return ERR_OK;
}

static err_kind project_workers_json(svc_ctx *ctx, int64_t project_id, json_t **out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_FLEX_PROJECT_WORKERS, &st, err);
    if (k) return k;
    store_bind_int(st, 1, project_id);
    json_t *arr = json_array();
    bool row = false;
    while (!(k = store_step(st, &row, err)) && row) {
        const char *end = store_col_text(st, 5);
        json_array_append_new(arr, json_pack("{s:I, s:I, s:s, s:s, s:s, s:o, s:s}", "employment_id",
            (json_int_t)store_col_int(st, 0), "person_id", (json_int_t)store_col_int(st, 1), "name",
            store_col_text(st, 2), "id_number", store_col_text(st, 3), "start_date",
            store_col_text(st, 4), "end_date", *end ? json_string(end) : json_null(), "status",
            store_col_text(st, 6)));
    }
    store_stmt_done(st);
    if (k) {
        json_decref(arr);
        return k;
    }
    *out = arr;
    return ERR_OK;
}

err_kind project_get(svc_ctx *ctx, int64_t unit_id, int64_t project_id, json_t **out,
                     err_detail *err) {
    int64_t unit = 0;
    project_row p;
    json_t *workers = NULL;
    err_kind k = ERR_OK;
    if (ctx->actor.role == ROLE_UNIT) {
        if (unit_id && unit_id != ctx->actor.unit_id)
            return err_set(err, ERR_NOT_FOUND, "project_not_found", "id", "未找到该建设项目");
        unit = ctx->actor.unit_id;
    } else if (!is_staff(ctx)) {
        return err_set(err, ERR_FORBIDDEN, "forbidden", NULL, "当前角色不能查询建设项目");
    }
    k = project_load(ctx, unit ? unit : unit_id, project_id, &p, err);
    if (!k) k = project_workers_json(ctx, p.id, &workers, err);
    char target[48], detail[48];
    target_of(target, sizeof target, "unit", p.unit_id);
    snprintf(detail, sizeof detail, "project=%lld", (long long)project_id);
    if (!k) k = audit_append(ctx, "project.read", target, "ok", detail, err);
    if (k) {
        json_decref(workers);
        return k;
    }
    json_t *o = project_json(&p);
    json_object_set_new(o, "workers", workers);
    *out = o;
    return ERR_OK;
}

/* ---- demo data ---- */

typedef enum demo_kind {
    DEMO_FLEX, DEMO_RES_PENSION, DEMO_RES_MEDICAL, DEMO_INJURY, DEMO_WORKER
} demo_kind;

typedef struct demo_row {
    demo_kind kind;
    const char *name;
    char sex;
    int age;                  /* on 1 January of the business year */
    const char *hukou;
    const char *what;         /* package, category or injury kind */
} demo_row;

static const demo_row demo_rows[] = {
    {DEMO_FLEX, "周建国", 'M', 35, "other_province", "pension_medical"},
    {DEMO_FLEX, "吴丽华", 'F', 45, "sip", "pension"},
    {DEMO_FLEX, "郑小燕", 'F', 30, "sip", "housing_fund"},
    {DEMO_RES_PENSION, "孙桂英", 'F', 50, "suzhou", NULL},
    {DEMO_RES_PENSION, "钱德明", 'M', 66, "sip", NULL},
    {DEMO_RES_MEDICAL, "朱子涵", 'M', 10, "sip", "child"},
    {DEMO_RES_MEDICAL, "沈阿婆", 'F', 72, "sip", "elderly"},
    {DEMO_RES_MEDICAL, "何乐乐", 'F', 5, "other_province", "migrant_child"},
    {DEMO_RES_MEDICAL, "陆一一", 'M', 1, "sip", "newborn"},
    {DEMO_INJURY, "韩实习", 'M', 19, "jiangsu", "intern"},
    {DEMO_INJURY, "冯老伯", 'M', 64, "sip", "over_age"},
    {DEMO_INJURY, "曹钟点", 'F', 40, "other_province", "part_time"},
    {DEMO_WORKER, "马建军", 'M', 38, "other_province", NULL},
    {DEMO_WORKER, "任大力", 'M', 45, "other_province", NULL},
    {DEMO_WORKER, "田春生", 'M', 29, "jiangsu", NULL},
};
enum { DEMO_ROW_COUNT = sizeof demo_rows / sizeof demo_rows[0] };

/* Born 1 January, so the age is the same all year; the area code 320506
 * keeps these apart from the other demo persons. */
static void demo_id(const demo_row *r, int i, int year, char out[19]) {
    char d17[40];
    snprintf(d17, sizeof d17, "320506%04d0101%03d", year - r->age, 500 + i * 2 + (r->sex == 'M' ? 1 : 2));
    snprintf(out, 19, "%.17s%c", d17, idno_resident_check_char(d17));
}

static err_kind demo_one(svc_ctx *ctx, const demo_row *r, int64_t pid, int64_t unit_id, int year,
                         err_detail *err) {
    json_t *out = NULL;
    err_kind k = ERR_OK;
    if (r->kind == DEMO_FLEX) {
        flex_register_in in = {.person_id = pid, .package = r->what, .tier = 2,
                               .female_cadre_age = r->sex == 'F' && r->age >= 40};
        k = flex_register(ctx, &in, &out, err);
    } else if (r->kind == DEMO_RES_PENSION) {
        k = resident_pension_enrol(ctx, pid, &out, err);
    } else if (r->kind == DEMO_RES_MEDICAL) {
        /* registered in last year's collection period: insured this year */
        date_days today = ctx->business_date;
        ctx->business_date = date_from_ymd(year - 1, 10, 8);
        resident_medical_in in = {.person_id = pid, .category = r->what};
        k = resident_medical_enrol(ctx, &in, &out, err);
        ctx->business_date = today;
    } else if (r->kind == DEMO_INJURY) {
        bool intern = !strcmp(r->what, "intern"), part = !strcmp(r->what, "part_time");
        injury_only_in in = {.unit_id = unit_id, .kind = r->what, .person_id = pid,
                             .start_date = month_first_day(month_of(ctx->business_date)),
                             .school = intern ? "苏州工业园区职业技术学院" : NULL,
                             .school_kind = intern ? "higher_vocational" : NULL,
                             .hours_per_day_x10 = part ? 35 : -1, .hours_per_week_x10 = part ? 200 : -1};
        k = injury_only_enrol(ctx, &in, &out, err);
    }
    json_decref(out);
    return k;
}

err_kind flex_demo_seed(svc_ctx *ctx, int64_t unit_id, err_detail *err) {
    int y, m, d;
    date_to_ymd(ctx->business_date, &y, &m, &d);
    json_t *roster = json_array();
    err_kind k = ERR_OK;
    for (int i = 0; i < DEMO_ROW_COUNT && !k; i++) {
        const demo_row *r = &demo_rows[i];
        char id[19];
        demo_id(r, i, y, id);
        if (r->kind == DEMO_WORKER) {
            json_array_append_new(roster, json_pack("{s:s, s:s}", "id_number", id, "name", r->name));
            continue;
        }
        reg_person_new in = {.id_kind = IDNO_RESIDENT, .id_number = id, .name = r->name,
                             .hukou_kind = r->hukou};
        int64_t pid = 0;
        k = reg_person_create(ctx, &in, &pid, err);
        if (!k) k = demo_one(ctx, r, pid, unit_id, y, err);
    }
    json_t *out = NULL;
    char contract[32];
    snprintf(contract, sizeof contract, "SIP-JS-%04d-001", y);
    project_in p = {.unit_id = unit_id, .name = "星湖街综合管廊工程", .contract_no = contract,
                    .start_date = month_first_day(month_of(ctx->business_date)),
                    .end_date = date_from_ymd(y + 1, 12, 31)};
    if (!k) k = project_create(ctx, &p, &out, err);
    int64_t project_id = out ? json_integer_value(json_object_get(out, "id")) : 0;
    json_decref(out);
    out = NULL;
    if (!k) k = project_add_workers(ctx, unit_id, project_id, roster, &out, err);
    json_decref(out);
    json_decref(roster);
    return k;
}
