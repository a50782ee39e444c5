/* Framing checks of WAV, Ogg and MPEG audio files (see framing.h). */
#include "framing.h"

#include "bytes.h"
#include "mp3-gapless.h"

#include "i18n.h"

#include <inttypes.h>
#include <string.h>

/* Structure checks. Each walks the file in memory and returns NULL if it
 * looks whole, else a newly allocated reason. They look only at framing, never
 * at the audio itself, and let through what they do not understand (the
 * decode check still applies). */

/* WAV: wavparse clips a data chunk that runs past the end of the file to what
 * is there, so a WAV cut in half plays as a shorter, "valid" one. */
char *
loa_framing_check_wav(const guint8 *data, gsize size)
{
  if (size < 12 || memcmp(data, "RIFF", 4) != 0 || memcmp(data + 8, "WAVE", 4) != 0)
    return NULL;  /* RF64 and other variants: left to the decode */
  for (guint64 offset = 12; offset + 8 <= size;) {
    guint32 length = loa_read_le32(data + offset + 4);
    if (memcmp(data + offset, "data", 4) == 0) {
      /* 0 and 0xFFFFFFFF are what writers leave when they stream and never
       * come back to fill in the length: nothing declared, nothing to check. */
      if (length != 0 && length != G_MAXUINT32 && offset + 8 + length > size)
        return g_strdup_printf(_("truncated: the WAV header declares %u bytes of audio "
                                 "but the file holds %" PRIu64),
                               length, (guint64)size - offset - 8);
      return NULL;
    }
    offset += 8 + (guint64)length + (length & 1);
  }
  return NULL;
}

/* CRC-32 of Ogg pages: polynomial 0x04c11db7, not reflected, initial 0. */
static guint32
ogg_crc(const guint8 *data, gsize size)
{
  static guint32 table[256];
  static gsize ready = 0;
  if (g_once_init_enter(&ready)) {
    for (guint32 i = 0; i < 256; i++) {
      guint32 r = i << 24;
      for (int bit = 0; bit < 8; bit++)
        r = (r & 0x80000000u) ? (r << 1) ^ 0x04c11db7u : r << 1;
      table[i] = r;
    }
    g_once_init_leave(&ready, 1);
  }
  guint32 crc = 0;
  for (gsize i = 0; i < size; i++) {
    /* The checksum field itself (bytes 22..25) counts as zero. */
    guint8 byte = i >= 22 && i < 26 ? 0 : data[i];
    crc = (crc << 8) ^ table[((crc >> 24) ^ byte) & 0xff];
  }
  return crc;
}

/* Ogg: oggdemux drops a torn last page and pages that fail their checksum
 * without a word, so a cut or damaged Vorbis/Opus file would play short. */
char *
loa_framing_check_ogg(const guint8 *data, gsize size)
{
  guint8 last_flags = 0;
  for (gsize offset = 0; offset < size;) {
    const guint8 *page = data + offset;
    gsize left = size - offset;
    if (left < 4 || memcmp(page, "OggS", 4) != 0) {
      if (left < 4 && memcmp(page, "OggS", left) == 0)
        return g_strdup(_("truncated: the last Ogg page is incomplete"));
      return g_strdup_printf(
        _("damaged: no Ogg page where one should start (byte %zu" ")"), offset);
    }
    gsize header = left >= 27 ? 27 + (gsize)page[26] : G_MAXSIZE;
    gsize body = 0;
    if (header <= left)
      for (gsize i = 27; i < header; i++)
        body += page[i];
    if (header > left || header + body > left)
      return g_strdup(_("truncated: the last Ogg page is incomplete"));
    if (ogg_crc(page, header + body) != loa_read_le32(page + 22))
      return g_strdup_printf(_("damaged: the Ogg page at byte %zu"
                               " fails its checksum"),
                             offset);
    last_flags = page[5];
    offset += header + body;
  }
  if (!(last_flags & 0x04))
    return g_strdup(_("truncated: the Ogg stream stops before its last page"));
  return NULL;
}

/* Length in bytes of the MPEG audio frame whose header is h, or 0 if h is not
 * a valid header or the stream is free-format (length not in the header). */
static guint
mpeg_frame_length(guint32 h)
{
  LoaMpegFrameHeader header;
  return loa_mpeg_frame_header_parse(h, &header) ? header.length : 0;
}

/* The frame count a Xing/Info header in the first frame declares, or -1. */
static gint64
xing_frames(const guint8 *frame, guint length)
{
  guint32 h = loa_read_be32(frame);
  gboolean mpeg1 = ((h >> 19) & 3) == 3;
  gboolean mono = ((h >> 6) & 3) == 3;
  guint offset = 4 + (mpeg1 ? (mono ? 17 : 32) : (mono ? 9 : 17));
  if (offset + 12 > length ||
      (memcmp(frame + offset, "Xing", 4) != 0 && memcmp(frame + offset, "Info", 4) != 0))
    return -1;
  if (!(loa_read_be32(frame + offset + 4) & 1))
    return -1;
  return loa_read_be32(frame + offset + 8);
}

/* MP3 (and MP1/MP2): mpegaudioparse drops a torn last frame and skips
 * garbage between frames silently, and with no Xing header the declared
 * duration is only an estimate from the size, so a cut file looks whole. */
char *
loa_framing_check_mpeg_audio(const guint8 *data, gsize size)
{
  gsize offset = 0;
  while (size - offset >= 10 && memcmp(data + offset, "ID3", 3) == 0) {
    const guint8 *tag = data + offset;
    gsize length = (gsize)(tag[6] & 0x7f) << 21 | (gsize)(tag[7] & 0x7f) << 14 |
                   (gsize)(tag[8] & 0x7f) << 7 | (gsize)(tag[9] & 0x7f);
    offset += 10 + length + ((tag[5] & 0x10) ? 10 : 0);
    if (offset >= size)
      return NULL;  /* all tag: the probe would not have called it MP3 */
  }
  /* Some encoders leave junk before the first frame and players skip it:
   * start at the first header that is followed by another one. */
  for (; offset + 4 <= size; offset++) {
    guint length = mpeg_frame_length(loa_read_be32(data + offset));
    if (length != 0 && offset + length + 4 <= size &&
        mpeg_frame_length(loa_read_be32(data + offset + length)) != 0)
      break;
  }
  if (offset + 4 > size)
    return NULL;  /* no two fixed-length frames in a row (free format?): decode decides */

  gint64 declared = xing_frames(data + offset, mpeg_frame_length(loa_read_be32(data + offset)));
  gint64 frames = 0;
  while (offset < size) {
    guint length = size - offset >= 4 ? mpeg_frame_length(loa_read_be32(data + offset)) : 0;
    if (length != 0) {
      if (length > size - offset)
        return g_strdup(_("truncated: the last MPEG audio frame is incomplete"));
      offset += length;
      frames++;
      continue;
    }
    /* Not a frame: the tags that may follow the audio end it; zeros are padding. */
    static const char *const trailers[] = { "TAG", "APETAGEX", "LYRICSBEGIN", "ID3" };
    for (size_t i = 0; i < G_N_ELEMENTS(trailers); i++)
      if (size - offset >= strlen(trailers[i]) &&
          memcmp(data + offset, trailers[i], strlen(trailers[i])) == 0)
        goto end;
    for (gsize i = offset; i < size; i++)
      if (data[i] != 0)
        return g_strdup_printf(_("damaged: data that is not MPEG audio at byte %zu"),
                               offset);
    break;
  }
end:
  /* LAME counts the audio frames only, other writers the header frame too. */
  if (declared >= 0 && declared != frames && declared != frames - 1)
    return g_strdup_printf(_("truncated: the MP3 header declares %" PRId64
                             " frames but the file holds %" PRId64),
                           declared, frames);
  return NULL;
}

