/* A job that runs every few seconds on a worker thread of its own, with its
 * own connection to a station database file, so that long work (an ingest,
 * hashing library files) never holds up the caller's main loop. Used by the
 * drop folder and the library verifier. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

/* The job, on the worker thread: db is the worker's connection. */
typedef void (*LoaDbWorkerFunc)(sqlite3 *db, gpointer user_data);

typedef struct LoaDbWorker LoaDbWorker;

/* A worker for the file of db (the caller's connection; only its file name
 * is read, at the first run). what names the job in the one warning given if
 * the worker cannot open the file ("drop folder /srv/drop"). func and
 * user_data must outlive the worker. Not started. */
LoaDbWorker *loa_db_worker_new(sqlite3 *db, const char *what, LoaDbWorkerFunc func,
                               gpointer user_data);

/* Runs the job now and then every interval_seconds (at least 1) from a
 * timeout in context (NULL: the default context). A tick that finds the
 * previous run still going is skipped. Starting a started worker does
 * nothing. */
void loa_db_worker_start(LoaDbWorker *worker, GMainContext *context, guint interval_seconds);

/* Stops the timeout, waits for a run in progress and closes the worker's
 * connection. Safe if not started; it may be started again. */
void loa_db_worker_stop(LoaDbWorker *worker);

/* Stops it if started and frees it. NULL is fine. */
void loa_db_worker_free(LoaDbWorker *worker);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaDbWorker, loa_db_worker_free)
