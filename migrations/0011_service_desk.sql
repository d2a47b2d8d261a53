-- The service desk (issue 13): wrap-up codes an admin defines (replacing the fixed list of call
-- outcomes), service levels counted in business hours with calendars and holidays, call scripts
-- and canned replies; the call's after-call work time. Column lists
-- mirror server/src/schema.rs and schema/desk.rs.

CREATE TABLE wrap_up_codes (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    code TEXT NOT NULL,
    label_en TEXT NOT NULL,
    label_zh TEXT NOT NULL,
    digit INTEGER NOT NULL,
    follow_up TEXT NOT NULL DEFAULT 'none',
    follow_up_required INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX wrap_up_codes_code ON wrap_up_codes (code) WHERE deleted = 0;

CREATE TABLE sla_calendars (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL DEFAULT 'Asia/Shanghai',
    monday TEXT,
    tuesday TEXT,
    wednesday TEXT,
    thursday TEXT,
    friday TEXT,
    saturday TEXT,
    sunday TEXT
);

CREATE TABLE holidays (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    date TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'holiday'
);
CREATE UNIQUE INDEX holidays_date ON holidays (date) WHERE deleted = 0;

CREATE TABLE service_levels (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    priority TEXT NOT NULL,
    level TEXT,
    first_response_minutes INTEGER NOT NULL,
    resolution_minutes INTEGER NOT NULL,
    calendar_id TEXT,
    warn_minutes INTEGER NOT NULL DEFAULT 30
);
CREATE UNIQUE INDEX service_levels_priority_level
    ON service_levels (priority, coalesce(level, '')) WHERE deleted = 0;

CREATE TABLE call_scripts (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    category TEXT,
    body TEXT NOT NULL
);

CREATE TABLE canned_replies (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    title TEXT NOT NULL,
    category TEXT,
    body TEXT NOT NULL
);

ALTER TABLE activities ADD COLUMN wrap_up_seconds INTEGER;

-- The outcomes calls already hold become wrap-up codes, so every stored outcome still names a
-- defined code: the former fixed list's labels and digits for its codes, the code itself as
-- the label (and no digit of its own) for anything else. Read by all, synced as new records.
CREATE TEMP TABLE former_outcomes (code TEXT PRIMARY KEY, en TEXT, zh TEXT, digit INTEGER);
INSERT INTO former_outcomes VALUES
    ('answered', 'Answered', '已接通', 1),
    ('no_answer', 'No answer', '无人接听', 2),
    ('busy', 'Busy', '占线', 3),
    ('voicemail', 'Voicemail', '语音信箱', 4),
    ('wrong_number', 'Wrong number', '打错电话', 5),
    ('callback_requested', 'Callback requested', '要求回电', 6),
    ('resolved', 'Resolved', '已解决', 7),
    ('escalated', 'Escalated', '已升级', 8),
    ('sale', 'Sale', '成交', 9);
INSERT INTO wrap_up_codes (id, version, created_at, updated_at, code, label_en, label_zh, digit,
                           follow_up, follow_up_required)
SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2)
             || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2)
             || '-' || hex(randomblob(6))),
       1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
       used.outcome, coalesce(f.en, used.outcome), coalesce(f.zh, used.outcome),
       coalesce(f.digit, 0),
       CASE used.outcome WHEN 'callback_requested' THEN 'callback' ELSE 'none' END,
       CASE used.outcome WHEN 'callback_requested' THEN 1 ELSE 0 END
FROM (SELECT DISTINCT outcome FROM activities WHERE outcome IS NOT NULL) AS used
LEFT JOIN former_outcomes AS f ON f.code = used.outcome;
DROP TABLE former_outcomes;
INSERT INTO acl (principal, entity, record_id) SELECT 'all', 'wrap_up_codes', id FROM wrap_up_codes;
INSERT INTO changes (entity, record_id) SELECT 'wrap_up_codes', id FROM wrap_up_codes;
