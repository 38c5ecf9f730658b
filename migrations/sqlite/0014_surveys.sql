-- Satisfaction survey answers (IKM, PermenPAN-RB 14/2017): nine elements scored 1-4, one
-- response per closed application. Only the day is kept, and no account: the response
-- is tied to the application only to stop a second answer.

CREATE TABLE survey_responses (
    id              INTEGER PRIMARY KEY,
    application_id  INTEGER NOT NULL UNIQUE REFERENCES applications (id) ON DELETE CASCADE,
    service_id      INTEGER NOT NULL,
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
    suggestion      TEXT
);
CREATE INDEX survey_responses_by_service ON survey_responses (service_id, submitted_on);
