#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "svc/catalog.h"

int cmd_catalog(cli_opts *o) {
    static const char *const allowed[] = {"audience", "channel", "json", NULL};
    if (!cli_only(o, allowed)) return 2;
    cli_env env;
    err_detail err = {0};
    if (cli_env_open(o, false, &env, &err)) return cli_fail(&err);
    json_t *items = NULL;
    err_kind k = store_begin(env.st, false, &env.ctx.tx, &err);
    if (!k) k = catalog_list(&env.ctx, cli_opt(o, "audience"), cli_opt(o, "channel"), &items, &err);
    cli_env_close(&env);
    if (k) return cli_fail(&err);
    if (cli_opt(o, "json")) {
        char *s = json_dumps(items, JSON_INDENT(2));
        puts(s ? s : "[]");
        free(s);
    } else {
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it) {
            printf("%-36s %-10s %s\n", json_string_value(json_object_get(it, "id")),
                   json_string_value(json_object_get(it, "status")),
                   json_string_value(json_object_get(it, "name")));
        }
        printf("共 %zu 项\n", json_array_size(items));
    }
    json_decref(items);
    return 0;
}
