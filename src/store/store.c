#include <stdarg.h>
#include <string.h>

#include "store/store_internal.h"

const char *const store_query_sql[STORE_Q_COUNT] = {
#define Q(name, sql) [STORE_Q_##name] = sql,
#include "store/queries.def"
#undef Q
};

const char *const store_query_name[STORE_Q_COUNT] = {
#define Q(name, sql) [STORE_Q_##name] = #name,
#include "store/queries.def"
#undef Q
};

err_kind store_open(const char *url, store **out, err_detail *err) {
    if (!url || !*url)
        return err_set(err, ERR_INVALID, "db_missing", "db", "未指定数据库（--db）");
    if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0)
        return err_set(err, ERR_CONFIG, "engine_unavailable", "db",
                       "PostgreSQL 存储引擎尚未提供，请使用 SQLite 数据库文件路径");
    if (strncmp(url, "sqlite:", 7) == 0) url += 7;
    return store_sqlite_open(url, out, err);
}

err_kind store_exec(store_tx *tx, store_query q, err_detail *err, const char *types, ...) {
    store_stmt *st;
    err_kind k = store_prepare(tx, q, &st, err);
    if (k) return k;
    va_list ap;
    va_start(ap, types);
    int idx = 1;
    for (const char *t = types; *t; t++, idx++) {
        switch (*t) {
        case 'i': store_bind_int(st, idx, va_arg(ap, int64_t)); break;
        case 't': store_bind_text(st, idx, va_arg(ap, const char *)); break;
        case 'n': store_bind_null(st, idx); break;
        default: va_end(ap); store_stmt_done(st);
            return err_set(err, ERR_INTERNAL, "store_bind", NULL, "内部错误：未知的参数类型 %c", *t);
        }
    }
    va_end(ap);
    return store_step_all(st, err);
}

err_kind store_step_all(store_stmt *st, err_detail *err) {
    bool row;
    err_kind k;
    do {
        k = store_step(st, &row, err);
    } while (!k && row);
    store_stmt_done(st);
    return k;
}

void store_bind_id(store_stmt *st, int idx, int64_t id) {
    if (id > 0) store_bind_int(st, idx, id);
    else store_bind_null(st, idx);
}
