/* The city's yearly report as one HTML page (same look and rules as
 * report-html.h): the city chart — a row per station, a cell per month:
 * met, quota missed, log missing, not over —, the stations with the bundles
 * the city holds, and each station's quotas month by month. */
#pragma once

#include <glib.h>

#include "audit-report.h"

/* Element id of the city chart, for tools and tests. */
#define LOA_AUDIT_REPORT_HTML_CHART_ID "city-chart"

/* Appends the whole page for report to out. */
void loa_audit_report_html_append(const LoaAuditReport *report, GString *out);
