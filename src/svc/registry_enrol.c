/* Employees: enrolment, rosters, termination, reason changes and transfer
 * records (see registry_enrol.h). */
#include "svc/registry_enrol.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/jsonx.h"
#include "base/limits.h"
#include "svc/audit.h"
#include "svc/registry_flex.h"
#include "svc/registry_unit.h"
#include "svc/retirement.h"

/* The category HK/Macao/Taiwan and foreign employees are enrolled in when
 * none is named (a key of policy registry.categories). */
static const char FOREIGN_CATEGORY[] = "foreign";

#define BIT(i) (1u << (i))

/* ---- small helpers ---- */

static err_kind pol_int(svc_ctx *ctx, const char *key, int64_t *out, err_detail *err) {
    return policy_get_int(ctx->pol, key, ctx->business_date, out, err);
}

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
    char text[256] = "";
    if (dump && strlen(dump) < sizeof text) snprintf(text, sizeof text, "%s", dump);
    err_rule_add(err, code, text[0] ? text : NULL, "%s", msg);
    free(dump);
    json_decref(data);
}

static void fmt_date(date_days d, char out[DATE_STR_BYTES]) {
    if (d) date_format(d, out);
    else out[0] = 0;
}

static json_t *date_or_null(date_days d) { return d ? jsonx_date_new(d) : json_null(); }

static json_t *text_or_null(const char *s) { return s && *s ? json_string(s) : json_null(); }

/* 750 -> "7.5%", 1200 -> "12%". */
static void bp_pct(int64_t bp, char out[24]) {
    if (bp % 100 == 0) snprintf(out, 24, "%lld%%", (long long)(bp / 100));
    else if (bp % 10 == 0) snprintf(out, 24, "%lld.%lld%%", (long long)(bp / 100), (long long)(bp % 100 / 10));
    else snprintf(out, 24, "%lld.%02lld%%", (long long)(bp / 100), (long long)(bp % 100));
}

/* "养老保险、医疗保险" for a bit set. */
static void insurance_list_zh(unsigned set, char *out, size_t cap) {
    size_t n = 0;
    out[0] = 0;
    for (int i = 0; i < INS_COUNT && n < cap; i++)
        if (set & BIT(i))
            n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? "、" : "", reg_insurance_name_zh((reg_insurance)i));
}

static json_t *insurance_names(unsigned set) {
    json_t *a = json_array();
    for (int i = 0; i < INS_COUNT; i++)
        if (set & BIT(i)) json_array_append_new(a, json_string(reg_insurance_name((reg_insurance)i)));
    return a;
}

static bool is_counter(svc_role r) {
    return r == ROLE_CLERK || r == ROLE_ADMIN || r == ROLE_SYSTEM;
}

/* The unit an operation acts for: a unit operator's own (another is "not
 * found"); the counter names it. */
static err_kind subject_unit(svc_ctx *ctx, int64_t requested, bool required, int64_t *out,
                             err_detail *err) {
    if (ctx->actor.role == ROLE_UNIT) {
        if (requested && requested != ctx->actor.unit_id)
            return err_set(err, ERR_NOT_FOUND, "unit_not_found", "unit_id", "未找到该单位");
        *out = ctx->actor.unit_id;
        return ERR_OK;
    }
    if (!is_counter(ctx->actor.role))
        return err_set(err, ERR_FORBIDDEN, "forbidden", NULL, "当前角色（%s）不能办理单位参保业务",
                       svc_role_name_zh(ctx->actor.role));
    if (!requested && required)
        return err_set(err, ERR_INVALID, "missing_field", "unit_id", "请指明单位（unit_id）");
    *out = requested;
    return ERR_OK;
}

static void audit_target_person(int64_t person_id, char out[48]) {
    snprintf(out, 48, "person:%lld", (long long)person_id);
}

/* ---- enrolment: the plan the checks build ---- */

typedef enum enrol_kind { KIND_REGULAR = 0, KIND_FOREIGN, KIND_HMT } enrol_kind;
static const char *const kind_names[] = {"regular", "foreign", "hmt", NULL};
static const char *const kind_names_zh[] = {"普通职工", "外籍人员", "港澳台人员"};

typedef struct enrol_plan {
    reg_unit unit;
    enrol_kind kind;
    bool person_exists;
    reg_person person;            /* existing, or the new person's identity as checked */
    char retire_kind[16];
    const char *category;
    unsigned included, optional;  /* of the category */
    unsigned set;                 /* insurances to enrol */
    unsigned exempt;              /* left out by a bilateral agreement */
    month_ym first_month[INS_COUNT];
    bool end_flexible[INS_COUNT]; /* an open flexible span to end first */
    bool employed_here;           /* refused as already employed: its spans are this unit's */
    int64_t deadline_days;
    int days_after;
    bool late;
    int late_days;
} enrol_plan;

static err_kind plan_unit(svc_ctx *ctx, const enrol_in *in, enrol_plan *pl, err_detail *err) {
    int64_t unit_id = 0;
    err_kind k = subject_unit(ctx, in->unit_id, true, &unit_id, err);
    if (!k) k = reg_unit_get(ctx, unit_id, &pl->unit, err);
    if (!k) k = reg_unit_rule_active(ctx, unit_id, err);
    return k;
}

static err_kind retire_kind_of(svc_ctx *ctx, int64_t person_id, char out[16], err_detail *err) {
    store_stmt *st;
    out[0] = 0;
    err_kind k = store_prepare(ctx->tx, STORE_Q_ENROL_PERSON_RETIRE_KIND, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && row) snprintf(out, 16, "%s", store_col_text(st, 0));
    store_stmt_done(st);
    return k;
}

/* An existing person, by id or by a current or former ID number. */
static err_kind plan_existing(svc_ctx *ctx, const enrol_in *in, enrol_plan *pl, bool *found,
                              err_detail *err) {
    int64_t id = in->person_id;
    *found = false;
    if (!id) {
        err_detail miss = {0};
        err_kind k = reg_person_find(ctx, in->person.id_number, &id, &miss);
        if (k == ERR_NOT_FOUND) return ERR_OK;
        if (k) { *err = miss; return k; }
    }
    err_kind k = reg_person_get(ctx, id, &pl->person, err);
    if (k) return k;
    *found = true;
    pl->person_exists = true;
    if (in->person.name && *in->person.name && strcmp(in->person.name, pl->person.name) != 0)
        rule(err, "name_mismatch", json_pack("{s:s}", "registered_name", pl->person.name),
             "姓名与证件号码 %s 登记的姓名（%s）不一致", pl->person.id_number, pl->person.name);
    return retire_kind_of(ctx, id, pl->retire_kind, err);
}

/* A new person: the document is checked here, so that its rules are listed
 * with the others before anything is written. */
static err_kind plan_new_person(const enrol_in *in, enrol_plan *pl, err_detail *err) {
    const reg_person_new *np = &in->person;
    idno_info info;
    err_kind k = idno_check(np->id_kind, np->id_number, &info, err);
    if (k) {
        snprintf(err->field, sizeof err->field, "id_number");
        return k;
    }
    if (!np->name || !*np->name)
        return err_set(err, ERR_INVALID, "missing_field", "name", "新参保人员须填写姓名");
    if (strlen(np->name) > REG_NAME_BYTES_MAX * 2)
        return err_set(err, ERR_INVALID, "invalid_field", "name", "姓名不超过 %d 字节", REG_NAME_BYTES_MAX * 2);
    if (np->sex && strcmp(np->sex, "M") != 0 && strcmp(np->sex, "F") != 0)
        return err_set(err, ERR_INVALID, "invalid_value", "sex", "性别应为 M（男）或 F（女）");
    if (np->hukou_kind && !reg_hukou_valid(np->hukou_kind))
        return err_set(err, ERR_INVALID, "invalid_value", "hukou_kind",
                       "户籍类别 %.24s 无效，可选：sip、suzhou、jiangsu、other_province、hmt、foreign",
                       np->hukou_kind);
    reg_person *p = &pl->person;
    memset(p, 0, sizeof *p);
    snprintf(p->id_kind, sizeof p->id_kind, "%s", idno_kind_name(np->id_kind));
    snprintf(p->id_number, sizeof p->id_number, "%s", info.normalized);
    snprintf(p->name, sizeof p->name, "%s", np->name);
    p->sex = info.sex ? info.sex : (np->sex ? np->sex[0] : 0);
    p->birth_date = info.has_birth ? info.birth_date : np->birth_date;
    const char *nat = np->nationality ? np->nationality : (np->id_kind == IDNO_RESIDENT ? "CHN" : "");
    snprintf(p->nationality, sizeof p->nationality, "%s", nat);
    if (!p->birth_date)
        rule(err, "birth_date_missing", NULL, "该证件不含出生日期，请填写出生日期");
    if (!p->sex) rule(err, "sex_missing", NULL, "该证件不含性别，请填写性别（M 或 F）");
    return ERR_OK;
}

static err_kind plan_person(svc_ctx *ctx, const enrol_in *in, enrol_plan *pl, err_detail *err) {
    if (!in->person_id && (!in->person.id_number || !*in->person.id_number))
        return err_set(err, ERR_INVALID, "missing_field", "id_number", "请填写证件号码");
    if (in->person_id && ctx->actor.role == ROLE_UNIT)   /* units name people by their documents */
        return err_set(err, ERR_INVALID, "invalid_field", "person_id", "单位请以证件号码指明人员");
    bool found = false;
    err_kind k = plan_existing(ctx, in, pl, &found, err);
    if (k || found) {
        if (!k && !pl->person.birth_date)
            rule(err, "birth_date_missing", NULL, "参保人 %s 没有登记出生日期，请先补全人员信息",
                 pl->person.id_number);
        if (!k && !pl->person.sex)
            rule(err, "sex_missing", NULL, "参保人 %s 没有登记性别，请先补全人员信息", pl->person.id_number);
        return k;
    }
    return plan_new_person(in, pl, err);
}

/* ---- enrolment: the kind, documents, nationality, contract, housing fund ---- */

static bool in_list(const char *s, const char *const list[]) {
    for (int i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0) return true;
    return false;
}

static void rule_document(enrol_plan *pl, err_detail *err) {
    static const char *const regular_docs[] = {"resident", NULL};
    static const char *const foreign_docs[] = {"passport", "foreign_pr", NULL};
    static const char *const hmt_docs[] = {"hkmo_permit", "tw_permit", "hmt_residence", NULL};
    static const char *const *const docs[] = {regular_docs, foreign_docs, hmt_docs};
    static const char *const docs_zh[] = {"居民身份证", "护照或外国人永久居留身份证",
                                          "港澳居民来往内地通行证、台湾居民来往大陆通行证或港澳台居民居住证"};
    if (in_list(pl->person.id_kind, docs[pl->kind])) return;
    rule(err, "document_kind_mismatch", json_pack("{s:s, s:s}", "kind", kind_names[pl->kind],
         "id_kind", pl->person.id_kind),
         "人员类别为%s，证件应为%s", kind_names_zh[pl->kind], docs_zh[pl->kind]);
}

static void rule_nationality(enrol_plan *pl, err_detail *err) {
    static const char *const hmt[] = {"HKG", "MAC", "TWN", NULL};
    const char *nat = pl->person.nationality;
    if (pl->kind == KIND_REGULAR) return;
    if (!nat[0]) {
        rule(err, "nationality_missing", NULL, "%s须填写国籍或地区（如 DEU、HKG）", kind_names_zh[pl->kind]);
        return;
    }
    bool is_hmt = in_list(nat, hmt), is_chn = strcmp(nat, "CHN") == 0;
    if (pl->kind == KIND_HMT && !is_hmt)
        rule(err, "nationality_mismatch", json_pack("{s:s}", "nationality", nat),
             "港澳台人员的地区应为 HKG、MAC 或 TWN，而不是 %s", nat);
    if (pl->kind == KIND_FOREIGN && (is_hmt || is_chn))
        rule(err, "nationality_mismatch", json_pack("{s:s}", "nationality", nat),
             "外籍人员的国籍不能是 %s（港澳台人员请选港澳台类别）", nat);
}

static void rule_contract(const enrol_in *in, enrol_plan *pl, err_detail *err) {
    char s[DATE_STR_BYTES], e[DATE_STR_BYTES];
    fmt_date(in->start_date, s);
    fmt_date(in->contract_end, e);
    if (pl->kind != KIND_REGULAR && !in->contract_end)
        rule(err, "contract_end_missing", NULL, "%s须填写劳动合同起止日期（缺合同终止日期）", kind_names_zh[pl->kind]);
    if (in->contract_end && in->contract_end < in->start_date)
        rule(err, "contract_end_before_start", json_pack("{s:s, s:s}", "start_date", s, "contract_end", e),
             "合同终止日期 %s 早于用工日期 %s", e, s);
}

static err_kind rule_housing_fund(svc_ctx *ctx, const enrol_in *in, enrol_plan *pl, err_detail *err) {
    if (pl->kind != KIND_REGULAR && in->pays_hf < 0)
        rule(err, "pays_hf_missing", NULL, "%s须说明是否缴存住房公积金", kind_names_zh[pl->kind]);
    if (pl->kind != KIND_REGULAR && in->pays_hf == 1 && !in->hf_rate_bp)
        rule(err, "hf_rate_missing", NULL, "缴存住房公积金的%s须填写缴存比例", kind_names_zh[pl->kind]);
    if (!in->hf_rate_bp) return ERR_OK;
    int64_t lo, hi;
    err_kind k = pol_int(ctx, "housing_fund.rate_min_bp", &lo, err);
    if (!k) k = pol_int(ctx, "housing_fund.rate_max_bp", &hi, err);
    if (k) return k;
    if (in->hf_rate_bp >= lo && in->hf_rate_bp <= hi) return ERR_OK;
    char v[24], a[24], b[24];
    bp_pct(in->hf_rate_bp, v);
    bp_pct(lo, a);
    bp_pct(hi, b);
    rule(err, "hf_rate_out_of_range", json_pack("{s:I, s:I, s:I}", "hf_rate_bp", (json_int_t)in->hf_rate_bp,
         "rate_min_bp", (json_int_t)lo, "rate_max_bp", (json_int_t)hi),
         "住房公积金缴存比例 %s（%lld 基点）不在 %s～%s（%lld～%lld 基点）之间", v,
         (long long)in->hf_rate_bp, a, b, (long long)lo, (long long)hi);
    return ERR_OK;
}

static err_kind rule_exemption(svc_ctx *ctx, const enrol_in *in, enrol_plan *pl, err_detail *err) {
    const char *c = in->exemption_country;
    if (!c || !*c) return ERR_OK;
    if (pl->kind != KIND_FOREIGN)
        rule(err, "exemption_not_foreign", NULL, "双边社保互免协议只适用于外籍人员");
    const json_t *all;
    err_kind k = policy_get_json(ctx->pol, "registry.bilateral_exemptions", ctx->business_date, &all, err);
    if (k) return k;
    const json_t *list = json_object_get(all, c);
    if (!json_is_array(list)) {
        rule(err, "exemption_unknown", json_pack("{s:s}", "exemption_country", c),
             "未与 %.8s 签订社会保险双边互免协议", c);
    } else {
        unsigned set = 0;
        err_detail ignore = {0};
        if (reg_insurances_parse(list, "exemption_country", &set, &ignore) == ERR_OK) pl->exempt = set;
    }
    if (!in->exemption_certificate || !*in->exemption_certificate)
        rule(err, "exemption_certificate_missing", NULL, "适用双边互免协议须提供对方国家出具的参保证明编号");
    return ERR_OK;
}

/* ---- enrolment: category and insurances ---- */

static err_kind rule_category(svc_ctx *ctx, const enrol_in *in, enrol_plan *pl, err_detail *err) {
    pl->category = in->category && *in->category ? in->category
                 : pl->kind != KIND_REGULAR ? FOREIGN_CATEGORY : pl->unit.category;
    err_kind k = reg_category(ctx, pl->category, &pl->included, &pl->optional, err);
    if (k) return k;
    const json_t *cats;
    k = policy_get_json(ctx->pol, "registry.categories", ctx->business_date, &cats, err);
    if (k) return k;
    const json_t *c = json_object_get(cats, pl->category);
    const char *payer = json_string_value(json_object_get(c, "payer"));
    if (!payer || strcmp(payer, "unit") != 0 || !(pl->included & BIT(INS_PENSION)))
        rule(err, "category_not_for_employees", json_pack("{s:s}", "category", pl->category),
             "参保类别 %s（%s）不是单位职工的参保类别", pl->category,
             json_string_value(json_object_get(c, "name_zh")) ? json_string_value(json_object_get(c, "name_zh")) : "");
    return ERR_OK;
}

/* The housing fund as pays_hf says, when it says. */
static void rule_pays_hf(const enrol_in *in, enrol_plan *pl, unsigned *set, err_detail *err) {
    const unsigned hf = BIT(INS_HOUSING_FUND);
    bool listed = in->insurances && (in->insurances & hf);
    if (in->pays_hf == 1) {
        if (!(pl->included & hf))
            rule(err, "insurance_not_in_category", json_pack("{s:s}", "category", pl->category),
                 "参保类别 %s 不含住房公积金", pl->category);
        if (in->insurances && !listed)
            rule(err, "pays_hf_conflict", NULL, "选择缴存住房公积金，但险种中没有住房公积金");
        *set |= (pl->included & hf);
    } else if (in->pays_hf == 0) {
        if ((pl->included & hf) && !(pl->optional & hf))
            rule(err, "insurance_required", json_pack("{s:s, s:[s]}", "category", pl->category,
                 "missing", "housing_fund"), "参保类别 %s 必须缴存住房公积金，不能选择不缴存", pl->category);
        if (listed) rule(err, "pays_hf_conflict", NULL, "选择不缴存住房公积金，但险种中有住房公积金");
        *set &= ~hf;
    }
}

static void rule_insurances(const enrol_in *in, enrol_plan *pl, err_detail *err) {
    unsigned required = pl->included & ~pl->optional;
    unsigned set = required;
    if (in->insurances) {
        unsigned outside = in->insurances & ~pl->included;
        unsigned missing = required & ~in->insurances & ~pl->exempt;
        char names[200];
        if (outside) {
            insurance_list_zh(outside, names, sizeof names);
            rule(err, "insurance_not_in_category", json_pack("{s:s, s:o}", "category", pl->category,
                 "insurances", insurance_names(outside)), "参保类别 %s 不含%s", pl->category, names);
        }
        if (missing) {
            insurance_list_zh(missing, names, sizeof names);
            rule(err, "insurance_required", json_pack("{s:s, s:o}", "category", pl->category,
                 "missing", insurance_names(missing)), "参保类别 %s 必须参加%s，不能不选", pl->category, names);
        }
        set = in->insurances & pl->included;
    }
    rule_pays_hf(in, pl, &set, err);
    pl->set = set & ~pl->exempt;
    pl->exempt &= pl->included;
}

/* ---- enrolment: ages and dates ---- */

static err_kind rule_ages(svc_ctx *ctx, const enrol_in *in, enrol_plan *pl, err_detail *err) {
    const reg_person *p = &pl->person;
    if (!p->birth_date || !p->sex) return ERR_OK;   /* already refused as missing */
    int64_t min_age;
    err_kind k = pol_int(ctx, "enrolment.min_age_years", &min_age, err);
    if (k) return k;
    char birth[DATE_STR_BYTES], start[DATE_STR_BYTES], from[DATE_STR_BYTES];
    date_format(p->birth_date, birth);
    date_format(in->start_date, start);
    int age = date_age_years(p->birth_date, in->start_date);
    if (age < min_age) {
        date_format(date_add_years(p->birth_date, (int)min_age), from);
        rule(err, "age_below_min", json_pack("{s:i, s:I, s:s, s:s, s:s}", "age", age, "min_age_years",
             (json_int_t)min_age, "birth_date", birth, "start_date", start, "allowed_from", from),
             "用工之日 %s 未满 %lld 周岁（出生日期 %s，当日 %d 周岁，%s 起可参保）", start,
             (long long)min_age, birth, age, from);
    }
    bool cadre = strcmp(pl->unit.unit_type, "government") == 0 || strcmp(pl->retire_kind, "female55") == 0;
    retirement_result rr;
    k = retirement_compute(ctx->pol, ctx->business_date, retirement_kind_for(p->sex, cadre),
                           month_of(p->birth_date), &rr, err);
    if (k) return k;
    if (month_of(in->start_date) >= rr.retirement_month) {
        char rm[MONTH_STR_BYTES];
        month_format(rr.retirement_month, rm);
        rule(err, "age_at_retirement", json_pack("{s:s, s:i, s:i, s:s, s:s}", "retirement_month", rm,
             "age_years", rr.age_years, "age_months", rr.age_months, "birth_date", birth, "start_date", start),
             "用工之日 %s 已达到法定退休年龄（%d 岁 %d 个月，%s 起），不能办理职工参保；超龄人员可办理单险种工伤保险",
             start, rr.age_years, rr.age_months, rm);
    }
    if (p->retired) rule(err, "person_retired", NULL, "该人员已办理退休，不能办理职工参保");
    return ERR_OK;
}

static err_kind rule_dates(svc_ctx *ctx, const enrol_in *in, enrol_plan *pl, err_detail *err) {
    char start[DATE_STR_BYTES], today[DATE_STR_BYTES];
    date_format(in->start_date, start);
    date_format(ctx->business_date, today);
    if (in->start_date > ctx->business_date)
        rule(err, "start_date_future", json_pack("{s:s, s:s}", "start_date", start, "business_date", today),
             "用工日期 %s 晚于今天（%s），用工之后才能办理参保登记", start, today);
    err_kind k = pol_int(ctx, "enrolment.deadline_days", &pl->deadline_days, err);
    if (k) return k;
    pl->days_after = ctx->business_date - in->start_date;
    pl->late = pl->days_after > pl->deadline_days;
    pl->late_days = pl->late ? pl->days_after - (int)pl->deadline_days : 0;
    return ERR_OK;
}

static err_kind rule_already_employed(svc_ctx *ctx, enrol_plan *pl, err_detail *err) {
    if (!pl->person_exists) return ERR_OK;
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_ENROL_ACTIVE_AT_UNIT, &st, err);
    if (k) return k;
    store_bind_int(st, 1, pl->person.id);
    store_bind_int(st, 2, pl->unit.id);
    bool row = false;
    k = store_step(st, &row, err);
    pl->employed_here = !k && row;
    if (!k && row)
        rule(err, "already_employed", json_pack("{s:I, s:s}", "employment_id", (json_int_t)store_col_int(st, 0),
             "start_date", store_col_text(st, 1)),
             "该人员已在本单位在职参保（用工日期 %s），不能重复登记", store_col_text(st, 1));
    store_stmt_done(st);
    return k;
}

/* The first month of one insurance: the month of the start date, or the
 * month after an earlier span that reaches it; an open flexible span is
 * ended before; any other open span refuses. */
static err_kind plan_first_month(svc_ctx *ctx, enrol_plan *pl, reg_insurance ins, month_ym start,
                                 err_detail *err) {
    month_ym first = start;
    pl->first_month[ins] = start;
    if (!pl->person_exists) return ERR_OK;
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_ENROL_SPANS_REACHING, &st, err);
    if (k) return k;
    store_bind_int(st, 1, pl->person.id);
    store_bind_text(st, 2, reg_insurance_name(ins));
    store_bind_int(st, 3, start);
    bool row = false;
    while (!(k = store_step(st, &row, err)) && row) {
        month_ym s = (month_ym)store_col_int(st, 1), e = (month_ym)store_col_int(st, 2);
        bool flexible = strcmp(store_col_text(st, 3), "person") == 0 &&
                        strcmp(store_col_text(st, 4), "flexible") == 0;
        if (e && month_add(e, 1) > first) first = month_add(e, 1);
        if (!e && flexible) {
            pl->end_flexible[ins] = true;
            if (month_add(s, 1) > first) first = month_add(s, 1);
        }
        if (!e && !flexible) {
            char from[MONTH_STR_BYTES];
            month_format(s, from);
            const char *where = *store_col_text(st, 5) ? store_col_text(st, 5) : "个人参保";
            rule(err, "already_insured", json_pack("{s:s, s:I, s:s, s:s}", "insurance", reg_insurance_name(ins),
                 "span_id", (json_int_t)store_col_int(st, 0), "start_month", from, "where", where),
                 "%s：已在%s参保（%s 起，尚未终止），须先办理停保", reg_insurance_name_zh(ins), where, from);
        }
    }
    store_stmt_done(st);
    pl->first_month[ins] = first;
    return k;
}

/* Every check, in the order a clerk reads them; nothing is written. */
static err_kind enrol_check(svc_ctx *ctx, const enrol_in *in, enrol_plan *pl, err_detail *err) {
    int kind = 0;
    if (in->kind && *in->kind) {
        for (kind = 0; kind_names[kind] && strcmp(kind_names[kind], in->kind) != 0; kind++) {}
        if (!kind_names[kind])
            return err_set(err, ERR_INVALID, "invalid_value", "kind", "人员类别应为 regular、foreign 或 hmt");
    }
    if (!in->start_date)
        return err_set(err, ERR_INVALID, "missing_field", "start_date", "请填写用工日期");
    pl->kind = (enrol_kind)kind;
    err_kind k = plan_unit(ctx, in, pl, err);
    if (!k) k = plan_person(ctx, in, pl, err);
    if (k) return k;
    rule_document(pl, err);
    rule_nationality(pl, err);
    rule_contract(in, pl, err);
    k = rule_housing_fund(ctx, in, pl, err);
    if (!k) k = rule_exemption(ctx, in, pl, err);
    if (!k) k = rule_category(ctx, in, pl, err);
    if (k) return k;
    rule_insurances(in, pl, err);
    k = rule_ages(ctx, in, pl, err);
    if (!k) k = rule_dates(ctx, in, pl, err);
    if (!k) k = rule_already_employed(ctx, pl, err);
    for (int i = 0; !k && !pl->employed_here && i < INS_COUNT; i++)
        if (pl->set & BIT(i)) k = plan_first_month(ctx, pl, (reg_insurance)i, month_of(in->start_date), err);
    return k ? k : err_rules_finish(err);
}

/* ---- enrolment: the writes ---- */

static err_kind person_create(svc_ctx *ctx, const enrol_in *in, const enrol_plan *pl, int64_t *id,
                              err_detail *err) {
    reg_person_new np = in->person;
    char sex[2] = {pl->person.sex, 0};
    np.sex = sex;
    if (!np.hukou_kind && pl->kind != KIND_REGULAR) np.hukou_kind = pl->kind == KIND_FOREIGN ? "foreign" : "hmt";
    if (!np.nationality && pl->person.nationality[0]) np.nationality = pl->person.nationality;
    return reg_person_create(ctx, &np, id, err);
}

static err_kind employment_insert(svc_ctx *ctx, const enrol_in *in, const enrol_plan *pl,
                                  int64_t person_id, int64_t *id_out, err_detail *err) {
    char start[DATE_STR_BYTES], end[DATE_STR_BYTES], today[DATE_STR_BYTES];
    date_format(in->start_date, start);
    fmt_date(in->contract_end, end);
    date_format(ctx->business_date, today);
    bool exempt = in->exemption_country && *in->exemption_country;
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_ENROL_EMPLOYMENT_INSERT, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    store_bind_int(st, 2, pl->unit.id);
    store_bind_text(st, 3, kind_names[pl->kind]);
    store_bind_text(st, 4, start);
    store_bind_text(st, 5, end[0] ? end : NULL);
    store_bind_text(st, 6, today);
    store_bind_int(st, 7, pl->late ? 1 : 0);
    if (pl->late) store_bind_int(st, 8, pl->late_days);
    else store_bind_null(st, 8);
    if (in->pays_hf >= 0) store_bind_int(st, 9, in->pays_hf);
    else store_bind_null(st, 9);
    if (in->hf_rate_bp) store_bind_int(st, 10, in->hf_rate_bp);
    else store_bind_null(st, 10);
    store_bind_text(st, 11, exempt ? in->exemption_country : NULL);
    store_bind_text(st, 12, exempt ? in->exemption_certificate : NULL);
    store_bind_text(st, 13, pl->category);
    store_bind_int(st, 14, ctx->now_ms);
    k = store_step_all(st, err);
    if (!k) *id_out = store_last_insert_id(ctx->tx);
    return k;
}

static err_kind enrol_apply(svc_ctx *ctx, const enrol_in *in, const enrol_plan *pl,
                            int64_t *person_id, int64_t *emp_id, int64_t span_ids[INS_COUNT],
                            err_detail *err) {
    *person_id = pl->person.id;
    err_kind k = pl->person_exists ? ERR_OK : person_create(ctx, in, pl, person_id, err);
    if (!k) k = employment_insert(ctx, in, pl, *person_id, emp_id, err);
    char reason[96];
    if (pl->late) snprintf(reason, sizeof reason, "单位参保登记（逾期 %d 天）", pl->late_days);
    else snprintf(reason, sizeof reason, "单位参保登记");
    for (int i = 0; !k && i < INS_COUNT; i++) {
        if (!(pl->set & BIT(i))) continue;
        if (pl->end_flexible[i])
            k = flex_end_for_employment(ctx, *person_id, (reg_insurance)i, pl->first_month[i], err);
        reg_span_new sn = {.person_id = *person_id, .unit_id = pl->unit.id, .employment_id = *emp_id,
                           .insurance = (reg_insurance)i, .payer = "unit", .category = pl->category,
                           .start_month = pl->first_month[i], .reason = reason};
        if (!k) k = reg_span_open(ctx, &sn, &span_ids[i], err);
    }
    char target[48], detail[160];
    audit_target_person(*person_id, target);
    snprintf(detail, sizeof detail, "unit:%lld employment:%lld late_days:%d", (long long)pl->unit.id,
             (long long)*emp_id, pl->late_days);
    if (!k) k = audit_append(ctx, "enrol.employee", target, "ok", detail, err);
    return k;
}

static json_t *enrol_answer(const enrol_in *in, const enrol_plan *pl, int64_t person_id,
                            int64_t emp_id, const int64_t span_ids[INS_COUNT]) {
    json_t *spans = json_array();
    for (int i = 0; i < INS_COUNT; i++)
        if (pl->set & BIT(i))
            json_array_append_new(spans, json_pack("{s:s, s:s, s:I, s:o}", "insurance",
                reg_insurance_name((reg_insurance)i), "insurance_zh", reg_insurance_name_zh((reg_insurance)i),
                "span_id", (json_int_t)span_ids[i], "start_month", jsonx_month_new(pl->first_month[i])));
    char start[DATE_STR_BYTES], msg[256];
    date_format(in->start_date, start);
    if (pl->late)
        snprintf(msg, sizeof msg, "已办理参保登记（逾期）：用工之日 %s 至今 %d 天，超过 %lld 天的登记期限 %d 天",
                 start, pl->days_after, (long long)pl->deadline_days, pl->late_days);
    else
        snprintf(msg, sizeof msg, "已办理参保登记：用工之日 %s，在 %lld 天的登记期限内", start,
                 (long long)pl->deadline_days);
    json_t *o = json_pack("{s:I, s:I, s:b, s:I, s:s, s:s, s:o, s:o, s:o, s:i, s:I, s:b, s:i, s:s, s:o, s:o}",
        "employment_id", (json_int_t)emp_id, "person_id", (json_int_t)person_id,
        "person_created", !pl->person_exists, "unit_id", (json_int_t)pl->unit.id,
        "kind", kind_names[pl->kind], "category", pl->category,
        "start_date", jsonx_date_new(in->start_date), "contract_end", date_or_null(in->contract_end),
        "enrolled_on", jsonx_date_new(in->start_date + pl->days_after), "days_after_start", pl->days_after,
        "deadline_days", (json_int_t)pl->deadline_days, "late", pl->late, "late_days", pl->late_days,
        "message", msg, "spans", spans, "exempt", insurance_names(pl->exempt));
    json_object_set_new(o, "id_number", json_string(pl->person.id_number));
    json_object_set_new(o, "name", json_string(pl->person.name));
    if (in->pays_hf >= 0) json_object_set_new(o, "pays_hf", json_boolean(in->pays_hf));
    if (in->hf_rate_bp) json_object_set_new(o, "hf_rate_bp", json_integer(in->hf_rate_bp));
    if (in->exemption_country && *in->exemption_country)
        json_object_set_new(o, "exemption_country", json_string(in->exemption_country));
    return o;
}

err_kind enrol_employee(svc_ctx *ctx, const enrol_in *in, json_t **out, err_detail *err) {
    enrol_plan pl;
    memset(&pl, 0, sizeof pl);
    err_kind k = enrol_check(ctx, in, &pl, err);
    int64_t person_id = 0, emp_id = 0, span_ids[INS_COUNT] = {0};
    if (!k) k = enrol_apply(ctx, in, &pl, &person_id, &emp_id, span_ids, err);
    if (k) return k;
    *out = enrol_answer(in, &pl, person_id, emp_id, span_ids);
    return ERR_OK;
}

/* ---- rosters (花名册) ---- */

typedef enum roster_col {
    COL_ID_KIND = 0, COL_ID_NUMBER, COL_NAME, COL_SEX, COL_BIRTH, COL_NATIONALITY, COL_HUKOU,
    COL_MOBILE, COL_EMAIL, COL_ADDRESS, COL_START, COL_CONTRACT_END, COL_KIND, COL_CATEGORY,
    COL_INSURANCES, COL_PAYS_HF, COL_HF_RATE, COL_EXEMPTION, COL_CERTIFICATE, COL_COUNT
} roster_col;

/* The documented columns (docs/roster.md): a header is the Chinese name,
 * the English name (any case), or both as "中文/english". */
static const struct { const char *zh, *en; bool required; } roster_cols[COL_COUNT] = {
    [COL_ID_KIND] = {"证件类型", "id_kind", false},
    [COL_ID_NUMBER] = {"证件号码", "id_number", true},
    [COL_NAME] = {"姓名", "name", true},
    [COL_SEX] = {"性别", "sex", false},
    [COL_BIRTH] = {"出生日期", "birth_date", false},
    [COL_NATIONALITY] = {"国籍", "nationality", false},
    [COL_HUKOU] = {"户籍类别", "hukou_kind", false},
    [COL_MOBILE] = {"手机", "mobile", false},
    [COL_EMAIL] = {"电子邮箱", "email", false},
    [COL_ADDRESS] = {"地址", "address", false},
    [COL_START] = {"用工日期", "start_date", true},
    [COL_CONTRACT_END] = {"合同终止日期", "contract_end", false},
    [COL_KIND] = {"人员类别", "kind", false},
    [COL_CATEGORY] = {"参保类别", "category", false},
    [COL_INSURANCES] = {"险种", "insurances", false},
    [COL_PAYS_HF] = {"是否缴存公积金", "pays_hf", false},
    [COL_HF_RATE] = {"公积金缴存比例", "hf_rate_bp", false},
    [COL_EXEMPTION] = {"互免协议国家", "exemption_country", false},
    [COL_CERTIFICATE] = {"互免证明编号", "exemption_certificate", false},
};

/* Which column each rule is about, for the report of bad rows. */
static const struct { const char *code, *field; } rule_fields[] = {
    {"unit_cancelled", "unit"}, {"already_employed", "id_number"}, {"name_mismatch", "name"},
    {"birth_date_missing", "birth_date"}, {"sex_missing", "sex"}, {"age_below_min", "birth_date"},
    {"age_at_retirement", "birth_date"}, {"person_retired", "id_number"},
    {"start_date_future", "start_date"}, {"document_kind_mismatch", "id_kind"},
    {"nationality_missing", "nationality"}, {"nationality_mismatch", "nationality"},
    {"contract_end_missing", "contract_end"}, {"contract_end_before_start", "contract_end"},
    {"pays_hf_missing", "pays_hf"}, {"hf_rate_missing", "hf_rate_bp"},
    {"hf_rate_out_of_range", "hf_rate_bp"}, {"exemption_not_foreign", "exemption_country"},
    {"exemption_unknown", "exemption_country"}, {"exemption_certificate_missing", "exemption_certificate"},
    {"category_not_for_employees", "category"}, {"insurance_not_in_category", "insurances"},
    {"insurance_required", "insurances"}, {"pays_hf_conflict", "insurances"},
    {"already_insured", "insurances"}, {NULL, NULL},
};

static const char *rule_field(const char *code) {
    for (int i = 0; rule_fields[i].code; i++)
        if (strcmp(rule_fields[i].code, code) == 0) return rule_fields[i].field;
    return "";
}

static const char *column_zh(const char *field) {
    for (int i = 0; i < COL_COUNT; i++)
        if (strcmp(roster_cols[i].en, field) == 0) return roster_cols[i].zh;
    return "";
}

typedef struct roster {
    svc_ctx *ctx;
    int col_of[COL_COUNT];        /* the file's column of each roster column, or -1 */
    table_report rep;             /* every problem of every bad row; the first become rules too */
} roster;

static void problem(roster *r, int line, const char *field, const char *code, const char *message,
                    const char *data_json) {
    table_report_problem(&r->rep, line, field, column_zh(field), code, message, data_json);
}

static err_kind roster_header(roster *r, const table_row *row, err_detail *err) {
    for (int c = 0; c < COL_COUNT; c++) r->col_of[c] = -1;
    for (int i = 0; i < row->cell_count; i++) {
        const char *h = table_trimmed(r->ctx->ar, row->cells[i]);
        if (!*h) continue;
        int c = 0;
        while (c < COL_COUNT && !table_header_is(h, roster_cols[c].zh, roster_cols[c].en)) c++;
        char echo[ERR_ECHO_BYTES];
        err_echo(h, echo);
        if (c == COL_COUNT)
            return err_set(err, ERR_INVALID, "roster_unknown_column", "header",
                           "第 %d 行（表头）第 %d 列的列名无法识别：%s（列名见 docs/roster.md）", row->line, i + 1, echo);
        if (r->col_of[c] >= 0)
            return err_set(err, ERR_INVALID, "roster_duplicate_column", "header",
                           "第 %d 行（表头）的列「%s」出现了两次", row->line, roster_cols[c].zh);
        r->col_of[c] = i;
    }
    for (int c = 0; c < COL_COUNT; c++)
        if (roster_cols[c].required && r->col_of[c] < 0)
            return err_set(err, ERR_INVALID, "roster_missing_column", "header",
                           "第 %d 行（表头）缺少必填列「%s/%s」", row->line, roster_cols[c].zh, roster_cols[c].en);
    return ERR_OK;
}

static const char *cell(roster *r, const table_row *row, roster_col c) {
    if (r->col_of[c] < 0) return NULL;
    const char *v = table_trimmed(r->ctx->ar, table_cell(row, r->col_of[c]));
    return *v ? v : NULL;
}

/* 2025-07-01, 2025/7/1, 2025.7.1 or 20250701. */
static bool parse_roster_date(const char *s, date_days *out) {
    int y = 0, m = 0, d = 0;
    char tail;
    size_t n = strlen(s);
    bool ok;
    if (n == 8 && strspn(s, "0123456789") == 8)
        ok = sscanf(s, "%4d%2d%2d", &y, &m, &d) == 3;
    else
        ok = (sscanf(s, "%d-%d-%d%c", &y, &m, &d, &tail) == 3 || sscanf(s, "%d/%d/%d%c", &y, &m, &d, &tail) == 3 ||
              sscanf(s, "%d.%d.%d%c", &y, &m, &d, &tail) == 3);
    if (!ok || !date_valid_ymd(y, m, d)) return false;
    *out = date_from_ymd(y, m, d);
    return true;
}

static void row_date(roster *r, int line, const char *v, const char *field, date_days *out) {
    if (!v) return;
    if (!parse_roster_date(v, out)) {
        char echo[ERR_ECHO_BYTES], msg[160];
        err_echo(v, echo);
        snprintf(msg, sizeof msg, "日期应为 YYYY-MM-DD：%s", echo);
        problem(r, line, field, "invalid_date", msg, NULL);
    }
}

static void row_bad_value(roster *r, int line, const char *field, const char *v, const char *allowed) {
    char echo[ERR_ECHO_BYTES], msg[256];
    err_echo(v, echo);
    snprintf(msg, sizeof msg, "取值 %s 无效，可填：%s", echo, allowed);
    problem(r, line, field, "invalid_value", msg, NULL);
}

static void row_id_kind(roster *r, int line, const char *v, idno_kind *out) {
    *out = IDNO_RESIDENT;
    if (!v) return;
    for (int k = 0; k < IDNO_KIND_COUNT; k++)
        if (strcasecmp(v, idno_kind_name((idno_kind)k)) == 0 || strcmp(v, idno_kind_name_zh((idno_kind)k)) == 0) {
            *out = (idno_kind)k;
            return;
        }
    row_bad_value(r, line, "id_kind", v, "resident、passport、hkmo_permit、tw_permit、hmt_residence、foreign_pr 或其中文名称");
}

static void row_sex(roster *r, int line, const char *v, const char **out) {
    if (!v) return;
    if (strcasecmp(v, "M") == 0 || strcmp(v, "男") == 0) *out = "M";
    else if (strcasecmp(v, "F") == 0 || strcmp(v, "女") == 0) *out = "F";
    else row_bad_value(r, line, "sex", v, "男、女、M、F");
}

static void row_nationality(roster *r, int line, const char *v, const char **out) {
    if (!v) return;
    char up[4] = {0};
    bool ok = strlen(v) == 3;
    for (int i = 0; ok && i < 3; i++) {
        ok = isalpha((unsigned char)v[i]) != 0;
        up[i] = (char)toupper((unsigned char)v[i]);
    }
    if (ok) *out = arena_strdup(r->ctx->ar, up);
    else row_bad_value(r, line, "nationality", v, "三位字母的国家或地区代码（如 CHN、DEU、HKG）");
}

static void row_hukou(roster *r, int line, const char *v, const char **out) {
    static const char *const kinds[] = {"sip", "suzhou", "jiangsu", "other_province", "hmt", "foreign", NULL};
    if (!v) return;
    for (int i = 0; kinds[i]; i++)
        if (strcasecmp(v, kinds[i]) == 0 || strcmp(v, reg_hukou_name_zh(kinds[i])) == 0) {
            *out = kinds[i];
            return;
        }
    row_bad_value(r, line, "hukou_kind", v, "sip、suzhou、jiangsu、other_province、hmt、foreign 或其中文名称");
}

static void row_kind(roster *r, int line, const char *v, const char **out) {
    static const struct { const char *word, *kind; } words[] = {
        {"regular", "regular"}, {"普通", "regular"}, {"普通职工", "regular"}, {"foreign", "foreign"},
        {"外籍", "foreign"}, {"外籍人员", "foreign"}, {"hmt", "hmt"}, {"港澳台", "hmt"}, {"港澳台人员", "hmt"}};
    if (!v) return;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcasecmp(v, words[i].word) == 0) {
            *out = words[i].kind;
            return;
        }
    row_bad_value(r, line, "kind", v, "regular（普通职工）、foreign（外籍）、hmt（港澳台）");
}

/* One insurance by its English or Chinese name, with or without 保险. */
static int insurance_word(const char *w, size_t n) {
    for (int i = 0; i < INS_COUNT; i++) {
        const char *en = reg_insurance_name((reg_insurance)i), *zh = reg_insurance_name_zh((reg_insurance)i);
        size_t zl = strlen(zh), bx = strlen("保险");
        bool short_zh = zl > bx && strcmp(zh + zl - bx, "保险") == 0 && n == zl - bx && strncmp(w, zh, n) == 0;
        if ((strlen(en) == n && strncasecmp(w, en, n) == 0) || (zl == n && strncmp(w, zh, n) == 0) || short_zh)
            return i;
    }
    if (n == strlen("公积金") && strncmp(w, "公积金", n) == 0) return INS_HOUSING_FUND;
    return -1;
}

static void row_insurances(roster *r, int line, const char *v, unsigned *out) {
    static const char *const seps[] = {",", "，", "、", ";", "；", "|", " ", "/", NULL};
    if (!v) return;
    unsigned set = 0;
    const char *p = v;
    for (int guard = 0; *p && guard < LIMIT_TEXT_FIELD_BYTES_MAX; guard++) {
        size_t n = strlen(p), cut = n, skip = 0;
        for (int s = 0; seps[s]; s++) {
            const char *q = strstr(p, seps[s]);
            if (q && (size_t)(q - p) < cut) { cut = (size_t)(q - p); skip = strlen(seps[s]); }
        }
        if (cut > 0) {
            int ins = insurance_word(p, cut);
            if (ins < 0) {
                row_bad_value(r, line, "insurances", arena_strndup(r->ctx->ar, p, cut),
                              "pension、medical、unemployment、injury、maternity、housing_fund、housing_subsidy 或其中文名称");
                return;
            }
            set |= BIT(ins);
        }
        p += cut + skip;
    }
    *out = set;
}

static void row_pays_hf(roster *r, int line, const char *v, int *out) {
    static const char *const yes[] = {"是", "Y", "yes", "true", "1", NULL};
    static const char *const no[] = {"否", "N", "no", "false", "0", NULL};
    if (!v) return;
    for (int i = 0; yes[i]; i++)
        if (strcasecmp(v, yes[i]) == 0) { *out = 1; return; }
    for (int i = 0; no[i]; i++)
        if (strcasecmp(v, no[i]) == 0) { *out = 0; return; }
    row_bad_value(r, line, "pays_hf", v, "是、否（或 Y、N）");
}

/* Basis points (800), a percentage ("8%", "7.5%") or a fraction as a
 * spreadsheet stores a percentage cell (0.075). */
static void row_hf_rate(roster *r, int line, const char *v, int64_t *out) {
    if (!v) return;
    char *end;
    double x = strtod(v, &end);
    bool pct = *end == '%' && end[1] == 0;
    bool ok = end != v && (pct || *end == 0) && x > 0 && x < 1e6;
    if (ok) {
        double bp = pct ? x * 100 : (x < 1 ? x * 10000 : x);
        *out = (int64_t)(bp + 0.5);
        ok = *out > 0 && (pct || x < 1 || x == (double)(int64_t)x);
    }
    if (!ok) row_bad_value(r, line, "hf_rate_bp", v, "基点整数（如 800）或百分比（如 8%）");
}

static void row_text(roster *r, int line, const char *v, const char *field, size_t max, const char **out) {
    if (!v) return;
    if (strlen(v) > max) {
        char msg[96];
        snprintf(msg, sizeof msg, "不超过 %zu 字节", max);
        problem(r, line, field, "invalid_field", msg, NULL);
        return;
    }
    *out = v;
}

/* A row into an enrolment; its problems go to the report. */
static void roster_row_in(roster *r, const table_row *row, int64_t unit_id, enrol_in *in) {
    int line = row->line;
    memset(in, 0, sizeof *in);
    in->unit_id = unit_id;
    in->pays_hf = -1;
    reg_person_new *p = &in->person;
    row_id_kind(r, line, cell(r, row, COL_ID_KIND), &p->id_kind);
    p->id_number = cell(r, row, COL_ID_NUMBER);
    if (!p->id_number) problem(r, line, "id_number", "missing_field", "证件号码不能为空", NULL);
    row_text(r, line, cell(r, row, COL_NAME), "name", REG_NAME_BYTES_MAX * 2, &p->name);
    row_sex(r, line, cell(r, row, COL_SEX), &p->sex);
    row_date(r, line, cell(r, row, COL_BIRTH), "birth_date", &p->birth_date);
    row_nationality(r, line, cell(r, row, COL_NATIONALITY), &p->nationality);
    row_hukou(r, line, cell(r, row, COL_HUKOU), &p->hukou_kind);
    row_text(r, line, cell(r, row, COL_MOBILE), "mobile", 32, &p->mobile);
    row_text(r, line, cell(r, row, COL_EMAIL), "email", 128, &p->email);
    row_text(r, line, cell(r, row, COL_ADDRESS), "address", 400, &p->address);
    const char *start = cell(r, row, COL_START);
    if (!start) problem(r, line, "start_date", "missing_field", "用工日期不能为空", NULL);
    row_date(r, line, start, "start_date", &in->start_date);
    row_date(r, line, cell(r, row, COL_CONTRACT_END), "contract_end", &in->contract_end);
    row_kind(r, line, cell(r, row, COL_KIND), &in->kind);
    row_text(r, line, cell(r, row, COL_CATEGORY), "category", 32, &in->category);
    row_insurances(r, line, cell(r, row, COL_INSURANCES), &in->insurances);
    row_pays_hf(r, line, cell(r, row, COL_PAYS_HF), &in->pays_hf);
    row_hf_rate(r, line, cell(r, row, COL_HF_RATE), &in->hf_rate_bp);
    const char *country = cell(r, row, COL_EXEMPTION);
    if (country) {
        char *up = arena_strdup(r->ctx->ar, country);
        for (char *c = up; *c; c++) *c = (char)toupper((unsigned char)*c);
        in->exemption_country = up;
    }
    row_text(r, line, cell(r, row, COL_CERTIFICATE), "exemption_certificate", ENROL_CERTIFICATE_BYTES_MAX,
             &in->exemption_certificate);
}

/* ID numbers seen so far (upper case, no blanks) with their rows: open
 * addressing over twice the rows. */
typedef struct id_seen {
    const char **ids;
    int *lines;
    size_t cap;
} id_seen;

static uint64_t fnv1a(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* The row the ID was first seen in, or 0 after remembering it. */
static int id_seen_add(id_seen *s, arena *ar, const char *id, int line) {
    char norm[48];
    size_t n = 0;
    for (const char *p = id; *p && n + 1 < sizeof norm; p++)
        if (*p != ' ') norm[n++] = (char)toupper((unsigned char)*p);
    norm[n] = 0;
    size_t i = fnv1a(norm) % s->cap;
    for (size_t probes = 0; s->ids[i] && probes < s->cap; probes++, i = (i + 1) % s->cap)
        if (strcmp(s->ids[i], norm) == 0) return s->lines[i];
    s->ids[i] = arena_strdup(ar, norm);
    s->lines[i] = line;
    return 0;
}

/* A refused enrolment into problems of its row. Store trouble stops it all. */
static err_kind roster_refusal(roster *r, int line, err_kind k, const err_detail *e) {
    if (k != ERR_RULE && k != ERR_INVALID && k != ERR_CONFLICT && k != ERR_NOT_FOUND) return k;
    if (k != ERR_RULE || e->rule_count == 0) {
        problem(r, line, e->field[0] ? e->field : "id_number", e->code, e->message, NULL);
        return ERR_OK;
    }
    for (int i = 0; i < e->rule_count; i++)
        problem(r, line, rule_field(e->rules[i].code), e->rules[i].code, e->rules[i].message,
                e->rules[i].data_json);
    return ERR_OK;
}

static json_t *roster_enrolled(int line, const json_t *ans) {
    return json_pack("{s:i, s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "row", line,
                     "person_id", json_object_get(ans, "person_id"),
                     "employment_id", json_object_get(ans, "employment_id"),
                     "id_number", json_object_get(ans, "id_number"), "name", json_object_get(ans, "name"),
                     "person_created", json_object_get(ans, "person_created"),
                     "late", json_object_get(ans, "late"), "late_days", json_object_get(ans, "late_days"));
}

/* Every data row, in order: read, checked and (while all is well) enrolled
 * through enrol_employee, so later rows see the earlier ones. */
static err_kind roster_rows(roster *r, const table *t, int64_t unit_id, json_t *enrolled,
                            int *late_count) {
    id_seen seen = {.cap = (size_t)t->row_count * 2 + 1};
    seen.ids = arena_alloc(r->ctx->ar, seen.cap * sizeof *seen.ids);
    seen.lines = arena_alloc(r->ctx->ar, seen.cap * sizeof *seen.lines);
    for (int i = 1; i < t->row_count; i++) {
        const table_row *row = &t->rows[i];
        enrol_in in;
        r->rep.row_bad = false;
        roster_row_in(r, row, unit_id, &in);
        int first = in.person.id_number ? id_seen_add(&seen, r->ctx->ar, in.person.id_number, row->line) : 0;
        if (first) {
            char msg[96], data[64];
            snprintf(msg, sizeof msg, "证件号码与第 %d 行重复", first);
            snprintf(data, sizeof data, "{\"first_row\":%d}", first);
            problem(r, row->line, "id_number", "duplicate_in_file", msg, data);
        }
        if (r->rep.row_bad) continue;
        json_t *ans = NULL;
        err_detail e = {0};
        err_kind k = enrol_employee(r->ctx, &in, &ans, &e);
        if (k) {
            k = roster_refusal(r, row->line, k, &e);
            if (k) { *r->rep.err = e; return k; }
            continue;
        }
        if (json_is_true(json_object_get(ans, "late"))) (*late_count)++;
        json_array_append_new(enrolled, roster_enrolled(row->line, ans));
        json_decref(ans);
    }
    return ERR_OK;
}

err_kind enrol_roster(svc_ctx *ctx, int64_t unit_id, const table *t, json_t **out,
                      json_t **bad_rows_out, err_detail *err) {
    int64_t uid = 0;
    reg_unit unit;
    err_kind k = subject_unit(ctx, unit_id, true, &uid, err);
    if (!k) k = reg_unit_get(ctx, uid, &unit, err);
    if (!k) k = reg_unit_rule_active(ctx, uid, err);
    if (!k) k = err_rules_finish(err);
    if (k) return k;
    if (t->row_count == 0) return err_set(err, ERR_INVALID, "roster_empty", "file", "花名册是空的");
    roster r = {.ctx = ctx, .rep = {.err = err}};
    k = roster_header(&r, &t->rows[0], err);
    if (k) return k;
    if (t->row_count < 2)
        return err_set(err, ERR_INVALID, "roster_no_rows", "file", "花名册只有表头，没有人员");
    r.rep.bad = json_array();
    json_t *enrolled = json_array();
    int late = 0;
    k = roster_rows(&r, t, uid, enrolled, &late);
    if (!k && r.rep.bad_rows) {
        if (json_array_size(r.rep.bad) > ERR_RULES_MAX - 1)
            err_rule_add(err, "more_bad_rows", NULL, "其余问题见 rows（共 %zu 项）", json_array_size(r.rep.bad));
        err_rules_finish(err);
        snprintf(err->code, sizeof err->code, "roster_rejected");
        snprintf(err->message, sizeof err->message, "花名册共 %d 人，其中 %d 行有误，整个文件未导入，请改正后重新上传",
                 t->row_count - 1, r.rep.bad_rows);
        k = ERR_RULE;
    }
    if (k) {
        json_decref(enrolled);
        if (k == ERR_RULE) *bad_rows_out = r.rep.bad;
        else json_decref(r.rep.bad);
        return k;
    }
    json_decref(r.rep.bad);
    char target[48], detail[64];
    snprintf(target, sizeof target, "unit:%lld", (long long)uid);
    snprintf(detail, sizeof detail, "rows:%d late:%d", t->row_count - 1, late);
    k = audit_append(ctx, "enrol.roster", target, "ok", detail, err);
    if (k) { json_decref(enrolled); return k; }
    *out = json_pack("{s:I, s:i, s:i, s:o}", "unit_id", (json_int_t)uid, "count",
                     (int)json_array_size(enrolled), "late_count", late, "enrolled", enrolled);
    return ERR_OK;
}

/* ---- employments ---- */

typedef struct employment {
    int64_t id, person_id, unit_id;
    char kind[16], status[16], reason[48];
    date_days start_date, end_date;
    int64_t reason_changes;
} employment;

static date_days col_date(store_stmt *st, int col) {
    date_days d = 0;
    err_detail ignore = {0};
    const char *s = store_col_text(st, col);
    if (*s && date_parse(s, "date", &d, &ignore)) d = 0;
    return d;
}

/* The Chinese name and voluntary flag of a termination reason; false when
 * the policy does not know it. */
static err_kind reason_lookup(svc_ctx *ctx, const char *reason, const char **name_zh,
                              bool *voluntary, bool *known, err_detail *err) {
    const json_t *all;
    err_kind k = policy_get_json(ctx->pol, "registry.termination_reasons", ctx->business_date, &all, err);
    if (k) return k;
    const json_t *r = reason ? json_object_get(all, reason) : NULL;
    *known = json_is_object(r);
    if (name_zh) *name_zh = *known ? json_string_value(json_object_get(r, "name_zh")) : NULL;
    if (voluntary) *voluntary = *known && json_is_true(json_object_get(r, "voluntary"));
    return ERR_OK;
}

static void rule_invalid_reason(svc_ctx *ctx, const char *reason, err_detail *err) {
    const json_t *all;
    err_detail ignore = {0};
    char keys[200] = "";
    size_t n = 0;
    const char *key;
    const json_t *v;
    if (policy_get_json(ctx->pol, "registry.termination_reasons", ctx->business_date, &all, &ignore) == ERR_OK)
        json_object_foreach((json_t *)all, key, v) {
            if (n < sizeof keys) n += (size_t)snprintf(keys + n, sizeof keys - n, "%s%s", n ? "、" : "", key);
        }
    char echo[ERR_ECHO_BYTES];
    err_echo(reason ? reason : "", echo);
    rule(err, "invalid_reason", json_pack("{s:s}", "reason", echo), "退工原因 %s 无效，可选：%s", echo, keys);
}

static err_kind employment_load(svc_ctx *ctx, int64_t id, employment *out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_ENROL_EMPLOYMENT_GET, &st, err);
    if (k) return k;
    store_bind_int(st, 1, id);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && !row) k = err_set(err, ERR_NOT_FOUND, "employment_not_found", NULL, "未找到该用工记录");
    if (!k) {
        memset(out, 0, sizeof *out);
        out->id = store_col_int(st, 0);
        out->person_id = store_col_int(st, 1);
        out->unit_id = store_col_int(st, 2);
        snprintf(out->kind, sizeof out->kind, "%s", store_col_text(st, 3));
        out->start_date = col_date(st, 4);
        out->end_date = col_date(st, 6);
        snprintf(out->status, sizeof out->status, "%s", store_col_text(st, 7));
        snprintf(out->reason, sizeof out->reason, "%s", store_col_text(st, 8));
        out->reason_changes = store_col_int(st, 10);
    }
    store_stmt_done(st);
    /* a unit operator sees its own unit's employments only */
    if (!k && ctx->actor.role == ROLE_UNIT && out->unit_id != ctx->actor.unit_id)
        k = err_set(err, ERR_NOT_FOUND, "employment_not_found", NULL, "未找到该用工记录");
    if (!k && !svc_role_is_staff(ctx->actor.role) && ctx->actor.role != ROLE_UNIT)
        k = err_set(err, ERR_NOT_FOUND, "employment_not_found", NULL, "未找到该用工记录");
    return k;
}

static json_t *employment_row_json(svc_ctx *ctx, store_stmt *st) {
    const char *reason = store_col_text(st, 8), *reason_zh = NULL;
    bool voluntary = false, known = false;
    err_detail ignore = {0};
    if (*reason) reason_lookup(ctx, reason, &reason_zh, &voluntary, &known, &ignore);
    bool ended = *store_col_text(st, 6) != 0;
    json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:b, s:I}",
        "id", (json_int_t)store_col_int(st, 0), "person_id", (json_int_t)store_col_int(st, 1),
        "person_name", store_col_text(st, 19), "id_number", store_col_text(st, 20),
        "unit_id", (json_int_t)store_col_int(st, 2), "unit_name", store_col_text(st, 21),
        "kind", store_col_text(st, 3), "start_date", store_col_text(st, 4),
        "contract_end", text_or_null(store_col_text(st, 5)), "end_date", text_or_null(store_col_text(st, 6)),
        "category", text_or_null(store_col_text(st, 14)), "status", store_col_text(st, 7),
        "enrolled_on", store_col_text(st, 13), "late", store_col_int(st, 11) != 0,
        "late_days", (json_int_t)store_col_int(st, 12));
    json_object_set_new(o, "pays_hf", store_col_is_null(st, 15) ? json_null() : json_boolean(store_col_int(st, 15)));
    json_object_set_new(o, "hf_rate_bp", store_col_is_null(st, 16) ? json_null() : json_integer(store_col_int(st, 16)));
    json_object_set_new(o, "exemption_country", text_or_null(store_col_text(st, 17)));
    json_object_set_new(o, "termination_reason", text_or_null(reason));
    json_object_set_new(o, "termination_reason_zh", text_or_null(reason_zh));
    json_object_set_new(o, "termination_voluntary", ended ? json_boolean(store_col_int(st, 9)) : json_null());
    json_object_set_new(o, "terminated_on", text_or_null(store_col_text(st, 18)));
    json_object_set_new(o, "reason_changes", json_integer(store_col_int(st, 10)));
    return o;
}

/* The employment as it now stands (the answer of a change: no read audit). */
static err_kind employment_json(svc_ctx *ctx, int64_t employment_id, json_t **out, err_detail *err) {
    employment e;
    err_kind k = employment_load(ctx, employment_id, &e, err);
    if (k) return k;
    store_stmt *st;
    k = store_prepare(ctx->tx, STORE_Q_ENROL_EMPLOYMENT_GET, &st, err);
    if (k) return k;
    store_bind_int(st, 1, employment_id);
    bool row = false;
    k = store_step(st, &row, err);
    json_t *o = (!k && row) ? employment_row_json(ctx, st) : NULL;
    store_stmt_done(st);
    if (!k && !o) k = err_set(err, ERR_NOT_FOUND, "employment_not_found", NULL, "未找到该用工记录");
    json_t *spans = NULL;
    if (!k) k = reg_spans_json(ctx, e.person_id, e.unit_id, false, &spans, err);
    if (k) { json_decref(o); return k; }
    json_t *mine = json_array();
    size_t i;
    json_t *sp;
    json_array_foreach(spans, i, sp)
        if (json_integer_value(json_object_get(sp, "employment_id")) == employment_id)
            json_array_append(mine, sp);
    json_decref(spans);
    json_object_set_new(o, "spans", mine);
    *out = o;
    return ERR_OK;
}

err_kind enrol_employment_json(svc_ctx *ctx, int64_t employment_id, json_t **out, err_detail *err) {
    json_t *o = NULL;
    err_kind k = employment_json(ctx, employment_id, &o, err);
    char target[48], detail[48];
    if (!k) audit_target_person(json_integer_value(json_object_get(o, "person_id")), target);
    snprintf(detail, sizeof detail, "employment:%lld", (long long)employment_id);
    if (!k) k = audit_append(ctx, "enrol.employment.read", target, "ok", detail, err);
    if (k) { json_decref(o); return k; }
    *out = o;
    return ERR_OK;
}

/* ---- termination (退工停保) ---- */

/* The person a termination names; a unit operator learns nothing of
 * persons not employed there. */
static err_kind termination_person(svc_ctx *ctx, const termination_in *in, int64_t *person_id,
                                   bool *unknown, err_detail *err) {
    *unknown = false;
    if (in->person_id) {
        if (ctx->actor.role == ROLE_UNIT)
            return err_set(err, ERR_INVALID, "invalid_field", "person_id", "单位请以证件号码指明人员");
        reg_person p;
        err_kind k = reg_person_get(ctx, in->person_id, &p, err);
        if (!k) *person_id = in->person_id;
        return k;
    }
    if (!in->id_number || !*in->id_number)
        return err_set(err, ERR_INVALID, "missing_field", "id_number", "请填写证件号码或 person_id");
    err_detail miss = {0};
    err_kind k = reg_person_find(ctx, in->id_number, person_id, &miss);
    if (k == ERR_NOT_FOUND && ctx->actor.role == ROLE_UNIT) {
        *unknown = true;
        return ERR_OK;
    }
    if (k) *err = miss;
    return k;
}

/* The active employment of the person at the unit (any unit when 0). */
static err_kind active_employment(svc_ctx *ctx, int64_t person_id, int64_t unit_id, int64_t *id_out,
                                  err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_ENROL_ACTIVE_OF_PERSON, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    store_bind_int(st, 2, unit_id);
    int n = 0;
    bool row = false;
    *id_out = 0;
    while (!(k = store_step(st, &row, err)) && row)
        if (n++ == 0) *id_out = store_col_int(st, 0);
    store_stmt_done(st);
    if (!k && n > 1)
        return err_set(err, ERR_INVALID, "missing_field", "unit_id",
                       "该人员同时在多个单位在职，请指明单位（unit_id）");
    return k;
}

static err_kind close_spans(svc_ctx *ctx, int64_t emp_id, month_ym end_month, const char *why,
                            err_detail *err) {
    int64_t ids[16];
    bool fund[16];
    int n = 0;
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_ENROL_OPEN_SPANS_OF_EMPLOYMENT, &st, err);
    if (k) return k;
    store_bind_int(st, 1, emp_id);
    bool row = false;
    while (!(k = store_step(st, &row, err)) && row && n < 16) {
        const char *ins = store_col_text(st, 1);
        fund[n] = strcmp(ins, "housing_fund") == 0 || strcmp(ins, "housing_subsidy") == 0;
        ids[n++] = store_col_int(st, 0);
    }
    store_stmt_done(st);
    /* A leaver's housing fund account is sealed (封存), kept for a later
     * employer or a withdrawal; the insurances end. */
    for (int i = 0; !k && i < n; i++)
        k = reg_span_close(ctx, ids[i], end_month, fund[i] ? "sealed" : "terminated", why, err);
    return k;
}

err_kind enrol_terminate(svc_ctx *ctx, const termination_in *in, json_t **out, err_detail *err) {
    int64_t unit_id = 0, person_id = 0, emp_id = 0;
    bool unknown = false, known = false, voluntary = false;
    const char *reason_zh = NULL;
    employment e;
    if (!in->end_date) return err_set(err, ERR_INVALID, "missing_field", "end_date", "请填写退工日期");
    err_kind k = subject_unit(ctx, in->unit_id, false, &unit_id, err);
    if (!k) k = termination_person(ctx, in, &person_id, &unknown, err);
    if (!k && !unknown) k = active_employment(ctx, person_id, unit_id, &emp_id, err);
    if (!k) k = reason_lookup(ctx, in->reason, &reason_zh, &voluntary, &known, err);
    if (k) return k;
    if (!known) rule_invalid_reason(ctx, in->reason, err);
    if (!emp_id)
        rule(err, "not_employed", NULL, "该人员目前不在%s在职参保，不能办理退工", unit_id ? "本单位" : "任何单位");
    if (emp_id && !(k = employment_load(ctx, emp_id, &e, err)) && in->end_date < e.start_date) {
        char s[DATE_STR_BYTES], d[DATE_STR_BYTES];
        date_format(e.start_date, s);
        date_format(in->end_date, d);
        rule(err, "end_before_start", json_pack("{s:s, s:s}", "start_date", s, "end_date", d),
             "退工日期 %s 早于用工日期 %s", d, s);
    }
    if (!k) k = err_rules_finish(err);
    if (k) return k;
    char end[DATE_STR_BYTES], today[DATE_STR_BYTES];
    date_format(in->end_date, end);
    date_format(ctx->business_date, today);
    k = store_exec(ctx->tx, STORE_Q_ENROL_TERMINATE, err, "ittiti", emp_id, end,
                   in->reason, (int64_t)(voluntary ? 1 : 0), today, ctx->now_ms);
    if (!k) k = close_spans(ctx, emp_id, month_of(in->end_date), reason_zh, err);
    char target[48], detail[128];
    audit_target_person(person_id, target);
    snprintf(detail, sizeof detail, "employment:%lld reason:%s end:%s", (long long)emp_id, in->reason, end);
    if (!k) k = audit_append(ctx, "enrol.terminate", target, "ok", detail, err);
    return k ? k : employment_json(ctx, emp_id, out, err);
}

/* ---- termination reason change ---- */

static err_kind rule_insured_elsewhere(svc_ctx *ctx, const employment *e, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_ENROL_INSURED_ELSEWHERE_SINCE, &st, err);
    if (k) return k;
    month_ym end = month_of(e->end_date);
    store_bind_int(st, 1, e->person_id);
    store_bind_int(st, 2, e->unit_id);
    store_bind_int(st, 3, end);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && row) {
        char from[MONTH_STR_BYTES], endm[MONTH_STR_BYTES];
        month_format((month_ym)store_col_int(st, 2), from);
        month_format(end, endm);
        const char *where = *store_col_text(st, 3) ? store_col_text(st, 3) : "以个人身份";
        reg_insurance ins = INS_PENSION;
        err_detail ignore = {0};
        reg_insurance_parse(store_col_text(st, 1), "insurance", &ins, &ignore);
        rule(err, "insured_elsewhere", json_pack("{s:I, s:s, s:s, s:s, s:s}", "span_id",
             (json_int_t)store_col_int(st, 0), "insurance", store_col_text(st, 1), "start_month", from,
             "termination_month", endm, "where", where),
             "该人员退工（%s）后已在%s参加%s（%s 起），不能再修改退工原因", endm, where,
             reg_insurance_name_zh(ins), from);
    }
    store_stmt_done(st);
    return k;
}

err_kind enrol_reason_change(svc_ctx *ctx, int64_t employment_id, const char *reason,
                             json_t **out, err_detail *err) {
    if (ctx->actor.role != ROLE_UNIT && !is_counter(ctx->actor.role))
        return err_set(err, ERR_FORBIDDEN, "forbidden", NULL, "当前角色（%s）不能修改退工原因",
                       svc_role_name_zh(ctx->actor.role));
    employment e;
    bool known = false, voluntary = false;
    int64_t max = 0;
    err_kind k = employment_load(ctx, employment_id, &e, err);
    if (!k) k = reason_lookup(ctx, reason, NULL, &voluntary, &known, err);
    if (!k) k = pol_int(ctx, "registry.termination_reason_changes_max", &max, err);
    if (k) return k;
    if (strcmp(e.status, "terminated") != 0) {
        rule(err, "not_terminated", NULL, "该用工尚未退工，没有可修改的退工原因");
        return err_rules_finish(err);
    }
    if (!known) rule_invalid_reason(ctx, reason, err);
    else if (strcmp(reason, e.reason) == 0)
        rule(err, "reason_unchanged", json_pack("{s:s}", "reason", reason), "新的退工原因与原来的相同");
    if (e.reason_changes >= max)
        rule(err, "reason_changes_exhausted", json_pack("{s:I, s:I}", "changes", (json_int_t)e.reason_changes,
             "max", (json_int_t)max), "退工原因已修改过 %lld 次，每人最多只能修改 %lld 次",
             (long long)e.reason_changes, (long long)max);
    k = rule_insured_elsewhere(ctx, &e, err);
    if (!k) k = err_rules_finish(err);
    if (k) return k;
    char today[DATE_STR_BYTES];
    date_format(ctx->business_date, today);
    k = store_exec(ctx->tx, STORE_Q_ENROL_REASON_SET, err, "itii", employment_id, reason,
                   (int64_t)(voluntary ? 1 : 0), ctx->now_ms);
    if (!k && ctx->actor.user_id)
        k = store_exec(ctx->tx, STORE_Q_ENROL_REASON_CHANGE_INSERT, err, "iiitttii", employment_id,
                       e.person_id, e.unit_id, e.reason, reason, today, ctx->actor.user_id, ctx->now_ms);
    else if (!k)   /* the CLI acts as the center, with no user */
        k = store_exec(ctx->tx, STORE_Q_ENROL_REASON_CHANGE_INSERT, err, "iiitttni", employment_id,
                       e.person_id, e.unit_id, e.reason, reason, today, ctx->now_ms);
    char target[48], detail[128];
    audit_target_person(e.person_id, target);
    snprintf(detail, sizeof detail, "employment:%lld reason:%s>%s", (long long)employment_id, e.reason, reason);
    if (!k) k = audit_append(ctx, "enrol.termination_reason", target, "ok", detail, err);
    return k ? k : employment_json(ctx, employment_id, out, err);
}

/* ---- transfer records (转移) ---- */

/* "江苏省" and "江苏" name the same province; ASCII names in any case. */
static bool same_province(const char *a, const char *b) {
    size_t sfx = strlen("省");
    size_t na = strlen(a), nb = strlen(b);
    if (na > sfx && strcmp(a + na - sfx, "省") == 0) na -= sfx;
    if (nb > sfx && strcmp(b + nb - sfx, "省") == 0) nb -= sfx;
    return na == nb && strncasecmp(a, b, na) == 0;
}

static err_kind province_free(svc_ctx *ctx, const char *province, bool *out, err_detail *err) {
    const json_t *list;
    err_kind k = policy_get_json(ctx->pol, "registry.transfer_free_provinces", ctx->business_date, &list, err);
    if (k) return k;
    *out = false;
    size_t i;
    const json_t *v;
    json_array_foreach(list, i, v)
        if (json_string_value(v) && same_province(province, json_string_value(v))) *out = true;
    return ERR_OK;
}

static json_t *transfer_json(store_stmt *st) {
    reg_insurance ins = INS_PENSION;
    err_detail ignore = {0};
    reg_insurance_parse(store_col_text(st, 2), "insurance", &ins, &ignore);
    int64_t s = store_col_int(st, 5), e = store_col_int(st, 6);
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:I, s:s, s:s, s:s}",
        "id", (json_int_t)store_col_int(st, 0), "direction", store_col_text(st, 1),
        "insurance", store_col_text(st, 2), "insurance_zh", reg_insurance_name_zh(ins),
        "region", store_col_text(st, 3), "province", store_col_text(st, 4),
        "start_month", s ? jsonx_month_new((month_ym)s) : json_null(),
        "end_month", e ? jsonx_month_new((month_ym)e) : json_null(),
        "months", (json_int_t)store_col_int(st, 7), "status", store_col_text(st, 8),
        "recorded_on", store_col_text(st, 9), "note", store_col_text(st, 10));
}

static err_kind transfer_input(svc_ctx *ctx, const transfer_in *in, int64_t *person_id,
                               reg_insurance *ins, err_detail *err) {
    if (!is_counter(ctx->actor.role))
        return err_set(err, ERR_FORBIDDEN, "forbidden", NULL, "转移记录由中心柜面登记");
    err_kind k = ERR_OK;
    if (in->person_id) {
        reg_person p;
        k = reg_person_get(ctx, in->person_id, &p, err);
        *person_id = in->person_id;
    } else if (in->id_number && *in->id_number) {
        k = reg_person_find(ctx, in->id_number, person_id, err);
    } else {
        k = err_set(err, ERR_INVALID, "missing_field", "id_number", "请填写证件号码或 person_id");
    }
    if (k) return k;
    if (!in->direction || (strcmp(in->direction, "in") != 0 && strcmp(in->direction, "out") != 0))
        return err_set(err, ERR_INVALID, "invalid_value", "direction", "转移方向应为 in（转入）或 out（转出）");
    k = reg_insurance_parse(in->insurance, "insurance", ins, err);
    if (!k && (!in->region || !*in->region || strlen(in->region) > ENROL_REGION_BYTES_MAX))
        k = err_set(err, ERR_INVALID, "missing_field", "region", "请填写转出或转入地（不超过 %d 字节）",
                    ENROL_REGION_BYTES_MAX);
    if (!k && (!in->province || !*in->province || strlen(in->province) > ENROL_REGION_BYTES_MAX))
        k = err_set(err, ERR_INVALID, "missing_field", "province", "请填写省份（不超过 %d 字节）",
                    ENROL_REGION_BYTES_MAX);
    return k;
}

static void transfer_rules(const transfer_in *in, reg_insurance ins, bool free_move, err_detail *err) {
    static const unsigned transferable = BIT(INS_PENSION) | BIT(INS_MEDICAL) | BIT(INS_UNEMPLOYMENT) |
                                         BIT(INS_HOUSING_FUND);
    if (!(transferable & BIT(ins)))
        rule(err, "insurance_not_transferable", json_pack("{s:s}", "insurance", reg_insurance_name(ins)),
             "%s没有转移接续，可转移的是养老保险、医疗保险、失业保险和住房公积金", reg_insurance_name_zh(ins));
    if (free_move) return;
    if (!in->start_month || !in->end_month)
        rule(err, "months_missing", NULL, "省外转移须填写转移的起止年月");
    else if (in->end_month < in->start_month) {
        char s[MONTH_STR_BYTES], e[MONTH_STR_BYTES];
        month_format(in->start_month, s);
        month_format(in->end_month, e);
        rule(err, "months_reversed", json_pack("{s:s, s:s}", "start_month", s, "end_month", e),
             "转移的截止年月 %s 早于起始年月 %s", e, s);
    }
}

static const char NOT_NEEDED_ZH[] =
    "江苏省内流动无需办理转移：自 2021 年 10 月 11 日起省内参保缴费记录联网互认（养老保险省内数据共享，"
    "失业保险省内联网互认），已登记备查";

static err_kind transfer_get(svc_ctx *ctx, int64_t id, json_t **out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_ENROL_TRANSFER_GET, &st, err);
    if (k) return k;
    store_bind_int(st, 1, id);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && !row) k = err_set(err, ERR_NOT_FOUND, "transfer_not_found", NULL, "未找到该转移记录");
    if (!k) *out = transfer_json(st);
    store_stmt_done(st);
    return k;
}

err_kind enrol_transfer_record(svc_ctx *ctx, const transfer_in *in, json_t **out,
                               err_detail *err) {
    int64_t person_id = 0;
    reg_insurance ins = INS_PENSION;
    bool free_move = false;
    err_kind k = transfer_input(ctx, in, &person_id, &ins, err);
    if (!k) k = province_free(ctx, in->province, &free_move, err);
    if (k) return k;
    transfer_rules(in, ins, free_move, err);
    k = err_rules_finish(err);
    if (k) return k;
    int64_t months = free_move ? 0 : month_diff(in->end_month, in->start_month) + 1;
    char today[DATE_STR_BYTES], msg[300];
    date_format(ctx->business_date, today);
    if (free_move) snprintf(msg, sizeof msg, "%s", NOT_NEEDED_ZH);
    else snprintf(msg, sizeof msg, "已登记%s%s，共 %lld 个月", reg_insurance_name_zh(ins),
                  strcmp(in->direction, "in") == 0 ? "转入" : "转出", (long long)months);
    store_stmt *st;
    k = store_prepare(ctx->tx, STORE_Q_ENROL_TRANSFER_INSERT, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    store_bind_text(st, 2, in->direction);
    store_bind_text(st, 3, reg_insurance_name(ins));
    store_bind_text(st, 4, in->region);
    store_bind_text(st, 5, in->province);
    if (in->start_month) store_bind_int(st, 6, in->start_month);
    else store_bind_null(st, 6);
    if (in->end_month) store_bind_int(st, 7, in->end_month);
    else store_bind_null(st, 7);
    store_bind_int(st, 8, months);
    store_bind_text(st, 9, free_move ? "not_needed" : "recorded");
    store_bind_text(st, 10, today);
    store_bind_text(st, 11, in->note && *in->note ? in->note : (free_move ? NOT_NEEDED_ZH : ""));
    store_bind_int(st, 12, ctx->now_ms);
    k = store_step_all(st, err);
    int64_t id = k ? 0 : store_last_insert_id(ctx->tx);
    char target[48], detail[96];
    audit_target_person(person_id, target);
    snprintf(detail, sizeof detail, "transfer:%lld %s %s", (long long)id, in->direction, reg_insurance_name(ins));
    if (!k) k = audit_append(ctx, "enrol.transfer", target, "ok", detail, err);
    json_t *o = NULL;
    if (!k) k = transfer_get(ctx, id, &o, err);
    if (k) return k;
    json_object_set_new(o, "person_id", json_integer(person_id));
    json_object_set_new(o, "message", json_string(msg));
    *out = o;
    return ERR_OK;
}

err_kind enrol_transfers_json(svc_ctx *ctx, int64_t person_id, json_t **out, err_detail *err) {
    bool self = ctx->actor.role == ROLE_PERSON && ctx->actor.person_id == person_id;
    if (!self && !svc_role_is_staff(ctx->actor.role))
        return err_set(err, ERR_NOT_FOUND, "person_not_found", NULL, "未找到该参保人");
    reg_person p;
    err_kind k = reg_person_get(ctx, person_id, &p, err);
    store_stmt *st;
    if (!k) k = store_prepare(ctx->tx, STORE_Q_ENROL_TRANSFERS_OF_PERSON, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    json_t *arr = json_array();
    bool row = false;
    while (!(k = store_step(st, &row, err)) && row) json_array_append_new(arr, transfer_json(st));
    store_stmt_done(st);
    char target[48];
    audit_target_person(person_id, target);
    if (!k) k = audit_append(ctx, "enrol.transfers.read", target, "ok", "", err);
    if (k) { json_decref(arr); return k; }
    *out = arr;
    return ERR_OK;
}
