-- Drafts of service definitions being written in the admin UI: the text as its author left
-- it (possibly with mistakes still in it). Publishing stores a checked version in
-- service_versions and removes the draft.

CREATE TABLE service_drafts (
    slug        TEXT PRIMARY KEY,
    agency_id   BIGINT NOT NULL REFERENCES agencies (id),
    definition  TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  TEXT NOT NULL
);
