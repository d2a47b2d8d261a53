-- Customers are listed by name in the order a Chinese reader expects: Chinese names by their
-- pinyin among the Latin ones (阿里巴巴, Baidu, 长城, 东华, zeta), not every Chinese name after
-- every Latin one. sort_name holds crm_server::pinyin::sort_key(name), which the service and
-- the seeder store with every write; crm_sort_key is that function, registered by the
-- migration runner, for the customers stored before.
ALTER TABLE customers ADD COLUMN sort_name TEXT;
UPDATE customers SET sort_name = crm_sort_key(name);
CREATE INDEX customers_sort_name ON customers (sort_name, id) WHERE deleted = 0;
