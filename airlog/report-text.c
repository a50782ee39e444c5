/* Compliance reports as text: the terminal table, CSV (with a BOM for
 * Excel) and JSON (see loa_report_append_text in report.h). The gathering
 * is in report.c, the HTML page in report-html.c. */
#include "report.h"

#include "i18n.h"
#include "loa-time.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Text output. */

char *
loa_report_format_airtime(gint64 ns)
{
  gint64 s = (ns + LOA_NS_PER_SECOND / 2) / LOA_NS_PER_SECOND;
  return g_strdup_printf("%" PRId64 ":%02d:%02d", s / 3600, (int)(s / 60 % 60),
                         (int)(s % 60));
}

/* Seconds with milliseconds, for tools. */
static char *
format_seconds(gint64 ns)
{
  return g_strdup_printf("%" PRId64 ".%03d", ns / LOA_NS_PER_SECOND,
                         (int)(ns % LOA_NS_PER_SECOND / 1000000));
}

static char *
format_count(gint64 n)
{
  return g_strdup_printf("%" PRId64, n);
}

/* The line column for the whole station: "all" is never a line id. */
#define STATION_LINE_ID "all"

static const char *
line_id_for_text(const LoaReport *report, const LoaReportLine *line)
{
  return line == report->station ? STATION_LINE_ID : line->id;
}

enum { COL_AIRINGS, COL_COMPLETED, COL_INTERRUPTED, COL_FAILED, COL_MISSED, COL_ON_AIR, COL_AIRTIME,
       N_COUNT_COLUMNS };

static void
add_count_columns(LoaTable *table)
{
  loa_table_add_column(table, "airings", _("AIRINGS"), LOA_COLUMN_NUMBER);
  loa_table_add_column(table, "completed", _("COMPLETED"), LOA_COLUMN_NUMBER);
  loa_table_add_column(table, "interrupted", _("INTERRUPTED"), LOA_COLUMN_NUMBER);
  loa_table_add_column(table, "failed", _("FAILED"), LOA_COLUMN_NUMBER);
  loa_table_add_column(table, "missed", _("MISSED"), LOA_COLUMN_NUMBER);
  loa_table_add_column(table, "on_air", _("ON AIR"), LOA_COLUMN_NUMBER);
  loa_table_add_column(table, "airtime_seconds", _("AIRTIME"), LOA_COLUMN_NUMBER);
}

static void
set_counts(LoaTable *table, guint first, const LoaReportCounts *counts, gboolean human)
{
  static const LoaReportStatus order[] = { LOA_REPORT_COMPLETED, LOA_REPORT_INTERRUPTED,
                                           LOA_REPORT_FAILED, LOA_REPORT_MISSED,
                                           LOA_REPORT_ON_AIR };
  loa_table_take(table, first + COL_AIRINGS, format_count(counts->airings));
  for (size_t i = 0; i < G_N_ELEMENTS(order); i++)
    loa_table_take(table, first + COL_COMPLETED + (guint)i, format_count(counts->status[order[i]]));
  loa_table_take(table, first + COL_AIRTIME,
                 human ? loa_report_format_airtime(counts->airtime_ns) : format_seconds(counts->airtime_ns));
}

static LoaTable *
lines_table(const LoaReport *report, gboolean human)
{
  LoaTable *table = loa_table_new();
  loa_table_add_column(table, "line", _("LINE"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "name", _("NAME"), LOA_COLUMN_TEXT);
  add_count_columns(table);
  for (guint l = 0; l <= report->lines->len; l++) {
    const LoaReportLine *line = l < report->lines->len ? report->lines->pdata[l] : report->station;
    loa_table_add_row(table);
    loa_table_set(table, 0, line_id_for_text(report, line));
    if (line == report->station)
      loa_table_take(table, 1, g_strdup_printf(_("%s (all lines)"), line->name));
    else if (!line->configured)
      loa_table_take(table, 1, g_strdup_printf(_("%s (not in the configuration)"), line->name));
    else
      loa_table_set(table, 1, line->name);
    set_counts(table, 2, &line->totals, human);
  }
  return table;
}

static LoaTable *
groups_table(const LoaReport *report, gboolean human)
{
  LoaTable *table = loa_table_new();
  loa_table_add_column(table, "line", _("LINE"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "category", _("CATEGORY"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "topic", _("TOPIC"), LOA_COLUMN_TEXT);
  add_count_columns(table);
  for (guint l = 0; l <= report->lines->len; l++) {
    const LoaReportLine *line = l < report->lines->len ? report->lines->pdata[l] : report->station;
    for (guint i = 0; i < line->groups->len; i++) {
      const LoaReportGroup *group = line->groups->pdata[i];
      loa_table_add_row(table);
      loa_table_set(table, 0, line_id_for_text(report, line));
      loa_table_set(table, 1, group->category);
      loa_table_set(table, 2, group->topic);
      set_counts(table, 3, &group->counts, human);
    }
  }
  return table;
}

/* One row per judgement, for tools. */
static LoaTable *
quotas_table(const LoaReport *report)
{
  LoaTable *table = loa_table_new();
  loa_table_add_column(table, "period", _("PERIOD"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "line", _("LINE"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "topic", _("TOPIC"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "category", _("CATEGORY"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "per", _("PER"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "required", _("REQUIRED"), LOA_COLUMN_NUMBER);
  loa_table_add_column(table, "counted", _("COUNTED"), LOA_COLUMN_NUMBER);
  loa_table_add_column(table, "result", _("RESULT"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "shortfall", _("SHORTFALL"), LOA_COLUMN_NUMBER);
  for (guint l = 0; l <= report->lines->len; l++) {
    const LoaReportLine *line = l < report->lines->len ? report->lines->pdata[l] : report->station;
    for (guint j = 0; j < line->judgements->len; j++) {
      const LoaReportJudgement *judgement = &g_array_index(line->judgements, LoaReportJudgement, j);
      const LoaQuotaConfig *quota = report->quotas->pdata[judgement->quota];
      loa_table_add_row(table);
      loa_table_take(table, 0, judgement->month != 0
                                 ? g_strdup_printf("%04d-%02d", report->period.year, judgement->month)
                                 : g_strdup_printf("%04d", report->period.year));
      loa_table_set(table, 1, line_id_for_text(report, line));
      loa_table_set(table, 2, quota->topic);
      loa_table_set(table, 3, quota->category);
      loa_table_set(table, 4, quota->per);
      loa_table_take(table, 5, format_count(judgement->verdict.required));
      loa_table_take(table, 6, format_count(judgement->verdict.counted));
      loa_table_set(table, 7, loa_quota_state_key(judgement->verdict.state));
      loa_table_take(table, 8, format_count(judgement->verdict.shortfall));
    }
  }
  return table;
}

static const char *
state_mark(LoaQuotaState state)
{
  switch (state) {
  case LOA_QUOTA_MET: return "";
  case LOA_QUOTA_IN_PROGRESS: return " …";
  case LOA_QUOTA_MISSED: return " ✗";
  }
  return "";
}

/* For people: a row per line and quota, a column per month (and one for the
 * year), cells "counted/required" marked ✗ when missed and … in progress. */
static LoaTable *
quotas_pivot(const LoaReport *report)
{
  int first = report->period.month == 0 ? 1 : report->period.month;
  int last = report->period.month == 0 ? 12 : report->period.month;
  int n_months = last - first + 1;
  gboolean yearly = FALSE;
  for (guint q = 0; q < report->quotas->len; q++)
    yearly = yearly || loa_quota_period(report->quotas->pdata[q]) == LOA_QUOTA_PER_YEAR;

  LoaTable *table = loa_table_new();
  loa_table_add_column(table, "line", _("LINE"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "quota", _("QUOTA"), LOA_COLUMN_TEXT);
  for (int m = first; m <= last; m++) {
    g_autofree char *header = n_months == 1 ? g_strdup(report->period_label)
                                            : g_strdup_printf("%02d", m);
    loa_table_add_column(table, header, header, LOA_COLUMN_TEXT);
  }
  guint year_column = 2 + (guint)n_months;
  if (yearly) {
    g_autofree char *header = report->period.month == 0 || report->period.month == 12
                                ? g_strdup_printf("%04d", report->period.year)
                                : g_strdup_printf(_("%04d TO DATE"), report->period.year);
    loa_table_add_column(table, "year", header, LOA_COLUMN_TEXT);
  }
  guint result_column = year_column + (yearly ? 1 : 0);
  loa_table_add_column(table, "result", _("RESULT"), LOA_COLUMN_TEXT);

  for (guint l = 0; l <= report->lines->len; l++) {
    const LoaReportLine *line = l < report->lines->len ? report->lines->pdata[l] : report->station;
    for (guint q = 0; q < report->quotas->len && line->configured; q++) {
      loa_table_add_row(table);
      loa_table_set(table, 0, line_id_for_text(report, line));
      loa_table_take(table, 1, loa_report_quota_label(report->quotas->pdata[q]));
      LoaQuotaState worst = LOA_QUOTA_MET;
      gint64 shortfall = 0;
      guint missed = 0;
      for (guint j = 0; j < line->judgements->len; j++) {
        const LoaReportJudgement *judgement = &g_array_index(line->judgements, LoaReportJudgement, j);
        if (judgement->quota != q)
          continue;
        const LoaQuotaVerdict *v = &judgement->verdict;
        guint column = judgement->month != 0 ? 2 + (guint)(judgement->month - first) : year_column;
        loa_table_take(table, column,
                       g_strdup_printf("%" PRId64 "/%" PRId64 "%s", v->counted,
                                       v->required, state_mark(v->state)));
        worst = MAX(worst, v->state);
        shortfall += v->shortfall;
        missed += v->state == LOA_QUOTA_MISSED;
      }
      if (worst == LOA_QUOTA_MET)
        loa_table_set(table, result_column, loa_quota_state_label(worst));
      else if (worst == LOA_QUOTA_MISSED && missed > 1)
        loa_table_take(table, result_column,
                       g_strdup_printf(_("missed %u times, %" PRId64 " short"), missed,
                                       shortfall));
      else
        loa_table_take(table, result_column,
                       g_strdup_printf(_("%s, %" PRId64 " short"),
                                       loa_quota_state_label(worst), shortfall));
    }
  }
  return table;
}

static void
append_log_status(const LoaReport *report, GString *out)
{
  if (!report->log_checked)
    g_string_append(out, _("As-run log: not verified (--no-verify)\n"));
  else if (report->log.problem == NULL && report->log_from_seq <= 1)
    g_string_append_printf(out, _("As-run log: verified, %" PRId64
                                  " completed airings in the chain, head %s\n"),
                           report->log.rows, report->log.head);
  else if (report->log.problem == NULL)
    g_string_append_printf(out, _("As-run log: verified from chain row %" PRId64
                                  " (the period's first) to the head: %" PRId64
                                  " completed airings, head %s; rows before it were not walked "
                                  "('loa log verify' walks them all)\n"),
                           report->log_from_seq, report->log.rows, report->log.head);
  else
    g_string_append_printf(out, _("As-run log: DOES NOT VERIFY at airing #%" PRId64
                                  " (chain row %" PRId64 "): %s\n"),
                           report->log.bad_id, report->log.bad_seq, report->log.problem);
}

static void
append_human(const LoaReport *report, GString *out)
{
  g_string_append_printf(out, _("Report of station %s (%s) for %s, time zone %s\n"),
                         report->station_name, report->station_id, report->period_label,
                         g_time_zone_get_identifier(report->timezone));
  append_log_status(report, out);

  g_string_append_printf(out, _("\nAirings by line\n"));
  g_autoptr(LoaTable) lines = lines_table(report, TRUE);
  loa_table_append(lines, LOA_TABLE_FORMAT_TABLE, LOA_TABLE_PRINT_DEFAULT, out);

  g_string_append_printf(out, _("\nAirings by category and topic\n"));
  g_autoptr(LoaTable) groups = groups_table(report, TRUE);
  if (loa_table_rows(groups) == 0)
    g_string_append(out, _("(no airings)\n"));
  else
    loa_table_append(groups, LOA_TABLE_FORMAT_TABLE, LOA_TABLE_PRINT_DEFAULT, out);

  if (report->quotas->len == 0) {
    g_string_append(out, _("\nNo quotas are configured.\n"));
    return;
  }
  g_string_append(out, _("\nQuotas: completed airings counted / required on each line "
                         "(✗ missed, … period not over)\n"));
  g_autoptr(LoaTable) pivot = quotas_pivot(report);
  loa_table_append(pivot, LOA_TABLE_FORMAT_TABLE, LOA_TABLE_PRINT_DEFAULT, out);
  guint missed = loa_report_missed(report);
  if (missed > 0)
    g_string_append_printf(out, g_dngettext(LOA_GETTEXT_PACKAGE,
                                            "\nResult: a quota was missed in %u period.\n",
                                            "\nResult: quotas were missed in %u periods.\n", missed),
                           missed);
  else if (report->worst == LOA_QUOTA_IN_PROGRESS)
    g_string_append(out, _("\nResult: no quota missed so far; some periods are not over.\n"));
  else
    g_string_append(out, _("\nResult: every quota met on every line.\n"));
}

static void
append_csv(const LoaReport *report, LoaTablePrintFlags flags, GString *out)
{
  g_autoptr(LoaTable) lines = lines_table(report, FALSE);
  g_autoptr(LoaTable) groups = groups_table(report, FALSE);
  g_autoptr(LoaTable) quotas = quotas_table(report);
  loa_table_append(lines, LOA_TABLE_FORMAT_CSV, flags, out);
  g_string_append(out, "\r\n");
  loa_table_append(groups, LOA_TABLE_FORMAT_CSV, flags & ~LOA_TABLE_PRINT_BOM, out);
  g_string_append(out, "\r\n");
  loa_table_append(quotas, LOA_TABLE_FORMAT_CSV, flags & ~LOA_TABLE_PRINT_BOM, out);
}

/* JSON. */

static void
json_key(GString *out, const char *indent, const char *key)
{
  g_string_append(out, indent);
  loa_json_append_string(out, key);
  g_string_append(out, ": ");
}

static void
json_counts(GString *out, const LoaReportCounts *counts)
{
  g_autofree char *airtime = format_seconds(counts->airtime_ns);
  g_string_append_printf(out, "\"airings\": %" PRId64, counts->airings);
  for (int s = 0; s < LOA_REPORT_N_STATUSES; s++) {
    g_string_append(out, ", ");
    g_autofree char *key = g_strdelimit(g_strdup(loa_report_status_key(s)), "-", '_');
    loa_json_append_string(out, key);
    g_string_append_printf(out, ": %" PRId64, counts->status[s]);
  }
  g_string_append_printf(out, ", \"airtime_seconds\": %s", airtime);
}

static void
json_line(const LoaReport *report, const LoaReportLine *line, GString *out)
{
  g_string_append(out, "{\n");
  if (line != report->station) {
    json_key(out, "      ", "id");
    loa_json_append_string(out, line->id);
    g_string_append(out, ",\n");
    json_key(out, "      ", "name");
    loa_json_append_string(out, line->name);
    g_string_append_printf(out, ",\n      \"configured\": %s,\n",
                           line->configured ? "true" : "false");
  }
  g_string_append(out, "      ");
  json_counts(out, &line->totals);
  g_string_append(out, ",\n      \"by_category\": [");
  for (guint i = 0; i < line->groups->len; i++) {
    const LoaReportGroup *group = line->groups->pdata[i];
    g_string_append(out, i == 0 ? "\n        {" : ",\n        {");
    g_string_append(out, "\"category\": ");
    loa_json_append_string(out, group->category);
    g_string_append(out, ", \"topic\": ");
    loa_json_append_string(out, group->topic);
    g_string_append(out, ", ");
    json_counts(out, &group->counts);
    g_string_append_c(out, '}');
  }
  g_string_append(out, line->groups->len > 0 ? "\n      ],\n" : "],\n");
  g_string_append(out, "      \"quotas\": [");
  for (guint j = 0; j < line->judgements->len; j++) {
    const LoaReportJudgement *judgement = &g_array_index(line->judgements, LoaReportJudgement, j);
    const LoaQuotaVerdict *v = &judgement->verdict;
    g_autofree char *period = loa_report_judgement_period(report, judgement);
    g_string_append(out, j == 0 ? "\n        {" : ",\n        {");
    g_string_append_printf(out, "\"quota\": %u, \"period\": ", judgement->quota);
    loa_json_append_string(out, period);
    g_string_append_printf(out, ", \"month\": %d, \"required\": %" PRId64
                                ", \"counted\": %" PRId64 ", \"result\": \"%s\""
                                ", \"shortfall\": %" PRId64 "}",
                           judgement->month, v->required, v->counted,
                           loa_quota_state_key(v->state), v->shortfall);
  }
  g_string_append(out, line->judgements->len > 0 ? "\n      ]\n    }" : "]\n    }");
}

static void
append_json(const LoaReport *report, GString *out)
{
  g_autofree char *from = loa_time_format_iso(report->timezone, report->from);
  g_autofree char *until = loa_time_format_iso(report->timezone, report->until);
  g_autofree char *generated = loa_time_format_iso(report->timezone, report->generated_at);

  g_string_append(out, "{\n");
  json_key(out, "  ", "station");
  g_string_append(out, "{\"id\": ");
  loa_json_append_string(out, report->station_id);
  g_string_append(out, ", \"name\": ");
  loa_json_append_string(out, report->station_name);
  g_string_append(out, ", \"timezone\": ");
  loa_json_append_string(out, g_time_zone_get_identifier(report->timezone));
  g_string_append(out, "},\n");
  g_string_append_printf(out, "  \"period\": {\"label\": \"%s\", \"kind\": \"%s\", "
                              "\"from\": \"%s\", \"until\": \"%s\"},\n",
                         report->period_label, report->period.month == 0 ? "year" : "month", from,
                         until);
  g_string_append_printf(out, "  \"generated_at\": \"%s\",\n", generated);

  g_string_append(out, "  \"log\": ");
  if (!report->log_checked)
    g_string_append(out, "{\"checked\": false}");
  else {
    g_string_append_printf(out, "{\"checked\": true, \"verified\": %s, \"from_seq\": %"
                                PRId64 ", \"rows\": %" PRId64 ", \"head\": ",
                           report->log.problem == NULL ? "true" : "false", report->log_from_seq,
                           report->log.rows);
    loa_json_append_string(out, report->log.head != NULL ? report->log.head : "");
    if (report->log.problem != NULL) {
      g_string_append_printf(out, ", \"bad_id\": %" PRId64 ", \"bad_seq\": %"
                                  PRId64 ", \"problem\": ",
                             report->log.bad_id, report->log.bad_seq);
      loa_json_append_string(out, report->log.problem);
    }
    g_string_append_c(out, '}');
  }
  g_string_append(out, ",\n  \"quotas\": [");
  for (guint q = 0; q < report->quotas->len; q++) {
    const LoaQuotaConfig *quota = report->quotas->pdata[q];
    g_string_append(out, q == 0 ? "\n    {\"topic\": " : ",\n    {\"topic\": ");
    loa_json_append_string(out, quota->topic);
    g_string_append(out, ", \"category\": ");
    loa_json_append_string(out, quota->category);
    g_string_append_printf(out, ", \"per\": \"%s\", \"at_least\": %d}",
                           loa_quota_period_name(loa_quota_period(quota)), quota->at_least);
  }
  g_string_append(out, report->quotas->len > 0 ? "\n  ],\n" : "],\n");
  g_string_append_printf(out, "  \"result\": \"%s\",\n  \"missed\": %u,\n",
                         loa_quota_state_key(report->worst), loa_report_missed(report));
  g_string_append(out, "  \"lines\": [");
  for (guint l = 0; l < report->lines->len; l++) {
    g_string_append(out, l == 0 ? "\n    " : ",\n    ");
    json_line(report, report->lines->pdata[l], out);
  }
  g_string_append(out, report->lines->len > 0 ? "\n  ],\n" : "],\n");
  g_string_append(out, "  \"station_totals\": ");
  json_line(report, report->station, out);
  g_string_append(out, "\n}\n");
}

void
loa_report_append_text(const LoaReport *report, LoaTableFormat format, LoaTablePrintFlags flags,
                       GString *out)
{
  switch (format) {
  case LOA_TABLE_FORMAT_TABLE: append_human(report, out); break;
  case LOA_TABLE_FORMAT_CSV: append_csv(report, flags, out); break;
  case LOA_TABLE_FORMAT_JSON: append_json(report, out); break;
  }
}
