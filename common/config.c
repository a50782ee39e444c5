/* Table-driven loader for the station configuration (see config.h). */
#include "config.h"

#include "i18n.h"
#include "loa-cleanup.h"
#include "loa-time.h"

#include <errno.h>
#include <string.h>

G_DEFINE_QUARK(loa-config-error-quark, loa_config_error)

typedef enum { KEY_STRING, KEY_PATH, KEY_INT } KeyType;

/* What one scalar setting is: where it lives, what it must be, where it goes. */
typedef struct {
  const char *path;          /* relative to the group being read */
  KeyType type;
  gboolean required;
  int min, max;              /* KEY_INT bounds */
  const char *default_text;  /* KEY_STRING / KEY_PATH default, NULL = none */
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

static const KeySpec station_keys[] = {
  { "station.id", KEY_STRING, TRUE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaConfig, station_id), validate_id },
  { "station.name", KEY_STRING, FALSE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaConfig, station_name), NULL },
  { "station.timezone", KEY_STRING, FALSE, 0, 0, "Asia/Ho_Chi_Minh", 0,
    G_STRUCT_OFFSET(LoaConfig, timezone_name), validate_timezone },
  { "database", KEY_PATH, FALSE, 0, 0, "/var/lib/loa/loa.db", 0, G_STRUCT_OFFSET(LoaConfig, database), NULL },
  { "library", KEY_PATH, FALSE, 0, 0, "/var/lib/loa/library", 0, G_STRUCT_OFFSET(LoaConfig, library), NULL },
  { "station.key", KEY_PATH, FALSE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaConfig, key), NULL },
  { "engine.rate", KEY_INT, FALSE, 8000, 192000, NULL, 48000, G_STRUCT_OFFSET(LoaConfig, sample_rate), NULL },
  { "engine.channels", KEY_INT, FALSE, 1, 8, NULL, 2, G_STRUCT_OFFSET(LoaConfig, channels), NULL },
  { "engine.prepare_seconds", KEY_INT, FALSE, 1, 60, NULL, 3, G_STRUCT_OFFSET(LoaConfig, prepare_seconds), NULL },
  { "engine.latency_ms", KEY_INT, FALSE, 0, 2000, NULL, 0, G_STRUCT_OFFSET(LoaConfig, latency_ms), NULL },
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
      else if (spec->type == KEY_INT)
        *int_slot = spec->default_int;
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
  g_free(line);
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
  config->warnings = g_ptr_array_new_with_free_func(g_free);

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
  read_quotas(&loader, cfg, config);
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
  g_free(config->library);
  if (config->lines != NULL)
    g_ptr_array_unref(config->lines);
  if (config->quotas != NULL)
    g_ptr_array_unref(config->quotas);
  g_free(config->key);
  if (config->warnings != NULL)
    g_ptr_array_unref(config->warnings);
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
