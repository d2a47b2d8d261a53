-- Escalation (issue 13): where a ticket's running service-level clock stands (kept by the
-- server's escalation sweep), when it was escalated and from whom; what a breach does per
-- service level. Columns mirror server/src/schema.rs and schema/desk.rs.

ALTER TABLE tickets ADD COLUMN sla_alert TEXT NOT NULL DEFAULT 'none';
ALTER TABLE tickets ADD COLUMN escalated_at TEXT;
ALTER TABLE tickets ADD COLUMN escalated_from TEXT;
CREATE INDEX tickets_sla_alert ON tickets (sla_alert, assignee_id) WHERE deleted = 0;

ALTER TABLE service_levels ADD COLUMN on_breach TEXT NOT NULL DEFAULT 'alert';
ALTER TABLE service_levels ADD COLUMN escalate_to TEXT;
