-- migrations/0005_level_settings.sql for PostgreSQL: settings per customer level an admin
-- changes, the days a customer of that level may go without contact before the reminders list
-- it. Column list mirrors server/src/schema.rs; types and indexes as 0001_init.sql translates.

CREATE TABLE level_settings (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    level TEXT COLLATE "C" NOT NULL,
    quiet_days BIGINT NOT NULL
);
CREATE UNIQUE INDEX level_settings_level ON level_settings (level) WHERE NOT deleted;
