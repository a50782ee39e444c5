/* Checking a parsed schedule (see loa_schedule_check in schedule.h): spots
 * that cannot air, events that never air again, and overlaps on a line,
 * found by expanding only the days where something can change. */
#include "schedule.h"
#include "schedule-private.h"

#include "i18n.h"

#include <string.h>

/* Never expand more than this many days around one written date for a spot
 * run longer than a day: such events are nonsense and only need reporting. */
#define MAX_SPILL_DAYS 7

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
      if (loa_schedule_daily_days(event, FIRST_ORDINAL, LAST_ORDINAL, &first, &last))
        for (guint32 day = last; day >= first && !airs; day--) {
          LoaDate date;
          loa_date_from_ordinal(day, &date);
          airs = loa_schedule_daily_start(schedule->tz, event, &date, &last_ns);
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
    if (!loa_schedule_daily_days(event, FIRST_ORDINAL, LAST_ORDINAL, &first, &last))
      continue;
    for (guint k = 0; k < days->len; k++) {
      guint32 day = g_array_index(days, guint32, k);
      LoaDate date;
      gint64 start;
      if (day < first || day > last)
        continue;
      loa_date_from_ordinal(day, &date);
      if (loa_schedule_daily_start(schedule->tz, event, &date, &start))
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
