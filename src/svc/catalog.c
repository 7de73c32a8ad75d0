/* The service catalog: data/catalog.tsv, compiled in (tools/embed.py), is
 * loaded into catalog_items; svc/catalog_open.def names the items open now. */
#include "svc/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"

extern const char *const data_catalog_texts[];

typedef struct open_item { const char *id; const char *operation; } open_item;
static const open_item open_items[] = {
#define OPEN(id) {id, NULL},
#define OPEN_VIA(id, operation) {id, operation},
#include "svc/catalog_open.def"
#undef OPEN
#undef OPEN_VIA
    {NULL, NULL},
};
static const char *const open_ids[] = {
#define OPEN(id) id,
#define OPEN_VIA(id, operation) id,
#include "svc/catalog_open.def"
#undef OPEN
#undef OPEN_VIA
    NULL,
};
enum { OPEN_SLOTS = sizeof open_ids / sizeof open_ids[0] };

/* The TSV's columns, in order (header row first). */
enum {
    F_ID, F_AREA, F_NAME, F_NAME_EN, F_AUDIENCE, F_CHANNELS, F_OFFICES, F_TIME_LIMIT,
    F_CONDITIONS, F_MATERIALS, F_RULES, F_SOURCE, TSV_FIELDS
};

/* Comma lists (audience, channels, offices) hold a handful of values. */
enum { LIST_VALUES_MAX = 32, TIME_LIMIT_DAYS_MAX = 366 };

/* Columns of CATALOG_LIST and CATALOG_GET (store/q_catalog.def). */
enum {
    C_ID, C_AREA, C_NAME, C_NAME_EN, C_AUDIENCE, C_CHANNELS, C_OFFICES, C_TIME_LIMIT,
    C_WORKDAYS, C_CONDITIONS, C_MATERIALS, C_IS_OPEN
};

static const char *const audience_values[] = {"person", "unit", "institution", NULL};
static const char *const channel_values[] = {"online", "app", "terminal", "window", "bank",
                                             "phone", "card-settlement", NULL};

typedef struct tsv_row {
    char *f[TSV_FIELDS];
} tsv_row;

/* ---- time limits ---- */

static bool starts_with(const char *s, const char *prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Whether the clause that holds position p (clauses are separated by ';')
 * states the applicant's window ("apply within N working days"), not the
 * center's time limit. */
static bool clause_is_apply_window(const char *text, const char *p) {
    const char *c = p;
    while (c > text && c[-1] != ';') c--;
    while (*c == ' ') c++;
    return starts_with(c, "apply within");
}

int catalog_parse_time_limit(const char *text) {
    if (!text || !*text) return -1;
    if (starts_with(text, "immediate")) return 0;
    size_t len = strnlen(text, LIMIT_TEXT_FIELD_BYTES_MAX);
    for (size_t i = 0; i < len; i++) {
        const char *p = text + i;
        if (!is_digit(*p) || (i > 0 && is_digit(p[-1]))) continue;
        char *end;
        long n = strtol(p, &end, 10);
        if (!starts_with(end, " working day") || clause_is_apply_window(text, p)) continue;
        return (n >= 0 && n <= TIME_LIMIT_DAYS_MAX) ? (int)n : -1;
    }
    return -1;   /* not stated, or calendar days ("production 30 days") */
}

/* ---- lists ---- */

static bool value_in(const char *const values[], const char *v) {
    for (int i = 0; values[i]; i++)
        if (strcmp(values[i], v) == 0) return true;
    return false;
}

bool catalog_list_has(const char *list, const char *value) {
    size_t vlen = strlen(value);
    const char *p = list;
    for (int n = 0; p && *p && n < LIST_VALUES_MAX; n++) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == vlen && strncmp(p, value, len) == 0) return true;
        p = comma ? comma + 1 : NULL;
    }
    return false;
}

static void trim(const char **s, size_t *len) {
    while (*len && (**s == ' ' || **s == '\t')) { (*s)++; (*len)--; }
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t')) (*len)--;
}

/* Splits s at sep into a new JSON array of non-empty trimmed strings; NULL
 * when over max values or not UTF-8. */
static json_t *split_list(const char *s, const char *sep, int max) {
    json_t *a = json_array();
    size_t seplen = strlen(sep);
    const char *p = s;
    for (int n = 0; *p; n++) {
        if (n >= max) { json_decref(a); return NULL; }
        const char *hit = strstr(p, sep);
        size_t len = hit ? (size_t)(hit - p) : strlen(p);
        const char *v = p;
        trim(&v, &len);
        if (len && json_array_append_new(a, json_stringn(v, len)) != 0) {
            json_decref(a);
            return NULL;
        }
        p = hit ? hit + seplen : p + strlen(p);
    }
    return a;
}

/* The materials column: "; "-separated, "无" (none) is an empty list. */
static json_t *materials_array(const char *s) {
    if (strcmp(s, "无") == 0) return json_array();
    return split_list(s, "; ", LIMIT_MATERIALS_PER_ITEM_MAX);
}

/* ---- loading ---- */

static err_kind bad_row(int lineno, const char *what, err_detail *err) {
    return err_set(err, ERR_INTERNAL, "catalog_bad_row", NULL,
                   "内置服务目录第 %d 行有误：%s", lineno, what);
}

static err_kind split_row(arena *ar, const char *line, size_t len, int lineno, tsv_row *row,
                          err_detail *err) {
    const char *p = line, *end = line + len;
    for (int i = 0; i < TSV_FIELDS; i++) {
        const char *tab = memchr(p, '\t', (size_t)(end - p));
        bool last = i == TSV_FIELDS - 1;
        if (last != (tab == NULL)) return bad_row(lineno, "列数不是 12", err);
        const char *fe = tab ? tab : end;
        row->f[i] = arena_strndup(ar, p, (size_t)(fe - p));
        p = tab ? tab + 1 : end;
    }
    size_t idlen = strlen(row->f[F_ID]);
    if (idlen == 0 || idlen >= CATALOG_ID_BYTES)
        return bad_row(lineno, "事项编号为空或过长", err);
    return ERR_OK;
}

static bool mark_open(const char *id, bool seen[OPEN_SLOTS]) {
    for (int i = 0; open_ids[i]; i++)
        if (strcmp(open_ids[i], id) == 0) { seen[i] = true; return true; }
    return false;
}

static void bind_row(store_stmt *st, const tsv_row *r, const char *materials_json, bool is_open) {
    static const int text_cols[] = {F_ID, F_AREA, F_NAME, F_NAME_EN, F_AUDIENCE, F_CHANNELS,
                                    F_OFFICES, F_TIME_LIMIT};
    for (int i = 0; i < (int)(sizeof text_cols / sizeof text_cols[0]); i++)
        store_bind_text(st, i + 1, r->f[text_cols[i]]);
    int days = catalog_parse_time_limit(r->f[F_TIME_LIMIT]);
    if (days < 0) store_bind_null(st, 9);
    else store_bind_int(st, 9, (int64_t)days);
    store_bind_text(st, 10, r->f[F_CONDITIONS]);
    store_bind_text(st, 11, materials_json);
    store_bind_text(st, 12, r->f[F_RULES]);
    store_bind_text(st, 13, r->f[F_SOURCE]);
    store_bind_int(st, 14, is_open ? 1 : 0);
}

static err_kind upsert_row(store_tx *tx, const tsv_row *r, bool is_open, int lineno,
                           err_detail *err) {
    json_t *m = materials_array(r->f[F_MATERIALS]);
    if (!m) return bad_row(lineno, "材料清单过长或编码有误", err);
    char *mjson = json_dumps(m, JSON_COMPACT);
    json_decref(m);
    if (!mjson) return bad_row(lineno, "材料清单无法编码", err);
    store_stmt *st;
    err_kind k = store_prepare(tx, STORE_Q_CATALOG_UPSERT, &st, err);
    if (!k) {
        bind_row(st, r, mjson, is_open);
        bool row;
        k = store_step(st, &row, err);
        store_stmt_done(st);
    }
    free(mjson);
    return k;
}

static err_kind load_line(store_tx *tx, arena *ar, const char *line, size_t len, int lineno,
                          bool seen[OPEN_SLOTS], err_detail *err) {
    tsv_row r;
    arena_reset(ar);
    err_kind k = split_row(ar, line, len, lineno, &r, err);
    if (k) return k;
    return upsert_row(tx, &r, mark_open(r.f[F_ID], seen), lineno, err);
}

static err_kind load_rows(store_tx *tx, arena *ar, bool seen[OPEN_SLOTS], int *count,
                          err_detail *err) {
    const char *p = data_catalog_texts[0];
    for (int lineno = 1; *p; lineno++) {
        if (lineno > LIMIT_CATALOG_ITEMS_MAX + 1)
            return err_set(err, ERR_INTERNAL, "catalog_too_large", NULL,
                           "内置服务目录超过 %d 项", LIMIT_CATALOG_ITEMS_MAX);
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        const char *next = nl ? nl + 1 : p + len;
        if (len && p[len - 1] == '\r') len--;
        if (lineno > 1 && len > 0) {
            err_kind k = load_line(tx, ar, p, len, lineno, seen, err);
            if (k) return k;
            (*count)++;
        }
        p = next;
    }
    return ERR_OK;
}

static err_kind check_open_known(const bool seen[OPEN_SLOTS], err_detail *err) {
    for (int i = 0; open_ids[i]; i++)
        if (!seen[i])
            return err_set(err, ERR_CONFIG, "catalog_open_unknown", NULL,
                           "开通清单中的事项 %s 不在服务目录中", open_ids[i]);
    return ERR_OK;
}

err_kind catalog_load(store_tx *tx, int *count_out, err_detail *err) {
    bool seen[OPEN_SLOTS] = {false};
    int count = 0;
    arena *ar = arena_create(16 * 1024);
    err_kind k = load_rows(tx, ar, seen, &count, err);
    arena_destroy(ar);
    if (!k) k = check_open_known(seen, err);
    if (!k && count_out) *count_out = count;
    return k;
}

/* ---- reading ---- */

/* A comma-list column as a JSON array ([] if it cannot be split). */
static json_t *list_json(store_stmt *st, int col) {
    json_t *a = split_list(store_col_text(st, col), ",", LIST_VALUES_MAX);
    return a ? a : json_array();
}

static json_t *workdays_json(store_stmt *st) {
    if (store_col_is_null(st, C_WORKDAYS)) return json_null();
    return json_integer(store_col_int(st, C_WORKDAYS));
}

static json_t *text_json(store_stmt *st, int col) { return json_string(store_col_text(st, col)); }

const char *catalog_operation(const char *id) {
    for (int i = 0; open_items[i].id; i++)
        if (strcmp(open_items[i].id, id) == 0) return open_items[i].operation;
    return NULL;
}

static json_t *item_json(store_stmt *st) {
    bool open = store_col_int(st, C_IS_OPEN) != 0;
    json_t *materials = json_loads(store_col_text(st, C_MATERIALS), 0, NULL);
    if (!json_is_array(materials)) { json_decref(materials); materials = json_array(); }
    json_t *o = json_object();
    json_object_set_new(o, "id", text_json(st, C_ID));
    json_object_set_new(o, "area", text_json(st, C_AREA));
    json_object_set_new(o, "name", text_json(st, C_NAME));
    json_object_set_new(o, "name_en", text_json(st, C_NAME_EN));
    json_object_set_new(o, "audience", list_json(st, C_AUDIENCE));
    json_object_set_new(o, "channels", list_json(st, C_CHANNELS));
    json_object_set_new(o, "offices", list_json(st, C_OFFICES));
    json_object_set_new(o, "time_limit", text_json(st, C_TIME_LIMIT));
    json_object_set_new(o, "time_limit_workdays", workdays_json(st));
    json_object_set_new(o, "materials", materials);
    json_object_set_new(o, "conditions", text_json(st, C_CONDITIONS));
    json_object_set_new(o, "is_open", json_boolean(open));
    json_object_set_new(o, "status", json_string(open ? "open" : "暂未开通"));
    const char *op = catalog_operation(store_col_text(st, C_ID));
    json_object_set_new(o, "operation", op ? json_string(op) : json_null());
    return o;
}

static err_kind check_filter(const char *value, const char *const values[], const char *field,
                             const char *label, const char *choices, err_detail *err) {
    if (!value || value_in(values, value)) return ERR_OK;
    return err_set(err, ERR_INVALID, "invalid_value", field, "%s“%.64s”无效，可选：%s", label,
                   value, choices);
}

static bool item_matches(store_stmt *st, const char *audience, const char *channel) {
    if (audience && !catalog_list_has(store_col_text(st, C_AUDIENCE), audience)) return false;
    if (channel && !catalog_list_has(store_col_text(st, C_CHANNELS), channel)) return false;
    return true;
}

static err_kind collect_items(svc_ctx *ctx, const char *audience, const char *channel, json_t *arr,
                              err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_CATALOG_LIST, &st, err);
    if (k) return k;
    bool row = true;
    for (int n = 0; n <= LIMIT_CATALOG_ITEMS_MAX; n++) {
        k = store_step(st, &row, err);
        if (k || !row) break;
        if (item_matches(st, audience, channel)) json_array_append_new(arr, item_json(st));
    }
    store_stmt_done(st);
    return k;
}

err_kind catalog_list(svc_ctx *ctx, const char *audience, const char *channel, json_t **out,
                      err_detail *err) {
    err_kind k = check_filter(audience, audience_values, "audience", "办事对象",
                              "person、unit、institution", err);
    if (!k)
        k = check_filter(channel, channel_values, "channel", "办理渠道",
                         "online、app、terminal、window、bank、phone、card-settlement", err);
    if (k) return k;
    json_t *arr = json_array();
    k = collect_items(ctx, audience, channel, arr, err);
    if (k) { json_decref(arr); return k; }
    *out = arr;
    return ERR_OK;
}

static err_kind item_not_found(const char *id, err_detail *err) {
    return err_set(err, ERR_NOT_FOUND, "item_not_found", "item_id", "服务事项 %.64s 不存在",
                   id ? id : "");
}

typedef err_kind (*item_reader)(svc_ctx *ctx, store_stmt *st, void *out, err_detail *err);

/* Runs CATALOG_GET for id and hands the row to read. */
static err_kind with_item(svc_ctx *ctx, const char *id, item_reader read, void *out,
                          err_detail *err) {
    if (!id || !*id || strlen(id) >= CATALOG_ID_BYTES) return item_not_found(id, err);
    store_stmt *st;
    err_kind k = store_prepare(ctx->tx, STORE_Q_CATALOG_GET, &st, err);
    if (k) return k;
    store_bind_text(st, 1, id);
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && !row) k = item_not_found(id, err);
    if (!k) k = read(ctx, st, out, err);
    store_stmt_done(st);
    return k;
}

static err_kind read_json(svc_ctx *ctx, store_stmt *st, void *out, err_detail *err) {
    *(json_t **)out = item_json(st);
    return ERR_OK;
}

err_kind catalog_get_json(svc_ctx *ctx, const char *id, json_t **out, err_detail *err) {
    return with_item(ctx, id, read_json, out, err);
}

static err_kind read_materials(svc_ctx *ctx, const char *text, catalog_item *it, err_detail *err) {
    json_t *a = json_loads(text, 0, NULL);
    size_t n = json_array_size(a);
    if (!json_is_array(a) || n > LIMIT_MATERIALS_PER_ITEM_MAX) {
        json_decref(a);
        return err_set(err, ERR_INTERNAL, "catalog_bad_materials", NULL,
                       "事项 %s 的材料清单有误", it->id);
    }
    for (size_t i = 0; i < n; i++)
        it->materials[i] = arena_strdup(ctx->ar, json_string_value(json_array_get(a, i)));
    it->material_count = (int)n;
    json_decref(a);
    return ERR_OK;
}

static err_kind read_struct(svc_ctx *ctx, store_stmt *st, void *out, err_detail *err) {
    catalog_item it;
    memset(&it, 0, sizeof it);
    snprintf(it.id, sizeof it.id, "%s", store_col_text(st, C_ID));
    it.name_zh = arena_strdup(ctx->ar, store_col_text(st, C_NAME));
    it.audience = arena_strdup(ctx->ar, store_col_text(st, C_AUDIENCE));
    it.channels = arena_strdup(ctx->ar, store_col_text(st, C_CHANNELS));
    it.time_limit_workdays =
        store_col_is_null(st, C_WORKDAYS) ? -1 : (int)store_col_int(st, C_WORKDAYS);
    it.is_open = store_col_int(st, C_IS_OPEN) != 0;
    it.operation = catalog_operation(it.id);
    err_kind k = read_materials(ctx, store_col_text(st, C_MATERIALS), &it, err);
    if (!k) *(catalog_item *)out = it;
    return k;
}

err_kind catalog_get(svc_ctx *ctx, const char *id, catalog_item *out, err_detail *err) {
    return with_item(ctx, id, read_struct, out, err);
}
