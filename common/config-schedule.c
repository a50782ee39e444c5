/* The settings schedules and reports build on: compliance quotas
 * (`quotas`), zones of lines (`zones`) and blackout days (`blackout`). */
#include "config.h"
#include "config-private.h"

#include "i18n.h"
#include "loa-time.h"

#include <string.h>

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

void
loa_config_quota_free(gpointer data)
{
  LoaQuotaConfig *quota = data;
  g_free(quota->topic);
  g_free(quota->category);
  g_free(quota->per);
  g_free(quota);
}

void
loa_config_read_quotas(Loader *loader, config_t *cfg, LoaConfig *config)
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
    loa_config_read_keys(loader, entry, quota_keys, G_N_ELEMENTS(quota_keys), quota, line);
    if ((guint)loader->errors->len != errors_before) {
      loa_config_quota_free(quota);
      continue;
    }
    g_ptr_array_add(config->quotas, quota);
  }
}

void
loa_config_zone_free(gpointer data)
{
  LoaZoneConfig *zone = data;
  g_free(zone->id);
  g_free(zone->name);
  g_strfreev(zone->lines);
  g_free(zone);
}

static const KeySpec zone_keys[] = {
  { "id", KEY_STRING, TRUE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaZoneConfig, id),
    loa_config_validate_line_id },
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

void
loa_config_read_zones(Loader *loader, config_t *cfg, LoaConfig *config)
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
    loa_config_read_keys(loader, entry, zone_keys, G_N_ELEMENTS(zone_keys), zone, line);
    if (zone->id != NULL)
      read_zone_lines(loader, entry, zone, config);
    if ((guint)loader->errors->len != errors_before) {
      loa_config_zone_free(zone);
      continue;
    }
    if (loa_config_find_line(config, zone->id) != NULL ||
        loa_config_find_zone(config, zone->id) != NULL) {
      add_error(loader, line, _("zone id '%s' is already the id of a line or zone"), zone->id);
      loa_config_zone_free(zone);
      continue;
    }
    if (zone->name == NULL)
      zone->name = g_strdup(zone->id);
    g_ptr_array_add(config->zones, zone);
  }
}

void
loa_config_blackout_free(gpointer data)
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
void
loa_config_read_blackouts(Loader *loader, config_t *cfg, LoaConfig *config)
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
    loa_config_read_keys(loader, entry, blackout_keys, G_N_ELEMENTS(blackout_keys), blackout, line);
    if ((guint)loader->errors->len != errors_before) {
      loa_config_blackout_free(blackout);
      continue;
    }
    if (blackout->until == NULL)
      blackout->until = g_strdup(blackout->from);
    if (strcmp(blackout->from, blackout->until) > 0) {
      add_error(loader, line, _("blackout '%s': 'from' (%s) is after 'until' (%s)"), blackout->name,
                blackout->from, blackout->until);
      loa_config_blackout_free(blackout);
      continue;
    }
    g_ptr_array_add(config->blackouts, blackout);
  }
}
