/* The spot catalog: what can air. A spot is one audio file copied into the
 * station's library folder, identified by its id and its SHA-256, with the
 * facts measured at ingest. Rows are created only by ingest (ingest.h); after
 * that only the metadata and the review status change (edit, approve,
 * retire), each change leaving a row in the review trail (spot_events) that
 * names who did it and the SHA-256 of the file it was about. */
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
  LOA_SPOT_ERROR_STATE,       /* the spot's status does not allow it (approving an approved
                               * spot, approving a file that changed) */
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
  double loudness_range_lu; /* loudness range (EBU R128 LRA), NAN if not measured */
  char *tags;           /* comma-separated, NFC, no spaces around commas; may be empty */
  char *bulletin_text;  /* the text a spoken bulletin was made from (`loa spot say`), or NULL */
  gint64 file_mtime_ns; /* mtime of the library file when its hash was last verified; 0 unknown */
  char *retired_by;     /* who retired it, NULL if not retired */
  gint64 retired_at;    /* UTC ns, 0 if not retired */
  /* The air copy: what airs, decoded once at ingest (PCM WAV at sample_rate and
   * channels, exactly frames long, the same frames the cues count). NULL
   * air_file_name: the library file itself airs (a PCM file, or a spot added
   * before air copies existed). */
  char *air_file_name;  /* name inside the library folder, or NULL */
  char *air_sha256;     /* 64 lowercase hex digits, or NULL */
  gint64 air_file_size; /* bytes, 0 if none */
  gint64 air_mtime_ns;  /* mtime of the air copy when its hash was last verified; 0 unknown */
} LoaSpot;

/* Metadata changes for loa_spot_edit(): NULL leaves a field as it is; for
 * valid_from / valid_until, "" removes the limit. */
typedef struct {
  const char *title;
  const char *category;
  const char *topic;
  const char *language;
  const char *supplier;
  const char *notes;        /* may hold line breaks */
  const char *valid_from;   /* "YYYY-MM-DD" */
  const char *valid_until;  /* "YYYY-MM-DD" */
  const char *tags;         /* comma-separated */
} LoaSpotEdit;

/* One row of the review trail. */
typedef struct {
  char *action;   /* added | approved | edited | retired */
  char *actor;    /* who */
  gint64 at;      /* UTC ns */
  char *sha256;   /* the file it was about */
  char *detail;   /* e.g. the fields an edit changed; may be empty */
} LoaSpotEvent;

void loa_spot_event_free(LoaSpotEvent *event);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaSpotEvent, loa_spot_event_free)

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

/* Inserts spot as a new row (every field must be filled in; status too;
 * with the measurements, cues, validity, tags, bulletin text, mtime and, if
 * approved, approved_by/at) and its "added" event (and "approved" if so).
 * Only ingest calls this, inside its transaction: it is the one way rows are
 * created. Returns FALSE with LOA_SPOT_ERROR_EXISTS if the id is taken,
 * LOA_SPOT_ERROR_DB otherwise. */
gboolean loa_spot_insert(sqlite3 *db, const LoaSpot *spot, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Absolute path of the spot's file inside library_dir. Newly allocated. */
char *loa_spot_path(const LoaSpot *spot, const char *library_dir) G_GNUC_WARN_UNUSED_RESULT;

/* Checks that text is UTF-8 without control characters (line breaks allowed
 * if multiline) and returns it in NFC, newly allocated; NULL with
 * LOA_SPOT_ERROR_INVALID "<where>: the <what> ..." otherwise. */
char *loa_spot_clean_text(const char *where, const char *what, const char *text,
                          gboolean multiline, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* TRUE if text is a language tag: 1-35 ASCII letters, digits, '-' ("vi", "vi-VN"). */
gboolean loa_spot_language_is_valid(const char *text);

/* Normalizes a comma-separated tag list ("attt, Lừa đảo ,," -> "attt,Lừa đảo"),
 * newly allocated; NULL with LOA_SPOT_ERROR_INVALID naming where. */
char *loa_spot_clean_tags(const char *where, const char *text, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Checks a validity period: each date "YYYY-MM-DD" or NULL (no limit), from
 * not after until. FALSE with LOA_SPOT_ERROR_INVALID naming where. */
gboolean loa_spot_check_validity(const char *where, const char *valid_from,
                                 const char *valid_until, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Changes the metadata of spot id (never its file), in one transaction with
 * an "edited" event by actor naming the changed fields. Returns FALSE with
 * LOA_SPOT_ERROR_NOT_FOUND, _INVALID (bad value; nothing changed) or _DB.
 * Changing nothing is not an error. */
gboolean loa_spot_edit(sqlite3 *db, const char *id, const LoaSpotEdit *edit, const char *actor,
                       GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Approves spot id: verifies that its library file still has the SHA-256
 * recorded at ingest (full hash), then sets status approved, approved_by =
 * actor, approved_at = now, with an "approved" event. FALSE with
 * LOA_SPOT_ERROR_NOT_FOUND, _STATE (already approved; file missing or
 * changed), _INVALID (empty actor) or _DB; nothing changes then. */
gboolean loa_spot_approve(sqlite3 *db, const char *library_dir, const char *id,
                          const char *actor, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Retires spot id (it never airs again unless approved anew), with a
 * "retired" event. FALSE with _NOT_FOUND, _STATE (already retired) or _DB. */
gboolean loa_spot_retire(sqlite3 *db, const char *id, const char *actor,
                         GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The review trail of spot id, oldest first: a new GPtrArray of
 * LoaSpotEvent * that frees them (empty if the spot has none), or NULL with
 * LOA_SPOT_ERROR_DB. */
GPtrArray *loa_spot_history(sqlite3 *db, const char *id, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Records the air copy of spot id, which has none and whose library file
 * has sha256. FALSE with _STATE if it already has one (or the file is
 * another), _DB if the update fails. Not in a transaction of its own. */
gboolean loa_spot_set_air_copy(sqlite3 *db, const char *id, const char *sha256,
                               const char *air_file_name, const char *air_sha256,
                               gint64 air_file_size, gint64 air_mtime_ns,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;

