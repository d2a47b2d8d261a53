-- Sales to cash, its foundation (issue 11; seeds 000 §3.5, 003 产品/报价, 004 相关产品/客户报价):
-- products, their costs (a table of their own, readable by managers only), price-list entries,
-- products on opportunities, discount limits per role, quotes and their lines. Money is integer
-- minor units, rates and discounts basis points. Column lists mirror server/src/schema.rs.

CREATE TABLE products (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'stock',
    category TEXT,
    unit TEXT NOT NULL DEFAULT 'pcs',
    list_price INTEGER NOT NULL DEFAULT 0,
    currency TEXT NOT NULL DEFAULT 'CNY',
    tax_rate_bp INTEGER NOT NULL DEFAULT 1300,
    active INTEGER NOT NULL DEFAULT 1,
    description TEXT
);
CREATE UNIQUE INDEX products_code ON products (code COLLATE NOCASE) WHERE deleted = 0;
CREATE INDEX products_name ON products (name) WHERE deleted = 0;

CREATE TABLE product_costs (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    product_id TEXT NOT NULL,
    cost INTEGER NOT NULL,
    currency TEXT NOT NULL DEFAULT 'CNY',
    notes TEXT
);
CREATE UNIQUE INDEX product_costs_product ON product_costs (product_id) WHERE deleted = 0;

CREATE TABLE prices (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    product_id TEXT NOT NULL,
    customer_id TEXT,
    level TEXT,
    unit_price INTEGER NOT NULL,
    currency TEXT NOT NULL DEFAULT 'CNY',
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    notes TEXT
);
CREATE INDEX prices_product ON prices (product_id) WHERE deleted = 0;
CREATE INDEX prices_customer ON prices (customer_id) WHERE deleted = 0 AND customer_id IS NOT NULL;

CREATE TABLE opportunity_lines (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    opportunity_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    quantity INTEGER NOT NULL DEFAULT 1,
    unit_price INTEGER NOT NULL,
    discount_bp INTEGER NOT NULL DEFAULT 0,
    net INTEGER NOT NULL,
    notes TEXT
);
CREATE INDEX opportunity_lines_opportunity ON opportunity_lines (opportunity_id) WHERE deleted = 0;
CREATE INDEX opportunity_lines_product ON opportunity_lines (product_id) WHERE deleted = 0;

CREATE TABLE discount_limits (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    role TEXT NOT NULL,
    max_discount_bp INTEGER NOT NULL
);
CREATE UNIQUE INDEX discount_limits_role ON discount_limits (role) WHERE deleted = 0;

CREATE TABLE quotes (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    number TEXT NOT NULL,
    revision INTEGER NOT NULL,
    supersedes TEXT,
    customer_id TEXT NOT NULL,
    contact_id TEXT,
    opportunity_id TEXT,
    owner_id TEXT,
    subject TEXT,
    status TEXT NOT NULL DEFAULT 'draft',
    currency TEXT NOT NULL DEFAULT 'CNY',
    valid_until TEXT,
    subtotal INTEGER NOT NULL,
    tax INTEGER NOT NULL,
    total INTEGER NOT NULL,
    sent_at TEXT,
    terms TEXT,
    notes TEXT
);
-- A number names one quote and its revisions; each revision once.
CREATE UNIQUE INDEX quotes_number_revision ON quotes (number, revision) WHERE deleted = 0;
CREATE UNIQUE INDEX quotes_supersedes ON quotes (supersedes) WHERE deleted = 0 AND supersedes IS NOT NULL;
CREATE INDEX quotes_customer ON quotes (customer_id) WHERE deleted = 0;
CREATE INDEX quotes_opportunity ON quotes (opportunity_id) WHERE deleted = 0 AND opportunity_id IS NOT NULL;
CREATE INDEX quotes_owner_status ON quotes (owner_id, status) WHERE deleted = 0;

CREATE TABLE quote_lines (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    quote_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    quantity INTEGER NOT NULL DEFAULT 1,
    unit_price INTEGER NOT NULL,
    discount_bp INTEGER NOT NULL DEFAULT 0,
    tax_rate_bp INTEGER NOT NULL,
    net INTEGER NOT NULL,
    tax INTEGER NOT NULL,
    notes TEXT
);
CREATE INDEX quote_lines_quote ON quote_lines (quote_id) WHERE deleted = 0;
