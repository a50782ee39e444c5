/* Placing sequences of spots on a line's timeline: queued at a wall-clock
 * time, after the spot on air or after everything, cut at a time, cancelled;
 * and how long the line is busy (see engine.h for the contract). Runs on the
 * main thread; the branches themselves are engine-branch.c's. */
#define G_LOG_DOMAIN "loa-engine"

#include "engine.h"
#include "engine-private.h"

#include "i18n.h"

/* --- sequences of branches ---------------------------------------------- */

/* Builds one branch per item, linked in order as a sequence. Returns them (a
 * new array), or NULL with the error set and nothing left behind. */
static GPtrArray *
build_sequence(LoaEngine *engine, const LoaEngineItem *items, guint n_items, GError **error)
{
  if (!engine->running) {
    g_set_error(error, LOA_ENGINE_ERROR, LOA_ENGINE_ERROR_STATE,
                _("line '%s' is not running"), engine->line_id);
    return NULL;
  }
  g_autoptr(GPtrArray) branches = g_ptr_array_new();
  for (guint i = 0; i < n_items; i++) {
    Branch *branch = branch_new(engine, &items[i], error);
    if (branch == NULL) {
      for (guint j = 0; j < branches->len; j++)
        branch_discard(branches->pdata[j]);
      return NULL;
    }
    g_ptr_array_add(branches, branch);
  }
  for (guint i = 0; i < branches->len; i++) {
    Branch *branch = branches->pdata[i];
    branch->prev = i > 0 ? branches->pdata[i - 1] : NULL;
    branch->next = i + 1 < branches->len ? branches->pdata[i + 1] : NULL;
  }
  return g_steal_pointer(&branches);
}

/* Starts decoding a built sequence. From here each item gets finished()
 * exactly once: one that cannot be attached fails like a bad file, and its
 * successor takes its slot. */
static void
attach_sequence(GPtrArray *branches)
{
  for (guint i = 0; i < branches->len; i++) {
    Branch *branch = branches->pdata[i];
    g_autoptr(GError) local = NULL;
    if (!branch_attach(branch, &local))
      branch_fail(branch, local->message);
  }
}

/* Engine lock held. Releases branch as soon as possible: at the mixer's
 * position when its first buffer is ready. Its target is where the mixer is
 * now, not 0: the watchdog gives a branch STALL_LIMIT from its target to
 * deliver, and a slow decoder start is not a stall. */
static void
release_asap(Branch *branch)
{
  branch->asap = TRUE;
  GstClockTime position = branch->engine->mixer_position;
  branch_request_release(branch, GST_CLOCK_TIME_IS_VALID(position) ? position : 0);
}

gboolean
loa_engine_queue(LoaEngine *engine, gint64 start_wall_ns, const LoaEngineItem *items,
                 guint n_items, GError **error)
{
  g_autoptr(GPtrArray) branches = build_sequence(engine, items, n_items, error);
  if (branches == NULL)
    return FALSE;
  g_mutex_lock(&engine->lock);
  if (branches->len > 0) {
    GstClockTimeDiff target = loa_engine_wall_to_running_time(engine, start_wall_ns);
    if (start_wall_ns <= 0 || target <= 0)
      release_asap(branches->pdata[0]);
    else
      branch_request_release(branches->pdata[0], (GstClockTime)target);
  }
  g_mutex_unlock(&engine->lock);
  attach_sequence(branches);
  return TRUE;
}

/* A spot released to start within this much is as good as on air for
 * loa_engine_queue_after() (e.g. the first spot after a cut-in). */
#define IMMINENT (1 * GST_SECOND)

/* Engine lock held. The spot that holds the line: of the spots on air now or
 * released to start within IMMINENT, the one starting last (after a cut-in,
 * that is the cut-in, not the spot fading out); NULL if the line is silent. */
static Branch *
on_air_branch(LoaEngine *engine)
{
  GstClockTime position = engine->mixer_position;
  if (!GST_CLOCK_TIME_IS_VALID(position))
    return NULL;
  Branch *best = NULL;
  for (GList *l = engine->branches; l != NULL; l = l->next) {
    Branch *branch = l->data;
    if (branch->cancelled || branch->state == BRANCH_FINISHED || !branch->release_requested)
      continue;
    if (branch->state == BRANCH_ENDED && branch->end_rt <= position)
      continue;
    GstClockTime target = branch->asap ? position : branch->target_rt;
    if (target > position + IMMINENT)
      continue;
    if (best == NULL || target > (best->asap ? position : best->target_rt))
      best = branch;
  }
  return best;
}

gboolean
loa_engine_queue_after(LoaEngine *engine, LoaEngineAfter where, const LoaEngineItem *items,
                       guint n_items, GError **error)
{
  g_autoptr(GPtrArray) branches = build_sequence(engine, items, n_items, error);
  if (branches == NULL)
    return FALSE;
  if (branches->len == 0)
    return TRUE;
  Branch *first = branches->pdata[0], *last = branches->pdata[branches->len - 1];

  g_mutex_lock(&engine->lock);
  Branch *current = on_air_branch(engine);
  /* An ended spot has released its successor already: that one is current. */
  while (current != NULL && current->state == BRANCH_ENDED && current->next != NULL)
    current = current->next;
  if (current != NULL && where == LOA_ENGINE_AFTER_SEQUENCE)
    while (current->next != NULL)
      current = current->next;
  if (current == NULL) {
    release_asap(first);
  } else if (current->state == BRANCH_ENDED) {
    branch_request_release(first, current->end_rt);
  } else {
    last->next = current->next;
    if (current->next != NULL)
      current->next->prev = last;
    current->next = first;
    first->prev = current;
  }
  g_mutex_unlock(&engine->lock);
  attach_sequence(branches);
  return TRUE;
}

GPtrArray *
loa_engine_cancel_pending(LoaEngine *engine)
{
  GPtrArray *taken = g_ptr_array_new();
  g_autoptr(GPtrArray) victims = g_ptr_array_new();

  g_mutex_lock(&engine->lock);
  GstClockTime position = engine->mixer_position;
  for (GList *l = engine->branches; l != NULL; l = l->next) {
    Branch *branch = l->data;
    if (branch->cancelled || branch->state == BRANCH_FINISHED || branch->state == BRANCH_ENDED)
      continue;
    gboolean mixed = branch->have_first && GST_CLOCK_TIME_IS_VALID(position) &&
                     branch->first_rt < position + RELEASE_AHEAD;
    if (!mixed) {
      branch->state = BRANCH_FINISHED; /* no note will reach it */
      g_ptr_array_add(victims, branch);
    }
  }
  g_mutex_unlock(&engine->lock);

  for (guint i = 0; i < victims->len; i++) {
    Branch *branch = victims->pdata[i];
    g_ptr_array_add(taken, branch->data);
    branch_remove(branch);
  }
  return taken;
}

gint64
loa_engine_cut(LoaEngine *engine, gint64 at_wall_ns, const char *reason)
{
  g_mutex_lock(&engine->lock);
  GstClockTime free_at = 0;
  if (at_wall_ns > 0)
    free_at = (GstClockTime)MAX(loa_engine_wall_to_running_time(engine, at_wall_ns), 0);
  GstClockTime busy = free_at;
  gboolean any = FALSE;
  for (GList *l = engine->branches; l != NULL; l = l->next) {
    Branch *branch = l->data;
    if (branch->cancelled || branch->state == BRANCH_FINISHED || !branch->have_first ||
        branch->cut_reason != NULL)
      continue;
    any = TRUE;
    if (branch->state == BRANCH_ENDED) {
      /* All of it is in the mixer already: its tail plays out. */
      busy = MAX(busy, branch->end_rt);
      continue;
    }
    GstClockTime fade_start = free_at > (GstClockTime)LOA_ENGINE_FADE_NS
                                ? free_at - (GstClockTime)LOA_ENGINE_FADE_NS : 0;
    fade_start = MAX(fade_start, branch->end_rt);
    branch->fade_start_rt = fade_start;
    branch->fade_end_rt = fade_start + (GstClockTime)LOA_ENGINE_FADE_NS;
    branch->cut_reason = g_strdup(reason);
    busy = MAX(busy, branch->fade_end_rt);
  }
  g_mutex_unlock(&engine->lock);
  if (!any && at_wall_ns <= 0)
    return 0;
  return loa_engine_running_time_to_wall(engine, busy);
}

gint64
loa_engine_busy_until(LoaEngine *engine)
{
  g_mutex_lock(&engine->lock);
  GstClockTime position = GST_CLOCK_TIME_IS_VALID(engine->mixer_position)
                            ? engine->mixer_position : 0;
  GstClockTime busy = 0;
  gboolean any = FALSE;
  for (GList *l = engine->branches; l != NULL; l = l->next) {
    Branch *head = l->data;
    if (head->prev != NULL || head->cancelled)
      continue;
    GstClockTime end = position;
    for (Branch *branch = head; branch != NULL; branch = branch->next) {
      if (branch->state == BRANCH_ENDED || branch->state == BRANCH_FINISHED)
        end = branch->end_rt;
      else if (GST_CLOCK_TIME_IS_VALID(branch->fade_end_rt))
        end = branch->fade_end_rt;
      else if (branch->have_first)
        end = branch->first_rt + branch->duration;
      else if (branch->release_requested)
        end = MAX(branch->target_rt, position) + branch->duration;
      else
        end += branch->duration;
      any = TRUE;
    }
    busy = MAX(busy, end);
  }
  g_mutex_unlock(&engine->lock);
  return any ? loa_engine_running_time_to_wall(engine, busy) : 0;
}
