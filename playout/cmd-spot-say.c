/* `loa spot say FILE.txt`: a text bulletin turned into a spoken spot by the
 * configured text-to-speech program (audio-library/tts.h), then ingested
 * like any other file, the text kept with the spot. */
#include "cmd-spot.h"

#include "i18n.h"
#include "spot.h"
#include "tts.h"

#include <stdio.h>

int
loa_cmd_spot_say(LoaContext *ctx, int argc, char **argv)
{
  g_auto(LoaCmdSpotMeta) options_meta = { 0 };
  GOptionEntry entries[LOA_CMD_SPOT_META_ENTRIES + 1] = { { NULL } };
  loa_cmd_spot_meta_entries(&options_meta,
                            N_("the spot's id (default: \"S-\" and the start of the audio's "
                               "SHA-256)"),
                            N_("who supplied the text"), entries);
  g_autoptr(GError) error = NULL;
  int exit_code;

  if (!loa_command_parse(argv[0], _("FILE.txt"),
                         _("Reads a UTF-8 text bulletin aloud with the text-to-speech program of\n"
                           "library.tts_command and adds the recording to the library, keeping\n"
                           "the text with the spot."),
                         entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2) {
    loa_command_error(_("%s: give exactly one FILE.txt (see 'loa spot %s --help')"), argv[0],
                      argv[0]);
    return LOA_EXIT_USAGE;
  }
  const LoaIngestMeta meta = loa_cmd_spot_meta_ingest(&options_meta);
  const LoaIngestOptions options = loa_cmd_spot_ingest_options(ctx->config);
  gboolean existing = FALSE;
  gint64 started = g_get_monotonic_time();
  g_autoptr(LoaSpot) spot = loa_tts_ingest(ctx->db, ctx->config->library, ctx->config->tts_command,
                                           argv[1], &meta, &options, &existing, &error);
  if (spot == NULL) {
    loa_command_error("%s", error->message);
    if (error->domain == LOA_TTS_ERROR)
      return error->code == LOA_TTS_ERROR_TEXT ? LOA_EXIT_USAGE : LOA_EXIT_PROBLEM;
    return loa_cmd_spot_exit_code(error);
  }
  if (existing) {
    loa_command_error(_("%s: already in the library as spot %s"), argv[1], spot->id);
    return loa_command_finish_output(LOA_EXIT_OK);
  }
  loa_cmd_spot_print_added(ctx->config, spot,
                           (double)(g_get_monotonic_time() - started) / G_USEC_PER_SEC);
  return loa_command_finish_output(LOA_EXIT_OK);
}
