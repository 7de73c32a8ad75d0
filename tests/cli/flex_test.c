/* `sipf flex ...` and `sipf retirement` as a user runs them: the same rules
 * as the API (the 17th and the 18th, refusals with exit code 3 and their
 * rule codes), on a database prepared through the svc functions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "base/idno.h"
#include "svc/registry.h"
#include "testutil.h"

#define UNIT_CODE "91320594MA1FLEX00X"

static tu_env *env;
static char db[512];
static char adult[19], teen[19], worker[19];
static int id_seq;

static const char *binary(void) {
    const char *b = getenv("SIPF_BINARY");
    return b && *b ? b : "build/sipf";
}

/* Runs `sipf ARGS --db DB` with stderr joined to stdout. */
static int run(const char *args, char **out) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "SIPF_FAST_HASH=1 %s %s --db %s 2>&1", binary(), args, db);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 8192, len = 0;
    char *buf = malloc(cap);
    size_t n;
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

/* Runs and checks the exit code and that the output holds `part`. */
static void expect(const char *args, int code, const char *part) {
    char *out;
    int rc = run(args, &out);
    if (rc != code || (part && !strstr(out, part)))
        fail_msg("sipf %s: exit %d (want %d), output:\n%s\n(want %s)", args, rc, code, out, part ? part : "");
    free(out);
}

static void make_id(const char *ymd, char sex, char out[19]) {
    tu_id_number("320571", ymd, (unsigned)((id_seq++ % 400) * 2 + (sex == 'M' ? 1 : 2)), out);
}

static void add_person(const char *birth, char sex, const char *hukou, char id[19]) {
    make_id(birth, sex, id);
    reg_person_new in = {.id_kind = IDNO_RESIDENT, .id_number = id, .name = "命令行", .hukou_kind = hukou};
    int64_t pid;
    err_detail err = {0};
    if (reg_person_create(&env->ctx, &in, &pid, &err)) fail_msg("person: %s", err.message);
}

static int setup(void **state) {
    (void)state;
    env = tu_env_open(ROLE_SYSTEM, "2025-03-17");
    snprintf(db, sizeof db, "%s/test.db", env->dir);
    add_person("19900505", 'M', "sip", adult);
    add_person("20090318", 'F', "sip", teen);    /* 16 on 2025-03-18 */
    make_id("19880808", 'M', worker);
    tu_add_unit(env, UNIT_CODE, "命令行测试单位");
    tu_env_commit(env);
    store_rollback(env->ctx.tx);   /* the program has the database to itself */
    env->ctx.tx = NULL;
    return 0;
}

static int teardown(void **state) {
    (void)state;
    tu_env_close(env);
    return 0;
}

static void retirement(void **state) {
    (void)state;
    expect("retirement --birth-month 1965-01 --kind male --json", 0,
           "{\"kind\":\"male\",\"birth_month\":\"1965-01\",\"delay_months\":1,\"age_years\":60,"
           "\"age_months\":1,\"retirement_month\":\"2025-02\",\"min_contribution_months\":180}");
    expect("retirement --birth-month 1976-12 --kind male", 0, "法定退休年龄 63 岁 0 个月，2039-12 退休");
    expect("retirement --birth-month 1975-01 --kind female50 --json", 0, "\"delay_months\":1");
    expect("retirement --birth-month 1970-01 --kind female55 --json", 0, "\"retirement_month\":\"2025-02\"");
    expect("retirement --birth-month 1965-13 --kind male", 2, "invalid_month");
    expect("retirement --birth-month 1965-01 --kind female", 2, "invalid_value");
    expect("retirement --kind male", 2, "missing_field");
    expect("retirement --birth-month 1965-01", 2, "missing_field");
    expect("retirement --help", 0, "usage: sipf retirement");
}

static void flexible(void **state) {
    (void)state;
    char args[512];
    snprintf(args, sizeof args, "flex register --id-number %s --package pension_medical --tier 2 --as-of 2025-03-18 --json", teen);
    expect(args, 0, "\"effective_month\": \"2025-04\"");
    snprintf(args, sizeof args, "flex register --id-number %s --package pension --tier 1 --as-of 2025-03-17", adult);
    expect(args, 0, "\"effective_month\": \"2025-03\"");
    expect(args, 3, "already_insured");
    snprintf(args, sizeof args, "flex tier --id-number %s --insurance pension --tier 3 --as-of 2025-03-18 --json", adult);
    expect(args, 0, "\"effective_month\": \"2025-04\"");
    snprintf(args, sizeof args, "flex tier --id-number %s --insurance pension --tier 3 --as-of 2025-03-18", adult);
    expect(args, 3, "tier_unchanged");
    snprintf(args, sizeof args, "flex show --id-number %s --as-of 2025-03-18 --json", adult);
    expect(args, 0, "\"pending_month\": \"2025-04\"");
    snprintf(args, sizeof args, "flex suspend --id-number %s --insurances pension --as-of 2025-03-17", adult);
    expect(args, 0, "\"status\": \"suspended\"");
    snprintf(args, sizeof args, "flex resume --id-number %s --insurances pension,medical --as-of 2025-03-17", adult);
    expect(args, 3, "not_flexible_insured");
    snprintf(args, sizeof args, "flex resume --id-number %s --insurances pension --as-of 2025-03-17", adult);
    expect(args, 0, "已恢复参保");
    expect("flex register --id-number 11010519491231002X --package pension --tier 1", 5, "person_not_found");
    snprintf(args, sizeof args, "flex register --id-number %s --package pension --tier 1 --female-cadre-age maybe", adult);
    expect(args, 2, "female-cadre-age");
    expect("flex frobnicate", 2, "sipf flex SUBCOMMAND");
    expect("flex --help", 0, "resident-medical --id-number N --category");
    expect("flex register --colour red", 2, "不认识的选项");
}

/* The day before the 16th birthday refused, with every rule listed. */
static void refusals(void **state) {
    (void)state;
    char teen2[19], args[512];
    make_id("20090318", 'M', teen2);
    err_detail err = {0};
    if (store_begin(env->st, true, &env->ctx.tx, &err)) fail_msg("begin: %s", err.message);
    reg_person_new in = {.id_kind = IDNO_RESIDENT, .id_number = teen2, .name = "少年", .hukou_kind = "jiangsu"};
    int64_t pid;
    if (reg_person_create(&env->ctx, &in, &pid, &err)) fail_msg("person: %s", err.message);
    tu_env_commit(env);
    store_rollback(env->ctx.tx);
    env->ctx.tx = NULL;
    snprintf(args, sizeof args, "flex register --id-number %s --package housing_fund --tier 1 --as-of 2025-03-17", teen2);
    char *out;
    assert_int_equal(run(args, &out), 3);
    assert_non_null(strstr(out, "[age_below_min]"));
    assert_non_null(strstr(out, "[hf_not_in_park]"));
    assert_non_null(strstr(out, "共 2 项规则未通过"));
    free(out);
    snprintf(args, sizeof args, "flex resident-pension --id-number %s --as-of 2025-03-17", teen2);
    expect(args, 3, "hukou_not_suzhou");
}

static void residents(void **state) {
    (void)state;
    char args[512];
    snprintf(args, sizeof args, "flex resident-medical --id-number %s --category other_adult --as-of 2025-08-31", adult);
    expect(args, 3, "outside_collection_period");
    snprintf(args, sizeof args, "flex resident-medical --id-number %s --category other_adult --as-of 2025-09-01 --json", adult);
    expect(args, 0, "\"start_month\": \"2026-01\"");
    snprintf(args, sizeof args, "flex resident-medical --id-number %s --category elderly --as-of 2025-09-01", adult);
    expect(args, 3, "age_below_min");
}

static void injury_and_projects(void **state) {
    (void)state;
    char args[1024];
    snprintf(args, sizeof args, "flex injury-only --unit %s --kind part_time --id-number %s --name 钟点工"
             " --start-date 2025-03-01 --hours-per-day-x10 45 --hours-per-week-x10 241 --as-of 2025-03-17",
             UNIT_CODE, worker);
    char *out;
    assert_int_equal(run(args, &out), 3);
    assert_non_null(strstr(out, "[part_time_day_hours]"));
    assert_non_null(strstr(out, "[part_time_week_hours]"));
    free(out);
    snprintf(args, sizeof args, "flex injury-only --unit %s --kind part_time --id-number %s --name 钟点工"
             " --start-date 2025-03-01 --hours-per-day-x10 40 --hours-per-week-x10 240 --as-of 2025-03-17 --json",
             UNIT_CODE, worker);
    expect(args, 0, "\"kind\": \"part_time\"");
    expect("flex injury-only --unit 91320594MA1NONE00X --kind intern --id-number x --start-date 2025-03-01", 5,
           "unit_not_found");
    snprintf(args, sizeof args, "flex project create --unit %s --name 道路工程 --contract-no C-9 --start-date 2025-03-01"
             " --end-date 2025-12-31 --as-of 2025-03-17 --json", UNIT_CODE);
    assert_int_equal(run(args, &out), 0);
    json_error_t je;
    json_t *p = json_loads(out, 0, &je);
    free(out);
    assert_non_null(p);
    long long proj = (long long)json_integer_value(json_object_get(p, "id"));
    json_decref(p);
    assert_true(proj > 0);
    char w1[19], w2[19], path[640];
    make_id("19800101", 'M', w1);
    make_id("19800102", 'F', w2);
    snprintf(path, sizeof path, "%s/roster.json", env->dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "[{\"id_number\":\"%s\",\"name\":\"甲\"},{\"id_number\":\"%s\",\"name\":\"乙\"}]", w1, w2);
    fclose(f);
    snprintf(args, sizeof args, "flex project workers --project %lld --file %s --as-of 2025-03-17 --json", proj, path);
    expect(args, 0, "\"count\": 2");
    expect(args, 3, "already_insured");
    snprintf(args, sizeof args, "flex project show --project %lld --json", proj);
    expect(args, 0, "\"contract_no\": \"C-9\"");
    snprintf(args, sizeof args, "flex project workers --project %lld --file %s/none.json", proj, env->dir);
    expect(args, 2, "invalid_file");
    expect("flex project show --project 999", 5, "project_not_found");
    expect("flex project frobnicate", 2, "invalid_subcommand");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(retirement),
        cmocka_unit_test(flexible),
        cmocka_unit_test(refusals),
        cmocka_unit_test(residents),
        cmocka_unit_test(injury_and_projects),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
