/* The library verifier (see verifier.h). */
#define G_LOG_DOMAIN "loa-library"

#include "verifier.h"

#include "db-worker.h"
#include "i18n.h"
#include "loa-time.h"
#include "spot-airable.h"

struct LoaVerifier {
  sqlite3 *db;              /* borrowed: only its file name is used */
  char *library_dir;
  GTimeZone *tz;            /* borrowed */
  LoaDbWorker *worker;      /* the passes' thread and connection, while started */
  gint passes;              /* atomic */
  /* "path\nreason" of the files found broken by the last pass: a problem
   * is said once. Worker thread only. */
  GHashTable *reported;
};

typedef struct {
  GHashTable *reported;     /* the last pass's */
  GHashTable *found;        /* this pass's */
} Pass;

static void
on_bad_file(const LoaSpot *spot, const char *path, gboolean is_air_copy, const char *reason,
            gpointer user_data)
{
  Pass *pass = user_data;
  char *key = g_strdup_printf("%s\n%s", path, reason);
  if (!g_hash_table_contains(pass->reported, key)) {
    if (is_air_copy)
      g_warning(_("spot %s: its air copy %s cannot air (%s); the library file will air instead"),
                spot->id, path, reason);
    else
      g_warning(_("spot %s will not air: %s (%s)"), spot->id, reason, path);
  }
  g_hash_table_add(pass->found, key);
}

static void
run_pass(sqlite3 *db, gpointer user_data)
{
  LoaVerifier *verifier = user_data;
  g_autoptr(GError) local = NULL;
  Pass pass = {
    .reported = verifier->reported,
    .found = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
  };
  LoaSpotVerifyCounts counts;
  if (loa_spot_verify_files(db, verifier->library_dir, verifier->tz, loa_time_now_wall_ns(),
                            on_bad_file, &pass, &counts, &local)) {
    g_hash_table_unref(verifier->reported);
    verifier->reported = pass.found;
    if (counts.hashed > 0)
      g_message(_("library check: %u of %u files were touched since their last check and "
                  "were hashed; %u cannot air"),
                counts.hashed, counts.files, counts.bad);
  } else {
    g_hash_table_unref(pass.found);
    g_warning(_("the library check failed: %s"), local->message);
  }
  g_atomic_int_inc(&verifier->passes);
}

LoaVerifier *
loa_verifier_new(sqlite3 *db, const char *library_dir, GTimeZone *tz)
{
  LoaVerifier *verifier = g_new0(LoaVerifier, 1);
  verifier->db = db;
  verifier->library_dir = g_strdup(library_dir);
  verifier->tz = tz;
  verifier->reported = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  return verifier;
}

void
loa_verifier_start(LoaVerifier *verifier, GMainContext *context, guint interval_seconds)
{
  if (verifier->worker != NULL)
    return;
  verifier->worker = loa_db_worker_new(verifier->db, _("the library check"), run_pass, verifier);
  loa_db_worker_start(verifier->worker, context, interval_seconds);
}

void
loa_verifier_stop(LoaVerifier *verifier)
{
  g_clear_pointer(&verifier->worker, loa_db_worker_free);  /* waits for a pass in progress */
}

guint
loa_verifier_passes(LoaVerifier *verifier)
{
  return (guint)g_atomic_int_get(&verifier->passes);
}

void
loa_verifier_free(LoaVerifier *verifier)
{
  if (verifier == NULL)
    return;
  loa_verifier_stop(verifier);
  g_free(verifier->library_dir);
  g_hash_table_unref(verifier->reported);
  g_free(verifier);
}
