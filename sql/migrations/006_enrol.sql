-- Employee enrolment: what an employment still lacked (its category, the
-- bilateral agreement's certificate, the day the termination was filed) and
-- the history of termination reason changes.

ALTER TABLE employments ADD COLUMN category TEXT;                 -- policy registry.categories, as its spans
ALTER TABLE employments ADD COLUMN exemption_certificate TEXT;    -- certificate of the bilateral agreement
ALTER TABLE employments ADD COLUMN terminated_on TEXT;            -- business date the termination was filed

CREATE TABLE termination_reason_changes (
    id             INTEGER PRIMARY KEY,
    employment_id  INTEGER NOT NULL REFERENCES employments(id),
    person_id      INTEGER NOT NULL REFERENCES persons(id),
    unit_id        INTEGER NOT NULL REFERENCES units(id),
    old_reason     TEXT NOT NULL,
    new_reason     TEXT NOT NULL,
    changed_on     TEXT NOT NULL,
    actor_user_id  INTEGER,
    at_ms          INTEGER NOT NULL
);
CREATE INDEX termination_reason_changes_employment ON termination_reason_changes(employment_id);
CREATE INDEX employments_person_status ON employments(person_id, status);
