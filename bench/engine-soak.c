/* Many airings through the real engine, fast: N lines (loa_engine_new with
 * the "null" output) on one FastClock (tests/tools/fast-clock.h) running
 * SPEED times faster than real time, a spot queued every INTERVAL seconds of
 * clock time on every line, rotating through a WAV, a FLAC, an Ogg Vorbis and
 * an Ogg Opus file made at start with gst-launch-1.0 (2-3 s each). Every
 * EVERY airings per line it prints the process's VmRSS (and its anonymous and
 * file-backed parts), VmHWM, open descriptors and threads and glibc's heap
 * (mallinfo2: arena, in use, free, mmapped), so that growth can be told apart
 * as heap in use (something kept), free heap (fragmentation) or library pages
 * touched for the first time; at the end, every airing that did not
 * complete, and the growth per 1000 airings after the first BASELINE per line
 * (least-squares fit over the samples, and first to last).
 *
 *   loa-bench-engine-soak [--lines 4] [--airings 2000] [--interval 4]
 *                         [--speed 20] [--every 200] [--baseline 200] [--trim]
 *                         [--keep]
 *
 * A soak of the daemon in real time is bench/soak; this one isolates the
 * engine (no database, no scheduler) and airs hours' worth in minutes.
 *
 * The run takes longer than clock time / SPEED: the fast clock stands still
 * while a spot prepares, and a compressed spot's decoder cannot finish
 * preparing until the mixer answers its allocation query, which waits for
 * the mixer's output to move on in clock time; the clock then only creeps
 * (about 0.2 s of real time per spot at 40x, 0.5 s at 10x, the 5 s limit at
 * 1x). Placement stays exact; only the run's length suffers. */
#include "airlog.h"
#include "config.h"
#include "engine.h"
#include "fast-clock.h"

#include "../tests/common/test-util.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RATE 48000
#define NS_PER_SECOND (G_GINT64_CONSTANT(1000000000))
#define MIB (1024.0 * 1024.0)
/* Queue a spot this long (clock time) before it airs; the clock is held
 * while it prepares, so it is always ready in time. */
#define LEAD_NS (NS_PER_SECOND)
/* On odd rounds line i starts i * STAGGER_NS later than line 0. */
#define STAGGER_NS (NS_PER_SECOND / 10)
/* Give up when no airing finished for this long (real time). */
#define STALL_US (60 * G_USEC_PER_SEC)
/* Failures printed one by one; the rest are only counted. */
#define MAX_SHOWN 20

typedef struct {
  const char *name;
  const char *extension;
  const char *encoder;   /* gst-launch fragment after the raw caps */
  guint frames;          /* at RATE */
  char *path;
  gint64 max_frames_off; /* largest |played - made| of its completed airings */
} Spot;

static Spot spots[] = {
  { "wav", "wav", "wavenc", RATE * 2, NULL, 0 },
  { "flac", "flac", "flacenc", RATE * 5 / 2, NULL, 0 },
  { "vorbis", "ogg", "vorbisenc ! oggmux", RATE * 3, NULL, 0 },
  { "opus", "opus", "opusenc ! oggmux", RATE * 9 / 4, NULL, 0 },
};

typedef struct Soak Soak;

typedef struct {
  Soak *soak;
  guint index;        /* line number, 0-based */
  LoaEngine *engine;
  guint queued;       /* airings queued so far */
  guint finished;     /* airings finished so far */
  gint64 preparing_since; /* real time its spot began preparing, 0 if none */
} Line;

typedef struct {
  Line *line;
  guint number;       /* airing number on its line, 0-based */
  Spot *spot;
  gint64 scheduled;   /* wall time of its first sample */
} Airing;

/* One sample of the process's resources. */
typedef struct {
  guint per_line;     /* airings per line finished when taken */
  double seconds;     /* real time since the first airing was queued */
  double rss, hwm;    /* MiB */
  double anon, file;  /* RssAnon (heap, stacks) and RssFile (libraries' pages), MiB */
  guint fds, threads;
  double arena, in_use, free_heap, mmapped;  /* mallinfo2, MiB */
} Sample;

struct Soak {
  GMainLoop *loop;
  FastClock *fc;
  LoaConfig *config;
  Line *lines;
  guint n_lines;
  guint airings;      /* per line */
  gint64 interval;    /* ns of clock time between airings on a line */
  guint every;
  guint baseline;     /* growth is measured from the first sample at or after this */
  gboolean trim;
  gint64 t0;          /* wall (clock) time of round 0 */
  gint64 real_start;  /* g_get_monotonic_time() at round 0 */
  gint64 last_finish; /* g_get_monotonic_time() of the last finished() */
  guint finished;     /* all lines */
  guint completed;
  guint failed;       /* not completed: printed */
  guint off_time;     /* completed but started more than a frame off its time */
  gint64 max_start_error;
  gboolean stalled;
  guint prepared;     /* spots seen preparing, and their real time in all */
  gint64 prepare_us, max_prepare_us;
  guint next_sample;  /* per-line airings at which the next sample is due */
  GArray *samples;    /* Sample */
};

static guint64
status_kb(const char *text, const char *key)
{
  const char *p = strstr(text, key);
  return p != NULL ? g_ascii_strtoull(p + strlen(key), NULL, 10) : 0;
}

static guint
count_fds(void)
{
  GDir *dir = g_dir_open("/proc/self/fd", 0, NULL);
  guint n = 0;
  if (dir == NULL)
    return 0;
  while (g_dir_read_name(dir) != NULL)
    n++;
  g_dir_close(dir);
  return n > 0 ? n - 1 : 0; /* not the one reading the directory */
}

static Sample
take_sample(Soak *soak, guint per_line)
{
  if (soak->trim)
    malloc_trim(0);
  Sample s = { .per_line = per_line };
  s.seconds = soak->real_start > 0 ? (double)(g_get_monotonic_time() - soak->real_start) / 1e6 : 0;
  g_autofree char *status = NULL;
  if (g_file_get_contents("/proc/self/status", &status, NULL, NULL)) {
    s.rss = (double)status_kb(status, "VmRSS:") / 1024.0;
    s.hwm = (double)status_kb(status, "VmHWM:") / 1024.0;
    s.threads = (guint)status_kb(status, "Threads:");
    s.anon = (double)status_kb(status, "RssAnon:") / 1024.0;
    s.file = (double)status_kb(status, "RssFile:") / 1024.0;
  }
  s.fds = count_fds();
  struct mallinfo2 mi = mallinfo2();
  s.arena = (double)mi.arena / MIB;
  s.in_use = (double)mi.uordblks / MIB;
  s.free_heap = (double)mi.fordblks / MIB;
  s.mmapped = (double)mi.hblkhd / MIB;
  return s;
}

static void
print_sample_header(void)
{
  printf("%8s %8s %7s %7s %7s %6s %6s %4s %7s %8s %7s %7s %7s\n", "per line", "airings",
         "real s", "RSS MB", "HWM MB", "anon", "file", "fds", "threads", "arena MB", "in use",
         "free", "mmapped");
}

static void
print_sample(const char *label, const Sample *s, guint n_lines)
{
  if (label != NULL)
    printf("%17s", label);
  else
    printf("%8u %8u", s->per_line, s->per_line * n_lines);
  printf(" %7.0f %7.1f %7.1f %6.1f %6.1f %4u %7u %8.2f %7.2f %7.2f %7.2f\n", s->seconds, s->rss,
         s->hwm, s->anon, s->file, s->fds, s->threads, s->arena, s->in_use, s->free_heap,
         s->mmapped);
  fflush(stdout);
}

static void
record_sample(Soak *soak, guint per_line)
{
  Sample s = take_sample(soak, per_line);
  g_array_append_val(soak->samples, s);
  print_sample(NULL, &s, soak->n_lines);
}

/* Makes a spot with gst-launch-1.0: a 997 Hz tone, 48 kHz stereo. Returns
 * FALSE with the error set if the encoder failed. */
static gboolean
make_spot(const char *dir, Spot *spot, GError **error)
{
  spot->path = g_strdup_printf("%s/spot-%s.%s", dir, spot->name, spot->extension);
  /* 480-frame buffers: every length here is a whole number of them. */
  g_autofree char *command = g_strdup_printf(
    "gst-launch-1.0 -q audiotestsrc wave=sine freq=997 volume=0.25 samplesperbuffer=480 "
    "num-buffers=%u ! audio/x-raw,format=S16LE,rate=%d,channels=2,layout=interleaved ! "
    "audioconvert ! %s ! filesink location='%s'",
    spot->frames / 480, RATE, spot->encoder, spot->path);
  int status = 0;
  g_autofree char *err = NULL;
  if (!g_spawn_command_line_sync(command, NULL, &err, &status, error))
    return FALSE;
  if (!g_spawn_check_wait_status(status, error)) {
    g_prefix_error(error, "%s: %s", command, err != NULL ? err : "");
    return FALSE;
  }
  return TRUE;
}

static LoaConfig *
make_config(const char *dir, guint n_lines, GError **error)
{
  g_autoptr(GString) text = g_string_new("station = { id = \"engine-soak\"; };\n"
                                         /* Memory does not depend on it, and FIFO
                                          * threads at 10x would take the shared
                                          * cores from other work. */
                                         "engine = { realtime_priority = 0; };\n"
                                         "lines = (");
  for (guint i = 0; i < n_lines; i++)
    g_string_append_printf(text, "%s { id = \"l%u\"; output = \"null\"; }", i > 0 ? "," : "",
                           i + 1);
  g_string_append(text, " );\n");
  g_autofree char *path = g_build_filename(dir, "loa.cfg", NULL);
  if (!g_file_set_contents(path, text->str, -1, error))
    return NULL;
  return loa_config_load(path, error);
}

static gint64
scheduled_time(const Soak *soak, const Line *line, guint number)
{
  gint64 at = soak->t0 + (gint64)number * soak->interval;
  if (number % 2 == 1)
    at += (gint64)line->index * STAGGER_NS;
  return at;
}

static void
on_finished(gpointer item_data, const LoaEngineOutcome *outcome, gpointer user_data)
{
  Airing *airing = item_data;
  Line *line = user_data;
  Soak *soak = line->soak;
  line->finished++;
  soak->finished++;
  soak->last_finish = g_get_monotonic_time();
  if (g_strcmp0(outcome->status, LOA_AIRING_COMPLETED) == 0) {
    soak->completed++;
    gint64 off = ABS(outcome->frames - (gint64)airing->spot->frames);
    airing->spot->max_frames_off = MAX(airing->spot->max_frames_off, off);
    gint64 error = ABS(outcome->started_at - airing->scheduled);
    soak->max_start_error = MAX(soak->max_start_error, error);
    if (error > NS_PER_SECOND / RATE)
      soak->off_time++;
  } else {
    if (soak->failed++ < MAX_SHOWN)
      printf("  line l%u airing %u (%s): %s, %s, %" G_GINT64_FORMAT " frames\n",
             line->index + 1, airing->number, airing->spot->name, outcome->status,
             outcome->reason != NULL ? outcome->reason : "no reason", outcome->frames);
  }
  g_free(airing);
  if (soak->finished == soak->n_lines * soak->airings)
    g_main_loop_quit(soak->loop);
}

static gboolean
queue_next(Soak *soak, Line *line)
{
  Airing *airing = g_new0(Airing, 1);
  airing->line = line;
  airing->number = line->queued;
  airing->spot = &spots[(line->queued + line->index) % G_N_ELEMENTS(spots)];
  airing->scheduled = scheduled_time(soak, line, line->queued);
  LoaEngineItem item = { .path = airing->spot->path, .data = airing,
                         .duration_ns = (gint64)airing->spot->frames * NS_PER_SECOND / RATE };
  g_autoptr(GError) error = NULL;
  fast_clock_hold(soak->fc);
  line->queued++;
  if (!loa_engine_queue(line->engine, airing->scheduled, &item, 1, &error)) {
    g_printerr("engine-soak: line l%u: %s\n", line->index + 1, error->message);
    g_free(airing);
    return FALSE;
  }
  return TRUE;
}

/* Every 2 ms of real time: queues what is due within LEAD_NS on every line,
 * and samples when every line has finished the next EVERY airings. */
static gboolean
tick(gpointer data)
{
  Soak *soak = data;
  gint64 now = fast_clock_now_wall(soak->fc);
  gint64 real = g_get_monotonic_time();
  for (guint i = 0; i < soak->n_lines; i++) {
    Line *line = &soak->lines[i];
    gboolean preparing = loa_engine_preparing(line->engine) > 0;
    if (preparing && line->preparing_since == 0) {
      line->preparing_since = real;
    } else if (!preparing && line->preparing_since != 0) {
      gint64 took = real - line->preparing_since;
      soak->prepared++;
      soak->prepare_us += took;
      soak->max_prepare_us = MAX(soak->max_prepare_us, took);
      line->preparing_since = 0;
    }
  }
  for (guint i = 0; i < soak->n_lines; i++) {
    Line *line = &soak->lines[i];
    while (line->queued < soak->airings &&
           scheduled_time(soak, line, line->queued) - LEAD_NS <= now) {
      if (!queue_next(soak, line)) {
        soak->stalled = TRUE;
        g_main_loop_quit(soak->loop);
        return G_SOURCE_REMOVE;
      }
    }
  }
  guint done = G_MAXUINT;
  for (guint i = 0; i < soak->n_lines; i++)
    done = MIN(done, soak->lines[i].finished);
  while (done >= soak->next_sample && soak->next_sample <= soak->airings) {
    record_sample(soak, soak->next_sample);
    soak->next_sample += soak->every;
  }
  if (g_get_monotonic_time() - soak->last_finish > STALL_US) {
    g_printerr("engine-soak: no airing finished for %d s; giving up\n",
               (int)(STALL_US / G_USEC_PER_SEC));
    soak->stalled = TRUE;
    g_main_loop_quit(soak->loop);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

/* Least-squares slope of a field over the samples from index first on, per
 * airing per line; NAN with fewer than two. */
static double
slope(GArray *samples, guint first, gsize offset)
{
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (guint i = first; i < samples->len; i++) {
    const Sample *s = &g_array_index(samples, Sample, i);
    double x = s->per_line, y = *(const double *)((const char *)s + offset);
    n++;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  if (n < 2 || n * sxx - sx * sx == 0)
    return NAN;
  return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

static void
print_growth(Soak *soak)
{
  GArray *samples = soak->samples;
  guint first = 0;
  while (first < samples->len && g_array_index(samples, Sample, first).per_line < soak->baseline)
    first++;
  if (samples->len < first + 2) {
    printf("growth: too few samples after the first %u airings per line\n", soak->baseline);
    return;
  }
  const Sample *a = &g_array_index(samples, Sample, first);
  const Sample *b = &g_array_index(samples, Sample, samples->len - 1);
  static const struct { const char *name; gsize offset; } fields[] = {
    { "RSS", G_STRUCT_OFFSET(Sample, rss) },
    { "RssAnon", G_STRUCT_OFFSET(Sample, anon) },
    { "RssFile", G_STRUCT_OFFSET(Sample, file) },
    { "heap arena", G_STRUCT_OFFSET(Sample, arena) },
    { "heap in use", G_STRUCT_OFFSET(Sample, in_use) },
    { "heap free", G_STRUCT_OFFSET(Sample, free_heap) },
    { "mmapped", G_STRUCT_OFFSET(Sample, mmapped) },
  };
  /* Per 1000 airings of all lines together: a line's airing costs the same
   * wherever it runs. */
  double per_line_to_total = 1000.0 / soak->n_lines;
  printf("growth from %u to %u airings per line (%u to %u airings), per 1000 airings:\n",
         a->per_line, b->per_line, a->per_line * soak->n_lines, b->per_line * soak->n_lines);
  printf("  %-12s %10s %12s %14s %10s\n", "", "first MB", "last MB", "end-to-end MB", "fit MB");
  for (gsize i = 0; i < G_N_ELEMENTS(fields); i++) {
    double va = *(const double *)((const char *)a + fields[i].offset);
    double vb = *(const double *)((const char *)b + fields[i].offset);
    double per = (vb - va) / (b->per_line - a->per_line) * per_line_to_total;
    printf("  %-12s %10.2f %12.2f %+14.3f %+10.3f\n", fields[i].name, va, vb, per,
           slope(samples, first, fields[i].offset) * per_line_to_total);
  }
  double in_use_bytes = (b->in_use + b->mmapped - a->in_use - a->mmapped) * MIB /
                        ((double)(b->per_line - a->per_line) * soak->n_lines);
  printf("  heap in use + mmapped: %+.0f bytes per airing; fds %u -> %u, threads %u -> %u\n",
         in_use_bytes, a->fds, b->fds, a->threads, b->threads);
}

int
main(int argc, char **argv)
{
  int n_lines = 4, airings = 2000, every = 200, baseline = 200;
  double interval = 4.0, speed = 20.0;
  gboolean trim = FALSE, keep = FALSE;
  GOptionEntry entries[] = {
    { "lines", 0, 0, G_OPTION_ARG_INT, &n_lines, "Lines (default 4)", "N" },
    { "airings", 0, 0, G_OPTION_ARG_INT, &airings, "Airings per line (default 2000)", "A" },
    { "interval", 0, 0, G_OPTION_ARG_DOUBLE, &interval,
      "Clock seconds between airings on a line (default 4; spots are 2-3 s)", "S" },
    { "speed", 0, 0, G_OPTION_ARG_DOUBLE, &speed,
      "Clock speed, times real time (default 20)", "X" },
    { "every", 0, 0, G_OPTION_ARG_INT, &every,
      "Sample every K airings per line (default 200)", "K" },
    { "baseline", 0, 0, G_OPTION_ARG_INT, &baseline,
      "Measure growth from this many airings per line on (default 200)", "B" },
    { "trim", 0, 0, G_OPTION_ARG_NONE, &trim, "malloc_trim(0) before each sample", NULL },
    { "keep", 0, 0, G_OPTION_ARG_NONE, &keep, "Keep the work directory", NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr(GOptionContext) options = g_option_context_new("- many airings through the engine");
  g_option_context_add_main_entries(options, entries, NULL);
  g_option_context_add_group(options, gst_init_get_option_group());
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(options, &argc, &argv, &error) || argc > 1 || n_lines < 1 ||
      n_lines > 64 || airings < 1 || every < 1 || baseline < 0 || !(interval >= 3.5) ||
      !(speed > 0)) {
    g_printerr("engine-soak: %s\n", error != NULL ? error->message
                                                  : "need --lines 1..64, --airings and --every "
                                                    ">= 1, --interval >= 3.5, --speed > 0");
    g_autofree char *help = g_option_context_get_help(options, TRUE, NULL);
    g_printerr("%s", help);
    return 2;
  }
  gst_init(&argc, &argv);

  int rc = 1;
  Soak soak = { .n_lines = (guint)n_lines, .airings = (guint)airings,
                .interval = (gint64)(interval * 1e9), .every = (guint)every,
                .baseline = (guint)baseline, .trim = trim };
  soak.samples = g_array_new(FALSE, FALSE, sizeof(Sample));
  g_autofree char *dir = g_dir_make_tmp("loa-bench-engine-soak.XXXXXX", &error);
  if (dir == NULL) {
    g_printerr("engine-soak: %s\n", error->message);
    return 1;
  }
  for (gsize i = 0; i < G_N_ELEMENTS(spots); i++)
    if (!make_spot(dir, &spots[i], &error)) {
      g_printerr("engine-soak: cannot make the %s spot: %s\n", spots[i].name, error->message);
      goto out;
    }
  soak.config = make_config(dir, soak.n_lines, &error);
  if (soak.config == NULL) {
    g_printerr("engine-soak: %s\n", error->message);
    goto out;
  }

  printf("engine-soak: %u lines (null output), %u airings each, one every %.1f s of clock time, "
         "clock at %.0fx; spots: wav 2 s, flac 2.5 s, vorbis 3 s, opus 2.25 s\n",
         soak.n_lines, soak.airings, interval, speed);
  soak.loop = g_main_loop_new(NULL, FALSE);
  soak.fc = fast_clock_new(speed);
  soak.lines = g_new0(Line, soak.n_lines);
  LoaEngineCallbacks callbacks = { .finished = on_finished };
  for (guint i = 0; i < soak.n_lines; i++) {
    Line *line = &soak.lines[i];
    line->soak = &soak;
    line->index = i;
    line->engine = loa_engine_new(g_ptr_array_index(soak.config->lines, i), soak.config,
                                  &callbacks, line, &error);
    if (line->engine == NULL) {
      g_printerr("engine-soak: %s\n", error->message);
      goto stop;
    }
    fast_clock_attach(soak.fc, line->engine);
    if (!loa_engine_start(line->engine, &error)) {
      g_printerr("engine-soak: %s\n", error->message);
      goto stop;
    }
  }

  print_sample_header();
  soak.t0 = fast_clock_now_wall(soak.fc) + 2 * NS_PER_SECOND;
  soak.real_start = soak.last_finish = g_get_monotonic_time();
  record_sample(&soak, 0);
  soak.next_sample = soak.every;
  guint ticker = g_timeout_add(2, tick, &soak);
  g_main_loop_run(soak.loop);
  if (!soak.stalled)
    g_source_remove(ticker);
  /* The last sample, if the count is not a multiple of --every. */
  Sample last = take_sample(&soak, soak.airings);
  if (!soak.stalled && soak.samples->len > 0 &&
      g_array_index(soak.samples, Sample, soak.samples->len - 1).per_line != soak.airings) {
    g_array_append_val(soak.samples, last);
    print_sample(NULL, &last, soak.n_lines);
  }

stop:
  for (guint i = 0; i < soak.n_lines && soak.lines != NULL; i++) {
    if (soak.lines[i].engine == NULL)
      continue;
    fast_clock_detach(soak.fc, soak.lines[i].engine);
    loa_engine_free(soak.lines[i].engine);
  }
  if (soak.fc != NULL)
    fast_clock_free(soak.fc);
  if (soak.loop != NULL) {
    /* Let the bins stopped off the main thread go before the last figures. */
    while (g_main_context_iteration(NULL, FALSE))
      ;
    Sample after = take_sample(&soak, soak.finished / MAX(soak.n_lines, 1));
    print_sample("engines freed", &after, soak.n_lines);
    malloc_trim(0);
    after = take_sample(&soak, after.per_line);
    print_sample("+ malloc_trim", &after, soak.n_lines);
    printf("\nairings: %u queued, %u finished, %u completed, %u not completed",
           soak.n_lines * soak.airings, soak.finished, soak.completed, soak.failed);
    if (soak.failed > MAX_SHOWN)
      printf(" (the first %d shown above)", MAX_SHOWN);
    printf("\nstart: %u completed airings more than a frame off their time; largest |error| "
           "%.3f ms\nlength: largest |played - made| in frames:",
           soak.off_time, (double)soak.max_start_error / 1e6);
    for (gsize i = 0; i < G_N_ELEMENTS(spots); i++)
      printf(" %s %" G_GINT64_FORMAT, spots[i].name, spots[i].max_frames_off);
    /* The clock stands still while a spot prepares, so this is most of the
     * run's real time beyond clock time / speed. */
    printf("\npreparing (clock held): %u spots, mean %.0f ms, max %.0f ms of real time\n",
           soak.prepared, soak.prepared > 0 ? (double)soak.prepare_us / soak.prepared / 1e3 : 0.0,
           (double)soak.max_prepare_us / 1e3);
    print_growth(&soak);
    rc = soak.stalled || soak.completed != soak.n_lines * soak.airings ? 1 : 0;
    g_main_loop_unref(soak.loop);
  }
  g_free(soak.lines);
  loa_config_free(soak.config);

out:
  for (gsize i = 0; i < G_N_ELEMENTS(spots); i++)
    g_free(spots[i].path);
  if (keep)
    printf("work directory kept: %s\n", dir);
  else
    test_util_remove_tree(dir);
  g_array_unref(soak.samples);
  gst_deinit();
  return rc;
}
