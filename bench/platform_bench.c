/* Platform micro-benchmarks: the calendar, policy look-ups, password hashing
 * and a round trip through the HTTP server. Prints a table; asserts nothing
 * about time (that is what `make test` never does). */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "base/crypto.h"
#include "base/workday.h"
#include "policy/policy.h"
#include "store/store.h"
#include "svc/catalog.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void row(const char *what, long n, double secs, const char *note) {
    printf("| %-38s | %10ld | %10.3f | %12.0f | %-34s |\n", what, n, secs, (double)n / secs, note);
}

static size_t discard(char *p, size_t s, size_t n, void *u) { (void)p; (void)u; return s * n; }

static void bench_http(store *st, const policy *pol, const workday_cal *cal) {
    err_detail err = {0};
    api_config cfg = {.listen = "127.0.0.1:0", .threads = 2, .quiet = true};
    api_server *srv;
    if (api_server_start(&cfg, st, pol, cal, &srv, &err)) { fprintf(stderr, "%s\n", err.message); return; }
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v1/workdays/add?from=2026-09-30&days=5",
             api_server_port(srv));
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    const long n = 5000;
    double t = now_s();
    for (long i = 0; i < n; i++) curl_easy_perform(c);
    row("HTTP GET workdays/add (keep-alive, 1 client)", n, now_s() - t, "one connection, sequential");
    curl_easy_cleanup(c);
    api_server_stop(srv);
}

int main(int argc, char **argv) {
    const char *src = argc > 1 ? argv[1] : SIPF_SOURCE_DIR;
    char path[1024];
    err_detail err = {0};
    policy *pol;
    workday_cal *cal;
    snprintf(path, sizeof path, "%s/policy", src);
    if (policy_load_dir(path, &pol, &err)) { fprintf(stderr, "%s\n", err.message); return 1; }
    snprintf(path, sizeof path, "%s/policy/holidays.tsv", src);
    if (workday_load(path, &cal, &err)) { fprintf(stderr, "%s\n", err.message); return 1; }
    crypto_init(&err);

    printf("| %-38s | %10s | %10s | %12s | %-34s |\n", "operation", "count", "seconds", "per second", "note");
    printf("|%s|%s|%s|%s|%s|\n", "----------------------------------------", "------------",
           "------------", "--------------", "------------------------------------");
    long n = 1000000;
    double t = now_s();
    date_days from = date_from_ymd(2026, 1, 5), out;
    long sink = 0;
    for (long i = 0; i < n; i++) {
        workday_add(cal, from + (date_days)(i % 300), 10, &out, &err);
        sink += out;
    }
    row("workday_add (10 working days)", n, now_s() - t, "2026 calendar");
    t = now_s();
    int64_t v = 0;
    for (long i = 0; i < n; i++) {
        policy_get_int(pol, "pension.unit_rate_bp", from + (date_days)(i % 300), &v, &err);
        sink += v;
    }
    row("policy_get_int", n, now_s() - t, "binary search by key and date");
    char h[CRYPTO_PWHASH_BYTES];
    long hashes = 20;
    t = now_s();
    for (long i = 0; i < hashes; i++) crypto_password_hash("Bench@2026", h, &err);
    row("Argon2id password hash", hashes, now_s() - t, crypto_password_params());

    char dir[] = "/tmp/sipf-bench-XXXXXX";
    if (mkdtemp(dir)) {
        snprintf(path, sizeof path, "%s/bench.db", dir);
        store *st;
        int applied;
        if (!store_open(path, &st, &err) && !store_migrate(st, &applied, &err)) {
            curl_global_init(CURL_GLOBAL_DEFAULT);
            bench_http(st, pol, cal);
            curl_global_cleanup();
            store_close(st);
        }
        snprintf(path, sizeof path, "rm -rf %s", dir);
        if (system(path) != 0) fprintf(stderr, "could not remove %s\n", dir);
    }
    policy_destroy(pol);
    workday_destroy(cal);
    return sink == 42 ? 1 : 0;
}
