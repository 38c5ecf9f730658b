-- Complaints (pengaduan, LAPOR!/SP4N model, Perpres 76/2013): topics offered to reporters
-- (also the Open311 services), routing rules (topic × region → agency) as data, the reports
-- with their privacy choices and SLA due dates, their public timeline, and "me too" support.
--
-- The reporter's identity and every report's text are sealed; a report that is not
-- confidential (Rahasia) also keeps its text in `public_text` for the board and the
-- duplicate search. A confidential report never has one.

CREATE TABLE complaint_topics (
    id              INTEGER PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    name_id         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    description_id  TEXT NOT NULL,
    description_en  TEXT NOT NULL,
    group_id        TEXT NOT NULL,
    group_en        TEXT NOT NULL,
    keywords        TEXT NOT NULL DEFAULT '',
    active          INTEGER NOT NULL DEFAULT 1
);

-- The longest matching region prefix wins; '' matches everywhere.
CREATE TABLE complaint_routes (
    id              INTEGER PRIMARY KEY,
    topic_id        INTEGER NOT NULL REFERENCES complaint_topics (id),
    region_prefix   TEXT NOT NULL,
    agency_id       INTEGER NOT NULL REFERENCES agencies (id),
    UNIQUE (topic_id, region_prefix)
);

CREATE TABLE complaints (
    id                  INTEGER PRIMARY KEY,
    tracking_hash       TEXT NOT NULL UNIQUE,
    category            TEXT NOT NULL CHECK (category IN ('complaint', 'aspiration', 'information')),
    topic_id            INTEGER NOT NULL REFERENCES complaint_topics (id),
    title               TEXT NOT NULL,
    text_sealed         TEXT NOT NULL,
    public_text         TEXT,
    region_code         TEXT,
    address             TEXT,
    lat                 REAL,
    lon                 REAL,
    confidential        INTEGER NOT NULL DEFAULT 0,
    anonymous           INTEGER NOT NULL DEFAULT 0,
    account_id          INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    reporter_sealed     TEXT,
    agency_id           INTEGER REFERENCES agencies (id),
    status              TEXT NOT NULL CHECK (status IN ('received', 'forwarded', 'done', 'closed', 'rejected')),
    source              TEXT NOT NULL,
    client_key          TEXT,
    idempotency_key     TEXT,
    received_at         INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    forward_due_on      TEXT NOT NULL,
    follow_up_due_on    TEXT,
    confirm_due_on      TEXT,
    closed_at           INTEGER,
    closed_how          TEXT,
    escalated_at        INTEGER,
    supporters          INTEGER NOT NULL DEFAULT 0,
    UNIQUE (client_key, idempotency_key)
);
CREATE INDEX complaints_by_time ON complaints (received_at);
CREATE INDEX complaints_by_status ON complaints (status, received_at);
CREATE INDEX complaints_by_topic ON complaints (topic_id, received_at);
CREATE INDEX complaints_by_agency ON complaints (agency_id, status);

CREATE TABLE complaint_events (
    id              INTEGER PRIMARY KEY,
    complaint_id    INTEGER NOT NULL REFERENCES complaints (id) ON DELETE CASCADE,
    at              INTEGER NOT NULL,
    actor           TEXT NOT NULL,
    kind            TEXT NOT NULL,
    agency_id       INTEGER REFERENCES agencies (id),
    note            TEXT
);
CREATE INDEX complaint_events_by_complaint ON complaint_events (complaint_id, id);

-- One support per supporter (a signed-in account or a browser's cookie), counted on the report.
CREATE TABLE complaint_supports (
    complaint_id    INTEGER NOT NULL REFERENCES complaints (id) ON DELETE CASCADE,
    supporter       TEXT NOT NULL,
    at              INTEGER NOT NULL,
    PRIMARY KEY (complaint_id, supporter)
);

-- Apps allowed to post through Open311 (`api_key`): only the key's SHA-256 is kept.
CREATE TABLE open311_clients (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    key_hash        TEXT NOT NULL UNIQUE,
    created_at      INTEGER NOT NULL,
    revoked_at      INTEGER
);
