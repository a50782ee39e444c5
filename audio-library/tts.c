/* Spoken bulletins (see tts.h). The program runs without a shell (its
 * command line is split once with shell quoting rules and the placeholders
 * are substituted per argument), so a file name with spaces, quotes or
 * Vietnamese letters reaches it as one argument and is never interpreted. */
#define G_LOG_DOMAIN "loa-library"

#include "tts.h"

#include "i18n.h"

#include <glib/gstdio.h>
#include <string.h>

G_DEFINE_QUARK(loa-tts-error-quark, loa_tts_error)

/* Replaces every occurrence of placeholder in text. Newly allocated. */
static char *
substitute(const char *text, const char *placeholder, const char *value)
{
  g_auto(GStrv) parts = g_strsplit(text, placeholder, -1);
  return g_strjoinv(value, parts);
}

gboolean
loa_tts_render(const char *command, const char *text_path, const char *wav_path, GError **error)
{
  g_auto(GStrv) argv = NULL;
  g_autoptr(GError) local = NULL;
  if (command == NULL || !g_shell_parse_argv(command, NULL, &argv, &local)) {
    g_set_error(error, LOA_TTS_ERROR, LOA_TTS_ERROR_COMMAND,
                _("the text-to-speech command is malformed (%s)"),
                local != NULL ? local->message : _("none configured"));
    return FALSE;
  }
  if (strstr(command, "{text}") == NULL || strstr(command, "{wav}") == NULL) {
    g_set_error(error, LOA_TTS_ERROR, LOA_TTS_ERROR_COMMAND,
                _("the text-to-speech command '%s' must contain {text} (the input file) and "
                  "{wav} (the WAV it writes)"),
                command);
    return FALSE;
  }
  for (char **arg = argv; *arg != NULL; arg++) {
    char *with_text = substitute(*arg, "{text}", text_path);
    char *with_wav = substitute(with_text, "{wav}", wav_path);
    g_free(with_text);
    g_free(*arg);
    *arg = with_wav;
  }

  g_autofree char *standard_error = NULL;
  int status = 0;
  if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                    NULL, &standard_error, &status, &local)) {
    g_set_error(error, LOA_TTS_ERROR, LOA_TTS_ERROR_FAILED,
                _("cannot run the text-to-speech program %s: %s"), argv[0], local->message);
    return FALSE;
  }
  if (!g_spawn_check_wait_status(status, &local)) {
    g_strstrip(standard_error);
    g_set_error(error, LOA_TTS_ERROR, LOA_TTS_ERROR_FAILED,
                _("the text-to-speech program %s failed (%s)%s%s"), argv[0], local->message,
                standard_error[0] != '\0' ? ": " : "", standard_error);
    return FALSE;
  }
  GStatBuf st;
  if (g_stat(wav_path, &st) != 0 || st.st_size == 0) {
    g_set_error(error, LOA_TTS_ERROR, LOA_TTS_ERROR_FAILED,
                _("the text-to-speech program %s wrote no audio"), argv[0]);
    return FALSE;
  }
  return TRUE;
}

/* Removes the temporary folder and what is in it (two files at most). */
static void
remove_work_dir(char *dir)
{
  if (dir == NULL)
    return;
  g_autoptr(GDir) listing = g_dir_open(dir, 0, NULL);
  const char *name;
  while (listing != NULL && (name = g_dir_read_name(listing)) != NULL) {
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_unlink(path);
  }
  g_rmdir(dir);
  g_free(dir);
}
typedef char WorkDir;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WorkDir, remove_work_dir)

LoaSpot *
loa_tts_ingest(sqlite3 *db, const char *library_dir, const char *command, const char *text_file,
               const LoaIngestMeta *meta, const LoaIngestOptions *options, gboolean *existing,
               GError **error)
{
  g_autofree char *raw = NULL;
  gsize length = 0;
  g_autoptr(GError) local = NULL;

  if (!g_file_get_contents(text_file, &raw, &length, &local)) {
    g_set_error(error, LOA_TTS_ERROR, LOA_TTS_ERROR_TEXT, "%s", local->message);
    return NULL;
  }
  if (!g_utf8_validate_len(raw, length, NULL)) {
    g_set_error(error, LOA_TTS_ERROR, LOA_TTS_ERROR_TEXT,
                _("%s: the text is not valid UTF-8 (save it as UTF-8, not in a legacy "
                  "Vietnamese encoding such as TCVN3 or VNI)"),
                text_file);
    return NULL;
  }
  /* A BOM from Notepad is not part of the text. */
  const char *start = g_str_has_prefix(raw, "\xEF\xBB\xBF") ? raw + 3 : raw;
  g_autofree char *text = g_utf8_normalize(start, -1, G_NORMALIZE_DEFAULT_COMPOSE);
  g_strstrip(text);
  if (text[0] == '\0') {
    g_set_error(error, LOA_TTS_ERROR, LOA_TTS_ERROR_TEXT, _("%s: the text is empty"), text_file);
    return NULL;
  }

  g_autoptr(WorkDir) dir = g_dir_make_tmp("loa-tts-XXXXXX", &local);
  if (dir == NULL) {
    g_set_error(error, LOA_TTS_ERROR, LOA_TTS_ERROR_FAILED, "%s: %s", text_file, local->message);
    return NULL;
  }
  g_autofree char *text_path = g_build_filename(dir, "bulletin.txt", NULL);
  g_autofree char *wav_path = g_build_filename(dir, "bulletin.wav", NULL);
  g_autofree char *with_newline = g_strconcat(text, "\n", NULL);
  if (!g_file_set_contents(text_path, with_newline, -1, &local)) {
    g_set_error(error, LOA_TTS_ERROR, LOA_TTS_ERROR_FAILED, "%s: %s", text_file, local->message);
    return NULL;
  }
  if (!loa_tts_render(command, text_path, wav_path, &local)) {
    g_set_error(error, LOA_TTS_ERROR, local->code, "%s: %s", text_file, local->message);
    return NULL;
  }

  LoaIngestMeta spoken = meta != NULL ? *meta : (LoaIngestMeta){ 0 };
  g_autofree char *base = g_filename_display_basename(text_file);
  spoken.bulletin_text = text;
  spoken.original_name = base;
  LoaSpot *spot = loa_ingest_file(db, library_dir, wav_path, &spoken, options, existing, &local);
  if (spot == NULL) {
    /* Name the text the user gave, not the temporary WAV. */
    g_autofree char *message = g_strdup(local->message);
    if (g_str_has_prefix(message, wav_path))
      g_set_error(error, local->domain, local->code, _("%s (spoken): %s"), text_file,
                  message + strlen(wav_path) + (message[strlen(wav_path)] == ':' ? 2 : 0));
    else
      g_propagate_error(error, g_steal_pointer(&local));
  }
  return spot;
}
