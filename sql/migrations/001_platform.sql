-- The platform: persons and units (the registry extends them), accounts and
-- sessions, the audit trail, the service catalog and applications.
-- Dates are TEXT 'YYYY-MM-DD'; instants are INTEGER milliseconds since the epoch.
-- Every table carries the person or unit key it belongs to, where it has one.

CREATE TABLE persons (
    id            INTEGER PRIMARY KEY,
    id_kind       TEXT NOT NULL DEFAULT 'resident',
    id_number     TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    sex           TEXT CHECK (sex IN ('M', 'F')),
    birth_date    TEXT,
    mobile        TEXT,
    created_at_ms INTEGER NOT NULL
);

CREATE TABLE units (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,     -- unified social credit code
    name          TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
);

-- Everyone who signs in. login is the person's ID number, the unit code and
-- operator name joined by '/', or the staff user name.
CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('person', 'unit', 'staff')),
    login           TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('person', 'unit', 'clerk', 'reviewer', 'finance', 'admin')),
    person_id       INTEGER REFERENCES persons(id),
    unit_id         INTEGER REFERENCES units(id),
    display_name    TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    failed_count    INTEGER NOT NULL DEFAULT 0,
    locked_until_ms INTEGER NOT NULL DEFAULT 0,
    disabled        INTEGER NOT NULL DEFAULT 0,
    created_at_ms   INTEGER NOT NULL,
    updated_at_ms   INTEGER NOT NULL,
    UNIQUE (kind, login)
);

CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,            -- SHA-256 of the token; the token is never stored
    user_id       INTEGER NOT NULL REFERENCES users(id),
    role          TEXT NOT NULL,
    channel       TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    revoked       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Append-only; hash = SHA-256 over prev_hash and the row's fields (see svc/audit.c).
CREATE TABLE audit_log (
    seq           INTEGER PRIMARY KEY,
    ts_ms         INTEGER NOT NULL,
    actor_user_id INTEGER,
    actor_role    TEXT NOT NULL,
    channel       TEXT NOT NULL,
    action        TEXT NOT NULL,
    target        TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    request_id    TEXT NOT NULL,
    detail        TEXT NOT NULL DEFAULT '',
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL
);
CREATE INDEX audit_log_target ON audit_log(target);

CREATE TABLE catalog_items (
    id                  TEXT PRIMARY KEY,
    area_zh             TEXT NOT NULL,
    name_zh             TEXT NOT NULL,
    name_en             TEXT NOT NULL,
    audience            TEXT NOT NULL,   -- comma list, primary first
    channels            TEXT NOT NULL,   -- comma list
    offices             TEXT NOT NULL,
    time_limit_text     TEXT NOT NULL,
    time_limit_workdays INTEGER,         -- 0 immediate; NULL not stated
    conditions_zh       TEXT NOT NULL,
    materials           TEXT NOT NULL,   -- JSON array of strings
    rules_en            TEXT NOT NULL,
    source              TEXT NOT NULL,
    is_open             INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE applications (
    id                INTEGER PRIMARY KEY,
    item_id           TEXT NOT NULL REFERENCES catalog_items(id),
    person_id         INTEGER REFERENCES persons(id),
    unit_id           INTEGER REFERENCES units(id),
    applicant_user_id INTEGER REFERENCES users(id),
    channel           TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('submitted', 'accepted', 'approved', 'refused', 'completed', 'withdrawn')),
    payload           TEXT NOT NULL,     -- JSON object
    submitted_on      TEXT NOT NULL,
    accepted_on       TEXT,
    deadline_on       TEXT,
    decided_on        TEXT,
    decision_reason   TEXT,
    completed_on      TEXT,
    created_at_ms     INTEGER NOT NULL,
    updated_at_ms     INTEGER NOT NULL
);
CREATE INDEX applications_queue ON applications(state, deadline_on);
CREATE INDEX applications_person ON applications(person_id);
CREATE INDEX applications_unit ON applications(unit_id);

CREATE TABLE application_materials (
    application_id INTEGER NOT NULL REFERENCES applications(id),
    idx            INTEGER NOT NULL,
    name           TEXT NOT NULL,
    received       INTEGER NOT NULL DEFAULT 0,
    received_on    TEXT,
    PRIMARY KEY (application_id, idx)
);

CREATE TABLE application_events (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications(id),
    ts_ms          INTEGER NOT NULL,
    business_date  TEXT NOT NULL,
    actor_user_id  INTEGER,
    actor_role     TEXT NOT NULL,
    action         TEXT NOT NULL,
    from_state     TEXT,
    to_state       TEXT NOT NULL,
    note           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX application_events_app ON application_events(application_id);
