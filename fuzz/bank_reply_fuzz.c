/* The bank reply file: imported by finance over the demo data (in a
 * transaction rolled back afterwards), and read by the bank simulator as a
 * collection file. The business date's month is run, confirmed and sent
 * first, so that a reply to that collection file (the seed
 * fuzz/corpus/bank_reply/reply-paid-failed) goes through to the postings. */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_env.h"
#include "svc/collection.h"
#include "svc/contribution.h"

enum { FZ_UNITS_MAX = 64 };   /* the demo has 20 units */

static void setup_step(const char *what, err_kind k, const err_detail *err) {
    if (k) fprintf(stderr, "bank_reply setup: %s: %s\n", what, err->message);
}

/* Runs the month, confirms every unit's draft bill and makes the collection files. */
static void collect_current_month(fz_env *e) {
    month_ym m = month_of(e->business_date);
    svc_ctx ctx;
    err_detail err = {0};
    json_t *out = NULL;
    fz_ctx_begin(e, ROLE_SYSTEM, &ctx);
    store_rollback(ctx.tx);   /* the run opens its own transactions */
    ctx.tx = NULL;
    setup_step("month run", contrib_month_run(e->st, &ctx, m, 0, NULL, NULL, &out, &err), &err);
    json_decref(out);
    fz_ctx_end(&ctx);
    fz_ctx_begin(e, ROLE_FINANCE, &ctx);
    for (int64_t unit = 1; unit <= FZ_UNITS_MAX; unit++) {
        out = NULL;
        err_clear(&err);
        if (contrib_bills_json(&ctx, unit, m, &out, &err)) continue;
        size_t i;
        json_t *bill;
        json_array_foreach(json_object_get(out, "items"), i, bill) {
            err_clear(&err);
            contrib_bill_confirm(&ctx, json_integer_value(json_object_get(bill, "id")), &err);
        }
        json_decref(out);
    }
    out = NULL;
    err_clear(&err);
    err_kind k = collect_make_files(&ctx, m, NULL, &out, &err);
    if (!k) k = store_commit(ctx.tx, &err);
    if (!k) ctx.tx = NULL;
    setup_step("collection files", k, &err);
    json_decref(out);
    fz_ctx_end(&ctx);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    collect_current_month(fz_env_get(1));
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_env *e = fz_env_get(1);
    svc_ctx ctx;
    fz_ctx_begin(e, ROLE_FINANCE, &ctx);
    json_t *out = NULL;
    err_detail err = {0};
    if (collect_import_reply(&ctx, (const char *)data, size, &out, &err) != ERR_OK && !err.code[0])
        abort();   /* a refusal names its rule */
    json_decref(out);
    fz_ctx_end(&ctx);
    char *reply = NULL;
    err_clear(&err);
    collect_simulate_bank((const char *)data, size, 2, &reply, &err);
    free(reply);
    return 0;
}
