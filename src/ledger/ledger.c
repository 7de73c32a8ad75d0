/* The double-entry ledger (see ledger.h).
 *
 * The ledger is the hot path of the monthly run (a million persons, several
 * postings each), so: every statement is a cached prepared statement; an
 * entry costs one key lookup, one INSERT of the entry, one INSERT per posting
 * and one balance UPDATE per distinct account; nothing is read back. Account
 * ids are not cached across calls: an id found inside a transaction that
 * later rolls back, or in another database of the same process, would be
 * wrong, and the lookup by the unique index is cheap (ledger_person_accounts
 * gives a person's four in one statement). */
#include "ledger/ledger.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const ledger_person_kinds[LEDGER_PERSON_KINDS] = {
    "pension_account", "medical_account", "housing_fund", "housing_subsidy"};

/* Besides the individual accounts a person owes what they pay themself
 * (flexible employment, residents) from assessment to the bank's debit. */
static const char *const person_other_kinds[] = {"receivable", NULL};
static const char *const unit_kinds[] = {"receivable", NULL};
static const char *const pool_kinds[] = {"contrib_due",    "pool_pension",   "pool_medical",
                                         "pool_unemployment", "pool_injury", "pool_maternity",
                                         "late_fees",      "interest_expense", NULL};
static const char *const bank_kinds[] = {"bank_clearing", NULL};

static const char *owner_name(ledger_owner o) {
    static const char *const names[] = {"person", "unit", "pool", "bank"};
    assert(o >= OWNER_PERSON && o <= OWNER_BANK);
    return names[o];
}

static bool kind_in(const char *kind, const char *const *list, int n) {
    for (int i = 0; n < 0 ? list[i] != NULL : i < n; i++)
        if (strcmp(list[i], kind) == 0) return true;
    return false;
}

/* A kind that does not belong to its owner is a programmer error. */
static bool kind_valid(ledger_owner owner, const char *kind) {
    if (!kind) return false;
    switch (owner) {
    case OWNER_PERSON:
        return kind_in(kind, ledger_person_kinds, LEDGER_PERSON_KINDS) || kind_in(kind, person_other_kinds, -1);
    case OWNER_UNIT: return kind_in(kind, unit_kinds, -1);
    case OWNER_POOL: return kind_in(kind, pool_kinds, -1);
    case OWNER_BANK: return kind_in(kind, bank_kinds, -1);
    }
    return false;
}

/* Pools and the bank have one account per kind (owner id 0); persons and
 * units are real rows. */
static bool owner_id_valid(ledger_owner owner, int64_t owner_id) {
    return (owner == OWNER_POOL || owner == OWNER_BANK) ? owner_id == 0 : owner_id > 0;
}

static err_kind account_find(store_tx *tx, const char *owner, int64_t owner_id, const char *kind,
                             int64_t *id_out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(tx, STORE_Q_LEDGER_ACCOUNT_FIND, &st, err);
    if (k) return k;
    store_bind_text(st, 1, owner);
    store_bind_int(st, 2, owner_id);
    store_bind_text(st, 3, kind);
    bool row = false;
    k = store_step(st, &row, err);
    *id_out = (!k && row) ? store_col_int(st, 0) : 0;
    store_stmt_done(st);
    return k;
}

err_kind ledger_account(store_tx *tx, ledger_owner owner, int64_t owner_id, const char *kind,
                        int64_t *account_id_out, err_detail *err) {
    assert(kind_valid(owner, kind) && "account kind does not belong to its owner");
    assert(owner_id_valid(owner, owner_id) && "bad owner id for the owner kind");
    const char *o = owner_name(owner);
    int64_t id = 0;
    err_kind k = account_find(tx, o, owner_id, kind, &id, err);
    if (k || id) {
        if (!k) *account_id_out = id;
        return k;
    }
    /* ON CONFLICT: another transaction may have created it meanwhile. */
    k = store_exec(tx, STORE_Q_LEDGER_ACCOUNT_INSERT, err, "tit", o, owner_id, kind);
    if (!k) k = account_find(tx, o, owner_id, kind, &id, err);
    if (!k && !id)
        k = err_set(err, ERR_INTERNAL, "account_missing", NULL, "内部错误：账户 %s/%s 未能建立", o, kind);
    if (!k) *account_id_out = id;
    return k;
}

err_kind ledger_person_accounts(store_tx *tx, int64_t person_id,
                                int64_t ids_out[LEDGER_PERSON_KINDS], err_detail *err) {
    assert(person_id > 0);
    int64_t ids[LEDGER_PERSON_KINDS] = {0};
    store_stmt *st;
    err_kind k = store_prepare(tx, STORE_Q_LEDGER_PERSON_ACCOUNTS, &st, err);
    if (k) return k;
    store_bind_int(st, 1, person_id);
    bool row = true;
    /* A person has at most one account of each kind (unique index). */
    for (int n = 0; !k && n <= LEDGER_PERSON_KINDS; n++) {
        k = store_step(st, &row, err);
        if (k || !row) break;
        const char *kind = store_col_text(st, 0);
        for (int i = 0; i < LEDGER_PERSON_KINDS; i++)
            if (strcmp(kind, ledger_person_kinds[i]) == 0) ids[i] = store_col_int(st, 1);
    }
    store_stmt_done(st);
    if (!k) memcpy(ids_out, ids, sizeof ids);
    return k;
}

/* The entry under a key: id and the entry it reverses (0: none); id 0 when absent. */
static err_kind entry_by_key(store_tx *tx, const char *idem_key, int64_t *id_out,
                             int64_t *reverses_out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(tx, STORE_Q_LEDGER_ENTRY_BY_KEY, &st, err);
    if (k) return k;
    store_bind_text(st, 1, idem_key);
    bool row = false;
    k = store_step(st, &row, err);
    *id_out = (!k && row) ? store_col_int(st, 0) : 0;
    if (reverses_out) *reverses_out = (!k && row) ? store_col_int(st, 1) : 0;
    store_stmt_done(st);
    return k;
}

err_kind ledger_entry_find(store_tx *tx, const char *idem_key, int64_t *entry_id_out,
                           err_detail *err) {
    int64_t id = 0;
    err_kind k = entry_by_key(tx, idem_key, &id, NULL, err);
    if (!k) *entry_id_out = id;
    return k;
}

static void check_postings(const ledger_posting *p, int n) {
    assert(n > 1 && n <= LEDGER_POSTINGS_MAX && "an entry has 2..LEDGER_POSTINGS_MAX postings");
    int64_t sum = 0;
    bool overflow = false;
    for (int i = 0; i < n; i++) {
        assert(p[i].account_id > 0 && "posting without an account");
        overflow |= __builtin_add_overflow(sum, p[i].amount_fen, &sum);
    }
    assert(!overflow && sum == 0 && "postings of an entry must sum to zero");
    (void)sum;
    (void)overflow;
}

static err_kind posting_insert(store_tx *tx, int64_t entry_id, const ledger_posting *p,
                               err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(tx, STORE_Q_LEDGER_POSTING_INSERT, &st, err);
    if (k) return k;
    store_bind_int(st, 1, entry_id);
    store_bind_int(st, 2, p->account_id);
    store_bind_int(st, 3, p->amount_fen);
    store_bind_id(st, 4, p->month);   /* no month: null */
    return store_step_all(st, err);
}

/* One UPDATE per distinct account: postings of an entry to the same account
 * are added first (n <= LEDGER_POSTINGS_MAX, so the quadratic scan is cheap). */
static err_kind balances_apply(store_tx *tx, const ledger_posting *p, int n, err_detail *err) {
    for (int i = 0; i < n; i++) {
        bool seen = false;
        for (int j = 0; j < i && !seen; j++) seen = p[j].account_id == p[i].account_id;
        if (seen) continue;
        money_fen delta = 0;
        for (int j = i; j < n; j++)
            if (p[j].account_id == p[i].account_id) delta += p[j].amount_fen;
        if (delta == 0) continue;
        /* one row or the account is missing: checked with the answer */
        err_kind k = store_exec_one(tx, STORE_Q_LEDGER_ACCOUNT_ADD, err, "ii", p[i].account_id, delta);
        if (k) return k;
    }
    return ERR_OK;
}

static err_kind entry_row_insert(store_tx *tx, const char *idem_key, date_days business_date, const char *kind,
                                 const char *memo, int64_t reverses, int64_t now_ms, int64_t *id_out,
                                 err_detail *err) {
    char day[DATE_STR_BYTES];
    date_format(business_date, day);
    store_stmt *st;
    err_kind k = store_prepare(tx, STORE_Q_LEDGER_ENTRY_INSERT, &st, err);
    if (k) return k;
    store_bind_text(st, 1, idem_key);
    store_bind_text(st, 2, day);
    store_bind_text(st, 3, kind);
    store_bind_text(st, 4, memo ? memo : "");
    store_bind_id(st, 5, reverses);
    store_bind_int(st, 6, now_ms);
    k = store_step_all(st, err);
    if (!k) *id_out = store_last_insert_id(tx);
    return k;
}

static err_kind entry_write(store_tx *tx, const char *idem_key, date_days business_date,
                            const char *kind, const char *memo, int64_t reverses,
                            const ledger_posting *p, int n, int64_t now_ms, int64_t *id_out,
                            err_detail *err) {
    int64_t id = 0;
    err_kind k = entry_row_insert(tx, idem_key, business_date, kind, memo, reverses, now_ms, &id, err);
    for (int i = 0; i < n && !k; i++) k = posting_insert(tx, id, &p[i], err);
    if (!k) k = balances_apply(tx, p, n, err);
    if (!k) *id_out = id;
    return k;
}

err_kind ledger_post(store_tx *tx, const char *idem_key, date_days business_date, const char *kind,
                     const char *memo, const ledger_posting *postings, int n, int64_t now_ms,
                     int64_t *entry_id_out, bool *duplicate_out, err_detail *err) {
    assert(idem_key && *idem_key && strlen(idem_key) < LEDGER_IDEM_KEY_BYTES);
    assert(kind && *kind);
    check_postings(postings, n);
    /* Looked up first: a repeated run finds its entry without a failed
     * INSERT; the unique index on idem_key still refuses a racing twin. */
    int64_t id = 0;
    err_kind k = entry_by_key(tx, idem_key, &id, NULL, err);
    if (k) return k;
    if (id) {
        *entry_id_out = id;
        if (duplicate_out) *duplicate_out = true;
        return ERR_OK;
    }
    k = entry_write(tx, idem_key, business_date, kind, memo, 0, postings, n, now_ms, &id, err);
    if (k) return k;
    *entry_id_out = id;
    if (duplicate_out) *duplicate_out = false;
    return ERR_OK;
}

/* ---- entries posted together ---- */

struct ledger_batch {
    store_tx *tx;
    store_bulk *postings;
    ledger_posting *moves;       /* what each posting moves, added up per account at the end */
    int n, cap;
};

err_kind ledger_batch_begin(store_tx *tx, ledger_batch **out, err_detail *err) {
    ledger_batch *b = calloc(1, sizeof *b);
    if (!b) abort();
    b->tx = tx;
    err_kind k = store_bulk_begin(tx, STORE_Q_LEDGER_POSTING_INSERT, &b->postings, err);
    if (k) {
        free(b);
        return k;
    }
    *out = b;
    return ERR_OK;
}

static void batch_move(ledger_batch *b, const ledger_posting *p) {
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 256;
        b->moves = realloc(b->moves, (size_t)b->cap * sizeof *b->moves);
        if (!b->moves) abort();
    }
    b->moves[b->n++] = *p;
}

err_kind ledger_batch_post(ledger_batch *b, const char *idem_key, date_days business_date, const char *kind,
                           const char *memo, const ledger_posting *postings, int n, int64_t now_ms,
                           int64_t *entry_id_out, err_detail *err) {
    assert(idem_key && *idem_key && strlen(idem_key) < LEDGER_IDEM_KEY_BYTES);
    assert(kind && *kind);
    check_postings(postings, n);
    int64_t id = 0;
    err_kind k = entry_row_insert(b->tx, idem_key, business_date, kind, memo, 0, now_ms, &id, err);
    for (int i = 0; !k && i < n; i++) {
        store_bulk_int(b->postings, id);
        store_bulk_int(b->postings, postings[i].account_id);
        store_bulk_int(b->postings, postings[i].amount_fen);
        if (postings[i].month > 0) store_bulk_int(b->postings, postings[i].month);
        else store_bulk_text(b->postings, NULL);   /* no month: null */
        k = store_bulk_row(b->postings, err);
        batch_move(b, &postings[i]);
    }
    if (!k) *entry_id_out = id;
    return k;
}

static int move_cmp(const void *a, const void *b) {
    int64_t x = ((const ledger_posting *)a)->account_id, y = ((const ledger_posting *)b)->account_id;
    return x < y ? -1 : x > y;
}

static void batch_free(ledger_batch *b) {
    free(b->moves);
    free(b);
}

err_kind ledger_batch_end(ledger_batch *b, err_detail *err) {
    err_kind k = store_bulk_end(b->postings, err);
    qsort(b->moves, (size_t)b->n, sizeof *b->moves, move_cmp);
    for (int i = 0; !k && i < b->n;) {
        int64_t account = b->moves[i].account_id;
        money_fen delta = 0;
        for (; i < b->n && b->moves[i].account_id == account; i++) delta += b->moves[i].amount_fen;
        if (delta) k = store_exec_one(b->tx, STORE_Q_LEDGER_ACCOUNT_ADD, err, "ii", account, delta);
    }
    batch_free(b);
    return k;
}

void ledger_batch_abort(ledger_batch *b) {
    if (!b) return;
    store_bulk_abort(b->postings);
    batch_free(b);
}

err_kind ledger_accounts_many(store_tx *tx, ledger_owner owner, const int64_t *owner_ids, int n, const char *kind,
                              int64_t *account_ids_out, err_detail *err) {
    assert(n > 0 && kind_valid(owner, kind) && "account kind does not belong to its owner");
    const char *o = owner_name(owner);
    err_kind k = ERR_OK;
    for (int i = 0; !k && i < n; i++) {
        assert(owner_id_valid(owner, owner_ids[i]) && (i == 0 || owner_ids[i - 1] < owner_ids[i]));
        k = store_exec(tx, STORE_Q_LEDGER_ACCOUNT_INSERT, err, "tit", o, owner_ids[i], kind);
    }
    store_stmt *st;
    if (!k) k = store_prepare(tx, STORE_Q_LEDGER_ACCOUNTS_OF_RANGE, &st, err);
    if (k) return k;
    store_bind_text(st, 1, o);
    store_bind_text(st, 2, kind);
    store_bind_int(st, 3, owner_ids[0]);
    store_bind_int(st, 4, owner_ids[n - 1]);
    int i = 0;
    bool row = false;
    while (i < n && !(k = store_step(st, &row, err)) && row) {   /* both in owner order */
        int64_t owner_id = store_col_int(st, 0);
        while (i < n && owner_ids[i] < owner_id) account_ids_out[i++] = 0;
        if (i < n && owner_ids[i] == owner_id) account_ids_out[i++] = store_col_int(st, 1);
    }
    store_stmt_done(st);
    while (!k && i < n) account_ids_out[i++] = 0;
    for (int j = 0; !k && j < n; j++)
        if (!account_ids_out[j])
            k = err_set(err, ERR_INTERNAL, "account_missing", NULL, "内部错误：账户 %s/%s 未能建立", o, kind);
    return k;
}

/* ---- reversal ---- */

static err_kind entry_get(store_tx *tx, int64_t entry_id, bool *found, int64_t *reverses_out,
                          err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(tx, STORE_Q_LEDGER_ENTRY_GET, &st, err);
    if (k) return k;
    store_bind_int(st, 1, entry_id);
    bool row = false;
    k = store_step(st, &row, err);
    *found = !k && row;
    *reverses_out = *found ? store_col_int(st, 1) : 0;
    store_stmt_done(st);
    return k;
}

static err_kind reversal_of(store_tx *tx, int64_t entry_id, int64_t *id_out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(tx, STORE_Q_LEDGER_ENTRY_REVERSAL, &st, err);
    if (k) return k;
    store_bind_int(st, 1, entry_id);
    bool row = false;
    k = store_step(st, &row, err);
    *id_out = (!k && row) ? store_col_int(st, 0) : 0;
    store_stmt_done(st);
    return k;
}

/* The entry's postings, negated. */
static err_kind postings_negated(store_tx *tx, int64_t entry_id, ledger_posting *out, int *n_out,
                                 err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(tx, STORE_Q_LEDGER_ENTRY_POSTINGS, &st, err);
    if (k) return k;
    store_bind_int(st, 1, entry_id);
    store_bind_int(st, 2, LEDGER_POSTINGS_MAX);
    int n = 0;
    bool row = true;
    while (!k && n < LEDGER_POSTINGS_MAX) {
        k = store_step(st, &row, err);
        if (k || !row) break;
        out[n].account_id = store_col_int(st, 0);
        out[n].amount_fen = -store_col_int(st, 1);
        out[n].month = (month_ym)store_col_int(st, 2);
        n++;
    }
    store_stmt_done(st);
    if (!k) *n_out = n;
    return k;
}

static err_kind reverse_check(store_tx *tx, int64_t entry_id, err_detail *err) {
    bool found = false;
    int64_t reverses = 0, reversal = 0;
    err_kind k = entry_get(tx, entry_id, &found, &reverses, err);
    if (k) return k;
    if (!found)
        return err_set(err, ERR_NOT_FOUND, "entry_not_found", "entry_id",
                       "没有第 %" PRId64 " 号记账分录", entry_id);
    /* A wrong reversal is corrected by posting the right entry anew. */
    if (reverses)
        return err_set(err, ERR_CONFLICT, "is_reversal", "entry_id",
                       "第 %" PRId64 " 号分录本身是冲正分录（冲正第 %" PRId64 " 号），不能再冲正",
                       entry_id, reverses);
    k = reversal_of(tx, entry_id, &reversal, err);
    if (!k && reversal)
        k = err_set(err, ERR_CONFLICT, "already_reversed", "entry_id",
                    "第 %" PRId64 " 号分录已由第 %" PRId64 " 号分录冲正，不能重复冲正", entry_id, reversal);
    return k;
}

err_kind ledger_reverse(store_tx *tx, int64_t entry_id, const char *idem_key,
                        date_days business_date, const char *memo, int64_t now_ms,
                        int64_t *entry_id_out, err_detail *err) {
    assert(idem_key && *idem_key && strlen(idem_key) < LEDGER_IDEM_KEY_BYTES);
    int64_t id = 0, reverses = 0;
    err_kind k = entry_by_key(tx, idem_key, &id, &reverses, err);
    if (k) return k;
    if (id && reverses == entry_id) {   /* this very reversal, posted before */
        *entry_id_out = id;
        return ERR_OK;
    }
    if (id)
        return err_set(err, ERR_CONFLICT, "idem_key_used", "idem_key",
                       "幂等键 %s 已用于第 %" PRId64 " 号分录", idem_key, id);
    k = reverse_check(tx, entry_id, err);
    if (k) return k;
    ledger_posting p[LEDGER_POSTINGS_MAX];
    int n = 0;
    k = postings_negated(tx, entry_id, p, &n, err);
    if (k) return k;
    if (n < 2)
        return err_set(err, ERR_INTERNAL, "entry_malformed", "entry_id",
                       "内部错误：第 %" PRId64 " 号分录只有 %d 行", entry_id, n);
    k = entry_write(tx, idem_key, business_date, "reversal", memo, entry_id, p, n, now_ms, &id, err);
    if (!k) *entry_id_out = id;
    return k;
}

/* ---- balances ---- */

static err_kind one_int(store_stmt *st, bool *row, int64_t *out, err_detail *err) {
    err_kind k = store_step(st, row, err);
    *out = (!k && *row) ? store_col_int(st, 0) : 0;
    store_stmt_done(st);
    return k;
}

err_kind ledger_balance(store_tx *tx, int64_t account_id, money_fen *out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(tx, STORE_Q_LEDGER_ACCOUNT_BALANCE, &st, err);
    if (k) return k;
    store_bind_int(st, 1, account_id);
    bool row = false;
    int64_t v = 0;
    k = one_int(st, &row, &v, err);
    if (!k && !row)
        return err_set(err, ERR_NOT_FOUND, "account_not_found", "account_id",
                       "没有第 %" PRId64 " 号账户", account_id);
    if (!k) *out = v;
    return k;
}

static money_fen natural(ledger_owner owner, const char *kind, int64_t raw) {
    bool credit_normal = owner == OWNER_POOL || (owner == OWNER_PERSON && !kind_in(kind, person_other_kinds, -1));
    return credit_normal ? -raw : raw;
}

err_kind ledger_natural_balances(store_tx *tx, ledger_owner owner, int64_t owner_id, const char *const kinds[],
                                 int n, money_fen out[], err_detail *err) {
    assert(n >= 1 && n <= LEDGER_BALANCES_KINDS_MAX);
    store_stmt *st;
    err_kind k = store_prepare(tx, STORE_Q_LEDGER_ACCOUNT_BALANCES_OF, &st, err);
    if (k) return k;
    store_bind_text(st, 1, owner_name(owner));
    store_bind_int(st, 2, owner_id);
    for (int i = 0; i < LEDGER_BALANCES_KINDS_MAX; i++) {
        if (i >= n) {
            store_bind_null(st, 3 + i);
            continue;
        }
        assert(kind_valid(owner, kinds[i]) && "account kind does not belong to its owner");
        store_bind_text(st, 3 + i, kinds[i]);
        out[i] = 0;   /* an account not opened yet holds nothing */
    }
    bool row = true;
    while (!k && row) {
        k = store_step(st, &row, err);
        if (k || !row) break;
        const char *kind = store_col_text(st, 0);
        for (int i = 0; i < n; i++)
            if (strcmp(kinds[i], kind) == 0) out[i] = natural(owner, kind, store_col_int(st, 1));
    }
    store_stmt_done(st);
    return k;
}

err_kind ledger_natural_balance(store_tx *tx, ledger_owner owner, int64_t owner_id,
                                const char *kind, money_fen *out, err_detail *err) {
    return ledger_natural_balances(tx, owner, owner_id, &kind, 1, out, err);
}

/* ---- verification ---- */

static void problem_add(ledger_verify_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void problem_add(ledger_verify_result *r, const char *fmt, ...) {
    char one[sizeof r->problem];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(one, sizeof one, fmt, ap);
    va_end(ap);
    size_t used = strlen(r->problem);
    const char *sep = used ? "；" : "";
    /* Whole sentences only: a problem that does not fit is left to the fields. */
    if (used + strlen(sep) + strlen(one) < sizeof r->problem)
        snprintf(r->problem + used, sizeof r->problem - used, "%s%s", sep, one);
}

static err_kind verify_counts(store_tx *tx, ledger_verify_result *r, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(tx, STORE_Q_LEDGER_VERIFY_COUNTS, &st, err);
    if (k) return k;
    bool row = false;
    k = store_step(st, &row, err);
    if (!k && row) {
        r->entries = store_col_int(st, 0);
        r->accounts = store_col_int(st, 1);
    }
    store_stmt_done(st);
    return k;
}

/* The first row a check finds (an id and two numbers), or none. */
typedef struct first_bad {
    bool found;
    int64_t id, a, b;
} first_bad;

static err_kind first_bad_of(store_tx *tx, store_query q, first_bad *out, err_detail *err) {
    store_stmt *st;
    err_kind k = store_prepare(tx, q, &st, err);
    if (k) return k;
    bool row = false;
    k = store_step(st, &row, err);
    *out = (first_bad){.found = !k && row};
    if (out->found) *out = (first_bad){true, store_col_int(st, 0), store_col_int(st, 1), store_col_int(st, 2)};
    store_stmt_done(st);
    return k;
}

static err_kind verify_entries(store_tx *tx, ledger_verify_result *r, err_detail *err) {
    first_bad f;
    err_kind k = first_bad_of(tx, STORE_Q_LEDGER_VERIFY_UNBALANCED, &f, err);
    if (!k && f.found) {
        r->unbalanced_entry_id = f.id;
        problem_add(r, "第 %" PRId64 " 号分录借贷不平（合计 %" PRId64 " 分，%" PRId64 " 行）", f.id, f.a, f.b);
    }
    return k;
}

static err_kind verify_balances(store_tx *tx, ledger_verify_result *r, err_detail *err) {
    first_bad f;
    err_kind k = first_bad_of(tx, STORE_Q_LEDGER_VERIFY_WRONG_BALANCE, &f, err);
    if (!k && f.found) {
        r->wrong_balance_account_id = f.id;
        problem_add(r, "第 %" PRId64 " 号账户余额 %" PRId64 " 分与分录合计 %" PRId64 " 分不符", f.id, f.a, f.b);
    }
    return k;
}

static err_kind verify_bank(store_tx *tx, ledger_verify_result *r, err_detail *err) {
    store_stmt *st;
    bool row = false;
    err_kind k = store_prepare(tx, STORE_Q_LEDGER_VERIFY_BANK, &st, err);
    if (!k) k = one_int(st, &row, &r->bank_clearing_fen, err);
    if (!k) k = store_prepare(tx, STORE_Q_LEDGER_VERIFY_COLLECTED, &st, err);
    if (!k) k = one_int(st, &row, &r->collected_fen, err);
    if (k) return k;
    r->reconciled = r->bank_clearing_fen == r->collected_fen;
    if (!r->reconciled)
        problem_add(r, "银行清算户 %" PRId64 " 分与银行已付托收 %" PRId64 " 分不符",
                    r->bank_clearing_fen, r->collected_fen);
    return ERR_OK;
}

err_kind ledger_verify(store_tx *tx, ledger_verify_result *out, err_detail *err) {
    ledger_verify_result r;
    memset(&r, 0, sizeof r);
    err_kind k = verify_counts(tx, &r, err);
    if (!k) k = verify_entries(tx, &r, err);
    if (!k) k = verify_balances(tx, &r, err);
    if (!k) k = verify_bank(tx, &r, err);
    if (!k) *out = r;
    return k;
}
