/* `loa hw`: the hardware as Loa sees it. `list` shows the sound cards, their
 * PCM devices (channels, rates) and mixer controls, and the PCMs of the ALSA
 * configuration; `test LINE` switches one line on, plays a tone or a spoken
 * sentence on it alone, and switches it off again. */
#include "commands.h"

#include "i18n.h"
#include "inventory.h"
#include "switch.h"
#include "table.h"
#include "test-signal.h"

#include <stdio.h>
#include <string.h>

static char *
channel_range(int min, int max)
{
  if (max <= 0)
    return NULL;
  return min == max ? g_strdup_printf("%d", min) : g_strdup_printf("%d-%d", min, max);
}

static void
add_rows(LoaTable *table, GPtrArray *pcms, const char *kind)
{
  for (guint i = 0; i < pcms->len; i++) {
    const LoaAlsaPcm *pcm = g_ptr_array_index(pcms, i);
    loa_table_add_row(table);
    loa_table_take(table, 0, g_strdup_printf("alsa:%s", pcm->pcm));
    loa_table_set(table, 1, kind);
    loa_table_set(table, 2, pcm->description);
    loa_table_take(table, 3, channel_range(pcm->playback_channels_min, pcm->playback_channels_max));
    loa_table_take(table, 4, channel_range(pcm->capture_channels_min, pcm->capture_channels_max));
    loa_table_set(table, 5, pcm->rates);
    loa_table_set(table, 6, pcm->mixer);
    loa_table_set(table, 7, pcm->problem);
  }
}

static int
hw_list(LoaContext *ctx, int argc, char **argv)
{
  (void)ctx;
  g_autofree char *format_text = NULL;
  const GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_text, N_("table (default), json or csv"),
      N_("FORMAT") },
    { NULL },
  };
  int exit_code;
  if (!loa_command_parse(argv[0], NULL,
                         _("Lists the sound cards' PCM devices (what to write after \"alsa:\" in a "
                           "line's output), the channels and standard rates they accept, their "
                           "mixer controls, and the PCMs the ALSA configuration defines."),
                         entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 1) {
    loa_command_error(_("%s: unexpected argument '%s'"), argv[0], argv[1]);
    return LOA_EXIT_USAGE;
  }
  LoaTableFormat format = LOA_TABLE_FORMAT_TABLE;
  g_autoptr(GError) error = NULL;
  if (format_text != NULL && !loa_table_format_parse(format_text, &format, &error)) {
    loa_command_error("%s: %s", argv[0], error->message);
    return LOA_EXIT_USAGE;
  }

  g_autoptr(GPtrArray) cards = loa_inventory_cards();
  g_autoptr(GPtrArray) configured = loa_inventory_config_pcms();
  g_autoptr(LoaTable) table = loa_table_new();
  loa_table_add_column(table, "output", _("Output"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "kind", _("Kind"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "description", _("Description"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "playback_channels", _("Play ch."), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "capture_channels", _("Capture ch."), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "rates", _("Rates"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "mixer", _("Mixer controls"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "problem", _("Problem"), LOA_COLUMN_TEXT);
  add_rows(table, cards, "card");
  add_rows(table, configured, "config");

  /* Said on stderr so that JSON and CSV stay machine-readable. */
  if (cards->len == 0)
    fprintf(stderr, _("no sound cards\n"));
  gboolean written = loa_table_print(table, format, stdout);
  return loa_command_finish_output(written ? LOA_EXIT_OK : LOA_EXIT_PROBLEM);
}

static void
print_switch(const char *line_id, gboolean on, const LoaSwitchResult *result)
{
  g_autofree char *text = loa_switch_result_describe(result);
  printf(on ? _("line '%s': switched on: %s\n") : _("line '%s': switched off: %s\n"), line_id, text);
  fflush(stdout);
}

static int
hw_test(LoaContext *ctx, int argc, char **argv)
{
  double tone_hz = 1000, seconds = 5, level_dbfs = -12;
  gboolean voice = FALSE, no_switch = FALSE;
  const GOptionEntry entries[] = {
    { "tone", 0, 0, G_OPTION_ARG_DOUBLE, &tone_hz, N_("frequency of the tone (default 1000)"), N_("HZ") },
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds, N_("length of the tone (default 5)"), N_("N") },
    { "level", 0, 0, G_OPTION_ARG_DOUBLE, &level_dbfs, N_("level of the tone (default -12)"), N_("DBFS") },
    { "voice", 0, 0, G_OPTION_ARG_NONE, &voice, N_("speak a test sentence instead (espeak-ng)"), NULL },
    { "no-switch", 0, 0, G_OPTION_ARG_NONE, &no_switch,
      N_("leave the line's switch alone (it must already be on)"), NULL },
    { NULL },
  };
  int exit_code;
  if (!loa_command_parse(argv[0], _("LINE"),
                         _("Plays a test signal on one line only, through its configured output: "
                           "the line is switched on (and given switching.pre_roll_ms to warm up), "
                           "the signal plays, the line is switched off. In-band (dtmf) switches "
                           "are not played.\n\nExit status: 0 played, 1 the output or the switch "
                           "failed, 2 bad usage."),
                         entries, &argc, &argv, &exit_code))
    return exit_code;
  exit_code = LOA_EXIT_OK;
  if (argc != 2) {
    loa_command_error(_("%s: expects one LINE (see 'loa %s --help')"), argv[0], argv[0]);
    return LOA_EXIT_USAGE;
  }
  if (!(tone_hz >= 20 && tone_hz <= 20000) || !(seconds > 0 && seconds <= 3600) ||
      !(level_dbfs >= -60 && level_dbfs <= 0)) {
    loa_command_error(_("%s: --tone must be 20-20000 Hz, --seconds 0-3600, --level -60-0 dBFS"),
                      argv[0]);
    return LOA_EXIT_USAGE;
  }

  /* Only `test` needs the station's configuration; `list` works without one. */
  g_autoptr(GError) error = NULL;
  const char *config_path = ctx->config_path != NULL ? ctx->config_path : loa_config_default_path();
  g_autoptr(LoaConfig) config = loa_config_load(config_path, &error);
  if (config == NULL) {
    fprintf(stderr, "%s\n", error->message);
    return LOA_EXIT_USAGE;
  }
  for (guint i = 0; i < config->warnings->len; i++)
    fprintf(stderr, _("%s (warning)\n"), (char *)g_ptr_array_index(config->warnings, i));
  const LoaLineConfig *line = loa_config_find_line(config, argv[1]);
  if (line == NULL) {
    loa_command_error(_("%s: no line '%s' in %s"), argv[0], argv[1], config_path);
    return LOA_EXIT_USAGE;
  }

  g_autoptr(LoaSwitchSet) switches = NULL;
  gboolean switched = !no_switch && line->line_switch.driver != NULL &&
                      g_strcmp0(line->line_switch.driver, "dtmf") != 0;
  if (switched) {
    switches = loa_switch_set_new(config, &error);
    if (switches == NULL) {
      loa_command_error("%s", error->message);
      return LOA_EXIT_PROBLEM;
    }
    g_auto(LoaSwitchResult) result = { 0 };
    loa_switch_set_line(switches, line->id, TRUE, &result);
    print_switch(line->id, TRUE, &result);
    if (result.status != LOA_SWITCH_STATUS_OK)
      exit_code = LOA_EXIT_PROBLEM;
    else
      g_usleep((gulong)config->switch_pre_roll_ms * 1000);
  }

  LoaTestSignal signal = {
    .output = line->output,
    .line_id = line->id,
    .rate = config->sample_rate,
    .channels = config->channels,
    .tone_hz = tone_hz,
    .seconds = seconds,
    .level_dbfs = level_dbfs,
    .voice_text = voice ? _("This is a test of the loudspeaker line.") : NULL,
    .card_channels = line->n_channels > 0 ? line->channels : NULL,
  };
  for (guint i = 0; signal.card_channels != NULL && i < config->lines->len; i++) {
    const LoaLineConfig *other = g_ptr_array_index(config->lines, i);
    for (int c = 0; g_strcmp0(other->output, line->output) == 0 && c < other->n_channels; c++)
      signal.card_highest = MAX(signal.card_highest, other->channels[c]);
  }
  /* A failed switch does not stop the test: the output can still be checked. */
  {
    if (voice)
      printf(_("line '%s': speaking a test sentence on %s\n"), line->id, line->output);
    else
      printf(_("line '%s': playing a %g Hz tone at %g dBFS for %g s on %s\n"), line->id, tone_hz,
             level_dbfs, seconds, line->output);
    fflush(stdout);
    if (!loa_test_signal_play(&signal, &error)) {
      loa_command_error("%s", error->message);
      exit_code = LOA_EXIT_PROBLEM;
    }
  }

  if (switched) {
    g_auto(LoaSwitchResult) result = { 0 };
    loa_switch_set_line(switches, line->id, FALSE, &result);
    print_switch(line->id, FALSE, &result);
    if (result.status != LOA_SWITCH_STATUS_OK)
      exit_code = LOA_EXIT_PROBLEM;
  }
  return loa_command_finish_output(exit_code);
}

int
loa_cmd_hw(LoaContext *ctx, int argc, char **argv)
{
  static const LoaSubcommand subcommands[] = {
    { "list", hw_list, N_("sound cards, devices, channels, rates, mixer controls") },
    { "test", hw_test, N_("play a test tone or sentence on one line") },
  };
  return loa_command_dispatch(ctx, "hw", subcommands, G_N_ELEMENTS(subcommands), argc, argv);
}
