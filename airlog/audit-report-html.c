/* The city's yearly report as an HTML page (see audit-report-html.h). Every
 * text is escaped; SVG numbers are integers. */
#include "audit-report-html.h"

#include "i18n.h"
#include "loa-time.h"
#include "report-html.h"

#include <inttypes.h>
#include <string.h>

static void G_GNUC_PRINTF(2, 3)
append_markup(GString *out, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  g_autofree char *text = g_markup_vprintf_escaped(format, args);
  va_end(args);
  g_string_append(out, text);
}

/* Fill, text colour and mark of a cell: apart in colour and in grey print. */
typedef struct {
  const char *fill, *ink, *mark;
} CellLook;

static CellLook
cell_look(LoaAuditCell cell)
{
  switch (cell) {
  case LOA_AUDIT_CELL_MET: return (CellLook){ "#bbf7d0", "#14532d", "✓" };
  case LOA_AUDIT_CELL_OPEN: return (CellLook){ "#ffffff", "#6b7280", "·" };
  case LOA_AUDIT_CELL_MISSED: return (CellLook){ "#fca5a5", "#7f1d1d", "✗" };
  case LOA_AUDIT_CELL_MISSING: return (CellLook){ "#9ca3af", "#111827", "—" };
  }
  return (CellLook){ "#ffffff", "#000000", "?" };
}

static const char *
cell_words(LoaAuditCell cell)
{
  switch (cell) {
  case LOA_AUDIT_CELL_MET: return _("quotas met");
  case LOA_AUDIT_CELL_OPEN: return _("month not over");
  case LOA_AUDIT_CELL_MISSED: return _("a quota missed");
  case LOA_AUDIT_CELL_MISSING: return _("log missing");
  }
  return "";
}

static void
append_header(const LoaAuditReport *report, GString *out)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
  g_autofree char *generated = loa_time_format_iso(utc, report->generated_at);
  generated[MIN(strlen(generated), 16)] = '\0';
  append_markup(out, "<header>\n<h1>%s</h1>\n", _("City broadcast compliance report"));
  g_autofree char *year = g_strdup_printf("%d", report->year);
  append_markup(out, "<p class=\"meta\">%s <b>%s</b> — %u %s</p>\n", _("Year:"), year,
                report->stations->len, _("registered stations"));
  for (guint q = 0; q < report->quotas->len; q++) {
    g_autofree char *label = loa_report_quota_label(report->quotas->pdata[q]);
    append_markup(out, "<p class=\"meta\">%s <b>%s</b> %s</p>\n", q == 0 ? _("Quota:") : "",
                  label, _("on every line"));
  }
  if (report->quotas->len == 0)
    append_markup(out, "<p class=\"meta\">%s</p>\n",
                  _("No quotas given: only the logs the city holds are checked."));
  append_markup(out, "<p class=\"meta\">%s %s UTC</p>\n</header>\n", _("Generated:"), generated);

  if (loa_audit_report_has_problem(report)) {
    g_autofree char *text = g_strdup_printf(_("%u quotas missed, %u months of logs missing."),
                                            report->missed, report->missing);
    append_markup(out, "<div class=\"box bad\"><strong>%s</strong></div>\n", text);
  } else
    append_markup(out, "<div class=\"box good\"><strong>%s</strong></div>\n",
                  _("Every station met every quota, and the city holds every month's log."));
  append_markup(out, "<div class=\"box none\">%s</div>\n",
                _("Every bundle was verified when it was imported: the signature by the "
                  "station's registered key, the hash chain of its rows, and its link to the "
                  "station's previous bundle."));
}

static void
append_chart(const LoaAuditReport *report, GString *out)
{
  const int left = 250, cell_w = 36, cell_h = 24, gap = 3, top = 22;
  int n = (int)report->stations->len;
  int width = left + 12 * (cell_w + gap) + 10, height = top + MAX(n, 1) * (cell_h + gap) + 6;
  append_markup(out, "<section class=\"chart\">\n<h2>%s</h2>\n", _("Stations by month"));
  g_string_append_printf(out,
                         "<svg id=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\""
                         " role=\"img\" aria-labelledby=\"city-chart-title\""
                         " font-family=\"DejaVu Sans, Noto Sans, Arial, sans-serif\" font-size=\"12\">\n",
                         LOA_AUDIT_REPORT_HTML_CHART_ID, width, height);
  g_autofree char *title = g_strdup_printf(_("Each station's months of %d"), report->year);
  append_markup(out, "<title id=\"city-chart-title\">%s</title>\n", title);
  for (int m = 0; m < 12; m++)
    g_string_append_printf(out,
                           "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#374151\">%02d</text>\n",
                           left + m * (cell_w + gap) + cell_w / 2, top - 7, m + 1);
  for (int s = 0; s < n; s++) {
    const LoaAuditReportStation *station = report->stations->pdata[s];
    int y = top + s * (cell_h + gap);
    g_autofree char *label = g_utf8_substring(station->name, 0, 30);
    if (g_utf8_strlen(station->name, -1) > 31) {
      char *shortened = g_strconcat(label, "…", NULL);
      g_free(label);
      label = shortened;
    } else {
      g_free(label);
      label = g_strdup(station->name);
    }
    g_string_append_printf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#111827\">",
                           left - 8, y + cell_h / 2 + 4);
    append_markup(out, "%s</text>\n", label);
    for (int m = 0; m < 12; m++) {
      CellLook look = cell_look(station->cells[m]);
      int x = left + m * (cell_w + gap);
      g_string_append_printf(out,
                             "<rect class=\"cell %s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\""
                             " fill=\"%s\" stroke=\"#6b7280\" stroke-width=\"0.5\">",
                             loa_audit_cell_key(station->cells[m]), x, y, cell_w, cell_h, look.fill);
      g_autofree char *tip = g_strdup_printf("%s %04d-%02d: %s", station->id, report->year, m + 1,
                                             cell_words(station->cells[m]));
      append_markup(out, "<title>%s</title></rect>\n", tip);
      g_string_append_printf(out,
                             "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-weight=\"bold\""
                             " fill=\"%s\">%s</text>\n",
                             x + cell_w / 2, y + cell_h / 2 + 5, look.ink, look.mark);
    }
  }
  g_string_append(out, "</svg>\n<p class=\"note\">");
  static const LoaAuditCell legend[] = { LOA_AUDIT_CELL_MET, LOA_AUDIT_CELL_MISSED,
                                         LOA_AUDIT_CELL_MISSING, LOA_AUDIT_CELL_OPEN };
  for (size_t i = 0; i < G_N_ELEMENTS(legend); i++) {
    CellLook look = cell_look(legend[i]);
    g_string_append_printf(out,
                           "<span style=\"display:inline-block;min-width:4mm;text-align:center;"
                           "background:%s;color:%s;border:0.5px solid #6b7280;margin:0 1mm 0 %s;"
                           "font-weight:bold\">%s</span>",
                           look.fill, look.ink, i == 0 ? "0" : "4mm", look.mark);
    append_markup(out, "%s", cell_words(legend[i]));
  }
  g_string_append(out, "</p>\n</section>\n");
}

static void
append_stations(const LoaAuditReport *report, GString *out)
{
  append_markup(out, "<section>\n<h2>%s</h2>\n<table id=\"stations\">\n<thead><tr>", _("Stations"));
  append_markup(out,
                "<th>%s</th><th>%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
                "<th class=\"n\">%s</th><th>%s</th><th>%s</th></tr></thead>\n<tbody>\n",
                _("Station"), _("Key"), _("Bundles"), _("Rows"), _("Lines"), _("Chain head"),
                _("Result"));
  for (guint s = 0; s < report->stations->len; s++) {
    const LoaAuditReportStation *station = report->stations->pdata[s];
    g_autofree char *bundles = g_strdup_printf("%u", station->bundles);
    g_autofree char *rows = g_strdup_printf("%" PRId64, station->rows);
    g_autofree char *lines = g_strdup_printf("%u", station->report->lines->len);
    append_markup(out,
                  "<tr><td><b>%s</b><br>%s</td><td><code>%s</code></td><td class=\"n\">%s</td>"
                  "<td class=\"n\">%s</td><td class=\"n\">%s</td><td><code>%s</code></td>"
                  "<td class=\"%s\">%s",
                  station->name, station->id, station->fingerprint, bundles, rows, lines,
                  station->head, loa_audit_cell_key(station->worst), cell_words(station->worst));
    for (guint w = 0; w < station->warnings->len; w++)
      append_markup(out, "<br><small>%s %s</small>", _("warning:"),
                    (const char *)station->warnings->pdata[w]);
    g_string_append(out, "</td></tr>\n");
  }
  g_string_append(out, "</tbody>\n</table>\n</section>\n");
}

static void
append_quotas(const LoaAuditReport *report, GString *out)
{
  if (report->quotas->len == 0)
    return;
  for (guint s = 0; s < report->stations->len; s++) {
    const LoaAuditReportStation *station = report->stations->pdata[s];
    g_autofree char *lines = g_strdup_printf(
      g_dngettext(LOA_GETTEXT_PACKAGE, "the fewest on any of its %u line that aired that month",
                  "the fewest on any of its %u lines that aired that month",
                  station->report->lines->len),
      station->report->lines->len);
    if (station->report->lines->len == 0) {
      append_markup(out, "<section class=\"station\" id=\"station-%s\">\n<h3>%s (%s)</h3>\n"
                         "<p class=\"note\">%s</p>\n",
                    station->id, station->name, station->id, _("No rows imported for this year."));
    } else {
      append_markup(out, "<section class=\"station\" id=\"station-%s\">\n<h3>%s (%s) — %s</h3>\n",
                    station->id, station->name, station->id, lines);
      loa_report_html_append_quota_table(station->report, station->report->station, out);
    }
    g_string_append(out, "</section>\n");
  }
}

void
loa_audit_report_html_append(const LoaAuditReport *report, GString *out)
{
  g_autofree char *title = g_strdup_printf(_("City broadcast compliance report %d"), report->year);
  loa_report_html_append_head(out, title);
  append_header(report, out);
  append_chart(report, out);
  append_stations(report, out);
  if (report->quotas->len > 0)
    append_markup(out, "<h2>%s</h2>\n", _("Quotas by station"));
  append_quotas(report, out);
  loa_report_html_append_foot(out);
}
