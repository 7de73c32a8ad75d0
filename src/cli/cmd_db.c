/* migrate, seed-demo, verify */
#include <stdio.h>
#include <string.h>

#include "base/money.h"
#include "cli/cli.h"
#include "ledger/ledger.h"
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
    char shown[512];
    printf("数据库 %s：应用迁移 %d 个，结构版本 %d；服务事项目录 %d 项\n", store_url_shown(o->db, shown, sizeof shown),
           applied, version, items);
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
    char shown[512];
    printf("演示数据已写入 %s（sipf seed-demo --list 列出演示账号）\n", store_url_shown(o->db, shown, sizeof shown));
    return 0;
}

/* The ledger part of `sipf verify`; true when it found a problem. */
static bool verify_ledger_report(const ledger_verify_result *v) {
    char bank[MONEY_STR_BYTES], paid[MONEY_STR_BYTES];
    money_format_yuan(v->bank_clearing_fen, 1, bank);
    money_format_yuan(v->collected_fen, 1, paid);
    printf("账务核对：分录 %lld 笔，账户 %lld 个\n", (long long)v->entries, (long long)v->accounts);
    if (v->unbalanced_entry_id)
        printf("  借贷不平的分录：第 %lld 号\n", (long long)v->unbalanced_entry_id);
    if (v->wrong_balance_account_id)
        printf("  余额与分录不符的账户：第 %lld 号\n", (long long)v->wrong_balance_account_id);
    printf("  银行清算户 %s 元，银行已付托收 %s 元：%s\n", bank, paid, v->reconciled ? "相符" : "不符");
    bool bad = v->unbalanced_entry_id || v->wrong_balance_account_id || !v->reconciled;
    if (bad) printf("账务核对失败：%s\n", v->problem);
    else printf("账务平衡\n");
    return bad;
}

int cmd_verify(cli_opts *o) {
    static const char *const allowed[] = {NULL};
    if (!cli_only(o, allowed)) return 2;
    cli_env env;
    err_detail err = {0};
    if (cli_env_open(o, false, &env, &err)) return cli_fail(&err);
    audit_verify_result r = {0};
    ledger_verify_result lv;
    memset(&lv, 0, sizeof lv);
    err_kind k = store_begin(env.st, false, &env.ctx.tx, &err);
    if (!k) k = audit_verify(env.ctx.tx, &r, &err);
    if (!k) k = ledger_verify(env.ctx.tx, &lv, &err);
    cli_env_close(&env);
    if (k) return cli_fail(&err);
    bool bad = r.bad_seq != 0;
    if (r.bad_seq)
        printf("审计链校验失败：第 %lld 行 %s（共检查 %lld 行）\n", (long long)r.bad_seq, r.problem,
               (long long)r.rows);
    else
        printf("审计链完整：%lld 行\n", (long long)r.rows);
    if (verify_ledger_report(&lv)) bad = true;
    return bad ? 10 : 0;
}
