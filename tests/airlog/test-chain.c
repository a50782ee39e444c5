/* The as-run log's hash chain: known-answer vectors for both canonical forms
 * (tests/fixtures/airlog-chain.txt for form 1, airlog-chain-v2.txt for form
 * 2, made by an independent implementation), a real station database whose
 * every write path keeps the chain whole and records the airing's facts, a
 * log upgraded from form 1 to form 2 by the real migration, and tampering of
 * each kind detected at the right row. */
#include "airlog.h"
#include "chain.h"
#include "db.h"
#include "loa-time.h"

#include <inttypes.h>
#include <glib/gstdio.h>
#include <string.h>

static char *fixture_path;
static char *fixture_v2_path;
static char *schema_dir;
static char *tmp_dir;

/* --- known-answer vectors ---------------------------------------------- */

static char *
unescape(const char *value)
{
  GString *out = g_string_new(NULL);
  for (const char *p = value; *p != '\0'; p++) {
    if (*p == '\\' && p[1] != '\0') {
      p++;
      g_string_append_c(out, *p == 'n' ? '\n' : *p == 'r' ? '\r' : *p);
    } else
      g_string_append_c(out, *p);
  }
  return g_string_free(out, FALSE);
}

static LoaAiring *
airing_from_canonical(const char *text, char **station)
{
  LoaAiring *a = g_new0(LoaAiring, 1);
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++) {
    char *eq = strchr(lines[i], '=');
    g_assert_nonnull(eq);
    *eq = '\0';
    const char *k = lines[i];
    g_autofree char *v = unescape(eq + 1);
    gint64 n = g_ascii_strtoll(v, NULL, 10);
    if (strcmp(k, "format") == 0) a->chain_version = loa_chain_format_version(v);
    else if (strcmp(k, "station") == 0) *station = g_strdup(v);
    else if (strcmp(k, "seq") == 0) a->chain_seq = n;
    else if (strcmp(k, "id") == 0) a->id = n;
    else if (strcmp(k, "line") == 0) a->line = g_strdup(v);
    else if (strcmp(k, "spot") == 0) a->spot_id = g_strdup(v);
    else if (strcmp(k, "spot_sha256") == 0) a->spot_sha256 = g_strdup(v);
    else if (strcmp(k, "title") == 0) a->title = g_strdup(v);
    else if (strcmp(k, "category") == 0) a->category = g_strdup(v);
    else if (strcmp(k, "topic") == 0) a->topic = g_strdup(v);
    else if (strcmp(k, "priority") == 0) a->priority = g_strdup(v);
    else if (strcmp(k, "event") == 0) a->event_ref = g_strdup(v);
    else if (strcmp(k, "scheduled_at") == 0) a->scheduled_at = n;
    else if (strcmp(k, "started_at") == 0) a->started_at = n;
    else if (strcmp(k, "ended_at") == 0) a->ended_at = n;
    else if (strcmp(k, "samples") == 0) a->samples = n;
    else if (strcmp(k, "sample_rate") == 0) a->sample_rate = (int)n;
    else if (strcmp(k, "status") == 0) a->status = g_strdup(v);
    else if (strcmp(k, "reason") == 0) a->reason = g_strdup(v);
    else if (strcmp(k, "completed_at") == 0) a->completed_at = n;
    else if (strcmp(k, "gain_db") == 0) {
      a->gain_known = v[0] != '\0';
      a->gain_db = g_ascii_strtod(v, NULL);
    } else if (strcmp(k, "switches") == 0) a->switches = g_strdup(v);
    else if (strcmp(k, "monitor") == 0) a->monitor = g_strdup(v);
    else if (strcmp(k, "monitor_lufs") == 0) {
      a->monitor_lufs_known = v[0] != '\0';
      a->monitor_lufs = g_ascii_strtod(v, NULL);
    } else
      g_error("unknown field '%s'", k);
  }
  g_assert_cmpint(a->chain_version, !=, 0);
  return a;
}

/* Checks every vector of the fixture at path and appends its rows; returns
 * how many. */
static guint
check_vectors(const char *path, GPtrArray *rows, char **station)
{
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  guint vectors = 0;

  for (guint i = 0; lines[i] != NULL; i++) {
    if (strcmp(lines[i], "canonical:") != 0)
      continue;
    GString *canonical = g_string_new(NULL);
    for (i++; strcmp(lines[i], "end") != 0; i++)
      g_string_append_printf(canonical, "%s\n", lines[i]);
    const char *prev = lines[++i] + strlen("prev_hash: ");
    const char *hash = lines[++i] + strlen("hash: ");

    g_clear_pointer(station, g_free);
    LoaAiring *a = airing_from_canonical(canonical->str, station);
    a->prev_hash = g_strdup(prev);
    a->hash = g_strdup(hash);
    g_autoptr(GString) ours = g_string_new(NULL);
    loa_chain_canonical(*station, a, ours);
    g_assert_cmpstr(ours->str, ==, canonical->str);
    g_autofree char *computed = loa_chain_hash(ours, prev);
    g_assert_cmpstr(computed, ==, hash);
    g_ptr_array_add(rows, a);
    g_string_free(canonical, TRUE);
    vectors++;
  }
  return vectors;
}

static void
test_known_answers(void)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)loa_airing_free);
  g_autofree char *station = NULL;
  g_assert_cmpuint(check_vectors(fixture_path, rows, &station), ==, 3);

  g_auto(LoaChainReport) report = { 0 };
  loa_chain_verify_rows(station, rows, LOA_CHAIN_GENESIS, &report);
  g_assert_null(report.problem);
  g_assert_cmpint(report.rows, ==, 3);
  g_assert_cmpstr(report.head, ==, ((LoaAiring *)rows->pdata[2])->hash);

  /* The same rows from the wrong start, or swapped, do not verify. */
  g_auto(LoaChainReport) wrong_start = { 0 };
  loa_chain_verify_rows(station, rows, ((LoaAiring *)rows->pdata[0])->hash, &wrong_start);
  g_assert_nonnull(wrong_start.problem);
  g_ptr_array_remove_index(rows, 1);
  g_auto(LoaChainReport) gap = { 0 };
  loa_chain_verify_rows(station, rows, LOA_CHAIN_GENESIS, &gap);
  g_assert_nonnull(gap.problem);
  g_assert_cmpint(gap.bad_seq, ==, 3);
}

/* Form 2 continues a chain of form 1: the vectors of both files verify as
 * one chain; a row of form 2 read as form 1 (its facts dropped) does not,
 * nor a row of form 1 after one of form 2. */
static void
test_known_answers_v2(void)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)loa_airing_free);
  g_autofree char *station = NULL;
  g_assert_cmpuint(check_vectors(fixture_path, rows, &station), ==, 3);
  g_assert_cmpuint(check_vectors(fixture_v2_path, rows, &station), ==, 4);
  g_assert_cmpint(((LoaAiring *)rows->pdata[3])->chain_version, ==, 2);

  g_auto(LoaChainReport) report = { 0 };
  loa_chain_verify_rows(station, rows, LOA_CHAIN_GENESIS, &report);
  g_assert_null(report.problem);
  g_assert_cmpint(report.rows, ==, 7);
  g_assert_cmpstr(report.head, ==, ((LoaAiring *)rows->pdata[6])->hash);

  LoaAiring *row = rows->pdata[4];
  row->chain_version = 1;
  g_auto(LoaChainReport) downgraded = { 0 };
  loa_chain_verify_rows(station, rows, LOA_CHAIN_GENESIS, &downgraded);
  g_assert_cmpint(downgraded.bad_seq, ==, 5);
  g_assert_nonnull(strstr(downgraded.problem, "older"));
  row->chain_version = 2;

  /* A fact changed: the content no longer gives the hash. */
  row->monitor_lufs_known = TRUE;
  g_auto(LoaChainReport) edited = { 0 };
  loa_chain_verify_rows(station, rows, LOA_CHAIN_GENESIS, &edited);
  g_assert_cmpint(edited.bad_seq, ==, 5);
  g_assert_nonnull(strstr(edited.problem, "content"));

  g_assert_cmpstr(loa_chain_format(1), ==, "loa-airing/1");
  g_assert_cmpstr(loa_chain_format(2), ==, LOA_CHAIN_FORMAT);
  g_assert_null(loa_chain_format(3));
  g_assert_cmpint(loa_chain_format_version("loa-airing/9"), ==, 0);
}

/* --- a real station database -------------------------------------------- */

typedef struct {
  char *path;
  sqlite3 *db;
  LoaAirlog *log;
} Station;

static void
station_open(Station *s, const char *name)
{
  g_autoptr(GError) error = NULL;
  s->path = g_build_filename(tmp_dir, name, NULL);
  s->db = loa_db_open(s->path, LOA_DB_OPEN_CREATE, &error);
  g_assert_no_error(error);
  g_assert_cmpint(sqlite3_exec(s->db, "INSERT INTO station VALUES ('cai-khe', 'Cái Khế', 0)",
                               NULL, NULL, NULL), ==, SQLITE_OK);
  s->log = loa_airlog_new(s->db, &error);
  g_assert_no_error(error);
}

static void
station_close(Station *s)
{
  loa_airlog_free(s->log);
  loa_db_close(s->db);
  g_free(s->path);
}

static gint64
open_row(Station *s, const char *line, const char *spot, gint64 at)
{
  LoaAiringPlan plan = { .line = line, .spot_id = spot, .spot_sha256 = "ab", .title = "Tin ATTT",
                         .category = "news", .topic = "attt", .priority = "normal",
                         .event_ref = "s.cfg:2", .scheduled_at = at };
  g_autoptr(GError) error = NULL;
  gint64 id = loa_airlog_open(s->log, &plan, &error);
  g_assert_no_error(error);
  return id;
}

/* A log with every kind of write: completions out of insertion order, a row
 * final at once, an interrupted one. */
static void
fill_log(Station *s)
{
  g_autoptr(GError) error = NULL;
  gint64 a = open_row(s, "an-hoa", "T01", 1000);
  gint64 b = open_row(s, "cai-khe", "T02", 2000);
  g_assert_true(loa_airlog_complete(s->log, b, LOA_AIRING_COMPLETED, 2000, 3000, 48000, 48000,
                                    NULL, &error));
  LoaAiringPlan failed = { .line = "an-hoa", .spot_id = "GONE", .scheduled_at = 2500,
                           .priority = "normal" };
  g_assert_cmpint(loa_airlog_record(s->log, &failed, LOA_AIRING_FAILED, "file missing", &error),
                  >, 0);
  g_assert_true(loa_airlog_complete(s->log, a, LOA_AIRING_INTERRUPTED, 1000, 1500, 24000, 48000,
                                    "stopped", &error));
  gint64 c = open_row(s, "thoi-binh", "T03", 4000);
  g_assert_true(loa_airlog_complete(s->log, c, LOA_AIRING_COMPLETED, 4000, 5000, 48000, 48000,
                                    NULL, &error));
  g_assert_no_error(error);
}

static void
verify(Station *s, LoaChainReport *report)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(loa_chain_verify(s->db, report, &error));
  g_assert_no_error(error);
}

static void
test_chain_holds(void)
{
  Station s = { 0 };
  station_open(&s, "holds.db");
  fill_log(&s);
  g_auto(LoaChainReport) report = { 0 };
  verify(&s, &report);
  g_assert_null(report.problem);
  g_assert_cmpint(report.rows, ==, 4);

  /* A completed row refuses a second completion and any edit. */
  g_autoptr(GError) error = NULL;
  g_assert_false(loa_airlog_complete(s.log, 1, LOA_AIRING_COMPLETED, 1, 2, 3, 48000, NULL, &error));
  g_assert_error(error, LOA_AIRLOG_ERROR, LOA_AIRLOG_ERROR_INVALID);
  g_assert_cmpint(sqlite3_exec(s.db, "UPDATE airings SET started_at = 7 WHERE id = 1", NULL,
                               NULL, NULL) & 0xff, ==, SQLITE_CONSTRAINT);
  station_close(&s);
}

/* A crash between the on-air row and its completion: the restart completes
 * it (interrupted) and the chain still verifies. */
static void
test_crash_recovery(void)
{
  Station s = { 0 };
  station_open(&s, "crash.db");
  fill_log(&s);
  gint64 id = open_row(&s, "an-hoa", "T09", 9000);
  g_autoptr(GError) error = NULL;
  g_assert_true(loa_airlog_set_started(s.log, id, 9001, 48000, &error));
  loa_airlog_free(s.log); /* "crash" */
  s.log = loa_airlog_new(s.db, &error);
  g_assert_no_error(error);
  g_assert_cmpint(loa_airlog_recover(s.log, "recovered", &error), ==, 1);
  g_auto(LoaChainReport) report = { 0 };
  verify(&s, &report);
  g_assert_null(report.problem);
  g_assert_cmpint(report.rows, ==, 5);
  g_autoptr(GPtrArray) rows = loa_airlog_chain_rows(s.db, 5, 5, &error);
  LoaAiring *last = rows->pdata[0];
  g_assert_cmpint(last->id, ==, id);
  g_assert_cmpstr(last->status, ==, LOA_AIRING_INTERRUPTED);
  g_assert_cmpint(last->started_at, ==, 9001);
  station_close(&s);
}

/* Tampering by someone with write access to the file (triggers dropped). */
static void
tamper(const char *name, const char *sql, gint64 bad_id, const char *problem_part)
{
  Station s = { 0 };
  station_open(&s, name);
  fill_log(&s);
  g_autofree char *script = g_strdup_printf(
    "DROP TRIGGER airings_immutable_after_completion; DROP TRIGGER airings_never_deleted;"
    "DROP TRIGGER airings_complete_with_chain; %s",
    sql);
  g_assert_cmpint(sqlite3_exec(s.db, script, NULL, NULL, NULL), ==, SQLITE_OK);
  g_auto(LoaChainReport) report = { 0 };
  verify(&s, &report);
  g_assert_nonnull(report.problem);
  g_assert_cmpint(report.bad_id, ==, bad_id);
  g_assert_nonnull(strstr(report.problem, problem_part));
  station_close(&s);
}

static void
test_tampering(void)
{
  /* Chain order: id 2 (seq 1), id 3 (seq 2), id 1 (seq 3), id 4 (seq 4). */
  tamper("edit-time.db", "UPDATE airings SET started_at = started_at + 1000000 WHERE id = 1;", 1,
         "content");
  tamper("edit-sha.db", "UPDATE airings SET spot_sha256 = 'ff' WHERE id = 3;", 3, "content");
  tamper("delete.db", "DELETE FROM airings WHERE id = 3;", 1, "missing");
  tamper("reorder.db",
         "UPDATE airings SET chain_seq = -1 WHERE id = 2; UPDATE airings SET chain_seq = 1 WHERE "
         "id = 3; UPDATE airings SET chain_seq = 2 WHERE id = 2;",
         3, "previous hash");
  tamper("rehash.db", "UPDATE airings SET status = 'completed', hash = 'beef' WHERE id = 1;", 1,
         "content");
  tamper("unchained.db",
         "INSERT INTO airings (line, spot_id, scheduled_at, status, created_at) VALUES "
         "('x', 'y', 1, 'on-air', 1); UPDATE airings SET status = 'completed' WHERE line = 'x';",
         5, "no place");
}

/* Rows completed before the chain existed are chained once, at open. */
static void
test_backfill(void)
{
  Station s = { 0 };
  station_open(&s, "legacy.db");
  g_assert_cmpint(
    sqlite3_exec(s.db,
                 "DROP TRIGGER airings_insert_final_with_chain;"
                 "INSERT INTO airings (line, spot_id, scheduled_at, status, created_at, completed_at)"
                 " VALUES ('a', 'OLD1', 1, 'completed', 1, 20), ('b', 'OLD2', 2, 'failed', 2, 10);",
                 NULL, NULL, NULL),
    ==, SQLITE_OK);
  loa_airlog_free(s.log);
  g_autoptr(GError) error = NULL;
  s.log = loa_airlog_new(s.db, &error);
  g_assert_no_error(error);
  g_auto(LoaChainReport) report = { 0 };
  verify(&s, &report);
  g_assert_null(report.problem);
  g_assert_cmpint(report.rows, ==, 2);
  g_autoptr(GPtrArray) rows = loa_airlog_chain_rows(s.db, 1, 0, &error);
  g_assert_cmpstr(((LoaAiring *)rows->pdata[0])->spot_id, ==, "OLD2"); /* completed first */
  station_close(&s);
}

/* --- the airing's facts (canonical form 2) ----------------------------- */

static LoaAiring *
row_by_id(Station *s, gint64 id)
{
  g_autoptr(GError) error = NULL;
  LoaAirlogFilter all = { 0 };
  g_autoptr(GPtrArray) rows = loa_airlog_query(s->db, &all, &error);
  g_assert_no_error(error);
  for (guint i = 0; i < rows->len; i++)
    if (((LoaAiring *)rows->pdata[i])->id == id)
      return g_ptr_array_steal_index(rows, i);
  g_error("no row %" PRId64, id);
}

static void
test_facts(void)
{
  Station s = { 0 };
  station_open(&s, "facts.db");
  g_autoptr(GError) error = NULL;

  /* Known before it plays: the gain and the switch; then the monitor. */
  LoaAiringPlan plan = { .line = "an-hoa", .spot_id = "T01", .priority = "normal",
                         .scheduled_at = 1000,
                         .facts = { .gain_known = TRUE, .gain_db = -3.256, .switches = "ok" } };
  gint64 id = loa_airlog_open(s.log, &plan, &error);
  g_assert_no_error(error);
  LoaAiringFacts heard = { .monitor = LOA_MONITOR_PARTIAL };
  g_assert_true(loa_airlog_set_facts(s.log, id, &heard, &error));
  LoaAiringFacts loud = { .monitor = "loud" };
  g_assert_false(loa_airlog_set_facts(s.log, id, &loud, &error));
  g_assert_error(error, LOA_AIRLOG_ERROR, LOA_AIRLOG_ERROR_INVALID);
  g_clear_error(&error);
  g_assert_false(loa_airlog_complete_with_facts(s.log, id, LOA_AIRING_COMPLETED, 1000, 2000,
                                                48, 48000, NULL, &loud, &error));
  g_assert_error(error, LOA_AIRLOG_ERROR, LOA_AIRLOG_ERROR_INVALID);
  g_clear_error(&error);
  LoaAiringFacts at_end = { .monitor = LOA_MONITOR_PRESENT, .monitor_lufs_known = TRUE,
                            .monitor_lufs = -23.104 };
  g_assert_true(loa_airlog_complete_with_facts(s.log, id, LOA_AIRING_COMPLETED, 1000, 2000, 48,
                                               48000, NULL, &at_end, &error));
  g_assert_no_error(error);

  g_autoptr(LoaAiring) a = row_by_id(&s, id);
  g_assert_cmpint(a->chain_version, ==, LOA_CHAIN_VERSION);
  g_assert_true(a->gain_known);
  g_assert_cmpfloat(a->gain_db, ==, -3.26);
  g_assert_cmpstr(a->switches, ==, "ok");
  g_assert_cmpstr(a->monitor, ==, LOA_MONITOR_PRESENT);
  g_assert_true(a->monitor_lufs_known);
  g_assert_cmpfloat(a->monitor_lufs, ==, -23.10);
  g_autoptr(GString) canonical = g_string_new(NULL);
  loa_chain_canonical("cai-khe", a, canonical);
  g_assert_true(g_str_has_prefix(canonical->str, "format=loa-airing/2\n"));
  g_assert_true(g_str_has_suffix(
    canonical->str, "\ngain_db=-3.26\nswitches=ok\nmonitor=present\nmonitor_lufs=-23.10\n"));

  /* Final at once, with what was known; and one without any fact. */
  LoaAiringPlan failed = { .line = "cai-khe", .spot_id = "T02", .priority = "normal",
                           .scheduled_at = 3000,
                           .facts = { .switches = "failed: board 10.0.0.5 unreachable" } };
  gint64 failed_id = loa_airlog_record(s.log, &failed, LOA_AIRING_FAILED, "no line", &error);
  g_assert_no_error(error);
  g_autoptr(LoaAiring) f = row_by_id(&s, failed_id);
  g_assert_cmpstr(f->switches, ==, "failed: board 10.0.0.5 unreachable");
  g_assert_false(f->gain_known);
  g_assert_cmpstr(f->monitor, ==, "");
  gint64 plain = open_row(&s, "thoi-binh", "T03", 4000);
  g_assert_true(loa_airlog_complete(s.log, plain, LOA_AIRING_COMPLETED, 4000, 5000, 48, 48000,
                                    NULL, &error));

  /* Completed rows keep their facts: the database and the chain say so. */
  g_assert_false(loa_airlog_set_facts(s.log, id, &heard, &error));
  g_assert_error(error, LOA_AIRLOG_ERROR, LOA_AIRLOG_ERROR_INVALID);
  g_clear_error(&error);
  g_assert_cmpint(sqlite3_exec(s.db, "UPDATE airings SET monitor = 'absent' WHERE id = 1", NULL,
                               NULL, NULL) & 0xff, ==, SQLITE_CONSTRAINT);
  g_assert_cmpint(sqlite3_exec(s.db, "UPDATE airings SET gain_db = 0 WHERE id = 1", NULL, NULL,
                               NULL) & 0xff, ==, SQLITE_CONSTRAINT);
  g_auto(LoaChainReport) report = { 0 };
  verify(&s, &report);
  g_assert_null(report.problem);
  g_assert_cmpint(report.rows, ==, 3);

  g_assert_cmpint(sqlite3_exec(s.db,
                               "DROP TRIGGER airings_immutable_after_completion;"
                               "UPDATE airings SET monitor = 'present' WHERE id = 2;",
                               NULL, NULL, NULL), ==, SQLITE_OK);
  g_auto(LoaChainReport) tampered = { 0 };
  verify(&s, &tampered);
  g_assert_cmpint(tampered.bad_id, ==, 2);
  g_assert_nonnull(strstr(tampered.problem, "content"));
  station_close(&s);
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A log of form 1, written by the schema before 0005, upgraded by the real
 * migration: its rows verify as before, new rows are chained in form 2 after
 * them, and a row on air across the upgrade completes in form 2. */
static void
test_upgrade(void)
{
  g_autofree char *path = g_build_filename(tmp_dir, "upgrade.db", NULL);
  sqlite3 *raw = NULL;
  g_assert_cmpint(sqlite3_open(path, &raw), ==, SQLITE_OK);
  g_autoptr(GDir) dir = g_dir_open(schema_dir, 0, NULL);
  g_assert_nonnull(dir);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  const char *name;
  while ((name = g_dir_read_name(dir)) != NULL)
    if (g_str_has_suffix(name, ".sql") && strcmp(name, "0005") < 0)
      g_ptr_array_add(names, g_strdup(name));
  g_ptr_array_sort(names, compare_names);
  for (guint i = 0; i < names->len; i++) {
    g_autofree char *file = g_build_filename(schema_dir, names->pdata[i], NULL);
    g_autofree char *sql = NULL;
    g_assert_true(g_file_get_contents(file, &sql, NULL, NULL));
    g_assert_cmpint(sqlite3_exec(raw, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  }
  g_autofree char *version = g_strdup_printf("PRAGMA user_version = %u;", names->len);
  g_assert_cmpint(sqlite3_exec(raw, version, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_exec(raw, "INSERT INTO station VALUES ('cai-khe', 'Cái Khế', 0)", NULL,
                               NULL, NULL), ==, SQLITE_OK);

  /* Two rows chained in form 1, as the old code wrote them; one on air. */
  char prev[65] = LOA_CHAIN_GENESIS;
  for (gint64 i = 1; i <= 2; i++) {
    LoaAiring a = { .id = i, .chain_seq = i, .chain_version = 1, .line = "an-hoa",
                    .spot_id = "OLD", .spot_sha256 = "", .title = "Cũ", .category = "news",
                    .topic = "attt", .priority = "normal", .event_ref = "s.cfg:1",
                    .scheduled_at = i * 1000, .started_at = i * 1000, .ended_at = i * 1000 + 500,
                    .samples = 24, .sample_rate = 48000, .status = "completed", .reason = "",
                    .completed_at = i * 1000 + 600 };
    g_autoptr(GString) canonical = g_string_new(NULL);
    loa_chain_canonical("cai-khe", &a, canonical);
    g_assert_true(g_str_has_prefix(canonical->str, "format=loa-airing/1\n"));
    g_autofree char *hash = loa_chain_hash(canonical, prev);
    g_autofree char *sql = g_strdup_printf(
      "INSERT INTO airings (id, line, spot_id, title, category, topic, event_ref, scheduled_at,"
      " started_at, ended_at, samples, sample_rate, status, created_at, completed_at,"
      " chain_seq, prev_hash, hash) VALUES (%" PRId64 ", 'an-hoa', 'OLD', 'Cũ', 'news',"
      " 'attt', 's.cfg:1', %" PRId64 ", %" PRId64 ", %" PRId64
      ", 24, 48000, 'completed', 0, %" PRId64 ", %" PRId64 ", '%s', '%s')",
      i, a.scheduled_at, a.started_at, a.ended_at, a.completed_at, i, prev, hash);
    g_assert_cmpint(sqlite3_exec(raw, sql, NULL, NULL, NULL), ==, SQLITE_OK);
    g_strlcpy(prev, hash, sizeof prev);
  }
  g_assert_cmpint(sqlite3_exec(raw,
                               "INSERT INTO airings (id, line, spot_id, scheduled_at, status,"
                               " created_at) VALUES (3, 'cai-khe', 'ACROSS', 3000, 'on-air', 0)",
                               NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close(raw);

  Station s = { 0 };
  g_autoptr(GError) error = NULL;
  s.path = g_strdup(path);
  s.db = loa_db_open(path, 0, &error);
  g_assert_no_error(error);
  g_assert_cmpint(loa_db_version(s.db), ==, loa_db_latest_version());
  s.log = loa_airlog_new(s.db, &error);
  g_assert_no_error(error);
  g_auto(LoaChainReport) before = { 0 };
  verify(&s, &before);
  g_assert_null(before.problem);
  g_assert_cmpint(before.rows, ==, 2);
  g_assert_cmpstr(before.head, ==, prev);

  LoaAiringFacts facts = { .monitor = LOA_MONITOR_ABSENT, .switches = "ok" };
  g_assert_true(loa_airlog_complete_with_facts(s.log, 3, LOA_AIRING_COMPLETED, 3000, 3500, 24,
                                               48000, NULL, &facts, &error));
  gint64 id = open_row(&s, "an-hoa", "NEW", 4000);
  g_assert_true(loa_airlog_complete(s.log, id, LOA_AIRING_COMPLETED, 4000, 4500, 24, 48000, NULL,
                                    &error));
  g_assert_no_error(error);
  g_auto(LoaChainReport) after = { 0 };
  verify(&s, &after);
  g_assert_null(after.problem);
  g_assert_cmpint(after.rows, ==, 4);
  g_autoptr(GPtrArray) rows = loa_airlog_chain_rows(s.db, 1, 0, &error);
  const int versions[] = { 1, 1, 2, 2 };
  for (guint i = 0; i < 4; i++)
    g_assert_cmpint(((LoaAiring *)rows->pdata[i])->chain_version, ==, versions[i]);
  g_assert_cmpstr(((LoaAiring *)rows->pdata[2])->prev_hash, ==, prev);
  g_assert_cmpstr(((LoaAiring *)rows->pdata[2])->monitor, ==, LOA_MONITOR_ABSENT);

  /* Rewriting an old row in form 2, or a new one in form 1, is seen. */
  g_assert_cmpint(sqlite3_exec(s.db,
                               "DROP TRIGGER airings_immutable_after_completion;"
                               "UPDATE airings SET chain_version = 1 WHERE id = 4;",
                               NULL, NULL, NULL), ==, SQLITE_OK);
  g_auto(LoaChainReport) downgraded = { 0 };
  verify(&s, &downgraded);
  g_assert_cmpint(downgraded.bad_seq, ==, 4);
  g_assert_nonnull(strstr(downgraded.problem, "older"));
  station_close(&s);
}

/* Verifying from a chain position: the rows before are taken on trust (the
 * stored hash of the row before is the anchor), those after are checked. */
static void
test_verify_from(void)
{
  Station s = { 0 };
  station_open(&s, "from.db");
  fill_log(&s);
  g_autoptr(GError) error = NULL;
  g_auto(LoaChainReport) whole = { 0 };
  verify(&s, &whole);
  g_auto(LoaChainReport) tail = { 0 };
  g_assert_true(loa_chain_verify_from(s.db, 3, &tail, &error));
  g_assert_null(tail.problem);
  g_assert_cmpint(tail.rows, ==, 2);
  g_assert_cmpstr(tail.head, ==, whole.head);

  /* Chain order: id 2 (seq 1), id 3 (seq 2), id 1 (seq 3), id 4 (seq 4). */
  g_assert_cmpint(sqlite3_exec(s.db,
                               "DROP TRIGGER airings_immutable_after_completion;"
                               "UPDATE airings SET title = 'x' WHERE id = 2;",
                               NULL, NULL, NULL), ==, SQLITE_OK);
  g_auto(LoaChainReport) still = { 0 };
  g_assert_true(loa_chain_verify_from(s.db, 3, &still, &error));
  g_assert_null(still.problem);
  g_auto(LoaChainReport) seen = { 0 };
  g_assert_true(loa_chain_verify_from(s.db, 1, &seen, &error));
  g_assert_cmpint(seen.bad_id, ==, 2);
  g_assert_cmpint(sqlite3_exec(s.db, "UPDATE airings SET title = 'x' WHERE id = 1;", NULL, NULL,
                               NULL), ==, SQLITE_OK);
  g_auto(LoaChainReport) in_range = { 0 };
  g_assert_true(loa_chain_verify_from(s.db, 3, &in_range, &error));
  g_assert_cmpint(in_range.bad_seq, ==, 3);
  g_auto(LoaChainReport) beyond = { 0 };
  g_assert_true(loa_chain_verify_from(s.db, 9, &beyond, &error));
  g_assert_nonnull(strstr(beyond.problem, "missing"));
  g_assert_no_error(error);
  station_close(&s);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_assert_cmpint(argc, >=, 1);
  fixture_path = g_test_build_filename(G_TEST_DIST, "..", "fixtures", "airlog-chain.txt", NULL);
  fixture_v2_path =
    g_test_build_filename(G_TEST_DIST, "..", "fixtures", "airlog-chain-v2.txt", NULL);
  schema_dir = g_test_build_filename(G_TEST_DIST, "..", "..", "common", "schema", NULL);
  tmp_dir = g_dir_make_tmp("loa-chain-XXXXXX", NULL);
  g_test_add_func("/airlog/chain/known-answers", test_known_answers);
  g_test_add_func("/airlog/chain/known-answers-v2", test_known_answers_v2);
  g_test_add_func("/airlog/chain/facts", test_facts);
  g_test_add_func("/airlog/chain/upgrade", test_upgrade);
  g_test_add_func("/airlog/chain/verify-from", test_verify_from);
  g_test_add_func("/airlog/chain/holds", test_chain_holds);
  g_test_add_func("/airlog/chain/crash-recovery", test_crash_recovery);
  g_test_add_func("/airlog/chain/tampering", test_tampering);
  g_test_add_func("/airlog/chain/backfill", test_backfill);
  int rc = g_test_run();
  g_autofree char *rm = g_strdup_printf("rm -rf '%s'", tmp_dir);
  if (system(rm) != 0)
    g_printerr("could not remove %s\n", tmp_dir);
  g_free(tmp_dir);
  g_free(fixture_path);
  g_free(fixture_v2_path);
  g_free(schema_dir);
  return rc;
}
