/* The report as an HTML page (see report-html.h). Every text from the
 * database or the configuration is escaped; numbers in the SVG are written
 * with g_ascii_formatd so that a locale with decimal commas cannot break it. */
#include "report-html.h"

#include "i18n.h"
#include "loa-time.h"

#include <inttypes.h>
#include <string.h>

/* Bar colours by quota, dark enough to read on paper and apart in grey. */
static const char *const palette[] = { "#1f4e79", "#d97706", "#0f766e", "#7c3aed", "#9f1239",
                                       "#4d7c0f" };

static const char style_sheet[] =
  "@page { size: A4; margin: 14mm 13mm 16mm; }\n"
  "* { box-sizing: border-box; }\n"
  "body { font-family: \"DejaVu Sans\", \"Noto Sans\", \"Liberation Sans\", Arial, sans-serif;"
  " font-size: 10pt; line-height: 1.35; color: #111; background: #fff;"
  " max-width: 184mm; margin: 0 auto; padding: 10mm 0; }\n"
  "h1 { font-size: 17pt; margin: 0 0 1mm; }\n"
  "h2 { font-size: 12.5pt; margin: 7mm 0 2mm; border-bottom: 1.5px solid #1f4e79;"
  " padding-bottom: 0.8mm; break-after: avoid; page-break-after: avoid; }\n"
  "h3 { font-size: 10.5pt; margin: 3mm 0 1.5mm; break-after: avoid; }\n"
  "p { margin: 1mm 0; }\n"
  ".meta { color: #333; }\n"
  ".meta b { color: #111; }\n"
  ".box { border-left: 5px solid; padding: 2mm 3mm; margin: 2.5mm 0; break-inside: avoid; }\n"
  ".box.good { border-color: #15803d; background: #ecfdf3; }\n"
  ".box.bad { border-color: #b91c1c; background: #fef2f2; }\n"
  ".box.wait { border-color: #a16207; background: #fefce8; }\n"
  ".box.none { border-color: #6b7280; background: #f3f4f6; }\n"
  ".box strong { font-size: 11pt; }\n"
  "code { font-family: \"DejaVu Sans Mono\", monospace; font-size: 8.5pt; word-break: break-all; }\n"
  "table { border-collapse: collapse; width: 100%; font-size: 8.5pt; margin: 1mm 0 2mm; }\n"
  "th, td { border: 1px solid #9ca3af; padding: 0.8mm 1.4mm; vertical-align: top; }\n"
  "th { background: #e5e7eb; text-align: left; font-weight: bold; }\n"
  "td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }\n"
  "tr.total td { font-weight: bold; background: #f3f4f6; }\n"
  "td.met { background: #dcfce7; }\n"
  "td.missed { background: #fee2e2; color: #991b1b; font-weight: bold; }\n"
  "td.in-progress { background: #fef9c3; }\n"
  "td.missing { background: #d1d5db; color: #111827; font-weight: bold; }\n"
  "td.open { color: #6b7280; }\n"
  "td.c { text-align: center; white-space: nowrap; }\n"
  /* Thirteen narrow columns must fit the width of A4. */
  "table.line-quotas { font-size: 7.5pt; }\n"
  "table.line-quotas td:first-child { width: 33mm; }\n"
  "table.line-quotas td.c, table.line-quotas th.n { padding: 0.6mm 0.4mm; text-align: center; }\n"
  "svg { display: block; width: 100%; height: auto; }\n"
  "section { break-inside: avoid; page-break-inside: avoid; }\n"
  ".chart { margin: 2mm 0; }\n"
  ".note { color: #444; font-size: 8.5pt; }\n"
  "footer { margin-top: 8mm; color: #555; font-size: 8pt; border-top: 1px solid #ccc;"
  " padding-top: 1.5mm; }\n"
  "@media print {\n"
  "  body { max-width: none; padding: 0; font-size: 9.5pt; }\n"
  "  .box, td.met, td.missed, td.in-progress, td.missing, th, tr.total td {"
  " -webkit-print-color-adjust: exact; print-color-adjust: exact; }\n"
  "}\n";

static void
append_escaped(GString *out, const char *text)
{
  g_autofree char *escaped = g_markup_escape_text(text != NULL ? text : "", -1);
  g_string_append(out, escaped);
}

static void G_GNUC_PRINTF(2, 3)
append_markup(GString *out, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  g_autofree char *text = g_markup_vprintf_escaped(format, args);
  va_end(args);
  g_string_append(out, text);
}

/* A coordinate with one decimal, always with a '.'. */
static const char *
num(char buffer[G_ASCII_DTOSTR_BUF_SIZE], double value)
{
  return g_ascii_formatd(buffer, G_ASCII_DTOSTR_BUF_SIZE, "%.1f", value);
}

static int
first_month(const LoaReport *report)
{
  return report->period.month == 0 ? 1 : report->period.month;
}

static int
last_month(const LoaReport *report)
{
  return report->period.month == 0 ? 12 : report->period.month;
}

static gboolean
is_monthly(const LoaReport *report, guint quota)
{
  return loa_quota_period(report->quotas->pdata[quota]) == LOA_QUOTA_PER_MONTH;
}

static gboolean
has_yearly(const LoaReport *report)
{
  for (guint q = 0; q < report->quotas->len; q++)
    if (!is_monthly(report, q))
      return TRUE;
  return FALSE;
}

static const LoaReportJudgement *
find_judgement(const LoaReportLine *line, guint quota, int month)
{
  for (guint j = 0; j < line->judgements->len; j++) {
    const LoaReportJudgement *judgement = &g_array_index(line->judgements, LoaReportJudgement, j);
    if (judgement->quota == quota && judgement->month == month)
      return judgement;
  }
  return NULL;
}

static void
append_header(const LoaReport *report, GString *out)
{
  g_autofree char *from = loa_time_format_local(report->timezone, report->from);
  g_autofree char *until = loa_time_format_local(report->timezone, report->until);
  g_autofree char *generated = loa_time_format_local(report->timezone, report->generated_at);
  /* Milliseconds mean nothing here. */
  from[MIN(strlen(from), 10)] = until[MIN(strlen(until), 10)] = '\0';
  generated[MIN(strlen(generated), 16)] = '\0';

  append_markup(out, "<header>\n<h1>%s</h1>\n", _("Broadcast compliance report"));
  append_markup(out, "<p class=\"meta\">%s <b>%s</b> (%s)</p>\n", _("Station:"),
                report->station_name, report->station_id);
  append_markup(out,
                "<p class=\"meta\">%s <b>%s</b> — %s %s, %s %s (%s)</p>\n",
                report->period.month == 0 ? _("Year:") : _("Month:"), report->period_label,
                _("from"), from, _("until"), until,
                g_time_zone_get_identifier(report->timezone));
  append_markup(out, "<p class=\"meta\">%s %s</p>\n</header>\n", _("Generated:"), generated);
}

static void
append_result(const LoaReport *report, GString *out)
{
  guint missed = loa_report_missed(report);
  g_string_append(out, "<section id=\"result\">\n");
  if (report->quotas->len == 0)
    append_markup(out, "<div class=\"box none\"><strong>%s</strong></div>\n",
                  _("No quotas are configured for this station."));
  else if (missed > 0) {
    g_autofree char *text = g_strdup_printf(
      g_dngettext(LOA_GETTEXT_PACKAGE, "Quotas missed: %u period on at least one line.",
                  "Quotas missed: %u periods on at least one line.", missed),
      missed);
    append_markup(out, "<div class=\"box bad\"><strong>%s</strong></div>\n", text);
  } else if (report->worst == LOA_QUOTA_IN_PROGRESS)
    append_markup(out, "<div class=\"box wait\"><strong>%s</strong> %s</div>\n",
                  _("No quota missed so far."),
                  _("Some periods are not over yet; their quotas are still in progress."));
  else
    append_markup(out, "<div class=\"box good\"><strong>%s</strong></div>\n",
                  _("Every quota was met on every line."));

  if (!report->log_checked)
    append_markup(out, "<div class=\"box none\"><strong>%s</strong> %s</div>\n",
                  _("As-run log not verified."),
                  _("The report was made without walking the log's hash chain."));
  else if (report->log.problem == NULL) {
    g_autofree char *rows = g_strdup_printf(
      g_dngettext(LOA_GETTEXT_PACKAGE, "%" PRId64 " completed airing is in the chain.",
                  "%" PRId64 " completed airings are in the chain.",
                  (gulong)report->log.rows),
      report->log.rows);
    g_autofree char *from =
      report->log_from_seq <= 1
        ? g_strdup("")
        : g_strdup_printf(_("Walked from chain row %" PRId64
                            ", the period's first, to the head."),
                          report->log_from_seq);
    append_markup(out,
                  "<div class=\"box good\"><strong>%s</strong> %s %s %s <code>%s</code></div>\n",
                  _("As-run log verified:"), rows, from, _("Chain head:"),
                  report->log.head != NULL ? report->log.head : "");
  } else {
    g_autofree char *where = g_strdup_printf(_("at airing #%" PRId64
                                               " (chain row %" PRId64 "):"),
                                             report->log.bad_id, report->log.bad_seq);
    append_markup(out, "<div class=\"box bad\"><strong>%s</strong> %s %s</div>\n",
                  _("As-run log DOES NOT VERIFY"), where, report->log.problem);
  }
  g_string_append(out, "</section>\n");
}

/* A round step for about five grid lines up to max. */
static int
grid_step(int max)
{
  int step = 1;
  for (int scale = 1;; scale *= 10) {
    static const int steps[] = { 1, 2, 5 };
    for (size_t i = 0; i < G_N_ELEMENTS(steps); i++) {
      step = steps[i] * scale;
      if (max / step <= 5)
        return step;
    }
  }
}

static void
append_chart(const LoaReport *report, GString *out)
{
  GArray *monthly = g_array_new(FALSE, FALSE, sizeof(guint));
  for (guint q = 0; q < report->quotas->len; q++)
    if (is_monthly(report, q))
      g_array_append_val(monthly, q);

  append_markup(out, "<section class=\"chart\">\n<h2>%s</h2>\n", _("Monthly quotas"));
  if (monthly->len == 0) {
    append_markup(out, "<p id=\"%s\" class=\"note\">%s</p>\n</section>\n",
                  LOA_REPORT_HTML_CHART_ID, _("No monthly quotas are configured."));
    g_array_unref(monthly);
    return;
  }
  append_markup(out, "<p class=\"note\">%s</p>\n",
                _("Each bar: completed airings of a quota's topic and category in the month, on "
                  "the line that had the fewest (a quota must be met on every line). "
                  "Dashed: the quota."));

  int first = first_month(report), last = last_month(report);
  int n_months = last - first + 1;
  int top = 1;
  for (guint i = 0; i < monthly->len; i++) {
    guint q = g_array_index(monthly, guint, i);
    top = MAX(top, ((LoaQuotaConfig *)report->quotas->pdata[q])->at_least);
    for (int m = first; m <= last; m++) {
      const LoaReportJudgement *j = find_judgement(report->station, q, m);
      if (j != NULL)
        top = (int)MAX(top, j->verdict.counted);
    }
  }
  int step = grid_step(top);
  int y_max = (top / step + 1) * step;

  const double width = 720, height = 290, left = 44, right = 150, upper = 16, lower = 40;
  const double plot_w = width - left - right, plot_h = height - upper - lower;
  const double group_w = plot_w / n_months;
  const double bar_w = MIN(group_w * 0.72 / monthly->len, 60);
  char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE], c[G_ASCII_DTOSTR_BUF_SIZE],
    d[G_ASCII_DTOSTR_BUF_SIZE];
#define Y(value) (upper + plot_h - plot_h * (double)(value) / y_max)

  g_string_append_printf(out,
                         "<svg id=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\""
                         " role=\"img\" aria-labelledby=\"chart-title\""
                         " font-family=\"DejaVu Sans, Noto Sans, Arial, sans-serif\" font-size=\"11\">\n",
                         LOA_REPORT_HTML_CHART_ID, (int)width, (int)height);
  g_autofree char *title = g_strdup_printf(_("Completed airings per month against the quotas, %s"),
                                           report->period_label);
  append_markup(out, "<title id=\"chart-title\">%s</title>\n", title);

  /* Grid and the y axis. */
  for (int v = 0; v <= y_max; v += step) {
    g_string_append_printf(out,
                           "<line x1=\"%s\" x2=\"%s\" y1=\"%s\" y2=\"%s\" stroke=\"%s\""
                           " stroke-width=\"1\"/>\n",
                           num(a, left), num(b, left + plot_w), num(c, Y(v)), num(d, Y(v)),
                           v == 0 ? "#374151" : "#e5e7eb");
    g_string_append_printf(out, "<text x=\"%s\" y=\"%s\" text-anchor=\"end\" fill=\"#374151\">%d</text>\n",
                           num(a, left - 6), num(b, Y(v) + 4), v);
  }

  /* Bars, a group per month. */
  for (int m = first; m <= last; m++) {
    double group_x = left + group_w * (m - first);
    double bars_x = group_x + (group_w - bar_w * monthly->len) / 2;
    for (guint i = 0; i < monthly->len; i++) {
      guint q = g_array_index(monthly, guint, i);
      const LoaReportJudgement *j = find_judgement(report->station, q, m);
      if (j == NULL)
        continue;
      const LoaQuotaVerdict *v = &j->verdict;
      const char *colour = palette[q % G_N_ELEMENTS(palette)];
      double x = bars_x + bar_w * i;
      double h = MAX(plot_h * (double)v->counted / y_max, 1.5);
      g_autofree char *tip = g_strdup_printf("%s %04d-%02d: %" PRId64 "/%" PRId64
                                             " %s",
                                             ((LoaQuotaConfig *)report->quotas->pdata[q])->category,
                                             report->period.year, m, v->counted, v->required,
                                             loa_quota_state_label(v->state));
      g_string_append_printf(out,
                             "<rect class=\"bar %s\" x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\""
                             " fill=\"%s\"%s>",
                             loa_quota_state_key(v->state), num(a, x + 1), num(b, Y(0) - h),
                             num(c, bar_w - 2), num(d, h), colour,
                             v->state == LOA_QUOTA_IN_PROGRESS ? " fill-opacity=\"0.45\"" : "");
      append_markup(out, "<title>%s</title></rect>\n", tip);
      const char *label_colour = v->state == LOA_QUOTA_MISSED ? "#b91c1c" : "#111827";
      g_string_append_printf(out,
                             "<text x=\"%s\" y=\"%s\" text-anchor=\"middle\" font-size=\"%d\""
                             " font-weight=\"%s\" fill=\"%s\">%" PRId64 "%s</text>\n",
                             num(a, x + bar_w / 2), num(b, Y(0) - h - 3), n_months > 6 ? 10 : 12,
                             v->state == LOA_QUOTA_MISSED ? "bold" : "normal", label_colour,
                             v->counted, v->state == LOA_QUOTA_MISSED ? "✗" : "");
    }
    g_autofree char *month_label = n_months == 1 ? g_strdup(report->period_label)
                                                 : g_strdup_printf("%02d", m);
    g_string_append_printf(out, "<text x=\"%s\" y=\"%s\" text-anchor=\"middle\" fill=\"#111827\">%s</text>\n",
                           num(a, group_x + group_w / 2), num(b, Y(0) + 16), month_label);
  }
  if (n_months > 1) {
    g_autofree char *axis = g_strdup_printf(_("month of %d"), report->period.year);
    g_string_append_printf(out, "<text x=\"%s\" y=\"%s\" text-anchor=\"middle\" fill=\"#374151\">",
                           num(a, left + plot_w / 2), num(b, height - 6));
    append_escaped(out, axis);
    g_string_append(out, "</text>\n");
  }

  /* The quota lines over the bars, labelled on the right; labels of equal
   * quotas are stacked so that they do not overlap. */
  double last_label_y = -100;
  for (guint i = 0; i < monthly->len; i++) {
    guint q = g_array_index(monthly, guint, i);
    const LoaQuotaConfig *quota = report->quotas->pdata[q];
    const char *colour = palette[q % G_N_ELEMENTS(palette)];
    double y = Y(quota->at_least);
    g_string_append_printf(out,
                           "<line class=\"quota-line\" x1=\"%s\" x2=\"%s\" y1=\"%s\" y2=\"%s\""
                           " stroke=\"%s\" stroke-width=\"2\" stroke-dasharray=\"7 4\"/>\n",
                           num(a, left), num(b, left + plot_w + 6), num(c, y), num(d, y), colour);
    double label_y = y + 4;
    if (ABS(label_y - last_label_y) < 13)
      label_y = last_label_y - 13;
    last_label_y = label_y;
    g_autofree char *label = g_strdup_printf(_("%s ≥ %d"), quota->category, quota->at_least);
    g_string_append_printf(out, "<text x=\"%s\" y=\"%s\" fill=\"%s\" font-weight=\"bold\">",
                           num(a, left + plot_w + 10), num(b, label_y), colour);
    append_escaped(out, label);
    g_string_append(out, "</text>\n");
  }
#undef Y
  g_string_append(out, "</svg>\n");

  /* The legend in HTML, so that it wraps and prints like text. */
  g_string_append(out, "<p class=\"note\">");
  for (guint i = 0; i < monthly->len; i++) {
    guint q = g_array_index(monthly, guint, i);
    g_autofree char *label = loa_report_quota_label(report->quotas->pdata[q]);
    g_string_append_printf(out,
                           "<span style=\"display:inline-block;width:3mm;height:3mm;"
                           "background:%s;margin:0 1mm 0 %s;vertical-align:-0.4mm\"></span>",
                           palette[q % G_N_ELEMENTS(palette)], i == 0 ? "0" : "4mm");
    append_escaped(out, label);
  }
  append_markup(out, " &#160; %s</p>\n</section>\n",
                _("A number followed by ✗: quota missed that month. A pale bar: month not over."));
  g_array_unref(monthly);
}

static void
append_count_headers(GString *out)
{
  append_markup(out,
                "<th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
                "<th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
                "<th class=\"n\">%s</th>",
                _("Airings"), _("Completed"), _("Interrupted"), _("Failed"), _("Missed"),
                _("On air"), _("Airtime"));
}

static void
append_count_cells(GString *out, const LoaReportCounts *counts)
{
  g_autofree char *airtime = loa_report_format_airtime(counts->airtime_ns);
  g_string_append_printf(out,
                         "<td class=\"n\">%" PRId64 "</td><td class=\"n\">%" PRId64
                         "</td><td class=\"n\">%" PRId64 "</td><td class=\"n\">%"
                         PRId64 "</td><td class=\"n\">%" PRId64
                         "</td><td class=\"n\">%" PRId64 "</td><td class=\"n\">%s</td>",
                         counts->airings, counts->status[LOA_REPORT_COMPLETED],
                         counts->status[LOA_REPORT_INTERRUPTED], counts->status[LOA_REPORT_FAILED],
                         counts->status[LOA_REPORT_MISSED], counts->status[LOA_REPORT_ON_AIR],
                         airtime);
}

static void
append_station(const LoaReport *report, GString *out)
{
  append_markup(out, "<section>\n<h2>%s</h2>\n", _("Airings by line"));
  append_markup(out, "<table id=\"%s\">\n<thead><tr><th>%s</th><th>%s</th>",
                LOA_REPORT_HTML_STATION_TABLE_ID, _("Line"), _("Name"));
  append_count_headers(out);
  g_string_append(out, "</tr></thead>\n<tbody>\n");
  for (guint l = 0; l < report->lines->len; l++) {
    const LoaReportLine *line = report->lines->pdata[l];
    append_markup(out, "<tr><td>%s</td><td>%s%s</td>", line->id, line->name,
                  line->configured ? "" : _(" (not in the configuration)"));
    append_count_cells(out, &line->totals);
    g_string_append(out, "</tr>\n");
  }
  append_markup(out, "<tr class=\"total\"><td colspan=\"2\">%s</td>", _("Whole station"));
  append_count_cells(out, &report->station->totals);
  g_string_append(out, "</tr>\n</tbody>\n</table>\n</section>\n");
}

static void
append_line_airings(const LoaReportLine *line, GString *out)
{
  if (line->groups->len == 0) {
    append_markup(out, "<p class=\"note\">%s</p>\n", _("No airings in this period."));
    return;
  }
  append_markup(out, "<table class=\"line-airings\">\n<thead><tr><th>%s</th><th>%s</th>",
                _("Category"), _("Topic"));
  append_count_headers(out);
  g_string_append(out, "</tr></thead>\n<tbody>\n");
  for (guint i = 0; i < line->groups->len; i++) {
    const LoaReportGroup *group = line->groups->pdata[i];
    append_markup(out, "<tr><td>%s</td><td>%s</td>", group->category, group->topic);
    append_count_cells(out, &group->counts);
    g_string_append(out, "</tr>\n");
  }
  append_markup(out, "<tr class=\"total\"><td colspan=\"2\">%s</td>", _("Total"));
  append_count_cells(out, &line->totals);
  g_string_append(out, "</tr>\n</tbody>\n</table>\n");
}

void
loa_report_html_append_quota_table(const LoaReport *report, const LoaReportLine *line,
                                   GString *out)
{
  if (report->quotas->len == 0 || !line->configured)
    return;
  int first = first_month(report), last = last_month(report);
  gboolean yearly = has_yearly(report);
  append_markup(out, "<table class=\"line-quotas\">\n<thead><tr><th>%s</th>", _("Quota"));
  for (int m = first; m <= last; m++) {
    if (first == last)
      append_markup(out, "<th class=\"n\">%s</th>", report->period_label);
    else
      g_string_append_printf(out, "<th class=\"n\">%02d</th>", m);
  }
  if (yearly) {
    g_autofree char *header = last == 12 ? g_strdup_printf("%04d", report->period.year)
                                         : g_strdup_printf(_("%04d to date"), report->period.year);
    append_markup(out, "<th class=\"n\">%s</th>", header);
  }
  g_string_append(out, "</tr></thead>\n<tbody>\n");
  for (guint q = 0; q < report->quotas->len; q++) {
    g_autofree char *label = loa_report_quota_label(report->quotas->pdata[q]);
    append_markup(out, "<tr><td>%s</td>", label);
    for (int m = first; m <= last + (yearly ? 1 : 0); m++) {
      const LoaReportJudgement *j = find_judgement(line, q, m > last ? 0 : m);
      if (j == NULL) {
        g_string_append(out, "<td></td>");
        continue;
      }
      const LoaQuotaVerdict *v = &j->verdict;
      g_autofree char *tip = g_strdup_printf(_("%s, %" PRId64 " short"),
                                             loa_quota_state_label(v->state), v->shortfall);
      append_markup(out, "<td class=\"c %s\" title=\"%s\">", loa_quota_state_key(v->state),
                    v->state == LOA_QUOTA_MET ? loa_quota_state_label(v->state) : tip);
      g_string_append_printf(out, "%" PRId64 "/%" PRId64 "%s</td>", v->counted,
                             v->required,
                             v->state == LOA_QUOTA_MET       ? " ✓"
                             : v->state == LOA_QUOTA_MISSED ? " ✗"
                                                             : " …");
    }
    g_string_append(out, "</tr>\n");
  }
  g_string_append(out, "</tbody>\n</table>\n");
}

static void
append_lines(const LoaReport *report, GString *out)
{
  for (guint l = 0; l < report->lines->len; l++) {
    const LoaReportLine *line = report->lines->pdata[l];
    g_autofree char *id = g_strdup_printf("line-%s", line->id);
    if (strcmp(line->name, line->id) == 0)
      append_markup(out, "<section class=\"line\" id=\"%s\">\n<h2>%s %s</h2>\n", id, _("Line"),
                    line->id);
    else
      append_markup(out, "<section class=\"line\" id=\"%s\">\n<h2>%s %s — %s</h2>\n", id,
                    _("Line"), line->id, line->name);
    if (!line->configured)
      append_markup(out, "<p class=\"note\">%s</p>\n",
                    _("This line is in the log but no longer in the configuration; its quotas "
                      "are not judged."));
    append_line_airings(line, out);
    loa_report_html_append_quota_table(report, line, out);
    g_string_append(out, "</section>\n");
  }
}

void
loa_report_html_append_head(GString *out, const char *title)
{
  /* TRANSLATORS: the language code of this translation, for the HTML report. */
  append_markup(out, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                     "<title>%s</title>\n",
                _("en"), title);
  g_string_append_printf(out, "<style>\n%s</style>\n</head>\n<body>\n", style_sheet);
}

void
loa_report_html_append_foot(GString *out)
{
  g_autofree char *made = g_strdup_printf(_("Made by Loa %s from the as-run log. An airing counts "
                                            "toward a quota only if it completed on its line."),
                                          LOA_VERSION);
  append_markup(out, "<footer>%s</footer>\n</body>\n</html>\n", made);
}

void
loa_report_html_append(const LoaReport *report, GString *out)
{
  g_autofree char *title = g_strdup_printf(_("%s — broadcast report %s"), report->station_name,
                                           report->period_label);
  loa_report_html_append_head(out, title);
  append_header(report, out);
  append_result(report, out);
  append_chart(report, out);
  append_station(report, out);
  append_lines(report, out);
  loa_report_html_append_foot(out);
}
