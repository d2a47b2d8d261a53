-- Customer care (issue 13): care rules and letter templates (server/src/schema/care.rs); a
-- contact's opt-out, a customer's founding day, and on activities the care rule or letter
-- template that made them. Columns mirror server/src/schema.rs.

CREATE TABLE care_rules (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    occasion TEXT NOT NULL,
    level TEXT,
    days_before INTEGER NOT NULL DEFAULT 0,
    wording TEXT NOT NULL,
    time_zone TEXT NOT NULL DEFAULT 'Asia/Shanghai',
    active INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE letter_templates (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    channel TEXT NOT NULL DEFAULT 'email',
    subject TEXT,
    body TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1
);

ALTER TABLE contacts ADD COLUMN opted_out INTEGER NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN founded_on TEXT;
ALTER TABLE activities ADD COLUMN care_rule_id TEXT;
ALTER TABLE activities ADD COLUMN letter_template_id TEXT;
