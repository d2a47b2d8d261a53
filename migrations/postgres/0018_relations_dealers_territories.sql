-- migrations/0021_relations_dealers_territories.sql for PostgreSQL: contact relations, decision
-- roles, territories, dealer assessments, a dealer's contract, territory, targets and orders.
-- Column lists mirror server/src/schema/relations.rs; types and indexes as 0001_init.sql translates.

CREATE TABLE contact_relations (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    contact_id TEXT COLLATE "C" NOT NULL,
    kind TEXT COLLATE "C" NOT NULL,
    related_id TEXT COLLATE "C" NOT NULL,
    reason TEXT COLLATE "C"
);
CREATE INDEX contact_relations_contact ON contact_relations (contact_id) WHERE NOT deleted;
CREATE INDEX contact_relations_related ON contact_relations (related_id) WHERE NOT deleted;
CREATE UNIQUE INDEX contact_relations_reports_to ON contact_relations (contact_id)
    WHERE NOT deleted AND kind = 'reports_to';

CREATE TABLE territories (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    name TEXT COLLATE "C" NOT NULL,
    regions TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    industries TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    owner_id TEXT COLLATE "C",
    team_id TEXT COLLATE "C",
    priority BIGINT NOT NULL DEFAULT 100,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    description TEXT COLLATE "C"
);
CREATE UNIQUE INDEX territories_name ON territories (lower(name)) WHERE NOT deleted;

CREATE TABLE dealer_assessments (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    customer_id TEXT COLLATE "C" NOT NULL,
    period TEXT COLLATE "C" NOT NULL,
    sales_score BIGINT NOT NULL,
    market_score BIGINT NOT NULL,
    service_score BIGINT NOT NULL,
    credit_score BIGINT NOT NULL,
    total BIGINT NOT NULL,
    grade TEXT COLLATE "C" NOT NULL,
    notes TEXT COLLATE "C"
);
CREATE UNIQUE INDEX dealer_assessments_period ON dealer_assessments (customer_id, period)
    WHERE NOT deleted;

ALTER TABLE customers ADD COLUMN territory_id TEXT COLLATE "C";
ALTER TABLE customers ADD COLUMN agency_contract_id TEXT COLLATE "C";
CREATE INDEX customers_territory ON customers (territory_id)
    WHERE NOT deleted AND territory_id IS NOT NULL;
ALTER TABLE contacts ADD COLUMN decision_role TEXT COLLATE "C";
ALTER TABLE orders ADD COLUMN dealer_id TEXT COLLATE "C";
CREATE INDEX orders_dealer ON orders (dealer_id, ordered_on)
    WHERE NOT deleted AND dealer_id IS NOT NULL;
ALTER TABLE targets ADD COLUMN customer_id TEXT COLLATE "C";
CREATE UNIQUE INDEX targets_customer_month ON targets (customer_id, month)
    WHERE NOT deleted AND customer_id IS NOT NULL;

CREATE TEMP TABLE seed_roles (code TEXT, name_zh TEXT, name_en TEXT, position INTEGER, colour TEXT);
INSERT INTO seed_roles VALUES
    ('decision_maker', '决策者', 'Decision maker', 1, 'accent'),
    ('influencer', '影响者', 'Influencer', 2, NULL),
    ('user', '使用者', 'User', 3, NULL),
    ('gatekeeper', '把关者', 'Gatekeeper', 4, 'muted');
INSERT INTO list_items (id, version, created_at, updated_at, list, code, name_zh, name_en, position, colour, active)
SELECT gen_random_uuid()::text, 1, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       'decision_roles', code, name_zh, name_en, position, colour, TRUE
  FROM seed_roles
 WHERE NOT EXISTS (SELECT 1 FROM list_items l WHERE l.list = 'decision_roles' AND NOT l.deleted
                    AND lower(l.code) = lower(seed_roles.code));
INSERT INTO acl (principal, entity, record_id)
SELECT 'all', 'list_items', id FROM list_items WHERE list = 'decision_roles'
ON CONFLICT DO NOTHING;
INSERT INTO changes (seq, entity, record_id)
SELECT nextval('changes_seq'), 'list_items', id
  FROM (SELECT id FROM list_items WHERE list = 'decision_roles' ORDER BY position) AS l
ON CONFLICT DO NOTHING;
DROP TABLE seed_roles;
