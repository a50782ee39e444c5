/* A stand-in for the daemon's side of the control socket: the real server
 * (control.c) with handlers that answer in the documented shapes
 * (docs/control-protocol.md) from fixed data. The operator commands are
 * tested against it; every request it gets is printed on stdout, one JSON
 * line each, so the tests can check what the commands sent.
 * Usage: loa-test-control-server SOCKET (runs until SIGTERM or SIGINT). */
#include "control.h"

#include <glib-unix.h>
#include <stdio.h>
#include <string.h>

static const char *const airing_on_air =
    "{\"airing_id\":41,\"line\":\"an-hoa\",\"spot\":\"attt-01\","
    "\"title\":\"Bản tin an toàn thông tin\",\"priority\":\"normal\",\"source\":\"schedule\","
    "\"start\":\"2030-01-01T18:00:00+07:00\",\"duration_ms\":95000,\"elapsed_ms\":12000,"
    "\"remaining_ms\":83000}";
static const char *const airing_next =
    "{\"airing_id\":null,\"line\":\"an-hoa\",\"spot\":\"attt-02\",\"title\":\"Tin vắn\","
    "\"priority\":\"normal\",\"source\":\"schedule\",\"start\":\"2030-01-01T18:30:00+07:00\","
    "\"duration_ms\":60000}";

static JsonNode *
parse(const char *format, ...)
{
  va_list args;
  va_start(args, format);
  g_autofree char *text = g_strdup_vprintf(format, args);
  va_end(args);
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string(text, &error);
  g_assert_no_error(error);
  return node;
}

static void
record(JsonObject *request)
{
  g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), request);
  g_autofree char *text = json_to_string(node, FALSE);
  printf("%s\n", text);
  fflush(stdout);
}

/* The line argument must be a known line, as the daemon will check. */
static gboolean
check_line(JsonObject *request, GError **error)
{
  const char *line = json_object_get_string_member_with_default(request, "line", NULL);
  if (line == NULL || strcmp(line, "an-hoa") == 0 || strcmp(line, "cai-khe") == 0)
    return TRUE;
  g_set_error(error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_NOT_FOUND, "unknown line '%s'", line);
  return FALSE;
}

static JsonNode *
handle(JsonObject *request, gpointer user_data, GError **error)
{
  const char *cmd = user_data;
  record(request);
  if (!check_line(request, error))
    return NULL;
  if (strcmp(cmd, "status") == 0)
    return parse("{\"station\":{\"id\":\"cai-khe\",\"name\":\"Đài truyền thanh phường Cái Khế\"},"
                 "\"daemon\":{\"pid\":812,\"version\":\"0.1.0\",\"started\":"
                 "\"2030-01-01T08:00:00+07:00\",\"uptime_s\":3725},"
                 "\"schedule\":{\"name\":\"lich-thang-7\",\"source\":\"/etc/loa/schedule.cfg\","
                 "\"sha256\":\"00\",\"loaded_at\":\"2030-01-01T08:00:00+07:00\",\"events\":12},"
                 "\"lines\":[{\"id\":\"an-hoa\",\"name\":\"An Hòa\",\"on_air\":%s,\"next\":%s,"
                 "\"switch\":\"on\",\"last_error\":null,\"level_dbfs\":-18.4},"
                 "{\"id\":\"cai-khe\",\"name\":\"Cái Khế\",\"on_air\":null,\"next\":null,"
                 "\"switch\":\"error\",\"last_error\":{\"time\":\"2030-01-01T17:59:58+07:00\","
                 "\"message\":\"relay 2 did not answer\"},\"level_dbfs\":null}]}",
                 airing_on_air, airing_next);
  if (strcmp(cmd, "now") == 0)
    return parse("{\"lines\":[{\"line\":\"an-hoa\",\"on_air\":%s},"
                 "{\"line\":\"cai-khe\",\"on_air\":null}]}",
                 airing_on_air);
  if (strcmp(cmd, "next") == 0)
    return parse("{\"airings\":[%s]}", airing_next);
  if (strcmp(cmd, "skip") == 0)
    return parse("{\"line\":\"an-hoa\",\"skipped\":%s}", airing_on_air);
  if (strcmp(cmd, "stop") == 0)
    return parse("{\"line\":\"an-hoa\",\"stopped\":%s,\"cancelled\":2}", airing_on_air);
  if (strcmp(cmd, "reload") == 0)
    return parse("{\"schedule\":{\"name\":\"lich-thang-8\",\"events\":3}}");
  if (strcmp(cmd, "play") == 0) {
    const char *spot = json_object_get_string_member_with_default(request, "spot", "");
    if (strcmp(spot, "attt-01") != 0) {
      g_set_error(error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_NOT_FOUND, "unknown spot '%s'",
                  spot);
      return NULL;
    }
    return parse("{\"airings\":[{\"line\":\"an-hoa\",\"airing_id\":42,"
                 "\"start\":\"2030-01-01T18:01:00+07:00\",\"interrupted\":%s}]}",
                 airing_on_air);
  }
  return NULL;
}

static gboolean
quit(gpointer loop)
{
  g_main_loop_quit(loop);
  return G_SOURCE_REMOVE;
}

int
main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: %s SOCKET\n", argv[0]);
    return 2;
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaControl) control = loa_control_new(argv[1], &error);
  if (control == NULL) {
    fprintf(stderr, "%s\n", error->message);
    return 1;
  }
  static const char *const commands[] = { "status", "now", "next", "skip", "stop", "reload", "play" };
  for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
    loa_control_add_command(control, commands[i], handle, (gpointer)commands[i]);
  GMainLoop *loop = g_main_loop_new(NULL, FALSE);
  g_unix_signal_add(SIGTERM, quit, loop);
  g_unix_signal_add(SIGINT, quit, loop);
  loa_control_start(control, NULL);
  g_main_loop_run(loop);
  loa_control_stop(control);
  g_main_loop_unref(loop);
  return 0;
}
