/* Policy parameters with effective periods: loading, validation and lookup.
 *
 * All parameters of all files are kept in one array sorted by key, then by
 * start date. After loading nothing changes: lookups are a binary search over
 * read-only memory, so any number of threads may read one policy at once.
 * (No lookup touches a jansson reference count: values are handed out
 * borrowed, and policy_to_json deep-copies them.) */
#include "policy/policy.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"

enum {
    POLICY_KEY_BYTES_MAX = 63,     /* fits err_detail.field */
    POLICY_NOTE_BYTES_MAX = 1024,
    POLICY_NAME_BYTES_MAX = 255,   /* one file name inside the dir */
    POLICY_PATH_BYTES_MAX = 4096,
    POLICY_SOURCE_SHOWN_BYTES = 41,  /* a file name as messages show it */
};

/* "to" of an open-ended period: later than any valid date. */
#define DATE_OPEN INT32_MAX

typedef struct param {
    char *key;
    date_days from;
    date_days to;        /* inclusive; DATE_OPEN when open-ended */
    json_t *value;       /* owned reference */
    char *note;          /* NULL when absent */
    size_t source;       /* index into policy.sources, for error messages */
    size_t index;        /* position in its file's "params" array */
} param;

struct policy {
    param *params;
    size_t count;
    size_t cap;
    char **sources;      /* file names (base names), or "(text)" */
    size_t source_count;
};

/* ---- construction ---- */

static policy *policy_new(void) {
    policy *p = calloc(1, sizeof *p);
    return p;
}

void policy_destroy(policy *p) {
    if (!p) return;
    for (size_t i = 0; i < p->count; i++) {
        free(p->params[i].key);
        free(p->params[i].note);
        json_decref(p->params[i].value);
    }
    free(p->params);
    for (size_t i = 0; i < p->source_count; i++) free(p->sources[i]);
    free(p->sources);
    free(p);
}

static err_kind oom(err_detail *err) {
    return err_set(err, ERR_INTERNAL, "out_of_memory", NULL, "内存不足，无法加载政策参数");
}

/* Copies at most cap - 1 bytes of src, never cutting a UTF-8 sequence. */
static void copy_shown(char *dst, size_t cap, const char *src) {
    size_t n = strlen(src);
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80) n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static err_kind add_source(policy *p, const char *name, size_t *out, err_detail *err) {
    char **s = realloc(p->sources, (p->source_count + 1) * sizeof *s);
    if (!s) return oom(err);
    p->sources = s;
    /* kept short for messages: err_detail.message has 256 bytes */
    char shown[POLICY_SOURCE_SHOWN_BYTES];
    copy_shown(shown, sizeof shown, name);
    char *dup = strdup(shown);
    if (!dup) return oom(err);
    s[p->source_count] = dup;
    *out = p->source_count++;
    return ERR_OK;
}

static bool key_valid(const char *k) {
    size_t n = strlen(k);
    if (n == 0 || n > POLICY_KEY_BYTES_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        char c = k[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
        if (!ok) return false;
    }
    /* dots separate non-empty segments */
    if (k[0] == '.' || k[n - 1] == '.' || strstr(k, "..")) return false;
    return true;
}

static void fmt_period_end(date_days to, char out[DATE_STR_BYTES]) {
    if (to == DATE_OPEN)
        snprintf(out, DATE_STR_BYTES, "%s", "不限");
    else
        date_format(to, out);
}

/* Error about params[index] of a file: names the file, the index and the key. */
#define PARSE_ERR(err, src, idx, key, fmt, ...)                                            \
    err_set((err), ERR_CONFIG, "policy_parse", (key),                                       \
            "政策文件 %s 第 %zu 项（params[%zu]，参数 %s）：" fmt, (src), (idx) + 1, (idx), \
            (key)[0] ? (key) : "未知", __VA_ARGS__)

static const char *const param_members[] = {"key", "from", "to", "value", "note", NULL};

/* Validates one element of "params" and appends it to p. */
static err_kind parse_param(policy *p, size_t source, size_t idx, json_t *item,
                            err_detail *err) {
    const char *src = p->sources[source];
    const char *key = "";
    if (!json_is_object(item))
        return PARSE_ERR(err, src, idx, key, "%s", "每一项应为 JSON 对象");

    json_t *jk = json_object_get(item, "key");
    if (json_is_string(jk)) key = json_string_value(jk);
    /* an invalid key does not go into err.field; the message shows its first bytes */
    if (jk && json_is_string(jk) && !key_valid(key)) {
        char shown[POLICY_KEY_BYTES_MAX + 1];
        copy_shown(shown, sizeof shown, key);
        return err_set(err, ERR_CONFIG, "policy_parse", NULL,
                       "政策文件 %s 第 %zu 项（params[%zu]）：参数名 \"%s\" 无效，"
                       "应为 1 至 %d 个小写字母、数字、下划线或点",
                       src, idx + 1, idx, shown, POLICY_KEY_BYTES_MAX);
    }
    if (!jk) return PARSE_ERR(err, src, idx, key, "%s", "缺少 key");
    if (!json_is_string(jk)) return PARSE_ERR(err, src, idx, key, "%s", "key 应为字符串");

    const char *mk;
    json_t *mv;
    json_object_foreach(item, mk, mv) {
        bool known = false;
        for (size_t i = 0; param_members[i]; i++)
            if (strcmp(mk, param_members[i]) == 0) { known = true; break; }
        if (!known) {
            char shown[48];
            copy_shown(shown, sizeof shown, mk);
            return PARSE_ERR(err, src, idx, key, "不认识的成员 \"%s\"", shown);
        }
    }

    json_t *jf = json_object_get(item, "from");
    if (!jf) return PARSE_ERR(err, src, idx, key, "%s", "缺少 from（起始日期）");
    date_days from;
    err_detail ignored;
    if (!json_is_string(jf) ||
        date_parse(json_string_value(jf), "from", &from, &ignored) != ERR_OK)
        return PARSE_ERR(err, src, idx, key, "%s", "from 应为有效日期 YYYY-MM-DD");

    date_days to = DATE_OPEN;
    json_t *jt = json_object_get(item, "to");
    if (jt && !json_is_null(jt)) {
        if (!json_is_string(jt) ||
            date_parse(json_string_value(jt), "to", &to, &ignored) != ERR_OK)
            return PARSE_ERR(err, src, idx, key, "%s", "to 应为有效日期 YYYY-MM-DD 或 null");
        if (to < from)
            return PARSE_ERR(err, src, idx, key, "to（%s）早于 from（%s）", json_string_value(jt),
                             json_string_value(jf));
    }

    json_t *jv = json_object_get(item, "value");
    if (!jv) return PARSE_ERR(err, src, idx, key, "%s", "缺少 value");
    if (json_is_null(jv) || json_is_real(jv))
        return PARSE_ERR(err, src, idx, key, "%s",
                         "value 应为整数、字符串、布尔值、对象或数组（金额用分，比例用基点）");

    const char *note = NULL;
    json_t *jn = json_object_get(item, "note");
    if (jn && !json_is_null(jn)) {
        if (!json_is_string(jn)) return PARSE_ERR(err, src, idx, key, "%s", "note 应为字符串");
        note = json_string_value(jn);
        if (strlen(note) > POLICY_NOTE_BYTES_MAX)
            return PARSE_ERR(err, src, idx, key, "note 过长，上限 %d 字节", POLICY_NOTE_BYTES_MAX);
    }

    if (p->count >= LIMIT_POLICY_PARAMS_MAX)
        return PARSE_ERR(err, src, idx, key, "政策参数过多，上限 %d 项", LIMIT_POLICY_PARAMS_MAX);
    if (p->count == p->cap) {
        size_t ncap = p->cap ? p->cap * 2 : 64;
        param *np = realloc(p->params, ncap * sizeof *np);
        if (!np) return oom(err);
        p->params = np;
        p->cap = ncap;
    }
    char *kdup = strdup(key);
    char *ndup = note ? strdup(note) : NULL;
    if (!kdup || (note && !ndup)) {
        free(kdup);
        free(ndup);
        return oom(err);
    }
    p->params[p->count++] = (param){
        .key = kdup, .from = from, .to = to, .value = json_incref(jv), .note = ndup,
        .source = source, .index = idx,
    };
    return ERR_OK;
}

static const char *const doc_members[] = {"params", "note", NULL};

/* Validates one parsed document (owned by the caller) and appends its params. */
static err_kind parse_doc(policy *p, size_t source, json_t *doc, err_detail *err) {
    const char *src = p->sources[source];
    if (!json_is_object(doc))
        return err_set(err, ERR_CONFIG, "policy_parse", NULL,
                       "政策文件 %s：顶层应为 JSON 对象 {\"params\":[...]}", src);
    const char *mk;
    json_t *mv;
    json_object_foreach(doc, mk, mv) {
        bool known = false;
        for (size_t i = 0; doc_members[i]; i++)
            if (strcmp(mk, doc_members[i]) == 0) { known = true; break; }
        if (!known) {
            char shown[48];
            copy_shown(shown, sizeof shown, mk);
            return err_set(err, ERR_CONFIG, "policy_parse", NULL,
                           "政策文件 %s：不认识的顶层成员 \"%s\"（只允许 params、note）", src,
                           shown);
        }
    }
    json_t *note = json_object_get(doc, "note");
    if (note && !json_is_string(note))
        return err_set(err, ERR_CONFIG, "policy_parse", NULL, "政策文件 %s：note 应为字符串",
                       src);
    json_t *arr = json_object_get(doc, "params");
    if (!json_is_array(arr))
        return err_set(err, ERR_CONFIG, "policy_parse", NULL,
                       "政策文件 %s：缺少 params 数组", src);
    size_t i;
    json_t *item;
    json_array_foreach(arr, i, item) {
        err_kind k = parse_param(p, source, i, item, err);
        if (k != ERR_OK) return k;
    }
    return ERR_OK;
}

static int param_cmp(const void *a, const void *b) {
    const param *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c) return c;
    if (x->from != y->from) return x->from < y->from ? -1 : 1;
    /* equal starts overlap anyway; order them by where they come from so the
     * error message is the same on every run */
    if (x->source != y->source) return x->source < y->source ? -1 : 1;
    if (x->index != y->index) return x->index < y->index ? -1 : 1;
    return 0;
}

/* Sorts and refuses overlapping periods of one key. */
static err_kind finish(policy *p, err_detail *err) {
    if (p->count > 1) qsort(p->params, p->count, sizeof *p->params, param_cmp);
    for (size_t i = 1; i < p->count; i++) {
        const param *a = &p->params[i - 1], *b = &p->params[i];
        if (strcmp(a->key, b->key) != 0 || a->to < b->from) continue;
        char af[DATE_STR_BYTES], at[DATE_STR_BYTES], bf[DATE_STR_BYTES], bt[DATE_STR_BYTES];
        date_format(a->from, af);
        fmt_period_end(a->to, at);
        date_format(b->from, bf);
        fmt_period_end(b->to, bt);
        return err_set(err, ERR_CONFIG, "policy_overlap", a->key,
                       "政策参数 %s 的适用期重叠：%s～%s（%s 第 %zu 项）与 %s～%s（%s 第 %zu 项）",
                       a->key, af, at, p->sources[a->source], a->index + 1, bf, bt,
                       p->sources[b->source], b->index + 1);
    }
    return ERR_OK;
}

err_kind policy_parse(const char *json_text, policy **out, err_detail *err) {
    if (!json_text)
        return err_set(err, ERR_CONFIG, "policy_parse", NULL, "政策文本为空");
    policy *p = policy_new();
    if (!p) return oom(err);
    size_t source;
    err_kind k = add_source(p, "(text)", &source, err);
    if (k != ERR_OK) {
        policy_destroy(p);
        return k;
    }
    json_error_t je;
    json_t *doc = json_loads(json_text, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        policy_destroy(p);
        return err_set(err, ERR_CONFIG, "policy_parse", NULL,
                       "政策文本不是合法的 JSON（第 %d 行第 %d 列）：%s", je.line, je.column,
                       je.text);
    }
    k = parse_doc(p, source, doc, err);
    json_decref(doc);
    if (k == ERR_OK) k = finish(p, err);
    if (k != ERR_OK) {
        policy_destroy(p);
        return k;
    }
    *out = p;
    return ERR_OK;
}

static bool is_json_name(const char *n) {
    size_t len = strlen(n);
    return n[0] != '.' && len > 5 && len <= POLICY_NAME_BYTES_MAX &&
           strcmp(n + len - 5, ".json") == 0;
}

static int name_cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n) {
    for (size_t i = 0; i < n; i++) free(names[i]);
}

/* The *.json names of dir, sorted; at most LIMIT_POLICY_FILES_MAX. */
static err_kind list_json(const char *dir, char **names, size_t *count, err_detail *err) {
    DIR *d = opendir(dir);
    if (!d)
        return err_set(err, ERR_CONFIG, "policy_parse", NULL, "无法打开政策目录 %s", dir);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!is_json_name(e->d_name)) continue;
        if (n >= LIMIT_POLICY_FILES_MAX) {
            closedir(d);
            free_names(names, n);
            return err_set(err, ERR_CONFIG, "policy_parse", NULL,
                           "政策目录 %s 中的政策文件过多，上限 %d 个", dir,
                           LIMIT_POLICY_FILES_MAX);
        }
        names[n] = strdup(e->d_name);
        if (!names[n]) {
            closedir(d);
            free_names(names, n);
            return oom(err);
        }
        n++;
    }
    closedir(d);
    if (n == 0)
        return err_set(err, ERR_CONFIG, "policy_parse", NULL,
                       "政策目录 %s 中没有政策文件（*.json）", dir);
    qsort(names, n, sizeof *names, name_cmp);
    *count = n;
    return ERR_OK;
}

static err_kind load_file(policy *p, const char *dir, const char *name, err_detail *err) {
    size_t source;
    err_kind k = add_source(p, name, &source, err);
    if (k != ERR_OK) return k;
    char path[POLICY_PATH_BYTES_MAX];
    int w = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (w < 0 || (size_t)w >= sizeof path)
        return err_set(err, ERR_CONFIG, "policy_parse", NULL, "政策文件路径过长：%s", name);
    json_error_t je;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        return err_set(err, ERR_CONFIG, "policy_parse", NULL,
                       "政策文件 %s 无法读取或不是合法的 JSON（第 %d 行第 %d 列）：%s", name,
                       je.line, je.column, je.text);
    k = parse_doc(p, source, doc, err);
    json_decref(doc);
    return k;
}

err_kind policy_load_dir(const char *dir, policy **out, err_detail *err) {
    if (!dir || !*dir)
        return err_set(err, ERR_CONFIG, "policy_parse", NULL, "未指定政策目录");
    char *names[LIMIT_POLICY_FILES_MAX];
    size_t n = 0;
    err_kind k = list_json(dir, names, &n, err);
    if (k != ERR_OK) return k;
    policy *p = policy_new();
    if (!p) k = oom(err);
    for (size_t i = 0; k == ERR_OK && i < n; i++) k = load_file(p, dir, names[i], err);
    free_names(names, n);
    if (k == ERR_OK) k = finish(p, err);
    if (k != ERR_OK) {
        policy_destroy(p);
        return k;
    }
    *out = p;
    return ERR_OK;
}

/* ---- lookup ---- */

size_t policy_param_count(const policy *p) { return p ? p->count : 0; }

/* The period of key that contains on, or NULL. Read-only. */
static const param *find(const policy *p, const char *key, date_days on) {
    if (!p || !key) return NULL;
    /* last param with (key, from) <= (key, on) */
    size_t lo = 0, hi = p->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const param *m = &p->params[mid];
        int c = strcmp(m->key, key);
        if (c < 0 || (c == 0 && m->from <= on))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0) return NULL;
    const param *cand = &p->params[lo - 1];
    if (strcmp(cand->key, key) != 0 || cand->to < on) return NULL;
    return cand;
}

bool policy_has(const policy *p, const char *key, date_days on) {
    return find(p, key, on) != NULL;
}

static err_kind missing(const char *key, date_days on, err_detail *err) {
    char ds[DATE_STR_BYTES];
    date_format(on, ds);
    return err_set(err, ERR_CONFIG, "policy_missing", key, "缺少政策参数 %s（%s 适用）",
                   key ? key : "", ds);
}

static const char *type_name(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "对象";
    case JSON_ARRAY: return "数组";
    case JSON_STRING: return "字符串";
    case JSON_INTEGER: return "整数";
    case JSON_REAL: return "小数";
    case JSON_TRUE:
    case JSON_FALSE: return "布尔值";
    case JSON_NULL: return "null";
    }
    return "未知类型";
}

static err_kind wrong_type(const char *key, date_days on, const char *want, const json_t *v,
                           err_detail *err) {
    char ds[DATE_STR_BYTES];
    date_format(on, ds);
    return err_set(err, ERR_CONFIG, "policy_type", key,
                   "政策参数 %s（%s 适用）应为%s，实为%s", key, ds, want, type_name(v));
}

static err_kind lookup(const policy *p, const char *key, date_days on, const param **out,
                       err_detail *err) {
    const param *pr = find(p, key, on);
    if (!pr) return missing(key, on, err);
    *out = pr;
    return ERR_OK;
}

err_kind policy_get_int(const policy *p, const char *key, date_days on, int64_t *out,
                        err_detail *err) {
    const param *pr = NULL;
    err_kind k = lookup(p, key, on, &pr, err);
    if (k != ERR_OK) return k;
    if (!json_is_integer(pr->value)) return wrong_type(key, on, "整数", pr->value, err);
    *out = (int64_t)json_integer_value(pr->value);
    return ERR_OK;
}

err_kind policy_get_bool(const policy *p, const char *key, date_days on, bool *out,
                         err_detail *err) {
    const param *pr = NULL;
    err_kind k = lookup(p, key, on, &pr, err);
    if (k != ERR_OK) return k;
    if (!json_is_boolean(pr->value)) return wrong_type(key, on, "布尔值", pr->value, err);
    *out = json_is_true(pr->value);
    return ERR_OK;
}

err_kind policy_get_str(const policy *p, const char *key, date_days on, const char **out,
                        err_detail *err) {
    const param *pr = NULL;
    err_kind k = lookup(p, key, on, &pr, err);
    if (k != ERR_OK) return k;
    if (!json_is_string(pr->value)) return wrong_type(key, on, "字符串", pr->value, err);
    *out = json_string_value(pr->value);
    return ERR_OK;
}

err_kind policy_get_json(const policy *p, const char *key, date_days on, const json_t **out,
                         err_detail *err) {
    const param *pr = NULL;
    err_kind k = lookup(p, key, on, &pr, err);
    if (k != ERR_OK) return k;
    *out = pr->value;
    return ERR_OK;
}

err_kind policy_get_int_item(const policy *p, const char *key, date_days on, size_t index,
                             int64_t *out, err_detail *err) {
    const param *pr = NULL;
    err_kind k = lookup(p, key, on, &pr, err);
    if (k != ERR_OK) return k;
    if (!json_is_array(pr->value)) return wrong_type(key, on, "数组", pr->value, err);
    const json_t *v = json_array_get(pr->value, index);
    char ds[DATE_STR_BYTES];
    if (!v) {
        date_format(on, ds);
        return err_set(err, ERR_CONFIG, "policy_missing", key,
                       "缺少政策参数 %s 的第 %zu 项（%s 适用，共 %zu 项）", key, index + 1, ds,
                       json_array_size(pr->value));
    }
    if (!json_is_integer(v)) {
        date_format(on, ds);
        return err_set(err, ERR_CONFIG, "policy_type", key,
                       "政策参数 %s 的第 %zu 项（%s 适用）应为整数，实为%s", key, index + 1, ds,
                       type_name(v));
    }
    *out = (int64_t)json_integer_value(v);
    return ERR_OK;
}

err_kind policy_get_int_member(const policy *p, const char *key, date_days on, const char *name,
                               int64_t *out, err_detail *err) {
    const param *pr = NULL;
    err_kind k = lookup(p, key, on, &pr, err);
    if (k != ERR_OK) return k;
    if (!json_is_object(pr->value)) return wrong_type(key, on, "对象", pr->value, err);
    const json_t *v = name ? json_object_get(pr->value, name) : NULL;
    char ds[DATE_STR_BYTES];
    if (!v) {
        date_format(on, ds);
        return err_set(err, ERR_CONFIG, "policy_missing", key,
                       "缺少政策参数 %s 中的 \"%.32s\"（%s 适用）", key, name ? name : "", ds);
    }
    if (!json_is_integer(v)) {
        date_format(on, ds);
        return err_set(err, ERR_CONFIG, "policy_type", key,
                       "政策参数 %s 中的 \"%.32s\"（%s 适用）应为整数，实为%s", key, name, ds,
                       type_name(v));
    }
    *out = (int64_t)json_integer_value(v);
    return ERR_OK;
}

/* ---- export ---- */

json_t *policy_to_json(const policy *p) {
    json_t *arr = json_array();
    if (!arr || !p) return arr;
    for (size_t i = 0; i < p->count; i++) {
        const param *pr = &p->params[i];
        char from[DATE_STR_BYTES], to[DATE_STR_BYTES];
        date_format(pr->from, from);
        json_t *jto = json_null();
        if (pr->to != DATE_OPEN) {
            date_format(pr->to, to);
            jto = json_string(to);
        }
        /* a deep copy: the policy's own values are never shared, so their
         * reference counts stay untouched while other threads read them */
        json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:o}", "key", pr->key, "from", from, "to",
                              jto, "value", json_deep_copy(pr->value), "note",
                              pr->note ? json_string(pr->note) : json_null());
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}
