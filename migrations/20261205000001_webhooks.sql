-- Webhook deliveries: one row per (configured webhook, edition), queued when the edition is
-- made and sent from here with retries, so a receiver that is down misses nothing.
-- `webhook` is the index in `[[webhooks]]`; `url` pins the row to the receiver it was queued
-- for (a webhook re-pointed later does not get old editions). pending -> delivered | failed.
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook         INTEGER NOT NULL,
    url             TEXT NOT NULL,
    edition         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_status     INTEGER,
    last_error      TEXT,
    delivered_at    TEXT,
    UNIQUE (webhook, url, edition)
) STRICT;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
