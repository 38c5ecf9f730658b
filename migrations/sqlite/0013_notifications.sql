-- In-app notifications: what each account was told (the same notices as mail and SMS),
-- shown on its notifications page until read.

CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    read_at     INTEGER,
    title       TEXT NOT NULL,
    link        TEXT NOT NULL
);
CREATE INDEX notifications_by_account ON notifications (account_id, id);
