/* ID documents and the unified social credit code: the input is tried as
 * every document kind, as a kind name and as a USCC. Besides not crashing:
 * an accepted resident ID agrees with its own check character and yields a
 * valid birth date; an accepted USCC agrees with uscc_check_char. */
#include <stdlib.h>
#include <string.h>

#include "base/idno.h"
#include "fuzz_env.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) { return 0; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = fz_strndup(data, size);
    for (int k = 0; k < IDNO_KIND_COUNT; k++) {
        idno_info info;
        err_detail err = {0};
        if (idno_check((idno_kind)k, s, &info, &err) != ERR_OK) {
            if (!err.code[0]) abort();   /* a refusal names its rule */
            continue;
        }
        if (info.kind != (idno_kind)k) abort();
        if (info.has_birth) {
            int y, m, d;
            date_to_ymd(info.birth_date, &y, &m, &d);
            if (!date_valid_ymd(y, m, d) || (info.sex != 'M' && info.sex != 'F')) abort();
        }
        if (k == IDNO_RESIDENT &&
            (strlen(info.normalized) != 18 ||
             idno_resident_check_char(info.normalized) != info.normalized[17]))
            abort();
    }
    idno_kind kind;
    err_detail err = {0};
    if (idno_kind_parse(s, &kind, &err) == ERR_OK && strcmp(idno_kind_name(kind), s) != 0) abort();
    err_clear(&err);
    if (uscc_check(s, &err) == ERR_OK && (strlen(s) != 18 || uscc_check_char(s) != s[17])) abort();
    free(s);
    return 0;
}
