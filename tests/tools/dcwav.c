/* dcwav: writes a 16-bit PCM WAV whose every sample is one constant value.
 * Integration tests air such spots so that each one is recognisable sample
 * for sample in the recorded output (its value) and its edges are exact.
 *
 *   dcwav OUT.wav RATE CHANNELS VALUE FRAMES */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

static void
put_le(FILE *out, guint32 value, int bytes)
{
  for (int i = 0; i < bytes; i++)
    fputc((int)((value >> (8 * i)) & 0xff), out);
}

int
main(int argc, char **argv)
{
  if (argc != 6) {
    fprintf(stderr, "usage: dcwav OUT.wav RATE CHANNELS VALUE FRAMES\n");
    return 2;
  }
  guint64 rate, channels, frames;
  gint64 value;
  if (!g_ascii_string_to_unsigned(argv[2], 10, 1, 384000, &rate, NULL) ||
      !g_ascii_string_to_unsigned(argv[3], 10, 1, 8, &channels, NULL) ||
      !g_ascii_string_to_signed(argv[4], 10, -32768, 32767, &value, NULL) ||
      !g_ascii_string_to_unsigned(argv[5], 10, 1, G_MAXUINT32 / 16, &frames, NULL)) {
    fprintf(stderr, "dcwav: bad number\n");
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
  put_le(out, 1, 2); /* PCM */
  put_le(out, (guint32)channels, 2);
  put_le(out, (guint32)rate, 4);
  put_le(out, (guint32)(rate * channels * 2), 4);
  put_le(out, (guint32)(channels * 2), 2);
  put_le(out, 16, 2);
  fputs("data", out);
  put_le(out, data_size, 4);
  for (guint64 i = 0; i < frames * channels; i++)
    put_le(out, (guint32)(guint16)(gint16)value, 2);
  if (fclose(out) != 0) {
    perror(argv[1]);
    return 1;
  }
  return 0;
}
