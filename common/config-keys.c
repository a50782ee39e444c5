/* The table reader of the configuration loader: a table of KeySpec read
 * from one group into a struct (types, ranges, defaults, checks), the
 * settings nobody read turned into warnings, and the id check that several
 * tables share. */
#include "config.h"
#include "config-private.h"

#include "i18n.h"

char *
loa_config_validate_id(const char *value)
{
  if (!loa_config_id_is_valid(value))
    return g_strdup_printf(_("'%s' is not a valid id (letters, digits, '.', '_' or '-', at most 64)"),
                           value);
  return NULL;
}

void
loa_config_read_keys(Loader *loader, config_setting_t *group, const KeySpec *specs,
                     size_t n_specs, void *target, int owner_line)
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

/* Every setting that no spec consumed becomes a warning with its line. */
void
loa_config_warn_unread(Loader *loader, config_setting_t *setting)
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
      loa_config_warn_unread(loader, config_setting_get_elem(setting, (unsigned)i));
  }
}
