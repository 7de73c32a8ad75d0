/* Demo data: a believable small park to try every desk with.
 *
 * Staff of every role; 20 units of every type and many industries; about 500
 * persons with 24 months of history played forward day by day through the
 * same svc functions every channel uses (enrolments, a few late, leavers and
 * re-hires, foreign and HK/Macao/Taiwan employees); flexible workers,
 * residents, single-insurance injury and a construction project; and
 * applications in every state. Everything is derived from a fixed seed, so
 * every run builds the same park. */
#include "svc/demo.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/idno.h"
#include "svc/application.h"
#include "svc/audit.h"
#include "svc/auth.h"
#include "svc/catalog.h"
#include "svc/backpay.h"
#include "svc/collection.h"
#include "svc/contribution.h"
#include "svc/registry_enrol.h"
#include "svc/registry_flex.h"
#include "svc/registry_unit.h"

#define DEMO_PERSON_PASSWORD "Demo@2026"
#define DEMO_UNIT_PASSWORD "Unit@2026"
#define DEMO_STAFF_PASSWORD "Staff@2026"

enum {
    DEMO_UNITS = 20,
    DEMO_EMPLOYEES = 480,
    DEMO_FOREIGN = 12,         /* of the employees, with passports */
    DEMO_HMT = 6,              /* of the employees, with HK/Macao/Taiwan permits */
    DEMO_HISTORY_MONTHS = 24,
    DEMO_LATE_PER_100 = 3,     /* enrolled more than 30 days after hiring */
    DEMO_LEAVERS_PER_100 = 12,
    DEMO_EVENTS_MAX = 2 * DEMO_EMPLOYEES + 16,
    DEMO_CONSTRUCTION_UNIT = 4, /* index of the unit that gets the construction project */
    DEMO_PAID_MONTHS = 3,      /* months before the business month assessed, collected and paid */
    DEMO_FAIL_EVERY = 9,       /* in the first of them, every 9th collection line fails */
};

/* ---- a fixed pseudo-random sequence (PCG-style LCG; not for secrets) ---- */

static uint64_t demo_state;

static uint32_t demo_next(void) {
    demo_state = demo_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(demo_state >> 33);
}

static int demo_below(int n) { return (int)(demo_next() % (uint32_t)n); }

/* ---- units ---- */

typedef struct demo_unit {
    const char *name, *type;
    int industry_class;
    const char *category;
} demo_unit;

static const demo_unit units[DEMO_UNITS] = {
    {"苏州工业园区星海科技有限公司", "enterprise", 1, "sip_a"},
    {"苏州金鸡湖精密制造有限公司", "enterprise", 4, "sip_a"},
    {"苏州独墅湖生物医药研究院", "institution", 2, "sip_a"},
    {"苏州湖东物流有限公司", "enterprise", 6, "sip_b"},
    {"苏州星湖建设工程有限公司", "enterprise", 8, "sip_b"},
    {"苏州月亮湾软件有限公司", "enterprise", 1, "sip_a"},
    {"苏州工业园区社会工作者协会", "social_org", 1, "sip_a"},
    {"苏州工业园区斜塘社区服务中心", "government", 1, "gov"},
    {"苏州科技城半导体有限公司", "enterprise", 5, "sip_a"},
    {"苏州青剑湖餐饮管理有限公司", "enterprise", 3, "sip_b"},
    {"苏州国际博览中心会展服务有限公司", "enterprise", 2, "sip_a"},
    {"苏州东沙湖物业管理有限公司", "enterprise", 3, "sip_b"},
    {"苏州纳米城新材料有限公司", "enterprise", 5, "sip_a"},
    {"苏州工业园区娄葑诊所", "non_legal", 2, "sip_b"},
    {"苏州工业园区机关服务中心", "government", 1, "gov"},
    {"苏州阳澄湖汽车零部件有限公司", "enterprise", 6, "sip_a"},
    {"苏州中新生态科技有限公司", "enterprise", 2, "sip_a"},
    {"苏州金鸡湖酒店管理有限公司", "enterprise", 3, "sip_b"},
    {"苏州独墅湖教育服务中心", "institution", 1, "sip_a"},
    {"苏州胜浦纺织有限公司", "enterprise", 7, "sip_b"},
};

static char unit_codes[DEMO_UNITS][19];
static char unit_logins[2][64];

/* 9 (enterprise) or 1/5/6 by type, 1, 320594 (the park), the organisation
 * code and its GB 11714 check character (found by trying each: only the
 * right one passes uscc_check), and the GB 32100 check character. */
static void demo_unit_code(int i, char out[19]) {
    static const char org_checks[] = "0123456789X";
    const char *t = units[i].type;
    char lead = strcmp(t, "government") == 0 ? '1' : strcmp(t, "institution") == 0 ? '1'
              : strcmp(t, "social_org") == 0 ? '5' : '9';
    char auth = strcmp(t, "government") == 0 ? '1' : strcmp(t, "institution") == 0 ? '2'
              : strcmp(t, "social_org") == 0 ? '1' : '1';
    for (int c = 0; org_checks[c]; c++) {
        char first17[18];
        snprintf(first17, sizeof first17, "%c%c320594MA1%05d%c", lead, auth, (10007 + i * 373) % 100000,
                 org_checks[c]);
        snprintf(out, 19, "%s%c", first17, uscc_check_char(first17));
        if (uscc_check(out, NULL) == ERR_OK) return;
    }
    out[0] = 0;
}

/* ---- persons ---- */

static const char *const surnames[] = {"张", "王", "李", "刘", "陈", "杨", "赵", "黄", "周", "吴",
                                       "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗",
                                       "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "沈"};
static const char *const given[] = {"伟", "芳", "娜", "敏", "静", "磊", "强", "军", "洋", "勇",
                                    "艳", "杰", "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英",
                                    "晨", "婷", "浩然", "子涵", "欣怡", "宇轩", "思远", "雨桐",
                                    "嘉怡", "俊杰", "佳琪", "晓东", "海燕", "建国", "丽华", "志强",
                                    "文博", "诗涵", "一鸣", "若曦"};

typedef struct hukou_place { const char *kind; const char *area; } hukou_place;
static const hukou_place places[] = {
    {"sip", "320594"}, {"sip", "320571"}, {"sip", "320594"}, {"sip", "320571"},
    {"suzhou", "320505"}, {"suzhou", "320506"}, {"jiangsu", "320102"}, {"jiangsu", "321002"},
    {"other_province", "340104"}, {"other_province", "410105"},
};

typedef struct foreign_doc { const char *country; const char *prefix; const char *exempt; } foreign_doc;
static const foreign_doc foreigners[] = {
    {"DEU", "C", "DEU"}, {"USA", "5", NULL}, {"JPN", "TR", "JPN"}, {"KOR", "M", "KOR"},
    {"FRA", "19", NULL}, {"GBR", "5", NULL}, {"SGP", "K", NULL}, {"CAN", "AB", NULL},
};

typedef struct demo_person {
    char id_number[24];
    const char *id_kind;
    char name[32];
    char sex;
    date_days birth;
    const char *hukou;
    const char *nationality;
    int unit;             /* first employer */
    int second_unit;      /* re-hired there after leaving, or -1 */
    date_days hired, enrolled, left, rehired;
    const char *reason;
    int64_t id;           /* once created */
} demo_person;

static demo_person people[DEMO_EMPLOYEES];
static char person_logins[2][24];

const demo_login demo_logins[] = {
    {"staff", "管理员", "admin", DEMO_STAFF_PASSWORD},
    {"staff", "柜员", "clerk01", DEMO_STAFF_PASSWORD},
    {"staff", "审核员", "reviewer01", DEMO_STAFF_PASSWORD},
    {"staff", "财务", "finance01", DEMO_STAFF_PASSWORD},
    {"unit", "单位经办人（星海科技）", unit_logins[0], DEMO_UNIT_PASSWORD},
    {"unit", "单位经办人（金鸡湖精密）", unit_logins[1], DEMO_UNIT_PASSWORD},
    {"person", "参保人 张伟", person_logins[0], DEMO_PERSON_PASSWORD},
    {"person", "参保人 王芳", person_logins[1], DEMO_PERSON_PASSWORD},
};
const int demo_login_count = sizeof demo_logins / sizeof demo_logins[0];

static bool id_taken(int upto, const char *id) {
    for (int j = 0; j < upto; j++)
        if (strcmp(people[j].id_number, id) == 0) return true;
    return false;
}

static void make_resident_id(demo_person *p, const char *area, int seq) {
    int y, m, d;
    date_to_ymd(p->birth, &y, &m, &d);
    for (int attempt = 0;; attempt++) {
        int order = (seq * 7 + attempt * 11) % 450 * 2 + 100 + (p->sex == 'M' ? 1 : 0);
        char d17[18];
        snprintf(d17, sizeof d17, "%s%04d%02d%02d%03d", area, y, m, d, order);
        snprintf(p->id_number, sizeof p->id_number, "%s%c", d17, idno_resident_check_char(d17));
        if (!id_taken(seq, p->id_number)) return;
    }
}

static void make_person(int i, date_days history_start, date_days as_of) {
    demo_person *p = &people[i];
    p->sex = (i == 1 || demo_below(2)) ? 'F' : 'M';
    if (i == 0) p->sex = 'M';
    /* men 1968..2003, women 1978..2003: none reaches retirement age in the demo's years */
    int y0 = p->sex == 'M' ? 1968 : 1978;
    int year = y0 + demo_below(2003 - y0 + 1);
    p->birth = date_from_ymd(year, 1 + demo_below(12), 1 + demo_below(28));
    snprintf(p->name, sizeof p->name, "%s%s", surnames[demo_below(30)], given[demo_below(40)]);
    if (i == 0) snprintf(p->name, sizeof p->name, "张伟");
    if (i == 1) snprintf(p->name, sizeof p->name, "王芳");
    p->second_unit = -1;
    int f = i - (DEMO_EMPLOYEES - DEMO_FOREIGN - DEMO_HMT);
    if (f >= 0 && f < DEMO_FOREIGN) {
        const foreign_doc *fd = &foreigners[f % (int)(sizeof foreigners / sizeof foreigners[0])];
        p->id_kind = "passport";
        p->nationality = fd->country;
        p->hukou = "foreign";
        snprintf(p->id_number, sizeof p->id_number, "%s%07d", fd->prefix, 3100000 + i);
    } else if (f >= DEMO_FOREIGN) {
        p->id_kind = (f % 2) ? "tw_permit" : "hkmo_permit";
        p->nationality = (f % 2) ? "TWN" : "HKG";
        p->hukou = "hmt";
        if (f % 2) snprintf(p->id_number, sizeof p->id_number, "%08d", 51000000 + i);
        else snprintf(p->id_number, sizeof p->id_number, "H%08d", 61000000 + i);
    } else {
        const hukou_place *hp = &places[(i < 2) ? 0 : demo_below((int)(sizeof places / sizeof places[0]))];
        p->id_kind = "resident";
        p->nationality = "CHN";
        p->hukou = hp->kind;
        make_resident_id(p, hp->area, i);
    }
    int span_days = as_of - history_start;
    p->unit = i < 2 ? 0 : demo_below(DEMO_UNITS);
    p->hired = history_start + (i < 2 ? 10 : demo_below(span_days - 20));
    /* persons must be 16 on the day they are hired */
    if (date_age_years(p->birth, p->hired) < 16) p->birth = date_add_years(p->hired, -20);
    bool late = i >= 2 && demo_below(100) < DEMO_LATE_PER_100;
    p->enrolled = p->hired + (late ? 35 + demo_below(25) : demo_below(8));
    if (p->enrolled > as_of) p->enrolled = as_of;
}

static const char *const leave_reasons[] = {"contract_expired", "resignation", "mutual_by_employer",
                                            "resignation", "employer_dismissal", "mutual_by_employee"};

static void plan_leaving(int i, date_days as_of) {
    demo_person *p = &people[i];
    if (i < 2 || demo_below(100) >= DEMO_LEAVERS_PER_100) return;
    if (strcmp(p->id_kind, "resident") != 0) return;   /* foreign contracts run on */
    if (as_of - p->enrolled < 90) return;
    p->left = p->enrolled + 60 + demo_below(as_of - p->enrolled - 60);
    p->reason = leave_reasons[demo_below((int)(sizeof leave_reasons / sizeof leave_reasons[0]))];
    if (demo_below(2) && as_of - p->left > 45) {
        p->second_unit = (p->unit + 1 + demo_below(DEMO_UNITS - 1)) % DEMO_UNITS;
        p->rehired = p->left + 20 + demo_below(20);
    }
}

static date_days demo_as_of_cached;

static void demo_plan(date_days as_of) {
    if (demo_as_of_cached == as_of) return;
    demo_as_of_cached = as_of;
    demo_state = 20261123;
    memset(people, 0, sizeof people);
    month_ym first = month_add(month_of(as_of), -DEMO_HISTORY_MONTHS);
    date_days start = month_first_day(first);
    for (int i = 0; i < DEMO_EMPLOYEES; i++) make_person(i, start, as_of);
    for (int i = 0; i < DEMO_EMPLOYEES; i++) plan_leaving(i, as_of);
    for (int i = 0; i < 2; i++) snprintf(person_logins[i], sizeof person_logins[i], "%s", people[i].id_number);
}

/* The sign-ins are printed before any data exists (`seed-demo --list`), so
 * the plan that makes the persons' ID numbers runs at start-up; the dates of
 * the plan are redone for the business date when seeding. */
__attribute__((constructor)) static void demo_init(void) {
    for (int i = 0; i < DEMO_UNITS; i++) demo_unit_code(i, unit_codes[i]);
    for (int i = 0; i < 2; i++) snprintf(unit_logins[i], sizeof unit_logins[i], "%s/hr", unit_codes[i]);
    demo_plan(date_from_ymd(2026, 11, 23));
}

/* ---- playing the history ---- */

static void set_day(svc_ctx *ctx, date_days d) {
    ctx->business_date = d;
    ctx->now_ms = (int64_t)d * 86400000LL + 2 * 3600000LL;   /* 10:00 Beijing time */
}

static err_kind add_staff(svc_ctx *ctx, err_detail *err) {
    static const struct { const char *role, *username, *name; } staff[] = {
        {"admin", "admin", "系统管理员"}, {"clerk", "clerk01", "柜员 周琳"},
        {"reviewer", "reviewer01", "审核员 吴昊"}, {"finance", "finance01", "财务 郑洁"},
    };
    for (size_t i = 0; i < sizeof staff / sizeof staff[0]; i++) {
        auth_user_new u = {.role = staff[i].role, .username = staff[i].username,
                           .display_name = staff[i].name, .password = DEMO_STAFF_PASSWORD};
        int64_t id;
        err_kind k = auth_user_create(ctx, &u, &id, err);
        if (k) return k;
    }
    return ERR_OK;
}

static err_kind add_unit(svc_ctx *ctx, int i, int64_t *id, err_detail *err) {
    char account[32];
    snprintf(account, sizeof account, "62220215%08d", 10000000 + i * 7919);
    reg_unit_new u = {.code = unit_codes[i], .name = units[i].name, .unit_type = units[i].type,
                      .industry_class = units[i].industry_class, .category = units[i].category,
                      .address = "苏州工业园区星湖街 328 号", .contact_name = "人事经办",
                      .contact_phone = "0512-62880000", .bank_name = "中国工商银行苏州工业园区支行",
                      .bank_account = account};
    err_kind k = reg_unit_register(ctx, &u, id, err);
    if (!k && i % 5 != 4) k = reg_unit_certificate_issue(ctx, *id, err);
    if (!k && i % 5 != 4) k = reg_unit_online_payment(ctx, *id, err);
    if (!k && i < 2) {
        auth_user_new op = {.role = "unit", .unit_code = unit_codes[i], .operator_name = "hr",
                            .display_name = "人事经办", .password = DEMO_UNIT_PASSWORD};
        int64_t uid;
        k = auth_user_create(ctx, &op, &uid, err);
    }
    return k;
}

static err_kind enrol(svc_ctx *ctx, demo_person *p, int64_t unit_id, date_days start, err_detail *err) {
    idno_kind kind = IDNO_RESIDENT;
    err_kind k = idno_kind_parse(p->id_kind, &kind, err);
    if (k) return k;
    enrol_in in = {.unit_id = unit_id, .person_id = p->id, .start_date = start, .pays_hf = -1};
    in.person = (reg_person_new){.id_kind = kind, .id_number = p->id_number, .name = p->name,
                                 .sex = p->sex == 'M' ? "M" : "F", .birth_date = p->birth,
                                 .nationality = p->nationality, .hukou_kind = p->hukou};
    if (strcmp(p->hukou, "foreign") == 0 || strcmp(p->hukou, "hmt") == 0) {
        in.kind = strcmp(p->hukou, "foreign") == 0 ? "foreign" : "hmt";
        in.contract_end = date_add_years(start, 3);
        in.pays_hf = 1;
        in.hf_rate_bp = 1000;
        const char *exempt = NULL;
        for (size_t f = 0; f < sizeof foreigners / sizeof foreigners[0]; f++)
            if (strcmp(foreigners[f].country, p->nationality) == 0) exempt = foreigners[f].exempt;
        if (exempt) {
            in.exemption_country = exempt;
            in.exemption_certificate = "SSA-2024-0001";
        }
    }
    json_t *out = NULL;
    k = enrol_employee(ctx, &in, &out, err);
    if (!k && !p->id) {
        json_t *pid = json_object_get(json_object_get(out, "person"), "id");
        if (!pid) pid = json_object_get(out, "person_id");
        p->id = json_integer_value(pid);
    }
    json_decref(out);
    return k;
}

static err_kind terminate(svc_ctx *ctx, demo_person *p, int64_t unit_id, err_detail *err) {
    termination_in in = {.unit_id = unit_id, .person_id = p->id, .end_date = p->left, .reason = p->reason};
    json_t *out = NULL;
    err_kind k = enrol_terminate(ctx, &in, &out, err);
    json_decref(out);
    return k;
}

typedef struct demo_event { date_days day; int person; int what; } demo_event;
enum { EV_ENROL, EV_LEAVE, EV_REHIRE };

static int event_cmp(const void *a, const void *b) {
    const demo_event *x = a, *y = b;
    if (x->day != y->day) return x->day < y->day ? -1 : 1;
    if (x->what != y->what) return x->what < y->what ? -1 : 1;
    return x->person - y->person;
}

static err_kind play_history(svc_ctx *ctx, const int64_t unit_ids[DEMO_UNITS], err_detail *err) {
    static demo_event ev[DEMO_EVENTS_MAX];
    int n = 0;
    for (int i = 0; i < DEMO_EMPLOYEES; i++) {
        ev[n++] = (demo_event){people[i].enrolled, i, EV_ENROL};
        if (people[i].left) ev[n++] = (demo_event){people[i].left + 1, i, EV_LEAVE};
        if (people[i].second_unit >= 0) ev[n++] = (demo_event){people[i].rehired, i, EV_REHIRE};
    }
    qsort(ev, (size_t)n, sizeof ev[0], event_cmp);
    for (int e = 0; e < n; e++) {
        demo_person *p = &people[ev[e].person];
        set_day(ctx, ev[e].day);
        err_kind k;
        if (ev[e].what == EV_ENROL) k = enrol(ctx, p, unit_ids[p->unit], p->hired, err);
        else if (ev[e].what == EV_LEAVE) k = terminate(ctx, p, unit_ids[p->unit], err);
        else k = enrol(ctx, p, unit_ids[p->second_unit], p->rehired, err);
        if (k) {
            char msg[160];
            snprintf(msg, sizeof msg, "%.150s", err->message);
            snprintf(err->message, sizeof err->message, "演示数据（%.24s %.20s）：%.160s", p->name,
                     p->id_number, msg);
            return k;
        }
    }
    return ERR_OK;
}

/* The fund collection section has opened the medical subsidy business for
 * the first units (the rest show the refusal). */
static err_kind add_med_permits(svc_ctx *ctx, const int64_t uids[DEMO_UNITS], err_detail *err) {
    enum { DEMO_MED_PERMITTED_UNITS = 5 };
    err_kind k = ERR_OK;
    for (int i = 0; !k && i < DEMO_MED_PERMITTED_UNITS; i++) {
        json_t *out = NULL;
        k = backpay_med_permit_set(ctx, uids[i], true, &out, err);
        json_decref(out);
    }
    return k;
}

/* Every flexible worker and resident signs a withholding card, so their
 * bills go out with the month's collection files. */
static err_kind add_self_payer_cards(svc_ctx *ctx, err_detail *err) {
    enum { SELF_PAYERS_MAX = 1000 };
    int64_t *ids = arena_alloc(ctx->ar, sizeof *ids * SELF_PAYERS_MAX);
    int n = 0;
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_COLLECT_SELF_PAYERS_NO_CARD, &st, err);
    if (k) return k;
    store_bind_int(st, 1, SELF_PAYERS_MAX);
    bool row = false;
    while (n < SELF_PAYERS_MAX && !(k = store_step(st, &row, err)) && row) ids[n++] = store_col_int(st, 0);
    store_stmt_done(st);
    for (int i = 0; !k && i < n; i++) {
        char account[24];
        snprintf(account, sizeof account, "62220215%010" PRId64, ids[i]);
        json_t *out = NULL;
        k = collect_card_set(ctx, ids[i], "中国建设银行苏州工业园区支行", account, &out, err);
        json_decref(out);
    }
    return k;
}

static err_kind add_person_accounts(svc_ctx *ctx, err_detail *err) {
    for (int i = 0; i < 2; i++) {
        auth_user_new u = {.role = "person", .id_number = people[i].id_number,
                           .password = DEMO_PERSON_PASSWORD};
        int64_t id;
        err_kind k = auth_user_create(ctx, &u, &id, err);
        if (k) return k;
    }
    return ERR_OK;
}

/* ---- a few months of contributions ---- */

/* The unit a person works at on the business date, or -1. */
static int current_unit(const demo_person *p) {
    if (p->second_unit >= 0) return p->second_unit;
    return p->left ? -1 : p->unit;
}

/* Yearly declarations for the policy year of `month`: wages of 5,000 to
 * 40,000 yuan, held within the year's limits by the declaration itself. */
static err_kind declare_bases(svc_ctx *ctx, const int64_t uids[DEMO_UNITS], month_ym month,
                              err_detail *err) {
    month_ym from = (month / 100) * 100 + 7;
    if (from > month) from = month_add(from, -12);
    for (int i = 0; i < DEMO_EMPLOYEES; i++) {
        int u = current_unit(&people[i]);
        if (u < 0 || !people[i].id) continue;
        money_fen wage = 500000 + (money_fen)demo_below(3500000);
        json_t *out = NULL;
        err_kind k = contrib_base_declare(ctx, uids[u], people[i].id, from, wage, "annual", &out, err);
        json_decref(out);
        if (k == ERR_RULE || k == ERR_NOT_FOUND) { err_clear(err); continue; }   /* hired after the year began */
        if (k) return k;
    }
    return ERR_OK;
}

static err_kind assess_month(svc_ctx *ctx, const int64_t uids[DEMO_UNITS], month_ym month,
                             err_detail *err) {
    for (int u = 0; u < DEMO_UNITS; u++) {
        int64_t bill = 0;
        bool created = false;
        err_kind k = contrib_assess_unit(ctx, uids[u], month, &bill, &created, err);
        if (!k && created && bill) k = contrib_bill_confirm(ctx, bill, err);
        if (k) return k;
    }
    return ERR_OK;
}

/* The bank answers every file of the month through the simulator. */
static err_kind collect_month(svc_ctx *ctx, month_ym month, int fail_every, err_detail *err) {
    json_t *ans = NULL;
    err_kind k = collect_make_files(ctx, month, NULL, &ans, err);
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(ans, "files"), i, f) {
        if (k) break;
        const char *text = json_string_value(json_object_get(f, "content"));
        char *reply = NULL;
        k = collect_simulate_bank(text, strlen(text), fail_every, &reply, err);
        json_t *imported = NULL;
        if (!k) k = collect_import_reply(ctx, reply, strlen(reply), &imported, err);
        json_decref(imported);
        free(reply);
    }
    json_decref(ans);
    return k;
}

/* The last months before the business month: bases declared, assessed,
 * confirmed, collected and paid (the first with a few failed lines, collected
 * again with the next month's files). The business month is left to
 * `sipf month run`. */
static err_kind add_contributions(svc_ctx *ctx, const int64_t uids[DEMO_UNITS], date_days as_of,
                                  err_detail *err) {
    month_ym now = month_of(as_of);
    month_ym first = month_add(now, -DEMO_PAID_MONTHS);
    set_day(ctx, month_first_day(first) + 1);
    err_kind k = declare_bases(ctx, uids, first, err);
    for (month_ym m = first; !k && m < now; m = month_add(m, 1)) {
        if (m % 100 == 7) {
            set_day(ctx, month_first_day(m) + 1);
            k = declare_bases(ctx, uids, m, err);
        }
        set_day(ctx, month_first_day(m) + 4);
        if (!k) k = assess_month(ctx, uids, m, err);
        set_day(ctx, month_first_day(m) + 19);
        if (!k) k = collect_month(ctx, m, m == first ? DEMO_FAIL_EVERY : 0, err);
    }
    set_day(ctx, as_of);
    return k;
}

/* ---- applications ---- */

/* The first open item of the generic record whose audience includes `who`
 * and whose time limit is (immediate ? 0 : more than 0). */
static const char *open_item(svc_ctx *ctx, const char *who, bool immediate, err_detail *err) {
    json_t *items = NULL;
    if (catalog_list(ctx, who, NULL, &items, err)) return NULL;
    const char *found = NULL;
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        json_t *tl = json_object_get(it, "time_limit_workdays");
        if (!json_is_true(json_object_get(it, "is_open")) || !json_is_integer(tl)) continue;
        if (!json_is_null(json_object_get(it, "operation"))) continue;   /* has its own operation */
        if ((json_integer_value(tl) == 0) != immediate) continue;
        found = arena_strdup(ctx->ar, json_string_value(json_object_get(it, "id")));
        break;
    }
    json_decref(items);
    return found;
}

static err_kind submit_as(svc_ctx *ctx, const char *item, int64_t person_id, int64_t unit_id,
                          int64_t *id, err_detail *err) {
    json_t *payload = json_pack("{s:s}", "说明", "演示办件");
    application_new in = {.item_id = item, .payload = payload, .person_id = person_id,
                          .unit_id = unit_id};
    err_kind k = application_submit(ctx, &in, id, err);
    json_decref(payload);
    return k;
}

/* Five applications walked to every state, an immediate one and a unit's. */
static err_kind add_applications(svc_ctx *ctx, const int64_t *uids, err_detail *err) {
    const char *timed = open_item(ctx, "person", false, err);
    const char *quick = open_item(ctx, "person", true, err);
    const char *unit_item = open_item(ctx, "unit", false, err);
    int64_t id = 0;
    err_kind k = ERR_OK;
    if (timed) {
        for (int i = 0; i < 5 && !k; i++) k = submit_as(ctx, timed, people[i].id, 0, &id, err);
        for (int64_t a = id - 3; a <= id && !k; a++) k = application_accept(ctx, a, NULL, err);
        for (int64_t a = id - 2; a <= id - 1 && !k; a++) k = application_decide(ctx, a, true, NULL, err);
        if (!k) k = application_decide(ctx, id, false, "材料不齐：缺少劳动合同复印件", err);
        if (!k) k = application_complete(ctx, id - 1, "已办结", err);
    }
    if (quick && !k) k = submit_as(ctx, quick, people[5].id, 0, &id, err);
    if (unit_item && !k) k = submit_as(ctx, unit_item, 0, uids[0], &id, err);
    return k;
}

static err_kind demo_absent(svc_ctx *ctx, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_UNIT_BY_CODE, &st, err);
    if (k) return k;
    store_bind_text(st, 1, unit_codes[0]);
    bool present = false;
    k = store_step(st, &present, err);
    store_stmt_done(st);
    if (!k && present)
        k = err_set(err, ERR_CONFLICT, "demo_present", NULL, "演示数据已经存在，无需重复写入");
    return k;
}

err_kind demo_seed(svc_ctx *ctx, err_detail *err) {
    const date_days as_of = ctx->business_date;
    err_kind k = demo_absent(ctx, err);
    if (k) return k;
    demo_plan(as_of);
    month_ym first = month_add(month_of(as_of), -DEMO_HISTORY_MONTHS);
    set_day(ctx, month_first_day(first));
    int64_t uids[DEMO_UNITS];
    k = add_staff(ctx, err);
    for (int i = 0; i < DEMO_UNITS && !k; i++) k = add_unit(ctx, i, &uids[i], err);
    if (!k) k = play_history(ctx, uids, err);
    set_day(ctx, as_of);
    if (!k) k = add_contributions(ctx, uids, as_of, err);
    set_day(ctx, as_of);
    if (!k) k = add_person_accounts(ctx, err);
    if (!k) k = flex_demo_seed(ctx, uids[DEMO_CONSTRUCTION_UNIT], err);
    if (!k) k = add_self_payer_cards(ctx, err);
    if (!k) k = add_med_permits(ctx, uids, err);
    if (!k) k = add_applications(ctx, uids, err);
    if (!k) k = audit_append(ctx, "demo.seed", "system", "ok", "", err);
    return k;
}
