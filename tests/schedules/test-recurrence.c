/* Unit tests of the schedule language beyond one-off and daily events:
 * recurrences against hand-computed calendars (month ends, the leap day
 * 2028-02-29, weekday rules, except and blackout days, time zones), RRULEs,
 * zones, rotation (fairness, and the same choice whatever window or restart
 * asks), checks of spot validity, approval and blocks, priorities and soft
 * starts in the overlap check, quota predictions, and CSV import. The station
 * config is a real file read by the real loader. */
#include "plan.h"
#include "schedule-import.h"
#include "schedule.h"

#include "test-util.h"

#include <string.h>

#define NS(seconds) ((gint64)(seconds) * LOA_NS_PER_SECOND)
#define FILE_NAME "thang.cfg"

static char *temp_dir;
static LoaConfig *config;

static const char station_config[] =
  "station = { id = \"cai-khe\"; timezone = \"Asia/Ho_Chi_Minh\"; };\n"
  "database = \"loa.db\";\n"
  "lines = (\n"
  "  { id = \"an-hoa\"; output = \"null\"; },\n"
  "  { id = \"cai-khe\"; output = \"null\"; },\n"
  "  { id = \"thoi-binh\"; output = \"null\"; }\n"
  ");\n"
  "zones = ( { id = \"phuong-bac\"; name = \"Phường Bắc\"; lines = [ \"thoi-binh\", \"an-hoa\" ]; } );\n"
  "blackout = (\n"
  "  { name = \"Tết Nguyên đán\"; from = \"2027-02-05\"; until = \"2027-02-09\"; },\n"
  "  { name = \"Quốc khánh\"; date = \"2026-09-02\"; }\n"
  ");\n"
  "quotas = (\n"
  "  { topic = \"attt\"; category = \"article\"; per = \"month\"; at_least = 1; },\n"
  "  { topic = \"attt\"; category = \"news\"; per = \"month\"; at_least = 2; }\n"
  ");\n";

static const struct {
  const char *id;
  int seconds;
  const char *status;
  const char *category;
  const char *valid_from;
  const char *valid_until;
} catalog[] = {
  { "TIN-1", 60, "approved", "news", NULL, NULL },
  { "TIN-2", 60, "approved", "news", NULL, NULL },
  { "TIN-3", 60, "approved", "news", NULL, NULL },
  { "BAI-1", 240, "approved", "article", NULL, NULL },
  { "MOI-1", 60, "submitted", "news", NULL, NULL },
  { "THANG11", 60, "approved", "news", "2026-11-10", "2026-11-20" },
};

static gboolean
lookup(const char *spot_id, LoaSpotFacts *facts, gpointer user_data)
{
  (void)user_data;
  for (guint i = 0; i < G_N_ELEMENTS(catalog); i++) {
    if (strcmp(catalog[i].id, spot_id) != 0)
      continue;
    facts->status = g_strdup(catalog[i].status);
    facts->duration_ns = NS(catalog[i].seconds);
    facts->topic = g_strdup("ATTT");
    facts->category = g_strdup(catalog[i].category);
    facts->has_valid_from =
        catalog[i].valid_from != NULL && loa_date_parse(catalog[i].valid_from, &facts->valid_from, NULL);
    facts->has_valid_until = catalog[i].valid_until != NULL &&
                             loa_date_parse(catalog[i].valid_until, &facts->valid_until, NULL);
    return TRUE;
  }
  return FALSE;
}

static gint64
civil(const char *text)
{
  gint64 ns = 0;
  g_autoptr(GError) error = NULL;
  g_assert_true(loa_datetime_parse(config->timezone, text, &ns, &error));
  return ns;
}

static LoaSchedule *
parse_ok(const char *text)
{
  g_autoptr(LoaProblems) problems = loa_problems_new();
  LoaSchedule *schedule = loa_schedule_parse(FILE_NAME, text, config, problems);
  if (schedule == NULL)
    loa_problems_print(problems, stderr);
  g_assert_nonnull(schedule);
  return schedule;
}

/* The local start times of every occurrence in [from, until) joined by ' '. */
static char *
starts(const LoaSchedule *schedule, const char *from, const char *until)
{
  g_autoptr(GArray) occurrences = loa_schedule_expand(schedule, civil(from), civil(until));
  GString *text = g_string_new(NULL);
  for (guint i = 0; i < occurrences->len; i++) {
    g_autofree char *local =
        loa_time_format_local(schedule->tz, g_array_index(occurrences, LoaOccurrence, i).start_ns);
    g_string_append_printf(text, "%s%.16s", i > 0 ? " " : "", local);
  }
  return g_string_free(text, FALSE);
}

static void
assert_calendar(const char *event, const char *from, const char *until, const char *expected)
{
  g_autofree char *text = g_strdup_printf("events = ( { %s lines = \"an-hoa\"; play = \"TIN-1\"; } );\n",
                                          event);
  g_autoptr(LoaSchedule) schedule = parse_ok(text);
  g_autofree char *got = starts(schedule, from, until);
  if (strcmp(got, expected) != 0)
    g_error("%s\n  expected: %s\n  got:      %s", event, expected, got);
}

static void
test_calendar_month_ends(void)
{
  /* -1 is the last day: 30 in November, 31 in December, 28 in February 2027. */
  assert_calendar("time = \"06:00:00\"; monthly = [ 31, -1 ];", "2026-11-01 00:00:00",
                  "2027-03-01 00:00:00",
                  "2026-11-30 06:00 2026-12-31 06:00 2027-01-31 06:00 2027-02-28 06:00");
  /* The 29th in February only in the leap year 2028. */
  assert_calendar("time = \"05:30:00\"; monthly = 29; from = \"2027-01-01\";", "2027-01-01 00:00:00",
                  "2028-04-01 00:00:00",
                  "2027-01-29 05:30 2027-03-29 05:30 2027-04-29 05:30 2027-05-29 05:30 "
                  "2027-06-29 05:30 2027-07-29 05:30 2027-08-29 05:30 2027-09-29 05:30 "
                  "2027-10-29 05:30 2027-11-29 05:30 2027-12-29 05:30 2028-01-29 05:30 "
                  "2028-02-29 05:30 2028-03-29 05:30");
  assert_calendar("time = \"05:30:00\"; rrule = \"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29\"; "
                  "from = \"2026-01-01\";",
                  "2026-01-01 00:00:00", "2033-01-01 00:00:00", "2028-02-29 05:30 2032-02-29 05:30");
}

static void
test_calendar_weekdays(void)
{
  /* November 2026: Sunday the 1st; Mondays 2, 9, 16, 23, 30; Thursdays 5, 12, 19, 26. */
  assert_calendar("time = [ \"17:00:00\", \"05:30:00\" ]; days = [ \"mon\", \"Thu\" ]; "
                  "until = \"2026-11-12\";",
                  "2026-11-01 00:00:00", "2026-12-01 00:00:00",
                  "2026-11-02 05:30 2026-11-02 17:00 2026-11-05 05:30 2026-11-05 17:00 "
                  "2026-11-09 05:30 2026-11-09 17:00 2026-11-12 05:30 2026-11-12 17:00");
  assert_calendar("time = \"06:00:00\"; monthly = \"first monday\";", "2026-11-01 00:00:00",
                  "2027-02-01 00:00:00", "2026-11-02 06:00 2026-12-07 06:00 2027-01-04 06:00");
  assert_calendar("time = \"06:00:00\"; monthly = \"last fri\";", "2026-11-01 00:00:00",
                  "2027-01-01 00:00:00", "2026-11-27 06:00 2026-12-25 06:00");
  /* Every other week on Tuesday and Saturday, weeks counted from the week of 2026-11-04. */
  assert_calendar("time = \"06:00:00\"; every = \"2 weeks\"; days = [ \"t3\", \"t7\" ]; "
                  "from = \"2026-11-04\";",
                  "2026-11-01 00:00:00", "2026-12-01 00:00:00",
                  "2026-11-07 06:00 2026-11-17 06:00 2026-11-21 06:00");
  assert_calendar("time = \"06:00:00\"; every = \"10 days\"; from = \"2026-11-25\";",
                  "2026-11-01 00:00:00", "2027-01-01 00:00:00",
                  "2026-11-25 06:00 2026-12-05 06:00 2026-12-15 06:00 2026-12-25 06:00");
  /* The same days from libical. */
  assert_calendar("time = \"06:00:00\"; rrule = \"FREQ=MONTHLY;BYDAY=1MO\"; from = \"2026-11-01\";",
                  "2026-12-01 00:00:00", "2027-02-01 00:00:00", "2026-12-07 06:00 2027-01-04 06:00");
  assert_calendar("time = \"06:00:00\"; rrule = \"FREQ=DAILY;INTERVAL=3;COUNT=4\"; "
                  "from = \"2026-11-29\";",
                  "2026-11-01 00:00:00", "2027-01-01 00:00:00",
                  "2026-11-29 06:00 2026-12-02 06:00 2026-12-05 06:00 2026-12-08 06:00");
}

static void
test_calendar_except_blackout(void)
{
  assert_calendar("time = \"06:00:00\"; from = \"2026-08-31\"; until = \"2026-09-04\"; "
                  "except = [ \"2026-09-03\" ];",
                  "2026-08-01 00:00:00", "2026-10-01 00:00:00",
                  "2026-08-31 06:00 2026-09-01 06:00 2026-09-04 06:00");
  /* Tết: 5..9 February 2027; emergencies air through it. */
  assert_calendar("time = \"06:00:00\"; from = \"2027-02-04\"; until = \"2027-02-10\";",
                  "2027-02-01 00:00:00", "2027-03-01 00:00:00", "2027-02-04 06:00 2027-02-10 06:00");
  assert_calendar("time = \"06:00:00\"; from = \"2027-02-08\"; until = \"2027-02-10\"; "
                  "priority = \"emergency\";",
                  "2027-02-01 00:00:00", "2027-03-01 00:00:00",
                  "2027-02-08 06:00 2027-02-09 06:00 2027-02-10 06:00");
  assert_calendar("at = \"2026-09-02 06:00:00\";", "2026-09-01 00:00:00", "2026-09-03 00:00:00", "");
}

static void
test_calendar_time_zone(void)
{
  /* 05:30 in Cần Thơ (UTC+7) is 22:30 UTC the day before. */
  g_autoptr(LoaSchedule) schedule =
      parse_ok("events = ( { time = \"05:30:00\"; from = \"2026-11-01\"; lines = \"an-hoa\"; "
               "play = \"TIN-1\"; } );\n");
  g_autoptr(GArray) occurrences = loa_schedule_expand(schedule, civil("2026-11-01 00:00:00"),
                                                      civil("2026-11-02 00:00:00"));
  g_assert_cmpuint(occurrences->len, ==, 1);
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
  g_autofree char *text =
      loa_time_format_local(utc, g_array_index(occurrences, LoaOccurrence, 0).start_ns);
  g_assert_cmpstr(text, ==, "2026-10-31 22:30:00.000");
}

static void
test_zones_and_lines(void)
{
  g_autoptr(LoaSchedule) schedule =
      parse_ok("events = (\n"
               "  { at = \"2026-11-28 06:00:00\"; lines = \"phuong-bac\"; play = \"TIN-1\"; },\n"
               "  { at = \"2026-11-28 07:00:00\"; lines = \"all\"; except_lines = \"phuong-bac\";\n"
               "    play = \"TIN-1\"; },\n"
               "  { at = \"2026-11-28 08:00:00\"; zones = \"phuong-bac\"; lines = \"cai-khe\";\n"
               "    play = \"TIN-1\"; }\n"
               ");\n");
  const char *zone[] = { "an-hoa", "thoi-binh", NULL };
  const char *rest[] = { "cai-khe", NULL };
  const char *all[] = { "an-hoa", "cai-khe", "thoi-binh", NULL };
  g_assert_true(g_strv_equal((const char *const *)((LoaEvent *)schedule->events->pdata[0])->lines, zone));
  g_assert_true(g_strv_equal((const char *const *)((LoaEvent *)schedule->events->pdata[1])->lines, rest));
  g_assert_true(g_strv_equal((const char *const *)((LoaEvent *)schedule->events->pdata[2])->lines, all));
}

/* Counts choices of one event over [from, until); returns the choice list in order. */
static GArray *
choices_over(const LoaSchedule *schedule, gint64 from, gint64 until)
{
  g_autoptr(GArray) occurrences = loa_schedule_expand(schedule, from, until);
  GArray *choices = g_array_new(FALSE, FALSE, sizeof(guint));
  for (guint i = 0; i < occurrences->len; i++) {
    const LoaOccurrence *occurrence = &g_array_index(occurrences, LoaOccurrence, i);
    g_assert_cmpstr(occurrence->spots[0], ==,
                    ((GStrv)g_ptr_array_index(occurrence->event->choices, occurrence->choice))[0]);
    g_array_append_val(choices, occurrence->choice);
  }
  return choices;
}

static void
test_rotation(void)
{
  for (int random = 0; random <= 1; random++) {
    g_autofree char *text = g_strdup_printf(
        "events = ( { time = [ \"05:30:00\", \"17:00:00\" ]; days = [ \"mon\", \"wed\", \"fri\" ];\n"
        "  from = \"2026-11-01\"; lines = \"an-hoa\"; one_of = ( \"TIN-1\", \"TIN-2\", \"TIN-3\" );\n"
        "  %s } );\n",
        random ? "rotate = \"random\"; seed = 42;" : "");
    g_autoptr(LoaSchedule) schedule = parse_ok(text);
    /* The whole month at once. */
    g_autoptr(GArray) month = choices_over(schedule, civil("2026-11-01 00:00:00"),
                                           civil("2026-12-01 00:00:00"));
    g_assert_cmpuint(month->len, ==, 26); /* 13 weekdays x 2 sessions */
    guint counts[3] = { 0 };
    for (guint i = 0; i < month->len; i++) {
      counts[g_array_index(month, guint, i)]++;
      /* Every round of three plays each item once. */
      if (i % 3 == 2) {
        guint a = g_array_index(month, guint, i - 2), b = g_array_index(month, guint, i - 1),
              c = g_array_index(month, guint, i);
        g_assert_true(a != b && b != c && a != c);
      }
    }
    g_assert_cmpuint(MAX(MAX(counts[0], counts[1]), counts[2]) - MIN(MIN(counts[0], counts[1]), counts[2]), <=, 1);
    if (!random)
      for (guint i = 0; i < month->len; i++)
        g_assert_cmpuint(g_array_index(month, guint, i), ==, i % 3);

    /* A daemon asking about a few seconds at a time, after a restart or a
     * reload (a new parse), gets the same choice for each occurrence. */
    g_autoptr(GArray) occurrences = loa_schedule_expand(schedule, civil("2026-11-01 00:00:00"),
                                                        civil("2026-12-01 00:00:00"));
    g_autoptr(LoaSchedule) reloaded = parse_ok(text);
    for (guint i = 0; i < occurrences->len; i++) {
      gint64 start = g_array_index(occurrences, LoaOccurrence, i).start_ns;
      g_autoptr(GArray) one = choices_over(reloaded, start - NS(2), start + NS(3));
      g_assert_cmpuint(one->len, ==, 1);
      g_assert_cmpuint(g_array_index(one, guint, 0), ==, g_array_index(month, guint, i));
    }
  }
  /* A different seed gives a different order somewhere. */
  LoaEvent event = { .rotation = LOA_ROTATION_RANDOM, .seed = 1 };
  event.choices = g_ptr_array_new();
  for (int i = 0; i < 5; i++)
    g_ptr_array_add(event.choices, NULL);
  gboolean differs = FALSE;
  for (gint64 n = 0; n < 50; n++) {
    guint first = loa_event_choice(&event, n);
    event.seed = 2;
    differs |= loa_event_choice(&event, n) != first;
    event.seed = 1;
  }
  g_assert_true(differs);
  g_ptr_array_unref(event.choices);
}

static void
test_parse_errors(void)
{
  g_autoptr(LoaProblems) problems = loa_problems_new();
  g_autoptr(LoaSchedule) schedule = loa_schedule_parse(
      FILE_NAME,
      "events = (\n"
      "  { time = \"06:00:00\"; rrule = \"FREQ=SOMETIMES\"; from = \"2026-11-01\"; lines = \"an-hoa\"; play = \"TIN-1\"; },\n"
      "  { time = \"06:00:00\"; rrule = \"FREQ=HOURLY\"; from = \"2026-11-01\"; lines = \"an-hoa\"; play = \"TIN-1\"; },\n"
      "  { time = \"06:00:00\"; rrule = \"FREQ=WEEKLY\"; lines = \"an-hoa\"; play = \"TIN-1\"; },\n"
      "  { time = \"06:00:00\"; except = \"2026-02-29\"; lines = \"an-hoa\"; play = \"TIN-1\"; },\n"
      "  { time = \"06:00:00\"; days = [ \"mon\", \"someday\" ]; lines = \"an-hoa\"; play = \"TIN-1\"; },\n"
      "  { time = \"06:00:00\"; every = \"3 fortnights\"; lines = \"an-hoa\"; play = \"TIN-1\"; },\n"
      "  { time = \"06:00:00\"; monthly = \"sixth sunday\"; lines = \"nowhere\"; one_of = \"TIN-1\"; },\n"
      "  { time = \"06:00:00\"; lines = \"an-hoa\"; play = \"TIN-1\"; priority = \"emergency\"; start = \"soft\"; },\n"
      "  { time = \"06:00:00\"; lines = \"an-hoa\"; play = \"TIN-1\"; grace = 30; }\n"
      ");\n",
      config, problems);
  g_assert_null(schedule);
  static const struct {
    int line;
    const char *fragment;
  } expected[] = {
    { 2, "RRULE 'FREQ=SOMETIMES' is not a valid" },
    { 3, "RRULE 'FREQ=HOURLY': the rule chooses days" },
    { 4, "RRULE 'FREQ=WEEKLY' needs 'from'" },
    { 5, "'except': '2026-02-29' is not a date that exists" },
    { 6, "'someday' is not a weekday" },
    { 7, "'every' is '3 fortnights'" },
    { 8, "'monthly' is 'sixth sunday'" },
    { 8, "unknown line or zone 'nowhere'" },
    { 8, "'one_of' must be a list" },
    { 9, "an emergency always cuts in" },
    { 10, "'grace' and 'late' apply only to events with start = \"soft\"" },
  };
  for (guint e = 0; e < G_N_ELEMENTS(expected); e++) {
    gboolean found = FALSE;
    for (guint i = 0; i < problems->items->len && !found; i++) {
      const LoaProblem *problem = g_ptr_array_index(problems->items, i);
      found = problem->line == expected[e].line && !problem->warning &&
              strstr(problem->message, expected[e].fragment) != NULL;
    }
    if (!found) {
      loa_problems_print(problems, stderr);
      g_error("no error on line %d containing \"%s\"", expected[e].line, expected[e].fragment);
    }
  }
}

static gboolean
has_problem(LoaProblems *problems, int line, gboolean warning, const char *fragment)
{
  for (guint i = 0; i < problems->items->len; i++) {
    const LoaProblem *problem = g_ptr_array_index(problems->items, i);
    if (problem->line == line && problem->warning == warning &&
        strstr(problem->message, fragment) != NULL)
      return TRUE;
  }
  loa_problems_print(problems, stderr);
  return FALSE;
}

static void
test_check_spots_and_blocks(void)
{
  g_autoptr(LoaSchedule) schedule = parse_ok(
      "events = (\n"
      "  { time = \"06:00:00\"; from = \"2026-11-01\"; until = \"2026-11-30\"; lines = \"an-hoa\"; play = \"THANG11\"; },\n"
      "  { at = \"2026-11-28 07:00:00\"; lines = \"an-hoa\"; play = \"MOI-1\"; },\n"
      "  { at = \"2026-11-28 08:00:00\"; lines = \"an-hoa\"; play = [ \"BAI-1\", \"TIN-1\" ]; max_length = \"04:30\"; },\n"
      "  { at = \"2026-11-28 09:00:00\"; lines = \"an-hoa\"; play = [ \"BAI-1\" ]; max_length = 240; },\n"
      "  { time = \"10:00:00\"; monthly = 31; from = \"2026-11-01\"; until = \"2026-11-30\"; lines = \"an-hoa\"; play = \"TIN-1\"; }\n"
      ");\n");
  g_autoptr(LoaProblems) problems = loa_problems_new();
  g_assert_false(loa_schedule_check(schedule, lookup, NULL, civil("2026-11-01 00:00:00"), problems));
  g_assert_true(has_problem(problems, 2, FALSE, "spot 'THANG11' may air only from 2026-11-10, but the event airs it on 2026-11-01 (9 airing(s)"));
  g_assert_true(has_problem(problems, 2, FALSE, "spot 'THANG11' may air only until 2026-11-20, but the event airs it on 2026-11-21 (10 airing(s)"));
  g_assert_true(has_problem(problems, 3, FALSE, "spot 'MOI-1' is submitted, not approved"));
  g_assert_true(has_problem(problems, 4, FALSE, "block too long: its spots (BAI-1, TIN-1) last 5:00, more than its max_length 4:30"));
  g_assert_true(has_problem(problems, 6, FALSE, "event never airs"));
  g_assert_cmpuint(problems->errors, ==, 5);
}

static void
test_check_priorities(void)
{
  g_autoptr(LoaSchedule) schedule = parse_ok(
      "events = (\n"
      "  { time = \"06:00:00\"; lines = \"all\"; play = \"BAI-1\"; },\n"
      "  { at = \"2026-11-28 06:01:00\"; lines = \"an-hoa\"; play = \"TIN-1\"; priority = \"emergency\"; },\n"
      "  { at = \"2026-11-28 06:02:00\"; lines = \"cai-khe\"; play = \"TIN-1\"; priority = \"priority\"; },\n"
      "  { at = \"2026-11-28 06:03:00\"; lines = \"thoi-binh\"; play = \"TIN-1\"; start = \"soft\"; grace = \"00:02:00\"; late = \"play\"; },\n"
      "  { at = \"2026-11-29 06:03:00\"; lines = \"phuong-bac\"; play = \"TIN-1\"; }\n"
      ");\n");
  const LoaEvent *soft = g_ptr_array_index(schedule->events, 3);
  g_assert_cmpint(soft->start, ==, LOA_START_SOFT);
  g_assert_cmpint(soft->grace_ns, ==, NS(120));
  g_assert_cmpint(soft->late, ==, LOA_LATE_PLAY);
  const LoaEvent *queued = g_ptr_array_index(schedule->events, 2);
  g_assert_cmpint(queued->start, ==, LOA_START_SOFT);
  g_assert_cmpint(queued->grace_ns, ==, LOA_GRACE_UNLIMITED);
  g_autoptr(LoaProblems) problems = loa_problems_new();
  g_assert_false(loa_schedule_check(schedule, lookup, NULL, civil("2026-11-01 00:00:00"), problems));
  g_assert_true(has_problem(problems, 5, TRUE, "the soft start waits for the line"));
  g_assert_true(has_problem(problems, 6, FALSE, "overlaps the event at thang.cfg:2 on line 'an-hoa' (first at 2026-11-29 06:03:00), and also on 'thoi-binh'"));
  g_assert_cmpuint(problems->errors, ==, 1);
}

static void
test_plan_quotas(void)
{
  /* News rotate over TIN-1..3 twice a month on every line; the article only
   * on the zone: cai-khe falls short of attt/article. */
  g_autoptr(LoaSchedule) schedule = parse_ok(
      "events = (\n"
      "  { time = \"05:30:00\"; monthly = [ 1, 15 ]; lines = \"all\"; one_of = ( \"TIN-1\", \"TIN-2\", \"TIN-3\" ); },\n"
      "  { at = \"2026-11-20 17:00:00\"; lines = \"phuong-bac\"; play = \"BAI-1\"; }\n"
      ");\n");
  g_autoptr(GArray) predictions = loa_plan_quotas(schedule, config, civil("2026-11-01 00:00:00"),
                                                  civil("2026-12-01 00:00:00"), lookup, NULL);
  g_assert_cmpuint(predictions->len, ==, 6);
  static const struct { const char *line; LoaQuotaState state; gint64 counted; } expected[] = {
    { "an-hoa", LOA_QUOTA_MET, 1 }, { "an-hoa", LOA_QUOTA_MET, 2 },
    { "cai-khe", LOA_QUOTA_MISSED, 0 }, { "cai-khe", LOA_QUOTA_MET, 2 },
    { "thoi-binh", LOA_QUOTA_MET, 1 }, { "thoi-binh", LOA_QUOTA_MET, 2 },
  };
  for (guint i = 0; i < predictions->len; i++) {
    const LoaPlanQuota *entry = &g_array_index(predictions, LoaPlanQuota, i);
    g_assert_cmpstr(entry->line, ==, expected[i].line);
    g_assert_cmpint(entry->verdict.state, ==, expected[i].state);
    g_assert_cmpint(entry->verdict.counted, ==, expected[i].counted);
  }
}

static void
test_import_csv(void)
{
  g_autoptr(LoaProblems) problems = loa_problems_new();
  g_autofree char *text = loa_schedule_import_csv(
      "lich.csv",
      "\xEF\xBB\xBF" "date;time;lines;spots;priority;name\r\n"
      "28/11/2026;05:30;an-hoa cai-khe;TIN-1|BAI-1;normal;\"Tin \"\"an toàn\"\" thông tin; buổi sáng\"\r\n"
      "2026-11-28;17:00:00;phuong-bac;TIN-2;;Phát thanh chiều\r\n",
      config, problems);
  if (text == NULL)
    loa_problems_print(problems, stderr);
  g_assert_nonnull(text);
  g_assert_cmpuint(problems->items->len, ==, 0);
  g_autoptr(LoaSchedule) schedule = parse_ok(text);
  g_assert_cmpuint(schedule->events->len, ==, 2);
  const LoaEvent *first = g_ptr_array_index(schedule->events, 0);
  g_assert_cmpstr(first->name, ==, "Tin \"an toàn\" thông tin; buổi sáng");
  g_assert_cmpint(first->at_ns, ==, civil("2026-11-28 05:30:00"));
  g_assert_cmpstr(((GStrv)g_ptr_array_index(first->choices, 0))[1], ==, "BAI-1");

  g_autoptr(LoaProblems) broken = loa_problems_new();
  g_autofree char *none = loa_schedule_import_csv(
      "hong.csv",
      "date,time,lines,spots,colour\n"
      "2026-02-30,05:30,an-hoa,TIN-1,red\n"
      "2026-11-28,25:00,nowhere,TIN 1 ok,\n"
      "2026-11-28,05:30,,TIN-1\n"
      "2026-11-28,05:30,an-hoa,TIN-1,\"never closed\n",
      config, broken);
  g_assert_null(none);
  g_assert_true(has_problem(broken, 5, FALSE, "never closed"));

  g_autoptr(LoaProblems) rows = loa_problems_new();
  g_autofree char *nothing = loa_schedule_import_csv(
      "hong.csv",
      "date,time,lines,spots,colour\n"
      "2026-02-30,05:30,an-hoa,TIN-1,red\n"
      "2026-11-28,25:00,nowhere,TIN-1,\n"
      "2026-11-28,05:30,,TIN-1\n",
      config, rows);
  g_assert_null(nothing);
  g_assert_true(has_problem(rows, 1, TRUE, "unknown column 'colour'"));
  g_assert_true(has_problem(rows, 2, FALSE, "row 2: date: '2026-02-30' is not a date that exists"));
  g_assert_true(has_problem(rows, 3, FALSE, "row 3: time:"));
  g_assert_true(has_problem(rows, 3, FALSE, "row 3: unknown line or zone 'nowhere'"));
  g_assert_true(has_problem(rows, 4, FALSE, "row 4: the 'lines' column is empty"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  temp_dir = test_util_make_dir("loa-test-recurrence-XXXXXX");
  g_autofree char *path = test_util_write(temp_dir, "loa.cfg", station_config);
  g_autoptr(GError) error = NULL;
  config = loa_config_load(path, &error);
  g_assert_no_error(error);

  g_test_add_func("/schedules/recurrence/month-ends", test_calendar_month_ends);
  g_test_add_func("/schedules/recurrence/weekdays", test_calendar_weekdays);
  g_test_add_func("/schedules/recurrence/except-blackout", test_calendar_except_blackout);
  g_test_add_func("/schedules/recurrence/time-zone", test_calendar_time_zone);
  g_test_add_func("/schedules/recurrence/zones", test_zones_and_lines);
  g_test_add_func("/schedules/recurrence/parse-errors", test_parse_errors);
  g_test_add_func("/schedules/rotation/fair-and-stable", test_rotation);
  g_test_add_func("/schedules/check2/spots-and-blocks", test_check_spots_and_blocks);
  g_test_add_func("/schedules/check2/priorities", test_check_priorities);
  g_test_add_func("/schedules/plan/quotas", test_plan_quotas);
  g_test_add_func("/schedules/import/csv", test_import_csv);
  int result = g_test_run();

  loa_config_free(config);
  test_util_remove_tree(temp_dir);
  g_free(temp_dir);
  return result;
}
