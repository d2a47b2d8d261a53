-- migrations/0013_lists_custom_fields.sql for PostgreSQL: the lists an admin edits
-- (`list_items`) and the custom fields (`field_definitions`, the `custom` map of each entity
-- that has them); customers' `extra` map becomes `custom`, its keys text or number fields.
-- Column lists mirror server/src/schema/admin.rs; types and indexes as 0001_init.sql translates.

CREATE TABLE list_items (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    list TEXT COLLATE "C" NOT NULL,
    code TEXT COLLATE "C" NOT NULL,
    name_zh TEXT COLLATE "C" NOT NULL,
    name_en TEXT COLLATE "C" NOT NULL,
    position BIGINT NOT NULL,
    colour TEXT COLLATE "C",
    active BOOLEAN NOT NULL
);
CREATE UNIQUE INDEX list_items_code ON list_items (list, lower(code)) WHERE NOT deleted;

CREATE TABLE field_definitions (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    entity TEXT COLLATE "C" NOT NULL,
    key TEXT COLLATE "C" NOT NULL,
    label_zh TEXT COLLATE "C" NOT NULL,
    label_en TEXT COLLATE "C",
    kind TEXT COLLATE "C" NOT NULL,
    choices TEXT COLLATE "C" NOT NULL,
    link TEXT COLLATE "C",
    required BOOLEAN NOT NULL,
    searchable BOOLEAN NOT NULL,
    in_list BOOLEAN NOT NULL,
    position BIGINT NOT NULL,
    read_roles TEXT COLLATE "C" NOT NULL,
    write_roles TEXT COLLATE "C" NOT NULL,
    active BOOLEAN NOT NULL
);
CREATE UNIQUE INDEX field_definitions_key ON field_definitions (entity, key) WHERE NOT deleted;

ALTER TABLE customers RENAME COLUMN extra TO custom;
ALTER TABLE contacts ADD COLUMN custom TEXT COLLATE "C" NOT NULL DEFAULT '{}';
ALTER TABLE opportunities ADD COLUMN custom TEXT COLLATE "C" NOT NULL DEFAULT '{}';
ALTER TABLE activities ADD COLUMN custom TEXT COLLATE "C" NOT NULL DEFAULT '{}';
ALTER TABLE tickets ADD COLUMN custom TEXT COLLATE "C" NOT NULL DEFAULT '{}';
ALTER TABLE competitors ADD COLUMN custom TEXT COLLATE "C" NOT NULL DEFAULT '{}';
ALTER TABLE products ADD COLUMN custom TEXT COLLATE "C" NOT NULL DEFAULT '{}';
ALTER TABLE quotes ADD COLUMN custom TEXT COLLATE "C" NOT NULL DEFAULT '{}';

CREATE TEMP TABLE seed_items (list TEXT COLLATE "C", code TEXT COLLATE "C", name_zh TEXT, name_en TEXT, position BIGINT, colour TEXT) ON COMMIT DROP;
INSERT INTO seed_items VALUES
    ('levels', 'A', '重要客户', 'Key account', 1, 'accent'),
    ('levels', 'B', '主要客户', 'Major', 2, NULL),
    ('levels', 'C', '普通客户', 'Regular', 3, NULL),
    ('levels', 'D', '小客户', 'Small', 4, 'muted'),
    ('categories', 'prospect', '潜在客户', 'Prospect', 1, NULL),
    ('categories', 'customer', '客户', 'Customer', 2, NULL),
    ('categories', 'partner', '合作伙伴', 'Partner', 3, NULL),
    ('categories', 'dealer', '经销商', 'Dealer', 4, NULL),
    ('categories', 'supplier', '供应商', 'Supplier', 5, NULL),
    ('categories', 'other', '其他', 'Other', 6, 'muted'),
    ('lifecycle', 'potential', '潜在', 'Potential', 1, 'accent'),
    ('lifecycle', 'active', '活跃', 'Active', 2, 'ok'),
    ('lifecycle', 'dormant', '休眠', 'Dormant', 3, 'warn'),
    ('lifecycle', 'lost', '流失', 'Lost', 4, 'danger'),
    ('regions', '华东', '华东', 'East China', 1, NULL),
    ('regions', '华南', '华南', 'South China', 2, NULL),
    ('regions', '华北', '华北', 'North China', 3, NULL),
    ('regions', '华中', '华中', 'Central China', 4, NULL),
    ('regions', '西南', '西南', 'Southwest China', 5, NULL),
    ('regions', '西北', '西北', 'Northwest China', 6, NULL),
    ('regions', '东北', '东北', 'Northeast China', 7, NULL),
    ('regions', 'International', '海外', 'International', 8, NULL),
    ('industries', '信息技术', '信息技术', 'Information technology', 1, NULL),
    ('industries', '软件', '软件', 'Software', 2, NULL),
    ('industries', '互联网', '互联网', 'Internet', 3, NULL),
    ('industries', '电子制造', '电子制造', 'Electronics manufacturing', 4, NULL),
    ('industries', '制造业', '制造业', 'Manufacturing', 5, NULL),
    ('industries', '机械制造', '机械制造', 'Machinery', 6, NULL),
    ('industries', '汽车', '汽车', 'Automotive', 7, NULL),
    ('industries', '新能源', '新能源', 'New energy', 8, NULL),
    ('industries', '化工', '化工', 'Chemicals', 9, NULL),
    ('industries', '医药', '医药', 'Pharmaceuticals', 10, NULL),
    ('industries', '生物医药', '生物医药', 'Biopharma', 11, NULL),
    ('industries', '医疗器械', '医疗器械', 'Medical devices', 12, NULL),
    ('industries', '仪器仪表', '仪器仪表', 'Instruments', 13, NULL),
    ('industries', '建筑', '建筑', 'Construction', 14, NULL),
    ('industries', '建材', '建材', 'Building materials', 15, NULL),
    ('industries', '房地产', '房地产', 'Real estate', 16, NULL),
    ('industries', '物流', '物流', 'Logistics', 17, NULL),
    ('industries', '供应链', '供应链', 'Supply chain', 18, NULL),
    ('industries', '贸易', '贸易', 'Trade', 19, NULL),
    ('industries', '金融', '金融', 'Finance', 20, NULL),
    ('industries', '食品饮料', '食品饮料', 'Food and drink', 21, NULL),
    ('industries', '餐饮', '餐饮', 'Catering', 22, NULL),
    ('industries', '酒店', '酒店', 'Hotels', 23, NULL),
    ('industries', '纺织服装', '纺织服装', 'Textiles and clothing', 24, NULL),
    ('industries', '家居', '家居', 'Home furnishing', 25, NULL),
    ('industries', '家电', '家电', 'Home appliances', 26, NULL),
    ('industries', '农业', '农业', 'Agriculture', 27, NULL),
    ('industries', '环保', '环保', 'Environmental', 28, NULL),
    ('industries', '教育', '教育', 'Education', 29, NULL),
    ('industries', '文化传媒', '文化传媒', 'Culture and media', 30, NULL),
    ('industries', '广告营销', '广告营销', 'Advertising', 31, NULL),
    ('industries', '包装印刷', '包装印刷', 'Packaging and printing', 32, NULL),
    ('industries', 'Software', '软件（海外）', 'Software', 40, NULL),
    ('industries', 'Logistics', '物流（海外）', 'Logistics', 41, NULL),
    ('industries', 'Manufacturing', '制造（海外）', 'Manufacturing', 42, NULL),
    ('industries', 'Retail', '零售', 'Retail', 43, NULL),
    ('industries', 'Pharmaceuticals', '医药（海外）', 'Pharmaceuticals', 44, NULL),
    ('industries', 'Energy', '能源', 'Energy', 45, NULL),
    ('industries', 'Financial Services', '金融服务', 'Financial Services', 46, NULL),
    ('industries', 'Consulting', '咨询', 'Consulting', 47, NULL),
    ('industries', 'Hospitality', '酒店服务', 'Hospitality', 48, NULL),
    ('industries', 'Food & Beverage', '食品饮料（海外）', 'Food & Beverage', 49, NULL),
    ('industries', 'Electronics', '电子', 'Electronics', 50, NULL),
    ('industries', 'Automotive', '汽车（海外）', 'Automotive', 51, NULL),
    ('industries', 'Media', '传媒', 'Media', 52, NULL),
    ('industries', 'Education', '教育（海外）', 'Education', 53, NULL),
    ('industries', 'Construction', '建筑（海外）', 'Construction', 54, NULL),
    ('ticket_categories', 'fault', '故障报修', 'Fault', 1, 'danger'),
    ('ticket_categories', 'installation', '安装调试', 'Installation', 2, NULL),
    ('ticket_categories', 'billing', '账单问题', 'Billing', 3, NULL),
    ('ticket_categories', 'question', '产品咨询', 'Question', 4, NULL),
    ('ticket_categories', 'complaint', '投诉建议', 'Complaint', 5, 'warn'),
    ('ticket_categories', 'returns', '退换货', 'Returns', 6, NULL),
    ('ticket_categories', 'account', '账号权限', 'Account', 7, NULL),
    ('ticket_categories', 'training', '培训需求', 'Training', 8, NULL);

INSERT INTO seed_items
SELECT 'industries', industry, industry, industry, 1000, NULL FROM customers
 WHERE industry IS NOT NULL AND industry NOT IN (SELECT code FROM seed_items WHERE list = 'industries')
 GROUP BY industry;
INSERT INTO seed_items
SELECT 'regions', region, region, region, 1000, NULL FROM customers
 WHERE region IS NOT NULL AND region NOT IN (SELECT code FROM seed_items WHERE list = 'regions')
 GROUP BY region;
INSERT INTO seed_items
SELECT 'ticket_categories', category, category, category, 1000, NULL FROM tickets
 WHERE category IS NOT NULL AND category NOT IN (SELECT code FROM seed_items WHERE list = 'ticket_categories')
 GROUP BY category;
INSERT INTO seed_items
SELECT 'levels', level, level, level, 1000, NULL FROM (
    SELECT level FROM customers UNION SELECT level FROM level_settings UNION SELECT level FROM prices) AS l
 WHERE level IS NOT NULL AND level NOT IN (SELECT code FROM seed_items WHERE list = 'levels')
 GROUP BY level;

INSERT INTO list_items (id, version, created_at, updated_at, list, code, name_zh, name_en, position, colour, active)
SELECT gen_random_uuid()::text, 1, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       list, code, min(name_zh), min(name_en), min(position), min(colour), TRUE
  FROM seed_items GROUP BY list, code;

CREATE TEMP TABLE extra_keys ON COMMIT DROP AS
SELECT j.key AS key,
       CASE WHEN bool_and(jsonb_typeof(j.value) = 'number') THEN 'number' ELSE 'text' END AS kind
  FROM customers, jsonb_each(customers.custom::jsonb) AS j
 WHERE jsonb_typeof(j.value) <> 'null'
 GROUP BY j.key;
UPDATE customers SET custom = COALESCE((
    SELECT jsonb_object_agg(j.key,
        CASE WHEN k.kind = 'text' AND jsonb_typeof(j.value) IN ('number', 'boolean')
             THEN to_jsonb(j.value #>> '{}') ELSE j.value END)
      FROM jsonb_each(customers.custom::jsonb) AS j JOIN extra_keys AS k ON k.key = j.key
     WHERE jsonb_typeof(j.value) <> 'null'), '{}'::jsonb)::text
 WHERE custom <> '{}'
   AND EXISTS (SELECT 1 FROM jsonb_each(customers.custom::jsonb) AS j
                 JOIN extra_keys AS k ON k.key = j.key
                WHERE (k.kind = 'text' AND jsonb_typeof(j.value) IN ('number', 'boolean'))
                   OR jsonb_typeof(j.value) = 'null');
INSERT INTO field_definitions (id, version, created_at, updated_at, entity, key, label_zh, label_en, kind,
                               choices, link, required, searchable, in_list, position, read_roles, write_roles, active)
SELECT gen_random_uuid()::text, 1, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       'customers', left(key, 64), left(key, 100), NULL, kind,
       '[]', NULL, FALSE, kind = 'text', FALSE, 100, '[]', '[]', TRUE
  FROM extra_keys;

INSERT INTO acl (principal, entity, record_id) SELECT 'all', 'list_items', id FROM list_items;
INSERT INTO acl (principal, entity, record_id) SELECT 'all', 'field_definitions', id FROM field_definitions;
INSERT INTO changes (seq, entity, record_id)
SELECT nextval('changes_seq'), 'list_items', id FROM (SELECT id FROM list_items ORDER BY list, position) AS l;
INSERT INTO changes (seq, entity, record_id)
SELECT nextval('changes_seq'), 'field_definitions', id FROM field_definitions;
