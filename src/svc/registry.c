/* The registry core: insurance names, persons, identities and numbers, and
 * insured relationships (spans) with their events. */
#include "svc/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/jsonx.h"
#include "svc/audit.h"

static const struct { const char *name; const char *zh; } insurances[INS_COUNT] = {
    [INS_PENSION] = {"pension", "养老保险"},
    [INS_MEDICAL] = {"medical", "医疗保险"},
    [INS_UNEMPLOYMENT] = {"unemployment", "失业保险"},
    [INS_INJURY] = {"injury", "工伤保险"},
    [INS_MATERNITY] = {"maternity", "生育保险"},
    [INS_HOUSING_FUND] = {"housing_fund", "住房公积金"},
    [INS_HOUSING_SUBSIDY] = {"housing_subsidy", "住房补贴"},
};

const char *reg_insurance_name(reg_insurance i) { return insurances[i].name; }
const char *reg_insurance_name_zh(reg_insurance i) { return insurances[i].zh; }

err_kind reg_insurance_parse(const char *s, const char *field, reg_insurance *out,
                             err_detail *err) {
    for (int i = 0; s && i < INS_COUNT; i++)
        if (strcmp(s, insurances[i].name) == 0) { *out = (reg_insurance)i; return ERR_OK; }
    return err_set(err, ERR_INVALID, "invalid_value", field,
                   "险种 %.32s 无效，可选：pension、medical、unemployment、injury、maternity、"
                   "housing_fund、housing_subsidy", s ? s : "");
}

err_kind reg_insurances_parse(const json_t *arr, const char *field, unsigned *out,
                              err_detail *err) {
    if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > INS_COUNT)
        return err_set(err, ERR_INVALID, "invalid_field", field, "字段 %s 应为 1 到 %d 个险种名称的数组",
                       field, INS_COUNT);
    unsigned bits = 0;
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        reg_insurance ins;
        err_kind k = reg_insurance_parse(json_string_value(v), field, &ins, err);
        if (k) return k;
        bits |= 1u << ins;
    }
    *out = bits;
    return ERR_OK;
}

static const struct { const char *kind; const char *zh; } hukou_kinds[] = {
    {"sip", "园区户籍"},          {"suzhou", "苏州市其他地区户籍"}, {"jiangsu", "省内非苏州户籍"},
    {"other_province", "外省户籍"}, {"hmt", "港澳台"},                {"foreign", "外籍"},
};

bool reg_hukou_valid(const char *kind) { return reg_hukou_name_zh(kind) != NULL; }

const char *reg_hukou_name_zh(const char *kind) {
    for (size_t i = 0; kind && i < sizeof hukou_kinds / sizeof hukou_kinds[0]; i++)
        if (strcmp(kind, hukou_kinds[i].kind) == 0) return hukou_kinds[i].zh;
    return NULL;
}

/* ---- small store helpers ---- */

/* ---- numbers ---- */

/* The next value of a named counter, starting at `first`. */
static err_kind counter_next(svc_ctx *ctx, const char *name, int64_t first, int64_t *out,
                             err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_REG_COUNTER_NEXT, &st, err);
    if (k) return k;
    store_bind_text(st, 1, name);
    store_bind_int(st, 2, first);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && row) *out = store_col_int(st, 0);
    store_stmt_done(st);
    return k;
}

/* The Suzhou social security number: 10 digits, "32" and an 8-digit sequence;
 * the park's number: "YQ" and 8 digits. Both unique by construction. */
static err_kind new_numbers(svc_ctx *ctx, char si[16], char park[16], err_detail *err) {
    int64_t a, b;
    err_kind k = counter_next(ctx, "si_number", 10000001, &a, err);
    if (!k) k = counter_next(ctx, "park_number", 20000001, &b, err);
    if (k) return k;
    snprintf(si, 16, "32%08lld", (long long)(a % 100000000));
    snprintf(park, 16, "YQ%08lld", (long long)(b % 100000000));
    return ERR_OK;
}

/* ---- persons ---- */

static err_kind person_check(const reg_person_new *in, idno_info *info, err_detail *err) {
    err_kind k = idno_check(in->id_kind, in->id_number, info, err);
    if (k) {
        snprintf(err->field, sizeof err->field, "id_number");
        return k;
    }
    if (!in->name || !*in->name || strlen(in->name) > REG_NAME_BYTES_MAX * 2)
        return err_set(err, ERR_INVALID, "invalid_field", "name", "姓名不能为空，且不超过 %d 字节",
                       REG_NAME_BYTES_MAX * 2);
    if (!info->has_birth && in->birth_date == 0)
        return err_set(err, ERR_INVALID, "missing_field", "birth_date", "该证件不含出生日期，请填写 birth_date");
    if (!info->sex && (!in->sex || (strcmp(in->sex, "M") != 0 && strcmp(in->sex, "F") != 0)))
        return err_set(err, ERR_INVALID, "missing_field", "sex", "该证件不含性别，请填写 sex（M 或 F）");
    if (in->hukou_kind && !reg_hukou_valid(in->hukou_kind))
        return err_set(err, ERR_INVALID, "invalid_value", "hukou_kind",
                       "户籍类别 %.24s 无效，可选：sip、suzhou、jiangsu、other_province、hmt、foreign",
                       in->hukou_kind);
    return ERR_OK;
}

static err_kind person_insert(svc_ctx *ctx, const reg_person_new *in, const idno_info *info,
                              int64_t *id_out, err_detail *err) {
    char si[16], park[16], birth[DATE_STR_BYTES];
    err_kind k = new_numbers(ctx, si, park, err);
    if (k) return k;
    date_format(info->has_birth ? info->birth_date : in->birth_date, birth);
    char sex[2] = {info->sex ? info->sex : in->sex[0], 0};
    const char *nat = in->nationality ? in->nationality : "CHN";
    store_stmt *st;
    k = store_prepare(ctx->tx, STORE_Q_REG_PERSON_INSERT, &st, err);
    if (k) return k;
    store_bind_text(st, 1, idno_kind_name(in->id_kind));
    store_bind_text(st, 2, info->normalized);
    store_bind_text(st, 3, in->name);
    store_bind_text(st, 4, sex);
    store_bind_text(st, 5, birth);
    store_bind_text(st, 6, in->mobile);
    store_bind_text(st, 7, nat);
    store_bind_text(st, 8, in->hukou_kind ? in->hukou_kind : "other_province");
    store_bind_text(st, 9, in->email);
    store_bind_text(st, 10, in->address);
    store_bind_text(st, 11, si);
    store_bind_text(st, 12, park);
    store_bind_int(st, 13, in->is_student ? 1 : 0);
    store_bind_int(st, 14, ctx->now_ms);
    k = store_step_all(st, err);
    if (k == ERR_CONFLICT)
        return err_set(err, ERR_CONFLICT, "person_exists", "id_number", "证件号码 %s 已登记", info->normalized);
    if (!k) *id_out = store_last_insert_id(ctx->tx);
    return k;
}

err_kind reg_person_create(svc_ctx *ctx, const reg_person_new *in, int64_t *id_out,
                           err_detail *err) {
    idno_info info;
    err_kind k = person_check(in, &info, err);
    if (k) return k;
    int64_t existing = 0;
    err_detail nf = {0};
    k = reg_person_find(ctx, info.normalized, &existing, &nf);
    if (k == ERR_OK)
        return err_set(err, ERR_CONFLICT, "person_exists", "id_number",
                       "证件号码 %s 已登记（参保人 %lld）", info.normalized, (long long)existing);
    if (k != ERR_NOT_FOUND) {   /* a store failure is not "nobody has it" */
        *err = nf;
        return k;
    }
    int64_t id = 0;
    k = person_insert(ctx, in, &info, &id, err);
    if (!k) k = store_exec(ctx->tx, STORE_Q_REG_IDENTITY_INSERT, err, "itttin", id,
                           idno_kind_name(in->id_kind), info.normalized, in->name, ctx->now_ms);
    char target[48];
    snprintf(target, sizeof target, "person:%lld", (long long)id);
    if (!k) k = audit_append(ctx, "person.create", target, "ok", "", err);
    if (!k) *id_out = id;
    return k;
}

err_kind reg_person_find(svc_ctx *ctx, const char *id_number, int64_t *id_out, err_detail *err) {
    char norm[48];
    size_t n = 0;
    for (const char *p = id_number ? id_number : ""; *p && n + 1 < sizeof norm; p++)
        if (*p != ' ') norm[n++] = (*p >= 'a' && *p <= 'z') ? (char)(*p - 32) : *p;
    norm[n] = 0;
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_REG_PERSON_FIND, &st, err);
    if (k) return k;
    store_bind_text(st, 1, norm);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && row) *id_out = store_col_int(st, 0);
    store_stmt_done(st);
    if (!k && !row) return err_set(err, ERR_NOT_FOUND, "person_not_found", "id_number", "未找到该参保人");
    return k;
}

static void copy_col(store_stmt *st, int col, char *dst, size_t cap) {
    snprintf(dst, cap, "%s", store_col_text(st, col));
}

err_kind reg_person_get(svc_ctx *ctx, int64_t id, reg_person *out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_REG_PERSON_GET, &st, err);
    if (k) return k;
    store_bind_int(st, 1, id);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && !row) k = err_set(err, ERR_NOT_FOUND, "person_not_found", NULL, "未找到该参保人");
    if (!k) {
        reg_person p;
        memset(&p, 0, sizeof p);
        p.id = store_col_int(st, 0);
        copy_col(st, 1, p.id_kind, sizeof p.id_kind);
        copy_col(st, 2, p.id_number, sizeof p.id_number);
        copy_col(st, 3, p.name, sizeof p.name);
        p.sex = store_col_text(st, 4)[0];
        const char *birth = store_col_text(st, 5);
        err_detail ignore = {0};
        if (*birth && date_parse(birth, "birth_date", &p.birth_date, &ignore)) p.birth_date = 0;
        copy_col(st, 6, p.nationality, sizeof p.nationality);
        copy_col(st, 7, p.hukou_kind, sizeof p.hukou_kind);
        copy_col(st, 8, p.si_number, sizeof p.si_number);
        copy_col(st, 9, p.park_number, sizeof p.park_number);
        p.is_student = store_col_int(st, 10) != 0;
        p.retired = store_col_int(st, 11) != 0;
        *out = p;
    }
    store_stmt_done(st);
    return k;
}

int reg_person_age(const reg_person *p, date_days on) {
    return p->birth_date ? date_age_years(p->birth_date, on) : -1;
}

/* ---- spans ---- */

static err_kind span_event(svc_ctx *ctx, int64_t span_id, int64_t person_id, const char *action,
                           const char *from, const char *to, month_ym month, const char *detail,
                           err_detail *err) {
    char today[DATE_STR_BYTES];
    date_format(ctx->business_date, today);
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_REG_SPAN_EVENT_INSERT, &st, err);
    if (k) return k;
    store_bind_int(st, 1, span_id);
    store_bind_int(st, 2, person_id);
    store_bind_int(st, 3, ctx->now_ms);
    store_bind_text(st, 4, today);
    store_bind_text(st, 5, action);
    store_bind_text(st, 6, from);
    store_bind_text(st, 7, to);
    store_bind_int(st, 8, month);
    store_bind_text(st, 9, detail ? detail : "");
    store_bind_id(st, 10, ctx->actor.user_id);
    return store_step_all(st, err);
}

static err_kind span_overlap_rule(svc_ctx *ctx, const reg_span_new *in, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_REG_SPAN_OVERLAP, &st, err);
    if (k) return k;
    store_bind_int(st, 1, in->person_id);
    store_bind_text(st, 2, reg_insurance_name(in->insurance));
    store_bind_int(st, 3, in->start_month);
    store_bind_int(st, 4, in->end_month ? in->end_month : 999912);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && row) {
        char data[200], from[MONTH_STR_BYTES], to[MONTH_STR_BYTES] = "";
        month_format((month_ym)store_col_int(st, 1), from);
        if (store_col_int(st, 2)) month_format((month_ym)store_col_int(st, 2), to);
        snprintf(data, sizeof data,
                 "{\"insurance\":\"%s\",\"span_id\":%lld,\"start_month\":\"%s\",\"end_month\":\"%s\"}",
                 reg_insurance_name(in->insurance), (long long)store_col_int(st, 0), from, to);
        err_rule_add(err, "already_insured", data, "已有%s参保关系（%s 起%s%s），时间重叠",
                     reg_insurance_name_zh(in->insurance), from, to[0] ? "至 " : "", to);
    }
    store_stmt_done(st);
    return k;
}

err_kind reg_span_open(svc_ctx *ctx, const reg_span_new *in, int64_t *span_id_out,
                       err_detail *err) {
    err_kind k = span_overlap_rule(ctx, in, err);
    if (!k) k = err_rules_finish(err);
    if (k) return k;
    store_stmt *st;
    k = store_prepare(ctx->tx, STORE_Q_REG_SPAN_INSERT, &st, err);
    if (k) return k;
    store_bind_int(st, 1, in->person_id);
    store_bind_id(st, 2, in->unit_id);
    store_bind_id(st, 3, in->employment_id);
    store_bind_text(st, 4, reg_insurance_name(in->insurance));
    store_bind_text(st, 5, in->payer);
    store_bind_text(st, 6, in->category);
    store_bind_text(st, 7, in->tier);
    store_bind_int(st, 8, in->start_month);
    if (in->end_month) store_bind_int(st, 9, in->end_month);
    else store_bind_null(st, 9);
    store_bind_text(st, 10, in->reason ? in->reason : "");
    store_bind_int(st, 11, ctx->now_ms);
    k = store_step_all(st, err);
    if (k) return k;
    int64_t id = store_last_insert_id(ctx->tx);
    k = span_event(ctx, id, in->person_id, "open", NULL, "normal", in->start_month, in->reason, err);
    if (!k) *span_id_out = id;
    return k;
}

typedef struct span_row {
    int64_t id, person_id;
    char status[16];
    month_ym start_month, end_month;
} span_row;

static err_kind span_load(svc_ctx *ctx, int64_t span_id, span_row *out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_REG_SPAN_GET, &st, err);
    if (k) return k;
    store_bind_int(st, 1, span_id);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && !row) k = err_set(err, ERR_NOT_FOUND, "span_not_found", NULL, "未找到该参保关系");
    if (!k) {
        out->id = store_col_int(st, 0);
        out->person_id = store_col_int(st, 1);
        snprintf(out->status, sizeof out->status, "%s", store_col_text(st, 2));
        out->start_month = (month_ym)store_col_int(st, 3);
        out->end_month = (month_ym)store_col_int(st, 4);
    }
    store_stmt_done(st);
    return k;
}

err_kind reg_span_close(svc_ctx *ctx, int64_t span_id, month_ym end_month, const char *status,
                        const char *reason, err_detail *err) {
    span_row s;
    err_kind k = span_load(ctx, span_id, &s, err);
    if (k) return k;
    if (s.end_month)
        return err_set(err, ERR_CONFLICT, "span_closed", NULL, "该参保关系已于 %d 年 %d 月终止",
                       s.end_month / 100, s.end_month % 100);
    if (end_month < s.start_month) end_month = s.start_month;   /* never before it began */
    k = store_exec(ctx->tx, STORE_Q_REG_SPAN_CLOSE, err, "iitti", span_id, (int64_t)end_month,
                   status, reason ? reason : "", ctx->now_ms);
    if (!k) k = span_event(ctx, span_id, s.person_id, "close", s.status, status, end_month, reason, err);
    return k;
}

err_kind reg_span_set_status(svc_ctx *ctx, int64_t span_id, const char *status,
                             month_ym effective_month, const char *reason, err_detail *err) {
    span_row s;
    err_kind k = span_load(ctx, span_id, &s, err);
    if (k) return k;
    if (s.end_month)
        return err_set(err, ERR_CONFLICT, "span_closed", NULL, "该参保关系已终止，不能变更状态");
    if (strcmp(s.status, status) == 0)
        return err_set(err, ERR_CONFLICT, "span_same_status", NULL, "参保关系已是该状态");
    k = store_exec(ctx->tx, STORE_Q_REG_SPAN_SET_STATUS, err, "itti", span_id, status,
                   reason ? reason : "", ctx->now_ms);
    const char *action = strcmp(status, "suspended") == 0 ? "suspend" : "resume";
    if (!k) k = span_event(ctx, span_id, s.person_id, action, s.status, status, effective_month, reason, err);
    return k;
}

err_kind reg_span_note(svc_ctx *ctx, int64_t span_id, const char *action, month_ym effective_month,
                       const char *detail, err_detail *err) {
    span_row s;
    err_kind k = span_load(ctx, span_id, &s, err);
    if (!k) k = span_event(ctx, span_id, s.person_id, action, s.status, s.status, effective_month, detail, err);
    return k;
}

err_kind reg_span_active(svc_ctx *ctx, int64_t person_id, reg_insurance ins, month_ym month,
                         int64_t *span_id_out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_REG_SPAN_ACTIVE, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    store_bind_text(st, 2, reg_insurance_name(ins));
    store_bind_int(st, 3, month);
    bool row = false;
    k = store_step(st, &row, err);
    *span_id_out = (!k && row) ? store_col_int(st, 0) : 0;
    store_stmt_done(st);
    return k;
}

static json_t *month_or_null(int64_t m) {
    return m ? jsonx_month_new((month_ym)m) : json_null();
}

static err_kind span_events_json(svc_ctx *ctx, int64_t span_id, json_t **out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_REG_SPAN_EVENTS, &st, err);
    if (k) return k;
    store_bind_int(st, 1, span_id);
    json_t *arr = json_array();
    bool row = false;
    while (!(k = store_step(st, &row, err)) && row) {
        char at[CLOCK_STR_BYTES];
        clock_format(store_col_int(st, 0), CLOCK_ISO, at);
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s}", "at", at,
            "business_date", store_col_text(st, 1), "action", store_col_text(st, 2), "from",
            store_col_text(st, 3), "to", store_col_text(st, 4), "effective_month",
            jsonx_month_new((month_ym)store_col_int(st, 5)), "detail", store_col_text(st, 6)));
    }
    store_stmt_done(st);
    if (k) { json_decref(arr); return k; }
    *out = arr;
    return ERR_OK;
}

static json_t *span_json(store_stmt *st) {
    reg_insurance ins = INS_PENSION;
    err_detail ignore = {0};
    reg_insurance_parse(store_col_text(st, 4), "insurance", &ins, &ignore);
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s}",
        "id", (json_int_t)store_col_int(st, 0), "insurance", store_col_text(st, 4),
        "insurance_zh", reg_insurance_name_zh(ins), "payer", store_col_text(st, 5),
        "category", store_col_text(st, 6), "start_month", jsonx_month_new((month_ym)store_col_int(st, 8)),
        "end_month", month_or_null(store_col_int(st, 9)), "status", store_col_text(st, 10),
        "reason", store_col_text(st, 11));
    if (!store_col_is_null(st, 1)) {
        json_object_set_new(o, "unit_id", json_integer(store_col_int(st, 1)));
        json_object_set_new(o, "unit_name", json_string(store_col_text(st, 2)));
    }
    if (!store_col_is_null(st, 3)) json_object_set_new(o, "employment_id", json_integer(store_col_int(st, 3)));
    if (*store_col_text(st, 7)) json_object_set_new(o, "tier", json_string(store_col_text(st, 7)));
    return o;
}

err_kind reg_spans_json(svc_ctx *ctx, int64_t person_id, int64_t unit_id, bool with_events,
                        json_t **out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_REG_SPANS_OF_PERSON, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    store_bind_int(st, 2, unit_id);
    json_t *arr = json_array();
    bool row = false;
    while (!(k = store_step(st, &row, err)) && row) json_array_append_new(arr, span_json(st));
    store_stmt_done(st);
    size_t i;
    json_t *sp;
    json_array_foreach(arr, i, sp) {
        if (k || !with_events) break;
        json_t *ev = NULL;
        k = span_events_json(ctx, json_integer_value(json_object_get(sp, "id")), &ev, err);
        if (!k) json_object_set_new(sp, "events", ev);
    }
    if (k) { json_decref(arr); return k; }
    *out = arr;
    return ERR_OK;
}

err_kind reg_category(svc_ctx *ctx, const char *category, unsigned *included, unsigned *optional,
                      err_detail *err) {
    const json_t *cats;
    err_kind k = policy_get_json(ctx->pol, "registry.categories", ctx->business_date, &cats, err);
    if (k) return k;
    const json_t *c = category ? json_object_get(cats, category) : NULL;
    if (!json_is_object(c))
        return err_set(err, ERR_INVALID, "invalid_category", "category", "参保类别 %.32s 无效",
                       category ? category : "");
    k = reg_insurances_parse(json_object_get(c, "insurances"), "category", included, err);
    if (k) return k;
    const json_t *opt = json_object_get(c, "optional");
    *optional = 0;
    if (json_array_size(opt) > 0) k = reg_insurances_parse(opt, "category", optional, err);
    return k;
}
