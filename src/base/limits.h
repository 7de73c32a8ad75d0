/* Every loop over input has a named limit. Units end the names. */
#ifndef SIPF_BASE_LIMITS_H
#define SIPF_BASE_LIMITS_H

enum {
    LIMIT_BODY_BYTES_MAX = 1 << 20,          /* JSON request body */
    LIMIT_UPLOAD_BYTES_MAX = 16 << 20,       /* roster and bank files */
    LIMIT_ROSTER_ROWS_MAX = 50000,
    LIMIT_QUERY_ROWS_MAX = 1000,             /* rows one list call returns */
    LIMIT_JSON_DEPTH_MAX = 16,
    LIMIT_TEXT_FIELD_BYTES_MAX = 4096,
    LIMIT_PATH_PARAMS_MAX = 4,
    LIMIT_URL_BYTES_MAX = 2048,
    LIMIT_POLICY_PARAMS_MAX = 4096,
    LIMIT_POLICY_FILES_MAX = 64,
    LIMIT_CALENDAR_YEARS_MAX = 64,
    LIMIT_CATALOG_ITEMS_MAX = 1000,
    LIMIT_MATERIALS_PER_ITEM_MAX = 32,
    LIMIT_WORKDAY_SPAN_DAYS_MAX = 3660,      /* one search for the n-th working day */
    LIMIT_SERVER_THREADS_MAX = 64,
    LIMIT_STORE_CONNECTIONS_MAX = 64,
    /* One connection's buffer for the request line, headers and the chunks
     * of a body (bodies are gathered elsewhere): libmicrohttpd clears it for
     * every request on a kept-alive connection, so it costs per request
     * (at 64 KiB the clearing was 3% of an account read). */
    LIMIT_CONNECTION_MEMORY_BYTES = 16 * 1024,
    /* Under load (the last batch had more than one read) the audit writer
     * waits this long for more reads' rows, or until it has this many:
     * batches of ~3 became ~12, a commit shared by four times as many. */
    LIMIT_AUDIT_GATHER_US = 300,
    LIMIT_AUDIT_GATHER_READS = 16,
    LIMIT_SIGNIN_PER_MINUTE = 30,            /* sign-in attempts one address gains a minute */
    LIMIT_SIGNIN_BURST = 20,                 /* and may spend at once */
    LIMIT_SIGNIN_ADDRS_MAX = 4096,           /* addresses the sign-in limiter remembers */
};

#endif
