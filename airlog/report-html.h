/* The compliance report as one HTML page for the city department: the
 * station's quota chart (inline SVG: a group of bars per month, a bar per
 * monthly quota, against each quota's line), the whole station's numbers, a
 * section per line (airings by category and topic, quotas month by month) and
 * the verification status of the as-run log.
 *
 * Self-contained: UTF-8, inline CSS and SVG, no scripts, no fonts or images
 * from elsewhere; sized for A4 paper when printed. */
#pragma once

#include <glib.h>

#include "report.h"

/* Element ids the page always has, for tools and tests. */
#define LOA_REPORT_HTML_CHART_ID "quota-chart"
#define LOA_REPORT_HTML_STATION_TABLE_ID "station-lines"

/* Appends the whole page for report to out. */
void loa_report_html_append(const LoaReport *report, GString *out);

/* Pieces shared with the city's page (audit-report-html.h). */

/* The page up to and including <body>: doctype, UTF-8, title, style sheet. */
void loa_report_html_append_head(GString *out, const char *title);
/* The footer line and the end of the page. */
void loa_report_html_append_foot(GString *out);
/* A table of line's quota judgements: a row per quota, a column per month of
 * the report (and one for the year), cells "counted/required" with a mark. */
void loa_report_html_append_quota_table(const LoaReport *report, const LoaReportLine *line,
                                        GString *out);
