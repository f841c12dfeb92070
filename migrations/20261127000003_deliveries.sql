-- One edition per ISO week, frozen when created: its content never changes afterwards.
CREATE TABLE editions (
    id          INTEGER PRIMARY KEY,
    week        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    window_from TEXT NOT NULL,
    window_to   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    content     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'paused', 'held'))
) STRICT;

-- One row per (edition, subscriber), created with the edition. A row moves
-- pending -> sending -> sent | failed (retried later) | bounced | suppressed, recorded as it
-- happens. A row left in `sending` by a crash is "in doubt": handed to the relay, no answer.
CREATE TABLE deliveries (
    edition_id      INTEGER NOT NULL REFERENCES editions(id),
    subscriber_id   INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'bounced', 'suppressed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_reply      TEXT,
    message_id      TEXT,
    next_attempt_at TEXT,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (edition_id, subscriber_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX deliveries_status ON deliveries(edition_id, status, subscriber_id);

ALTER TABLE subscribers ADD COLUMN hard_bounces INTEGER NOT NULL DEFAULT 0;
