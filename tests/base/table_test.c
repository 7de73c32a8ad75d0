/* Table files: CSV per RFC 4180 with and without a BOM, XLSX written by
 * libxlsxwriter (shared and inline strings, numbers, dates, booleans) and
 * hand-made XLSX parts for what a writer rarely produces; every problem
 * names its row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>
#include <zip.h>

#include "base/table.h"
#include "testutil.h"

static arena *ar;
static char *dir;

static int setup(void **state) {
    ar = arena_create(64 * 1024);
    dir = tu_mkdtemp();
    return 0;
}

static int teardown(void **state) {
    arena_destroy(ar);
    tu_rmtree(dir);
    free(dir);
    return 0;
}

static table read_ok(table_format fmt, const char *data, size_t len) {
    table t;
    err_detail err = {0};
    err_kind k = table_read(ar, fmt, data, len, &t, &err);
    if (k) fail_msg("table_read: %s [%s]", err.message, err.code);
    return t;
}

static err_detail read_bad(table_format fmt, const char *data, size_t len, err_kind want) {
    table t;
    err_detail err = {0};
    assert_int_equal(table_read(ar, fmt, data, len, &t, &err), want);
    return err;
}

static table csv(const char *s) { return read_ok(TABLE_CSV, s, strlen(s)); }

static void csv_plain_lines(void **state) {
    table t = csv("a,b,c\r\n1,2,3\n4,,6");
    assert_int_equal(t.row_count, 3);
    assert_int_equal(t.rows[0].line, 1);
    assert_string_equal(table_cell(&t.rows[0], 2), "c");
    assert_string_equal(table_cell(&t.rows[1], 0), "1");
    assert_string_equal(table_cell(&t.rows[2], 1), "");
    assert_string_equal(table_cell(&t.rows[2], 2), "6");
    assert_string_equal(table_cell(&t.rows[2], 9), "");   /* past the end */
    assert_int_equal(t.rows[2].line, 3);
}

static void csv_bom_is_dropped(void **state) {
    table t = csv("\xEF\xBB\xBF证件号码,姓名\n320571,张三\n");
    assert_int_equal(t.row_count, 2);
    assert_string_equal(table_cell(&t.rows[0], 0), "证件号码");
    assert_string_equal(table_cell(&t.rows[1], 1), "张三");
    table plain = csv("证件号码,姓名\n");
    assert_string_equal(table_cell(&plain.rows[0], 0), "证件号码");
}

static void csv_quoted_fields(void **state) {
    table t = csv("name,insurances,note\n"
                  "\"Li, Lei\",\"pension,medical\",\"say \"\"hi\"\"\"\n"
                  "\"two\nlines\",x,\"\"\n"
                  "last,\"\",y\n");
    assert_int_equal(t.row_count, 4);
    assert_string_equal(table_cell(&t.rows[1], 0), "Li, Lei");
    assert_string_equal(table_cell(&t.rows[1], 1), "pension,medical");
    assert_string_equal(table_cell(&t.rows[1], 2), "say \"hi\"");
    assert_int_equal(t.rows[1].cell_count, 3);
    assert_string_equal(table_cell(&t.rows[2], 0), "two\nlines");
    assert_int_equal(t.rows[2].cell_count, 2);   /* the empty quoted field is empty */
    /* the record after a quoted line break is still record 4 */
    assert_int_equal(t.rows[3].line, 4);
    assert_string_equal(table_cell(&t.rows[3], 2), "y");
}

static void csv_blank_lines_keep_row_numbers(void **state) {
    table t = csv("h\n\n,,,\r\nx\n\n");
    assert_int_equal(t.row_count, 2);
    assert_int_equal(t.rows[1].line, 4);
    assert_string_equal(table_cell(&t.rows[1], 0), "x");
}

static void csv_errors_name_the_row(void **state) {
    const char *s = "a,b\n1,\"open\n2,3\n";
    err_detail e = read_bad(TABLE_CSV, s, strlen(s), ERR_INVALID);
    assert_string_equal(e.code, "table_csv_quote");
    assert_string_equal(e.field, "row:2");
    assert_non_null(strstr(e.message, "第 2 行"));
    assert_non_null(strstr(e.message, "B 列"));

    s = "a,b\n1,2\n3,ab\"c\n";
    e = read_bad(TABLE_CSV, s, strlen(s), ERR_INVALID);
    assert_string_equal(e.code, "table_csv_quote");
    assert_string_equal(e.field, "row:3");

    s = "a\n\"x\"y\n";
    e = read_bad(TABLE_CSV, s, strlen(s), ERR_INVALID);
    assert_string_equal(e.code, "table_csv_quote");
    assert_string_equal(e.field, "row:2");

    s = "a,b\n\xd5\xc5\xc8\xfd,1\n";   /* 张三 in GBK */
    e = read_bad(TABLE_CSV, s, strlen(s), ERR_INVALID);
    assert_string_equal(e.code, "table_not_utf8");
    assert_string_equal(e.field, "row:2");
    assert_non_null(strstr(e.message, "UTF-8"));

    e = read_bad(TABLE_CSV, "a\0b\n", 4, ERR_INVALID);
    assert_string_equal(e.code, "table_bad_text");
    assert_string_equal(e.field, "row:1");

    e = read_bad(TABLE_CSV, "", 0, ERR_INVALID);
    assert_string_equal(e.code, "file_empty");
}

static void csv_column_and_cell_limits(void **state) {
    /* 64 columns pass, a 65th with content is refused; empty ones past it are not */
    char line[1024];
    size_t used = 0;
    for (int i = 0; i < TABLE_COLS_MAX; i++) used += (size_t)snprintf(line + used, sizeof line - used, i ? ",x" : "x");
    char ok[1100];
    snprintf(ok, sizeof ok, "%s,,,\n", line);
    table t = csv(ok);
    assert_int_equal(t.rows[0].cell_count, TABLE_COLS_MAX);
    char bad[1100];
    snprintf(bad, sizeof bad, "h\n%s,y\n", line);
    err_detail e = read_bad(TABLE_CSV, bad, strlen(bad), ERR_INVALID);
    assert_string_equal(e.code, "table_too_many_columns");
    assert_string_equal(e.field, "row:2");

    size_t n = TABLE_CELL_BYTES_MAX;
    char *cell = malloc(n + 3);
    memset(cell, 'a', n + 1);
    cell[n] = '\n';
    cell[n + 1] = 0;
    t = csv(cell);   /* exactly the limit */
    assert_int_equal(strlen(table_cell(&t.rows[0], 0)), TABLE_CELL_BYTES_MAX);
    memset(cell, 'a', n + 1);
    cell[n + 1] = 0;
    e = read_bad(TABLE_CSV, cell, n + 1, ERR_INVALID);
    assert_string_equal(e.code, "table_cell_too_long");
    free(cell);
}

static void csv_row_limit(void **state) {
    size_t n = (size_t)TABLE_ROWS_MAX * 2;
    char *s = malloc(n + 3);
    for (size_t i = 0; i < n; i += 2) memcpy(s + i, "a\n", 2);
    table t = read_ok(TABLE_CSV, s, n);
    assert_int_equal(t.row_count, TABLE_ROWS_MAX);
    memcpy(s + n, "b\n", 2);
    err_detail e = read_bad(TABLE_CSV, s, n + 2, ERR_INVALID);
    assert_string_equal(e.code, "table_too_many_rows");
    char want[32];
    snprintf(want, sizeof want, "row:%d", TABLE_ROWS_MAX + 1);
    assert_string_equal(e.field, want);
    free(s);
}

static void file_over_the_upload_limit(void **state) {
    size_t n = (size_t)LIMIT_UPLOAD_BYTES_MAX + 1;
    char *s = malloc(n);
    memset(s, 'a', n);
    err_detail e = read_bad(TABLE_CSV, s, n, ERR_TOO_LARGE);
    assert_string_equal(e.code, "file_too_large");
    e = read_bad(TABLE_XLSX, s, n, ERR_TOO_LARGE);
    assert_string_equal(e.code, "file_too_large");
    free(s);
}

/* ---- XLSX ---- */

static char *xlsx_bytes(const char *path, size_t *len) {
    char *data = tu_read_file(path, len);
    assert_non_null(data);
    return data;
}

/* A roster-like sheet: header, a row with text, numbers, dates in two
 * formats and a boolean; an empty row 3; row 4 with a gap in column B. */
static char *write_book(bool constant_memory, size_t *len) {
    char path[600];
    snprintf(path, sizeof path, "%s/book%d.xlsx", dir, constant_memory);
    lxw_workbook_options opt = {.constant_memory = constant_memory, .tmpdir = dir};
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "花名册");
    lxw_worksheet *other = workbook_add_worksheet(wb, "说明");
    lxw_format *iso = workbook_add_format(wb);
    format_set_num_format(iso, "yyyy-mm-dd");
    lxw_format *builtin = workbook_add_format(wb);
    format_set_num_format_index(builtin, 14);
    lxw_format *cn = workbook_add_format(wb);
    format_set_num_format(cn, "yyyy\"年\"m\"月\"d\"日\"");
    lxw_format *pct = workbook_add_format(wb);
    format_set_num_format(pct, "0.00%");
    worksheet_write_string(ws, 0, 0, "姓名", NULL);
    worksheet_write_string(ws, 0, 1, "手机", NULL);
    worksheet_write_string(ws, 0, 2, "用工日期", NULL);
    worksheet_write_string(ws, 0, 3, "出生日期", NULL);
    worksheet_write_string(ws, 0, 4, "合同终止日期", NULL);
    worksheet_write_string(ws, 0, 5, "比例", NULL);
    worksheet_write_string(ws, 0, 6, "缴存", NULL);
    worksheet_write_string(ws, 1, 0, "Müller, Anna 张", NULL);
    worksheet_write_number(ws, 1, 1, 13800138000.0, NULL);
    lxw_datetime d1 = {2025, 7, 1, 0, 0, 0}, d2 = {1990, 3, 15, 0, 0, 0}, d3 = {2028, 2, 29, 12, 0, 0};
    worksheet_write_datetime(ws, 1, 2, &d1, iso);
    worksheet_write_datetime(ws, 1, 3, &d2, builtin);
    worksheet_write_datetime(ws, 1, 4, &d3, cn);
    worksheet_write_number(ws, 1, 5, 0.075, pct);
    worksheet_write_boolean(ws, 1, 6, 1, NULL);
    worksheet_write_string(ws, 3, 0, "second", NULL);
    worksheet_write_number(ws, 3, 2, 7.5, NULL);
    worksheet_write_string(other, 0, 0, "not read", NULL);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
    return xlsx_bytes(path, len);
}

static void check_book(const table *t) {
    assert_int_equal(t->row_count, 3);
    const table_row *r = &t->rows[1];
    assert_int_equal(r->line, 2);
    assert_string_equal(table_cell(&t->rows[0], 0), "姓名");
    assert_string_equal(table_cell(r, 0), "Müller, Anna 张");
    assert_string_equal(table_cell(r, 1), "13800138000");
    assert_string_equal(table_cell(r, 2), "2025-07-01");
    assert_string_equal(table_cell(r, 3), "1990-03-15");
    assert_string_equal(table_cell(r, 4), "2028-02-29");   /* the time of day is dropped */
    assert_string_equal(table_cell(r, 5), "0.075");        /* a percentage is not a date */
    assert_string_equal(table_cell(r, 6), "TRUE");
    assert_int_equal(t->rows[2].line, 4);                  /* the empty row 3 is left out */
    assert_string_equal(table_cell(&t->rows[2], 1), "");
    assert_string_equal(table_cell(&t->rows[2], 2), "7.5");
}

/* Whether the archive names a part (names are stored uncompressed). */
static bool has_part(const char *data, size_t len, const char *name) {
    size_t n = strlen(name);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(data + i, name, n) == 0) return true;
    return false;
}

static void xlsx_shared_strings(void **state) {
    size_t len;
    char *data = write_book(false, &len);
    assert_true(has_part(data, len, "xl/sharedStrings.xml"));
    table t = read_ok(TABLE_XLSX, data, len);
    assert_int_equal(t.format, TABLE_XLSX);
    check_book(&t);
    free(data);
}

static void xlsx_inline_strings(void **state) {
    size_t len;
    char *data = write_book(true, &len);   /* constant memory mode writes inline strings */
    assert_false(has_part(data, len, "xl/sharedStrings.xml"));
    table t = read_ok(TABLE_XLSX, data, len);
    check_book(&t);
    free(data);
}

/* An XLSX assembled part by part, for what writers seldom produce. */
static char *hand_book(const char *workbook, const char *sheet, const char *sst, size_t *len) {
    char path[600];
    snprintf(path, sizeof path, "%s/hand.xlsx", dir);
    int zerr = 0;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    assert_non_null(z);
    const char *rels =
        "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Id=\"rId7\" Type=\"x\" Target=\"/xl/worksheets/data.xml\"/></Relationships>";
    const struct { const char *name, *text; } parts[] = {
        {"xl/workbook.xml", workbook}, {"xl/_rels/workbook.xml.rels", rels},
        {"xl/worksheets/data.xml", sheet}, {"xl/sharedStrings.xml", sst}};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        if (!parts[i].text) continue;
        zip_source_t *src = zip_source_buffer(z, parts[i].text, strlen(parts[i].text), 0);
        assert_true(zip_file_add(z, parts[i].name, src, ZIP_FL_OVERWRITE) >= 0);
    }
    assert_int_equal(zip_close(z), 0);
    return xlsx_bytes(path, len);
}

#define WB(pr) "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" " \
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">" pr \
    "<sheets><sheet name=\"a\" sheetId=\"1\" r:id=\"rId7\"/></sheets></workbook>"
#define SHEET(rows) "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">" \
    "<sheetData>" rows "</sheetData></worksheet>"

static void xlsx_by_relationship_phonetics_and_rich_text(void **state) {
    size_t len;
    char *data = hand_book(WB(""),
        SHEET("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"C1\" t=\"inlineStr\"><is><r><t>ab</t></r>"
              "<r><t xml:space=\"preserve\"> c</t></r></is></c><c r=\"D1\" t=\"str\"><f>A1</f><v>=x</v></c></row>"
              "<row r=\"2\"><c t=\"s\"><v>1</v></c><c><v>42</v></c></row>"),
        "<sst><si><r><t>東京</t></r><rPh sb=\"0\" eb=\"2\"><t>トウキョウ</t></rPh></si>"
        "<si><t>x&amp;y</t></si></sst>", &len);
    table t = read_ok(TABLE_XLSX, data, len);
    assert_int_equal(t.row_count, 2);
    assert_string_equal(table_cell(&t.rows[0], 0), "東京");
    assert_string_equal(table_cell(&t.rows[0], 1), "");
    assert_string_equal(table_cell(&t.rows[0], 2), "ab c");
    assert_string_equal(table_cell(&t.rows[0], 3), "=x");
    assert_string_equal(table_cell(&t.rows[1], 0), "x&y");   /* no r: the next column */
    assert_string_equal(table_cell(&t.rows[1], 1), "42");
    free(data);
}

static void xlsx_errors_name_the_row(void **state) {
    size_t len;
    char *data = hand_book(WB(""), SHEET("<row r=\"1\"><c t=\"s\"><v>0</v></c></row>"
                                         "<row r=\"5\"><c r=\"B5\" t=\"e\"><v>#N/A</v></c></row>"),
                           "<sst><si><t>h</t></si></sst>", &len);
    err_detail e = read_bad(TABLE_XLSX, data, len, ERR_INVALID);
    assert_string_equal(e.code, "table_cell_error");
    assert_string_equal(e.field, "row:5");
    assert_non_null(strstr(e.message, "B 列"));
    assert_non_null(strstr(e.message, "#N/A"));
    free(data);

    data = hand_book(WB(""), SHEET("<row r=\"3\"><c r=\"A3\" t=\"s\"><v>9</v></c></row>"),
                     "<sst><si><t>h</t></si></sst>", &len);
    e = read_bad(TABLE_XLSX, data, len, ERR_INVALID);
    assert_string_equal(e.code, "table_bad_string");
    assert_string_equal(e.field, "row:3");
    free(data);

    data = hand_book(WB(""), SHEET("<row r=\"2\"><c r=\"A2\"><v>1x</v></c></row>"), NULL, &len);
    e = read_bad(TABLE_XLSX, data, len, ERR_INVALID);
    assert_string_equal(e.code, "table_bad_number");
    assert_string_equal(e.field, "row:2");
    free(data);

    data = hand_book(WB(""), SHEET("<row r=\"2\"><c r=\"A2\"><v>1</v></c>"), NULL, &len);   /* cut short */
    e = read_bad(TABLE_XLSX, data, len, ERR_INVALID);
    assert_string_equal(e.code, "table_xlsx");
    free(data);

    data = hand_book(NULL, SHEET(""), NULL, &len);
    e = read_bad(TABLE_XLSX, data, len, ERR_INVALID);
    assert_string_equal(e.code, "table_xlsx");
    assert_non_null(strstr(e.message, "workbook.xml"));
    free(data);

    const char *csv_text = "a,b\n1,2\n";
    e = read_bad(TABLE_XLSX, csv_text, strlen(csv_text), ERR_INVALID);
    assert_string_equal(e.code, "table_xlsx");
}

static void xlsx_1904_dates(void **state) {
    /* styles are not in the hand-made book, so dates need the writer's
     * styles; here the 1904 flag is checked through a builtin date style
     * added by hand. */
    char path[600];
    snprintf(path, sizeof path, "%s/d1904.xlsx", dir);
    int zerr = 0;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    const char *wb = WB("<workbookPr date1904=\"1\"/>");
    const char *sheet = SHEET("<row r=\"1\"><c r=\"A1\" s=\"1\"><v>0</v></c><c r=\"B1\" s=\"1\"><v>43646</v></c>"
                              "<c r=\"C1\" s=\"0\"><v>43646</v></c></row>");
    const char *styles = "<styleSheet><cellXfs count=\"2\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/></cellXfs></styleSheet>";
    const struct { const char *name, *text; } parts[] = {
        {"xl/workbook.xml", wb}, {"xl/worksheets/sheet1.xml", sheet}, {"xl/styles.xml", styles}};
    for (size_t i = 0; i < 3; i++)
        zip_file_add(z, parts[i].name, zip_source_buffer(z, parts[i].text, strlen(parts[i].text), 0), 0);
    assert_int_equal(zip_close(z), 0);
    size_t len;
    char *data = xlsx_bytes(path, &len);
    table t = read_ok(TABLE_XLSX, data, len);   /* no relationships part: sheet1.xml */
    assert_string_equal(table_cell(&t.rows[0], 0), "1904-01-01");
    assert_string_equal(table_cell(&t.rows[0], 1), "2023-07-01");
    assert_string_equal(table_cell(&t.rows[0], 2), "43646");
    free(data);
}

static void formats_by_type_and_name(void **state) {
    table_format f = TABLE_XLSX;
    err_detail e = {0};
    assert_int_equal(table_format_from_type("text/csv", &f, &e), ERR_OK);
    assert_int_equal(f, TABLE_CSV);
    assert_int_equal(table_format_from_type("Text/CSV; charset=utf-8", &f, &e), ERR_OK);
    assert_int_equal(f, TABLE_CSV);
    assert_int_equal(table_format_from_type(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &f, &e), ERR_OK);
    assert_int_equal(f, TABLE_XLSX);
    assert_int_equal(table_format_from_type("application/json", &f, &e), ERR_INVALID);
    assert_string_equal(e.code, "unsupported_media_type");
    assert_int_equal(table_format_from_type(NULL, &f, &e), ERR_INVALID);
    assert_int_equal(table_format_guess("a.CSV", "PK\3\4", 4), TABLE_CSV);
    assert_int_equal(table_format_guess("roster.xlsx", "a,b", 3), TABLE_XLSX);
    assert_int_equal(table_format_guess("roster", "PK\3\4", 4), TABLE_XLSX);
    assert_int_equal(table_format_guess("roster", "a,b", 3), TABLE_CSV);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(csv_plain_lines),
        cmocka_unit_test(csv_bom_is_dropped),
        cmocka_unit_test(csv_quoted_fields),
        cmocka_unit_test(csv_blank_lines_keep_row_numbers),
        cmocka_unit_test(csv_errors_name_the_row),
        cmocka_unit_test(csv_column_and_cell_limits),
        cmocka_unit_test(csv_row_limit),
        cmocka_unit_test(file_over_the_upload_limit),
        cmocka_unit_test(xlsx_shared_strings),
        cmocka_unit_test(xlsx_inline_strings),
        cmocka_unit_test(xlsx_by_relationship_phonetics_and_rich_text),
        cmocka_unit_test(xlsx_errors_name_the_row),
        cmocka_unit_test(xlsx_1904_dates),
        cmocka_unit_test(formats_by_type_and_name),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
