/* Roster import: the first byte picks CSV (even) or XLSX (odd), the rest is
 * the file. What table_read accepts goes on to enrol_roster for the first
 * demo unit as a counter clerk, in a transaction rolled back afterwards. */
#include <stdlib.h>

#include "base/table.h"
#include "fuzz_env.h"
#include "svc/registry_enrol.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    fz_env_get(1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    fz_env *e = fz_env_get(1);
    svc_ctx ctx;
    fz_ctx_begin(e, ROLE_CLERK, &ctx);
    table_format fmt = (data[0] & 1) ? TABLE_XLSX : TABLE_CSV;
    table t;
    err_detail err = {0};
    if (table_read(ctx.ar, fmt, data + 1, size - 1, &t, &err) == ERR_OK) {
        for (int r = 0; r < t.row_count; r++)
            if (t.rows[r].cell_count < 0 || t.rows[r].cell_count > TABLE_COLS_MAX) abort();
        json_t *out = NULL, *bad = NULL;
        err_clear(&err);
        enrol_roster(&ctx, 1, &t, &out, &bad, &err);
        json_decref(out);
        json_decref(bad);
    } else if (!err.code[0]) {
        abort();   /* a refusal names its rule */
    }
    fz_ctx_end(&ctx);
    return 0;
}
