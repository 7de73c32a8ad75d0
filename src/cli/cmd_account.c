#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/money.h"
#include "cli/cli.h"
#include "svc/account.h"
/* ---- sipf interest settle YEAR [--kind housing_fund|pension] (the account area) ---- */

/* On a terminal, the run's progress after each committed chunk. */
static void interest_progress(const char *kind, const char *run_key, int64_t done, int64_t total,
                              void *arg) {
    (void)arg;
    fprintf(stderr, "\r结息 %s %s：%lld / %lld 人", kind, run_key, (long long)done, (long long)total);
    if (done >= total) fputc('\n', stderr);
}

static bool interest_year(const char *s, int *out) {
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || !end || *end || end - s != 4 || v < 1000) return false;
    *out = (int)v;
    return true;
}

static void interest_print(const json_t *res) {
    size_t i;
    json_t *run;
    json_array_foreach(json_object_get(res, "runs"), i, run) {
        char yuan[MONEY_STR_BYTES];
        money_format_yuan(json_integer_value(json_object_get(run, "interest_fen")), 1, yuan);
        printf("%s结息 %s 年度（结息日 %s）：%lld 人，记账 %lld 笔，利息合计 %s 元\n",
               json_string_value(json_object_get(run, "name_zh")),
               json_string_value(json_object_get(run, "run_key")),
               json_string_value(json_object_get(run, "settle_on")),
               (long long)json_integer_value(json_object_get(run, "persons")),
               (long long)json_integer_value(json_object_get(run, "entries")), yuan);
    }
}

int cmd_interest(cli_opts *o) {
    static const char *const allowed[] = {"kind", NULL};
    if (!cli_only(o, allowed)) return 2;
    int year = 0;
    if (o->word_count != 2 || strcmp(o->words[0], "settle") != 0 || !interest_year(o->words[1], &year)) {
        fprintf(stderr, "sipf interest: 用法 sipf interest settle YEAR [--kind housing_fund|pension]"
                        "（YEAR 为四位年度）\n");
        return 2;
    }
    err_detail err = {0};
    unsigned kinds = 0;
    if (account_interest_kinds_parse(cli_opt(o, "kind"), &kinds, &err)) return cli_fail(&err);
    cli_env env;
    if (cli_env_open(o, true, &env, &err)) return cli_fail(&err);
    json_t *res = NULL;
    err_kind k = account_interest_settle_all(env.st, &env.ctx, kinds, year,
                                             isatty(STDERR_FILENO) ? interest_progress : NULL, NULL,
                                             &res, &err);
    cli_env_close(&env);
    if (k) return cli_fail(&err);
    interest_print(res);
    json_decref(res);
    return 0;
}
