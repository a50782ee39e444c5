/* A periodic job on a worker thread with its own connection (see db-worker.h). */
#define G_LOG_DOMAIN "loa"

#include "db-worker.h"

#include "db.h"
#include "i18n.h"

struct LoaDbWorker {
  sqlite3 *db;              /* the caller's connection: its file name */
  char *what;
  LoaDbWorkerFunc func;
  gpointer user_data;
  GSource *timer;           /* while started */
  GThreadPool *pool;        /* one thread, while started */
  sqlite3 *worker_db;       /* opened at the first run */
  gint busy;                /* atomic: a run is queued or going */
};

static void
run(gpointer data, gpointer user_data)
{
  LoaDbWorker *worker = user_data;
  if (worker->worker_db == NULL) {
    g_autoptr(GError) local = NULL;
    const char *file = sqlite3_db_filename(worker->db, "main");
    if (file != NULL && file[0] != '\0')
      worker->worker_db = loa_db_open(file, LOA_DB_OPEN_EXISTING, &local);
    if (worker->worker_db == NULL) {
      g_warning(_("%s: cannot open the database: %s"), worker->what,
                local != NULL ? local->message : _("it is not a file"));
      g_atomic_int_set(&worker->busy, 0);
      return;
    }
  }
  worker->func(worker->worker_db, worker->user_data);
  g_atomic_int_set(&worker->busy, 0);
}

static gboolean
on_tick(gpointer data)
{
  LoaDbWorker *worker = data;
  if (g_atomic_int_compare_and_exchange(&worker->busy, 0, 1))
    g_thread_pool_push(worker->pool, worker, NULL);
  return G_SOURCE_CONTINUE;
}

LoaDbWorker *
loa_db_worker_new(sqlite3 *db, const char *what, LoaDbWorkerFunc func, gpointer user_data)
{
  LoaDbWorker *worker = g_new0(LoaDbWorker, 1);
  worker->db = db;
  worker->what = g_strdup(what);
  worker->func = func;
  worker->user_data = user_data;
  return worker;
}

void
loa_db_worker_start(LoaDbWorker *worker, GMainContext *context, guint interval_seconds)
{
  if (worker->timer != NULL)
    return;
  worker->pool = g_thread_pool_new(run, worker, 1, FALSE, NULL);
  worker->timer = g_timeout_source_new_seconds(MAX(interval_seconds, 1));
  g_source_set_callback(worker->timer, on_tick, worker, NULL);
  g_source_attach(worker->timer, context);
  on_tick(worker);
}

void
loa_db_worker_stop(LoaDbWorker *worker)
{
  if (worker->timer != NULL) {
    g_source_destroy(worker->timer);
    g_clear_pointer(&worker->timer, g_source_unref);
  }
  if (worker->pool != NULL) {
    g_thread_pool_free(worker->pool, FALSE, TRUE);  /* waits for a run in progress */
    worker->pool = NULL;
  }
  g_clear_pointer(&worker->worker_db, loa_db_close);
}

void
loa_db_worker_free(LoaDbWorker *worker)
{
  if (worker == NULL)
    return;
  loa_db_worker_stop(worker);
  g_free(worker->what);
  g_free(worker);
}
