#include "base/arena.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ARENA_ALIGN = 16 };

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t cap_bytes;
    size_t used_bytes;
    _Alignas(16) unsigned char data[];
} arena_chunk;

struct arena {
    arena_chunk *head;
    size_t chunk_bytes;
    size_t total_used_bytes;
};

static arena_chunk *chunk_new(size_t cap_bytes) {
    arena_chunk *c = malloc(sizeof *c + cap_bytes);
    if (!c) {
        fputs("arena: out of memory\n", stderr);
        abort();
    }
    c->next = NULL;
    c->cap_bytes = cap_bytes;
    c->used_bytes = 0;
    return c;
}

arena *arena_create(size_t chunk_bytes) {
    assert(chunk_bytes >= 256);
    arena *a = calloc(1, sizeof *a);
    if (!a) abort();
    a->chunk_bytes = chunk_bytes;
    a->head = chunk_new(chunk_bytes);
    return a;
}

void arena_destroy(arena *a) {
    if (!a) return;
    arena_chunk *c = a->head;
    while (c) {
        arena_chunk *n = c->next;
        free(c);
        c = n;
    }
    free(a);
}

void arena_reset(arena *a) {
    assert(a);
    arena_chunk *c = a->head;
    while (c->next) {   /* the first chunk allocated is the last in the list */
        arena_chunk *n = c->next;
        free(c);
        c = n;
    }
    c->used_bytes = 0;
    a->head = c;
    a->total_used_bytes = 0;
}

void *arena_alloc(arena *a, size_t bytes) {
    assert(a);
    size_t need = (bytes + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need == 0) need = ARENA_ALIGN;
    arena_chunk *c = a->head;
    if (c->cap_bytes - c->used_bytes < need) {
        size_t cap = need > a->chunk_bytes ? need : a->chunk_bytes;
        arena_chunk *n = chunk_new(cap);
        n->next = c;
        a->head = n;
        c = n;
    }
    void *p = c->data + c->used_bytes;
    c->used_bytes += need;
    a->total_used_bytes += need;
    memset(p, 0, need);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n) {
    if (!s) return NULL;
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *arena_strdup(arena *a, const char *s) {
    return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_vprintf(arena *a, const char *fmt, va_list ap) {
    char small[256];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap2);
    va_end(ap2);
    assert(n >= 0);
    char *p = arena_alloc(a, (size_t)n + 1);
    if ((size_t)n < sizeof small)
        memcpy(p, small, (size_t)n + 1);
    else
        vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *arena_printf(arena *a, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *p = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

size_t arena_used_bytes(const arena *a) {
    return a->total_used_bytes;
}
