-- Duplicate merges and bulk actions (issue 14; seed 000 §3.1.1 重复数据的合并). Columns mirror
-- server/src/schema/merges.rs. A merge in force (`status = 'done'`) is the redirect of its
-- merged-away customer: at most one per customer (a unique index among live, done merges).

CREATE TABLE merges (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    survivor_id TEXT NOT NULL,
    merged_id TEXT NOT NULL,
    take TEXT NOT NULL DEFAULT '[]',
    survivor_version INTEGER,
    merged_version INTEGER,
    status TEXT NOT NULL DEFAULT 'done',
    moved TEXT NOT NULL DEFAULT '{}',
    before TEXT NOT NULL DEFAULT '{}',
    merged_code TEXT,
    merged_name TEXT,
    undone_at TEXT
);
CREATE UNIQUE INDEX merges_merged ON merges (merged_id) WHERE deleted = 0 AND status = 'done';
CREATE INDEX merges_survivor ON merges (survivor_id) WHERE deleted = 0;

CREATE TABLE bulk_actions (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL,
    ids TEXT NOT NULL,
    owner_id TEXT,
    with_open INTEGER NOT NULL DEFAULT 0,
    level TEXT,
    tag TEXT,
    list_id TEXT,
    changed INTEGER,
    deals INTEGER,
    activities INTEGER
);
