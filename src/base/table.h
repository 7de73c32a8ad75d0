/* A table file as rows of text cells: CSV (UTF-8, with or without a byte
 * order mark, quoted fields per RFC 4180) and XLSX (the first worksheet:
 * shared strings, inline strings, numbers, booleans, and dates stored as
 * serial numbers, which come out as "YYYY-MM-DD").
 *
 * The reader knows nothing of what the columns mean: a roster, a bank file
 * and a construction worker list all read through it. Every problem is an
 * ERR_INVALID whose message names the row as a spreadsheet numbers it
 * ("第 12 行"), and whose field is "row:12"; a file over
 * LIMIT_UPLOAD_BYTES_MAX is ERR_TOO_LARGE. Everything the table holds lives
 * in the caller's arena. */
#ifndef SIPF_BASE_TABLE_H
#define SIPF_BASE_TABLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/limits.h"

enum {
    TABLE_ROWS_MAX = LIMIT_ROSTER_ROWS_MAX + 1,      /* a header row and the data rows */
    TABLE_COLS_MAX = 64,                             /* non-empty columns of a row */
    TABLE_CELL_BYTES_MAX = LIMIT_TEXT_FIELD_BYTES_MAX,
    TABLE_XML_BYTES_MAX = 8 * LIMIT_UPLOAD_BYTES_MAX /* one unpacked part of an XLSX file */
};

typedef enum table_format { TABLE_CSV = 0, TABLE_XLSX } table_format;

typedef struct table_row {
    int line;              /* the row's number in the file, 1 = first (CSV: the record) */
    int cell_count;        /* up to the last non-empty cell */
    const char **cells;    /* UTF-8 text; a missing cell is "" */
} table_row;

typedef struct table {
    table_format format;
    int row_count;         /* rows with at least one cell; blank lines are left out */
    table_row *rows;
} table;

/* The format named by an HTTP Content-Type ("text/csv",
 * "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"; any
 * parameters after ';' are ignored). ERR_INVALID "unsupported_media_type". */
err_kind table_format_from_type(const char *content_type, table_format *out, err_detail *err);

/* The format of a file by its name's extension (.csv, .xlsx), else by its
 * first bytes (a ZIP archive is XLSX). */
table_format table_format_guess(const char *file_name, const void *data, size_t len);

err_kind table_read(arena *ar, table_format fmt, const void *data, size_t len, table *out,
                    err_detail *err);

/* A cell of a row, or "" past its end. */
const char *table_cell(const table_row *row, int col);

/* ---- files of named columns (rosters, base declarations) ---- */

/* s without leading and trailing ASCII blanks, copied into the arena. */
const char *table_trimmed(arena *ar, const char *s);

/* Whether header cell h names the column zh / en: "证件号码", "id_number"
 * (any case) or "证件号码/id_number", with or without the "*" templates put
 * before required columns. */
bool table_header_is(const char *h, const char *zh, const char *en);

/* The row-by-row report of a file checked whole: every problem of every bad
 * row in bad ([{row, field, column, code, message, data?}]), the bad rows
 * counted once each (row_bad is the row being read; the caller clears it at
 * each row), and the first ERR_RULES_MAX - 1 problems also rules of err. */
typedef struct table_report {
    json_t *bad;
    int bad_rows;
    bool row_bad;
    err_detail *err;
} table_report;

void table_report_problem(table_report *r, int line, const char *field, const char *column_zh, const char *code,
                          const char *message, const char *data_json);

#endif
