/* sipf bank and sipf month collect: bank collection (托收) from the command
 * line, through the same svc functions as the API (svc/collection.h).
 *   sipf month collect YYYY-MM [--out DIR]     the month's collection files
 *   sipf bank import FILE                      applies a bank's reply file
 *   sipf bank simulate FILE [--fail-every N] [--out REPLY]
 *                                              the bank simulator
 * File formats: docs/bank-files.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/limits.h"
#include "cli/cli.h"
#include "svc/collection.h"

/* `sipf month collect` is dispatched here by cmd_month. */
int cmd_bank_collect(cli_opts *o);

enum { PATH_BYTES = 1024, FAIL_EVERY_MAX = 1000000 };

static const char *const DEFAULT_OUT_DIR = "var/bank/out";

static const char *const USAGE_ZH =
    "sipf bank 子命令：\n"
    "  import FILE                                  导入银行回盘文件（整个文件导入或整个退回）\n"
    "  simulate FILE [--fail-every N] [--out REPLY] 模拟银行：读取托收文件，写出回盘文件\n"
    "                                               （每第 N 笔扣款失败，原因“余额不足”；默认全部成功）\n"
    "托收文件由 sipf month collect YYYY-MM [--out DIR] 生成。加 --json 输出 JSON。\n";

static void print_json(const json_t *ans) {
    char *s = json_dumps(ans, JSON_INDENT(2));
    printf("%s\n", s ? s : "{}");
    free(s);
}

static const char *yuan(money_fen f, char buf[MONEY_STR_BYTES]) {
    money_format_yuan(f, 1, buf);
    return buf;
}

/* The whole file, at most LIMIT_UPLOAD_BYTES_MAX bytes (malloc'd). */
static err_kind read_text(const char *path, char **data, size_t *len, err_detail *err) {
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return err_set(err, ERR_NOT_FOUND, "file_not_found", "file", "找不到文件：%.200s", path);
    if (sb.st_size > LIMIT_UPLOAD_BYTES_MAX)
        return err_set(err, ERR_TOO_LARGE, "file_too_large", "file", "文件过大：%lld 字节，上限 %d 字节",
                       (long long)sb.st_size, LIMIT_UPLOAD_BYTES_MAX);
    FILE *f = fopen(path, "rb");
    if (!f) return err_set(err, ERR_NOT_FOUND, "file_not_found", "file", "无法打开文件：%.200s", path);
    char *buf = malloc((size_t)sb.st_size + 1);
    if (!buf) abort();
    size_t n = fread(buf, 1, (size_t)sb.st_size, f);
    fclose(f);
    if (n != (size_t)sb.st_size) {
        free(buf);
        return err_set(err, ERR_INVALID, "file_unreadable", "file", "读取文件失败：%.200s", path);
    }
    buf[n] = 0;
    *data = buf;
    *len = n;
    return ERR_OK;
}

/* mkdir -p */
static err_kind make_dirs(const char *dir, err_detail *err) {
    char p[PATH_BYTES];
    if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p)
        return err_set(err, ERR_INVALID, "invalid_field", "out", "--out 路径过长");
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = 0;
        if (mkdir(p, 0755) != 0 && errno != EEXIST) break;
        *s = '/';
    }
    if (mkdir(p, 0755) != 0 && errno != EEXIST)
        return err_set(err, ERR_INVALID, "out_dir_missing", "out", "无法建立输出目录：%.200s", dir);
    return ERR_OK;
}

/* ---- sipf month collect YYYY-MM [--out DIR] ---- */

static void print_files(const json_t *ans) {
    char a[MONEY_STR_BYTES], b[MONEY_STR_BYTES];
    const char *month = json_string_value(json_object_get(ans, "month"));
    size_t i;
    const json_t *f;
    printf("%s 托收文件 %lld 个，共 %lld 笔，合计 %s 元\n", month,
           (long long)json_integer_value(json_object_get(ans, "file_count")),
           (long long)json_integer_value(json_object_get(ans, "line_count")),
           yuan(json_integer_value(json_object_get(ans, "total_fen")), a));
    json_array_foreach(json_object_get(ans, "files"), i, f)
        printf("  %s\t%s\t%lld 笔\t%s 元（含滞纳金 %s 元）\n", json_string_value(json_object_get(f, "path")),
               json_string_value(json_object_get(f, "bank")),
               (long long)json_integer_value(json_object_get(f, "lines")),
               yuan(json_integer_value(json_object_get(f, "total_fen")), a),
               yuan(json_integer_value(json_object_get(f, "late_fee_fen")), b));
    const json_t *skip = json_object_get(ans, "not_collected");
    if (json_integer_value(json_object_get(skip, "count")) > 0)
        printf("未签托收协议、不托收的账单 %lld 笔，%s 元（到期未缴即为欠费）\n",
               (long long)json_integer_value(json_object_get(skip, "count")),
               yuan(json_integer_value(json_object_get(skip, "total_fen")), a));
}

int cmd_bank_collect(cli_opts *o) {
    static const char *const allowed[] = {"out", "json", NULL};
    if (!cli_only(o, allowed)) return 2;
    const char *m = o->word_count > 1 ? o->words[1] : NULL;
    const char *dir = cli_opt(o, "out") ? cli_opt(o, "out") : DEFAULT_OUT_DIR;
    err_detail err = {0};
    month_ym month = 0;
    if (!m) {
        fprintf(stderr, "sipf month collect: 缺少月份（sipf month collect YYYY-MM [--out DIR]）\n");
        return 2;
    }
    if (month_parse(m, "month", &month, &err) || make_dirs(dir, &err)) return cli_fail(&err);
    cli_env env;
    if (cli_env_open(o, true, &env, &err)) return cli_fail(&err);
    json_t *ans = NULL;
    err_kind k = cli_env_begin(&env, &err);
    if (!k) {
        k = collect_make_files(&env.ctx, month, dir, &ans, &err);
        k = cli_env_end(&env, k, &err);
    }
    if (!k) cli_opt(o, "json") ? print_json(ans) : print_files(ans);
    json_decref(ans);
    cli_env_close(&env);
    return k ? cli_fail(&err) : 0;
}

/* ---- sipf bank import FILE ---- */

static void print_reply(const json_t *ans) {
    char a[MONEY_STR_BYTES], b[MONEY_STR_BYTES];
    const json_t *paid = json_object_get(ans, "paid"), *failed = json_object_get(ans, "failed");
    const char *name = json_string_value(json_object_get(ans, "file_name"));
    if (json_is_true(json_object_get(ans, "already_imported"))) {
        printf("回盘文件 %s 已导入过，本次未作任何变更（%lld 笔）\n", name,
               (long long)json_integer_value(json_object_get(ans, "lines")));
        return;
    }
    printf("回盘已导入：托收文件 %s\n", name);
    printf("  扣款成功 %lld 笔，%s 元（含滞纳金 %s 元），已记入个人账户和统筹基金\n",
           (long long)json_integer_value(json_object_get(paid, "count")),
           yuan(json_integer_value(json_object_get(paid, "amount_fen")), a),
           yuan(json_integer_value(json_object_get(paid, "late_fee_fen")), b));
    printf("  扣款失败 %lld 笔，%s 元，已转为欠费\n", (long long)json_integer_value(json_object_get(failed, "count")),
           yuan(json_integer_value(json_object_get(failed, "amount_fen")), a));
    if (json_integer_value(json_object_get(ans, "already_applied")) > 0)
        printf("  此前已导入的 %lld 笔未重复处理\n", (long long)json_integer_value(json_object_get(ans, "already_applied")));
}

static int bank_import(cli_opts *o, const char *path) {
    err_detail err = {0};
    char *text = NULL;
    size_t len = 0;
    if (read_text(path, &text, &len, &err)) return cli_fail(&err);
    cli_env env;
    if (cli_env_open(o, true, &env, &err)) {
        free(text);
        return cli_fail(&err);
    }
    json_t *ans = NULL;
    err_kind k = cli_env_begin(&env, &err);
    if (!k) {
        k = collect_import_reply(&env.ctx, text, len, &ans, &err);
        k = cli_env_end(&env, k, &err);
    }
    if (!k) cli_opt(o, "json") ? print_json(ans) : print_reply(ans);
    json_decref(ans);
    free(text);
    cli_env_close(&env);
    return k ? cli_fail(&err) : 0;
}

/* ---- sipf bank simulate FILE [--fail-every N] [--out REPLY] ---- */

/* FILE.txt -> FILE.reply.txt beside it. */
static void default_reply_path(const char *path, char out[PATH_BYTES]) {
    size_t n = strlen(path);
    if (n > 4 && strcmp(path + n - 4, ".txt") == 0)
        snprintf(out, PATH_BYTES, "%.*s.reply.txt", (int)(n - 4), path);
    else
        snprintf(out, PATH_BYTES, "%s.reply.txt", path);
}

static err_kind fail_every_of(const cli_opts *o, int *out, err_detail *err) {
    const char *v = cli_opt(o, "fail-every");
    *out = 0;
    if (!v) return ERR_OK;
    errno = 0;
    char *end = NULL;
    long n = strtol(v, &end, 10);
    if (!*v || *end || errno || n < 0 || n > FAIL_EVERY_MAX)
        return err_set(err, ERR_INVALID, "invalid_field", "fail-every", "--fail-every 应为非负整数");
    *out = (int)n;
    return ERR_OK;
}

static err_kind write_text(const char *path, const char *text, err_detail *err) {
    FILE *f = fopen(path, "wb");
    if (!f) return err_set(err, ERR_INVALID, "file_write_failed", "out", "无法写入：%.200s", path);
    size_t n = strlen(text);
    bool ok = fwrite(text, 1, n, f) == n;
    ok = (fclose(f) == 0) && ok;
    return ok ? ERR_OK : err_set(err, ERR_INVALID, "file_write_failed", "out", "写入失败：%.200s", path);
}

static void print_simulated(const char *path, const char *reply) {
    const char *t = strstr(reply, "\nT|");
    long long count = 0, total = 0, paid = 0, paid_fen = 0;
    if (t) sscanf(t + 1, "T|%lld|%lld|%lld|%lld", &count, &total, &paid, &paid_fen);
    char a[MONEY_STR_BYTES], b[MONEY_STR_BYTES];
    printf("模拟银行回盘已写入 %s：共 %lld 笔 %s 元，扣款成功 %lld 笔 %s 元，失败 %lld 笔\n", path, count,
           yuan(total, a), paid, yuan(paid_fen, b), count - paid);
}

static int bank_simulate(cli_opts *o, const char *path) {
    err_detail err = {0};
    char out[PATH_BYTES], *text = NULL, *reply = NULL;
    size_t len = 0;
    int fail_every = 0;
    if (cli_opt(o, "out")) snprintf(out, sizeof out, "%s", cli_opt(o, "out"));
    else default_reply_path(path, out);
    err_kind k = fail_every_of(o, &fail_every, &err);
    if (!k) k = read_text(path, &text, &len, &err);
    if (!k) k = collect_simulate_bank(text, len, fail_every, &reply, &err);
    if (!k) k = write_text(out, reply, &err);
    if (!k) print_simulated(out, reply);
    free(text);
    free(reply);
    return k ? cli_fail(&err) : 0;
}

int cmd_bank(cli_opts *o) {
    static const char *const allowed[] = {"fail-every", "out", "json", NULL};
    if (!cli_only(o, allowed)) return 2;
    const char *sub = o->word_count ? o->words[0] : "";
    const char *file = o->word_count > 1 ? o->words[1] : NULL;
    bool import = strcmp(sub, "import") == 0, simulate = strcmp(sub, "simulate") == 0;
    if (!import && !simulate) {
        fprintf(stderr, "sipf bank: 子命令无效：%s\n%s", sub, USAGE_ZH);
        return 2;
    }
    if (!file) {
        fprintf(stderr, "sipf bank %s: 缺少文件名\n%s", sub, USAGE_ZH);
        return 2;
    }
    return import ? bank_import(o, file) : bank_simulate(o, file);
}
