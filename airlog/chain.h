/* The as-run log's hash chain: the canonical form of a completed airing and
 * the chain over all completed airings, in completion order.
 *
 * Every completed row carries chain_seq (1, 2, 3, ... in completion order),
 * prev_hash (the hash of row chain_seq - 1, or LOA_CHAIN_GENESIS for the
 * first) and hash = SHA-256 over its canonical form followed by prev_hash.
 * The form is specified in docs/as-run-log.md so that an independent tool can
 * recompute it; tests/fixtures/airlog-chain*.txt hold known-answer vectors.
 *
 * The form has versions: each row records the one it was hashed with
 * (chain_version). Rows chained before schema 0006 are in form 1; rows
 * chained since are in form 2, which adds the airing's facts (gain, switch
 * result, monitor). Both verify forever; a row's form is never older than
 * the form of a row before it. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "airlog.h"

/* prev_hash of the first row: 64 '0' characters. */
#define LOA_CHAIN_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"
/* The form new rows are hashed with, and its name. */
#define LOA_CHAIN_VERSION 2
#define LOA_CHAIN_FORMAT "loa-airing/2"

/* "loa-airing/1" for 1, ...; NULL for a version this Loa does not know. Static. */
const char *loa_chain_format(int version);

/* The version of a format name, or 0 if this Loa does not know it. */
int loa_chain_format_version(const char *format);

/* Appends the canonical form of a completed airing (whose chain_seq is set)
 * of station_id to out, in the form airing->chain_version (the current one,
 * LOA_CHAIN_VERSION, when it is 0 or unknown). */
void loa_chain_canonical(const char *station_id, const LoaAiring *airing, GString *out);

/* SHA-256 of canonical followed by prev_hash (64 lowercase hex characters),
 * as 64 lowercase hex characters. Newly allocated. */
char *loa_chain_hash(const GString *canonical, const char *prev_hash) G_GNUC_WARN_UNUSED_RESULT;

/* What walking the chain found. */
typedef struct {
  gint64 rows;        /* completed rows checked */
  char *head;         /* hash of the last row (LOA_CHAIN_GENESIS if none) */
  gint64 bad_id;      /* first bad row's id, 0 if the chain holds */
  gint64 bad_seq;     /* its chain_seq (0 if it has none) */
  char *problem;      /* what is wrong with it, NULL if the chain holds */
} LoaChainReport;

/* Frees what report holds and zeroes it, ready for another walk. */
void loa_chain_report_clear(LoaChainReport *report);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(LoaChainReport, loa_chain_report_clear)

/* Walks every completed row in chain order and recomputes each hash. Returns
 * FALSE only if the database could not be read (error set); a broken chain
 * is TRUE with report->problem set. Uses every core. */
gboolean loa_chain_verify(sqlite3 *db, LoaChainReport *report, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Same from chain position first_seq (>= 1) to the head: the walk starts
 * from the stored hash of row first_seq - 1, which it takes on trust (a
 * missing one is a problem). report->rows counts the rows walked. Also
 * names a completed row outside the chain, wherever it is. */
gboolean loa_chain_verify_from(sqlite3 *db, gint64 first_seq, LoaChainReport *report,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Walks rows (LoaAiring *, in chain order, chain fields and chain_version
 * set) starting after prev_hash, as a bundle would carry them; same report
 * as loa_chain_verify, rows counting the rows walked. */
void loa_chain_verify_rows(const char *station_id, GPtrArray *rows, const char *prev_hash,
                           LoaChainReport *report);
