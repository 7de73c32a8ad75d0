/* Table files: CSV and XLSX into rows of text cells (see table.h). */
#include "base/table.h"

#include <ctype.h>
#include <libxml/xmlreader.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zip.h>

#include "base/date.h"

static const char XLSX_TYPE[] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

enum {
    TABLE_STYLES_MAX = 65536,        /* cell formats of a workbook (Excel's own limit is 64000) */
    TABLE_NUMFMTS_MAX = 1024,        /* custom number formats remembered as dates */
    TABLE_SHARED_STRINGS_MAX = 32 * TABLE_ROWS_MAX,   /* distinct texts of a full roster */
};

/* ---- errors ---- */

static err_kind row_err(err_detail *err, int line, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static err_kind row_err(err_detail *err, int line, const char *code, const char *fmt, ...) {
    char what[200], field[32];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(field, sizeof field, "row:%d", line);
    return err_set(err, ERR_INVALID, code, field, "第 %d 行：%s", line, what);
}

static err_kind file_err(err_detail *err, const char *what) {
    return err_set(err, ERR_INVALID, "table_xlsx", "file", "XLSX 文件无法读取：%s", what);
}

/* ---- UTF-8 ---- */

/* Well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF). */
static bool utf8_valid(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t len;
        unsigned min;
        if (c < 0x80) { i++; continue; }
        if ((c & 0xE0) == 0xC0) { len = 2; min = 0x80; c &= 0x1F; }
        else if ((c & 0xF0) == 0xE0) { len = 3; min = 0x800; c &= 0x0F; }
        else if ((c & 0xF8) == 0xF0) { len = 4; min = 0x10000; c &= 0x07; }
        else return false;
        if (i + len > n) return false;
        for (size_t j = 1; j < len; j++) {
            if ((s[i + j] & 0xC0) != 0x80) return false;
            c = (c << 6) | (s[i + j] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
        i += len;
    }
    return true;
}

/* ---- building rows ---- */

typedef struct row_builder {
    arena *ar;
    table *t;
    int cap;
    int count;                           /* up to the last non-empty cell */
    const char *cells[TABLE_COLS_MAX];
} row_builder;

static void col_name(int col, char out[16]) {
    if (col < 26) snprintf(out, 16, "%c", 'A' + col);
    else if (col < 26 * 27) snprintf(out, 16, "%c%c", 'A' + col / 26 - 1, 'A' + col % 26);
    else snprintf(out, 16, "#%d", col + 1);
}

static err_kind cell_put(row_builder *b, int line, int col, const char *text, size_t len,
                         err_detail *err) {
    if (len == 0) return ERR_OK;
    char cn[16];
    col_name(col, cn);
    if (col >= TABLE_COLS_MAX)
        return row_err(err, line, "table_too_many_columns", "超过 %d 列（%s 列有内容）",
                       TABLE_COLS_MAX, cn);
    if (len > TABLE_CELL_BYTES_MAX)
        return row_err(err, line, "table_cell_too_long", "%s 列超过 %d 字节", cn,
                       TABLE_CELL_BYTES_MAX);
    if (memchr(text, 0, len))
        return row_err(err, line, "table_bad_text", "%s 列含有 NUL 字符", cn);
    if (!utf8_valid((const unsigned char *)text, len))
        return row_err(err, line, "table_not_utf8",
                       "%s 列不是 UTF-8 编码的文本（CSV 文件请以 UTF-8 编码保存）", cn);
    b->cells[col] = arena_strndup(b->ar, text, len);
    if (col + 1 > b->count) b->count = col + 1;
    return ERR_OK;
}

/* Ends a row: kept when it has a non-empty cell. */
static err_kind row_end(row_builder *b, int line, err_detail *err) {
    if (b->count == 0) return ERR_OK;
    table *t = b->t;
    if (t->row_count >= TABLE_ROWS_MAX)
        return row_err(err, line, "table_too_many_rows", "文件超过 %d 行（含表头）", TABLE_ROWS_MAX);
    if (t->row_count == b->cap) {
        int cap = b->cap ? b->cap * 2 : 64;
        table_row *rows = arena_alloc(b->ar, (size_t)cap * sizeof *rows);
        if (t->row_count) memcpy(rows, t->rows, (size_t)t->row_count * sizeof *rows);
        t->rows = rows;
        b->cap = cap;
    }
    table_row *r = &t->rows[t->row_count++];
    r->line = line;
    r->cell_count = b->count;
    r->cells = arena_alloc(b->ar, (size_t)b->count * sizeof *r->cells);
    for (int i = 0; i < b->count; i++) r->cells[i] = b->cells[i] ? b->cells[i] : "";
    memset(b->cells, 0, sizeof b->cells);
    b->count = 0;
    return ERR_OK;
}

/* ---- CSV (RFC 4180) ---- */

typedef struct csv_cell {
    char text[TABLE_CELL_BYTES_MAX + 1];
    size_t len;
} csv_cell;

static err_kind csv_add(csv_cell *c, char ch, int line, int col, err_detail *err) {
    if (c->len >= TABLE_CELL_BYTES_MAX) {
        char cn[16];
        col_name(col, cn);
        return row_err(err, line, "table_cell_too_long", "%s 列超过 %d 字节", cn,
                       TABLE_CELL_BYTES_MAX);
    }
    c->text[c->len++] = ch;
    return ERR_OK;
}

/* A quoted field from just after its opening quote: "" is one quote; the
 * field may hold commas and line breaks. */
static err_kind csv_quoted(const char *p, size_t n, size_t *i, csv_cell *c, int line, int col,
                           err_detail *err) {
    err_kind k = ERR_OK;
    char cn[16];
    col_name(col, cn);
    for (;;) {
        if (*i >= n)
            return row_err(err, line, "table_csv_quote", "%s 列的引号没有闭合", cn);
        char ch = p[*i];
        if (ch == '"' && *i + 1 < n && p[*i + 1] == '"') {
            k = csv_add(c, '"', line, col, err);
            *i += 2;
        } else if (ch == '"') {
            (*i)++;
            break;
        } else {
            k = csv_add(c, ch, line, col, err);
            (*i)++;
        }
        if (k) return k;
    }
    if (*i < n && p[*i] != ',' && p[*i] != '\r' && p[*i] != '\n')
        return row_err(err, line, "table_csv_quote", "%s 列的右引号后还有字符", cn);
    return ERR_OK;
}

static err_kind csv_plain(const char *p, size_t n, size_t *i, csv_cell *c, int line, int col,
                          err_detail *err) {
    while (*i < n && p[*i] != ',' && p[*i] != '\r' && p[*i] != '\n') {
        if (p[*i] == '"') {
            char cn[16];
            col_name(col, cn);
            return row_err(err, line, "table_csv_quote",
                           "%s 列未加引号却含有引号（含引号的内容须整体加引号，内部引号写两遍）", cn);
        }
        err_kind k = csv_add(c, p[*i], line, col, err);
        if (k) return k;
        (*i)++;
    }
    return ERR_OK;
}

/* One record from *i; ends after its line break. */
static err_kind csv_record(row_builder *b, const char *p, size_t n, size_t *i, int line,
                           csv_cell *c, err_detail *err) {
    for (int col = 0;; col++) {
        c->len = 0;
        err_kind k;
        if (*i < n && p[*i] == '"') {
            (*i)++;
            k = csv_quoted(p, n, i, c, line, col, err);
        } else {
            k = csv_plain(p, n, i, c, line, col, err);
        }
        if (!k) k = cell_put(b, line, col, c->text, c->len, err);
        if (k) return k;
        if (*i < n && p[*i] == ',') {
            (*i)++;
            continue;
        }
        if (*i < n && p[*i] == '\r') (*i)++;
        if (*i < n && p[*i] == '\n') (*i)++;
        return row_end(b, line, err);
    }
}

static err_kind csv_read(row_builder *b, const char *p, size_t n, err_detail *err) {
    size_t i = 0;
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) i = 3;   /* Excel's "CSV UTF-8" */
    csv_cell *c = arena_alloc(b->ar, sizeof *c);
    int line = 0;
    err_kind k = ERR_OK;
    while (!k && i < n) {
        if (line >= TABLE_ROWS_MAX * 2)   /* blank lines count too: a bound on the loop */
            return row_err(err, line, "table_too_many_rows", "文件超过 %d 行", TABLE_ROWS_MAX * 2);
        k = csv_record(b, p, n, &i, ++line, c, err);
    }
    return k;
}

/* ---- XLSX ---- */

typedef struct xlsx {
    zip_t *zip;
    arena *ar;
    row_builder *b;
    bool date1904;
    const char **sst;               /* shared strings; NULL marks one too long for a cell */
    int sst_count, sst_cap;
    unsigned char *xf_date;         /* per cell format: shows a date */
    int xf_count;
    int date_fmts[TABLE_NUMFMTS_MAX];   /* custom number formats that show dates */
    int date_fmt_count;
    char text[TABLE_CELL_BYTES_MAX + 1];  /* text being gathered */
    size_t text_len;
    bool text_over;
} xlsx;

static void text_reset(xlsx *x) {
    x->text_len = 0;
    x->text_over = false;
}

static void text_add(xlsx *x, const char *s) {
    size_t n = strlen(s);
    if (x->text_len + n > TABLE_CELL_BYTES_MAX) {
        x->text_over = true;
        return;
    }
    memcpy(x->text + x->text_len, s, n);
    x->text_len += n;
    x->text[x->text_len] = 0;
}

/* One part of the archive into a malloc'd, NUL-terminated buffer (the
 * caller frees it). A missing optional part gives *buf = NULL. */
static err_kind xlsx_part(xlsx *x, const char *name, bool required, char **buf, size_t *len,
                          err_detail *err) {
    *buf = NULL;
    *len = 0;
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat(x->zip, name, 0, &st) != 0) {
        if (!required) return ERR_OK;
        char what[160];
        snprintf(what, sizeof what, "缺少 %.100s", name);
        return file_err(err, what);
    }
    if (!(st.valid & ZIP_STAT_SIZE) || st.size > TABLE_XML_BYTES_MAX)
        return err_set(err, ERR_TOO_LARGE, "table_too_large", "file",
                       "XLSX 文件的 %.100s 解压后超过 %d 字节", name, TABLE_XML_BYTES_MAX);
    zip_file_t *f = zip_fopen(x->zip, name, 0);
    if (!f) return file_err(err, "压缩内容损坏");
    size_t size = (size_t)st.size, got = 0;
    char *p = malloc(size + 1);
    if (!p) {
        zip_fclose(f);
        return err_set(err, ERR_INTERNAL, "out_of_memory", NULL, "内存不足");
    }
    while (got < size) {
        zip_int64_t r = zip_fread(f, p + got, size - got);
        if (r <= 0) break;
        got += (size_t)r;
    }
    zip_fclose(f);
    if (got != size) {
        free(p);
        return file_err(err, "压缩内容损坏");
    }
    p[size] = 0;
    *buf = p;
    *len = size;
    return ERR_OK;
}

static void xml_init_once(void) { xmlInitParser(); }

static xmlTextReaderPtr xml_open(const char *buf, size_t len) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, xml_init_once);
    /* No network, no entity substitution (XML_PARSE_NOENT is off), no noise on stderr. */
    return xmlReaderForMemory(buf, (int)len, NULL, NULL,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

static const char *xml_name(xmlTextReaderPtr r) {
    const xmlChar *n = xmlTextReaderConstLocalName(r);
    return n ? (const char *)n : "";
}

/* An attribute by local name, whatever its prefix, copied into out. */
static bool xml_attr(xmlTextReaderPtr r, const char *name, bool want_prefixed, char *out,
                     size_t cap) {
    bool found = false;
    if (xmlTextReaderMoveToFirstAttribute(r) != 1) return false;
    do {
        bool prefixed = xmlTextReaderConstPrefix(r) != NULL;
        if (strcmp(xml_name(r), name) == 0 && prefixed == want_prefixed) {
            const xmlChar *v = xmlTextReaderConstValue(r);
            snprintf(out, cap, "%s", v ? (const char *)v : "");
            found = true;
            break;
        }
    } while (xmlTextReaderMoveToNextAttribute(r) == 1);
    xmlTextReaderMoveToElement(r);
    return found;
}

static long attr_long(xmlTextReaderPtr r, const char *name, long dflt) {
    char v[32];
    if (!xml_attr(r, name, false, v, sizeof v)) return dflt;
    char *end;
    long n = strtol(v, &end, 10);
    return (*end || end == v) ? dflt : n;
}

static bool is_text_node(int type) {
    return type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
           type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE || type == XML_READER_TYPE_WHITESPACE;
}

/* workbook.xml: the relationship id of the first sheet and the date system. */
static err_kind xlsx_workbook(xlsx *x, char *rid, size_t cap, err_detail *err) {
    char *buf;
    size_t len;
    err_kind k = xlsx_part(x, "xl/workbook.xml", true, &buf, &len, err);
    if (k) return k;
    xmlTextReaderPtr r = xml_open(buf, len);
    int ret = r ? 1 : -1;
    rid[0] = 0;
    while (r && (ret = xmlTextReaderRead(r)) == 1) {
        if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT) continue;
        char v[16];
        if (strcmp(xml_name(r), "workbookPr") == 0 && xml_attr(r, "date1904", false, v, sizeof v))
            x->date1904 = strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0;
        if (strcmp(xml_name(r), "sheet") == 0 && !rid[0]) xml_attr(r, "id", true, rid, cap);
    }
    if (r) xmlFreeTextReader(r);
    free(buf);
    return ret < 0 ? file_err(err, "workbook.xml 格式错误") : ERR_OK;
}

/* The part name of the first worksheet, through the workbook's relationships. */
static err_kind xlsx_sheet_path(xlsx *x, char *path, size_t cap, err_detail *err) {
    char rid[64];
    err_kind k = xlsx_workbook(x, rid, sizeof rid, err);
    if (k) return k;
    snprintf(path, cap, "xl/worksheets/sheet1.xml");
    char *buf;
    size_t len;
    k = xlsx_part(x, "xl/_rels/workbook.xml.rels", false, &buf, &len, err);
    if (k || !buf || !rid[0]) {   /* no sheet named: the conventional part, without the rels */
        free(buf);
        return k;
    }
    xmlTextReaderPtr r = xml_open(buf, len);
    int ret = r ? 1 : -1;
    while (r && (ret = xmlTextReaderRead(r)) == 1) {
        char id[64], target[256];
        if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT ||
            strcmp(xml_name(r), "Relationship") != 0 || !xml_attr(r, "Id", false, id, sizeof id) ||
            strcmp(id, rid) != 0 || !xml_attr(r, "Target", false, target, sizeof target))
            continue;
        if (target[0] == '/') snprintf(path, cap, "%s", target + 1);
        else snprintf(path, cap, "xl/%s", target);
        break;
    }
    if (r) xmlFreeTextReader(r);
    free(buf);
    return ret < 0 ? file_err(err, "workbook.xml.rels 格式错误") : ERR_OK;
}

static void sst_push(xlsx *x) {
    if (x->sst_count == x->sst_cap) {
        int cap = x->sst_cap ? x->sst_cap * 2 : 256;
        const char **a = arena_alloc(x->ar, (size_t)cap * sizeof *a);
        if (x->sst_count) memcpy(a, x->sst, (size_t)x->sst_count * sizeof *a);
        x->sst = a;
        x->sst_cap = cap;
    }
    x->sst[x->sst_count++] = x->text_over ? NULL : arena_strndup(x->ar, x->text, x->text_len);
}

/* sharedStrings.xml: each <si> is the text of its <t> elements, leaving out
 * phonetic runs (<rPh>). */
static err_kind xlsx_shared_strings(xlsx *x, err_detail *err) {
    char *buf;
    size_t len;
    err_kind k = xlsx_part(x, "xl/sharedStrings.xml", false, &buf, &len, err);
    if (k || !buf) return k;
    xmlTextReaderPtr r = xml_open(buf, len);
    int ret = r ? 1 : -1;
    bool in_t = false, in_rph = false;
    while (r && (ret = xmlTextReaderRead(r)) == 1) {
        int type = xmlTextReaderNodeType(r);
        const char *n = xml_name(r);
        bool empty = xmlTextReaderIsEmptyElement(r) == 1;
        if (type == XML_READER_TYPE_ELEMENT && strcmp(n, "si") == 0) {
            text_reset(x);
            if (empty) sst_push(x);
        } else if (type == XML_READER_TYPE_ELEMENT && strcmp(n, "t") == 0) {
            in_t = !empty;
        } else if (type == XML_READER_TYPE_ELEMENT && strcmp(n, "rPh") == 0) {
            in_rph = !empty;
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            if (strcmp(n, "t") == 0) in_t = false;
            else if (strcmp(n, "rPh") == 0) in_rph = false;
            else if (strcmp(n, "si") == 0) sst_push(x);
        } else if (is_text_node(type) && in_t && !in_rph) {
            text_add(x, (const char *)xmlTextReaderConstValue(r));
        }
        if (x->sst_count > TABLE_SHARED_STRINGS_MAX) {
            ret = -2;
            break;
        }
    }
    if (r) xmlFreeTextReader(r);
    free(buf);
    if (ret == -2) return file_err(err, "共享字符串过多");
    return ret < 0 ? file_err(err, "sharedStrings.xml 格式错误") : ERR_OK;
}

/* Whether a number format code shows a date: after dropping quoted text,
 * escaped characters and [..] sections (colours, locales), a y, d or e
 * (the year in some locales) remains. */
static bool format_is_date(const char *code) {
    bool quoted = false;
    int bracket = 0;
    for (const char *p = code; *p; p++) {
        if (*p == '"') quoted = !quoted;
        else if (quoted) continue;
        else if (*p == '\\' && p[1]) p++;
        else if (*p == '[') bracket++;
        else if (*p == ']' && bracket) bracket--;
        else if (!bracket && strchr("yYdDeE", *p)) return true;
    }
    return false;
}

/* Built-in number formats that show a date (ECMA-376 18.8.30; 27..36 and
 * 50..58 are the CJK dates). */
static bool builtin_is_date(long id) {
    return (id >= 14 && id <= 17) || id == 22 || (id >= 27 && id <= 36) || (id >= 50 && id <= 58);
}

static bool fmt_is_date(const xlsx *x, long id) {
    if (builtin_is_date(id)) return true;
    for (int i = 0; i < x->date_fmt_count; i++)
        if (x->date_fmts[i] == id) return true;
    return false;
}

static void styles_element(xlsx *x, xmlTextReaderPtr r, const char *n, bool in_cellxfs) {
    if (strcmp(n, "numFmt") == 0 && x->date_fmt_count < TABLE_NUMFMTS_MAX) {
        char code[256];
        long id = attr_long(r, "numFmtId", -1);
        if (id >= 0 && xml_attr(r, "formatCode", false, code, sizeof code) && format_is_date(code))
            x->date_fmts[x->date_fmt_count++] = (int)id;
    } else if (strcmp(n, "xf") == 0 && in_cellxfs && x->xf_count < TABLE_STYLES_MAX) {
        x->xf_date[x->xf_count++] = fmt_is_date(x, attr_long(r, "numFmtId", 0)) ? 1 : 0;
    }
}

/* styles.xml: which cell formats (the s attribute of a cell) show dates. */
static err_kind xlsx_styles(xlsx *x, err_detail *err) {
    char *buf;
    size_t len;
    err_kind k = xlsx_part(x, "xl/styles.xml", false, &buf, &len, err);
    if (k || !buf) return k;
    x->xf_date = arena_alloc(x->ar, TABLE_STYLES_MAX);
    xmlTextReaderPtr r = xml_open(buf, len);
    int ret = r ? 1 : -1;
    bool in_cellxfs = false;
    while (r && (ret = xmlTextReaderRead(r)) == 1) {
        int type = xmlTextReaderNodeType(r);
        const char *n = xml_name(r);
        if (type == XML_READER_TYPE_ELEMENT && strcmp(n, "cellXfs") == 0)
            in_cellxfs = xmlTextReaderIsEmptyElement(r) != 1;
        else if (type == XML_READER_TYPE_END_ELEMENT && strcmp(n, "cellXfs") == 0)
            in_cellxfs = false;
        else if (type == XML_READER_TYPE_ELEMENT)
            styles_element(x, r, n, in_cellxfs);
    }
    if (r) xmlFreeTextReader(r);
    free(buf);
    return ret < 0 ? file_err(err, "styles.xml 格式错误") : ERR_OK;
}

/* A date serial number into "YYYY-MM-DD". The 1900 system counts
 * 1900-01-01 as 1 and keeps Lotus's 29 February 1900 (60), which never was. */
static bool serial_date(double v, bool d1904, char out[DATE_STR_BYTES]) {
    if (!(v >= 0 && v < 1e6)) return false;
    long s = (long)floor(v);
    date_days d;
    if (d1904) {
        d = date_from_ymd(1904, 1, 1) + (date_days)s;
    } else {
        if (s < 1 || s == 60) return false;
        d = date_from_ymd(1900, 1, 1) + (date_days)(s - 1 - (s > 60 ? 1 : 0));
    }
    int y, m, dd;
    date_to_ymd(d, &y, &m, &dd);
    if (!date_valid_ymd(y, m, dd)) return false;
    date_format(d, out);
    return true;
}

/* Column index of a cell reference ("AB12" -> 27), or -1. */
static int ref_col(const char *ref) {
    int col = 0, letters = 0;
    for (const char *p = ref; isupper((unsigned char)*p); p++) {
        if (++letters > 3) return -1;
        col = col * 26 + (*p - 'A' + 1);
    }
    return letters ? col - 1 : -1;
}

typedef struct xcell {
    int col;
    char type[12];
    long style;
    bool in_v, in_t;
    char v[64];      /* a number, a shared-string index, a boolean or an error */
    bool v_over;
} xcell;

static err_kind number_text(xlsx *x, const xcell *c, int line, char *out, size_t cap,
                            err_detail *err) {
    char *end;
    double v = strtod(c->v, &end);
    char cn[16];
    col_name(c->col, cn);
    if (end == c->v || *end)
        return row_err(err, line, "table_bad_number", "%s 列的数值无效", cn);
    bool is_date = c->style >= 0 && c->style < x->xf_count && x->xf_date[c->style];
    if (is_date) {
        if (!serial_date(v, x->date1904, out))
            return row_err(err, line, "table_bad_date", "%s 列的日期超出范围", cn);
    } else if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(out, cap, "%.0f", v);   /* 13800138000, not 1.3800138E10 */
    } else {
        snprintf(out, cap, "%s", c->v);
    }
    return ERR_OK;
}

static err_kind xlsx_cell_end(xlsx *x, const xcell *c, int line, err_detail *err) {
    char cn[16], num[64];
    col_name(c->col, cn);
    if (c->v_over) return row_err(err, line, "table_cell_too_long", "%s 列的值过长", cn);
    const char *t = c->type;
    if (strcmp(t, "inlineStr") == 0) {
        if (x->text_over)
            return row_err(err, line, "table_cell_too_long", "%s 列超过 %d 字节", cn,
                           TABLE_CELL_BYTES_MAX);
        return cell_put(x->b, line, c->col, x->text, x->text_len, err);
    }
    if (!c->v[0]) return ERR_OK;
    if (strcmp(t, "s") == 0) {
        char *end;
        long i = strtol(c->v, &end, 10);
        if (*end || i < 0 || i >= x->sst_count)
            return row_err(err, line, "table_bad_string", "%s 列引用的共享字符串不存在", cn);
        if (!x->sst[i])
            return row_err(err, line, "table_cell_too_long", "%s 列超过 %d 字节", cn,
                           TABLE_CELL_BYTES_MAX);
        return cell_put(x->b, line, c->col, x->sst[i], strlen(x->sst[i]), err);
    }
    if (strcmp(t, "e") == 0)
        return row_err(err, line, "table_cell_error", "%s 列是错误值 %.16s", cn, c->v);
    if (strcmp(t, "b") == 0) {
        const char *b = strcmp(c->v, "1") == 0 ? "TRUE" : "FALSE";
        return cell_put(x->b, line, c->col, b, strlen(b), err);
    }
    if (strcmp(t, "str") == 0 || strcmp(t, "d") == 0)   /* formula text; ISO date (strict) */
        return cell_put(x->b, line, c->col, c->v,
                        strcmp(t, "d") == 0 && strlen(c->v) > 10 ? 10 : strlen(c->v), err);
    err_kind k = number_text(x, c, line, num, sizeof num, err);
    return k ? k : cell_put(x->b, line, c->col, num, strlen(num), err);
}

static void xcell_begin(xlsx *x, xmlTextReaderPtr r, xcell *c, int next_col) {
    char ref[16];
    memset(c, 0, sizeof *c);
    c->col = xml_attr(r, "r", false, ref, sizeof ref) ? ref_col(ref) : next_col;
    if (c->col < 0) c->col = next_col;
    if (!xml_attr(r, "t", false, c->type, sizeof c->type)) snprintf(c->type, sizeof c->type, "n");
    c->style = attr_long(r, "s", 0);
    text_reset(x);
}

static void xcell_text(xlsx *x, xcell *c, const char *s) {
    if (c->in_v) {
        size_t have = strlen(c->v), n = strlen(s);
        if (have + n >= sizeof c->v) c->v_over = true;
        else memcpy(c->v + have, s, n + 1);
    } else if (c->in_t) {
        text_add(x, s);
    }
}

typedef struct sheet_state {
    int line, next_col;
    bool in_cell, in_rph;
    xcell c;
} sheet_state;

static err_kind sheet_element(xlsx *x, xmlTextReaderPtr r, sheet_state *s, err_detail *err) {
    const char *n = xml_name(r);
    bool empty = xmlTextReaderIsEmptyElement(r) == 1;
    if (strcmp(n, "row") == 0) {
        s->line = (int)attr_long(r, "r", s->line + 1);
        s->next_col = 0;
        if (s->line < 1 || s->line > 1048576) return file_err(err, "行号无效");
        if (empty) return row_end(x->b, s->line, err);
    } else if (strcmp(n, "c") == 0) {
        xcell_begin(x, r, &s->c, s->next_col);
        s->next_col = s->c.col + 1;
        s->in_cell = !empty;
    } else if (s->in_cell && strcmp(n, "v") == 0) {
        s->c.in_v = !empty;
    } else if (s->in_cell && strcmp(n, "t") == 0 && !s->in_rph) {
        s->c.in_t = !empty;
    } else if (s->in_cell && strcmp(n, "rPh") == 0) {
        s->in_rph = !empty;
    }
    return ERR_OK;
}

static err_kind sheet_end_element(xlsx *x, xmlTextReaderPtr r, sheet_state *s, err_detail *err) {
    const char *n = xml_name(r);
    if (strcmp(n, "v") == 0) s->c.in_v = false;
    else if (strcmp(n, "t") == 0) s->c.in_t = false;
    else if (strcmp(n, "rPh") == 0) s->in_rph = false;
    else if (strcmp(n, "c") == 0 && s->in_cell) {
        s->in_cell = false;
        return xlsx_cell_end(x, &s->c, s->line, err);
    } else if (strcmp(n, "row") == 0) {
        return row_end(x->b, s->line, err);
    }
    return ERR_OK;
}

static err_kind xlsx_sheet(xlsx *x, const char *path, err_detail *err) {
    char *buf;
    size_t len;
    err_kind k = xlsx_part(x, path, true, &buf, &len, err);
    if (k) return k;
    xmlTextReaderPtr r = xml_open(buf, len);
    int ret = r ? 1 : -1;
    sheet_state *s = arena_alloc(x->ar, sizeof *s);
    while (!k && r && (ret = xmlTextReaderRead(r)) == 1) {
        int type = xmlTextReaderNodeType(r);
        if (type == XML_READER_TYPE_ELEMENT) k = sheet_element(x, r, s, err);
        else if (type == XML_READER_TYPE_END_ELEMENT) k = sheet_end_element(x, r, s, err);
        else if (is_text_node(type) && s->in_cell && !s->in_rph)
            xcell_text(x, &s->c, (const char *)xmlTextReaderConstValue(r));
    }
    if (r) xmlFreeTextReader(r);
    free(buf);
    if (!k && ret < 0) k = file_err(err, "工作表格式错误");
    return k;
}

static err_kind xlsx_read(row_builder *b, const void *data, size_t len, err_detail *err) {
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
    zip_error_fini(&ze);
    if (!z) {
        if (src) zip_source_free(src);
        return file_err(err, "不是有效的 XLSX（ZIP）文件");
    }
    xlsx *x = arena_alloc(b->ar, sizeof *x);
    x->zip = z;
    x->ar = b->ar;
    x->b = b;
    char path[300];
    err_kind k = xlsx_sheet_path(x, path, sizeof path, err);
    if (!k) k = xlsx_shared_strings(x, err);
    if (!k) k = xlsx_styles(x, err);
    if (!k) k = xlsx_sheet(x, path, err);
    zip_discard(z);   /* also frees the source */
    return k;
}

/* ---- the interface ---- */

err_kind table_format_from_type(const char *content_type, table_format *out, err_detail *err) {
    const char *ct = content_type ? content_type : "";
    size_t n = strcspn(ct, ";");
    while (n > 0 && ct[n - 1] == ' ') n--;
    if (n == strlen("text/csv") && strncasecmp(ct, "text/csv", n) == 0) {
        *out = TABLE_CSV;
        return ERR_OK;
    }
    if (n == strlen(XLSX_TYPE) && strncasecmp(ct, XLSX_TYPE, n) == 0) {
        *out = TABLE_XLSX;
        return ERR_OK;
    }
    return err_set(err, ERR_INVALID, "unsupported_media_type", "Content-Type",
                   "文件类型应为 text/csv 或 %s（XLSX）", XLSX_TYPE);
}

table_format table_format_guess(const char *file_name, const void *data, size_t len) {
    size_t n = file_name ? strlen(file_name) : 0;
    if (n >= 4 && strcasecmp(file_name + n - 4, ".csv") == 0) return TABLE_CSV;
    if (n >= 5 && strcasecmp(file_name + n - 5, ".xlsx") == 0) return TABLE_XLSX;
    return (len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0) ? TABLE_XLSX : TABLE_CSV;
}

err_kind table_read(arena *ar, table_format fmt, const void *data, size_t len, table *out,
                    err_detail *err) {
    if (len > LIMIT_UPLOAD_BYTES_MAX)
        return err_set(err, ERR_TOO_LARGE, "file_too_large", "file", "文件过大：%zu 字节，上限 %d 字节",
                       len, LIMIT_UPLOAD_BYTES_MAX);
    if (len == 0 || !data) return err_set(err, ERR_INVALID, "file_empty", "file", "文件为空");
    table t = {.format = fmt};
    row_builder *b = arena_alloc(ar, sizeof *b);
    b->ar = ar;
    b->t = &t;
    err_kind k = fmt == TABLE_XLSX ? xlsx_read(b, data, len, err) : csv_read(b, data, len, err);
    if (k) return k;
    *out = t;
    return ERR_OK;
}

const char *table_cell(const table_row *row, int col) {
    return (col >= 0 && col < row->cell_count) ? row->cells[col] : "";
}

/* ---- files of named columns ---- */

const char *table_trimmed(arena *ar, const char *s) {
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) n--;
    return arena_strndup(ar, s, n);
}

bool table_header_is(const char *h, const char *zh, const char *en) {
    if (*h == '*') h++;
    if (strcmp(h, zh) == 0 || strcasecmp(h, en) == 0) return true;
    size_t zl = strlen(zh);
    return strncmp(h, zh, zl) == 0 && h[zl] == '/' && strcasecmp(h + zl + 1, en) == 0;
}

void table_report_problem(table_report *r, int line, const char *field, const char *column_zh, const char *code,
                          const char *message, const char *data_json) {
    json_t *p = json_pack("{s:i, s:s, s:s, s:s, s:s}", "row", line, "field", field, "column", column_zh, "code",
                          code, "message", message);
    json_t *data = data_json && *data_json ? json_loads(data_json, 0, NULL) : NULL;
    if (data) json_object_set_new(p, "data", data);
    json_array_append_new(r->bad, p);
    if (!r->row_bad) r->bad_rows++;
    r->row_bad = true;
    if (r->err->rule_count < ERR_RULES_MAX - 1) {
        char d[200];
        snprintf(d, sizeof d, "{\"row\":%d,\"field\":\"%s\"}", line, field);
        err_rule_add(r->err, code, d, "第 %d 行 %s：%s", line, column_zh, message);
    }
}
