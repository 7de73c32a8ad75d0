/* The official working-day calendar, loaded from policy/holidays.tsv.
 *
 * File format (documented for editors in the file's own header):
 *   - a line whose first non-blank character is '#' is a comment; blank lines
 *     are skipped; a trailing "\r" is ignored;
 *   - one year a line: year, days off, make-up working days, separated by a
 *     tab (runs of tabs or spaces are accepted);
 *   - days off and make-up days are ';'-separated items "MM-DD" or
 *     "MM-DD..MM-DD" (inclusive), all within that line's year; "-" or an
 *     absent third field means no make-up days;
 *   - a make-up working day must be a Saturday or Sunday, no day may be listed
 *     twice, and no year twice. */
#include "base/workday.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"

enum {
    CAL_FILE_BYTES_MAX = 1 << 20,  /* a calendar file is a few KiB */
    CAL_DAYS_PER_YEAR_MAX = 366,
};

typedef enum day_kind {
    DAY_USUAL = 0,  /* Monday..Friday work, Saturday and Sunday rest */
    DAY_OFF,        /* public holiday or a weekday given off */
    DAY_MAKEUP,     /* a Saturday or Sunday that is worked */
} day_kind;

typedef struct cal_year {
    int year;
    unsigned char kind[CAL_DAYS_PER_YEAR_MAX];  /* day_kind, by day of year */
} cal_year;

struct workday_cal {
    int year_count;
    cal_year years[LIMIT_CALENDAR_YEARS_MAX];
};

static const cal_year *find_year(const workday_cal *cal, int year) {
    for (int i = 0; i < cal->year_count; i++)
        if (cal->years[i].year == year) return &cal->years[i];
    return NULL;
}

bool workday_has_year(const workday_cal *cal, int year) {
    return cal && find_year(cal, year) != NULL;
}

void workday_destroy(workday_cal *cal) {
    free(cal);
}

/* ---- parsing ---------------------------------------------------------- */

typedef struct parse_state {
    const char *p;    /* current position in the line */
    const char *end;  /* end of the line (excluding "\r\n") */
    int line_no;
    err_detail *err;
} parse_state;

static err_kind parse_fail(const parse_state *ps, const char *what, const char *s, size_t n) {
    char echo[ERR_ECHO_BYTES];
    err_echo_span(s, n, echo, sizeof echo);
    return err_set(ps->err, ERR_CONFIG, "calendar_parse", NULL, "节假日文件第 %d 行：%s%s%s",
                   ps->line_no, what, n ? "：" : "", echo);
}

static bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

/* The next whitespace-separated field of the line, or an empty span. */
static void next_field(parse_state *ps, const char **f, size_t *n) {
    while (ps->p < ps->end && is_blank(*ps->p)) ps->p++;
    *f = ps->p;
    while (ps->p < ps->end && !is_blank(*ps->p)) ps->p++;
    *n = (size_t)(ps->p - *f);
}

static bool two_digits(const char *s, int *out) {
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9') return false;
    *out = (s[0] - '0') * 10 + (s[1] - '0');
    return true;
}

/* "MM-DD" (exactly 5 characters) -> day of year (0-based) in `year`. */
static bool parse_mmdd(const char *s, size_t n, int year, int *doy) {
    int m, d;
    if (n != 5 || s[2] != '-' || !two_digits(s, &m) || !two_digits(s + 3, &d)) return false;
    if (!date_valid_ymd(year, m, d)) return false;
    *doy = date_from_ymd(year, m, d) - date_from_ymd(year, 1, 1);
    return true;
}

/* One field of ';'-separated items, marking each day with `kind`. */
static err_kind parse_days(parse_state *ps, cal_year *cy, const char *f, size_t n, day_kind kind) {
    const char *end = f + n;
    const char *item = f;
    const date_days jan1 = date_from_ymd(cy->year, 1, 1);
    while (item <= end) {
        const char *semi = memchr(item, ';', (size_t)(end - item));
        const char *item_end = semi ? semi : end;
        const size_t len = (size_t)(item_end - item);
        int from, to;
        const char *dots = NULL;
        for (const char *q = item; q + 1 < item_end; q++)
            if (q[0] == '.' && q[1] == '.') {
                dots = q;
                break;
            }
        if (len == 0) return parse_fail(ps, "日期项为空（多余的分号？）", f, n);
        if (dots) {
            if (!parse_mmdd(item, (size_t)(dots - item), cy->year, &from) ||
                !parse_mmdd(dots + 2, (size_t)(item_end - dots - 2), cy->year, &to))
                return parse_fail(ps, "日期应为当年的 MM-DD 或 MM-DD..MM-DD", item, len);
            if (to < from) return parse_fail(ps, "日期区间的结束早于开始", item, len);
        } else {
            if (!parse_mmdd(item, len, cy->year, &from))
                return parse_fail(ps, "日期应为当年的 MM-DD 或 MM-DD..MM-DD", item, len);
            to = from;
        }
        for (int doy = from; doy <= to; doy++) {
            char md[8];
            int y, m, d;
            date_to_ymd(jan1 + doy, &y, &m, &d);
            snprintf(md, sizeof md, "%02d-%02d", m % 100, d % 100);
            if (cy->kind[doy] != DAY_USUAL)
                return parse_fail(ps, "日期重复出现", md, strlen(md));
            if (kind == DAY_MAKEUP && date_weekday(jan1 + doy) < 6)
                return parse_fail(ps, "调休上班日应为周六或周日", md, strlen(md));
            cy->kind[doy] = (unsigned char)kind;
        }
        if (!semi) break;
        item = semi + 1;
    }
    return ERR_OK;
}

static err_kind parse_line(parse_state *ps, workday_cal *cal) {
    const char *f;
    size_t n;
    int y = 0;

    next_field(ps, &f, &n);
    bool year_ok = n == 4;
    for (size_t i = 0; year_ok && i < n; i++) {
        if (f[i] < '0' || f[i] > '9') year_ok = false;
        else y = y * 10 + (f[i] - '0');
    }
    if (!year_ok || !date_valid_ymd(y, 1, 1))
        return parse_fail(ps, "年份应为 1900 至 2199 之间的四位数字", f, n);
    if (find_year(cal, y)) return parse_fail(ps, "年份重复出现", f, n);
    if (cal->year_count >= LIMIT_CALENDAR_YEARS_MAX)
        return err_set(ps->err, ERR_CONFIG, "calendar_parse", NULL,
                       "节假日文件第 %d 行：年份过多，最多 %d 年", ps->line_no,
                       LIMIT_CALENDAR_YEARS_MAX);

    cal_year *cy = &cal->years[cal->year_count];
    memset(cy, 0, sizeof *cy);
    cy->year = y;

    next_field(ps, &f, &n);
    if (n == 0) return parse_fail(ps, "缺少放假日期", f, n);
    err_kind k = parse_days(ps, cy, f, n, DAY_OFF);
    if (k) return k;

    next_field(ps, &f, &n);
    if (n > 0 && !(n == 1 && f[0] == '-')) {
        k = parse_days(ps, cy, f, n, DAY_MAKEUP);
        if (k) return k;
    }

    next_field(ps, &f, &n);
    if (n > 0) return parse_fail(ps, "多余的字段", f, n);

    cal->year_count++;
    return ERR_OK;
}

err_kind workday_parse(const char *text, workday_cal **out, err_detail *err) {
    assert(text && out);
    workday_cal *cal = calloc(1, sizeof *cal);
    if (!cal) return err_set(err, ERR_INTERNAL, "out_of_memory", NULL, "内存不足");

    parse_state ps = {.err = err};
    const char *p = text;
    /* The loop ends at the text's NUL; the text itself is bounded by the caller
     * (workday_load reads at most CAL_FILE_BYTES_MAX). */
    while (*p) {
        const char *nl = strchr(p, '\n');
        const char *line_end = nl ? nl : p + strlen(p);
        const char *next = nl ? nl + 1 : line_end;
        ps.line_no++;
        if (line_end > p && line_end[-1] == '\r') line_end--;
        ps.p = p;
        ps.end = line_end;
        const char *q = p;
        while (q < line_end && is_blank(*q)) q++;
        if (q < line_end && *q != '#') {
            err_kind k = parse_line(&ps, cal);
            if (k) {
                free(cal);
                return k;
            }
        }
        p = next;
    }
    if (cal->year_count == 0) {
        free(cal);
        return err_set(err, ERR_CONFIG, "calendar_parse", NULL, "节假日文件中没有任何年份的安排");
    }
    *out = cal;
    return ERR_OK;
}

err_kind workday_load(const char *path, workday_cal **out, err_detail *err) {
    assert(path && out);
    FILE *f = fopen(path, "rb");
    if (!f) {
        const int e = errno;
        return err_set(err, ERR_CONFIG, "calendar_file", NULL, "无法读取节假日文件 %s：%s",
                       path, e == ENOENT ? "文件不存在" : e == EACCES ? "没有读取权限" : "打开失败");
    }
    char *buf = malloc((size_t)CAL_FILE_BYTES_MAX + 1);
    if (!buf) {
        fclose(f);
        return err_set(err, ERR_INTERNAL, "out_of_memory", NULL, "内存不足");
    }
    const size_t got = fread(buf, 1, (size_t)CAL_FILE_BYTES_MAX + 1, f);
    const bool read_error = ferror(f) != 0;
    fclose(f);
    if (read_error) {
        free(buf);
        return err_set(err, ERR_CONFIG, "calendar_file", NULL, "读取节假日文件 %s 失败", path);
    }
    if (got > CAL_FILE_BYTES_MAX) {
        free(buf);
        return err_set(err, ERR_CONFIG, "calendar_file", NULL,
                       "节假日文件 %s 过大，最多 %d 字节", path, CAL_FILE_BYTES_MAX);
    }
    if (memchr(buf, 0, got)) {
        free(buf);
        return err_set(err, ERR_CONFIG, "calendar_file", NULL,
                       "节假日文件 %s 含有空字符，不是文本文件", path);
    }
    buf[got] = 0;
    err_kind k = workday_parse(buf, out, err);
    free(buf);
    return k;
}

/* ---- queries ---------------------------------------------------------- */

static err_kind year_missing(int year, err_detail *err) {
    return err_set(err, ERR_CONFIG, "calendar_year_missing", NULL,
                   "尚未载入 %d 年的节假日安排，无法计算工作日", year);
}

/* Whether d is a working day; `cache` remembers the last year looked up. */
static err_kind is_working(const workday_cal *cal, date_days d, const cal_year **cache, bool *out,
                           err_detail *err) {
    int y, m, dd;
    date_to_ymd(d, &y, &m, &dd);
    const cal_year *cy = *cache;
    if (!cy || cy->year != y) {
        cy = find_year(cal, y);
        if (!cy) return year_missing(y, err);
        *cache = cy;
    }
    const int doy = d - date_from_ymd(y, 1, 1);
    switch ((day_kind)cy->kind[doy]) {
    case DAY_OFF:
        *out = false;
        break;
    case DAY_MAKEUP:
        *out = true;
        break;
    default:
        *out = date_weekday(d) <= 5;
        break;
    }
    return ERR_OK;
}

err_kind workday_is_working(const workday_cal *cal, date_days d, bool *out, err_detail *err) {
    assert(cal && out);
    const cal_year *cache = NULL;
    return is_working(cal, d, &cache, out, err);
}

static err_kind span_exceeded(err_detail *err) {
    return err_set(err, ERR_INVALID, "workday_span_exceeded", NULL,
                   "工作日计算跨度超过上限 %d 天", LIMIT_WORKDAY_SPAN_DAYS_MAX);
}

err_kind workday_add(const workday_cal *cal, date_days from, int n, date_days *out,
                     err_detail *err) {
    assert(cal && out && n >= 0);
    const cal_year *cache = NULL;
    int found = 0;
    /* n = 0 looks at `from` itself; n >= 1 counts strictly after it. */
    int64_t d = n == 0 ? from : (int64_t)from + 1;
    for (int step = 0; step <= LIMIT_WORKDAY_SPAN_DAYS_MAX; step++, d++) {
        if (d > INT32_MAX) break;
        bool working = false;
        err_kind k = is_working(cal, (date_days)d, &cache, &working, err);
        if (k) return k;
        if (working && (n == 0 || ++found == n)) {
            *out = (date_days)d;
            return ERR_OK;
        }
    }
    return span_exceeded(err);
}

err_kind workday_count(const workday_cal *cal, date_days from, date_days to, int *out,
                       err_detail *err) {
    assert(cal && out);
    if (to <= from) {
        *out = 0;
        return ERR_OK;
    }
    if ((int64_t)to - from > LIMIT_WORKDAY_SPAN_DAYS_MAX) return span_exceeded(err);
    const cal_year *cache = NULL;
    int count = 0;
    for (int64_t d = (int64_t)from + 1; d <= to; d++) {
        bool working = false;
        err_kind k = is_working(cal, (date_days)d, &cache, &working, err);
        if (k) return k;
        count += working;
    }
    *out = count;
    return ERR_OK;
}
