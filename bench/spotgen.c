/* spotgen: writes a 16-bit PCM WAV spot whose start and end can be found in a
 * recording after any codec. The spot opens with a loud lead (20 ms at 0.6 of
 * full scale) and goes on quieter (0.15) to its last frame, so a following
 * spot's lead stands out of the previous spot's body and its first frame is
 * where the level jumps. In stereo the channels carry a 997 Hz tone in
 * quadrature (cosine left, sine right): the louder channel never falls below
 * 1/sqrt(2) of the level, so there is never a zero frame inside a spot, and
 * frame 0 is already at the lead level. Lossy codecs keep a tone (unlike a DC
 * value, which Opus filters out). In mono the spot is a constant value at the
 * same levels (for lossless formats only).
 *
 *   loa-bench-spotgen OUT.wav RATE CHANNELS FRAMES */
#include <glib.h>
#include <math.h>
#include <stdio.h>

#define LEAD_SECONDS 0.020
#define LEAD_LEVEL 0.6
#define BODY_LEVEL 0.15
#define TONE_HZ 997.0

static void
put_le(FILE *out, guint32 value, int bytes)
{
  for (int i = 0; i < bytes; i++)
    fputc((int)((value >> (8 * i)) & 0xff), out);
}

int
main(int argc, char **argv)
{
  guint64 rate, channels, frames;
  if (argc != 5 || !g_ascii_string_to_unsigned(argv[2], 10, 8000, 192000, &rate, NULL) ||
      !g_ascii_string_to_unsigned(argv[3], 10, 1, 2, &channels, NULL) ||
      !g_ascii_string_to_unsigned(argv[4], 10, 1, G_MAXUINT32 / 8, &frames, NULL)) {
    fprintf(stderr, "usage: loa-bench-spotgen OUT.wav RATE(8000..192000) CHANNELS(1|2) FRAMES\n");
    return 2;
  }
  FILE *out = fopen(argv[1], "wb");
  if (out == NULL) {
    perror(argv[1]);
    return 1;
  }
  guint32 data_size = (guint32)(frames * channels * 2);
  fputs("RIFF", out);
  put_le(out, 36 + data_size, 4);
  fputs("WAVEfmt ", out);
  put_le(out, 16, 4);
  put_le(out, 1, 2);
  put_le(out, (guint32)channels, 2);
  put_le(out, (guint32)rate, 4);
  put_le(out, (guint32)(rate * channels * 2), 4);
  put_le(out, (guint32)(channels * 2), 2);
  put_le(out, 16, 2);
  fputs("data", out);
  put_le(out, data_size, 4);
  guint64 lead = (guint64)(LEAD_SECONDS * (double)rate + 0.5);
  for (guint64 i = 0; i < frames; i++) {
    double level = (i < lead ? LEAD_LEVEL : BODY_LEVEL) * 32767.0;
    double phase = 2.0 * G_PI * TONE_HZ * (double)i / (double)rate;
    if (channels == 1) {
      put_le(out, (guint32)(guint16)(gint16)lrint(level), 2);
    } else {
      put_le(out, (guint32)(guint16)(gint16)lrint(level * cos(phase)), 2);
      put_le(out, (guint32)(guint16)(gint16)lrint(level * sin(phase)), 2);
    }
  }
  if (fclose(out) != 0) {
    perror(argv[1]);
    return 1;
  }
  return 0;
}
