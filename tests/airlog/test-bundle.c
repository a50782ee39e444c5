/* Unit tests of the station key and of export bundles: key files (mode,
 * never overwritten, corrupt ones refused), signatures, the canonical form
 * read back (known-answer vectors of tests/fixtures/airlog-chain.txt),
 * bundles collected from a real station database, written, read and
 * verified; consecutive periods that link; every truncation and every
 * flipped byte refused; and re-signed tampering named at the right row.
 * Key replacement: key-change statements written, read and checked, and
 * `loa key rotate`'s work on a station (old key aside, record, statement). */
#include "airlog.h"
#include "bundle.h"
#include "chain.h"
#include "db.h"
#include "loa-time.h"
#include "station-key.h"

#include "../common/test-util.h"

#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>

static char *temp_dir;
static char *fixture_path;
static char *fixture_v2_path;

/* --- a station database with real airings ------------------------------- */

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

/* One airing, opened and completed now; returns its id. */
static gint64
station_air(Station *s, const char *line, const char *title, const char *status)
{
  g_autoptr(GError) error = NULL;
  gint64 now = loa_time_now_wall_ns();
  LoaAiringPlan plan = {
    .line = line, .spot_id = "ATTT-01",
    .spot_sha256 = "58bc46c3b6ac0000000000000000000000000000000000000000000000000000",
    .title = title, .category = "news", .topic = "attt", .priority = "normal",
    .event_ref = "schedule.cfg:3", .scheduled_at = now,
  };
  gint64 id = loa_airlog_open(s->log, &plan, &error);
  g_assert_no_error(error);
  gboolean played = strcmp(status, LOA_AIRING_COMPLETED) == 0;
  g_assert_true(loa_airlog_complete(s->log, id, status, played ? now : 0,
                                    played ? now + 500000000 : 0, played ? 24000 : 0, 48000,
                                    played ? NULL : "cut\nshort \\ đứt", &error));
  g_assert_no_error(error);
  return id;
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

static LoaBundle *
collect(Station *s, gint64 from, gint64 until)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTimeZone) tz = loa_time_zone_new("Asia/Ho_Chi_Minh", &error);
  g_assert_no_error(error);
  LoaBundle *bundle = loa_bundle_collect(s->db, "Đài thử", "Asia/Ho_Chi_Minh", tz, NULL, from,
                                         until, &error);
  g_assert_no_error(error);
  return bundle;
}

static LoaBundle *
parse_ok(GBytes *data)
{
  g_autoptr(GError) error = NULL;
  LoaBundle *bundle = loa_bundle_parse(data, &error);
  g_assert_no_error(error);
  return bundle;
}

static GBytes *
bytes_of(const char *text, gsize length)
{
  return g_bytes_new(text, length);
}

/* --- keys ---------------------------------------------------------------- */

static void
test_key_create_load(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename(temp_dir, "keys", "deep", "station.key", NULL);
  g_autoptr(LoaStationKey) key = loa_station_key_create(path, &error);
  g_assert_no_error(error);
  g_assert_true(key->has_secret);

  struct stat st;
  g_assert_cmpint(stat(path, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);
  g_autofree char *pub_path = g_strconcat(path, ".pub", NULL);
  g_autofree char *pub = NULL;
  g_assert_true(g_file_get_contents(pub_path, &pub, NULL, NULL));
  g_autofree char *public_text = loa_station_key_public_text(key);
  g_assert_cmpuint(strlen(public_text), ==, 44);
  g_autofree char *pub_expected = g_strconcat(public_text, "\n", NULL);
  g_assert_cmpstr(pub, ==, pub_expected);

  /* Never replaced: the file stays byte for byte. */
  g_autofree char *before = NULL;
  g_assert_true(g_file_get_contents(path, &before, NULL, NULL));
  g_autoptr(LoaStationKey) again = loa_station_key_create(path, &error);
  g_assert_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_EXISTS);
  g_assert_null(again);
  g_clear_error(&error);
  g_autofree char *after = NULL;
  g_assert_true(g_file_get_contents(path, &after, NULL, NULL));
  g_assert_cmpstr(before, ==, after);

  g_autoptr(LoaStationKey) loaded = loa_station_key_load(path, &error);
  g_assert_no_error(error);
  g_assert_true(loaded->has_secret);
  g_assert_true(loa_station_key_equal(loaded, key));
  g_assert_cmpmem(loaded->secret_key, sizeof(loaded->secret_key), key->secret_key,
                  sizeof(key->secret_key));
  g_autoptr(LoaStationKey) public_only = loa_station_key_load_public(path, &error);
  g_assert_no_error(error);
  g_assert_false(public_only->has_secret);
  g_assert_true(loa_station_key_equal(public_only, key));

  /* Public key text: base64 and hex both read back; the fingerprint's shape. */
  g_autoptr(LoaStationKey) from_base64 = loa_station_key_new_from_text(public_text, &error);
  g_assert_no_error(error);
  g_assert_true(loa_station_key_equal(from_base64, key));
  g_autoptr(GString) hex = g_string_new("  ");
  for (int i = 0; i < LOA_STATION_KEY_PUBLIC_BYTES; i++)
    g_string_append_printf(hex, "%02X", key->public_key[i]);
  g_string_append(hex, "\n");
  g_autoptr(LoaStationKey) from_hex = loa_station_key_new_from_text(hex->str, &error);
  g_assert_no_error(error);
  g_assert_true(loa_station_key_equal(from_hex, key));
  g_autofree char *fingerprint = loa_station_key_fingerprint(key);
  g_assert_true(g_regex_match_simple("^[0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4}$",
                                     fingerprint, 0, 0));
  static const char *const bad[] = { "", "abc", "not a key at all, not at all, not at all!!",
                                     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA*" };
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_assert_null(loa_station_key_new_from_text(bad[i], &error));
    g_assert_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_INVALID);
    g_clear_error(&error);
  }
}

static void
test_key_refused(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaStationKey) key = make_key("refused.key");
  g_autoptr(LoaStationKey) other = make_key("other.key");
  g_autofree char *path = g_build_filename(temp_dir, "refused.key", NULL);

  /* Readable by others: refused for signing, fine for showing. */
  g_assert_cmpint(chmod(path, 0644), ==, 0);
  g_assert_null(loa_station_key_load(path, &error));
  g_assert_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_PERMISSIONS);
  g_assert_nonnull(strstr(error->message, "chmod 600"));
  g_clear_error(&error);
  g_autoptr(LoaStationKey) shown = loa_station_key_load_public(path, &error);
  g_assert_no_error(error);
  g_assert_true(loa_station_key_equal(shown, key));

  g_autofree char *missing = g_build_filename(temp_dir, "no-such.key", NULL);
  g_assert_null(loa_station_key_load(missing, &error));
  g_assert_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_MISSING);
  g_assert_nonnull(strstr(error->message, "loa init"));
  g_clear_error(&error);

  /* Corrupt files: wrong format line, cut short, a public key that is not
   * the secret's, garbage lines. */
  g_autofree char *text = NULL;
  g_assert_cmpint(chmod(path, 0600), ==, 0);
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  g_autofree char *other_public = loa_station_key_public_text(other);
  g_autofree char *own_public = loa_station_key_public_text(key);
  g_autoptr(GString) swapped = g_string_new(text);
  g_string_replace(swapped, own_public, other_public, 1);
  const char *const corrupt[] = {
    "ssh-ed25519 AAAA\n",
    "",
    swapped->str,
    "loa-station-key/1\npublic: AAAA\n",
    "loa-station-key/1\nhello: world\n",
  };
  g_autofree char *cut = g_strndup(text, strlen(text) / 2);
  for (size_t i = 0; i <= G_N_ELEMENTS(corrupt); i++) {
    const char *content = i < G_N_ELEMENTS(corrupt) ? corrupt[i] : cut;
    /* (Written whole each time: G_FILE_SET_CONTENTS_NONE does not truncate.) */
    g_autofree char *bad_path = test_util_write(temp_dir, "corrupt.key", content);
    g_assert_cmpint(chmod(bad_path, 0600), ==, 0);
    g_autoptr(LoaStationKey) loaded = loa_station_key_load(bad_path, &error);
    if (loaded != NULL)
      g_error("corrupt key %zu loaded: %s", i, content);
    g_assert_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_INVALID);
    g_clear_error(&error);
  }
}

static void
test_key_sign(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaStationKey) key = make_key("sign.key");
  g_autoptr(LoaStationKey) other = make_key("sign-other.key");
  const char message[] = "Cảnh giác lừa đảo";
  guint8 signature[LOA_STATION_KEY_SIGNATURE_BYTES];
  g_assert_true(loa_station_key_sign(key, message, sizeof(message), signature, &error));
  g_assert_no_error(error);
  g_assert_true(loa_station_key_verify(key, message, sizeof(message), signature));
  g_assert_false(loa_station_key_verify(other, message, sizeof(message), signature));
  g_assert_false(loa_station_key_verify(key, message, sizeof(message) - 1, signature));
  signature[3] ^= 1;
  g_assert_false(loa_station_key_verify(key, message, sizeof(message), signature));

  g_autofree char *text = loa_station_key_public_text(key);
  g_autoptr(LoaStationKey) public_only = loa_station_key_new_from_text(text, &error);
  g_assert_false(loa_station_key_sign(public_only, message, sizeof(message), signature, &error));
  g_assert_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_CRYPTO);
}

/* --- key replacement ----------------------------------------------------- */

static void
test_key_change_statement(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaStationKey) old_key = make_key("change-old.key");
  g_autoptr(LoaStationKey) new_key = make_key("change-new.key");
  g_autoptr(LoaStationKey) thief = make_key("change-thief.key");
  gint64 at = G_GINT64_CONSTANT(1795937745549818267);
  g_autoptr(LoaStationKeyChange) change =
    loa_station_key_change_new("cai-khe", old_key, new_key, at, &error);
  g_assert_no_error(error);
  g_assert_true(loa_station_key_change_signed_by(change, old_key));
  g_assert_false(loa_station_key_change_signed_by(change, new_key));

  /* The text, line by line, and read back. */
  gsize length = 0;
  const char *text = g_bytes_get_data(change->data, &length);
  g_autofree char *copy = g_strndup(text, length);
  g_auto(GStrv) lines = g_strsplit(copy, "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), ==, 7);
  g_assert_cmpstr(lines[0], ==, "loa-key-change/1");
  g_assert_cmpstr(lines[1], ==, "station: cai-khe");
  g_autofree char *old_text = loa_station_key_public_text(old_key);
  g_autofree char *new_text = loa_station_key_public_text(new_key);
  g_autofree char *old_line = g_strconcat("old-key: ", old_text, NULL);
  g_autofree char *new_line = g_strconcat("new-key: ", new_text, NULL);
  g_assert_cmpstr(lines[2], ==, old_line);
  g_assert_cmpstr(lines[3], ==, new_line);
  g_assert_cmpstr(lines[4], ==, "changed-at: 2026-11-29T07:35:45.549818267Z");
  g_assert_true(g_str_has_prefix(lines[5], "signature: "));
  g_autoptr(LoaStationKeyChange) read = loa_station_key_change_parse(change->data, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(read->station_id, ==, "cai-khe");
  g_assert_true(loa_station_key_equal(read->old_key, old_key));
  g_assert_true(loa_station_key_equal(read->new_key, new_key));
  g_assert_cmpint(read->changed_at, ==, at);
  g_assert_cmpuint(read->signed_length, ==, change->signed_length);
  g_assert_true(loa_station_key_change_signed_by(read, old_key));

  /* A statement the thief signed does not pass as the old key's. */
  g_autoptr(LoaStationKeyChange) forged =
    loa_station_key_change_new("cai-khe", thief, new_key, at, &error);
  g_assert_no_error(error);
  g_assert_false(loa_station_key_change_signed_by(forged, old_key));

  /* Changed after signing: another new key, another time. */
  g_autoptr(GString) edited = g_string_new(copy);
  g_autofree char *thief_text = loa_station_key_public_text(thief);
  g_string_replace(edited, new_text, thief_text, 1);
  g_autoptr(GBytes) edited_bytes = bytes_of(edited->str, edited->len);
  g_autoptr(LoaStationKeyChange) swapped = loa_station_key_change_parse(edited_bytes, &error);
  g_assert_no_error(error);
  g_assert_false(loa_station_key_change_signed_by(swapped, old_key));

  /* Not statements: cut short, lines missing or out of order, a bad time. */
  g_autofree char *cut = g_strndup(copy, length - 5);
  g_autoptr(GString) late = g_string_new(copy);
  g_string_replace(late, "07:35:45.549818267Z", "07:35:45Z", 1);
  g_autoptr(GString) swapped_lines = g_string_new(copy);
  g_string_replace(swapped_lines, "station: cai-khe\n", "", 1);
  g_string_replace(swapped_lines, "\nsignature", "\nstation: cai-khe\nsignature", 1);
  g_autofree char *extra = g_strconcat(copy, "more\n", NULL);
  const char *const bad[] = { "", cut, late->str, swapped_lines->str, extra,
                              "loa-station-key/1\npublic: x\n" };
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GBytes) bytes = bytes_of(bad[i], strlen(bad[i]));
    g_autoptr(LoaStationKeyChange) parsed = loa_station_key_change_parse(bytes, &error);
    if (parsed != NULL)
      g_error("bad statement %zu parsed: %s", i, bad[i]);
    g_assert_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_INVALID);
    g_clear_error(&error);
  }
  /* Only a key with its secret can write one. */
  g_autoptr(LoaStationKey) public_only = loa_station_key_new_from_text(old_text, &error);
  g_assert_null(loa_station_key_change_new("cai-khe", public_only, new_key, at, &error));
  g_assert_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_CRYPTO);
}

static void
test_key_rotate(void)
{
  g_autoptr(GError) error = NULL;
  Station *s = station_open("rotate.db", "cai-khe");
  g_autofree char *path = g_build_filename(temp_dir, "rotate", "station.key", NULL);
  g_autoptr(LoaStationKey) old_key = loa_station_key_create(path, &error);
  g_assert_no_error(error);
  g_autofree char *statement_path = g_build_filename(temp_dir, "rotate.loa-key-change", NULL);
  gint64 at = G_GINT64_CONSTANT(1795937745549818267);  /* 2026-11-29 UTC */

  g_auto(LoaStationKeyRotation) rotation = { 0 };
  g_assert_true(loa_station_key_rotate(s->db, path, statement_path, at, &rotation, &error));
  g_assert_no_error(error);
  g_assert_null(rotation.warning);
  g_assert_true(loa_station_key_equal(rotation.old_key, old_key));
  g_assert_false(loa_station_key_equal(rotation.new_key, old_key));

  /* The new key in its place (and .pub); the old one aside, still private. */
  g_autoptr(LoaStationKey) now_key = loa_station_key_load(path, &error);
  g_assert_no_error(error);
  g_assert_true(loa_station_key_equal(now_key, rotation.new_key));
  g_autoptr(LoaStationKey) shown = loa_station_key_load_public(path, &error);
  g_assert_true(loa_station_key_equal(shown, rotation.new_key));
  g_autofree char *aside = g_strconcat(path, ".old-20261129", NULL);
  g_assert_cmpstr(rotation.old_path, ==, aside);
  struct stat st;
  g_assert_cmpint(stat(aside, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);
  g_autoptr(LoaStationKey) aside_key = loa_station_key_load(aside, &error);
  g_assert_no_error(error);
  g_assert_true(loa_station_key_equal(aside_key, old_key));

  /* The statement: the station's, signed by the old key, naming the new. */
  g_autoptr(LoaStationKeyChange) change = loa_station_key_change_read(statement_path, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(change->station_id, ==, "cai-khe");
  g_assert_true(loa_station_key_change_signed_by(change, old_key));
  g_assert_true(loa_station_key_equal(change->new_key, rotation.new_key));
  g_assert_cmpint(change->changed_at, ==, at);

  /* The record: old key, time, successor, statement; never changed. */
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_assert_cmpint(sqlite3_prepare_v2(s->db,
                                     "SELECT public_key, retired_at, replaced_by, key_file,"
                                     " statement FROM station_keys",
                                     -1, &stmt, NULL),
                  ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
  g_autofree char *old_text = loa_station_key_public_text(old_key);
  g_autofree char *new_text = loa_station_key_public_text(rotation.new_key);
  g_assert_cmpstr((const char *)sqlite3_column_text(stmt, 0), ==, old_text);
  g_assert_cmpint(sqlite3_column_int64(stmt, 1), ==, at);
  g_assert_cmpstr((const char *)sqlite3_column_text(stmt, 2), ==, new_text);
  g_assert_cmpstr((const char *)sqlite3_column_text(stmt, 3), ==, aside);
  g_assert_cmpmem(sqlite3_column_text(stmt, 4), sqlite3_column_bytes(stmt, 4),
                  g_bytes_get_data(change->data, NULL), g_bytes_get_size(change->data));
  g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_DONE);
  g_assert_cmpint(sqlite3_exec(s->db, "UPDATE station_keys SET retired_at = 0", NULL, NULL, NULL),
                  !=, SQLITE_OK);
  g_assert_cmpint(sqlite3_exec(s->db, "DELETE FROM station_keys", NULL, NULL, NULL), !=,
                  SQLITE_OK);

  /* Bundles signed after it carry the new key. */
  g_autoptr(LoaBundle) bundle = collect(s, 0, loa_time_now_wall_ns());
  g_assert_true(loa_bundle_sign(bundle, now_key, &error));
  g_assert_cmpstr(bundle->public_key, ==, new_text);
  g_assert_true(loa_bundle_signed_by(bundle, now_key));
  g_assert_false(loa_bundle_signed_by(bundle, old_key));

  /* The same day again: the next old key gets ".2"; an existing statement
   * file is never written over, and then nothing changes. */
  g_auto(LoaStationKeyRotation) second = { 0 };
  g_assert_false(loa_station_key_rotate(s->db, path, statement_path, at + 1, &second, &error));
  g_assert_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_EXISTS);
  g_clear_error(&error);
  g_autoptr(LoaStationKey) unchanged = loa_station_key_load(path, &error);
  g_assert_true(loa_station_key_equal(unchanged, now_key));
  g_autofree char *second_statement = g_build_filename(temp_dir, "rotate-2.loa-key-change", NULL);
  g_assert_true(loa_station_key_rotate(s->db, path, second_statement, at + 1, &second, &error));
  g_assert_no_error(error);
  g_autofree char *aside2 = g_strconcat(path, ".old-20261129.2", NULL);
  g_assert_cmpstr(second.old_path, ==, aside2);
  g_autoptr(LoaStationKeyChange) change2 = loa_station_key_change_read(second_statement, &error);
  g_assert_true(loa_station_key_change_signed_by(change2, now_key));

  /* No key, or one readable by others: refused, nothing written. */
  g_autofree char *third_statement = g_build_filename(temp_dir, "rotate-3.loa-key-change", NULL);
  g_assert_cmpint(chmod(path, 0644), ==, 0);
  g_auto(LoaStationKeyRotation) third = { 0 };
  g_assert_false(loa_station_key_rotate(s->db, path, third_statement, at + 2, &third, &error));
  g_assert_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_PERMISSIONS);
  g_clear_error(&error);
  g_assert_false(g_file_test(third_statement, G_FILE_TEST_EXISTS));
  g_autofree char *missing = g_build_filename(temp_dir, "rotate", "none.key", NULL);
  g_assert_false(loa_station_key_rotate(s->db, missing, third_statement, at + 2, &third, &error));
  g_assert_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_MISSING);
  g_clear_error(&error);
  g_assert_false(g_file_test(third_statement, G_FILE_TEST_EXISTS));

  /* The database refuses (locked by another writer): no switch, no statement. */
  g_assert_cmpint(chmod(path, 0600), ==, 0);
  g_autofree char *db_path = g_build_filename(temp_dir, "rotate.db", NULL);
  sqlite3 *other = NULL;
  g_assert_cmpint(sqlite3_open(db_path, &other), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout(s->db, 10);
  g_autoptr(LoaStationKey) before = loa_station_key_load(path, &error);
  g_assert_false(loa_station_key_rotate(s->db, path, third_statement, at + 2, &third, &error));
  g_assert_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_DB);
  g_clear_error(&error);
  sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close(other);
  g_autoptr(LoaStationKey) after = loa_station_key_load(path, &error);
  g_assert_true(loa_station_key_equal(before, after));
  g_assert_false(g_file_test(third_statement, G_FILE_TEST_EXISTS));
  g_autofree char *aside3 = g_strconcat(path, ".old-20261129.3", NULL);
  g_assert_false(g_file_test(aside3, G_FILE_TEST_EXISTS));
  station_close(s);
}

/* --- the canonical form read back ---------------------------------------- */

/* Every vector of a fixture read back and written again, byte for byte;
 * returns how many, and the first one's text. */
static guint
read_back_vectors(const char *path, char **first)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  guint vectors = 0;
  for (guint i = 0; lines[i] != NULL; i++) {
    if (strcmp(lines[i], "canonical:") != 0)
      continue;
    g_autoptr(GString) canonical = g_string_new(NULL);
    for (i++; lines[i] != NULL && strcmp(lines[i], "end") != 0; i++)
      g_string_append_printf(canonical, "%s\n", lines[i]);
    g_autofree char *station = NULL;
    g_autoptr(LoaAiring) airing = loa_bundle_parse_canonical(canonical->str, &station, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(station, ==, "cai-khe");
    g_autoptr(GString) again = g_string_new(NULL);
    loa_chain_canonical(station, airing, again);
    g_assert_cmpstr(again->str, ==, canonical->str);
    if (*first == NULL)
      *first = g_strdup(canonical->str);
    vectors++;
  }
  return vectors;
}

static void
test_canonical(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_assert_cmpuint(read_back_vectors(fixture_path, &first), >=, 3);

  /* Anything but the one canonical text of a row is refused. */
  struct { const char *from, *to; } edits[] = {
    { "seq=1\n", "seq=01\n" },              /* another spelling of the same number */
    { "seq=1\nid=1\n", "id=1\nseq=1\n" },   /* field order */
    { "sample_rate=48000\n", "" },          /* missing field */
    { "reason=\n", "reason=\nextra=1\n" },  /* unknown field */
    { "reason=\n", "reason=\\t\n" },        /* unknown escape */
    { "samples=430272\n", "samples=many\n" },
    { "station=cai-khe\n", "station=cai-khe\nstation=other\n" },
    { "format=loa-airing/1\n", "format=loa-airing/2\n" },
    { "completed_at=1795933809014000000\n", "completed_at=1795933809014000000" },
  };
  for (size_t i = 0; i < G_N_ELEMENTS(edits); i++) {
    g_autoptr(GString) edited = g_string_new(first);
    g_assert_cmpuint(g_string_replace(edited, edits[i].from, edits[i].to, 1), ==, 1);
    g_autofree char *station = NULL;
    g_assert_null(loa_bundle_parse_canonical(edited->str, &station, &error));
    g_assert_error(error, LOA_BUNDLE_ERROR, LOA_BUNDLE_ERROR_MALFORMED);
    g_clear_error(&error);
  }
}

/* Form 2 read back, and its levels in exactly one spelling. */
static void
test_canonical_v2(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_assert_cmpuint(read_back_vectors(fixture_v2_path, &first), ==, 4);
  g_autofree char *station = NULL;
  g_autoptr(LoaAiring) airing = loa_bundle_parse_canonical(first, &station, &error);
  g_assert_no_error(error);
  g_assert_cmpint(airing->chain_version, ==, 2);
  g_assert_true(airing->gain_known);
  g_assert_cmpfloat(airing->gain_db, ==, -3.25);
  g_assert_cmpstr(airing->switches, ==, "ok");
  g_assert_cmpstr(airing->monitor, ==, "present");
  g_assert_cmpfloat(airing->monitor_lufs, ==, -23.1);

  struct { const char *from, *to; } edits[] = {
    { "gain_db=-3.25\n", "gain_db=-3.250\n" },
    { "gain_db=-3.25\n", "gain_db=-3.2\n" },
    { "gain_db=-3.25\n", "gain_db=-3.25 dB\n" },
    { "gain_db=-3.25\n", "gain_db=-03.25\n" },
    { "monitor_lufs=-23.10\n", "monitor_lufs=-23.1\n" },
    { "monitor_lufs=-23.10\n", "" },                             /* missing field */
    { "format=loa-airing/2\n", "format=loa-airing/1\n" },        /* fields form 1 has not */
    { "switches=ok\n", "monitor=present\nswitches=ok\n" },     /* twice */
  };
  for (size_t i = 0; i < G_N_ELEMENTS(edits); i++) {
    g_autoptr(GString) edited = g_string_new(first);
    g_assert_cmpuint(g_string_replace(edited, edits[i].from, edits[i].to, 1), ==, 1);
    g_autofree char *other = NULL;
    g_assert_null(loa_bundle_parse_canonical(edited->str, &other, &error));
    if (!g_error_matches(error, LOA_BUNDLE_ERROR, LOA_BUNDLE_ERROR_MALFORMED))
      g_error("edit %zu was not refused as malformed", i);
    g_clear_error(&error);
  }
}

/* --- bundles --------------------------------------------------------------- */

static void
assert_airing_equal(const LoaAiring *a, const LoaAiring *b)
{
  g_assert_cmpint(a->id, ==, b->id);
  g_assert_cmpint(a->chain_seq, ==, b->chain_seq);
  g_assert_cmpstr(a->line, ==, b->line);
  g_assert_cmpstr(a->spot_id, ==, b->spot_id);
  g_assert_cmpstr(a->spot_sha256, ==, b->spot_sha256);
  g_assert_cmpstr(a->title, ==, b->title);
  g_assert_cmpstr(a->category, ==, b->category);
  g_assert_cmpstr(a->topic, ==, b->topic);
  g_assert_cmpstr(a->priority, ==, b->priority);
  g_assert_cmpstr(a->event_ref, ==, b->event_ref);
  g_assert_cmpint(a->scheduled_at, ==, b->scheduled_at);
  g_assert_cmpint(a->started_at, ==, b->started_at);
  g_assert_cmpint(a->ended_at, ==, b->ended_at);
  g_assert_cmpint(a->samples, ==, b->samples);
  g_assert_cmpint(a->sample_rate, ==, b->sample_rate);
  g_assert_cmpstr(a->status, ==, b->status);
  g_assert_cmpstr(a->reason, ==, b->reason);
  g_assert_cmpint(a->completed_at, ==, b->completed_at);
  g_assert_cmpstr(a->prev_hash, ==, b->prev_hash);
  g_assert_cmpstr(a->hash, ==, b->hash);
}

static void
test_round_trip(void)
{
  g_autoptr(GError) error = NULL;
  Station *s = station_open("round-trip.db", "cai-khe");
  g_autoptr(LoaStationKey) key = make_key("round-trip.key");
  gint64 start = loa_time_now_wall_ns();
  station_air(s, "an-hoa", "Cảnh giác lừa đảo", LOA_AIRING_COMPLETED);
  station_air(s, "cai-khe", "Tên có\ndòng mới và \\ gạch", LOA_AIRING_INTERRUPTED);
  station_air(s, "an-hoa", "Tin tức", LOA_AIRING_COMPLETED);
  /* An airing still on air belongs to no bundle yet. */
  LoaAiringPlan plan = { .line = "an-hoa", .spot_id = "X", .scheduled_at = start };
  g_assert_cmpint(loa_airlog_open(s->log, &plan, &error), >, 0);
  gint64 end = loa_time_now_wall_ns() + 1;

  g_autoptr(LoaBundle) bundle = collect(s, start, end);
  g_assert_cmpstr(bundle->station_id, ==, "cai-khe");
  g_assert_cmpuint(bundle->rows->len, ==, 3);
  g_assert_cmpint(bundle->first_seq, ==, 1);
  g_assert_cmpint(bundle->last_seq, ==, 3);
  g_assert_cmpstr(bundle->head_before, ==, LOA_CHAIN_GENESIS);
  g_assert_true(loa_bundle_verify_chain(bundle, NULL, &error));
  g_assert_no_error(error);
  g_assert_true(loa_bundle_sign(bundle, key, &error));
  g_assert_no_error(error);

  g_autofree char *path = g_build_filename(temp_dir, "round-trip.loa-bundle", NULL);
  g_assert_true(loa_bundle_write(bundle, path, &error));
  g_assert_no_error(error);
  g_autoptr(LoaBundle) read = loa_bundle_read(path, &error);
  g_assert_no_error(error);
  g_assert_true(g_bytes_equal(read->data, bundle->data));
  g_assert_cmpstr(read->station_id, ==, "cai-khe");
  g_assert_cmpstr(read->station_name, ==, "Đài thử");
  g_assert_cmpstr(read->timezone_name, ==, "Asia/Ho_Chi_Minh");
  g_assert_cmpstr(read->period, ==, bundle->period);
  /* Bounds travel as ISO 8601, to the nanosecond. */
  g_assert_cmpint(read->from, ==, start);
  g_assert_cmpint(read->until, ==, end);
  g_assert_cmpint(read->first_seq, ==, 1);
  g_assert_cmpint(read->last_seq, ==, 3);
  g_assert_cmpint(read->row_count, ==, 3);
  g_assert_cmpstr(read->head_before, ==, bundle->head_before);
  g_assert_cmpstr(read->head_after, ==, bundle->head_after);
  g_assert_cmpstr(read->public_key, ==, bundle->public_key);
  g_assert_cmpstr(read->signature, ==, bundle->signature);
  g_assert_true(loa_bundle_verify_signature(read, key, &error));
  g_assert_no_error(error);

  g_autoptr(GPtrArray) airings = NULL;
  g_assert_true(loa_bundle_verify_chain(read, &airings, &error));
  g_assert_no_error(error);
  g_autoptr(GPtrArray) expected = loa_airlog_chain_rows(s->db, 1, 0, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(airings->len, ==, expected->len);
  for (guint i = 0; i < airings->len; i++)
    assert_airing_equal(airings->pdata[i], expected->pdata[i]);
  g_assert_cmpstr(read->head_after, ==, ((LoaAiring *)expected->pdata[2])->hash);

  /* Deterministic: the same period signed again is the same file. */
  g_autoptr(LoaBundle) again = collect(s, start, end);
  g_assert_true(loa_bundle_sign(again, key, &error));
  g_assert_true(g_bytes_equal(again->data, bundle->data));

  /* Writing where it cannot: the error names the file, nothing is left. */
  g_autofree char *nowhere = g_build_filename(temp_dir, "no-such-folder", "x.loa-bundle", NULL);
  g_assert_false(loa_bundle_write(bundle, nowhere, &error));
  g_assert_error(error, LOA_BUNDLE_ERROR, LOA_BUNDLE_ERROR_IO);
  g_clear_error(&error);
  g_assert_null(loa_bundle_read(nowhere, &error));
  g_assert_error(error, LOA_BUNDLE_ERROR, LOA_BUNDLE_ERROR_IO);
  station_close(s);
}

static void
test_periods_link(void)
{
  Station *s = station_open("periods.db", "cai-khe");
  gint64 t0 = loa_time_now_wall_ns();
  station_air(s, "a", "1", LOA_AIRING_COMPLETED);
  station_air(s, "b", "2", LOA_AIRING_FAILED);
  gint64 t1 = loa_time_now_wall_ns();
  station_air(s, "a", "3", LOA_AIRING_COMPLETED);
  gint64 t2 = loa_time_now_wall_ns();
  gint64 t3 = t2 + 1000;
  station_air(s, "a", "4", LOA_AIRING_COMPLETED);
  gint64 t4 = loa_time_now_wall_ns();

  g_autoptr(LoaBundle) before = collect(s, t0 - 1000, t0);
  g_autoptr(LoaBundle) p1 = collect(s, t0, t1);
  g_autoptr(LoaBundle) p2 = collect(s, t1, t2);
  g_autoptr(LoaBundle) empty = collect(s, t2, MIN(t3, t4));
  g_autoptr(LoaBundle) p3 = collect(s, MIN(t3, t4), t4 + 1000);
  g_autoptr(LoaBundle) all = collect(s, t0, t4 + 1000);

  /* Before any airing: empty, at the genesis. */
  g_assert_cmpuint(before->rows->len, ==, 0);
  g_assert_cmpint(before->first_seq, ==, 1);
  g_assert_cmpint(before->last_seq, ==, 0);
  g_assert_cmpstr(before->head_before, ==, LOA_CHAIN_GENESIS);
  g_assert_cmpstr(before->head_after, ==, LOA_CHAIN_GENESIS);

  g_assert_cmpuint(p1->rows->len, ==, 2);
  g_assert_cmpuint(p2->rows->len, ==, 1);
  g_assert_cmpuint(p3->rows->len, ==, 1);
  g_assert_cmpuint(all->rows->len, ==, 4);
  /* Each period starts where the one before ended, same position, same hash. */
  LoaBundle *chain[] = { before, p1, p2, empty, p3 };
  for (size_t i = 1; i < G_N_ELEMENTS(chain); i++) {
    g_assert_cmpint(chain[i]->first_seq, ==, chain[i - 1]->last_seq + 1);
    g_assert_cmpstr(chain[i]->head_before, ==, chain[i - 1]->head_after);
    g_autoptr(GError) error = NULL;
    g_assert_true(loa_bundle_verify_chain(chain[i], NULL, &error));
    g_assert_no_error(error);
  }
  g_assert_cmpuint(empty->rows->len, ==, 0);
  g_assert_cmpstr(empty->head_before, ==, empty->head_after);
  g_assert_cmpstr(all->head_after, ==, p3->head_after);
  station_close(s);
}

/* A small signed bundle, as bytes. */
static GBytes *
small_bundle(LoaStationKey *key, const char *db_name)
{
  g_autoptr(GError) error = NULL;
  Station *s = station_open(db_name, "small");
  gint64 t0 = loa_time_now_wall_ns();
  station_air(s, "a", "Một", LOA_AIRING_COMPLETED);
  station_air(s, "b", "Hai", LOA_AIRING_INTERRUPTED);
  g_autoptr(LoaBundle) bundle = collect(s, t0, loa_time_now_wall_ns() + 1);
  station_close(s);
  g_assert_true(loa_bundle_sign(bundle, key, &error));
  return g_bytes_ref(bundle->data);
}

static void
test_truncated(void)
{
  g_autoptr(LoaStationKey) key = make_key("truncated.key");
  g_autoptr(GBytes) data = small_bundle(key, "truncated.db");
  gsize length = 0;
  const char *text = g_bytes_get_data(data, &length);
  g_autoptr(LoaBundle) whole = parse_ok(data);
  g_autoptr(GError) error = NULL;
  g_assert_true(loa_bundle_verify_signature(whole, key, &error));

  /* Every proper prefix: truncated, never anything else. */
  for (gsize cut = 0; cut < length; cut++) {
    g_autoptr(GBytes) prefix = bytes_of(text, cut);
    g_assert_null(loa_bundle_parse(prefix, &error));
    if (!g_error_matches(error, LOA_BUNDLE_ERROR, LOA_BUNDLE_ERROR_TRUNCATED))
      g_error("a bundle cut at %zu of %zu bytes: %s", cut, length, error->message);
    g_assert_true(g_str_has_prefix(error->message, "truncated"));
    g_clear_error(&error);
  }
}

static void
test_flipped_bytes(void)
{
  g_autoptr(LoaStationKey) key = make_key("flipped.key");
  g_autoptr(GBytes) data = small_bundle(key, "flipped.db");
  gsize length = 0;
  const char *text = g_bytes_get_data(data, &length);
  g_autofree char *copy = g_memdup2(text, length);
  guint refused_by_signature = 0;

  /* Any one bit changed anywhere: refused by the parser or the signature. */
  for (gsize i = 0; i < length; i++) {
    copy[i] ^= 0x01;
    g_autoptr(GBytes) flipped = bytes_of(copy, length);
    g_autoptr(GError) error = NULL;
    g_autoptr(LoaBundle) bundle = loa_bundle_parse(flipped, &error);
    if (bundle != NULL) {
      g_assert_false(loa_bundle_verify_signature(bundle, key, &error));
      g_assert_error(error, LOA_BUNDLE_ERROR, LOA_BUNDLE_ERROR_SIGNATURE);
      g_assert_true(g_str_has_prefix(error->message, "bad signature"));
      refused_by_signature++;
    }
    copy[i] ^= 0x01;
  }
  g_assert_cmpuint(refused_by_signature, >, length / 2);
}

static void
test_other_key(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaStationKey) key = make_key("owner.key");
  g_autoptr(LoaStationKey) thief = make_key("thief.key");
  g_autoptr(GBytes) data = small_bundle(thief, "thief.db");
  g_autoptr(LoaBundle) bundle = parse_ok(data);
  g_assert_false(loa_bundle_verify_signature(bundle, key, &error));
  g_assert_error(error, LOA_BUNDLE_ERROR, LOA_BUNDLE_ERROR_SIGNATURE);
  g_autofree char *thief_fingerprint = loa_station_key_fingerprint(thief);
  g_autofree char *owner_fingerprint = loa_station_key_fingerprint(key);
  g_assert_nonnull(strstr(error->message, "another key"));
  g_assert_nonnull(strstr(error->message, thief_fingerprint));
  g_assert_nonnull(strstr(error->message, owner_fingerprint));
}

/* Re-signed with the station's own key after the rows were tampered with
 * (an insider): the signature holds, the chain names the row. */
static void
assert_chain_refused(LoaBundle *bundle, LoaStationKey *key, LoaBundleError code,
                     const char *message)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(loa_bundle_sign(bundle, key, &error));
  g_autoptr(LoaBundle) read = parse_ok(bundle->data);
  g_assert_true(loa_bundle_verify_signature(read, key, &error));
  g_autoptr(GPtrArray) airings = NULL;
  g_assert_false(loa_bundle_verify_chain(read, &airings, &error));
  g_assert_null(airings);
  g_assert_error(error, LOA_BUNDLE_ERROR, code);
  if (strstr(error->message, message) == NULL)
    g_error("expected '%s' in: %s", message, error->message);
}

static void
replace_in_row(LoaBundle *bundle, guint index, const char *from, const char *to)
{
  LoaBundleRow *row = bundle->rows->pdata[index];
  g_autoptr(GString) text = g_string_new(row->canonical);
  g_assert_cmpuint(g_string_replace(text, from, to, 1), ==, 1);
  g_free(row->canonical);
  row->canonical = g_strdup(text->str);
}

static void
test_insider_tampering(void)
{
  g_autoptr(LoaStationKey) key = make_key("insider.key");
  Station *s = station_open("insider.db", "cai-khe");
  Station *other = station_open("insider-other.db", "o-mon");
  gint64 t0 = loa_time_now_wall_ns();
  for (int i = 0; i < 4; i++)
    station_air(s, i % 2 ? "a" : "b", "Tin", LOA_AIRING_COMPLETED);
  station_air(other, "a", "Tin", LOA_AIRING_COMPLETED);
  gint64 t1 = loa_time_now_wall_ns() + 1;

  {
    /* Edit a row's time. */
    g_autoptr(LoaBundle) b = collect(s, t0, t1);
    LoaBundleRow *row = b->rows->pdata[1];
    g_autofree char *started = g_strdup(strstr(row->canonical, "started_at="));
    *strchr(started, '\n') = '\0';
    g_autofree char *earlier = g_strdup_printf("started_at=%" PRId64,
                                               g_ascii_strtoll(started + 11, NULL, 10) - 1000000000);
    replace_in_row(b, 1, started, earlier);
    assert_chain_refused(b, key, LOA_BUNDLE_ERROR_CHAIN, "broken chain at row 2");
  }
  {
    /* Change a spot hash. */
    g_autoptr(LoaBundle) b = collect(s, t0, t1);
    replace_in_row(b, 2, "spot_sha256=58bc", "spot_sha256=68bc");
    assert_chain_refused(b, key, LOA_BUNDLE_ERROR_CHAIN, "broken chain at row 3");
  }
  {
    /* Delete a row, the header still counting it. */
    g_autoptr(LoaBundle) b = collect(s, t0, t1);
    g_ptr_array_remove_index(b->rows, 1);
    assert_chain_refused(b, key, LOA_BUNDLE_ERROR_CHAIN, "broken chain at row 2: row 3 stands");
  }
  {
    /* Delete the last row, the header still counting it. */
    g_autoptr(LoaBundle) b = collect(s, t0, t1);
    g_ptr_array_remove_index(b->rows, 3);
    assert_chain_refused(b, key, LOA_BUNDLE_ERROR_CHAIN, "rows missing: the header announces 4");
  }
  {
    /* Delete a row and fix the count: the gap shows at that row. */
    g_autoptr(LoaBundle) b = collect(s, t0, t1);
    g_ptr_array_remove_index(b->rows, 1);
    b->row_count--;
    b->last_seq--;
    assert_chain_refused(b, key, LOA_BUNDLE_ERROR_CHAIN, "broken chain at row 2");
  }
  {
    /* Delete the last row and move the head after to the one before. */
    g_autoptr(LoaBundle) b = collect(s, t0, t1);
    g_ptr_array_remove_index(b->rows, 3);
    b->row_count--;
    b->last_seq--;
    assert_chain_refused(b, key, LOA_BUNDLE_ERROR_CHAIN, "head after");
  }
  {
    /* Reorder two rows. */
    g_autoptr(LoaBundle) b = collect(s, t0, t1);
    gpointer first = b->rows->pdata[0];
    b->rows->pdata[0] = b->rows->pdata[1];
    b->rows->pdata[1] = first;
    assert_chain_refused(b, key, LOA_BUNDLE_ERROR_CHAIN, "broken chain at row 1");
  }
  {
    /* Reorder two rows and renumber them: the hashes no longer follow. */
    g_autoptr(LoaBundle) b = collect(s, t0, t1);
    LoaBundleRow *x = b->rows->pdata[1], *y = b->rows->pdata[2];
    b->rows->pdata[1] = y;
    b->rows->pdata[2] = x;
    x->seq = 3;
    y->seq = 2;
    replace_in_row(b, 1, "seq=3\n", "seq=2\n");
    replace_in_row(b, 2, "seq=2\n", "seq=3\n");
    assert_chain_refused(b, key, LOA_BUNDLE_ERROR_CHAIN, "broken chain at row 2");
  }
  {
    /* Rows of another station under this station's name. */
    g_autoptr(LoaBundle) b = collect(other, t0, t1);
    g_free(b->station_id);
    b->station_id = g_strdup("cai-khe");
    assert_chain_refused(b, key, LOA_BUNDLE_ERROR_STATION, "row 1 belongs to station 'o-mon'");
  }
  {
    /* A wrong head before. */
    g_autoptr(LoaBundle) b = collect(s, t0, t1);
    b->head_before[0] = b->head_before[0] == '0' ? '1' : '0';
    assert_chain_refused(b, key, LOA_BUNDLE_ERROR_CHAIN, "broken chain at row 1");
  }
  station_close(s);
  station_close(other);
}

/* A period across the upgrade to form 2 carries rows of both forms; the
 * header names both, and must. */
static void
test_both_forms(void)
{
  g_autoptr(GError) error = NULL;
  Station *s = station_open("both-forms.db", "cai-khe");
  g_autoptr(LoaStationKey) key = make_key("both-forms.key");
  gint64 start = loa_time_now_wall_ns();
  /* A row of form 1, as a log chained before the upgrade has it. */
  LoaAiring old = { .id = 1, .chain_seq = 1, .chain_version = 1, .line = "an-hoa",
                    .spot_id = "OLD", .spot_sha256 = "", .title = "", .category = "news",
                    .topic = "attt", .priority = "normal", .event_ref = "", .scheduled_at = start,
                    .status = "missed", .reason = "", .completed_at = start };
  g_autoptr(GString) canonical = g_string_new(NULL);
  loa_chain_canonical("cai-khe", &old, canonical);
  g_autofree char *hash = loa_chain_hash(canonical, LOA_CHAIN_GENESIS);
  g_autofree char *sql = g_strdup_printf(
    "INSERT INTO airings (id, line, spot_id, category, topic, scheduled_at, status, created_at,"
    " completed_at, chain_seq, prev_hash, hash, chain_version) VALUES (1, 'an-hoa', 'OLD',"
    " 'news', 'attt', %" PRId64 ", 'missed', 0, %" PRId64 ", 1, '%s', '%s', 1)",
    start, start, LOA_CHAIN_GENESIS, hash);
  g_assert_cmpint(sqlite3_exec(s->db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  station_air(s, "an-hoa", "Mới", LOA_AIRING_COMPLETED);
  gint64 end = loa_time_now_wall_ns() + 1;

  g_autoptr(LoaBundle) bundle = collect(s, start, end);
  g_assert_cmpstr(bundle->forms, ==, "loa-airing/1 loa-airing/2");
  g_assert_true(loa_bundle_sign(bundle, key, &error));
  gsize length = 0;
  const char *text = g_bytes_get_data(bundle->data, &length);
  g_assert_nonnull(g_strstr_len(text, (gssize)length, "\ncanonical: loa-airing/1 loa-airing/2\n"));
  g_autoptr(LoaBundle) read = parse_ok(bundle->data);
  g_autoptr(GPtrArray) airings = NULL;
  g_assert_true(loa_bundle_verify_chain(read, &airings, &error));
  g_assert_no_error(error);
  g_assert_cmpint(((LoaAiring *)airings->pdata[0])->chain_version, ==, 1);
  g_assert_cmpint(((LoaAiring *)airings->pdata[1])->chain_version, ==, 2);

  /* A header that hides a form, or names one the rows do not use. */
  const char *wrong[] = { "loa-airing/2", "loa-airing/1" };
  for (guint i = 0; i < G_N_ELEMENTS(wrong); i++) {
    g_autoptr(GString) edited = g_string_new_len(text, (gssize)length);
    g_autofree char *header = g_strdup_printf("canonical: %s", wrong[i]);
    g_assert_cmpuint(
      g_string_replace(edited, "canonical: loa-airing/1 loa-airing/2", header, 1), ==, 1);
    g_autoptr(GBytes) bytes = bytes_of(edited->str, edited->len);
    g_autoptr(LoaBundle) lying = parse_ok(bytes);
    g_assert_false(loa_bundle_verify_chain(lying, NULL, &error));
    g_assert_error(error, LOA_BUNDLE_ERROR, LOA_BUNDLE_ERROR_MALFORMED);
    g_clear_error(&error);
  }
  station_close(s);
}

static void
test_not_bundles(void)
{
  g_autoptr(LoaStationKey) key = make_key("not.key");
  g_autoptr(GBytes) data = small_bundle(key, "not.db");
  gsize length = 0;
  const char *text = g_bytes_get_data(data, &length);
  struct {
    const char *from, *to;
    LoaBundleError code;
  } edits[] = {
    { "loa-bundle/1\n", "PK\003\004 zip file\n", LOA_BUNDLE_ERROR_NOT_BUNDLE },
    { "loa-bundle/1\n", "loa-bundle/7\n", LOA_BUNDLE_ERROR_VERSION },
    { "canonical: loa-airing/2\n", "canonical: loa-airing/9\n", LOA_BUNDLE_ERROR_VERSION },
    { "canonical: loa-airing/2\n", "canonical: loa-airing/2 loa-airing/1\n",
      LOA_BUNDLE_ERROR_MALFORMED },
    { "station: small\n", "station: small\ncolour: blue\n", LOA_BUNDLE_ERROR_MALFORMED },
    { "station: small\n", "station: small\nstation: other\n", LOA_BUNDLE_ERROR_MALFORMED },
    { "station: small\n", "", LOA_BUNDLE_ERROR_MALFORMED },
    { "first-seq: 1\n", "first-seq: one\n", LOA_BUNDLE_ERROR_MALFORMED },
    { "from: ", "from: yesterday ", LOA_BUNDLE_ERROR_MALFORMED },
    { "\nrow 1 ", "\nrow one ", LOA_BUNDLE_ERROR_MALFORMED },
    { "\nend\n", "\nnot part of a row\nend\n", LOA_BUNDLE_ERROR_MALFORMED },
    { "\nsignature: ", "\nsignature: AAAA", LOA_BUNDLE_ERROR_MALFORMED },
  };
  for (size_t i = 0; i < G_N_ELEMENTS(edits) + 1; i++) {
    g_autoptr(GString) edited = g_string_new_len(text, (gssize)length);
    LoaBundleError code = LOA_BUNDLE_ERROR_MALFORMED;
    if (i < G_N_ELEMENTS(edits)) {
      g_assert_cmpuint(g_string_replace(edited, edits[i].from, edits[i].to, 1), ==, 1);
      code = edits[i].code;
    } else {
      g_string_append(edited, "trailing\n");  /* data after the signature */
    }
    g_autoptr(GBytes) bytes = bytes_of(edited->str, edited->len);
    g_autoptr(GError) error = NULL;
    g_assert_null(loa_bundle_parse(bytes, &error));
    if (!g_error_matches(error, LOA_BUNDLE_ERROR, code))
      g_error("edit %zu: expected code %d, got: %s", i, code, error->message);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  temp_dir = test_util_make_dir("loa-test-bundle-XXXXXX");
  fixture_path = g_test_build_filename(G_TEST_DIST, "..", "fixtures", "airlog-chain.txt", NULL);
  fixture_v2_path =
    g_test_build_filename(G_TEST_DIST, "..", "fixtures", "airlog-chain-v2.txt", NULL);
  g_test_add_func("/bundle/key/create-load", test_key_create_load);
  g_test_add_func("/bundle/key/refused", test_key_refused);
  g_test_add_func("/bundle/key/sign", test_key_sign);
  g_test_add_func("/bundle/key/change-statement", test_key_change_statement);
  g_test_add_func("/bundle/key/rotate", test_key_rotate);
  g_test_add_func("/bundle/canonical", test_canonical);
  g_test_add_func("/bundle/canonical-v2", test_canonical_v2);
  g_test_add_func("/bundle/both-forms", test_both_forms);
  g_test_add_func("/bundle/round-trip", test_round_trip);
  g_test_add_func("/bundle/periods-link", test_periods_link);
  g_test_add_func("/bundle/truncated", test_truncated);
  g_test_add_func("/bundle/flipped-bytes", test_flipped_bytes);
  g_test_add_func("/bundle/other-key", test_other_key);
  g_test_add_func("/bundle/insider-tampering", test_insider_tampering);
  g_test_add_func("/bundle/not-bundles", test_not_bundles);
  int result = g_test_run();
  test_util_remove_tree(temp_dir);
  g_free(temp_dir);
  g_free(fixture_path);
  g_free(fixture_v2_path);
  return result;
}
