-- Self-assessment frameworks, one row per version. The definition is the framework as JSON
-- (mamori-survey's model); a version never changes once imported.
CREATE TABLE frameworks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    version TEXT NOT NULL,
    name_en TEXT NOT NULL,
    name_ja TEXT,
    definition TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    assessable_items INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (key, version)
);
