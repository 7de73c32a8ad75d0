/* Dates as days since 1970-01-01 in the proleptic Gregorian calendar, months
 * as yyyymm integers. The conversions are Howard Hinnant's days_from_civil and
 * civil_from_days, done in 64-bit so that no int32 input can overflow. */
#include "base/date.h"

#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum {
    DATE_YEAR_MIN = 1900,
    DATE_YEAR_MAX = 2199,
    /* The widest year month_add and friends accept as arithmetic input. */
    MONTH_ARITH_YEAR_MIN = 1,
    MONTH_ARITH_YEAR_MAX = 9999,
    CENTER_UTC_OFFSET_S = 8 * 3600, /* Asia/Shanghai, no daylight saving */
    SECONDS_PER_DAY = 86400,
};

static bool is_leap(int64_t y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y_out, int *m_out, int *d_out) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    const int64_t d = doy - (153 * mp + 2) / 5 + 1;
    const int64_t m = mp < 10 ? mp + 3 : mp - 9;
    *y_out = yoe + era * 400 + (m <= 2);
    *m_out = (int)m;
    *d_out = (int)d;
}

static int days_in_month_any(int64_t y, int m) {
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12) return 0;
    if (m == 2 && is_leap(y)) return 29;
    return dim[m - 1];
}

bool date_valid_ymd(int y, int m, int d) {
    if (y < DATE_YEAR_MIN || y > DATE_YEAR_MAX) return false;
    if (m < 1 || m > 12) return false;
    return d >= 1 && d <= days_in_month_any(y, m);
}

date_days date_from_ymd(int y, int m, int d) {
    assert(date_valid_ymd(y, m, d));
    return (date_days)days_from_civil(y, m, d);
}

void date_to_ymd(date_days d, int *y, int *m, int *dd) {
    int64_t yy;
    int mm, day;
    civil_from_days(d, &yy, &mm, &day);
    /* Every int32 day count lands within +-5.9 million years: fits an int. */
    if (y) *y = (int)yy;
    if (m) *m = mm;
    if (dd) *dd = day;
}

int date_weekday(date_days d) {
    /* 1970-01-01 was a Thursday (4). */
    int64_t r = ((int64_t)d + 3) % 7;
    if (r < 0) r += 7;
    return (int)r + 1;
}

int date_days_in_month(int y, int m) {
    return days_in_month_any(y, m);
}

/* Writes `width` decimal digits of v (0 <= v) into out, most significant first. */
static void put_digits(char *out, int width, int64_t v) {
    for (int i = width - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* Parses exactly `width` ASCII digits at s; false on any other character. */
static bool get_digits(const char *s, int width, int *out) {
    int v = 0;
    for (int i = 0; i < width; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

err_kind date_parse(const char *s, const char *field, date_days *out, err_detail *err) {
    char echo[ERR_ECHO_BYTES];
    int y, m, d;
    if (!s || !*s)
        return err_set(err, ERR_INVALID, "invalid_date", field,
                       "日期不能为空，格式应为 YYYY-MM-DD");
    bool ok = strlen(s) == 10 && s[4] == '-' && s[7] == '-' && get_digits(s, 4, &y) &&
              get_digits(s + 5, 2, &m) && get_digits(s + 8, 2, &d) && date_valid_ymd(y, m, d);
    if (!ok) {
        err_echo(s, echo);
        return err_set(err, ERR_INVALID, "invalid_date", field,
                       "日期格式应为 YYYY-MM-DD 且为真实日期（%d 至 %d 年）：%s", DATE_YEAR_MIN,
                       DATE_YEAR_MAX, echo);
    }
    *out = date_from_ymd(y, m, d);
    return ERR_OK;
}

void date_format(date_days d, char out[DATE_STR_BYTES]) {
    int y, m, dd;
    date_to_ymd(d, &y, &m, &dd);
    if (y < 0 || y > 9999) {
        /* Not a date this system produces; keep the buffer well-formed. */
        memcpy(out, "0000-00-00", DATE_STR_BYTES);
        return;
    }
    put_digits(out, 4, y);
    out[4] = '-';
    put_digits(out + 5, 2, m);
    out[7] = '-';
    put_digits(out + 8, 2, dd);
    out[10] = 0;
}

bool month_valid(month_ym m) {
    const int y = m / 100, mm = m % 100;
    return y >= DATE_YEAR_MIN && y <= DATE_YEAR_MAX && mm >= 1 && mm <= 12;
}

err_kind month_parse(const char *s, const char *field, month_ym *out, err_detail *err) {
    char echo[ERR_ECHO_BYTES];
    int y, m;
    if (!s || !*s)
        return err_set(err, ERR_INVALID, "invalid_month", field, "月份不能为空，格式应为 YYYY-MM");
    bool ok = strlen(s) == 7 && s[4] == '-' && get_digits(s, 4, &y) &&
              get_digits(s + 5, 2, &m) && month_valid(y * 100 + m);
    if (!ok) {
        err_echo(s, echo);
        return err_set(err, ERR_INVALID, "invalid_month", field,
                       "月份格式应为 YYYY-MM 且为真实月份（%d 至 %d 年）：%s", DATE_YEAR_MIN,
                       DATE_YEAR_MAX, echo);
    }
    *out = y * 100 + m;
    return ERR_OK;
}

void month_format(month_ym m, char out[MONTH_STR_BYTES]) {
    const int y = m / 100, mm = m % 100;
    if (y < 0 || y > 9999 || mm < 1 || mm > 12) {
        memcpy(out, "0000-00", MONTH_STR_BYTES);
        return;
    }
    put_digits(out, 4, y);
    out[4] = '-';
    put_digits(out + 5, 2, mm);
    out[7] = 0;
}

month_ym month_of(date_days d) {
    int y, m, dd;
    date_to_ymd(d, &y, &m, &dd);
    return y * 100 + m;
}

/* Months since year 0, for arithmetic; asserts a well-formed yyyymm. */
static int64_t month_index(month_ym m) {
    const int y = m / 100, mm = m % 100;
    assert(y >= MONTH_ARITH_YEAR_MIN && y <= MONTH_ARITH_YEAR_MAX && mm >= 1 && mm <= 12);
    return (int64_t)y * 12 + (mm - 1);
}

month_ym month_add(month_ym m, int n) {
    const int64_t idx = month_index(m) + n;
    const int64_t y = floor_div(idx, 12);
    assert(y >= MONTH_ARITH_YEAR_MIN && y <= MONTH_ARITH_YEAR_MAX);
    return (month_ym)(y * 100 + (idx - y * 12) + 1);
}

int month_diff(month_ym later, month_ym earlier) {
    return (int)(month_index(later) - month_index(earlier));
}

date_days month_first_day(month_ym m) {
    assert(month_valid(m));
    return date_from_ymd(m / 100, m % 100, 1);
}

date_days month_last_day(month_ym m) {
    assert(month_valid(m));
    return date_from_ymd(m / 100, m % 100, date_days_in_month(m / 100, m % 100));
}

/* Whole years of age: the number of birthdays reached by `on`, where the
 * birthday of someone born on 29 February is 28 February in common years, the
 * same convention as date_add_years, so that
 * date_age_years(b, date_add_years(b, n)) == n. Negative when `on` is more than
 * a year before `birth`. */
int date_age_years(date_days birth, date_days on) {
    int by, bm, bd, oy, om, od;
    date_to_ymd(birth, &by, &bm, &bd);
    date_to_ymd(on, &oy, &om, &od);
    if (bm == 2 && bd == 29 && !is_leap(oy)) bd = 28;
    int years = oy - by;
    if (om < bm || (om == bm && od < bd)) years--;
    return years;
}

date_days date_add_years(date_days d, int years) {
    int y, m, dd;
    date_to_ymd(d, &y, &m, &dd);
    const int64_t ny = (int64_t)y + years;
    assert(ny >= DATE_YEAR_MIN && ny <= DATE_YEAR_MAX);
    if (m == 2 && dd == 29 && !is_leap(ny)) dd = 28;
    return date_from_ymd((int)ny, m, dd);
}

int64_t clock_now_ms(void) {
    struct timespec ts;
    int rc = clock_gettime(CLOCK_REALTIME, &ts);
    assert(rc == 0);
    (void)rc;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

date_days clock_day_of(int64_t ms) {
    const int64_t local_s = floor_div(ms, 1000) + CENTER_UTC_OFFSET_S;
    return (date_days)floor_div(local_s, SECONDS_PER_DAY);
}

date_days clock_today(void) {
    return clock_day_of(clock_now_ms());
}

void clock_format(int64_t ms, clock_style style, char out[CLOCK_STR_BYTES]) {
    const int64_t local_ms = ms + (int64_t)CENTER_UTC_OFFSET_S * 1000;
    const int64_t day_ms = (int64_t)SECONDS_PER_DAY * 1000;
    const int64_t days = floor_div(local_ms, day_ms);
    const int64_t in_day = local_ms - days * day_ms;
    char d[DATE_STR_BYTES];
    date_format((date_days)days, d);
    int h = (int)(in_day / 3600000), m = (int)(in_day / 60000 % 60), sec = (int)(in_day / 1000 % 60);
    switch (style) {
    case CLOCK_ISO: snprintf(out, CLOCK_STR_BYTES, "%sT%02d:%02d:%02d+08:00", d, h, m, sec); break;
    case CLOCK_ISO_MS:
        snprintf(out, CLOCK_STR_BYTES, "%sT%02d:%02d:%02d.%03d+08:00", d, h, m, sec, (int)(in_day % 1000));
        break;
    case CLOCK_MINUTE: snprintf(out, CLOCK_STR_BYTES, "%s %02d:%02d", d, h, m); break;
    }
}
