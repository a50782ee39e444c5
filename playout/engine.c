/* One line's playout pipeline, its clock and its shared card (see engine.h
 * for the shape and the threading contract). Placing sequences of spots on
 * the line's timeline is in engine-queue.c, one spot branch's life in
 * engine-branch.c; engine-private.h is what they share. */
#define G_LOG_DOMAIN "loa-engine"

#include "engine.h"
#include "engine-private.h"

#include "airlog.h"
#include "i18n.h"
#include "loa-time.h"
#include "mixer.h"
#include "output.h"

#include <gst/audio/audio.h>
#include <gst/gst.h>
#include <math.h>
#include <string.h>

G_DEFINE_QUARK(loa-engine-error-quark, loa_engine_error)

/* The mixer waits this long for inputs that have no data yet: it is the time a
 * following spot has to deliver its first buffer after the previous spot's
 * end became known. The follower is decoded and held before that, and linked
 * to the mixer just before the end (engine-branch.c), so it only has to be
 * scheduled. Part of the fixed pipeline latency, which a play-now waits for. */
#define MIXER_LATENCY (60 * GST_MSECOND)
/* A branch that has fed the mixer nothing for this long past its last
 * sample (or past its start, if it never began) has stalled. */
#define STALL_LIMIT (2 * GST_SECOND)
#define WATCHDOG_INTERVAL_MS 250

/* --- time ------------------------------------------------------------- */

GstClockTime
loa_engine_now_running_time(LoaEngine *engine)
{
  return gst_clock_get_time(engine->clock) - engine->base_time;
}

static gint64
wall_minus_clock(LoaEngine *engine)
{
  if (engine->wall_minus_clock_ns != NULL)
    return engine->wall_minus_clock_ns(engine->clock_data);
  return loa_time_wall_minus_monotonic_ns();
}

GstClockTimeDiff
loa_engine_wall_to_running_time(LoaEngine *engine, gint64 wall_ns)
{
  return wall_ns - wall_minus_clock(engine) - (gint64)engine->base_time -
         (gint64)engine->latency;
}

gint64
loa_engine_running_time_to_wall(LoaEngine *engine, GstClockTime rt)
{
  return (gint64)rt + (gint64)engine->base_time + (gint64)engine->latency +
         wall_minus_clock(engine);
}

/* The mixer's output: how far it has mixed, so a late release is moved
 * rather than clipped. */
static GstPadProbeReturn
mixer_output_probe(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  LoaEngine *engine = user_data;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    /* The mixer marks output GAP when no input had samples; a sink fed GAP
     * renders "just in time" and the first real samples after it come out
     * late or are lost. Silence must be ordinary zero samples. */
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    if (GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_GAP)) {
      buffer = gst_buffer_make_writable(buffer);
      GST_BUFFER_FLAG_UNSET(buffer, GST_BUFFER_FLAG_GAP);
      GST_PAD_PROBE_INFO_DATA(info) = buffer;
    }
  }
  g_mutex_lock(&engine->lock);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    GstClockTime rt = gst_segment_to_running_time(&engine->mixer_segment, GST_FORMAT_TIME,
                                                  GST_BUFFER_PTS(buffer));
    if (GST_CLOCK_TIME_IS_VALID(rt) && GST_BUFFER_DURATION_IS_VALID(buffer))
      engine->mixer_position = rt + GST_BUFFER_DURATION(buffer);
  } else if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_SEGMENT) {
    const GstSegment *segment;
    gst_event_parse_segment(GST_PAD_PROBE_INFO_EVENT(info), &segment);
    gst_segment_copy_into(segment, &engine->mixer_segment);
  }
  g_mutex_unlock(&engine->lock);
  return GST_PAD_PROBE_OK;
}

/* GStreamer 1.22's aggregator answers a latency query "not live" when no
 * live source is upstream, even with force-live, though it then aggregates
 * on the clock and delays its output by the latency it answers. Downstream
 * must count that latency (a sink adds upstream's only if upstream is live),
 * so the answer is made live. */
static GstPadProbeReturn
mixer_latency_probe(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  (void)pad;
  (void)user_data;
  GstQuery *query = GST_PAD_PROBE_INFO_QUERY(info);
  if (!(info->type & GST_PAD_PROBE_TYPE_PULL) || GST_QUERY_TYPE(query) != GST_QUERY_LATENCY)
    return GST_PAD_PROBE_OK;
  gboolean live;
  GstClockTime min, max;
  gst_query_parse_latency(query, &live, &min, &max);
  if (!live)
    gst_query_set_latency(query, TRUE, min, max);
  return GST_PAD_PROBE_OK;
}

/* --- the pipeline ------------------------------------------------------- */

GstClockTime
engine_needed_latency(GstElement *pipeline, gboolean *live)
{
  /* Read once, when the pipeline runs: queried later, while a branch is
   * starting, it was seen to come back 0. */
  g_autoptr(GstQuery) query = gst_query_new_latency();
  GstClockTime min, max;
  *live = FALSE;
  if (!gst_element_query(pipeline, query))
    return 0;
  gst_query_parse_latency(query, live, &min, &max);
  /* Never less than the mixer itself needs (it sends a buffer out its
   * latency after the buffer's end), whatever a sink answers; the file:
   * output answered 180 ms (the mixer's 160 and the sink's 20). */
  return MAX(min, MIXER_LATENCY + MIXER_BUFFER + 2 * GST_SECOND / 100);
}

/* The branch an element belongs to, if any. */
Branch *
engine_branch_of(LoaEngine *engine, GstObject *object)
{
  for (GList *l = engine->branches; l != NULL; l = l->next) {
    Branch *branch = l->data;
    if (object == GST_OBJECT(branch->bin) ||
        gst_object_has_as_ancestor(object, GST_OBJECT(branch->bin)))
      return branch;
  }
  return NULL;
}

static void halt(LoaEngine *engine, const char *status, const char *reason);

void
engine_fail_line(LoaEngine *engine, const char *reason)
{
  g_warning(_("line '%s' failed: %s"), engine->line_id, reason);
  g_autofree char *why = g_strdup_printf(_("the line's output failed: %s"), reason);
  halt(engine, LOA_AIRING_FAILED, why);
  if (engine->callbacks.line_failed != NULL)
    engine->callbacks.line_failed(reason, engine->user_data);
}

/* An error from inside one line's part of a pipeline (its branches or its own
 * elements): a branch fails alone; the line's own elements fail the line. */
void
engine_line_error(LoaEngine *engine, GstObject *source, const GError *error)
{
  Branch *branch = engine_branch_of(engine, source);
  if (branch != NULL) {
    if (branch->state != BRANCH_FINISHED)
      branch_fail(branch, error->message);
  } else {
    engine_fail_line(engine, error->message);
  }
}

static gboolean
on_bus_message(GstBus *bus, GstMessage *message, gpointer user_data)
{
  LoaEngine *engine = user_data;

  switch (GST_MESSAGE_TYPE(message)) {
  case GST_MESSAGE_ERROR: {
    g_autoptr(GError) error = NULL;
    g_autofree char *debug = NULL;
    gst_message_parse_error(message, &error, &debug);
    g_debug("line '%s': error from %s: %s (%s)", engine->line_id,
            GST_OBJECT_NAME(GST_MESSAGE_SRC(message)), error->message, debug ? debug : "");
    /* A source outside the pipeline is a branch already removed: it was finished then. */
    if (engine_branch_of(engine, GST_MESSAGE_SRC(message)) != NULL ||
        gst_object_has_as_ancestor(GST_MESSAGE_SRC(message), GST_OBJECT(engine->pipeline)))
      engine_line_error(engine, GST_MESSAGE_SRC(message), error);
    break;
  }
  case GST_MESSAGE_WARNING: {
    g_autoptr(GError) error = NULL;
    gst_message_parse_warning(message, &error, NULL);
    g_debug("line '%s': warning from %s: %s", engine->line_id,
            GST_OBJECT_NAME(GST_MESSAGE_SRC(message)), error->message);
    break;
  }
  default:
    break;
  }
  return G_SOURCE_CONTINUE;
}

GstElement *
engine_make_element(const char *factory, const char *name, const char *line_id, GError **error)
{
  GstElement *element = gst_element_factory_make(factory, name);
  if (element == NULL && (error == NULL || *error == NULL))
    g_set_error(error, LOA_ENGINE_ERROR, LOA_ENGINE_ERROR_SETUP,
                _("line '%s': GStreamer element '%s' is missing"), line_id, factory);
  return element;
}

/* The line's level: through the card's mixer control when it has one (the
 * pipeline then leaves the samples alone), else as a gain in the pipeline.
 * Returns the linear gain the pipeline applies. */
static double
line_gain_for(const LoaLineConfig *line)
{
  if (line->mixer != NULL) {
    g_autoptr(GError) error = NULL;
    if (loa_mixer_set_db(line->output, line->mixer, line->volume_db, &error)) {
      g_debug("line '%s': level %.1f dB on mixer control '%s'", line->id, line->volume_db,
              line->mixer);
      return 1.0;
    }
    g_warning(_("line '%s': %s; its level (%.1f dB) is set in the pipeline instead"), line->id,
              error->message, line->volume_db);
  }
  return pow(10.0, line->volume_db / 20.0);
}

LoaEngine *
engine_alloc(const LoaLineConfig *line, const LoaConfig *config,
             const LoaEngineCallbacks *callbacks, gpointer user_data)
{
  LoaEngine *engine = g_new0(LoaEngine, 1);
  engine->line_id = g_strdup(line->id);
  engine->rate = config->sample_rate;
  engine->channels = config->channels;
  engine->latency = (GstClockTime)config->latency_ms * GST_MSECOND;
  engine->callbacks = *callbacks;
  engine->user_data = user_data;
  g_mutex_init(&engine->lock);
  g_cond_init(&engine->cond);
  engine->caps = gst_caps_new_simple("audio/x-raw", "format", G_TYPE_STRING, "S16LE", "layout",
                                     G_TYPE_STRING, "interleaved", "rate", G_TYPE_INT,
                                     engine->rate, "channels", G_TYPE_INT, engine->channels,
                                     NULL);
  engine->mixer_position = GST_CLOCK_TIME_NONE;
  gst_segment_init(&engine->mixer_segment, GST_FORMAT_TIME);
  engine->line_gain = line_gain_for(line);
  engine->levels = engine_levels_new();
  return engine;
}

/* Builds the line's own part in engine->container: mixer → caps → volume,
 * metered at volume's output. Returns volume (the part's output), or NULL
 * with the error set (the container keeps whatever was added; freeing it
 * frees them). */
GstElement *
engine_build_line(LoaEngine *engine, GError **error)
{
  /* force-live is a construct property. */
  engine->mixer = gst_element_factory_make_full("audiomixer", "name", "mixer", "force-live", TRUE,
                                                NULL);
  if (engine->mixer == NULL) {
    g_set_error(error, LOA_ENGINE_ERROR, LOA_ENGINE_ERROR_SETUP,
                _("line '%s': GStreamer element '%s' is missing"), engine->line_id, "audiomixer");
    return NULL;
  }
  GstElement *mixer_caps = engine_make_element("capsfilter", NULL, engine->line_id, error);
  GstElement *volume = engine_make_element("volume", "volume", engine->line_id, error);
  GstElement *elements[] = { engine->mixer, mixer_caps, volume };
  gboolean missing = FALSE;
  for (size_t i = 0; i < G_N_ELEMENTS(elements); i++)
    missing |= elements[i] == NULL;
  if (missing) {
    for (size_t i = 0; i < G_N_ELEMENTS(elements); i++)
      gst_clear_object(&elements[i]);
    engine->mixer = NULL;
    return NULL;
  }
  g_object_set(mixer_caps, "caps", engine->caps, NULL);
  g_object_set(volume, "volume", engine->line_gain, NULL);
  /* The mixer is the line's clock-driven source: force-live makes it produce
   * a buffer every MIXER_BUFFER on the pipeline clock with no branch linked,
   * GAP-flagged silence it does not mix (the cheapest idle line). A live
   * silence source did the same at the cost of one more thread per line and
   * two more wake-ups per buffer. The mixer output probe clears the GAP flag,
   * because a sink fed gaps renders "just in time" and the first real
   * samples after them come out late. Long buffers (MIXER_BUFFER): each
   * buffer wakes the mixer and the sink, and on these machines a wake-up
   * costs more than the samples; what it adds to the latency delays only a
   * play-now.
   * Not ignore-inactive-pads, though it saved a fifth of the CPU while
   * airing: the mixer then does not wait for a branch released just in time
   * (a DTMF code before its spot, under the sanitizers' slowness) and its
   * first samples are lost. */
  g_object_set(engine->mixer, "latency", (guint64)MIXER_LATENCY,
               "output-buffer-duration", (guint64)MIXER_BUFFER, NULL);
  for (size_t i = 0; i < G_N_ELEMENTS(elements); i++)
    gst_bin_add(engine->container, elements[i]);
  if (!gst_element_link_many(engine->mixer, mixer_caps, volume, NULL)) {
    g_set_error(error, LOA_ENGINE_ERROR, LOA_ENGINE_ERROR_SETUP,
                _("line '%s': cannot link the line pipeline"), engine->line_id);
    return NULL;
  }
  g_autoptr(GstPad) mixer_src = gst_element_get_static_pad(engine->mixer, "src");
  gst_pad_add_probe(mixer_src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                    mixer_output_probe, engine, NULL);
  gst_pad_add_probe(mixer_src, GST_PAD_PROBE_TYPE_QUERY_UPSTREAM | GST_PAD_PROBE_TYPE_PULL,
                    mixer_latency_probe, NULL, NULL);
  /* The output's level for dead-air detection and `loa status`. */
  engine_meter_attach(engine, volume);
  return volume;
}

gboolean
engine_add_sink(GstBin *bin, GstElement *upstream, GstElement *sink, const char *line_id,
                GError **error)
{
  gst_bin_add(bin, sink);
  GstElement *split = NULL;
  if (GST_IS_AUDIO_BASE_SINK(sink)) {
    split = engine_make_element("audiobuffersplit", NULL, line_id, error);
    if (split == NULL)
      return FALSE;
    g_object_set(split, "output-buffer-duration", 1, (int)(GST_SECOND / SINK_CHUNK), NULL);
    gst_bin_add(bin, split);
  }
  if (split != NULL ? gst_element_link_many(upstream, split, sink, NULL)
                    : gst_element_link(upstream, sink))
    return TRUE;
  g_set_error(error, LOA_ENGINE_ERROR, LOA_ENGINE_ERROR_SETUP,
              _("line '%s': cannot link the output to its sink"), line_id);
  return FALSE;
}

/* The monotonic system clock: placement never moves with wall-clock steps,
 * and the sink is slaved to it by resampling (loa_time_now_monotonic_ns() is
 * the same clock). Returns it (a new reference). */
GstClock *
engine_use_monotonic_clock(GstElement *pipeline, GstClockTime latency)
{
  GstClock *clock = gst_system_clock_obtain();
  gst_pipeline_use_clock(GST_PIPELINE(pipeline), clock);
  if (latency > 0)
    gst_pipeline_set_latency(GST_PIPELINE(pipeline), latency);
  return clock;
}

void
loa_engine_use_clock(LoaEngine *engine, const LoaEngineClock *clock)
{
  g_return_if_fail(engine->card == NULL && !engine->running && !engine->stopped);
  gst_object_replace((GstObject **)&engine->clock, GST_OBJECT(clock->gst_clock));
  gst_pipeline_use_clock(GST_PIPELINE(engine->pipeline), engine->clock);
  engine->wall_minus_clock_ns = clock->wall_minus_clock_ns;
  engine->clock_data = clock->data;
}

LoaEngine *
loa_engine_new(const LoaLineConfig *line, const LoaConfig *config,
               const LoaEngineCallbacks *callbacks, gpointer user_data, GError **error)
{
  LoaEngine *engine = engine_alloc(line, config, callbacks, user_data);
  g_autofree char *name = g_strdup_printf("line-%s", line->id);
  engine->pipeline = gst_pipeline_new(name);
  gst_object_ref_sink(engine->pipeline);
  engine->container = GST_BIN(engine->pipeline);

  GstElement *sink = loa_output_create_sink(line->output, line->id, error);
  if (sink == NULL) {
    loa_engine_free(engine);
    return NULL;
  }
  GstElement *line_out = engine_build_line(engine, error);
  GstElement *convert = line_out != NULL ? engine_make_element("audioconvert", NULL, line->id, error) : NULL;
  GstElement *resample = convert != NULL ? engine_make_element("audioresample", NULL, line->id, error)
                                         : NULL;
  if (resample == NULL) {
    gst_clear_object(&convert);
    gst_object_unref(gst_object_ref_sink(sink));
    loa_engine_free(engine);
    return NULL;
  }
  gst_bin_add_many(engine->container, convert, resample, NULL);
  if (!engine_add_sink(engine->container, resample, sink, line->id, error)) {
    loa_engine_free(engine);
    return NULL;
  }
  if (!gst_element_link_many(line_out, convert, resample, NULL)) {
    g_set_error(error, LOA_ENGINE_ERROR, LOA_ENGINE_ERROR_SETUP,
                _("line '%s': cannot link the line pipeline"), line->id);
    loa_engine_free(engine);
    return NULL;
  }
  engine->clock = engine_use_monotonic_clock(engine->pipeline, engine->latency);
  g_autofree char *label = g_strdup_printf(_("line '%s'"), line->id);
  engine_watch_bus(engine->pipeline, config->realtime_priority, label);
  g_autoptr(GstBus) bus = gst_pipeline_get_bus(GST_PIPELINE(engine->pipeline));
  engine->bus_watch = gst_bus_add_watch(bus, on_bus_message, engine);
  return engine;
}

/* Fails branches whose decoder stopped delivering: the mixer has run
 * STALL_LIMIT past the end of what they gave it (or past their start). */
static gboolean
watch_branches(gpointer user_data)
{
  LoaEngine *engine = user_data;
  g_autoptr(GPtrArray) stalled = g_ptr_array_new();
  loa_engine_deliver_levels(engine);

  g_mutex_lock(&engine->lock);
  GstClockTime position = engine->mixer_position;
  for (GList *l = engine->branches; l != NULL && GST_CLOCK_TIME_IS_VALID(position); l = l->next) {
    Branch *branch = l->data;
    if (branch->state == BRANCH_ENDED || branch->state == BRANCH_FINISHED ||
        branch->cancelled || !branch->release_requested)
      continue;
    GstClockTime fed_until = branch->have_first ? branch->end_rt : branch->target_rt;
    if (position > fed_until + STALL_LIMIT)
      g_ptr_array_add(stalled, branch);
  }
  g_mutex_unlock(&engine->lock);

  for (guint i = 0; i < stalled->len; i++)
    branch_fail(stalled->pdata[i], _("the decoder stalled (no audio for 2 s)"));
  return G_SOURCE_CONTINUE;
}

gboolean
loa_engine_start(LoaEngine *engine, GError **error)
{
  if (engine->card != NULL) {
    if (!card_start(engine->card, error))
      return FALSE;
    engine->base_time = engine->card->base_time;
    engine->latency = engine->card->latency;
    engine->running = TRUE;
    engine->watchdog = g_timeout_add(WATCHDOG_INTERVAL_MS, watch_branches, engine);
    g_debug("line '%s': running on card %s, latency %.0f ms", engine->line_id,
            engine->card->output, (double)engine->latency / GST_MSECOND);
    return TRUE;
  }
  GstStateChangeReturn ret = gst_element_set_state(engine->pipeline, GST_STATE_PLAYING);
  switch (ret) {
  case GST_STATE_CHANGE_FAILURE:
    break;
  case GST_STATE_CHANGE_ASYNC:
    ret = gst_element_get_state(engine->pipeline, NULL, NULL, 5 * GST_SECOND);
    break;
  case GST_STATE_CHANGE_SUCCESS:
  case GST_STATE_CHANGE_NO_PREROLL:
    break;
  }
  if (ret == GST_STATE_CHANGE_FAILURE || ret == GST_STATE_CHANGE_ASYNC) {
    g_set_error(error, LOA_ENGINE_ERROR, LOA_ENGINE_ERROR_STATE,
                _("line '%s': the output would not start (%s)"), engine->line_id,
                ret == GST_STATE_CHANGE_ASYNC ? _("timed out") : _("device refused"));
    gst_element_set_state(engine->pipeline, GST_STATE_NULL);
    return FALSE;
  }
  engine->base_time = gst_element_get_base_time(engine->pipeline);

  gboolean live;
  GstClockTime min = engine_needed_latency(engine->pipeline, &live);
  if (min > 0) {
    if (engine->latency == 0) {
      engine->latency = min;
      gst_pipeline_set_latency(GST_PIPELINE(engine->pipeline), min);
    } else if (live && min > engine->latency) {
      g_warning(_("line '%s': the pipeline needs %.0f ms of latency, more than the %.0f ms "
                  "configured; using %.0f ms"),
                engine->line_id, (double)min / GST_MSECOND,
                (double)engine->latency / GST_MSECOND, (double)min / GST_MSECOND);
      engine->latency = min;
      gst_pipeline_set_latency(GST_PIPELINE(engine->pipeline), min);
    }
  }
  engine->running = TRUE;
  engine->watchdog = g_timeout_add(WATCHDOG_INTERVAL_MS, watch_branches, engine);
  g_debug("line '%s': running, latency %.0f ms", engine->line_id,
          (double)engine->latency / GST_MSECOND);
  return TRUE;
}

gint64
loa_engine_latency_ns(const LoaEngine *engine)
{
  return engine->running ? (gint64)engine->latency : 0;
}

void
loa_engine_stop(LoaEngine *engine, const char *reason)
{
  halt(engine, LOA_AIRING_INTERRUPTED, reason);
}

/* Stops the pipeline; what is on air is finished with status and reason. */
static void
halt(LoaEngine *engine, const char *status, const char *reason)
{
  if (engine->stopped || engine->pipeline == NULL)
    return;
  engine->stopped = TRUE;
  engine->running = FALSE;
  if (engine->watchdog != 0) {
    g_source_remove(engine->watchdog);
    engine->watchdog = 0;
  }

  /* Measure what was on air before the pipeline goes away. */
  GList *pending = g_list_copy(engine->branches);
  for (GList *l = pending; l != NULL; l = l->next) {
    Branch *branch = l->data;
    if (branch->completion_source != 0) {
      /* Its last sample may already be out: then it completed. */
      GstClockTime rendered = loa_engine_now_running_time(engine) - engine->latency;
      g_source_remove(branch->completion_source);
      branch->completion_source = 0;
      if (branch->end_rt <= rendered) {
        branch_finish(branch, LOA_AIRING_COMPLETED, NULL);
        continue;
      }
    }
    if (branch->state != BRANCH_FINISHED) {
      gboolean played = branch->have_first &&
                        branch->first_rt < loa_engine_now_running_time(engine) - engine->latency;
      gboolean failing = g_strcmp0(status, LOA_AIRING_FAILED) == 0;
      branch_finish(branch, played || failing ? status : LOA_AIRING_INTERRUPTED,
                    played || failing ? reason : _("stopped before it started"));
    }
  }
  g_list_free(pending);

  g_mutex_lock(&engine->lock);
  for (GList *l = engine->branches; l != NULL; l = l->next)
    ((Branch *)l->data)->cancelled = TRUE;
  g_cond_broadcast(&engine->cond);
  g_mutex_unlock(&engine->lock);

  /* A card's pipeline goes on for the other lines; it stops with the card. */
  if (engine->card == NULL)
    gst_element_set_state(engine->pipeline, GST_STATE_NULL);
  while (engine->branches != NULL)
    branch_remove(engine->branches->data);
}

void
loa_engine_free(LoaEngine *engine)
{
  if (engine == NULL)
    return;
  loa_engine_stop(engine, _("the line was shut down"));
  if (engine->card != NULL) {
    g_ptr_array_remove(engine->card->engines, engine);
    card_detach_line(engine);
  }
  if (engine->bus_watch != 0)
    g_source_remove(engine->bus_watch);
  gst_clear_object(&engine->pipeline);
  gst_clear_object(&engine->clock);
  gst_clear_caps(&engine->caps);
  g_array_unref(engine->levels);
  g_mutex_clear(&engine->lock);
  g_cond_clear(&engine->cond);
  g_free(engine->line_id);
  g_free(engine);
}

const char *
loa_engine_line_id(const LoaEngine *engine)
{
  return engine->line_id;
}

int
loa_engine_rate(const LoaEngine *engine)
{
  return engine->rate;
}

guint
loa_engine_pending(const LoaEngine *engine)
{
  return g_list_length(engine->branches);
}

guint
loa_engine_preparing(LoaEngine *engine)
{
  guint count = 0;
  g_mutex_lock(&engine->lock);
  for (GList *l = engine->branches; l != NULL; l = l->next) {
    const Branch *branch = l->data;
    if (branch->state == BRANCH_PREPARING && !branch->cancelled)
      count++;
  }
  g_mutex_unlock(&engine->lock);
  return count;
}
