/* Schedule files: parsing (see schedule.h); expansion is in
 * schedule-expand.c, checking in schedule-check.c.
 *
 * Parsing collects every problem it can find in one pass, each with its
 * line, and resolves everything that depends on the configuration (zones,
 * "all", blackout days) so that expansion needs nothing but the schedule. */
#include "schedule.h"
#include "schedule-private.h"

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
problem_free(gpointer data)
{
  LoaProblem *problem = data;
  g_free(problem->file);
  g_free(problem->message);
  g_free(problem);
}

LoaProblems *
loa_problems_new(void)
{
  LoaProblems *problems = g_new0(LoaProblems, 1);
  problems->items = g_ptr_array_new_with_free_func(problem_free);
  return problems;
}

void
loa_problems_free(LoaProblems *problems)
{
  if (problems == NULL)
    return;
  g_ptr_array_unref(problems->items);
  g_free(problems);
}

static void G_GNUC_PRINTF(5, 0)
problems_add_valist(LoaProblems *problems, const char *file, int line, gboolean warning,
                    const char *format, va_list args)
{
  LoaProblem *problem = g_new0(LoaProblem, 1);
  problem->file = g_strdup(file != NULL ? file : "");
  problem->line = line;
  problem->warning = warning;
  problem->message = g_strdup_vprintf(format, args);
  g_ptr_array_add(problems->items, problem);
  if (warning)
    problems->warnings++;
  else
    problems->errors++;
}

void
loa_problems_add(LoaProblems *problems, const char *file, int line, gboolean warning,
                 const char *format, ...)
{
  va_list args;
  va_start(args, format);
  problems_add_valist(problems, file, line, warning, format, args);
  va_end(args);
}

static gint
compare_problems(gconstpointer a, gconstpointer b)
{
  const LoaProblem *x = *(LoaProblem *const *)a;
  const LoaProblem *y = *(LoaProblem *const *)b;
  int by_file = strcmp(x->file, y->file);
  if (by_file != 0)
    return by_file;
  return (x->line > y->line) - (x->line < y->line);
}

void
loa_problems_print(LoaProblems *problems, FILE *out)
{
  /* g_ptr_array_sort is stable, so problems on one line keep their order. */
  g_ptr_array_sort(problems->items, compare_problems);
  for (guint i = 0; i < problems->items->len; i++) {
    const LoaProblem *problem = g_ptr_array_index(problems->items, i);
    g_autofree char *where = problem->line > 0
                                 ? g_strdup_printf("%s:%d", problem->file, problem->line)
                                 : g_strdup(problem->file);
    if (problem->warning)
      fprintf(out, _("%s: warning: %s\n"), where, problem->message);
    else
      fprintf(out, "%s: %s\n", where, problem->message);
  }
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

/* Parsing state. */
typedef struct {
  const char *file;
  const LoaConfig *config;
  LoaProblems *problems;
  GHashTable *event_ids;  /* human `id` -> GINT_TO_POINTER(line), for duplicate warnings */
} Parser;

static int
setting_line(const config_setting_t *setting)
{
  return setting != NULL ? (int)config_setting_source_line(setting) : 0;
}

static void G_GNUC_PRINTF(3, 4)
parse_error(Parser *parser, int line, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  problems_add_valist(parser->problems, parser->file, line, FALSE, format, args);
  va_end(args);
}

static void G_GNUC_PRINTF(3, 4)
parse_warning(Parser *parser, int line, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  problems_add_valist(parser->problems, parser->file, line, TRUE, format, args);
  va_end(args);
}

/* Warns about every member of group whose name is not in known (NULL-terminated). */
static void
warn_unknown_keys(Parser *parser, config_setting_t *group, const char *const *known)
{
  int n = config_setting_length(group);
  for (int i = 0; i < n; i++) {
    config_setting_t *member = config_setting_get_elem(group, (unsigned)i);
    const char *name = config_setting_name(member);
    if (name != NULL && !g_strv_contains(known, name))
      parse_warning(parser, setting_line(member), _("unknown setting '%s' (ignored)"), name);
  }
}

/* The string value of setting, or NULL after reporting that it is not one. */
static const char *
string_value(Parser *parser, config_setting_t *setting, const char *key)
{
  if (config_setting_type(setting) != CONFIG_TYPE_STRING) {
    parse_error(parser, setting_line(setting), _("'%s' must be a string in double quotes"), key);
    return NULL;
  }
  return config_setting_get_string(setting);
}

/* Collects the strings of a setting that may be one string or a list/array of
 * strings, into values (borrowed const char *) and their lines. Returns FALSE
 * after reporting a wrong shape. */
static gboolean
string_list(Parser *parser, config_setting_t *setting, const char *key, const char *shape,
            GPtrArray *values, GArray *lines)
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
  if (!string_list(parser, setting, key,
                   _("a line or zone id, a list of them [ \"a\", \"b\" ] or \"all\""), ids,
                   id_lines))
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
  if (!string_list(parser, setting, key, _("a spot id or a list of spot ids [ \"a\", \"b\" ]"),
                   ids, id_lines))
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

static gboolean
parse_date_key(Parser *parser, config_setting_t *setting, const char *key, LoaDate *date)
{
  const char *text = string_value(parser, setting, key);
  if (text == NULL)
    return FALSE;
  g_autoptr(GError) error = NULL;
  if (!loa_date_parse(text, date, &error)) {
    parse_error(parser, setting_line(setting), "'%s': %s", key, error->message);
    return FALSE;
  }
  return TRUE;
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

static int
compare_ints(gconstpointer a, gconstpointer b)
{
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

static int
compare_ordinals(gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *)a, y = *(const guint32 *)b;
  return (x > y) - (x < y);
}

/* `time`: one time of day or a list (sessions), sorted and without repeats. */
static void
parse_times(Parser *parser, config_setting_t *setting, LoaEvent *event)
{
  g_autoptr(GPtrArray) texts = g_ptr_array_new();
  g_autoptr(GArray) lines = g_array_new(FALSE, FALSE, sizeof(int));
  if (!string_list(parser, setting, "time",
                   _("a time \"HH:MM:SS\" or a list of times [ \"05:30:00\", \"17:00:00\" ]"),
                   texts, lines))
    return;
  g_autoptr(GArray) times = g_array_new(FALSE, FALSE, sizeof(int));
  for (guint i = 0; i < texts->len; i++) {
    int seconds = 0;
    g_autoptr(GError) error = NULL;
    if (!loa_time_of_day_parse(g_ptr_array_index(texts, i), &seconds, &error)) {
      parse_error(parser, g_array_index(lines, int, i), "'time': %s", error->message);
      continue;
    }
    for (guint j = 0; j < times->len; j++)
      if (g_array_index(times, int, j) == seconds) {
        parse_error(parser, g_array_index(lines, int, i), _("'time' lists %s twice"),
                    (const char *)g_ptr_array_index(texts, i));
        seconds = -1;
      }
    if (seconds >= 0)
      g_array_append_val(times, seconds);
  }
  g_array_sort(times, compare_ints);
  event->n_times = times->len;
  event->times = (int *)g_array_free(g_steal_pointer(&times), FALSE);
}

static const char *const weekday_names[7][4] = {
  { "mon", "monday", "t2", NULL },   { "tue", "tuesday", "t3", NULL },
  { "wed", "wednesday", "t4", NULL }, { "thu", "thursday", "t5", NULL },
  { "fri", "friday", "t6", NULL },   { "sat", "saturday", "t7", NULL },
  { "sun", "sunday", "cn", NULL },
};

static int
weekday_from_name(const char *text)
{
  g_autofree char *lower = g_ascii_strdown(text, -1);
  for (int d = 0; d < 7; d++)
    if (g_strv_contains(weekday_names[d], lower))
      return d;
  return -1;
}

/* `days`: weekday names -> bit mask. */
static void
parse_weekdays(Parser *parser, config_setting_t *setting, LoaEvent *event)
{
  g_autoptr(GPtrArray) texts = g_ptr_array_new();
  g_autoptr(GArray) lines = g_array_new(FALSE, FALSE, sizeof(int));
  if (!string_list(parser, setting, "days", _("a weekday or a list of weekdays [ \"mon\", \"thu\" ]"),
                   texts, lines))
    return;
  for (guint i = 0; i < texts->len; i++) {
    const char *text = g_ptr_array_index(texts, i);
    int day = weekday_from_name(text);
    if (day < 0)
      parse_error(parser, g_array_index(lines, int, i),
                  _("'%s' is not a weekday (mon, tue, wed, thu, fri, sat, sun; or t2..t7, cn)"),
                  text);
    else
      event->weekdays |= (guint8)(1u << day);
  }
}

/* `every = "N days"` or "N weeks". */
static void
parse_every(Parser *parser, config_setting_t *setting, LoaEvent *event)
{
  const char *text = string_value(parser, setting, "every");
  if (text == NULL)
    return;
  g_autofree char *copy = g_strdup(text);
  g_auto(GStrv) words = g_strsplit(g_strstrip(copy), " ", -1);
  guint64 n = 0;
  gboolean ok = g_strv_length(words) == 2 &&
                g_ascii_string_to_unsigned(words[0], 10, 1, 1000, &n, NULL);
  if (ok && (strcmp(words[1], "days") == 0 || strcmp(words[1], "day") == 0))
    event->repeat = LOA_REPEAT_EVERY_DAYS;
  else if (ok && (strcmp(words[1], "weeks") == 0 || strcmp(words[1], "week") == 0))
    event->repeat = LOA_REPEAT_EVERY_WEEKS;
  else
    ok = FALSE;
  if (!ok) {
    parse_error(parser, setting_line(setting),
                _("'every' is '%s'; it must be \"N days\" or \"N weeks\" with N from 1 to 1000"),
                text);
    return;
  }
  event->interval = (guint)n;
}

static const char *const position_names[] = { "first", "second", "third", "fourth", "fifth" };

/* `monthly`: days of the month (integers, -1 the last) or "first monday". */
static void
parse_monthly(Parser *parser, config_setting_t *setting, LoaEvent *event)
{
  int line = setting_line(setting);
  if (config_setting_type(setting) == CONFIG_TYPE_STRING) {
    const char *text = config_setting_get_string(setting);
    g_autofree char *lower = g_ascii_strdown(text, -1);
    g_auto(GStrv) words = g_strsplit(g_strstrip(lower), " ", -1);
    int position = 0;
    if (g_strv_length(words) == 2) {
      for (guint p = 0; p < G_N_ELEMENTS(position_names); p++)
        if (strcmp(words[0], position_names[p]) == 0)
          position = (int)p + 1;
      if (strcmp(words[0], "last") == 0)
        position = -1;
    }
    int day = position != 0 ? weekday_from_name(words[1]) : -1;
    if (day < 0) {
      parse_error(parser, line,
                  _("'monthly' is '%s'; write e.g. \"first monday\" or \"last fri\" "
                    "(first..fifth or last, then a weekday)"),
                  text);
      return;
    }
    event->repeat = LOA_REPEAT_MONTH_WEEKDAY;
    event->month_week = position;
    event->weekdays = (guint8)(1u << day);
    return;
  }
  event->repeat = LOA_REPEAT_MONTH_DAYS;
  gboolean single = config_setting_type(setting) == CONFIG_TYPE_INT;
  if (!single && !config_setting_is_array(setting) && !config_setting_is_list(setting)) {
    parse_error(parser, line,
                _("'monthly' must be a day of the month, a list [ 1, 15, -1 ] or \"first monday\""));
    return;
  }
  int n = single ? 1 : config_setting_length(setting);
  if (n == 0)
    parse_error(parser, line, _("'monthly' is empty"));
  for (int i = 0; i < n; i++) {
    config_setting_t *element = single ? setting : config_setting_get_elem(setting, (unsigned)i);
    int value = config_setting_type(element) == CONFIG_TYPE_INT ? config_setting_get_int(element) : 0;
    if (value == -1)
      event->month_days |= 1u;
    else if (value >= 1 && value <= 31)
      event->month_days |= 1u << value;
    else
      parse_error(parser, line,
                  _("'monthly' days must be whole numbers from 1 to 31, or -1 for the last day"));
  }
}

gboolean
loa_rrule_parse(const char *text, struct icalrecurrencetype *rule)
{
  icalerror_set_errors_are_fatal(0);
  icalerror_clear_errno();
  *rule = icalrecurrencetype_from_string(text);
  return rule->freq != ICAL_NO_RECURRENCE && icalerrno == ICAL_NO_ERROR;
}

struct icaltimetype
loa_rrule_day(guint32 day)
{
  LoaDate date;
  loa_date_from_ordinal(day, &date);
  /* A floating DATE-TIME at midnight: libical 3.0 iterates pure DATE values
   * wrongly (repeated or unsorted days). */
  struct icaltimetype time = icaltime_null_time();
  time.year = date.year;
  time.month = date.month;
  time.day = date.day;
  time.is_date = 0;
  return time;
}

/* `rrule`: checked here with the RRULE text in every message; a rule with
 * COUNT is expanded once, now. */
static void
parse_rrule(Parser *parser, config_setting_t *setting, LoaEvent *event)
{
  const char *text = string_value(parser, setting, "rrule");
  int line = setting_line(setting);
  if (text == NULL)
    return;
  event->repeat = LOA_REPEAT_RRULE;
  event->rrule = g_strdup(text);
  struct icalrecurrencetype rule;
  if (g_str_has_prefix(text, "RRULE:")) {
    parse_error(parser, line, _("RRULE '%s': write the rule without the 'RRULE:' prefix"), text);
    return;
  }
  if (!loa_rrule_parse(text, &rule)) {
    parse_error(parser, line,
                _("RRULE '%s' is not a valid iCalendar recurrence rule (RFC 5545), e.g. "
                  "\"FREQ=WEEKLY;BYDAY=MO,TH\""),
                text);
    return;
  }
  if (rule.freq == ICAL_SECONDLY_RECURRENCE || rule.freq == ICAL_MINUTELY_RECURRENCE ||
      rule.freq == ICAL_HOURLY_RECURRENCE || rule.by_hour[0] != ICAL_RECURRENCE_ARRAY_MAX ||
      rule.by_minute[0] != ICAL_RECURRENCE_ARRAY_MAX ||
      rule.by_second[0] != ICAL_RECURRENCE_ARRAY_MAX) {
    parse_error(parser, line,
                _("RRULE '%s': the rule chooses days (FREQ=DAILY or longer, no BYHOUR, BYMINUTE "
                  "or BYSECOND); the times of day come from 'time'"),
                text);
    return;
  }
  if (rule.count > RRULE_MAX_COUNT) {
    parse_error(parser, line, _("RRULE '%s': COUNT is more than %d; write UNTIL instead"), text,
                RRULE_MAX_COUNT);
    return;
  }
  if (!event->has_from) {
    parse_error(parser, line, _("RRULE '%s' needs 'from': the first day the rule counts from"),
                text);
    return;
  }
  icalrecur_iterator *iterator =
      icalrecur_iterator_new(rule, loa_rrule_day(loa_date_ordinal(&event->from)));
  if (iterator == NULL) {
    parse_error(parser, line, _("RRULE '%s' can never produce a date (e.g. a day that no month "
                                "has)"),
                text);
    return;
  }
  if (rule.count > 0) {
    event->rrule_days = g_array_new(FALSE, FALSE, sizeof(guint32));
    for (int i = 0; i < rule.count; i++) {
      struct icaltimetype next = icalrecur_iterator_next(iterator);
      if (icaltime_is_null_time(next))
        break;
      LoaDate date = { next.year, next.month, next.day };
      guint32 day = loa_date_ordinal(&date);
      if (event->rrule_days->len == 0 ||
          g_array_index(event->rrule_days, guint32, event->rrule_days->len - 1) != day)
        g_array_append_val(event->rrule_days, day);
    }
    g_array_sort(event->rrule_days, compare_ordinals);
  }
  icalrecur_iterator_free(iterator);
}

/* `except`: dates (one or a list) the event skips. */
static void
parse_except(Parser *parser, config_setting_t *setting, LoaEvent *event)
{
  g_autoptr(GPtrArray) texts = g_ptr_array_new();
  g_autoptr(GArray) lines = g_array_new(FALSE, FALSE, sizeof(int));
  if (!string_list(parser, setting, "except", _("a date or a list of dates [ \"YYYY-MM-DD\" ]"),
                   texts, lines))
    return;
  event->except = g_array_new(FALSE, FALSE, sizeof(guint32));
  for (guint i = 0; i < texts->len; i++) {
    LoaDate date;
    g_autoptr(GError) error = NULL;
    if (!loa_date_parse(g_ptr_array_index(texts, i), &date, &error)) {
      parse_error(parser, g_array_index(lines, int, i), "'except': %s", error->message);
      continue;
    }
    guint32 day = loa_date_ordinal(&date);
    g_array_append_val(event->except, day);
  }
  g_array_sort(event->except, compare_ordinals);
}

/* Looks text up in names (NULL-terminated); reports and returns -1 if absent. */
static int
parse_choice(Parser *parser, config_setting_t *setting, const char *key,
             const char *const *names, const char *expected)
{
  const char *text = string_value(parser, setting, key);
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

/* The recurrence keys: at, time, days, every, monthly, rrule, from, until, except. */
static void
parse_recurrence(Parser *parser, config_setting_t *entry, LoaEvent *event)
{
  int line = setting_line(entry);
  config_setting_t *at = config_setting_get_member(entry, "at");
  config_setting_t *time = config_setting_get_member(entry, "time");
  config_setting_t *from = config_setting_get_member(entry, "from");
  config_setting_t *until = config_setting_get_member(entry, "until");
  config_setting_t *days = config_setting_get_member(entry, "days");
  config_setting_t *every = config_setting_get_member(entry, "every");
  config_setting_t *monthly = config_setting_get_member(entry, "monthly");
  config_setting_t *rrule = config_setting_get_member(entry, "rrule");
  config_setting_t *except = config_setting_get_member(entry, "except");

  if (at != NULL && time != NULL)
    parse_error(parser, setting_line(time),
                _("an event has either 'at' (once) or 'time' (recurring), not both"));
  else if (at == NULL && time == NULL)
    parse_error(parser, line, _("an event needs 'at' (once, \"YYYY-MM-DD HH:MM:SS\") or "
                                "'time' (recurring, \"HH:MM:SS\")"));

  if (at != NULL) {
    event->repeat = LOA_REPEAT_ONCE;
    const char *text = string_value(parser, at, "at");
    g_autoptr(GError) error = NULL;
    if (text != NULL && !loa_datetime_parse(parser->config->timezone, text, &event->at_ns, &error))
      parse_error(parser, setting_line(at), "'at': %s", error->message);
    config_setting_t *recurring[] = { from, until, days, every, monthly, rrule, except };
    const char *names[] = { "from", "until", "days", "every", "monthly", "rrule", "except" };
    for (guint i = 0; i < G_N_ELEMENTS(recurring); i++)
      if (recurring[i] != NULL)
        parse_error(parser, setting_line(recurring[i]),
                    _("'%s' applies only to recurring events (with 'time'); this one has 'at'"),
                    names[i]);
    return;
  }

  event->repeat = LOA_REPEAT_DAILY;
  if (time != NULL)
    parse_times(parser, time, event);
  if (from != NULL)
    event->has_from = parse_date_key(parser, from, "from", &event->from);
  if (until != NULL)
    event->has_until = parse_date_key(parser, until, "until", &event->until);
  if (event->has_from && event->has_until && loa_date_compare(&event->from, &event->until) > 0)
    parse_error(parser, setting_line(until),
                _("'from' (%04d-%02d-%02d) is after 'until' (%04d-%02d-%02d)"), event->from.year,
                event->from.month, event->from.day, event->until.year, event->until.month,
                event->until.day);

  guint kinds = (every != NULL) + (monthly != NULL) + (rrule != NULL) +
                (days != NULL && every == NULL);
  if (kinds > 1) {
    parse_error(parser, line,
                _("choose one recurrence: 'days', 'every' (with 'days' for weeks), 'monthly' or "
                  "'rrule'"));
    return;
  }
  if (days != NULL) {
    event->repeat = LOA_REPEAT_WEEKLY;
    parse_weekdays(parser, days, event);
  }
  if (every != NULL) {
    parse_every(parser, every, event);
    if (!event->has_from && from == NULL)
      parse_error(parser, setting_line(every),
                  _("'every' needs 'from': the first day, which the count starts from"));
    if (event->repeat == LOA_REPEAT_EVERY_DAYS && days != NULL)
      parse_error(parser, setting_line(days),
                  _("'days' goes with 'every = \"N weeks\"', not with days"));
    if (event->repeat == LOA_REPEAT_EVERY_WEEKS && days == NULL && event->has_from)
      event->weekdays = (guint8)(1u << weekday_of(loa_date_ordinal(&event->from)));
  }
  if (monthly != NULL)
    parse_monthly(parser, monthly, event);
  if (rrule != NULL && (from == NULL || event->has_from))
    parse_rrule(parser, rrule, event);
  if (except != NULL)
    parse_except(parser, except, event);
}

static const char *const event_keys[] = {
  "at", "time", "from", "until", "days", "every", "monthly", "rrule", "except",
  "lines", "zones", "except_lines", "play", "one_of", "rotate", "seed", "max_length",
  "priority", "start", "grace", "late", "blackouts", "id", "name", NULL,
};

/* Parses one entry of `events`. Returns the event (possibly incomplete when
 * errors were reported), or NULL if the entry is not a group at all. */
static LoaEvent *
parse_event(Parser *parser, config_setting_t *entry, int index)
{
  int line = setting_line(entry);
  if (!config_setting_is_group(entry)) {
    parse_error(parser, line,
                _("events entry %d must be a group { at = ...; lines = ...; play = ...; }"),
                index + 1);
    return NULL;
  }
  warn_unknown_keys(parser, entry, event_keys);

  LoaEvent *event = g_new0(LoaEvent, 1);
  event->source_line = line;
  event->ref = g_strdup_printf("%s:%d", parser->file, line);
  event->priority = LOA_PRIORITY_NORMAL;

  parse_recurrence(parser, entry, event);
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
  const char *name_text = name != NULL ? string_value(parser, name, "name") : NULL;
  event->name = g_strdup(name_text);
  config_setting_t *id = config_setting_get_member(entry, "id");
  const char *id_text = id != NULL ? string_value(parser, id, "id") : NULL;
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
  warn_unknown_keys(&parser, root, root_keys);

  config_setting_t *name = config_setting_get_member(root, "name");
  const char *name_text = name != NULL ? string_value(&parser, name, "name") : NULL;
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
      LoaEvent *event = parse_event(&parser, config_setting_get_elem(events, (unsigned)i), i);
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
