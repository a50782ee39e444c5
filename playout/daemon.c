/* The playout daemon (see daemon.h): its lifecycle, the engine's callbacks
 * for lines, the lines' switches, monitors and shared cards, the tick, reload and
 * signals, and the play and cut requests. The timeline's policy (what airs
 * when, and how it meets what is on air) is daemon-timeline.c; an airing's
 * end in the log is daemon-airing.c. */
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
#include <signal.h>

/* How often the timeline looks ahead and the schedule is checked for a reload. */
#define TICK_MS 250
/* How often the library files are checked in the background: a file touched
 * within the last minute before its airing is still hashed at placement. */
#define VERIFY_INTERVAL_SECONDS 60

/* --- engine callbacks --------------------------------------------------- */

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

static LoaEngineCard *card_for(LoaDaemon *daemon, const char *output, GError **error);

/* A shared card that failed is rebuilt with all its lines at once, every
 * LINE_RETRY_S, until the card and every line on it start again. The lines'
 * airings meanwhile are logged failed, as for a line of its own. */
static gboolean
retry_card(gpointer user_data)
{
  Line *first = user_data;
  LoaDaemon *daemon = first->daemon;
  const char *output = first->config->output;
  g_autoptr(GPtrArray) lines = g_ptr_array_new();
  for (guint i = 0; i < daemon->lines->len; i++) {
    Line *line = daemon->lines->pdata[i];
    if (line->config->n_channels > 0 && g_strcmp0(line->config->output, output) == 0) {
      g_ptr_array_add(lines, line);
      g_clear_pointer(&line->engine, loa_engine_free);
    }
  }
  for (guint i = 0; i < daemon->card_outputs->len; i++)
    if (g_strcmp0(daemon->card_outputs->pdata[i], output) == 0) {
      g_ptr_array_remove_index(daemon->cards, i);
      g_ptr_array_remove_index(daemon->card_outputs, i);
      break;
    }
  g_autoptr(GError) error = NULL;
  gboolean ok = TRUE;
  for (guint i = 0; i < lines->len && ok; i++) {
    Line *line = lines->pdata[i];
    LoaEngineCard *card = card_for(daemon, output, &error);
    line->engine = card != NULL ? loa_engine_new_on_card(card, line->config, daemon->config,
                                                         &engine_callbacks, line, &error)
                                : NULL;
    ok = line->engine != NULL;
  }
  for (guint i = 0; i < lines->len && ok; i++)
    ok = loa_engine_start(((Line *)lines->pdata[i])->engine, &error);
  if (!ok) {
    g_debug("card %s: still off the air: %s", output, error != NULL ? error->message : "");
    return G_SOURCE_CONTINUE;
  }
  for (guint i = 0; i < lines->len; i++) {
    Line *line = lines->pdata[i];
    line->failed = FALSE;
    g_message(_("line '%s' is back on the air (%s)"), line->config->id, output);
  }
  first->retry_source = 0;
  return G_SOURCE_REMOVE;
}

static void schedule_retry(Line *line);

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
  schedule_retry(line);
}

/* Starts rebuilding a failed line's output every LINE_RETRY_S (for a line on
 * a shared card: the whole card, once for all its lines). */
static void
schedule_retry(Line *line)
{
  if (line->config->n_channels > 0) {
    /* A shared card is rebuilt with all its lines: one retry for the card. */
    for (guint i = 0; i < line->daemon->lines->len; i++) {
      Line *other = line->daemon->lines->pdata[i];
      if (other->retry_source != 0 && g_strcmp0(other->config->output, line->config->output) == 0)
        return;
    }
    line->retry_source = g_timeout_add_seconds(LINE_RETRY_S, retry_card, line);
    return;
  }
  if (line->retry_source == 0)
    line->retry_source = g_timeout_add_seconds(LINE_RETRY_S, retry_line, line);
}

static void
on_finished_line(gpointer item_data, const LoaEngineOutcome *outcome, gpointer user_data)
{
  Line *line = user_data;
  loa_daemon_on_finished(item_data, outcome, line->daemon);
}

static void
on_started_line(gpointer item_data, gint64 started_at, gpointer user_data)
{
  Line *line = user_data;
  loa_daemon_on_started(item_data, started_at, line->daemon);
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

/* --- lines, switch codes and missed airings ------------------------------- */

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
    loa_daemon_airing_free(tone);
  }
}

/* The line's switch answered for an airing (before its first sample, by the
 * pre-roll): the result goes into its log row. A failed switch does not stop
 * the airing: the program still reaches the lines that work. */
void
loa_daemon_on_switch_held(gpointer handle, const LoaSwitchResult *result, gpointer user_data)
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

/* --- the tick, reload and signals ----------------------------------------- */

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
  timeline_place_upcoming(daemon);
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
  daemon->owned_configs = g_ptr_array_new_with_free_func((GDestroyNotify)loa_config_free);
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
    if (line->failed && line->retry_source == 0)
      schedule_retry(line);
  }
  g_clear_error(error);

  daemon->started_at = loa_time_now_wall_ns();
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
  daemon->verifier = loa_verifier_new(daemon->db, daemon->config->library,
                                      daemon->config->timezone);
  loa_verifier_start(daemon->verifier, NULL, VERIFY_INTERVAL_SECONDS);
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
  g_clear_pointer(&daemon->verifier, loa_verifier_free);

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
      loa_daemon_on_finished(deferred->airings->pdata[i], &outcome, daemon);
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

gint64
loa_daemon_play_on_line(LoaDaemon *daemon, Line *line, const char *spot_id, LoaPriority priority,
                        gint64 *duration_ns)
{
  const char *spots[] = { spot_id, NULL };
  StartMode mode = priority == LOA_PRIORITY_EMERGENCY ? START_CUT_IN
                   : priority == LOA_PRIORITY_PRIORITY ? START_NEXT : START_SOFT;
  GPtrArray *airings = timeline_open_airings(daemon, line, NULL, spots, loa_time_now_wall_ns(),
                                             priority, NULL);
  Airing *first = airings->len > 0 ? airings->pdata[0] : NULL;
  gint64 id = first != NULL ? first->airing_id : 0;
  *duration_ns = first != NULL ? first->item.duration_ns : 0;
  g_message(_("line '%s': %s requested by the operator (%s)"), line->config->id, spot_id,
            loa_priority_name(priority));
  timeline_dispatch(daemon, line, airings, mode, 0, G_MAXINT64 / 2);
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
      loa_daemon_airing_missed(daemon, airing, reason);
      cancelled++;
    } else {
      g_ptr_array_add(kept, airing);
    }
  }
  g_ptr_array_unref(displaced);
  /* What waited behind the cut spot goes on where it ends. */
  timeline_resettle(daemon, line, kept, now, free_at > 0 ? free_at : now, reason);
  return cancelled;
}

/* What of a configuration a reload cannot change under a running daemon:
 * everything its lines, outputs, cards, switches, monitors, database, library
 * and socket were built from. Newly allocated text; equal for two
 * configurations that differ only in what a reload applies (station name,
 * loudness, filler, preparation time, zones, blackout days, quotas, line
 * names). */
static char *
structural_fingerprint(const LoaConfig *c)
{
  GString *s = g_string_new(NULL);
  g_string_append_printf(s, "%s|%s|%s|%s|%s|%s|%d|%d|%d|%g|%d|%g|%s|%d|%s|", c->station_id,
                         c->timezone_name, c->database, c->library, c->key,
                         c->control_socket != NULL ? c->control_socket : "", c->sample_rate,
                         c->channels, c->latency_ms, c->monitor_threshold_db,
                         c->require_approval, c->cue_silence_db,
                         c->drop_folder != NULL ? c->drop_folder : "", c->drop_settle_seconds,
                         c->tts_command != NULL ? c->tts_command : "");
  g_string_append_printf(s, "%d|%d|%d|%s|%d|%d|%d|%d|", c->switch_pre_roll_ms,
                         c->switch_post_roll_ms, c->switch_timeout_ms,
                         c->switch_command != NULL ? c->switch_command : "",
                         c->switch_command_timeout_ms, c->dtmf_tone_ms, c->dtmf_gap_ms,
                         c->dtmf_level_dbfs);
  for (guint i = 0; i < c->modbus_boards->len; i++) {
    const LoaModbusBoardConfig *b = c->modbus_boards->pdata[i];
    g_string_append_printf(s, "board %s %s %d %d %s %d %d|", b->id, b->address, b->unit, b->baud,
                           b->parity != NULL ? b->parity : "", b->data_bits, b->stop_bits);
  }
  for (guint i = 0; i < c->lines->len; i++) {
    const LoaLineConfig *l = c->lines->pdata[i];
    const LoaSwitchConfig *w = &l->line_switch;
    g_string_append_printf(s, "line %s %s %s %g %s %s %s %d %s %d %d %s %s ch", l->id, l->output,
                           l->monitor != NULL ? l->monitor : "", l->volume_db,
                           l->mixer != NULL ? l->mixer : "", w->driver != NULL ? w->driver : "",
                           w->board != NULL ? w->board : "", w->coil,
                           w->chip != NULL ? w->chip : "", w->offset, w->active_low,
                           w->on_code != NULL ? w->on_code : "",
                           w->off_code != NULL ? w->off_code : "");
    for (int k = 0; k < l->n_channels; k++)
      g_string_append_printf(s, " %d", l->channels[k]);
    g_string_append_c(s, '|');
  }
  return g_string_free(s, FALSE);
}

/* Reads the configuration file again and applies what can change under a
 * running daemon; a file with errors, or one that changes what the lines were
 * built from, leaves the running configuration in place (said why). The
 * daemon keeps every configuration it used until it is freed: components
 * built from an older one still point into it. */
static void
reload_config(LoaDaemon *daemon)
{
  if (daemon->config->path == NULL)
    return;
  g_autoptr(GError) error = NULL;
  LoaConfig *fresh = loa_config_load(daemon->config->path, &error);
  if (fresh == NULL) {
    g_warning(_("the configuration cannot be read again; the running one is kept: %s"),
              error->message);
    return;
  }
  /* Command-line overrides (--db) hold for the new file too. */
  g_free(fresh->database);
  fresh->database = g_strdup(daemon->config->database);
  g_free(fresh->key);
  fresh->key = g_strdup(daemon->config->key);
  g_autofree char *running = structural_fingerprint(daemon->config);
  g_autofree char *read = structural_fingerprint(fresh);
  if (g_strcmp0(running, read) != 0) {
    g_warning(_("%s changes lines, outputs, switches, monitors or storage: that takes a restart "
                "(systemctl restart loa); the running configuration is kept"),
              daemon->config->path);
    loa_config_free(fresh);
    return;
  }
  g_ptr_array_add(daemon->owned_configs, fresh);
  daemon->config = fresh;
  for (guint i = 0; i < daemon->lines->len; i++)
    ((Line *)daemon->lines->pdata[i])->config = g_ptr_array_index(fresh->lines, i);
  g_message(_("configuration %s read again"), fresh->path);
}

/* Reads the configuration again (what can change while running: station
 * name, loudness, filler, preparation time, zones, blackout days, quotas) and
 * then the schedule, which may use the new zones and blackout days. What is
 * on air is not touched. */
void
loa_daemon_reload(LoaDaemon *daemon)
{
  loa_notify_reloading();
  reload_config(daemon);
  daemon->reload_requested = TRUE;
  on_tick(daemon);
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
    loa_daemon_finish_waiting(line);
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
  if (daemon->schedule != NULL)
    loa_schedule_free(daemon->schedule);
  loa_airlog_free(daemon->airlog);
  if (daemon->loop != NULL)
    g_main_loop_unref(daemon->loop);
  g_ptr_array_unref(daemon->owned_configs); /* after everything built from them */
  g_free(daemon);
}
