/* The spot catalog: what can air. A spot is one audio file copied into the
 * station's library folder, identified by its id and its SHA-256, with the
 * facts measured at ingest. Rows are created only by ingest (ingest.h). */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#define LOA_SPOT_ERROR (loa_spot_error_quark())
GQuark loa_spot_error_quark(void);

typedef enum {
  LOA_SPOT_ERROR_NOT_FOUND,   /* no spot with that id */
  LOA_SPOT_ERROR_INVALID,     /* bad id, category or other metadata */
  LOA_SPOT_ERROR_EXISTS,      /* the id is taken by another spot */
  LOA_SPOT_ERROR_NOT_AUDIO,   /* the file is not decodable audio (empty, truncated, no audio stream...) */
  LOA_SPOT_ERROR_IO,          /* reading or copying the file failed */
  LOA_SPOT_ERROR_DB,          /* the database refused */
  LOA_SPOT_ERROR_SYSTEM,      /* not the file's fault: the library folder cannot be written,
                               * a GStreamer element is missing */
} LoaSpotError;

/* One row of the catalog. All strings owned by the struct. */
typedef struct {
  char *id;             /* e.g. "ATTT-T01" */
  char *title;          /* UTF-8, may be empty */
  char *category;       /* article | news | report | announcement | other */
  char *topic;          /* e.g. "attt", may be empty */
  char *language;       /* e.g. "vi" */
  char *supplier;       /* who supplied it, may be empty */
  char *original_name;  /* base name of the file as supplied */
  char *file_name;      /* name inside the library folder */
  char *sha256;         /* 64 lowercase hex digits of the library file */
  gint64 file_size;     /* bytes */
  char *container;      /* e.g. "Ogg", "WAV", "MP3" */
  char *codec;          /* e.g. "Vorbis", "PCM", "MPEG-1 Layer 3 (MP3)" */
  int sample_rate;      /* Hz */
  int channels;
  gint64 frames;        /* decoded frames at sample_rate, counted at ingest */
  gint64 duration_ns;   /* frames / sample_rate */
  char *status;         /* submitted | approved | retired | quarantined */
  char *added_by;       /* user name */
  gint64 added_at;      /* UTC ns */
  char *notes;          /* free text, may be empty */
  double loudness_lufs; /* integrated loudness (EBU R128), NAN if not measured */
  double true_peak_dbtp;/* true peak, NAN if not measured */
  gint64 cue_in_ns;     /* where airing starts (after leading silence); 0 if none */
  gint64 cue_out_ns;    /* where airing ends (before trailing silence); duration_ns if none */
  char *valid_from;     /* "YYYY-MM-DD" in station time, first day it may air; NULL: no limit */
  char *valid_until;    /* "YYYY-MM-DD", last day it may air (inclusive); NULL: no limit */
  char *approved_by;    /* who approved it, NULL if never approved */
  gint64 approved_at;   /* UTC ns, 0 if never approved */
} LoaSpot;

void loa_spot_free(LoaSpot *spot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaSpot, loa_spot_free)

/* TRUE if category is one of the five categories. */
gboolean loa_spot_category_is_valid(const char *category);

/* The spot with this id, or NULL with LOA_SPOT_ERROR_NOT_FOUND (or _DB). */
LoaSpot *loa_spot_get(sqlite3 *db, const char *id, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The spot whose library file has this SHA-256, or NULL (error set only on
 * database failure; not found is NULL with no error). */
LoaSpot *loa_spot_find_by_sha256(sqlite3 *db, const char *sha256,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* All spots ordered by id (a new GPtrArray of LoaSpot * that frees them), or NULL. */
GPtrArray *loa_spot_list(sqlite3 *db, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Inserts spot as a new row (every field must be filled in; status too).
 * Only ingest calls this: it is the one way rows are created. Returns FALSE
 * with LOA_SPOT_ERROR_EXISTS if the id is taken, LOA_SPOT_ERROR_DB otherwise. */
gboolean loa_spot_insert(sqlite3 *db, const LoaSpot *spot, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Absolute path of the spot's file inside library_dir. Newly allocated. */
char *loa_spot_path(const LoaSpot *spot, const char *library_dir) G_GNUC_WARN_UNUSED_RESULT;
