-- The knowledge base and surveys (issue 13; seeds 000 §3.10 问卷调查, §3.11 知识库管理, 002 step
-- 9 回访): articles (KB-000123) and the versions an edit keeps, questionnaires, their questions
-- and return visits with their answers. A ticket's satisfaction now comes from a return visit's
-- answer (the server's field); the scores tickets already hold stay. Column lists mirror
-- server/src/schema/knowledge.rs and schema/surveys.rs.

CREATE TABLE articles (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    number TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT,
    category TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    product_id TEXT,
    visibility TEXT NOT NULL DEFAULT 'internal',
    for_agents INTEGER NOT NULL DEFAULT 1,
    author_id TEXT,
    reviewed_on TEXT,
    revision INTEGER NOT NULL DEFAULT 1,
    solved_count INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX articles_number ON articles (number) WHERE deleted = 0;

CREATE TABLE article_versions (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    article_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    title TEXT NOT NULL,
    body TEXT,
    edited_by TEXT,
    edited_at TEXT
);
CREATE INDEX article_versions_article ON article_versions (article_id) WHERE deleted = 0;

CREATE TABLE surveys (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    title_en TEXT NOT NULL,
    title_zh TEXT NOT NULL,
    description TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    after_ticket_close INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE survey_questions (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    survey_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    text_en TEXT NOT NULL,
    text_zh TEXT NOT NULL,
    choices TEXT,
    required INTEGER NOT NULL DEFAULT 0,
    satisfaction INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX survey_questions_survey ON survey_questions (survey_id) WHERE deleted = 0;

CREATE TABLE return_visits (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    subject TEXT,
    survey_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    contact_id TEXT,
    ticket_id TEXT,
    assignee_id TEXT,
    due_on TEXT,
    status TEXT NOT NULL DEFAULT 'open',
    answers TEXT NOT NULL DEFAULT '{}',
    notes TEXT,
    done_at TEXT
);
-- One return visit per ticket: a retried or repeated close makes no second.
CREATE UNIQUE INDEX return_visits_ticket_id ON return_visits (ticket_id)
    WHERE deleted = 0 AND ticket_id IS NOT NULL;
CREATE INDEX return_visits_customer ON return_visits (customer_id) WHERE deleted = 0;
CREATE INDEX return_visits_survey ON return_visits (survey_id) WHERE deleted = 0;
CREATE INDEX return_visits_assignee_status ON return_visits (assignee_id, status) WHERE deleted = 0;
