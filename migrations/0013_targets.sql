-- Sales targets (issue 12): an amount a user or a team is to win in a month, set by managers
-- and admins. Column list mirrors server/src/schema/targets.rs. The unique indexes stop a
-- second target for one user (or team) and month even when two writes race the service's check.

CREATE TABLE targets (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    user_id TEXT,
    team_id TEXT,
    month TEXT NOT NULL,
    amount INTEGER NOT NULL,
    note TEXT
);
CREATE UNIQUE INDEX targets_user_month ON targets (user_id, month)
    WHERE deleted = 0 AND user_id IS NOT NULL;
CREATE UNIQUE INDEX targets_team_month ON targets (team_id, month)
    WHERE deleted = 0 AND team_id IS NOT NULL;
