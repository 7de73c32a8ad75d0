/* sipf enrol and sipf import: employees' enrolment, termination, the
 * termination reason change, transfer records and roster files from the
 * command line, through the same svc functions as the API
 * (svc/registry_enrol.h). The CLI acts as the center itself; a unit is named
 * by its credit code (--unit) or its id (--unit-id). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/limits.h"
#include "base/table.h"
#include "cli/cli.h"
#include "svc/registry_enrol.h"
#include "svc/registry_unit.h"

static const char *const USAGE_ZH =
    "sipf enrol 子命令：\n"
    "  employee --unit CODE --id-number N --start YYYY-MM-DD [--name NAME] [--id-kind resident|passport|...]\n"
    "           [--sex M|F] [--birth-date D] [--nationality ISO3] [--hukou-kind K] [--mobile M]\n"
    "           [--contract-end D] [--kind regular|foreign|hmt] [--category C] [--insurances a,b,...]\n"
    "           [--pays-hf yes|no] [--hf-rate-bp N] [--exemption-country ISO3 --exemption-certificate REF]\n"
    "                                     员工参保登记（社保、医保、住房公积金）\n"
    "  terminate (--id-number N | --person-id ID) --end YYYY-MM-DD --reason R [--unit CODE]\n"
    "                                     退工停保\n"
    "  change-reason --employment ID --reason R      修改退工原因（每人一次）\n"
    "  show --employment ID               用工记录\n"
    "  transfer (--id-number N | --person-id ID) --direction in|out --insurance I --region R\n"
    "           --province P [--start-month YYYY-MM --end-month YYYY-MM] [--note T]\n"
    "                                     登记转移记录（江苏省内无需转移）\n"
    "  transfers (--id-number N | --person-id ID)     转移记录\n"
    "每个子命令可加 --json 输出 JSON。\n";

static err_kind parse_int(const char *s, const char *field, int64_t *out, err_detail *err) {
    errno = 0;
    char *end = NULL;
    long long v = s ? strtoll(s, &end, 10) : 0;
    if (!s || !*s || errno || *end || v <= 0)
        return err_set(err, ERR_INVALID, "invalid_field", field, "--%s 应为正整数", field);
    *out = v;
    return ERR_OK;
}

static err_kind opt_date(const cli_opts *o, const char *name, bool required, date_days *out,
                         err_detail *err) {
    const char *v = cli_opt(o, name);
    if (!v && required) return err_set(err, ERR_INVALID, "missing_field", name, "缺少 --%s", name);
    return v ? date_parse(v, name, out, err) : ERR_OK;
}

static err_kind opt_month(const cli_opts *o, const char *name, month_ym *out, err_detail *err) {
    const char *v = cli_opt(o, name);
    return v ? month_parse(v, name, out, err) : ERR_OK;
}

/* --unit CODE or --unit-id ID; 0 when neither is given. */
static err_kind unit_of(cli_env *env, const cli_opts *o, int64_t *id, err_detail *err) {
    const char *code = cli_opt(o, "unit"), *uid = cli_opt(o, "unit-id");
    *id = 0;
    if (code) return reg_unit_find_code(&env->ctx, code, id, err);
    return uid ? parse_int(uid, "unit-id", id, err) : ERR_OK;
}

static err_kind person_of(const cli_opts *o, int64_t *id, err_detail *err) {
    const char *p = cli_opt(o, "person-id");
    *id = 0;
    return p ? parse_int(p, "person-id", id, err) : ERR_OK;
}

/* Prints the answer as JSON (--json) or as its Chinese message. */
static void print_answer(const cli_opts *o, json_t *ans, const char *fallback) {
    if (cli_opt(o, "json")) {
        char *s = json_dumps(ans, JSON_INDENT(2));
        printf("%s\n", s ? s : "{}");
        free(s);
    } else {
        const char *msg = json_string_value(json_object_get(ans, "message"));
        printf("%s\n", msg ? msg : fallback);
    }
}

static err_kind insurances_arg(const char *v, unsigned *out, err_detail *err) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", v);
    unsigned set = 0;
    for (char *p = buf; *p;) {
        char *comma = strchr(p, ',');
        if (comma) *comma = 0;
        reg_insurance ins;
        err_kind k = reg_insurance_parse(p, "insurances", &ins, err);
        if (k) return k;
        set |= 1u << ins;
        p = comma ? comma + 1 : p + strlen(p);
    }
    if (!set) return err_set(err, ERR_INVALID, "invalid_field", "insurances", "--insurances 不能为空");
    *out = set;
    return ERR_OK;
}

static err_kind identity_args(const cli_opts *o, reg_person_new *p, err_detail *err) {
    const char *kind = cli_opt(o, "id-kind");
    p->id_number = cli_opt(o, "id-number");
    p->name = cli_opt(o, "name");
    p->sex = cli_opt(o, "sex");
    p->nationality = cli_opt(o, "nationality");
    p->hukou_kind = cli_opt(o, "hukou-kind");
    p->mobile = cli_opt(o, "mobile");
    p->email = cli_opt(o, "email");
    p->address = cli_opt(o, "address");
    err_kind k = kind ? idno_kind_parse(kind, &p->id_kind, err) : ERR_OK;
    if (!k) k = opt_date(o, "birth-date", false, &p->birth_date, err);
    return k;
}

static err_kind hf_args(const cli_opts *o, enrol_in *in, err_detail *err) {
    const char *pays = cli_opt(o, "pays-hf"), *rate = cli_opt(o, "hf-rate-bp");
    in->pays_hf = -1;
    if (pays && (strcmp(pays, "yes") == 0 || strcmp(pays, "是") == 0)) in->pays_hf = 1;
    else if (pays && (strcmp(pays, "no") == 0 || strcmp(pays, "否") == 0)) in->pays_hf = 0;
    else if (pays) return err_set(err, ERR_INVALID, "invalid_value", "pays-hf", "--pays-hf 应为 yes 或 no");
    return rate ? parse_int(rate, "hf-rate-bp", &in->hf_rate_bp, err) : ERR_OK;
}

static err_kind do_employee(cli_env *env, const cli_opts *o, err_detail *err) {
    enrol_in in;
    memset(&in, 0, sizeof in);
    const char *ins = cli_opt(o, "insurances");
    err_kind k = unit_of(env, o, &in.unit_id, err);
    if (!k) k = person_of(o, &in.person_id, err);
    if (!k) k = identity_args(o, &in.person, err);
    if (!k) k = opt_date(o, "start", true, &in.start_date, err);
    if (!k) k = opt_date(o, "contract-end", false, &in.contract_end, err);
    if (!k) k = hf_args(o, &in, err);
    if (!k && ins) k = insurances_arg(ins, &in.insurances, err);
    if (k) return k;
    in.kind = cli_opt(o, "kind");
    in.category = cli_opt(o, "category");
    in.exemption_country = cli_opt(o, "exemption-country");
    in.exemption_certificate = cli_opt(o, "exemption-certificate");
    json_t *ans = NULL;
    k = enrol_employee(&env->ctx, &in, &ans, err);
    if (k) return k;
    print_answer(o, ans, "已办理参保登记");
    if (!cli_opt(o, "json"))
        printf("用工记录 %lld，参保人 %lld\n", (long long)json_integer_value(json_object_get(ans, "employment_id")),
               (long long)json_integer_value(json_object_get(ans, "person_id")));
    json_decref(ans);
    return ERR_OK;
}

static void print_employment(const cli_opts *o, json_t *e, const char *done) {
    if (cli_opt(o, "json")) {
        print_answer(o, e, "");
        return;
    }
    const char *reason = json_string_value(json_object_get(e, "termination_reason_zh"));
    printf("%s：用工记录 %lld，%s（%s），状态 %s，用工日期 %s%s%s%s%s\n", done,
           (long long)json_integer_value(json_object_get(e, "id")),
           json_string_value(json_object_get(e, "person_name")), json_string_value(json_object_get(e, "id_number")),
           json_string_value(json_object_get(e, "status")), json_string_value(json_object_get(e, "start_date")),
           json_string_value(json_object_get(e, "end_date")) ? "，退工日期 " : "",
           json_string_value(json_object_get(e, "end_date")) ? json_string_value(json_object_get(e, "end_date")) : "",
           reason ? "，退工原因 " : "", reason ? reason : "");
}

static err_kind do_terminate(cli_env *env, const cli_opts *o, err_detail *err) {
    termination_in in = {.id_number = cli_opt(o, "id-number"), .reason = cli_opt(o, "reason")};
    err_kind k = unit_of(env, o, &in.unit_id, err);
    if (!k) k = person_of(o, &in.person_id, err);
    if (!k) k = opt_date(o, "end", true, &in.end_date, err);
    if (!k && !in.reason) k = err_set(err, ERR_INVALID, "missing_field", "reason", "缺少 --reason");
    json_t *e = NULL;
    if (!k) k = enrol_terminate(&env->ctx, &in, &e, err);
    if (k) return k;
    print_employment(o, e, "已办理退工停保");
    json_decref(e);
    return ERR_OK;
}

static err_kind do_change_reason(cli_env *env, const cli_opts *o, err_detail *err) {
    int64_t id = 0;
    const char *reason = cli_opt(o, "reason");
    err_kind k = parse_int(cli_opt(o, "employment"), "employment", &id, err);
    if (!k && !reason) k = err_set(err, ERR_INVALID, "missing_field", "reason", "缺少 --reason");
    json_t *e = NULL;
    if (!k) k = enrol_reason_change(&env->ctx, id, reason, &e, err);
    if (k) return k;
    print_employment(o, e, "已修改退工原因");
    json_decref(e);
    return ERR_OK;
}

static err_kind do_show(cli_env *env, const cli_opts *o, err_detail *err) {
    int64_t id = 0;
    err_kind k = parse_int(cli_opt(o, "employment"), "employment", &id, err);
    json_t *e = NULL;
    if (!k) k = enrol_employment_json(&env->ctx, id, &e, err);
    if (k) return k;
    print_employment(o, e, "用工记录");
    json_decref(e);
    return ERR_OK;
}

static err_kind transfer_person(cli_env *env, const cli_opts *o, int64_t *id, err_detail *err) {
    err_kind k = person_of(o, id, err);
    if (!k && !*id && cli_opt(o, "id-number")) k = reg_person_find(&env->ctx, cli_opt(o, "id-number"), id, err);
    if (!k && !*id) k = err_set(err, ERR_INVALID, "missing_field", "id-number", "缺少 --id-number 或 --person-id");
    return k;
}

static err_kind do_transfer(cli_env *env, const cli_opts *o, err_detail *err) {
    transfer_in in = {.direction = cli_opt(o, "direction"), .insurance = cli_opt(o, "insurance"),
                      .region = cli_opt(o, "region"), .province = cli_opt(o, "province"),
                      .note = cli_opt(o, "note")};
    err_kind k = transfer_person(env, o, &in.person_id, err);
    if (!k) k = opt_month(o, "start-month", &in.start_month, err);
    if (!k) k = opt_month(o, "end-month", &in.end_month, err);
    json_t *t = NULL;
    if (!k) k = enrol_transfer_record(&env->ctx, &in, &t, err);
    if (k) return k;
    print_answer(o, t, "已登记转移记录");
    json_decref(t);
    return ERR_OK;
}

static err_kind do_transfers(cli_env *env, const cli_opts *o, err_detail *err) {
    int64_t id = 0;
    json_t *rows = NULL;
    err_kind k = transfer_person(env, o, &id, err);
    if (!k) k = enrol_transfers_json(&env->ctx, id, &rows, err);
    if (k) return k;
    if (cli_opt(o, "json")) {
        print_answer(o, rows, "");
    } else {
        size_t i;
        json_t *t;
        json_array_foreach(rows, i, t)
            printf("%lld\t%s\t%s\t%s %s\t%s\t%lld 个月\n", (long long)json_integer_value(json_object_get(t, "id")),
                   json_string_value(json_object_get(t, "direction")),
                   json_string_value(json_object_get(t, "insurance_zh")),
                   json_string_value(json_object_get(t, "province")), json_string_value(json_object_get(t, "region")),
                   json_string_value(json_object_get(t, "status")),
                   (long long)json_integer_value(json_object_get(t, "months")));
    }
    json_decref(rows);
    return ERR_OK;
}

typedef err_kind (*enrol_sub)(cli_env *env, const cli_opts *o, err_detail *err);

static const struct { const char *name; enrol_sub fn; } subs[] = {
    {"employee", do_employee},   {"terminate", do_terminate}, {"change-reason", do_change_reason},
    {"show", do_show},           {"transfer", do_transfer},   {"transfers", do_transfers},
};

/* Opens the store, runs one subcommand in one transaction, commits or rolls back. */
static int run_sub(const cli_opts *o, enrol_sub fn) {
    cli_env env;
    err_detail err = {0};
    if (cli_env_open(o, true, &env, &err)) return cli_fail(&err);
    err_kind k = cli_env_begin(&env, &err);
    if (!k) k = cli_env_end(&env, fn(&env, o, &err), &err);
    cli_env_close(&env);
    return k ? cli_fail(&err) : 0;
}

int cmd_enrol(cli_opts *o) {
    static const char *const allowed[] = {"unit", "unit-id", "person-id", "id-number", "id-kind", "name", "sex",
        "birth-date", "nationality", "hukou-kind", "mobile", "email", "address", "start", "contract-end",
        "kind", "category", "insurances", "pays-hf", "hf-rate-bp", "exemption-country",
        "exemption-certificate", "end", "reason", "employment", "direction", "insurance", "region",
        "province", "start-month", "end-month", "note", "json", NULL};
    if (!cli_only(o, allowed)) return 2;
    const char *sub = o->word_count ? o->words[0] : "";
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (strcmp(sub, subs[i].name) == 0) return run_sub(o, subs[i].fn);
    fprintf(stderr, "sipf enrol: 子命令无效：%s\n%s", sub, USAGE_ZH);
    return 2;
}

/* ---- sipf import roster FILE --unit CODE ---- */

/* The whole file, at most LIMIT_UPLOAD_BYTES_MAX bytes, into the arena. */
static err_kind read_upload(arena *ar, const char *path, char **data, size_t *len, err_detail *err) {
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return err_set(err, ERR_NOT_FOUND, "file_not_found", "file", "找不到文件：%.200s", path);
    if (sb.st_size > LIMIT_UPLOAD_BYTES_MAX)
        return err_set(err, ERR_TOO_LARGE, "file_too_large", "file", "文件过大：%lld 字节，上限 %d 字节",
                       (long long)sb.st_size, LIMIT_UPLOAD_BYTES_MAX);
    FILE *f = fopen(path, "rb");
    if (!f) return err_set(err, ERR_NOT_FOUND, "file_not_found", "file", "无法打开文件：%.200s", path);
    char *buf = arena_alloc(ar, (size_t)sb.st_size + 1);
    size_t n = fread(buf, 1, (size_t)sb.st_size, f);
    fclose(f);
    if (n != (size_t)sb.st_size)
        return err_set(err, ERR_INVALID, "file_unreadable", "file", "读取文件失败：%.200s", path);
    *data = buf;
    *len = n;
    return ERR_OK;
}

static void print_bad_rows(const json_t *bad) {
    size_t i;
    const json_t *p;
    json_array_foreach(bad, i, p)
        fprintf(stderr, "  第 %lld 行 %s：%s [%s]\n", (long long)json_integer_value(json_object_get(p, "row")),
                json_string_value(json_object_get(p, "column")), json_string_value(json_object_get(p, "message")),
                json_string_value(json_object_get(p, "code")));
}

static void print_enrolled(const cli_opts *o, json_t *ans) {
    if (cli_opt(o, "json")) {
        print_answer(o, ans, "");
        return;
    }
    printf("花名册已导入：%lld 人，其中逾期登记 %lld 人\n", (long long)json_integer_value(json_object_get(ans, "count")),
           (long long)json_integer_value(json_object_get(ans, "late_count")));
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(ans, "enrolled"), i, r)
        printf("  第 %lld 行\t%s\t%s\t参保人 %lld\t用工记录 %lld%s\n", (long long)json_integer_value(json_object_get(r, "row")),
               json_string_value(json_object_get(r, "id_number")), json_string_value(json_object_get(r, "name")),
               (long long)json_integer_value(json_object_get(r, "person_id")),
               (long long)json_integer_value(json_object_get(r, "employment_id")),
               json_is_true(json_object_get(r, "late")) ? "\t逾期" : "");
}

static err_kind import_roster(cli_env *env, const cli_opts *o, const char *path, json_t **bad,
                              err_detail *err) {
    int64_t unit_id = 0;
    char *data = NULL;
    size_t len = 0;
    table t;
    err_kind k = unit_of(env, o, &unit_id, err);
    if (!k && !unit_id) k = err_set(err, ERR_INVALID, "missing_field", "unit", "缺少 --unit（单位统一社会信用代码）");
    if (!k) k = read_upload(env->ar, path, &data, &len, err);
    if (!k) k = table_read(env->ar, table_format_guess(path, data, len), data, len, &t, err);
    json_t *ans = NULL;
    if (!k) k = enrol_roster(&env->ctx, unit_id, &t, &ans, bad, err);
    if (!k) print_enrolled(o, ans);
    json_decref(ans);
    return k;
}

int cmd_import(cli_opts *o) {
    static const char *const allowed[] = {"unit", "unit-id", "json", NULL};
    if (!cli_only(o, allowed)) return 2;
    if (o->word_count != 2 || strcmp(o->words[0], "roster") != 0) {
        fprintf(stderr, "sipf import: 用法 sipf import roster FILE --unit CODE（CSV 或 XLSX，列名见 docs/roster.md）\n");
        return 2;
    }
    cli_env env;
    err_detail err = {0};
    json_t *bad = NULL;
    if (cli_env_open(o, true, &env, &err)) return cli_fail(&err);
    err_kind k = cli_env_begin(&env, &err);
    if (!k) k = cli_env_end(&env, import_roster(&env, o, o->words[1], &bad, &err), &err);
    cli_env_close(&env);
    if (!k) return 0;
    if (!bad) return cli_fail(&err);
    /* every bad row, not only the rules the error detail has room for */
    fprintf(stderr, "sipf: %s [%s]\n", err.message, err.code);
    print_bad_rows(bad);
    json_decref(bad);
    return err_exit_code(err.kind);
}
