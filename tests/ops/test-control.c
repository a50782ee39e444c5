/* The control socket over a real UNIX socket: good requests, malformed and
 * oversized ones, a half-written request left idle, a client that never reads
 * its responses, many clients at once, stale and live socket files, and a
 * peer without the right to control Loa. The server runs on its own thread
 * and main context, as it would in the daemon; the test is its clients. */
#include "control-client.h"
#include "control.h"
#include "test-util.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
  char *dir;
  char *path;
  LoaControl *control;
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
} Fixture;

/* "echo": the request back. */
static JsonNode *
handle_echo(JsonObject *request, gpointer user_data, GError **error)
{
  return json_node_init_object(json_node_alloc(), request);
}

/* "missing": a handler that fails the way a daemon handler does for an unknown line. */
static JsonNode *
handle_missing(JsonObject *request, gpointer user_data, GError **error)
{
  g_set_error(error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_NOT_FOUND, "unknown line '%s'",
              json_object_get_string_member_with_default(request, "line", "?"));
  return NULL;
}

/* "big": a response of "size" bytes, to fill a client that does not read. */
static JsonNode *
handle_big(JsonObject *request, gpointer user_data, GError **error)
{
  gint64 size = json_object_get_int_member_with_default(request, "size", 100000);
  g_autofree char *text = g_malloc(size + 1);
  memset(text, 'x', size);
  text[size] = '\0';
  return json_node_init_string(json_node_alloc(), text);
}

static gpointer
serve(gpointer data)
{
  Fixture *f = data;
  g_main_context_push_thread_default(f->context);
  g_main_loop_run(f->loop);
  g_main_context_pop_thread_default(f->context);
  return NULL;
}

static gboolean
quit_loop(gpointer data)
{
  g_main_loop_quit(data);
  return G_SOURCE_REMOVE;
}

static void
fixture_set_up(Fixture *f, gconstpointer limits)
{
  g_autoptr(GError) error = NULL;
  f->dir = test_util_make_dir("loa-control-XXXXXX");
  f->path = g_build_filename(f->dir, "control", NULL);
  f->control = loa_control_new(f->path, &error);
  g_assert_no_error(error);
  if (limits != NULL)
    loa_control_set_limits(f->control, limits);
  loa_control_add_command(f->control, "echo", handle_echo, NULL);
  loa_control_add_command(f->control, "missing", handle_missing, NULL);
  loa_control_add_command(f->control, "big", handle_big, NULL);
  f->context = g_main_context_new();
  f->loop = g_main_loop_new(f->context, FALSE);
  loa_control_start(f->control, f->context);
  f->thread = g_thread_new("control", serve, f);
}

static void
fixture_tear_down(Fixture *f, gconstpointer limits)
{
  GSource *quit = g_idle_source_new();
  g_source_set_callback(quit, quit_loop, f->loop, NULL);
  g_source_attach(quit, f->context);
  g_source_unref(quit);
  g_thread_join(f->thread);
  loa_control_free(f->control);
  g_assert_false(g_file_test(f->path, G_FILE_TEST_EXISTS));
  g_main_loop_unref(f->loop);
  g_main_context_unref(f->context);
  test_util_remove_tree(f->dir);
  g_free(f->path);
  g_free(f->dir);
}

/* A raw, blocking client connection. */
static int
raw_connect(const char *path)
{
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint(fd, >=, 0);
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  g_strlcpy(address.sun_path, path, sizeof address.sun_path);
  g_assert_cmpint(connect(fd, (struct sockaddr *)&address, sizeof address), ==, 0);
  return fd;
}

static void
raw_send(int fd, const char *text, gsize length)
{
  gsize sent = 0;
  while (sent < length) {
    ssize_t n = send(fd, text + sent, length - sent, MSG_NOSIGNAL);
    g_assert_cmpint(n, >, 0);
    sent += (gsize)n;
  }
}

/* Reads one line within timeout_ms; NULL on end of stream. Fails the test on timeout. */
static char *
raw_read_line(int fd, int timeout_ms)
{
  g_autoptr(GString) line = g_string_new(NULL);
  for (;;) {
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    g_assert_cmpint(poll(&pfd, 1, timeout_ms), ==, 1);
    char c;
    ssize_t n = recv(fd, &c, 1, 0);
    if (n <= 0)
      return NULL;
    if (c == '\n')
      return g_string_free(g_steal_pointer(&line), FALSE);
    g_string_append_c(line, c);
  }
}

/* Asserts the line is {"ok":false,...} with this code. */
static void
assert_error_code(const char *line, const char *code)
{
  g_assert_nonnull(line);
  g_autoptr(JsonNode) node = json_from_string(line, NULL);
  g_assert_nonnull(node);
  JsonObject *object = json_node_get_object(node);
  g_assert_false(json_object_get_boolean_member(object, "ok"));
  g_assert_cmpstr(json_object_get_string_member(object, "code"), ==, code);
  g_assert_nonnull(json_object_get_string_member(object, "error"));
}

/* Waits for the end of the stream (the server closed us); fails after timeout_ms. */
static void
assert_closed(int fd, int timeout_ms)
{
  gint64 deadline = g_get_monotonic_time() + timeout_ms * 1000;
  char buffer[65536];
  for (;;) {
    int left = (int)((deadline - g_get_monotonic_time()) / 1000);
    g_assert_cmpint(left, >, 0);
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    if (poll(&pfd, 1, left) != 1)
      continue;
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n == 0 || (n < 0 && errno == ECONNRESET))
      return;
  }
}

static void
test_good(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) args = json_object_new();
  json_object_set_string_member(args, "line", "an-hoa");
  json_object_set_int_member(args, "count", 3);
  g_autoptr(JsonNode) result = loa_control_call(f->path, "echo", args, 2000, &error);
  g_assert_no_error(error);
  JsonObject *echoed = json_node_get_object(result);
  g_assert_cmpstr(json_object_get_string_member(echoed, "cmd"), ==, "echo");
  g_assert_cmpstr(json_object_get_string_member(echoed, "line"), ==, "an-hoa");
  g_assert_cmpint(json_object_get_int_member(echoed, "count"), ==, 3);

  /* Two requests in one write, CRLF and an id: answered in order, id echoed. */
  int fd = raw_connect(f->path);
  const char *two = "{\"cmd\":\"echo\",\"id\":7}\r\n\n{\"cmd\":\"echo\",\"id\":\"b\"}\n";
  raw_send(fd, two, strlen(two));
  g_autofree char *first = raw_read_line(fd, 2000);
  g_autofree char *second = raw_read_line(fd, 2000);
  g_assert_nonnull(first);
  g_assert_nonnull(second);
  g_assert_nonnull(strstr(first, "\"ok\":true"));
  g_assert_nonnull(strstr(first, "\"id\":7"));
  g_assert_nonnull(strstr(second, "\"id\":\"b\""));
  close(fd);
}

static void
test_errors(Fixture *f, gconstpointer data)
{
  int fd = raw_connect(f->path);
  static const struct {
    const char *request;
    const char *code;
  } cases[] = {
    { "not json at all\n", "bad-request" },
    { "[1, 2, 3]\n", "bad-request" },
    { "{\"line\": \"an-hoa\"}\n", "bad-request" },
    { "{\"cmd\": 42}\n", "bad-request" },
    { "{\"cmd\": \"echo\"\n", "bad-request" },
    { "\xff\xfe{}\n", "bad-request" },
    { "{\"cmd\": \"launch-rockets\"}\n", "unknown-command" },
    { "{\"cmd\": \"missing\", \"line\": \"nowhere\"}\n", "not-found" },
  };
  /* Every bad request gets its error and the connection stays usable. */
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    raw_send(fd, cases[i].request, strlen(cases[i].request));
    g_autofree char *line = raw_read_line(fd, 2000);
    assert_error_code(line, cases[i].code);
  }
  const char nul[] = "{\"cmd\":\0\"echo\"}\n";
  raw_send(fd, nul, sizeof nul - 1);
  g_autofree char *line = raw_read_line(fd, 2000);
  assert_error_code(line, "bad-request");
  raw_send(fd, "{\"cmd\":\"echo\"}\n", 15);
  g_autofree char *good = raw_read_line(fd, 2000);
  g_assert_nonnull(strstr(good, "\"ok\":true"));
  close(fd);

  /* The client turns daemon errors into LOA_CONTROL_ERROR with the code and message. */
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) args = json_object_new();
  json_object_set_string_member(args, "line", "nowhere");
  g_autoptr(JsonNode) none = loa_control_call(f->path, "missing", args, 2000, &error);
  g_assert_null(none);
  g_assert_error(error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_NOT_FOUND);
  g_assert_cmpstr(error->message, ==, "unknown line 'nowhere'");
  g_clear_error(&error);
  g_autoptr(JsonNode) unknown = loa_control_call(f->path, "launch-rockets", NULL, 2000, &error);
  g_assert_error(error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_UNKNOWN_COMMAND);
}

static const LoaControlLimits small_limits = {
  .max_request = 1024,
  .max_output = 64 * 1024,
  .idle_timeout_ms = 300,
  .max_clients = 8,
};

static void
test_oversized(Fixture *f, gconstpointer data)
{
  /* Longer than the limit without a newline: too-long, then the server closes. */
  int fd = raw_connect(f->path);
  g_autofree char *junk = g_strnfill(5000, 'a');
  raw_send(fd, "{\"cmd\":\"echo\",\"x\":\"", 19);
  raw_send(fd, junk, strlen(junk));
  g_autofree char *line = raw_read_line(fd, 2000);
  assert_error_code(line, "too-long");
  assert_closed(fd, 2000);
  close(fd);

  /* A complete line over the limit, sent at once, is refused the same way. */
  fd = raw_connect(f->path);
  g_autofree char *request = g_strdup_printf("{\"cmd\":\"echo\",\"x\":\"%s\"}\n", junk);
  raw_send(fd, request, strlen(request));
  g_autofree char *again = raw_read_line(fd, 2000);
  assert_error_code(again, "too-long");
  assert_closed(fd, 2000);
  close(fd);
}

static void
test_half_written(Fixture *f, gconstpointer data)
{
  int fd = raw_connect(f->path);
  raw_send(fd, "{\"cmd\": \"ech", 12);
  /* Meanwhile others are served at once. */
  gint64 start = g_get_monotonic_time();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = loa_control_call(f->path, "echo", NULL, 2000, &error);
  g_assert_no_error(error);
  g_assert_cmpint(g_get_monotonic_time() - start, <, 200000);
  /* The half request is dropped after the idle timeout (300 ms here). */
  assert_closed(fd, 3000);
  g_assert_cmpint(g_get_monotonic_time() - start, >=, 250000);
  close(fd);
}

static void
test_slow_reader(Fixture *f, gconstpointer data)
{
  /* Asks for 200 KB responses again and again and never reads: the server
   * must neither block nor buffer without end; it drops the client. */
  int fd = raw_connect(f->path);
  int small = 4096;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  const char *request = "{\"cmd\":\"big\",\"size\":200000}\n";
  for (int i = 0; i < 20; i++) {
    struct pollfd pfd = { .fd = fd, .events = POLLOUT };
    if (poll(&pfd, 1, 100) != 1 || (pfd.revents & (POLLERR | POLLHUP)))
      break;
    if (send(fd, request, strlen(request), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
      break;
  }
  /* Playout (here: other clients) goes on while the slow one is stuck. */
  for (int i = 0; i < 5; i++) {
    gint64 start = g_get_monotonic_time();
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) result = loa_control_call(f->path, "echo", NULL, 2000, &error);
    g_assert_no_error(error);
    g_assert_cmpint(g_get_monotonic_time() - start, <, 200000);
  }
  /* Dropped: reading now ends in end-of-stream (after what was in flight),
   * well before the 20 × 200 KB asked for have been sent. */
  g_usleep(600000);
  gsize received = 0;
  char buffer[65536];
  for (;;) {
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    g_assert_cmpint(poll(&pfd, 1, 2000), ==, 1);
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0)
      break;
    received += (gsize)n;
  }
  g_assert_cmpuint(received, <, 20 * 200000);
  close(fd);
}

static void
test_many_clients(Fixture *f, gconstpointer data)
{
  /* max_clients is 8 here: of 12 connections, 8 are served, 4 told "busy". */
  int fds[12];
  for (int i = 0; i < 12; i++)
    fds[i] = raw_connect(f->path);
  int served = 0, busy = 0;
  for (int i = 0; i < 12; i++) {
    /* A busy connection may already be closed: its error is waiting anyway. */
    (void)send(fds[i], "{\"cmd\":\"echo\"}\n", 15, MSG_NOSIGNAL);
    g_autofree char *line = raw_read_line(fds[i], 2000);
    g_assert_nonnull(line);
    if (strstr(line, "\"ok\":true") != NULL)
      served++;
    else {
      assert_error_code(line, "busy");
      busy++;
    }
  }
  g_assert_cmpint(served, ==, 8);
  g_assert_cmpint(busy, ==, 4);
  for (int i = 0; i < 12; i++)
    close(fds[i]);
  /* Freed slots are usable again. */
  g_usleep(100000);
  for (int i = 0; i < 20; i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) result = loa_control_call(f->path, "echo", NULL, 2000, &error);
    g_assert_no_error(error);
  }
}

static void
test_socket_file(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  struct stat st;
  g_assert_cmpint(stat(f->path, &st), ==, 0);
  g_assert_true(S_ISSOCK(st.st_mode));
  g_assert_cmpint(st.st_mode & 0777, ==, 0660);

  /* A second daemon on the same path is refused; the first keeps serving. */
  LoaControl *second = loa_control_new(f->path, &error);
  g_assert_null(second);
  g_assert_error(error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_IN_USE);
  g_assert_nonnull(strstr(error->message, f->path));
  g_clear_error(&error);
  g_autoptr(JsonNode) result = loa_control_call(f->path, "echo", NULL, 2000, &error);
  g_assert_no_error(error);

  /* A stale socket (its daemon crashed) is replaced. */
  g_autofree char *stale = g_build_filename(f->dir, "stale", NULL);
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  g_strlcpy(address.sun_path, stale, sizeof address.sun_path);
  g_assert_cmpint(bind(fd, (struct sockaddr *)&address, sizeof address), ==, 0);
  close(fd);
  g_assert_true(g_file_test(stale, G_FILE_TEST_EXISTS));
  LoaControl *replacing = loa_control_new(stale, &error);
  g_assert_no_error(error);
  loa_control_free(replacing);

  /* Any other file in the way is left alone. */
  g_autofree char *file = test_util_write(f->dir, "not-a-socket", "keep me\n");
  g_assert_null(loa_control_new(file, &error));
  g_assert_error(error, LOA_CONTROL_ERROR, LOA_CONTROL_ERROR_SOCKET);
  g_clear_error(&error);
  g_assert_true(g_file_test(file, G_FILE_TEST_IS_REGULAR));

  /* No daemon: the client says so, naming the path. */
  g_autofree char *nowhere = g_build_filename(f->dir, "nowhere", NULL);
  g_autoptr(JsonNode) none = loa_control_call(nowhere, "status", NULL, 1000, &error);
  g_assert_error(error, LOA_CONTROL_CLIENT_ERROR, LOA_CONTROL_CLIENT_ERROR_CONNECT);
  g_assert_nonnull(strstr(error->message, nowhere));
}

static void
test_denied(Fixture *f, gconstpointer data)
{
  if (geteuid() != 0) {
    g_test_skip("needs root to connect as another user");
    return;
  }
  /* The file mode would stop nobody at connect(); open it so the credential
   * check itself is what refuses. */
  g_assert_cmpint(chmod(f->path, 0666), ==, 0);
  g_assert_cmpint(chmod(f->dir, 0711), ==, 0);
  pid_t child = fork();
  g_assert_cmpint(child, >=, 0);
  if (child == 0) {
    /* As nobody: only plain system calls until _exit. */
    if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
      _exit(10);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    strncpy(address.sun_path, f->path, sizeof address.sun_path - 1);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) < 0)
      _exit(11);
    send(fd, "{\"cmd\":\"echo\"}\n", 15, MSG_NOSIGNAL);
    char buffer[1024] = { 0 };
    size_t got = 0;
    ssize_t n;
    while (got < sizeof buffer - 1 && (n = recv(fd, buffer + got, sizeof buffer - 1 - got, 0)) > 0)
      got += (size_t)n;
    _exit(strstr(buffer, "\"code\":\"denied\"") != NULL && strstr(buffer, "\"ok\":false") != NULL
              ? 0
              : 12);
  }
  int status = 0;
  g_assert_cmpint(waitpid(child, &status, 0), ==, child);
  g_assert_true(WIFEXITED(status));
  g_assert_cmpint(WEXITSTATUS(status), ==, 0);
  /* Root (us) is still served. */
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = loa_control_call(f->path, "echo", NULL, 2000, &error);
  g_assert_no_error(error);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add("/control/good", Fixture, NULL, fixture_set_up, test_good, fixture_tear_down);
  g_test_add("/control/errors", Fixture, NULL, fixture_set_up, test_errors, fixture_tear_down);
  g_test_add("/control/oversized", Fixture, &small_limits, fixture_set_up, test_oversized,
             fixture_tear_down);
  g_test_add("/control/half-written", Fixture, &small_limits, fixture_set_up, test_half_written,
             fixture_tear_down);
  g_test_add("/control/slow-reader", Fixture, &small_limits, fixture_set_up, test_slow_reader,
             fixture_tear_down);
  g_test_add("/control/many-clients", Fixture, &small_limits, fixture_set_up, test_many_clients,
             fixture_tear_down);
  g_test_add("/control/socket-file", Fixture, NULL, fixture_set_up, test_socket_file,
             fixture_tear_down);
  g_test_add("/control/denied", Fixture, NULL, fixture_set_up, test_denied, fixture_tear_down);
  return g_test_run();
}
