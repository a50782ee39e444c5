-- 0005: what else is known of an airing (docs/as-run-log.md): the loudness
-- gain applied, the line switch's result, what the line's monitor return
-- showed, and the version of the canonical form the row was hashed with.
-- Rows chained before this migration keep form 1 and verify as before; rows
-- chained from now on use form 2, which covers the new facts.

ALTER TABLE airings ADD COLUMN gain_db REAL;                        -- NULL: no gain applied
ALTER TABLE airings ADD COLUMN switches TEXT NOT NULL DEFAULT '';   -- '' : the line has no switch
ALTER TABLE airings ADD COLUMN monitor TEXT NOT NULL DEFAULT ''     -- '' : the line has no monitor
  CHECK (monitor IN ('', 'present', 'absent', 'partial'));
ALTER TABLE airings ADD COLUMN monitor_lufs REAL;                   -- NULL: no level measured
ALTER TABLE airings ADD COLUMN chain_version INTEGER                -- set with the chain fields
  CHECK (chain_version IN (1, 2));

-- The rows chained so far were hashed in form 1. Giving them that is a
-- change to completed rows, so the guard steps aside for it and comes back
-- covering the new columns too.
DROP TRIGGER airings_immutable_after_completion;
UPDATE airings SET chain_version = 1 WHERE hash IS NOT NULL;
CREATE TRIGGER airings_immutable_after_completion
BEFORE UPDATE ON airings WHEN OLD.status <> 'on-air'
  AND NOT (OLD.hash IS NULL AND NEW.hash IS NOT NULL AND NEW.chain_version IS NOT NULL
           AND NEW.line IS OLD.line AND NEW.spot_id IS OLD.spot_id
           AND NEW.spot_sha256 IS OLD.spot_sha256 AND NEW.title IS OLD.title
           AND NEW.category IS OLD.category AND NEW.topic IS OLD.topic
           AND NEW.priority IS OLD.priority AND NEW.schedule_id IS OLD.schedule_id
           AND NEW.event_ref IS OLD.event_ref AND NEW.scheduled_at IS OLD.scheduled_at
           AND NEW.started_at IS OLD.started_at AND NEW.ended_at IS OLD.ended_at
           AND NEW.samples IS OLD.samples AND NEW.sample_rate IS OLD.sample_rate
           AND NEW.status IS OLD.status AND NEW.reason IS OLD.reason
           AND NEW.created_at IS OLD.created_at AND NEW.completed_at IS OLD.completed_at
           AND NEW.gain_db IS OLD.gain_db AND NEW.switches IS OLD.switches
           AND NEW.monitor IS OLD.monitor AND NEW.monitor_lufs IS OLD.monitor_lufs)
BEGIN
  SELECT RAISE(ABORT, 'as-run log rows cannot change once completed');
END;

DROP TRIGGER airings_complete_with_chain;
CREATE TRIGGER airings_complete_with_chain
BEFORE UPDATE OF status ON airings WHEN OLD.status = 'on-air' AND NEW.status <> 'on-air'
  AND (NEW.hash IS NULL OR NEW.prev_hash IS NULL OR NEW.chain_seq IS NULL
       OR NEW.chain_version IS NULL)
BEGIN
  SELECT RAISE(ABORT, 'a completed airing must carry its place in the hash chain');
END;

DROP TRIGGER airings_insert_final_with_chain;
CREATE TRIGGER airings_insert_final_with_chain
BEFORE INSERT ON airings WHEN NEW.status <> 'on-air'
  AND (NEW.hash IS NULL OR NEW.prev_hash IS NULL OR NEW.chain_seq IS NULL
       OR NEW.chain_version IS NULL)
BEGIN
  SELECT RAISE(ABORT, 'a completed airing must carry its place in the hash chain');
END;

-- Quotas count an airing only if its monitor (where there is one) heard it,
-- and a monthly report verifies the chain from the period's first row on
-- (airlog/report.c): the report's covering index (0003) gains both columns.
DROP INDEX airings_report;
CREATE INDEX airings_report
  ON airings (scheduled_at, line, category, topic, status, started_at, ended_at, monitor,
              chain_seq);

-- Verifying names a completed row outside the chain; with this (tiny) index
-- that costs a lookup, not a scan of the whole log.
CREATE INDEX airings_unchained ON airings (id) WHERE chain_seq IS NULL;
