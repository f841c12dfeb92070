-- The release of a source's data a snapshot belongs to (LiveBench's `2026-06-25`): scores of
-- different releases are not comparable, so a change of release is a new baseline.
ALTER TABLE snapshots ADD COLUMN release TEXT;
