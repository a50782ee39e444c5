/* Export bundles: a period of the as-run log as one signed text file that the
 * city can verify offline (docs/bundle-format.md).
 *
 * A bundle carries a header (station, period, the chain heads before and
 * after, the public key), the completed rows of the period in canonical form
 * exactly as chain.h hashes them, each with its hash, and the station's
 * Ed25519 signature over everything before the signature line. Bundles of
 * consecutive periods link: the head before one is the head after the other.
 *
 * Reading is split in steps so that each failure can be named: parsing
 * (syntax, truncation), the signature, then the chain the rows form. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "airlog.h"
#include "station-key.h"

#define LOA_BUNDLE_ERROR (loa_bundle_error_quark())
GQuark loa_bundle_error_quark(void);

typedef enum {
  LOA_BUNDLE_ERROR_IO,          /* the file could not be read or written */
  LOA_BUNDLE_ERROR_NOT_BUNDLE,  /* not a Loa bundle at all */
  LOA_BUNDLE_ERROR_VERSION,     /* a bundle or row format this Loa does not know */
  LOA_BUNDLE_ERROR_TRUNCATED,   /* the file ends before its signature line does */
  LOA_BUNDLE_ERROR_MALFORMED,   /* a line that breaks the format */
  LOA_BUNDLE_ERROR_SIGNATURE,   /* not signed by the given key, or changed since */
  LOA_BUNDLE_ERROR_CHAIN,       /* the rows do not form the chain the header claims */
  LOA_BUNDLE_ERROR_STATION,     /* a row of another station */
  LOA_BUNDLE_ERROR_DB,          /* the station database could not be read */
} LoaBundleError;

#define LOA_BUNDLE_FORMAT "loa-bundle/1"
#define LOA_BUNDLE_SUFFIX ".loa-bundle"

/* One row as carried: its chain position, hash and canonical form. */
typedef struct {
  gint64 seq;         /* chain_seq */
  char *hash;         /* as the bundle states it, 64 lowercase hex */
  char *canonical;    /* the canonical form, byte for byte as hashed */
} LoaBundleRow;

typedef struct {
  char *station_id;
  char *station_name;
  char *timezone_name;  /* the station's zone, for reports by local month */
  char *period;         /* label: "2026-05", or "FROM/UNTIL" in local time */
  gint64 from;          /* UTC ns: rows completed at or after this ... */
  gint64 until;         /* ... and before this */
  gint64 first_seq;     /* chain position of the first row carried */
  gint64 last_seq;      /* of the last; first_seq - 1 when the bundle is empty */
  gint64 row_count;     /* as the header states it (rows->len when collected) */
  char *head_before;    /* hash of row first_seq - 1, LOA_CHAIN_GENESIS if none */
  char *head_after;     /* hash of row last_seq (= head_before when empty) */
  char *public_key;     /* base64; set when written, as read when parsed */
  char *forms;          /* the canonical forms of the rows, "loa-airing/1 loa-airing/2"
                         * (see loa_bundle_forms); set when written, as read when parsed */
  GPtrArray *rows;      /* LoaBundleRow *, in chain order */
  GBytes *data;         /* the whole file, once written or read */
  gsize signed_length;  /* bytes of data the signature covers */
  char *signature;      /* base64, once written or read */
} LoaBundle;

void loa_bundle_free(LoaBundle *bundle);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaBundle, loa_bundle_free)

/* Collects the rows of [from, until) from a station database: the chain rows
 * after the last one completed before `from`, up to the last one completed
 * before `until` (so consecutive periods never overlap nor leave a gap).
 * tz formats the period's bounds. Returns a new bundle (not yet signed), or
 * NULL with LOA_BUNDLE_ERROR_DB. */
LoaBundle *loa_bundle_collect(sqlite3 *db, const char *station_name, const char *timezone_name,
                              GTimeZone *tz, const char *period, gint64 from, gint64 until,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Serialises and signs the bundle with key (which must have its secret):
 * sets bundle->public_key, ->signature, ->data and ->signed_length. */
gboolean loa_bundle_sign(LoaBundle *bundle, const LoaStationKey *key,
                         GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Writes a signed bundle's data to path atomically (a temporary file renamed
 * into place): path holds the whole bundle or is left as it was. */
gboolean loa_bundle_write(const LoaBundle *bundle, const char *path,
                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Parses bundle text (syntax only: nothing is verified yet). Returns a new
 * bundle or NULL with NOT_BUNDLE, VERSION, TRUNCATED or MALFORMED. */
LoaBundle *loa_bundle_parse(GBytes *data, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Reads and parses a bundle file; LOA_BUNDLE_ERROR_IO if it cannot be read. */
LoaBundle *loa_bundle_read(const char *path, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Checks the signature against key (the one registered for the station, not
 * the one the bundle names). Fails with LOA_BUNDLE_ERROR_SIGNATURE, saying
 * whether another key signed it or its content changed since. */
gboolean loa_bundle_verify_signature(const LoaBundle *bundle, const LoaStationKey *key,
                                     GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* TRUE if key signed the bundle as it is (whatever key the bundle names).
 * For choosing among several keys; loa_bundle_verify_signature explains. */
gboolean loa_bundle_signed_by(const LoaBundle *bundle, const LoaStationKey *key);

/* Checks that the rows form the chain the header claims: positions
 * first_seq..last_seq without gap, every row of the bundle's station and in
 * canonical form, the forms being those the header names (forms), every hash recomputed with loa_chain_hash from the row's
 * text and the previous hash (head_before for the first), the last one being
 * head_after. The error (CHAIN, STATION or MALFORMED) names the first bad
 * row by its chain position. On success, if airings is not NULL, sets it to
 * the rows parsed (LoaAiring *, chain fields set; the caller owns it). */
gboolean loa_bundle_verify_chain(const LoaBundle *bundle, GPtrArray **airings,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The header value naming the canonical forms of rows (LoaBundleRow *): the
 * forms they use, oldest first, separated by a space; "loa-airing/1" when
 * there is no row, as bundles were before form 2. Newly allocated. */
char *loa_bundle_forms(GPtrArray *rows) G_GNUC_WARN_UNUSED_RESULT;

/* Parses one canonical form (chain.h), in any form this Loa knows, back into
 * its station and airing, and checks that it is exactly what
 * loa_chain_canonical() makes of them. Returns a new airing (chain_seq and
 * chain_version set; prev_hash and hash empty) and sets *station_id, or
 * NULL with LOA_BUNDLE_ERROR_MALFORMED. */
LoaAiring *loa_bundle_parse_canonical(const char *text, char **station_id,
                                      GError **error) G_GNUC_WARN_UNUSED_RESULT;
