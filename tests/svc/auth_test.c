/* svc/auth: sign-in, sessions, lockout and accounts. */
#include "testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "base/crypto.h"
#include "svc/audit.h"
#include "svc/auth.h"

#define ID1 "11010519491231002X"
#define PW1 "correct-horse"
#define UNIT1 "91320594MA1XXXXX0A"

static const int64_t minute_ms = 60000;

static int64_t pol_int(tu_env *e, const char *key) {
    int64_t v = 0;
    err_detail err = {0};
    if (policy_get_int(e->pol, key, e->ctx.business_date, &v, &err))
        fail_msg("policy %s: %s", key, err.message);
    return v;
}

/* Creates a person and their account, acting as the admin of the environment. */
static int64_t add_person_user(tu_env *e, const char *id_number, const char *password) {
    tu_add_person(e, id_number, "张三");
    auth_user_new in = {.role = "person", .id_number = id_number, .password = password};
    err_detail err = {0};
    int64_t id = 0;
    if (auth_user_create(&e->ctx, &in, &id, &err)) fail_msg("user create: %s", err.message);
    assert_true(id > 0);
    return id;
}

static err_kind person_sign_in(tu_env *e, const char *id_number, const char *password,
                               auth_session *s, err_detail *err) {
    auth_login in = {.role = "person", .id_number = id_number, .password = password};
    err_clear(err);
    svc_actor saved = e->ctx.actor;
    memset(&e->ctx.actor, 0, sizeof e->ctx.actor);   /* nobody is signed in yet */
    err_kind k = auth_sign_in(&e->ctx, &in, s, err);
    e->ctx.actor = saved;
    tu_env_commit(e);   /* the caller commits whatever the result */
    return k;
}

/* A connection of its own to the database file, after committing the open
 * transaction and releasing its write lock; raw_close begins a new one. */
static sqlite3 *raw_open(tu_env *e) {
    tu_env_commit(e);
    store_rollback(e->ctx.tx);
    e->ctx.tx = NULL;
    char path[512];
    snprintf(path, sizeof path, "%s/test.db", e->dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    return db;
}

static void raw_close(tu_env *e, sqlite3 *db) {
    sqlite3_close(db);
    err_detail err = {0};
    if (store_begin(e->st, true, &e->ctx.tx, &err)) fail_msg("begin: %s", err.message);
}

static void raw_exec(tu_env *e, const char *sql) {
    sqlite3 *db = raw_open(e);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) fail_msg("raw sql: %s", msg);
    raw_close(e, db);
}

/* The integer a query with one text parameter returns. */
static int64_t raw_int(sqlite3 *db, const char *sql, const char *param) {
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    if (param) sqlite3_bind_text(q, 1, param, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

static bool file_contains(const char *path, const char *needle) {
    size_t len = 0, n = strlen(needle);
    char *buf = tu_read_file(path, &len);
    if (!buf) return false;
    bool found = false;
    for (size_t i = 0; !found && i + n <= len; i++) found = memcmp(buf + i, needle, n) == 0;
    free(buf);
    return found;
}

static void test_sign_in_ok(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_ADMIN, "2025-07-01");
    int64_t uid = add_person_user(e, ID1, PW1);
    auth_session s;
    err_detail err;
    assert_int_equal(person_sign_in(e, ID1, PW1, &s, &err), ERR_OK);
    assert_int_equal(strlen(s.token), 64);
    assert_int_equal(strspn(s.token, "0123456789abcdef"), 64);
    assert_int_equal(s.actor.user_id, uid);
    assert_int_equal(s.actor.role, ROLE_PERSON);
    assert_true(s.actor.person_id > 0);
    assert_int_equal(s.actor.unit_id, 0);
    assert_string_equal(s.actor.name, "张三");
    int64_t ttl = pol_int(e, "auth.session_ttl_minutes");
    assert_int_equal(s.expires_at_ms, e->ctx.now_ms + ttl * minute_ms);

    /* The table holds the hash, never the token: not in any column, not in the file. */
    char h[CRYPTO_SHA256_HEX_BYTES];
    crypto_sha256_hex(s.token, strlen(s.token), h);
    sqlite3 *db = raw_open(e);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM sessions", NULL), 1);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM sessions WHERE token_hash = ?1", h), 1);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM sessions WHERE token_hash = ?1 OR role = ?1"
                                 " OR channel = ?1 OR CAST(user_id AS TEXT) = ?1", s.token), 0);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM sessions WHERE user_id = ?1 AND revoked = 0"
                                 " AND role = 'person'", "1"), 1);
    assert_int_equal(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL), SQLITE_OK);
    char path[512];
    snprintf(path, sizeof path, "%s/test.db", e->dir);
    assert_true(file_contains(path, h));
    assert_false(file_contains(path, s.token));
    raw_close(e, db);

    svc_actor a;
    int64_t exp = 0;
    assert_int_equal(auth_resolve(&e->ctx, s.token, &a, &exp, &err), ERR_OK);
    assert_int_equal(a.user_id, uid);
    assert_int_equal(a.role, ROLE_PERSON);
    assert_int_equal(a.person_id, s.actor.person_id);
    assert_string_equal(a.name, "张三");
    assert_int_equal(exp, s.expires_at_ms);
    tu_env_close(e);
}

static void test_expiry_edge(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_ADMIN, "2025-07-01");
    add_person_user(e, ID1, PW1);
    auth_session s;
    err_detail err;
    int64_t t0 = e->ctx.now_ms;
    assert_int_equal(person_sign_in(e, ID1, PW1, &s, &err), ERR_OK);
    int64_t ttl_ms = pol_int(e, "auth.session_ttl_minutes") * minute_ms;
    assert_int_equal(ttl_ms, 120 * minute_ms);
    svc_actor a;
    e->ctx.now_ms = t0 + ttl_ms - 1;
    assert_int_equal(auth_resolve(&e->ctx, s.token, &a, NULL, &err), ERR_OK);
    e->ctx.now_ms = t0 + ttl_ms;
    err_clear(&err);
    assert_int_equal(auth_resolve(&e->ctx, s.token, &a, NULL, &err), ERR_UNAUTHORIZED);
    assert_string_equal(err.code, "token_expired");
    err_clear(&err);
    assert_int_equal(auth_resolve(&e->ctx, "not-a-token", &a, NULL, &err), ERR_UNAUTHORIZED);
    assert_string_equal(err.code, "token_invalid");
    char other[CRYPTO_TOKEN_HEX_BYTES];
    crypto_random_token_hex(other);
    err_clear(&err);
    assert_int_equal(auth_resolve(&e->ctx, other, &a, NULL, &err), ERR_UNAUTHORIZED);
    assert_string_equal(err.code, "token_invalid");
    tu_env_close(e);
}

static void expect_bad_credentials(tu_env *e, int times) {
    for (int i = 0; i < times; i++) {
        auth_session s;
        err_detail err;
        assert_int_equal(person_sign_in(e, ID1, "wrong-password", &s, &err), ERR_UNAUTHORIZED);
        assert_string_equal(err.code, "bad_credentials");
    }
}

static void test_lockout(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_ADMIN, "2025-07-01");
    add_person_user(e, ID1, PW1);
    assert_int_equal(pol_int(e, "auth.lock_after_failures"), 5);
    assert_int_equal(pol_int(e, "auth.lock_minutes"), 15);
    auth_session s;
    err_detail err;
    /* Four failures, then the right password: signed in, and the count starts over. */
    expect_bad_credentials(e, 4);
    assert_int_equal(person_sign_in(e, ID1, PW1, &s, &err), ERR_OK);
    expect_bad_credentials(e, 4);
    assert_int_equal(person_sign_in(e, ID1, PW1, &s, &err), ERR_OK);

    /* The fifth failure in a row locks, until now + 15 minutes (10:00 Beijing -> 10:15). */
    int64_t t0 = e->ctx.now_ms;
    expect_bad_credentials(e, 4);
    assert_int_equal(person_sign_in(e, ID1, "wrong-password", &s, &err), ERR_LOCKED);
    assert_string_equal(err.code, "account_locked");
    const char *msg = "连续 5 次密码错误，账户已锁定至 2025-07-01 10:15（北京时间）";
    assert_string_equal(err.message, msg);
    assert_int_equal(person_sign_in(e, ID1, PW1, &s, &err), ERR_LOCKED);
    assert_string_equal(err.message, msg);
    e->ctx.now_ms = t0 + 15 * minute_ms - 1;
    assert_int_equal(person_sign_in(e, ID1, PW1, &s, &err), ERR_LOCKED);
    assert_string_equal(err.code, "account_locked");
    e->ctx.now_ms = t0 + 15 * minute_ms;
    assert_int_equal(person_sign_in(e, ID1, PW1, &s, &err), ERR_OK);
    tu_env_close(e);
}

static void test_lock_expiry_restarts_count(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_ADMIN, "2025-07-01");
    add_person_user(e, ID1, PW1);
    auth_session s;
    err_detail err;
    int64_t t0 = e->ctx.now_ms;
    expect_bad_credentials(e, 4);
    assert_int_equal(person_sign_in(e, ID1, "wrong-password", &s, &err), ERR_LOCKED);
    /* After the lock runs out, failures count from 0 again: four more do not lock. */
    e->ctx.now_ms = t0 + 15 * minute_ms;
    expect_bad_credentials(e, 4);
    assert_int_equal(person_sign_in(e, ID1, PW1, &s, &err), ERR_OK);
    /* A lock after a later run ends at its own time: 10:20 + 15 = 10:35. */
    e->ctx.now_ms = t0 + 20 * minute_ms;
    expect_bad_credentials(e, 4);
    assert_int_equal(person_sign_in(e, ID1, "wrong-password", &s, &err), ERR_LOCKED);
    assert_string_equal(err.message, "连续 5 次密码错误，账户已锁定至 2025-07-01 10:35（北京时间）");
    tu_env_close(e);
}

static void test_unknown_same_as_wrong(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_ADMIN, "2025-07-01");
    int64_t uid = add_person_user(e, ID1, PW1);
    auth_session s;
    err_detail wrong, unknown;
    err_kind k1 = person_sign_in(e, ID1, "wrong-password", &s, &wrong);
    err_kind k2 = person_sign_in(e, "320503199001011234", "wrong-password", &s, &unknown);
    assert_int_equal(k1, ERR_UNAUTHORIZED);
    assert_int_equal(k2, ERR_UNAUTHORIZED);
    assert_string_equal(wrong.code, "bad_credentials");
    assert_string_equal(wrong.code, unknown.code);
    assert_string_equal(wrong.message, "账号或密码错误");
    assert_string_equal(wrong.message, unknown.message);
    assert_string_equal(wrong.field, unknown.field);
    assert_int_equal(wrong.rule_count, unknown.rule_count);

    /* Both attempts are in the trail. */
    json_t *rows = NULL;
    err_detail err = {0};
    assert_int_equal(audit_list(&e->ctx, "login:person", 0, 10, &rows, &err), ERR_OK);
    assert_int_equal(json_array_size(rows), 1);
    json_t *r = json_array_get(rows, 0);
    assert_string_equal(json_string_value(json_object_get(r, "action")), "session.create");
    assert_string_equal(json_string_value(json_object_get(r, "outcome")), "bad_credentials");
    json_decref(rows);
    char target[32];
    snprintf(target, sizeof target, "user:%lld", (long long)uid);
    assert_int_equal(audit_list(&e->ctx, target, 0, 10, &rows, &err), ERR_OK);
    assert_int_equal(json_array_size(rows), 2);   /* newest first: the failure, then user.create */
    r = json_array_get(rows, 0);
    assert_string_equal(json_string_value(json_object_get(r, "outcome")), "bad_credentials");
    assert_string_equal(json_string_value(json_object_get(r, "detail")), "{\"failed_count\":1}");
    r = json_array_get(rows, 1);
    assert_string_equal(json_string_value(json_object_get(r, "action")), "user.create");
    json_decref(rows);
    tu_env_close(e);
}

static void test_missing_fields(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_NONE, "2025-07-01");
    auth_session s;
    err_detail err = {0};
    auth_login p = {.role = "person", .password = PW1};
    assert_int_equal(auth_sign_in(&e->ctx, &p, &s, &err), ERR_INVALID);
    assert_string_equal(err.field, "id_number");
    auth_login u = {.role = "unit", .unit_code = UNIT1, .password = PW1};
    err_clear(&err);
    assert_int_equal(auth_sign_in(&e->ctx, &u, &s, &err), ERR_INVALID);
    assert_string_equal(err.field, "operator_name");
    auth_login st = {.role = "staff", .username = "li"};
    err_clear(&err);
    assert_int_equal(auth_sign_in(&e->ctx, &st, &s, &err), ERR_INVALID);
    assert_string_equal(err.field, "password");
    auth_login bad = {.role = "root", .username = "li", .password = PW1};
    err_clear(&err);
    assert_int_equal(auth_sign_in(&e->ctx, &bad, &s, &err), ERR_INVALID);
    assert_string_equal(err.field, "role");
    tu_env_close(e);
}

static void test_password_too_short(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_ADMIN, "2025-07-01");
    tu_add_person(e, ID1, "张三");
    auth_user_new in = {.role = "person", .id_number = ID1, .password = "1234567"};
    err_detail err = {0};
    int64_t id = -1;
    assert_int_equal(auth_user_create(&e->ctx, &in, &id, &err), ERR_RULE);
    assert_int_equal(id, -1);
    assert_int_equal(err.rule_count, 1);
    assert_string_equal(err.rules[0].code, "password_too_short");
    assert_string_equal(err.rules[0].data_json, "{\"min_length\":8,\"length\":7}");
    /* Characters, not bytes: seven Chinese characters are 21 bytes and still too short. */
    in.password = "密码密码密码密";
    err_clear(&err);
    assert_int_equal(auth_user_create(&e->ctx, &in, &id, &err), ERR_RULE);
    assert_string_equal(err.rules[0].data_json, "{\"min_length\":8,\"length\":7}");
    in.password = "12345678";
    err_clear(&err);
    assert_int_equal(auth_user_create(&e->ctx, &in, &id, &err), ERR_OK);
    assert_true(id > 0);
    tu_env_close(e);
}

static void test_unit_operator(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_ADMIN, "2025-07-01");
    int64_t unit_id = tu_add_unit(e, UNIT1, "园区示例科技有限公司");
    auth_user_new in = {.role = "unit", .unit_code = UNIT1, .operator_name = "王五", .password = PW1};
    err_detail err = {0};
    int64_t uid = 0;
    assert_int_equal(auth_user_create(&e->ctx, &in, &uid, &err), ERR_OK);
    tu_env_commit(e);
    auth_login li = {.role = "unit", .unit_code = UNIT1, .operator_name = "王五", .password = PW1};
    auth_session s;
    assert_int_equal(auth_sign_in(&e->ctx, &li, &s, &err), ERR_OK);
    assert_int_equal(s.actor.user_id, uid);
    assert_int_equal(s.actor.role, ROLE_UNIT);
    assert_int_equal(s.actor.unit_id, unit_id);
    assert_int_equal(s.actor.person_id, 0);
    assert_string_equal(s.actor.name, "王五");
    /* Another operator of the same unit is another account. */
    li.operator_name = "赵六";
    err_clear(&err);
    assert_int_equal(auth_sign_in(&e->ctx, &li, &s, &err), ERR_UNAUTHORIZED);
    /* Admin tools name it "CODE/operator". */
    err_clear(&err);
    assert_int_equal(auth_unlock(&e->ctx, "unit", UNIT1 "/王五", &err), ERR_OK);
    /* The unit must exist. */
    in.unit_code = "91320594MA1YYYYY0B";
    err_clear(&err);
    assert_int_equal(auth_user_create(&e->ctx, &in, &uid, &err), ERR_NOT_FOUND);
    assert_string_equal(err.code, "unit_not_found");
    tu_env_close(e);
}

static void test_create_checks(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_ADMIN, "2025-07-01");
    auth_user_new p = {.role = "person", .id_number = ID1, .password = PW1};
    err_detail err = {0};
    int64_t id = 0;
    assert_int_equal(auth_user_create(&e->ctx, &p, &id, &err), ERR_NOT_FOUND);
    assert_string_equal(err.code, "person_not_found");
    add_person_user(e, ID1, PW1);
    err_clear(&err);
    assert_int_equal(auth_user_create(&e->ctx, &p, &id, &err), ERR_CONFLICT);
    assert_string_equal(err.code, "user_exists");

    auth_user_new clerk = {.role = "clerk", .username = "li.clerk", .password = PW1};
    err_clear(&err);
    assert_int_equal(auth_user_create(&e->ctx, &clerk, &id, &err), ERR_OK);
    tu_env_commit(e);
    auth_login li = {.role = "staff", .username = "li.clerk", .password = PW1};
    auth_session s;
    assert_int_equal(auth_sign_in(&e->ctx, &li, &s, &err), ERR_OK);
    assert_int_equal(s.actor.role, ROLE_CLERK);
    assert_string_equal(s.actor.name, "li.clerk");

    /* Only the admin (or the system) creates accounts. */
    auth_user_new other = {.role = "clerk", .username = "zhao", .password = PW1};
    svc_role denied[] = {ROLE_NONE, ROLE_PERSON, ROLE_UNIT, ROLE_CLERK, ROLE_REVIEWER, ROLE_FINANCE};
    for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++) {
        e->ctx.actor.role = denied[i];
        err_clear(&err);
        id = -1;
        assert_int_equal(auth_user_create(&e->ctx, &other, &id, &err), ERR_FORBIDDEN);
        assert_int_equal(id, -1);
    }
    e->ctx.actor.role = ROLE_SYSTEM;
    err_clear(&err);
    assert_int_equal(auth_user_create(&e->ctx, &other, &id, &err), ERR_OK);
    tu_env_close(e);
}

static void test_sign_out(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_ADMIN, "2025-07-01");
    add_person_user(e, ID1, PW1);
    auth_session s;
    err_detail err;
    assert_int_equal(person_sign_in(e, ID1, PW1, &s, &err), ERR_OK);
    err_clear(&err);
    assert_int_equal(auth_sign_out(&e->ctx, s.token, &err), ERR_OK);
    svc_actor a;
    assert_int_equal(auth_resolve(&e->ctx, s.token, &a, NULL, &err), ERR_UNAUTHORIZED);
    assert_string_equal(err.code, "token_invalid");
    err_clear(&err);
    assert_int_equal(auth_sign_out(&e->ctx, s.token, &err), ERR_UNAUTHORIZED);
    tu_env_close(e);
}

static void test_unlock_and_reset(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_ADMIN, "2025-07-01");
    add_person_user(e, ID1, PW1);
    auth_session s;
    err_detail err;
    expect_bad_credentials(e, 5 - 1);
    assert_int_equal(person_sign_in(e, ID1, "wrong-password", &s, &err), ERR_LOCKED);
    err_clear(&err);
    e->ctx.actor.role = ROLE_CLERK;
    assert_int_equal(auth_unlock(&e->ctx, "person", ID1, &err), ERR_FORBIDDEN);
    e->ctx.actor.role = ROLE_ADMIN;
    err_clear(&err);
    assert_int_equal(auth_unlock(&e->ctx, "person", ID1, &err), ERR_OK);
    assert_int_equal(person_sign_in(e, ID1, PW1, &s, &err), ERR_OK);

    err_clear(&err);
    assert_int_equal(auth_password_reset(&e->ctx, "person", "320503199001011234", "new-password-1",
                                         &err), ERR_NOT_FOUND);
    err_clear(&err);
    assert_int_equal(auth_password_reset(&e->ctx, "person", ID1, "short", &err), ERR_RULE);
    err_clear(&err);
    assert_int_equal(auth_password_reset(&e->ctx, "person", ID1, "new-password-1", &err), ERR_OK);
    svc_actor a;
    assert_int_equal(auth_resolve(&e->ctx, s.token, &a, NULL, &err), ERR_UNAUTHORIZED);
    assert_int_equal(person_sign_in(e, ID1, PW1, &s, &err), ERR_UNAUTHORIZED);
    assert_int_equal(person_sign_in(e, ID1, "new-password-1", &s, &err), ERR_OK);
    tu_env_close(e);
}

static void test_password_change(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_ADMIN, "2025-07-01");
    add_person_user(e, ID1, PW1);
    auth_session s;
    err_detail err;
    assert_int_equal(person_sign_in(e, ID1, PW1, &s, &err), ERR_OK);
    e->ctx.actor = s.actor;
    err_clear(&err);
    assert_int_equal(auth_password_change(&e->ctx, "not-the-password", "new-password-1", s.token, &err),
                     ERR_UNAUTHORIZED);
    err_clear(&err);
    assert_int_equal(auth_password_change(&e->ctx, PW1, "short", s.token, &err), ERR_RULE);
    assert_string_equal(err.rules[0].code, "password_too_short");
    err_clear(&err);
    /* a second session of the same person (another device) */
    auth_session other;
    assert_int_equal(person_sign_in(e, ID1, PW1, &other, &err), ERR_OK);
    assert_int_equal(auth_password_change(&e->ctx, PW1, "new-password-1", s.token, &err), ERR_OK);
    svc_actor a;
    assert_int_equal(auth_resolve(&e->ctx, s.token, &a, NULL, &err), ERR_OK);              /* kept */
    assert_int_equal(auth_resolve(&e->ctx, other.token, &a, NULL, &err), ERR_UNAUTHORIZED);  /* ended */
    assert_int_equal(person_sign_in(e, ID1, PW1, &s, &err), ERR_UNAUTHORIZED);
    assert_int_equal(person_sign_in(e, ID1, "new-password-1", &s, &err), ERR_OK);
    memset(&e->ctx.actor, 0, sizeof e->ctx.actor);
    err_clear(&err);
    assert_int_equal(auth_password_change(&e->ctx, PW1, "new-password-2", NULL, &err), ERR_UNAUTHORIZED);
    tu_env_close(e);
}

static void test_disabled(void **state) {
    (void)state;
    tu_env *e = tu_env_open(ROLE_ADMIN, "2025-07-01");
    add_person_user(e, ID1, PW1);
    auth_session s;
    err_detail err;
    assert_int_equal(person_sign_in(e, ID1, PW1, &s, &err), ERR_OK);
    raw_exec(e, "UPDATE users SET disabled = 1");
    svc_actor a;
    assert_int_equal(auth_resolve(&e->ctx, s.token, &a, NULL, &err), ERR_UNAUTHORIZED);
    assert_int_equal(person_sign_in(e, ID1, PW1, &s, &err), ERR_FORBIDDEN);
    assert_string_equal(err.code, "account_disabled");
    /* A wrong password does not tell that the account exists. */
    assert_int_equal(person_sign_in(e, ID1, "wrong-password", &s, &err), ERR_UNAUTHORIZED);
    assert_string_equal(err.code, "bad_credentials");
    tu_env_close(e);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_in_ok),
        cmocka_unit_test(test_expiry_edge),
        cmocka_unit_test(test_lockout),
        cmocka_unit_test(test_lock_expiry_restarts_count),
        cmocka_unit_test(test_unknown_same_as_wrong),
        cmocka_unit_test(test_missing_fields),
        cmocka_unit_test(test_password_too_short),
        cmocka_unit_test(test_unit_operator),
        cmocka_unit_test(test_create_checks),
        cmocka_unit_test(test_sign_out),
        cmocka_unit_test(test_unlock_and_reset),
        cmocka_unit_test(test_password_change),
        cmocka_unit_test(test_disabled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
