/* Shared helpers for the tests: cmocka plus paths, temporary directories and,
 * for API tests, a real server on a free port with a fresh database. */
#ifndef SIPF_TESTUTIL_H
#define SIPF_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* SIPF_SOURCE_DIR from the environment (meson test sets it), else the build-time path. */
const char *tu_source_dir(void);
/* A path under the source tree, in a static buffer rotated over 8 slots. */
const char *tu_source_path(const char *rel);
/* A fresh temporary directory (mkdtemp under /tmp), removed by tu_rmtree. */
char *tu_mkdtemp(void);
void tu_rmtree(const char *dir);
/* Reads a whole file into a malloc'd NUL-terminated buffer, or NULL. */
char *tu_read_file(const char *path, size_t *len_out);


/* A service environment for svc tests: a fresh SQLite database in a temporary
 * directory with the migrations and the catalog applied, the repository's
 * policy and calendar, an open write transaction and a context acting as
 * `role` on business date `date` ("YYYY-MM-DD"). */
#include "svc/ctx.h"
typedef struct tu_env {
    char *dir;
    store *st;
    policy *pol;
    workday_cal *cal;
    arena *ar;
    svc_ctx ctx;
} tu_env;

tu_env *tu_env_open(svc_role role, const char *date);
/* Commits the open transaction and begins a new one (to see effects as a new operation would). */
void tu_env_commit(tu_env *e);
/* Rolls back the open transaction and begins a new one. */
void tu_env_rollback(tu_env *e);
void tu_env_close(tu_env *e);
int64_t tu_add_person(tu_env *e, const char *id_number, const char *name);
int64_t tu_add_unit(tu_env *e, const char *code, const char *name);

#endif
