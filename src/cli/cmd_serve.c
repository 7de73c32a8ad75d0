#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "api/api.h"
#include "base/log.h"
#include "cli/cli.h"
#include "svc/catalog.h"

static err_kind prepare_db(cli_env *env, err_detail *err) {
    int applied = 0;
    err_kind k = store_migrate(env->st, &applied, err);
    if (k || applied == 0) return k;
    int n = 0;
    k = cli_env_begin(env, err);
    if (!k) k = cli_env_end(env, catalog_load(env->ctx.tx, &n, err), err);
    return k;
}

int cmd_serve(cli_opts *o) {
    static const char *const allowed[] = {"threads", "signin-rate", "trust-proxy", "audit-db", NULL};
    if (!cli_only(o, allowed)) return 2;
    int threads = 4;
    const char *t = cli_opt(o, "threads");
    if (t) {
        char *end;
        long v = strtol(t, &end, 10);
        if (*end || v < 1 || v > LIMIT_SERVER_THREADS_MAX) {
            fprintf(stderr, "sipf: --threads 应为 1 到 %d\n", LIMIT_SERVER_THREADS_MAX);
            return 2;
        }
        threads = (int)v;
    }
    int signin_rate = LIMIT_SIGNIN_PER_MINUTE;   /* per client address; 0 turns it off */
    const char *r = cli_opt(o, "signin-rate");
    if (r) {
        char *end;
        long v = strtol(r, &end, 10);
        if (*end || !*r || v < 0 || v > 1000000) {
            fprintf(stderr, "sipf: --signin-rate 应为 0 到 1000000（每个地址每分钟的登录次数，0 为不限）\n");
            return 2;
        }
        signin_rate = (int)v;
    }
    cli_env env;
    err_detail err = {0};
    if (cli_env_open(o, true, &env, &err)) return cli_fail(&err);
    if (prepare_db(&env, &err)) {
        cli_env_close(&env);
        return cli_fail(&err);
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);   /* workers inherit the mask; we wait below */
    /* A node serving reads from a replica writes their audit rows to the primary. */
    const char *audit_db = cli_opt(o, "audit-db");
    store *audit_st = NULL;
    if (audit_db && store_open(audit_db, &audit_st, &err)) {
        cli_env_close(&env);
        return cli_fail(&err);
    }
    api_config cfg = {.listen = o->listen, .web_dir = o->web_dir, .as_of = o->as_of,
                      .threads = threads, .signin_per_minute = signin_rate,
                      .trusted_proxies = cli_opt(o, "trust-proxy"), .audit_store = audit_st};
    api_server *srv;
    if (api_server_start(&cfg, env.st, env.pol, env.cal, &srv, &err)) {
        store_close(audit_st);
        cli_env_close(&env);
        return cli_fail(&err);
    }
    char date[DATE_STR_BYTES] = "今天", shown[512];
    if (o->as_of) date_format(o->as_of, date);
    printf("sipf %s 已启动 / listening\n"
           "  个人（自助终端与个人网厅）  http://%s/self/\n"
           "  单位（单位客户端）          http://%s/unit/\n"
           "  柜面与审核                  http://%s/counter/\n"
           "  API                         http://%s/api/v1/  （说明见 docs/openapi.yaml）\n"
           "  健康检查                    http://%s/healthz\n"
           "  数据库 %s；业务日期 %s；Ctrl-C 停止\n",
           SIPF_VERSION, o->listen, o->listen, o->listen, o->listen, o->listen,
           store_url_shown(o->db, shown, sizeof shown), date);
    fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    log_msg(LOG_INFO, "stopping on signal %d", sig);
    api_server_stop(srv);
    store_close(audit_st);
    cli_env_close(&env);
    return 0;
}
