-- The PostgreSQL twin of migrations/0024_analysis.sql. Work plans and logs (seed 004) and customer analysis (seed 001, issue 12): the value model an
-- admin defines, the lifecycle's and warnings' settings, and on customers the fields the
-- server's analysis sweep keeps (service/analysis.rs). Columns mirror server/src/schema.rs and
-- schema/analysis.rs.

CREATE TABLE work_plans (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    week TEXT COLLATE "C" NOT NULL,
    title TEXT COLLATE "C" NOT NULL,
    goals TEXT COLLATE "C",
    customer_ids TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    activity_ids TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    status TEXT COLLATE "C" NOT NULL DEFAULT 'draft',
    review TEXT COLLATE "C",
    owner_id TEXT COLLATE "C"
);
CREATE INDEX work_plans_owner_week ON work_plans (owner_id, week) WHERE NOT deleted;

CREATE TABLE work_logs (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    day TEXT COLLATE "C" NOT NULL,
    summary TEXT COLLATE "C" NOT NULL,
    plan_id TEXT COLLATE "C",
    customer_ids TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    activity_ids TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    hours BIGINT,
    next_steps TEXT COLLATE "C",
    owner_id TEXT COLLATE "C"
);
CREATE INDEX work_logs_owner_day ON work_logs (owner_id, day) WHERE NOT deleted;
CREATE INDEX work_logs_plan ON work_logs (plan_id) WHERE NOT deleted AND plan_id IS NOT NULL;

CREATE TABLE value_indicators (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    indicator TEXT COLLATE "C" NOT NULL,
    custom_key TEXT COLLATE "C",
    window_days BIGINT NOT NULL DEFAULT 0,
    weight BIGINT NOT NULL,
    full_at BIGINT NOT NULL,
    label TEXT COLLATE "C"
);

CREATE TABLE value_levels (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    level TEXT COLLATE "C" NOT NULL,
    min_score BIGINT NOT NULL
);
CREATE UNIQUE INDEX value_levels_level ON value_levels (lower(level)) WHERE NOT deleted;

CREATE TABLE analysis_settings (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    dormant_days BIGINT NOT NULL DEFAULT 180,
    lost_days BIGINT NOT NULL DEFAULT 365,
    no_contact_days BIGINT NOT NULL DEFAULT 30,
    no_business_days BIGINT NOT NULL DEFAULT 90,
    big_min_score BIGINT NOT NULL DEFAULT 60,
    falling_ratio_pct BIGINT NOT NULL DEFAULT 70
);

ALTER TABLE customers ADD COLUMN value_score BIGINT NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN value_level TEXT COLLATE "C";
ALTER TABLE customers ADD COLUMN last_business_on TEXT COLLATE "C";
ALTER TABLE customers ADD COLUMN warnings TEXT COLLATE "C" NOT NULL DEFAULT '[]';
CREATE INDEX customers_value_score ON customers (value_score, id) WHERE NOT deleted;
