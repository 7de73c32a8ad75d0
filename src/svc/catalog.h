/* The service catalog: every service item of the center (data/catalog.tsv,
 * compiled in), with whether it is open in this system yet. Menus of every
 * channel are drawn from it; items not open are shown as 暂未开通. */
#ifndef SIPF_SVC_CATALOG_H
#define SIPF_SVC_CATALOG_H

#include <jansson.h>
#include <stdbool.h>

#include "svc/ctx.h"

enum { CATALOG_ID_BYTES = 64 };

typedef struct catalog_item {
    char id[CATALOG_ID_BYTES];
    const char *name_zh;            /* arena strings */
    const char *audience;           /* comma list */
    const char *channels;           /* comma list */
    int time_limit_workdays;        /* 0 immediate; -1 not stated */
    bool is_open;
    const char *operation;          /* the item's own operation ("POST /api/v1/..."), or NULL
                                       when the generic application record handles it */
    int material_count;
    const char *materials[32];
} catalog_item;

/* Loads the compiled-in catalog into catalog_items (insert or update; run by
 * `sipf migrate`). *count_out = items loaded. */
err_kind catalog_load(store_tx *tx, int *count_out, err_detail *err);

/* List, filtered by audience ("person", "unit", ...) and channel ("online",
 * "terminal", "window", "app", ...); NULL for no filter; unknown values
 * ERR_INVALID. A new JSON array of items. */
err_kind catalog_list(svc_ctx *ctx, const char *audience, const char *channel, json_t **out,
                      err_detail *err);

/* One item, as JSON (new reference) or as a struct (strings in ctx->ar).
 * ERR_NOT_FOUND "item_not_found". */
err_kind catalog_get_json(svc_ctx *ctx, const char *id, json_t **out, err_detail *err);
err_kind catalog_get(svc_ctx *ctx, const char *id, catalog_item *out, err_detail *err);

/* The dedicated operation of an open item (catalog_open.def OPEN_VIA), or NULL. */
const char *catalog_operation(const char *id);

/* Parses a time-limit text of the catalog ("immediate", "5 working days",
 * "review within 3 working days", ...) into working days: 0 immediate, -1 unknown. */
int catalog_parse_time_limit(const char *text);

/* Whether a comma list ("person,institution") holds value exactly. */
bool catalog_list_has(const char *list, const char *value);

#endif
