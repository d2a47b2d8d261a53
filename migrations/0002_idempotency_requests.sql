-- An Idempotency-Key answers only the request it was first sent with: what that request was
-- (a digest of its method, target and body), and an index to forget keys after a day.
ALTER TABLE idempotency ADD COLUMN request TEXT NOT NULL DEFAULT '';
CREATE INDEX idempotency_age ON idempotency (created_at);
