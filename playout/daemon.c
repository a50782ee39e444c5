/* The playout daemon (see daemon.h). */
#define G_LOG_DOMAIN "loa-daemon"

#include "daemon.h"
#include "daemon-private.h"

#include "airlog.h"
#include "engine.h"
#include "i18n.h"
#include "loa-time.h"
#include "schedule-store.h"
#include "notify.h"
#include "schedule.h"
#include "spot.h"

#include <inttypes.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>

/* A change of wall - monotonic larger than this between two ticks is a step
 * of the wall clock (NTP slews by at most 0.5 ms per second). */
#define CLOCK_STEP_NS (100 * G_GINT64_CONSTANT(1000000))

/* How often the timeline looks ahead and the schedule is checked for a reload. */
#define TICK_MS 250
/* An occurrence closer than this when first seen cannot be placed exactly. */
#define MIN_LEAD_NS (300 * G_GINT64_CONSTANT(1000000))

/* How a group of airings reaches its line (see dispatch()). */
typedef enum {
  START_AT,          /* at its time; the line is free then */
  START_SOFT,        /* at its time, or after what is on air if that ends within the grace */
  START_HARD,        /* at its time, cutting what is on air (fade) */
  START_NEXT,        /* right after the spot on air (priority) */
  START_CUT_IN,      /* emergency: cut what is on air at its time, or now */
} StartMode;

/* Occurrences that must be decided at their time (priorities, busy lines)
 * wait in a timeout until DECIDE_LEAD_NS before it: late enough that what is
 * on air then is what will be on air at their time. Cuts are decided
 * CUT_LEAD_NS before: a spot on air has fed the mixer up to about half a
 * second ahead, and the fade must start after what it already fed. */
#define DECIDE_LEAD_NS (400 * G_GINT64_CONSTANT(1000000))
#define CUT_LEAD_NS (1000 * G_GINT64_CONSTANT(1000000))
/* A line busy until this little past a start counts as free: predicted ends
 * are rounded, and spots that abut must not be taken for overlapping. */
#define BUSY_SLACK_NS (2 * G_GINT64_CONSTANT(1000000))
/* Airings placed again after a clock step wait this long for a busy line. */
#define SOFT_GRACE_NS (120 * LOA_NS_PER_SECOND)

/* Every airing ends here: its switch hold (if any) is released, which also
 * makes sure no switch result arrives for it afterwards. */
static void
airing_free(Airing *airing)
{
  if (airing->line->daemon->switcher != NULL)
    loa_switcher_release(airing->line->daemon->switcher, airing);
  g_free(airing->spot_id);
  g_free(airing->title);
  g_free(airing->path);
  g_free(airing);
}

/* --- engine callbacks --------------------------------------------------- */

static void
on_started(gpointer item_data, gint64 started_at, gpointer user_data)
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

static void queue_filler(LoaDaemon *daemon, Line *line, gint64 start_ns);

/* A spot failed at air time: if nothing else follows on its line and the
 * station has a filler spot, the filler takes the rest of its slot, so the
 * line is not silent because of a file (never for a filler that failed). */
static void
maybe_fill(LoaDaemon *daemon, Airing *failed)
{
  Line *line = failed->line;
  if (daemon->config->filler == NULL || failed->filler || line->engine == NULL || line->failed)
    return;
  if (loa_engine_busy_until(line->engine) > loa_time_now_wall_ns() + MIN_LEAD_NS)
    return; /* the next spot of the event (or another airing) goes on */
  queue_filler(daemon, line, 0);
}

static void
on_finished(gpointer item_data, const LoaEngineOutcome *outcome, gpointer user_data)
{
  Airing *airing = item_data;
  LoaDaemon *daemon = user_data;
  g_autoptr(GError) error = NULL;

  if (airing->tone) {
    if (g_strcmp0(outcome->status, LOA_AIRING_COMPLETED) != 0)
      g_warning(_("line '%s': the DTMF code did not play: %s"), airing->line->config->id,
                outcome->reason != NULL ? outcome->reason : outcome->status);
    airing_free(airing);
    return;
  }
  /* What the line's return showed of it (only if it started: else no window). */
  LoaAiringFacts facts = { 0 };
  LoaMonitorResult heard = { 0 };
  if (airing->line->output_meter != NULL && airing->started_at > 0) {
    LoaMonitorResult output = { 0 };
    loa_monitor_end(airing->line->output_meter, airing, &output);
  }
  if (airing->line->monitor != NULL && airing->started_at > 0) {
    loa_monitor_end(airing->line->monitor, airing, &heard);
    facts.monitor = heard.verdict;
    facts.monitor_lufs_known = heard.loudness_known;
    facts.monitor_lufs = heard.loudness_lufs;
  }
  if (!loa_airlog_complete_with_facts(daemon->airlog, airing->airing_id, outcome->status,
                                      outcome->started_at, outcome->ended_at, outcome->frames,
                                      loa_engine_rate(airing->line->engine), outcome->reason,
                                      &facts, &error))
    g_critical(_("line '%s': cannot complete the log row of %s: %s"), airing->line->config->id,
               airing->spot_id, error->message);
  airing->line->on_air = g_list_remove(airing->line->on_air, airing);
  if (g_strcmp0(outcome->status, LOA_AIRING_FAILED) == 0) {
    g_free(airing->line->last_error);
    airing->line->last_error = g_strdup_printf("%s: %s", airing->spot_id, outcome->reason);
    airing->line->last_error_at = loa_time_now_wall_ns();
    maybe_fill(daemon, airing);
  }
  if (outcome->reason != NULL)
    g_message(_("line '%s': %s %s: %s"), airing->line->config->id, airing->spot_id,
              outcome->status, outcome->reason);
  else
    g_message(_("line '%s': %s %s (%.3f s)"), airing->line->config->id, airing->spot_id,
              outcome->status, (double)(outcome->ended_at - outcome->started_at) / 1e9);
  airing_free(airing);
}

static const LoaEngineCallbacks engine_callbacks;

/* Silence on a monitored line while it should carry a spot. */
static void
on_dead_air(const char *line_id, gint64 silent_since_wall_ns, gpointer user_data)
{
  LoaDaemon *daemon = user_data;
  Line *line = loa_daemon_find_line(daemon, line_id);
  if (line == NULL)
    return;
  g_autofree char *since = loa_time_format_local(daemon->config->timezone, silent_since_wall_ns);
  g_free(line->last_error);
  line->last_error = g_strdup_printf(_("dead air on the line's return since %s"), since);
  line->last_error_at = loa_time_now_wall_ns();
  g_critical(line->monitor != NULL
               ? _("line '%s': DEAD AIR: nothing on the line's return since %s while a spot is "
                   "on air")
               : _("line '%s': DEAD AIR: the output is silent since %s while a spot is on air"),
             line_id, since);
}

/* Starts the capture of a line's return, if it has one. A monitor that
 * cannot start is reported; the line airs without it (its rows say nothing
 * of the monitor). */
static void
start_monitor(Line *line)
{
  if (line->config->monitor == NULL) {
    /* No return to listen to: the output's own level says if a spot that
     * should sound is silent (a silent file, a muted mixer). */
    line->output_meter = loa_monitor_new(line->config->id, NULL,
                                         line->daemon->config->monitor_threshold_db, on_dead_air,
                                         line->daemon, NULL);
    return;
  }
  g_autoptr(GError) error = NULL;
  line->monitor = loa_monitor_new(line->config->id, line->config->monitor,
                                  line->daemon->config->monitor_threshold_db, on_dead_air,
                                  line->daemon, &error);
  if (line->monitor != NULL && !loa_monitor_start(line->monitor, &error))
    g_clear_pointer(&line->monitor, loa_monitor_free);
  if (line->monitor == NULL)
    g_warning(_("line '%s': its return is not monitored: %s"), line->config->id, error->message);
}

/* A switch-off asks for a DTMF off code on the line. */
static void queue_tone(LoaDaemon *daemon, Line *line, const char *path, gint64 frames,
                       gint64 end_ns);

/* A switch-off asks for a DTMF off code on the line: it plays now. */
static void
on_switch_play(const char *line_id, const char *path, gint64 frames, gpointer user_data)
{
  LoaDaemon *daemon = user_data;
  Line *line = loa_daemon_find_line(daemon, line_id);
  if (line != NULL)
    queue_tone(daemon, line, path, frames, 0);
}

/* A failed output (a USB card unplugged, a device error) is rebuilt every
 * LINE_RETRY_S until it starts again; meanwhile the line's airings are
 * logged failed and the other lines are unaffected. */
#define LINE_RETRY_S 3

static gboolean
retry_line(gpointer user_data)
{
  Line *line = user_data;
  g_autoptr(GError) error = NULL;
  loa_engine_free(line->engine);
  line->engine = loa_engine_new(line->config, line->daemon->config, &engine_callbacks, line, &error);
  if (line->engine != NULL && loa_engine_start(line->engine, &error)) {
    line->failed = FALSE;
    line->retry_source = 0;
    g_message(_("line '%s' is back on the air (%s)"), line->config->id, line->config->output);
    return G_SOURCE_REMOVE;
  }
  g_debug("line '%s': still off the air: %s", line->config->id, error->message);
  return G_SOURCE_CONTINUE;
}

static void
on_line_failed(const char *reason, gpointer user_data)
{
  Line *line = user_data;
  line->failed = TRUE;
  g_free(line->last_error);
  line->last_error = g_strdup(reason);
  line->last_error_at = loa_time_now_wall_ns();
  g_critical(_("line '%s' is off the air: %s (retrying every %d s)"), line->config->id, reason,
             LINE_RETRY_S);
  if (line->config->n_channels > 0) {
    /* A shared card is rebuilt only with all its lines: a restart does it. */
    g_critical(_("line '%s' shares card %s: it stays off the air until Loa restarts"),
               line->config->id, line->config->output);
    return;
  }
  if (line->retry_source == 0)
    line->retry_source = g_timeout_add_seconds(LINE_RETRY_S, retry_line, line);
}

static void
on_finished_line(gpointer item_data, const LoaEngineOutcome *outcome, gpointer user_data)
{
  Line *line = user_data;
  on_finished(item_data, outcome, line->daemon);
}

static void
on_started_line(gpointer item_data, gint64 started_at, gpointer user_data)
{
  Line *line = user_data;
  on_started(item_data, started_at, line->daemon);
}

/* The output's level every 100 ms: kept for `loa status`, and fed to the
 * output's dead-air watch of a line without a monitor. */
static void
on_level_line(gint64 start_wall_ns, gint64 duration_ns, double rms_dbfs, gpointer user_data)
{
  Line *line = user_data;
  line->level_dbfs = rms_dbfs;
  line->level_at = start_wall_ns;
  if (line->output_meter != NULL)
    loa_monitor_add_block(line->output_meter, start_wall_ns, duration_ns, rms_dbfs);
}

static const LoaEngineCallbacks engine_callbacks = {
  .started = on_started_line,
  .finished = on_finished_line,
  .line_failed = on_line_failed,
  .level = on_level_line,
};

/* --- the timeline -------------------------------------------------------- */

/* The event's start settings (schedule.h): a hard start cuts what is on air;
 * a soft one waits for it up to a grace; late = "play" lets a spot whose time
 * passed during an emergency air after it. */
static gboolean
event_hard_start(const LoaEvent *event)
{
  return event->start == LOA_START_HARD;
}

static gint64
event_grace(const LoaEvent *event)
{
  return event->grace_ns;
}

static gboolean
event_late_play(const LoaEvent *event)
{
  return event->late == LOA_LATE_PLAY;
}

Line *
loa_daemon_find_line(LoaDaemon *daemon, const char *id)
{
  for (guint i = 0; i < daemon->lines->len; i++) {
    Line *line = daemon->lines->pdata[i];
    if (g_strcmp0(line->config->id, id) == 0)
      return line;
  }
  return NULL;
}

static void
fill_plan(LoaAiringPlan *plan, const LoaEvent *event, const char *line_id, const char *spot_id,
          const LoaSpot *spot, gint64 schedule_id, gint64 scheduled_at)
{
  *plan = (LoaAiringPlan){
    .line = line_id,
    .spot_id = spot_id,
    .spot_sha256 = spot != NULL ? spot->sha256 : "",
    .title = spot != NULL ? spot->title : "",
    .category = spot != NULL ? spot->category : "",
    .topic = spot != NULL ? spot->topic : "",
    .priority = loa_priority_name(event != NULL ? event->priority : LOA_PRIORITY_NORMAL),
    .schedule_id = event != NULL ? schedule_id : 0,
    .event_ref = event != NULL ? event->ref : _("operator"),
    .scheduled_at = scheduled_at,
  };
}

/* Plays an in-band switch code (a DTMF WAV rendered by the switch set) on
 * line so that it ends at end_ns, or as soon as possible when end_ns is 0 or
 * too close. The code is not an airing: it has no log row. */
static void
queue_tone(LoaDaemon *daemon, Line *line, const char *path, gint64 frames, gint64 end_ns)
{
  if (line->engine == NULL || line->failed)
    return;
  Airing *tone = g_new0(Airing, 1);
  tone->line = line;
  tone->tone = TRUE;
  tone->spot_id = g_strdup("dtmf");
  tone->path = g_strdup(path);
  gint64 length = frames * LOA_NS_PER_SECOND / loa_engine_rate(line->engine);
  tone->item = (LoaEngineItem){ .path = tone->path, .data = tone, .duration_ns = length };
  gint64 start = end_ns > 0 ? end_ns - length : 0;
  if (start > 0 && start < loa_time_now_wall_ns() + MIN_LEAD_NS) {
    g_warning(_("line '%s': the DTMF address code comes too late to end before the program; "
                "it plays now"),
              line->config->id);
    start = 0;
  }
  g_autoptr(GError) error = NULL;
  if (!loa_engine_queue(line->engine, start, &tone->item, 1, &error)) {
    g_warning(_("line '%s': the DTMF code cannot play: %s"), line->config->id, error->message);
    airing_free(tone);
  }
}

/* The line's switch answered for an airing (before its first sample, by the
 * pre-roll): the result goes into its log row. A failed switch does not stop
 * the airing: the program still reaches the lines that work. */
static void
on_switch_held(gpointer handle, const LoaSwitchResult *result, gpointer user_data)
{
  Airing *airing = handle;
  LoaDaemon *daemon = airing->line->daemon;
  if (result->status == LOA_SWITCH_STATUS_NONE)
    return;
  g_autofree char *described = loa_switch_result_describe(result);
  if (result->status != LOA_SWITCH_STATUS_OK)
    g_warning(_("line '%s': switch for %s: %s"), airing->line->config->id, airing->spot_id,
              described);
  if (result->play_path != NULL)
    queue_tone(daemon, airing->line, result->play_path, result->play_frames,
               airing->started_at > 0 ? 0 : airing->scheduled_at);
  LoaAiringFacts facts = { .switches = described };
  g_autoptr(GError) error = NULL;
  if (!loa_airlog_set_facts(daemon->airlog, airing->airing_id, &facts, &error))
    g_warning(_("line '%s': cannot record the switch result of %s: %s"),
              airing->line->config->id, airing->spot_id, error->message);
}

/* Closes an airing's open row as missed (it never played) and frees it. */
static void
airing_missed(LoaDaemon *daemon, Airing *airing, const char *reason)
{
  g_autoptr(GError) error = NULL;
  if (!loa_airlog_complete(daemon->airlog, airing->airing_id, LOA_AIRING_MISSED, 0, 0, 0,
                           loa_engine_rate(airing->line->engine), reason, &error))
    g_critical(_("line '%s': cannot complete the log row of %s: %s"), airing->line->config->id,
               airing->spot_id, error->message);
  g_warning(_("line '%s': %s missed: %s"), airing->line->config->id, airing->spot_id, reason);
  airing_free(airing);
}

/* Opens a log row for every spot of the occurrence on the line. A spot that
 * cannot air is logged failed at once and left out. Returns the airings (a
 * new array of Airing * the caller owns), in play order. */
static GPtrArray *
open_airings(LoaDaemon *daemon, Line *line, const LoaEvent *event, const char *const *spots,
             gint64 start_ns, LoaPriority priority, const char *origin)
{
  GPtrArray *airings = g_ptr_array_new();
  gint64 planned = start_ns;

  for (guint i = 0; spots[i] != NULL; i++) {
    const char *spot_id = spots[i];
    g_autoptr(GError) error = NULL;
    g_autoptr(LoaSpot) spot = loa_spot_get(daemon->db, spot_id, &error);
    LoaAiringPlan plan;
    fill_plan(&plan, event, line->config->id, spot_id, spot, daemon->schedule_id, planned);
    plan.priority = loa_priority_name(priority);
    if (origin != NULL)
      plan.event_ref = origin;

    g_autofree char *problem = NULL;
    if (spot == NULL)
      problem = g_strdup(error->message);
    else if (!loa_spot_check_airable(daemon->db, spot, daemon->config->library,
                                     daemon->config->timezone, planned, &problem))
      ; /* problem says why: not approved, expired, file changed since approval... */
    else if (line->failed)
      problem = g_strdup(_("the line is off the air"));
    double gain = spot != NULL && daemon->config->loudness_normalize
                    ? loa_spot_air_gain_db(spot, daemon->config->loudness_target,
                                                      daemon->config->true_peak_max)
                               : 0.0;
    /* The engine's volume stage goes up to +20 dB: a spot quieter than that
     * below the target airs as loud as it can, and its row says so. */
    gain = MIN(gain, LOA_ENGINE_MAX_GAIN_DB);
    if (spot != NULL && daemon->config->loudness_normalize && !isnan(spot->loudness_lufs)) {
      plan.facts.gain_known = TRUE;
      plan.facts.gain_db = gain;
    }
    if (problem != NULL) {
      g_warning(_("line '%s': %s cannot air: %s"), line->config->id, spot_id, problem);
      g_autoptr(GError) log_error = NULL;
      if (loa_airlog_record(daemon->airlog, &plan, LOA_AIRING_FAILED, problem, &log_error) == 0)
        g_critical(_("cannot write the as-run log: %s"), log_error->message);
      continue;
    }

    gint64 id = loa_airlog_open(daemon->airlog, &plan, &error);
    if (id == 0) {
      /* Without its log row an airing must not happen. */
      g_critical(_("line '%s': %s not aired: cannot write the as-run log: %s"),
                 line->config->id, spot_id, error->message);
      continue;
    }
    Airing *airing = g_new0(Airing, 1);
    airing->line = line;
    airing->airing_id = id;
    airing->spot_id = g_strdup(spot_id);
    airing->title = g_strdup(spot->title);
    airing->operator = event == NULL;
    airing->path = loa_spot_path(spot, daemon->config->library);
    airing->scheduled_at = planned;
    airing->priority = priority;
    airing->late_play = event == NULL || event_late_play(event);
    gint64 cue_out = spot->cue_out_ns > 0 && spot->cue_out_ns < spot->duration_ns
                       ? spot->cue_out_ns : 0;
    gint64 cue_in = MAX(spot->cue_in_ns, 0);
    airing->item = (LoaEngineItem){
      .path = airing->path,
      .data = airing,
      .gain_db = gain,
      .cue_in_ns = cue_in,
      .cue_out_ns = cue_out,
      .duration_ns = (cue_out > 0 ? cue_out : spot->duration_ns) - cue_in,
    };
    g_ptr_array_add(airings, airing);
    if (daemon->switcher != NULL)
      loa_switcher_hold(daemon->switcher, line->config->id, planned, on_switch_held, airing);
    planned += airing->item.duration_ns;
  }
  return airings;
}

/* The engine items of airings[from..], in order (a new array). */
static GArray *
engine_items(GPtrArray *airings, guint from)
{
  GArray *items = g_array_new(FALSE, FALSE, sizeof(LoaEngineItem));
  for (guint i = from; i < airings->len; i++)
    g_array_append_val(items, ((Airing *)airings->pdata[i])->item);
  return items;
}

/* Hands airings to the engine as one sequence: at start_ns, or after what is
 * on air. If the engine refuses, they are finished as failed. Takes airings. */
static void
queue_airings(LoaDaemon *daemon, Line *line, GPtrArray *airings, gint64 start_ns,
              gboolean after, LoaEngineAfter where)
{
  if (airings->len == 0) {
    g_ptr_array_unref(airings);
    return;
  }
  g_autoptr(GArray) items = engine_items(airings, 0);
  g_autoptr(GError) error = NULL;
  gboolean queued = after ? loa_engine_queue_after(line->engine, where,
                                                   (LoaEngineItem *)items->data, items->len,
                                                   &error)
                          : loa_engine_queue(line->engine, start_ns, (LoaEngineItem *)items->data,
                                             items->len, &error);
  if (!queued) {
    for (guint i = 0; i < airings->len; i++) {
      LoaEngineOutcome outcome = { .status = LOA_AIRING_FAILED, .reason = error->message };
      on_finished(airings->pdata[i], &outcome, daemon);
    }
  }
  g_ptr_array_unref(airings);
}

/* Airings taken back from the engine because something cut in before them
 * (an emergency or a hard start ending at busy_until): each goes back at its
 * time if that is still free, after the cut-in if it may air late, or is
 * logged missed. Takes displaced. */
static void
resettle(LoaDaemon *daemon, Line *line, GPtrArray *displaced, gint64 cut_at, gint64 busy_until,
         const char *why)
{
  for (guint i = 0; i < displaced->len; i++) {
    Airing *airing = displaced->pdata[i];
    g_autoptr(GPtrArray) one = g_ptr_array_new();
    g_ptr_array_add(one, airing);
    gboolean ahead = airing->scheduled_at >= loa_time_now_wall_ns() + MIN_LEAD_NS;
    if (ahead && (airing->scheduled_at + airing->item.duration_ns <= cut_at ||
                  airing->scheduled_at >= busy_until))
      queue_airings(daemon, line, g_steal_pointer(&one), airing->scheduled_at, FALSE, 0);
    else if (airing->late_play || airing->priority != LOA_PRIORITY_NORMAL)
      queue_airings(daemon, line, g_steal_pointer(&one), 0, TRUE, LOA_ENGINE_AFTER_SEQUENCE);
    else
      airing_missed(daemon, airing, why);
  }
  g_ptr_array_unref(displaced);
}

/* Puts airings on the line the way mode says, at start_ns (0: now). Called
 * at most DECIDE_LEAD_NS before start_ns for every mode but START_AT, so
 * "what is on air" is what will be on air then. Takes airings. */
static void
dispatch(LoaDaemon *daemon, Line *line, GPtrArray *airings, StartMode mode, gint64 start_ns,
         gint64 grace_ns)
{
  gint64 now = loa_time_now_wall_ns();
  gint64 at = MAX(start_ns, now);
  if (airings->len == 0 || line->engine == NULL) {
    for (guint i = 0; i < airings->len; i++)
      airing_missed(daemon, airings->pdata[i], _("the line is off the air"));
    g_ptr_array_unref(airings);
    return;
  }
  /* Normal airings whose time falls inside an emergency wait for its end or
   * are missed; an emergency never waits. */
  if (mode != START_CUT_IN && line->emergency_until > at) {
    if (mode == START_NEXT || ((Airing *)airings->pdata[0])->late_play) {
      queue_airings(daemon, line, airings, 0, TRUE, LOA_ENGINE_AFTER_SEQUENCE);
    } else {
      for (guint i = 0; i < airings->len; i++)
        airing_missed(daemon, airings->pdata[i], _("its time passed during an emergency"));
      g_ptr_array_unref(airings);
    }
    return;
  }

  switch (mode) {
  case START_AT:
    queue_airings(daemon, line, airings, start_ns, FALSE, 0);
    return;
  case START_NEXT:
    if (loa_engine_busy_until(line->engine) > at)
      queue_airings(daemon, line, airings, 0, TRUE, LOA_ENGINE_AFTER_CURRENT);
    else
      queue_airings(daemon, line, airings, start_ns, FALSE, 0);
    return;
  case START_SOFT: {
    gint64 busy = loa_engine_busy_until(line->engine);
    if (busy <= at + BUSY_SLACK_NS) {
      queue_airings(daemon, line, airings, start_ns, FALSE, 0);
    } else if (busy - at <= grace_ns || ((Airing *)airings->pdata[0])->late_play) {
      g_message(_("line '%s': busy for %.1f s more; %s airs after what is on air"),
                line->config->id, (double)(busy - at) / 1e9,
                ((Airing *)airings->pdata[0])->spot_id);
      queue_airings(daemon, line, airings, 0, TRUE, LOA_ENGINE_AFTER_SEQUENCE);
    } else {
      g_autofree char *why = g_strdup_printf(
        _("the line was busy for %.0f s past its time, longer than its grace of %.0f s"),
        (double)(busy - at) / 1e9, (double)grace_ns / 1e9);
      for (guint i = 0; i < airings->len; i++)
        airing_missed(daemon, airings->pdata[i], why);
      g_ptr_array_unref(airings);
    }
    return;
  }
  case START_HARD:
  case START_CUT_IN: {
    gboolean emergency = mode == START_CUT_IN;
    const char *reason = emergency ? _("cut by an emergency announcement")
                                   : _("cut by a hard start");
    GPtrArray *displaced = loa_engine_cancel_pending(line->engine);
    gint64 free_at = loa_engine_cut(line->engine, start_ns > now ? start_ns : 0, reason);
    if (free_at > 0 && free_at > start_ns + LOA_ENGINE_FADE_NS)
      g_debug("line '%s': free at %+.3f ms from the cut-in's time", line->config->id,
              (double)(free_at - start_ns) / 1e6);
    queue_airings(daemon, line, airings, free_at, FALSE, 0);
    gint64 busy = loa_engine_busy_until(line->engine);
    if (emergency)
      line->emergency_until = MAX(line->emergency_until, busy);
    resettle(daemon, line, displaced, free_at > 0 ? free_at : now, busy,
             emergency ? _("its time passed during an emergency")
                       : _("its time passed while a hard start was on air"));
    return;
  }
  }
}

/* How an event starts, from its priority and start settings. */
static StartMode
event_start_mode(const LoaEvent *event)
{
  switch (event->priority) {
  case LOA_PRIORITY_EMERGENCY:
    return START_CUT_IN;
  case LOA_PRIORITY_PRIORITY:
    return START_NEXT;
  case LOA_PRIORITY_NORMAL:
    break;
  }
  return event_hard_start(event) ? START_HARD : START_SOFT;
}

/* An occurrence on a line waiting to be decided at its time. */
typedef struct {
  LoaDaemon *daemon;
  Line *line;
  GPtrArray *airings;   /* Airing *, rows open */
  StartMode mode;
  gint64 start_ns;
  gint64 grace_ns;
  guint source;
} Deferred;

static gboolean
decide_deferred(gpointer data)
{
  Deferred *deferred = data;
  deferred->daemon->deferred = g_list_remove(deferred->daemon->deferred, deferred);
  dispatch(deferred->daemon, deferred->line, g_steal_pointer(&deferred->airings), deferred->mode,
           deferred->start_ns, deferred->grace_ns);
  g_free(deferred);
  return G_SOURCE_REMOVE;
}

/* Places one occurrence on one line: every spot gets its log row now; the
 * airings go to the engine now if the line is free at their time (exact
 * placement), else just before their time, when what is on air then is known. */
static void
place_on_line(LoaDaemon *daemon, const LoaOccurrence *occurrence, Line *line)
{
  const LoaEvent *event = occurrence->event;
  GPtrArray *airings = open_airings(daemon, line, event, (const char *const *)occurrence->spots,
                                    occurrence->start_ns, event->priority, NULL);
  if (airings->len == 0) { /* every spot was logged failed already */
    g_ptr_array_unref(airings);
    if (daemon->config->filler != NULL && !line->failed && line->engine != NULL)
      queue_filler(daemon, line, occurrence->start_ns);
    return;
  }
  StartMode mode = event_start_mode(event);
  gint64 busy = loa_engine_busy_until(line->engine);
  if ((mode == START_SOFT || mode == START_HARD) && busy <= occurrence->start_ns + BUSY_SLACK_NS &&
      line->emergency_until <= occurrence->start_ns)
    mode = START_AT;
  gint64 lead = mode == START_HARD || mode == START_CUT_IN ? CUT_LEAD_NS : DECIDE_LEAD_NS;
  gint64 wait = occurrence->start_ns - lead - loa_time_now_wall_ns();
  if (mode == START_AT || wait <= 0) {
    dispatch(daemon, line, airings, mode, occurrence->start_ns, event_grace(event));
    return;
  }
  Deferred *deferred = g_new0(Deferred, 1);
  deferred->daemon = daemon;
  deferred->line = line;
  deferred->airings = airings;
  deferred->mode = mode;
  deferred->start_ns = occurrence->start_ns;
  deferred->grace_ns = event_grace(event);
  deferred->source = g_timeout_add((guint)(wait / 1000000), decide_deferred, deferred);
  daemon->deferred = g_list_prepend(daemon->deferred, deferred);
}

static char *
placement_key(const LoaOccurrence *occurrence, const char *line_id)
{
  g_autofree char *spots = g_strjoinv(",", occurrence->spots);
  return g_strdup_printf("%" PRId64 "|%s|%s", occurrence->start_ns, line_id, spots);
}

/* Keys of occurrences that started more than a minute ago can go: the
 * horizon never moves back that far, so they cannot be placed twice. */
static gboolean
placement_is_old(gpointer key, gpointer value, gpointer user_data)
{
  gint64 start = g_ascii_strtoll(key, NULL, 10);
  return start < *(gint64 *)user_data;
}

/* Occurrences in [from, until) that were never placed (the wall clock
 * stepped forward over them, or the daemon was held up): logged missed on
 * each of their lines, never played late. */
static void
log_missed(LoaDaemon *daemon, gint64 from, gint64 until)
{
  g_autoptr(GArray) occurrences = loa_schedule_expand(daemon->schedule, from, until);
  for (guint i = 0; i < occurrences->len; i++) {
    const LoaOccurrence *occurrence = &g_array_index(occurrences, LoaOccurrence, i);
    for (guint l = 0; occurrence->event->lines[l] != NULL; l++) {
      const char *line_id = occurrence->event->lines[l];
      char *key = placement_key(occurrence, line_id);
      if (loa_daemon_find_line(daemon, line_id) == NULL || !g_hash_table_add(daemon->placed, key))
        continue;
      for (guint s = 0; occurrence->spots[s] != NULL; s++) {
        const char *spot_id = occurrence->spots[s];
        g_autoptr(LoaSpot) spot = loa_spot_get(daemon->db, spot_id, NULL);
        LoaAiringPlan plan;
        fill_plan(&plan, occurrence->event, line_id, spot_id, spot, daemon->schedule_id,
                  occurrence->start_ns);
        g_autoptr(GError) error = NULL;
        if (loa_airlog_record(daemon->airlog, &plan, LOA_AIRING_MISSED,
                              _("its time passed before it could be prepared "
                                "(the wall clock stepped forward, or Loa was held up)"),
                              &error) == 0)
          g_critical(_("cannot write the as-run log: %s"), error->message);
        g_warning(_("line '%s': %s missed its time"), line_id, spot_id);
      }
    }
  }
}

/* After a step of the wall clock, airings placed but not started are placed
 * again at their wall time (the engine converted it to pipeline time with the
 * old offset); those whose time the step jumped over are missed. What is on
 * air is not touched. Deferred decisions are re-timed. */
static void
replace_after_step(LoaDaemon *daemon)
{
  gint64 now = loa_time_now_wall_ns();
  for (guint l = 0; l < daemon->lines->len; l++) {
    Line *line = daemon->lines->pdata[l];
    if (line->engine == NULL || line->failed)
      continue;
    g_autoptr(GPtrArray) displaced = loa_engine_cancel_pending(line->engine);
    for (guint i = 0; i < displaced->len; i++) {
      Airing *airing = displaced->pdata[i];
      if (airing->scheduled_at < now + MIN_LEAD_NS) {
        airing_missed(daemon, airing, _("the wall clock stepped over its time"));
        continue;
      }
      GPtrArray *one = g_ptr_array_new();
      g_ptr_array_add(one, airing);
      dispatch(daemon, line, one, START_SOFT, airing->scheduled_at, SOFT_GRACE_NS);
    }
  }
  for (GList *l = daemon->deferred; l != NULL; l = l->next) {
    Deferred *deferred = l->data;
    g_source_remove(deferred->source);
    gint64 lead = deferred->mode == START_HARD || deferred->mode == START_CUT_IN ? CUT_LEAD_NS
                                                                                : DECIDE_LEAD_NS;
    gint64 wait = MAX(deferred->start_ns - lead - now, 0);
    deferred->source = g_timeout_add((guint)(wait / 1000000), decide_deferred, deferred);
  }
}

/* A step of the wall clock: what is on air plays on; everything else follows
 * the new wall time, and what the step jumped over is missed. */
static void
watch_clock(LoaDaemon *daemon)
{
  gint64 offset = loa_time_wall_minus_monotonic_ns();
  gint64 step = offset - daemon->clock_offset;
  gboolean stepped = daemon->clock_offset != 0 && (step > CLOCK_STEP_NS || step < -CLOCK_STEP_NS);
  daemon->clock_offset = offset;
  if (!stepped)
    return;
  g_warning(_("the wall clock stepped by %+.3f s; later airings follow the new time"),
            (double)step / 1e9);
  replace_after_step(daemon);
}

static void
place_upcoming(LoaDaemon *daemon)
{
  watch_clock(daemon);
  if (daemon->schedule == NULL)
    return;
  gint64 now = loa_time_now_wall_ns();
  gint64 until = now + (gint64)daemon->config->prepare_seconds * LOA_NS_PER_SECOND;
  if (daemon->horizon > 0 && daemon->horizon < now + MIN_LEAD_NS)
    log_missed(daemon, daemon->horizon, now + MIN_LEAD_NS);
  gint64 from = MAX(daemon->horizon, now + MIN_LEAD_NS);
  if (until <= from)
    return;
  g_autoptr(GArray) occurrences = loa_schedule_expand(daemon->schedule, from, until);
  for (guint i = 0; i < occurrences->len; i++) {
    const LoaOccurrence *occurrence = &g_array_index(occurrences, LoaOccurrence, i);
    for (guint l = 0; occurrence->event->lines[l] != NULL; l++) {
      Line *line = loa_daemon_find_line(daemon, occurrence->event->lines[l]);
      char *key = placement_key(occurrence, occurrence->event->lines[l]);
      if (line == NULL || !g_hash_table_add(daemon->placed, key))
        continue;
      place_on_line(daemon, occurrence, line);
    }
  }
  daemon->horizon = until;
  gint64 old = now - 60 * LOA_NS_PER_SECOND;
  g_hash_table_foreach_remove(daemon->placed, placement_is_old, &old);
}

/* Reads the active schedule if it changed. A schedule that no longer parses
 * (the config changed under it) is refused and the current one kept. */
static void
reload_schedule(LoaDaemon *daemon)
{
  g_autoptr(GError) error = NULL;
  gint64 id = loa_schedule_store_active_id(daemon->db, &error);
  if (error != NULL) {
    g_warning(_("cannot check for a new schedule: %s"), error->message);
    return;
  }
  if (id == daemon->schedule_id && !daemon->reload_requested)
    return;
  daemon->reload_requested = FALSE;
  if (id == 0)
    return;
  g_autoptr(LoaStoredSchedule) stored = loa_schedule_store_active(daemon->db, &error);
  if (stored == NULL) {
    if (error != NULL)
      g_warning(_("cannot read the loaded schedule: %s"), error->message);
    return;
  }
  g_autoptr(LoaProblems) problems = loa_problems_new();
  LoaSchedule *schedule = loa_schedule_parse(stored->source_path, stored->content,
                                             daemon->config, problems);
  if (schedule == NULL) {
    g_warning(_("schedule #%" PRId64 " (%s) does not parse with this configuration; "
                "keeping the previous one"),
              stored->id, stored->source_path);
    loa_problems_print(problems, stderr);
    daemon->schedule_id = id; /* do not retry it every tick */
    return;
  }
  if (daemon->schedule != NULL)
    loa_schedule_free(daemon->schedule);
  daemon->schedule = schedule;
  daemon->schedule_id = id;
  /* Look at the whole lead window again; what was placed stays placed. */
  daemon->horizon = 0;
  g_message(_("schedule #%" PRId64 " in use: %s (%u events)"), id, stored->source_path,
            schedule->events->len);
}

/* The watchdog is petted only while the timeline ticks: a loop stuck
 * anywhere (a blocked call, a deadlock) stops it, and systemd restarts us. */
static gboolean
loop_is_healthy(gpointer user_data)
{
  LoaDaemon *daemon = user_data;
  return loa_time_now_monotonic_ns() - daemon->last_tick_mono < 4 * TICK_MS * 1000000;
}

/* Test hook: LOA_TEST_STALL="AT SECONDS" blocks the main loop for SECONDS
 * once the wall clock reaches AT (epoch seconds), as a deadlock would, so
 * the watchdog can be seen to stop. Unset in production. */
static void
test_stall(LoaDaemon *daemon)
{
  const char *stall = g_getenv("LOA_TEST_STALL");
  if (stall == NULL || daemon->stalled)
    return;
  char *end = NULL;
  gint64 at = g_ascii_strtoll(stall, &end, 10);
  gint64 seconds = end != NULL ? g_ascii_strtoll(end, NULL, 10) : 0;
  if (loa_time_now_wall_ns() / LOA_NS_PER_SECOND < at)
    return;
  daemon->stalled = TRUE;
  g_warning("test hook: the main loop stalls for %" PRId64 " s", seconds);
  g_usleep((gulong)(seconds * G_USEC_PER_SEC));
}

static gboolean
on_tick(gpointer user_data)
{
  LoaDaemon *daemon = user_data;
  test_stall(daemon);
  daemon->last_tick_mono = loa_time_now_monotonic_ns();
  reload_schedule(daemon);
  place_upcoming(daemon);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_quit_signal(gpointer user_data)
{
  LoaDaemon *daemon = user_data;
  g_message(_("stopping on request"));
  g_main_loop_quit(daemon->loop);
  return G_SOURCE_CONTINUE;
}

/* The configuration file's size and mtime, to tell whether it changed. */
static char *
config_stamp(const LoaConfig *config)
{
  GStatBuf st;
  if (config->path == NULL || g_stat(config->path, &st) != 0)
    return g_strdup("");
  return g_strdup_printf("%lld:%lld", (long long)st.st_size, (long long)st.st_mtime);
}

static gboolean
on_reload_signal(gpointer user_data)
{
  loa_daemon_reload(user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_stop_time(gpointer user_data)
{
  LoaDaemon *daemon = user_data;
  daemon->stop_source = 0;
  g_message(_("run time is over, stopping"));
  g_main_loop_quit(daemon->loop);
  return G_SOURCE_REMOVE;
}

/* --- lifecycle ------------------------------------------------------------ */

/* The shared card of the lines whose output is output (built for the first
 * of them, with every such line's channels in mind), or NULL with the error. */
static LoaEngineCard *
card_for(LoaDaemon *daemon, const char *output, GError **error)
{
  for (guint i = 0; i < daemon->card_outputs->len; i++)
    if (g_strcmp0(daemon->card_outputs->pdata[i], output) == 0)
      return daemon->cards->pdata[i];
  int highest = 0;
  for (guint i = 0; i < daemon->config->lines->len; i++) {
    const LoaLineConfig *line = g_ptr_array_index(daemon->config->lines, i);
    if (g_strcmp0(line->output, output) == 0)
      for (int c = 0; c < line->n_channels; c++)
        highest = MAX(highest, line->channels[c]);
  }
  LoaEngineCard *card = loa_engine_card_new(output, highest, daemon->config, error);
  if (card == NULL)
    return NULL;
  g_ptr_array_add(daemon->cards, card);
  g_ptr_array_add(daemon->card_outputs, g_strdup(output));
  return card;
}

LoaDaemon *
loa_daemon_new(const LoaConfig *config, sqlite3 *db, GError **error)
{
  g_autoptr(LoaDaemon) daemon = g_new0(LoaDaemon, 1);
  daemon->config = config;
  daemon->db = db;
  daemon->lines = g_ptr_array_new();
  daemon->cards = g_ptr_array_new_with_free_func((GDestroyNotify)loa_engine_card_free);
  daemon->card_outputs = g_ptr_array_new_with_free_func(g_free);
  daemon->placed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  daemon->airlog = loa_airlog_new(db, error);
  if (daemon->airlog == NULL)
    return NULL;

  for (guint i = 0; i < config->lines->len; i++) {
    Line *line = g_new0(Line, 1);
    line->daemon = daemon;
    line->config = g_ptr_array_index(config->lines, i);
    g_ptr_array_add(daemon->lines, line);
    /* A line whose output cannot be built stays off the air (its airings are
     * logged failed); the other lines still air. */
    g_autoptr(GError) local = NULL;
    if (line->config->n_channels > 0) {
      LoaEngineCard *card = card_for(daemon, line->config->output, &local);
      if (card != NULL)
        line->engine = loa_engine_new_on_card(card, line->config, config, &engine_callbacks, line,
                                              &local);
    } else {
      line->engine = loa_engine_new(line->config, config, &engine_callbacks, line, &local);
    }
    if (line->engine == NULL) {
      g_critical(_("line '%s' is off the air: %s"), line->config->id, local->message);
      line->failed = TRUE;
      if (error != NULL && *error == NULL)
        g_propagate_error(error, g_steal_pointer(&local));
    }
  }
  for (guint i = 0; i < daemon->lines->len; i++)
    if (!((Line *)daemon->lines->pdata[i])->failed) {
      g_clear_error(error);
      return g_steal_pointer(&daemon);
    }
  return NULL; /* no line can air: the first line's error says why */
}

gboolean
loa_daemon_run(LoaDaemon *daemon, gint64 stop_at_wall_ns, GError **error)
{
  int recovered = loa_airlog_recover(
    daemon->airlog, _("Loa stopped while this was on air (found at the next start)"), error);
  if (recovered < 0)
    return FALSE;
  if (recovered > 0)
    g_warning(_("%d airings were left on air by an unclean stop; logged as interrupted"),
              recovered);

  guint running = 0;
  for (guint i = 0; i < daemon->lines->len; i++) {
    Line *line = daemon->lines->pdata[i];
    g_autoptr(GError) local = NULL;
    if (line->failed)
      continue;
    if (!loa_engine_start(line->engine, &local)) {
      g_critical(_("line '%s' is off the air: %s"), line->config->id, local->message);
      line->failed = TRUE;
      if (error != NULL && *error == NULL)
        g_propagate_error(error, g_steal_pointer(&local));
      continue;
    }
    running++;
    g_message(_("line '%s' (%s) on %s"), line->config->id, line->config->name,
              line->config->output);
  }
  if (running == 0)
    return FALSE; /* the error is the first line's */
  for (guint i = 0; i < daemon->lines->len; i++)
    start_monitor(daemon->lines->pdata[i]);
  /* A card missing at start may be plugged in later. */
  for (guint i = 0; i < daemon->lines->len; i++) {
    Line *line = daemon->lines->pdata[i];
    if (line->failed && line->retry_source == 0 && line->config->n_channels == 0)
      line->retry_source = g_timeout_add_seconds(LINE_RETRY_S, retry_line, line);
  }
  g_clear_error(error);

  daemon->started_at = loa_time_now_wall_ns();
  daemon->config_stamp = config_stamp(daemon->config);
  g_autoptr(GError) switch_error = NULL;
  daemon->switcher = loa_switcher_new(daemon->config, NULL, on_switch_play, daemon, &switch_error);
  if (daemon->switcher == NULL)
    g_critical(_("the line switches cannot be used: %s"), switch_error->message);
  if (daemon->config->drop_folder != NULL) {
    g_autoptr(GError) drop_error = NULL;
    daemon->drop_folder = loa_drop_folder_new(daemon->db, daemon->config,
                                              daemon->config->drop_folder, &drop_error);
    if (daemon->drop_folder == NULL)
      g_warning(_("the drop folder is not watched: %s"), drop_error->message);
    else
      loa_drop_folder_start(daemon->drop_folder, NULL);
  }
  daemon->loop = g_main_loop_new(NULL, FALSE);
  g_autoptr(GError) control_error = NULL;
  daemon->control = loa_control_new(daemon->config->control_socket, &control_error);
  if (daemon->control == NULL) {
    /* Playout goes on without it: the schedule matters more than the console. */
    g_warning(_("no control socket (loa status, play, skip will not reach this daemon): %s"),
              control_error->message);
  } else {
    loa_daemon_control_register(daemon, daemon->control);
    loa_control_start(daemon->control, NULL);
  }
  daemon->signal_sources[0] = g_unix_signal_add(SIGINT, on_quit_signal, daemon);
  daemon->signal_sources[1] = g_unix_signal_add(SIGTERM, on_quit_signal, daemon);
  daemon->signal_sources[2] = g_unix_signal_add(SIGHUP, on_reload_signal, daemon);
  if (stop_at_wall_ns > 0) {
    gint64 ms = MAX(0, (stop_at_wall_ns - loa_time_now_wall_ns()) / 1000000);
    daemon->stop_source = g_timeout_add((guint)MIN(ms, G_MAXUINT), on_stop_time, daemon);
  }
  on_tick(daemon);
  if (daemon->schedule == NULL)
    g_message(_("no schedule loaded yet; playing silence (load one with 'loa schedule load')"));
  daemon->tick_source = g_timeout_add(TICK_MS, on_tick, daemon);
  g_autoptr(LoaNotifyWatchdog) watchdog = loa_notify_watchdog_start(NULL, loop_is_healthy, daemon);
  loa_notify_status(_("on air: %u of %u lines"), running, daemon->lines->len);
  loa_notify_ready();

  g_main_loop_run(daemon->loop);

  loa_notify_stopping();
  g_clear_pointer(&watchdog, loa_notify_watchdog_stop);
  g_clear_pointer(&daemon->control, loa_control_free);
  g_clear_pointer(&daemon->drop_folder, loa_drop_folder_free);

  g_source_remove(daemon->tick_source);
  daemon->tick_source = 0;
  for (guint i = 0; i < G_N_ELEMENTS(daemon->signal_sources); i++) {
    g_source_remove(daemon->signal_sources[i]);
    daemon->signal_sources[i] = 0;
  }
  if (daemon->stop_source != 0)
    g_source_remove(daemon->stop_source);
  daemon->stop_source = 0;
  while (daemon->deferred != NULL) {
    Deferred *deferred = daemon->deferred->data;
    daemon->deferred = g_list_delete_link(daemon->deferred, daemon->deferred);
    g_source_remove(deferred->source);
    for (guint i = 0; i < deferred->airings->len; i++) {
      LoaEngineOutcome outcome = { .status = LOA_AIRING_INTERRUPTED,
                                   .reason = _("stopped before it started") };
      on_finished(deferred->airings->pdata[i], &outcome, daemon);
    }
    g_ptr_array_unref(deferred->airings);
    g_free(deferred);
  }
  for (guint i = 0; i < daemon->lines->len; i++) {
    Line *line = daemon->lines->pdata[i];
    if (line->engine != NULL)
      loa_engine_stop(line->engine, _("Loa was stopped"));
  }
  /* Fail-safe: every line is switched off before we go. */
  g_clear_pointer(&daemon->switcher, loa_switcher_free);
  return TRUE;
}

static void
queue_filler(LoaDaemon *daemon, Line *line, gint64 start_ns)
{
  const char *spots[] = { daemon->config->filler, NULL };
  GPtrArray *airings = open_airings(daemon, line, NULL, spots,
                                    start_ns > 0 ? start_ns : loa_time_now_wall_ns(),
                                    LOA_PRIORITY_NORMAL, "filler");
  for (guint i = 0; i < airings->len; i++) {
    Airing *airing = airings->pdata[i];
    airing->filler = TRUE;
    airing->operator = FALSE;
    airing->late_play = FALSE;
  }
  if (airings->len > 0)
    g_message(_("line '%s': the filler %s fills the failed spot's slot"), line->config->id,
              daemon->config->filler);
  dispatch(daemon, line, airings, START_SOFT, start_ns, 0);
}

gint64
loa_daemon_play_on_line(LoaDaemon *daemon, Line *line, const char *spot_id, LoaPriority priority,
                        gint64 *duration_ns)
{
  const char *spots[] = { spot_id, NULL };
  StartMode mode = priority == LOA_PRIORITY_EMERGENCY ? START_CUT_IN
                   : priority == LOA_PRIORITY_PRIORITY ? START_NEXT : START_SOFT;
  GPtrArray *airings = open_airings(daemon, line, NULL, spots, loa_time_now_wall_ns(), priority,
                                    NULL);
  Airing *first = airings->len > 0 ? airings->pdata[0] : NULL;
  gint64 id = first != NULL ? first->airing_id : 0;
  *duration_ns = first != NULL ? first->item.duration_ns : 0;
  g_message(_("line '%s': %s requested by the operator (%s)"), line->config->id, spot_id,
            loa_priority_name(priority));
  dispatch(daemon, line, airings, mode, 0, G_MAXINT64 / 2);
  return id;
}

gboolean
loa_daemon_play(LoaDaemon *daemon, const char *spot_id, const char *const *line_ids,
                LoaPriority priority, GError **error)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new();
  for (guint i = 0; line_ids[i] != NULL; i++) {
    Line *line = loa_daemon_find_line(daemon, line_ids[i]);
    if (line == NULL) {
      g_set_error(error, LOA_ENGINE_ERROR, LOA_ENGINE_ERROR_STATE, _("unknown line '%s'"),
                  line_ids[i]);
      return FALSE;
    }
    if (line->engine == NULL || line->failed) {
      g_set_error(error, LOA_ENGINE_ERROR, LOA_ENGINE_ERROR_STATE, _("line '%s' is off the air"),
                  line_ids[i]);
      return FALSE;
    }
    g_ptr_array_add(lines, line);
  }
  g_autoptr(LoaSpot) spot = loa_spot_get(daemon->db, spot_id, error);
  if (spot == NULL)
    return FALSE;
  for (guint i = 0; i < lines->len; i++) {
    gint64 duration;
    (void)loa_daemon_play_on_line(daemon, lines->pdata[i], spot_id, priority, &duration);
  }
  return TRUE;
}

guint
loa_daemon_cut_line(LoaDaemon *daemon, Line *line, const char *reason, gboolean cancel_operator)
{
  if (line->engine == NULL || line->failed)
    return 0;
  GPtrArray *displaced = loa_engine_cancel_pending(line->engine);
  gint64 now = loa_time_now_wall_ns();
  gint64 free_at = loa_engine_cut(line->engine, 0, reason);
  guint cancelled = 0;
  GPtrArray *kept = g_ptr_array_new();
  for (guint i = 0; i < displaced->len; i++) {
    Airing *airing = displaced->pdata[i];
    if (cancel_operator && airing->operator) {
      airing_missed(daemon, airing, reason);
      cancelled++;
    } else {
      g_ptr_array_add(kept, airing);
    }
  }
  g_ptr_array_unref(displaced);
  /* What waited behind the cut spot goes on where it ends. */
  resettle(daemon, line, kept, now, free_at > 0 ? free_at : now, reason);
  return cancelled;
}

/* Re-reads the schedule at once. Lines, outputs and switches are built from
 * the configuration at start, so a changed configuration file is reported
 * (it takes a restart) rather than half applied under what is on air. */
void
loa_daemon_reload(LoaDaemon *daemon)
{
  loa_notify_reloading();
  daemon->reload_requested = TRUE;
  on_tick(daemon);
  g_autofree char *stamp = config_stamp(daemon->config);
  if (daemon->config_stamp != NULL && g_strcmp0(stamp, daemon->config_stamp) != 0)
    g_warning(_("%s changed since Loa started: the schedule was read again, but the "
                "configuration takes a restart (systemctl restart loa)"),
              daemon->config->path);
  loa_notify_ready();
}

void
loa_daemon_free(LoaDaemon *daemon)
{
  if (daemon == NULL)
    return;
  for (guint i = 0; i < daemon->lines->len; i++) {
    Line *line = daemon->lines->pdata[i];
    if (line->retry_source != 0)
      g_source_remove(line->retry_source);
    g_clear_pointer(&line->monitor, loa_monitor_free);
    g_clear_pointer(&line->output_meter, loa_monitor_free);
    loa_engine_free(line->engine);
    g_list_free(line->on_air);
    g_free(line->last_error);
    g_free(line);
  }
  g_ptr_array_unref(daemon->lines);
  g_ptr_array_unref(daemon->cards); /* after their engines */
  g_ptr_array_unref(daemon->card_outputs);
  g_hash_table_destroy(daemon->placed);
  g_free(daemon->config_stamp);
  if (daemon->schedule != NULL)
    loa_schedule_free(daemon->schedule);
  loa_airlog_free(daemon->airlog);
  if (daemon->loop != NULL)
    g_main_loop_unref(daemon->loop);
  g_free(daemon);
}
