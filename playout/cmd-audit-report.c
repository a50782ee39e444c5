/* `loa audit report`: the city's yearly report over every registered station
 * (audit-report.h), as a table, CSV (UTF-8 with BOM), JSON or one HTML page. */
#include "commands.h"

#include "audit-report-html.h"
#include "audit-report.h"
#include "i18n.h"
#include "loa-time.h"

#include <stdio.h>
#include <string.h>

int
loa_cmd_audit_report(LoaContext *ctx, const char *audit_db, int argc, char **argv)
{
  g_autofree char *year_text = NULL, *format_text = NULL, *to = NULL, *db = NULL;
  g_autofree char *zone_name = NULL;
  g_auto(GStrv) quota_texts = NULL;
  const GOptionEntry entries[] = {
    { "year", 0, 0, G_OPTION_ARG_STRING, &year_text, N_("the year to report (required)"),
      N_("YYYY") },
    { "quota", 0, 0, G_OPTION_ARG_STRING_ARRAY, &quota_texts,
      N_("a quota every station must meet on every line, e.g. attt/news/2 (per month) or "
         "pccc/announcement/12/year; repeat for each"),
      N_("TOPIC/CATEGORY/N[/PER]") },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_text,
      N_("table (default), csv (UTF-8 with BOM, for Excel), json or html (one page, printable "
         "on A4)"),
      N_("FORMAT") },
    { "to", 0, 0, G_OPTION_ARG_FILENAME, &to, N_("write the report to FILE instead of the output"),
      N_("FILE") },
    { "timezone", 0, 0, G_OPTION_ARG_STRING, &zone_name,
      N_("time zone of stations without bundles (default Asia/Ho_Chi_Minh); the others use "
         "the zone their bundles carry"),
      N_("ZONE") },
    { "audit-db", 0, 0, G_OPTION_ARG_FILENAME, &db,
      N_("the audit database (default: $LOA_AUDIT_DB)"), N_("FILE") },
    { NULL },
  };
  int exit_code;
  if (!loa_command_parse(
        argv[0], NULL,
        _("The city's yearly report: for every registered station and every month, whether "
          "the city holds its as-run log (imported bundles) and whether it met each quota on "
          "every line, counted from the imported rows.\n\n"
          "Exit status: 0 every quota met and every ended month's log held; 1 a quota missed, "
          "a log missing, or the report could not be made; 2 bad usage."),
        entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 1) {
    loa_command_error(_("unexpected argument '%s'"), argv[1]);
    return LOA_EXIT_USAGE;
  }
  if (year_text == NULL) {
    loa_command_error(_("audit report: give --year YYYY (see 'loa audit report --help')"));
    return LOA_EXIT_USAGE;
  }

  g_autoptr(GError) error = NULL;
  LoaReportPeriod period;
  gboolean html = g_strcmp0(format_text, "html") == 0;
  LoaTableFormat format = LOA_TABLE_FORMAT_TABLE;
  g_autoptr(GPtrArray) quotas = g_ptr_array_new_with_free_func((GDestroyNotify)loa_quota_free);
  g_autoptr(GTimeZone) zone = NULL;
  gboolean ok = loa_report_period_parse_year(year_text, &period, &error);
  if (ok && !html && format_text != NULL && !loa_table_format_parse(format_text, &format, NULL)) {
    g_set_error(&error, LOA_TABLE_ERROR, 0, _("unknown format '%s' (use table, csv, json or html)"),
                format_text);
    ok = FALSE;
  }
  for (guint i = 0; ok && quota_texts != NULL && quota_texts[i] != NULL; i++) {
    LoaQuotaConfig *quota = loa_quota_parse(quota_texts[i], &error);
    ok = quota != NULL;
    if (ok)
      g_ptr_array_add(quotas, quota);
  }
  if (ok)
    ok = (zone = loa_time_zone_new(zone_name != NULL ? zone_name : "Asia/Ho_Chi_Minh", &error)) != NULL;
  if (!ok) {
    loa_command_error("%s", error->message);
    return LOA_EXIT_USAGE;
  }

  const char *path = db != NULL ? db : audit_db != NULL ? audit_db : g_getenv("LOA_AUDIT_DB");
  if (path == NULL || *path == '\0') {
    loa_command_error(_("which audit database? Give --audit-db FILE (or set $LOA_AUDIT_DB)"));
    return LOA_EXIT_USAGE;
  }
  g_autoptr(LoaAudit) audit = loa_audit_open(path, FALSE, &error);
  if (audit == NULL) {
    loa_command_error("%s", error->message);
    return g_error_matches(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_DB) ? LOA_EXIT_PROBLEM
                                                                       : LOA_EXIT_USAGE;
  }
  g_autoptr(LoaAuditReport) report = loa_audit_report_gather(audit, period.year, quotas, zone,
                                                             loa_time_now_wall_ns(), &error);
  if (report == NULL) {
    loa_command_error("%s: %s", path, error->message);
    return LOA_EXIT_PROBLEM;
  }

  g_autoptr(GString) out = g_string_new(NULL);
  if (html)
    loa_audit_report_html_append(report, out);
  else
    loa_audit_report_append_text(report, format, LOA_TABLE_PRINT_BOM, out);
  int result = loa_audit_report_has_problem(report) ? LOA_EXIT_PROBLEM : LOA_EXIT_OK;
  if (to != NULL) {
    if (!g_file_set_contents(to, out->str, (gssize)out->len, &error)) {
      loa_command_error("%s", error->message);
      return LOA_EXIT_PROBLEM;
    }
    printf(_("%s: city report for %d written (%u quotas missed, %u months of logs missing)\n"),
           to, period.year, report->missed, report->missing);
    return loa_command_finish_output(result);
  }
  if (fwrite(out->str, 1, out->len, stdout) != out->len)
    return loa_command_finish_output(LOA_EXIT_PROBLEM);
  return loa_command_finish_output(result);
}
