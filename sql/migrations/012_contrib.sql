-- Contributions.
--
-- 1. The assessment lines are the hot table of the monthly run (a million
-- persons: six or seven million lines a month), where every index and check
-- is paid once per line. The table keeps its columns, and:
--  - loses the FOREIGN KEY clauses: each line is written by svc code right
--    after it read the bill, the span and the person in the same transaction,
--    and checking the four parents of every line again cost a quarter of the
--    run;
--  - assessments_once keeps its columns (so ON CONFLICT (span_id, month, kind,
--    bill_id) still names it) but leads with bill_id: a month's lines then go
--    to the end of the index instead of all over it, and it serves the
--    lookups by bill, so the separate assessments_bill index goes.
-- The table is rebuilt with its rows (SQLite cannot drop a constraint in place).
CREATE TABLE assessments_new (
    id               INTEGER PRIMARY KEY,
    bill_id          INTEGER NOT NULL,     -- bills(id)
    unit_id          INTEGER,              -- units(id)
    person_id        INTEGER NOT NULL,     -- persons(id)
    span_id          INTEGER NOT NULL,     -- insured_spans(id)
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
INSERT INTO assessments_new (id, bill_id, unit_id, person_id, span_id, month, insurance, kind, base_fen,
    unit_rate_bp, personal_rate_bp, unit_fen, personal_fen, created_at_ms)
    SELECT id, bill_id, unit_id, person_id, span_id, month, insurance, kind, base_fen, unit_rate_bp,
           personal_rate_bp, unit_fen, personal_fen, created_at_ms FROM assessments;
DROP TABLE assessments;
ALTER TABLE assessments_new RENAME TO assessments;
CREATE UNIQUE INDEX assessments_once ON assessments(bill_id, span_id, month, kind);
CREATE INDEX assessments_person ON assessments(person_id, month);

-- 2. The monthly run walks the persons who pay for themselves (flexible
-- workers, residents) in id order; a partial index keeps that walk off the
-- millions of unit-paid spans.
CREATE INDEX insured_spans_person_paid ON insured_spans(person_id) WHERE payer = 'person';

-- 3. The run reads a unit's declared bases of the policy year in one query.
CREATE INDEX contribution_bases_unit ON contribution_bases(unit_id, policy_year, person_id, from_month);
