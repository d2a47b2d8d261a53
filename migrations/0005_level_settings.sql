-- Settings per customer level an admin changes: the days a customer of that level may go
-- without contact before the reminders list it. Column list mirrors server/src/schema.rs.

CREATE TABLE level_settings (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    level TEXT NOT NULL,
    quiet_days INTEGER NOT NULL
);
CREATE UNIQUE INDEX level_settings_level ON level_settings (level) WHERE deleted = 0;
