-- Customer care (issue 13): care rules and letter templates (server/src/schema/care.rs); a
-- contact's opt-out, a customer's founding day, and on activities the care rule or letter
-- template that made them. The same as SQLite's 0023_care.sql.

CREATE TABLE care_rules (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    name TEXT COLLATE "C" NOT NULL,
    occasion TEXT COLLATE "C" NOT NULL,
    level TEXT COLLATE "C",
    days_before BIGINT NOT NULL DEFAULT 0,
    wording TEXT COLLATE "C" NOT NULL,
    time_zone TEXT COLLATE "C" NOT NULL DEFAULT 'Asia/Shanghai',
    active BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE letter_templates (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    name TEXT COLLATE "C" NOT NULL,
    channel TEXT COLLATE "C" NOT NULL DEFAULT 'email',
    subject TEXT COLLATE "C",
    body TEXT COLLATE "C" NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE
);

ALTER TABLE contacts ADD COLUMN opted_out BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE customers ADD COLUMN founded_on TEXT COLLATE "C";
ALTER TABLE activities ADD COLUMN care_rule_id TEXT COLLATE "C";
ALTER TABLE activities ADD COLUMN letter_template_id TEXT COLLATE "C";
