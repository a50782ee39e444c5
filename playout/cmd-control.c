/* The small operator commands that talk to the running daemon over its
 * control socket: `loa now`, `next`, `skip`, `play`, `stop`, `reload`,
 * `lines`, and the helpers `loa status` shares with them. Each builds one
 * request (docs/control-protocol.md), prints the result for people, or raw
 * with --json. */
#include "commands.h"

#include "control-client.h"
#include "control.h"
#include "i18n.h"
#include "table.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

JsonNode *
loa_command_call_daemon(LoaContext *ctx, const char *socket_path, const char *cmd,
                        JsonObject *args, int *exit_code)
{
  g_autoptr(GError) error = NULL;
  const char *path = socket_path != NULL ? socket_path : ctx->config->control_socket;
  JsonNode *result = loa_control_call(path, cmd, args, LOA_CONTROL_CLIENT_TIMEOUT_MS, &error);
  if (result != NULL)
    return result;
  if (error->domain == LOA_CONTROL_ERROR) {
    loa_command_error(_("the daemon refused '%s': %s"), cmd, error->message);
    gboolean usage = error->code == LOA_CONTROL_ERROR_BAD_REQUEST ||
                     error->code == LOA_CONTROL_ERROR_NOT_FOUND ||
                     error->code == LOA_CONTROL_ERROR_UNKNOWN_COMMAND;
    *exit_code = usage ? LOA_EXIT_USAGE : LOA_EXIT_PROBLEM;
  } else {
    loa_command_error("%s", error->message);
    *exit_code = LOA_EXIT_PROBLEM;
  }
  return NULL;
}

int
loa_command_print_json(JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new();
  json_generator_set_pretty(generator, TRUE);
  json_generator_set_indent(generator, 2);
  json_generator_set_root(generator, node);
  g_autofree char *text = json_generator_to_data(generator, NULL);
  printf("%s\n", text);
  return loa_command_finish_output(LOA_EXIT_OK);
}

char *
loa_command_format_time(const char *iso)
{
  if (iso == NULL)
    return g_strdup("");
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601(iso, NULL);
  if (time == NULL)
    return g_strdup(iso);
  /* Today's times as the clock shows them; other days with their date. */
  g_autoptr(GDateTime) now = g_date_time_new_now(g_date_time_get_timezone(time));
  gboolean today = g_date_time_get_year(now) == g_date_time_get_year(time) &&
                   g_date_time_get_day_of_year(now) == g_date_time_get_day_of_year(time);
  return g_date_time_format(time, today ? "%H:%M:%S" : "%Y-%m-%d %H:%M:%S");
}

char *
loa_command_format_duration(gint64 ms)
{
  if (ms < 0)
    ms = 0;
  gint64 seconds = (ms + 500) / 1000;
  if (seconds >= 3600)
    return g_strdup_printf("%" PRId64 ":%02d:%02d", seconds / 3600,
                           (int)(seconds / 60 % 60), (int)(seconds % 60));
  return g_strdup_printf("%d:%02d", (int)(seconds / 60), (int)(seconds % 60));
}

char *
loa_command_describe_airing(JsonObject *airing)
{
  const char *spot = json_object_get_string_member_with_default(airing, "spot", "?");
  const char *title = json_object_get_string_member_with_default(airing, "title", NULL);
  const char *priority = json_object_get_string_member_with_default(airing, "priority", "normal");
  GString *text = g_string_new(spot);
  if (title != NULL && title[0] != '\0')
    g_string_append_printf(text, " — %s", title);
  if (g_strcmp0(priority, "emergency") == 0)
    g_string_append_printf(text, " [%s]", _("EMERGENCY"));
  else if (g_strcmp0(priority, "priority") == 0)
    g_string_append_printf(text, " [%s]", _("priority"));
  return g_string_free(text, FALSE);
}

/* The airing member of object, or NULL if absent or null. */
static JsonObject *
airing_member(JsonObject *object, const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member(object, name) : NULL;
  return node != NULL && JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
}

/* The array member of the result's object, or NULL (protocol error printed). */
static JsonArray *
result_array(JsonNode *result, const char *name, const char *cmd)
{
  JsonObject *object = JSON_NODE_HOLDS_OBJECT(result) ? json_node_get_object(result) : NULL;
  JsonNode *node = object != NULL ? json_object_get_member(object, name) : NULL;
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY(node)) {
    loa_command_error(_("the daemon's answer to '%s' has no \"%s\" list"), cmd, name);
    return NULL;
  }
  return json_node_get_array(node);
}

static gboolean
one_argument(const char *command, int argc, const char *what)
{
  if (argc == 2)
    return TRUE;
  loa_command_error(_("%s: expects one %s (see 'loa %s --help')"), command, what, command);
  return FALSE;
}

/* What every control command has after its own options: --json, --socket. */
typedef struct {
  gboolean json;
  char *socket_path;
} ControlOptions;

static void
control_options_clear(ControlOptions *options)
{
  g_clear_pointer(&options->socket_path, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ControlOptions, control_options_clear)

/* loa_command_parse() with own (NULL-terminated) options, then --json and
 * --socket into *options. */
static gboolean
control_parse(ControlOptions *options, const GOptionEntry *own, const char *parameters,
              const char *summary, int *argc, char ***argv, int *exit_code)
{
  g_autoptr(GArray) entries = g_array_new(TRUE, TRUE, sizeof(GOptionEntry));
  for (const GOptionEntry *e = own; e != NULL && e->long_name != NULL; e++)
    g_array_append_val(entries, *e);
  const GOptionEntry common[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &options->json, N_("print the daemon's answer as JSON"),
      NULL },
    { "socket", 0, 0, G_OPTION_ARG_FILENAME, &options->socket_path,
      N_("the daemon's control socket (default: control_socket of the config)"), N_("PATH") },
  };
  g_array_append_vals(entries, common, G_N_ELEMENTS(common));
  return loa_command_parse((*argv)[0], parameters, summary, (const GOptionEntry *)entries->data,
                           argc, argv, exit_code);
}

/* Sends cmd with args (may be NULL) to the daemon. With --json prints the
 * answer and returns NULL, *exit_code then being the command's exit status;
 * NULL too when the call failed (said, *exit_code set). Otherwise returns the
 * answer for the caller to print. */
static JsonNode *
control_call(LoaContext *ctx, const ControlOptions *options, const char *cmd, JsonObject *args,
             int *exit_code)
{
  JsonNode *result = loa_command_call_daemon(ctx, options->socket_path, cmd, args, exit_code);
  if (result != NULL && options->json) {
    *exit_code = loa_command_print_json(result);
    json_node_unref(result);
    return NULL;
  }
  return result;
}

static gboolean
no_arguments(const char *command, int argc)
{
  if (argc == 1)
    return TRUE;
  loa_command_error(_("%s takes no arguments besides its options"), command);
  return FALSE;
}

/* ---- now ---- */

int
loa_cmd_now(LoaContext *ctx, int argc, char **argv)
{
  g_auto(ControlOptions) options = { 0 };
  g_autofree char *line = NULL;
  const GOptionEntry entries[] = {
    { "line", 0, 0, G_OPTION_ARG_STRING, &line, N_("only this line"), N_("LINE") },
    { NULL },
  };
  int exit_code = LOA_EXIT_OK;
  if (!control_parse(&options, entries, NULL, _("Show what is on air on every line now."),
                     &argc, &argv, &exit_code))
    return exit_code;
  if (!no_arguments("now", argc))
    return LOA_EXIT_USAGE;
  g_autoptr(JsonObject) args = json_object_new();
  if (line != NULL)
    json_object_set_string_member(args, "line", line);
  g_autoptr(JsonNode) result = control_call(ctx, &options, "now", args, &exit_code);
  if (result == NULL)
    return exit_code;
  JsonArray *lines = result_array(result, "lines", "now");
  if (lines == NULL)
    return LOA_EXIT_PROBLEM;

  g_autoptr(LoaTable) table = loa_table_new();
  loa_table_add_column(table, "line", _("LINE"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "on_air", _("ON AIR"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "since", _("SINCE"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "elapsed", _("ELAPSED / REMAINING"), LOA_COLUMN_TEXT);
  for (guint i = 0; i < json_array_get_length(lines); i++) {
    JsonObject *entry = json_array_get_object_element(lines, i);
    JsonObject *airing = airing_member(entry, "on_air");
    loa_table_add_row(table);
    loa_table_set(table, 0, json_object_get_string_member_with_default(entry, "line", "?"));
    if (airing == NULL) {
      loa_table_set(table, 1, _("(silence)"));
      continue;
    }
    loa_table_take(table, 1, loa_command_describe_airing(airing));
    loa_table_take(table, 2, loa_command_format_time(
                                 json_object_get_string_member_with_default(airing, "start", NULL)));
    g_autofree char *elapsed = loa_command_format_duration(
        json_object_get_int_member_with_default(airing, "elapsed_ms", 0));
    g_autofree char *remaining = loa_command_format_duration(
        json_object_get_int_member_with_default(airing, "remaining_ms", 0));
    loa_table_take(table, 3, g_strdup_printf("%s / %s", elapsed, remaining));
  }
  loa_table_print(table, LOA_TABLE_FORMAT_TABLE, stdout);
  return loa_command_finish_output(LOA_EXIT_OK);
}

/* ---- next ---- */

int
loa_cmd_next(LoaContext *ctx, int argc, char **argv)
{
  g_auto(ControlOptions) options = { 0 };
  g_autofree char *line = NULL;
  const GOptionEntry entries[] = {
    { "line", 0, 0, G_OPTION_ARG_STRING, &line, N_("only this line"), N_("LINE") },
    { NULL },
  };
  int exit_code = LOA_EXIT_OK;
  if (!control_parse(&options, entries, _("[N]"),
                     _("Show the next N airings of every line (default 5, at most 100)."),
                     &argc, &argv, &exit_code))
    return exit_code;
  gint64 count = 5;
  if (argc > 2) {
    loa_command_error(_("%s: expects at most one number N (see 'loa %s --help')"), "next",
                      "next");
    return LOA_EXIT_USAGE;
  }
  if (argc == 2) {
    g_autoptr(GError) error = NULL;
    guint64 value = 0;
    if (!g_ascii_string_to_unsigned(argv[1], 10, 1, 100, &value, &error)) {
      loa_command_error(_("next: N must be a number from 1 to 100, not '%s'"), argv[1]);
      return LOA_EXIT_USAGE;
    }
    count = (gint64)value;
  }
  g_autoptr(JsonObject) args = json_object_new();
  json_object_set_int_member(args, "count", count);
  if (line != NULL)
    json_object_set_string_member(args, "line", line);
  g_autoptr(JsonNode) result = control_call(ctx, &options, "next", args, &exit_code);
  if (result == NULL)
    return exit_code;
  JsonArray *airings = result_array(result, "airings", "next");
  if (airings == NULL)
    return LOA_EXIT_PROBLEM;
  if (json_array_get_length(airings) == 0) {
    printf("%s\n", _("Nothing is scheduled."));
    return loa_command_finish_output(LOA_EXIT_OK);
  }
  g_autoptr(LoaTable) table = loa_table_new();
  loa_table_add_column(table, "start", _("TIME"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "line", _("LINE"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "spot", _("SPOT"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "duration", _("DURATION"), LOA_COLUMN_TEXT);
  for (guint i = 0; i < json_array_get_length(airings); i++) {
    JsonObject *airing = json_array_get_object_element(airings, i);
    if (airing == NULL)
      continue;
    loa_table_add_row(table);
    loa_table_take(table, 0, loa_command_format_time(
                                 json_object_get_string_member_with_default(airing, "start", NULL)));
    loa_table_set(table, 1, json_object_get_string_member_with_default(airing, "line", "?"));
    loa_table_take(table, 2, loa_command_describe_airing(airing));
    loa_table_take(table, 3, loa_command_format_duration(
                                 json_object_get_int_member_with_default(airing, "duration_ms", 0)));
  }
  loa_table_print(table, LOA_TABLE_FORMAT_TABLE, stdout);
  return loa_command_finish_output(LOA_EXIT_OK);
}

/* ---- skip, stop ---- */

/* skip and stop differ only in the request and the words. */
static int
line_action(LoaContext *ctx, int argc, char **argv, const char *cmd, const char *summary,
            const char *ended_member)
{
  g_auto(ControlOptions) options = { 0 };
  int exit_code = LOA_EXIT_OK;
  if (!control_parse(&options, NULL, _("LINE"), summary, &argc, &argv, &exit_code))
    return exit_code;
  if (!one_argument(cmd, argc, _("LINE")))
    return LOA_EXIT_USAGE;
  g_autoptr(JsonObject) args = json_object_new();
  json_object_set_string_member(args, "line", argv[1]);
  g_autoptr(JsonNode) result = control_call(ctx, &options, cmd, args, &exit_code);
  if (result == NULL)
    return exit_code;
  JsonObject *object = JSON_NODE_HOLDS_OBJECT(result) ? json_node_get_object(result) : NULL;
  JsonObject *ended = airing_member(object, ended_member);
  if (ended == NULL) {
    printf(_("Line %s: nothing was on air.\n"), argv[1]);
  } else {
    g_autofree char *what = loa_command_describe_airing(ended);
    if (strcmp(cmd, "skip") == 0)
      printf(_("Line %s: skipped %s.\n"), argv[1], what);
    else
      printf(_("Line %s: stopped %s.\n"), argv[1], what);
  }
  gint64 cancelled = object != NULL ? json_object_get_int_member_with_default(object, "cancelled", 0)
                                    : 0;
  if (cancelled > 0)
    printf(dngettext(LOA_GETTEXT_PACKAGE, "Line %s: %d waiting play-now cancelled.\n",
                     "Line %s: %d waiting play-now airings cancelled.\n", (gulong)cancelled),
           argv[1], (int)cancelled);
  return loa_command_finish_output(LOA_EXIT_OK);
}

int
loa_cmd_skip(LoaContext *ctx, int argc, char **argv)
{
  return line_action(ctx, argc, argv, "skip",
                     _("End what is on air on LINE now (logged as interrupted); the schedule "
                       "carries on."),
                     "skipped");
}

int
loa_cmd_stop(LoaContext *ctx, int argc, char **argv)
{
  return line_action(ctx, argc, argv, "stop",
                     _("End what is on air on LINE and cancel the play-now airings waiting for "
                       "it; the schedule carries on with its next airing."),
                     "stopped");
}

/* ---- play ---- */

int
loa_cmd_play(LoaContext *ctx, int argc, char **argv)
{
  g_auto(ControlOptions) options = { 0 };
  g_autofree char *lines = NULL;
  g_autofree char *zone = NULL;
  g_autofree char *priority = NULL;
  const GOptionEntry entries[] = {
    { "lines", 0, 0, G_OPTION_ARG_STRING, &lines,
      N_("the lines to air on, separated by commas, or \"all\""), N_("LINE,...") },
    { "zone", 0, 0, G_OPTION_ARG_STRING, &zone, N_("the zone of the schedule to air on"),
      N_("ZONE") },
    { "priority", 0, 0, G_OPTION_ARG_STRING, &priority,
      N_("\"priority\" (default): after the current spot; \"emergency\": cut in at once"),
      N_("LEVEL") },
    { NULL },
  };
  int exit_code = LOA_EXIT_OK;
  if (!control_parse(&options, entries, _("SPOT"),
                     _("Air an approved spot now on some lines (urgent announcement).\n\n"
                       "With --priority emergency it cuts in within a second and what it "
                       "cuts is logged as interrupted."),
                     &argc, &argv, &exit_code))
    return exit_code;
  if (!one_argument("play", argc, _("SPOT")))
    return LOA_EXIT_USAGE;
  if ((lines == NULL) == (zone == NULL)) {
    loa_command_error(_("play: give either --lines LINE,... or --zone ZONE"));
    return LOA_EXIT_USAGE;
  }
  if (priority == NULL)
    priority = g_strdup("priority");
  if (strcmp(priority, "priority") != 0 && strcmp(priority, "emergency") != 0) {
    loa_command_error(_("play: --priority is \"priority\" or \"emergency\", not '%s'"), priority);
    return LOA_EXIT_USAGE;
  }

  g_autoptr(JsonObject) args = json_object_new();
  json_object_set_string_member(args, "spot", argv[1]);
  json_object_set_string_member(args, "priority", priority);
  if (zone != NULL)
    json_object_set_string_member(args, "zone", zone);
  if (lines != NULL) {
    g_auto(GStrv) ids = g_strsplit(lines, ",", -1);
    JsonArray *array = json_array_new();
    for (char **id = ids; *id != NULL; id++) {
      g_strstrip(*id);
      if (**id == '\0')
        continue;
      if (!loa_config_id_is_valid(*id)) {
        loa_command_error(_("play: '%s' in --lines is not a line id"), *id);
        json_array_unref(array);
        return LOA_EXIT_USAGE;
      }
      json_array_add_string_element(array, *id);
    }
    if (json_array_get_length(array) == 0) {
      json_array_unref(array);
      loa_command_error(_("play: --lines names no line"));
      return LOA_EXIT_USAGE;
    }
    json_object_set_array_member(args, "lines", array);
  }

  g_autoptr(JsonNode) result = control_call(ctx, &options, "play", args, &exit_code);
  if (result == NULL)
    return exit_code;
  JsonArray *airings = result_array(result, "airings", "play");
  if (airings == NULL)
    return LOA_EXIT_PROBLEM;
  for (guint i = 0; i < json_array_get_length(airings); i++) {
    JsonObject *airing = json_array_get_object_element(airings, i);
    if (airing == NULL)
      continue;
    const char *line = json_object_get_string_member_with_default(airing, "line", "?");
    g_autofree char *start =
        loa_command_format_time(json_object_get_string_member_with_default(airing, "start", NULL));
    printf(_("Line %s: %s on air at %s.\n"), line, argv[1], start);
    JsonObject *interrupted = airing_member(airing, "interrupted");
    if (interrupted != NULL) {
      g_autofree char *what = loa_command_describe_airing(interrupted);
      printf(_("Line %s: interrupted %s.\n"), line, what);
    }
  }
  return loa_command_finish_output(LOA_EXIT_OK);
}

/* ---- reload ---- */

int
loa_cmd_reload(LoaContext *ctx, int argc, char **argv)
{
  g_auto(ControlOptions) options = { 0 };
  int exit_code = LOA_EXIT_OK;
  if (!control_parse(&options, NULL, NULL,
                     _("Make the daemon re-read its configuration and the loaded schedule "
                       "(as SIGHUP does); what is on air keeps playing."),
                     &argc, &argv, &exit_code))
    return exit_code;
  if (!no_arguments("reload", argc))
    return LOA_EXIT_USAGE;
  g_autoptr(JsonNode) result = control_call(ctx, &options, "reload", NULL, &exit_code);
  if (result == NULL)
    return exit_code;
  JsonObject *object = JSON_NODE_HOLDS_OBJECT(result) ? json_node_get_object(result) : NULL;
  JsonObject *schedule = airing_member(object, "schedule");
  if (schedule != NULL)
    printf(_("Reloaded; schedule: %s.\n"),
           json_object_get_string_member_with_default(schedule, "name", "?"));
  else
    printf("%s\n", _("Reloaded; no schedule is loaded."));
  return loa_command_finish_output(LOA_EXIT_OK);
}

/* ---- lines ---- */

int
loa_cmd_lines(LoaContext *ctx, int argc, char **argv)
{
  g_auto(ControlOptions) options = { 0 };
  int exit_code = LOA_EXIT_OK;
  if (!control_parse(&options, NULL, NULL,
                     _("List the running daemon's lines: output and switch state."), &argc,
                     &argv, &exit_code))
    return exit_code;
  if (!no_arguments("lines", argc))
    return LOA_EXIT_USAGE;
  g_autoptr(JsonNode) result = control_call(ctx, &options, "lines", NULL, &exit_code);
  if (result == NULL)
    return exit_code;
  JsonArray *lines = result_array(result, "lines", "lines");
  if (lines == NULL)
    return LOA_EXIT_PROBLEM;
  g_autoptr(LoaTable) table = loa_table_new();
  loa_table_add_column(table, "id", _("LINE"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "name", _("NAME"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "output", _("OUTPUT"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "switch", _("SWITCH"), LOA_COLUMN_TEXT);
  static const char *const members[] = { "id", "name", "output", "switch" };
  for (guint i = 0; i < json_array_get_length(lines); i++) {
    JsonObject *entry = json_array_get_object_element(lines, i);
    loa_table_add_row(table);
    for (guint c = 0; c < G_N_ELEMENTS(members); c++)
      loa_table_set(table, c, json_object_get_string_member_with_default(entry, members[c], ""));
  }
  loa_table_print(table, LOA_TABLE_FORMAT_TABLE, stdout);
  return loa_command_finish_output(LOA_EXIT_OK);
}
