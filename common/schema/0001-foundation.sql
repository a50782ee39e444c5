-- 0001: the foundation — station identity, spot catalog, loaded schedules and
-- the as-run log. Times are INTEGER nanoseconds since the Unix epoch (UTC);
-- they are converted to the station's civil time only for display.

CREATE TABLE station (
  id         TEXT    NOT NULL,
  name       TEXT    NOT NULL,
  created_at INTEGER NOT NULL
);

-- audio-library: what CAN air.
CREATE TABLE spots (
  id            TEXT    PRIMARY KEY NOT NULL
                CHECK (length(id) BETWEEN 1 AND 64),
  title         TEXT    NOT NULL DEFAULT '',
  category      TEXT    NOT NULL DEFAULT 'other'
                CHECK (category IN ('article', 'news', 'report', 'announcement', 'other')),
  topic         TEXT    NOT NULL DEFAULT '',
  language      TEXT    NOT NULL DEFAULT 'vi',
  supplier      TEXT    NOT NULL DEFAULT '',
  notes         TEXT    NOT NULL DEFAULT '',
  original_name TEXT    NOT NULL,          -- file name as supplied
  file_name     TEXT    NOT NULL UNIQUE,   -- inside the station's library folder
  sha256        TEXT    NOT NULL UNIQUE CHECK (length(sha256) = 64),
  file_size     INTEGER NOT NULL CHECK (file_size > 0),
  container     TEXT    NOT NULL DEFAULT '',
  codec         TEXT    NOT NULL DEFAULT '',
  sample_rate   INTEGER NOT NULL CHECK (sample_rate > 0),
  channels      INTEGER NOT NULL CHECK (channels > 0),
  frames        INTEGER NOT NULL CHECK (frames > 0),  -- decoded, at sample_rate
  duration_ns   INTEGER NOT NULL CHECK (duration_ns > 0),
  loudness_lufs REAL,
  true_peak_dbtp REAL,
  cue_in_ns     INTEGER,
  cue_out_ns    INTEGER,
  valid_from    TEXT,                      -- YYYY-MM-DD, station time
  valid_until   TEXT,
  status        TEXT    NOT NULL DEFAULT 'approved'
                CHECK (status IN ('submitted', 'approved', 'retired', 'quarantined')),
  approved_by   TEXT,
  approved_at   INTEGER,
  added_by      TEXT    NOT NULL,
  added_at      INTEGER NOT NULL
);

-- schedules: what MUST air. Every load is kept; exactly one row is active.
CREATE TABLE schedules (
  id          INTEGER PRIMARY KEY,
  name        TEXT    NOT NULL DEFAULT '',
  source_path TEXT    NOT NULL,
  sha256      TEXT    NOT NULL CHECK (length(sha256) = 64),
  content     TEXT    NOT NULL,
  loaded_by   TEXT    NOT NULL,
  loaded_at   INTEGER NOT NULL,
  active      INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1))
);
CREATE UNIQUE INDEX schedules_one_active ON schedules (active) WHERE active = 1;

-- airlog: what DID air. A row is inserted 'on-air' before its first sample
-- plays and completed once, after its last; then it never changes again.
CREATE TABLE airings (
  id           INTEGER PRIMARY KEY,
  line         TEXT    NOT NULL,
  spot_id      TEXT    NOT NULL,
  spot_sha256  TEXT    NOT NULL DEFAULT '',
  title        TEXT    NOT NULL DEFAULT '',
  category     TEXT    NOT NULL DEFAULT '',
  topic        TEXT    NOT NULL DEFAULT '',
  priority     TEXT    NOT NULL DEFAULT 'normal'
               CHECK (priority IN ('normal', 'priority', 'emergency')),
  schedule_id  INTEGER REFERENCES schedules (id),
  event_ref    TEXT    NOT NULL DEFAULT '', -- "schedule.cfg:12"
  scheduled_at INTEGER NOT NULL,
  started_at   INTEGER,                     -- measured: first sample on the pipeline clock
  ended_at     INTEGER,                     -- measured: end of the last sample
  samples      INTEGER NOT NULL DEFAULT 0,  -- frames played, at sample_rate
  sample_rate  INTEGER NOT NULL DEFAULT 0,
  status       TEXT    NOT NULL
               CHECK (status IN ('on-air', 'completed', 'interrupted', 'failed', 'missed')),
  reason       TEXT    NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL,
  completed_at INTEGER
);
CREATE INDEX airings_by_time ON airings (scheduled_at);
CREATE INDEX airings_by_status ON airings (status) WHERE status = 'on-air';

CREATE TRIGGER airings_immutable_after_completion
BEFORE UPDATE ON airings WHEN OLD.status <> 'on-air'
BEGIN
  SELECT RAISE(ABORT, 'as-run log rows cannot change once completed');
END;

CREATE TRIGGER airings_never_deleted
BEFORE DELETE ON airings
BEGIN
  SELECT RAISE(ABORT, 'as-run log rows are never deleted');
END;
