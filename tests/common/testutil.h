/* Shared helpers for the tests: cmocka plus paths, temporary directories and,
 * for API tests, a real server on a free port with a fresh database. */
#ifndef SIPF_TESTUTIL_H
#define SIPF_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* SIPF_SOURCE_DIR from the environment (meson test sets it), else the build-time path. */
const char *tu_source_dir(void);
/* A path under the source tree, in a static buffer rotated over 8 slots. */
const char *tu_source_path(const char *rel);
/* A fresh temporary directory (mkdtemp under /tmp), removed by tu_rmtree. */
char *tu_mkdtemp(void);
void tu_rmtree(const char *dir);
/* Reads a whole file into a malloc'd NUL-terminated buffer, or NULL. */
char *tu_read_file(const char *path, size_t *len_out);

#endif
