/* The playout daemon (see daemon.h). */
#define G_LOG_DOMAIN "loa-daemon"

#include "daemon.h"

#include "airlog.h"
#include "engine.h"
#include "i18n.h"
#include "loa-time.h"
#include "schedule-store.h"
#include "schedule.h"
#include "spot.h"

#include <glib-unix.h>
#include <signal.h>

/* A change of wall - monotonic larger than this between two ticks is a step
 * of the wall clock (NTP slews by at most 0.5 ms per second). */
#define CLOCK_STEP_NS (100 * G_GINT64_CONSTANT(1000000))

/* How often the timeline looks ahead and the schedule is checked for a reload. */
#define TICK_MS 250
/* An occurrence closer than this when first seen cannot be placed exactly. */
#define MIN_LEAD_NS (300 * G_GINT64_CONSTANT(1000000))

typedef struct LoaDaemon LoaDaemon;

typedef struct {
  LoaDaemon *daemon;
  const LoaLineConfig *config;  /* borrowed from the daemon's config */
  LoaEngine *engine;
  gboolean failed;
} Line;

/* One queued airing: the engine's item data. */
typedef struct {
  Line *line;
  gint64 airing_id;
  char *spot_id;
} Airing;

struct LoaDaemon {
  const LoaConfig *config;
  sqlite3 *db;
  LoaAirlog *airlog;
  GPtrArray *lines;          /* Line * */
  LoaSchedule *schedule;     /* NULL until one is loaded */
  gint64 schedule_id;
  gint64 horizon;            /* occurrences before this were already considered */
  gint64 clock_offset;       /* wall - monotonic at the last tick, to see clock steps */
  GHashTable *placed;        /* "start|line|spots" of occurrences already queued */
  GMainLoop *loop;
  guint tick_source;
  guint stop_source;
  guint signal_sources[3];
  gboolean reload_requested;
};

static void
airing_free(Airing *airing)
{
  g_free(airing->spot_id);
  g_free(airing);
}

/* --- engine callbacks --------------------------------------------------- */

static void
on_started(gpointer item_data, gint64 started_at, gpointer user_data)
{
  Airing *airing = item_data;
  LoaDaemon *daemon = user_data;
  g_autoptr(GError) error = NULL;
  if (!loa_airlog_set_started(daemon->airlog, airing->airing_id, started_at,
                              loa_engine_rate(airing->line->engine), &error))
    g_warning(_("line '%s': cannot record the start of %s: %s"), airing->line->config->id,
              airing->spot_id, error->message);
  g_autofree char *when = loa_time_format_local(daemon->config->timezone, started_at);
  g_message(_("line '%s': %s placed on air at %s"), airing->line->config->id, airing->spot_id,
            when);
}

static void
on_finished(gpointer item_data, const LoaEngineOutcome *outcome, gpointer user_data)
{
  Airing *airing = item_data;
  LoaDaemon *daemon = user_data;
  g_autoptr(GError) error = NULL;

  if (!loa_airlog_complete(daemon->airlog, airing->airing_id, outcome->status,
                           outcome->started_at, outcome->ended_at, outcome->frames,
                           loa_engine_rate(airing->line->engine), outcome->reason, &error))
    g_critical(_("line '%s': cannot complete the log row of %s: %s"), airing->line->config->id,
               airing->spot_id, error->message);
  if (outcome->reason != NULL)
    g_message(_("line '%s': %s %s: %s"), airing->line->config->id, airing->spot_id,
              outcome->status, outcome->reason);
  else
    g_message(_("line '%s': %s %s (%.3f s)"), airing->line->config->id, airing->spot_id,
              outcome->status, (double)(outcome->ended_at - outcome->started_at) / 1e9);
  airing_free(airing);
}

static void
on_line_failed(const char *reason, gpointer user_data)
{
  Line *line = user_data;
  line->failed = TRUE;
  g_critical(_("line '%s' is off the air: %s"), line->config->id, reason);
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

/* --- the timeline -------------------------------------------------------- */

static Line *
find_line(LoaDaemon *daemon, const char *id)
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
    .priority = loa_priority_name(event->priority),
    .schedule_id = schedule_id,
    .event_ref = event->ref,
    .scheduled_at = scheduled_at,
  };
}

/* Queues one occurrence on one line: every spot gets a log row before it can
 * play; a spot that cannot air is logged failed at once and the rest go on. */
static void
place_on_line(LoaDaemon *daemon, const LoaOccurrence *occurrence, Line *line)
{
  const LoaEvent *event = occurrence->event;
  g_autoptr(GArray) items = g_array_new(FALSE, FALSE, sizeof(LoaEngineItem));
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
  gint64 planned = occurrence->start_ns;

  for (guint i = 0; event->spots[i] != NULL; i++) {
    const char *spot_id = event->spots[i];
    g_autoptr(GError) error = NULL;
    g_autoptr(LoaSpot) spot = loa_spot_get(daemon->db, spot_id, &error);
    LoaAiringPlan plan;
    fill_plan(&plan, event, line->config->id, spot_id, spot, daemon->schedule_id, planned);

    g_autofree char *problem = NULL;
    if (spot == NULL)
      problem = g_strdup(error->message);
    else if (g_strcmp0(spot->status, "approved") != 0)
      problem = g_strdup_printf(_("spot '%s' is %s, not approved"), spot_id, spot->status);
    else if (line->failed)
      problem = g_strdup(_("the line is off the air"));
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
    char *path = loa_spot_path(spot, daemon->config->library);
    g_ptr_array_add(paths, path);
    LoaEngineItem item = { .path = path, .data = airing };
    g_array_append_val(items, item);
    planned += spot->duration_ns;
  }
  if (items->len == 0)
    return;

  g_autoptr(GError) error = NULL;
  if (!loa_engine_queue(line->engine, occurrence->start_ns, (LoaEngineItem *)items->data,
                        items->len, &error)) {
    for (guint i = 0; i < items->len; i++) {
      LoaEngineOutcome outcome = { .status = LOA_AIRING_FAILED, .reason = error->message };
      on_finished(g_array_index(items, LoaEngineItem, i).data, &outcome, daemon);
    }
  }
}

static char *
placement_key(const LoaOccurrence *occurrence, const char *line_id)
{
  g_autofree char *spots = g_strjoinv(",", occurrence->event->spots);
  return g_strdup_printf("%" G_GINT64_FORMAT "|%s|%s", occurrence->start_ns, line_id, spots);
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
      if (find_line(daemon, line_id) == NULL || !g_hash_table_add(daemon->placed, key))
        continue;
      for (guint s = 0; occurrence->event->spots[s] != NULL; s++) {
        const char *spot_id = occurrence->event->spots[s];
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

/* A step of the wall clock: airings already placed keep their place on the
 * audio clock (at most prepare_seconds ahead); everything placed from now on
 * follows the new wall time, and what the step jumped over is missed. */
static void
watch_clock(LoaDaemon *daemon)
{
  gint64 offset = loa_time_wall_minus_monotonic_ns();
  gint64 step = offset - daemon->clock_offset;
  if (daemon->clock_offset != 0 && (step > CLOCK_STEP_NS || step < -CLOCK_STEP_NS))
    g_warning(_("the wall clock stepped by %+.3f s; later airings follow the new time"),
              (double)step / 1e9);
  daemon->clock_offset = offset;
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
      Line *line = find_line(daemon, occurrence->event->lines[l]);
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
    g_warning(_("schedule #%" G_GINT64_FORMAT " (%s) does not parse with this configuration; "
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
  g_message(_("schedule #%" G_GINT64_FORMAT " in use: %s (%u events)"), id, stored->source_path,
            schedule->events->len);
}

static gboolean
on_tick(gpointer user_data)
{
  LoaDaemon *daemon = user_data;
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

static gboolean
on_reload_signal(gpointer user_data)
{
  LoaDaemon *daemon = user_data;
  daemon->reload_requested = TRUE;
  on_tick(daemon);
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

LoaDaemon *
loa_daemon_new(const LoaConfig *config, sqlite3 *db, GError **error)
{
  g_autoptr(LoaDaemon) daemon = g_new0(LoaDaemon, 1);
  daemon->config = config;
  daemon->db = db;
  daemon->lines = g_ptr_array_new();
  daemon->placed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  daemon->airlog = loa_airlog_new(db, error);
  if (daemon->airlog == NULL)
    return NULL;

  static const LoaEngineCallbacks callbacks = {
    .started = on_started_line,
    .finished = on_finished_line,
    .line_failed = on_line_failed,
  };
  for (guint i = 0; i < config->lines->len; i++) {
    Line *line = g_new0(Line, 1);
    line->daemon = daemon;
    line->config = g_ptr_array_index(config->lines, i);
    g_ptr_array_add(daemon->lines, line);
    /* A line whose output cannot be built stays off the air (its airings are
     * logged failed); the other lines still air. */
    g_autoptr(GError) local = NULL;
    line->engine = loa_engine_new(line->config, config, &callbacks, line, &local);
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
  g_clear_error(error);

  daemon->loop = g_main_loop_new(NULL, FALSE);
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

  g_main_loop_run(daemon->loop);

  g_source_remove(daemon->tick_source);
  daemon->tick_source = 0;
  for (guint i = 0; i < G_N_ELEMENTS(daemon->signal_sources); i++) {
    g_source_remove(daemon->signal_sources[i]);
    daemon->signal_sources[i] = 0;
  }
  if (daemon->stop_source != 0)
    g_source_remove(daemon->stop_source);
  daemon->stop_source = 0;
  for (guint i = 0; i < daemon->lines->len; i++) {
    Line *line = daemon->lines->pdata[i];
    if (line->engine != NULL)
      loa_engine_stop(line->engine, _("Loa was stopped"));
  }
  return TRUE;
}

void
loa_daemon_free(LoaDaemon *daemon)
{
  if (daemon == NULL)
    return;
  for (guint i = 0; i < daemon->lines->len; i++) {
    Line *line = daemon->lines->pdata[i];
    loa_engine_free(line->engine);
    g_free(line);
  }
  g_ptr_array_unref(daemon->lines);
  g_hash_table_destroy(daemon->placed);
  if (daemon->schedule != NULL)
    loa_schedule_free(daemon->schedule);
  loa_airlog_free(daemon->airlog);
  if (daemon->loop != NULL)
    g_main_loop_unref(daemon->loop);
  g_free(daemon);
}
