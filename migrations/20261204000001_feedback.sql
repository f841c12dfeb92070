-- Bounces and complaints reported after the send (issue 16): one row per reported event,
-- unique per reporter and its own event id, so a replayed webhook or a report read twice
-- changes nothing. No address is kept: a matched event points at its subscriber (and goes
-- with it on erasure), an unmatched one keeps only what the reporter said.
CREATE TABLE feedback_events (
    id            INTEGER PRIMARY KEY,
    source        TEXT NOT NULL CHECK (source IN ('ses', 'postmark', 'sendgrid', 'report')),
    event_id      TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('hard_bounce', 'soft_bounce', 'complaint')),
    subscriber_id INTEGER REFERENCES subscribers(id) ON DELETE CASCADE,
    edition_id    INTEGER REFERENCES editions(id),
    message_id    TEXT,
    received_at   TEXT NOT NULL,
    reported_at   TEXT,
    detail        TEXT NOT NULL,
    UNIQUE (source, event_id)
) STRICT;
CREATE INDEX feedback_events_subscriber ON feedback_events(subscriber_id);
-- A report names the message by its Message-ID: find the delivery without a scan.
CREATE INDEX deliveries_message_id ON deliveries(message_id);
