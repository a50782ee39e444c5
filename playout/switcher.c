/* The switcher: one worker thread that makes every call into the switch set,
 * a job list the main thread fills, and idle sources that carry the results
 * back to the main context (see switcher.h).
 *
 * Locking: LoaSwitcher.mutex guards the job list, the holds and the reports.
 * It is only ever held for bookkeeping, never across a call into the set (the
 * set's own mutex is held for a whole device call), so the main thread never
 * waits for a device. Lock order where both are held: the set's, then ours
 * (only through the done callback of loa_switch_set_switch_due, which does
 * not take ours anyway: it collects into a local array). */
#define G_LOG_DOMAIN "loa-switcher"

#include "switcher.h"

#include "i18n.h"
#include "loa-time.h"

#include <string.h>

/* A switch-off that failed is tried again after this long even if nothing
 * else wakes the worker (the set keeps the line due until it succeeds). */
#define RETRY_OFF_US (30 * G_USEC_PER_SEC)

typedef enum {
  HOLD_PENDING,    /* in LoaSwitcher.pending, waiting for its due time */
  HOLD_SWITCHING,  /* taken by the worker: loa_switch_set_hold is running */
  HOLD_MADE,       /* done (the set counts it if in_set); report queued or delivered */
} HoldState;

/* One hold asked for by loa_switcher_hold. */
typedef struct {
  LoaSwitcher *switcher;     /* the owner */
  gpointer handle;           /* the caller's handle (key in LoaSwitcher.holds) */
  char *line_id;             /* the line to hold */
  gint64 due_us;             /* when to switch, monotonic (g_get_monotonic_time) */
  LoaSwitcherHeldFunc held;  /* the caller's report function */
  HoldState state;           /* where it is (see HoldState) */
  gboolean in_set;           /* the line has a switch: the worker holds it in the set */
  gboolean cancelled;        /* forgotten while SWITCHING: the worker releases and frees it */
  LoaSwitchResult result;    /* the outcome, from the worker until reported */
  GSource *report;           /* the held() report attached to the context and not yet
                              * dispatched (the ref is in LoaSwitcher.reports), or NULL */
} Hold;

/* A release for the worker to pass to the set. */
typedef struct {
  char *line_id;             /* the line released */
  gint64 at_us;              /* when the airing ended, monotonic: the post-roll starts here */
} Release;

/* A file to play after a switch-off, on its way to the main context. */
typedef struct {
  LoaSwitcher *switcher;     /* the owner (for play and user_data) */
  char *line_id;             /* the line to play it on */
  char *path;                /* the file (the set's; lasts until the set is freed) */
  gint64 frames;             /* its length at the engine's rate */
} Play;

/* A switch-off made by loa_switch_set_switch_due, noted while the set's lock is held. */
typedef struct {
  char *line_id;             /* the line switched off */
  LoaSwitchResult result;    /* its outcome (owned) */
} Off;

struct LoaSwitcher {
  const LoaConfig *config;       /* borrowed: outlives the switcher */
  LoaSwitchSet *set;             /* NULL when no line has a switch; called by the worker only */
  GMainContext *context;         /* where reports run (a reference) */
  LoaSwitcherPlayFunc play;      /* the caller's play function, or NULL */
  gpointer user_data;            /* for play and every held */
  GThread *worker;               /* the worker, NULL without a set */
  GMutex mutex;                  /* guards every field below; never held across a set call */
  GCond wake;                    /* signalled when a job is queued or stopping is set */
  GHashTable *holds;             /* handle -> Hold * (owned): the caller's live holds */
  GQueue pending;                /* Hold * (borrowed from holds), HOLD_PENDING, by due_us */
  GQueue releases;               /* Release * (owned), in the order asked for */
  GHashTable *reports;           /* GSource * (a reference) -> itself: attached, not dispatched */
  GHashTable *on;                /* line id (owned) -> itself: lines switched on, as the set has them */
  gboolean stopping;             /* loa_switcher_free: the worker finishes its batch and stops */
};

/* Frees hold and its result; it must be out of every list and have no report. */
static void
hold_free(Hold *hold)
{
  g_free(hold->line_id);
  loa_switch_result_clear(&hold->result);
  g_free(hold);
}

/* Frees a Release (GDestroyNotify). */
static void
release_free(gpointer data)
{
  Release *release = data;
  g_free(release->line_id);
  g_free(release);
}

/* Frees a Play (GDestroyNotify of its source's callback data). */
static void
play_free(gpointer data)
{
  Play *play = data;
  g_free(play->line_id);
  g_free(play->path);
  g_free(play);
}

/* Frees an Off (GDestroyNotify). */
static void
off_free(gpointer data)
{
  Off *off = data;
  g_free(off->line_id);
  loa_switch_result_clear(&off->result);
  g_free(off);
}

/* Attaches an idle source calling func(data) to the context and keeps a
 * reference in reports (dropped when it runs, or by loa_switcher_free).
 * Called with the mutex held. Returns the source (borrowed). */
static GSource *
report_attach_locked(LoaSwitcher *switcher, GSourceFunc func, gpointer data, GDestroyNotify notify)
{
  GSource *source = g_idle_source_new();
  g_source_set_priority(source, G_PRIORITY_DEFAULT);
  g_source_set_callback(source, func, data, notify);
  g_source_set_static_name(source, "loa-switcher report");
  g_hash_table_add(switcher->reports, source);
  g_source_attach(source, switcher->context);
  return source;
}

/* On the main context: the hold is done; hands its result to held(). The
 * hold is alive: forget and release destroy this source before freeing it. */
static gboolean
report_held(gpointer data)
{
  Hold *hold = data;
  LoaSwitcher *switcher = hold->switcher;
  g_mutex_lock(&switcher->mutex);
  hold->report = NULL;
  g_hash_table_remove(switcher->reports, g_main_current_source());
  /* Moved out: held() may forget the handle, which frees the hold. */
  LoaSwitchResult result = hold->result;
  memset(&hold->result, 0, sizeof(hold->result));
  gpointer handle = hold->handle;
  LoaSwitcherHeldFunc held = hold->held;
  gpointer user_data = switcher->user_data;
  g_mutex_unlock(&switcher->mutex);
  held(handle, &result, user_data);
  loa_switch_result_clear(&result);
  return G_SOURCE_REMOVE;
}

/* On the main context: a switch-off returned a file to play now. */
static gboolean
report_play(gpointer data)
{
  Play *play = data;
  LoaSwitcher *switcher = play->switcher;
  g_mutex_lock(&switcher->mutex);
  g_hash_table_remove(switcher->reports, g_main_current_source());
  LoaSwitcherPlayFunc func = switcher->play;
  gpointer user_data = switcher->user_data;
  g_mutex_unlock(&switcher->mutex);
  /* play is freed with the source, after this returns. */
  func(play->line_id, play->path, play->frames, user_data);
  return G_SOURCE_REMOVE;
}

/* Takes handle's hold out of the caller's holds: a pending one is dropped, one
 * being switched is left to the worker to release, a made one is released
 * from now (its report dropped). Called with the mutex held; no-op for an
 * unknown handle. */
static void
drop_hold_locked(LoaSwitcher *switcher, gpointer handle)
{
  gpointer value = NULL;
  if (!g_hash_table_steal_extended(switcher->holds, handle, NULL, &value))
    return;
  Hold *hold = value;
  switch (hold->state) {
  case HOLD_PENDING:
    g_queue_remove(&switcher->pending, hold);
    hold_free(hold);
    return;
  case HOLD_SWITCHING:
    hold->cancelled = TRUE;
    return;
  case HOLD_MADE:
    if (hold->report != NULL) {
      g_source_destroy(hold->report);
      g_hash_table_remove(switcher->reports, hold->report);
      hold->report = NULL;
    }
    if (hold->in_set) {
      Release *release = g_new0(Release, 1);
      release->line_id = g_strdup(hold->line_id);
      release->at_us = g_get_monotonic_time();
      g_queue_push_tail(&switcher->releases, release);
      g_cond_signal(&switcher->wake);
    }
    hold_free(hold);
    return;
  }
}

/* Keeps pending in due order; equal times stay in the order asked for. */
static gint
compare_due(gconstpointer a, gconstpointer b, gpointer user_data)
{
  (void)user_data;
  const Hold *queued = a, *added = b;
  return queued->due_us <= added->due_us ? -1 : 1;
}

/* On the worker: the fail-safe. when_start tells the log which one it is. */
static void
worker_all_off(LoaSwitcher *switcher, gboolean when_start)
{
  g_autoptr(GError) error = NULL;
  gboolean done = loa_switch_set_all_off(switcher->set, &error);
  if (!done) {
    if (when_start)
      g_warning(_("switching every line off at start-up: %s"), error->message);
    else
      g_warning(_("switching every line off at stop: %s"), error->message);
    return; /* which lines stayed on is not known: keep what was known */
  }
  g_mutex_lock(&switcher->mutex);
  for (guint i = 0; i < switcher->config->lines->len; i++) {
    const LoaLineConfig *line = g_ptr_array_index(switcher->config->lines, i);
    /* all_off leaves dtmf lines to the engine (switch.h). */
    if (g_strcmp0(line->line_switch.driver, "dtmf") != 0)
      g_hash_table_remove(switcher->on, line->id);
  }
  g_mutex_unlock(&switcher->mutex);
}

/* On the worker: makes one hold taken from pending and queues its report (or
 * releases it again if it was forgotten meanwhile). */
static void
worker_hold(LoaSwitcher *switcher, Hold *hold)
{
  LoaSwitchResult result = { 0 };
  loa_switch_set_hold(switcher->set, hold->line_id, &result);

  g_mutex_lock(&switcher->mutex);
  /* The set counts the line on after an OK hold, off after a failed switch-on. */
  if (result.status == LOA_SWITCH_STATUS_OK)
    g_hash_table_add(switcher->on, g_strdup(hold->line_id));
  else if (result.status != LOA_SWITCH_STATUS_NONE)
    g_hash_table_remove(switcher->on, hold->line_id);
  if (hold->cancelled) {
    g_mutex_unlock(&switcher->mutex);
    loa_switch_set_release(switcher->set, hold->line_id, g_get_monotonic_time());
    loa_switch_result_clear(&result);
    hold_free(hold);
    return;
  }
  hold->result = result;
  hold->state = HOLD_MADE;
  hold->report = report_attach_locked(switcher, report_held, hold, NULL);
  g_mutex_unlock(&switcher->mutex);
}

/* Called by loa_switch_set_switch_due with the set's lock held: only notes. */
static void
collect_off(const char *line_id, const LoaSwitchResult *result, gpointer user_data)
{
  GPtrArray *offs = user_data;
  Off *off = g_new0(Off, 1);
  off->line_id = g_strdup(line_id);
  off->result.status = result->status;
  off->result.reason = g_strdup(result->reason);
  off->result.play_path = g_strdup(result->play_path);
  off->result.play_frames = result->play_frames;
  g_ptr_array_add(offs, off);
}

/* On the worker: switches off the lines whose post-roll ended. Sets
 * *next_due_us to when the next one ends and *retry_us to when failed
 * switch-offs are tried again (G_MAXINT64 for none). */
static void
worker_switch_due(LoaSwitcher *switcher, gint64 *next_due_us, gint64 *retry_us)
{
  g_autoptr(GPtrArray) offs = g_ptr_array_new_with_free_func(off_free);
  gint64 now = g_get_monotonic_time();
  loa_switch_set_switch_due(switcher->set, now, next_due_us, collect_off, offs);
  gboolean failed = FALSE;
  g_mutex_lock(&switcher->mutex);
  for (guint i = 0; i < offs->len; i++) {
    Off *off = g_ptr_array_index(offs, i);
    if (off->result.status == LOA_SWITCH_STATUS_OK)
      g_hash_table_remove(switcher->on, off->line_id);
    else
      failed = TRUE;
    if (off->result.play_path != NULL && switcher->play != NULL) {
      Play *play = g_new0(Play, 1);
      play->switcher = switcher;
      play->line_id = g_strdup(off->line_id);
      play->path = g_strdup(off->result.play_path);
      play->frames = off->result.play_frames;
      report_attach_locked(switcher, report_play, play, play_free);
    }
  }
  g_mutex_unlock(&switcher->mutex);
  *retry_us = failed ? now + RETRY_OFF_US : G_MAXINT64;
}

/* The worker: the fail-safe first, then releases, due holds and post-roll
 * switch-offs in batches (in that order, so a line released and held again in
 * one batch stays on), sleeping until the next due time or job; the
 * fail-safe again when stopping. */
static gpointer
worker_main(gpointer data)
{
  LoaSwitcher *switcher = data;
  gint64 post_roll_due_us = G_MAXINT64, retry_us = G_MAXINT64;
  worker_all_off(switcher, TRUE);

  g_mutex_lock(&switcher->mutex);
  while (!switcher->stopping) {
    gint64 now = g_get_monotonic_time();
    GQueue releases = switcher->releases;
    g_queue_init(&switcher->releases);
    GQueue holds = G_QUEUE_INIT;
    for (Hold *head = g_queue_peek_head(&switcher->pending); head != NULL && head->due_us <= now;
         head = g_queue_peek_head(&switcher->pending)) {
      g_queue_pop_head(&switcher->pending);
      head->state = HOLD_SWITCHING;
      g_queue_push_tail(&holds, head);
    }
    gboolean offs_due = post_roll_due_us <= now || retry_us <= now;
    if (g_queue_is_empty(&releases) && g_queue_is_empty(&holds) && !offs_due) {
      Hold *head = g_queue_peek_head(&switcher->pending);
      gint64 wake = MIN(post_roll_due_us, retry_us);
      if (head != NULL)
        wake = MIN(wake, head->due_us);
      if (wake == G_MAXINT64)
        g_cond_wait(&switcher->wake, &switcher->mutex);
      else
        g_cond_wait_until(&switcher->wake, &switcher->mutex, wake);
      continue;
    }
    g_mutex_unlock(&switcher->mutex);

    for (Release *release; (release = g_queue_pop_head(&releases)) != NULL;) {
      loa_switch_set_release(switcher->set, release->line_id, release->at_us);
      release_free(release);
    }
    for (Hold *hold; (hold = g_queue_pop_head(&holds)) != NULL;)
      worker_hold(switcher, hold);
    worker_switch_due(switcher, &post_roll_due_us, &retry_us);

    g_mutex_lock(&switcher->mutex);
  }
  g_mutex_unlock(&switcher->mutex);

  worker_all_off(switcher, FALSE);
  return NULL;
}

LoaSwitcher *
loa_switcher_new(const LoaConfig *config, GMainContext *context, LoaSwitcherPlayFunc play,
                 gpointer user_data, GError **error)
{
  g_autoptr(LoaSwitcher) switcher = g_new0(LoaSwitcher, 1);
  switcher->config = config;
  switcher->context = g_main_context_ref(context != NULL ? context : g_main_context_default());
  switcher->play = play;
  switcher->user_data = user_data;
  g_mutex_init(&switcher->mutex);
  g_cond_init(&switcher->wake);
  switcher->holds = g_hash_table_new(g_direct_hash, g_direct_equal);
  g_queue_init(&switcher->pending);
  g_queue_init(&switcher->releases);
  switcher->reports =
      g_hash_table_new_full(g_direct_hash, g_direct_equal, (GDestroyNotify)g_source_unref, NULL);
  switcher->on = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

  gboolean any_switch = FALSE;
  for (guint i = 0; i < config->lines->len && !any_switch; i++) {
    const LoaLineConfig *line = g_ptr_array_index(config->lines, i);
    any_switch = line->line_switch.driver != NULL;
  }
  if (!any_switch)
    return g_steal_pointer(&switcher);

  switcher->set = loa_switch_set_new(config, error);
  if (switcher->set == NULL)
    return NULL;
  switcher->worker = g_thread_try_new("loa-switcher", worker_main, switcher, error);
  if (switcher->worker == NULL)
    return NULL;
  return g_steal_pointer(&switcher);
}

void
loa_switcher_hold(LoaSwitcher *switcher, const char *line_id, gint64 at_wall_ns,
                  LoaSwitcherHeldFunc held, gpointer handle)
{
  g_return_if_fail(switcher != NULL);
  g_return_if_fail(line_id != NULL);
  g_return_if_fail(held != NULL);

  const LoaLineConfig *line = loa_config_find_line(switcher->config, line_id);
  Hold *hold = g_new0(Hold, 1);
  hold->switcher = switcher;
  hold->handle = handle;
  hold->line_id = g_strdup(line_id);
  hold->held = held;
  hold->in_set = switcher->set != NULL && line != NULL && line->line_switch.driver != NULL;
  /* Placed on the monotonic clock now: a later wall-clock step does not move it. */
  gint64 due_ns = at_wall_ns - (gint64)switcher->config->switch_pre_roll_ms * 1000000 -
                  loa_time_wall_minus_monotonic_ns();
  hold->due_us = due_ns / 1000;

  g_mutex_lock(&switcher->mutex);
  drop_hold_locked(switcher, handle);
  g_hash_table_insert(switcher->holds, handle, hold);
  if (hold->in_set) {
    hold->state = HOLD_PENDING;
    g_queue_insert_sorted(&switcher->pending, hold, compare_due, NULL);
    g_cond_signal(&switcher->wake);
  } else {
    /* Nothing to switch: result NONE, reported at once but never from here. */
    hold->state = HOLD_MADE;
    hold->report = report_attach_locked(switcher, report_held, hold, NULL);
  }
  g_mutex_unlock(&switcher->mutex);
}

void
loa_switcher_forget(LoaSwitcher *switcher, gpointer handle)
{
  g_return_if_fail(switcher != NULL);
  g_mutex_lock(&switcher->mutex);
  drop_hold_locked(switcher, handle);
  g_mutex_unlock(&switcher->mutex);
}

void
loa_switcher_release(LoaSwitcher *switcher, gpointer handle)
{
  /* The same bookkeeping: what differs is only what the caller means. */
  loa_switcher_forget(switcher, handle);
}

gboolean
loa_switcher_is_on(LoaSwitcher *switcher, const char *line_id)
{
  g_return_val_if_fail(switcher != NULL, FALSE);
  g_mutex_lock(&switcher->mutex);
  gboolean on = g_hash_table_contains(switcher->on, line_id);
  g_mutex_unlock(&switcher->mutex);
  return on;
}

void
loa_switcher_free(LoaSwitcher *switcher)
{
  if (switcher == NULL)
    return;
  if (switcher->worker != NULL) {
    g_mutex_lock(&switcher->mutex);
    switcher->stopping = TRUE;
    g_cond_signal(&switcher->wake);
    g_mutex_unlock(&switcher->mutex);
    g_thread_join(switcher->worker);
  }

  /* The worker is gone: no more locking needed. Reports first, as held
   * reports point at holds. */
  GHashTableIter iter;
  gpointer key, value;
  g_hash_table_iter_init(&iter, switcher->reports);
  while (g_hash_table_iter_next(&iter, &key, NULL))
    g_source_destroy(key);
  g_hash_table_destroy(switcher->reports);
  g_hash_table_iter_init(&iter, switcher->holds);
  while (g_hash_table_iter_next(&iter, NULL, &value))
    hold_free(value);
  g_hash_table_destroy(switcher->holds);
  g_queue_clear(&switcher->pending);
  g_queue_clear_full(&switcher->releases, release_free);
  g_hash_table_destroy(switcher->on);
  loa_switch_set_free(switcher->set);
  g_main_context_unref(switcher->context);
  g_cond_clear(&switcher->wake);
  g_mutex_clear(&switcher->mutex);
  g_free(switcher);
}
