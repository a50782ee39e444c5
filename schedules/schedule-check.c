/* Checking a parsed schedule (see loa_schedule_check in schedule.h): spots
 * that cannot air or not on the days they would, blocks that are too long,
 * events that never air (again), and overlaps on a line.
 *
 * Overlaps are looked for on the days where something can change: every day
 * of the check window (a year from today, where weekly, monthly and RRULE
 * patterns all show), the dates written in the file with their neighbours,
 * a sample of days after each, and a year after each `from` when the
 * schedule has patterns that do not repeat daily. A schedule running for
 * years costs little more than one running for a year. (Days on which
 * daylight saving changes are not sampled specially; the station's zone has
 * none.) */
#include "schedule.h"
#include "schedule-private.h"

#include "i18n.h"

#include <inttypes.h>
#include <string.h>

/* Never expand more than this many days around one written date for a spot
 * run longer than a day: such events are nonsense and only need reporting. */
#define MAX_SPILL_DAYS 7
/* The check window, and how far after a `from` patterns are sampled. */
#define WINDOW_DAYS 366
/* An event with no airing this soon gets a warning. */
#define SOON_DAYS 30
/* How far from today the search for an event's next or last airing goes. */
#define SEARCH_DAYS (4 * 366)

/* What the checker knows about each event. */
typedef struct {
  GArray *choice_ns;    /* gint64 per choice: its spots' total aired length */
} EventInfo;

/* What one spot lookup said, cached so each spot is looked up once. */
typedef struct {
  gboolean found;
  LoaSpotFacts facts;
} SpotInfo;

static void
spot_info_free(gpointer data)
{
  SpotInfo *info = data;
  loa_spot_facts_clear(&info->facts);
  g_free(info);
}

static char *
format_date(guint32 day)
{
  LoaDate date;
  loa_date_from_ordinal(day, &date);
  return g_strdup_printf("%04d-%02d-%02d", date.year, date.month, date.day);
}

static char *
format_length(gint64 ns)
{
  gint64 seconds = (ns + LOA_NS_PER_SECOND - 1) / LOA_NS_PER_SECOND;
  if (seconds >= 3600)
    return g_strdup_printf("%" PRId64 ":%02d:%02d", seconds / 3600,
                           (int)(seconds / 60 % 60), (int)(seconds % 60));
  return g_strdup_printf("%d:%02d", (int)(seconds / 60), (int)(seconds % 60));
}

static SpotInfo *
lookup_spot(GHashTable *cache, const char *id, LoaSpotLookupFunc lookup, gpointer user_data)
{
  SpotInfo *info = g_hash_table_lookup(cache, id);
  if (info != NULL)
    return info;
  info = g_new0(SpotInfo, 1);
  info->found = lookup(id, &info->facts, user_data);
  if (!info->found && info->facts.problem == NULL)
    info->facts.problem = g_strdup_printf(_("unknown spot '%s'"), id);
  if (info->facts.duration_ns < 0)
    info->facts.duration_ns = 0;
  g_hash_table_insert(cache, (gpointer)id, info);
  return info;
}

/* Adds an error for every spot that cannot air at all (once per event, even
 * if it plays the spot twice); fills infos with choice lengths; reports
 * blocks whose spots do not fit. */
static void
check_spots(const LoaSchedule *schedule, GHashTable *cache, LoaSpotLookupFunc lookup,
            gpointer user_data, EventInfo *infos, LoaProblems *problems)
{
  for (guint i = 0; i < schedule->events->len; i++) {
    const LoaEvent *event = g_ptr_array_index(schedule->events, i);
    g_autoptr(GHashTable) reported = g_hash_table_new(g_str_hash, g_str_equal);
    infos[i].choice_ns = g_array_new(FALSE, TRUE, sizeof(gint64));
    for (guint c = 0; c < event->choices->len; c++) {
      GStrv spots = g_ptr_array_index(event->choices, c);
      gint64 total = 0;
      for (guint s = 0; spots[s] != NULL; s++) {
        SpotInfo *info = lookup_spot(cache, spots[s], lookup, user_data);
        total += info->facts.duration_ns;
        if (g_hash_table_contains(reported, spots[s]))
          continue;
        if (!info->found) {
          g_hash_table_add(reported, spots[s]);
          loa_problems_add(problems, schedule->file, event->source_line, FALSE, "%s",
                           info->facts.problem);
        } else if (g_strcmp0(info->facts.status, "approved") != 0) {
          g_hash_table_add(reported, spots[s]);
          if (g_strcmp0(info->facts.status, "submitted") == 0)
            loa_problems_add(problems, schedule->file, event->source_line, FALSE,
                             _("spot '%s' is submitted, not approved yet (loa spot approve %s)"),
                             spots[s], spots[s]);
          else
            loa_problems_add(problems, schedule->file, event->source_line, FALSE,
                             _("spot '%s' is %s"), spots[s],
                             info->facts.status != NULL ? info->facts.status : "?");
        }
      }
      g_array_append_val(infos[i].choice_ns, total);
      if (event->max_length_ns > 0 && total > event->max_length_ns) {
        g_autofree char *length = format_length(total);
        g_autofree char *limit = format_length(event->max_length_ns);
        g_autofree char *list = g_strjoinv(", ", spots);
        if (event->choices->len > 1)
          loa_problems_add(problems, schedule->file, event->source_line, FALSE,
                           _("block too long: choice %u (%s) lasts %s, more than its max_length "
                             "%s"),
                           c + 1, list, length, limit);
        else
          loa_problems_add(problems, schedule->file, event->source_line, FALSE,
                           _("block too long: its spots (%s) last %s, more than its max_length %s"),
                           list, length, limit);
      }
    }
  }
}

/* Spot validity on the days each occurrence in the window airs: the first
 * offending day of each (event, spot) pair is reported with a count. */
static void
check_validity(const LoaSchedule *schedule, GHashTable *cache, GArray *window, gint64 now_ns,
               LoaProblems *problems)
{
  g_autoptr(GHashTable) firsts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GPtrArray) order = g_ptr_array_new();
  for (guint k = 0; k < window->len; k++) {
    const LoaOccurrence *occurrence = &g_array_index(window, LoaOccurrence, k);
    if (occurrence->start_ns < now_ns)
      continue;
    LoaDate date;
    loa_utc_to_date(schedule->tz, occurrence->start_ns, &date);
    for (guint s = 0; occurrence->spots[s] != NULL; s++) {
      SpotInfo *info = g_hash_table_lookup(cache, occurrence->spots[s]);
      if (info == NULL || !info->found)
        continue;
      const LoaSpotFacts *facts = &info->facts;
      gboolean early = facts->has_valid_from && loa_date_compare(&date, &facts->valid_from) < 0;
      gboolean late = facts->has_valid_until && loa_date_compare(&date, &facts->valid_until) > 0;
      if (!early && !late)
        continue;
      char *key = g_strdup_printf("%s|%s|%d", occurrence->event->ref, occurrence->spots[s], early);
      guint *count = g_hash_table_lookup(firsts, key);
      if (count != NULL) {
        count[1]++;
        g_free(key);
        continue;
      }
      count = g_new0(guint, 2); /* first day, airings */
      count[0] = loa_date_ordinal(&date);
      count[1] = 1;
      g_hash_table_insert(firsts, key, count);
      g_ptr_array_add(order, key);
    }
  }
  for (guint i = 0; i < order->len; i++) {
    const char *key = g_ptr_array_index(order, i);
    guint *count = g_hash_table_lookup(firsts, key);
    g_auto(GStrv) parts = g_strsplit(key, "|", 3);
    const LoaEvent *event = NULL;
    for (guint e = 0; e < schedule->events->len && event == NULL; e++)
      if (strcmp(((LoaEvent *)g_ptr_array_index(schedule->events, e))->ref, parts[0]) == 0)
        event = g_ptr_array_index(schedule->events, e);
    SpotInfo *info = g_hash_table_lookup(cache, parts[1]);
    gboolean early = strcmp(parts[2], "1") == 0;
    g_autofree char *day = format_date(count[0]);
    const LoaDate *limit = early ? &info->facts.valid_from : &info->facts.valid_until;
    g_autofree char *limit_text =
        g_strdup_printf("%04d-%02d-%02d", limit->year, limit->month, limit->day);
    if (early)
      loa_problems_add(problems, schedule->file, event->source_line, FALSE,
                       _("spot '%s' may air only from %s, but the event airs it on %s (%u "
                         "airing(s) before its validity)"),
                       parts[1], limit_text, day, count[1]);
    else
      loa_problems_add(problems, schedule->file, event->source_line, FALSE,
                       _("spot '%s' may air only until %s, but the event airs it on %s (%u "
                         "airing(s) after its validity)"),
                       parts[1], limit_text, day, count[1]);
  }
}

/* The first day >= first (or, backwards, the last day <= last) in [first,
 * last] on which the event airs. */
static gboolean
find_day(const LoaSchedule *schedule, const LoaEvent *event, guint32 first, guint32 last,
         gboolean backwards, guint32 *found)
{
  if (!backwards) {
    LoaDayCursor cursor;
    loa_day_cursor_init(&cursor, schedule, event, first, last);
    gboolean any = loa_day_cursor_next(&cursor, found);
    loa_day_cursor_clear(&cursor);
    return any;
  }
  /* Backwards in slices of a month, the latest slice first. */
  for (gint64 end = last; end >= (gint64)first; end -= 31) {
    guint32 start = (guint32)MAX((gint64)first, end - 30);
    LoaDayCursor cursor;
    loa_day_cursor_init(&cursor, schedule, event, start, (guint32)end);
    guint32 day;
    gboolean any = FALSE;
    while (loa_day_cursor_next(&cursor, &day)) {
      *found = day;
      any = TRUE;
    }
    loa_day_cursor_clear(&cursor);
    if (any)
      return TRUE;
  }
  return FALSE;
}

/* Events that never air, never again, or not soon; one-offs on blackout
 * days; except dates that are not airing days. */
static void
check_future(const LoaSchedule *schedule, gint64 now_ns, LoaProblems *problems)
{
  LoaDate today_date;
  loa_utc_to_date(schedule->tz, now_ns, &today_date);
  guint32 today = loa_date_ordinal(&today_date);
  for (guint i = 0; i < schedule->events->len; i++) {
    const LoaEvent *event = g_ptr_array_index(schedule->events, i);
    const char *file = schedule->file;
    int line = event->source_line;
    if (event->repeat == LOA_REPEAT_ONCE) {
      LoaDate date;
      loa_utc_to_date(schedule->tz, event->at_ns, &date);
      const char *blackout = loa_schedule_blackout_on(schedule, &date);
      if (blackout != NULL && !event->air_on_blackout)
        loa_problems_add(problems, file, line, TRUE,
                         _("%04d-%02d-%02d is a blackout day (%s): the event will not air "
                           "(blackouts = \"air\" airs it anyway)"),
                         date.year, date.month, date.day, blackout);
      else if (event->at_ns < now_ns)
        loa_problems_add(problems, file, line, TRUE,
                         _("event never airs again: all its times are in the past"));
      continue; /* a one-off far ahead is planned on purpose: no "not soon" warning */
    }

    for (guint x = 0; event->except != NULL && x < event->except->len; x++) {
      guint32 day = g_array_index(event->except, guint32, x);
      gboolean in_range = (!event->has_from || day >= loa_date_ordinal(&event->from)) &&
                          (!event->has_until || day <= loa_date_ordinal(&event->until));
      if (event->repeat != LOA_REPEAT_RRULE && (!in_range || !loa_event_pattern_on(event, day))) {
        g_autofree char *text = format_date(day);
        loa_problems_add(problems, file, line, TRUE,
                         _("except date %s is not a day the event would air on"), text);
      }
    }

    guint32 next;
    if (find_day(schedule, event, today, today + SOON_DAYS, FALSE, &next))
      continue;
    if (find_day(schedule, event, today + SOON_DAYS + 1, today + SEARCH_DAYS, FALSE, &next)) {
      g_autofree char *text = format_date(next);
      loa_problems_add(problems, file, line, TRUE,
                       _("no airing in the next %d days (the next is on %s)"), SOON_DAYS, text);
      continue;
    }
    guint32 start = event->has_from ? loa_date_ordinal(&event->from)
                                    : (today > SEARCH_DAYS ? today - SEARCH_DAYS : FIRST_ORDINAL);
    guint32 last;
    if (today > start && find_day(schedule, event, MAX(start, FIRST_ORDINAL), today - 1, TRUE, &last))
      loa_problems_add(problems, file, line, TRUE,
                       _("event never airs again: all its times are in the past"));
    else if (!event->has_from || loa_date_ordinal(&event->from) <= today + SEARCH_DAYS)
      loa_problems_add(problems, file, line, FALSE,
                       _("event never airs: no day between its from and until matches its "
                         "recurrence (after except and blackout days)"));
  }
}

static int
compare_ordinals(gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *)a, y = *(const guint32 *)b;
  return (x > y) - (x < y);
}

static void
add_days(GArray *days, gint64 center, guint before, guint after)
{
  for (gint64 d = center - (gint64)before; d <= center + (gint64)after; d++)
    if (d >= FIRST_ORDINAL && d <= LAST_ORDINAL) {
      guint32 day = (guint32)d;
      g_array_append_val(days, day);
    }
}

/* The days on which to look for overlaps outside the window, sorted and
 * unique (see the top of this file). */
static GArray *
overlap_days(const LoaSchedule *schedule, guint32 today, guint spill)
{
  g_autoptr(GArray) days = g_array_new(FALSE, FALSE, sizeof(guint32));
  gboolean patterned = FALSE;
  for (guint i = 0; i < schedule->events->len; i++) {
    const LoaEvent *event = g_ptr_array_index(schedule->events, i);
    patterned |= event->repeat != LOA_REPEAT_ONCE && event->repeat != LOA_REPEAT_DAILY;
  }
  for (guint i = 0; i < schedule->events->len; i++) {
    const LoaEvent *event = g_ptr_array_index(schedule->events, i);
    if (event->repeat == LOA_REPEAT_ONCE) {
      LoaDate date;
      loa_utc_to_date(schedule->tz, event->at_ns, &date);
      add_days(days, loa_date_ordinal(&date), spill, 2 * spill + 1);
    }
    if (event->has_from)
      add_days(days, loa_date_ordinal(&event->from), spill, patterned ? WINDOW_DAYS : 2 * spill + 1);
    if (event->has_until)
      add_days(days, loa_date_ordinal(&event->until), spill, 2 * spill + 1);
  }
  add_days(days, today, 0, WINDOW_DAYS + spill);
  g_array_sort(days, compare_ordinals);
  GArray *result = g_array_new(FALSE, FALSE, sizeof(guint32));
  for (guint k = 0; k < days->len; k++) {
    guint32 day = g_array_index(days, guint32, k);
    if (result->len == 0 || g_array_index(result, guint32, result->len - 1) != day)
      g_array_append_val(result, day);
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
                     _("each airing overlaps the event's next airing on line '%s' (first at %s): "
                       "its spots last longer than the time between them (longer than a day for "
                       "a daily event)"),
                     clash->first_line, when);
    return;
  }
  /* Priority and emergency events cut in or queue by design; a soft start
   * waits for the line. */
  if (later->priority != LOA_PRIORITY_NORMAL || earlier->priority != LOA_PRIORITY_NORMAL)
    return;
  gboolean soft = later->start == LOA_START_SOFT || earlier->start == LOA_START_SOFT;
  g_autoptr(GString) others = g_string_new(NULL);
  for (guint i = 0; i < clash->lines->len; i++) {
    const char *line = g_ptr_array_index(clash->lines, i);
    if (line != clash->first_line)
      g_string_append_printf(others, "%s'%s'", others->len > 0 ? ", " : "", line);
  }
  g_autofree char *message =
      clash->lines->len == 1
          ? g_strdup_printf(_("overlaps the event at %s on line '%s' (first at %s)"), earlier->ref,
                            clash->first_line, when)
          : g_strdup_printf(_("overlaps the event at %s on line '%s' (first at %s), and also on %s"),
                            earlier->ref, clash->first_line, when, others->str);
  if (soft)
    loa_problems_add(problems, schedule->file, later->source_line, TRUE,
                     _("%s; the soft start waits for the line"), message);
  else
    loa_problems_add(problems, schedule->file, later->source_line, FALSE, "%s", message);
}

static void
add_spans(GHashTable *by_line, GPtrArray *line_order, const LoaSchedule *schedule,
          const EventInfo *infos, GArray *occurrences)
{
  for (guint k = 0; k < occurrences->len; k++) {
    const LoaOccurrence *occurrence = &g_array_index(occurrences, LoaOccurrence, k);
    guint index = 0;
    /* Events are few; their index is found through the info table's order. */
    while (g_ptr_array_index(schedule->events, index) != occurrence->event)
      index++;
    gint64 length = g_array_index(infos[index].choice_ns, gint64, occurrence->choice);
    if (length <= 0)
      continue;
    Span span = { occurrence->start_ns, occurrence->start_ns + length, index };
    for (guint l = 0; occurrence->lines[l] != NULL; l++) {
      GArray *spans = g_hash_table_lookup(by_line, occurrence->lines[l]);
      if (spans == NULL) {
        spans = g_array_new(FALSE, FALSE, sizeof(Span));
        g_hash_table_insert(by_line, (gpointer)occurrence->lines[l], spans);
        g_ptr_array_add(line_order, (gpointer)occurrence->lines[l]);
      }
      g_array_append_val(spans, span);
    }
  }
}

static gint64
day_start(GTimeZone *tz, guint32 day)
{
  LoaDate date;
  gint64 ns = 0;
  loa_date_from_ordinal(day, &date);
  if (!loa_civil_to_utc(tz, &date, 0, &ns, NULL) && !loa_civil_to_utc(tz, &date, 3600, &ns, NULL))
    ns = 0; /* no zone skips more than the first hour of a day */
  return ns;
}

static void
check_overlaps(const LoaSchedule *schedule, const EventInfo *infos, guint32 today,
               LoaProblems *problems)
{
  gint64 longest = 0;
  for (guint i = 0; i < schedule->events->len; i++)
    for (guint c = 0; c < infos[i].choice_ns->len; c++)
      longest = MAX(longest, g_array_index(infos[i].choice_ns, gint64, c));
  guint spill = (guint)MIN(1 + longest / (SECONDS_PER_DAY * LOA_NS_PER_SECOND), MAX_SPILL_DAYS);

  g_autoptr(GArray) days = overlap_days(schedule, today, spill);
  g_autoptr(GHashTable) by_line =
      g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_array_unref);
  g_autoptr(GPtrArray) line_order = g_ptr_array_new();

  /* Runs of consecutive days, each expanded in one go. */
  for (guint k = 0; k < days->len;) {
    guint32 first = g_array_index(days, guint32, k), last = first;
    while (++k < days->len && g_array_index(days, guint32, k) == last + 1)
      last++;
    g_autoptr(GArray) occurrences =
        loa_schedule_expand_borrowed(schedule, day_start(schedule->tz, first),
                                     day_start(schedule->tz, MIN(last + 1, LAST_ORDINAL)), TRUE);
    add_spans(by_line, line_order, schedule, infos, occurrences);
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
  guint n = schedule->events->len;
  g_autofree EventInfo *infos = g_new0(EventInfo, MAX(n, 1));
  g_autoptr(GHashTable) cache = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, spot_info_free);
  LoaDate today_date;
  loa_utc_to_date(schedule->tz, now_ns, &today_date);
  guint32 today = loa_date_ordinal(&today_date);

  check_spots(schedule, cache, lookup, user_data, infos, problems);
  g_autoptr(GArray) window = loa_schedule_expand_borrowed(
      schedule, now_ns, day_start(schedule->tz, MIN(today + WINDOW_DAYS, LAST_ORDINAL)), TRUE);
  check_validity(schedule, cache, window, now_ns, problems);
  check_overlaps(schedule, infos, today, problems);
  check_future(schedule, now_ns, problems);
  for (guint i = 0; i < n; i++)
    g_array_unref(infos[i].choice_ns);
  return problems->errors == errors_before;
}
