-- Who last changed each record (SQLite's 0008_updated_by): the acting user's id, stamped by the
-- server on every create, update, delete and restore (service::stamp_change); NULL for records
-- last written before it was kept.
ALTER TABLE teams ADD COLUMN updated_by TEXT COLLATE "C";
ALTER TABLE users ADD COLUMN updated_by TEXT COLLATE "C";
ALTER TABLE stages ADD COLUMN updated_by TEXT COLLATE "C";
ALTER TABLE customers ADD COLUMN updated_by TEXT COLLATE "C";
ALTER TABLE contacts ADD COLUMN updated_by TEXT COLLATE "C";
ALTER TABLE opportunities ADD COLUMN updated_by TEXT COLLATE "C";
ALTER TABLE activities ADD COLUMN updated_by TEXT COLLATE "C";
ALTER TABLE tickets ADD COLUMN updated_by TEXT COLLATE "C";
ALTER TABLE comments ADD COLUMN updated_by TEXT COLLATE "C";
ALTER TABLE competitors ADD COLUMN updated_by TEXT COLLATE "C";
ALTER TABLE competitor_products ADD COLUMN updated_by TEXT COLLATE "C";
ALTER TABLE opportunity_competitors ADD COLUMN updated_by TEXT COLLATE "C";
ALTER TABLE level_settings ADD COLUMN updated_by TEXT COLLATE "C";
ALTER TABLE products ADD COLUMN updated_by TEXT COLLATE "C";
ALTER TABLE product_costs ADD COLUMN updated_by TEXT COLLATE "C";
ALTER TABLE prices ADD COLUMN updated_by TEXT COLLATE "C";
ALTER TABLE opportunity_lines ADD COLUMN updated_by TEXT COLLATE "C";
ALTER TABLE discount_limits ADD COLUMN updated_by TEXT COLLATE "C";
ALTER TABLE quotes ADD COLUMN updated_by TEXT COLLATE "C";
ALTER TABLE quote_lines ADD COLUMN updated_by TEXT COLLATE "C";
