-- migrations/0026_file_settings.sql for PostgreSQL: the admin's limits on attached files.
-- Column list mirrors server/src/schema/files.rs.

CREATE TABLE file_settings (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    max_size_mb BIGINT NOT NULL DEFAULT 25,
    types TEXT COLLATE "C" NOT NULL DEFAULT '[]'
);
