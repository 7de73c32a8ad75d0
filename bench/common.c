#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *bench_name = "bench";

void bench_die(const char *what, const char *msg) {
    fprintf(stderr, "%s: %s: %s\n", bench_name, what, msg);
    exit(1);
}

double bench_now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bench_cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

long bench_arg_long(int argc, char **argv, const char *name, long def) {
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0) {
            char *end = NULL;
            long v = strtol(argv[i + 1], &end, 10);
            if (!end || *end || v <= 0) bench_die(name, "a positive number");
            return v;
        }
    return def;
}

const char *bench_arg_str(int argc, char **argv, const char *name, const char *def) {
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0) return argv[i + 1];
    return def;
}

const char *bench_source_dir(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--", 2) == 0) { i++; continue; }
        return argv[i];
    }
    return SIPF_SOURCE_DIR;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *v, int n) {
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    return v[n / 2];
}

void bench_line(const char *what, const char *value, const char *goal) {
    printf("| %-44s | %18s | %-12s |\n", what, value, goal);
}

void bench_run_table(int64_t rows, double run_s, const char *base_what, double base_s, const char *goal) {
    char v[64];
    double rate = (double)rows / run_s, base_rate = (double)rows / base_s;
    printf("| %-44s | %18s | %-12s |\n", "figure", "value", "goal");
    printf("|%s|%s|%s|\n", "----------------------------------------------", "--------------------",
           "--------------");
    snprintf(v, sizeof v, "%lld", (long long)rows);
    bench_line("rows written by the run (lines, bills, ledger, audit)", v, "");
    snprintf(v, sizeof v, "%.2f", run_s);
    bench_line("assessment + posting: seconds", v, "");
    snprintf(v, sizeof v, "%.0f", rate);
    bench_line("assessment + posting: rows per second", v, "");
    snprintf(v, sizeof v, "%.2f", base_s);
    bench_line(base_what, v, "");
    snprintf(v, sizeof v, "%.0f", base_rate);
    bench_line("baseline: rows per second", v, "");
    snprintf(v, sizeof v, "%.3f", rate / base_rate);
    bench_line("ratio run / baseline", v, goal);
}
