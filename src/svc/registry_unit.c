/* The registry's units: registration, changes (non-key at once, key through
 * an application), collection agreement, certificate, online payment,
 * district change, cancellation and the queries. See svc/registry_unit.h. */
#include "svc/registry_unit.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "base/idno.h"
#include "base/jsonx.h"
#include "base/limits.h"
#include "base/money.h"
#include "svc/application.h"
#include "svc/audit.h"
#include "svc/collection.h"

#define ROLES_COUNTER (ROLE_BIT(ROLE_CLERK) | ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_SYSTEM))
#define ROLES_UNIT_OR_COUNTER (ROLES_COUNTER | ROLE_BIT(ROLE_UNIT))

enum { DATA_BYTES = 256, VALUE_BYTES = 512, TARGET_BYTES = 48, UNIT_EMPLOYMENTS_MAX = 100 };

static const char *const DEFAULT_DISTRICT = "园区";
static const char *const KEY_CHANGE_ITEM = "unit.update";

/* ---- unit types ---- */

static const struct { const char *type; const char *zh; } unit_types[] = {
    {"enterprise", "企业"},          {"institution", "事业单位"},    {"social_org", "社会组织"},
    {"non_legal", "非法人单位"},     {"government", "机关事业单位"},
};

const char *reg_unit_type_name_zh(const char *type) {
    for (size_t i = 0; type && i < sizeof unit_types / sizeof unit_types[0]; i++)
        if (strcmp(type, unit_types[i].type) == 0) return unit_types[i].zh;
    return NULL;
}

bool reg_unit_type_valid(const char *type) { return reg_unit_type_name_zh(type) != NULL; }

/* ---- small helpers ---- */

static bool blank(const char *s) {
    for (size_t i = 0; s && s[i] && i < LIMIT_TEXT_FIELD_BYTES_MAX; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') return false;
    return true;
}

static err_kind require_role(const svc_ctx *ctx, unsigned mask, const char *doing,
                             err_detail *err) {
    if (ROLE_BIT(ctx->actor.role) & mask) return ERR_OK;
    return err_set(err, ERR_FORBIDDEN, "forbidden", NULL, "%s无权%s",
                   svc_role_name_zh(ctx->actor.role), doing);
}

static err_kind unit_not_found(err_detail *err) {
    return err_set(err, ERR_NOT_FOUND, "unit_not_found", NULL, "单位不存在");
}

static void target_of(int64_t unit_id, char out[TARGET_BYTES]) {
    snprintf(out, TARGET_BYTES, "unit:%" PRId64, unit_id);
}

/* Upper case without spaces, as codes are printed on licences. */
static void code_normalize(const char *in, char out[REG_UNIT_CODE_BYTES]) {
    size_t n = 0;
    for (const char *p = in ? in : ""; *p && n + 1 < REG_UNIT_CODE_BYTES; p++)
        if (*p != ' ') out[n++] = (*p >= 'a' && *p <= 'z') ? (char)(*p - 32) : *p;
    out[n] = 0;
}

/* ---- field validators ----
 * Each checks one value and fails with ERR_INVALID naming the field; data
 * receives the numbers of the failure as a JSON object (for rule lists). */

typedef struct field_val {
    const char *text;   /* text fields */
    int64_t num;        /* integer fields */
} field_val;

typedef err_kind (*field_check)(svc_ctx *ctx, const char *field, const field_val *v,
                                char data[DATA_BYTES], err_detail *err);

static void data_field(char data[DATA_BYTES], const char *field) {
    snprintf(data, DATA_BYTES, "{\"field\":\"%s\"}", field);
}

static err_kind text_bounded(const char *field, const char *label, const char *s, size_t max,
                             char data[DATA_BYTES], err_detail *err) {
    data_field(data, field);
    if (blank(s)) return err_set(err, ERR_INVALID, "missing_field", field, "%s不能为空", label);
    size_t n = strnlen(s, max + 1);
    if (n > max) {
        snprintf(data, DATA_BYTES, "{\"field\":\"%s\",\"max_bytes\":%zu}", field, max);
        return err_set(err, ERR_INVALID, "invalid_field", field, "%s过长（最多 %zu 字节）", label, max);
    }
    return ERR_OK;
}

static err_kind v_name(svc_ctx *ctx, const char *field, const field_val *v, char data[DATA_BYTES],
                       err_detail *err) {
    return text_bounded(field, "单位名称", v->text, REG_UNIT_NAME_BYTES_MAX, data, err);
}

static err_kind v_address(svc_ctx *ctx, const char *field, const field_val *v,
                          char data[DATA_BYTES], err_detail *err) {
    return text_bounded(field, "单位地址", v->text, REG_UNIT_ADDRESS_BYTES_MAX, data, err);
}

static err_kind v_contact(svc_ctx *ctx, const char *field, const field_val *v,
                          char data[DATA_BYTES], err_detail *err) {
    return text_bounded(field, "联系人", v->text, REG_NAME_BYTES_MAX * 2, data, err);
}

static err_kind v_district(svc_ctx *ctx, const char *field, const field_val *v,
                           char data[DATA_BYTES], err_detail *err) {
    return text_bounded(field, "参保所属地", v->text, REG_UNIT_DISTRICT_BYTES_MAX, data, err);
}

static err_kind v_bank_name(svc_ctx *ctx, const char *field, const field_val *v,
                            char data[DATA_BYTES], err_detail *err) {
    return text_bounded(field, "开户银行", v->text, REG_UNIT_BANK_BYTES_MAX, data, err);
}

static err_kind v_unit_type(svc_ctx *ctx, const char *field, const field_val *v,
                            char data[DATA_BYTES], err_detail *err) {
    data_field(data, field);
    if (reg_unit_type_valid(v->text)) return ERR_OK;
    char echo[ERR_ECHO_BYTES];
    err_echo(v->text, echo);
    return err_set(err, ERR_INVALID, "invalid_unit_type", field,
                   "单位类型 %s 无效，可选：enterprise（企业）、institution（事业单位）、"
                   "social_org（社会组织）、non_legal（非法人单位）、government（机关事业单位）",
                   echo);
}

/* Industry classes are the work-injury risk classes: as many as the policy
 * has rates (injury.class_rates_bp), class 1 first. */
static err_kind industry_classes(svc_ctx *ctx, int64_t *count, err_detail *err) {
    const json_t *rates;
    err_kind k = policy_get_json(ctx->pol, "injury.class_rates_bp", ctx->business_date, &rates, err);
    if (k) return k;
    if (!json_is_array(rates) || json_array_size(rates) == 0)
        return err_set(err, ERR_CONFIG, "policy_type", "injury.class_rates_bp",
                       "政策参数 injury.class_rates_bp 应为费率数组");
    *count = (int64_t)json_array_size(rates);
    return ERR_OK;
}

static err_kind v_industry(svc_ctx *ctx, const char *field, const field_val *v,
                           char data[DATA_BYTES], err_detail *err) {
    int64_t max = 0;
    err_kind k = industry_classes(ctx, &max, err);
    if (k) return k;
    if (v->num >= 1 && v->num <= max) return ERR_OK;
    snprintf(data, DATA_BYTES, "{\"field\":\"%s\",\"value\":%" PRId64 ",\"min\":1,\"max\":%" PRId64 "}",
             field, v->num, max);
    return err_set(err, ERR_INVALID, "industry_class_out_of_range", field,
                   "行业类别（工伤风险类别）应为 1 到 %" PRId64 "，实为 %" PRId64, max, v->num);
}

/* A unit's employees are paid for by the unit: only categories the unit pays. */
static err_kind v_category(svc_ctx *ctx, const char *field, const field_val *v,
                           char data[DATA_BYTES], err_detail *err) {
    data_field(data, field);
    unsigned inc, opt;
    err_kind k = reg_category(ctx, v->text, &inc, &opt, err);
    if (k == ERR_INVALID) snprintf(err->field, sizeof err->field, "%s", field);
    if (k) return k;
    const json_t *cats;
    k = policy_get_json(ctx->pol, "registry.categories", ctx->business_date, &cats, err);
    if (k) return k;
    const char *payer = json_string_value(json_object_get(json_object_get(cats, v->text), "payer"));
    if (payer && strcmp(payer, "unit") == 0) return ERR_OK;
    return err_set(err, ERR_INVALID, "invalid_category", field,
                   "参保类别 %.32s 不由单位缴费，不能作为单位职工的默认参保类别", v->text);
}

static bool phone_char(char c) { return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == ' '; }

static err_kind v_phone(svc_ctx *ctx, const char *field, const field_val *v, char data[DATA_BYTES],
                        err_detail *err) {
    err_kind k = text_bounded(field, "联系电话", v->text, REG_UNIT_PHONE_BYTES_MAX, data, err);
    if (k) return k;
    size_t n = strlen(v->text);
    bool ok = n >= REG_UNIT_PHONE_BYTES_MIN;
    for (size_t i = 0; ok && i < n; i++) ok = phone_char(v->text[i]);
    if (ok) return ERR_OK;
    return err_set(err, ERR_INVALID, "invalid_phone", field,
                   "联系电话应为 %d 到 %d 位数字（可含 -、+ 和空格）", REG_UNIT_PHONE_BYTES_MIN,
                   REG_UNIT_PHONE_BYTES_MAX);
}

/* Empty clears the e-mail; otherwise something@something without spaces. */
static err_kind v_email(svc_ctx *ctx, const char *field, const field_val *v, char data[DATA_BYTES],
                        err_detail *err) {
    data_field(data, field);
    const char *s = v->text ? v->text : "";
    if (!*s) return ERR_OK;
    size_t n = strnlen(s, REG_UNIT_EMAIL_BYTES_MAX + 1);
    const char *at = strchr(s, '@');
    bool ok = n <= REG_UNIT_EMAIL_BYTES_MAX && at && at != s && at[1] && !strchr(s, ' ');
    if (ok) return ERR_OK;
    return err_set(err, ERR_INVALID, "invalid_email", field, "电子邮箱格式不正确（最多 %d 字节）",
                   REG_UNIT_EMAIL_BYTES_MAX);
}

bool reg_bank_account_valid(const char *account) {
    const char *s = account ? account : "";
    size_t n = strnlen(s, REG_UNIT_ACCOUNT_DIGITS_MAX + 1);
    bool ok = n >= REG_UNIT_ACCOUNT_DIGITS_MIN && n <= REG_UNIT_ACCOUNT_DIGITS_MAX;
    for (size_t i = 0; ok && i < n; i++) ok = s[i] >= '0' && s[i] <= '9';
    return ok;
}

err_kind reg_bank_card_check(const char *bank_name, const char *bank_account, err_detail *err) {
    char data[DATA_BYTES];
    err_detail one;
    if (text_bounded("bank_name", "开户银行", bank_name, REG_UNIT_BANK_BYTES_MAX, data, &one))
        err_rule_add(err, one.code, data, "%s", one.message);
    if (!reg_bank_account_valid(bank_account)) {
        snprintf(data, sizeof data, "{\"field\":\"bank_account\",\"min_digits\":%d,\"max_digits\":%d}",
                 REG_UNIT_ACCOUNT_DIGITS_MIN, REG_UNIT_ACCOUNT_DIGITS_MAX);
        err_rule_add(err, "invalid_bank_account", data, "银行账号应为 %d 到 %d 位数字",
                     REG_UNIT_ACCOUNT_DIGITS_MIN, REG_UNIT_ACCOUNT_DIGITS_MAX);
    }
    return err_rules_finish(err);
}

static err_kind v_account(svc_ctx *ctx, const char *field, const field_val *v,
                          char data[DATA_BYTES], err_detail *err) {
    snprintf(data, DATA_BYTES, "{\"field\":\"%s\",\"min_digits\":%d,\"max_digits\":%d}", field,
             REG_UNIT_ACCOUNT_DIGITS_MIN, REG_UNIT_ACCOUNT_DIGITS_MAX);
    if (reg_bank_account_valid(v->text)) return ERR_OK;
    return err_set(err, ERR_INVALID, "invalid_bank_account", field, "银行账号应为 %d 到 %d 位数字",
                   REG_UNIT_ACCOUNT_DIGITS_MIN, REG_UNIT_ACCOUNT_DIGITS_MAX);
}

/* ---- the fields of a unit ---- */

typedef enum field_kind {
    FK_CODE,       /* never changes */
    FK_KEY,        /* through an application (unit.update) */
    FK_PLAIN,      /* at once (PATCH) */
    FK_DISTRICT,   /* through the district change */
    FK_STATE,      /* flags and status: through their own operations */
} field_kind;

typedef struct unit_field {
    const char *name;
    const char *zh;
    bool is_int;
    size_t off;            /* in reg_unit */
    size_t cap;            /* text: buffer size */
    field_kind kind;
    field_check check;     /* NULL: not set from input */
} unit_field;

#define TXT(f) false, offsetof(reg_unit, f), sizeof(((reg_unit *)0)->f)
#define NUM(f) true, offsetof(reg_unit, f), 0
static const unit_field fields[] = {
    {"code", "统一社会信用代码", TXT(code), FK_CODE, NULL},
    {"name", "单位名称", TXT(name), FK_KEY, v_name},
    {"unit_type", "单位类型", TXT(unit_type), FK_KEY, v_unit_type},
    {"industry_class", "行业类别", NUM(industry_class), FK_KEY, v_industry},
    {"category", "职工参保类别", TXT(category), FK_KEY, v_category},
    {"address", "单位地址", TXT(address), FK_PLAIN, v_address},
    {"contact_name", "联系人", TXT(contact_name), FK_PLAIN, v_contact},
    {"contact_phone", "联系电话", TXT(contact_phone), FK_PLAIN, v_phone},
    {"contact_email", "电子邮箱", TXT(contact_email), FK_PLAIN, v_email},
    {"district", "参保所属地", TXT(district), FK_DISTRICT, v_district},
    {"bank_name", "开户银行", TXT(bank_name), FK_PLAIN, v_bank_name},
    {"bank_account", "银行账号", TXT(bank_account), FK_PLAIN, v_account},
    {"collection_agreement", "托收协议", NUM(collection_agreement), FK_STATE, NULL},
    {"has_certificate", "数字证书", NUM(has_certificate), FK_STATE, NULL},
    {"online_payment", "网上缴费权限", NUM(online_payment), FK_STATE, NULL},
    {"status", "单位状态", TXT(status), FK_STATE, NULL},
    {"registered_on", "登记日期", TXT(registered_on), FK_CODE, NULL},
    {"cancelled_on", "注销日期", TXT(cancelled_on), FK_STATE, NULL},
};
#undef TXT
#undef NUM
enum { FIELD_COUNT = sizeof fields / sizeof fields[0] };

static const unit_field *field_named(const char *name) {
    for (int i = 0; i < FIELD_COUNT; i++)
        if (strcmp(fields[i].name, name) == 0) return &fields[i];
    return NULL;
}

static const char *field_zh(const char *name) {
    const unit_field *f = field_named(name);
    return f ? f->zh : name;
}

static char *field_text(reg_unit *u, const unit_field *f) { return (char *)u + f->off; }
static int64_t *field_num(reg_unit *u, const unit_field *f) {
    return (int64_t *)(void *)((char *)u + f->off);
}

/* The field's value as text, for the history. */
static void field_format(const reg_unit *u, const unit_field *f, char out[VALUE_BYTES]) {
    reg_unit *m = (reg_unit *)u;
    if (f->is_int) snprintf(out, VALUE_BYTES, "%" PRId64, *field_num(m, f));
    else snprintf(out, VALUE_BYTES, "%s", field_text(m, f));
}

/* Reads a JSON value of the field's type into v. */
static err_kind field_value(const unit_field *f, const json_t *j, field_val *v, err_detail *err) {
    if (f->is_int && json_is_integer(j)) {
        v->num = json_integer_value(j);
        return ERR_OK;
    }
    if (!f->is_int && json_is_string(j)) {
        v->text = json_string_value(j);
        return ERR_OK;
    }
    return err_set(err, ERR_INVALID, "invalid_field", f->name, "字段 %s（%s）应为%s", f->name, f->zh,
                   f->is_int ? "整数" : "字符串");
}

static void field_store(reg_unit *u, const unit_field *f, const field_val *v) {
    if (f->is_int) *field_num(u, f) = v->num;
    else snprintf(field_text(u, f), f->cap, "%s", v->text);
}

/* ---- loading and saving ---- */

static void copy_col(store_stmt *st, int col, char *dst, size_t cap) {
    snprintf(dst, cap, "%s", store_col_text(st, col));
}

/* Columns in the order of q_unit.def. */
static void read_unit(store_stmt *st, reg_unit *u) {
    memset(u, 0, sizeof *u);
    u->id = store_col_int(st, 0);
    for (int i = 0; i < FIELD_COUNT; i++) {
        const unit_field *f = &fields[i];
        if (f->is_int) *field_num(u, f) = store_col_int(st, i + 1);
        else copy_col(st, i + 1, field_text(u, f), f->cap);
    }
}

err_kind reg_unit_get(svc_ctx *ctx, int64_t id, reg_unit *out, err_detail *err) {
    if (id <= 0) return unit_not_found(err);
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_UNIT_REG_GET, &st, err);
    if (k) return k;
    store_bind_int(st, 1, id);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && !row) k = unit_not_found(err);
    if (!k) read_unit(st, out);
    store_stmt_done(st);
    return k;
}

err_kind reg_unit_find_code(svc_ctx *ctx, const char *code, int64_t *id_out, err_detail *err) {
    char norm[REG_UNIT_CODE_BYTES];
    code_normalize(code, norm);
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_UNIT_REG_BY_CODE, &st, err);
    if (k) return k;
    store_bind_text(st, 1, norm);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && row) *id_out = store_col_int(st, 0);
    store_stmt_done(st);
    if (!k && !row)
        return err_set(err, ERR_NOT_FOUND, "unit_not_found", "code", "未找到统一社会信用代码为 %.20s 的单位",
                       norm);
    return k;
}

/* A unit the actor may see: a unit operator its own, staff any; anything else
 * is not found, so another unit's existence does not leak. */
static err_kind load_visible(svc_ctx *ctx, int64_t id, reg_unit *out, err_detail *err) {
    svc_role r = ctx->actor.role;
    bool may = svc_role_is_staff(r) || (r == ROLE_UNIT && ctx->actor.unit_id > 0 &&
                                        ctx->actor.unit_id == id);
    if (!may) return unit_not_found(err);
    return reg_unit_get(ctx, id, out, err);
}

static err_kind change_row(svc_ctx *ctx, int64_t unit_id, const char *field, const char *old_v,
                           const char *new_v, int64_t app_id, const char *reason, err_detail *err) {
    char today[DATE_STR_BYTES];
    date_format(ctx->business_date, today);
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_UNIT_REG_CHANGE_INSERT, &st, err);
    if (k) return k;
    store_bind_int(st, 1, unit_id);
    store_bind_text(st, 2, field);
    store_bind_text(st, 3, old_v);
    store_bind_text(st, 4, new_v);
    store_bind_text(st, 5, today);
    store_bind_id(st, 6, ctx->actor.user_id);
    store_bind_id(st, 7, app_id);
    store_bind_int(st, 8, ctx->now_ms);
    store_bind_text(st, 9, reason ? reason : "");
    return store_step_all(st, err);
}

static err_kind write_unit(svc_ctx *ctx, const reg_unit *u, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_UNIT_REG_SAVE, &st, err);
    if (k) return k;
    store_bind_int(st, 1, u->id);
    int p = 2;
    for (int i = 0; i < FIELD_COUNT; i++) {
        const unit_field *f = &fields[i];
        if (strcmp(f->name, "code") == 0 || strcmp(f->name, "registered_on") == 0) continue;
        reg_unit *m = (reg_unit *)u;
        const char *t = f->is_int ? NULL : field_text(m, f);
        bool nullable = !f->is_int && (strncmp(f->name, "bank_", 5) == 0 ||
                                       strcmp(f->name, "cancelled_on") == 0);
        if (f->is_int) store_bind_int(st, p++, *field_num(m, f));
        else if (nullable && !*t) store_bind_null(st, p++);
        else store_bind_text(st, p++, t);
    }
    store_bind_int(st, p, ctx->now_ms);
    return store_step_all(st, err);
}

typedef struct save_how {
    const char *action;   /* audit action */
    int64_t app_id;       /* the application that decided it, or 0 */
    const char *reason;
} save_how;

/* Writes nu over old: one history row per changed field, the row, an audit
 * row naming the fields. *changed_out counts them. */
static err_kind unit_save(svc_ctx *ctx, const reg_unit *old, const reg_unit *nu,
                          const save_how *how, int *changed_out, err_detail *err) {
    int changed = 0;
    char names[VALUE_BYTES] = "";
    err_kind k = ERR_OK;
    for (int i = 0; !k && i < FIELD_COUNT; i++) {
        char a[VALUE_BYTES], b[VALUE_BYTES];
        field_format(old, &fields[i], a);
        field_format(nu, &fields[i], b);
        if (strcmp(a, b) == 0) continue;
        k = change_row(ctx, old->id, fields[i].name, a, b, how->app_id, how->reason, err);
        size_t n = strlen(names);
        snprintf(names + n, sizeof names - n, "%s%s", n ? "," : "", fields[i].name);
        changed++;
    }
    if (!k && changed) k = write_unit(ctx, nu, err);
    char target[TARGET_BYTES];
    target_of(old->id, target);
    if (!k && changed) k = audit_append(ctx, how->action, target, "ok", names, err);
    if (!k && changed_out) *changed_out = changed;
    return k;
}

/* ---- rules shared by the operations ---- */

static void rule_cancelled(const reg_unit *u, err_detail *err) {
    if (strcmp(u->status, "cancelled") != 0) return;
    char data[DATA_BYTES];
    snprintf(data, sizeof data, "{\"unit_id\":%" PRId64 ",\"cancelled_on\":\"%s\"}", u->id,
             u->cancelled_on);
    err_rule_add(err, "unit_cancelled", data, "单位已于 %s 注销，不能再办理", u->cancelled_on);
}

err_kind reg_unit_rule_active(svc_ctx *ctx, int64_t unit_id, err_detail *err) {
    reg_unit u;
    err_kind k = reg_unit_get(ctx, unit_id, &u, err);
    if (!k) rule_cancelled(&u, err);
    return k;
}

/* ---- registration ---- */

typedef struct input_field { const char *name; const char *text; int64_t num; bool required; } input_field;

static err_kind check_inputs(svc_ctx *ctx, const input_field *in, size_t n, err_detail *err) {
    for (size_t i = 0; i < n; i++) {
        const unit_field *f = field_named(in[i].name);
        if (!f->is_int && !in[i].text) {
            if (!in[i].required) continue;
            return err_set(err, ERR_INVALID, "missing_field", f->name, "请填写%s（%s）", f->zh, f->name);
        }
        field_val v = {.text = in[i].text, .num = in[i].num};
        char data[DATA_BYTES];
        err_kind k = f->check(ctx, f->name, &v, data, err);
        if (k) return k;
    }
    return ERR_OK;
}

static err_kind register_check(svc_ctx *ctx, const reg_unit_new *in, char code[REG_UNIT_CODE_BYTES],
                               err_detail *err) {
    code_normalize(in->code, code);
    err_kind k = uscc_check(code, err);
    if (k) {
        snprintf(err->field, sizeof err->field, "code");
        return k;
    }
    const input_field inputs[] = {
        {"name", in->name, 0, true},
        {"unit_type", in->unit_type, 0, true},
        {"industry_class", NULL, in->industry_class, true},
        {"category", in->category, 0, false},
        {"address", in->address, 0, true},
        {"contact_name", in->contact_name, 0, true},
        {"contact_phone", in->contact_phone, 0, true},
        {"contact_email", in->contact_email, 0, false},
        {"district", in->district, 0, false},
        {"bank_name", in->bank_name, 0, false},
        {"bank_account", in->bank_account, 0, false},
    };
    k = check_inputs(ctx, inputs, sizeof inputs / sizeof inputs[0], err);
    if (!k && (!in->bank_name) != (!in->bank_account))
        k = err_set(err, ERR_INVALID, "bank_incomplete", in->bank_name ? "bank_account" : "bank_name",
                    "托收协议须同时填写开户银行（bank_name）和银行账号（bank_account）");
    return k;
}

static err_kind code_free(svc_ctx *ctx, const char *code, err_detail *err) {
    int64_t existing = 0;
    err_detail ignore = {0};
    err_kind k = reg_unit_find_code(ctx, code, &existing, &ignore);
    if (k == ERR_NOT_FOUND) return ERR_OK;
    if (k) { *err = ignore; return k; }
    return err_set(err, ERR_CONFLICT, "unit_exists", "code", "统一社会信用代码 %s 已登记（单位 %" PRId64 "）",
                   code, existing);
}

static err_kind unit_insert(svc_ctx *ctx, const reg_unit_new *in, const char *code,
                            int64_t *id_out, err_detail *err) {
    char today[DATE_STR_BYTES];
    date_format(ctx->business_date, today);
    const char *category = in->category ? in->category
                           : strcmp(in->unit_type, "government") == 0 ? "gov" : "sip_a";
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_UNIT_REG_INSERT, &st, err);
    if (k) return k;
    store_bind_text(st, 1, code);
    store_bind_text(st, 2, in->name);
    store_bind_text(st, 3, in->unit_type);
    store_bind_int(st, 4, in->industry_class);
    store_bind_text(st, 5, category);
    store_bind_text(st, 6, in->address);
    store_bind_text(st, 7, in->contact_name);
    store_bind_text(st, 8, in->contact_phone);
    store_bind_text(st, 9, in->contact_email ? in->contact_email : "");
    store_bind_text(st, 10, in->district ? in->district : DEFAULT_DISTRICT);
    store_bind_text(st, 11, in->bank_name);
    store_bind_text(st, 12, in->bank_account);
    store_bind_int(st, 13, in->bank_account ? 1 : 0);
    store_bind_text(st, 14, today);
    store_bind_int(st, 15, ctx->now_ms);
    k = store_step_all(st, err);
    if (k == ERR_CONFLICT)
        return err_set(err, ERR_CONFLICT, "unit_exists", "code", "统一社会信用代码 %s 已登记", code);
    if (!k) *id_out = store_last_insert_id(ctx->tx);
    return k;
}

err_kind reg_unit_register(svc_ctx *ctx, const reg_unit_new *in, int64_t *id_out,
                           err_detail *err) {
    char code[REG_UNIT_CODE_BYTES];
    int64_t id = 0;
    err_kind k = require_role(ctx, ROLES_COUNTER, "办理单位参保登记", err);
    if (!k) k = register_check(ctx, in, code, err);
    if (!k) k = code_free(ctx, code, err);
    if (!k) k = unit_insert(ctx, in, code, &id, err);
    if (!k) k = change_row(ctx, id, "status", NULL, "active", 0, "单位新参保登记", err);
    if (!k && in->bank_account)
        k = change_row(ctx, id, "collection_agreement", "0", "1", 0, "登记时签订托收协议", err);
    char target[TARGET_BYTES];
    target_of(id, target);
    if (!k) k = audit_append(ctx, "unit.register", target, "ok", code, err);
    if (!k) *id_out = id;
    return k;
}

/* ---- reading ---- */

static json_t *text_or_null(const char *s) { return *s ? json_string(s) : json_null(); }

static const char *category_zh(svc_ctx *ctx, const char *category) {
    const json_t *cats;
    err_detail ignore = {0};
    if (policy_get_json(ctx->pol, "registry.categories", ctx->business_date, &cats, &ignore))
        return category;
    const char *zh = json_string_value(json_object_get(json_object_get(cats, category), "name_zh"));
    return zh ? zh : category;
}

static json_t *unit_to_json(svc_ctx *ctx, const reg_unit *u) {
    const char *type_zh = reg_unit_type_name_zh(u->unit_type);
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
        "id", (json_int_t)u->id, "code", u->code, "name", u->name, "unit_type", u->unit_type,
        "unit_type_zh", type_zh ? type_zh : u->unit_type, "industry_class",
        (json_int_t)u->industry_class, "category", u->category, "category_zh",
        category_zh(ctx, u->category), "address", u->address, "contact_name", u->contact_name,
        "contact_phone", u->contact_phone, "contact_email", u->contact_email, "district", u->district);
    int64_t rate = 0;
    err_detail ignore = {0};
    if (u->industry_class >= 1 &&
        !policy_get_int_item(ctx->pol, "injury.class_rates_bp", ctx->business_date,
                             (size_t)(u->industry_class - 1), &rate, &ignore))
        json_object_set_new(o, "injury_rate_bp", json_integer(rate));
    json_object_set_new(o, "bank_name", text_or_null(u->bank_name));
    json_object_set_new(o, "bank_account", text_or_null(u->bank_account));
    json_object_set_new(o, "collection_agreement", json_boolean(u->collection_agreement));
    json_object_set_new(o, "has_certificate", json_boolean(u->has_certificate));
    json_object_set_new(o, "online_payment", json_boolean(u->online_payment));
    json_object_set_new(o, "status", json_string(u->status));
    json_object_set_new(o, "status_zh",
                        json_string(strcmp(u->status, "cancelled") == 0 ? "已注销" : "正常"));
    json_object_set_new(o, "registered_on", text_or_null(u->registered_on));
    json_object_set_new(o, "cancelled_on", text_or_null(u->cancelled_on));
    return o;
}

err_kind reg_unit_json(svc_ctx *ctx, int64_t id, json_t **out, err_detail *err) {
    reg_unit u;
    err_kind k = load_visible(ctx, id, &u, err);
    if (!k) *out = unit_to_json(ctx, &u);
    return k;
}

/* "%part%" with LIKE's own characters escaped. */
static char *like_pattern(svc_ctx *ctx, const char *part) {
    size_t n = strnlen(part, REG_UNIT_NAME_BYTES_MAX);
    char *out = arena_alloc(ctx->ar, n * 2 + 3);
    size_t k = 0;
    out[k++] = '%';
    for (size_t i = 0; i < n; i++) {
        if (part[i] == '%' || part[i] == '_' || part[i] == '\\') out[k++] = '\\';
        out[k++] = part[i];
    }
    out[k++] = '%';
    out[k] = 0;
    return out;
}

static err_kind search_check(const svc_ctx *ctx, const char *status, int limit, err_detail *err) {
    if (!svc_role_is_staff(ctx->actor.role))
        return err_set(err, ERR_FORBIDDEN, "forbidden", NULL, "%s无权查询单位", svc_role_name_zh(ctx->actor.role));
    if (status && strcmp(status, "active") != 0 && strcmp(status, "cancelled") != 0)
        return err_set(err, ERR_INVALID, "invalid_value", "status", "单位状态应为 active 或 cancelled");
    if (limit < 1 || limit > LIMIT_QUERY_ROWS_MAX)
        return err_set(err, ERR_INVALID, "invalid_value", "limit", "条数（limit）须在 1 到 %d 之间",
                       LIMIT_QUERY_ROWS_MAX);
    return ERR_OK;
}

err_kind reg_unit_search(svc_ctx *ctx, const char *code, const char *name, const char *status,
                         int limit, json_t **out, err_detail *err) {
    err_kind k = search_check(ctx, status, limit, err);
    if (k) return k;
    char norm[REG_UNIT_CODE_BYTES];
    code_normalize(code, norm);
    store_stmt *st;
    k = store_prepare(ctx->tx, STORE_Q_UNIT_REG_SEARCH, &st, err);
    if (k) return k;
    store_bind_text(st, 1, code && *code ? norm : NULL);
    store_bind_text(st, 2, name && *name ? like_pattern(ctx, name) : NULL);
    store_bind_text(st, 3, status);
    store_bind_int(st, 4, limit);
    json_t *arr = json_array();
    bool row = true;
    for (int n = 0; n < limit; n++) {
        k = store_step(st, &row, err);
        if (k || !row) break;
        reg_unit u;
        read_unit(st, &u);
        json_array_append_new(arr, unit_to_json(ctx, &u));
    }
    store_stmt_done(st);
    if (k) { json_decref(arr); return k; }
    *out = arr;
    return ERR_OK;
}

/* ---- non-key changes ---- */

/* Why a field cannot be set by PATCH, as a rule; false when it can. */
static bool patch_refusal(const char *name, const unit_field *f, err_detail *err) {
    char data[DATA_BYTES];
    char echo[ERR_ECHO_BYTES];
    err_echo(name, echo);
    snprintf(data, sizeof data, "{\"field\":\"%s\"}", echo);
    if (!f) err_rule_add(err, "unknown_field", data, "没有字段 %s", echo);
    else if (f->kind == FK_CODE)
        err_rule_add(err, "code_immutable", data, "%s不能变更（代码变化视为新单位，请办理新参保登记）", f->zh);
    else if (f->kind == FK_KEY)
        err_rule_add(err, "key_field_needs_application", data,
                     "%s属于关键信息，须提交单位信息变更申请（unit.update，POST /api/v1/units/{id}/key-changes），"
                     "审核通过后生效", f->zh);
    else if (f->kind == FK_DISTRICT)
        err_rule_add(err, "use_district_change", data, "%s请通过单位参保所属地变更办理", f->zh);
    else if (f->kind == FK_STATE)
        err_rule_add(err, "field_not_changeable", data, "%s由专门的业务办理变更，不能直接修改", f->zh);
    else return false;
    return true;
}

static err_kind changes_object(const json_t *changes, err_detail *err) {
    if (!json_is_object(changes) || json_object_size(changes) == 0)
        return err_set(err, ERR_INVALID, "missing_field", "changes", "请提供要变更的字段");
    if (json_object_size(changes) > FIELD_COUNT)
        return err_set(err, ERR_INVALID, "invalid_field", "changes", "变更字段过多（最多 %d 个）", FIELD_COUNT);
    return ERR_OK;
}

/* Checks every member as a non-key change into nu (a copy of the unit). */
static err_kind patch_apply(svc_ctx *ctx, const json_t *changes, reg_unit *nu, err_detail *err) {
    const char *name;
    json_t *val;
    json_object_foreach((json_t *)changes, name, val) patch_refusal(name, field_named(name), err);
    rule_cancelled(nu, err);
    err_kind k = err_rules_finish(err);
    json_object_foreach((json_t *)changes, name, val) {
        if (k) break;
        const unit_field *f = field_named(name);
        field_val v = {0};
        char data[DATA_BYTES];
        k = field_value(f, val, &v, err);
        if (!k) k = f->check(ctx, f->name, &v, data, err);
        if (!k) field_store(nu, f, &v);
    }
    return k;
}

err_kind reg_unit_update(svc_ctx *ctx, int64_t unit_id, const json_t *changes, int *changed_out,
                         err_detail *err) {
    reg_unit old, nu;
    err_kind k = load_visible(ctx, unit_id, &old, err);
    if (!k) k = require_role(ctx, ROLES_UNIT_OR_COUNTER, "变更单位信息", err);
    if (!k) k = changes_object(changes, err);
    if (k) return k;
    nu = old;
    k = patch_apply(ctx, changes, &nu, err);
    save_how how = {"unit.update", 0, NULL};
    int changed = 0;
    if (!k) k = unit_save(ctx, &old, &nu, &how, &changed, err);
    if (!k && changed_out) *changed_out = changed;
    return k;
}

/* ---- key changes (application unit.update) ---- */

/* One member of a key change: every problem is a rule naming the field. */
static void key_change_member(svc_ctx *ctx, const char *name, const json_t *val, reg_unit *nu,
                              err_detail *err) {
    const unit_field *f = field_named(name);
    char data[DATA_BYTES];
    if (f && f->kind == FK_PLAIN) {
        snprintf(data, sizeof data, "{\"field\":\"%s\"}", f->name);
        err_rule_add(err, "not_key_field", data, "%s不是关键信息，请直接修改（PATCH /api/v1/units/{id}）", f->zh);
        return;
    }
    if (!f || f->kind != FK_KEY) { patch_refusal(name, f, err); return; }
    field_val v = {0};
    err_detail e = {0};
    data_field(data, f->name);
    err_kind k = field_value(f, val, &v, &e);
    if (!k) k = f->check(ctx, f->name, &v, data, &e);
    if (k) { err_rule_add(err, e.code, data, "%s", e.message); return; }
    char before[VALUE_BYTES], after[VALUE_BYTES];
    field_format(nu, f, before);
    field_store(nu, f, &v);
    field_format(nu, f, after);
    if (strcmp(before, after) == 0)
        err_rule_add(err, "unchanged", data, "%s与现有信息相同（%s），无需变更", f->zh, before);
}

static void key_change_reason(const json_t *payload, const char **reason, err_detail *err) {
    const json_t *r = json_object_get(payload, "reason");
    const char *s = json_string_value(r);
    if (!s || blank(s) || strlen(s) > REG_UNIT_REASON_BYTES_MAX) {
        char data[DATA_BYTES];
        snprintf(data, sizeof data, "{\"field\":\"reason\",\"max_bytes\":%d}", REG_UNIT_REASON_BYTES_MAX);
        err_rule_add(err, "reason_missing", data, "请说明变更原因（reason，不超过 %d 字节）",
                     REG_UNIT_REASON_BYTES_MAX);
        return;
    }
    *reason = s;
}

/* Validates the payload against the unit and builds the unit as it would be. */
static err_kind key_change_build(svc_ctx *ctx, const json_t *payload, int64_t unit_id,
                                 reg_unit *old, reg_unit *nu, const char **reason, err_detail *err) {
    err_kind k = reg_unit_get(ctx, unit_id, old, err);
    if (k) return k;
    *nu = *old;
    rule_cancelled(old, err);
    const json_t *changes = json_object_get(payload, "changes");
    if (!json_is_object(changes) || json_object_size(changes) == 0 ||
        json_object_size(changes) > FIELD_COUNT)
        err_rule_add(err, "changes_missing", "{\"field\":\"changes\"}",
                     "请在 changes 中列出要变更的关键信息（名称、单位类型、行业类别、职工参保类别）");
    else {
        const char *name;
        json_t *val;
        json_object_foreach((json_t *)changes, name, val) key_change_member(ctx, name, val, nu, err);
    }
    key_change_reason(payload, reason, err);
    return err_rules_finish(err);
}

err_kind reg_unit_key_change_check(svc_ctx *ctx, const json_t *payload, int64_t person_id,
                                   int64_t unit_id, err_detail *err) {
    reg_unit old, nu;
    const char *reason = NULL;
    return key_change_build(ctx, payload, unit_id, &old, &nu, &reason, err);
}

/* On approval: checked again (the unit may have changed since submission),
 * then written with the application's id on every history row. */
err_kind reg_unit_key_change_apply(svc_ctx *ctx, int64_t app_id, const json_t *payload,
                                   int64_t person_id, int64_t unit_id, err_detail *err) {
    reg_unit old, nu;
    const char *reason = NULL;
    err_kind k = key_change_build(ctx, payload, unit_id, &old, &nu, &reason, err);
    save_how how = {"unit.key_change", app_id, reason};
    if (!k) k = unit_save(ctx, &old, &nu, &how, NULL, err);
    return k;
}

err_kind reg_unit_key_change_submit(svc_ctx *ctx, int64_t unit_id, const json_t *changes,
                                    const char *reason, int64_t *app_id_out, err_detail *err) {
    reg_unit u;
    err_kind k = load_visible(ctx, unit_id, &u, err);
    if (!k) k = require_role(ctx, ROLES_UNIT_OR_COUNTER, "申请变更单位关键信息", err);
    if (k) return k;
    json_t *payload = json_object();
    if (changes) json_object_set(payload, "changes", (json_t *)changes);
    if (reason) json_object_set_new(payload, "reason", json_string(reason));
    application_new in = {.item_id = KEY_CHANGE_ITEM, .payload = payload, .unit_id = unit_id};
    k = application_submit(ctx, &in, app_id_out, err);
    json_decref(payload);
    return k;
}

/* ---- agreement, certificate, online payment, district ---- */

err_kind reg_unit_collection_agreement(svc_ctx *ctx, int64_t unit_id, const char *bank_name,
                                       const char *bank_account, err_detail *err) {
    reg_unit old, nu;
    err_kind k = load_visible(ctx, unit_id, &old, err);
    if (!k) k = require_role(ctx, ROLES_UNIT_OR_COUNTER, "签订托收协议", err);
    const input_field inputs[] = {{"bank_name", bank_name, 0, true}, {"bank_account", bank_account, 0, true}};
    if (!k) k = check_inputs(ctx, inputs, 2, err);
    if (k) return k;
    rule_cancelled(&old, err);
    k = err_rules_finish(err);
    if (k) return k;
    if (old.collection_agreement && strcmp(old.bank_name, bank_name) == 0 &&
        strcmp(old.bank_account, bank_account) == 0)
        return err_set(err, ERR_CONFLICT, "agreement_unchanged", NULL, "该托收协议（%s %s）已签订",
                       bank_name, bank_account);
    nu = old;
    snprintf(nu.bank_name, sizeof nu.bank_name, "%s", bank_name);
    snprintf(nu.bank_account, sizeof nu.bank_account, "%s", bank_account);
    nu.collection_agreement = 1;
    save_how how = {"unit.collection_agreement", 0, "签订托收协议"};
    return unit_save(ctx, &old, &nu, &how, NULL, err);
}

err_kind reg_unit_certificate_issue(svc_ctx *ctx, int64_t unit_id, err_detail *err) {
    reg_unit old, nu;
    err_kind k = load_visible(ctx, unit_id, &old, err);
    if (!k) k = require_role(ctx, ROLES_COUNTER, "办理单位数字证书", err);
    if (k) return k;
    rule_cancelled(&old, err);
    k = err_rules_finish(err);
    if (k) return k;
    if (old.has_certificate)
        return err_set(err, ERR_CONFLICT, "certificate_exists", NULL, "该单位已办理数字证书");
    nu = old;
    nu.has_certificate = 1;
    save_how how = {"unit.certificate", 0, "办理数字证书"};
    return unit_save(ctx, &old, &nu, &how, NULL, err);
}

err_kind reg_unit_online_payment(svc_ctx *ctx, int64_t unit_id, err_detail *err) {
    reg_unit old, nu;
    err_kind k = load_visible(ctx, unit_id, &old, err);
    if (!k) k = require_role(ctx, ROLES_UNIT_OR_COUNTER, "开通网上缴费权限", err);
    if (k) return k;
    if (old.online_payment)
        return err_set(err, ERR_CONFLICT, "online_payment_granted", NULL, "该单位已开通网上缴费权限");
    char data[DATA_BYTES];
    snprintf(data, sizeof data, "{\"unit_id\":%" PRId64 "}", old.id);
    rule_cancelled(&old, err);
    if (!old.has_certificate)
        err_rule_add(err, "certificate_missing", data, "单位尚未办理数字证书，不能开通网上缴费权限");
    if (!old.collection_agreement)
        err_rule_add(err, "collection_agreement_missing", data,
                     "单位尚未签订托收协议，不能开通网上缴费权限");
    k = err_rules_finish(err);
    if (k) return k;
    nu = old;
    nu.online_payment = 1;
    save_how how = {"unit.online_payment", 0, "开通网上缴费权限"};
    return unit_save(ctx, &old, &nu, &how, NULL, err);
}

static err_kind check_reason(const char *reason, err_detail *err) {
    if (!reason || strnlen(reason, REG_UNIT_REASON_BYTES_MAX + 1) <= REG_UNIT_REASON_BYTES_MAX)
        return ERR_OK;
    return err_set(err, ERR_INVALID, "invalid_field", "reason", "原因过长（最多 %d 字节）",
                   REG_UNIT_REASON_BYTES_MAX);
}

err_kind reg_unit_district_change(svc_ctx *ctx, int64_t unit_id, const char *district,
                                  const char *reason, err_detail *err) {
    reg_unit old, nu;
    err_kind k = load_visible(ctx, unit_id, &old, err);
    if (!k) k = require_role(ctx, ROLES_COUNTER, "变更单位参保所属地", err);
    const input_field inputs[] = {{"district", district, 0, true}};
    if (!k) k = check_inputs(ctx, inputs, 1, err);
    if (!k) k = check_reason(reason, err);
    if (k) return k;
    rule_cancelled(&old, err);
    if (strcmp(old.district, district) == 0) {
        char data[DATA_BYTES];
        snprintf(data, sizeof data, "{\"district\":\"%.64s\"}", old.district);
        err_rule_add(err, "same_district", data, "单位参保所属地已是%s", old.district);
    }
    k = err_rules_finish(err);
    if (k) return k;
    nu = old;
    snprintf(nu.district, sizeof nu.district, "%s", district);
    save_how how = {"unit.district_change", 0, reason ? reason : "参保所属地变更"};
    return unit_save(ctx, &old, &nu, &how, NULL, err);
}

/* ---- cancellation ---- */

err_kind reg_unit_active_employees(svc_ctx *ctx, int64_t unit_id, int64_t *count_out,
                                   err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_UNIT_REG_ACTIVE_EMPLOYEES, &st, err);
    if (k) return k;
    store_bind_int(st, 1, unit_id);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k) *count_out = row ? store_col_int(st, 0) : 0;
    store_stmt_done(st);
    return k;
}

/* The unit's outstanding arrears with their late fees to the business date
 * (svc/collection.c, which also marks bills that fell overdue). */
err_kind reg_unit_arrears_fen(svc_ctx *ctx, int64_t unit_id, int64_t *fen_out, err_detail *err) {
    money_fen total = 0;
    err_kind k = collect_unit_arrears(ctx, unit_id, NULL, &total, err);
    if (!k) *fen_out = total;
    return k;
}

static err_kind cancel_rules(svc_ctx *ctx, const reg_unit *u, err_detail *err) {
    int64_t employees = 0, arrears = 0;
    err_kind k = reg_unit_active_employees(ctx, u->id, &employees, err);
    if (!k) k = reg_unit_arrears_fen(ctx, u->id, &arrears, err);
    if (k) return k;
    char data[DATA_BYTES];
    if (employees > 0) {
        snprintf(data, sizeof data, "{\"count\":%" PRId64 "}", employees);
        err_rule_add(err, "active_employees", data,
                     "单位尚有 %" PRId64 " 名在职参保职工，须先办理退工停保", employees);
    }
    if (arrears > 0) {
        char yuan[MONEY_STR_BYTES];
        money_format_yuan(arrears, 1, yuan);
        snprintf(data, sizeof data, "{\"amount_fen\":%" PRId64 "}", arrears);
        err_rule_add(err, "arrears_outstanding", data, "单位尚有欠费 %s 元，须先缴清", yuan);
    }
    return err_rules_finish(err);
}

err_kind reg_unit_cancel(svc_ctx *ctx, int64_t unit_id, const char *reason, err_detail *err) {
    reg_unit old, nu;
    err_kind k = load_visible(ctx, unit_id, &old, err);
    if (!k) k = require_role(ctx, ROLES_COUNTER, "办理单位注销", err);
    if (!k) k = check_reason(reason, err);
    if (k) return k;
    rule_cancelled(&old, err);
    k = err_rules_finish(err);   /* a cancelled unit: nothing else to say */
    if (!k) k = cancel_rules(ctx, &old, err);
    if (k) return k;
    nu = old;
    snprintf(nu.status, sizeof nu.status, "cancelled");
    date_format(ctx->business_date, nu.cancelled_on);
    nu.online_payment = 0;   /* nothing is collected from a cancelled unit */
    save_how how = {"unit.cancel", 0, reason && !blank(reason) ? reason : "单位注销"};
    return unit_save(ctx, &old, &nu, &how, NULL, err);
}

/* ---- employees, history, certificate, operators ---- */

static json_t *employment_json(store_stmt *st) {
    json_t *o = json_pack("{s:I, s:s, s:s, s:o, s:s, s:b, s:s}", "id", (json_int_t)store_col_int(st, 0),
        "kind", store_col_text(st, 1), "start_date", store_col_text(st, 2), "end_date",
        text_or_null(store_col_text(st, 3)), "enrolled_on", store_col_text(st, 4), "late",
        store_col_int(st, 5) != 0, "status", store_col_text(st, 6));
    if (*store_col_text(st, 7))
        json_object_set_new(o, "termination_reason", json_string(store_col_text(st, 7)));
    return o;
}

static err_kind employments_json(svc_ctx *ctx, int64_t person_id, int64_t unit_id, json_t **out,
                                 err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_UNIT_REG_EMPLOYMENTS_OF, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    store_bind_int(st, 2, unit_id);
    store_bind_int(st, 3, UNIT_EMPLOYMENTS_MAX);
    json_t *arr = json_array();
    bool row = true;
    for (int n = 0; n < UNIT_EMPLOYMENTS_MAX; n++) {
        k = store_step(st, &row, err);
        if (k || !row) break;
        json_array_append_new(arr, employment_json(st));
    }
    store_stmt_done(st);
    if (k) { json_decref(arr); return k; }
    *out = arr;
    return ERR_OK;
}

/* The persons first (one statement), then each one's employments and spans. */
static err_kind employee_rows(svc_ctx *ctx, int64_t unit_id, bool former, json_t *arr,
                              err_detail *err) {
    store_stmt *st;
    store_query q = former ? STORE_Q_UNIT_REG_EMPLOYEES_FORMER : STORE_Q_UNIT_REG_EMPLOYEES_CURRENT;
    err_kind k = store_prepare(ctx->tx, q, &st, err);
    if (k) return k;
    store_bind_int(st, 1, unit_id);
    store_bind_int(st, 2, LIMIT_QUERY_ROWS_MAX);
    bool row = true;
    for (int n = 0; n < LIMIT_QUERY_ROWS_MAX; n++) {
        k = store_step(st, &row, err);
        if (k || !row) break;
        json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "person_id",
            (json_int_t)store_col_int(st, 0), "name", store_col_text(st, 1), "id_kind",
            store_col_text(st, 2), "id_number", store_col_text(st, 3), "si_number",
            store_col_text(st, 4), "park_number", store_col_text(st, 5)));
    }
    store_stmt_done(st);
    return k;
}

static err_kind employee_details(svc_ctx *ctx, int64_t unit_id, json_t *arr, err_detail *err) {
    size_t i;
    json_t *p;
    err_kind k = ERR_OK;
    json_array_foreach(arr, i, p) {
        int64_t pid = json_integer_value(json_object_get(p, "person_id"));
        json_t *emp = NULL, *spans = NULL;
        k = employments_json(ctx, pid, unit_id, &emp, err);
        if (!k) json_object_set_new(p, "employments", emp);
        if (!k) k = reg_spans_json(ctx, pid, unit_id, false, &spans, err);
        if (!k) json_object_set_new(p, "spans", spans);
        if (k) break;
    }
    return k;
}

err_kind reg_unit_employees_json(svc_ctx *ctx, int64_t unit_id, bool former, json_t **out,
                                 err_detail *err) {
    reg_unit u;
    err_kind k = load_visible(ctx, unit_id, &u, err);
    if (k) return k;
    json_t *arr = json_array();
    k = employee_rows(ctx, unit_id, former, arr, err);
    if (!k) k = employee_details(ctx, unit_id, arr, err);
    char target[TARGET_BYTES], detail[64];
    target_of(unit_id, target);
    snprintf(detail, sizeof detail, "%s count=%zu", former ? "former" : "current", json_array_size(arr));
    if (!k) k = audit_append(ctx, "unit.employees", target, "ok", detail, err);
    if (k) { json_decref(arr); return k; }
    *out = arr;
    return ERR_OK;
}

static json_t *change_json(store_stmt *st) {
    char at[CLOCK_STR_BYTES];
    clock_format(store_col_int(st, 7), CLOCK_ISO, at);
    const char *field = store_col_text(st, 1);
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)store_col_int(st, 0),
                          "field", field, "field_zh", field_zh(field), "changed_on",
                          store_col_text(st, 4), "at", at);
    json_object_set_new(o, "old_value", store_col_is_null(st, 2) ? json_null() : json_string(store_col_text(st, 2)));
    json_object_set_new(o, "new_value", store_col_is_null(st, 3) ? json_null() : json_string(store_col_text(st, 3)));
    json_object_set_new(o, "actor_user_id", store_col_is_null(st, 5) ? json_null() : json_integer(store_col_int(st, 5)));
    json_object_set_new(o, "application_id", store_col_is_null(st, 6) ? json_null() : json_integer(store_col_int(st, 6)));
    json_object_set_new(o, "reason", json_string(store_col_text(st, 8)));
    return o;
}

err_kind reg_unit_changes_json(svc_ctx *ctx, int64_t unit_id, json_t **out, err_detail *err) {
    reg_unit u;
    err_kind k = load_visible(ctx, unit_id, &u, err);
    if (k) return k;
    store_stmt *st;
    k = store_prepare(ctx->tx, STORE_Q_UNIT_REG_CHANGES, &st, err);
    if (k) return k;
    store_bind_int(st, 1, unit_id);
    store_bind_int(st, 2, LIMIT_QUERY_ROWS_MAX);
    json_t *arr = json_array();
    bool row = true;
    for (int n = 0; n < LIMIT_QUERY_ROWS_MAX; n++) {
        k = store_step(st, &row, err);
        if (k || !row) break;
        json_array_append_new(arr, change_json(st));
    }
    store_stmt_done(st);
    if (k) { json_decref(arr); return k; }
    *out = arr;
    return ERR_OK;
}

static err_kind insured_counts(svc_ctx *ctx, int64_t unit_id, month_ym month,
                               int64_t counts[INS_COUNT], err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_UNIT_REG_INSURED_COUNTS, &st, err);
    if (k) return k;
    store_bind_int(st, 1, unit_id);
    store_bind_int(st, 2, month);
    bool row = true;
    for (int n = 0; n < INS_COUNT * 2; n++) {   /* one row per insurance */
        k = store_step(st, &row, err);
        if (k || !row) break;
        reg_insurance ins;
        err_detail ignore = {0};
        if (!reg_insurance_parse(store_col_text(st, 0), "insurance", &ins, &ignore))
            counts[ins] = store_col_int(st, 1);
    }
    store_stmt_done(st);
    return k;
}

err_kind reg_unit_certificate_json(svc_ctx *ctx, int64_t unit_id, json_t **out, err_detail *err) {
    reg_unit u;
    err_kind k = load_visible(ctx, unit_id, &u, err);
    if (k) return k;
    month_ym month = month_of(ctx->business_date);
    int64_t counts[INS_COUNT] = {0};
    k = insured_counts(ctx, unit_id, month, counts, err);
    if (k) return k;
    json_t *list = json_array();
    for (int i = 0; i < INS_COUNT; i++)
        json_array_append_new(list, json_pack("{s:s, s:s, s:I}", "insurance",
            reg_insurance_name((reg_insurance)i), "insurance_zh", reg_insurance_name_zh((reg_insurance)i),
            "count", (json_int_t)counts[i]));
    char today[DATE_STR_BYTES];
    date_format(ctx->business_date, today);
    json_t *o = json_pack("{s:I, s:s, s:s, s:o, s:s, s:s, s:o, s:s, s:o}", "unit_id", (json_int_t)u.id,
        "name", u.name, "code", u.code, "registered_on", text_or_null(u.registered_on), "status",
        u.status, "status_zh", strcmp(u.status, "cancelled") == 0 ? "已注销" : "正常", "month",
        jsonx_month_new(month), "as_of", today, "insured", list);
    *out = o;
    return ERR_OK;
}

static json_t *operator_json(svc_ctx *ctx, store_stmt *st) {
    const char *login = store_col_text(st, 1);
    const char *slash = strchr(login, '/');
    return json_pack("{s:I, s:s, s:s, s:s, s:b, s:b}", "user_id", (json_int_t)store_col_int(st, 0),
        "login", login, "operator", slash ? slash + 1 : login, "display_name", store_col_text(st, 2),
        "disabled", store_col_int(st, 3) != 0, "locked", store_col_int(st, 4) > ctx->now_ms);
}

err_kind reg_unit_operators_json(svc_ctx *ctx, int64_t unit_id, json_t **out, err_detail *err) {
    reg_unit u;
    err_kind k = load_visible(ctx, unit_id, &u, err);
    if (k) return k;
    store_stmt *st;
    k = store_prepare(ctx->tx, STORE_Q_UNIT_REG_OPERATORS, &st, err);
    if (k) return k;
    store_bind_int(st, 1, unit_id);
    store_bind_int(st, 2, LIMIT_QUERY_ROWS_MAX);
    json_t *arr = json_array();
    bool row = true;
    for (int n = 0; n < LIMIT_QUERY_ROWS_MAX; n++) {
        k = store_step(st, &row, err);
        if (k || !row) break;
        json_array_append_new(arr, operator_json(ctx, st));
    }
    store_stmt_done(st);
    if (k) { json_decref(arr); return k; }
    *out = arr;
    return ERR_OK;
}
