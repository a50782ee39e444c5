/* Importing an export bundle into the audit database (see loa_audit_import
 * in audit.h): every check, in order, then the whole bundle in one
 * transaction. The signature check is shared with audit-verify.c. */
#include "audit.h"
#include "audit-private.h"

#include "db.h"
#include "i18n.h"
#include "loa-time.h"

#include <inttypes.h>
#include <string.h>

void
loa_audit_import_clear(LoaAuditImport *result)
{
  g_clear_pointer(&result->warning, g_free);
}

gboolean
loa_audit_check_signature(const LoaBundle *bundle, GPtrArray *keys, GError **error)
{
  const LoaAuditKey *current = keys->pdata[keys->len - 1];
  for (guint i = 0; i < keys->len; i++) {
    const LoaAuditKey *k = keys->pdata[i];
    if (!loa_bundle_signed_by(bundle, k->key))
      continue;
    if (bundle->until < k->valid_until)
      return TRUE;
    const LoaAuditKey *next = keys->pdata[i + 1];
    g_autofree char *change = format_utc(k->valid_until);
    g_autofree char *until = format_utc(bundle->until);
    return refuse(error, LOA_AUDIT_ERROR_RETIRED_KEY,
                  _("signed with a retired key: key %s of station '%s' was replaced by key %s "
                    "at %s, and this bundle's period ends at %s, after the change, so it was "
                    "exported after it: it must be signed with the new key"),
                  k->fingerprint, bundle->station_id, next->fingerprint, change, until);
  }
  g_autoptr(LoaStationKey) named = loa_station_key_new_from_text(bundle->public_key, NULL);
  if (named != NULL && loa_bundle_signed_by(bundle, named)) {
    g_autofree char *other = loa_station_key_fingerprint(named);
    g_set_error(error, LOA_BUNDLE_ERROR, LOA_BUNDLE_ERROR_SIGNATURE,
                _("bad signature: signed with another key (fingerprint %s), which is not "
                  "registered for station '%s' (its current key: fingerprint %s); if the station "
                  "replaced its key, register the new one first: loa audit station key %s "
                  "--statement FILE"),
                other, bundle->station_id, current->fingerprint, bundle->station_id);
    return FALSE;
  }
  g_set_error(error, LOA_BUNDLE_ERROR, LOA_BUNDLE_ERROR_SIGNATURE,
              _("bad signature: the bundle does not match the signature of any key registered "
                "for station '%s' (its current key: fingerprint %s): it was changed after "
                "signing, or signed by another key"),
              bundle->station_id, current->fingerprint);
  return FALSE;
}

/* Rows and period must not be ahead of the audit machine's clock. */
static gboolean
check_not_future(const LoaBundle *bundle, GPtrArray *airings, gint64 now, GError **error)
{
  gint64 limit = now + LOA_AUDIT_CLOCK_TOLERANCE_NS;
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
  if (bundle->until > limit) {
    g_autofree char *until = loa_time_format_iso(utc, bundle->until);
    g_autofree char *now_text = loa_time_format_iso(utc, now);
    return refuse(error, LOA_AUDIT_ERROR_FUTURE,
                  _("from the future: its period ends at %s, but it is %s now"), until, now_text);
  }
  for (guint i = 0; i < airings->len; i++) {
    const LoaAiring *a = airings->pdata[i];
    gint64 latest = MAX(MAX(a->scheduled_at, a->started_at), MAX(a->ended_at, a->completed_at));
    if (latest > limit) {
      g_autofree char *when = loa_time_format_iso(utc, latest);
      g_autofree char *now_text = loa_time_format_iso(utc, now);
      return refuse(error, LOA_AUDIT_ERROR_FUTURE,
                    _("from the future: row %" PRId64 " has a time (%s) after now (%s)"),
                    a->chain_seq, when, now_text);
    }
  }
  return TRUE;
}

/* Inside the import transaction: duplicate, replay, gap and overlap. Sets
 * *warning for a first bundle that does not start the chain. */
static gboolean
check_link(LoaAudit *audit, const LoaBundle *bundle, char **warning, GError **error)
{
  GError *local = NULL;
  sqlite3_stmt *stmt = audit->stmts[STMT_DUPLICATE];
  if (!loa_db_bind(stmt, &local, "ttttii", bundle->signature, bundle->station_id,
                   bundle->head_before, bundle->head_after, bundle->from, bundle->until))
    return relabel(error, audit, local);
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) {
    gint64 id = sqlite3_column_int64(stmt, 0);
    g_autofree char *period = loa_db_column_text(stmt, 1);
    sqlite3_reset(stmt);
    return refuse(error, LOA_AUDIT_ERROR_DUPLICATE,
                  _("duplicate: this bundle was imported already, as bundle #%" PRId64
                    " (%s)"),
                  id, period);
  }
  sqlite3_reset(stmt);
  if (rc != SQLITE_DONE)
    return db_error(error, audit, _("reading the bundles"));

  stmt = audit->stmts[STMT_LAST_BUNDLE];
  if (!loa_db_bind(stmt, &local, "t", bundle->station_id))
    return relabel(error, audit, local);
  rc = sqlite3_step(stmt);
  if (rc == SQLITE_DONE) {
    sqlite3_reset(stmt);
    if (bundle->first_seq > 1)
      *warning = g_strdup_printf(_("the first bundle of station '%s' starts at row %"
                                   PRId64 " of its log: rows before it were never "
                                   "audited"),
                                 bundle->station_id, bundle->first_seq);
  } else if (rc == SQLITE_ROW) {
    gint64 last_id = sqlite3_column_int64(stmt, 0);
    g_autofree char *last_period = loa_db_column_text(stmt, 1);
    gint64 last_seq = sqlite3_column_int64(stmt, 2);
    g_autofree char *last_head = loa_db_column_text(stmt, 3);
    sqlite3_reset(stmt);
    if (bundle->first_seq <= last_seq)
      return bundle->last_seq >= bundle->first_seq
               ? refuse(error, LOA_AUDIT_ERROR_REPLAY,
                        _("replay: rows %" PRId64 "-%" PRId64
                          " were imported already (bundle #%" PRId64 " (%s) ends at row %"
                          PRId64 ")"),
                        bundle->first_seq, bundle->last_seq, last_id, last_period, last_seq)
               : refuse(error, LOA_AUDIT_ERROR_REPLAY,
                        _("replay: this empty bundle lies at row %" PRId64
                          ", before the end of bundle #%" PRId64 " (%s), row %"
                          PRId64),
                        bundle->first_seq - 1, last_id, last_period, last_seq);
    if (bundle->first_seq > last_seq + 1)
      return refuse(error, LOA_AUDIT_ERROR_GAP,
                    _("gap after bundle #%" PRId64 " (%s): it ends at row %"
                      PRId64 " but this bundle starts at row %" PRId64
                      "; rows %" PRId64 "-%" PRId64 " are missing"),
                    last_id, last_period, last_seq, bundle->first_seq, last_seq + 1,
                    bundle->first_seq - 1);
    if (strcmp(bundle->head_before, last_head) != 0)
      return refuse(error, LOA_AUDIT_ERROR_GAP,
                    _("gap after bundle #%" PRId64 " (%s): the chain head before this "
                      "bundle (%.12s...) is not the head after that one (%.12s...): the "
                      "station's log was rewritten in between"),
                    last_id, last_period, bundle->head_before, last_head);
  } else {
    sqlite3_reset(stmt);
    return db_error(error, audit, _("reading the bundles"));
  }

  stmt = audit->stmts[STMT_OVERLAP];
  if (!loa_db_bind(stmt, &local, "tii", bundle->station_id, bundle->from, bundle->until))
    return relabel(error, audit, local);
  rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) {
    gint64 id = sqlite3_column_int64(stmt, 0);
    g_autofree char *period = loa_db_column_text(stmt, 1);
    sqlite3_reset(stmt);
    return refuse(error, LOA_AUDIT_ERROR_OVERLAP,
                  _("its period %s overlaps bundle #%" PRId64 " (%s)"), bundle->period,
                  id, period);
  }
  sqlite3_reset(stmt);
  if (rc != SQLITE_DONE)
    return db_error(error, audit, _("reading the bundles"));
  return TRUE;
}

static gboolean
insert_bundle(LoaAudit *audit, const LoaBundle *bundle, GPtrArray *airings, const char *source,
              const char *warning, gint64 now, gint64 *bundle_id, GError **error)
{
  GError *local = NULL;
  gsize length = 0;
  const guint8 *data = g_bytes_get_data(bundle->data, &length);
  g_autofree char *file_sha256 = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, length);
  sqlite3_stmt *stmt = audit->stmts[STMT_INSERT_BUNDLE];
  if (!loa_db_bind(stmt, &local, "ttttiiiiitttttti", bundle->station_id, bundle->station_name,
                   bundle->timezone_name, bundle->period, bundle->from, bundle->until,
                   bundle->first_seq, bundle->last_seq, (gint64)airings->len, bundle->head_before,
                   bundle->head_after, bundle->signature, file_sha256, source,
                   warning != NULL ? warning : "", now) ||
      !loa_db_step_done(stmt, &local))
    return relabel(error, audit, local);
  *bundle_id = sqlite3_last_insert_rowid(audit->db);

  stmt = audit->stmts[STMT_INSERT_AIRING];
  for (guint i = 0; i < airings->len; i++) {
    const LoaAiring *a = airings->pdata[i];
    if (!loa_db_bind(stmt, &local, "tiiittttttttiiiiittittiidttid", bundle->station_id,
                     a->chain_seq, *bundle_id, a->id, a->line, a->spot_id, a->spot_sha256,
                     a->title, a->category, a->topic, a->priority, a->event_ref, a->scheduled_at,
                     a->started_at, a->ended_at, a->samples, (gint64)a->sample_rate, a->status,
                     a->reason, a->completed_at, a->prev_hash, a->hash,
                     (gint64)a->chain_version, (gint64)a->gain_known, a->gain_db, a->switches,
                     a->monitor, (gint64)a->monitor_lufs_known, a->monitor_lufs) ||
        !loa_db_step_done(stmt, &local))
      return relabel(error, audit, local);
  }

  stmt = audit->stmts[STMT_INSERT_FILE];
  sqlite3_reset(stmt);
  if (sqlite3_bind_int64(stmt, 1, *bundle_id) != SQLITE_OK ||
      sqlite3_bind_blob64(stmt, 2, data, length, SQLITE_STATIC) != SQLITE_OK)
    return db_error(error, audit, _("storing the bundle file"));
  if (!loa_db_step_done(stmt, &local))
    return relabel(error, audit, local);
  return TRUE;
}

gboolean
loa_audit_import(LoaAudit *audit, const LoaBundle *bundle, const char *source, gint64 now,
                 LoaAuditImport *result, GError **error)
{
  g_autoptr(GPtrArray) keys = loa_audit_registered_keys(audit, bundle->station_id, error);
  if (keys == NULL)
    return FALSE;
  g_autoptr(GPtrArray) airings = NULL;
  if (!loa_audit_check_signature(bundle, keys, error) ||
      !loa_bundle_verify_chain(bundle, &airings, error))
    return FALSE;
  if (bundle->from >= bundle->until)
    return refuse(error, LOA_AUDIT_ERROR_INVALID, _("its period %s is empty"), bundle->period);
  if (!check_not_future(bundle, airings, now, error))
    return FALSE;

  /* The link checks and the insert see the same database: one write
   * transaction, so two imports cannot both follow the same bundle. */
  GError *local = NULL;
  if (!loa_db_begin(audit->db, &local))
    return relabel(error, audit, local);
  g_autofree char *warning = NULL;
  gint64 bundle_id = 0;
  if (!check_link(audit, bundle, &warning, error) ||
      !insert_bundle(audit, bundle, airings, source, warning, now, &bundle_id, error)) {
    loa_db_rollback(audit->db);
    return FALSE;
  }
  if (!loa_db_commit(audit->db, &local)) {
    loa_db_rollback(audit->db);
    return relabel(error, audit, local);
  }
  result->bundle_id = bundle_id;
  result->rows = airings->len;
  result->warning = g_steal_pointer(&warning);
  return TRUE;
}
