-- Sources as configured; validators for conditional GET belong to the last healthy pull.
CREATE TABLE sources (
    name          TEXT PRIMARY KEY NOT NULL,
    kind          TEXT NOT NULL,
    url           TEXT NOT NULL,
    etag          TEXT,
    last_modified TEXT
) STRICT;

-- A snapshot is one distinct content of a source: stored once, when the content changed.
CREATE TABLE snapshots (
    id           INTEGER PRIMARY KEY,
    source       TEXT NOT NULL REFERENCES sources(name),
    content_hash TEXT NOT NULL,
    taken_at     TEXT NOT NULL,
    rows         INTEGER NOT NULL,
    skipped      INTEGER NOT NULL
) STRICT;
CREATE INDEX snapshots_source_time ON snapshots(source, taken_at);

-- Every pull, healthy or not. A healthy pull (changed/unchanged) points at the snapshot it
-- vouches for; failed and quarantined pulls point at none and are never diffed against.
CREATE TABLE pulls (
    id           INTEGER PRIMARY KEY,
    source       TEXT NOT NULL REFERENCES sources(name),
    started_at   TEXT NOT NULL,
    duration_ms  INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('changed', 'unchanged', 'failed', 'quarantined')),
    http_status  INTEGER,
    bytes        INTEGER,
    content_hash TEXT,
    rows         INTEGER,
    snapshot_id  INTEGER REFERENCES snapshots(id),
    error        TEXT,
    notices      TEXT NOT NULL DEFAULT '[]',
    CHECK ((status IN ('changed', 'unchanged')) = (snapshot_id IS NOT NULL))
) STRICT;
CREATE INDEX pulls_source_time ON pulls(source, started_at);

-- Observations are content-addressed: an unchanged row is stored once however many
-- snapshots contain it.
CREATE TABLE observations (
    id           INTEGER PRIMARY KEY,
    hash         TEXT NOT NULL UNIQUE,
    source_model TEXT NOT NULL,
    model_key    TEXT NOT NULL,
    variant      TEXT,
    data         TEXT NOT NULL
) STRICT;
CREATE INDEX observations_model ON observations(model_key);

CREATE TABLE snapshot_observations (
    snapshot_id    INTEGER NOT NULL REFERENCES snapshots(id),
    observation_id INTEGER NOT NULL REFERENCES observations(id),
    PRIMARY KEY (snapshot_id, observation_id)
) STRICT, WITHOUT ROWID;

-- Identity: every canonical key, and every source spelling that resolved to it.
CREATE TABLE models (
    key        TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    provider   TEXT,
    first_seen TEXT NOT NULL
) STRICT;

CREATE TABLE model_aliases (
    source       TEXT NOT NULL REFERENCES sources(name),
    source_model TEXT NOT NULL,
    model_key    TEXT NOT NULL REFERENCES models(key),
    variant      TEXT,
    first_seen   TEXT NOT NULL,
    PRIMARY KEY (source, source_model)
) STRICT;
