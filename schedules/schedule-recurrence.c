/* The recurrence of a schedule event (see loa_parse_recurrence): `at` or
 * `time`, the days it airs (days, every, monthly, an RRULE through
 * libical), from, until and except. Expansion into days is in
 * schedule-expand.c. */
#include "schedule.h"
#include "schedule-parser-private.h"

#include "i18n.h"

#include <string.h>

static gboolean
parse_date_key(Parser *parser, config_setting_t *setting, const char *key, LoaDate *date)
{
  const char *text = loa_parse_string(parser, setting, key);
  if (text == NULL)
    return FALSE;
  g_autoptr(GError) error = NULL;
  if (!loa_date_parse(text, date, &error)) {
    parse_error(parser, setting_line(setting), "'%s': %s", key, error->message);
    return FALSE;
  }
  return TRUE;
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
  if (!loa_parse_string_list(
        parser, setting, "time",
        _("a time \"HH:MM:SS\" or a list of times [ \"05:30:00\", \"17:00:00\" ]"), texts, lines))
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
  if (!loa_parse_string_list(parser, setting, "days",
                             _("a weekday or a list of weekdays [ \"mon\", \"thu\" ]"), texts,
                             lines))
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
  const char *text = loa_parse_string(parser, setting, "every");
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
  const char *text = loa_parse_string(parser, setting, "rrule");
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
  if (!loa_parse_string_list(parser, setting, "except",
                             _("a date or a list of dates [ \"YYYY-MM-DD\" ]"), texts, lines))
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

void
loa_parse_recurrence(Parser *parser, config_setting_t *entry, LoaEvent *event)
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
    const char *text = loa_parse_string(parser, at, "at");
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
