/* `loa log`: the as-run log as a table, JSON or CSV. */
#include "commands.h"

#include "airlog.h"
#include "chain.h"
#include "i18n.h"
#include "loa-time.h"
#include "table.h"

#include <inttypes.h>
#include <stdio.h>

enum {
  COL_ID, COL_LINE, COL_SPOT, COL_TITLE, COL_CATEGORY, COL_TOPIC, COL_PRIORITY,
  COL_SCHEDULED, COL_STARTED, COL_ENDED, COL_DURATION, COL_SAMPLES, COL_STATUS, COL_REASON,
  COL_SHA256, COL_EVENT, COL_GAIN, COL_SWITCHES, COL_MONITOR, COL_MONITOR_LUFS,
};

static LoaTable *
make_table(void)
{
  LoaTable *table = loa_table_new();
  loa_table_add_column(table, "id", _("#"), LOA_COLUMN_NUMBER);
  loa_table_add_column(table, "line", _("Line"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "spot", _("Spot"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "title", _("Title"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "category", _("Category"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "topic", _("Topic"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "priority", _("Priority"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "scheduled_at", _("Scheduled"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "started_at", _("Started"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "ended_at", _("Ended"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "duration", _("Duration"), LOA_COLUMN_NUMBER);
  loa_table_add_column(table, "samples", _("Samples"), LOA_COLUMN_NUMBER);
  loa_table_add_column(table, "status", _("Status"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "reason", _("Reason"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "spot_sha256", _("SHA-256"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "event", _("Event"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "gain_db", _("Gain dB"), LOA_COLUMN_NUMBER);
  loa_table_add_column(table, "switches", _("Switch"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "monitor", _("Monitor"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "monitor_lufs", _("Monitor LUFS"), LOA_COLUMN_NUMBER);
  return table;
}

/* The human table leaves out what does not fit a terminal. */
static void
hide_wide_columns(LoaTable *table)
{
  static const guint wide[] = { COL_TOPIC, COL_PRIORITY, COL_SAMPLES, COL_SHA256, COL_EVENT,
                                COL_GAIN, COL_SWITCHES, COL_MONITOR_LUFS };
  for (size_t i = 0; i < G_N_ELEMENTS(wide); i++)
    loa_table_hide_in_table(table, wide[i]);
}

/* `loa log verify`: walks the whole hash chain. */
static int
log_verify(LoaContext *ctx, int argc, char **argv)
{
  int exit_code;
  if (!loa_command_parse(argv[0], NULL,
                         _("Recompute the hash chain of the whole as-run log.\n\nExit status: "
                           "0 the chain holds (prints the row count and the chain head), 1 a row "
                           "is bad (names the first one)."),
                         NULL, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 1) {
    loa_command_error(_("unexpected argument '%s'"), argv[1]);
    return LOA_EXIT_USAGE;
  }
  g_autoptr(GError) error = NULL;
  g_auto(LoaChainReport) report = { 0 };
  if (!loa_chain_verify(ctx->db, &report, &error)) {
    loa_command_error("%s", error->message);
    return LOA_EXIT_PROBLEM;
  }
  if (report.problem != NULL) {
    if (report.bad_seq > 0)
      printf(_("as-run log BROKEN at row %" PRId64 " (chain position %" PRId64
               "): %s\n%" PRId64 " rows before it verified\n"),
             report.bad_id, report.bad_seq, report.problem, report.rows);
    else
      printf(_("as-run log BROKEN at row %" PRId64 ": %s\n"), report.bad_id,
             report.problem);
    return loa_command_finish_output(LOA_EXIT_PROBLEM);
  }
  printf(_("as-run log verified: %" PRId64 " rows, chain head %s\n"), report.rows,
         report.head);
  return loa_command_finish_output(LOA_EXIT_OK);
}

int
loa_cmd_log(LoaContext *ctx, int argc, char **argv)
{
  if (argc >= 2 && (g_strcmp0(argv[1], "verify") == 0 || g_strcmp0(argv[1], "export") == 0)) {
    g_autofree char *name = g_strdup_printf("%s %s", argv[0], argv[1]);
    gboolean verify = g_strcmp0(argv[1], "verify") == 0;
    argv[1] = name;
    return verify ? log_verify(ctx, argc - 1, argv + 1)
                  : loa_cmd_log_export(ctx, argc - 1, argv + 1);
  }

  g_autofree char *format_text = NULL, *from_text = NULL, *until_text = NULL, *line = NULL;
  const GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_text, N_("table (default), json or csv"),
      N_("FORMAT") },
    { "from", 0, 0, G_OPTION_ARG_STRING, &from_text,
      N_("only airings scheduled at or after TIME (YYYY-MM-DD[ HH:MM:SS], station time)"),
      N_("TIME") },
    { "until", 0, 0, G_OPTION_ARG_STRING, &until_text,
      N_("only airings scheduled before TIME"), N_("TIME") },
    { "line", 0, 0, G_OPTION_ARG_STRING, &line, N_("only this line"), N_("LINE") },
    { NULL },
  };
  int exit_code;
  if (!loa_command_parse(argv[0], _("[verify | export]"),
                         _("Show the as-run log: what aired, when, and how it ended.\n\n"
                           "'loa log verify' recomputes its hash chain; 'loa log export' "
                           "writes a signed bundle for the city."),
                         entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 1) {
    loa_command_error(_("unexpected argument '%s'"), argv[1]);
    return LOA_EXIT_USAGE;
  }

  g_autoptr(GError) error = NULL;
  LoaTableFormat format = LOA_TABLE_FORMAT_TABLE;
  LoaAirlogFilter filter = { .line = line };
  GTimeZone *tz = ctx->config->timezone;
  if ((format_text != NULL && !loa_table_format_parse(format_text, &format, &error)) ||
      (from_text != NULL && !loa_time_parse_user(tz, from_text, &filter.from, &error)) ||
      (until_text != NULL && !loa_time_parse_user(tz, until_text, &filter.until, &error))) {
    loa_command_error("%s", error->message);
    return LOA_EXIT_USAGE;
  }
  if (line != NULL && loa_config_find_line(ctx->config, line) == NULL)
    g_printerr(_("loa: note: '%s' is not a line of this station's configuration\n"), line);

  g_autoptr(GPtrArray) rows = loa_airlog_query(ctx->db, &filter, &error);
  if (rows == NULL) {
    loa_command_error("%s", error->message);
    return LOA_EXIT_PROBLEM;
  }

  g_autoptr(LoaTable) table = make_table();
  for (guint i = 0; i < rows->len; i++) {
    const LoaAiring *a = rows->pdata[i];
    gboolean human = format == LOA_TABLE_FORMAT_TABLE;
    char *(*format_time)(GTimeZone *, gint64) = human ? loa_time_format_local : loa_time_format_iso;
    loa_table_add_row(table);
    loa_table_take(table, COL_ID, g_strdup_printf("%" PRId64, a->id));
    loa_table_set(table, COL_LINE, a->line);
    loa_table_set(table, COL_SPOT, a->spot_id);
    loa_table_set(table, COL_TITLE, a->title);
    loa_table_set(table, COL_CATEGORY, a->category);
    loa_table_set(table, COL_TOPIC, a->topic);
    loa_table_set(table, COL_PRIORITY, a->priority);
    loa_table_take(table, COL_SCHEDULED, format_time(tz, a->scheduled_at));
    if (a->started_at != 0)
      loa_table_take(table, COL_STARTED, format_time(tz, a->started_at));
    if (a->ended_at != 0) {
      loa_table_take(table, COL_ENDED, format_time(tz, a->ended_at));
      loa_table_take(table, COL_DURATION,
                     g_strdup_printf("%.3f", (double)(a->ended_at - a->started_at) / 1e9));
    }
    loa_table_take(table, COL_SAMPLES, g_strdup_printf("%" PRId64, a->samples));
    loa_table_set(table, COL_STATUS, a->status);
    loa_table_set(table, COL_REASON, a->reason);
    loa_table_set(table, COL_SHA256, a->spot_sha256);
    loa_table_set(table, COL_EVENT, a->event_ref);
    if (a->gain_known)
      loa_table_take(table, COL_GAIN, g_strdup_printf("%.2f", a->gain_db));
    loa_table_set(table, COL_SWITCHES, a->switches);
    loa_table_set(table, COL_MONITOR, a->monitor);
    if (a->monitor_lufs_known)
      loa_table_take(table, COL_MONITOR_LUFS, g_strdup_printf("%.2f", a->monitor_lufs));
  }
  hide_wide_columns(table);
  if (!loa_table_print(table, format, stdout))
    return loa_command_finish_output(LOA_EXIT_PROBLEM);
  return loa_command_finish_output(LOA_EXIT_OK);
}
