/* Sign-in, sign-out, passwords and accounts. */
#include <string.h>

#include "api/api.h"
#include "base/jsonx.h"
#include "svc/auth.h"

static const char *default_channel(svc_role r) {
    if (r == ROLE_PERSON) return "portal";
    if (r == ROLE_UNIT) return "unit_client";
    return "counter";
}

static json_t *actor_json(const svc_actor *a) {
    json_t *o = json_pack("{s:s, s:s, s:I, s:s}", "role", svc_role_name(a->role), "role_zh",
                          svc_role_name_zh(a->role), "user_id", (json_int_t)a->user_id, "name", a->name);
    if (a->person_id) json_object_set_new(o, "person_id", json_integer(a->person_id));
    if (a->unit_id) json_object_set_new(o, "unit_id", json_integer(a->unit_id));
    return o;
}

static json_t *instant_json(int64_t ms) {
    char buf[CLOCK_STR_BYTES];
    clock_format(ms, CLOCK_ISO, buf);
    return json_string(buf);
}

err_kind h_session_create(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"role", "id_number", "unit_code", "operator", "username",
                                          "password", "channel", NULL};
    json_t *b;
    err_kind k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    auth_login in = {0};
    const char *channel = NULL;
    static const char *const roles[] = {"person", "unit", "staff", NULL};
    int role_i;
    k = jsonx_enum(b, "role", true, roles, &role_i, err);
    if (!k) k = jsonx_str(b, "password", true, 256, &in.password, err);
    if (!k) k = jsonx_str(b, "id_number", role_i == 0, 64, &in.id_number, err);
    if (!k) k = jsonx_str(b, "unit_code", role_i == 1, 64, &in.unit_code, err);
    if (!k) k = jsonx_str(b, "operator", role_i == 1, 64, &in.operator_name, err);
    if (!k) k = jsonx_str(b, "username", role_i == 2, 64, &in.username, err);
    if (!k) k = jsonx_str(b, "channel", false, 32, &channel, err);
    if (!k && channel && !svc_channel_valid(channel))
        k = err_set(err, ERR_INVALID, "invalid_value", "channel",
                    "渠道 %s 无效，可选：portal、terminal、unit_client、counter", channel);
    if (k) { json_decref(b); return k; }
    in.role = roles[role_i];
    req->ctx.channel = channel ? arena_strdup(req->ar, channel)
                               : (role_i == 0 ? "portal" : role_i == 1 ? "unit_client" : "counter");
    auth_session s;
    req->commit_on_error = true;   /* failed attempts count towards the lock */
    k = auth_sign_in(&req->ctx, &in, &s, err);
    json_decref(b);
    if (k) return k;
    resp->status = 201;
    resp->body = json_pack("{s:s, s:s, s:o, s:I, s:o}", "token", s.token, "role",
                           svc_role_name(s.actor.role), "expires_at", instant_json(s.expires_at_ms),
                           "expires_at_ms", (json_int_t)s.expires_at_ms, "user", actor_json(&s.actor));
    return ERR_OK;
}

err_kind h_session_current(api_req *req, api_resp *resp, err_detail *err) {
    resp->body = json_pack("{s:o, s:s}", "user", actor_json(&req->ctx.actor), "channel_default",
                           default_channel(req->ctx.actor.role));
    return ERR_OK;
}

err_kind h_session_delete(api_req *req, api_resp *resp, err_detail *err) {
    err_kind k = auth_sign_out(&req->ctx, req->token, err);
    if (k) return k;
    resp->body = json_pack("{s:b}", "signed_out", 1);
    return ERR_OK;
}

err_kind h_password_change(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"old_password", "new_password", NULL};
    json_t *b;
    err_kind k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    const char *old_pw = NULL, *new_pw = NULL;
    k = jsonx_str(b, "old_password", true, 256, &old_pw, err);
    if (!k) k = jsonx_str(b, "new_password", true, 256, &new_pw, err);
    if (!k) k = auth_password_change(&req->ctx, old_pw, new_pw, req->token, err);
    json_decref(b);
    if (k) return k;
    resp->body = json_pack("{s:b}", "changed", 1);
    return ERR_OK;
}

err_kind h_user_create(api_req *req, api_resp *resp, err_detail *err) {
    static const char *const allowed[] = {"role", "username", "unit_code", "operator", "id_number",
                                          "display_name", "password", NULL};
    json_t *b;
    err_kind k = api_body_object(req, allowed, &b, err);
    if (k) return k;
    auth_user_new in = {0};
    k = jsonx_str(b, "role", true, 16, &in.role, err);
    if (!k) k = jsonx_str(b, "username", false, 64, &in.username, err);
    if (!k) k = jsonx_str(b, "unit_code", false, 64, &in.unit_code, err);
    if (!k) k = jsonx_str(b, "operator", false, 64, &in.operator_name, err);
    if (!k) k = jsonx_str(b, "id_number", false, 64, &in.id_number, err);
    if (!k) k = jsonx_str(b, "display_name", false, 64, &in.display_name, err);
    if (!k) k = jsonx_str(b, "password", true, 256, &in.password, err);
    int64_t id = 0;
    if (!k) k = auth_user_create(&req->ctx, &in, &id, err);
    json_decref(b);
    if (k) return k;
    resp->status = 201;
    resp->body = json_pack("{s:I}", "user_id", (json_int_t)id);
    return ERR_OK;
}

static err_kind account_body(api_req *req, bool with_password, json_t **b, const char **kind,
                             const char **login, const char **password, err_detail *err) {
    static const char *const allowed[] = {"kind", "login", "password", NULL};
    err_kind k = api_body_object(req, allowed, b, err);
    if (k) return k;
    k = jsonx_str(*b, "kind", true, 16, kind, err);
    if (!k) k = jsonx_str(*b, "login", true, 128, login, err);
    if (!k && with_password) k = jsonx_str(*b, "password", true, 256, password, err);
    if (k) json_decref(*b);
    return k;
}

err_kind h_user_unlock(api_req *req, api_resp *resp, err_detail *err) {
    json_t *b;
    const char *kind, *login;
    err_kind k = account_body(req, false, &b, &kind, &login, NULL, err);
    if (k) return k;
    k = auth_unlock(&req->ctx, kind, login, err);
    json_decref(b);
    if (k) return k;
    resp->body = json_pack("{s:b}", "unlocked", 1);
    return ERR_OK;
}

err_kind h_user_password_reset(api_req *req, api_resp *resp, err_detail *err) {
    json_t *b;
    const char *kind, *login, *pw = NULL;
    err_kind k = account_body(req, true, &b, &kind, &login, &pw, err);
    if (k) return k;
    k = auth_password_reset(&req->ctx, kind, login, pw, err);
    json_decref(b);
    if (k) return k;
    resp->body = json_pack("{s:b}", "reset", 1);
    return ERR_OK;
}
