/* svc/registry_unit: registration at its edges (credit code, duplicates,
 * industry classes 0/1/8/9), non-key and key changes (through an application
 * to its approval), online payment prerequisites, district change,
 * cancellation with and without employees, visibility and the queries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "base/idno.h"
#include "svc/application.h"
#include "svc/registry.h"
#include "svc/registry_unit.h"

/* A valid unified social credit code around an 8-character organisation code:
 * the GB 11714 check character is found by trying each, as only the right
 * one passes uscc_check. */
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

static void act(tu_env *e, svc_role role, int64_t unit_id) {
    e->ctx.actor.role = role;
    e->ctx.actor.unit_id = unit_id;
    e->ctx.actor.person_id = 0;
}

static reg_unit_new sample(const char *code) {
    reg_unit_new in = {.code = code, .name = "苏州工业园区测试科技有限公司", .unit_type = "enterprise",
                       .industry_class = 3, .address = "苏州工业园区星湖街 328 号",
                       .contact_name = "王经理", .contact_phone = "0512-62880000"};
    return in;
}

static int64_t register_ok(tu_env *e, const reg_unit_new *in) {
    err_detail err = {0};
    int64_t id = 0;
    if (reg_unit_register(&e->ctx, in, &id, &err)) fail_msg("register: %s (%s)", err.message, err.code);
    assert_true(id > 0);
    return id;
}

static int64_t register_code(tu_env *e, const char *org8) {
    char code[19];
    make_code(org8, code);
    reg_unit_new in = sample(code);
    return register_ok(e, &in);
}

static bool has_rule(const err_detail *err, const char *code, const char *data) {
    for (int i = 0; i < err->rule_count; i++)
        if (strcmp(err->rules[i].code, code) == 0 && (!data || strstr(err->rules[i].data_json, data)))
            return true;
    return false;
}

static reg_unit get(tu_env *e, int64_t id) {
    reg_unit u;
    err_detail err = {0};
    assert_int_equal(reg_unit_get(&e->ctx, id, &u, &err), ERR_OK);
    return u;
}

/* ---- registration ---- */

static void registers_with_defaults(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-03-10");
    char code[19];
    make_code("MA1T2U3W", code);
    reg_unit_new in = sample(code);
    int64_t id = register_ok(e, &in);
    reg_unit u = get(e, id);
    assert_string_equal(u.code, code);
    assert_string_equal(u.name, "苏州工业园区测试科技有限公司");
    assert_string_equal(u.unit_type, "enterprise");
    assert_int_equal(u.industry_class, 3);
    assert_string_equal(u.category, "sip_a");
    assert_string_equal(u.district, "园区");
    assert_string_equal(u.status, "active");
    assert_string_equal(u.registered_on, "2026-03-10");
    assert_int_equal(u.collection_agreement, 0);
    assert_string_equal(u.bank_name, "");

    /* government units default to the gov category; a bank makes the agreement */
    char gov[19];
    make_code("MA1T2U3X", gov);
    reg_unit_new g = sample(gov);
    g.unit_type = "government";
    g.bank_name = "中国银行苏州工业园区支行";
    g.bank_account = "4660 0000";   /* spaces are not digits */
    err_detail err = {0};
    int64_t gid = 0;
    assert_int_equal(reg_unit_register(&e->ctx, &g, &gid, &err), ERR_INVALID);
    assert_string_equal(err.code, "invalid_bank_account");
    g.bank_account = "466012345678";
    gid = register_ok(e, &g);
    reg_unit gu = get(e, gid);
    assert_string_equal(gu.category, "gov");
    assert_int_equal(gu.collection_agreement, 1);
    assert_string_equal(gu.bank_account, "466012345678");

    json_t *o = NULL;
    assert_int_equal(reg_unit_json(&e->ctx, gid, &o, &err), ERR_OK);
    assert_string_equal(json_string_value(json_object_get(o, "unit_type_zh")), "机关事业单位");
    assert_string_equal(json_string_value(json_object_get(o, "category_zh")), "机关事业单位");
    assert_int_equal(json_integer_value(json_object_get(o, "injury_rate_bp")), 70);   /* class 3 */
    assert_true(json_is_true(json_object_get(o, "collection_agreement")));
    json_decref(o);
    tu_env_close(e);
}

static void credit_code_checked(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-03-10");
    char code[19];
    make_code("MA1T2U3Y", code);
    char bad[19];
    memcpy(bad, code, 19);
    bad[17] = bad[17] == 'A' ? 'B' : 'A';
    reg_unit_new in = sample(bad);
    err_detail err = {0};
    int64_t id = 0;
    assert_int_equal(reg_unit_register(&e->ctx, &in, &id, &err), ERR_INVALID);
    assert_string_equal(err.code, "uscc_check_char");
    assert_string_equal(err.field, "code");
    assert_int_equal(id, 0);

    in.code = "91320594MA1T2U3";   /* 15 characters */
    err_clear(&err);
    assert_int_equal(reg_unit_register(&e->ctx, &in, &id, &err), ERR_INVALID);
    assert_string_equal(err.code, "uscc_length");

    /* the right one, then again (also in lower case): a duplicate */
    in.code = code;
    register_ok(e, &in);
    char lower[19];
    for (int i = 0; i < 19; i++) lower[i] = (code[i] >= 'A' && code[i] <= 'Z') ? (char)(code[i] + 32) : code[i];
    in.code = lower;
    err_clear(&err);
    assert_int_equal(reg_unit_register(&e->ctx, &in, &id, &err), ERR_CONFLICT);
    assert_string_equal(err.code, "unit_exists");
    tu_env_close(e);
}

static void industry_class_edges(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-03-10");
    const json_t *rates;
    err_detail err = {0};
    assert_int_equal(policy_get_json(e->pol, "injury.class_rates_bp", e->ctx.business_date, &rates, &err), ERR_OK);
    assert_int_equal(json_array_size(rates), 8);   /* the bound the rule reads */
    static const struct { const char *org8; int64_t cls; err_kind want; } cases[] = {
        {"MA1T2U40", 0, ERR_INVALID}, {"MA1T2U41", 1, ERR_OK},
        {"MA1T2U42", 8, ERR_OK},      {"MA1T2U43", 9, ERR_INVALID},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char code[19];
        make_code(cases[i].org8, code);
        reg_unit_new in = sample(code);
        in.industry_class = cases[i].cls;
        int64_t id = 0;
        err_clear(&err);
        assert_int_equal(reg_unit_register(&e->ctx, &in, &id, &err), cases[i].want);
        if (cases[i].want) {
            assert_string_equal(err.code, "industry_class_out_of_range");
            assert_string_equal(err.field, "industry_class");
        } else {
            assert_int_equal(get(e, id).industry_class, cases[i].cls);
        }
    }
    tu_env_close(e);
}

static void registration_input_and_roles(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-03-10");
    char code[19];
    make_code("MA1T2U44", code);
    reg_unit_new in = sample(code);
    err_detail err = {0};
    int64_t id = 0;
    in.unit_type = "company";
    assert_int_equal(reg_unit_register(&e->ctx, &in, &id, &err), ERR_INVALID);
    assert_string_equal(err.code, "invalid_unit_type");
    in.unit_type = "social_org";
    in.category = "flexible";   /* paid by the person: not a unit's */
    err_clear(&err);
    assert_int_equal(reg_unit_register(&e->ctx, &in, &id, &err), ERR_INVALID);
    assert_string_equal(err.code, "invalid_category");
    in.category = "nonesuch";
    err_clear(&err);
    assert_int_equal(reg_unit_register(&e->ctx, &in, &id, &err), ERR_INVALID);
    assert_string_equal(err.code, "invalid_category");
    in.category = "sip_b";
    in.contact_phone = "12345";   /* 5 digits */
    err_clear(&err);
    assert_int_equal(reg_unit_register(&e->ctx, &in, &id, &err), ERR_INVALID);
    assert_string_equal(err.code, "invalid_phone");
    in.contact_phone = "13800138000";
    in.bank_name = "工商银行";
    err_clear(&err);
    assert_int_equal(reg_unit_register(&e->ctx, &in, &id, &err), ERR_INVALID);
    assert_string_equal(err.code, "bank_incomplete");
    in.bank_name = NULL;
    in.address = "  ";
    err_clear(&err);
    assert_int_equal(reg_unit_register(&e->ctx, &in, &id, &err), ERR_INVALID);
    assert_string_equal(err.code, "missing_field");
    assert_string_equal(err.field, "address");
    in.address = "星湖街 1 号";

    act(e, ROLE_UNIT, 0);
    err_clear(&err);
    assert_int_equal(reg_unit_register(&e->ctx, &in, &id, &err), ERR_FORBIDDEN);
    act(e, ROLE_REVIEWER, 0);
    assert_int_equal(reg_unit_register(&e->ctx, &in, &id, &err), ERR_FORBIDDEN);
    act(e, ROLE_SYSTEM, 0);
    id = register_ok(e, &in);
    assert_string_equal(get(e, id).category, "sip_b");
    tu_env_close(e);
}

/* ---- online payment ---- */

static void online_payment_needs_both(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-03-10");
    int64_t id = register_code(e, "MA1T2U45");
    tu_env_commit(e);
    act(e, ROLE_UNIT, id);
    err_detail err = {0};
    assert_int_equal(reg_unit_online_payment(&e->ctx, id, &err), ERR_RULE);
    assert_int_equal(err.rule_count, 2);
    assert_true(has_rule(&err, "certificate_missing", NULL));
    assert_true(has_rule(&err, "collection_agreement_missing", NULL));
    tu_env_rollback(e);

    /* the unit may not issue its own certificate; the counter does */
    err_clear(&err);
    assert_int_equal(reg_unit_certificate_issue(&e->ctx, id, &err), ERR_FORBIDDEN);
    act(e, ROLE_CLERK, 0);
    assert_int_equal(reg_unit_certificate_issue(&e->ctx, id, &err), ERR_OK);
    assert_int_equal(reg_unit_certificate_issue(&e->ctx, id, &err), ERR_CONFLICT);
    assert_string_equal(err.code, "certificate_exists");
    tu_env_commit(e);

    act(e, ROLE_UNIT, id);
    err_clear(&err);
    assert_int_equal(reg_unit_online_payment(&e->ctx, id, &err), ERR_RULE);
    assert_int_equal(err.rule_count, 1);
    assert_string_equal(err.rules[0].code, "collection_agreement_missing");
    tu_env_rollback(e);

    /* the unit signs the agreement itself, then is granted at once */
    err_clear(&err);
    assert_int_equal(reg_unit_collection_agreement(&e->ctx, id, "招商银行苏州分行", "512900001234", &err), ERR_OK);
    assert_int_equal(reg_unit_collection_agreement(&e->ctx, id, "招商银行苏州分行", "512900001234", &err),
                     ERR_CONFLICT);
    assert_string_equal(err.code, "agreement_unchanged");
    err_clear(&err);
    assert_int_equal(reg_unit_online_payment(&e->ctx, id, &err), ERR_OK);
    reg_unit u = get(e, id);
    assert_int_equal(u.online_payment, 1);
    assert_int_equal(u.has_certificate, 1);
    assert_int_equal(u.collection_agreement, 1);
    assert_int_equal(reg_unit_online_payment(&e->ctx, id, &err), ERR_CONFLICT);
    assert_string_equal(err.code, "online_payment_granted");

    /* another unit's operator: not found */
    int64_t other = 0;
    act(e, ROLE_CLERK, 0);
    other = register_code(e, "MA1T2U46");
    act(e, ROLE_UNIT, id);
    err_clear(&err);
    assert_int_equal(reg_unit_online_payment(&e->ctx, other, &err), ERR_NOT_FOUND);
    tu_env_close(e);
}

/* ---- non-key and key changes ---- */

static void patch_non_key_at_once(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-03-10");
    int64_t id = register_code(e, "MA1T2U47");
    act(e, ROLE_UNIT, id);
    e->ctx.actor.user_id = 0;
    json_t *ch = json_pack("{s:s, s:s}", "address", "苏州工业园区金鸡湖大道 88 号", "contact_phone", "13912345678");
    err_detail err = {0};
    int changed = 0;
    assert_int_equal(reg_unit_update(&e->ctx, id, ch, &changed, &err), ERR_OK);
    assert_int_equal(changed, 2);
    json_decref(ch);
    reg_unit u = get(e, id);
    assert_string_equal(u.address, "苏州工业园区金鸡湖大道 88 号");
    assert_string_equal(u.contact_phone, "13912345678");

    json_t *hist = NULL;
    assert_int_equal(reg_unit_changes_json(&e->ctx, id, &hist, &err), ERR_OK);
    /* newest first: two field rows, then the registration */
    assert_int_equal(json_array_size(hist), 3);
    json_t *h0 = json_array_get(hist, 0), *h1 = json_array_get(hist, 1);
    assert_string_equal(json_string_value(json_object_get(h1, "field")), "address");
    assert_string_equal(json_string_value(json_object_get(h1, "old_value")), "苏州工业园区星湖街 328 号");
    assert_string_equal(json_string_value(json_object_get(h1, "new_value")), "苏州工业园区金鸡湖大道 88 号");
    assert_string_equal(json_string_value(json_object_get(h0, "field")), "contact_phone");
    assert_string_equal(json_string_value(json_object_get(h0, "old_value")), "0512-62880000");
    assert_true(json_is_null(json_object_get(h0, "application_id")));
    assert_string_equal(json_string_value(json_object_get(h0, "changed_on")), "2026-03-10");
    json_decref(hist);

    /* key fields, the code, the district, a flag and an unknown name: every one listed */
    ch = json_pack("{s:s, s:i, s:s, s:s, s:i, s:s, s:s}", "name", "新名称有限公司", "industry_class", 2,
                   "code", "91320594MA1T2U470X", "district", "湖西", "online_payment", 1, "colour", "red",
                   "address", "不会写入");
    err_clear(&err);
    assert_int_equal(reg_unit_update(&e->ctx, id, ch, &changed, &err), ERR_RULE);
    assert_int_equal(err.rule_count, 6);
    assert_true(has_rule(&err, "key_field_needs_application", "\"name\""));
    assert_true(has_rule(&err, "key_field_needs_application", "\"industry_class\""));
    assert_true(has_rule(&err, "code_immutable", NULL));
    assert_true(has_rule(&err, "use_district_change", NULL));
    assert_true(has_rule(&err, "field_not_changeable", NULL));
    assert_true(has_rule(&err, "unknown_field", NULL));
    for (int i = 0; i < err.rule_count; i++)
        if (strcmp(err.rules[i].code, "key_field_needs_application") == 0)
            assert_non_null(strstr(err.rules[i].message, "unit.update"));
    json_decref(ch);
    assert_string_equal(get(e, id).address, "苏州工业园区金鸡湖大道 88 号");

    /* a bad value is bad input */
    ch = json_pack("{s:s}", "contact_email", "not-an-email");
    err_clear(&err);
    assert_int_equal(reg_unit_update(&e->ctx, id, ch, &changed, &err), ERR_INVALID);
    assert_string_equal(err.code, "invalid_email");
    json_decref(ch);
    ch = json_pack("{s:i}", "address", 5);
    err_clear(&err);
    assert_int_equal(reg_unit_update(&e->ctx, id, ch, &changed, &err), ERR_INVALID);
    assert_string_equal(err.field, "address");
    json_decref(ch);
    tu_env_close(e);
}

static json_t *key_payload(const char *name, int industry, const char *reason) {
    json_t *p = json_pack("{s:{s:s, s:i}}", "changes", "name", name, "industry_class", industry);
    if (reason) json_object_set_new(p, "reason", json_string(reason));
    return p;
}

static void key_change_check_lists_every_field(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-03-10");
    int64_t id = register_code(e, "MA1T2U48");
    json_t *p = json_pack("{s:{s:s, s:s, s:i, s:s, s:s, s:s}}", "changes", "name", "", "unit_type", "bogus",
                          "industry_class", 9, "code", "X", "address", "新地址", "category", "sip_a");
    err_detail err = {0};
    assert_int_equal(reg_unit_key_change_check(&e->ctx, p, 0, id, &err), ERR_RULE);
    assert_int_equal(err.rule_count, 7);
    assert_true(has_rule(&err, "missing_field", "\"name\""));
    assert_true(has_rule(&err, "invalid_unit_type", NULL));
    assert_true(has_rule(&err, "industry_class_out_of_range", "\"max\":8"));
    assert_true(has_rule(&err, "code_immutable", NULL));
    assert_true(has_rule(&err, "not_key_field", "\"address\""));
    assert_true(has_rule(&err, "unchanged", "\"category\""));
    assert_true(has_rule(&err, "reason_missing", NULL));
    json_decref(p);

    p = json_object();
    err_clear(&err);
    assert_int_equal(reg_unit_key_change_check(&e->ctx, p, 0, id, &err), ERR_RULE);
    assert_true(has_rule(&err, "changes_missing", NULL));
    assert_true(has_rule(&err, "reason_missing", NULL));
    json_decref(p);

    p = key_payload("合法的新名称有限公司", 8, "营业执照名称变更");
    err_clear(&err);
    assert_int_equal(reg_unit_key_change_check(&e->ctx, p, 0, id, &err), ERR_OK);
    json_decref(p);
    tu_env_close(e);
}

static void key_change_through_application(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-03-10");
    int64_t id = register_code(e, "MA1T2U49");
    tu_env_commit(e);
    act(e, ROLE_UNIT, id);
    json_t *changes = json_pack("{s:s, s:s, s:i}", "name", "苏州工业园区更名后科技有限公司", "unit_type",
                                "social_org", "industry_class", 8);
    err_detail err = {0};
    int64_t app = 0;
    /* no reason: refused at submission, nothing written */
    assert_int_equal(reg_unit_key_change_submit(&e->ctx, id, changes, NULL, &app, &err), ERR_RULE);
    assert_true(has_rule(&err, "reason_missing", NULL));
    tu_env_rollback(e);
    err_clear(&err);
    assert_int_equal(reg_unit_key_change_submit(&e->ctx, id, changes, "工商登记变更", &app, &err), ERR_OK);
    json_decref(changes);
    assert_true(app > 0);
    assert_string_equal(get(e, id).name, "苏州工业园区测试科技有限公司");   /* not yet */
    tu_env_commit(e);

    act(e, ROLE_CLERK, 0);
    assert_int_equal(application_accept(&e->ctx, app, NULL, &err), ERR_OK);
    act(e, ROLE_REVIEWER, 0);
    assert_int_equal(application_decide(&e->ctx, app, true, "材料齐全", &err), ERR_OK);
    tu_env_commit(e);

    reg_unit u = get(e, id);
    assert_string_equal(u.name, "苏州工业园区更名后科技有限公司");
    assert_string_equal(u.unit_type, "social_org");
    assert_int_equal(u.industry_class, 8);
    json_t *hist = NULL;
    assert_int_equal(reg_unit_changes_json(&e->ctx, id, &hist, &err), ERR_OK);
    int with_app = 0;
    size_t i;
    json_t *h;
    json_array_foreach(hist, i, h) {
        if (json_integer_value(json_object_get(h, "application_id")) != app) continue;
        with_app++;
        assert_string_equal(json_string_value(json_object_get(h, "reason")), "工商登记变更");
        if (strcmp(json_string_value(json_object_get(h, "field")), "industry_class") == 0) {
            assert_string_equal(json_string_value(json_object_get(h, "old_value")), "3");
            assert_string_equal(json_string_value(json_object_get(h, "new_value")), "8");
        }
    }
    assert_int_equal(with_app, 3);
    json_decref(hist);

    json_t *rec = NULL;
    assert_int_equal(application_get(&e->ctx, app, &rec, &err), ERR_OK);
    assert_string_equal(json_string_value(json_object_get(rec, "state")), "approved");
    assert_string_equal(json_string_value(json_object_get(rec, "item_id")), "unit.update");
    json_decref(rec);
    tu_env_close(e);
}

/* Approval checks again: a unit cancelled after submission cannot be changed. */
static void key_change_rechecked_at_approval(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-03-10");
    int64_t id = register_code(e, "MA1T2U4A");
    json_t *changes = json_pack("{s:s}", "name", "又一个新名称有限公司");
    err_detail err = {0};
    int64_t app = 0;
    assert_int_equal(reg_unit_key_change_submit(&e->ctx, id, changes, "更名", &app, &err), ERR_OK);
    json_decref(changes);
    assert_int_equal(application_accept(&e->ctx, app, NULL, &err), ERR_OK);
    assert_int_equal(reg_unit_cancel(&e->ctx, id, "歇业", &err), ERR_OK);
    tu_env_commit(e);
    act(e, ROLE_REVIEWER, 0);
    assert_int_equal(application_decide(&e->ctx, app, true, NULL, &err), ERR_RULE);
    assert_true(has_rule(&err, "unit_cancelled", NULL));
    tu_env_close(e);
}

/* ---- district ---- */

static void district_change_with_history(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-03-10");
    int64_t id = register_code(e, "MA1T2U4B");
    err_detail err = {0};
    assert_int_equal(reg_unit_district_change(&e->ctx, id, "园区", NULL, &err), ERR_RULE);
    assert_string_equal(err.rules[0].code, "same_district");
    err_clear(&err);
    assert_int_equal(reg_unit_district_change(&e->ctx, id, "", NULL, &err), ERR_INVALID);
    err_clear(&err);
    assert_int_equal(reg_unit_district_change(&e->ctx, id, "苏州市区", "注册地迁移", &err), ERR_OK);
    assert_string_equal(get(e, id).district, "苏州市区");
    json_t *hist = NULL;
    assert_int_equal(reg_unit_changes_json(&e->ctx, id, &hist, &err), ERR_OK);
    json_t *h = json_array_get(hist, 0);
    assert_string_equal(json_string_value(json_object_get(h, "field")), "district");
    assert_string_equal(json_string_value(json_object_get(h, "field_zh")), "参保所属地");
    assert_string_equal(json_string_value(json_object_get(h, "old_value")), "园区");
    assert_string_equal(json_string_value(json_object_get(h, "new_value")), "苏州市区");
    assert_string_equal(json_string_value(json_object_get(h, "reason")), "注册地迁移");
    json_decref(hist);
    act(e, ROLE_UNIT, id);
    err_clear(&err);
    assert_int_equal(reg_unit_district_change(&e->ctx, id, "园区", NULL, &err), ERR_FORBIDDEN);
    tu_env_close(e);
}

/* ---- cancellation and employees ---- */

static int64_t employ(tu_env *e, int64_t person, int64_t unit) {
    err_detail err = {0};
    if (store_exec(e->ctx.tx, STORE_Q_UNIT_TEST_EMPLOYMENT_INSERT, &err, "iiti", person, unit,
                   "2026-01-05", e->ctx.now_ms))
        fail_msg("employment: %s", err.message);
    return store_last_insert_id(e->ctx.tx);
}

static int64_t span(tu_env *e, int64_t person, int64_t unit, int64_t employment, reg_insurance ins,
                    month_ym from, month_ym to) {
    reg_span_new s = {.person_id = person, .unit_id = unit, .employment_id = employment,
                      .insurance = ins, .payer = "unit", .category = "sip_a", .start_month = from,
                      .end_month = to, .reason = "测试"};
    int64_t id = 0;
    err_detail err = {0};
    if (reg_span_open(&e->ctx, &s, &id, &err)) fail_msg("span: %s", err.message);
    return id;
}

static void cancellation_refused_with_employees(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-03-10");
    int64_t id = register_code(e, "MA1T2U4C");
    int64_t p1 = tu_add_person(e, "320504199001011234", "张三");
    int64_t p2 = tu_add_person(e, "320504199202022345", "李四");
    int64_t emp = employ(e, p1, id);
    int64_t s1 = span(e, p1, id, emp, INS_PENSION, 202601, 0);
    int64_t s2 = span(e, p2, id, 0, INS_MEDICAL, 202602, 0);
    tu_env_commit(e);

    err_detail err = {0};
    assert_int_equal(reg_unit_cancel(&e->ctx, id, NULL, &err), ERR_RULE);
    assert_int_equal(err.rule_count, 1);   /* no arrears until contributions exist */
    assert_string_equal(err.rules[0].code, "active_employees");
    assert_string_equal(err.rules[0].data_json, "{\"count\":2}");
    assert_non_null(strstr(err.rules[0].message, "2 名"));
    tu_env_rollback(e);

    /* the spans closed, the employment still active: one left */
    assert_int_equal(reg_span_close(&e->ctx, s1, 202602, "terminated", "离职", &err), ERR_OK);
    assert_int_equal(reg_span_close(&e->ctx, s2, 202602, "terminated", "离职", &err), ERR_OK);
    err_clear(&err);
    assert_int_equal(reg_unit_cancel(&e->ctx, id, NULL, &err), ERR_RULE);
    assert_string_equal(err.rules[0].data_json, "{\"count\":1}");
    int64_t n = -1, fen = -1;
    assert_int_equal(reg_unit_active_employees(&e->ctx, id, &n, &err), ERR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(reg_unit_arrears_fen(&e->ctx, id, &fen, &err), ERR_OK);
    assert_int_equal(fen, 0);
    tu_env_close(e);
}

static void clean_cancellation_then_nothing(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-03-10");
    int64_t id = register_code(e, "MA1T2U4D");
    err_detail err = {0};
    assert_int_equal(reg_unit_certificate_issue(&e->ctx, id, &err), ERR_OK);
    assert_int_equal(reg_unit_collection_agreement(&e->ctx, id, "建设银行", "32250198883600000001", &err), ERR_OK);
    assert_int_equal(reg_unit_online_payment(&e->ctx, id, &err), ERR_OK);
    act(e, ROLE_UNIT, id);
    assert_int_equal(reg_unit_cancel(&e->ctx, id, NULL, &err), ERR_FORBIDDEN);
    act(e, ROLE_CLERK, 0);
    err_clear(&err);
    assert_int_equal(reg_unit_cancel(&e->ctx, id, "公司解散", &err), ERR_OK);
    tu_env_commit(e);
    reg_unit u = get(e, id);
    assert_string_equal(u.status, "cancelled");
    assert_string_equal(u.cancelled_on, "2026-03-10");
    assert_int_equal(u.online_payment, 0);

    assert_int_equal(reg_unit_cancel(&e->ctx, id, NULL, &err), ERR_RULE);
    assert_int_equal(err.rule_count, 1);
    assert_string_equal(err.rules[0].code, "unit_cancelled");
    json_t *ch = json_pack("{s:s}", "address", "新地址");
    err_clear(&err);
    assert_int_equal(reg_unit_update(&e->ctx, id, ch, NULL, &err), ERR_RULE);
    assert_string_equal(err.rules[0].code, "unit_cancelled");
    json_decref(ch);
    err_clear(&err);
    assert_int_equal(reg_unit_district_change(&e->ctx, id, "湖东", NULL, &err), ERR_RULE);
    assert_string_equal(err.rules[0].code, "unit_cancelled");
    err_clear(&err);
    assert_int_equal(reg_unit_online_payment(&e->ctx, id, &err), ERR_RULE);
    assert_true(has_rule(&err, "unit_cancelled", NULL));
    json_t *p = key_payload("新名称", 2, "更名");
    err_clear(&err);
    assert_int_equal(reg_unit_key_change_check(&e->ctx, p, 0, id, &err), ERR_RULE);
    assert_true(has_rule(&err, "unit_cancelled", NULL));
    json_decref(p);
    /* for the enrolment area: the rule without finishing */
    err_clear(&err);
    assert_int_equal(reg_unit_rule_active(&e->ctx, id, &err), ERR_OK);
    assert_int_equal(err.rule_count, 1);
    assert_string_equal(err.rules[0].code, "unit_cancelled");

    json_t *hist = NULL;
    assert_int_equal(reg_unit_changes_json(&e->ctx, id, &hist, &err), ERR_OK);
    int status_rows = 0;
    size_t i;
    json_t *h;
    json_array_foreach(hist, i, h)
        if (strcmp(json_string_value(json_object_get(h, "field")), "status") == 0) status_rows++;
    assert_int_equal(status_rows, 2);   /* registered, cancelled */
    assert_string_equal(json_string_value(json_object_get(json_array_get(hist, 0), "reason")), "公司解散");
    json_decref(hist);
    tu_env_close(e);
}

/* ---- visibility and queries ---- */

static void unit_sees_only_itself(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-03-10");
    int64_t a = register_code(e, "MA1T2U4E"), b = register_code(e, "MA1T2U4F");
    err_detail err = {0};
    json_t *o = NULL;
    act(e, ROLE_UNIT, a);
    assert_int_equal(reg_unit_json(&e->ctx, a, &o, &err), ERR_OK);
    json_decref(o);
    o = NULL;
    assert_int_equal(reg_unit_json(&e->ctx, b, &o, &err), ERR_NOT_FOUND);
    assert_null(o);
    assert_int_equal(reg_unit_employees_json(&e->ctx, b, false, &o, &err), ERR_NOT_FOUND);
    assert_int_equal(reg_unit_changes_json(&e->ctx, b, &o, &err), ERR_NOT_FOUND);
    assert_int_equal(reg_unit_certificate_json(&e->ctx, b, &o, &err), ERR_NOT_FOUND);
    assert_int_equal(reg_unit_operators_json(&e->ctx, b, &o, &err), ERR_NOT_FOUND);
    assert_int_equal(reg_unit_search(&e->ctx, NULL, NULL, NULL, 10, &o, &err), ERR_FORBIDDEN);
    act(e, ROLE_PERSON, 0);
    assert_int_equal(reg_unit_json(&e->ctx, a, &o, &err), ERR_NOT_FOUND);
    act(e, ROLE_FINANCE, 0);
    assert_int_equal(reg_unit_json(&e->ctx, b, &o, &err), ERR_OK);
    json_decref(o);
    tu_env_close(e);
}

static void search_by_code_and_name(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-03-10");
    char code[19];
    make_code("MA1T2U4G", code);
    reg_unit_new in = sample(code);
    in.name = "苏州100%_纯测试有限公司";
    register_ok(e, &in);
    register_code(e, "MA1T2U4H");
    err_detail err = {0};
    json_t *arr = NULL;
    assert_int_equal(reg_unit_search(&e->ctx, NULL, "100%_纯", NULL, 10, &arr, &err), ERR_OK);
    assert_int_equal(json_array_size(arr), 1);
    json_decref(arr);
    assert_int_equal(reg_unit_search(&e->ctx, NULL, "0%", NULL, 10, &arr, &err), ERR_OK);
    assert_int_equal(json_array_size(arr), 1);   /* % is a character, not a wildcard */
    json_decref(arr);
    assert_int_equal(reg_unit_search(&e->ctx, NULL, "测试", NULL, 10, &arr, &err), ERR_OK);
    assert_int_equal(json_array_size(arr), 2);
    json_decref(arr);
    char lower[19];
    for (int i = 0; i < 19; i++) lower[i] = (code[i] >= 'A' && code[i] <= 'Z') ? (char)(code[i] + 32) : code[i];
    assert_int_equal(reg_unit_search(&e->ctx, lower, NULL, NULL, 10, &arr, &err), ERR_OK);
    assert_int_equal(json_array_size(arr), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "code")), code);
    json_decref(arr);
    assert_int_equal(reg_unit_search(&e->ctx, NULL, NULL, "cancelled", 10, &arr, &err), ERR_OK);
    assert_int_equal(json_array_size(arr), 0);
    json_decref(arr);
    assert_int_equal(reg_unit_search(&e->ctx, NULL, NULL, "gone", 10, &arr, &err), ERR_INVALID);
    assert_int_equal(reg_unit_search(&e->ctx, NULL, NULL, NULL, 0, &arr, &err), ERR_INVALID);
    int64_t found = 0;
    assert_int_equal(reg_unit_find_code(&e->ctx, lower, &found, &err), ERR_OK);
    assert_true(found > 0);
    tu_env_close(e);
}

static int64_t count_of(const json_t *cert, const char *insurance) {
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(cert, "insured"), i, it)
        if (strcmp(json_string_value(json_object_get(it, "insurance")), insurance) == 0)
            return json_integer_value(json_object_get(it, "count"));
    fail_msg("no %s", insurance);
    return -1;
}

static void employees_only_their_spans_here(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-03-10");
    int64_t a = register_code(e, "MA1T2U4J"), b = register_code(e, "MA1T2U4K");
    int64_t p1 = tu_add_person(e, "320504199001011234", "张三");
    int64_t p2 = tu_add_person(e, "320504199202022345", "李四");
    /* p1: at a in 2025, at b since 2026; p2: at a now */
    span(e, p1, a, 0, INS_PENSION, 202501, 202512);
    span(e, p1, b, employ(e, p1, b), INS_PENSION, 202601, 0);
    span(e, p2, a, employ(e, p2, a), INS_PENSION, 202601, 0);
    span(e, p2, a, 0, INS_MEDICAL, 202601, 0);
    span(e, p2, a, 0, INS_INJURY, 202604, 0);   /* from next month */
    err_detail err = {0};
    json_t *cur = NULL, *former = NULL;
    act(e, ROLE_UNIT, a);
    assert_int_equal(reg_unit_employees_json(&e->ctx, a, false, &cur, &err), ERR_OK);
    assert_int_equal(json_array_size(cur), 1);
    json_t *x = json_array_get(cur, 0);
    assert_int_equal(json_integer_value(json_object_get(x, "person_id")), p2);
    assert_int_equal(json_array_size(json_object_get(x, "spans")), 3);
    assert_int_equal(json_array_size(json_object_get(x, "employments")), 1);
    assert_int_equal(reg_unit_employees_json(&e->ctx, a, true, &former, &err), ERR_OK);
    assert_int_equal(json_array_size(former), 1);
    x = json_array_get(former, 0);
    assert_int_equal(json_integer_value(json_object_get(x, "person_id")), p1);
    json_t *spans = json_object_get(x, "spans");
    assert_int_equal(json_array_size(spans), 1);   /* not the span at b */
    assert_int_equal(json_integer_value(json_object_get(json_array_get(spans, 0), "unit_id")), a);
    json_decref(cur);
    json_decref(former);

    json_t *cert = NULL;
    assert_int_equal(reg_unit_certificate_json(&e->ctx, a, &cert, &err), ERR_OK);
    assert_string_equal(json_string_value(json_object_get(cert, "month")), "2026-03");
    assert_int_equal(count_of(cert, "pension"), 1);
    assert_int_equal(count_of(cert, "medical"), 1);
    assert_int_equal(count_of(cert, "injury"), 0);
    assert_int_equal(json_array_size(json_object_get(cert, "insured")), INS_COUNT);
    json_decref(cert);
    tu_env_close(e);
}

/* ---- a store failing at every call in turn leaves nothing half done ---- */

static void faults_leave_nothing_half_done(void **state) {
    tu_env *e = tu_env_open(ROLE_CLERK, "2026-03-10");
    tu_env_commit(e);   /* the catalog, before any rollback */
    char code[19];
    make_code("MA1T2U4L", code);
    reg_unit_new in = sample(code);
    int64_t id = 0;
    for (long n = 1; n < 1000; n++) {
        err_detail err = {0};
        store_fault_set(e->st, n);
        err_kind k = reg_unit_register(&e->ctx, &in, &id, &err);
        long calls = store_fault_set(e->st, 0);
        if (k == ERR_OK) { assert_true(calls < n); break; }
        assert_int_equal(k, ERR_UNAVAILABLE);
        assert_int_equal(id, 0);
        tu_env_rollback(e);
    }
    assert_true(id > 0);
    json_t *changes = json_pack("{s:s, s:s}", "name", "故障测试更名有限公司", "category", "sip_b");
    err_detail err = {0};
    int64_t app = 0;
    assert_int_equal(reg_unit_key_change_submit(&e->ctx, id, changes, "更名", &app, &err), ERR_OK);
    json_decref(changes);
    assert_int_equal(application_accept(&e->ctx, app, NULL, &err), ERR_OK);
    tu_env_commit(e);
    act(e, ROLE_REVIEWER, 0);
    for (long n = 1; n < 1000; n++) {
        err_clear(&err);
        store_fault_set(e->st, n);
        err_kind k = application_decide(&e->ctx, app, true, NULL, &err);
        store_fault_set(e->st, 0);
        if (k == ERR_OK) break;
        assert_int_equal(k, ERR_UNAVAILABLE);
        tu_env_rollback(e);
        assert_string_equal(get(e, id).name, "苏州工业园区测试科技有限公司");
    }
    reg_unit u = get(e, id);
    assert_string_equal(u.name, "故障测试更名有限公司");
    assert_string_equal(u.category, "sip_b");
    json_t *hist = NULL;
    assert_int_equal(reg_unit_changes_json(&e->ctx, id, &hist, &err), ERR_OK);
    assert_int_equal(json_array_size(hist), 3);   /* registration, name, category */
    json_decref(hist);
    tu_env_close(e);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(registers_with_defaults),
        cmocka_unit_test(credit_code_checked),
        cmocka_unit_test(industry_class_edges),
        cmocka_unit_test(registration_input_and_roles),
        cmocka_unit_test(online_payment_needs_both),
        cmocka_unit_test(patch_non_key_at_once),
        cmocka_unit_test(key_change_check_lists_every_field),
        cmocka_unit_test(key_change_through_application),
        cmocka_unit_test(key_change_rechecked_at_approval),
        cmocka_unit_test(district_change_with_history),
        cmocka_unit_test(cancellation_refused_with_employees),
        cmocka_unit_test(clean_cancellation_then_nothing),
        cmocka_unit_test(unit_sees_only_itself),
        cmocka_unit_test(search_by_code_and_name),
        cmocka_unit_test(employees_only_their_spans_here),
        cmocka_unit_test(faults_leave_nothing_half_done),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
