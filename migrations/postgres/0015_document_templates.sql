-- migrations/0017_document_templates.sql for PostgreSQL: the templates quotes and contracts
-- are printed from. Column list mirrors server/src/schema/documents.rs.

CREATE TABLE document_templates (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    kind TEXT COLLATE "C" NOT NULL,
    lang TEXT COLLATE "C" NOT NULL,
    format TEXT COLLATE "C" NOT NULL,
    body TEXT COLLATE "C" NOT NULL,
    notes TEXT COLLATE "C"
);
CREATE UNIQUE INDEX document_templates_kind ON document_templates (kind, lang, format) WHERE NOT deleted;
