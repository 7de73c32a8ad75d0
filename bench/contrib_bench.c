/* The monthly assessment benchmark (issue 4): N insured persons in U units
 * are created directly with plain INSERTs (not through enrolment: six
 * unit-paid insurances each, a declared base each), then the month is
 * assessed and posted through the real svc code path (contrib_month_run:
 * chunks, bills, lines, ledger entries, audit rows). In the same process,
 * with the same PRAGMAs, a plain C baseline inserts the same number of rows
 * of the same width as an assessment line with one prepared statement in one
 * transaction (the median of three tries). Prints a table: rows, seconds and
 * rows per second of both and their ratio (goal >= 0.40), the rate over the first and the last 10% of
 * the units and their ratio (goal >= 0.7), and peak memory (goal < 256 MB).
 *
 *   contrib_bench [--persons N] [--units U] [--chunk C] [--dir DIR] [SOURCE_DIR]
 *
 * Asserts nothing about time: it reports. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "base/crypto.h"
#include "base/workday.h"
#include "policy/policy.h"
#include "store/store.h"
#include "store/store_internal.h"
#include "svc/contribution.h"
#include "common.h"
#include "park.h"

enum { PROGRESS_MAX = 1 << 20, INSURANCES = PARK_INSURANCES };

/* Processor seconds of the run and of the baseline (bench_cpu_s). */
static double run_cpu_s, base_cpu_s;

static void exec_sql(sqlite3 *db, const char *sql) {
    char *emsg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &emsg) != SQLITE_OK) bench_die(sql, emsg ? emsg : "?");
}

static sqlite3_stmt *prep(sqlite3 *db, const char *sql) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) bench_die(sql, sqlite3_errmsg(db));
    return st;
}

static void step(sqlite3 *db, sqlite3_stmt *st) {
    if (sqlite3_step(st) != SQLITE_DONE) bench_die("insert", sqlite3_errmsg(db));
    sqlite3_reset(st);
}

/* The store's PRAGMAs, so both sides run alike. */
#define PRAGMAS store_sqlite_pragmas

/* ---- the park (bench/park.c), by plain INSERTs ---- */

typedef struct park_stmts {
    sqlite3 *db;
    sqlite3_stmt *unit, *person, *emp, *span, *base;
} park_stmts;

static void park_unit(void *arg, int64_t id, const char *code, int64_t industry_class, int64_t hf_rate_bp) {
    park_stmts *s = arg;
    sqlite3_bind_int64(s->unit, 1, id);
    sqlite3_bind_text(s->unit, 2, code, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s->unit, 3, "基准测试单位", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s->unit, 4, PARK_NOW_MS);
    sqlite3_bind_int64(s->unit, 5, industry_class);
    if (hf_rate_bp) sqlite3_bind_int64(s->unit, 6, hf_rate_bp);
    else sqlite3_bind_null(s->unit, 6);
    step(s->db, s->unit);
}

static void park_person(void *arg, int64_t id, const char *id_number) {
    park_stmts *s = arg;
    sqlite3_bind_int64(s->person, 1, id);
    sqlite3_bind_text(s->person, 2, id_number, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s->person, 3, PARK_NOW_MS);
    step(s->db, s->person);
}

static void park_employment(void *arg, int64_t id, int64_t person_id, int64_t unit_id) {
    park_stmts *s = arg;
    sqlite3_bind_int64(s->emp, 1, id);
    sqlite3_bind_int64(s->emp, 2, person_id);
    sqlite3_bind_int64(s->emp, 3, unit_id);
    sqlite3_bind_int64(s->emp, 4, PARK_NOW_MS);
    step(s->db, s->emp);
}

static void park_span(void *arg, int64_t id, int64_t person_id, int64_t unit_id, int64_t employment_id,
                      const char *insurance) {
    park_stmts *s = arg;
    sqlite3_bind_int64(s->span, 1, id);
    sqlite3_bind_int64(s->span, 2, person_id);
    sqlite3_bind_int64(s->span, 3, unit_id);
    sqlite3_bind_int64(s->span, 4, employment_id);
    sqlite3_bind_text(s->span, 5, insurance, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s->span, 6, PARK_NOW_MS);
    step(s->db, s->span);
}

static void park_base(void *arg, int64_t id, int64_t person_id, int64_t unit_id, int64_t wage_fen, int64_t base_fen) {
    park_stmts *s = arg;
    sqlite3_bind_int64(s->base, 1, id);
    sqlite3_bind_int64(s->base, 2, person_id);
    sqlite3_bind_int64(s->base, 3, unit_id);
    sqlite3_bind_int64(s->base, 4, wage_fen);
    sqlite3_bind_int64(s->base, 5, base_fen);
    sqlite3_bind_int64(s->base, 6, PARK_NOW_MS);
    step(s->db, s->base);
}

static void build_park(const char *path, long persons, long units) {
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) bench_die("open", path);
    exec_sql(db, PRAGMAS);
    exec_sql(db, "BEGIN");
    park_stmts s = {
        .db = db,
        .unit = prep(db, "INSERT INTO units (id, code, name, created_at_ms, industry_class, hf_rate_bp, registered_on) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, '2020-01-01')"),
        .person = prep(db, "INSERT INTO persons (id, id_number, name, created_at_ms) VALUES (?1, ?2, '测试', ?3)"),
        .emp = prep(db, "INSERT INTO employments (id, person_id, unit_id, kind, start_date, enrolled_on, created_at_ms, "
                        "updated_at_ms) VALUES (?1, ?2, ?3, 'regular', '2025-01-01', '2025-01-01', ?4, ?4)"),
        .span = prep(db, "INSERT INTO insured_spans (id, person_id, unit_id, employment_id, insurance, payer, category, "
                         "start_month, status, created_at_ms, updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, 'unit', "
                         "'sip_a', 202501, 'normal', ?6, ?6)"),
        .base = prep(db, "INSERT INTO contribution_bases (id, person_id, unit_id, policy_year, from_month, "
                         "declared_wage_fen, base_fen, source, declared_on, created_at_ms) VALUES (?1, ?2, ?3, 2026, "
                         "202607, ?4, ?5, 'annual', '2026-07-01', ?6)"),
    };
    park_sink sink = {.arg = &s, .unit = park_unit, .person = park_person, .employment = park_employment,
                      .span = park_span, .base = park_base};
    park_generate(persons, units, &sink);
    exec_sql(db, "COMMIT");
    sqlite3_finalize(s.unit);
    sqlite3_finalize(s.person);
    sqlite3_finalize(s.emp);
    sqlite3_finalize(s.span);
    sqlite3_finalize(s.base);
    exec_sql(db, "ANALYZE");
    sqlite3_close(db);
}

/* ---- rows written, counted in the database ---- */

static int64_t count_rows(const char *path) {
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) bench_die("open", path);
    static const char *const tables[] = {"assessments", "bills", "ledger_entries", "ledger_postings", "audit_log",
                                         "batch_runs", "ledger_accounts"};
    int64_t n = 0;
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char sql[96];
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", tables[i]);
        sqlite3_stmt *st = prep(db, sql);
        if (sqlite3_step(st) == SQLITE_ROW) n += sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return n;
}

/* ---- the real path ---- */

typedef struct progress {
    int n;
    int64_t done[PROGRESS_MAX];
    double at[PROGRESS_MAX];
    int64_t total;
} progress;

static void on_progress(const char *kind, const char *run_key, int64_t done, int64_t total, void *arg) {
    progress *p = arg;
    if (strcmp(kind, "month_run") != 0 || p->n >= PROGRESS_MAX) return;
    p->done[p->n] = done;
    p->at[p->n++] = bench_now_s();
    p->total = total;
}

/* Units per second between the first committed chunk at or past lo and the
 * first at or past hi (fractions of the units). */
static double window_rate(const progress *p, double lo, double hi) {
    int a = -1, b = -1;
    for (int i = 0; i < p->n; i++) {
        if (a < 0 && p->done[i] >= (int64_t)(lo * (double)p->total)) a = i;
        if (b < 0 && p->done[i] >= (int64_t)(hi * (double)p->total)) b = i;
    }
    if (a < 0 || b <= a) return 0;
    return (double)(p->done[b] - p->done[a]) / (p->at[b] - p->at[a]);
}

static double assess(const char *path, const char *src, int chunk, progress *p) {
    p->done[0] = 0;   /* the start: the run's first chunk counts from here */
    p->n = 1;
    return park_month_run(path, src, chunk, on_progress, p, &run_cpu_s, &p->at[0]);
}

/* ---- the baseline: the same number of rows, as wide as an assessment line ---- */

enum { BASELINE_TRIES = 3 };

/* One try into a fresh table; answers wall seconds (processor seconds in *cpu). */
/* Not inlined, so that a profile tells the baseline from the run. */
__attribute__((noinline)) static double baseline_once(sqlite3 *db, int64_t rows, double *cpu) {
    exec_sql(db, "DROP TABLE IF EXISTS baseline_rows");
    exec_sql(db, "CREATE TABLE baseline_rows (id INTEGER PRIMARY KEY, bill_id INTEGER NOT NULL, unit_id INTEGER, "
                 "person_id INTEGER NOT NULL, span_id INTEGER NOT NULL, month INTEGER NOT NULL, insurance TEXT NOT "
                 "NULL, kind TEXT NOT NULL, base_fen INTEGER NOT NULL, unit_rate_bp INTEGER NOT NULL, "
                 "personal_rate_bp INTEGER NOT NULL, unit_fen INTEGER NOT NULL, personal_fen INTEGER NOT NULL, "
                 "created_at_ms INTEGER NOT NULL)");
    exec_sql(db, "PRAGMA wal_checkpoint(TRUNCATE)");   /* every try starts from the same log */
    double t = bench_now_s(), c = bench_cpu_s();
    exec_sql(db, "BEGIN");
    sqlite3_stmt *st = prep(db, "INSERT INTO baseline_rows (bill_id, unit_id, person_id, span_id, month, insurance, "
                                "kind, base_fen, unit_rate_bp, personal_rate_bp, unit_fen, personal_fen, "
                                "created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'regular', ?7, ?8, ?9, ?10, ?11, ?12)");
    for (int64_t i = 0; i < rows; i++) {
        sqlite3_bind_int64(st, 1, 1 + i / 120);
        sqlite3_bind_int64(st, 2, 1 + i / 120);
        sqlite3_bind_int64(st, 3, 1 + i / INSURANCES);
        sqlite3_bind_int64(st, 4, 1 + i);
        sqlite3_bind_int64(st, 5, 202611);
        sqlite3_bind_text(st, 6, park_insurances[i % INSURANCES], -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, 460000 + i % 1000);
        sqlite3_bind_int64(st, 8, 1600);
        sqlite3_bind_int64(st, 9, 800);
        sqlite3_bind_int64(st, 10, 73600);
        sqlite3_bind_int64(st, 11, 36800);
        sqlite3_bind_int64(st, 12, 1795400000000);
        step(db, st);
    }
    exec_sql(db, "COMMIT");
    double secs = bench_now_s() - t;
    *cpu = bench_cpu_s() - c;
    sqlite3_finalize(st);
    return secs;
}

/* The median of BASELINE_TRIES tries: one try alone swings with whatever else
 * the machine does; the median neither flatters nor punishes the run. */
static double baseline(const char *path, int64_t rows) {
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) bench_die("open", path);
    exec_sql(db, PRAGMAS);
    exec_sql(db, store_sqlite_bulk_pragma);   /* as the run's chunks have (store_tx_bulk) */
    double secs[BASELINE_TRIES], cpus[BASELINE_TRIES];
    for (int i = 0; i < BASELINE_TRIES; i++) secs[i] = baseline_once(db, rows, &cpus[i]);
    exec_sql(db, "DROP TABLE baseline_rows");
    sqlite3_close(db);
    base_cpu_s = bench_median(cpus, BASELINE_TRIES);
    return bench_median(secs, BASELINE_TRIES);
}

int main(int argc, char **argv) {
    bench_name = "contrib_bench";
    store_sqlite_global_init();   /* the same SQLite settings for the park, the run and the baseline */
    long persons = bench_arg_long(argc, argv, "--persons", 100000), units = bench_arg_long(argc, argv, "--units", 5000);
    int chunk = (int)bench_arg_long(argc, argv, "--chunk", 0);
    const char *src = bench_source_dir(argc, argv);
    char tmpl[] = "/tmp/sipf-contrib-bench-XXXXXX";
    const char *dir = bench_arg_str(argc, argv, "--dir", NULL);
    if (!dir && !(dir = mkdtemp(tmpl))) bench_die("mkdtemp", "failed");
    char path[1024];
    snprintf(path, sizeof path, "%s/contrib-bench.db", dir);
    remove(path);
    park_db_prepare(path);

    double t = bench_now_s();
    build_park(path, persons, units);
    double build_s = bench_now_s() - t;
    int64_t before = count_rows(path);
    static progress p;
    double run_s = assess(path, src, chunk, &p);
    int64_t rows = count_rows(path) - before;
    double base_s = baseline(path, rows);

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double first = window_rate(&p, 0.0, 0.1), last = window_rate(&p, 0.9, 1.0);
    char v[64];
    printf("\n## monthly assessment: %ld persons in %ld units (park built in %.1f s)\n\n", persons, units, build_s);
    bench_run_table(rows, run_s, "baseline (one prepared INSERT, one tx; median of 3)", base_s, ">= 0.40");
    snprintf(v, sizeof v, "%.2f / %.2f = %.3f", run_cpu_s, base_cpu_s, base_cpu_s / run_cpu_s);
    bench_line("processor seconds: run / baseline, ratio", v, "");
    snprintf(v, sizeof v, "%.0f", first);
    bench_line("units per second, first 10% of units", v, "");
    snprintf(v, sizeof v, "%.0f", last);
    bench_line("units per second, last 10% of units", v, "");
    snprintf(v, sizeof v, "%.3f", first > 0 ? last / first : 0);
    bench_line("ratio last 10% / first 10%", v, ">= 0.70");
    snprintf(v, sizeof v, "%.1f", (double)ru.ru_maxrss / 1024.0);
    bench_line("peak memory (MB, getrusage ru_maxrss)", v, "< 256");
    if (!bench_arg_str(argc, argv, "--dir", NULL)) {
        char rm[1100];
        snprintf(rm, sizeof rm, "rm -rf %s", dir);
        if (system(rm) != 0) fprintf(stderr, "could not remove %s\n", dir);
    }
    return 0;
}
