/* The clock a sound card's sink (alsasink) provides, as the engine uses it:
 * the sink is slaved to the system clock by resampling, and the rate and
 * offset between the two are fitted from readings of the card's position.
 * This module tunes that fit and mends the readings GStreamer tears. */
#pragma once

#include <glib.h>
#include <gst/gst.h>

/* What the mend remembers of a clock's last reading. Zero-initialise. */
typedef struct {
  GstClockTime last;     /* the last reading returned */
  gint64 last_now_ns;    /* the monotonic time it was taken */
  gboolean have_last;
  gboolean last_mended;  /* the last reading was moved */
  guint64 mended;        /* readings moved so far */
} LoaCardClockTrack;

/* The reading to use for a reading of the card's clock taken at now_ns
 * (monotonic), given the sink's segment (ALSA period) length and its number
 * of segments.
 *
 * GStreamer's audiobasesink reads its clock as the samples of the segments
 * it has written minus the device's delay, in two steps with no lock in
 * common: a reading that falls while its ring-buffer thread has handed a
 * segment to ALSA but not yet counted it comes out whole segments low, once.
 * A reading that lags the last one's extrapolation by a whole number of
 * segments (1..segments, within a quarter segment) is moved up by them, if
 * it still moved on by more than a quarter of the time since the last one,
 * and unless the last reading was moved too: a clock that stands still, or
 * lags twice in a row, is a card that stalled, and is kept. Readings more
 * than a second apart are not compared (the card's rate error adds up).
 * segment 0: nothing is compared (the card is not running). */
GstClockTime loa_card_clock_mend(LoaCardClockTrack *track, GstClockTime reading, gint64 now_ns,
                                 GstClockTime segment, int segments);

/* Sets up the clock that sink provides, if sink is a GstAudioBaseSink: the
 * fit's sampling interval and window, and the mend above on every reading.
 * The mend's state lives as long as sink. */
void loa_card_clock_setup(GstElement *sink);

/* Readings of sink's clock mended so far (0 if it has no mend). */
guint64 loa_card_clock_mended(GstElement *sink);
