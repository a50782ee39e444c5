/* onsets: finds the starts and ends of the spots made by loa-bench-spotgen in
 * a recording of the virtual sound card (or in any decoded WAV), whatever
 * codec they went through, and prints them with their wall-clock time.
 *
 * The level of a frame is the largest absolute sample over its channels, as a
 * fraction of full scale. An onset is a frame whose level reaches --high after
 * at least 1 ms below it: the lead of a spot, after silence or after the
 * quieter body of the spot before it. A frame is quiet below --quiet; an end
 * is the first quiet frame after sound, when at least 1 ms of quiet follows.
 * Output, one line each, tab-separated:
 *
 *   onset  FRAME  REALTIME_NS  QUIET_BEFORE   (quiet frames just before it)
 *   end    FRAME  REALTIME_NS
 *   info   key=value ...                      (last line)
 *
 * REALTIME_NS comes from FILE.stamp (t0_realtime_ns + FRAME * 1e9 / rate) and
 * is 0 without one (--no-stamp, or a decoded file). --origin NS is subtracted
 * from it (give the scheduled time zero to get offsets from it).
 *
 *   loa-bench-onsets [--high F] [--quiet F] [--no-stamp] [--origin NS] FILE.wav */
#include <inttypes.h>
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOLD_SECONDS 0.001

typedef struct {
  int format;            /* 1 PCM, 3 IEEE float */
  int channels;
  int rate;
  int bits;
  long data_offset;
  guint64 data_bytes;    /* to the end of the file when the header cannot be trusted */
} Wav;

static guint32
le32(const guint8 *p)
{
  return (guint32)p[0] | (guint32)p[1] << 8 | (guint32)p[2] << 16 | (guint32)p[3] << 24;
}

static gboolean
read_header(FILE *in, const char *path, Wav *wav)
{
  guint8 head[12], chunk[8], fmt[16];
  if (fread(head, 1, 12, in) != 12 || memcmp(head, "RIFF", 4) != 0 ||
      memcmp(head + 8, "WAVE", 4) != 0) {
    fprintf(stderr, "loa-bench-onsets: %s: not a RIFF/WAVE file\n", path);
    return FALSE;
  }
  gboolean have_fmt = FALSE;
  while (fread(chunk, 1, 8, in) == 8) {
    guint32 size = le32(chunk + 4);
    if (memcmp(chunk, "fmt ", 4) == 0) {
      if (size < 16 || fread(fmt, 1, 16, in) != 16) {
        fprintf(stderr, "loa-bench-onsets: %s: short fmt chunk\n", path);
        return FALSE;
      }
      wav->format = fmt[0] | fmt[1] << 8;
      wav->channels = fmt[2] | fmt[3] << 8;
      wav->rate = (int)le32(fmt + 4);
      wav->bits = fmt[14] | fmt[15] << 8;
      if (wav->format == 0xfffe && size >= 40) {  /* WAVE_FORMAT_EXTENSIBLE */
        guint8 ext[24];
        if (fread(ext, 1, 24, in) != 24)
          return FALSE;
        wav->format = ext[8] | ext[9] << 8;
        size -= 24;
      }
      if (fseek(in, (long)(size - 16 + (size & 1)), SEEK_CUR) != 0)
        return FALSE;
      have_fmt = TRUE;
    } else if (memcmp(chunk, "data", 4) == 0) {
      wav->data_offset = ftell(in);
      fseek(in, 0, SEEK_END);
      guint64 rest = (guint64)(ftell(in) - wav->data_offset);
      /* The card patches the size only every second; a streaming writer may
       * leave 0 or ~0. Trust the header only if it is smaller than the file. */
      wav->data_bytes = size != 0 && size != G_MAXUINT32 && size < rest ? size : rest;
      fseek(in, wav->data_offset, SEEK_SET);
      break;
    } else if (fseek(in, (long)(size + (size & 1)), SEEK_CUR) != 0) {
      break;
    }
  }
  if (!have_fmt || wav->data_offset == 0 || wav->channels < 1 || wav->rate < 1 ||
      !((wav->format == 1 && (wav->bits == 16 || wav->bits == 32)) ||
        (wav->format == 3 && wav->bits == 32))) {
    fprintf(stderr, "loa-bench-onsets: %s: need 16/32-bit PCM or 32-bit float WAV\n", path);
    return FALSE;
  }
  return TRUE;
}

/* t0_realtime_ns from PATH.stamp; 0 if there is none. */
static gint64
read_stamp(const char *path)
{
  g_autofree char *stamp_path = g_strconcat(path, ".stamp", NULL);
  g_autofree char *text = NULL;
  if (!g_file_get_contents(stamp_path, &text, NULL, NULL))
    return 0;
  const char *key = strstr(text, "t0_realtime_ns=");
  return key != NULL ? g_ascii_strtoll(key + strlen("t0_realtime_ns="), NULL, 10) : 0;
}

/* Wall time of FRAME (exact integer arithmetic) minus ORIGIN; 0 without a stamp. */
static gint64
frame_time(gint64 t0, int rate, guint64 frame, gint64 origin)
{
  if (t0 == 0)
    return 0;
  return t0 + (gint64)(frame * G_GUINT64_CONSTANT(1000000000) / (guint64)rate) - origin;
}

int
main(int argc, char **argv)
{
  double high = 0.3, quiet = 0.02;
  gboolean no_stamp = FALSE;
  gint64 origin = 0;
  GOptionEntry entries[] = {
    { "high", 0, 0, G_OPTION_ARG_DOUBLE, &high, "onset level (fraction of full scale, 0.3)", "F" },
    { "quiet", 0, 0, G_OPTION_ARG_DOUBLE, &quiet, "quiet below this level (0.02)", "F" },
    { "no-stamp", 0, 0, G_OPTION_ARG_NONE, &no_stamp, "do not read FILE.stamp", NULL },
    { "origin", 0, 0, G_OPTION_ARG_INT64, &origin, "subtract NS from the printed times", "NS" },
    { NULL },
  };
  g_autoptr(GOptionContext) context = g_option_context_new("FILE.wav");
  g_option_context_add_main_entries(context, entries, NULL);
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(context, &argc, &argv, &error) || argc != 2) {
    fprintf(stderr, "usage: loa-bench-onsets [--high F] [--quiet F] [--no-stamp] [--origin NS] FILE.wav\n");
    return 2;
  }
  const char *path = argv[1];
  FILE *in = fopen(path, "rb");
  if (in == NULL) {
    perror(path);
    return 1;
  }
  Wav wav = { 0 };
  if (!read_header(in, path, &wav)) {
    fclose(in);
    return 1;
  }
  gint64 t0 = no_stamp ? 0 : read_stamp(path);
  int sample_bytes = wav.bits / 8;
  size_t frame_bytes = (size_t)sample_bytes * (size_t)wav.channels;
  guint64 total = wav.data_bytes / frame_bytes;
  guint64 hold = (guint64)ceil(HOLD_SECONDS * wav.rate);

  guint64 below_high = hold;  /* frames since the level was last >= high */
  guint64 quiet_run = 0;      /* consecutive quiet frames */
  gboolean sounding = FALSE;  /* an end is due when quiet lasts */
  guint64 onsets = 0, ends = 0;
  size_t chunk_frames = 4096;
  g_autofree guint8 *buffer = g_malloc(chunk_frames * frame_bytes);
  for (guint64 frame = 0; frame < total;) {
    size_t want = (size_t)MIN((guint64)chunk_frames, total - frame);
    size_t got = fread(buffer, frame_bytes, want, in);
    if (got == 0)
      break;
    for (size_t i = 0; i < got; i++, frame++) {
      const guint8 *p = buffer + i * frame_bytes;
      double level = 0;
      for (int c = 0; c < wav.channels; c++, p += sample_bytes) {
        double v;
        if (wav.bits == 16)
          v = (gint16)(p[0] | p[1] << 8) / 32768.0;
        else if (wav.format == 1)
          v = (gint32)le32(p) / 2147483648.0;
        else {
          guint32 bits = le32(p);
          float f;
          memcpy(&f, &bits, sizeof f);
          v = f;
        }
        v = fabs(v);
        if (v > level)
          level = v;
      }
      if (level >= high) {
        if (below_high >= hold) {
          printf("onset\t%" G_GUINT64_FORMAT "\t%" PRId64 "\t%" G_GUINT64_FORMAT "\n",
                 frame, frame_time(t0, wav.rate, frame, origin),
                 quiet_run);
          onsets++;
        }
        below_high = 0;
      } else {
        below_high++;
      }
      if (level < quiet) {
        quiet_run++;
        if (sounding && quiet_run == hold) {
          guint64 end = frame + 1 - hold;
          printf("end\t%" G_GUINT64_FORMAT "\t%" PRId64 "\n", end,
                 frame_time(t0, wav.rate, end, origin));
          ends++;
          sounding = FALSE;
        }
      } else {
        quiet_run = 0;
        sounding = TRUE;
      }
    }
  }
  if (sounding) {
    printf("end\t%" G_GUINT64_FORMAT "\t%" PRId64 "\n", total - quiet_run,
           frame_time(t0, wav.rate, total - quiet_run, origin));
    ends++;
  }
  printf("info\trate=%d\tchannels=%d\tbits=%d\tframes=%" G_GUINT64_FORMAT "\tt0_realtime_ns=%" PRId64
         "\tonsets=%" G_GUINT64_FORMAT "\tends=%" G_GUINT64_FORMAT "\n",
         wav.rate, wav.channels, wav.bits, total, t0, onsets, ends);
  fclose(in);
  return 0;
}
