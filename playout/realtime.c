/* Real-time scheduling of a pipeline's output threads (see realtime.h). */
#define G_LOG_DOMAIN "loa-engine"

#include "realtime.h"

#include "i18n.h"

#include <errno.h>
#include <gst/base/gstbasesink.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>

struct LoaRealtime {
  int priority;
  char *label;
  gint refused;  /* atomic: said once */
};

void
loa_realtime_free(LoaRealtime *rt)
{
  if (rt == NULL)
    return;
  g_free(rt->label);
  g_free(rt);
}

/* The elements whose threads render the output: a sink and the mixer. A
 * sink that is a bin (file:) counts by its parent. */
static gboolean
is_output_element(GstElement *element)
{
  if (GST_IS_BASE_SINK(element))
    return TRUE;
  GstElementFactory *factory = gst_element_get_factory(element);
  if (factory == NULL)
    return FALSE;
  const char *name = gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(factory));
  return g_strcmp0(name, "audiomixer") == 0;
}

/* Runs in the thread that posts the message: a streaming thread or the audio
 * sink's ring buffer thread announcing that it starts. */
void
loa_realtime_on_message(LoaRealtime *rt, GstMessage *message)
{
  if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_STREAM_STATUS)
    return;
  GstStreamStatusType type;
  GstElement *owner = NULL;
  gst_message_parse_stream_status(message, &type, &owner);
  if (type != GST_STREAM_STATUS_TYPE_ENTER || owner == NULL || !is_output_element(owner))
    return;
  /* RESET_ON_FORK: a command a switch runs never inherits the priority. */
  struct sched_param param = { .sched_priority = rt->priority };
  int err = pthread_setschedparam(pthread_self(), SCHED_FIFO | SCHED_RESET_ON_FORK, &param);
  if (err == 0)
    g_debug("%s: %s's thread runs SCHED_FIFO %d", rt->label, GST_ELEMENT_NAME(owner),
            rt->priority);
  else if (g_atomic_int_compare_and_exchange(&rt->refused, 0, 1))
    g_message(_("%s: real-time scheduling was refused (%s); the audio threads run at "
                "normal priority (raise LimitRTPRIO or set engine.realtime_priority = 0)"),
              rt->label, g_strerror(err));
}

/* Runs on the system clock's thread for asynchronous waits. */
static gboolean
raise_clock_thread(GstClock *clock, GstClockTime time, GstClockID id, gpointer user_data)
{
  (void)clock;
  (void)time;
  (void)id;
  struct sched_param param = { .sched_priority = GPOINTER_TO_INT(user_data) };
  /* A refusal is said by the output threads' own attempt. */
  (void)pthread_setschedparam(pthread_self(), SCHED_FIFO | SCHED_RESET_ON_FORK, &param);
  return TRUE;
}

LoaRealtime *
loa_realtime_new(GstElement *pipeline, int priority, const char *label)
{
  if (priority <= 0)
    return NULL;
  LoaRealtime *rt = g_new0(LoaRealtime, 1);
  rt->priority = CLAMP(priority, sched_get_priority_min(SCHED_FIFO),
                       sched_get_priority_max(SCHED_FIFO));
  rt->label = g_strdup(label);
  /* The sink is slaved to the pipeline clock by resampling: the system
   * clock's thread for asynchronous waits samples the card's position against
   * the clock about every 100 ms, and a sample taken by a preempted thread skews the
   * rate estimate (a whole millisecond under two CPU hogs). That thread is an
   * output thread too. Raising it more than once is harmless. */
  g_autoptr(GstClock) clock = gst_pipeline_get_pipeline_clock(GST_PIPELINE(pipeline));
  if (GST_IS_SYSTEM_CLOCK(clock)) {
    GstClockID id = gst_clock_new_single_shot_id(clock, gst_clock_get_time(clock));
    gst_clock_id_wait_async(id, raise_clock_thread, GINT_TO_POINTER(rt->priority), NULL);
    gst_clock_id_unref(id);
  }
  return rt;
}
