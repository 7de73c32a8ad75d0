/* One JSON object per line on stderr: the access log and operational events. */
#ifndef SIPF_BASE_LOG_H
#define SIPF_BASE_LOG_H

#include <jansson.h>

typedef enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level;

void log_set_level(log_level min);
void log_set_quiet(int quiet);
/* Steals `fields` (an object, may be NULL); adds ts, level and msg. */
void log_json(log_level level, const char *msg, json_t *fields);
void log_msg(log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
