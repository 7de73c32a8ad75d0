/* `sipf person ...` as a user runs it: register, find, show, update, a key
 * change submitted and decided, history, the certificate and the 'not
 * insured' proof, with the exit code of every refusal. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "base/idno.h"
#include "testutil.h"

static char *dir;
static char db[512];
static char id1[19], id2[19], id3[19];

static const char *binary(void) {
    const char *b = getenv("SIPF_BINARY");
    return b && *b ? b : "build/sipf";
}

/* Runs `sipf ARGS --db DB --as-of 2026-11-23` with stderr joined to stdout;
 * returns the exit code and the output in a malloc'd buffer. */
static int run(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int run(char **out, const char *fmt, ...) {
    char args[1536], cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "SIPF_FAST_HASH=1 %s %s --db %s --as-of 2026-11-23 2>&1", binary(), args, db);
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

static void expect(int want, const char *needle, const char *fmt, const char *arg) {
    char *out;
    int rc = run(&out, fmt, arg);
    if (rc != want || (needle && !strstr(out, needle)))
        fail_msg("sipf %s: exit %d (want %d), output: %s", arg ? arg : fmt, rc, want, out);
    free(out);
}

static void make_id(const char *birth8, const char *order3, char out[19]) {
    char d17[18];
    snprintf(d17, sizeof d17, "320571%s%s", birth8, order3);
    snprintf(out, 19, "%s%c", d17, idno_resident_check_char(d17));
}

static void sql(const char *stmt) {
    sqlite3 *h;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(h, stmt, NULL, NULL, &msg) != SQLITE_OK) fail_msg("sql: %s", msg);
    sqlite3_close(h);
}

static int setup(void **state) {
    dir = tu_mkdtemp();
    snprintf(db, sizeof db, "%s/person.db", dir);
    make_id("19900315", "123", id1);
    make_id("19900315", "135", id2);
    make_id("20000101", "111", id3);
    char *out;
    if (run(&out, "migrate") != 0) fail_msg("migrate: %s", out);
    free(out);
    return 0;
}

static int teardown(void **state) {
    tu_rmtree(dir);
    free(dir);
    return 0;
}

static void help_and_bad_subcommands(void **state) {
    expect(0, "key-change", "person --help%s", "");
    expect(0, "non-insured-proof", "person --help%s", "");
    expect(2, "子命令无效", "person explode%s", "");
    expect(2, "--colour", "person show --colour red%s", "");
}

static void register_find_show_update(void **state) {
    char args[512];
    snprintf(args, sizeof args, "--id-number %s --name 张三 --mobile 13800000000 --hukou sip", id1);
    expect(0, "社会保障号 3210000001", "person register %s", args);
    expect(6, "person_exists", "person register %s", args);
    expect(3, "hukou_mismatch",
           "person register %s", "--id-kind passport --id-number X1234567 --name Tom --sex M "
           "--birth-date 1980-01-01 --nationality USA --hukou sip");
    expect(2, "nationality", "person register %s",
           "--id-kind passport --id-number X1234567 --name Tom --sex M --birth-date 1980-01-01");
    expect(2, "invalid_date", "person register %s", "--id-number 1 --name x --birth-date 2025-02-29");
    expect(0, "共 1 人", "person find %s", "--name 张");
    expect(2, "missing_field", "person find%s", "");
    snprintf(args, sizeof args, "--id-number %s --json", id1);
    expect(0, "\"park_number\": \"YQ20000001\"", "person show %s", args);
    expect(5, "person_not_found", "person show %s", "--id 99");
    expect(0, "手机 13912345678", "person update %s", "--id 1 --mobile 13912345678");
    expect(2, "手机号码", "person update %s", "--id 1 --mobile 12");
    expect(3, "hukou_mismatch", "person update %s", "--id 1 --hukou foreign");
}

static void key_change_submitted_and_decided(void **state) {
    char args[512], *out;
    /* no employer: the counter cannot file for the unit */
    expect(3, "not_employed", "person key-change %s",
           "--id 1 --reason contract_error --proof 说明 --new-name 张珊");
    sql("INSERT INTO units(code, name, created_at_ms) VALUES ('91320594MA1XXXXX0X', '甲公司', 0);"
        "INSERT INTO employments(person_id, unit_id, kind, start_date, enrolled_on, status, created_at_ms, "
        "updated_at_ms) VALUES (1, 1, 'regular', '2024-01-01', '2024-01-01', 'active', 0, 0)");
    expect(3, "unknown_reason", "person key-change %s", "--id 1 --reason whim --new-name 张珊");
    expect(3, "proof_missing", "person key-change %s", "--id 1 --reason whim --new-name 张珊");
    snprintf(args, sizeof args, "--id 1 --reason personal_change --proof 户口本 --new-name 张珊 --new-id-number %s", id2);
    assert_int_equal(run(&out, "person key-change %s", args), 0);
    const char *at = strstr(out, "办件 ");
    assert_non_null(at);
    long app = strtol(at + strlen("办件 "), NULL, 10);
    assert_true(app > 0);
    assert_non_null(strstr(out, "card.replace.info-change"));
    free(out);
    expect(3, "key_change_pending", "person key-change %s", args);
    snprintf(args, sizeof args, "--application %ld --decide maybe", app);
    expect(2, "decide", "person key-change %s", args);
    snprintf(args, sizeof args, "--application %ld --decide approve", app);
    expect(0, "已办结", "person key-change %s", args);
    /* the old number finds the person under the new identity */
    snprintf(args, sizeof args, "--id-number %s", id1);
    expect(0, "张珊", "person show %s", args);
    expect(0, id2, "person show %s", args);
    expect(0, "\"field\": \"id_number\"", "person history %s", "--id 1 --json");
    snprintf(args, sizeof args, "--application %ld --decide approve", app);
    expect(6, "bad_state", "person key-change %s", args);
}

static void certificate_and_proof(void **state) {
    expect(0, "未参保", "person certificate %s", "--id 1");
    char args[256];
    snprintf(args, sizeof args, "--id-number %s --name 赵六", id3);
    expect(0, "未参保证明：赵六", "person non-insured-proof %s", args);
    snprintf(args, sizeof args, "--id-number %s", id3);
    expect(2, "name", "person non-insured-proof %s", args);
    sql("INSERT INTO insured_spans(person_id, unit_id, insurance, payer, category, start_month, status, "
        "created_at_ms, updated_at_ms) VALUES (1, 1, 'pension', 'unit', 'sip_a', 202401, 'normal', 0, 0)");
    snprintf(args, sizeof args, "--id-number %s", id2);
    expect(3, "is_insured", "person non-insured-proof %s", args);
    expect(0, "累计 35 个月", "person certificate %s", "--id 1");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(help_and_bad_subcommands),
        cmocka_unit_test(register_find_show_update),
        cmocka_unit_test(key_change_submitted_and_decided),
        cmocka_unit_test(certificate_and_proof),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
