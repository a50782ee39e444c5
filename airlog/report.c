/* Compliance reports (see report.h): one pass over the period's airings (from
 * January for yearly quotas), grouped by line, category, topic and status,
 * and what counts toward quotas by month; then the quota rules of
 * schedules/quota.h; then the report as tables or JSON. */
#include "report.h"

#include "db.h"
#include "i18n.h"
#include "loa-time.h"

#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK(loa-report-error-quark, loa_report_error)

/* What makes an airing count toward a quota: it completed on its line and,
 * where the line has a monitor return (monitor <> ''), the monitor heard it
 * throughout. Rows of canonical form 1 have no monitor (''). */
#define QUOTA_COUNTS "(status = 'completed' AND monitor IN ('', 'present'))"

/* One pass over the airings in time order, from a station database (through
 * the covering index airings_report, 0003-report-indexes.sql) or from the
 * rows the city imported for one station (audit.h). The grouping is done in
 * C: SQL's GROUP BY would sort every row, several times slower on a year. */
#define AIRINGS_COLUMNS                                                                        \
  "SELECT scheduled_at, line, category, topic, status,"                                        \
  " CASE WHEN ended_at > started_at THEN ended_at - started_at ELSE 0 END, " QUOTA_COUNTS \
  ", chain_seq"
static const char station_airings_sql[] =
  AIRINGS_COLUMNS " FROM airings WHERE scheduled_at >= ?1 AND scheduled_at < ?2";
static const char audit_airings_sql[] =
  AIRINGS_COLUMNS " FROM airings WHERE station_id = ?3 AND scheduled_at >= ?1 AND scheduled_at < ?2";

#define MIN_YEAR 1970
#define MAX_YEAR 2261

/* Parses exactly `digits` ASCII digits at *p. */
static gboolean
parse_digits(const char **p, int digits, int *value)
{
  int v = 0;
  for (int i = 0; i < digits; i++) {
    if (!g_ascii_isdigit((*p)[i]))
      return FALSE;
    v = v * 10 + ((*p)[i] - '0');
  }
  *p += digits;
  *value = v;
  return TRUE;
}

static gboolean
check_year(const char *text, int year, GError **error)
{
  if (year >= MIN_YEAR && year <= MAX_YEAR)
    return TRUE;
  g_set_error(error, LOA_REPORT_ERROR, LOA_REPORT_ERROR_PERIOD,
              _("year '%s' is out of range (%d to %d)"), text, MIN_YEAR, MAX_YEAR);
  return FALSE;
}

gboolean
loa_report_period_parse_month(const char *text, LoaReportPeriod *period, GError **error)
{
  const char *p = text;
  int year, month;
  if (!parse_digits(&p, 4, &year) || *p++ != '-' || !parse_digits(&p, 2, &month) || *p != '\0') {
    g_set_error(error, LOA_REPORT_ERROR, LOA_REPORT_ERROR_PERIOD,
                _("month '%s' is not YYYY-MM (for example 2026-03)"), text);
    return FALSE;
  }
  if (month < 1 || month > 12) {
    g_set_error(error, LOA_REPORT_ERROR, LOA_REPORT_ERROR_PERIOD,
                _("month '%s' does not exist (months are 01 to 12)"), text);
    return FALSE;
  }
  if (!check_year(text, year, error))
    return FALSE;
  *period = (LoaReportPeriod){ .year = year, .month = month };
  return TRUE;
}

gboolean
loa_report_period_parse_year(const char *text, LoaReportPeriod *period, GError **error)
{
  const char *p = text;
  int year;
  if (!parse_digits(&p, 4, &year) || *p != '\0') {
    g_set_error(error, LOA_REPORT_ERROR, LOA_REPORT_ERROR_PERIOD,
                _("year '%s' is not YYYY (for example 2026)"), text);
    return FALSE;
  }
  if (!check_year(text, year, error))
    return FALSE;
  *period = (LoaReportPeriod){ .year = year, .month = 0 };
  return TRUE;
}

char *
loa_report_period_label(const LoaReportPeriod *period)
{
  if (period->month == 0)
    return g_strdup_printf("%04d", period->year);
  return g_strdup_printf("%04d-%02d", period->year, period->month);
}

static const char *const status_keys[LOA_REPORT_N_STATUSES] = {
  [LOA_REPORT_COMPLETED] = LOA_AIRING_COMPLETED,
  [LOA_REPORT_INTERRUPTED] = LOA_AIRING_INTERRUPTED,
  [LOA_REPORT_FAILED] = LOA_AIRING_FAILED,
  [LOA_REPORT_MISSED] = LOA_AIRING_MISSED,
  [LOA_REPORT_ON_AIR] = LOA_AIRING_ON_AIR,
};

const char *
loa_report_status_key(LoaReportStatus status)
{
  g_return_val_if_fail(status < LOA_REPORT_N_STATUSES, "");
  return status_keys[status];
}

/* The status index of a log status, or -1 for one the report does not know. */
static int
status_from_key(const char *key)
{
  for (int s = 0; s < LOA_REPORT_N_STATUSES; s++)
    if (g_strcmp0(key, status_keys[s]) == 0)
      return s;
  return -1;
}

static void
counts_add(LoaReportCounts *counts, int status, gint64 airings, gint64 airtime_ns)
{
  counts->airings += airings;
  if (status >= 0)
    counts->status[status] += airings;
  counts->airtime_ns += airtime_ns;
}

static void
group_free(gpointer data)
{
  LoaReportGroup *group = data;
  g_free(group->category);
  g_free(group->topic);
  g_free(group);
}

static LoaReportLine *
line_new(const char *id, const char *name, gboolean configured)
{
  LoaReportLine *line = g_new0(LoaReportLine, 1);
  line->id = g_strdup(id);
  line->name = g_strdup(name);
  line->configured = configured;
  line->groups = g_ptr_array_new_with_free_func(group_free);
  line->judgements = g_array_new(FALSE, TRUE, sizeof(LoaReportJudgement));
  return line;
}

static void
line_free(gpointer data)
{
  LoaReportLine *line = data;
  if (line == NULL)
    return;
  g_free(line->id);
  g_free(line->name);
  g_ptr_array_unref(line->groups);
  g_array_unref(line->judgements);
  g_free(line);
}

/* The line's group for category and topic, added if it has none yet. */
static LoaReportGroup *
line_group(LoaReportLine *line, const char *category, const char *topic)
{
  for (guint i = 0; i < line->groups->len; i++) {
    LoaReportGroup *group = line->groups->pdata[i];
    if (strcmp(group->category, category) == 0 && strcmp(group->topic, topic) == 0)
      return group;
  }
  LoaReportGroup *group = g_new0(LoaReportGroup, 1);
  group->category = g_strdup(category);
  group->topic = g_strdup(topic);
  g_ptr_array_add(line->groups, group);
  return group;
}

static int
compare_groups(gconstpointer a, gconstpointer b)
{
  const LoaReportGroup *x = *(LoaReportGroup *const *)a, *y = *(LoaReportGroup *const *)b;
  int c = strcmp(x->category, y->category);
  return c != 0 ? c : strcmp(x->topic, y->topic);
}

static int
compare_line_ids(gconstpointer a, gconstpointer b)
{
  return strcmp((*(LoaReportLine *const *)a)->id, (*(LoaReportLine *const *)b)->id);
}

void
loa_report_free(LoaReport *report)
{
  if (report == NULL)
    return;
  g_free(report->station_id);
  g_free(report->station_name);
  g_free(report->period_label);
  if (report->timezone != NULL)
    g_time_zone_unref(report->timezone);
  if (report->quotas != NULL)
    g_ptr_array_unref(report->quotas);
  if (report->lines != NULL)
    g_ptr_array_unref(report->lines);
  line_free(report->station);
  loa_chain_report_clear(&report->log);
  g_free(report);
}

/* The gathering in progress. Texts (line ids, categories, topics) are
 * interned to small numbers so that each row costs a few hash lookups. */
typedef struct {
  LoaReport *report;
  sqlite3_stmt *stmt;           /* station_airings_sql or audit_airings_sql */
  gboolean audit;               /* the audit database: bind the station id too */
  GHashTable *lines;            /* id -> LoaReportLine * (borrowed from report->lines) */
  guint n_configured;           /* report->lines[0 .. n_configured - 1] are configured */
  gint64 month_start[13];       /* UTC ns of local midnight on the 1st of each month, and of next year */
  GHashTable *name_ids;         /* text -> its number + 1 */
  GPtrArray *names;             /* number -> text (owned) */
  GHashTable *cells;            /* CELL_KEY -> Cell *: what aired in the report's period */
  GHashTable *tallies;          /* TALLY_KEY -> Tally *: what counts toward quotas, by month */
  GHashTable *active;           /* ACTIVE_KEY of each line and month (1..12) with a row */
  gboolean active_only;         /* judge a line only in the months it has rows */
} Gatherer;

/* Airings of one line, category, topic and status. */
typedef struct {
  gint64 key;
  guint line, category, topic;  /* name numbers */
  int status;                   /* LoaReportStatus, or -1 for a status the report does not know */
  gint64 airings, airtime_ns;
} Cell;

/* Airings that count toward quotas, of one line, topic and category in one month. */
typedef struct {
  gint64 key;
  guint line, topic, category;
  int month;                    /* 0..11 */
  gint64 count;
} Tally;

/* Name numbers take 20 bits each in the keys. */
#define MAX_NAMES (1u << 20)
#define CELL_KEY(line, category, topic, status)                                                \
  ((gint64)(line) << 43 | (gint64)(category) << 23 | (gint64)(topic) << 3 | (gint64)((status) & 7))
#define ACTIVE_KEY(line, month) GUINT_TO_POINTER((guint)(line) << 4 | (guint)(month))
#define TALLY_KEY(line, topic, category, month)                                                \
  ((gint64)(line) << 44 | (gint64)(topic) << 24 | (gint64)(category) << 4 | (gint64)(month))

static void
gatherer_clear(Gatherer *g)
{
  g_clear_pointer(&g->stmt, sqlite3_finalize);
  g_clear_pointer(&g->lines, g_hash_table_unref);
  g_clear_pointer(&g->name_ids, g_hash_table_unref);
  g_clear_pointer(&g->names, g_ptr_array_unref);
  g_clear_pointer(&g->cells, g_hash_table_unref);
  g_clear_pointer(&g->tallies, g_hash_table_unref);
  g_clear_pointer(&g->active, g_hash_table_unref);
}

static gboolean
month_bounds(Gatherer *g, GTimeZone *tz, int year, GError **error)
{
  for (int m = 0; m <= 12; m++) {
    LoaDate date = { .year = m < 12 ? year : year + 1, .month = m < 12 ? m + 1 : 1, .day = 1 };
    if (!loa_civil_to_utc(tz, &date, 0, &g->month_start[m], error))
      return FALSE;
  }
  return TRUE;
}

/* The number of a text, given on first sight; G_MAXUINT when there are too many. */
static guint
name_id(Gatherer *g, const char *text)
{
  gpointer found = g_hash_table_lookup(g->name_ids, text);
  if (found != NULL)
    return GPOINTER_TO_UINT(found) - 1;
  if (g->names->len >= MAX_NAMES)
    return G_MAXUINT;
  char *copy = g_strdup(text);
  g_ptr_array_add(g->names, copy);
  g_hash_table_insert(g->name_ids, copy, GUINT_TO_POINTER(g->names->len));
  return g->names->len - 1;
}

static const char *
name_text(const Gatherer *g, guint id)
{
  return g->names->pdata[id];
}

static LoaReportLine *
find_or_add_line(Gatherer *g, const char *id)
{
  LoaReportLine *line = g_hash_table_lookup(g->lines, id);
  if (line == NULL) {
    line = line_new(id, id, FALSE);
    g_ptr_array_add(g->report->lines, line);
    g_hash_table_insert(g->lines, line->id, line);
  }
  return line;
}

static const char *
column_text(sqlite3_stmt *stmt, int column)
{
  const char *text = (const char *)sqlite3_column_text(stmt, column);
  return text != NULL ? text : "";
}

/* The month (0..11) of a time inside the year, starting the search at guess
 * (rows come in time order, so the guess is nearly always right). */
static int
month_of(const Gatherer *g, gint64 at, int guess)
{
  if (at >= g->month_start[guess] && at < g->month_start[guess + 1])
    return guess;
  int m = 0;
  while (m < 11 && at >= g->month_start[m + 1])
    m++;
  return m;
}

/* One pass over the airings scheduled in [from, until): what aired in the
 * report's period [report->from, until) into cells, and what counts toward
 * quotas into tallies by month. */
static gboolean
read_airings(Gatherer *g, sqlite3 *db, gint64 from, GError **error)
{
  LoaReport *report = g->report;
  sqlite3_stmt *stmt = g->stmt;
  if (!loa_db_bind(stmt, error, "ii", from, report->until))
    return FALSE;
  if (g->audit && sqlite3_bind_text(stmt, 3, report->station_id, -1, SQLITE_STATIC) != SQLITE_OK)
    return loa_db_set_error(error, db, _("binding a parameter"));
  int rc, month = 0;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    gint64 at = sqlite3_column_int64(stmt, 0);
    guint line = name_id(g, column_text(stmt, 1));
    guint category = name_id(g, column_text(stmt, 2));
    guint topic = name_id(g, column_text(stmt, 3));
    if (line == G_MAXUINT || category == G_MAXUINT || topic == G_MAXUINT) {
      sqlite3_reset(stmt);
      g_set_error(error, LOA_DB_ERROR, LOA_DB_ERROR_SQL,
                  _("reading the as-run log: more than %u different lines, categories and topics"),
                  MAX_NAMES);
      return FALSE;
    }
    if (at >= report->from) {
      int status = status_from_key(column_text(stmt, 4));
      gint64 key = CELL_KEY(line, category, topic, status);
      Cell *cell = g_hash_table_lookup(g->cells, &key);
      if (cell == NULL) {
        cell = g_new0(Cell, 1);
        *cell = (Cell){ .key = key, .line = line, .category = category, .topic = topic,
                        .status = status };
        g_hash_table_insert(g->cells, &cell->key, cell);
      }
      cell->airings++;
      cell->airtime_ns += sqlite3_column_int64(stmt, 5);
      gint64 seq = sqlite3_column_int64(stmt, 7);  /* 0: still on air */
      if (seq > 0 && (report->first_seq == 0 || seq < report->first_seq))
        report->first_seq = seq;
    }
    month = month_of(g, at, month);
    g_hash_table_add(g->active, ACTIVE_KEY(line, month + 1));
    if (sqlite3_column_int(stmt, 6)) {
      gint64 key = TALLY_KEY(line, topic, category, month);
      Tally *tally = g_hash_table_lookup(g->tallies, &key);
      if (tally == NULL) {
        tally = g_new0(Tally, 1);
        *tally = (Tally){ .key = key, .line = line, .topic = topic, .category = category,
                          .month = month };
        g_hash_table_insert(g->tallies, &tally->key, tally);
      }
      tally->count++;
    }
  }
  sqlite3_reset(stmt);
  if (rc != SQLITE_DONE)
    return loa_db_set_error(error, db, _("reading the as-run log"));
  return TRUE;
}

/* The cells into the lines' and the station's counts. */
static void
count_cells(Gatherer *g)
{
  LoaReport *report = g->report;
  GHashTableIter iter;
  gpointer value;
  g_hash_table_iter_init(&iter, g->cells);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    const Cell *cell = value;
    const char *category = name_text(g, cell->category), *topic = name_text(g, cell->topic);
    LoaReportLine *line = find_or_add_line(g, name_text(g, cell->line));
    counts_add(&line->totals, cell->status, cell->airings, cell->airtime_ns);
    counts_add(&line_group(line, category, topic)->counts, cell->status, cell->airings,
               cell->airtime_ns);
    counts_add(&report->station->totals, cell->status, cell->airings, cell->airtime_ns);
    counts_add(&line_group(report->station, category, topic)->counts, cell->status,
               cell->airings, cell->airtime_ns);
  }
}

/* Without configured lines, the lines found in the log are the ones judged, by id. */
static void
adopt_lines(Gatherer *g)
{
  LoaReport *report = g->report;
  g_ptr_array_sort(report->lines, compare_line_ids);
  for (guint l = 0; l < report->lines->len; l++)
    ((LoaReportLine *)report->lines->pdata[l])->configured = TRUE;
  g->n_configured = report->lines->len;
}

/* TRUE if the line has a row scheduled in month (1..12). */
static gboolean
line_active(const Gatherer *g, const LoaReportLine *line, int month)
{
  gpointer id = g_hash_table_lookup(g->name_ids, line->id);
  return id != NULL &&
         g_hash_table_contains(g->active, ACTIVE_KEY(GPOINTER_TO_UINT(id) - 1, month));
}

static void
add_judgement(LoaReportLine *line, guint quota, int month, LoaQuotaVerdict verdict)
{
  LoaReportJudgement judgement = { .quota = quota, .month = month, .verdict = verdict };
  g_array_append_val(line->judgements, judgement);
}

/* Judges the quotas on each configured line, by quota then month, from the
 * tallies of months first_tally..last (1..12), then the station's, each
 * combined over the lines. */
static void
judge(Gatherer *g, int first_tally, gint64 now)
{
  LoaReport *report = g->report;
  guint nq = report->quotas->len, nl = g->n_configured;
  int first = report->period.month == 0 ? 1 : report->period.month;
  int last = report->period.month == 0 ? 12 : report->period.month;

  /* The tallies of each configured line and month. */
  g_autoptr(GHashTable) line_index = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint l = 0; l < nl; l++)
    g_hash_table_insert(line_index, ((LoaReportLine *)report->lines->pdata[l])->id,
                        GUINT_TO_POINTER(l + 1));
  g_autofree GArray **tallies = g_new0(GArray *, (gsize)nl * 12);
  GHashTableIter iter;
  gpointer value;
  g_hash_table_iter_init(&iter, g->tallies);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    const Tally *tally = value;
    guint l = GPOINTER_TO_UINT(g_hash_table_lookup(line_index, name_text(g, tally->line)));
    if (l == 0)
      continue;  /* not a configured line: not judged */
    GArray **slot = &tallies[(gsize)(l - 1) * 12 + (gsize)tally->month];
    if (*slot == NULL)
      *slot = g_array_new(FALSE, FALSE, sizeof(LoaQuotaTally));
    LoaQuotaTally t = { name_text(g, tally->topic), name_text(g, tally->category), tally->count };
    g_array_append_val(*slot, t);
  }

  /* Each month's verdicts; the yearly quotas add the months up. */
  g_autofree LoaQuotaVerdict *verdicts = g_new0(LoaQuotaVerdict, (gsize)nl * 12 * MAX(nq, 1));
  g_autofree gint64 *year_counted = g_new0(gint64, (gsize)nl * MAX(nq, 1));
  for (int m = first_tally - 1; m < last; m++) {
    gboolean over = g->month_start[m + 1] <= now;
    for (guint l = 0; l < nl; l++) {
      GArray *t = tallies[(gsize)l * 12 + (gsize)m];
      g_autoptr(GArray) month_verdicts =
        loa_quota_judge_all(report->quotas, t != NULL ? (LoaQuotaTally *)t->data : NULL,
                            t != NULL ? t->len : 0, over);
      for (guint q = 0; q < nq; q++) {
        LoaQuotaVerdict v = g_array_index(month_verdicts, LoaQuotaVerdict, q);
        verdicts[((gsize)l * 12 + (gsize)m) * nq + q] = v;
        year_counted[(gsize)l * nq + q] += v.counted;
      }
    }
  }
  for (gsize i = 0; i < (gsize)nl * 12; i++)
    if (tallies[i] != NULL)
      g_array_unref(tallies[i]);

  /* The year is judged to the end of the report; only a December or a
   * whole year that is over can miss a yearly quota. Each judgement of the
   * station combines the lines judged; with none, nothing aired. */
  gboolean year_over = last == 12 && g->month_start[12] <= now;
  /* Without configured lines, a yearly quota is judged on the lines still
   * airing in the period's last month (all lines found, if none is). */
  gboolean any_active_at_end = FALSE;
  for (guint l = 0; l < nl; l++)
    any_active_at_end = any_active_at_end || line_active(g, report->lines->pdata[l], last);
  report->worst = LOA_QUOTA_MET;
  for (guint q = 0; q < nq; q++) {
    const LoaQuotaConfig *quota = report->quotas->pdata[q];
    gboolean yearly = loa_quota_period(quota) == LOA_QUOTA_PER_YEAR;
    for (int m = yearly ? 0 : first; m <= (yearly ? 0 : last); m++) {
      gboolean over = yearly ? year_over : g->month_start[m] <= now;
      LoaQuotaVerdict station = { 0 };
      gboolean judged = FALSE;
      for (guint l = 0; l < nl; l++) {
        LoaReportLine *line = report->lines->pdata[l];
        if (g->active_only && !(yearly ? !any_active_at_end || line_active(g, line, last)
                                       : line_active(g, line, m)))
          continue;
        LoaQuotaVerdict v = yearly ? loa_quota_judge(quota, year_counted[(gsize)l * nq + q], over)
                                   : verdicts[((gsize)l * 12 + (gsize)(m - 1)) * nq + q];
        add_judgement(line, q, m, v);
        station = judged ? loa_quota_verdict_combine(station, v) : v;
        judged = TRUE;
      }
      if (!judged)
        station = loa_quota_judge(quota, 0, over);
      add_judgement(report->station, q, m, station);
      report->worst = MAX(report->worst, station.state);
    }
  }
}

LoaReport *
loa_report_gather(sqlite3 *db, const LoaReportPeriod *period, const LoaReportSource *source,
                  GError **error)
{
  g_return_val_if_fail(period->month >= 0 && period->month <= 12, NULL);
  g_return_val_if_fail(period->year >= MIN_YEAR && period->year <= MAX_YEAR, NULL);

  g_autoptr(LoaReport) report = g_new0(LoaReport, 1);
  report->station_id = g_strdup(source->station_id);
  report->station_name = g_strdup(source->station_name);
  report->period = *period;
  report->period_label = loa_report_period_label(period);
  report->timezone = g_time_zone_ref(source->timezone);
  report->generated_at = source->now;
  report->quotas = g_ptr_array_new_with_free_func((GDestroyNotify)loa_quota_free);
  for (guint q = 0; source->quotas != NULL && q < source->quotas->len; q++)
    g_ptr_array_add(report->quotas, loa_quota_copy(source->quotas->pdata[q]));
  report->lines = g_ptr_array_new_with_free_func(line_free);
  report->station = line_new("", source->station_name, TRUE);

  Gatherer g = {
    .report = report,
    .audit = source->audit,
    .lines = g_hash_table_new(g_str_hash, g_str_equal),
    .name_ids = g_hash_table_new(g_str_hash, g_str_equal),
    .names = g_ptr_array_new_with_free_func(g_free),
    .cells = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free),
    .tallies = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free),
    .active = g_hash_table_new(NULL, NULL),
    .active_only = source->lines == NULL,
  };
  for (guint l = 0; source->lines != NULL && l < source->lines->len; l++) {
    const LoaLineConfig *config = source->lines->pdata[l];
    LoaReportLine *line = line_new(config->id, config->name, TRUE);
    g_ptr_array_add(report->lines, line);
    g_hash_table_insert(g.lines, line->id, line);
  }
  g.n_configured = report->lines->len;

  /* Monthly quotas need the report's months; yearly ones the year to date. */
  gboolean yearly = FALSE;
  for (guint q = 0; q < report->quotas->len; q++)
    yearly = yearly || loa_quota_period(report->quotas->pdata[q]) == LOA_QUOTA_PER_YEAR;
  int first = period->month == 0 ? 1 : period->month;
  int first_tally = yearly ? 1 : first;
  gboolean ok = month_bounds(&g, source->timezone, period->year, error);
  if (ok) {
    report->from = g.month_start[first - 1];
    report->until = g.month_start[period->month == 0 ? 12 : period->month];
  }
  if (ok && sqlite3_prepare_v2(db, source->audit ? audit_airings_sql : station_airings_sql, -1,
                               &g.stmt, NULL) != SQLITE_OK)
    ok = loa_db_set_error(error, db, _("reading the as-run log"));
  ok = ok && read_airings(&g, db, g.month_start[first_tally - 1], error);
  if (ok) {
    count_cells(&g);
    if (source->lines == NULL)
      adopt_lines(&g);
    judge(&g, first_tally, source->now);
  }
  gatherer_clear(&g);
  if (!ok)
    return NULL;

  /* Lines only the log knows come after the configured ones, by id. */
  if (report->lines->len > g.n_configured)
    qsort(report->lines->pdata + g.n_configured, report->lines->len - g.n_configured,
          sizeof(gpointer), (int (*)(const void *, const void *))compare_line_ids);
  for (guint l = 0; l < report->lines->len; l++)
    g_ptr_array_sort(((LoaReportLine *)report->lines->pdata[l])->groups, compare_groups);
  g_ptr_array_sort(report->station->groups, compare_groups);
  return g_steal_pointer(&report);
}

gboolean
loa_report_check_log(LoaReport *report, sqlite3 *db, gboolean whole, GError **error)
{
  loa_chain_report_clear(&report->log);
  report->log_checked = FALSE;
  /* A period without a chained row has nothing to start from: the whole
   * chain then, which is what an empty month costs. */
  report->log_from_seq = whole || report->first_seq == 0 ? 1 : report->first_seq;
  if (!loa_chain_verify_from(db, report->log_from_seq, &report->log, error))
    return FALSE;
  report->log_checked = TRUE;
  return TRUE;
}

guint
loa_report_missed(const LoaReport *report)
{
  guint missed = 0;
  for (guint j = 0; j < report->station->judgements->len; j++)
    if (g_array_index(report->station->judgements, LoaReportJudgement, j).verdict.state ==
        LOA_QUOTA_MISSED)
      missed++;
  return missed;
}

gboolean
loa_report_has_problem(const LoaReport *report)
{
  return report->worst == LOA_QUOTA_MISSED ||
         (report->log_checked && report->log.problem != NULL);
}

char *
loa_report_quota_label(const LoaQuotaConfig *quota)
{
  /* TRANSLATORS: a quota: topic/category, at least N per month or year. */
  return g_strdup_printf(loa_quota_period(quota) == LOA_QUOTA_PER_YEAR ? _("%s/%s ≥ %d per year")
                                                                        : _("%s/%s ≥ %d per month"),
                         quota->topic, quota->category, quota->at_least);
}

char *
loa_report_judgement_period(const LoaReport *report, const LoaReportJudgement *judgement)
{
  if (judgement->month != 0)
    return g_strdup_printf("%04d-%02d", report->period.year, judgement->month);
  if (report->period.month == 0 || report->period.month == 12)
    return g_strdup_printf("%04d", report->period.year);
  /* TRANSLATORS: a yearly quota in a monthly report: "2026 (to 2026-03)". */
  return g_strdup_printf(_("%04d (to %04d-%02d)"), report->period.year, report->period.year,
                         report->period.month);
}
