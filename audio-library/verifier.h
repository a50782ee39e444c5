/* The library verifier: a background check, every minute, that the files of
 * the spots that may air are still the ones approved (see
 * loa_spot_verify_files()). A file whose mtime moved (a restore, a copy
 * without -p) is hashed on the verifier's own thread, so by the time the
 * spot airs its check is a stat() again; the daemon's loop never hashes a
 * large file seconds before an airing unless the file was touched within
 * the last minute. A file that cannot air is logged once (g_warning) when
 * first found, and again only if its reason changes or after it was mended
 * and broke again, so operators hear of it before its airing. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

typedef struct LoaVerifier LoaVerifier;

/* A verifier of the catalog in db and the files in library_dir, days
 * counted in tz. It borrows all three (they must outlive it). */
LoaVerifier *loa_verifier_new(sqlite3 *db, const char *library_dir, GTimeZone *tz);

/* Runs a pass now and then every interval_seconds from a timeout in context
 * (NULL: the default context). The passes run on a worker thread with its
 * own connection to db's file; a tick that finds a pass running is skipped. */
void loa_verifier_start(LoaVerifier *verifier, GMainContext *context, guint interval_seconds);

/* Stops the timeout and waits for a pass in progress. Safe if not started. */
void loa_verifier_stop(LoaVerifier *verifier);

/* How many passes have finished (for tests and status). Any thread. */
guint loa_verifier_passes(LoaVerifier *verifier);

/* Stops it if started and frees it. NULL is fine. */
void loa_verifier_free(LoaVerifier *verifier);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaVerifier, loa_verifier_free)
