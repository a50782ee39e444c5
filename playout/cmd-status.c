/* `loa status`: the operator's view of the station — per line what is on air
 * (with elapsed and remaining time), what airs next, the switch, the last
 * error and the output level; the clock (NTP synchronized or not) and the
 * schedule. --watch redraws it every second like top(1). */
#include "commands.h"

#include "control-client.h"
#include "i18n.h"
#include "table.h"

#include <stdio.h>
#include <sys/timex.h>
#include <unistd.h>

/* TRUE if the kernel says the clock is synchronized (NTP or PTP discipline).
 * adjtimex with no modes only reads, so any user may ask; it is what
 * timedatectl's "System clock synchronized" reports too. */
static gboolean
clock_synchronized(void)
{
  struct timex tx = { .modes = 0 };
  int state = adjtimex(&tx);
  return state >= 0 && state != TIME_ERROR && !(tx.status & STA_UNSYNC);
}

static JsonObject *
object_member(JsonObject *object, const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member(object, name) : NULL;
  return node != NULL && JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
}

static const char *
switch_text(const char *state)
{
  if (g_strcmp0(state, "on") == 0)
    return _("on");
  if (g_strcmp0(state, "off") == 0)
    return _("off");
  if (g_strcmp0(state, "error") == 0)
    return _("ERROR");
  if (g_strcmp0(state, "none") == 0)
    return "—";
  return state != NULL ? state : "?";
}

/* Appends the whole status screen for result to out. */
static void
append_status(GString *out, JsonObject *status)
{
  JsonObject *station = object_member(status, "station");
  if (station != NULL)
    g_string_append_printf(out, _("Station:  %s (%s)\n"),
                           json_object_get_string_member_with_default(station, "name", "?"),
                           json_object_get_string_member_with_default(station, "id", "?"));
  JsonObject *schedule = object_member(status, "schedule");
  if (schedule != NULL) {
    g_autofree char *loaded = loa_command_format_time(
        json_object_get_string_member_with_default(schedule, "loaded_at", NULL));
    g_string_append_printf(out, _("Schedule: %s (loaded %s)\n"),
                           json_object_get_string_member_with_default(schedule, "name", "?"),
                           loaded);
  } else {
    g_string_append_printf(out, "%s\n", _("Schedule: none loaded"));
  }
  JsonObject *clock = object_member(status, "clock");
  gboolean synced = clock != NULL ? json_object_get_boolean_member_with_default(clock,
                                                                                 "synchronized",
                                                                                 FALSE)
                                  : clock_synchronized();
  g_string_append_printf(out, "%s\n",
                         synced ? _("Clock:    synchronized (NTP)")
                                : _("Clock:    NOT synchronized — airings may be early or late"));
  JsonObject *daemon = object_member(status, "daemon");
  if (daemon != NULL) {
    g_autofree char *uptime = loa_command_format_duration(
        json_object_get_int_member_with_default(daemon, "uptime_s", 0) * 1000);
    g_string_append_printf(out, _("Daemon:   running for %s (pid %d, version %s)\n"), uptime,
                           (int)json_object_get_int_member_with_default(daemon, "pid", 0),
                           json_object_get_string_member_with_default(daemon, "version", "?"));
  }
  g_string_append_c(out, '\n');

  JsonNode *lines_node = json_object_get_member(status, "lines");
  JsonArray *lines = lines_node != NULL && JSON_NODE_HOLDS_ARRAY(lines_node)
                         ? json_node_get_array(lines_node)
                         : NULL;
  g_autoptr(LoaTable) table = loa_table_new();
  loa_table_add_column(table, "line", _("LINE"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "on_air", _("ON AIR"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "elapsed", _("ELAPSED / REMAINING"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "next", _("NEXT"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "switch", _("SWITCH"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "level", _("LEVEL"), LOA_COLUMN_TEXT);
  guint n = lines != NULL ? json_array_get_length(lines) : 0;
  GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < n; i++) {
    JsonObject *line = json_array_get_object_element(lines, i);
    if (line == NULL)
      continue;
    const char *id = json_object_get_string_member_with_default(line, "id", "?");
    loa_table_add_row(table);
    loa_table_set(table, 0, id);
    JsonObject *on_air = object_member(line, "on_air");
    if (on_air != NULL) {
      loa_table_take(table, 1, loa_command_describe_airing(on_air));
      g_autofree char *elapsed = loa_command_format_duration(
          json_object_get_int_member_with_default(on_air, "elapsed_ms", 0));
      g_autofree char *remaining = loa_command_format_duration(
          json_object_get_int_member_with_default(on_air, "remaining_ms", 0));
      loa_table_take(table, 2, g_strdup_printf("%s / %s", elapsed, remaining));
    } else {
      loa_table_set(table, 1, _("(silence)"));
    }
    JsonObject *next = object_member(line, "next");
    if (next != NULL) {
      g_autofree char *at = loa_command_format_time(
          json_object_get_string_member_with_default(next, "start", NULL));
      loa_table_take(table, 3, g_strdup_printf(
                                   "%s %s", at,
                                   json_object_get_string_member_with_default(next, "spot", "?")));
    }
    loa_table_set(table, 4,
                  switch_text(json_object_get_string_member_with_default(line, "switch", NULL)));
    JsonNode *level = json_object_get_member(line, "level_dbfs");
    if (level != NULL && JSON_NODE_HOLDS_VALUE(level))
      loa_table_take(table, 5, g_strdup_printf("%.0f dBFS", json_node_get_double(level)));
    JsonObject *error = object_member(line, "last_error");
    if (error != NULL) {
      g_autofree char *at = loa_command_format_time(
          json_object_get_string_member_with_default(error, "time", NULL));
      g_ptr_array_add(errors, g_strdup_printf(
                                  _("  %s, %s: %s\n"), id, at,
                                  json_object_get_string_member_with_default(error, "message", "?")));
    }
  }
  loa_table_append(table, LOA_TABLE_FORMAT_TABLE, LOA_TABLE_PRINT_DEFAULT, out);
  if (errors->len > 0) {
    g_string_append_printf(out, "\n%s\n", _("Last errors:"));
    for (guint i = 0; i < errors->len; i++)
      g_string_append(out, g_ptr_array_index(errors, i));
  }
  g_ptr_array_unref(errors);
}

/* One round: ask, print. Returns the exit code of this round. */
static int
show_status(LoaContext *ctx, const char *socket_path, gboolean json, gboolean watch)
{
  int exit_code = LOA_EXIT_OK;
  g_autoptr(JsonNode) result = loa_command_call_daemon(ctx, socket_path, "status", NULL, &exit_code);
  if (watch) {
    /* Home and clear, then the whole screen at once, so it does not flicker. */
    fputs("\033[H\033[2J", stdout);
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *clock = g_date_time_format(now, "%Y-%m-%d %H:%M:%S");
    printf(_("loa status — %s — Ctrl-C to quit\n\n"), clock);
  }
  if (result == NULL)
    return exit_code;
  if (!JSON_NODE_HOLDS_OBJECT(result)) {
    loa_command_error(_("the daemon's answer to '%s' is not an object"), "status");
    return LOA_EXIT_PROBLEM;
  }
  JsonObject *status = json_node_get_object(result);
  if (json_object_get_member(status, "clock") == NULL) {
    JsonObject *clock = json_object_new();
    json_object_set_boolean_member(clock, "synchronized", clock_synchronized());
    json_object_set_object_member(status, "clock", clock);
  }
  if (json)
    return loa_command_print_json(result);
  g_autoptr(GString) out = g_string_new(NULL);
  append_status(out, status);
  fputs(out->str, stdout);
  return loa_command_finish_output(LOA_EXIT_OK);
}

int
loa_cmd_status(LoaContext *ctx, int argc, char **argv)
{
  g_autofree char *socket_path = NULL;
  gboolean json = FALSE, watch = FALSE;
  const GOptionEntry entries[] = {
    { "watch", 'w', 0, G_OPTION_ARG_NONE, &watch, N_("redraw every second until Ctrl-C"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("print the daemon's answer as JSON"), NULL },
    { "socket", 0, 0, G_OPTION_ARG_FILENAME, &socket_path,
      N_("the daemon's control socket (default: control_socket of the config)"), N_("PATH") },
    { NULL },
  };
  int exit_code = LOA_EXIT_OK;
  if (!loa_command_parse(argv[0], NULL,
                         _("Show the station: per line what is on air, what comes next, the "
                           "switch, the last error and the output level; the clock and the "
                           "schedule.\n\nExit status: 0 the daemon answered, 1 it did not."),
                         entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 1) {
    loa_command_error(_("%s takes no arguments besides its options"), "status");
    return LOA_EXIT_USAGE;
  }
  if (!watch)
    return show_status(ctx, socket_path, json, FALSE);
  /* Until Ctrl-C: SIGINT's default action ends the process, which is all
   * there is to clean up. A daemon that is away is shown and retried. */
  for (;;) {
    gint64 start = g_get_monotonic_time();
    exit_code = show_status(ctx, socket_path, json, TRUE);
    if (exit_code == LOA_EXIT_USAGE)
      return exit_code;
    fflush(stdout);
    gint64 left = G_USEC_PER_SEC - (g_get_monotonic_time() - start);
    if (left > 0)
      g_usleep((gulong)left);
  }
}
