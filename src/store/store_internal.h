/* Shared between the store's files; not for other layers. */
#ifndef SIPF_STORE_INTERNAL_H
#define SIPF_STORE_INTERNAL_H

#include "store/store.h"

extern const char *const store_query_sql[STORE_Q_COUNT];
extern const char *const store_query_name[STORE_Q_COUNT];

/* Compiled-in migrations (tools/embed.py). */
extern const size_t store_migrations_count;
extern const char *const store_migrations_names[];
extern const char *const store_migrations_texts[];

err_kind store_sqlite_open(const char *path, store **out, err_detail *err);

#endif
