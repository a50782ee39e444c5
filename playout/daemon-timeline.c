/* The daemon's timeline policy: which occurrences of the schedule go on which
 * line and when, how each start mode meets what is on air (soft, hard, next,
 * cut-in), the decisions deferred to just before their time, wall clock
 * steps, missed occurrences, and the filler that takes a failed spot's slot.
 * Runs on the daemon's main context (see daemon-private.h). */
#define G_LOG_DOMAIN "loa-daemon"

#include "daemon-private.h"

#include "airlog.h"
#include "engine.h"
#include "i18n.h"
#include "loa-time.h"
#include "schedule.h"
#include "spot.h"
#include "spot-airable.h"

#include <inttypes.h>
#include <math.h>

/* A change of wall - monotonic larger than this between two ticks is a step
 * of the wall clock (NTP slews by at most 0.5 ms per second). */
#define CLOCK_STEP_NS (100 * G_GINT64_CONSTANT(1000000))

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

static void queue_filler(LoaDaemon *daemon, Line *line, gint64 start_ns);

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
    /* An identifier in the log, never translated. */
    .event_ref = event != NULL ? event->ref : "operator",
    .scheduled_at = scheduled_at,
  };
}

/* Opens a log row for every spot of the occurrence on the line. A spot that
 * cannot air is logged failed at once and left out. Returns the airings (a
 * new array of Airing * the caller owns), in play order. */
GPtrArray *
timeline_open_airings(LoaDaemon *daemon, Line *line, const LoaEvent *event,
                      const char *const *spots, gint64 start_ns, LoaPriority priority,
                      const char *origin)
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
    g_autofree char *air_path = NULL;
    if (spot == NULL)
      problem = g_strdup(error->message);
    else if (!loa_spot_check_airable(daemon->db, spot, daemon->config->library,
                                     daemon->config->timezone, planned, &air_path,
                                     &problem))
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
    airing->path = g_steal_pointer(&air_path);
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
      loa_switcher_hold(daemon->switcher, line->config->id, planned, loa_daemon_on_switch_held,
                        airing);
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
      loa_daemon_on_finished(airings->pdata[i], &outcome, daemon);
    }
  }
  g_ptr_array_unref(airings);
}

/* Airings taken back from the engine because something cut in before them
 * (an emergency or a hard start ending at busy_until): each goes back at its
 * time if that is still free, after the cut-in if it may air late, or is
 * logged missed. Takes displaced. */
void
timeline_resettle(LoaDaemon *daemon, Line *line, GPtrArray *displaced, gint64 cut_at,
                  gint64 busy_until, const char *why)
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
      loa_daemon_airing_missed(daemon, airing, why);
  }
  g_ptr_array_unref(displaced);
}

/* Puts airings on the line the way mode says, at start_ns (0: now). Called
 * at most DECIDE_LEAD_NS before start_ns for every mode but START_AT, so
 * "what is on air" is what will be on air then. Takes airings. */
void
timeline_dispatch(LoaDaemon *daemon, Line *line, GPtrArray *airings, StartMode mode,
                  gint64 start_ns, gint64 grace_ns)
{
  gint64 now = loa_time_now_wall_ns();
  gint64 at = MAX(start_ns, now);
  if (airings->len == 0 || line->engine == NULL) {
    for (guint i = 0; i < airings->len; i++)
      loa_daemon_airing_missed(daemon, airings->pdata[i], _("the line is off the air"));
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
        loa_daemon_airing_missed(daemon, airings->pdata[i],
                                 _("its time passed during an emergency"));
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
        loa_daemon_airing_missed(daemon, airings->pdata[i], why);
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
    timeline_resettle(daemon, line, displaced, free_at > 0 ? free_at : now, busy,
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

static gboolean
decide_deferred(gpointer data)
{
  Deferred *deferred = data;
  deferred->daemon->deferred = g_list_remove(deferred->daemon->deferred, deferred);
  timeline_dispatch(deferred->daemon, deferred->line, g_steal_pointer(&deferred->airings),
                    deferred->mode, deferred->start_ns, deferred->grace_ns);
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
  GPtrArray *airings = timeline_open_airings(daemon, line, event,
                                             (const char *const *)occurrence->spots,
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
    timeline_dispatch(daemon, line, airings, mode, occurrence->start_ns, event_grace(event));
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
        loa_daemon_airing_missed(daemon, airing, _("the wall clock stepped over its time"));
        continue;
      }
      GPtrArray *one = g_ptr_array_new();
      g_ptr_array_add(one, airing);
      timeline_dispatch(daemon, line, one, START_SOFT, airing->scheduled_at, SOFT_GRACE_NS);
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

void
timeline_place_upcoming(LoaDaemon *daemon)
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

/* --- the filler ---------------------------------------------------------- */

/* A spot failed at air time: if nothing else follows on its line and the
 * station has a filler spot, the filler takes the rest of its slot, so the
 * line is not silent because of a file (never for a filler that failed). */
void
timeline_maybe_fill(LoaDaemon *daemon, Airing *failed)
{
  Line *line = failed->line;
  if (daemon->config->filler == NULL || failed->filler || line->engine == NULL || line->failed)
    return;
  if (loa_engine_busy_until(line->engine) > loa_time_now_wall_ns() + MIN_LEAD_NS)
    return; /* the next spot of the event (or another airing) goes on */
  queue_filler(daemon, line, 0);
}

static void
queue_filler(LoaDaemon *daemon, Line *line, gint64 start_ns)
{
  const char *spots[] = { daemon->config->filler, NULL };
  GPtrArray *airings = timeline_open_airings(daemon, line, NULL, spots,
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
  timeline_dispatch(daemon, line, airings, START_SOFT, start_ns, 0);
}
