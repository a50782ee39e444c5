/* The as-run log (see airlog.h). */
#include "airlog.h"

#include "db.h"
#include "i18n.h"
#include "loa-time.h"

G_DEFINE_QUARK(loa-airlog-error-quark, loa_airlog_error)

typedef enum {
  STMT_INSERT,
  STMT_SET_STARTED,
  STMT_COMPLETE,
  STMT_RECOVER,
  N_STATEMENTS
} Statement;

static const char *const statement_sql[N_STATEMENTS] = {
  [STMT_INSERT] =
    "INSERT INTO airings (line, spot_id, spot_sha256, title, category, topic, priority,"
    " schedule_id, event_ref, scheduled_at, status, reason, created_at, completed_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?, ?, ?, ?)",
  [STMT_SET_STARTED] =
    "UPDATE airings SET started_at = ?, sample_rate = ? WHERE id = ? AND status = 'on-air'",
  [STMT_COMPLETE] =
    "UPDATE airings SET status = ?, started_at = NULLIF(?, 0), ended_at = NULLIF(?, 0),"
    " samples = ?, sample_rate = ?, reason = ?, completed_at = ?"
    " WHERE id = ? AND status = 'on-air'",
  [STMT_RECOVER] =
    "UPDATE airings SET status = 'interrupted', reason = ?, completed_at = ?"
    " WHERE status = 'on-air'",
};

struct LoaAirlog {
  sqlite3 *db;                         /* borrowed */
  sqlite3_stmt *stmts[N_STATEMENTS];
};

LoaAirlog *
loa_airlog_new(sqlite3 *db, GError **error)
{
  LoaAirlog *log = g_new0(LoaAirlog, 1);
  log->db = db;
  if (!loa_db_prepare_all(db, statement_sql, N_STATEMENTS, log->stmts, error)) {
    g_free(log);
    return NULL;
  }
  return log;
}

void
loa_airlog_free(LoaAirlog *log)
{
  if (log == NULL)
    return;
  loa_db_finalize_all(log->stmts, N_STATEMENTS);
  g_free(log);
}

static gboolean
status_is_final(const char *status)
{
  return g_strcmp0(status, LOA_AIRING_COMPLETED) == 0 ||
         g_strcmp0(status, LOA_AIRING_INTERRUPTED) == 0 ||
         g_strcmp0(status, LOA_AIRING_FAILED) == 0 || g_strcmp0(status, LOA_AIRING_MISSED) == 0;
}

static gint64
insert(LoaAirlog *log, const LoaAiringPlan *plan, const char *status, const char *reason,
       GError **error)
{
  sqlite3_stmt *stmt = log->stmts[STMT_INSERT];
  gint64 now = loa_time_now_wall_ns();
  gboolean final = g_strcmp0(status, LOA_AIRING_ON_AIR) != 0;
  /* completed_at is set only for rows that are final from the start. */
  if (!loa_db_bind(stmt, error, final ? "tttttttitittii" : "tttttttitittin", plan->line,
                   plan->spot_id, plan->spot_sha256 ? plan->spot_sha256 : "",
                   plan->title ? plan->title : "", plan->category ? plan->category : "",
                   plan->topic ? plan->topic : "", plan->priority ? plan->priority : "normal",
                   plan->schedule_id, plan->event_ref ? plan->event_ref : "",
                   plan->scheduled_at, status, reason ? reason : "", now, now))
    return 0;
  if (!loa_db_step_done(stmt, error))
    return 0;
  return sqlite3_last_insert_rowid(log->db);
}

gint64
loa_airlog_open(LoaAirlog *log, const LoaAiringPlan *plan, GError **error)
{
  return insert(log, plan, LOA_AIRING_ON_AIR, NULL, error);
}

gint64
loa_airlog_record(LoaAirlog *log, const LoaAiringPlan *plan, const char *status,
                  const char *reason, GError **error)
{
  if (!status_is_final(status)) {
    g_set_error(error, LOA_AIRLOG_ERROR, LOA_AIRLOG_ERROR_INVALID,
                _("'%s' is not a final airing status"), status);
    return 0;
  }
  return insert(log, plan, status, reason, error);
}

/* Fails unless exactly one on-air row was changed. */
static gboolean
expect_one_change(LoaAirlog *log, gint64 id, GError **error)
{
  if (sqlite3_changes(log->db) != 1) {
    g_set_error(error, LOA_AIRLOG_ERROR, LOA_AIRLOG_ERROR_INVALID,
                _("airing %" G_GINT64_FORMAT " is not on air (already completed or unknown)"), id);
    return FALSE;
  }
  return TRUE;
}

gboolean
loa_airlog_set_started(LoaAirlog *log, gint64 id, gint64 started_at, int sample_rate,
                       GError **error)
{
  sqlite3_stmt *stmt = log->stmts[STMT_SET_STARTED];
  return loa_db_bind(stmt, error, "iii", started_at, (gint64)sample_rate, id) &&
         loa_db_step_done(stmt, error) && expect_one_change(log, id, error);
}

gboolean
loa_airlog_complete(LoaAirlog *log, gint64 id, const char *status, gint64 started_at,
                    gint64 ended_at, gint64 samples, int sample_rate, const char *reason,
                    GError **error)
{
  if (!status_is_final(status)) {
    g_set_error(error, LOA_AIRLOG_ERROR, LOA_AIRLOG_ERROR_INVALID,
                _("'%s' is not a final airing status"), status);
    return FALSE;
  }
  sqlite3_stmt *stmt = log->stmts[STMT_COMPLETE];
  return loa_db_bind(stmt, error, "tiiiitii", status, started_at, ended_at, samples,
                     (gint64)sample_rate, reason ? reason : "", loa_time_now_wall_ns(), id) &&
         loa_db_step_done(stmt, error) && expect_one_change(log, id, error);
}

int
loa_airlog_recover(LoaAirlog *log, const char *reason, GError **error)
{
  sqlite3_stmt *stmt = log->stmts[STMT_RECOVER];
  if (!loa_db_bind(stmt, error, "ti", reason, loa_time_now_wall_ns()) ||
      !loa_db_step_done(stmt, error))
    return -1;
  return sqlite3_changes(log->db);
}

void
loa_airing_free(LoaAiring *airing)
{
  if (airing == NULL)
    return;
  g_free(airing->line);
  g_free(airing->spot_id);
  g_free(airing->spot_sha256);
  g_free(airing->title);
  g_free(airing->category);
  g_free(airing->topic);
  g_free(airing->priority);
  g_free(airing->event_ref);
  g_free(airing->status);
  g_free(airing->reason);
  g_free(airing);
}

GPtrArray *
loa_airlog_query(sqlite3 *db, const LoaAirlogFilter *filter, GError **error)
{
  static const char sql[] =
    "SELECT id, line, spot_id, spot_sha256, title, category, topic, priority, event_ref,"
    " coalesce(schedule_id, 0), scheduled_at, coalesce(started_at, 0), coalesce(ended_at, 0),"
    " samples, sample_rate, status, reason FROM airings"
    " WHERE (?1 = 0 OR scheduled_at >= ?1) AND (?2 = 0 OR scheduled_at < ?2)"
    " AND (?3 IS NULL OR line = ?3) ORDER BY scheduled_at, id";
  g_autoptr(sqlite3_stmt) stmt = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
    loa_db_set_error(error, db, _("reading the as-run log"));
    return NULL;
  }
  if (!loa_db_bind(stmt, error, "iit", filter->from, filter->until, filter->line))
    return NULL;

  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)loa_airing_free);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    LoaAiring *a = g_new0(LoaAiring, 1);
    a->id = sqlite3_column_int64(stmt, 0);
    a->line = loa_db_column_text(stmt, 1);
    a->spot_id = loa_db_column_text(stmt, 2);
    a->spot_sha256 = loa_db_column_text(stmt, 3);
    a->title = loa_db_column_text(stmt, 4);
    a->category = loa_db_column_text(stmt, 5);
    a->topic = loa_db_column_text(stmt, 6);
    a->priority = loa_db_column_text(stmt, 7);
    a->event_ref = loa_db_column_text(stmt, 8);
    a->schedule_id = sqlite3_column_int64(stmt, 9);
    a->scheduled_at = sqlite3_column_int64(stmt, 10);
    a->started_at = sqlite3_column_int64(stmt, 11);
    a->ended_at = sqlite3_column_int64(stmt, 12);
    a->samples = sqlite3_column_int64(stmt, 13);
    a->sample_rate = sqlite3_column_int(stmt, 14);
    a->status = loa_db_column_text(stmt, 15);
    a->reason = loa_db_column_text(stmt, 16);
    g_ptr_array_add(rows, a);
  }
  if (rc != SQLITE_DONE) {
    loa_db_set_error(error, db, _("reading the as-run log"));
    return NULL;
  }
  return g_steal_pointer(&rows);
}
