/* The city's audit database (see audit.h and docs/bundle-format.md): its
 * schema and migrations, the statement table, opening and closing, and the
 * list of what it holds. Registering stations and their keys is in
 * audit-station.c, importing bundles in audit-import.c, checking everything
 * imported again in audit-verify.c. */
#include "audit.h"
#include "audit-private.h"

#include "db.h"
#include "i18n.h"
#include "loa-cleanup.h"

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
