-- Field service and scheduled surveys (issue 13), the PostgreSQL twin of migrations/0023_field_service.sql: a ticket's on-site visits with their report
-- and the customer's confirmation, the parts they used, survey schedules and the period a
-- scheduled return visit asks for; a call script for a campaign. Columns mirror
-- server/src/schema/field.rs, schema/surveys.rs and schema/desk.rs.

CREATE TABLE field_visits (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    ticket_id TEXT COLLATE "C" NOT NULL,
    customer_id TEXT COLLATE "C",
    engineer_id TEXT COLLATE "C" NOT NULL,
    starts_at TEXT COLLATE "C" NOT NULL,
    ends_at TEXT COLLATE "C",
    status TEXT COLLATE "C" NOT NULL DEFAULT 'scheduled',
    activity_id TEXT COLLATE "C",
    work_done TEXT COLLATE "C",
    minutes_on_site BIGINT,
    confirmed_by TEXT COLLATE "C",
    confirmed_at TEXT COLLATE "C"
);
CREATE INDEX field_visits_ticket ON field_visits (ticket_id) WHERE NOT deleted;
CREATE INDEX field_visits_engineer ON field_visits (engineer_id, starts_at) WHERE NOT deleted;
CREATE INDEX field_visits_customer ON field_visits (customer_id) WHERE NOT deleted;

CREATE TABLE visit_parts (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    visit_id TEXT COLLATE "C" NOT NULL,
    product_id TEXT COLLATE "C" NOT NULL,
    quantity BIGINT NOT NULL,
    warehouse_id TEXT COLLATE "C",
    notes TEXT COLLATE "C"
);
CREATE INDEX visit_parts_visit ON visit_parts (visit_id) WHERE NOT deleted;

CREATE TABLE survey_schedules (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    name TEXT COLLATE "C" NOT NULL,
    survey_id TEXT COLLATE "C" NOT NULL,
    query TEXT COLLATE "C",
    list_id TEXT COLLATE "C",
    period TEXT COLLATE "C" NOT NULL DEFAULT 'quarter',
    assignee_id TEXT COLLATE "C",
    due_days BIGINT NOT NULL DEFAULT 14,
    active BOOLEAN NOT NULL DEFAULT TRUE
);

ALTER TABLE return_visits ADD COLUMN schedule_id TEXT COLLATE "C";
ALTER TABLE return_visits ADD COLUMN period TEXT COLLATE "C";
-- One visit per customer per schedule and period: a sweep run twice, or by two servers, makes
-- no second.
CREATE UNIQUE INDEX return_visits_schedule_period ON return_visits (schedule_id, period, customer_id)
    WHERE NOT deleted AND schedule_id IS NOT NULL;

ALTER TABLE call_scripts ADD COLUMN campaign_id TEXT COLLATE "C";
