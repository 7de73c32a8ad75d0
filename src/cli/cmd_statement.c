/* sipf statements YEAR: the yearly run of the rights statements (权益记录单)
 * for the period ending 30 June of YEAR (svc/statement.h), in chunks that
 * each commit, so a run stopped at any point and started again resumes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "svc/statement.h"

enum { STATEMENT_YEAR_DIGITS = 4 };

/* On a terminal, the run's progress after each committed chunk. */
static void statements_progress(const char *kind, const char *run_key, int64_t done, int64_t total,
                                void *arg) {
    (void)kind;
    (void)arg;
    fprintf(stderr, "\r权益记录单 %s 期：%lld / %lld 人", run_key, (long long)done, (long long)total);
    if (done >= total) fputc('\n', stderr);
}

static bool statements_year(const char *s, int *out) {
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || !end || *end || end - s != STATEMENT_YEAR_DIGITS || s[0] < '1' || s[0] > '9')
        return false;
    *out = (int)v;
    return true;
}

int cmd_statements(cli_opts *o) {
    static const char *const allowed[] = {NULL};
    if (!cli_only(o, allowed)) return 2;
    int year = 0;
    if (o->word_count != 1 || !statements_year(o->words[0], &year)) {
        fprintf(stderr, "sipf statements: 用法 sipf statements YEAR（YEAR 为四位年度，即对账期截止的 6 月 30 日所在年）\n");
        return 2;
    }
    err_detail err = {0};
    cli_env env;
    if (cli_env_open(o, true, &env, &err)) return cli_fail(&err);
    int64_t count = 0;
    err_kind k = statement_run_with(env.st, &env.ctx, year,
                                    isatty(STDERR_FILENO) ? statements_progress : NULL, NULL, &count,
                                    &err);
    cli_env_close(&env);
    if (k) return cli_fail(&err);
    printf("权益记录单 %d 期：已生成 %lld 人\n", year, (long long)count);
    return 0;
}
