/* MP3 gapless information: where the encoder's input lies in a decoded MP3.
 *
 * An MP3 encoder puts some samples of its own before the audio (the encoder
 * delay, 576 for LAME) and fills the last frame up (the padding), and every
 * Layer III decoder adds LOA_MP3_DECODER_DELAY samples of its own in front.
 * LAME, and libavcodec when it encodes with libmp3lame (ffmpeg), record the
 * delay and padding in the "LAME tag" that follows the Xing/Info header in
 * the file's first frame, a frame with no audio of its own. This module reads
 * that tag from a file in memory; it never decodes.
 *
 * GStreamer 1.22's mpegaudioparse trims by the tag itself, but only when the
 * tag's encoder string starts with "LAME": a file from ffmpeg ("Lavc59.37")
 * decodes untrimmed. Which of the two a decode was is therefore told by the
 * number of frames it gave (loa_mp3_gapless_bounds()), not guessed from the
 * encoder string, so that a decode is never trimmed twice. */
#pragma once

#include <glib.h>

/* Samples a Layer III decoder outputs before the first sample the encoder was
 * given (its synthesis filterbank). 529 by the LAME convention that
 * mpegaudioparse and mpg123 follow; measured on GStreamer 1.22 with
 * avdec_mp3 (what decodebin picks) and mpg123audiodec: both 529. */
#define LOA_MP3_DECODER_DELAY 529

/* What one MPEG audio frame header (Layer I, II or III; MPEG-1, 2 or 2.5) says. */
typedef struct {
  guint length;       /* bytes, header included */
  int rate;
  int channels;
  guint samples;      /* per frame */
  gboolean mpeg1;
  gboolean layer3;
} LoaMpegFrameHeader;

/* Decodes the 32-bit big-endian frame header h into *header. FALSE (header
 * undefined) for anything but a valid header, and for free format (no length
 * in the header; LAME never writes its tag there). */
gboolean loa_mpeg_frame_header_parse(guint32 h, LoaMpegFrameHeader *header);

typedef enum {
  LOA_MP3_GAPLESS_FOUND,    /* a LAME tag whose CRC matches: every field is filled in */
  LOA_MP3_GAPLESS_ABSENT,   /* no Layer III frame, no Xing/Info header in the first one (a
                             * VBRI header, a plain CBR file), or no LAME tag after it */
  LOA_MP3_GAPLESS_INVALID,  /* a LAME tag that fails its CRC or whose numbers cannot be */
} LoaMp3GaplessStatus;

/* What the first frame and its LAME tag say. */
typedef struct {
  int sample_rate;           /* Hz, from the frame header */
  int channels;              /* 1 or 2, from the frame header */
  guint samples_per_frame;   /* 1152 (MPEG-1) or 576 (MPEG-2 and 2.5) */
  gint64 frames;             /* audio frames the Xing header declares, the Info frame itself
                              * not counted (as LAME and libavcodec write it); -1 if none */
  guint encoder_delay;       /* samples the encoder put before the audio (12 bits) */
  guint encoder_padding;     /* samples after the audio, to the end of the last frame */
  char encoder[10];          /* the tag's encoder string ("LAME3.100", "Lavc59.37"),
                              * unprintable bytes as '?', trailing spaces dropped */
  gsize info_offset;         /* where the Xing/Info frame starts in the file */
} LoaMp3Gapless;

/* Reads the LAME tag of the MPEG audio file in data[0, size): skips ID3v2
 * tags (by their size headers) and any junk before the first frame header
 * that another one follows, and looks in that frame. Reads nothing outside
 * data and never more than the frame's own length, so any bytes are safe.
 * The tag's CRC-16 must match, computed as LAME does (the frame up to the CRC
 * field) or as libavcodec does (190 bytes, zeros past the frame). Fills
 * *info (all of it, zeros and frames -1 unless FOUND) and returns the status. */
LoaMp3GaplessStatus loa_mp3_gapless_read(const guint8 *data, gsize size,
                                         LoaMp3Gapless *info) G_GNUC_WARN_UNUSED_RESULT;

/* Where the encoder's input lies in a decode of the file that gave
 * decoded_frames frames. Returns TRUE and sets [*start, *end) in decoded
 * frames when decoded_frames is exactly one of:
 * - frames × samples_per_frame: nothing was trimmed, so the input starts
 *   after the encoder and decoder delays and ends as much later (clamped to
 *   the decode if the padding was shorter than the decoder delay);
 * - that less the delay and the padding: the decoder trimmed by the tag
 *   already, and the input is the whole decode [0, decoded_frames).
 * Returns FALSE (start and end untouched) for any other count, or if the
 * Xing header declared no frame count: the caller should then take the
 * decode as it is. */
gboolean loa_mp3_gapless_bounds(const LoaMp3Gapless *info, gint64 decoded_frames, gint64 *start,
                                gint64 *end) G_GNUC_WARN_UNUSED_RESULT;
