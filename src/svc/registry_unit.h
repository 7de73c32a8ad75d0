/* The registry's units (参保单位): registration, information changes (non-key
 * at once, key through an application), collection agreement, digital
 * certificate, online payment permission, insured-district change,
 * cancellation, and the queries a unit and the staff make.
 *
 * Fields. Key fields change only through an application of item unit.update
 * (payload {"changes":{...},"reason":"..."}), reviewed, applied on approval:
 *   name, unit_type, industry_class (it sets the work-injury rate),
 *   category (the default category of its employees' insured relationships).
 * Non-key fields change at once (PATCH): address, contact_name,
 *   contact_phone, contact_email, bank_name, bank_account.
 * The unified social credit code never changes (a new code is a new unit);
 * the district changes only through the district change; the flags
 * (collection agreement, certificate, online payment) and the status through
 * their own operations. Every change writes one unit_changes row per field
 * (old and new value, business date, actor, application, reason) and an
 * audit row.
 *
 * Who: registration, certificate, district change and cancellation are the
 * counter's (clerk, admin; the CLI acts as the center); the collection
 * agreement, online payment permission, non-key changes and key-change
 * applications are the counter's or the unit's own operator's. A unit
 * operator sees only its own unit: any other unit is ERR_NOT_FOUND.
 *
 * A cancelled unit cannot change or enrol anyone: rule "unit_cancelled"
 * (reg_unit_rule_active, for the enrolment area too). */
#ifndef SIPF_SVC_REGISTRY_UNIT_H
#define SIPF_SVC_REGISTRY_UNIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "svc/ctx.h"
#include "svc/registry.h"

enum {
    REG_UNIT_CODE_BYTES = 24,
    REG_UNIT_NAME_BYTES_MAX = 200,      /* about 66 Chinese characters */
    REG_UNIT_ADDRESS_BYTES_MAX = 400,
    REG_UNIT_PHONE_BYTES_MAX = 20,
    REG_UNIT_PHONE_BYTES_MIN = 7,
    REG_UNIT_EMAIL_BYTES_MAX = 128,
    REG_UNIT_DISTRICT_BYTES_MAX = 64,
    REG_UNIT_BANK_BYTES_MAX = 128,
    REG_UNIT_ACCOUNT_DIGITS_MIN = 8,
    REG_UNIT_ACCOUNT_DIGITS_MAX = 32,
    REG_UNIT_REASON_BYTES_MAX = 400,
};

/* A bank account is REG_UNIT_ACCOUNT_DIGITS_MIN..MAX digits; units' collection
 * agreements and persons' withholding cards both hold one. */
bool reg_bank_account_valid(const char *account);
/* Both fields of a bank card, every failure listed (ERR_RULE): "missing_field" /
 * "invalid_field" (bank_name empty or too long), "invalid_bank_account". */
err_kind reg_bank_card_check(const char *bank_name, const char *bank_account, err_detail *err);

/* Unit types: "enterprise" 企业, "institution" 事业单位, "social_org" 社会组织,
 * "non_legal" 非法人单位, "government" 机关事业单位. */
bool reg_unit_type_valid(const char *type);
const char *reg_unit_type_name_zh(const char *type);

typedef struct reg_unit {
    int64_t id;
    char code[REG_UNIT_CODE_BYTES];
    char name[REG_UNIT_NAME_BYTES_MAX + 1];
    char unit_type[16];
    int64_t industry_class;                     /* 1..length of injury.class_rates_bp */
    char category[32];                          /* policy registry.categories */
    char address[REG_UNIT_ADDRESS_BYTES_MAX + 1];
    char contact_name[REG_NAME_BYTES_MAX * 2 + 1];
    char contact_phone[REG_UNIT_PHONE_BYTES_MAX + 1];
    char contact_email[REG_UNIT_EMAIL_BYTES_MAX + 1];
    char district[REG_UNIT_DISTRICT_BYTES_MAX + 1];   /* 参保所属地 */
    char bank_name[REG_UNIT_BANK_BYTES_MAX + 1];      /* "" when none */
    char bank_account[REG_UNIT_ACCOUNT_DIGITS_MAX + 1];
    int64_t collection_agreement;               /* 0/1: 托收协议 signed */
    int64_t has_certificate;                    /* 0/1: 数字证书 issued */
    int64_t online_payment;                     /* 0/1: 网上缴费权限 */
    char status[16];                            /* "active", "cancelled" */
    char registered_on[DATE_STR_BYTES];         /* "" for units older than the registry */
    char cancelled_on[DATE_STR_BYTES];          /* "" while active */
} reg_unit;

typedef struct reg_unit_new {
    const char *code;            /* unified social credit code, GB 32100 */
    const char *name;
    const char *unit_type;
    int64_t industry_class;
    const char *category;        /* NULL: "gov" for government units, else "sip_a" */
    const char *address;
    const char *contact_name;
    const char *contact_phone;
    const char *contact_email;   /* optional */
    const char *district;        /* NULL: "园区" */
    const char *bank_name;       /* optional; with bank_account: the collection agreement */
    const char *bank_account;
} reg_unit_new;

/* 单位新参保登记 (counter). Bad input: ERR_INVALID naming the field, with the
 * credit code's own codes ("uscc_length", "uscc_charset", "uscc_check_char",
 * "uscc_org_check") or "industry_class_out_of_range", "invalid_unit_type",
 * "invalid_category", "invalid_phone", "invalid_bank_account",
 * "bank_incomplete", "missing_field", "invalid_field". A code registered
 * already: ERR_CONFLICT "unit_exists". registered_on is the business date. */
err_kind reg_unit_register(svc_ctx *ctx, const reg_unit_new *in, int64_t *id_out,
                           err_detail *err);

/* Reads a unit (no visibility check: callers check). ERR_NOT_FOUND "unit_not_found". */
err_kind reg_unit_get(svc_ctx *ctx, int64_t id, reg_unit *out, err_detail *err);
/* The id of the unit with this credit code. ERR_NOT_FOUND "unit_not_found". */
err_kind reg_unit_find_code(svc_ctx *ctx, const char *code, int64_t *id_out, err_detail *err);

/* Adds rule "unit_cancelled" when the unit is cancelled (does not finish the
 * rules: callers collect their other rules, then err_rules_finish). */
err_kind reg_unit_rule_active(svc_ctx *ctx, int64_t unit_id, err_detail *err);

/* The unit as JSON, visible to the actor (a unit operator: its own only). */
err_kind reg_unit_json(svc_ctx *ctx, int64_t id, json_t **out, err_detail *err);

/* Staff search: code (exact, any case) and/or a part of the name; status
 * "active"/"cancelled" or NULL; at most limit rows (1..LIMIT_QUERY_ROWS_MAX). */
err_kind reg_unit_search(svc_ctx *ctx, const char *code, const char *name, const char *status,
                         int limit, json_t **out, err_detail *err);

/* Non-key changes at once. changes: an object of field -> new value (text;
 * industry_class an integer). A key field is refused with rule
 * "key_field_needs_application" (apply through unit.update), the code with
 * "code_immutable", the district with "use_district_change", a flag or the
 * status with "field_not_changeable", an unknown member with "unknown_field",
 * every one listed; a bad value ERR_INVALID. *changed_out: fields changed. */
err_kind reg_unit_update(svc_ctx *ctx, int64_t unit_id, const json_t *changes, int *changed_out,
                         err_detail *err);

/* Key changes: submits an application of item unit.update for the unit
 * (through application_submit, which runs reg_unit_key_change_check). */
err_kind reg_unit_key_change_submit(svc_ctx *ctx, int64_t unit_id, const json_t *changes,
                                    const char *reason, int64_t *app_id_out, err_detail *err);

/* 托收协议: records the bank and account, collection_agreement = 1.
 * ERR_CONFLICT "agreement_unchanged" when the same agreement is on file. */
err_kind reg_unit_collection_agreement(svc_ctx *ctx, int64_t unit_id, const char *bank_name,
                                       const char *bank_account, err_detail *err);

/* 数字证书 (counter): has_certificate = 1. ERR_CONFLICT "certificate_exists". */
err_kind reg_unit_certificate_issue(svc_ctx *ctx, int64_t unit_id, err_detail *err);

/* 网上缴费权限开通, immediate: refused with every missing prerequisite
 * ("certificate_missing", "collection_agreement_missing", "unit_cancelled").
 * ERR_CONFLICT "online_payment_granted" when it is already. */
err_kind reg_unit_online_payment(svc_ctx *ctx, int64_t unit_id, err_detail *err);

/* 参保所属地变更 (counter): rule "same_district" when it would not change. */
err_kind reg_unit_district_change(svc_ctx *ctx, int64_t unit_id, const char *district,
                                  const char *reason, err_detail *err);

/* 注销 (counter): refused while the unit has active employees (rule
 * "active_employees", {"count":N}) or arrears ("arrears_outstanding",
 * {"amount_fen":N}), both listed when both hold; "unit_cancelled" when it
 * is. Sets status "cancelled", cancelled_on, and withdraws online payment. */
err_kind reg_unit_cancel(svc_ctx *ctx, int64_t unit_id, const char *reason, err_detail *err);

/* Persons with an active employment or an open insured span at the unit. */
err_kind reg_unit_active_employees(svc_ctx *ctx, int64_t unit_id, int64_t *count_out,
                                   err_detail *err);
/* The unit's arrears in fen (0 until the contributions area fills it). */
err_kind reg_unit_arrears_fen(svc_ctx *ctx, int64_t unit_id, int64_t *fen_out, err_detail *err);

/* The unit's employees, current (former = false) or former, each with only
 * the spans at this unit. Audited (personal data). A new JSON array. */
err_kind reg_unit_employees_json(svc_ctx *ctx, int64_t unit_id, bool former, json_t **out,
                                 err_detail *err);
/* The unit's change history, newest first. A new JSON array. */
err_kind reg_unit_changes_json(svc_ctx *ctx, int64_t unit_id, json_t **out, err_detail *err);
/* 单位参保证明 data: name, code, registered_on, status, and the number of
 * insured employees of each insurance in the business date's month. */
err_kind reg_unit_certificate_json(svc_ctx *ctx, int64_t unit_id, json_t **out, err_detail *err);
/* The unit's operator accounts (created by staff through auth_user_create). */
err_kind reg_unit_operators_json(svc_ctx *ctx, int64_t unit_id, json_t **out, err_detail *err);

#endif
