-- Leads and campaigns (issue 14; seeds 003 线索, 营销战役, 营销项目, 001 市场管理): leads (L-000123)
-- converted into a customer, contact and opportunity; campaigns with their members and
-- responses; the lead sources an admin edits (`list_items`, list `lead_sources`); the campaign an
-- opportunity came from and the lead an activity was logged on. Money is integer minor units.
-- Column lists mirror server/src/schema/marketing.rs.

CREATE TABLE campaigns (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    campaign_type TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'planned',
    starts_on TEXT NOT NULL,
    ends_on TEXT,
    budget INTEGER NOT NULL DEFAULT 0,
    actual_cost INTEGER NOT NULL DEFAULT 0,
    currency TEXT NOT NULL DEFAULT 'CNY',
    owner_id TEXT,
    agent_ids TEXT NOT NULL DEFAULT '[]',
    target_query TEXT,
    description TEXT
);
CREATE INDEX campaigns_starts_on ON campaigns (starts_on) WHERE deleted = 0;

CREATE TABLE leads (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    number TEXT NOT NULL,
    name TEXT NOT NULL,
    company TEXT,
    title TEXT,
    phone TEXT,
    email TEXT,
    source TEXT,
    campaign_id TEXT,
    quality TEXT NOT NULL DEFAULT 'warm',
    score INTEGER,
    status TEXT NOT NULL DEFAULT 'new',
    disqualify_reason TEXT,
    owner_id TEXT,
    team_id TEXT,
    notes TEXT,
    customer_id TEXT,
    opportunity_name TEXT,
    opportunity_amount INTEGER,
    contact_id TEXT,
    opportunity_id TEXT,
    converted_at TEXT
);
CREATE UNIQUE INDEX leads_number ON leads (number) WHERE deleted = 0;
CREATE INDEX leads_owner_status ON leads (owner_id, status) WHERE deleted = 0;
CREATE INDEX leads_team_status ON leads (team_id, status) WHERE deleted = 0;
CREATE INDEX leads_campaign ON leads (campaign_id) WHERE deleted = 0 AND campaign_id IS NOT NULL;
CREATE INDEX leads_customer ON leads (customer_id) WHERE deleted = 0 AND customer_id IS NOT NULL;

CREATE TABLE campaign_members (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    campaign_id TEXT NOT NULL,
    customer_id TEXT,
    contact_id TEXT,
    lead_id TEXT,
    response TEXT NOT NULL DEFAULT 'invited',
    responded_at TEXT,
    activity_id TEXT,
    notes TEXT
);
-- One membership per person per campaign, however it races.
CREATE UNIQUE INDEX campaign_members_who ON campaign_members
    (campaign_id, coalesce(customer_id, ''), coalesce(contact_id, ''), coalesce(lead_id, ''))
    WHERE deleted = 0;
CREATE INDEX campaign_members_response ON campaign_members (campaign_id, response) WHERE deleted = 0;
CREATE INDEX campaign_members_customer ON campaign_members (customer_id) WHERE deleted = 0 AND customer_id IS NOT NULL;
CREATE INDEX campaign_members_contact ON campaign_members (contact_id) WHERE deleted = 0 AND contact_id IS NOT NULL;
CREATE INDEX campaign_members_lead ON campaign_members (lead_id) WHERE deleted = 0 AND lead_id IS NOT NULL;

ALTER TABLE opportunities ADD COLUMN campaign_id TEXT;
CREATE INDEX opportunities_campaign ON opportunities (campaign_id) WHERE deleted = 0 AND campaign_id IS NOT NULL;
ALTER TABLE activities ADD COLUMN lead_id TEXT;
CREATE INDEX activities_lead ON activities (lead_id) WHERE deleted = 0 AND lead_id IS NOT NULL;

-- Where leads come from: the admin's list, started with these.
CREATE TEMP TABLE seed_sources (code TEXT, name_zh TEXT, name_en TEXT, position INTEGER);
INSERT INTO seed_sources VALUES
    ('web', '网站表单', 'Web form', 1),
    ('referral', '客户推荐', 'Referral', 2),
    ('exhibition', '展会', 'Exhibition', 3),
    ('campaign', '营销活动', 'Campaign', 4),
    ('cold_call', '电话开发', 'Cold call', 5),
    ('advertising', '广告', 'Advertising', 6),
    ('partner', '合作伙伴', 'Partner', 7),
    ('other', '其他', 'Other', 8);
INSERT INTO list_items (id, version, created_at, updated_at, list, code, name_zh, name_en, position, colour, active)
-- A version 4 UUID from random bits, made per row.
SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'
       || substr(lower(hex(randomblob(2))), 2) || '-'
       || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-'
       || lower(hex(randomblob(6))), 1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
       'lead_sources', code, name_zh, name_en, position, NULL, 1
  FROM seed_sources
 WHERE NOT EXISTS (SELECT 1 FROM list_items l WHERE l.list = 'lead_sources' AND l.deleted = 0
                    AND lower(l.code) = lower(seed_sources.code));
INSERT OR IGNORE INTO acl (principal, entity, record_id)
SELECT 'all', 'list_items', id FROM list_items WHERE list = 'lead_sources';
INSERT OR IGNORE INTO changes (entity, record_id)
SELECT 'list_items', id FROM list_items WHERE list = 'lead_sources' ORDER BY position;
DROP TABLE seed_sources;
