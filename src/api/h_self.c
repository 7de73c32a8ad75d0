/* The self desk's reference data: the choices of its flexible-employment
 * forms (the packages of policy flexible.packages in the policy's order, each
 * insurance's tiers with their contribution bases, flexible.tiers_base_fen,
 * and the month a change made today takes effect, svc flex_effective_month),
 * all as on the business date, the date flex_register and flex_tier_change
 * read them on; and the terminal's idle sign-out. */
#include "api/api.h"
#include "base/date.h"
#include "policy/policy.h"
#include "svc/registry_flex.h"

static json_t *tiers_json(const json_t *bases) {
    json_t *items = json_array();
    size_t i;
    const json_t *b;
    json_array_foreach(bases, i, b)
        json_array_append_new(items, json_pack("{s:I, s:I}", "tier", (json_int_t)(i + 1), "base_fen",
                                               (json_int_t)json_integer_value(b)));
    return items;
}

err_kind h_flex_options(api_req *req, api_resp *resp, err_detail *err) {
    svc_ctx *ctx = &req->ctx;
    const json_t *packages, *tiers;
    int64_t first_day = 0;
    month_ym eff = 0;
    err_kind k = policy_get_json(ctx->pol, "flexible.packages", ctx->business_date, &packages, err);
    if (!k) k = policy_get_json(ctx->pol, "flexible.tiers_base_fen", ctx->business_date, &tiers, err);
    if (!k) k = policy_get_int(ctx->pol, "flexible.first_deduction_day", ctx->business_date, &first_day, err);
    if (!k) k = flex_effective_month(ctx, &eff, err);
    if (k) return k;

    json_t *pkgs = json_array();
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)packages, key, v) {
        const char *name_zh = json_string_value(json_object_get(v, "name_zh"));
        json_t *ins = json_array();
        size_t i;
        const json_t *name;
        json_array_foreach(json_object_get(v, "insurances"), i, name)
            json_array_append_new(ins, json_string(json_string_value(name)));
        json_array_append_new(pkgs, json_pack("{s:s, s:s, s:o}", "key", key, "name_zh", name_zh ? name_zh : key,
                                              "insurances", ins));
    }
    json_t *ins_tiers = json_array();
    for (reg_insurance i = 0; i < INS_COUNT; i++) {
        const json_t *bases = json_object_get(tiers, reg_insurance_name(i));
        if (!json_is_array(bases)) continue;
        json_array_append_new(ins_tiers, json_pack("{s:s, s:s, s:I, s:o}", "insurance", reg_insurance_name(i),
                                                   "insurance_zh", reg_insurance_name_zh(i), "count",
                                                   (json_int_t)json_array_size(bases), "items",
                                                   tiers_json(bases)));
    }
    char on[DATE_STR_BYTES], month[MONTH_STR_BYTES];
    date_format(ctx->business_date, on);
    month_format(eff, month);
    resp->body = json_pack("{s:s, s:I, s:s, s:o, s:o}", "as_of", on, "first_deduction_day", (json_int_t)first_day,
                           "effective_month", month, "packages", pkgs, "tiers", ins_tiers);
    return ERR_OK;
}

/* What a self-service terminal needs before anyone signs in: how long it may
 * stay signed in without input (policy auth.terminal_idle_seconds). */
err_kind h_terminal_settings(api_req *req, api_resp *resp, err_detail *err) {
    int64_t idle = 0;
    err_kind k = policy_get_int(req->ctx.pol, "auth.terminal_idle_seconds", req->ctx.business_date, &idle, err);
    if (k) return k;
    char on[DATE_STR_BYTES];
    date_format(req->ctx.business_date, on);
    resp->body = json_pack("{s:s, s:I}", "as_of", on, "idle_seconds", (json_int_t)idle);
    return ERR_OK;
}
