-- The initial schema. Released migrations are never edited: change the schema in a new file.
-- Column lists mirror server/src/schema.rs; a test checks that they agree.

CREATE TABLE teams (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    description TEXT
);
CREATE UNIQUE INDEX teams_name ON teams (name) WHERE deleted = 0;

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    team_id TEXT,
    email TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    password_hash TEXT
);
CREATE UNIQUE INDEX users_username ON users (username COLLATE NOCASE) WHERE deleted = 0;

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE stages (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    probability INTEGER NOT NULL,
    kind TEXT NOT NULL DEFAULT 'open'
);

CREATE TABLE customers (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'company',
    industry TEXT,
    region TEXT,
    level TEXT,
    category TEXT NOT NULL DEFAULT 'prospect',
    lifecycle TEXT NOT NULL DEFAULT 'potential',
    source TEXT,
    address TEXT,
    postcode TEXT,
    phone TEXT,
    fax TEXT,
    website TEXT,
    email TEXT,
    owner_id TEXT,
    team_id TEXT,
    shared_with TEXT NOT NULL DEFAULT '[]',
    tags TEXT NOT NULL DEFAULT '[]',
    notes TEXT,
    extra TEXT NOT NULL DEFAULT '{}',
    -- Normalized keys for the duplicate check: case and white space folded, phone digits only.
    name_key TEXT,
    phone_key TEXT,
    email_key TEXT
);
CREATE UNIQUE INDEX customers_code ON customers (code);
CREATE INDEX customers_name ON customers (name, id) WHERE deleted = 0;
CREATE INDEX customers_owner ON customers (owner_id) WHERE deleted = 0;
CREATE INDEX customers_name_key ON customers (name_key) WHERE deleted = 0;
CREATE INDEX customers_phone_key ON customers (phone_key) WHERE deleted = 0;
CREATE INDEX customers_email_key ON customers (email_key) WHERE deleted = 0;

CREATE TABLE contacts (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    customer_id TEXT NOT NULL,
    name TEXT NOT NULL,
    title TEXT,
    department TEXT,
    phone TEXT,
    mobile TEXT,
    email TEXT,
    birthday TEXT,
    is_primary INTEGER NOT NULL DEFAULT 0,
    preferred_channel TEXT,
    notes TEXT
);
CREATE INDEX contacts_customer ON contacts (customer_id) WHERE deleted = 0;

CREATE TABLE opportunities (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    customer_id TEXT NOT NULL,
    contact_id TEXT,
    name TEXT NOT NULL,
    stage_id TEXT,
    amount INTEGER NOT NULL DEFAULT 0,
    currency TEXT NOT NULL DEFAULT 'CNY',
    probability INTEGER,
    expected_close TEXT,
    owner_id TEXT,
    source TEXT,
    next_step TEXT,
    close_reason TEXT
);
CREATE INDEX opportunities_customer ON opportunities (customer_id) WHERE deleted = 0;
CREATE INDEX opportunities_stage ON opportunities (stage_id) WHERE deleted = 0;

CREATE TABLE activities (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    notes TEXT,
    starts_at TEXT,
    ends_at TEXT,
    due_at TEXT,
    done INTEGER NOT NULL DEFAULT 0,
    customer_id TEXT,
    contact_id TEXT,
    opportunity_id TEXT,
    ticket_id TEXT,
    owner_id TEXT,
    direction TEXT,
    duration_seconds INTEGER,
    outcome TEXT
);
CREATE INDEX activities_customer ON activities (customer_id) WHERE deleted = 0;
CREATE INDEX activities_opportunity ON activities (opportunity_id) WHERE deleted = 0;
CREATE INDEX activities_ticket ON activities (ticket_id) WHERE deleted = 0;
CREATE INDEX activities_starts ON activities (starts_at) WHERE deleted = 0;

CREATE TABLE tickets (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    number TEXT NOT NULL,
    subject TEXT NOT NULL,
    description TEXT,
    customer_id TEXT NOT NULL,
    contact_id TEXT,
    channel TEXT NOT NULL DEFAULT 'phone',
    priority TEXT NOT NULL DEFAULT 'normal',
    status TEXT NOT NULL DEFAULT 'new',
    assignee_id TEXT,
    category TEXT,
    first_response_due TEXT,
    resolution_due TEXT,
    first_responded_at TEXT,
    resolved_at TEXT,
    resolution TEXT,
    satisfaction INTEGER
);
CREATE UNIQUE INDEX tickets_number ON tickets (number);
CREATE INDEX tickets_customer ON tickets (customer_id) WHERE deleted = 0;
CREATE INDEX tickets_assignee ON tickets (assignee_id) WHERE deleted = 0;

CREATE TABLE comments (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    ticket_id TEXT NOT NULL,
    body TEXT NOT NULL,
    internal INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX comments_ticket ON comments (ticket_id, created_at) WHERE deleted = 0;

-- Who may read each live record: 'all', 'agent', 'u:<user id>', 't:<team id>'. Admins read all.
CREATE TABLE acl (
    principal TEXT NOT NULL,
    entity TEXT NOT NULL,
    record_id TEXT NOT NULL,
    PRIMARY KEY (principal, entity, record_id)
) WITHOUT ROWID;
CREATE INDEX acl_record ON acl (entity, record_id);

-- The change feed, compacted: one row per record at its latest write. `dropped` lists, space
-- separated and space padded, the principals that lost sight of the record since they last could
-- see it, so their clients are told to drop it.
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    entity TEXT NOT NULL,
    record_id TEXT NOT NULL,
    dropped TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX changes_record ON changes (entity, record_id);

CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id TEXT,
    action TEXT NOT NULL,
    entity TEXT,
    record_id TEXT,
    changes TEXT
);
CREATE INDEX audit_record ON audit (entity, record_id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- The first answer to a write sent with an Idempotency-Key, returned again on a retry.
CREATE TABLE idempotency (
    user_id TEXT NOT NULL,
    key TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
) WITHOUT ROWID;

CREATE TABLE counters (
    name TEXT PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL
) WITHOUT ROWID;

-- Service levels per ticket priority, in minutes.
CREATE TABLE sla_policies (
    priority TEXT PRIMARY KEY NOT NULL,
    first_response_minutes INTEGER NOT NULL,
    resolution_minutes INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO sla_policies VALUES
    ('urgent', 30, 240),
    ('high', 60, 480),
    ('normal', 240, 1440),
    ('low', 480, 4320);
