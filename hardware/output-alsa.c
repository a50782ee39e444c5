/* ALSA output: alsasink on any ALSA PCM name, slaved to the pipeline clock by
 * resampling (never by skipping samples: the notes measured 'skew' drifting to
 * tens of ms and then jumping). The PCM is opened once here first, so a wrong
 * name fails with ALSA's own reason before any pipeline exists. */
#include "output.h"

#include "i18n.h"

#include <alsa/asoundlib.h>
#include <gst/audio/audio.h>

/* GstAudioBaseSinkSlaveMethod: resample = 0. */
#define SLAVE_METHOD_RESAMPLE 0

static GstElement *
alsa_create_sink(const char *device, const char *line_id, GError **error)
{
  snd_pcm_t *pcm = NULL;
  int rc = snd_pcm_open(&pcm, device, SND_PCM_STREAM_PLAYBACK, SND_PCM_NONBLOCK);
  if (rc < 0) {
    g_set_error(error, LOA_OUTPUT_ERROR, LOA_OUTPUT_ERROR_DEVICE,
                _("line '%s': cannot open ALSA PCM '%s': %s"), line_id, device, snd_strerror(rc));
    return NULL;
  }
  snd_pcm_close(pcm);

  g_autofree char *name = g_strdup_printf("sink-%s", line_id);
  GstElement *sink = gst_element_factory_make("alsasink", name);
  if (sink == NULL) {
    g_set_error(error, LOA_OUTPUT_ERROR, LOA_OUTPUT_ERROR_ELEMENT,
                _("line '%s': GStreamer element 'alsasink' is missing (install gstreamer1.0-alsa)"),
                line_id);
    return NULL;
  }
  g_object_set(sink, "device", device, "slave-method", SLAVE_METHOD_RESAMPLE, NULL);
  /* The resample slaving compares the card's clock with the system clock
   * every "timeout" (100 ms by default), a whole number of the card's 10 ms
   * periods. With the output threads real-time the samples then fell at the
   * same phase of a period, and the first seconds' rate estimates were off
   * by up to 2 % (a spot 8 ms early in playout.airing, 7 runs of 32). At
   * 97 ms the phase walks through the period: 0 runs of 24.
   *
   * The rate and offset are a regression over the last window-size
   * samples, and one sample that is off moves the fitted line's end by about
   * 5/window of its error. With the default 32, spots on a card 1000 ppm off
   * came out up to 1.3 ms off for a few seconds, on both lines at once, in
   * about half the bench/timing runs (which sample is off, and why, is not
   * pinned down). 128 samples (12 s): none over 0.6 ms in 8 conditions, and
   * the line still follows a crystal's slow drift. */
  GstClock *card_clock = GST_AUDIO_BASE_SINK(sink)->provided_clock;
  if (card_clock != NULL)
    g_object_set(card_clock, "timeout", (guint64)(97 * GST_MSECOND), "window-size", 128, NULL);
  return sink;
}

const LoaOutputPlugin loa_output_alsa_plugin = {
  .name = "alsa",
  .takes_device = TRUE,
  .create_sink = alsa_create_sink,
};
