/* Sign-in, sessions and accounts. */
#include "svc/auth.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "svc/audit.h"

enum {
    LOGIN_FIELD_BYTES_MAX = 64,     /* id number, unit code, operator, user name */
    DISPLAY_NAME_BYTES_MAX = 63,    /* fits svc_actor.name */
    PASSWORD_BYTES_MAX = 1024,
    LOGIN_BYTES = 2 * LOGIN_FIELD_BYTES_MAX + 2,
    TARGET_BYTES = 48,
};

static const int64_t minute_ms = 60000;

/* ---- small helpers ------------------------------------------------------ */

typedef struct auth_params {
    int64_t ttl_minutes;
    int64_t lock_after;
    int64_t lock_minutes;
} auth_params;

static err_kind params_load(const svc_ctx *ctx, auth_params *p, err_detail *err) {
    err_kind k = policy_get_int(ctx->pol, "auth.session_ttl_minutes", ctx->business_date,
                                &p->ttl_minutes, err);
    if (!k) k = policy_get_int(ctx->pol, "auth.lock_after_failures", ctx->business_date,
                               &p->lock_after, err);
    if (!k) k = policy_get_int(ctx->pol, "auth.lock_minutes", ctx->business_date,
                               &p->lock_minutes, err);
    return k;
}

static bool is_admin(const svc_ctx *ctx) {
    return ctx->actor.role == ROLE_ADMIN || ctx->actor.role == ROLE_SYSTEM;
}

static err_kind require_admin(const svc_ctx *ctx, err_detail *err) {
    if (is_admin(ctx)) return ERR_OK;
    return err_set(err, ERR_FORBIDDEN, "forbidden", NULL, "仅管理员可以管理账户");
}

/* Copies at most cap - 1 bytes without cutting a UTF-8 character. */
static void copy_utf8(char *dst, size_t cap, const char *src) {
    size_t n = strlen(src);
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80) n--;
    }
    memcpy(dst, src, n);
    dst[n] = 0;
}

static size_t utf8_chars(const char *s) {
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) n++;
    return n;
}

static void user_target(int64_t id, char out[TARGET_BYTES]) {
    snprintf(out, TARGET_BYTES, "user:%" PRId64, id);
}

/* Appends an audit row as `who` (the signed-in user after a sign-in). */
static err_kind audit_as(const svc_ctx *ctx, const svc_actor *who, const char *action,
                         const char *target, const char *outcome, const char *detail,
                         err_detail *err) {
    svc_ctx c = *ctx;
    if (who) c.actor = *who;
    return audit_append(&c, action, target, outcome, detail, err);
}

static err_kind need_text(const char *v, const char *field, const char *what, size_t max_bytes,
                          err_detail *err) {
    if (!v || !*v)
        return err_set(err, ERR_INVALID, "missing_field", field, "请填写%s", what);
    if (strlen(v) > max_bytes)
        return err_set(err, ERR_INVALID, "invalid_field", field, "%s过长（最多 %zu 字节）", what,
                       max_bytes);
    return ERR_OK;
}

/* ---- accounts ----------------------------------------------------------- */

typedef struct user_rec {
    int64_t id;
    svc_role role;
    int64_t person_id, unit_id;
    char display_name[64];
    char password_hash[CRYPTO_PWHASH_BYTES];
    int64_t failed_count;
    int64_t locked_until_ms;
    bool disabled;
} user_rec;

static void user_from_stmt(store_stmt *st, user_rec *u) {
    u->id = store_col_int(st, 0);
    if (svc_role_parse(store_col_text(st, 1), &u->role, NULL)) u->role = ROLE_NONE;
    u->person_id = store_col_is_null(st, 2) ? 0 : store_col_int(st, 2);
    u->unit_id = store_col_is_null(st, 3) ? 0 : store_col_int(st, 3);
    copy_utf8(u->display_name, sizeof u->display_name, store_col_text(st, 4));
    copy_utf8(u->password_hash, sizeof u->password_hash, store_col_text(st, 5));
    u->failed_count = store_col_int(st, 6);
    u->locked_until_ms = store_col_int(st, 7);
    u->disabled = store_col_int(st, 8) != 0;
}

/* Steps a bound USER_BY_* statement once and hands it back. */
static err_kind user_fetch(store_stmt *st, user_rec *u, bool *found, err_detail *err) {
    bool row = false;
    err_kind k = store_step(st, &row, err);
    if (!k && row) user_from_stmt(st, u);
    store_stmt_done(st);
    if (!k) *found = row;
    return k;
}

static err_kind user_by_login(store_tx *tx, const char *kind, const char *login, user_rec *u,
                              bool *found, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(tx, STORE_Q_USER_BY_LOGIN, &st, err);
    if (k) return k;
    store_bind_text(st, 1, kind);
    store_bind_text(st, 2, login);
    return user_fetch(st, u, found, err);
}

static err_kind user_by_id(store_tx *tx, int64_t id, user_rec *u, bool *found, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(tx, STORE_Q_USER_BY_ID, &st, err);
    if (k) return k;
    store_bind_int(st, 1, id);
    return user_fetch(st, u, found, err);
}

static void actor_from_user(const user_rec *u, svc_actor *a) {
    memset(a, 0, sizeof *a);
    a->user_id = u->id;
    a->role = u->role;
    a->person_id = u->person_id;
    a->unit_id = u->unit_id;
    copy_utf8(a->name, sizeof a->name, u->display_name);
}

static err_kind set_failures(svc_ctx *ctx, int64_t id, int64_t failed, int64_t until_ms,
                             err_detail *err) {
    return store_exec(ctx->tx, STORE_Q_USER_SET_FAILURES, err, "iiii", id, failed, until_ms,
                      ctx->now_ms);
}

/* At least auth.password_min_length characters: ERR_RULE "password_too_short". */
static err_kind password_check(const svc_ctx *ctx, const char *pw, const char *field,
                               err_detail *err) {
    err_kind k = need_text(pw, field, "密码", PASSWORD_BYTES_MAX, err);
    if (k) return k;
    int64_t min = 0;
    k = policy_get_int(ctx->pol, "auth.password_min_length", ctx->business_date, &min, err);
    if (k) return k;
    int64_t len = (int64_t)utf8_chars(pw);
    if (len >= min) return ERR_OK;
    char data[96];
    snprintf(data, sizeof data, "{\"min_length\":%" PRId64 ",\"length\":%" PRId64 "}", min, len);
    err_rule_add(err, "password_too_short", data, "密码至少需要 %" PRId64 " 个字符，当前为 %" PRId64
                 " 个", min, len);
    return err_rules_finish(err);
}

/* ---- logins ------------------------------------------------------------- */

typedef struct login_key {
    const char *kind;     /* "person", "unit", "staff" */
    char login[LOGIN_BYTES];
} login_key;

static err_kind login_kind_valid(const char *kind, const char *field, err_detail *err) {
    if (!kind || !*kind)
        return err_set(err, ERR_INVALID, "missing_field", field, "请选择登录身份");
    if (kind && (!strcmp(kind, "person") || !strcmp(kind, "unit") || !strcmp(kind, "staff")))
        return ERR_OK;
    return err_set(err, ERR_INVALID, "invalid_field", field,
                   "登录身份 %s 无效，可选：person、unit、staff", kind ? kind : "");
}

static err_kind login_unit(const char *code, const char *op, login_key *out, err_detail *err) {
    err_kind k = need_text(code, "unit_code", "单位代码", LOGIN_FIELD_BYTES_MAX, err);
    if (!k) k = need_text(op, "operator_name", "经办人姓名", LOGIN_FIELD_BYTES_MAX, err);
    if (k) return k;
    if (strchr(code, '/'))
        return err_set(err, ERR_INVALID, "invalid_field", "unit_code", "单位代码不能包含“/”");
    snprintf(out->login, sizeof out->login, "%s/%s", code, op);
    return ERR_OK;
}

/* The (kind, login) pair of users for the role's fields. */
static err_kind login_from(const char *kind, const char *id_number, const char *unit_code,
                           const char *operator_name, const char *username, login_key *out,
                           err_detail *err) {
    err_kind k = login_kind_valid(kind, "role", err);
    if (k) return k;
    out->kind = kind;
    if (!strcmp(kind, "unit")) return login_unit(unit_code, operator_name, out, err);
    bool person = !strcmp(kind, "person");
    const char *v = person ? id_number : username;
    k = need_text(v, person ? "id_number" : "username", person ? "身份证件号码" : "用户名",
                  LOGIN_FIELD_BYTES_MAX, err);
    if (k) return k;
    snprintf(out->login, sizeof out->login, "%s", v);
    return ERR_OK;
}

/* A (kind, login) given as in auth_login: unit logins are "CODE/operator". */
static err_kind login_given(const char *kind, const char *login, login_key *out, err_detail *err) {
    err_kind k = login_kind_valid(kind, "kind", err);
    if (!k) k = need_text(login, "login", "账号", LOGIN_BYTES - 1, err);
    if (k) return k;
    out->kind = kind;
    snprintf(out->login, sizeof out->login, "%s", login);
    return ERR_OK;
}

static err_kind user_must_exist(svc_ctx *ctx, const login_key *key, user_rec *u,
                                err_detail *err) {
    bool found = false;
    err_kind k = user_by_login(ctx->tx, key->kind, key->login, u, &found, err);
    if (k) return k;
    if (!found) return err_set(err, ERR_NOT_FOUND, "user_not_found", "login", "账户不存在");
    return ERR_OK;
}

/* ---- signing in --------------------------------------------------------- */

static err_kind bad_credentials(err_detail *err) {
    return err_set(err, ERR_UNAUTHORIZED, "bad_credentials", NULL, "账号或密码错误");
}

static err_kind locked_error(const auth_params *p, int64_t until_ms, err_detail *err) {
    char when[CLOCK_STR_BYTES];
    clock_format(until_ms, CLOCK_MINUTE, when);
    return err_set(err, ERR_LOCKED, "account_locked", NULL,
                   "连续 %" PRId64 " 次密码错误，账户已锁定至 %s（北京时间）", p->lock_after, when);
}

static err_kind refuse_unknown(svc_ctx *ctx, const char *kind, const char *password,
                               err_detail *err) {
    /* Spend the time a verification would, so timing does not tell either. */
    char burn[CRYPTO_PWHASH_BYTES];
    err_detail ignored = {0};
    (void)crypto_password_hash(password, burn, &ignored);
    char target[TARGET_BYTES];
    snprintf(target, sizeof target, "login:%s", kind);
    err_kind k = audit_append(ctx, "session.create", target, "bad_credentials", "", err);
    return k ? k : bad_credentials(err);
}

static err_kind refuse_locked(svc_ctx *ctx, const user_rec *u, const auth_params *p,
                              err_detail *err) {
    char target[TARGET_BYTES];
    user_target(u->id, target);
    err_kind k = audit_append(ctx, "session.create", target, "account_locked", "", err);
    return k ? k : locked_error(p, u->locked_until_ms, err);
}

/* A wrong password: one more failure; the lock_after-th locks the account. */
static err_kind refuse_wrong(svc_ctx *ctx, const user_rec *u, const auth_params *p,
                             err_detail *err) {
    /* A lock that has run out (we only get here when it has) restarts the count. */
    int64_t failed = (u->locked_until_ms != 0 ? 0 : u->failed_count) + 1;
    int64_t until = failed >= p->lock_after ? ctx->now_ms + p->lock_minutes * minute_ms : 0;
    err_kind k = set_failures(ctx, u->id, failed, until, err);
    if (k) return k;
    char target[TARGET_BYTES], detail[64];
    user_target(u->id, target);
    snprintf(detail, sizeof detail, "{\"failed_count\":%" PRId64 "}", failed);
    const char *outcome = until ? "account_locked" : "bad_credentials";
    k = audit_append(ctx, "session.create", target, outcome, detail, err);
    if (k) return k;
    return until ? locked_error(p, until, err) : bad_credentials(err);
}

static err_kind refuse_disabled(svc_ctx *ctx, const user_rec *u, err_detail *err) {
    char target[TARGET_BYTES];
    user_target(u->id, target);
    err_kind k = audit_append(ctx, "session.create", target, "account_disabled", "", err);
    if (k) return k;
    return err_set(err, ERR_FORBIDDEN, "account_disabled", NULL, "账户已停用，请联系经办机构");
}

static err_kind grant(svc_ctx *ctx, const user_rec *u, const auth_params *p, auth_session *out,
                      err_detail *err) {
    err_kind k = ERR_OK;
    if (u->failed_count != 0 || u->locked_until_ms != 0) k = set_failures(ctx, u->id, 0, 0, err);
    if (k) return k;
    char token[CRYPTO_TOKEN_HEX_BYTES], token_hash[CRYPTO_SHA256_HEX_BYTES];
    crypto_random_token_hex(token);
    crypto_sha256_hex(token, strlen(token), token_hash);
    int64_t expires = ctx->now_ms + p->ttl_minutes * minute_ms;
    k = store_exec(ctx->tx, STORE_Q_SESSION_INSERT, err, "titiii", token_hash, u->id,
                   svc_role_name(u->role), ctx->channel ? ctx->channel : "", ctx->now_ms, expires);
    if (k) return k;
    svc_actor a;
    actor_from_user(u, &a);
    char target[TARGET_BYTES];
    user_target(u->id, target);
    k = audit_as(ctx, &a, "session.create", target, "ok", "", err);
    if (k) return k;
    memcpy(out->token, token, sizeof out->token);
    out->expires_at_ms = expires;
    out->actor = a;
    return ERR_OK;
}

err_kind auth_sign_in(svc_ctx *ctx, const auth_login *in, auth_session *out, err_detail *err) {
    login_key key;
    err_kind k = login_from(in->role, in->id_number, in->unit_code, in->operator_name,
                            in->username, &key, err);
    if (!k) k = need_text(in->password, "password", "密码", PASSWORD_BYTES_MAX, err);
    auth_params p;
    if (!k) k = params_load(ctx, &p, err);
    user_rec u;
    bool found = false;
    if (!k) k = user_by_login(ctx->tx, key.kind, key.login, &u, &found, err);
    if (k) return k;
    if (!found) return refuse_unknown(ctx, key.kind, in->password, err);
    if (ctx->now_ms < u.locked_until_ms) return refuse_locked(ctx, &u, &p, err);
    if (!crypto_password_verify(u.password_hash, in->password)) return refuse_wrong(ctx, &u, &p, err);
    if (u.disabled) return refuse_disabled(ctx, &u, err);
    return grant(ctx, &u, &p, out, err);
}

/* ---- sessions ----------------------------------------------------------- */

static err_kind token_invalid(err_detail *err) {
    return err_set(err, ERR_UNAUTHORIZED, "token_invalid", NULL, "登录状态无效，请重新登录");
}

typedef struct session_rec {
    int64_t expires_at_ms;
    bool revoked;
    bool disabled;
    user_rec user;
} session_rec;

static err_kind session_fetch(store_tx *tx, const char *token_hash, session_rec *s, bool *found,
                              err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(tx, STORE_Q_SESSION_BY_HASH, &st, err);
    if (k) return k;
    store_bind_text(st, 1, token_hash);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && row) {
        memset(s, 0, sizeof *s);
        s->user.id = store_col_int(st, 0);
        s->expires_at_ms = store_col_int(st, 1);
        s->revoked = store_col_int(st, 2) != 0;
        if (svc_role_parse(store_col_text(st, 3), &s->user.role, NULL)) s->user.role = ROLE_NONE;
        s->user.person_id = store_col_is_null(st, 4) ? 0 : store_col_int(st, 4);
        s->user.unit_id = store_col_is_null(st, 5) ? 0 : store_col_int(st, 5);
        copy_utf8(s->user.display_name, sizeof s->user.display_name, store_col_text(st, 6));
        s->disabled = store_col_int(st, 7) != 0;
    }
    store_stmt_done(st);
    if (!k) *found = row;
    return k;
}

static bool token_well_formed(const char *token) {
    if (!token || strlen(token) != CRYPTO_TOKEN_HEX_BYTES - 1) return false;
    for (const char *c = token; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f'))) return false;
    return true;
}

err_kind auth_resolve(svc_ctx *ctx, const char *token, svc_actor *out, int64_t *expires_at_ms,
                      err_detail *err) {
    if (!token_well_formed(token)) return token_invalid(err);
    char h[CRYPTO_SHA256_HEX_BYTES];
    crypto_sha256_hex(token, strlen(token), h);
    session_rec s;
    bool found = false;
    err_kind k = session_fetch(ctx->tx, h, &s, &found, err);
    if (k) return k;
    if (!found || s.revoked || s.disabled || s.user.role == ROLE_NONE) return token_invalid(err);
    if (ctx->now_ms >= s.expires_at_ms)
        return err_set(err, ERR_UNAUTHORIZED, "token_expired", NULL, "登录已过期，请重新登录");
    actor_from_user(&s.user, out);
    if (expires_at_ms) *expires_at_ms = s.expires_at_ms;
    return ERR_OK;
}

err_kind auth_sign_out(svc_ctx *ctx, const char *token, err_detail *err) {
    svc_actor a;
    err_kind k = auth_resolve(ctx, token, &a, NULL, err);
    if (k) return k;
    char h[CRYPTO_SHA256_HEX_BYTES];
    crypto_sha256_hex(token, strlen(token), h);
    k = store_exec(ctx->tx, STORE_Q_SESSION_REVOKE, err, "t", h);
    if (k) return k;
    char target[TARGET_BYTES];
    user_target(a.user_id, target);
    return audit_as(ctx, &a, "session.delete", target, "ok", "", err);
}

/* ---- creating accounts -------------------------------------------------- */

typedef struct new_user {
    login_key key;
    const char *role;
    int64_t person_id, unit_id;
    const char *display_name;
    char name_buf[64];   /* the person's name when display_name is not given */
} new_user;

static const char *kind_of_role(const char *role) {
    if (!strcmp(role, "person") || !strcmp(role, "unit")) return role;
    return "staff";
}

static err_kind new_user_fields(const auth_user_new *in, new_user *nu, err_detail *err) {
    svc_role r;
    if (!in->role || svc_role_parse(in->role, &r, NULL))
        return err_set(err, ERR_INVALID, "invalid_role", "role",
                       "角色 %s 无效，可选：person、unit、clerk、reviewer、finance、admin",
                       in->role ? in->role : "");
    memset(nu, 0, sizeof *nu);
    nu->role = in->role;
    err_kind k = login_from(kind_of_role(in->role), in->id_number, in->unit_code,
                            in->operator_name, in->username, &nu->key, err);
    if (k) return k;
    if (in->display_name && *in->display_name) {
        k = need_text(in->display_name, "display_name", "显示名称", DISPLAY_NAME_BYTES_MAX, err);
        nu->display_name = in->display_name;
    }
    return k;
}

/* Finds the person or unit of the account; fills default display names. */
static err_kind new_user_owner(svc_ctx *ctx, const auth_user_new *in, new_user *nu,
                               err_detail *err) {
    bool person = !strcmp(nu->key.kind, "person");
    if (!person && strcmp(nu->key.kind, "unit")) {
        if (!nu->display_name) nu->display_name = in->username;
        return ERR_OK;
    }
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, person ? STORE_Q_PERSON_BY_ID_NUMBER : STORE_Q_UNIT_BY_CODE,
                               &st, err);
    if (k) return k;
    store_bind_text(st, 1, person ? in->id_number : in->unit_code);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && row) {
        *(person ? &nu->person_id : &nu->unit_id) = store_col_int(st, 0);
        if (!nu->display_name && person) {
            copy_utf8(nu->name_buf, sizeof nu->name_buf, store_col_text(st, 1));
            nu->display_name = nu->name_buf;
        } else if (!nu->display_name) {
            nu->display_name = in->operator_name;
        }
    }
    store_stmt_done(st);
    if (k || row) return k;
    return person ? err_set(err, ERR_NOT_FOUND, "person_not_found", "id_number",
                            "未找到证件号码为 %s 的参保人", in->id_number)
                  : err_set(err, ERR_NOT_FOUND, "unit_not_found", "unit_code",
                            "未找到单位代码为 %s 的单位", in->unit_code);
}

static err_kind new_user_insert(svc_ctx *ctx, const new_user *nu, const char *pw_hash,
                                int64_t *id, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_USER_INSERT, &st, err);
    if (k) return k;
    store_bind_text(st, 1, nu->key.kind);
    store_bind_text(st, 2, nu->key.login);
    store_bind_text(st, 3, nu->role);
    if (nu->person_id) store_bind_int(st, 4, nu->person_id);
    else store_bind_null(st, 4);
    if (nu->unit_id) store_bind_int(st, 5, nu->unit_id);
    else store_bind_null(st, 5);
    store_bind_text(st, 6, nu->display_name);
    store_bind_text(st, 7, pw_hash);
    store_bind_int(st, 8, ctx->now_ms);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && row) *id = store_col_int(st, 0);
    bool more;
    if (!k && row) k = store_step(st, &more, err);
    store_stmt_done(st);
    if (!k && !row) return err_set(err, ERR_INTERNAL, "store_error", NULL, "内部错误：账户未写入");
    return k;
}

static err_kind user_absent(svc_ctx *ctx, const login_key *key, err_detail *err) {
    user_rec u;
    bool found = false;
    err_kind k = user_by_login(ctx->tx, key->kind, key->login, &u, &found, err);
    if (k) return k;
    if (found) return err_set(err, ERR_CONFLICT, "user_exists", "login", "账户 %s 已存在", key->login);
    return ERR_OK;
}

err_kind auth_user_create(svc_ctx *ctx, const auth_user_new *in, int64_t *user_id_out,
                          err_detail *err) {
    new_user nu;
    err_kind k = require_admin(ctx, err);
    if (!k) k = new_user_fields(in, &nu, err);
    if (!k) k = password_check(ctx, in->password, "password", err);
    if (!k) k = new_user_owner(ctx, in, &nu, err);
    if (!k) k = user_absent(ctx, &nu.key, err);
    char pw_hash[CRYPTO_PWHASH_BYTES];
    if (!k) k = crypto_password_hash(in->password, pw_hash, err);
    int64_t id = 0;
    if (!k) k = new_user_insert(ctx, &nu, pw_hash, &id, err);
    if (k) return k;
    char target[TARGET_BYTES], detail[96];
    user_target(id, target);
    snprintf(detail, sizeof detail, "{\"kind\":\"%s\",\"role\":\"%s\"}", nu.key.kind, nu.role);
    k = audit_append(ctx, "user.create", target, "ok", detail, err);
    if (k) return k;
    if (user_id_out) *user_id_out = id;
    return ERR_OK;
}

/* ---- maintaining accounts ----------------------------------------------- */

static err_kind set_password(svc_ctx *ctx, int64_t id, const char *pw, err_detail *err) {
    char pw_hash[CRYPTO_PWHASH_BYTES];
    err_kind k = crypto_password_hash(pw, pw_hash, err);
    if (k) return k;
    return store_exec(ctx->tx, STORE_Q_USER_SET_PASSWORD, err, "iti", id, pw_hash, ctx->now_ms);
}

err_kind auth_password_reset(svc_ctx *ctx, const char *kind, const char *login,
                             const char *new_password, err_detail *err) {
    login_key key;
    user_rec u;
    err_kind k = require_admin(ctx, err);
    if (!k) k = login_given(kind, login, &key, err);
    if (!k) k = user_must_exist(ctx, &key, &u, err);
    if (!k) k = password_check(ctx, new_password, "new_password", err);
    if (!k) k = set_password(ctx, u.id, new_password, err);
    /* Whoever held the old password loses their sessions with it. */
    if (!k) k = store_exec(ctx->tx, STORE_Q_SESSION_REVOKE_USER, err, "i", u.id);
    if (k) return k;
    char target[TARGET_BYTES];
    user_target(u.id, target);
    return audit_append(ctx, "user.password_reset", target, "ok", "", err);
}

err_kind auth_unlock(svc_ctx *ctx, const char *kind, const char *login, err_detail *err) {
    login_key key;
    user_rec u;
    err_kind k = require_admin(ctx, err);
    if (!k) k = login_given(kind, login, &key, err);
    if (!k) k = user_must_exist(ctx, &key, &u, err);
    if (!k) k = set_failures(ctx, u.id, 0, 0, err);
    if (k) return k;
    char target[TARGET_BYTES];
    user_target(u.id, target);
    return audit_append(ctx, "user.unlock", target, "ok", "", err);
}

err_kind auth_password_change(svc_ctx *ctx, const char *old_password, const char *new_password,
                              const char *keep_token, err_detail *err) {
    user_rec u;
    bool found = false;
    err_kind k = ERR_OK;
    if (ctx->actor.user_id > 0) k = user_by_id(ctx->tx, ctx->actor.user_id, &u, &found, err);
    if (k) return k;
    if (!found) return err_set(err, ERR_UNAUTHORIZED, "not_signed_in", NULL, "请先登录");
    k = need_text(old_password, "old_password", "原密码", PASSWORD_BYTES_MAX, err);
    if (k) return k;
    if (!crypto_password_verify(u.password_hash, old_password))
        return err_set(err, ERR_UNAUTHORIZED, "bad_credentials", "old_password", "原密码错误");
    k = password_check(ctx, new_password, "new_password", err);
    if (!k) k = set_password(ctx, u.id, new_password, err);
    char keep[CRYPTO_SHA256_HEX_BYTES] = "";
    if (keep_token) crypto_sha256_hex(keep_token, strlen(keep_token), keep);
    if (!k) k = store_exec(ctx->tx, STORE_Q_SESSION_REVOKE_OTHERS, err, "it", u.id, keep);
    if (k) return k;
    char target[TARGET_BYTES];
    user_target(u.id, target);
    return audit_append(ctx, "user.password_change", target, "ok", "", err);
}
