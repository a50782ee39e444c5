/* Loudness and cues: what ingest measures while it decodes a spot.
 *
 * The decoded samples of one pass are fed to libebur128 (EBU R128 / ITU-R
 * BS.1770-4: integrated loudness, loudness range, true peak) and scanned for
 * the first and last sample above a silence threshold, which become the
 * spot's cue-in and cue-out. Nothing here decodes: the caller (ingest.c, or a
 * benchmark) owns the pipeline and hands over buffers as they come. */
#pragma once

#include <glib.h>
#include <gst/audio/audio.h>

#define LOA_LOUDNESS_ERROR (loa_loudness_error_quark())
GQuark loa_loudness_error_quark(void);

typedef enum {
  LOA_LOUDNESS_ERROR_FORMAT,  /* a rate or channel count libebur128 cannot measure */
  LOA_LOUDNESS_ERROR_FAILED,  /* libebur128 failed (out of memory) */
} LoaLoudnessError;

/* The measurement of one file. */
typedef struct {
  double integrated_lufs;  /* integrated loudness, LUFS; NAN if nothing passed the gates */
  double range_lu;         /* loudness range (LRA), LU; NAN if not measurable */
  double true_peak_dbtp;   /* highest true peak of any channel, dBTP; NAN if all zero */
  gint64 frames;           /* frames measured */
  gint64 cue_in_frame;     /* first frame with a sample above the silence threshold */
  gint64 cue_out_frame;    /* one past the last such frame; cue_in_frame == cue_out_frame == 0
                            * when the whole file is silence */
} LoaLoudnessResult;

typedef struct LoaLoudness LoaLoudness;

/* A new measurement for audio in format info (any raw format, interleaved or
 * not). silence_db: the level in dBFS (sample peak) at or under which a frame
 * counts as silence for the cues. Returns NULL with LOA_LOUDNESS_ERROR set. */
LoaLoudness *loa_loudness_new(const GstAudioInfo *info, double silence_db,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Adds interleaved frames (whole frames of the format given to _new, which
 * must be interleaved). FALSE with the error set if libebur128 fails; the
 * measurement is then unusable. */
gboolean loa_loudness_add(LoaLoudness *loudness, const guint8 *data, gsize size,
                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Adds the audio of buffer, in the format given to _new, interleaved or not
 * (non-interleaved buffers are converted). FALSE as loa_loudness_add(). */
gboolean loa_loudness_add_buffer(LoaLoudness *loudness, GstBuffer *buffer,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Fills result from what was added so far. Can be called more than once. */
void loa_loudness_get(LoaLoudness *loudness, LoaLoudnessResult *result);

void loa_loudness_free(LoaLoudness *loudness);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaLoudness, loa_loudness_free)
