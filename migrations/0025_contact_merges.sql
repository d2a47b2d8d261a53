-- Contact merges (issue 14; seed 000 §3.1.1 重复数据的合并, for the people as for the companies).
-- Contacts gain the duplicate keys their review queue groups by (crm_server::dedupe::Keys::
-- of_contact): the name within its customer, the mobile else the phone, the email; the service
-- and the seeder store them with every write, crm_name_key/crm_phone_key/crm_email_key (the
-- same Rust functions, registered by the migration runner) fill those stored before.
-- contact_merges mirrors server/src/schema/merges.rs; a merge in force (`status = 'done'`) is
-- the redirect of its merged-away contact: at most one per contact.
ALTER TABLE contacts ADD COLUMN name_key TEXT;
ALTER TABLE contacts ADD COLUMN phone_key TEXT;
ALTER TABLE contacts ADD COLUMN email_key TEXT;
UPDATE contacts SET
    name_key = customer_id || '/' || crm_name_key(name),
    phone_key = COALESCE(crm_phone_key(mobile), crm_phone_key(phone)),
    email_key = crm_email_key(email);
CREATE INDEX contacts_name_key ON contacts (name_key) WHERE deleted = 0;
CREATE INDEX contacts_phone_key ON contacts (phone_key) WHERE deleted = 0;
CREATE INDEX contacts_email_key ON contacts (email_key) WHERE deleted = 0;

CREATE TABLE contact_merges (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    survivor_id TEXT NOT NULL,
    merged_id TEXT NOT NULL,
    take TEXT NOT NULL DEFAULT '[]',
    survivor_version INTEGER,
    merged_version INTEGER,
    status TEXT NOT NULL DEFAULT 'done',
    moved TEXT NOT NULL DEFAULT '{}',
    before TEXT NOT NULL DEFAULT '{}',
    merged_name TEXT,
    undone_at TEXT
);
CREATE UNIQUE INDEX contact_merges_merged ON contact_merges (merged_id) WHERE deleted = 0 AND status = 'done';
CREATE INDEX contact_merges_survivor ON contact_merges (survivor_id) WHERE deleted = 0;
