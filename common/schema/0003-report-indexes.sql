-- 0003: an index for compliance reports (airlog/report.c). Reports group a
-- month or a year of airings by line, category, topic and status; with every
-- column they read in one index, SQLite answers from the index alone, in
-- time order, without touching the rows.

CREATE INDEX airings_report
  ON airings (scheduled_at, line, category, topic, status, started_at, ended_at);
