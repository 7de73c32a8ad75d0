/* migrate, seed-demo, verify */
#include <stdio.h>

#include "cli/cli.h"
#include "svc/audit.h"
#include "svc/catalog.h"
#include "svc/demo.h"

int cmd_migrate(cli_opts *o) {
    static const char *const allowed[] = {NULL};
    if (!cli_only(o, allowed)) return 2;
    cli_env env;
    err_detail err = {0};
    if (cli_env_open(o, false, &env, &err)) return cli_fail(&err);
    int applied = 0, items = 0, version = 0;
    err_kind k = store_migrate(env.st, &applied, &err);
    if (!k) k = cli_env_begin(&env, &err);
    if (!k) k = cli_env_end(&env, catalog_load(env.ctx.tx, &items, &err), &err);
    if (!k) k = store_schema_version(env.st, &version, &err);
    cli_env_close(&env);
    if (k) return cli_fail(&err);
    printf("数据库 %s：应用迁移 %d 个，结构版本 %d；服务事项目录 %d 项\n", o->db, applied, version, items);
    return 0;
}

static void print_logins(void) {
    printf("演示账号 / demo sign-ins:\n");
    for (int i = 0; i < demo_login_count; i++)
        printf("  %-7s %-22s 账号 %-32s 密码 %s\n", demo_logins[i].role, demo_logins[i].who_zh,
               demo_logins[i].login, demo_logins[i].password);
}

int cmd_seed_demo(cli_opts *o) {
    static const char *const allowed[] = {"list", NULL};
    if (!cli_only(o, allowed)) return 2;
    if (cli_opt(o, "list")) {
        print_logins();
        return 0;
    }
    cli_env env;
    err_detail err = {0};
    if (cli_env_open(o, true, &env, &err)) return cli_fail(&err);
    int version = 0;
    err_kind k = store_schema_version(env.st, &version, &err);
    if (!k && version == 0)
        k = err_set(&err, ERR_CONFLICT, "not_migrated", "db", "数据库尚未建立，请先运行 sipf migrate");
    if (!k) k = cli_env_begin(&env, &err);
    if (!k) k = cli_env_end(&env, demo_seed(&env.ctx, &err), &err);
    cli_env_close(&env);
    if (k) return cli_fail(&err);
    printf("演示数据已写入 %s（sipf seed-demo --list 列出演示账号）\n", o->db);
    return 0;
}

int cmd_verify(cli_opts *o) {
    static const char *const allowed[] = {NULL};
    if (!cli_only(o, allowed)) return 2;
    cli_env env;
    err_detail err = {0};
    if (cli_env_open(o, false, &env, &err)) return cli_fail(&err);
    audit_verify_result r = {0};
    err_kind k = store_begin(env.st, false, &env.ctx.tx, &err);
    if (!k) k = audit_verify(env.ctx.tx, &r, &err);
    cli_env_close(&env);
    if (k) return cli_fail(&err);
    if (r.bad_seq) {
        printf("审计链校验失败：第 %lld 行 %s（共检查 %lld 行）\n", (long long)r.bad_seq, r.problem,
               (long long)r.rows);
        return 10;
    }
    printf("审计链完整：%lld 行\n", (long long)r.rows);
    return 0;
}
