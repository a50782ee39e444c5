/* Table-driven loader for the station configuration (see config.h): the
 * table of station-wide settings and the library's, loading a file in order
 * (each part checked as it is read), freeing, and finding what was loaded.
 * The table reader is in config-keys.c; lines in config-lines.c, their
 * switches and the relay boards in config-switching.c, zones, blackout days
 * and quotas in config-schedule.c. */
#include "config.h"
#include "config-private.h"

#include "i18n.h"
#include "loa-cleanup.h"
#include "loa-time.h"

#include <errno.h>
#include <string.h>

G_DEFINE_QUARK(loa-config-error-quark, loa_config_error)

static char *
validate_timezone(const char *value)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTimeZone) tz = loa_time_zone_new(value, &error);
  return tz == NULL ? g_strdup(error->message) : NULL;
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
  { "station.id", KEY_STRING, TRUE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaConfig, station_id),
    loa_config_validate_id },
  { "station.name", KEY_STRING, FALSE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaConfig, station_name), NULL },
  { "station.timezone", KEY_STRING, FALSE, 0, 0, "Asia/Ho_Chi_Minh", 0,
    G_STRUCT_OFFSET(LoaConfig, timezone_name), validate_timezone },
  { "database", KEY_PATH, FALSE, 0, 0, "/var/lib/loa/loa.db", 0, G_STRUCT_OFFSET(LoaConfig, database), NULL },
  { "control_socket", KEY_PATH, FALSE, 0, 0, "/run/loa/control", 0,
    G_STRUCT_OFFSET(LoaConfig, control_socket), NULL },
  { "loudness_target", KEY_DOUBLE, FALSE, -40, -5, "-16", 0, G_STRUCT_OFFSET(LoaConfig, loudness_target), NULL },
  { "true_peak_max", KEY_DOUBLE, FALSE, -20, 0, "-1", 0, G_STRUCT_OFFSET(LoaConfig, true_peak_max), NULL },
  { "filler", KEY_STRING, FALSE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaConfig, filler),
    loa_config_validate_id },
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
    loa_config_read_keys(loader, library, library_keys, G_N_ELEMENTS(library_keys), config,
                         setting_line(library));
    return;
  }
  loa_config_read_keys(loader, config_root_setting(cfg), library_path_key,
                       G_N_ELEMENTS(library_path_key), config, 1);
  /* The string form has no group: the other library settings take their defaults. */
  config_t *empty = loa_libconfig_new();
  loa_config_read_keys(loader, config_root_setting(empty), library_keys + 1,
                       G_N_ELEMENTS(library_keys) - 1, config, 1);
  loa_libconfig_free(empty);
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
  config->lines = g_ptr_array_new_with_free_func(loa_config_line_free);
  config->quotas = g_ptr_array_new_with_free_func(loa_config_quota_free);
  config->zones = g_ptr_array_new_with_free_func(loa_config_zone_free);
  config->blackouts = g_ptr_array_new_with_free_func(loa_config_blackout_free);
  config->warnings = g_ptr_array_new_with_free_func(g_free);
  config->modbus_boards = g_ptr_array_new_with_free_func(loa_config_modbus_board_free);

  Loader loader = {
    .file = path,
    .dir = g_path_get_dirname(absolute),
    .read = g_hash_table_new(NULL, NULL),
    .errors = g_string_new(NULL),
    .warnings = config->warnings,
  };
  loa_config_read_keys(&loader, config_root_setting(cfg), station_keys,
                       G_N_ELEMENTS(station_keys), config, 1);
  loa_config_read_lines(&loader, cfg, config);
  loa_config_check_shared_outputs(&loader, config);
  loa_config_read_quotas(&loader, cfg, config);
  loa_config_read_zones(&loader, cfg, config);
  loa_config_read_blackouts(&loader, cfg, config);
  loa_config_read_modbus_boards(&loader, cfg, config);
  loa_config_check_switches(&loader, config);
  read_library(&loader, cfg, config);
  loa_config_warn_unread(&loader, config_root_setting(cfg));

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
