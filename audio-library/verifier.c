/* The library verifier (see verifier.h). */
#define G_LOG_DOMAIN "loa-library"

#include "verifier.h"

#include "db.h"
#include "i18n.h"
#include "loa-time.h"
#include "spot-airable.h"

struct LoaVerifier {
  sqlite3 *db;              /* borrowed: only its file name is used */
  char *library_dir;
  GTimeZone *tz;            /* borrowed */
  sqlite3 *worker_db;       /* the worker's own connection, opened on its first pass */
  GThreadPool *pool;        /* one worker */
  GSource *timer;
  gint busy;                /* 1 while a pass is queued or running */
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
run_pass(gpointer data, gpointer user_data)
{
  LoaVerifier *verifier = user_data;
  g_autoptr(GError) local = NULL;
  if (verifier->worker_db == NULL) {
    const char *file = sqlite3_db_filename(verifier->db, "main");
    if (file != NULL && file[0] != '\0')
      verifier->worker_db = loa_db_open(file, LOA_DB_OPEN_EXISTING, &local);
    if (verifier->worker_db == NULL) {
      g_warning(_("the library check cannot open the database: %s"),
                local != NULL ? local->message : _("it is not a file"));
      g_atomic_int_set(&verifier->busy, 0);
      return;
    }
  }
  Pass pass = {
    .reported = verifier->reported,
    .found = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
  };
  LoaSpotVerifyCounts counts;
  if (loa_spot_verify_files(verifier->worker_db, verifier->library_dir, verifier->tz,
                            loa_time_now_wall_ns(), on_bad_file, &pass, &counts, &local)) {
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
  g_atomic_int_set(&verifier->busy, 0);
}

static gboolean
on_tick(gpointer data)
{
  LoaVerifier *verifier = data;
  if (g_atomic_int_compare_and_exchange(&verifier->busy, 0, 1))
    g_thread_pool_push(verifier->pool, verifier, NULL);
  return G_SOURCE_CONTINUE;
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
  if (verifier->timer != NULL)
    return;
  verifier->pool = g_thread_pool_new(run_pass, verifier, 1, FALSE, NULL);
  verifier->timer = g_timeout_source_new_seconds(MAX(interval_seconds, 1));
  g_source_set_callback(verifier->timer, on_tick, verifier, NULL);
  g_source_attach(verifier->timer, context);
  on_tick(verifier);
}

void
loa_verifier_stop(LoaVerifier *verifier)
{
  if (verifier->timer != NULL) {
    g_source_destroy(verifier->timer);
    g_clear_pointer(&verifier->timer, g_source_unref);
  }
  if (verifier->pool != NULL) {
    g_thread_pool_free(verifier->pool, FALSE, TRUE);  /* waits for a pass in progress */
    verifier->pool = NULL;
  }
  g_clear_pointer(&verifier->worker_db, loa_db_close);
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
