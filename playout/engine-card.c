/* Multichannel cards shared by several lines: the card's pipeline (mixer,
 * device), each line's part inside it, and the card's errors (see
 * engine.h; engine-private.h for what engine.c gives it). */
#define G_LOG_DOMAIN "loa-engine"

#include "engine.h"
#include "engine-private.h"

#include "i18n.h"
#include "output.h"

#include <gst/gst.h>

/* The card's bus: an error inside a line's bin is that line's; an error of
 * the card's own elements (the device) fails every line on it. */
static gboolean
on_card_message(GstBus *bus, GstMessage *message, gpointer user_data)
{
  LoaEngineCard *card = user_data;
  if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_ERROR)
    return G_SOURCE_CONTINUE;
  g_autoptr(GError) error = NULL;
  g_autofree char *debug = NULL;
  gst_message_parse_error(message, &error, &debug);
  GstObject *source = GST_MESSAGE_SRC(message);
  g_debug("card %s: error from %s: %s (%s)", card->output, GST_OBJECT_NAME(source),
          error->message, debug ? debug : "");
  for (guint i = 0; i < card->engines->len; i++) {
    LoaEngine *engine = card->engines->pdata[i];
    if (engine_branch_of(engine, source) != NULL ||
        gst_object_has_as_ancestor(source, GST_OBJECT(engine->container))) {
      engine_line_error(engine, source, error);
      return G_SOURCE_CONTINUE;
    }
  }
  if (!gst_object_has_as_ancestor(source, GST_OBJECT(card->pipeline)))
    return G_SOURCE_CONTINUE; /* a removed branch: finished already */
  card->failed = TRUE;
  g_autoptr(GPtrArray) engines = g_ptr_array_copy(card->engines, NULL, NULL);
  for (guint i = 0; i < engines->len; i++)
    engine_fail_line(engines->pdata[i], error->message);
  return G_SOURCE_CONTINUE;
}

static GstCaps *
card_caps(const LoaEngineCard *card, int rate)
{
  LoaCardLayout layout = { card->channels, card->mask };
  return loa_output_card_caps(&layout, rate);
}

LoaEngineCard *
loa_engine_card_new(const char *output, int highest_channel, const LoaConfig *config,
                    GError **error)
{
  LoaCardLayout layout;
  if (!loa_output_card_layout(highest_channel, &layout)) {
    g_set_error(error, LOA_ENGINE_ERROR, LOA_ENGINE_ERROR_SETUP,
                _("card %s: channel %d is not 1..8"), output, highest_channel);
    return NULL;
  }
  LoaEngineCard *card = g_new0(LoaEngineCard, 1);
  card->output = g_strdup(output);
  card->channels = layout.channels;
  card->mask = layout.mask;
  card->engines = g_ptr_array_new();
  card->latency = (GstClockTime)config->latency_ms * GST_MSECOND;
  g_autofree char *name = g_strdup_printf("card-%s", output);
  card->pipeline = gst_pipeline_new(name);
  gst_object_ref_sink(card->pipeline);

  g_autofree char *label = g_strdup_printf("%s", output);
  GstElement *sink = loa_output_create_sink(output, label, error);
  if (sink == NULL) {
    loa_engine_card_free(card);
    return NULL;
  }
  card->mixer = engine_make_element("audiomixer", "card-mixer", label, error);
  GstElement *caps = card->mixer != NULL ? engine_make_element("capsfilter", NULL, label, error) : NULL;
  GstElement *convert = caps != NULL ? engine_make_element("audioconvert", NULL, label, error) : NULL;
  GstElement *resample = convert != NULL ? engine_make_element("audioresample", NULL, label, error)
                                         : NULL;
  if (resample == NULL) {
    gst_clear_object(&card->mixer);
    gst_clear_object(&caps);
    gst_clear_object(&convert);
    gst_object_unref(gst_object_ref_sink(sink));
    loa_engine_card_free(card);
    return NULL;
  }
  g_autoptr(GstCaps) pinned = card_caps(card, config->sample_rate);
  /* Without the card's channel count pinned here the mixer downmixes. */
  g_object_set(caps, "caps", pinned, NULL);
  /* The lines' outputs are continuous, so the card mixer only needs slack
   * for scheduling jitter: how late a line's mixer thread may deliver before
   * the card mixer goes on without it and drops what comes after. 20 ms was
   * too little once under the sanitizers on a loaded machine (a card rebuilt
   * mid-airing, playout.card-fault: a line's first 240 ms after the rebuild
   * never reached the card); a line's own mixer allows 60. */
  g_object_set(card->mixer, "latency", (guint64)(60 * GST_MSECOND), "output-buffer-duration",
               (guint64)MIXER_BUFFER, NULL);
  gst_bin_add_many(GST_BIN(card->pipeline), card->mixer, caps, convert, resample, NULL);
  if (!engine_add_sink(GST_BIN(card->pipeline), resample, sink, label, error)) {
    loa_engine_card_free(card);
    return NULL;
  }
  if (!gst_element_link_many(card->mixer, caps, convert, resample, NULL)) {
    g_set_error(error, LOA_ENGINE_ERROR, LOA_ENGINE_ERROR_SETUP,
                _("card %s: cannot link its pipeline"), output);
    loa_engine_card_free(card);
    return NULL;
  }
  card->clock = engine_use_monotonic_clock(card->pipeline, card->latency);
  g_autofree char *card_label = g_strdup_printf(_("card %s"), output);
  engine_watch_bus(card->pipeline, config->realtime_priority, card_label);
  g_autoptr(GstBus) bus = gst_pipeline_get_bus(GST_PIPELINE(card->pipeline));
  card->bus_watch = gst_bus_add_watch(bus, on_card_message, card);
  return card;
}

void
loa_engine_card_free(LoaEngineCard *card)
{
  if (card == NULL)
    return;
  if (card->pipeline != NULL)
    gst_element_set_state(card->pipeline, GST_STATE_NULL);
  if (card->bus_watch != 0)
    g_source_remove(card->bus_watch);
  gst_clear_object(&card->pipeline);
  gst_clear_object(&card->clock);
  g_ptr_array_unref(card->engines);
  g_free(card->output);
  g_free(card);
}

LoaEngine *
loa_engine_new_on_card(LoaEngineCard *card, const LoaLineConfig *line, const LoaConfig *config,
                       const LoaEngineCallbacks *callbacks, gpointer user_data, GError **error)
{
  LoaEngine *engine = engine_alloc(line, config, callbacks, user_data);
  engine->card = card;
  engine->pipeline = gst_object_ref(card->pipeline);
  engine->clock = gst_object_ref(card->clock);
  g_autofree char *name = g_strdup_printf("line-%s", line->id);
  engine->container = GST_BIN(gst_bin_new(name));
  gst_bin_add(GST_BIN(card->pipeline), GST_ELEMENT(engine->container));
  g_ptr_array_add(card->engines, engine);

  GstElement *line_out = engine_build_line(engine, error);
  GstElement *place = line_out != NULL ? engine_make_element("audioconvert", NULL, line->id, error) : NULL;
  GstElement *filter = place != NULL ? engine_make_element("capsfilter", NULL, line->id, error) : NULL;
  if (filter == NULL) {
    gst_clear_object(&place);
    loa_engine_free(engine);
    return NULL;
  }
  LoaCardLayout layout = { card->channels, card->mask };
  loa_output_set_channel_matrix(place, &layout, line->channels, MIN(engine->channels, line->n_channels));
  g_autoptr(GstCaps) caps = card_caps(card, engine->rate);
  g_object_set(filter, "caps", caps, NULL);
  gst_bin_add_many(engine->container, place, filter, NULL);
  g_autoptr(GstPad) filter_src = gst_element_get_static_pad(filter, "src");
  GstPad *ghost = gst_ghost_pad_new("src", filter_src);
  gst_element_add_pad(GST_ELEMENT(engine->container), ghost);
  g_autoptr(GstPad) card_pad = gst_element_request_pad_simple(card->mixer, "sink_%u");
  if (!gst_element_link_many(line_out, place, filter, NULL) || card_pad == NULL ||
      GST_PAD_LINK_FAILED(gst_pad_link(ghost, card_pad))) {
    g_set_error(error, LOA_ENGINE_ERROR, LOA_ENGINE_ERROR_SETUP,
                _("line '%s': cannot connect it to card %s"), line->id, card->output);
    loa_engine_free(engine);
    return NULL;
  }
  return engine;
}

/* Starts a card's pipeline once, for its first line; later lines share it. */
gboolean
card_start(LoaEngineCard *card, GError **error)
{
  if (card->failed) {
    g_set_error(error, LOA_ENGINE_ERROR, LOA_ENGINE_ERROR_STATE, _("card %s failed"),
                card->output);
    return FALSE;
  }
  if (card->started)
    return TRUE;
  card->started = TRUE;
  GstStateChangeReturn ret = gst_element_set_state(card->pipeline, GST_STATE_PLAYING);
  if (ret == GST_STATE_CHANGE_ASYNC)
    ret = gst_element_get_state(card->pipeline, NULL, NULL, 5 * GST_SECOND);
  if (ret == GST_STATE_CHANGE_FAILURE || ret == GST_STATE_CHANGE_ASYNC) {
    card->failed = TRUE;
    g_set_error(error, LOA_ENGINE_ERROR, LOA_ENGINE_ERROR_STATE,
                _("card %s would not start (%s)"), card->output,
                ret == GST_STATE_CHANGE_ASYNC ? _("timed out") : _("device refused"));
    gst_element_set_state(card->pipeline, GST_STATE_NULL);
    return FALSE;
  }
  card->base_time = gst_element_get_base_time(card->pipeline);
  gboolean live;
  GstClockTime min = engine_needed_latency(card->pipeline, &live);
  if (card->latency < min) {
    card->latency = min;
    gst_pipeline_set_latency(GST_PIPELINE(card->pipeline), min);
  }
  return TRUE;
}

/* Takes a line's part out of its card's pipeline, which goes on for the
 * other lines: its probes point at the engine, so its streaming must be over
 * before the engine is freed. The card mixer's pad is released first: that
 * wakes the line's thread if it waits in the mixer, which stopping needs. */
void
card_detach_line(LoaEngine *engine)
{
  GstElement *bin = GST_ELEMENT(engine->container);
  if (bin == NULL || GST_OBJECT_PARENT(bin) == NULL)
    return;
  g_autoptr(GstPad) ghost = gst_element_get_static_pad(bin, "src");
  g_autoptr(GstPad) card_pad = ghost != NULL ? gst_pad_get_peer(ghost) : NULL;
  if (card_pad != NULL) {
    gst_pad_unlink(ghost, card_pad);
    gst_element_release_request_pad(engine->card->mixer, card_pad);
  }
  gst_element_set_locked_state(bin, TRUE);
  gst_element_set_state(bin, GST_STATE_NULL);
  gst_bin_remove(GST_BIN(engine->pipeline), bin);
  engine->container = NULL;
}
