/* A clock faster than real time (see fast-clock.h). */
#include "fast-clock.h"

#include <gst/check/gsttestclock.h>

#define DEFAULT_SPEED 4.0
#define MAX_HOLD_US (5 * G_USEC_PER_SEC)
/* While held the clock creeps at this fraction of real time rather than
 * standing still: a compressed spot's first buffer asks the mixer about its
 * buffers (an allocation query), which the mixer answers only when its
 * thread is back from the sink, itself waiting on this clock. */
#define HOLD_SPEED 0.1

struct FastClock {
  GstClock *clock;      /* a GstTestClock */
  gint64 wall_offset;   /* wall time − clock time (main thread) */
  double speed;
  GThread *thread;
  gint stop;
  gint hold;            /* an engine is decoding a first buffer: time (nearly) stands still */
  GPtrArray *engines;   /* LoaEngine * attached (main thread) */
  guint watch;          /* main-context source watching their preparation */
  gint64 held_since;    /* real time the current hold began, 0 if none (main thread) */
};

/* GstTestClock releases a waiter only when told to: this thread moves the
 * clock on at `speed` and releases every wait that is due, every 0.2 ms. */
static gpointer
run_clock(gpointer data)
{
  FastClock *fc = data;
  GstTestClock *test_clock = GST_TEST_CLOCK(fc->clock);
  gint64 real_base = g_get_monotonic_time();
  GstClockTime clock_base = gst_clock_get_time(fc->clock);
  gboolean held = FALSE;
  while (!g_atomic_int_get(&fc->stop)) {
    gboolean hold = g_atomic_int_get(&fc->hold);
    if (hold != held) {  /* a new pace from here */
      real_base = g_get_monotonic_time();
      clock_base = gst_clock_get_time(fc->clock);
      held = hold;
    }
    double speed = held ? HOLD_SPEED : fc->speed;
    GstClockTime allowed =
      clock_base + (GstClockTime)((double)(g_get_monotonic_time() - real_base) * 1000.0 * speed);
    if (allowed > gst_clock_get_time(fc->clock))
      gst_test_clock_set_time(test_clock, allowed);
    GstClockID id;
    while ((id = gst_test_clock_process_next_clock_id(test_clock)) != NULL)
      gst_clock_id_unref(id);
    g_usleep(200);
  }
  return NULL;
}

/* Main thread, every millisecond: holds the clock while an engine prepares. */
static gboolean
watch_preparation(gpointer data)
{
  FastClock *fc = data;
  gboolean preparing = FALSE;
  for (guint i = 0; i < fc->engines->len && !preparing; i++)
    preparing = loa_engine_preparing(fc->engines->pdata[i]) > 0;
  gint64 now = g_get_monotonic_time();
  if (!preparing)
    fc->held_since = 0;
  else if (fc->held_since == 0)
    fc->held_since = now;
  g_atomic_int_set(&fc->hold, preparing && now - fc->held_since < MAX_HOLD_US);
  return G_SOURCE_CONTINUE;
}

/* The engine asks on the main thread, where the offset is stepped. */
static gint64
wall_minus_clock(gpointer data)
{
  return ((FastClock *)data)->wall_offset;
}

FastClock *
fast_clock_new(double speed)
{
  FastClock *fc = g_new0(FastClock, 1);
  fc->clock = gst_test_clock_new();
  fc->wall_offset = g_get_real_time() * 1000;
  const char *env = g_getenv("LOA_TEST_CLOCK_SPEED");
  fc->speed = speed > 0 ? speed : env != NULL ? g_ascii_strtod(env, NULL) : DEFAULT_SPEED;
  if (!(fc->speed > 0))
    fc->speed = DEFAULT_SPEED;
  fc->engines = g_ptr_array_new();
  fc->thread = g_thread_new("fast-clock", run_clock, fc);
  fc->watch = g_timeout_add(1, watch_preparation, fc);
  return fc;
}

void
fast_clock_free(FastClock *fc)
{
  g_source_remove(fc->watch);
  g_atomic_int_set(&fc->stop, 1);
  g_thread_join(fc->thread);
  g_ptr_array_unref(fc->engines);
  gst_object_unref(fc->clock);
  g_free(fc);
}

void
fast_clock_attach(FastClock *fc, LoaEngine *engine)
{
  LoaEngineClock clock = { .gst_clock = fc->clock, .wall_minus_clock_ns = wall_minus_clock,
                           .data = fc };
  loa_engine_use_clock(engine, &clock);
  g_ptr_array_add(fc->engines, engine);
}

void
fast_clock_detach(FastClock *fc, LoaEngine *engine)
{
  g_ptr_array_remove(fc->engines, engine);
}

gint64
fast_clock_now_wall(FastClock *fc)
{
  return (gint64)gst_clock_get_time(fc->clock) + fc->wall_offset;
}

void
fast_clock_step_wall(FastClock *fc, gint64 step)
{
  fc->wall_offset += step;
}

void
fast_clock_hold(FastClock *fc)
{
  fc->held_since = g_get_monotonic_time();
  g_atomic_int_set(&fc->hold, 1);
}
