/* The real `sipf` binary (SIPF_BINARY) as a child process: one-shot
 * commands, and `sipf serve` on a free port that a test can kill with any
 * signal and start again on the same database (crash and disk-fault tests).
 * The children ignore SIGXFSZ, so a file-size limit set on them (setrlimit,
 * prlimit) makes their writes fail with EFBIG as a full disk would, instead
 * of killing them. */
#ifndef SIPF_TESTPROC_H
#define SIPF_TESTPROC_H

#include <sys/types.h>

#include "testutil.h"

typedef struct tp_server {
    pid_t pid;
    tu_server http;          /* only port and base are set: for tu_http and tu_sign_in */
    char log_path[512];
} tp_server;

/* The binary the tests run (SIPF_BINARY, which meson test sets). */
const char *tp_binary(void);
/* Runs `sipf args...` (args ends with NULL) to its end, output appended to
 * log_path; returns its exit status (-1 when it did not exit normally). */
int tp_sipf(const char *log_path, const char *const *args);
/* A fresh database at db_path: migrations, the catalog, and a staff account
 * (role, username, password). */
void tp_db_create(const char *db_path, const char *log_path, const char *role, const char *username,
                  const char *password);
/* Starts `sipf serve --db db_path --as-of as_of` on a free port, output
 * appended to log_path, and waits until /healthz answers. db_path may be an
 * SQLite URI ("file:PATH?mode=ro"). */
void tp_serve_start(tp_server *s, const char *db_path, const char *as_of, const char *log_path);
/* The same with RLIMIT_FSIZE at fsize_limit_bytes (0: none): no file of the
 * server grows past it, so its writes fail as on a full disk. */
void tp_serve_start_limited(tp_server *s, const char *db_path, const char *as_of, const char *log_path,
                            long fsize_limit_bytes);
/* Sends sig and waits for the child; returns its wait status. */
int tp_serve_stop(tp_server *s, int sig);

#endif
