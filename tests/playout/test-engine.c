/* The engine alone, in real time, recording its line to a WAV file (the
 * file: output): spots that fail at air time must not leave dead air.
 *   - a decoder that stalls (a FIFO that stops delivering) is failed by the
 *     watchdog within about 2 s and the next spot goes on;
 *   - a missing file fails before its time and the next spot takes its slot. */
#include "airlog.h"
#include "config.h"
#include "engine.h"
#include "loa-time.h"

#include <inttypes.h>
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

/* Feeds half of a 2 s WAV into a FIFO (its writer end, opened by the test),
 * then keeps it open without writing. */
static gpointer
feed_fifo(gpointer data)
{
  FILE *f = data;
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
  /* The writer end is open before the engine opens the FIFO (O_RDWR does not
   * wait for a reader): a reader that came first would see end-of-file. */
  int fd = open(fifo, O_RDWR);
  g_assert_cmpint(fd, >=, 0);
  FILE *writer = fdopen(fd, "wb");
  g_assert_nonnull(writer);
  GThread *feeder = g_thread_new("fifo", feed_fifo, writer);

  Outcome stalled = { .name = "stalled" }, next = { .name = "next" };
  LoaEngineItem items[] = { { .path = fifo, .data = &stalled }, { .path = good, .data = &next } };
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
  LoaEngineItem items[] = { { .path = missing, .data = &gone }, { .path = good, .data = &next } };
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


/* The left channel of a WAV recording (16-bit stereo), as a new array. */
static GArray *
read_recording(const char *path)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  g_assert_true(g_file_get_contents(path, &data, &length, NULL));
  const char *chunk = memmem(data, MIN(length, 4096), "data", 4);
  g_assert_nonnull(chunk);
  const guint8 *p = (const guint8 *)chunk + 8;
  gsize frames = (length - (gsize)(p - (const guint8 *)data)) / 4;
  GArray *left = g_array_sized_new(FALSE, FALSE, sizeof(gint16), (guint)frames);
  for (gsize i = 0; i < frames; i++) {
    gint16 v = (gint16)(p[4 * i] | (p[4 * i + 1] << 8));
    g_array_append_val(left, v);
  }
  return left;
}

/* First frame at or after from that starts a run of 50 frames within 2 of
 * value (so a fade passing through value does not count), or -1. */
static gssize
find_value(GArray *samples, gsize from, gint16 value)
{
  gsize run = 0;
  for (gsize i = from; i < samples->len; i++) {
    run = ABS(g_array_index(samples, gint16, i) - value) <= 2 ? run + 1 : 0;
    if (run == 50)
      return (gssize)(i - 49);
  }
  return -1;
}

static gboolean
run_for(gpointer loop)
{
  g_main_loop_quit(loop);
  return G_SOURCE_REMOVE;
}

static void
spin(GMainLoop *loop, guint ms)
{
  g_timeout_add(ms, run_for, loop);
  g_main_loop_run(loop);
}

/* An emergency cuts in on a spot on air: the spot fades out in 30 ms (no
 * click), is finished interrupted with what it played; the rest of its
 * sequence is handed back; the emergency starts exactly where the fade ends;
 * a priority spot queued after the current one follows it sample for sample. */
static void
test_cut_in(void)
{
  g_autofree char *long_spot = make_wav("long.wav", 8000, RATE * 4);
  g_autofree char *follow = make_wav("follow.wav", 5000, RATE / 2);
  g_autofree char *urgent = make_wav("urgent.wav", 3000, RATE / 2);
  g_autofree char *after = make_wav("after.wav", 1000, RATE / 4);
  g_autofree char *recording = g_build_filename(tmp_dir, "cut-rec.wav", NULL);
  g_autoptr(LoaConfig) config = make_config(recording);
  Run run = { .loop = g_main_loop_new(NULL, FALSE), .pending = 3 };
  LoaEngineCallbacks callbacks = { .finished = on_finished };
  g_autoptr(GError) error = NULL;
  LoaEngine *engine = loa_engine_new(g_ptr_array_index(config->lines, 0), config, &callbacks,
                                     &run, &error);
  g_assert_no_error(error);
  g_assert_true(loa_engine_start(engine, &error));

  Outcome cut = { .name = "cut" }, displaced = { .name = "displaced" },
          emergency = { .name = "emergency" }, next = { .name = "next" };
  LoaEngineItem normal[] = { { .path = long_spot, .data = &cut, .duration_ns = 4 * LOA_NS_PER_SECOND },
                             { .path = follow, .data = &displaced } };
  g_assert_true(loa_engine_queue(engine, loa_time_now_wall_ns() + LOA_NS_PER_SECOND, normal, 2,
                                 &error));
  spin(run.loop, 2000);
  g_assert_cmpint(loa_engine_busy_until(engine), >, loa_time_now_wall_ns() + LOA_NS_PER_SECOND);

  g_autoptr(GPtrArray) taken = loa_engine_cancel_pending(engine);
  g_assert_cmpuint(taken->len, ==, 1);
  g_assert_true(taken->pdata[0] == &displaced);
  gint64 now = loa_time_now_wall_ns();
  gint64 free_at = loa_engine_cut(engine, 0, "emergency test");
  g_assert_cmpint(free_at, >=, now);
  g_assert_cmpint(free_at, <, now + 500 * G_GINT64_CONSTANT(1000000));
  LoaEngineItem cut_in[] = { { .path = urgent, .data = &emergency, .duration_ns = LOA_NS_PER_SECOND / 2 } };
  g_assert_true(loa_engine_queue(engine, free_at, cut_in, 1, &error));
  LoaEngineItem priority[] = { { .path = after, .data = &next } };
  g_assert_true(loa_engine_queue_after(engine, LOA_ENGINE_AFTER_CURRENT, priority, 1, &error));
  run.pending = 3;
  guint timeout = g_timeout_add_seconds(10, quit_loop, run.loop);
  g_main_loop_run(run.loop);
  g_source_remove(timeout);
  loa_engine_free(engine);
  g_main_loop_unref(run.loop);
  g_assert_cmpuint(run.pending, ==, 0);

  g_assert_cmpstr(cut.status, ==, LOA_AIRING_INTERRUPTED);
  g_assert_cmpstr(cut.reason, ==, "emergency test");
  g_assert_cmpstr(emergency.status, ==, LOA_AIRING_COMPLETED);
  g_assert_cmpstr(next.status, ==, LOA_AIRING_COMPLETED);
  g_assert_cmpint(emergency.frames, ==, RATE / 2);
  g_assert_cmpint(next.frames, ==, RATE / 4);
  g_assert_null(displaced.status); /* handed back: never finished by the engine */

  g_autoptr(GArray) samples = read_recording(recording);
  gssize a = find_value(samples, 0, 8000);
  gssize e = find_value(samples, (gsize)MAX(a, 0), 3000);
  gssize n = find_value(samples, (gsize)MAX(e, 0), 1000);
  g_assert_cmpint(a, >=, 0);
  g_assert_cmpint(e, >, a);
  g_assert_cmpint(n, >, e);
  /* The log agrees with the recording: the cut spot's frames end where the
   * emergency starts, and the priority spot abuts the emergency. */
  g_assert_cmpint(n - e, ==, RATE / 2);
  g_assert_cmpint(ABS((e - a) - cut.frames), <=, 1);
  /* The fade: the last 30 ms before the emergency fall from 8000 to 0 in
   * small steps; nothing before it. */
  gssize fade = (gssize)(RATE * 30 / 1000);
  gint max_step = 0;
  for (gssize i = e - fade - 1; i < e; i++) {
    gint step = ABS(g_array_index(samples, gint16, i + 1) - g_array_index(samples, gint16, i));
    if (i + 1 < e)
      max_step = MAX(max_step, step);
  }
  g_test_message("cut: %" PRId64 " frames, fade max step %d", cut.frames, max_step);
  g_assert_cmpint(ABS(g_array_index(samples, gint16, e - fade - 2) - 8000), <=, 2);
  g_assert_cmpint(max_step, <, 20);
  g_assert_cmpint(ABS(g_array_index(samples, gint16, e - 1)), <, 20);
  outcome_clear(&cut);
  outcome_clear(&emergency);
  outcome_clear(&next);
}

/* Encodes 3 s of tone with encoder (a gst-launch fragment) into name, then
 * overwrites 3000 bytes in its middle with garbage. Returns the path. */
static char *
make_damaged(const char *name, const char *encoder)
{
  char *path = g_build_filename(tmp_dir, name, NULL);
  g_autofree char *command = g_strdup_printf(
    "gst-launch-1.0 -q audiotestsrc num-buffers=150 ! audio/x-raw,rate=48000,channels=2 ! "
    "audioconvert ! %s ! filesink location='%s'", encoder, path);
  g_assert_cmpint(system(command), ==, 0);
  g_autofree char *data = NULL;
  gsize length = 0;
  g_assert_true(g_file_get_contents(path, &data, &length, NULL));
  GRand *rand = g_rand_new_with_seed(7);
  for (gsize i = length / 2; i < length / 2 + 3000 && i < length; i++)
    data[i] = (char)g_rand_int_range(rand, 0, 256);
  g_rand_free(rand);
  g_assert_true(g_file_set_contents(path, data, (gssize)length, NULL));
  return path;
}

/* A file damaged in the middle (FLAC, Ogg Vorbis) fails at the damage with
 * the decoder's reason, having played its first part, and the next spot of
 * the sequence takes over: never dead air because of a file. */
static void
test_damaged_mid_file(void)
{
  g_autofree char *flac = make_damaged("damaged.flac", "flacenc");
  g_autofree char *ogg = make_damaged("damaged.ogg", "vorbisenc ! oggmux");
  g_autofree char *good = make_wav("after-damage.wav", 2000, RATE / 2);
  g_autofree char *recording = g_build_filename(tmp_dir, "damage-rec.wav", NULL);
  Outcome bad_flac = { .name = "damaged flac" }, next1 = { .name = "next 1" },
          bad_ogg = { .name = "damaged ogg" }, next2 = { .name = "next 2" };
  /* 150 buffers of 1024 frames: 3.2 s, as ingest would have measured. */
  const gint64 full = 150 * 1024 * LOA_NS_PER_SECOND / RATE;
  LoaEngineItem items[] = {
    { .path = flac, .data = &bad_flac, .duration_ns = full },
    { .path = good, .data = &next1, .duration_ns = LOA_NS_PER_SECOND / 2 },
    { .path = ogg, .data = &bad_ogg, .duration_ns = full },
    { .path = good, .data = &next2, .duration_ns = LOA_NS_PER_SECOND / 2 },
  };
  Run run = { 0 };
  air(recording, items, 4, 1.0, &run);
  Outcome *damaged[] = { &bad_flac, &bad_ogg };
  for (guint i = 0; i < G_N_ELEMENTS(damaged); i++) {
    g_test_message("%s: %s, %" PRId64 " frames: %s", damaged[i]->name, damaged[i]->status,
                   damaged[i]->frames, damaged[i]->reason ? damaged[i]->reason : "");
    g_assert_cmpstr(damaged[i]->status, ==, LOA_AIRING_FAILED);
    g_assert_nonnull(damaged[i]->reason);
    /* It played up to the damage (parsers skip what they cannot read), not all 3.2 s. */
    g_assert_cmpint(damaged[i]->frames, >, RATE / 2);
    g_assert_cmpint(damaged[i]->frames, <, 150 * 1024);
  }
  g_assert_cmpstr(next1.status, ==, LOA_AIRING_COMPLETED);
  g_assert_cmpstr(next2.status, ==, LOA_AIRING_COMPLETED);
  /* The next spot follows the failed one within the decoder's reaction time. */
  g_assert_cmpint(next1.started_at - bad_flac.ended_at, <, 300 * G_GINT64_CONSTANT(1000000));
  g_assert_cmpint(next2.started_at - bad_ogg.ended_at, <, 300 * G_GINT64_CONSTANT(1000000));
  outcome_clear(&bad_flac);
  outcome_clear(&next1);
  outcome_clear(&bad_ogg);
  outcome_clear(&next2);
}

/* Cues and gain: only the frames between cue-in and cue-out air, at the gain. */
static void
test_cues_and_gain(void)
{
  g_autofree char *spot = make_wav("cued.wav", 4000, RATE);
  g_autofree char *recording = g_build_filename(tmp_dir, "cue-rec.wav", NULL);
  Outcome cued = { .name = "cued" };
  LoaEngineItem items[] = { { .path = spot, .data = &cued, .gain_db = -6.0206,
                              .cue_in_ns = LOA_NS_PER_SECOND / 4,
                              .cue_out_ns = LOA_NS_PER_SECOND * 3 / 4 } };
  Run run = { 0 };
  air(recording, items, 1, 1.0, &run);
  g_assert_cmpstr(cued.status, ==, LOA_AIRING_COMPLETED);
  g_assert_cmpint(cued.frames, ==, RATE / 2);
  g_autoptr(GArray) samples = read_recording(recording);
  gssize first = find_value(samples, 0, 2000);
  g_assert_cmpint(first, >=, 0);
  gssize count = 0;
  for (gsize i = (gsize)first; i < samples->len && ABS(g_array_index(samples, gint16, i) - 2000) <= 2; i++)
    count++;
  g_assert_cmpint(count, ==, RATE / 2);
  outcome_clear(&cued);
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
  g_test_add_func("/playout/engine/cut-in", test_cut_in);
  g_test_add_func("/playout/engine/cues-and-gain", test_cues_and_gain);
  g_test_add_func("/playout/engine/damaged-mid-file", test_damaged_mid_file);
  int rc = g_test_run();
  g_autofree char *rm = g_strdup_printf("rm -rf '%s'", tmp_dir);
  if (system(rm) != 0)
    g_printerr("could not remove %s\n", tmp_dir);
  g_free(tmp_dir);
  gst_deinit();
  return rc;
}
