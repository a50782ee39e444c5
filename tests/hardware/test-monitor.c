/* Line monitoring (hardware/monitor.c) against a capture device that plays a
 * prepared signal in real time.
 *
 * The device is ALSA's `file` plugin over `null` with an `infile`: what a
 * capture reads comes from that file. `null` is not paced, so the infile is a
 * FIFO that a writer thread here fills in real time, 20 ms at a time (one
 * atomic pipe write), each chunk once its last frame is due: frame k is "on
 * the line" at t0 + k / rate, and that is the truth the monitor's verdicts and
 * times are checked against. The monitor reads 10 ms per read, so every read
 * is whole. A monitor without a device, fed levels by hand, covers the
 * output-meter path without real time. */
#include "monitor.h"

#include "../common/test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RATE 48000
#define CHUNK_FRAMES (RATE / 50)          /* 20 ms */
#define TONE_HZ 997.0
#define TONE_PEAK 0.1                     /* -20 dBFS peak, -23 dBFS RMS */
#define THRESHOLD_DBFS -45.0
#define NS_PER_SECOND ((gint64)1000000000)

static char *work_dir;
static char *fifo_path;

static gint64
clock_ns(clockid_t clock)
{
  struct timespec now;
  clock_gettime(clock, &now);
  return (gint64)now.tv_sec * NS_PER_SECOND + now.tv_nsec;
}

/* The line return: a tone in frames [tone_from, tone_to), silence elsewhere,
 * written into the FIFO in real time until stopped. */
typedef struct {
  gint64 tone_from;            /* first frame of the tone */
  gint64 tone_to;              /* one past its last frame */
  gint stop;                   /* atomic: finish */
  gint64 t0_wall_ns;           /* atomic once started: wall time of frame 0 (0 before) */
  GThread *thread;             /* the writer */
} Feed;

static gpointer
feed_thread(gpointer data)
{
  Feed *feed = data;
  int fd = open(fifo_path, O_WRONLY); /* waits for the monitor to open the PCM */
  g_assert_cmpint(fd, >=, 0);
  gint64 t0_mono = clock_ns(CLOCK_MONOTONIC);
  __atomic_store_n(&feed->t0_wall_ns, clock_ns(CLOCK_REALTIME), __ATOMIC_SEQ_CST);
  gint16 chunk[CHUNK_FRAMES];
  for (gint64 c = 0; !g_atomic_int_get(&feed->stop); c++) {
    for (gint64 i = 0; i < CHUNK_FRAMES; i++) {
      gint64 k = c * CHUNK_FRAMES + i;
      double x = k >= feed->tone_from && k < feed->tone_to
                     ? TONE_PEAK * sin(2.0 * G_PI * TONE_HZ * (double)k / RATE) : 0.0;
      chunk[i] = GINT16_TO_LE((gint16)lround(x * 32767.0));
    }
    gint64 due = t0_mono + (c + 1) * NS_PER_SECOND / 50;
    struct timespec at = { (time_t)(due / NS_PER_SECOND), (long)(due % NS_PER_SECOND) };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) == EINTR)
      ;
    if (write(fd, chunk, sizeof chunk) != (ssize_t)sizeof chunk)
      break; /* the monitor closed the PCM (EPIPE) */
  }
  close(fd);
  return NULL;
}

/* Starts feeding a fresh FIFO with a tone in [tone_from_s, tone_to_s). */
static void
feed_start(Feed *feed, double tone_from_s, double tone_to_s)
{
  g_unlink(fifo_path);
  g_assert_cmpint(mkfifo(fifo_path, 0600), ==, 0);
  *feed = (Feed){ .tone_from = llround(tone_from_s * RATE), .tone_to = llround(tone_to_s * RATE) };
  feed->thread = g_thread_new("feed", feed_thread, feed);
}

/* Wall time of frame 0, once the monitor has opened the device. */
static gint64
feed_t0(Feed *feed)
{
  gint64 t0;
  for (int i = 0; (t0 = __atomic_load_n(&feed->t0_wall_ns, __ATOMIC_SEQ_CST)) == 0; i++) {
    g_assert_cmpint(i, <, 500);
    g_usleep(10000);
  }
  return t0;
}

static void
feed_stop(Feed *feed)
{
  g_atomic_int_set(&feed->stop, 1);
  g_thread_join(feed->thread);
  g_unlink(fifo_path);
}

/* Iterates the default main context until wall time until_ns. */
static void
run_until(gint64 until_ns)
{
  while (clock_ns(CLOCK_REALTIME) < until_ns) {
    while (g_main_context_iteration(NULL, FALSE))
      ;
    g_usleep(5000);
  }
  while (g_main_context_iteration(NULL, FALSE))
    ;
}

/* What the dead-air callback saw. */
typedef struct {
  int calls;                   /* times called */
  char *line_id;               /* line of the last call */
  gint64 silent_since_wall_ns; /* of the last call */
  gint64 called_at_wall_ns;    /* when the last call came */
} DeadAir;

static void
on_dead_air(const char *line_id, gint64 silent_since_wall_ns, gpointer user_data)
{
  DeadAir *seen = user_data;
  seen->calls++;
  g_free(seen->line_id);
  seen->line_id = g_strdup(line_id);
  seen->silent_since_wall_ns = silent_since_wall_ns;
  seen->called_at_wall_ns = clock_ns(CLOCK_REALTIME);
}

/* Feeds a tone in [tone_from_s, tone_to_s) (seconds of stream), judges the
 * window [window_from_s, window_to_s) right after its end. */
static void
run_case(double tone_from_s, double tone_to_s, double window_from_s, double window_to_s,
         LoaMonitorResult *result, DeadAir *seen)
{
  Feed feed;
  feed_start(&feed, tone_from_s, tone_to_s);
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaMonitor) monitor =
      loa_monitor_new("an-hoa", "alsa:mon", THRESHOLD_DBFS, on_dead_air, seen, &error);
  g_assert_no_error(error);
  g_assert_true(loa_monitor_start(monitor, &error));
  g_assert_no_error(error);
  gint64 t0 = feed_t0(&feed);
  int airing = 0;
  gint64 start = t0 + (gint64)(window_from_s * NS_PER_SECOND);
  gint64 end = t0 + (gint64)(window_to_s * NS_PER_SECOND);
  loa_monitor_begin(monitor, &airing, start, end);
  run_until(end);
  loa_monitor_end(monitor, &airing, result);
  g_test_message("tone [%.1f, %.1f) s, window [%.1f, %.1f) s: %s, %.3f present, %s %.2f LUFS",
                 tone_from_s, tone_to_s, window_from_s, window_to_s, result->verdict,
                 result->present_fraction, result->loudness_known ? "loudness" : "no loudness",
                 result->loudness_lufs);
  loa_monitor_stop(monitor);
  feed_stop(&feed);
  if (seen != NULL && seen->calls > 0) {
    seen->silent_since_wall_ns -= start; /* relative to the window, for the caller */
    seen->called_at_wall_ns -= start;
  }
}

/* The program throughout the window: present, at the tone's loudness (a
 * 997 Hz sine at -20 dBFS peak on a mono line heard on both sides: -20 LUFS). */
static void
test_present(void)
{
  LoaMonitorResult result;
  DeadAir seen = { 0 };
  run_case(0.0, 10.0, 1.0, 4.0, &result, &seen);
  g_assert_cmpstr(result.verdict, ==, "present");
  g_assert_cmpfloat(result.present_fraction, >=, 0.97);
  g_assert_true(result.loudness_known);
  g_assert_cmpfloat_with_epsilon(result.loudness_lufs, -20.0, 0.5);
  g_assert_cmpint(seen.calls, ==, 0);
}

/* Silence throughout: absent, no loudness, and dead air within 5 s of the
 * window's start, once, dated at the start of the silence. */
static void
test_absent(void)
{
  LoaMonitorResult result;
  DeadAir seen = { 0 };
  g_test_expect_message("loa-monitor", G_LOG_LEVEL_WARNING, "line 'an-hoa': dead air:*");
  run_case(0.0, 0.0, 0.5, 6.5, &result, &seen);
  g_test_assert_expected_messages();
  g_assert_cmpstr(result.verdict, ==, "absent");
  g_assert_cmpfloat(result.present_fraction, ==, 0.0);
  g_assert_false(result.loudness_known);
  g_assert_true(isnan(result.loudness_lufs));
  g_assert_cmpint(seen.calls, ==, 1);
  g_assert_cmpstr(seen.line_id, ==, "an-hoa");
  g_test_message("dead air: silent since %+.3f s, called at %+.3f s (window start = 0)",
                 (double)seen.silent_since_wall_ns / NS_PER_SECOND,
                 (double)seen.called_at_wall_ns / NS_PER_SECOND);
  g_assert_cmpint(seen.silent_since_wall_ns, >=, -LOA_MONITOR_BLOCK_NS);
  g_assert_cmpint(seen.silent_since_wall_ns, <=, LOA_MONITOR_BLOCK_NS);
  g_assert_cmpint(seen.called_at_wall_ns, >=, LOA_MONITOR_DEAD_AIR_NS - LOA_MONITOR_BLOCK_NS);
  g_assert_cmpint(seen.called_at_wall_ns, <=, 5 * NS_PER_SECOND);
  g_free(seen.line_id);
}

/* The program for the first half of the window only: partial, about 0.5; the
 * 2 s of silence are no dead air; loudness is the tone's (silence is gated). */
static void
test_partial(void)
{
  LoaMonitorResult result;
  DeadAir seen = { 0 };
  run_case(0.0, 3.0, 1.0, 5.0, &result, &seen);
  g_assert_cmpstr(result.verdict, ==, "partial");
  g_assert_cmpfloat_with_epsilon(result.present_fraction, 0.5, 0.05);
  g_assert_true(result.loudness_known);
  g_assert_cmpfloat_with_epsilon(result.loudness_lufs, -20.0, 1.0);
  g_assert_cmpint(seen.calls, ==, 0);
}

/* A monitor without a device fed 100 ms levels (the output's level meter):
 * verdicts from the blocks alone, dead air once per silence, no loudness. */
static void
test_fed_levels(void)
{
  DeadAir seen = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaMonitor) monitor =
      loa_monitor_new("cai-khe", NULL, THRESHOLD_DBFS, on_dead_air, &seen, &error);
  g_assert_no_error(error);
  g_assert_true(loa_monitor_start(monitor, &error));
  const gint64 base = (gint64)1800000000 * NS_PER_SECOND;
  const gint64 block = LOA_MONITOR_BLOCK_NS;
  int airing = 0, other = 0;
  loa_monitor_begin(monitor, &airing, base, base + 20 * NS_PER_SECOND);

  /* 3 s program, 6 s silence (dead air), 2 s program, 5 s silence (dead air
   * again), 4 s program. level reports -700 dB for digital silence. */
  g_test_expect_message("loa-monitor", G_LOG_LEVEL_WARNING, "line 'cai-khe': dead air:*");
  g_test_expect_message("loa-monitor", G_LOG_LEVEL_WARNING, "line 'cai-khe': dead air:*");
  for (gint64 i = 0; i < 200; i++) {
    gboolean program = i < 30 || (i >= 90 && i < 110) || i >= 160;
    loa_monitor_add_block(monitor, base + i * block, block, program ? -23.0 : -700.0);
    if (i == 89) {
      while (g_main_context_iteration(NULL, FALSE))
        ;
      g_assert_cmpint(seen.calls, ==, 1);
      g_assert_cmpint(seen.silent_since_wall_ns, ==, base + 30 * block);
    }
  }
  while (g_main_context_iteration(NULL, FALSE))
    ;
  g_test_assert_expected_messages();
  g_assert_cmpint(seen.calls, ==, 2);
  g_assert_cmpstr(seen.line_id, ==, "cai-khe");
  g_assert_cmpint(seen.silent_since_wall_ns, ==, base + 110 * block);

  LoaMonitorResult result;
  loa_monitor_end(monitor, &airing, &result);
  g_assert_cmpstr(result.verdict, ==, "partial");
  g_assert_cmpfloat_with_epsilon(result.present_fraction, 0.45, 1e-9);
  g_assert_false(result.loudness_known);

  /* A window nothing was measured for is absent; one that overlaps the
   * blocks by half a block at each side counts exactly the overlap. */
  loa_monitor_begin(monitor, &other, base + 100 * NS_PER_SECOND, base + 101 * NS_PER_SECOND);
  loa_monitor_end(monitor, &other, &result);
  g_assert_cmpstr(result.verdict, ==, "absent");
  g_assert_cmpfloat(result.present_fraction, ==, 0.0);
  loa_monitor_begin(monitor, &other, base + 160 * block + block / 2, base + 200 * block - block / 2);
  loa_monitor_end(monitor, &other, &result);
  g_assert_cmpstr(result.verdict, ==, "present");
  g_assert_cmpfloat_with_epsilon(result.present_fraction, 1.0, 1e-9);

  /* Silence outside every window is no dead air. */
  for (gint64 i = 200; i < 300; i++)
    loa_monitor_add_block(monitor, base + i * block, block, -700.0);
  while (g_main_context_iteration(NULL, FALSE))
    ;
  g_assert_cmpint(seen.calls, ==, 2);
  g_free(seen.line_id);
}

/* A dead-air call still queued when the monitor stops is dropped. */
static void
test_stop_drops_pending(void)
{
  DeadAir seen = { 0 };
  g_autoptr(LoaMonitor) monitor =
      loa_monitor_new("cai-khe", NULL, THRESHOLD_DBFS, on_dead_air, &seen, NULL);
  int airing = 0;
  loa_monitor_begin(monitor, &airing, 0, 10 * NS_PER_SECOND);
  g_test_expect_message("loa-monitor", G_LOG_LEVEL_WARNING, "line 'cai-khe': dead air:*");
  for (gint64 i = 0; i < 50; i++)
    loa_monitor_add_block(monitor, i * LOA_MONITOR_BLOCK_NS, LOA_MONITOR_BLOCK_NS, -80.0);
  g_test_assert_expected_messages();
  loa_monitor_stop(monitor);
  while (g_main_context_iteration(NULL, FALSE))
    ;
  g_assert_cmpint(seen.calls, ==, 0);
}

/* Wrong settings and missing devices fail with the line and the reason. */
static void
test_errors(void)
{
  g_autoptr(GError) error = NULL;
  LoaMonitor *monitor = loa_monitor_new("an-hoa", "hw:1,0", THRESHOLD_DBFS, NULL, NULL, &error);
  g_assert_null(monitor);
  g_assert_error(error, LOA_MONITOR_ERROR, LOA_MONITOR_ERROR_INVALID);
  g_assert_nonnull(strstr(error->message, "an-hoa"));
  g_clear_error(&error);

  monitor = loa_monitor_new("an-hoa", "alsa:no-such-pcm", THRESHOLD_DBFS, NULL, NULL, &error);
  g_assert_no_error(error);
  g_assert_false(loa_monitor_start(monitor, &error));
  g_assert_error(error, LOA_MONITOR_ERROR, LOA_MONITOR_ERROR_DEVICE);
  g_assert_nonnull(strstr(error->message, "an-hoa"));
  g_assert_nonnull(strstr(error->message, "no-such-pcm"));
  g_assert_nonnull(strstr(error->message, "snd_pcm_open"));
  loa_monitor_free(monitor);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  signal(SIGPIPE, SIG_IGN); /* the feed writes into a FIFO the monitor has closed */

  work_dir = test_util_make_dir("loa-test-monitor-XXXXXX");
  fifo_path = g_build_filename(work_dir, "line-return.fifo", NULL);
  g_autofree char *asoundrc_text = g_strdup_printf(
      "pcm.mon {\n  type file\n  slave.pcm \"null\"\n  file \"/dev/null\"\n  format \"raw\"\n"
      "  infile \"%s\"\n}\n", fifo_path);
  g_autofree char *asoundrc = test_util_write(work_dir, "asoundrc", asoundrc_text);
  /* Before the first ALSA call, which reads the configuration once. */
  g_autofree char *config_path = g_strdup_printf("/usr/share/alsa/alsa.conf:%s", asoundrc);
  g_setenv("ALSA_CONFIG_PATH", config_path, TRUE);

  g_test_add_func("/monitor/errors", test_errors);
  g_test_add_func("/monitor/fed-levels", test_fed_levels);
  g_test_add_func("/monitor/stop-drops-pending", test_stop_drops_pending);
  g_test_add_func("/monitor/present", test_present);
  g_test_add_func("/monitor/absent", test_absent);
  g_test_add_func("/monitor/partial", test_partial);
  int status = g_test_run();

  test_util_remove_tree(work_dir);
  g_free(fifo_path);
  g_free(work_dir);
  return status;
}
