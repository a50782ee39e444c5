/* Ingest's probe and decode (private to audio-library/ingest*.c): what
 * GstDiscoverer says about a file, the walk of its framing, and the full
 * decode that counts its frames, measures it and writes its air copy.
 * ingest.c does the rest: the copy into the library, the checks' order,
 * the catalog. */
#pragma once

#include "loudness.h"
#include "mp4-edit.h"

#include <gst/audio/audio.h>
#include <gst/gst.h>

/* Formats that need more than the general checks. The parsers of the first
 * three quietly accept a cut or damaged file (they clip the declared length
 * to what is there, or resynchronise past garbage), so their framing is
 * walked by hand (ingest_check_structure()). MP4 declares its length in a header
 * and the decode check catches it. */
typedef enum {
  FORMAT_OTHER,
  FORMAT_WAV,          /* the RIFF data chunk must fit in the file */
  FORMAT_OGG,          /* pages whole and checksum-correct, the last one ending the stream */
  FORMAT_MPEG_AUDIO,   /* MP1/MP2/MP3 frames contiguous, the last one whole */
  FORMAT_FLAC,         /* no walk: the decode must give exactly the declared length */
} Format;

/* What GstDiscoverer says about the copy. */
typedef struct {
  GstClockTime duration;  /* declared by the container or stream headers */
  int sample_rate;        /* of the first audio stream */
  int channels;
  char *container;        /* description of the container, or of the stream if bare */
  char *codec;            /* description of the first audio stream; NULL for PCM, which
                           * is described from the decoded format instead */
  Format format;
  gboolean exact_length;  /* the declared length is an exact sample count (PCM, FLAC) */
} Probe;

void ingest_probe_clear(Probe *probe);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Probe, ingest_probe_clear)

/* The full decode. The pad probe runs in a streaming thread and writes the
 * counters; they are read only after the pipeline is back in NULL, which
 * joins those threads. */
typedef struct {
  GstPad *counted;         /* the sink pad fed by the first audio stream; NULL until linked */
  GstAudioInfo info;       /* format of the decoded audio, valid once have_info */
  gboolean have_info;
  gboolean format_changed; /* rate or channels changed in mid-stream */
  GstSegment segment;      /* for clipping, as a sink would */
  gint64 frames;           /* decoded frames inside the segment */
  double silence_db;       /* threshold for the cues */
  LoaLoudness *loudness;   /* created at the first caps; NULL if it could not be */
  GError *loudness_error;  /* why the measurement failed, first failure only */
  const char *air_path;    /* where the counted stream is written as the air copy; NULL: nowhere */
  gboolean pad_tail;       /* with air_path: fill a short last frame out to the segment's stop */
  GstClockTime end;        /* stream time just after the last counted frame; NONE before */
  gint64 padded;           /* frames of silence added at the end (pad_tail) */
  /* An MP4 decoded with its edit list hidden (mp4-edit.h) is clipped to the
   * edit instead of to its stream's segment: set by ingest_decode_copy(). */
  gboolean clip_to_edit;
  LoaMp4Edit edit;
} Decode;

void ingest_decode_clear(Decode *decode);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Decode, ingest_decode_clear)

/* A human description of caps ("Vorbis", "MPEG-4 AAC"), newly allocated. */
char *ingest_describe_caps(GstCaps *caps) G_GNUC_WARN_UNUSED_RESULT;

/* Runs GstDiscoverer on the copy at copy_path. path (the supplied file) names
 * it in messages. FALSE with LOA_SPOT_ERROR_NOT_AUDIO (or _SYSTEM) on failure. */
gboolean ingest_probe_copy(const char *path, const char *copy_path, Probe *probe,
                           GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Runs the structure check for probe->format on the copy. FALSE with
 * LOA_SPOT_ERROR_NOT_AUDIO if the file is cut or damaged. */
gboolean ingest_check_structure(const char *path, const char *copy_path, const Probe *probe,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Decodes the copy at copy_path to the end, counting frames into decode and
 * writing the air copy to decode->air_path if set. An MP4 with a plain edit
 * list is decoded from a temporary copy with the list hidden, and clipped to
 * the edit here (mp4-edit.h). FALSE with
 * LOA_SPOT_ERROR_NOT_AUDIO if decoding reports an error or a decoder warns
 * about damaged data, _SYSTEM if the pipeline cannot be built. */
gboolean ingest_decode_copy(const char *path, const char *copy_path, GstClockTime expected,
                            Decode *decode, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Checks the decode against the probe. FALSE with LOA_SPOT_ERROR_NOT_AUDIO. */
gboolean ingest_check_decode(const char *path, const Probe *probe, const Decode *decode,
                             GError **error) G_GNUC_WARN_UNUSED_RESULT;

