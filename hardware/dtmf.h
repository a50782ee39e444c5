/* DTMF address codes rendered as audio: the in-band "switch" of a zone whose
 * FM receivers wake on a tone code. The engine plays the rendered file on the
 * line like a spot, the address code before the program and the off code
 * after it.
 *
 * The tones are computed here rather than with GStreamer's dtmfsrc: dtmfsrc
 * is a live source driven by upstream events and paced by the clock, so an
 * offline render through it is neither fast nor sample-exact. Each digit is
 * the standard ITU-T Q.23 pair (rows 697/770/852/941 Hz, columns
 * 1209/1336/1477/1633 Hz) for tone_ms, with 5 ms raised-cosine edges, then
 * gap_ms of silence; the file is 16-bit PCM WAV at the engine's rate, the
 * same signal on every channel. */
#pragma once

#include <glib.h>

#define LOA_DTMF_ERROR (loa_dtmf_error_quark())
GQuark loa_dtmf_error_quark(void);

typedef enum {
  LOA_DTMF_ERROR_CODE,   /* a character is not a DTMF digit, or the code is empty */
  LOA_DTMF_ERROR_WRITE,  /* the file cannot be written */
} LoaDtmfError;

/* How a code is rendered. */
typedef struct {
  int rate;        /* samples per second, e.g. 48000 */
  int channels;    /* 1..8, each carries the same signal */
  int tone_ms;     /* length of each digit's tone pair */
  int gap_ms;      /* silence after each digit */
  int level_dbfs;  /* peak level of each of the two tones, e.g. -10 */
} LoaDtmfFormat;

/* TRUE if every character of code is one of 0-9 * # A-D (and code is not empty). */
gboolean loa_dtmf_code_is_valid(const char *code);

/* Frames the rendered code lasts: (tone + gap) per digit, at format->rate. */
gint64 loa_dtmf_frames(const char *code, const LoaDtmfFormat *format);

/* Writes code as a WAV file at path (replacing it). Returns TRUE; or FALSE
 * with LOA_DTMF_ERROR_CODE naming the bad character, or LOA_DTMF_ERROR_WRITE
 * naming the file; a failed write leaves no file behind. */
gboolean loa_dtmf_render(const char *code, const LoaDtmfFormat *format, const char *path,
                         GError **error) G_GNUC_WARN_UNUSED_RESULT;
