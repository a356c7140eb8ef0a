-- Survey campaigns: a framework version sent to a population; one assignment per institution;
-- its answers; and its history (every transition, with a snapshot of the answers at each
-- submission).
CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    framework_id INTEGER NOT NULL REFERENCES frameworks (id),
    instructions TEXT,
    opens_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    status TEXT NOT NULL,
    target TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE assignments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    institution_id INTEGER NOT NULL REFERENCES organisations (id),
    status TEXT NOT NULL,
    due_on TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (campaign_id, institution_id)
);
CREATE INDEX assignments_institution ON assignments (institution_id);

CREATE TABLE answers (
    assignment_id INTEGER NOT NULL REFERENCES assignments (id),
    item_id TEXT NOT NULL,
    value TEXT NOT NULL,
    comment TEXT,
    answered_by TEXT NOT NULL,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (assignment_id, item_id)
);

CREATE TABLE assignment_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    assignment_id INTEGER NOT NULL REFERENCES assignments (id),
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    comment TEXT,
    snapshot TEXT,
    at TEXT NOT NULL
);
CREATE INDEX assignment_events_assignment ON assignment_events (assignment_id, id);
