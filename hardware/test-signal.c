/* Test signals on one line (see test-signal.h). */
#include "test-signal.h"

#include "i18n.h"
#include "output.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <math.h>

G_DEFINE_QUARK(loa-test-signal-error-quark, loa_test_signal_error)

/* Buffers of 10 ms: the tone's length is a whole number of them. */
#define BUFFERS_PER_SECOND 100
/* Time allowed beyond the signal's own length (device start, draining). */
#define EXTRA_WAIT_SECONDS 15

/* Speaks text into a new WAV file in folder. Returns its path, or NULL. */
static char *
speak(const LoaTestSignal *signal, const char *folder, GError **error)
{
  g_autofree char *path = g_build_filename(folder, "voice.wav", NULL);
  const char *argv[] = { "espeak-ng", "-w", path, signal->voice_text, NULL };
  g_autofree char *err = NULL;
  int status = 0;
  g_autoptr(GError) local = NULL;
  if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                    NULL, NULL, NULL, &err, &status, &local) ||
      !g_spawn_check_wait_status(status, &local)) {
    g_set_error(error, LOA_TEST_SIGNAL_ERROR, LOA_TEST_SIGNAL_ERROR_VOICE,
                _("line '%s': espeak-ng could not speak the test sentence: %s%s%s"), signal->line_id,
                local->message, err != NULL && err[0] != '\0' ? ": " : "",
                err != NULL ? g_strstrip(err) : "");
    return NULL;
  }
  return g_steal_pointer(&path);
}

static GstElement *
make(const char *factory, const LoaTestSignal *signal, GError **error)
{
  GstElement *element = gst_element_factory_make(factory, NULL);
  if (element == NULL)
    g_set_error(error, LOA_TEST_SIGNAL_ERROR, LOA_TEST_SIGNAL_ERROR_PIPELINE,
                _("line '%s': GStreamer element '%s' is missing"), signal->line_id, factory);
  return element;
}

/* Waits for the end of the stream. Returns TRUE, or FALSE with the error. */
static gboolean
wait_for_end(GstElement *pipeline, const LoaTestSignal *signal, double seconds, GError **error)
{
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  GstClockTime timeout = (GstClockTime)((seconds + EXTRA_WAIT_SECONDS) * GST_SECOND);
  g_autoptr(GstMessage) message =
      gst_bus_timed_pop_filtered(bus, timeout, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (message == NULL) {
    g_set_error(error, LOA_TEST_SIGNAL_ERROR, LOA_TEST_SIGNAL_ERROR_TIMEOUT,
                _("line '%s': the test signal did not finish within %.0f s"), signal->line_id,
                seconds + EXTRA_WAIT_SECONDS);
    return FALSE;
  }
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
    g_autoptr(GError) gst_error = NULL;
    g_autofree char *debug = NULL;
    gst_message_parse_error(message, &gst_error, &debug);
    g_set_error(error, LOA_TEST_SIGNAL_ERROR, LOA_TEST_SIGNAL_ERROR_PIPELINE,
                _("line '%s': output '%s' failed: %s"), signal->line_id, signal->output,
                gst_error->message);
    return FALSE;
  }
  return TRUE;
}

/* The decoder's audio pad appears once it has read the file's header. */
static void
link_decoded(GstElement *decoder, GstPad *pad, gpointer user_data)
{
  (void)decoder;
  g_autoptr(GstPad) sink_pad = gst_element_get_static_pad(GST_ELEMENT(user_data), "sink");
  if (!gst_pad_is_linked(sink_pad))
    gst_pad_link(pad, sink_pad);
}

gboolean
loa_test_signal_play(const LoaTestSignal *signal, GError **error)
{
  g_autofree char *folder = NULL;
  g_autofree char *voice = NULL;
  GstElement *source = NULL;
  double seconds = signal->seconds;

  if (signal->voice_text != NULL) {
    g_autoptr(GError) local = NULL;
    folder = g_dir_make_tmp("loa-hw-test-XXXXXX", &local);
    if (folder == NULL) {
      g_set_error(error, LOA_TEST_SIGNAL_ERROR, LOA_TEST_SIGNAL_ERROR_VOICE,
                  _("line '%s': cannot make a temporary folder: %s"), signal->line_id, local->message);
      return FALSE;
    }
    voice = speak(signal, folder, error);
    if (voice == NULL) {
      g_rmdir(folder);
      return FALSE;
    }
    source = gst_element_factory_make("uridecodebin", NULL);
    g_autofree char *uri = g_filename_to_uri(voice, NULL, NULL);
    if (source != NULL)
      g_object_set(source, "uri", uri, NULL);
    seconds = 30; /* a sentence; only bounds the wait */
  } else {
    source = gst_element_factory_make("audiotestsrc", NULL);
    if (source != NULL) {
      int per_buffer = signal->rate / BUFFERS_PER_SECOND;
      g_object_set(source, "wave", 0 /* sine */, "freq", signal->tone_hz, "volume",
                   pow(10.0, signal->level_dbfs / 20.0), "samplesperbuffer", per_buffer,
                   "num-buffers", (int)lround(signal->seconds * BUFFERS_PER_SECOND), NULL);
    }
  }

  gboolean ok = FALSE;
  /* Declared before the first goto: cleanups must never see them uninitialised. */
  g_autoptr(GstCaps) format = NULL;
  g_autoptr(GstCaps) card_format = NULL;
  GstElement *pipeline = gst_pipeline_new("hw-test");
  GstElement *convert = make("audioconvert", signal, error);
  GstElement *resample = convert != NULL ? make("audioresample", signal, error) : NULL;
  GstElement *caps = resample != NULL ? make("capsfilter", signal, error) : NULL;
  GstElement *sink = caps != NULL ? loa_output_create_sink(signal->output, signal->line_id, error) : NULL;
  if (source == NULL && sink != NULL)
    g_set_error(error, LOA_TEST_SIGNAL_ERROR, LOA_TEST_SIGNAL_ERROR_PIPELINE,
                _("line '%s': GStreamer element '%s' is missing"), signal->line_id,
                voice != NULL ? "uridecodebin" : "audiotestsrc");
  if (source == NULL || sink == NULL) {
    gst_clear_object(&source);
    gst_clear_object(&convert);
    gst_clear_object(&resample);
    gst_clear_object(&caps);
    goto done;
  }
  format = gst_caps_new_simple("audio/x-raw", "rate", G_TYPE_INT, signal->rate, "channels",
                               G_TYPE_INT, signal->channels, NULL);
  g_object_set(caps, "caps", format, NULL);
  gst_bin_add_many(GST_BIN(pipeline), source, convert, resample, caps, sink, NULL);
  LoaCardLayout layout;
  int highest = signal->card_highest;
  for (int k = 0; signal->card_channels != NULL && k < signal->channels; k++)
    highest = MAX(highest, signal->card_channels[k]);
  if (signal->card_channels != NULL && loa_output_card_layout(highest, &layout)) {
    /* Only the line's channels of the shared card carry the signal. */
    GstElement *place = gst_element_factory_make("audioconvert", NULL);
    GstElement *card = gst_element_factory_make("capsfilter", NULL);
    card_format = loa_output_card_caps(&layout, signal->rate);
    g_object_set(card, "caps", card_format, NULL);
    loa_output_set_channel_matrix(place, &layout, signal->card_channels, signal->channels);
    gst_bin_add_many(GST_BIN(pipeline), place, card, NULL);
    gst_element_link_many(convert, resample, caps, place, card, sink, NULL);
  } else {
    gst_element_link_many(convert, resample, caps, sink, NULL);
  }
  if (voice != NULL)
    g_signal_connect_object(source, "pad-added", G_CALLBACK(link_decoded), convert, 0);
  else
    gst_element_link(source, convert);

  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    /* The error message on the bus has the device's reason. */
    if (wait_for_end(pipeline, signal, 0, error))
      g_set_error(error, LOA_TEST_SIGNAL_ERROR, LOA_TEST_SIGNAL_ERROR_PIPELINE,
                  _("line '%s': output '%s' could not start"), signal->line_id, signal->output);
  } else {
    ok = wait_for_end(pipeline, signal, seconds, error);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);

done:
  gst_object_unref(pipeline);
  if (voice != NULL) {
    g_unlink(voice);
    g_rmdir(folder);
  }
  return ok;
}
