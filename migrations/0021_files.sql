-- Files attached to records: name, size, type and SHA-256 digest; the bytes are on the
-- server's disk under their digest (server/src/blobs.rs). Column list mirrors
-- server/src/schema/files.rs.

CREATE TABLE files (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    entity TEXT NOT NULL,
    record_id TEXT NOT NULL,
    name TEXT NOT NULL,
    notes TEXT,
    size INTEGER NOT NULL DEFAULT 0,
    content_type TEXT NOT NULL DEFAULT 'application/octet-stream',
    sha256 TEXT NOT NULL DEFAULT ''
);
-- A record's files (the list on it, and its delete taking them along).
CREATE INDEX files_record_id ON files (record_id, deleted);
-- Whether any row still names a digest.
CREATE INDEX files_sha256 ON files (sha256);
