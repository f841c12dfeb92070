-- Subscribers and their consent. `email` keeps the local part as written and the domain in
-- lower case, so uniqueness is case-insensitive on the domain only.
CREATE TABLE subscribers (
    id          INTEGER PRIMARY KEY,
    email       TEXT NOT NULL UNIQUE,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'unsubscribed', 'bounced', 'complained')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX subscribers_status ON subscribers(status, id);

-- Append-only: every state change, with when, how, what the person was shown, and (only if
-- the operator turns it on) the client IP. Rows are deleted only by an erasure request.
CREATE TABLE consent_ledger (
    id              INTEGER PRIMARY KEY,
    subscriber_id   INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
    at              TEXT NOT NULL,
    from_status     TEXT,
    to_status       TEXT NOT NULL,
    method          TEXT NOT NULL,
    consent_version TEXT,
    consent_text    TEXT,
    ip              TEXT
) STRICT;
CREATE INDEX consent_ledger_subscriber ON consent_ledger(subscriber_id, id);

CREATE TRIGGER consent_ledger_no_update BEFORE UPDATE ON consent_ledger
BEGIN
    SELECT RAISE(ABORT, 'the consent ledger is append-only');
END;

-- Hashes of erased addresses: never re-added by accident.
CREATE TABLE suppressions (
    email_hash TEXT PRIMARY KEY NOT NULL,
    reason     TEXT NOT NULL,
    at         TEXT NOT NULL
) STRICT;
