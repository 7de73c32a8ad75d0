/* `sipf unit` as the counter runs it: registration refusals with their exit
 * codes, changes, online payment, key-change application, district,
 * cancellation, and the listings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "base/idno.h"
#include "testutil.h"

static char *dir;
static char db[512];
static char code[19];

static const char *binary(void) {
    const char *b = getenv("SIPF_BINARY");
    return b && *b ? b : "build/sipf";
}

/* Runs `sipf ARGS --db DB --as-of 2026-03-10` with stderr joined to stdout. */
static int run(const char *args, char **out) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "SIPF_FAST_HASH=1 %s %s --db %s --as-of 2026-03-10 2>&1", binary(), args, db);
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

/* Runs and checks the exit code and that the output holds want. */
static void check(const char *args, int want_rc, const char *want) {
    char *out = NULL;
    int rc = run(args, &out);
    if (rc != want_rc || (want && !strstr(out, want)))
        fail_msg("sipf %s: exit %d (want %d), output:\n%s", args, rc, want_rc, out);
    free(out);
}

static void make_code(const char *org8, char out[19]) {
    static const char org_checks[] = "0123456789X";
    for (int i = 0; org_checks[i]; i++) {
        char first17[18];
        snprintf(first17, sizeof first17, "91320594%s%c", org8, org_checks[i]);
        snprintf(out, 19, "%s%c", first17, uscc_check_char(first17));
        if (uscc_check(out, NULL) == ERR_OK) return;
    }
    fail_msg("no code for %s", org8);
}

static int setup(void **state) {
    dir = tu_mkdtemp();
    snprintf(db, sizeof db, "%s/unit.db", dir);
    make_code("MA1Y2Y3Y", code);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "SIPF_FAST_HASH=1 %s migrate --db %s 2>&1", binary(), db);
    FILE *p = popen(cmd, "r");
    char buf[512];
    while (p && fgets(buf, sizeof buf, p)) {}
    int st = p ? pclose(p) : -1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int teardown(void **state) {
    tu_rmtree(dir);
    free(dir);
    return 0;
}

static void register_args(char *buf, size_t cap, const char *c, const char *cls) {
    snprintf(buf, cap,
             "unit register --code %s --name 苏州工业园区命令行测试有限公司 --unit-type enterprise "
             "--industry-class %s --address 星湖街1号 --contact-name 王经理 --contact-phone 0512-62880000",
             c, cls);
}

static void registration(void **state) {
    char args[1024], bad[19];
    memcpy(bad, code, 19);
    bad[17] = bad[17] == '1' ? '2' : '1';
    register_args(args, sizeof args, bad, "3");
    check(args, 2, "uscc_check_char");
    register_args(args, sizeof args, code, "9");
    check(args, 2, "industry_class_out_of_range");
    register_args(args, sizeof args, code, "0");
    check(args, 2, "industry_class_out_of_range");
    register_args(args, sizeof args, code, "x");
    check(args, 2, "invalid_field");
    register_args(args, sizeof args, code, "8");
    check(args, 0, "单位已登记");
    check(args, 6, "unit_exists");
    snprintf(args, sizeof args, "unit show %s", code);
    check(args, 0, "苏州工业园区命令行测试有限公司");
    snprintf(args, sizeof args, "unit show %s --json", code);
    check(args, 0, "\"injury_rate_bp\": 190");
    check("unit find --name 命令行", 0, "共 1 个单位");
    check("unit show 999", 5, "unit_not_found");
    check("unit frobnicate", 2, "子命令无效");
    check("unit show --colour red", 2, "不认识的选项");
}

static void changes_and_permissions(void **state) {
    char args[1024];
    snprintf(args, sizeof args, "unit update %s --address 金鸡湖大道88号", code);
    check(args, 0, "已变更 1 项");
    snprintf(args, sizeof args, "unit update %s --name 新名称", code);
    check(args, 3, "key_field_needs_application");
    snprintf(args, sizeof args, "unit changes %s", code);
    check(args, 0, "金鸡湖大道88号");

    snprintf(args, sizeof args, "unit online-payment %s", code);
    char *out = NULL;
    assert_int_equal(run(args, &out), 3);
    assert_non_null(strstr(out, "certificate_missing"));
    assert_non_null(strstr(out, "collection_agreement_missing"));
    free(out);
    snprintf(args, sizeof args, "unit certificate %s", code);
    check(args, 0, "已办理");
    snprintf(args, sizeof args, "unit agreement %s --bank-name 中国银行 --bank-account 466012345678", code);
    check(args, 0, "已签订");
    snprintf(args, sizeof args, "unit online-payment %s", code);
    check(args, 0, "已开通");

    snprintf(args, sizeof args, "unit key-change %s --name 苏州工业园区改名有限公司", code);
    check(args, 3, "reason_missing");
    snprintf(args, sizeof args, "unit key-change %s --name 苏州工业园区改名有限公司 --reason 工商更名", code);
    check(args, 0, "已提交单位关键信息变更申请");

    snprintf(args, sizeof args, "unit district %s --district 园区", code);
    check(args, 3, "same_district");
    snprintf(args, sizeof args, "unit district %s --district 苏州市区 --reason 迁址", code);
    check(args, 0, "苏州市区");
    snprintf(args, sizeof args, "unit employees %s", code);
    check(args, 0, "共 0 条");
    snprintf(args, sizeof args, "unit certificate-data %s", code);
    check(args, 0, "养老保险");
}

static void cancellation(void **state) {
    char args[1024];
    snprintf(args, sizeof args, "unit cancel %s --reason 解散", code);
    check(args, 0, "已注销");
    check(args, 3, "unit_cancelled");
    snprintf(args, sizeof args, "unit update %s --address 别处", code);
    check(args, 3, "unit_cancelled");
    check("unit find --status cancelled", 0, code);
}

static void help(void **state) {
    check("unit --help", 0, "sipf unit key-change");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(registration),
        cmocka_unit_test(changes_and_permissions),
        cmocka_unit_test(cancellation),
        cmocka_unit_test(help),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
