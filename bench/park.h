/* The benchmarks' park: N insured persons spread evenly over U units, each
 * with an employment, six unit-paid insurance spans and a declared base of
 * policy year 2026. The rows are made here once, with their ids, and handed
 * to a sink per table, so every engine's benchmark (contrib_bench on SQLite
 * by prepared INSERTs, pg_bench on PostgreSQL by COPY) loads the same park. */
#ifndef SIPF_BENCH_PARK_H
#define SIPF_BENCH_PARK_H

#include <stdint.h>

enum { PARK_INSURANCES = 6 };
extern const char *const park_insurances[PARK_INSURANCES];

/* The instant every park row was created at (ms). */
#define PARK_NOW_MS 1795000000000LL

/* One callback per table; a NULL one is skipped (a sink may load one table
 * per pass). Ids start at 1 in every table. hf_rate_bp 0 means null. */
typedef struct park_sink {
    void *arg;
    void (*unit)(void *arg, int64_t id, const char *code, int64_t industry_class, int64_t hf_rate_bp);
    void (*person)(void *arg, int64_t id, const char *id_number);
    void (*employment)(void *arg, int64_t id, int64_t person_id, int64_t unit_id);
    void (*span)(void *arg, int64_t id, int64_t person_id, int64_t unit_id, int64_t employment_id,
                 const char *insurance);
    void (*base)(void *arg, int64_t id, int64_t person_id, int64_t unit_id, int64_t wage_fen, int64_t base_fen);
} park_sink;

void park_generate(long persons, long units, const park_sink *sink);

/* Readies db (a path or a URL) for the park: crypto, then the migrations. */
void park_db_prepare(const char *db);

/* The month 2026-11 assessed and posted on the park through the real
 * services (contrib_month_run) on db (a path or a URL), with the policy of
 * src_dir. Answers wall seconds; *cpu_s_out the processor seconds and
 * *start_out the instant (bench_now_s) the run began. */
#include "svc/batch.h"
double park_month_run(const char *db, const char *src_dir, int chunk, batch_progress_fn progress, void *arg,
                      double *cpu_s_out, double *start_out);

#endif
