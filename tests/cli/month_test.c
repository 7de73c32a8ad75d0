/* `sipf month run` as an operator runs it, and killed: the demo park
 * (seed-demo on 2026-11-23) is assessed once without interruption, and on
 * copies of the same database the run is killed with SIGKILL again and again
 * (between chunks and in the middle of them) and started again until it
 * finishes. The killed runs end with exactly the reference's bills, lines
 * and amounts per unit and person, one ledger entry per unit bill, a
 * balanced ledger and an intact audit chain: nothing posted twice. Also
 * `month status`, the progress lines, and the refusals with their exit codes. */
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ledger/ledger.h"
#include "testutil.h"

enum { KILLS_MAX = 200, SNAPSHOT_BYTES = 1 << 20 };

static char *dir;
static char base_db[512];

static const char *binary(void) {
    const char *b = getenv("SIPF_BINARY");
    return b && *b ? b : "build/sipf";
}

/* Runs `sipf ARGS` with stderr joined to stdout; returns the exit code. */
static int run(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int run(char **out, const char *fmt, ...) {
    char args[2048], cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "SIPF_FAST_HASH=1 %s %s 2>&1", binary(), args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 4096, len = 0, n;
    char *buf = malloc(cap);
    while ((n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (cap - len < 1024) buf = realloc(buf, cap *= 2);
    }
    buf[len] = 0;
    int st = pclose(p);
    if (out) *out = buf;
    else free(buf);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void copy_db(const char *from, const char *to) {
    size_t len = 0;
    char *data = tu_read_file(from, &len);
    assert_non_null(data);
    FILE *f = fopen(to, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
    free(data);
}

static void db_path(char *out, size_t cap, const char *name) { snprintf(out, cap, "%s/%s.db", dir, name); }

static int setup(void **state) {
    dir = tu_mkdtemp();
    db_path(base_db, sizeof base_db, "base");
    char *out = NULL;
    if (run(&out, "migrate --db %s", base_db)) fail_msg("migrate: %s", out);
    free(out);
    if (run(&out, "seed-demo --db %s --as-of 2026-11-23", base_db)) fail_msg("seed: %s", out);
    free(out);
    return 0;
}

static int teardown(void **state) {
    tu_rmtree(dir);
    free(dir);
    return 0;
}

/* ---- what a finished run left: a text snapshot of every total ---- */

static void query_into(sqlite3 *db, const char *sql, char *out, size_t cap) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) fail_msg("sql: %s", sqlite3_errmsg(db));
    size_t len = strlen(out);
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            const unsigned char *v = sqlite3_column_text(st, c);
            len += (size_t)snprintf(out + len, cap - len, "%s%s", c ? "|" : "", v ? (const char *)v : "NULL");
            assert_true(len < cap);
        }
        len += (size_t)snprintf(out + len, cap - len, "\n");
    }
    sqlite3_finalize(st);
}

static char *snapshot(const char *path) {
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    char *s = calloc(1, SNAPSHOT_BYTES);
    static const char *const queries[] = {
        /* each payer's bill of the month with its totals, and the sums of its lines */
        "SELECT COALESCE(b.unit_id, 0), COALESCE(b.person_id, 0), b.kind, b.status, b.lines, b.unit_total_fen, "
        "b.personal_total_fen, (SELECT COUNT(*) || '/' || SUM(unit_fen) || '/' || SUM(personal_fen) "
        "FROM assessments a WHERE a.bill_id = b.id) FROM bills b WHERE b.month = 202611 "
        "ORDER BY 1, 2",
        /* nothing posted twice: one entry per unit bill, each of the bill's total */
        "SELECT COUNT(*), COUNT(DISTINCT idem_key) FROM ledger_entries",
        "SELECT COALESCE(b.unit_id, 0), SUM(p.amount_fen) FROM ledger_entries e JOIN ledger_postings p "
        "ON p.entry_id = e.id JOIN bills b ON 'bill:' || b.id = e.idem_key WHERE p.amount_fen > 0 "
        "GROUP BY 1 ORDER BY 1",
        "SELECT COUNT(*), SUM(amount_fen) FROM ledger_postings",
        "SELECT kind, owner_kind, owner_id, balance_fen FROM ledger_accounts ORDER BY 1, 2, 3",
        "SELECT kind, run_key, status, done_count, total_count FROM batch_runs ORDER BY kind",
        "SELECT COUNT(*) FROM assessments",
        /* the bills the audit rows name: one each, or a run's chunk's count */
        "SELECT action, SUM(CASE WHEN instr(detail, 'bills:') > 0 THEN CAST(substr(detail, instr(detail, 'bills:') "
        "+ 6) AS INTEGER) ELSE 1 END) FROM audit_log WHERE action LIKE 'contrib.%' AND detail LIKE '%month:202611 %' "
        "GROUP BY action ORDER BY action",
    };
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        query_into(db, queries[i], s, SNAPSHOT_BYTES);
        size_t len = strlen(s);
        snprintf(s + len, SNAPSHOT_BYTES - len, "--\n");
    }
    sqlite3_close(db);
    return s;
}

static void ledger_ok(const char *path) {
    store *st = NULL;
    store_tx *tx = NULL;
    err_detail err = {0};
    ledger_verify_result v;
    assert_int_equal(store_open(path, &st, &err), ERR_OK);
    assert_int_equal(store_begin(st, false, &tx, &err), ERR_OK);
    assert_int_equal(ledger_verify(tx, &v, &err), ERR_OK);
    assert_int_equal(v.unbalanced_entry_id, 0);
    assert_int_equal(v.wrong_balance_account_id, 0);
    assert_true(v.entries >= 20);
    store_rollback(tx);
    store_close(st);
}

static int64_t units_done(const char *path) {
    sqlite3 *db;
    int64_t n = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) return -1;
    sqlite3_busy_timeout(db, 2000);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT done_count FROM batch_runs WHERE kind = 'month_run'", -1, &st, NULL) == SQLITE_OK) {
        n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return n;
}

/* ---- the killer ---- */

static void sleep_ms(long ms) {
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Starts the run; kills it with SIGKILL after kill_ms unless it ends first.
 * Returns true when it finished by itself (exit 0). */
static bool run_or_kill(const char *db, const char *chunk, const char *pause, long kill_ms, bool *killed) {
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        FILE *devnull = freopen("/dev/null", "w", stdout);
        (void)devnull;
        setenv("SIPF_FAST_HASH", "1", 1);
        execl(binary(), binary(), "month", "run", "2026-11", "--db", db, "--as-of", "2026-11-23", "--chunk", chunk,
              "--pause-ms", pause, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    for (long waited = 0; waited < kill_ms; waited += 5) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            *killed = false;
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail_msg("run ended with status %d", status);
            return true;
        }
        sleep_ms(5);
    }
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    *killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    if (!*killed) {
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail_msg("run ended with status %d", status);
        return true;
    }
    return false;
}

/* Kills runs on a copy at growing delays until one finishes; answers how
 * many kills landed and how many of them left the run part-way. */
static void killed_until_done(const char *db, const char *chunk, const char *pause, long first_ms, long step_ms,
                              int *kills, int *partway) {
    int64_t total_units = 20;
    *kills = *partway = 0;
    for (int i = 0; i < KILLS_MAX; i++) {
        bool killed = false;
        if (run_or_kill(db, chunk, pause, first_ms + step_ms * (i % 12), &killed)) return;
        if (!killed) continue;
        (*kills)++;
        int64_t done = units_done(db);
        if (done > 0 && done < total_units) (*partway)++;
    }
    fail_msg("the run never finished in %d starts", KILLS_MAX);
}

static char *reference;

static void an_uninterrupted_run(void **state) {
    char ref[512];
    db_path(ref, sizeof ref, "reference");
    copy_db(base_db, ref);
    char *out = NULL;
    assert_int_equal(run(&out, "month run 2026-11 --db %s --as-of 2026-11-23", ref), 0);
    /* not a terminal: a line at each tenth, then the totals */
    assert_non_null(strstr(out, "月缴费核定 2026-11 单位：20 / 20（100%）"));
    assert_non_null(strstr(out, "单位账单 20 张"));
    free(out);
    ledger_ok(ref);
    reference = snapshot(ref);
    assert_non_null(strstr(reference, "month_run|2026-11|done|20|20"));
    assert_non_null(strstr(reference, "contrib.assess.units|20"));
    /* started again: nothing changes */
    assert_int_equal(run(&out, "month run 2026-11 --db %s --as-of 2026-11-23 --chunk 3", ref), 0);
    free(out);
    char *again = snapshot(ref);
    assert_string_equal(again, reference);
    free(again);
    assert_int_equal(run(&out, "month status 2026-11 --db %s --as-of 2026-11-23", ref), 0);
    assert_non_null(strstr(out, "单位核定：已完成，20 / 20"));
    free(out);
    assert_int_equal(run(&out, "verify --db %s", ref), 0);
    free(out);
}

static void killed_between_chunks_ends_identical(void **state) {
    assert_non_null(reference);
    char db[512];
    db_path(db, sizeof db, "killed-between");
    copy_db(base_db, db);
    int kills = 0, partway = 0;
    killed_until_done(db, "1", "40", 60, 45, &kills, &partway);
    print_message("between chunks: %d kills, %d part-way\n", kills, partway);
    assert_true(kills >= 3);
    assert_true(partway >= 2);
    ledger_ok(db);
    char *got = snapshot(db);
    assert_string_equal(got, reference);
    free(got);
    char *out = NULL;
    assert_int_equal(run(&out, "verify --db %s", db), 0);
    free(out);
}

static void killed_in_the_middle_of_chunks_ends_identical(void **state) {
    assert_non_null(reference);
    char db[512];
    db_path(db, sizeof db, "killed-within");
    copy_db(base_db, db);
    int kills = 0, partway = 0;
    killed_until_done(db, "2", "0", 12, 5, &kills, &partway);
    print_message("within chunks: %d kills, %d part-way\n", kills, partway);
    assert_true(kills >= 3);
    ledger_ok(db);
    char *got = snapshot(db);
    assert_string_equal(got, reference);
    free(got);
}

static void refusals_and_their_exit_codes(void **state) {
    char db[512];
    db_path(db, sizeof db, "refusals");
    copy_db(base_db, db);
    char *out = NULL;
    assert_int_equal(run(&out, "month run 2026-12 --db %s --as-of 2026-11-23", db), 3);
    assert_non_null(strstr(out, "month_in_future"));
    free(out);
    assert_int_equal(run(&out, "month run 2026-13 --db %s --as-of 2026-11-23", db), 2);
    free(out);
    assert_int_equal(run(&out, "month run 2026-11 --chunk 0 --db %s --as-of 2026-11-23", db), 2);
    free(out);
    assert_int_equal(run(&out, "month run 2026-11 --bogus 1 --db %s", db), 2);
    free(out);
    assert_int_equal(run(&out, "month walk 2026-11 --db %s", db), 2);
    free(out);
    assert_int_equal(run(&out, "month status 2026-11 --db %s --as-of 2026-11-23", db), 0);
    assert_non_null(strstr(out, "单位核定：未运行"));
    free(out);
    assert_int_equal(run(&out, "month status 2026-11 --json --db %s --as-of 2026-11-23", db), 0);
    json_t *j = json_loads(out, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "month")), "2026-11");
    assert_true(json_is_null(json_object_get(j, "units_run")));   /* never run on this copy */
    assert_true(json_is_null(json_object_get(j, "persons_run")));
    json_decref(j);
    free(out);
}

/* `sipf contrib` on a copy: the quote, a base and a file of them, the bills
 * and the confirmation, with their exit codes. */
static void contrib_commands(void **state) {
    char db[512], csv[600], path[600];
    db_path(db, sizeof db, "contrib");
    copy_db(base_db, db);
    char *out = NULL;
    const char *unit = "91320594MA1100077P", *idn = "320594198208211148";   /* the demo's first unit and person */
    assert_int_equal(run(&out, "contrib quote --month 2026-11 --wage 3000 --insurances pension,housing_fund "
                               "--hf-rate-bp 1200 --db %s", db), 0);
    assert_non_null(strstr(out, "缴费基数 4,600.00 元"));
    assert_non_null(strstr(out, "合计：单位 1,288.00 元，个人 920.00 元"));
    free(out);
    assert_int_equal(run(&out, "contrib quote --month 2026-11 --wage 3000 --insurances housing_fund --hf-rate-bp 1300 "
                               "--db %s", db), 3);
    assert_non_null(strstr(out, "hf_rate_out_of_band"));
    free(out);
    assert_int_equal(run(&out, "contrib quote --month 2026-11 --wage 30.001 --insurances pension --db %s", db), 2);
    free(out);
    assert_int_equal(run(&out, "contrib base --unit %s --id-number %s --wage 9000.50 --from 2026-12 --db %s "
                               "--as-of 2026-11-23", unit, idn, db), 0);
    assert_non_null(strstr(out, "已申报 2026-12 起的缴费基数 9,000.50 元"));
    free(out);
    assert_int_equal(run(&out, "contrib base --unit %s --id-number %s --wage 9000 --from 2028-07 --db %s "
                               "--as-of 2026-11-23", unit, idn, db), 3);
    assert_non_null(strstr(out, "from_month_out_of_range"));
    free(out);
    snprintf(path, sizeof path, "%s/bases.csv", dir);
    snprintf(csv, sizeof csv, "证件号码,月工资\n%s,12x\n110101199001011234,5\n", idn);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(csv, f);
    fclose(f);
    assert_int_equal(run(&out, "contrib base --unit %s --file %s --db %s --as-of 2026-11-23", unit, path, db), 3);
    assert_non_null(strstr(out, "第 2 行 月工资"));
    assert_non_null(strstr(out, "第 3 行 证件号码"));
    free(out);
    assert_int_equal(run(&out, "month run 2026-11 --db %s --as-of 2026-11-23", db), 0);
    free(out);
    assert_int_equal(run(&out, "contrib bills --unit %s --month 2026-11 --db %s --as-of 2026-11-23", unit, db), 0);
    assert_non_null(strstr(out, "\t2026-11\tregular\t待确认"));
    free(out);
    assert_int_equal(run(&out, "contrib bills --unit %s --month 2026-11 --json --db %s --as-of 2026-11-23", unit, db), 0);
    json_t *list = json_loads(out, 0, NULL);
    assert_non_null(list);
    long long bill = json_integer_value(json_object_get(json_array_get(json_object_get(list, "items"), 0), "id"));
    json_decref(list);
    free(out);
    assert_true(bill > 0);
    assert_int_equal(run(&out, "contrib bill %lld --json --db %s --as-of 2026-11-23", bill, db), 0);
    json_t *b = json_loads(out, 0, NULL);
    assert_non_null(b);
    assert_string_equal(json_string_value(json_object_get(b, "status")), "draft");
    assert_string_equal(json_string_value(json_object_get(b, "month")), "2026-11");
    json_decref(b);
    free(out);
    assert_int_equal(run(&out, "contrib confirm %lld --db %s --as-of 2026-11-23", bill, db), 0);
    free(out);
    assert_int_equal(run(&out, "contrib confirm %lld --db %s --as-of 2026-11-23", bill, db), 6);
    assert_non_null(strstr(out, "bad_state"));
    free(out);
    assert_int_equal(run(&out, "contrib bill 999999 --db %s --as-of 2026-11-23", db), 5);
    free(out);
    assert_int_equal(run(&out, "contrib walk --db %s", db), 2);
    free(out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_uninterrupted_run),
        cmocka_unit_test(killed_between_chunks_ends_identical),
        cmocka_unit_test(killed_in_the_middle_of_chunks_ends_identical),
        cmocka_unit_test(refusals_and_their_exit_codes),
        cmocka_unit_test(contrib_commands),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    free(reference);
    return rc;
}
