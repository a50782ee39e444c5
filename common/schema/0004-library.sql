-- 0004: the audio library — measurements taken at ingest, editable metadata,
-- and the review trail: who added, approved, edited or retired which exact file.

ALTER TABLE spots ADD COLUMN loudness_range_lu REAL;   -- EBU R128 LRA, NULL if not measured
ALTER TABLE spots ADD COLUMN tags TEXT NOT NULL DEFAULT '';  -- comma-separated, no spaces around
ALTER TABLE spots ADD COLUMN bulletin_text TEXT;       -- the text a bulletin was spoken from
ALTER TABLE spots ADD COLUMN file_mtime_ns INTEGER;    -- library file's mtime when last verified
ALTER TABLE spots ADD COLUMN retired_by TEXT;
ALTER TABLE spots ADD COLUMN retired_at INTEGER;

-- A spot's file never changes: a new file is a new spot.
CREATE TRIGGER spots_file_is_fixed
BEFORE UPDATE OF sha256, file_name, file_size, frames, sample_rate, channels ON spots
WHEN NEW.sha256 IS NOT OLD.sha256 OR NEW.file_name IS NOT OLD.file_name
  OR NEW.file_size IS NOT OLD.file_size OR NEW.frames IS NOT OLD.frames
  OR NEW.sample_rate IS NOT OLD.sample_rate OR NEW.channels IS NOT OLD.channels
BEGIN
  SELECT RAISE(ABORT, 'a spot''s file never changes; a new file is a new spot');
END;

-- The review trail. Append only.
CREATE TABLE spot_events (
  id      INTEGER PRIMARY KEY,
  spot_id TEXT    NOT NULL REFERENCES spots (id),
  action  TEXT    NOT NULL CHECK (action IN ('added', 'approved', 'edited', 'retired')),
  actor   TEXT    NOT NULL,
  at      INTEGER NOT NULL,               -- UTC ns
  sha256  TEXT    NOT NULL CHECK (length(sha256) = 64),  -- the file the action was about
  detail  TEXT    NOT NULL DEFAULT ''     -- e.g. the fields an edit changed
);
CREATE INDEX spot_events_by_spot ON spot_events (spot_id, at);

CREATE TRIGGER spot_events_immutable
BEFORE UPDATE ON spot_events
BEGIN
  SELECT RAISE(ABORT, 'the spot review trail cannot change');
END;

CREATE TRIGGER spot_events_never_deleted
BEFORE DELETE ON spot_events
BEGIN
  SELECT RAISE(ABORT, 'the spot review trail is never deleted');
END;
