/* The engine of one line: one long-lived GStreamer pipeline whose output never
 * stops, and the spots placed on it at exact wall-clock times.
 *
 *   audiotestsrc (live, zero samples) ─┐
 *   spot branch (filesrc ! decodebin ! convert ! resample) ─┼─ audiomixer ! caps ! volume
 *   spot branch ...                                          ┘     ! convert ! resample ! sink
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
} LoaEngineCallbacks;

/* One spot to air: a file and the caller's handle for it. */
typedef struct {
  const char *path;
  gpointer data;
} LoaEngineItem;

typedef struct LoaEngine LoaEngine;

/* Builds the line's pipeline (not yet running). Returns NULL with the error
 * naming the line if an element is missing or the output cannot be opened. */
LoaEngine *loa_engine_new(const LoaLineConfig *line, const LoaConfig *config,
                          const LoaEngineCallbacks *callbacks, gpointer user_data,
                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Starts the pipeline: silence flows from then on. */
gboolean loa_engine_start(LoaEngine *engine, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Queues items to air back to back, the first sample of the first at
 * start_wall_ns. Each item gets finished() exactly once, even on failure. */
gboolean loa_engine_queue(LoaEngine *engine, gint64 start_wall_ns, const LoaEngineItem *items,
                          guint n_items, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Stops the pipeline. Items on air are finished as interrupted with reason,
 * items not yet started as interrupted with nothing played. Idempotent. */
void loa_engine_stop(LoaEngine *engine, const char *reason);

/* Stops if needed and frees. NULL is fine. */
void loa_engine_free(LoaEngine *engine);

const char *loa_engine_line_id(const LoaEngine *engine);
int loa_engine_rate(const LoaEngine *engine);
/* Items queued and not yet finished. */
guint loa_engine_pending(const LoaEngine *engine);
