/* The spot catalog (see spot.h): reading rows of the `spots` table into
 * LoaSpot, and the one INSERT that ingest uses.
 *
 * The functions take the connection rather than a catalog handle, so each
 * call prepares the one statement it needs from the table below and finalizes
 * it on return. Catalog calls are rare (a command, a daemon preparing an
 * airing seconds ahead), so preparing costs nothing that matters.
 *
 * Changes after ingest run in one transaction with their review-trail row:
 * a status that changed without a trace, or a trace of a change that did not
 * happen, would defeat the trail's purpose. */
#define G_LOG_DOMAIN "loa-library"

#include "spot.h"
#include "spot-airable.h"

#include "db.h"
#include "i18n.h"
#include "loa-cleanup.h"
#include "loa-time.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>


G_DEFINE_QUARK(loa-spot-error-quark, loa_spot_error)

/* The columns ingest inserts, and every SELECT returns first, in the order
 * read_row() expects. */
#define SPOT_COLUMNS                                                                      \
  "id, title, category, topic, language, supplier, original_name, file_name, sha256, "    \
  "file_size, container, codec, sample_rate, channels, frames, duration_ns, status, "     \
  "added_by, added_at, notes, loudness_lufs, true_peak_dbtp, loudness_range_lu, "         \
  "cue_in_ns, cue_out_ns, valid_from, valid_until, tags, bulletin_text, file_mtime_ns, "  \
  "approved_by, approved_at, air_file_name, air_sha256, air_file_size, air_mtime_ns"

/* What SELECTs read beyond the inserted columns: decisions taken later. */
#define SPOT_SELECT_COLUMNS SPOT_COLUMNS ", retired_by, retired_at"

typedef enum {
  STMT_GET,
  STMT_FIND_BY_SHA256,
  STMT_LIST,
  STMT_INSERT,
  STMT_INSERT_EVENT,
  STMT_EDIT,
  STMT_APPROVE,
  STMT_RETIRE,
  STMT_SET_AIR_COPY,
  STMT_HISTORY,
  STMT_COUNT
} Statement;

static const char *const statement_sql[STMT_COUNT] = {
  [STMT_GET] = "SELECT " SPOT_SELECT_COLUMNS " FROM spots WHERE id = ?1",
  [STMT_FIND_BY_SHA256] = "SELECT " SPOT_SELECT_COLUMNS " FROM spots WHERE sha256 = ?1",
  [STMT_LIST] = "SELECT " SPOT_SELECT_COLUMNS " FROM spots ORDER BY id",
  [STMT_INSERT] = "INSERT INTO spots (" SPOT_COLUMNS ") VALUES "
                  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
                  "?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, NULLIF(?30, 0), "
                  "?31, NULLIF(?32, 0), ?33, ?34, NULLIF(?35, 0), NULLIF(?36, 0))",
  [STMT_INSERT_EVENT] = "INSERT INTO spot_events (spot_id, action, actor, at, sha256, detail) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
  [STMT_EDIT] = "UPDATE spots SET title = ?2, category = ?3, topic = ?4, language = ?5, "
                "supplier = ?6, notes = ?7, valid_from = ?8, valid_until = ?9, tags = ?10 "
                "WHERE id = ?1",
  [STMT_APPROVE] = "UPDATE spots SET status = 'approved', approved_by = ?2, approved_at = ?3, "
                   "file_mtime_ns = ?4, retired_by = NULL, retired_at = NULL WHERE id = ?1",
  [STMT_RETIRE] = "UPDATE spots SET status = 'retired', retired_by = ?2, retired_at = ?3 "
                  "WHERE id = ?1",
  [STMT_SET_AIR_COPY] = "UPDATE spots SET air_file_name = ?2, air_sha256 = ?3, air_file_size = ?4, "
                        "air_mtime_ns = ?5 WHERE id = ?1 AND sha256 = ?6 AND air_sha256 IS NULL",
  [STMT_HISTORY] = "SELECT action, actor, at, sha256, detail FROM spot_events "
                   "WHERE spot_id = ?1 ORDER BY at, id",
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
  g_free(spot->tags);
  g_free(spot->bulletin_text);
  g_free(spot->retired_by);
  g_free(spot->air_file_name);
  g_free(spot->air_sha256);
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

static double
column_double(sqlite3_stmt *stmt, int column)
{
  return sqlite3_column_type(stmt, column) == SQLITE_NULL ? NAN : sqlite3_column_double(stmt, column);
}

static char *
column_text_or_null(sqlite3_stmt *stmt, int column)
{
  return sqlite3_column_type(stmt, column) == SQLITE_NULL ? NULL : loa_db_column_text(stmt, column);
}

/* A new LoaSpot from the current row of a SELECT SPOT_SELECT_COLUMNS. */
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
  spot->loudness_lufs = column_double(stmt, 20);
  spot->true_peak_dbtp = column_double(stmt, 21);
  spot->loudness_range_lu = column_double(stmt, 22);
  spot->cue_in_ns = sqlite3_column_int64(stmt, 23);
  spot->cue_out_ns = sqlite3_column_type(stmt, 24) == SQLITE_NULL ? spot->duration_ns
                                                                  : sqlite3_column_int64(stmt, 24);
  spot->valid_from = column_text_or_null(stmt, 25);
  spot->valid_until = column_text_or_null(stmt, 26);
  spot->tags = loa_db_column_text(stmt, 27);
  spot->bulletin_text = column_text_or_null(stmt, 28);
  spot->file_mtime_ns = sqlite3_column_int64(stmt, 29);
  spot->approved_by = column_text_or_null(stmt, 30);
  spot->approved_at = sqlite3_column_int64(stmt, 31);
  spot->air_file_name = column_text_or_null(stmt, 32);
  spot->air_sha256 = column_text_or_null(stmt, 33);
  spot->air_file_size = sqlite3_column_int64(stmt, 34);
  spot->air_mtime_ns = sqlite3_column_int64(stmt, 35);
  spot->retired_by = column_text_or_null(stmt, 36);
  spot->retired_at = sqlite3_column_int64(stmt, 37);
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

/* Appends one row to the review trail. FALSE with LOA_SPOT_ERROR_DB. */
static gboolean
record_event(sqlite3 *db, const char *id, const char *action, const char *actor, gint64 at,
             const char *sha256, const char *detail, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) local = NULL;

  if (!prepare(db, STMT_INSERT_EVENT, &stmt, error))
    return FALSE;
  if (!loa_db_bind(stmt, &local, "tttitt", id, action, actor != NULL ? actor : "", at, sha256,
                   detail) ||
      !loa_db_step_done(stmt, &local))
    return db_error(error, local);
  return TRUE;
}

gboolean
loa_spot_insert(sqlite3 *db, const LoaSpot *spot, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) local = NULL;

  if (!prepare(db, STMT_INSERT, &stmt, error))
    return FALSE;
  if (!loa_db_bind(stmt, &local, "tttttttttittiiiittitdddiittttitittii", spot->id, spot->title,
                   spot->category, spot->topic, spot->language, spot->supplier,
                   spot->original_name, spot->file_name, spot->sha256, spot->file_size,
                   spot->container, spot->codec, (gint64)spot->sample_rate,
                   (gint64)spot->channels, spot->frames, spot->duration_ns, spot->status,
                   spot->added_by, spot->added_at, spot->notes ? spot->notes : "",
                   spot->loudness_lufs, spot->true_peak_dbtp, spot->loudness_range_lu,
                   spot->cue_in_ns, spot->cue_out_ns, spot->valid_from, spot->valid_until,
                   spot->tags ? spot->tags : "", spot->bulletin_text, spot->file_mtime_ns,
                   spot->approved_by, spot->approved_at, spot->air_file_name,
                   spot->air_sha256, spot->air_file_size, spot->air_mtime_ns))
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
  if (!record_event(db, spot->id, "added", spot->added_by, spot->added_at, spot->sha256, "",
                    error))
    return FALSE;
  if (g_strcmp0(spot->status, "approved") == 0 &&
      !record_event(db, spot->id, "approved", spot->approved_by, spot->approved_at, spot->sha256,
                    _("approved at ingest (require_approval = false)"), error))
    return FALSE;
  return TRUE;
}

char *
loa_spot_path(const LoaSpot *spot, const char *library_dir)
{
  return g_build_filename(library_dir, spot->file_name, NULL);
}

void
loa_spot_event_free(LoaSpotEvent *event)
{
  if (event == NULL)
    return;
  g_free(event->action);
  g_free(event->actor);
  g_free(event->sha256);
  g_free(event->detail);
  g_free(event);
}

char *
loa_spot_clean_text(const char *where, const char *what, const char *text, gboolean multiline,
                    GError **error)
{
  if (!g_utf8_validate(text, -1, NULL)) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_INVALID, _("%s: the %s is not valid UTF-8"),
                where, what);
    return NULL;
  }
  for (const char *p = text; *p != '\0'; p++) {
    if (multiline && (*p == '\n' || *p == '\t' || *p == '\r'))
      continue;
    if ((unsigned char)*p < 0x20 || *p == 0x7f) {
      g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_INVALID,
                  multiline ? _("%s: the %s contains a control character")
                            : _("%s: the %s contains a control character (a line break?)"),
                  where, what);
      return NULL;
    }
  }
  /* NFC, so the same title typed on different systems compares equal. */
  return g_utf8_normalize(text, -1, G_NORMALIZE_DEFAULT_COMPOSE);
}

gboolean
loa_spot_language_is_valid(const char *text)
{
  size_t n = strlen(text);
  if (n == 0 || n > 35 || !g_ascii_isalpha(text[0]))
    return FALSE;
  for (size_t i = 0; i < n; i++)
    if (!g_ascii_isalnum(text[i]) && text[i] != '-')
      return FALSE;
  return TRUE;
}

char *
loa_spot_clean_tags(const char *where, const char *text, GError **error)
{
  g_autofree char *clean = loa_spot_clean_text(where, _("tag list"), text, FALSE, error);
  if (clean == NULL)
    return NULL;
  g_auto(GStrv) parts = g_strsplit(clean, ",", -1);
  g_autoptr(GString) out = g_string_new(NULL);
  for (char **part = parts; *part != NULL; part++) {
    g_strstrip(*part);
    if (**part == '\0')
      continue;
    if (out->len > 0)
      g_string_append_c(out, ',');
    g_string_append(out, *part);
  }
  return g_string_free(g_steal_pointer(&out), FALSE);
}

gboolean
loa_spot_check_validity(const char *where, const char *valid_from, const char *valid_until,
                        GError **error)
{
  LoaDate from = { 0 }, until = { 0 };
  const char *const texts[2] = { valid_from, valid_until };
  LoaDate *const dates[2] = { &from, &until };
  const char *const names[2] = { "valid_from", "valid_until" };

  for (int i = 0; i < 2; i++) {
    g_autoptr(GError) local = NULL;
    if (texts[i] != NULL && !loa_date_parse(texts[i], dates[i], &local)) {
      g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_INVALID,
                  _("%s: %s '%s' is not a date YYYY-MM-DD (%s)"), where, names[i], texts[i],
                  local->message);
      return FALSE;
    }
  }
  if (valid_from != NULL && valid_until != NULL && loa_date_compare(&from, &until) > 0) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_INVALID,
                _("%s: valid_from %s is after valid_until %s"), where, valid_from, valid_until);
    return FALSE;
  }
  return TRUE;
}

/* Replaces *slot with value if value differs from it (value NULL: no
 * change), noting name in changed. Takes value. */
static void
apply_change(char **slot, char *value, const char *name, GString *changed)
{
  if (value == NULL)
    return;
  if (g_strcmp0(*slot, value) == 0) {
    g_free(value);
    return;
  }
  g_free(*slot);
  *slot = value;
  g_string_append_printf(changed, "%s%s", changed->len > 0 ? ", " : "", name);
}

gboolean
loa_spot_edit(sqlite3 *db, const char *id, const LoaSpotEdit *edit, const char *actor,
              GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GString) changed = g_string_new(NULL);
  g_autoptr(LoaSpot) spot = loa_spot_get(db, id, error);
  if (spot == NULL)
    return FALSE;

  if (edit->category != NULL && !loa_spot_category_is_valid(edit->category)) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_INVALID,
                _("%s: '%s' is not a category (article, news, report, announcement or other)"),
                id, edit->category);
    return FALSE;
  }
  if (edit->language != NULL && !loa_spot_language_is_valid(edit->language)) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_INVALID,
                _("%s: '%s' is not a language tag (such as vi or vi-VN)"), id, edit->language);
    return FALSE;
  }
  /* Each text is cleaned before anything changes, so a bad one changes nothing. */
  struct {
    const char *value, *what, *name;
    gboolean multiline;
    char **slot;
    char *clean;
  } texts[] = {
    { edit->title, _("title"), "title", FALSE, &spot->title, NULL },
    { edit->topic, _("topic"), "topic", FALSE, &spot->topic, NULL },
    { edit->supplier, _("supplier"), "supplier", FALSE, &spot->supplier, NULL },
    { edit->notes, _("notes"), "notes", TRUE, &spot->notes, NULL },
  };
  gboolean ok = TRUE;
  for (size_t i = 0; i < G_N_ELEMENTS(texts); i++)
    if (ok && texts[i].value != NULL)
      ok = (texts[i].clean = loa_spot_clean_text(id, texts[i].what, texts[i].value,
                                                 texts[i].multiline, error)) != NULL;
  char *tags = NULL;
  if (ok && edit->tags != NULL)
    ok = (tags = loa_spot_clean_tags(id, edit->tags, error)) != NULL;
  if (!ok) {
    for (size_t i = 0; i < G_N_ELEMENTS(texts); i++)
      g_free(texts[i].clean);
    g_free(tags);
    return FALSE;
  }
  for (size_t i = 0; i < G_N_ELEMENTS(texts); i++)
    apply_change(texts[i].slot, texts[i].clean, texts[i].name, changed);
  apply_change(&spot->tags, tags, "tags", changed);
  apply_change(&spot->category, g_strdup(edit->category), "category", changed);
  apply_change(&spot->language, g_strdup(edit->language), "language", changed);

  /* "" removes a limit: NULL in the row. */
  const char *from = edit->valid_from != NULL ? edit->valid_from : spot->valid_from;
  const char *until = edit->valid_until != NULL ? edit->valid_until : spot->valid_until;
  if (from != NULL && from[0] == '\0')
    from = NULL;
  if (until != NULL && until[0] == '\0')
    until = NULL;
  if (!loa_spot_check_validity(id, from, until, error))
    return FALSE;
  if (g_strcmp0(from, spot->valid_from) != 0)
    g_string_append_printf(changed, "%svalid_from", changed->len > 0 ? ", " : "");
  if (g_strcmp0(until, spot->valid_until) != 0)
    g_string_append_printf(changed, "%svalid_until", changed->len > 0 ? ", " : "");
  if (changed->len == 0)
    return TRUE;

  g_autoptr(sqlite3_stmt) stmt = NULL;
  if (!prepare(db, STMT_EDIT, &stmt, error))
    return FALSE;
  if (!loa_db_begin(db, &local))
    return db_error(error, local);
  if (!loa_db_bind(stmt, &local, "tttttttttt", spot->id, spot->title, spot->category, spot->topic,
                   spot->language, spot->supplier, spot->notes, from, until, spot->tags) ||
      !loa_db_step_done(stmt, &local)) {
    loa_db_rollback(db);
    return db_error(error, local);
  }
  g_autofree char *detail = g_strdup_printf(_("changed: %s"), changed->str);
  if (!record_event(db, spot->id, "edited", actor, loa_time_now_wall_ns(), spot->sha256, detail,
                    error) ||
      !loa_db_commit(db, &local)) {
    if (local != NULL)
      db_error(error, local);
    loa_db_rollback(db);
    return FALSE;
  }
  return TRUE;
}

gboolean
loa_spot_approve(sqlite3 *db, const char *library_dir, const char *id, const char *actor,
                 GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(LoaSpot) spot = loa_spot_get(db, id, error);
  if (spot == NULL)
    return FALSE;
  if (actor == NULL || actor[0] == '\0') {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_INVALID,
                _("spot %s: say who approves it (--by NAME)"), id);
    return FALSE;
  }
  g_autofree char *by = loa_spot_clean_text(id, _("approver's name"), actor, FALSE, error);
  if (by == NULL)
    return FALSE;
  if (g_strcmp0(spot->status, "approved") == 0) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_STATE,
                _("spot %s is already approved (by %s)"), id,
                spot->approved_by != NULL ? spot->approved_by : "?");
    return FALSE;
  }

  /* What is approved is the exact file: check it before saying yes. */
  g_autofree char *path = loa_spot_path(spot, library_dir);
  struct stat st;
  char sha256[65];
  if (stat(path, &st) != 0) {
    int saved = errno;
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_STATE,
                _("spot %s cannot be approved: its library file %s is missing (%s)"), id, path,
                g_strerror(saved));
    return FALSE;
  }
  if (!loa_spot_hash_file(path, sha256, &local)) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_STATE,
                _("spot %s cannot be approved: %s"), id, local->message);
    return FALSE;
  }
  if (strcmp(sha256, spot->sha256) != 0) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_STATE,
                _("spot %s cannot be approved: its library file %s changed since it was added "
                  "(SHA-256 %.12s..., expected %.12s...)"),
                id, path, sha256, spot->sha256);
    return FALSE;
  }

  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 now = loa_time_now_wall_ns();
  if (!prepare(db, STMT_APPROVE, &stmt, error))
    return FALSE;
  if (!loa_db_begin(db, &local))
    return db_error(error, local);
  if (!loa_db_bind(stmt, &local, "ttii", id, by, now, loa_spot_file_mtime_ns(&st)) ||
      !loa_db_step_done(stmt, &local)) {
    loa_db_rollback(db);
    return db_error(error, local);
  }
  g_autofree char *detail = g_strdup_printf(_("was %s"), spot->status);
  if (!record_event(db, id, "approved", by, now, spot->sha256, detail, error) ||
      !loa_db_commit(db, &local)) {
    if (local != NULL)
      db_error(error, local);
    loa_db_rollback(db);
    return FALSE;
  }
  return TRUE;
}

gboolean
loa_spot_retire(sqlite3 *db, const char *id, const char *actor, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(LoaSpot) spot = loa_spot_get(db, id, error);
  if (spot == NULL)
    return FALSE;
  g_autofree char *by = loa_spot_clean_text(id, _("user name"), actor, FALSE, error);
  if (by == NULL)
    return FALSE;
  if (g_strcmp0(spot->status, "retired") == 0) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_STATE, _("spot %s is already retired"), id);
    return FALSE;
  }
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 now = loa_time_now_wall_ns();
  if (!prepare(db, STMT_RETIRE, &stmt, error))
    return FALSE;
  if (!loa_db_begin(db, &local))
    return db_error(error, local);
  if (!loa_db_bind(stmt, &local, "tti", id, by, now) || !loa_db_step_done(stmt, &local)) {
    loa_db_rollback(db);
    return db_error(error, local);
  }
  g_autofree char *detail = g_strdup_printf(_("was %s"), spot->status);
  if (!record_event(db, id, "retired", by, now, spot->sha256, detail, error) ||
      !loa_db_commit(db, &local)) {
    if (local != NULL)
      db_error(error, local);
    loa_db_rollback(db);
    return FALSE;
  }
  return TRUE;
}

gboolean
loa_spot_set_air_copy(sqlite3 *db, const char *id, const char *sha256, const char *air_file_name,
                      const char *air_sha256, gint64 air_file_size, gint64 air_mtime_ns,
                      GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) local = NULL;
  if (!prepare(db, STMT_SET_AIR_COPY, &stmt, error))
    return FALSE;
  if (!loa_db_bind(stmt, &local, "tttiit", id, air_file_name, air_sha256, air_file_size,
                   air_mtime_ns, sha256) ||
      !loa_db_step_done(stmt, &local))
    return db_error(error, local);
  if (sqlite3_changes(db) != 1) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_STATE,
                _("spot %s already has an air copy"), id);
    return FALSE;
  }
  return TRUE;
}

GPtrArray *
loa_spot_history(sqlite3 *db, const char *id, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) local = NULL;
  g_autoptr(GPtrArray) events =
    g_ptr_array_new_with_free_func((GDestroyNotify)loa_spot_event_free);
  int rc;

  if (!prepare(db, STMT_HISTORY, &stmt, error))
    return NULL;
  if (!loa_db_bind(stmt, &local, "t", id)) {
    db_error(error, local);
    return NULL;
  }
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    LoaSpotEvent *event = g_new0(LoaSpotEvent, 1);
    event->action = loa_db_column_text(stmt, 0);
    event->actor = loa_db_column_text(stmt, 1);
    event->at = sqlite3_column_int64(stmt, 2);
    event->sha256 = loa_db_column_text(stmt, 3);
    event->detail = loa_db_column_text(stmt, 4);
    g_ptr_array_add(events, event);
  }
  if (rc != SQLITE_DONE) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_DB, _("spot catalog: %s"),
                sqlite3_errmsg(db));
    return NULL;
  }
  return g_steal_pointer(&events);
}
