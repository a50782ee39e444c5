/* The station database: one SQLite file, opened the same way by every process.
 *
 * loa_db_open() sets WAL, foreign_keys=ON, synchronous=FULL and a busy timeout
 * (so the CLI can read while the daemon writes), then applies the embedded
 * migrations (common/schema/NNNN-name.sql) under PRAGMA user_version in one
 * transaction: either all pending migrations apply or none does.
 *
 * Modules own their queries as statement tables (an enum and an array of SQL)
 * prepared with loa_db_prepare_all() and finalized with loa_db_finalize_all(). */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "loa-cleanup.h"

#define LOA_DB_ERROR (loa_db_error_quark())
GQuark loa_db_error_quark(void);

typedef enum {
  LOA_DB_ERROR_MISSING,     /* the file does not exist and creation was not asked */
  LOA_DB_ERROR_OPEN,        /* SQLite could not open it (permissions, not a database) */
  LOA_DB_ERROR_TOO_NEW,     /* written by a newer Loa: refuse rather than guess */
  LOA_DB_ERROR_SQL,         /* a statement failed; message has SQLite's text */
  LOA_DB_ERROR_CONSTRAINT,  /* a constraint or trigger refused the change */
} LoaDbError;

typedef enum {
  LOA_DB_OPEN_EXISTING = 0,  /* the file must exist */
  LOA_DB_OPEN_CREATE = 1,    /* create the file (and its folder) if missing */
} LoaDbOpenFlags;

/* Opens (and migrates) the database at path. Returns the connection, or NULL
 * with the error set and nothing left open. */
sqlite3 *loa_db_open(const char *path, LoaDbOpenFlags flags, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Closes a connection from loa_db_open; NULL is fine. */
void loa_db_close(sqlite3 *db);

/* The schema version a fully migrated database has, and the one db has. */
int loa_db_latest_version(void);
int loa_db_version(sqlite3 *db);

/* Sets error from db's last error: "<what>: <sqlite message>". Always returns FALSE. */
gboolean loa_db_set_error(GError **error, sqlite3 *db, const char *what);

gboolean loa_db_exec(sqlite3 *db, const char *sql, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. Rollback never fails the caller. */
gboolean loa_db_begin(sqlite3 *db, GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean loa_db_commit(sqlite3 *db, GError **error) G_GNUC_WARN_UNUSED_RESULT;
void loa_db_rollback(sqlite3 *db);

/* Prepares n statements into out[0..n-1]. On failure finalizes what was
 * prepared, leaves out all NULL and sets error. */
gboolean loa_db_prepare_all(sqlite3 *db, const char *const *sql, size_t n, sqlite3_stmt **out,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;
void loa_db_finalize_all(sqlite3_stmt **stmts, size_t n);

/* Resets stmt and binds parameters 1.. from the varargs as described by
 * format, one character each: 't' const char * (NULL binds NULL), 'i' gint64,
 * 'd' double, 'n' NULL (no argument). Every bind is checked. */
gboolean loa_db_bind(sqlite3_stmt *stmt, GError **error, const char *format, ...) G_GNUC_WARN_UNUSED_RESULT;

/* Steps a statement that returns no rows (or whose rows are ignored), then
 * resets it. Constraint failures map to LOA_DB_ERROR_CONSTRAINT. */
gboolean loa_db_step_done(sqlite3_stmt *stmt, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Column helpers: text as a new string ("" for NULL). */
char *loa_db_column_text(sqlite3_stmt *stmt, int column) G_GNUC_WARN_UNUSED_RESULT;
