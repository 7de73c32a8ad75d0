/* Reference lists for the desks' forms. The termination reasons are policy
 * data (registry.termination_reasons) and change by date; the employer client
 * and the counter offer exactly the keys POST /api/v1/terminations accepts. */
#include <string.h>

#include "api/api.h"
#include "base/date.h"
#include "policy/policy.h"

err_kind h_termination_reasons(api_req *req, api_resp *resp, err_detail *err) {
    const json_t *all;
    err_kind k = policy_get_json(req->ctx.pol, "registry.termination_reasons", req->ctx.business_date,
                                 &all, err);
    if (k) return k;
    json_t *items = json_array();
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)all, key, v) {
        const char *name_zh = json_string_value(json_object_get(v, "name_zh"));
        json_array_append_new(items, json_pack("{s:s, s:s, s:b}", "key", key, "name_zh", name_zh ? name_zh : key,
                                               "voluntary", json_is_true(json_object_get(v, "voluntary"))));
    }
    char on[DATE_STR_BYTES];
    date_format(req->ctx.business_date, on);
    resp->body = json_pack("{s:s, s:I, s:o}", "as_of", on, "count", (json_int_t)json_array_size(items),
                           "items", items);
    return ERR_OK;
}
