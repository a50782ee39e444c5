/* Ingest: turns a file supplied by a culture office into a spot.
 *
 * The file is first copied into the library folder under a temporary name
 * (hashing it on the way), so what is probed and verified is exactly what will
 * air; GstDiscoverer probes it (duration, rate, channels, codec) and a full
 * decode counts its frames, which catches truncated or damaged files the probe
 * misses. Only then is it renamed into place and the row inserted, in one
 * transaction. On any failure nothing is left behind: no row, no file.
 * The decode also measures loudness (EBU R128) and finds the cues. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "loudness.h"
#include "spot.h"

/* Metadata given by the user; NULL fields take defaults. */
typedef struct {
  const char *id;        /* NULL: generated ("S-" + first 8 hex digits of the SHA-256) */
  const char *title;     /* NULL: "" */
  const char *category;  /* NULL: "other" */
  const char *topic;     /* NULL: "" */
  const char *language;  /* NULL: "vi" */
  const char *supplier;  /* NULL: "" */
  const char *added_by;  /* NULL: the current user name */
  const char *notes;     /* NULL: ""; may hold line breaks */
  const char *valid_from;   /* "YYYY-MM-DD", first day it may air; NULL: no limit */
  const char *valid_until;  /* "YYYY-MM-DD", last day it may air; NULL: no limit */
  const char *tags;      /* comma-separated; NULL: none */
  const char *bulletin_text; /* the text a spoken bulletin was made from; NULL: none */
  const char *original_name; /* NULL: the base name of the ingested path (set when that
                              * is a temporary file, e.g. speech rendered from text) */
} LoaIngestMeta;

/* How ingest decides, from the station's configuration. */
typedef struct {
  double silence_db;     /* cue_silence_db: leading/trailing audio at or under this is cut */
  gboolean approve;      /* !require_approval: the new spot is approved at once by added_by */
  gboolean no_air_copy;  /* !library.air_copies: a compressed file airs as it is, decoded at
                          * each airing (air-copy.h) */
} LoaIngestOptions;

#define LOA_INGEST_OPTIONS_DEFAULT { .silence_db = -50.0, .approve = FALSE }

/* Ingests path into the catalog. options NULL: LOA_INGEST_OPTIONS_DEFAULT.
 * Returns the new spot (status submitted, or approved if options->approve),
 * measured and cued; if a spot with the same SHA-256 already exists, returns
 * that one and sets *existing = TRUE (nothing is added). Returns NULL with
 * the error set (message names the file and the reason; an all-silent file
 * is refused) and leaves the library and database unchanged. Needs gst_init(). */
LoaSpot *loa_ingest_file(sqlite3 *db, const char *library_dir, const char *path,
                         const LoaIngestMeta *meta, const LoaIngestOptions *options,
                         gboolean *existing, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Makes the air copy (air-copy.h) of a spot added without one (before air
 * copies existed): checks that the library file is still the one added
 * (SHA-256), decodes it as ingest does, and requires exactly spot->frames
 * frames at spot's rate and channels, as the cues were set on those. Sets
 * *made to TRUE if a copy was made and recorded; leaves it FALSE for a spot
 * that has one already or whose file is PCM (it airs as it is). FALSE with
 * the error set (_STATE: file changed or decodes otherwise; _NOT_AUDIO,
 * _SYSTEM, _DB) and nothing left behind. Needs gst_init(). */
gboolean loa_ingest_make_air_copy(sqlite3 *db, const char *library_dir, const LoaSpot *spot,
                                  gboolean *made, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Decodes path as ingest does and measures it (loudness, cues), without
 * copying, probing or cataloguing: for benchmarks and diagnostics. FALSE
 * with LOA_SPOT_ERROR_NOT_AUDIO if it does not decode. Needs gst_init(). */
gboolean loa_ingest_measure(const char *path, double silence_db, LoaLoudnessResult *result,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;
