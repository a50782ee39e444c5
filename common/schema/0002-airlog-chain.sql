-- 0002: the as-run log's hash chain (see docs/as-run-log.md). Every
-- completed row gets its place in the chain (chain_seq, in completion order),
-- the previous row's hash and its own. A row cannot be completed without
-- them, and nothing about a completed row can change afterwards.

ALTER TABLE airings ADD COLUMN chain_seq INTEGER;
ALTER TABLE airings ADD COLUMN prev_hash TEXT;
ALTER TABLE airings ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX airings_by_chain ON airings (chain_seq) WHERE chain_seq IS NOT NULL;

-- Rows completed before this migration have no hash yet; the airlog module
-- chains them (once) when it next opens the log. Until then the only change
-- a completed row accepts is receiving its chain fields.
DROP TRIGGER airings_immutable_after_completion;
CREATE TRIGGER airings_immutable_after_completion
BEFORE UPDATE ON airings WHEN OLD.status <> 'on-air'
  AND NOT (OLD.hash IS NULL AND NEW.hash IS NOT NULL
           AND NEW.line IS OLD.line AND NEW.spot_id IS OLD.spot_id
           AND NEW.spot_sha256 IS OLD.spot_sha256 AND NEW.title IS OLD.title
           AND NEW.category IS OLD.category AND NEW.topic IS OLD.topic
           AND NEW.priority IS OLD.priority AND NEW.schedule_id IS OLD.schedule_id
           AND NEW.event_ref IS OLD.event_ref AND NEW.scheduled_at IS OLD.scheduled_at
           AND NEW.started_at IS OLD.started_at AND NEW.ended_at IS OLD.ended_at
           AND NEW.samples IS OLD.samples AND NEW.sample_rate IS OLD.sample_rate
           AND NEW.status IS OLD.status AND NEW.reason IS OLD.reason
           AND NEW.created_at IS OLD.created_at AND NEW.completed_at IS OLD.completed_at)
BEGIN
  SELECT RAISE(ABORT, 'as-run log rows cannot change once completed');
END;

CREATE TRIGGER airings_complete_with_chain
BEFORE UPDATE OF status ON airings WHEN OLD.status = 'on-air' AND NEW.status <> 'on-air'
  AND (NEW.hash IS NULL OR NEW.prev_hash IS NULL OR NEW.chain_seq IS NULL)
BEGIN
  SELECT RAISE(ABORT, 'a completed airing must carry its place in the hash chain');
END;

CREATE TRIGGER airings_insert_final_with_chain
BEFORE INSERT ON airings WHEN NEW.status <> 'on-air'
  AND (NEW.hash IS NULL OR NEW.prev_hash IS NULL OR NEW.chain_seq IS NULL)
BEGIN
  SELECT RAISE(ABORT, 'a completed airing must carry its place in the hash chain');
END;
