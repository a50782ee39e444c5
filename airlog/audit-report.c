/* The city's yearly report (see audit-report.h): the bundles of each station
 * give the months the city holds; loa_report_gather() on the imported rows
 * gives the quotas; then the report as tables or JSON. */
#include "audit-report.h"

#include "db.h"
#include "i18n.h"
#include "loa-time.h"

#include <inttypes.h>
#include <string.h>

typedef enum {
  STMT_STATIONS,
  STMT_BUNDLES,
  N_STATEMENTS
} Statement;

static const char *const statement_sql[N_STATEMENTS] = {
  [STMT_STATIONS] = "SELECT id, name, fingerprint FROM stations ORDER BY id",
  [STMT_BUNDLES] =
    "SELECT period_from, period_until, row_count, head_after, warning, timezone FROM bundles"
    " WHERE station_id = ? ORDER BY last_seq",
};

const char *
loa_audit_cell_key(LoaAuditCell cell)
{
  switch (cell) {
  case LOA_AUDIT_CELL_MET: return "met";
  case LOA_AUDIT_CELL_OPEN: return "open";
  case LOA_AUDIT_CELL_MISSED: return "missed";
  case LOA_AUDIT_CELL_MISSING: return "missing";
  }
  g_return_val_if_reached("missing");
}

const char *
loa_audit_coverage_key(LoaAuditCoverage coverage)
{
  switch (coverage) {
  case LOA_AUDIT_COVERAGE_NONE: return "none";
  case LOA_AUDIT_COVERAGE_PARTIAL: return "partial";
  case LOA_AUDIT_COVERAGE_FULL: return "full";
  }
  g_return_val_if_reached("none");
}

static void
station_free(gpointer data)
{
  LoaAuditReportStation *station = data;
  g_free(station->id);
  g_free(station->name);
  g_free(station->fingerprint);
  g_free(station->timezone_name);
  loa_report_free(station->report);
  g_free(station->head);
  if (station->warnings != NULL)
    g_ptr_array_unref(station->warnings);
  g_free(station);
}

void
loa_audit_report_free(LoaAuditReport *report)
{
  if (report == NULL)
    return;
  if (report->quotas != NULL)
    g_ptr_array_unref(report->quotas);
  if (report->stations != NULL)
    g_ptr_array_unref(report->stations);
  g_free(report);
}

static gboolean
month_bounds(GTimeZone *tz, int year, gint64 bounds[13], GError **error)
{
  for (int m = 0; m <= 12; m++) {
    LoaDate date = { .year = m < 12 ? year : year + 1, .month = m < 12 ? m + 1 : 1, .day = 1 };
    if (!loa_civil_to_utc(tz, &date, 0, &bounds[m], error))
      return FALSE;
  }
  return TRUE;
}

/* One imported bundle of a station. */
typedef struct {
  gint64 from, until;   /* its period, UTC ns */
  gint64 rows;
  char *warning;        /* "" if none */
} Span;

static void
span_clear(gpointer data)
{
  g_free(((Span *)data)->warning);
}

/* The station's bundles in chain order into spans; its chain head and time
 * zone are those of the last one. */
static gboolean
read_bundles(sqlite3_stmt *stmt, LoaAuditReportStation *station, GArray *spans, GError **error)
{
  if (!loa_db_bind(stmt, error, "t", station->id))
    return FALSE;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    Span span = { sqlite3_column_int64(stmt, 0), sqlite3_column_int64(stmt, 1),
                  sqlite3_column_int64(stmt, 2), loa_db_column_text(stmt, 4) };
    g_array_append_val(spans, span);
    g_free(station->head);
    station->head = loa_db_column_text(stmt, 3);
    g_free(station->timezone_name);
    station->timezone_name = loa_db_column_text(stmt, 5);
  }
  sqlite3_reset(stmt);
  if (rc != SQLITE_DONE)
    return loa_db_set_error(error, sqlite3_db_handle(stmt), _("reading the audit database"));
  return TRUE;
}

/* Counts the bundles that overlap [from, until), their rows and warnings. */
static void
keep_year(LoaAuditReportStation *station, GArray *spans, gint64 from, gint64 until)
{
  for (guint i = 0; i < spans->len; i++) {
    const Span *span = &g_array_index(spans, Span, i);
    if (span->until <= from || span->from >= until)
      continue;
    station->bundles++;
    station->rows += span->rows;
    if (*span->warning != '\0')
      g_ptr_array_add(station->warnings, g_strdup(span->warning));
  }
}

static LoaAuditCoverage
coverage_of(GArray *spans, gint64 from, gint64 until)
{
  gint64 covered = 0;
  for (guint i = 0; i < spans->len; i++) {
    const Span *span = &g_array_index(spans, Span, i);
    gint64 a = MAX(span->from, from), b = MIN(span->until, until);
    if (b > a)
      covered += b - a;
  }
  if (covered == 0)
    return LOA_AUDIT_COVERAGE_NONE;
  return covered >= until - from ? LOA_AUDIT_COVERAGE_FULL : LOA_AUDIT_COVERAGE_PARTIAL;
}

static gboolean
gather_station(LoaAuditReport *report, sqlite3 *db, sqlite3_stmt *bundles,
               LoaAuditReportStation *station, GTimeZone *default_zone, gint64 now,
               GError **error)
{
  g_autoptr(GArray) spans = g_array_new(FALSE, FALSE, sizeof(Span));
  g_array_set_clear_func(spans, span_clear);
  if (!read_bundles(bundles, station, spans, error))
    return FALSE;
  g_autoptr(GTimeZone) zone = NULL;
  if (station->timezone_name != NULL)
    zone = loa_time_zone_new(station->timezone_name, NULL);
  if (zone == NULL) {
    zone = g_time_zone_ref(default_zone);
    g_free(station->timezone_name);
    station->timezone_name = g_strdup(g_time_zone_get_identifier(default_zone));
  }
  gint64 bounds[13];
  if (!month_bounds(zone, report->year, bounds, error))
    return FALSE;
  keep_year(station, spans, bounds[0], bounds[12]);

  LoaReportSource source = {
    .station_id = station->id, .station_name = station->name, .timezone = zone,
    .lines = NULL, .quotas = report->quotas, .now = now, .audit = TRUE,
  };
  LoaReportPeriod period = { .year = report->year, .month = 0 };
  station->report = loa_report_gather(db, &period, &source, error);
  if (station->report == NULL)
    return FALSE;

  station->worst = LOA_AUDIT_CELL_MET;
  const GArray *judgements = station->report->station->judgements;
  for (int m = 0; m < 12; m++) {
    station->coverage[m] = coverage_of(spans, bounds[m], bounds[m + 1]);
    LoaAuditCell cell = LOA_AUDIT_CELL_MET;
    if (bounds[m + 1] > now)
      cell = LOA_AUDIT_CELL_OPEN;
    else if (station->coverage[m] != LOA_AUDIT_COVERAGE_FULL)
      cell = LOA_AUDIT_CELL_MISSING;
    else
      for (guint j = 0; j < judgements->len; j++) {
        const LoaReportJudgement *judgement = &g_array_index(judgements, LoaReportJudgement, j);
        if (judgement->month == m + 1 && judgement->verdict.state == LOA_QUOTA_MISSED)
          cell = LOA_AUDIT_CELL_MISSED;
      }
    station->cells[m] = cell;
    station->worst = MAX(station->worst, cell);
    report->missed += cell == LOA_AUDIT_CELL_MISSED;
    report->missing += cell == LOA_AUDIT_CELL_MISSING;
  }
  /* A yearly quota missed over a year the city holds whole (missing months
   * are reported as such, and make the year's count incomplete). */
  gboolean whole = TRUE;
  for (int m = 0; m < 12; m++)
    whole = whole && station->coverage[m] == LOA_AUDIT_COVERAGE_FULL;
  for (guint j = 0; whole && j < judgements->len; j++) {
    const LoaReportJudgement *judgement = &g_array_index(judgements, LoaReportJudgement, j);
    if (judgement->month == 0 && judgement->verdict.state == LOA_QUOTA_MISSED) {
      report->missed++;
      station->worst = MAX(station->worst, LOA_AUDIT_CELL_MISSED);
    }
  }
  return TRUE;
}

LoaAuditReport *
loa_audit_report_gather(LoaAudit *audit, int year, const GPtrArray *quotas,
                        GTimeZone *default_zone, gint64 now, GError **error)
{
  sqlite3 *db = loa_audit_db(audit);
  g_autoptr(LoaAuditReport) report = g_new0(LoaAuditReport, 1);
  report->year = year;
  report->generated_at = now;
  report->quotas = g_ptr_array_new_with_free_func((GDestroyNotify)loa_quota_free);
  for (guint q = 0; quotas != NULL && q < quotas->len; q++)
    g_ptr_array_add(report->quotas, loa_quota_copy(quotas->pdata[q]));
  report->stations = g_ptr_array_new_with_free_func(station_free);

  sqlite3_stmt *stmts[N_STATEMENTS];
  if (!loa_db_prepare_all(db, statement_sql, N_STATEMENTS, stmts, error))
    return NULL;
  int rc;
  while ((rc = sqlite3_step(stmts[STMT_STATIONS])) == SQLITE_ROW) {
    LoaAuditReportStation *station = g_new0(LoaAuditReportStation, 1);
    station->id = loa_db_column_text(stmts[STMT_STATIONS], 0);
    station->name = loa_db_column_text(stmts[STMT_STATIONS], 1);
    station->fingerprint = loa_db_column_text(stmts[STMT_STATIONS], 2);
    station->head = g_strdup("");
    station->warnings = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(report->stations, station);
  }
  gboolean ok = rc == SQLITE_DONE || loa_db_set_error(error, db, _("reading the audit database"));
  for (guint s = 0; ok && s < report->stations->len; s++)
    ok = gather_station(report, db, stmts[STMT_BUNDLES], report->stations->pdata[s], default_zone,
                        now, error);
  loa_db_finalize_all(stmts, N_STATEMENTS);
  return ok ? g_steal_pointer(&report) : NULL;
}

gboolean
loa_audit_report_has_problem(const LoaAuditReport *report)
{
  return report->missed > 0 || report->missing > 0;
}

/* Text output. */

static const char *
cell_mark(LoaAuditCell cell)
{
  switch (cell) {
  case LOA_AUDIT_CELL_MET: return "✓";
  case LOA_AUDIT_CELL_OPEN: return "·";
  case LOA_AUDIT_CELL_MISSED: return "✗";
  case LOA_AUDIT_CELL_MISSING: return "—";
  }
  return "?";
}

static const char *
cell_label(LoaAuditCell cell)
{
  switch (cell) {
  case LOA_AUDIT_CELL_MET: return _("met");
  case LOA_AUDIT_CELL_OPEN: return _("not over");
  case LOA_AUDIT_CELL_MISSED: return _("quota missed");
  case LOA_AUDIT_CELL_MISSING: return _("log missing");
  }
  return "";
}

/* The grid: a row per station, a column per month. */
static LoaTable *
grid_table(const LoaAuditReport *report, gboolean human)
{
  LoaTable *table = loa_table_new();
  loa_table_add_column(table, "station", _("STATION"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "name", _("NAME"), LOA_COLUMN_TEXT);
  for (int m = 1; m <= 12; m++) {
    g_autofree char *key = g_strdup_printf("%04d-%02d", report->year, m);
    g_autofree char *header = g_strdup_printf("%02d", m);
    loa_table_add_column(table, key, header, LOA_COLUMN_TEXT);
  }
  loa_table_add_column(table, "bundles", _("BUNDLES"), LOA_COLUMN_NUMBER);
  loa_table_add_column(table, "rows", _("ROWS"), LOA_COLUMN_NUMBER);
  loa_table_add_column(table, "result", _("RESULT"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "fingerprint", _("KEY"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "head", _("CHAIN HEAD"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "warnings", _("WARNINGS"), LOA_COLUMN_TEXT);
  for (guint s = 0; s < report->stations->len; s++) {
    const LoaAuditReportStation *station = report->stations->pdata[s];
    loa_table_add_row(table);
    loa_table_set(table, 0, station->id);
    loa_table_set(table, 1, station->name);
    for (int m = 0; m < 12; m++)
      loa_table_set(table, 2 + (guint)m,
                    human ? cell_mark(station->cells[m]) : loa_audit_cell_key(station->cells[m]));
    loa_table_take(table, 14, g_strdup_printf("%u", station->bundles));
    loa_table_take(table, 15, g_strdup_printf("%" PRId64, station->rows));
    loa_table_set(table, 16, human ? cell_label(station->worst) : loa_audit_cell_key(station->worst));
    loa_table_set(table, 17, station->fingerprint);
    loa_table_set(table, 18, station->head);
    GString *warnings = g_string_new(NULL);
    for (guint w = 0; w < station->warnings->len; w++)
      g_string_append_printf(warnings, "%s%s", w > 0 ? "; " : "",
                             (char *)station->warnings->pdata[w]);
    loa_table_take(table, 19, g_string_free(warnings, FALSE));
  }
  if (human) {
    loa_table_hide_in_table(table, 17);
    loa_table_hide_in_table(table, 18);
    loa_table_hide_in_table(table, 19);
  }
  return table;
}

/* The station-wide quota judgements, one row each, for tools. */
static LoaTable *
quotas_table(const LoaAuditReport *report)
{
  LoaTable *table = loa_table_new();
  loa_table_add_column(table, "station", _("STATION"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "period", _("PERIOD"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "coverage", _("LOG HELD"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "topic", _("TOPIC"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "category", _("CATEGORY"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "per", _("PER"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "required", _("REQUIRED"), LOA_COLUMN_NUMBER);
  loa_table_add_column(table, "counted", _("COUNTED"), LOA_COLUMN_NUMBER);
  loa_table_add_column(table, "result", _("RESULT"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "shortfall", _("SHORTFALL"), LOA_COLUMN_NUMBER);
  for (guint s = 0; s < report->stations->len; s++) {
    const LoaAuditReportStation *station = report->stations->pdata[s];
    const GArray *judgements = station->report->station->judgements;
    for (guint j = 0; j < judgements->len; j++) {
      const LoaReportJudgement *judgement = &g_array_index(judgements, LoaReportJudgement, j);
      const LoaQuotaConfig *quota = report->quotas->pdata[judgement->quota];
      loa_table_add_row(table);
      loa_table_set(table, 0, station->id);
      loa_table_take(table, 1, loa_report_judgement_period(station->report, judgement));
      if (judgement->month != 0)
        loa_table_set(table, 2, loa_audit_coverage_key(station->coverage[judgement->month - 1]));
      loa_table_set(table, 3, quota->topic);
      loa_table_set(table, 4, quota->category);
      loa_table_set(table, 5, quota->per);
      loa_table_take(table, 6, g_strdup_printf("%" PRId64, judgement->verdict.required));
      loa_table_take(table, 7, g_strdup_printf("%" PRId64, judgement->verdict.counted));
      loa_table_set(table, 8, loa_quota_state_key(judgement->verdict.state));
      loa_table_take(table, 9, g_strdup_printf("%" PRId64, judgement->verdict.shortfall));
    }
  }
  return table;
}

static void
append_human(const LoaAuditReport *report, GString *out)
{
  g_string_append_printf(out, _("City report for %d: %u stations\n"), report->year,
                         report->stations->len);
  if (report->quotas->len == 0)
    g_string_append(out, _("Quotas: none given (--quota); only the logs held are checked.\n"));
  for (guint q = 0; q < report->quotas->len; q++) {
    g_autofree char *label = loa_report_quota_label(report->quotas->pdata[q]);
    g_string_append_printf(out, "%s %s\n", q == 0 ? _("Quotas:") : "       ", label);
  }
  g_string_append_c(out, '\n');
  g_autoptr(LoaTable) grid = grid_table(report, TRUE);
  loa_table_append(grid, LOA_TABLE_FORMAT_TABLE, LOA_TABLE_PRINT_DEFAULT, out);
  g_string_append(out, _("\n✓ met   ✗ a quota missed on some line   — the city lacks the month's "
                         "log   · month not over\n"));
  for (guint s = 0; s < report->stations->len; s++) {
    const LoaAuditReportStation *station = report->stations->pdata[s];
    for (guint w = 0; w < station->warnings->len; w++)
      g_string_append_printf(out, _("warning: %s: %s\n"), station->id,
                             (char *)station->warnings->pdata[w]);
  }
  if (loa_audit_report_has_problem(report))
    g_string_append_printf(out, _("\nResult: %u quotas missed, %u months of logs missing.\n"),
                           report->missed, report->missing);
  else
    g_string_append(out, _("\nResult: every station met every quota and the city holds every "
                           "month's log.\n"));
}

static void
append_json(const LoaAuditReport *report, GString *out)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
  g_autofree char *generated = loa_time_format_iso(utc, report->generated_at);
  g_string_append_printf(out, "{\n  \"year\": %d,\n  \"generated_at\": \"%s\",\n", report->year,
                         generated);
  g_string_append(out, "  \"quotas\": [");
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
  g_string_append_printf(out, "  \"missed\": %u,\n  \"missing\": %u,\n  \"stations\": [",
                         report->missed, report->missing);
  for (guint s = 0; s < report->stations->len; s++) {
    const LoaAuditReportStation *station = report->stations->pdata[s];
    const LoaReportCounts *totals = &station->report->station->totals;
    g_string_append(out, s == 0 ? "\n    {\"id\": " : ",\n    {\"id\": ");
    loa_json_append_string(out, station->id);
    g_string_append(out, ", \"name\": ");
    loa_json_append_string(out, station->name);
    g_string_append(out, ", \"fingerprint\": ");
    loa_json_append_string(out, station->fingerprint);
    g_string_append(out, ", \"timezone\": ");
    loa_json_append_string(out, station->timezone_name);
    g_string_append_printf(out, ",\n     \"bundles\": %u, \"rows\": %" PRId64 ", \"head\": ",
                           station->bundles, station->rows);
    loa_json_append_string(out, station->head);
    g_string_append(out, ", \"warnings\": [");
    for (guint w = 0; w < station->warnings->len; w++) {
      if (w > 0)
        g_string_append(out, ", ");
      loa_json_append_string(out, station->warnings->pdata[w]);
    }
    g_string_append_printf(out, "], \"result\": \"%s\",\n     \"lines\": %u, \"airings\": %"
                                PRId64 ", \"completed\": %" PRId64 ",\n",
                           loa_audit_cell_key(station->worst), station->report->lines->len,
                           totals->airings, totals->status[LOA_REPORT_COMPLETED]);
    g_string_append(out, "     \"months\": [");
    for (int m = 0; m < 12; m++)
      g_string_append_printf(out, "%s{\"month\": %d, \"log\": \"%s\", \"result\": \"%s\"}",
                             m == 0 ? "" : ", ", m + 1,
                             loa_audit_coverage_key(station->coverage[m]),
                             loa_audit_cell_key(station->cells[m]));
    g_string_append(out, "],\n     \"quotas\": [");
    const GArray *judgements = station->report->station->judgements;
    for (guint j = 0; j < judgements->len; j++) {
      const LoaReportJudgement *judgement = &g_array_index(judgements, LoaReportJudgement, j);
      const LoaQuotaVerdict *v = &judgement->verdict;
      g_string_append_printf(out,
                             "%s{\"quota\": %u, \"month\": %d, \"required\": %" PRId64
                             ", \"counted\": %" PRId64 ", \"result\": \"%s\","
                             " \"shortfall\": %" PRId64 "}",
                             j == 0 ? "" : ", ", judgement->quota, judgement->month, v->required,
                             v->counted, loa_quota_state_key(v->state), v->shortfall);
    }
    g_string_append(out, "]}");
  }
  g_string_append(out, report->stations->len > 0 ? "\n  ]\n}\n" : "]\n}\n");
}

void
loa_audit_report_append_text(const LoaAuditReport *report, LoaTableFormat format,
                             LoaTablePrintFlags flags, GString *out)
{
  switch (format) {
  case LOA_TABLE_FORMAT_TABLE: append_human(report, out); break;
  case LOA_TABLE_FORMAT_JSON: append_json(report, out); break;
  case LOA_TABLE_FORMAT_CSV: {
    g_autoptr(LoaTable) grid = grid_table(report, FALSE);
    g_autoptr(LoaTable) quotas = quotas_table(report);
    loa_table_append(grid, LOA_TABLE_FORMAT_CSV, flags, out);
    g_string_append(out, "\r\n");
    loa_table_append(quotas, LOA_TABLE_FORMAT_CSV, flags & ~LOA_TABLE_PRINT_BOM, out);
    break;
  }
  }
}
