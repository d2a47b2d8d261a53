-- migrations/0009_orders_stock_payments.sql for PostgreSQL (types and indexes as 0001_init.sql
-- translates them; a warehouse code is unique ignoring ASCII case, as SQLite's NOCASE).
-- Sales to cash, after the quote (issue 11; seeds 000 §3.4 销售订单管理 and 回款管理, §3.6 库存管理,
-- 003 订单捕捉): orders and their lines, warehouses, stock per product and warehouse, stock
-- movements, payment plans, their instalments and the payments received. Money is integer
-- minor units, quantities whole units. Column lists mirror server/src/schema/orders.rs.

CREATE TABLE warehouses (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    code TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    address TEXT COLLATE "C",
    active BOOLEAN NOT NULL DEFAULT TRUE,
    notes TEXT COLLATE "C"
);
CREATE UNIQUE INDEX warehouses_code ON warehouses (lower(code)) WHERE NOT deleted;

CREATE TABLE stock_levels (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    product_id TEXT COLLATE "C" NOT NULL,
    warehouse_id TEXT COLLATE "C" NOT NULL,
    on_hand BIGINT NOT NULL,
    reserved BIGINT NOT NULL,
    available BIGINT NOT NULL,
    low_threshold BIGINT NOT NULL DEFAULT 0,
    low BOOLEAN NOT NULL
);
-- One level per product and warehouse.
CREATE UNIQUE INDEX stock_levels_product_warehouse ON stock_levels (product_id, warehouse_id) WHERE NOT deleted;
CREATE INDEX stock_levels_warehouse ON stock_levels (warehouse_id) WHERE NOT deleted;
CREATE INDEX stock_levels_low ON stock_levels (low) WHERE NOT deleted;

CREATE TABLE stock_movements (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    product_id TEXT COLLATE "C" NOT NULL,
    warehouse_id TEXT COLLATE "C" NOT NULL,
    kind TEXT COLLATE "C" NOT NULL,
    quantity BIGINT NOT NULL,
    reason TEXT COLLATE "C",
    order_id TEXT COLLATE "C",
    on_hand_after BIGINT NOT NULL
);
CREATE INDEX stock_movements_product ON stock_movements (product_id) WHERE NOT deleted;
CREATE INDEX stock_movements_warehouse ON stock_movements (warehouse_id) WHERE NOT deleted;
CREATE INDEX stock_movements_order ON stock_movements (order_id) WHERE NOT deleted AND order_id IS NOT NULL;

CREATE TABLE orders (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    number TEXT COLLATE "C" NOT NULL,
    customer_id TEXT COLLATE "C" NOT NULL,
    contact_id TEXT COLLATE "C",
    opportunity_id TEXT COLLATE "C",
    quote_id TEXT COLLATE "C",
    owner_id TEXT COLLATE "C",
    warehouse_id TEXT COLLATE "C",
    subject TEXT COLLATE "C",
    status TEXT COLLATE "C" NOT NULL DEFAULT 'entered',
    currency TEXT COLLATE "C" NOT NULL DEFAULT 'CNY',
    ordered_on TEXT COLLATE "C" NOT NULL,
    delivery_date TEXT COLLATE "C",
    delivered_on TEXT COLLATE "C",
    subtotal BIGINT NOT NULL,
    tax BIGINT NOT NULL,
    total BIGINT NOT NULL,
    notes TEXT COLLATE "C"
);
CREATE UNIQUE INDEX orders_number ON orders (number) WHERE NOT deleted;
-- A quote is ordered once: a second order of it is a unique key taken (409), however it races.
CREATE UNIQUE INDEX orders_quote ON orders (quote_id) WHERE NOT deleted AND quote_id IS NOT NULL;
CREATE INDEX orders_customer ON orders (customer_id) WHERE NOT deleted;
CREATE INDEX orders_owner_status ON orders (owner_id, status) WHERE NOT deleted;
CREATE INDEX orders_ordered_on ON orders (ordered_on) WHERE NOT deleted;

CREATE TABLE order_lines (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    order_id TEXT COLLATE "C" NOT NULL,
    product_id TEXT COLLATE "C" NOT NULL,
    quantity BIGINT NOT NULL DEFAULT 1,
    unit_price BIGINT NOT NULL,
    discount_bp BIGINT NOT NULL DEFAULT 0,
    tax_rate_bp BIGINT NOT NULL,
    net BIGINT NOT NULL,
    tax BIGINT NOT NULL,
    delivered_quantity BIGINT NOT NULL DEFAULT 0,
    delivery_date TEXT COLLATE "C",
    notes TEXT COLLATE "C"
);
CREATE INDEX order_lines_order ON order_lines (order_id) WHERE NOT deleted;
CREATE INDEX order_lines_product ON order_lines (product_id) WHERE NOT deleted;

CREATE TABLE payment_plans (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    name TEXT COLLATE "C" NOT NULL,
    customer_id TEXT COLLATE "C" NOT NULL,
    order_id TEXT COLLATE "C",
    contract_id TEXT COLLATE "C",
    owner_id TEXT COLLATE "C",
    currency TEXT COLLATE "C" NOT NULL DEFAULT 'CNY',
    total BIGINT NOT NULL,
    received BIGINT NOT NULL,
    notes TEXT COLLATE "C"
);
CREATE INDEX payment_plans_customer ON payment_plans (customer_id) WHERE NOT deleted;
CREATE INDEX payment_plans_order ON payment_plans (order_id) WHERE NOT deleted AND order_id IS NOT NULL;
CREATE INDEX payment_plans_contract ON payment_plans (contract_id) WHERE NOT deleted AND contract_id IS NOT NULL;

CREATE TABLE instalments (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    plan_id TEXT COLLATE "C" NOT NULL,
    due_date TEXT COLLATE "C" NOT NULL,
    amount BIGINT NOT NULL,
    received BIGINT NOT NULL,
    status TEXT COLLATE "C" NOT NULL,
    customer_id TEXT COLLATE "C" NOT NULL,
    owner_id TEXT COLLATE "C",
    notes TEXT COLLATE "C"
);
CREATE INDEX instalments_plan ON instalments (plan_id) WHERE NOT deleted;
-- The aging read: what is still owed, by due date, for everyone or one customer.
CREATE INDEX instalments_status_due ON instalments (status, due_date) WHERE NOT deleted;
CREATE INDEX instalments_customer ON instalments (customer_id, status) WHERE NOT deleted;
CREATE INDEX instalments_owner_due ON instalments (owner_id, due_date) WHERE NOT deleted;

CREATE TABLE payments (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    customer_id TEXT COLLATE "C" NOT NULL,
    plan_id TEXT COLLATE "C",
    instalment_id TEXT COLLATE "C",
    amount BIGINT NOT NULL,
    received_on TEXT COLLATE "C" NOT NULL,
    method TEXT COLLATE "C" NOT NULL DEFAULT 'bank_transfer',
    reference TEXT COLLATE "C",
    notes TEXT COLLATE "C"
);
CREATE INDEX payments_customer ON payments (customer_id) WHERE NOT deleted;
CREATE INDEX payments_instalment ON payments (instalment_id) WHERE NOT deleted AND instalment_id IS NOT NULL;
CREATE INDEX payments_plan ON payments (plan_id) WHERE NOT deleted AND plan_id IS NOT NULL;
