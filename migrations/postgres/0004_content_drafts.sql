-- Content drafts: regulations, FAQ entries and pages get the publication flag news got in
-- 0003, so an editor can prepare or withdraw an item without deleting it. Public pages, the
-- API and the search index show only published rows. Every content table records when and
-- by whom it was last edited (the audit log holds the full history; these serve the editor's
-- list). `updated_by` is an account id without a foreign key, so removing an account never
-- blocks on the content it once edited.

ALTER TABLE regulations ADD COLUMN published BIGINT NOT NULL DEFAULT 1;
ALTER TABLE faq ADD COLUMN published BIGINT NOT NULL DEFAULT 1;
ALTER TABLE pages ADD COLUMN published BIGINT NOT NULL DEFAULT 1;

ALTER TABLE news ADD COLUMN updated_at BIGINT;
ALTER TABLE news ADD COLUMN updated_by BIGINT;
ALTER TABLE regulations ADD COLUMN updated_at BIGINT;
ALTER TABLE regulations ADD COLUMN updated_by BIGINT;
ALTER TABLE faq ADD COLUMN updated_at BIGINT;
ALTER TABLE faq ADD COLUMN updated_by BIGINT;
ALTER TABLE pages ADD COLUMN updated_at BIGINT;
ALTER TABLE pages ADD COLUMN updated_by BIGINT;
