/* One event of a schedule file (see loa_parse_event): its lines and zones,
 * the spots it plays and their rotation, how it meets a busy line and
 * blackout days, max_length, id and name. Its recurrence, when it airs, is
 * parsed in schedule-recurrence.c. */
#include "schedule.h"
#include "schedule-parser-private.h"

#include "i18n.h"

#include <string.h>

static char *
known_targets_text(const LoaConfig *config)
{
  GString *text = g_string_new(NULL);
  for (guint i = 0; i < config->lines->len; i++) {
    const LoaLineConfig *line = g_ptr_array_index(config->lines, i);
    g_string_append_printf(text, "%s'%s'", i > 0 ? ", " : "", line->id);
  }
  if (config->zones != NULL && config->zones->len > 0) {
    g_string_append(text, _("; its zones are "));
    for (guint i = 0; i < config->zones->len; i++) {
      const LoaZoneConfig *zone = g_ptr_array_index(config->zones, i);
      g_string_append_printf(text, "%s'%s'", i > 0 ? ", " : "", zone->id);
    }
  }
  return g_string_free(text, FALSE);
}

static gint
line_index(const LoaConfig *config, const char *id)
{
  for (guint i = 0; i < config->lines->len; i++)
    if (strcmp(((LoaLineConfig *)g_ptr_array_index(config->lines, i))->id, id) == 0)
      return (gint)i;
  return -1;
}

/* Marks in chosen the lines that the ids of setting (lines, zones or "all")
 * name. Returns FALSE after reporting unknown or repeated ids. */
static gboolean
mark_targets(Parser *parser, config_setting_t *setting, const char *key, gboolean allow_all,
             gboolean *chosen)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new();
  g_autoptr(GArray) id_lines = g_array_new(FALSE, FALSE, sizeof(int));
  if (!loa_parse_string_list(parser, setting, key,
                             _("a line or zone id, a list of them [ \"a\", \"b\" ] or \"all\""),
                             ids, id_lines))
    return FALSE;

  const LoaConfig *config = parser->config;
  g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
  gboolean ok = TRUE;
  for (guint i = 0; i < ids->len; i++) {
    const char *id = g_ptr_array_index(ids, i);
    int line = g_array_index(id_lines, int, i);
    if (!g_hash_table_add(seen, (gpointer)id)) {
      parse_error(parser, line, _("'%s' is listed twice in '%s'"), id, key);
      ok = FALSE;
      continue;
    }
    if (strcmp(id, "all") == 0 && allow_all) {
      if (ids->len > 1) {
        parse_error(parser, line, _("\"all\" already means every line; write %s = \"all\";"), key);
        ok = FALSE;
        continue;
      }
      for (guint j = 0; j < config->lines->len; j++)
        chosen[j] = TRUE;
      continue;
    }
    gint index = line_index(config, id);
    if (index >= 0) {
      chosen[index] = TRUE;
      continue;
    }
    const LoaZoneConfig *zone = loa_config_find_zone(config, id);
    if (zone != NULL) {
      for (guint z = 0; zone->lines[z] != NULL; z++) {
        gint member = line_index(config, zone->lines[z]);
        if (member >= 0)
          chosen[member] = TRUE;
      }
      continue;
    }
    g_autofree char *known = known_targets_text(config);
    parse_error(parser, line, _("unknown line or zone '%s' (the station's lines are %s)"), id,
                known);
    ok = FALSE;
  }
  return ok;
}

/* `lines` (and the alias `zones`) minus `except_lines`, in config order: the
 * same event always reaches its lines in the same order. */
static void
parse_lines(Parser *parser, config_setting_t *entry, LoaEvent *event)
{
  const LoaConfig *config = parser->config;
  config_setting_t *lines = config_setting_get_member(entry, "lines");
  config_setting_t *zones = config_setting_get_member(entry, "zones");
  config_setting_t *except = config_setting_get_member(entry, "except_lines");
  if (lines == NULL && zones == NULL) {
    parse_error(parser, setting_line(entry),
                _("missing 'lines': a line or zone id, a list of them or \"all\""));
    return;
  }
  g_autofree gboolean *chosen = g_new0(gboolean, config->lines->len + 1);
  g_autofree gboolean *excluded = g_new0(gboolean, config->lines->len + 1);
  gboolean ok = TRUE;
  if (lines != NULL)
    ok &= mark_targets(parser, lines, "lines", TRUE, chosen);
  if (zones != NULL)
    ok &= mark_targets(parser, zones, "zones", FALSE, chosen);
  if (except != NULL)
    ok &= mark_targets(parser, except, "except_lines", FALSE, excluded);
  if (!ok)
    return;

  GPtrArray *result = g_ptr_array_new();
  for (guint j = 0; j < config->lines->len; j++)
    if (chosen[j] && !excluded[j])
      g_ptr_array_add(result, g_strdup(((LoaLineConfig *)g_ptr_array_index(config->lines, j))->id));
  if (result->len == 0)
    parse_error(parser, setting_line(except != NULL ? except : entry),
                _("'except_lines' leaves the event without lines"));
  g_ptr_array_add(result, NULL);
  event->lines = (GStrv)g_ptr_array_free(result, FALSE);
}

/* Spot ids of setting (one id or a list) as a new GStrv, or NULL after
 * reporting. */
static GStrv
parse_spot_ids(Parser *parser, config_setting_t *setting, const char *key)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new();
  g_autoptr(GArray) id_lines = g_array_new(FALSE, FALSE, sizeof(int));
  if (!loa_parse_string_list(parser, setting, key,
                             _("a spot id or a list of spot ids [ \"a\", \"b\" ]"), ids, id_lines))
    return NULL;
  gboolean ok = TRUE;
  for (guint i = 0; i < ids->len; i++) {
    const char *id = g_ptr_array_index(ids, i);
    if (!loa_config_id_is_valid(id)) {
      parse_error(parser, g_array_index(id_lines, int, i),
                  _("'%s' is not a valid spot id (letters, digits, '.', '_' or '-', at most 64)"),
                  id);
      ok = FALSE;
    }
  }
  if (!ok)
    return NULL;
  GPtrArray *result = g_ptr_array_new();
  for (guint i = 0; i < ids->len; i++)
    g_ptr_array_add(result, g_strdup(g_ptr_array_index(ids, i)));
  g_ptr_array_add(result, NULL);
  return (GStrv)g_ptr_array_free(result, FALSE);
}

/* `play` (one choice) or `one_of` (several, each a spot id or a list). */
static void
parse_choices(Parser *parser, config_setting_t *entry, LoaEvent *event)
{
  config_setting_t *play = config_setting_get_member(entry, "play");
  config_setting_t *one_of = config_setting_get_member(entry, "one_of");
  event->choices = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
  if (play != NULL && one_of != NULL) {
    parse_error(parser, setting_line(one_of),
                _("an event has either 'play' (always the same spots) or 'one_of' (a rotation), "
                  "not both"));
    return;
  }
  if (play == NULL && one_of == NULL) {
    parse_error(parser, setting_line(entry),
                _("missing 'play': the spot ids to play, back to back (or 'one_of' to rotate)"));
    return;
  }
  if (play != NULL) {
    GStrv spots = parse_spot_ids(parser, play, "play");
    if (spots != NULL)
      g_ptr_array_add(event->choices, spots);
    return;
  }
  if (!config_setting_is_array(one_of) && !config_setting_is_list(one_of)) {
    parse_error(parser, setting_line(one_of),
                _("'one_of' must be a list of choices: ( \"A\", \"B\", [ \"C1\", \"C2\" ] )"));
    return;
  }
  int n = config_setting_length(one_of);
  if (n < 2)
    parse_error(parser, setting_line(one_of),
                _("'one_of' needs at least two choices (use 'play' for one)"));
  for (int i = 0; i < n; i++) {
    GStrv spots = parse_spot_ids(parser, config_setting_get_elem(one_of, (unsigned)i), "one_of");
    if (spots != NULL)
      g_ptr_array_add(event->choices, spots);
  }
}

/* A length: integer seconds, "MM:SS" or "HH:MM:SS". Returns FALSE after reporting. */
static gboolean
parse_duration(Parser *parser, config_setting_t *setting, const char *key, gint64 *ns)
{
  int line = setting_line(setting);
  int type = config_setting_type(setting);
  if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64) {
    long long seconds = config_setting_get_int64(setting);
    if (seconds < 0 || seconds > 7 * SECONDS_PER_DAY) {
      parse_error(parser, line, _("'%s' is %lld seconds; it must be between 0 and a week"), key,
                  seconds);
      return FALSE;
    }
    *ns = (gint64)seconds * LOA_NS_PER_SECOND;
    return TRUE;
  }
  const char *text = type == CONFIG_TYPE_STRING ? config_setting_get_string(setting) : NULL;
  int seconds = 0;
  if (text != NULL) {
    g_autofree char *full = strlen(text) == 5 ? g_strconcat("00:", text, NULL) : g_strdup(text);
    if (loa_time_of_day_parse(full, &seconds, NULL)) {
      *ns = (gint64)seconds * LOA_NS_PER_SECOND;
      return TRUE;
    }
  }
  parse_error(parser, line, _("'%s' must be a length: seconds (90), \"MM:SS\" or \"HH:MM:SS\""),
              key);
  return FALSE;
}

/* Looks text up in names (NULL-terminated); reports and returns -1 if absent. */
static int
parse_choice(Parser *parser, config_setting_t *setting, const char *key,
             const char *const *names, const char *expected)
{
  const char *text = loa_parse_string(parser, setting, key);
  if (text == NULL)
    return -1;
  for (int i = 0; names[i] != NULL; i++)
    if (strcmp(text, names[i]) == 0)
      return i;
  parse_error(parser, setting_line(setting), _("'%s' is '%s'; it must be %s"), key, text, expected);
  return -1;
}

static const char *const priority_keys[] = { "normal", "priority", "emergency", NULL };
static const char *const start_keys[] = { "hard", "soft", NULL };
static const char *const late_keys[] = { "skip", "play", NULL };
static const char *const rotate_keys[] = { "in-order", "random", NULL };
static const char *const blackout_keys[] = { "skip", "air", NULL };

/* priority, start, grace, late, blackouts: how the event meets a busy line
 * and blackout days. Defaults follow the priority (see man/loa-schedule.5). */
static void
parse_airing_rules(Parser *parser, config_setting_t *entry, LoaEvent *event)
{
  config_setting_t *priority = config_setting_get_member(entry, "priority");
  if (priority != NULL) {
    int value = parse_choice(parser, priority, "priority", priority_keys,
                             _("\"normal\", \"priority\" or \"emergency\""));
    if (value >= 0)
      event->priority = (LoaPriority)value;
  }
  /* A priority event airs as soon as the current spot ends, however long that is. */
  gboolean priority_event = event->priority == LOA_PRIORITY_PRIORITY;
  event->start = priority_event ? LOA_START_SOFT : LOA_START_HARD;
  event->grace_ns = priority_event ? LOA_GRACE_UNLIMITED : 300 * LOA_NS_PER_SECOND;
  event->late = priority_event ? LOA_LATE_PLAY : LOA_LATE_SKIP;
  event->air_on_blackout = event->priority == LOA_PRIORITY_EMERGENCY;

  config_setting_t *start = config_setting_get_member(entry, "start");
  if (start != NULL) {
    int value = parse_choice(parser, start, "start", start_keys, _("\"hard\" or \"soft\""));
    if (value >= 0)
      event->start = (LoaStartMode)value;
    if (value == LOA_START_SOFT && event->priority == LOA_PRIORITY_EMERGENCY)
      parse_error(parser, setting_line(start),
                  _("an emergency always cuts in: 'start' must be \"hard\""));
  }
  config_setting_t *grace = config_setting_get_member(entry, "grace");
  config_setting_t *late = config_setting_get_member(entry, "late");
  if ((grace != NULL || late != NULL) && event->start != LOA_START_SOFT)
    parse_error(parser, setting_line(grace != NULL ? grace : late),
                _("'grace' and 'late' apply only to events with start = \"soft\""));
  if (grace != NULL)
    (void)parse_duration(parser, grace, "grace", &event->grace_ns);
  if (late != NULL) {
    int value = parse_choice(parser, late, "late", late_keys, _("\"skip\" or \"play\""));
    if (value >= 0)
      event->late = (LoaLatePolicy)value;
  }
  config_setting_t *blackouts = config_setting_get_member(entry, "blackouts");
  if (blackouts != NULL) {
    int value = parse_choice(parser, blackouts, "blackouts", blackout_keys, _("\"skip\" or \"air\""));
    if (value >= 0)
      event->air_on_blackout = value == 1;
  }
}

static void
parse_rotation(Parser *parser, config_setting_t *entry, LoaEvent *event)
{
  config_setting_t *rotate = config_setting_get_member(entry, "rotate");
  config_setting_t *seed = config_setting_get_member(entry, "seed");
  gboolean has_one_of = config_setting_get_member(entry, "one_of") != NULL;
  event->seed = 1;
  if ((rotate != NULL || seed != NULL) && !has_one_of)
    parse_error(parser, setting_line(rotate != NULL ? rotate : seed),
                _("'rotate' and 'seed' apply only to events with 'one_of'"));
  if (rotate != NULL) {
    int value = parse_choice(parser, rotate, "rotate", rotate_keys, _("\"in-order\" or \"random\""));
    if (value >= 0)
      event->rotation = (LoaRotation)value;
  }
  if (seed != NULL) {
    if (config_setting_type(seed) != CONFIG_TYPE_INT && config_setting_type(seed) != CONFIG_TYPE_INT64)
      parse_error(parser, setting_line(seed), _("'seed' must be a whole number"));
    else
      event->seed = (guint64)config_setting_get_int64(seed);
    if (event->rotation != LOA_ROTATION_RANDOM)
      parse_error(parser, setting_line(seed), _("'seed' applies only to rotate = \"random\""));
  }
}

static const char *const event_keys[] = {
  "at", "time", "from", "until", "days", "every", "monthly", "rrule", "except",
  "lines", "zones", "except_lines", "play", "one_of", "rotate", "seed", "max_length",
  "priority", "start", "grace", "late", "blackouts", "id", "name", NULL,
};

LoaEvent *
loa_parse_event(Parser *parser, config_setting_t *entry, int index)
{
  int line = setting_line(entry);
  if (!config_setting_is_group(entry)) {
    parse_error(parser, line,
                _("events entry %d must be a group { at = ...; lines = ...; play = ...; }"),
                index + 1);
    return NULL;
  }
  loa_parse_warn_unknown_keys(parser, entry, event_keys);

  LoaEvent *event = g_new0(LoaEvent, 1);
  event->source_line = line;
  event->ref = g_strdup_printf("%s:%d", parser->file, line);
  event->priority = LOA_PRIORITY_NORMAL;

  loa_parse_recurrence(parser, entry, event);
  parse_lines(parser, entry, event);
  parse_choices(parser, entry, event);
  parse_rotation(parser, entry, event);
  parse_airing_rules(parser, entry, event);

  config_setting_t *max_length = config_setting_get_member(entry, "max_length");
  if (max_length != NULL && parse_duration(parser, max_length, "max_length",
                                           &event->max_length_ns) &&
      event->max_length_ns == 0)
    parse_error(parser, setting_line(max_length), _("'max_length' must be more than 0"));

  config_setting_t *name = config_setting_get_member(entry, "name");
  const char *name_text = name != NULL ? loa_parse_string(parser, name, "name") : NULL;
  event->name = g_strdup(name_text);
  config_setting_t *id = config_setting_get_member(entry, "id");
  const char *id_text = id != NULL ? loa_parse_string(parser, id, "id") : NULL;
  event->id = g_strdup(id_text);
  if (id_text != NULL) {
    gpointer first = g_hash_table_lookup(parser->event_ids, id_text);
    if (first != NULL)
      parse_warning(parser, setting_line(id), _("event id '%s' is also used at %s:%d"), id_text,
                    parser->file, GPOINTER_TO_INT(first));
    else
      g_hash_table_insert(parser->event_ids, (gpointer)id_text, GINT_TO_POINTER(line));
  }
  return event;
}
