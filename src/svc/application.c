/* Applications (办件): submit, accept, receive materials, decide, complete,
 * and the progress query. See svc/application.h for the contract. */
#include "svc/application.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "svc/audit.h"
#include "svc/catalog.h"
#include "svc/backpay.h"
#include "svc/registry.h"

typedef err_kind (*item_check_fn)(svc_ctx *ctx, const json_t *payload, int64_t person_id,
                                  int64_t unit_id, err_detail *err);
typedef err_kind (*item_apply_fn)(svc_ctx *ctx, int64_t app_id, const json_t *payload,
                                  int64_t person_id, int64_t unit_id, err_detail *err);
typedef struct item_effect { const char *id; item_check_fn check; item_apply_fn apply; } item_effect;

static const item_effect item_effects[] = {
#define APP_ITEM(id, check, apply) {id, check, apply},
#include "svc/application_items.def"
#undef APP_ITEM
};

static const item_effect *effect_of(const char *item_id) {
    for (size_t i = 0; i < sizeof item_effects / sizeof item_effects[0]; i++)
        if (strcmp(item_effects[i].id, item_id) == 0) return &item_effects[i];
    return NULL;
}

enum { STATE_BYTES = 16, TARGET_BYTES = 48, DETAIL_BYTES = 160 };

/* Roles of the staff steps. ROLE_SYSTEM (the CLI acting as the center) may do all. */
#define ROLES_ACCEPT (ROLE_BIT(ROLE_CLERK) | ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_SYSTEM))
#define ROLES_RECEIVE ROLES_ACCEPT
#define ROLES_DECIDE (ROLE_BIT(ROLE_REVIEWER) | ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_SYSTEM))
#define ROLES_COMPLETE (ROLES_ACCEPT | ROLE_BIT(ROLE_REVIEWER))
#define ROLES_SUBMIT (ROLE_BIT(ROLE_PERSON) | ROLE_BIT(ROLE_UNIT) | ROLES_STAFF)

static const struct {
    const char *state;
    const char *zh;
    bool open;   /* still in the staff queue */
} states[] = {
    {"submitted", "已提交", true},
    {"accepted", "已受理", true},
    {"approved", "已批准", true},
    {"refused", "已退回", false},
    {"completed", "已办结", false},
    {"withdrawn", "已撤回", false},
};
enum { STATE_COUNT = sizeof states / sizeof states[0] };

/* An application as the rules see it. */
typedef struct app_row {
    int64_t id;
    int64_t person_id;          /* 0 when none */
    int64_t unit_id;            /* 0 when none */
    char item_id[CATALOG_ID_BYTES];
    char state[STATE_BYTES];
    int time_limit_workdays;    /* the item's: -1 not stated */
} app_row;

/* ---- small helpers ---- */

static int state_index(const char *s) {
    for (int i = 0; s && i < STATE_COUNT; i++)
        if (strcmp(states[i].state, s) == 0) return i;
    return -1;
}

static const char *state_zh(const char *s) {
    int i = state_index(s);
    return i < 0 ? s : states[i].zh;
}

static bool state_open(const char *s) {
    int i = state_index(s);
    return i >= 0 && states[i].open;
}

static err_kind require_role(const svc_ctx *ctx, unsigned mask, const char *doing,
                             err_detail *err) {
    if (ROLE_BIT(ctx->actor.role) & mask) return ERR_OK;
    return err_set(err, ERR_FORBIDDEN, "forbidden", NULL, "%s无权%s",
                   svc_role_name_zh(ctx->actor.role), doing);
}

static err_kind check_text(const char *s, const char *field, const char *label, err_detail *err) {
    if (!s || strnlen(s, LIMIT_TEXT_FIELD_BYTES_MAX + 1) <= LIMIT_TEXT_FIELD_BYTES_MAX)
        return ERR_OK;
    return err_set(err, ERR_INVALID, "invalid_field", field, "%s过长（最多 %d 字节）",
                   label, LIMIT_TEXT_FIELD_BYTES_MAX);
}

static bool blank(const char *s) {
    for (size_t i = 0; s && s[i] && i < LIMIT_TEXT_FIELD_BYTES_MAX; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') return false;
    return true;
}

static err_kind bad_state(const app_row *a, const char *doing, err_detail *err) {
    return err_set(err, ERR_CONFLICT, "bad_state", NULL, "办件当前状态为%s，不能%s",
                   state_zh(a->state), doing);
}

static err_kind not_found(err_detail *err) {
    return err_set(err, ERR_NOT_FOUND, "application_not_found", NULL, "办件不存在");
}

static void today_str(const svc_ctx *ctx, char out[DATE_STR_BYTES]) {
    date_format(ctx->business_date, out);
}

static err_kind audit_app(svc_ctx *ctx, const char *action, int64_t id, const char *detail,
                          err_detail *err) {
    char target[TARGET_BYTES];
    snprintf(target, sizeof target, "application:%" PRId64, id);
    return audit_append(ctx, action, target, "ok", detail, err);
}

static err_kind event_add(svc_ctx *ctx, int64_t id, const char *action, const char *from,
                          const char *to, const char *note, err_detail *err) {
    char today[DATE_STR_BYTES];
    today_str(ctx, today);
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_APP_EVENT_INSERT, &st, err);
    if (k) return k;
    store_bind_int(st, 1, id);
    store_bind_int(st, 2, ctx->now_ms);
    store_bind_text(st, 3, today);
    store_bind_id(st, 4, ctx->actor.user_id);
    store_bind_text(st, 5, svc_role_name(ctx->actor.role));
    store_bind_text(st, 6, action);
    store_bind_text(st, 7, from);
    store_bind_text(st, 8, to);
    store_bind_text(st, 9, note ? note : "");
    return store_step_all(st, err);
}

/* ---- loading and visibility ---- */

static void read_row(store_stmt *st, app_row *a) {
    memset(a, 0, sizeof *a);
    a->id = store_col_int(st, 0);
    snprintf(a->item_id, sizeof a->item_id, "%s", store_col_text(st, 1));
    snprintf(a->state, sizeof a->state, "%s", store_col_text(st, 2));
    a->person_id = store_col_int(st, 3);
    a->unit_id = store_col_int(st, 4);
    a->time_limit_workdays = store_col_is_null(st, 5) ? -1 : (int)store_col_int(st, 5);
}

static err_kind app_load(svc_ctx *ctx, int64_t id, app_row *out, err_detail *err) {
    if (id <= 0) return not_found(err);
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_APP_LOAD, &st, err);
    if (k) return k;
    store_bind_int(st, 1, id);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && !row) k = not_found(err);
    if (!k) read_row(st, out);
    store_stmt_done(st);
    return k;
}

static bool visible(const svc_ctx *ctx, const app_row *a) {
    switch (ctx->actor.role) {
    case ROLE_PERSON: return ctx->actor.person_id > 0 && a->person_id == ctx->actor.person_id;
    case ROLE_UNIT: return ctx->actor.unit_id > 0 && a->unit_id == ctx->actor.unit_id;
    default: return svc_role_is_staff(ctx->actor.role);
    }
}

/* Loads an application the actor may see; anything else is not found. */
static err_kind app_load_visible(svc_ctx *ctx, int64_t id, app_row *out, err_detail *err) {
    app_row a;
    err_kind k = app_load(ctx, id, &a, err);
    if (k) return k;
    if (!visible(ctx, &a)) return not_found(err);
    *out = a;
    return ERR_OK;
}

/* ---- transitions ---- */

/* Runs a state update guarded by the state it leaves: no row changed means
 * another operation moved the application first. */
static err_kind run_guarded(svc_ctx *ctx, store_stmt *st, err_detail *err) {
    err_kind k = store_step_all(st, err);
    if (!k && store_changes(ctx->tx) != 1)
        k = err_set(err, ERR_CONFLICT, "bad_state", NULL, "办件状态已被他人改变，请刷新后重试");
    return k;
}

static err_kind set_accepted(svc_ctx *ctx, app_row *a, const date_days *deadline, const char *note,
                             err_detail *err) {
    char today[DATE_STR_BYTES], due[DATE_STR_BYTES];
    today_str(ctx, today);
    if (deadline) date_format(*deadline, due);
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_APP_ACCEPT, &st, err);
    if (k) return k;
    store_bind_int(st, 1, a->id);
    store_bind_text(st, 2, today);
    store_bind_text(st, 3, deadline ? due : NULL);
    store_bind_int(st, 4, ctx->now_ms);
    k = run_guarded(ctx, st, err);
    if (!k) k = event_add(ctx, a->id, "accept", a->state, "accepted", note, err);
    if (!k) k = audit_app(ctx, "application.accept", a->id, deadline ? due : "", err);
    if (!k) snprintf(a->state, sizeof a->state, "%s", "accepted");
    return k;
}

static err_kind set_completed(svc_ctx *ctx, app_row *a, const char *note, err_detail *err) {
    char today[DATE_STR_BYTES];
    today_str(ctx, today);
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_APP_COMPLETE, &st, err);
    if (k) return k;
    store_bind_int(st, 1, a->id);
    store_bind_text(st, 2, today);
    store_bind_int(st, 3, ctx->now_ms);
    store_bind_text(st, 4, a->state);
    k = run_guarded(ctx, st, err);
    if (!k) k = event_add(ctx, a->id, "complete", a->state, "completed", note, err);
    if (!k) k = audit_app(ctx, "application.complete", a->id, "", err);
    if (!k) snprintf(a->state, sizeof a->state, "%s", "completed");
    return k;
}

static err_kind set_decided(svc_ctx *ctx, app_row *a, bool approve, const char *reason,
                            err_detail *err) {
    const char *to = approve ? "approved" : "refused";
    char today[DATE_STR_BYTES];
    today_str(ctx, today);
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_APP_DECIDE, &st, err);
    if (k) return k;
    store_bind_int(st, 1, a->id);
    store_bind_text(st, 2, to);
    store_bind_text(st, 3, today);
    store_bind_text(st, 4, (reason && !blank(reason)) ? reason : NULL);
    store_bind_int(st, 5, ctx->now_ms);
    k = run_guarded(ctx, st, err);
    if (!k) k = event_add(ctx, a->id, approve ? "approve" : "refuse", a->state, to, reason, err);
    if (!k) k = audit_app(ctx, "application.decide", a->id, to, err);
    if (!k) snprintf(a->state, sizeof a->state, "%s", to);
    return k;
}

/* ---- submit ---- */

typedef struct applicant {
    int64_t person_id;
    int64_t unit_id;
} applicant;

static err_kind submit_check_input(const svc_ctx *ctx, const application_new *in,
                                   err_detail *err) {
    err_kind k = require_role(ctx, ROLES_SUBMIT, "提交办件", err);
    if (k) return k;
    if (!in->item_id || !*in->item_id)
        return err_set(err, ERR_INVALID, "missing_field", "item_id",
                       "请指定办理事项（item_id）");
    if (in->payload && !json_is_object(in->payload))
        return err_set(err, ERR_INVALID, "invalid_field", "payload",
                       "申请内容（payload）须为 JSON 对象");
    if (svc_role_is_staff(ctx->actor.role) && in->person_id <= 0 && in->unit_id <= 0)
        return err_set(err, ERR_INVALID, "missing_field", "person_id",
                       "柜面代办须指定参保人（person_id）或单位（unit_id）");
    return ERR_OK;
}

static err_kind exists(svc_ctx *ctx, store_query q, int64_t id, bool *out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, q, &st, err);
    if (k) return k;
    store_bind_int(st, 1, id);
    bool row = false;
    k = store_step(st, &row, err);
    store_stmt_done(st);
    if (!k) *out = row;
    return k;
}

/* Persons and units apply for themselves (ids in the request are not theirs to
 * choose and are ignored); staff name the person or unit they act for. */
static err_kind resolve_applicant(svc_ctx *ctx, const application_new *in, applicant *out,
                                  err_detail *err) {
    applicant ap = {0, 0};
    if (ctx->actor.role == ROLE_PERSON) ap.person_id = ctx->actor.person_id;
    else if (ctx->actor.role == ROLE_UNIT) ap.unit_id = ctx->actor.unit_id;
    else {
        ap.person_id = in->person_id > 0 ? in->person_id : 0;
        ap.unit_id = in->unit_id > 0 ? in->unit_id : 0;
    }
    if (ap.person_id <= 0 && ap.unit_id <= 0)
        return err_set(err, ERR_FORBIDDEN, "no_applicant", NULL,
                       "当前账号未关联参保人或单位，不能提交办件");
    bool found = true;
    err_kind k = ERR_OK;
    if (ap.person_id > 0) k = exists(ctx, STORE_Q_APP_PERSON_EXISTS, ap.person_id, &found, err);
    if (!k && !found)
        return err_set(err, ERR_NOT_FOUND, "person_not_found", "person_id", "参保人不存在");
    if (!k && ap.unit_id > 0) k = exists(ctx, STORE_Q_APP_UNIT_EXISTS, ap.unit_id, &found, err);
    if (!k && !found)
        return err_set(err, ERR_NOT_FOUND, "unit_not_found", "unit_id", "单位不存在");
    if (!k) *out = ap;
    return k;
}

static const char *audience_zh(svc_ctx *ctx, const char *list) {
    static const char *const names[][2] = {
        {"person", "个人"}, {"unit", "单位"}, {"institution", "机构"}};
    const char *out = "";
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (catalog_list_has(list, names[i][0]))
            out = arena_printf(ctx->ar, "%s%s%s", out, *out ? "、" : "", names[i][1]);
    return *out ? out : "未注明";
}

/* Every failed rule of a submission, listed together. */
static err_kind submit_rules(svc_ctx *ctx, const catalog_item *item, const applicant *ap,
                             err_detail *err) {
    char data[256];
    snprintf(data, sizeof data, "{\"item_id\":\"%s\",\"audience\":\"%s\"}", item->id,
             item->audience);
    if (!item->is_open) err_rule_add(err, "item_not_open", data, "该事项暂未开通");
    bool fits = (ap->person_id > 0 && catalog_list_has(item->audience, "person")) ||
                (ap->unit_id > 0 && catalog_list_has(item->audience, "unit"));
    if (!fits)
        err_rule_add(err, "audience_mismatch", data, "该事项面向%s办理，不能由%s申请",
                     audience_zh(ctx, item->audience), ap->person_id > 0 ? "个人" : "单位");
    return err_rules_finish(err);
}

/* An item with its own operation goes through it; one with an effect has its
 * payload checked by the effect's own rules before anything is written. */
static err_kind submit_effect_check(svc_ctx *ctx, const catalog_item *item, const json_t *payload,
                                    applicant *ap, err_detail *err) {
    const item_effect *e = effect_of(item->id);
    if (e && e->check) {
        err_kind k = e->check(ctx, payload, ap->person_id, ap->unit_id, err);
        /* The person the effect is about (checked by it) is on the record
         * too, so they follow the application in their own list. */
        json_int_t subject = json_integer_value(json_object_get(payload, "person_id"));
        if (!k && ap->person_id == 0 && subject > 0) ap->person_id = subject;
        return k;
    }
    if (!item->operation) return ERR_OK;
    char data[256];
    snprintf(data, sizeof data, "{\"item_id\":\"%s\",\"operation\":\"%s\"}", item->id,
             item->operation);
    err_rule_add(err, "item_has_own_operation", data, "该事项请通过专门的办理入口办理：%s",
                 item->operation);
    return err_rules_finish(err);
}

static err_kind insert_record(svc_ctx *ctx, const catalog_item *item, const applicant *ap,
                              const char *payload, int64_t *id_out, err_detail *err) {
    char today[DATE_STR_BYTES];
    today_str(ctx, today);
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_APP_INSERT, &st, err);
    if (k) return k;
    store_bind_text(st, 1, item->id);
    store_bind_id(st, 2, ap->person_id);
    store_bind_id(st, 3, ap->unit_id);
    store_bind_id(st, 4, ctx->actor.user_id);
    store_bind_text(st, 5, ctx->channel ? ctx->channel : "");
    store_bind_text(st, 6, payload);
    store_bind_text(st, 7, today);
    store_bind_int(st, 8, ctx->now_ms);
    k = store_step_all(st, err);
    if (!k) *id_out = store_last_insert_id(ctx->tx);
    return k;
}

static err_kind copy_materials(svc_ctx *ctx, int64_t id, const catalog_item *item,
                               err_detail *err) {
    err_kind k = ERR_OK;
    for (int i = 0; !k && i < item->material_count && i < LIMIT_MATERIALS_PER_ITEM_MAX; i++)
        k = store_exec(ctx->tx, STORE_Q_APP_MATERIAL_INSERT, err, "iit", id, (int64_t)i,
                       item->materials[i] ? item->materials[i] : "");
    return k;
}

static err_kind create_record(svc_ctx *ctx, const catalog_item *item, const applicant *ap,
                              const json_t *payload, int64_t *id_out, err_detail *err) {
    char *text = payload ? json_dumps(payload, JSON_COMPACT) : NULL;
    if (payload && !text)
        return err_set(err, ERR_INVALID, "invalid_field", "payload",
                       "申请内容（payload）无法编码");
    err_kind k = ERR_OK;
    if (text && strlen(text) > LIMIT_BODY_BYTES_MAX)
        k = err_set(err, ERR_TOO_LARGE, "too_large", "payload", "申请内容（payload）过大");
    int64_t id = 0;
    if (!k) k = insert_record(ctx, item, ap, text ? text : "{}", &id, err);
    free(text);
    if (!k) k = copy_materials(ctx, id, item, err);
    if (!k) k = event_add(ctx, id, "submit", NULL, "submitted", "", err);
    if (!k) k = audit_app(ctx, "application.submit", id, item->id, err);
    if (!k) *id_out = id;
    return k;
}

/* 即时办结: accepted and completed in the submitting call, deadline today. */
static err_kind finish_immediate(svc_ctx *ctx, int64_t id, err_detail *err) {
    app_row a;
    err_kind k = app_load(ctx, id, &a, err);
    if (!k) k = set_accepted(ctx, &a, &ctx->business_date, "即时办结", err);
    if (!k) k = set_completed(ctx, &a, "即时办结", err);
    return k;
}

err_kind application_submit(svc_ctx *ctx, const application_new *in, int64_t *id_out,
                            err_detail *err) {
    catalog_item item = {0};
    applicant ap = {0, 0};
    int64_t id = 0;
    err_kind k = submit_check_input(ctx, in, err);
    if (!k) k = catalog_get(ctx, in->item_id, &item, err);
    if (!k) k = resolve_applicant(ctx, in, &ap, err);
    if (!k) k = submit_rules(ctx, &item, &ap, err);
    if (!k) k = submit_effect_check(ctx, &item, in->payload, &ap, err);
    if (!k) k = create_record(ctx, &item, &ap, in->payload, &id, err);
    if (!k && item.time_limit_workdays == 0) k = finish_immediate(ctx, id, err);
    if (!k) *id_out = id;
    return k;
}

/* ---- staff steps ---- */

err_kind application_accept(svc_ctx *ctx, int64_t id, const char *note, err_detail *err) {
    app_row a;
    err_kind k = require_role(ctx, ROLES_ACCEPT, "受理办件", err);
    if (!k) k = check_text(note, "note", "备注", err);
    if (!k) k = app_load(ctx, id, &a, err);
    if (!k && strcmp(a.state, "submitted") != 0) k = bad_state(&a, "受理", err);
    if (k) return k;
    if (a.time_limit_workdays < 0) return set_accepted(ctx, &a, NULL, note, err);
    date_days deadline;
    k = workday_add(ctx->cal, ctx->business_date, a.time_limit_workdays, &deadline, err);
    if (!k) k = set_accepted(ctx, &a, &deadline, note, err);
    return k;
}

static err_kind mark_material(svc_ctx *ctx, const app_row *a, int idx, bool received,
                              err_detail *err) {
    char today[DATE_STR_BYTES];
    today_str(ctx, today);
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_APP_MATERIAL_SET, &st, err);
    if (k) return k;
    store_bind_int(st, 1, a->id);
    store_bind_int(st, 2, (int64_t)idx);
    store_bind_int(st, 3, received ? 1 : 0);
    store_bind_text(st, 4, received ? today : NULL);
    return store_step_all(st, err);
}

/* The material's name, or ERR_INVALID when the index is not on the checklist. */
static err_kind material_name(svc_ctx *ctx, int64_t id, int idx, const char **name,
                              err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_APP_MATERIAL_GET, &st, err);
    if (k) return k;
    store_bind_int(st, 1, id);
    store_bind_int(st, 2, (int64_t)idx);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && !row)
        k = err_set(err, ERR_INVALID, "invalid_field", "material_index",
                    "材料序号 %d 不在材料清单中", idx);
    if (!k) *name = arena_strdup(ctx->ar, store_col_text(st, 0));
    store_stmt_done(st);
    return k;
}

err_kind application_receive(svc_ctx *ctx, int64_t id, int material_index, bool received,
                             err_detail *err) {
    app_row a;
    const char *name = NULL;
    err_kind k = require_role(ctx, ROLES_RECEIVE, "收取材料", err);
    if (!k) k = app_load(ctx, id, &a, err);
    if (!k && !state_open(a.state)) k = bad_state(&a, "收取材料", err);
    if (!k) k = material_name(ctx, id, material_index, &name, err);
    if (!k) k = mark_material(ctx, &a, material_index, received, err);
    if (k) return k;
    const char *note = arena_printf(ctx->ar, "%s材料 %d：%s", received ? "收取" : "撤回",
                                    material_index, name);
    k = event_add(ctx, id, "receive", a.state, a.state, note, err);
    const char *detail = arena_printf(ctx->ar, "%d", material_index);
    if (!k) k = audit_app(ctx, "application.receive", id, detail, err);
    return k;
}

/* The approved item's effect, in the approving transaction. */
static err_kind apply_effect(svc_ctx *ctx, const app_row *a, err_detail *err) {
    const item_effect *e = effect_of(a->item_id);
    if (!e || !e->apply) return ERR_OK;
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_APP_PAYLOAD, &st, err);
    if (k) return k;
    store_bind_int(st, 1, a->id);
    bool row = false;
    json_t *payload = NULL;
    k = store_step(st, &row, err);
    if (!k && row) payload = json_loads(store_col_text(st, 0), 0, NULL);
    store_stmt_done(st);
    if (k) return k;
    if (!payload) payload = json_object();
    k = e->apply(ctx, a->id, payload, a->person_id, a->unit_id, err);
    json_decref(payload);
    return k;
}

err_kind application_decide(svc_ctx *ctx, int64_t id, bool approve, const char *reason,
                            err_detail *err) {
    app_row a;
    err_kind k = require_role(ctx, ROLES_DECIDE, "审核办件", err);
    if (!k && !approve && blank(reason))
        k = err_set(err, ERR_INVALID, "missing_field", "reason",
                    "退回办件须说明理由（reason）");
    if (!k) k = check_text(reason, "reason", "理由", err);
    if (!k) k = app_load(ctx, id, &a, err);
    if (!k && strcmp(a.state, "accepted") != 0)
        k = bad_state(&a, approve ? "批准" : "退回", err);
    if (!k && approve) k = apply_effect(ctx, &a, err);
    if (!k) k = set_decided(ctx, &a, approve, reason, err);
    return k;
}

err_kind application_complete(svc_ctx *ctx, int64_t id, const char *note, err_detail *err) {
    app_row a;
    err_kind k = require_role(ctx, ROLES_COMPLETE, "办结办件", err);
    if (!k) k = check_text(note, "note", "备注", err);
    if (!k) k = app_load(ctx, id, &a, err);
    if (!k && strcmp(a.state, "approved") != 0) k = bad_state(&a, "办结", err);
    if (!k) k = set_completed(ctx, &a, note, err);
    return k;
}

/* ---- reading ---- */

static json_t *text_or_null(store_stmt *st, int col) {
    return store_col_is_null(st, col) ? json_null() : json_string(store_col_text(st, col));
}

static json_t *id_or_null(store_stmt *st, int col) {
    return store_col_is_null(st, col) ? json_null() : json_integer(store_col_int(st, col));
}

/* Columns 0..11 shared by APP_GET and the list statements. */
static json_t *record_json(store_stmt *st) {
    static const char *const dates[] = {"submitted_on", "accepted_on", "deadline_on",
                                        "decided_on", "completed_on"};
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(store_col_int(st, 0)));
    json_object_set_new(o, "item_id", json_string(store_col_text(st, 1)));
    json_object_set_new(o, "item_name", json_string(store_col_text(st, 2)));
    json_object_set_new(o, "state", json_string(store_col_text(st, 3)));
    json_object_set_new(o, "state_zh", json_string(state_zh(store_col_text(st, 3))));
    json_object_set_new(o, "person_id", id_or_null(st, 4));
    json_object_set_new(o, "unit_id", id_or_null(st, 5));
    json_object_set_new(o, "channel", json_string(store_col_text(st, 6)));
    for (int i = 0; i < 5; i++) json_object_set_new(o, dates[i], text_or_null(st, 7 + i));
    return o;
}

static err_kind get_record(svc_ctx *ctx, int64_t id, json_t **out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_APP_GET, &st, err);
    if (k) return k;
    store_bind_int(st, 1, id);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && !row) k = not_found(err);
    if (!k) {
        json_t *o = record_json(st);
        json_object_set_new(o, "decision_reason", text_or_null(st, 12));
        json_t *payload = json_loads(store_col_text(st, 13), 0, NULL);
        json_object_set_new(o, "payload", payload ? payload : json_object());
        *out = o;
    }
    store_stmt_done(st);
    return k;
}

static json_t *material_json(store_stmt *st) {
    json_t *o = json_object();
    json_object_set_new(o, "index", json_integer(store_col_int(st, 0)));
    json_object_set_new(o, "name", json_string(store_col_text(st, 1)));
    json_object_set_new(o, "received", json_boolean(store_col_int(st, 2) != 0));
    return o;
}

static json_t *event_json(store_stmt *st) {
    char at[CLOCK_STR_BYTES];
    clock_format(store_col_int(st, 0), CLOCK_ISO, at);
    json_t *o = json_object();
    json_object_set_new(o, "at", json_string(at));
    json_object_set_new(o, "business_date", json_string(store_col_text(st, 1)));
    json_object_set_new(o, "actor_role", json_string(store_col_text(st, 2)));
    json_object_set_new(o, "action", json_string(store_col_text(st, 3)));
    json_object_set_new(o, "from", text_or_null(st, 4));
    json_object_set_new(o, "to", json_string(store_col_text(st, 5)));
    json_object_set_new(o, "note", json_string(store_col_text(st, 6)));
    return o;
}

/* Runs a statement of rows for one application into a new array under key. */
typedef json_t *(*row_to_json)(store_stmt *st);

static err_kind attach_rows(svc_ctx *ctx, store_query q, int64_t id, row_to_json row_json,
                            json_t *o, const char *key, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, q, &st, err);
    if (k) return k;
    store_bind_int(st, 1, id);
    store_bind_int(st, 2, (int64_t)LIMIT_QUERY_ROWS_MAX);
    json_t *arr = json_array();
    bool row = true;
    for (int n = 0; n < LIMIT_QUERY_ROWS_MAX; n++) {
        k = store_step(st, &row, err);
        if (k || !row) break;
        json_array_append_new(arr, row_json(st));
    }
    store_stmt_done(st);
    json_object_set_new(o, key, arr);
    return k;
}

err_kind application_get(svc_ctx *ctx, int64_t id, json_t **out, err_detail *err) {
    app_row a;
    json_t *o = NULL;
    err_kind k = app_load_visible(ctx, id, &a, err);
    if (!k) k = get_record(ctx, id, &o, err);
    if (!k) k = attach_rows(ctx, STORE_Q_APP_MATERIALS, id, material_json, o, "materials", err);
    if (!k) k = attach_rows(ctx, STORE_Q_APP_EVENTS, id, event_json, o, "events", err);
    if (!k) k = audit_app(ctx, "application.read", id, "", err);
    if (k) { json_decref(o); return k; }
    *out = o;
    return ERR_OK;
}

/* ---- list ---- */

/* Business date and the next working day, found on first need. */
typedef struct due_ctx {
    date_days today;
    date_days next;
    bool have_next;
} due_ctx;

static err_kind due_of(svc_ctx *ctx, due_ctx *d, store_stmt *st, const char **out,
                       err_detail *err) {
    *out = "ok";
    if (!state_open(store_col_text(st, 3)) || store_col_is_null(st, 9)) return ERR_OK;
    date_days deadline;
    err_kind k = date_parse(store_col_text(st, 9), "deadline_on", &deadline, err);
    if (k) return k;
    if (d->today > deadline) { *out = "overdue"; return ERR_OK; }
    if (!d->have_next) {
        k = workday_add(ctx->cal, d->today, 1, &d->next, err);
        if (k) return k;
        d->have_next = true;
    }
    if (deadline <= d->next) *out = "due_soon";
    return ERR_OK;
}

static err_kind check_filter(const application_filter *f, err_detail *err) {
    if (f->state && state_index(f->state) < 0)
        return err_set(err, ERR_INVALID, "invalid_value", "state",
                       "办件状态“%.32s”无效，可选：submitted、accepted、approved、refused、"
                       "completed、withdrawn", f->state);
    if (f->limit < 1 || f->limit > LIMIT_QUERY_ROWS_MAX)
        return err_set(err, ERR_INVALID, "invalid_value", "limit",
                       "条数（limit）须在 1 到 %d 之间", LIMIT_QUERY_ROWS_MAX);
    return ERR_OK;
}

static err_kind prepare_list(svc_ctx *ctx, const application_filter *f, store_stmt **out,
                             err_detail *err) {
    bool staff = svc_role_is_staff(ctx->actor.role);
    store_query q = staff ? STORE_Q_APP_LIST_QUEUE : STORE_Q_APP_LIST_OWN;
    err_kind k = store_prepare(ctx->tx, q, out, err);
    if (k) return k;
    store_stmt *st = *out;
    int p = 1;
    if (!staff) {
        store_bind_int(st, p++, ctx->actor.role == ROLE_PERSON ? ctx->actor.person_id : 0);
        store_bind_int(st, p++, ctx->actor.role == ROLE_UNIT ? ctx->actor.unit_id : 0);
    }
    store_bind_text(st, p++, f->state);
    store_bind_text(st, p++, f->item_id);
    store_bind_int(st, p, (int64_t)f->limit);
    return ERR_OK;
}

static err_kind collect_list(svc_ctx *ctx, const application_filter *f, json_t *arr,
                             err_detail *err) {
    store_stmt *st;
    err_kind k = prepare_list(ctx, f, &st, err);
    if (k) return k;
    due_ctx d = {.today = ctx->business_date};
    bool row = true;
    for (int n = 0; n < f->limit; n++) {
        const char *due;
        k = store_step(st, &row, err);
        if (!k && row) k = due_of(ctx, &d, st, &due, err);
        if (k || !row) break;
        json_t *o = record_json(st);
        json_object_set_new(o, "due", json_string(due));
        json_array_append_new(arr, o);
    }
    store_stmt_done(st);
    return k;
}

static err_kind audit_listing(svc_ctx *ctx, const application_filter *f, err_detail *err) {
    char target[TARGET_BYTES], detail[DETAIL_BYTES];
    if (ctx->actor.role == ROLE_PERSON)
        snprintf(target, sizeof target, "person:%" PRId64, ctx->actor.person_id);
    else if (ctx->actor.role == ROLE_UNIT)
        snprintf(target, sizeof target, "unit:%" PRId64, ctx->actor.unit_id);
    else
        snprintf(target, sizeof target, "%s", "applications");
    snprintf(detail, sizeof detail, "state=%.20s item=%.64s", f->state ? f->state : "",
             f->item_id ? f->item_id : "");
    return audit_append(ctx, "application.list", target, "ok", detail, err);
}

err_kind application_list(svc_ctx *ctx, const application_filter *f, json_t **out,
                          err_detail *err) {
    err_kind k = require_role(ctx, ROLES_SUBMIT, "查询办件", err);
    if (!k) k = check_filter(f, err);
    if (k) return k;
    json_t *arr = json_array();
    k = collect_list(ctx, f, arr, err);
    if (!k) k = audit_listing(ctx, f, err);
    if (k) { json_decref(arr); return k; }
    *out = arr;
    return ERR_OK;
}
