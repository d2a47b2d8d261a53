-- Field service and scheduled surveys (issue 13): a ticket's on-site visits with their report
-- and the customer's confirmation, the parts they used, survey schedules and the period a
-- scheduled return visit asks for; a call script for a campaign. Columns mirror
-- server/src/schema/field.rs, schema/surveys.rs and schema/desk.rs.

CREATE TABLE field_visits (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    ticket_id TEXT NOT NULL,
    customer_id TEXT,
    engineer_id TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT,
    status TEXT NOT NULL DEFAULT 'scheduled',
    activity_id TEXT,
    work_done TEXT,
    minutes_on_site INTEGER,
    confirmed_by TEXT,
    confirmed_at TEXT
);
CREATE INDEX field_visits_ticket ON field_visits (ticket_id) WHERE deleted = 0;
CREATE INDEX field_visits_engineer ON field_visits (engineer_id, starts_at) WHERE deleted = 0;
CREATE INDEX field_visits_customer ON field_visits (customer_id) WHERE deleted = 0;

CREATE TABLE visit_parts (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    visit_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    warehouse_id TEXT,
    notes TEXT
);
CREATE INDEX visit_parts_visit ON visit_parts (visit_id) WHERE deleted = 0;

CREATE TABLE survey_schedules (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    survey_id TEXT NOT NULL,
    query TEXT,
    list_id TEXT,
    period TEXT NOT NULL DEFAULT 'quarter',
    assignee_id TEXT,
    due_days INTEGER NOT NULL DEFAULT 14,
    active INTEGER NOT NULL DEFAULT 1
);

ALTER TABLE return_visits ADD COLUMN schedule_id TEXT;
ALTER TABLE return_visits ADD COLUMN period TEXT;
-- One visit per customer per schedule and period: a sweep run twice, or by two servers, makes
-- no second.
CREATE UNIQUE INDEX return_visits_schedule_period ON return_visits (schedule_id, period, customer_id)
    WHERE deleted = 0 AND schedule_id IS NOT NULL;

ALTER TABLE call_scripts ADD COLUMN campaign_id TEXT;
