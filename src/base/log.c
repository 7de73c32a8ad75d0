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

void log_json(log_level level, const char *msg, json_t *fields) {
    if (quiet || level < min_level) {
        json_decref(fields);
        return;
    }
    json_t *o = fields ? fields : json_object();
    int64_t ms = clock_now_ms();
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char ts[64];
    snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
    json_object_set_new(o, "ts", json_string(ts));
    json_object_set_new(o, "level", json_string(level_names[level]));
    json_object_set_new(o, "msg", json_string(msg));
    char *line = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(6));
    json_decref(o);
    if (!line) return;
    /* The line and its newline in one write: stderr is unbuffered, and a
     * request's line is on the path of every request. */
    size_t n = strlen(line);
    char *with_nl = realloc(line, n + 2);
    if (!with_nl) {
        free(line);
        return;
    }
    with_nl[n] = '\n';
    with_nl[n + 1] = 0;
    pthread_mutex_lock(&log_mu);
    fwrite(with_nl, 1, n + 1, stderr);
    pthread_mutex_unlock(&log_mu);
    free(with_nl);
}

void log_msg(log_level level, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    log_json(level, buf, NULL);
}
