-- The satisfaction survey beyond applications: a response is also given when a complaint is
-- closed, or at a service unit's counter or kiosk (walk-in, no case at all), with the
-- respondent's optional profile of the regulation's annex (sex, age group, education,
-- occupation).
ALTER TABLE survey_responses
    ALTER COLUMN application_id DROP NOT NULL,
    ALTER COLUMN service_id DROP NOT NULL,
    ADD COLUMN source TEXT NOT NULL DEFAULT 'application' CHECK (source IN ('application', 'complaint', 'walk_in')),
    ADD COLUMN complaint_id BIGINT UNIQUE REFERENCES complaints (id) ON DELETE CASCADE,
    ADD COLUMN sex TEXT CHECK (sex IN ('L', 'P')),
    ADD COLUMN age_group TEXT,
    ADD COLUMN education TEXT,
    ADD COLUMN occupation TEXT,
    ADD CONSTRAINT survey_responses_application_source CHECK ((source = 'application') = (application_id IS NOT NULL)),
    ADD CONSTRAINT survey_responses_complaint_source CHECK ((source = 'complaint') = (complaint_id IS NOT NULL));
-- A unit's report over a period adds up the nine scores of every response in it; this index
-- holds them all, so the sums are read from the index alone.
CREATE INDEX survey_responses_by_agency ON survey_responses
    (agency_id, submitted_on, u1, u2, u3, u4, u5, u6, u7, u8, u9);
