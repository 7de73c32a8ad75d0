/* Employees: enrolment one at a time or by roster file, termination, the
 * termination reason change, employments and transfer records. The rules are
 * in svc/registry_enrol.c; these handlers read the request and shape the
 * answer. */
#include <ctype.h>
#include <microhttpd.h>
#include <string.h>

#include "api/api.h"
#include "base/jsonx.h"
#include "base/log.h"
#include "base/table.h"
#include "svc/audit.h"
#include "svc/registry_enrol.h"

static err_kind path_id(api_req *req, const char *name, int64_t *id, err_detail *err) {
    return api_parse_id(req->params[0], name, id, err);
}

/* Three letters, upper case: a country or region code. */
static err_kind country_code(const json_t *b, const char *key, const char **out, err_detail *err) {
    const char *v = NULL;
    err_kind k = jsonx_str(b, key, false, 3, &v, err);
    if (k || !v) return k;
    bool ok = strlen(v) == 3;
    for (int i = 0; ok && i < 3; i++) ok = isupper((unsigned char)v[i]) != 0;
    if (!ok)
        return err_set(err, ERR_INVALID, "invalid_field", key, "字段 %s 应为三位大写字母的国家或地区代码（如 DEU、HKG）", key);
    *out = v;
    return ERR_OK;
}

static err_kind read_identity(const json_t *b, reg_person_new *p, err_detail *err) {
    static const char *const kinds[] = {"resident", "passport", "hkmo_permit", "tw_permit",
                                        "hmt_residence", "foreign_pr", NULL};
    static const char *const sexes[] = {"M", "F", NULL};
    int kind = 0, sex = -1;
    err_kind k = jsonx_enum(b, "id_kind", false, kinds, &kind, err);
    if (!k) k = jsonx_str(b, "id_number", false, 40, &p->id_number, err);
    if (!k) k = jsonx_str(b, "name", false, REG_NAME_BYTES_MAX * 2, &p->name, err);
    if (!k) k = jsonx_enum(b, "sex", false, sexes, &sex, err);
    if (!k) k = jsonx_date(b, "birth_date", false, &p->birth_date, err);
    if (!k) k = country_code(b, "nationality", &p->nationality, err);
    if (!k) k = jsonx_str(b, "hukou_kind", false, 24, &p->hukou_kind, err);
    if (!k) k = jsonx_str(b, "mobile", false, 32, &p->mobile, err);
    if (!k) k = jsonx_str(b, "email", false, 128, &p->email, err);
    if (!k) k = jsonx_str(b, "address", false, 400, &p->address, err);
    p->id_kind = (idno_kind)kind;
    if (sex >= 0) p->sex = sexes[sex];
    return k;
}

static err_kind read_enrolment(const json_t *b, enrol_in *in, err_detail *err) {
    static const char *const kinds[] = {"regular", "foreign", "hmt", NULL};
    int kind = 0;
    bool pays = false;
    in->pays_hf = -1;
    err_kind k = jsonx_int(b, "unit_id", false, 1, INT64_MAX, &in->unit_id, err);
    if (!k) k = jsonx_int(b, "person_id", false, 1, INT64_MAX, &in->person_id, err);
    if (!k) k = read_identity(b, &in->person, err);
    if (!k) k = jsonx_date(b, "start_date", true, &in->start_date, err);
    if (!k) k = jsonx_date(b, "contract_end", false, &in->contract_end, err);
    if (!k) k = jsonx_enum(b, "kind", false, kinds, &kind, err);
    if (!k) k = jsonx_str(b, "category", false, 32, &in->category, err);
    const json_t *ins = json_object_get(b, "insurances");
    if (!k && ins && !json_is_null(ins)) k = reg_insurances_parse(ins, "insurances", &in->insurances, err);
    if (!k && json_object_get(b, "pays_hf") && !json_is_null(json_object_get(b, "pays_hf"))) {
        k = jsonx_bool(b, "pays_hf", true, &pays, err);
        in->pays_hf = pays ? 1 : 0;
    }
    if (!k) k = jsonx_int(b, "hf_rate_bp", false, 1, 100000, &in->hf_rate_bp, err);
    if (!k) k = country_code(b, "exemption_country", &in->exemption_country, err);
    if (!k) k = jsonx_str(b, "exemption_certificate", false, ENROL_CERTIFICATE_BYTES_MAX,
                          &in->exemption_certificate, err);
    in->kind = kinds[kind];
    return k;
}

err_kind h_enrol_create(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"unit_id", "person_id", "id_kind", "id_number", "name", "sex",
        "birth_date", "nationality", "hukou_kind", "mobile", "email", "address", "start_date",
        "contract_end", "kind", "category", "insurances", "pays_hf", "hf_rate_bp", "exemption_country",
        "exemption_certificate", NULL};
    json_t *b;
    err_kind k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    enrol_in in;
    memset(&in, 0, sizeof in);
    k = read_enrolment(b, &in, err);
    if (!k) k = enrol_employee(&req->ctx, &in, &resp->body, err);
    json_decref(b);
    if (!k) resp->status = 201;
    return k;
}

err_kind h_enrol_roster(api_req *req, api_resp *resp, err_detail *err) {
    int64_t unit_id = 0;
    const char *u = api_query(req, "unit_id");
    err_kind k = u ? api_parse_id(u, "unit_id", &unit_id, err) : ERR_OK;
    table t;
    if (!k) k = api_body_table(req, &t, err);
    json_t *bad = NULL;
    if (!k) k = enrol_roster(&req->ctx, unit_id, &t, &resp->body, &bad, err);
    if (k == ERR_RULE && bad) return api_table_refused(req, resp, "POST /api/v1/enrolments/roster", err, bad);
    if (!k) resp->status = 201;
    return k;
}

err_kind h_employment_get(api_req *req, api_resp *resp, err_detail *err) {
    int64_t id;
    err_kind k = path_id(req, "id", &id, err);
    return k ? k : enrol_employment_json(&req->ctx, id, &resp->body, err);
}

err_kind h_termination_create(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"unit_id", "person_id", "id_number", "end_date", "reason", NULL};
    json_t *b;
    err_kind k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    termination_in in = {0};
    k = jsonx_int(b, "unit_id", false, 1, INT64_MAX, &in.unit_id, err);
    if (!k) k = jsonx_int(b, "person_id", false, 1, INT64_MAX, &in.person_id, err);
    if (!k) k = jsonx_str(b, "id_number", false, 40, &in.id_number, err);
    if (!k) k = jsonx_date(b, "end_date", true, &in.end_date, err);
    if (!k) k = jsonx_str(b, "reason", true, 48, &in.reason, err);
    if (!k) k = enrol_terminate(&req->ctx, &in, &resp->body, err);
    json_decref(b);
    return k;
}

err_kind h_termination_reason(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"reason", NULL};
    int64_t id;
    json_t *b;
    err_kind k = path_id(req, "employment_id", &id, err);
    if (!k) k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    const char *reason = NULL;
    k = jsonx_str(b, "reason", true, 48, &reason, err);
    if (!k) k = enrol_reason_change(&req->ctx, id, reason, &resp->body, err);
    json_decref(b);
    return k;
}

err_kind h_transfer_create(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"person_id", "id_number", "direction", "insurance", "region",
                                          "province", "start_month", "end_month", "note", NULL};
    json_t *b;
    err_kind k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    transfer_in in = {0};
    k = jsonx_int(b, "person_id", false, 1, INT64_MAX, &in.person_id, err);
    if (!k) k = jsonx_str(b, "id_number", false, 40, &in.id_number, err);
    if (!k) k = jsonx_str(b, "direction", true, 8, &in.direction, err);
    if (!k) k = jsonx_str(b, "insurance", true, 32, &in.insurance, err);
    if (!k) k = jsonx_str(b, "region", true, ENROL_REGION_BYTES_MAX, &in.region, err);
    if (!k) k = jsonx_str(b, "province", true, ENROL_REGION_BYTES_MAX, &in.province, err);
    if (!k) k = jsonx_month(b, "start_month", false, &in.start_month, err);
    if (!k) k = jsonx_month(b, "end_month", false, &in.end_month, err);
    if (!k) k = jsonx_str(b, "note", false, 400, &in.note, err);
    if (!k) k = enrol_transfer_record(&req->ctx, &in, &resp->body, err);
    json_decref(b);
    if (!k) resp->status = 201;
    return k;
}

err_kind h_person_transfers(api_req *req, api_resp *resp, err_detail *err) {
    int64_t id;
    err_kind k = path_id(req, "id", &id, err);
    json_t *rows;
    if (!k) k = enrol_transfers_json(&req->ctx, id, &rows, err);
    if (k) return k;
    resp->body = json_pack("{s:I, s:I, s:o}", "person_id", (json_int_t)id, "count",
                           (json_int_t)json_array_size(rows), "items", rows);
    return ERR_OK;
}
