/* Loaded schedules in the station database (see schedule-store.h).
 *
 * Only the file's text is stored, never a parsed form: the daemon parses the
 * active content against the configuration it runs with, so what airs is
 * exactly what `loa schedule show` and the stored SHA-256 describe. */
#include "schedule-store.h"

#include "db.h"
#include "i18n.h"
#include "loa-cleanup.h"
#include "loa-time.h"

G_DEFINE_QUARK(loa-schedule-store-error-quark, loa_schedule_store_error)

typedef enum {
  STMT_DEACTIVATE,
  STMT_INSERT,
  STMT_ACTIVE,
  STMT_ACTIVE_ID,
  N_STATEMENTS
} Statement;

static const char *const statements[N_STATEMENTS] = {
  [STMT_DEACTIVATE] = "UPDATE schedules SET active = 0 WHERE active = 1",
  [STMT_INSERT] = "INSERT INTO schedules (name, source_path, sha256, content, loaded_by, "
                  "loaded_at, active) VALUES (?, ?, ?, ?, ?, ?, 1)",
  [STMT_ACTIVE] = "SELECT id, name, source_path, sha256, content, loaded_by, loaded_at "
                  "FROM schedules WHERE active = 1",
  [STMT_ACTIVE_ID] = "SELECT id FROM schedules WHERE active = 1",
};

/* The statements are prepared per call: a load happens a few times a month,
 * and the once-a-second poll of the active id is one cheap statement. */
static sqlite3_stmt *
prepare(sqlite3 *db, Statement which, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  if (!loa_db_prepare_all(db, &statements[which], 1, &stmt, error))
    return NULL;
  return stmt;
}

void
loa_stored_schedule_free(LoaStoredSchedule *stored)
{
  if (stored == NULL)
    return;
  g_free(stored->name);
  g_free(stored->source_path);
  g_free(stored->sha256);
  g_free(stored->content);
  g_free(stored->loaded_by);
  g_free(stored);
}

gint64
loa_schedule_store_load(sqlite3 *db, const char *source_path, const char *name,
                        const char *content, const char *loaded_by, GError **error)
{
  g_return_val_if_fail(db != NULL && source_path != NULL && content != NULL &&
                           loaded_by != NULL, 0);

  g_autofree char *absolute = g_canonicalize_filename(source_path, NULL);
  g_autofree char *sha256 = g_compute_checksum_for_string(G_CHECKSUM_SHA256, content, -1);
  g_autoptr(sqlite3_stmt) deactivate = prepare(db, STMT_DEACTIVATE, error);
  if (deactivate == NULL)
    return 0;
  g_autoptr(sqlite3_stmt) insert = prepare(db, STMT_INSERT, error);
  if (insert == NULL)
    return 0;

  if (!loa_db_begin(db, error))
    return 0;
  if (!loa_db_step_done(deactivate, error) ||
      !loa_db_bind(insert, error, "ttttti", name != NULL ? name : "", absolute, sha256,
                   content, loaded_by, /* loaded_at: */ loa_time_now_wall_ns()) ||
      !loa_db_step_done(insert, error)) {
    loa_db_rollback(db);
    g_prefix_error(error, _("storing the schedule: "));
    return 0;
  }
  gint64 id = sqlite3_last_insert_rowid(db);
  if (!loa_db_commit(db, error)) {
    loa_db_rollback(db);
    g_prefix_error(error, _("storing the schedule: "));
    return 0;
  }
  return id;
}

LoaStoredSchedule *
loa_schedule_store_active(sqlite3 *db, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = prepare(db, STMT_ACTIVE, error);
  if (stmt == NULL)
    return NULL;
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_DONE)
    return NULL;
  if (rc != SQLITE_ROW) {
    loa_db_set_error(error, db, _("reading the active schedule"));
    return NULL;
  }
  LoaStoredSchedule *stored = g_new0(LoaStoredSchedule, 1);
  stored->id = sqlite3_column_int64(stmt, 0);
  stored->name = loa_db_column_text(stmt, 1);
  stored->source_path = loa_db_column_text(stmt, 2);
  stored->sha256 = loa_db_column_text(stmt, 3);
  stored->content = loa_db_column_text(stmt, 4);
  stored->loaded_by = loa_db_column_text(stmt, 5);
  stored->loaded_at = sqlite3_column_int64(stmt, 6);
  return stored;
}

gint64
loa_schedule_store_active_id(sqlite3 *db, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = prepare(db, STMT_ACTIVE_ID, error);
  if (stmt == NULL)
    return 0;
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW)
    return sqlite3_column_int64(stmt, 0);
  if (rc != SQLITE_DONE)
    loa_db_set_error(error, db, _("reading the active schedule id"));
  return 0;
}
