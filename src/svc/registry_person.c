/* The registry's persons: registration, visibility and reads, search,
 * non-key and key changes, history, relationships and the certificate data.
 * See svc/registry_person.h for the contract. */
#include "svc/registry_person.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonx.h"
#include "base/limits.h"
#include "svc/application.h"
#include "svc/audit.h"

enum { TARGET_BYTES = 64, DATA_BYTES = 256, NORM_BYTES = 48 };

/* ---- small helpers ---- */

/* A rule's data as compact JSON; takes the reference. Too long for a rule's
 * slot (it would be cut into invalid JSON) gives "{}". */
static const char *rule_data(json_t *o, char out[DATA_BYTES]) {
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    snprintf(out, DATA_BYTES, "%s", (s && strlen(s) < DATA_BYTES) ? s : "{}");
    free(s);
    return out;
}

static bool blank(const char *s) {
    for (size_t i = 0; s && s[i] && i < LIMIT_TEXT_FIELD_BYTES_MAX; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') return false;
    return true;
}

static bool is_counter(svc_role r) {
    return r == ROLE_CLERK || r == ROLE_ADMIN || r == ROLE_SYSTEM;
}

static err_kind not_found(err_detail *err) {
    return err_set(err, ERR_NOT_FOUND, "person_not_found", NULL, "未找到该参保人");
}

static err_kind audit_person(svc_ctx *ctx, const char *action, int64_t person_id,
                             const char *outcome, const char *detail, err_detail *err) {
    char target[TARGET_BYTES];
    snprintf(target, sizeof target, "person:%" PRId64, person_id);
    return audit_append(ctx, action, target, outcome, detail, err);
}

static err_kind audit_read(svc_ctx *ctx, int64_t person_id, const char *what, err_detail *err) {
    return audit_person(ctx, "person.read", person_id, "ok", what, err);
}

/* Upper case, spaces dropped: the form ID numbers are stored in. */
static void normalize_id(const char *s, char out[NORM_BYTES]) {
    size_t n = 0;
    for (const char *p = s ? s : ""; *p && n + 1 < NORM_BYTES; p++)
        if (*p != ' ') out[n++] = (*p >= 'a' && *p <= 'z') ? (char)(*p - 32) : *p;
    out[n] = 0;
}

void reg_person_mask_id(const char *id_number, char out[REG_ID_MASKED_BYTES]) {
    size_t n = strnlen(id_number ? id_number : "", REG_ID_MASKED_BYTES - 1);
    size_t keep = n >= 12 ? 4 : 2;
    for (size_t i = 0; i < n; i++)
        out[i] = (i < keep || i + keep >= n) ? id_number[i] : '*';
    out[n] = 0;
}

static idno_kind kind_or_resident(const char *name) {
    idno_kind k = IDNO_RESIDENT;
    err_detail ignore = {0};
    idno_kind_parse(name, &k, &ignore);
    return k;
}

/* ---- one person's row ---- */

typedef struct person_row {
    int64_t id;
    const char *id_kind, *id_number, *name, *sex, *birth_date, *nationality, *hukou_kind;
    const char *mobile, *email, *address, *si_number, *park_number, *retired_on;
    bool is_student;
    int64_t created_at_ms, updated_at_ms;
} person_row;

static void row_read(svc_ctx *ctx, store_stmt *st, person_row *r) {
    const char **text[] = {&r->id_kind, &r->id_number, &r->name, &r->sex, &r->birth_date,
                           &r->nationality, &r->hukou_kind, &r->mobile, &r->email, &r->address,
                           &r->si_number, &r->park_number};
    r->id = store_col_int(st, 0);
    for (int i = 0; i < 12; i++) *text[i] = arena_strdup(ctx->ar, store_col_text(st, 1 + i));
    r->is_student = store_col_int(st, 13) != 0;
    r->retired_on = arena_strdup(ctx->ar, store_col_text(st, 14));
    r->created_at_ms = store_col_int(st, 15);
    r->updated_at_ms = store_col_int(st, 16);
}

static err_kind row_load(svc_ctx *ctx, int64_t id, person_row *out, err_detail *err) {
    if (id <= 0) return not_found(err);
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_PERSON_DETAIL, &st, err);
    if (k) return k;
    store_bind_int(st, 1, id);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && !row) k = not_found(err);
    if (!k) row_read(ctx, st, out);
    store_stmt_done(st);
    return k;
}

static json_t *str_or_null(const char *s) {
    return (s && *s) ? json_string(s) : json_null();
}

static json_t *row_json(svc_ctx *ctx, const person_row *r) {
    idno_kind kind = kind_or_resident(r->id_kind);
    date_days birth = 0;
    err_detail ignore = {0};
    bool has_birth = *r->birth_date && date_parse(r->birth_date, "birth_date", &birth, &ignore) == ERR_OK;
    const char *hukou_zh = reg_hukou_name_zh(r->hukou_kind);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(r->id));
    json_object_set_new(o, "id_kind", json_string(r->id_kind));
    json_object_set_new(o, "id_kind_zh", json_string(idno_kind_name_zh(kind)));
    json_object_set_new(o, "id_number", json_string(r->id_number));
    json_object_set_new(o, "name", json_string(r->name));
    json_object_set_new(o, "sex", str_or_null(r->sex));
    json_object_set_new(o, "birth_date", has_birth ? jsonx_date_new(birth) : json_null());
    json_object_set_new(o, "age", has_birth ? json_integer(date_age_years(birth, ctx->business_date))
                                            : json_null());
    json_object_set_new(o, "nationality", json_string(r->nationality));
    json_object_set_new(o, "hukou_kind", json_string(r->hukou_kind));
    json_object_set_new(o, "hukou_kind_zh", json_string(hukou_zh ? hukou_zh : r->hukou_kind));
    json_object_set_new(o, "mobile", str_or_null(r->mobile));
    json_object_set_new(o, "email", str_or_null(r->email));
    json_object_set_new(o, "address", str_or_null(r->address));
    json_object_set_new(o, "si_number", str_or_null(r->si_number));
    json_object_set_new(o, "park_number", str_or_null(r->park_number));
    json_object_set_new(o, "is_student", json_boolean(r->is_student));
    json_object_set_new(o, "retired_on", str_or_null(r->retired_on));
    return o;
}

/* ---- contacts ---- */

static err_kind check_mobile(const char *m, err_detail *err) {
    size_t n = strnlen(m, REG_MOBILE_DIGITS + 1);
    bool ok = n == REG_MOBILE_DIGITS && m[0] == '1';
    for (size_t i = 0; ok && i < n; i++) ok = m[i] >= '0' && m[i] <= '9';
    if (ok) return ERR_OK;
    char echo[ERR_ECHO_BYTES];
    err_echo(m, echo);
    return err_set(err, ERR_INVALID, "invalid_field", "mobile",
                   "手机号码应为以 1 开头的 %d 位数字：%s", REG_MOBILE_DIGITS, echo);
}

/* One '@' between a non-empty local part and a domain with an inner dot;
 * printable ASCII without spaces. */
static err_kind check_email(const char *e, err_detail *err) {
    size_t n = strnlen(e, REG_EMAIL_BYTES_MAX + 1);
    const char *at = strchr(e, '@');
    bool ok = n <= REG_EMAIL_BYTES_MAX && at && at != e && !strchr(at + 1, '@');
    for (size_t i = 0; ok && i < n; i++) ok = e[i] > ' ' && e[i] < 127;
    const char *dot = ok ? strrchr(at, '.') : NULL;
    ok = ok && dot && dot > at + 1 && dot[1] != 0;
    if (ok) return ERR_OK;
    char echo[ERR_ECHO_BYTES];
    err_echo(e, echo);
    return err_set(err, ERR_INVALID, "invalid_field", "email",
                   "电子邮箱格式不正确（最多 %d 字节）：%s", REG_EMAIL_BYTES_MAX, echo);
}

static err_kind check_contacts(const char *mobile, const char *email, const char *address,
                               err_detail *err) {
    if (mobile) {
        err_kind k = check_mobile(mobile, err);
        if (k) return k;
    }
    if (email) {
        err_kind k = check_email(email, err);
        if (k) return k;
    }
    if (address && strnlen(address, REG_ADDRESS_BYTES_MAX + 1) > REG_ADDRESS_BYTES_MAX)
        return err_set(err, ERR_INVALID, "invalid_field", "address", "地址过长（最多 %d 字节）",
                       REG_ADDRESS_BYTES_MAX);
    return ERR_OK;
}

/* ---- nationality, document and hukou ---- */

typedef enum nat_class { NAT_CHINESE, NAT_HMT, NAT_FOREIGN } nat_class;

static nat_class nat_class_of(const char *nat) {
    if (strcmp(nat, "CHN") == 0) return NAT_CHINESE;
    if (!strcmp(nat, "HKG") || !strcmp(nat, "MAC") || !strcmp(nat, "TWN")) return NAT_HMT;
    return NAT_FOREIGN;
}

static err_kind check_nationality(const char *nat, err_detail *err) {
    bool ok = strlen(nat) == 3;
    for (int i = 0; ok && i < 3; i++) ok = nat[i] >= 'A' && nat[i] <= 'Z';
    if (ok) return ERR_OK;
    char echo[ERR_ECHO_BYTES];
    err_echo(nat, echo);
    return err_set(err, ERR_INVALID, "invalid_value", "nationality",
                   "国籍应为 ISO 3166 三位大写字母代码（港澳台为 HKG、MAC、TWN）：%s", echo);
}

/* The nationality a document implies, or NULL when its number does not say
 * (a passport; the 2023 permanent residence card). */
static const char *doc_nationality(const idno_info *info, char buf[4]) {
    const char *s = info->normalized;
    switch (info->kind) {
    case IDNO_RESIDENT: return "CHN";
    case IDNO_TW_PERMIT: return "TWN";
    case IDNO_HKMO_PERMIT: return s[0] == 'H' ? "HKG" : "MAC";
    case IDNO_HMT_RESIDENCE: return s[1] == '1' ? "HKG" : s[1] == '2' ? "MAC" : "TWN";
    case IDNO_FOREIGN_PR:
        if (strlen(s) != 15) return NULL;
        snprintf(buf, 4, "%.3s", s);
        return buf;
    default: return NULL;
    }
}

static const char *default_hukou(const char *nat) {
    switch (nat_class_of(nat)) {
    case NAT_CHINESE: return "other_province";
    case NAT_HMT: return "hmt";
    default: return "foreign";
    }
}

static bool hukou_fits(const char *nat, const char *hukou) {
    switch (nat_class_of(nat)) {
    case NAT_HMT: return strcmp(hukou, "hmt") == 0;
    case NAT_FOREIGN: return strcmp(hukou, "foreign") == 0;
    default: return strcmp(hukou, "hmt") != 0 && strcmp(hukou, "foreign") != 0;
    }
}

static void rule_hukou(const char *nat, const char *hukou, err_detail *err) {
    if (hukou_fits(nat, hukou)) return;
    static const char *const fits_zh[] = {
        [NAT_CHINESE] = "园区、苏州市其他地区、省内非苏州或外省户籍",
        [NAT_HMT] = "港澳台", [NAT_FOREIGN] = "外籍"};
    static const char *const who_zh[] = {
        [NAT_CHINESE] = "中国公民", [NAT_HMT] = "港澳台居民", [NAT_FOREIGN] = "外国人"};
    nat_class c = nat_class_of(nat);
    char data[DATA_BYTES];
    rule_data(json_pack("{s:s, s:s}", "nationality", nat, "hukou_kind", hukou), data);
    err_rule_add(err, "hukou_mismatch", data, "%s（%s）的户籍类别应为%s，不能是%s", who_zh[c], nat,
                 fits_zh[c], reg_hukou_name_zh(hukou));
}

/* The document fits the nationality: what its number implies, and a
 * permanent residence card only for foreigners. */
static void rule_document(const idno_info *info, const char *nat, err_detail *err) {
    char buf[4];
    const char *implied = doc_nationality(info, buf);
    bool ok = implied ? strcmp(implied, nat) == 0
                      : (info->kind != IDNO_FOREIGN_PR || nat_class_of(nat) == NAT_FOREIGN);
    if (ok) return;
    char data[DATA_BYTES];
    rule_data(json_pack("{s:s, s:s, s:s?}", "id_kind", idno_kind_name(info->kind), "nationality",
                        nat, "implied", implied), data);
    if (implied)
        err_rule_add(err, "nationality_mismatch", data, "%s号码对应的国籍或地区为 %s，与填写的 %s 不符",
                     idno_kind_name_zh(info->kind), implied, nat);
    else
        err_rule_add(err, "nationality_mismatch", data, "%s只发给外国人，国籍不能是 %s",
                     idno_kind_name_zh(info->kind), nat);
}

/* ---- registration ---- */

static void rule_birth_sex(svc_ctx *ctx, const reg_person_new *in, const idno_info *info,
                           err_detail *err) {
    char a[DATE_STR_BYTES], b[DATE_STR_BYTES], data[DATA_BYTES];
    if (info->has_birth && in->birth_date && in->birth_date != info->birth_date) {
        date_format(info->birth_date, a);
        date_format(in->birth_date, b);
        rule_data(json_pack("{s:s, s:s}", "document", a, "given", b), data);
        err_rule_add(err, "birth_date_mismatch", data, "证件号码中的出生日期为 %s，与填写的 %s 不符", a, b);
    }
    if (info->sex && in->sex && in->sex[0] != info->sex) {
        char d[2] = {info->sex, 0};
        rule_data(json_pack("{s:s, s:s}", "document", d, "given", in->sex), data);
        err_rule_add(err, "sex_mismatch", data, "证件号码中的性别为 %s，与填写的 %s 不符", d, in->sex);
    }
    date_days birth = info->has_birth ? info->birth_date : in->birth_date;
    if (birth > ctx->business_date) {
        date_format(birth, a);
        date_format(ctx->business_date, b);
        rule_data(json_pack("{s:s, s:s}", "birth_date", a, "business_date", b), data);
        err_rule_add(err, "birth_in_future", data, "出生日期 %s 晚于业务日期 %s", a, b);
    }
}

/* What the document itself does not give must be given (as reg_person_create
 * requires), checked before the rules so bad input is named first. */
static err_kind check_register_input(const reg_person_new *in, const idno_info *info,
                                     err_detail *err) {
    if (in->sex && strcmp(in->sex, "M") != 0 && strcmp(in->sex, "F") != 0)
        return err_set(err, ERR_INVALID, "invalid_value", "sex", "性别应为 M 或 F");
    if (!info->has_birth && in->birth_date == 0)
        return err_set(err, ERR_INVALID, "missing_field", "birth_date", "该证件不含出生日期，请填写 birth_date");
    if (!info->sex && !in->sex)
        return err_set(err, ERR_INVALID, "missing_field", "sex", "该证件不含性别，请填写 sex（M 或 F）");
    if (in->hukou_kind && !reg_hukou_valid(in->hukou_kind))
        return err_set(err, ERR_INVALID, "invalid_value", "hukou_kind",
                       "户籍类别无效，可选：sip、suzhou、jiangsu、other_province、hmt、foreign");
    if (in->nationality) return check_nationality(in->nationality, err);
    return ERR_OK;
}

err_kind reg_person_register(svc_ctx *ctx, const reg_person_new *in, int64_t *id_out,
                             err_detail *err) {
    idno_info info;
    err_kind k = idno_check(in->id_kind, in->id_number, &info, err);
    if (k) {
        snprintf(err->field, sizeof err->field, "id_number");
        return k;
    }
    k = check_register_input(in, &info, err);
    if (!k) k = check_contacts(in->mobile, in->email, in->address, err);
    if (k) return k;
    char buf[4];
    const char *nat = in->nationality ? in->nationality : doc_nationality(&info, buf);
    if (!nat)
        return err_set(err, ERR_INVALID, "missing_field", "nationality",
                       "%s号码不含国籍，请填写 nationality（ISO 3166 三位字母代码）",
                       idno_kind_name_zh(in->id_kind));
    const char *hukou = in->hukou_kind ? in->hukou_kind : default_hukou(nat);
    rule_document(&info, nat, err);
    rule_hukou(nat, hukou, err);
    rule_birth_sex(ctx, in, &info, err);
    k = err_rules_finish(err);
    if (k) return k;
    reg_person_new full = *in;
    full.nationality = arena_strdup(ctx->ar, nat);
    full.hukou_kind = hukou;
    return reg_person_create(ctx, &full, id_out, err);
}

/* ---- visibility and reads ---- */

static err_kind person_at_unit(svc_ctx *ctx, int64_t person_id, int64_t unit_id, bool *out,
                               err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_PERSON_AT_UNIT, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    store_bind_int(st, 2, unit_id);
    bool row = false;
    k = store_step(st, &row, err);
    store_stmt_done(st);
    if (!k) *out = row;
    return k;
}

err_kind reg_person_visible(svc_ctx *ctx, int64_t person_id, int64_t *unit_scope,
                            err_detail *err) {
    *unit_scope = 0;
    if (person_id <= 0) return not_found(err);
    svc_role r = ctx->actor.role;
    if (r == ROLE_PERSON && ctx->actor.person_id != person_id) return not_found(err);
    if (r != ROLE_PERSON && r != ROLE_UNIT && !svc_role_is_staff(r)) return not_found(err);
    reg_person p;
    err_kind k = reg_person_get(ctx, person_id, &p, err);
    if (k || r != ROLE_UNIT) return k;
    bool linked = false;
    k = ctx->actor.unit_id > 0 ? person_at_unit(ctx, person_id, ctx->actor.unit_id, &linked, err)
                               : ERR_OK;
    if (!k && !linked) return not_found(err);
    if (!k) *unit_scope = ctx->actor.unit_id;
    return k;
}

/* Visible, and not to a unit operator (the person's own papers). */
static err_kind visible_not_unit(svc_ctx *ctx, int64_t person_id, err_detail *err) {
    int64_t scope = 0;
    err_kind k = reg_person_visible(ctx, person_id, &scope, err);
    if (!k && scope > 0) return not_found(err);
    return k;
}

err_kind reg_person_read(svc_ctx *ctx, int64_t person_id, json_t **out, err_detail *err) {
    int64_t scope;
    person_row r;
    err_kind k = reg_person_visible(ctx, person_id, &scope, err);
    if (!k) k = row_load(ctx, person_id, &r, err);
    if (!k) k = audit_read(ctx, person_id, "record", err);
    if (!k) *out = row_json(ctx, &r);
    return k;
}

/* ---- search ---- */

static const char *opt_text(const char *s) { return (s && *s) ? s : NULL; }

static err_kind check_query(const svc_ctx *ctx, const reg_person_query *q, err_detail *err) {
    if (!svc_role_is_staff(ctx->actor.role))
        return err_set(err, ERR_FORBIDDEN, "forbidden", NULL, "%s无权查询参保人",
                       svc_role_name_zh(ctx->actor.role));
    if (!opt_text(q->id_number) && !opt_text(q->name) && !opt_text(q->si_number) &&
        !opt_text(q->park_number))
        return err_set(err, ERR_INVALID, "missing_field", "id_number",
                       "请至少提供一个查询条件：id_number、name、si_number 或 park_number");
    if (q->name && strlen(q->name) > REG_NAME_BYTES_MAX * 2)
        return err_set(err, ERR_INVALID, "invalid_field", "name", "姓名过长（最多 %d 字节）",
                       REG_NAME_BYTES_MAX * 2);
    if (q->limit < 1 || q->limit > LIMIT_QUERY_ROWS_MAX)
        return err_set(err, ERR_INVALID, "invalid_value", "limit", "条数（limit）须在 1 到 %d 之间",
                       LIMIT_QUERY_ROWS_MAX);
    return ERR_OK;
}

/* Fetches up to limit + 1 rows, to tell the caller that more matched. */
static err_kind search_rows(svc_ctx *ctx, const reg_person_query *q, json_t *items,
                            bool *truncated, err_detail *err) {
    char norm[NORM_BYTES];
    normalize_id(q->id_number, norm);
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_PERSON_SEARCH, &st, err);
    if (k) return k;
    store_bind_text(st, 1, opt_text(q->id_number) ? norm : NULL);
    store_bind_text(st, 2, opt_text(q->name));
    store_bind_text(st, 3, opt_text(q->si_number));
    store_bind_text(st, 4, opt_text(q->park_number));
    store_bind_int(st, 5, (int64_t)q->limit + 1);
    bool row = true;
    *truncated = false;
    for (int n = 0; n <= q->limit; n++) {
        k = store_step(st, &row, err);
        if (k || !row) break;
        if (n == q->limit) { *truncated = true; break; }
        person_row r;
        row_read(ctx, st, &r);
        json_array_append_new(items, row_json(ctx, &r));
    }
    store_stmt_done(st);
    return k;
}

err_kind reg_person_search(svc_ctx *ctx, const reg_person_query *q, json_t **out,
                           err_detail *err) {
    err_kind k = check_query(ctx, q, err);
    if (k) return k;
    json_t *items = json_array();
    bool truncated = false;
    k = search_rows(ctx, q, items, &truncated, err);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        if (k) break;
        k = audit_read(ctx, json_integer_value(json_object_get(it, "id")), "search", err);
    }
    if (k) { json_decref(items); return k; }
    *out = json_pack("{s:I, s:b, s:o}", "count", (json_int_t)json_array_size(items), "truncated",
                     truncated, "items", items);
    return ERR_OK;
}

/* ---- changes ---- */

static err_kind change_row(svc_ctx *ctx, int64_t person_id, const char *field, const char *old_v,
                           const char *new_v, int64_t app_id, err_detail *err) {
    char today[DATE_STR_BYTES];
    date_format(ctx->business_date, today);
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_PERSON_CHANGE_INSERT, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    store_bind_text(st, 2, field);
    store_bind_text(st, 3, (old_v && *old_v) ? old_v : NULL);
    store_bind_text(st, 4, (new_v && *new_v) ? new_v : NULL);
    store_bind_text(st, 5, today);
    store_bind_id(st, 6, ctx->actor.user_id);
    store_bind_id(st, 7, app_id);
    store_bind_int(st, 8, ctx->now_ms);
    return store_step_all(st, err);
}

static err_kind update_allowed(svc_ctx *ctx, int64_t person_id, err_detail *err) {
    svc_role r = ctx->actor.role;
    if (r == ROLE_PERSON) return ctx->actor.person_id == person_id ? ERR_OK : not_found(err);
    if (is_counter(r)) return ERR_OK;
    return err_set(err, ERR_FORBIDDEN, "forbidden", NULL, "%s无权变更参保人信息",
                   svc_role_name_zh(r));
}

static err_kind update_rules(svc_ctx *ctx, const person_row *r, const reg_person_update *in,
                             err_detail *err) {
    if (!in->hukou_kind) return ERR_OK;
    if (!reg_hukou_valid(in->hukou_kind))
        return err_set(err, ERR_INVALID, "invalid_value", "hukou_kind",
                       "户籍类别无效，可选：sip、suzhou、jiangsu、other_province、hmt、foreign");
    char data[DATA_BYTES];
    if (ctx->actor.role == ROLE_PERSON) {
        rule_data(json_pack("{s:s}", "hukou_kind", in->hukou_kind), data);
        err_rule_add(err, "hukou_by_counter", data, "户籍类别的变更请携户口簿到柜面办理");
    }
    rule_hukou(r->nationality, in->hukou_kind, err);
    return err_rules_finish(err);
}

typedef struct field_change { const char *field, *old_v, *new_v; } field_change;

/* The fields given that differ from the row; unchanged ones are not rows. */
static int diff_contacts(const person_row *r, const reg_person_update *in, field_change out[4]) {
    const field_change all[4] = {{"mobile", r->mobile, in->mobile}, {"email", r->email, in->email},
                                 {"address", r->address, in->address},
                                 {"hukou_kind", r->hukou_kind, in->hukou_kind}};
    int n = 0;
    for (int i = 0; i < 4; i++)
        if (all[i].new_v && strcmp(all[i].old_v, all[i].new_v) != 0) out[n++] = all[i];
    return n;
}

static err_kind save_contacts(svc_ctx *ctx, const person_row *r, const reg_person_update *in,
                              err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_PERSON_SET_CONTACTS, &st, err);
    if (k) return k;
    store_bind_int(st, 1, r->id);
    store_bind_text(st, 2, opt_text(in->mobile ? in->mobile : r->mobile));
    store_bind_text(st, 3, opt_text(in->email ? in->email : r->email));
    store_bind_text(st, 4, opt_text(in->address ? in->address : r->address));
    store_bind_text(st, 5, in->hukou_kind ? in->hukou_kind : r->hukou_kind);
    store_bind_int(st, 6, ctx->now_ms);
    return store_step_all(st, err);
}

err_kind reg_person_update_contacts(svc_ctx *ctx, int64_t person_id, const reg_person_update *in,
                                    int *changed_out, err_detail *err) {
    person_row r;
    err_kind k = update_allowed(ctx, person_id, err);
    if (!k) k = row_load(ctx, person_id, &r, err);
    if (k) return k;
    if (!in->mobile && !in->email && !in->address && !in->hukou_kind)
        return err_set(err, ERR_INVALID, "missing_field", "mobile",
                       "请至少提供一项变更：mobile、email、address 或 hukou_kind");
    k = check_contacts(in->mobile, in->email, in->address, err);
    if (!k) k = update_rules(ctx, &r, in, err);
    if (k) return k;
    field_change ch[4];
    int n = diff_contacts(&r, in, ch);
    if (n > 0) k = save_contacts(ctx, &r, in, err);
    const char *fields = "";
    for (int i = 0; i < n && !k; i++) {
        k = change_row(ctx, person_id, ch[i].field, ch[i].old_v, ch[i].new_v, 0, err);
        fields = arena_printf(ctx->ar, "%s%s%s", fields, i ? "," : "", ch[i].field);
    }
    if (!k && n > 0) k = audit_person(ctx, "person.update", person_id, "ok", fields, err);
    if (!k && changed_out) *changed_out = n;
    return k;
}

/* ---- key changes ---- */

typedef struct key_change {
    int64_t person_id;           /* from the payload, 0 when absent */
    const char *reason, *proof;  /* NULL when absent or not text */
    const char *name, *id_number, *id_kind;   /* NULL: unchanged */
} key_change;

static err_kind change_text(const json_t *o, const char *key, size_t max, const char **out,
                            err_detail *err) {
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) return ERR_OK;
    if (!json_is_string(v) || json_string_length(v) > max)
        return err_set(err, ERR_INVALID, "invalid_field", key, "字段 %s 应为不超过 %zu 字节的文本",
                       key, max);
    *out = json_string_value(v);
    return ERR_OK;
}

static err_kind key_change_parse(const json_t *payload, key_change *kc, err_detail *err) {
    static const char *const top[] = {"reason", "changes", "proof", "person_id", NULL};
    static const char *const inner[] = {"name", "id_number", "id_kind", NULL};
    memset(kc, 0, sizeof *kc);
    if (!json_is_object(payload))
        return err_set(err, ERR_INVALID, "invalid_field", "payload", "申请内容应为 JSON 对象");
    const json_t *changes = json_object_get(payload, "changes");
    err_kind k = jsonx_only(payload, top, err);
    if (!k) k = jsonx_int(payload, "person_id", false, 1, INT64_MAX, &kc->person_id, err);
    if (!k) k = change_text(payload, "reason", 64, &kc->reason, err);
    if (!k) k = change_text(payload, "proof", REG_PROOF_BYTES_MAX, &kc->proof, err);
    if (!k && changes && !json_is_object(changes))
        k = err_set(err, ERR_INVALID, "invalid_field", "changes", "字段 changes 应为 JSON 对象");
    if (k || !changes) return k;
    k = jsonx_only(changes, inner, err);
    if (!k) k = change_text(changes, "name", REG_NAME_BYTES_MAX * 2, &kc->name, err);
    if (!k) k = change_text(changes, "id_number", 64, &kc->id_number, err);
    if (!k) k = change_text(changes, "id_kind", 32, &kc->id_kind, err);
    return k;
}

/* The person a key change is about: the record's or the payload's, which
 * must agree when both are given. */
static err_kind key_change_person(const key_change *kc, int64_t person_id, int64_t *out,
                                  err_detail *err) {
    if (person_id > 0 && kc->person_id > 0 && person_id != kc->person_id)
        return err_set(err, ERR_INVALID, "invalid_field", "person_id",
                       "申请内容中的参保人（%" PRId64 "）与办件的参保人（%" PRId64 "）不一致",
                       kc->person_id, person_id);
    *out = person_id > 0 ? person_id : kc->person_id;
    if (*out <= 0)
        return err_set(err, ERR_INVALID, "missing_field", "person_id", "请指定参保人（person_id）");
    return ERR_OK;
}

/* The identity after the change, computed from the row and the payload. */
typedef struct new_identity {
    idno_kind kind;
    const char *kind_name;
    char number[NORM_BYTES];
    const char *name;
    bool doc_changed;            /* kind or number differs */
    idno_info info;              /* valid when doc_changed and doc_ok */
    bool doc_ok;
} new_identity;

static void rule_reason(svc_ctx *ctx, const key_change *kc, const json_t *reasons,
                        err_detail *err) {
    const json_t *r = kc->reason ? json_object_get(reasons, kc->reason) : NULL;
    char data[DATA_BYTES];
    if (!json_is_object(r)) {
        json_t *known = json_array();
        const char *key;
        const json_t *v;
        const char *list = "";
        json_object_foreach((json_t *)reasons, key, v) {
            json_array_append_new(known, json_string(key));
            list = arena_printf(ctx->ar, "%s%s%s（%s）", list, *list ? "、" : "",
                                json_string_value(json_object_get(v, "name_zh")), key);
        }
        rule_data(json_pack("{s:s?, s:o}", "reason", kc->reason, "known", known), data);
        err_rule_add(err, "unknown_reason", data, "变更原因应为：%s", list);
    }
    if (blank(kc->proof)) {
        const char *proof_zh = json_string_value(json_object_get(r, "proof_zh"));
        rule_data(json_pack("{s:s?, s:s?}", "reason", kc->reason, "proof_zh", proof_zh), data);
        err_rule_add(err, "proof_missing", data, "请提供证明材料%s%s", proof_zh ? "：" : "",
                     proof_zh ? proof_zh : "");
    }
}

/* The new document: valid, nobody else's (now or before), fitting the
 * nationality. Only a store failure is returned; the rest are rules. */
static err_kind rule_document_change(svc_ctx *ctx, int64_t person_id, const person_row *r,
                                     new_identity *ni, err_detail *err) {
    char data[DATA_BYTES];
    err_detail e = {0};
    if (!ni->doc_changed) return ERR_OK;
    ni->doc_ok = idno_check(ni->kind, ni->number, &ni->info, &e) == ERR_OK;
    if (!ni->doc_ok) {
        rule_data(json_pack("{s:s, s:s}", "id_kind", ni->kind_name, "check", e.code), data);
        err_rule_add(err, "invalid_id_number", data, "新证件号码无效：%s", e.message);
        return ERR_OK;
    }
    snprintf(ni->number, sizeof ni->number, "%s", ni->info.normalized);
    int64_t other = 0;
    err_kind k = reg_person_find(ctx, ni->number, &other, &e);
    if (k && k != ERR_NOT_FOUND) {
        *err = e;
        return k;
    }
    if (!k && other != person_id) {
        rule_data(json_pack("{s:s}", "id_number", ni->number), data);
        err_rule_add(err, "id_number_taken", data, "证件号码 %s 已被其他参保人使用（现用或曾用）",
                     ni->number);
    }
    rule_document(&ni->info, r->nationality, err);
    return ERR_OK;
}

static void rule_name_and_changes(const person_row *r, const key_change *kc,
                                  const new_identity *ni, err_detail *err) {
    char data[DATA_BYTES];
    if (kc->name && blank(kc->name)) {
        rule_data(json_pack("{s:i}", "max_bytes", REG_NAME_BYTES_MAX * 2), data);
        err_rule_add(err, "invalid_name", data, "新姓名不能为空");
    }
    if (!ni->doc_changed && strcmp(ni->name, r->name) == 0) {
        rule_data(json_pack("{s:s, s:s}", "name", r->name, "id_number", r->id_number), data);
        err_rule_add(err, "no_changes", data, "请填写与现登记信息不同的姓名、证件号码或证件类型");
    }
}

/* An unknown document kind is a rule too, and leaves the document as it is. */
static void new_identity_of(const person_row *r, const key_change *kc, new_identity *ni,
                            err_detail *err) {
    memset(ni, 0, sizeof *ni);
    ni->kind = kind_or_resident(r->id_kind);
    err_detail e = {0};
    if (kc->id_kind && idno_kind_parse(kc->id_kind, &ni->kind, &e)) {
        char data[DATA_BYTES];
        rule_data(json_pack("{s:s}", "id_kind", kc->id_kind), data);
        err_rule_add(err, "invalid_id_kind", data, "%s", e.message);
    }
    ni->kind_name = idno_kind_name(ni->kind);
    normalize_id(kc->id_number ? kc->id_number : r->id_number, ni->number);
    ni->name = kc->name ? kc->name : r->name;
    ni->doc_changed = strcmp(ni->kind_name, r->id_kind) != 0 || strcmp(ni->number, r->id_number) != 0;
}

static err_kind employer_now(svc_ctx *ctx, int64_t person_id, int64_t unit_id, int64_t *out,
                             err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_PERSON_EMPLOYER_NOW, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    store_bind_int(st, 2, unit_id);
    bool row = false;
    k = store_step(st, &row, err);
    *out = (!k && row) ? store_col_int(st, 0) : 0;
    store_stmt_done(st);
    return k;
}

static err_kind pending_key_change(svc_ctx *ctx, int64_t person_id, int64_t *out, err_detail *err) {
    char a[64], b[64];
    snprintf(a, sizeof a, "%%\"person_id\":%" PRId64 ",%%", person_id);
    snprintf(b, sizeof b, "%%\"person_id\":%" PRId64 "}%%", person_id);
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_PERSON_KEY_CHANGE_PENDING, &st, err);
    if (k) return k;
    store_bind_text(st, 1, REG_KEY_CHANGE_ITEM);
    store_bind_int(st, 2, person_id);
    store_bind_text(st, 3, a);
    store_bind_text(st, 4, b);
    bool row = false;
    k = store_step(st, &row, err);
    *out = (!k && row) ? store_col_int(st, 0) : 0;
    store_stmt_done(st);
    return k;
}

/* At submission only: the unit employs the person now, and no other key
 * change of the person is open. */
static err_kind rule_submission(svc_ctx *ctx, int64_t person_id, int64_t unit_id,
                                err_detail *err) {
    int64_t employer = 0, pending = 0;
    char data[DATA_BYTES];
    err_kind k = unit_id > 0 ? employer_now(ctx, person_id, unit_id, &employer, err) : ERR_OK;
    if (!k) k = pending_key_change(ctx, person_id, &pending, err);
    if (k) return k;
    if (employer == 0) {
        rule_data(json_pack("{s:I}", "unit_id", (json_int_t)unit_id), data);
        err_rule_add(err, "not_employed", data, "该参保人目前不是本单位在职参保人员，单位不能申报其信息变更");
    }
    if (pending > 0) {
        rule_data(json_pack("{s:I}", "application_id", (json_int_t)pending), data);
        err_rule_add(err, "key_change_pending", data, "该参保人已有未办结的信息变更申请（办件 %" PRId64 "）",
                     pending);
    }
    return ERR_OK;
}

typedef struct key_change_ctx {
    key_change kc;
    int64_t person_id;
    person_row row;
    new_identity ni;
} key_change_ctx;

/* Every rule of a key change; at submission also the unit's and the open
 * application's. Fills kx for the apply. */
static err_kind key_change_rules(svc_ctx *ctx, const json_t *payload, int64_t person_id,
                                 int64_t unit_id, bool submitting, key_change_ctx *kx,
                                 err_detail *err) {
    const json_t *reasons;
    err_kind k = key_change_parse(payload, &kx->kc, err);
    if (!k) k = key_change_person(&kx->kc, person_id, &kx->person_id, err);
    if (!k && submitting && ctx->actor.role == ROLE_UNIT) {
        int64_t scope;
        k = reg_person_visible(ctx, kx->person_id, &scope, err);
    }
    if (!k) k = row_load(ctx, kx->person_id, &kx->row, err);
    if (!k) k = policy_get_json(ctx->pol, "registry.key_change_reasons", ctx->business_date, &reasons, err);
    if (k) return k;
    new_identity_of(&kx->row, &kx->kc, &kx->ni, err);
    rule_reason(ctx, &kx->kc, reasons, err);
    rule_name_and_changes(&kx->row, &kx->kc, &kx->ni, err);
    k = rule_document_change(ctx, kx->person_id, &kx->row, &kx->ni, err);
    if (!k && submitting) k = rule_submission(ctx, kx->person_id, unit_id, err);
    return k ? k : err_rules_finish(err);
}

err_kind reg_person_key_change_check(svc_ctx *ctx, const json_t *payload, int64_t person_id,
                                     int64_t unit_id, err_detail *err) {
    if (ctx->actor.role != ROLE_UNIT && !is_counter(ctx->actor.role))
        return err_set(err, ERR_FORBIDDEN, "forbidden", NULL, "%s无权申报参保人关键信息变更",
                       svc_role_name_zh(ctx->actor.role));
    key_change_ctx kx;
    return key_change_rules(ctx, payload, person_id, unit_id, true, &kx, err);
}

/* The identity that ends: closed, or archived from the persons row for a
 * person registered before identities were kept. */
static err_kind identity_close(svc_ctx *ctx, int64_t person_id, err_detail *err) {
    err_kind k = store_exec(ctx->tx, STORE_Q_PERSON_IDENTITY_CLOSE, err, "ii", person_id, ctx->now_ms);
    if (!k && store_changes(ctx->tx) == 0)
        k = store_exec(ctx->tx, STORE_Q_PERSON_IDENTITY_ARCHIVE, err, "ii", person_id, ctx->now_ms);
    return k;
}

static err_kind person_set_key(svc_ctx *ctx, const key_change_ctx *kx, const char *sex,
                               const char *birth, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_PERSON_SET_KEY, &st, err);
    if (k) return k;
    store_bind_int(st, 1, kx->person_id);
    store_bind_text(st, 2, kx->ni.kind_name);
    store_bind_text(st, 3, kx->ni.number);
    store_bind_text(st, 4, kx->ni.name);
    store_bind_text(st, 5, opt_text(sex));
    store_bind_text(st, 6, opt_text(birth));
    store_bind_int(st, 7, ctx->now_ms);
    return store_step_all(st, err);
}

/* The person's sign-in follows the new ID number (and name, when it fits a
 * display name). */
static err_kind login_follow(svc_ctx *ctx, const key_change_ctx *kx, err_detail *err) {
    const size_t display_max = sizeof ctx->actor.name - 1;   /* what a session can show */
    const char *display = strlen(kx->ni.name) <= display_max ? kx->ni.name : NULL;
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_PERSON_LOGIN_FOLLOW, &st, err);
    if (k) return k;
    store_bind_int(st, 1, kx->person_id);
    store_bind_text(st, 2, kx->ni.number);
    store_bind_text(st, 3, display);
    store_bind_int(st, 4, ctx->now_ms);
    return store_step_all(st, err);
}

static err_kind key_change_write(svc_ctx *ctx, int64_t app_id, const key_change_ctx *kx,
                                 err_detail *err) {
    const person_row *r = &kx->row;
    char birth[DATE_STR_BYTES] = "", sex[2] = {0, 0};
    bool follows = kx->ni.doc_changed && kx->ni.info.has_birth;
    if (follows) date_format(kx->ni.info.birth_date, birth);
    if (follows && kx->ni.info.sex) sex[0] = kx->ni.info.sex;
    const char *new_birth = follows ? birth : r->birth_date, *new_sex = sex[0] ? sex : r->sex;
    const field_change all[] = {
        {"name", r->name, kx->ni.name}, {"id_kind", r->id_kind, kx->ni.kind_name},
        {"id_number", r->id_number, kx->ni.number}, {"birth_date", r->birth_date, new_birth},
        {"sex", r->sex, new_sex}};
    err_kind k = identity_close(ctx, kx->person_id, err);
    if (!k) k = store_exec(ctx->tx, STORE_Q_REG_IDENTITY_INSERT, err, "itttii", kx->person_id,
                           kx->ni.kind_name, kx->ni.number, kx->ni.name, ctx->now_ms, app_id);
    if (!k) k = person_set_key(ctx, kx, new_sex, new_birth, err);
    for (size_t i = 0; i < sizeof all / sizeof all[0] && !k; i++)
        if (strcmp(all[i].old_v, all[i].new_v) != 0)
            k = change_row(ctx, kx->person_id, all[i].field, all[i].old_v, all[i].new_v, app_id, err);
    if (!k) k = login_follow(ctx, kx, err);
    return k;
}

err_kind reg_person_key_change_apply(svc_ctx *ctx, int64_t app_id, const json_t *payload,
                                     int64_t person_id, int64_t unit_id, err_detail *err) {
    key_change_ctx kx;
    err_kind k = key_change_rules(ctx, payload, person_id, unit_id, false, &kx, err);
    if (!k) k = key_change_write(ctx, app_id, &kx, err);
    char detail[64];
    snprintf(detail, sizeof detail, "application:%" PRId64, app_id);
    if (!k) k = audit_person(ctx, "person.key_change", kx.person_id, "ok", detail, err);
    return k;
}

/* The counter names the unit, or the person's current employer is taken;
 * a unit operator acts for its own unit. */
static err_kind submit_unit(svc_ctx *ctx, int64_t person_id, int64_t unit_id, int64_t *out,
                            err_detail *err) {
    if (ctx->actor.role == ROLE_UNIT) { *out = ctx->actor.unit_id; return ERR_OK; }
    if (!is_counter(ctx->actor.role))
        return err_set(err, ERR_FORBIDDEN, "forbidden", NULL, "%s无权申报参保人关键信息变更",
                       svc_role_name_zh(ctx->actor.role));
    reg_person p;
    err_kind k = reg_person_get(ctx, person_id, &p, err);
    if (!k && unit_id == 0) k = employer_now(ctx, person_id, 0, &unit_id, err);
    if (k) return k;
    if (unit_id == 0) {
        char data[DATA_BYTES];
        rule_data(json_pack("{s:I}", "person_id", (json_int_t)person_id), data);
        err_rule_add(err, "not_employed", data,
                     "该参保人目前没有在职参保单位，关键信息变更须由参保单位申报");
        return err_rules_finish(err);
    }
    *out = unit_id;
    return ERR_OK;
}

err_kind reg_person_key_change_submit(svc_ctx *ctx, int64_t person_id, int64_t unit_id,
                                      const json_t *body, int64_t *app_id_out, err_detail *err) {
    int64_t unit = 0;
    err_kind k = submit_unit(ctx, person_id, unit_id, &unit, err);
    if (k) return k;
    json_t *payload = json_is_object(body) ? json_deep_copy(body) : json_object();
    json_object_set_new(payload, "person_id", json_integer(person_id));
    bool staff = ctx->actor.role != ROLE_UNIT;
    application_new in = {.item_id = REG_KEY_CHANGE_ITEM, .payload = payload,
                          .person_id = staff ? person_id : 0, .unit_id = staff ? unit : 0};
    k = application_submit(ctx, &in, app_id_out, err);
    json_decref(payload);
    return k;
}

/* ---- relationships and history ---- */

err_kind reg_person_relationships(svc_ctx *ctx, int64_t person_id, json_t **out,
                                  err_detail *err) {
    int64_t scope = 0;
    json_t *spans = NULL;
    err_kind k = reg_person_visible(ctx, person_id, &scope, err);
    if (!k) k = reg_spans_json(ctx, person_id, scope, true, &spans, err);
    if (!k) k = audit_read(ctx, person_id, "relationships", err);
    if (k) { json_decref(spans); return k; }
    *out = json_pack("{s:I, s:o, s:o}", "person_id", (json_int_t)person_id, "unit_id",
                     scope > 0 ? json_integer(scope) : json_null(), "spans", spans);
    return ERR_OK;
}

static json_t *instant_or_null(store_stmt *st, int col) {
    if (store_col_is_null(st, col)) return json_null();
    char at[CLOCK_STR_BYTES];
    clock_format(store_col_int(st, col), CLOCK_ISO, at);
    return json_string(at);
}

static json_t *col_text_or_null(store_stmt *st, int col) {
    return store_col_is_null(st, col) ? json_null() : json_string(store_col_text(st, col));
}

static json_t *col_id_or_null(store_stmt *st, int col) {
    return store_col_is_null(st, col) ? json_null() : json_integer(store_col_int(st, col));
}

static json_t *identity_json(store_stmt *st) {
    idno_kind kind = kind_or_resident(store_col_text(st, 0));
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:b, s:o}", "id_kind", store_col_text(st, 0),
                     "id_kind_zh", idno_kind_name_zh(kind), "id_number", store_col_text(st, 1),
                     "name", store_col_text(st, 2), "valid_from", instant_or_null(st, 3),
                     "valid_to", instant_or_null(st, 4), "current", store_col_is_null(st, 4),
                     "application_id", col_id_or_null(st, 5));
}

static json_t *change_json(store_stmt *st) {
    return json_pack("{s:s, s:o, s:o, s:s, s:o, s:o}", "field", store_col_text(st, 0), "old_value",
                     col_text_or_null(st, 1), "new_value", col_text_or_null(st, 2), "changed_on",
                     store_col_text(st, 3), "application_id", col_id_or_null(st, 4), "at",
                     instant_or_null(st, 5));
}

typedef json_t *(*row_json_fn)(store_stmt *st);

static err_kind rows_of(svc_ctx *ctx, store_query q, int64_t person_id, row_json_fn fn,
                        json_t **out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, q, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    store_bind_int(st, 2, (int64_t)LIMIT_QUERY_ROWS_MAX);
    json_t *arr = json_array();
    bool row = true;
    for (int n = 0; n < LIMIT_QUERY_ROWS_MAX; n++) {
        k = store_step(st, &row, err);
        if (k || !row) break;
        json_array_append_new(arr, fn(st));
    }
    store_stmt_done(st);
    if (k) { json_decref(arr); return k; }
    *out = arr;
    return ERR_OK;
}

/* A person registered before identities were kept shows the current one too. */
static void identity_current(const person_row *r, json_t *ids) {
    size_t i;
    json_t *it;
    json_array_foreach(ids, i, it)
        if (json_is_true(json_object_get(it, "current"))) return;
    char at[CLOCK_STR_BYTES];
    clock_format(r->created_at_ms, CLOCK_ISO, at);
    json_array_append_new(ids, json_pack("{s:s, s:s, s:s, s:s, s:s, s:n, s:b, s:n}", "id_kind",
        r->id_kind, "id_kind_zh", idno_kind_name_zh(kind_or_resident(r->id_kind)), "id_number",
        r->id_number, "name", r->name, "valid_from", at, "valid_to", "current", 1, "application_id"));
}

err_kind reg_person_history(svc_ctx *ctx, int64_t person_id, json_t **out, err_detail *err) {
    person_row r;
    json_t *ids = NULL, *changes = NULL;
    err_kind k = visible_not_unit(ctx, person_id, err);
    if (!k) k = row_load(ctx, person_id, &r, err);
    if (!k) k = rows_of(ctx, STORE_Q_PERSON_IDENTITIES, person_id, identity_json, &ids, err);
    if (!k) k = rows_of(ctx, STORE_Q_PERSON_CHANGES, person_id, change_json, &changes, err);
    if (!k) k = audit_read(ctx, person_id, "history", err);
    if (k) { json_decref(ids); json_decref(changes); return k; }
    identity_current(&r, ids);
    *out = json_pack("{s:I, s:s, s:o, s:o}", "person_id", (json_int_t)person_id, "name", r.name,
                     "identities", ids, "changes", changes);
    return ERR_OK;
}

/* ---- certificates ---- */

static const char *status_zh(const char *s) {
    static const char *const names[][2] = {
        {"normal", "正常参保"}, {"suspended", "暂停参保"}, {"terminated", "终止参保"},
        {"sealed", "封存"}, {"not_insured", "未参保"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i][0], s) == 0) return names[i][1];
    return s;
}

static month_ym month_member(const json_t *o, const char *key) {
    month_ym m = 0;
    err_detail ignore = {0};
    const char *s = json_string_value(json_object_get(o, key));
    if (!s || month_parse(s, key, &m, &ignore)) return 0;
    return m;
}

/* Months of [from, to] inside [lo, hi]. */
static int overlap_months(month_ym from, month_ym to, month_ym lo, month_ym hi) {
    month_ym a = from > lo ? from : lo, b = to < hi ? to : hi;
    return b < a ? 0 : month_diff(b, a) + 1;
}

/* Months of a span up to `now`, without the months it was suspended (from a
 * suspend event's month to the month before the resume's). */
static int span_months(const json_t *span, month_ym now) {
    month_ym start = month_member(span, "start_month"), end = month_member(span, "end_month");
    month_ym last = (end && end < now) ? end : now;
    if (!start || start > last) return 0;
    int months = month_diff(last, start) + 1;
    month_ym suspended_from = 0;
    size_t i;
    const json_t *ev;
    json_array_foreach(json_object_get(span, "events"), i, ev) {
        const char *action = json_string_value(json_object_get(ev, "action"));
        month_ym m = month_member(ev, "effective_month");
        if (action && strcmp(action, "suspend") == 0 && !suspended_from) suspended_from = m;
        if (action && strcmp(action, "resume") == 0 && suspended_from) {
            months -= overlap_months(suspended_from, month_add(m, -1), start, last);
            suspended_from = 0;
        }
    }
    if (suspended_from) months -= overlap_months(suspended_from, last, start, last);
    return months;
}

/* One insurance on the certificate: spans are newest first. */
static json_t *insurance_line(reg_insurance ins, const json_t *spans, month_ym now) {
    const json_t *current = NULL, *latest = NULL;
    month_ym first = 0;
    int months = 0;
    size_t i;
    const json_t *sp;
    json_array_foreach(spans, i, sp) {
        if (strcmp(json_string_value(json_object_get(sp, "insurance")), reg_insurance_name(ins)) != 0)
            continue;
        month_ym start = month_member(sp, "start_month"), end = month_member(sp, "end_month");
        if (start > now) continue;
        const char *st = json_string_value(json_object_get(sp, "status"));
        bool open_now = (!end || end >= now) && (!strcmp(st, "normal") || !strcmp(st, "suspended"));
        if (open_now && !current) current = sp;
        if (!latest) latest = sp;
        if (!first || start < first) first = start;
        months += span_months(sp, now);
    }
    const json_t *shown = current ? current : latest;
    const char *status = current ? json_string_value(json_object_get(current, "status"))
                         : latest ? (strcmp(json_string_value(json_object_get(latest, "status")), "sealed")
                                     ? "terminated" : "sealed")
                                  : "not_insured";
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:i}", "insurance", reg_insurance_name(ins),
                          "insurance_zh", reg_insurance_name_zh(ins), "status", status, "status_zh",
                          status_zh(status), "first_month", first ? jsonx_month_new(first) : json_null(),
                          "months", months);
    json_t *unit = shown ? json_object_get(shown, "unit_id") : NULL;
    json_object_set_new(o, "unit_id", unit ? json_incref(unit) : json_null());
    json_t *uname = shown ? json_object_get(shown, "unit_name") : NULL;
    json_object_set_new(o, "unit_name", uname ? json_incref(uname) : json_null());
    json_object_set_new(o, "category", shown ? json_incref(json_object_get(shown, "category")) : json_null());
    return o;
}

static json_t *person_head(svc_ctx *ctx, const person_row *r) {
    char masked[REG_ID_MASKED_BYTES];
    reg_person_mask_id(r->id_number, masked);
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "person_id", (json_int_t)r->id,
                     "name", r->name, "id_kind", r->id_kind, "id_kind_zh",
                     idno_kind_name_zh(kind_or_resident(r->id_kind)), "id_number_masked", masked,
                     "si_number", str_or_null(r->si_number), "park_number", str_or_null(r->park_number),
                     "as_of", jsonx_date_new(ctx->business_date));
}

err_kind reg_person_certificate(svc_ctx *ctx, int64_t person_id, json_t **out, err_detail *err) {
    person_row r;
    json_t *spans = NULL;
    err_kind k = visible_not_unit(ctx, person_id, err);
    if (!k) k = row_load(ctx, person_id, &r, err);
    if (!k) k = reg_spans_json(ctx, person_id, 0, true, &spans, err);
    if (!k) k = audit_read(ctx, person_id, "certificate", err);
    if (k) { json_decref(spans); return k; }
    month_ym now = month_of(ctx->business_date);
    json_t *lines = json_array();
    bool insured = false;
    for (int i = 0; i < INS_COUNT; i++) {
        json_t *line = insurance_line((reg_insurance)i, spans, now);
        insured |= !json_is_null(json_object_get(line, "first_month"));
        json_array_append_new(lines, line);
    }
    json_decref(spans);
    json_t *o = person_head(ctx, &r);
    json_object_set_new(o, "business_month", jsonx_month_new(now));
    json_object_set_new(o, "ever_insured", json_boolean(insured));
    json_object_set_new(o, "insurances", lines);
    *out = o;
    return ERR_OK;
}

/* The insurances a person has ever had a span of, as a bit set. */
static err_kind insured_set(svc_ctx *ctx, int64_t person_id, unsigned *out, err_detail *err) {
    json_t *spans = NULL;
    err_kind k = reg_spans_json(ctx, person_id, 0, false, &spans, err);
    if (k) return k;
    unsigned bits = 0;
    size_t i;
    const json_t *sp;
    json_array_foreach(spans, i, sp) {
        reg_insurance ins;
        err_detail ignore = {0};
        if (!reg_insurance_parse(json_string_value(json_object_get(sp, "insurance")), "insurance",
                                 &ins, &ignore))
            bits |= 1u << ins;
    }
    json_decref(spans);
    *out = bits;
    return ERR_OK;
}

static void rule_insured(svc_ctx *ctx, unsigned bits, err_detail *err) {
    if (!bits) return;
    json_t *names = json_array();
    const char *zh = "";
    for (int i = 0; i < INS_COUNT; i++) {
        if (!(bits & (1u << i))) continue;
        json_array_append_new(names, json_string(reg_insurance_name((reg_insurance)i)));
        zh = arena_printf(ctx->ar, "%s%s%s", zh, *zh ? "、" : "", reg_insurance_name_zh((reg_insurance)i));
    }
    char data[DATA_BYTES];
    rule_data(json_pack("{s:o}", "insurances", names), data);
    err_rule_add(err, "is_insured", data, "该人员有%s参保记录，不能出具未参保证明", zh);
}

static err_kind rule_name_known(svc_ctx *ctx, int64_t person_id, const char *name,
                                err_detail *err) {
    if (!name) return ERR_OK;
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_PERSON_NAME_KNOWN, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    store_bind_text(st, 2, name);
    bool row = false;
    k = store_step(st, &row, err);
    store_stmt_done(st);
    if (!k && !row) {
        char data[DATA_BYTES];
        rule_data(json_pack("{s:s}", "name", name), data);
        err_rule_add(err, "name_mismatch", data, "姓名“%s”与该证件号码登记的姓名不符", name);
    }
    return k;
}

/* No person has the number: the proof carries the name the caller gives. */
static err_kind proof_unregistered(svc_ctx *ctx, const idno_info *info, const char *name,
                                   json_t **out, err_detail *err) {
    if (blank(name))
        return err_set(err, ERR_INVALID, "missing_field", "name",
                       "未找到该证件号码的参保登记，请提供姓名（name）以出具未参保证明");
    char masked[REG_ID_MASKED_BYTES], target[TARGET_BYTES];
    reg_person_mask_id(info->normalized, masked);
    snprintf(target, sizeof target, "id_number:%s", masked);
    err_kind k = audit_append(ctx, "person.non_insured_proof", target, "ok", "", err);
    if (k) return k;
    *out = json_pack("{s:b, s:b, s:n, s:s, s:s, s:s, s:s, s:o}", "insured", 0, "registered", 0,
                     "person_id", "name", name, "id_kind", idno_kind_name(info->kind), "id_kind_zh",
                     idno_kind_name_zh(info->kind), "id_number_masked", masked, "as_of",
                     jsonx_date_new(ctx->business_date));
    return ERR_OK;
}

/* Looks the number up for staff: the person, or 0 when none has it. */
static err_kind proof_lookup(svc_ctx *ctx, idno_kind kind, const char *id_number, idno_info *info,
                             int64_t *person_id, err_detail *err) {
    if (!svc_role_is_staff(ctx->actor.role))
        return err_set(err, ERR_FORBIDDEN, "forbidden", NULL, "%s无权按证件号码出具未参保证明",
                       svc_role_name_zh(ctx->actor.role));
    err_kind k = idno_check(kind, id_number, info, err);
    if (k) {
        snprintf(err->field, sizeof err->field, "id_number");
        return k;
    }
    err_detail nf = {0};
    *person_id = 0;
    k = reg_person_find(ctx, info->normalized, person_id, &nf);
    if (k == ERR_NOT_FOUND) return ERR_OK;
    if (k) *err = nf;
    return k;
}

err_kind reg_person_non_insured_proof(svc_ctx *ctx, int64_t person_id, idno_kind id_kind,
                                      const char *id_number, const char *name, json_t **out,
                                      err_detail *err) {
    idno_info info;
    memset(&info, 0, sizeof info);
    err_kind k = person_id > 0 ? visible_not_unit(ctx, person_id, err)
                               : proof_lookup(ctx, id_kind, id_number, &info, &person_id, err);
    if (k) return k;
    if (person_id == 0) return proof_unregistered(ctx, &info, name, out, err);
    person_row r;
    unsigned bits = 0;
    k = row_load(ctx, person_id, &r, err);
    if (!k) k = rule_name_known(ctx, person_id, opt_text(name), err);
    if (!k) k = insured_set(ctx, person_id, &bits, err);
    if (k) return k;
    rule_insured(ctx, bits, err);
    /* The answer, even a refusal, shows what the person has: the read is
     * recorded either way (the caller commits a refusal's audit row). */
    k = audit_person(ctx, "person.read", person_id, err->rule_count ? "rules_failed" : "ok",
                     "non_insured_proof", err);
    if (!k) k = err_rules_finish(err);
    if (k) return k;
    json_t *o = person_head(ctx, &r);
    json_object_set_new(o, "insured", json_false());
    json_object_set_new(o, "registered", json_true());
    *out = o;
    return ERR_OK;
}
