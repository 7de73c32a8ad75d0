#define _GNU_SOURCE   /* nftw */
#include "fuzz_env.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/crypto.h"
#include "svc/catalog.h"
#include "svc/demo.h"

static fz_env env;
static int made;

static void die(const char *what, const err_detail *err) {
    fprintf(stderr, "fuzz environment: %s: %s\n", what, err ? err->message : "");
    abort();
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    return remove(path);
}

static void cleanup(void) {
    if (env.st) store_close(env.st);
    env.st = NULL;
    if (env.dir[0]) nftw(env.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *source_path(const char *rel, char *buf, size_t n) {
    const char *root = getenv("SIPF_SOURCE_DIR");
    snprintf(buf, n, "%s/%s", root && *root ? root : SIPF_SOURCE_DIR, rel);
    return buf;
}

fz_env *fz_env_get(int with_demo) {
    if (made) return &env;
    made = 1;
    setenv("SIPF_FAST_HASH", "1", 1);   /* Argon2 at its cheapest: sign-ins are not what is tried */
    err_detail err = {0};
    if (crypto_init(&err)) die("crypto", &err);
    snprintf(env.dir, sizeof env.dir, "/tmp/sipf-fuzz-XXXXXX");
    if (!mkdtemp(env.dir)) die("mkdtemp", NULL);
    atexit(cleanup);
    char path[1024];
    snprintf(path, sizeof path, "%s/fuzz.db", env.dir);
    if (store_open(path, &env.st, &err)) die("store", &err);
    int applied = 0;
    if (store_migrate(env.st, &applied, &err)) die("migrate", &err);
    if (policy_load_dir(source_path("policy", path, sizeof path), &env.pol, &err)) die("policy", &err);
    if (workday_load(source_path("policy/holidays.tsv", path, sizeof path), &env.cal, &err))
        die("calendar", &err);
    if (date_parse(FZ_BUSINESS_DATE, "date", &env.business_date, &err)) die("date", &err);
    svc_ctx ctx;
    fz_ctx_begin(&env, ROLE_SYSTEM, &ctx);
    int n = 0;
    if (catalog_load(ctx.tx, &n, &err)) die("catalog", &err);
    if (with_demo && demo_seed(&ctx, &err)) die("demo", &err);
    if (store_commit(ctx.tx, &err)) die("commit", &err);
    ctx.tx = NULL;
    fz_ctx_end(&ctx);
    return &env;
}

void fz_ctx_begin(fz_env *e, svc_role role, svc_ctx *ctx) {
    memset(ctx, 0, sizeof *ctx);
    err_detail err = {0};
    if (store_begin(e->st, true, &ctx->tx, &err)) die("begin", &err);
    ctx->ar = arena_create(64 * 1024);
    ctx->pol = e->pol;
    ctx->cal = e->cal;
    ctx->business_date = e->business_date;
    ctx->now_ms = (int64_t)e->business_date * 86400000LL + 2 * 3600000LL;   /* 10:00 Beijing */
    ctx->actor.role = role;
    snprintf(ctx->actor.name, sizeof ctx->actor.name, "%s", svc_role_name(role));
    ctx->channel = "counter";
    ctx->request_id = "fuzz";
}

void fz_ctx_end(svc_ctx *ctx) {
    if (ctx->tx) store_rollback(ctx->tx);
    ctx->tx = NULL;
    arena_destroy(ctx->ar);
    ctx->ar = NULL;
}

char *fz_strndup(const uint8_t *data, size_t len) {
    char *s = malloc(len + 1);
    if (!s) abort();
    if (len) memcpy(s, data, len);
    s[len] = 0;
    return s;
}
