/* The city's audit database (see audit.h and docs/bundle-format.md). */
#include "audit.h"

#include "chain.h"
#include "config.h"
#include "db.h"
#include "i18n.h"
#include "loa-cleanup.h"
#include "loa-time.h"

#include <inttypes.h>
#include <string.h>

G_DEFINE_QUARK(loa-audit-error-quark, loa_audit_error)

/* PRAGMA application_id of an audit database: 'LOAA'. */
#define AUDIT_APPLICATION_ID 0x4c4f4141

/* Ordered, append-only: migration i takes user_version from i to i + 1. */
static const char *const audit_migrations[] = {
  /* 1: stations, bundles and their rows. Times are UTC nanoseconds. */
  "CREATE TABLE stations ("
  "  id          TEXT    PRIMARY KEY NOT NULL,"
  "  name        TEXT    NOT NULL,"
  "  public_key  TEXT    NOT NULL,"  /* Ed25519, base64 */
  "  fingerprint TEXT    NOT NULL,"
  "  added_at    INTEGER NOT NULL"
  ");"
  "CREATE TABLE bundles ("
  "  id           INTEGER PRIMARY KEY,"
  "  station_id   TEXT    NOT NULL REFERENCES stations (id),"
  "  station_name TEXT    NOT NULL,"
  "  timezone     TEXT    NOT NULL,"
  "  period       TEXT    NOT NULL,"  /* '2026-05' or 'FROM/UNTIL' */
  "  period_from  INTEGER NOT NULL,"
  "  period_until INTEGER NOT NULL,"
  "  first_seq    INTEGER NOT NULL,"
  "  last_seq     INTEGER NOT NULL,"  /* first_seq - 1 when empty */
  "  row_count    INTEGER NOT NULL,"
  "  head_before  TEXT    NOT NULL,"
  "  head_after   TEXT    NOT NULL,"
  "  signature    TEXT    NOT NULL UNIQUE,"
  "  file_sha256  TEXT    NOT NULL,"
  "  source       TEXT    NOT NULL,"  /* file name it was imported from */
  "  warning      TEXT    NOT NULL DEFAULT '',"
  "  imported_at  INTEGER NOT NULL"
  ");"
  "CREATE INDEX bundles_by_station ON bundles (station_id, last_seq);"
  "CREATE TABLE airings ("
  "  station_id   TEXT    NOT NULL REFERENCES stations (id),"
  "  chain_seq    INTEGER NOT NULL,"
  "  bundle_id    INTEGER NOT NULL REFERENCES bundles (id),"
  "  airing_id    INTEGER NOT NULL,"  /* the row's id in the station database */
  "  line         TEXT    NOT NULL,"
  "  spot_id      TEXT    NOT NULL,"
  "  spot_sha256  TEXT    NOT NULL,"
  "  title        TEXT    NOT NULL,"
  "  category     TEXT    NOT NULL,"
  "  topic        TEXT    NOT NULL,"
  "  priority     TEXT    NOT NULL,"
  "  event_ref    TEXT    NOT NULL,"
  "  scheduled_at INTEGER NOT NULL,"
  "  started_at   INTEGER,"           /* NULL: never played */
  "  ended_at     INTEGER,"
  "  samples      INTEGER NOT NULL,"
  "  sample_rate  INTEGER NOT NULL,"
  "  status       TEXT    NOT NULL,"
  "  reason       TEXT    NOT NULL,"
  "  completed_at INTEGER NOT NULL,"
  "  prev_hash    TEXT    NOT NULL,"
  "  hash         TEXT    NOT NULL,"
  "  PRIMARY KEY (station_id, chain_seq)"
  ") WITHOUT ROWID;"
  "CREATE INDEX airings_by_time ON airings (station_id, scheduled_at);"
  "CREATE TRIGGER bundles_immutable BEFORE UPDATE ON bundles"
  " BEGIN SELECT RAISE(ABORT, 'imported bundles never change'); END;"
  "CREATE TRIGGER bundles_never_deleted BEFORE DELETE ON bundles"
  " BEGIN SELECT RAISE(ABORT, 'imported bundles are never deleted'); END;"
  "CREATE TRIGGER airings_immutable BEFORE UPDATE ON airings"
  " BEGIN SELECT RAISE(ABORT, 'imported rows never change'); END;"
  "CREATE TRIGGER airings_never_deleted BEFORE DELETE ON airings"
  " BEGIN SELECT RAISE(ABORT, 'imported rows are never deleted'); END;",
  /* 2: the city report reads only this index, never the table (audit-report.c). */
  "CREATE INDEX airings_report ON airings (station_id, scheduled_at, line, category, topic,"
  " status, started_at, ended_at);",
  /* 3: canonical form 2 (docs/as-run-log.md): the airing's facts, and the form
   * each row was hashed with (rows imported before were all form 1). The
   * report counts an airing only if its monitor heard it: the index gains it. */
  "ALTER TABLE airings ADD COLUMN chain_version INTEGER NOT NULL DEFAULT 1;"
  "ALTER TABLE airings ADD COLUMN gain_db REAL;"
  "ALTER TABLE airings ADD COLUMN switches TEXT NOT NULL DEFAULT '';"
  "ALTER TABLE airings ADD COLUMN monitor TEXT NOT NULL DEFAULT '';"
  "ALTER TABLE airings ADD COLUMN monitor_lufs REAL;"
  "DROP INDEX airings_report;"
  "CREATE INDEX airings_report ON airings (station_id, scheduled_at, line, category, topic,"
  " status, started_at, ended_at, monitor);",
  /* 4: the bundle files themselves, byte for byte, so that `loa audit verify`
   * can check their signatures again at any time (bundles imported before
   * have none; their chains are still checked). */
  "CREATE TABLE bundle_files ("
  "  bundle_id INTEGER PRIMARY KEY REFERENCES bundles (id),"
  "  data      BLOB    NOT NULL"
  ");"
  "CREATE TRIGGER bundle_files_immutable BEFORE UPDATE ON bundle_files"
  " BEGIN SELECT RAISE(ABORT, 'imported bundles never change'); END;"
  "CREATE TRIGGER bundle_files_never_deleted BEFORE DELETE ON bundle_files"
  " BEGIN SELECT RAISE(ABORT, 'imported bundles are never deleted'); END;",
  /* 5: a station may replace its key (docs/bundle-format.md): every key
   * registered for it, each signing from valid_from until the next one's.
   * The key each station was registered with has no known start: 0, the
   * start of its log. stations.public_key and .fingerprint name the current
   * key from now on. */
  "CREATE TABLE station_keys ("
  "  station_id  TEXT    NOT NULL REFERENCES stations (id),"
  "  public_key  TEXT    NOT NULL,"  /* Ed25519, base64 */
  "  fingerprint TEXT    NOT NULL,"
  "  valid_from  INTEGER NOT NULL,"
  "  how         TEXT    NOT NULL CHECK (how IN ('station add', 'key', 'statement')),"
  "  statement   BLOB,"              /* the key-change statement, when how = 'statement' */
  "  added_at    INTEGER NOT NULL,"
  "  PRIMARY KEY (station_id, public_key),"
  "  UNIQUE (station_id, valid_from)"
  ") WITHOUT ROWID;"
  "INSERT INTO station_keys (station_id, public_key, fingerprint, valid_from, how, added_at)"
  " SELECT id, public_key, fingerprint, 0, 'station add', added_at FROM stations;"
  "CREATE TRIGGER station_keys_immutable BEFORE UPDATE ON station_keys"
  " BEGIN SELECT RAISE(ABORT, 'registered keys never change'); END;"
  "CREATE TRIGGER station_keys_never_deleted BEFORE DELETE ON station_keys"
  " BEGIN SELECT RAISE(ABORT, 'registered keys are never deleted'); END;",
};

typedef enum {
  STMT_STATION,
  STMT_ADD_STATION,
  STMT_DUPLICATE,
  STMT_LAST_BUNDLE,
  STMT_OVERLAP,
  STMT_INSERT_BUNDLE,
  STMT_INSERT_AIRING,
  STMT_INSERT_FILE,
  STMT_LIST,
  STMT_VERIFY_BUNDLES,
  STMT_VERIFY_ROWS,
  STMT_KEYS,
  STMT_ADD_KEY,
  STMT_SET_CURRENT_KEY,
  STMT_LATEST_PERIOD,
  N_STATEMENTS
} Statement;

static const char *const statement_sql[N_STATEMENTS] = {
  [STMT_STATION] = "SELECT public_key FROM stations WHERE id = ?",
  [STMT_ADD_STATION] =
    "INSERT INTO stations (id, name, public_key, fingerprint, added_at) VALUES (?, ?, ?, ?, ?)",
  [STMT_DUPLICATE] =
    "SELECT id, period FROM bundles WHERE signature = ?1 OR (station_id = ?2"
    " AND head_before = ?3 AND head_after = ?4 AND period_from = ?5 AND period_until = ?6)"
    " ORDER BY id LIMIT 1",
  [STMT_LAST_BUNDLE] =
    "SELECT id, period, last_seq, head_after FROM bundles WHERE station_id = ?"
    " ORDER BY last_seq DESC, period_until DESC LIMIT 1",
  [STMT_OVERLAP] =
    "SELECT id, period FROM bundles WHERE station_id = ?1 AND period_from < ?3"
    " AND ?2 < period_until ORDER BY period_from LIMIT 1",
  [STMT_INSERT_BUNDLE] =
    "INSERT INTO bundles (station_id, station_name, timezone, period, period_from,"
    " period_until, first_seq, last_seq, row_count, head_before, head_after, signature,"
    " file_sha256, source, warning, imported_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  [STMT_INSERT_AIRING] =
    "INSERT INTO airings (station_id, chain_seq, bundle_id, airing_id, line, spot_id,"
    " spot_sha256, title, category, topic, priority, event_ref, scheduled_at, started_at,"
    " ended_at, samples, sample_rate, status, reason, completed_at, prev_hash, hash,"
    " chain_version, gain_db, switches, monitor, monitor_lufs)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), NULLIF(?, 0), ?, ?, ?, ?, ?,"
    " ?, ?, ?, CASE WHEN ? THEN ? END, ?, ?, CASE WHEN ? THEN ? END)",
  [STMT_INSERT_FILE] = "INSERT INTO bundle_files (bundle_id, data) VALUES (?, ?)",
  [STMT_VERIFY_BUNDLES] =
    "SELECT b.id, b.station_id, b.period, b.first_seq, b.last_seq, b.row_count, b.head_before,"
    " b.head_after, b.signature, b.file_sha256, f.data"
    " FROM bundles b LEFT JOIN bundle_files f ON f.bundle_id = b.id"
    " ORDER BY b.station_id, b.last_seq, b.period_until",
  [STMT_VERIFY_ROWS] =
    "SELECT chain_seq, airing_id, line, spot_id, spot_sha256, title, category, topic, priority,"
    " event_ref, scheduled_at, coalesce(started_at, 0), coalesce(ended_at, 0), samples,"
    " sample_rate, status, reason, completed_at, prev_hash, hash, chain_version,"
    " gain_db IS NOT NULL, coalesce(gain_db, 0), switches, monitor, monitor_lufs IS NOT NULL,"
    " coalesce(monitor_lufs, 0)"
    " FROM airings WHERE station_id = ? AND bundle_id = ? ORDER BY chain_seq",
  [STMT_KEYS] =
    "SELECT public_key, fingerprint, valid_from, how FROM station_keys WHERE station_id = ?"
    " ORDER BY valid_from",
  [STMT_ADD_KEY] =
    "INSERT INTO station_keys (station_id, public_key, fingerprint, valid_from, how, statement,"
    " added_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
  [STMT_SET_CURRENT_KEY] = "UPDATE stations SET public_key = ?, fingerprint = ? WHERE id = ?",
  [STMT_LATEST_PERIOD] =
    "SELECT id, period, period_until FROM bundles WHERE station_id = ?"
    " ORDER BY period_until DESC LIMIT 1",
  [STMT_LIST] =
    "SELECT s.id, s.name, s.fingerprint, coalesce(b.id, 0), coalesce(b.period, ''),"
    " coalesce(b.period_from, 0), coalesce(b.period_until, 0), coalesce(b.timezone, ''),"
    " coalesce(b.first_seq, 0), coalesce(b.last_seq, 0), coalesce(b.row_count, 0),"
    " coalesce(b.head_after, ''), coalesce(b.imported_at, 0), coalesce(b.source, ''),"
    " coalesce(b.warning, '')"
    " FROM stations s LEFT JOIN bundles b ON b.station_id = s.id"
    " ORDER BY s.id, b.last_seq, b.period_until",
};

struct LoaAudit {
  sqlite3 *db;
  char *path;
  sqlite3_stmt *stmts[N_STATEMENTS];
};

static gboolean
db_error(GError **error, LoaAudit *audit, const char *what)
{
  g_set_error(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_DB, "%s: %s: %s", audit->path, what,
              sqlite3_errmsg(audit->db));
  return FALSE;
}

/* Re-labels an error of db.h's helpers as an audit database error. */
static gboolean
relabel(GError **error, LoaAudit *audit, GError *local)
{
  g_set_error(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_DB, "%s: %s", audit->path, local->message);
  g_error_free(local);
  return FALSE;
}

static gboolean
pragma_int(LoaAudit *audit, const char *pragma, int *value, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  if (sqlite3_prepare_v2(audit->db, pragma, -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step(stmt) != SQLITE_ROW)
    return db_error(error, audit, pragma);
  *value = sqlite3_column_int(stmt, 0);
  return TRUE;
}

/* An empty file (no table at all) may become an audit database. */
static gboolean
is_empty(LoaAudit *audit, gboolean *empty, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  if (sqlite3_prepare_v2(audit->db, "SELECT count(*) FROM sqlite_master", -1, &stmt, NULL) !=
        SQLITE_OK ||
      sqlite3_step(stmt) != SQLITE_ROW)
    return db_error(error, audit, _("reading the schema"));
  *empty = sqlite3_column_int(stmt, 0) == 0;
  return TRUE;
}

static gboolean
not_audit(GError **error, LoaAudit *audit)
{
  g_set_error(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_NOT_AUDIT,
              _("%s is not a Loa audit database (is it a station database?)"), audit->path);
  return FALSE;
}

static gboolean
migrate(LoaAudit *audit, GError **error)
{
  const int latest = (int)G_N_ELEMENTS(audit_migrations);
  int version = 0, application = 0;
  gboolean empty = FALSE;
  GError *local = NULL;
  g_autofree char *set_id = g_strdup_printf("PRAGMA application_id = %d", AUDIT_APPLICATION_ID);

  if (!pragma_int(audit, "PRAGMA user_version", &version, error) ||
      !pragma_int(audit, "PRAGMA application_id", &application, error))
    return FALSE;
  if (version == latest && application == AUDIT_APPLICATION_ID)
    return TRUE;
  if (!loa_db_begin(audit->db, &local))
    return relabel(error, audit, local);
  /* Again inside the write transaction: two first imports may race. */
  if (!pragma_int(audit, "PRAGMA user_version", &version, error) ||
      !pragma_int(audit, "PRAGMA application_id", &application, error) ||
      !is_empty(audit, &empty, error))
    goto failed;
  if (application != AUDIT_APPLICATION_ID && !(application == 0 && version == 0 && empty)) {
    not_audit(error, audit);
    goto failed;
  }
  if (version > latest) {
    g_set_error(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_TOO_NEW,
                _("%s: audit database schema version %d is newer than this Loa knows (%d); "
                  "upgrade Loa"),
                audit->path, version, latest);
    goto failed;
  }
  for (int i = version; i < latest; i++) {
    g_autofree char *pragma = g_strdup_printf("PRAGMA user_version = %d", i + 1);
    if (!loa_db_exec(audit->db, audit_migrations[i], &local) ||
        !loa_db_exec(audit->db, pragma, &local)) {
      g_set_error(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_DB,
                  _("%s: audit database migration %d failed: %s"), audit->path, i + 1,
                  local->message);
      g_error_free(local);
      goto failed;
    }
  }
  if (!loa_db_exec(audit->db, set_id, &local) || !loa_db_commit(audit->db, &local)) {
    loa_db_rollback(audit->db);
    return relabel(error, audit, local);
  }
  return TRUE;

failed:
  loa_db_rollback(audit->db);
  return FALSE;
}

void
loa_audit_close(LoaAudit *audit)
{
  if (audit == NULL)
    return;
  loa_db_finalize_all(audit->stmts, N_STATEMENTS);
  if (audit->db != NULL)
    sqlite3_close_v2(audit->db);
  g_free(audit->path);
  g_free(audit);
}

LoaAudit *
loa_audit_open(const char *path, gboolean create, GError **error)
{
  g_autoptr(LoaAudit) audit = g_new0(LoaAudit, 1);
  audit->path = g_strdup(path);
  if (!create && !g_file_test(path, G_FILE_TEST_EXISTS)) {
    g_set_error(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_MISSING,
                _("%s: the audit database does not exist (it is created by 'loa audit station "
                  "add')"),
                path);
    return NULL;
  }
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path, &audit->db, flags, NULL) != SQLITE_OK) {
    g_set_error(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_DB, _("%s: cannot open: %s"), path,
                audit->db != NULL ? sqlite3_errmsg(audit->db) : _("out of memory"));
    return NULL;
  }
  sqlite3_extended_result_codes(audit->db, 1);
  sqlite3_busy_timeout(audit->db, 5000);

  GError *local = NULL;
  int version = 0;
  /* A file that is not SQLite at all fails the first read. */
  if (!pragma_int(audit, "PRAGMA user_version", &version, &local)) {
    g_error_free(local);
    not_audit(error, audit);
    return NULL;
  }
  if (!loa_db_exec(audit->db, "PRAGMA journal_mode = WAL", &local) ||
      !loa_db_exec(audit->db, "PRAGMA foreign_keys = ON", &local) ||
      !loa_db_exec(audit->db, "PRAGMA synchronous = FULL", &local)) {
    relabel(error, audit, local);
    return NULL;
  }
  if (!migrate(audit, error))
    return NULL;
  if (!loa_db_prepare_all(audit->db, statement_sql, N_STATEMENTS, audit->stmts, &local)) {
    relabel(error, audit, local);
    return NULL;
  }
  return g_steal_pointer(&audit);
}

sqlite3 *
loa_audit_db(LoaAudit *audit)
{
  return audit->db;
}

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

void
loa_audit_import_clear(LoaAuditImport *result)
{
  g_clear_pointer(&result->warning, g_free);
}

static gboolean
refuse(GError **error, LoaAuditError code, const char *format, ...) G_GNUC_PRINTF(3, 4);

static gboolean
refuse(GError **error, LoaAuditError code, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  g_autofree char *message = g_strdup_vprintf(format, args);
  va_end(args);
  g_set_error_literal(error, LOA_AUDIT_ERROR, code, message);
  return FALSE;
}

/* Station id's keys (loa_audit_station_keys), or NULL with
 * UNKNOWN_STATION if it has none. */
static GPtrArray *
registered_keys(LoaAudit *audit, const char *id, GError **error)
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

/* ISO 8601 in UTC, for messages. Newly allocated. */
static char *
format_utc(gint64 ns)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
  return loa_time_format_iso(utc, ns);
}

/* The bundle is signed by one of keys (a station's, oldest first) that was
 * still the station's key when the bundle's period ended: it cannot have
 * been exported before then. Else the refusal names the key that signed it:
 * a retired one (RETIRED_KEY), one not registered (LOA_BUNDLE_ERROR_SIGNATURE),
 * or none (the bundle changed since). */
static gboolean
check_signature(const LoaBundle *bundle, GPtrArray *keys, GError **error)
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
  g_autoptr(GPtrArray) keys = registered_keys(audit, id, error);
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
  g_autoptr(GPtrArray) keys = registered_keys(audit, bundle->station_id, error);
  if (keys == NULL)
    return FALSE;
  g_autoptr(GPtrArray) airings = NULL;
  if (!check_signature(bundle, keys, error) ||
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

void
loa_audit_entry_free(LoaAuditEntry *entry)
{
  if (entry == NULL)
    return;
  g_free(entry->station_id);
  g_free(entry->station_name);
  g_free(entry->fingerprint);
  g_free(entry->period);
  g_free(entry->timezone_name);
  g_free(entry->head_after);
  g_free(entry->source);
  g_free(entry->warning);
  g_free(entry);
}

GPtrArray *
loa_audit_list(LoaAudit *audit, GError **error)
{
  sqlite3_stmt *stmt = audit->stmts[STMT_LIST];
  sqlite3_reset(stmt);
  g_autoptr(GPtrArray) entries =
    g_ptr_array_new_with_free_func((GDestroyNotify)loa_audit_entry_free);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    LoaAuditEntry *e = g_new0(LoaAuditEntry, 1);
    e->station_id = loa_db_column_text(stmt, 0);
    e->station_name = loa_db_column_text(stmt, 1);
    e->fingerprint = loa_db_column_text(stmt, 2);
    e->bundle_id = sqlite3_column_int64(stmt, 3);
    e->period = loa_db_column_text(stmt, 4);
    e->from = sqlite3_column_int64(stmt, 5);
    e->until = sqlite3_column_int64(stmt, 6);
    e->timezone_name = loa_db_column_text(stmt, 7);
    e->first_seq = sqlite3_column_int64(stmt, 8);
    e->last_seq = sqlite3_column_int64(stmt, 9);
    e->rows = sqlite3_column_int64(stmt, 10);
    e->head_after = loa_db_column_text(stmt, 11);
    e->imported_at = sqlite3_column_int64(stmt, 12);
    e->source = loa_db_column_text(stmt, 13);
    e->warning = loa_db_column_text(stmt, 14);
    g_ptr_array_add(entries, e);
  }
  sqlite3_reset(stmt);
  if (rc != SQLITE_DONE) {
    db_error(error, audit, _("reading the bundles"));
    return NULL;
  }
  return g_steal_pointer(&entries);
}

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
  if (bundle == NULL || b->keys->len == 0 || !check_signature(bundle, b->keys, &error) ||
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
