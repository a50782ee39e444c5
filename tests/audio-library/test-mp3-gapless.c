/* The LAME tag reader (mp3-gapless.h) on handcrafted first frames: the
 * layouts of MPEG-1 stereo and mono and MPEG-2, both CRC conventions (LAME's
 * and libavcodec's), ID3v2 tags and junk before the frame; files without a
 * tag (a Xing header alone, VBRI, a plain frame, Layer II) and damaged ones
 * (a wrong CRC, impossible numbers, every truncation, random bytes and
 * random damage), each copied into a buffer of its exact size so that a read
 * past the end shows under valgrind or ASan. And the decision of
 * loa_mp3_gapless_bounds() between a trimmed and an untrimmed decode. */
#include "mp3-gapless.h"

#include "bytes.h"

#include <string.h>

/* MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, joint stereo: 417-byte frames. */
#define HEADER_STEREO 0xfffb9044u
/* MPEG-1 Layer III, 56 kbit/s, 44.1 kHz, mono: 182-byte frames, shorter than
 * the 190 bytes libavcodec's tag CRC covers. */
#define HEADER_MONO 0xfffb40c0u
/* MPEG-2 Layer III, 64 kbit/s, 22.05 kHz, mono: 208-byte frames of 576 samples. */
#define HEADER_MPEG2 0xfff380c0u
/* MPEG-1 Layer II, 128 kbit/s, 44.1 kHz, stereo: 417-byte frames. */
#define HEADER_LAYER2 0xfffd8044u

typedef enum { CRC_LAME, CRC_LAVC, CRC_WRONG } CrcKind;

/* What to put in a handcrafted Info frame. */
typedef struct {
  guint32 header;
  const char *marker;    /* "Info", "Xing", "VBRI" or NULL for none */
  guint32 flags;         /* Xing flags */
  guint32 frames;
  const char *encoder;   /* NULL: no LAME tag (zeros where it would be) */
  guint delay, padding;
  CrcKind crc;
} Spec;

/* The test's own CRC-16 (polynomial 0x8005 reflected, initial 0), table-driven
 * unlike the module's, so that the two are not the same code. */
static guint16
reference_crc16(const guint8 *data, gsize size)
{
  static guint16 table[256];
  if (table[1] == 0)
    for (guint i = 0; i < 256; i++) {
      guint16 r = (guint16)i;
      for (int bit = 0; bit < 8; bit++)
        r = (r & 1) ? (guint16)((r >> 1) ^ 0xa001) : (guint16)(r >> 1);
      table[i] = r;
    }
  guint16 crc = 0;
  for (gsize i = 0; i < size; i++)
    crc = (guint16)((crc >> 8) ^ table[(crc ^ data[i]) & 0xff]);
  return crc;
}

static guint
frame_length(guint32 header)
{
  switch (header) {
  case HEADER_STEREO: return 417;
  case HEADER_MONO: return 182;
  case HEADER_MPEG2: return 208;
  case HEADER_LAYER2: return 417;
  default: g_assert_not_reached();
  }
}

/* Offset of the Xing marker in a frame with this header. */
static gsize
xing_offset(guint32 header)
{
  gboolean mpeg1 = ((header >> 19) & 3) == 3;
  gboolean mono = ((header >> 6) & 3) == 3;
  return 4 + (mpeg1 ? (mono ? 17 : 32) : (mono ? 9 : 17));
}

/* An Info frame as spec says, then one silent frame (the reader wants a
 * second header after the first frame). Returns the bytes. */
static GByteArray *
make_file(const Spec *spec)
{
  guint length = frame_length(spec->header);
  GByteArray *file = g_byte_array_new();
  g_byte_array_set_size(file, 2 * length);
  guint8 *frame = file->data;
  memset(frame, 0, 2 * length);
  loa_write_be32(frame, spec->header);
  loa_write_be32(frame + length, spec->header);
  if (spec->marker == NULL)
    return file;
  gsize at = g_str_equal(spec->marker, "VBRI") ? 36 : xing_offset(spec->header);
  memcpy(frame + at, spec->marker, 4);
  loa_write_be32(frame + at + 4, spec->flags);
  at += 8;
  if (spec->flags & 1) {
    loa_write_be32(frame + at, spec->frames);
    at += 4;
  }
  if (spec->flags & 2) {
    loa_write_be32(frame + at, 2 * length);
    at += 4;
  }
  if (spec->flags & 4) {
    for (int i = 0; i < 100; i++)
      frame[at + i] = (guint8)(i * 255 / 100);
    at += 100;
  }
  if (spec->flags & 8) {
    loa_write_be32(frame + at, 75);
    at += 4;
  }
  if (spec->encoder == NULL)
    return file;
  g_assert_cmpuint(at + 36, <=, length);
  memcpy(frame + at, spec->encoder, MIN(strlen(spec->encoder), 9));
  frame[at + 9] = 0x01;   /* tag revision 0, CBR */
  frame[at + 10] = 160;   /* lowpass 16 kHz */
  guint32 delay_padding = (guint32)spec->delay << 12 | spec->padding;
  frame[at + 21] = (guint8)(delay_padding >> 16);
  frame[at + 22] = (guint8)(delay_padding >> 8);
  frame[at + 23] = (guint8)delay_padding;
  loa_write_be32(frame + at + 28, 2 * length);  /* music length */
  guint16 crc;
  if (spec->crc == CRC_LAVC) {
    guint8 span[190] = { 0 };
    memcpy(span, frame, MIN(length, 190u));
    crc = reference_crc16(span, sizeof(span));
  } else {
    crc = reference_crc16(frame, at + 34);
    if (spec->crc == CRC_WRONG)
      crc ^= 0x0100;
  }
  frame[at + 34] = (guint8)(crc >> 8);
  frame[at + 35] = (guint8)crc;
  return file;
}

/* Reads data[0, size) from a buffer of exactly that size. */
static LoaMp3GaplessStatus
read_exact(const guint8 *data, gsize size, LoaMp3Gapless *info)
{
  g_autofree guint8 *copy = size > 0 ? g_memdup2(data, size) : NULL;
  return loa_mp3_gapless_read(copy, size, info);
}

static LoaMp3GaplessStatus
read_spec(const Spec *spec, LoaMp3Gapless *info)
{
  g_autoptr(GByteArray) file = make_file(spec);
  return read_exact(file->data, file->len, info);
}

static const Spec lame_stereo = { HEADER_STEREO, "Info", 0xf, 40, "LAME3.100", 576, 1281, CRC_LAME };

static void
test_lame_stereo(void)
{
  LoaMp3Gapless info;
  g_assert_cmpint(read_spec(&lame_stereo, &info), ==, LOA_MP3_GAPLESS_FOUND);
  g_assert_cmpint(info.sample_rate, ==, 44100);
  g_assert_cmpint(info.channels, ==, 2);
  g_assert_cmpuint(info.samples_per_frame, ==, 1152);
  g_assert_cmpint(info.frames, ==, 40);
  g_assert_cmpuint(info.encoder_delay, ==, 576);
  g_assert_cmpuint(info.encoder_padding, ==, 1281);
  g_assert_cmpstr(info.encoder, ==, "LAME3.100");
  g_assert_cmpuint(info.info_offset, ==, 0);

  /* The 12-bit fields at their limits, and a VBR file's "Xing". */
  const Spec limits = { HEADER_STEREO, "Xing", 0xf, 1000, "LAME3.99r", 4095, 4095, CRC_LAME };
  g_assert_cmpint(read_spec(&limits, &info), ==, LOA_MP3_GAPLESS_FOUND);
  g_assert_cmpuint(info.encoder_delay, ==, 4095);
  g_assert_cmpuint(info.encoder_padding, ==, 4095);
  g_assert_cmpstr(info.encoder, ==, "LAME3.99r");
}

/* libavcodec's CRC covers 190 bytes whatever the layout: over the end of a
 * 182-byte mono frame, where its buffer holds zeros and the file the next
 * frame. LAME's CRC of the same frame is accepted as well. */
static void
test_lavc_mono(void)
{
  LoaMp3Gapless info;
  const Spec lavc = { HEADER_MONO, "Info", 0xf, 40, "Lavc59.37", 576, 1281, CRC_LAVC };
  g_assert_cmpint(read_spec(&lavc, &info), ==, LOA_MP3_GAPLESS_FOUND);
  g_assert_cmpint(info.channels, ==, 1);
  g_assert_cmpuint(info.samples_per_frame, ==, 1152);
  g_assert_cmpstr(info.encoder, ==, "Lavc59.37");
  g_assert_cmpuint(info.encoder_delay, ==, 576);
  g_assert_cmpuint(info.encoder_padding, ==, 1281);

  const Spec lame = { HEADER_MONO, "Info", 0xf, 40, "LAME3.100", 576, 1281, CRC_LAME };
  g_assert_cmpint(read_spec(&lame, &info), ==, LOA_MP3_GAPLESS_FOUND);
  /* A short encoder string ends at the first NUL. */
  const Spec lavf = { HEADER_STEREO, "Info", 0xf, 40, "Lavf", 576, 1281, CRC_LAVC };
  g_assert_cmpint(read_spec(&lavf, &info), ==, LOA_MP3_GAPLESS_FOUND);
  g_assert_cmpstr(info.encoder, ==, "Lavf");
}

static void
test_mpeg2(void)
{
  LoaMp3Gapless info;
  const Spec spec = { HEADER_MPEG2, "Info", 0xf, 41, "LAME3.100", 576, 929, CRC_LAME };
  g_assert_cmpint(read_spec(&spec, &info), ==, LOA_MP3_GAPLESS_FOUND);
  g_assert_cmpint(info.sample_rate, ==, 22050);
  g_assert_cmpint(info.channels, ==, 1);
  g_assert_cmpuint(info.samples_per_frame, ==, 576);
  g_assert_cmpint(info.frames, ==, 41);
  g_assert_cmpuint(info.encoder_padding, ==, 929);

  /* No frame count declared: the tag right after the flags. */
  const Spec no_count = { HEADER_MPEG2, "Info", 0, 0, "LAME3.100", 576, 929, CRC_LAME };
  g_assert_cmpint(read_spec(&no_count, &info), ==, LOA_MP3_GAPLESS_FOUND);
  g_assert_cmpint(info.frames, ==, -1);
  g_assert_cmpuint(info.encoder_delay, ==, 576);
}

/* ID3v2 tags (one with a footer) and a few junk bytes before the frame. */
static void
test_id3v2(void)
{
  g_autoptr(GByteArray) frame = make_file(&lame_stereo);
  g_autoptr(GByteArray) file = g_byte_array_new();
  guint8 first[10] = { 'I', 'D', '3', 4, 0, 0x00, 0, 0, 0x02, 0x2c };  /* 300 bytes */
  guint8 second[10] = { 'I', 'D', '3', 4, 0, 0x10, 0, 0, 0, 20 };     /* 20 + footer */
  guint8 body[300] = { 0 };
  body[7] = 0xff;  /* a stray sync byte inside a tag is not a frame */
  body[8] = 0xfb;
  g_byte_array_append(file, first, sizeof(first));
  g_byte_array_append(file, body, 300);
  g_byte_array_append(file, second, sizeof(second));
  g_byte_array_append(file, body, 20 + 10);
  guint8 junk[5] = { 0, 0, 0x0d, 0x0a, 0 };
  g_byte_array_append(file, junk, sizeof(junk));
  g_byte_array_append(file, frame->data, frame->len);

  LoaMp3Gapless info;
  g_assert_cmpint(read_exact(file->data, file->len, &info), ==, LOA_MP3_GAPLESS_FOUND);
  g_assert_cmpuint(info.info_offset, ==, 10 + 300 + 10 + 20 + 10 + 5);
  g_assert_cmpuint(info.encoder_delay, ==, 576);

  /* A tag that claims more than the file holds: nothing after it. */
  guint8 huge[10] = { 'I', 'D', '3', 4, 0, 0, 0x7f, 0x7f, 0x7f, 0x7f };
  g_assert_cmpint(read_exact(huge, sizeof(huge), &info), ==, LOA_MP3_GAPLESS_ABSENT);
  g_assert_cmpint(read_exact((const guint8 *)"ID3", 3, &info), ==, LOA_MP3_GAPLESS_ABSENT);
}

static void
test_absent(void)
{
  LoaMp3Gapless info;
  /* GStreamer's xingmux writes a Xing header and no LAME tag. */
  const Spec xing_only = { HEADER_STEREO, "Xing", 0x7, 40, NULL, 0, 0, CRC_LAME };
  const Spec vbri = { HEADER_STEREO, "VBRI", 0, 0, NULL, 0, 0, CRC_LAME };
  const Spec plain = { HEADER_STEREO, NULL, 0, 0, NULL, 0, 0, CRC_LAME };
  const Spec layer2 = { HEADER_LAYER2, "Info", 0xf, 40, "LAME3.100", 576, 1281, CRC_LAME };
  const Spec *const specs[] = { &xing_only, &vbri, &plain, &layer2 };
  for (size_t i = 0; i < G_N_ELEMENTS(specs); i++) {
    g_assert_cmpint(read_spec(specs[i], &info), ==, LOA_MP3_GAPLESS_ABSENT);
    g_assert_cmpint(info.frames, ==, -1);
    g_assert_cmpuint(info.encoder_delay, ==, 0);
  }
  g_assert_cmpint(loa_mp3_gapless_read(NULL, 0, &info), ==, LOA_MP3_GAPLESS_ABSENT);
  g_assert_cmpint(read_exact((const guint8 *)"\xff\xfb\x90", 3, &info), ==,
                  LOA_MP3_GAPLESS_ABSENT);
  const char *text = "This is not audio, whatever its name says.\n";
  g_assert_cmpint(read_exact((const guint8 *)text, strlen(text), &info), ==,
                  LOA_MP3_GAPLESS_ABSENT);
}

/* A tag whose CRC does not match, or whose delay and padding exceed the
 * stream, is not believed. */
static void
test_invalid(void)
{
  LoaMp3Gapless info;
  const Spec wrong = { HEADER_STEREO, "Info", 0xf, 40, "LAME3.100", 576, 1281, CRC_WRONG };
  g_assert_cmpint(read_spec(&wrong, &info), ==, LOA_MP3_GAPLESS_INVALID);
  g_assert_cmpuint(info.encoder_delay, ==, 0);

  /* One bit of the delay flipped after the CRC was made. */
  g_autoptr(GByteArray) file = make_file(&lame_stereo);
  file->data[xing_offset(HEADER_STEREO) + 120 + 21] ^= 0x10;
  g_assert_cmpint(read_exact(file->data, file->len, &info), ==, LOA_MP3_GAPLESS_INVALID);

  const Spec too_much = { HEADER_STEREO, "Info", 0xf, 2, "LAME3.100", 2000, 1000, CRC_LAME };
  g_assert_cmpint(read_spec(&too_much, &info), ==, LOA_MP3_GAPLESS_INVALID);
}

/* Every prefix of a good file: never found before the first frame and the
 * next header are whole, never a read outside the prefix. */
static void
test_truncated(void)
{
  const Spec *const specs[] = {
    &lame_stereo,
    &(const Spec){ HEADER_MONO, "Info", 0xf, 40, "Lavc59.37", 576, 1281, CRC_LAVC },
    &(const Spec){ HEADER_MPEG2, "Info", 0xf, 41, "LAME3.100", 576, 929, CRC_LAME },
  };
  for (size_t s = 0; s < G_N_ELEMENTS(specs); s++) {
    g_autoptr(GByteArray) file = make_file(specs[s]);
    gsize whole = frame_length(specs[s]->header) + 4;
    for (gsize size = 0; size <= file->len; size++) {
      LoaMp3Gapless info;
      LoaMp3GaplessStatus status = read_exact(file->data, size, &info);
      g_assert_cmpint(status, ==, size < whole ? LOA_MP3_GAPLESS_ABSENT : LOA_MP3_GAPLESS_FOUND);
    }
  }
}

/* Random bytes, random bytes behind a valid header, and good files with a
 * few random bytes changed: any answer, but no crash and no read outside. A
 * FOUND answer always holds numbers the format can hold. */
static void
test_garbage(void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed(20240611);
  g_autoptr(GByteArray) good = make_file(&lame_stereo);
  g_autoptr(GByteArray) good_mono = make_file(
    &(const Spec){ HEADER_MONO, "Info", 0xf, 40, "Lavc59.37", 576, 1281, CRC_LAVC });
  guint found = 0;
  for (int round = 0; round < 3000; round++) {
    gsize size;
    g_autofree guint8 *data = NULL;
    switch (round % 3) {
    case 0:
      size = (gsize)g_rand_int_range(rand, 0, 2048);
      data = g_malloc(size + 1);
      for (gsize i = 0; i < size; i++)
        data[i] = (guint8)g_rand_int_range(rand, 0, 256);
      if (size >= 4 && g_rand_boolean(rand))
        loa_write_be32(data, g_rand_boolean(rand) ? HEADER_STEREO : HEADER_MPEG2);
      break;
    default: {
      GByteArray *source = round % 3 == 1 ? good : good_mono;
      size = source->len - (gsize)g_rand_int_range(rand, 0, 64);
      data = g_memdup2(source->data, size);
      int changes = g_rand_int_range(rand, 1, 9);
      for (int c = 0; c < changes; c++)
        data[g_rand_int_range(rand, 0, (gint32)size)] = (guint8)g_rand_int_range(rand, 0, 256);
      break;
    }
    }
    LoaMp3Gapless info;
    LoaMp3GaplessStatus status = read_exact(data, size, &info);
    if (status == LOA_MP3_GAPLESS_FOUND) {
      found++;
      g_assert_cmpuint(info.encoder_delay, <=, 4095);
      g_assert_cmpuint(info.encoder_padding, <=, 4095);
      g_assert_true(info.samples_per_frame == 576 || info.samples_per_frame == 1152);
      g_assert_cmpuint(strlen(info.encoder), <=, 9);
      g_assert_cmpuint(info.info_offset, <, size);
    } else {
      g_assert_cmpint(info.frames, ==, -1);
    }
  }
  /* Damage outside the tag leaves it readable now and then. */
  g_test_message("%u of 3000 damaged inputs still had a readable tag", found);
}

static void
test_bounds(void)
{
  LoaMp3Gapless info = { .sample_rate = 44100, .channels = 2, .samples_per_frame = 1152,
                         .frames = 40, .encoder_delay = 576, .encoder_padding = 1281 };
  gint64 start = -7, end = -7;
  /* Untrimmed: 40 × 1152 frames, the audio after 576 + 529. */
  g_assert_true(loa_mp3_gapless_bounds(&info, 46080, &start, &end));
  g_assert_cmpint(start, ==, 1105);
  g_assert_cmpint(end, ==, 1105 + 44223);
  /* Trimmed by the decoder already: all of it, not trimmed twice. */
  g_assert_true(loa_mp3_gapless_bounds(&info, 44223, &start, &end));
  g_assert_cmpint(start, ==, 0);
  g_assert_cmpint(end, ==, 44223);
  /* Anything else is not understood: nothing set. */
  start = end = -7;
  const gint64 others[] = { 46079, 46081, 44222, 44224, 45000, 0, -1, 46080 - 1105 };
  for (size_t i = 0; i < G_N_ELEMENTS(others); i++)
    g_assert_false(loa_mp3_gapless_bounds(&info, others[i], &start, &end));
  g_assert_cmpint(start, ==, -7);
  g_assert_cmpint(end, ==, -7);

  /* A padding shorter than the decoder delay: the last 529 − 100 samples are
   * in no frame; a trimming decoder stops where an untrimmed one does. */
  info.encoder_padding = 100;
  g_assert_true(loa_mp3_gapless_bounds(&info, 46080, &start, &end));
  g_assert_cmpint(start, ==, 1105);
  g_assert_cmpint(end, ==, 46080);
  g_assert_true(loa_mp3_gapless_bounds(&info, 46080 - 1105, &start, &end));
  g_assert_cmpint(start, ==, 0);
  g_assert_cmpint(end, ==, 46080 - 1105);

  /* MPEG-2: 576 samples a frame. */
  LoaMp3Gapless mpeg2 = { .samples_per_frame = 576, .frames = 41, .encoder_delay = 576,
                          .encoder_padding = 929 };
  g_assert_true(loa_mp3_gapless_bounds(&mpeg2, 41 * 576, &start, &end));
  g_assert_cmpint(start, ==, 1105);
  g_assert_cmpint(end, ==, 1105 + 22111);

  /* No frame count, or delays longer than the stream. */
  info.frames = -1;
  g_assert_false(loa_mp3_gapless_bounds(&info, 46080, &start, &end));
  LoaMp3Gapless tiny = { .samples_per_frame = 1152, .frames = 1, .encoder_delay = 1000 };
  g_assert_false(loa_mp3_gapless_bounds(&tiny, 1152, &start, &end));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/mp3-gapless/read/lame-stereo", test_lame_stereo);
  g_test_add_func("/mp3-gapless/read/lavc-mono", test_lavc_mono);
  g_test_add_func("/mp3-gapless/read/mpeg2", test_mpeg2);
  g_test_add_func("/mp3-gapless/read/id3v2", test_id3v2);
  g_test_add_func("/mp3-gapless/read/absent", test_absent);
  g_test_add_func("/mp3-gapless/read/invalid", test_invalid);
  g_test_add_func("/mp3-gapless/read/truncated", test_truncated);
  g_test_add_func("/mp3-gapless/read/garbage", test_garbage);
  g_test_add_func("/mp3-gapless/bounds", test_bounds);
  return g_test_run();
}
