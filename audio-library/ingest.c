/* Ingest (see ingest.h): copy, hash, probe, check, decode, rename, insert.
 *
 * The order matters. The copy is made first, under a hidden temporary name in
 * the library folder itself (same file system, so the final rename is atomic),
 * and everything after it looks at the copy: what is checked is byte for byte
 * what will air. No single check is enough. GstDiscoverer reports some
 * damaged files as whole (a truncated FLAC with its full duration, a cut MP3
 * with a length estimated from what is left), and GStreamer's parsers skip
 * torn or garbled frames without a word. So the probe is followed by a walk
 * of the file's framing for the formats whose parsers hide damage, then by a
 * full decode whose frames are counted and compared with the declared length.
 * The counted frames, not the declared duration, are what the catalog stores.
 * The same decode feeds the loudness measurement and the cue scan
 * (loudness.h): a file is read from disk once for the hash and decoded once.
 * An MP3's LAME tag (mp3-gapless.h) bounds the cues to the audio that was
 * encoded, whether or not the decoder trimmed the encoder's delay and padding. */
#define G_LOG_DOMAIN "loa-library"

#include "ingest.h"

#include "air-copy.h"
#include "decoders.h"
#include "framing.h"
#include "loudness.h"
#include "mp3-gapless.h"

#include "config.h"
#include "db.h"
#include "i18n.h"
#include "loa-time.h"

#include <inttypes.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <gst/audio/audio.h>
#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PROBE_TIMEOUT (10 * GST_SECOND)
/* The decode runs far faster than real time (hundreds of times for WAV and
 * MP3); this bound only stops a decoder that hangs. */
#define DECODE_TIMEOUT_BASE (30 * GST_SECOND)
#define DECODE_TIMEOUT_PER_AUDIO_SECOND (GST_SECOND / 5)
/* How far the decoded length may stray from the declared one: max(100 ms, 2 %)
 * in general, as MP3 and AAC decode some padding and their declared length
 * may be an estimate; but PCM and FLAC declare their exact sample count, and
 * parsers drop a damaged FLAC frame without a word (a 20-byte scratch in a
 * 48 kHz file costs 4608 samples, 96 ms), so they must match to rounding. */
#define DURATION_TOLERANCE_MIN (100 * GST_MSECOND)
#define DURATION_TOLERANCE_PERCENT 2
#define DURATION_TOLERANCE_EXACT GST_MSECOND
#define COPY_BUFFER_SIZE (64 * 1024)
#define EXTENSION_MAX 10

/* Formats that need more than the general checks. The parsers of the first
 * three quietly accept a cut or damaged file (they clip the declared length
 * to what is there, or resynchronise past garbage), so their framing is
 * walked by hand (check_structure()). MP4 declares its length in a header
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

static void
probe_clear(Probe *probe)
{
  g_clear_pointer(&probe->container, g_free);
  g_clear_pointer(&probe->codec, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Probe, probe_clear)

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
  GError *air_error;       /* why the air copy's writer could not be made */
} Decode;

static void
decode_clear(Decode *decode)
{
  g_clear_pointer(&decode->loudness, loa_loudness_free);
  g_clear_error(&decode->loudness_error);
  g_clear_error(&decode->air_error);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Decode, decode_clear)

/* The temporary copy; the cleanup removes it unless it was renamed into place. */
typedef struct {
  char *path;       /* NULL once renamed or removed */
  char sha256[65];  /* lowercase hex */
  gint64 size;      /* bytes copied */
} TempCopy;

static void
temp_copy_clear(TempCopy *copy)
{
  if (copy->path != NULL)
    g_unlink(copy->path);
  g_clear_pointer(&copy->path, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(TempCopy, temp_copy_clear)

/* The lowercased extension of path's base name when it is short and plain
 * ASCII letters and digits, else NULL (the library name then has none).
 * Newly allocated. */
static char *
plain_extension(const char *path)
{
  g_autofree char *base = g_path_get_basename(path);
  const char *dot = strrchr(base, '.');
  if (dot == NULL || dot == base || dot[1] == '\0' || strlen(dot + 1) > EXTENSION_MAX)
    return NULL;
  for (const char *p = dot + 1; *p != '\0'; p++)
    if (!g_ascii_isalnum(*p))
      return NULL;
  return g_ascii_strdown(dot + 1, -1);
}

/* Validates the user's metadata and fills spot's text fields from it (id
 * only if given). FALSE with LOA_SPOT_ERROR_INVALID naming path. */
static gboolean
take_metadata(const char *path, const LoaIngestMeta *meta, LoaSpot *spot, GError **error)
{
  const char *category = meta->category != NULL ? meta->category : "other";
  const char *language = meta->language != NULL ? meta->language : "vi";
  const char *added_by = meta->added_by != NULL ? meta->added_by : g_get_user_name();

  if (meta->id != NULL && !loa_config_id_is_valid(meta->id)) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_INVALID,
                _("%s: '%s' is not a valid spot id (1-64 letters, digits, '.', '_' or '-', "
                  "starting with a letter or digit)"),
                path, meta->id);
    return FALSE;
  }
  if (!loa_spot_category_is_valid(category)) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_INVALID,
                _("%s: '%s' is not a category (article, news, report, announcement or other)"),
                path, category);
    return FALSE;
  }
  if (!loa_spot_language_is_valid(language)) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_INVALID,
                _("%s: '%s' is not a language tag (such as vi or vi-VN)"), path, language);
    return FALSE;
  }
  if (!loa_spot_check_validity(path, meta->valid_from, meta->valid_until, error))
    return FALSE;
  spot->id = g_strdup(meta->id);
  spot->category = g_strdup(category);
  spot->language = g_strdup(language);
  spot->valid_from = g_strdup(meta->valid_from);
  spot->valid_until = g_strdup(meta->valid_until);
  if (meta->bulletin_text != NULL &&
      (spot->bulletin_text =
         loa_spot_clean_text(path, _("bulletin text"), meta->bulletin_text, TRUE, error)) == NULL)
    return FALSE;
  return (spot->title = loa_spot_clean_text(path, _("title"), meta->title ? meta->title : "",
                                            FALSE, error)) &&
         (spot->topic = loa_spot_clean_text(path, _("topic"), meta->topic ? meta->topic : "",
                                            FALSE, error)) &&
         (spot->supplier = loa_spot_clean_text(path, _("supplier"),
                                               meta->supplier ? meta->supplier : "", FALSE,
                                               error)) &&
         (spot->notes = loa_spot_clean_text(path, _("notes"), meta->notes ? meta->notes : "",
                                            TRUE, error)) &&
         (spot->tags = loa_spot_clean_tags(path, meta->tags ? meta->tags : "", error)) &&
         (spot->added_by = loa_spot_clean_text(path, _("user name"), added_by, FALSE, error));
}

static gboolean
write_all(int fd, const guint8 *data, size_t n)
{
  while (n > 0) {
    ssize_t written = write(fd, data, n);
    if (written < 0 && errno == EINTR)
      continue;
    if (written == 0)
      errno = ENOSPC;
    if (written <= 0)
      return FALSE;
    data += written;
    n -= (size_t)written;
  }
  return TRUE;
}

/* fsyncs a folder so that a rename or a new entry in it survives power loss. */
static gboolean
sync_folder(const char *dir)
{
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return FALSE;
  int rc = fsync(fd);
  int saved = errno;
  close(fd);
  errno = saved;
  return rc == 0;
}

/* Opens path for reading after checking it is a non-empty regular file.
 * Returns the descriptor, or -1 with the error set. */
static int
open_source(const char *path, GError **error)
{
  struct stat st;
  /* O_NONBLOCK so that a FIFO given by mistake is refused, not waited on. */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    int saved = errno;
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_IO, _("%s: cannot open: %s"), path,
                g_strerror(saved));
    return -1;
  }
  if (fstat(fd, &st) != 0) {
    int saved = errno;
    close(fd);
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_IO, _("%s: cannot read: %s"), path,
                g_strerror(saved));
    return -1;
  }
  const char *reason = NULL;
  LoaSpotError code = LOA_SPOT_ERROR_IO;
  if (S_ISDIR(st.st_mode))
    reason = _("is a folder, not an audio file");
  else if (!S_ISREG(st.st_mode))
    reason = _("is not a regular file");
  else if (st.st_size == 0) {
    reason = _("the file is empty");
    code = LOA_SPOT_ERROR_NOT_AUDIO;
  }
  if (reason != NULL) {
    close(fd);
    g_set_error(error, LOA_SPOT_ERROR, code, "%s: %s", path, reason);
    return -1;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return fd;
}

/* Copies path into a new hidden file in library_dir (created if missing),
 * hashing it on the way, and fsyncs it. Fills copy; on failure sets the error
 * and leaves nothing behind. */
static gboolean
copy_into_library(const char *path, const char *library_dir, const char *extension,
                  TempCopy *copy, GError **error)
{
  g_autoptr(GChecksum) checksum = g_checksum_new(G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = g_malloc(COPY_BUFFER_SIZE);
  int in = -1, out = -1;
  int saved = 0;

  in = open_source(path, error);
  if (in < 0)
    return FALSE;
  if (g_mkdir_with_parents(library_dir, 0755) != 0) {
    saved = errno;
    close(in);
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_SYSTEM,
                _("%s: cannot create the library folder %s: %s"), path, library_dir,
                g_strerror(saved));
    return FALSE;
  }
  g_autofree char *name = g_strconcat(".ingest-XXXXXX", extension ? "." : "", extension, NULL);
  copy->path = g_build_filename(library_dir, name, NULL);
  out = g_mkstemp_full(copy->path, O_WRONLY | O_CLOEXEC, 0644);
  if (out < 0) {
    saved = errno;
    g_clear_pointer(&copy->path, g_free);
    close(in);
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_SYSTEM,
                _("%s: cannot write into the library folder %s: %s"), path, library_dir,
                g_strerror(saved));
    return FALSE;
  }

  const char *failed = NULL;  /* which step failed, for the message */
  LoaSpotError code = LOA_SPOT_ERROR_SYSTEM;
  copy->size = 0;
  for (;;) {
    ssize_t n = read(in, buffer, COPY_BUFFER_SIZE);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      saved = errno;
      failed = _("cannot read");
      code = LOA_SPOT_ERROR_IO;
      break;
    }
    if (n == 0)
      break;
    g_checksum_update(checksum, buffer, n);
    if (!write_all(out, buffer, (size_t)n)) {
      saved = errno;
      failed = _("cannot copy into the library folder");
      break;
    }
    copy->size += n;
  }
  if (failed == NULL && fsync(out) != 0) {
    saved = errno;
    failed = _("cannot copy into the library folder");
  }
  if (close(out) != 0 && failed == NULL) {
    saved = errno;
    failed = _("cannot copy into the library folder");
  }
  close(in);
  if (failed != NULL) {
    g_set_error(error, LOA_SPOT_ERROR, code, "%s: %s: %s", path, failed, g_strerror(saved));
    temp_copy_clear(copy);
    return FALSE;
  }
  if (copy->size == 0) {  /* emptied since it was opened */
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO, "%s: %s", path,
                _("the file is empty"));
    temp_copy_clear(copy);
    return FALSE;
  }
  g_strlcpy(copy->sha256, g_checksum_get_string(checksum), sizeof(copy->sha256));
  return TRUE;
}

/* A human description of caps ("Vorbis", "MPEG-4 AAC"), newly allocated. */
static char *
describe_caps(GstCaps *caps)
{
  if (caps == NULL || gst_caps_is_empty(caps) || gst_caps_is_any(caps))
    return g_strdup("");
  char *description = gst_pb_utils_get_codec_description(caps);
  if (description == NULL)
    description = g_strdup(gst_structure_get_name(gst_caps_get_structure(caps, 0)));
  return description;
}

/* Runs GstDiscoverer on the copy at copy_path. path (the supplied file) names
 * it in messages. FALSE with LOA_SPOT_ERROR_NOT_AUDIO (or _SYSTEM) on failure. */
static gboolean
probe_copy(const char *path, const char *copy_path, Probe *probe, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GstDiscoverer) discoverer = gst_discoverer_new(PROBE_TIMEOUT, &local);
  if (discoverer == NULL) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_SYSTEM,
                _("%s: cannot start the GStreamer discoverer: %s"), path, local->message);
    return FALSE;
  }
  g_autofree char *uri = gst_filename_to_uri(copy_path, &local);
  if (uri == NULL) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_SYSTEM, "%s: %s", path, local->message);
    return FALSE;
  }
  g_autoptr(GstDiscovererInfo) info = gst_discoverer_discover_uri(discoverer, uri, &local);
  GstDiscovererResult result = info != NULL ? gst_discoverer_info_get_result(info)
                                            : GST_DISCOVERER_ERROR;
  const char *detail = local != NULL ? local->message : _("unknown error");
  switch (result) {
  case GST_DISCOVERER_OK:
    break;
  case GST_DISCOVERER_TIMEOUT:
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO,
                _("%s: not readable audio: probing it took longer than %d s"), path,
                (int)(PROBE_TIMEOUT / GST_SECOND));
    return FALSE;
  case GST_DISCOVERER_MISSING_PLUGINS:
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO,
                _("%s: no installed GStreamer plugin can decode it (%s)"), path, detail);
    return FALSE;
  case GST_DISCOVERER_URI_INVALID:
  case GST_DISCOVERER_ERROR:
  case GST_DISCOVERER_BUSY:
  default:
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO,
                _("%s: not a readable audio file (%s)"), path, detail);
    return FALSE;
  }

  GList *audio = gst_discoverer_info_get_audio_streams(info);
  if (audio == NULL) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO, _("%s: no audio stream"), path);
    return FALSE;
  }
  GstDiscovererAudioInfo *stream = audio->data;
  probe->sample_rate = (int)gst_discoverer_audio_info_get_sample_rate(stream);
  probe->channels = (int)gst_discoverer_audio_info_get_channels(stream);
  g_autoptr(GstCaps) stream_caps =
    gst_discoverer_stream_info_get_caps(GST_DISCOVERER_STREAM_INFO(stream));
  gst_discoverer_stream_info_list_free(audio);
  g_autoptr(GstDiscovererStreamInfo) top = gst_discoverer_info_get_stream_info(info);
  g_autoptr(GstCaps) top_caps = top != NULL ? gst_discoverer_stream_info_get_caps(top) : NULL;

  const GstStructure *stream_format =
    stream_caps != NULL && !gst_caps_is_empty(stream_caps) ? gst_caps_get_structure(stream_caps, 0)
                                                           : NULL;
  const GstStructure *top_format =
    top_caps != NULL && !gst_caps_is_empty(top_caps) ? gst_caps_get_structure(top_caps, 0) : NULL;
  int mpeg_version = 0;
  /* A WAV or AIFF file whose parser outputs PCM shows the file type as its
   * stream: the codec is then named after the decoded PCM format. */
  gboolean pcm = stream_format != NULL && (gst_structure_has_name(stream_format, "audio/x-wav") ||
                                           gst_structure_has_name(stream_format, "audio/x-aiff") ||
                                           gst_structure_has_name(stream_format, "audio/x-raw"));
  probe->codec = pcm ? NULL : describe_caps(stream_caps);
  if (top != NULL && GST_IS_DISCOVERER_CONTAINER_INFO(top))
    probe->container = describe_caps(top_caps);
  else if (pcm)
    probe->container = describe_caps(stream_caps);
  else  /* a bare stream (MP3, FLAC, ADTS AAC) is its own container */
    probe->container = g_strdup(probe->codec);

  if (top_format != NULL && gst_structure_has_name(top_format, "audio/x-wav"))
    probe->format = FORMAT_WAV;
  else if (top_format != NULL && (gst_structure_has_name(top_format, "audio/ogg") ||
                                  gst_structure_has_name(top_format, "application/ogg")))
    probe->format = FORMAT_OGG;
  else if (stream_format != NULL && gst_structure_has_name(stream_format, "audio/mpeg") &&
           gst_structure_get_int(stream_format, "mpegversion", &mpeg_version) &&
           mpeg_version == 1 &&
           (top == NULL || !GST_IS_DISCOVERER_CONTAINER_INFO(top)))
    probe->format = FORMAT_MPEG_AUDIO;
  else if (top_format != NULL && gst_structure_has_name(top_format, "audio/x-flac"))
    probe->format = FORMAT_FLAC;
  probe->exact_length = pcm || probe->format == FORMAT_FLAC;

  probe->duration = gst_discoverer_info_get_duration(info);
  if (!GST_CLOCK_TIME_IS_VALID(probe->duration) || probe->duration == 0) {
    /* A truncated MP3 without a seek table shows this. */
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO,
                _("%s: the file declares no duration (truncated or damaged?)"), path);
    return FALSE;
  }
  if (probe->sample_rate <= 0 || probe->channels <= 0) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO,
                _("%s: the audio stream has no sample rate or channel count"), path);
    return FALSE;
  }
  return TRUE;
}

/* Runs the structure check for probe->format on the copy. FALSE with
 * LOA_SPOT_ERROR_NOT_AUDIO if the file is cut or damaged. */
static gboolean
check_structure(const char *path, const char *copy_path, const Probe *probe, GError **error)
{
  if (probe->format == FORMAT_OTHER || probe->format == FORMAT_FLAC)
    return TRUE;
  g_autoptr(GError) local = NULL;
  g_autoptr(GMappedFile) mapped = g_mapped_file_new(copy_path, FALSE, &local);
  if (mapped == NULL) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_SYSTEM, "%s: %s", path, local->message);
    return FALSE;
  }
  const guint8 *data = (const guint8 *)g_mapped_file_get_contents(mapped);
  gsize size = g_mapped_file_get_length(mapped);
  g_autofree char *reason = NULL;
  switch (probe->format) {
  case FORMAT_WAV: reason = loa_framing_check_wav(data, size); break;
  case FORMAT_OGG: reason = loa_framing_check_ogg(data, size); break;
  case FORMAT_MPEG_AUDIO: reason = loa_framing_check_mpeg_audio(data, size); break;
  case FORMAT_FLAC:
  case FORMAT_OTHER: break;
  }
  if (reason != NULL) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO, "%s: %s", path, reason);
    return FALSE;
  }
  return TRUE;
}

/* Clips one decoded buffer to the segment as a sink would clip it (this
 * drops e.g. the AAC priming samples an MP4 edit list marks) and adds its
 * frames to the count and the loudness. Takes buffer; returns what is left
 * of it, or NULL if nothing is. Before the first caps, buffer is returned
 * as it is and not counted. */
static GstBuffer *
count_buffer(Decode *decode, GstBuffer *buffer)
{
  if (!decode->have_info)
    return buffer;
  GstBuffer *clipped = gst_audio_buffer_clip(buffer, &decode->segment,
                                             GST_AUDIO_INFO_RATE(&decode->info),
                                             GST_AUDIO_INFO_BPF(&decode->info));
  if (clipped == NULL)
    return NULL;
  /* A planar buffer (FFmpeg's AAC decoder gives F32 planar) is clipped by
   * its audio meta: its memory keeps the clipped samples. */
  GstAudioMeta *meta = gst_buffer_get_audio_meta(clipped);
  decode->frames += meta != NULL ? (gint64)meta->samples
                                 : (gint64)(gst_buffer_get_size(clipped) /
                                            GST_AUDIO_INFO_BPF(&decode->info));
  if (decode->loudness != NULL && decode->loudness_error == NULL && !decode->format_changed &&
      !loa_loudness_add_buffer(decode->loudness, clipped, &decode->loudness_error))
    g_clear_pointer(&decode->loudness, loa_loudness_free);
  return clipped;
}

/* Counts the decoded stream and passes on only what was counted, so the air
 * copy downstream holds exactly the counted frames. */
static GstPadProbeReturn
on_decoded_data(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Decode *decode = data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    /* The probe owns the buffer it hands on; count_buffer() takes one. */
    GstBuffer *clipped = count_buffer(decode, GST_PAD_PROBE_INFO_BUFFER(info));
    GST_PAD_PROBE_INFO_DATA(info) = clipped;
    return clipped != NULL ? GST_PAD_PROBE_OK : GST_PAD_PROBE_HANDLED;
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    GstBufferList *kept = gst_buffer_list_new();
    for (guint i = 0; i < gst_buffer_list_length(list); i++) {
      GstBuffer *clipped = count_buffer(decode, gst_buffer_ref(gst_buffer_list_get(list, i)));
      if (clipped != NULL)
        gst_buffer_list_add(kept, clipped);
    }
    gst_buffer_list_unref(list);
    if (gst_buffer_list_length(kept) == 0) {
      gst_buffer_list_unref(kept);
      GST_PAD_PROBE_INFO_DATA(info) = NULL;
      return GST_PAD_PROBE_HANDLED;
    }
    GST_PAD_PROBE_INFO_DATA(info) = kept;
  } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
    if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
      GstCaps *caps = NULL;
      GstAudioInfo format;
      gst_event_parse_caps(event, &caps);
      if (gst_audio_info_from_caps(&format, caps)) {
        if (decode->have_info &&
            (GST_AUDIO_INFO_RATE(&format) != GST_AUDIO_INFO_RATE(&decode->info) ||
             GST_AUDIO_INFO_CHANNELS(&format) != GST_AUDIO_INFO_CHANNELS(&decode->info)))
          decode->format_changed = TRUE;
        decode->info = format;
        if (!decode->have_info && decode->loudness_error == NULL)
          decode->loudness = loa_loudness_new(&format, decode->silence_db,
                                              &decode->loudness_error);
        decode->have_info = TRUE;
      }
    } else if (GST_EVENT_TYPE(event) == GST_EVENT_SEGMENT) {
      gst_event_copy_segment(event, &decode->segment);
    }
  }
  return GST_PAD_PROBE_OK;
}

/* decodebin exposed a stream: every stream goes to a sink (an unlinked pad
 * would stop the pipeline). The first audio stream is counted, and written
 * as the air copy if one is asked for; the others go to fakesinks. */
static void
on_pad_added(GstElement *decodebin, GstPad *pad, gpointer data)
{
  Decode *decode = data;
  g_autoptr(GstElement) pipeline = GST_ELEMENT(gst_element_get_parent(decodebin));
  if (pipeline == NULL)
    return;

  g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
  if (caps == NULL)
    caps = gst_pad_query_caps(pad, NULL);
  const char *media = gst_caps_get_size(caps) > 0
                        ? gst_structure_get_name(gst_caps_get_structure(caps, 0))
                        : "";
  gboolean counted = decode->counted == NULL && g_str_has_prefix(media, "audio/");
  GstElement *sink = NULL;
  if (counted && decode->air_path != NULL) {
    sink = loa_air_copy_sink_new(decode->air_path, &decode->air_error);
    if (sink == NULL) {
      GST_ELEMENT_ERROR(decodebin, CORE, MISSING_PLUGIN, ("%s", decode->air_error->message),
                        (NULL));
      return;
    }
  } else {
    sink = gst_element_factory_make("fakesink", NULL);
    if (sink == NULL) {
      GST_ELEMENT_ERROR(decodebin, CORE, MISSING_PLUGIN, ("fakesink is missing"), (NULL));
      return;
    }
    g_object_set(sink, "sync", FALSE, NULL);
  }
  gst_bin_add(GST_BIN(pipeline), sink);
  GstPad *sink_pad = gst_element_get_static_pad(sink, "sink");

  if (counted) {
    decode->counted = sink_pad;  /* the pipeline keeps it alive */
    gst_pad_add_probe(sink_pad,
                      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST |
                        GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                      on_decoded_data, decode, NULL);
  }
  if (gst_pad_link(pad, sink_pad) != GST_PAD_LINK_OK)
    GST_ELEMENT_ERROR(decodebin, CORE, PAD, ("cannot link a decoded stream"), (NULL));
  gst_element_sync_state_with_parent(sink);
  gst_object_unref(sink_pad);
}

/* Any element decodebin plugs: an audio decoder is told to fail at its first
 * decoding error. By default (max-errors -1) decoders skip frames they cannot
 * decode and say so only in the debug log; for a spot that will air, a
 * skipped frame is damage. */
static void
on_element_added(GstBin *bin, GstBin *sub_bin, GstElement *element, gpointer data)
{
  if (GST_IS_AUDIO_DECODER(element) &&
      g_object_class_find_property(G_OBJECT_GET_CLASS(element), "max-errors") != NULL)
    g_object_set(element, "max-errors", 0, NULL);
}

/* Decodes the copy at copy_path to the end, counting frames into decode.
 * FALSE with LOA_SPOT_ERROR_NOT_AUDIO if decoding reports an error or a
 * decoder warns about damaged data, _SYSTEM if the pipeline cannot be built. */
static gboolean
decode_copy(const char *path, const char *copy_path, GstClockTime expected, Decode *decode,
            GError **error)
{
  g_autoptr(GstElement) pipeline = gst_pipeline_new("loa-ingest-decode");
  GstElement *source = gst_element_factory_make("filesrc", NULL);
  GstElement *decodebin = gst_element_factory_make("decodebin", NULL);
  gboolean ok = FALSE;

  if (source == NULL || decodebin == NULL) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_SYSTEM,
                _("%s: cannot decode: the GStreamer elements filesrc and decodebin are missing"),
                path);
    g_clear_object(&source);
    g_clear_object(&decodebin);
    return FALSE;
  }
  g_object_set(source, "location", copy_path, NULL);
  gst_bin_add_many(GST_BIN(pipeline), source, decodebin, NULL);
  if (!gst_element_link(source, decodebin)) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_SYSTEM,
                _("%s: cannot decode: cannot link filesrc to decodebin"), path);
    return FALSE;
  }
  gst_segment_init(&decode->segment, GST_FORMAT_TIME);
  g_signal_connect(decodebin, "pad-added", G_CALLBACK(on_pad_added), decode);
  loa_decoders_watch(decodebin);
  g_signal_connect(pipeline, "deep-element-added", G_CALLBACK(on_element_added), NULL);

  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  GstClockTime per_second = DECODE_TIMEOUT_PER_AUDIO_SECOND;
  GstClockTime timeout = DECODE_TIMEOUT_BASE + gst_util_uint64_scale(expected, per_second,
                                                                     GST_SECOND);
  gint64 deadline = g_get_monotonic_time() + (gint64)(timeout / GST_USECOND);

  switch (gst_element_set_state(pipeline, GST_STATE_PLAYING)) {
  case GST_STATE_CHANGE_FAILURE:
    /* The reason is on the bus as an ERROR message; the loop below reads it. */
  case GST_STATE_CHANGE_SUCCESS:
  case GST_STATE_CHANGE_ASYNC:
  case GST_STATE_CHANGE_NO_PREROLL:
    break;
  }

  for (;;) {
    gint64 left = deadline - g_get_monotonic_time();
    GstMessageType types = GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING;
    g_autoptr(GstMessage) message =
      left > 0 ? gst_bus_timed_pop_filtered(bus, (GstClockTime)left * GST_USECOND, types) : NULL;
    if (message == NULL) {
      g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO,
                  _("%s: decoding did not finish within %d s"), path, (int)(timeout / GST_SECOND));
      break;
    }
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS) {
      ok = TRUE;
      break;
    }
    g_autoptr(GError) gst_error = NULL;
    g_autofree char *debug = NULL;
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
      gst_message_parse_error(message, &gst_error, &debug);
      g_debug("%s: decode error: %s (%s)", path, gst_error->message, debug ? debug : "");
      g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO,
                  _("%s: damaged audio: decoding failed (%s)"), path, gst_error->message);
      break;
    }
    gst_message_parse_warning(message, &gst_error, &debug);
    g_debug("%s: decode warning from %s: %s (%s)", path, GST_MESSAGE_SRC_NAME(message),
            gst_error->message, debug ? debug : "");
    /* A decoder that warns has met something it could not use. */
    if (GST_IS_AUDIO_DECODER(GST_MESSAGE_SRC(message))) {
      g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO,
                  _("%s: damaged audio: the decoder skipped data (%s)"), path, gst_error->message);
      break;
    }
  }

  switch (gst_element_set_state(pipeline, GST_STATE_NULL)) {
  case GST_STATE_CHANGE_FAILURE:
    g_warning("%s: the decode pipeline did not stop cleanly", path);
    break;
  case GST_STATE_CHANGE_SUCCESS:
  case GST_STATE_CHANGE_ASYNC:
  case GST_STATE_CHANGE_NO_PREROLL:
    break;
  }
  return ok;
}

/* Checks the decode against the probe. FALSE with LOA_SPOT_ERROR_NOT_AUDIO. */
static gboolean
check_decode(const char *path, const Probe *probe, const Decode *decode, GError **error)
{
  if (decode->counted == NULL || !decode->have_info || decode->frames == 0) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO,
                _("%s: damaged audio: decoding produced no sound"), path);
    return FALSE;
  }
  if (decode->format_changed) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO,
                _("%s: the sample rate or channel count changes within the file"), path);
    return FALSE;
  }
  GstClockTime decoded = gst_util_uint64_scale(decode->frames, GST_SECOND,
                                               GST_AUDIO_INFO_RATE(&decode->info));
  GstClockTime tolerance = MAX(DURATION_TOLERANCE_MIN,
                               probe->duration / 100 * DURATION_TOLERANCE_PERCENT);
  if (probe->exact_length)
    tolerance = DURATION_TOLERANCE_EXACT;
  GstClockTime difference = decoded > probe->duration ? decoded - probe->duration
                                                      : probe->duration - decoded;
  if (difference > tolerance) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO,
                _("%s: damaged or truncated: it declares %.3f s but decodes to %.3f s"), path,
                (double)probe->duration / GST_SECOND, (double)decoded / GST_SECOND);
    return FALSE;
  }
  return TRUE;
}

/* Renames the copy (and the air copy, if air->path is set) to their final
 * names and inserts the row, in one transaction. On failure the files are
 * removed again and the transaction rolled back. */
static gboolean
commit_spot(sqlite3 *db, const char *path, const char *library_dir, TempCopy *copy,
            TempCopy *air, const LoaSpot *spot, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *final_path = loa_spot_path(spot, library_dir);
  g_autofree char *final_air = loa_spot_air_path(spot, library_dir);

  if (!loa_db_begin(db, &local)) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_DB, "%s: %s", path, local->message);
    return FALSE;
  }
  /* A file already at final_path is not in the catalog (file_name is unique
   * and derived from the unused id), so it is debris of an ingest that died
   * between rename and commit; replacing it is right. So is an air copy. */
  if (rename(copy->path, final_path) != 0) {
    int saved = errno;
    loa_db_rollback(db);
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_SYSTEM,
                _("%s: cannot rename the copy to %s: %s"), path, final_path, g_strerror(saved));
    return FALSE;
  }
  g_clear_pointer(&copy->path, g_free);
  if (air->path != NULL && final_air != NULL) {
    if (rename(air->path, final_air) != 0) {
      int saved = errno;
      g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_SYSTEM,
                  _("%s: cannot rename the air copy to %s: %s"), path, final_air,
                  g_strerror(saved));
      g_clear_pointer(&final_air, g_free);  /* not there: nothing of it to remove */
      goto fail;
    }
    g_clear_pointer(&air->path, g_free);
  }

  if (!loa_spot_insert(db, spot, &local)) {
    g_set_error(error, LOA_SPOT_ERROR, local->code, "%s: %s", path, local->message);
    goto fail;
  }
  if (!sync_folder(library_dir)) {
    int saved = errno;
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_SYSTEM,
                _("%s: cannot sync the library folder %s: %s"), path, library_dir,
                g_strerror(saved));
    goto fail;
  }
  if (!loa_db_commit(db, &local)) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_DB, "%s: %s", path, local->message);
    goto fail;
  }
  return TRUE;

fail:
  g_unlink(final_path);
  if (final_air != NULL)
    g_unlink(final_air);
  loa_db_rollback(db);
  return FALSE;
}

/* Where the audio the encoder was given lies in the decode of an MP3 whose
 * LAME tag says (mp3-gapless.h): TRUE with [*start, *end) in decoded frames.
 * FALSE, with nothing set, for any other file, for a tag that fails its
 * checks, and for a decode whose length fits neither the untrimmed nor the
 * trimmed stream: the decode is then taken as it is. */
static gboolean
mp3_audio_bounds(const char *path, const char *copy_path, const Probe *probe,
                 const Decode *decode, gint64 *start, gint64 *end)
{
  if (probe->format != FORMAT_MPEG_AUDIO)
    return FALSE;
  g_autoptr(GError) local = NULL;
  g_autoptr(GMappedFile) mapped = g_mapped_file_new(copy_path, FALSE, &local);
  if (mapped == NULL) {
    g_debug("%s: cannot read its LAME tag: %s", path, local->message);
    return FALSE;
  }
  LoaMp3Gapless gapless;
  LoaMp3GaplessStatus status =
    loa_mp3_gapless_read((const guint8 *)g_mapped_file_get_contents(mapped),
                         g_mapped_file_get_length(mapped), &gapless);
  if (status == LOA_MP3_GAPLESS_INVALID)
    g_debug("%s: its LAME tag fails its CRC or is inconsistent: ignored", path);
  if (status != LOA_MP3_GAPLESS_FOUND)
    return FALSE;
  if (gapless.sample_rate != GST_AUDIO_INFO_RATE(&decode->info) ||
      !loa_mp3_gapless_bounds(&gapless, decode->frames, start, end)) {
    g_debug("%s: LAME tag (%s: %" PRId64 " frames of %u, delay %u, padding %u, %d Hz) does not "
            "fit the decode (%" PRId64 " frames at %d Hz): ignored",
            path, gapless.encoder, gapless.frames, gapless.samples_per_frame,
            gapless.encoder_delay, gapless.encoder_padding, gapless.sample_rate, decode->frames,
            GST_AUDIO_INFO_RATE(&decode->info));
    return FALSE;
  }
  g_debug("%s: LAME tag (%s, delay %u, padding %u): the audio is decoded frames "
          "[%" PRId64 ", %" PRId64 ") of %" PRId64,
          path, gapless.encoder, gapless.encoder_delay, gapless.encoder_padding, *start, *end,
          decode->frames);
  return TRUE;
}

/* Takes the measurement out of decode into spot, with the cues inside the
 * decoded frames [audio_start, audio_end). FALSE with LOA_SPOT_ERROR_NOT_AUDIO
 * if it failed or nothing in there is above the silence threshold. */
static gboolean
take_measurement(const char *path, const Decode *decode, gint64 audio_start, gint64 audio_end,
                 LoaSpot *spot, GError **error)
{
  if (decode->loudness == NULL) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO,
                _("%s: cannot measure its loudness: %s"), path,
                decode->loudness_error != NULL ? decode->loudness_error->message : "?");
    return FALSE;
  }
  LoaLoudnessResult result;
  loa_loudness_get(decode->loudness, &result);
  /* Silence cues can only move the audio's bounds inward. */
  gint64 cue_in = MAX(result.cue_in_frame, audio_start);
  gint64 cue_out = MIN(result.cue_out_frame, audio_end);
  if (cue_out <= cue_in) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO,
                _("%s: the audio is silent (nothing above %.0f dBFS)"), path, decode->silence_db);
    return FALSE;
  }
  int rate = GST_AUDIO_INFO_RATE(&decode->info);
  spot->loudness_lufs = result.integrated_lufs;
  spot->loudness_range_lu = result.range_lu;
  spot->true_peak_dbtp = result.true_peak_dbtp;
  /* Rounded up, so that the engine's conversion back to frames (ns × rate,
   * rounded down) lands on this very frame at this rate. */
  spot->cue_in_ns = (gint64)gst_util_uint64_scale_ceil(cue_in, GST_SECOND, rate);
  spot->cue_out_ns = (gint64)gst_util_uint64_scale_ceil(cue_out, GST_SECOND, rate);
  return TRUE;
}

gboolean
loa_ingest_measure(const char *path, double silence_db, LoaLoudnessResult *result,
                   GError **error)
{
  g_auto(Decode) decode = { .silence_db = silence_db };
  /* No probe: the length is unknown, so the decode may take up to a day. */
  if (!decode_copy(path, path, 24 * 3600 * GST_SECOND, &decode, error))
    return FALSE;
  if (decode.loudness == NULL) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO,
                _("%s: cannot measure its loudness: %s"), path,
                decode.loudness_error != NULL ? decode.loudness_error->message
                                              : _("no audio decoded"));
    return FALSE;
  }
  loa_loudness_get(decode.loudness, result);
  return TRUE;
}

gboolean
loa_ingest_make_air_copy(sqlite3 *db, const char *library_dir, const LoaSpot *spot,
                         gboolean *made, GError **error)
{
  *made = FALSE;
  if (spot->air_file_name != NULL)
    return TRUE;
  gst_pb_utils_init();
  g_autofree char *path = loa_spot_path(spot, library_dir);
  g_autoptr(GError) local = NULL;

  /* What is decoded must be what was added and approved. */
  char sha256[65];
  if (!loa_spot_hash_file(path, sha256, &local)) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_IO, _("spot %s: %s"), spot->id,
                local->message);
    return FALSE;
  }
  if (strcmp(sha256, spot->sha256) != 0) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_STATE,
                _("spot %s: its library file %s changed since it was added; no air copy is "
                  "made"), spot->id, path);
    return FALSE;
  }
  g_auto(Probe) probe = { 0 };
  if (!probe_copy(path, path, &probe, error))
    return FALSE;
  if (probe.codec == NULL)
    return TRUE;

  g_auto(TempCopy) air = { 0 };
  air.path = loa_air_copy_temp_new(library_dir, path, error);
  if (air.path == NULL)
    return FALSE;
  /* The measurements are not taken again: only the frames matter here. */
  g_auto(Decode) decode = { .silence_db = -50.0, .air_path = air.path };
  if (!decode_copy(path, path, probe.duration, &decode, error))
    return FALSE;
  if (!decode.have_info || decode.frames != spot->frames ||
      GST_AUDIO_INFO_RATE(&decode.info) != spot->sample_rate ||
      GST_AUDIO_INFO_CHANNELS(&decode.info) != spot->channels) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_STATE,
                _("spot %s: its library file now decodes to %" PRId64 " frames at %d Hz, "
                  "%d channels, not the %" PRId64 " frames at %d Hz, %d channels it had when "
                  "added; no air copy is made (its cues would not fit)"),
                spot->id, decode.frames, GST_AUDIO_INFO_RATE(&decode.info),
                GST_AUDIO_INFO_CHANNELS(&decode.info), spot->frames, spot->sample_rate,
                spot->channels);
    return FALSE;
  }
  gint64 mtime = 0;
  if (!loa_air_copy_finish(air.path, path, decode.frames, spot->channels, air.sha256, &air.size,
                           &mtime, error))
    return FALSE;

  g_autofree char *name = loa_air_copy_name(spot->file_name);
  g_autofree char *final_path = g_build_filename(library_dir, name, NULL);
  if (!loa_db_begin(db, &local)) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_DB, "%s: %s", path, local->message);
    return FALSE;
  }
  /* A file at final_path is not recorded (the row has no copy): debris of a
   * run that died between rename and commit. */
  if (rename(air.path, final_path) != 0) {
    int saved = errno;
    loa_db_rollback(db);
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_SYSTEM,
                _("%s: cannot rename the air copy to %s: %s"), path, final_path,
                g_strerror(saved));
    return FALSE;
  }
  g_clear_pointer(&air.path, g_free);
  if (!loa_spot_set_air_copy(db, spot->id, spot->sha256, name, air.sha256, air.size, mtime,
                             error))
    goto fail;
  if (!sync_folder(library_dir)) {
    int saved = errno;
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_SYSTEM,
                _("%s: cannot sync the library folder %s: %s"), path, library_dir,
                g_strerror(saved));
    goto fail;
  }
  if (!loa_db_commit(db, &local)) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_DB, "%s: %s", path, local->message);
    goto fail;
  }
  *made = TRUE;
  return TRUE;

fail:
  g_unlink(final_path);
  loa_db_rollback(db);
  return FALSE;
}

LoaSpot *
loa_ingest_file(sqlite3 *db, const char *library_dir, const char *path, const LoaIngestMeta *meta,
                const LoaIngestOptions *options, gboolean *existing, GError **error)
{
  static const LoaIngestMeta no_meta = { 0 };
  static const LoaIngestOptions default_options = LOA_INGEST_OPTIONS_DEFAULT;
  g_autoptr(LoaSpot) spot = g_new0(LoaSpot, 1);
  g_auto(TempCopy) copy = { 0 };
  g_auto(Probe) probe = { 0 };
  if (options == NULL)
    options = &default_options;
  g_auto(Decode) decode = { .silence_db = options->silence_db };
  g_autoptr(GError) local = NULL;

  if (existing != NULL)
    *existing = FALSE;
  gst_pb_utils_init();

  /* Cheap checks first: bad metadata is refused before anything is copied. */
  if (!take_metadata(path, meta != NULL ? meta : &no_meta, spot, error))
    return NULL;
  g_autofree char *extension = plain_extension(path);
  if (!copy_into_library(path, library_dir, extension, &copy, error))
    return NULL;

  LoaSpot *same = loa_spot_find_by_sha256(db, copy.sha256, &local);
  if (same != NULL) {
    if (existing != NULL)
      *existing = TRUE;
    return same;  /* the cleanup removes the copy */
  }
  if (local != NULL) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_DB, "%s: %s", path, local->message);
    return NULL;
  }

  if (spot->id == NULL)
    spot->id = g_strdup_printf("S-%.8s", copy.sha256);
  g_autoptr(LoaSpot) taken = loa_spot_get(db, spot->id, &local);
  if (taken != NULL || !g_error_matches(local, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_FOUND)) {
    if (taken != NULL)
      g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_EXISTS,
                  _("%s: the id '%s' is already used by another spot"), path, spot->id);
    else
      g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_DB, "%s: %s", path, local->message);
    return NULL;
  }

  if (!probe_copy(path, copy.path, &probe, error) ||
      !check_structure(path, copy.path, &probe, error))
    return NULL;
  /* MP3: the stored frames and duration are the decode as the engine decodes
   * it (decodebin: mpegaudioparse ! avdec_mp3 on Debian 12), and the cues say
   * where in it to air. GStreamer 1.22 trims an MP3's encoder delay and
   * padding only when its LAME tag's encoder string starts with "LAME"; a
   * file from ffmpeg ("Lavc...") decodes untrimmed, its first sample of
   * audio LOA_MP3_DECODER_DELAY + the encoder delay (1105 for libmp3lame)
   * frames in and its padding decoded after it. The contract: when the LAME
   * tag (mp3-gapless.h) passes its CRC and the decoded length is exactly the
   * trimmed or the untrimmed stream, cue-in is at or after the first frame of
   * the encoded audio and cue-out at or before one past its last, so a spot
   * airs exactly the audio that was encoded; only silence moves them further
   * in. Without a usable tag (none, VBRI, a length that fits neither) the
   * cues are the silence cues alone, as for any other format. */
  /* A file that needs a decoder gets an air copy; PCM airs as it is. */
  g_auto(TempCopy) air = { 0 };
  if (probe.codec != NULL) {
    air.path = loa_air_copy_temp_new(library_dir, path, error);
    if (air.path == NULL)
      return NULL;
    decode.air_path = air.path;
  }
  if (!decode_copy(path, copy.path, probe.duration, &decode, error))
    return NULL;
  if (!check_decode(path, &probe, &decode, error))
    return NULL;
  gint64 air_mtime = 0;
  if (air.path != NULL &&
      !loa_air_copy_finish(air.path, path, decode.frames, GST_AUDIO_INFO_CHANNELS(&decode.info),
                           air.sha256, &air.size, &air_mtime, error))
    return NULL;
  gint64 audio_start = 0, audio_end = decode.frames;  /* all of it, unless a LAME tag says */
  mp3_audio_bounds(path, copy.path, &probe, &decode, &audio_start, &audio_end);
  if (!take_measurement(path, &decode, audio_start, audio_end, spot, error))
    return NULL;

  g_autofree char *sha_prefix = g_strndup(copy.sha256, 8);
  spot->original_name = meta != NULL && meta->original_name != NULL
                          ? g_strdup(meta->original_name)
                          : g_filename_display_basename(path);
  spot->file_name = g_strconcat(spot->id, "-", sha_prefix, extension ? "." : "", extension, NULL);
  spot->sha256 = g_strdup(copy.sha256);
  spot->file_size = copy.size;
  if (air.path != NULL) {
    spot->air_file_name = loa_air_copy_name(spot->file_name);
    spot->air_sha256 = g_strdup(air.sha256);
    spot->air_file_size = air.size;
    spot->air_mtime_ns = air_mtime;
  }
  spot->container = g_strdup(probe.container);
  if (probe.codec != NULL)
    spot->codec = g_strdup(probe.codec);
  else {
    g_autoptr(GstCaps) decoded = gst_audio_info_to_caps(&decode.info);
    spot->codec = describe_caps(decoded);
  }
  /* The decoded format is what will air; it can differ from the declared one
   * (HE-AAC declares the core rate, decodes at twice that). */
  spot->sample_rate = GST_AUDIO_INFO_RATE(&decode.info);
  spot->channels = GST_AUDIO_INFO_CHANNELS(&decode.info);
  spot->frames = decode.frames;
  spot->duration_ns = (gint64)gst_util_uint64_scale(decode.frames, GST_SECOND, spot->sample_rate);
  spot->added_at = loa_time_now_wall_ns();
  if (options->approve) {
    spot->status = g_strdup("approved");
    spot->approved_by = g_strdup(spot->added_by);
    spot->approved_at = spot->added_at;
  } else {
    spot->status = g_strdup("submitted");
  }
  /* The copy's mtime survives the rename: it is the one air-time checks compare. */
  struct stat st;
  if (stat(copy.path, &st) == 0)
    spot->file_mtime_ns = (gint64)st.st_mtim.tv_sec * GST_SECOND + st.st_mtim.tv_nsec;

  if (!commit_spot(db, path, library_dir, &copy, &air, spot, error))
    return NULL;
  g_debug("spot %s added from %s (%s, %d Hz, %d ch, %" PRId64 " frames)", spot->id,
          spot->original_name, spot->codec, spot->sample_rate, spot->channels, spot->frames);
  return g_steal_pointer(&spot);
}
