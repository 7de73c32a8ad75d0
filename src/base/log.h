/* One JSON object per line on stderr: the access log and operational events. */
#ifndef SIPF_BASE_LOG_H
#define SIPF_BASE_LOG_H

#include <jansson.h>
#include <stdint.h>

typedef enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level;

void log_set_level(log_level min);
void log_set_quiet(int quiet);
/* Steals `fields` (an object, may be NULL); adds ts, level and msg. */
void log_json(log_level level, const char *msg, json_t *fields);
void log_msg(log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The access log's line, made without building a JSON tree (it is on the
 * path of every request): the same members as log_json would write, sorted. */
typedef struct log_access_line {
    const char *method, *path, *request_id, *role;
    const char *route;   /* NULL when no route matched */
    int status;
    int64_t micros;
} log_access_line;
void log_access(const log_access_line *a);

#endif
