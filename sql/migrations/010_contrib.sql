-- Contributions and accounts: declared bases, assessments, bills, bank
-- collection, arrears, the double-entry ledger, batch runs, statements.
-- Money is INTEGER fen; months are INTEGER yyyymm; dates TEXT 'YYYY-MM-DD'.

-- The monthly contribution base of a person at a unit for a policy year
-- (July..June; policy_year 2025 = 2025-07..2026-06). The housing fund base
-- equals the social insurance base of the same month; the housing subsidy
-- base equals the housing fund base.
CREATE TABLE contribution_bases (
    id              INTEGER PRIMARY KEY,
    person_id       INTEGER NOT NULL REFERENCES persons(id),
    unit_id         INTEGER NOT NULL REFERENCES units(id),
    policy_year     INTEGER NOT NULL,
    from_month      INTEGER NOT NULL,          -- first month it applies (hire or raise month)
    declared_wage_fen INTEGER NOT NULL,
    base_fen        INTEGER NOT NULL,          -- the wage held within the year's limits
    source          TEXT NOT NULL,             -- annual, hire, raise
    declared_on     TEXT NOT NULL,
    created_at_ms   INTEGER NOT NULL
);
CREATE INDEX contribution_bases_person ON contribution_bases(person_id, unit_id, policy_year, from_month);

-- A payer's bill for a month: a unit's (unit_id) or a person's (flexible,
-- residents: person_id). kind: regular, backpay, difference, subsidy.
CREATE TABLE bills (
    id                 INTEGER PRIMARY KEY,
    unit_id            INTEGER REFERENCES units(id),
    person_id          INTEGER REFERENCES persons(id),
    month              INTEGER NOT NULL,
    kind               TEXT NOT NULL,
    status             TEXT NOT NULL,       -- draft, confirmed, sent, paid, failed
    unit_total_fen     INTEGER NOT NULL DEFAULT 0,
    personal_total_fen INTEGER NOT NULL DEFAULT 0,
    lines              INTEGER NOT NULL DEFAULT 0,
    due_on             TEXT NOT NULL,
    confirmed_on       TEXT,
    paid_on            TEXT,
    application_id     INTEGER REFERENCES applications(id),
    ledger_entry_id    INTEGER,
    created_at_ms      INTEGER NOT NULL,
    updated_at_ms      INTEGER NOT NULL
);
CREATE UNIQUE INDEX bills_unit_month ON bills(unit_id, month, kind) WHERE unit_id IS NOT NULL AND kind <> 'backpay';
CREATE UNIQUE INDEX bills_person_month ON bills(person_id, month, kind) WHERE unit_id IS NULL AND kind <> 'backpay';
CREATE INDEX bills_status ON bills(status, month);

-- One line of a bill: a person, an insurance, a month.
CREATE TABLE assessments (
    id               INTEGER PRIMARY KEY,
    bill_id          INTEGER NOT NULL REFERENCES bills(id),
    unit_id          INTEGER REFERENCES units(id),
    person_id        INTEGER NOT NULL REFERENCES persons(id),
    span_id          INTEGER NOT NULL REFERENCES insured_spans(id),
    month            INTEGER NOT NULL,
    insurance        TEXT NOT NULL,
    kind             TEXT NOT NULL,        -- regular, backpay, difference
    base_fen         INTEGER NOT NULL,
    unit_rate_bp     INTEGER NOT NULL,
    personal_rate_bp INTEGER NOT NULL,
    unit_fen         INTEGER NOT NULL,
    personal_fen     INTEGER NOT NULL,
    created_at_ms    INTEGER NOT NULL
);
CREATE UNIQUE INDEX assessments_once ON assessments(span_id, month, kind, bill_id);
CREATE INDEX assessments_bill ON assessments(bill_id);
CREATE INDEX assessments_person ON assessments(person_id, month);

-- Collection (托收): one file per bank per run, one line per bill.
CREATE TABLE collection_files (
    id           INTEGER PRIMARY KEY,
    bank         TEXT NOT NULL,
    month        INTEGER NOT NULL,
    file_name    TEXT NOT NULL UNIQUE,
    lines        INTEGER NOT NULL,
    total_fen    INTEGER NOT NULL,
    created_on   TEXT NOT NULL,
    status       TEXT NOT NULL,        -- sent, replied
    created_at_ms INTEGER NOT NULL
);
CREATE TABLE collection_lines (
    id          INTEGER PRIMARY KEY,
    file_id     INTEGER NOT NULL REFERENCES collection_files(id),
    bill_id     INTEGER NOT NULL REFERENCES bills(id),
    account     TEXT NOT NULL,
    amount_fen  INTEGER NOT NULL,
    result      TEXT,                  -- paid, failed
    reason      TEXT,
    replied_on  TEXT,
    UNIQUE (file_id, bill_id)
);

-- Unpaid bills past their due date; the late fee accrues daily (policy late_fee.daily_rate_ppm).
CREATE TABLE arrears (
    id           INTEGER PRIMARY KEY,
    bill_id      INTEGER NOT NULL UNIQUE REFERENCES bills(id),
    unit_id      INTEGER REFERENCES units(id),
    person_id    INTEGER REFERENCES persons(id),
    amount_fen   INTEGER NOT NULL,
    due_on       TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    settled_on   TEXT,
    late_fee_fen INTEGER,              -- fixed when settled
    created_at_ms INTEGER NOT NULL
);

-- The double-entry ledger. Postings of an entry sum to zero; entries are
-- never changed, only reversed; balances are kept and can be recomputed.
CREATE TABLE ledger_accounts (
    id          INTEGER PRIMARY KEY,
    owner_kind  TEXT NOT NULL,         -- person, unit, pool, bank
    owner_id    INTEGER NOT NULL,      -- person or unit id; 0 for pools and the bank
    kind        TEXT NOT NULL,         -- see src/ledger/ledger.h
    balance_fen INTEGER NOT NULL DEFAULT 0,
    UNIQUE (owner_kind, owner_id, kind)
);
CREATE TABLE ledger_entries (
    id               INTEGER PRIMARY KEY,
    idem_key         TEXT NOT NULL UNIQUE,
    business_date    TEXT NOT NULL,
    kind             TEXT NOT NULL,
    memo             TEXT NOT NULL DEFAULT '',
    reverses_entry_id INTEGER REFERENCES ledger_entries(id),
    created_at_ms    INTEGER NOT NULL
);
CREATE TABLE ledger_postings (
    id          INTEGER PRIMARY KEY,
    entry_id    INTEGER NOT NULL REFERENCES ledger_entries(id),
    account_id  INTEGER NOT NULL REFERENCES ledger_accounts(id),
    amount_fen  INTEGER NOT NULL,      -- debit positive, credit negative
    month       INTEGER                -- the contribution month it concerns, when it does
);
CREATE INDEX ledger_postings_entry ON ledger_postings(entry_id);
CREATE INDEX ledger_postings_account ON ledger_postings(account_id);

-- Long runs (monthly assessment, collection, interest, statements) in chunks:
-- one row per run, advanced by each committed chunk, so a killed run resumes.
CREATE TABLE batch_runs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    run_key       TEXT NOT NULL,
    status        TEXT NOT NULL,       -- running, done, failed
    last_key      INTEGER NOT NULL DEFAULT 0,
    done_count    INTEGER NOT NULL DEFAULT 0,
    total_count   INTEGER NOT NULL DEFAULT 0,
    started_at_ms INTEGER NOT NULL,
    finished_at_ms INTEGER,
    detail        TEXT NOT NULL DEFAULT '',
    UNIQUE (kind, run_key)
);

-- Medical subsidy credits (医疗补助增记) a unit imports or generates: fixed once saved.
CREATE TABLE med_subsidy_credits (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    person_id   INTEGER NOT NULL REFERENCES persons(id),
    month       INTEGER NOT NULL,
    retired     INTEGER NOT NULL DEFAULT 0,
    amount_fen  INTEGER NOT NULL,
    bill_id     INTEGER REFERENCES bills(id),
    status      TEXT NOT NULL,         -- saved, collected
    saved_on    TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    UNIQUE (unit_id, person_id, month)
);

-- Paper statements: the default is paper; a row records an opt-out (paper = 0)
-- or a return to paper for one statement period (period = yyyy of its 30 June).
CREATE TABLE statement_prefs (
    person_id  INTEGER NOT NULL REFERENCES persons(id),
    period     INTEGER NOT NULL,
    paper      INTEGER NOT NULL,
    set_on     TEXT NOT NULL,
    by_unit_id INTEGER REFERENCES units(id),
    PRIMARY KEY (person_id, period)
);
