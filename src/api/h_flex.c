/* Flexible employment, residents, single-insurance work injury, construction
 * projects and the retirement-age calculator: body reading only, the rules
 * are in svc/registry_flex.c and svc/retirement.c. */
#include <string.h>

#include "api/api.h"
#include "base/jsonx.h"
#include "svc/registry_flex.h"
#include "svc/retirement.h"

enum { TIER_MAX = 99 };

/* An empty body reads as {} (a person acting for themself sends nothing). */
static err_kind body_or_empty(api_req *req, const char *const allowed[], json_t **b, err_detail *err) {
    if (req->body_len == 0) {
        *b = json_object();
        return ERR_OK;
    }
    return api_body_object(req, allowed, b, err);
}

static err_kind created(api_resp *resp, err_kind k, json_t *out) {
    if (k) return k;
    resp->status = 201;
    resp->body = out;
    return ERR_OK;
}

err_kind h_retirement(api_req *req, api_resp *resp, err_detail *err) {
    const char *birth_s = api_query(req, "birth_month"), *kind_s = api_query(req, "kind");
    if (!birth_s)
        return err_set(err, ERR_INVALID, "missing_field", "birth_month", "缺少参数 birth_month（YYYY-MM）");
    if (!kind_s)
        return err_set(err, ERR_INVALID, "missing_field", "kind", "缺少参数 kind（male、female50 或 female55）");
    month_ym birth;
    retirement_kind kind;
    retirement_result r;
    err_kind k = month_parse(birth_s, "birth_month", &birth, err);
    if (!k) k = retirement_kind_parse(kind_s, &kind, err);
    if (!k) k = retirement_compute(req->ctx.pol, req->ctx.business_date, kind, birth, &r, err);
    if (k) return k;
    resp->body = json_pack("{s:s, s:o, s:i, s:i, s:i, s:o, s:i}", "kind", retirement_kind_name(kind),
                           "birth_month", jsonx_month_new(birth), "delay_months", r.delay_months,
                           "age_years", r.age_years, "age_months", r.age_months, "retirement_month",
                           jsonx_month_new(r.retirement_month), "min_contribution_months",
                           r.min_contribution_months);
    return ERR_OK;
}

/* ---- flexible ---- */

err_kind h_flex_register(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"person_id", "package", "tier", "female_cadre_age",
                                          "lives_in_park", NULL};
    json_t *b;
    err_kind k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    flex_register_in in = {0};
    int64_t tier = 0;
    k = jsonx_int(b, "person_id", false, 1, INT64_MAX, &in.person_id, err);
    if (!k) k = jsonx_str(b, "package", true, 64, &in.package, err);
    if (!k) k = jsonx_int(b, "tier", true, 1, TIER_MAX, &tier, err);
    if (!k) k = jsonx_bool(b, "female_cadre_age", false, &in.female_cadre_age, err);
    if (!k) k = jsonx_bool(b, "lives_in_park", false, &in.lives_in_park, err);
    in.tier = (int)tier;
    json_t *out = NULL;
    if (!k) k = flex_register(&req->ctx, &in, &out, err);
    json_decref(b);
    return created(resp, k, out);
}

err_kind h_flex_tier(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"person_id", "insurance", "package", "tier", NULL};
    json_t *b;
    err_kind k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    flex_tier_in in = {0};
    int64_t tier = 0;
    k = jsonx_int(b, "person_id", false, 1, INT64_MAX, &in.person_id, err);
    if (!k) k = jsonx_str(b, "insurance", false, 32, &in.insurance, err);
    if (!k) k = jsonx_str(b, "package", false, 64, &in.package, err);
    if (!k) k = jsonx_int(b, "tier", true, 1, TIER_MAX, &tier, err);
    in.tier = (int)tier;
    if (!k) k = flex_tier_change(&req->ctx, &in, &resp->body, err);
    json_decref(b);
    return k;
}

static err_kind flex_status_change(api_req *req, api_resp *resp, bool resume, err_detail *err) {
    static const char *const allowed[] = {"person_id", "insurances", NULL};
    json_t *b;
    err_kind k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    int64_t person_id = 0;
    unsigned set = 0;
    k = jsonx_int(b, "person_id", false, 1, INT64_MAX, &person_id, err);
    if (!k) k = reg_insurances_parse(json_object_get(b, "insurances"), "insurances", &set, err);
    if (!k) k = resume ? flex_resume(&req->ctx, person_id, set, &resp->body, err)
                       : flex_suspend(&req->ctx, person_id, set, &resp->body, err);
    json_decref(b);
    return k;
}

err_kind h_flex_suspend(api_req *req, api_resp *resp, err_detail *err) {
    return flex_status_change(req, resp, false, err);
}

err_kind h_flex_resume(api_req *req, api_resp *resp, err_detail *err) {
    return flex_status_change(req, resp, true, err);
}

err_kind h_flex_me(api_req *req, api_resp *resp, err_detail *err) {
    return flex_status(&req->ctx, 0, &resp->body, err);
}

err_kind h_flex_person(api_req *req, api_resp *resp, err_detail *err) {
    int64_t id;
    err_kind k = api_parse_id(req->params[0], "id", &id, err);
    return k ? k : flex_status(&req->ctx, id, &resp->body, err);
}

/* ---- residents ---- */

err_kind h_resident_pension(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"person_id", NULL};
    json_t *b;
    err_kind k = body_or_empty(req, allowed, &b, err);
    if (k) return k;
    int64_t person_id = 0;
    json_t *out = NULL;
    k = jsonx_int(b, "person_id", false, 1, INT64_MAX, &person_id, err);
    if (!k) k = resident_pension_enrol(&req->ctx, person_id, &out, err);
    json_decref(b);
    return created(resp, k, out);
}

err_kind h_resident_medical(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"person_id", "category", "school", "lives_in_park", NULL};
    json_t *b;
    err_kind k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    resident_medical_in in = {0};
    json_t *out = NULL;
    k = jsonx_int(b, "person_id", false, 1, INT64_MAX, &in.person_id, err);
    if (!k) k = jsonx_str(b, "category", true, 32, &in.category, err);
    if (!k) k = jsonx_str(b, "school", false, 200, &in.school, err);
    if (!k) k = jsonx_bool(b, "lives_in_park", false, &in.lives_in_park, err);
    if (!k) k = resident_medical_enrol(&req->ctx, &in, &out, err);
    json_decref(b);
    return created(resp, k, out);
}

/* ---- single-insurance work injury and construction projects ---- */

static err_kind person_fields(const json_t *b, reg_person_new *np, err_detail *err) {
    const char *kind = NULL;
    err_kind k = jsonx_str(b, "id_number", false, 40, &np->id_number, err);
    if (!k) k = jsonx_str(b, "id_kind", false, 24, &kind, err);
    if (!k && kind) k = idno_kind_parse(kind, &np->id_kind, err);
    if (!k) k = jsonx_str(b, "name", false, REG_NAME_BYTES_MAX * 2, &np->name, err);
    if (!k) k = jsonx_str(b, "sex", false, 1, &np->sex, err);
    if (!k) k = jsonx_date(b, "birth_date", false, &np->birth_date, err);
    if (!k) k = jsonx_str(b, "hukou_kind", false, 24, &np->hukou_kind, err);
    if (!k) k = jsonx_str(b, "mobile", false, 32, &np->mobile, err);
    return k;
}

err_kind h_injury_only(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"unit_id", "kind", "person_id", "id_number", "id_kind",
        "name", "sex", "birth_date", "hukou_kind", "mobile", "start_date", "end_date", "school",
        "school_kind", "hours_per_day_x10", "hours_per_week_x10", NULL};
    json_t *b;
    err_kind k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    injury_only_in in = {.hours_per_day_x10 = -1, .hours_per_week_x10 = -1};
    json_t *out = NULL;
    k = jsonx_int(b, "unit_id", false, 1, INT64_MAX, &in.unit_id, err);
    if (!k) k = jsonx_str(b, "kind", true, 32, &in.kind, err);
    if (!k) k = jsonx_int(b, "person_id", false, 1, INT64_MAX, &in.person_id, err);
    if (!k) k = person_fields(b, &in.person, err);
    if (!k) k = jsonx_date(b, "start_date", true, &in.start_date, err);
    if (!k) k = jsonx_date(b, "end_date", false, &in.end_date, err);
    if (!k) k = jsonx_str(b, "school", false, 200, &in.school, err);
    if (!k) k = jsonx_str(b, "school_kind", false, 32, &in.school_kind, err);
    if (!k) k = jsonx_int(b, "hours_per_day_x10", false, 0, 240, &in.hours_per_day_x10, err);
    if (!k) k = jsonx_int(b, "hours_per_week_x10", false, 0, 1680, &in.hours_per_week_x10, err);
    if (!k) k = injury_only_enrol(&req->ctx, &in, &out, err);
    json_decref(b);
    return created(resp, k, out);
}

err_kind h_project_create(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"unit_id", "name", "contract_no", "start_date", "end_date", NULL};
    json_t *b;
    err_kind k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    project_in in = {0};
    json_t *out = NULL;
    k = jsonx_int(b, "unit_id", false, 1, INT64_MAX, &in.unit_id, err);
    if (!k) k = jsonx_str(b, "name", true, 200, &in.name, err);
    if (!k) k = jsonx_str(b, "contract_no", true, 100, &in.contract_no, err);
    if (!k) k = jsonx_date(b, "start_date", true, &in.start_date, err);
    if (!k) k = jsonx_date(b, "end_date", false, &in.end_date, err);
    if (!k) k = project_create(&req->ctx, &in, &out, err);
    json_decref(b);
    return created(resp, k, out);
}

err_kind h_project_get(api_req *req, api_resp *resp, err_detail *err) {
    int64_t id;
    err_kind k = api_parse_id(req->params[0], "id", &id, err);
    return k ? k : project_get(&req->ctx, 0, id, &resp->body, err);
}

err_kind h_project_workers(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"workers", NULL};
    int64_t id;
    json_t *b;
    err_kind k = api_parse_id(req->params[0], "id", &id, err);
    if (!k) k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    json_t *out = NULL;
    k = project_add_workers(&req->ctx, 0, id, json_object_get(b, "workers"), &out, err);
    json_decref(b);
    return created(resp, k, out);
}
