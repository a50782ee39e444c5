/* Unit tests of the city's audit database: opening (and refusing what is not
 * one), registering stations, and importing bundles made from real station
 * databases — consecutive bundles accepted in chain order, and each way a
 * bundle can be wrong refused by name with nothing of it imported: unknown
 * station, another key, tampered rows re-signed, rows of another station,
 * from the future, duplicate, replay, gap, rewritten history, overlap.
 * A station that replaces its key: the city adds the new key from the
 * station's statement (or checked by other means), bundles before and after
 * the change import, and a key not registered yet, a retired key and a
 * statement the station's current key did not sign are refused by name. */
#include "airlog.h"
#include "audit.h"
#include "bundle.h"
#include "chain.h"
#include "db.h"
#include "loa-time.h"
#include "station-key.h"

#include "../common/test-util.h"

#include <string.h>

static char *temp_dir;

/* --- station databases with real airings --------------------------------- */

typedef struct {
  sqlite3 *db;
  LoaAirlog *log;
} Station;

static Station *
station_open(const char *name, const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename(temp_dir, name, NULL);
  Station *s = g_new0(Station, 1);
  s->db = loa_db_open(path, LOA_DB_OPEN_CREATE, &error);
  g_assert_no_error(error);
  g_autofree char *sql = g_strdup_printf(
    "INSERT INTO station (id, name, created_at) VALUES ('%s', 'Đài %s', 0)", id, id);
  g_assert_cmpint(sqlite3_exec(s->db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  s->log = loa_airlog_new(s->db, &error);
  g_assert_no_error(error);
  return s;
}

static void
station_close(Station *s)
{
  loa_airlog_free(s->log);
  loa_db_close(s->db);
  g_free(s);
}

/* One airing scheduled `ahead` ns from now, played and completed now. */
static void
station_air(Station *s, const char *line, const char *title, gint64 ahead)
{
  g_autoptr(GError) error = NULL;
  gint64 at = loa_time_now_wall_ns() + ahead;
  LoaAiringPlan plan = {
    .line = line, .spot_id = "ATTT-01", .spot_sha256 = "", .title = title,
    .category = "article", .topic = "attt", .priority = "normal",
    .event_ref = "schedule.cfg:7", .scheduled_at = at,
    .facts = { .gain_known = TRUE, .gain_db = -2.5, .switches = "ok" },
  };
  gint64 id = loa_airlog_open(s->log, &plan, &error);
  g_assert_no_error(error);
  LoaAiringFacts heard = { .monitor = LOA_MONITOR_PRESENT, .monitor_lufs_known = TRUE,
                           .monitor_lufs = -22.75 };
  g_assert_true(loa_airlog_complete_with_facts(s->log, id, LOA_AIRING_COMPLETED, at,
                                               at + 500000000, 24000, 48000, NULL, &heard,
                                               &error));
  g_assert_no_error(error);
}

static LoaStationKey *
make_key(const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename(temp_dir, name, NULL);
  LoaStationKey *key = loa_station_key_create(path, &error);
  g_assert_no_error(error);
  return key;
}

/* Collects [from, until) and signs it: a bundle as `loa log export` writes it,
 * read back as `loa audit import` reads it. */
static LoaBundle *
export(Station *s, LoaStationKey *key, gint64 from, gint64 until)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTimeZone) tz = g_time_zone_new_utc();
  g_autoptr(LoaBundle) bundle =
    loa_bundle_collect(s->db, "Đài", "Asia/Ho_Chi_Minh", tz, NULL, from, until, &error);
  g_assert_no_error(error);
  g_assert_true(loa_bundle_sign(bundle, key, &error));
  LoaBundle *read = loa_bundle_parse(bundle->data, &error);
  g_assert_no_error(error);
  return read;
}

/* --- the audit database -------------------------------------------------- */

static LoaAudit *
audit_new(const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename(temp_dir, name, NULL);
  LoaAudit *audit = loa_audit_open(path, TRUE, &error);
  g_assert_no_error(error);
  return audit;
}

static gint64
count(LoaAudit *audit, const char *sql)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_assert_cmpint(sqlite3_prepare_v2(loa_audit_db(audit), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
  return sqlite3_column_int64(stmt, 0);
}

static void
register_station(LoaAudit *audit, const char *id, LoaStationKey *key)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(loa_audit_station_add(audit, id, NULL, key, &error));
  g_assert_no_error(error);
}

static gint64
import_ok(LoaAudit *audit, LoaBundle *bundle, const char *expected_warning)
{
  g_autoptr(GError) error = NULL;
  g_auto(LoaAuditImport) result = { 0 };
  if (!loa_audit_import(audit, bundle, "test.loa-bundle", loa_time_now_wall_ns(), &result, &error))
    g_error("import refused: %s", error->message);
  g_assert_cmpint(result.rows, ==, bundle->rows->len);
  if (expected_warning == NULL)
    g_assert_null(result.warning);
  else if (result.warning == NULL || strstr(result.warning, expected_warning) == NULL)
    g_error("expected warning '%s', got '%s'", expected_warning, result.warning);
  return result.bundle_id;
}

/* The import is refused with domain/code and a message containing text, and
 * the audit database is left exactly as it was. */
static void
import_refused(LoaAudit *audit, LoaBundle *bundle, GQuark domain, int code, const char *text)
{
  gint64 bundles = count(audit, "SELECT count(*) FROM bundles");
  gint64 rows = count(audit, "SELECT count(*) FROM airings");
  g_autoptr(GError) error = NULL;
  g_auto(LoaAuditImport) result = { 0 };
  g_assert_false(loa_audit_import(audit, bundle, "bad.loa-bundle", loa_time_now_wall_ns(), &result,
                                  &error));
  g_assert_nonnull(error);
  if (error->domain != domain || error->code != code || strstr(error->message, text) == NULL)
    g_error("expected '%s' (code %d), got: %s (code %d)", text, code, error->message, error->code);
  g_assert_cmpint(count(audit, "SELECT count(*) FROM bundles"), ==, bundles);
  g_assert_cmpint(count(audit, "SELECT count(*) FROM airings"), ==, rows);
}

static void
test_open(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename(temp_dir, "city", "audit.db", NULL);
  g_assert_null(loa_audit_open(path, FALSE, &error));
  g_assert_error(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_MISSING);
  g_clear_error(&error);
  g_autofree char *dir = g_path_get_dirname(path);
  g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
  LoaAudit *audit = loa_audit_open(path, TRUE, &error);
  g_assert_no_error(error);
  g_assert_cmpint(count(audit, "PRAGMA application_id"), ==, 0x4c4f4141);
  g_assert_cmpint(count(audit, "PRAGMA user_version"), >=, 1);
  loa_audit_close(audit);
  audit = loa_audit_open(path, FALSE, &error);
  g_assert_no_error(error);
  loa_audit_close(audit);

  /* A station database is not an audit database, nor is a text file. */
  Station *s = station_open("not-audit.db", "x");
  station_close(s);
  g_autofree char *station_path = g_build_filename(temp_dir, "not-audit.db", NULL);
  g_assert_null(loa_audit_open(station_path, TRUE, &error));
  g_assert_error(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_NOT_AUDIT);
  g_clear_error(&error);
  g_autofree char *text_path = test_util_write(temp_dir, "notes.txt",
                                               "These are not the logs you are looking for.\n");
  g_assert_null(loa_audit_open(text_path, TRUE, &error));
  g_assert_error(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_NOT_AUDIT);
  g_clear_error(&error);

  /* Written by a newer Loa: refused rather than guessed at. */
  sqlite3 *db = NULL;
  g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close(db);
  g_assert_null(loa_audit_open(path, FALSE, &error));
  g_assert_error(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_TOO_NEW);
}

static void
test_station_add(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaStationKey) key = make_key("add.key");
  LoaAudit *audit = audit_new("add.db");
  g_assert_true(loa_audit_station_add(audit, "cai-khe", "Phường Cái Khế", key, &error));
  g_assert_no_error(error);
  g_assert_false(loa_audit_station_add(audit, "cai-khe", NULL, key, &error));
  g_assert_error(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_STATION_EXISTS);
  g_clear_error(&error);
  g_assert_false(loa_audit_station_add(audit, "bad id!", NULL, key, &error));
  g_assert_error(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_INVALID);
  g_clear_error(&error);
  g_assert_false(loa_audit_station_add(audit, "x", "two\nlines", key, &error));
  g_assert_error(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_INVALID);
  g_clear_error(&error);

  g_autoptr(GPtrArray) list = loa_audit_list(audit, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(list->len, ==, 1);
  const LoaAuditEntry *entry = list->pdata[0];
  g_assert_cmpstr(entry->station_id, ==, "cai-khe");
  g_assert_cmpstr(entry->station_name, ==, "Phường Cái Khế");
  g_assert_cmpint(entry->bundle_id, ==, 0);
  g_autofree char *fingerprint = loa_station_key_fingerprint(key);
  g_assert_cmpstr(entry->fingerprint, ==, fingerprint);
  loa_audit_close(audit);
}

/* A station that aired in three periods, with their bounds. */
typedef struct {
  Station *station;
  LoaStationKey *key;
  gint64 t[5];  /* t0 < rows 1, 2 < t1 < row 3 < t2 < row 4 < t3 < t4 */
} Fixture;

static void
fixture_make(Fixture *f, const char *db_name, const char *key_name)
{
  f->station = station_open(db_name, "cai-khe");
  f->key = make_key(key_name);
  f->t[0] = loa_time_now_wall_ns();
  station_air(f->station, "an-hoa", "Cảnh giác\nlừa đảo", 0);
  station_air(f->station, "cai-khe", "Tin tức", 0);
  f->t[1] = loa_time_now_wall_ns();
  station_air(f->station, "an-hoa", "Bài viết", 0);
  f->t[2] = loa_time_now_wall_ns();
  station_air(f->station, "an-hoa", "Phóng sự", 0);
  f->t[3] = loa_time_now_wall_ns();
  f->t[4] = f->t[3] + 1000000;
}

static void
fixture_clear(Fixture *f)
{
  station_close(f->station);
  loa_station_key_free(f->key);
}

static void
test_import_in_order(void)
{
  g_autoptr(GError) error = NULL;
  Fixture f;
  fixture_make(&f, "order.db", "order.key");
  LoaAudit *audit = audit_new("order-audit.db");
  register_station(audit, "cai-khe", f.key);
  g_autoptr(LoaBundle) p1 = export(f.station, f.key, f.t[0], f.t[1]);
  g_autoptr(LoaBundle) p2 = export(f.station, f.key, f.t[1], f.t[2]);
  g_autoptr(LoaBundle) p3 = export(f.station, f.key, f.t[2], f.t[3]);
  g_autoptr(LoaBundle) p1_p2 = export(f.station, f.key, f.t[0], f.t[2]);
  g_autoptr(LoaBundle) empty = export(f.station, f.key, f.t[3], f.t[4]);
  g_autoptr(LoaBundle) overlapping = export(f.station, f.key, f.t[3] - 1, f.t[4] + 1);

  g_assert_cmpint(import_ok(audit, p1, NULL), ==, 1);
  /* Skipping a bundle leaves a gap, named after the last one imported. */
  import_refused(audit, p3, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_GAP,
                 "gap after bundle #1 (");
  import_refused(audit, p3, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_GAP, "rows 3-3 are missing");
  g_assert_cmpint(import_ok(audit, p2, NULL), ==, 2);
  g_assert_cmpint(import_ok(audit, p3, NULL), ==, 3);
  /* The same bundle again, and an old one whose rows are in already. */
  import_refused(audit, p1, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_DUPLICATE,
                 "duplicate: this bundle was imported already, as bundle #1");
  import_refused(audit, p1_p2, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_REPLAY,
                 "replay: rows 1-3 were imported already");
  /* An empty period that follows links; one that reaches back overlaps. */
  import_refused(audit, overlapping, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_OVERLAP, "overlaps bundle #3");
  g_assert_cmpint(import_ok(audit, empty, NULL), ==, 4);
  import_refused(audit, empty, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_DUPLICATE, "bundle #4");

  /* The rows, as the station has them, column by column. */
  g_assert_cmpint(count(audit, "SELECT count(*) FROM airings"), ==, 4);
  g_autoptr(GPtrArray) rows = loa_airlog_chain_rows(f.station->db, 1, 0, &error);
  g_assert_no_error(error);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_assert_cmpint(sqlite3_prepare_v2(loa_audit_db(audit),
                                     "SELECT chain_seq, airing_id, line, title, scheduled_at,"
                                     " started_at, ended_at, status, completed_at, prev_hash, hash,"
                                     " bundle_id, chain_version, gain_db, switches, monitor,"
                                     " monitor_lufs FROM airings WHERE station_id = 'cai-khe'"
                                     " ORDER BY chain_seq",
                                     -1, &stmt, NULL),
                  ==, SQLITE_OK);
  for (guint i = 0; i < rows->len; i++) {
    const LoaAiring *a = rows->pdata[i];
    g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
    g_assert_cmpint(sqlite3_column_int64(stmt, 0), ==, a->chain_seq);
    g_assert_cmpint(sqlite3_column_int64(stmt, 1), ==, a->id);
    g_assert_cmpstr((const char *)sqlite3_column_text(stmt, 2), ==, a->line);
    g_assert_cmpstr((const char *)sqlite3_column_text(stmt, 3), ==, a->title);
    g_assert_cmpint(sqlite3_column_int64(stmt, 4), ==, a->scheduled_at);
    g_assert_cmpint(sqlite3_column_int64(stmt, 5), ==, a->started_at);
    g_assert_cmpint(sqlite3_column_int64(stmt, 6), ==, a->ended_at);
    g_assert_cmpstr((const char *)sqlite3_column_text(stmt, 7), ==, a->status);
    g_assert_cmpint(sqlite3_column_int64(stmt, 8), ==, a->completed_at);
    g_assert_cmpstr((const char *)sqlite3_column_text(stmt, 9), ==, a->prev_hash);
    g_assert_cmpstr((const char *)sqlite3_column_text(stmt, 10), ==, a->hash);
    g_assert_cmpint(sqlite3_column_int64(stmt, 11), ==, i < 2 ? 1 : i == 2 ? 2 : 3);
    g_assert_cmpint(sqlite3_column_int(stmt, 12), ==, a->chain_version);
    g_assert_cmpfloat(sqlite3_column_double(stmt, 13), ==, a->gain_db);
    g_assert_cmpfloat(a->gain_db, ==, -2.5);
    g_assert_cmpstr((const char *)sqlite3_column_text(stmt, 14), ==, a->switches);
    g_assert_cmpstr((const char *)sqlite3_column_text(stmt, 15), ==, a->monitor);
    g_assert_cmpfloat(sqlite3_column_double(stmt, 16), ==, a->monitor_lufs);
    g_assert_cmpfloat(a->monitor_lufs, ==, -22.75);
  }
  g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_DONE);

  /* What was imported cannot be changed nor removed. */
  sqlite3 *db = loa_audit_db(audit);
  g_assert_cmpint(sqlite3_exec(db, "UPDATE airings SET title = 'x'", NULL, NULL, NULL), !=,
                  SQLITE_OK);
  g_assert_cmpint(sqlite3_exec(db, "DELETE FROM airings", NULL, NULL, NULL), !=, SQLITE_OK);
  g_assert_cmpint(sqlite3_exec(db, "UPDATE bundles SET row_count = 0", NULL, NULL, NULL), !=,
                  SQLITE_OK);
  g_assert_cmpint(sqlite3_exec(db, "DELETE FROM bundles", NULL, NULL, NULL), !=, SQLITE_OK);

  g_autoptr(GPtrArray) list = loa_audit_list(audit, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(list->len, ==, 4);
  const LoaAuditEntry *last = list->pdata[3];
  g_assert_cmpint(last->bundle_id, ==, 4);
  g_assert_cmpint(last->rows, ==, 0);
  g_assert_cmpstr(last->head_after, ==, p3->head_after);
  const LoaAuditEntry *first = list->pdata[0];
  g_assert_cmpint(first->first_seq, ==, 1);
  g_assert_cmpint(first->last_seq, ==, 2);
  g_assert_cmpstr(first->source, ==, "test.loa-bundle");
  loa_audit_close(audit);
  fixture_clear(&f);
}

static void
test_first_bundle_mid_chain(void)
{
  Fixture f;
  fixture_make(&f, "mid.db", "mid.key");
  LoaAudit *audit = audit_new("mid-audit.db");
  register_station(audit, "cai-khe", f.key);
  g_autoptr(LoaBundle) p2 = export(f.station, f.key, f.t[1], f.t[2]);
  g_autoptr(LoaBundle) p3 = export(f.station, f.key, f.t[2], f.t[3]);
  import_ok(audit, p2, "starts at row 3 of its log");
  import_ok(audit, p3, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = loa_audit_list(audit, &error);
  g_assert_nonnull(strstr(((LoaAuditEntry *)list->pdata[0])->warning, "never audited"));
  g_assert_cmpstr(((LoaAuditEntry *)list->pdata[1])->warning, ==, "");
  loa_audit_close(audit);
  fixture_clear(&f);
}

static void
test_refused(void)
{
  Fixture f;
  fixture_make(&f, "refused.db", "refused.key");
  g_autoptr(LoaStationKey) thief = make_key("refused-thief.key");
  LoaAudit *audit = audit_new("refused-audit.db");
  g_autoptr(LoaBundle) p1 = export(f.station, f.key, f.t[0], f.t[1]);

  import_refused(audit, p1, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_UNKNOWN_STATION,
                 "unknown station 'cai-khe'");
  register_station(audit, "cai-khe", f.key);

  /* Re-signed with another key. */
  g_autoptr(LoaBundle) stolen = export(f.station, thief, f.t[0], f.t[1]);
  import_refused(audit, stolen, LOA_BUNDLE_ERROR, LOA_BUNDLE_ERROR_SIGNATURE,
                 "bad signature: signed with another key");

  /* A row changed, then signed again with the station's own key. */
  g_autoptr(GError) error = NULL;
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
  g_autoptr(LoaBundle) edited = loa_bundle_collect(f.station->db, "Đài", "UTC", utc, NULL, f.t[0],
                                                   f.t[1], &error);
  LoaBundleRow *row = edited->rows->pdata[1];
  g_autoptr(GString) text = g_string_new(row->canonical);
  g_assert_cmpuint(g_string_replace(text, "status=completed", "status=interrupted", 1), ==, 1);
  g_free(row->canonical);
  row->canonical = g_strdup(text->str);
  g_assert_true(loa_bundle_sign(edited, f.key, &error));
  g_autoptr(LoaBundle) edited_read = loa_bundle_parse(edited->data, &error);
  import_refused(audit, edited_read, LOA_BUNDLE_ERROR, LOA_BUNDLE_ERROR_CHAIN,
                 "broken chain at row 2");

  /* Rows of another station, under this one's name and key. */
  Station *other = station_open("refused-other.db", "o-mon");
  station_air(other, "a", "Tin", 0);
  g_autoptr(LoaBundle) foreign = loa_bundle_collect(other->db, "Đài", "UTC", utc, NULL, f.t[0],
                                                    loa_time_now_wall_ns(), &error);
  g_free(foreign->station_id);
  foreign->station_id = g_strdup("cai-khe");
  g_assert_true(loa_bundle_sign(foreign, f.key, &error));
  g_autoptr(LoaBundle) foreign_read = loa_bundle_parse(foreign->data, &error);
  import_refused(audit, foreign_read, LOA_BUNDLE_ERROR, LOA_BUNDLE_ERROR_STATION,
                 "row 1 belongs to station 'o-mon', not to 'cai-khe'");
  station_close(other);

  /* From the future: a period that has not ended, rows that have not aired. */
  gint64 day = G_GINT64_CONSTANT(86400) * LOA_NS_PER_SECOND;
  g_autoptr(LoaBundle) early = export(f.station, f.key, f.t[0], f.t[0] + day);
  import_refused(audit, early, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_FUTURE,
                 "from the future: its period ends at");
  Station *ahead = station_open("refused-ahead.db", "ahead");
  g_autoptr(LoaStationKey) ahead_key = make_key("refused-ahead.key");
  register_station(audit, "ahead", ahead_key);
  gint64 before = loa_time_now_wall_ns();
  station_air(ahead, "a", "Tomorrow's news", day);
  g_autoptr(LoaBundle) tomorrow = export(ahead, ahead_key, before, loa_time_now_wall_ns());
  import_refused(audit, tomorrow, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_FUTURE,
                 "from the future: row 1 has a time");
  station_close(ahead);

  /* After all that, the genuine bundle still goes in. */
  import_ok(audit, p1, NULL);
  loa_audit_close(audit);
  fixture_clear(&f);
}

static void
test_rewritten_history(void)
{
  /* The station imports its first period, then rebuilds its log (same id,
   * same key) and exports the next period from the new history. */
  Fixture f;
  fixture_make(&f, "history.db", "history.key");
  LoaAudit *audit = audit_new("history-audit.db");
  register_station(audit, "cai-khe", f.key);
  g_autoptr(LoaBundle) p1 = export(f.station, f.key, f.t[0], f.t[1]);
  import_ok(audit, p1, NULL);

  Station *forged = station_open("history-forged.db", "cai-khe");
  gint64 t0 = loa_time_now_wall_ns();
  station_air(forged, "an-hoa", "Khác", 0);
  station_air(forged, "an-hoa", "Khác nữa", 0);
  gint64 t1 = loa_time_now_wall_ns();
  station_air(forged, "an-hoa", "Bài viết", 0);
  gint64 t2 = loa_time_now_wall_ns();
  g_autoptr(LoaBundle) next = export(forged, f.key, t1, t2);
  g_assert_cmpint(next->first_seq, ==, 3);
  import_refused(audit, next, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_GAP, "was rewritten");
  (void)t0;
  station_close(forged);
  loa_audit_close(audit);
  fixture_clear(&f);
}

/* `loa audit verify`: everything imported verifies again; each kind of
 * change to the audit database behind Loa's back is named with its bundle. */
static void
verify_case(const char *name, const char *sql, const char *expected)
{
  Fixture f;
  g_autofree char *db_name = g_strdup_printf("verify-%s.db", name);
  g_autofree char *key_name = g_strdup_printf("verify-%s.key", name);
  g_autofree char *audit_name = g_strdup_printf("verify-%s-audit.db", name);
  fixture_make(&f, db_name, key_name);
  LoaAudit *audit = audit_new(audit_name);
  register_station(audit, "cai-khe", f.key);
  for (int p = 0; p < 3; p++) {
    g_autoptr(LoaBundle) bundle = export(f.station, f.key, f.t[p], f.t[p + 1]);
    import_ok(audit, bundle, NULL);
  }
  g_autoptr(GError) error = NULL;
  g_auto(LoaAuditVerify) result = { 0 };
  if (sql != NULL)
    g_assert_cmpint(sqlite3_exec(loa_audit_db(audit), sql, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_true(loa_audit_verify(audit, &result, &error));
  g_assert_no_error(error);
  if (expected == NULL) {
    if (result.problem != NULL)
      g_error("%s: %s", name, result.problem);
    g_assert_cmpint(result.stations, ==, 1);
    g_assert_cmpint(result.bundles, ==, 3);
    g_assert_cmpint(result.rows, ==, 4);
  } else if (result.problem == NULL || strstr(result.problem, expected) == NULL)
    g_error("%s: expected '%s', got '%s'", name, expected, result.problem);
  loa_audit_close(audit);
  fixture_clear(&f);
}

static void
test_verify(void)
{
  verify_case("holds", NULL, NULL);
  verify_case("row-edited",
              "DROP TRIGGER airings_immutable;"
              "UPDATE airings SET title = 'x' WHERE chain_seq = 3;",
              "bundle #2 (");
  verify_case("facts-edited",
              "DROP TRIGGER airings_immutable;"
              "UPDATE airings SET monitor = 'absent' WHERE chain_seq = 4;",
              "broken chain at row 4");
  verify_case("row-deleted",
              "DROP TRIGGER airings_never_deleted;"
              "DELETE FROM airings WHERE chain_seq = 2;",
              "bundle #1 (");
  verify_case("link-broken",
              "DROP TRIGGER bundles_immutable;"
              "UPDATE bundles SET first_seq = 5, last_seq = 5 WHERE id = 3;",
              "but bundle #2");
  verify_case("file-edited",
              "DROP TRIGGER bundle_files_immutable;"
              "UPDATE bundle_files SET data = CAST(replace(CAST(data AS TEXT), 'Phóng', 'Phong')"
              " AS BLOB) WHERE bundle_id = 3;",
              "not the file that was imported");
  /* The bundles table no longer says what the signed file says. */
  verify_case("table-edited",
              "DROP TRIGGER bundles_immutable; UPDATE bundles SET signature = 'x' WHERE id = 1;",
              "positions, heads or signature differ");
  /* A bundle imported before files were kept: its chain is still checked. */
  Fixture f;
  fixture_make(&f, "verify-old.db", "verify-old.key");
  LoaAudit *audit = audit_new("verify-old-audit.db");
  register_station(audit, "cai-khe", f.key);
  g_autoptr(LoaBundle) bundle = export(f.station, f.key, f.t[0], f.t[3]);
  import_ok(audit, bundle, NULL);
  g_assert_cmpint(sqlite3_exec(loa_audit_db(audit),
                               "DROP TRIGGER bundle_files_never_deleted; DELETE FROM bundle_files;",
                               NULL, NULL, NULL), ==, SQLITE_OK);
  g_autoptr(GError) error = NULL;
  g_auto(LoaAuditVerify) result = { 0 };
  g_assert_true(loa_audit_verify(audit, &result, &error));
  g_assert_null(result.problem);
  g_assert_cmpint(result.unsigned_bundles, ==, 1);
  g_assert_cmpint(result.rows, ==, 4);
  loa_audit_close(audit);
  fixture_clear(&f);
}

/* The import is refused, and the message names fingerprint of key. */
static void
import_refused_naming(LoaAudit *audit, LoaBundle *bundle, GQuark domain, int code,
                      const char *text, const LoaStationKey *key)
{
  import_refused(audit, bundle, domain, code, text);
  g_autofree char *fingerprint = loa_station_key_fingerprint(key);
  g_autoptr(GError) error = NULL;
  g_auto(LoaAuditImport) result = { 0 };
  g_assert_false(loa_audit_import(audit, bundle, "bad.loa-bundle", loa_time_now_wall_ns(), &result,
                                  &error));
  if (strstr(error->message, fingerprint) == NULL)
    g_error("expected the key %s to be named in: %s", fingerprint, error->message);
}

static void
statement_refused(LoaAudit *audit, const LoaStationKeyChange *change, int code, const char *text)
{
  g_autoptr(GError) error = NULL;
  gint64 keys = count(audit, "SELECT count(*) FROM station_keys");
  g_assert_false(loa_audit_station_key_add_statement(audit, "cai-khe", change,
                                                     loa_time_now_wall_ns(), &error));
  if (!g_error_matches(error, LOA_AUDIT_ERROR, code) || strstr(error->message, text) == NULL)
    g_error("expected '%s' (code %d), got: %s", text, code, error ? error->message : "nothing");
  g_assert_cmpint(count(audit, "SELECT count(*) FROM station_keys"), ==, keys);
}

static void
test_key_change(void)
{
  g_autoptr(GError) error = NULL;
  Fixture f;
  fixture_make(&f, "change.db", "change.key");
  g_autofree char *key_path = g_build_filename(temp_dir, "change.key", NULL);
  g_autofree char *statement_path = g_build_filename(temp_dir, "change.loa-key-change", NULL);
  g_autoptr(LoaStationKey) thief = make_key("change-thief.key");
  LoaAudit *audit = audit_new("change-audit.db");
  register_station(audit, "cai-khe", f.key);

  /* Before the change: the first period goes in; the second is exported. */
  g_autoptr(LoaBundle) p1 = export(f.station, f.key, f.t[0], f.t[1]);
  g_assert_cmpint(import_ok(audit, p1, NULL), ==, 1);
  g_autoptr(LoaBundle) p2_before = export(f.station, f.key, f.t[1], f.t[2]);

  /* The station replaces its key just after the second period ended. */
  gint64 changed_at = f.t[2] + 1;
  g_auto(LoaStationKeyRotation) rotation = { 0 };
  g_assert_true(loa_station_key_rotate(f.station->db, key_path, statement_path, changed_at,
                                       &rotation, &error));
  g_assert_no_error(error);
  g_autoptr(LoaStationKey) new_key = loa_station_key_load(key_path, &error);
  g_assert_no_error(error);
  g_autoptr(LoaStationKey) retired = loa_station_key_load(rotation.old_path, &error);
  g_assert_no_error(error);
  g_assert_true(loa_station_key_equal(retired, f.key));
  g_autoptr(LoaBundle) p3_after = export(f.station, new_key, f.t[2], f.t[3]);
  /* Exported after the change, but with the key moved aside. */
  g_autoptr(LoaBundle) p3_retired = export(f.station, retired, f.t[2], f.t[3]);

  /* The city does not know the new key yet: refused, naming it. */
  import_refused_naming(audit, p3_after, LOA_BUNDLE_ERROR, LOA_BUNDLE_ERROR_SIGNATURE,
                        "bad signature: signed with another key", new_key);

  /* Statements the station's current key did not sign, or not its own. */
  g_autoptr(LoaStationKeyChange) forged =
    loa_station_key_change_new("cai-khe", thief, new_key, changed_at, &error);
  statement_refused(audit, forged, LOA_AUDIT_ERROR_STATEMENT,
                    "not signed by the current key of station 'cai-khe'");
  g_autofree char *thief_fingerprint = loa_station_key_fingerprint(thief);
  statement_refused(audit, forged, LOA_AUDIT_ERROR_STATEMENT, thief_fingerprint);
  g_autoptr(LoaStationKeyChange) elsewhere =
    loa_station_key_change_new("o-mon", retired, new_key, changed_at, &error);
  statement_refused(audit, elsewhere, LOA_AUDIT_ERROR_STATEMENT, "about station 'o-mon'");
  g_autoptr(LoaStationKeyChange) genuine = loa_station_key_change_read(statement_path, &error);
  g_assert_no_error(error);
  g_autoptr(GString) swapped = g_string_new_len(g_bytes_get_data(genuine->data, NULL),
                                                (gssize)g_bytes_get_size(genuine->data));
  g_autofree char *new_text = loa_station_key_public_text(new_key);
  g_autofree char *thief_text = loa_station_key_public_text(thief);
  g_string_replace(swapped, new_text, thief_text, 1);
  g_autoptr(GBytes) swapped_bytes = g_bytes_new(swapped->str, swapped->len);
  g_autoptr(LoaStationKeyChange) tampered = loa_station_key_change_parse(swapped_bytes, &error);
  g_assert_no_error(error);
  statement_refused(audit, tampered, LOA_AUDIT_ERROR_STATEMENT, "changed after signing");

  /* A new key cannot start before an imported bundle of the old one ends. */
  g_assert_false(loa_audit_station_key_add(audit, "cai-khe", new_key, f.t[1],
                                           loa_time_now_wall_ns(), &error));
  g_assert_error(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_KEY_START);
  g_assert_nonnull(strstr(error->message, "bundle #1"));
  g_clear_error(&error);
  g_assert_false(loa_audit_station_key_add(audit, "nobody", new_key, changed_at,
                                           loa_time_now_wall_ns(), &error));
  g_assert_error(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_UNKNOWN_STATION);
  g_clear_error(&error);

  /* The station's statement: the new key from the time of the change. */
  g_assert_true(loa_audit_station_key_add_statement(audit, "cai-khe", genuine,
                                                    loa_time_now_wall_ns(), &error));
  g_assert_no_error(error);
  statement_refused(audit, genuine, LOA_AUDIT_ERROR_KEY_EXISTS, "current key already");
  g_autoptr(GPtrArray) keys = loa_audit_station_keys(audit, "cai-khe", &error);
  g_assert_no_error(error);
  g_assert_cmpuint(keys->len, ==, 2);
  const LoaAuditKey *first = keys->pdata[0], *second = keys->pdata[1];
  g_assert_true(loa_station_key_equal(first->key, f.key));
  g_assert_cmpint(first->valid_from, ==, 0);
  g_assert_cmpint(first->valid_until, ==, changed_at);
  g_assert_true(loa_station_key_equal(second->key, new_key));
  g_assert_cmpint(second->valid_from, ==, changed_at);
  g_assert_cmpint(second->valid_until, ==, G_MAXINT64);
  g_assert_cmpstr(second->how, ==, "statement");
  g_assert_cmpint(count(audit, "SELECT count(*) FROM station_keys WHERE statement IS NOT NULL"),
                  ==, 1);

  /* Both bundles: the old key's from before the change, the new key's after;
   * the old key for a period that ended after the change is retired. */
  g_assert_cmpint(import_ok(audit, p2_before, NULL), ==, 2);
  import_refused_naming(audit, p3_retired, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_RETIRED_KEY,
                        "signed with a retired key", retired);
  g_assert_cmpint(import_ok(audit, p3_after, NULL), ==, 3);

  /* Everything verifies again, each bundle with the key valid for it. */
  g_auto(LoaAuditVerify) result = { 0 };
  g_assert_true(loa_audit_verify(audit, &result, &error));
  if (result.problem != NULL)
    g_error("verify: %s", result.problem);
  g_assert_cmpint(result.bundles, ==, 3);

  /* Registering the station again is refused, saying how to add a key. */
  g_assert_false(loa_audit_station_add(audit, "cai-khe", NULL, new_key, &error));
  g_assert_error(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_STATION_EXISTS);
  g_assert_nonnull(strstr(error->message, "loa audit station key cai-khe"));
  g_clear_error(&error);

  /* A third key, checked by the city (a visit): the second is retired, and
   * a statement it signs now proves nothing; keys do not come back. */
  g_autoptr(LoaStationKey) third = make_key("change-third.key");
  g_autoptr(LoaStationKey) fourth = make_key("change-fourth.key");
  gint64 now = loa_time_now_wall_ns();
  g_assert_false(loa_audit_station_key_add(audit, "cai-khe", third,
                                           now + 2 * LOA_AUDIT_CLOCK_TOLERANCE_NS, now, &error));
  g_assert_error(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_KEY_START);
  g_clear_error(&error);
  g_assert_true(loa_audit_station_key_add(audit, "cai-khe", third, now, now, &error));
  g_assert_no_error(error);
  g_autoptr(LoaStationKeyChange) late =
    loa_station_key_change_new("cai-khe", new_key, fourth, now + 1, &error);
  statement_refused(audit, late, LOA_AUDIT_ERROR_STATEMENT, "signed with a retired key");
  g_assert_false(loa_audit_station_key_add(audit, "cai-khe", f.key, now + 1, now + 1, &error));
  g_assert_error(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_KEY_EXISTS);
  g_clear_error(&error);
  g_autoptr(GPtrArray) list = loa_audit_list(audit, &error);
  g_autofree char *third_fingerprint = loa_station_key_fingerprint(third);
  g_assert_cmpstr(((LoaAuditEntry *)list->pdata[0])->fingerprint, ==, third_fingerprint);
  loa_audit_verify_clear(&result);
  g_assert_true(loa_audit_verify(audit, &result, &error));
  g_assert_null(result.problem);

  /* Registered keys never change. */
  g_assert_cmpint(sqlite3_exec(loa_audit_db(audit), "UPDATE station_keys SET valid_from = 1",
                               NULL, NULL, NULL), !=, SQLITE_OK);
  g_assert_cmpint(sqlite3_exec(loa_audit_db(audit), "DELETE FROM station_keys", NULL, NULL,
                               NULL), !=, SQLITE_OK);
  loa_audit_close(audit);
  fixture_clear(&f);
}

/* An audit database of schema 4 gets each station's key as its first key. */
static void
test_key_migration(void)
{
  g_autoptr(GError) error = NULL;
  Fixture f;
  fixture_make(&f, "migrate.db", "migrate.key");
  LoaAudit *audit = audit_new("migrate-audit.db");
  register_station(audit, "cai-khe", f.key);
  g_autoptr(LoaBundle) p1 = export(f.station, f.key, f.t[0], f.t[3]);
  import_ok(audit, p1, NULL);
  g_assert_cmpint(sqlite3_exec(loa_audit_db(audit),
                               "DROP TABLE station_keys; PRAGMA user_version = 4;", NULL, NULL,
                               NULL), ==, SQLITE_OK);
  loa_audit_close(audit);
  audit = audit_new("migrate-audit.db");
  g_assert_cmpint(count(audit, "PRAGMA user_version"), ==, 5);
  g_autoptr(GPtrArray) keys = loa_audit_station_keys(audit, "cai-khe", &error);
  g_assert_no_error(error);
  g_assert_cmpuint(keys->len, ==, 1);
  g_assert_true(loa_station_key_equal(((LoaAuditKey *)keys->pdata[0])->key, f.key));
  g_assert_cmpint(((LoaAuditKey *)keys->pdata[0])->valid_from, ==, 0);
  g_auto(LoaAuditVerify) result = { 0 };
  g_assert_true(loa_audit_verify(audit, &result, &error));
  g_assert_null(result.problem);
  g_assert_cmpint(result.bundles, ==, 1);
  loa_audit_close(audit);
  fixture_clear(&f);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  temp_dir = test_util_make_dir("loa-test-audit-XXXXXX");
  g_test_add_func("/audit/open", test_open);
  g_test_add_func("/audit/station-add", test_station_add);
  g_test_add_func("/audit/import-in-order", test_import_in_order);
  g_test_add_func("/audit/first-bundle-mid-chain", test_first_bundle_mid_chain);
  g_test_add_func("/audit/refused", test_refused);
  g_test_add_func("/audit/rewritten-history", test_rewritten_history);
  g_test_add_func("/audit/verify", test_verify);
  g_test_add_func("/audit/key-change", test_key_change);
  g_test_add_func("/audit/key-migration", test_key_migration);
  int result = g_test_run();
  test_util_remove_tree(temp_dir);
  g_free(temp_dir);
  return result;
}
