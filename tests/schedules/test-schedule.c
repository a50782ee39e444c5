/* Unit tests of schedule files: parsing (every problem with its line),
 * checking (spots, overlaps, past events) and expansion into occurrences.
 * The station has three lines in Asia/Ho_Chi_Minh (UTC+7); spots come from a
 * fixed table instead of the catalog. */
#include "schedule.h"

#include "test-util.h"

#include <string.h>

#define NS(seconds) ((gint64)(seconds) * LOA_NS_PER_SECOND)
#define FILE_NAME "lich.cfg"

static char *temp_dir;
static LoaConfig *config;

static const char station_config[] =
  "station = { id = \"q-ninh-kieu\"; timezone = \"Asia/Ho_Chi_Minh\"; };\n"
  "database = \"loa.db\";\n"
  "lines = (\n"
  "  { id = \"an-hoa\"; output = \"null\"; },\n"
  "  { id = \"cai-khe\"; output = \"null\"; },\n"
  "  { id = \"xuan-khanh\"; output = \"null\"; }\n"
  ");\n";

/* The catalog, as the lookup callback sees it. */
static const struct {
  const char *id;
  int seconds;
  const char *status;
  const char *valid_from;
  const char *valid_until;
} catalog[] = {
  { "ATTT-T01", 60, "approved", NULL, NULL },
  { "ATTT-B01", 120, "approved", NULL, NULL },
  { "ATTT-T02", 90, "approved", NULL, NULL },
  { "OLD-01", 30, "retired", NULL, NULL },
  { "LONG-01", 25 * 3600, "approved", NULL, NULL },
  { "NEW-01", 60, "submitted", NULL, NULL },
  { "NOV-01", 60, "approved", "2026-11-10", "2026-11-20" },
  { "N1", 60, "approved", NULL, NULL },
  { "N2", 60, "approved", NULL, NULL },
  { "N3", 60, "approved", NULL, NULL },
};

static gboolean
lookup(const char *spot_id, LoaSpotFacts *facts, gpointer user_data)
{
  guint *calls = user_data;
  if (calls != NULL)
    (*calls)++;
  for (guint i = 0; i < G_N_ELEMENTS(catalog); i++) {
    if (strcmp(catalog[i].id, spot_id) != 0)
      continue;
    facts->status = g_strdup(catalog[i].status);
    facts->duration_ns = NS(catalog[i].seconds);
    facts->topic = g_strdup("attt");
    facts->category = g_strdup(g_str_has_prefix(spot_id, "ATTT-B") ? "article" : "news");
    if (catalog[i].valid_from != NULL)
      g_assert_true(loa_date_parse(catalog[i].valid_from, &facts->valid_from, NULL));
    facts->has_valid_from = catalog[i].valid_from != NULL;
    if (catalog[i].valid_until != NULL)
      g_assert_true(loa_date_parse(catalog[i].valid_until, &facts->valid_until, NULL));
    facts->has_valid_until = catalog[i].valid_until != NULL;
    return TRUE;
  }
  return FALSE;
}

/* Local civil time in the station's zone -> UTC ns. */
static gint64
civil(const char *text)
{
  gint64 ns = 0;
  g_autoptr(GError) error = NULL;
  g_assert_true(loa_datetime_parse(config->timezone, text, &ns, &error));
  return ns;
}

/* Asserts that problems has an item on line with the given severity whose
 * message contains fragment, and removes it (so leftovers can be counted). */
static void
take_problem(LoaProblems *problems, int line, gboolean warning, const char *fragment)
{
  for (guint i = 0; i < problems->items->len; i++) {
    LoaProblem *problem = g_ptr_array_index(problems->items, i);
    if (problem->line == line && problem->warning == warning &&
        strstr(problem->message, fragment) != NULL) {
      g_assert_cmpstr(problem->file, ==, FILE_NAME);
      g_ptr_array_remove_index(problems->items, i);
      return;
    }
  }
  GString *all = g_string_new(NULL);
  for (guint i = 0; i < problems->items->len; i++) {
    LoaProblem *problem = g_ptr_array_index(problems->items, i);
    g_string_append_printf(all, "  %d %s: %s\n", problem->line, problem->warning ? "W" : "E",
                           problem->message);
  }
  g_error("no %s on line %d containing \"%s\"; have:\n%s", warning ? "warning" : "error", line,
          fragment, all->str);
}

static void
assert_no_problems_left(LoaProblems *problems)
{
  for (guint i = 0; i < problems->items->len; i++) {
    LoaProblem *problem = g_ptr_array_index(problems->items, i);
    g_printerr("unexpected: %d: %s\n", problem->line, problem->message);
  }
  g_assert_cmpuint(problems->items->len, ==, 0);
}

static LoaSchedule *
parse_ok(const char *text, LoaProblems *problems)
{
  LoaSchedule *schedule = loa_schedule_parse(FILE_NAME, text, config, problems);
  if (schedule == NULL)
    loa_problems_print(problems, stderr);
  g_assert_nonnull(schedule);
  g_assert_cmpuint(problems->errors, ==, 0);
  return schedule;
}

/* Parses and checks text at now; returns the problems. */
static LoaProblems *
check_text(const char *text, const char *now)
{
  LoaProblems *problems = loa_problems_new();
  g_autoptr(LoaSchedule) schedule = parse_ok(text, problems);
  (void)loa_schedule_check(schedule, lookup, NULL, civil(now), problems);
  return problems;
}

static const char issue_example[] =
  "name = \"Lịch phát tháng 11\";          # optional\n"
  "events = (\n"
  "  { at = \"2026-11-28 06:00:00\"; lines = [ \"cai-khe\", \"an-hoa\" ];\n"
  "    play = [ \"ATTT-T01\", \"ATTT-B01\" ]; },                 # back to back, no gap\n"
  "  { time = \"17:30:00\"; from = \"2026-11-01\"; until = \"2026-11-30\";\n"
  "    lines = \"all\"; play = [ \"ATTT-T02\" ]; priority = \"priority\";\n"
  "    id = \"ev-2\"; name = \"Tin an toàn thông tin\"; }\n"
  ");\n";

static void
test_parse_example(void)
{
  g_autoptr(LoaProblems) problems = loa_problems_new();
  g_autoptr(LoaSchedule) schedule = parse_ok(issue_example, problems);
  g_assert_cmpuint(problems->items->len, ==, 0);
  g_assert_cmpstr(schedule->name, ==, "Lịch phát tháng 11");
  g_assert_cmpstr(schedule->file, ==, FILE_NAME);
  g_assert_cmpuint(schedule->events->len, ==, 2);

  const LoaEvent *once = g_ptr_array_index(schedule->events, 0);
  g_assert_cmpint(once->repeat, ==, LOA_REPEAT_ONCE);
  g_assert_cmpint(once->source_line, ==, 3);
  g_assert_cmpstr(once->ref, ==, "lich.cfg:3");
  g_assert_cmpint(once->at_ns, ==, civil("2026-11-28 06:00:00"));
  g_assert_cmpint(once->at_ns, ==, NS(1795820400));
  /* Config order, not file order. */
  const char *const once_lines[] = { "an-hoa", "cai-khe", NULL };
  g_assert_true(g_strv_equal((const char *const *)once->lines, once_lines));
  const char *const once_spots[] = { "ATTT-T01", "ATTT-B01", NULL };
  g_assert_true(g_strv_equal((const char *const *)g_ptr_array_index(once->choices, 0), once_spots));
  g_assert_cmpint(once->priority, ==, LOA_PRIORITY_NORMAL);

  const LoaEvent *daily = g_ptr_array_index(schedule->events, 1);
  g_assert_cmpint(daily->repeat, ==, LOA_REPEAT_DAILY);
  g_assert_cmpstr(daily->ref, ==, "lich.cfg:5");
  g_assert_cmpuint(daily->n_times, ==, 1);
  g_assert_cmpint(daily->times[0], ==, 17 * 3600 + 30 * 60);
  g_assert_true(daily->has_from && daily->has_until);
  g_assert_cmpint(daily->from.day, ==, 1);
  g_assert_cmpint(daily->until.day, ==, 30);
  const char *const all_lines[] = { "an-hoa", "cai-khe", "xuan-khanh", NULL };
  g_assert_true(g_strv_equal((const char *const *)daily->lines, all_lines));
  g_assert_cmpint(daily->priority, ==, LOA_PRIORITY_PRIORITY);
  g_assert_cmpstr(loa_priority_name(daily->priority), ==, "priority");
  g_assert_cmpstr(loa_priority_name(LOA_PRIORITY_EMERGENCY), ==, "emergency");
}

static void
test_parse_single_strings(void)
{
  g_autoptr(LoaProblems) problems = loa_problems_new();
  g_autoptr(LoaSchedule) schedule =
      parse_ok("events = ( { time = \"05:00:00\"; lines = \"xuan-khanh\"; play = \"ATTT-T01\";\n"
               "  priority = \"emergency\"; } );\n",
               problems);
  const LoaEvent *event = g_ptr_array_index(schedule->events, 0);
  g_assert_cmpstr(event->lines[0], ==, "xuan-khanh");
  g_assert_null(event->lines[1]);
  g_assert_cmpstr(((GStrv)g_ptr_array_index(event->choices, 0))[0], ==, "ATTT-T01");
  g_assert_null(((GStrv)g_ptr_array_index(event->choices, 0))[1]);
  g_assert_false(event->has_from || event->has_until);
  g_assert_cmpint(event->priority, ==, LOA_PRIORITY_EMERGENCY);
  g_assert_cmpstr(schedule->name, ==, "");
}

static void
test_parse_many_errors(void)
{
  static const char text[] =
    "name = 42;\n"                                                                  /* 1 */
    "events = (\n"                                                                  /* 2 */
    "  { lines = \"all\"; play = \"ATTT-T01\"; },\n"                                /* 3 */
    "  { at = \"2026-11-28 06:00:00\"; time = \"06:00:00\"; lines = \"all\";\n"     /* 4 */
    "    play = \"ATTT-T01\"; },\n"                                                 /* 5 */
    "  { at = \"2026-02-30 06:00:00\"; lines = \"all\"; play = \"ATTT-T01\"; },\n"  /* 6 */
    "  { time = \"24:00:00\"; lines = \"all\"; play = \"ATTT-T01\"; },\n"           /* 7 */
    "  { time = \"06:00:00\"; from = \"2026-11-30\";\n"                             /* 8 */
    "    until = \"2026-11-01\"; lines = \"all\"; play = \"ATTT-T01\"; },\n"        /* 9 */
    "  { time = \"06:00:00\"; lines = [ \"an-hoa\", \"phong-dien\" ];\n"            /* 10 */
    "    play = \"ATTT-T01\"; },\n"                                                 /* 11 */
    "  { time = \"06:00:00\"; lines = \"all\"; play = [ ]; },\n"                    /* 12 */
    "  { time = \"06:00:00\"; lines = \"all\"; play = \"ATTT-T01\";\n"              /* 13 */
    "    priority = \"urgent\"; },\n"                                               /* 14 */
    "  { time = \"06:00:00\"; lines = [ \"cai-khe\",\n"                             /* 15 */
    "      \"cai-khe\" ]; play = \"ATTT-T01\"; },\n"                                /* 16 */
    "  { at = 20261128; lines = \"all\"; play = \"ATTT-T01\"; colour = \"red\"; },\n" /* 17 */
    "  { time = \"06:00:00\"; from = \"2026-13-01\"; lines = 5; },\n"               /* 18 */
    "  { at = \"2026-11-28 06:00:00\"; until = \"2026-11-30\"; lines = \"all\";\n"  /* 19 */
    "    play = [ \"ATTT-T01\", \"not a spot\" ]; },\n"                             /* 20 */
    "  \"not an event\",\n"                                                         /* 21 */
    "  { time = \"6:00\"; lines = [ \"all\", \"an-hoa\" ]; play = \"ATTT-T01\"; }\n" /* 22 */
    ");\n"                                                                          /* 23 */
    "owner = \"someone\";\n";                                                       /* 24 */

  g_autoptr(LoaProblems) problems = loa_problems_new();
  LoaSchedule *schedule = loa_schedule_parse(FILE_NAME, text, config, problems);
  g_assert_null(schedule);

  take_problem(problems, 1, FALSE, "'name' must be a string");
  take_problem(problems, 3, FALSE, "needs 'at'");
  take_problem(problems, 4, FALSE, "not both");
  take_problem(problems, 6, FALSE, "'2026-02-30 06:00:00' is not a date that exists");
  take_problem(problems, 7, FALSE, "'24:00:00' is not a time that exists");
  take_problem(problems, 9, FALSE, "'from' (2026-11-30) is after 'until' (2026-11-01)");
  take_problem(problems, 10, FALSE, "unknown line or zone 'phong-dien'");
  take_problem(problems, 12, FALSE, "'play' is empty");
  take_problem(problems, 14, FALSE, "'priority' is 'urgent'");
  take_problem(problems, 16, FALSE, "'cai-khe' is listed twice in 'lines'");
  take_problem(problems, 17, FALSE, "'at' must be a string");
  take_problem(problems, 17, TRUE, "unknown setting 'colour'");
  take_problem(problems, 18, FALSE, "'2026-13-01' is not a date that exists");
  take_problem(problems, 18, FALSE, "'lines' must be");
  take_problem(problems, 18, FALSE, "missing 'play'");
  take_problem(problems, 19, FALSE, "'until' applies only to recurring events");
  take_problem(problems, 20, FALSE, "'not a spot' is not a valid spot id");
  take_problem(problems, 21, FALSE, "events entry 13 must be a group");
  take_problem(problems, 22, FALSE, "'6:00' is not a time of the form HH:MM:SS");
  take_problem(problems, 22, FALSE, "\"all\" already means every line");
  take_problem(problems, 24, TRUE, "unknown setting 'owner'");
  assert_no_problems_left(problems);
}

static void
test_parse_counts_and_print(void)
{
  g_autoptr(LoaProblems) problems = loa_problems_new();
  LoaSchedule *schedule =
      loa_schedule_parse(FILE_NAME,
                         "events = (\n"
                         "  { time = \"06:00:00\"; lines = \"nowhere\"; play = \"A\"; x = 1; },\n"
                         "  { at = \"2026-11-28 06:00:00\"; lines = \"all\"; play = \"A\"; }\n"
                         ");\n"
                         "extra = 1;\n",
                         config, problems);
  g_assert_null(schedule);
  g_assert_cmpuint(problems->errors, ==, 1);
  g_assert_cmpuint(problems->warnings, ==, 2);

  /* Added out of order; printed by line. */
  loa_problems_add(problems, FILE_NAME, 0, FALSE, "about the whole file");
  char *buffer = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&buffer, &size);
  loa_problems_print(problems, out);
  fclose(out);
  g_assert_cmpstr(buffer, ==,
                  "lich.cfg: about the whole file\n"
                  "lich.cfg:2: warning: unknown setting 'x' (ignored)\n"
                  "lich.cfg:2: unknown line or zone 'nowhere' (the station's lines are 'an-hoa', "
                  "'cai-khe', 'xuan-khanh')\n"
                  "lich.cfg:5: warning: unknown setting 'extra' (ignored)\n");
  free(buffer);
}

static void
test_parse_syntax_error(void)
{
  g_autoptr(LoaProblems) problems = loa_problems_new();
  LoaSchedule *schedule = loa_schedule_parse(FILE_NAME,
                                             "events = (\n"
                                             "  { at = \"2026-11-28 06:00:00\"; lines = ; }\n"
                                             ");\n",
                                             config, problems);
  g_assert_null(schedule);
  g_assert_cmpuint(problems->items->len, ==, 1);
  take_problem(problems, 2, FALSE, "syntax error");

  /* libconfig refuses a repeated key too. */
  g_autoptr(LoaProblems) again = loa_problems_new();
  schedule = loa_schedule_parse(FILE_NAME,
                                "events = (\n"
                                "  { time = \"06:00:00\";\n"
                                "    time = \"07:00:00\"; lines = \"all\"; play = \"A\"; }\n"
                                ");\n",
                                config, again);
  g_assert_null(schedule);
  take_problem(again, 3, FALSE, "duplicate setting name");
}

static void
test_parse_structure(void)
{
  g_autoptr(LoaProblems) missing = loa_problems_new();
  g_assert_null(loa_schedule_parse(FILE_NAME, "name = \"x\";\n", config, missing));
  take_problem(missing, 0, FALSE, "missing 'events'");

  g_autoptr(LoaProblems) group = loa_problems_new();
  g_assert_null(loa_schedule_parse(FILE_NAME, "\nevents = { a = 1; };\n", config, group));
  take_problem(group, 2, FALSE, "'events' must be a list");

  g_autoptr(LoaProblems) empty = loa_problems_new();
  g_autoptr(LoaSchedule) nothing = loa_schedule_parse(FILE_NAME, "events = ();\n", config, empty);
  g_assert_nonnull(nothing);
  g_assert_cmpuint(nothing->events->len, ==, 0);
  take_problem(empty, 1, TRUE, "no events");

  g_autoptr(LoaProblems) include = loa_problems_new();
  g_assert_null(loa_schedule_parse(FILE_NAME,
                                   "events = ();\n"
                                   "  @include \"/etc/passwd\"\n",
                                   config, include));
  take_problem(include, 2, FALSE, "@include is not allowed");
  take_problem(include, 1, TRUE, "no events");
  assert_no_problems_left(include);

  g_autoptr(LoaProblems) utf8 = loa_problems_new();
  g_assert_null(loa_schedule_parse(FILE_NAME, "events = ();\nname = \"\xff\";\n", config, utf8));
  take_problem(utf8, 2, FALSE, "not valid UTF-8");

  g_autoptr(LoaProblems) ids = loa_problems_new();
  g_autoptr(LoaSchedule) twice =
      parse_ok("events = (\n"
               "  { id = \"x\"; time = \"06:00:00\"; lines = \"all\"; play = \"A\"; },\n"
               "  { id = \"x\"; time = \"07:00:00\"; lines = \"all\"; play = \"A\"; }\n"
               ");\n",
               ids);
  take_problem(ids, 3, TRUE, "event id 'x' is also used at lich.cfg:2");
}

static void
test_parse_dates(void)
{
  g_autoptr(LoaProblems) leap = loa_problems_new();
  g_autoptr(LoaSchedule) ok =
      parse_ok("events = ( { at = \"2028-02-29 23:59:59\"; lines = \"all\"; play = \"A\"; },\n"
               "  { time = \"00:00:00\"; from = \"2028-02-29\"; until = \"2028-02-29\";\n"
               "    lines = \"all\"; play = \"A\"; } );\n",
               leap);
  g_assert_cmpuint(leap->items->len, ==, 0);

  g_autoptr(LoaProblems) bad = loa_problems_new();
  g_assert_null(loa_schedule_parse(FILE_NAME,
                                   "events = ( { at = \"2026-02-29 06:00:00\"; lines = \"all\";\n"
                                   "  play = \"A\"; },\n"
                                   "  { time = \"06:00:00\"; until = \"2026-04-31\";\n"
                                   "    lines = \"all\"; play = \"A\"; } );\n",
                                   config, bad));
  take_problem(bad, 1, FALSE, "not a date that exists");
  take_problem(bad, 3, FALSE, "'until': '2026-04-31' is not a date that exists");
  assert_no_problems_left(bad);
}

static void
test_check_ok(void)
{
  g_autoptr(LoaProblems) problems = check_text(issue_example, "2026-10-15 00:00:00");
  assert_no_problems_left(problems);
}

static void
test_check_spots(void)
{
  g_autoptr(LoaProblems) problems = loa_problems_new();
  g_autoptr(LoaSchedule) schedule =
      parse_ok("events = (\n"
               "  { time = \"06:00:00\"; lines = \"an-hoa\";\n"
               "    play = [ \"ATTT-T01\", \"NOPE-1\", \"OLD-01\", \"NOPE-1\" ]; },\n"
               "  { time = \"08:00:00\"; lines = \"an-hoa\"; play = \"NOPE-1\"; }\n"
               ");\n",
               problems);
  guint calls = 0;
  g_assert_false(loa_schedule_check(schedule, lookup, &calls, civil("2026-11-01 00:00:00"),
                                    problems));
  g_assert_cmpuint(calls, ==, 3); /* each spot looked up once */
  take_problem(problems, 2, FALSE, "unknown spot 'NOPE-1'");
  take_problem(problems, 2, FALSE, "spot 'OLD-01' is retired");
  take_problem(problems, 4, FALSE, "unknown spot 'NOPE-1'");
  assert_no_problems_left(problems);
}

static void
test_check_overlap_once_daily(void)
{
  /* The one-off starts 30 s into the daily event's 90 s spot on an-hoa. */
  g_autoptr(LoaProblems) problems =
      check_text("events = (\n"
                 "  { time = \"17:30:00\"; from = \"2026-11-01\"; until = \"2026-11-30\";\n"
                 "    lines = \"all\"; play = \"ATTT-T02\"; },\n"
                 "  { at = \"2026-11-28 17:30:30\"; lines = \"an-hoa\"; play = \"ATTT-T01\"; }\n"
                 ");\n",
                 "2026-11-01 00:00:00");
  g_assert_cmpuint(problems->errors, ==, 1);
  take_problem(problems, 4, FALSE,
               "overlaps the event at lich.cfg:2 on line 'an-hoa' (first at 2026-11-28 17:30:30)");
  assert_no_problems_left(problems);
}

static void
test_check_overlap_reported_once(void)
{
  /* Two daily events clash on two lines every day of the month: one error,
   * naming the first clash and the other line. */
  g_autoptr(LoaProblems) problems =
      check_text("events = (\n"
                 "  { time = \"06:00:00\"; from = \"2026-11-01\"; until = \"2026-11-30\";\n"
                 "    lines = [ \"an-hoa\", \"cai-khe\" ]; play = \"ATTT-B01\"; },\n"
                 "  { time = \"06:01:00\"; from = \"2026-11-10\";\n"
                 "    lines = [ \"cai-khe\", \"an-hoa\" ]; play = \"ATTT-T01\"; }\n"
                 ");\n",
                 "2026-11-01 00:00:00");
  take_problem(problems, 4, FALSE,
               "overlaps the event at lich.cfg:2 on line 'an-hoa' (first at 2026-11-10 06:01:00), "
               "and also on 'cai-khe'");
  assert_no_problems_left(problems);
}

static void
test_check_different_lines(void)
{
  g_autoptr(LoaProblems) problems =
      check_text("events = (\n"
                 "  { time = \"06:00:00\"; lines = \"an-hoa\"; play = \"ATTT-B01\"; },\n"
                 "  { time = \"06:00:00\"; lines = \"cai-khe\"; play = \"ATTT-B01\"; },\n"
                 "  { at = \"2026-11-28 06:00:00\"; lines = \"xuan-khanh\"; play = \"ATTT-B01\"; }\n"
                 ");\n",
                 "2026-11-01 00:00:00");
  assert_no_problems_left(problems);
}

static void
test_check_back_to_back(void)
{
  /* ATTT-T01 + ATTT-B01 last 180 s: 06:00:00 -> 06:03:00. */
  g_autoptr(LoaProblems) touching =
      check_text("events = (\n"
                 "  { at = \"2026-11-28 06:00:00\"; lines = \"an-hoa\";\n"
                 "    play = [ \"ATTT-T01\", \"ATTT-B01\" ]; },\n"
                 "  { at = \"2026-11-28 06:03:00\"; lines = \"an-hoa\"; play = \"ATTT-T01\"; },\n"
                 "  { time = \"05:59:00\"; lines = \"an-hoa\"; play = \"ATTT-T01\"; }\n"
                 ");\n",
                 "2026-11-01 00:00:00");
  assert_no_problems_left(touching);

  g_autoptr(LoaProblems) one_second =
      check_text("events = (\n"
                 "  { at = \"2026-11-28 06:00:00\"; lines = \"an-hoa\";\n"
                 "    play = [ \"ATTT-T01\", \"ATTT-B01\" ]; },\n"
                 "  { at = \"2026-11-28 06:02:59\"; lines = \"an-hoa\"; play = \"ATTT-T01\"; }\n"
                 ");\n",
                 "2026-11-01 00:00:00");
  take_problem(one_second, 4, FALSE, "overlaps the event at lich.cfg:2 on line 'an-hoa'");
  assert_no_problems_left(one_second);
}

static void
test_check_across_midnight(void)
{
  /* Undated daily events: 23:59:00 + 120 s runs into 00:00:30 the next day. */
  g_autoptr(LoaProblems) problems =
      check_text("events = (\n"
                 "  { time = \"00:00:30\"; lines = \"cai-khe\"; play = \"ATTT-T01\"; },\n"
                 "  { time = \"23:59:00\"; lines = \"cai-khe\"; play = \"ATTT-B01\"; }\n"
                 ");\n",
                 "2026-11-01 12:00:00");
  take_problem(problems, 3, FALSE,
               "overlaps the event at lich.cfg:2 on line 'cai-khe' (first at 2026-11-02 00:00:30)");
  assert_no_problems_left(problems);
}

static void
test_check_far_apart(void)
{
  /* A clash two and a half years after the first written date is still found. */
  g_autoptr(LoaProblems) problems =
      check_text("events = (\n"
                 "  { time = \"09:00:00\"; from = \"2026-01-01\"; until = \"2028-12-31\";\n"
                 "    lines = \"xuan-khanh\"; play = \"ATTT-T02\"; },\n"
                 "  { at = \"2028-06-15 09:01:00\"; lines = \"all\"; play = \"ATTT-T01\"; }\n"
                 ");\n",
                 "2026-01-01 00:00:00");
  take_problem(problems, 4, FALSE, "on line 'xuan-khanh' (first at 2028-06-15 09:01:00)");
  assert_no_problems_left(problems);
}

static void
test_check_open_range(void)
{
  /* A runs from January with no end, B from June for a year, C stops in
   * March: only A and B meet, from the day B starts. */
  g_autoptr(LoaProblems) problems =
      check_text("events = (\n"
                 "  { time = \"10:00:00\"; from = \"2026-01-01\"; lines = \"an-hoa\";\n"
                 "    play = \"ATTT-T01\"; },\n"
                 "  { time = \"10:00:30\"; from = \"2026-06-01\"; until = \"2027-06-01\";\n"
                 "    lines = \"an-hoa\"; play = \"ATTT-T01\"; },\n"
                 "  { time = \"11:00:00\"; until = \"2026-03-01\"; lines = \"an-hoa\";\n"
                 "    play = \"ATTT-T01\"; }\n"
                 ");\n",
                 "2026-01-01 00:00:00");
  take_problem(problems, 4, FALSE, "lich.cfg:2 on line 'an-hoa' (first at 2026-06-01 10:00:30)");
  take_problem(problems, 4, TRUE, "no airing in the next 30 days (the next is on 2026-06-01)");
  assert_no_problems_left(problems);
}

static void
test_check_longer_than_a_day(void)
{
  g_autoptr(LoaProblems) problems =
      check_text("events = ( { time = \"06:00:00\"; lines = \"an-hoa\"; play = \"LONG-01\"; } );\n",
                 "2026-11-01 00:00:00");
  take_problem(problems, 1, FALSE, "longer than a day");
  assert_no_problems_left(problems);
}

static void
test_check_past(void)
{
  g_autoptr(LoaProblems) problems = check_text(
      "events = (\n"
      "  { at = \"2026-11-28 05:00:00\"; lines = \"all\"; play = \"ATTT-T01\"; },\n"
      "  { time = \"06:00:00\"; from = \"2026-11-01\"; until = \"2026-11-30\";\n"
      "    lines = \"cai-khe\"; play = \"ATTT-T01\"; },\n"
      "  { time = \"07:00:00\"; from = \"2026-11-01\"; lines = \"all\"; play = \"ATTT-T01\"; },\n"
      "  { time = \"08:00:00\"; lines = \"all\"; play = \"ATTT-T01\"; },\n"
      "  { time = \"06:00:00\"; until = \"2027-01-01\"; lines = \"an-hoa\"; play = \"ATTT-T01\"; }\n"
      ");\n",
      "2026-12-31 12:00:00");
  g_assert_cmpuint(problems->errors, ==, 0);
  take_problem(problems, 2, TRUE, "event never airs again: all its times are in the past");
  take_problem(problems, 3, TRUE, "event never airs again");
  assert_no_problems_left(problems);

  /* One second before the last occurrence it still airs. */
  g_autoptr(LoaProblems) just = check_text(
      "events = ( { at = \"2026-11-28 06:00:00\"; lines = \"all\"; play = \"ATTT-T01\"; } );\n",
      "2026-11-28 06:00:00");
  assert_no_problems_left(just);
}

/* The overlaps a brute-force expansion of every day finds, keyed by the
 * pair of events: "later|earlier" -> first clash (start ns) and its lines. */
typedef struct {
  gint64 first_ns;
  GPtrArray *lines_at_first;  /* const char *: lines where the first clash happens */
} BruteClash;

static void
brute_clash_free(gpointer data)
{
  BruteClash *clash = data;
  g_ptr_array_unref(clash->lines_at_first);
  g_free(clash);
}

static gint64
occurrence_duration(const LoaOccurrence *occurrence)
{
  gint64 total = 0;
  for (guint i = 0; occurrence->spots[i] != NULL; i++) {
    LoaSpotFacts facts = { 0 };
    g_assert_true(lookup(occurrence->spots[i], &facts, NULL));
    total += facts.duration_ns;
    loa_spot_facts_clear(&facts);
  }
  return total;
}

static GHashTable *
brute_force_clashes(const LoaSchedule *schedule, gint64 from_ns, gint64 until_ns)
{
  GHashTable *clashes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, brute_clash_free);
  g_autoptr(GArray) all = loa_schedule_expand(schedule, from_ns, until_ns);
  g_autofree gint64 *durations = g_new0(gint64, all->len + 1);
  for (guint i = 0; i < all->len; i++)
    durations[i] = occurrence_duration(&g_array_index(all, LoaOccurrence, i));
  for (guint i = 0; i < all->len; i++)
    for (guint j = 0; j < all->len; j++) {
      const LoaOccurrence *a = &g_array_index(all, LoaOccurrence, i);
      const LoaOccurrence *b = &g_array_index(all, LoaOccurrence, j);
      if (i == j || a->start_ns > b->start_ns || (a->start_ns == b->start_ns && i > j))
        continue; /* each unordered pair once, a starting first */
      if (a->start_ns + durations[i] <= b->start_ns)
        continue;
      guint ia = 0, ib = 0;
      g_assert_true(g_ptr_array_find(schedule->events, a->event, &ia));
      g_assert_true(g_ptr_array_find(schedule->events, b->event, &ib));
      for (guint l = 0; a->event->lines[l] != NULL; l++) {
        if (!g_strv_contains((const char *const *)b->event->lines, a->event->lines[l]))
          continue;
        char *key = g_strdup_printf("%u|%u", MAX(ia, ib), MIN(ia, ib));
        BruteClash *clash = g_hash_table_lookup(clashes, key);
        if (clash == NULL) {
          clash = g_new0(BruteClash, 1);
          clash->first_ns = G_MAXINT64;
          clash->lines_at_first = g_ptr_array_new();
          g_hash_table_insert(clashes, key, clash);
        } else {
          g_free(key);
        }
        if (b->start_ns < clash->first_ns) {
          clash->first_ns = b->start_ns;
          g_ptr_array_set_size(clash->lines_at_first, 0);
        }
        if (b->start_ns == clash->first_ns)
          g_ptr_array_add(clash->lines_at_first, a->event->lines[l]);
      }
    }
  return clashes;
}

/* A random schedule whose events crowd around midnight and 06:00 on three
 * lines over two months, so that clashes are common. */
static char *
random_schedule(GRand *rand)
{
  static const char *const line_ids[] = { "an-hoa", "cai-khe", "xuan-khanh" };
  static const char *const spots[] = { "ATTT-T01", "ATTT-B01", "ATTT-T02" };
  static const int hours[] = { 23, 0, 6 };
  static const int minutes[] = { 57, 58, 59, 0, 1, 2 };
  GString *text = g_string_new("events = (\n");
  int n = g_rand_int_range(rand, 2, 9);
  for (int e = 0; e < n; e++) {
    char when[64];
    int hour = hours[g_rand_int_range(rand, 0, 3)];
    int minute = minutes[g_rand_int_range(rand, 0, 6)];
    int second = g_rand_boolean(rand) ? 0 : 30;
    /* The first event is a one-off, so the check never depends on now. */
    if (e == 0 || g_rand_int_range(rand, 0, 3) == 0) {
      LoaDate date;
      loa_date_from_ordinal(loa_date_ordinal(&(LoaDate){ 2026, 11, 1 }) +
                                (guint32)g_rand_int_range(rand, 0, 60),
                            &date);
      g_snprintf(when, sizeof(when), "at = \"%04d-%02d-%02d %02d:%02d:%02d\";", date.year,
                 date.month, date.day, hour, minute, second);
      g_string_append_printf(text, "  { %s", when);
    } else {
      g_string_append_printf(text, "  { time = \"%02d:%02d:%02d\";", hour, minute, second);
      guint32 from = loa_date_ordinal(&(LoaDate){ 2026, 11, 1 }) + (guint32)g_rand_int_range(rand, 0, 60);
      guint32 until = from + (guint32)g_rand_int_range(rand, 0, 40);
      LoaDate date;
      if (g_rand_boolean(rand)) {
        loa_date_from_ordinal(from, &date);
        g_string_append_printf(text, " from = \"%04d-%02d-%02d\";", date.year, date.month, date.day);
      }
      if (g_rand_boolean(rand)) {
        loa_date_from_ordinal(until, &date);
        g_string_append_printf(text, " until = \"%04d-%02d-%02d\";", date.year, date.month, date.day);
      }
    }
    int n_lines = g_rand_int_range(rand, 1, 4);
    int first_line = g_rand_int_range(rand, 0, 3);
    g_string_append(text, " lines = [");
    for (int l = 0; l < n_lines; l++)
      g_string_append_printf(text, "%s\"%s\"", l > 0 ? ", " : " ", line_ids[(first_line + l) % 3]);
    g_string_append_printf(text, " ]; play = [ \"%s\"", spots[g_rand_int_range(rand, 0, 3)]);
    if (g_rand_boolean(rand))
      g_string_append_printf(text, ", \"%s\"", spots[g_rand_int_range(rand, 0, 3)]);
    g_string_append_printf(text, " ]; }%s\n", e + 1 < n ? "," : "");
  }
  g_string_append(text, ");\n");
  return g_string_free(text, FALSE);
}

static void
test_check_matches_brute_force(void)
{
  /* The check looks only at the days where something can change; a dense
   * expansion of every day must find the same pairs and first clashes. */
  g_autoptr(GRand) rand = g_rand_new_with_seed(20261128);
  guint total = 0;
  for (int round = 0; round < 300; round++) {
    g_autofree char *text = random_schedule(rand);
    g_autoptr(LoaProblems) problems = loa_problems_new();
    g_autoptr(LoaSchedule) schedule = parse_ok(text, problems);

    /* Every written date lies in [2026-10-31, 2027-03-11]; check the day
     * before the first one on, as the check does, to well after the last. */
    guint32 first_day = G_MAXUINT32;
    for (guint i = 0; i < schedule->events->len; i++) {
      const LoaEvent *event = g_ptr_array_index(schedule->events, i);
      LoaDate date;
      if (event->repeat == LOA_REPEAT_ONCE)
        loa_utc_to_date(schedule->tz, event->at_ns, &date);
      else if (event->has_from)
        date = event->from;
      else if (event->has_until)
        date = event->until;
      else
        continue;
      first_day = MIN(first_day, loa_date_ordinal(&date));
    }
    LoaDate start_date;
    loa_date_from_ordinal(first_day - 1, &start_date);
    gint64 start_ns = 0;
    g_assert_true(loa_civil_to_utc(schedule->tz, &start_date, 0, &start_ns, NULL));
    /* The check looks from now on: now is the day before the first written date. */
    (void)loa_schedule_check(schedule, lookup, NULL, start_ns, problems);
    g_autoptr(GHashTable) expected =
        brute_force_clashes(schedule, start_ns, civil("2027-04-01 00:00:00"));

    guint errors = 0;
    for (guint i = 0; i < problems->items->len; i++) {
      const LoaProblem *problem = g_ptr_array_index(problems->items, i);
      if (problem->warning)
        continue;
      errors++;
      guint later = 0;
      for (; later < schedule->events->len; later++)
        if (((LoaEvent *)g_ptr_array_index(schedule->events, later))->source_line == problem->line)
          break;
      /* "overlaps the event at REF on line 'LINE' (first at WHEN)..." */
      char earlier_ref[32], line[32], when[32];
      g_assert_cmpint(sscanf(problem->message,
                             "overlaps the event at %31s on line '%31[^']' (first at %31[^)])",
                             earlier_ref, line, when),
                      ==, 3);
      guint earlier = 0;
      for (; earlier < schedule->events->len; earlier++)
        if (strcmp(((LoaEvent *)g_ptr_array_index(schedule->events, earlier))->ref, earlier_ref) == 0)
          break;
      g_autofree char *key = g_strdup_printf("%u|%u", later, earlier);
      BruteClash *clash = g_hash_table_lookup(expected, key);
      if (clash == NULL)
        g_error("round %d: reported but not found by brute force: %s\n%s", round,
                problem->message, text);
      g_autofree char *full = loa_time_format_local(schedule->tz, clash->first_ns);
      g_autofree char *expected_when = g_strndup(full, 19);
      g_assert_cmpstr(when, ==, expected_when);
      g_assert_true(g_ptr_array_find_with_equal_func(clash->lines_at_first, line, g_str_equal, NULL));
    }
    if (errors != g_hash_table_size(expected)) {
      loa_problems_print(problems, stderr);
      g_error("round %d: %u overlaps reported, brute force finds %u\n%s", round, errors,
              g_hash_table_size(expected), text);
    }
    total += errors;
  }
  g_test_message("%u overlaps compared", total);
  g_assert_cmpuint(total, >, 100); /* the generator does produce clashes */
}

static gint64
occurrence_start(GArray *occurrences, guint i)
{
  return g_array_index(occurrences, LoaOccurrence, i).start_ns;
}

static void
test_expand_month_boundary(void)
{
  g_autoptr(LoaProblems) problems = loa_problems_new();
  g_autoptr(LoaSchedule) schedule =
      parse_ok("events = ( { time = \"17:30:00\"; from = \"2026-11-29\"; until = \"2026-12-02\";\n"
               "  lines = \"all\"; play = \"ATTT-T02\"; } );\n",
               problems);
  g_autoptr(GArray) all = loa_schedule_expand(schedule, civil("2026-11-01 00:00:00"),
                                              civil("2027-01-01 00:00:00"));
  g_assert_cmpuint(all->len, ==, 4);
  g_assert_cmpint(occurrence_start(all, 0), ==, NS(1795948200)); /* 2026-11-29 10:30 UTC */
  static const char *const expected[] = {
    "2026-11-29 17:30:00", "2026-11-30 17:30:00", "2026-12-01 17:30:00", "2026-12-02 17:30:00",
  };
  for (guint i = 0; i < all->len; i++) {
    g_assert_cmpint(occurrence_start(all, i), ==, civil(expected[i]));
    g_assert_true(g_array_index(all, LoaOccurrence, i).event ==
                  g_ptr_array_index(schedule->events, 0));
  }

  /* The window is [from, until): a start exactly at until is left out. */
  g_autoptr(GArray) window = loa_schedule_expand(schedule, civil("2026-11-30 17:30:00"),
                                                 civil("2026-12-01 17:30:00"));
  g_assert_cmpuint(window->len, ==, 1);
  g_assert_cmpint(occurrence_start(window, 0), ==, civil("2026-11-30 17:30:00"));

  g_autoptr(GArray) none = loa_schedule_expand(schedule, civil("2026-12-02 17:30:01"),
                                               civil("2027-12-01 00:00:00"));
  g_assert_cmpuint(none->len, ==, 0);
  g_autoptr(GArray) reversed = loa_schedule_expand(schedule, civil("2026-12-01 00:00:00"),
                                                   civil("2026-11-01 00:00:00"));
  g_assert_cmpuint(reversed->len, ==, 0);
}

static void
test_expand_order_and_all(void)
{
  g_autoptr(LoaProblems) problems = loa_problems_new();
  g_autoptr(LoaSchedule) schedule =
      parse_ok("events = (\n"
               "  { time = \"06:00:00\"; lines = \"cai-khe\"; play = \"ATTT-T01\"; },\n"
               "  { at = \"2026-11-28 05:00:00\"; lines = \"all\"; play = \"ATTT-T01\"; },\n"
               "  { at = \"2026-11-28 06:00:00\"; lines = \"an-hoa\"; play = \"ATTT-T01\"; },\n"
               "  { time = \"06:00:00\"; lines = \"an-hoa\"; play = \"ATTT-T01\"; }\n"
               ");\n",
               problems);
  g_autoptr(GArray) day = loa_schedule_expand(schedule, civil("2026-11-28 00:00:00"),
                                              civil("2026-11-29 00:00:00"));
  g_assert_cmpuint(day->len, ==, 4);
  const LoaEvent *events[4];
  for (guint i = 0; i < 4; i++)
    events[i] = g_array_index(day, LoaOccurrence, i).event;
  g_assert_cmpint(occurrence_start(day, 0), ==, civil("2026-11-28 05:00:00"));
  g_assert_true(events[0] == g_ptr_array_index(schedule->events, 1));
  g_assert_cmpuint(g_strv_length(events[0]->lines), ==, config->lines->len);
  /* Three at 06:00, in file order. */
  for (guint i = 1; i < 4; i++)
    g_assert_cmpint(occurrence_start(day, i), ==, civil("2026-11-28 06:00:00"));
  g_assert_true(events[1] == g_ptr_array_index(schedule->events, 0));
  g_assert_true(events[2] == g_ptr_array_index(schedule->events, 2));
  g_assert_true(events[3] == g_ptr_array_index(schedule->events, 3));
}

static void
test_expand_undated(void)
{
  g_autoptr(LoaProblems) problems = loa_problems_new();
  g_autoptr(LoaSchedule) schedule =
      parse_ok("events = ( { time = \"00:00:00\"; lines = \"all\"; play = \"ATTT-T01\"; } );\n",
               problems);
  g_autoptr(GArray) three = loa_schedule_expand(schedule, civil("2026-12-30 00:00:00"),
                                                civil("2027-01-02 00:00:00"));
  g_assert_cmpuint(three->len, ==, 3);
  g_assert_cmpint(occurrence_start(three, 2), ==, civil("2027-01-01 00:00:00"));
  g_assert_cmpint(occurrence_start(three, 1) - occurrence_start(three, 0), ==, NS(86400));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  temp_dir = test_util_make_dir("loa-test-schedule-XXXXXX");
  g_autofree char *config_path = test_util_write(temp_dir, "loa.cfg", station_config);
  g_autoptr(GError) error = NULL;
  config = loa_config_load(config_path, &error);
  g_assert_no_error(error);

  g_test_add_func("/schedules/parse/example", test_parse_example);
  g_test_add_func("/schedules/parse/single-strings", test_parse_single_strings);
  g_test_add_func("/schedules/parse/many-errors", test_parse_many_errors);
  g_test_add_func("/schedules/parse/counts-and-print", test_parse_counts_and_print);
  g_test_add_func("/schedules/parse/syntax-error", test_parse_syntax_error);
  g_test_add_func("/schedules/parse/structure", test_parse_structure);
  g_test_add_func("/schedules/parse/dates", test_parse_dates);
  g_test_add_func("/schedules/check/ok", test_check_ok);
  g_test_add_func("/schedules/check/spots", test_check_spots);
  g_test_add_func("/schedules/check/overlap-once-daily", test_check_overlap_once_daily);
  g_test_add_func("/schedules/check/overlap-reported-once", test_check_overlap_reported_once);
  g_test_add_func("/schedules/check/different-lines", test_check_different_lines);
  g_test_add_func("/schedules/check/back-to-back", test_check_back_to_back);
  g_test_add_func("/schedules/check/across-midnight", test_check_across_midnight);
  g_test_add_func("/schedules/check/far-apart", test_check_far_apart);
  g_test_add_func("/schedules/check/open-range", test_check_open_range);
  g_test_add_func("/schedules/check/longer-than-a-day", test_check_longer_than_a_day);
  g_test_add_func("/schedules/check/past", test_check_past);
  g_test_add_func("/schedules/check/matches-brute-force", test_check_matches_brute_force);
  g_test_add_func("/schedules/expand/month-boundary", test_expand_month_boundary);
  g_test_add_func("/schedules/expand/order-and-all", test_expand_order_and_all);
  g_test_add_func("/schedules/expand/undated", test_expand_undated);
  int result = g_test_run();

  loa_config_free(config);
  test_util_remove_tree(temp_dir);
  g_free(temp_dir);
  return result;
}
