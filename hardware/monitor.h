/* Line monitoring: did the program really reach the line?
 *
 * A line may have a `monitor` input, an ALSA capture of the line return. A
 * LoaMonitor captures it continuously (plain ALSA, one thread), cuts it into
 * blocks of 100 ms, measures each block's RMS level (the loudest channel, in
 * dBFS) and keeps the last 10 minutes of blocks in a ring. The engine opens a
 * window for every airing (begin), and after the airing asks for the verdict
 * (end): the fraction of the window's time covered by blocks above the
 * threshold, and the window's integrated loudness (EBU R128, libebur128, fed
 * with the captured samples while the window is open). While a window is open,
 * 4.5 s of consecutive blocks under the threshold inside it is dead air: the
 * monitor logs a warning naming the line and calls the dead-air callback, once
 * per silence.
 *
 * Lines without a monitor input can use the same logic on their own output:
 * a monitor made without a device is fed 100 ms levels (e.g. from a `level`
 * element before the sink) with loa_monitor_add_block(); it then has no
 * loudness.
 *
 * Time. Blocks carry wall-clock times (ns since the epoch, CLOCK_REALTIME) so
 * that windows are given in the schedule's own time. A captured frame's time is
 * origin + frames / rate, where the origin is estimated on CLOCK_MONOTONIC
 * from the moments blocking reads return: each return gives an upper bound
 * (a frame cannot be read before it was captured) and the smallest bound of
 * the last 10 to 20 s is taken, so scheduling delays drop out and the card's
 * clock drift is followed. With a card that delivers a period when it is
 * complete, the mapping is good to about one period (10 ms) plus the
 * converter's latency; the 90 % rule and the dead-air delay need ±50 ms. After
 * an overrun (frames lost) the estimate starts again. A device that is not
 * paced in real time (ALSA `file` over `null` reading a plain file) delivers
 * faster than real time and its times are meaningless; the tests pace such a
 * device by making its input file a FIFO written in real time.
 *
 * Threads. The functions are called from one thread, the one whose
 * thread-default main context was current at loa_monitor_new(); the dead-air
 * callback runs there too. The capture thread only measures and queues. */
#pragma once

#include <glib.h>

#define LOA_MONITOR_ERROR (loa_monitor_error_quark())
GQuark loa_monitor_error_quark(void);

typedef enum {
  LOA_MONITOR_ERROR_INVALID,  /* the device setting is not "alsa:PCM" */
  LOA_MONITOR_ERROR_DEVICE,   /* the PCM cannot be opened or configured */
  LOA_MONITOR_ERROR_THREAD,   /* the capture thread cannot be started */
} LoaMonitorError;

/* Length of one measured block. */
#define LOA_MONITOR_BLOCK_NS ((gint64)100 * 1000000)
/* How much history the ring keeps: windows that ended longer ago than this
 * (or began: the part before is lost) are judged on what is left. */
#define LOA_MONITOR_HISTORY_NS ((gint64)600 * 1000000000)
/* Consecutive silence inside an open window that is dead air. */
#define LOA_MONITOR_DEAD_AIR_NS ((gint64)4500 * 1000000)
/* Fraction of a window above the threshold for "present". */
#define LOA_MONITOR_PRESENT_FRACTION 0.9

typedef struct LoaMonitor LoaMonitor;

/* The verdict for one airing window. */
typedef struct {
  double present_fraction;  /* 0..1: part of the window's time covered by blocks above the
                             * threshold (time with no block at all counts as absent) */
  gboolean loudness_known;  /* loudness_lufs is measured (needs a device, a window open while
                             * captured, and at least 400 ms above libebur128's gate) */
  double loudness_lufs;     /* integrated loudness over the window (the part captured after
                             * begin), LUFS; NAN when not known */
  const char *verdict;      /* static: "present" (>= 90 %), "partial" (> 0 and < 90 %),
                             * "absent" (no block above the threshold) */
} LoaMonitorResult;

/* Called on the monitor's main context when dead air starts on line_id:
 * silent_since_wall_ns is the wall time (ns since the epoch) of the first
 * silent block of the run. At most once per silence (a block above the
 * threshold, or leaving every window, ends the silence). */
typedef void (*LoaMonitorDeadAirFunc)(const char *line_id, gint64 silent_since_wall_ns,
                                      gpointer user_data);

/* A new monitor for line_id. device: "alsa:PCM" (the capture PCM of the line
 * return), or NULL for a monitor fed with loa_monitor_add_block(). Blocks
 * whose RMS is above threshold_dbfs count as program. dead_air (may be NULL)
 * gets user_data. Nothing is opened yet. Returns the monitor (free with
 * loa_monitor_free), or NULL with LOA_MONITOR_ERROR_INVALID set for a device
 * setting of another kind. */
LoaMonitor *loa_monitor_new(const char *line_id, const char *device, double threshold_dbfs,
                            LoaMonitorDeadAirFunc dead_air, gpointer user_data,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Opens and starts the capture (48 kHz, the device's smallest channel count,
 * S16/S32/float), which runs from now until loa_monitor_stop(). Blocks until
 * the PCM is open. Returns TRUE (also for a monitor without a device, and if
 * already started), or FALSE with LOA_MONITOR_ERROR_DEVICE naming the line,
 * the PCM, the ALSA call and ALSA's reason, or LOA_MONITOR_ERROR_THREAD. A
 * capture that fails later (device gone) logs a warning and stops measuring:
 * windows then come out absent. */
gboolean loa_monitor_start(LoaMonitor *monitor, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Opens a window: the program of airing (an opaque key, compared by pointer)
 * should be on the line in [start_wall_ns, end_wall_ns). May be called before
 * the start (the usual case) or late; loudness is measured from the samples
 * captured after this call only. Beginning a key that is open replaces its
 * window. */
void loa_monitor_begin(LoaMonitor *monitor, gpointer airing, gint64 start_wall_ns,
                       gint64 end_wall_ns);

/* Closes airing's window and fills result with its verdict. Meant for after
 * the end: if the capture has not yet measured up to the end, waits for it
 * for at most 300 ms (a block and a read take 110 ms), then judges what is
 * there. An unknown key is a bug (critical) and gives "absent". */
void loa_monitor_end(LoaMonitor *monitor, gpointer airing, LoaMonitorResult *result);

/* Whether loa_monitor_end() for airing would judge at once: the capture has
 * measured up to the end of its window, or cannot any more (not capturing),
 * or the airing has no window. Thread-safe. */
gboolean loa_monitor_caught_up(LoaMonitor *monitor, gpointer airing);

/* Adds one measured block from outside (monitors without a device: the
 * output's level meter): RMS rms_dbfs over [start_wall_ns, start_wall_ns +
 * duration_ns). Blocks must come in time order. Thread-safe. */
void loa_monitor_add_block(LoaMonitor *monitor, gint64 start_wall_ns, gint64 duration_ns,
                           double rms_dbfs);

/* Stops the capture and closes the PCM (waits for the capture thread, at
 * most a read's length). Windows stay open and the ring stays; pending
 * dead-air calls are dropped. Does nothing if not started. */
void loa_monitor_stop(LoaMonitor *monitor);

/* Stops (see loa_monitor_stop) and frees the monitor. NULL is ignored. */
void loa_monitor_free(LoaMonitor *monitor);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaMonitor, loa_monitor_free)
