/* `loa schedule`: check a schedule file against the station's lines and the
 * spot catalog, load it as the active schedule, show the active one. A file
 * with errors is never loaded; the previous schedule stays active. */
#include "commands.h"

#include "i18n.h"
#include "loa-time.h"
#include "schedule-import.h"
#include "schedule-store.h"
#include "schedule.h"
#include "spot.h"
#include "table.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
facts_date(const char *text, gboolean *has, LoaDate *date)
{
  *has = text != NULL && loa_date_parse(text, date, NULL);
}

gboolean
loa_cmd_schedule_lookup(const char *spot_id, LoaSpotFacts *facts, gpointer user_data)
{
  LoaScheduleLookup *lookup = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaSpot) spot = loa_spot_get(lookup->db, spot_id, &error);

  if (spot == NULL) {
    if (g_error_matches(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_FOUND)) {
      facts->problem = g_strdup_printf(_("unknown spot '%s'"), spot_id);
    } else {
      facts->problem = g_strdup_printf(_("spot '%s' could not be looked up"), spot_id);
      if (lookup->failure == NULL)
        lookup->failure = g_steal_pointer(&error);
    }
    return FALSE;
  }
  facts->status = g_strdup(spot->status);
  facts_date(spot->valid_from, &facts->has_valid_from, &facts->valid_from);
  facts_date(spot->valid_until, &facts->has_valid_until, &facts->valid_until);
  gint64 cue_out = spot->cue_out_ns > 0 ? spot->cue_out_ns : spot->duration_ns;
  facts->duration_ns = MAX(cue_out - spot->cue_in_ns, 0);
  facts->topic = g_strdup(spot->topic);
  facts->category = g_strdup(spot->category);
  return TRUE;
}

/* What reading and checking one file gave. */
typedef struct {
  char *content;           /* the file's text */
  LoaSchedule *schedule;   /* NULL if the file has errors */
  LoaProblems *problems;
  guint n_events;          /* entries in the file, counted even when it has errors */
} Checked;

static void
checked_clear(Checked *checked)
{
  g_free(checked->content);
  loa_schedule_free(checked->schedule);
  loa_problems_free(checked->problems);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Checked, checked_clear)

/* Reads, parses and checks path. Returns LOA_EXIT_OK with checked filled
 * (problems may include errors), or an exit code after printing why the file
 * could not be checked at all. */
static int
read_and_check(LoaContext *ctx, const char *path, Checked *checked)
{
  g_autoptr(GError) error = NULL;
  gsize length = 0;

  if (!g_file_get_contents(path, &checked->content, &length, &error)) {
    loa_command_error(_("%s: cannot read the schedule: %s"), path, error->message);
    return LOA_EXIT_USAGE;
  }
  if (memchr(checked->content, '\0', length) != NULL) {
    loa_command_error(_("%s: not a schedule: the file contains NUL bytes"), path);
    return LOA_EXIT_USAGE;
  }
  checked->problems = loa_problems_new();
  checked->schedule = loa_schedule_parse(path, checked->content, ctx->config, checked->problems);
  if (checked->schedule == NULL)
    return LOA_EXIT_OK;

  checked->n_events = checked->schedule->events->len;
  LoaScheduleLookup lookup = { ctx->db, NULL };
  (void)loa_schedule_check(checked->schedule, loa_cmd_schedule_lookup, &lookup,
                           loa_time_now_wall_ns(),
                           checked->problems);
  if (lookup.failure != NULL) {
    loa_command_error(_("%s: cannot check the spots: %s"), path, lookup.failure->message);
    g_error_free(lookup.failure);
    return LOA_EXIT_PROBLEM;
  }
  return LOA_EXIT_OK;
}

/* "FILE: 3 events, OK" / "FILE: 2 errors, 1 warning". */
static char *
summary(const char *path, const Checked *checked)
{
  const LoaProblems *problems = checked->problems;
  g_autofree char *events =
      g_strdup_printf(dngettext(LOA_GETTEXT_PACKAGE, "%u event", "%u events", checked->n_events),
                      checked->n_events);
  if (problems->errors == 0 && problems->warnings == 0)
    return g_strdup_printf(_("%s: %s, OK"), path, events);
  g_autofree char *errors = g_strdup_printf(
      dngettext(LOA_GETTEXT_PACKAGE, "%u error", "%u errors", problems->errors), problems->errors);
  g_autofree char *warnings =
      g_strdup_printf(dngettext(LOA_GETTEXT_PACKAGE, "%u warning", "%u warnings",
                                problems->warnings),
                      problems->warnings);
  if (checked->schedule == NULL)
    return g_strdup_printf(_("%s: %s, %s"), path, errors, warnings);
  return g_strdup_printf(_("%s: %s, %s, %s"), path, events, errors, warnings);
}

static gboolean
one_file_argument(const char *command, int argc, char **argv)
{
  if (argc == 2)
    return TRUE;
  loa_command_error(_("%s: expects one FILE (see 'loa %s --help')"), command, command);
  return FALSE;
}

static int
schedule_check(LoaContext *ctx, int argc, char **argv)
{
  int exit_code = LOA_EXIT_OK;
  const char *command = argv[0];
  if (!loa_command_parse(command, _("FILE"),
                         _("Check a schedule file against the station's lines and the spot "
                           "catalog, without loading it.\n\nExit status: 0 no errors (warnings "
                           "may be printed), 2 the file has errors."),
                         NULL, &argc, &argv, &exit_code))
    return exit_code;
  if (!one_file_argument(command, argc, argv))
    return LOA_EXIT_USAGE;

  const char *path = argv[1];
  g_auto(Checked) checked = { 0 };
  exit_code = read_and_check(ctx, path, &checked);
  if (exit_code != LOA_EXIT_OK)
    return exit_code;
  loa_problems_print(checked.problems, stdout);
  g_autofree char *line = summary(path, &checked);
  printf("%s\n", line);
  return loa_command_finish_output(checked.problems->errors > 0 ? LOA_EXIT_USAGE : LOA_EXIT_OK);
}

static int
schedule_load(LoaContext *ctx, int argc, char **argv)
{
  int exit_code = LOA_EXIT_OK;
  const char *command = argv[0];
  if (!loa_command_parse(command, _("FILE"),
                         _("Check a schedule file and, if it has no errors, make it the active "
                           "schedule. A running daemon picks it up within seconds; the previous "
                           "schedule stays in the history."),
                         NULL, &argc, &argv, &exit_code))
    return exit_code;
  if (!one_file_argument(command, argc, argv))
    return LOA_EXIT_USAGE;

  const char *path = argv[1];
  g_auto(Checked) checked = { 0 };
  exit_code = read_and_check(ctx, path, &checked);
  if (exit_code != LOA_EXIT_OK)
    return exit_code;
  loa_problems_print(checked.problems, stderr);
  if (checked.problems->errors > 0) {
    g_autofree char *line = summary(path, &checked);
    fprintf(stderr, _("%s; not loaded, the active schedule is unchanged\n"), line);
    return LOA_EXIT_USAGE;
  }

  g_autoptr(GError) error = NULL;
  g_autofree char *absolute = g_canonicalize_filename(path, NULL);
  gint64 id = loa_schedule_store_load(ctx->db, absolute, checked.schedule->name, checked.content,
                                      g_get_user_name(), &error);
  if (id == 0) {
    loa_command_error(_("%s: not loaded: %s"), path, error->message);
    return LOA_EXIT_PROBLEM;
  }
  g_autofree char *sha256 = g_compute_checksum_for_string(G_CHECKSUM_SHA256, checked.content, -1);
  g_autofree char *events =
      g_strdup_printf(dngettext(LOA_GETTEXT_PACKAGE, "%u event", "%u events", checked.n_events),
                      checked.n_events);
  g_autofree char *number = g_strdup_printf("%" PRId64, id);
  printf(_("Loaded %s as schedule #%s (%s, sha256 %s)\n"), path, number, events, sha256);
  return loa_command_finish_output(LOA_EXIT_OK);
}

enum { COL_REF, COL_KIND, COL_TIME, COL_FROM, COL_UNTIL, COL_LINES, COL_SPOTS, COL_PRIORITY };

static char *
format_date(const LoaDate *date)
{
  return g_strdup_printf("%04d-%02d-%02d", date->year, date->month, date->day);
}

/* "once", "daily", "mon,thu", "every 3 days", "monthly 1,15,last",
 * "monthly first mon", "rrule FREQ=...". Newly allocated. */
static char *
describe_repeat(const LoaEvent *event)
{
  static const char *const days[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
  static const char *const positions[] = { "last", "first", "second", "third", "fourth", "fifth" };
  GString *text = g_string_new(NULL);
  GString *weekdays = g_string_new(NULL);
  for (guint d = 0; d < 7; d++)
    if (event->weekdays & (1u << d))
      g_string_append_printf(weekdays, "%s%s", weekdays->len > 0 ? "," : "", days[d]);
  switch (event->repeat) {
  case LOA_REPEAT_ONCE:
    g_string_append(text, "once");
    break;
  case LOA_REPEAT_DAILY:
    g_string_append(text, "daily");
    break;
  case LOA_REPEAT_WEEKLY:
    g_string_append(text, weekdays->str);
    break;
  case LOA_REPEAT_EVERY_DAYS:
    g_string_append_printf(text, "every %u days", event->interval);
    break;
  case LOA_REPEAT_EVERY_WEEKS:
    g_string_append_printf(text, "every %u weeks %s", event->interval, weekdays->str);
    break;
  case LOA_REPEAT_MONTH_DAYS:
    g_string_append(text, "monthly ");
    for (guint d = 1; d <= 31; d++)
      if (event->month_days & (1u << d))
        g_string_append_printf(text, "%u,", d);
    if (event->month_days & 1u)
      g_string_append(text, "last,");
    g_string_truncate(text, text->len - 1);
    break;
  case LOA_REPEAT_MONTH_WEEKDAY:
    g_string_append_printf(text, "monthly %s %s",
                           positions[event->month_week > 0 ? event->month_week : 0], weekdays->str);
    break;
  case LOA_REPEAT_RRULE:
  default:
    g_string_append_printf(text, "rrule %s", event->rrule);
    break;
  }
  g_string_free(weekdays, TRUE);
  return g_string_free(text, FALSE);
}

static LoaTable *
events_table(const LoaSchedule *schedule)
{
  LoaTable *table = loa_table_new();
  loa_table_add_column(table, "ref", _("EVENT"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "kind", _("KIND"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "time", _("TIME"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "from", _("FROM"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "until", _("UNTIL"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "lines", _("LINES"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "spots", _("SPOTS"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "priority", _("PRIORITY"), LOA_COLUMN_TEXT);

  for (guint i = 0; i < schedule->events->len; i++) {
    const LoaEvent *event = g_ptr_array_index(schedule->events, i);
    loa_table_add_row(table);
    loa_table_set(table, COL_REF, event->ref);
    loa_table_take(table, COL_KIND, describe_repeat(event));
    if (event->repeat == LOA_REPEAT_ONCE) {
      g_autofree char *local = loa_time_format_local(schedule->tz, event->at_ns);
      loa_table_take(table, COL_TIME, g_strndup(local, 19)); /* to the second */
    } else {
      GString *times = g_string_new(NULL);
      for (guint t = 0; t < event->n_times; t++)
        g_string_append_printf(times, "%s%02d:%02d:%02d", t > 0 ? ", " : "",
                               event->times[t] / 3600, event->times[t] / 60 % 60,
                               event->times[t] % 60);
      loa_table_take(table, COL_TIME, g_string_free(times, FALSE));
    }
    if (event->has_from)
      loa_table_take(table, COL_FROM, format_date(&event->from));
    if (event->has_until)
      loa_table_take(table, COL_UNTIL, format_date(&event->until));
    loa_table_take(table, COL_LINES, g_strjoinv(", ", event->lines));
    GString *spots = g_string_new(NULL);
    for (guint c = 0; c < event->choices->len; c++) {
      g_autofree char *choice = g_strjoinv(" + ", g_ptr_array_index(event->choices, c));
      g_string_append_printf(spots, "%s%s", c > 0 ? " | " : "", choice);
    }
    loa_table_take(table, COL_SPOTS, g_string_free(spots, FALSE));
    loa_table_set(table, COL_PRIORITY, loa_priority_name(event->priority));
  }
  return table;
}

/* The events table printed as JSON, as a string to embed. */
static char *
events_json(const LoaTable *table)
{
  char *text = NULL;
  size_t size = 0;
  FILE *memory = open_memstream(&text, &size);
  if (memory == NULL)
    return NULL;
  gboolean ok = loa_table_print(table, LOA_TABLE_FORMAT_JSON, memory);
  if (fclose(memory) != 0)
    ok = FALSE;
  if (!ok) {
    free(text);
    return NULL;
  }
  g_autofree char *copy = g_strdup(text);
  free(text);
  return g_strchomp(g_steal_pointer(&copy));
}

static void
json_member(GString *out, const char *key, const char *value)
{
  g_string_append(out, ",\n  ");
  loa_json_append_string(out, key);
  g_string_append(out, ": ");
  loa_json_append_string(out, value);
}

static gboolean
print_json(const LoaStoredSchedule *stored, GTimeZone *tz, const LoaTable *events)
{
  g_autofree char *loaded_at = loa_time_format_iso(tz, stored->loaded_at);
  g_autofree char *array = events_json(events);
  if (array == NULL)
    return FALSE;
  g_autoptr(GString) out = g_string_new(NULL);
  g_string_append_printf(out, "{\n  \"id\": %" PRId64, stored->id);
  json_member(out, "name", stored->name);
  json_member(out, "source_path", stored->source_path);
  json_member(out, "sha256", stored->sha256);
  json_member(out, "loaded_by", stored->loaded_by);
  json_member(out, "loaded_at", loaded_at);
  g_string_append(out, ",\n  \"events\": ");
  /* Indent the embedded array one level. */
  g_auto(GStrv) rows = g_strsplit(array, "\n", -1);
  g_autofree char *joined = g_strjoinv("\n  ", rows);
  g_string_append(out, joined);
  g_string_append(out, "\n}\n");
  return fwrite(out->str, 1, out->len, stdout) == out->len;
}

static int
schedule_show(LoaContext *ctx, int argc, char **argv)
{
  int exit_code = LOA_EXIT_OK;
  const char *command = argv[0];
  g_autofree char *format_text = NULL;
  const GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_text,
      N_("output format: table (default), json or csv"), N_("FORMAT") },
    { NULL },
  };
  if (!loa_command_parse(command, NULL,
                         _("Show the active schedule: when and by whom it was loaded, and its "
                           "events."),
                         entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 1) {
    loa_command_error(_("%s: takes no arguments (see 'loa %s --help')"), command, command);
    return LOA_EXIT_USAGE;
  }
  LoaTableFormat format = LOA_TABLE_FORMAT_TABLE;
  g_autoptr(GError) error = NULL;
  if (format_text != NULL && !loa_table_format_parse(format_text, &format, &error)) {
    loa_command_error("%s: %s", command, error->message);
    return LOA_EXIT_USAGE;
  }

  g_autoptr(LoaStoredSchedule) stored = loa_schedule_store_active(ctx->db, &error);
  if (stored == NULL) {
    if (error != NULL) {
      loa_command_error("%s", error->message);
      return LOA_EXIT_PROBLEM;
    }
    loa_command_error(_("no schedule loaded (load one with 'loa schedule load FILE')"));
    return LOA_EXIT_PROBLEM;
  }

  g_autofree char *number = g_strdup_printf("%" PRId64, stored->id);
  /* Parsed against today's configuration and under its source path, as the
   * daemon does, so the event refs shown are the ones the as-run log gets. */
  g_autoptr(LoaProblems) problems = loa_problems_new();
  g_autoptr(LoaSchedule) schedule =
      loa_schedule_parse(stored->source_path, stored->content, ctx->config, problems);
  if (schedule == NULL) {
    loa_problems_print(problems, stderr);
    loa_command_error(_("schedule #%s (%s) no longer fits the station's configuration %s; "
                        "fix it and load it again"),
                      number, stored->source_path, ctx->config->path);
    return LOA_EXIT_PROBLEM;
  }
  g_autoptr(LoaTable) events = events_table(schedule);

  gboolean written;
  switch (format) {
  case LOA_TABLE_FORMAT_JSON:
    written = print_json(stored, ctx->config->timezone, events);
    break;
  case LOA_TABLE_FORMAT_CSV:
    written = loa_table_print(events, LOA_TABLE_FORMAT_CSV, stdout);
    break;
  case LOA_TABLE_FORMAT_TABLE:
  default: {
    g_autofree char *loaded_at = loa_time_format_local(ctx->config->timezone, stored->loaded_at);
    if (stored->name[0] != '\0')
      printf(_("Schedule #%s: %s\n"), number, stored->name);
    else
      printf(_("Schedule #%s\n"), number);
    printf(_("  file:    %s\n"), stored->source_path);
    printf(_("  sha256:  %s\n"), stored->sha256);
    printf(_("  loaded:  %s by %s\n\n"), loaded_at, stored->loaded_by);
    written = loa_table_print(events, LOA_TABLE_FORMAT_TABLE, stdout);
    break;
  }
  }
  return loa_command_finish_output(written ? LOA_EXIT_OK : LOA_EXIT_PROBLEM);
}

static int
schedule_import(LoaContext *ctx, int argc, char **argv)
{
  int exit_code = LOA_EXIT_OK;
  const char *command = argv[0];
  g_autofree char *output = NULL;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("write the schedule to FILE (replaced whole, never half-written) instead of stdout"),
      N_("FILE") },
    { NULL },
  };
  if (!loa_command_parse(command, _("FILE.csv"),
                         _("Turn a spreadsheet (CSV with a header: date,time,lines,spots and "
                           "optionally priority,name,id,start,max_length; UTF-8 with or without "
                           "BOM; ',' or ';') into a schedule file, one event per row. Bad rows "
                           "are reported with their row number and nothing is written.\n\nCheck "
                           "the result with 'loa schedule check'."),
                         entries, &argc, &argv, &exit_code))
    return exit_code;
  if (!one_file_argument(command, argc, argv))
    return LOA_EXIT_USAGE;

  const char *path = argv[1];
  g_autofree char *content = NULL;
  gsize length = 0;
  g_autoptr(GError) error = NULL;
  if (!g_file_get_contents(path, &content, &length, &error)) {
    loa_command_error(_("%s: cannot read the spreadsheet: %s"), path, error->message);
    return LOA_EXIT_USAGE;
  }
  if (memchr(content, '\0', length) != NULL) {
    loa_command_error(_("%s: not a CSV file: it contains NUL bytes"), path);
    return LOA_EXIT_USAGE;
  }
  g_autoptr(LoaProblems) problems = loa_problems_new();
  g_autofree char *schedule = loa_schedule_import_csv(path, content, ctx->config, problems);
  loa_problems_print(problems, stderr);
  if (schedule == NULL) {
    loa_command_error(_("%s: not imported (%u errors)"), path, problems->errors);
    return LOA_EXIT_USAGE;
  }
  if (output == NULL) {
    fputs(schedule, stdout);
    return loa_command_finish_output(LOA_EXIT_OK);
  }
  if (!g_file_set_contents(output, schedule, -1, &error)) {
    loa_command_error(_("%s: cannot write: %s"), output, error->message);
    return LOA_EXIT_PROBLEM;
  }
  printf(_("Wrote %s\n"), output);
  return loa_command_finish_output(LOA_EXIT_OK);
}

static const LoaSubcommand subcommands[] = {
  { "check", schedule_check, N_("check a schedule file without loading it") },
  { "load", schedule_load, N_("check a schedule file and make it the active schedule") },
  { "show", schedule_show, N_("show the active schedule") },
  { "import", schedule_import, N_("turn a spreadsheet (CSV) into a schedule file") },
};

int
loa_cmd_schedule(LoaContext *ctx, int argc, char **argv)
{
  return loa_command_dispatch(ctx, "schedule", subcommands, G_N_ELEMENTS(subcommands), argc,
                              argv);
}
