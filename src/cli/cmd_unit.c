/* sipf unit: the counter's unit operations from the command line, through
 * the same svc functions as the API (svc/registry_unit.h). The CLI acts as
 * the center itself. A unit is named by its credit code or its id. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "cli/cli.h"
#include "svc/registry_unit.h"

static const char *const USAGE_ZH =
    "sipf unit 子命令：\n"
    "  register --code CODE --name NAME --unit-type enterprise|institution|social_org|non_legal|government\n"
    "           --industry-class 1..8 --address ADDR --contact-name NAME --contact-phone PHONE\n"
    "           [--contact-email E] [--category sip_a|sip_b|gov|...] [--district D]\n"
    "           [--bank-name BANK --bank-account DIGITS]\n"
    "  show UNIT [--json]                 单位信息（UNIT 为统一社会信用代码或单位编号）\n"
    "  find [--code CODE] [--name PART] [--status active|cancelled] [--limit N] [--json]\n"
    "  update UNIT [--address A] [--contact-name N] [--contact-phone P] [--contact-email E]\n"
    "              [--bank-name B] [--bank-account D]      非关键信息，即时生效\n"
    "  key-change UNIT [--name N] [--unit-type T] [--industry-class C] [--category K] --reason R\n"
    "                                     关键信息变更申请（事项 unit.update，审核后生效）\n"
    "  agreement UNIT --bank-name B --bank-account D    托收协议\n"
    "  certificate UNIT                   数字证书\n"
    "  online-payment UNIT                开通网上缴费权限\n"
    "  district UNIT --district D [--reason R]          参保所属地变更\n"
    "  cancel UNIT [--reason R]           注销\n"
    "  employees UNIT [--status current|former] [--json]\n"
    "  changes UNIT [--json]              变更记录\n"
    "  certificate-data UNIT [--json]     单位参保证明数据\n"
    "  operators UNIT [--json]            经办人账号\n";

/* Options that name unit fields, as PATCH and key changes take them. */
static const struct { const char *opt; const char *field; bool is_int; } field_opts[] = {
    {"name", "name", false},           {"unit-type", "unit_type", false},
    {"industry-class", "industry_class", true}, {"category", "category", false},
    {"address", "address", false},     {"contact-name", "contact_name", false},
    {"contact-phone", "contact_phone", false}, {"contact-email", "contact_email", false},
    {"bank-name", "bank_name", false}, {"bank-account", "bank_account", false},
    {"district", "district", false},   {"code", "code", false},
};

static err_kind parse_int(const char *s, const char *field, int64_t *out, err_detail *err) {
    errno = 0;
    char *end = NULL;
    long long v = s ? strtoll(s, &end, 10) : 0;
    if (!s || !*s || errno || *end)
        return err_set(err, ERR_INVALID, "invalid_field", field, "--%s 应为整数", field);
    *out = v;
    return ERR_OK;
}

/* UNIT: an 18-character credit code, or the unit's id. */
static err_kind unit_arg(cli_env *env, const cli_opts *o, int64_t *id, err_detail *err) {
    const char *s = o->word_count > 1 ? o->words[1] : NULL;
    if (!s) return err_set(err, ERR_INVALID, "missing_field", "unit", "请指定单位（统一社会信用代码或单位编号）");
    if (strlen(s) == 18) return reg_unit_find_code(&env->ctx, s, id, err);
    return parse_int(s, "unit", id, err);
}

static void print_json(const json_t *j) {
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (s) printf("%s\n", s);
    free(s);
}

static const char *str_of(const json_t *o, const char *key) {
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "—";
}

static void print_unit(const json_t *u) {
    printf("单位 %lld：%s（%s）\n", (long long)json_integer_value(json_object_get(u, "id")),
           str_of(u, "name"), str_of(u, "status_zh"));
    printf("  统一社会信用代码  %s\n  单位类型          %s\n", str_of(u, "code"), str_of(u, "unit_type_zh"));
    printf("  行业类别          %lld（工伤基准费率 %lld 基点）\n",
           (long long)json_integer_value(json_object_get(u, "industry_class")),
           (long long)json_integer_value(json_object_get(u, "injury_rate_bp")));
    printf("  职工参保类别      %s\n  参保所属地        %s\n", str_of(u, "category_zh"), str_of(u, "district"));
    printf("  地址              %s\n  联系人            %s %s\n", str_of(u, "address"),
           str_of(u, "contact_name"), str_of(u, "contact_phone"));
    printf("  托收协议          %s %s %s\n", json_is_true(json_object_get(u, "collection_agreement")) ? "已签订" : "未签订",
           str_of(u, "bank_name"), str_of(u, "bank_account"));
    printf("  数字证书          %s\n  网上缴费权限      %s\n",
           json_is_true(json_object_get(u, "has_certificate")) ? "已办理" : "未办理",
           json_is_true(json_object_get(u, "online_payment")) ? "已开通" : "未开通");
    printf("  登记日期          %s\n", str_of(u, "registered_on"));
    if (json_is_string(json_object_get(u, "cancelled_on")))
        printf("  注销日期          %s\n", str_of(u, "cancelled_on"));
}

/* Prints the unit as it now stands, after a change. */
static err_kind show_unit(cli_env *env, const cli_opts *o, int64_t id, err_detail *err) {
    json_t *u = NULL;
    err_kind k = reg_unit_json(&env->ctx, id, &u, err);
    if (k) return k;
    if (cli_opt(o, "json")) print_json(u);
    else print_unit(u);
    json_decref(u);
    return ERR_OK;
}

static err_kind do_register(cli_env *env, const cli_opts *o, err_detail *err) {
    reg_unit_new in = {
        .code = cli_opt(o, "code"), .name = cli_opt(o, "name"), .unit_type = cli_opt(o, "unit-type"),
        .category = cli_opt(o, "category"), .address = cli_opt(o, "address"),
        .contact_name = cli_opt(o, "contact-name"), .contact_phone = cli_opt(o, "contact-phone"),
        .contact_email = cli_opt(o, "contact-email"), .district = cli_opt(o, "district"),
        .bank_name = cli_opt(o, "bank-name"), .bank_account = cli_opt(o, "bank-account"),
    };
    if (!in.code) return err_set(err, ERR_INVALID, "missing_field", "code", "缺少 --code");
    err_kind k = parse_int(cli_opt(o, "industry-class"), "industry-class", &in.industry_class, err);
    int64_t id = 0;
    if (!k) k = reg_unit_register(&env->ctx, &in, &id, err);
    if (!k) printf("单位已登记：单位编号 %lld\n", (long long)id);
    if (!k) k = show_unit(env, o, id, err);
    return k;
}

static err_kind do_find(cli_env *env, const cli_opts *o, err_detail *err) {
    int64_t limit = 200;
    err_kind k = cli_opt(o, "limit") ? parse_int(cli_opt(o, "limit"), "limit", &limit, err) : ERR_OK;
    json_t *rows = NULL;
    if (!k) k = reg_unit_search(&env->ctx, cli_opt(o, "code"), cli_opt(o, "name"), cli_opt(o, "status"),
                                (int)(limit > 0 && limit <= LIMIT_QUERY_ROWS_MAX ? limit : 0), &rows, err);
    if (k) return k;
    if (cli_opt(o, "json")) print_json(rows);
    size_t i;
    json_t *u;
    json_array_foreach(rows, i, u) if (!cli_opt(o, "json"))
        printf("%-6lld %s  %s  %s\n", (long long)json_integer_value(json_object_get(u, "id")),
               str_of(u, "code"), str_of(u, "name"), str_of(u, "status_zh"));
    if (!cli_opt(o, "json")) printf("共 %zu 个单位\n", json_array_size(rows));
    json_decref(rows);
    return ERR_OK;
}

/* The field options given, as an object of changes. */
static err_kind changes_of(const cli_opts *o, json_t **out, err_detail *err) {
    json_t *ch = json_object();
    for (size_t i = 0; i < sizeof field_opts / sizeof field_opts[0]; i++) {
        const char *v = cli_opt(o, field_opts[i].opt);
        if (!v) continue;
        int64_t n = 0;
        err_kind k = field_opts[i].is_int ? parse_int(v, field_opts[i].opt, &n, err) : ERR_OK;
        if (k) { json_decref(ch); return k; }
        json_object_set_new(ch, field_opts[i].field, field_opts[i].is_int ? json_integer(n) : json_string(v));
    }
    *out = ch;
    return ERR_OK;
}

static err_kind do_update(cli_env *env, const cli_opts *o, int64_t id, err_detail *err) {
    json_t *ch = NULL;
    int changed = 0;
    err_kind k = changes_of(o, &ch, err);
    if (!k) k = reg_unit_update(&env->ctx, id, ch, &changed, err);
    json_decref(ch);
    if (!k) printf("已变更 %d 项\n", changed);
    if (!k) k = show_unit(env, o, id, err);
    return k;
}

static err_kind do_key_change(cli_env *env, const cli_opts *o, int64_t id, err_detail *err) {
    json_t *ch = NULL;
    int64_t app = 0;
    err_kind k = changes_of(o, &ch, err);
    if (!k) k = reg_unit_key_change_submit(&env->ctx, id, ch, cli_opt(o, "reason"), &app, err);
    json_decref(ch);
    if (!k) printf("已提交单位关键信息变更申请：办件 %lld（审核通过后生效）\n", (long long)app);
    return k;
}

typedef err_kind (*unit_list_fn)(svc_ctx *ctx, int64_t unit_id, json_t **out, err_detail *err);

static void print_change(const json_t *h) {
    printf("%s  %s：%s → %s", str_of(h, "changed_on"), str_of(h, "field_zh"), str_of(h, "old_value"),
           str_of(h, "new_value"));
    if (json_is_integer(json_object_get(h, "application_id")))
        printf("（办件 %lld）", (long long)json_integer_value(json_object_get(h, "application_id")));
    printf("  %s\n", str_of(h, "reason"));
}

static void print_operator(const json_t *u) {
    printf("%-6lld %s  %s%s\n", (long long)json_integer_value(json_object_get(u, "user_id")), str_of(u, "login"),
           str_of(u, "display_name"), json_is_true(json_object_get(u, "disabled")) ? "（已停用）" : "");
}

static void print_employee(const json_t *p) {
    printf("%-6lld %s  %s  社保号 %s\n", (long long)json_integer_value(json_object_get(p, "person_id")),
           str_of(p, "name"), str_of(p, "id_number"), str_of(p, "si_number"));
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(p, "spans"), i, s)
        printf("       %s  %s 起 %s  %s\n", str_of(s, "insurance_zh"), str_of(s, "start_month"),
               json_is_string(json_object_get(s, "end_month")) ? str_of(s, "end_month") : "",
               str_of(s, "status"));
}

static err_kind print_list(const cli_opts *o, json_t *rows, void (*line)(const json_t *)) {
    if (cli_opt(o, "json")) print_json(rows);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) if (!cli_opt(o, "json")) line(r);
    if (!cli_opt(o, "json")) printf("共 %zu 条\n", json_array_size(rows));
    json_decref(rows);
    return ERR_OK;
}

static err_kind do_employees(cli_env *env, const cli_opts *o, int64_t id, err_detail *err) {
    const char *status = cli_opt(o, "status") ? cli_opt(o, "status") : "current";
    bool former = strcmp(status, "former") == 0;
    if (!former && strcmp(status, "current") != 0)
        return err_set(err, ERR_INVALID, "invalid_value", "status", "--status 应为 current 或 former");
    json_t *rows = NULL;
    err_kind k = reg_unit_employees_json(&env->ctx, id, former, &rows, err);
    return k ? k : print_list(o, rows, print_employee);
}

static err_kind do_list(cli_env *env, const cli_opts *o, int64_t id, unit_list_fn fn,
                        void (*line)(const json_t *), err_detail *err) {
    json_t *rows = NULL;
    err_kind k = fn(&env->ctx, id, &rows, err);
    return k ? k : print_list(o, rows, line);
}

static err_kind do_certificate_data(cli_env *env, const cli_opts *o, int64_t id, err_detail *err) {
    json_t *c = NULL;
    err_kind k = reg_unit_certificate_json(&env->ctx, id, &c, err);
    if (k) return k;
    if (cli_opt(o, "json")) print_json(c);
    else {
        printf("单位参保证明：%s（%s），登记日期 %s，%s，%s 参保人数：\n", str_of(c, "name"), str_of(c, "code"),
               str_of(c, "registered_on"), str_of(c, "status_zh"), str_of(c, "month"));
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(c, "insured"), i, it)
            printf("  %-12s %lld\n", str_of(it, "insurance_zh"), (long long)json_integer_value(json_object_get(it, "count")));
    }
    json_decref(c);
    return ERR_OK;
}

/* Subcommands that act on one unit and then show it. */
static err_kind do_on_unit(cli_env *env, const cli_opts *o, const char *sub, int64_t id,
                           err_detail *err) {
    err_kind k;
    if (strcmp(sub, "agreement") == 0) {
        const char *bank = cli_opt(o, "bank-name"), *acct = cli_opt(o, "bank-account");
        if (!bank || !acct)
            return err_set(err, ERR_INVALID, "missing_field", bank ? "bank-account" : "bank-name",
                           "缺少 --bank-name 或 --bank-account");
        k = reg_unit_collection_agreement(&env->ctx, id, bank, acct, err);
    } else if (strcmp(sub, "certificate") == 0) {
        k = reg_unit_certificate_issue(&env->ctx, id, err);
    } else if (strcmp(sub, "online-payment") == 0) {
        k = reg_unit_online_payment(&env->ctx, id, err);
    } else if (strcmp(sub, "district") == 0) {
        if (!cli_opt(o, "district")) return err_set(err, ERR_INVALID, "missing_field", "district", "缺少 --district");
        k = reg_unit_district_change(&env->ctx, id, cli_opt(o, "district"), cli_opt(o, "reason"), err);
    } else {
        k = reg_unit_cancel(&env->ctx, id, cli_opt(o, "reason"), err);
    }
    return k ? k : show_unit(env, o, id, err);
}

static err_kind dispatch(cli_env *env, const cli_opts *o, const char *sub, err_detail *err) {
    if (strcmp(sub, "register") == 0) return do_register(env, o, err);
    if (strcmp(sub, "find") == 0) return do_find(env, o, err);
    int64_t id = 0;
    err_kind k = unit_arg(env, o, &id, err);
    if (k) return k;
    if (strcmp(sub, "show") == 0) return show_unit(env, o, id, err);
    if (strcmp(sub, "update") == 0) return do_update(env, o, id, err);
    if (strcmp(sub, "key-change") == 0) return do_key_change(env, o, id, err);
    if (strcmp(sub, "employees") == 0) return do_employees(env, o, id, err);
    if (strcmp(sub, "changes") == 0) return do_list(env, o, id, reg_unit_changes_json, print_change, err);
    if (strcmp(sub, "operators") == 0) return do_list(env, o, id, reg_unit_operators_json, print_operator, err);
    if (strcmp(sub, "certificate-data") == 0) return do_certificate_data(env, o, id, err);
    return do_on_unit(env, o, sub, id, err);
}

static bool known_sub(const char *sub) {
    static const char *const subs[] = {"register", "show", "find", "update", "key-change", "agreement",
        "certificate", "online-payment", "district", "cancel", "employees", "changes",
        "certificate-data", "operators", NULL};
    for (int i = 0; subs[i]; i++)
        if (strcmp(subs[i], sub) == 0) return true;
    return false;
}

int cmd_unit(cli_opts *o) {
    static const char *const allowed[] = {"code", "name", "unit-type", "industry-class", "category",
        "address", "contact-name", "contact-phone", "contact-email", "district", "bank-name",
        "bank-account", "reason", "status", "limit", "json", NULL};
    if (!cli_only(o, allowed)) return 2;
    const char *sub = o->word_count ? o->words[0] : "";
    if (!known_sub(sub)) {
        fprintf(stderr, "sipf unit: 子命令无效：%s\n%s", sub, USAGE_ZH);
        return 2;
    }
    cli_env env;
    err_detail err = {0};
    if (cli_env_open(o, true, &env, &err)) return cli_fail(&err);
    err_kind k = cli_env_begin(&env, &err);
    if (!k) {
        k = dispatch(&env, o, sub, &err);
        k = cli_env_end(&env, k, &err);
    }
    cli_env_close(&env);
    return k ? cli_fail(&err) : 0;
}
