#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "base/log.h"

typedef struct cli_command {
    const char *name;
    cli_handler handler;
    const char *summary;
    const char *usage;
} cli_command;

static const cli_command commands[] = {
#define CMD(name, handler, summary, usage) {name, handler, summary, usage},
#include "cli/commands.def"
#undef CMD
};
enum { COMMAND_COUNT = sizeof commands / sizeof commands[0] };

static void usage_all(FILE *f) {
    fprintf(f, "sipf %s: 园区社保和公积金中心业务系统 / social insurance and housing fund center\n\n"
               "usage: sipf COMMAND [options]\n\ncommands:\n", SIPF_VERSION);
    for (int i = 0; i < COMMAND_COUNT; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\ncommon options:\n"
               "  --db PATH|URL      SQLite database file, or postgres://USER@HOST:PORT/DB\n"
               "                     (default var/sipf.db, or $SIPF_DB)\n"
               "  --listen HOST:PORT listen address (default 127.0.0.1:8080)\n"
               "  --policy DIR       policy directory (default the repository's policy/)\n"
               "  --as-of DATE       business date YYYY-MM-DD (default today, Beijing time)\n"
               "  --help             this text, or a command's own\n");
}

const char *cli_opt(const cli_opts *o, const char *name) {
    for (int i = 0; i < o->kv_count; i++)
        if (strcmp(o->keys[i], name) == 0) return o->values[i];
    return NULL;
}

bool cli_only(const cli_opts *o, const char *const allowed[]) {
    for (int i = 0; i < o->kv_count; i++) {
        bool ok = false;
        for (int j = 0; allowed[j]; j++)
            if (strcmp(o->keys[i], allowed[j]) == 0) ok = true;
        if (!ok) {
            fprintf(stderr, "sipf: 不认识的选项 --%s\n", o->keys[i]);
            return false;
        }
    }
    return true;
}

int cli_fail(const err_detail *err) {
    fprintf(stderr, "sipf: %s [%s]\n", err->message, err->code);
    for (int i = 0; i < err->rule_count; i++)
        fprintf(stderr, "  - %s [%s] %s\n", err->rules[i].message, err->rules[i].code,
                err->rules[i].data_json);
    return err_exit_code(err->kind) ? err_exit_code(err->kind) : 1;
}

/* Flags that take no value. */
static bool is_flag(const char *name) {
    static const char *const flags[] = {"json", "list", "help", NULL};
    for (int i = 0; flags[i]; i++)
        if (strcmp(flags[i], name) == 0) return true;
    return false;
}

static err_kind parse_args(int argc, char **argv, cli_opts *o, err_detail *err) {
    const char *env_db = getenv("SIPF_DB");
    o->db = env_db && *env_db ? env_db : "var/sipf.db";
    o->listen = "127.0.0.1:8080";
    o->policy_dir = SIPF_SOURCE_DIR "/policy";
    o->web_dir = SIPF_SOURCE_DIR "/web";
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0) {
            if (o->word_count >= CLI_ARGS_MAX)
                return err_set(err, ERR_INVALID, "too_many_args", NULL, "参数过多");
            o->words[o->word_count++] = a;
            continue;
        }
        const char *name = a + 2;
        if (strcmp(name, "help") == 0) { o->help = true; continue; }
        const char *val = "1";
        if (!is_flag(name)) {
            if (i + 1 >= argc)
                return err_set(err, ERR_INVALID, "missing_value", name, "选项 --%s 缺少取值", name);
            val = argv[++i];
        }
        if (strcmp(name, "db") == 0) o->db = val;
        else if (strcmp(name, "listen") == 0) o->listen = val;
        else if (strcmp(name, "policy") == 0) o->policy_dir = val;
        else if (strcmp(name, "web") == 0) o->web_dir = val;
        else if (strcmp(name, "as-of") == 0) {
            err_kind k = date_parse(val, "as-of", &o->as_of, err);
            if (k) return k;
        } else {
            if (o->kv_count >= CLI_ARGS_MAX)
                return err_set(err, ERR_INVALID, "too_many_args", NULL, "选项过多");
            o->keys[o->kv_count] = name;
            o->values[o->kv_count++] = val;
        }
    }
    return ERR_OK;
}

err_kind cli_env_open(const cli_opts *o, bool need_policy, cli_env *env, err_detail *err) {
    memset(env, 0, sizeof *env);
    err_kind k = crypto_init(err);
    if (!k) k = store_open(o->db, &env->st, err);
    if (!k && need_policy) k = policy_load_dir(o->policy_dir, &env->pol, err);
    if (!k && need_policy) {
        char path[1024];
        snprintf(path, sizeof path, "%s/holidays.tsv", o->policy_dir);
        k = workday_load(path, &env->cal, err);
    }
    if (k) {
        cli_env_close(env);
        return k;
    }
    env->ar = arena_create(64 * 1024);
    env->ctx.ar = env->ar;
    env->ctx.pol = env->pol;
    env->ctx.cal = env->cal;
    env->ctx.business_date = o->as_of ? o->as_of : clock_today();
    env->ctx.now_ms = clock_now_ms();
    env->ctx.actor.role = ROLE_SYSTEM;
    snprintf(env->ctx.actor.name, sizeof env->ctx.actor.name, "sipf");
    env->ctx.channel = "cli";
    env->ctx.request_id = "cli";
    return ERR_OK;
}

void cli_env_close(cli_env *env) {
    if (env->ctx.tx) store_rollback(env->ctx.tx);
    store_close(env->st);
    policy_destroy(env->pol);
    workday_destroy(env->cal);
    arena_destroy(env->ar);
    memset(env, 0, sizeof *env);
}

err_kind cli_env_begin(cli_env *env, err_detail *err) {
    return store_begin(env->st, true, &env->ctx.tx, err);
}

err_kind cli_env_end(cli_env *env, err_kind k, err_detail *err) {
    if (!env->ctx.tx) return k;
    if (k) store_rollback(env->ctx.tx);
    else k = store_commit(env->ctx.tx, err);
    env->ctx.tx = NULL;
    return k;
}

int cli_main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        usage_all(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const cli_command *cmd = NULL;
    for (int i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(commands[i].name, argv[1]) == 0) cmd = &commands[i];
    if (!cmd) {
        fprintf(stderr, "sipf: 没有这个命令：%s（sipf --help 列出全部命令）\n", argv[1]);
        return 2;
    }
    cli_opts o = {0};
    err_detail err = {0};
    if (parse_args(argc - 2, argv + 2, &o, &err)) return cli_fail(&err);
    if (o.help) {
        printf("%s\n\nusage: %s\n", cmd->summary, cmd->usage);
        return 0;
    }
    return cmd->handler(&o);
}
