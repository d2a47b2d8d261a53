-- The admin's limits on attached files (issue 14): one record for the server, read by the
-- upload at request time; without one the server's flags hold. Column list mirrors
-- server/src/schema/files.rs.

CREATE TABLE file_settings (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    max_size_mb INTEGER NOT NULL DEFAULT 25,
    types TEXT NOT NULL DEFAULT '[]'
);
