-- migrations/0016_leads_campaigns.sql for PostgreSQL. Leads and campaigns (issue 14; seeds 003 线索, 营销战役, 营销项目, 001 市场管理): leads (L-000123)
-- converted into a customer, contact and opportunity; campaigns with their members and
-- responses; the lead sources an admin edits (`list_items`, list `lead_sources`); the campaign an
-- opportunity came from and the lead an activity was logged on. Money is integer minor units.
-- Column lists mirror server/src/schema/marketing.rs.

CREATE TABLE campaigns (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    name TEXT COLLATE "C" NOT NULL,
    campaign_type TEXT COLLATE "C" NOT NULL,
    status TEXT COLLATE "C" NOT NULL DEFAULT 'planned',
    starts_on TEXT COLLATE "C" NOT NULL,
    ends_on TEXT COLLATE "C",
    budget BIGINT NOT NULL DEFAULT 0,
    actual_cost BIGINT NOT NULL DEFAULT 0,
    currency TEXT COLLATE "C" NOT NULL DEFAULT 'CNY',
    owner_id TEXT COLLATE "C",
    agent_ids TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    target_query TEXT COLLATE "C",
    description TEXT COLLATE "C"
);
CREATE INDEX campaigns_starts_on ON campaigns (starts_on) WHERE NOT deleted;

CREATE TABLE leads (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    number TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    company TEXT COLLATE "C",
    title TEXT COLLATE "C",
    phone TEXT COLLATE "C",
    email TEXT COLLATE "C",
    source TEXT COLLATE "C",
    campaign_id TEXT COLLATE "C",
    quality TEXT COLLATE "C" NOT NULL DEFAULT 'warm',
    score BIGINT,
    status TEXT COLLATE "C" NOT NULL DEFAULT 'new',
    disqualify_reason TEXT COLLATE "C",
    owner_id TEXT COLLATE "C",
    team_id TEXT COLLATE "C",
    notes TEXT COLLATE "C",
    customer_id TEXT COLLATE "C",
    opportunity_name TEXT COLLATE "C",
    opportunity_amount BIGINT,
    contact_id TEXT COLLATE "C",
    opportunity_id TEXT COLLATE "C",
    converted_at TEXT COLLATE "C"
);
CREATE UNIQUE INDEX leads_number ON leads (number) WHERE NOT deleted;
CREATE INDEX leads_owner_status ON leads (owner_id, status) WHERE NOT deleted;
CREATE INDEX leads_team_status ON leads (team_id, status) WHERE NOT deleted;
CREATE INDEX leads_campaign ON leads (campaign_id) WHERE NOT deleted AND campaign_id IS NOT NULL;
CREATE INDEX leads_customer ON leads (customer_id) WHERE NOT deleted AND customer_id IS NOT NULL;

CREATE TABLE campaign_members (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    campaign_id TEXT COLLATE "C" NOT NULL,
    customer_id TEXT COLLATE "C",
    contact_id TEXT COLLATE "C",
    lead_id TEXT COLLATE "C",
    response TEXT COLLATE "C" NOT NULL DEFAULT 'invited',
    responded_at TEXT COLLATE "C",
    activity_id TEXT COLLATE "C",
    notes TEXT COLLATE "C"
);
-- One membership per person per campaign, however it races.
CREATE UNIQUE INDEX campaign_members_who ON campaign_members
    (campaign_id, coalesce(customer_id, ''), coalesce(contact_id, ''), coalesce(lead_id, ''))
    WHERE NOT deleted;
CREATE INDEX campaign_members_response ON campaign_members (campaign_id, response) WHERE NOT deleted;
CREATE INDEX campaign_members_customer ON campaign_members (customer_id) WHERE NOT deleted AND customer_id IS NOT NULL;
CREATE INDEX campaign_members_contact ON campaign_members (contact_id) WHERE NOT deleted AND contact_id IS NOT NULL;
CREATE INDEX campaign_members_lead ON campaign_members (lead_id) WHERE NOT deleted AND lead_id IS NOT NULL;

ALTER TABLE opportunities ADD COLUMN campaign_id TEXT COLLATE "C";
CREATE INDEX opportunities_campaign ON opportunities (campaign_id) WHERE NOT deleted AND campaign_id IS NOT NULL;
ALTER TABLE activities ADD COLUMN lead_id TEXT COLLATE "C";
CREATE INDEX activities_lead ON activities (lead_id) WHERE NOT deleted AND lead_id IS NOT NULL;

-- Where leads come from: the admin's list, started with these.
CREATE TEMP TABLE seed_sources (code TEXT, name_zh TEXT, name_en TEXT, position BIGINT) ON COMMIT DROP;
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
SELECT gen_random_uuid()::text, 1, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       'lead_sources', code, name_zh, name_en, position, NULL, TRUE
  FROM seed_sources
 WHERE NOT EXISTS (SELECT 1 FROM list_items l WHERE l.list = 'lead_sources' AND NOT l.deleted
                    AND lower(l.code) = lower(seed_sources.code));
INSERT INTO acl (principal, entity, record_id)
SELECT 'all', 'list_items', id FROM list_items WHERE list = 'lead_sources'
ON CONFLICT DO NOTHING;
INSERT INTO changes (seq, entity, record_id)
SELECT nextval('changes_seq'), 'list_items', id
  FROM (SELECT id FROM list_items WHERE list = 'lead_sources' ORDER BY position) AS l
ON CONFLICT DO NOTHING;
