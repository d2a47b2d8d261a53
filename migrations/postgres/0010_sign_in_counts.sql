-- The sign-in throttle's counts, shared by every server on this database (a SQLite server keeps
-- them in memory). `key` is a digest of the address, or of the username and the address, so no
-- mistyped password in a username field is stored; `since` is when the window began, in
-- milliseconds since the epoch. Expired keys are forgotten as counts are stored.
CREATE TABLE sign_in_counts (
    key TEXT COLLATE "C" PRIMARY KEY,
    tries BIGINT NOT NULL,
    since BIGINT NOT NULL
);
CREATE INDEX sign_in_counts_since ON sign_in_counts (since);
