/* Checking everything imported into the audit database again (see
 * loa_audit_verify in audit.h): each bundle's rows and hashes, the links
 * between a station's bundles, and each stored file and its signature. */
#include "audit.h"
#include "audit-private.h"

#include "chain.h"
#include "db.h"
#include "i18n.h"

#include <inttypes.h>
#include <string.h>

void
loa_audit_verify_clear(LoaAuditVerify *result)
{
  g_free(result->problem);
  *result = (LoaAuditVerify){ 0 };
}

/* The rows imported with bundle_id, as airings (chain fields set). */
static GPtrArray *
bundle_rows(LoaAudit *audit, const char *station_id, gint64 bundle_id, GError **error)
{
  GError *local = NULL;
  sqlite3_stmt *stmt = audit->stmts[STMT_VERIFY_ROWS];
  if (!loa_db_bind(stmt, &local, "ti", station_id, bundle_id)) {
    relabel(error, audit, local);
    return NULL;
  }
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)loa_airing_free);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    LoaAiring *a = g_new0(LoaAiring, 1);
    a->chain_seq = sqlite3_column_int64(stmt, 0);
    a->id = sqlite3_column_int64(stmt, 1);
    a->line = loa_db_column_text(stmt, 2);
    a->spot_id = loa_db_column_text(stmt, 3);
    a->spot_sha256 = loa_db_column_text(stmt, 4);
    a->title = loa_db_column_text(stmt, 5);
    a->category = loa_db_column_text(stmt, 6);
    a->topic = loa_db_column_text(stmt, 7);
    a->priority = loa_db_column_text(stmt, 8);
    a->event_ref = loa_db_column_text(stmt, 9);
    a->scheduled_at = sqlite3_column_int64(stmt, 10);
    a->started_at = sqlite3_column_int64(stmt, 11);
    a->ended_at = sqlite3_column_int64(stmt, 12);
    a->samples = sqlite3_column_int64(stmt, 13);
    a->sample_rate = sqlite3_column_int(stmt, 14);
    a->status = loa_db_column_text(stmt, 15);
    a->reason = loa_db_column_text(stmt, 16);
    a->completed_at = sqlite3_column_int64(stmt, 17);
    a->prev_hash = loa_db_column_text(stmt, 18);
    a->hash = loa_db_column_text(stmt, 19);
    a->chain_version = sqlite3_column_int(stmt, 20);
    a->gain_known = sqlite3_column_int(stmt, 21);
    a->gain_db = sqlite3_column_double(stmt, 22);
    a->switches = loa_db_column_text(stmt, 23);
    a->monitor = loa_db_column_text(stmt, 24);
    a->monitor_lufs_known = sqlite3_column_int(stmt, 25);
    a->monitor_lufs = sqlite3_column_double(stmt, 26);
    g_ptr_array_add(rows, a);
  }
  sqlite3_reset(stmt);
  if (rc != SQLITE_DONE) {
    db_error(error, audit, _("reading the imported rows"));
    return NULL;
  }
  return g_steal_pointer(&rows);
}

/* The bundle being checked, as its row in the bundles table says. */
typedef struct {
  gint64 id;
  const char *station_id, *period;
  gint64 first_seq, last_seq, row_count;
  const char *head_before, *head_after, *signature, *file_sha256;
  const void *data;
  gsize length;
  GPtrArray *keys;  /* the station's (LoaAuditKey *) */
} Stored;

/* The stored file again: whole, signed by a key of the station valid for it
 * (as at import), and carrying
 * exactly the rows and heads the database has. A problem or NULL. */
static char *
check_file(const Stored *b, GPtrArray *rows)
{
  g_autofree char *sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256, b->data, b->length);
  if (strcmp(sha, b->file_sha256) != 0)
    return g_strdup(_("its stored file is not the file that was imported (SHA-256 differs)"));
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new_static(b->data, b->length);
  g_autoptr(LoaBundle) bundle = loa_bundle_parse(bytes, &error);
  g_autoptr(GPtrArray) airings = NULL;
  if (bundle == NULL || b->keys->len == 0 || !loa_audit_check_signature(bundle, b->keys, &error) ||
      !loa_bundle_verify_chain(bundle, &airings, &error))
    return g_strdup_printf(_("its stored file: %s"),
                           error != NULL ? error->message : _("the station has no key"));
  if (strcmp(bundle->signature, b->signature) != 0 || bundle->first_seq != b->first_seq ||
      bundle->last_seq != b->last_seq || strcmp(bundle->head_before, b->head_before) != 0 ||
      strcmp(bundle->head_after, b->head_after) != 0 ||
      strcmp(bundle->station_id, b->station_id) != 0)
    return g_strdup(_("its stored file does not say what the bundles table says (positions, "
                      "heads or signature differ)"));
  if (airings->len != rows->len)
    return g_strdup_printf(_("its signed file carries %u rows but the database has %u"),
                           airings->len, rows->len);
  g_autoptr(GString) signed_text = g_string_new(NULL);
  g_autoptr(GString) stored_text = g_string_new(NULL);
  for (guint i = 0; i < rows->len; i++) {
    g_string_truncate(signed_text, 0);
    g_string_truncate(stored_text, 0);
    loa_chain_canonical(b->station_id, airings->pdata[i], signed_text);
    loa_chain_canonical(b->station_id, rows->pdata[i], stored_text);
    if (strcmp(signed_text->str, stored_text->str) != 0)
      return g_strdup_printf(_("row %" PRId64 " in the database is not the row the "
                               "station signed"),
                             ((LoaAiring *)rows->pdata[i])->chain_seq);
  }
  return NULL;
}

/* The bundle's rows as the database has them: positions, chain, heads. */
static char *
check_rows(const Stored *b, GPtrArray *rows, gint64 *walked)
{
  gint64 expected = b->last_seq - b->first_seq + 1;
  if ((gint64)rows->len != expected || b->row_count != expected)
    return g_strdup_printf(_("it should have %" PRId64 " rows (%" PRId64
                             "-%" PRId64 ") but the database has %u"),
                           expected, b->first_seq, b->last_seq, rows->len);
  if (rows->len > 0 && ((LoaAiring *)rows->pdata[0])->chain_seq != b->first_seq)
    return g_strdup_printf(_("its first row is %" PRId64 ", not %" PRId64),
                           ((LoaAiring *)rows->pdata[0])->chain_seq, b->first_seq);
  g_auto(LoaChainReport) chain = { 0 };
  loa_chain_verify_rows(b->station_id, rows, b->head_before, &chain);
  *walked += chain.rows;
  if (chain.problem != NULL)
    return g_strdup_printf(_("broken chain at row %" PRId64 ": %s"), chain.bad_seq,
                           chain.problem);
  if (strcmp(chain.head, b->head_after) != 0)
    return g_strdup(_("its rows do not end at the head the bundle stated"));
  return NULL;
}

gboolean
loa_audit_verify(LoaAudit *audit, LoaAuditVerify *result, GError **error)
{
  loa_audit_verify_clear(result);
  sqlite3_stmt *stmt = audit->stmts[STMT_VERIFY_BUNDLES];
  sqlite3_reset(stmt);
  g_autofree char *last_station = NULL, *last_head = NULL, *last_period = NULL;
  g_autoptr(GPtrArray) keys = NULL;
  gint64 last_seq = 0, last_id = 0;
  int rc = SQLITE_DONE;
  while (result->problem == NULL && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    Stored b = {
      .id = sqlite3_column_int64(stmt, 0),
      .station_id = (const char *)sqlite3_column_text(stmt, 1),
      .period = (const char *)sqlite3_column_text(stmt, 2),
      .first_seq = sqlite3_column_int64(stmt, 3),
      .last_seq = sqlite3_column_int64(stmt, 4),
      .row_count = sqlite3_column_int64(stmt, 5),
      .head_before = (const char *)sqlite3_column_text(stmt, 6),
      .head_after = (const char *)sqlite3_column_text(stmt, 7),
      .signature = (const char *)sqlite3_column_text(stmt, 8),
      .file_sha256 = (const char *)sqlite3_column_text(stmt, 9),
      .data = sqlite3_column_blob(stmt, 10),
      .length = (gsize)sqlite3_column_bytes(stmt, 10),
    };
    char *problem = NULL;
    gboolean same_station = g_strcmp0(last_station, b.station_id) == 0;
    if (!same_station) {
      result->stations++;
      g_clear_pointer(&keys, g_ptr_array_unref);
      keys = loa_audit_station_keys(audit, b.station_id, error);
      if (keys == NULL) {
        sqlite3_reset(stmt);
        return FALSE;
      }
    }
    b.keys = keys;
    /* Consecutive bundles of a station link, as at import. */
    if (same_station && b.first_seq != last_seq + 1)
      problem = g_strdup_printf(_("it starts at row %" PRId64 " but bundle #%"
                                  PRId64 " (%s) ends at row %" PRId64),
                                b.first_seq, last_id, last_period, last_seq);
    else if (same_station && strcmp(b.head_before, last_head) != 0)
      problem = g_strdup_printf(_("its head before is not the head after bundle #%" PRId64
                                  " (%s)"),
                                last_id, last_period);
    if (problem == NULL) {
      g_autoptr(GPtrArray) rows = bundle_rows(audit, b.station_id, b.id, error);
      if (rows == NULL) {
        sqlite3_reset(stmt);
        return FALSE;
      }
      problem = check_rows(&b, rows, &result->rows);
      if (problem == NULL && b.data != NULL)
        problem = check_file(&b, rows);
      else if (b.data == NULL)
        result->unsigned_bundles++;
    }
    if (problem != NULL) {
      result->bad_bundle = b.id;
      result->problem = g_strdup_printf(_("bundle #%" PRId64 " (%s) of station '%s': %s"),
                                        b.id, b.period, b.station_id, problem);
      g_free(problem);
      break;
    }
    result->bundles++;
    g_free(last_station);
    last_station = g_strdup(b.station_id);
    g_free(last_head);
    last_head = g_strdup(b.head_after);
    g_free(last_period);
    last_period = g_strdup(b.period);
    last_seq = b.last_seq;
    last_id = b.id;
  }
  sqlite3_reset(stmt);
  if (result->problem == NULL && rc != SQLITE_DONE)
    return db_error(error, audit, _("reading the bundles"));
  return TRUE;
}
