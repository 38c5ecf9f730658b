-- Documents issued when an application is approved: a signed PDF stored outside the
-- database under its SHA-256 (DATA_DIR/files), found by the code printed in its QR link.
-- Verification shows the status and the hash, never the applicant. Revocation keeps the row.

CREATE TABLE issued_documents (
    id              INTEGER PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    application_id  INTEGER NOT NULL UNIQUE REFERENCES applications (id) ON DELETE CASCADE,
    agency_id       INTEGER NOT NULL REFERENCES agencies (id),
    number          TEXT NOT NULL,
    title           TEXT NOT NULL,
    title_en        TEXT NOT NULL,
    sha256          TEXT NOT NULL,
    size_bytes      INTEGER NOT NULL,
    issued_at       INTEGER NOT NULL,
    revoked_at      INTEGER,
    revoked_reason  TEXT,
    UNIQUE (agency_id, number)
);
CREATE INDEX issued_documents_by_hash ON issued_documents (sha256);

-- The last sequence number each agency gave a document in a year: numbering starts again
-- at 1 every January, as Indonesian letter numbering does.
CREATE TABLE document_counters (
    agency_id INTEGER NOT NULL REFERENCES agencies (id),
    year      INTEGER NOT NULL,
    last_seq  INTEGER NOT NULL,
    PRIMARY KEY (agency_id, year)
);
