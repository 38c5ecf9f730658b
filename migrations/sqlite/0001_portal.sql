-- The public portal: installation settings, regions, agencies, the service catalogue,
-- news, regulations (JDIH), FAQ, pages, stored files and the search index.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE regions (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4),
    parent_code TEXT REFERENCES regions (code)
);
CREATE INDEX regions_by_parent ON regions (parent_code, code);

CREATE TABLE agencies (
    id             INTEGER PRIMARY KEY,
    slug           TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    acronym        TEXT NOT NULL,
    region_code    TEXT NOT NULL REFERENCES regions (code),
    address        TEXT NOT NULL,
    phone          TEXT NOT NULL,
    email          TEXT NOT NULL,
    hours          TEXT NOT NULL,
    hours_en       TEXT NOT NULL,
    description    TEXT NOT NULL,
    description_en TEXT NOT NULL
);
CREATE INDEX agencies_by_region ON agencies (region_code);

CREATE TABLE services (
    id               INTEGER PRIMARY KEY,
    slug             TEXT NOT NULL UNIQUE,
    agency_id        INTEGER NOT NULL REFERENCES agencies (id),
    name             TEXT NOT NULL,
    name_en          TEXT NOT NULL,
    description      TEXT NOT NULL,
    description_en   TEXT NOT NULL,
    requirements     TEXT NOT NULL,
    requirements_en  TEXT NOT NULL,
    fee_rupiah       INTEGER NOT NULL CHECK (fee_rupiah >= 0),
    sla_working_days INTEGER NOT NULL CHECK (sla_working_days > 0),
    legal_basis      TEXT NOT NULL,
    featured         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX services_by_agency ON services (agency_id);

CREATE TABLE news (
    id           INTEGER PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL CHECK (kind IN ('news', 'announcement')),
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL,
    body         TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    agency_id    INTEGER REFERENCES agencies (id)
);
CREATE INDEX news_by_date ON news (published_at DESC, id DESC);

CREATE TABLE files (
    sha256       TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL,
    bytes        BLOB NOT NULL
);

CREATE TABLE regulations (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    reg_type    TEXT NOT NULL,
    number      TEXT NOT NULL,
    year        INTEGER NOT NULL,
    title       TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('berlaku', 'diubah', 'dicabut')),
    subject     TEXT NOT NULL,
    enacted_on  TEXT NOT NULL,
    summary     TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    file_sha256 TEXT NOT NULL REFERENCES files (sha256)
);
CREATE INDEX regulations_by_year ON regulations (year DESC, id DESC);

CREATE TABLE faq (
    id          INTEGER PRIMARY KEY,
    position    INTEGER NOT NULL,
    category    TEXT NOT NULL,
    question    TEXT NOT NULL,
    answer      TEXT NOT NULL,
    question_en TEXT NOT NULL,
    answer_en   TEXT NOT NULL
);

CREATE TABLE pages (
    slug    TEXT PRIMARY KEY,
    title   TEXT NOT NULL,
    title_en TEXT NOT NULL,
    body    TEXT NOT NULL,
    body_en TEXT NOT NULL
);

-- One row per searchable item; `terms` holds the stems of its words, so the index
-- matches Indonesian word forms (perizinan ~ izin) without a language module in the store.
CREATE TABLE search_documents (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    slug         TEXT NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    title_terms  TEXT NOT NULL,
    terms        TEXT NOT NULL,
    UNIQUE (kind, slug)
);

-- How many documents hold each stem: lets a query choose between ranking every match
-- (few matches) and listing the newest matches (many), before touching the index.
CREATE TABLE search_terms (
    term      TEXT PRIMARY KEY,
    documents INTEGER NOT NULL
);

CREATE VIRTUAL TABLE search_fts USING fts5 (
    title_terms,
    terms,
    content = 'search_documents',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
    INSERT INTO search_fts (rowid, title_terms, terms) VALUES (new.id, new.title_terms, new.terms);
END;
CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
    INSERT INTO search_fts (search_fts, rowid, title_terms, terms) VALUES ('delete', old.id, old.title_terms, old.terms);
END;
CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN
    INSERT INTO search_fts (search_fts, rowid, title_terms, terms) VALUES ('delete', old.id, old.title_terms, old.terms);
    INSERT INTO search_fts (rowid, title_terms, terms) VALUES (new.id, new.title_terms, new.terms);
END;
