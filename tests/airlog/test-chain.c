/* The as-run log's hash chain: known-answer vectors for the canonical form
 * (tests/fixtures/airlog-chain.txt, made by an independent implementation),
 * a real station database whose every write path keeps the chain whole, and
 * tampering of each kind detected at the right row. */
#include "airlog.h"
#include "chain.h"
#include "db.h"
#include "loa-time.h"

#include <glib/gstdio.h>
#include <string.h>

static char *fixture_path;
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
    if (strcmp(k, "station") == 0) *station = g_strdup(v);
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
    else g_assert_cmpstr(k, ==, "format");
  }
  return a;
}

static void
test_known_answers(void)
{
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(fixture_path, &text, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)loa_airing_free);
  g_autofree char *station = NULL;
  guint vectors = 0;

  for (guint i = 0; lines[i] != NULL; i++) {
    if (strcmp(lines[i], "canonical:") != 0)
      continue;
    GString *canonical = g_string_new(NULL);
    for (i++; strcmp(lines[i], "end") != 0; i++)
      g_string_append_printf(canonical, "%s\n", lines[i]);
    const char *prev = lines[++i] + strlen("prev_hash: ");
    const char *hash = lines[++i] + strlen("hash: ");

    g_clear_pointer(&station, g_free);
    LoaAiring *a = airing_from_canonical(canonical->str, &station);
    a->prev_hash = g_strdup(prev);
    a->hash = g_strdup(hash);
    g_autoptr(GString) ours = g_string_new(NULL);
    loa_chain_canonical(station, a, ours);
    g_assert_cmpstr(ours->str, ==, canonical->str);
    g_autofree char *computed = loa_chain_hash(ours, prev);
    g_assert_cmpstr(computed, ==, hash);
    g_ptr_array_add(rows, a);
    g_string_free(canonical, TRUE);
    vectors++;
  }
  g_assert_cmpuint(vectors, ==, 3);

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

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_assert_cmpint(argc, >=, 1);
  fixture_path = g_test_build_filename(G_TEST_DIST, "..", "fixtures", "airlog-chain.txt", NULL);
  tmp_dir = g_dir_make_tmp("loa-chain-XXXXXX", NULL);
  g_test_add_func("/airlog/chain/known-answers", test_known_answers);
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
  return rc;
}
