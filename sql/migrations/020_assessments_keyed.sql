-- The assessment lines keyed by what makes one unique: (bill, span, month,
-- kind), as the table itself (WITHOUT ROWID) rather than a rowid table plus a
-- unique index over the same columns. The monthly run writes six or seven
-- million lines; each line now goes into two b-trees (this one and the
-- person index) instead of three. Nothing refers to a line by a row id; a
-- bill's lines are listed by person, month and span.
CREATE TABLE assessments_new (
    bill_id          INTEGER NOT NULL,     -- bills(id)
    unit_id          INTEGER,              -- units(id)
    person_id        INTEGER NOT NULL,     -- persons(id)
    span_id          INTEGER NOT NULL,     -- insured_spans(id)
    month            INTEGER NOT NULL,
    insurance        TEXT NOT NULL,
    kind             TEXT NOT NULL,        -- regular, backpay, difference, subsidy
    base_fen         INTEGER NOT NULL,
    unit_rate_bp     INTEGER NOT NULL,
    personal_rate_bp INTEGER NOT NULL,
    unit_fen         INTEGER NOT NULL,
    personal_fen     INTEGER NOT NULL,
    created_at_ms    INTEGER NOT NULL,
    PRIMARY KEY (bill_id, span_id, month, kind)
) WITHOUT ROWID;
INSERT INTO assessments_new (bill_id, unit_id, person_id, span_id, month, insurance, kind, base_fen,
    unit_rate_bp, personal_rate_bp, unit_fen, personal_fen, created_at_ms)
    SELECT bill_id, unit_id, person_id, span_id, month, insurance, kind, base_fen, unit_rate_bp,
           personal_rate_bp, unit_fen, personal_fen, created_at_ms FROM assessments;
DROP TABLE assessments;
ALTER TABLE assessments_new RENAME TO assessments;
CREATE INDEX assessments_person ON assessments(person_id, month);
CREATE INDEX assessments_backpaid ON assessments(unit_id, month, span_id) WHERE kind = 'backpay';

-- The month run reads every unit-paid span of a unit, in span order: an index
-- holding every column the run reads answers it without visiting the table
-- (one b-tree walk per unit instead of one table look-up per span). It
-- serves the look-ups by unit the plain index served.
CREATE INDEX insured_spans_unit_run ON insured_spans(unit_id, id, person_id, insurance, payer, status, start_month,
    end_month, employment_id);
DROP INDEX insured_spans_unit;
