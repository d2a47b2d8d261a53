-- The knowledge base and surveys (issue 13; seeds 000 §3.10 问卷调查, §3.11 知识库管理, 002 step
-- 9 回访): articles (KB-000123) and the versions an edit keeps, questionnaires, their questions
-- and return visits with their answers. A ticket's satisfaction now comes from a return visit's
-- answer (the server's field); the scores tickets already hold stay. PostgreSQL twin of
-- migrations/0015_knowledge_surveys.sql.

CREATE TABLE articles (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    number TEXT COLLATE "C" NOT NULL,
    title TEXT COLLATE "C" NOT NULL,
    body TEXT COLLATE "C",
    category TEXT COLLATE "C",
    tags TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    product_id TEXT COLLATE "C",
    visibility TEXT COLLATE "C" NOT NULL DEFAULT 'internal',
    for_agents BOOLEAN NOT NULL DEFAULT TRUE,
    author_id TEXT COLLATE "C",
    reviewed_on TEXT COLLATE "C",
    revision BIGINT NOT NULL DEFAULT 1,
    solved_count BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX articles_number ON articles (number) WHERE NOT deleted;

CREATE TABLE article_versions (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    article_id TEXT COLLATE "C" NOT NULL,
    revision BIGINT NOT NULL,
    title TEXT COLLATE "C" NOT NULL,
    body TEXT COLLATE "C",
    edited_by TEXT COLLATE "C",
    edited_at TEXT COLLATE "C"
);
CREATE INDEX article_versions_article ON article_versions (article_id) WHERE NOT deleted;

CREATE TABLE surveys (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    title_en TEXT COLLATE "C" NOT NULL,
    title_zh TEXT COLLATE "C" NOT NULL,
    description TEXT COLLATE "C",
    active BOOLEAN NOT NULL DEFAULT TRUE,
    after_ticket_close BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE survey_questions (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    survey_id TEXT COLLATE "C" NOT NULL,
    position BIGINT NOT NULL,
    kind TEXT COLLATE "C" NOT NULL,
    text_en TEXT COLLATE "C" NOT NULL,
    text_zh TEXT COLLATE "C" NOT NULL,
    choices TEXT COLLATE "C",
    required BOOLEAN NOT NULL DEFAULT FALSE,
    satisfaction BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX survey_questions_survey ON survey_questions (survey_id) WHERE NOT deleted;

CREATE TABLE return_visits (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    subject TEXT COLLATE "C",
    survey_id TEXT COLLATE "C" NOT NULL,
    customer_id TEXT COLLATE "C" NOT NULL,
    contact_id TEXT COLLATE "C",
    ticket_id TEXT COLLATE "C",
    assignee_id TEXT COLLATE "C",
    due_on TEXT COLLATE "C",
    status TEXT COLLATE "C" NOT NULL DEFAULT 'open',
    answers TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    notes TEXT COLLATE "C",
    done_at TEXT COLLATE "C"
);
-- One return visit per ticket: a retried or repeated close makes no second.
CREATE UNIQUE INDEX return_visits_ticket_id ON return_visits (ticket_id)
    WHERE NOT deleted AND ticket_id IS NOT NULL;
CREATE INDEX return_visits_customer ON return_visits (customer_id) WHERE NOT deleted;
CREATE INDEX return_visits_survey ON return_visits (survey_id) WHERE NOT deleted;
CREATE INDEX return_visits_assignee_status ON return_visits (assignee_id, status) WHERE NOT deleted;
