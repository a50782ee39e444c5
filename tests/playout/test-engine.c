/* The engine alone, recording its line to a WAV file (the file: output).
 *
 * Most cases run on a GstTestClock that a driver thread advances SPEED times
 * faster than real time (loa_engine_use_clock()): the pipeline, the mixer's
 * deadlines (it makes the silence) and the sink all wait on that clock, so the
 * placement code is exactly the one that airs, and wall times are exact
 * (wall = clock + a fixed offset). Checked there: exact placement of mixed
 * formats and rates, abutting sequences, priorities (after the current spot,
 * after the sequence, a cut at a given time with its fade), late queues,
 * cues and gain, and failures at air time (a missing file, files damaged in
 * the middle). The stalled decoder stays in real time: its FIFO is fed by a
 * thread that sleeps in real time, and the watchdog polls in real time. */
#include "airlog.h"
#include "config.h"
#include "engine.h"
#include "engine-private.h"
#include "loa-time.h"
#include "fast-clock.h"

#include <inttypes.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RATE 48000
#define MS (G_GINT64_CONSTANT(1000000))

static char *tmp_dir;

typedef struct {
  const char *name;
  char *status;
  char *reason;
  gint64 started_at, ended_at, frames;
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
write_wav_header_as(FILE *f, guint32 frames, guint32 rate, guint32 channels)
{
  fputs("RIFF", f);
  write_le(f, 36 + frames * 2 * channels, 4);
  fputs("WAVEfmt ", f);
  write_le(f, 16, 4);
  write_le(f, 1, 2);
  write_le(f, channels, 2);
  write_le(f, rate, 4);
  write_le(f, rate * 2 * channels, 4);
  write_le(f, 2 * channels, 2);
  write_le(f, 16, 2);
  fputs("data", f);
  write_le(f, frames * 2 * channels, 4);
}

static void
write_wav_header(FILE *f, guint32 frames)
{
  write_wav_header_as(f, frames, RATE, 2);
}

static void
write_frames(FILE *f, gint16 value, guint32 frames)
{
  for (guint32 i = 0; i < frames * 2; i++)
    write_le(f, (guint16)value, 2);
}

/* A WAV of constant value (16-bit, rate, channels). Returns the path. */
static char *
make_wav_as(const char *name, gint16 value, guint32 frames, guint32 rate, guint32 channels)
{
  char *path = g_build_filename(tmp_dir, name, NULL);
  FILE *f = fopen(path, "wb");
  g_assert_nonnull(f);
  write_wav_header_as(f, frames, rate, channels);
  for (guint32 i = 0; i < frames * channels; i++)
    write_le(f, (guint16)value, 2);
  g_assert_cmpint(fclose(f), ==, 0);
  return path;
}

static char *
make_wav(const char *name, gint16 value, guint32 frames)
{
  return make_wav_as(name, value, frames, RATE, 2);
}

/* Encodes a WAV with a gst-launch encoder fragment. Returns the new path. */
static char *
encode(const char *wav, const char *name, const char *encoder)
{
  char *path = g_build_filename(tmp_dir, name, NULL);
  g_autofree char *command = g_strdup_printf(
    "gst-launch-1.0 -q filesrc location='%s' ! wavparse ! audioconvert ! %s ! "
    "filesink location='%s'", wav, encoder, path);
  g_assert_cmpint(system(command), ==, 0);
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

/* A station whose line "a" records to recording; extra is more config text. */
static LoaConfig *
make_config_with(const char *recording, const char *extra)
{
  g_autofree char *path = g_build_filename(tmp_dir, "loa.cfg", NULL);
  g_autofree char *text = g_strdup_printf(
    "station = { id = \"engine-test\"; };\n"
    "lines = ( { id = \"a\"; output = \"file:%s\"; } );\n%s", recording, extra);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  g_autoptr(GError) error = NULL;
  LoaConfig *config = loa_config_load(path, &error);
  g_assert_no_error(error);
  return config;
}

static LoaConfig *
make_config(const char *recording)
{
  return make_config_with(recording, "");
}

/* One line recording to a file, on the fast clock or in real time. */
typedef struct {
  LoaConfig *config;
  LoaEngine *engine;
  FastClock *fc;  /* NULL: real time */
  Run run;
  gboolean timed_out;
} Rig;

static gint64
rig_now(const Rig *rig)
{
  if (rig->fc == NULL)
    return loa_time_now_wall_ns();
  return fast_clock_now_wall(rig->fc);
}

static void
rig_start(Rig *rig, const char *recording, gboolean fast)
{
  rig->config = make_config(recording);
  rig->run.loop = g_main_loop_new(NULL, FALSE);
  LoaEngineCallbacks callbacks = { .finished = on_finished };
  g_autoptr(GError) error = NULL;
  rig->engine = loa_engine_new(g_ptr_array_index(rig->config->lines, 0), rig->config,
                               &callbacks, &rig->run, &error);
  g_assert_no_error(error);
  if (fast) {
    rig->fc = fast_clock_new(0);
    fast_clock_attach(rig->fc, rig->engine);
  }
  g_assert_true(loa_engine_start(rig->engine, &error));
  g_assert_no_error(error);
}

static gboolean
give_up(gpointer data)
{
  Rig *rig = data;
  rig->timed_out = TRUE;
  g_main_loop_quit(rig->run.loop);
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until every item expected (rig->run.pending, set before
 * queueing: an item can fail while it is queued) has finished; at most 30 s
 * of real time. */
static void
rig_wait(Rig *rig)
{
  guint timeout = g_timeout_add_seconds(30, give_up, rig);
  while (rig->run.pending > 0 && !rig->timed_out)
    g_main_loop_run(rig->run.loop);
  if (!rig->timed_out)
    g_source_remove(timeout);
  g_assert_false(rig->timed_out);
  g_assert_cmpuint(rig->run.pending, ==, 0);
}

static gboolean
check_time(gpointer data)
{
  Rig *rig = data;
  g_main_loop_quit(rig->run.loop);
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until the rig's wall time is at least wall. */
static void
rig_run_until(Rig *rig, gint64 wall)
{
  while (rig_now(rig) < wall) {
    g_timeout_add(1, check_time, rig);
    g_main_loop_run(rig->run.loop);
  }
}

/* Stops the fast clock until what is queued next is prepared: call before
 * queueing (building a branch takes real time, during which the clock
 * would otherwise run on). */
static void
rig_hold(Rig *rig)
{
  if (rig->fc == NULL)
    return;
  fast_clock_hold(rig->fc);
}

static void
rig_stop(Rig *rig)
{
  if (rig->fc != NULL)
    fast_clock_detach(rig->fc, rig->engine);
  loa_engine_free(rig->engine);
  if (rig->fc != NULL)
    fast_clock_free(rig->fc);
  g_main_loop_unref(rig->run.loop);
  loa_config_free(rig->config);
}

/* Airs items back to back on a fresh engine, the first `lead` seconds from
 * now, and waits for all of them. Returns the wall time they were queued for. */
static gint64
air(const char *recording, LoaEngineItem *items, guint n, double lead, gboolean fast)
{
  Rig rig = { 0 };
  rig_start(&rig, recording, fast);
  g_autoptr(GError) error = NULL;
  gint64 start = rig_now(&rig) + (gint64)(lead * 1e9);
  rig.run.pending = n;
  rig_hold(&rig);
  g_assert_true(loa_engine_queue(rig.engine, start, items, n, &error));
  rig_wait(&rig);
  rig_stop(&rig);
  return start;
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
  air(recording, items, 2, 1.5, FALSE);

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
  gint64 start = air(recording, items, 2, 1.5, TRUE);
  g_assert_cmpstr(gone.status, ==, LOA_AIRING_FAILED);
  g_assert_nonnull(strstr(gone.reason, "No such file"));
  g_assert_cmpint(gone.frames, ==, 0);
  g_assert_cmpstr(next.status, ==, LOA_AIRING_COMPLETED);
  /* It took the missing spot's slot, to the sample. */
  g_assert_cmpint(ABS(next.started_at - start), <, LOA_NS_PER_SECOND / RATE);
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
  Rig rig = { 0 };
  rig_start(&rig, recording, TRUE);
  g_autoptr(GError) error = NULL;

  Outcome cut = { .name = "cut" }, displaced = { .name = "displaced" },
          emergency = { .name = "emergency" }, next = { .name = "next" };
  LoaEngineItem normal[] = { { .path = long_spot, .data = &cut, .duration_ns = 4 * LOA_NS_PER_SECOND },
                             { .path = follow, .data = &displaced } };
  gint64 start = rig_now(&rig) + LOA_NS_PER_SECOND;
  rig_hold(&rig);
  g_assert_true(loa_engine_queue(rig.engine, start, normal, 2, &error));
  rig_run_until(&rig, start + LOA_NS_PER_SECOND);
  g_assert_cmpint(loa_engine_busy_until(rig.engine), >, rig_now(&rig) + LOA_NS_PER_SECOND);

  g_autoptr(GPtrArray) taken = loa_engine_cancel_pending(rig.engine);
  g_assert_cmpuint(taken->len, ==, 1);
  g_assert_true(taken->pdata[0] == &displaced);
  rig_hold(&rig);
  gint64 now = rig_now(&rig);
  gint64 free_at = loa_engine_cut(rig.engine, 0, "emergency test");
  /* What is mixed already plays out: the pipeline's latency, the mixer's
   * output buffer, the fade, and the branch's lead. The latency is what
   * the pipeline answered (engine_needed_latency()), so the bound is taken
   * from it. */
  gint64 latency = loa_engine_latency_ns(rig.engine);
  g_test_message("the cut frees the line %.1f ms from its call (latency %.0f ms)",
                 (double)(free_at - now) / MS, (double)latency / MS);
  g_assert_cmpint(latency, >, 0);
  g_assert_cmpint(free_at, >=, now);
  g_assert_cmpint(free_at, <, now + latency + 400 * MS);
  LoaEngineItem cut_in[] = { { .path = urgent, .data = &emergency, .duration_ns = LOA_NS_PER_SECOND / 2 } };
  g_assert_true(loa_engine_queue(rig.engine, free_at, cut_in, 1, &error));
  LoaEngineItem priority[] = { { .path = after, .data = &next } };
  rig.run.pending = 3;
  g_assert_true(loa_engine_queue_after(rig.engine, LOA_ENGINE_AFTER_CURRENT, priority, 1, &error));
  rig_wait(&rig);
  rig_stop(&rig);

  /* The log's times are the pipeline's: exact on the test clock. */
  g_assert_cmpint(cut.started_at, ==, start);
  g_assert_cmpint(cut.ended_at, ==, free_at);
  g_assert_cmpint(emergency.started_at, ==, free_at);
  g_assert_cmpint(next.started_at, ==, emergency.ended_at);
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
  air(recording, items, 4, 1.0, TRUE);
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
  air(recording, items, 1, 1.0, TRUE);
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

/* Index of the first frame at or after from where the left channel crosses
 * level (in the direction from the value before from), or -1. */
static gssize
find_crossing(GArray *samples, gsize from, gint16 level)
{
  gboolean below = g_array_index(samples, gint16, from) < level;
  for (gsize i = from + 1; i < samples->len; i++) {
    gint16 v = g_array_index(samples, gint16, i);
    if (below ? v >= level : v < level)
      return (gssize)i;
  }
  return -1;
}

static gint64
frames_between(gint64 from_wall, gint64 to_wall)
{
  return (gint64)llround((double)(to_wall - from_wall) * RATE / 1e9);
}

/* Spots of different formats and rates in one event: the first sample of the
 * first at its time, each next one abutting the previous to the sample
 * (WAV 48 kHz stereo, WAV 8 kHz mono resampled and mapped to both channels,
 * FLAC 44.1 kHz, then Ogg Opus and Ogg Vorbis), and the log's times agree
 * with the recording. */
static void
test_mixed_formats(void)
{
  g_autofree char *a = make_wav("mix-a.wav", 8000, RATE / 2);
  g_autofree char *b = make_wav_as("mix-b.wav", 6000, 2000, 8000, 1);
  g_autofree char *c_wav = make_wav_as("mix-c.wav", 4000, 22050, 44100, 2);
  g_autofree char *c = encode(c_wav, "mix-c.flac", "flacenc");
  g_autofree char *d_wav = make_wav("mix-d.wav", 3000, RATE / 2);
  g_autofree char *d = encode(d_wav, "mix-d.opus", "opusenc ! oggmux");
  g_autofree char *e = encode(d_wav, "mix-e.ogg", "vorbisenc ! oggmux");
  g_autofree char *f = make_wav("mix-f.wav", -4000, RATE / 4);
  g_autofree char *recording = g_build_filename(tmp_dir, "mix-rec.wav", NULL);
  Outcome o[6] = { { .name = "wav 48k" }, { .name = "wav 8k mono" }, { .name = "flac 44.1k" },
                   { .name = "opus" }, { .name = "vorbis" }, { .name = "wav after" } };
  const char *paths[] = { a, b, c, d, e, f };
  LoaEngineItem items[6];
  for (guint i = 0; i < 6; i++)
    items[i] = (LoaEngineItem){ .path = paths[i], .data = &o[i] };
  gint64 start = air(recording, items, 6, 1.0, TRUE);

  const gint64 expected_frames[] = { RATE / 2, RATE / 4, RATE / 2, -1, -1, RATE / 4 };
  /* A resampled spot may end up to one of its own frames short: audioresample
   * drains its filter at the end to whole input frames (8 kHz: 6 frames). */
  const gint64 tolerance[] = { 0, RATE / 8000, RATE / 44100 + 1, 0, 0, 0 };
  for (guint i = 0; i < 6; i++) {
    g_test_message("%s: %s, %" PRId64 " frames at +%" PRId64 " ns", o[i].name, o[i].status,
                   o[i].frames, o[i].started_at - start);
    g_assert_cmpstr(o[i].status, ==, LOA_AIRING_COMPLETED);
    if (expected_frames[i] > 0)
      g_assert_cmpint(ABS(o[i].frames - expected_frames[i]), <=, tolerance[i]);
    if (i == 0)
      g_assert_cmpint(o[i].started_at, ==, start);
    else
      g_assert_cmpint(o[i].started_at, ==, o[i - 1].ended_at);
    g_assert_cmpint(frames_between(o[i].started_at, o[i].ended_at), ==, o[i].frames);
  }
  /* The lossy codecs decode to whole frames of their own: their length is
   * what their decoders give, within a codec frame of the half second. */
  g_assert_cmpint(ABS(o[3].frames - RATE / 2), <=, 960);
  g_assert_cmpint(ABS(o[4].frames - RATE / 2), <=, 1024);

  /* In the recording: each lossless spot's level starts where the log says. */
  g_autoptr(GArray) samples = read_recording(recording);
  gssize at_a = find_crossing(samples, 0, 4000);
  g_assert_cmpint(at_a, >, 0);
  gssize at_b = find_crossing(samples, (gsize)at_a + 100, 7000);
  gssize at_c = find_crossing(samples, (gsize)at_b + 100, 5000);
  gssize at_f = find_crossing(samples, (gsize)(at_a + frames_between(start, o[5].started_at) - 50), -2000);
  g_assert_cmpint(at_b - at_a, ==, frames_between(start, o[1].started_at));
  /* Resampled edges ring over a few frames; the crossing is within one. */
  g_assert_cmpint(ABS(at_c - at_a - frames_between(start, o[2].started_at)), <=, 1);
  g_assert_cmpint(ABS(at_f - at_a - frames_between(start, o[5].started_at)), <=, 1);
  for (guint i = 0; i < 6; i++)
    outcome_clear(&o[i]);
}

/* A priority announcement goes right after the spot on air, before the rest
 * of its event; a soft start goes after the whole event; all abut. */
static void
test_queue_after(void)
{
  g_autofree char *a = make_wav("qa-a.wav", 8000, RATE);
  g_autofree char *b = make_wav("qa-b.wav", 6000, RATE / 2);
  g_autofree char *p = make_wav("qa-p.wav", 4000, RATE / 4);
  g_autofree char *q = make_wav("qa-q.wav", 2000, RATE / 4);
  g_autofree char *recording = g_build_filename(tmp_dir, "qa-rec.wav", NULL);
  Outcome oa = { .name = "a" }, ob = { .name = "b" }, op = { .name = "priority" },
          oq = { .name = "soft" };
  Rig rig = { 0 };
  rig_start(&rig, recording, TRUE);
  g_autoptr(GError) error = NULL;
  LoaEngineItem event[] = { { .path = a, .data = &oa, .duration_ns = LOA_NS_PER_SECOND },
                            { .path = b, .data = &ob, .duration_ns = LOA_NS_PER_SECOND / 2 } };
  gint64 start = rig_now(&rig) + LOA_NS_PER_SECOND;
  rig.run.pending = 4;
  rig_hold(&rig);
  g_assert_true(loa_engine_queue(rig.engine, start, event, 2, &error));
  rig_run_until(&rig, start + 300 * MS);
  g_assert_cmpint(loa_engine_busy_until(rig.engine), ==, start + 3 * LOA_NS_PER_SECOND / 2);
  rig_hold(&rig);
  LoaEngineItem soft[] = { { .path = q, .data = &oq, .duration_ns = LOA_NS_PER_SECOND / 4 } };
  g_assert_true(loa_engine_queue_after(rig.engine, LOA_ENGINE_AFTER_SEQUENCE, soft, 1, &error));
  LoaEngineItem priority[] = { { .path = p, .data = &op, .duration_ns = LOA_NS_PER_SECOND / 4 } };
  g_assert_true(loa_engine_queue_after(rig.engine, LOA_ENGINE_AFTER_CURRENT, priority, 1, &error));
  rig_wait(&rig);
  rig_stop(&rig);

  Outcome *order[] = { &oa, &op, &ob, &oq };
  for (guint i = 0; i < G_N_ELEMENTS(order); i++) {
    g_assert_cmpstr(order[i]->status, ==, LOA_AIRING_COMPLETED);
    if (i > 0)
      g_assert_cmpint(order[i]->started_at, ==, order[i - 1]->ended_at);
  }
  g_assert_cmpint(oa.started_at, ==, start);
  g_assert_cmpint(oq.ended_at, ==, start + 2 * LOA_NS_PER_SECOND);
  outcome_clear(&oa);
  outcome_clear(&ob);
  outcome_clear(&op);
  outcome_clear(&oq);
}

/* A cut at a given time (an emergency at a known moment, or a hard start):
 * the spot fades out ending exactly then, is finished interrupted with the
 * frames it played, and what is queued for that time starts there. */
static void
test_cut_at_time(void)
{
  g_autofree char *a = make_wav("cat-a.wav", 8000, RATE * 2);
  g_autofree char *e = make_wav("cat-e.wav", 3000, RATE / 4);
  g_autofree char *recording = g_build_filename(tmp_dir, "cat-rec.wav", NULL);
  Outcome oa = { .name = "cut" }, oe = { .name = "emergency" };
  Rig rig = { 0 };
  rig_start(&rig, recording, TRUE);
  g_autoptr(GError) error = NULL;
  LoaEngineItem spot[] = { { .path = a, .data = &oa, .duration_ns = 2 * LOA_NS_PER_SECOND } };
  gint64 start = rig_now(&rig) + LOA_NS_PER_SECOND;
  rig.run.pending = 2;
  rig_hold(&rig);
  g_assert_true(loa_engine_queue(rig.engine, start, spot, 1, &error));
  rig_run_until(&rig, start + 200 * MS);
  gint64 at = start + 1200 * MS;
  rig_hold(&rig);
  g_assert_cmpint(loa_engine_cut(rig.engine, at, "cut test"), ==, at);
  LoaEngineItem urgent[] = { { .path = e, .data = &oe, .duration_ns = LOA_NS_PER_SECOND / 4 } };
  g_assert_true(loa_engine_queue(rig.engine, at, urgent, 1, &error));
  rig_wait(&rig);
  rig_stop(&rig);

  g_assert_cmpstr(oa.status, ==, LOA_AIRING_INTERRUPTED);
  g_assert_cmpstr(oa.reason, ==, "cut test");
  g_assert_cmpint(oa.started_at, ==, start);
  g_assert_cmpint(oa.ended_at, ==, at);
  g_assert_cmpint(oa.frames, ==, RATE * 6 / 5);
  g_assert_cmpstr(oe.status, ==, LOA_AIRING_COMPLETED);
  g_assert_cmpint(oe.started_at, ==, at);
  g_assert_cmpint(oe.frames, ==, RATE / 4);

  g_autoptr(GArray) samples = read_recording(recording);
  gssize s_a = find_crossing(samples, 0, 4000);
  g_assert_cmpint(s_a, >, 0);
  gssize s_e = s_a + RATE * 6 / 5;
  /* Full level until the fade, then down in small steps to nothing, then the emergency. */
  gssize fade = RATE * 30 / 1000;
  g_assert_cmpint(g_array_index(samples, gint16, s_e - fade - 1), ==, 8000);
  g_assert_cmpint(ABS(g_array_index(samples, gint16, s_e - 1)), <, 20);
  for (gssize i = s_e - fade; i < s_e - 1; i++)
    g_assert_cmpint(ABS(g_array_index(samples, gint16, i + 1) - g_array_index(samples, gint16, i)), <, 20);
  g_assert_cmpint(g_array_index(samples, gint16, s_e), ==, 3000);
  outcome_clear(&oa);
  outcome_clear(&oe);
}

/* Queued for a time already past (a late decision, an operator's "now"):
 * it airs whole as soon as it can, and its start says when that was. */
static void
test_queued_late(void)
{
  g_autofree char *a = make_wav("late-a.wav", 5000, RATE / 2);
  g_autofree char *recording = g_build_filename(tmp_dir, "late-rec.wav", NULL);
  Outcome oa = { .name = "late" };
  Rig rig = { 0 };
  rig_start(&rig, recording, TRUE);
  g_autoptr(GError) error = NULL;
  rig_run_until(&rig, rig_now(&rig) + 500 * MS);
  gint64 now = rig_now(&rig);
  LoaEngineItem spot[] = { { .path = a, .data = &oa, .duration_ns = LOA_NS_PER_SECOND / 2 } };
  rig.run.pending = 1;
  rig_hold(&rig);
  g_assert_true(loa_engine_queue(rig.engine, now - 2 * LOA_NS_PER_SECOND, spot, 1, &error));
  rig_wait(&rig);
  rig_stop(&rig);
  g_assert_cmpstr(oa.status, ==, LOA_AIRING_COMPLETED);
  g_assert_cmpint(oa.frames, ==, RATE / 2);
  g_assert_cmpint(oa.started_at, >, now);
  g_assert_cmpint(oa.started_at, <, now + LOA_NS_PER_SECOND);
  outcome_clear(&oa);
}

/* A step of the wall clock (NTP, an operator) seen through the engine's clock
 * abstraction: what is already placed stays where it is on the pipeline's
 * clock and reports its times in the new wall time; what is queued after the
 * step is placed by the new wall time. */
static void
test_wall_step(void)
{
  g_autofree char *a = make_wav("step-a.wav", 5000, RATE / 2);
  g_autofree char *b = make_wav("step-b.wav", 3000, RATE / 2);
  g_autofree char *recording = g_build_filename(tmp_dir, "step-rec.wav", NULL);
  Outcome oa = { .name = "placed before" }, ob = { .name = "queued after" };
  Rig rig = { 0 };
  rig_start(&rig, recording, TRUE);
  g_autoptr(GError) error = NULL;
  gint64 t_a = rig_now(&rig) + LOA_NS_PER_SECOND;
  LoaEngineItem first[] = { { .path = a, .data = &oa, .duration_ns = LOA_NS_PER_SECOND / 2 } };
  rig.run.pending = 2;
  rig_hold(&rig);
  g_assert_true(loa_engine_queue(rig.engine, t_a, first, 1, &error));
  rig_run_until(&rig, t_a - 500 * MS);
  const gint64 step = -7 * LOA_NS_PER_SECOND;  /* the wall clock is set back 7 s */
  fast_clock_step_wall(rig.fc, step);
  rig_hold(&rig);
  gint64 t_b = rig_now(&rig) + 2 * LOA_NS_PER_SECOND;
  LoaEngineItem second[] = { { .path = b, .data = &ob, .duration_ns = LOA_NS_PER_SECOND / 2 } };
  g_assert_true(loa_engine_queue(rig.engine, t_b, second, 1, &error));
  rig_wait(&rig);
  rig_stop(&rig);
  g_assert_cmpstr(oa.status, ==, LOA_AIRING_COMPLETED);
  g_assert_cmpstr(ob.status, ==, LOA_AIRING_COMPLETED);
  g_assert_cmpint(oa.started_at, ==, t_a + step);
  g_assert_cmpint(ob.started_at, ==, t_b);
  /* In the recording they are as far apart as the pipeline placed them (each
   * start rounds to its nearest frame: the two times are off the sample grid). */
  g_autoptr(GArray) samples = read_recording(recording);
  gssize s_a = find_crossing(samples, 0, 2500);
  gssize s_b = find_crossing(samples, (gsize)s_a + RATE / 2 + 10, 1500);
  g_assert_cmpint(s_a, >, 0);
  g_assert_cmpint(ABS(s_b - s_a - frames_between(oa.started_at, ob.started_at)), <=, 1);
  outcome_clear(&oa);
  outcome_clear(&ob);
}

/* The level callback's blocks as they arrive, and how far they reached when
 * the spot finished. */
typedef struct {
  Run run;
  Outcome outcome;
  GArray *blocks;             /* LevelSeen */
  gint64 reached_at_finish;   /* end of the last block delivered before `finished` */
} LevelRun;

typedef struct {
  gint64 start, duration;
  double rms;
} LevelSeen;

static void
on_level_seen(gint64 start_wall_ns, gint64 duration_ns, double rms_dbfs, gpointer user_data)
{
  LevelRun *lr = user_data;
  LevelSeen seen = { start_wall_ns, duration_ns, rms_dbfs };
  g_array_append_val(lr->blocks, seen);
}

static void
on_level_finished(gpointer item_data, const LoaEngineOutcome *outcome, gpointer user_data)
{
  LevelRun *lr = user_data;
  if (lr->blocks->len > 0) {
    const LevelSeen *last = &g_array_index(lr->blocks, LevelSeen, lr->blocks->len - 1);
    lr->reached_at_finish = last->start + last->duration;
  }
  on_finished(item_data, outcome, &lr->run);
}

/* The line's level reaches the callback, in batches, with real-time output
 * threads off and on (the meter runs in the mixer's thread): silence before
 * the spot, the spot's RMS while it airs, and every block of the spot before
 * its `finished`. */
static void
check_level(int realtime_priority)
{
  g_autofree char *recording = g_build_filename(tmp_dir, "level.raw", NULL);
  g_autofree char *spot = make_wav("level.wav", 8192, RATE);  /* 1 s at -12.04 dBFS */
  g_autofree char *extra = g_strdup_printf("engine = { realtime_priority = %d; };\n",
                                           realtime_priority);
  LoaConfig *config = make_config_with(recording, extra);
  LevelRun lr = { .blocks = g_array_new(FALSE, FALSE, sizeof(LevelSeen)) };
  lr.run.loop = g_main_loop_new(NULL, FALSE);
  lr.outcome.name = "level";
  LoaEngineCallbacks callbacks = { .finished = on_level_finished, .level = on_level_seen };
  g_autoptr(GError) error = NULL;
  LoaEngine *engine = loa_engine_new(g_ptr_array_index(config->lines, 0), config, &callbacks,
                                     &lr, &error);
  g_assert_no_error(error);
  g_assert_true(loa_engine_start(engine, &error));
  LoaEngineItem item = { .path = spot, .data = &lr.outcome, .duration_ns = LOA_NS_PER_SECOND };
  lr.run.pending = 1;
  g_assert_true(loa_engine_queue(engine, loa_time_now_wall_ns() + LOA_NS_PER_SECOND, &item, 1,
                                 &error));
  g_assert_no_error(error);
  Rig waiter = { .run = lr.run };
  guint timeout = g_timeout_add_seconds(30, give_up, &waiter);
  g_main_loop_run(lr.run.loop);
  if (!waiter.timed_out)
    g_source_remove(timeout);
  g_assert_false(waiter.timed_out);
  loa_engine_free(engine);
  g_main_loop_unref(lr.run.loop);
  loa_config_free(config);

  g_assert_cmpstr(lr.outcome.status, ==, LOA_AIRING_COMPLETED);
  g_assert_cmpint(lr.reached_at_finish, >=, lr.outcome.ended_at);
  guint inside = 0, before = 0;
  for (guint i = 0; i < lr.blocks->len; i++) {
    const LevelSeen *b = &g_array_index(lr.blocks, LevelSeen, i);
    g_assert_cmpint(b->duration, ==, 100 * MS);
    if (b->start >= lr.outcome.started_at && b->start + b->duration <= lr.outcome.ended_at) {
      g_assert_cmpfloat_with_epsilon(b->rms, -12.04, 0.1);
      inside++;
    } else if (b->start + b->duration <= lr.outcome.started_at) {
      g_assert_cmpfloat(b->rms, <, -90.0);
      before++;
    }
  }
  g_test_message("realtime %d: %u blocks, %u inside the spot, %u before it", realtime_priority,
                 lr.blocks->len, inside, before);
  g_assert_cmpuint(inside, >=, 8);
  g_assert_cmpuint(before, >=, 5);
  g_array_unref(lr.blocks);
  outcome_clear(&lr.outcome);
}

/* The leaks tracer (set up in main; its filter must name the types asked
 * about), or NULL. */
static GstTracer *
leaks_tracer(void)
{
  GstTracer *found = NULL;
  GList *tracers = gst_tracing_get_active_tracers();
  for (GList *l = tracers; l != NULL && found == NULL; l = l->next)
    if (g_strcmp0(G_OBJECT_TYPE_NAME(l->data), "GstLeaksTracer") == 0)
      found = gst_object_ref(l->data);
  g_list_free_full(tracers, gst_object_unref);
  g_assert_nonnull(found);
  return found;
}

/* How many objects of type_name were made minus how many went, since
 * tracking started or the last call. By creation and removal records: the
 * tracer's list of live objects refs them, which races with an object being
 * disposed on another thread. */
static gint
leaks_balance(GstTracer *tracer, const char *type_name)
{
  GstStructure *checkpoint = NULL;
  g_signal_emit_by_name(tracer, "activity-get-checkpoint", &checkpoint);
  g_assert_nonnull(checkpoint);
  gint balance = 0;
  const char *lists[] = { "objects-created-list", "objects-removed-list" };
  for (guint k = 0; k < 2; k++) {
    const GValue *list = gst_structure_get_value(checkpoint, lists[k]);
    for (guint i = 0; list != NULL && i < gst_value_list_get_size(list); i++) {
      const GstStructure *entry = gst_value_get_structure(gst_value_list_get_value(list, i));
      if (g_strcmp0(gst_structure_get_string(entry, "type-name"), type_name) == 0)
        balance += k == 0 ? 1 : -1;
    }
  }
  gst_structure_free(checkpoint);
  return balance;
}

/* Runs test (which makes and frees its engines) and returns how many objects
 * of type_name it left alive, allowing 2 s for objects still being released
 * on other threads. */
static gint
left_alive(const char *type_name, void (*test)(gpointer), gpointer data)
{
  g_autoptr(GstTracer) tracer = leaks_tracer();
  g_signal_emit_by_name(tracer, "activity-start-tracking");
  test(data);
  gint alive = leaks_balance(tracer, type_name);
  gint64 deadline = g_get_monotonic_time() + 2 * G_TIME_SPAN_SECOND;
  while (alive > 0 && g_get_monotonic_time() < deadline) {
    g_usleep(20000);
    alive += leaks_balance(tracer, type_name);
  }
  g_signal_emit_by_name(tracer, "activity-stop-tracking");
  return alive;
}

static void
check_levels(gpointer data)
{
  (void)data;
  check_level(0);
  check_level(10);
}

static void
test_level(void)
{
  /* The meter's messages are dropped from the bus by the engine, which then
   * owns them: none may outlive the engines (each level block leaked one). */
  gint alive = left_alive("GstMessage", check_levels, NULL);
  g_test_message("GstMessages left alive: %d", alive);
  g_assert_cmpint(alive, <=, 0);
}

static void
air_four(gpointer data)
{
  (void)data;
  g_autofree char *a = make_wav("rel-a.wav", 8000, RATE / 4);
  g_autofree char *b = make_wav("rel-b.wav", 6000, RATE / 4);
  g_autofree char *recording = g_build_filename(tmp_dir, "rel-rec.wav", NULL);
  Outcome o[4] = { { .name = "a" }, { .name = "b" }, { .name = "a again" }, { .name = "b again" } };
  const char *paths[] = { a, b, a, b };
  LoaEngineItem items[4];
  for (guint i = 0; i < 4; i++)
    items[i] = (LoaEngineItem){ .path = paths[i], .data = &o[i] };
  air(recording, items, 4, 0.5, TRUE);
  for (guint i = 0; i < 4; i++) {
    g_assert_cmpstr(o[i].status, ==, LOA_AIRING_COMPLETED);
    outcome_clear(&o[i]);
  }
}

/* Every spot's branch (its elements and pads) is released once it has
 * aired: the hold pad's end-of-stream watch held its branch, which held the
 * pad, so each airing kept about 5 kB for ever. */
static void
test_releases_branches(void)
{
  gint alive = left_alive("GstGhostPad", air_four, NULL);
  g_test_message("ghost pads left alive after 4 airings: %d", alive);
  g_assert_cmpint(alive, <=, 0);
}

typedef struct {
  GArray *frames;   /* guint64 per buffer */
  GArray *pts;      /* GstClockTime per buffer */
  guint disconts;
} Pieces;

static GstPadProbeReturn
record_piece(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  (void)pad;
  Pieces *pieces = data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  guint64 frames = gst_buffer_get_size(buffer) / 4;
  GstClockTime pts = GST_BUFFER_PTS(buffer);
  g_array_append_val(pieces->frames, frames);
  g_array_append_val(pieces->pts, pts);
  pieces->disconts += GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DISCONT) ? 1 : 0;
  return GST_PAD_PROBE_OK;
}

/* Runs three 100 ms buffers (48 kHz stereo) into sink through
 * engine_add_sink() and records what reaches the sink. */
static void
run_into_sink(const char *sink_factory, Pieces *pieces)
{
  GstElement *pipeline = gst_pipeline_new(NULL);
  GstElement *src = gst_element_factory_make("audiotestsrc", NULL);
  GstElement *caps = gst_element_factory_make("capsfilter", NULL);
  GstElement *sink = gst_element_factory_make(sink_factory, NULL);
  g_assert_nonnull(sink);
  g_object_set(src, "num-buffers", 3, "samplesperbuffer", RATE / 10, NULL);
  g_autoptr(GstCaps) raw =
    gst_caps_from_string("audio/x-raw,format=S16LE,rate=48000,channels=2,layout=interleaved");
  g_object_set(caps, "caps", raw, NULL);
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(sink), "device") != NULL)
    g_object_set(sink, "device", "null", NULL);
  g_object_set(sink, "sync", FALSE, NULL);
  gst_bin_add_many(GST_BIN(pipeline), src, caps, NULL);
  g_assert_true(gst_element_link(src, caps));
  g_autoptr(GError) error = NULL;
  g_assert_true(engine_add_sink(GST_BIN(pipeline), caps, sink, "test", &error));
  g_assert_no_error(error);
  g_autoptr(GstPad) pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, record_piece, pieces, NULL);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  g_autoptr(GstMessage) message =
    gst_bus_timed_pop_filtered(bus, 10 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull(message);
  g_assert_cmpint(GST_MESSAGE_TYPE(message), ==, GST_MESSAGE_EOS);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
}

/* An audio sink (alsasink) gets 10 ms pieces with exact, contiguous
 * timestamps; another sink gets the buffers as they are. */
static void
test_sink_pieces(void)
{
  Pieces alsa = { g_array_new(FALSE, FALSE, sizeof(guint64)),
                  g_array_new(FALSE, FALSE, sizeof(GstClockTime)), 0 };
  run_into_sink("alsasink", &alsa);
  g_assert_cmpuint(alsa.frames->len, ==, 30);
  for (guint i = 0; i < alsa.frames->len; i++) {
    g_assert_cmpuint(g_array_index(alsa.frames, guint64, i), ==, RATE / 100);
    g_assert_cmpuint(g_array_index(alsa.pts, GstClockTime, i), ==, i * 10 * GST_MSECOND);
  }
  /* Only the stream's first piece says it starts something new. */
  g_assert_cmpuint(alsa.disconts, ==, 1);

  Pieces fake = { g_array_new(FALSE, FALSE, sizeof(guint64)),
                  g_array_new(FALSE, FALSE, sizeof(GstClockTime)), 0 };
  run_into_sink("fakesink", &fake);
  g_assert_cmpuint(fake.frames->len, ==, 3);
  g_assert_cmpuint(g_array_index(fake.frames, guint64, 0), ==, RATE / 10);
  g_array_unref(alsa.frames);
  g_array_unref(alsa.pts);
  g_array_unref(fake.frames);
  g_array_unref(fake.pts);
}

int
main(int argc, char **argv)
{
  /* The FIFO's writer must see EPIPE, not die, if the engine closes it. */
  signal(SIGPIPE, SIG_IGN);
  /* Counts the GstMessages and ghost pads alive, for the level and release
   * tests. */
  g_setenv("GST_TRACERS", "leaks(filters=\"GstMessage,GstGhostPad\")", TRUE);
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp("loa-engine-XXXXXX", NULL);
  g_test_add_func("/playout/engine/stalled-decoder", test_stalled_decoder);
  g_test_add_func("/playout/engine/missing-file", test_missing_file);
  g_test_add_func("/playout/engine/cut-in", test_cut_in);
  g_test_add_func("/playout/engine/cues-and-gain", test_cues_and_gain);
  g_test_add_func("/playout/engine/damaged-mid-file", test_damaged_mid_file);
  g_test_add_func("/playout/engine/mixed-formats", test_mixed_formats);
  g_test_add_func("/playout/engine/queue-after", test_queue_after);
  g_test_add_func("/playout/engine/cut-at-time", test_cut_at_time);
  g_test_add_func("/playout/engine/queued-late", test_queued_late);
  g_test_add_func("/playout/engine/wall-step", test_wall_step);
  g_test_add_func("/playout/engine/level", test_level);
  g_test_add_func("/playout/engine/releases-branches", test_releases_branches);
  g_test_add_func("/playout/engine/sink-pieces", test_sink_pieces);
  int rc = g_test_run();
  g_autofree char *rm = g_strdup_printf("rm -rf '%s'", tmp_dir);
  if (system(rm) != 0)
    g_printerr("could not remove %s\n", tmp_dir);
  g_free(tmp_dir);
  gst_deinit();
  return rc;
}
