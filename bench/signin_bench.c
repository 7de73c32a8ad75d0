/* The cost of a sign-in: one Argon2id verification of the password with the
 * parameters the server uses, on every processor at once (each sign-in also
 * stores a session, which costs little beside it). Prints one line for
 * bench/http_bench.sh: verifications a second, threads, milliseconds of one
 * verification alone, the parameters. HTTP
 * sign-in from one address is rate limited (limits.h), so its throughput
 * is measured here, below the limiter.
 *
 * usage: signin_bench [SECONDS] */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "base/crypto.h"

enum { THREADS_MAX = 64 };

static char encoded[CRYPTO_PWHASH_BYTES];
static atomic_long verified;
static atomic_int stop;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *verify_loop(void *arg) {
    (void)arg;
    while (!atomic_load(&stop)) {
        if (!crypto_password_verify(encoded, "Bench@2026")) {
            fprintf(stderr, "verification failed\n");
            exit(1);
        }
        atomic_fetch_add(&verified, 1);
    }
    return NULL;
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? strtod(argv[1], NULL) : 5.0;
    if (seconds <= 0) seconds = 5.0;
    unsetenv("SIPF_FAST_HASH");   /* the server's own parameters */
    err_detail err = {0};
    if (crypto_init(&err) || crypto_password_hash("Bench@2026", encoded, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    long threads = sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1) threads = 1;
    if (threads > THREADS_MAX) threads = THREADS_MAX;
    double t1 = now_s();
    if (!crypto_password_verify(encoded, "Bench@2026")) return 1;
    double one_ms = (now_s() - t1) * 1000.0;
    pthread_t th[THREADS_MAX];
    double t0 = now_s();
    for (long i = 0; i < threads; i++) pthread_create(&th[i], NULL, verify_loop, NULL);
    struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    nanosleep(&ts, NULL);
    atomic_store(&stop, 1);
    for (long i = 0; i < threads; i++) pthread_join(th[i], NULL);
    double secs = now_s() - t0;
    printf("%.1f %ld %.1f %s\n", (double)atomic_load(&verified) / secs, threads, one_ms,
           crypto_password_params());
    return 0;
}
