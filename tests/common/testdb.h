/* The whole content of a database as text, to tell whether an operation
 * left it exactly as it was: every table's rows (the engine's bookkeeping
 * tables such as sqlite_sequence included, so an id handed out and rolled
 * back shows), one line per row, the rows of a table sorted. Read through
 * a connection of its own, so it sees what is committed. */
#ifndef SIPF_TESTDB_H
#define SIPF_TESTDB_H

#include <stddef.h>

/* db: a file path or "sqlite:PATH" (the store_open forms of the SQLite
 * engine). Returns a malloc'd text; fails the test when it cannot be read. */
char *tdb_dump(const char *db);
/* The number of rows of every table together (a quick check that a dump
 * is not empty). */
size_t tdb_row_count(const char *dump);
/* Fails the test with the first line that differs, when the two differ. */
void tdb_assert_same(const char *before, const char *after, const char *what);

#endif
