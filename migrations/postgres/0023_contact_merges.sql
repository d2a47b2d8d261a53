-- migrations/0025_contact_merges.sql for PostgreSQL. Contacts gain their duplicate keys
-- (crm_server::dedupe::Keys::of_contact); those stored before get theirs from the migration
-- runner (`fill_contact_keys` in server/src/store/postgres.rs) in this migration's
-- transaction: PostgreSQL cannot call the Rust functions from SQL. contact_merges mirrors
-- server/src/schema/merges.rs; at most one merge in force per merged-away contact.
ALTER TABLE contacts ADD COLUMN name_key TEXT COLLATE "C";
ALTER TABLE contacts ADD COLUMN phone_key TEXT COLLATE "C";
ALTER TABLE contacts ADD COLUMN email_key TEXT COLLATE "C";
CREATE INDEX contacts_name_key ON contacts (name_key) WHERE NOT deleted;
CREATE INDEX contacts_phone_key ON contacts (phone_key) WHERE NOT deleted;
CREATE INDEX contacts_email_key ON contacts (email_key) WHERE NOT deleted;

CREATE TABLE contact_merges (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    survivor_id TEXT COLLATE "C" NOT NULL,
    merged_id TEXT COLLATE "C" NOT NULL,
    take TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    survivor_version BIGINT,
    merged_version BIGINT,
    status TEXT COLLATE "C" NOT NULL DEFAULT 'done',
    moved TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    before TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    merged_name TEXT COLLATE "C",
    undone_at TEXT COLLATE "C"
);
CREATE UNIQUE INDEX contact_merges_merged ON contact_merges (merged_id) WHERE NOT deleted AND status = 'done';
CREATE INDEX contact_merges_survivor ON contact_merges (survivor_id) WHERE NOT deleted;
