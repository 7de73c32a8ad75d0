/* What the fuzz targets share: one environment per process, made on the
 * first input: a fresh SQLite database in a temporary directory (removed at
 * exit) with the migrations, the catalog and, when asked, the demo data; the
 * repository's policy and calendar; business date FZ_BUSINESS_DATE. Each
 * target is built twice: with libFuzzer (clang, `make fuzz`) and with
 * replay_main.c (gcc, the 'fuzz' test suite replaying the corpus and every
 * past crash). */
#ifndef SIPF_FUZZ_ENV_H
#define SIPF_FUZZ_ENV_H

#include <stddef.h>
#include <stdint.h>

#include "svc/ctx.h"

#define FZ_BUSINESS_DATE "2026-11-23"

typedef struct fz_env {
    char dir[64];
    store *st;
    policy *pol;
    workday_cal *cal;
    date_days business_date;
} fz_env;

/* The process's environment; aborts when it cannot be made (not an input's fault). */
fz_env *fz_env_get(int with_demo);

/* A context on a fresh write transaction and arena, acting as role; the
 * caller ends it with fz_ctx_end, which rolls back, so inputs do not pile up. */
void fz_ctx_begin(fz_env *e, svc_role role, svc_ctx *ctx);
void fz_ctx_end(svc_ctx *ctx);

/* The input as a NUL-terminated malloc'd copy (targets taking C strings). */
char *fz_strndup(const uint8_t *data, size_t len);

/* libFuzzer's entry points, which every target defines. Initialize makes
 * the environment before the first input, outside its time limit. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
