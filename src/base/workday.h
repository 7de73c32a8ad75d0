/* The official calendar: Monday..Friday are working days, minus the days off
 * of the State Council's yearly notice, plus its make-up working days (a
 * Saturday or Sunday that is worked). Loaded from policy/holidays.tsv, one
 * year a line. A date in a year the calendar does not hold is an error
 * (ERR_CONFIG, code "calendar_year_missing"), never a guess. */
#ifndef SIPF_BASE_WORKDAY_H
#define SIPF_BASE_WORKDAY_H

#include <stdbool.h>

#include "base/date.h"
#include "base/err.h"

typedef struct workday_cal workday_cal;

err_kind workday_load(const char *path, workday_cal **out, err_detail *err);
/* Parses the file's text (for tests and embedded data). */
err_kind workday_parse(const char *text, workday_cal **out, err_detail *err);
void workday_destroy(workday_cal *cal);

bool workday_has_year(const workday_cal *cal, int year);
err_kind workday_is_working(const workday_cal *cal, date_days d, bool *out, err_detail *err);

/* The n-th working day after `from` (n >= 0; n = 0 gives `from` itself if it is
 * a working day, else the next working day). Used for every 办结时限. */
err_kind workday_add(const workday_cal *cal, date_days from, int n, date_days *out,
                     err_detail *err);

/* Working days in (from, to]: 0 when to <= from. */
err_kind workday_count(const workday_cal *cal, date_days from, date_days to, int *out,
                       err_detail *err);

#endif
