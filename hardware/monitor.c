/* Line monitoring: capture, 100 ms block levels, airing windows, dead air (see
 * monitor.h). One capture thread per monitor reads 10 ms at a time with
 * blocking reads, so it wakes once per period and needs no event loop. */
#define G_LOG_DOMAIN "loa-monitor"
#include "monitor.h"

#include "i18n.h"

#include <alsa/asoundlib.h>
#include <ebur128.h>
#include <math.h>
#include <string.h>
#include <time.h>

G_DEFINE_QUARK(loa-monitor-error-quark, loa_monitor_error)

#define NS_PER_SECOND ((gint64)1000000000)
/* The rate asked of the device (the nearest it offers is taken). */
#define CAPTURE_RATE 48000
/* One read: 10 ms. A block is a whole number of reads. */
#define READS_PER_SECOND 100
#define BLOCKS_PER_SECOND 10
/* The device buffer: room for this much before an overrun. */
#define BUFFER_MS 500
/* Ring capacity in blocks. */
#define RING_BLOCKS ((gsize)(LOA_MONITOR_HISTORY_NS / LOA_MONITOR_BLOCK_NS))
/* The time origin is the smallest estimate of this epoch and the previous one. */
#define ORIGIN_EPOCH_NS (10 * NS_PER_SECOND)
/* loa_monitor_end() waits at most this long for the capture to reach the end. */
#define END_WAIT_US (300 * G_TIME_SPAN_MILLISECOND)
/* Repeated overruns are reported at most this often. */
#define OVERRUN_REPORT_NS (60 * NS_PER_SECOND)
/* Block times move by a few microseconds as the origin estimate improves;
 * without this slack 45 blocks of 100 ms could fall a hair short of 4.5 s. */
#define DEAD_AIR_SLACK_NS ((gint64)1000000)
/* RMS of digital silence, instead of -inf. */
#define SILENCE_DBFS -200.0

/* One measured block. */
typedef struct {
  gint64 start_wall_ns;  /* wall time of its first frame */
  gint64 duration_ns;    /* its length (LOA_MONITOR_BLOCK_NS when captured here) */
  double rms_dbfs;       /* RMS of its loudest channel */
} Block;

/* One open airing window. */
typedef struct {
  gpointer airing;              /* the caller's key */
  gint64 start_wall_ns;         /* the program should be on the line from here ... */
  gint64 end_wall_ns;           /* ... to here (exclusive) */
  ebur128_state *loudness;      /* fed with the captured frames inside the window; NULL until
                                 * the first such frame, or without a device */
  gboolean loudness_failed;     /* libebur128 could not be set up or fed: loudness unknown */
} Window;

/* A dead-air call waiting for the main context. */
typedef struct {
  LoaMonitor *monitor;          /* the monitor (alive: stop destroys pending calls) */
  GSource *source;              /* the idle source that runs it */
  gint64 silent_since_wall_ns;  /* first silent block of the run */
} DeadAirCall;

/* The capture device's configuration, fixed once it is open. */
typedef struct {
  snd_pcm_format_t format;      /* S16_LE, S32_LE or FLOAT_LE */
  unsigned int rate;            /* frames per second */
  unsigned int channels;        /* interleaved channels */
  snd_pcm_uframes_t read_frames;  /* frames per read (10 ms) */
  snd_pcm_uframes_t block_frames; /* frames per block (100 ms) */
} CaptureFormat;

/* Estimate of the CLOCK_MONOTONIC instant of frame 0 (see monitor.h, "Time"). */
typedef struct {
  gint64 epoch_start_ns;        /* monotonic time the current epoch began; 0: no estimate */
  gint64 current_min_ns;        /* smallest bound seen in the current epoch */
  gint64 previous_min_ns;       /* smallest bound of the previous epoch, G_MAXINT64 if none */
} Origin;

struct LoaMonitor {
  char *line_id;                /* the line, for messages and the callback */
  char *pcm_name;               /* ALSA PCM name, NULL for a monitor fed from outside */
  double threshold_dbfs;        /* blocks above this are program */
  LoaMonitorDeadAirFunc dead_air; /* may be NULL */
  gpointer user_data;           /* for dead_air */
  GMainContext *context;        /* where dead_air runs (thread default at _new) */

  snd_pcm_t *pcm;               /* open while started */
  CaptureFormat format;         /* valid while pcm is open */
  GThread *thread;              /* the capture thread, while started */
  gint stopping;                /* atomic: the capture thread must return */

  GMutex mutex;                 /* guards everything below */
  GCond measured;               /* signalled whenever a block is added or the capture ends */
  Block *ring;                  /* RING_BLOCKS blocks, oldest at ring_head when full */
  gsize ring_head;              /* index of the oldest block */
  gsize ring_count;             /* blocks held */
  gint64 measured_until_wall_ns; /* end of the newest block (G_MININT64: none) */
  gboolean capturing;           /* the capture thread is measuring (FALSE after a failure) */
  GPtrArray *windows;           /* Window *, the open windows */
  gint64 silent_run_wall_ns;    /* start of the current silence inside a window, or G_MININT64 */
  gboolean silent_run_reported; /* that silence has been reported as dead air */
  GPtrArray *dead_air_calls;    /* DeadAirCall *, queued on context and not yet run */
};

static gint64
clock_ns(clockid_t clock)
{
  struct timespec now;
  clock_gettime(clock, &now);
  return (gint64)now.tv_sec * NS_PER_SECOND + now.tv_nsec;
}

/* Duration of frames at rate, exact to the ns and without overflow for any
 * realistic frame count. */
static gint64
frames_to_ns(gint64 frames, unsigned int rate)
{
  return frames / rate * NS_PER_SECOND + frames % rate * NS_PER_SECOND / rate;
}

static void
window_free(gpointer data)
{
  Window *window = data;
  if (window->loudness != NULL)
    ebur128_destroy(&window->loudness);
  g_free(window);
}

static void
dead_air_call_free(gpointer data)
{
  g_free(data);
}

LoaMonitor *
loa_monitor_new(const char *line_id, const char *device, double threshold_dbfs,
                LoaMonitorDeadAirFunc dead_air, gpointer user_data, GError **error)
{
  g_return_val_if_fail(line_id != NULL, NULL);
  g_return_val_if_fail(error == NULL || *error == NULL, NULL);

  if (device != NULL && (!g_str_has_prefix(device, "alsa:") || device[5] == '\0')) {
    g_set_error(error, LOA_MONITOR_ERROR, LOA_MONITOR_ERROR_INVALID,
                _("line '%s': monitor '%s' is not \"alsa:PCM\" (an ALSA capture PCM name)"),
                line_id, device);
    return NULL;
  }
  LoaMonitor *monitor = g_new0(LoaMonitor, 1);
  monitor->line_id = g_strdup(line_id);
  monitor->pcm_name = device != NULL ? g_strdup(device + 5) : NULL;
  monitor->threshold_dbfs = threshold_dbfs;
  monitor->dead_air = dead_air;
  monitor->user_data = user_data;
  monitor->context = g_main_context_ref_thread_default();
  g_mutex_init(&monitor->mutex);
  g_cond_init(&monitor->measured);
  monitor->ring = g_new0(Block, RING_BLOCKS);
  monitor->measured_until_wall_ns = G_MININT64;
  monitor->windows = g_ptr_array_new_with_free_func(window_free);
  monitor->silent_run_wall_ns = G_MININT64;
  monitor->dead_air_calls = g_ptr_array_new();
  return monitor;
}

/* Runs on the main context: one queued dead-air call. */
static gboolean
dead_air_dispatch(gpointer data)
{
  DeadAirCall *call = data;
  LoaMonitor *monitor = call->monitor;
  g_mutex_lock(&monitor->mutex);
  g_ptr_array_remove_fast(monitor->dead_air_calls, call);
  g_mutex_unlock(&monitor->mutex);
  if (monitor->dead_air != NULL)
    monitor->dead_air(monitor->line_id, call->silent_since_wall_ns, monitor->user_data);
  return G_SOURCE_REMOVE;
}

/* The window that should carry the program at wall time, or NULL. Locked. */
static Window *
window_at(LoaMonitor *monitor, gint64 wall_ns)
{
  for (guint i = 0; i < monitor->windows->len; i++) {
    Window *window = g_ptr_array_index(monitor->windows, i);
    if (wall_ns >= window->start_wall_ns && wall_ns < window->end_wall_ns)
      return window;
  }
  return NULL;
}

/* Stores a block, follows the silence for dead air and wakes loa_monitor_end().
 * Locked. */
static void
add_block_locked(LoaMonitor *monitor, gint64 start_wall_ns, gint64 duration_ns, double rms_dbfs)
{
  gsize slot = (monitor->ring_head + monitor->ring_count) % RING_BLOCKS;
  if (monitor->ring_count == RING_BLOCKS)
    monitor->ring_head = (monitor->ring_head + 1) % RING_BLOCKS;
  else
    monitor->ring_count++;
  monitor->ring[slot] = (Block){ start_wall_ns, duration_ns, rms_dbfs };
  monitor->measured_until_wall_ns = MAX(monitor->measured_until_wall_ns, start_wall_ns + duration_ns);
  g_cond_broadcast(&monitor->measured);

  gboolean in_window = window_at(monitor, start_wall_ns + duration_ns / 2) != NULL;
  if (!in_window || rms_dbfs > monitor->threshold_dbfs) {
    monitor->silent_run_wall_ns = G_MININT64;
    monitor->silent_run_reported = FALSE;
    return;
  }
  if (monitor->silent_run_wall_ns == G_MININT64)
    monitor->silent_run_wall_ns = start_wall_ns;
  if (monitor->silent_run_reported ||
      start_wall_ns + duration_ns - monitor->silent_run_wall_ns <
          LOA_MONITOR_DEAD_AIR_NS - DEAD_AIR_SLACK_NS)
    return;

  monitor->silent_run_reported = TRUE;
  g_autoptr(GDateTime) since =
      g_date_time_new_from_unix_local(monitor->silent_run_wall_ns / NS_PER_SECOND);
  g_autofree char *since_text = since != NULL ? g_date_time_format(since, "%H:%M:%S") : NULL;
  g_warning(_("line '%s': dead air: the line has been silent since %s (%.1f s, under %.0f dBFS)"),
            monitor->line_id, since_text != NULL ? since_text : "?",
            (double)(start_wall_ns + duration_ns - monitor->silent_run_wall_ns) / NS_PER_SECOND,
            monitor->threshold_dbfs);

  DeadAirCall *call = g_new0(DeadAirCall, 1);
  call->monitor = monitor;
  call->silent_since_wall_ns = monitor->silent_run_wall_ns;
  call->source = g_idle_source_new();
  g_source_set_priority(call->source, G_PRIORITY_DEFAULT);
  g_source_set_callback(call->source, dead_air_dispatch, call, dead_air_call_free);
  g_ptr_array_add(monitor->dead_air_calls, call);
  g_source_attach(call->source, monitor->context);
  g_source_unref(call->source); /* the context holds it until it runs or is destroyed */
}

void
loa_monitor_add_block(LoaMonitor *monitor, gint64 start_wall_ns, gint64 duration_ns,
                      double rms_dbfs)
{
  g_return_if_fail(monitor != NULL && duration_ns > 0);
  g_mutex_lock(&monitor->mutex);
  add_block_locked(monitor, start_wall_ns, duration_ns, isnan(rms_dbfs) ? SILENCE_DBFS : rms_dbfs);
  g_mutex_unlock(&monitor->mutex);
}

/* Takes one upper bound of the origin (see monitor.h, "Time"): read_end_ns is
 * when a read returned, frames_total the frames read up to then. Returns the
 * current estimate of frame 0's monotonic time. */
static gint64
origin_update(Origin *origin, gint64 read_end_ns, gint64 frames_total, unsigned int rate)
{
  gint64 bound = read_end_ns - frames_to_ns(frames_total, rate);
  if (origin->epoch_start_ns == 0) {
    origin->epoch_start_ns = read_end_ns;
    origin->current_min_ns = bound;
    origin->previous_min_ns = G_MAXINT64;
  } else if (read_end_ns - origin->epoch_start_ns >= ORIGIN_EPOCH_NS) {
    origin->previous_min_ns = origin->current_min_ns;
    origin->epoch_start_ns = read_end_ns;
    origin->current_min_ns = bound;
  } else {
    origin->current_min_ns = MIN(origin->current_min_ns, bound);
  }
  return MIN(origin->current_min_ns, origin->previous_min_ns);
}

/* Converts n frames of the capture format to interleaved floats. */
static void
to_float(const CaptureFormat *format, const void *data, gsize n_frames, float *out)
{
  gsize n = n_frames * format->channels;
  switch (format->format) {
  case SND_PCM_FORMAT_S16_LE:
    for (gsize i = 0; i < n; i++)
      out[i] = (float)(GINT16_FROM_LE(((const gint16 *)data)[i]) / 32768.0);
    break;
  case SND_PCM_FORMAT_S32_LE:
    for (gsize i = 0; i < n; i++)
      out[i] = (float)(GINT32_FROM_LE(((const gint32 *)data)[i]) / 2147483648.0);
    break;
  default: /* FLOAT_LE on a little-endian host: checked at open */
    memcpy(out, data, n * sizeof(float));
    break;
  }
}

/* Feeds the frames of one read (the first at wall time first_wall_ns) that lie
 * inside open windows to their loudness meters. Locked. */
static void
feed_windows_locked(LoaMonitor *monitor, const float *samples, gsize n_frames,
                    gint64 first_wall_ns)
{
  const CaptureFormat *format = &monitor->format;
  gint64 span_ns = frames_to_ns((gint64)n_frames, format->rate);
  for (guint i = 0; i < monitor->windows->len; i++) {
    Window *window = g_ptr_array_index(monitor->windows, i);
    if (window->loudness_failed || window->end_wall_ns <= first_wall_ns ||
        window->start_wall_ns >= first_wall_ns + span_ns)
      continue;
    /* Frames whose time is in [start, end): index ceil((t - first) * rate). */
    gint64 from = 0, to = (gint64)n_frames;
    if (window->start_wall_ns > first_wall_ns)
      from = (gint64)ceil((double)(window->start_wall_ns - first_wall_ns) * format->rate /
                          NS_PER_SECOND);
    if (window->end_wall_ns < first_wall_ns + span_ns)
      to = (gint64)ceil((double)(window->end_wall_ns - first_wall_ns) * format->rate /
                        NS_PER_SECOND);
    from = CLAMP(from, 0, (gint64)n_frames);
    to = CLAMP(to, from, (gint64)n_frames);
    if (to == from)
      continue;
    if (window->loudness == NULL) {
      window->loudness = ebur128_init(format->channels, format->rate, EBUR128_MODE_I);
      if (window->loudness == NULL) {
        window->loudness_failed = TRUE;
        continue;
      }
      /* A mono line return is heard on both sides, as ingest measures mono spots. */
      if (format->channels == 1)
        ebur128_set_channel(window->loudness, 0, EBUR128_DUAL_MONO);
    }
    if (ebur128_add_frames_float(window->loudness, samples + from * format->channels,
                                 (size_t)(to - from)) != EBUR128_SUCCESS)
      window->loudness_failed = TRUE;
  }
}

/* The capture thread: reads, measures blocks, feeds windows, until stopping
 * or a device error. */
static gpointer
capture_thread(gpointer data)
{
  LoaMonitor *monitor = data;
  const CaptureFormat *format = &monitor->format;
  gsize frame_bytes = (gsize)snd_pcm_format_physical_width(format->format) / 8 * format->channels;
  g_autofree guint8 *raw = g_malloc(format->read_frames * frame_bytes);
  g_autofree float *samples = g_new(float, format->read_frames * format->channels);
  g_autofree double *block_sums = g_new0(double, format->channels);
  snd_pcm_uframes_t block_fill = 0;  /* frames in block_sums */
  gint64 block_first_frame = 0;      /* frame index of the block's first frame */
  gint64 frames_total = 0;           /* frames read since the start or the last overrun */
  Origin origin = { 0 };
  guint overruns = 0, overruns_reported = 0;
  gint64 overrun_reported_ns = 0;

  while (!g_atomic_int_get(&monitor->stopping)) {
    snd_pcm_sframes_t got = snd_pcm_readi(monitor->pcm, raw, format->read_frames);
    if (got == -EPIPE || got == -ESTRPIPE) {
      /* Overrun or suspend: frames are lost, so the frame count no longer
       * tells the time. Restart the estimate and the block. */
      overruns++;
      gint64 now = clock_ns(CLOCK_MONOTONIC);
      if (overruns_reported == 0 || now - overrun_reported_ns >= OVERRUN_REPORT_NS) {
        g_warning(_("line '%s': monitor '%s': capture overrun (%u so far); restarting"),
                  monitor->line_id, monitor->pcm_name, overruns);
        overruns_reported = overruns;
        overrun_reported_ns = now;
      }
      int rc = got == -ESTRPIPE ? snd_pcm_resume(monitor->pcm) : -1;
      if (rc < 0)
        rc = snd_pcm_prepare(monitor->pcm);
      if (rc >= 0 && snd_pcm_state(monitor->pcm) != SND_PCM_STATE_RUNNING)
        rc = snd_pcm_start(monitor->pcm);
      if (rc < 0) {
        got = rc;
      } else {
        origin = (Origin){ 0 };
        frames_total = 0;
        block_fill = 0;
        memset(block_sums, 0, format->channels * sizeof(double));
        continue;
      }
    }
    if (got == -EAGAIN || got == -EINTR)
      continue;
    if (got < 0) {
      g_warning(_("line '%s': monitor '%s' failed: %s; the line is no longer monitored"),
                monitor->line_id, monitor->pcm_name, snd_strerror((int)got));
      break;
    }
    if (got == 0)
      continue;

    gint64 now_mono = clock_ns(CLOCK_MONOTONIC);
    gint64 wall_minus_mono = clock_ns(CLOCK_REALTIME) - now_mono;
    gint64 read_first_frame = frames_total;
    frames_total += got;
    gint64 origin_mono = origin_update(&origin, now_mono, frames_total, format->rate);
    gint64 origin_wall = origin_mono + wall_minus_mono;
    to_float(format, raw, (gsize)got, samples);

    g_mutex_lock(&monitor->mutex);
    feed_windows_locked(monitor, samples, (gsize)got,
                        origin_wall + frames_to_ns(read_first_frame, format->rate));
    for (snd_pcm_sframes_t i = 0; i < got; i++) {
      if (block_fill == 0)
        block_first_frame = read_first_frame + i;
      for (unsigned int c = 0; c < format->channels; c++) {
        double x = samples[(gsize)i * format->channels + c];
        block_sums[c] += x * x;
      }
      if (++block_fill < format->block_frames)
        continue;
      double loudest = 0.0;
      for (unsigned int c = 0; c < format->channels; c++) {
        loudest = MAX(loudest, block_sums[c] / (double)block_fill);
        block_sums[c] = 0.0;
      }
      double rms_dbfs = loudest > 0.0 ? MAX(10.0 * log10(loudest), SILENCE_DBFS) : SILENCE_DBFS;
      add_block_locked(monitor, origin_wall + frames_to_ns(block_first_frame, format->rate),
                       frames_to_ns((gint64)block_fill, format->rate), rms_dbfs);
      block_fill = 0;
    }
    g_mutex_unlock(&monitor->mutex);
  }

  g_mutex_lock(&monitor->mutex);
  monitor->capturing = FALSE;
  g_cond_broadcast(&monitor->measured);
  g_mutex_unlock(&monitor->mutex);
  return NULL;
}

/* Opens and configures the PCM into monitor->pcm / monitor->format. Returns
 * TRUE, or FALSE with the error naming the failed call (pcm closed). */
static gboolean
open_capture(LoaMonitor *monitor, GError **error)
{
  static const snd_pcm_format_t formats[] = { SND_PCM_FORMAT_S16_LE, SND_PCM_FORMAT_S32_LE,
                                              SND_PCM_FORMAT_FLOAT_LE };
  CaptureFormat *format = &monitor->format;
  snd_pcm_hw_params_t *hw = NULL;
  snd_pcm_sw_params_t *sw = NULL;
  const char *call = "snd_pcm_open";
  int rc = snd_pcm_open(&monitor->pcm, monitor->pcm_name, SND_PCM_STREAM_CAPTURE, 0);
  if (rc < 0)
    goto fail;

  snd_pcm_hw_params_alloca(&hw);
  call = "snd_pcm_hw_params_any";
  if ((rc = snd_pcm_hw_params_any(monitor->pcm, hw)) < 0)
    goto fail;
  call = "snd_pcm_hw_params_set_access";
  if ((rc = snd_pcm_hw_params_set_access(monitor->pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED)) < 0)
    goto fail;
  call = "snd_pcm_hw_params_set_format";
  rc = -EINVAL;
  for (gsize i = 0; i < G_N_ELEMENTS(formats) && rc < 0; i++) {
    if (formats[i] == SND_PCM_FORMAT_FLOAT_LE && G_BYTE_ORDER != G_LITTLE_ENDIAN)
      continue;
    if (snd_pcm_hw_params_test_format(monitor->pcm, hw, formats[i]) == 0)
      rc = snd_pcm_hw_params_set_format(monitor->pcm, hw, formats[i]);
    if (rc >= 0)
      format->format = formats[i];
  }
  if (rc < 0)
    goto fail;
  call = "snd_pcm_hw_params_set_channels";
  if ((rc = snd_pcm_hw_params_get_channels_min(hw, &format->channels)) < 0)
    goto fail;
  format->channels = MAX(format->channels, 1);
  if ((rc = snd_pcm_hw_params_set_channels(monitor->pcm, hw, format->channels)) < 0)
    goto fail;
  call = "snd_pcm_hw_params_set_rate_near";
  format->rate = CAPTURE_RATE;
  if ((rc = snd_pcm_hw_params_set_rate_near(monitor->pcm, hw, &format->rate, NULL)) < 0)
    goto fail;
  /* At rates that are not a multiple of 100 (11025, 22050) blocks are a hair
   * shorter than 100 ms; they carry their exact length. */
  format->read_frames = MAX(format->rate / READS_PER_SECOND, 1);
  format->block_frames = format->read_frames * (READS_PER_SECOND / BLOCKS_PER_SECOND);
  snd_pcm_uframes_t period = format->read_frames;
  snd_pcm_uframes_t buffer = (snd_pcm_uframes_t)format->rate * BUFFER_MS / 1000;
  call = "snd_pcm_hw_params_set_period_size_near";
  if ((rc = snd_pcm_hw_params_set_period_size_near(monitor->pcm, hw, &period, NULL)) < 0)
    goto fail;
  call = "snd_pcm_hw_params_set_buffer_size_near";
  if ((rc = snd_pcm_hw_params_set_buffer_size_near(monitor->pcm, hw, &buffer)) < 0)
    goto fail;
  call = "snd_pcm_hw_params";
  if ((rc = snd_pcm_hw_params(monitor->pcm, hw)) < 0)
    goto fail;

  snd_pcm_sw_params_alloca(&sw);
  call = "snd_pcm_sw_params";
  if ((rc = snd_pcm_sw_params_current(monitor->pcm, sw)) < 0 ||
      (rc = snd_pcm_sw_params_set_avail_min(monitor->pcm, sw, format->read_frames)) < 0 ||
      (rc = snd_pcm_sw_params_set_start_threshold(monitor->pcm, sw, 1)) < 0 ||
      (rc = snd_pcm_sw_params(monitor->pcm, sw)) < 0)
    goto fail;
  call = "snd_pcm_start";
  if ((rc = snd_pcm_start(monitor->pcm)) < 0)
    goto fail;
  return TRUE;

fail:
  g_set_error(error, LOA_MONITOR_ERROR, LOA_MONITOR_ERROR_DEVICE,
              _("line '%s': monitor '%s': %s failed: %s"), monitor->line_id, monitor->pcm_name,
              call, snd_strerror(rc));
  if (monitor->pcm != NULL)
    snd_pcm_close(monitor->pcm);
  monitor->pcm = NULL;
  return FALSE;
}

gboolean
loa_monitor_start(LoaMonitor *monitor, GError **error)
{
  g_return_val_if_fail(monitor != NULL, FALSE);
  g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
  if (monitor->pcm_name == NULL || monitor->thread != NULL)
    return TRUE;
  if (!open_capture(monitor, error))
    return FALSE;

  g_atomic_int_set(&monitor->stopping, 0);
  g_mutex_lock(&monitor->mutex);
  monitor->capturing = TRUE;
  g_mutex_unlock(&monitor->mutex);
  g_autofree char *name = g_strdup_printf("monitor-%s", monitor->line_id);
  g_autoptr(GError) local = NULL;
  monitor->thread = g_thread_try_new(name, capture_thread, monitor, &local);
  if (monitor->thread == NULL) {
    g_mutex_lock(&monitor->mutex);
    monitor->capturing = FALSE;
    g_mutex_unlock(&monitor->mutex);
    snd_pcm_close(monitor->pcm);
    monitor->pcm = NULL;
    g_set_error(error, LOA_MONITOR_ERROR, LOA_MONITOR_ERROR_THREAD,
                _("line '%s': cannot start the monitor thread: %s"), monitor->line_id,
                local->message);
    return FALSE;
  }
  g_debug("line '%s': monitoring '%s' (%s, %u Hz, %u channels, threshold %.1f dBFS)",
          monitor->line_id, monitor->pcm_name, snd_pcm_format_name(monitor->format.format),
          monitor->format.rate, monitor->format.channels, monitor->threshold_dbfs);
  return TRUE;
}

void
loa_monitor_begin(LoaMonitor *monitor, gpointer airing, gint64 start_wall_ns, gint64 end_wall_ns)
{
  g_return_if_fail(monitor != NULL);
  Window *window = g_new0(Window, 1);
  window->airing = airing;
  window->start_wall_ns = start_wall_ns;
  window->end_wall_ns = end_wall_ns;
  g_mutex_lock(&monitor->mutex);
  for (guint i = 0; i < monitor->windows->len; i++)
    if (((Window *)g_ptr_array_index(monitor->windows, i))->airing == airing) {
      g_ptr_array_remove_index_fast(monitor->windows, i);
      break;
    }
  g_ptr_array_add(monitor->windows, window);
  g_mutex_unlock(&monitor->mutex);
}

/* Time in [start, end) covered by blocks above the threshold. Locked. */
static gint64
present_ns_locked(LoaMonitor *monitor, gint64 start_wall_ns, gint64 end_wall_ns)
{
  gint64 present = 0;
  for (gsize i = 0; i < monitor->ring_count; i++) {
    const Block *block = &monitor->ring[(monitor->ring_head + i) % RING_BLOCKS];
    if (block->rms_dbfs <= monitor->threshold_dbfs)
      continue;
    gint64 from = MAX(block->start_wall_ns, start_wall_ns);
    gint64 to = MIN(block->start_wall_ns + block->duration_ns, end_wall_ns);
    if (to > from)
      present += to - from;
  }
  return present;
}

void
loa_monitor_end(LoaMonitor *monitor, gpointer airing, LoaMonitorResult *result)
{
  g_return_if_fail(monitor != NULL && result != NULL);
  *result = (LoaMonitorResult){ 0.0, FALSE, NAN, "absent" };

  g_mutex_lock(&monitor->mutex);
  Window *window = NULL;
  guint index = 0;
  for (; index < monitor->windows->len; index++) {
    window = g_ptr_array_index(monitor->windows, index);
    if (window->airing == airing)
      break;
  }
  if (index == monitor->windows->len) {
    g_mutex_unlock(&monitor->mutex);
    g_critical("line '%s': loa_monitor_end() for an airing that has no window", monitor->line_id);
    return;
  }
  gint64 deadline = g_get_monotonic_time() + END_WAIT_US;
  while (monitor->capturing && monitor->measured_until_wall_ns < window->end_wall_ns &&
         g_cond_wait_until(&monitor->measured, &monitor->mutex, deadline))
    ;
  g_ptr_array_steal_index_fast(monitor->windows, index);
  /* Closing the window ends any silence it was carrying. */
  if (window_at(monitor, monitor->measured_until_wall_ns - 1) == NULL) {
    monitor->silent_run_wall_ns = G_MININT64;
    monitor->silent_run_reported = FALSE;
  }
  gint64 length = window->end_wall_ns - window->start_wall_ns;
  gint64 present = length > 0 ? present_ns_locked(monitor, window->start_wall_ns,
                                                  window->end_wall_ns) : 0;
  g_mutex_unlock(&monitor->mutex);

  result->present_fraction = length > 0 ? CLAMP((double)present / (double)length, 0.0, 1.0) : 0.0;
  if (result->present_fraction >= LOA_MONITOR_PRESENT_FRACTION)
    result->verdict = "present";
  else if (present > 0)
    result->verdict = "partial";
  double lufs = -HUGE_VAL;
  if (window->loudness != NULL && !window->loudness_failed &&
      ebur128_loudness_global(window->loudness, &lufs) == EBUR128_SUCCESS && isfinite(lufs)) {
    result->loudness_known = TRUE;
    result->loudness_lufs = lufs;
  }
  window_free(window);
}

gboolean
loa_monitor_caught_up(LoaMonitor *monitor, gpointer airing)
{
  g_return_val_if_fail(monitor != NULL, TRUE);
  gboolean caught_up = TRUE;
  g_mutex_lock(&monitor->mutex);
  for (guint i = 0; i < monitor->windows->len; i++) {
    const Window *window = g_ptr_array_index(monitor->windows, i);
    if (window->airing == airing) {
      caught_up = !monitor->capturing || monitor->measured_until_wall_ns >= window->end_wall_ns;
      break;
    }
  }
  g_mutex_unlock(&monitor->mutex);
  return caught_up;
}

void
loa_monitor_stop(LoaMonitor *monitor)
{
  g_return_if_fail(monitor != NULL);
  if (monitor->thread != NULL) {
    g_atomic_int_set(&monitor->stopping, 1);
    g_thread_join(monitor->thread);
    monitor->thread = NULL;
    snd_pcm_close(monitor->pcm);
    monitor->pcm = NULL;
  }
  g_mutex_lock(&monitor->mutex);
  monitor->capturing = FALSE;
  for (guint i = 0; i < monitor->dead_air_calls->len; i++) {
    DeadAirCall *call = g_ptr_array_index(monitor->dead_air_calls, i);
    g_source_destroy(call->source); /* frees call */
  }
  g_ptr_array_set_size(monitor->dead_air_calls, 0);
  g_mutex_unlock(&monitor->mutex);
}

void
loa_monitor_free(LoaMonitor *monitor)
{
  if (monitor == NULL)
    return;
  loa_monitor_stop(monitor);
  g_ptr_array_unref(monitor->windows);
  g_ptr_array_unref(monitor->dead_air_calls);
  g_free(monitor->ring);
  g_cond_clear(&monitor->measured);
  g_mutex_clear(&monitor->mutex);
  g_main_context_unref(monitor->context);
  g_free(monitor->pcm_name);
  g_free(monitor->line_id);
  g_free(monitor);
}
