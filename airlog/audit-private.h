/* Shared between audit.c (the database: schema, statements, opening, the
 * list), audit-station.c (stations and their keys), audit-import.c and
 * audit-verify.c; not part of the module's public face. The small helpers
 * are static inline so that each file keeps them private. */
#pragma once

#include "audit.h"

#include "loa-time.h"

#include <sqlite3.h>

/* The audit database's queries, prepared once by loa_audit_open (their SQL
 * is the table statement_sql in audit.c). */
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

struct LoaAudit {
  sqlite3 *db;                        /* the connection, FULLMUTEX */
  char *path;                         /* as opened, for messages */
  sqlite3_stmt *stmts[N_STATEMENTS];  /* prepared at open, finalized at close */
};

/* Sets LOA_AUDIT_ERROR_DB naming the file, what was being done and SQLite's
 * message. Returns FALSE. */
static inline gboolean
db_error(GError **error, LoaAudit *audit, const char *what)
{
  g_set_error(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_DB, "%s: %s: %s", audit->path, what,
              sqlite3_errmsg(audit->db));
  return FALSE;
}

/* Re-labels an error of db.h's helpers as an audit database error. */
static inline gboolean
relabel(GError **error, LoaAudit *audit, GError *local)
{
  g_set_error(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_DB, "%s: %s", audit->path, local->message);
  g_error_free(local);
  return FALSE;
}

/* Sets an error of code with the formatted message. Returns FALSE. */
static inline gboolean
refuse(GError **error, LoaAuditError code, const char *format, ...) G_GNUC_PRINTF(3, 4);

static inline gboolean
refuse(GError **error, LoaAuditError code, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  g_autofree char *message = g_strdup_vprintf(format, args);
  va_end(args);
  g_set_error_literal(error, LOA_AUDIT_ERROR, code, message);
  return FALSE;
}

/* ISO 8601 in UTC, for messages. Newly allocated. */
static inline char *
format_utc(gint64 ns)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
  return loa_time_format_iso(utc, ns);
}

/* Station id's keys (loa_audit_station_keys), or NULL with
 * UNKNOWN_STATION if it has none. (audit-station.c) */
GPtrArray *loa_audit_registered_keys(LoaAudit *audit, const char *id,
                                     GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The bundle is signed by one of keys (a station's, oldest first) that was
 * still the station's key when the bundle's period ended: it cannot have
 * been exported before then. Else the refusal names the key that signed it:
 * a retired one (RETIRED_KEY), one not registered (LOA_BUNDLE_ERROR_SIGNATURE),
 * or none (the bundle changed since). Used at import and again by verify.
 * (audit-import.c) */
gboolean loa_audit_check_signature(const LoaBundle *bundle, GPtrArray *keys,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;
