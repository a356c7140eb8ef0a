-- Mutual aid: what members share (one row per version of a STIX object: advisories as
-- reports, indicators), to whom (recipients of listed AMBER / AMBER+STRICT / RED objects),
-- sightings, the trial members' policy, TAXII status resources; and outreach events with
-- their attendance.
CREATE TABLE shared_objects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    stix_id TEXT NOT NULL,
    stix_type TEXT NOT NULL,
    version TEXT NOT NULL,
    added_at TEXT NOT NULL,
    latest BOOLEAN NOT NULL DEFAULT 1,
    tlp TEXT NOT NULL,
    audience TEXT NOT NULL,
    author_org INTEGER NOT NULL REFERENCES organisations (id),
    author_account INTEGER REFERENCES accounts (id),
    anonymous BOOLEAN NOT NULL DEFAULT 0,
    revoked BOOLEAN NOT NULL DEFAULT 0,
    kind TEXT,
    value TEXT,
    title TEXT NOT NULL,
    severity TEXT,
    confidence INTEGER,
    valid_from TEXT,
    valid_until TEXT,
    body TEXT NOT NULL,
    UNIQUE (stix_id, version)
);
CREATE INDEX shared_objects_latest ON shared_objects (latest, id);
CREATE INDEX shared_objects_added ON shared_objects (added_at);
CREATE INDEX shared_objects_value ON shared_objects (value);
CREATE INDEX shared_objects_stix ON shared_objects (stix_id, id);

CREATE TABLE shared_recipients (
    object_id INTEGER NOT NULL REFERENCES shared_objects (id),
    organisation_id INTEGER REFERENCES organisations (id),
    account_id INTEGER REFERENCES accounts (id)
);
CREATE INDEX shared_recipients_object ON shared_recipients (object_id);

CREATE TABLE sightings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    stix_id TEXT NOT NULL UNIQUE,
    indicator_stix_id TEXT NOT NULL,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    account_id INTEGER REFERENCES accounts (id),
    count INTEGER NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    false_positive BOOLEAN NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX sightings_indicator ON sightings (indicator_stix_id, organisation_id);

CREATE TABLE sharing_policy (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    trial_max_tlp TEXT NOT NULL,
    trial_may_post BOOLEAN NOT NULL,
    trial_may_use_taxii BOOLEAN NOT NULL,
    updated_at TEXT NOT NULL
);
INSERT INTO sharing_policy VALUES (1, 'green', 1, 0, '2025-01-01T00:00:00Z');

CREATE TABLE taxii_status (
    id TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    created_at TEXT NOT NULL,
    total INTEGER NOT NULL,
    successes TEXT NOT NULL,
    failures TEXT NOT NULL
);

CREATE TABLE outreach_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    organiser TEXT NOT NULL,
    audience TEXT NOT NULL,
    bureau TEXT NOT NULL,
    held_on TEXT NOT NULL,
    title_ja TEXT NOT NULL,
    title_en TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX outreach_events_held ON outreach_events (held_on, id);

CREATE TABLE outreach_attendance (
    event_id INTEGER NOT NULL REFERENCES outreach_events (id),
    institution_id INTEGER NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (event_id, institution_id)
);
CREATE INDEX outreach_attendance_institution ON outreach_attendance (institution_id);
