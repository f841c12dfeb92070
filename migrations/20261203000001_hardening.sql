-- no-transaction
-- Hardening (issue 15). SQLite cannot change a primary key or a CHECK in place, so
-- `subscribers` and `editions` are rebuilt (the documented 12-step procedure: foreign keys off
-- outside the transaction, copy, swap, check, foreign keys back on).
--
-- subscribers: ids are AUTOINCREMENT, never handed out twice, not even after an erasure; each
--   row has a random `link_key` whose first 16 hex digits every link token carries, so a link
--   acts only on the row it was made for. `legacy_links` = 1 on rows that existed before, whose
--   version 1 links (id only) keep working.
-- editions: may end `sent_with_failures` (every delivery has a final answer, some failed).
-- outbox: confirmation mails to send, worked in the background by `serve`/`daemon`, retried.
PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE subscribers_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    email        TEXT NOT NULL UNIQUE,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'unsubscribed', 'bounced', 'complained')),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    hard_bounces INTEGER NOT NULL DEFAULT 0,
    link_key     TEXT NOT NULL,
    legacy_links INTEGER NOT NULL DEFAULT 0 CHECK (legacy_links IN (0, 1))
) STRICT;
INSERT INTO subscribers_new (id, email, status, created_at, updated_at, hard_bounces, link_key, legacy_links)
    SELECT id, email, status, created_at, updated_at, hard_bounces, lower(hex(randomblob(16))), 1
    FROM subscribers;
DROP TABLE subscribers;
ALTER TABLE subscribers_new RENAME TO subscribers;
CREATE INDEX subscribers_status ON subscribers(status, id);
-- Sign-ups are matched case-blind (see SubscriberEmail::canonical).
CREATE INDEX subscribers_canonical ON subscribers(lower(email));

CREATE TABLE editions_new (
    id          INTEGER PRIMARY KEY,
    week        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    window_from TEXT NOT NULL,
    window_to   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    content     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'sent_with_failures', 'paused', 'held'))
) STRICT;
INSERT INTO editions_new SELECT * FROM editions;
DROP TABLE editions;
ALTER TABLE editions_new RENAME TO editions;

-- Erasure deletes a subscriber's deliveries: find them without scanning every edition.
CREATE INDEX deliveries_subscriber ON deliveries(subscriber_id);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL CHECK (kind IN ('confirm')),
    subscriber_id   INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'failed')),
    last_error      TEXT
) STRICT;
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);

PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
