/* Dates and months: the input parsed as a date and as a month. Besides not
 * crashing: what parses formats back to the same text, and the calendar
 * arithmetic on it stays within the valid years or says so. */
#include <stdlib.h>
#include <string.h>

#include "base/date.h"
#include "fuzz_env.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) { return 0; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = fz_strndup(data, size);
    err_detail err = {0};
    date_days d;
    if (date_parse(s, "date", &d, &err) == ERR_OK) {
        char back[DATE_STR_BYTES];
        date_format(d, back);
        if (strcmp(back, s) != 0) abort();
        int y, m, dd;
        date_to_ymd(d, &y, &m, &dd);
        if (date_from_ymd(y, m, dd) != d) abort();
        if (date_weekday(d) < 1 || date_weekday(d) > 7) abort();
        month_ym mo = month_of(d);
        if (!month_valid(mo) || month_first_day(mo) > d || month_last_day(mo) < d) abort();
        if (date_age_years(d, d) != 0) abort();
    } else if (!err.code[0]) {
        abort();
    }
    err_clear(&err);
    month_ym mo;
    if (month_parse(s, "month", &mo, &err) == ERR_OK) {
        char back[MONTH_STR_BYTES];
        month_format(mo, back);
        if (strcmp(back, s) != 0 || !month_valid(mo)) abort();
        if (month_diff(month_add(mo, 13), mo) != 13) abort();
    } else if (!err.code[0]) {
        abort();
    }
    free(s);
    return 0;
}
