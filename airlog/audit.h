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
 *   station_keys  every key registered for a station, with the time from
 *             which it signs (from schema 5): a station may replace its key
 * Imported bundles and rows, and registered keys, are never changed nor
 * deleted (triggers).
 *
 * Keys: a station's keys follow each other; each one signs the bundles
 * exported from its valid_from until the next key's. A bundle says nothing
 * of when it was exported, but it cannot have been before its period ended:
 * so a key is accepted for a bundle if it was still the station's key at
 * some moment after the bundle's period ended, that is if the period ended
 * before the next key's valid_from. A bundle whose period ended later and
 * that is signed with the older key was signed with a retired key.
 *
 * An import accepts a bundle only if every check holds, and then takes all
 * of it in one transaction; otherwise nothing of it. The checks, in order:
 * registered station; signature by a key registered for the station and
 * not yet retired when the bundle's period ended; the chain the rows
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
  LOA_AUDIT_ERROR_RETIRED_KEY,      /* import: signed with a key replaced before its period ended */
  LOA_AUDIT_ERROR_KEY_EXISTS,       /* station key: this key is registered already */
  LOA_AUDIT_ERROR_KEY_START,        /* station key: its start is not after the current key's,
                                     * nor after every imported bundle, or is in the future */
  LOA_AUDIT_ERROR_STATEMENT,        /* station key: the statement is not the station's,
                                     * or not signed by its current key */
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

/* Registers a station and its first public key (valid_from 0: the key
 * created with the station's log, from its start). name may be NULL
 * (= id). Fails with LOA_AUDIT_ERROR_STATION_EXISTS if the id is registered
 * already (a new key of a station is added with loa_audit_station_key_add). */
gboolean loa_audit_station_add(LoaAudit *audit, const char *id, const char *name,
                               const LoaStationKey *key, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Adds key to station id's keys, valid from valid_from (UTC ns): the current
 * key then signs only bundles whose period ended before valid_from. The city
 * checked the key by other means (a visit, the phone). Fails with
 * UNKNOWN_STATION, KEY_EXISTS (the key is registered for the station
 * already), KEY_START (valid_from not after the current key's start, not
 * after the end of every bundle imported for the station, or more than
 * LOA_AUDIT_CLOCK_TOLERANCE_NS after now) or DB; nothing is changed then. */
gboolean loa_audit_station_key_add(LoaAudit *audit, const char *id, const LoaStationKey *key,
                                   gint64 valid_from, gint64 now,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Adds the new key of a key-change statement (station-key.h), valid from
 * the time it states, if the statement is station id's and signed by its
 * current key; else fails with LOA_AUDIT_ERROR_STATEMENT saying which key
 * signed it (a retired one, one not registered) or that it was changed.
 * The statement is stored with the key. Other failures as
 * loa_audit_station_key_add. */
gboolean loa_audit_station_key_add_statement(LoaAudit *audit, const char *id,
                                             const LoaStationKeyChange *change, gint64 now,
                                             GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* One key of a station, as registered. */
typedef struct {
  LoaStationKey *key;    /* public only */
  char *fingerprint;
  gint64 valid_from;     /* UTC ns; 0 for the key the station was registered with */
  gint64 valid_until;    /* the next key's valid_from; G_MAXINT64 for the current key */
  char *how;             /* "station add", "key" (checked by the city) or "statement" */
} LoaAuditKey;

void loa_audit_key_free(LoaAuditKey *key);

/* Station id's keys, oldest first (a GPtrArray of LoaAuditKey *, which
 * frees them; empty if the station is not registered), or NULL with
 * LOA_AUDIT_ERROR_DB. */
GPtrArray *loa_audit_station_keys(LoaAudit *audit, const char *id,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

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
 * (LOA_AUDIT_ERROR_* above, or LOA_BUNDLE_ERROR_SIGNATURE — signed by no
 * key registered for the station, or changed since —, _CHAIN, _STATION,
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
 * signed by a key of the station that was not retired when its period
 * ended, as at import, carrying exactly the rows the database has). Stops at the first problem, set in result (TRUE is
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
