/* Unit tests of the station database: migrations under user_version, refusal
 * of files it must not touch, the as-run log's immutability triggers, and WAL
 * (a reader is not blocked by a writer). */
#include "db.h"

#include "test-util.h"

#include <string.h>

static char *temp_dir;

static char *
db_path(const char *name)
{
  return g_build_filename(temp_dir, name, NULL);
}

static sqlite3 *
open_ok(const char *path, LoaDbOpenFlags flags)
{
  g_autoptr(GError) error = NULL;
  sqlite3 *db = loa_db_open(path, flags, &error);
  g_assert_no_error(error);
  g_assert_nonnull(db);
  return db;
}

static gint64
count_rows(sqlite3 *db, const char *sql)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
  return sqlite3_column_int64(stmt, 0);
}

static void
test_fresh(void)
{
  g_autofree char *path = g_build_filename(temp_dir, "sub", "folder", "fresh.db", NULL);
  sqlite3 *db = open_ok(path, LOA_DB_OPEN_CREATE);
  g_assert_cmpint(loa_db_latest_version(), >=, 1);
  g_assert_cmpint(loa_db_version(db), ==, loa_db_latest_version());
  g_assert_cmpint(count_rows(db, "SELECT count(*) FROM sqlite_master WHERE name = 'airings'"), ==,
                  1);
  g_assert_cmpint(count_rows(db, "PRAGMA foreign_keys"), ==, 1);
  loa_db_close(db);

  /* Reopening changes nothing and applies nothing twice. */
  db = open_ok(path, LOA_DB_OPEN_EXISTING);
  g_assert_cmpint(loa_db_version(db), ==, loa_db_latest_version());
  loa_db_close(db);
  db = open_ok(path, LOA_DB_OPEN_CREATE);
  g_assert_cmpint(loa_db_version(db), ==, loa_db_latest_version());
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_assert_cmpint(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
  g_assert_cmpstr((const char *)sqlite3_column_text(stmt, 0), ==, "wal");
  g_clear_pointer(&stmt, sqlite3_finalize);
  loa_db_close(db);
}

static void
test_too_new(void)
{
  g_autofree char *path = db_path("too-new.db");
  sqlite3 *db = open_ok(path, LOA_DB_OPEN_CREATE);
  g_autofree char *pragma = g_strdup_printf("PRAGMA user_version = %d", loa_db_latest_version() + 1);
  g_autoptr(GError) error = NULL;
  g_assert_true(loa_db_exec(db, pragma, &error));
  loa_db_close(db);

  db = loa_db_open(path, LOA_DB_OPEN_EXISTING, &error);
  g_assert_null(db);
  g_assert_error(error, LOA_DB_ERROR, LOA_DB_ERROR_TOO_NEW);
  g_assert_nonnull(strstr(error->message, path));
}

static void
test_missing(void)
{
  g_autofree char *path = db_path("missing.db");
  g_autoptr(GError) error = NULL;
  sqlite3 *db = loa_db_open(path, LOA_DB_OPEN_EXISTING, &error);
  g_assert_null(db);
  g_assert_error(error, LOA_DB_ERROR, LOA_DB_ERROR_MISSING);
  g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

static void
test_not_a_database(void)
{
  g_autofree char *text = g_strnfill(4096, 'x');
  g_autofree char *path = test_util_write(temp_dir, "not-a.db", text);
  g_autoptr(GError) error = NULL;
  sqlite3 *db = loa_db_open(path, LOA_DB_OPEN_EXISTING, &error);
  g_assert_null(db);
  g_assert_nonnull(error);
  g_assert_true(error->domain == LOA_DB_ERROR);
  /* The file is left as it was. */
  g_autofree char *after = NULL;
  g_assert_true(g_file_get_contents(path, &after, NULL, NULL));
  g_assert_cmpstr(after, ==, text);
}

static void
exec_ok(sqlite3 *db, const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(loa_db_exec(db, sql, &error));
  g_assert_no_error(error);
}

/* Runs sql through a prepared statement and loa_db_step_done; returns its error. */
static GError *
step_error(sqlite3 *db, const char *sql)
{
  GError *error = NULL;
  sqlite3_stmt *stmt = NULL;
  g_assert_true(loa_db_prepare_all(db, &sql, 1, &stmt, &error));
  g_assert_false(loa_db_step_done(stmt, &error));
  loa_db_finalize_all(&stmt, 1);
  return error;
}

static void
test_airings_immutable(void)
{
  g_autofree char *path = db_path("airings.db");
  sqlite3 *db = open_ok(path, LOA_DB_OPEN_CREATE);
  exec_ok(db, "INSERT INTO airings (id, line, spot_id, scheduled_at, status, created_at) "
              "VALUES (1, 'an-hoa', 'ATTT-T01', 1000, 'on-air', 1000)");
  /* On air: it may be completed, once, and only with its place in the chain. */
  g_autoptr(GError) unchained = step_error(db, "UPDATE airings SET status = 'completed', "
                                               "ended_at = 2000, completed_at = 2000 WHERE id = 1");
  g_assert_error(unchained, LOA_DB_ERROR, LOA_DB_ERROR_CONSTRAINT);
  g_assert_nonnull(strstr(unchained->message, "hash chain"));
  exec_ok(db, "UPDATE airings SET status = 'completed', ended_at = 2000, completed_at = 2000, "
              "chain_seq = 1, chain_version = 2, prev_hash = '', hash = 'x' WHERE id = 1");

  g_autoptr(GError) update = step_error(db, "UPDATE airings SET reason = 'edited' WHERE id = 1");
  g_assert_error(update, LOA_DB_ERROR, LOA_DB_ERROR_CONSTRAINT);
  g_assert_nonnull(strstr(update->message, "cannot change once completed"));

  g_autoptr(GError) delete_done = step_error(db, "DELETE FROM airings WHERE id = 1");
  g_assert_error(delete_done, LOA_DB_ERROR, LOA_DB_ERROR_CONSTRAINT);

  /* Not even a row still on air may be deleted. */
  exec_ok(db, "INSERT INTO airings (id, line, spot_id, scheduled_at, status, created_at) "
              "VALUES (2, 'an-hoa', 'ATTT-T02', 3000, 'on-air', 3000)");
  g_autoptr(GError) delete_on_air = step_error(db, "DELETE FROM airings WHERE id = 2");
  g_assert_error(delete_on_air, LOA_DB_ERROR, LOA_DB_ERROR_CONSTRAINT);
  g_assert_nonnull(strstr(delete_on_air->message, "never deleted"));

  g_assert_cmpint(count_rows(db, "SELECT count(*) FROM airings"), ==, 2);
  g_assert_cmpint(count_rows(db, "SELECT count(*) FROM airings WHERE reason = 'edited'"), ==, 0);
  loa_db_close(db);
}

static void
test_reader_during_write(void)
{
  g_autofree char *path = db_path("wal.db");
  sqlite3 *writer = open_ok(path, LOA_DB_OPEN_CREATE);
  sqlite3 *reader = open_ok(path, LOA_DB_OPEN_EXISTING);
  exec_ok(writer, "INSERT INTO station (id, name, created_at) VALUES ('s', 'S', 1)");

  g_autoptr(GError) error = NULL;
  g_assert_true(loa_db_begin(writer, &error));
  exec_ok(writer, "INSERT INTO station (id, name, created_at) VALUES ('t', 'T', 2)");

  /* The reader neither waits nor sees the uncommitted row. */
  gint64 before = g_get_monotonic_time();
  g_assert_cmpint(count_rows(reader, "SELECT count(*) FROM station"), ==, 1);
  g_assert_cmpint(g_get_monotonic_time() - before, <, G_USEC_PER_SEC);

  g_assert_true(loa_db_commit(writer, &error));
  g_assert_cmpint(count_rows(reader, "SELECT count(*) FROM station"), ==, 2);

  /* Rollback outside a transaction is harmless. */
  loa_db_rollback(writer);
  loa_db_close(reader);
  loa_db_close(writer);
}

static void
test_bind(void)
{
  g_autofree char *path = db_path("bind.db");
  sqlite3 *db = open_ok(path, LOA_DB_OPEN_CREATE);
  static const char *const sql[] = {
    "INSERT INTO station (id, name, created_at) VALUES (?, ?, ?)",
    "SELECT id, name, created_at FROM station WHERE id = ?",
  };
  sqlite3_stmt *stmts[2];
  g_autoptr(GError) error = NULL;
  g_assert_true(loa_db_prepare_all(db, sql, 2, stmts, &error));
  g_assert_true(loa_db_bind(stmts[0], &error, "tti", "s", "Đài Ninh Kiều", (gint64)42));
  g_assert_true(loa_db_step_done(stmts[0], &error));
  g_assert_true(loa_db_bind(stmts[1], &error, "t", "s"));
  g_assert_cmpint(sqlite3_step(stmts[1]), ==, SQLITE_ROW);
  g_autofree char *name = loa_db_column_text(stmts[1], 1);
  g_assert_cmpstr(name, ==, "Đài Ninh Kiều");
  g_assert_cmpint(sqlite3_column_int64(stmts[1], 2), ==, 42);
  loa_db_finalize_all(stmts, 2);
  g_assert_null(stmts[0]);

  /* A bad statement leaves nothing prepared. */
  static const char *const bad[] = { "SELECT 1", "SELECT * FROM no_such_table" };
  g_assert_false(loa_db_prepare_all(db, bad, 2, stmts, &error));
  g_assert_error(error, LOA_DB_ERROR, LOA_DB_ERROR_SQL);
  g_assert_null(stmts[0]);
  g_assert_null(stmts[1]);
  loa_db_close(db);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  temp_dir = test_util_make_dir("loa-test-db-XXXXXX");

  g_test_add_func("/common/db/fresh", test_fresh);
  g_test_add_func("/common/db/too-new", test_too_new);
  g_test_add_func("/common/db/missing", test_missing);
  g_test_add_func("/common/db/not-a-database", test_not_a_database);
  g_test_add_func("/common/db/airings-immutable", test_airings_immutable);
  g_test_add_func("/common/db/reader-during-write", test_reader_during_write);
  g_test_add_func("/common/db/bind", test_bind);
  int result = g_test_run();

  test_util_remove_tree(temp_dir);
  g_free(temp_dir);
  return result;
}
