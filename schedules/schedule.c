/* Schedule files: parsing, checking and expansion (see schedule.h).
 *
 * Parsing collects every problem it can find in one pass, each with its line.
 * Checking expands occurrences over the days where something can change (the
 * dates written in the file and their neighbours, plus a couple of sample
 * days in every gap between them) and sweeps each line for overlaps; between
 * those days every day repeats the same pattern, so nothing is missed and a
 * schedule running for years costs no more than one running for a week.
 * (Days on which daylight saving changes are not sampled specially; the
 * station's zone has none.) */
#include "schedule.h"

#include "i18n.h"
#include "loa-cleanup.h"

#include <string.h>

#define SECONDS_PER_DAY 86400

/* Never expand more than this many days around one written date for a spot
 * run longer than a day: such events are nonsense and only need reporting. */
#define MAX_SPILL_DAYS 7

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

/* When a daily event starts on date, in UTC ns. A local time skipped by a
 * daylight-saving change airs as the clock jumps over it, an hour later on the
 * local clock. Returns FALSE if the day has no such time even so. */
static gboolean
daily_start(GTimeZone *tz, const LoaEvent *event, const LoaDate *date, gint64 *start_ns)
{
  if (loa_civil_to_utc(tz, date, event->time_of_day, start_ns, NULL))
    return TRUE;
  return event->time_of_day + 3600 < SECONDS_PER_DAY &&
         loa_civil_to_utc(tz, date, event->time_of_day + 3600, start_ns, NULL);
}

/* The ordinal range of days a daily event may air on, clipped to [lo, hi].
 * Returns FALSE if empty. */
static gboolean
daily_days(const LoaEvent *event, guint32 lo, guint32 hi, guint32 *first, guint32 *last)
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

/* Ordinals that loa_date_from_ordinal and GDateTime accept. */
#define FIRST_ORDINAL 2u        /* 0001-01-02: the day before still exists */
#define LAST_ORDINAL 3652058u   /* 9999-12-30 */

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
    if (!daily_days(event, lo, hi, &first, &last))
      continue;
    for (guint32 day = first; day <= last; day++) {
      LoaDate date;
      gint64 start;
      loa_date_from_ordinal(day, &date);
      if (daily_start(schedule->tz, event, &date, &start) && start >= from_ns && start < until_ns)
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

/* What one spot lookup said, cached so each spot is looked up once. */
typedef struct {
  gboolean ok;
  gint64 duration_ns;
  char *problem;
} SpotInfo;

static void
spot_info_free(gpointer data)
{
  SpotInfo *info = data;
  g_free(info->problem);
  g_free(info);
}

/* Adds an error for every spot that cannot air; fills durations[i] with the
 * total length of event i's spots that can. */
static void
check_spots(const LoaSchedule *schedule, LoaSpotLookupFunc lookup, gpointer user_data,
            gint64 *durations, LoaProblems *problems)
{
  g_autoptr(GHashTable) cache =
      g_hash_table_new_full(g_str_hash, g_str_equal, NULL, spot_info_free);
  for (guint i = 0; i < schedule->events->len; i++) {
    const LoaEvent *event = g_ptr_array_index(schedule->events, i);
    for (guint s = 0; event->spots[s] != NULL; s++) {
      const char *id = event->spots[s];
      SpotInfo *info = g_hash_table_lookup(cache, id);
      if (info == NULL) {
        info = g_new0(SpotInfo, 1);
        info->ok = lookup(id, &info->duration_ns, &info->problem, user_data);
        if (!info->ok && info->problem == NULL)
          info->problem = g_strdup_printf(_("spot '%s' cannot air"), id);
        if (info->duration_ns < 0)
          info->duration_ns = 0;
        g_hash_table_insert(cache, (gpointer)id, info);
      }
      if (info->ok) {
        durations[i] += info->duration_ns;
        continue;
      }
      /* Once per event, even if it plays the same spot twice. */
      gboolean seen = FALSE;
      for (guint t = 0; t < s && !seen; t++)
        seen = strcmp(event->spots[t], id) == 0;
      if (!seen)
        loa_problems_add(problems, schedule->file, event->source_line, FALSE, "%s",
                         info->problem);
    }
  }
}

/* Warns about events that will never air (again) from now on. */
static void
check_future(const LoaSchedule *schedule, gint64 now_ns, LoaProblems *problems)
{
  for (guint i = 0; i < schedule->events->len; i++) {
    const LoaEvent *event = g_ptr_array_index(schedule->events, i);
    gint64 last_ns = 0;
    gboolean airs = FALSE;
    if (event->one_off) {
      last_ns = event->at_ns;
      airs = TRUE;
    } else if (!event->has_until) {
      continue; /* repeats for ever */
    } else {
      guint32 first, last;
      if (daily_days(event, FIRST_ORDINAL, LAST_ORDINAL, &first, &last))
        for (guint32 day = last; day >= first && !airs; day--) {
          LoaDate date;
          loa_date_from_ordinal(day, &date);
          airs = daily_start(schedule->tz, event, &date, &last_ns);
        }
    }
    if (!airs)
      loa_problems_add(problems, schedule->file, event->source_line, TRUE,
                       _("event never airs: its date range contains no day on which its time "
                         "exists"));
    else if (last_ns < now_ns)
      loa_problems_add(problems, schedule->file, event->source_line, TRUE,
                       _("event never airs again: all its times are in the past"));
  }
}

static int
compare_ordinals(gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *)a, y = *(const guint32 *)b;
  return (x > y) - (x < y);
}

static void
add_days(GArray *days, gint64 center, guint spill)
{
  for (gint64 d = center - (gint64)spill; d <= center + (gint64)spill; d++)
    if (d >= FIRST_ORDINAL && d <= LAST_ORDINAL) {
      guint32 day = (guint32)d;
      g_array_append_val(days, day);
    }
}

/* The days on which to look for overlaps, sorted. The set of daily events
 * that air on a day changes only at the dates written in the file, and
 * one-off events air only on theirs; so those dates with `spill` days either
 * side, plus `spill + 1` sample days at the start of every gap and after the
 * last date, see every pattern of occurrences the schedule can produce. */
static GArray *
overlap_days(const LoaSchedule *schedule, gint64 now_ns, guint spill)
{
  g_autoptr(GArray) days = g_array_new(FALSE, FALSE, sizeof(guint32));
  for (guint i = 0; i < schedule->events->len; i++) {
    const LoaEvent *event = g_ptr_array_index(schedule->events, i);
    if (event->one_off) {
      LoaDate date;
      loa_utc_to_date(schedule->tz, event->at_ns, &date);
      add_days(days, loa_date_ordinal(&date), spill);
    }
    if (event->has_from)
      add_days(days, loa_date_ordinal(&event->from), spill);
    if (event->has_until)
      add_days(days, loa_date_ordinal(&event->until), spill);
  }
  if (days->len == 0) {
    LoaDate today;
    loa_utc_to_date(schedule->tz, now_ns, &today);
    add_days(days, loa_date_ordinal(&today), 0);
  }
  g_array_sort(days, compare_ordinals);

  GArray *result = g_array_new(FALSE, FALSE, sizeof(guint32));
  for (guint k = 0; k < days->len; k++) {
    guint32 day = g_array_index(days, guint32, k);
    if (result->len > 0 && g_array_index(result, guint32, result->len - 1) == day)
      continue;
    g_array_append_val(result, day);
    guint32 next = k + 1 < days->len ? g_array_index(days, guint32, k + 1) : G_MAXUINT32;
    for (guint32 sample = day + 1; sample < next && sample <= day + spill + 1 &&
                                   sample <= LAST_ORDINAL;
         sample++)
      g_array_append_val(result, sample);
  }
  return result;
}

/* One airing of an event on one line, for the sweep. */
typedef struct {
  gint64 start_ns;
  gint64 end_ns;
  guint index;  /* the event's position in the file */
} Span;

static gint
compare_spans(gconstpointer a, gconstpointer b)
{
  const Span *x = a, *y = b;
  if (x->start_ns != y->start_ns)
    return x->start_ns < y->start_ns ? -1 : 1;
  return (x->index > y->index) - (x->index < y->index);
}

/* The first clash found between two events (earlier <= later in the file). */
typedef struct {
  guint earlier;
  guint later;
  gint64 first_ns;       /* when the first clash begins */
  const char *first_line;
  GPtrArray *lines;      /* const char *: every line where they clash, in sweep order */
} Clash;

static void
clash_clear(gpointer data)
{
  Clash *clash = data;
  g_ptr_array_unref(clash->lines);
}

static void
record_clash(GArray *clashes, GHashTable *by_pair, guint a, guint b, gint64 at_ns,
             const char *line)
{
  guint earlier = MIN(a, b), later = MAX(a, b);
  guint64 key = ((guint64)earlier << 32) | later;
  gpointer found;
  if (g_hash_table_lookup_extended(by_pair, &key, NULL, &found)) {
    Clash *clash = &g_array_index(clashes, Clash, GPOINTER_TO_UINT(found));
    if (at_ns < clash->first_ns) {
      clash->first_ns = at_ns;
      clash->first_line = line;
    }
    if (!g_ptr_array_find_with_equal_func(clash->lines, line, g_str_equal, NULL))
      g_ptr_array_add(clash->lines, (gpointer)line);
    return;
  }
  Clash clash = { earlier, later, at_ns, line, g_ptr_array_new() };
  g_ptr_array_add(clash.lines, (gpointer)line);
  g_hash_table_insert(by_pair, g_memdup2(&key, sizeof(key)), GUINT_TO_POINTER(clashes->len));
  g_array_append_val(clashes, clash);
}

/* Sorts one line's spans and reports every pair of different-or-same events
 * whose intervals intersect. Touching intervals (end == start) do not clash. */
static void
sweep_line(GArray *spans, const char *line, GArray *clashes, GHashTable *by_pair)
{
  g_array_sort(spans, compare_spans);
  g_autoptr(GArray) active = g_array_new(FALSE, FALSE, sizeof(Span));
  for (guint k = 0; k < spans->len; k++) {
    const Span *span = &g_array_index(spans, Span, k);
    guint kept = 0;
    for (guint a = 0; a < active->len; a++) {
      const Span *other = &g_array_index(active, Span, a);
      if (other->end_ns <= span->start_ns)
        continue;
      record_clash(clashes, by_pair, other->index, span->index, span->start_ns, line);
      g_array_index(active, Span, kept++) = *other;
    }
    g_array_set_size(active, kept);
    g_array_append_val(active, *span);
  }
}

static gint
compare_clashes(gconstpointer a, gconstpointer b)
{
  const Clash *x = a, *y = b;
  if (x->later != y->later)
    return (x->later > y->later) - (x->later < y->later);
  return (x->earlier > y->earlier) - (x->earlier < y->earlier);
}

static char *
format_civil(GTimeZone *tz, gint64 utc_ns)
{
  g_autofree char *text = loa_time_format_local(tz, utc_ns);
  return g_strndup(text, 19); /* to the second, as schedules are written */
}

static void
report_clash(const LoaSchedule *schedule, const Clash *clash, LoaProblems *problems)
{
  const LoaEvent *later = g_ptr_array_index(schedule->events, clash->later);
  const LoaEvent *earlier = g_ptr_array_index(schedule->events, clash->earlier);
  g_autofree char *when = format_civil(schedule->tz, clash->first_ns);

  if (clash->earlier == clash->later) {
    loa_problems_add(problems, schedule->file, later->source_line, FALSE,
                     _("the event's spots last longer than a day, so each airing overlaps the "
                       "next on line '%s' (first at %s)"),
                     clash->first_line, when);
    return;
  }
  if (clash->lines->len == 1) {
    loa_problems_add(problems, schedule->file, later->source_line, FALSE,
                     _("overlaps the event at %s on line '%s' (first at %s)"), earlier->ref,
                     clash->first_line, when);
    return;
  }
  GString *others = g_string_new(NULL);
  for (guint i = 0; i < clash->lines->len; i++) {
    const char *line = g_ptr_array_index(clash->lines, i);
    if (line != clash->first_line)
      g_string_append_printf(others, "%s'%s'", others->len > 0 ? ", " : "", line);
  }
  loa_problems_add(problems, schedule->file, later->source_line, FALSE,
                   _("overlaps the event at %s on line '%s' (first at %s), and also on %s"),
                   earlier->ref, clash->first_line, when, others->str);
  g_string_free(others, TRUE);
}

static void
add_span(GHashTable *by_line, GPtrArray *line_order, const LoaEvent *event, guint index,
         gint64 start_ns, gint64 duration_ns)
{
  Span span = { start_ns, start_ns + duration_ns, index };
  for (guint l = 0; event->lines[l] != NULL; l++) {
    GArray *spans = g_hash_table_lookup(by_line, event->lines[l]);
    if (spans == NULL) {
      spans = g_array_new(FALSE, FALSE, sizeof(Span));
      g_hash_table_insert(by_line, event->lines[l], spans);
      g_ptr_array_add(line_order, event->lines[l]);
    }
    g_array_append_val(spans, span);
  }
}

static void
check_overlaps(const LoaSchedule *schedule, const gint64 *durations, gint64 now_ns,
               LoaProblems *problems)
{
  gint64 longest = 0;
  for (guint i = 0; i < schedule->events->len; i++)
    longest = MAX(longest, durations[i]);
  guint spill = (guint)MIN(1 + longest / (SECONDS_PER_DAY * LOA_NS_PER_SECOND), MAX_SPILL_DAYS);

  g_autoptr(GArray) days = overlap_days(schedule, now_ns, spill);
  g_autoptr(GHashTable) by_line =
      g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_array_unref);
  g_autoptr(GPtrArray) line_order = g_ptr_array_new();

  for (guint i = 0; i < schedule->events->len; i++) {
    const LoaEvent *event = g_ptr_array_index(schedule->events, i);
    if (durations[i] <= 0)
      continue;
    if (event->one_off) {
      add_span(by_line, line_order, event, i, event->at_ns, durations[i]);
      continue;
    }
    guint32 first, last;
    if (!daily_days(event, FIRST_ORDINAL, LAST_ORDINAL, &first, &last))
      continue;
    for (guint k = 0; k < days->len; k++) {
      guint32 day = g_array_index(days, guint32, k);
      LoaDate date;
      gint64 start;
      if (day < first || day > last)
        continue;
      loa_date_from_ordinal(day, &date);
      if (daily_start(schedule->tz, event, &date, &start))
        add_span(by_line, line_order, event, i, start, durations[i]);
    }
  }

  g_autoptr(GArray) clashes = g_array_new(FALSE, FALSE, sizeof(Clash));
  g_array_set_clear_func(clashes, clash_clear);
  g_autoptr(GHashTable) by_pair = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
  for (guint l = 0; l < line_order->len; l++) {
    const char *line = g_ptr_array_index(line_order, l);
    sweep_line(g_hash_table_lookup(by_line, line), line, clashes, by_pair);
  }
  g_array_sort(clashes, compare_clashes);
  for (guint c = 0; c < clashes->len; c++)
    report_clash(schedule, &g_array_index(clashes, Clash, c), problems);
}

gboolean
loa_schedule_check(const LoaSchedule *schedule, LoaSpotLookupFunc lookup, gpointer user_data,
                   gint64 now_ns, LoaProblems *problems)
{
  g_return_val_if_fail(schedule != NULL && lookup != NULL && problems != NULL, FALSE);
  guint errors_before = problems->errors;
  g_autofree gint64 *durations = g_new0(gint64, MAX(schedule->events->len, 1));

  check_spots(schedule, lookup, user_data, durations, problems);
  check_overlaps(schedule, durations, now_ns, problems);
  check_future(schedule, now_ns, problems);
  return problems->errors == errors_before;
}
