-- 0007: a spot's air copy. A compressed file (FLAC, Ogg, Opus, MP3, AAC) is
-- decoded once at ingest into a PCM WAV beside it, and that copy is what
-- airs: a station airs each spot hundreds of times, and decoding at air time
-- was most of the engine's CPU. The copy is verified like the file itself
-- (size, mtime, SHA-256). NULL: the library file airs as it is (PCM files,
-- and spots added before this migration).

ALTER TABLE spots ADD COLUMN air_file_name TEXT;      -- name inside the library folder
ALTER TABLE spots ADD COLUMN air_sha256 TEXT CHECK (air_sha256 IS NULL OR length(air_sha256) = 64);
ALTER TABLE spots ADD COLUMN air_file_size INTEGER;
ALTER TABLE spots ADD COLUMN air_mtime_ns INTEGER;    -- the air copy's mtime when last verified

-- An air copy, once made, never changes (it may be added to a spot that had none).
CREATE TRIGGER spots_air_copy_is_fixed
BEFORE UPDATE OF air_file_name, air_sha256, air_file_size ON spots
WHEN OLD.air_sha256 IS NOT NULL
  AND (NEW.air_sha256 IS NOT OLD.air_sha256 OR NEW.air_file_name IS NOT OLD.air_file_name
       OR NEW.air_file_size IS NOT OLD.air_file_size)
BEGIN
  SELECT RAISE(ABORT, 'a spot''s air copy never changes');
END;
