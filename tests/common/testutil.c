#define _GNU_SOURCE
#include "testutil.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *tu_source_dir(void) {
    const char *s = getenv("SIPF_SOURCE_DIR");
    return (s && *s) ? s : SIPF_SOURCE_DIR;
}

const char *tu_source_path(const char *rel) {
    static char bufs[8][1024];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", tu_source_dir(), rel);
    return b;
}

char *tu_mkdtemp(void) {
    char tmpl[] = "/tmp/sipf-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    if (!d) return NULL;
    return strdup(d);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb; (void)flag; (void)ftw;
    return remove(path);
}

void tu_rmtree(const char *dir) {
    if (dir) nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *tu_read_file(const char *path, size_t *len_out) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf) { fclose(f); return NULL; }
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    buf[got] = 0;
    if (len_out) *len_out = got;
    return buf;
}

#include "base/crypto.h"
#include "svc/catalog.h"

tu_env *tu_env_open(svc_role role, const char *date) {
    setenv("SIPF_FAST_HASH", "1", 1);
    err_detail err = {0};
    tu_env *e = calloc(1, sizeof *e);
    assert_non_null(e);
    assert_int_equal(crypto_init(&err), ERR_OK);
    e->dir = tu_mkdtemp();
    assert_non_null(e->dir);
    char path[512];
    snprintf(path, sizeof path, "%s/test.db", e->dir);
    if (store_open(path, &e->st, &err)) fail_msg("store_open: %s", err.message);
    int applied = 0;
    if (store_migrate(e->st, &applied, &err)) fail_msg("migrate: %s", err.message);
    if (policy_load_dir(tu_source_path("policy"), &e->pol, &err)) fail_msg("policy: %s", err.message);
    if (workday_load(tu_source_path("policy/holidays.tsv"), &e->cal, &err))
        fail_msg("calendar: %s", err.message);
    e->ar = arena_create(64 * 1024);
    if (store_begin(e->st, true, &e->ctx.tx, &err)) fail_msg("begin: %s", err.message);
    int n = 0;
    if (catalog_load(e->ctx.tx, &n, &err)) fail_msg("catalog: %s", err.message);
    e->ctx.ar = e->ar;
    e->ctx.pol = e->pol;
    e->ctx.cal = e->cal;
    if (date_parse(date, "date", &e->ctx.business_date, &err)) fail_msg("date: %s", err.message);
    e->ctx.now_ms = (int64_t)(e->ctx.business_date) * 86400000LL + 2 * 3600000LL; /* 10:00 Beijing */
    e->ctx.actor.role = role;
    snprintf(e->ctx.actor.name, sizeof e->ctx.actor.name, "%s", svc_role_name(role));
    e->ctx.channel = "counter";
    e->ctx.request_id = "test";
    return e;
}

void tu_env_commit(tu_env *e) {
    err_detail err = {0};
    if (store_commit(e->ctx.tx, &err)) fail_msg("commit: %s", err.message);
    if (store_begin(e->st, true, &e->ctx.tx, &err)) fail_msg("begin: %s", err.message);
}

void tu_env_rollback(tu_env *e) {
    err_detail err = {0};
    store_rollback(e->ctx.tx);
    if (store_begin(e->st, true, &e->ctx.tx, &err)) fail_msg("begin: %s", err.message);
}

void tu_env_close(tu_env *e) {
    if (!e) return;
    if (e->ctx.tx) store_rollback(e->ctx.tx);
    store_close(e->st);
    policy_destroy(e->pol);
    workday_destroy(e->cal);
    arena_destroy(e->ar);
    tu_rmtree(e->dir);
    free(e->dir);
    free(e);
}

int64_t tu_add_person(tu_env *e, const char *id_number, const char *name) {
    err_detail err = {0};
    if (store_exec(e->ctx.tx, STORE_Q_PERSON_INSERT, &err, "tttnni", "resident", id_number, name,
                   e->ctx.now_ms))
        fail_msg("person insert: %s", err.message);
    return store_last_insert_id(e->ctx.tx);
}

int64_t tu_add_unit(tu_env *e, const char *code, const char *name) {
    err_detail err = {0};
    if (store_exec(e->ctx.tx, STORE_Q_UNIT_INSERT, &err, "tti", code, name, e->ctx.now_ms))
        fail_msg("unit insert: %s", err.message);
    return store_last_insert_id(e->ctx.tx);
}
