#include "testdb.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

typedef struct text_buf {
    char *p;
    size_t len, cap;
} text_buf;

static void buf_add(text_buf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (b->len + n + 1 > cap) cap *= 2;
        char *p = realloc(b->p, cap);
        assert_non_null(p);
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void buf_adds(text_buf *b, const char *s) { buf_add(b, s, strlen(s)); }

/* One row as "table|v1|v2|...", with the kind of each value so 1 and '1'
 * and NULL and '' differ; text escaped so a row stays on one line. */
static char *row_text(const char *table, sqlite3_stmt *q) {
    text_buf b = {0};
    buf_adds(&b, table);
    int n = sqlite3_column_count(q);
    for (int i = 0; i < n; i++) {
        buf_adds(&b, "|");
        char num[64];
        switch (sqlite3_column_type(q, i)) {
        case SQLITE_NULL: buf_adds(&b, "N"); break;
        case SQLITE_INTEGER:
            snprintf(num, sizeof num, "i%lld", (long long)sqlite3_column_int64(q, i));
            buf_adds(&b, num);
            break;
        case SQLITE_FLOAT:
            snprintf(num, sizeof num, "f%.17g", sqlite3_column_double(q, i));
            buf_adds(&b, num);
            break;
        default: {
            const unsigned char *t = sqlite3_column_text(q, i);
            int len = sqlite3_column_bytes(q, i);
            buf_adds(&b, "t");
            for (int j = 0; j < len; j++) {
                char c = (char)t[j];
                if (c == '\n') buf_adds(&b, "\\n");
                else if (c == '\\') buf_adds(&b, "\\\\");
                else if (c == '|') buf_adds(&b, "\\|");
                else buf_add(&b, &c, 1);
            }
        }
        }
    }
    return b.p;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void dump_table(sqlite3 *db, const char *table, text_buf *out) {
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", table);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        fail_msg("dump %s: %s", table, sqlite3_errmsg(db));
    size_t n = 0, cap = 64;
    char **rows = malloc(cap * sizeof *rows);
    assert_non_null(rows);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (n == cap) {
            cap *= 2;
            char **r = realloc(rows, cap * sizeof *rows);
            assert_non_null(r);
            rows = r;
        }
        rows[n++] = row_text(table, q);
    }
    if (rc != SQLITE_DONE) fail_msg("dump %s: %s", table, sqlite3_errmsg(db));
    sqlite3_finalize(q);
    qsort(rows, n, sizeof *rows, cmp_str);
    for (size_t i = 0; i < n; i++) {
        buf_adds(out, rows[i]);
        buf_adds(out, "\n");
        free(rows[i]);
    }
    free(rows);
}

char *tdb_dump(const char *db_url) {
    if (strncmp(db_url, "postgres://", 11) == 0 || strncmp(db_url, "postgresql://", 13) == 0)
        fail_msg("tdb_dump: no PostgreSQL reader yet (%s)", db_url);
    const char *path = strncmp(db_url, "sqlite:", 7) == 0 ? db_url + 7 : db_url;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        fail_msg("tdb_dump: cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "");
    sqlite3_busy_timeout(db, 10000);
    /* One read transaction, so the tables are seen at one moment. */
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("tdb_dump: %s", sqlite3_errmsg(db));
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", -1, &q,
                           NULL) != SQLITE_OK)
        fail_msg("tdb_dump: %s", sqlite3_errmsg(db));
    text_buf out = {0};
    buf_adds(&out, "");
    char **names = NULL;
    size_t n = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        char **nn = realloc(names, (n + 1) * sizeof *names);
        assert_non_null(nn);
        names = nn;
        names[n] = strdup((const char *)sqlite3_column_text(q, 0));
        assert_non_null(names[n]);
        n++;
    }
    sqlite3_finalize(q);
    for (size_t i = 0; i < n; i++) {
        dump_table(db, names[i], &out);
        free(names[i]);
    }
    free(names);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(db);
    return out.p;
}

size_t tdb_row_count(const char *dump) {
    size_t n = 0;
    for (const char *p = dump; *p; p++)
        if (*p == '\n') n++;
    return n;
}

void tdb_assert_same(const char *before, const char *after, const char *what) {
    if (strcmp(before, after) == 0) return;
    const char *a = before, *b = after;
    int line = 1;
    while (*a && *a == *b) {
        if (*a == '\n') line++;
        a++;
        b++;
    }
    while (a > before && a[-1] != '\n') { a--; b--; }
    int la = (int)strcspn(a, "\n"), lb = (int)strcspn(b, "\n");
    fail_msg("%s: the database changed at line %d:\n  before: %.*s\n  after:  %.*s", what, line, la, a, lb, b);
}
