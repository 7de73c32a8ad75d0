-- Statements: the yearly run marks every person whose statement of a period
-- (period = the year of its 30 June) was produced, and whether on paper, so a
-- run started again skips nobody and produces nobody twice.
CREATE TABLE statement_runs (
    person_id   INTEGER NOT NULL REFERENCES persons(id),
    period      INTEGER NOT NULL,
    produced_on TEXT NOT NULL,
    paper       INTEGER NOT NULL,
    PRIMARY KEY (person_id, period)
);
CREATE INDEX statement_runs_period ON statement_runs(period, person_id);
