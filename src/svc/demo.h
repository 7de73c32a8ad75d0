/* Demo data: a small park to try every desk with. The sign-ins are fixed so
 * that `make run` can print them. */
#ifndef SIPF_SVC_DEMO_H
#define SIPF_SVC_DEMO_H

#include "svc/ctx.h"

typedef struct demo_login {
    const char *role;       /* as POST /api/v1/sessions takes it */
    const char *who_zh;
    const char *login;      /* ID number, CODE/operator, or user name */
    const char *password;
} demo_login;

extern const demo_login demo_logins[];
extern const int demo_login_count;

/* Builds the demo data in ctx->tx. Refused with ERR_CONFLICT "demo_present"
 * when it is there already. */
err_kind demo_seed(svc_ctx *ctx, err_detail *err);

#endif
