/* Expansion of schedule events into days and occurrences (see
 * loa_schedule_expand in schedule.h).
 *
 * Every recurrence is a rule about days plus the event's times of day. The
 * written kinds (daily, weekdays, every N days or weeks, monthly) are cheap
 * tests of one day; RRULEs are walked with libical from the first day asked
 * for (icalrecur_iterator_set_start), except rules with COUNT, which parsing
 * expanded once. So a daemon asking about the next few seconds never walks
 * the calendar from the event's start — except to count the ordinal of a
 * rotating event, which it does only when an occurrence falls in the window.
 *
 * Rotation needs no stored state: occurrence n of an event (counted from its
 * `from`, or from 2000-01-01 when it has none, skipping except and blackout
 * days) plays choice n mod k in order, or, with rotate = "random", the
 * (n mod k)-th entry of a permutation of the k choices drawn for round n / k
 * from the seed. Each round of k occurrences therefore plays every choice
 * exactly once, and plan, check and the daemon agree across restarts and
 * reloads. Editing the event's recurrence renumbers its occurrences. */
#include "schedule.h"
#include "schedule-private.h"

#include <string.h>

gboolean
loa_schedule_start_at(GTimeZone *tz, int time, const LoaDate *date, gint64 *start_ns)
{
  if (loa_civil_to_utc(tz, date, time, start_ns, NULL))
    return TRUE;
  return time + 3600 < SECONDS_PER_DAY && loa_civil_to_utc(tz, date, time + 3600, start_ns, NULL);
}

const LoaBlackout *
loa_schedule_blackout_on_day(const LoaSchedule *schedule, guint32 day)
{
  for (guint i = 0; schedule->blackouts != NULL && i < schedule->blackouts->len; i++) {
    const LoaBlackout *blackout = &g_array_index(schedule->blackouts, LoaBlackout, i);
    if (day >= blackout->first && day <= blackout->last)
      return blackout;
  }
  return NULL;
}

const char *
loa_schedule_blackout_on(const LoaSchedule *schedule, const LoaDate *date)
{
  const LoaBlackout *blackout = loa_schedule_blackout_on_day(schedule, loa_date_ordinal(date));
  return blackout != NULL ? blackout->name : NULL;
}

static gboolean
is_except(const LoaEvent *event, guint32 day)
{
  if (event->except == NULL)
    return FALSE;
  guint lo = 0, hi = event->except->len;
  while (lo < hi) {
    guint mid = (lo + hi) / 2;
    guint32 value = g_array_index(event->except, guint32, mid);
    if (value == day)
      return TRUE;
    if (value < day)
      lo = mid + 1;
    else
      hi = mid;
  }
  return FALSE;
}

gboolean
loa_event_pattern_on(const LoaEvent *event, guint32 day)
{
  guint weekday_bit = 1u << weekday_of(day);
  switch (event->repeat) {
  case LOA_REPEAT_DAILY:
    return TRUE;
  case LOA_REPEAT_WEEKLY:
    return (event->weekdays & weekday_bit) != 0;
  case LOA_REPEAT_EVERY_DAYS: {
    guint32 anchor = loa_date_ordinal(&event->from);
    return day >= anchor && (day - anchor) % event->interval == 0;
  }
  case LOA_REPEAT_EVERY_WEEKS: {
    guint32 anchor = loa_date_ordinal(&event->from);
    guint32 monday = anchor - weekday_of(anchor);
    return (event->weekdays & weekday_bit) != 0 && day >= monday &&
           ((day - monday) / 7) % event->interval == 0;
  }
  case LOA_REPEAT_MONTH_DAYS:
  case LOA_REPEAT_MONTH_WEEKDAY: {
    LoaDate date;
    loa_date_from_ordinal(day, &date);
    int length = g_date_get_days_in_month((GDateMonth)date.month, (GDateYear)date.year);
    if (event->repeat == LOA_REPEAT_MONTH_DAYS)
      return (event->month_days & (1u << date.day)) != 0 ||
             ((event->month_days & 1u) != 0 && date.day == length);
    if ((event->weekdays & weekday_bit) == 0)
      return FALSE;
    if (event->month_week > 0)
      return (date.day - 1) / 7 + 1 == event->month_week;
    return date.day + 7 > length;
  }
  case LOA_REPEAT_ONCE:
  case LOA_REPEAT_RRULE:
  default:
    return FALSE;
  }
}

void
loa_day_cursor_init(LoaDayCursor *cursor, const LoaSchedule *schedule, const LoaEvent *event,
                    guint32 first, guint32 last)
{
  memset(cursor, 0, sizeof(*cursor));
  cursor->schedule = schedule;
  cursor->event = event;
  if (event->has_from)
    first = MAX(first, loa_date_ordinal(&event->from));
  if (event->has_until)
    last = MIN(last, loa_date_ordinal(&event->until));
  first = MAX(first, FIRST_ORDINAL);
  last = MIN(last, LAST_ORDINAL);
  cursor->next = first;
  cursor->last = last;
  cursor->done = first > last || event->repeat == LOA_REPEAT_ONCE;
  if (cursor->done || event->repeat != LOA_REPEAT_RRULE)
    return;

  if (event->rrule_days != NULL) {
    guint lo = 0, hi = event->rrule_days->len;
    while (lo < hi) {
      guint mid = (lo + hi) / 2;
      if (g_array_index(event->rrule_days, guint32, mid) < first)
        lo = mid + 1;
      else
        hi = mid;
    }
    cursor->index = lo;
    return;
  }
  struct icalrecurrencetype rule;
  guint32 anchor = loa_date_ordinal(&event->from);
  if (!loa_rrule_parse(event->rrule, &rule) ||
      (cursor->rrule = icalrecur_iterator_new(rule, loa_rrule_day(anchor))) == NULL) {
    cursor->done = TRUE;
    return;
  }
  /* Without set_start the walk would begin at `from`; days before `first`
   * are skipped in next() either way. */
  if (first > anchor)
    (void)icalrecur_iterator_set_start(cursor->rrule, loa_rrule_day(first));
}

/* The next day the recurrence alone gives, within [next, last]. */
static gboolean
next_pattern_day(LoaDayCursor *cursor, guint32 *day)
{
  const LoaEvent *event = cursor->event;
  if (event->repeat != LOA_REPEAT_RRULE) {
    while (cursor->next <= cursor->last) {
      guint32 candidate = cursor->next++;
      if (loa_event_pattern_on(event, candidate)) {
        *day = candidate;
        return TRUE;
      }
    }
    return FALSE;
  }
  if (event->rrule_days != NULL) {
    if (cursor->index >= event->rrule_days->len)
      return FALSE;
    guint32 candidate = g_array_index(event->rrule_days, guint32, cursor->index++);
    if (candidate > cursor->last)
      return FALSE;
    *day = candidate;
    return TRUE;
  }
  for (;;) {
    struct icaltimetype next = icalrecur_iterator_next(cursor->rrule);
    if (icaltime_is_null_time(next))
      return FALSE;
    LoaDate date = { next.year, next.month, next.day };
    if (!g_date_valid_dmy((GDateDay)date.day, (GDateMonth)date.month, (GDateYear)date.year))
      return FALSE;
    guint32 candidate = loa_date_ordinal(&date);
    if (candidate < cursor->next)
      continue;
    if (candidate > cursor->last)
      return FALSE;
    cursor->next = candidate + 1;
    *day = candidate;
    return TRUE;
  }
}

gboolean
loa_day_cursor_next(LoaDayCursor *cursor, guint32 *day)
{
  while (!cursor->done) {
    guint32 candidate;
    if (!next_pattern_day(cursor, &candidate)) {
      cursor->done = TRUE;
      break;
    }
    if (is_except(cursor->event, candidate))
      continue;
    if (!cursor->event->air_on_blackout &&
        loa_schedule_blackout_on_day(cursor->schedule, candidate) != NULL)
      continue;
    *day = candidate;
    return TRUE;
  }
  return FALSE;
}

void
loa_day_cursor_clear(LoaDayCursor *cursor)
{
  if (cursor->rrule != NULL)
    icalrecur_iterator_free(cursor->rrule);
  cursor->rrule = NULL;
  cursor->done = TRUE;
}

/* How many occurrences of a recurring event come before day. */
static gint64
count_before(const LoaSchedule *schedule, const LoaEvent *event, guint32 day)
{
  LoaDate epoch = { ROTATION_EPOCH_YEAR, 1, 1 };
  guint32 anchor = event->has_from ? loa_date_ordinal(&event->from) : loa_date_ordinal(&epoch);
  if (day <= anchor)
    return 0;
  LoaDayCursor cursor;
  loa_day_cursor_init(&cursor, schedule, event, anchor, day - 1);
  gint64 count = 0;
  guint32 seen;
  while (loa_day_cursor_next(&cursor, &seen))
    count += event->n_times;
  loa_day_cursor_clear(&cursor);
  return count;
}

static guint64
splitmix64(guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

guint
loa_event_choice(const LoaEvent *event, gint64 ordinal)
{
  guint k = event->choices != NULL ? event->choices->len : 0;
  if (k <= 1)
    return 0;
  guint64 n = ordinal > 0 ? (guint64)ordinal : 0;
  if (event->rotation == LOA_ROTATION_IN_ORDER)
    return (guint)(n % k);

  /* Fisher-Yates over the round's own stream: round r's order depends only
   * on the seed and r. */
  guint64 state = event->seed ^ ((n / k) * G_GUINT64_CONSTANT(0xD1B54A32D192ED03));
  g_autofree guint *order = g_new(guint, k);
  for (guint i = 0; i < k; i++)
    order[i] = i;
  for (guint i = k - 1; i > 0; i--) {
    guint j = (guint)(splitmix64(&state) % (i + 1));
    guint swap = order[i];
    order[i] = order[j];
    order[j] = swap;
  }
  return order[n % k];
}

/* An occurrence while expanding. */
typedef struct {
  gint64 start_ns;
  guint index;     /* the event's position in the file */
  gint64 ordinal;
} Keyed;

static gint
compare_keyed(gconstpointer a, gconstpointer b)
{
  const Keyed *x = a, *y = b;
  if (x->start_ns != y->start_ns)
    return x->start_ns < y->start_ns ? -1 : 1;
  return (x->index > y->index) - (x->index < y->index);
}

static void
occurrence_clear(gpointer data)
{
  LoaOccurrence *occurrence = data;
  g_strfreev(occurrence->spots);
}

/* Adds the occurrences of one recurring event in [from_ns, until_ns), whose
 * days lie within [lo, hi]. */
static void
expand_recurring(const LoaSchedule *schedule, guint index, guint32 lo, guint32 hi, gint64 from_ns,
                 gint64 until_ns, GArray *keyed)
{
  const LoaEvent *event = g_ptr_array_index(schedule->events, index);
  gboolean rotating = event->choices->len > 1;
  LoaDayCursor cursor;
  loa_day_cursor_init(&cursor, schedule, event, lo, hi);
  guint32 day, first_day = 0;
  gint64 days_seen = 0, base = -1;
  while (loa_day_cursor_next(&cursor, &day)) {
    if (days_seen == 0)
      first_day = day;
    LoaDate date;
    loa_date_from_ordinal(day, &date);
    for (guint t = 0; t < event->n_times; t++) {
      gint64 start;
      if (!loa_schedule_start_at(schedule->tz, event->times[t], &date, &start) ||
          start < from_ns || start >= until_ns)
        continue;
      /* Counting from the anchor costs a walk over the calendar: only when needed. */
      if (rotating && base < 0)
        base = count_before(schedule, event, first_day);
      gint64 ordinal = rotating ? base + days_seen * event->n_times + t : 0;
      g_array_append_val(keyed, ((Keyed){ start, index, ordinal }));
    }
    days_seen++;
  }
  loa_day_cursor_clear(&cursor);
}

GArray *
loa_schedule_expand(const LoaSchedule *schedule, gint64 from_ns, gint64 until_ns)
{
  return loa_schedule_expand_borrowed(schedule, from_ns, until_ns, FALSE);
}

GArray *
loa_schedule_expand_borrowed(const LoaSchedule *schedule, gint64 from_ns, gint64 until_ns,
                             gboolean borrow_spots)
{
  g_autoptr(GArray) keyed = g_array_new(FALSE, FALSE, sizeof(Keyed));
  GArray *result = g_array_new(FALSE, FALSE, sizeof(LoaOccurrence));
  if (!borrow_spots)
    g_array_set_clear_func(result, occurrence_clear);
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
    if (event->repeat != LOA_REPEAT_ONCE) {
      expand_recurring(schedule, i, lo, hi, from_ns, until_ns, keyed);
      continue;
    }
    if (event->at_ns < from_ns || event->at_ns >= until_ns)
      continue;
    LoaDate date;
    loa_utc_to_date(schedule->tz, event->at_ns, &date);
    if (!event->air_on_blackout && loa_schedule_blackout_on(schedule, &date) != NULL)
      continue;
    g_array_append_val(keyed, ((Keyed){ event->at_ns, i, 0 }));
  }
  g_array_sort(keyed, compare_keyed);
  for (guint k = 0; k < keyed->len; k++) {
    const Keyed *item = &g_array_index(keyed, Keyed, k);
    const LoaEvent *event = g_ptr_array_index(schedule->events, item->index);
    guint choice = loa_event_choice(event, item->ordinal);
    LoaOccurrence occurrence = {
      .event = event,
      .start_ns = item->start_ns,
      .spots = borrow_spots ? g_ptr_array_index(event->choices, choice)
                            : g_strdupv(g_ptr_array_index(event->choices, choice)),
      .choice = choice,
      .ordinal = item->ordinal,
      .lines = (const char *const *)event->lines,
    };
    g_array_append_val(result, occurrence);
  }
  return result;
}
