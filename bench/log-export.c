/* bench/log-export: how long a month's export and the city's import take.
 *
 * Builds a station database of MONTHS months (from 2026-03, station time
 * Asia/Ho_Chi_Minh) of 10 lines x 50 airings a day — 15 000 rows in a month
 * of 30 days, as the middle one of the default 3 is — with a real hash chain (each row's canonical form and hash made
 * by chain.h, checked with loa_chain_verify before timing), and a station
 * key. Then, for the middle month, times RUNS times:
 *   export  collect the rows + check the chain + sign + write (loa_bundle_*)
 *   import  read + parse + check signature and chain + link checks + insert
 *           into a fresh audit database (loa_audit_import)
 * and, with --loa PATH, the same through the real binary: `loa log export
 * --month` and `loa audit import` (process start, config, database open).
 * Prints each run and the medians; the goal is under 1 s for each.
 *
 *   loa-bench-log-export [--months N] [--runs N] [--loa PATH] [--keep DIR] */
#include "airlog.h"
#include "audit.h"
#include "bundle.h"
#include "chain.h"
#include "db.h"
#include "loa-time.h"
#include "station-key.h"

#include "../tests/common/test-util.h"

#include <inttypes.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#define LINES 10
#define PER_DAY 50
#define STATION "bench"
#define ZONE "Asia/Ho_Chi_Minh"
#define FIRST_MONTH 3  /* March 2026: the middle of three months is April, 30 days */

static void
die(const char *what, const GError *error)
{
  fprintf(stderr, "log-export: %s: %s\n", what, error != NULL ? error->message : "failed");
  exit(1);
}

static int
compare_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double
seconds_since(gint64 start)
{
  return (double)(g_get_monotonic_time() - start) / 1e6;
}

static double
median(double *values, int n)
{
  qsort(values, (size_t)n, sizeof(double), compare_double);
  return values[n / 2];
}

/* The first instant of month (1 = January 2026, may run past 12) in tz. */
static gint64
month_start(GTimeZone *tz, int month)
{
  LoaDate date = { 2026 + (month - 1) / 12, (month - 1) % 12 + 1, 1 };
  gint64 ns = 0;
  g_autoptr(GError) error = NULL;
  if (!loa_civil_to_utc(tz, &date, 0, &ns, &error))
    die("month", error);
  return ns;
}

/* Rows of `months` months, in completion order, with their chain. Returns the count. */
static gint64
build(sqlite3 *db, GTimeZone *tz, int months)
{
  static const char *const lines[LINES] = { "an-hoa", "cai-khe", "thoi-binh", "tan-an",
                                             "an-binh", "an-khanh", "hung-loi", "xuan-khanh",
                                             "an-cu", "an-nghiep" };
  static const char *const categories[] = { "news", "article", "announcement", "report" };
  sqlite3_exec(db, "PRAGMA synchronous = OFF; BEGIN", NULL, NULL, NULL);
  sqlite3_stmt *insert = NULL;
  if (sqlite3_prepare_v2(db,
                         "INSERT INTO airings (id, line, spot_id, spot_sha256, title, category,"
                         " topic, priority, event_ref, scheduled_at, started_at, ended_at, samples,"
                         " sample_rate, status, reason, created_at, completed_at, chain_seq,"
                         " prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'attt', 'normal',"
                         " 'schedule.cfg:12', ?7, ?8, ?9, ?10, 48000, ?11, ?12, ?7, ?13, ?1,"
                         " ?14, ?15)",
                         -1, &insert, NULL) != SQLITE_OK) {
    fprintf(stderr, "log-export: %s\n", sqlite3_errmsg(db));
    exit(1);
  }
  g_autofree char *prev = g_strdup(LOA_CHAIN_GENESIS);
  GString *canonical = g_string_new(NULL);
  gint64 seq = 0;
  gint64 day_ns = G_GINT64_CONSTANT(86400) * LOA_NS_PER_SECOND;
  for (gint64 day = month_start(tz, FIRST_MONTH); day < month_start(tz, FIRST_MONTH + months);
       day += day_ns) {
    /* 50 slots from 06:00 every 16 minutes; every line airs in each slot. */
    for (int slot = 0; slot < PER_DAY; slot++) {
      for (int line = 0; line < LINES; line++) {
        seq++;
        gint64 at = day + (6 * 3600 + slot * 16 * 60) * LOA_NS_PER_SECOND;
        gint64 start = at + 20000 * line, end = start + 45 * LOA_NS_PER_SECOND;
        gboolean cut = seq % 97 == 0;
        g_autofree char *spot = g_strdup_printf("ATTT-%03d", slot % 40);
        LoaAiring a = {
          .id = seq, .line = (char *)lines[line], .spot_id = spot,
          .spot_sha256 = "58bc46c3b6ac58bc46c3b6ac58bc46c3b6ac58bc46c3b6ac58bc46c3b6ac58bc",
          .title = "Cảnh giác lừa đảo qua điện thoại", .category = (char *)categories[slot % 4],
          .topic = "attt", .priority = "normal", .event_ref = "schedule.cfg:12",
          .scheduled_at = at, .started_at = start, .ended_at = cut ? end - 20 * LOA_NS_PER_SECOND : end,
          .samples = cut ? 1200000 : 2160000, .sample_rate = 48000,
          .status = cut ? "interrupted" : "completed", .reason = cut ? "Loa was stopped" : "",
          .completed_at = (cut ? end - 20 * LOA_NS_PER_SECOND : end) + 50000000 + line * 1000,
          .chain_seq = seq,
        };
        g_string_truncate(canonical, 0);
        loa_chain_canonical(STATION, &a, canonical);
        char *hash = loa_chain_hash(canonical, prev);
        sqlite3_reset(insert);
        sqlite3_bind_int64(insert, 1, a.id);
        sqlite3_bind_text(insert, 2, a.line, -1, SQLITE_STATIC);
        sqlite3_bind_text(insert, 3, a.spot_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(insert, 4, a.spot_sha256, -1, SQLITE_STATIC);
        sqlite3_bind_text(insert, 5, a.title, -1, SQLITE_STATIC);
        sqlite3_bind_text(insert, 6, a.category, -1, SQLITE_STATIC);
        sqlite3_bind_int64(insert, 7, a.scheduled_at);
        sqlite3_bind_int64(insert, 8, a.started_at);
        sqlite3_bind_int64(insert, 9, a.ended_at);
        sqlite3_bind_int64(insert, 10, a.samples);
        sqlite3_bind_text(insert, 11, a.status, -1, SQLITE_STATIC);
        sqlite3_bind_text(insert, 12, a.reason, -1, SQLITE_STATIC);
        sqlite3_bind_int64(insert, 13, a.completed_at);
        sqlite3_bind_text(insert, 14, prev, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(insert, 15, hash, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(insert) != SQLITE_DONE) {
          fprintf(stderr, "log-export: insert: %s\n", sqlite3_errmsg(db));
          exit(1);
        }
        g_free(prev);
        prev = hash;
      }
    }
  }
  sqlite3_finalize(insert);
  g_string_free(canonical, TRUE);
  sqlite3_exec(db, "COMMIT; PRAGMA synchronous = FULL", NULL, NULL, NULL);
  return seq;
}

/* Runs argv, returns its wall time; dies if it fails. */
static double
time_command(char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  int status = 0;
  gint64 start = g_get_monotonic_time();
  if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error))
    die(argv[0], error);
  double seconds = seconds_since(start);
  if (!g_spawn_check_wait_status(status, &error)) {
    fprintf(stderr, "%s%s", out, err);
    die(argv[1], error);
  }
  return seconds;
}

int
main(int argc, char **argv)
{
  int months = 3, runs = 5;
  g_autofree char *loa = NULL, *keep = NULL;
  GOptionEntry entries[] = {
    { "months", 0, 0, G_OPTION_ARG_INT, &months, "months of log to build (>= 2)", "N" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "timed runs of each phase", "N" },
    { "loa", 0, 0, G_OPTION_ARG_FILENAME, &loa, "also time this loa binary's commands", "PATH" },
    { "keep", 0, 0, G_OPTION_ARG_FILENAME, &keep, "build in DIR and keep it", "DIR" },
    { NULL },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = g_option_context_new(NULL);
  g_option_context_add_main_entries(context, entries, NULL);
  if (!g_option_context_parse(context, &argc, &argv, &error) || months < 2 || runs < 1) {
    fprintf(stderr, "usage: %s [--months N>=2] [--runs N] [--loa PATH] [--keep DIR]\n", argv[0]);
    return 2;
  }

  g_autofree char *dir = keep != NULL ? g_strdup(keep) : g_dir_make_tmp("loa-bench-XXXXXX", NULL);
  g_mkdir_with_parents(dir, 0755);
  g_autofree char *db_path = g_build_filename(dir, "loa.db", NULL);
  g_autofree char *key_path = g_build_filename(dir, "station.key", NULL);
  g_autofree char *config_path = g_build_filename(dir, "loa.cfg", NULL);
  g_autoptr(GTimeZone) tz = loa_time_zone_new(ZONE, &error);
  if (tz == NULL)
    die("zone", error);

  sqlite3 *db = loa_db_open(db_path, LOA_DB_OPEN_CREATE, &error);
  if (db == NULL)
    die(db_path, error);
  sqlite3_exec(db, "INSERT INTO station VALUES ('" STATION "', 'Bench', 0)", NULL, NULL, NULL);
  gint64 start = g_get_monotonic_time();
  gint64 rows = build(db, tz, months);
  printf("built %" PRId64 " chained rows (%d months) in %.1f s\n", rows, months,
         seconds_since(start));
  LoaChainReport report = { 0 };
  if (!loa_chain_verify(db, &report, &error) || report.problem != NULL)
    die("the chain does not verify", error);
  loa_chain_report_clear(&report);
  g_autoptr(LoaStationKey) key = loa_station_key_create(key_path, &error);
  if (key == NULL)
    die(key_path, error);
  g_autofree char *config = g_strdup_printf(
    "station = { id = \"" STATION "\"; name = \"Bench\"; timezone = \"" ZONE "\"; };\n"
    "database = \"loa.db\";\nlibrary = \"library\";\n"
    "lines = ( { id = \"an-hoa\"; output = \"null\"; } );\n");
  if (!g_file_set_contents(config_path, config, -1, &error))
    die(config_path, error);

  /* The middle month, as `loa log export --month` takes it. */
  int month = FIRST_MONTH + months / 2;
  gint64 from = month_start(tz, month), until = month_start(tz, month + 1);
  g_autofree char *label = g_strdup_printf("%04d-%02d", 2026 + (month - 1) / 12, (month - 1) % 12 + 1);
  g_autofree char *bundle_path = g_build_filename(dir, "month.loa-bundle", NULL);
  double *export_times = g_new(double, runs), *import_times = g_new(double, runs);
  gint64 exported = 0;
  printf("run  export_s  import_s  (month %s)\n", label);
  for (int run = 0; run < runs; run++) {
    start = g_get_monotonic_time();
    g_autoptr(LoaBundle) bundle =
      loa_bundle_collect(db, "Bench", ZONE, tz, label, from, until, &error);
    if (bundle == NULL || !loa_bundle_verify_chain(bundle, NULL, &error) ||
        !loa_bundle_sign(bundle, key, &error) || !loa_bundle_write(bundle, bundle_path, &error))
      die("export", error);
    export_times[run] = seconds_since(start);
    exported = bundle->rows->len;

    g_autofree char *audit_path = g_strdup_printf("%s/audit-%d.db", dir, run);
    g_autoptr(LoaAudit) audit = loa_audit_open(audit_path, TRUE, &error);
    if (audit == NULL || !loa_audit_station_add(audit, STATION, NULL, key, &error))
      die("audit", error);
    start = g_get_monotonic_time();
    g_autoptr(LoaBundle) read = loa_bundle_read(bundle_path, &error);
    g_auto(LoaAuditImport) result = { 0 };
    if (read == NULL ||
        !loa_audit_import(audit, read, "month.loa-bundle", loa_time_now_wall_ns(), &result, &error))
      die("import", error);
    import_times[run] = seconds_since(start);
    printf("%3d  %8.3f  %8.3f\n", run + 1, export_times[run], import_times[run]);
  }
  GStatBuf st = { 0 };
  g_stat(bundle_path, &st);
  printf("library: export of %" PRId64 " rows: median %.3f s; import: median %.3f s "
         "(bundle %.1f MB; goal < 1 s each)\n",
         exported, median(export_times, runs), median(import_times, runs),
         (double)st.st_size / 1e6);

  if (loa != NULL) {
    for (int run = 0; run < runs; run++) {
      g_autofree char *audit_path = g_strdup_printf("%s/cli-audit-%d.db", dir, run);
      g_autofree char *public_text = loa_station_key_public_text(key);
      char *export_argv[] = { loa, "--config", config_path, "log", "export", "--month", label,
                              "--to", bundle_path, NULL };
      char *add_argv[] = { loa, "audit", "--audit-db", audit_path, "station", "add", STATION,
                           "--key", public_text, NULL };
      char *import_argv[] = { loa, "audit", "--audit-db", audit_path, "import", bundle_path,
                              NULL };
      export_times[run] = time_command(export_argv);
      time_command(add_argv);
      import_times[run] = time_command(import_argv);
      printf("%3d  %8.3f  %8.3f  (loa commands)\n", run + 1, export_times[run], import_times[run]);
    }
    printf("loa log export --month %s: median %.3f s; loa audit import: median %.3f s "
           "(whole commands; goal < 1 s each)\n",
           label, median(export_times, runs), median(import_times, runs));
  }
  g_free(export_times);
  g_free(import_times);
  loa_db_close(db);
  if (keep == NULL) {
    test_util_remove_tree(dir);
  } else {
    printf("kept %s\n", dir);
  }
  return 0;
}
