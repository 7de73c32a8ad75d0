/* A node serving reads from a copy that cannot be written (a replica) with
 * its reads' audit rows going to the primary (api_config.audit_store,
 * `sipf serve --audit-db`): a person's records are answered from the copy and
 * each read is on the primary's trail, the chain whole; without the primary
 * named the same read is refused (it could not be recorded); a change is
 * refused either way. On SQLite the copy is a copy of the file opened
 * read-only; on PostgreSQL it is a real streaming standby of the server
 * (scripts/pg-test.sh with SIPF_PG_REPLICA=1 names it in
 * SIPF_TEST_REPLICA_URL; without it the tests are skipped). */
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "svc/audit.h"
#include "svc/demo.h"
#include "testutil.h"

static tu_server *primary;
static char *person;
static char copy_uri[700];

/* The first value of sql's answer on c (malloc'd), or NULL for a command. */
static char *pg_value(PGconn *c, const char *sql) {
    PGresult *r = PQexec(c, sql);
    ExecStatusType t = PQresultStatus(r);
    if (t != PGRES_TUPLES_OK && t != PGRES_COMMAND_OK) fail_msg("postgres: %s: %s", sql, PQresultErrorMessage(r));
    char *v = t == PGRES_TUPLES_OK && PQntuples(r) ? strdup(PQgetvalue(r, 0, 0)) : NULL;
    PQclear(r);
    return v;
}

static PGconn *pg_connect(const char *url) {
    PGconn *c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK) fail_msg("postgres %s: %s", url, PQerrorMessage(c));
    return c;
}

/* Waits until the standby has replayed everything committed on the primary
 * so far (the test's database, its demo data, the session just signed in),
 * 30 s at most. The primary's commits are not waited for (pg-test.sh runs it
 * with synchronous_commit=off), so its WAL write position may still be short
 * of the last ones: a commit that is waited for (it has a transaction id)
 * writes and flushes the WAL of every commit before it first. */
static void standby_catch_up(const char *primary_url, const char *standby_url) {
    PGconn *p = pg_connect(primary_url);
    free(pg_value(p, "SET synchronous_commit = on"));
    free(pg_value(p, "SELECT pg_current_xact_id()"));
    char *target = pg_value(p, "SELECT pg_current_wal_lsn()");
    PQfinish(p);
    PGconn *s = pg_connect(standby_url);   /* its postgres database: the test's may not be there yet */
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT pg_last_wal_replay_lsn() >= '%s'::pg_lsn", target);
    for (int waited_ms = 0;; waited_ms += 20) {
        char *done = pg_value(s, sql);   /* "t", "f", or "" before anything is replayed */
        bool caught_up = strcmp(done, "t") == 0;
        free(done);
        if (caught_up) break;
        if (waited_ms >= 30000) {
            char *at = pg_value(s, "SELECT coalesce(pg_last_wal_replay_lsn()::text, 'nothing') || ' (WAL "
                                   "receiver: ' || coalesce((SELECT status FROM pg_stat_wal_receiver), 'none') || ')'");
            fail_msg("the standby %s has replayed the WAL up to %s after 30 s, the primary's is at %s",
                     standby_url, at, target);
        }
        nanosleep(&(struct timespec){.tv_nsec = 20 * 1000000L}, NULL);
    }
    free(target);
    PQfinish(s);
}

static int setup(void **state) {
    const char *standby = getenv("SIPF_TEST_REPLICA_URL");
    bool sqlite = strcmp(tu_engine(), "sqlite") == 0;
    if (!sqlite && !(standby && *standby)) return 0;   /* no standby to read from: skipped */
    primary = tu_server_start("2026-11-23", 1);
    const demo_login *p = tu_demo_login("person", 0);
    person = tu_sign_in(primary, "person", p->login, p->password);
    if (!sqlite) {
        /* the standby's URL naming the test's database (it has the session too) */
        char name[64];
        const char *slash = strrchr(primary->env->db, '/');
        snprintf(name, sizeof name, "%.*s", (int)strcspn(slash + 1, "?"), slash + 1);
        char *url = store_url_with_database(standby, name);
        snprintf(copy_uri, sizeof copy_uri, "%s", url);
        free(url);
        standby_catch_up(primary->env->db, standby);
        return 0;
    }
    char path[600], sql[700];
    snprintf(path, sizeof path, "%s/copy.db", primary->env->dir);
    snprintf(sql, sizeof sql, "VACUUM INTO '%s'", path);   /* the copy has the session too */
    tu_sql(primary->env, sql);
    sqlite3 *h = NULL;   /* in WAL mode, as the primary: a read-only open cannot switch it */
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "PRAGMA journal_mode=WAL", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    snprintf(copy_uri, sizeof copy_uri, "file:%s?mode=ro", path);
    return 0;
}

static int teardown(void **state) {
    free(person);
    tu_server_stop(primary);
    return 0;
}

/* The reads of person rows on the primary's trail, and whether its chain is whole. */
static int64_t primary_reads(bool *whole) {
    audit_verify_result v;
    tu_audit_verify(primary->env->st, &v);
    *whole = v.bad_seq == 0;
    char *admin = tu_sign_in(primary, "staff", "admin", "Staff@2026");
    int64_t n = tu_audit_rows(primary, admin, NULL, "person.read");
    free(admin);
    return n;
}

static tu_server *replica_node(store **copy, store *audit_store) {
    err_detail err = {0};
    if (store_open(copy_uri, copy, &err)) fail_msg("copy: %s", err.message);
    tu_server *node = calloc(1, sizeof *node);
    api_config cfg = {.listen = "127.0.0.1:0", .as_of = primary->env->ctx.business_date, .threads = 2,
                      .quiet = true, .audit_store = audit_store};
    if (api_server_start(&cfg, *copy, primary->env->pol, primary->env->cal, &node->srv, &err))
        fail_msg("node: %s", err.message);
    node->port = api_server_port(node->srv);
    snprintf(node->base, sizeof node->base, "http://127.0.0.1:%d", node->port);
    return node;
}

static void node_stop(tu_server *node, store *copy) {
    api_server_stop(node->srv);
    free(node);
    store_close(copy);
}

static void reads_from_the_copy_recorded_on_the_primary(void **state) {
    if (!primary) skip();
    bool whole = false;
    int64_t before = primary_reads(&whole);
    store *copy;
    tu_server *node = replica_node(&copy, primary->env->st);
    tu_resp r = tu_http(node, "GET", "/api/v1/me/accounts", person, NULL, NULL);
    tu_expect(&r, 200, NULL);
    assert_int_equal(json_array_size(json_object_get(r.json, "accounts")), 4);
    tu_resp_free(&r);
    r = tu_http(node, "GET", "/api/v1/me/contributions", person, NULL, NULL);
    tu_expect(&r, 200, NULL);
    tu_resp_free(&r);
    /* a change needs the primary */
    r = tu_http(node, "PUT", "/api/v1/me/password", person,
                "{\"old_password\":\"Demo@2026\",\"new_password\":\"Copy@2026x\"}", NULL);
    tu_expect(&r, 503, "store_readonly");
    tu_resp_free(&r);
    node_stop(node, copy);
    assert_int_equal(primary_reads(&whole), before + 2);
    assert_true(whole);
}

static void without_the_primary_a_read_is_refused(void **state) {
    if (!primary) skip();
    store *copy;
    tu_server *node = replica_node(&copy, NULL);
    tu_resp r = tu_http(node, "GET", "/api/v1/me/accounts", person, NULL, NULL);
    tu_expect(&r, 503, "store_readonly");
    assert_null(json_object_get(r.json, "accounts"));
    tu_resp_free(&r);
    r = tu_http(node, "GET", "/api/v1/sessions/current", person, NULL, NULL);   /* no personal data */
    tu_expect(&r, 200, NULL);
    tu_resp_free(&r);
    node_stop(node, copy);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_from_the_copy_recorded_on_the_primary),
        cmocka_unit_test(without_the_primary_a_read_is_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
