/* svc/collection: the month's collection files (lines, totals, idempotent,
 * units without an agreement left out), the bank simulator, reply import
 * (paid money reaches the individual accounts and pools, a failed line
 * becomes arrears with its reason, a reply with one altered amount refused
 * whole with nothing applied, the same reply twice changes nothing), late
 * fee edges (the due day, the day after, 30 days, half up), overdue
 * marking, arrears collected again with their late fee, the no-arrears
 * certificate refused then granted, unit cancellation refused with arrears,
 * the allocation's rounding with the remainder in the pool, a bill whose
 * lines do not add up refused, visibility, a store failing at each call in
 * turn leaving the run and the import whole or absent.
 *
 * Bills and their assessment lines are written straight into the database
 * (the contributions area makes them in production), with the bill's own
 * ledger entry "bill:<id>" (receivable against contributions due). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

#include "ledger/ledger.h"
#include "svc/collection.h"
#include "svc/contribution.h"
#include "svc/registry.h"
#include "svc/registry_unit.h"

/* ---- the fixture ---- */

enum { UNIT_A = 11, UNIT_B = 12, UNIT_C = 13, UNIT_D = 14 };
enum { BILL_A1 = 31, BILL_B1 = 32, BILL_C1 = 33, BILL_A2 = 34, BILL_D1 = 35 };
enum { P1 = 21, P2 = 22, P3 = 23, P4 = 24, P5 = 25 };
enum { A1_FEN = 382250, B1_FEN = 48000, C1_FEN = 48000, A2_FEN = 120000, D1_FEN = 12000 };

typedef struct fx_line {
    int64_t bill, unit, person;
    reg_insurance ins;
    int month;
    int64_t unit_fen, personal_fen;
} fx_line;

static const fx_line LINES[] = {
    {BILL_A1, UNIT_A, P1, INS_PENSION, 202603, 80000, 40000},
    {BILL_A1, UNIT_A, P1, INS_MEDICAL, 202603, 37500, 10000},
    {BILL_A1, UNIT_A, P1, INS_UNEMPLOYMENT, 202603, 2500, 2500},
    {BILL_A1, UNIT_A, P1, INS_INJURY, 202603, 1000, 0},
    {BILL_A1, UNIT_A, P1, INS_HOUSING_FUND, 202603, 50000, 50000},
    {BILL_A1, UNIT_A, P1, INS_HOUSING_SUBSIDY, 202603, 25000, 0},
    {BILL_A1, UNIT_A, P2, INS_PENSION, 202603, 40000, 20000},
    {BILL_A1, UNIT_A, P2, INS_MEDICAL, 202603, 18750, 5000},
    {BILL_B1, UNIT_B, P3, INS_PENSION, 202603, 32000, 16000},
    {BILL_C1, UNIT_C, P4, INS_PENSION, 202603, 32000, 16000},
    {BILL_A2, UNIT_A, P1, INS_PENSION, 202604, 80000, 40000},
    {BILL_D1, UNIT_D, P5, INS_MEDICAL, 202603, 10000, 2000},
};
static const struct { int64_t id, unit; int month; const char *due; } BILLS[] = {
    {BILL_A1, UNIT_A, 202603, "2026-03-25"}, {BILL_B1, UNIT_B, 202603, "2026-03-25"},
    {BILL_C1, UNIT_C, 202603, "2026-03-25"}, {BILL_A2, UNIT_A, 202604, "2026-04-25"},
    {BILL_D1, UNIT_D, 202603, "2026-03-25"},
};

static const char FIXTURE_SQL[] =
    "INSERT INTO units (id, code, name, created_at_ms, bank_name, bank_account, collection_agreement) VALUES "
    "(11, 'TESTA', '甲公司', 0, '中国工商银行', '6222000011112222', 1),"
    "(12, 'TESTB', '乙公司', 0, '中国银行', '6217000033334444', 1),"
    "(13, 'TESTC', '丙公司', 0, NULL, NULL, 0),"
    "(14, 'TESTD', '丁|公司', 0, '中国工商银行', '6222000055556666', 1);"
    "INSERT INTO persons (id, id_number, name, created_at_ms) VALUES "
    "(21, 'T0000000000000021', '张一', 0), (22, 'T0000000000000022', '张二', 0),"
    "(23, 'T0000000000000023', '李三', 0), (24, 'T0000000000000024', '王四', 0),"
    "(25, 'T0000000000000025', '赵五', 0);";

/* A statement straight on the database file, outside the open transaction. */
static void raw_exec(tu_env *e, const char *sql) {
    tu_env_commit(e);
    store_rollback(e->ctx.tx);
    e->ctx.tx = NULL;
    char path[512];
    snprintf(path, sizeof path, "%s/test.db", e->dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) fail_msg("raw: %s", msg);
    sqlite3_close(db);
    err_detail err = {0};
    if (store_begin(e->st, true, &e->ctx.tx, &err)) fail_msg("begin: %s", err.message);
}

/* One integer of one row, read through a connection of its own. */
static int64_t raw_int(tu_env *e, const char *sql) {
    tu_env_commit(e);
    char path[512];
    snprintf(path, sizeof path, "%s/test.db", e->dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) fail_msg("raw: %s", sqlite3_errmsg(db));
    int64_t v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

static void raw_text(tu_env *e, const char *sql, char *out, size_t cap) {
    tu_env_commit(e);
    char path[512];
    snprintf(path, sizeof path, "%s/test.db", e->dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) fail_msg("raw: %s", sqlite3_errmsg(db));
    const unsigned char *t = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_text(q, 0) : NULL;
    snprintf(out, cap, "%s", t ? (const char *)t : "(none)");
    sqlite3_finalize(q);
    sqlite3_close(db);
}

static char *sql_append(char *sql, size_t *len, const char *piece) {
    size_t n = strlen(piece);
    sql = realloc(sql, *len + n + 1);
    assert_non_null(sql);
    memcpy(sql + *len, piece, n + 1);
    *len += n;
    return sql;
}

/* Spans (one per person and insurance), bills with their totals, lines. */
static void fixture_bills(tu_env *e) {
    char *sql = NULL, buf[512];
    size_t len = 0;
    sql = sql_append(sql, &len, FIXTURE_SQL);
    for (size_t i = 0; i < sizeof LINES / sizeof LINES[0]; i++) {
        const fx_line *l = &LINES[i];
        snprintf(buf, sizeof buf,
                 "INSERT OR IGNORE INTO insured_spans (id, person_id, unit_id, insurance, payer, category, "
                 "start_month, end_month, status, created_at_ms, updated_at_ms) VALUES (%lld, %lld, %lld, '%s', "
                 "'unit', 'sip_a', 202601, %s, 'normal', 0, 0);",
                 (long long)(l->person * 10 + l->ins), (long long)l->person, (long long)l->unit,
                 reg_insurance_name(l->ins), l->unit == UNIT_C ? "202603" : "NULL");
        sql = sql_append(sql, &len, buf);
    }
    for (size_t b = 0; b < sizeof BILLS / sizeof BILLS[0]; b++) {
        int64_t ut = 0, pt = 0, n = 0;
        for (size_t i = 0; i < sizeof LINES / sizeof LINES[0]; i++)
            if (LINES[i].bill == BILLS[b].id) ut += LINES[i].unit_fen, pt += LINES[i].personal_fen, n++;
        snprintf(buf, sizeof buf,
                 "INSERT INTO bills (id, unit_id, month, kind, status, unit_total_fen, personal_total_fen, lines, "
                 "due_on, confirmed_on, created_at_ms, updated_at_ms) VALUES (%lld, %lld, %d, 'regular', "
                 "'confirmed', %lld, %lld, %lld, '%s', '2026-03-10', 0, 0);",
                 (long long)BILLS[b].id, (long long)BILLS[b].unit, BILLS[b].month, (long long)ut,
                 (long long)pt, (long long)n, BILLS[b].due);
        sql = sql_append(sql, &len, buf);
    }
    for (size_t i = 0; i < sizeof LINES / sizeof LINES[0]; i++) {
        const fx_line *l = &LINES[i];
        snprintf(buf, sizeof buf,
                 "INSERT INTO assessments (bill_id, unit_id, person_id, span_id, month, insurance, kind, base_fen, "
                 "unit_rate_bp, personal_rate_bp, unit_fen, personal_fen, created_at_ms) VALUES (%lld, %lld, %lld, "
                 "%lld, %d, '%s', 'regular', 500000, 0, 0, %lld, %lld, 0);",
                 (long long)l->bill, (long long)l->unit, (long long)l->person, (long long)(l->person * 10 + l->ins),
                 l->month, reg_insurance_name(l->ins), (long long)l->unit_fen, (long long)l->personal_fen);
        sql = sql_append(sql, &len, buf);
    }
    raw_exec(e, sql);
    free(sql);
}

/* What the contributions area posts with each bill: Dr receivable, Cr due. */
static void post_bill(tu_env *e, int64_t bill, int64_t unit, int month, int64_t total) {
    err_detail err = {0};
    int64_t recv = 0, due = 0, entry = 0;
    if (ledger_account(e->ctx.tx, OWNER_UNIT, unit, "receivable", &recv, &err) ||
        ledger_account(e->ctx.tx, OWNER_POOL, 0, "contrib_due", &due, &err))
        fail_msg("account: %s", err.message);
    ledger_posting p[2] = {{recv, total, month}, {due, -total, month}};
    char key[32];
    snprintf(key, sizeof key, "bill:%lld", (long long)bill);
    if (ledger_post(e->ctx.tx, key, e->ctx.business_date, "bill", "账单", p, 2, e->ctx.now_ms, &entry, NULL, &err))
        fail_msg("post: %s", err.message);
}

static char *out_dir(tu_env *e) {
    char *d = malloc(600);
    assert_non_null(d);
    snprintf(d, 600, "%s/out", e->dir);
    mkdir(d, 0755);
    return d;
}

static tu_env *fixture(const char *date) {
    tu_env *e = tu_env_open(ROLE_FINANCE, date);
    fixture_bills(e);
    post_bill(e, BILL_A1, UNIT_A, 202603, A1_FEN);
    post_bill(e, BILL_B1, UNIT_B, 202603, B1_FEN);
    post_bill(e, BILL_C1, UNIT_C, 202603, C1_FEN);
    post_bill(e, BILL_A2, UNIT_A, 202604, A2_FEN);
    post_bill(e, BILL_D1, UNIT_D, 202603, D1_FEN);
    tu_env_commit(e);
    return e;
}

static void set_date(tu_env *e, const char *date) {
    err_detail err = {0};
    assert_int_equal(date_parse(date, "date", &e->ctx.business_date, &err), ERR_OK);
    e->ctx.now_ms = (int64_t)e->ctx.business_date * 86400000LL + 2 * 3600000LL;
}

static void act(tu_env *e, svc_role role, int64_t unit_id) {
    e->ctx.actor.role = role;
    e->ctx.actor.unit_id = unit_id;
    e->ctx.actor.person_id = 0;
}

static money_fen nat(tu_env *e, ledger_owner owner, int64_t id, const char *kind) {
    err_detail err = {0};
    money_fen v = -1;
    if (ledger_natural_balance(e->ctx.tx, owner, id, kind, &v, &err)) fail_msg("balance: %s", err.message);
    return v;
}

static json_t *make_files(tu_env *e, month_ym month, const char *dir) {
    err_detail err = {0};
    json_t *ans = NULL;
    if (collect_make_files(&e->ctx, month, dir, &ans, &err)) fail_msg("files: %s (%s)", err.message, err.code);
    tu_env_commit(e);
    return ans;
}

static char *read_out(const char *dir, const char *name) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t n = 0;
    char *t = tu_read_file(path, &n);
    if (!t) fail_msg("no file %s", path);
    return t;
}

static char *simulate(const char *text, int fail_every) {
    err_detail err = {0};
    char *reply = NULL;
    if (collect_simulate_bank(text, strlen(text), fail_every, &reply, &err))
        fail_msg("simulate: %s", err.message);
    return reply;
}

static err_kind import(tu_env *e, const char *text, json_t **ans, err_detail *err) {
    err_clear(err);
    *ans = NULL;
    err_kind k = collect_import_reply(&e->ctx, text, strlen(text), ans, err);
    if (k) tu_env_rollback(e);
    else tu_env_commit(e);
    return k;
}

static void import_ok(tu_env *e, const char *text, json_t **ans) {
    err_detail err = {0};
    if (import(e, text, ans, &err)) {
        for (int i = 0; i < err.rule_count; i++) fprintf(stderr, "  %s %s\n", err.rules[i].code, err.rules[i].message);
        fail_msg("import: %s (%s)", err.message, err.code);
    }
}

static const char *file_name_at(const json_t *ans, size_t i) {
    return json_string_value(json_object_get(json_array_get(json_object_get(ans, "files"), i), "file_name"));
}

static bool has_rule(const err_detail *err, const char *code, const char *data) {
    for (int i = 0; i < err->rule_count; i++)
        if (strcmp(err->rules[i].code, code) == 0 && (!data || strstr(err->rules[i].data_json, data)))
            return true;
    return false;
}

static char *bill_status(tu_env *e, int64_t bill) {
    static char s[32];
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT status FROM bills WHERE id = %lld", (long long)bill);
    raw_text(e, sql, s, sizeof s);
    return s;
}

/* The March run: ICBC (bills A1 and D1, D1 failed) and BOC (B1 paid). */
static void run_march(tu_env *e, const char *dir) {
    json_t *f = make_files(e, 202603, dir), *ans = NULL;
    char *icbc = read_out(dir, file_name_at(f, 0)), *boc = read_out(dir, file_name_at(f, 1));
    char *r1 = simulate(icbc, 2), *r2 = simulate(boc, 0);
    import_ok(e, r1, &ans);
    json_decref(ans);
    import_ok(e, r2, &ans);
    json_decref(ans);
    free(icbc); free(boc); free(r1); free(r2);
    json_decref(f);
}

/* ---- files ---- */

static const char ICBC_MARCH[] =
    "H|SIPF-COLLECT|1|SIPF-中国工商银行-202603-001.txt|中国工商银行|202603|2026-03-20\n"
    "D|1|31|TESTA|甲公司|6222000011112222|202603|382250|0|382250\n"
    "D|2|35|TESTD|丁 公司|6222000055556666|202603|12000|0|12000\n"
    "T|2|394250\n";
static const char BOC_MARCH[] =
    "H|SIPF-COLLECT|1|SIPF-中国银行-202603-001.txt|中国银行|202603|2026-03-20\n"
    "D|1|32|TESTB|乙公司|6217000033334444|202603|48000|0|48000\n"
    "T|1|48000\n";

static void files_per_bank_with_lines_and_totals(void **state) {
    tu_env *e = fixture("2026-03-20");
    char *dir = out_dir(e);
    json_t *f = make_files(e, 202603, dir);
    assert_int_equal(json_integer_value(json_object_get(f, "file_count")), 2);
    assert_int_equal(json_integer_value(json_object_get(f, "line_count")), 3);
    assert_int_equal(json_integer_value(json_object_get(f, "total_fen")), A1_FEN + D1_FEN + B1_FEN);
    /* unit C has no collection agreement: its bill is not collected */
    const json_t *skipped = json_object_get(f, "not_collected");
    assert_int_equal(json_integer_value(json_object_get(skipped, "count")), 1);
    assert_int_equal(json_integer_value(json_object_get(skipped, "total_fen")), C1_FEN);
    assert_string_equal(file_name_at(f, 0), "SIPF-中国工商银行-202603-001.txt");
    assert_string_equal(file_name_at(f, 1), "SIPF-中国银行-202603-001.txt");
    const json_t *f0 = json_array_get(json_object_get(f, "files"), 0);
    assert_int_equal(json_integer_value(json_object_get(f0, "lines")), 2);
    assert_int_equal(json_integer_value(json_object_get(f0, "total_fen")), A1_FEN + D1_FEN);
    char *icbc = read_out(dir, file_name_at(f, 0)), *boc = read_out(dir, file_name_at(f, 1));
    assert_string_equal(icbc, ICBC_MARCH);   /* the separator in 丁|公司 became a blank */
    assert_string_equal(boc, BOC_MARCH);
    assert_string_equal(bill_status(e, BILL_A1), "sent");
    assert_string_equal(bill_status(e, BILL_C1), "confirmed");
    assert_string_equal(bill_status(e, BILL_A2), "confirmed");   /* April's bill waits for April */
    /* nothing credited before the money arrives */
    assert_int_equal(nat(e, OWNER_PERSON, P1, "pension_account"), 0);
    assert_int_equal(nat(e, OWNER_BANK, 0, "bank_clearing"), 0);

    /* again: nothing more to send */
    json_t *again = make_files(e, 202603, dir);
    assert_int_equal(json_integer_value(json_object_get(again, "file_count")), 0);
    assert_int_equal(json_integer_value(json_object_get(again, "line_count")), 0);
    assert_int_equal(raw_int(e, "SELECT COUNT(*) FROM collection_lines"), 3);
    json_decref(again);
    json_decref(f);
    free(icbc); free(boc); free(dir);
    tu_env_close(e);
}

static void files_without_dir_carry_content(void **state) {
    tu_env *e = fixture("2026-03-20");
    json_t *f = make_files(e, 202603, NULL);
    const json_t *f1 = json_array_get(json_object_get(f, "files"), 1);
    assert_string_equal(json_string_value(json_object_get(f1, "content")), BOC_MARCH);
    assert_null(json_object_get(f1, "path"));
    json_decref(f);

    err_detail err = {0};
    json_t *ans = NULL;
    assert_int_equal(collect_make_files(&e->ctx, 202603, "/nonexistent/sipf-out", &ans, &err), ERR_INVALID);
    assert_string_equal(err.code, "out_dir_missing");
    act(e, ROLE_CLERK, 0);
    err_clear(&err);
    assert_int_equal(collect_make_files(&e->ctx, 202603, NULL, &ans, &err), ERR_FORBIDDEN);
    act(e, ROLE_UNIT, UNIT_A);
    assert_int_equal(collect_import_reply(&e->ctx, "x", 1, &ans, &err), ERR_FORBIDDEN);
    tu_env_close(e);
}

/* ---- the simulator ---- */

static void simulator_fails_every_nth(void **state) {
    char *r = simulate(ICBC_MARCH, 2);
    assert_string_equal(r,
        "H|SIPF-REPLY|1|SIPF-中国工商银行-202603-001.txt|中国工商银行|202603|2026-03-20\n"
        "D|1|31|TESTA|甲公司|6222000011112222|202603|382250|0|382250|PAID|\n"
        "D|2|35|TESTD|丁 公司|6222000055556666|202603|12000|0|12000|FAILED|余额不足\n"
        "T|2|394250|1|382250\n");
    free(r);
    r = simulate(ICBC_MARCH, 0);
    assert_non_null(strstr(r, "T|2|394250|2|394250\n"));
    free(r);

    err_detail err = {0};
    char *out = NULL;
    const char *bad_total = "H|SIPF-COLLECT|1|F.txt|B|202603|2026-03-20\nD|1|31|A|N|1|202603|100|0|100\nT|1|99\n";
    assert_int_equal(collect_simulate_bank(bad_total, strlen(bad_total), 0, &out, &err), ERR_INVALID);
    assert_string_equal(err.code, "bad_collection_file");
    assert_non_null(strstr(err.message, "第 3 行"));
    const char *no_trailer = "H|SIPF-COLLECT|1|F.txt|B|202603|2026-03-20\nD|1|31|A|N|1|202603|100|0|100\n";
    assert_int_equal(collect_simulate_bank(no_trailer, strlen(no_trailer), 0, &out, &err), ERR_INVALID);
    assert_non_null(strstr(err.message, "缺少尾行"));
    const char *sum_wrong = "H|SIPF-COLLECT|1|F.txt|B|202603|2026-03-20\nD|1|31|A|N|1|202603|100|5|100\nT|1|100\n";
    assert_int_equal(collect_simulate_bank(sum_wrong, strlen(sum_wrong), 0, &out, &err), ERR_INVALID);
    assert_non_null(strstr(err.message, "第 2 行"));
    assert_int_equal(collect_simulate_bank("", 0, 0, &out, &err), ERR_INVALID);
    assert_string_equal(err.code, "empty_file");
    assert_null(out);
}

/* ---- replies ---- */

static void reply_credits_paid_bills_and_failed_becomes_arrears(void **state) {
    tu_env *e = fixture("2026-03-20");
    char *dir = out_dir(e);
    json_t *f = make_files(e, 202603, dir), *ans = NULL;
    char *icbc = read_out(dir, file_name_at(f, 0));
    char *reply = simulate(icbc, 2);   /* A1 paid, D1 failed */
    import_ok(e, reply, &ans);
    assert_int_equal(json_integer_value(json_object_get(ans, "applied")), 2);
    assert_false(json_is_true(json_object_get(ans, "already_imported")));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(ans, "paid"), "count")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(ans, "paid"), "amount_fen")), A1_FEN);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(ans, "failed"), "count")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(ans, "failed"), "amount_fen")), D1_FEN);
    assert_string_equal(json_string_value(json_object_get(ans, "file_status")), "replied");
    json_decref(ans);

    assert_string_equal(bill_status(e, BILL_A1), "paid");
    assert_string_equal(bill_status(e, BILL_D1), "failed");
    char s[64];
    raw_text(e, "SELECT paid_on FROM bills WHERE id = 31", s, sizeof s);
    assert_string_equal(s, "2026-03-20");
    raw_text(e, "SELECT reason || '/' || amount_fen || '/' || due_on FROM arrears WHERE bill_id = 35", s, sizeof s);
    assert_string_equal(s, "余额不足/12000/2026-03-25");
    assert_int_equal(raw_int(e, "SELECT COUNT(*) FROM arrears"), 1);

    /* individual accounts: the personal part (100%) and none of the unit's */
    assert_int_equal(nat(e, OWNER_PERSON, P1, "pension_account"), 40000);
    assert_int_equal(nat(e, OWNER_PERSON, P1, "medical_account"), 10000);
    assert_int_equal(nat(e, OWNER_PERSON, P1, "housing_fund"), 100000);
    assert_int_equal(nat(e, OWNER_PERSON, P1, "housing_subsidy"), 25000);
    assert_int_equal(nat(e, OWNER_PERSON, P2, "pension_account"), 20000);
    assert_int_equal(nat(e, OWNER_PERSON, P2, "medical_account"), 5000);
    assert_int_equal(nat(e, OWNER_PERSON, P5, "medical_account"), 0);   /* failed: nothing */
    assert_int_equal(nat(e, OWNER_PERSON, P3, "pension_account"), 0);   /* not replied yet */
    assert_int_equal(nat(e, OWNER_POOL, 0, "pool_pension"), 120000);
    assert_int_equal(nat(e, OWNER_POOL, 0, "pool_medical"), 56250);
    assert_int_equal(nat(e, OWNER_POOL, 0, "pool_unemployment"), 5000);
    assert_int_equal(nat(e, OWNER_POOL, 0, "pool_injury"), 1000);
    assert_int_equal(nat(e, OWNER_BANK, 0, "bank_clearing"), A1_FEN);
    assert_int_equal(nat(e, OWNER_UNIT, UNIT_A, "receivable"), A2_FEN);
    assert_int_equal(nat(e, OWNER_UNIT, UNIT_D, "receivable"), D1_FEN);
    assert_int_equal(nat(e, OWNER_POOL, 0, "contrib_due"), B1_FEN + C1_FEN + A2_FEN + D1_FEN);
    /* postings carry the assessment month: 1 + 8 accounts for P1, 1 + 4 for P2 */
    assert_int_equal(raw_int(e, "SELECT COUNT(*) FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id "
                                "WHERE e.idem_key LIKE 'alloc:31:%' AND p.month = 202603"), 9 + 5);
    ledger_verify_result v;
    err_detail err = {0};
    assert_int_equal(ledger_verify(e->ctx.tx, &v, &err), ERR_OK);
    assert_true(v.reconciled);
    assert_int_equal(v.unbalanced_entry_id, 0);
    assert_int_equal(v.wrong_balance_account_id, 0);

    free(icbc); free(reply); free(dir);
    json_decref(f);
    tu_env_close(e);
}

static void same_reply_twice_changes_nothing(void **state) {
    tu_env *e = fixture("2026-03-20");
    char *dir = out_dir(e);
    json_t *f = make_files(e, 202603, dir), *ans = NULL;
    char *icbc = read_out(dir, file_name_at(f, 0));
    char *reply = simulate(icbc, 2);
    import_ok(e, reply, &ans);
    json_decref(ans);
    int64_t entries = raw_int(e, "SELECT COUNT(*) FROM ledger_entries");
    int64_t audits = raw_int(e, "SELECT COUNT(*) FROM audit_log");
    import_ok(e, reply, &ans);
    assert_true(json_is_true(json_object_get(ans, "already_imported")));
    assert_int_equal(json_integer_value(json_object_get(ans, "applied")), 0);
    assert_int_equal(json_integer_value(json_object_get(ans, "already_applied")), 2);
    json_decref(ans);
    assert_int_equal(raw_int(e, "SELECT COUNT(*) FROM ledger_entries"), entries);
    assert_int_equal(raw_int(e, "SELECT COUNT(*) FROM audit_log"), audits);
    assert_int_equal(nat(e, OWNER_PERSON, P1, "pension_account"), 40000);
    assert_int_equal(nat(e, OWNER_BANK, 0, "bank_clearing"), A1_FEN);

    /* the same lines with the other result: refused, line by line */
    char *flipped = simulate(icbc, 1);   /* both FAILED */
    err_detail err = {0};
    assert_int_equal(import(e, flipped, &ans, &err), ERR_RULE);
    assert_int_equal(err.rule_count, 1);
    assert_true(has_rule(&err, "already_replied", "{\"line\":2,\"bill_id\":31}"));
    assert_string_equal(bill_status(e, BILL_A1), "paid");
    free(flipped); free(icbc); free(reply); free(dir);
    json_decref(f);
    tu_env_close(e);
}

static void partial_reply_then_complete(void **state) {
    tu_env *e = fixture("2026-03-20");
    json_t *f = make_files(e, 202603, NULL), *ans = NULL;
    const char *part =
        "H|SIPF-REPLY|1|SIPF-中国工商银行-202603-001.txt|中国工商银行|202603|2026-03-20\r\n"
        "D|1|31|TESTA|甲公司|6222000011112222|202603|382250|0|382250|PAID|\r\n"
        "\r\n"
        "T|1|382250|1|382250\r\n";
    import_ok(e, part, &ans);
    assert_int_equal(json_integer_value(json_object_get(ans, "applied")), 1);
    assert_string_equal(json_string_value(json_object_get(ans, "file_status")), "sent");
    json_decref(ans);
    char *full = simulate(ICBC_MARCH, 0);
    import_ok(e, full, &ans);
    assert_int_equal(json_integer_value(json_object_get(ans, "applied")), 1);
    assert_int_equal(json_integer_value(json_object_get(ans, "already_applied")), 1);
    assert_string_equal(json_string_value(json_object_get(ans, "file_status")), "replied");
    json_decref(ans);
    assert_int_equal(nat(e, OWNER_BANK, 0, "bank_clearing"), A1_FEN + D1_FEN);
    assert_int_equal(nat(e, OWNER_PERSON, P5, "medical_account"), 2000);
    free(full);
    json_decref(f);
    tu_env_close(e);
}

/* Replaces the first occurrence of from with to (same buffer, malloc'd). */
static char *replace(const char *s, const char *from, const char *to) {
    const char *p = strstr(s, from);
    if (!p) fail_msg("no %s in reply", from);
    size_t n = strlen(s) - strlen(from) + strlen(to) + 1;
    char *r = malloc(n);
    assert_non_null(r);
    snprintf(r, n, "%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
    return r;
}

static void altered_amount_refuses_whole_reply(void **state) {
    tu_env *e = fixture("2026-03-20");
    char *dir = out_dir(e);
    json_t *f = make_files(e, 202603, dir), *ans = NULL;
    char *icbc = read_out(dir, file_name_at(f, 0));
    char *reply = simulate(icbc, 0);
    /* line 3: bill 35 replied as 11900 (sent 12000), trailer adjusted to match */
    char *r1 = replace(reply, "|12000|0|12000|PAID|", "|11900|0|11900|PAID|");
    char *r2 = replace(r1, "T|2|394250|2|394250", "T|2|394150|2|394150");
    err_detail err = {0};
    assert_int_equal(import(e, r2, &ans, &err), ERR_RULE);
    assert_null(ans);
    assert_int_equal(err.rule_count, 1);
    assert_string_equal(err.rules[0].code, "amount_differs");
    assert_string_equal(err.rules[0].data_json, "{\"line\":3,\"bill_id\":35,\"sent_fen\":12000,\"replied_fen\":11900}");
    assert_non_null(strstr(err.message, "整个文件未导入"));
    /* nothing applied, not even the good line */
    assert_string_equal(bill_status(e, BILL_A1), "sent");
    assert_string_equal(bill_status(e, BILL_D1), "sent");
    assert_int_equal(nat(e, OWNER_PERSON, P1, "pension_account"), 0);
    assert_int_equal(nat(e, OWNER_BANK, 0, "bank_clearing"), 0);
    assert_int_equal(raw_int(e, "SELECT COUNT(*) FROM collection_lines WHERE result IS NOT NULL"), 0);

    /* every problem listed at once: an unknown bill, a bad result, the trailer */
    char *r3 = replace(r2, "D|1|31|", "D|1|99|");
    char *r4 = replace(r3, "|PAID|", "|OK|");
    assert_int_equal(import(e, r4, &ans, &err), ERR_RULE);
    assert_true(has_rule(&err, "bad_result", "{\"line\":2,\"bill_id\":99}"));
    assert_true(has_rule(&err, "amount_differs", "{\"line\":3"));
    assert_true(has_rule(&err, "trailer_mismatch", NULL));
    char *r5 = replace(r2, "D|1|31|", "D|1|99|");
    assert_int_equal(import(e, r5, &ans, &err), ERR_RULE);
    assert_true(has_rule(&err, "unknown_bill", "{\"line\":2,\"bill_id\":99}"));
    assert_int_equal(err.rule_count, 2);
    free(icbc); free(reply); free(r1); free(r2); free(r3); free(r4); free(r5); free(dir);
    json_decref(f);
    tu_env_close(e);
}

static void reply_format_problems(void **state) {
    tu_env *e = fixture("2026-03-20");
    json_t *f = make_files(e, 202603, NULL), *ans = NULL;
    err_detail err = {0};
    assert_int_equal(import(e, "H|SIPF-COLLECT|1|x|y|202603|2026-03-20\n", &ans, &err), ERR_RULE);
    assert_string_equal(err.rules[0].code, "bad_header");
    const char *unknown = "H|SIPF-REPLY|1|SIPF-无此银行-202603-001.txt|无此银行|202603|2026-03-20\nT|0|0|0|0\n";
    assert_int_equal(import(e, unknown, &ans, &err), ERR_RULE);
    assert_int_equal(err.rule_count, 1);
    assert_string_equal(err.rules[0].code, "unknown_file");
    const char *dup =
        "H|SIPF-REPLY|1|SIPF-中国银行-202603-001.txt|中国银行|202603|2026-03-20\n"
        "D|1|32|TESTB|乙公司|6217000033334444|202603|48000|0|48000|PAID|\n"
        "D|1|32|TESTB|乙公司|6217000033334444|202603|48000|0|48000|FAILED|\n"
        "X|what\n";
    assert_int_equal(import(e, dup, &ans, &err), ERR_RULE);
    assert_true(has_rule(&err, "reason_missing", "{\"line\":3,\"bill_id\":32}"));
    assert_true(has_rule(&err, "duplicate_line", "{\"line\":3,\"bill_id\":32}"));
    assert_true(has_rule(&err, "bad_line", "{\"line\":4}"));
    assert_true(has_rule(&err, "trailer_missing", NULL));
    assert_int_equal(err.rule_count, 4);
    /* twenty bad lines: fifteen listed and the count of the rest */
    char big[4096];
    size_t n = (size_t)snprintf(big, sizeof big, "H|SIPF-REPLY|1|SIPF-中国银行-202603-001.txt|中国银行|202603|x\n");
    for (int i = 0; i < 20; i++) n += (size_t)snprintf(big + n, sizeof big - n, "D|bad\n");
    snprintf(big + n, sizeof big - n, "T|0|0|0|0\n");
    assert_int_equal(import(e, big, &ans, &err), ERR_RULE);
    assert_int_equal(err.rule_count, ERR_RULES_MAX);
    assert_string_equal(err.rules[ERR_RULES_MAX - 1].code, "more_problems");
    assert_string_equal(err.rules[ERR_RULES_MAX - 1].data_json, "{\"count\":20,\"listed\":15}");
    assert_int_equal(import(e, "\xff\xfe", &ans, &err), ERR_INVALID);
    assert_string_equal(err.code, "bad_encoding");
    /* a bill whose lines no longer add up to what was collected cannot be booked */
    raw_exec(e, "UPDATE assessments SET unit_fen = unit_fen + 1 WHERE bill_id = 32");
    char *boc = simulate(BOC_MARCH, 0);
    assert_int_equal(import(e, boc, &ans, &err), ERR_RULE);
    assert_int_equal(err.rule_count, 1);
    assert_true(has_rule(&err, "bill_lines_mismatch", "{\"line\":2,\"bill_id\":32}"));
    assert_string_equal(bill_status(e, BILL_B1), "sent");
    free(boc);
    json_decref(f);
    tu_env_close(e);
}

/* ---- late fees and arrears ---- */

static void late_fee_edges(void **state) {
    tu_env *e = tu_env_open(ROLE_FINANCE, "2026-03-20");
    err_detail err = {0};
    date_days due = date_from_ymd(2026, 3, 25);
    money_fen fee = -1;
    assert_int_equal(collect_late_fee(e->pol, 100000, due, due - 1, &fee, &err), ERR_OK);
    assert_int_equal(fee, 0);
    assert_int_equal(collect_late_fee(e->pol, 100000, due, due, &fee, &err), ERR_OK);
    assert_int_equal(fee, 0);                  /* the due day itself */
    assert_int_equal(collect_late_fee(e->pol, 100000, due, due + 1, &fee, &err), ERR_OK);
    assert_int_equal(fee, 50);                 /* one day: 0.05% */
    assert_int_equal(collect_late_fee(e->pol, 100000, due, due + 30, &fee, &err), ERR_OK);
    assert_int_equal(fee, 1500);               /* 30 days: 1.5% */
    assert_int_equal(collect_late_fee(e->pol, 1000, due, due + 1, &fee, &err), ERR_OK);
    assert_int_equal(fee, 1);                  /* 0.5 fen: half up */
    assert_int_equal(collect_late_fee(e->pol, 999, due, due + 1, &fee, &err), ERR_OK);
    assert_int_equal(fee, 0);                  /* 0.4995 fen */
    assert_int_equal(collect_late_fee(e->pol, -1, due, due + 1, &fee, &err), ERR_INVALID);
    assert_int_equal(collect_late_fee(e->pol, INT64_C(1) << 50, due, due + 3000, &fee, &err), ERR_INVALID);
    assert_string_equal(err.code, "amount_too_large");
    tu_env_close(e);
}

static void overdue_marked_once_from_the_day_after(void **state) {
    tu_env *e = fixture("2026-03-25");
    int marked = -1;
    err_detail err = {0};
    assert_int_equal(collect_mark_overdue(&e->ctx, &marked, &err), ERR_OK);
    assert_int_equal(marked, 0);   /* the due day: not yet */
    set_date(e, "2026-03-26");
    assert_int_equal(collect_mark_overdue(&e->ctx, &marked, &err), ERR_OK);
    assert_int_equal(marked, 4);   /* every March bill, whatever its status; April's not */
    assert_int_equal(collect_mark_overdue(&e->ctx, &marked, &err), ERR_OK);
    assert_int_equal(marked, 0);
    tu_env_commit(e);
    char s[64];
    raw_text(e, "SELECT reason FROM arrears WHERE bill_id = 33", s, sizeof s);
    assert_string_equal(s, "逾期未缴");
    act(e, ROLE_UNIT, UNIT_A);
    assert_int_equal(collect_mark_overdue(&e->ctx, &marked, &err), ERR_FORBIDDEN);
    tu_env_close(e);
}

static void arrears_collected_again_with_late_fee(void **state) {
    tu_env *e = fixture("2026-03-20");
    char *dir = out_dir(e);
    run_march(e, dir);
    err_detail err = {0};
    json_t *ans = NULL, *cert = NULL;

    /* D is refused its certificate: one bill, no fee yet */
    assert_int_equal(collect_no_arrears_certificate(&e->ctx, UNIT_D, &cert, &err), ERR_RULE);
    assert_int_equal(err.rule_count, 1);
    assert_string_equal(err.rules[0].code, "arrears_outstanding");
    assert_string_equal(err.rules[0].data_json,
        "{\"bill_id\":35,\"month\":\"2026-03\",\"amount_fen\":12000,\"late_fee_fen\":0,"
        "\"due_on\":\"2026-03-25\",\"days_late\":0}");
    tu_env_rollback(e);

    /* ten days late: 12000 x 0.05% x 10 = 60 */
    set_date(e, "2026-04-04");
    money_fen total = 0;
    err_clear(&err);
    assert_int_equal(collect_unit_arrears(&e->ctx, UNIT_D, &ans, &total, &err), ERR_OK);
    assert_int_equal(total, 12060);
    assert_int_equal(json_integer_value(json_object_get(ans, "late_fee_fen")), 60);
    const json_t *it = json_array_get(json_object_get(ans, "items"), 0);
    assert_int_equal(json_integer_value(json_object_get(it, "days_late")), 10);
    assert_string_equal(json_string_value(json_object_get(it, "reason")), "余额不足");
    json_decref(ans);
    tu_env_commit(e);

    /* April's run: A2 (new) and D1 (again, with its fee) */
    json_t *f = make_files(e, 202604, dir);
    assert_int_equal(json_integer_value(json_object_get(f, "file_count")), 1);
    char *text = read_out(dir, file_name_at(f, 0));
    assert_string_equal(text,
        "H|SIPF-COLLECT|1|SIPF-中国工商银行-202604-001.txt|中国工商银行|202604|2026-04-04\n"
        "D|1|34|TESTA|甲公司|6222000011112222|202604|120000|0|120000\n"
        "D|2|35|TESTD|丁 公司|6222000055556666|202603|12000|60|12060\n"
        "T|2|132060\n");
    char *reply = simulate(text, 0);
    import_ok(e, reply, &ans);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(ans, "paid"), "late_fee_fen")), 60);
    json_decref(ans);
    char s[64];
    raw_text(e, "SELECT settled_on || '/' || late_fee_fen FROM arrears WHERE bill_id = 35", s, sizeof s);
    assert_string_equal(s, "2026-04-04/60");
    assert_int_equal(nat(e, OWNER_POOL, 0, "late_fees"), 60);
    assert_int_equal(nat(e, OWNER_PERSON, P5, "medical_account"), 2000);
    assert_int_equal(nat(e, OWNER_BANK, 0, "bank_clearing"), A1_FEN + B1_FEN + A2_FEN + 12060);
    ledger_verify_result v;
    assert_int_equal(ledger_verify(e->ctx.tx, &v, &err), ERR_OK);
    assert_true(v.reconciled);

    /* granted now */
    err_clear(&err);
    assert_int_equal(collect_no_arrears_certificate(&e->ctx, UNIT_D, &cert, &err), ERR_OK);
    assert_string_equal(json_string_value(json_object_get(cert, "statement")), "截至 2026-04-04 无欠费");
    assert_string_equal(json_string_value(json_object_get(cert, "unit_code")), "TESTD");
    json_decref(cert);
    /* C never had an agreement: its March bill is in arrears, 48000 + 240 */
    assert_int_equal(collect_no_arrears_certificate(&e->ctx, UNIT_C, &cert, &err), ERR_RULE);
    assert_true(has_rule(&err, "arrears_outstanding", "\"bill_id\":33,\"month\":\"2026-03\",\"amount_fen\":48000,\"late_fee_fen\":240"));
    free(text); free(reply); free(dir);
    json_decref(f);
    tu_env_close(e);
}

static void cancellation_refused_with_arrears(void **state) {
    tu_env *e = fixture("2026-03-25");
    act(e, ROLE_CLERK, 0);
    err_detail err = {0};
    int64_t fen = -1;
    /* the due day: not yet arrears, and C has no employees left (spans end in March) */
    assert_int_equal(reg_unit_arrears_fen(&e->ctx, UNIT_C, &fen, &err), ERR_OK);
    assert_int_equal(fen, 0);
    assert_int_equal(reg_unit_cancel(&e->ctx, UNIT_C, "测试", &err), ERR_OK);
    tu_env_rollback(e);
    set_date(e, "2026-03-26");
    assert_int_equal(reg_unit_arrears_fen(&e->ctx, UNIT_C, &fen, &err), ERR_OK);
    assert_int_equal(fen, 48024);   /* 48000 and one day's 24 */
    err_clear(&err);
    assert_int_equal(reg_unit_cancel(&e->ctx, UNIT_C, "测试", &err), ERR_RULE);
    assert_int_equal(err.rule_count, 1);
    assert_string_equal(err.rules[0].code, "arrears_outstanding");
    assert_string_equal(err.rules[0].data_json, "{\"amount_fen\":48024}");
    tu_env_close(e);
}

static void arrears_visibility(void **state) {
    tu_env *e = fixture("2026-03-30");
    err_detail err = {0};
    json_t *ans = NULL;
    act(e, ROLE_UNIT, UNIT_A);
    assert_int_equal(collect_unit_arrears(&e->ctx, UNIT_B, &ans, NULL, &err), ERR_NOT_FOUND);
    assert_int_equal(collect_no_arrears_certificate(&e->ctx, UNIT_B, &ans, &err), ERR_NOT_FOUND);
    assert_int_equal(collect_unit_arrears(&e->ctx, UNIT_A, &ans, NULL, &err), ERR_OK);
    assert_int_equal(json_integer_value(json_object_get(ans, "count")), 1);
    assert_int_equal(json_integer_value(json_object_get(ans, "amount_fen")), A1_FEN);
    /* 5 days: 382250 x 0.0005 x 5 = 955.625 */
    assert_int_equal(json_integer_value(json_object_get(ans, "late_fee_fen")), 956);
    json_decref(ans);
    e->ctx.actor.role = ROLE_PERSON;
    e->ctx.actor.person_id = P1;
    assert_int_equal(collect_unit_arrears(&e->ctx, UNIT_A, &ans, NULL, &err), ERR_FORBIDDEN);
    act(e, ROLE_REVIEWER, 0);
    assert_int_equal(collect_unit_arrears(&e->ctx, 999, &ans, NULL, &err), ERR_NOT_FOUND);
    tu_env_close(e);
}

/* ---- a store failing at each call in turn ---- */

static void faults_leave_nothing_half_done(void **state) {
    tu_env *e = fixture("2026-03-20");
    json_t *f = NULL, *ans = NULL;
    long n;
    for (n = 1; n < 10000; n++) {
        err_detail err = {0};
        store_fault_set(e->st, n);
        err_kind k = collect_make_files(&e->ctx, 202603, NULL, &f, &err);
        store_fault_set(e->st, 0);
        if (k == ERR_OK) break;
        assert_int_equal(k, ERR_UNAVAILABLE);
        assert_null(f);
        tu_env_rollback(e);
        assert_string_equal(bill_status(e, BILL_A1), "confirmed");
    }
    assert_true(n > 5);
    tu_env_commit(e);
    assert_int_equal(json_integer_value(json_object_get(f, "line_count")), 3);
    char *reply = simulate(ICBC_MARCH, 2);
    for (n = 1; n < 10000; n++) {
        err_detail err = {0};
        store_fault_set(e->st, n);
        err_kind k = collect_import_reply(&e->ctx, reply, strlen(reply), &ans, &err);
        store_fault_set(e->st, 0);
        if (k == ERR_OK) break;
        assert_int_equal(k, ERR_UNAVAILABLE);
        tu_env_rollback(e);
        assert_int_equal(nat(e, OWNER_BANK, 0, "bank_clearing"), 0);
        assert_int_equal(nat(e, OWNER_PERSON, P1, "pension_account"), 0);
        assert_string_equal(bill_status(e, BILL_D1), "sent");
    }
    assert_true(n > 20);
    tu_env_commit(e);
    assert_int_equal(json_integer_value(json_object_get(ans, "applied")), 2);
    assert_int_equal(nat(e, OWNER_BANK, 0, "bank_clearing"), A1_FEN);
    assert_int_equal(nat(e, OWNER_PERSON, P1, "pension_account"), 40000);
    assert_string_equal(bill_status(e, BILL_D1), "failed");
    free(reply);
    json_decref(ans);
    json_decref(f);
    tu_env_close(e);
}

/* ---- the allocation's rounding ---- */

static const char ROUNDING_POLICY[] =
    "{\"params\":["
    "{\"key\":\"pension.account_from_personal_bp\",\"from\":\"2000-01-01\",\"value\":10000},"
    "{\"key\":\"pension.account_from_unit_bp\",\"from\":\"2000-01-01\",\"value\":5000},"
    "{\"key\":\"medical.account_from_personal_bp\",\"from\":\"2000-01-01\",\"value\":10000},"
    "{\"key\":\"medical.account_from_unit_bp\",\"from\":\"2000-01-01\",\"value\":3333},"
    "{\"key\":\"late_fee.daily_rate_ppm\",\"from\":\"2000-01-01\",\"value\":500},"
    "{\"key\":\"bank.reply_max_lines\",\"from\":\"2000-01-01\",\"value\":100}]}";

static void allocation_rounds_half_up_remainder_to_pool(void **state) {
    tu_env *e = tu_env_open(ROLE_FINANCE, "2026-03-20");
    raw_exec(e,
        "INSERT INTO units (id, code, name, created_at_ms, bank_name, bank_account, collection_agreement) "
        "VALUES (11, 'TESTA', '甲公司', 0, '中国工商银行', '6222000011112222', 1);"
        "INSERT INTO persons (id, id_number, name, created_at_ms) VALUES (21, 'T1', '张一', 0);"
        "INSERT INTO insured_spans (id, person_id, unit_id, insurance, payer, category, start_month, status, "
        "created_at_ms, updated_at_ms) VALUES (210, 21, 11, 'pension', 'unit', 'sip_a', 202601, 'normal', 0, 0),"
        "(211, 21, 11, 'medical', 'unit', 'sip_a', 202601, 'normal', 0, 0);"
        "INSERT INTO bills (id, unit_id, month, kind, status, unit_total_fen, personal_total_fen, lines, due_on, "
        "created_at_ms, updated_at_ms) VALUES (31, 11, 202603, 'subsidy', 'confirmed', 37531, 0, 3, '2026-03-25', 0, 0);"
        "INSERT INTO assessments (bill_id, unit_id, person_id, span_id, month, insurance, kind, base_fen, "
        "unit_rate_bp, personal_rate_bp, unit_fen, personal_fen, created_at_ms) VALUES "
        "(31, 11, 21, 210, 202603, 'pension', 'regular', 0, 0, 0, 15, 0, 0),"
        "(31, 11, 21, 211, 202603, 'medical', 'regular', 0, 0, 0, 37501, 0, 0),"
        "(31, 11, 21, 211, 202603, 'medical', 'subsidy', 0, 0, 0, 15, 0, 0);");
    policy *pol = NULL;
    err_detail err = {0};
    assert_int_equal(policy_parse(ROUNDING_POLICY, &pol, &err), ERR_OK);
    e->ctx.pol = pol;
    json_t *f = make_files(e, 202603, NULL), *ans = NULL;
    const char *text = json_string_value(json_object_get(json_array_get(json_object_get(f, "files"), 0), "content"));
    char *reply = simulate(text, 0);
    import_ok(e, reply, &ans);
    json_decref(ans);
    /* pension: 15 x 50% = 7.5 -> 8 to the account, 7 to the pool;
     * medical: 37501 x 33.33% = 12499.08 -> 12499, 25002 to the pool;
     * the subsidy credit (医疗补助增记) whole to the account: 15 */
    assert_int_equal(nat(e, OWNER_PERSON, 21, "pension_account"), 8);
    assert_int_equal(nat(e, OWNER_POOL, 0, "pool_pension"), 7);
    assert_int_equal(nat(e, OWNER_PERSON, 21, "medical_account"), 12499 + 15);
    assert_int_equal(nat(e, OWNER_POOL, 0, "pool_medical"), 25002);
    assert_int_equal(nat(e, OWNER_POOL, 0, "contrib_due"), -37531);   /* no bill entry in this test */
    e->ctx.pol = e->pol;
    policy_destroy(pol);
    free(reply);
    json_decref(f);
    tu_env_close(e);
}

/* ---- what a person pays themself: the withholding card ---- */

static int64_t flexible_person(tu_env *e, const char *id_number, const char *name) {
    int64_t p = tu_add_person(e, id_number, name);
    reg_span_new s = {.person_id = p, .insurance = INS_PENSION, .payer = "person", .category = "flexible",
                      .tier = "pension_medical:2", .start_month = 202611, .reason = "测试"};
    int64_t span = 0;
    err_detail err = {0};
    if (reg_span_open(&e->ctx, &s, &span, &err)) fail_msg("span: %s", err.message);
    return p;
}

static void a_person_signs_a_card_and_is_debited_without_late_fee(void **state) {
    tu_env *e = tu_env_open(ROLE_FINANCE, "2026-11-02");
    int64_t with = flexible_person(e, "110101198505050016", "卡甲");
    int64_t without = flexible_person(e, "110101198606060013", "卡乙");
    err_detail err = {0};
    json_t *card = NULL;
    act(e, ROLE_CLERK, 0);
    assert_int_equal(collect_card_set(&e->ctx, with, "中国建设银行", "6222021234567890", &card, &err), ERR_OK);
    assert_string_equal(json_string_value(json_object_get(json_object_get(card, "card"), "bank_account")),
                        "6222021234567890");
    json_decref(card);
    act(e, ROLE_FINANCE, 0);
    int64_t bill = 0, bill2 = 0;
    bool created = false;
    assert_int_equal(contrib_assess_person(&e->ctx, with, 202611, &bill, &created, &err), ERR_OK);
    assert_int_equal(contrib_assess_person(&e->ctx, without, 202611, &bill2, &created, &err), ERR_OK);
    money_fen owed = nat(e, OWNER_PERSON, with, "receivable");
    assert_true(owed > 0);
    tu_env_commit(e);
    /* the debit is made after the due day (the 18th): still no late fee */
    set_date(e, "2026-11-25");
    json_t *f = make_files(e, 202611, NULL);
    assert_int_equal(json_integer_value(json_object_get(f, "line_count")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(f, "not_withheld"), "count")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(f, "not_withheld"), "total_fen")),
                     owed);
    const json_t *file = json_array_get(json_object_get(f, "files"), 0);
    assert_string_equal(json_string_value(json_object_get(file, "bank")), "中国建设银行");
    assert_int_equal(json_integer_value(json_object_get(file, "late_fee_fen")), 0);
    const char *text = json_string_value(json_object_get(file, "content"));
    assert_non_null(strstr(text, "|卡甲|6222021234567890|202611|"));
    char *reply = simulate(text, 0);
    json_t *ans = NULL;
    import_ok(e, reply, &ans);
    assert_string_equal(bill_status(e, bill), "paid");
    assert_string_equal(bill_status(e, bill2), "confirmed");
    assert_int_equal(nat(e, OWNER_PERSON, with, "receivable"), 0);
    assert_true(nat(e, OWNER_PERSON, with, "pension_account") > 0);
    ledger_verify_result v;
    assert_int_equal(ledger_verify(e->ctx.tx, &v, &err), ERR_OK);
    assert_string_equal(v.problem, "");
    assert_true(v.reconciled);
    free(reply);
    json_decref(ans);
    json_decref(f);
    tu_env_close(e);
}

static void a_card_is_checked_and_kept_from_units(void **state) {
    tu_env *e = tu_env_open(ROLE_PERSON, "2026-11-02");
    int64_t p = flexible_person(e, "110101198505050016", "卡甲");
    int64_t other = flexible_person(e, "110101198606060013", "卡乙");
    e->ctx.actor.person_id = p;
    err_detail err = {0};
    json_t *out = NULL;
    /* both fields wrong: both rules */
    assert_int_equal(collect_card_set(&e->ctx, p, "", "1234567", &out, &err), ERR_RULE);
    assert_true(has_rule(&err, "missing_field", "bank_name"));
    assert_true(has_rule(&err, "invalid_bank_account", "\"min_digits\":8"));
    assert_non_null(strstr(err.rules[1].message, "银行账号应为 8 到 32 位数字"));
    assert_non_null(strstr(err.rules[0].message, "开户银行不能为空"));
    err_clear(&err);
    /* 33 digits: one too many */
    assert_int_equal(collect_card_set(&e->ctx, p, "农业银行", "123456789012345678901234567890123", &out, &err),
                     ERR_RULE);
    assert_true(has_rule(&err, "invalid_bank_account", "\"max_digits\":32"));
    err_clear(&err);
    /* 32 digits: the most */
    assert_int_equal(collect_card_set(&e->ctx, p, "农业银行", "12345678901234567890123456789012", &out, &err),
                     ERR_OK);
    json_decref(out);
        /* 8 digits: the least */
    assert_int_equal(collect_card_set(&e->ctx, p, "农业银行", "12345678", &out, &err), ERR_OK);
    json_decref(out);
    assert_int_equal(collect_card_get(&e->ctx, other, &out, &err), ERR_NOT_FOUND);
    act(e, ROLE_UNIT, 1);
    assert_true(collect_card_get(&e->ctx, p, &out, &err) != ERR_OK);
    act(e, ROLE_REVIEWER, 0);
    assert_int_equal(collect_card_get(&e->ctx, p, &out, &err), ERR_OK);
    assert_string_equal(json_string_value(json_object_get(json_object_get(out, "card"), "bank_name")), "农业银行");
    json_decref(out);
    assert_int_equal(collect_card_set(&e->ctx, p, "农业银行", "12345678", &out, &err), ERR_FORBIDDEN);
    tu_env_close(e);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(files_per_bank_with_lines_and_totals),
        cmocka_unit_test(files_without_dir_carry_content),
        cmocka_unit_test(simulator_fails_every_nth),
        cmocka_unit_test(reply_credits_paid_bills_and_failed_becomes_arrears),
        cmocka_unit_test(same_reply_twice_changes_nothing),
        cmocka_unit_test(partial_reply_then_complete),
        cmocka_unit_test(altered_amount_refuses_whole_reply),
        cmocka_unit_test(reply_format_problems),
        cmocka_unit_test(late_fee_edges),
        cmocka_unit_test(overdue_marked_once_from_the_day_after),
        cmocka_unit_test(arrears_collected_again_with_late_fee),
        cmocka_unit_test(cancellation_refused_with_arrears),
        cmocka_unit_test(arrears_visibility),
        cmocka_unit_test(allocation_rounds_half_up_remainder_to_pool),
        cmocka_unit_test(faults_leave_nothing_half_done),
        cmocka_unit_test(a_person_signs_a_card_and_is_debited_without_late_fee),
        cmocka_unit_test(a_card_is_checked_and_kept_from_units),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
