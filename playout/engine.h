/* The engine of one line: one long-lived GStreamer pipeline whose output never
 * stops, and the spots placed on it at exact wall-clock times.
 *
 *   spot branch (filesrc ! decodebin ! convert ! resample ! split) ─┬─ audiomixer (force-live)
 *   spot branch ...                                                  ┘   ! caps ! volume ! level
 *                                                                        ! convert ! resample ! sink
 *
 * The pipeline clock is the monotonic system clock; wall-clock times are
 * converted to running time when a spot is placed (loa-time.h), so a wall
 * clock step cannot shift what is already placed. A spot branch is prepared
 * ahead: decoded up to its first buffer and held there; it is released with a
 * pad offset that puts its first sample at the target running time. The
 * first spot of a sequence targets its scheduled time; each following spot
 * targets the exact end of the previous one (known when that one's EOS
 * reaches the mixer), so spots of one event abut sample for sample.
 *
 * Threading: public functions and callbacks run on the thread that owns the
 * default main context; streaming threads only touch branch state under the
 * engine lock and hand results to the main context. */
#pragma once

#include <glib.h>

#include "config.h"

#define LOA_ENGINE_ERROR (loa_engine_error_quark())
GQuark loa_engine_error_quark(void);

typedef enum {
  LOA_ENGINE_ERROR_SETUP,    /* an element is missing or the device refused */
  LOA_ENGINE_ERROR_STATE,    /* the pipeline would not start, or is stopped */
} LoaEngineError;

/* How one item ended. Times are wall-clock UTC ns measured on the pipeline. */
typedef struct {
  const char *status;   /* LOA_AIRING_COMPLETED, _INTERRUPTED or _FAILED (airlog.h) */
  gint64 started_at;    /* first sample, 0 if nothing played */
  gint64 ended_at;      /* just after the last sample played, 0 if nothing played */
  gint64 frames;        /* frames played, at the engine's rate */
  const char *reason;   /* why it did not complete, or NULL */
} LoaEngineOutcome;

typedef struct {
  /* The item's first sample has been placed; started_at is when it plays. */
  void (*started)(gpointer item_data, gint64 started_at, gpointer user_data);
  /* Called exactly once per queued item, after its last sample was rendered
   * (or when it failed or was interrupted). */
  void (*finished)(gpointer item_data, const LoaEngineOutcome *outcome, gpointer user_data);
  /* The line itself failed (device lost, element error); items are finished
   * as failed or interrupted before this is called. */
  void (*line_failed)(const char *reason, gpointer user_data);
  /* The line's output level, every 100 ms: RMS (dBFS, loudest channel; -inf
   * for digital silence) of [start_wall_ns, start_wall_ns + duration_ns), the
   * wall time those samples leave the sink. Called in batches, every 250 ms
   * and before `finished`, for blocks measured ahead of the sink. May be
   * NULL. */
  void (*level)(gint64 start_wall_ns, gint64 duration_ns, double rms_dbfs, gpointer user_data);
} LoaEngineCallbacks;

/* One spot to air: a file and the caller's handle for it. */
typedef struct {
  const char *path;
  gpointer data;
  double gain_db;       /* applied to every sample (loudness normalisation); 0 = none */
  gint64 cue_in_ns;     /* play from here (file time); 0 = from the start */
  gint64 cue_out_ns;    /* stop here (file time); 0 = to the end */
  gint64 duration_ns;   /* expected airing length (cue to cue), for loa_engine_busy_until() */
} LoaEngineItem;

/* The most gain_db an item can have (GStreamer's volume element: 10x). */
#define LOA_ENGINE_MAX_GAIN_DB 20.0

/* Where loa_engine_queue_after() puts a sequence. */
typedef enum {
  LOA_ENGINE_AFTER_CURRENT,   /* right after the spot on air (priority announcements) */
  LOA_ENGINE_AFTER_SEQUENCE,  /* after the last spot of the sequence on air (soft starts) */
} LoaEngineAfter;

typedef struct LoaEngine LoaEngine;

/* Builds the line's pipeline (not yet running). Returns NULL with the error
 * naming the line if an element is missing or the output cannot be opened. */
LoaEngine *loa_engine_new(const LoaLineConfig *line, const LoaConfig *config,
                          const LoaEngineCallbacks *callbacks, gpointer user_data,
                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* A multichannel card shared by several lines (lines with the same output and
 * `channels`): one pipeline and one sink for all of them, each line placed
 * on its own card channels (ALSA's channel order is handled: channel 5 of
 * the config is ALSA channel 5). Each line is still its own engine: its
 * spots, priorities and failures never disturb the others; a failure of the
 * card itself fails every line on it. */
typedef struct LoaEngineCard LoaEngineCard;

/* Builds the card's pipeline (not running) for lines using channels up to
 * highest_channel (1-based); it is opened with 2, 4, 6 or 8 channels. NULL
 * with the error naming the output if the sink cannot be built. */
LoaEngineCard *loa_engine_card_new(const char *output, int highest_channel,
                                   const LoaConfig *config, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Frees the card after every engine on it was freed. NULL is fine. */
void loa_engine_card_free(LoaEngineCard *card);

/* Like loa_engine_new for a line on card (line->channels say where). The
 * card starts with the first of its lines' loa_engine_start(). */
LoaEngine *loa_engine_new_on_card(LoaEngineCard *card, const LoaLineConfig *line,
                                  const LoaConfig *config, const LoaEngineCallbacks *callbacks,
                                  gpointer user_data, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The clocks a line runs on. By default its pipeline runs on the monotonic
 * system clock and wall time is the system's (loa-time.h). Tests of the
 * timeline give a GstTestClock they advance themselves and a wall clock that
 * follows it, and run the engine faster than real time with the very same
 * placement code. */
typedef struct {
  gpointer gst_clock;   /* a GstClock for the pipeline; the engine takes a reference */
  /* Wall time (UTC ns) minus gst_clock's time, now: a step of the wall clock
   * shows as a change of this value. Called on the main thread. */
  gint64 (*wall_minus_clock_ns)(gpointer data);
  gpointer data;
} LoaEngineClock;

/* Puts an engine with its own output (not on a shared card) on clock; only
 * before loa_engine_start(). */
void loa_engine_use_clock(LoaEngine *engine, const LoaEngineClock *clock);

/* Starts the pipeline: silence flows from then on. */
gboolean loa_engine_start(LoaEngine *engine, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Queues items to air back to back, the first sample of the first at
 * start_wall_ns. Each item gets finished() exactly once, even on failure. */
gboolean loa_engine_queue(LoaEngine *engine, gint64 start_wall_ns, const LoaEngineItem *items,
                          guint n_items, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Queues items to air back to back right after what is on air (see
 * LoaEngineAfter), abutting it sample for sample; as soon as possible if the
 * line is idle. Same contract as loa_engine_queue(). */
gboolean loa_engine_queue_after(LoaEngine *engine, LoaEngineAfter where, const LoaEngineItem *items,
                                guint n_items, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Takes back every queued item whose first sample has not been mixed yet: they
 * are removed from the line and will get no finished() call. Returns their
 * data pointers in queue order (a new array; the caller owns the items). */
GPtrArray *loa_engine_cancel_pending(LoaEngine *engine) G_GNUC_WARN_UNUSED_RESULT;

/* Cuts what is on air so that the line is free at at_wall_ns (0: as soon as
 * possible): a fade of LOA_ENGINE_FADE_NS ending then (no click); the cut
 * item is finished as interrupted with reason, with the samples it played. A
 * spot that ends by itself before the fade is not touched. Returns the wall
 * time at which the line is free: at_wall_ns, or later if the samples before
 * it are already mixed. Call loa_engine_cancel_pending() first to take back
 * what would follow. */
gint64 loa_engine_cut(LoaEngine *engine, gint64 at_wall_ns, const char *reason);
#define LOA_ENGINE_FADE_NS (30 * G_GINT64_CONSTANT(1000000))

/* The pipeline latency the line runs with (what its elements need, or the
 * configured latency_ms if more), known once loa_engine_start() succeeded;
 * 0 before. What a cut or a spot queued now has to wait for at least. */
gint64 loa_engine_latency_ns(const LoaEngine *engine);

/* The wall time at which everything queued will have played (predicted from
 * the items' durations where not yet measured), or 0 if the line is idle. */
gint64 loa_engine_busy_until(LoaEngine *engine);

/* Stops the pipeline. Items on air are finished as interrupted with reason,
 * items not yet started as interrupted with nothing played. Idempotent. */
void loa_engine_stop(LoaEngine *engine, const char *reason);

/* Stops if needed and frees. NULL is fine. */
void loa_engine_free(LoaEngine *engine);

const char *loa_engine_line_id(const LoaEngine *engine);
int loa_engine_rate(const LoaEngine *engine);
/* Items queued and not yet finished. */
guint loa_engine_pending(const LoaEngine *engine);

/* Items queued whose decoder has not delivered their first buffer yet. */
guint loa_engine_preparing(LoaEngine *engine);
