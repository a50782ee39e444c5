/* The engine alone, in real time, recording its line to a WAV file (the
 * file: output): spots that fail at air time must not leave dead air.
 *   - a decoder that stalls (a FIFO that stops delivering) is failed by the
 *     watchdog within about 2 s and the next spot goes on;
 *   - a missing file fails before its time and the next spot takes its slot. */
#include "airlog.h"
#include "config.h"
#include "engine.h"
#include "loa-time.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RATE 48000

static char *tmp_dir;

typedef struct {
  const char *name;
  char *status;
  char *reason;
  gint64 started_at, ended_at, frames;
  gint64 finished_mono;  /* when finished() was called */
} Outcome;

typedef struct {
  GMainLoop *loop;
  guint pending;
} Run;

static void
on_finished(gpointer item_data, const LoaEngineOutcome *outcome, gpointer user_data)
{
  Outcome *o = item_data;
  Run *run = user_data;
  o->status = g_strdup(outcome->status);
  o->reason = g_strdup(outcome->reason);
  o->started_at = outcome->started_at;
  o->ended_at = outcome->ended_at;
  o->frames = outcome->frames;
  o->finished_mono = loa_time_now_monotonic_ns();
  g_test_message("%s: %s %s", o->name, o->status, o->reason ? o->reason : "");
  if (--run->pending == 0)
    g_main_loop_quit(run->loop);
}

static void
write_le(FILE *f, guint32 v, int n)
{
  for (int i = 0; i < n; i++)
    fputc((int)((v >> (8 * i)) & 0xff), f);
}

static void
write_wav_header(FILE *f, guint32 frames)
{
  fputs("RIFF", f);
  write_le(f, 36 + frames * 4, 4);
  fputs("WAVEfmt ", f);
  write_le(f, 16, 4);
  write_le(f, 1, 2);
  write_le(f, 2, 2);
  write_le(f, RATE, 4);
  write_le(f, RATE * 4, 4);
  write_le(f, 4, 2);
  write_le(f, 16, 2);
  fputs("data", f);
  write_le(f, frames * 4, 4);
}

static void
write_frames(FILE *f, gint16 value, guint32 frames)
{
  for (guint32 i = 0; i < frames * 2; i++)
    write_le(f, (guint16)value, 2);
}

static char *
make_wav(const char *name, gint16 value, guint32 frames)
{
  char *path = g_build_filename(tmp_dir, name, NULL);
  FILE *f = fopen(path, "wb");
  g_assert_nonnull(f);
  write_wav_header(f, frames);
  write_frames(f, value, frames);
  g_assert_cmpint(fclose(f), ==, 0);
  return path;
}

/* Feeds half of a 2 s WAV into a FIFO, then keeps it open without writing. */
static gpointer
feed_fifo(gpointer data)
{
  const char *path = data;
  FILE *f = fopen(path, "wb");
  if (f == NULL)
    return NULL;
  write_wav_header(f, RATE * 2);
  write_frames(f, 1000, RATE / 2);
  fflush(f);
  g_usleep(8 * G_USEC_PER_SEC);
  fclose(f);
  return NULL;
}

static LoaConfig *
make_config(const char *recording)
{
  g_autofree char *path = g_build_filename(tmp_dir, "loa.cfg", NULL);
  g_autofree char *text = g_strdup_printf(
    "station = { id = \"engine-test\"; };\n"
    "lines = ( { id = \"a\"; output = \"file:%s\"; } );\n", recording);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  g_autoptr(GError) error = NULL;
  LoaConfig *config = loa_config_load(path, &error);
  g_assert_no_error(error);
  return config;
}

static gboolean
quit_loop(gpointer loop)
{
  g_main_loop_quit(loop);
  return G_SOURCE_REMOVE;
}

/* Runs items on a fresh engine; start is `lead` seconds from now. */
static void
air(const char *recording, LoaEngineItem *items, guint n, double lead, Run *run)
{
  g_autoptr(LoaConfig) config = make_config(recording);
  LoaEngineCallbacks callbacks = { .finished = on_finished };
  g_autoptr(GError) error = NULL;
  run->loop = g_main_loop_new(NULL, FALSE);
  run->pending = n;
  LoaEngine *engine = loa_engine_new(g_ptr_array_index(config->lines, 0), config, &callbacks,
                                     run, &error);
  g_assert_no_error(error);
  g_assert_true(loa_engine_start(engine, &error));
  gint64 start = loa_time_now_wall_ns() + (gint64)(lead * 1e9);
  g_assert_true(loa_engine_queue(engine, start, items, n, &error));
  guint timeout = g_timeout_add_seconds(20, quit_loop, run->loop);
  g_main_loop_run(run->loop);
  g_source_remove(timeout);
  loa_engine_free(engine);
  g_main_loop_unref(run->loop);
  g_assert_cmpuint(run->pending, ==, 0);
}

static void
outcome_clear(Outcome *o)
{
  g_free(o->status);
  g_free(o->reason);
}

static void
test_stalled_decoder(void)
{
  g_autofree char *fifo = g_build_filename(tmp_dir, "stall.wav", NULL);
  g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
  g_autofree char *good = make_wav("after-stall.wav", 2000, RATE / 2);
  g_autofree char *recording = g_build_filename(tmp_dir, "stall-rec.wav", NULL);
  GThread *feeder = g_thread_new("fifo", feed_fifo, fifo);

  Outcome stalled = { .name = "stalled" }, next = { .name = "next" };
  LoaEngineItem items[] = { { fifo, &stalled }, { good, &next } };
  Run run = { 0 };
  air(recording, items, 2, 1.5, &run);

  g_assert_cmpstr(stalled.status, ==, LOA_AIRING_FAILED);
  g_assert_nonnull(strstr(stalled.reason, "stalled"));
  /* It played what it delivered before stalling: how much of the half second
   * in the FIFO the parser passed on before waiting for more varies. */
  g_assert_cmpint(stalled.frames, >, 0);
  g_assert_cmpint(stalled.frames, <=, RATE / 2);
  g_assert_cmpstr(next.status, ==, LOA_AIRING_COMPLETED);
  g_assert_cmpint(next.frames, ==, RATE / 2);
  /* The watchdog gives a stalled decoder 2 s; the next spot follows soon after. */
  gint64 silence = next.started_at - stalled.ended_at;
  g_test_message("silence after the stall: %.3f s", (double)silence / 1e9);
  g_assert_cmpint(silence, >=, 2 * LOA_NS_PER_SECOND);
  g_assert_cmpint(silence, <, 3 * LOA_NS_PER_SECOND);
  g_thread_join(feeder);
  outcome_clear(&stalled);
  outcome_clear(&next);
}

static void
test_missing_file(void)
{
  g_autofree char *missing = g_build_filename(tmp_dir, "no-such.wav", NULL);
  g_autofree char *good = make_wav("after-missing.wav", 2000, RATE / 2);
  g_autofree char *recording = g_build_filename(tmp_dir, "missing-rec.wav", NULL);
  Outcome gone = { .name = "missing" }, next = { .name = "next" };
  LoaEngineItem items[] = { { missing, &gone }, { good, &next } };
  Run run = { 0 };
  gint64 before = loa_time_now_wall_ns();
  air(recording, items, 2, 1.5, &run);
  g_assert_cmpstr(gone.status, ==, LOA_AIRING_FAILED);
  g_assert_nonnull(strstr(gone.reason, "No such file"));
  g_assert_cmpint(gone.frames, ==, 0);
  g_assert_cmpstr(next.status, ==, LOA_AIRING_COMPLETED);
  /* It took the missing spot's slot: its time, give or take scheduling noise. */
  gint64 late = next.started_at - (before + 1500 * G_GINT64_CONSTANT(1000000));
  g_assert_cmpint(late, >, -50 * G_GINT64_CONSTANT(1000000));
  g_assert_cmpint(late, <, 50 * G_GINT64_CONSTANT(1000000));
  outcome_clear(&gone);
  outcome_clear(&next);
}

int
main(int argc, char **argv)
{
  /* The FIFO's writer must see EPIPE, not die, if the engine closes it. */
  signal(SIGPIPE, SIG_IGN);
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp("loa-engine-XXXXXX", NULL);
  g_test_add_func("/playout/engine/stalled-decoder", test_stalled_decoder);
  g_test_add_func("/playout/engine/missing-file", test_missing_file);
  int rc = g_test_run();
  g_autofree char *rm = g_strdup_printf("rm -rf '%s'", tmp_dir);
  if (system(rm) != 0)
    g_printerr("could not remove %s\n", tmp_dir);
  g_free(tmp_dir);
  gst_deinit();
  return rc;
}
