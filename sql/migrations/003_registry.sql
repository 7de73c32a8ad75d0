-- The registry: units and persons in full, employments, insured relationships
-- (spans) with their events, construction projects and transfer records.

ALTER TABLE units ADD COLUMN unit_type TEXT NOT NULL DEFAULT 'enterprise';     -- enterprise, institution, social_org, non_legal, government
ALTER TABLE units ADD COLUMN industry_class INTEGER NOT NULL DEFAULT 1;        -- work-injury risk class 1..8
ALTER TABLE units ADD COLUMN category TEXT NOT NULL DEFAULT 'sip_a';           -- default category of its employees (policy registry.categories)
ALTER TABLE units ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE units ADD COLUMN contact_name TEXT NOT NULL DEFAULT '';
ALTER TABLE units ADD COLUMN contact_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE units ADD COLUMN district TEXT NOT NULL DEFAULT '园区';             -- 参保所属地
ALTER TABLE units ADD COLUMN bank_name TEXT;
ALTER TABLE units ADD COLUMN bank_account TEXT;
ALTER TABLE units ADD COLUMN collection_agreement INTEGER NOT NULL DEFAULT 0;  -- 托收协议 signed
ALTER TABLE units ADD COLUMN has_certificate INTEGER NOT NULL DEFAULT 0;       -- 数字证书 issued
ALTER TABLE units ADD COLUMN online_payment INTEGER NOT NULL DEFAULT 0;        -- 网上缴费权限
ALTER TABLE units ADD COLUMN hf_rate_bp INTEGER;                               -- housing fund rate chosen by the unit
ALTER TABLE units ADD COLUMN status TEXT NOT NULL DEFAULT 'active';            -- active, cancelled
ALTER TABLE units ADD COLUMN registered_on TEXT;
ALTER TABLE units ADD COLUMN cancelled_on TEXT;
ALTER TABLE units ADD COLUMN updated_at_ms INTEGER NOT NULL DEFAULT 0;

CREATE TABLE unit_changes (
    id             INTEGER PRIMARY KEY,
    unit_id        INTEGER NOT NULL REFERENCES units(id),
    field          TEXT NOT NULL,
    old_value      TEXT,
    new_value      TEXT,
    changed_on     TEXT NOT NULL,
    actor_user_id  INTEGER,
    application_id INTEGER REFERENCES applications(id),
    at_ms          INTEGER NOT NULL
);
CREATE INDEX unit_changes_unit ON unit_changes(unit_id);

ALTER TABLE persons ADD COLUMN nationality TEXT NOT NULL DEFAULT 'CHN';        -- ISO 3166 alpha-3, or HKG/MAC/TWN
ALTER TABLE persons ADD COLUMN hukou_kind TEXT NOT NULL DEFAULT 'other_province'; -- sip, suzhou, jiangsu, other_province, hmt, foreign
ALTER TABLE persons ADD COLUMN email TEXT;
ALTER TABLE persons ADD COLUMN address TEXT;
ALTER TABLE persons ADD COLUMN si_number TEXT;                                 -- 10-digit Suzhou social security number
ALTER TABLE persons ADD COLUMN park_number TEXT;                               -- the park's own personal number
ALTER TABLE persons ADD COLUMN is_student INTEGER NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN retired_on TEXT;                                -- receives a pension since
ALTER TABLE persons ADD COLUMN updated_at_ms INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX persons_si_number ON persons(si_number);
CREATE UNIQUE INDEX persons_park_number ON persons(park_number);

-- Every identity a person has had; the current one has valid_to_ms NULL.
CREATE TABLE person_identities (
    id             INTEGER PRIMARY KEY,
    person_id      INTEGER NOT NULL REFERENCES persons(id),
    id_kind        TEXT NOT NULL,
    id_number      TEXT NOT NULL,
    name           TEXT NOT NULL,
    valid_from_ms  INTEGER NOT NULL,
    valid_to_ms    INTEGER,
    application_id INTEGER REFERENCES applications(id)
);
CREATE INDEX person_identities_number ON person_identities(id_number);
CREATE INDEX person_identities_person ON person_identities(person_id);

CREATE TABLE person_changes (
    id             INTEGER PRIMARY KEY,
    person_id      INTEGER NOT NULL REFERENCES persons(id),
    field          TEXT NOT NULL,
    old_value      TEXT,
    new_value      TEXT,
    changed_on     TEXT NOT NULL,
    actor_user_id  INTEGER,
    application_id INTEGER REFERENCES applications(id),
    at_ms          INTEGER NOT NULL
);
CREATE INDEX person_changes_person ON person_changes(person_id);

CREATE TABLE registry_counters (
    name       TEXT PRIMARY KEY,
    next_value INTEGER NOT NULL
);

-- A person working at a unit (劳动关系 as the center sees it).
CREATE TABLE employments (
    id                    INTEGER PRIMARY KEY,
    person_id             INTEGER NOT NULL REFERENCES persons(id),
    unit_id               INTEGER NOT NULL REFERENCES units(id),
    kind                  TEXT NOT NULL,          -- regular, foreign, hmt, intern, over_age, part_time, construction
    start_date            TEXT NOT NULL,          -- 用工之日
    contract_end          TEXT,
    end_date              TEXT,
    enrolled_on           TEXT NOT NULL,
    late                  INTEGER NOT NULL DEFAULT 0,
    late_days             INTEGER,
    hours_per_day_x10     INTEGER,                -- part-time: tenths of an hour
    hours_per_week_x10    INTEGER,
    school                TEXT,                   -- intern
    school_kind           TEXT,                   -- vocational, technical, university
    project_id            INTEGER,                -- construction
    pays_hf               INTEGER,                -- foreign/HMT: pays housing fund
    hf_rate_bp            INTEGER,
    exemption_country     TEXT,                   -- bilateral agreement exempting pension/unemployment
    termination_reason    TEXT,
    termination_voluntary INTEGER,
    reason_changes        INTEGER NOT NULL DEFAULT 0,
    status                TEXT NOT NULL DEFAULT 'active',   -- active, terminated
    created_at_ms         INTEGER NOT NULL,
    updated_at_ms         INTEGER NOT NULL
);
CREATE INDEX employments_person ON employments(person_id);
CREATE INDEX employments_unit ON employments(unit_id, status);

-- One insured relationship: a person, an insurance, who pays, a category and
-- a span of months (end_month NULL while open).
CREATE TABLE insured_spans (
    id            INTEGER PRIMARY KEY,
    person_id     INTEGER NOT NULL REFERENCES persons(id),
    unit_id       INTEGER REFERENCES units(id),
    employment_id INTEGER REFERENCES employments(id),
    insurance     TEXT NOT NULL,    -- pension, medical, unemployment, injury, maternity, housing_fund, housing_subsidy
    payer         TEXT NOT NULL,    -- unit, person, school
    category      TEXT NOT NULL,    -- policy registry.categories
    tier          TEXT,             -- flexible and resident: package/tier
    start_month   INTEGER NOT NULL, -- yyyymm
    end_month     INTEGER,          -- yyyymm, inclusive
    status        TEXT NOT NULL,    -- normal, suspended, terminated, sealed
    reason        TEXT NOT NULL DEFAULT '',
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
CREATE INDEX insured_spans_person ON insured_spans(person_id, insurance);
CREATE INDEX insured_spans_unit ON insured_spans(unit_id);

CREATE TABLE span_events (
    id              INTEGER PRIMARY KEY,
    span_id         INTEGER NOT NULL REFERENCES insured_spans(id),
    person_id       INTEGER NOT NULL REFERENCES persons(id),
    at_ms           INTEGER NOT NULL,
    business_date   TEXT NOT NULL,
    action          TEXT NOT NULL,  -- open, close, suspend, resume, seal, tier, package
    from_status     TEXT,
    to_status       TEXT NOT NULL,
    effective_month INTEGER NOT NULL,
    detail          TEXT NOT NULL DEFAULT '',
    actor_user_id   INTEGER
);
CREATE INDEX span_events_span ON span_events(span_id);
CREATE INDEX span_events_person ON span_events(person_id);

CREATE TABLE construction_projects (
    id            INTEGER PRIMARY KEY,
    unit_id       INTEGER NOT NULL REFERENCES units(id),
    name          TEXT NOT NULL,
    contract_no   TEXT NOT NULL,
    start_date    TEXT NOT NULL,
    end_date      TEXT,
    created_at_ms INTEGER NOT NULL,
    UNIQUE (unit_id, contract_no)
);

CREATE TABLE transfers (
    id            INTEGER PRIMARY KEY,
    person_id     INTEGER NOT NULL REFERENCES persons(id),
    direction     TEXT NOT NULL,      -- in, out
    insurance     TEXT NOT NULL,
    region        TEXT NOT NULL,      -- where from or to
    province      TEXT NOT NULL,
    start_month   INTEGER,
    end_month     INTEGER,
    months        INTEGER NOT NULL DEFAULT 0,
    status        TEXT NOT NULL,      -- recorded, not_needed (within Jiangsu)
    recorded_on   TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX transfers_person ON transfers(person_id);
