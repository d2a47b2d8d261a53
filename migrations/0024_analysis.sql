-- Work plans and logs (seed 004) and customer analysis (seed 001, issue 12): the value model an
-- admin defines, the lifecycle's and warnings' settings, and on customers the fields the
-- server's analysis sweep keeps (service/analysis.rs). Columns mirror server/src/schema.rs and
-- schema/analysis.rs.

CREATE TABLE work_plans (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    week TEXT NOT NULL,
    title TEXT NOT NULL,
    goals TEXT,
    customer_ids TEXT NOT NULL DEFAULT '[]',
    activity_ids TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'draft',
    review TEXT,
    owner_id TEXT
);
CREATE INDEX work_plans_owner_week ON work_plans (owner_id, week) WHERE deleted = 0;

CREATE TABLE work_logs (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    day TEXT NOT NULL,
    summary TEXT NOT NULL,
    plan_id TEXT,
    customer_ids TEXT NOT NULL DEFAULT '[]',
    activity_ids TEXT NOT NULL DEFAULT '[]',
    hours INTEGER,
    next_steps TEXT,
    owner_id TEXT
);
CREATE INDEX work_logs_owner_day ON work_logs (owner_id, day) WHERE deleted = 0;
CREATE INDEX work_logs_plan ON work_logs (plan_id) WHERE deleted = 0 AND plan_id IS NOT NULL;

CREATE TABLE value_indicators (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    indicator TEXT NOT NULL,
    custom_key TEXT,
    window_days INTEGER NOT NULL DEFAULT 0,
    weight INTEGER NOT NULL,
    full_at INTEGER NOT NULL,
    label TEXT
);

CREATE TABLE value_levels (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    level TEXT NOT NULL,
    min_score INTEGER NOT NULL
);
CREATE UNIQUE INDEX value_levels_level ON value_levels (level COLLATE NOCASE) WHERE deleted = 0;

CREATE TABLE analysis_settings (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    dormant_days INTEGER NOT NULL DEFAULT 180,
    lost_days INTEGER NOT NULL DEFAULT 365,
    no_contact_days INTEGER NOT NULL DEFAULT 30,
    no_business_days INTEGER NOT NULL DEFAULT 90,
    big_min_score INTEGER NOT NULL DEFAULT 60,
    falling_ratio_pct INTEGER NOT NULL DEFAULT 70
);

ALTER TABLE customers ADD COLUMN value_score INTEGER NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN value_level TEXT;
ALTER TABLE customers ADD COLUMN last_business_on TEXT;
ALTER TABLE customers ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';
CREATE INDEX customers_value_score ON customers (value_score, id) WHERE deleted = 0;
