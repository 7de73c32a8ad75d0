/* Dates are days since 1970-01-01 (proleptic Gregorian, int32_t); months are
 * yyyymm integers (202507). Business code never reads the clock: the business
 * date is an input. Parsing is strict: "2025-02-29" is refused. */
#ifndef SIPF_BASE_DATE_H
#define SIPF_BASE_DATE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"

typedef int32_t date_days;  /* days since 1970-01-01 */
typedef int32_t month_ym;   /* yyyymm */

enum { DATE_STR_BYTES = 11, MONTH_STR_BYTES = 8 };

/* Valid years are 1900..2199: anything else is input error, not a date. */
bool date_valid_ymd(int y, int m, int d);
date_days date_from_ymd(int y, int m, int d);      /* asserts date_valid_ymd */
void date_to_ymd(date_days d, int *y, int *m, int *dd);
int date_weekday(date_days d);                     /* 1 = Monday .. 7 = Sunday */
int date_days_in_month(int y, int m);

/* "YYYY-MM-DD" exactly. field names the input for the error detail. */
err_kind date_parse(const char *s, const char *field, date_days *out, err_detail *err);
void date_format(date_days d, char out[DATE_STR_BYTES]);

/* "YYYY-MM" exactly. */
err_kind month_parse(const char *s, const char *field, month_ym *out, err_detail *err);
void month_format(month_ym m, char out[MONTH_STR_BYTES]);   /* "YYYY-MM" */
bool month_valid(month_ym m);
month_ym month_of(date_days d);
month_ym month_add(month_ym m, int n);
int month_diff(month_ym later, month_ym earlier);   /* later - earlier, in months */
date_days month_first_day(month_ym m);
date_days month_last_day(month_ym m);

/* Whole years of age on date `on` for a person born on `birth`. */
int date_age_years(date_days birth, date_days on);
date_days date_add_years(date_days d, int years);  /* Feb 29 -> Feb 28 */

/* Milliseconds since the epoch, for timestamps; the one place that reads the clock. */
int64_t clock_now_ms(void);
date_days clock_today(void);  /* UTC+8, the center's local date */

/* An instant shown in the center's local time (UTC+8, no daylight saving). */
typedef enum clock_style {
    CLOCK_ISO,       /* "2026-09-30T10:00:00+08:00" */
    CLOCK_ISO_MS,    /* "2026-09-30T10:00:00.000+08:00" */
    CLOCK_MINUTE,    /* "2026-09-30 10:00" */
} clock_style;
enum { CLOCK_STR_BYTES = 40 };
date_days clock_day_of(int64_t ms);
void clock_format(int64_t ms, clock_style style, char out[CLOCK_STR_BYTES]);

#endif
