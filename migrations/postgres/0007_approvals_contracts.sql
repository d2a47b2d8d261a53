-- migrations/0010_approvals_contracts.sql for PostgreSQL: approvals (one mechanism for contracts,
-- expense claims and over-limit quote discounts), their settings, contracts (K-000123), expense
-- claims and licences. Column lists mirror server/src/schema/approvals.rs.

CREATE TABLE approval_settings (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    kind TEXT COLLATE "C" NOT NULL,
    admin_above BIGINT NOT NULL
);
CREATE UNIQUE INDEX approval_settings_kind ON approval_settings (kind) WHERE NOT deleted;

CREATE TABLE contracts (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    number TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    customer_id TEXT COLLATE "C" NOT NULL,
    opportunity_id TEXT COLLATE "C",
    quote_id TEXT COLLATE "C",
    owner_id TEXT COLLATE "C",
    format TEXT COLLATE "C" NOT NULL DEFAULT 'standard',
    contract_type TEXT COLLATE "C" NOT NULL DEFAULT 'sales',
    amount BIGINT NOT NULL DEFAULT 0,
    currency TEXT COLLATE "C" NOT NULL DEFAULT 'CNY',
    payment_terms TEXT COLLATE "C",
    standards TEXT COLLATE "C",
    key_clauses TEXT COLLATE "C",
    remarks TEXT COLLATE "C",
    starts_on TEXT COLLATE "C",
    ends_on TEXT COLLATE "C",
    renewal_days BIGINT NOT NULL DEFAULT 30,
    status TEXT COLLATE "C" NOT NULL DEFAULT 'draft'
);
CREATE UNIQUE INDEX contracts_number ON contracts (number) WHERE NOT deleted;
CREATE INDEX contracts_customer ON contracts (customer_id) WHERE NOT deleted;
CREATE INDEX contracts_owner_status ON contracts (owner_id, status) WHERE NOT deleted;
CREATE INDEX contracts_ends_on ON contracts (ends_on) WHERE NOT deleted AND ends_on IS NOT NULL;

CREATE TABLE expense_claims (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    subject TEXT COLLATE "C" NOT NULL,
    spent_on TEXT COLLATE "C" NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT COLLATE "C" NOT NULL DEFAULT 'CNY',
    category TEXT COLLATE "C" NOT NULL,
    customer_id TEXT COLLATE "C",
    opportunity_id TEXT COLLATE "C",
    receipt_note TEXT COLLATE "C",
    owner_id TEXT COLLATE "C",
    status TEXT COLLATE "C" NOT NULL DEFAULT 'draft'
);
CREATE INDEX expense_claims_owner_status ON expense_claims (owner_id, status) WHERE NOT deleted;
CREATE INDEX expense_claims_customer ON expense_claims (customer_id) WHERE NOT deleted AND customer_id IS NOT NULL;

CREATE TABLE approvals (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    kind TEXT COLLATE "C" NOT NULL,
    contract_id TEXT COLLATE "C",
    quote_id TEXT COLLATE "C",
    expense_claim_id TEXT COLLATE "C",
    subject TEXT COLLATE "C" NOT NULL,
    amount BIGINT NOT NULL,
    discount_bp BIGINT,
    submitted_by TEXT COLLATE "C" NOT NULL,
    approver_id TEXT COLLATE "C" NOT NULL,
    status TEXT COLLATE "C" NOT NULL DEFAULT 'pending',
    note TEXT COLLATE "C",
    comment TEXT COLLATE "C",
    decided_by TEXT COLLATE "C",
    decided_at TEXT COLLATE "C"
);
CREATE INDEX approvals_approver_status ON approvals (approver_id, status) WHERE NOT deleted;
CREATE INDEX approvals_contract ON approvals (contract_id) WHERE NOT deleted AND contract_id IS NOT NULL;
CREATE INDEX approvals_quote ON approvals (quote_id) WHERE NOT deleted AND quote_id IS NOT NULL;
CREATE INDEX approvals_expense_claim ON approvals (expense_claim_id) WHERE NOT deleted AND expense_claim_id IS NOT NULL;

CREATE TABLE licences (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    licence_number TEXT COLLATE "C" NOT NULL,
    customer_id TEXT COLLATE "C" NOT NULL,
    product_id TEXT COLLATE "C" NOT NULL,
    contract_id TEXT COLLATE "C",
    seats BIGINT NOT NULL DEFAULT 1,
    starts_on TEXT COLLATE "C" NOT NULL,
    ends_on TEXT COLLATE "C",
    notes TEXT COLLATE "C"
);
CREATE UNIQUE INDEX licences_number ON licences (lower(licence_number)) WHERE NOT deleted;
CREATE INDEX licences_customer ON licences (customer_id) WHERE NOT deleted;
