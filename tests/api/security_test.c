/* Hostile callers against the real server with the demo data. Each test
 * names what it tries and what must happen (docs/security.md lists them with
 * the threat each covers). The bodies of the write routes are the seed
 * inputs of the route fuzzer (fuzz/corpus/route/seed-*-1-*: every member the
 * route's request schema names), so a walk over the routing table sends
 * each route a body that passes its checks of form. */
#include <curl/curl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "svc/demo.h"
#include "base/crypto.h"
#include "testutil.h"

static tu_server *srv;
static char *admin, *finance, *unit_a, *unit_b, *person_a;   /* tokens */
static int64_t unit_a_id, unit_b_id, person_a_id;
static int64_t person_b_id;       /* employed at unit B, not at A, not person A */
static int64_t employment_b_id;   /* one of person B's at unit B */
static int64_t bill_b_id;         /* a bill of unit B */
static int64_t application_b_id;  /* an application of another person */

static int64_t member_id(tu_resp *r, const char *obj, const char *name) {
    json_t *o = obj ? json_object_get(r->json, obj) : r->json;
    return json_integer_value(json_object_get(o, name));
}

static int64_t current_id(const char *token, const char *name) {
    tu_resp r = tu_http(srv, "GET", "/api/v1/sessions/current", token, NULL, NULL);
    assert_int_equal(r.status, 200);
    int64_t id = member_id(&r, "user", name);
    tu_resp_free(&r);
    assert_true(id > 0);
    return id;
}

/* A unit's current employees, as admin sees them. */
static tu_resp employees_of(int64_t unit) {
    char path[128];
    snprintf(path, sizeof path, "/api/v1/units/%lld/employees", (long long)unit);
    tu_resp r = tu_http(srv, "GET", path, admin, NULL, NULL);
    assert_int_equal(r.status, 200);
    return r;
}

static bool employed_at(int64_t unit, int64_t person) {
    tu_resp r = employees_of(unit);
    size_t i;
    json_t *it;
    bool found = false;
    json_array_foreach(json_object_get(r.json, "items"), i, it)
        if (json_integer_value(json_object_get(it, "person_id")) == person) found = true;
    tu_resp_free(&r);
    return found;
}

/* An application submitted by the second demo person (not person A) for an
 * open person item that has no operation of its own. */
static int64_t other_persons_application(void) {
    const demo_login *pb = tu_demo_login("person", 1);
    char *tok = tu_sign_in(srv, "person", pb->login, pb->password);
    assert_true(current_id(tok, "person_id") != person_a_id);
    tu_resp r = tu_http(srv, "GET", "/api/v1/catalog?audience=person", NULL, NULL, NULL);
    size_t i;
    json_t *it;
    char body[256] = "";
    json_array_foreach(json_object_get(r.json, "items"), i, it) {
        if (!json_is_true(json_object_get(it, "is_open")) || !json_is_null(json_object_get(it, "operation")))
            continue;
        snprintf(body, sizeof body, "{\"item_id\":\"%s\",\"payload\":{\"备注\":\"x\"}}",
                 json_string_value(json_object_get(it, "id")));
        break;
    }
    tu_resp_free(&r);
    assert_true(body[0]);
    r = tu_http(srv, "POST", "/api/v1/applications", tok, body, NULL);
    if (r.status != 201) fail_msg("the other person's application: %ld %s", r.status, r.body);
    int64_t id = member_id(&r, NULL, "id");
    if (!id) id = member_id(&r, "application", "id");
    tu_resp_free(&r);
    free(tok);
    return id;
}

/* Person B, an employment and a bill of unit B, and another person's application. */
static void find_unit_b_records(void) {
    char path[128];
    tu_resp r = employees_of(unit_b_id);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(r.json, "items"), i, it) {
        int64_t pid = json_integer_value(json_object_get(it, "person_id"));
        json_t *emp = json_array_get(json_object_get(it, "employments"), 0);
        int64_t eid = json_integer_value(json_object_get(emp, "employment_id"));
        if (!eid) eid = json_integer_value(json_object_get(emp, "id"));
        if (pid != person_a_id && eid && !employed_at(unit_a_id, pid)) {
            person_b_id = pid;
            employment_b_id = eid;
            break;
        }
    }
    tu_resp_free(&r);
    assert_true(person_b_id > 0 && employment_b_id > 0);
    snprintf(path, sizeof path, "/api/v1/units/%lld/bills", (long long)unit_b_id);
    r = tu_http(srv, "GET", path, admin, NULL, NULL);
    assert_int_equal(r.status, 200);
    json_t *bill = json_array_get(json_object_get(r.json, "items"), 0);
    bill_b_id = json_integer_value(json_object_get(bill, "id"));
    if (!bill_b_id) bill_b_id = json_integer_value(json_object_get(bill, "bill_id"));
    tu_resp_free(&r);
    assert_true(bill_b_id > 0);
    application_b_id = other_persons_application();
    assert_true(application_b_id > 0);
}

static int setup(void **state) {
    srv = tu_server_start("2026-11-23", 1);
    admin = tu_sign_in(srv, "staff", "admin", "Staff@2026");
    finance = tu_sign_in(srv, "staff", "finance01", "Staff@2026");
    const demo_login *ua = tu_demo_login("unit", 0), *ub = tu_demo_login("unit", 1), *pa = tu_demo_login("person", 0);
    unit_a = tu_sign_in(srv, "unit", ua->login, ua->password);
    unit_b = tu_sign_in(srv, "unit", ub->login, ub->password);
    person_a = tu_sign_in(srv, "person", pa->login, pa->password);
    unit_a_id = current_id(unit_a, "unit_id");
    unit_b_id = current_id(unit_b, "unit_id");
    person_a_id = current_id(person_a, "person_id");
    assert_true(unit_a_id != unit_b_id);
    find_unit_b_records();
    return 0;
}

static int teardown(void **state) {
    free(admin);
    free(finance);
    free(unit_a);
    free(unit_b);
    free(person_a);
    tu_server_stop(srv);
    return 0;
}

/* ---- the seed bodies of the route fuzzer ---- */

/* The slug fuzz/seed_routes.py names a route's seed files by. */
static void slug_of(const char *pattern, char *out, size_t cap) {
    size_t o = 0;
    bool dash = false;
    for (const char *p = pattern; *p && o + 2 < cap; p++) {
        char c = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
        bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (keep) {
            if (dash && o > 0) out[o++] = '-';
            out[o++] = c;
            dash = false;
        } else {
            dash = true;
        }
    }
    out[o] = 0;
}

/* The body of rt's seed with every member, or "{}" when there is none. malloc'd. */
static char *seed_body(const api_route *rt) {
    char slug[256], dir[1024];
    slug_of(rt->pattern, slug, sizeof slug);
    snprintf(dir, sizeof dir, "%s", tu_source_path("fuzz/corpus/route"));
    DIR *d = opendir(dir);
    assert_non_null(d);
    char *best = NULL;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        if (strncmp(n, "seed-", 5) != 0 || strlen(n) < 12 || strncmp(n + 8, "-1-", 3) != 0 ||
            strcmp(n + 11, slug) != 0)
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, n);
        size_t len = 0;
        char *text = tu_read_file(path, &len);
        if (text && len > 2 && text[2] == '{' && !best) {
            best = strdup(text + 2);
        }
        free(text);
    }
    closedir(d);
    return best ? best : strdup("{}");
}

static bool writes(const api_route *rt) {
    return strcmp(rt->method, "GET") != 0 && strcmp(rt->method, "DELETE") != 0;
}

/* ---- tokens ---- */

/* Tries: a person's, a unit operator's and a clerk's token on routes their role
 * may not call. Must: 403 forbidden, and nothing done. */
static void token_of_another_role_is_forbidden(void **state) {
    char *clerk = tu_sign_in(srv, "staff", "clerk01", "Staff@2026");
    struct { const char *token, *method, *path; } cases[] = {
        {person_a, "GET", "/api/v1/units"},            {person_a, "GET", "/api/v1/audit"},
        {person_a, "POST", "/api/v1/persons"},         {person_a, "POST", "/api/v1/months/2026-11/run"},
        {unit_a, "GET", "/api/v1/audit"},              {unit_a, "POST", "/api/v1/users"},
        {unit_a, "GET", "/api/v1/persons"},            {unit_a, "POST", "/api/v1/bank-replies"},
        {clerk, "POST", "/api/v1/months/2026-11/run"}, {clerk, "POST", "/api/v1/users"},
        {clerk, "GET", "/api/v1/ledger/verify"},       {finance, "POST", "/api/v1/users/unlock"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tu_resp r = tu_http(srv, cases[i].method, cases[i].path, cases[i].token,
                            strcmp(cases[i].method, "GET") ? "{}" : NULL, NULL);
        if (r.status != 403) fail_msg("%s %s: %ld %s", cases[i].method, cases[i].path, r.status, r.body);
        assert_string_equal(tu_err_code(&r), "forbidden");
        tu_resp_free(&r);
    }
    free(clerk);
}

static long session_status(const char *token) {
    tu_resp r = tu_http(srv, "GET", "/api/v1/sessions/current", token, NULL, NULL);
    long s = r.status;
    if (s == 401) assert_true(strlen(tu_err_code(&r)) > 0);
    tu_resp_free(&r);
    return s;
}

/* Tries: a real token with one character changed, cut short, lengthened,
 * upper-cased, as SQL, empty, 10 KB long, and with a bad scheme. Must: 401
 * for each (the token is looked up by its hash; nothing partial matches). */
static void tampered_token_is_unauthorized(void **state) {
    char *tok = tu_sign_in(srv, "staff", "reviewer01", "Staff@2026");
    assert_int_equal(session_status(tok), 200);
    char bad[12000];
    snprintf(bad, sizeof bad, "%s", tok);
    bad[10] = bad[10] == 'a' ? 'b' : 'a';
    assert_int_equal(session_status(bad), 401);
    snprintf(bad, sizeof bad, "%.63s", tok);
    assert_int_equal(session_status(bad), 401);
    snprintf(bad, sizeof bad, "%s0", tok);
    assert_int_equal(session_status(bad), 401);
    snprintf(bad, sizeof bad, "%s", tok);
    for (char *p = bad; *p; p++)
        if (*p >= 'a' && *p <= 'f') *p = (char)(*p - 'a' + 'A');
    assert_int_equal(session_status(bad), 401);
    assert_int_equal(session_status("' OR '1'='1' --"), 401);
    assert_int_equal(session_status(""), 401);
    int n = snprintf(bad, sizeof bad, "Authorization: Bearer ");
    memset(bad + n, 'a', 10000);
    bad[n + 10000] = 0;
    tu_resp r = tu_http(srv, "GET", "/api/v1/sessions/current", NULL, NULL, bad);
    assert_true(r.status == 401 || r.status == 431 || r.status == 413);
    tu_resp_free(&r);
    char header[200];
    snprintf(header, sizeof header, "Authorization: Basic %s", tok);
    r = tu_http(srv, "GET", "/api/v1/sessions/current", NULL, NULL, header);
    assert_int_equal(r.status, 401);
    tu_resp_free(&r);
    assert_int_equal(session_status(tok), 200);   /* the real one still works */
    free(tok);
}


/* Tries: a token after its expiry time, and a token after sign-out. Must: 401
 * for both; another session of the same account is unaffected. */
static void expired_and_signed_out_tokens_are_unauthorized(void **state) {
    char *a = tu_sign_in(srv, "staff", "clerk01", "Staff@2026");
    char *b = tu_sign_in(srv, "staff", "clerk01", "Staff@2026");
    assert_int_equal(session_status(a), 200);
    char hash[CRYPTO_SHA256_HEX_BYTES], sql[200];
    crypto_sha256_hex(a, strlen(a), hash);   /* sessions keep the token's hash */
    snprintf(sql, sizeof sql, "UPDATE sessions SET expires_at_ms = 1 WHERE token_hash = '%s'", hash);
    tu_sql(srv->env, sql);
    assert_int_equal(session_status(a), 401);
    assert_int_equal(session_status(b), 200);
    tu_resp r = tu_http(srv, "DELETE", "/api/v1/sessions/current", b, NULL, NULL);
    assert_int_equal(r.status, 200);
    tu_resp_free(&r);
    assert_int_equal(session_status(b), 401);
    free(a);
    free(b);
}

/* ---- other units' and persons' records ---- */

/* The id of unit B's record of the kind the path names (a person's, an
 * employment's, a bill's, ...), or 0 when the route is not about one. */
static int64_t foreign_id(const char *pattern, const char *param) {
    if (strcmp(param, "employment_id") == 0) return employment_b_id;
    if (strcmp(param, "id") != 0) return 0;
    if (strncmp(pattern, "/api/v1/units/", 14) == 0) return unit_b_id;
    if (strncmp(pattern, "/api/v1/persons/", 16) == 0) return person_b_id;
    if (strncmp(pattern, "/api/v1/employments/", 20) == 0) return employment_b_id;
    if (strncmp(pattern, "/api/v1/bills/", 14) == 0) return bill_b_id;
    if (strncmp(pattern, "/api/v1/applications/", 21) == 0) return application_b_id;
    return 0;
}

/* The pattern with every {param} replaced by value_of(pattern, param);
 * false when it has none for a parameter. */
typedef bool (*param_value_fn)(const char *pattern, const char *param, char out[24]);

static bool fill_path(const char *pattern, param_value_fn value_of, char *out, size_t cap) {
    size_t o = 0;
    for (const char *p = pattern; *p && o + 24 < cap;) {
        if (*p != '{') {
            out[o++] = *p++;
            continue;
        }
        const char *close = strchr(p, '}');
        char name[32], value[24];
        snprintf(name, sizeof name, "%.*s", (int)(close - p - 1), p + 1);
        if (!value_of(pattern, name, value)) return false;
        o += (size_t)snprintf(out + o, cap - o, "%s", value);
        p = close + 1;
    }
    out[o] = 0;
    return true;
}

static bool foreign_value(const char *pattern, const char *param, char out[24]) {
    int64_t id = foreign_id(pattern, param);
    snprintf(out, 24, "%lld", (long long)id);
    return id != 0;
}

/* Calls every route with an id in its path, as token, with unit B's record;
 * returns how many were tried. Must: 403 or 404, never a 2xx (a write may
 * also be refused for its form first, 400, before any record is read). */
static int walk_foreign_ids(const char *token, svc_role role, const char *who) {
    int tried = 0, by_form = 0;
    for (int i = 0; i < api_route_count; i++) {
        const api_route *rt = &api_routes[i];
        char path[256];
        if (rt->roles == ROLES_PUBLIC || !(rt->roles & ROLE_BIT(role)) || !strchr(rt->pattern, '{') ||
            !fill_path(rt->pattern, foreign_value, path, sizeof path))
            continue;
        if (role == ROLE_PERSON && strncmp(rt->pattern, "/api/v1/applications/", 21) != 0 &&
            strncmp(rt->pattern, "/api/v1/persons/", 16) != 0 && strncmp(rt->pattern, "/api/v1/units/", 14) != 0 &&
            strncmp(rt->pattern, "/api/v1/bills/", 14) != 0 && strncmp(rt->pattern, "/api/v1/employments/", 20) != 0)
            continue;
        char *body = writes(rt) ? seed_body(rt) : NULL;
        tu_resp r = tu_http(srv, rt->method, path, token, body, NULL);
        if (r.status != 403 && r.status != 404 && !(body && r.status == 400))
            fail_msg("%s %s %s with unit B's record: %ld %s (body %s)", who, rt->method, path, r.status, r.body,
                     body ? body : "");
        by_form += r.status == 400;
        tu_resp_free(&r);
        free(body);
        tried++;
    }
    print_message("%s: %d routes with ids of unit B's records refused, %d of them for the body's form\n", who,
                  tried, by_form);
    return tried;
}

/* Tries: unit A's operator on every route with an id in its path (any role
 * the route admits), with unit B's unit, person, employment, bill and
 * application. Must: 403 or 404 every time. */
static void unit_token_with_another_units_ids_is_refused(void **state) {
    int tried = walk_foreign_ids(unit_a, ROLE_UNIT, "unit A");
    assert_true(tried >= 20);
}

/* Tries: person A on every route with an id in its path that a person may
 * call, with another person's id (employed at unit B) and unit B's records.
 * Must: 403 or 404 every time. */
static void person_token_with_another_persons_ids_is_refused(void **state) {
    int tried = walk_foreign_ids(person_a, ROLE_PERSON, "person A");
    assert_true(tried >= 8);
}

/* Tries: unit A's operator naming unit B or B's employee in a body: enrolling
 * into unit B, terminating B's employment, a back-payment for unit B, a
 * roster for unit B. Must: 403 or 404 (or 400/422 naming the field), never 2xx,
 * and unit B's employee stays employed. */
static void unit_token_with_another_units_ids_in_body_is_refused(void **state) {
    char body[512];
    struct { const char *method, *path, *fmt; } cases[] = {
        {"POST", "/api/v1/enrolments",
         "{\"unit_id\":%lld,\"id_number\":\"320594199001010116\",\"name\":\"甲\",\"start_date\":\"2026-11-02\"}"},
        {"POST", "/api/v1/terminations",
         "{\"employment_id\":%lld,\"end_date\":\"2026-11-20\",\"reason\":\"contract_expired\"}"},
        {"POST", "/api/v1/backpays", "{\"unit_id\":%lld,\"person_id\":1,\"from_month\":\"2026-08\",\"to_month\":\"2026-08\"}"},
        {"POST", "/api/v1/projects", "{\"unit_id\":%lld,\"name\":\"x\"}"},
    };
    int64_t ids[] = {unit_b_id, employment_b_id, unit_b_id, unit_b_id};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(body, sizeof body, cases[i].fmt, (long long)ids[i]);
        tu_resp r = tu_http(srv, cases[i].method, cases[i].path, unit_a, body, NULL);
        if (r.status / 100 == 2 || r.status >= 500)
            fail_msg("unit A %s %s %s: %ld %s", cases[i].method, cases[i].path, body, r.status, r.body);
        tu_resp_free(&r);
    }
    char path[128];
    snprintf(path, sizeof path, "/api/v1/enrolments/roster?unit_id=%lld", (long long)unit_b_id);
    tu_resp r = tu_http(srv, "POST", path, unit_a, "证件号码,姓名,用工日期\n320594199001010116,甲,2026-11-02\n",
                        "Content-Type: text/csv");
    if (r.status / 100 == 2 || r.status >= 500) fail_msg("unit A roster for unit B: %ld %s", r.status, r.body);
    tu_resp_free(&r);
    assert_true(employed_at(unit_b_id, person_b_id));
}

/* For a path with the caller's own records: unit A, the month and year of the
 * business date, 1 for other ids. */
static bool own_value(const char *pattern, const char *param, char out[24]) {
    if (strncmp(pattern, "/api/v1/units/", 14) == 0) snprintf(out, 24, "%lld", (long long)unit_a_id);
    else if (strcmp(param, "month") == 0) snprintf(out, 24, "2026-11");
    else if (strcmp(param, "year") == 0 || strcmp(param, "period") == 0) snprintf(out, 24, "2026");
    else snprintf(out, 24, "1");
    return true;
}

static bool ends_with(const char *s, const char *tail) {
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && strcmp(s + n - t, tail) == 0;
}

/* The seed's placeholder dates and months made real, so that a refusal is
 * about whose record it is, not the form. */
static void well_formed_dates(json_t *body) {
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v) {
        if (!json_is_string(v)) continue;
        if (ends_with(key, "date")) json_object_set_new(body, key, json_string("2026-11-02"));
        else if (ends_with(key, "month")) json_object_set_new(body, key, json_string("2026-10"));
    }
}

/* Sends every write route token's role may call, whose seed body names
 * `member` at its top level, with that member set to id (and id_number
 * dropped, which some routes take instead); the path's ids are the caller's
 * own (unit A, else 1). Must: never a 2xx or a 5xx. Returns how many. */
static int walk_body_ids(const char *token, svc_role role, const char *member, int64_t id,
                         bool unit_paths_only) {
    int tried = 0;
    for (int i = 0; i < api_route_count; i++) {
        const api_route *rt = &api_routes[i];
        if (!writes(rt) || rt->roles == ROLES_PUBLIC || !(rt->roles & ROLE_BIT(role)) ||
            (unit_paths_only && strncmp(rt->pattern, "/api/v1/units/{id}", 18) != 0))
            continue;
        char *seed = seed_body(rt);
        json_t *body = json_loads(seed, 0, NULL);
        free(seed);
        if (!json_object_get(body, member)) {
            json_decref(body);
            continue;
        }
        json_object_set_new(body, member, json_integer(id));
        json_object_del(body, "id_number");
        well_formed_dates(body);
        char path[256], *text = json_dumps(body, JSON_COMPACT);
        fill_path(rt->pattern, own_value, path, sizeof path);
        tu_resp r = tu_http(srv, rt->method, path, token, text, NULL);
        if (r.status / 100 == 2 || r.status >= 500)
            fail_msg("%s %s with %s of another: %ld %s (body %s)", rt->method, path, member, r.status, r.body, text);
        tu_resp_free(&r);
        free(text);
        json_decref(body);
        tried++;
    }
    return tried;
}

/* Tries: every write route a unit operator may call whose body names a
 * unit_id, with unit B's; those under /units/{id} (unit A's own) whose body
 * names a person_id, with a person not employed by A; every write route a
 * person may call whose body names a person_id, with another person's.
 * Must: never a 2xx or 5xx. */
static void other_ids_in_every_body_are_refused(void **state) {
    int tried = walk_body_ids(unit_a, ROLE_UNIT, "unit_id", unit_b_id, false);
    tried += walk_body_ids(unit_a, ROLE_UNIT, "person_id", person_b_id, true);
    int by_person = walk_body_ids(person_a, ROLE_PERSON, "person_id", person_b_id, false);
    print_message("%d write routes sent another unit's or person's id in the body as unit A, %d as person A\n",
                  tried, by_person);
    assert_true(tried >= 5 && by_person >= 5);
}

/* ---- static files ---- */

/* Tries: leaving web/ by the static file path: plain, percent-encoded
 * (%2e%2e, %2f), double-encoded (%252e), with backslashes, with a NUL
 * (%00), through an existing directory. Must: 400 or 404, and never the
 * content of a file outside web/ (meson.build, /etc/passwd). */
static void static_path_traversal_is_refused(void **state) {
    static const char *const paths[] = {
        "/../meson.build", "/../../../../etc/passwd", "/self/../../meson.build",
        "/%2e%2e/meson.build", "/%2E%2E/%2E%2E/etc/passwd", "/..%2fmeson.build", "/self%2f..%2f..%2fmeson.build",
        "/%252e%252e/meson.build", "/%252e%252e%252fmeson.build", "/..\\meson.build", "/..%5cmeson.build",
        "/self\\..\\..\\meson.build", "/index.html%00.png", "/%00../meson.build", "/.%2e/meson.build",
        "//etc/passwd", "/%2fetc%2fpasswd", "/....//meson.build", "/self/.%2e/.%2e/meson.build",
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        tu_resp r = tu_http(srv, "GET", paths[i], NULL, NULL, NULL);
        if (r.status != 400 && r.status != 404 && r.status != 403)
            fail_msg("GET %s: %ld", paths[i], r.status);
        assert_null(strstr(r.body, "project('sipf'"));
        assert_null(strstr(r.body, "root:x:0:0"));
        tu_resp_free(&r);
    }
    tu_resp ok = tu_http(srv, "GET", "/index.html", NULL, NULL, NULL);   /* the real thing still serves */
    assert_int_equal(ok.status, 200);
    tu_resp_free(&ok);
}

/* ---- text fields ---- */

static const char *token_for(const api_route *rt) {
    if (rt->roles == ROLES_PUBLIC || (rt->roles & ROLE_BIT(ROLE_ADMIN))) return admin;
    if (rt->roles & ROLE_BIT(ROLE_FINANCE)) return finance;
    if (rt->roles & ROLE_BIT(ROLE_UNIT)) return unit_a;
    if (rt->roles & ROLE_BIT(ROLE_PERSON)) return person_a;
    return NULL;
}

static int texts_sent;

/* Sends body with each of its string members (top level and one level down)
 * replaced by value in turn. Must: never a 5xx. */
static void each_text_member(const api_route *rt, const char *path, const char *token, json_t *body,
                             json_t *obj, const char *value) {
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        if (json_is_object(v)) {
            if (obj == body) each_text_member(rt, path, token, body, v, value);
            continue;
        }
        if (!json_is_string(v)) continue;
        json_t *saved = json_incref(v);
        json_object_set_new(obj, key, json_string(value));
        char *text = json_dumps(body, JSON_COMPACT);
        tu_resp r = tu_http(srv, rt->method, path, token, text, NULL);
        if (r.status >= 500 || r.status < 200)
            fail_msg("%s %s with %s = %.40s...: %ld %s", rt->method, path, key, value, r.status, r.body);
        tu_resp_free(&r);
        free(text);
        json_object_set(obj, key, saved);
        json_decref(saved);
        texts_sent++;
    }
}

/* Tries: every text member of every write route's body as SQL
 * metacharacters, as 5,000 and 100,000 bytes, and as 3,000 Chinese
 * characters. Must: stored as text or refused with a 4xx, never a 5xx; the
 * server answers afterwards and the person table is whole. */
static void sql_metacharacters_and_long_strings_never_5xx(void **state) {
    char *long5k = malloc(5001), *long100k = malloc(100001), *zh = malloc(9001);
    memset(long5k, 'A', 5000);
    long5k[5000] = 0;
    memset(long100k, 'B', 100000);
    long100k[100000] = 0;
    for (int i = 0; i < 3000; i++) memcpy(zh + 3 * i, "张", 3);
    zh[9000] = 0;
    const char *values[] = {"x'); DROP TABLE persons; --", "\" OR 1=1 -- %_ \\' ; SELECT * FROM users",
                            long5k, long100k, zh};
    for (int i = 0; i < api_route_count; i++) {
        const api_route *rt = &api_routes[i];
        const char *token = token_for(rt);
        if (!writes(rt) || !token || rt->handler == h_session_create || rt->handler == h_password_change ||
            rt->handler == h_user_password_reset || rt->tx == TX_NONE)
            continue;
        char *seed = seed_body(rt);
        json_t *body = json_loads(seed, 0, NULL);
        free(seed);
        if (!json_is_object(body)) {
            json_decref(body);
            continue;
        }
        char path[256];
        fill_path(rt->pattern, own_value, path, sizeof path);
        for (size_t v = 0; v < sizeof values / sizeof values[0]; v++)
            each_text_member(rt, path, token, body, body, values[v]);
        json_decref(body);
    }
    print_message("%d bodies with a hostile text member sent\n", texts_sent);
    assert_true(texts_sent >= 100);
    free(long5k);
    free(long100k);
    free(zh);
    char path[128];
    snprintf(path, sizeof path, "/api/v1/persons/%lld", (long long)person_b_id);
    tu_resp r = tu_http(srv, "GET", path, admin, NULL, NULL);
    assert_int_equal(r.status, 200);
    tu_resp_free(&r);
    r = tu_http(srv, "GET", "/api/v1/persons?q=%27%20OR%20%271%27%3D%271", admin, NULL, NULL);
    assert_true(r.status == 200 || r.status == 400);
    tu_resp_free(&r);
}

/* ---- sign-in flooding ---- */

typedef struct flood_answer {
    long status;
    long retry_after_s;
} flood_answer;

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud) {
    flood_answer *a = ud;
    size_t n = size * nmemb;
    if (n > 13 && strncasecmp(ptr, "Retry-After: ", 13) == 0) a->retry_after_s = strtol(ptr + 13, NULL, 10);
    return n;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud) { return size * nmemb; }

/* One sign-in from source address `from` (127.0.0.x: every one is this
 * host), with an X-Forwarded-For header when xff is not NULL. */
static flood_answer sign_in_via(int port, const char *from, const char *xff, const char *body) {
    flood_answer a = {0, 0};
    CURL *c = curl_easy_init();
    char url[128], iface[64], fwd[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v1/sessions", port);
    snprintf(iface, sizeof iface, "host!%s", from);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    snprintf(fwd, sizeof fwd, "X-Forwarded-For: %s", xff ? xff : "");
    if (xff) h = curl_slist_append(h, fwd);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_INTERFACE, iface);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &a);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    if (curl_easy_perform(c) != CURLE_OK) fail_msg("sign-in from %s failed to connect", from);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a.status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return a;
}

static flood_answer sign_in_from(int port, const char *from, const char *body) {
    return sign_in_via(port, from, NULL, body);
}

/* Tries: sign-in attempts from one address past its allowance (a server
 * allowing a burst of 3 and 6 a minute), against several accounts, then with
 * the right password, then from another address. Must: the first 3 answer as
 * usual (401), the rest 429 rate_limited with Retry-After of at least 1 s,
 * the right password too while limited; another address still signs in
 * (201). The per-account lock is separate (tests/api/session_test.c). */
static void signin_flood_from_one_address_is_rate_limited(void **state) {
    api_config cfg = {.listen = "127.0.0.1:0", .as_of = srv->env->ctx.business_date, .threads = 2,
                      .quiet = true, .signin_per_minute = 6, .signin_burst = 3};
    api_server *limited;
    err_detail err = {0};
    assert_int_equal(api_server_start(&cfg, srv->env->st, srv->env->pol, srv->env->cal, &limited, &err), ERR_OK);
    int port = api_server_port(limited);
    static const char *const users[] = {"clerk01", "reviewer01", "finance01", "admin", "clerk01", "nobody"};
    char body[160];
    for (int i = 0; i < 6; i++) {
        snprintf(body, sizeof body, "{\"role\":\"staff\",\"username\":\"%s\",\"password\":\"Wrong@%d\"}", users[i], i);
        flood_answer a = sign_in_from(port, "127.0.0.3", body);
        if (i < 3) {
            assert_int_equal(a.status, 401);
        } else {
            assert_int_equal(a.status, 429);
            assert_true(a.retry_after_s >= 1 && a.retry_after_s <= 10);
        }
    }
    const char *good = "{\"role\":\"staff\",\"username\":\"finance01\",\"password\":\"Staff@2026\"}";
    assert_int_equal(sign_in_from(port, "127.0.0.3", good).status, 429);
    assert_int_equal(sign_in_from(port, "127.0.0.4", good).status, 201);
    api_server_stop(limited);
    /* the test server itself has no limit (tests sign in often): same address, many attempts */
    for (int i = 0; i < 8; i++)
        assert_int_equal(sign_in_from(srv->port, "127.0.0.3", good).status, 201);
}

/* Tries: behind a trusted balancer (127.0.0.5, --trust-proxy), a flood from
 * one client it forwards; then another client through it; then a client
 * that is not the balancer sending X-Forwarded-For of its own. Must: the
 * flooding client is limited by the address the balancer names (401 x2, then
 * 429), another forwarded client still signs in (201); the direct client's
 * header is not believed: its attempts count against its own address, and
 * a forwarded address it names is not spent. */
static void signin_limit_behind_a_trusted_proxy(void **state) {
    api_config cfg = {.listen = "127.0.0.1:0", .as_of = srv->env->ctx.business_date, .threads = 2,
                      .quiet = true, .signin_per_minute = 6, .signin_burst = 2,
                      .trusted_proxies = "127.0.0.5"};
    api_server *limited;
    err_detail err = {0};
    assert_int_equal(api_server_start(&cfg, srv->env->st, srv->env->pol, srv->env->cal, &limited, &err), ERR_OK);
    int port = api_server_port(limited);
    const char *bad = "{\"role\":\"staff\",\"username\":\"nobody\",\"password\":\"Wrong@1\"}";
    const char *good = "{\"role\":\"staff\",\"username\":\"finance01\",\"password\":\"Staff@2026\"}";
    assert_int_equal(sign_in_via(port, "127.0.0.5", "203.0.113.7", bad).status, 401);
    assert_int_equal(sign_in_via(port, "127.0.0.5", "198.51.100.1, 203.0.113.7", bad).status, 401);
    assert_int_equal(sign_in_via(port, "127.0.0.5", "203.0.113.7", good).status, 429);
    assert_int_equal(sign_in_via(port, "127.0.0.5", "203.0.113.8", good).status, 201);
    assert_int_equal(sign_in_via(port, "127.0.0.6", "203.0.113.9", bad).status, 401);
    assert_int_equal(sign_in_via(port, "127.0.0.6", "203.0.113.10", bad).status, 401);
    assert_int_equal(sign_in_via(port, "127.0.0.6", "203.0.113.11", good).status, 429);
    assert_int_equal(sign_in_via(port, "127.0.0.5", "203.0.113.9", good).status, 201);
    api_server_stop(limited);
    cfg.trusted_proxies = "127.0.0.5,balancer";
    assert_int_equal(api_server_start(&cfg, srv->env->st, srv->env->pol, srv->env->cal, &limited, &err), ERR_INVALID);
    assert_string_equal(err.code, "invalid_trust_proxy");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(token_of_another_role_is_forbidden),
        cmocka_unit_test(tampered_token_is_unauthorized),
        cmocka_unit_test(expired_and_signed_out_tokens_are_unauthorized),
        cmocka_unit_test(unit_token_with_another_units_ids_is_refused),
        cmocka_unit_test(person_token_with_another_persons_ids_is_refused),
        cmocka_unit_test(unit_token_with_another_units_ids_in_body_is_refused),
        cmocka_unit_test(other_ids_in_every_body_are_refused),
        cmocka_unit_test(static_path_traversal_is_refused),
        cmocka_unit_test(sql_metacharacters_and_long_strings_never_5xx),
        cmocka_unit_test(signin_flood_from_one_address_is_rate_limited),
        cmocka_unit_test(signin_limit_behind_a_trusted_proxy),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
