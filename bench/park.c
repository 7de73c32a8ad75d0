#include "park.h"

#include <stdio.h>

#include "base/crypto.h"
#include "base/workday.h"
#include "common.h"
#include "policy/policy.h"
#include "store/store.h"
#include "svc/contribution.h"

const char *const park_insurances[PARK_INSURANCES] = {"pension", "medical", "unemployment", "injury", "maternity",
                                                      "housing_fund"};

void park_generate(long persons, long units, const park_sink *s) {
    long p = 0;
    for (long u = 0; u < units; u++) {
        int64_t uid = u + 1;
        if (s->unit) {
            char code[32];
            snprintf(code, sizeof code, "BENCHUNIT%08ld", u);
            s->unit(s->arg, uid, code, 1 + u % 8, u % 3 == 0 ? 800 : 0);
        }
        long upto = (u + 1) * persons / units;   /* the persons spread evenly */
        for (; p < upto; p++) {
            int64_t pid = p + 1;
            if (s->person) {
                char idn[32];
                snprintf(idn, sizeof idn, "BENCH%09ld", p);
                s->person(s->arg, pid, idn);
            }
            if (s->employment) s->employment(s->arg, pid, pid, uid);
            if (s->span)
                for (int i = 0; i < PARK_INSURANCES; i++)
                    s->span(s->arg, p * PARK_INSURANCES + i + 1, pid, uid, pid, park_insurances[i]);
            /* wages from 3,000 to about 30,000 yuan: some below the floor, some above the ceiling */
            int64_t wage = 300000 + (p * 7919) % 2700000;
            int64_t base = wage < 460000 ? 460000 : wage > 2460000 ? 2460000 : wage;
            if (s->base) s->base(s->arg, pid, pid, uid, wage, base);
        }
    }
}

double park_month_run(const char *db, const char *src_dir, int chunk, batch_progress_fn progress, void *arg,
                      double *cpu_s_out, double *start_out) {
    err_detail err = {0};
    char path[1024];
    policy *pol;
    workday_cal *cal;
    snprintf(path, sizeof path, "%s/policy", src_dir);
    if (policy_load_dir(path, &pol, &err)) bench_die("policy", err.message);
    snprintf(path, sizeof path, "%s/policy/holidays.tsv", src_dir);
    if (workday_load(path, &cal, &err)) bench_die("calendar", err.message);
    store *st;
    if (store_open(db, &st, &err)) bench_die("store", err.message);
    svc_ctx ctx = {.ar = arena_create(64 * 1024), .pol = pol, .cal = cal,
                   .business_date = date_from_ymd(2026, 11, 23), .now_ms = 1795400000000, .channel = "cli",
                   .request_id = "bench"};
    ctx.actor.role = ROLE_SYSTEM;
    json_t *out = NULL;
    double t = bench_now_s(), c = bench_cpu_s();
    if (start_out) *start_out = t;
    if (contrib_month_run(st, &ctx, 202611, chunk, progress, arg, &out, &err)) bench_die("month run", err.message);
    double secs = bench_now_s() - t;
    if (cpu_s_out) *cpu_s_out = bench_cpu_s() - c;
    fprintf(stderr, "month run: %lld bills, %lld lines, total %lld fen\n",
            (long long)json_integer_value(json_object_get(out, "bills")),
            (long long)json_integer_value(json_object_get(out, "lines")),
            (long long)json_integer_value(json_object_get(out, "total_fen")));
    json_decref(out);
    store_close(st);
    arena_destroy(ctx.ar);
    policy_destroy(pol);
    workday_destroy(cal);
    return secs;
}

void park_db_prepare(const char *db) {
    err_detail err = {0};
    if (crypto_init(&err)) bench_die("crypto", err.message);
    store *st;
    int applied = 0;
    if (store_open(db, &st, &err) || store_migrate(st, &applied, &err)) bench_die("migrate", err.message);
    store_close(st);
}
