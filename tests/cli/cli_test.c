/* The `sipf` program as a user runs it: every command, its help, its exit
 * codes, and `verify` catching a changed audit row. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "testutil.h"

static char *dir;
static char db[512];

static const char *binary(void) {
    const char *b = getenv("SIPF_BINARY");
    return b && *b ? b : "build/sipf";
}

/* Runs `sipf ARGS` with stderr joined to stdout; returns the exit code and
 * the output in a malloc'd buffer. */
static int run(const char *args, char **out) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "SIPF_FAST_HASH=1 %s %s 2>&1", binary(), args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (cap - len < 1024) buf = realloc(buf, cap *= 2);
    }
    buf[len] = 0;
    int st = pclose(p);
    if (out) *out = buf; else free(buf);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int setup(void **state) {
    dir = tu_mkdtemp();
    snprintf(db, sizeof db, "%s/cli.db", dir);
    return 0;
}

static int teardown(void **state) {
    tu_rmtree(dir);
    free(dir);
    return 0;
}

static void help_for_every_command(void **state) {
    static const char *const cmds[] = {"serve", "migrate", "seed-demo", "verify", "catalog", "user"};
    char *out;
    assert_int_equal(run("--help", &out), 0);
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) assert_non_null(strstr(out, cmds[i]));
    free(out);
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        char args[64];
        snprintf(args, sizeof args, "%s --help", cmds[i]);
        assert_int_equal(run(args, &out), 0);
        assert_non_null(strstr(out, "usage: sipf"));
        free(out);
    }
    assert_int_equal(run("frobnicate", &out), 2);
    assert_non_null(strstr(out, "没有这个命令"));
    free(out);
    assert_int_equal(run("", NULL), 2);
}

static void migrate_seed_verify(void **state) {
    char args[1024], *out;
    snprintf(args, sizeof args, "migrate --db %s", db);
    assert_int_equal(run(args, &out), 0);
    assert_non_null(strstr(out, "服务事项目录 274 项"));
    free(out);
    assert_int_equal(run(args, &out), 0);   /* again: nothing to apply */
    assert_non_null(strstr(out, "应用迁移 0 个"));
    free(out);
    snprintf(args, sizeof args, "seed-demo --db %s --as-of 2026-11-23", db);
    assert_int_equal(run(args, &out), 0);
    assert_non_null(strstr(out, "演示数据已写入"));
    free(out);
    assert_int_equal(run("seed-demo --list", &out), 0);
    assert_non_null(strstr(out, "admin"));
    assert_non_null(strstr(out, "Staff@2026"));
    free(out);
    assert_int_equal(run(args, &out), 6);    /* already there: conflict */
    assert_non_null(strstr(out, "demo_present"));
    free(out);
    snprintf(args, sizeof args, "verify --db %s", db);
    assert_int_equal(run(args, &out), 0);
    assert_non_null(strstr(out, "审计链完整"));
    free(out);
}

static void catalog_lists(void **state) {
    char args[1024], *out;
    snprintf(args, sizeof args, "catalog --db %s --json", db);
    assert_int_equal(run(args, &out), 0);
    json_t *items = json_loads(out, 0, NULL);
    assert_non_null(items);
    assert_int_equal(json_array_size(items), 274);
    json_decref(items);
    free(out);
    snprintf(args, sizeof args, "catalog --db %s --channel pigeon", db);
    assert_int_equal(run(args, &out), 2);
    free(out);
    snprintf(args, sizeof args, "catalog --db %s --colour red", db);
    assert_int_equal(run(args, &out), 2);
    assert_non_null(strstr(out, "--colour"));
    free(out);
}

static void user_commands(void **state) {
    char args[1024], *out;
    snprintf(args, sizeof args, "user create --db %s --role clerk --username clerk77 --password Clerk77@pass", db);
    assert_int_equal(run(args, &out), 0);
    assert_non_null(strstr(out, "账号已创建"));
    free(out);
    assert_int_equal(run(args, &out), 6);    /* exists */
    free(out);
    snprintf(args, sizeof args, "user create --db %s --role clerk --username clerk78 --password short", db);
    assert_int_equal(run(args, &out), 3);    /* a rule: too short */
    assert_non_null(strstr(out, "password_too_short"));
    free(out);
    snprintf(args, sizeof args, "user reset-password --db %s --kind staff --login clerk77 --password Clerk77@new", db);
    assert_int_equal(run(args, &out), 0);
    free(out);
    snprintf(args, sizeof args, "user unlock --db %s --kind staff --login clerk77", db);
    assert_int_equal(run(args, &out), 0);
    free(out);
    snprintf(args, sizeof args, "user unlock --db %s --kind staff --login nobody", db);
    assert_int_equal(run(args, &out), 5);
    free(out);
    snprintf(args, sizeof args, "user explode --db %s", db);
    assert_int_equal(run(args, &out), 2);
    free(out);
}

/* A PostgreSQL URL reaches the PostgreSQL engine; no server on port 1:
 * unavailable (exit 7), saying the connection failed, the password hidden. */
static void postgres_unreachable_refused_clearly(void **state) {
    char *out;
    assert_int_equal(run("migrate --db postgres://sipf:s3cret@127.0.0.1:1/sipf?connect_timeout=2", &out), 7);
    assert_non_null(strstr(out, "无法连接数据库"));
    assert_non_null(strstr(out, "[store_open]"));
    assert_null(strstr(out, "s3cret"));
    free(out);
}

static void bad_as_of_refused(void **state) {
    char args[1024], *out;
    snprintf(args, sizeof args, "seed-demo --db %s --as-of 2026-02-30", db);
    assert_int_equal(run(args, &out), 2);
    assert_non_null(strstr(out, "invalid_date"));
    free(out);
}

static void verify_names_a_changed_row(void **state) {
    sqlite3 *h;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "UPDATE audit_log SET outcome = 'forged' WHERE seq = 3", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    char args[1024], *out;
    snprintf(args, sizeof args, "verify --db %s", db);
    assert_int_equal(run(args, &out), 10);
    assert_non_null(strstr(out, "第 3 行"));
    free(out);
}

/* Runs SQL on a database file from outside the program. */
static void sql_on(const char *path, const char *sql) {
    sqlite3 *h;
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK) fail_msg("sql: %s", msg);
    sqlite3_close(h);
}

/* `sipf verify` recomputes the ledger too: entries and accounts counted, the
 * first balance changed behind the ledger's back, the first unbalanced
 * entry, and a bank clearing account that the paid lines do not explain. */
static void verify_checks_the_ledger(void **state) {
    char path[600], args[1024], *out;
    snprintf(path, sizeof path, "%s/ledger.db", dir);
    snprintf(args, sizeof args, "migrate --db %s", path);
    assert_int_equal(run(args, NULL), 0);
    sql_on(path, "INSERT INTO ledger_accounts (id, owner_kind, owner_id, kind, balance_fen) VALUES "
                 "(1, 'unit', 1, 'receivable', 5000), (2, 'pool', 0, 'contrib_due', -5000), "
                 "(3, 'bank', 0, 'bank_clearing', 0);"
                 "INSERT INTO ledger_entries (id, idem_key, business_date, kind, created_at_ms) "
                 "VALUES (1, 'bill:1', '2026-06-25', 'bill', 0);"
                 "INSERT INTO ledger_postings (entry_id, account_id, amount_fen, month) VALUES "
                 "(1, 1, 5000, 202606), (1, 2, -5000, 202606);");
    snprintf(args, sizeof args, "verify --db %s", path);
    assert_int_equal(run(args, &out), 0);
    assert_non_null(strstr(out, "审计链完整"));
    assert_non_null(strstr(out, "账务核对：分录 1 笔，账户 3 个"));
    assert_non_null(strstr(out, "银行清算户 0.00 元，银行已付托收 0.00 元：相符"));
    assert_non_null(strstr(out, "账务平衡"));
    free(out);
    /* a balance changed behind the ledger's back */
    sql_on(path, "UPDATE ledger_accounts SET balance_fen = 4999 WHERE id = 1");
    assert_int_equal(run(args, &out), 10);
    assert_non_null(strstr(out, "余额与分录不符的账户：第 1 号"));
    assert_non_null(strstr(out, "账务核对失败"));
    assert_null(strstr(out, "借贷不平"));
    free(out);
    sql_on(path, "UPDATE ledger_accounts SET balance_fen = 5000 WHERE id = 1");
    /* an entry of one line: unbalanced, and the bank holds money no bank reply paid */
    sql_on(path, "INSERT INTO ledger_entries (id, idem_key, business_date, kind, created_at_ms) "
                 "VALUES (2, 'forged', '2026-06-26', 'test', 0);"
                 "INSERT INTO ledger_postings (entry_id, account_id, amount_fen) VALUES (2, 3, 300);"
                 "UPDATE ledger_accounts SET balance_fen = 300 WHERE id = 3;");
    assert_int_equal(run(args, &out), 10);
    assert_non_null(strstr(out, "借贷不平的分录：第 2 号"));
    assert_null(strstr(out, "余额与分录不符"));
    assert_non_null(strstr(out, "银行清算户 3.00 元，银行已付托收 0.00 元：不符"));
    free(out);
}

/* `sipf interest settle YEAR`: the housing fund year settles on 30 June and
 * not before, once however often it runs. */
static void interest_settle_command(void **state) {
    char path[600], args[1024], *out;
    snprintf(path, sizeof path, "%s/interest.db", dir);
    snprintf(args, sizeof args, "migrate --db %s", path);
    assert_int_equal(run(args, NULL), 0);
    /* 1,000,000 fen in person 1's housing fund from 1 July 2025 */
    sql_on(path, "INSERT INTO ledger_accounts (id, owner_kind, owner_id, kind, balance_fen) VALUES "
                 "(1, 'person', 1, 'housing_fund', -1000000), (2, 'pool', 0, 'contrib_due', 1000000);"
                 "INSERT INTO ledger_entries (id, idem_key, business_date, kind, created_at_ms) "
                 "VALUES (1, 'credit:1', '2025-07-01', 'credit', 0);"
                 "INSERT INTO ledger_postings (entry_id, account_id, amount_fen, month) VALUES "
                 "(1, 2, 1000000, 202507), (1, 1, -1000000, 202507);");
    assert_int_equal(run("interest settle", &out), 2);
    assert_non_null(strstr(out, "用法"));
    free(out);
    snprintf(args, sizeof args, "interest settle 26 --db %s", path);
    assert_int_equal(run(args, NULL), 2);
    snprintf(args, sizeof args, "interest settle 2026 --kind gold --db %s", path);
    assert_int_equal(run(args, &out), 2);
    assert_non_null(strstr(out, "invalid_value"));
    free(out);
    snprintf(args, sizeof args, "interest settle 2026 --kind housing_fund --db %s --as-of 2026-06-29", path);
    assert_int_equal(run(args, &out), 3);
    assert_non_null(strstr(out, "period_not_ended"));
    free(out);
    snprintf(args, sizeof args, "interest settle 2026 --kind housing_fund --db %s --as-of 2026-06-30", path);
    for (int i = 0; i < 2; i++) {   /* twice: the same single entry */
        assert_int_equal(run(args, &out), 0);
        assert_non_null(strstr(out, "住房公积金结息 2026 年度（结息日 2026-06-30）：1 人，记账 1 笔，利息合计 152.08 元"));
        free(out);
    }
    snprintf(args, sizeof args, "verify --db %s", path);
    assert_int_equal(run(args, &out), 0);
    assert_non_null(strstr(out, "账务核对：分录 2 笔，账户 3 个"));
    free(out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(help_for_every_command),
        cmocka_unit_test(migrate_seed_verify),
        cmocka_unit_test(catalog_lists),
        cmocka_unit_test(user_commands),
        cmocka_unit_test(postgres_unreachable_refused_clearly),
        cmocka_unit_test(bad_as_of_refused),
        cmocka_unit_test(verify_names_a_changed_row),
        cmocka_unit_test(verify_checks_the_ledger),
        cmocka_unit_test(interest_settle_command),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
