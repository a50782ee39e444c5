/* Spoken bulletins: culture offices often send text, not audio. A
 * text-to-speech program from the configuration (library.tts_command,
 * default espeak-ng with its Vietnamese voice, slowed for horns) turns the
 * UTF-8 text into a WAV, which is then ingested like any other file, keeping
 * the text with the spot. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "ingest.h"

#define LOA_TTS_ERROR (loa_tts_error_quark())
GQuark loa_tts_error_quark(void);

typedef enum {
  LOA_TTS_ERROR_TEXT,     /* the text file is unreadable, empty, not UTF-8 */
  LOA_TTS_ERROR_COMMAND,  /* the configured command is malformed or lacks {text} / {wav} */
  LOA_TTS_ERROR_FAILED,   /* the program could not run, failed or wrote no audio */
} LoaTtsError;

/* Runs command (shell quoting; every {text} and {wav} inside an argument is
 * replaced by text_path and wav_path) and checks that it wrote a non-empty
 * wav_path. FALSE with LOA_TTS_ERROR_COMMAND or _FAILED (with the program's
 * own error output). */
gboolean loa_tts_render(const char *command, const char *text_path, const char *wav_path,
                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Reads the UTF-8 text of text_file, renders it with command in a temporary
 * folder and ingests the result (meta->bulletin_text and original_name are
 * set from the file; meta's other fields as given). Returns what
 * loa_ingest_file() returns; NULL with LOA_TTS_ERROR or LOA_SPOT_ERROR set,
 * every message naming text_file. Needs gst_init(). */
LoaSpot *loa_tts_ingest(sqlite3 *db, const char *library_dir, const char *command,
                        const char *text_file, const LoaIngestMeta *meta,
                        const LoaIngestOptions *options, gboolean *existing,
                        GError **error) G_GNUC_WARN_UNUSED_RESULT;
