/* The station's loudspeaker lines (`lines`): each line's keys, its card
 * channels, and lines that share a card. Its `switch` group is read in
 * config-switching.c. */
#include "config.h"
#include "config-private.h"

#include "i18n.h"

char *
loa_config_validate_line_id(const char *value)
{
  if (g_strcmp0(value, "all") == 0)
    return g_strdup(_("'all' is reserved (schedules use it for every line)"));
  return loa_config_validate_id(value);
}

static char *
validate_output(const char *value)
{
  if (g_strcmp0(value, "null") == 0)
    return NULL;
  if (g_str_has_prefix(value, "alsa:") && value[5] != '\0')
    return NULL;
  if (g_str_has_prefix(value, "file:") && value[5] != '\0')
    return NULL;
  return g_strdup_printf(_("output '%s' is not \"alsa:PCM\" (an ALSA PCM name) or \"null\""),
                         value);
}

static char *
validate_monitor(const char *value)
{
  if (g_str_has_prefix(value, "alsa:") && value[5] != '\0')
    return NULL;
  return g_strdup_printf(_("monitor '%s' is not \"alsa:PCM\" (an ALSA capture PCM name)"), value);
}

static const KeySpec line_keys[] = {
  { "id", KEY_STRING, TRUE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaLineConfig, id),
    loa_config_validate_line_id },
  { "name", KEY_STRING, FALSE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaLineConfig, name), NULL },
  { "output", KEY_STRING, FALSE, 0, 0, "alsa:default", 0, G_STRUCT_OFFSET(LoaLineConfig, output), validate_output },
  { "monitor", KEY_STRING, FALSE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaLineConfig, monitor), validate_monitor },
  { "volume", KEY_DOUBLE, FALSE, -60, 12, "0", 0, G_STRUCT_OFFSET(LoaLineConfig, volume_db), NULL },
  { "mixer", KEY_STRING, FALSE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaLineConfig, mixer), NULL },
};

void
loa_config_line_free(gpointer data)
{
  LoaLineConfig *line = data;
  g_free(line->id);
  g_free(line->name);
  g_free(line->output);
  g_free(line->monitor);
  g_free(line->mixer);
  g_free(line->channels);
  g_free(line->line_switch.driver);
  g_free(line->line_switch.board);
  g_free(line->line_switch.chip);
  g_free(line->line_switch.on_code);
  g_free(line->line_switch.off_code);
  g_free(line);
}

/* Reads a line's optional `channels = [5, 6]`: the card channels (1-based,
 * as printed on the card) the line's channels go to, one per engine channel. */
static void
read_channels(Loader *loader, config_setting_t *entry, LoaLineConfig *lc, int engine_channels)
{
  config_setting_t *channels = config_setting_lookup(entry, "channels");
  if (channels == NULL)
    return;
  mark_read(loader, channels);
  int line = setting_line(channels);
  int n = config_setting_length(channels);
  if (!config_setting_is_array(channels) || n != engine_channels) {
    add_error(loader, line,
              _("line '%s': 'channels' must be a list of %d card channel numbers, one per "
                "channel of the line (engine.channels), e.g. [5, 6]"),
              lc->id, engine_channels);
    return;
  }
  lc->channels = g_new0(int, (gsize)n);
  lc->n_channels = n;
  for (int i = 0; i < n; i++) {
    config_setting_t *element = config_setting_get_elem(channels, (unsigned)i);
    mark_read(loader, element);
    int value = config_setting_type(element) == CONFIG_TYPE_INT ? config_setting_get_int(element) : 0;
    if (value < 1 || value > 8) {
      add_error(loader, line, _("line '%s': card channel %d in 'channels' is not 1..8"), lc->id,
                value);
      lc->n_channels = 0;
      return;
    }
    for (int j = 0; j < i; j++)
      if (lc->channels[j] == value) {
        add_error(loader, line, _("line '%s': card channel %d is given twice"), lc->id, value);
        lc->n_channels = 0;
        return;
      }
    lc->channels[i] = value;
  }
}

/* Lines sharing one output must each name their channels, and not the same
 * ones: they share one card, each on its own channels. */
void
loa_config_check_shared_outputs(Loader *loader, LoaConfig *config)
{
  for (guint i = 0; i < config->lines->len; i++) {
    LoaLineConfig *a = config->lines->pdata[i];
    for (guint j = i + 1; j < config->lines->len; j++) {
      LoaLineConfig *b = config->lines->pdata[j];
      if (g_strcmp0(a->output, b->output) != 0 || g_strcmp0(a->output, "null") == 0)
        continue;
      if (a->n_channels == 0 || b->n_channels == 0) {
        add_error(loader, b->source_line,
                  _("lines '%s' and '%s' both use output '%s': lines sharing a card need "
                    "'channels' (which of its channels each line uses)"),
                  a->id, b->id, a->output);
        continue;
      }
      for (int x = 0; x < a->n_channels; x++)
        for (int y = 0; y < b->n_channels; y++)
          if (a->channels[x] == b->channels[y])
            add_error(loader, b->source_line,
                      _("lines '%s' and '%s' both use channel %d of output '%s'"), a->id, b->id,
                      a->channels[x], a->output);
    }
  }
}

void
loa_config_read_lines(Loader *loader, config_t *cfg, LoaConfig *config)
{
  config_setting_t *lines = config_lookup(cfg, "lines");
  if (lines == NULL) {
    add_error(loader, 1, _("missing required setting 'lines' (a list of loudspeaker lines)"));
    return;
  }
  mark_read(loader, lines);
  if (!config_setting_is_list(lines) && !config_setting_is_array(lines)) {
    add_error(loader, setting_line(lines), _("'lines' must be a list: ( { id = ...; }, ... )"));
    return;
  }
  int n = config_setting_length(lines);
  if (n == 0)
    add_error(loader, setting_line(lines), _("'lines' is empty; a station needs at least one line"));

  for (int i = 0; i < n; i++) {
    config_setting_t *entry = config_setting_get_elem(lines, (unsigned)i);
    int line = setting_line(entry);
    if (!config_setting_is_group(entry)) {
      add_error(loader, line, _("lines entry %d must be a group { id = ...; output = ...; }"), i + 1);
      continue;
    }
    g_hash_table_add(loader->read, entry);
    LoaLineConfig *lc = g_new0(LoaLineConfig, 1);
    lc->source_line = line;
    loa_config_read_keys(loader, entry, line_keys, G_N_ELEMENTS(line_keys), lc, line);
    if (lc->id != NULL) {
      loa_config_read_switch(loader, entry, lc);
      read_channels(loader, entry, lc, config->channels);
    }
    if (lc->id == NULL) {
      loa_config_line_free(lc);
      continue;
    }
    if (loa_config_find_line(config, lc->id) != NULL) {
      add_error(loader, line, _("line id '%s' is used twice"), lc->id);
      loa_config_line_free(lc);
      continue;
    }
    if (lc->name == NULL)
      lc->name = g_strdup(lc->id);
    g_ptr_array_add(config->lines, lc);
  }
}
