-- The PostgreSQL schema: the same tables as the SQLite migrations (migrations/*.sql) reach at
-- their latest version. Released migrations are never edited: change the schema in a new file
-- here and beside the SQLite ones. Column lists mirror server/src/schema.rs; a test checks that
-- they agree. Text sorts and compares byte-wise (COLLATE "C"), as in SQLite, whatever the
-- database's locale: list pages continue after a (sort value, id) the same way on both.

CREATE TABLE teams (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    name TEXT COLLATE "C" NOT NULL,
    description TEXT COLLATE "C"
);
CREATE UNIQUE INDEX teams_name ON teams (lower(name)) WHERE NOT deleted;

CREATE TABLE users (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    username TEXT COLLATE "C" NOT NULL,
    display_name TEXT COLLATE "C" NOT NULL,
    role TEXT COLLATE "C" NOT NULL,
    team_id TEXT COLLATE "C",
    email TEXT COLLATE "C",
    active BOOLEAN NOT NULL DEFAULT TRUE,
    password_hash TEXT COLLATE "C"
);
CREATE UNIQUE INDEX users_username ON users (lower(username)) WHERE NOT deleted;

CREATE TABLE sessions (
    token_hash TEXT COLLATE "C" PRIMARY KEY,
    user_id TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    expires_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE stages (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    name TEXT COLLATE "C" NOT NULL,
    position BIGINT NOT NULL,
    probability BIGINT NOT NULL,
    kind TEXT COLLATE "C" NOT NULL DEFAULT 'open'
);

CREATE TABLE customers (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    code TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    kind TEXT COLLATE "C" NOT NULL DEFAULT 'company',
    industry TEXT COLLATE "C",
    region TEXT COLLATE "C",
    level TEXT COLLATE "C",
    category TEXT COLLATE "C" NOT NULL DEFAULT 'prospect',
    lifecycle TEXT COLLATE "C" NOT NULL DEFAULT 'potential',
    source TEXT COLLATE "C",
    address TEXT COLLATE "C",
    postcode TEXT COLLATE "C",
    phone TEXT COLLATE "C",
    fax TEXT COLLATE "C",
    website TEXT COLLATE "C",
    email TEXT COLLATE "C",
    owner_id TEXT COLLATE "C",
    team_id TEXT COLLATE "C",
    shared_with TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    tags TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    notes TEXT COLLATE "C",
    extra TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    -- Normalized keys for the duplicate check: case and white space folded, phone digits only.
    name_key TEXT COLLATE "C",
    phone_key TEXT COLLATE "C",
    email_key TEXT COLLATE "C"
);
CREATE UNIQUE INDEX customers_code ON customers (code);
CREATE INDEX customers_name ON customers (name, id) WHERE NOT deleted;
CREATE INDEX customers_owner ON customers (owner_id) WHERE NOT deleted;
CREATE INDEX customers_name_key ON customers (name_key) WHERE NOT deleted;
CREATE INDEX customers_phone_key ON customers (phone_key) WHERE NOT deleted;
CREATE INDEX customers_email_key ON customers (email_key) WHERE NOT deleted;

CREATE TABLE contacts (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    customer_id TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    title TEXT COLLATE "C",
    department TEXT COLLATE "C",
    phone TEXT COLLATE "C",
    mobile TEXT COLLATE "C",
    email TEXT COLLATE "C",
    birthday TEXT COLLATE "C",
    is_primary BOOLEAN NOT NULL DEFAULT FALSE,
    preferred_channel TEXT COLLATE "C",
    notes TEXT COLLATE "C"
);
CREATE INDEX contacts_customer ON contacts (customer_id) WHERE NOT deleted;

CREATE TABLE opportunities (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    customer_id TEXT COLLATE "C" NOT NULL,
    contact_id TEXT COLLATE "C",
    name TEXT COLLATE "C" NOT NULL,
    stage_id TEXT COLLATE "C",
    amount BIGINT NOT NULL DEFAULT 0,
    currency TEXT COLLATE "C" NOT NULL DEFAULT 'CNY',
    probability BIGINT,
    expected_close TEXT COLLATE "C",
    owner_id TEXT COLLATE "C",
    source TEXT COLLATE "C",
    next_step TEXT COLLATE "C",
    close_reason TEXT COLLATE "C"
);
CREATE INDEX opportunities_customer ON opportunities (customer_id) WHERE NOT deleted;
CREATE INDEX opportunities_stage ON opportunities (stage_id) WHERE NOT deleted;

CREATE TABLE activities (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    kind TEXT COLLATE "C" NOT NULL,
    subject TEXT COLLATE "C" NOT NULL,
    notes TEXT COLLATE "C",
    starts_at TEXT COLLATE "C",
    ends_at TEXT COLLATE "C",
    due_at TEXT COLLATE "C",
    done BOOLEAN NOT NULL DEFAULT FALSE,
    customer_id TEXT COLLATE "C",
    contact_id TEXT COLLATE "C",
    opportunity_id TEXT COLLATE "C",
    ticket_id TEXT COLLATE "C",
    owner_id TEXT COLLATE "C",
    direction TEXT COLLATE "C",
    duration_seconds BIGINT,
    outcome TEXT COLLATE "C"
);
CREATE INDEX activities_customer ON activities (customer_id) WHERE NOT deleted;
CREATE INDEX activities_opportunity ON activities (opportunity_id) WHERE NOT deleted;
CREATE INDEX activities_ticket ON activities (ticket_id) WHERE NOT deleted;
CREATE INDEX activities_starts ON activities (starts_at) WHERE NOT deleted;

CREATE TABLE tickets (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    number TEXT COLLATE "C" NOT NULL,
    subject TEXT COLLATE "C" NOT NULL,
    description TEXT COLLATE "C",
    customer_id TEXT COLLATE "C" NOT NULL,
    contact_id TEXT COLLATE "C",
    channel TEXT COLLATE "C" NOT NULL DEFAULT 'phone',
    priority TEXT COLLATE "C" NOT NULL DEFAULT 'normal',
    status TEXT COLLATE "C" NOT NULL DEFAULT 'new',
    assignee_id TEXT COLLATE "C",
    category TEXT COLLATE "C",
    first_response_due TEXT COLLATE "C",
    resolution_due TEXT COLLATE "C",
    first_responded_at TEXT COLLATE "C",
    resolved_at TEXT COLLATE "C",
    resolution TEXT COLLATE "C",
    satisfaction BIGINT
);
CREATE UNIQUE INDEX tickets_number ON tickets (number);
CREATE INDEX tickets_customer ON tickets (customer_id) WHERE NOT deleted;
CREATE INDEX tickets_assignee ON tickets (assignee_id) WHERE NOT deleted;

CREATE TABLE comments (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    ticket_id TEXT COLLATE "C" NOT NULL,
    body TEXT COLLATE "C" NOT NULL,
    internal BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX comments_ticket ON comments (ticket_id, created_at) WHERE NOT deleted;

CREATE TABLE competitors (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    name TEXT COLLATE "C" NOT NULL,
    website TEXT COLLATE "C",
    threat TEXT COLLATE "C" NOT NULL DEFAULT 'medium',
    strategy TEXT COLLATE "C",
    strengths TEXT COLLATE "C",
    weaknesses TEXT COLLATE "C",
    customer_count BIGINT,
    financials TEXT COLLATE "C",
    partners TEXT COLLATE "C",
    tags TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    notes TEXT COLLATE "C"
);
CREATE UNIQUE INDEX competitors_name ON competitors (lower(name)) WHERE NOT deleted;

CREATE TABLE competitor_products (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    competitor_id TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    performance TEXT COLLATE "C",
    strengths TEXT COLLATE "C",
    weaknesses TEXT COLLATE "C",
    price BIGINT,
    currency TEXT COLLATE "C" NOT NULL DEFAULT 'CNY',
    used_by TEXT COLLATE "C",
    notes TEXT COLLATE "C"
);
CREATE INDEX competitor_products_competitor ON competitor_products (competitor_id) WHERE NOT deleted;

CREATE TABLE opportunity_competitors (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    opportunity_id TEXT COLLATE "C" NOT NULL,
    competitor_id TEXT COLLATE "C" NOT NULL,
    product_id TEXT COLLATE "C",
    threat TEXT COLLATE "C" NOT NULL DEFAULT 'medium',
    status TEXT COLLATE "C" NOT NULL DEFAULT 'competing',
    price_offered BIGINT,
    currency TEXT COLLATE "C" NOT NULL DEFAULT 'CNY',
    notes TEXT COLLATE "C"
);
CREATE INDEX opportunity_competitors_opportunity ON opportunity_competitors (opportunity_id) WHERE NOT deleted;
CREATE INDEX opportunity_competitors_competitor ON opportunity_competitors (competitor_id) WHERE NOT deleted;

-- Who may read each live record: 'all', 'agent', 'u:<user id>', 't:<team id>'. Admins read all.
CREATE TABLE acl (
    principal TEXT COLLATE "C" NOT NULL,
    entity TEXT COLLATE "C" NOT NULL,
    record_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (principal, entity, record_id)
);
CREATE INDEX acl_record ON acl (entity, record_id);

-- The change feed, compacted: one row per record at its latest write. `dropped` lists, space
-- separated and space padded, the principals that lost sight of the record since they last
-- could see it. Positions come from changes_seq only while a transaction holds the feed lock,
-- which it takes just before it commits (store/postgres.rs): they are handed out in commit
-- order, so a reader never passes a position that is still uncommitted.
CREATE SEQUENCE changes_seq;
CREATE TABLE changes (
    seq BIGINT PRIMARY KEY,
    entity TEXT COLLATE "C" NOT NULL,
    record_id TEXT COLLATE "C" NOT NULL,
    dropped TEXT COLLATE "C" NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX changes_record ON changes (entity, record_id);

CREATE TABLE audit (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TEXT COLLATE "C" NOT NULL,
    actor_id TEXT COLLATE "C",
    action TEXT COLLATE "C" NOT NULL,
    entity TEXT COLLATE "C",
    record_id TEXT COLLATE "C",
    changes TEXT COLLATE "C"
);
CREATE INDEX audit_record ON audit (entity, record_id);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit
FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- The first answer to a write sent with an Idempotency-Key, returned again on a retry, and
-- which request it answered (a digest of its method, target and body).
CREATE TABLE idempotency (
    user_id TEXT COLLATE "C" NOT NULL,
    key TEXT COLLATE "C" NOT NULL,
    request TEXT COLLATE "C" NOT NULL DEFAULT '',
    status BIGINT NOT NULL,
    body TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_age ON idempotency (created_at);

CREATE TABLE counters (
    name TEXT COLLATE "C" PRIMARY KEY,
    value BIGINT NOT NULL
);

-- Service levels per ticket priority, in minutes.
CREATE TABLE sla_policies (
    priority TEXT COLLATE "C" PRIMARY KEY,
    first_response_minutes BIGINT NOT NULL,
    resolution_minutes BIGINT NOT NULL
);
INSERT INTO sla_policies VALUES
    ('urgent', 30, 240),
    ('high', 60, 480),
    ('normal', 240, 1440),
    ('low', 480, 4320);
