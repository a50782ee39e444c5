/* The drop folder: culture offices copy spots into a shared folder and Loa
 * ingests them, so nobody at the station has to type `loa spot add`.
 *
 * A file is ingested once it has stayed the same (size and mtime) for
 * library.drop_settle_seconds, so a half-copied file is never taken. Its
 * metadata comes from a sidecar of the same stem (news-01.mp3 + news-01.cfg,
 * libconfig: id, title, category, topic, language, supplier, notes,
 * valid_from, valid_until, tags) or from a row of manifest.csv (a header row
 * with a `file` column and any of the same names). A .txt file is a text
 * bulletin, spoken with library.tts_command. Ingested files (and duplicates
 * of spots already in the library) move to DIR/done/; rejected ones move to
 * DIR/rejected/ beside a NAME.error.txt that says why in plain words. Files
 * the station cannot take for reasons that are not theirs (database busy,
 * library folder not writable) stay where they are and are tried again.
 * Each outcome is one g_message (ingested) or g_warning (rejected, or a
 * system problem) line naming the file. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "config.h"

#define LOA_DROP_FOLDER_ERROR (loa_drop_folder_error_quark())
GQuark loa_drop_folder_error_quark(void);

typedef enum {
  LOA_DROP_FOLDER_ERROR_FOLDER,  /* the folder is missing, not a folder, or done/ or
                                  * rejected/ cannot be made in it */
} LoaDropFolderError;

/* What one scan did. */
typedef struct {
  guint ingested;    /* new spots */
  guint duplicates;  /* files already in the library (moved to done/) */
  guint rejected;    /* moved to rejected/ */
  guint waiting;     /* still changing, or not yet unchanged for long enough */
  guint retry;       /* kept for a later scan (system problem) */
} LoaDropFolderCounts;

typedef struct LoaDropFolder LoaDropFolder;

/* A watcher of dir (created if missing, with done/ and rejected/) that adds
 * to the catalog in db and the library of config (which it borrows: both
 * must outlive it). Returns NULL with LOA_DROP_FOLDER_ERROR set. */
LoaDropFolder *loa_drop_folder_new(sqlite3 *db, const LoaConfig *config, const char *dir,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Scans every interval (half the settle time, 1 to 5 s) from a timeout in
 * context (NULL: the default context). The scans themselves run on a worker
 * thread with its own connection to db's file, so a long ingest never holds
 * up context's loop; a tick that finds the previous scan running is skipped.
 * Needs gst_init(). */
void loa_drop_folder_start(LoaDropFolder *folder, GMainContext *context);

/* Stops the timeout and waits for a scan in progress. Safe if not started. */
void loa_drop_folder_stop(LoaDropFolder *folder);

/* One scan now, on the calling thread and db (not while started). counts
 * may be NULL. FALSE with LOA_DROP_FOLDER_ERROR only if the folder cannot be
 * read; a bad file is a rejection, not an error. */
gboolean loa_drop_folder_scan_once(LoaDropFolder *folder, LoaDropFolderCounts *counts,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Stops it if started and frees it. NULL is fine. */
void loa_drop_folder_free(LoaDropFolder *folder);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaDropFolder, loa_drop_folder_free)
