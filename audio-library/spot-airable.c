/* Whether a spot may air, and from which file (see spot-airable.h). */
#define G_LOG_DOMAIN "loa-library"

#include "spot-airable.h"

#include "db.h"
#include "i18n.h"
#include "loa-cleanup.h"
#include "loa-time.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#define HASH_BUFFER_SIZE (256 * 1024)

/* A touched file whose hash still matches: remember the new mtime, so the
 * next check is a stat() again. Only for the file the row still names. */
#define SQL_SET_MTIME "UPDATE spots SET file_mtime_ns = ?2 WHERE id = ?1 AND sha256 = ?3"
#define SQL_SET_AIR_MTIME \
  "UPDATE spots SET air_mtime_ns = ?2 WHERE id = ?1 AND air_sha256 = ?3"

gboolean
loa_spot_hash_file(const char *path, char out[65], GError **error)
{
  g_autoptr(GChecksum) checksum = g_checksum_new(G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = g_malloc(HASH_BUFFER_SIZE);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int saved = errno;
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_IO, _("%s: cannot open: %s"), path,
                g_strerror(saved));
    return FALSE;
  }
  for (;;) {
    ssize_t n = read(fd, buffer, HASH_BUFFER_SIZE);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved = errno;
      close(fd);
      g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_IO, _("%s: cannot read: %s"), path,
                  g_strerror(saved));
      return FALSE;
    }
    if (n == 0)
      break;
    g_checksum_update(checksum, buffer, n);
  }
  close(fd);
  g_strlcpy(out, g_checksum_get_string(checksum), 65);
  return TRUE;
}

gint64
loa_spot_file_mtime_ns(const struct stat *st)
{
  return (gint64)st->st_mtim.tv_sec * G_GINT64_CONSTANT(1000000000) + st->st_mtim.tv_nsec;
}

/* Is the file at path still the one recorded (size, then mtime, then
 * SHA-256 if the mtime moved)? TRUE, or FALSE with *reason set. A hash that
 * still matches stores the new mtime with record_sql (db may be NULL). */
static gboolean
check_file(sqlite3 *db, const LoaSpot *spot, const char *path, gint64 size, gint64 known_mtime,
           const char *sha256_expected, const char *record_sql, gboolean *hashed, char **reason)
{
  struct stat st;
  if (stat(path, &st) != 0) {
    int saved = errno;
    *reason = g_strdup_printf(_("file missing: %s (%s)"), path, g_strerror(saved));
    return FALSE;
  }
  if (st.st_size != size) {
    *reason = g_strdup(_("file changed since approval"));
    return FALSE;
  }
  gint64 mtime = loa_spot_file_mtime_ns(&st);
  if (mtime == known_mtime)
    return TRUE;

  /* Touched (or never verified since this check existed): hash it once. */
  if (hashed != NULL)
    *hashed = TRUE;
  char sha256[65];
  g_autoptr(GError) local = NULL;
  if (!loa_spot_hash_file(path, sha256, &local)) {
    *reason = g_strdup(local->message);
    return FALSE;
  }
  if (strcmp(sha256, sha256_expected) != 0) {
    *reason = g_strdup(_("file changed since approval"));
    return FALSE;
  }
  if (db != NULL) {
    g_autoptr(sqlite3_stmt) stmt = NULL;
    if (!loa_db_prepare_all(db, &record_sql, 1, &stmt, &local) ||
        !loa_db_bind(stmt, &local, "tit", spot->id, mtime, sha256_expected) ||
        !loa_db_step_done(stmt, &local))
      g_warning("spot %s: cannot record the verified mtime: %s", spot->id, local->message);
  }
  return TRUE;
}

char *
loa_spot_air_path(const LoaSpot *spot, const char *library_dir)
{
  if (spot->air_file_name == NULL)
    return NULL;
  return g_build_filename(library_dir, spot->air_file_name, NULL);
}

/* Where the station day of at_utc_ns is against spot's validity dates: -1
 * before valid_from, 1 after valid_until, 0 within (or no dates). */
static int
validity_compare(const LoaSpot *spot, GTimeZone *tz, gint64 at_utc_ns)
{
  if (spot->valid_from == NULL && spot->valid_until == NULL)
    return 0;
  LoaDate today, limit;
  loa_utc_to_date(tz, at_utc_ns, &today);
  if (spot->valid_from != NULL && loa_date_parse(spot->valid_from, &limit, NULL) &&
      loa_date_compare(&today, &limit) < 0)
    return -1;
  if (spot->valid_until != NULL && loa_date_parse(spot->valid_until, &limit, NULL) &&
      loa_date_compare(&today, &limit) > 0)
    return 1;
  return 0;
}

/* May spot air on the station day of at_utc_ns, by its status and validity
 * dates? FALSE with *reason set if not. */
static gboolean
check_status(const LoaSpot *spot, GTimeZone *tz, gint64 at_utc_ns, char **reason)
{
  if (g_strcmp0(spot->status, "approved") != 0) {
    if (g_strcmp0(spot->status, "retired") == 0)
      *reason = g_strdup(_("retired"));
    else if (g_strcmp0(spot->status, "quarantined") == 0)
      *reason = g_strdup(_("quarantined"));
    else
      *reason = g_strdup_printf(_("not approved (%s)"), spot->status);
    return FALSE;
  }
  switch (validity_compare(spot, tz, at_utc_ns)) {
  case -1:
    *reason = g_strdup_printf(_("not valid before %s"), spot->valid_from);
    return FALSE;
  case 1:
    *reason = g_strdup_printf(_("expired on %s"), spot->valid_until);
    return FALSE;
  default:
    return TRUE;
  }
}

gboolean
loa_spot_check_airable(sqlite3 *db, const LoaSpot *spot, const char *library_dir, GTimeZone *tz,
                       gint64 at_utc_ns, char **air_path, char **reason)
{
  if (!check_status(spot, tz, at_utc_ns, reason))
    return FALSE;

  g_autofree char *copy = loa_spot_air_path(spot, library_dir);
  if (copy != NULL && spot->air_sha256 != NULL) {
    g_autofree char *why = NULL;
    if (check_file(db, spot, copy, spot->air_file_size, spot->air_mtime_ns, spot->air_sha256,
                   SQL_SET_AIR_MTIME, NULL, &why)) {
      if (air_path != NULL)
        *air_path = g_steal_pointer(&copy);
      return TRUE;
    }
    /* The copy is derived from the library file, which is still the
     * approved audio: air that rather than nothing. */
    g_warning(_("spot %s: its air copy %s cannot air (%s); the library file airs instead"),
              spot->id, copy, why);
  }
  g_autofree char *path = loa_spot_path(spot, library_dir);
  if (!check_file(db, spot, path, spot->file_size, spot->file_mtime_ns, spot->sha256,
                  SQL_SET_MTIME, NULL, reason))
    return FALSE;
  if (air_path != NULL)
    *air_path = g_steal_pointer(&path);
  return TRUE;
}

double
loa_spot_air_gain_db(const LoaSpot *spot, double target_lufs, double true_peak_max_dbtp)
{
  if (!isfinite(spot->loudness_lufs))
    return 0.0;
  double gain = target_lufs - spot->loudness_lufs;
  if (isfinite(spot->true_peak_dbtp) && spot->true_peak_dbtp + gain > true_peak_max_dbtp)
    gain = true_peak_max_dbtp - spot->true_peak_dbtp;
  return gain;
}

gboolean
loa_spot_verify_files(sqlite3 *db, const char *library_dir, GTimeZone *tz, gint64 at_utc_ns,
                      LoaSpotVerifyFunc report, gpointer user_data, LoaSpotVerifyCounts *counts,
                      GError **error)
{
  g_autoptr(GPtrArray) spots = loa_spot_list(db, error);
  if (spots == NULL)
    return FALSE;
  LoaSpotVerifyCounts seen = { 0 };
  for (guint i = 0; i < spots->len; i++) {
    const LoaSpot *spot = spots->pdata[i];
    /* Spots valid from a later day are checked too: they air soon. */
    if (g_strcmp0(spot->status, "approved") != 0 || validity_compare(spot, tz, at_utc_ns) > 0)
      continue;
    g_autofree char *copy = loa_spot_air_path(spot, library_dir);
    g_autofree char *path = loa_spot_path(spot, library_dir);
    for (int which = 0; which < 2; which++) {
      gboolean is_copy = which == 0;
      if (is_copy && (copy == NULL || spot->air_sha256 == NULL))
        continue;
      g_autofree char *reason = NULL;
      gboolean hashed = FALSE;
      gboolean ok =
        is_copy ? check_file(db, spot, copy, spot->air_file_size, spot->air_mtime_ns,
                             spot->air_sha256, SQL_SET_AIR_MTIME, &hashed, &reason)
                : check_file(db, spot, path, spot->file_size, spot->file_mtime_ns, spot->sha256,
                             SQL_SET_MTIME, &hashed, &reason);
      seen.files++;
      seen.hashed += hashed ? 1 : 0;
      if (!ok) {
        seen.bad++;
        if (report != NULL)
          report(spot, is_copy ? copy : path, is_copy, reason, user_data);
      }
    }
  }
  if (counts != NULL)
    *counts = seen;
  return TRUE;
}
