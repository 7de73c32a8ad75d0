/* sipf month run|status|collect YYYY-MM: the monthly assessment run and its
 * state, through svc/contribution.h (contrib_month_run, contrib_month_status).
 * `month collect` belongs to the collection area: it is handed to
 * cmd_bank_collect (src/cli/cmd_bank.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/money.h"
#include "cli/cli.h"
#include "svc/contribution.h"

enum { PAUSE_MS_MAX = 60000, CHUNK_MAX = 100000 };

static const char *const USAGE_ZH =
    "sipf month 子命令：\n"
    "  run YYYY-MM [--chunk N] [--pause-ms N] [--json]\n"
    "                 月缴费核定：逐个单位核定当月账单并记账，再核定灵活就业人员和城乡居民的个人账单；\n"
    "                 每批 N 个（默认 200）一个事务，中断后再次运行从中断处继续，已完成的不再重复\n"
    "                 （--pause-ms：每批提交后暂停的毫秒数，供测试使用）\n"
    "  status YYYY-MM [--json]   月缴费核定情况（账单合计、运行状态）\n"
    "  collect YYYY-MM           生成托收文件（见 sipf bank）\n";

/* `month collect` is the collection area's (defined in cmd_bank.c). */
int cmd_bank_collect(cli_opts *o);

typedef struct progress_state {
    bool tty;
    int last_decile[2];       /* units, persons: the last tenth printed */
    long pause_ms;
} progress_state;

static void pause_ms(long ms) {
    if (ms <= 0) return;
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* After each committed chunk: on a terminal one line redrawn in place,
 * otherwise a line at every tenth of the way. */
static void month_progress(const char *kind, const char *run_key, int64_t done, int64_t total, void *arg) {
    progress_state *p = arg;
    bool persons = strcmp(kind, "month_run_persons") == 0;
    const char *what = persons ? "个人缴费人员" : "单位";
    int64_t pct = total > 0 ? (done >= total ? 100 : done * 100 / total) : 100;
    if (p->tty) {
        printf("\r月缴费核定 %s %s：%lld / %lld（%lld%%）", run_key, what, (long long)done, (long long)total,
               (long long)pct);
        if (done >= total) putchar('\n');
        fflush(stdout);
    } else if ((int)(pct / 10) > p->last_decile[persons]) {
        p->last_decile[persons] = (int)(pct / 10);
        printf("月缴费核定 %s %s：%lld / %lld（%lld%%）\n", run_key, what, (long long)done, (long long)total,
               (long long)pct);
        fflush(stdout);
    }
    pause_ms(p->pause_ms);
}

static bool parse_long(const char *s, long lo, long hi, long *out) {
    char *end = NULL;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || !*s || errno || *end || v < lo || v > hi) return false;
    *out = v;
    return true;
}

static void print_json(const json_t *v) {
    char *s = json_dumps(v, JSON_INDENT(2));
    printf("%s\n", s ? s : "{}");
    free(s);
}

static const char *run_status_zh(const json_t *run) {
    const char *s = json_string_value(json_object_get(run, "status"));
    if (!s) return "未运行";
    return strcmp(s, "done") == 0 ? "已完成" : strcmp(s, "failed") == 0 ? "失败，可再次运行续跑" : "运行中或已中断";
}

static void print_totals(const json_t *t) {
    char u[MONEY_STR_BYTES], p[MONEY_STR_BYTES], all[MONEY_STR_BYTES];
    money_format_yuan(json_integer_value(json_object_get(t, "unit_total_fen")), 1, u);
    money_format_yuan(json_integer_value(json_object_get(t, "personal_total_fen")), 1, p);
    money_format_yuan(json_integer_value(json_object_get(t, "total_fen")), 1, all);
    printf("%s 月缴费：单位账单 %lld 张，个人账单 %lld 张，明细 %lld 条；单位部分 %s 元，个人部分 %s 元，合计 %s 元\n",
           json_string_value(json_object_get(t, "month")),
           (long long)json_integer_value(json_object_get(t, "unit_bills")),
           (long long)json_integer_value(json_object_get(t, "person_bills")),
           (long long)json_integer_value(json_object_get(t, "lines")), u, p, all);
    const char *names[2] = {"units_run", "persons_run"}, *zh[2] = {"单位核定", "个人核定"};
    for (int i = 0; i < 2; i++) {
        const json_t *r = json_object_get(t, names[i]);
        if (json_is_null(r) || !r) {
            printf("  %s：未运行\n", zh[i]);
            continue;
        }
        printf("  %s：%s，%lld / %lld%s%s\n", zh[i], run_status_zh(r),
               (long long)json_integer_value(json_object_get(r, "done")),
               (long long)json_integer_value(json_object_get(r, "total")),
               *json_string_value(json_object_get(r, "detail")) ? "，" : "",
               json_string_value(json_object_get(r, "detail")));
    }
}

static int month_run(cli_opts *o, month_ym month) {
    long chunk = 0, pause = 0;
    if (cli_opt(o, "chunk") && !parse_long(cli_opt(o, "chunk"), 1, CHUNK_MAX, &chunk)) {
        fprintf(stderr, "sipf month run: --chunk 应为 1 到 %d 之间的整数\n", CHUNK_MAX);
        return 2;
    }
    if (cli_opt(o, "pause-ms") && !parse_long(cli_opt(o, "pause-ms"), 0, PAUSE_MS_MAX, &pause)) {
        fprintf(stderr, "sipf month run: --pause-ms 应为 0 到 %d 之间的整数\n", PAUSE_MS_MAX);
        return 2;
    }
    progress_state ps = {.tty = isatty(STDOUT_FILENO) != 0 && !cli_opt(o, "json"), .pause_ms = pause};
    err_detail err = {0};
    cli_env env;
    if (cli_env_open(o, true, &env, &err)) return cli_fail(&err);
    json_t *res = NULL;
    err_kind k = contrib_month_run(env.st, &env.ctx, month, (int)chunk, cli_opt(o, "json") ? NULL : month_progress,
                                   &ps, &res, &err);
    cli_env_close(&env);
    if (k) return cli_fail(&err);
    if (cli_opt(o, "json")) print_json(res);
    else print_totals(res);
    json_decref(res);
    return 0;
}

static int month_status(cli_opts *o, month_ym month) {
    err_detail err = {0};
    cli_env env;
    if (cli_env_open(o, false, &env, &err)) return cli_fail(&err);
    json_t *res = NULL;
    err_kind k = store_begin(env.st, false, &env.ctx.tx, &err);
    if (!k) k = contrib_month_status(&env.ctx, month, &res, &err);
    cli_env_close(&env);
    if (k) return cli_fail(&err);
    if (cli_opt(o, "json")) print_json(res);
    else print_totals(res);
    json_decref(res);
    return 0;
}

int cmd_month(cli_opts *o) {
    if (o->word_count >= 1 && strcmp(o->words[0], "collect") == 0) return cmd_bank_collect(o);
    static const char *const allowed[] = {"chunk", "pause-ms", "json", NULL};
    if (!cli_only(o, allowed)) return 2;
    month_ym month = 0;
    err_detail err = {0};
    if (o->word_count != 2) {
        fputs(USAGE_ZH, stderr);
        return 2;
    }
    if (month_parse(o->words[1], "month", &month, &err)) return cli_fail(&err);
    if (strcmp(o->words[0], "run") == 0) return month_run(o, month);
    if (strcmp(o->words[0], "status") == 0) return month_status(o, month);
    fputs(USAGE_ZH, stderr);
    return 2;
}
