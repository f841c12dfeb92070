-- The per-address confirmation limit (issue 16), shared by every web node: one row per
-- confirmation mail queued in the last hour, by the SHA-256 of the mailbox (no address kept).
CREATE TABLE confirmation_slots (
    mailbox_hash TEXT NOT NULL,
    at           TEXT NOT NULL
) STRICT;
CREATE INDEX confirmation_slots_mailbox ON confirmation_slots(mailbox_hash, at);
