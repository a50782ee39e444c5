/* ALSA output: alsasink on any ALSA PCM name, slaved to the pipeline clock by
 * resampling (never by skipping samples: the notes measured 'skew' drifting to
 * tens of ms and then jumping). The PCM is opened once here first, so a wrong
 * name fails with ALSA's own reason before any pipeline exists. */
#include "output.h"

#include "card-clock.h"

#include "i18n.h"

#include <alsa/asoundlib.h>
#include <gst/audio/audio.h>

/* GstAudioBaseSinkSlaveMethod: resample = 0. */
#define SLAVE_METHOD_RESAMPLE 0
#define ALSA_BUFFER (200 * GST_MSECOND)
#define ALSA_PERIOD (100 * GST_MSECOND)

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
  /* ALSA periods of 100 ms in a 200 ms buffer, not alsasink's 10 ms. Each
   * period wakes two threads per line (the ring-buffer thread on the card's
   * poll, the streaming thread waiting for room in the ring); on these
   * machines the wake-ups cost more than the audio: 8 lines through the
   * virtual card took 9.2 % of a core with 10 ms periods, 4.9 % with 50
   * (bench/load), and 100 ms periods 3.95 against 4.12 % (medians of four
   * 30 s runs; within these machines' noise, but half the wake-ups).
   * Placement does not depend on the period: the card's clock reads its
   * position at any instant (snd_pcm_delay), and the card clock's mend
   * (card-clock.c) keeps the longer periods' torn readings out of the rate
   * fit. The buffer stays 200 ms: one period of it is slack for a late
   * ring-buffer thread, which runs real-time by default (realtime.h). Two
   * CPU hogs caused no xrun in bench/timing. (The xruns it saw on
   * 2026-11-30 were the virtual card's: its own disk writes stalled it up
   * to 338 ms; tests/vcard/README.md.) */
  g_object_set(sink, "device", device, "slave-method", SLAVE_METHOD_RESAMPLE, "buffer-time",
               (gint64)(ALSA_BUFFER / GST_USECOND), "latency-time",
               (gint64)(ALSA_PERIOD / GST_USECOND), NULL);
  loa_card_clock_setup(sink);
  return sink;
}

const LoaOutputPlugin loa_output_alsa_plugin = {
  .name = "alsa",
  .takes_device = TRUE,
  .create_sink = alsa_create_sink,
};
