/* Stations of the audit database and their keys (see audit.h): registering
 * a station with its first key, listing its keys, and adding the key that
 * replaces the current one, checked by the city or vouched for by a
 * key-change statement. */
#include "audit.h"
#include "audit-private.h"

#include "config.h"
#include "db.h"
#include "i18n.h"
#include "loa-time.h"

#include <inttypes.h>
#include <string.h>

gboolean
loa_audit_station_add(LoaAudit *audit, const char *id, const char *name, const LoaStationKey *key,
                      GError **error)
{
  if (!loa_config_id_is_valid(id)) {
    g_set_error(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_INVALID,
                _("'%s' is not a valid station id (1-64 letters, digits, '.', '_' or '-')"), id);
    return FALSE;
  }
  if (name != NULL && (!g_utf8_validate(name, -1, NULL) || strpbrk(name, "\r\n") != NULL)) {
    g_set_error(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_INVALID,
                _("the station name must be one line of UTF-8 text"));
    return FALSE;
  }
  GError *local = NULL;
  sqlite3_stmt *stmt = audit->stmts[STMT_STATION];
  if (!loa_db_bind(stmt, &local, "t", id))
    return relabel(error, audit, local);
  int rc = sqlite3_step(stmt);
  sqlite3_reset(stmt);
  if (rc == SQLITE_ROW) {
    g_set_error(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_STATION_EXISTS,
                _("station '%s' is registered already; to register a new key of it: loa audit "
                  "station key %s --statement FILE (the station's key-change statement), or "
                  "--key PUBLIC-KEY [--from DATE] (a key you checked with the station)"),
                id, id);
    return FALSE;
  }
  if (rc != SQLITE_DONE)
    return db_error(error, audit, _("reading the stations"));

  g_autofree char *public_text = loa_station_key_public_text(key);
  g_autofree char *fingerprint = loa_station_key_fingerprint(key);
  gint64 now = loa_time_now_wall_ns();
  if (!loa_db_begin(audit->db, &local))
    return relabel(error, audit, local);
  stmt = audit->stmts[STMT_ADD_STATION];
  sqlite3_stmt *key_stmt = audit->stmts[STMT_ADD_KEY];
  if (!loa_db_bind(stmt, &local, "tttti", id, name != NULL ? name : id, public_text,
                   fingerprint, now) ||
      !loa_db_step_done(stmt, &local) ||
      !loa_db_bind(key_stmt, &local, "tttitni", id, public_text, fingerprint, (gint64)0,
                   "station add", now) ||
      !loa_db_step_done(key_stmt, &local) || !loa_db_commit(audit->db, &local)) {
    loa_db_rollback(audit->db);
    return relabel(error, audit, local);
  }
  return TRUE;
}

void
loa_audit_key_free(LoaAuditKey *key)
{
  if (key == NULL)
    return;
  loa_station_key_free(key->key);
  g_free(key->fingerprint);
  g_free(key->how);
  g_free(key);
}

GPtrArray *
loa_audit_station_keys(LoaAudit *audit, const char *id, GError **error)
{
  GError *local = NULL;
  sqlite3_stmt *stmt = audit->stmts[STMT_KEYS];
  if (!loa_db_bind(stmt, &local, "t", id)) {
    relabel(error, audit, local);
    return NULL;
  }
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func((GDestroyNotify)loa_audit_key_free);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    g_autofree char *text = loa_db_column_text(stmt, 0);
    LoaAuditKey *k = g_new0(LoaAuditKey, 1);
    k->key = loa_station_key_new_from_text(text, NULL);
    k->fingerprint = loa_db_column_text(stmt, 1);
    k->valid_from = sqlite3_column_int64(stmt, 2);
    k->valid_until = G_MAXINT64;
    k->how = loa_db_column_text(stmt, 3);
    if (keys->len > 0)
      ((LoaAuditKey *)keys->pdata[keys->len - 1])->valid_until = k->valid_from;
    g_ptr_array_add(keys, k);
    if (k->key == NULL) {
      sqlite3_reset(stmt);
      g_set_error(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_DB,
                  _("%s: the key registered for station '%s' is not a public key: %s"),
                  audit->path, id, text);
      return NULL;
    }
  }
  sqlite3_reset(stmt);
  if (rc != SQLITE_DONE) {
    db_error(error, audit, _("reading the station keys"));
    return NULL;
  }
  return g_steal_pointer(&keys);
}

GPtrArray *
loa_audit_registered_keys(LoaAudit *audit, const char *id, GError **error)
{
  g_autoptr(GPtrArray) keys = loa_audit_station_keys(audit, id, error);
  if (keys == NULL)
    return NULL;
  if (keys->len == 0) {
    refuse(error, LOA_AUDIT_ERROR_UNKNOWN_STATION,
           _("unknown station '%s': it is not registered (loa audit station add %s --key "
             "PUBLIC-KEY)"),
           id, id);
    return NULL;
  }
  return g_steal_pointer(&keys);
}

/* Inside a write transaction: adds key to station id's keys from valid_from
 * (see loa_audit_station_key_add); statement (may be NULL) is kept with it. */
static gboolean
add_key(LoaAudit *audit, const char *id, GPtrArray *keys, const LoaStationKey *key,
        gint64 valid_from, const char *how, GBytes *statement, gint64 now, GError **error)
{
  const LoaAuditKey *current = keys->pdata[keys->len - 1];
  g_autofree char *public_text = loa_station_key_public_text(key);
  g_autofree char *fingerprint = loa_station_key_fingerprint(key);
  g_autofree char *start = format_utc(valid_from);
  if (valid_from <= current->valid_from) {
    g_autofree char *current_start =
      current->valid_from == 0 ? g_strdup(_("the start of its log")) : format_utc(current->valid_from);
    return refuse(error, LOA_AUDIT_ERROR_KEY_START,
                  _("the new key would start at %s, but the current key of station '%s' (%s) "
                    "starts at %s: keys follow each other"),
                  start, id, current->fingerprint, current_start);
  }
  if (valid_from > now + LOA_AUDIT_CLOCK_TOLERANCE_NS) {
    g_autofree char *now_text = format_utc(now);
    return refuse(error, LOA_AUDIT_ERROR_KEY_START,
                  _("the new key would start at %s, in the future (it is %s now)"), start,
                  now_text);
  }
  /* Imported bundles keep their keys valid: each must have ended before. */
  GError *local = NULL;
  sqlite3_stmt *stmt = audit->stmts[STMT_LATEST_PERIOD];
  if (!loa_db_bind(stmt, &local, "t", id))
    return relabel(error, audit, local);
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW && sqlite3_column_int64(stmt, 2) >= valid_from) {
    gint64 bundle_id = sqlite3_column_int64(stmt, 0);
    g_autofree char *period = loa_db_column_text(stmt, 1);
    g_autofree char *until = format_utc(sqlite3_column_int64(stmt, 2));
    sqlite3_reset(stmt);
    return refuse(error, LOA_AUDIT_ERROR_KEY_START,
                  _("the new key would start at %s, but bundle #%" PRId64 " (%s), "
                    "imported already and signed with an older key, ends at %s: the new key "
                    "must start after it"),
                  start, bundle_id, period, until);
  }
  sqlite3_reset(stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return db_error(error, audit, _("reading the bundles"));

  stmt = audit->stmts[STMT_ADD_KEY];
  gsize length = 0;
  const void *data = statement != NULL ? g_bytes_get_data(statement, &length) : NULL;
  if (!loa_db_bind(stmt, &local, "tttitni", id, public_text, fingerprint, valid_from, how, now))
    return relabel(error, audit, local);
  if (data != NULL && sqlite3_bind_blob64(stmt, 6, data, length, SQLITE_STATIC) != SQLITE_OK)
    return db_error(error, audit, _("storing the key-change statement"));
  if (!loa_db_step_done(stmt, &local))
    return relabel(error, audit, local);
  stmt = audit->stmts[STMT_SET_CURRENT_KEY];
  if (!loa_db_bind(stmt, &local, "ttt", public_text, fingerprint, id) ||
      !loa_db_step_done(stmt, &local))
    return relabel(error, audit, local);
  return TRUE;
}

/* key is none of keys (a station's): KEY_EXISTS otherwise. */
static gboolean
check_new_key(const char *id, GPtrArray *keys, const LoaStationKey *key, GError **error)
{
  for (guint i = 0; i < keys->len; i++) {
    const LoaAuditKey *k = keys->pdata[i];
    if (loa_station_key_equal(k->key, key))
      return refuse(error, LOA_AUDIT_ERROR_KEY_EXISTS,
                    i + 1 == keys->len
                      ? _("key %s is station '%s''s current key already")
                      : _("key %s was registered for station '%s' already, and replaced since: "
                          "a retired key does not come back"),
                    k->fingerprint, id);
  }
  return TRUE;
}

/* The statement is station id's, and its current key signed it. */
static gboolean
check_statement(const char *id, GPtrArray *keys, const LoaStationKeyChange *change,
                GError **error)
{
  const LoaAuditKey *current = keys->pdata[keys->len - 1];
  if (strcmp(change->station_id, id) != 0)
    return refuse(error, LOA_AUDIT_ERROR_STATEMENT,
                  _("the statement is about station '%s', not '%s'"), change->station_id, id);
  if (loa_station_key_change_signed_by(change, current->key))
    return TRUE;
  for (guint i = 0; i + 1 < keys->len; i++) {
    const LoaAuditKey *k = keys->pdata[i];
    if (loa_station_key_change_signed_by(change, k->key))
      return refuse(error, LOA_AUDIT_ERROR_STATEMENT,
                    _("the statement is signed with a retired key of station '%s' (%s), "
                      "replaced since: only its current key (%s) can vouch for a new one"),
                    id, k->fingerprint, current->fingerprint);
  }
  if (loa_station_key_change_signed_by(change, change->old_key)) {
    g_autofree char *signer = loa_station_key_fingerprint(change->old_key);
    return refuse(error, LOA_AUDIT_ERROR_STATEMENT,
                  _("the statement is not signed by the current key of station '%s' "
                    "(fingerprint %s) but by key %s, which is not registered for it"),
                  id, current->fingerprint, signer);
  }
  return refuse(error, LOA_AUDIT_ERROR_STATEMENT,
                _("bad signature: the statement does not match the signature of the current key "
                  "of station '%s' (fingerprint %s): it was changed after signing, or signed by "
                  "another key"),
                id, current->fingerprint);
}

/* One write transaction: the keys read are those the new one follows. */
static gboolean
station_key_add(LoaAudit *audit, const char *id, const LoaStationKey *key, gint64 valid_from,
                const LoaStationKeyChange *change, gint64 now, GError **error)
{
  GError *local = NULL;
  if (!loa_db_begin(audit->db, &local))
    return relabel(error, audit, local);
  g_autoptr(GPtrArray) keys = loa_audit_registered_keys(audit, id, error);
  if (keys == NULL || !check_new_key(id, keys, key, error) ||
      (change != NULL && !check_statement(id, keys, change, error)) ||
      !add_key(audit, id, keys, key, valid_from, change != NULL ? "statement" : "key",
               change != NULL ? change->data : NULL, now, error)) {
    loa_db_rollback(audit->db);
    return FALSE;
  }
  if (!loa_db_commit(audit->db, &local)) {
    loa_db_rollback(audit->db);
    return relabel(error, audit, local);
  }
  return TRUE;
}

gboolean
loa_audit_station_key_add(LoaAudit *audit, const char *id, const LoaStationKey *key,
                          gint64 valid_from, gint64 now, GError **error)
{
  return station_key_add(audit, id, key, valid_from, NULL, now, error);
}

gboolean
loa_audit_station_key_add_statement(LoaAudit *audit, const char *id,
                                    const LoaStationKeyChange *change, gint64 now, GError **error)
{
  return station_key_add(audit, id, change->new_key, change->changed_at, change, now, error);
}
