/* The JSON body of every route, through the real router and handlers in
 * process (api/inproc.h) over the demo data. The first byte picks the route
 * of the routing table; the second picks who calls (the low half: one of the
 * roles the route admits, or nobody) and the path's {parameters} (the high
 * half, from a short list of good and bad values per parameter name); the
 * rest is the body (for the routes that take a file, the high half also
 * picks its type: CSV, XLSX, text or JSON). Besides not crashing: no answer is a 5xx, and every
 * answer is JSON. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/inproc.h"
#include "fuzz_env.h"
#include "svc/auth.h"
#include "svc/demo.h"

static api_server *srv;
static char tokens[ROLE_COUNT][128];        /* a session per role the demo can sign in as */
static const demo_login *logins[ROLE_COUNT];   /* the login of that session */

typedef struct param_values {
    const char *name;
    const char *values[12];
} param_values;

static const param_values params[] = {
    {"id", {"1", "2", "3", "7", "20", "120", "400", "0", "-1", "99999999", "abc", "9223372036854775808"}},
    {"employment_id", {"1", "2", "30", "0", "-5", "x"}},
    {"month", {"2026-11", "2026-10", "2026-08", "2025-01", "2026-13", "202611", "x"}},
    {"year", {"2025", "2026", "2024", "0", "abc"}},
    {"period", {"2025", "2026", "2024", "0", "abc"}},
    {"kind", {"contrib", "statement", "interest", "x"}},
    {"run_key", {"2026-11", "2025", "x"}},
    {"number", {"91320594MA1100077P", "11010519491231002X", "X", "000000000000000000"}},
};

static const char *param_value(const char *name, size_t name_len, unsigned pick) {
    for (size_t i = 0; i < sizeof params / sizeof params[0]; i++) {
        if (strlen(params[i].name) != name_len || memcmp(params[i].name, name, name_len) != 0) continue;
        int n = 0;
        while (n < 12 && params[i].values[n]) n++;
        return params[i].values[pick % (unsigned)n];
    }
    return "1";
}

/* The pattern with each {name} replaced by a value picked for it. */
static void path_of(const char *pattern, unsigned pick, char *out, size_t cap) {
    size_t o = 0;
    for (const char *p = pattern; *p && o + 1 < cap;) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        if (close) {
            int n = snprintf(out + o, cap - o, "%s", param_value(p + 1, (size_t)(close - p - 1), pick));
            o += n > 0 ? (size_t)n : 0;
            if (o >= cap) o = cap - 1;
            p = close + 1;
            pick /= 3;   /* a second parameter takes another value */
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = 0;
}

/* A session of a demo login, made through the service as the sessions route
 * does; the role it signed in as, or -1. */
static int sign_in(const demo_login *l, char out[128]) {
    auth_login in = {.role = l->role, .password = l->password};
    char code[64];
    if (strcmp(l->role, "person") == 0) {
        in.id_number = l->login;
    } else if (strcmp(l->role, "unit") == 0) {
        snprintf(code, sizeof code, "%s", l->login);
        char *slash = strchr(code, '/');
        if (!slash) return -1;
        *slash = 0;
        in.unit_code = code;
        in.operator_name = slash + 1;
    } else {
        in.username = l->login;
    }
    svc_ctx ctx;
    fz_ctx_begin(fz_env_get(1), ROLE_NONE, &ctx);
    ctx.now_ms = clock_now_ms();   /* the server checks expiry by the clock */
    ctx.channel = "portal";
    auth_session sess;
    err_detail err = {0};
    int role = -1;
    if (auth_sign_in(&ctx, &in, &sess, &err) == ERR_OK && store_commit(ctx.tx, &err) == ERR_OK) {
        ctx.tx = NULL;
        role = (int)sess.actor.role;
        snprintf(out, 128, "%s", sess.token);
    }
    fz_ctx_end(&ctx);
    return role;
}

static void init(void) {
    fz_env *e = fz_env_get(1);
    api_config cfg = {.listen = NULL, .as_of = e->business_date, .quiet = true};
    err_detail err = {0};
    if (api_server_start(&cfg, e->st, e->pol, e->cal, &srv, &err)) abort();
    for (int i = 0; i < demo_login_count; i++) {
        char tok[128];
        int r = sign_in(&demo_logins[i], tok);
        if (r <= 0 || r >= ROLE_COUNT || tokens[r][0]) continue;
        memcpy(tokens[r], tok, sizeof tok);
        logins[r] = &demo_logins[i];
    }
}

/* A session a route ended or a password a route changed: sign in again
 * (when the password still works). */
static void refresh_tokens(void) {
    for (int r = 1; r < ROLE_COUNT; r++) {
        if (!tokens[r][0]) continue;
        int status = api_dispatch_for_test(srv, "GET", "/api/v1/sessions/current", tokens[r], NULL, NULL, 0,
                                           NULL, NULL);
        if (status == 200) continue;
        char tok[128];
        tokens[r][0] = 0;
        if (sign_in(logins[r], tok) == r) memcpy(tokens[r], tok, sizeof tok);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    init();
    return 0;
}

/* Routes that take a file get the body as one of the file types (the
 * roster and bases as CSV or XLSX, the bank reply as text), now and then a
 * wrong one; every other route JSON. */
static const char *content_type_of(const api_route *rt, unsigned pick) {
    static const char *const files[] = {
        "text/csv; charset=utf-8", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "text/plain", "application/json"};
    bool file = rt->handler == h_enrol_roster || rt->handler == h_base_file || rt->handler == h_bank_reply_import;
    return file ? files[pick % 4] : "application/json";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    const api_route *rt = &api_routes[data[0] % api_route_count];
    int allowed[ROLE_COUNT + 1];
    int n = 0;
    for (int r = 1; r < ROLE_COUNT; r++)
        if (tokens[r][0] && (rt->roles == ROLES_PUBLIC || (rt->roles & ROLE_BIT(r)))) allowed[n++] = r;
    allowed[n++] = 0;   /* nobody signed in */
    int role = allowed[(data[1] & 0x0f) % n];
    char path[LIMIT_URL_BYTES_MAX];
    path_of(rt->pattern, data[1] >> 4, path, sizeof path);
    char *answer = NULL;
    int status = api_dispatch_for_test(srv, rt->method, path, role ? tokens[role] : NULL,
                                       content_type_of(rt, data[1] >> 4), (const char *)data + 2, size - 2,
                                       NULL, &answer);
    json_t *j = json_loads(answer, JSON_DECODE_ANY, NULL);
    bool text = rt->handler == h_metrics;
    if (status >= 500 || status < 200 || (!j && !text)) {
        fprintf(stderr, "%s %s as %s: %d %s\n", rt->method, path, svc_role_name((svc_role)role), status,
                answer ? answer : "");
        abort();
    }
    json_decref(j);
    free(answer);
    if (rt->handler == h_session_delete || rt->handler == h_password_change ||
        rt->handler == h_user_password_reset)
        refresh_tokens();
    return 0;
}
