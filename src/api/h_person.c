/* Persons (参保人员): registration, search, the record, non-key and key
 * changes, relationships, history and the certificate data. The rules are in
 * svc/registry_person.c; these handlers read the request and shape the answer. */
#include <string.h>

#include "api/api.h"
#include "base/jsonx.h"
#include "svc/application.h"
#include "svc/registry_person.h"

static const char *const id_kinds[] = {"resident", "passport", "hkmo_permit", "tw_permit",
                                       "hmt_residence", "foreign_pr", NULL};

static err_kind path_person(api_req *req, int64_t *id, err_detail *err) {
    return api_parse_id(req->params[0], "id", id, err);
}

static err_kind read_new_person(const json_t *b, reg_person_new *in, err_detail *err) {
    int kind = IDNO_RESIDENT;
    bool student = false;
    err_kind k = jsonx_enum(b, "id_kind", false, id_kinds, &kind, err);
    if (!k) k = jsonx_str(b, "id_number", true, 64, &in->id_number, err);
    if (!k) k = jsonx_str(b, "name", true, REG_NAME_BYTES_MAX * 2, &in->name, err);
    if (!k) k = jsonx_str(b, "sex", false, 1, &in->sex, err);
    if (!k) k = jsonx_date(b, "birth_date", false, &in->birth_date, err);
    if (!k) k = jsonx_str(b, "nationality", false, 3, &in->nationality, err);
    if (!k) k = jsonx_str(b, "hukou_kind", false, 24, &in->hukou_kind, err);
    if (!k) k = jsonx_str(b, "mobile", false, 32, &in->mobile, err);
    if (!k) k = jsonx_str(b, "email", false, REG_EMAIL_BYTES_MAX, &in->email, err);
    if (!k) k = jsonx_str(b, "address", false, REG_ADDRESS_BYTES_MAX, &in->address, err);
    if (!k) k = jsonx_bool(b, "is_student", false, &student, err);
    in->id_kind = (idno_kind)kind;
    in->is_student = student;
    return k;
}

err_kind h_person_create(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"id_kind", "id_number", "name", "sex", "birth_date",
                                          "nationality", "hukou_kind", "mobile", "email",
                                          "address", "is_student", NULL};
    json_t *b;
    err_kind k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    reg_person_new in = {0};
    int64_t id = 0;
    k = read_new_person(b, &in, err);
    if (!k) k = reg_person_register(&req->ctx, &in, &id, err);
    if (!k) k = reg_person_read(&req->ctx, id, &resp->body, err);
    json_decref(b);
    if (!k) resp->status = 201;
    return k;
}

err_kind h_person_search(api_req *req, api_resp *resp, err_detail *err) {
    reg_person_query q = {.id_number = api_query(req, "id_number"), .name = api_query(req, "name"),
                          .si_number = api_query(req, "si_number"),
                          .park_number = api_query(req, "park_number"), .limit = 200};
    const char *l = api_query(req, "limit");
    int64_t limit = 0;
    err_kind k = l ? api_parse_id(l, "limit", &limit, err) : ERR_OK;
    if (k) return k;
    if (limit > LIMIT_QUERY_ROWS_MAX)
        return err_set(err, ERR_INVALID, "out_of_range", "limit", "limit 不能超过 %d", LIMIT_QUERY_ROWS_MAX);
    if (limit) q.limit = (int)limit;
    return reg_person_search(&req->ctx, &q, &resp->body, err);
}

err_kind h_person_get(api_req *req, api_resp *resp, err_detail *err) {
    int64_t id;
    err_kind k = path_person(req, &id, err);
    return k ? k : reg_person_read(&req->ctx, id, &resp->body, err);
}

err_kind h_person_update(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"mobile", "email", "address", "hukou_kind", NULL};
    int64_t id;
    json_t *b;
    err_kind k = path_person(req, &id, err);
    if (!k) k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    reg_person_update in = {0};
    int changed = 0;
    k = jsonx_str(b, "mobile", false, 32, &in.mobile, err);
    if (!k) k = jsonx_str(b, "email", false, REG_EMAIL_BYTES_MAX, &in.email, err);
    if (!k) k = jsonx_str(b, "address", false, REG_ADDRESS_BYTES_MAX, &in.address, err);
    if (!k) k = jsonx_str(b, "hukou_kind", false, 24, &in.hukou_kind, err);
    if (!k) k = reg_person_update_contacts(&req->ctx, id, &in, &changed, err);
    if (!k) k = reg_person_read(&req->ctx, id, &resp->body, err);
    if (!k) json_object_set_new(resp->body, "changed_fields", json_integer(changed));
    json_decref(b);
    return k;
}

err_kind h_person_key_change(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"reason", "changes", "proof", "unit_id", NULL};
    int64_t id, unit_id = 0, app_id = 0;
    json_t *b;
    err_kind k = path_person(req, &id, err);
    if (!k) k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    k = jsonx_int(b, "unit_id", false, 1, INT64_MAX, &unit_id, err);
    json_object_del(b, "unit_id");
    if (!k) k = reg_person_key_change_submit(&req->ctx, id, unit_id, b, &app_id, err);
    if (!k) k = application_get(&req->ctx, app_id, &resp->body, err);
    json_decref(b);
    if (k) return k;
    json_object_set_new(resp->body, "notice_zh",
                        json_string("姓名或证件号码变更获批后，社会保障卡卡面信息随之失效，"
                                    "请持新证件办理人员基础信息变更换卡。"));
    json_object_set_new(resp->body, "next_item", json_string(REG_CARD_REISSUE_ITEM));
    resp->status = 201;
    return ERR_OK;
}

err_kind h_person_history(api_req *req, api_resp *resp, err_detail *err) {
    int64_t id;
    err_kind k = path_person(req, &id, err);
    return k ? k : reg_person_history(&req->ctx, id, &resp->body, err);
}

err_kind h_person_relationships(api_req *req, api_resp *resp, err_detail *err) {
    int64_t id;
    err_kind k = path_person(req, &id, err);
    return k ? k : reg_person_relationships(&req->ctx, id, &resp->body, err);
}

err_kind h_person_certificate(api_req *req, api_resp *resp, err_detail *err) {
    int64_t id;
    err_kind k = path_person(req, &id, err);
    return k ? k : reg_person_certificate(&req->ctx, id, &resp->body, err);
}

/* ---- the signed-in person's own ---- */

err_kind h_me(api_req *req, api_resp *resp, err_detail *err) {
    return reg_person_read(&req->ctx, req->ctx.actor.person_id, &resp->body, err);
}

err_kind h_me_relationships(api_req *req, api_resp *resp, err_detail *err) {
    return reg_person_relationships(&req->ctx, req->ctx.actor.person_id, &resp->body, err);
}

err_kind h_me_certificate(api_req *req, api_resp *resp, err_detail *err) {
    return reg_person_certificate(&req->ctx, req->ctx.actor.person_id, &resp->body, err);
}

/* A refusal names the insurances the person has: that read is recorded, so
 * the refusal's audit row is committed. */
static err_kind proof_done(api_req *req, err_kind k) {
    if (k == ERR_RULE) req->commit_on_error = true;
    return k;
}

err_kind h_me_non_insured_proof(api_req *req, api_resp *resp, err_detail *err) {
    err_kind k = reg_person_non_insured_proof(&req->ctx, req->ctx.actor.person_id, IDNO_RESIDENT,
                                              NULL, NULL, &resp->body, err);
    return proof_done(req, k);
}

err_kind h_non_insured_proof(api_req *req, api_resp *resp, err_detail *err) {
    idno_kind kind = IDNO_RESIDENT;
    const char *kind_s = api_query(req, "id_kind"), *number = api_query(req, "id_number");
    if (!number || !*number)
        return err_set(err, ERR_INVALID, "missing_field", "id_number", "缺少参数 id_number");
    err_kind k = kind_s ? idno_kind_parse(kind_s, &kind, err) : ERR_OK;
    if (k) return k;
    k = reg_person_non_insured_proof(&req->ctx, 0, kind, number, api_query(req, "name"),
                                     &resp->body, err);
    return proof_done(req, k);
}
