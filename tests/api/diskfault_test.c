/* The real `sipf serve` on a full disk and on a read-only database: every
 * write is refused with 503 and a stable code (store_full, store_readonly)
 * and a Chinese message, never a 500 or a crash; the server keeps answering
 * what needs no write (health, the catalog, the signed-in session); a read
 * of personal data, which must leave an audit row, is refused the same way
 * rather than served unrecorded. Once there is space again (here: started
 * without the limit), everything acknowledged is there, `sipf verify`
 * passes and writes go through.
 *
 * The full disk without root or a mount: the server runs under a file-size
 * limit (RLIMIT_FSIZE, SIGXFSZ ignored), so no file of it grows past a few
 * hundred KiB and its writes fail with EFBIG as they would with ENOSPC. The
 * read-only database: `--db "file:PATH?mode=ro"`. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "testproc.h"

enum {
    FSIZE_LIMIT_BYTES = 256 * 1024,   /* the WAL fills after a handful of registrations */
    WRITES_MAX = 500,                 /* past it the limit did not bite: a defect */
};

static const char *const CLERK = "disk01";
static const char *const PASSWORD = "Disk@2026";
static const char *const AS_OF = "2026-03-10";

typedef struct fixture {
    char *dir;
    char db[600], log[600], log_limited[600];
} fixture;

static int setup(void **state) {
    setenv("SIPF_FAST_HASH", "1", 1);
    fixture *f = calloc(1, sizeof *f);
    f->dir = tu_mkdtemp();
    snprintf(f->db, sizeof f->db, "%s/disk.db", f->dir);
    snprintf(f->log, sizeof f->log, "%s/sipf.log", f->dir);
    snprintf(f->log_limited, sizeof f->log_limited, "%s/limited.log", f->dir);
    tp_db_create(f->db, f->log, "clerk", CLERK, PASSWORD);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    tu_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static tu_resp register_person(tp_server *s, const char *token, int i) {
    char birth[16], order[16], body[256];
    snprintf(birth, sizeof birth, "198001%02d", 1 + i % 28);
    snprintf(order, sizeof order, "%03d", i % 1000);
    const char *id = tu_resident_id(birth, order);
    snprintf(body, sizeof body, "{\"id_number\":\"%s\",\"name\":\"磁盘%d\"}", id, i);
    return tu_http(&s->http, "POST", "/api/v1/persons", token, body, NULL);
}

static void expect_refusal(tu_resp *r, const char *code, const char *zh) {
    if (r->status != 503) fail_msg("want 503 %s, got %ld: %s", code, r->status, r->body);
    assert_string_equal(tu_err_code(r), code);
    const char *msg = json_string_value(json_object_get(json_object_get(r->json, "error"), "message"));
    assert_non_null(msg);
    if (!strstr(msg, zh)) fail_msg("message without %s: %s", zh, msg);
}

static void expect_status(tp_server *s, const char *path, const char *token, long status) {
    tu_resp r = tu_http(&s->http, "GET", path, token, NULL, NULL);
    if (r.status != status) fail_msg("GET %s: want %ld, got %ld: %s", path, status, r.status, r.body);
    tu_resp_free(&r);
}

/* With the store refusing writes: a write and a sign-in are refused with
 * code and a message holding zh; what needs no write is answered; a
 * person's record, read only with its audit row, is refused too. */
static void writes_refused_reads_answered(tp_server *s, const char *token, int64_t person, int next,
                                          const char *code, const char *zh) {
    tu_resp r = register_person(s, token, next);
    expect_refusal(&r, code, zh);
    tu_resp_free(&r);
    r = tu_http(&s->http, "POST", "/api/v1/sessions", NULL,
                "{\"role\":\"staff\",\"username\":\"disk01\",\"password\":\"Disk@2026\"}", NULL);
    expect_refusal(&r, code, zh);
    tu_resp_free(&r);
    expect_status(s, "/healthz", NULL, 200);
    expect_status(s, "/api/v1/catalog", NULL, 200);
    expect_status(s, "/api/v1/sessions/current", token, 200);
    expect_status(s, "/api/v1/workdays/add?from=2026-03-10&days=5", NULL, 200);
    char path[64];
    snprintf(path, sizeof path, "/api/v1/persons/%lld", (long long)person);
    r = tu_http(&s->http, "GET", path, token, NULL, NULL);
    expect_refusal(&r, code, zh);
    tu_resp_free(&r);
}

/* A server without limits: a registration that goes through; its id. */
static int64_t first_person(fixture *f, char **token_out) {
    tp_server s;
    tp_serve_start(&s, f->db, AS_OF, f->log);
    *token_out = tu_sign_in(&s.http, "staff", CLERK, PASSWORD);
    tu_resp r = register_person(&s, *token_out, 0);
    assert_int_equal(r.status, 201);
    int64_t id = json_integer_value(json_object_get(r.json, "id"));
    tu_resp_free(&r);
    int status = tp_serve_stop(&s, SIGTERM);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return id;
}

static void verify_passes(fixture *f) {
    const char *verify[] = {"verify", "--db", f->db, NULL};
    assert_int_equal(tp_sipf(f->log, verify), 0);
}

static void a_full_disk_refuses_writes_and_keeps_answering_reads(void **state) {
    fixture *f = *state;
    char *token = NULL;
    int64_t p0 = first_person(f, &token);

    tp_server s;
    tp_serve_start_limited(&s, f->db, AS_OF, f->log_limited, FSIZE_LIMIT_BYTES);
    int acked = 0;
    tu_resp r = {0};
    for (int i = 1; i <= WRITES_MAX; i++) {
        r = register_person(&s, token, i);
        if (r.status != 201) break;
        acked = i;
        tu_resp_free(&r);
    }
    expect_refusal(&r, "store_full", "磁盘已满");
    tu_resp_free(&r);
    assert_true(acked >= 1 && acked < WRITES_MAX);   /* a few went through before it filled */
    /* Still full: the next write is refused the same way, not half-done. */
    writes_refused_reads_answered(&s, token, p0, acked + 1, "store_full", "磁盘已满");
    int status = tp_serve_stop(&s, SIGTERM);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* Space again: what was acknowledged is there, the rest was not half-written. */
    verify_passes(f);
    tp_serve_start(&s, f->db, AS_OF, f->log);
    tu_resp list = tu_http(&s.http, "GET", "/api/v1/persons?name=%E7%A3%81%E7%9B%98", token, NULL, NULL);
    assert_int_equal(list.status, 200);
    assert_int_equal(json_integer_value(json_object_get(list.json, "count")), acked + 1);
    tu_resp_free(&list);
    r = register_person(&s, token, acked + 1);
    assert_int_equal(r.status, 201);
    tu_resp_free(&r);
    char path[64];
    snprintf(path, sizeof path, "/api/v1/persons/%lld", (long long)p0);
    expect_status(&s, path, token, 200);
    status = tp_serve_stop(&s, SIGTERM);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    verify_passes(f);
    free(token);
}

static void a_read_only_database_refuses_writes_and_keeps_answering_reads(void **state) {
    fixture *f = *state;
    char *token = NULL;
    int64_t p0 = first_person(f, &token);
    char uri[700];
    snprintf(uri, sizeof uri, "file:%s?mode=ro", f->db);
    tp_server s;
    tp_serve_start(&s, uri, AS_OF, f->log);
    writes_refused_reads_answered(&s, token, p0, 1, "store_readonly", "只读");
    int status = tp_serve_stop(&s, SIGTERM);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    verify_passes(f);
    free(token);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_full_disk_refuses_writes_and_keeps_answering_reads, setup, teardown),
        cmocka_unit_test_setup_teardown(a_read_only_database_refuses_writes_and_keeps_answering_reads, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
