-- Facts about the database itself, e.g. which version of the identity rules its model keys
-- were computed with (the store re-keys stored rows when the rules change).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;
