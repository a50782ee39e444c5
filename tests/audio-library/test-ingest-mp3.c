/* MP3 spots cued exactly on their audio (ingest.c with mp3-gapless.h).
 *
 * Each case writes a source whose sound starts sharply (a chirp in quadrature
 * on the channels: no frame is zero from its first to its last), encodes it
 * with lame, whose LAME tag GStreamer 1.22 trims by, or rewrites that tag as
 * libavcodec's (what ffmpeg writes, which GStreamer does not trim), ingests
 * it, decodes the library file as the engine does (decodebin, no clipping),
 * finds by cross-correlation where the source's first and last 2048 frames
 * lie in that decode, and checks that the cues, turned into frames as the
 * engine turns them, are there to the frame. Needs lame (Debian package
 * lame); ffmpeg, if installed, makes one more case. */
#include "decoders.h"
#include "ingest.h"
#include "mp3-gapless.h"
#include "spot.h"

#include "db.h"
#include "loa-time.h"

#include "../common/test-util.h"

#include <gst/gst.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#define CORRELATION_FRAMES 2048
#define MAX_LAG 3000  /* frames; the untrimmed delay is 1105 */

static char *work;  /* generated files, shared by the cases */

typedef enum { MAKER_LAME, MAKER_LAME_AS_LAVC, MAKER_FFMPEG } Maker;

typedef struct {
  const char *name;
  int rate, channels;
  Maker maker;
  const char *options;  /* the encoder's, space-separated */
  gboolean id3;         /* an ID3v2 tag before the first frame (lame: asked for) */
  int silence_ms;       /* digital silence before and after the sound */
} Mp3Case;

static const Mp3Case cases[] = {
  { "lame-cbr-44k", 44100, 2, MAKER_LAME, "-b 128", FALSE, 0 },
  { "lame-vbr-48k-id3", 48000, 2, MAKER_LAME, "-V 2", TRUE, 0 },
  { "lame-mono-22k", 22050, 1, MAKER_LAME, "-b 64", FALSE, 0 },
  { "lavc-cbr-44k-id3", 44100, 2, MAKER_LAME_AS_LAVC, "-b 128", TRUE, 0 },
  { "lavc-vbr-48k", 48000, 2, MAKER_LAME_AS_LAVC, "-V 2", FALSE, 0 },
  { "lavc-mono-22k", 22050, 1, MAKER_LAME_AS_LAVC, "-b 64", FALSE, 0 },
  { "lavc-silence-48k", 48000, 2, MAKER_LAME_AS_LAVC, "-b 128", FALSE, 250 },
  /* ffmpeg writes an ID3v2 tag of its own. */
  { "ffmpeg-48k-id3", 48000, 2, MAKER_FFMPEG, "-b:a 128k", TRUE, 0 },
};

/* The source: lead frames of silence, sound frames of chirp, trail of silence. */
typedef struct {
  int rate, channels;
  gint64 lead, sound, trail;
} Source;

static gint64
source_frames(const Source *source)
{
  return source->lead + source->sound + source->trail;
}

static gint16
source_sample(const Source *source, gint64 frame, int channel)
{
  gint64 i = frame - source->lead;
  if (i < 0 || i >= source->sound)
    return 0;
  double t = (double)i / source->rate, length = (double)source->sound / source->rate;
  double f0 = 300.0, f1 = source->rate / 8.0;
  double phase = 2 * G_PI * (f0 * t + (f1 - f0) * t * t / (2 * length)) + 0.3;
  return (gint16)lround(0.5 * 32767 * (channel == 0 ? sin(phase) : cos(phase)));
}

static void
put_le(GByteArray *bytes, guint32 value, int size)
{
  for (int i = 0; i < size; i++) {
    guint8 b = (guint8)(value >> (8 * i));
    g_byte_array_append(bytes, &b, 1);
  }
}

static void
write_source(const Source *source, const char *path)
{
  guint32 data = (guint32)(source_frames(source) * source->channels * 2);
  g_autoptr(GByteArray) wav = g_byte_array_new();
  g_byte_array_append(wav, (const guint8 *)"RIFF", 4);
  put_le(wav, 36 + data, 4);
  g_byte_array_append(wav, (const guint8 *)"WAVEfmt ", 8);
  put_le(wav, 16, 4);
  put_le(wav, 1, 2);
  put_le(wav, (guint32)source->channels, 2);
  put_le(wav, (guint32)source->rate, 4);
  put_le(wav, (guint32)(source->rate * source->channels * 2), 4);
  put_le(wav, (guint32)(source->channels * 2), 2);
  put_le(wav, 16, 2);
  g_byte_array_append(wav, (const guint8 *)"data", 4);
  put_le(wav, data, 4);
  for (gint64 f = 0; f < source_frames(source); f++)
    for (int c = 0; c < source->channels; c++)
      put_le(wav, (guint16)source_sample(source, f, c), 2);
  g_autoptr(GError) error = NULL;
  g_file_set_contents(path, (const char *)wav->data, (gssize)wav->len, &error);
  g_assert_no_error(error);
}

/* Runs argv to its end; the test fails if it does not succeed. */
static void
run(const char *const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;
  g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
               NULL, NULL, &err, &status, &error);
  g_assert_no_error(error);
  if (!g_spawn_check_wait_status(status, &error))
    g_error("%s failed: %s\n%s", argv[0], error->message, err);
}

/* The same CRC as LAME's tag CRC, written here again so that the test does
 * not lean on the module it checks. */
static guint16
crc16(const guint8 *data, gsize size)
{
  guint16 crc = 0;
  for (gsize i = 0; i < size; i++)
    for (int bit = 0; bit < 8; bit++) {
      gboolean low = ((crc ^ (data[i] >> bit)) & 1) != 0;
      crc = (guint16)(crc >> 1);
      if (low)
        crc ^= 0xa001;
    }
  return crc;
}

/* Rewrites the LAME tag of lame's file at path as libavcodec writes it: its
 * encoder string, and the CRC again. */
static void
retag_as_lavc(const char *path)
{
  g_autoptr(GError) error = NULL;
  gsize size = 0;
  g_autofree guint8 *data = g_bytes_unref_to_data(test_util_read(path), &size);
  gsize frame = 0;
  if (memcmp(data, "ID3", 3) == 0)
    frame = 10 + ((gsize)(data[6] & 0x7f) << 21 | (gsize)(data[7] & 0x7f) << 14 |
                  (gsize)(data[8] & 0x7f) << 7 | (gsize)(data[9] & 0x7f));
  g_assert_cmpuint(frame + 400, <, size);
  g_assert_cmpuint(data[frame], ==, 0xff);
  gboolean mpeg1 = ((data[frame + 1] >> 3) & 3) == 3;
  gboolean mono = ((data[frame + 3] >> 6) & 3) == 3;
  gsize xing = frame + 4 + (mpeg1 ? (mono ? 17 : 32) : (mono ? 9 : 17));
  g_assert_true(memcmp(data + xing, "Info", 4) == 0 || memcmp(data + xing, "Xing", 4) == 0);
  g_assert_cmpuint(data[xing + 7], ==, 0x0f);  /* lame writes every Xing field */
  gsize tag = xing + 8 + 4 + 4 + 100 + 4;
  g_assert_true(memcmp(data + tag, "LAME", 4) == 0);
  memcpy(data + tag, "Lavc59.37", 9);
  guint16 crc = crc16(data + frame, tag + 34 - frame);
  data[tag + 34] = (guint8)(crc >> 8);
  data[tag + 35] = (guint8)crc;
  g_file_set_contents(path, (const char *)data, (gssize)size, &error);
  g_assert_no_error(error);
}

/* Makes the MP3 of a case from the source WAV; FALSE if its tool is missing
 * and the case is optional. */
static gboolean
make_mp3(const Mp3Case *c, const char *wav, const char *mp3)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
  g_auto(GStrv) options = g_strsplit(c->options, " ", -1);
  if (c->maker == MAKER_FFMPEG) {
    g_autofree char *ffmpeg = g_find_program_in_path("ffmpeg");
    if (ffmpeg == NULL)
      return FALSE;
    const char *head[] = { "ffmpeg", "-nostdin", "-v", "error", "-y", "-i", wav, "-c:a",
                           "libmp3lame", NULL };
    g_strv_builder_addv(builder, head);
    g_strv_builder_addv(builder, (const char **)options);
    g_strv_builder_add(builder, mp3);
  } else {
    g_autofree char *lame = g_find_program_in_path("lame");
    if (lame == NULL)
      g_error("needs lame (Debian package lame; scripts/install-deps installs it)");
    g_strv_builder_add_many(builder, "lame", "--quiet", NULL);
    g_strv_builder_addv(builder, (const char **)options);
    if (c->id3)
      g_strv_builder_add_many(builder, "--add-id3v2", "--id3v2-only", "--tt", "Thông báo",
                              NULL);
    g_strv_builder_add_many(builder, wav, mp3, NULL);
  }
  g_auto(GStrv) argv = g_strv_builder_end(builder);
  run((const char *const *)argv);
  if (c->maker == MAKER_LAME_AS_LAVC)
    retag_as_lavc(mp3);
  return TRUE;
}

/* Decodes path as the engine does, to interleaved 16-bit frames. */
static GBytes *
decode(const char *path)
{
  g_autofree char *raw = g_strconcat(path, ".raw", NULL);
  g_autofree char *description = g_strdup_printf(
    "filesrc location=\"%s\" ! decodebin name=decode ! audioconvert "
    "! audio/x-raw,format=S16LE,layout=interleaved ! filesink location=\"%s\"", path, raw);
  g_autoptr(GError) error = NULL;
  g_autoptr(GstElement) pipeline = gst_parse_launch(description, &error);
  g_assert_no_error(error);
  g_autoptr(GstElement) decodebin = gst_bin_get_by_name(GST_BIN(pipeline), "decode");
  loa_decoders_watch(decodebin);
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  g_assert_cmpint(gst_element_set_state(pipeline, GST_STATE_PLAYING), !=, GST_STATE_CHANGE_FAILURE);
  g_autoptr(GstMessage) message =
    gst_bus_timed_pop_filtered(bus, 20 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull(message);
  g_assert_cmpint(GST_MESSAGE_TYPE(message), ==, GST_MESSAGE_EOS);
  g_assert_cmpint(gst_element_set_state(pipeline, GST_STATE_NULL), ==, GST_STATE_CHANGE_SUCCESS);
  return test_util_read(raw);
}

/* Where source frames [from, from + CORRELATION_FRAMES) lie in the decode
 * (first channel): the decoded frame the window's first matches best, at
 * most MAX_LAG after from. */
static gint64
locate(const Source *source, gint64 from, const gint16 *decoded, gint64 decoded_frames)
{
  gint64 best = -1;
  double best_value = -INFINITY;
  for (gint64 lag = 0; lag <= MAX_LAG; lag++) {
    if (from + lag + CORRELATION_FRAMES > decoded_frames)
      break;
    double value = 0;
    for (gint64 k = 0; k < CORRELATION_FRAMES; k++)
      value += (double)source_sample(source, from + k, 0) *
               decoded[(from + lag + k) * source->channels];
    if (value > best_value) {
      best_value = value;
      best = from + lag;
    }
  }
  g_assert_cmpint(best, >=, 0);
  return best;
}

/* How many frames past the encoder's input the tag of a case may say the
 * audio lasts. lame's tag is exact. libavcodec (Debian 12's ffmpeg 5.1)
 * writes a padding as if the input were at least 47 frames into its last
 * 1152-frame block (measured: inputs of 50 × 1152 + 1 ... + 46 frames are
 * all tagged 50 × 1152 + 47), so its file's cue-out can be up to 46 frames
 * late; its delay is exact. */
static gint64
overstated_end(const Mp3Case *c)
{
  return c->maker == MAKER_FFMPEG ? 46 : 0;
}

/* The frame the engine starts (or stops) at for a cue: ns × rate, rounded
 * down (playout/engine-branch.c). */
static gint64
engine_frame(gint64 ns, int rate)
{
  return (gint64)gst_util_uint64_scale_int((guint64)ns, rate, GST_SECOND);
}

static void
test_case(gconstpointer data)
{
  const Mp3Case *c = data;
  Source source = { .rate = c->rate, .channels = c->channels,
                    .lead = (gint64)c->rate * c->silence_ms / 1000,
                    .sound = c->rate + c->rate / 5 + 37 };
  source.trail = source.lead;
  g_autofree char *wav = g_strdup_printf("%s/%s.wav", work, c->name);
  g_autofree char *mp3 = g_strdup_printf("%s/%s.mp3", work, c->name);
  write_source(&source, wav);
  if (!make_mp3(c, wav, mp3)) {
    g_test_skip("ffmpeg is not installed");
    return;
  }

  /* The tag, as the module reads it, describes what the encoder was given. */
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) contents = test_util_read(mp3);
  gsize size = 0;
  const guint8 *head = g_bytes_get_data(contents, &size);
  LoaMp3Gapless tag;
  g_assert_cmpint(loa_mp3_gapless_read(head, size, &tag), ==,
                  LOA_MP3_GAPLESS_FOUND);
  g_test_message("%s: %s, delay %u, padding %u, %" PRId64 " frames of %u", c->name, tag.encoder,
                 tag.encoder_delay, tag.encoder_padding, tag.frames, tag.samples_per_frame);
  g_assert_true(g_str_has_prefix(tag.encoder, c->maker == MAKER_LAME ? "LAME" : "Lavc"));
  g_assert_cmpint(tag.sample_rate, ==, c->rate);
  g_assert_cmpint(tag.channels, ==, c->channels);
  gint64 tagged = tag.frames * tag.samples_per_frame - tag.encoder_delay - tag.encoder_padding;
  g_assert_cmpint(tagged, >=, source_frames(&source));
  g_assert_cmpint(tagged, <=, source_frames(&source) + overstated_end(c));
  g_assert_cmpint(tag.info_offset > 0, ==, c->id3);

  g_autofree char *dir = g_strdup_printf("%s/%s-station", work, c->name);
  g_autofree char *library = g_build_filename(dir, "library", NULL);
  g_autofree char *db_path = g_build_filename(dir, "loa.db", NULL);
  g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
  sqlite3 *db = loa_db_open(db_path, LOA_DB_OPEN_CREATE, &error);
  g_assert_no_error(error);
  const LoaIngestMeta meta = { .id = "MP3", .title = c->name };
  g_autoptr(LoaSpot) spot = loa_ingest_file(db, library, mp3, &meta, NULL, NULL, &error);
  g_assert_no_error(error);
  loa_db_close(db);
  g_assert_cmpint(spot->sample_rate, ==, c->rate);
  g_assert_cmpint(spot->channels, ==, c->channels);

  /* The catalog's length is what the engine will decode. */
  g_autofree char *stored = loa_spot_path(spot, library);
  g_autoptr(GBytes) decoded = decode(stored);
  gsize bytes = 0;
  const gint16 *samples = g_bytes_get_data(decoded, &bytes);
  gint64 decoded_frames = (gint64)(bytes / 2 / (gsize)c->channels);
  g_assert_cmpint(decoded_frames, ==, spot->frames);
  g_assert_cmpint(spot->duration_ns, ==, spot->frames * LOA_NS_PER_SECOND / spot->sample_rate);

  /* Where the sound really is in the decode: its first frame and one past
   * its last. */
  gint64 first = locate(&source, source.lead, samples, decoded_frames);
  gint64 last = locate(&source, source.lead + source.sound - CORRELATION_FRAMES, samples,
                       decoded_frames) + CORRELATION_FRAMES;
  g_assert_cmpint(last - first, ==, source.sound);
  gint64 cue_in = engine_frame(spot->cue_in_ns, spot->sample_rate);
  gint64 cue_out = spot->cue_out_ns < spot->duration_ns
                     ? engine_frame(spot->cue_out_ns, spot->sample_rate) : spot->frames;
  g_test_message("%s: %" PRId64 " frames decoded; sound at [%" PRId64 ", %" PRId64
                 "), cues [%" PRId64 ", %" PRId64 ")",
                 c->name, decoded_frames, first, last, cue_in, cue_out);

  if (source.lead == 0) {
    /* The sound starts with the audio: the cues are exactly on it. */
    g_assert_cmpint(ABS(cue_in - first), <=, 1);
    g_assert_cmpint(cue_out, >=, last - 1);
    g_assert_cmpint(cue_out, <=, last + 1 + overstated_end(c));
  } else {
    /* Silence moved the cues in from the audio's bounds, onto the sound
     * give or take the codec's pre- and post-echo (within one MP3 frame:
     * here about 80 frames before and 830 after). */
    g_assert_cmpint(cue_in, >, first - source.lead / 2);
    g_assert_cmpint(cue_in, >=, first - 1152);
    g_assert_cmpint(cue_in, <=, first + 1);
    g_assert_cmpint(cue_out, <, last + source.trail / 2);
    g_assert_cmpint(cue_out, >=, last - 1);
    g_assert_cmpint(cue_out, <=, last + 1152);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  gst_init(&argc, &argv);
  work = test_util_make_dir("loa-ingest-mp3-XXXXXX");
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *name = g_strdup_printf("/ingest/mp3/%s", cases[i].name);
    g_test_add_data_func(name, &cases[i], test_case);
  }
  int result = g_test_run();
  test_util_remove_tree(work);
  g_free(work);
  gst_deinit();
  return result;
}
