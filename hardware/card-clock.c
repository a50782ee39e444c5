#define G_LOG_DOMAIN "loa-hardware"

#include "card-clock.h"

#include <gst/audio/audio.h>

#define GUARD_KEY "loa-card-clock-guard"

/* The sink's own reader, wrapped. Owned by the sink (object data); the sink
 * invalidates its clock before its data is freed, so the wrapper is never
 * called on a freed guard. */
typedef struct {
  GMutex lock;  /* readings come from the clock's thread and streaming threads */
  GstAudioClockGetTimeFunc func;
  gpointer func_data;
  GstAudioBaseSink *sink;  /* not a reference: the guard lives in its data */
  LoaCardClockTrack track;
  guint64 rereads;  /* readings taken again because a segment was counted meanwhile */
} Guard;

GstClockTime
loa_card_clock_mend(LoaCardClockTrack *track, GstClockTime reading, gint64 now_ns,
                    GstClockTime segment, int segments)
{
  if (!GST_CLOCK_TIME_IS_VALID(reading))
    return reading;
  gboolean mended = FALSE;
  if (track->have_last && !track->last_mended && segment > 0 && segments > 0 &&
      now_ns >= track->last_now_ns && now_ns - track->last_now_ns <= (gint64)GST_SECOND) {
    GstClockTime elapsed = (GstClockTime)(now_ns - track->last_now_ns);
    GstClockTime expected = track->last + elapsed;
    /* A torn reading still moved on since the last one (by the time between
     * them less the segments it lost); a stalled card's did not. */
    if (expected > reading && reading > track->last + elapsed / 4) {
      GstClockTime lag = expected - reading;
      guint64 whole = (lag + segment / 2) / segment;
      GstClockTime rest = lag > whole * segment ? lag - whole * segment : whole * segment - lag;
      if (whole >= 1 && whole <= (guint64)segments && rest <= segment / 4) {
        reading += whole * segment;
        mended = TRUE;
        track->mended++;
      }
    }
  }
  track->last = reading;
  track->last_now_ns = now_ns;
  track->have_last = TRUE;
  track->last_mended = mended;
  return reading;
}

static GstClockTime
guarded_time(GstClock *clock, gpointer data)
{
  Guard *guard = data;
  g_mutex_lock(&guard->lock);
  GstAudioRingBuffer *ring = guard->sink->ringbuffer;
  GstClockTime reading = GST_CLOCK_TIME_NONE;
  /* A segment counted while the sink read its clock may have torn the
   * reading: read again (a few microseconds later) rather than mend. */
  for (int attempt = 0; attempt < 3; attempt++) {
    gint before = ring != NULL ? g_atomic_int_get(&ring->segdone) : 0;
    reading = guard->func(clock, guard->func_data);
    if (ring == NULL || g_atomic_int_get(&ring->segdone) == before)
      break;
    guard->rereads++;
    g_debug("%s: read the card's clock again: a segment was counted meanwhile (%" G_GUINT64_FORMAT
            " so far)",
            GST_OBJECT_NAME(guard->sink), guard->rereads);
  }
  GstClockTime segment = 0;
  int segments = 0;
  /* Only a running card's readings are compared: stopped or paused, its
   * clock stands still on purpose. */
  if (ring != NULL && g_atomic_int_get(&ring->state) == GST_AUDIO_RING_BUFFER_STATE_STARTED &&
      ring->spec.info.rate > 0 && ring->samples_per_seg > 0) {
    segment = gst_util_uint64_scale_int(ring->samples_per_seg, GST_SECOND, ring->spec.info.rate);
    segments = ring->spec.segtotal;
  }
  guint64 mended_before = guard->track.mended;
  reading = loa_card_clock_mend(&guard->track, reading, g_get_monotonic_time() * 1000, segment,
                                segments);
  if (guard->track.mended != mended_before)
    g_debug("%s: mended a torn reading of the card's clock (%" G_GUINT64_FORMAT " so far)",
            GST_OBJECT_NAME(guard->sink), guard->track.mended);
  g_mutex_unlock(&guard->lock);
  return reading;
}

static void
guard_free(gpointer data)
{
  Guard *guard = data;
  g_mutex_clear(&guard->lock);
  g_free(guard);
}

void
loa_card_clock_setup(GstElement *sink)
{
  if (!GST_IS_AUDIO_BASE_SINK(sink))
    return;
  GstAudioBaseSink *base = GST_AUDIO_BASE_SINK(sink);
  if (base->provided_clock == NULL || !GST_IS_AUDIO_CLOCK(base->provided_clock))
    return;
  /* The resample slaving compares the card's clock with the system clock
   * every "timeout" (100 ms by default, a whole number of 10 or 50 ms
   * periods). With the output threads real-time the samples then fell at
   * the same phase of a period, and the first seconds' rate estimates were
   * off by up to 2 % (a spot 8 ms early in playout.airing, 7 runs of 32).
   * 194 ms is no whole number of periods, so the phase walks through the
   * period. Every sample wakes the clock's thread, once per line: 194 ms
   * instead of 97 took 8 lines through the virtual card from 4.27 to 3.93 %
   * of a core in 30 s runs (4.90 to 4.62 in 60 s runs beside Liquidsoap;
   * bench/load), with the same start errors (bench/timing).
   *
   * The rate and offset are a regression over the last window-size
   * samples, and one sample that is off moves the fitted line's end by about
   * 5/window of its error. With the default 32, spots on a card 1000 ppm off
   * came out up to 1.3 ms off for a few seconds, on both lines at once, in
   * about half the bench/timing runs. Those samples were the torn readings
   * the guard below mends (one segment low, seen in GStreamer's debug log).
   * 128 samples (25 s) keep what one sample can do small, and the line
   * still follows a crystal's slow drift. */
  g_object_set(base->provided_clock, "timeout", (guint64)(194 * GST_MSECOND), "window-size",
               128, NULL);
  GstAudioClock *clock = GST_AUDIO_CLOCK(base->provided_clock);
  Guard *guard = g_new0(Guard, 1);
  g_mutex_init(&guard->lock);
  guard->func = clock->func;
  guard->func_data = clock->user_data;
  guard->sink = base;
  g_object_set_data_full(G_OBJECT(sink), GUARD_KEY, guard, guard_free);
  /* Protected fields of GstAudioClock, set before the sink runs; the clock's
   * destroy_notify (none from audiobasesink) is left as it is. */
  clock->func = guarded_time;
  clock->user_data = guard;
}

guint64
loa_card_clock_mended(GstElement *sink)
{
  Guard *guard = g_object_get_data(G_OBJECT(sink), GUARD_KEY);
  if (guard == NULL)
    return 0;
  g_mutex_lock(&guard->lock);
  guint64 mended = guard->track.mended;
  g_mutex_unlock(&guard->lock);
  return mended;
}
