/* Ingest: turns a file supplied by a culture office into a spot.
 *
 * The file is first copied into the library folder under a temporary name
 * (hashing it on the way), so what is probed and verified is exactly what will
 * air; GstDiscoverer probes it (duration, rate, channels, codec) and a full
 * decode counts its frames, which catches truncated or damaged files the probe
 * misses. Only then is it renamed into place and the row inserted, in one
 * transaction. On any failure nothing is left behind: no row, no file. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

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
} LoaIngestMeta;

/* Ingests path into the catalog. Returns the new spot; if a spot with the same
 * SHA-256 already exists, returns that one and sets *existing = TRUE (nothing
 * is added). Returns NULL with the error set (message names the file and the
 * reason) and leaves the library and database unchanged. Needs gst_init(). */
LoaSpot *loa_ingest_file(sqlite3 *db, const char *library_dir, const char *path,
                         const LoaIngestMeta *meta, gboolean *existing,
                         GError **error) G_GNUC_WARN_UNUSED_RESULT;
