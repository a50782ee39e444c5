/* Compliance reports against a hand-counted fixture
 * (tests/fixtures/report-2019.txt): the fixture's airings go into a temporary
 * station database through the real as-run log API, and every `expect` line
 * is checked against loa_report_gather(). Also: period parsing, the text,
 * CSV, JSON and HTML renderings, a station without quotas, and a database
 * that cannot be read.
 *
 * Run as `test-airlog-report --make-station FIXTURE DIR`, it only writes
 * DIR/loa.cfg and DIR/loa.db from the fixture, for tests/playout/test-report.sh. */
#include "airlog.h"
#include "db.h"
#include "loa-time.h"
#include "report-html.h"
#include "report.h"

#include "../common/test-util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* A fixture: the station, and its expectations. */
typedef struct {
  char *station_id, *station_name, *timezone_name;
  GTimeZone *timezone;
  GPtrArray *lines;         /* LoaLineConfig * */
  GPtrArray *quotas;        /* LoaQuotaConfig * */
  gint64 now;
  GPtrArray *airings;       /* GStrv: the fields after "air" */
  GPtrArray *expectations;  /* GStrv: the fields after "expect", with the line number first */
  guint completed_rows;     /* rows final in the log (all but on-air) */
} Fixture;

static char *temp_dir;
static char *fixture_path;
static Fixture *fixture;
static sqlite3 *fixture_db;

static void
line_config_free(gpointer data)
{
  LoaLineConfig *line = data;
  g_free(line->id);
  g_free(line->name);
  g_free(line->output);
  g_free(line);
}

static void
quota_config_free(gpointer data)
{
  LoaQuotaConfig *quota = data;
  g_free(quota->topic);
  g_free(quota->category);
  g_free(quota->per);
  g_free(quota);
}

static void
fixture_free(Fixture *f)
{
  g_free(f->station_id);
  g_free(f->station_name);
  g_free(f->timezone_name);
  if (f->timezone != NULL)
    g_time_zone_unref(f->timezone);
  g_ptr_array_unref(f->lines);
  g_ptr_array_unref(f->quotas);
  g_ptr_array_unref(f->airings);
  g_ptr_array_unref(f->expectations);
  g_free(f);
}

/* The words of text after skipping `skip` of them, joined by spaces. */
static char *
rest_of(char **words, guint skip)
{
  return g_strjoinv(" ", words + skip);
}

static gint64
station_time(const Fixture *f, const char *date, const char *time)
{
  g_autofree char *text = g_strdup_printf("%s %s", date, time);
  g_autoptr(GError) error = NULL;
  gint64 ns = 0;
  g_assert_true(loa_datetime_parse(f->timezone, text, &ns, &error));
  g_assert_no_error(error);
  return ns;
}

static Fixture *
fixture_load(const char *path)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_file_get_contents(path, &text, NULL, &error);
  g_assert_no_error(error);

  Fixture *f = g_new0(Fixture, 1);
  f->lines = g_ptr_array_new_with_free_func(line_config_free);
  f->quotas = g_ptr_array_new_with_free_func(quota_config_free);
  f->airings = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
  f->expectations = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (guint n = 0; lines[n] != NULL; n++) {
    g_strstrip(lines[n]);
    if (lines[n][0] == '\0' || lines[n][0] == '#')
      continue;
    g_auto(GStrv) words = g_strsplit_set(lines[n], " ", -1);
    const char *kind = words[0];
    guint count = g_strv_length(words);
    if (strcmp(kind, "station") == 0) {
      f->station_id = g_strdup(words[1]);
      f->station_name = rest_of(words, 2);
    } else if (strcmp(kind, "timezone") == 0) {
      f->timezone_name = g_strdup(words[1]);
      f->timezone = loa_time_zone_new(words[1], &error);
      g_assert_no_error(error);
    } else if (strcmp(kind, "line") == 0) {
      LoaLineConfig *line = g_new0(LoaLineConfig, 1);
      line->id = g_strdup(words[1]);
      line->name = rest_of(words, 2);
      line->output = g_strdup("null");
      g_ptr_array_add(f->lines, line);
    } else if (strcmp(kind, "quota") == 0) {
      g_assert_cmpuint(count, ==, 5);
      LoaQuotaConfig *quota = g_new0(LoaQuotaConfig, 1);
      quota->topic = g_strdup(words[1]);
      quota->category = g_strdup(words[2]);
      quota->per = g_strdup(words[3]);
      quota->at_least = atoi(words[4]);
      g_ptr_array_add(f->quotas, quota);
    } else if (strcmp(kind, "now") == 0) {
      f->now = station_time(f, words[1], words[2]);
    } else if (strcmp(kind, "air") == 0) {
      g_assert_cmpuint(count, ==, 9);
      f->completed_rows += strcmp(words[8], LOA_AIRING_ON_AIR) != 0;
      g_ptr_array_add(f->airings, g_strdupv(words + 1));
    } else if (strcmp(kind, "expect") == 0) {
      g_autofree char *number = g_strdup_printf("%u", n + 1);
      GStrv expectation = g_new0(char *, count + 1);
      expectation[0] = g_steal_pointer(&number);
      for (guint i = 1; i < count; i++)
        expectation[i] = g_strdup(words[i]);
      g_ptr_array_add(f->expectations, expectation);
    } else
      g_error("%s:%u: unknown fixture line '%s'", path, n + 1, kind);
  }
  g_assert_nonnull(f->station_id);
  g_assert_nonnull(f->timezone);
  return f;
}

static void
insert_station(sqlite3 *db, const Fixture *f)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) error = NULL;
  g_assert_cmpint(sqlite3_prepare_v2(db, "INSERT INTO station (id, name, created_at) VALUES (?, ?, ?)",
                                     -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_true(loa_db_bind(stmt, &error, "tti", f->station_id, f->station_name,
                            loa_time_now_wall_ns()));
  g_assert_true(loa_db_step_done(stmt, &error));
  g_assert_no_error(error);
}

/* Writes every airing of the fixture through the as-run log, as the engine would. */
static void
write_airings(sqlite3 *db, const Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaAirlog) log = loa_airlog_new(db, &error);
  g_assert_no_error(error);
  for (guint i = 0; i < f->airings->len; i++) {
    char **w = f->airings->pdata[i];  /* LINE SPOT CATEGORY TOPIC DATE TIME SECONDS STATUS */
    g_autofree char *event = g_strdup_printf("report-2019.txt:air %u", i + 1);
    LoaAiringPlan plan = {
      .line = w[0], .spot_id = w[1], .spot_sha256 = "", .title = w[1], .category = w[2],
      .topic = w[3], .priority = "normal", .event_ref = event,
      .scheduled_at = station_time(f, w[4], w[5]),
    };
    gint64 seconds = g_ascii_strtoll(w[6], NULL, 10);
    const char *status = w[7];
    if (strcmp(status, LOA_AIRING_FAILED) == 0 || strcmp(status, LOA_AIRING_MISSED) == 0) {
      g_assert_cmpint(loa_airlog_record(log, &plan, status, "fixture", &error), >, 0);
      g_assert_no_error(error);
      continue;
    }
    gint64 id = loa_airlog_open(log, &plan, &error);
    g_assert_no_error(error);
    if (strcmp(status, LOA_AIRING_ON_AIR) == 0)
      continue;
    gint64 start = plan.scheduled_at, end = start + seconds * LOA_NS_PER_SECOND;
    g_assert_true(loa_airlog_complete(log, id, status, start, end, seconds * 48000, 48000,
                                      strcmp(status, LOA_AIRING_INTERRUPTED) == 0 ? "cut" : NULL,
                                      &error));
    g_assert_no_error(error);
  }
}

static sqlite3 *
make_station_db(const char *path, const Fixture *f)
{
  g_autoptr(GError) error = NULL;
  sqlite3 *db = loa_db_open(path, LOA_DB_OPEN_CREATE, &error);
  g_assert_no_error(error);
  insert_station(db, f);
  write_airings(db, f);
  return db;
}

static LoaReportSource
source_of(const Fixture *f)
{
  return (LoaReportSource){
    .station_id = f->station_id, .station_name = f->station_name, .timezone = f->timezone,
    .lines = f->lines, .quotas = f->quotas, .now = f->now,
  };
}

static LoaReport *
gather(const char *period_text)
{
  LoaReportPeriod period;
  g_autoptr(GError) error = NULL;
  if (strchr(period_text, '-') != NULL)
    g_assert_true(loa_report_period_parse_month(period_text, &period, &error));
  else
    g_assert_true(loa_report_period_parse_year(period_text, &period, &error));
  LoaReportSource source = source_of(fixture);
  LoaReport *report = loa_report_gather(fixture_db, &period, &source, &error);
  g_assert_no_error(error);
  g_assert_nonnull(report);
  return report;
}

static const LoaReportLine *
find_line(const LoaReport *report, const char *id)
{
  if (strcmp(id, "all") == 0)
    return report->station;
  for (guint l = 0; l < report->lines->len; l++) {
    const LoaReportLine *line = report->lines->pdata[l];
    if (strcmp(line->id, id) == 0)
      return line;
  }
  return NULL;
}

/* Checks key=value words against the counts. */
static void
check_counts(const char *where, const LoaReportCounts *counts, char **words)
{
  for (guint i = 0; words[i] != NULL; i++) {
    g_auto(GStrv) kv = g_strsplit(words[i], "=", 2);
    g_assert_nonnull(kv[1]);
    gint64 want = g_ascii_strtoll(kv[1], NULL, 10), have;
    if (strcmp(kv[0], "airings") == 0) have = counts->airings;
    else if (strcmp(kv[0], "completed") == 0) have = counts->status[LOA_REPORT_COMPLETED];
    else if (strcmp(kv[0], "interrupted") == 0) have = counts->status[LOA_REPORT_INTERRUPTED];
    else if (strcmp(kv[0], "failed") == 0) have = counts->status[LOA_REPORT_FAILED];
    else if (strcmp(kv[0], "missed") == 0) have = counts->status[LOA_REPORT_MISSED];
    else if (strcmp(kv[0], "on_air") == 0) have = counts->status[LOA_REPORT_ON_AIR];
    else if (strcmp(kv[0], "airtime") == 0) {
      g_assert_cmpint(counts->airtime_ns % LOA_NS_PER_SECOND, ==, 0);
      have = counts->airtime_ns / LOA_NS_PER_SECOND;
    } else
      g_error("%s: unknown count '%s'", where, kv[0]);
    if (have != want)
      g_error("%s: %s is %" PRId64 ", expected %" PRId64, where, kv[0], have, want);
  }
}

static void
check_quota(const char *where, const LoaReportLine *line, char **words)
{
  guint quota = (guint)atoi(words[0]);
  int month = atoi(words[1]);
  const LoaReportJudgement *found = NULL;
  for (guint j = 0; j < line->judgements->len; j++) {
    const LoaReportJudgement *judgement = &g_array_index(line->judgements, LoaReportJudgement, j);
    if (judgement->quota == quota && judgement->month == month)
      found = judgement;
  }
  if (found == NULL)
    g_error("%s: no judgement of quota %u in month %d", where, quota, month);
  for (guint i = 2; words[i] != NULL; i++) {
    g_auto(GStrv) kv = g_strsplit(words[i], "=", 2);
    g_assert_nonnull(kv[1]);
    if (strcmp(kv[0], "state") == 0) {
      if (strcmp(loa_quota_state_key(found->verdict.state), kv[1]) != 0)
        g_error("%s: state is %s, expected %s", where, loa_quota_state_key(found->verdict.state),
                kv[1]);
      continue;
    }
    gint64 want = g_ascii_strtoll(kv[1], NULL, 10), have;
    if (strcmp(kv[0], "counted") == 0)
      have = found->verdict.counted;
    else if (strcmp(kv[0], "shortfall") == 0)
      have = found->verdict.shortfall;
    else
      g_error("%s: unknown key '%s'", where, kv[0]);
    if (have != want)
      g_error("%s: %s is %" PRId64 ", expected %" PRId64, where, kv[0], have, want);
  }
}

static void
check_expectation(const LoaReport *report, char **e)
{
  /* e: NUMBER PERIOD WHAT ... */
  g_autofree char *where = g_strdup_printf("%s:%s", fixture_path, e[0]);
  if (strcmp(e[2], "lines") == 0) {
    GString *ids = g_string_new(NULL);
    for (guint l = 0; l < report->lines->len; l++)
      g_string_append_printf(ids, "%s%s", l > 0 ? "," : "", ((LoaReportLine *)report->lines->pdata[l])->id);
    if (strcmp(ids->str, e[3]) != 0)
      g_error("%s: lines are %s, expected %s", where, ids->str, e[3]);
    g_string_free(ids, TRUE);
    return;
  }
  if (strcmp(e[2], "result") == 0) {
    g_autofree char *want_worst = g_strconcat("worst=", loa_quota_state_key(report->worst), NULL);
    g_autofree char *want_missed = g_strdup_printf("missed=%u", loa_report_missed(report));
    if (strcmp(e[3], want_worst) != 0 || strcmp(e[4], want_missed) != 0)
      g_error("%s: result is %s %s, expected %s %s", where, want_worst, want_missed, e[3], e[4]);
    g_assert_cmpint(loa_report_has_problem(report), ==, report->worst == LOA_QUOTA_MISSED);
    return;
  }
  const LoaReportLine *line = find_line(report, e[2]);
  if (line == NULL)
    g_error("%s: the report has no line '%s'", where, e[2]);
  if (strcmp(e[3], "totals") == 0)
    check_counts(where, &line->totals, e + 4);
  else if (strcmp(e[3], "group") == 0) {
    const LoaReportGroup *found = NULL;
    for (guint i = 0; i < line->groups->len; i++) {
      const LoaReportGroup *group = line->groups->pdata[i];
      if (strcmp(group->category, e[4]) == 0 && strcmp(group->topic, e[5]) == 0)
        found = group;
    }
    if (found == NULL)
      g_error("%s: line %s has no group %s/%s", where, e[2], e[4], e[5]);
    check_counts(where, &found->counts, e + 6);
  } else if (strcmp(e[3], "quota") == 0)
    check_quota(where, line, e + 4);
  else if (strcmp(e[3], "judgements") == 0) {
    if (line->judgements->len != (guint)atoi(e[4]))
      g_error("%s: %u judgements, expected %s", where, line->judgements->len, e[4]);
  } else
    g_error("%s: unknown expectation '%s'", where, e[3]);
}

static void
test_fixture(void)
{
  /* One report per period, each checked against all its expectations. */
  g_autoptr(GHashTable) periods = g_hash_table_new(g_str_hash, g_str_equal);
  guint checked = 0;
  for (guint i = 0; i < fixture->expectations->len; i++) {
    char **e = fixture->expectations->pdata[i];
    if (g_hash_table_contains(periods, e[1]))
      continue;
    g_hash_table_add(periods, e[1]);
    g_autoptr(LoaReport) report = gather(e[1]);
    for (guint j = i; j < fixture->expectations->len; j++) {
      char **other = fixture->expectations->pdata[j];
      if (strcmp(other[1], e[1]) == 0) {
        check_expectation(report, other);
        checked++;
      }
    }
  }
  g_assert_cmpuint(checked, ==, fixture->expectations->len);
  g_assert_cmpuint(g_hash_table_size(periods), >=, 5);
}

static void
test_station_sums(void)
{
  /* The station is the sum of its lines, and each line the sum of its groups. */
  g_autoptr(LoaReport) report = gather("2019");
  LoaReportCounts sum = { 0 };
  for (guint l = 0; l < report->lines->len; l++) {
    const LoaReportLine *line = report->lines->pdata[l];
    LoaReportCounts groups = { 0 };
    for (guint i = 0; i < line->groups->len; i++) {
      const LoaReportGroup *group = line->groups->pdata[i];
      groups.airings += group->counts.airings;
      groups.airtime_ns += group->counts.airtime_ns;
      for (int s = 0; s < LOA_REPORT_N_STATUSES; s++)
        groups.status[s] += group->counts.status[s];
    }
    g_assert_cmpmem(&groups, sizeof groups, &line->totals, sizeof line->totals);
    sum.airings += line->totals.airings;
    sum.airtime_ns += line->totals.airtime_ns;
    for (int s = 0; s < LOA_REPORT_N_STATUSES; s++)
      sum.status[s] += line->totals.status[s];
  }
  g_assert_cmpmem(&sum, sizeof sum, &report->station->totals, sizeof report->station->totals);
  /* Groups are sorted by category, then topic (byte order: capitals first). */
  const LoaReportLine *a = report->lines->pdata[0];
  const LoaReportGroup *first = a->groups->pdata[0], *second = a->groups->pdata[1];
  g_assert_cmpstr(first->category, ==, "announcement");
  g_assert_cmpstr(first->topic, ==, "PCCC");
  g_assert_cmpstr(second->topic, ==, "pccc");
  g_assert_cmpint(report->from, ==, station_time(fixture, "2019-01-01", "00:00:00"));
  g_assert_cmpint(report->until, ==, station_time(fixture, "2020-01-01", "00:00:00"));
}

static void
test_log_verifies(void)
{
  g_autoptr(LoaReport) report = gather("2019-02");
  g_autoptr(GError) error = NULL;
  g_assert_false(report->log_checked);
  g_assert_true(loa_report_check_log(report, fixture_db, TRUE, &error));
  g_assert_no_error(error);
  g_assert_true(report->log_checked);
  g_assert_null(report->log.problem);
  g_assert_cmpint(report->log_from_seq, ==, 1);
  g_assert_cmpint(report->log.rows, ==, fixture->completed_rows);
  g_assert_cmpuint(strlen(report->log.head), ==, 64);
  g_autofree char *head = g_strdup(report->log.head);

  /* By default, from February's first chained row to the head. */
  g_assert_cmpint(report->first_seq, >, 1);
  g_assert_true(loa_report_check_log(report, fixture_db, FALSE, &error));
  g_assert_null(report->log.problem);
  g_assert_cmpint(report->log_from_seq, ==, report->first_seq);
  g_assert_cmpint(report->log.rows, ==, fixture->completed_rows - (report->first_seq - 1));
  g_assert_cmpstr(report->log.head, ==, head);
  g_autoptr(GString) text = g_string_new(NULL);
  loa_report_append_text(report, LOA_TABLE_FORMAT_TABLE, 0, text);
  g_autofree char *said = g_strdup_printf("verified from chain row %" PRId64,
                                          report->first_seq);
  g_assert_nonnull(strstr(text->str, said));
  g_assert_true(loa_report_has_problem(report)); /* a quota is missed in February */
}

static void
test_period_parse(void)
{
  LoaReportPeriod period;
  g_autoptr(GError) error = NULL;
  g_assert_true(loa_report_period_parse_month("2019-12", &period, &error));
  g_assert_cmpint(period.year, ==, 2019);
  g_assert_cmpint(period.month, ==, 12);
  g_autofree char *label = loa_report_period_label(&period);
  g_assert_cmpstr(label, ==, "2019-12");
  g_assert_true(loa_report_period_parse_year("2261", &period, &error));
  g_assert_cmpint(period.month, ==, 0);

  static const char *const bad_months[] = { "2019-13", "2019-00", "2019-1", "19-01", "2019/01",
                                            "2019-01-01", "", "abcd-ef", "1969-12", " 2019-01" };
  for (size_t i = 0; i < G_N_ELEMENTS(bad_months); i++) {
    g_clear_error(&error);
    g_assert_false(loa_report_period_parse_month(bad_months[i], &period, &error));
    g_assert_error(error, LOA_REPORT_ERROR, LOA_REPORT_ERROR_PERIOD);
    g_autofree char *quoted = g_strdup_printf("'%s'", bad_months[i]);
    g_assert_nonnull(strstr(error->message, quoted));
  }
  static const char *const bad_years[] = { "19", "20190", "2262", "1969", "2019-01", "" };
  for (size_t i = 0; i < G_N_ELEMENTS(bad_years); i++) {
    g_clear_error(&error);
    g_assert_false(loa_report_period_parse_year(bad_years[i], &period, &error));
    g_assert_error(error, LOA_REPORT_ERROR, LOA_REPORT_ERROR_PERIOD);
  }
}

static void
test_text(void)
{
  g_autoptr(LoaReport) report = gather("2019-01");
  g_autoptr(GString) table = g_string_new(NULL);
  loa_report_append_text(report, LOA_TABLE_FORMAT_TABLE, LOA_TABLE_PRINT_BOM, table);
  g_assert_false(g_str_has_prefix(table->str, LOA_UTF8_BOM));
  g_assert_nonnull(strstr(table->str, "Đài truyền thanh phường Cái Khế"));
  g_assert_nonnull(strstr(table->str, "Cụm loa An Hòa"));
  g_assert_nonnull(strstr(table->str, "1/2 ✗"));
  g_assert_nonnull(strstr(table->str, "As-run log: not verified"));
  g_assert_nonnull(strstr(table->str, "0:07:00")); /* a's airtime, 420 s */

  g_autoptr(GString) csv = g_string_new(NULL);
  loa_report_append_text(report, LOA_TABLE_FORMAT_CSV, LOA_TABLE_PRINT_BOM, csv);
  g_assert_true(g_str_has_prefix(csv->str, LOA_UTF8_BOM "line,name,airings,"));
  /* The BOM once, at the start; the three tables separated by an empty line. */
  g_assert_null(strstr(csv->str + 3, LOA_UTF8_BOM));
  g_assert_nonnull(strstr(csv->str, "\r\n\r\nline,category,topic,airings,"));
  g_assert_nonnull(strstr(csv->str, "\r\n\r\nperiod,line,topic,category,per,required,counted,"));
  g_assert_nonnull(strstr(csv->str, "\r\n2019-01,b,attt,news,month,2,1,missed,1\r\n"));
  g_assert_nonnull(strstr(csv->str, "\r\n2019,all,pccc,announcement,year,3,0,in-progress,3\r\n"));
  g_assert_nonnull(strstr(csv->str, "\r\na,Cụm loa Cái Khế,4,3,0,1,0,0,420.000\r\n"));
  g_autoptr(GString) plain = g_string_new(NULL);
  loa_report_append_text(report, LOA_TABLE_FORMAT_CSV, LOA_TABLE_PRINT_DEFAULT, plain);
  g_assert_cmpstr(plain->str, ==, csv->str + 3);

  g_autoptr(GString) json = g_string_new(NULL);
  loa_report_append_text(report, LOA_TABLE_FORMAT_JSON, LOA_TABLE_PRINT_BOM, json);
  g_assert_true(g_str_has_prefix(json->str, "{\n"));
  g_assert_nonnull(strstr(json->str, "\"label\": \"2019-01\", \"kind\": \"month\""));
  g_assert_nonnull(strstr(json->str, "\"from\": \"2019-01-01T00:00:00.000+07:00\""));
  g_assert_nonnull(strstr(json->str, "\"result\": \"missed\",\n  \"missed\": 1,"));
  g_assert_nonnull(strstr(json->str, "\"log\": {\"checked\": false}"));
  g_assert_nonnull(strstr(json->str, "\"period\": \"2019 (to 2019-01)\""));
  g_assert_nonnull(strstr(json->str, "\"on_air\": 0"));
  /* Balanced brackets (the CLI test parses it with a real JSON parser). */
  int depth = 0;
  gboolean in_string = FALSE;
  for (const char *p = json->str; *p != '\0'; p++) {
    if (*p == '"' && p[-1] != '\\')
      in_string = !in_string;
    else if (!in_string && (*p == '{' || *p == '['))
      depth++;
    else if (!in_string && (*p == '}' || *p == ']'))
      depth--;
    g_assert_cmpint(depth, >=, 0);
  }
  g_assert_cmpint(depth, ==, 0);
}

static void
test_html(void)
{
  g_autoptr(LoaReport) report = gather("2019");
  g_autoptr(GError) error = NULL;
  g_assert_true(loa_report_check_log(report, fixture_db, TRUE, &error));
  /* Text from the database and the configuration is escaped. */
  g_free(report->station_name);
  report->station_name = g_strdup("Đài <Cái Khế> & \"Ninh Kiều\"");
  g_autoptr(GString) html = g_string_new(NULL);
  loa_report_html_append(report, html);
  g_assert_true(g_str_has_prefix(html->str, "<!DOCTYPE html>\n"));
  g_assert_true(g_str_has_suffix(html->str, "</html>\n"));
  g_assert_true(g_utf8_validate(html->str, (gssize)html->len, NULL));
  g_assert_nonnull(strstr(html->str, "<meta charset=\"utf-8\">"));
  g_assert_nonnull(strstr(html->str, "Đài &lt;Cái Khế&gt; &amp; &quot;Ninh Kiều&quot;"));
  g_assert_null(strstr(html->str, "<Cái Khế>"));
  g_assert_nonnull(strstr(html->str, "<svg id=\"" LOA_REPORT_HTML_CHART_ID "\""));
  g_assert_nonnull(strstr(html->str, "<table id=\"" LOA_REPORT_HTML_STATION_TABLE_ID "\""));
  g_assert_nonnull(strstr(html->str, "@media print"));
  g_assert_nonnull(strstr(html->str, "size: A4"));
  g_assert_nonnull(strstr(html->str, "As-run log verified:"));
  g_assert_nonnull(strstr(html->str, report->log.head));
  /* A section per line, and 12 months x 2 monthly quotas of bars. */
  g_assert_nonnull(strstr(html->str, "id=\"line-old\""));
  guint bars = 0;
  for (const char *p = html->str; (p = strstr(p, "<rect class=\"bar ")) != NULL; p++)
    bars++;
  g_assert_cmpuint(bars, ==, 24);
  /* Self-contained: nothing is fetched (the SVG namespace is only a name). */
  g_assert_null(strstr(html->str, "src="));
  g_assert_null(strstr(html->str, "href="));
  g_assert_null(strstr(html->str, "url("));
  g_assert_null(strstr(html->str, "<script"));
  g_assert_null(strstr(html->str, "<link"));
}

/* An airing counts toward a quota only if it completed and, on a line with
 * a monitor return, the monitor heard it ("present"): absent and partial do
 * not count; lines without a monitor ("") count completions as before. */
static void
test_monitor_counts(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename(temp_dir, "monitor.db", NULL);
  sqlite3 *db = loa_db_open(path, LOA_DB_OPEN_CREATE, &error);
  g_assert_no_error(error);
  insert_station(db, fixture);
  g_autoptr(LoaAirlog) log = loa_airlog_new(db, &error);
  g_assert_no_error(error);
  struct {
    const char *line, *status, *monitor;
  } airings[] = {
    { "a", LOA_AIRING_COMPLETED, "" },
    { "a", LOA_AIRING_COMPLETED, LOA_MONITOR_PRESENT },
    { "a", LOA_AIRING_COMPLETED, LOA_MONITOR_ABSENT },
    { "a", LOA_AIRING_COMPLETED, LOA_MONITOR_PARTIAL },
    { "a", LOA_AIRING_INTERRUPTED, LOA_MONITOR_PRESENT },
    { "b", LOA_AIRING_COMPLETED, LOA_MONITOR_PRESENT },
    { "b", LOA_AIRING_COMPLETED, LOA_MONITOR_ABSENT },
    { "c", LOA_AIRING_COMPLETED, "" },
    { "c", LOA_AIRING_COMPLETED, "" },
  };
  for (guint i = 0; i < G_N_ELEMENTS(airings); i++) {
    g_autofree char *day = g_strdup_printf("2019-03-%02u", i + 1);
    LoaAiringPlan plan = { .line = airings[i].line, .spot_id = "TIN", .category = "news",
                           .topic = "attt", .priority = "normal",
                           .scheduled_at = station_time(fixture, day, "06:00:00") };
    gint64 id = loa_airlog_open(log, &plan, &error);
    g_assert_no_error(error);
    LoaAiringFacts facts = { .monitor = airings[i].monitor };
    g_assert_true(loa_airlog_complete_with_facts(log, id, airings[i].status, plan.scheduled_at,
                                                 plan.scheduled_at + LOA_NS_PER_SECOND, 48000,
                                                 48000, NULL, &facts, &error));
    g_assert_no_error(error);
  }

  LoaQuotaConfig news = { .topic = "attt", .category = "news", .per = "month", .at_least = 2 };
  g_autoptr(GPtrArray) quotas = g_ptr_array_new();
  g_ptr_array_add(quotas, &news);
  LoaReportSource source = source_of(fixture);
  source.quotas = quotas;
  LoaReportPeriod march = { .year = 2019, .month = 3 };
  source.now = station_time(fixture, "2019-04-02", "00:00:00");
  g_autoptr(LoaReport) report = loa_report_gather(db, &march, &source, &error);
  g_assert_no_error(error);
  const char *counted[] = { "a", "0 3 counted=2 state=met", "b", "0 3 counted=1 state=missed",
                            "c", "0 3 counted=2 state=met" };
  for (guint i = 0; i < G_N_ELEMENTS(counted); i += 2) {
    g_auto(GStrv) words = g_strsplit(counted[i + 1], " ", -1);
    check_quota(counted[i], find_line(report, counted[i]), words);
  }
  /* All of them are still counted as completed airings. */
  g_assert_cmpint(find_line(report, "a")->totals.status[LOA_REPORT_COMPLETED], ==, 4);
  loa_db_close(db);
}

static void
test_no_quotas(void)
{
  g_autoptr(GPtrArray) none = g_ptr_array_new();
  LoaReportSource source = source_of(fixture);
  source.quotas = none;
  LoaReportPeriod period = { .year = 2019, .month = 2 };
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaReport) report = loa_report_gather(fixture_db, &period, &source, &error);
  g_assert_no_error(error);
  g_assert_cmpint(report->worst, ==, LOA_QUOTA_MET);
  g_assert_cmpuint(report->station->judgements->len, ==, 0);
  g_assert_false(loa_report_has_problem(report));
  g_assert_cmpint(report->station->totals.airings, ==, 16);
  g_autoptr(GString) html = g_string_new(NULL);
  loa_report_html_append(report, html);
  g_assert_nonnull(strstr(html->str, "id=\"" LOA_REPORT_HTML_CHART_ID "\""));
  g_assert_nonnull(strstr(html->str, "No quotas are configured"));
}

static void
test_unreadable_database(void)
{
  /* A database without the station schema: the report fails and says why. */
  g_autoptr(sqlite3) db = NULL;
  g_assert_cmpint(sqlite3_open(":memory:", &db), ==, SQLITE_OK);
  LoaReportSource source = source_of(fixture);
  LoaReportPeriod period = { .year = 2019, .month = 1 };
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaReport) report = loa_report_gather(db, &period, &source, &error);
  g_assert_null(report);
  g_assert_error(error, LOA_DB_ERROR, LOA_DB_ERROR_SQL);
  g_assert_nonnull(strstr(error->message, "airings"));
}

/* --make-station FIXTURE DIR: the station of the fixture for the CLI test. */
static int
make_station(const char *path, const char *dir)
{
  Fixture *f = fixture_load(path);
  g_autofree char *db_path = g_build_filename(dir, "loa.db", NULL);
  g_autoptr(GString) cfg = g_string_new(NULL);
  g_string_append_printf(cfg, "station = { id = \"%s\"; name = \"%s\"; timezone = \"%s\"; };\n",
                         f->station_id, f->station_name, f->timezone_name);
  g_string_append(cfg, "database = \"loa.db\";\nlibrary = \"library\";\nlines = (");
  for (guint l = 0; l < f->lines->len; l++) {
    const LoaLineConfig *line = f->lines->pdata[l];
    g_string_append_printf(cfg, "%s\n  { id = \"%s\"; name = \"%s\"; output = \"null\"; }",
                           l > 0 ? "," : "", line->id, line->name);
  }
  g_string_append(cfg, "\n);\nquotas = (");
  for (guint q = 0; q < f->quotas->len; q++) {
    const LoaQuotaConfig *quota = f->quotas->pdata[q];
    g_string_append_printf(cfg,
                           "%s\n  { topic = \"%s\"; category = \"%s\"; per = \"%s\"; at_least = %d; }",
                           q > 0 ? "," : "", quota->topic, quota->category, quota->per,
                           quota->at_least);
  }
  g_string_append(cfg, "\n);\n");
  g_autofree char *cfg_path = test_util_write(dir, "loa.cfg", cfg->str);
  sqlite3 *db = make_station_db(db_path, f);
  loa_db_close(db);
  fixture_free(f);
  return 0;
}

int
main(int argc, char **argv)
{
  if (argc == 4 && strcmp(argv[1], "--make-station") == 0)
    return make_station(argv[2], argv[3]);

  g_test_init(&argc, &argv, NULL);
  fixture_path = g_test_build_filename(G_TEST_DIST, "..", "fixtures", "report-2019.txt", NULL);
  fixture = fixture_load(fixture_path);
  temp_dir = test_util_make_dir("loa-test-report-XXXXXX");
  g_autofree char *db_path = g_build_filename(temp_dir, "loa.db", NULL);
  fixture_db = make_station_db(db_path, fixture);

  g_test_add_func("/report/fixture", test_fixture);
  g_test_add_func("/report/station-sums", test_station_sums);
  g_test_add_func("/report/log-verifies", test_log_verifies);
  g_test_add_func("/report/period-parse", test_period_parse);
  g_test_add_func("/report/text", test_text);
  g_test_add_func("/report/html", test_html);
  g_test_add_func("/report/no-quotas", test_no_quotas);
  g_test_add_func("/report/monitor-counts", test_monitor_counts);
  g_test_add_func("/report/unreadable-database", test_unreadable_database);
  int result = g_test_run();

  loa_db_close(fixture_db);
  fixture_free(fixture);
  test_util_remove_tree(temp_dir);
  g_free(temp_dir);
  g_free(fixture_path);
  return result;
}
