-- The templates quotes and contracts are printed from (an admin's; read by everyone). Column
-- list mirrors server/src/schema/documents.rs.

CREATE TABLE document_templates (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL,
    lang TEXT NOT NULL,
    format TEXT NOT NULL,
    body TEXT NOT NULL,
    notes TEXT
);
CREATE UNIQUE INDEX document_templates_kind ON document_templates (kind, lang, format) WHERE deleted = 0;
