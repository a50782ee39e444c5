/* Test signals for commissioning a line (`loa hw test`): a sine tone or a
 * spoken sentence, played on one line's output only, through the same sink
 * the engine would build for it (output.h), at the engine's rate and
 * channel count. Blocks until the signal has played. */
#pragma once

#include <glib.h>

#define LOA_TEST_SIGNAL_ERROR (loa_test_signal_error_quark())
GQuark loa_test_signal_error_quark(void);

typedef enum {
  LOA_TEST_SIGNAL_ERROR_PIPELINE,  /* elements missing, or the pipeline failed */
  LOA_TEST_SIGNAL_ERROR_VOICE,     /* the sentence could not be spoken (espeak-ng) */
  LOA_TEST_SIGNAL_ERROR_TIMEOUT,   /* the signal did not finish in time */
} LoaTestSignalError;

/* What to play. */
typedef struct {
  const char *output;   /* the line's output setting ("alsa:hw:1,0", "file:/tmp/x.wav") */
  const char *line_id;  /* for element names and messages */
  int rate;             /* engine.rate */
  int channels;         /* engine.channels */
  double tone_hz;       /* tone: its frequency */
  double seconds;       /* tone: its length (exact to the sample) */
  double level_dbfs;    /* tone: its level */
  const char *voice_text; /* not NULL: speak this with espeak-ng instead of the tone */
  const int *card_channels; /* a line on a shared card: its card channels (1-based), one per
                             * channel; NULL: the output is the line's own */
  int card_highest;         /* with card_channels: the highest channel any line uses on the card
                             * (it decides how many channels the card is opened with) */
} LoaTestSignal;

/* Plays signal. Returns TRUE once the last sample went to the sink, or FALSE
 * with the error naming the line and what failed. */
gboolean loa_test_signal_play(const LoaTestSignal *signal, GError **error) G_GNUC_WARN_UNUSED_RESULT;
