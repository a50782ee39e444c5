/* `loa report`: the compliance report of a month or a year, as a table, CSV
 * (UTF-8 with a byte order mark, for Excel), JSON or one HTML page. */
#include "commands.h"

#include "i18n.h"
#include "loa-time.h"
#include "report-html.h"
#include "report.h"

#include <stdio.h>
#include <string.h>

typedef enum {
  FORMAT_TEXT,  /* one of LoaTableFormat */
  FORMAT_HTML,
} Format;

static gboolean
parse_format(const char *text, Format *format, LoaTableFormat *table_format, GError **error)
{
  *format = FORMAT_TEXT;
  *table_format = LOA_TABLE_FORMAT_TABLE;
  if (text == NULL)
    return TRUE;
  if (strcmp(text, "html") == 0) {
    *format = FORMAT_HTML;
    return TRUE;
  }
  if (strcmp(text, "table") == 0 || strcmp(text, "csv") == 0 || strcmp(text, "json") == 0)
    return loa_table_format_parse(text, table_format, error);
  g_set_error(error, LOA_TABLE_ERROR, 0, _("unknown format '%s' (use table, csv, json or html)"),
              text);
  return FALSE;
}

/* One line for the operator when the report went to a file. */
static char *
summary(const LoaReport *report)
{
  guint missed = loa_report_missed(report);
  GString *text = g_string_new(NULL);
  if (report->quotas->len == 0)
    g_string_append(text, _("no quotas configured"));
  else if (missed > 0)
    g_string_append_printf(text, g_dngettext(LOA_GETTEXT_PACKAGE, "quotas missed in %u period",
                                             "quotas missed in %u periods", missed),
                           missed);
  else if (report->worst == LOA_QUOTA_IN_PROGRESS)
    g_string_append(text, _("no quota missed so far"));
  else
    g_string_append(text, _("every quota met"));
  if (report->log_checked && report->log.problem != NULL)
    g_string_append(text, _("; the as-run log DOES NOT VERIFY"));
  return g_string_free(text, FALSE);
}

int
loa_cmd_report(LoaContext *ctx, int argc, char **argv)
{
  g_autofree char *month_text = NULL, *year_text = NULL, *format_text = NULL, *to = NULL;
  gboolean no_verify = FALSE, verify_all = FALSE;
  const GOptionEntry entries[] = {
    { "month", 0, 0, G_OPTION_ARG_STRING, &month_text, N_("the month to report"), N_("YYYY-MM") },
    { "year", 0, 0, G_OPTION_ARG_STRING, &year_text, N_("the year to report"), N_("YYYY") },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_text,
      N_("table (default), csv (UTF-8 with BOM, for Excel), json or html (one page, printable "
         "on A4)"),
      N_("FORMAT") },
    { "to", 0, 0, G_OPTION_ARG_FILENAME, &to, N_("write the report to FILE instead of the output"),
      N_("FILE") },
    { "no-verify", 0, 0, G_OPTION_ARG_NONE, &no_verify,
      N_("do not walk the as-run log's hash chain (the report then says the log was not "
         "verified)"),
      NULL },
    { "verify-all", 0, 0, G_OPTION_ARG_NONE, &verify_all,
      N_("walk the whole hash chain from its first row, not only from the period's first row "
         "to the head"),
      NULL },
    { NULL },
  };
  int exit_code;
  if (!loa_command_parse(
        argv[0], NULL,
        _("Compliance report of one month or year of the as-run log: per line and for the "
          "station, airings by category and topic, airtime, how airings ended, and each "
          "configured quota met or missed with its shortfall. An airing counts toward a quota "
          "only if it completed on its line; a quota applies on every line.\n\n"
          "Exit status: 0 no quota missed (periods not over yet may still be in progress) and "
          "the log verifies; 1 a quota was missed, the log does not verify, or the report "
          "could not be made; 2 bad usage."),
        entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 1) {
    loa_command_error(_("unexpected argument '%s'"), argv[1]);
    return LOA_EXIT_USAGE;
  }
  if ((month_text == NULL) == (year_text == NULL)) {
    loa_command_error(_("report: give either --month YYYY-MM or --year YYYY (see 'loa report --help')"));
    return LOA_EXIT_USAGE;
  }

  g_autoptr(GError) error = NULL;
  LoaReportPeriod period;
  Format format;
  LoaTableFormat table_format;
  if (!(month_text != NULL ? loa_report_period_parse_month(month_text, &period, &error)
                           : loa_report_period_parse_year(year_text, &period, &error)) ||
      !parse_format(format_text, &format, &table_format, &error)) {
    loa_command_error("%s", error->message);
    return LOA_EXIT_USAGE;
  }

  LoaConfig *config = ctx->config;
  LoaReportSource source = {
    .station_id = config->station_id,
    .station_name = config->station_name,
    .timezone = config->timezone,
    .lines = config->lines,
    .quotas = config->quotas,
    .now = loa_time_now_wall_ns(),
  };
  g_autoptr(LoaReport) report = loa_report_gather(ctx->db, &period, &source, &error);
  if (report == NULL ||
      (!no_verify && !loa_report_check_log(report, ctx->db, verify_all, &error))) {
    loa_command_error("%s: %s", config->database, error->message);
    return LOA_EXIT_PROBLEM;
  }

  g_autoptr(GString) out = g_string_new(NULL);
  if (format == FORMAT_HTML)
    loa_report_html_append(report, out);
  else
    loa_report_append_text(report, table_format, LOA_TABLE_PRINT_BOM, out);
  int result = loa_report_has_problem(report) ? LOA_EXIT_PROBLEM : LOA_EXIT_OK;

  if (to != NULL) {
    if (!g_file_set_contents(to, out->str, (gssize)out->len, &error)) {
      loa_command_error("%s", error->message);
      return LOA_EXIT_PROBLEM;
    }
    g_autofree char *text = summary(report);
    printf(_("%s: report for %s written (%s)\n"), to, report->period_label, text);
    return loa_command_finish_output(result);
  }
  if (fwrite(out->str, 1, out->len, stdout) != out->len)
    return loa_command_finish_output(LOA_EXIT_PROBLEM);
  return loa_command_finish_output(result);
}
