/* bench/log-verify: how fast `loa log verify` walks the hash chain.
 * Builds a station database of ROWS completed airings with a real chain
 * (canonical form + SHA-256, as the airlog writes them), then times
 * loa_chain_verify over it, a few times, and prints the median rate. Rows are
 * in canonical form 2 with every airing fact set (gain, switch result,
 * monitor), as a station with switched and monitored lines writes them.
 *
 *   loa-bench-log-verify [ROWS] [DB]   (default 1000000, a temp file; a DB
 *                                       that has rows already is reused) */
#include "airlog.h"
#include "chain.h"
#include "db.h"
#include "loa-time.h"

#include <inttypes.h>
#include <glib/gstdio.h>
#include <stdio.h>

static int
compare_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Fills db with rows completed airings forming a chain from the genesis. */
static gboolean
build(sqlite3 *db, guint64 rows)
{
  sqlite3_exec(db, "PRAGMA synchronous = OFF; INSERT INTO station VALUES ('bench', 'Bench', 0);"
                   "BEGIN", NULL, NULL, NULL);
  sqlite3_stmt *insert = NULL;
  sqlite3_prepare_v2(db,
                     "INSERT INTO airings (id, line, spot_id, spot_sha256, title, category, topic,"
                     " priority, event_ref, scheduled_at, started_at, ended_at, samples,"
                     " sample_rate, status, reason, created_at, completed_at, chain_seq,"
                     " prev_hash, hash, chain_version, gain_db, switches, monitor, monitor_lufs)"
                     " VALUES (?, ?, ?, ?, ?, 'news', 'attt', 'normal',"
                     " 'schedule.cfg:3', ?, ?, ?, 1440000, 48000, 'completed', '', ?, ?, ?, ?, ?,"
                     " 2, -3.25, 'ok', 'present', -23.1)",
                     -1, &insert, NULL);
  gint64 t0 = g_get_monotonic_time();
  char *prev = g_strdup(LOA_CHAIN_GENESIS);
  GString *canonical = g_string_new(NULL);
  const char *lines[] = { "an-hoa", "cai-khe", "thoi-binh", "tan-an", "an-binh" };
  for (guint64 i = 1; i <= rows; i++) {
    gint64 at = G_GINT64_CONSTANT(1767225600000000000) + (gint64)i * 30 * LOA_NS_PER_SECOND;
    LoaAiring a = { .id = (gint64)i, .line = (char *)lines[i % 5], .spot_id = "ATTT-T01",
                    .spot_sha256 = "58bc46c3b6ac58bc46c3b6ac58bc46c3b6ac58bc46c3b6ac58bc46c3b6ac58bc",
                    .title = "Cảnh giác lừa đảo qua điện thoại", .category = "news",
                    .topic = "attt", .priority = "normal", .event_ref = "schedule.cfg:3",
                    .scheduled_at = at, .started_at = at, .ended_at = at + 30 * LOA_NS_PER_SECOND,
                    .samples = 1440000, .sample_rate = 48000, .status = "completed",
                    .reason = "", .completed_at = at + 31 * LOA_NS_PER_SECOND,
                    .chain_seq = (gint64)i, .chain_version = 2, .gain_known = TRUE,
                    .gain_db = -3.25, .switches = "ok", .monitor = "present",
                    .monitor_lufs_known = TRUE, .monitor_lufs = -23.1 };
    g_string_truncate(canonical, 0);
    loa_chain_canonical("bench", &a, canonical);
    char *hash = loa_chain_hash(canonical, prev);
    sqlite3_reset(insert);
    sqlite3_bind_int64(insert, 1, a.id);
    sqlite3_bind_text(insert, 2, a.line, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 3, a.spot_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 4, a.spot_sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 5, a.title, -1, SQLITE_STATIC);
    sqlite3_bind_int64(insert, 6, a.scheduled_at);
    sqlite3_bind_int64(insert, 7, a.started_at);
    sqlite3_bind_int64(insert, 8, a.ended_at);
    sqlite3_bind_int64(insert, 9, at);
    sqlite3_bind_int64(insert, 10, a.completed_at);
    sqlite3_bind_int64(insert, 11, a.chain_seq);
    sqlite3_bind_text(insert, 12, prev, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 13, hash, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(insert) != SQLITE_DONE) {
      fprintf(stderr, "insert: %s\n", sqlite3_errmsg(db));
      return FALSE;
    }
    g_free(prev);
    prev = hash;
  }
  sqlite3_finalize(insert);
  sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
  g_string_free(canonical, TRUE);
  g_free(prev);
  printf("built %" G_GUINT64_FORMAT " chained rows in %.1f s\n", rows,
         (double)(g_get_monotonic_time() - t0) / 1e6);
  return TRUE;
}

int
main(int argc, char **argv)
{
  guint64 rows = 1000000;
  if (argc > 1 && !g_ascii_string_to_unsigned(argv[1], 10, 1, G_MAXINT64, &rows, NULL)) {
    fprintf(stderr, "usage: %s [ROWS] [DB]\n", argv[0]);
    return 2;
  }
  g_autofree char *dir = g_dir_make_tmp("loa-bench-XXXXXX", NULL);
  g_autofree char *path = argc > 2 ? g_strdup(argv[2]) : g_build_filename(dir, "loa.db", NULL);
  g_autoptr(GError) error = NULL;
  sqlite3 *db = loa_db_open(path, LOA_DB_OPEN_CREATE, &error);
  if (db == NULL) {
    fprintf(stderr, "%s\n", error->message);
    return 1;
  }
  sqlite3_stmt *count = NULL;
  sqlite3_prepare_v2(db, "SELECT count(*) FROM airings", -1, &count, NULL);
  gboolean reuse = sqlite3_step(count) == SQLITE_ROW && sqlite3_column_int64(count, 0) > 0;
  sqlite3_finalize(count);
  if (reuse)
    printf("reusing %s\n", path);
  else if (!build(db, rows))
    return 1;

  double rates[5];
  for (int run = 0; run < 5; run++) {
    LoaChainReport report = { 0 };
    gint64 start = g_get_monotonic_time();
    if (!loa_chain_verify(db, &report, &error) || report.problem != NULL) {
      fprintf(stderr, "verify failed: %s\n", error ? error->message : report.problem);
      return 1;
    }
    double seconds = (double)(g_get_monotonic_time() - start) / 1e6;
    rates[run] = (double)report.rows / seconds;
    printf("run %d: %" PRId64 " rows in %.3f s = %.0f rows/s\n", run + 1, report.rows,
           seconds, rates[run]);
    loa_chain_report_clear(&report);
  }
  qsort(rates, 5, sizeof(double), compare_double);
  printf("loa log verify: median %.0f rows/s over 5 runs (goal >= 1000000)\n", rates[2]);
  loa_db_close(db);
  if (argc <= 2) {
    g_autofree char *wal = g_strconcat(path, "-wal", NULL), *shm = g_strconcat(path, "-shm", NULL);
    g_unlink(path);
    g_unlink(wal);
    g_unlink(shm);
    g_rmdir(dir);
  }
  return 0;
}
