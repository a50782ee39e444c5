/* An MP4 audio track's edit list (see mp4-edit.h). ISO/IEC 14496-12 boxes:
 * moov > mvhd (the movie's timescale), moov > trak > mdia > hdlr (the
 * track's kind) and mdhd (its timescale), trak > edts > elst (the edits). */
#define G_LOG_DOMAIN "loa-library"

#include "mp4-edit.h"

#include "bytes.h"
#include "i18n.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  gsize start;    /* of the box's header */
  gsize payload;  /* of what follows the header */
  gsize end;      /* one past the box */
} Box;

/* The box at *pos within [*pos, end); moves *pos past it. FALSE at the end
 * or on a box that does not fit. */
static gboolean
next_box(const guint8 *data, gsize *pos, gsize end, Box *box, guint32 *type)
{
  if (*pos > end || end - *pos < 8)
    return FALSE;
  guint64 size = loa_read_be32(data + *pos);
  gsize header = 8;
  if (size == 1) {
    if (end - *pos < 16)
      return FALSE;
    size = loa_read_be64(data + *pos + 8);
    header = 16;
  } else if (size == 0) {
    size = end - *pos;  /* to the end of its parent */
  }
  if (size < header || size > end - *pos)
    return FALSE;
  *type = loa_read_be32(data + *pos + 4);
  box->start = *pos;
  box->payload = *pos + header;
  box->end = *pos + (gsize)size;
  *pos = box->end;
  return TRUE;
}

#define FOURCC(s) loa_read_be32((const guint8 *)(s))

/* The first child of parent of the given type; FALSE if there is none. */
static gboolean
find_child(const guint8 *data, const Box *parent, const char *type, Box *child)
{
  gsize pos = parent->payload;
  guint32 found;
  while (next_box(data, &pos, parent->end, child, &found))
    if (found == FOURCC(type))
      return TRUE;
  return FALSE;
}

/* The timescale of an mvhd or mdhd box (full boxes, version 0 or 1), and
 * where its duration is (4 or 8 bytes after the timescale). */
static gboolean
read_timescale(const guint8 *data, const Box *box, guint32 *timescale, gsize *duration_offset,
               gsize *duration_size)
{
  if (box->payload >= box->end)
    return FALSE;
  gboolean wide = data[box->payload] == 1;
  gsize at = box->payload + (wide ? 20 : 12);
  if (at + 4 + (wide ? 8 : 4) > box->end)
    return FALSE;
  *timescale = loa_read_be32(data + at);
  *duration_offset = at + 4;
  *duration_size = wide ? 8 : 4;
  return *timescale > 0;
}

static gboolean
is_audio_track(const guint8 *data, const Box *trak)
{
  Box mdia, hdlr;
  return find_child(data, trak, "mdia", &mdia) && find_child(data, &mdia, "hdlr", &hdlr) &&
         hdlr.payload + 12 <= hdlr.end && loa_read_be32(data + hdlr.payload + 8) ==
                                             FOURCC("soun");
}

/* The one entry of trak's edit list, if it has exactly one at normal rate
 * that starts at a media time > 0 (priming to skip). */
static gboolean
read_edit(const guint8 *data, const Box *trak, LoaMp4Edit *edit)
{
  Box edts, elst, mdia, mdhd;
  if (!find_child(data, trak, "edts", &edts) || !find_child(data, &edts, "elst", &elst) ||
      !find_child(data, trak, "mdia", &mdia) || !find_child(data, &mdia, "mdhd", &mdhd) ||
      !read_timescale(data, &mdhd, &edit->media_timescale, &(gsize){ 0 }, &(gsize){ 0 }))
    return FALSE;
  if (elst.payload + 8 > elst.end)
    return FALSE;
  gboolean wide = data[elst.payload] == 1;
  guint32 entries = loa_read_be32(data + elst.payload + 4);
  gsize at = elst.payload + 8;
  if (entries != 1 || at + (wide ? 20 : 12) > elst.end)
    return FALSE;
  gint64 media_time;
  if (wide) {
    edit->duration = loa_read_be64(data + at);
    media_time = (gint64)loa_read_be64(data + at + 8);
    at += 16;
  } else {
    edit->duration = loa_read_be32(data + at);
    media_time = (gint32)loa_read_be32(data + at + 4);
    at += 8;
  }
  guint32 rate = loa_read_be32(data + at);
  if (media_time <= 0 || rate != 0x00010000 || edit->duration == 0)
    return FALSE;
  edit->media_time = (guint64)media_time;
  edit->edts_type_offset = edts.start + 4;
  return TRUE;
}

gboolean
loa_mp4_edit_read(const guint8 *data, gsize size, LoaMp4Edit *edit)
{
  Box file = { 0, 0, size }, box, moov = { 0 }, mvhd;
  gsize pos = 0;
  guint32 type;
  /* An ISO file begins with its ftyp box. */
  if (!next_box(data, &pos, size, &box, &type) || type != FOURCC("ftyp"))
    return FALSE;
  if (!find_child(data, &file, "moov", &moov) || !find_child(data, &moov, "mvhd", &mvhd) ||
      !read_timescale(data, &mvhd, &edit->movie_timescale, &edit->mvhd_duration_offset,
                      &edit->mvhd_duration_size))
    return FALSE;
  Box mvex;
  if (find_child(data, &moov, "mvex", &mvex))
    return FALSE;  /* fragmented: the samples are not all in moov */

  guint audio = 0;
  Box trak;
  pos = moov.payload;
  gboolean found = FALSE;
  while (next_box(data, &pos, moov.end, &trak, &type)) {
    if (type != FOURCC("trak") || !is_audio_track(data, &trak))
      continue;
    audio++;
    found = read_edit(data, &trak, edit);
  }
  return audio == 1 && found;
}

char *
loa_mp4_edit_hidden_copy(const guint8 *data, gsize size, const LoaMp4Edit *edit, GError **error)
{
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp("loa-ingest-XXXXXX.m4a", &path, error);
  if (fd < 0)
    return NULL;
  /* The edts box becomes a free box, and the movie's duration (the edit's
   * length) unknown: qtdemux would otherwise stop at it, before the last
   * sample, which without the edit list lies one priming length later. */
  g_autofree guint8 *copy = g_memdup2(data, size);
  memcpy(copy + edit->edts_type_offset, "free", 4);
  memset(copy + edit->mvhd_duration_offset, 0, edit->mvhd_duration_size);
  int saved = 0;
  for (gsize done = 0; done < size;) {
    ssize_t n = write(fd, copy + done, size - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      saved = errno;
      break;
    }
    done += (gsize)n;
  }
  if (close(fd) < 0 && saved == 0)
    saved = errno;
  if (saved != 0) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
                _("cannot write the temporary file %s: %s"), path, g_strerror(saved));
    g_unlink(path);
    return NULL;
  }
  return g_steal_pointer(&path);
}

gint64
loa_mp4_edit_first_frame(const LoaMp4Edit *edit, int rate)
{
  return (gint64)gst_util_uint64_scale_round(edit->media_time, (guint64)rate,
                                             edit->media_timescale);
}

gint64
loa_mp4_edit_end_frame(const LoaMp4Edit *edit, int rate)
{
  guint64 end = edit->media_time + gst_util_uint64_scale_round(edit->duration,
                                                               edit->media_timescale,
                                                               edit->movie_timescale);
  return (gint64)gst_util_uint64_scale_round(end, (guint64)rate, edit->media_timescale);
}
