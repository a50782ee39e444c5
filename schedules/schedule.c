/* Schedule files: parsing and expansion (see schedule.h); checking is in
 * schedule-check.c.
 *
 * Parsing collects every problem it can find in one pass, each with its line.
 * Checking (schedule-check.c) expands occurrences over the days where something can change (the
 * dates written in the file and their neighbours, plus a couple of sample
 * days in every gap between them) and sweeps each line for overlaps; between
 * those days every day repeats the same pattern, so nothing is missed and a
 * schedule running for years costs no more than one running for a week.
 * (Days on which daylight saving changes are not sampled specially; the
 * station's zone has none.) */
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
  g_strfreev(event->lines);
  g_strfreev(event->spots);
  g_free(event);
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
  g_free(schedule);
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
known_lines_text(const LoaConfig *config)
{
  GString *text = g_string_new(NULL);
  for (guint i = 0; i < config->lines->len; i++) {
    const LoaLineConfig *line = g_ptr_array_index(config->lines, i);
    g_string_append_printf(text, "%s'%s'", i > 0 ? ", " : "", line->id);
  }
  return g_string_free(text, FALSE);
}

static void
parse_lines(Parser *parser, config_setting_t *setting, LoaEvent *event)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new();
  g_autoptr(GArray) id_lines = g_array_new(FALSE, FALSE, sizeof(int));
  if (!string_list(parser, setting, "lines",
                   _("a line id, a list of line ids [ \"a\", \"b\" ] or \"all\""), ids, id_lines))
    return;

  const LoaConfig *config = parser->config;
  g_autofree gboolean *chosen = g_new0(gboolean, config->lines->len);
  gboolean ok = TRUE;
  for (guint i = 0; i < ids->len; i++) {
    const char *id = g_ptr_array_index(ids, i);
    int line = g_array_index(id_lines, int, i);
    if (strcmp(id, "all") == 0) {
      if (ids->len > 1) {
        parse_error(parser, line, _("\"all\" already means every line; write lines = \"all\";"));
        ok = FALSE;
        continue;
      }
      for (guint j = 0; j < config->lines->len; j++)
        chosen[j] = TRUE;
      continue;
    }
    guint index = 0;
    for (; index < config->lines->len; index++)
      if (strcmp(((LoaLineConfig *)g_ptr_array_index(config->lines, index))->id, id) == 0)
        break;
    if (index == config->lines->len) {
      g_autofree char *known = known_lines_text(config);
      parse_error(parser, line, _("unknown line '%s' (the station's lines are %s)"), id, known);
      ok = FALSE;
    } else if (chosen[index]) {
      parse_error(parser, line, _("line '%s' is listed twice in this event"), id);
      ok = FALSE;
    } else {
      chosen[index] = TRUE;
    }
  }
  if (!ok)
    return;

  /* Config order, whatever the order in the file: the same event always
   * reaches its lines in the same order. */
  GPtrArray *result = g_ptr_array_new();
  for (guint j = 0; j < config->lines->len; j++)
    if (chosen[j])
      g_ptr_array_add(result, g_strdup(((LoaLineConfig *)g_ptr_array_index(config->lines, j))->id));
  g_ptr_array_add(result, NULL);
  event->lines = (GStrv)g_ptr_array_free(result, FALSE);
}

static void
parse_play(Parser *parser, config_setting_t *setting, LoaEvent *event)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new();
  g_autoptr(GArray) id_lines = g_array_new(FALSE, FALSE, sizeof(int));
  if (!string_list(parser, setting, "play", _("a spot id or a list of spot ids [ \"a\", \"b\" ]"),
                   ids, id_lines))
    return;
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
    return;
  GPtrArray *result = g_ptr_array_new();
  for (guint i = 0; i < ids->len; i++)
    g_ptr_array_add(result, g_strdup(g_ptr_array_index(ids, i)));
  g_ptr_array_add(result, NULL);
  event->spots = (GStrv)g_ptr_array_free(result, FALSE);
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

static const char *const event_keys[] = {
  "at", "time", "from", "until", "lines", "play", "priority", "id", "name", NULL,
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

  config_setting_t *at = config_setting_get_member(entry, "at");
  config_setting_t *time = config_setting_get_member(entry, "time");
  config_setting_t *from = config_setting_get_member(entry, "from");
  config_setting_t *until = config_setting_get_member(entry, "until");

  if (at != NULL && time != NULL)
    parse_error(parser, setting_line(time),
                _("an event has either 'at' (once) or 'time' (daily), not both"));
  else if (at == NULL && time == NULL)
    parse_error(parser, line, _("an event needs 'at' (once, \"YYYY-MM-DD HH:MM:SS\") or "
                                "'time' (daily, \"HH:MM:SS\")"));

  event->one_off = at != NULL;
  if (at != NULL) {
    const char *text = string_value(parser, at, "at");
    g_autoptr(GError) error = NULL;
    if (text != NULL && !loa_datetime_parse(parser->config->timezone, text, &event->at_ns, &error))
      parse_error(parser, setting_line(at), "'at': %s", error->message);
    if (from != NULL)
      parse_error(parser, setting_line(from),
                  _("'from' applies only to daily events (with 'time'); this one has 'at'"));
    if (until != NULL)
      parse_error(parser, setting_line(until),
                  _("'until' applies only to daily events (with 'time'); this one has 'at'"));
  } else {
    if (time != NULL) {
      const char *text = string_value(parser, time, "time");
      g_autoptr(GError) error = NULL;
      if (text != NULL && !loa_time_of_day_parse(text, &event->time_of_day, &error))
        parse_error(parser, setting_line(time), "'time': %s", error->message);
    }
    if (from != NULL)
      event->has_from = parse_date_key(parser, from, "from", &event->from);
    if (until != NULL)
      event->has_until = parse_date_key(parser, until, "until", &event->until);
    if (event->has_from && event->has_until && loa_date_compare(&event->from, &event->until) > 0)
      parse_error(parser, setting_line(until),
                  _("'from' (%04d-%02d-%02d) is after 'until' (%04d-%02d-%02d)"),
                  event->from.year, event->from.month, event->from.day, event->until.year,
                  event->until.month, event->until.day);
  }

  config_setting_t *lines = config_setting_get_member(entry, "lines");
  if (lines == NULL)
    parse_error(parser, line, _("missing 'lines': a line id, a list of line ids or \"all\""));
  else
    parse_lines(parser, lines, event);

  config_setting_t *play = config_setting_get_member(entry, "play");
  if (play == NULL)
    parse_error(parser, line, _("missing 'play': the spot ids to play, back to back"));
  else
    parse_play(parser, play, event);

  config_setting_t *priority = config_setting_get_member(entry, "priority");
  if (priority != NULL) {
    const char *text = string_value(parser, priority, "priority");
    guint i = 0;
    for (; text != NULL && i < G_N_ELEMENTS(priority_names); i++)
      if (strcmp(text, priority_names[i]) == 0)
        break;
    if (text != NULL && i == G_N_ELEMENTS(priority_names))
      parse_error(parser, setting_line(priority),
                  _("'priority' is '%s'; it must be \"normal\", \"priority\" or \"emergency\""),
                  text);
    else if (text != NULL)
      event->priority = (LoaPriority)i;
  }

  config_setting_t *name = config_setting_get_member(entry, "name");
  if (name != NULL)
    (void)string_value(parser, name, "name");
  config_setting_t *id = config_setting_get_member(entry, "id");
  const char *id_text = id != NULL ? string_value(parser, id, "id") : NULL;
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

static const char *const root_keys[] = { "name", "events", NULL };

LoaSchedule *
loa_schedule_parse(const char *file, const char *text, const LoaConfig *config,
                   LoaProblems *problems)
{
  g_return_val_if_fail(file != NULL && text != NULL && config != NULL && problems != NULL, NULL);

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

  if (problems->errors > 0)
    return NULL;
  return g_steal_pointer(&schedule);
}

gboolean
loa_schedule_daily_start(GTimeZone *tz, const LoaEvent *event, const LoaDate *date,
                         gint64 *start_ns)
{
  if (loa_civil_to_utc(tz, date, event->time_of_day, start_ns, NULL))
    return TRUE;
  return event->time_of_day + 3600 < SECONDS_PER_DAY &&
         loa_civil_to_utc(tz, date, event->time_of_day + 3600, start_ns, NULL);
}

gboolean
loa_schedule_daily_days(const LoaEvent *event, guint32 lo, guint32 hi, guint32 *first,
                        guint32 *last)
{
  *first = event->has_from ? MAX(lo, loa_date_ordinal(&event->from)) : lo;
  *last = event->has_until ? MIN(hi, loa_date_ordinal(&event->until)) : hi;
  return *first <= *last;
}

/* An occurrence while expanding: the start and the event's index in the file. */
typedef struct {
  gint64 start_ns;
  guint index;
} Keyed;

static gint
compare_keyed(gconstpointer a, gconstpointer b)
{
  const Keyed *x = a, *y = b;
  if (x->start_ns != y->start_ns)
    return x->start_ns < y->start_ns ? -1 : 1;
  return (x->index > y->index) - (x->index < y->index);
}


GArray *
loa_schedule_expand(const LoaSchedule *schedule, gint64 from_ns, gint64 until_ns)
{
  g_autoptr(GArray) keyed = g_array_new(FALSE, FALSE, sizeof(Keyed));
  GArray *result = g_array_new(FALSE, FALSE, sizeof(LoaOccurrence));
  if (from_ns >= until_ns)
    return result;

  LoaDate first_date, last_date;
  loa_utc_to_date(schedule->tz, from_ns, &first_date);
  loa_utc_to_date(schedule->tz, until_ns, &last_date);
  /* One day of margin on each side: a shifted (DST) start may leave its date. */
  guint32 lo = MAX(loa_date_ordinal(&first_date) - 1, FIRST_ORDINAL);
  guint32 hi = MIN(loa_date_ordinal(&last_date) + 1, LAST_ORDINAL);

  for (guint i = 0; i < schedule->events->len; i++) {
    const LoaEvent *event = g_ptr_array_index(schedule->events, i);
    if (event->one_off) {
      if (event->at_ns >= from_ns && event->at_ns < until_ns)
        g_array_append_val(keyed, ((Keyed){ event->at_ns, i }));
      continue;
    }
    guint32 first, last;
    if (!loa_schedule_daily_days(event, lo, hi, &first, &last))
      continue;
    for (guint32 day = first; day <= last; day++) {
      LoaDate date;
      gint64 start;
      loa_date_from_ordinal(day, &date);
      if (loa_schedule_daily_start(schedule->tz, event, &date, &start) && start >= from_ns &&
          start < until_ns)
        g_array_append_val(keyed, ((Keyed){ start, i }));
    }
  }
  g_array_sort(keyed, compare_keyed);
  for (guint k = 0; k < keyed->len; k++) {
    const Keyed *item = &g_array_index(keyed, Keyed, k);
    LoaOccurrence occurrence = { g_ptr_array_index(schedule->events, item->index), item->start_ns };
    g_array_append_val(result, occurrence);
  }
  return result;
}
