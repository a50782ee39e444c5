/* Whether a catalogued spot may air now, and from which file: its status and
 * validity, and that the file on disk is still the one recorded (size, mtime,
 * SHA-256); and the gain it airs with. These are the checks the daemon runs
 * seconds before each airing; spot.h reads and changes the catalog rows. */
#pragma once

#include "spot.h"

#include <sys/stat.h>

/* May spot air at at_utc_ns, and from which file? Called seconds before each
 * airing, so cheap on the common path: a status test, two date comparisons
 * (dates in tz) and one stat() of the file that will air. That file is the
 * air copy if the spot has one, else the library file. Its full SHA-256 is
 * computed only when its mtime differs from the one recorded (a size that
 * differs fails at once); if the hash still matches, the new mtime is stored
 * (db may be NULL to skip that). An air copy that is missing or changed is
 * not fatal: the library file is checked the same way and airs instead, with
 * a warning naming the copy and what is wrong with it. Returns TRUE with
 * *air_path set to the newly allocated path of the file to air, or FALSE with
 * *reason set to a newly allocated reason in plain words ("not approved
 * (submitted)", "retired", "not valid before 2025-08-01", "expired on
 * 2025-07-31", "file missing: PATH", "file changed since approval").
 * air_path may be NULL. */
gboolean loa_spot_check_airable(sqlite3 *db, const LoaSpot *spot, const char *library_dir,
                                GTimeZone *tz, gint64 at_utc_ns, char **air_path,
                                char **reason);

/* The air copy's path, or NULL if the spot has none. */
char *loa_spot_air_path(const LoaSpot *spot, const char *library_dir) G_GNUC_WARN_UNUSED_RESULT;

/* The gain in dB to apply at air time so spot plays at target_lufs, reduced
 * so that its true peak plus the gain stays at or under true_peak_max_dbtp.
 * 0 if the spot's loudness was not measured. */
double loa_spot_air_gain_db(const LoaSpot *spot, double target_lufs, double true_peak_max_dbtp);

/* SHA-256 of the file at path as 64 lowercase hex digits into out. FALSE
 * with LOA_SPOT_ERROR_IO naming path. */
gboolean loa_spot_hash_file(const char *path, char out[65], GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* What one loa_spot_verify_files() pass saw. */
typedef struct {
  guint files;   /* files checked: air copies and library files */
  guint hashed;  /* of those, touched since their last check, so hashed */
  guint bad;     /* of those, missing or changed: they cannot air */
} LoaSpotVerifyCounts;

/* Called for each file that cannot air: path is the spot's air copy
 * (is_air_copy; its library file airs instead) or its library file (the
 * spot does not air); reason as from loa_spot_check_airable(). */
typedef void (*LoaSpotVerifyFunc)(const LoaSpot *spot, const char *path, gboolean is_air_copy,
                                  const char *reason, gpointer user_data);

/* Checks the files of every spot that may air on or after the station day of
 * at_utc_ns (approved, not expired) the way loa_spot_check_airable()
 * does, recording the mtime of a touched file whose hash still matches. A
 * file touched by a restore or a copy is hashed here, ahead of its airing,
 * and not on the daemon's loop seconds before it; a broken one is known
 * before its time comes. report (may be NULL) hears of each file that cannot
 * air. FALSE with LOA_SPOT_ERROR_DB only if the catalog cannot be read;
 * counts (may be NULL) is then untouched. */
gboolean loa_spot_verify_files(sqlite3 *db, const char *library_dir, GTimeZone *tz,
                               gint64 at_utc_ns, LoaSpotVerifyFunc report, gpointer user_data,
                               LoaSpotVerifyCounts *counts, GError **error);

/* A file's modification time in ns, as the catalog records it. */
gint64 loa_spot_file_mtime_ns(const struct stat *st);

