/* `sipf person ...`: the counter's person operations from the command line,
 * acting as the center (ROLE_SYSTEM), through svc/registry_person.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonx.h"
#include "base/limits.h"
#include "cli/cli.h"
#include "svc/application.h"
#include "svc/registry_person.h"

typedef err_kind (*sub_fn)(cli_env *env, const cli_opts *o, json_t **out, err_detail *err);

static void print_json(const json_t *j) {
    char *s = json_dumps(j, JSON_INDENT(2));
    puts(s ? s : "null");
    free(s);
}

static err_kind opt_int(const cli_opts *o, const char *name, int64_t *out, err_detail *err) {
    const char *v = cli_opt(o, name);
    if (!v) return ERR_OK;
    char *end;
    long long n = strtoll(v, &end, 10);
    if (*end || n <= 0)
        return err_set(err, ERR_INVALID, "invalid_field", name, "--%s 应为正整数：%s", name, v);
    *out = n;
    return ERR_OK;
}

/* --id, or the person an --id-number (current or former) belongs to. */
static err_kind which_person(cli_env *env, const cli_opts *o, int64_t *out, err_detail *err) {
    int64_t id = 0;
    err_kind k = opt_int(o, "id", &id, err);
    if (k) return k;
    if (id > 0) { *out = id; return ERR_OK; }
    const char *n = cli_opt(o, "id-number");
    if (!n) return err_set(err, ERR_INVALID, "missing_field", "id", "请指定 --id 或 --id-number");
    return reg_person_find(&env->ctx, n, out, err);
}

static err_kind sub_register(cli_env *env, const cli_opts *o, json_t **out, err_detail *err) {
    reg_person_new in = {.id_number = cli_opt(o, "id-number"), .name = cli_opt(o, "name"),
                         .sex = cli_opt(o, "sex"), .nationality = cli_opt(o, "nationality"),
                         .hukou_kind = cli_opt(o, "hukou"), .mobile = cli_opt(o, "mobile"),
                         .email = cli_opt(o, "email"), .address = cli_opt(o, "address")};
    const char *kind = cli_opt(o, "id-kind"), *birth = cli_opt(o, "birth-date");
    err_kind k = kind ? idno_kind_parse(kind, &in.id_kind, err) : ERR_OK;
    if (!k && birth) k = date_parse(birth, "birth-date", &in.birth_date, err);
    if (!k && !in.name) k = err_set(err, ERR_INVALID, "missing_field", "name", "缺少 --name");
    int64_t id = 0;
    if (!k) k = reg_person_register(&env->ctx, &in, &id, err);
    if (!k) k = reg_person_read(&env->ctx, id, out, err);
    return k;
}

static err_kind sub_show(cli_env *env, const cli_opts *o, json_t **out, err_detail *err) {
    int64_t id = 0;
    err_kind k = which_person(env, o, &id, err);
    return k ? k : reg_person_read(&env->ctx, id, out, err);
}

static err_kind sub_find(cli_env *env, const cli_opts *o, json_t **out, err_detail *err) {
    int64_t limit = 200;
    err_kind k = opt_int(o, "limit", &limit, err);
    if (k) return k;
    reg_person_query q = {.id_number = cli_opt(o, "id-number"), .name = cli_opt(o, "name"),
                          .si_number = cli_opt(o, "si-number"),
                          .park_number = cli_opt(o, "park-number"),
                          .limit = limit > LIMIT_QUERY_ROWS_MAX ? LIMIT_QUERY_ROWS_MAX + 1 : (int)limit};
    return reg_person_search(&env->ctx, &q, out, err);
}

static err_kind sub_update(cli_env *env, const cli_opts *o, json_t **out, err_detail *err) {
    int64_t id = 0;
    int changed = 0;
    reg_person_update in = {.mobile = cli_opt(o, "mobile"), .email = cli_opt(o, "email"),
                            .address = cli_opt(o, "address"), .hukou_kind = cli_opt(o, "hukou")};
    err_kind k = which_person(env, o, &id, err);
    if (!k) k = reg_person_update_contacts(&env->ctx, id, &in, &changed, err);
    if (!k) k = reg_person_read(&env->ctx, id, out, err);
    if (!k) json_object_set_new(*out, "changed_fields", json_integer(changed));
    return k;
}

/* The center decides at once: accept (when still submitted), approve or
 * refuse, and complete an approval. */
static err_kind key_change_decide(cli_env *env, const cli_opts *o, int64_t app, json_t **out,
                                  err_detail *err) {
    const char *d = cli_opt(o, "decide"), *note = cli_opt(o, "note");
    bool approve = d && strcmp(d, "approve") == 0;
    if (!d || (!approve && strcmp(d, "refuse") != 0))
        return err_set(err, ERR_INVALID, "invalid_value", "decide", "--decide 应为 approve 或 refuse");
    json_t *rec = NULL;
    err_kind k = application_get(&env->ctx, app, &rec, err);
    const char *state = k ? "" : json_string_value(json_object_get(rec, "state"));
    if (!k && strcmp(state, "submitted") == 0) k = application_accept(&env->ctx, app, note, err);
    json_decref(rec);
    if (!k) k = application_decide(&env->ctx, app, approve, note, err);
    if (!k && approve) k = application_complete(&env->ctx, app, note, err);
    if (!k) k = application_get(&env->ctx, app, out, err);
    return k;
}

static err_kind sub_key_change(cli_env *env, const cli_opts *o, json_t **out, err_detail *err) {
    int64_t app = 0, id = 0, unit = 0, app_id = 0;
    err_kind k = opt_int(o, "application", &app, err);
    if (!k && app > 0) return key_change_decide(env, o, app, out, err);
    if (!k) k = opt_int(o, "unit-id", &unit, err);
    if (!k) k = which_person(env, o, &id, err);
    if (k) return k;
    json_t *changes = json_object();
    const char *const map[][2] = {{"new-name", "name"}, {"new-id-number", "id_number"},
                                  {"new-id-kind", "id_kind"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (cli_opt(o, map[i][0])) json_object_set_new(changes, map[i][1], json_string(cli_opt(o, map[i][0])));
    json_t *body = json_pack("{s:o}", "changes", changes);
    if (cli_opt(o, "reason")) json_object_set_new(body, "reason", json_string(cli_opt(o, "reason")));
    if (cli_opt(o, "proof")) json_object_set_new(body, "proof", json_string(cli_opt(o, "proof")));
    k = reg_person_key_change_submit(&env->ctx, id, unit, body, &app_id, err);
    json_decref(body);
    if (!k) k = application_get(&env->ctx, app_id, out, err);
    return k;
}

static err_kind sub_history(cli_env *env, const cli_opts *o, json_t **out, err_detail *err) {
    int64_t id = 0;
    err_kind k = which_person(env, o, &id, err);
    return k ? k : reg_person_history(&env->ctx, id, out, err);
}

static err_kind sub_certificate(cli_env *env, const cli_opts *o, json_t **out, err_detail *err) {
    int64_t id = 0;
    err_kind k = which_person(env, o, &id, err);
    return k ? k : reg_person_certificate(&env->ctx, id, out, err);
}

static err_kind sub_non_insured(cli_env *env, const cli_opts *o, json_t **out, err_detail *err) {
    idno_kind kind = IDNO_RESIDENT;
    const char *ks = cli_opt(o, "id-kind"), *number = cli_opt(o, "id-number");
    if (!number) return err_set(err, ERR_INVALID, "missing_field", "id-number", "缺少 --id-number");
    err_kind k = ks ? idno_kind_parse(ks, &kind, err) : ERR_OK;
    return k ? k : reg_person_non_insured_proof(&env->ctx, 0, kind, number, cli_opt(o, "name"),
                                                out, err);
}

/* ---- text output ---- */

static const char *text_of(const json_t *o, const char *key) {
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : "-";
}

static void print_person(const json_t *p) {
    printf("参保人 %lld：%s（%s %s）\n", (long long)json_integer_value(json_object_get(p, "id")),
           text_of(p, "name"), text_of(p, "id_kind_zh"), text_of(p, "id_number"));
    printf("  社会保障号 %s  园区编号 %s\n", text_of(p, "si_number"), text_of(p, "park_number"));
    printf("  性别 %s  出生日期 %s  国籍 %s  户籍 %s\n", text_of(p, "sex"), text_of(p, "birth_date"),
           text_of(p, "nationality"), text_of(p, "hukou_kind_zh"));
    printf("  手机 %s  邮箱 %s  地址 %s\n", text_of(p, "mobile"), text_of(p, "email"),
           text_of(p, "address"));
}

static void print_certificate(const json_t *c) {
    printf("参保证明：%s（%s %s）社会保障号 %s，截至 %s\n", text_of(c, "name"), text_of(c, "id_kind_zh"),
           text_of(c, "id_number_masked"), text_of(c, "si_number"), text_of(c, "as_of"));
    size_t i;
    const json_t *l;
    json_array_foreach(json_object_get(c, "insurances"), i, l) {
        printf("  %-10s %-8s %-30s 首次参保 %-8s 累计 %lld 个月\n", text_of(l, "insurance_zh"),
               text_of(l, "status_zh"), text_of(l, "unit_name"), text_of(l, "first_month"),
               (long long)json_integer_value(json_object_get(l, "months")));
    }
}

static void print_text(const char *sub, const json_t *out) {
    if (!strcmp(sub, "register") || !strcmp(sub, "show") || !strcmp(sub, "update")) {
        print_person(out);
    } else if (!strcmp(sub, "find")) {
        size_t i;
        const json_t *p;
        json_array_foreach(json_object_get(out, "items"), i, p) print_person(p);
        printf("共 %lld 人%s\n", (long long)json_integer_value(json_object_get(out, "count")),
               json_is_true(json_object_get(out, "truncated")) ? "（还有更多，请缩小条件）" : "");
    } else if (!strcmp(sub, "key-change")) {
        printf("办件 %lld：%s，状态 %s，办结期限 %s\n",
               (long long)json_integer_value(json_object_get(out, "id")), text_of(out, "item_name"),
               text_of(out, "state_zh"), text_of(out, "deadline_on"));
        printf("提示：姓名或证件号码变更获批后，请办理人员基础信息变更换卡（%s）。\n", REG_CARD_REISSUE_ITEM);
    } else if (!strcmp(sub, "certificate")) {
        print_certificate(out);
    } else if (!strcmp(sub, "non-insured-proof")) {
        printf("未参保证明：%s（%s %s），截至 %s 无参保记录\n", text_of(out, "name"),
               text_of(out, "id_kind_zh"), text_of(out, "id_number_masked"), text_of(out, "as_of"));
    } else {
        print_json(out);
    }
}

static const struct { const char *name; sub_fn fn; } subs[] = {
    {"register", sub_register}, {"show", sub_show}, {"find", sub_find},
    {"update", sub_update}, {"key-change", sub_key_change}, {"history", sub_history},
    {"certificate", sub_certificate}, {"non-insured-proof", sub_non_insured},
};

int cmd_person(cli_opts *o) {
    static const char *const allowed[] = {
        "id", "id-number", "id-kind", "name", "sex", "birth-date", "nationality", "hukou",
        "mobile", "email", "address", "si-number", "park-number", "limit", "reason", "proof",
        "new-name", "new-id-number", "new-id-kind", "unit-id", "application", "decide", "note",
        "json", NULL};
    if (!cli_only(o, allowed)) return 2;
    const char *sub = o->word_count ? o->words[0] : "";
    sub_fn fn = NULL;
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (strcmp(subs[i].name, sub) == 0) fn = subs[i].fn;
    if (!fn) {
        fprintf(stderr, "sipf person: 子命令无效：%s（sipf person --help 列出全部子命令）\n", sub);
        return 2;
    }
    cli_env env;
    err_detail err = {0};
    if (cli_env_open(o, true, &env, &err)) return cli_fail(&err);
    json_t *out = NULL;
    err_kind k = cli_env_begin(&env, &err);
    if (!k) {
        k = fn(&env, o, &out, &err);
        k = cli_env_end(&env, k, &err);
    }
    cli_env_close(&env);
    if (!k) {
        if (cli_opt(o, "json")) print_json(out);
        else print_text(sub, out);
    }
    json_decref(out);
    return k ? cli_fail(&err) : 0;
}
