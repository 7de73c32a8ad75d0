/* Arena: memory for one request or one batch chunk, freed as a whole.
 * Allocation never fails for the caller: on exhaustion of the system allocator
 * the process aborts (a server that cannot allocate a few KiB cannot go on). */
#ifndef SIPF_BASE_ARENA_H
#define SIPF_BASE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct arena arena;

arena *arena_create(size_t chunk_bytes);
void arena_destroy(arena *a);
void arena_reset(arena *a);              /* keeps the first chunk */
void *arena_alloc(arena *a, size_t bytes);   /* zeroed, 16-byte aligned */
char *arena_strdup(arena *a, const char *s); /* s may be NULL: returns NULL */
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(arena *a, const char *fmt, va_list ap);
size_t arena_used_bytes(const arena *a);

#endif
