/* Sign-in, sessions and accounts.
 *
 * Passwords are Argon2id hashes (libsodium). Tokens are 256 random bits,
 * handed out once and stored only as their SHA-256. A session lives
 * auth.session_ttl_minutes (policy); auth.lock_after_failures failed sign-ins
 * in a row lock the account for auth.lock_minutes. */
#ifndef SIPF_SVC_AUTH_H
#define SIPF_SVC_AUTH_H

#include <stdint.h>

#include "base/crypto.h"
#include "svc/ctx.h"

typedef struct auth_login {
    const char *role;        /* "person", "unit" or "staff" */
    const char *id_number;   /* person */
    const char *unit_code;   /* unit */
    const char *operator_name; /* unit */
    const char *username;    /* staff */
    const char *password;
} auth_login;

typedef struct auth_session {
    char token[CRYPTO_TOKEN_HEX_BYTES];
    int64_t expires_at_ms;
    svc_actor actor;
} auth_session;

/* Signs in. Refusals: ERR_INVALID (missing fields for the role),
 * ERR_UNAUTHORIZED "bad_credentials" (unknown login or wrong password: the
 * same answer for both, so existence does not leak), ERR_LOCKED
 * "account_locked" (message says until when, Beijing time), ERR_FORBIDDEN
 * "account_disabled".
 * A failed attempt writes the failure count and an audit row: the caller
 * commits the transaction whatever the result. */
err_kind auth_sign_in(svc_ctx *ctx, const auth_login *in, auth_session *out, err_detail *err);

/* The actor behind a bearer token; ERR_UNAUTHORIZED "token_invalid" or
 * "token_expired". Read-only. */
err_kind auth_resolve(svc_ctx *ctx, const char *token, svc_actor *out, int64_t *expires_at_ms,
                      err_detail *err);

err_kind auth_sign_out(svc_ctx *ctx, const char *token, err_detail *err);

typedef struct auth_user_new {
    const char *role;          /* "person", "unit", "clerk", "reviewer", "finance", "admin" */
    const char *username;      /* staff */
    const char *unit_code;     /* unit operator: the unit must exist */
    const char *operator_name; /* unit operator */
    const char *id_number;     /* person: the person must exist */
    const char *display_name;  /* optional for persons and operators */
    const char *password;      /* at least auth.password_min_length characters */
} auth_user_new;

/* Creates an account (staff: admin, or the system). ERR_CONFLICT "user_exists". */
err_kind auth_user_create(svc_ctx *ctx, const auth_user_new *in, int64_t *user_id_out,
                          err_detail *err);

/* kind: "person", "unit" or "staff"; login as in auth_login (unit: "CODE/operator"). */
err_kind auth_password_reset(svc_ctx *ctx, const char *kind, const char *login,
                             const char *new_password, err_detail *err);
err_kind auth_unlock(svc_ctx *ctx, const char *kind, const char *login, err_detail *err);
/* The signed-in actor changes their own password; ERR_UNAUTHORIZED on a wrong
 * old one. Every other session of the account ends (a password someone else
 * learned no longer keeps them signed in); the session of keep_token, the
 * one making the change, stays (NULL: none stays). */
err_kind auth_password_change(svc_ctx *ctx, const char *old_password, const char *new_password,
                              const char *keep_token, err_detail *err);

#endif
