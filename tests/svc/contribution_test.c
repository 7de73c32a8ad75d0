/* svc/contribution: the one computation at every edge (the floor and the
 * ceiling, one fen either side, a .5 fen under each rounding mode, two policy
 * periods), declared bases and their refusals, the file of declarations, the
 * monthly assessment of a unit (a suspended span not assessed, a span ending
 * in the month assessed, one starting the month after not), the posting of
 * the bill, person-paid bills, bills and their confirmation. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/idno.h"
#include "ledger/ledger.h"
#include "svc/audit.h"
#include "svc/contribution.h"
#include "svc/registry_enrol.h"
#include "svc/registry_unit.h"

static tu_env *e;
static int64_t unit_u, unit_v;            /* U: class 3 (0.70%), V: class 1, no employees */
static int64_t pa, pb, pc, pd, pf;        /* A regular, B leaves in 2026-11, C starts 2026-12, D pension suspended, F foreign */

/* ---- fixtures ---- */

static date_days d(const char *s) {
    date_days x = 0;
    err_detail err = {0};
    if (date_parse(s, "d", &x, &err)) fail_msg("bad date %s", s);
    return x;
}

static const char *rid(const char *birth8, int order) {
    static char ids[16][19];
    static int next;
    char d17[18];
    snprintf(d17, sizeof d17, "320571%s%03d", birth8, order);
    char *out = ids[next++ % 16];
    snprintf(out, 19, "%s%c", d17, idno_resident_check_char(d17));
    return out;
}

static void act(svc_role role, int64_t unit_id, int64_t person_id) {
    e->ctx.actor.role = role;
    e->ctx.actor.unit_id = unit_id;
    e->ctx.actor.person_id = person_id;
}

static int64_t register_unit(const char *org8, int64_t industry_class) {
    static const char org_checks[] = "0123456789X";
    char code[19] = "";
    for (int i = 0; org_checks[i]; i++) {
        char first17[18];
        snprintf(first17, sizeof first17, "91320594%s%c", org8, org_checks[i]);
        snprintf(code, sizeof code, "%s%c", first17, uscc_check_char(first17));
        if (uscc_check(code, NULL) == ERR_OK) break;
    }
    reg_unit_new u = {.code = code, .name = "苏州工业园区缴费测试有限公司", .unit_type = "enterprise",
                      .industry_class = industry_class, .address = "苏州工业园区星湖街 1 号",
                      .contact_name = "周琳", .contact_phone = "051266668888"};
    int64_t id = 0;
    err_detail err = {0};
    if (reg_unit_register(&e->ctx, &u, &id, &err)) fail_msg("unit: %s %s", err.code, err.message);
    return id;
}

static int64_t enrol(const char *id, const char *name, const char *start, enrol_in *over) {
    enrol_in in;
    memset(&in, 0, sizeof in);
    if (over) in = *over;
    in.unit_id = unit_u;
    in.person.id_number = id;
    in.person.name = name;
    in.start_date = d(start);
    if (!over) in.pays_hf = -1;
    json_t *out = NULL;
    err_detail err = {0};
    if (enrol_employee(&e->ctx, &in, &out, &err)) {
        for (int i = 0; i < err.rule_count; i++) print_error("rule %s: %s\n", err.rules[i].code, err.rules[i].message);
        fail_msg("enrol %s: %s [%s]", id, err.message, err.code);
    }
    int64_t pid = json_integer_value(json_object_get(out, "person_id"));
    json_decref(out);
    return pid;
}

static int64_t span_of(int64_t person, reg_insurance ins, month_ym m) {
    int64_t id = 0;
    err_detail err = {0};
    if (reg_span_active(&e->ctx, person, ins, m, &id, &err) || !id) fail_msg("no span");
    return id;
}

static int setup(void **state) {
    (void)state;
    e = tu_env_open(ROLE_SYSTEM, "2026-11-23");
    unit_u = register_unit("MA1CT001", 3);
    unit_v = register_unit("MA1CT002", 1);
    pa = enrol(rid("19900101", 11), "甲", "2026-09-01", NULL);
    pb = enrol(rid("19910202", 21), "乙", "2026-06-01", NULL);
    pd = enrol(rid("19920303", 31), "丁", "2026-09-01", NULL);
    enrol_in f;
    memset(&f, 0, sizeof f);
    f.kind = "foreign";
    f.person.id_kind = IDNO_PASSPORT;
    f.person.sex = "F";
    f.person.birth_date = d("1988-04-01");
    f.person.nationality = "JPN";
    f.contract_end = d("2028-08-31");
    f.pays_hf = 1;
    f.hf_rate_bp = 700;
    pf = enrol("TZ1234567", "Hanako Sato", "2026-09-01", &f);
    /* B leaves on 10 November: every span ends in 2026-11. */
    termination_in t = {.unit_id = unit_u, .person_id = pb, .end_date = d("2026-11-10"), .reason = "resignation"};
    json_t *out = NULL;
    err_detail err = {0};
    if (enrol_terminate(&e->ctx, &t, &out, &err)) fail_msg("terminate: %s", err.message);
    json_decref(out);
    /* C: a pension span at U from 2026-12 (the month after). */
    pc = tu_add_person(e, rid("19930404", 41), "丙");
    reg_span_new s = {.person_id = pc, .unit_id = unit_u, .insurance = INS_PENSION, .payer = "unit",
                      .category = "sip_a", .start_month = 202612, .reason = "测试"};
    int64_t sid = 0;
    if (reg_span_open(&e->ctx, &s, &sid, &err)) fail_msg("span: %s", err.message);
    /* D: pension suspended. */
    if (reg_span_set_status(&e->ctx, span_of(pd, INS_PENSION, 202611), "suspended", 202611, "测试", &err))
        fail_msg("suspend: %s", err.message);
    tu_env_commit(e);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    tu_env_close(e);
    return 0;
}

/* Every test starts from the committed fixture as the system on 2026-11-23. */
static int reset(void **state) {
    (void)state;
    tu_env_rollback(e);
    act(ROLE_SYSTEM, 0, 0);
    e->ctx.business_date = d("2026-11-23");
    return 0;
}

static int64_t jint(const json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }
static const char *jstr(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static const err_rule *rule_of(const err_detail *err, const char *code) {
    for (int i = 0; i < err->rule_count; i++)
        if (!strcmp(err->rules[i].code, code)) return &err->rules[i];
    return NULL;
}

/* ---- the quote ---- */

static contrib_quote quote_ok(month_ym m, money_fen wage, unsigned ins, int64_t injury, int64_t hf) {
    contrib_quote_in in = {.month = m, .wage_fen = wage, .insurances = ins, .injury_rate_bp = injury,
                           .housing_fund_rate_bp = hf};
    contrib_quote q;
    err_detail err = {0};
    if (contrib_quote_compute(e->ctx.pol, &in, &q, &err)) fail_msg("quote: %s [%s]", err.message, err.code);
    return q;
}

static const contrib_item *item(const contrib_quote *q, reg_insurance i) {
    for (int j = 0; j < q->count; j++)
        if (q->items[j].insurance == i) return &q->items[j];
    fail_msg("no item %d", i);
    return NULL;
}

#define ALL ((1u << INS_COUNT) - 1u)

static void quote_below_the_floor_is_held_at_the_floor(void **state) {
    contrib_quote q = quote_ok(202611, 300000, ALL, 70, 1000);
    assert_int_equal(q.base_fen, 460000);
    assert_int_equal(q.count, INS_COUNT);
    for (int i = 0; i < q.count; i++) assert_int_equal(q.items[i].base_fen, 460000);   /* HF = SI, HS = HF */
    assert_int_equal(item(&q, INS_PENSION)->unit_fen, 73600);
    assert_int_equal(item(&q, INS_PENSION)->personal_fen, 36800);
    assert_int_equal(item(&q, INS_MEDICAL)->unit_fen, 34500);
    assert_int_equal(item(&q, INS_MEDICAL)->personal_fen, 9200);
    assert_int_equal(item(&q, INS_UNEMPLOYMENT)->unit_fen, 2300);
    assert_int_equal(item(&q, INS_UNEMPLOYMENT)->personal_fen, 2300);
    assert_int_equal(item(&q, INS_INJURY)->unit_fen, 3220);
    assert_int_equal(item(&q, INS_INJURY)->personal_fen, 0);
    assert_int_equal(item(&q, INS_MATERNITY)->unit_fen, 0);
    assert_int_equal(item(&q, INS_HOUSING_FUND)->unit_fen, 46000);
    assert_int_equal(item(&q, INS_HOUSING_FUND)->personal_fen, 46000);
    assert_int_equal(item(&q, INS_HOUSING_SUBSIDY)->unit_fen, 23000);
    assert_int_equal(item(&q, INS_HOUSING_SUBSIDY)->personal_fen, 0);
    assert_int_equal(q.unit_total_fen, 73600 + 34500 + 2300 + 3220 + 46000 + 23000);
    assert_int_equal(q.personal_total_fen, 36800 + 9200 + 2300 + 46000);
}

static void quote_above_the_ceiling_is_held_at_the_ceiling(void **state) {
    contrib_quote q = quote_ok(202611, 5000000, 1u << INS_PENSION, 0, 0);
    assert_int_equal(q.base_fen, 2460000);
    assert_int_equal(q.count, 1);
    assert_int_equal(q.items[0].unit_fen, 393600);
    assert_int_equal(q.items[0].personal_fen, 196800);
}

static void quote_at_and_beside_both_limits(void **state) {
    assert_int_equal(quote_ok(202611, 460000, 1u << INS_PENSION, 0, 0).base_fen, 460000);
    assert_int_equal(quote_ok(202611, 459999, 1u << INS_PENSION, 0, 0).base_fen, 460000);
    assert_int_equal(quote_ok(202611, 460001, 1u << INS_PENSION, 0, 0).base_fen, 460001);
    assert_int_equal(quote_ok(202611, 2460000, 1u << INS_PENSION, 0, 0).base_fen, 2460000);
    assert_int_equal(quote_ok(202611, 2459999, 1u << INS_PENSION, 0, 0).base_fen, 2459999);
    assert_int_equal(quote_ok(202611, 2460001, 1u << INS_PENSION, 0, 0).base_fen, 2460000);
}

static void half_a_fen_rounds_up_by_default(void **state) {
    /* medical personal 2% of 4,600.25 = 92.005 yuan; unemployment 0.5% of 4,601.00 = 23.005 */
    contrib_quote q = quote_ok(202611, 460025, 1u << INS_MEDICAL, 0, 0);
    assert_int_equal(item(&q, INS_MEDICAL)->personal_fen, 9201);
    assert_int_equal(item(&q, INS_MEDICAL)->unit_fen, 34502);   /* 34501.875 */
    q = quote_ok(202611, 460100, 1u << INS_UNEMPLOYMENT, 0, 0);
    assert_int_equal(item(&q, INS_UNEMPLOYMENT)->personal_fen, 2301);
}

/* The rounding mode is a parameter per insurance. */
static void rounding_mode_comes_from_the_policy(void **state) {
    static const char *const doc =
        "{\"params\":["
        "{\"key\":\"contrib.base.lower_fen\",\"from\":\"2025-07-01\",\"value\":460000},"
        "{\"key\":\"contrib.base.upper_fen\",\"from\":\"2025-07-01\",\"value\":2460000},"
        "{\"key\":\"contrib.due_day\",\"from\":\"2000-01-01\",\"value\":25},"
        "{\"key\":\"medical.unit_rate_bp\",\"from\":\"2000-01-01\",\"value\":750},"
        "{\"key\":\"medical.personal_rate_bp\",\"from\":\"2000-01-01\",\"value\":200},"
        "{\"key\":\"medical.rounding\",\"from\":\"2000-01-01\",\"value\":\"down\"},"
        "{\"key\":\"unemployment.unit_rate_bp\",\"from\":\"2000-01-01\",\"value\":50},"
        "{\"key\":\"unemployment.personal_rate_bp\",\"from\":\"2000-01-01\",\"value\":50},"
        "{\"key\":\"unemployment.rounding\",\"from\":\"2000-01-01\",\"value\":\"half_even\"}]}";
    policy *pol = NULL;
    err_detail err = {0};
    assert_int_equal(policy_parse(doc, &pol, &err), ERR_OK);
    contrib_quote_in in = {.month = 202611, .wage_fen = 460025, .insurances = 1u << INS_MEDICAL};
    contrib_quote q;
    assert_int_equal(contrib_quote_compute(pol, &in, &q, &err), ERR_OK);
    assert_int_equal(q.items[0].personal_fen, 9200);          /* 9200.5 down */
    in = (contrib_quote_in){.month = 202611, .wage_fen = 460100, .insurances = 1u << INS_UNEMPLOYMENT};
    assert_int_equal(contrib_quote_compute(pol, &in, &q, &err), ERR_OK);
    assert_int_equal(q.items[0].personal_fen, 2300);          /* 2300.5 to even */
    in.wage_fen = 460300;                                     /* 2301.5 to even */
    assert_int_equal(contrib_quote_compute(pol, &in, &q, &err), ERR_OK);
    assert_int_equal(q.items[0].personal_fen, 2302);
    in.insurances = 1u << INS_PENSION;                        /* not in this policy */
    assert_int_equal(contrib_quote_compute(pol, &in, &q, &err), ERR_CONFIG);
    policy_destroy(pol);
}

/* 2025-06 is in the 2024 policy year, 2025-07 in the 2025 one. */
static void two_months_under_two_policy_periods(void **state) {
    assert_int_equal(quote_ok(202506, 300000, 1u << INS_PENSION, 0, 0).base_fen, 449400);
    assert_int_equal(quote_ok(202507, 300000, 1u << INS_PENSION, 0, 0).base_fen, 460000);
    assert_int_equal(quote_ok(202506, 3000000, 1u << INS_PENSION, 0, 0).base_fen, 2404200);
    assert_int_equal(quote_ok(202507, 3000000, 1u << INS_PENSION, 0, 0).base_fen, 2460000);
    assert_int_equal(quote_ok(202506, 300000, 1u << INS_PENSION, 0, 0).items[0].personal_fen, 35952);
    assert_int_equal(contrib_policy_year(202506), 2024);
    assert_int_equal(contrib_policy_year(202507), 2025);
    assert_int_equal(contrib_policy_year(202601), 2025);
    money_fen b = 0;
    err_detail err = {0};
    assert_int_equal(contrib_base_clamp(e->ctx.pol, 202506, 100, &b, &err), ERR_OK);
    assert_int_equal(b, 449400);
    assert_int_equal(contrib_base_clamp(e->ctx.pol, 202507, 3000000, &b, &err), ERR_OK);
    assert_int_equal(b, 2460000);
}

static err_detail quote_refused(contrib_quote_in in, err_kind want) {
    contrib_quote q;
    err_detail err = {0};
    assert_int_equal(contrib_quote_compute(e->ctx.pol, &in, &q, &err), want);
    return err;
}

static void quote_refusals_name_the_field(void **state) {
    contrib_quote_in ok = {.month = 202611, .wage_fen = 500000, .insurances = 1u << INS_PENSION};
    contrib_quote_in in = ok;
    in.wage_fen = 0;
    assert_string_equal(quote_refused(in, ERR_INVALID).field, "wage_fen");
    in.wage_fen = -1;
    assert_string_equal(quote_refused(in, ERR_INVALID).field, "wage_fen");
    in.wage_fen = CONTRIB_WAGE_FEN_MAX + 1;
    assert_string_equal(quote_refused(in, ERR_INVALID).field, "wage_fen");
    in = ok;
    in.insurances = 0;
    assert_string_equal(quote_refused(in, ERR_INVALID).field, "insurances");
    in = ok;
    in.month = 202613;
    assert_string_equal(quote_refused(in, ERR_INVALID).field, "month");
    in = ok;
    in.insurances = 1u << INS_INJURY;
    assert_string_equal(quote_refused(in, ERR_INVALID).field, "injury_rate_bp");
    in = ok;
    in.insurances = 1u << INS_HOUSING_FUND;
    assert_string_equal(quote_refused(in, ERR_INVALID).field, "housing_fund_rate_bp");
    in = ok;
    in.month = 202001;   /* before the policy's first base limits */
    err_detail err = quote_refused(in, ERR_CONFIG);
    assert_string_equal(err.code, "policy_missing");
}

static void housing_fund_rate_at_both_edges_of_the_band(void **state) {
    contrib_quote_in in = {.month = 202611, .wage_fen = 500000, .insurances = 1u << INS_HOUSING_FUND,
                           .housing_fund_rate_bp = 500};
    assert_int_equal(quote_ok(202611, 500000, 1u << INS_HOUSING_FUND, 0, 500).items[0].unit_fen, 25000);
    assert_int_equal(quote_ok(202611, 500000, 1u << INS_HOUSING_FUND, 0, 1200).items[0].personal_fen, 60000);
    in.housing_fund_rate_bp = 499;
    err_detail err = quote_refused(in, ERR_RULE);
    assert_int_equal(err.rule_count, 1);
    assert_string_equal(err.rules[0].code, "hf_rate_out_of_band");
    assert_string_equal(err.rules[0].data_json, "{\"rate_bp\":499,\"min_bp\":500,\"max_bp\":1200}");
    in.housing_fund_rate_bp = 1201;
    err = quote_refused(in, ERR_RULE);
    assert_string_equal(err.rules[0].code, "hf_rate_out_of_band");
    assert_string_equal(err.rules[0].data_json, "{\"rate_bp\":1201,\"min_bp\":500,\"max_bp\":1200}");
}

/* ---- bases ---- */

static json_t *declare_ok(int64_t unit, int64_t person, month_ym from, money_fen wage, const char *source) {
    json_t *out = NULL;
    err_detail err = {0};
    err_kind k = contrib_base_declare(&e->ctx, unit, person, from, wage, source, &out, &err);
    if (k) {
        for (int i = 0; i < err.rule_count; i++) print_error("rule %s: %s\n", err.rules[i].code, err.rules[i].message);
        fail_msg("declare: %s [%s]", err.message, err.code);
    }
    return out;
}

static err_detail declare_refused(int64_t unit, int64_t person, month_ym from, money_fen wage, err_kind want) {
    json_t *out = NULL;
    err_detail err = {0};
    assert_int_equal(contrib_base_declare(&e->ctx, unit, person, from, wage, NULL, &out, &err), want);
    assert_null(out);
    return err;
}

static money_fen base_for(int64_t person, int64_t unit, month_ym m) {
    money_fen b = -1;
    err_detail err = {0};
    if (contrib_base_for(&e->ctx, person, unit, m, &b, &err)) fail_msg("base_for: %s", err.message);
    return b;
}

static void a_unit_declares_for_its_employee(void **state) {
    act(ROLE_UNIT, unit_u, 0);
    json_t *a = declare_ok(unit_u, pa, 202609, 300000, NULL);   /* the hire month */
    assert_string_equal(jstr(a, "source"), "hire");
    assert_int_equal(jint(a, "base_fen"), 460000);
    assert_string_equal(jstr(a, "held"), "lower");
    assert_int_equal(jint(a, "declared_wage_fen"), 300000);
    assert_int_equal(jint(a, "policy_year"), 2026);
    json_decref(a);
    a = declare_ok(unit_u, pa, 202612, 3000000, NULL);
    assert_string_equal(jstr(a, "source"), "annual");
    assert_int_equal(jint(a, "base_fen"), 2460000);
    assert_string_equal(jstr(a, "held"), "upper");
    json_decref(a);
    a = declare_ok(unit_u, pa, 202701, 800000, NULL);
    assert_string_equal(jstr(a, "held"), "none");
    json_decref(a);
    /* the latest declaration of the year from a month <= the month */
    assert_int_equal(base_for(pa, unit_u, 202609), 460000);
    assert_int_equal(base_for(pa, unit_u, 202611), 460000);
    assert_int_equal(base_for(pa, unit_u, 202612), 2460000);
    assert_int_equal(base_for(pa, unit_u, 202701), 800000);
    assert_int_equal(base_for(pa, unit_u, 202706), 800000);
    /* a new policy year starts without a declaration: its lower limit */
    assert_int_equal(base_for(pa, unit_u, 202707), 460000);
    /* none declared: the lower limit of the month's year */
    assert_int_equal(base_for(pd, unit_u, 202611), 460000);
    assert_int_equal(base_for(pd, unit_u, 202506), 449400);
}

static void a_declaration_is_audited(void **state) {
    json_decref(declare_ok(unit_u, pd, 202612, 700000, NULL));
    act(ROLE_ADMIN, 0, 0);
    json_t *rows = NULL;
    err_detail err = {0};
    char target[48];
    snprintf(target, sizeof target, "person:%lld", (long long)pd);
    assert_int_equal(audit_list(&e->ctx, target, 0, 100, &rows, &err), ERR_OK);
    int n = 0;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) if (!strcmp(jstr(r, "action"), "contrib.base.declare")) n++;
    assert_int_equal(n, 1);
    json_decref(rows);
}

static void who_may_declare(void **state) {
    act(ROLE_UNIT, unit_v, 0);   /* another unit's operator */
    assert_string_equal(declare_refused(unit_u, pa, 202612, 500000, ERR_NOT_FOUND).code, "unit_not_found");
    act(ROLE_UNIT, unit_v, 0);   /* its own unit, but not its employee */
    assert_string_equal(declare_refused(unit_v, pa, 202612, 500000, ERR_NOT_FOUND).code, "person_not_found");
    act(ROLE_REVIEWER, 0, 0);
    assert_string_equal(declare_refused(unit_u, pa, 202612, 500000, ERR_FORBIDDEN).code, "forbidden");
    act(ROLE_FINANCE, 0, 0);
    declare_refused(unit_u, pa, 202612, 500000, ERR_FORBIDDEN);
    act(ROLE_PERSON, 0, pa);
    declare_refused(unit_u, pa, 202612, 500000, ERR_FORBIDDEN);
    act(ROLE_CLERK, 0, 0);       /* the counter: not employed is a rule */
    err_detail err = declare_refused(unit_v, pa, 202612, 500000, ERR_RULE);
    assert_int_equal(err.rule_count, 1);
    assert_string_equal(err.rules[0].code, "not_employed");
    /* B left: no longer an employee */
    err = declare_refused(unit_u, pb, 202612, 500000, ERR_RULE);
    assert_string_equal(err.rules[0].code, "not_employed");
    assert_string_equal(declare_refused(unit_u, 999999, 202612, 500000, ERR_NOT_FOUND).code, "person_not_found");
    assert_string_equal(declare_refused(999999, pa, 202612, 500000, ERR_NOT_FOUND).code, "unit_not_found");
}

static void declaration_refusals_at_their_edges(void **state) {
    act(ROLE_CLERK, 0, 0);
    assert_string_equal(declare_refused(unit_u, pa, 202612, 0, ERR_INVALID).field, "wage_fen");
    assert_string_equal(declare_refused(unit_u, pa, 202612, -5, ERR_INVALID).field, "wage_fen");
    assert_string_equal(declare_refused(unit_u, pa, 202613, 500000, ERR_INVALID).field, "from_month");
    json_t *out = NULL;
    err_detail err = {0};
    assert_int_equal(contrib_base_declare(&e->ctx, unit_u, pa, 202612, 500000, "bonus", &out, &err), ERR_INVALID);
    assert_string_equal(err.field, "source");
    /* hired 2026-09: 2026-08 is before, 2026-09 is not */
    err = declare_refused(unit_u, pa, 202608, 500000, ERR_RULE);
    assert_int_equal(err.rule_count, 1);
    assert_string_equal(err.rules[0].code, "from_month_before_hire");
    assert_string_equal(err.rules[0].data_json, "{\"from_month\":\"2026-08\",\"hire_month\":\"2026-09\"}");
    json_decref(declare_ok(unit_u, pa, 202609, 500000, NULL));
    /* on 2026-11-23 the current policy year is 2026-07..2027-06, the next one ends 2028-06 */
    json_decref(declare_ok(unit_u, pa, 202806, 500000, NULL));
    err = declare_refused(unit_u, pa, 202807, 500000, ERR_RULE);
    assert_int_equal(err.rule_count, 1);
    assert_string_equal(err.rules[0].code, "from_month_out_of_range");
    assert_string_equal(err.rules[0].data_json,
                        "{\"from_month\":\"2028-07\",\"allowed_from\":\"2026-07\",\"allowed_to\":\"2028-06\"}");
    /* every failed rule at once: a leaver, in a month out of range */
    err = declare_refused(unit_u, pb, 202807, 500000, ERR_RULE);
    assert_int_equal(err.rule_count, 2);
    assert_non_null(rule_of(&err, "not_employed"));
    assert_non_null(rule_of(&err, "from_month_out_of_range"));
}

static void an_assessed_month_takes_a_raise_not_a_declaration(void **state) {
    int64_t bill = 0;
    bool created = false;
    err_detail err = {0};
    assert_int_equal(contrib_assess_unit(&e->ctx, unit_u, 202611, &bill, &created, &err), ERR_OK);
    err = declare_refused(unit_u, pa, 202611, 500000, ERR_RULE);
    assert_int_equal(err.rule_count, 1);
    assert_string_equal(err.rules[0].code, "month_already_assessed");
    assert_string_equal(err.rules[0].data_json, "{\"from_month\":\"2026-11\",\"assessed_month\":\"2026-11\"}");
    err = declare_refused(unit_u, pa, 202610, 500000, ERR_RULE);   /* from before, assessed later */
    assert_string_equal(err.rules[0].code, "month_already_assessed");
    json_decref(declare_ok(unit_u, pa, 202612, 500000, NULL));
    json_t *r = declare_ok(unit_u, pa, 202611, 900000, "raise");   /* the raise area's call */
    assert_string_equal(jstr(r, "source"), "raise");
    json_decref(r);
}

/* ---- the file of declarations ---- */

static table csv(const char *text) {
    table t;
    err_detail err = {0};
    if (table_read(e->ctx.ar, TABLE_CSV, text, strlen(text), &t, &err)) fail_msg("csv: %s", err.message);
    return t;
}

static const char *id_of(int64_t person) {
    static char buf[8][48];
    static int n;
    reg_person p;
    err_detail err = {0};
    if (reg_person_get(&e->ctx, person, &p, &err)) fail_msg("person");
    char *out = buf[n++ % 8];
    snprintf(out, 48, "%s", p.id_number);
    return out;
}

static void a_good_file_declares_every_row(void **state) {
    act(ROLE_UNIT, unit_u, 0);
    char text[512];
    snprintf(text, sizeof text, "证件号码,月工资,起始月份\n%s,8000.00,2026-12\n%s,5000.5,\n", id_of(pa), id_of(pd));
    table t = csv(text);
    json_t *out = NULL, *bad = NULL;
    err_detail err = {0};
    assert_int_equal(contrib_base_declare_file_from(&e->ctx, unit_u, &t, 202701, &out, &bad, &err), ERR_OK);
    assert_null(bad);
    assert_int_equal(jint(out, "count"), 2);
    json_t *rows = json_object_get(out, "declared");
    assert_int_equal(jint(json_array_get(rows, 0), "base_fen"), 800000);
    assert_string_equal(jstr(json_array_get(rows, 0), "from_month"), "2026-12");
    assert_int_equal(jint(json_array_get(rows, 1), "declared_wage_fen"), 500050);
    assert_string_equal(jstr(json_array_get(rows, 1), "from_month"), "2027-01");   /* the default */
    json_decref(out);
    assert_int_equal(base_for(pa, unit_u, 202612), 800000);
    assert_int_equal(base_for(pd, unit_u, 202701), 500050);
}

static const json_t *bad_row(const json_t *bad, int row, const char *code) {
    size_t i;
    const json_t *p;
    json_array_foreach(bad, i, p)
        if (jint(p, "row") == row && !strcmp(jstr(p, "code"), code)) return p;
    char *dump = json_dumps(bad, 0);
    print_error("%s\n", dump);
    free(dump);
    fail_msg("no problem %s on row %d", code, row);
    return NULL;
}

static void a_bad_file_is_refused_whole_with_every_bad_row(void **state) {
    act(ROLE_UNIT, unit_u, 0);
    char text[1024];
    snprintf(text, sizeof text,
             "证件号码/id_number,月工资/wage\n"
             "%s,8000.00\n"          /* row 2: good */
             "110101199001011234,6000\n" /* row 3: nobody (a bad check digit) */
             "%s,abc\n"              /* row 4: not money */
             "%s,1.234\n"            /* row 5: three decimals */
             "%s,-1\n"               /* row 6: negative */
             "%s,7000\n"             /* row 7: a duplicate of row 2 */
             "%s,7000\n",            /* row 8: left (not employed: not found to the unit) */
             id_of(pa), id_of(pd), id_of(pf), id_of(pc), id_of(pa), id_of(pb));
    table t = csv(text);
    json_t *out = NULL, *bad = NULL;
    err_detail err = {0};
    assert_int_equal(contrib_base_declare_file(&e->ctx, unit_u, &t, &out, &bad, &err), ERR_RULE);
    assert_null(out);
    assert_string_equal(err.code, "bases_rejected");
    bad_row(bad, 3, "person_not_found");
    assert_string_equal(jstr(bad_row(bad, 4, "invalid_wage"), "column"), "月工资");
    bad_row(bad, 5, "invalid_wage");
    bad_row(bad, 6, "invalid_wage");
    assert_int_equal(jint(json_object_get(bad_row(bad, 7, "duplicate_in_file"), "data"), "first_row"), 2);
    bad_row(bad, 8, "person_not_found");
    assert_int_equal(json_array_size(bad), 6);
    json_decref(bad);
    /* the caller rolls back: nothing of the file stays */
    tu_env_rollback(e);
    assert_int_equal(base_for(pa, unit_u, 202611), 460000);
}

static void a_file_with_a_bad_header_or_no_rows(void **state) {
    act(ROLE_CLERK, 0, 0);
    json_t *out = NULL, *bad = NULL;
    err_detail err = {0};
    table t = csv("证件号码,工资\n1,2\n");
    assert_int_equal(contrib_base_declare_file(&e->ctx, unit_u, &t, &out, &bad, &err), ERR_INVALID);
    assert_string_equal(err.code, "file_unknown_column");
    err_clear(&err);
    t = csv("证件号码,姓名\n1,2\n");
    assert_int_equal(contrib_base_declare_file(&e->ctx, unit_u, &t, &out, &bad, &err), ERR_INVALID);
    assert_string_equal(err.code, "file_missing_column");
    err_clear(&err);
    t = csv("证件号码,月工资\n");
    assert_int_equal(contrib_base_declare_file(&e->ctx, unit_u, &t, &out, &bad, &err), ERR_INVALID);
    assert_string_equal(err.code, "file_no_rows");
    err_clear(&err);
    act(ROLE_UNIT, unit_v, 0);
    t = csv("证件号码,月工资\n1,2\n");
    assert_int_equal(contrib_base_declare_file(&e->ctx, unit_u, &t, &out, &bad, &err), ERR_NOT_FOUND);
    assert_null(bad);
}

/* ---- the monthly assessment of a unit ---- */

/* Base 4,600.00 (the floor, nothing declared): pension 16/8, medical 7.5/2,
 * unemployment 0.5/0.5, injury class 3 0.70%, maternity 0, housing fund 10%. */
enum {
    FLOOR_UNIT = 73600 + 34500 + 2300 + 3220 + 0 + 46000,
    FLOOR_PERSONAL = 36800 + 9200 + 2300 + 46000,
    A_UNIT = 128000 + 60000 + 4000 + 5600 + 80000,     /* base 8,000.00 */
    A_PERSONAL = 64000 + 16000 + 4000 + 80000,
    D_UNIT = FLOOR_UNIT - 73600,                        /* pension suspended */
    D_PERSONAL = FLOOR_PERSONAL - 36800,
    F_UNIT = FLOOR_UNIT - 46000 + 32200,                /* the employment's 7% housing fund */
    F_PERSONAL = FLOOR_PERSONAL - 46000 + 32200,
};

static int64_t assess(int64_t unit, month_ym m, bool *created) {
    int64_t bill = -1;
    err_detail err = {0};
    if (contrib_assess_unit(&e->ctx, unit, m, &bill, created, &err)) fail_msg("assess: %s [%s]", err.message, err.code);
    return bill;
}

static json_t *bill_json(int64_t id) {
    json_t *b = NULL;
    err_detail err = {0};
    if (contrib_bill_json(&e->ctx, id, &b, &err)) fail_msg("bill: %s [%s]", err.message, err.code);
    return b;
}

static const json_t *person_in(const json_t *bill, int64_t person) {
    size_t i;
    const json_t *p;
    json_array_foreach(json_object_get(bill, "persons"), i, p)
        if (jint(p, "person_id") == person) return p;
    return NULL;
}

static void a_units_month_is_assessed_span_by_span(void **state) {
    json_decref(declare_ok(unit_u, pa, 202609, 800000, NULL));
    bool created = false;
    int64_t bill = assess(unit_u, 202611, &created);
    assert_true(created);
    assert_true(bill > 0);
    json_t *b = bill_json(bill);
    assert_string_equal(jstr(b, "status"), "draft");
    assert_string_equal(jstr(b, "kind"), "regular");
    assert_string_equal(jstr(b, "month"), "2026-11");
    assert_string_equal(jstr(b, "due_on"), "2026-11-25");
    assert_int_equal(jint(b, "lines"), 6 + 6 + 5 + 6);
    assert_int_equal(jint(b, "unit_total_fen"), A_UNIT + FLOOR_UNIT + D_UNIT + F_UNIT);
    assert_int_equal(jint(b, "personal_total_fen"), A_PERSONAL + FLOOR_PERSONAL + D_PERSONAL + F_PERSONAL);
    assert_int_equal(json_array_size(json_object_get(b, "persons")), 4);
    const json_t *a = person_in(b, pa), *pbj = person_in(b, pb), *dj = person_in(b, pd), *fj = person_in(b, pf);
    assert_non_null(a);
    assert_int_equal(jint(a, "unit_fen"), A_UNIT);
    assert_int_equal(jint(a, "personal_fen"), A_PERSONAL);
    assert_int_equal(jint(json_array_get(json_object_get(a, "items"), 0), "base_fen"), 800000);
    /* B's spans end in 2026-11: assessed */
    assert_non_null(pbj);
    assert_int_equal(jint(pbj, "unit_fen"), FLOOR_UNIT);
    /* D's suspended pension is not assessed */
    assert_int_equal(json_array_size(json_object_get(dj, "items")), 5);
    assert_int_equal(jint(dj, "personal_fen"), D_PERSONAL);
    /* F: the housing fund at the employment's rate */
    assert_int_equal(jint(fj, "unit_fen"), F_UNIT);
    /* C starts in 2026-12: not in 2026-11 */
    assert_null(person_in(b, pc));
    const json_t *inj = NULL;
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(b, "by_insurance"), i, x) if (!strcmp(jstr(x, "insurance"), "injury")) inj = x;
    assert_int_equal(jint(inj, "lines"), 4);
    assert_int_equal(jint(inj, "unit_fen"), 5600 + 3220 * 3);
    assert_int_equal(jint(inj, "personal_fen"), 0);
    json_decref(b);
}

static void the_next_month_has_c_and_not_b(void **state) {
    bool created = false;
    json_t *b = bill_json(assess(unit_u, 202612, &created));
    assert_non_null(person_in(b, pc));
    assert_null(person_in(b, pb));
    assert_int_equal(jint(person_in(b, pc), "unit_fen"), 73600);
    assert_int_equal(jint(b, "lines"), 6 + 5 + 6 + 1);
    json_decref(b);
}

static void the_bill_is_posted_once_and_audited_once(void **state) {
    bool created = false;
    int64_t bill = assess(unit_u, 202611, &created);
    money_fen total = FLOOR_UNIT * 2 + D_UNIT + F_UNIT + FLOOR_PERSONAL * 2 + D_PERSONAL + F_PERSONAL;   /* A and B at the floor */
    int64_t entry = 0, acc = 0, due = 0;
    money_fen bal = 0;
    err_detail err = {0};
    char key[48];
    snprintf(key, sizeof key, "bill:%lld", (long long)bill);
    assert_int_equal(ledger_entry_find(e->ctx.tx, key, &entry, &err), ERR_OK);
    assert_true(entry > 0);
    assert_int_equal(ledger_account(e->ctx.tx, OWNER_UNIT, unit_u, "receivable", &acc, &err), ERR_OK);
    assert_int_equal(ledger_balance(e->ctx.tx, acc, &bal, &err), ERR_OK);
    assert_int_equal(bal, total);
    assert_int_equal(ledger_account(e->ctx.tx, OWNER_POOL, 0, "contrib_due", &due, &err), ERR_OK);
    assert_int_equal(ledger_balance(e->ctx.tx, due, &bal, &err), ERR_OK);
    assert_int_equal(bal, -total);
    json_t *b = bill_json(bill);
    assert_int_equal(jint(b, "ledger_entry_id"), entry);
    json_decref(b);
    /* again: the bill is left alone, nothing posted twice */
    int64_t again = assess(unit_u, 202611, &created);
    assert_false(created);
    assert_int_equal(again, bill);
    assert_int_equal(ledger_balance(e->ctx.tx, acc, &bal, &err), ERR_OK);
    assert_int_equal(bal, total);
    act(ROLE_ADMIN, 0, 0);
    json_t *rows = NULL;
    char target[48];
    snprintf(target, sizeof target, "unit:%lld", (long long)unit_u);
    assert_int_equal(audit_list(&e->ctx, target, 0, 1000, &rows, &err), ERR_OK);
    int n = 0;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) if (!strcmp(jstr(r, "action"), "contrib.assess.unit")) n++;
    assert_int_equal(n, 1);   /* one row per bill, not per line */
    json_decref(rows);
}

static void a_unit_without_spans_gets_no_bill(void **state) {
    bool created = true;
    assert_int_equal(assess(unit_v, 202611, &created), 0);
    assert_false(created);
    int64_t bill = 0;
    err_detail err = {0};
    assert_int_equal(contrib_assess_unit(&e->ctx, 999999, 202611, &bill, &created, &err), ERR_NOT_FOUND);
    act(ROLE_CLERK, 0, 0);
    assert_int_equal(contrib_assess_unit(&e->ctx, unit_u, 202611, &bill, &created, &err), ERR_FORBIDDEN);
    act(ROLE_UNIT, unit_u, 0);
    assert_int_equal(contrib_assess_person(&e->ctx, pa, 202611, &bill, &created, &err), ERR_FORBIDDEN);
}

/* ---- persons who pay for themselves ---- */

static int64_t person_span(int64_t person, reg_insurance ins, const char *category, const char *tier, month_ym from,
                           month_ym to) {
    reg_span_new s = {.person_id = person, .insurance = ins, .payer = "person", .category = category,
                      .tier = tier, .start_month = from, .end_month = to, .reason = "测试"};
    int64_t id = 0;
    err_detail err = {0};
    if (reg_span_open(&e->ctx, &s, &id, &err)) fail_msg("span: %s", err.message);
    return id;
}

static int64_t assess_p(int64_t person, month_ym m, bool *created) {
    int64_t bill = -1;
    err_detail err = {0};
    if (contrib_assess_person(&e->ctx, person, m, &bill, created, &err))
        fail_msg("assess person: %s [%s]", err.message, err.code);
    return bill;
}

static void a_flexible_worker_pays_the_tier(void **state) {
    int64_t p = tu_add_person(e, rid("19850505", 51), "灵");
    person_span(p, INS_PENSION, "flexible", "pension_medical:2", 202611, 0);
    person_span(p, INS_MEDICAL, "flexible", "pension_medical:2", 202611, 0);
    bool created = false;
    int64_t bill = assess_p(p, 202611, &created);
    assert_true(created);
    json_t *b = bill_json(bill);
    assert_string_equal(jstr(b, "status"), "confirmed");   /* debited on the 18th, nothing to check */
    assert_string_equal(jstr(b, "due_on"), "2026-11-18");
    assert_int_equal(jint(b, "person_id"), p);
    assert_int_equal(jint(b, "unit_total_fen"), 0);
    assert_int_equal(jint(b, "personal_total_fen"), 120000 + 57000);   /* 20% and 9.5% of 6,000.00 */
    assert_true(json_integer_value(json_object_get(b, "ledger_entry_id")) > 0);
    json_decref(b);
    /* the person owes it from assessment to the bank's debit */
    int64_t recv = 0;
    money_fen bal = 0;
    err_detail e0 = {0};
    assert_int_equal(ledger_account(e->ctx.tx, OWNER_PERSON, p, "receivable", &recv, &e0), ERR_OK);
    assert_int_equal(ledger_balance(e->ctx.tx, recv, &bal, &e0), ERR_OK);
    assert_int_equal(bal, 177000);
    assert_int_equal(assess_p(p, 202611, &created), bill);
    assert_false(created);
    /* the month before the span: nothing */
    assert_int_equal(assess_p(p, 202610, &created), 0);
    /* suspended: nothing */
    err_detail err = {0};
    assert_int_equal(reg_span_set_status(&e->ctx, span_of(p, INS_PENSION, 202612), "suspended", 202612, "测试", &err), ERR_OK);
    b = bill_json(assess_p(p, 202612, &created));
    assert_int_equal(jint(b, "personal_total_fen"), 57000);
    json_decref(b);
    /* a month before the suspension, assessed after it: judged as it stood */
    int64_t q = tu_add_person(e, rid("19850606", 52), "灵二");
    person_span(q, INS_PENSION, "flexible", "pension_medical:2", 202610, 0);
    person_span(q, INS_MEDICAL, "flexible", "pension_medical:2", 202610, 0);
    assert_int_equal(reg_span_set_status(&e->ctx, span_of(q, INS_PENSION, 202612), "suspended", 202612, "测试", &err), ERR_OK);
    b = bill_json(assess_p(q, 202611, &created));
    assert_int_equal(jint(b, "personal_total_fen"), 120000 + 57000);
    json_decref(b);
    b = bill_json(assess_p(q, 202701, &created));
    assert_int_equal(jint(b, "personal_total_fen"), 57000);
    json_decref(b);
    /* resumed from February: billed again from then */
    assert_int_equal(reg_span_set_status(&e->ctx, span_of(q, INS_PENSION, 202702), "normal", 202702, "测试", &err), ERR_OK);
    b = bill_json(assess_p(q, 202702, &created));
    assert_int_equal(jint(b, "personal_total_fen"), 120000 + 57000);
    json_decref(b);
}

static void residents_pay_the_year_in_the_first_month_and_each_january(void **state) {
    int64_t r1 = tu_add_person(e, rid("19600606", 61), "居养");
    int64_t r2 = tu_add_person(e, rid("20150707", 71), "居医");
    int64_t r3 = tu_add_person(e, rid("20260808", 81), "新生");
    person_span(r1, INS_PENSION, "resident_pension", NULL, 202611, 0);
    person_span(r2, INS_MEDICAL, "resident_medical", "child", 202701, 202712);
    person_span(r3, INS_MEDICAL, "resident_medical", "newborn", 202701, 202712);
    bool created = false;
    json_t *b = bill_json(assess_p(r1, 202611, &created));   /* the span's first month */
    assert_int_equal(jint(b, "personal_total_fen"), 30000);
    assert_int_equal(jint(b, "lines"), 1);
    json_decref(b);
    assert_int_equal(assess_p(r1, 202612, &created), 0);      /* not again in December */
    b = bill_json(assess_p(r1, 202701, &created));            /* every January */
    assert_int_equal(jint(b, "personal_total_fen"), 30000);
    json_decref(b);
    b = bill_json(assess_p(r2, 202701, &created));
    assert_int_equal(jint(b, "personal_total_fen"), 40000);   /* resident.medical.annual_fen child */
    json_decref(b);
    assert_int_equal(assess_p(r2, 202702, &created), 0);
    assert_int_equal(assess_p(r3, 202701, &created), 0);      /* newborns pay nothing: no bill */
}

/* ---- bills: who sees them, the list, the confirmation ---- */

static void a_bill_is_seen_by_its_unit_and_staff_only(void **state) {
    bool created = false;
    int64_t bill = assess(unit_u, 202611, &created);
    json_t *out = NULL;
    err_detail err = {0};
    act(ROLE_UNIT, unit_u, 0);
    json_decref(bill_json(bill));
    act(ROLE_REVIEWER, 0, 0);
    json_decref(bill_json(bill));
    act(ROLE_UNIT, unit_v, 0);
    assert_int_equal(contrib_bill_json(&e->ctx, bill, &out, &err), ERR_NOT_FOUND);
    assert_string_equal(err.code, "bill_not_found");
    act(ROLE_PERSON, 0, pa);   /* a person: not a unit's bill, even their own unit's */
    assert_int_equal(contrib_bill_json(&e->ctx, bill, &out, &err), ERR_NOT_FOUND);
    act(ROLE_CLERK, 0, 0);
    assert_int_equal(contrib_bill_json(&e->ctx, 999999, &out, &err), ERR_NOT_FOUND);
    assert_null(out);
}

static void a_person_sees_their_own_bill(void **state) {
    int64_t p = tu_add_person(e, rid("19860909", 91), "灵二");
    person_span(p, INS_PENSION, "flexible", "pension:1", 202611, 0);
    bool created = false;
    int64_t bill = assess_p(p, 202611, &created);
    act(ROLE_PERSON, 0, p);
    json_t *b = bill_json(bill);
    assert_int_equal(jint(b, "personal_total_fen"), 92000);   /* 20% of 4,600.00 */
    json_decref(b);
    json_t *out = NULL;
    err_detail err = {0};
    act(ROLE_PERSON, 0, pa);
    assert_int_equal(contrib_bill_json(&e->ctx, bill, &out, &err), ERR_NOT_FOUND);
    act(ROLE_UNIT, unit_u, 0);
    assert_int_equal(contrib_bill_json(&e->ctx, bill, &out, &err), ERR_NOT_FOUND);
    /* a person's bill is confirmed when made: confirming it again is refused */
    act(ROLE_CLERK, 0, 0);
    assert_int_equal(contrib_bill_confirm(&e->ctx, bill, &err), ERR_CONFLICT);
    assert_string_equal(err.code, "bad_state");
}

static void the_unit_lists_its_bills(void **state) {
    bool created = false;
    int64_t b11 = assess(unit_u, 202611, &created), b12 = assess(unit_u, 202612, &created);
    json_t *out = NULL;
    err_detail err = {0};
    act(ROLE_UNIT, unit_u, 0);
    assert_int_equal(contrib_bills_json(&e->ctx, unit_u, 0, &out, &err), ERR_OK);
    assert_int_equal(jint(out, "count"), 2);
    assert_int_equal(jint(json_array_get(json_object_get(out, "items"), 0), "id"), b12);   /* newest first */
    json_decref(out);
    assert_int_equal(contrib_bills_json(&e->ctx, unit_u, 202611, &out, &err), ERR_OK);
    assert_int_equal(jint(out, "count"), 1);
    json_t *it = json_array_get(json_object_get(out, "items"), 0);
    assert_int_equal(jint(it, "id"), b11);
    assert_int_equal(jint(it, "total_fen"), jint(it, "unit_total_fen") + jint(it, "personal_total_fen"));
    json_decref(out);
    out = NULL;
    assert_int_equal(contrib_bills_json(&e->ctx, unit_v, 0, &out, &err), ERR_NOT_FOUND);
    act(ROLE_PERSON, 0, pa);
    assert_int_equal(contrib_bills_json(&e->ctx, unit_u, 0, &out, &err), ERR_FORBIDDEN);
    assert_null(out);
}

static void the_unit_confirms_its_draft_once(void **state) {
    bool created = false;
    int64_t bill = assess(unit_u, 202611, &created);
    err_detail err = {0};
    act(ROLE_UNIT, unit_v, 0);
    assert_int_equal(contrib_bill_confirm(&e->ctx, bill, &err), ERR_NOT_FOUND);
    act(ROLE_REVIEWER, 0, 0);
    assert_int_equal(contrib_bill_confirm(&e->ctx, bill, &err), ERR_FORBIDDEN);
    act(ROLE_UNIT, unit_u, 0);
    assert_int_equal(contrib_bill_confirm(&e->ctx, bill, &err), ERR_OK);
    json_t *b = bill_json(bill);
    assert_string_equal(jstr(b, "status"), "confirmed");
    assert_string_equal(jstr(b, "confirmed_on"), "2026-11-23");
    json_decref(b);
    err_clear(&err);
    assert_int_equal(contrib_bill_confirm(&e->ctx, bill, &err), ERR_CONFLICT);
    assert_string_equal(err.code, "bad_state");
    act(ROLE_FINANCE, 0, 0);   /* staff may confirm for the unit too */
    int64_t dec = assess(unit_u, 202612, &created);
    assert_int_equal(contrib_bill_confirm(&e->ctx, dec, &err), ERR_OK);
}

#define T(f) cmocka_unit_test_setup_teardown(f, reset, NULL)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(quote_below_the_floor_is_held_at_the_floor),
        T(quote_above_the_ceiling_is_held_at_the_ceiling),
        T(quote_at_and_beside_both_limits),
        T(half_a_fen_rounds_up_by_default),
        T(rounding_mode_comes_from_the_policy),
        T(two_months_under_two_policy_periods),
        T(quote_refusals_name_the_field),
        T(housing_fund_rate_at_both_edges_of_the_band),
        T(a_unit_declares_for_its_employee),
        T(a_declaration_is_audited),
        T(who_may_declare),
        T(declaration_refusals_at_their_edges),
        T(an_assessed_month_takes_a_raise_not_a_declaration),
        T(a_good_file_declares_every_row),
        T(a_bad_file_is_refused_whole_with_every_bad_row),
        T(a_file_with_a_bad_header_or_no_rows),
        T(a_units_month_is_assessed_span_by_span),
        T(the_next_month_has_c_and_not_b),
        T(the_bill_is_posted_once_and_audited_once),
        T(a_unit_without_spans_gets_no_bill),
        T(a_flexible_worker_pays_the_tier),
        T(residents_pay_the_year_in_the_first_month_and_each_january),
        T(a_bill_is_seen_by_its_unit_and_staff_only),
        T(a_person_sees_their_own_bill),
        T(the_unit_lists_its_bills),
        T(the_unit_confirms_its_draft_once),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
