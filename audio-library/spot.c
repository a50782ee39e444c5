/* The spot catalog (see spot.h): reading rows of the `spots` table into
 * LoaSpot, and the one INSERT that ingest uses.
 *
 * The functions take the connection rather than a catalog handle, so each
 * call prepares the one statement it needs from the table below and finalizes
 * it on return. Catalog calls are rare (a command, a daemon preparing an
 * airing seconds ahead), so preparing costs nothing that matters. */
#define G_LOG_DOMAIN "loa-library"

#include "spot.h"

#include "db.h"
#include "i18n.h"
#include "loa-cleanup.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK(loa-spot-error-quark, loa_spot_error)

/* The columns every SELECT returns, in the order read_row() expects. */
#define SPOT_COLUMNS                                                                      \
  "id, title, category, topic, language, supplier, original_name, file_name, sha256, "    \
  "file_size, container, codec, sample_rate, channels, frames, duration_ns, status, "     \
  "added_by, added_at"

/* What SELECTs read beyond the inserted columns: facts and decisions recorded
 * after ingest (NULL where not known or not set). */
#define SPOT_SELECT_COLUMNS                                                               \
  SPOT_COLUMNS ", notes, loudness_lufs, true_peak_dbtp, cue_in_ns, cue_out_ns, "          \
  "valid_from, valid_until, approved_by, approved_at"

typedef enum {
  STMT_GET,
  STMT_FIND_BY_SHA256,
  STMT_LIST,
  STMT_INSERT,
  STMT_COUNT
} Statement;

static const char *const statement_sql[STMT_COUNT] = {
  [STMT_GET] = "SELECT " SPOT_SELECT_COLUMNS " FROM spots WHERE id = ?1",
  [STMT_FIND_BY_SHA256] = "SELECT " SPOT_SELECT_COLUMNS " FROM spots WHERE sha256 = ?1",
  [STMT_LIST] = "SELECT " SPOT_SELECT_COLUMNS " FROM spots ORDER BY id",
  [STMT_INSERT] = "INSERT INTO spots (" SPOT_COLUMNS ") VALUES "
                  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
                  "?18, ?19)",
};

static const char *const categories[] = { "article", "news", "report", "announcement", "other" };

/* Prepares statement which into *stmt. On failure sets LOA_SPOT_ERROR_DB. */
static gboolean
prepare(sqlite3 *db, Statement which, sqlite3_stmt **stmt, GError **error)
{
  g_autoptr(GError) local = NULL;
  if (!loa_db_prepare_all(db, &statement_sql[which], 1, stmt, &local)) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_DB, _("spot catalog: %s"), local->message);
    return FALSE;
  }
  return TRUE;
}

/* Re-labels a database error as LOA_SPOT_ERROR_DB (keeping its message). Returns FALSE. */
static gboolean
db_error(GError **error, GError *local)
{
  g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_DB, _("spot catalog: %s"), local->message);
  return FALSE;
}

void
loa_spot_free(LoaSpot *spot)
{
  if (spot == NULL)
    return;
  g_free(spot->id);
  g_free(spot->title);
  g_free(spot->category);
  g_free(spot->topic);
  g_free(spot->language);
  g_free(spot->supplier);
  g_free(spot->original_name);
  g_free(spot->file_name);
  g_free(spot->sha256);
  g_free(spot->container);
  g_free(spot->codec);
  g_free(spot->status);
  g_free(spot->added_by);
  g_free(spot->notes);
  g_free(spot->valid_from);
  g_free(spot->valid_until);
  g_free(spot->approved_by);
  g_free(spot);
}

gboolean
loa_spot_category_is_valid(const char *category)
{
  for (size_t i = 0; i < G_N_ELEMENTS(categories); i++)
    if (g_strcmp0(category, categories[i]) == 0)
      return TRUE;
  return FALSE;
}

/* A new LoaSpot from the current row of a SELECT SPOT_COLUMNS. */
static LoaSpot *
read_row(sqlite3_stmt *stmt)
{
  LoaSpot *spot = g_new0(LoaSpot, 1);
  spot->id = loa_db_column_text(stmt, 0);
  spot->title = loa_db_column_text(stmt, 1);
  spot->category = loa_db_column_text(stmt, 2);
  spot->topic = loa_db_column_text(stmt, 3);
  spot->language = loa_db_column_text(stmt, 4);
  spot->supplier = loa_db_column_text(stmt, 5);
  spot->original_name = loa_db_column_text(stmt, 6);
  spot->file_name = loa_db_column_text(stmt, 7);
  spot->sha256 = loa_db_column_text(stmt, 8);
  spot->file_size = sqlite3_column_int64(stmt, 9);
  spot->container = loa_db_column_text(stmt, 10);
  spot->codec = loa_db_column_text(stmt, 11);
  spot->sample_rate = sqlite3_column_int(stmt, 12);
  spot->channels = sqlite3_column_int(stmt, 13);
  spot->frames = sqlite3_column_int64(stmt, 14);
  spot->duration_ns = sqlite3_column_int64(stmt, 15);
  spot->status = loa_db_column_text(stmt, 16);
  spot->added_by = loa_db_column_text(stmt, 17);
  spot->added_at = sqlite3_column_int64(stmt, 18);
  spot->notes = loa_db_column_text(stmt, 19);
  spot->loudness_lufs = sqlite3_column_type(stmt, 20) == SQLITE_NULL ? NAN : sqlite3_column_double(stmt, 20);
  spot->true_peak_dbtp = sqlite3_column_type(stmt, 21) == SQLITE_NULL ? NAN : sqlite3_column_double(stmt, 21);
  spot->cue_in_ns = sqlite3_column_type(stmt, 22) == SQLITE_NULL ? 0 : sqlite3_column_int64(stmt, 22);
  spot->cue_out_ns = sqlite3_column_type(stmt, 23) == SQLITE_NULL ? spot->duration_ns
                                                                  : sqlite3_column_int64(stmt, 23);
  spot->valid_from = sqlite3_column_type(stmt, 24) == SQLITE_NULL ? NULL : loa_db_column_text(stmt, 24);
  spot->valid_until = sqlite3_column_type(stmt, 25) == SQLITE_NULL ? NULL : loa_db_column_text(stmt, 25);
  spot->approved_by = sqlite3_column_type(stmt, 26) == SQLITE_NULL ? NULL : loa_db_column_text(stmt, 26);
  spot->approved_at = sqlite3_column_int64(stmt, 27);
  return spot;
}

/* Runs a bound single-row SELECT. Returns the spot, or NULL: with no error if
 * there is no row, with LOA_SPOT_ERROR_DB if the step failed. */
static LoaSpot *
fetch_one(sqlite3_stmt *stmt, GError **error)
{
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW)
    return read_row(stmt);
  if (rc != SQLITE_DONE) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_DB, _("spot catalog: %s"),
                sqlite3_errmsg(sqlite3_db_handle(stmt)));
  }
  return NULL;
}

LoaSpot *
loa_spot_get(sqlite3 *db, const char *id, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) local = NULL;

  if (!prepare(db, STMT_GET, &stmt, error))
    return NULL;
  if (!loa_db_bind(stmt, &local, "t", id)) {
    db_error(error, local);
    return NULL;
  }
  LoaSpot *spot = fetch_one(stmt, &local);
  if (spot == NULL) {
    if (local != NULL)
      g_propagate_error(error, g_steal_pointer(&local));
    else
      g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_FOUND, _("no spot with id '%s'"), id);
  }
  return spot;
}

LoaSpot *
loa_spot_find_by_sha256(sqlite3 *db, const char *sha256, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) local = NULL;

  if (!prepare(db, STMT_FIND_BY_SHA256, &stmt, error))
    return NULL;
  if (!loa_db_bind(stmt, &local, "t", sha256)) {
    db_error(error, local);
    return NULL;
  }
  return fetch_one(stmt, error);
}

GPtrArray *
loa_spot_list(sqlite3 *db, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) spots = g_ptr_array_new_with_free_func((GDestroyNotify)loa_spot_free);
  int rc;

  if (!prepare(db, STMT_LIST, &stmt, error))
    return NULL;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
    g_ptr_array_add(spots, read_row(stmt));
  if (rc != SQLITE_DONE) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_DB, _("spot catalog: %s"),
                sqlite3_errmsg(db));
    return NULL;
  }
  return g_steal_pointer(&spots);
}

gboolean
loa_spot_insert(sqlite3 *db, const LoaSpot *spot, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) local = NULL;

  if (!prepare(db, STMT_INSERT, &stmt, error))
    return FALSE;
  if (!loa_db_bind(stmt, &local, "tttttttttittiiiitti", spot->id, spot->title, spot->category,
                   spot->topic, spot->language, spot->supplier, spot->original_name,
                   spot->file_name, spot->sha256, spot->file_size, spot->container, spot->codec,
                   (gint64)spot->sample_rate, (gint64)spot->channels, spot->frames,
                   spot->duration_ns, spot->status, spot->added_by, spot->added_at))
    return db_error(error, local);
  if (!loa_db_step_done(stmt, &local)) {
    /* local's message quotes the whole INSERT; SQLite's own text is enough. */
    if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_PRIMARYKEY)
      g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_EXISTS,
                  _("the id '%s' is already used by another spot"), spot->id);
    else
      g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_DB,
                  _("spot catalog: cannot add spot '%s': %s"), spot->id, sqlite3_errmsg(db));
    return FALSE;
  }
  return TRUE;
}

char *
loa_spot_path(const LoaSpot *spot, const char *library_dir)
{
  return g_build_filename(library_dir, spot->file_name, NULL);
}
