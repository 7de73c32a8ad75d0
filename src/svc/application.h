/* Applications (办件): the one record every service item uses.
 *
 * States: submitted -> accepted (受理) -> approved | refused; approved ->
 * completed. Items that finish on the spot (time limit 0, 即时办结) are
 * completed in the submitting call. The deadline counts the item's time limit
 * in working days from acceptance (base/workday). Every transition is an
 * event (who, when, from, to, why) and an audit row.
 *
 * Visibility: a person sees their own applications, a unit operator its
 * unit's, staff all; anything else is ERR_NOT_FOUND, so existence does not
 * leak. */
#ifndef SIPF_SVC_APPLICATION_H
#define SIPF_SVC_APPLICATION_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "svc/ctx.h"

typedef struct application_new {
    const char *item_id;
    const json_t *payload;   /* an object; stored as given */
    int64_t person_id;       /* staff acting for a person at the counter; else 0 */
    int64_t unit_id;         /* staff acting for a unit; else 0 */
} application_new;

/* Refusals: item_not_found (404), item_not_open, audience_mismatch (422 rules). */
err_kind application_submit(svc_ctx *ctx, const application_new *in, int64_t *id_out,
                            err_detail *err);

/* The full record: item, state, dates, deadline, materials, events. */
err_kind application_get(svc_ctx *ctx, int64_t id, json_t **out, err_detail *err);

/* Staff. accept: from submitted; deadline set. receive: tick a material (index
 * into the checklist). decide: from accepted; refusing needs a reason.
 * complete: from approved. Wrong state: ERR_CONFLICT "bad_state". */
err_kind application_accept(svc_ctx *ctx, int64_t id, const char *note, err_detail *err);
err_kind application_receive(svc_ctx *ctx, int64_t id, int material_index, bool received,
                             err_detail *err);
err_kind application_decide(svc_ctx *ctx, int64_t id, bool approve, const char *reason,
                            err_detail *err);
err_kind application_complete(svc_ctx *ctx, int64_t id, const char *note, err_detail *err);

typedef struct application_filter {
    const char *state;       /* NULL: all open states */
    const char *item_id;     /* NULL: all */
    int limit;               /* 1..LIMIT_QUERY_ROWS_MAX */
} application_filter;

/* Staff queue, earliest deadline first, each row with "due" = "overdue",
 * "due_soon" (due within 1 working day) or "ok". Persons and units get their
 * own applications. A new JSON array. */
err_kind application_list(svc_ctx *ctx, const application_filter *f, json_t **out,
                          err_detail *err);

#endif
