-- migrations/0007_customer_sort_key.sql for PostgreSQL: customers are listed by name in the
-- order a Chinese reader expects, Chinese names by their pinyin among the Latin ones.
-- sort_name holds crm_server::pinyin::sort_key(name), which the service and the seeder store
-- with every write. The customers stored before get theirs from the migration runner
-- (`fill_sort_keys` in server/src/store/postgres.rs) in this migration's transaction:
-- PostgreSQL cannot call the Rust function from SQL.
ALTER TABLE customers ADD COLUMN sort_name TEXT COLLATE "C";
CREATE INDEX customers_sort_name ON customers (sort_name, id) WHERE NOT deleted;
