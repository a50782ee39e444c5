/* DTMF code rendering (see dtmf.h). */
#include "dtmf.h"

#include "i18n.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK(loa-dtmf-error-quark, loa_dtmf_error)

/* Raised-cosine edge of each tone: keeps the spectrum clean (no clicks that a
 * receiver could take for a digit) without shortening the tone noticeably. */
#define EDGE_MS 5

static const char DIGITS[] = "123A456B789C*0#D";
static const double ROW_HZ[4] = { 697.0, 770.0, 852.0, 941.0 };
static const double COLUMN_HZ[4] = { 1209.0, 1336.0, 1477.0, 1633.0 };

gboolean
loa_dtmf_code_is_valid(const char *code)
{
  if (code == NULL || code[0] == '\0')
    return FALSE;
  for (const char *c = code; *c != '\0'; c++)
    if (strchr(DIGITS, *c) == NULL)
      return FALSE;
  return TRUE;
}

static gint64
ms_to_frames(int ms, int rate)
{
  return (gint64)ms * rate / 1000;
}

gint64
loa_dtmf_frames(const char *code, const LoaDtmfFormat *format)
{
  gint64 per_digit = ms_to_frames(format->tone_ms, format->rate) +
                     ms_to_frames(format->gap_ms, format->rate);
  return per_digit * (gint64)strlen(code);
}

static void
put_le16(GByteArray *out, guint16 value)
{
  guint8 bytes[2] = { (guint8)(value & 0xff), (guint8)(value >> 8) };
  g_byte_array_append(out, bytes, 2);
}

static void
put_le32(GByteArray *out, guint32 value)
{
  guint8 bytes[4] = { (guint8)(value & 0xff), (guint8)((value >> 8) & 0xff),
                      (guint8)((value >> 16) & 0xff), (guint8)(value >> 24) };
  g_byte_array_append(out, bytes, 4);
}

/* The 44-byte canonical header of a 16-bit PCM WAV file. */
static void
put_wav_header(GByteArray *out, const LoaDtmfFormat *format, guint32 data_bytes)
{
  guint16 block = (guint16)(format->channels * 2);
  g_byte_array_append(out, (const guint8 *)"RIFF", 4);
  put_le32(out, 36 + data_bytes);
  g_byte_array_append(out, (const guint8 *)"WAVEfmt ", 8);
  put_le32(out, 16);
  put_le16(out, 1); /* PCM */
  put_le16(out, (guint16)format->channels);
  put_le32(out, (guint32)format->rate);
  put_le32(out, (guint32)format->rate * block);
  put_le16(out, block);
  put_le16(out, 16);
  g_byte_array_append(out, (const guint8 *)"data", 4);
  put_le32(out, data_bytes);
}

gboolean
loa_dtmf_render(const char *code, const LoaDtmfFormat *format, const char *path, GError **error)
{
  if (!loa_dtmf_code_is_valid(code)) {
    g_set_error(error, LOA_DTMF_ERROR, LOA_DTMF_ERROR_CODE,
                _("DTMF code '%s' is not made of the digits 0-9, *, # and A-D"), code);
    return FALSE;
  }
  gint64 tone_frames = ms_to_frames(format->tone_ms, format->rate);
  gint64 gap_frames = ms_to_frames(format->gap_ms, format->rate);
  gint64 edge_frames = MIN(ms_to_frames(EDGE_MS, format->rate), tone_frames / 2);
  gint64 frames = loa_dtmf_frames(code, format);
  double amplitude = 32767.0 * pow(10.0, format->level_dbfs / 20.0);

  g_autoptr(GByteArray) out = g_byte_array_sized_new((guint)(44 + frames * format->channels * 2));
  put_wav_header(out, format, (guint32)(frames * format->channels * 2));
  for (const char *c = code; *c != '\0'; c++) {
    size_t index = (size_t)(strchr(DIGITS, *c) - DIGITS);
    double row = ROW_HZ[index / 4], column = COLUMN_HZ[index % 4];
    for (gint64 i = 0; i < tone_frames + gap_frames; i++) {
      double value = 0.0;
      if (i < tone_frames) {
        double t = (double)i / format->rate;
        double envelope = 1.0;
        gint64 from_edge = MIN(i, tone_frames - 1 - i);
        if (from_edge < edge_frames)
          envelope = 0.5 - 0.5 * cos(G_PI * (double)from_edge / (double)edge_frames);
        value = envelope * amplitude * (sin(2 * G_PI * row * t) + sin(2 * G_PI * column * t));
      }
      gint16 sample = (gint16)CLAMP(lrint(value), -32768, 32767);
      for (int channel = 0; channel < format->channels; channel++)
        put_le16(out, (guint16)sample);
    }
  }

  g_autoptr(GError) local = NULL;
  if (!g_file_set_contents(path, (const char *)out->data, (gssize)out->len, &local)) {
    g_set_error(error, LOA_DTMF_ERROR, LOA_DTMF_ERROR_WRITE, _("cannot write DTMF code '%s': %s"),
                code, local->message);
    return FALSE;
  }
  return TRUE;
}
