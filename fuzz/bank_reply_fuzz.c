/* The bank reply file: imported by finance over the demo data (in a
 * transaction rolled back afterwards), and read by the bank simulator as a
 * collection file. */
#include <stdlib.h>

#include "fuzz_env.h"
#include "svc/collection.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    fz_env_get(1);
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
