/* Demo data for the platform: staff of every role, a few units with their
 * operators, persons with accounts, and applications in every state. The
 * registry and contributions extend it with their own records. */
#include "svc/demo.h"

#include <stdio.h>
#include <string.h>

#include "base/idno.h"
#include "svc/application.h"
#include "svc/audit.h"
#include "svc/auth.h"
#include "svc/catalog.h"

#define DEMO_PERSON_PASSWORD "Demo@2026"
#define DEMO_UNIT_PASSWORD "Unit@2026"
#define DEMO_STAFF_PASSWORD "Staff@2026"

/* Identities are generated with valid check characters: see demo_id_number
 * and demo_unit_code. Their fixed parts are listed here. */
typedef struct demo_person { const char *birth; const char *order; const char *name; } demo_person;
static const demo_person persons[] = {
    {"19900315", "123", "张伟"},   {"19880722", "246", "王芳"}, {"19750101", "357", "李强"},
    {"19951130", "468", "刘洋"},   {"20010608", "579", "陈静"}, {"19650203", "131", "杨军"},
    {"19720909", "242", "赵敏"},   {"19981212", "353", "黄磊"},
};
enum { PERSON_COUNT = sizeof persons / sizeof persons[0] };

typedef struct demo_unit { const char *org8; const char *name; } demo_unit;
static const demo_unit units[] = {
    {"MA1MXK2B", "苏州工业园区星海科技有限公司"},
    {"MA1N3PQ7", "苏州金鸡湖精密制造有限公司"},
    {"MA1P5RT9", "苏州独墅湖生物医药研究院"},
};
enum { UNIT_COUNT = sizeof units / sizeof units[0] };

/* Filled in by demo_ids_init: the logins printed for `make run`. */
static char person_ids[PERSON_COUNT][19];
static char unit_codes[UNIT_COUNT][19];
static char unit_logins[UNIT_COUNT][64];

const demo_login demo_logins[] = {
    {"staff", "管理员", "admin", DEMO_STAFF_PASSWORD},
    {"staff", "柜员", "clerk01", DEMO_STAFF_PASSWORD},
    {"staff", "审核员", "reviewer01", DEMO_STAFF_PASSWORD},
    {"staff", "财务", "finance01", DEMO_STAFF_PASSWORD},
    {"unit", "单位经办人（星海科技）", unit_logins[0], DEMO_UNIT_PASSWORD},
    {"unit", "单位经办人（金鸡湖精密）", unit_logins[1], DEMO_UNIT_PASSWORD},
    {"person", "参保人 张伟", person_ids[0], DEMO_PERSON_PASSWORD},
    {"person", "参保人 王芳", person_ids[1], DEMO_PERSON_PASSWORD},
};
const int demo_login_count = sizeof demo_logins / sizeof demo_logins[0];

static void demo_id_number(const demo_person *p, char out[19]) {
    char d17[18];
    snprintf(d17, sizeof d17, "320571%s%s", p->birth, p->order);
    snprintf(out, 19, "%s%c", d17, idno_resident_check_char(d17));
}

/* 9 (enterprise) 1 (registered by market regulation) 320594 (the park),
 * then the organisation code and its GB 11714 check character, found by
 * trying each: only the right one passes uscc_check. */
static void demo_unit_code(const demo_unit *u, char out[19]) {
    static const char org_checks[] = "0123456789X";
    for (int i = 0; org_checks[i]; i++) {
        char first17[18];
        snprintf(first17, sizeof first17, "91320594%s%c", u->org8, org_checks[i]);
        snprintf(out, 19, "%s%c", first17, uscc_check_char(first17));
        if (uscc_check(out, NULL) == ERR_OK) return;
    }
    out[0] = 0;
}

static void demo_ids_init(void) {
    for (int i = 0; i < PERSON_COUNT; i++) demo_id_number(&persons[i], person_ids[i]);
    for (int i = 0; i < UNIT_COUNT; i++) {
        demo_unit_code(&units[i], unit_codes[i]);
        snprintf(unit_logins[i], sizeof unit_logins[i], "%s/hr", unit_codes[i]);
    }
}

__attribute__((constructor)) static void demo_init(void) { demo_ids_init(); }

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

static err_kind add_units(svc_ctx *ctx, int64_t unit_ids[UNIT_COUNT], err_detail *err) {
    for (int i = 0; i < UNIT_COUNT; i++) {
        err_kind k = store_exec(ctx->tx, STORE_Q_UNIT_INSERT, err, "tti", unit_codes[i],
                                units[i].name, ctx->now_ms);
        if (k) return k;
        unit_ids[i] = store_last_insert_id(ctx->tx);
        auth_user_new u = {.role = "unit", .unit_code = unit_codes[i], .operator_name = "hr",
                           .display_name = "人事经办", .password = DEMO_UNIT_PASSWORD};
        int64_t id;
        k = auth_user_create(ctx, &u, &id, err);
        if (k) return k;
    }
    return ERR_OK;
}

static err_kind add_persons(svc_ctx *ctx, int64_t person_ids_out[PERSON_COUNT], err_detail *err) {
    for (int i = 0; i < PERSON_COUNT; i++) {
        idno_info info;
        err_kind k = idno_check(IDNO_RESIDENT, person_ids[i], &info, err);
        if (k) return k;
        char birth[DATE_STR_BYTES];
        date_format(info.birth_date, birth);
        char sex[2] = {info.sex, 0};
        k = store_exec(ctx->tx, STORE_Q_PERSON_INSERT, err, "ttttti", "resident", person_ids[i],
                       persons[i].name, sex, birth, ctx->now_ms);
        if (k) return k;
        person_ids_out[i] = store_last_insert_id(ctx->tx);
        auth_user_new u = {.role = "person", .id_number = person_ids[i],
                           .password = DEMO_PERSON_PASSWORD};
        int64_t id;
        k = auth_user_create(ctx, &u, &id, err);
        if (k) return k;
    }
    return ERR_OK;
}

/* The first open item whose audience includes `who` and whose time limit is
 * (immediate ? 0 : more than 0). */
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

/* Applications in every state, made by the system at the counter. */
static err_kind add_applications(svc_ctx *ctx, const int64_t *pids, const int64_t *uids,
                                 err_detail *err) {
    const char *timed = open_item(ctx, "person", false, err);
    const char *quick = open_item(ctx, "person", true, err);
    const char *unit_item = open_item(ctx, "unit", false, err);
    int64_t id;
    err_kind k = ERR_OK;
    if (timed) {
        for (int i = 0; i < 5 && !k; i++) k = submit_as(ctx, timed, pids[i], 0, &id, err);
        /* ids 1..5: submitted; accept 2..5, approve 3..5, refuse none, complete 5 */
        for (int64_t a = id - 3; a <= id && !k; a++) k = application_accept(ctx, a, NULL, err);
        for (int64_t a = id - 2; a <= id - 1 && !k; a++) k = application_decide(ctx, a, true, NULL, err);
        if (!k) k = application_decide(ctx, id, false, "材料不齐：缺少劳动合同复印件", err);
        if (!k) k = application_complete(ctx, id - 1, "已办结", err);
    }
    if (quick && !k) k = submit_as(ctx, quick, pids[5], 0, &id, err);
    if (unit_item && !k) k = submit_as(ctx, unit_item, 0, uids[0], &id, err);
    return k;
}

err_kind demo_seed(svc_ctx *ctx, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_UNIT_BY_CODE, &st, err);
    if (k) return k;
    store_bind_text(st, 1, unit_codes[0]);
    bool present = false;
    k = store_step(st, &present, err);
    store_stmt_done(st);
    if (k) return k;
    if (present)
        return err_set(err, ERR_CONFLICT, "demo_present", NULL, "演示数据已经存在，无需重复写入");
    int64_t pids[PERSON_COUNT], uids[UNIT_COUNT];
    k = add_staff(ctx, err);
    if (!k) k = add_units(ctx, uids, err);
    if (!k) k = add_persons(ctx, pids, err);
    if (!k) k = add_applications(ctx, pids, uids, err);
    if (!k) k = audit_append(ctx, "demo.seed", "system", "ok", "", err);
    return k;
}
