/* sipf flex ...: flexible employment, residents, single-insurance work
 * injury and construction projects; sipf retirement: the retirement age.
 * Each subcommand reads its options and calls the one svc function that the
 * API calls too (svc/registry_flex.h, svc/retirement.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonx.h"
#include "cli/cli.h"
#include "svc/registry_flex.h"
#include "svc/retirement.h"

enum { CLI_FILE_BYTES_MAX = 1 << 20, CLI_INS_LIST_BYTES = 256 };

static const char flex_usage[] =
    "sipf flex SUBCOMMAND [options]（人员以 --id-number 证件号码 或 --person-id 指明）\n"
    "  register --id-number N --package P --tier T [--female-cadre-age yes] [--lives-in-park yes]\n"
    "  tier --id-number N (--insurance I | --package P) --tier T\n"
    "  suspend|resume --id-number N --insurances pension,medical,housing_fund\n"
    "  show --id-number N\n"
    "  resident-pension --id-number N\n"
    "  resident-medical --id-number N --category C [--school S] [--lives-in-park yes]\n"
    "      C: child student elderly other_adult migrant_child hmt overseas_student newborn\n"
    "  injury-only --unit CODE --kind intern|over_age|part_time --id-number N [--name X --sex M|F\n"
    "      --birth-date D --id-kind K --hukou-kind H] --start-date D [--end-date D]\n"
    "      [--school S --school-kind K] [--hours-per-day-x10 N --hours-per-week-x10 N]\n"
    "  project create --unit CODE --name X --contract-no C --start-date D [--end-date D]\n"
    "  project workers --project ID --file ROSTER.json（JSON 数组：id_number, name, ...）\n"
    "  project show --project ID\n"
    "  --json prints the answer as JSON only\n";

static bool opt_bool(const cli_opts *o, const char *name, bool *out, err_detail *err) {
    const char *v = cli_opt(o, name);
    if (!v) return true;
    if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1")) *out = true;
    else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0")) *out = false;
    else {
        err_set(err, ERR_INVALID, "invalid_field", name, "选项 --%s 应为 yes 或 no", name);
        return false;
    }
    return true;
}

static err_kind opt_int(const cli_opts *o, const char *name, int64_t min, int64_t max,
                        int64_t *out, err_detail *err) {
    const char *v = cli_opt(o, name);
    if (!v) return ERR_OK;
    errno = 0;
    char *end;
    long long n = strtoll(v, &end, 10);
    if (errno || *end || !*v || n < min || n > max)
        return err_set(err, ERR_INVALID, "invalid_field", name, "选项 --%s 应为 %lld 到 %lld 的整数",
                       name, (long long)min, (long long)max);
    *out = n;
    return ERR_OK;
}

static err_kind opt_date(const cli_opts *o, const char *name, date_days *out, err_detail *err) {
    const char *v = cli_opt(o, name);
    return v ? date_parse(v, name, out, err) : ERR_OK;
}

static err_kind need(const cli_opts *o, const char *name, const char **out, err_detail *err) {
    *out = cli_opt(o, name);
    return *out ? ERR_OK : err_set(err, ERR_INVALID, "missing_field", name, "缺少 --%s", name);
}

/* The person named by --person-id or --id-number. */
static err_kind opt_person(cli_env *env, const cli_opts *o, int64_t *id, err_detail *err) {
    err_kind k = opt_int(o, "person-id", 1, INT64_MAX, id, err);
    if (k || *id) return k;
    const char *number;
    k = need(o, "id-number", &number, err);
    return k ? k : reg_person_find(&env->ctx, number, id, err);
}

static err_kind opt_unit(cli_env *env, const cli_opts *o, int64_t *id, err_detail *err) {
    const char *code;
    err_kind k = need(o, "unit", &code, err);
    return k ? k : flex_unit_find(&env->ctx, code, id, err);
}

/* "pension,medical" into a bit set of insurances. */
static err_kind opt_insurances(const cli_opts *o, unsigned *set, err_detail *err) {
    const char *list;
    err_kind k = need(o, "insurances", &list, err);
    if (k) return k;
    json_t *arr = json_array();
    const char *p = list;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        json_array_append_new(arr, json_stringn(p, n));
        p += n + (comma ? 1 : 0);
    }
    k = reg_insurances_parse(arr, "insurances", set, err);
    json_decref(arr);
    return k;
}

static err_kind do_register(cli_env *env, const cli_opts *o, json_t **out, err_detail *err) {
    flex_register_in in = {0};
    int64_t tier = 0;
    err_kind k = opt_person(env, o, &in.person_id, err);
    if (!k) k = need(o, "package", &in.package, err);
    if (!k && !cli_opt(o, "tier")) k = err_set(err, ERR_INVALID, "missing_field", "tier", "缺少 --tier");
    if (!k) k = opt_int(o, "tier", 1, 99, &tier, err);
    if (!k && !opt_bool(o, "female-cadre-age", &in.female_cadre_age, err)) k = ERR_INVALID;
    if (!k && !opt_bool(o, "lives-in-park", &in.lives_in_park, err)) k = ERR_INVALID;
    in.tier = (int)tier;
    return k ? k : flex_register(&env->ctx, &in, out, err);
}

static err_kind do_tier(cli_env *env, const cli_opts *o, json_t **out, err_detail *err) {
    flex_tier_in in = {.insurance = cli_opt(o, "insurance"), .package = cli_opt(o, "package")};
    int64_t tier = 0;
    err_kind k = opt_person(env, o, &in.person_id, err);
    if (!k && !cli_opt(o, "tier")) k = err_set(err, ERR_INVALID, "missing_field", "tier", "缺少 --tier");
    if (!k) k = opt_int(o, "tier", 1, 99, &tier, err);
    in.tier = (int)tier;
    return k ? k : flex_tier_change(&env->ctx, &in, out, err);
}

static err_kind do_status(cli_env *env, const cli_opts *o, bool resume, json_t **out, err_detail *err) {
    int64_t id = 0;
    unsigned set = 0;
    err_kind k = opt_person(env, o, &id, err);
    if (!k) k = opt_insurances(o, &set, err);
    if (k) return k;
    return resume ? flex_resume(&env->ctx, id, set, out, err) : flex_suspend(&env->ctx, id, set, out, err);
}

static err_kind do_show(cli_env *env, const cli_opts *o, json_t **out, err_detail *err) {
    int64_t id = 0;
    err_kind k = opt_person(env, o, &id, err);
    return k ? k : flex_status(&env->ctx, id, out, err);
}

static err_kind do_resident_pension(cli_env *env, const cli_opts *o, json_t **out, err_detail *err) {
    int64_t id = 0;
    err_kind k = opt_person(env, o, &id, err);
    return k ? k : resident_pension_enrol(&env->ctx, id, out, err);
}

static err_kind do_resident_medical(cli_env *env, const cli_opts *o, json_t **out, err_detail *err) {
    resident_medical_in in = {.school = cli_opt(o, "school")};
    err_kind k = opt_person(env, o, &in.person_id, err);
    if (!k) k = need(o, "category", &in.category, err);
    if (!k && !opt_bool(o, "lives-in-park", &in.lives_in_park, err)) k = ERR_INVALID;
    return k ? k : resident_medical_enrol(&env->ctx, &in, out, err);
}

static err_kind injury_person(const cli_opts *o, reg_person_new *np, err_detail *err) {
    const char *kind = cli_opt(o, "id-kind");
    np->id_number = cli_opt(o, "id-number");
    np->name = cli_opt(o, "name");
    np->sex = cli_opt(o, "sex");
    np->hukou_kind = cli_opt(o, "hukou-kind");
    np->mobile = cli_opt(o, "mobile");
    err_kind k = kind ? idno_kind_parse(kind, &np->id_kind, err) : ERR_OK;
    if (!k) k = opt_date(o, "birth-date", &np->birth_date, err);
    return k;
}

static err_kind do_injury_only(cli_env *env, const cli_opts *o, json_t **out, err_detail *err) {
    injury_only_in in = {.kind = cli_opt(o, "kind"), .school = cli_opt(o, "school"),
                         .school_kind = cli_opt(o, "school-kind"), .hours_per_day_x10 = -1,
                         .hours_per_week_x10 = -1};
    err_kind k = opt_unit(env, o, &in.unit_id, err);
    if (!k) k = opt_int(o, "person-id", 1, INT64_MAX, &in.person_id, err);
    if (!k) k = injury_person(o, &in.person, err);
    if (!k) k = opt_date(o, "start-date", &in.start_date, err);
    if (!k) k = opt_date(o, "end-date", &in.end_date, err);
    if (!k) k = opt_int(o, "hours-per-day-x10", 0, 240, &in.hours_per_day_x10, err);
    if (!k) k = opt_int(o, "hours-per-week-x10", 0, 1680, &in.hours_per_week_x10, err);
    return k ? k : injury_only_enrol(&env->ctx, &in, out, err);
}

static err_kind read_roster(const char *path, json_t **out, err_detail *err) {
    json_error_t je;
    json_t *v = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!v)
        return err_set(err, ERR_INVALID, "invalid_file", "file", "花名册文件 %.200s 无法读取或不是 JSON：%.100s",
                       path, je.text);
    json_t *arr = json_is_object(v) ? json_incref(json_object_get(v, "workers")) : json_incref(v);
    json_decref(v);
    if (!json_is_array(arr)) {
        json_decref(arr);
        return err_set(err, ERR_INVALID, "invalid_file", "file", "花名册应为 JSON 数组（或含 workers 数组的对象）");
    }
    *out = arr;
    return ERR_OK;
}

static err_kind do_project(cli_env *env, const cli_opts *o, json_t **out, err_detail *err) {
    const char *sub = o->word_count > 1 ? o->words[1] : "";
    int64_t project = 0;
    if (!strcmp(sub, "create")) {
        project_in in = {.name = cli_opt(o, "name"), .contract_no = cli_opt(o, "contract-no")};
        err_kind k = opt_unit(env, o, &in.unit_id, err);
        if (!k) k = opt_date(o, "start-date", &in.start_date, err);
        if (!k) k = opt_date(o, "end-date", &in.end_date, err);
        return k ? k : project_create(&env->ctx, &in, out, err);
    }
    if (strcmp(sub, "workers") != 0 && strcmp(sub, "show") != 0)
        return err_set(err, ERR_INVALID, "invalid_subcommand", NULL, "sipf flex project 的子命令应为 create、workers 或 show");
    if (!cli_opt(o, "project")) return err_set(err, ERR_INVALID, "missing_field", "project", "缺少 --project");
    err_kind k = opt_int(o, "project", 1, INT64_MAX, &project, err);
    if (k) return k;
    if (!strcmp(sub, "show")) return project_get(&env->ctx, 0, project, out, err);
    const char *file;
    json_t *roster = NULL;
    k = need(o, "file", &file, err);
    if (!k) k = read_roster(file, &roster, err);
    if (!k) k = project_add_workers(&env->ctx, 0, project, roster, out, err);
    json_decref(roster);
    return k;
}

typedef struct flex_sub {
    const char *name;
    err_kind (*run)(cli_env *env, const cli_opts *o, json_t **out, err_detail *err);
    const char *done_zh;
} flex_sub;

static err_kind do_suspend(cli_env *env, const cli_opts *o, json_t **out, err_detail *err) {
    return do_status(env, o, false, out, err);
}

static err_kind do_resume(cli_env *env, const cli_opts *o, json_t **out, err_detail *err) {
    return do_status(env, o, true, out, err);
}

static const flex_sub subs[] = {
    {"register", do_register, "灵活就业人员参保登记完成"},
    {"tier", do_tier, "缴费档次已变更"},
    {"suspend", do_suspend, "已中断参保"},
    {"resume", do_resume, "已恢复参保"},
    {"show", do_show, "灵活就业参保信息"},
    {"resident-pension", do_resident_pension, "城乡居民养老保险参保登记完成"},
    {"resident-medical", do_resident_medical, "城乡居民医疗保险参保登记完成"},
    {"injury-only", do_injury_only, "单险种工伤保险参保登记完成"},
    {"project", do_project, "建设项目"},
};

int cmd_flex(cli_opts *o) {
    static const char *const allowed[] = {"id-number", "person-id", "package", "tier", "insurance",
        "insurances", "female-cadre-age", "lives-in-park", "category", "school", "school-kind",
        "unit", "kind", "id-kind", "name", "sex", "birth-date", "hukou-kind", "mobile",
        "start-date", "end-date", "hours-per-day-x10", "hours-per-week-x10", "contract-no",
        "project", "file", "json", NULL};
    if (!cli_only(o, allowed)) return 2;
    const flex_sub *sub = NULL;
    for (size_t i = 0; o->word_count && i < sizeof subs / sizeof subs[0]; i++)
        if (!strcmp(subs[i].name, o->words[0])) sub = &subs[i];
    if (!sub) {
        fprintf(stderr, "sipf flex: 子命令无效\n%s", flex_usage);
        return 2;
    }
    cli_env env;
    err_detail err = {0};
    if (cli_env_open(o, true, &env, &err)) return cli_fail(&err);
    json_t *out = NULL;
    err_kind k = cli_env_begin(&env, &err);
    if (!k) {
        k = sub->run(&env, o, &out, &err);
        k = cli_env_end(&env, k, &err);
    }
    cli_env_close(&env);
    if (k) {
        json_decref(out);
        return cli_fail(&err);
    }
    if (!cli_opt(o, "json")) printf("%s：\n", sub->done_zh);
    char *text = json_dumps(out, JSON_INDENT(2) | JSON_SORT_KEYS);
    printf("%s\n", text ? text : "{}");
    free(text);
    json_decref(out);
    return 0;
}

/* ---- sipf retirement ---- */

static const char *kind_zh(retirement_kind k) {
    return k == RETIRE_MALE ? "男性（原 60 岁）" : k == RETIRE_FEMALE_55 ? "女性（原 55 岁）" : "女性（原 50 岁）";
}

int cmd_retirement(cli_opts *o) {
    static const char *const allowed[] = {"birth-month", "kind", "json", NULL};
    if (!cli_only(o, allowed)) return 2;
    err_detail err = {0};
    const char *birth_s = cli_opt(o, "birth-month"), *kind_s = cli_opt(o, "kind");
    if (!birth_s) {
        err_set(&err, ERR_INVALID, "missing_field", "birth-month", "缺少 --birth-month YYYY-MM");
        return cli_fail(&err);
    }
    if (!kind_s) {
        err_set(&err, ERR_INVALID, "missing_field", "kind", "缺少 --kind male|female50|female55");
        return cli_fail(&err);
    }
    month_ym birth;
    retirement_kind kind;
    retirement_result r;
    policy *pol = NULL;
    err_kind k = month_parse(birth_s, "birth-month", &birth, &err);
    if (!k) k = retirement_kind_parse(kind_s, &kind, &err);
    if (!k) k = policy_load_dir(o->policy_dir, &pol, &err);
    if (!k) k = retirement_compute(pol, o->as_of ? o->as_of : clock_today(), kind, birth, &r, &err);
    policy_destroy(pol);
    if (k) return cli_fail(&err);
    char b[MONTH_STR_BYTES], m[MONTH_STR_BYTES];
    month_format(birth, b);
    month_format(r.retirement_month, m);
    if (cli_opt(o, "json"))
        printf("{\"kind\":\"%s\",\"birth_month\":\"%s\",\"delay_months\":%d,\"age_years\":%d,"
               "\"age_months\":%d,\"retirement_month\":\"%s\",\"min_contribution_months\":%d}\n",
               retirement_kind_name(kind), b, r.delay_months, r.age_years, r.age_months, m,
               r.min_contribution_months);
    else
        printf("%s，%s 出生：延迟 %d 个月，法定退休年龄 %d 岁 %d 个月，%s 退休；"
               "按月领取养老金最低缴费 %d 个月\n", kind_zh(kind), b, r.delay_months, r.age_years,
               r.age_months, m, r.min_contribution_months);
    return 0;
}
