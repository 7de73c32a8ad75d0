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
#include "svc/contribution.h"

enum { PROGRESS_MAX = 1 << 20, INSURANCES = 6 };

static const char *const insurances[INSURANCES] = {"pension", "medical", "unemployment", "injury", "maternity",
                                                   "housing_fund"};

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Processor time of the process (user and system): on a shared machine the
 * wall clock also counts the others' work, this does not. */
static double cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double run_cpu_s, base_cpu_s;

static void die(const char *what, const char *msg) {
    fprintf(stderr, "contrib_bench: %s: %s\n", what, msg);
    exit(1);
}

static void exec_sql(sqlite3 *db, const char *sql) {
    char *emsg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &emsg) != SQLITE_OK) die(sql, emsg ? emsg : "?");
}

static sqlite3_stmt *prep(sqlite3 *db, const char *sql) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) die(sql, sqlite3_errmsg(db));
    return st;
}

static void step(sqlite3 *db, sqlite3_stmt *st) {
    if (sqlite3_step(st) != SQLITE_DONE) die("insert", sqlite3_errmsg(db));
    sqlite3_reset(st);
}

/* The store's PRAGMAs (src/store/store_sqlite.c), so both sides run alike. */
static const char PRAGMAS[] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                              "PRAGMA temp_store=MEMORY;";

/* ---- the park, by plain INSERTs ---- */

typedef struct park_stmts {
    sqlite3_stmt *unit, *person, *emp, *span, *base;
} park_stmts;

static void add_person(sqlite3 *db, park_stmts *s, long p, long unit_id, int64_t now) {
    char idn[32];
    snprintf(idn, sizeof idn, "BENCH%09ld", p);
    sqlite3_bind_text(s->person, 1, idn, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s->person, 2, now);
    step(db, s->person);
    int64_t pid = sqlite3_last_insert_rowid(db);
    sqlite3_bind_int64(s->emp, 1, pid);
    sqlite3_bind_int64(s->emp, 2, unit_id);
    sqlite3_bind_int64(s->emp, 3, now);
    step(db, s->emp);
    int64_t eid = sqlite3_last_insert_rowid(db);
    for (int i = 0; i < INSURANCES; i++) {
        sqlite3_bind_int64(s->span, 1, pid);
        sqlite3_bind_int64(s->span, 2, unit_id);
        sqlite3_bind_int64(s->span, 3, eid);
        sqlite3_bind_text(s->span, 4, insurances[i], -1, SQLITE_STATIC);
        sqlite3_bind_int64(s->span, 5, now);
        step(db, s->span);
    }
    /* wages from 3,000 to about 30,000 yuan: some below the floor, some above the ceiling */
    int64_t wage = 300000 + (p * 7919) % 2700000;
    int64_t base = wage < 460000 ? 460000 : wage > 2460000 ? 2460000 : wage;
    sqlite3_bind_int64(s->base, 1, pid);
    sqlite3_bind_int64(s->base, 2, unit_id);
    sqlite3_bind_int64(s->base, 3, wage);
    sqlite3_bind_int64(s->base, 4, base);
    sqlite3_bind_int64(s->base, 5, now);
    step(db, s->base);
}

static void build_park(const char *path, long persons, long units) {
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) die("open", path);
    exec_sql(db, PRAGMAS);
    exec_sql(db, "BEGIN");
    park_stmts s = {
        .unit = prep(db, "INSERT INTO units (code, name, created_at_ms, industry_class, hf_rate_bp, registered_on) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, '2020-01-01')"),
        .person = prep(db, "INSERT INTO persons (id_number, name, created_at_ms) VALUES (?1, '测试', ?2)"),
        .emp = prep(db, "INSERT INTO employments (person_id, unit_id, kind, start_date, enrolled_on, created_at_ms, "
                        "updated_at_ms) VALUES (?1, ?2, 'regular', '2025-01-01', '2025-01-01', ?3, ?3)"),
        .span = prep(db, "INSERT INTO insured_spans (person_id, unit_id, employment_id, insurance, payer, category, "
                         "start_month, status, created_at_ms, updated_at_ms) VALUES (?1, ?2, ?3, ?4, 'unit', 'sip_a', "
                         "202501, 'normal', ?5, ?5)"),
        .base = prep(db, "INSERT INTO contribution_bases (person_id, unit_id, policy_year, from_month, "
                         "declared_wage_fen, base_fen, source, declared_on, created_at_ms) VALUES (?1, ?2, 2026, "
                         "202607, ?3, ?4, 'annual', '2026-07-01', ?5)"),
    };
    int64_t now = 1795000000000;
    long p = 0;
    for (long u = 0; u < units; u++) {
        char code[32];
        snprintf(code, sizeof code, "BENCHUNIT%08ld", u);
        sqlite3_bind_text(s.unit, 1, code, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s.unit, 2, "基准测试单位", -1, SQLITE_STATIC);
        sqlite3_bind_int64(s.unit, 3, now);
        sqlite3_bind_int64(s.unit, 4, 1 + u % 8);
        if (u % 3 == 0) sqlite3_bind_int64(s.unit, 5, 800);
        else sqlite3_bind_null(s.unit, 5);
        step(db, s.unit);
        int64_t uid = sqlite3_last_insert_rowid(db);
        long upto = (u + 1) * persons / units;   /* the persons spread evenly */
        for (; p < upto; p++) add_person(db, &s, p, uid, now);
    }
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
    if (sqlite3_open(path, &db) != SQLITE_OK) die("open", path);
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
    p->at[p->n++] = now_s();
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
    err_detail err = {0};
    char dir[1024];
    policy *pol;
    workday_cal *cal;
    snprintf(dir, sizeof dir, "%s/policy", src);
    if (policy_load_dir(dir, &pol, &err)) die("policy", err.message);
    snprintf(dir, sizeof dir, "%s/policy/holidays.tsv", src);
    if (workday_load(dir, &cal, &err)) die("calendar", err.message);
    store *st;
    if (store_open(path, &st, &err)) die("store", err.message);
    svc_ctx ctx = {.ar = arena_create(64 * 1024), .pol = pol, .cal = cal,
                   .business_date = date_from_ymd(2026, 11, 23), .now_ms = 1795400000000, .channel = "cli",
                   .request_id = "bench"};
    ctx.actor.role = ROLE_SYSTEM;
    json_t *out = NULL;
    double t = now_s(), c = cpu_s();
    p->done[0] = 0;   /* the start: the run's first chunk counts from here */
    p->at[0] = t;
    p->n = 1;
    if (contrib_month_run(st, &ctx, 202611, chunk, on_progress, p, &out, &err)) die("month run", err.message);
    double secs = now_s() - t;
    run_cpu_s = cpu_s() - c;
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
    double t = now_s(), c = cpu_s();
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
        sqlite3_bind_text(st, 6, insurances[i % INSURANCES], -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, 460000 + i % 1000);
        sqlite3_bind_int64(st, 8, 1600);
        sqlite3_bind_int64(st, 9, 800);
        sqlite3_bind_int64(st, 10, 73600);
        sqlite3_bind_int64(st, 11, 36800);
        sqlite3_bind_int64(st, 12, 1795400000000);
        step(db, st);
    }
    exec_sql(db, "COMMIT");
    double secs = now_s() - t;
    *cpu = cpu_s() - c;
    sqlite3_finalize(st);
    return secs;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of BASELINE_TRIES tries: one try alone swings with whatever else
 * the machine does; the median neither flatters nor punishes the run. */
static double baseline(const char *path, int64_t rows) {
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) die("open", path);
    exec_sql(db, PRAGMAS);
    double secs[BASELINE_TRIES], cpus[BASELINE_TRIES];
    for (int i = 0; i < BASELINE_TRIES; i++) secs[i] = baseline_once(db, rows, &cpus[i]);
    exec_sql(db, "DROP TABLE baseline_rows");
    sqlite3_close(db);
    qsort(secs, BASELINE_TRIES, sizeof secs[0], cmp_double);
    qsort(cpus, BASELINE_TRIES, sizeof cpus[0], cmp_double);
    base_cpu_s = cpus[BASELINE_TRIES / 2];
    return secs[BASELINE_TRIES / 2];
}

static long arg_long(int argc, char **argv, const char *name, long def) {
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0) {
            char *end = NULL;
            long v = strtol(argv[i + 1], &end, 10);
            if (!end || *end || v <= 0) die(name, "a positive number");
            return v;
        }
    return def;
}

static const char *arg_str(int argc, char **argv, const char *name, const char *def) {
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0) return argv[i + 1];
    return def;
}

static const char *source_dir(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--", 2) == 0) { i++; continue; }
        return argv[i];
    }
    return SIPF_SOURCE_DIR;
}

static void line(const char *what, const char *value, const char *goal) {
    printf("| %-44s | %18s | %-12s |\n", what, value, goal);
}

int main(int argc, char **argv) {
    long persons = arg_long(argc, argv, "--persons", 100000), units = arg_long(argc, argv, "--units", 5000);
    int chunk = (int)arg_long(argc, argv, "--chunk", 0);
    const char *src = source_dir(argc, argv);
    char tmpl[] = "/tmp/sipf-contrib-bench-XXXXXX";
    const char *dir = arg_str(argc, argv, "--dir", NULL);
    if (!dir && !(dir = mkdtemp(tmpl))) die("mkdtemp", "failed");
    char path[1024];
    snprintf(path, sizeof path, "%s/contrib-bench.db", dir);
    remove(path);
    err_detail err = {0};
    if (crypto_init(&err)) die("crypto", err.message);
    store *st;
    int applied = 0;
    if (store_open(path, &st, &err) || store_migrate(st, &applied, &err)) die("migrate", err.message);
    store_close(st);

    double t = now_s();
    build_park(path, persons, units);
    double build_s = now_s() - t;
    int64_t before = count_rows(path);
    static progress p;
    double run_s = assess(path, src, chunk, &p);
    int64_t rows = count_rows(path) - before;
    double base_s = baseline(path, rows);

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double rate = (double)rows / run_s, base_rate = (double)rows / base_s;
    double first = window_rate(&p, 0.0, 0.1), last = window_rate(&p, 0.9, 1.0);
    char v[64];
    printf("\n## monthly assessment: %ld persons in %ld units (park built in %.1f s)\n\n", persons, units, build_s);
    printf("| %-44s | %18s | %-12s |\n", "figure", "value", "goal");
    printf("|%s|%s|%s|\n", "----------------------------------------------", "--------------------",
           "--------------");
    snprintf(v, sizeof v, "%lld", (long long)rows);
    line("rows written by the run (lines, bills, ledger, audit)", v, "");
    snprintf(v, sizeof v, "%.2f", run_s);
    line("assessment + posting: seconds", v, "");
    snprintf(v, sizeof v, "%.0f", rate);
    line("assessment + posting: rows per second", v, "");
    snprintf(v, sizeof v, "%.2f", base_s);
    line("baseline (one prepared INSERT, one tx; median of 3)", v, "");
    snprintf(v, sizeof v, "%.0f", base_rate);
    line("baseline: rows per second", v, "");
    snprintf(v, sizeof v, "%.3f", rate / base_rate);
    line("ratio run / baseline", v, ">= 0.40");
    snprintf(v, sizeof v, "%.2f / %.2f = %.3f", run_cpu_s, base_cpu_s, base_cpu_s / run_cpu_s);
    line("processor seconds: run / baseline, ratio", v, "");
    snprintf(v, sizeof v, "%.0f", first);
    line("units per second, first 10% of units", v, "");
    snprintf(v, sizeof v, "%.0f", last);
    line("units per second, last 10% of units", v, "");
    snprintf(v, sizeof v, "%.3f", first > 0 ? last / first : 0);
    line("ratio last 10% / first 10%", v, ">= 0.70");
    snprintf(v, sizeof v, "%.1f", (double)ru.ru_maxrss / 1024.0);
    line("peak memory (MB, getrusage ru_maxrss)", v, "< 256");
    if (!arg_str(argc, argv, "--dir", NULL)) {
        char rm[1100];
        snprintf(rm, sizeof rm, "rm -rf %s", dir);
        if (system(rm) != 0) fprintf(stderr, "could not remove %s\n", dir);
    }
    return 0;
}
