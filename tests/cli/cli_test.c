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

static void postgres_refused_clearly(void **state) {
    char *out;
    assert_int_equal(run("migrate --db postgres://localhost/sipf", &out), 8);
    assert_non_null(strstr(out, "PostgreSQL"));
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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(help_for_every_command),
        cmocka_unit_test(migrate_seed_verify),
        cmocka_unit_test(catalog_lists),
        cmocka_unit_test(user_commands),
        cmocka_unit_test(postgres_refused_clearly),
        cmocka_unit_test(bad_as_of_refused),
        cmocka_unit_test(verify_names_a_changed_row),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
