-- migrations/0019_merges_bulk_actions.sql for PostgreSQL. Duplicate merges and bulk actions
-- (issue 14). Columns mirror server/src/schema/merges.rs. A merge in force is the redirect of
-- its merged-away customer: at most one per customer.

CREATE TABLE merges (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    survivor_id TEXT COLLATE "C" NOT NULL,
    merged_id TEXT COLLATE "C" NOT NULL,
    take TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    survivor_version BIGINT,
    merged_version BIGINT,
    status TEXT COLLATE "C" NOT NULL DEFAULT 'done',
    moved TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    before TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    merged_code TEXT COLLATE "C",
    merged_name TEXT COLLATE "C",
    undone_at TEXT COLLATE "C"
);
CREATE UNIQUE INDEX merges_merged ON merges (merged_id) WHERE NOT deleted AND status = 'done';
CREATE INDEX merges_survivor ON merges (survivor_id) WHERE NOT deleted;

CREATE TABLE bulk_actions (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    kind TEXT COLLATE "C" NOT NULL,
    ids TEXT COLLATE "C" NOT NULL,
    owner_id TEXT COLLATE "C",
    with_open BOOLEAN NOT NULL DEFAULT FALSE,
    level TEXT COLLATE "C",
    tag TEXT COLLATE "C",
    list_id TEXT COLLATE "C",
    changed BIGINT,
    deals BIGINT,
    activities BIGINT
);
