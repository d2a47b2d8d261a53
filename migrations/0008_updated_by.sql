-- Who last changed each record: the acting user's id, stamped by the server on every create,
-- update, delete and restore (service::stamp_change). NULL for records last written before
-- this column was kept. A record table made by a migration written without it gets it from
-- `migrate` (sqlite::add_system_columns), so the order migrations are merged in does not matter.
ALTER TABLE teams ADD COLUMN updated_by TEXT;
ALTER TABLE users ADD COLUMN updated_by TEXT;
ALTER TABLE stages ADD COLUMN updated_by TEXT;
ALTER TABLE customers ADD COLUMN updated_by TEXT;
ALTER TABLE contacts ADD COLUMN updated_by TEXT;
ALTER TABLE opportunities ADD COLUMN updated_by TEXT;
ALTER TABLE activities ADD COLUMN updated_by TEXT;
ALTER TABLE tickets ADD COLUMN updated_by TEXT;
ALTER TABLE comments ADD COLUMN updated_by TEXT;
ALTER TABLE competitors ADD COLUMN updated_by TEXT;
ALTER TABLE competitor_products ADD COLUMN updated_by TEXT;
ALTER TABLE opportunity_competitors ADD COLUMN updated_by TEXT;
