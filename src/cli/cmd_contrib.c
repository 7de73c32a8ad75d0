/* sipf contrib: bases, the quote, bills, back-payments and the base raise
 * from the command line, through the same svc functions as the API
 * (svc/contribution.h, svc/backpay.h). The CLI acts as the center itself; a
 * unit is named by its credit code (--unit) or its id (--unit-id), a person
 * by an ID number (--id-number) or their id (--person-id). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/limits.h"
#include "base/money.h"
#include "base/table.h"
#include "cli/cli.h"
#include "svc/backpay.h"
#include "svc/contribution.h"
#include "svc/registry_unit.h"

enum { RATE_BP_MAX = 10000, INSURANCE_LIST_BYTES_MAX = 256 };

static const char *const USAGE_ZH =
    "sipf contrib 子命令：\n"
    "  base --unit CODE (--id-number N | --person-id ID) --wage YUAN [--from YYYY-MM]\n"
    "                                   缴费基数申报（按上下限封顶保底）\n"
    "  base --unit CODE --file FILE [--from YYYY-MM]\n"
    "                                   缴费基数申报文件（CSV 或 XLSX：证件号码、月工资，可选起始月份、姓名；\n"
    "                                   有一行错误则整个文件不导入）\n"
    "  quote --month YYYY-MM --wage YUAN --insurances a,b,... [--injury-rate-bp N] [--hf-rate-bp N]\n"
    "                                   缴费试算\n"
    "  bills --unit CODE [--month YYYY-MM]   单位账单列表\n"
    "  bill ID                          账单明细\n"
    "  confirm ID                       确认账单（校验、保存）\n"
    "  backpay --unit CODE (--id-number N | --person-id ID) --from YYYY-MM --to YYYY-MM --wage YUAN\n"
    "          --insurances a,b,... --reason TEXT      补缴\n"
    "  raise --unit CODE (--id-number N | --person-id ID) --from YYYY-MM --wage YUAN\n"
    "                                   缴费基数调整（上调）及差额补收\n"
    "险种：pension medical unemployment injury maternity housing_fund housing_subsidy；\n"
    "每个子命令可加 --json 输出 JSON。\n";

static err_kind parse_pos(const char *s, const char *field, int64_t max, int64_t *out, err_detail *err) {
    errno = 0;
    char *end = NULL;
    long long v = s ? strtoll(s, &end, 10) : 0;
    if (!s || !*s || errno || *end || v <= 0 || v > max)
        return err_set(err, ERR_INVALID, "invalid_field", field, "--%s 应为 1 到 %lld 之间的整数", field,
                       (long long)max);
    *out = v;
    return ERR_OK;
}

static err_kind need(const cli_opts *o, const char *name, const char **out, err_detail *err) {
    *out = cli_opt(o, name);
    return *out ? ERR_OK : err_set(err, ERR_INVALID, "missing_field", name, "缺少 --%s", name);
}

static err_kind opt_month(const cli_opts *o, const char *name, bool required, month_ym *out, err_detail *err) {
    const char *v = cli_opt(o, name);
    if (!v) return required ? err_set(err, ERR_INVALID, "missing_field", name, "缺少 --%s", name) : ERR_OK;
    return month_parse(v, name, out, err);
}

static err_kind opt_yuan(const cli_opts *o, const char *name, money_fen *out, err_detail *err) {
    const char *v;
    err_kind k = need(o, name, &v, err);
    return k ? k : money_parse_yuan(v, name, out, err);
}

/* --unit CODE or --unit-id ID (required). */
static err_kind unit_of(cli_env *env, const cli_opts *o, int64_t *id, err_detail *err) {
    const char *code = cli_opt(o, "unit"), *uid = cli_opt(o, "unit-id");
    if (code) return reg_unit_find_code(&env->ctx, code, id, err);
    if (uid) return parse_pos(uid, "unit-id", INT64_MAX, id, err);
    return err_set(err, ERR_INVALID, "missing_field", "unit", "缺少 --unit（单位统一社会信用代码）");
}

/* --id-number N or --person-id ID (required). */
static err_kind person_of(cli_env *env, const cli_opts *o, int64_t *id, err_detail *err) {
    const char *idn = cli_opt(o, "id-number"), *pid = cli_opt(o, "person-id");
    if (idn) return reg_person_find(&env->ctx, idn, id, err);
    if (pid) return parse_pos(pid, "person-id", INT64_MAX, id, err);
    return err_set(err, ERR_INVALID, "missing_field", "id-number", "缺少 --id-number 或 --person-id");
}

/* "pension,medical" into the insurance bit set. */
static err_kind opt_insurances(const cli_opts *o, unsigned *out, err_detail *err) {
    const char *v;
    err_kind k = need(o, "insurances", &v, err);
    if (k) return k;
    if (strlen(v) > INSURANCE_LIST_BYTES_MAX)
        return err_set(err, ERR_INVALID, "invalid_field", "insurances", "--insurances 过长");
    json_t *arr = json_array();
    const char *p = v;
    while (*p) {
        size_t n = strcspn(p, ",");
        json_array_append_new(arr, json_stringn(p, n));
        p += n;
        if (*p == ',') p++;
    }
    k = reg_insurances_parse(arr, "insurances", out, err);
    json_decref(arr);
    return k;
}

static void print_json(const json_t *v) {
    char *s = json_dumps(v, JSON_INDENT(2));
    printf("%s\n", s ? s : "{}");
    free(s);
}

static const char *yuan(money_fen f, char out[MONEY_STR_BYTES]) {
    money_format_yuan(f, 1, out);
    return out;
}

static int64_t iv(const json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }
static const char *sv(const json_t *o, const char *k) {
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* Runs one write operation in one transaction and prints its answer. */
typedef err_kind (*op_fn)(cli_env *env, const cli_opts *o, json_t **out, json_t **bad, err_detail *err);
typedef void (*print_fn)(const json_t *ans);

static void print_bad_rows(const json_t *bad) {
    size_t i;
    const json_t *p;
    json_array_foreach(bad, i, p)
        fprintf(stderr, "  第 %lld 行 %s：%s [%s]\n", (long long)iv(p, "row"), sv(p, "column"), sv(p, "message"),
                sv(p, "code"));
}

static int run_op(cli_opts *o, bool write, op_fn fn, print_fn print) {
    cli_env env;
    err_detail err = {0};
    json_t *ans = NULL, *bad = NULL;
    if (cli_env_open(o, true, &env, &err)) return cli_fail(&err);
    err_kind k = write ? cli_env_begin(&env, &err) : store_begin(env.st, false, &env.ctx.tx, &err);
    if (!k) k = cli_env_end(&env, fn(&env, o, &ans, &bad, &err), &err);
    cli_env_close(&env);
    if (k) {
        json_decref(ans);
        int rc = cli_fail(&err);
        if (bad) print_bad_rows(bad);   /* every bad row, not only the rules the detail holds */
        json_decref(bad);
        return rc;
    }
    if (cli_opt(o, "json")) print_json(ans);
    else print(ans);
    json_decref(ans);
    return 0;
}

/* ---- base ---- */

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
    if (n != (size_t)sb.st_size) return err_set(err, ERR_INVALID, "file_unreadable", "file", "读取文件失败：%.200s", path);
    *data = buf;
    *len = n;
    return ERR_OK;
}

static err_kind op_base(cli_env *env, const cli_opts *o, json_t **out, json_t **bad, err_detail *err) {
    int64_t unit = 0, person = 0;
    money_fen wage = 0;
    month_ym from = 0;
    err_kind k = unit_of(env, o, &unit, err);
    if (!k) k = opt_month(o, "from", false, &from, err);
    if (!k && cli_opt(o, "file")) {
        char *data = NULL;
        size_t len = 0;
        table t;
        k = read_upload(env->ar, cli_opt(o, "file"), &data, &len, err);
        if (!k) k = table_read(env->ar, table_format_guess(cli_opt(o, "file"), data, len), data, len, &t, err);
        return k ? k : contrib_base_declare_file_from(&env->ctx, unit, &t, from, out, bad, err);
    }
    if (!k) k = person_of(env, o, &person, err);
    if (!k) k = opt_yuan(o, "wage", &wage, err);
    return k ? k : contrib_base_declare(&env->ctx, unit, person, from, wage, NULL, out, err);
}

static void print_base(const json_t *ans) {
    if (json_object_get(ans, "declared")) {
        printf("缴费基数申报文件已导入：%lld 人\n", (long long)iv(ans, "count"));
        size_t i;
        const json_t *r;
        char b[MONEY_STR_BYTES];
        json_array_foreach(json_object_get(ans, "declared"), i, r)
            printf("  第 %lld 行\t%s\t%s 起\t基数 %s 元\n", (long long)iv(r, "row"), sv(r, "id_number"),
                   sv(r, "from_month"), yuan(iv(r, "base_fen"), b));
        return;
    }
    printf("%s\n", sv(ans, "message"));
}

/* ---- quote ---- */

static err_kind op_quote(cli_env *env, const cli_opts *o, json_t **out, json_t **bad, err_detail *err) {
    contrib_quote_in in = {0};
    err_kind k = opt_month(o, "month", true, &in.month, err);
    if (!k) k = opt_yuan(o, "wage", &in.wage_fen, err);
    if (!k) k = opt_insurances(o, &in.insurances, err);
    if (!k && cli_opt(o, "injury-rate-bp"))
        k = parse_pos(cli_opt(o, "injury-rate-bp"), "injury-rate-bp", RATE_BP_MAX, &in.injury_rate_bp, err);
    if (!k && cli_opt(o, "hf-rate-bp"))
        k = parse_pos(cli_opt(o, "hf-rate-bp"), "hf-rate-bp", RATE_BP_MAX, &in.housing_fund_rate_bp, err);
    contrib_quote q;
    if (!k) k = contrib_quote_compute(env->ctx.pol, &in, &q, err);
    if (k) return k;
    json_t *items = json_array();
    for (int i = 0; i < q.count; i++)
        json_array_append_new(items, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "insurance",
            reg_insurance_name(q.items[i].insurance), "insurance_zh", reg_insurance_name_zh(q.items[i].insurance),
            "base_fen", (json_int_t)q.items[i].base_fen, "unit_rate_bp", (json_int_t)q.items[i].unit_rate_bp,
            "personal_rate_bp", (json_int_t)q.items[i].personal_rate_bp, "unit_fen", (json_int_t)q.items[i].unit_fen,
            "personal_fen", (json_int_t)q.items[i].personal_fen));
    char m[MONTH_STR_BYTES];
    month_format(q.month, m);
    *out = json_pack("{s:s, s:I, s:o, s:I, s:I}", "month", m, "base_fen", (json_int_t)q.base_fen, "items", items,
                     "unit_total_fen", (json_int_t)q.unit_total_fen, "personal_total_fen",
                     (json_int_t)q.personal_total_fen);
    return ERR_OK;
}

static void print_quote(const json_t *ans) {
    char a[MONEY_STR_BYTES], b[MONEY_STR_BYTES], c[MONEY_STR_BYTES];
    printf("%s 缴费基数 %s 元\n", sv(ans, "month"), yuan(iv(ans, "base_fen"), a));
    size_t i;
    const json_t *it;
    json_array_foreach(json_object_get(ans, "items"), i, it)
        printf("  %-12s 单位 %5.2f%% %12s 元   个人 %5.2f%% %12s 元\n", sv(it, "insurance_zh"),
               (double)iv(it, "unit_rate_bp") / 100.0, yuan(iv(it, "unit_fen"), a),
               (double)iv(it, "personal_rate_bp") / 100.0, yuan(iv(it, "personal_fen"), b));
    printf("合计：单位 %s 元，个人 %s 元，共 %s 元\n", yuan(iv(ans, "unit_total_fen"), a),
           yuan(iv(ans, "personal_total_fen"), b), yuan(iv(ans, "unit_total_fen") + iv(ans, "personal_total_fen"), c));
}

/* ---- bills ---- */

static err_kind op_bills(cli_env *env, const cli_opts *o, json_t **out, json_t **bad, err_detail *err) {
    int64_t unit = 0;
    month_ym month = 0;
    err_kind k = unit_of(env, o, &unit, err);
    if (!k) k = opt_month(o, "month", false, &month, err);
    return k ? k : contrib_bills_json(&env->ctx, unit, month, out, err);
}

static const char *status_zh(const char *s) {
    static const char *const map[][2] = {{"draft", "待确认"}, {"confirmed", "已确认"}, {"sent", "已托收"},
                                         {"paid", "已到账"}, {"failed", "扣款失败"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i][0], s) == 0) return map[i][1];
    return s;
}

static void print_bills(const json_t *ans) {
    printf("%s 的账单 %lld 张\n", sv(ans, "unit_name"), (long long)iv(ans, "count"));
    size_t i;
    const json_t *b;
    char a[MONEY_STR_BYTES];
    json_array_foreach(json_object_get(ans, "items"), i, b)
        printf("  账单 %lld\t%s\t%s\t%s\t明细 %lld 条\t合计 %s 元\t缴费截止 %s\n", (long long)iv(b, "id"), sv(b, "month"),
               sv(b, "kind"), status_zh(sv(b, "status")), (long long)iv(b, "lines"), yuan(iv(b, "total_fen"), a),
               sv(b, "due_on"));
}

static err_kind bill_id_of(const cli_opts *o, int64_t *id, err_detail *err) {
    if (o->word_count != 2) return err_set(err, ERR_INVALID, "missing_field", "id", "缺少账单编号：sipf contrib %s ID", o->words[0]);
    return parse_pos(o->words[1], "id", INT64_MAX, id, err);
}

static err_kind op_bill(cli_env *env, const cli_opts *o, json_t **out, json_t **bad, err_detail *err) {
    int64_t id = 0;
    err_kind k = bill_id_of(o, &id, err);
    return k ? k : contrib_bill_json(&env->ctx, id, out, err);
}

static void print_bill(const json_t *ans) {
    char a[MONEY_STR_BYTES], b[MONEY_STR_BYTES], c[MONEY_STR_BYTES];
    printf("账单 %lld  %s %s  %s  缴费截止 %s\n", (long long)iv(ans, "id"), sv(ans, "month"),
           json_object_get(ans, "unit_name") ? sv(ans, "unit_name") : sv(ans, "person_name"),
           status_zh(sv(ans, "status")), sv(ans, "due_on"));
    size_t i;
    const json_t *p;
    json_array_foreach(json_object_get(ans, "persons"), i, p)
        printf("  %s\t%s\t单位 %s 元\t个人 %s 元\n", sv(p, "name"), sv(p, "id_number"), yuan(iv(p, "unit_fen"), a),
               yuan(iv(p, "personal_fen"), b));
    json_array_foreach(json_object_get(ans, "by_insurance"), i, p)
        printf("  %s：%lld 人次，单位 %s 元，个人 %s 元\n", sv(p, "insurance_zh"), (long long)iv(p, "lines"),
               yuan(iv(p, "unit_fen"), a), yuan(iv(p, "personal_fen"), b));
    printf("合计：单位 %s 元，个人 %s 元，共 %s 元\n", yuan(iv(ans, "unit_total_fen"), a),
           yuan(iv(ans, "personal_total_fen"), b), yuan(iv(ans, "total_fen"), c));
}

static err_kind op_confirm(cli_env *env, const cli_opts *o, json_t **out, json_t **bad, err_detail *err) {
    int64_t id = 0;
    err_kind k = bill_id_of(o, &id, err);
    if (!k) k = contrib_bill_confirm(&env->ctx, id, err);
    if (!k) *out = json_pack("{s:I, s:s}", "id", (json_int_t)id, "status", "confirmed");
    return k;
}

static void print_confirm(const json_t *ans) {
    printf("账单 %lld 已确认\n", (long long)iv(ans, "id"));
}

/* ---- back-payment and the base raise (svc/backpay.h) ---- */

static err_kind op_backpay(cli_env *env, const cli_opts *o, json_t **out, json_t **bad, err_detail *err) {
    backpay_in in = {0};
    err_kind k = unit_of(env, o, &in.unit_id, err);
    if (!k) k = person_of(env, o, &in.person_id, err);
    if (!k) k = opt_insurances(o, &in.insurances, err);
    if (!k) k = opt_month(o, "from", true, &in.from_month, err);
    if (!k) k = opt_month(o, "to", true, &in.to_month, err);
    if (!k) k = opt_yuan(o, "wage", &in.wage_fen, err);
    if (!k) k = need(o, "reason", &in.reason, err);
    return k ? k : backpay_submit(&env->ctx, &in, out, err);
}

static err_kind op_raise(cli_env *env, const cli_opts *o, json_t **out, json_t **bad, err_detail *err) {
    int64_t unit = 0, person = 0;
    month_ym from = 0;
    money_fen wage = 0;
    err_kind k = unit_of(env, o, &unit, err);
    if (!k) k = person_of(env, o, &person, err);
    if (!k) k = opt_month(o, "from", true, &from, err);
    if (!k) k = opt_yuan(o, "wage", &wage, err);
    return k ? k : backpay_base_raise(&env->ctx, unit, person, from, wage, out, err);
}

/* A bill of the back-payment areas in one line. */
static void print_bill_line(const char *what, const json_t *b) {
    char a[MONEY_STR_BYTES];
    printf("%s：账单 %lld（%s，%s），%lld 条，合计 %s 元，缴费截止 %s\n", what, (long long)iv(b, "id"), sv(b, "kind"),
           status_zh(sv(b, "status")), (long long)iv(b, "line_count"), yuan(iv(b, "total_fen"), a), sv(b, "due_on"));
}

static void print_backpay(const json_t *ans) {
    const json_t *app = json_object_get(ans, "application");
    if (app) {
        printf("补缴 %lld 个月，须经审核：已提交办件 %lld，请按要求提交材料\n", (long long)iv(ans, "months_back"),
               (long long)iv(app, "id"));
        return;
    }
    print_bill_line("补缴已办理", json_object_get(ans, "bill"));
}

static void print_raise(const json_t *ans) {
    char a[MONEY_STR_BYTES], b[MONEY_STR_BYTES];
    printf("缴费基数自 %s 起由 %s 元上调为 %s 元\n", sv(ans, "from_month"), yuan(iv(ans, "old_base_fen"), a),
           yuan(iv(ans, "new_base_fen"), b));
    const json_t *bill = json_object_get(ans, "difference_bill");
    if (json_is_object(bill)) print_bill_line("已核定月份的差额补收", bill);
}

/* ---- the table of subcommands ---- */

static const struct {
    const char *name;
    bool write;
    op_fn fn;
    print_fn print;
} subs[] = {
    {"base", true, op_base, print_base},       {"quote", false, op_quote, print_quote},
    {"bills", false, op_bills, print_bills},   {"bill", true, op_bill, print_bill},
    {"confirm", true, op_confirm, print_confirm}, {"backpay", true, op_backpay, print_backpay},
    {"raise", true, op_raise, print_raise},
};

int cmd_contrib(cli_opts *o) {
    static const char *const allowed[] = {"unit", "unit-id", "id-number", "person-id", "wage", "from", "to", "file",
                                          "month", "insurances", "injury-rate-bp", "hf-rate-bp", "reason", "json",
                                          NULL};
    if (!cli_only(o, allowed)) return 2;
    for (size_t i = 0; o->word_count >= 1 && i < sizeof subs / sizeof subs[0]; i++)
        if (strcmp(subs[i].name, o->words[0]) == 0) {
            bool takes_id = subs[i].fn == op_bill || subs[i].fn == op_confirm;
            if (o->word_count != (takes_id ? 2 : 1)) break;
            return run_op(o, subs[i].write, subs[i].fn, subs[i].print);
        }
    fputs(USAGE_ZH, stderr);
    return 2;
}
