-- migrations/0013_targets.sql for PostgreSQL: sales targets per user or team and month.
-- Column list mirrors server/src/schema/targets.rs; types and indexes as 0001_init.sql translates.

CREATE TABLE targets (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    user_id TEXT COLLATE "C",
    team_id TEXT COLLATE "C",
    month TEXT COLLATE "C" NOT NULL,
    amount BIGINT NOT NULL,
    note TEXT COLLATE "C"
);
CREATE UNIQUE INDEX targets_user_month ON targets (user_id, month)
    WHERE NOT deleted AND user_id IS NOT NULL;
CREATE UNIQUE INDEX targets_team_month ON targets (team_id, month)
    WHERE NOT deleted AND team_id IS NOT NULL;
