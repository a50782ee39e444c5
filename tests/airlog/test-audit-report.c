/* The city's yearly report on a hand-made audit database: three stations of
 * Cần Thơ with the bundles and rows written straight into the audit schema
 * (the import path has its own tests, test-audit.c), so that every month's
 * coverage and quota is known by hand:
 *
 *   ninh-kieu   bundles for every month of 2019; lines l1 and l2 air an
 *               article and two news items a month, except that l2 has one
 *               news item in March (missed); two announcements on each line
 *               (the yearly quota of 2, met). Line l3 airs in January only
 *               (retired: not held against the later months).
 *   cai-rang    line x airs like l1 all year, no announcement (yearly quota
 *               missed); no bundle for April and May, and July's bundle ends
 *               on the 15th (partial: missing). Its first bundle warns.
 *   phong-dien  registered, nothing imported: every month missing.
 *
 * Checked at two instants: after the year (all months over) and on
 * 2019-06-15 (June to December not over). */
#include "audit-report-html.h"
#include "audit-report.h"
#include "audit.h"
#include "db.h"
#include "loa-time.h"

#include "../common/test-util.h"

#include <inttypes.h>
#include <string.h>

static char *temp_dir;
static LoaAudit *audit;
static GTimeZone *zone;
static GPtrArray *quotas;

static gint64
local(const char *text)
{
  gint64 ns = 0;
  g_autoptr(GError) error = NULL;
  g_assert_true(loa_datetime_parse(zone, text, &ns, &error));
  return ns;
}

static gint64
month_start(int year, int month)
{
  g_autofree char *text = g_strdup_printf("%04d-%02d-01 00:00:00", year + (month > 12),
                                          (month - 1) % 12 + 1);
  return local(text);
}

static void
exec_ok(const char *sql)
{
  char *message = NULL;
  if (sqlite3_exec(loa_audit_db(audit), sql, NULL, NULL, &message) != SQLITE_OK)
    g_error("%s: %s", sql, message);
}

static gint64 next_bundle = 1;

/* A bundle of station over [from, until) carrying n_rows rows from first_seq. */
static gint64
add_bundle(const char *station, gint64 from, gint64 until, gint64 first_seq, gint64 n_rows,
           const char *warning)
{
  gint64 id = next_bundle++;
  g_autofree char *sql = g_strdup_printf(
    "INSERT INTO bundles (id, station_id, station_name, timezone, period, period_from,"
    " period_until, first_seq, last_seq, row_count, head_before, head_after, signature,"
    " file_sha256, source, warning, imported_at) VALUES (%" PRId64 ", '%s', '%s',"
    " 'Asia/Ho_Chi_Minh', 'p', %" PRId64 ", %" PRId64 ", %" PRId64
    ", %" PRId64 ", %" PRId64 ", printf('%%064d', %" PRId64 "),"
    " printf('%%064d', %" PRId64 "), 'sig-%" PRId64 "', '', 'b%" PRId64
    ".loa-bundle', '%s', 0)",
    id, station, station, from, until, first_seq, first_seq + n_rows - 1, n_rows, first_seq - 1,
    first_seq + n_rows - 1, id, id, warning);
  exec_ok(sql);
  return id;
}

/* count airings of category/topic on line, scheduled on day `day` of month at 06:00. */
static void
add_airings(const char *station, gint64 bundle, gint64 *seq, const char *line, int month,
            int day, const char *category, const char *topic, int count)
{
  for (int i = 0; i < count; i++) {
    g_autofree char *when = g_strdup_printf("2019-%02d-%02d 06:%02d:00", month, day, i);
    gint64 at = local(when);
    g_autofree char *sql = g_strdup_printf(
      "INSERT INTO airings (station_id, chain_seq, bundle_id, airing_id, line, spot_id,"
      " spot_sha256, title, category, topic, priority, event_ref, scheduled_at, started_at,"
      " ended_at, samples, sample_rate, status, reason, completed_at, prev_hash, hash)"
      " VALUES ('%s', %" PRId64 ", %" PRId64 ", %" PRId64 ", '%s',"
      " 'S', '', 'Tin', '%s', '%s', 'normal', '', %" PRId64 ", %" PRId64 ","
      " %" PRId64 ", 0, 48000, 'completed', '', %" PRId64 ", '', '')",
      station, *seq, bundle, *seq, line, category, topic, at, at, at + 60 * LOA_NS_PER_SECOND,
      at + 61 * LOA_NS_PER_SECOND);
    exec_ok(sql);
    (*seq)++;
  }
}

/* A month of a line meeting the monthly quotas (less news if news < 2). */
static void
air_month(const char *station, gint64 bundle, gint64 *seq, const char *line, int month, int news)
{
  add_airings(station, bundle, seq, line, month, 3, "article", "attt", 1);
  add_airings(station, bundle, seq, line, month, 10, "news", "attt", news);
}

static void
build_city(void)
{
  exec_ok("BEGIN");
  exec_ok("INSERT INTO stations VALUES ('ninh-kieu', 'Đài truyền thanh quận Ninh Kiều', 'k', 'fp-nk', 0),"
          " ('cai-rang', 'Đài truyền thanh quận Cái Răng', 'k', 'fp-cr', 0),"
          " ('phong-dien', 'Đài truyền thanh huyện Phong Điền', 'k', 'fp-pd', 0)");
  gint64 seq = 1;
  for (int m = 1; m <= 12; m++) {
    /* 3 + 2 rows a month, plus the announcements of January and June. */
    int rows = 6 + (m == 3 ? -1 : 0) + (m == 1 || m == 6 ? 2 : 0) + (m == 1 ? 3 : 0);
    gint64 b = add_bundle("ninh-kieu", month_start(2019, m), month_start(2019, m + 1), seq, rows, "");
    air_month("ninh-kieu", b, &seq, "l1", m, 2);
    air_month("ninh-kieu", b, &seq, "l2", m, m == 3 ? 1 : 2);
    if (m == 1)
      air_month("ninh-kieu", b, &seq, "l3", m, 2);  /* retired after January */
    if (m == 1 || m == 6) {
      add_airings("ninh-kieu", b, &seq, "l1", m, 20, "announcement", "pccc", 1);
      add_airings("ninh-kieu", b, &seq, "l2", m, 20, "announcement", "pccc", 1);
    }
  }
  seq = 5;
  for (int m = 1; m <= 12; m++) {
    if (m == 4 || m == 5)
      continue;
    gint64 until = m == 7 ? local("2019-07-15 00:00:00") : month_start(2019, m + 1);
    gint64 b = add_bundle("cai-rang", month_start(2019, m), until, seq, 3,
                          m == 1 ? "first bundle starts at chain row 5" : "");
    air_month("cai-rang", b, &seq, "x", m, 2);
  }
  exec_ok("COMMIT");
}

static LoaAuditReport *
gather(gint64 now)
{
  g_autoptr(GError) error = NULL;
  LoaAuditReport *report = loa_audit_report_gather(audit, 2019, quotas, zone, now, &error);
  g_assert_no_error(error);
  g_assert_nonnull(report);
  return report;
}

static const LoaAuditReportStation *
station(const LoaAuditReport *report, guint index, const char *id)
{
  g_assert_cmpuint(index, <, report->stations->len);
  const LoaAuditReportStation *s = report->stations->pdata[index];
  g_assert_cmpstr(s->id, ==, id);
  return s;
}

/* The cells of a station as a string of marks: m met, x missed, - missing, . open. */
static char *
cells(const LoaAuditReportStation *s)
{
  static const char marks[] = { [LOA_AUDIT_CELL_MET] = 'm', [LOA_AUDIT_CELL_OPEN] = '.',
                                [LOA_AUDIT_CELL_MISSED] = 'x', [LOA_AUDIT_CELL_MISSING] = '-' };
  char *text = g_new0(char, 13);
  for (int m = 0; m < 12; m++)
    text[m] = marks[s->cells[m]];
  return text;
}

static const LoaReportJudgement *
judgement(const LoaAuditReportStation *s, guint quota, int month)
{
  const GArray *judgements = s->report->station->judgements;
  for (guint j = 0; j < judgements->len; j++) {
    const LoaReportJudgement *found = &g_array_index(judgements, LoaReportJudgement, j);
    if (found->quota == quota && found->month == month)
      return found;
  }
  g_error("no judgement of quota %u in month %d for %s", quota, month, s->id);
}

static void
test_year_over(void)
{
  g_autoptr(LoaAuditReport) report = gather(local("2020-02-01 00:00:00"));
  g_assert_cmpuint(report->stations->len, ==, 3);
  /* Stations by id. */
  const LoaAuditReportStation *cr = station(report, 0, "cai-rang");
  const LoaAuditReportStation *nk = station(report, 1, "ninh-kieu");
  const LoaAuditReportStation *pd = station(report, 2, "phong-dien");

  g_autofree char *nk_cells = cells(nk), *cr_cells = cells(cr), *pd_cells = cells(pd);
  g_assert_cmpstr(nk_cells, ==, "mmxmmmmmmmmm");
  g_assert_cmpstr(cr_cells, ==, "mmm--m-mmmmm");
  g_assert_cmpstr(pd_cells, ==, "------------");
  g_assert_cmpint(cr->coverage[3], ==, LOA_AUDIT_COVERAGE_NONE);
  g_assert_cmpint(cr->coverage[6], ==, LOA_AUDIT_COVERAGE_PARTIAL);
  g_assert_cmpint(cr->coverage[7], ==, LOA_AUDIT_COVERAGE_FULL);

  g_assert_cmpuint(nk->bundles, ==, 12);
  g_assert_cmpint(nk->rows, ==, 12 * 6 - 1 + 4 + 3);
  g_assert_cmpuint(nk->report->lines->len, ==, 3);
  g_assert_cmpint(nk->report->station->totals.airings, ==, 12 * 6 - 1 + 4 + 3);
  g_assert_cmpstr(nk->head, ==, "0000000000000000000000000000000000000000000000000000000000000078");
  /* l3 is judged in January only, and not on the yearly quota (it did not
   * air in December): the station's announcements are met. */
  const LoaReportLine *l3 = nk->report->lines->pdata[2];
  g_assert_cmpstr(l3->id, ==, "l3");
  g_assert_cmpuint(l3->judgements->len, ==, 2);
  g_assert_cmpuint(nk->warnings->len, ==, 0);
  g_assert_cmpuint(cr->bundles, ==, 10);
  g_assert_cmpint(cr->rows, ==, 30);
  g_assert_cmpuint(cr->warnings->len, ==, 1);
  g_assert_cmpstr(cr->warnings->pdata[0], ==, "first bundle starts at chain row 5");
  g_assert_cmpuint(pd->bundles, ==, 0);
  g_assert_cmpstr(pd->head, ==, "");
  g_assert_cmpstr(pd->timezone_name, ==, "Asia/Ho_Chi_Minh");
  g_assert_cmpuint(pd->report->lines->len, ==, 0);

  /* Quotas from the imported rows: the fewest on any line. */
  const LoaReportJudgement *march = judgement(nk, 1, 3);
  g_assert_cmpint(march->verdict.state, ==, LOA_QUOTA_MISSED);
  g_assert_cmpint(march->verdict.counted, ==, 1);
  g_assert_cmpint(march->verdict.shortfall, ==, 1);
  g_assert_cmpint(judgement(nk, 2, 0)->verdict.state, ==, LOA_QUOTA_MET);
  g_assert_cmpint(judgement(cr, 2, 0)->verdict.state, ==, LOA_QUOTA_MISSED);
  /* April has no rows at cai-rang: missed as a quota, but shown as a missing log. */
  g_assert_cmpint(judgement(cr, 0, 4)->verdict.state, ==, LOA_QUOTA_MISSED);

  g_assert_cmpint(nk->worst, ==, LOA_AUDIT_CELL_MISSED);
  g_assert_cmpint(cr->worst, ==, LOA_AUDIT_CELL_MISSING);
  /* ninh-kieu's March; cai-rang's year is incomplete, so its missing months
   * are the finding, not its yearly quota. */
  g_assert_cmpuint(report->missed, ==, 1);
  g_assert_cmpuint(report->missing, ==, 15); /* cai-rang 3, phong-dien 12 */
  g_assert_true(loa_audit_report_has_problem(report));
}

static void
test_mid_year(void)
{
  g_autoptr(LoaAuditReport) report = gather(local("2019-06-15 12:00:00"));
  const LoaAuditReportStation *cr = station(report, 0, "cai-rang");
  const LoaAuditReportStation *nk = station(report, 1, "ninh-kieu");
  const LoaAuditReportStation *pd = station(report, 2, "phong-dien");
  g_autofree char *nk_cells = cells(nk), *cr_cells = cells(cr), *pd_cells = cells(pd);
  g_assert_cmpstr(nk_cells, ==, "mmxmm.......");
  g_assert_cmpstr(cr_cells, ==, "mmm--.......");
  g_assert_cmpstr(pd_cells, ==, "-----.......");
  g_assert_cmpint(judgement(cr, 2, 0)->verdict.state, ==, LOA_QUOTA_IN_PROGRESS);
  g_assert_cmpuint(report->missed, ==, 1);
  g_assert_cmpuint(report->missing, ==, 7);
}

static void
test_all_well(void)
{
  /* Only the station that holds every month, with no quotas: nothing wrong. */
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) none = g_ptr_array_new();
  g_autoptr(LoaAuditReport) report =
    loa_audit_report_gather(audit, 2019, none, zone, local("2020-01-01 00:00:00"), &error);
  g_assert_no_error(error);
  const LoaAuditReportStation *nk = station(report, 1, "ninh-kieu");
  g_autofree char *nk_cells = cells(nk);
  g_assert_cmpstr(nk_cells, ==, "mmmmmmmmmmmm");
  g_assert_cmpint(nk->worst, ==, LOA_AUDIT_CELL_MET);
  g_assert_cmpuint(report->missed, ==, 0);
}

static void
test_formats(void)
{
  g_autoptr(LoaAuditReport) report = gather(local("2020-02-01 00:00:00"));

  g_autoptr(GString) table = g_string_new(NULL);
  loa_audit_report_append_text(report, LOA_TABLE_FORMAT_TABLE, LOA_TABLE_PRINT_BOM, table);
  g_assert_nonnull(strstr(table->str, "Đài truyền thanh quận Ninh Kiều"));
  g_assert_nonnull(strstr(table->str, "✓   ✓   ✗   ✓"));
  g_assert_nonnull(strstr(table->str, "warning: cai-rang: first bundle starts at chain row 5"));
  g_assert_nonnull(strstr(table->str, "Result: 1 quotas missed, 15 months of logs missing."));

  g_autoptr(GString) csv = g_string_new(NULL);
  loa_audit_report_append_text(report, LOA_TABLE_FORMAT_CSV, LOA_TABLE_PRINT_BOM, csv);
  g_assert_true(g_str_has_prefix(csv->str, LOA_UTF8_BOM "station,name,2019-01,"));
  g_assert_nonnull(strstr(csv->str, "\r\ncai-rang,Đài truyền thanh quận Cái Răng,met,met,met,"
                                    "missing,missing,met,missing,"));
  g_assert_nonnull(strstr(csv->str, "\r\nninh-kieu,2019-03,full,attt,news,month,2,1,missed,1\r\n"));
  g_assert_nonnull(strstr(csv->str, "\r\ncai-rang,2019,,pccc,announcement,year,2,0,missed,2\r\n"));

  g_autoptr(GString) json = g_string_new(NULL);
  loa_audit_report_append_text(report, LOA_TABLE_FORMAT_JSON, LOA_TABLE_PRINT_BOM, json);
  g_assert_nonnull(strstr(json->str, "\"year\": 2019,"));
  g_assert_nonnull(strstr(json->str, "\"missed\": 1,\n  \"missing\": 15,"));
  g_assert_nonnull(strstr(json->str, "{\"month\": 7, \"log\": \"partial\", \"result\": \"missing\"}"));

  g_autoptr(GString) html = g_string_new(NULL);
  loa_audit_report_html_append(report, html);
  g_assert_true(g_str_has_prefix(html->str, "<!DOCTYPE html>\n"));
  g_assert_true(g_str_has_suffix(html->str, "</html>\n"));
  g_assert_nonnull(strstr(html->str, "<svg id=\"" LOA_AUDIT_REPORT_HTML_CHART_ID "\""));
  guint cells_drawn = 0, missing = 0;
  for (const char *p = html->str; (p = strstr(p, "<rect class=\"cell ")) != NULL; p++) {
    cells_drawn++;
    missing += g_str_has_prefix(p, "<rect class=\"cell missing\"");
  }
  g_assert_cmpuint(cells_drawn, ==, 36);
  g_assert_cmpuint(missing, ==, 15);
  g_assert_nonnull(strstr(html->str, "id=\"station-phong-dien\""));
  g_assert_nonnull(strstr(html->str, "Đài truyền thanh huyện Phong Điền"));
  g_assert_null(strstr(html->str, "src="));
  g_assert_null(strstr(html->str, "<script"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  temp_dir = test_util_make_dir("loa-test-audit-report-XXXXXX");
  g_autofree char *path = g_build_filename(temp_dir, "audit.db", NULL);
  g_autoptr(GError) error = NULL;
  audit = loa_audit_open(path, TRUE, &error);
  g_assert_no_error(error);
  zone = loa_time_zone_new("Asia/Ho_Chi_Minh", &error);
  g_assert_no_error(error);
  quotas = g_ptr_array_new_with_free_func((GDestroyNotify)loa_quota_free);
  static const char *const texts[] = { "attt/article/1", "attt/news/2", "pccc/announcement/2/year" };
  for (size_t i = 0; i < G_N_ELEMENTS(texts); i++) {
    g_ptr_array_add(quotas, loa_quota_parse(texts[i], &error));
    g_assert_no_error(error);
  }
  build_city();

  g_test_add_func("/audit-report/year-over", test_year_over);
  g_test_add_func("/audit-report/mid-year", test_mid_year);
  g_test_add_func("/audit-report/all-well", test_all_well);
  g_test_add_func("/audit-report/formats", test_formats);
  int result = g_test_run();

  g_ptr_array_unref(quotas);
  g_time_zone_unref(zone);
  loa_audit_close(audit);
  test_util_remove_tree(temp_dir);
  g_free(temp_dir);
  return result;
}
