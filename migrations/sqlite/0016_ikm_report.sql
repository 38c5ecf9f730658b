-- The satisfaction survey beyond applications: a response is also given when a complaint is
-- closed, or at a service unit's counter or kiosk (walk-in, no case at all), with the
-- respondent's optional profile of the regulation's annex (sex, age group, education,
-- occupation). SQLite cannot drop NOT NULL in place, so the table is rebuilt.
CREATE TABLE survey_responses_v2 (
    id              INTEGER PRIMARY KEY,
    source          TEXT NOT NULL DEFAULT 'application' CHECK (source IN ('application', 'complaint', 'walk_in')),
    application_id  INTEGER UNIQUE REFERENCES applications (id) ON DELETE CASCADE,
    complaint_id    INTEGER UNIQUE REFERENCES complaints (id) ON DELETE CASCADE,
    service_id      INTEGER,
    agency_id       INTEGER NOT NULL REFERENCES agencies (id),
    submitted_on    TEXT NOT NULL,
    u1 INTEGER NOT NULL CHECK (u1 BETWEEN 1 AND 4),
    u2 INTEGER NOT NULL CHECK (u2 BETWEEN 1 AND 4),
    u3 INTEGER NOT NULL CHECK (u3 BETWEEN 1 AND 4),
    u4 INTEGER NOT NULL CHECK (u4 BETWEEN 1 AND 4),
    u5 INTEGER NOT NULL CHECK (u5 BETWEEN 1 AND 4),
    u6 INTEGER NOT NULL CHECK (u6 BETWEEN 1 AND 4),
    u7 INTEGER NOT NULL CHECK (u7 BETWEEN 1 AND 4),
    u8 INTEGER NOT NULL CHECK (u8 BETWEEN 1 AND 4),
    u9 INTEGER NOT NULL CHECK (u9 BETWEEN 1 AND 4),
    suggestion      TEXT,
    sex             TEXT CHECK (sex IN ('L', 'P')),
    age_group       TEXT,
    education       TEXT,
    occupation      TEXT,
    CHECK ((source = 'application') = (application_id IS NOT NULL)),
    CHECK ((source = 'complaint') = (complaint_id IS NOT NULL))
);
INSERT INTO survey_responses_v2 (id, source, application_id, service_id, agency_id, submitted_on,
    u1, u2, u3, u4, u5, u6, u7, u8, u9, suggestion)
SELECT id, 'application', application_id, service_id, agency_id, submitted_on,
    u1, u2, u3, u4, u5, u6, u7, u8, u9, suggestion FROM survey_responses;
DROP TABLE survey_responses;
ALTER TABLE survey_responses_v2 RENAME TO survey_responses;
CREATE INDEX survey_responses_by_service ON survey_responses (service_id, submitted_on);
-- A unit's report over a period adds up the nine scores of every response in it; this index
-- holds them all, so the sums are read from the index alone.
CREATE INDEX survey_responses_by_agency ON survey_responses
    (agency_id, submitted_on, u1, u2, u3, u4, u5, u6, u7, u8, u9);
