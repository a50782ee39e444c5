/* The city's audit database: the stations it registered (id, name, public
 * key) and the export bundles it imported, row by row, so that reports can
 * query every station's as-run log.
 *
 * It is its own SQLite file, not a station database: this module creates and
 * migrates its schema (PRAGMA user_version, application_id 'LOAA') and refuses
 * any other database. Tables (docs/bundle-format.md has the columns):
 *   stations  one per registered station
 *   bundles   one per imported bundle: period, chain range, heads, signature
 *   airings   one per imported row, keyed (station_id, chain_seq); the
 *             canonical fields as columns, plus prev_hash and hash
 *   bundle_files  each imported bundle's file, byte for byte (from schema 4)
 * Imported bundles and rows are never changed nor deleted (triggers).
 *
 * An import accepts a bundle only if every check holds, and then takes all
 * of it in one transaction; otherwise nothing of it. The checks, in order:
 * registered station; signature by the registered key; the chain the rows
 * form (bundle.h); nothing from the future; not already imported; no rows
 * already imported (replay); its chain starts where the station's last
 * imported bundle ended, with the same hash (no gap); its period overlaps no
 * imported one. The first bundle of a station may start anywhere in its
 * chain: if not at the start, it is taken with a warning, stored with it. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "bundle.h"
#include "station-key.h"

#define LOA_AUDIT_ERROR (loa_audit_error_quark())
GQuark loa_audit_error_quark(void);

typedef enum {
  LOA_AUDIT_ERROR_DB,               /* the audit database failed; message has SQLite's text */
  LOA_AUDIT_ERROR_MISSING,          /* the file does not exist */
  LOA_AUDIT_ERROR_NOT_AUDIT,        /* the file is not an audit database */
  LOA_AUDIT_ERROR_TOO_NEW,          /* written by a newer Loa */
  LOA_AUDIT_ERROR_INVALID,          /* a bad station id or name */
  LOA_AUDIT_ERROR_STATION_EXISTS,   /* station add: the id is registered already */
  LOA_AUDIT_ERROR_UNKNOWN_STATION,  /* import: the bundle's station is not registered */
  LOA_AUDIT_ERROR_FUTURE,           /* import: period or rows after the audit machine's now */
  LOA_AUDIT_ERROR_DUPLICATE,        /* import: this bundle was imported already */
  LOA_AUDIT_ERROR_REPLAY,           /* import: rows already imported, or an older period */
  LOA_AUDIT_ERROR_GAP,              /* import: does not start where the last bundle ended */
  LOA_AUDIT_ERROR_OVERLAP,          /* import: its period overlaps an imported bundle */
} LoaAuditError;

/* How far ahead of the audit machine's clock a bundle's period end or a
 * row's time may be (clocks of stations and city differ a little). */
#define LOA_AUDIT_CLOCK_TOLERANCE_NS (G_GINT64_CONSTANT(600) * 1000000000)

typedef struct LoaAudit LoaAudit;

/* Opens (creating it if create and missing) and migrates the audit database
 * at path. Returns it, or NULL with the error set and nothing left open. */
LoaAudit *loa_audit_open(const char *path, gboolean create, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Closes; NULL is fine. */
void loa_audit_close(LoaAudit *audit);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaAudit, loa_audit_close)

/* The connection, for report queries (owned by the audit). */
sqlite3 *loa_audit_db(LoaAudit *audit);

/* Registers a station and its public key. name may be NULL (= id). Fails
 * with LOA_AUDIT_ERROR_STATION_EXISTS if the id is registered already. */
gboolean loa_audit_station_add(LoaAudit *audit, const char *id, const char *name,
                               const LoaStationKey *key, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* What an accepted import did. */
typedef struct {
  gint64 bundle_id;   /* its number in the audit database */
  gint64 rows;        /* rows imported */
  char *warning;      /* e.g. a first bundle that does not start the chain; NULL if none */
} LoaAuditImport;

void loa_audit_import_clear(LoaAuditImport *result);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(LoaAuditImport, loa_audit_import_clear)

/* Verifies bundle (parsed, not yet verified) and imports it whole. source
 * names it (its file name); now is the audit machine's wall clock (UTC ns).
 * A bundle that fails a check is refused with an error that names the check
 * (LOA_AUDIT_ERROR_* above, or LOA_BUNDLE_ERROR_SIGNATURE, _CHAIN, _STATION,
 * _MALFORMED) and the database is unchanged; LOA_AUDIT_ERROR_DB means the
 * database itself failed. */
gboolean loa_audit_import(LoaAudit *audit, const LoaBundle *bundle, const char *source, gint64 now,
                          LoaAuditImport *result, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* What `loa audit verify` found. */
typedef struct {
  gint64 stations;          /* stations with bundles checked */
  gint64 bundles;           /* bundles that hold */
  gint64 rows;              /* rows whose hash was recomputed */
  gint64 unsigned_bundles;  /* of them, imported before files were kept: chain checked, signature not */
  gint64 bad_bundle;        /* the first bundle with a problem, 0 if none */
  char *problem;            /* what is wrong with it ("bundle #K (PERIOD) of station 'X': ..."),
                             * NULL if everything holds */
} LoaAuditVerify;

void loa_audit_verify_clear(LoaAuditVerify *result);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(LoaAuditVerify, loa_audit_verify_clear)

/* Checks everything imported again, station by station in chain order:
 * each bundle's rows (positions, every hash recomputed from the columns,
 * the heads), the link to the bundle before, and its stored file (whole,
 * signed by the station's registered key, carrying exactly the rows the
 * database has). Stops at the first problem, set in result (TRUE is
 * returned); FALSE with the error set only if the database cannot be read. */
gboolean loa_audit_verify(LoaAudit *audit, LoaAuditVerify *result,
                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* One line of `loa audit list`: a station with one of its bundles, or with
 * bundle_id 0 if it has none. Strings owned. */
typedef struct {
  char *station_id;
  char *station_name;
  char *fingerprint;
  gint64 bundle_id;      /* 0: the station has no bundle yet */
  char *period;
  gint64 from, until;    /* UTC ns */
  char *timezone_name;
  gint64 first_seq, last_seq, rows;
  char *head_after;
  gint64 imported_at;    /* UTC ns */
  char *source;
  char *warning;         /* "" if none */
} LoaAuditEntry;

void loa_audit_entry_free(LoaAuditEntry *entry);

/* Stations in id order, each with its bundles in chain order; a GPtrArray
 * of LoaAuditEntry * (frees them), or NULL with the error set. */
GPtrArray *loa_audit_list(LoaAudit *audit, GError **error) G_GNUC_WARN_UNUSED_RESULT;
