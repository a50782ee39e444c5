/* An MP4 audio track's edit list, read by hand because GStreamer 1.22's
 * qtdemux cuts the end of the track short.
 *
 * An AAC file from ffmpeg (and most encoders) has an edit list that skips
 * the encoder's priming (media_time, 1024 or 2112 samples) and ends inside
 * the last AAC frame. qtdemux 1.22 stops before the last sample whose time
 * falls within media_time of the edit's end ("we reached the end of our
 * segment"), so the last 80-370 frames of the audio never decode. With the
 * edit list hidden (its box renamed 'free', same size, so no offset in the
 * file moves) and the movie's duration made unknown (0), qtdemux gives
 * every sample from the first; ingest then clips the decoded stream to the
 * edit itself (loa_mp4_edit_first_frame(), _end_frame()).
 *
 * Only the plain case is handled: one audio track whose edit list has one
 * entry, with a media time >= 0 at normal rate. Anything else is left to
 * qtdemux (loa_mp4_edit_read() returns FALSE). */
#pragma once

#include <glib.h>
#include <gst/gst.h>

typedef struct {
  guint64 media_time;       /* first sample of the edit, in the media's timescale */
  guint64 duration;         /* length of the edit, in the movie's timescale */
  guint32 movie_timescale;
  guint32 media_timescale;
  gsize edts_type_offset;   /* where in the file the 'edts' box's type is */
  gsize mvhd_duration_offset, mvhd_duration_size;  /* and the movie's duration */
} LoaMp4Edit;

/* TRUE with *edit filled if data (a whole file) is an MP4 with the plain
 * case above; FALSE if it is not an MP4 or not that case (no error: it is
 * then decoded as it is). */
gboolean loa_mp4_edit_read(const guint8 *data, gsize size, LoaMp4Edit *edit);

/* Writes data, with the edit list hidden, to a new temporary file; returns
 * its path (the caller deletes it and frees the path), or NULL with error. */
char *loa_mp4_edit_hidden_copy(const guint8 *data, gsize size, const LoaMp4Edit *edit,
                               GError **error);

/* The edit's first frame and one past its last, at rate, counted from the
 * first decoded frame when the edit list is hidden. */
gint64 loa_mp4_edit_first_frame(const LoaMp4Edit *edit, int rate);
gint64 loa_mp4_edit_end_frame(const LoaMp4Edit *edit, int rate);
