/* Table-driven loader for the station configuration (see config.h). */
#include "config.h"

#include "i18n.h"
#include "loa-cleanup.h"
#include "loa-time.h"

#include <errno.h>
#include <string.h>

G_DEFINE_QUARK(loa-config-error-quark, loa_config_error)

/* KEY_DOUBLE accepts integers too ("-16" as well as "-16.0"); KEY_BOOL is true or false. */
typedef enum { KEY_STRING, KEY_PATH, KEY_INT, KEY_DOUBLE, KEY_BOOL } KeyType;

/* What one scalar setting is: where it lives, what it must be, where it goes. */
typedef struct {
  const char *path;          /* relative to the group being read */
  KeyType type;
  gboolean required;
  int min, max;              /* KEY_INT / KEY_DOUBLE bounds */
  const char *default_text;  /* KEY_STRING / KEY_PATH default, NULL = none; KEY_DOUBLE default as text */
  int default_int;
  size_t offset;             /* into LoaConfig or LoaLineConfig */
  /* Extra check; returns NULL if fine, else a message (newly allocated). */
  char *(*validate)(const char *value);
} KeySpec;

static char *
validate_id(const char *value)
{
  if (!loa_config_id_is_valid(value))
    return g_strdup_printf(_("'%s' is not a valid id (letters, digits, '.', '_' or '-', at most 64)"),
                           value);
  return NULL;
}

static char *
validate_line_id(const char *value)
{
  if (g_strcmp0(value, "all") == 0)
    return g_strdup(_("'all' is reserved (schedules use it for every line)"));
  return validate_id(value);
}

static char *
validate_timezone(const char *value)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTimeZone) tz = loa_time_zone_new(value, &error);
  return tz == NULL ? g_strdup(error->message) : NULL;
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

static char *
validate_switch_command(const char *value)
{
  g_auto(GStrv) argv = NULL;
  g_autoptr(GError) error = NULL;
  if (!g_shell_parse_argv(value, NULL, &argv, &error))
    return g_strdup_printf(_("switching.command '%s' cannot be split into arguments: %s"), value,
                           error->message);
  return NULL;
}

static const KeySpec station_keys[] = {
  { "station.id", KEY_STRING, TRUE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaConfig, station_id), validate_id },
  { "station.name", KEY_STRING, FALSE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaConfig, station_name), NULL },
  { "station.timezone", KEY_STRING, FALSE, 0, 0, "Asia/Ho_Chi_Minh", 0,
    G_STRUCT_OFFSET(LoaConfig, timezone_name), validate_timezone },
  { "database", KEY_PATH, FALSE, 0, 0, "/var/lib/loa/loa.db", 0, G_STRUCT_OFFSET(LoaConfig, database), NULL },
  { "control_socket", KEY_PATH, FALSE, 0, 0, "/run/loa/control", 0,
    G_STRUCT_OFFSET(LoaConfig, control_socket), NULL },
  { "loudness_target", KEY_DOUBLE, FALSE, -40, -5, "-16", 0, G_STRUCT_OFFSET(LoaConfig, loudness_target), NULL },
  { "true_peak_max", KEY_DOUBLE, FALSE, -20, 0, "-1", 0, G_STRUCT_OFFSET(LoaConfig, true_peak_max), NULL },
  { "filler", KEY_STRING, FALSE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaConfig, filler), validate_id },
  { "loudness_normalize", KEY_BOOL, FALSE, 0, 0, NULL, TRUE, G_STRUCT_OFFSET(LoaConfig, loudness_normalize), NULL },
  { "require_approval", KEY_BOOL, FALSE, 0, 0, NULL, TRUE, G_STRUCT_OFFSET(LoaConfig, require_approval), NULL },
  { "cue_silence_db", KEY_DOUBLE, FALSE, -90, -20, "-50", 0, G_STRUCT_OFFSET(LoaConfig, cue_silence_db), NULL },
  { "monitor_threshold_db", KEY_DOUBLE, FALSE, -90, -10, "-45", 0,
    G_STRUCT_OFFSET(LoaConfig, monitor_threshold_db), NULL },
  { "station.key", KEY_PATH, FALSE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaConfig, key), NULL },
  { "engine.rate", KEY_INT, FALSE, 8000, 192000, NULL, 48000, G_STRUCT_OFFSET(LoaConfig, sample_rate), NULL },
  { "engine.channels", KEY_INT, FALSE, 1, 8, NULL, 2, G_STRUCT_OFFSET(LoaConfig, channels), NULL },
  { "engine.prepare_seconds", KEY_INT, FALSE, 1, 60, NULL, 3, G_STRUCT_OFFSET(LoaConfig, prepare_seconds), NULL },
  { "engine.latency_ms", KEY_INT, FALSE, 0, 2000, NULL, 0, G_STRUCT_OFFSET(LoaConfig, latency_ms), NULL },
  { "engine.realtime_priority", KEY_INT, FALSE, 0, 99, NULL, 10,
    G_STRUCT_OFFSET(LoaConfig, realtime_priority), NULL },
  { "switching.pre_roll_ms", KEY_INT, FALSE, 0, 60000, NULL, 2000,
    G_STRUCT_OFFSET(LoaConfig, switch_pre_roll_ms), NULL },
  { "switching.post_roll_ms", KEY_INT, FALSE, 0, 600000, NULL, 2000,
    G_STRUCT_OFFSET(LoaConfig, switch_post_roll_ms), NULL },
  { "switching.timeout_ms", KEY_INT, FALSE, 50, 10000, NULL, 500,
    G_STRUCT_OFFSET(LoaConfig, switch_timeout_ms), NULL },
  { "switching.command", KEY_STRING, FALSE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaConfig, switch_command),
    validate_switch_command },
  { "switching.command_timeout_ms", KEY_INT, FALSE, 100, 60000, NULL, 5000,
    G_STRUCT_OFFSET(LoaConfig, switch_command_timeout_ms), NULL },
  { "switching.dtmf.tone_ms", KEY_INT, FALSE, 40, 1000, NULL, 100,
    G_STRUCT_OFFSET(LoaConfig, dtmf_tone_ms), NULL },
  { "switching.dtmf.gap_ms", KEY_INT, FALSE, 40, 1000, NULL, 100,
    G_STRUCT_OFFSET(LoaConfig, dtmf_gap_ms), NULL },
  { "switching.dtmf.level_dbfs", KEY_INT, FALSE, -40, -7, NULL, -10,
    G_STRUCT_OFFSET(LoaConfig, dtmf_level_dbfs), NULL },
};

static char *
validate_category(const char *value)
{
  static const char *const categories[] = { "article", "news", "report", "announcement", "other" };
  for (size_t i = 0; i < G_N_ELEMENTS(categories); i++)
    if (g_strcmp0(value, categories[i]) == 0)
      return NULL;
  return g_strdup_printf(_("category '%s' is not article, news, report, announcement or other"),
                         value);
}

static char *
validate_period(const char *value)
{
  if (g_strcmp0(value, "month") == 0 || g_strcmp0(value, "year") == 0)
    return NULL;
  return g_strdup_printf(_("period '%s' is not \"month\" or \"year\""), value);
}

static const KeySpec quota_keys[] = {
  { "topic", KEY_STRING, TRUE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaQuotaConfig, topic), NULL },
  { "category", KEY_STRING, TRUE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaQuotaConfig, category), validate_category },
  { "per", KEY_STRING, FALSE, 0, 0, "month", 0, G_STRUCT_OFFSET(LoaQuotaConfig, per), validate_period },
  { "at_least", KEY_INT, TRUE, 1, 100000, NULL, 0, G_STRUCT_OFFSET(LoaQuotaConfig, at_least), NULL },
};

static const KeySpec line_keys[] = {
  { "id", KEY_STRING, TRUE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaLineConfig, id), validate_line_id },
  { "name", KEY_STRING, FALSE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaLineConfig, name), NULL },
  { "output", KEY_STRING, FALSE, 0, 0, "alsa:default", 0, G_STRUCT_OFFSET(LoaLineConfig, output), validate_output },
  { "monitor", KEY_STRING, FALSE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaLineConfig, monitor), validate_monitor },
  { "volume", KEY_DOUBLE, FALSE, -60, 12, "0", 0, G_STRUCT_OFFSET(LoaLineConfig, volume_db), NULL },
  { "mixer", KEY_STRING, FALSE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaLineConfig, mixer), NULL },
};

static char *
validate_switch_driver(const char *value)
{
  static const char *const drivers[] = { "gpio", "modbus", "dtmf", "command" };
  for (size_t i = 0; i < G_N_ELEMENTS(drivers); i++)
    if (g_strcmp0(value, drivers[i]) == 0)
      return NULL;
  return g_strdup_printf(_("switch driver '%s' is not gpio, modbus, dtmf or command"), value);
}

static char *
validate_dtmf_code(const char *value)
{
  if (value[0] == '\0')
    return g_strdup(_("a DTMF code must not be empty"));
  for (const char *c = value; *c != '\0'; c++)
    if (strchr("0123456789*#ABCD", *c) == NULL)
      return g_strdup_printf(_("DTMF code '%s' has '%c'; only 0-9, *, # and A-D are DTMF digits"),
                             value, *c);
  return NULL;
}

static const KeySpec switch_keys[] = {
  { "driver", KEY_STRING, TRUE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaSwitchConfig, driver), validate_switch_driver },
  { "board", KEY_STRING, FALSE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaSwitchConfig, board), NULL },
  { "coil", KEY_INT, FALSE, 0, 65535, NULL, -1, G_STRUCT_OFFSET(LoaSwitchConfig, coil), NULL },
  { "chip", KEY_STRING, FALSE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaSwitchConfig, chip), NULL },
  { "offset", KEY_INT, FALSE, 0, 65535, NULL, -1, G_STRUCT_OFFSET(LoaSwitchConfig, offset), NULL },
  { "active_low", KEY_BOOL, FALSE, 0, 0, NULL, FALSE, G_STRUCT_OFFSET(LoaSwitchConfig, active_low), NULL },
  { "on", KEY_STRING, FALSE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaSwitchConfig, on_code), validate_dtmf_code },
  { "off", KEY_STRING, FALSE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaSwitchConfig, off_code), validate_dtmf_code },
};

static char *
validate_modbus_address(const char *value)
{
  if (g_str_has_prefix(value, "rtu:") && value[4] != '\0')
    return NULL;
  if (g_str_has_prefix(value, "tcp:")) {
    const char *colon = strrchr(value + 4, ':');
    if (colon != NULL && colon != value + 4 && colon[1] != '\0' &&
        strspn(colon + 1, "0123456789") == strlen(colon + 1))
      return NULL;
  }
  return g_strdup_printf(_("Modbus address '%s' is not \"tcp:HOST:PORT\" or \"rtu:DEVICE\""), value);
}

static char *
validate_parity(const char *value)
{
  if (g_strcmp0(value, "none") == 0 || g_strcmp0(value, "even") == 0 || g_strcmp0(value, "odd") == 0)
    return NULL;
  return g_strdup_printf(_("parity '%s' is not \"none\", \"even\" or \"odd\""), value);
}

static const KeySpec modbus_board_keys[] = {
  { "id", KEY_STRING, TRUE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaModbusBoardConfig, id), validate_id },
  { "address", KEY_STRING, TRUE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaModbusBoardConfig, address),
    validate_modbus_address },
  { "unit", KEY_INT, FALSE, 0, 247, NULL, 1, G_STRUCT_OFFSET(LoaModbusBoardConfig, unit), NULL },
  { "baud", KEY_INT, FALSE, 300, 921600, NULL, 9600, G_STRUCT_OFFSET(LoaModbusBoardConfig, baud), NULL },
  { "parity", KEY_STRING, FALSE, 0, 0, "none", 0, G_STRUCT_OFFSET(LoaModbusBoardConfig, parity),
    validate_parity },
  { "data_bits", KEY_INT, FALSE, 5, 8, NULL, 8, G_STRUCT_OFFSET(LoaModbusBoardConfig, data_bits), NULL },
  { "stop_bits", KEY_INT, FALSE, 1, 2, NULL, 1, G_STRUCT_OFFSET(LoaModbusBoardConfig, stop_bits), NULL },
};

/* Loading state: the file, the settings that were read, the problems found. */
typedef struct {
  const char *file;
  char *dir;            /* directory of the file, for relative paths */
  GHashTable *read;     /* config_setting_t * that some key spec consumed */
  GString *errors;      /* "file:line: message\n" ... */
  GPtrArray *warnings;
} Loader;

static int
setting_line(const config_setting_t *setting)
{
  return setting != NULL ? (int)config_setting_source_line(setting) : 0;
}

static void G_GNUC_PRINTF(3, 4)
add_error(Loader *loader, int line, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  g_autofree char *message = g_strdup_vprintf(format, args);
  va_end(args);
  g_string_append_printf(loader->errors, "%s:%d: %s\n", loader->file, line, message);
}

/* Marks the setting and every group on the way to it as read. */
static void
mark_read(Loader *loader, config_setting_t *setting)
{
  for (; setting != NULL; setting = config_setting_parent(setting))
    g_hash_table_add(loader->read, setting);
}

static void
read_keys(Loader *loader, config_setting_t *group, const KeySpec *specs, size_t n_specs,
          void *target, int owner_line)
{
  for (size_t i = 0; i < n_specs; i++) {
    const KeySpec *spec = &specs[i];
    config_setting_t *setting = config_setting_lookup(group, spec->path);
    char **string_slot = G_STRUCT_MEMBER_P(target, spec->offset);
    int *int_slot = G_STRUCT_MEMBER_P(target, spec->offset);

    if (setting == NULL) {
      if (spec->required)
        add_error(loader, owner_line, _("missing required setting '%s'"), spec->path);
      else if (spec->type == KEY_INT || spec->type == KEY_BOOL)
        *int_slot = spec->default_int;
      else if (spec->type == KEY_DOUBLE)
        *(double *)G_STRUCT_MEMBER_P(target, spec->offset) = g_ascii_strtod(spec->default_text, NULL);
      else if (spec->default_text != NULL)
        *string_slot = spec->type == KEY_PATH
                           ? g_canonicalize_filename(spec->default_text, loader->dir)
                           : g_strdup(spec->default_text);
      continue;
    }
    mark_read(loader, setting);
    int line = setting_line(setting);

    if (spec->type == KEY_INT) {
      if (config_setting_type(setting) != CONFIG_TYPE_INT &&
          config_setting_type(setting) != CONFIG_TYPE_INT64) {
        add_error(loader, line, _("'%s' must be an integer"), spec->path);
        continue;
      }
      long long value = config_setting_get_int64(setting);
      if (value < spec->min || value > spec->max) {
        add_error(loader, line, _("'%s' is %lld; it must be between %d and %d"), spec->path,
                  value, spec->min, spec->max);
        continue;
      }
      *int_slot = (int)value;
      continue;
    }
    if (spec->type == KEY_BOOL) {
      if (config_setting_type(setting) != CONFIG_TYPE_BOOL) {
        add_error(loader, line, _("'%s' must be true or false"), spec->path);
        continue;
      }
      *int_slot = config_setting_get_bool(setting) ? TRUE : FALSE;
      continue;
    }
    if (spec->type == KEY_DOUBLE) {
      int setting_type = config_setting_type(setting);
      if (setting_type != CONFIG_TYPE_FLOAT && setting_type != CONFIG_TYPE_INT &&
          setting_type != CONFIG_TYPE_INT64) {
        add_error(loader, line, _("'%s' must be a number"), spec->path);
        continue;
      }
      double value = setting_type == CONFIG_TYPE_FLOAT ? config_setting_get_float(setting)
                                                       : (double)config_setting_get_int64(setting);
      if (!(value >= spec->min && value <= spec->max)) {
        add_error(loader, line, _("'%s' is %g; it must be between %d and %d"), spec->path,
                  value, spec->min, spec->max);
        continue;
      }
      *(double *)G_STRUCT_MEMBER_P(target, spec->offset) = value;
      continue;
    }

    if (config_setting_type(setting) != CONFIG_TYPE_STRING) {
      add_error(loader, line, _("'%s' must be a string in double quotes"), spec->path);
      continue;
    }
    const char *value = config_setting_get_string(setting);
    if (!g_utf8_validate(value, -1, NULL)) {
      add_error(loader, line, _("'%s' is not valid UTF-8"), spec->path);
      continue;
    }
    if (spec->validate != NULL) {
      g_autofree char *problem = spec->validate(value);
      if (problem != NULL) {
        add_error(loader, line, "%s", problem);
        continue;
      }
    }
    if (spec->type == KEY_PATH && value[0] == '\0') {
      add_error(loader, line, _("'%s' must not be empty"), spec->path);
      continue;
    }
    *string_slot = spec->type == KEY_PATH ? g_canonicalize_filename(value, loader->dir)
                                          : g_strdup(value);
  }
}

static void
line_config_free(gpointer data)
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

/* Names every key of the switch group that its driver does not use. */
static void
check_switch_keys(Loader *loader, config_setting_t *group, const char *driver,
                  const char *const *allowed)
{
  for (size_t i = 0; i < G_N_ELEMENTS(switch_keys); i++) {
    const char *key = switch_keys[i].path;
    if (g_strcmp0(key, "driver") == 0 || g_strv_contains(allowed, key))
      continue;
    config_setting_t *setting = config_setting_lookup(group, key);
    if (setting != NULL)
      add_error(loader, setting_line(setting), _("'%s' does not apply to switch driver '%s'"), key,
                driver);
  }
}

/* Reads a line's optional `switch` group into lc->line_switch. The board a
 * modbus switch names is checked once all boards are read (check_switches). */
static void
read_switch(Loader *loader, config_setting_t *entry, LoaLineConfig *lc)
{
  LoaSwitchConfig *sw = &lc->line_switch;
  sw->coil = -1;
  sw->offset = -1;
  config_setting_t *group = config_setting_lookup(entry, "switch");
  if (group == NULL)
    return;
  mark_read(loader, group);
  int line = setting_line(group);
  sw->source_line = line;
  if (!config_setting_is_group(group)) {
    add_error(loader, line, _("line '%s': 'switch' must be a group { driver = ...; ... }"), lc->id);
    return;
  }
  guint errors_before = (guint)loader->errors->len;
  read_keys(loader, group, switch_keys, G_N_ELEMENTS(switch_keys), sw, line);
  if ((guint)loader->errors->len != errors_before || sw->driver == NULL)
    return;

  if (g_strcmp0(sw->driver, "modbus") == 0) {
    static const char *const allowed[] = { "board", "coil", NULL };
    check_switch_keys(loader, group, sw->driver, allowed);
    if (sw->board == NULL || sw->coil < 0)
      add_error(loader, line, _("line '%s': a modbus switch needs 'board' and 'coil'"), lc->id);
  } else if (g_strcmp0(sw->driver, "gpio") == 0) {
    static const char *const allowed[] = { "chip", "offset", "active_low", NULL };
    check_switch_keys(loader, group, sw->driver, allowed);
    if (sw->chip == NULL || sw->offset < 0)
      add_error(loader, line, _("line '%s': a gpio switch needs 'chip' and 'offset'"), lc->id);
  } else if (g_strcmp0(sw->driver, "dtmf") == 0) {
    static const char *const allowed[] = { "on", "off", NULL };
    check_switch_keys(loader, group, sw->driver, allowed);
    if (sw->on_code == NULL)
      add_error(loader, line, _("line '%s': a dtmf switch needs 'on' (the address code)"), lc->id);
  } else {
    static const char *const allowed[] = { NULL };
    check_switch_keys(loader, group, sw->driver, allowed);
  }
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
static void
check_shared_outputs(Loader *loader, LoaConfig *config)
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

static void
read_lines(Loader *loader, config_t *cfg, LoaConfig *config)
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
    read_keys(loader, entry, line_keys, G_N_ELEMENTS(line_keys), lc, line);
    if (lc->id != NULL) {
      read_switch(loader, entry, lc);
      read_channels(loader, entry, lc, config->channels);
    }
    if (lc->id == NULL) {
      line_config_free(lc);
      continue;
    }
    if (loa_config_find_line(config, lc->id) != NULL) {
      add_error(loader, line, _("line id '%s' is used twice"), lc->id);
      line_config_free(lc);
      continue;
    }
    if (lc->name == NULL)
      lc->name = g_strdup(lc->id);
    g_ptr_array_add(config->lines, lc);
  }
}

/* `library` is either the library folder as a string (the original form) or a
 * group that also holds the drop folder and the text-to-speech command. */
static const KeySpec library_keys[] = {
  { "path", KEY_PATH, FALSE, 0, 0, "/var/lib/loa/library", 0, G_STRUCT_OFFSET(LoaConfig, library), NULL },
  { "drop_folder", KEY_PATH, FALSE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaConfig, drop_folder), NULL },
  { "drop_settle_seconds", KEY_INT, FALSE, 0, 3600, NULL, 10, G_STRUCT_OFFSET(LoaConfig, drop_settle_seconds), NULL },
  { "air_copies", KEY_BOOL, FALSE, 0, 0, NULL, TRUE, G_STRUCT_OFFSET(LoaConfig, air_copies), NULL },
  { "tts_command", KEY_STRING, FALSE, 0, 0, "espeak-ng -v vi -s 130 -f {text} -w {wav}", 0,
    G_STRUCT_OFFSET(LoaConfig, tts_command), NULL },
};

static const KeySpec library_path_key[] = {
  { "library", KEY_PATH, FALSE, 0, 0, "/var/lib/loa/library", 0, G_STRUCT_OFFSET(LoaConfig, library), NULL },
};

static void
read_library(Loader *loader, config_t *cfg, LoaConfig *config)
{
  config_setting_t *library = config_lookup(cfg, "library");
  if (library != NULL && config_setting_is_group(library)) {
    mark_read(loader, library);
    read_keys(loader, library, library_keys, G_N_ELEMENTS(library_keys), config,
              setting_line(library));
    return;
  }
  read_keys(loader, config_root_setting(cfg), library_path_key, G_N_ELEMENTS(library_path_key),
            config, 1);
  /* The string form has no group: the other library settings take their defaults. */
  config_t *empty = loa_libconfig_new();
  read_keys(loader, config_root_setting(empty), library_keys + 1, G_N_ELEMENTS(library_keys) - 1,
            config, 1);
  loa_libconfig_free(empty);
}

static void
quota_config_free(gpointer data)
{
  LoaQuotaConfig *quota = data;
  g_free(quota->topic);
  g_free(quota->category);
  g_free(quota->per);
  g_free(quota);
}

static void
read_quotas(Loader *loader, config_t *cfg, LoaConfig *config)
{
  config_setting_t *quotas = config_lookup(cfg, "quotas");
  if (quotas == NULL)
    return;
  mark_read(loader, quotas);
  if (!config_setting_is_list(quotas) && !config_setting_is_array(quotas)) {
    add_error(loader, setting_line(quotas),
              _("'quotas' must be a list: ( { topic = ...; category = ...; at_least = ...; }, ... )"));
    return;
  }
  int n = config_setting_length(quotas);
  for (int i = 0; i < n; i++) {
    config_setting_t *entry = config_setting_get_elem(quotas, (unsigned)i);
    int line = setting_line(entry);
    if (!config_setting_is_group(entry)) {
      add_error(loader, line, _("quotas entry %d must be a group { topic = ...; ... }"), i + 1);
      continue;
    }
    g_hash_table_add(loader->read, entry);
    LoaQuotaConfig *quota = g_new0(LoaQuotaConfig, 1);
    quota->source_line = line;
    guint errors_before = (guint)loader->errors->len;
    read_keys(loader, entry, quota_keys, G_N_ELEMENTS(quota_keys), quota, line);
    if ((guint)loader->errors->len != errors_before) {
      quota_config_free(quota);
      continue;
    }
    g_ptr_array_add(config->quotas, quota);
  }
}

static void
zone_config_free(gpointer data)
{
  LoaZoneConfig *zone = data;
  g_free(zone->id);
  g_free(zone->name);
  g_strfreev(zone->lines);
  g_free(zone);
}

static const KeySpec zone_keys[] = {
  { "id", KEY_STRING, TRUE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaZoneConfig, id), validate_line_id },
  { "name", KEY_STRING, FALSE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaZoneConfig, name), NULL },
};

/* Reads a zone's `lines` into zone->lines, in config order. Lines are read
 * before zones, so every id can be checked. */
static void
read_zone_lines(Loader *loader, config_setting_t *entry, LoaZoneConfig *zone, const LoaConfig *config)
{
  config_setting_t *lines = config_setting_lookup(entry, "lines");
  if (lines == NULL) {
    add_error(loader, setting_line(entry), _("zone '%s': missing 'lines' (a list of line ids)"),
              zone->id);
    return;
  }
  mark_read(loader, lines);
  if (!config_setting_is_array(lines) && !config_setting_is_list(lines)) {
    add_error(loader, setting_line(lines), _("zone '%s': 'lines' must be a list [ \"a\", \"b\" ]"),
              zone->id);
    return;
  }
  int n = config_setting_length(lines);
  if (n == 0)
    add_error(loader, setting_line(lines), _("zone '%s': 'lines' is empty"), zone->id);
  g_autofree gboolean *chosen = g_new0(gboolean, config->lines->len + 1);
  for (int i = 0; i < n; i++) {
    config_setting_t *element = config_setting_get_elem(lines, (unsigned)i);
    mark_read(loader, element);
    const char *id = config_setting_get_string(element);
    guint index = 0;
    while (id != NULL && index < config->lines->len &&
           g_strcmp0(((LoaLineConfig *)g_ptr_array_index(config->lines, index))->id, id) != 0)
      index++;
    if (id == NULL || index == config->lines->len)
      add_error(loader, setting_line(lines), _("zone '%s': '%s' is not one of the station's lines"),
                zone->id, id != NULL ? id : "?");
    else
      chosen[index] = TRUE;
  }
  GPtrArray *ids = g_ptr_array_new();
  for (guint j = 0; j < config->lines->len; j++)
    if (chosen[j])
      g_ptr_array_add(ids, g_strdup(((LoaLineConfig *)g_ptr_array_index(config->lines, j))->id));
  g_ptr_array_add(ids, NULL);
  zone->lines = (GStrv)g_ptr_array_free(ids, FALSE);
}

static void
read_zones(Loader *loader, config_t *cfg, LoaConfig *config)
{
  config_setting_t *zones = config_lookup(cfg, "zones");
  if (zones == NULL)
    return;
  mark_read(loader, zones);
  if (!config_setting_is_list(zones)) {
    add_error(loader, setting_line(zones),
              _("'zones' must be a list: ( { id = ...; lines = [ ... ]; }, ... )"));
    return;
  }
  int n = config_setting_length(zones);
  for (int i = 0; i < n; i++) {
    config_setting_t *entry = config_setting_get_elem(zones, (unsigned)i);
    int line = setting_line(entry);
    if (!config_setting_is_group(entry)) {
      add_error(loader, line, _("zones entry %d must be a group { id = ...; lines = ...; }"), i + 1);
      continue;
    }
    g_hash_table_add(loader->read, entry);
    LoaZoneConfig *zone = g_new0(LoaZoneConfig, 1);
    zone->source_line = line;
    guint errors_before = (guint)loader->errors->len;
    read_keys(loader, entry, zone_keys, G_N_ELEMENTS(zone_keys), zone, line);
    if (zone->id != NULL)
      read_zone_lines(loader, entry, zone, config);
    if ((guint)loader->errors->len != errors_before) {
      zone_config_free(zone);
      continue;
    }
    if (loa_config_find_line(config, zone->id) != NULL ||
        loa_config_find_zone(config, zone->id) != NULL) {
      add_error(loader, line, _("zone id '%s' is already the id of a line or zone"), zone->id);
      zone_config_free(zone);
      continue;
    }
    if (zone->name == NULL)
      zone->name = g_strdup(zone->id);
    g_ptr_array_add(config->zones, zone);
  }
}

static void
blackout_config_free(gpointer data)
{
  LoaBlackoutConfig *blackout = data;
  g_free(blackout->name);
  g_free(blackout->from);
  g_free(blackout->until);
  g_free(blackout);
}

static char *
validate_date(const char *value)
{
  LoaDate date;
  g_autoptr(GError) error = NULL;
  return loa_date_parse(value, &date, &error) ? NULL : g_strdup(error->message);
}

static const KeySpec blackout_keys[] = {
  { "name", KEY_STRING, TRUE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaBlackoutConfig, name), NULL },
  { "date", KEY_STRING, FALSE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaBlackoutConfig, from), validate_date },
  { "from", KEY_STRING, FALSE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaBlackoutConfig, from), validate_date },
  { "until", KEY_STRING, FALSE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaBlackoutConfig, until), validate_date },
};

/* `blackout`: days (`date`) or ranges (`from`..`until`) when nothing but
 * emergencies airs. */
static void
read_blackouts(Loader *loader, config_t *cfg, LoaConfig *config)
{
  config_setting_t *blackouts = config_lookup(cfg, "blackout");
  if (blackouts == NULL)
    return;
  mark_read(loader, blackouts);
  if (!config_setting_is_list(blackouts)) {
    add_error(loader, setting_line(blackouts),
              _("'blackout' must be a list: ( { name = ...; date = \"YYYY-MM-DD\"; }, ... )"));
    return;
  }
  int n = config_setting_length(blackouts);
  for (int i = 0; i < n; i++) {
    config_setting_t *entry = config_setting_get_elem(blackouts, (unsigned)i);
    int line = setting_line(entry);
    if (!config_setting_is_group(entry)) {
      add_error(loader, line, _("blackout entry %d must be a group { name = ...; date = ...; }"),
                i + 1);
      continue;
    }
    g_hash_table_add(loader->read, entry);
    gboolean has_date = config_setting_lookup(entry, "date") != NULL;
    gboolean has_from = config_setting_lookup(entry, "from") != NULL;
    gboolean has_until = config_setting_lookup(entry, "until") != NULL;
    if (has_date == (has_from || has_until) || has_from != has_until) {
      add_error(loader, line,
                _("blackout entry %d needs either 'date' or both 'from' and 'until'"), i + 1);
      continue;
    }
    LoaBlackoutConfig *blackout = g_new0(LoaBlackoutConfig, 1);
    blackout->source_line = line;
    guint errors_before = (guint)loader->errors->len;
    read_keys(loader, entry, blackout_keys, G_N_ELEMENTS(blackout_keys), blackout, line);
    if ((guint)loader->errors->len != errors_before) {
      blackout_config_free(blackout);
      continue;
    }
    if (blackout->until == NULL)
      blackout->until = g_strdup(blackout->from);
    if (strcmp(blackout->from, blackout->until) > 0) {
      add_error(loader, line, _("blackout '%s': 'from' (%s) is after 'until' (%s)"), blackout->name,
                blackout->from, blackout->until);
      blackout_config_free(blackout);
      continue;
    }
    g_ptr_array_add(config->blackouts, blackout);
  }
}

static void
modbus_board_config_free(gpointer data)
{
  LoaModbusBoardConfig *board = data;
  g_free(board->id);
  g_free(board->address);
  g_free(board->parity);
  g_free(board);
}

static void
read_modbus_boards(Loader *loader, config_t *cfg, LoaConfig *config)
{
  config_setting_t *boards = config_lookup(cfg, "switching.modbus");
  if (boards == NULL)
    return;
  mark_read(loader, boards);
  if (!config_setting_is_list(boards)) {
    add_error(loader, setting_line(boards),
              _("'switching.modbus' must be a list: ( { id = ...; address = ...; }, ... )"));
    return;
  }
  int n = config_setting_length(boards);
  for (int i = 0; i < n; i++) {
    config_setting_t *entry = config_setting_get_elem(boards, (unsigned)i);
    int line = setting_line(entry);
    if (!config_setting_is_group(entry)) {
      add_error(loader, line, _("switching.modbus entry %d must be a group { id = ...; ... }"), i + 1);
      continue;
    }
    g_hash_table_add(loader->read, entry);
    LoaModbusBoardConfig *board = g_new0(LoaModbusBoardConfig, 1);
    board->source_line = line;
    guint errors_before = (guint)loader->errors->len;
    read_keys(loader, entry, modbus_board_keys, G_N_ELEMENTS(modbus_board_keys), board, line);
    if ((guint)loader->errors->len != errors_before) {
      modbus_board_config_free(board);
      continue;
    }
    if (loa_config_find_modbus_board(config, board->id) != NULL) {
      add_error(loader, line, _("Modbus board id '%s' is used twice"), board->id);
      modbus_board_config_free(board);
      continue;
    }
    g_ptr_array_add(config->modbus_boards, board);
  }
}

/* Checks what a switch refers to: its board exists, no coil or GPIO line
 * switches two loudspeaker lines, the command driver has a command. */
static void
check_switches(Loader *loader, LoaConfig *config)
{
  g_autoptr(GHashTable) used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < config->lines->len; i++) {
    const LoaLineConfig *lc = g_ptr_array_index(config->lines, i);
    const LoaSwitchConfig *sw = &lc->line_switch;
    g_autofree char *key = NULL;
    if (g_strcmp0(sw->driver, "modbus") == 0 && sw->board != NULL) {
      if (loa_config_find_modbus_board(config, sw->board) == NULL) {
        add_error(loader, sw->source_line,
                  _("line '%s': no Modbus board '%s' in switching.modbus"), lc->id, sw->board);
        continue;
      }
      key = g_strdup_printf(_("Modbus board '%s' coil %d"), sw->board, sw->coil);
    } else if (g_strcmp0(sw->driver, "gpio") == 0 && sw->chip != NULL) {
      key = g_strdup_printf(_("GPIO chip '%s' line %d"), sw->chip, sw->offset);
    } else if (g_strcmp0(sw->driver, "command") == 0 && config->switch_command == NULL) {
      add_error(loader, sw->source_line,
                _("line '%s': the command switch needs switching.command (the program to run)"),
                lc->id);
    }
    if (key == NULL)
      continue;
    const char *other = g_hash_table_lookup(used, key);
    if (other != NULL) {
      add_error(loader, sw->source_line, _("line '%s': %s already switches line '%s'"), lc->id, key,
                other);
      continue;
    }
    g_hash_table_insert(used, g_steal_pointer(&key), lc->id);
  }
}

/* Every setting that no spec consumed becomes a warning with its line. */
static void
warn_unread(Loader *loader, config_setting_t *setting)
{
  if (setting == NULL)
    return;
  gboolean is_root = config_setting_parent(setting) == NULL;
  if (!is_root && !g_hash_table_contains(loader->read, setting)) {
    const char *name = config_setting_name(setting);
    g_ptr_array_add(loader->warnings,
                    g_strdup_printf(_("%s:%d: unknown setting '%s' (ignored)"), loader->file,
                                    setting_line(setting), name != NULL ? name : "?"));
    return;
  }
  if (config_setting_is_aggregate(setting)) {
    int n = config_setting_length(setting);
    for (int i = 0; i < n; i++)
      warn_unread(loader, config_setting_get_elem(setting, (unsigned)i));
  }
}

LoaConfig *
loa_config_load(const char *path, GError **error)
{
  g_autoptr(config_t) cfg = loa_libconfig_new();
  g_autofree char *absolute = g_canonicalize_filename(path, NULL);

  if (!g_file_test(absolute, G_FILE_TEST_IS_REGULAR)) {
    g_set_error(error, LOA_CONFIG_ERROR, LOA_CONFIG_ERROR_IO,
                _("%s: cannot read the configuration: %s"), path,
                g_file_test(absolute, G_FILE_TEST_EXISTS) ? _("not a regular file")
                                                          : g_strerror(ENOENT));
    return NULL;
  }
  if (config_read_file(cfg, absolute) != CONFIG_TRUE) {
    if (config_error_type(cfg) == CONFIG_ERR_FILE_IO)
      g_set_error(error, LOA_CONFIG_ERROR, LOA_CONFIG_ERROR_IO,
                  _("%s: cannot read the configuration"), path);
    else
      g_set_error(error, LOA_CONFIG_ERROR, LOA_CONFIG_ERROR_PARSE, "%s:%d: %s",
                  config_error_file(cfg) ? config_error_file(cfg) : path,
                  config_error_line(cfg), config_error_text(cfg));
    return NULL;
  }

  g_autoptr(LoaConfig) config = g_new0(LoaConfig, 1);
  config->path = g_strdup(absolute);
  config->lines = g_ptr_array_new_with_free_func(line_config_free);
  config->quotas = g_ptr_array_new_with_free_func(quota_config_free);
  config->zones = g_ptr_array_new_with_free_func(zone_config_free);
  config->blackouts = g_ptr_array_new_with_free_func(blackout_config_free);
  config->warnings = g_ptr_array_new_with_free_func(g_free);
  config->modbus_boards = g_ptr_array_new_with_free_func(modbus_board_config_free);

  Loader loader = {
    .file = path,
    .dir = g_path_get_dirname(absolute),
    .read = g_hash_table_new(NULL, NULL),
    .errors = g_string_new(NULL),
    .warnings = config->warnings,
  };
  read_keys(&loader, config_root_setting(cfg), station_keys, G_N_ELEMENTS(station_keys),
            config, 1);
  read_lines(&loader, cfg, config);
  check_shared_outputs(&loader, config);
  read_quotas(&loader, cfg, config);
  read_zones(&loader, cfg, config);
  read_blackouts(&loader, cfg, config);
  read_modbus_boards(&loader, cfg, config);
  check_switches(&loader, config);
  read_library(&loader, cfg, config);
  warn_unread(&loader, config_root_setting(cfg));

  gboolean ok = loader.errors->len == 0;
  if (!ok) {
    g_string_truncate(loader.errors, loader.errors->len - 1);
    g_set_error_literal(error, LOA_CONFIG_ERROR, LOA_CONFIG_ERROR_INVALID, loader.errors->str);
  }
  g_free(loader.dir);
  g_hash_table_destroy(loader.read);
  g_string_free(loader.errors, TRUE);
  if (!ok)
    return NULL;

  if (config->station_name == NULL)
    config->station_name = g_strdup(config->station_id);
  if (config->key == NULL) {
    g_autofree char *dir = g_path_get_dirname(config->database);
    config->key = g_build_filename(dir, "station.key", NULL);
    config->key_is_default = TRUE;
  }
  config->timezone = loa_time_zone_new(config->timezone_name, NULL);
  g_assert(config->timezone != NULL); /* validated above */
  return g_steal_pointer(&config);
}

void
loa_config_free(LoaConfig *config)
{
  if (config == NULL)
    return;
  g_free(config->path);
  g_free(config->station_id);
  g_free(config->station_name);
  g_free(config->timezone_name);
  if (config->timezone != NULL)
    g_time_zone_unref(config->timezone);
  g_free(config->database);
  g_free(config->control_socket);
  g_free(config->filler);
  g_free(config->library);
  g_free(config->drop_folder);
  g_free(config->tts_command);
  if (config->lines != NULL)
    g_ptr_array_unref(config->lines);
  if (config->quotas != NULL)
    g_ptr_array_unref(config->quotas);
  if (config->zones != NULL)
    g_ptr_array_unref(config->zones);
  if (config->blackouts != NULL)
    g_ptr_array_unref(config->blackouts);
  g_free(config->key);
  if (config->warnings != NULL)
    g_ptr_array_unref(config->warnings);
  g_free(config->switch_command);
  if (config->modbus_boards != NULL)
    g_ptr_array_unref(config->modbus_boards);
  g_free(config);
}

const char *
loa_config_default_path(void)
{
  const char *env = g_getenv(LOA_CONFIG_ENV);
  return env != NULL && env[0] != '\0' ? env : LOA_CONFIG_DEFAULT_PATH;
}

const LoaLineConfig *
loa_config_find_line(const LoaConfig *config, const char *id)
{
  for (guint i = 0; i < config->lines->len; i++) {
    const LoaLineConfig *line = g_ptr_array_index(config->lines, i);
    if (g_strcmp0(line->id, id) == 0)
      return line;
  }
  return NULL;
}

const LoaZoneConfig *
loa_config_find_zone(const LoaConfig *config, const char *id)
{
  for (guint i = 0; config->zones != NULL && i < config->zones->len; i++) {
    const LoaZoneConfig *zone = g_ptr_array_index(config->zones, i);
    if (g_strcmp0(zone->id, id) == 0)
      return zone;
  }
  return NULL;
}

const LoaModbusBoardConfig *
loa_config_find_modbus_board(const LoaConfig *config, const char *id)
{
  for (guint i = 0; i < config->modbus_boards->len; i++) {
    const LoaModbusBoardConfig *board = g_ptr_array_index(config->modbus_boards, i);
    if (g_strcmp0(board->id, id) == 0)
      return board;
  }
  return NULL;
}

gboolean
loa_config_id_is_valid(const char *text)
{
  size_t n = text != NULL ? strlen(text) : 0;
  if (n == 0 || n > 64 || !g_ascii_isalnum(text[0]))
    return FALSE;
  for (size_t i = 0; i < n; i++)
    if (!g_ascii_isalnum(text[i]) && text[i] != '.' && text[i] != '_' && text[i] != '-')
      return FALSE;
  return TRUE;
}
