-- migrations/0021_files.sql for PostgreSQL: files attached to records (the bytes are on the
-- server's disk). Column list mirrors server/src/schema/files.rs.

CREATE TABLE files (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    entity TEXT COLLATE "C" NOT NULL,
    record_id TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    notes TEXT COLLATE "C",
    size BIGINT NOT NULL DEFAULT 0,
    content_type TEXT COLLATE "C" NOT NULL DEFAULT 'application/octet-stream',
    sha256 TEXT COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX files_record_id ON files (record_id, deleted);
CREATE INDEX files_sha256 ON files (sha256);
