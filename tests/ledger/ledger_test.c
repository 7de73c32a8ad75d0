/* ledger/ledger: accounts created once per owner and kind, entries
 * idempotent by key, balances kept with the postings (raw and natural),
 * reversal once and only once, and ledger_verify finding a balance changed
 * behind its back, an unbalanced entry written with raw SQL and a bank
 * clearing account that does not match the paid collection lines. A store
 * failing at each call in turn leaves an entry whole or absent. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "ledger/ledger.h"

/* ---- helpers ---- */

static date_days day(const char *s) {
    date_days d = 0;
    err_detail err = {0};
    assert_int_equal(date_parse(s, "date", &d, &err), ERR_OK);
    return d;
}

static int64_t acct(tu_env *e, ledger_owner o, int64_t owner_id, const char *kind) {
    int64_t id = 0;
    err_detail err = {0};
    if (ledger_account(e->ctx.tx, o, owner_id, kind, &id, &err)) fail_msg("account: %s", err.message);
    assert_true(id > 0);
    return id;
}

/* debit `dr`, credit `cr` with amount; returns the entry id. */
static int64_t post2(tu_env *e, const char *key, int64_t dr, int64_t cr, money_fen amount,
                     bool *dup) {
    ledger_posting p[2] = {{dr, amount, 202606}, {cr, -amount, 202606}};
    int64_t id = 0;
    bool d = true;
    err_detail err = {0};
    if (ledger_post(e->ctx.tx, key, day("2026-06-25"), "test", "测试", p, 2, e->ctx.now_ms, &id,
                    &d, &err))
        fail_msg("post: %s", err.message);
    if (dup) *dup = d;
    return id;
}

static money_fen raw(tu_env *e, int64_t account) {
    money_fen b = -1;
    err_detail err = {0};
    assert_int_equal(ledger_balance(e->ctx.tx, account, &b, &err), ERR_OK);
    return b;
}

static money_fen natural(tu_env *e, ledger_owner o, int64_t owner_id, const char *kind) {
    money_fen b = -1;
    err_detail err = {0};
    assert_int_equal(ledger_natural_balance(e->ctx.tx, o, owner_id, kind, &b, &err), ERR_OK);
    return b;
}

static ledger_verify_result verify(tu_env *e) {
    ledger_verify_result r;
    memset(&r, 0xff, sizeof r);
    err_detail err = {0};
    assert_int_equal(ledger_verify(e->ctx.tx, &r, &err), ERR_OK);
    return r;
}

/* Runs SQL on the database file from another connection, between two of
 * the environment's transactions (the change is committed first). */
static void raw_sql(tu_env *e, const char *sql) {
    err_detail err = {0};
    if (store_commit(e->ctx.tx, &err)) fail_msg("commit: %s", err.message);
    e->ctx.tx = NULL;
    char path[512];
    snprintf(path, sizeof path, "%s/test.db", e->dir);
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK) fail_msg("sql: %s", msg);
    sqlite3_close(h);
    if (store_begin(e->st, true, &e->ctx.tx, &err)) fail_msg("begin: %s", err.message);
}

typedef struct fx {
    tu_env *e;
    int64_t receivable, due, bank, pension_pool, person_pension;
} fx;

static void fx_open(fx *f) {
    f->e = tu_env_open(ROLE_SYSTEM, "2026-07-01");
    f->receivable = acct(f->e, OWNER_UNIT, 7, "receivable");
    f->due = acct(f->e, OWNER_POOL, 0, "contrib_due");
    f->bank = acct(f->e, OWNER_BANK, 0, "bank_clearing");
    f->pension_pool = acct(f->e, OWNER_POOL, 0, "pool_pension");
    f->person_pension = acct(f->e, OWNER_PERSON, 3, "pension_account");
}

/* ---- tests ---- */

static void accounts_once_per_owner_and_kind(void **state) {
    fx f;
    fx_open(&f);
    assert_int_equal(acct(f.e, OWNER_UNIT, 7, "receivable"), f.receivable);
    assert_int_equal(acct(f.e, OWNER_POOL, 0, "contrib_due"), f.due);
    int64_t other_unit = acct(f.e, OWNER_UNIT, 8, "receivable");
    int64_t hf = acct(f.e, OWNER_PERSON, 3, "housing_fund");
    assert_true(other_unit != f.receivable);
    assert_true(hf != f.person_pension);
    /* person 7 and unit 7 are different owners */
    assert_true(acct(f.e, OWNER_PERSON, 7, "pension_account") != f.receivable);
    /* an account not opened yet holds nothing */
    assert_int_equal(natural(f.e, OWNER_PERSON, 99, "housing_subsidy"), 0);
    /* survives a commit: found again, not created twice */
    tu_env_commit(f.e);
    assert_int_equal(acct(f.e, OWNER_PERSON, 3, "housing_fund"), hf);
    ledger_verify_result r = verify(f.e);
    assert_int_equal(r.accounts, 8);
    assert_int_equal(r.entries, 0);
    tu_env_close(f.e);
}

static void person_accounts_in_one_lookup(void **state) {
    fx f;
    fx_open(&f);
    int64_t ids[LEDGER_PERSON_KINDS] = {-1, -1, -1, -1};
    err_detail err = {0};
    assert_int_equal(ledger_person_accounts(f.e->ctx.tx, 3, ids, &err), ERR_OK);
    assert_int_equal(ids[LEDGER_PERSON_PENSION], f.person_pension);
    assert_int_equal(ids[LEDGER_PERSON_MEDICAL], 0);
    assert_int_equal(ids[LEDGER_PERSON_HOUSING_FUND], 0);
    assert_int_equal(ids[LEDGER_PERSON_HOUSING_SUBSIDY], 0);
    int64_t hs = acct(f.e, OWNER_PERSON, 3, "housing_subsidy");
    assert_int_equal(ledger_person_accounts(f.e->ctx.tx, 3, ids, &err), ERR_OK);
    assert_int_equal(ids[LEDGER_PERSON_HOUSING_SUBSIDY], hs);
    assert_int_equal(ids[LEDGER_PERSON_PENSION], f.person_pension);
    /* another person's accounts are not mixed in */
    assert_int_equal(ledger_person_accounts(f.e->ctx.tx, 4, ids, &err), ERR_OK);
    for (int i = 0; i < LEDGER_PERSON_KINDS; i++) assert_int_equal(ids[i], 0);
    tu_env_close(f.e);
}

static void post_is_idempotent_by_key(void **state) {
    fx f;
    fx_open(&f);
    bool dup = true;
    int64_t a = post2(f.e, "bill:1", f.receivable, f.due, 123456, &dup);
    assert_false(dup);
    assert_true(a > 0);
    int64_t b = post2(f.e, "bill:1", f.receivable, f.due, 123456, &dup);
    assert_true(dup);
    assert_int_equal(b, a);
    /* the same key with other amounts is still the first entry: nothing is written */
    int64_t c = post2(f.e, "bill:1", f.receivable, f.due, 999, &dup);
    assert_true(dup);
    assert_int_equal(c, a);
    assert_int_equal(raw(f.e, f.receivable), 123456);
    tu_env_commit(f.e);
    /* and after a commit, as a rerun of the batch would see it */
    assert_int_equal(post2(f.e, "bill:1", f.receivable, f.due, 123456, &dup), a);
    assert_true(dup);
    int64_t found = -1;
    err_detail err = {0};
    assert_int_equal(ledger_entry_find(f.e->ctx.tx, "bill:1", &found, &err), ERR_OK);
    assert_int_equal(found, a);
    assert_int_equal(ledger_entry_find(f.e->ctx.tx, "bill:2", &found, &err), ERR_OK);
    assert_int_equal(found, 0);
    int64_t d = post2(f.e, "bill:2", f.receivable, f.due, 1, &dup);
    assert_false(dup);
    assert_true(d > a);
    ledger_verify_result r = verify(f.e);
    assert_int_equal(r.entries, 2);
    assert_int_equal(raw(f.e, f.receivable), 123457);
    tu_env_close(f.e);
}

static void balances_follow_postings(void **state) {
    fx f;
    fx_open(&f);
    /* the bill: the unit owes 1,000.00 */
    post2(f.e, "bill:9", f.receivable, f.due, 100000, NULL);
    /* collected: 800.00 to the pool, 200.00 to the person's account, in
     * four lines, two of them to the same pool account */
    ledger_posting p[4] = {{f.due, 100000, 202606}, {f.pension_pool, -50000, 202606},
                           {f.pension_pool, -30000, 202606}, {f.person_pension, -20000, 202606}};
    int64_t id = 0;
    bool dup = true;
    err_detail err = {0};
    assert_int_equal(ledger_post(f.e->ctx.tx, "credit:9", day("2026-06-26"), "credit", "", p, 4,
                                 f.e->ctx.now_ms, &id, &dup, &err), ERR_OK);
    assert_false(dup);
    assert_int_equal(raw(f.e, f.receivable), 100000);       /* debit-normal: owes 1,000.00 */
    assert_int_equal(natural(f.e, OWNER_UNIT, 7, "receivable"), 100000);
    assert_int_equal(raw(f.e, f.due), 0);
    assert_int_equal(natural(f.e, OWNER_POOL, 0, "contrib_due"), 0);
    assert_int_equal(raw(f.e, f.pension_pool), -80000);     /* credit-normal */
    assert_int_equal(natural(f.e, OWNER_POOL, 0, "pool_pension"), 80000);
    assert_int_equal(raw(f.e, f.person_pension), -20000);
    assert_int_equal(natural(f.e, OWNER_PERSON, 3, "pension_account"), 20000);
    /* the bank receives: debit-normal */
    post2(f.e, "paid:9", f.bank, f.receivable, 100000, NULL);
    assert_int_equal(natural(f.e, OWNER_BANK, 0, "bank_clearing"), 100000);
    assert_int_equal(natural(f.e, OWNER_UNIT, 7, "receivable"), 0);
    money_fen b = 0;
    assert_int_equal(ledger_balance(f.e->ctx.tx, 999999, &b, &err), ERR_NOT_FOUND);
    assert_string_equal(err.code, "account_not_found");
    /* several kinds with one statement: each its own, in the order asked,
     * one not opened 0, the sign as ledger_natural_balance's */
    assert_int_equal(raw(f.e, acct(f.e, OWNER_PERSON, 3, "housing_fund")), 0);
    post2(f.e, "hf:9", f.due, acct(f.e, OWNER_PERSON, 3, "housing_fund"), 7000, NULL);
    const char *const kinds[] = {"housing_subsidy", "housing_fund", "pension_account", "medical_account"};
    money_fen all[4] = {-1, -1, -1, -1};
    assert_int_equal(ledger_natural_balances(f.e->ctx.tx, OWNER_PERSON, 3, kinds, 4, all, &err), ERR_OK);
    assert_int_equal(all[0], 0);
    assert_int_equal(all[1], 7000);
    assert_int_equal(all[2], 20000);
    assert_int_equal(all[3], 0);
    for (int i = 0; i < 4; i++) assert_int_equal(all[i], natural(f.e, OWNER_PERSON, 3, kinds[i]));
    money_fen one[1] = {-1};
    assert_int_equal(ledger_natural_balances(f.e->ctx.tx, OWNER_UNIT, 7, (const char *const[]){"receivable"}, 1,
                                             one, &err), ERR_OK);
    assert_int_equal(one[0], 0);
    assert_int_equal(ledger_natural_balances(f.e->ctx.tx, OWNER_PERSON, 4, kinds + 2, 1, one, &err), ERR_OK);
    assert_int_equal(one[0], 0);   /* another person's: nothing */
    tu_env_commit(f.e);
    ledger_verify_result r = verify(f.e);
    assert_int_equal(r.entries, 4);
    assert_int_equal(r.unbalanced_entry_id, 0);
    assert_int_equal(r.wrong_balance_account_id, 0);
    tu_env_close(f.e);
}

static void reversal_once_and_only_once(void **state) {
    fx f;
    fx_open(&f);
    int64_t a = post2(f.e, "bill:5", f.receivable, f.due, 4200, NULL);
    int64_t rev = 0, again = 0;
    err_detail err = {0};
    assert_int_equal(ledger_reverse(f.e->ctx.tx, a, "reverse:bill:5", day("2026-06-30"), "冲正",
                                    f.e->ctx.now_ms, &rev, &err), ERR_OK);
    assert_true(rev > a);
    assert_int_equal(raw(f.e, f.receivable), 0);
    assert_int_equal(raw(f.e, f.due), 0);
    /* the same reversal again (a rerun): the same entry, nothing more */
    assert_int_equal(ledger_reverse(f.e->ctx.tx, a, "reverse:bill:5", day("2026-06-30"), "冲正",
                                    f.e->ctx.now_ms, &again, &err), ERR_OK);
    assert_int_equal(again, rev);
    /* a second reversal under another key: refused */
    err_clear(&err);
    assert_int_equal(ledger_reverse(f.e->ctx.tx, a, "reverse:bill:5:b", day("2026-06-30"), "",
                                    f.e->ctx.now_ms, &again, &err), ERR_CONFLICT);
    assert_string_equal(err.code, "already_reversed");
    /* reversing the reversal: refused too */
    err_clear(&err);
    assert_int_equal(ledger_reverse(f.e->ctx.tx, rev, "reverse:rev", day("2026-06-30"), "",
                                    f.e->ctx.now_ms, &again, &err), ERR_CONFLICT);
    assert_string_equal(err.code, "is_reversal");
    /* an entry that does not exist */
    err_clear(&err);
    assert_int_equal(ledger_reverse(f.e->ctx.tx, 424242, "reverse:none", day("2026-06-30"), "",
                                    f.e->ctx.now_ms, &again, &err), ERR_NOT_FOUND);
    assert_string_equal(err.code, "entry_not_found");
    /* a key already used by another entry */
    int64_t b = post2(f.e, "bill:6", f.receivable, f.due, 100, NULL);
    err_clear(&err);
    assert_int_equal(ledger_reverse(f.e->ctx.tx, b, "bill:5", day("2026-06-30"), "",
                                    f.e->ctx.now_ms, &again, &err), ERR_CONFLICT);
    assert_string_equal(err.code, "idem_key_used");
    assert_int_equal(raw(f.e, f.receivable), 100);
    tu_env_commit(f.e);
    ledger_verify_result r = verify(f.e);
    assert_int_equal(r.entries, 3);
    assert_int_equal(r.unbalanced_entry_id, 0);
    assert_int_equal(r.wrong_balance_account_id, 0);
    tu_env_close(f.e);
}

static void verify_clean_ledger(void **state) {
    fx f;
    fx_open(&f);
    post2(f.e, "bill:1", f.receivable, f.due, 5000, NULL);
    tu_env_commit(f.e);
    ledger_verify_result r = verify(f.e);
    assert_int_equal(r.entries, 1);
    assert_int_equal(r.accounts, 5);
    assert_int_equal(r.unbalanced_entry_id, 0);
    assert_int_equal(r.wrong_balance_account_id, 0);
    assert_int_equal(r.bank_clearing_fen, 0);
    assert_int_equal(r.collected_fen, 0);
    assert_true(r.reconciled);
    assert_string_equal(r.problem, "");
    tu_env_close(f.e);
}

static void verify_finds_a_changed_balance(void **state) {
    fx f;
    fx_open(&f);
    post2(f.e, "bill:1", f.receivable, f.due, 5000, NULL);
    post2(f.e, "bill:2", f.receivable, f.due, 700, NULL);
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE ledger_accounts SET balance_fen = balance_fen + 1 WHERE id = %lld",
             (long long)f.due);
    raw_sql(f.e, sql);
    ledger_verify_result r = verify(f.e);
    assert_int_equal(r.wrong_balance_account_id, f.due);
    assert_int_equal(r.unbalanced_entry_id, 0);
    assert_non_null(strstr(r.problem, "账户余额 -5699 分与分录合计 -5700 分不符"));
    /* put back: clean again */
    snprintf(sql, sizeof sql, "UPDATE ledger_accounts SET balance_fen = balance_fen - 1 WHERE id = %lld",
             (long long)f.due);
    raw_sql(f.e, sql);
    r = verify(f.e);
    assert_int_equal(r.wrong_balance_account_id, 0);
    assert_string_equal(r.problem, "");
    tu_env_close(f.e);
}

static void verify_finds_an_unbalanced_entry(void **state) {
    fx f;
    fx_open(&f);
    int64_t good = post2(f.e, "bill:1", f.receivable, f.due, 5000, NULL);
    /* an entry of two lines that do not add up, balances kept in step so
     * that only the entry is wrong */
    char sql[1024];
    snprintf(sql, sizeof sql,
             "INSERT INTO ledger_entries (id, idem_key, business_date, kind, created_at_ms) "
             "VALUES (%lld, 'forged', '2026-06-30', 'test', 0);"
             "INSERT INTO ledger_postings (entry_id, account_id, amount_fen) VALUES (%lld, %lld, 300);"
             "INSERT INTO ledger_postings (entry_id, account_id, amount_fen) VALUES (%lld, %lld, -299);"
             "UPDATE ledger_accounts SET balance_fen = balance_fen + 300 WHERE id = %lld;"
             "UPDATE ledger_accounts SET balance_fen = balance_fen - 299 WHERE id = %lld;",
             (long long)good + 10, (long long)good + 10, (long long)f.receivable,
             (long long)good + 10, (long long)f.due, (long long)f.receivable, (long long)f.due);
    raw_sql(f.e, sql);
    ledger_verify_result r = verify(f.e);
    assert_int_equal(r.entries, 2);
    assert_int_equal(r.unbalanced_entry_id, good + 10);
    assert_int_equal(r.wrong_balance_account_id, 0);
    assert_non_null(strstr(r.problem, "借贷不平（合计 1 分，2 行）"));
    /* an entry with a single line is unbalanced too, even when it is zero */
    raw_sql(f.e, "DELETE FROM ledger_postings WHERE entry_id IN (SELECT id FROM ledger_entries WHERE idem_key = 'forged');"
                 "DELETE FROM ledger_entries WHERE idem_key = 'forged';");
    snprintf(sql, sizeof sql,
             "INSERT INTO ledger_entries (id, idem_key, business_date, kind, created_at_ms) "
             "VALUES (%lld, 'single', '2026-06-30', 'test', 0);"
             "INSERT INTO ledger_postings (entry_id, account_id, amount_fen) VALUES (%lld, %lld, 0);",
             (long long)good + 20, (long long)good + 20, (long long)f.due);
    raw_sql(f.e, sql);
    r = verify(f.e);
    /* the forged lines' balance changes stay behind: the receivable (the
     * lowest id) is named first */
    assert_int_equal(r.wrong_balance_account_id, f.receivable);
    assert_int_equal(r.unbalanced_entry_id, good + 20);
    tu_env_close(f.e);
}

static void verify_bank_clearing_against_paid_lines(void **state) {
    fx f;
    fx_open(&f);
    post2(f.e, "bill:1", f.receivable, f.due, 5000, NULL);
    post2(f.e, "paid:1", f.bank, f.receivable, 5000, NULL);
    tu_env_commit(f.e);
    ledger_verify_result r = verify(f.e);
    assert_false(r.reconciled);
    assert_int_equal(r.bank_clearing_fen, 5000);
    assert_int_equal(r.collected_fen, 0);
    assert_non_null(strstr(r.problem, "银行清算户 5000 分与银行已付托收 0 分不符"));
    /* the bank's reply says paid for 5,000 fen, and a failed line does not count */
    raw_sql(f.e, "INSERT INTO collection_files (id, bank, month, file_name, lines, total_fen, created_on, status, created_at_ms) "
                 "VALUES (1, 'ICBC', 202606, 'f1', 2, 5700, '2026-06-20', 'replied', 0);"
                 "INSERT INTO collection_lines (file_id, bill_id, account, amount_fen, result) VALUES (1, 1, 'a', 5000, 'paid');"
                 "INSERT INTO collection_lines (file_id, bill_id, account, amount_fen, result) VALUES (1, 2, 'b', 700, 'failed');"
                 "INSERT INTO collection_lines (file_id, bill_id, account, amount_fen) VALUES (1, 3, 'c', 900);");
    r = verify(f.e);
    assert_true(r.reconciled);
    assert_int_equal(r.collected_fen, 5000);
    assert_string_equal(r.problem, "");
    tu_env_close(f.e);
}

/* A store failing at the nth call: the entry is whole or absent. */
static void store_fault_leaves_entry_whole_or_absent(void **state) {
    fx f;
    fx_open(&f);
    tu_env_commit(f.e);
    bool done = false;
    for (long n = 1; n < 100 && !done; n++) {
        ledger_posting p[3] = {{f.receivable, 900, 202606}, {f.due, -600, 202606},
                               {f.person_pension, -300, 202606}};
        int64_t id = 0;
        bool dup = false;
        err_detail err = {0};
        store_fault_set(f.e->st, n);
        err_kind k = ledger_post(f.e->ctx.tx, "fault:1", day("2026-06-25"), "test", "", p, 3,
                                 f.e->ctx.now_ms, &id, &dup, &err);
        long calls = store_fault_set(f.e->st, 0);
        if (k) {
            assert_int_equal(k, ERR_UNAVAILABLE);
            tu_env_rollback(f.e);
            ledger_verify_result r = verify(f.e);
            assert_int_equal(r.entries, 0);
            assert_int_equal(raw(f.e, f.receivable), 0);
            assert_int_equal(r.wrong_balance_account_id, 0);
            continue;
        }
        assert_true(calls < n);   /* no call failed: the loop has passed the last one */
        tu_env_commit(f.e);
        done = true;
    }
    assert_true(done);
    ledger_verify_result r = verify(f.e);
    assert_int_equal(r.entries, 1);
    assert_int_equal(raw(f.e, f.receivable), 900);
    assert_int_equal(raw(f.e, f.due), -600);
    assert_int_equal(raw(f.e, f.person_pension), -300);
    tu_env_close(f.e);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accounts_once_per_owner_and_kind),
        cmocka_unit_test(person_accounts_in_one_lookup),
        cmocka_unit_test(post_is_idempotent_by_key),
        cmocka_unit_test(balances_follow_postings),
        cmocka_unit_test(reversal_once_and_only_once),
        cmocka_unit_test(verify_clean_ledger),
        cmocka_unit_test(verify_finds_a_changed_balance),
        cmocka_unit_test(verify_finds_an_unbalanced_entry),
        cmocka_unit_test(verify_bank_clearing_against_paid_lines),
        cmocka_unit_test(store_fault_leaves_entry_whole_or_absent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
