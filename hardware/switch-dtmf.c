/* The dtmf switch: in-band address codes for FM receivers. Switching renders
 * the line's code once (into a private temporary folder, kept until the set
 * is freed) and hands the file to the caller, who plays it on the line. */
#include "switch.h"

#include "dtmf.h"
#include "i18n.h"

#include <glib/gstdio.h>

typedef struct {
  const LoaConfig *config;
  char *folder;           /* private folder of the rendered codes */
  GHashTable *rendered;   /* code -> path of its WAV file */
} DtmfState;

static gpointer
dtmf_open(const LoaSwitchContext *context, GError **error)
{
  g_autoptr(GError) local = NULL;
  char *folder = g_dir_make_tmp("loa-dtmf-XXXXXX", &local);
  if (folder == NULL) {
    g_set_error(error, LOA_SWITCH_ERROR, LOA_SWITCH_ERROR_SETUP,
                _("cannot make a folder for the DTMF codes: %s"), local->message);
    return NULL;
  }
  DtmfState *state = g_new0(DtmfState, 1);
  state->config = context->config;
  state->folder = folder;
  state->rendered = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  return state;
}

static void
dtmf_close(gpointer data)
{
  DtmfState *state = data;
  if (state == NULL)
    return;
  GHashTableIter iter;
  gpointer path;
  g_hash_table_iter_init(&iter, state->rendered);
  while (g_hash_table_iter_next(&iter, NULL, &path))
    g_unlink(path);
  g_hash_table_destroy(state->rendered);
  g_rmdir(state->folder);
  g_free(state->folder);
  g_free(state);
}

static void
dtmf_set(gpointer data, const LoaLineConfig *line, gboolean on, LoaSwitchResult *result)
{
  DtmfState *state = data;
  const char *code = on ? line->line_switch.on_code : line->line_switch.off_code;
  result->status = LOA_SWITCH_STATUS_OK;
  if (code == NULL)
    return; /* no off code: the receivers time out by themselves */

  LoaDtmfFormat format = {
    .rate = state->config->sample_rate,
    .channels = state->config->channels,
    .tone_ms = state->config->dtmf_tone_ms,
    .gap_ms = state->config->dtmf_gap_ms,
    .level_dbfs = state->config->dtmf_level_dbfs,
  };
  const char *path = g_hash_table_lookup(state->rendered, code);
  if (path == NULL) {
    /* File names are numbered: '*' and '#' are awkward in names. */
    g_autofree char *name = g_strdup_printf("code-%u.wav", g_hash_table_size(state->rendered));
    g_autofree char *new_path = g_build_filename(state->folder, name, NULL);
    g_autoptr(GError) error = NULL;
    if (!loa_dtmf_render(code, &format, new_path, &error)) {
      result->status = LOA_SWITCH_STATUS_FAILED;
      result->reason = g_strdup(error->message);
      return;
    }
    path = new_path;
    g_hash_table_insert(state->rendered, g_strdup(code), g_steal_pointer(&new_path));
  }
  result->play_path = g_strdup(path);
  result->play_frames = loa_dtmf_frames(code, &format);
}

const LoaSwitchDriver loa_switch_dtmf_driver = {
  .name = "dtmf",
  .open = dtmf_open,
  .set = dtmf_set,
  .close = dtmf_close,
};
