/* Loudness and cues (see loudness.h).
 *
 * Formats libebur128 reads directly (16- and 32-bit integers, 32- and 64-bit
 * floats, native endianness) are passed as they are; anything else (24-bit
 * WAV, 8-bit, other endianness, planar as some MP3 and AAC decoders give)
 * is converted to interleaved 32-bit float first, so every
 * file is measured and the common cases pay no conversion. The cue scan looks
 * at each buffer from the front only until the first loud frame is known, and
 * from the back only down to the last loud frame: on speech it touches a few
 * samples per buffer.
 *
 * The true peak is not libebur128's: its interpolator costs three times its
 * loudness measurement, which made ingest slower than ffmpeg's ebur128
 * filter. It is measured here as BS.1770-4 Annex 2 describes (4x
 * oversampling with a 49-tap windowed-sinc interpolator; the phase that
 * falls on the samples is the samples themselves), in blocks of 64 frames,
 * and a block is interpolated only if it could raise the peak: an
 * interpolated value is a weighted sum of 12 samples, so it is at most the
 * sum of the absolute weights times the largest of them. Once a loud peak is
 * known, most blocks of speech are skipped, and the result is exactly what
 * interpolating everything would give. */
#define G_LOG_DOMAIN "loa-library"

#include "loudness.h"

#include "i18n.h"

#include <ebur128.h>
#include <math.h>
#include <string.h>

G_DEFINE_QUARK(loa-loudness-error-quark, loa_loudness_error)

#define CONVERT_CHUNK_FRAMES 4096
#define TRUE_PEAK_TAPS 12                     /* per interpolated phase */
#define TRUE_PEAK_HISTORY (TRUE_PEAK_TAPS - 1) /* earlier samples a phase needs */
#define TRUE_PEAK_BLOCK 64                    /* frames per skip decision */

struct LoaLoudness {
  ebur128_state *state;
  GstAudioFormat format;        /* what is fed to libebur128: S16, S32, F32 or F64 */
  GstAudioConverter *converter; /* to F32, when the input is another format; else NULL */
  int channels;
  GstAudioInfo info;            /* the input format */
  gsize input_bpf;              /* bytes per input frame (of all planes together) */
  float *scratch;               /* converted frames, CONVERT_CHUNK_FRAMES of them */
  double threshold;             /* linear, full scale = 1.0 */
  gint32 threshold_s16;         /* the same for 16-bit integers */
  gint64 threshold_s32;         /* and for 32-bit integers */
  gint64 frames;                /* frames added so far */
  gint64 first_loud;            /* -1 until found */
  gint64 last_loud;             /* -1 until found */
  float true_peak_coefficients[3][TRUE_PEAK_TAPS]; /* phases 1/4, 2/4, 3/4 */
  float true_peak_bound;        /* largest sum of absolute coefficients of a phase (>= 1) */
  float *true_peak_samples;     /* per channel: TRUE_PEAK_HISTORY + CONVERT_CHUNK_FRAMES */
  float true_peak;              /* largest absolute value so far, linear */
};

/* The interpolator: a 49-tap Hann-windowed sinc for 4x oversampling, split
 * into its phases; each phase is scaled to a gain of 1 at DC. */
static void
design_true_peak(LoaLoudness *loudness)
{
  const int length = 4 * TRUE_PEAK_TAPS + 1;
  const double centre = (length - 1) / 2.0;
  loudness->true_peak_bound = 1.0f;
  for (int phase = 1; phase <= 3; phase++) {
    double sum = 0.0, absolute = 0.0;
    double taps[TRUE_PEAK_TAPS];
    for (int j = 0; j < TRUE_PEAK_TAPS; j++) {
      double n = 4 * j + phase;
      double x = (n - centre) / 4.0;
      double sinc = sin(G_PI * x) / (G_PI * x);
      double window = 0.5 * (1.0 - cos(2.0 * G_PI * n / (length - 1)));
      taps[j] = sinc * window;
      sum += taps[j];
    }
    for (int j = 0; j < TRUE_PEAK_TAPS; j++) {
      loudness->true_peak_coefficients[phase - 1][j] = (float)(taps[j] / sum);
      absolute += fabs(taps[j] / sum);
    }
    /* Rounded up a little, so float rounding can never make the skip test lie. */
    loudness->true_peak_bound = MAX(loudness->true_peak_bound, (float)(absolute * 1.0001));
  }
}

/* Raises loudness->true_peak with one channel's new samples, at
 * samples[TRUE_PEAK_HISTORY..TRUE_PEAK_HISTORY + n), the samples before them
 * in samples[0..TRUE_PEAK_HISTORY). */
static void
true_peak_channel(LoaLoudness *loudness, const float *samples, gsize n)
{
  float peak = loudness->true_peak;
  for (gsize start = 0; start < n; start += TRUE_PEAK_BLOCK) {
    gsize length = MIN((gsize)TRUE_PEAK_BLOCK, n - start);
    const float *block = samples + start;  /* block[TRUE_PEAK_HISTORY + i] is frame start + i */
    float largest = 0.0f;
    for (gsize i = 0; i < length + TRUE_PEAK_HISTORY; i++)
      largest = fmaxf(largest, fabsf(block[i]));
    if (largest * loudness->true_peak_bound <= peak)
      continue;
    float values[TRUE_PEAK_BLOCK];
    for (gsize i = 0; i < length; i++)
      peak = fmaxf(peak, fabsf(block[TRUE_PEAK_HISTORY + i]));
    for (int phase = 0; phase < 3; phase++) {
      const float *h = loudness->true_peak_coefficients[phase];
      for (gsize i = 0; i < length; i++)
        values[i] = 0.0f;
      /* values[i] = sum over j of h[j] * sample(frame start + i - j) */
      for (int j = 0; j < TRUE_PEAK_TAPS; j++)
        for (gsize i = 0; i < length; i++)
          values[i] += h[j] * block[TRUE_PEAK_HISTORY + i - (gsize)j];
      for (gsize i = 0; i < length; i++)
        peak = fmaxf(peak, fabsf(values[i]));
    }
  }
  loudness->true_peak = peak;
}

/* Splits frames (n <= CONVERT_CHUNK_FRAMES, in the fed format) into the
 * per-channel true-peak buffers as floats, measures them, and keeps the last
 * samples of each channel as the next call's history. */
static void
true_peak_add(LoaLoudness *loudness, const void *data, gsize n)
{
  const gsize stride = TRUE_PEAK_HISTORY + CONVERT_CHUNK_FRAMES;
  const int channels = loudness->channels;
  for (int c = 0; c < channels; c++) {
    float *out = loudness->true_peak_samples + (gsize)c * stride + TRUE_PEAK_HISTORY;
    switch (loudness->format) {
    case GST_AUDIO_FORMAT_S16:
      for (gsize i = 0; i < n; i++)
        out[i] = (float)((const gint16 *)data)[i * (gsize)channels + (gsize)c] * (1.0f / 32768.0f);
      break;
    case GST_AUDIO_FORMAT_S32:
      for (gsize i = 0; i < n; i++)
        out[i] = (float)((double)((const gint32 *)data)[i * (gsize)channels + (gsize)c] /
                         2147483648.0);
      break;
    case GST_AUDIO_FORMAT_F32:
      for (gsize i = 0; i < n; i++)
        out[i] = ((const float *)data)[i * (gsize)channels + (gsize)c];
      break;
    default:
      for (gsize i = 0; i < n; i++)
        out[i] = (float)((const double *)data)[i * (gsize)channels + (gsize)c];
      break;
    }
    float *channel = loudness->true_peak_samples + (gsize)c * stride;
    true_peak_channel(loudness, channel, n);
    memmove(channel, channel + n, TRUE_PEAK_HISTORY * sizeof(float));
  }
}

/* BS.1770 weights channels by position: the centre and the fronts count 1.0,
 * the surrounds 1.41, the LFE not at all. A mono file airs on every speaker of
 * the line, so it is measured as dual mono (counted twice), as it will sound. */
static int
ebur128_channel_for(GstAudioChannelPosition position)
{
  switch (position) {
  case GST_AUDIO_CHANNEL_POSITION_FRONT_LEFT: return EBUR128_LEFT;
  case GST_AUDIO_CHANNEL_POSITION_FRONT_RIGHT: return EBUR128_RIGHT;
  case GST_AUDIO_CHANNEL_POSITION_FRONT_CENTER: return EBUR128_CENTER;
  case GST_AUDIO_CHANNEL_POSITION_REAR_LEFT:
  case GST_AUDIO_CHANNEL_POSITION_SIDE_LEFT: return EBUR128_LEFT_SURROUND;
  case GST_AUDIO_CHANNEL_POSITION_REAR_RIGHT:
  case GST_AUDIO_CHANNEL_POSITION_SIDE_RIGHT: return EBUR128_RIGHT_SURROUND;
  case GST_AUDIO_CHANNEL_POSITION_LFE1:
  case GST_AUDIO_CHANNEL_POSITION_LFE2: return EBUR128_UNUSED;
  default: return -1;  /* keep libebur128's default for this index */
  }
}

static void
map_channels(LoaLoudness *loudness, const GstAudioInfo *info)
{
  if (loudness->channels == 1) {
    ebur128_set_channel(loudness->state, 0, EBUR128_DUAL_MONO);
    return;
  }
  if (GST_AUDIO_INFO_IS_UNPOSITIONED(info))
    return;
  for (int i = 0; i < loudness->channels; i++) {
    int channel = ebur128_channel_for(GST_AUDIO_INFO_POSITION(info, i));
    if (channel >= 0)
      ebur128_set_channel(loudness->state, (unsigned)i, channel);
  }
}

LoaLoudness *
loa_loudness_new(const GstAudioInfo *info, double silence_db, GError **error)
{
  int rate = GST_AUDIO_INFO_RATE(info);
  int channels = GST_AUDIO_INFO_CHANNELS(info);
  if (rate < 8000 || rate > 2822400 || channels < 1 || channels > 64) {
    g_set_error(error, LOA_LOUDNESS_ERROR, LOA_LOUDNESS_ERROR_FORMAT,
                _("cannot measure loudness at %d Hz with %d channels"), rate, channels);
    return NULL;
  }
  g_autoptr(LoaLoudness) loudness = g_new0(LoaLoudness, 1);
  loudness->channels = channels;
  loudness->input_bpf = GST_AUDIO_INFO_BPF(info);
  loudness->info = *info;
  loudness->first_loud = -1;
  loudness->last_loud = -1;
  loudness->threshold = pow(10.0, silence_db / 20.0);
  loudness->threshold_s16 = (gint32)floor(loudness->threshold * 32768.0);
  loudness->threshold_s32 = (gint64)floor(loudness->threshold * 2147483648.0);

  GstAudioFormat format = GST_AUDIO_INFO_FORMAT(info);
  gboolean interleaved = GST_AUDIO_INFO_LAYOUT(info) == GST_AUDIO_LAYOUT_INTERLEAVED;
  if (interleaved && (format == GST_AUDIO_FORMAT_S16 || format == GST_AUDIO_FORMAT_S32 ||
                      format == GST_AUDIO_FORMAT_F32 || format == GST_AUDIO_FORMAT_F64)) {
    loudness->format = format;
  } else {
    GstAudioInfo out;
    gst_audio_info_set_format(&out, GST_AUDIO_FORMAT_F32, rate, channels,
                              GST_AUDIO_INFO_IS_UNPOSITIONED(info) ? NULL : info->position);
    loudness->converter = gst_audio_converter_new(GST_AUDIO_CONVERTER_FLAG_NONE,
                                                  (GstAudioInfo *)info, &out, NULL);
    if (loudness->converter == NULL) {
      g_set_error(error, LOA_LOUDNESS_ERROR, LOA_LOUDNESS_ERROR_FORMAT,
                  _("cannot measure loudness of %s audio"), GST_AUDIO_INFO_NAME(info));
      return NULL;
    }
    loudness->format = GST_AUDIO_FORMAT_F32;
    loudness->scratch = g_new(float, (gsize)CONVERT_CHUNK_FRAMES * channels);
  }

  loudness->state = ebur128_init((unsigned)channels, (unsigned long)rate,
                                 EBUR128_MODE_I | EBUR128_MODE_LRA);
  if (loudness->state == NULL) {
    g_set_error(error, LOA_LOUDNESS_ERROR, LOA_LOUDNESS_ERROR_FAILED,
                _("cannot start the loudness measurement (out of memory)"));
    return NULL;
  }
  map_channels(loudness, info);
  design_true_peak(loudness);
  loudness->true_peak_samples =
    g_new0(float, (gsize)channels * (TRUE_PEAK_HISTORY + CONVERT_CHUNK_FRAMES));
  return g_steal_pointer(&loudness);
}

/* Is frame i of data loud? One definition per fed format. */
#define DEFINE_IS_LOUD(name, type, test)                                      \
  static inline gboolean name(const LoaLoudness *l, const type *data, gsize i) \
  {                                                                           \
    const type *frame = data + i * (gsize)l->channels;                        \
    for (int c = 0; c < l->channels; c++) {                                   \
      type v = frame[c];                                                      \
      if (test)                                                               \
        return TRUE;                                                          \
    }                                                                         \
    return FALSE;                                                             \
  }
DEFINE_IS_LOUD(loud_s16, gint16, ((gint32)v > l->threshold_s16 || (gint32)v < -l->threshold_s16))
DEFINE_IS_LOUD(loud_s32, gint32, ((gint64)v > l->threshold_s32 || (gint64)v < -l->threshold_s32))
DEFINE_IS_LOUD(loud_f32, float, (fabsf(v) > (float)l->threshold))
DEFINE_IS_LOUD(loud_f64, double, (fabs(v) > l->threshold))

static gboolean
frame_is_loud(const LoaLoudness *loudness, const void *data, gsize i)
{
  switch (loudness->format) {
  case GST_AUDIO_FORMAT_S16: return loud_s16(loudness, data, i);
  case GST_AUDIO_FORMAT_S32: return loud_s32(loudness, data, i);
  case GST_AUDIO_FORMAT_F32: return loud_f32(loudness, data, i);
  default: return loud_f64(loudness, data, i);
  }
}

/* Feeds frames in the fed format to libebur128, the true peak and the cue scan. */
static gboolean
feed(LoaLoudness *loudness, const void *data, gsize frames, GError **error)
{
  gsize bytes_per_frame = (gsize)loudness->channels * (gsize)(loudness->format == GST_AUDIO_FORMAT_S16   ? 2
                                                              : loudness->format == GST_AUDIO_FORMAT_F64 ? 8
                                                                                                         : 4);
  for (gsize done = 0; done < frames; done += CONVERT_CHUNK_FRAMES)
    true_peak_add(loudness, (const guint8 *)data + done * bytes_per_frame,
                  MIN(frames - done, (gsize)CONVERT_CHUNK_FRAMES));

  int rc;
  switch (loudness->format) {
  case GST_AUDIO_FORMAT_S16: rc = ebur128_add_frames_short(loudness->state, data, frames); break;
  case GST_AUDIO_FORMAT_S32: rc = ebur128_add_frames_int(loudness->state, data, frames); break;
  case GST_AUDIO_FORMAT_F32: rc = ebur128_add_frames_float(loudness->state, data, frames); break;
  default: rc = ebur128_add_frames_double(loudness->state, data, frames); break;
  }
  if (rc != EBUR128_SUCCESS) {
    g_set_error(error, LOA_LOUDNESS_ERROR, LOA_LOUDNESS_ERROR_FAILED,
                _("the loudness measurement failed (libebur128 error %d)"), rc);
    return FALSE;
  }

  gsize i = 0;
  if (loudness->first_loud < 0) {
    for (; i < frames && !frame_is_loud(loudness, data, i); i++)
      ;
    if (i < frames)
      loudness->first_loud = loudness->frames + (gint64)i;
  }
  if (loudness->first_loud >= 0) {
    for (gsize j = frames; j > i; j--)
      if (frame_is_loud(loudness, data, j - 1)) {
        loudness->last_loud = loudness->frames + (gint64)(j - 1);
        break;
      }
  }
  loudness->frames += (gint64)frames;
  return TRUE;
}

/* Converts frames from planes (one pointer per plane: one for interleaved
 * input, one per channel for planar) and feeds them in chunks. */
static gboolean
convert_and_feed(LoaLoudness *loudness, guint8 **planes, int n_planes, gsize plane_bpf,
                 gsize frames, GError **error)
{
  gpointer in[64];
  for (gsize done = 0; done < frames;) {
    gsize n = MIN(frames - done, (gsize)CONVERT_CHUNK_FRAMES);
    for (int p = 0; p < n_planes; p++)
      in[p] = planes[p] + done * plane_bpf;
    gpointer out[1] = { loudness->scratch };
    if (!gst_audio_converter_samples(loudness->converter, GST_AUDIO_CONVERTER_FLAG_NONE, in, n,
                                     out, n)) {
      g_set_error(error, LOA_LOUDNESS_ERROR, LOA_LOUDNESS_ERROR_FAILED,
                  _("the loudness measurement failed (cannot convert the samples)"));
      return FALSE;
    }
    if (!feed(loudness, loudness->scratch, n, error))
      return FALSE;
    done += n;
  }
  return TRUE;
}

gboolean
loa_loudness_add(LoaLoudness *loudness, const guint8 *data, gsize size, GError **error)
{
  gsize frames = size / loudness->input_bpf;
  g_return_val_if_fail(GST_AUDIO_INFO_LAYOUT(&loudness->info) == GST_AUDIO_LAYOUT_INTERLEAVED,
                       FALSE);
  if (loudness->converter == NULL)
    return feed(loudness, data, frames, error);
  guint8 *planes[1] = { (guint8 *)data };
  return convert_and_feed(loudness, planes, 1, loudness->input_bpf, frames, error);
}

gboolean
loa_loudness_add_buffer(LoaLoudness *loudness, GstBuffer *buffer, GError **error)
{
  GstAudioBuffer audio;
  if (!gst_audio_buffer_map(&audio, &loudness->info, buffer, GST_MAP_READ)) {
    g_set_error(error, LOA_LOUDNESS_ERROR, LOA_LOUDNESS_ERROR_FAILED,
                _("the loudness measurement failed (cannot read a decoded buffer)"));
    return FALSE;
  }
  gboolean ok;
  gsize frames = audio.n_samples;
  if (GST_AUDIO_INFO_LAYOUT(&loudness->info) == GST_AUDIO_LAYOUT_INTERLEAVED) {
    ok = loudness->converter == NULL
           ? feed(loudness, audio.planes[0], frames, error)
           : convert_and_feed(loudness, (guint8 **)audio.planes, 1, loudness->input_bpf, frames,
                              error);
  } else {
    ok = convert_and_feed(loudness, (guint8 **)audio.planes, audio.n_planes,
                          (gsize)GST_AUDIO_INFO_WIDTH(&loudness->info) / 8, frames, error);
  }
  gst_audio_buffer_unmap(&audio);
  return ok;
}

void
loa_loudness_get(LoaLoudness *loudness, LoaLoudnessResult *result)
{
  double value = 0.0;
  memset(result, 0, sizeof(*result));
  result->frames = loudness->frames;

  result->integrated_lufs = NAN;
  if (ebur128_loudness_global(loudness->state, &value) == EBUR128_SUCCESS && isfinite(value))
    result->integrated_lufs = value;
  result->range_lu = NAN;
  if (ebur128_loudness_range(loudness->state, &value) == EBUR128_SUCCESS && isfinite(value))
    result->range_lu = value;
  result->true_peak_dbtp = loudness->true_peak > 0.0f ? 20.0 * log10(loudness->true_peak) : NAN;

  if (loudness->first_loud >= 0) {
    result->cue_in_frame = loudness->first_loud;
    result->cue_out_frame = loudness->last_loud + 1;
  }
}

void
loa_loudness_free(LoaLoudness *loudness)
{
  if (loudness == NULL)
    return;
  if (loudness->state != NULL)
    ebur128_destroy(&loudness->state);
  if (loudness->converter != NULL)
    gst_audio_converter_free(loudness->converter);
  g_free(loudness->scratch);
  g_free(loudness->true_peak_samples);
  g_free(loudness);
}
