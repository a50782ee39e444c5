/* A spot's air copy: its audio decoded once, at ingest, into a PCM WAV file
 * in the library folder, so that the engine airs it without decoding.
 *
 * Why: a station airs each spot hundreds of times, and decoding Opus, Vorbis,
 * AAC or MP3 at air time was most of what a line cost (bench/load: 8 lines of
 * mixed formats 4.6-5.8 % of a core, of WAV alone 2.3 %). The copy is S16LE at
 * the decoded rate and channel count, which is what the engine's lines carry
 * (S16LE) and so loses nothing that would air. It holds exactly the frames
 * ingest counted (the decoder's output clipped to its segment, as a sink
 * clips it), so the cues ingest found apply to it unchanged.
 *
 * The copy is written beside the library file under a hidden temporary name;
 * ingest renames both into place in the transaction that adds the spot. */
#pragma once

#include <gst/gst.h>

/* Creates an empty hidden file in library_dir for an air copy and returns its
 * path (newly allocated), or NULL with the error set (LOA_SPOT_ERROR_SYSTEM)
 * naming source_path. The caller removes it unless it is renamed into place. */
char *loa_air_copy_temp_new(const char *library_dir, const char *source_path,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* A bin with one sink pad ("sink") that takes raw audio in any format and
 * writes it to path as a 16-bit PCM WAV (audioconvert ! S16LE ! wavenc !
 * filesink). Every buffer that reaches it is written: clipping is the
 * caller's. NULL with the error set if an element is missing. Floating. */
GstElement *loa_air_copy_sink_new(const char *path, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The name of the air copy of a library file named file_name: its stem and
 * ".air.wav" ("ATTT-T01-0a1b2c3d.mp3" -> "ATTT-T01-0a1b2c3d.air.wav").
 * Newly allocated. */
char *loa_air_copy_name(const char *file_name) G_GNUC_WARN_UNUSED_RESULT;

/* After the pipeline that wrote path has stopped: checks that it is a WAV
 * holding at least frames * channels 16-bit samples, fsyncs it and measures
 * it: *sha256 (lowercase hex), *size, *mtime_ns. FALSE with the error set
 * (LOA_SPOT_ERROR_SYSTEM) naming source_path if it cannot be read or synced
 * or is too short. */
gboolean loa_air_copy_finish(const char *path, const char *source_path, gint64 frames,
                             int channels, char sha256[65], gint64 *size, gint64 *mtime_ns,
                             GError **error) G_GNUC_WARN_UNUSED_RESULT;
