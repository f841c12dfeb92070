-- The source's own date of a snapshot's data, where its format carries one (the Arena
-- dataset's `leaderboard_publish_date`).
ALTER TABLE snapshots ADD COLUMN data_date TEXT;
