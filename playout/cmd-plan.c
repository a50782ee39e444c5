/* `loa plan`: what the schedule will air — every concrete airing in a
 * period (time, line, spots after rotation, priority), or, with --quotas,
 * whether each line meets each quota in a month before the month starts.
 * The active schedule is planned unless --file names a schedule file to
 * look at before loading it. */
#include "commands.h"

#include "i18n.h"
#include "loa-time.h"
#include "plan.h"
#include "schedule-store.h"
#include "schedule.h"
#include "table.h"

#include <inttypes.h>
#include <string.h>

#define DEFAULT_DAYS 7
#define MAX_DAYS (10 * 366)

/* The schedule to plan: --file, or the active one. NULL after printing why. */
static LoaSchedule *
load_schedule(LoaContext *ctx, const char *file, int *exit_code)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *content = NULL;
  g_autofree char *source = NULL;
  if (file != NULL) {
    if (!g_file_get_contents(file, &content, NULL, &error)) {
      loa_command_error(_("%s: cannot read the schedule: %s"), file, error->message);
      *exit_code = LOA_EXIT_USAGE;
      return NULL;
    }
    source = g_strdup(file);
  } else {
    g_autoptr(LoaStoredSchedule) stored = loa_schedule_store_active(ctx->db, &error);
    if (stored == NULL) {
      if (error != NULL)
        loa_command_error("%s", error->message);
      else
        loa_command_error(_("no schedule loaded (load one with 'loa schedule load FILE', or "
                            "plan a file with --file)"));
      *exit_code = LOA_EXIT_PROBLEM;
      return NULL;
    }
    content = g_steal_pointer(&stored->content);
    source = g_steal_pointer(&stored->source_path);
  }
  g_autoptr(LoaProblems) problems = loa_problems_new();
  LoaSchedule *schedule = loa_schedule_parse(source, content, ctx->config, problems);
  if (schedule == NULL) {
    loa_problems_print(problems, stderr);
    loa_command_error(_("%s: the schedule has errors (see 'loa schedule check')"), source);
    *exit_code = file != NULL ? LOA_EXIT_USAGE : LOA_EXIT_PROBLEM;
  }
  return schedule;
}

/* Midnight starting date in tz, as UTC ns. */
static gint64
midnight(GTimeZone *tz, const LoaDate *date)
{
  gint64 ns = 0;
  if (!loa_civil_to_utc(tz, date, 0, &ns, NULL) && !loa_civil_to_utc(tz, date, 3600, &ns, NULL))
    ns = 0; /* no zone skips more than the first hour of a day */
  return ns;
}

enum { COL_TIME, COL_LINE, COL_SPOTS, COL_PRIORITY, COL_START, COL_CHOICE, COL_EVENT };

static LoaTable *
airings_table(const LoaSchedule *schedule, GArray *occurrences, const char *only_line)
{
  LoaTable *table = loa_table_new();
  loa_table_add_column(table, "time", _("TIME"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "line", _("LINE"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "spots", _("SPOTS"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "priority", _("PRIORITY"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "start", _("START"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "choice", _("CHOICE"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "event", _("EVENT"), LOA_COLUMN_TEXT);
  for (guint k = 0; k < occurrences->len; k++) {
    const LoaOccurrence *occurrence = &g_array_index(occurrences, LoaOccurrence, k);
    const LoaEvent *event = occurrence->event;
    g_autofree char *local = loa_time_format_local(schedule->tz, occurrence->start_ns);
    g_autofree char *spots = g_strjoinv(" + ", occurrence->spots);
    g_autofree char *choice = event->choices->len > 1
                                  ? g_strdup_printf("%u/%u", occurrence->choice + 1,
                                                    event->choices->len)
                                  : NULL;
    for (guint l = 0; occurrence->lines[l] != NULL; l++) {
      if (only_line != NULL && strcmp(only_line, occurrence->lines[l]) != 0)
        continue;
      loa_table_add_row(table);
      loa_table_take(table, COL_TIME, g_strndup(local, 19));
      loa_table_set(table, COL_LINE, occurrence->lines[l]);
      loa_table_set(table, COL_SPOTS, spots);
      loa_table_set(table, COL_PRIORITY, loa_priority_name(event->priority));
      loa_table_set(table, COL_START, event->start == LOA_START_HARD ? "hard" : "soft");
      if (choice != NULL)
        loa_table_set(table, COL_CHOICE, choice);
      loa_table_set(table, COL_EVENT, event->ref);
    }
  }
  return table;
}

enum { QCOL_LINE, QCOL_QUOTA, QCOL_PLANNED, QCOL_REQUIRED, QCOL_STATE, QCOL_SHORTFALL };

/* Prints the quota prediction; returns the exit code. */
static int
plan_quotas(LoaContext *ctx, const LoaSchedule *schedule, const char *month_text,
            const char *only_line, LoaTableFormat format)
{
  int year = 0, month = 0;
  char extra = 0;
  if (month_text == NULL || sscanf(month_text, "%4d-%2d%c", &year, &month, &extra) != 2 ||
      year < 1 || month < 1 || month > 12) {
    loa_command_error(_("plan --quotas needs --month YYYY-MM (e.g. 2026-11)"));
    return LOA_EXIT_USAGE;
  }
  LoaDate first = { year, month, 1 };
  LoaDate next = { month == 12 ? year + 1 : year, month == 12 ? 1 : month + 1, 1 };
  if (ctx->config->quotas->len == 0) {
    loa_command_error(_("no quotas configured (see 'quotas' in %s)"), ctx->config->path);
    return LOA_EXIT_USAGE;
  }

  LoaScheduleLookup lookup = { ctx->db, NULL };
  g_autoptr(GArray) predictions =
      loa_plan_quotas(schedule, ctx->config, midnight(schedule->tz, &first),
                      midnight(schedule->tz, &next), loa_cmd_schedule_lookup, &lookup);
  if (lookup.failure != NULL) {
    loa_command_error(_("cannot read the spot catalog: %s"), lookup.failure->message);
    g_error_free(lookup.failure);
    return LOA_EXIT_PROBLEM;
  }

  g_autoptr(LoaTable) table = loa_table_new();
  loa_table_add_column(table, "line", _("LINE"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "quota", _("QUOTA"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "planned", _("PLANNED"), LOA_COLUMN_NUMBER);
  loa_table_add_column(table, "required", _("REQUIRED"), LOA_COLUMN_NUMBER);
  loa_table_add_column(table, "state", _("STATE"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "shortfall", _("SHORTFALL"), LOA_COLUMN_NUMBER);
  g_autoptr(GString) shortfalls = g_string_new(NULL);
  guint missed = 0;
  for (guint i = 0; i < predictions->len; i++) {
    const LoaPlanQuota *entry = &g_array_index(predictions, LoaPlanQuota, i);
    if (only_line != NULL && strcmp(only_line, entry->line) != 0)
      continue;
    g_autofree char *quota = g_strdup_printf("%s/%s", entry->quota->topic, entry->quota->category);
    loa_table_add_row(table);
    loa_table_set(table, QCOL_LINE, entry->line);
    loa_table_set(table, QCOL_QUOTA, quota);
    loa_table_take(table, QCOL_PLANNED, g_strdup_printf("%" PRId64, entry->verdict.counted));
    loa_table_take(table, QCOL_REQUIRED,
                   g_strdup_printf("%" PRId64, entry->verdict.required));
    loa_table_set(table, QCOL_STATE, entry->verdict.state == LOA_QUOTA_MET ? "met" : "short");
    loa_table_take(table, QCOL_SHORTFALL,
                   g_strdup_printf("%" PRId64, entry->verdict.shortfall));
    if (entry->verdict.state != LOA_QUOTA_MET) {
      missed++;
      g_string_append_printf(shortfalls, _("line %s: %s %" PRId64 " of %" PRId64
                                           "\n"),
                             entry->line, quota, entry->verdict.counted, entry->verdict.required);
    }
  }
  gboolean written = loa_table_print(table, format, stdout);
  if (format == LOA_TABLE_FORMAT_TABLE) {
    if (missed == 0)
      printf(_("\n%04d-%02d: the schedule meets every quota on every line\n"), year, month);
    else
      printf(_("\n%04d-%02d: the schedule falls short:\n%s"), year, month, shortfalls->str);
  }
  int code = missed > 0 ? LOA_EXIT_PROBLEM : LOA_EXIT_OK;
  return loa_command_finish_output(written ? code : LOA_EXIT_PROBLEM);
}

int
loa_cmd_plan(LoaContext *ctx, int argc, char **argv)
{
  int exit_code = LOA_EXIT_OK;
  const char *command = argv[0];
  g_autofree char *from_text = NULL, *until_text = NULL, *line = NULL, *format_text = NULL;
  g_autofree char *file = NULL, *month = NULL;
  int days = 0;
  gboolean quotas = FALSE;
  const GOptionEntry entries[] = {
    { "from", 0, 0, G_OPTION_ARG_STRING, &from_text,
      N_("first instant: YYYY-MM-DD [HH:MM[:SS]] (default: now)"), N_("DATE") },
    { "until", 0, 0, G_OPTION_ARG_STRING, &until_text,
      N_("end (exclusive); a date alone means its midnight"), N_("DATE") },
    { "days", 0, 0, G_OPTION_ARG_INT, &days, N_("plan N days from --from (default: 7)"), N_("N") },
    { "line", 0, 0, G_OPTION_ARG_STRING, &line, N_("only this line"), N_("LINE") },
    { "file", 0, 0, G_OPTION_ARG_FILENAME, &file,
      N_("plan this schedule file instead of the loaded schedule"), N_("FILE") },
    { "quotas", 0, 0, G_OPTION_ARG_NONE, &quotas,
      N_("predict the quotas of --month instead of listing airings"), NULL },
    { "month", 0, 0, G_OPTION_ARG_STRING, &month, N_("the month for --quotas"), N_("YYYY-MM") },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_text,
      N_("output format: table (default), json or csv"), N_("FORMAT") },
    { NULL },
  };
  if (!loa_command_parse(command, NULL,
                         _("The concrete airings the schedule produces: time, line, spots after "
                           "rotation, priority, start mode, rotation choice. With --quotas "
                           "--month YYYY-MM: whether every line will meet every configured quota "
                           "that month, naming each shortfall.\n\nExit status: 0 ok, 1 a quota "
                           "falls short (with --quotas) or the database failed, 2 bad usage or a "
                           "schedule file with errors."),
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
  if (line != NULL && loa_config_find_line(ctx->config, line) == NULL) {
    loa_command_error(_("%s: unknown line '%s'"), command, line);
    return LOA_EXIT_USAGE;
  }
  if (until_text != NULL && days != 0) {
    loa_command_error(_("%s: give --until or --days, not both"), command);
    return LOA_EXIT_USAGE;
  }
  if (days < 0 || days > MAX_DAYS) {
    loa_command_error(_("%s: --days must be between 1 and %d"), command, MAX_DAYS);
    return LOA_EXIT_USAGE;
  }
  if (!quotas && month != NULL) {
    loa_command_error(_("%s: --month goes with --quotas"), command);
    return LOA_EXIT_USAGE;
  }

  GTimeZone *tz = ctx->config->timezone;
  gint64 from_ns = loa_time_now_wall_ns(), until_ns = 0;
  if (from_text != NULL && !loa_time_parse_user(tz, from_text, &from_ns, &error)) {
    loa_command_error("--from: %s", error->message);
    return LOA_EXIT_USAGE;
  }
  if (until_text != NULL) {
    if (!loa_time_parse_user(tz, until_text, &until_ns, &error)) {
      loa_command_error("--until: %s", error->message);
      return LOA_EXIT_USAGE;
    }
  } else {
    until_ns = from_ns + (gint64)(days > 0 ? days : DEFAULT_DAYS) * 86400 * LOA_NS_PER_SECOND;
  }
  if (until_ns <= from_ns) {
    loa_command_error(_("%s: --until must be after --from"), command);
    return LOA_EXIT_USAGE;
  }

  g_autoptr(LoaSchedule) schedule = load_schedule(ctx, file, &exit_code);
  if (schedule == NULL)
    return exit_code;
  if (quotas)
    return plan_quotas(ctx, schedule, month, line, format);

  g_autoptr(GArray) occurrences = loa_schedule_expand(schedule, from_ns, until_ns);
  g_autoptr(LoaTable) table = airings_table(schedule, occurrences, line);
  gboolean written = loa_table_print(table, format, stdout);
  return loa_command_finish_output(written ? LOA_EXIT_OK : LOA_EXIT_PROBLEM);
}
