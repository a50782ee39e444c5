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
 * encoded, whether or not the decoder trimmed the encoder's delay and padding.
 * The same decode also writes the air copy (air-copy.h) of a compressed file.
 * The probe and the decode are in ingest-decode.c. */
#define G_LOG_DOMAIN "loa-library"

#include "ingest.h"

#include "air-copy.h"
#include "ingest-decode.h"
#include "loudness.h"
#include "mp3-gapless.h"
#include "spot-airable.h"

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

#define COPY_BUFFER_SIZE (64 * 1024)
#define EXTENSION_MAX 10

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

/* Makes the renames into library_dir durable, then commits. FALSE with the
 * error set (path names the file); the caller removes the renamed files and
 * rolls back. */
static gboolean
sync_and_commit(sqlite3 *db, const char *path, const char *library_dir, GError **error)
{
  g_autoptr(GError) local = NULL;
  if (!sync_folder(library_dir)) {
    int saved = errno;
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_SYSTEM,
                _("%s: cannot sync the library folder %s: %s"), path, library_dir,
                g_strerror(saved));
    return FALSE;
  }
  if (!loa_db_commit(db, &local)) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_DB, "%s: %s", path, local->message);
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
  if (!sync_and_commit(db, path, library_dir, error))
    goto fail;
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
  /* The tail padding (ingest-decode.c) stands in for audio that did not
   * decode: audio that sounds up to where decoding stopped airs through it,
   * or the cue would cut the padding off again. */
  if (decode->padded > 0 && cue_out == decode->frames - decode->padded &&
      audio_end >= decode->frames)
    cue_out = decode->frames;
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
  if (!ingest_decode_copy(path, path, 24 * 3600 * GST_SECOND, &decode, error))
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
  if (!ingest_probe_copy(path, path, &probe, error))
    return FALSE;
  if (probe.codec == NULL)
    return TRUE;

  g_auto(TempCopy) air = { 0 };
  air.path = loa_air_copy_temp_new(library_dir, path, error);
  if (air.path == NULL)
    return FALSE;
  /* The measurements are not taken again: only the frames matter here. */
  /* No tail padding: the catalog's frames were counted without it. */
  g_auto(Decode) decode = { .silence_db = -50.0, .air_path = air.path,
                            .end = GST_CLOCK_TIME_NONE };
  if (!ingest_decode_copy(path, path, probe.duration, &decode, error))
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
  if (!sync_and_commit(db, path, library_dir, error))
    goto fail;
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
  g_auto(Decode) decode = { .silence_db = options->silence_db, .end = GST_CLOCK_TIME_NONE };
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

  if (!ingest_probe_copy(path, copy.path, &probe, error) ||
      !ingest_check_structure(path, copy.path, &probe, error))
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
  if (probe.codec != NULL && !options->no_air_copy) {
    air.path = loa_air_copy_temp_new(library_dir, path, error);
    if (air.path == NULL)
      return NULL;
    decode.air_path = air.path;
    decode.pad_tail = TRUE;
  }
  if (!ingest_decode_copy(path, copy.path, probe.duration, &decode, error))
    return NULL;
  if (!ingest_check_decode(path, &probe, &decode, error))
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
    spot->codec = ingest_describe_caps(decoded);
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
  if (decode.padded > 0)
    g_debug("spot %s: its last %" PRId64 " frames did not decode; its air copy ends in as "
            "much silence, to the length the file declares", spot->id, decode.padded);
  g_debug("spot %s added from %s (%s, %d Hz, %d ch, %" PRId64 " frames)", spot->id,
          spot->original_name, spot->codec, spot->sample_rate, spot->channels, spot->frames);
  return g_steal_pointer(&spot);
}
