/* `sipf enrol` and `sipf import roster` as a user runs them: enrolment on
 * day 30 and 31, refusals with exit code 3, rosters in CSV (the sample of
 * docs/roster.md too) and XLSX refused whole or enrolled whole, a file over
 * the limit, termination, the reason change and transfers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "base/idno.h"
#include "base/limits.h"
#include "svc/demo.h"
#include "testutil.h"

static char *dir;
static char db[512];
static char unit_code[32];

static const char *binary(void) {
    const char *b = getenv("SIPF_BINARY");
    return b && *b ? b : "build/sipf";
}

/* Runs `sipf ARGS --db DB --as-of 2026-03-31` with stderr joined to stdout. */
static int run(const char *args, char **out) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "SIPF_FAST_HASH=1 %s %s --db %s --as-of 2026-03-31 2>&1", binary(), args, db);
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

static int runf(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int runf(char **out, const char *fmt, ...) {
    char args[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return run(args, out);
}

static const char *rid(const char *birth8, const char *order3) {
    static char ids[16][19];
    static int next;
    char d17[18];
    snprintf(d17, sizeof d17, "320571%s%s", birth8, order3);
    char *out = ids[next++ % 16];
    snprintf(out, 19, "%s%c", d17, idno_resident_check_char(d17));
    return out;
}

static int setup(void **state) {
    dir = tu_mkdtemp();
    snprintf(db, sizeof db, "%s/cli.db", dir);
    char *out;
    if (run("migrate", &out) != 0) fail_msg("migrate: %s", out);
    free(out);
    if (run("seed-demo", &out) != 0) fail_msg("seed-demo: %s", out);
    free(out);
    for (int i = 0; i < demo_login_count && !unit_code[0]; i++)
        if (strcmp(demo_logins[i].role, "unit") == 0)
            snprintf(unit_code, sizeof unit_code, "%.*s", (int)strcspn(demo_logins[i].login, "/"), demo_logins[i].login);
    assert_true(strlen(unit_code) == 18);
    return 0;
}

static int teardown(void **state) {
    tu_rmtree(dir);
    free(dir);
    return 0;
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void help_and_usage(void **state) {
    char *out;
    assert_int_equal(run("enrol --help", &out), 0);
    assert_non_null(strstr(out, "change-reason"));
    free(out);
    assert_int_equal(run("enrol", &out), 2);
    assert_non_null(strstr(out, "employee --unit CODE"));
    free(out);
    assert_int_equal(run("import --help", &out), 0);
    assert_non_null(strstr(out, "roster"));
    free(out);
    assert_int_equal(run("import people x.csv", &out), 2);
    free(out);
    assert_int_equal(run("enrol employee --salary 1", &out), 2);
    free(out);
}

static void employee_day_30_and_31(void **state) {
    char *out;
    int rc = runf(&out, "enrol employee --unit %s --id-number %s --name 金一 --start 2026-03-01", unit_code,
                  rid("19900315", "501"));
    if (rc) fail_msg("%s", out);
    assert_non_null(strstr(out, "期限内"));
    free(out);
    rc = runf(&out, "enrol employee --unit %s --id-number %s --name 金二 --start 2026-02-28 --json", unit_code,
              rid("19900315", "512"));
    assert_int_equal(rc, 0);
    json_t *j = json_loads(out, 0, NULL);
    assert_non_null(j);
    assert_true(json_is_true(json_object_get(j, "late")));
    assert_int_equal(json_integer_value(json_object_get(j, "late_days")), 1);
    int64_t emp = json_integer_value(json_object_get(j, "employment_id"));
    json_decref(j);
    free(out);
    rc = runf(&out, "enrol show --employment %lld --json", (long long)emp);
    assert_int_equal(rc, 0);
    j = json_loads(out, 0, NULL);
    assert_true(json_is_true(json_object_get(j, "late")));
    json_decref(j);
    free(out);
    /* a refusal: exit 3, every rule named */
    rc = runf(&out, "enrol employee --unit %s --id-number %s --name 少年 --start 2026-03-14 --hf-rate-bp 1300",
              unit_code, rid("20100315", "523"));
    assert_int_equal(rc, 3);
    assert_non_null(strstr(out, "age_below_min"));
    assert_non_null(strstr(out, "hf_rate_out_of_range"));
    free(out);
    rc = runf(&out, "enrol employee --unit 91320594XXXXXXXXXX --id-number %s --name 无 --start 2026-03-14",
              rid("19900315", "534"));
    assert_int_equal(rc, 5);
    free(out);
}

/* The sample of docs/roster.md imports as it stands. */
static void the_documented_sample_imports(void **state) {
    char *doc = tu_read_file(tu_source_path("docs/roster.md"), NULL);
    assert_non_null(doc);
    char *start = strstr(doc, "```csv\n");
    assert_non_null(start);
    start += strlen("```csv\n");
    char *end = strstr(start, "```");
    assert_non_null(end);
    *end = 0;
    char path[600];
    snprintf(path, sizeof path, "%s/sample.csv", dir);
    write_file(path, start);
    free(doc);
    char *out;
    int rc = runf(&out, "import roster %s --unit %s", path, unit_code);
    if (rc) fail_msg("%s", out);
    assert_non_null(strstr(out, "花名册已导入：4 人"));
    free(out);
}

static void bad_roster_refused_whole_then_fixed(void **state) {
    char text[2048], path[600];
    snprintf(path, sizeof path, "%s/roster.csv", dir);
    const char *fmt = "姓名,证件号码,用工日期,险种\n"
                      "甲,%s,2026-03-02,\n"
                      "乙,%s,%s,\"pension,medical,unemployment,injury,maternity,housing_fund\"\n"
                      "丙,%s,2026-03-03,\n"
                      "丁,%s,2026-03-04,\n"
                      "戊,%s,2026-03-05,\n";
    snprintf(text, sizeof text, fmt, rid("19930101", "601"), rid("19930101", "612"), "2026-13-01",
             rid("19930101", "623"), rid("20120101", "634"), rid("19930101", "645"));
    write_file(path, text);
    char *out;
    assert_int_equal(runf(&out, "import roster %s --unit %s", path, unit_code), 3);
    assert_non_null(strstr(out, "roster_rejected"));
    assert_non_null(strstr(out, "第 3 行 用工日期"));
    assert_non_null(strstr(out, "第 5 行 出生日期"));
    assert_non_null(strstr(out, "[age_below_min]"));
    assert_null(strstr(out, "第 2 行"));
    free(out);
    snprintf(text, sizeof text, fmt, rid("19930101", "601"), rid("19930101", "612"), "2026-03-01",
             rid("19930101", "623"), rid("19930101", "656"), rid("19930101", "645"));
    write_file(path, text);
    assert_int_equal(runf(&out, "import roster %s --unit %s --json", path, unit_code), 0);
    json_t *j = json_loads(out, 0, NULL);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "count")), 5);
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(j, "enrolled"), i, r)   /* the refused file wrote nobody */
        assert_true(json_is_true(json_object_get(r, "person_created")));
    json_decref(j);
    free(out);
}

static void xlsx_roster_and_the_size_limit(void **state) {
    char path[600];
    snprintf(path, sizeof path, "%s/roster.xlsx", dir);
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
    lxw_format *date = workbook_add_format(wb);
    format_set_num_format(date, "yyyy/m/d");
    worksheet_write_string(ws, 0, 0, "*证件号码", NULL);
    worksheet_write_string(ws, 0, 1, "*姓名", NULL);
    worksheet_write_string(ws, 0, 2, "*用工日期", NULL);
    lxw_datetime start = {2026, 3, 23, 0, 0, 0};
    worksheet_write_string(ws, 1, 0, rid("19940404", "701"), NULL);
    worksheet_write_string(ws, 1, 1, "表甲", NULL);
    worksheet_write_datetime(ws, 1, 2, &start, date);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
    char *out;
    int rc = runf(&out, "import roster %s --unit %s", path, unit_code);
    if (rc) fail_msg("%s", out);
    assert_non_null(strstr(out, "1 人"));
    free(out);

    snprintf(path, sizeof path, "%s/huge.csv", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(ftruncate(fileno(f), (off_t)LIMIT_UPLOAD_BYTES_MAX + 1), 0);
    fclose(f);
    assert_int_equal(runf(&out, "import roster %s --unit %s", path, unit_code), 2);
    assert_non_null(strstr(out, "file_too_large"));
    free(out);
    assert_int_equal(runf(&out, "import roster %s/missing.csv --unit %s", dir, unit_code), 5);
    free(out);
}

static void terminate_change_reason_and_transfer(void **state) {
    const char *id = rid("19880808", "801");
    char *out;
    assert_int_equal(runf(&out, "enrol employee --unit %s --id-number %s --name 石一 --start 2026-03-02 --json",
                          unit_code, id), 0);
    json_t *j = json_loads(out, 0, NULL);
    int64_t emp = json_integer_value(json_object_get(j, "employment_id"));
    json_decref(j);
    free(out);
    int rc = runf(&out, "enrol terminate --unit %s --id-number %s --end 2026-03-20 --reason contract_expired",
                  unit_code, id);
    if (rc) fail_msg("%s", out);
    assert_non_null(strstr(out, "劳动合同期满终止"));
    free(out);
    assert_int_equal(runf(&out, "enrol change-reason --employment %lld --reason resignation", (long long)emp), 0);
    assert_non_null(strstr(out, "本人辞职"));
    free(out);
    assert_int_equal(runf(&out, "enrol change-reason --employment %lld --reason employer_dismissal", (long long)emp), 3);
    assert_non_null(strstr(out, "reason_changes_exhausted"));
    free(out);
    rc = runf(&out, "enrol transfer --id-number %s --direction in --insurance pension --region 常州市 --province 江苏省", id);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "无需办理转移"));
    free(out);
    rc = runf(&out, "enrol transfer --id-number %s --direction out --insurance medical --region 上海市 --province 上海"
                    " --start-month 2020-01 --end-month 2020-06", id);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "共 6 个月"));
    free(out);
    assert_int_equal(runf(&out, "enrol transfers --id-number %s", id), 0);
    assert_non_null(strstr(out, "not_needed"));
    assert_non_null(strstr(out, "recorded"));
    free(out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(help_and_usage),
        cmocka_unit_test(employee_day_30_and_31),
        cmocka_unit_test(the_documented_sample_imports),
        cmocka_unit_test(bad_roster_refused_whole_then_fixed),
        cmocka_unit_test(xlsx_roster_and_the_size_limit),
        cmocka_unit_test(terminate_change_reason_and_transfer),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
