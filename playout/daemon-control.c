/* The daemon's side of the control socket: one handler per command, each
 * returning exactly the shape documented in docs/control-protocol.md. The
 * handlers run on the daemon's main context, so they read the timeline's
 * state directly; they never wait for anything. */
#define G_LOG_DOMAIN "loa-daemon"

#include "daemon-private.h"

#include "i18n.h"
#include "loa-time.h"
#include "schedule-store.h"
#include "spot.h"

#include <math.h>
#include <unistd.h>

/* Upcoming airings `next` looks for, at most this far ahead. */
#define NEXT_WINDOW_NS (8 * 24 * 3600 * LOA_NS_PER_SECOND)

static void
add_time(JsonBuilder *builder, LoaDaemon *daemon, const char *member, gint64 utc_ns)
{
  json_builder_set_member_name(builder, member);
  if (utc_ns <= 0) {
    json_builder_add_null_value(builder);
    return;
  }
  g_autofree char *text = loa_time_format_iso(daemon->config->timezone, utc_ns);
  json_builder_add_string_value(builder, text);
}

/* An Airing object for something queued or on air. */
static void
add_airing(JsonBuilder *builder, LoaDaemon *daemon, const Airing *airing, gint64 now)
{
  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "airing_id");
  json_builder_add_int_value(builder, airing->airing_id);
  json_builder_set_member_name(builder, "line");
  json_builder_add_string_value(builder, airing->line->config->id);
  json_builder_set_member_name(builder, "spot");
  json_builder_add_string_value(builder, airing->spot_id);
  json_builder_set_member_name(builder, "title");
  json_builder_add_string_value(builder, airing->title != NULL ? airing->title : "");
  json_builder_set_member_name(builder, "priority");
  json_builder_add_string_value(builder, loa_priority_name(airing->priority));
  json_builder_set_member_name(builder, "source");
  json_builder_add_string_value(builder, airing->operator ? "operator" : "schedule");
  gint64 start = airing->started_at > 0 ? airing->started_at : airing->scheduled_at;
  add_time(builder, daemon, "start", start);
  gint64 duration = airing->item.duration_ns;
  json_builder_set_member_name(builder, "duration_ms");
  json_builder_add_int_value(builder, duration / 1000000);
  if (airing->started_at > 0 && airing->started_at <= now) {
    gint64 elapsed = MIN(now - airing->started_at, duration);
    json_builder_set_member_name(builder, "elapsed_ms");
    json_builder_add_int_value(builder, elapsed / 1000000);
    json_builder_set_member_name(builder, "remaining_ms");
    json_builder_add_int_value(builder, (duration - elapsed) / 1000000);
  }
  json_builder_end_object(builder);
}

/* The airing on air on line now (the latest started), or NULL. */
static const Airing *
on_air(const Line *line, gint64 now)
{
  const Airing *current = NULL;
  for (GList *l = line->on_air; l != NULL; l = l->next) {
    const Airing *airing = l->data;
    if (airing->started_at <= now)
      current = airing;
  }
  return current;
}

static void
add_on_air(JsonBuilder *builder, LoaDaemon *daemon, const Line *line, gint64 now)
{
  json_builder_set_member_name(builder, "on_air");
  const Airing *airing = on_air(line, now);
  if (airing != NULL)
    add_airing(builder, daemon, airing, now);
  else
    json_builder_add_null_value(builder);
}

/* A scheduled airing to come, from the schedule (no log row yet). */
typedef struct {
  gint64 start;
  const char *line;
  const char *spot;
  LoaPriority priority;
} Upcoming;

static gint
compare_upcoming(gconstpointer a, gconstpointer b)
{
  const Upcoming *x = a, *y = b;
  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  return g_strcmp0(x->line, y->line);
}

/* The first spots of the schedule's occurrences after now on line (NULL: every
 * line), at most count, sorted. The GArray holds pointers into occurrences. */
static GArray *
upcoming(LoaDaemon *daemon, GArray *occurrences, const char *line, guint count)
{
  GArray *result = g_array_new(FALSE, FALSE, sizeof(Upcoming));
  for (guint i = 0; i < occurrences->len && result->len < count; i++) {
    const LoaOccurrence *occurrence = &g_array_index(occurrences, LoaOccurrence, i);
    for (guint l = 0; occurrence->lines[l] != NULL; l++) {
      if (line != NULL && g_strcmp0(line, occurrence->lines[l]) != 0)
        continue;
      if (loa_daemon_find_line(daemon, occurrence->lines[l]) == NULL)
        continue;
      Upcoming u = { occurrence->start_ns, occurrence->lines[l], occurrence->spots[0],
                     occurrence->event->priority };
      g_array_append_val(result, u);
    }
  }
  g_array_sort(result, compare_upcoming);
  if (result->len > count)
    g_array_set_size(result, count);
  return result;
}

static void
add_upcoming(JsonBuilder *builder, LoaDaemon *daemon, const Upcoming *u)
{
  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "airing_id");
  json_builder_add_null_value(builder);
  json_builder_set_member_name(builder, "line");
  json_builder_add_string_value(builder, u->line);
  json_builder_set_member_name(builder, "spot");
  json_builder_add_string_value(builder, u->spot);
  g_autoptr(LoaSpot) spot = loa_spot_get(daemon->db, u->spot, NULL);
  json_builder_set_member_name(builder, "title");
  json_builder_add_string_value(builder, spot != NULL ? spot->title : "");
  json_builder_set_member_name(builder, "priority");
  json_builder_add_string_value(builder, loa_priority_name(u->priority));
  json_builder_set_member_name(builder, "source");
  json_builder_add_string_value(builder, "schedule");
  add_time(builder, daemon, "start", u->start);
  json_builder_set_member_name(builder, "duration_ms");
  json_builder_add_int_value(builder,
                             spot != NULL ? (spot->cue_out_ns - spot->cue_in_ns) / 1000000 : 0);
  json_builder_end_object(builder);
}

static GArray *
expand_ahead(LoaDaemon *daemon, gint64 now)
{
  if (daemon->schedule == NULL)
    return g_array_new(FALSE, FALSE, sizeof(LoaOccurrence));
  return loa_schedule_expand(daemon->schedule, now, now + NEXT_WINDOW_NS);
}

static void
add_schedule(JsonBuilder *builder, LoaDaemon *daemon)
{
  json_builder_set_member_name(builder, "schedule");
  g_autoptr(LoaStoredSchedule) stored = loa_schedule_store_active(daemon->db, NULL);
  if (stored == NULL || daemon->schedule == NULL) {
    json_builder_add_null_value(builder);
    return;
  }
  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "name");
  json_builder_add_string_value(builder, stored->name);
  json_builder_set_member_name(builder, "source");
  json_builder_add_string_value(builder, stored->source_path);
  json_builder_set_member_name(builder, "sha256");
  json_builder_add_string_value(builder, stored->sha256);
  add_time(builder, daemon, "loaded_at", stored->loaded_at);
  json_builder_set_member_name(builder, "events");
  json_builder_add_int_value(builder, daemon->schedule->events->len);
  json_builder_end_object(builder);
}

/* The line named by request's "line", or NULL with a not-found (or
 * bad-request, when required and absent) error. *absent tells which. */
static Line *
request_line(LoaDaemon *daemon, JsonObject *request, gboolean required, gboolean *absent,
             GError **error)
{
  *absent = FALSE;
  if (!json_object_has_member(request, "line")) {
    *absent = TRUE;
    if (required)
      g_set_error(error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_BAD_REQUEST,
                  _("'line' is missing"));
    return NULL;
  }
  JsonNode *node = json_object_get_member(request, "line");
  if (json_node_get_value_type(node) != G_TYPE_STRING) {
    g_set_error(error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_BAD_REQUEST,
                _("'line' must be a string"));
    return NULL;
  }
  const char *id = json_node_get_string(node);
  Line *line = loa_daemon_find_line(daemon, id);
  if (line == NULL)
    g_set_error(error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_NOT_FOUND, _("unknown line '%s'"),
                id);
  return line;
}

static const char *
switch_state(const Line *line)
{
  if (line->config->line_switch.driver == NULL)
    return "none";
  LoaSwitcher *switcher = line->daemon->switcher;
  return switcher != NULL && loa_switcher_is_on(switcher, line->config->id) ? "on" : "off";
}

/* --- commands ------------------------------------------------------------ */

static JsonNode *
handle_status(JsonObject *request, gpointer user_data, GError **error)
{
  LoaDaemon *daemon = user_data;
  gint64 now = loa_time_now_wall_ns();
  g_autoptr(JsonBuilder) builder = json_builder_new();
  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "station");
  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "id");
  json_builder_add_string_value(builder, daemon->config->station_id);
  json_builder_set_member_name(builder, "name");
  json_builder_add_string_value(builder, daemon->config->station_name);
  json_builder_end_object(builder);

  json_builder_set_member_name(builder, "daemon");
  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "pid");
  json_builder_add_int_value(builder, getpid());
  json_builder_set_member_name(builder, "version");
  json_builder_add_string_value(builder, LOA_VERSION);
  add_time(builder, daemon, "started", daemon->started_at);
  json_builder_set_member_name(builder, "uptime_s");
  json_builder_add_int_value(builder, (now - daemon->started_at) / LOA_NS_PER_SECOND);
  json_builder_end_object(builder);

  add_schedule(builder, daemon);

  g_autoptr(GArray) occurrences = expand_ahead(daemon, now);
  json_builder_set_member_name(builder, "lines");
  json_builder_begin_array(builder);
  for (guint i = 0; i < daemon->lines->len; i++) {
    Line *line = daemon->lines->pdata[i];
    json_builder_begin_object(builder);
    json_builder_set_member_name(builder, "id");
    json_builder_add_string_value(builder, line->config->id);
    json_builder_set_member_name(builder, "name");
    json_builder_add_string_value(builder, line->config->name);
    add_on_air(builder, daemon, line, now);
    json_builder_set_member_name(builder, "next");
    g_autoptr(GArray) next = upcoming(daemon, occurrences, line->config->id, 1);
    if (next->len > 0)
      add_upcoming(builder, daemon, &g_array_index(next, Upcoming, 0));
    else
      json_builder_add_null_value(builder);
    json_builder_set_member_name(builder, "switch");
    json_builder_add_string_value(builder, switch_state(line));
    json_builder_set_member_name(builder, "last_error");
    if (line->last_error != NULL) {
      json_builder_begin_object(builder);
      add_time(builder, daemon, "time", line->last_error_at);
      json_builder_set_member_name(builder, "message");
      json_builder_add_string_value(builder, line->last_error);
      json_builder_end_object(builder);
    } else {
      json_builder_add_null_value(builder);
    }
    /* The output's RMS of its last 100 ms (-inf, digital silence, as -120). */
    json_builder_set_member_name(builder, "level_dbfs");
    if (line->level_at > 0 && line->level_at > now - 2 * LOA_NS_PER_SECOND && !line->failed)
      json_builder_add_double_value(builder, isfinite(line->level_dbfs)
                                               ? MAX(line->level_dbfs, -120.0) : -120.0);
    else
      json_builder_add_null_value(builder);
    json_builder_end_object(builder);
  }
  json_builder_end_array(builder);
  json_builder_end_object(builder);
  return json_builder_get_root(builder);
}

static JsonNode *
handle_now(JsonObject *request, gpointer user_data, GError **error)
{
  LoaDaemon *daemon = user_data;
  gboolean absent;
  Line *only = request_line(daemon, request, FALSE, &absent, error);
  if (only == NULL && !absent)
    return NULL;
  gint64 now = loa_time_now_wall_ns();
  g_autoptr(JsonBuilder) builder = json_builder_new();
  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "lines");
  json_builder_begin_array(builder);
  for (guint i = 0; i < daemon->lines->len; i++) {
    Line *line = daemon->lines->pdata[i];
    if (only != NULL && line != only)
      continue;
    json_builder_begin_object(builder);
    json_builder_set_member_name(builder, "line");
    json_builder_add_string_value(builder, line->config->id);
    add_on_air(builder, daemon, line, now);
    json_builder_end_object(builder);
  }
  json_builder_end_array(builder);
  json_builder_end_object(builder);
  return json_builder_get_root(builder);
}

static JsonNode *
handle_next(JsonObject *request, gpointer user_data, GError **error)
{
  LoaDaemon *daemon = user_data;
  gboolean absent;
  Line *only = request_line(daemon, request, FALSE, &absent, error);
  if (only == NULL && !absent)
    return NULL;
  gint64 count = 5;
  if (json_object_has_member(request, "count")) {
    JsonNode *node = json_object_get_member(request, "count");
    if (json_node_get_value_type(node) != G_TYPE_INT64 ||
        (count = json_node_get_int(node)) < 1 || count > 100) {
      g_set_error(error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_BAD_REQUEST,
                  _("'count' must be a number from 1 to 100"));
      return NULL;
    }
  }
  gint64 now = loa_time_now_wall_ns();
  g_autoptr(GArray) occurrences = expand_ahead(daemon, now);
  g_autoptr(GArray) next = upcoming(daemon, occurrences, only != NULL ? only->config->id : NULL,
                                    (guint)count);
  g_autoptr(JsonBuilder) builder = json_builder_new();
  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "airings");
  json_builder_begin_array(builder);
  for (guint i = 0; i < next->len; i++)
    add_upcoming(builder, daemon, &g_array_index(next, Upcoming, i));
  json_builder_end_array(builder);
  json_builder_end_object(builder);
  return json_builder_get_root(builder);
}

/* skip and stop: end what is on air on the line. */
static JsonNode *
cut_line(LoaDaemon *daemon, JsonObject *request, const char *member, const char *reason,
         gboolean stop, GError **error)
{
  gboolean absent;
  Line *line = request_line(daemon, request, TRUE, &absent, error);
  if (line == NULL)
    return NULL;
  gint64 now = loa_time_now_wall_ns();
  g_autoptr(JsonBuilder) builder = json_builder_new();
  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "line");
  json_builder_add_string_value(builder, line->config->id);
  json_builder_set_member_name(builder, member);
  const Airing *current = on_air(line, now);
  if (current != NULL)
    add_airing(builder, daemon, current, now);
  else
    json_builder_add_null_value(builder);
  guint cancelled = loa_daemon_cut_line(daemon, line, reason, stop);
  if (stop) {
    json_builder_set_member_name(builder, "cancelled");
    json_builder_add_int_value(builder, cancelled);
  }
  json_builder_end_object(builder);
  g_message(_("line '%s': %s"), line->config->id, reason);
  return json_builder_get_root(builder);
}

static JsonNode *
handle_skip(JsonObject *request, gpointer user_data, GError **error)
{
  return cut_line(user_data, request, "skipped", _("skipped by the operator"), FALSE, error);
}

static JsonNode *
handle_stop(JsonObject *request, gpointer user_data, GError **error)
{
  return cut_line(user_data, request, "stopped", _("stopped by the operator"), TRUE, error);
}

/* The lines of a play request: "lines" (ids, or ["all"]) or "zone". */
static GPtrArray *
play_lines(LoaDaemon *daemon, JsonObject *request, GError **error)
{
  gboolean has_lines = json_object_has_member(request, "lines");
  gboolean has_zone = json_object_has_member(request, "zone");
  if (has_lines == has_zone) {
    g_set_error(error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_BAD_REQUEST,
                _("give either 'lines' or 'zone'"));
    return NULL;
  }
  g_autoptr(GPtrArray) lines = g_ptr_array_new();
  if (has_zone) {
    JsonNode *node = json_object_get_member(request, "zone");
    if (json_node_get_value_type(node) != G_TYPE_STRING) {
      g_set_error(error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_BAD_REQUEST,
                  _("'zone' must be a string"));
      return NULL;
    }
    const LoaZoneConfig *zone = loa_config_find_zone(daemon->config, json_node_get_string(node));
    if (zone == NULL) {
      g_set_error(error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_NOT_FOUND, _("unknown zone '%s'"),
                  json_node_get_string(node));
      return NULL;
    }
    for (guint i = 0; zone->lines[i] != NULL; i++) {
      Line *line = loa_daemon_find_line(daemon, zone->lines[i]);
      if (line != NULL)
        g_ptr_array_add(lines, line);
    }
    return g_steal_pointer(&lines);
  }
  JsonNode *node = json_object_get_member(request, "lines");
  JsonArray *array = JSON_NODE_HOLDS_ARRAY(node) ? json_node_get_array(node) : NULL;
  if (array == NULL || json_array_get_length(array) == 0) {
    g_set_error(error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_BAD_REQUEST,
                _("'lines' must be a non-empty array of line ids"));
    return NULL;
  }
  for (guint i = 0; i < json_array_get_length(array); i++) {
    JsonNode *element = json_array_get_element(array, i);
    if (json_node_get_value_type(element) != G_TYPE_STRING) {
      g_set_error(error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_BAD_REQUEST,
                  _("'lines' must be a non-empty array of line ids"));
      return NULL;
    }
    const char *id = json_node_get_string(element);
    if (g_strcmp0(id, "all") == 0) {
      g_ptr_array_set_size(lines, 0);
      for (guint l = 0; l < daemon->lines->len; l++)
        g_ptr_array_add(lines, daemon->lines->pdata[l]);
      break;
    }
    Line *line = loa_daemon_find_line(daemon, id);
    if (line == NULL) {
      g_set_error(error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_NOT_FOUND, _("unknown line '%s'"),
                  id);
      return NULL;
    }
    if (!g_ptr_array_find(lines, line, NULL))
      g_ptr_array_add(lines, line);
  }
  return g_steal_pointer(&lines);
}

static JsonNode *
handle_play(JsonObject *request, gpointer user_data, GError **error)
{
  LoaDaemon *daemon = user_data;
  const char *spot_id = json_object_get_string_member_with_default(request, "spot", NULL);
  if (spot_id == NULL) {
    g_set_error(error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_BAD_REQUEST,
                _("'spot' is missing or not a string"));
    return NULL;
  }
  const char *priority_name =
    json_object_get_string_member_with_default(request, "priority", "priority");
  LoaPriority priority;
  if (g_strcmp0(priority_name, "priority") == 0)
    priority = LOA_PRIORITY_PRIORITY;
  else if (g_strcmp0(priority_name, "emergency") == 0)
    priority = LOA_PRIORITY_EMERGENCY;
  else if (g_strcmp0(priority_name, "normal") == 0)
    priority = LOA_PRIORITY_NORMAL;
  else {
    g_set_error(error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_BAD_REQUEST,
                _("'priority' must be \"priority\" or \"emergency\""));
    return NULL;
  }
  g_autoptr(GPtrArray) lines = play_lines(daemon, request, error);
  if (lines == NULL)
    return NULL;
  g_autoptr(GError) local = NULL;
  g_autoptr(LoaSpot) spot = loa_spot_get(daemon->db, spot_id, &local);
  if (spot == NULL) {
    g_set_error(error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_NOT_FOUND, "%s", local->message);
    return NULL;
  }
  if (g_strcmp0(spot->status, "approved") != 0) {
    g_set_error(error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_FAILED,
                _("spot '%s' is %s, not approved"), spot_id, spot->status);
    return NULL;
  }
  for (guint i = 0; i < lines->len; i++) {
    Line *line = lines->pdata[i];
    if (line->engine == NULL || line->failed) {
      g_set_error(error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_FAILED,
                  _("line '%s' is off the air"), line->config->id);
      return NULL;
    }
  }

  gint64 now = loa_time_now_wall_ns();
  g_autoptr(JsonBuilder) builder = json_builder_new();
  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "airings");
  json_builder_begin_array(builder);
  for (guint i = 0; i < lines->len; i++) {
    Line *line = lines->pdata[i];
    json_builder_begin_object(builder);
    json_builder_set_member_name(builder, "line");
    json_builder_add_string_value(builder, line->config->id);
    json_builder_set_member_name(builder, "interrupted");
    const Airing *current = priority == LOA_PRIORITY_EMERGENCY ? on_air(line, now) : NULL;
    if (current != NULL)
      add_airing(builder, daemon, current, now);
    else
      json_builder_add_null_value(builder);
    gint64 duration = 0;
    gint64 id = loa_daemon_play_on_line(daemon, line, spot_id, priority, &duration);
    json_builder_set_member_name(builder, "airing_id");
    if (id != 0)
      json_builder_add_int_value(builder, id);
    else
      json_builder_add_null_value(builder);
    /* When the engine expects its first sample: after what plays before it. */
    gint64 start = loa_engine_busy_until(line->engine) - duration;
    add_time(builder, daemon, "start", MAX(start, now));
    json_builder_end_object(builder);
  }
  json_builder_end_array(builder);
  json_builder_end_object(builder);
  return json_builder_get_root(builder);
}

static JsonNode *
handle_reload(JsonObject *request, gpointer user_data, GError **error)
{
  LoaDaemon *daemon = user_data;
  loa_daemon_reload(daemon);
  g_autoptr(JsonBuilder) builder = json_builder_new();
  json_builder_begin_object(builder);
  add_schedule(builder, daemon);
  json_builder_end_object(builder);
  return json_builder_get_root(builder);
}

static JsonNode *
handle_lines(JsonObject *request, gpointer user_data, GError **error)
{
  LoaDaemon *daemon = user_data;
  g_autoptr(JsonBuilder) builder = json_builder_new();
  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "lines");
  json_builder_begin_array(builder);
  for (guint i = 0; i < daemon->lines->len; i++) {
    Line *line = daemon->lines->pdata[i];
    json_builder_begin_object(builder);
    json_builder_set_member_name(builder, "id");
    json_builder_add_string_value(builder, line->config->id);
    json_builder_set_member_name(builder, "name");
    json_builder_add_string_value(builder, line->config->name);
    json_builder_set_member_name(builder, "output");
    json_builder_add_string_value(builder, line->config->output);
    json_builder_set_member_name(builder, "switch");
    json_builder_add_string_value(builder, switch_state(line));
    json_builder_end_object(builder);
  }
  json_builder_end_array(builder);
  json_builder_end_object(builder);
  return json_builder_get_root(builder);
}

void
loa_daemon_control_register(LoaDaemon *daemon, LoaControl *control)
{
  static const struct {
    const char *name;
    LoaControlHandler handler;
  } commands[] = {
    { "lines", handle_lines }, { "next", handle_next },     { "now", handle_now },
    { "play", handle_play },   { "reload", handle_reload }, { "skip", handle_skip },
    { "status", handle_status }, { "stop", handle_stop },
  };
  for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
    loa_control_add_command(control, commands[i].name, commands[i].handler, daemon);
}
