-- Saved queries and static lists: SQLite's 0014_saved_queries_static_lists.sql for
-- PostgreSQL (columns mirror server/src/schema/lists.rs).

CREATE TABLE saved_queries (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    name TEXT COLLATE "C" NOT NULL,
    entity TEXT COLLATE "C" NOT NULL,
    query TEXT COLLATE "C" NOT NULL,
    shared BOOLEAN NOT NULL
);
CREATE UNIQUE INDEX saved_queries_name
    ON saved_queries (created_by, entity, lower(name)) WHERE NOT deleted;

CREATE TABLE static_lists (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    name TEXT COLLATE "C" NOT NULL,
    entity TEXT COLLATE "C" NOT NULL,
    description TEXT COLLATE "C",
    shared BOOLEAN NOT NULL
);
CREATE UNIQUE INDEX static_lists_name
    ON static_lists (created_by, entity, lower(name)) WHERE NOT deleted;

CREATE TABLE list_members (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    list_id TEXT COLLATE "C" NOT NULL,
    record_id TEXT COLLATE "C" NOT NULL
);
CREATE UNIQUE INDEX list_members_record ON list_members (list_id, record_id) WHERE NOT deleted;
