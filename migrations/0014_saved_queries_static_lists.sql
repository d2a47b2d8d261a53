-- Saved queries and static lists (issue 12; seed 003 查询, 静态列表). Columns mirror
-- server/src/schema/lists.rs. The owner is the user who made a record (`created_by`); a name
-- is one owner's once per entity. A list's members are records of their own, so adding and
-- removing them sync and merge one by one.

CREATE TABLE saved_queries (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    entity TEXT NOT NULL,
    query TEXT NOT NULL,
    shared INTEGER NOT NULL
);
CREATE UNIQUE INDEX saved_queries_name
    ON saved_queries (created_by, entity, name COLLATE NOCASE) WHERE deleted = 0;

CREATE TABLE static_lists (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    entity TEXT NOT NULL,
    description TEXT,
    shared INTEGER NOT NULL
);
CREATE UNIQUE INDEX static_lists_name
    ON static_lists (created_by, entity, name COLLATE NOCASE) WHERE deleted = 0;

CREATE TABLE list_members (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    list_id TEXT NOT NULL,
    record_id TEXT NOT NULL
);
CREATE UNIQUE INDEX list_members_record ON list_members (list_id, record_id) WHERE deleted = 0;
