-- migrations/0006_products_quotes.sql for PostgreSQL (types and indexes as 0001_init.sql
-- translates them; a product code is unique ignoring ASCII case, as SQLite's NOCASE).
-- Sales to cash, its foundation (issue 11; seeds 000 §3.5, 003 产品/报价, 004 相关产品/客户报价):
-- products, their costs (a table of their own, readable by managers only), price-list entries,
-- products on opportunities, discount limits per role, quotes and their lines. Money is integer
-- minor units, rates and discounts basis points. Column lists mirror server/src/schema.rs.

CREATE TABLE products (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    code TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    kind TEXT COLLATE "C" NOT NULL DEFAULT 'stock',
    category TEXT COLLATE "C",
    unit TEXT COLLATE "C" NOT NULL DEFAULT 'pcs',
    list_price BIGINT NOT NULL DEFAULT 0,
    currency TEXT COLLATE "C" NOT NULL DEFAULT 'CNY',
    tax_rate_bp BIGINT NOT NULL DEFAULT 1300,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    description TEXT COLLATE "C"
);
CREATE UNIQUE INDEX products_code ON products (lower(code)) WHERE NOT deleted;
CREATE INDEX products_name ON products (name) WHERE NOT deleted;

CREATE TABLE product_costs (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    product_id TEXT COLLATE "C" NOT NULL,
    cost BIGINT NOT NULL,
    currency TEXT COLLATE "C" NOT NULL DEFAULT 'CNY',
    notes TEXT COLLATE "C"
);
-- Named for its column: a conflict names the field (`unique_key` in store/postgres.rs).
CREATE UNIQUE INDEX product_costs_product_id ON product_costs (product_id) WHERE NOT deleted;

CREATE TABLE prices (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    product_id TEXT COLLATE "C" NOT NULL,
    customer_id TEXT COLLATE "C",
    level TEXT COLLATE "C",
    unit_price BIGINT NOT NULL,
    currency TEXT COLLATE "C" NOT NULL DEFAULT 'CNY',
    valid_from TEXT COLLATE "C" NOT NULL,
    valid_to TEXT COLLATE "C",
    notes TEXT COLLATE "C"
);
CREATE INDEX prices_product ON prices (product_id) WHERE NOT deleted;
CREATE INDEX prices_customer ON prices (customer_id) WHERE NOT deleted AND customer_id IS NOT NULL;

CREATE TABLE opportunity_lines (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    opportunity_id TEXT COLLATE "C" NOT NULL,
    product_id TEXT COLLATE "C" NOT NULL,
    quantity BIGINT NOT NULL DEFAULT 1,
    unit_price BIGINT NOT NULL,
    discount_bp BIGINT NOT NULL DEFAULT 0,
    net BIGINT NOT NULL,
    notes TEXT COLLATE "C"
);
CREATE INDEX opportunity_lines_opportunity ON opportunity_lines (opportunity_id) WHERE NOT deleted;
CREATE INDEX opportunity_lines_product ON opportunity_lines (product_id) WHERE NOT deleted;

CREATE TABLE discount_limits (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    role TEXT COLLATE "C" NOT NULL,
    max_discount_bp BIGINT NOT NULL
);
CREATE UNIQUE INDEX discount_limits_role ON discount_limits (role) WHERE NOT deleted;

CREATE TABLE quotes (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    number TEXT COLLATE "C" NOT NULL,
    revision BIGINT NOT NULL,
    supersedes TEXT COLLATE "C",
    customer_id TEXT COLLATE "C" NOT NULL,
    contact_id TEXT COLLATE "C",
    opportunity_id TEXT COLLATE "C",
    owner_id TEXT COLLATE "C",
    subject TEXT COLLATE "C",
    status TEXT COLLATE "C" NOT NULL DEFAULT 'draft',
    currency TEXT COLLATE "C" NOT NULL DEFAULT 'CNY',
    valid_until TEXT COLLATE "C",
    subtotal BIGINT NOT NULL,
    tax BIGINT NOT NULL,
    total BIGINT NOT NULL,
    sent_at TEXT COLLATE "C",
    terms TEXT COLLATE "C",
    notes TEXT COLLATE "C"
);
-- A number names one quote and its revisions; each revision once.
CREATE UNIQUE INDEX quotes_number_revision ON quotes (number, revision) WHERE NOT deleted;
CREATE UNIQUE INDEX quotes_supersedes ON quotes (supersedes) WHERE NOT deleted AND supersedes IS NOT NULL;
CREATE INDEX quotes_customer ON quotes (customer_id) WHERE NOT deleted;
CREATE INDEX quotes_opportunity ON quotes (opportunity_id) WHERE NOT deleted AND opportunity_id IS NOT NULL;
CREATE INDEX quotes_owner_status ON quotes (owner_id, status) WHERE NOT deleted;

CREATE TABLE quote_lines (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    quote_id TEXT COLLATE "C" NOT NULL,
    product_id TEXT COLLATE "C" NOT NULL,
    quantity BIGINT NOT NULL DEFAULT 1,
    unit_price BIGINT NOT NULL,
    discount_bp BIGINT NOT NULL DEFAULT 0,
    tax_rate_bp BIGINT NOT NULL,
    net BIGINT NOT NULL,
    tax BIGINT NOT NULL,
    notes TEXT COLLATE "C"
);
CREATE INDEX quote_lines_quote ON quote_lines (quote_id) WHERE NOT deleted;
