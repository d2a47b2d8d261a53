-- People and territories (issue 14): relations between contacts (the decision map), a
-- contact's role in the buying decision (the admin's `decision_roles` list), territories with
-- their assignment rules, dealers' assessments, a dealer's agency contract and territory on the
-- customer, its targets (`targets.customer_id`) and the orders placed through it
-- (`orders.dealer_id`). Column lists mirror server/src/schema/relations.rs and the fields added
-- to customers, contacts, orders and targets.

CREATE TABLE contact_relations (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    contact_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    related_id TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX contact_relations_contact ON contact_relations (contact_id) WHERE deleted = 0;
CREATE INDEX contact_relations_related ON contact_relations (related_id) WHERE deleted = 0;
-- A contact reports to one person at most, even when two writes race the service's check.
CREATE UNIQUE INDEX contact_relations_reports_to ON contact_relations (contact_id)
    WHERE deleted = 0 AND kind = 'reports_to';

CREATE TABLE territories (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    regions TEXT NOT NULL DEFAULT '[]',
    industries TEXT NOT NULL DEFAULT '[]',
    owner_id TEXT,
    team_id TEXT,
    priority INTEGER NOT NULL DEFAULT 100,
    active INTEGER NOT NULL DEFAULT 1,
    description TEXT
);
CREATE UNIQUE INDEX territories_name ON territories (name COLLATE NOCASE) WHERE deleted = 0;

CREATE TABLE dealer_assessments (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    customer_id TEXT NOT NULL,
    period TEXT NOT NULL,
    sales_score INTEGER NOT NULL,
    market_score INTEGER NOT NULL,
    service_score INTEGER NOT NULL,
    credit_score INTEGER NOT NULL,
    total INTEGER NOT NULL,
    grade TEXT NOT NULL,
    notes TEXT
);
CREATE UNIQUE INDEX dealer_assessments_period ON dealer_assessments (customer_id, period)
    WHERE deleted = 0;

ALTER TABLE customers ADD COLUMN territory_id TEXT;
ALTER TABLE customers ADD COLUMN agency_contract_id TEXT;
CREATE INDEX customers_territory ON customers (territory_id)
    WHERE deleted = 0 AND territory_id IS NOT NULL;
ALTER TABLE contacts ADD COLUMN decision_role TEXT;
ALTER TABLE orders ADD COLUMN dealer_id TEXT;
CREATE INDEX orders_dealer ON orders (dealer_id, ordered_on)
    WHERE deleted = 0 AND dealer_id IS NOT NULL;
ALTER TABLE targets ADD COLUMN customer_id TEXT;
CREATE UNIQUE INDEX targets_customer_month ON targets (customer_id, month)
    WHERE deleted = 0 AND customer_id IS NOT NULL;

-- A contact's part in the buying decision: the admin's list, started with these.
CREATE TEMP TABLE seed_roles (code TEXT, name_zh TEXT, name_en TEXT, position INTEGER, colour TEXT);
INSERT INTO seed_roles VALUES
    ('decision_maker', '决策者', 'Decision maker', 1, 'accent'),
    ('influencer', '影响者', 'Influencer', 2, NULL),
    ('user', '使用者', 'User', 3, NULL),
    ('gatekeeper', '把关者', 'Gatekeeper', 4, 'muted');
INSERT INTO list_items (id, version, created_at, updated_at, list, code, name_zh, name_en, position, colour, active)
-- A version 4 UUID from random bits, made per row.
SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'
       || substr(lower(hex(randomblob(2))), 2) || '-'
       || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-'
       || lower(hex(randomblob(6))), 1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
       'decision_roles', code, name_zh, name_en, position, colour, 1
  FROM seed_roles
 WHERE NOT EXISTS (SELECT 1 FROM list_items l WHERE l.list = 'decision_roles' AND l.deleted = 0
                    AND lower(l.code) = lower(seed_roles.code));
INSERT OR IGNORE INTO acl (principal, entity, record_id)
SELECT 'all', 'list_items', id FROM list_items WHERE list = 'decision_roles';
INSERT OR IGNORE INTO changes (entity, record_id)
SELECT 'list_items', id FROM list_items WHERE list = 'decision_roles' ORDER BY position;
DROP TABLE seed_roles;
