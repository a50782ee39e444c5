/* An airing's start and end in the as-run log: the engine's started and
 * finished callbacks, the row completed with what reached the sink and, for
 * a monitored line, the monitor's verdict once its capture has caught up
 * (see daemon-private.h). Main thread. */
#define G_LOG_DOMAIN "loa-daemon"

#include "daemon-private.h"

#include "airlog.h"
#include "engine.h"
#include "i18n.h"
#include "loa-time.h"

/* Every airing ends here: its switch hold (if any) is released, which also
 * makes sure no switch result arrives for it afterwards. */
void
loa_daemon_airing_free(Airing *airing)
{
  if (airing->line->daemon->switcher != NULL)
    loa_switcher_release(airing->line->daemon->switcher, airing);
  g_free(airing->spot_id);
  g_free(airing->title);
  g_free(airing->path);
  g_free(airing);
}

void
loa_daemon_on_started(gpointer item_data, gint64 started_at, gpointer user_data)
{
  Airing *airing = item_data;
  LoaDaemon *daemon = user_data;
  g_autoptr(GError) error = NULL;
  if (airing->tone)
    return;
  airing->started_at = started_at;
  airing->line->on_air = g_list_append(airing->line->on_air, airing);
  if (airing->line->monitor != NULL)
    loa_monitor_begin(airing->line->monitor, airing, started_at,
                      started_at + airing->item.duration_ns);
  if (airing->line->output_meter != NULL)
    loa_monitor_begin(airing->line->output_meter, airing, started_at,
                      started_at + airing->item.duration_ns);
  if (!loa_airlog_set_started(daemon->airlog, airing->airing_id, started_at,
                              loa_engine_rate(airing->line->engine), &error))
    g_warning(_("line '%s': cannot record the start of %s: %s"), airing->line->config->id,
              airing->spot_id, error->message);
  g_autofree char *when = loa_time_format_local(daemon->config->timezone, started_at);
  g_message(_("line '%s': %s placed on air at %s"), airing->line->config->id, airing->spot_id,
            when);
}

/* An airing that has ended and whose log row waits for the line's return to
 * be measured up to its end (a capture block, ~110 ms, after it): the main
 * loop never waits for the capture. */
typedef struct {
  Airing *airing;
  char *status;
  char *reason;
  gint64 started_at, ended_at, frames;
  gint64 deadline_us;   /* monotonic: judge with what is there after this */
  guint source;
} Finishing;

/* How long a log row may wait for the monitor (as loa_monitor_end() would). */
#define FINISH_WAIT_US (300 * G_TIME_SPAN_MILLISECOND)
#define FINISH_POLL_MS 20

/* Completes airing's log row with the monitor's verdict and frees it. */
static void
complete_airing(LoaDaemon *daemon, Airing *airing, const char *status, const char *reason,
                gint64 started_at, gint64 ended_at, gint64 frames)
{
  g_autoptr(GError) error = NULL;
  /* What the line's return showed of it (only if it started: else no window). */
  LoaAiringFacts facts = { 0 };
  if (airing->line->output_meter != NULL && airing->started_at > 0) {
    LoaMonitorResult output = { 0 };
    loa_monitor_end(airing->line->output_meter, airing, &output);
  }
  if (airing->line->monitor != NULL && airing->started_at > 0) {
    LoaMonitorResult heard = { 0 };
    loa_monitor_end(airing->line->monitor, airing, &heard);
    facts.monitor = heard.verdict;
    facts.monitor_lufs_known = heard.loudness_known;
    facts.monitor_lufs = heard.loudness_lufs;
  }
  if (!loa_airlog_complete_with_facts(daemon->airlog, airing->airing_id, status, started_at,
                                      ended_at, frames, loa_engine_rate(airing->line->engine),
                                      reason, &facts, &error))
    g_critical(_("line '%s': cannot complete the log row of %s: %s"), airing->line->config->id,
               airing->spot_id, error->message);
  loa_daemon_airing_free(airing);
}

static void
finishing_complete(Finishing *f)
{
  Line *line = f->airing->line;
  line->finishing = g_list_remove(line->finishing, f);
  if (f->source != 0)
    g_source_remove(f->source);
  complete_airing(line->daemon, f->airing, f->status, f->reason, f->started_at, f->ended_at,
                  f->frames);
  g_free(f->status);
  g_free(f->reason);
  g_free(f);
}

static gboolean
on_finishing_poll(gpointer data)
{
  Finishing *f = data;
  Line *line = f->airing->line;
  if (line->monitor != NULL && !loa_monitor_caught_up(line->monitor, f->airing) &&
      g_get_monotonic_time() < f->deadline_us)
    return G_SOURCE_CONTINUE;
  f->source = 0;
  finishing_complete(f);
  return G_SOURCE_REMOVE;
}

/* Completes every log row still waiting for the monitor (at shutdown). */
void
loa_daemon_finish_waiting(Line *line)
{
  while (line->finishing != NULL)
    finishing_complete(line->finishing->data);
}

void
loa_daemon_on_finished(gpointer item_data, const LoaEngineOutcome *outcome, gpointer user_data)
{
  Airing *airing = item_data;
  LoaDaemon *daemon = user_data;

  if (airing->tone) {
    if (g_strcmp0(outcome->status, LOA_AIRING_COMPLETED) != 0)
      g_warning(_("line '%s': the DTMF code did not play: %s"), airing->line->config->id,
                outcome->reason != NULL ? outcome->reason : outcome->status);
    loa_daemon_airing_free(airing);
    return;
  }
  /* The line is free of it now: its switch hold goes (the post-roll counts
   * from here) and it is no longer on air, whenever its row is completed. */
  if (daemon->switcher != NULL)
    loa_switcher_release(daemon->switcher, airing);
  airing->line->on_air = g_list_remove(airing->line->on_air, airing);
  if (g_strcmp0(outcome->status, LOA_AIRING_FAILED) == 0) {
    g_free(airing->line->last_error);
    airing->line->last_error = g_strdup_printf("%s: %s", airing->spot_id, outcome->reason);
    airing->line->last_error_at = loa_time_now_wall_ns();
    timeline_maybe_fill(daemon, airing);
  }
  if (outcome->reason != NULL)
    g_message(_("line '%s': %s %s: %s"), airing->line->config->id, airing->spot_id,
              outcome->status, outcome->reason);
  else
    g_message(_("line '%s': %s %s (%.3f s)"), airing->line->config->id, airing->spot_id,
              outcome->status, (double)(outcome->ended_at - outcome->started_at) / 1e9);

  if (airing->line->monitor == NULL || airing->started_at == 0 ||
      loa_monitor_caught_up(airing->line->monitor, airing)) {
    complete_airing(daemon, airing, outcome->status, outcome->reason, outcome->started_at,
                    outcome->ended_at, outcome->frames);
    return;
  }
  Finishing *f = g_new0(Finishing, 1);
  f->airing = airing;
  f->status = g_strdup(outcome->status);
  f->reason = g_strdup(outcome->reason);
  f->started_at = outcome->started_at;
  f->ended_at = outcome->ended_at;
  f->frames = outcome->frames;
  f->deadline_us = g_get_monotonic_time() + FINISH_WAIT_US;
  f->source = g_timeout_add(FINISH_POLL_MS, on_finishing_poll, f);
  g_debug("line '%s': the log row of %s waits for the monitor", airing->line->config->id,
          airing->spot_id);
  airing->line->finishing = g_list_append(airing->line->finishing, f);
}

/* Closes an airing's open row as missed (it never played) and frees it. */
void
loa_daemon_airing_missed(LoaDaemon *daemon, Airing *airing, const char *reason)
{
  g_autoptr(GError) error = NULL;
  if (!loa_airlog_complete(daemon->airlog, airing->airing_id, LOA_AIRING_MISSED, 0, 0, 0,
                           loa_engine_rate(airing->line->engine), reason, &error))
    g_critical(_("line '%s': cannot complete the log row of %s: %s"), airing->line->config->id,
               airing->spot_id, error->message);
  g_warning(_("line '%s': %s missed: %s"), airing->line->config->id, airing->spot_id, reason);
  loa_daemon_airing_free(airing);
}
