/* The control socket server (see control.h). Plain non-blocking POSIX sockets
 * watched by GLib fd sources: each client has an input buffer (one request per
 * line), an output buffer drained when the socket is writable, and an idle
 * timer. Nothing here ever waits on a client. */
#define G_LOG_DOMAIN "loa-control"
#include "control.h"

#include "i18n.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

G_DEFINE_QUARK(loa-control-error-quark, loa_control_error)

#define READ_CHUNK 4096

static const LoaControlLimits default_limits = {
  .max_request = 64 * 1024,
  .max_output = 1024 * 1024,
  .idle_timeout_ms = 10000,
  .max_clients = 32,
};

typedef struct {
  LoaControlHandler handler;
  gpointer user_data;
} Command;

typedef struct Client Client;

struct LoaControl {
  char *path;               /* the socket file we created and remove at the end */
  int listen_fd;            /* -1 once closed */
  GMainContext *context;    /* where we serve; a reference while started */
  GSource *accept_source;   /* watches listen_fd while started */
  GHashTable *commands;     /* name → Command * */
  GList *clients;           /* Client *, connected ones */
  LoaControlLimits limits;
};

struct Client {
  LoaControl *control;      /* the server (owns us) */
  int fd;
  uid_t uid;                /* peer's uid (SO_PEERCRED) */
  pid_t pid;                /* peer's pid, for log messages */
  GString *in;              /* bytes received, not yet a complete line */
  GString *out;             /* response bytes not yet sent */
  gsize out_sent;           /* bytes of out already sent */
  GSource *io_source;       /* the fd watch, for the condition in io_condition */
  GIOCondition io_condition;
  GSource *idle_source;     /* drops the client after idle_timeout_ms without progress */
  gboolean closing;         /* close once out is sent; read nothing more */
};

const char *
loa_control_error_code_name(int code)
{
  switch ((LoaControlError)code) {
  case LOA_CONTROL_ERROR_BAD_REQUEST:
    return "bad-request";
  case LOA_CONTROL_ERROR_UNKNOWN_COMMAND:
    return "unknown-command";
  case LOA_CONTROL_ERROR_NOT_FOUND:
    return "not-found";
  case LOA_CONTROL_ERROR_TOO_LONG:
    return "too-long";
  case LOA_CONTROL_ERROR_DENIED:
    return "denied";
  case LOA_CONTROL_ERROR_BUSY:
    return "busy";
  case LOA_CONTROL_ERROR_FAILED:
  case LOA_CONTROL_ERROR_SOCKET:
  case LOA_CONTROL_ERROR_IN_USE:
    break;
  }
  return "failed";
}

/* ---- clients ---- */

static gboolean client_io(gint fd, GIOCondition condition, gpointer user_data);
static gboolean client_idle(gpointer user_data);

static void
client_free(Client *client)
{
  if (client->io_source != NULL) {
    g_source_destroy(client->io_source);
    g_source_unref(client->io_source);
  }
  if (client->idle_source != NULL) {
    g_source_destroy(client->idle_source);
    g_source_unref(client->idle_source);
  }
  if (client->fd >= 0)
    close(client->fd);
  g_string_free(client->in, TRUE);
  g_string_free(client->out, TRUE);
  g_free(client);
}

static void
client_drop(Client *client, const char *why)
{
  if (why != NULL)
    g_message(_("control: dropped client pid %d (uid %u): %s"), (int)client->pid,
              (unsigned)client->uid, why);
  client->control->clients = g_list_remove(client->control->clients, client);
  client_free(client);
}

/* (Re)arms the idle timer: called on every byte of progress. */
static void
client_touch(Client *client)
{
  if (client->idle_source != NULL) {
    g_source_destroy(client->idle_source);
    g_source_unref(client->idle_source);
  }
  client->idle_source = g_timeout_source_new(client->control->limits.idle_timeout_ms);
  g_source_set_callback(client->idle_source, client_idle, client, NULL);
  g_source_attach(client->idle_source, client->control->context);
}

/* Watches for input unless closing, and for output while some is pending. An
 * fd source's condition is fixed, so a change replaces the source. */
static void
client_watch(Client *client)
{
  GIOCondition condition = 0;
  if (!client->closing)
    condition |= G_IO_IN;
  if (client->out->len > client->out_sent)
    condition |= G_IO_OUT;
  if (client->io_source != NULL && condition == client->io_condition)
    return;
  if (client->io_source != NULL) {
    g_source_destroy(client->io_source);
    g_source_unref(client->io_source);
  }
  client->io_condition = condition;
  /* G_IO_HUP and G_IO_ERR are always reported, so even a closing client with
   * nothing to write notices its peer going away. */
  client->io_source = g_unix_fd_source_new(client->fd, condition);
  g_source_set_callback(client->io_source, G_SOURCE_FUNC(client_io), client, NULL);
  g_source_attach(client->io_source, client->control->context);
}

/* Queues one response line. Returns FALSE if the client was dropped because
 * it does not read what it is sent. */
static gboolean
client_send(Client *client, JsonNode *response)
{
  LoaControlLimits *limits = &client->control->limits;
  if (client->out->len - client->out_sent > limits->max_output) {
    client_drop(client, _("it does not read its responses"));
    return FALSE;
  }
  g_autofree char *text = json_to_string(response, FALSE);
  g_string_append(client->out, text);
  g_string_append_c(client->out, '\n');
  return TRUE;
}

static JsonNode *
error_response(const GError *error, JsonNode *id)
{
  g_autoptr(JsonBuilder) builder = json_builder_new();
  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "ok");
  json_builder_add_boolean_value(builder, FALSE);
  json_builder_set_member_name(builder, "error");
  json_builder_add_string_value(builder, error->message);
  json_builder_set_member_name(builder, "code");
  json_builder_add_string_value(builder, error->domain == LOA_CONTROL_ERROR
                                             ? loa_control_error_code_name(error->code)
                                             : "failed");
  if (id != NULL) {
    json_builder_set_member_name(builder, "id");
    json_builder_add_value(builder, json_node_copy(id));
  }
  json_builder_end_object(builder);
  return json_builder_get_root(builder);
}

static gboolean
client_send_error(Client *client, int code, const char *message)
{
  g_autoptr(GError) error = g_error_new_literal(LOA_CONTROL_ERROR, code, message);
  g_autoptr(JsonNode) response = error_response(error, NULL);
  return client_send(client, response);
}

/* Parses and runs one request line; returns the response. */
static JsonNode *
run_request(LoaControl *control, const char *line)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new_immutable();
  JsonNode *id = NULL;

  if (!g_utf8_validate(line, -1, NULL)) {
    g_set_error_literal(&error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_BAD_REQUEST,
                        _("the request is not valid UTF-8"));
    return error_response(error, NULL);
  }
  if (!json_parser_load_from_data(parser, line, -1, &error)) {
    g_autofree char *message = g_strdup_printf(_("the request is not JSON: %s"), error->message);
    g_clear_error(&error);
    g_set_error_literal(&error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_BAD_REQUEST, message);
    return error_response(error, NULL);
  }
  JsonNode *root = json_parser_get_root(parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
    g_set_error_literal(&error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_BAD_REQUEST,
                        _("the request is not a JSON object {\"cmd\": ...}"));
    return error_response(error, NULL);
  }
  JsonObject *request = json_node_get_object(root);
  id = json_object_get_member(request, "id");
  JsonNode *cmd = json_object_get_member(request, "cmd");
  if (cmd == NULL || !JSON_NODE_HOLDS_VALUE(cmd) || json_node_get_value_type(cmd) != G_TYPE_STRING) {
    g_set_error_literal(&error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_BAD_REQUEST,
                        _("the request has no \"cmd\" string"));
    return error_response(error, id);
  }
  const char *name = json_node_get_string(cmd);
  Command *command = g_hash_table_lookup(control->commands, name);
  if (command == NULL) {
    g_set_error(&error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_UNKNOWN_COMMAND,
                _("unknown command '%s'"), name);
    return error_response(error, id);
  }

  JsonNode *result = command->handler(request, command->user_data, &error);
  if (result == NULL && error != NULL)
    return error_response(error, id);
  if (result == NULL)
    result = json_node_new(JSON_NODE_NULL);
  g_autoptr(JsonBuilder) builder = json_builder_new();
  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "ok");
  json_builder_add_boolean_value(builder, TRUE);
  json_builder_set_member_name(builder, "result");
  json_builder_add_value(builder, result);
  if (id != NULL) {
    json_builder_set_member_name(builder, "id");
    json_builder_add_value(builder, json_node_copy(id));
  }
  json_builder_end_object(builder);
  return json_builder_get_root(builder);
}

/* Runs every complete line in the input buffer. Returns FALSE if the client
 * was dropped. */
static gboolean
client_process(Client *client)
{
  LoaControl *control = client->control;
  while (!client->closing) {
    char *newline = memchr(client->in->str, '\n', client->in->len);
    if (newline == NULL) {
      if (client->in->len > control->limits.max_request) {
        g_autofree char *message = g_strdup_printf(
            _("the request is longer than %zu bytes"), control->limits.max_request);
        client->closing = TRUE;
        g_string_truncate(client->in, 0);
        return client_send_error(client, LOA_CONTROL_ERROR_TOO_LONG, message);
      }
      return TRUE;
    }
    gsize length = (gsize)(newline - client->in->str);
    if (length > control->limits.max_request) {
      g_autofree char *message = g_strdup_printf(
          _("the request is longer than %zu bytes"), control->limits.max_request);
      client->closing = TRUE;
      return client_send_error(client, LOA_CONTROL_ERROR_TOO_LONG, message);
    }
    /* A NUL inside the line would silently cut the request short. */
    gboolean has_nul = memchr(client->in->str, '\0', length) != NULL;
    g_autofree char *line = g_strndup(client->in->str, length);
    g_string_erase(client->in, 0, (gssize)length + 1);
    if (has_nul) {
      if (!client_send_error(client, LOA_CONTROL_ERROR_BAD_REQUEST,
                             _("the request contains a NUL byte")))
        return FALSE;
      continue;
    }
    g_strchomp(line); /* tolerate CRLF from hand-typed requests (socat, nc) */
    if (line[0] == '\0')
      continue;
    g_autoptr(JsonNode) response = run_request(control, line);
    if (!client_send(client, response))
      return FALSE;
  }
  return TRUE;
}

/* Sends what it can without blocking. Returns FALSE if the client was dropped. */
static gboolean
client_flush(Client *client)
{
  while (client->out->len > client->out_sent) {
    ssize_t n = send(client->fd, client->out->str + client->out_sent,
                     client->out->len - client->out_sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      break;
    if (n < 0) {
      client_drop(client, NULL);  /* the peer went away: nothing to report */
      return FALSE;
    }
    client->out_sent += (gsize)n;
    client_touch(client);
  }
  if (client->out_sent == client->out->len) {
    g_string_truncate(client->out, 0);
    client->out_sent = 0;
    if (client->closing) {
      client_drop(client, NULL);
      return FALSE;
    }
  } else if (client->out_sent > client->control->limits.max_output) {
    g_string_erase(client->out, 0, (gssize)client->out_sent);
    client->out_sent = 0;
  }
  return TRUE;
}

/* Reads what is there. Returns FALSE if the client was dropped. */
static gboolean
client_read(Client *client)
{
  char buffer[READ_CHUNK];
  for (;;) {
    ssize_t n = recv(client->fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return TRUE;
    if (n <= 0) {
      /* End of input: answer what was complete, then close. A half line
       * without its newline is dropped, it is not a request. */
      client->closing = TRUE;
      return TRUE;
    }
    client_touch(client);
    g_string_append_len(client->in, buffer, n);
    if (!client_process(client))
      return FALSE;
    if (client->closing)
      return TRUE;
  }
}

static gboolean
client_io(gint fd, GIOCondition condition, gpointer user_data)
{
  Client *client = user_data;
  if ((condition & G_IO_IN) && !client->closing && !client_read(client))
    return G_SOURCE_REMOVE;
  if ((condition & (G_IO_HUP | G_IO_ERR)) && !(condition & G_IO_IN)) {
    client_drop(client, NULL);
    return G_SOURCE_REMOVE;
  }
  if (!client_flush(client))
    return G_SOURCE_REMOVE;
  /* client_watch may replace this very source; keep it alive until we return. */
  GSource *self = g_source_ref(client->io_source);
  client_watch(client);
  gboolean keep = client->io_source == self;
  g_source_unref(self);
  return keep ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
client_idle(gpointer user_data)
{
  Client *client = user_data;
  const char *why = client->in->len > 0 ? _("half-written request, timed out")
                    : client->out->len > client->out_sent ? _("it does not read its responses")
                                                          : NULL;
  client_drop(client, why);
  return G_SOURCE_REMOVE;
}

/* ---- access ---- */

/* TRUE if uid is root, our own user, or has group LOA_CONTROL_GROUP (as its
 * primary group gid or among its supplementary groups). */
static gboolean
peer_allowed(uid_t uid, gid_t gid)
{
  if (uid == 0 || uid == geteuid())
    return TRUE;
  struct group *group = getgrnam(LOA_CONTROL_GROUP);
  if (group == NULL)
    return FALSE;
  gid_t loa_gid = group->gr_gid;
  if (gid == loa_gid)
    return TRUE;
  struct passwd *user = getpwuid(uid);
  if (user == NULL)
    return FALSE;
  int n = 64;
  g_autofree gid_t *groups = g_new(gid_t, n);
  if (getgrouplist(user->pw_name, user->pw_gid, groups, &n) < 0) {
    groups = g_renew(gid_t, groups, n);
    if (getgrouplist(user->pw_name, user->pw_gid, groups, &n) < 0)
      return FALSE;
  }
  for (int i = 0; i < n; i++)
    if (groups[i] == loa_gid)
      return TRUE;
  return FALSE;
}

static gboolean
accept_clients(gint fd, GIOCondition condition, gpointer user_data)
{
  LoaControl *control = user_data;
  for (;;) {
    int client_fd = accept4(control->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (client_fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED)
        continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        g_warning(_("control: cannot accept a client on %s: %s"), control->path,
                  g_strerror(errno));
      return G_SOURCE_CONTINUE;
    }
    Client *client = g_new0(Client, 1);
    client->control = control;
    client->fd = client_fd;
    client->in = g_string_new(NULL);
    client->out = g_string_new(NULL);
    control->clients = g_list_prepend(control->clients, client);

    struct ucred credentials = { 0 };
    socklen_t length = sizeof credentials;
    if (getsockopt(client_fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) < 0) {
      client_drop(client, g_strerror(errno));
      continue;
    }
    client->uid = credentials.uid;
    client->pid = credentials.pid;
    client_touch(client);
    if (!peer_allowed(credentials.uid, credentials.gid)) {
      g_message(_("control: refused client pid %d: uid %u is not root, the daemon's user or in "
                  "group '%s'"),
                (int)credentials.pid, (unsigned)credentials.uid, LOA_CONTROL_GROUP);
      g_autofree char *message = g_strdup_printf(
          _("permission denied: only root, the daemon's user and members of group '%s' may "
            "control Loa"),
          LOA_CONTROL_GROUP);
      client->closing = TRUE;
      if (!client_send_error(client, LOA_CONTROL_ERROR_DENIED, message))
        continue;
    } else if (g_list_length(control->clients) > control->limits.max_clients) {
      client->closing = TRUE;
      if (!client_send_error(client, LOA_CONTROL_ERROR_BUSY,
                             _("too many clients at once; try again")))
        continue;
    }
    if (client_flush(client))
      client_watch(client);
  }
}

/* ---- the server ---- */

/* Removes a stale socket file at path; refuses a live socket or another file. */
static gboolean
clear_stale_socket(const char *path, GError **error)
{
  struct stat st;
  if (lstat(path, &st) < 0)
    return TRUE;
  if (!S_ISSOCK(st.st_mode)) {
    g_set_error(error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_SOCKET,
                _("%s: cannot create the control socket: a file that is not a socket is in the "
                  "way"),
                path);
    return FALSE;
  }
  int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  g_strlcpy(address.sun_path, path, sizeof address.sun_path);
  gboolean live = probe >= 0 && connect(probe, (struct sockaddr *)&address, sizeof address) == 0;
  if (probe >= 0)
    close(probe);
  if (live) {
    g_set_error(error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_IN_USE,
                _("%s: another Loa daemon is already listening on this control socket"), path);
    return FALSE;
  }
  if (g_unlink(path) < 0 && errno != ENOENT) {
    int saved = errno;
    g_set_error(error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_SOCKET,
                _("%s: cannot remove the stale control socket: %s"), path, g_strerror(saved));
    return FALSE;
  }
  return TRUE;
}

LoaControl *
loa_control_new(const char *socket_path, GError **error)
{
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  if (socket_path == NULL || socket_path[0] == '\0' ||
      strlen(socket_path) >= sizeof address.sun_path) {
    g_set_error(error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_SOCKET,
                _("%s: the control socket path is empty or longer than %zu bytes"),
                socket_path != NULL ? socket_path : "", sizeof address.sun_path - 1);
    return NULL;
  }
  if (!clear_stale_socket(socket_path, error))
    return NULL;
  g_strlcpy(address.sun_path, socket_path, sizeof address.sun_path);

  const char *call = "socket";
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    goto fail;
  /* Created 0660 from the start: no moment where anyone may connect. */
  mode_t old_mask = umask(0117);
  call = "bind";
  int bound = bind(fd, (struct sockaddr *)&address, sizeof address);
  umask(old_mask);
  if (bound < 0)
    goto fail;
  call = "chmod";
  if (chmod(socket_path, 0660) < 0)
    goto fail;
  struct group *group = getgrnam(LOA_CONTROL_GROUP);
  call = "chown";
  if (group != NULL && chown(socket_path, (uid_t)-1, group->gr_gid) < 0)
    goto fail;
  call = "listen";
  if (listen(fd, 16) < 0)
    goto fail;

  LoaControl *control = g_new0(LoaControl, 1);
  control->path = g_strdup(socket_path);
  control->listen_fd = fd;
  control->commands = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  control->limits = default_limits;
  return control;

fail:;
  int saved = errno;
  if (fd >= 0) {
    close(fd);
    if (strcmp(call, "socket") != 0 && strcmp(call, "bind") != 0)
      g_unlink(socket_path);
  }
  g_set_error(error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_SOCKET,
              _("%s: cannot create the control socket: %s: %s"), socket_path, call,
              g_strerror(saved));
  return NULL;
}

void
loa_control_add_command(LoaControl *control, const char *name, LoaControlHandler handler,
                        gpointer user_data)
{
  Command *command = g_new0(Command, 1);
  command->handler = handler;
  command->user_data = user_data;
  g_hash_table_replace(control->commands, g_strdup(name), command);
}

void
loa_control_set_limits(LoaControl *control, const LoaControlLimits *limits)
{
  control->limits = *limits;
}

void
loa_control_start(LoaControl *control, GMainContext *context)
{
  if (control->accept_source != NULL || control->listen_fd < 0)
    return;
  control->context = context != NULL ? g_main_context_ref(context)
                                      : g_main_context_ref(g_main_context_default());
  control->accept_source = g_unix_fd_source_new(control->listen_fd, G_IO_IN);
  g_source_set_callback(control->accept_source,
                        G_SOURCE_FUNC(accept_clients), control, NULL);
  g_source_attach(control->accept_source, control->context);
}

void
loa_control_stop(LoaControl *control)
{
  if (control == NULL)
    return;
  while (control->clients != NULL)
    client_drop(control->clients->data, NULL);
  if (control->accept_source != NULL) {
    g_source_destroy(control->accept_source);
    g_clear_pointer(&control->accept_source, g_source_unref);
  }
  g_clear_pointer(&control->context, g_main_context_unref);
}

guint
loa_control_n_clients(const LoaControl *control)
{
  return g_list_length(control->clients);
}

void
loa_control_free(LoaControl *control)
{
  if (control == NULL)
    return;
  loa_control_stop(control);
  if (control->listen_fd >= 0) {
    close(control->listen_fd);
    g_unlink(control->path);
  }
  g_hash_table_destroy(control->commands);
  g_free(control->path);
  g_free(control);
}
