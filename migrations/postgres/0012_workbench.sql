-- The workbench: who handles an application, each document's check, and whether the
-- supervisors were told that an application passed its due date.

ALTER TABLE applications ADD COLUMN assigned_to BIGINT REFERENCES accounts (id);
ALTER TABLE applications ADD COLUMN overdue_notified_on TEXT;
CREATE INDEX applications_assigned ON applications (assigned_to, status);

-- 'ok' or 'not_ok', with a note for the citizen when not; a new upload clears it.
ALTER TABLE attachments ADD COLUMN verdict TEXT CHECK (verdict IN ('ok', 'not_ok'));
ALTER TABLE attachments ADD COLUMN verdict_note TEXT;
ALTER TABLE attachments ADD COLUMN verdict_by TEXT;
ALTER TABLE attachments ADD COLUMN verdict_at BIGINT;
