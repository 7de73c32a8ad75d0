#define _GNU_SOURCE
#include <string.h>
#include <strings.h>
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

#include <libpq-fe.h>
#include <sqlite3.h>

#include "base/crypto.h"
#include "svc/catalog.h"

static const char *pg_admin_url(void) {
    const char *u = getenv("SIPF_TEST_DB_URL");
    return (u && *u) ? u : NULL;
}

const char *tu_engine(void) { return pg_admin_url() ? "postgres" : "sqlite"; }

static void pg_admin_exec(const char *url, const char *sql) {
    PGconn *c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK) fail_msg("postgres %s: %s", url, PQerrorMessage(c));
    PGresult *r = PQexec(c, sql);
    ExecStatusType t = PQresultStatus(r);
    if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK && t != PGRES_EMPTY_QUERY)
        fail_msg("postgres: %s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
}

char *tu_db_create(const char *dir) {
    if (!pg_admin_url()) {
        size_t n = strlen(dir) + 16;
        char *p = malloc(n);
        assert_non_null(p);
        snprintf(p, n, "%s/test.db", dir);
        return p;
    }
    static int serial;
    char name[64], sql[128];
    snprintf(name, sizeof name, "sipf_t_%ld_%d", (long)getpid(), ++serial);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    pg_admin_exec(pg_admin_url(), sql);
    return store_url_with_database(pg_admin_url(), name);
}

void tu_db_drop(const char *db) {
    if (!db || strncmp(db, "postgres", 8) != 0 || !pg_admin_url()) return;
    const char *name = strrchr(db, '/');
    assert_non_null(name);
    char sql[160];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %.*s WITH (FORCE)", (int)strcspn(name + 1, "?"), name + 1);
    pg_admin_exec(pg_admin_url(), sql);
}

void tu_sql(tu_env *e, const char *sql) {
    if (strncmp(e->db, "postgres", 8) == 0) {
        pg_admin_exec(e->db, sql);
        return;
    }
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(e->db, &h), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    char *msg = NULL;
    if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK) fail_msg("sql: %s", msg);
    sqlite3_close(h);
}

tu_env *tu_env_open(svc_role role, const char *date) {
    setenv("SIPF_FAST_HASH", "1", 1);
    err_detail err = {0};
    tu_env *e = calloc(1, sizeof *e);
    assert_non_null(e);
    assert_int_equal(crypto_init(&err), ERR_OK);
    e->dir = tu_mkdtemp();
    assert_non_null(e->dir);
    e->db = tu_db_create(e->dir);
    if (store_open(e->db, &e->st, &err)) fail_msg("store_open: %s", err.message);
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
    tu_db_drop(e->db);
    free(e->db);
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

#include "base/idno.h"

date_days tu_date(const char *s) {
    date_days x = 0;
    err_detail err = {0};
    if (date_parse(s, "date", &x, &err)) fail_msg("bad date %s", s);
    return x;
}

month_ym tu_month(const char *s) {
    month_ym x = 0;
    err_detail err = {0};
    if (month_parse(s, "month", &x, &err)) fail_msg("bad month %s", s);
    return x;
}

void tu_id_number(const char *area6, const char *birth8, unsigned order, char out[19]) {
    char d17[18];
    snprintf(d17, sizeof d17, "%.6s%.8s%03u", area6, birth8, order % 1000u);
    snprintf(out, 19, "%s%c", d17, idno_resident_check_char(d17));
}

const char *tu_resident_id(const char *birth8, const char *order3) {
    static char ids[16][19];
    static int next;
    char d17[18];
    snprintf(d17, sizeof d17, "320571%s%s", birth8, order3);
    char *out = ids[next++ % 16];
    snprintf(out, 19, "%s%c", d17, idno_resident_check_char(d17));
    return out;
}

#include <curl/curl.h>

#include "api/api.h"
#include "svc/audit.h"
#include "svc/demo.h"

tu_server *tu_server_start(const char *as_of, int with_demo) {
    tu_server *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->env = tu_env_open(ROLE_SYSTEM, as_of);
    err_detail err = {0};
    if (with_demo && demo_seed(&s->env->ctx, &err)) fail_msg("demo: %s", err.message);
    if (store_commit(s->env->ctx.tx, &err)) fail_msg("commit: %s", err.message);
    s->env->ctx.tx = NULL;
    api_config cfg = {.listen = "127.0.0.1:0", .web_dir = tu_source_path("web"),
                      .as_of = s->env->ctx.business_date, .threads = 2, .quiet = true};
    if (api_server_start(&cfg, s->env->st, s->env->pol, s->env->cal, &s->srv, &err))
        fail_msg("server: %s", err.message);
    s->port = api_server_port(s->srv);
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return s;
}

void tu_server_stop(tu_server *s) {
    if (!s) return;
    api_server_stop(s->srv);
    tu_env_close(s->env);
    curl_global_cleanup();
    free(s);
}

typedef struct grow { char *p; size_t n; } grow;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud) {
    grow *g = ud;
    size_t add = size * nmemb;
    char *np = realloc(g->p, g->n + add + 1);
    if (!np) return 0;
    memcpy(np + g->n, ptr, add);
    g->p = np;
    g->n += add;
    g->p[g->n] = 0;
    return add;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud) {
    tu_resp *r = ud;
    size_t n = size * nmemb;
    if (n > 14 && strncasecmp(ptr, "X-Request-Id: ", 14) == 0) {
        size_t v = n - 14;
        while (v && (ptr[14 + v - 1] == '\r' || ptr[14 + v - 1] == '\n')) v--;
        snprintf(r->request_id, sizeof r->request_id, "%.*s", (int)v, ptr + 14);
    }
    return n;
}

/* One HTTP call with a body of len bytes of content_type (none when body is NULL). */
static tu_resp http_call(tu_server *s, const char *method, const char *path, const char *token,
                         const char *content_type, const char *body, size_t len, const char *extra_header) {
    tu_resp r = {0};
    CURL *c = curl_easy_init();
    assert_non_null(c);
    char url[2048], auth[256], ct[200];
    snprintf(url, sizeof url, "%s%s", s->base, path);
    grow g = {0};
    struct curl_slist *h = NULL;
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        h = curl_slist_append(h, auth);
    }
    if (body) {
        snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
        h = curl_slist_append(h, ct);
    }
    if (extra_header) h = curl_slist_append(h, extra_header);
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &g);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) fail_msg("curl %s %s: %s", method, path, curl_easy_strerror(rc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    char *rct = NULL;
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &rct);
    if (rct) snprintf(r.content_type, sizeof r.content_type, "%s", rct);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    r.body = g.p ? g.p : strdup("");
    if (strncmp(r.content_type, "application/json", 16) == 0) r.json = json_loads(r.body, 0, NULL);
    return r;
}

tu_resp tu_http(tu_server *s, const char *method, const char *path, const char *token,
                const char *body, const char *extra_header) {
    return http_call(s, method, path, token, "application/json", body, body ? strlen(body) : 0, extra_header);
}

tu_resp tu_upload(tu_server *s, const char *path, const char *token, const char *content_type,
                  const char *data, size_t len) {
    return http_call(s, "POST", path, token, content_type, data, len, NULL);
}

void tu_expect(const tu_resp *r, long status, const char *code) {
    if (r->status != status) fail_msg("want %ld got %ld: %s", status, r->status, r->body);
    if (code) assert_string_equal(tu_err_code(r), code);
}

bool tu_has_rule(const tu_resp *r, const char *code) {
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(json_object_get(r->json, "error"), "rules"), i, it)
        if (strcmp(json_string_value(json_object_get(it, "code")), code) == 0) return true;
    return false;
}

void tu_audit_verify(store *st, audit_verify_result *out) {
    store_tx *tx;
    err_detail err = {0};
    if (store_begin(st, false, &tx, &err)) fail_msg("begin: %s", err.message);
    err_kind k = audit_verify(tx, out, &err);
    store_rollback(tx);
    if (k) fail_msg("audit_verify: %s", err.message);
}

int64_t tu_audit_rows(tu_server *s, const char *admin_token, const char *target, const char *action) {
    char path[256];
    snprintf(path, sizeof path, "/api/v1/audit?limit=1000%s%s", target ? "&target=" : "", target ? target : "");
    tu_resp r = tu_http(s, "GET", path, admin_token, NULL, NULL);
    tu_expect(&r, 200, NULL);
    int64_t n = 0;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(r.json, "items"), i, it)
        if (strcmp(json_string_value(json_object_get(it, "action")), action) == 0) n++;
    tu_resp_free(&r);
    return n;
}

const demo_login *tu_demo_login(const char *role, int nth) {
    for (int i = 0, left = nth; i < demo_login_count; i++)
        if (strcmp(demo_logins[i].role, role) == 0 && left-- == 0) return &demo_logins[i];
    fail_msg("no demo login %s #%d", role, nth);
    return NULL;
}

void tu_resp_free(tu_resp *r) {
    json_decref(r->json);
    free(r->body);
    memset(r, 0, sizeof *r);
}

const char *tu_err_code(const tu_resp *r) {
    const char *c = json_string_value(json_object_get(json_object_get(r->json, "error"), "code"));
    return c ? c : "";
}

char *tu_sign_in(tu_server *s, const char *role, const char *login, const char *password) {
    json_t *b;
    if (strcmp(role, "person") == 0) {
        b = json_pack("{s:s, s:s, s:s}", "role", role, "id_number", login, "password", password);
    } else if (strcmp(role, "unit") == 0) {
        char code[64];
        snprintf(code, sizeof code, "%s", login);
        char *slash = strchr(code, '/');
        assert_non_null(slash);
        *slash = 0;
        b = json_pack("{s:s, s:s, s:s, s:s}", "role", role, "unit_code", code, "operator", slash + 1,
                      "password", password);
    } else {
        b = json_pack("{s:s, s:s, s:s}", "role", role, "username", login, "password", password);
    }
    char *body = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    tu_resp r = tu_http(s, "POST", "/api/v1/sessions", NULL, body, NULL);
    free(body);
    if (r.status != 201) fail_msg("sign-in %s %s: %ld %s", role, login, r.status, r.body);
    char *tok = strdup(json_string_value(json_object_get(r.json, "token")));
    tu_resp_free(&r);
    return tok;
}
