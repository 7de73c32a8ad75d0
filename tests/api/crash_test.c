/* The real `sipf serve` killed with SIGKILL in the middle of a stream of
 * writes (person registrations from several client threads, each on its
 * own keep-alive connection), then started again on the same database:
 * `sipf verify` passes (audit chain and ledger whole), every registration
 * acknowledged with 201 before the kill is there with its ID number and
 * name, nothing is there twice, and the server takes writes again. Rounds:
 * SIPF_CRASH_ROUNDS (3 here; up to 40 for a long run, make fuzz). */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/idno.h"
#include "testproc.h"

enum {
    WRITERS = 4,
    WRITES_PER_WRITER_MAX = 900,   /* distinct ID numbers a writer makes in a round */
    ACKED_BEFORE_KILL = 40,        /* the kill waits until at least this many are acknowledged */
    ROUNDS_DEFAULT = 3,
    ROUNDS_MAX = 40,               /* a round's ID numbers are born in 1960 + round */
};

static const char *const CLERK = "crash01";
static const char *const PASSWORD = "Crash@2026";

typedef struct acked {
    int64_t id;
    char id_number[19];
} acked;

typedef struct writer {
    pthread_t th;
    int round, index;
    const char *base;
    const char *token;
    acked done[WRITES_PER_WRITER_MAX];
    int done_count;
    int refused;           /* answered, but not 201: a defect */
    char refused_body[256];
} writer;

static atomic_int acked_total;
static atomic_int killed;

static size_t keep(char *p, size_t size, size_t n, void *arg) {
    char *buf = arg;
    size_t have = strlen(buf), add = size * n;
    if (have + add < 1023) {
        memcpy(buf + have, p, add);
        buf[have + add] = 0;
    }
    return size * n;
}

/* A valid resident ID unique to (round, writer, i). */
static void id_of(int round, int w, int i, char out[19]) {
    char d17[18];
    snprintf(d17, sizeof d17, "320571%04u%02u%02u%03u", (unsigned)(1960 + round) % 10000u,
             (unsigned)(w + 1) % 100u, (unsigned)(1 + i / 100) % 100u, (unsigned)i % 1000u);
    snprintf(out, 19, "%s%c", d17, idno_resident_check_char(d17));
}

static void *write_stream(void *arg) {
    writer *w = arg;
    CURL *c = curl_easy_init();
    char url[128], auth[256];
    snprintf(url, sizeof url, "%s/api/v1/persons", w->base);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", w->token);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
    for (int i = 0; i < WRITES_PER_WRITER_MAX && !atomic_load(&killed); i++) {
        char id_number[19], body[256], answer[1024] = "";
        id_of(w->round, w->index, i, id_number);
        snprintf(body, sizeof body, "{\"id_number\":\"%s\",\"name\":\"崩溃%d\",\"mobile\":\"13800000000\"}",
                 id_number, w->index);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, answer);
        if (curl_easy_perform(c) != CURLE_OK) break;   /* the server is gone: outcome unknown */
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (status != 201) {
            if (!w->refused) snprintf(w->refused_body, sizeof w->refused_body, "%ld %s", status, answer);
            w->refused++;
            continue;
        }
        json_t *j = json_loads(answer, 0, NULL);
        acked *a = &w->done[w->done_count++];
        a->id = json_integer_value(json_object_get(j, "id"));
        snprintf(a->id_number, sizeof a->id_number, "%s", id_number);
        json_decref(j);
        atomic_fetch_add(&acked_total, 1);
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int rounds(void) {
    const char *r = getenv("SIPF_CRASH_ROUNDS");
    long n = r ? strtol(r, NULL, 10) : ROUNDS_DEFAULT;
    if (n < 1) return ROUNDS_DEFAULT;
    return n > ROUNDS_MAX ? ROUNDS_MAX : (int)n;
}

static void every_acknowledged_write_survives_sigkill(void **state) {
    (void)state;
    setenv("SIPF_FAST_HASH", "1", 1);
    char *dir = tu_mkdtemp();
    char db[600], log[600];
    snprintf(db, sizeof db, "%s/crash.db", dir);
    snprintf(log, sizeof log, "%s/sipf.log", dir);
    tp_db_create(db, log, "clerk", CLERK, PASSWORD);
    static writer ws[WRITERS];
    int total_acked = 0;
    for (int round = 0; round < rounds(); round++) {
        tp_server s;
        tp_serve_start(&s, db, "2026-03-10", log);
        char *token = tu_sign_in(&s.http, "staff", CLERK, PASSWORD);
        atomic_store(&acked_total, 0);
        atomic_store(&killed, 0);
        for (int w = 0; w < WRITERS; w++) {
            memset(&ws[w], 0, sizeof ws[w]);
            ws[w].round = round;
            ws[w].index = w;
            ws[w].base = s.http.base;
            ws[w].token = token;
            assert_int_equal(pthread_create(&ws[w].th, NULL, write_stream, &ws[w]), 0);
        }
        int kill_after = ACKED_BEFORE_KILL + (int)randombytes_uniform(4 * ACKED_BEFORE_KILL);
        for (int waited = 0; atomic_load(&acked_total) < kill_after && waited < 60000; waited += 5)
            sleep_ms(5);
        sleep_ms((int)randombytes_uniform(50));   /* somewhere in a request, not at a round number */
        int status = tp_serve_stop(&s, SIGKILL);
        atomic_store(&killed, 1);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        int acked_round = 0;
        for (int w = 0; w < WRITERS; w++) {
            pthread_join(ws[w].th, NULL);
            if (ws[w].refused) fail_msg("writer %d refused %d times: %s", w, ws[w].refused, ws[w].refused_body);
            acked_round += ws[w].done_count;
        }
        assert_true(acked_round >= ACKED_BEFORE_KILL);
        free(token);

        /* Started again on the same database. */
        tp_server again;
        tp_serve_start(&again, db, "2026-03-10", log);
        const char *verify[] = {"verify", "--db", db, NULL};
        assert_int_equal(tp_sipf(log, verify), 0);
        token = tu_sign_in(&again.http, "staff", CLERK, PASSWORD);
        for (int w = 0; w < WRITERS; w++) {
            for (int i = 0; i < ws[w].done_count; i++) {
                const acked *a = &ws[w].done[i];
                char path[128];
                snprintf(path, sizeof path, "/api/v1/persons?id_number=%s", a->id_number);
                tu_resp r = tu_http(&again.http, "GET", path, token, NULL, NULL);
                if (r.status != 200) fail_msg("%s: %ld %s", a->id_number, r.status, r.body);
                json_t *items = json_object_get(r.json, "items");
                if (json_array_size(items) != 1)
                    fail_msg("acknowledged %s found %zu times: %s", a->id_number, json_array_size(items), r.body);
                assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), a->id);
                tu_resp_free(&r);
            }
        }
        /* It takes writes again. */
        char id_number[19], body[256];
        id_of(round, WRITERS, 0, id_number);
        snprintf(body, sizeof body, "{\"id_number\":\"%s\",\"name\":\"重启后\",\"mobile\":\"13800000000\"}", id_number);
        tu_resp r = tu_http(&again.http, "POST", "/api/v1/persons", token, body, NULL);
        assert_int_equal(r.status, 201);
        tu_resp_free(&r);
        free(token);
        status = tp_serve_stop(&again, SIGTERM);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        total_acked += acked_round;
    }
    fprintf(stderr, "%d rounds, %d acknowledged writes checked after SIGKILL\n", rounds(), total_acked);
    tu_rmtree(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_acknowledged_write_survives_sigkill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
