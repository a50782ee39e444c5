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
  g_autofree char *id = NULL, *title = NULL, *category = NULL, *topic = NULL;
  g_autofree char *supplier = NULL, *language = NULL, *notes = NULL, *tags = NULL;
  g_autofree char *valid_from = NULL, *valid_until = NULL;
  const GOptionEntry entries[] = {
    { "id", 0, 0, G_OPTION_ARG_STRING, &id,
      N_("the spot's id (default: \"S-\" and the start of the audio's SHA-256)"), N_("ID") },
    { "title", 0, 0, G_OPTION_ARG_STRING, &title, N_("its title"), N_("TEXT") },
    { "category", 0, 0, G_OPTION_ARG_STRING, &category,
      N_("article, news, report, announcement or other (default: other)"), N_("CATEGORY") },
    { "topic", 0, 0, G_OPTION_ARG_STRING, &topic, N_("its topic, e.g. attt"), N_("TOPIC") },
    { "supplier", 0, 0, G_OPTION_ARG_STRING, &supplier, N_("who supplied the text"),
      N_("NAME") },
    { "language", 0, 0, G_OPTION_ARG_STRING, &language, N_("its language (default: vi)"),
      N_("LANGUAGE") },
    { "notes", 0, 0, G_OPTION_ARG_STRING, &notes, N_("free notes"), N_("TEXT") },
    { "tags", 0, 0, G_OPTION_ARG_STRING, &tags, N_("comma-separated tags"), N_("TAGS") },
    { "valid-from", 0, 0, G_OPTION_ARG_STRING, &valid_from, N_("first day it may air"),
      N_("YYYY-MM-DD") },
    { "valid-until", 0, 0, G_OPTION_ARG_STRING, &valid_until, N_("last day it may air"),
      N_("YYYY-MM-DD") },
    { NULL },
  };
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
  const LoaIngestMeta meta = {
    .id = id, .title = title, .category = category, .topic = topic, .language = language,
    .supplier = supplier, .notes = notes, .tags = tags, .valid_from = valid_from,
    .valid_until = valid_until,
  };
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
