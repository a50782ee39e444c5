/* The as-run log (see airlog.h). */
#include "airlog.h"

#include "chain.h"

#include "db.h"
#include "i18n.h"
#include "loa-time.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

G_DEFINE_QUARK(loa-airlog-error-quark, loa_airlog_error)

typedef enum {
  STMT_INSERT,
  STMT_INSERT_FINAL,
  STMT_SET_STARTED,
  STMT_SET_FACTS,
  STMT_SELECT_ROW,
  STMT_HEAD,
  STMT_NEXT_ID,
  STMT_COMPLETE,
  STMT_ON_AIR,
  STMT_UNCHAINED,
  STMT_SET_CHAIN,
  N_STATEMENTS
} Statement;

/* The columns every reader selects, in the order airing_from_row reads them. */
#define AIRING_COLUMNS                                                                  \
  "id, line, spot_id, spot_sha256, title, category, topic, priority, event_ref,"      \
  " coalesce(schedule_id, 0), scheduled_at, coalesce(started_at, 0),"                  \
  " coalesce(ended_at, 0), samples, sample_rate, status, reason,"                      \
  " coalesce(completed_at, 0), coalesce(chain_seq, 0), coalesce(prev_hash, ''),"       \
  " coalesce(hash, ''), coalesce(chain_version, 0), gain_db IS NOT NULL,"               \
  " coalesce(gain_db, 0), switches, monitor, monitor_lufs IS NOT NULL,"                 \
  " coalesce(monitor_lufs, 0)"

static const char *const statement_sql[N_STATEMENTS] = {
  [STMT_INSERT] =
    "INSERT INTO airings (line, spot_id, spot_sha256, title, category, topic, priority,"
    " schedule_id, event_ref, scheduled_at, status, reason, created_at, gain_db, switches,"
    " monitor, monitor_lufs)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?, 'on-air', '', ?, CASE WHEN ? THEN ? END,"
    " ?, ?, CASE WHEN ? THEN ? END)",
  [STMT_INSERT_FINAL] =
    "INSERT INTO airings (id, line, spot_id, spot_sha256, title, category, topic, priority,"
    " schedule_id, event_ref, scheduled_at, status, reason, created_at, completed_at,"
    " chain_seq, prev_hash, hash, chain_version, gain_db, switches, monitor, monitor_lufs)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
    " CASE WHEN ? THEN ? END, ?, ?, CASE WHEN ? THEN ? END)",
  [STMT_SET_STARTED] =
    "UPDATE airings SET started_at = ?, sample_rate = ? WHERE id = ? AND status = 'on-air'",
  [STMT_SET_FACTS] =
    "UPDATE airings SET gain_db = CASE WHEN ?1 THEN ?2 ELSE gain_db END,"
    " switches = coalesce(?3, switches), monitor = coalesce(?4, monitor),"
    " monitor_lufs = CASE WHEN ?5 THEN ?6 ELSE monitor_lufs END"
    " WHERE id = ?7 AND status = 'on-air'",
  [STMT_SELECT_ROW] = "SELECT " AIRING_COLUMNS " FROM airings WHERE id = ?",
  [STMT_HEAD] =
    "SELECT chain_seq, hash FROM airings WHERE chain_seq IS NOT NULL"
    " ORDER BY chain_seq DESC LIMIT 1",
  [STMT_NEXT_ID] = "SELECT coalesce(max(id), 0) + 1 FROM airings",
  [STMT_COMPLETE] =
    "UPDATE airings SET status = ?, started_at = NULLIF(?, 0), ended_at = NULLIF(?, 0),"
    " samples = ?, sample_rate = ?, reason = ?, completed_at = ?, chain_seq = ?,"
    " prev_hash = ?, hash = ?, chain_version = ?, gain_db = CASE WHEN ? THEN ? END,"
    " switches = ?, monitor = ?, monitor_lufs = CASE WHEN ? THEN ? END"
    " WHERE id = ? AND status = 'on-air'",
  [STMT_ON_AIR] = "SELECT id FROM airings WHERE status = 'on-air' ORDER BY id",
  [STMT_UNCHAINED] =
    "SELECT " AIRING_COLUMNS " FROM airings WHERE status <> 'on-air' AND chain_seq IS NULL"
    " ORDER BY coalesce(completed_at, 0), id",
  [STMT_SET_CHAIN] =
    "UPDATE airings SET chain_seq = ?, prev_hash = ?, hash = ?, chain_version = ? WHERE id = ?",
};

struct LoaAirlog {
  sqlite3 *db;                         /* borrowed */
  char *station_id;                    /* goes into every row's canonical form */
  sqlite3_stmt *stmts[N_STATEMENTS];
};

static LoaAiring *
airing_from_row(sqlite3_stmt *stmt)
{
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
  a->completed_at = sqlite3_column_int64(stmt, 17);
  a->chain_seq = sqlite3_column_int64(stmt, 18);
  a->prev_hash = loa_db_column_text(stmt, 19);
  a->hash = loa_db_column_text(stmt, 20);
  a->chain_version = sqlite3_column_int(stmt, 21);
  a->gain_known = sqlite3_column_int(stmt, 22);
  a->gain_db = sqlite3_column_double(stmt, 23);
  a->switches = loa_db_column_text(stmt, 24);
  a->monitor = loa_db_column_text(stmt, 25);
  a->monitor_lufs_known = sqlite3_column_int(stmt, 26);
  a->monitor_lufs = sqlite3_column_double(stmt, 27);
  return a;
}

char *
loa_airlog_station_id(sqlite3 *db, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  if (sqlite3_prepare_v2(db, "SELECT id FROM station LIMIT 1", -1, &stmt, NULL) != SQLITE_OK) {
    loa_db_set_error(error, db, _("reading the station"));
    return NULL;
  }
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW)
    return loa_db_column_text(stmt, 0);
  if (rc == SQLITE_DONE)
    g_set_error(error, LOA_AIRLOG_ERROR, LOA_AIRLOG_ERROR_INVALID,
                _("the database has no station yet (run 'loa init')"));
  else
    loa_db_set_error(error, db, _("reading the station"));
  return NULL;
}

static gboolean chain_unchained(LoaAirlog *log, GError **error);

LoaAirlog *
loa_airlog_new(sqlite3 *db, GError **error)
{
  g_autoptr(LoaAirlog) log = g_new0(LoaAirlog, 1);
  log->db = db;
  log->station_id = loa_airlog_station_id(db, error);
  if (log->station_id == NULL ||
      !loa_db_prepare_all(db, statement_sql, N_STATEMENTS, log->stmts, error) ||
      !chain_unchained(log, error))
    return NULL;
  return g_steal_pointer(&log);
}

void
loa_airlog_free(LoaAirlog *log)
{
  if (log == NULL)
    return;
  loa_db_finalize_all(log->stmts, N_STATEMENTS);
  g_free(log->station_id);
  g_free(log);
}

static gboolean
status_is_final(const char *status)
{
  return g_strcmp0(status, LOA_AIRING_COMPLETED) == 0 ||
         g_strcmp0(status, LOA_AIRING_INTERRUPTED) == 0 ||
         g_strcmp0(status, LOA_AIRING_FAILED) == 0 || g_strcmp0(status, LOA_AIRING_MISSED) == 0;
}

static gboolean
require_final(const char *status, GError **error)
{
  if (status_is_final(status))
    return TRUE;
  g_set_error(error, LOA_AIRLOG_ERROR, LOA_AIRLOG_ERROR_INVALID,
              _("'%s' is not a final airing status"), status);
  return FALSE;
}

/* Inside a write transaction: gives airing the next place in the chain
 * (chain_seq, prev_hash, completed_at) and its hash. */
static gboolean
link_into_chain(LoaAirlog *log, LoaAiring *airing, GError **error)
{
  sqlite3_stmt *head = log->stmts[STMT_HEAD];
  sqlite3_reset(head);
  int rc = sqlite3_step(head);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return loa_db_set_error(error, log->db, _("reading the head of the as-run log"));
  airing->chain_seq = rc == SQLITE_ROW ? sqlite3_column_int64(head, 0) + 1 : 1;
  g_free(airing->prev_hash);
  airing->prev_hash = rc == SQLITE_ROW ? loa_db_column_text(head, 1) : g_strdup(LOA_CHAIN_GENESIS);
  sqlite3_reset(head);
  if (airing->completed_at == 0)
    airing->completed_at = loa_time_now_wall_ns();
  airing->chain_version = LOA_CHAIN_VERSION;

  g_autoptr(GString) canonical = g_string_new(NULL);
  loa_chain_canonical(log->station_id, airing, canonical);
  g_free(airing->hash);
  airing->hash = loa_chain_hash(canonical, airing->prev_hash);
  return TRUE;
}

/* Levels are kept to the hundredth of a dB, the resolution the canonical
 * form writes (chain.c), so that the row and its hash say the same. */
static double
to_hundredths(double value)
{
  return round(value * 100.0) / 100.0;
}

static const char *
empty_to_null(const char *text)
{
  return text != NULL && text[0] != '\0' ? text : NULL;
}

/* Checks what facts say; NULL facts is fine (nothing known). */
static gboolean
check_facts(const LoaAiringFacts *facts, GError **error)
{
  if (facts == NULL)
    return TRUE;
  const char *monitor = facts->monitor;
  if (monitor != NULL && monitor[0] != '\0' && strcmp(monitor, LOA_MONITOR_PRESENT) != 0 &&
      strcmp(monitor, LOA_MONITOR_ABSENT) != 0 && strcmp(monitor, LOA_MONITOR_PARTIAL) != 0) {
    g_set_error(error, LOA_AIRLOG_ERROR, LOA_AIRLOG_ERROR_INVALID,
                _("'%s' is not a monitor result (present, absent or partial)"), monitor);
    return FALSE;
  }
  /* 1e12 dB is nonsense, but keeps the hundredths inside 64 bits. */
  if ((facts->gain_known && !(fabs(facts->gain_db) < 1e12)) ||
      (facts->monitor_lufs_known && !(fabs(facts->monitor_lufs) < 1e12))) {
    g_set_error(error, LOA_AIRLOG_ERROR, LOA_AIRLOG_ERROR_INVALID,
                _("a gain or monitored level is not a finite number of dB"));
    return FALSE;
  }
  if (facts->switches != NULL && !g_utf8_validate(facts->switches, -1, NULL)) {
    g_set_error(error, LOA_AIRLOG_ERROR, LOA_AIRLOG_ERROR_INVALID,
                _("the switch result is not UTF-8 text"));
    return FALSE;
  }
  return TRUE;
}

/* What facts knows, over what airing has. */
static void
merge_facts(LoaAiring *airing, const LoaAiringFacts *facts)
{
  if (facts == NULL)
    return;
  if (facts->gain_known) {
    airing->gain_known = TRUE;
    airing->gain_db = to_hundredths(facts->gain_db);
  }
  if (empty_to_null(facts->switches) != NULL) {
    g_free(airing->switches);
    airing->switches = g_strdup(facts->switches);
  }
  if (empty_to_null(facts->monitor) != NULL) {
    g_free(airing->monitor);
    airing->monitor = g_strdup(facts->monitor);
  }
  if (facts->monitor_lufs_known) {
    airing->monitor_lufs_known = TRUE;
    airing->monitor_lufs = to_hundredths(facts->monitor_lufs);
  }
}

gint64
loa_airlog_open(LoaAirlog *log, const LoaAiringPlan *plan, GError **error)
{
  const LoaAiringFacts *f = &plan->facts;
  if (!check_facts(f, error))
    return 0;
  sqlite3_stmt *stmt = log->stmts[STMT_INSERT];
  if (!loa_db_bind(stmt, error, "tttttttitiiidttid", plan->line, plan->spot_id,
                   plan->spot_sha256 ? plan->spot_sha256 : "", plan->title ? plan->title : "",
                   plan->category ? plan->category : "", plan->topic ? plan->topic : "",
                   plan->priority ? plan->priority : "normal", plan->schedule_id,
                   plan->event_ref ? plan->event_ref : "", plan->scheduled_at,
                   loa_time_now_wall_ns(), (gint64)f->gain_known, to_hundredths(f->gain_db),
                   f->switches ? f->switches : "", f->monitor ? f->monitor : "",
                   (gint64)f->monitor_lufs_known, to_hundredths(f->monitor_lufs)) ||
      !loa_db_step_done(stmt, error))
    return 0;
  return sqlite3_last_insert_rowid(log->db);
}

gint64
loa_airlog_record(LoaAirlog *log, const LoaAiringPlan *plan, const char *status,
                  const char *reason, GError **error)
{
  if (!require_final(status, error) || !check_facts(&plan->facts, error) ||
      !loa_db_begin(log->db, error))
    return 0;

  sqlite3_stmt *next = log->stmts[STMT_NEXT_ID];
  sqlite3_reset(next);
  if (sqlite3_step(next) != SQLITE_ROW) {
    loa_db_set_error(error, log->db, _("writing the as-run log"));
    sqlite3_reset(next);
    loa_db_rollback(log->db);
    return 0;
  }
  gint64 now = loa_time_now_wall_ns();
  LoaAiring airing = {
    .id = sqlite3_column_int64(next, 0),
    .line = (char *)plan->line,
    .spot_id = (char *)plan->spot_id,
    .spot_sha256 = (char *)(plan->spot_sha256 ? plan->spot_sha256 : ""),
    .title = (char *)(plan->title ? plan->title : ""),
    .category = (char *)(plan->category ? plan->category : ""),
    .topic = (char *)(plan->topic ? plan->topic : ""),
    .priority = (char *)(plan->priority ? plan->priority : "normal"),
    .event_ref = (char *)(plan->event_ref ? plan->event_ref : ""),
    .schedule_id = plan->schedule_id,
    .scheduled_at = plan->scheduled_at,
    .status = (char *)status,
    .reason = (char *)(reason ? reason : ""),
    .completed_at = now,
    .gain_known = plan->facts.gain_known,
    .gain_db = to_hundredths(plan->facts.gain_db),
    .switches = (char *)(plan->facts.switches ? plan->facts.switches : ""),
    .monitor = (char *)(plan->facts.monitor ? plan->facts.monitor : ""),
    .monitor_lufs_known = plan->facts.monitor_lufs_known,
    .monitor_lufs = to_hundredths(plan->facts.monitor_lufs),
  };
  sqlite3_reset(next);

  sqlite3_stmt *stmt = log->stmts[STMT_INSERT_FINAL];
  gboolean ok = link_into_chain(log, &airing, error) &&
                loa_db_bind(stmt, error, "itttttttitittiiittiidttid", airing.id, airing.line,
                            airing.spot_id, airing.spot_sha256, airing.title, airing.category,
                            airing.topic, airing.priority, airing.schedule_id, airing.event_ref,
                            airing.scheduled_at, airing.status, airing.reason, now, now,
                            airing.chain_seq, airing.prev_hash, airing.hash,
                            (gint64)airing.chain_version, (gint64)airing.gain_known,
                            airing.gain_db, airing.switches, airing.monitor,
                            (gint64)airing.monitor_lufs_known, airing.monitor_lufs) &&
                loa_db_step_done(stmt, error) && loa_db_commit(log->db, error);
  g_free(airing.prev_hash);
  g_free(airing.hash);
  if (!ok) {
    loa_db_rollback(log->db);
    return 0;
  }
  return airing.id;
}

gboolean
loa_airlog_set_started(LoaAirlog *log, gint64 id, gint64 started_at, int sample_rate,
                       GError **error)
{
  sqlite3_stmt *stmt = log->stmts[STMT_SET_STARTED];
  if (!loa_db_bind(stmt, error, "iii", started_at, (gint64)sample_rate, id) ||
      !loa_db_step_done(stmt, error))
    return FALSE;
  if (sqlite3_changes(log->db) != 1) {
    g_set_error(error, LOA_AIRLOG_ERROR, LOA_AIRLOG_ERROR_INVALID,
                _("airing %" PRId64 " is not on air (already completed or unknown)"), id);
    return FALSE;
  }
  return TRUE;
}

gboolean
loa_airlog_set_facts(LoaAirlog *log, gint64 id, const LoaAiringFacts *facts, GError **error)
{
  if (!check_facts(facts, error))
    return FALSE;
  sqlite3_stmt *stmt = log->stmts[STMT_SET_FACTS];
  if (!loa_db_bind(stmt, error, "idttidi", (gint64)facts->gain_known,
                   to_hundredths(facts->gain_db), empty_to_null(facts->switches),
                   empty_to_null(facts->monitor), (gint64)facts->monitor_lufs_known,
                   to_hundredths(facts->monitor_lufs), id) ||
      !loa_db_step_done(stmt, error))
    return FALSE;
  if (sqlite3_changes(log->db) != 1) {
    g_set_error(error, LOA_AIRLOG_ERROR, LOA_AIRLOG_ERROR_INVALID,
                _("airing %" PRId64 " is not on air (already completed or unknown)"), id);
    return FALSE;
  }
  return TRUE;
}

/* Inside a write transaction: completes on-air row id. started_at/ended_at
 * < 0 keep what the row has; facts (may be NULL) over what it has. */
static gboolean
complete_locked(LoaAirlog *log, gint64 id, const char *status, gint64 started_at,
                gint64 ended_at, gint64 samples, int sample_rate, const char *reason,
                const LoaAiringFacts *facts, GError **error)
{
  sqlite3_stmt *select = log->stmts[STMT_SELECT_ROW];
  if (!loa_db_bind(select, error, "i", id))
    return FALSE;
  int rc = sqlite3_step(select);
  g_autoptr(LoaAiring) airing = rc == SQLITE_ROW ? airing_from_row(select) : NULL;
  sqlite3_reset(select);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return loa_db_set_error(error, log->db, _("reading the as-run log"));
  if (airing == NULL || g_strcmp0(airing->status, LOA_AIRING_ON_AIR) != 0) {
    g_set_error(error, LOA_AIRLOG_ERROR, LOA_AIRLOG_ERROR_INVALID,
                _("airing %" PRId64 " is not on air (already completed or unknown)"), id);
    return FALSE;
  }
  g_free(airing->status);
  airing->status = g_strdup(status);
  g_free(airing->reason);
  airing->reason = g_strdup(reason != NULL ? reason : "");
  if (started_at >= 0)
    airing->started_at = started_at;
  if (ended_at >= 0)
    airing->ended_at = ended_at;
  if (samples >= 0)
    airing->samples = samples;
  if (sample_rate >= 0)
    airing->sample_rate = sample_rate;
  merge_facts(airing, facts);
  if (!link_into_chain(log, airing, error))
    return FALSE;

  sqlite3_stmt *stmt = log->stmts[STMT_COMPLETE];
  return loa_db_bind(stmt, error, "tiiiitiittiidttidi", airing->status, airing->started_at,
                     airing->ended_at, airing->samples, (gint64)airing->sample_rate,
                     airing->reason, airing->completed_at, airing->chain_seq, airing->prev_hash,
                     airing->hash, (gint64)airing->chain_version, (gint64)airing->gain_known,
                     airing->gain_db, airing->switches, airing->monitor,
                     (gint64)airing->monitor_lufs_known, airing->monitor_lufs, id) &&
         loa_db_step_done(stmt, error);
}

gboolean
loa_airlog_complete(LoaAirlog *log, gint64 id, const char *status, gint64 started_at,
                    gint64 ended_at, gint64 samples, int sample_rate, const char *reason,
                    GError **error)
{
  return loa_airlog_complete_with_facts(log, id, status, started_at, ended_at, samples,
                                        sample_rate, reason, NULL, error);
}

gboolean
loa_airlog_complete_with_facts(LoaAirlog *log, gint64 id, const char *status, gint64 started_at,
                               gint64 ended_at, gint64 samples, int sample_rate,
                               const char *reason, const LoaAiringFacts *facts, GError **error)
{
  if (!require_final(status, error) || !check_facts(facts, error) ||
      !loa_db_begin(log->db, error))
    return FALSE;
  if (!complete_locked(log, id, status, started_at, ended_at, samples, sample_rate, reason,
                       facts, error) ||
      !loa_db_commit(log->db, error)) {
    loa_db_rollback(log->db);
    return FALSE;
  }
  return TRUE;
}

int
loa_airlog_recover(LoaAirlog *log, const char *reason, GError **error)
{
  if (!loa_db_begin(log->db, error))
    return -1;
  g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(gint64));
  sqlite3_stmt *on_air = log->stmts[STMT_ON_AIR];
  sqlite3_reset(on_air);
  int rc;
  while ((rc = sqlite3_step(on_air)) == SQLITE_ROW) {
    gint64 id = sqlite3_column_int64(on_air, 0);
    g_array_append_val(ids, id);
  }
  sqlite3_reset(on_air);
  gboolean ok = rc == SQLITE_DONE || loa_db_set_error(error, log->db, _("reading the as-run log"));
  /* What played before the stop is not known: the measured start stays, the
   * end and sample count stay unknown. */
  for (guint i = 0; ok && i < ids->len; i++)
    ok = complete_locked(log, g_array_index(ids, gint64, i), LOA_AIRING_INTERRUPTED, -1, -1, -1,
                         -1, reason, NULL, error);
  if (!ok || !loa_db_commit(log->db, error)) {
    loa_db_rollback(log->db);
    return -1;
  }
  return (int)ids->len;
}

/* Rows completed before the chain existed (schema 0002) get their place once,
 * in completion order. */
static gboolean
chain_unchained(LoaAirlog *log, GError **error)
{
  sqlite3_stmt *select = log->stmts[STMT_UNCHAINED];
  sqlite3_reset(select);
  int rc = sqlite3_step(select);
  sqlite3_reset(select);
  if (rc == SQLITE_DONE)
    return TRUE;
  if (rc != SQLITE_ROW)
    return loa_db_set_error(error, log->db, _("reading the as-run log"));

  if (!loa_db_begin(log->db, error))
    return FALSE;
  gboolean ok = TRUE;
  while (ok && (rc = sqlite3_step(select)) == SQLITE_ROW) {
    g_autoptr(LoaAiring) airing = airing_from_row(select);
    sqlite3_stmt *set = log->stmts[STMT_SET_CHAIN];
    ok = link_into_chain(log, airing, error) &&
         loa_db_bind(set, error, "ittii", airing->chain_seq, airing->prev_hash, airing->hash,
                     (gint64)airing->chain_version, airing->id) &&
         loa_db_step_done(set, error);
  }
  sqlite3_reset(select);
  if (ok && rc != SQLITE_DONE)
    ok = loa_db_set_error(error, log->db, _("reading the as-run log"));
  if (!ok || !loa_db_commit(log->db, error)) {
    loa_db_rollback(log->db);
    return FALSE;
  }
  return TRUE;
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
  g_free(airing->prev_hash);
  g_free(airing->hash);
  g_free(airing->switches);
  g_free(airing->monitor);
  g_free(airing);
}

gboolean
loa_airlog_chain_foreach(sqlite3 *db, gint64 first_seq, gint64 last_seq,
                         LoaAiringFunc func, gpointer user_data, GError **error)
{
  static const char sql[] =
    "SELECT " AIRING_COLUMNS " FROM airings WHERE chain_seq >= ?1"
    " AND (?2 = 0 OR chain_seq <= ?2) ORDER BY chain_seq";
  g_autoptr(sqlite3_stmt) stmt = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return loa_db_set_error(error, db, _("reading the as-run log"));
  if (!loa_db_bind(stmt, error, "ii", first_seq, last_seq))
    return FALSE;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    LoaAiring *airing = airing_from_row(stmt);
    gboolean go_on = func(airing, user_data);
    if (!go_on)
      return TRUE;
  }
  if (rc != SQLITE_DONE)
    return loa_db_set_error(error, db, _("reading the as-run log"));
  return TRUE;
}

static gboolean
collect_row(LoaAiring *airing, gpointer user_data)
{
  g_ptr_array_add(user_data, airing);
  return TRUE;
}

GPtrArray *
loa_airlog_chain_rows(sqlite3 *db, gint64 first_seq, gint64 last_seq, GError **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)loa_airing_free);
  if (!loa_airlog_chain_foreach(db, first_seq, last_seq, collect_row, rows, error))
    return NULL;
  return g_steal_pointer(&rows);
}

GPtrArray *
loa_airlog_query(sqlite3 *db, const LoaAirlogFilter *filter, GError **error)
{
  static const char sql[] =
    "SELECT " AIRING_COLUMNS " FROM airings"
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
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
    g_ptr_array_add(rows, airing_from_row(stmt));
  if (rc != SQLITE_DONE) {
    loa_db_set_error(error, db, _("reading the as-run log"));
    return NULL;
  }
  return g_steal_pointer(&rows);
}
