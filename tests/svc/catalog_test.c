/* svc/catalog: loading the compiled-in catalog, time limits, filters, items. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "svc/catalog.h"

enum { TSV_AUDIENCE = 4, TSV_CHANNELS = 5, TSV_TIME_LIMIT = 7, TSV_COLUMNS = 12 };

/* ---- independent reading of data/catalog.tsv ---- */

/* Copies column col of one line (ends at '\n' or NUL) into buf; false if absent. */
static bool tsv_field(const char *line, int col, char *buf, size_t cap) {
    const char *p = line;
    for (int i = 0; i < col; i++) {
        while (*p && *p != '\t' && *p != '\n') p++;
        if (*p != '\t') return false;
        p++;
    }
    size_t n = 0;
    while (p[n] && p[n] != '\t' && p[n] != '\n' && p[n] != '\r') n++;
    if (n >= cap) n = cap - 1;
    memcpy(buf, p, n);
    buf[n] = 0;
    return true;
}

/* Whether the comma list holds value as a whole element. */
static bool has_value(const char *list, const char *value) {
    size_t vl = strlen(value);
    for (const char *p = list; *p;) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        if (n == vl && strncmp(p, value, n) == 0) return true;
        if (!c) break;
        p = c + 1;
    }
    return false;
}

typedef bool (*row_pred)(const char *line, const void *arg);

/* Counts data rows (header skipped) for which pred holds. */
static int count_rows(row_pred pred, const void *arg) {
    char *text = tu_read_file(tu_source_path("data/catalog.tsv"), NULL);
    assert_non_null(text);
    int n = 0;
    const char *line = strchr(text, '\n');
    while (line && line[1]) {
        line++;
        if (*line != '\n' && pred(line, arg)) n++;
        line = strchr(line, '\n');
    }
    free(text);
    return n;
}

static bool any_row(const char *line, const void *arg) {
    (void)line; (void)arg;
    return true;
}

typedef struct col_value {
    int col;
    const char *value;
} col_value;

static bool row_has(const char *line, const void *arg) {
    const col_value *cv = arg;
    char buf[512];
    return tsv_field(line, cv->col, buf, sizeof buf) && has_value(buf, cv->value);
}

static bool row_has_both(const char *line, const void *arg) {
    const col_value *cv = arg;
    return row_has(line, &cv[0]) && row_has(line, &cv[1]);
}

static size_t list_count(tu_env *e, const char *audience, const char *channel) {
    err_detail err = {0};
    json_t *arr = NULL;
    if (catalog_list(&e->ctx, audience, channel, &arr, &err)) fail_msg("list: %s", err.message);
    size_t n = json_array_size(arr);
    json_decref(arr);
    return n;
}

/* ---- tests ---- */

static void test_loads_every_item(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_PERSON, "2026-03-02");
    int rows = count_rows(any_row, NULL);
    assert_int_equal(rows, 274);
    err_detail err = {0};
    int n = 0;
    /* Loading again updates in place: still 274 items. */
    assert_int_equal(catalog_load(e->ctx.tx, &n, &err), ERR_OK);
    assert_int_equal(n, 274);
    assert_int_equal(list_count(e, NULL, NULL), 274);
    tu_env_close(e);
}

static const struct {
    const char *text;
    int days;
} time_limits[] = {
    {"immediate", 0},
    {"immediate (employer client)", 0},
    {"immediate (terminal)", 0},
    {"immediate; paid within 5 working days", 0},
    {"1 working day", 1},
    {"3 working days", 3},
    {"5 working days", 5},
    {"10 working days", 10},
    {"11 working days", 11},
    {"review within 3 working days", 3},
    {"review within 5 working days", 5},
    {"review within 5 working days (terminal)", 5},
    {"10 working days; special cases <= 20 working days", 10},
    {"generally 10 working days; special cases <= 20 working days", 10},
    {"small single outpatient claim 5 working days; generally 10 working days; "
     "special cases <= 20 working days", 5},
    {"online 15 working days; offline 45 working days", 15},
    {"15 working days per step; 45 working days in all", 15},
    {"15 working days (processing); 45 working days (completion)", 15},
    /* the applicant's 7-day window is not the center's time limit */
    {"apply within 7 working days; completed in 15 working days", 15},
    {"instant-issue outlets on the spot; quick-issue outlets within 5 working days; "
     "online 15 working days", 5},
    /* calendar days, not working days: not a working-day limit */
    {"production 30 days", -1},
    {"within the yearly application window (usually the first half of the year)", -1},
    {"", -1},
};
enum { TIME_LIMIT_FORMS = sizeof time_limits / sizeof time_limits[0] };

static void test_parse_time_limit(void **state) {
    (void)state;
    for (int i = 0; i < TIME_LIMIT_FORMS; i++) {
        int got = catalog_parse_time_limit(time_limits[i].text);
        if (got != time_limits[i].days)
            fail_msg("\"%s\": got %d, want %d", time_limits[i].text, got, time_limits[i].days);
    }
    assert_int_equal(catalog_parse_time_limit(NULL), -1);
    assert_int_equal(catalog_parse_time_limit("30 days"), -1);
}

static bool time_limit_known(const char *line, const void *arg) {
    (void)arg;
    char buf[512];
    assert_true(tsv_field(line, TSV_TIME_LIMIT, buf, sizeof buf));
    for (int i = 0; i < TIME_LIMIT_FORMS; i++)
        if (strcmp(buf, time_limits[i].text) == 0) return true;
    fprintf(stderr, "time limit form not in the test table: \"%s\"\n", buf);
    return false;
}

/* Every form that occurs in the catalog is one the parser test covers. */
static void test_every_time_limit_form_covered(void **state) {
    (void)state;
    assert_int_equal(count_rows(time_limit_known, NULL), 274);
}

static void test_filters_match_tsv(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_NONE, "2026-03-02");
    const char *audiences[] = {"person", "unit", "institution"};
    for (int i = 0; i < 3; i++) {
        col_value cv = {TSV_AUDIENCE, audiences[i]};
        assert_int_equal(list_count(e, audiences[i], NULL), count_rows(row_has, &cv));
    }
    col_value person = {TSV_AUDIENCE, "person"};
    col_value terminal = {TSV_CHANNELS, "terminal"};
    int persons = count_rows(row_has, &person);
    int terminals = count_rows(row_has, &terminal);
    assert_int_equal(persons, 210);     /* as counted from the file when this test was written */
    assert_int_equal(terminals, 100);
    assert_int_equal(list_count(e, "person", NULL), (size_t)persons);
    assert_int_equal(list_count(e, NULL, "terminal"), (size_t)terminals);
    const char *channels[] = {"online", "app",   "terminal",       "window",
                              "bank",   "phone", "card-settlement"};
    for (int i = 0; i < 7; i++) {
        col_value cv = {TSV_CHANNELS, channels[i]};
        assert_int_equal(list_count(e, NULL, channels[i]), count_rows(row_has, &cv));
    }
    col_value both[2] = {{TSV_AUDIENCE, "unit"}, {TSV_CHANNELS, "online"}};
    assert_int_equal(list_count(e, "unit", "online"), count_rows(row_has_both, both));
    tu_env_close(e);
}

static void test_unknown_filter_refused(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_NONE, "2026-03-02");
    json_t *arr = NULL;
    err_detail err = {0};
    assert_int_equal(catalog_list(&e->ctx, "staff", NULL, &arr, &err), ERR_INVALID);
    assert_string_equal(err.code, "invalid_value");
    assert_string_equal(err.field, "audience");
    assert_null(arr);
    err_clear(&err);
    assert_int_equal(catalog_list(&e->ctx, NULL, "fax", &arr, &err), ERR_INVALID);
    assert_string_equal(err.code, "invalid_value");
    assert_string_equal(err.field, "channel");
    err_clear(&err);
    /* exact values only: no prefixes, no case folding */
    assert_int_equal(catalog_list(&e->ctx, "Person", NULL, &arr, &err), ERR_INVALID);
    err_clear(&err);
    assert_int_equal(catalog_list(&e->ctx, NULL, "card", &arr, &err), ERR_INVALID);
    assert_null(arr);
    tu_env_close(e);
}

/* OPEN and OPEN_VIA rows of the open lists (the registry's is included). */
static int count_def_rows(const char *rel, const char *needle) {
    char *text = tu_read_file(tu_source_path(rel), NULL);
    assert_non_null(text);
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p++) n++;
    free(text);
    return n;
}

static int count_open_rows_in_def(void) {
    return count_def_rows("src/svc/catalog_open.def", "\nOPEN(\"") +
           count_def_rows("src/svc/catalog_open.def", "\nOPEN_VIA(\"") +
           count_def_rows("src/svc/catalog_open_registry.def", "\nOPEN_VIA(\"") +
           count_def_rows("src/svc/catalog_open_contrib.def", "\nOPEN_VIA(\"");
}

static void test_open_items(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_NONE, "2026-03-02");
    json_t *arr = NULL;
    err_detail err = {0};
    assert_int_equal(catalog_list(&e->ctx, NULL, NULL, &arr, &err), ERR_OK);
    int open = 0;
    size_t i;
    json_t *it;
    json_array_foreach(arr, i, it) {
        bool is_open = json_is_true(json_object_get(it, "is_open"));
        open += is_open;
        assert_string_equal(json_string_value(json_object_get(it, "status")),
                            is_open ? "open" : "暂未开通");
    }
    json_array_foreach(arr, i, it) {
        const char *op = json_string_value(json_object_get(it, "operation"));
        if (op) assert_true(json_is_true(json_object_get(it, "is_open")));
    }
    json_decref(arr);
    assert_int_equal(open, count_open_rows_in_def());
    assert_true(open >= 5);
    tu_env_close(e);
}

static const char *jstr(const json_t *o, const char *key) {
    const char *s = json_string_value(json_object_get(o, key));
    assert_non_null(s);
    return s;
}

static void test_item_json(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_NONE, "2026-03-02");
    err_detail err = {0};
    json_t *o = NULL;
    assert_int_equal(catalog_get_json(&e->ctx, "med.offsite.temporary", &o, &err), ERR_OK);
    assert_string_equal(jstr(o, "id"), "med.offsite.temporary");
    assert_string_equal(jstr(o, "name"), "临时外出就医人员备案");
    assert_string_equal(jstr(o, "time_limit"), "immediate");
    assert_int_equal(json_integer_value(json_object_get(o, "time_limit_workdays")), 0);
    assert_true(json_is_true(json_object_get(o, "is_open")));
    assert_string_equal(jstr(o, "status"), "open");
    json_t *aud = json_object_get(o, "audience");
    assert_int_equal(json_array_size(aud), 1);
    assert_string_equal(json_string_value(json_array_get(aud, 0)), "person");
    assert_int_equal(json_array_size(json_object_get(o, "channels")), 4);
    json_t *off = json_object_get(o, "offices");
    assert_int_equal(json_array_size(off), 2);
    assert_string_equal(json_string_value(json_array_get(off, 1)), "办事处");
    json_t *mat = json_object_get(o, "materials");
    assert_int_equal(json_array_size(mat), 2);
    assert_string_equal(json_string_value(json_array_get(mat, 0)), "医保电子凭证或居民身份证或社会保障卡");
    json_decref(o);

    assert_int_equal(catalog_get_json(&e->ctx, "hf.withdraw.sealed", &o, &err), ERR_OK);
    assert_string_equal(jstr(o, "status"), "暂未开通");
    assert_false(json_is_true(json_object_get(o, "is_open")));
    assert_int_equal(json_integer_value(json_object_get(o, "time_limit_workdays")), 5);
    json_decref(o);

    /* time limit not stated: null; materials "无": none; no channels stated: [] */
    assert_int_equal(catalog_get_json(&e->ctx, "inj.offsite.referral", &o, &err), ERR_OK);
    assert_true(json_is_null(json_object_get(o, "time_limit_workdays")));
    json_decref(o);
    assert_int_equal(catalog_get_json(&e->ctx, "unit.online-payment-permission", &o, &err), ERR_OK);
    assert_int_equal(json_array_size(json_object_get(o, "materials")), 0);
    assert_int_equal(json_array_size(json_object_get(o, "offices")), 0);
    json_decref(o);

    o = NULL;
    assert_int_equal(catalog_get_json(&e->ctx, "no.such.item", &o, &err), ERR_NOT_FOUND);
    assert_string_equal(err.code, "item_not_found");
    assert_null(o);
    tu_env_close(e);
}

static void test_item_struct(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_NONE, "2026-03-02");
    err_detail err = {0};
    catalog_item it;
    assert_int_equal(catalog_get(&e->ctx, "med.dual-channel-drug", &it, &err), ERR_OK);
    assert_string_equal(it.id, "med.dual-channel-drug");
    assert_string_equal(it.audience, "person,institution");
    assert_string_equal(it.channels, "online,window");
    assert_int_equal(it.time_limit_workdays, 1);
    assert_true(it.is_open);
    assert_int_equal(it.material_count, 3);
    assert_string_equal(it.materials[2], "疾病诊断材料（检验报告、出院小结、门诊病历等）");
    assert_true(catalog_list_has(it.audience, "institution"));
    assert_false(catalog_list_has(it.audience, "unit"));
    assert_false(catalog_list_has(it.audience, "pers"));

    assert_int_equal(catalog_get(&e->ctx, "med.retire.approval.gov", &it, &err), ERR_OK);
    assert_int_equal(it.time_limit_workdays, 15);
    assert_int_equal(catalog_get(&e->ctx, "card.apply.unit-batch", &it, &err), ERR_OK);
    assert_int_equal(it.time_limit_workdays, -1);
    assert_false(it.is_open);

    memset(&it, 0x5a, sizeof it);
    assert_int_equal(catalog_get(&e->ctx, "", &it, &err), ERR_NOT_FOUND);
    assert_int_equal((unsigned char)it.id[0], 0x5a);   /* output untouched */
    tu_env_close(e);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loads_every_item),
        cmocka_unit_test(test_parse_time_limit),
        cmocka_unit_test(test_every_time_limit_form_covered),
        cmocka_unit_test(test_filters_match_tsv),
        cmocka_unit_test(test_unknown_filter_refused),
        cmocka_unit_test(test_open_items),
        cmocka_unit_test(test_item_json),
        cmocka_unit_test(test_item_struct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
