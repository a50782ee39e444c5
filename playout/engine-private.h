/* The engine's inside, shared by engine.c (the line pipelines, the bus, the
 * watchdog and the rest of engine.h's API), engine-card.c (cards shared by
 * several lines), engine-level.c (the line's level and the bus sync
 * handler), engine-queue.c (placing sequences of spots) and engine-branch.c
 * (one spot branch's life). Nothing else includes it.
 * Threading as in engine.h: the fields noted as under the engine lock are
 * touched only with LoaEngine.lock held; the functions declared here run on
 * the main thread unless their comment says otherwise. */
#pragma once

#include "engine.h"

#include <gst/gst.h>

/* How far past its output position (the end of the last buffer it sent) the
 * mixer may already be mixing. Its thread is also the sink's: it waits in the
 * sink for room in the ring, and when it comes back its deadline has passed,
 * so it mixes the next buffer at once with what its inputs hold. A spot
 * linked to the mixer when it is released, to start before position +
 * RELEASE_AHEAD, could lose its head (the DTMF code of playout.dtmf, under
 * the sanitizers, lost its first tone); it is moved there instead, and its
 * start says so. A successor linked in advance, which the mixer waits for,
 * is moved only if it is behind the position, to RELEASE_MARGIN past it. */
#define RELEASE_AHEAD MIXER_BUFFER
#define RELEASE_MARGIN (20 * GST_MSECOND)

typedef enum {
  BRANCH_PREPARING,  /* decoding towards its first buffer */
  BRANCH_READY,      /* first buffer held at the branch's output */
  BRANCH_RELEASED,   /* offset set, data flowing into the mixer */
  BRANCH_ENDED,      /* EOS reached the mixer; waiting for the render */
  BRANCH_FINISHED,   /* finished() called */
} BranchState;

typedef struct Branch Branch;

struct Branch {
  LoaEngine *engine;
  guint serial;
  char *path;
  gpointer data;              /* caller's handle */
  Branch *prev, *next;        /* sequence order; NULL at the ends (engine lock) */

  GstElement *bin;
  GstElement *convert;        /* decodebin's audio pad links here */
  GstPad *hold_pad;           /* capsfilter src: where the first buffer waits */
  GstPad *ghost;              /* bin src, offset applied here */
  GstPad *mixer_pad;          /* request pad on the mixer, from its release or its
                               * predecessor's EOS on (engine lock) */
  gulong hold_probe_id;       /* 0 once the hold probe is gone (engine lock) */
  gulong hold_event_probe_id; /* the hold pad's EOS watch, 0 once removed (engine lock);
                               * it holds a branch reference and the branch holds the
                               * pad, so it must go when the branch is removed */
  gulong mixer_probe_id;      /* (engine lock) */

  /* Under engine->lock: */
  BranchState state;
  gboolean release_requested; /* target_rt is valid; release when ready */
  gboolean cancelled;         /* being torn down: drop data, never block */
  GstClockTime target_rt;     /* running time of the first sample */
  gboolean have_first;
  GstClockTime first_rt;      /* measured at the mixer input */
  GstClockTime end_rt;        /* end of the last buffer seen at the mixer input */
  guint64 frames;
  GstSegment segment;         /* the mixer pad's current segment */
  gboolean audio_linked;      /* decodebin exposed an audio pad */

  guint completion_source;    /* main context timeout, 0 if none */

  /* Set at creation, read-only after: */
  double gain;                /* linear gain of the branch's volume element */
  guint64 cue_in_frames;      /* frames to skip at the start, at the engine rate */
  guint64 cue_out_frames;     /* frames after which it ends; 0 = the file's end */
  GstClockTime duration;      /* expected length, for busy_until */
  /* Streaming thread of the branch only: */
  guint64 frames_in;          /* frames decoded so far, before cue trimming */
  /* Under engine->lock: */
  gboolean asap;              /* released as soon as possible: lateness is expected */
  GstClockTime fade_start_rt; /* a cut: fade from here ... */
  GstClockTime fade_end_rt;   /* ... to silence here; NONE if not cut */
  char *cut_reason;           /* why it is cut, NULL if not */
  gboolean faded;             /* the cut actually shortened it */
};

/* A multichannel card shared by several lines: one pipeline, one clock, one
 * sink; each line's mixer output is placed on its own card channels by an
 * audioconvert mix-matrix and the lines are summed by the card's mixer. */
struct LoaEngineCard {
  char *output;               /* the lines' common output, e.g. "alsa:hw:CARD=Audio8,DEV=0" */
  int channels;               /* channels the card is opened with: 2, 4, 6 or 8 */
  guint64 mask;               /* their GStreamer channel mask */
  GstElement *pipeline;
  GstElement *mixer;          /* sums the lines, each on its own channels */
  GPtrArray *engines;         /* LoaEngine * on the card (borrowed; they remove themselves) */
  guint bus_watch;
  gboolean started;           /* the pipeline was set to PLAYING once */
  gboolean failed;            /* the pipeline would not start or the device failed */
  GstClockTime base_time;
  GstClockTime latency;
  GstClock *clock;            /* the pipeline's clock (ref) */
};

struct LoaEngine {
  char *line_id;
  LoaEngineCard *card;        /* the shared card, NULL when the line has its own output */
  double line_gain;           /* the line's level in the pipeline (volume element), linear */
  GstBin *container;          /* holds the line's elements and its branches: the pipeline,
                               * or the line's bin inside the card's pipeline */
  int rate;
  int channels;
  GstClockTime latency;       /* fixed pipeline latency, read once when running */
  GstElement *pipeline;
  GstElement *mixer;
  GstCaps *caps;              /* the line's raw format */
  GstClockTime base_time;
  GstClock *clock;            /* the pipeline's clock (ref; the card's for a card line) */
  gint64 (*wall_minus_clock_ns)(gpointer data);  /* NULL: the system's (loa-time.h) */
  gpointer clock_data;
  gboolean running;
  gboolean stopped;
  guint bus_watch;
  guint watchdog;             /* main context timeout checking for stalled branches */
  guint serial;
  LoaEngineCallbacks callbacks;
  gpointer user_data;

  GMutex lock;
  GCond cond;                 /* wakes held branches (release or cancel) */
  GstClockTime mixer_position; /* running time up to which the mixer has output (lock) */
  GstSegment mixer_segment;   /* the mixer's output segment (lock) */
  GList *branches;            /* Branch *, main thread owns the list */
  GArray *levels;             /* LevelBlock the meter measured, not yet handed on (lock) */
};

/* --- time (engine.c) ----------------------------------------------------- */

/* The engine's running time now, on the clock of its pipeline. */
GstClockTime loa_engine_now_running_time(LoaEngine *engine);

/* The wall time (UTC ns) at which the samples of running time rt leave the
 * sink. */
gint64 loa_engine_running_time_to_wall(LoaEngine *engine, GstClockTime rt);



/* The running time whose samples leave the sink at wall time wall_ns. */
GstClockTimeDiff loa_engine_wall_to_running_time(LoaEngine *engine, gint64 wall_ns);

/* --- one branch (engine-branch.c) ---------------------------------------- */

/* Engine lock held. Records that branch must start at running time target;
 * the branch's own streaming thread applies it (now if it is held, else when
 * it gets there). */
void branch_request_release(Branch *branch, GstClockTime target);

/* Builds the branch that plays item on engine (filesrc ! decodebin ! convert
 * ! volume ! resample ! caps), held before its first buffer and not yet in
 * the pipeline. Returns it holding the engine's reference, or NULL with
 * error set. */
Branch *branch_new(LoaEngine *engine, const LoaEngineItem *item,
                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Frees a branch from branch_new() that was never attached. */
void branch_discard(Branch *branch);

/* Adds the branch to engine->container and starts it decoding; it is linked
 * to the mixer when it is released (see branch_link_mixer). The branch is in
 * engine->branches afterwards even when this returns FALSE with error set;
 * the caller then fails it. */
gboolean branch_attach(Branch *branch, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Marks the branch BRANCH_FINISHED and hands its outcome (status, reason and
 * what reached the sink) to the finished callback. It stays in the pipeline:
 * branch_remove() takes it out. */
void branch_finish(Branch *branch, const char *status, const char *reason);

/* Finishes the branch as failed with reason and removes it; its successor
 * takes its place in the sequence. */
void branch_fail(Branch *branch, const char *reason);

/* Takes the branch out of the pipeline and drops the engine's reference (it
 * may be freed on return). */
void branch_remove(Branch *branch);

/* --- the line pipeline (engine.c), for engine-card.c --------------------- */

/* The mixer's output buffers: fewer, longer buffers cost fewer wake-ups on
 * an idle line; placement stays sample exact within a buffer. Not 200 ms,
 * though with the sink's 100 ms ALSA periods that took 8 lines through the
 * virtual card from 4.12 to 3.27 % of a core (medians of four 30 s runs;
 * bench/load): on a card 1000 ppm fast, with spot buffers shorter than the
 * mixer's, a spot lost 36 frames to silence every 300-600 ms
 * (playout.drift, every run; not with 200 ms spot buffers, nor with 50 ms
 * periods). Not understood yet; a likely cause is that the mixer's thread
 * is also the sink's and waits in it for room in the ring, so it can come
 * back past its own deadline and mix without a spot's next buffer. */
#define MIXER_BUFFER (100 * GST_MSECOND)

/* A spot branch's buffers into the mixer (must divide a second). Each one
 * the mixer takes wakes the branch's thread, so longer is cheaper, but what
 * a spot has fed the mixer cannot be faded any more: a cut (an emergency)
 * waits for it. The mixer queues about its latency of it plus a buffer or
 * two: with 100 ms mixer buffers an emergency reached the air 612 ms after
 * the command with 50 ms branch buffers and 712 ms with 100; with 200 ms
 * mixer buffers, 811 ms with 100 and 1011 ms with 200 (bench/emergency). */
#define BRANCH_BUFFER (100 * GST_MSECOND)

/* An audio sink's input is cut into buffers of this length (must divide a
 * second), by audiobuffersplit in the streaming thread (no more wake-ups).
 * The resample slaving of GStreamer's audiobasesink (alsasink) starts each
 * buffer where the previous one ended but ends it at its own start, as the
 * card's clock maps it, plus its nominal length: each buffer is stretched
 * onto the previous one's rate, so all of it lands one buffer length times
 * the card's rate error early (card fast) or late (card slow). With the
 * mixer's 100 ms buffers that was 100 ms x 1000 ppm = 4.8 frames at 48 kHz;
 * 10 ms pieces make it 0.5. */
#define SINK_CHUNK (10 * GST_MSECOND)

/* Adds sink (floating; taken in all cases) to bin and links upstream to it,
 * through an audiobuffersplit into SINK_CHUNK pieces if it is an
 * audiobasesink. FALSE with LOA_ENGINE_ERROR_SETUP naming line_id (a line,
 * or a card's output) if that element is missing or they cannot be linked;
 * what was made stays in bin. */
gboolean engine_add_sink(GstBin *bin, GstElement *upstream, GstElement *sink, const char *line_id,
                         GError **error);

/* The latency a running pipeline needs: what it answers, but at least what
 * a line's mixer needs; 0 if it cannot answer. live: whether it is live. */
GstClockTime engine_needed_latency(GstElement *pipeline, gboolean *live);

/* A new element of factory, or NULL with the error set (naming line_id)
 * unless it is set already: of several missing elements, the first is named. */
GstElement *engine_make_element(const char *factory, const char *name, const char *line_id,
                                GError **error);

/* A new engine for line, not yet in any pipeline (the caller builds it). */
LoaEngine *engine_alloc(const LoaLineConfig *line, const LoaConfig *config,
                        const LoaEngineCallbacks *callbacks, gpointer user_data);

/* Builds the line's own part (mixer, gain, metered output) in
 * engine->container; returns its output element, or NULL with the error set
 * (what was added stays in the container, which frees it). */
GstElement *engine_build_line(LoaEngine *engine, GError **error);

/* Makes pipeline run on the monotonic system clock with the given fixed
 * latency (0: as queried later). Returns the clock (a new reference). */
GstClock *engine_use_monotonic_clock(GstElement *pipeline, GstClockTime latency);

/* The branch of engine that object belongs to, if any. */
Branch *engine_branch_of(LoaEngine *engine, GstObject *object);

/* The line failed: its airings end as failed, then line_failed is called. */
void engine_fail_line(LoaEngine *engine, const char *reason);

/* An error from inside one line's part of a pipeline (its branches or its
 * own elements): a branch fails alone; the line's own elements fail the line. */
void engine_line_error(LoaEngine *engine, GstObject *source, const GError *error);

/* --- cards shared by several lines (engine-card.c) ------------------------- */

/* Starts a card's pipeline once, for its first line; later lines share it.
 * FALSE with the error set if it failed, now or before. */
gboolean card_start(LoaEngineCard *card, GError **error);

/* Takes engine's part out of its card's pipeline, which goes on for the
 * other lines; the part's streaming is over when this returns. */
void card_detach_line(LoaEngine *engine);

/* --- the line's level (engine-level.c) ----------------------------------- */

/* The meter's measurements are collected in its streaming thread and handed
 * on in batches, so an idle line does not wake the main loop ten times a
 * second. */

/* An empty batch, for engine->levels. */
GArray *engine_levels_new(void);

/* Measures what leaves element (the end of engine's part of a pipeline,
 * S16 in the line's format) into engine->levels, a block per buffer; the
 * engine must outlive the element's streaming. */
void engine_meter_attach(LoaEngine *engine, GstElement *element);

/* Installs the sync handler of pipeline's bus: unless realtime_priority is
 * 0, it raises the output threads (realtime.h; label names the pipeline).
 * Once per pipeline. */
void engine_watch_bus(GstElement *pipeline, int realtime_priority, const char *label);

/* Hands the pending blocks to the level callback (main thread); whoever
 * judges an airing's level calls this first. */
void loa_engine_deliver_levels(LoaEngine *engine);
