/* MP3 gapless information (see mp3-gapless.h).
 *
 * The layout read here, from the start of the first frame:
 *   4 bytes  frame header
 *   side information: 17 or 32 bytes (MPEG-1 mono / stereo), 9 or 17 (MPEG-2, 2.5)
 *   "Xing" or "Info", 4 bytes of flags, then the fields the flags announce:
 *   frames (1), bytes (2), a 100-byte seek table (4), a VBR scale (8)
 *   the LAME tag, 36 bytes: encoder string (9), revision and VBR method (1),
 *   lowpass (1), peak (4), radio and audiophile gain (2 + 2), encoding flags (1),
 *   bitrate (1), encoder delay and padding (12 + 12 bits), misc (1), MP3 gain (1),
 *   preset and surround (2), music length (4), music CRC (2), tag CRC (2).
 * Every read is checked against the frame's length and the end of the data:
 * the input is whatever a culture office sent. */
#include "mp3-gapless.h"

#include "bytes.h"

#include <string.h>

#define ID3V2_HEADER_SIZE 10
#define LAME_TAG_SIZE 36
#define LAME_TAG_DELAY_OFFSET 21
#define LAME_TAG_CRC_OFFSET 34
/* libavcodec computes the tag CRC over this many bytes of its frame buffer
 * whatever the layout: right for MPEG-1 stereo, where the CRC field starts at
 * byte 190, and over the next frame's place (zeros in its buffer) for short
 * mono or MPEG-2 Info frames. */
#define LAVC_TAG_CRC_SPAN 190

gboolean
loa_mpeg_frame_header_parse(guint32 h, LoaMpegFrameHeader *header)
{
  static const guint16 kbps[2][3][16] = {
    { /* MPEG-1 */
      { 0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448, 0 },
      { 0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 0 },
      { 0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0 } },
    { /* MPEG-2 and 2.5 */
      { 0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256, 0 },
      { 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0 },
      { 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0 } },
  };
  static const guint rates[4][3] = {
    { 11025, 12000, 8000 }, { 0, 0, 0 }, { 22050, 24000, 16000 }, { 44100, 48000, 32000 },
  };
  guint version = (h >> 19) & 3;      /* 0: 2.5, 1: reserved, 2: 2, 3: 1 */
  guint layer = 4 - ((h >> 17) & 3);  /* 4 is reserved */
  guint bitrate_index = (h >> 12) & 15;
  guint rate_index = (h >> 10) & 3;
  guint padding = (h >> 9) & 1;

  if ((h & 0xffe00000u) != 0xffe00000u || version == 1 || layer == 4 || bitrate_index == 0 ||
      bitrate_index == 15 || rate_index == 3)
    return FALSE;
  guint bitrate = kbps[version == 3 ? 0 : 1][layer - 1][bitrate_index] * 1000u;
  guint rate = rates[version][rate_index];
  header->mpeg1 = version == 3;
  header->layer3 = layer == 3;
  header->rate = (int)rate;
  header->channels = ((h >> 6) & 3) == 3 ? 1 : 2;
  if (layer == 1) {
    header->length = (12 * bitrate / rate + padding) * 4;
    header->samples = 384;
  } else if (layer == 3 && version != 3) {
    header->length = 72 * bitrate / rate + padding;
    header->samples = 576;
  } else {
    header->length = 144 * bitrate / rate + padding;
    header->samples = 1152;
  }
  return TRUE;
}

/* CRC-16 as LAME and libavcodec compute the tag's: polynomial 0x8005,
 * reflected (0xa001), initial 0. A few hundred bytes: no table. */
static guint16
crc16(const guint8 *data, gsize size, guint16 crc)
{
  for (gsize i = 0; i < size; i++) {
    crc ^= data[i];
    for (int bit = 0; bit < 8; bit++)
      crc = (crc & 1) ? (guint16)((crc >> 1) ^ 0xa001) : (guint16)(crc >> 1);
  }
  return crc;
}

/* The offset of the first frame header in data that another valid header
 * follows, after any ID3v2 tags; -1 if there is none. */
static gssize
find_first_frame(const guint8 *data, gsize size, LoaMpegFrameHeader *header)
{
  gsize offset = 0;
  while (size - offset >= ID3V2_HEADER_SIZE && memcmp(data + offset, "ID3", 3) == 0) {
    const guint8 *tag = data + offset;
    gsize length = (gsize)(tag[6] & 0x7f) << 21 | (gsize)(tag[7] & 0x7f) << 14 |
                   (gsize)(tag[8] & 0x7f) << 7 | (gsize)(tag[9] & 0x7f);
    gsize whole = ID3V2_HEADER_SIZE + length + ((tag[5] & 0x10) ? ID3V2_HEADER_SIZE : 0);
    if (whole >= size - offset)
      return -1;  /* all tag */
    offset += whole;
  }
  /* As the framing check and the parser do: junk before the first frame is
   * skipped, and a header counts only if the next frame's header follows. */
  LoaMpegFrameHeader next;
  for (; size - offset >= 4; offset++) {
    if (!loa_mpeg_frame_header_parse(loa_read_be32(data + offset), header))
      continue;
    if (header->length <= size - offset && size - offset - header->length >= 4 &&
        loa_mpeg_frame_header_parse(loa_read_be32(data + offset + header->length), &next))
      return (gssize)offset;
  }
  return -1;
}

/* Copies the tag's 9-byte encoder string into encoder[10]. */
static void
copy_encoder(const guint8 *tag, char encoder[10])
{
  gsize length = 9;
  while (length > 0 && (tag[length - 1] == '\0' || tag[length - 1] == ' '))
    length--;
  for (gsize i = 0; i < length; i++)
    encoder[i] = g_ascii_isprint(tag[i]) ? (char)tag[i] : '?';
  encoder[length] = '\0';
}

/* TRUE if the bytes where a LAME tag would start look like an encoder string
 * ("LAME3.100", "Lavc59.37", "L3.99r"): after a Xing header without a tag
 * (GStreamer's xingmux) come zeros or the next frame's data. */
static gboolean
looks_like_tag(const guint8 *tag)
{
  if (!g_ascii_isalpha(tag[0]))
    return FALSE;
  for (int i = 1; i < 4; i++)
    if (!g_ascii_isgraph(tag[i]))
      return FALSE;
  return TRUE;
}

/* TRUE if the tag's CRC matches, computed as LAME does (everything before
 * the CRC field) or as libavcodec does. frame[0, available) is in the data;
 * length is the frame's length from its header; crc_at is where the CRC
 * field starts (crc_at + 2 <= available). */
static gboolean
tag_crc_matches(const guint8 *frame, gsize available, gsize length, gsize crc_at)
{
  guint16 stored = (guint16)(frame[crc_at] << 8 | frame[crc_at + 1]);
  if (crc16(frame, crc_at, 0) == stored)
    return TRUE;
  gsize copied = MIN(length, (gsize)LAVC_TAG_CRC_SPAN);
  if (copied > available)
    return FALSE;
  guint8 span[LAVC_TAG_CRC_SPAN] = { 0 };
  memcpy(span, frame, copied);
  for (gsize i = crc_at; i < crc_at + 2 && i < LAVC_TAG_CRC_SPAN; i++)
    span[i] = 0;  /* still zero in libavcodec's buffer when it computes it */
  return crc16(span, sizeof(span), 0) == stored;
}

LoaMp3GaplessStatus
loa_mp3_gapless_read(const guint8 *data, gsize size, LoaMp3Gapless *info)
{
  memset(info, 0, sizeof(*info));
  info->frames = -1;
  if (data == NULL)
    return LOA_MP3_GAPLESS_ABSENT;

  LoaMpegFrameHeader header;
  gssize found = find_first_frame(data, size, &header);
  if (found < 0 || !header.layer3)
    return LOA_MP3_GAPLESS_ABSENT;
  const guint8 *frame = data + found;
  gsize available = MIN((gsize)header.length, size - (gsize)found);

  gsize at = 4 + (header.mpeg1 ? (header.channels == 1 ? 17 : 32)
                               : (header.channels == 1 ? 9 : 17));
  if (at + 8 > available ||
      (memcmp(frame + at, "Xing", 4) != 0 && memcmp(frame + at, "Info", 4) != 0))
    return LOA_MP3_GAPLESS_ABSENT;
  guint32 flags = loa_read_be32(frame + at + 4);
  at += 8;
  gint64 frames = -1;
  if (flags & 1) {
    if (at + 4 > available)
      return LOA_MP3_GAPLESS_ABSENT;
    guint32 declared = loa_read_be32(frame + at);
    frames = declared > 0 ? (gint64)declared : -1;
    at += 4;
  }
  at += (flags & 2 ? 4 : 0) + (flags & 4 ? 100 : 0) + (flags & 8 ? 4 : 0);
  if (at + LAME_TAG_SIZE > available || !looks_like_tag(frame + at))
    return LOA_MP3_GAPLESS_ABSENT;

  const guint8 *tag = frame + at;
  if (!tag_crc_matches(frame, available, header.length, at + LAME_TAG_CRC_OFFSET))
    return LOA_MP3_GAPLESS_INVALID;
  guint32 delay_padding = (guint32)tag[LAME_TAG_DELAY_OFFSET] << 16 |
                          (guint32)tag[LAME_TAG_DELAY_OFFSET + 1] << 8 |
                          (guint32)tag[LAME_TAG_DELAY_OFFSET + 2];
  guint delay = delay_padding >> 12, padding = delay_padding & 0xfff;
  if (frames > 0 && (gint64)delay + padding > frames * header.samples)
    return LOA_MP3_GAPLESS_INVALID;

  info->sample_rate = header.rate;
  info->channels = header.channels;
  info->samples_per_frame = header.samples;
  info->frames = frames;
  info->encoder_delay = delay;
  info->encoder_padding = padding;
  copy_encoder(tag, info->encoder);
  info->info_offset = (gsize)found;
  return LOA_MP3_GAPLESS_FOUND;
}

gboolean
loa_mp3_gapless_bounds(const LoaMp3Gapless *info, gint64 decoded_frames, gint64 *start,
                       gint64 *end)
{
  if (info->frames <= 0 || decoded_frames <= 0)
    return FALSE;
  gint64 encoded = info->frames * info->samples_per_frame;
  gint64 first = (gint64)info->encoder_delay + LOA_MP3_DECODER_DELAY;
  gint64 length = encoded - info->encoder_delay - info->encoder_padding;
  if (first >= encoded || length <= 0)
    return FALSE;
  /* A padding shorter than the decoder delay leaves the last samples of the
   * input in no frame: no decoder gives them. */
  gint64 last = MIN(first + length, encoded);
  if (decoded_frames == encoded) {
    *start = first;
    *end = last;
    return TRUE;
  }
  if (decoded_frames == last - first) {
    *start = 0;
    *end = decoded_frames;
    return TRUE;
  }
  return FALSE;
}
