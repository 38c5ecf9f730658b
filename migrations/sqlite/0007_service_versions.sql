-- Service definitions as versioned data. Each published change of a service's definition
-- (form, requirements, workflow, document) is a new version; applications keep the version
-- they were made under. `definition` is the definition's JSON as checked; `digest` its
-- SHA-256, so importing the same definition twice makes no new version. `services` stays
-- the catalogue's listing, and names the version now offered.

CREATE TABLE service_versions (
    service_id   INTEGER NOT NULL REFERENCES services (id),
    version      INTEGER NOT NULL,
    definition   TEXT NOT NULL,
    digest       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    created_by   TEXT NOT NULL,
    PRIMARY KEY (service_id, version)
);

ALTER TABLE services ADD COLUMN published_version INTEGER;
