/* Schedule files: parsing (see schedule.h). This file reads the file as a
 * whole and holds the parser's reporting helpers; one event's keys are
 * parsed in schedule-event.c, its recurrence in schedule-recurrence.c.
 * Expansion is in schedule-expand.c, checking in schedule-check.c, the
 * problem list in schedule-problems.c.
 *
 * Parsing collects every problem it can find in one pass, each with its
 * line, and resolves everything that depends on the configuration (zones,
 * "all", blackout days) so that expansion needs nothing but the schedule. */
#include "schedule.h"
#include "schedule-parser-private.h"

#include "i18n.h"
#include "loa-cleanup.h"

#include <string.h>

static const char *const priority_names[] = {
  [LOA_PRIORITY_NORMAL] = "normal",
  [LOA_PRIORITY_PRIORITY] = "priority",
  [LOA_PRIORITY_EMERGENCY] = "emergency",
};

const char *
loa_priority_name(LoaPriority priority)
{
  g_return_val_if_fail((guint)priority < G_N_ELEMENTS(priority_names), "normal");
  return priority_names[priority];
}

static void
event_free(gpointer data)
{
  LoaEvent *event = data;
  g_free(event->ref);
  g_free(event->id);
  g_free(event->name);
  g_free(event->times);
  g_free(event->rrule);
  if (event->rrule_days != NULL)
    g_array_unref(event->rrule_days);
  if (event->except != NULL)
    g_array_unref(event->except);
  g_strfreev(event->lines);
  if (event->choices != NULL)
    g_ptr_array_unref(event->choices);
  g_free(event);
}

static void
blackout_clear(gpointer data)
{
  LoaBlackout *blackout = data;
  g_free(blackout->name);
}

void
loa_schedule_free(LoaSchedule *schedule)
{
  if (schedule == NULL)
    return;
  g_free(schedule->file);
  g_free(schedule->name);
  if (schedule->tz != NULL)
    g_time_zone_unref(schedule->tz);
  if (schedule->events != NULL)
    g_ptr_array_unref(schedule->events);
  if (schedule->blackouts != NULL)
    g_array_unref(schedule->blackouts);
  g_free(schedule);
}

void
loa_spot_facts_clear(LoaSpotFacts *facts)
{
  g_free(facts->problem);
  g_free(facts->status);
  g_free(facts->topic);
  g_free(facts->category);
  memset(facts, 0, sizeof(*facts));
}

void
loa_parse_warn_unknown_keys(Parser *parser, config_setting_t *group, const char *const *known)
{
  int n = config_setting_length(group);
  for (int i = 0; i < n; i++) {
    config_setting_t *member = config_setting_get_elem(group, (unsigned)i);
    const char *name = config_setting_name(member);
    if (name != NULL && !g_strv_contains(known, name))
      parse_warning(parser, setting_line(member), _("unknown setting '%s' (ignored)"), name);
  }
}

const char *
loa_parse_string(Parser *parser, config_setting_t *setting, const char *key)
{
  if (config_setting_type(setting) != CONFIG_TYPE_STRING) {
    parse_error(parser, setting_line(setting), _("'%s' must be a string in double quotes"), key);
    return NULL;
  }
  return config_setting_get_string(setting);
}

gboolean
loa_parse_string_list(Parser *parser, config_setting_t *setting, const char *key,
                      const char *shape, GPtrArray *values, GArray *lines)
{
  int line = setting_line(setting);
  if (config_setting_type(setting) == CONFIG_TYPE_STRING) {
    g_ptr_array_add(values, (gpointer)config_setting_get_string(setting));
    g_array_append_val(lines, line);
    return TRUE;
  }
  if (!config_setting_is_array(setting) && !config_setting_is_list(setting)) {
    parse_error(parser, line, _("'%s' must be %s"), key, shape);
    return FALSE;
  }
  gboolean ok = TRUE;
  int n = config_setting_length(setting);
  for (int i = 0; i < n; i++) {
    config_setting_t *element = config_setting_get_elem(setting, (unsigned)i);
    int element_line = setting_line(element);
    if (element_line == 0)
      element_line = line;
    if (config_setting_type(element) != CONFIG_TYPE_STRING) {
      parse_error(parser, element_line, _("'%s' must be %s"), key, shape);
      ok = FALSE;
      continue;
    }
    g_ptr_array_add(values, (gpointer)config_setting_get_string(element));
    g_array_append_val(lines, element_line);
  }
  if (ok && n == 0) {
    parse_error(parser, line, _("'%s' is empty"), key);
    ok = FALSE;
  }
  return ok;
}

/* libconfig would read the files an @include names, so a stored schedule
 * would not be the whole schedule. Returns a copy of text with every such
 * directive turned into a comment ('@' -> '#'), after reporting each. */
static char *
disable_includes(Parser *parser, const char *text)
{
  char *copy = g_strdup(text);
  int line = 1;
  gboolean line_start = TRUE;
  for (char *p = copy; *p != '\0'; p++) {
    if (*p == '\n') {
      line++;
      line_start = TRUE;
      continue;
    }
    if (line_start && (*p == ' ' || *p == '\t' || *p == '\r'))
      continue;
    if (line_start && g_str_has_prefix(p, "@include")) {
      parse_error(parser, line,
                  _("@include is not allowed in a schedule: the file must be complete in itself"));
      *p = '#';
    }
    line_start = FALSE;
  }
  return copy;
}

/* Reports the line of the first byte that is not UTF-8, if any. */
static void
check_utf8(Parser *parser, const char *text)
{
  const char *end = NULL;
  if (g_utf8_validate(text, -1, &end))
    return;
  int line = 1;
  for (const char *p = text; p < end; p++)
    line += *p == '\n';
  parse_error(parser, line, _("the file is not valid UTF-8 text"));
}

/* The configuration's blackout ranges as ordinals; the loader validated them. */
static GArray *
copy_blackouts(const LoaConfig *config)
{
  GArray *blackouts = g_array_new(FALSE, FALSE, sizeof(LoaBlackout));
  g_array_set_clear_func(blackouts, blackout_clear);
  for (guint i = 0; config->blackouts != NULL && i < config->blackouts->len; i++) {
    const LoaBlackoutConfig *entry = g_ptr_array_index(config->blackouts, i);
    LoaDate from, until;
    if (!loa_date_parse(entry->from, &from, NULL) || !loa_date_parse(entry->until, &until, NULL))
      continue;
    LoaBlackout blackout = { loa_date_ordinal(&from), loa_date_ordinal(&until),
                             g_strdup(entry->name) };
    g_array_append_val(blackouts, blackout);
  }
  return blackouts;
}

static const char *const root_keys[] = { "name", "events", NULL };

LoaSchedule *
loa_schedule_parse(const char *file, const char *text, const LoaConfig *config,
                   LoaProblems *problems)
{
  g_return_val_if_fail(file != NULL && text != NULL && config != NULL && problems != NULL, NULL);

  guint errors_before = problems->errors;
  Parser parser = {
    .file = file,
    .config = config,
    .problems = problems,
    .event_ids = g_hash_table_new(g_str_hash, g_str_equal),
  };
  g_autoptr(LoaSchedule) schedule = g_new0(LoaSchedule, 1);
  schedule->file = g_strdup(file);
  schedule->tz = g_time_zone_ref(config->timezone);
  schedule->events = g_ptr_array_new_with_free_func(event_free);
  schedule->blackouts = copy_blackouts(config);

  check_utf8(&parser, text);
  g_autofree char *clean = disable_includes(&parser, text);
  g_autoptr(config_t) cfg = loa_libconfig_new();
  if (config_read_string(cfg, clean) != CONFIG_TRUE) {
    parse_error(&parser, config_error_line(cfg), "%s", config_error_text(cfg));
    g_hash_table_destroy(parser.event_ids);
    return NULL;
  }

  config_setting_t *root = config_root_setting(cfg);
  loa_parse_warn_unknown_keys(&parser, root, root_keys);

  config_setting_t *name = config_setting_get_member(root, "name");
  const char *name_text = name != NULL ? loa_parse_string(&parser, name, "name") : NULL;
  schedule->name = g_strdup(name_text != NULL ? name_text : "");

  config_setting_t *events = config_setting_get_member(root, "events");
  if (events == NULL) {
    parse_error(&parser, 0, _("missing 'events' (a list: events = ( { ... }, { ... } );)"));
  } else if (!config_setting_is_list(events)) {
    parse_error(&parser, setting_line(events),
                _("'events' must be a list in parentheses: events = ( { ... }, { ... } );"));
  } else {
    int n = config_setting_length(events);
    if (n == 0)
      parse_warning(&parser, setting_line(events),
                    _("the schedule has no events: nothing will air"));
    for (int i = 0; i < n; i++) {
      LoaEvent *event = loa_parse_event(&parser, config_setting_get_elem(events, (unsigned)i), i);
      if (event != NULL)
        g_ptr_array_add(schedule->events, event);
    }
  }
  /* The id strings borrowed by event_ids live in cfg; drop the table first. */
  g_hash_table_destroy(parser.event_ids);

  if (problems->errors > errors_before)
    return NULL;
  return g_steal_pointer(&schedule);
}
