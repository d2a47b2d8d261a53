-- Sales to cash, after the quote (issue 11; seeds 000 §3.4 销售订单管理 and 回款管理, §3.6 库存管理,
-- 003 订单捕捉): orders and their lines, warehouses, stock per product and warehouse, stock
-- movements, payment plans, their instalments and the payments received. Money is integer
-- minor units, quantities whole units. Column lists mirror server/src/schema/orders.rs.

CREATE TABLE warehouses (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    address TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    notes TEXT
);
CREATE UNIQUE INDEX warehouses_code ON warehouses (code COLLATE NOCASE) WHERE deleted = 0;

CREATE TABLE stock_levels (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    product_id TEXT NOT NULL,
    warehouse_id TEXT NOT NULL,
    on_hand INTEGER NOT NULL,
    reserved INTEGER NOT NULL,
    available INTEGER NOT NULL,
    low_threshold INTEGER NOT NULL DEFAULT 0,
    low INTEGER NOT NULL
);
-- One level per product and warehouse.
CREATE UNIQUE INDEX stock_levels_product_warehouse ON stock_levels (product_id, warehouse_id) WHERE deleted = 0;
CREATE INDEX stock_levels_warehouse ON stock_levels (warehouse_id) WHERE deleted = 0;
CREATE INDEX stock_levels_low ON stock_levels (low) WHERE deleted = 0;

CREATE TABLE stock_movements (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    product_id TEXT NOT NULL,
    warehouse_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    reason TEXT,
    order_id TEXT,
    on_hand_after INTEGER NOT NULL
);
CREATE INDEX stock_movements_product ON stock_movements (product_id) WHERE deleted = 0;
CREATE INDEX stock_movements_warehouse ON stock_movements (warehouse_id) WHERE deleted = 0;
CREATE INDEX stock_movements_order ON stock_movements (order_id) WHERE deleted = 0 AND order_id IS NOT NULL;

CREATE TABLE orders (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    number TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    contact_id TEXT,
    opportunity_id TEXT,
    quote_id TEXT,
    owner_id TEXT,
    warehouse_id TEXT,
    subject TEXT,
    status TEXT NOT NULL DEFAULT 'entered',
    currency TEXT NOT NULL DEFAULT 'CNY',
    ordered_on TEXT NOT NULL,
    delivery_date TEXT,
    delivered_on TEXT,
    subtotal INTEGER NOT NULL,
    tax INTEGER NOT NULL,
    total INTEGER NOT NULL,
    notes TEXT
);
CREATE UNIQUE INDEX orders_number ON orders (number) WHERE deleted = 0;
-- A quote is ordered once: a second order of it is a unique key taken (409), however it races.
CREATE UNIQUE INDEX orders_quote ON orders (quote_id) WHERE deleted = 0 AND quote_id IS NOT NULL;
CREATE INDEX orders_customer ON orders (customer_id) WHERE deleted = 0;
CREATE INDEX orders_owner_status ON orders (owner_id, status) WHERE deleted = 0;
CREATE INDEX orders_ordered_on ON orders (ordered_on) WHERE deleted = 0;

CREATE TABLE order_lines (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    order_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    quantity INTEGER NOT NULL DEFAULT 1,
    unit_price INTEGER NOT NULL,
    discount_bp INTEGER NOT NULL DEFAULT 0,
    tax_rate_bp INTEGER NOT NULL,
    net INTEGER NOT NULL,
    tax INTEGER NOT NULL,
    delivered_quantity INTEGER NOT NULL DEFAULT 0,
    delivery_date TEXT,
    notes TEXT
);
CREATE INDEX order_lines_order ON order_lines (order_id) WHERE deleted = 0;
CREATE INDEX order_lines_product ON order_lines (product_id) WHERE deleted = 0;

CREATE TABLE payment_plans (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    order_id TEXT,
    contract_id TEXT,
    owner_id TEXT,
    currency TEXT NOT NULL DEFAULT 'CNY',
    total INTEGER NOT NULL,
    received INTEGER NOT NULL,
    notes TEXT
);
CREATE INDEX payment_plans_customer ON payment_plans (customer_id) WHERE deleted = 0;
CREATE INDEX payment_plans_order ON payment_plans (order_id) WHERE deleted = 0 AND order_id IS NOT NULL;
CREATE INDEX payment_plans_contract ON payment_plans (contract_id) WHERE deleted = 0 AND contract_id IS NOT NULL;

CREATE TABLE instalments (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    plan_id TEXT NOT NULL,
    due_date TEXT NOT NULL,
    amount INTEGER NOT NULL,
    received INTEGER NOT NULL,
    status TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    owner_id TEXT,
    notes TEXT
);
CREATE INDEX instalments_plan ON instalments (plan_id) WHERE deleted = 0;
-- The aging read: what is still owed, by due date, for everyone or one customer.
CREATE INDEX instalments_status_due ON instalments (status, due_date) WHERE deleted = 0;
CREATE INDEX instalments_customer ON instalments (customer_id, status) WHERE deleted = 0;
CREATE INDEX instalments_owner_due ON instalments (owner_id, due_date) WHERE deleted = 0;

CREATE TABLE payments (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    customer_id TEXT NOT NULL,
    plan_id TEXT,
    instalment_id TEXT,
    amount INTEGER NOT NULL,
    received_on TEXT NOT NULL,
    method TEXT NOT NULL DEFAULT 'bank_transfer',
    reference TEXT,
    notes TEXT
);
CREATE INDEX payments_customer ON payments (customer_id) WHERE deleted = 0;
CREATE INDEX payments_instalment ON payments (instalment_id) WHERE deleted = 0 AND instalment_id IS NOT NULL;
CREATE INDEX payments_plan ON payments (plan_id) WHERE deleted = 0 AND plan_id IS NOT NULL;
