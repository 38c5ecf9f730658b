-- Identity and access: accounts, sessions, second factors, roles, API tokens, businesses,
-- the outgoing mail queue, and the record of who read whose personal data.
-- NIK, phone, address and birth date are stored sealed (AES-256-GCM, `v1:{key id}:…`);
-- lookups by NIK go through a keyed blind index, so a dump alone reveals no NIK.

CREATE TABLE accounts (
    id                   INTEGER PRIMARY KEY,
    kind                 TEXT NOT NULL CHECK (kind IN ('citizen', 'officer')),
    name                 TEXT NOT NULL,
    email                TEXT UNIQUE,
    email_verified_at    INTEGER,
    nik_index            TEXT UNIQUE,
    nik_sealed           TEXT,
    -- The district (kecamatan) code of the NIK, for officers' regional scope.
    nik_district         TEXT,
    phone_sealed         TEXT,
    address_sealed       TEXT,
    birth_date_sealed    TEXT,
    password_hash        TEXT NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    totp_secret_sealed   TEXT,
    totp_enabled_at      INTEGER,
    totp_last_step       INTEGER,
    created_at           INTEGER NOT NULL,
    disabled_at          INTEGER
);

CREATE TABLE recovery_codes (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    digest     TEXT NOT NULL,
    used_at    INTEGER,
    PRIMARY KEY (account_id, digest)
);

-- Sessions: the cookie holds a random token; only its SHA-256 is stored.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- 1 while the password is checked but the second factor is not yet.
    pending_2fa  INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_by_account ON sessions (account_id);

-- Single-use links sent by mail: email verification, password reset, business invitations.
CREATE TABLE email_tokens (
    token_hash TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL CHECK (purpose IN ('verify', 'reset', 'invite')),
    account_id INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    business_id INTEGER,
    email      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);

-- Failed sign-ins per account and per client address, shared by every node.
CREATE TABLE login_throttle (
    throttle_key TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    locked_until INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- A role is always scoped: to an agency (or the whole installation when NULL, admin and
-- auditor only) and to a region code prefix.
CREATE TABLE officer_roles (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'agency_admin', 'officer', 'supervisor', 'content_editor', 'auditor')),
    agency_id   INTEGER REFERENCES agencies (id),
    region_code TEXT NOT NULL REFERENCES regions (code),
    granted_at  INTEGER NOT NULL,
    UNIQUE (account_id, role, agency_id, region_code)
);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    scopes       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    last_used_at INTEGER
);
CREATE INDEX api_tokens_by_account ON api_tokens (account_id);

CREATE TABLE businesses (
    id         INTEGER PRIMARY KEY,
    nib        TEXT NOT NULL UNIQUE,
    npwp       TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES accounts (id),
    created_at INTEGER NOT NULL
);

CREATE TABLE business_members (
    business_id INTEGER NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('owner', 'delegate')),
    added_at    INTEGER NOT NULL,
    PRIMARY KEY (business_id, account_id)
);

-- Each officer read of a citizen's record: shown to the citizen, and entered in the audit log.
CREATE TABLE data_access_log (
    id          INTEGER PRIMARY KEY,
    citizen_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    officer_id  INTEGER NOT NULL REFERENCES accounts (id),
    agency_id   INTEGER REFERENCES agencies (id),
    role        TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    accessed_at INTEGER NOT NULL,
    audit_index INTEGER NOT NULL
);
CREATE INDEX data_access_by_citizen ON data_access_log (citizen_id, accessed_at);

-- Requests under UU PDP (Law 27/2022): correction or deletion of one's data.
CREATE TABLE privacy_requests (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('correction', 'deletion')),
    details       TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'done', 'refused')),
    created_at    INTEGER NOT NULL,
    resolved_at   INTEGER,
    resolved_by   INTEGER REFERENCES accounts (id),
    resolution    TEXT
);

-- Mail waits here in the transaction that caused it and is sent after commit, retried
-- until delivered; the body is cleared once sent (it may hold a single-use link).
CREATE TABLE mail_outbox (
    id              INTEGER PRIMARY KEY,
    to_address      TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    sent_at         INTEGER
);
CREATE INDEX mail_outbox_due ON mail_outbox (sent_at, next_attempt_at);

-- Content drafts: unpublished rows stay off public pages until an editor publishes them.
ALTER TABLE news ADD COLUMN published INTEGER NOT NULL DEFAULT 1;
