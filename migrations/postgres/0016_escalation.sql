-- Escalation (issue 13): the PostgreSQL twin of migrations/0018_escalation.sql.

ALTER TABLE tickets ADD COLUMN sla_alert TEXT NOT NULL DEFAULT 'none';
ALTER TABLE tickets ADD COLUMN escalated_at TEXT COLLATE "C";
ALTER TABLE tickets ADD COLUMN escalated_from TEXT;
CREATE INDEX tickets_sla_alert ON tickets (sla_alert, assignee_id) WHERE NOT deleted;

ALTER TABLE service_levels ADD COLUMN on_breach TEXT NOT NULL DEFAULT 'alert';
ALTER TABLE service_levels ADD COLUMN escalate_to TEXT;
