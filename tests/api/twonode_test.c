/* Two `sipf serve` processes on one PostgreSQL database serve at once, as
 * stateless nodes behind a load balancer would: enrolments from several
 * clients spread over both nodes, the same person enrolled on both at the
 * same moment, the month's run started on both, every bill confirmed on
 * both at once, the collection made on both and each bank reply imported on
 * both at once. Afterwards nothing acknowledged is missing, nothing is there
 * twice, each race was won exactly once, and `sipf verify` passes (audit
 * chain, ledger sums, bank clearing against paid lines).
 *
 * PostgreSQL only: without SIPF_TEST_DB_URL the test is skipped (exit 77). */
#include <curl/curl.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc/collection.h"
#include "testproc.h"

enum {
    WRITERS = 4,
    UNITS = 2,                      /* the demo units with an operator account */
    ENROLS_PER_WRITER = 12,
    RACES = 4,
};

static const char *const AS_OF = "2026-11-23";
static const char *const MONTH = "2026-11";

static char *dir, *db, log_path[512];
static tp_server node[2];
static char *finance;                 /* signed in on node 0, used on both */
static char *unit_tok[UNITS];
static int64_t unit_ids[UNITS];
static int enrolled_total;            /* acknowledged by the enrolment test */

/* ---- the database, read directly ---- */

static PGresult *pg_query(const char *sql) {
    PGconn *c = PQconnectdb(db);
    if (PQstatus(c) != CONNECTION_OK) fail_msg("connect: %s", PQerrorMessage(c));
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    PQfinish(c);
    return r;
}

static int64_t pg_int(const char *sql) {
    PGresult *r = pg_query(sql);
    int64_t v = PQntuples(r) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    PQclear(r);
    return v;
}

/* ---- HTTP from threads ---- */

typedef struct call {
    const tp_server *to;
    const char *method, *path, *token, *body;
    const char *type;               /* NULL: JSON (tu_http) */
    pthread_barrier_t *start;       /* NULL: go at once */
    tu_resp resp;
} call;

static size_t gather(char *p, size_t size, size_t n, void *arg) {
    char **buf = arg;
    size_t have = *buf ? strlen(*buf) : 0, add = size * n;
    char *np = realloc(*buf, have + add + 1);
    if (!np) return 0;
    memcpy(np + have, p, add);
    np[have + add] = 0;
    *buf = np;
    return add;
}

/* A body of its own Content-Type (a bank reply is text). */
static tu_resp send_typed(const tp_server *s, const char *path, const char *token, const char *type,
                          const char *data) {
    tu_resp r = {0};
    CURL *c = curl_easy_init();
    char url[512], auth[256], ct[128];
    snprintf(url, sizeof url, "%s%s", s->http.base, path);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    snprintf(ct, sizeof ct, "Content-Type: %s", type);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    h = curl_slist_append(h, ct);
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, data);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(data));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, gather);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (!r.body) r.body = strdup("");
    r.json = json_loads(r.body, 0, NULL);
    return r;
}

static void *run_call(void *arg) {
    call *c = arg;
    if (c->start) pthread_barrier_wait(c->start);
    tu_server *srv = (tu_server *)&c->to->http;
    c->resp = c->type ? send_typed(c->to, c->path, c->token, c->type, c->body)
                      : tu_http(srv, c->method, c->path, c->token, c->body, NULL);
    return NULL;
}

/* The same request sent to both nodes at the same moment. */
static void race(call *a, call *b) {
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, 2);
    a->start = b->start = &start;
    a->to = &node[0];
    b->to = &node[1];
    pthread_t ta, tb;
    pthread_create(&ta, NULL, run_call, a);
    pthread_create(&tb, NULL, run_call, b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&start);
}

/* ---- setup: one database, two servers ---- */

static int setup(void **state) {
    dir = tu_mkdtemp();
    db = tu_db_create(dir);
    snprintf(log_path, sizeof log_path, "%s/sipf.log", dir);
    const char *migrate[] = {"migrate", "--db", db, NULL};
    if (tp_sipf(log_path, migrate) != 0) fail_msg("migrate failed (see %s)", log_path);
    const char *seed[] = {"seed-demo", "--db", db, "--as-of", AS_OF, NULL};
    if (tp_sipf(log_path, seed) != 0) fail_msg("seed-demo failed (see %s)", log_path);
    tp_serve_start(&node[0], db, AS_OF, log_path);
    tp_serve_start(&node[1], db, AS_OF, log_path);
    finance = tu_sign_in(&node[0].http, "staff", "finance01", "Staff@2026");
    PGresult *r = pg_query("SELECT u.id, u.code FROM units u WHERE u.status = 'active' AND EXISTS (SELECT 1 FROM users s "
                           "WHERE s.unit_id = u.id AND s.kind = 'unit') ORDER BY u.id LIMIT 2");
    assert_int_equal(PQntuples(r), UNITS);
    for (int i = 0; i < UNITS; i++) {
        unit_ids[i] = strtoll(PQgetvalue(r, i, 0), NULL, 10);
        char login[96];
        snprintf(login, sizeof login, "%s/hr", PQgetvalue(r, i, 1));
        /* signed in on one node, used on the other: sessions live in the database */
        unit_tok[i] = tu_sign_in(&node[i % 2].http, "unit", login, "Unit@2026");
    }
    PQclear(r);
    return 0;
}

static int teardown(void **state) {
    for (int i = 0; i < 2; i++) tp_serve_stop(&node[i], SIGTERM);
    free(finance);
    for (int i = 0; i < UNITS; i++) free(unit_tok[i]);
    tu_db_drop(db);
    free(db);
    tu_rmtree(dir);
    free(dir);
    return 0;
}

/* ---- enrolments ---- */

typedef struct enroller {
    int index;
    char ids[ENROLS_PER_WRITER][19];
    int acked[ENROLS_PER_WRITER];
    int other;                      /* answered, but not 201: a defect here */
    char other_body[256];
} enroller;

static void *enrol_many(void *arg) {
    enroller *w = arg;
    for (int i = 0; i < ENROLS_PER_WRITER; i++) {
        /* every request to the other node than the previous one */
        call c = {.to = &node[(w->index + i) % 2], .method = "POST", .path = "/api/v1/enrolments",
                  .token = unit_tok[w->index % UNITS]};
        char body[256];
        snprintf(body, sizeof body, "{\"id_number\":\"%s\",\"name\":\"并发%d\",\"start_date\":\"2026-11-02\"}",
                 w->ids[i], w->index * 100 + i);
        c.body = body;
        run_call(&c);
        if (c.resp.status == 201) w->acked[i] = 1;
        else if (!w->other++) snprintf(w->other_body, sizeof w->other_body, "%ld %s", c.resp.status, c.resp.body);
        tu_resp_free(&c.resp);
    }
    return NULL;
}

static void enrolments_on_both_nodes_land_once(void **state) {
    int64_t before = pg_int("SELECT COUNT(*) FROM employments");
    static enroller w[WRITERS];
    char order[4];
    for (int i = 0; i < WRITERS; i++) {
        w[i].index = i;
        for (int j = 0; j < ENROLS_PER_WRITER; j++) {
            snprintf(order, sizeof order, "%03d", 500 + i * ENROLS_PER_WRITER + j);
            snprintf(w[i].ids[j], sizeof w[i].ids[j], "%s", tu_resident_id("19910203", order));
        }
    }
    pthread_t th[WRITERS];
    for (int i = 0; i < WRITERS; i++) pthread_create(&th[i], NULL, enrol_many, &w[i]);
    int acked = 0;
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(th[i], NULL);
        if (w[i].other) fail_msg("writer %d: %d enrolments not acknowledged, first: %s", i, w[i].other, w[i].other_body);
        for (int j = 0; j < ENROLS_PER_WRITER; j++) acked += w[i].acked[j];
    }
    assert_int_equal(acked, WRITERS * ENROLS_PER_WRITER);
    for (int i = 0; i < WRITERS; i++) {
        for (int j = 0; j < ENROLS_PER_WRITER; j++) {
            char sql[512];
            snprintf(sql, sizeof sql,
                     "SELECT COUNT(*) FROM employments e JOIN persons p ON p.id = e.person_id "
                     "WHERE p.id_number = '%s' AND e.unit_id = %lld", w[i].ids[j], (long long)unit_ids[i % UNITS]);
            assert_int_equal(pg_int(sql), 1);
        }
    }

    /* the same person at the same unit from both nodes at once: one wins */
    for (int k = 0; k < RACES; k++) {
        snprintf(order, sizeof order, "%03d", 900 + k);
        char body[256];
        snprintf(body, sizeof body, "{\"id_number\":\"%s\",\"name\":\"抢先\",\"start_date\":\"2026-11-02\"}",
                 tu_resident_id("19880708", order));
        call a = {.method = "POST", .path = "/api/v1/enrolments", .token = unit_tok[0], .body = body};
        call b = a;
        race(&a, &b);
        int won = (a.resp.status == 201) + (b.resp.status == 201);
        assert_int_equal(won, 1);
        tu_resp *lost = a.resp.status == 201 ? &b.resp : &a.resp;
        if (lost->status != 409 && lost->status != 422) fail_msg("the loser answered %ld %s", lost->status, lost->body);
        tu_resp_free(&a.resp);
        tu_resp_free(&b.resp);
    }
    enrolled_total = acked + RACES;
    assert_int_equal(pg_int("SELECT COUNT(*) FROM employments"), before + enrolled_total);
    assert_int_equal(pg_int("SELECT COUNT(*) FROM (SELECT id_number FROM persons GROUP BY id_number "
                            "HAVING COUNT(*) > 1) d"), 0);
}

/* ---- the month: run, confirm, collect, bank replies ---- */

static void month_run_on_both_nodes_bills_once(void **state) {
    char path[64];
    snprintf(path, sizeof path, "/api/v1/months/%s/run", MONTH);
    call a = {.method = "POST", .path = path, .token = finance, .body = "{}"};
    call b = a;
    race(&a, &b);
    /* each either ran it, found it done, or found the other running it */
    for (int i = 0; i < 2; i++) {
        long st = (i ? b : a).resp.status;
        if (st != 200 && st != 201 && st != 409) fail_msg("month run answered %ld %s", st, (i ? b : a).resp.body);
    }
    assert_true(a.resp.status < 300 || b.resp.status < 300);
    tu_resp_free(&a.resp);
    tu_resp_free(&b.resp);
    /* run again until done (a node that answered 409 left the rest to this) */
    tu_resp r = tu_http(&node[1].http, "POST", path, finance, "{}", NULL);
    assert_true(r.status == 200 || r.status == 201);
    tu_resp_free(&r);
    assert_int_equal(pg_int("SELECT COUNT(*) FROM batch_runs WHERE kind = 'month_run' AND run_key = '2026-11' "
                            "AND status = 'done'"), 1);
    /* one regular bill per unit, every enrolled person's lines once */
    assert_int_equal(pg_int("SELECT COUNT(*) FROM (SELECT unit_id FROM bills WHERE month = 202611 AND "
                            "kind = 'regular' AND unit_id IS NOT NULL GROUP BY unit_id HAVING COUNT(*) > 1) d"), 0);
    assert_int_equal(pg_int("SELECT COUNT(*) FROM (SELECT span_id FROM assessments WHERE month = 202611 "
                            "AND kind = 'regular' GROUP BY span_id, insurance HAVING COUNT(*) > 1) d"), 0);
    assert_int_equal(pg_int("SELECT COUNT(DISTINCT a.person_id) FROM assessments a JOIN persons p ON "
                            "p.id = a.person_id WHERE a.month = 202611 AND p.name LIKE '并发%'"),
                     WRITERS * ENROLS_PER_WRITER);
}

static void bills_confirmed_on_both_nodes_once(void **state) {
    PGresult *r = pg_query("SELECT id FROM bills WHERE month = 202611 AND kind = 'regular' AND status = 'draft' "
                           "ORDER BY id");
    int n = PQntuples(r);
    assert_true(n >= UNITS);
    for (int i = 0; i < n; i++) {
        char path[64];
        snprintf(path, sizeof path, "/api/v1/bills/%s/confirm", PQgetvalue(r, i, 0));
        call a = {.method = "POST", .path = path, .token = finance, .body = "{}"};
        call b = a;
        race(&a, &b);
        int won = (a.resp.status == 200) + (b.resp.status == 200);
        if (won != 1) fail_msg("bill %s: %ld %s / %ld %s", PQgetvalue(r, i, 0), a.resp.status, a.resp.body,
                               b.resp.status, b.resp.body);
        tu_resp *lost = a.resp.status == 200 ? &b.resp : &a.resp;
        assert_int_equal(lost->status, 409);
        assert_string_equal(tu_err_code(lost), "bad_state");
        tu_resp_free(&a.resp);
        tu_resp_free(&b.resp);
    }
    PQclear(r);
    assert_int_equal(pg_int("SELECT COUNT(*) FROM bills WHERE month = 202611 AND kind = 'regular' "
                            "AND status = 'draft'"), 0);
}

static void collection_and_replies_on_both_nodes_apply_once(void **state) {
    char path[64];
    snprintf(path, sizeof path, "/api/v1/months/%s/collect", MONTH);
    call a = {.method = "POST", .path = path, .token = finance, .body = "{}"};
    call b = a;
    race(&a, &b);
    assert_true(a.resp.status == 200 || a.resp.status == 201);
    assert_true(b.resp.status == 200 || b.resp.status == 201);
    /* no bill in two files */
    assert_int_equal(pg_int("SELECT COUNT(*) FROM (SELECT l.bill_id FROM collection_lines l JOIN bills b "
                            "ON b.id = l.bill_id WHERE b.month = 202611 GROUP BY l.bill_id HAVING COUNT(*) > 1) d"), 0);
    int64_t lines = pg_int("SELECT COUNT(*) FROM collection_lines l JOIN bills b ON b.id = l.bill_id "
                           "WHERE b.month = 202611");
    assert_true(lines > 0);

    int files = 0, applied = 0;
    for (int side = 0; side < 2; side++) {
        const json_t *list = json_object_get((side ? b : a).resp.json, "files");
        for (size_t i = 0; i < json_array_size(list); i++) {
            const char *content = json_string_value(json_object_get(json_array_get(list, i), "content"));
            assert_non_null(content);
            char *reply = NULL;
            err_detail err = {0};
            assert_int_equal(collect_simulate_bank(content, strlen(content), 7, &reply, &err), ERR_OK);
            call ra = {.path = "/api/v1/bank-replies", .token = finance, .type = "text/plain; charset=utf-8",
                       .body = reply};
            call rb = ra;
            race(&ra, &rb);
            assert_int_equal(ra.resp.status, 200);
            assert_int_equal(rb.resp.status, 200);
            int fresh = !json_is_true(json_object_get(ra.resp.json, "already_imported")) +
                        !json_is_true(json_object_get(rb.resp.json, "already_imported"));
            assert_int_equal(fresh, 1);
            applied += fresh;
            files++;
            tu_resp_free(&ra.resp);
            tu_resp_free(&rb.resp);
            free(reply);
        }
    }
    tu_resp_free(&a.resp);
    tu_resp_free(&b.resp);
    assert_true(files > 0);
    assert_int_equal(applied, files);
    /* every line answered once; each paid line's bill paid, posted once */
    assert_int_equal(pg_int("SELECT COUNT(*) FROM collection_lines l JOIN bills b ON b.id = l.bill_id "
                            "WHERE b.month = 202611 AND l.result IS NULL"), 0);
    assert_int_equal(pg_int("SELECT COUNT(*) FROM collection_lines l JOIN bills b ON b.id = l.bill_id "
                            "WHERE b.month = 202611 AND l.result = 'paid' AND b.status <> 'paid'"), 0);
    assert_true(pg_int("SELECT COUNT(*) FROM collection_lines l JOIN bills b ON b.id = l.bill_id "
                       "WHERE b.month = 202611 AND l.result = 'failed'") > 0);
}

static void verify_passes(void **state) {
    const char *verify[] = {"verify", "--db", db, NULL};
    if (tp_sipf(log_path, verify) != 0) {
        char *log = tu_read_file(log_path, NULL);
        fail_msg("sipf verify failed:\n%s", log ? log : "");
    }
}

int main(void) {
    const char *url = getenv("SIPF_TEST_DB_URL");
    if (!url || !*url) {
        printf("twonode: SIPF_TEST_DB_URL is not set: PostgreSQL only, skipped\n");
        return 77;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(enrolments_on_both_nodes_land_once),
        cmocka_unit_test(month_run_on_both_nodes_bills_once),
        cmocka_unit_test(bills_confirmed_on_both_nodes_once),
        cmocka_unit_test(collection_and_replies_on_both_nodes_apply_once),
        cmocka_unit_test(verify_passes),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return rc;
}
