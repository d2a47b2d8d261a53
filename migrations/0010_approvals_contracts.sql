-- Approvals (issue 11; seeds 000 §2, 003, 004 合同审批, 002 licences): one mechanism for
-- contracts, expense claims and over-limit quote discounts (`approvals`), the amount above which
-- an admin approves (`approval_settings`), contracts (K-000123), expense claims and licences.
-- Money is integer minor units. Column lists mirror server/src/schema/approvals.rs.

CREATE TABLE approval_settings (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL,
    admin_above INTEGER NOT NULL
);
CREATE UNIQUE INDEX approval_settings_kind ON approval_settings (kind) WHERE deleted = 0;

CREATE TABLE contracts (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    number TEXT NOT NULL,
    name TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    opportunity_id TEXT,
    quote_id TEXT,
    owner_id TEXT,
    format TEXT NOT NULL DEFAULT 'standard',
    contract_type TEXT NOT NULL DEFAULT 'sales',
    amount INTEGER NOT NULL DEFAULT 0,
    currency TEXT NOT NULL DEFAULT 'CNY',
    payment_terms TEXT,
    standards TEXT,
    key_clauses TEXT,
    remarks TEXT,
    starts_on TEXT,
    ends_on TEXT,
    renewal_days INTEGER NOT NULL DEFAULT 30,
    status TEXT NOT NULL DEFAULT 'draft'
);
CREATE UNIQUE INDEX contracts_number ON contracts (number) WHERE deleted = 0;
CREATE INDEX contracts_customer ON contracts (customer_id) WHERE deleted = 0;
CREATE INDEX contracts_owner_status ON contracts (owner_id, status) WHERE deleted = 0;
CREATE INDEX contracts_ends_on ON contracts (ends_on) WHERE deleted = 0 AND ends_on IS NOT NULL;

CREATE TABLE expense_claims (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    subject TEXT NOT NULL,
    spent_on TEXT NOT NULL,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL DEFAULT 'CNY',
    category TEXT NOT NULL,
    customer_id TEXT,
    opportunity_id TEXT,
    receipt_note TEXT,
    owner_id TEXT,
    status TEXT NOT NULL DEFAULT 'draft'
);
CREATE INDEX expense_claims_owner_status ON expense_claims (owner_id, status) WHERE deleted = 0;
CREATE INDEX expense_claims_customer ON expense_claims (customer_id) WHERE deleted = 0 AND customer_id IS NOT NULL;

CREATE TABLE approvals (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL,
    contract_id TEXT,
    quote_id TEXT,
    expense_claim_id TEXT,
    subject TEXT NOT NULL,
    amount INTEGER NOT NULL,
    discount_bp INTEGER,
    submitted_by TEXT NOT NULL,
    approver_id TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    note TEXT,
    comment TEXT,
    decided_by TEXT,
    decided_at TEXT
);
CREATE INDEX approvals_approver_status ON approvals (approver_id, status) WHERE deleted = 0;
CREATE INDEX approvals_contract ON approvals (contract_id) WHERE deleted = 0 AND contract_id IS NOT NULL;
CREATE INDEX approvals_quote ON approvals (quote_id) WHERE deleted = 0 AND quote_id IS NOT NULL;
CREATE INDEX approvals_expense_claim ON approvals (expense_claim_id) WHERE deleted = 0 AND expense_claim_id IS NOT NULL;

CREATE TABLE licences (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    licence_number TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    contract_id TEXT,
    seats INTEGER NOT NULL DEFAULT 1,
    starts_on TEXT NOT NULL,
    ends_on TEXT,
    notes TEXT
);
CREATE UNIQUE INDEX licences_number ON licences (licence_number COLLATE NOCASE) WHERE deleted = 0;
CREATE INDEX licences_customer ON licences (customer_id) WHERE deleted = 0;
