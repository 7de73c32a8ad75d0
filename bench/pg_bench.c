/* The monthly run on PostgreSQL (issue 6): the park of bench/park.c (N
 * persons in U units, the same rows contrib_bench loads into SQLite) is
 * loaded by COPY into a fresh database, then the month is assessed and
 * posted through the real svc code path and the PostgreSQL store engine
 * (contrib_month_run: chunks, bills, lines, ledger entries, audit rows). In
 * the same run, on the same server, the baseline writes the same number of
 * rows by one binary COPY in one transaction into a table made LIKE the
 * assessment lines' table (its columns, identity and indexes), with values
 * of the same width (the median of three tries). Prints a table: rows,
 * seconds and rows per second of both and their ratio (goal >= 0.50).
 *
 *   pg_bench --url postgres://USER@HOST:PORT/DB [--persons N] [--units U]
 *            [--chunk C] [SOURCE_DIR]
 *
 * The URL names a server and a database to connect to for CREATE DATABASE;
 * without --url, SIPF_TEST_DB_URL (scripts/pg-test.sh run sets it). The
 * benchmark's own database is dropped at the end. Asserts nothing about
 * time: it reports. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "base/crypto.h"
#include "base/workday.h"
#include "common.h"
#include "park.h"
#include "policy/policy.h"
#include "store/store.h"
#include "svc/contribution.h"

enum { COPY_BUF_BYTES = 1 << 16, BASELINE_TRIES = 3, LINE_COLUMNS = 13 };

static PGconn *connect_to(const char *url) {
    PGconn *c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK) bench_die(url, PQerrorMessage(c));
    return c;
}

static void exec_sql(PGconn *c, const char *sql) {
    PGresult *r = PQexec(c, sql);
    ExecStatusType t = PQresultStatus(r);
    if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK) bench_die(sql, PQresultErrorMessage(r));
    PQclear(r);
}

static int64_t query_int(PGconn *c, const char *sql) {
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) bench_die(sql, PQresultErrorMessage(r));
    int64_t v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return v;
}

/* ---- COPY, buffered ---- */

typedef struct copy_out {
    PGconn *c;
    char buf[COPY_BUF_BYTES];
    size_t n;
} copy_out;

static void copy_flush(copy_out *o) {
    if (o->n && PQputCopyData(o->c, o->buf, (int)o->n) != 1) bench_die("COPY", PQerrorMessage(o->c));
    o->n = 0;
}

static void copy_put(copy_out *o, const void *p, size_t n) {
    if (o->n + n > sizeof o->buf) copy_flush(o);
    memcpy(o->buf + o->n, p, n);
    o->n += n;
}

static void copy_begin(copy_out *o, const char *sql) {
    PGresult *r = PQexec(o->c, sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) bench_die(sql, PQresultErrorMessage(r));
    PQclear(r);
    o->n = 0;
}

static void copy_end(copy_out *o) {
    copy_flush(o);
    if (PQputCopyEnd(o->c, NULL) != 1) bench_die("COPY end", PQerrorMessage(o->c));
    PGresult *r;
    while ((r = PQgetResult(o->c))) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK) bench_die("COPY", PQresultErrorMessage(r));
        PQclear(r);
    }
}

/* A text-format line. */
static void copy_line(copy_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void copy_line(copy_out *o, const char *fmt, ...) {
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line) bench_die("COPY", "line too long");
    copy_put(o, line, (size_t)n);
}

/* ---- the park by COPY, one table a pass ---- */

static void park_unit(void *arg, int64_t id, const char *code, int64_t industry_class, int64_t hf_rate_bp) {
    char hf[24] = "\\N";
    if (hf_rate_bp) snprintf(hf, sizeof hf, "%lld", (long long)hf_rate_bp);
    copy_line(arg, "%lld\t%s\t基准测试单位\t%lld\t%lld\t%s\t2020-01-01\n", (long long)id, code, PARK_NOW_MS,
              (long long)industry_class, hf);
}

static void park_person(void *arg, int64_t id, const char *id_number) {
    copy_line(arg, "%lld\t%s\t测试\t%lld\n", (long long)id, id_number, PARK_NOW_MS);
}

static void park_employment(void *arg, int64_t id, int64_t person_id, int64_t unit_id) {
    copy_line(arg, "%lld\t%lld\t%lld\tregular\t2025-01-01\t2025-01-01\t%lld\t%lld\n", (long long)id,
              (long long)person_id, (long long)unit_id, PARK_NOW_MS, PARK_NOW_MS);
}

static void park_span(void *arg, int64_t id, int64_t person_id, int64_t unit_id, int64_t employment_id,
                      const char *insurance) {
    copy_line(arg, "%lld\t%lld\t%lld\t%lld\t%s\tunit\tsip_a\t202501\tnormal\t%lld\t%lld\n", (long long)id,
              (long long)person_id, (long long)unit_id, (long long)employment_id, insurance, PARK_NOW_MS,
              PARK_NOW_MS);
}

static void park_base(void *arg, int64_t id, int64_t person_id, int64_t unit_id, int64_t wage_fen, int64_t base_fen) {
    copy_line(arg, "%lld\t%lld\t%lld\t2026\t202607\t%lld\t%lld\tannual\t2026-07-01\t%lld\n", (long long)id,
              (long long)person_id, (long long)unit_id, (long long)wage_fen, (long long)base_fen, PARK_NOW_MS);
}

typedef struct park_table {
    const char *table;
    const char *copy;
} park_table;

static const park_table park_tables[] = {
    {"units", "COPY units (id, code, name, created_at_ms, industry_class, hf_rate_bp, registered_on) FROM STDIN"},
    {"persons", "COPY persons (id, id_number, name, created_at_ms) FROM STDIN"},
    {"employments", "COPY employments (id, person_id, unit_id, kind, start_date, enrolled_on, created_at_ms, "
                    "updated_at_ms) FROM STDIN"},
    {"insured_spans", "COPY insured_spans (id, person_id, unit_id, employment_id, insurance, payer, category, "
                      "start_month, status, created_at_ms, updated_at_ms) FROM STDIN"},
    {"contribution_bases", "COPY contribution_bases (id, person_id, unit_id, policy_year, from_month, "
                           "declared_wage_fen, base_fen, source, declared_on, created_at_ms) FROM STDIN"},
};

static void build_park(const char *url, long persons, long units) {
    static copy_out o;
    o.c = connect_to(url);
    exec_sql(o.c, "BEGIN");
    for (size_t t = 0; t < sizeof park_tables / sizeof park_tables[0]; t++) {
        park_sink sink = {.arg = &o};
        switch (t) {
        case 0: sink.unit = park_unit; break;
        case 1: sink.person = park_person; break;
        case 2: sink.employment = park_employment; break;
        case 3: sink.span = park_span; break;
        default: sink.base = park_base; break;
        }
        copy_begin(&o, park_tables[t].copy);
        park_generate(persons, units, &sink);
        copy_end(&o);
        /* the rows came with their ids: the identity goes on after them */
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT MAX(id) FROM %s))",
                 park_tables[t].table, park_tables[t].table);
        exec_sql(o.c, sql);
    }
    exec_sql(o.c, "COMMIT");
    /* The park's tables as autovacuum leaves a center's settled rows:
     * vacuumed (the visibility map set, so the run's index-only reads of
     * spans and wages stay in the index) and analyzed. The run's tables
     * (bills, lines, ledger) are left alone: analyzed empty, they would keep
     * the plan of an empty table (a sequential scan) in every prepared
     * statement and foreign-key check, and the run would slow down chunk by
     * chunk as they fill, a state no center's database is in (autovacuum
     * does not analyze an empty table) made by the benchmark alone. */
    for (size_t t = 0; t < sizeof park_tables / sizeof park_tables[0]; t++) {
        char sql[128];
        snprintf(sql, sizeof sql, "VACUUM ANALYZE %s", park_tables[t].table);
        exec_sql(o.c, sql);
    }
    PQfinish(o.c);
}

/* ---- rows written, counted in the database ---- */

static int64_t count_rows(const char *url) {
    PGconn *c = connect_to(url);
    static const char *const tables[] = {"assessments", "bills", "ledger_entries", "ledger_postings", "audit_log",
                                         "batch_runs", "ledger_accounts"};
    int64_t n = 0;
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char sql[96];
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", tables[i]);
        n += query_int(c, sql);
    }
    PQfinish(c);
    return n;
}

/* ---- the real path ---- */

static double run_cpu_s, base_cpu_s;


/* ---- the baseline: binary COPY of as many rows, as wide as a line ---- */

static void put_i16(copy_out *o, int16_t v) {
    uint16_t be = htons((uint16_t)v);
    copy_put(o, &be, 2);
}

static void put_i32(copy_out *o, int32_t v) {
    uint32_t be = htonl((uint32_t)v);
    copy_put(o, &be, 4);
}

static void put_i64(copy_out *o, int64_t v) {
    put_i32(o, 8);
    put_i32(o, (int32_t)((uint64_t)v >> 32));
    put_i32(o, (int32_t)((uint64_t)v & 0xffffffffu));
}

static void put_text(copy_out *o, const char *s) {
    size_t n = strlen(s);
    put_i32(o, (int32_t)n);
    copy_put(o, s, n);
}

static double baseline_once(PGconn *c, int64_t rows, double *cpu) {
    exec_sql(c, "DROP TABLE IF EXISTS baseline_rows");
    exec_sql(c, "CREATE TABLE baseline_rows (LIKE assessments INCLUDING ALL)");
    exec_sql(c, "CHECKPOINT");   /* every try starts from the same log */
    static copy_out o;
    o.c = c;
    double t = bench_now_s(), cp = bench_cpu_s();
    exec_sql(c, "BEGIN");
    copy_begin(&o, "COPY baseline_rows (bill_id, unit_id, person_id, span_id, month, insurance, kind, base_fen, "
                   "unit_rate_bp, personal_rate_bp, unit_fen, personal_fen, created_at_ms) FROM STDIN "
                   "(FORMAT binary)");
    copy_put(&o, "PGCOPY\n\377\r\n\0", 11);
    put_i32(&o, 0);
    put_i32(&o, 0);
    for (int64_t i = 0; i < rows; i++) {
        put_i16(&o, LINE_COLUMNS);
        put_i64(&o, 1 + i / 120);
        put_i64(&o, 1 + i / 120);
        put_i64(&o, 1 + i / PARK_INSURANCES);
        put_i64(&o, 1 + i);
        put_i64(&o, 202611);
        put_text(&o, park_insurances[i % PARK_INSURANCES]);
        put_text(&o, "regular");
        put_i64(&o, 460000 + i % 1000);
        put_i64(&o, 1600);
        put_i64(&o, 800);
        put_i64(&o, 73600);
        put_i64(&o, 36800);
        put_i64(&o, 1795400000000);
    }
    put_i16(&o, -1);
    copy_end(&o);
    exec_sql(c, "COMMIT");
    *cpu = bench_cpu_s() - cp;
    return bench_now_s() - t;
}

static double baseline(const char *url, int64_t rows) {
    PGconn *c = connect_to(url);
    double secs[BASELINE_TRIES], cpus[BASELINE_TRIES];
    for (int i = 0; i < BASELINE_TRIES; i++) secs[i] = baseline_once(c, rows, &cpus[i]);
    exec_sql(c, "DROP TABLE baseline_rows");
    PQfinish(c);
    base_cpu_s = bench_median(cpus, BASELINE_TRIES);
    return bench_median(secs, BASELINE_TRIES);
}

int main(int argc, char **argv) {
    bench_name = "pg_bench";
    long persons = bench_arg_long(argc, argv, "--persons", 100000), units = bench_arg_long(argc, argv, "--units", 5000);
    int chunk = (int)bench_arg_long(argc, argv, "--chunk", 0);
    const char *src = bench_source_dir(argc, argv);
    const char *server = bench_arg_str(argc, argv, "--url", getenv("SIPF_TEST_DB_URL"));
    if (!server || !*server) bench_die("--url", "a PostgreSQL URL (or SIPF_TEST_DB_URL; see scripts/pg-test.sh)");
    char name[64], sql[128];
    snprintf(name, sizeof name, "sipf_bench_%ld", (long)getpid());
    PGconn *admin = connect_to(server);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    exec_sql(admin, sql);
    char *url = store_url_with_database(server, name);

    park_db_prepare(url);

    double t = bench_now_s();
    build_park(url, persons, units);
    double build_s = bench_now_s() - t;
    int64_t before = count_rows(url);
    double run_s = park_month_run(url, src, chunk, NULL, NULL, &run_cpu_s, NULL);
    int64_t rows = count_rows(url) - before;
    double base_s = baseline(url, rows);

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    char v[64];
    printf("\n## monthly assessment on PostgreSQL: %ld persons in %ld units (park loaded by COPY in %.1f s)\n\n",
           persons, units, build_s);
    bench_run_table(rows, run_s, "baseline (binary COPY, one tx; median of 3)", base_s, ">= 0.50");
    snprintf(v, sizeof v, "%.2f / %.2f", run_cpu_s, base_cpu_s);
    bench_line("client processor seconds: run / baseline", v, "");
    snprintf(v, sizeof v, "%.1f", (double)ru.ru_maxrss / 1024.0);
    bench_line("peak memory of the client (MB)", v, "");

    snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", name);
    exec_sql(admin, sql);
    PQfinish(admin);
    free(url);
    return 0;
}
