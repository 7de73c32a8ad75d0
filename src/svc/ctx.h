/* The context of one operation: who acts, through which channel, on which
 * business date, under which policy, inside which store transaction.
 *
 * The channel (api/ or cli/) opens the transaction, fills the context, calls
 * svc functions, then commits when they return ERR_OK and rolls back
 * otherwise. svc functions never read the clock, the environment or files:
 * the business date and now_ms are inputs. */
#ifndef SIPF_SVC_CTX_H
#define SIPF_SVC_CTX_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/date.h"
#include "base/err.h"
#include "base/workday.h"
#include "policy/policy.h"
#include "store/store.h"

typedef enum svc_role {
    ROLE_NONE = 0,   /* not signed in: public calculators only */
    ROLE_PERSON,     /* an insured person: self only */
    ROLE_UNIT,       /* a unit operator: own unit only */
    ROLE_CLERK,      /* counter clerk (柜面) */
    ROLE_REVIEWER,   /* review desk (审核) */
    ROLE_FINANCE,    /* finance (财务) */
    ROLE_ADMIN,      /* administrator */
    ROLE_SYSTEM,     /* the CLI and batch runs acting as the center itself */
    ROLE_COUNT
} svc_role;

#define ROLE_BIT(r) (1u << (r))
#define ROLES_PUBLIC 0u   /* in a route table: no sign-in needed */
#define ROLES_STAFF (ROLE_BIT(ROLE_CLERK) | ROLE_BIT(ROLE_REVIEWER) | ROLE_BIT(ROLE_FINANCE) | \
                     ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_SYSTEM))
#define ROLES_SIGNED_IN (ROLE_BIT(ROLE_PERSON) | ROLE_BIT(ROLE_UNIT) | ROLES_STAFF)

typedef struct svc_actor {
    int64_t user_id;     /* 0 for ROLE_NONE and ROLE_SYSTEM */
    svc_role role;
    int64_t person_id;   /* ROLE_PERSON: the person; else 0 */
    int64_t unit_id;     /* ROLE_UNIT: the unit; else 0 */
    char name[64];
} svc_actor;

typedef struct svc_ctx {
    store_tx *tx;
    arena *ar;
    const policy *pol;
    const workday_cal *cal;
    date_days business_date;
    int64_t now_ms;
    svc_actor actor;
    const char *channel;     /* "portal", "terminal", "unit_client", "counter", "cli", "institution" */
    const char *request_id;
    /* Set by a channel that runs a read in a read-only transaction: audit
     * rows are kept here and written after it (svc/audit.h). NULL: they are
     * written in tx. */
    struct audit_later *audit_later;
} svc_ctx;

const char *svc_role_name(svc_role r);          /* "person", "unit", "clerk", ... */
const char *svc_role_name_zh(svc_role r);
err_kind svc_role_parse(const char *s, svc_role *out, err_detail *err);
bool svc_role_is_staff(svc_role r);

/* Channels accepted from a client. */
bool svc_channel_valid(const char *channel);

#endif
