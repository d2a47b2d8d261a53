-- migrations/0012_service_desk.sql for PostgreSQL. The service desk (issue 13): wrap-up codes an admin defines (replacing the fixed list of call
-- outcomes), service levels counted in business hours with calendars and holidays, call scripts
-- and canned replies; the call's after-call work time. Column lists
-- mirror server/src/schema.rs and schema/desk.rs.

CREATE TABLE wrap_up_codes (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    code TEXT COLLATE "C" NOT NULL,
    label_en TEXT COLLATE "C" NOT NULL,
    label_zh TEXT COLLATE "C" NOT NULL,
    digit BIGINT NOT NULL,
    follow_up TEXT COLLATE "C" NOT NULL DEFAULT 'none',
    follow_up_required BOOLEAN NOT NULL DEFAULT FALSE,
    active BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE UNIQUE INDEX wrap_up_codes_code ON wrap_up_codes (code) WHERE NOT deleted;

CREATE TABLE sla_calendars (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    name TEXT COLLATE "C" NOT NULL,
    time_zone TEXT COLLATE "C" NOT NULL DEFAULT 'Asia/Shanghai',
    monday TEXT COLLATE "C",
    tuesday TEXT COLLATE "C",
    wednesday TEXT COLLATE "C",
    thursday TEXT COLLATE "C",
    friday TEXT COLLATE "C",
    saturday TEXT COLLATE "C",
    sunday TEXT COLLATE "C"
);

CREATE TABLE holidays (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    date TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    kind TEXT COLLATE "C" NOT NULL DEFAULT 'holiday'
);
CREATE UNIQUE INDEX holidays_date ON holidays (date) WHERE NOT deleted;

CREATE TABLE service_levels (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    priority TEXT COLLATE "C" NOT NULL,
    level TEXT COLLATE "C",
    first_response_minutes BIGINT NOT NULL,
    resolution_minutes BIGINT NOT NULL,
    calendar_id TEXT COLLATE "C",
    warn_minutes BIGINT NOT NULL DEFAULT 30
);
CREATE UNIQUE INDEX service_levels_priority_level
    ON service_levels (priority, coalesce(level, '')) WHERE NOT deleted;

CREATE TABLE call_scripts (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    name TEXT COLLATE "C" NOT NULL,
    category TEXT COLLATE "C",
    body TEXT COLLATE "C" NOT NULL
);

CREATE TABLE canned_replies (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    title TEXT COLLATE "C" NOT NULL,
    category TEXT COLLATE "C",
    body TEXT COLLATE "C" NOT NULL
);

ALTER TABLE activities ADD COLUMN wrap_up_seconds BIGINT;

-- The outcomes calls already hold become wrap-up codes, so every stored outcome still names a
-- defined code: the former fixed list's labels and digits for its codes, the code itself as
-- the label (and digit 0) for anything else. Read by all, synced as new records.
INSERT INTO wrap_up_codes (id, version, created_at, updated_at, code, label_en, label_zh, digit,
                           follow_up, follow_up_required)
SELECT gen_random_uuid()::text, 1,
       to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       used.outcome, coalesce(f.en, used.outcome), coalesce(f.zh, used.outcome),
       coalesce(f.digit, 0),
       CASE used.outcome WHEN 'callback_requested' THEN 'callback' ELSE 'none' END,
       used.outcome = 'callback_requested'
FROM (SELECT DISTINCT outcome FROM activities WHERE outcome IS NOT NULL) AS used
LEFT JOIN (VALUES
    ('answered', 'Answered', '已接通', 1),
    ('no_answer', 'No answer', '无人接听', 2),
    ('busy', 'Busy', '占线', 3),
    ('voicemail', 'Voicemail', '语音信箱', 4),
    ('wrong_number', 'Wrong number', '打错电话', 5),
    ('callback_requested', 'Callback requested', '要求回电', 6),
    ('resolved', 'Resolved', '已解决', 7),
    ('escalated', 'Escalated', '已升级', 8),
    ('sale', 'Sale', '成交', 9)) AS f (code, en, zh, digit) ON f.code = used.outcome;
INSERT INTO acl (principal, entity, record_id) SELECT 'all', 'wrap_up_codes', id FROM wrap_up_codes;
INSERT INTO changes (seq, entity, record_id)
SELECT nextval('changes_seq'), 'wrap_up_codes', id FROM wrap_up_codes ORDER BY code;
