-- Competitors (seeds 001 §4 and 003): the companies competing for our customers, their
-- products, and which of them are in each opportunity. Column lists mirror server/src/schema.rs.

CREATE TABLE competitors (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    website TEXT,
    threat TEXT NOT NULL DEFAULT 'medium',
    strategy TEXT,
    strengths TEXT,
    weaknesses TEXT,
    customer_count INTEGER,
    financials TEXT,
    partners TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    notes TEXT
);
CREATE UNIQUE INDEX competitors_name ON competitors (name COLLATE NOCASE) WHERE deleted = 0;

CREATE TABLE competitor_products (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    competitor_id TEXT NOT NULL,
    name TEXT NOT NULL,
    performance TEXT,
    strengths TEXT,
    weaknesses TEXT,
    price INTEGER,
    currency TEXT NOT NULL DEFAULT 'CNY',
    used_by TEXT,
    notes TEXT
);
CREATE INDEX competitor_products_competitor ON competitor_products (competitor_id) WHERE deleted = 0;

CREATE TABLE opportunity_competitors (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    opportunity_id TEXT NOT NULL,
    competitor_id TEXT NOT NULL,
    product_id TEXT,
    threat TEXT NOT NULL DEFAULT 'medium',
    status TEXT NOT NULL DEFAULT 'competing',
    price_offered INTEGER,
    currency TEXT NOT NULL DEFAULT 'CNY',
    notes TEXT
);
CREATE INDEX opportunity_competitors_opportunity ON opportunity_competitors (opportunity_id) WHERE deleted = 0;
CREATE INDEX opportunity_competitors_competitor ON opportunity_competitors (competitor_id) WHERE deleted = 0;
