/* Sends exactly N GET requests to one URL over keep-alive connections from
 * several threads (wrk runs for a time, not a count), for the memory
 * benchmark of bench/http_bench.sh. Fails when any answer is not 2xx.
 *
 * usage: http_drive URL N [THREADS] [HEADER] */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

enum { THREADS_MAX = 64 };

typedef struct drive {
    pthread_t th;
    const char *url, *header;
    long n, failed;
} drive;

static size_t discard(char *p, size_t size, size_t n, void *arg) {
    (void)p;
    (void)arg;
    return size * n;
}

static void *run(void *arg) {
    drive *d = arg;
    CURL *c = curl_easy_init();
    struct curl_slist *h = d->header ? curl_slist_append(NULL, d->header) : NULL;
    curl_easy_setopt(c, CURLOPT_URL, d->url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    for (long i = 0; i < d->n; i++) {
        long status = 0;
        if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (status < 200 || status > 299) d->failed++;
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: http_drive URL N [THREADS] [HEADER]\n");
        return 2;
    }
    long n = strtol(argv[2], NULL, 10);
    long threads = argc > 3 ? strtol(argv[3], NULL, 10) : 2;
    if (n < 1 || threads < 1 || threads > THREADS_MAX) {
        fprintf(stderr, "http_drive: N >= 1, 1 <= THREADS <= %d\n", THREADS_MAX);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    drive d[THREADS_MAX];
    for (long i = 0; i < threads; i++) {
        d[i] = (drive){.url = argv[1], .header = argc > 4 ? argv[4] : NULL,
                       .n = n / threads + (i < n % threads ? 1 : 0)};
        pthread_create(&d[i].th, NULL, run, &d[i]);
    }
    long failed = 0;
    for (long i = 0; i < threads; i++) {
        pthread_join(d[i].th, NULL);
        failed += d[i].failed;
    }
    curl_global_cleanup();
    if (failed) {
        fprintf(stderr, "http_drive: %ld of %ld answers not 2xx\n", failed, n);
        return 1;
    }
    return 0;
}
