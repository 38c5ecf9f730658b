-- Applications for public services. A draft belongs to its citizen alone; submitting it
-- gives it a receipt number, the first workflow step and an SLA due date counted in working
-- days. The answers hold personal data, so they are stored sealed (AES-256-GCM, field
-- `applications.data`). The region is the citizen's district, for officers' scope.
-- An idempotency key makes a retried API submission return the first application.

CREATE TABLE applications (
    id               INTEGER PRIMARY KEY,
    receipt          TEXT UNIQUE,
    service_id       INTEGER NOT NULL,
    service_version  INTEGER NOT NULL,
    agency_id        INTEGER NOT NULL REFERENCES agencies (id),
    account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    region_code      TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('draft', 'in_progress', 'revision', 'approved', 'rejected', 'withdrawn')),
    step             TEXT,
    data_sealed      TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    submitted_at     INTEGER,
    due_on           TEXT,
    -- While the citizen corrects (status revision): the local date the SLA clock paused.
    paused_on        TEXT,
    idempotency_key  TEXT,
    -- SHA-256 of the request that used the key: a retry must repeat it exactly.
    idempotency_digest TEXT,
    FOREIGN KEY (service_id, service_version) REFERENCES service_versions (service_id, version),
    UNIQUE (account_id, idempotency_key)
);
CREATE INDEX applications_by_account ON applications (account_id, updated_at);
CREATE INDEX applications_queue ON applications (agency_id, status, due_on);

-- What happened to an application, shown to its citizen as a timeline.
CREATE TABLE application_events (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    at             INTEGER NOT NULL,
    actor          TEXT NOT NULL,
    kind           TEXT NOT NULL,
    step           TEXT,
    note           TEXT
);
CREATE INDEX application_events_by_application ON application_events (application_id, id);

-- Documents uploaded for an application's requirements, one per requirement (a new upload
-- replaces it). The content lives outside the database, in DATA_DIR/files, named by its
-- SHA-256; the row holds the hash, the sniffed type and the size.
CREATE TABLE attachments (
    id              INTEGER PRIMARY KEY,
    application_id  INTEGER NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    requirement_key TEXT NOT NULL,
    sha256          TEXT NOT NULL,
    media_type      TEXT NOT NULL,
    size_bytes      INTEGER NOT NULL,
    file_name       TEXT NOT NULL,
    uploaded_at     INTEGER NOT NULL,
    UNIQUE (application_id, requirement_key)
);
