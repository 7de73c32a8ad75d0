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
    char *db;               /* what store_open was given: a path, or a postgres:// URL */
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

/* "YYYY-MM-DD" and "YYYY-MM" as the types the rules take; a bad one fails the test. */
date_days tu_date(const char *s);
month_ym tu_month(const char *s);
/* A resident ID of the park's area (320571), born birth8 ("YYYYMMDD"), order
 * order3 ("001"), with its check character; a static buffer rotated over 16 slots. */
const char *tu_resident_id(const char *birth8, const char *order3);
/* A valid resident ID of the area (6 digits), the birth date (yyyymmdd) and
 * the order code (its last 3 digits; odd for men, even for women). */
void tu_id_number(const char *area6, const char *birth8, unsigned order, char out[19]);

/* The engine the tests run on: PostgreSQL when SIPF_TEST_DB_URL names a
 * server (postgres://.../postgres), else SQLite. "postgres" or "sqlite". */
const char *tu_engine(void);
/* A fresh database: on PostgreSQL a new database sipf_t_<pid>_<n> of the
 * server in SIPF_TEST_DB_URL (its URL returned), else dir/test.db. malloc'd. */
char *tu_db_create(const char *dir);
/* Drops a database tu_db_create made on PostgreSQL; nothing for SQLite. */
void tu_db_drop(const char *db);
/* Runs SQL text (one or more statements) on the env's database outside its
 * transaction; fails the test on error. */
void tu_sql(tu_env *e, const char *sql);

/* API tests: the real server on a free port with a fresh database
 * (migrations, catalog, and the demo data when with_demo). */
#include <jansson.h>
typedef struct tu_server {
    tu_env *env;            /* its transaction is closed while the server runs */
    struct api_server *srv;
    int port;
    char base[64];
} tu_server;

tu_server *tu_server_start(const char *as_of, int with_demo);
void tu_server_stop(tu_server *s);

typedef struct tu_resp {
    long status;
    json_t *json;           /* parsed body, or NULL when not JSON */
    char *body;             /* raw body */
    char content_type[128];
    char request_id[64];    /* X-Request-Id of the answer */
} tu_resp;

/* One HTTP call. token may be NULL; body may be NULL; extra_header may be NULL
 * ("Name: value"). */
tu_resp tu_http(tu_server *s, const char *method, const char *path, const char *token,
                const char *body, const char *extra_header);
/* A POST of len bytes of content_type (files: rosters, bank replies). */
tu_resp tu_upload(tu_server *s, const char *path, const char *token, const char *content_type,
                  const char *data, size_t len);
void tu_resp_free(tu_resp *r);
/* The answer has this status, and (when code is not NULL) this error code;
 * a wrong status fails with the body shown. */
void tu_expect(const tu_resp *r, long status, const char *code);
/* The error's rules include one with this code. */
bool tu_has_rule(const tu_resp *r, const char *code);
/* Rows of the audit trail with this action (about target when not NULL), as
 * an administrator's list shows them (the newest 1000). */
int64_t tu_audit_rows(tu_server *s, const char *admin_token, const char *target, const char *action);
/* The audit chain of st checked whole, in a read transaction of its own. */
struct audit_verify_result;
void tu_audit_verify(store *st, struct audit_verify_result *out);
/* The nth demo account of a role ("person", "unit", "staff"), svc/demo.h. */
struct demo_login;
const struct demo_login *tu_demo_login(const char *role, int nth);
/* Signs in (role "person", "unit" or "staff" with the login as the session call
 * takes it; unit login "CODE/operator") and returns a malloc'd token. */
char *tu_sign_in(tu_server *s, const char *role, const char *login, const char *password);
/* The error code of a JSON error body, or "". */
const char *tu_err_code(const tu_resp *r);

#endif
