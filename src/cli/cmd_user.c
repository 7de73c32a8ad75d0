#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "svc/auth.h"

static err_kind user_create(cli_env *env, const cli_opts *o, err_detail *err) {
    auth_user_new in = {
        .role = cli_opt(o, "role"), .username = cli_opt(o, "username"),
        .unit_code = cli_opt(o, "unit-code"), .operator_name = cli_opt(o, "operator"),
        .id_number = cli_opt(o, "id-number"), .display_name = cli_opt(o, "name"),
        .password = cli_opt(o, "password"),
    };
    if (!in.role) return err_set(err, ERR_INVALID, "missing_field", "role", "缺少 --role");
    if (!in.password) return err_set(err, ERR_INVALID, "missing_field", "password", "缺少 --password");
    int64_t id = 0;
    err_kind k = auth_user_create(&env->ctx, &in, &id, err);
    if (!k) printf("账号已创建：user %lld（%s）\n", (long long)id, in.role);
    return k;
}

static err_kind user_account(cli_env *env, const cli_opts *o, bool reset, err_detail *err) {
    const char *kind = cli_opt(o, "kind"), *login = cli_opt(o, "login"), *pw = cli_opt(o, "password");
    if (!kind) return err_set(err, ERR_INVALID, "missing_field", "kind", "缺少 --kind");
    if (!login) return err_set(err, ERR_INVALID, "missing_field", "login", "缺少 --login");
    if (reset && !pw) return err_set(err, ERR_INVALID, "missing_field", "password", "缺少 --password");
    err_kind k = reset ? auth_password_reset(&env->ctx, kind, login, pw, err)
                       : auth_unlock(&env->ctx, kind, login, err);
    if (!k) printf("%s：%s %s\n", reset ? "密码已重置" : "账号已解锁", kind, login);
    return k;
}

int cmd_user(cli_opts *o) {
    static const char *const allowed[] = {"role", "username", "unit-code", "operator", "id-number",
                                          "name", "password", "kind", "login", NULL};
    if (!cli_only(o, allowed)) return 2;
    const char *sub = o->word_count ? o->words[0] : "";
    bool create = strcmp(sub, "create") == 0, reset = strcmp(sub, "reset-password") == 0,
         unlock = strcmp(sub, "unlock") == 0;
    if (!create && !reset && !unlock) {
        fprintf(stderr, "sipf user: 子命令应为 create、reset-password 或 unlock（sipf user --help）\n");
        return 2;
    }
    cli_env env;
    err_detail err = {0};
    if (cli_env_open(o, true, &env, &err)) return cli_fail(&err);
    err_kind k = cli_env_begin(&env, &err);
    if (!k) {
        k = create ? user_create(&env, o, &err) : user_account(&env, o, reset, &err);
        k = cli_env_end(&env, k, &err);
    }
    cli_env_close(&env);
    return k ? cli_fail(&err) : 0;
}
