#include "base/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/date.h"

static log_level min_level = LOG_INFO;
static int quiet;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

static const char *level_names[] = {"debug", "info", "warn", "error"};

void log_set_level(log_level min) { min_level = min; }
void log_set_quiet(int q) { quiet = q; }

static void ts_now(char ts[64]) {
    int64_t ms = clock_now_ms();
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(ts, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

/* The line and its newline in one write: stderr is unbuffered. */
static void write_line(const char *line, size_t n) {
    pthread_mutex_lock(&log_mu);
    fwrite(line, 1, n, stderr);
    pthread_mutex_unlock(&log_mu);
}

void log_json(log_level level, const char *msg, json_t *fields) {
    if (quiet || level < min_level) {
        json_decref(fields);
        return;
    }
    json_t *o = fields ? fields : json_object();
    char ts[64];
    ts_now(ts);
    json_object_set_new(o, "ts", json_string(ts));
    json_object_set_new(o, "level", json_string(level_names[level]));
    json_object_set_new(o, "msg", json_string(msg));
    char *line = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(6));
    json_decref(o);
    if (!line) return;
    size_t n = strlen(line);
    char *with_nl = realloc(line, n + 2);
    if (!with_nl) {
        free(line);
        return;
    }
    with_nl[n] = '\n';
    with_nl[n + 1] = 0;
    write_line(with_nl, n + 1);
    free(with_nl);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0. */
static size_t utf8_seq(const unsigned char *s) {
    if (s[0] < 0x80) return 1;
    size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : 0;
    if (n == 0 || (n == 3 && s[0] > 0xef)) return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    return n;
}

/* A JSON string of s into out (cap bytes, cut short with "..." if need be):
 * quotes, backslashes and control bytes escaped, invalid UTF-8 as '?'.
 * Returns the bytes written, without a terminator. */
static size_t json_quote(const char *s, char *out, size_t cap) {
    size_t o = 0;
    out[o++] = '"';
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && o + 10 < cap;) {
        size_t n = utf8_seq(p);
        if (n == 0) {
            out[o++] = '?';
            p++;
        } else if (*p == '"' || *p == '\\') {
            out[o++] = '\\';
            out[o++] = (char)*p++;
        } else if (*p < 0x20) {
            o += (size_t)snprintf(out + o, cap - o, "\\u%04x", *p++);
        } else {
            memcpy(out + o, p, n);
            o += n;
            p += n;
        }
        if (*p && o + 10 >= cap) {
            memcpy(out + o, "...", 3);
            o += 3;
        }
    }
    out[o++] = '"';
    return o;
}

void log_access(const log_access_line *a) {
    if (quiet || LOG_INFO < min_level) return;
    char line[2048 + 512], ts[64], method[64], path[2048], route[256];
    ts_now(ts);
    method[json_quote(a->method, method, sizeof method)] = 0;
    path[json_quote(a->path, path, sizeof path)] = 0;
    if (a->route) route[json_quote(a->route, route, sizeof route)] = 0;
    int n = snprintf(line, sizeof line,
                     "{\"level\":\"info\",\"method\":%s,\"ms\":%lld.%03lld,\"msg\":\"http\",\"path\":%s,"
                     "\"request_id\":\"%s\",\"role\":\"%s\",%s%s%s\"status\":%d,\"ts\":\"%s\"}\n",
                     method, (long long)(a->micros / 1000), (long long)(a->micros % 1000), path, a->request_id,
                     a->role, a->route ? "\"route\":" : "", a->route ? route : "", a->route ? "," : "", a->status, ts);
    if (n > 0 && (size_t)n < sizeof line) write_line(line, (size_t)n);
}

void log_msg(log_level level, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    log_json(level, buf, NULL);
}
