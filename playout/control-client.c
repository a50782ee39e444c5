/* One request over the control socket (see control-client.h). Non-blocking
 * socket and poll() against one deadline, so a hung daemon costs the operator
 * a few seconds and a clear message, never a frozen terminal. */
#include "control-client.h"

#include "control.h"
#include "i18n.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

G_DEFINE_QUARK(loa-control-client-error-quark, loa_control_client_error)

/* Responses are small (status of a few lines); this only stops a runaway peer. */
#define MAX_RESPONSE (16 * 1024 * 1024)

/* Waits until fd is ready for events or the deadline passes. Returns FALSE
 * with the error set on timeout. */
static gboolean
wait_for(int fd, short events, gint64 deadline_us, const char *path, GError **error)
{
  for (;;) {
    gint64 left_ms = (deadline_us - g_get_monotonic_time()) / 1000;
    if (left_ms <= 0) {
      g_set_error(error, LOA_CONTROL_CLIENT_ERROR, LOA_CONTROL_CLIENT_ERROR_TIMEOUT,
                  _("%s: the daemon did not answer in time"), path);
      return FALSE;
    }
    struct pollfd pfd = { .fd = fd, .events = events };
    int n = poll(&pfd, 1, (int)MIN(left_ms, G_MAXINT));
    if (n > 0 || (n < 0 && errno != EINTR))
      return TRUE;
  }
}

static int
code_from_name(const char *name)
{
  for (int code = 0; code <= LOA_CONTROL_ERROR_IN_USE; code++)
    if (g_strcmp0(name, loa_control_error_code_name(code)) == 0)
      return code;
  return LOA_CONTROL_ERROR_FAILED;
}

/* Turns the response line into the result or the daemon's error. */
static JsonNode *
parse_response(const char *path, const char *line, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable();
  g_autoptr(GError) parse_error = NULL;
  if (!json_parser_load_from_data(parser, line, -1, &parse_error) ||
      !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
    g_set_error(error, LOA_CONTROL_CLIENT_ERROR, LOA_CONTROL_CLIENT_ERROR_PROTOCOL,
                _("%s: the daemon's response is not a JSON object"), path);
    return NULL;
  }
  JsonObject *response = json_node_get_object(json_parser_get_root(parser));
  JsonNode *ok = json_object_get_member(response, "ok");
  if (ok == NULL || json_node_get_value_type(ok) != G_TYPE_BOOLEAN) {
    g_set_error(error, LOA_CONTROL_CLIENT_ERROR, LOA_CONTROL_CLIENT_ERROR_PROTOCOL,
                _("%s: the daemon's response has no \"ok\""), path);
    return NULL;
  }
  if (!json_node_get_boolean(ok)) {
    const char *message = json_object_get_string_member_with_default(response, "error", NULL);
    const char *code = json_object_get_string_member_with_default(response, "code", "failed");
    g_set_error_literal(error, LOA_CONTROL_ERROR, code_from_name(code),
                        message != NULL ? message : _("the daemon refused the request"));
    return NULL;
  }
  JsonNode *result = json_object_get_member(response, "result");
  return result != NULL ? json_node_copy(result) : json_node_new(JSON_NODE_NULL);
}

JsonNode *
loa_control_call(const char *socket_path, const char *cmd, JsonObject *args, guint timeout_ms,
                 GError **error)
{
  gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  if (strlen(socket_path) >= sizeof address.sun_path) {
    g_set_error(error, LOA_CONTROL_CLIENT_ERROR, LOA_CONTROL_CLIENT_ERROR_CONNECT,
                _("%s: the control socket path is too long"), socket_path);
    return NULL;
  }
  g_strlcpy(address.sun_path, socket_path, sizeof address.sun_path);

  /* The request: cmd first, then the arguments. */
  g_autoptr(JsonObject) request = json_object_new();
  json_object_set_string_member(request, "cmd", cmd);
  if (args != NULL) {
    g_autoptr(GList) members = json_object_get_members(args);
    for (GList *m = members; m != NULL; m = m->next)
      if (strcmp(m->data, "cmd") != 0)
        json_object_set_member(request, m->data,
                               json_node_copy(json_object_get_member(args, m->data)));
  }
  g_autoptr(JsonNode) request_node = json_node_init_object(json_node_alloc(), request);
  g_autofree char *text = json_to_string(request_node, FALSE);
  g_autofree char *line = g_strconcat(text, "\n", NULL);

  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int connected = fd < 0 ? -1 : connect(fd, (struct sockaddr *)&address, sizeof address);
  /* A UNIX socket says EAGAIN when the daemon's backlog is full: nothing is
   * pending, so try again until the deadline. */
  while (connected < 0 && fd >= 0 && errno == EAGAIN && g_get_monotonic_time() < deadline) {
    g_usleep(10000);
    connected = connect(fd, (struct sockaddr *)&address, sizeof address);
  }
  if (connected < 0) {
    int saved = errno;
    if (fd >= 0)
      close(fd);
    const char *hint = saved == ENOENT || saved == ECONNREFUSED
                           ? _("is the daemon running? (systemctl status loa)")
                       : saved == EACCES ? _("only root and members of group 'loa' may control Loa")
                                         : g_strerror(saved);
    g_set_error(error, LOA_CONTROL_CLIENT_ERROR, LOA_CONTROL_CLIENT_ERROR_CONNECT,
                _("%s: cannot reach the daemon: %s"), socket_path, hint);
    return NULL;
  }

  gsize sent = 0, length = strlen(line);
  g_autoptr(GString) in = g_string_new(NULL);
  JsonNode *result = NULL;
  while (sent < length) {
    if (!wait_for(fd, POLLOUT, deadline, socket_path, error))
      goto out;
    ssize_t n = send(fd, line + sent, length - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
      continue;
    if (n < 0) {
      /* The daemon may have refused us and closed: its reason is worth reading. */
      if (errno == EPIPE || errno == ECONNRESET)
        break;
      int saved = errno;
      g_set_error(error, LOA_CONTROL_CLIENT_ERROR, LOA_CONTROL_CLIENT_ERROR_CONNECT,
                  _("%s: cannot send the request: %s"), socket_path, g_strerror(saved));
      goto out;
    }
    sent += (gsize)n;
  }
  for (;;) {
    char *newline = memchr(in->str, '\n', in->len);
    if (newline != NULL) {
      *newline = '\0';
      result = parse_response(socket_path, in->str, error);
      goto out;
    }
    if (in->len > MAX_RESPONSE) {
      g_set_error(error, LOA_CONTROL_CLIENT_ERROR, LOA_CONTROL_CLIENT_ERROR_PROTOCOL,
                  _("%s: the daemon's response is too long"), socket_path);
      goto out;
    }
    if (!wait_for(fd, POLLIN, deadline, socket_path, error))
      goto out;
    char buffer[8192];
    ssize_t n = recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
      continue;
    if (n <= 0) {
      g_set_error(error, LOA_CONTROL_CLIENT_ERROR, LOA_CONTROL_CLIENT_ERROR_PROTOCOL,
                  _("%s: the daemon closed the connection without answering"), socket_path);
      goto out;
    }
    g_string_append_len(in, buffer, n);
  }
out:
  close(fd);
  return result;
}
