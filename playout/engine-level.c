/* A line's level, from its meter (a level element) to the engine's level
 * callback, and the bus sync handler it shares with real-time scheduling
 * (see engine-private.h). */
#define G_LOG_DOMAIN "loa-engine"

#include "engine-private.h"

#include "realtime.h"

#include <gst/gst.h>
#include <math.h>

typedef struct {
  GstClockTime running_time;
  GstClockTime duration;
  double loudest;             /* RMS of the loudest channel, dBFS */
} LevelBlock;

G_DEFINE_QUARK(loa-engine-meter, meter_engine)

/* A meter's level message is kept in its engine's batch and dropped from the
 * bus (the posting thread); a sync handler that drops a message owns it and
 * unrefs it. The meter carries its engine as qdata; an engine outlives its
 * meter's streaming (halt and card_detach_line stop it first). */
static GstBusSyncReply
collect_level(GstMessage *message)
{
  if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_ELEMENT || GST_MESSAGE_SRC(message) == NULL)
    return GST_BUS_PASS;
  LoaEngine *engine = g_object_get_qdata(G_OBJECT(GST_MESSAGE_SRC(message)), meter_engine_quark());
  const GstStructure *s = gst_message_get_structure(message);
  if (engine == NULL || !gst_structure_has_name(s, "level"))
    return GST_BUS_PASS;
  LevelBlock block = { 0, 0, -INFINITY };
  const GValue *rms = gst_structure_get_value(s, "rms");
  if (!gst_structure_get_clock_time(s, "running-time", &block.running_time) ||
      !gst_structure_get_clock_time(s, "duration", &block.duration) || rms == NULL) {
    gst_message_unref(message);
    return GST_BUS_DROP;
  }
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS /* GValueArray is what level posts */
  GValueArray *values = g_value_get_boxed(rms);
  for (guint i = 0; values != NULL && i < values->n_values; i++)
    block.loudest = MAX(block.loudest, g_value_get_double(g_value_array_get_nth(values, i)));
  G_GNUC_END_IGNORE_DEPRECATIONS
  g_mutex_lock(&engine->lock);
  g_array_append_val(engine->levels, block);
  g_mutex_unlock(&engine->lock);
  gst_message_unref(message);
  return GST_BUS_DROP;
}

/* The bus sync handler of a line's or a card's pipeline; user_data is its
 * LoaRealtime (NULL when off), owned by the handler. */
static GstBusSyncReply
on_sync_message(GstBus *bus, GstMessage *message, gpointer user_data)
{
  (void)bus;
  if (user_data != NULL)
    loa_realtime_on_message(user_data, message);
  return collect_level(message);
}

void
engine_watch_bus(GstElement *pipeline, int realtime_priority, const char *label)
{
  LoaRealtime *rt = loa_realtime_new(pipeline, realtime_priority, label);
  g_autoptr(GstBus) bus = gst_pipeline_get_bus(GST_PIPELINE(pipeline));
  gst_bus_set_sync_handler(bus, on_sync_message, rt, (GDestroyNotify)loa_realtime_free);
}

GArray *
engine_levels_new(void)
{
  return g_array_new(FALSE, FALSE, sizeof(LevelBlock));
}

void
engine_meter_attach(LoaEngine *engine, GstElement *meter)
{
  g_object_set_qdata(G_OBJECT(meter), meter_engine_quark(), engine);
}

void
loa_engine_deliver_levels(LoaEngine *engine)
{
  g_mutex_lock(&engine->lock);
  g_autoptr(GArray) blocks = engine->levels;
  engine->levels = engine_levels_new();
  g_mutex_unlock(&engine->lock);
  if (engine->callbacks.level == NULL || !engine->running)
    return;
  for (guint i = 0; i < blocks->len; i++) {
    const LevelBlock *block = &g_array_index(blocks, LevelBlock, i);
    engine->callbacks.level(loa_engine_running_time_to_wall(engine, block->running_time),
                            (gint64)block->duration, block->loudest, engine->user_data);
  }
}
