-- Citizens without email: a mobile number is verified by a link sent by SMS, and a
-- password reset can go the same way. The outbox carries both channels; for SMS the
-- recipient is stored sealed (it is personal data) and cleared with the body once sent.

ALTER TABLE accounts ADD COLUMN phone_verified_at BIGINT;

-- Which channel a single-use link went out on; `email` is empty for SMS.
ALTER TABLE email_tokens ADD COLUMN channel TEXT NOT NULL DEFAULT 'email' CHECK (channel IN ('email', 'sms'));

ALTER TABLE mail_outbox ADD COLUMN channel TEXT NOT NULL DEFAULT 'email' CHECK (channel IN ('email', 'sms'));
