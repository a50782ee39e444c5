/* Unit tests of the schedule store on a temporary station database: every
 * load is kept, exactly one is active, ids increase, a failed load leaves the
 * previous schedule active. */
#include "schedule-store.h"

#include "db.h"
#include "loa-time.h"

#include "test-util.h"

#include <inttypes.h>
#include <string.h>

static char *temp_dir;

static sqlite3 *
open_db(const char *name)
{
  g_autofree char *path = g_build_filename(temp_dir, name, NULL);
  g_autoptr(GError) error = NULL;
  sqlite3 *db = loa_db_open(path, LOA_DB_OPEN_CREATE, &error);
  g_assert_no_error(error);
  return db;
}

static gint64
query_int(sqlite3 *db, const char *sql)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
  return sqlite3_column_int64(stmt, 0);
}

static const char first_content[] =
  "name = \"Tháng 11\";\nevents = ( { time = \"06:00:00\"; lines = \"all\"; play = \"A\"; } );\n";
static const char second_content[] =
  "name = \"Tháng 12\";\nevents = ( { time = \"07:00:00\"; lines = \"all\"; play = \"B\"; } );\n";

static void
test_empty(void)
{
  sqlite3 *db = open_db("empty.db");
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaStoredSchedule) none = loa_schedule_store_active(db, &error);
  g_assert_no_error(error);
  g_assert_null(none);
  g_assert_cmpint(loa_schedule_store_active_id(db, &error), ==, 0);
  g_assert_no_error(error);
  loa_db_close(db);
}

static void
test_load_twice(void)
{
  sqlite3 *db = open_db("twice.db");
  g_autoptr(GError) error = NULL;

  gint64 before = loa_time_now_wall_ns();
  gint64 first = loa_schedule_store_load(db, "/srv/loa/lich-11.cfg", "Tháng 11", first_content,
                                         "tuan", &error);
  g_assert_no_error(error);
  g_assert_cmpint(first, >, 0);
  g_assert_cmpint(loa_schedule_store_active_id(db, &error), ==, first);

  gint64 second = loa_schedule_store_load(db, "/srv/loa/lich-12.cfg", "Tháng 12", second_content,
                                          "lan", &error);
  g_assert_no_error(error);
  g_assert_cmpint(second, >, first);
  gint64 after = loa_time_now_wall_ns();

  g_assert_cmpint(loa_schedule_store_active_id(db, &error), ==, second);
  g_autoptr(LoaStoredSchedule) active = loa_schedule_store_active(db, &error);
  g_assert_no_error(error);
  g_assert_nonnull(active);
  g_assert_cmpint(active->id, ==, second);
  g_assert_cmpstr(active->name, ==, "Tháng 12");
  g_assert_cmpstr(active->source_path, ==, "/srv/loa/lich-12.cfg");
  g_assert_cmpstr(active->content, ==, second_content);
  g_assert_cmpstr(active->loaded_by, ==, "lan");
  g_autofree char *sha256 = g_compute_checksum_for_string(G_CHECKSUM_SHA256, second_content, -1);
  g_assert_cmpstr(active->sha256, ==, sha256);
  g_assert_cmpint(active->loaded_at, >=, before);
  g_assert_cmpint(active->loaded_at, <=, after);

  /* The first one is kept in the history, inactive and unchanged. */
  g_assert_cmpint(query_int(db, "SELECT count(*) FROM schedules"), ==, 2);
  g_assert_cmpint(query_int(db, "SELECT count(*) FROM schedules WHERE active = 1"), ==, 1);
  g_autofree char *sql = g_strdup_printf(
      "SELECT count(*) FROM schedules WHERE id = %" PRId64
      " AND active = 0 AND loaded_by = 'tuan' AND content LIKE 'name = \"Tháng 11\"%%'",
      first);
  g_assert_cmpint(query_int(db, sql), ==, 1);

  /* Loading the same text again is a new load, not a no-op. */
  gint64 third = loa_schedule_store_load(db, "/srv/loa/lich-11.cfg", NULL, first_content, "tuan",
                                         &error);
  g_assert_no_error(error);
  g_assert_cmpint(third, >, second);
  g_autoptr(LoaStoredSchedule) again = loa_schedule_store_active(db, &error);
  g_assert_cmpstr(again->name, ==, "");
  g_assert_cmpint(query_int(db, "SELECT count(*) FROM schedules"), ==, 3);
  loa_db_close(db);
}

static void
test_relative_path_stored_absolute(void)
{
  sqlite3 *db = open_db("relative.db");
  g_autoptr(GError) error = NULL;
  gint64 id = loa_schedule_store_load(db, "lich.cfg", "", first_content, "tuan", &error);
  g_assert_no_error(error);
  g_assert_cmpint(id, >, 0);
  g_autoptr(LoaStoredSchedule) active = loa_schedule_store_active(db, &error);
  g_assert_true(g_path_is_absolute(active->source_path));
  g_assert_true(g_str_has_suffix(active->source_path, "/lich.cfg"));
  loa_db_close(db);
}

static void
test_failed_load_keeps_previous(void)
{
  sqlite3 *db = open_db("locked.db");
  g_autoptr(GError) error = NULL;
  gint64 first = loa_schedule_store_load(db, "/srv/a.cfg", "A", first_content, "tuan", &error);
  g_assert_no_error(error);

  /* Another process holds the write lock; do not wait for it. */
  g_autofree char *path = g_build_filename(temp_dir, "locked.db", NULL);
  sqlite3 *other = loa_db_open(path, LOA_DB_OPEN_EXISTING, &error);
  g_assert_no_error(error);
  g_assert_true(loa_db_begin(other, &error));
  sqlite3_busy_timeout(db, 0);

  gint64 second = loa_schedule_store_load(db, "/srv/b.cfg", "B", second_content, "lan", &error);
  g_assert_cmpint(second, ==, 0);
  g_assert_error(error, LOA_DB_ERROR, LOA_DB_ERROR_SQL);
  g_clear_error(&error);
  g_assert_true(sqlite3_get_autocommit(db)); /* nothing left open */

  loa_db_rollback(other);
  loa_db_close(other);
  g_assert_cmpint(loa_schedule_store_active_id(db, &error), ==, first);
  g_assert_cmpint(query_int(db, "SELECT count(*) FROM schedules"), ==, 1);
  loa_db_close(db);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  temp_dir = test_util_make_dir("loa-test-store-XXXXXX");

  g_test_add_func("/schedules/store/empty", test_empty);
  g_test_add_func("/schedules/store/load-twice", test_load_twice);
  g_test_add_func("/schedules/store/relative-path", test_relative_path_stored_absolute);
  g_test_add_func("/schedules/store/failed-load-keeps-previous", test_failed_load_keeps_previous);
  int result = g_test_run();

  test_util_remove_tree(temp_dir);
  g_free(temp_dir);
  return result;
}
