/* The `sipf` program: one command table (commands.def), common options, and
 * a context that acts as the center itself (ROLE_SYSTEM, channel "cli"). */
#ifndef SIPF_CLI_CLI_H
#define SIPF_CLI_CLI_H

#include <stdbool.h>

#include "base/err.h"
#include "svc/ctx.h"

enum { CLI_ARGS_MAX = 32 };

typedef struct cli_opts {
    const char *db;           /* --db PATH (or SIPF_DB) */
    const char *listen;       /* --listen HOST:PORT */
    const char *policy_dir;   /* --policy DIR */
    const char *web_dir;      /* --web DIR */
    date_days as_of;          /* --as-of YYYY-MM-DD; 0 = today */
    bool help;
    /* command-specific: --name value pairs and positional words */
    const char *keys[CLI_ARGS_MAX];
    const char *values[CLI_ARGS_MAX];
    int kv_count;
    const char *words[CLI_ARGS_MAX];
    int word_count;
} cli_opts;

typedef int (*cli_handler)(cli_opts *o);

/* The value of --name, or NULL. */
const char *cli_opt(const cli_opts *o, const char *name);
/* Refuses options not in allowed (NULL-terminated); prints the error. */
bool cli_only(const cli_opts *o, const char *const allowed[]);
/* Prints an error detail to stderr and returns its exit code. */
int cli_fail(const err_detail *err);

/* The environment a command works in: store, policy, calendar, a system context. */
typedef struct cli_env {
    store *st;
    policy *pol;
    workday_cal *cal;
    arena *ar;
    svc_ctx ctx;
} cli_env;

/* need_policy loads policy and calendar too. */
err_kind cli_env_open(const cli_opts *o, bool need_policy, cli_env *env, err_detail *err);
void cli_env_close(cli_env *env);
/* Begins a write transaction into env->ctx.tx. */
err_kind cli_env_begin(cli_env *env, err_detail *err);
/* Commits when k is ERR_OK, else rolls back; returns k or the commit's error. */
err_kind cli_env_end(cli_env *env, err_kind k, err_detail *err);

int cli_main(int argc, char **argv);

#define CMD(name, handler, summary, usage) int handler(cli_opts *o);
#include "cli/commands.def"
#undef CMD

#endif
