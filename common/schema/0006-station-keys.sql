-- 0006: the station's retired keys (docs/bundle-format.md). `loa key rotate`
-- replaces the station key with a new pair; the old public key stays here
-- with the time of the change and the key-change statement the old key
-- signed, so that the station can always show which key signed which bundle.
-- Append only.

CREATE TABLE station_keys (
  public_key  TEXT    PRIMARY KEY NOT NULL,  -- the retired key, base64
  fingerprint TEXT    NOT NULL,
  retired_at  INTEGER NOT NULL,              -- UTC ns: when the new key took its place
  replaced_by TEXT    NOT NULL,              -- the new key, base64
  key_file    TEXT    NOT NULL,              -- where its secret key was moved aside
  statement   TEXT    NOT NULL               -- the key-change statement, as written
);

CREATE TRIGGER station_keys_immutable
BEFORE UPDATE ON station_keys
BEGIN
  SELECT RAISE(ABORT, 'retired station keys cannot change');
END;

CREATE TRIGGER station_keys_never_deleted
BEFORE DELETE ON station_keys
BEGIN
  SELECT RAISE(ABORT, 'retired station keys are never deleted');
END;
