/* sd_notify through a fake NOTIFY_SOCKET: a datagram socket this test binds,
 * as systemd does. READY, STATUS, STOPPING arrive; the watchdog pings only
 * while the loop runs and the health check passes. */
#include "notify.h"
#include "test-util.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct {
  char *dir;
  int fd;  /* the fake service manager's socket */
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
  f->dir = test_util_make_dir("loa-notify-XXXXXX");
  g_autofree char *path = g_build_filename(f->dir, "notify", NULL);
  f->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  g_assert_cmpint(f->fd, >=, 0);
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  g_strlcpy(address.sun_path, path, sizeof address.sun_path);
  g_assert_cmpint(bind(f->fd, (struct sockaddr *)&address, sizeof address), ==, 0);
  g_setenv("NOTIFY_SOCKET", path, TRUE);
  g_unsetenv("WATCHDOG_USEC");
  g_unsetenv("WATCHDOG_PID");
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
  g_unsetenv("NOTIFY_SOCKET");
  g_unsetenv("WATCHDOG_USEC");
  g_unsetenv("WATCHDOG_PID");
  close(f->fd);
  test_util_remove_tree(f->dir);
  g_free(f->dir);
}

/* The next datagram, or NULL if none is waiting. */
static char *
receive(Fixture *f)
{
  char buffer[4096];
  ssize_t n = recv(f->fd, buffer, sizeof buffer - 1, 0);
  if (n < 0) {
    g_assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
    return NULL;
  }
  return g_strndup(buffer, (gsize)n);
}

static guint
count_watchdog_pings(Fixture *f)
{
  guint n = 0;
  char *message;
  while ((message = receive(f)) != NULL) {
    if (strcmp(message, "WATCHDOG=1") == 0)
      n++;
    g_free(message);
  }
  return n;
}

/* Runs context for ms milliseconds. */
static void
run_for(GMainContext *context, guint ms)
{
  gint64 end = g_get_monotonic_time() + ms * 1000;
  while (g_get_monotonic_time() < end)
    if (!g_main_context_iteration(context, FALSE))
      g_usleep(1000);
}

static void
test_messages(Fixture *f, gconstpointer data)
{
  loa_notify_ready();
  g_autofree char *ready = receive(f);
  g_assert_cmpstr(ready, ==, "READY=1");

  loa_notify_status("on air: %d of %d lines", 2, 3);
  g_autofree char *status = receive(f);
  g_assert_cmpstr(status, ==, "STATUS=on air: 2 of 3 lines");

  /* A newline cannot start a second, forged assignment. */
  loa_notify_status("%s", "line 1\nREADY=1");
  g_autofree char *flattened = receive(f);
  g_assert_cmpstr(flattened, ==, "STATUS=line 1 READY=1");

  loa_notify_reloading();
  g_autofree char *reloading = receive(f);
  g_assert_cmpstr(reloading, ==, "RELOADING=1");
  loa_notify_watchdog();
  g_autofree char *ping = receive(f);
  g_assert_cmpstr(ping, ==, "WATCHDOG=1");
  loa_notify_stopping();
  g_autofree char *stopping = receive(f);
  g_assert_cmpstr(stopping, ==, "STOPPING=1");
  g_assert_null(receive(f));
}

static void
test_no_socket(Fixture *f, gconstpointer data)
{
  /* Outside systemd: nothing is sent, nothing fails. */
  g_unsetenv("NOTIFY_SOCKET");
  loa_notify_ready();
  loa_notify_status("%s", "idle");
  loa_notify_watchdog();
  g_assert_null(receive(f));
  g_assert_false(loa_notify_watchdog_enabled(NULL));
  g_assert_null(loa_notify_watchdog_start(NULL, NULL, NULL));
}

static gboolean
is_healthy(gpointer data)
{
  return *(gboolean *)data;
}

static void
test_watchdog(Fixture *f, gconstpointer data)
{
  guint64 interval = 0;
  g_assert_false(loa_notify_watchdog_enabled(&interval));
  /* Meant for another process: not ours to ping. */
  g_setenv("WATCHDOG_USEC", "200000", TRUE);
  g_setenv("WATCHDOG_PID", "1", TRUE);
  g_assert_false(loa_notify_watchdog_enabled(&interval));
  g_autofree char *pid = g_strdup_printf("%d", (int)getpid());
  g_setenv("WATCHDOG_PID", pid, TRUE);
  g_assert_true(loa_notify_watchdog_enabled(&interval));
  g_assert_cmpuint(interval, ==, 200000);

  GMainContext *context = g_main_context_new();
  gboolean healthy = TRUE;
  LoaNotifyWatchdog *watchdog = loa_notify_watchdog_start(context, is_healthy, &healthy);
  g_assert_nonnull(watchdog);

  /* Healthy and running: a ping every 100 ms. */
  run_for(context, 550);
  guint pings = count_watchdog_pings(f);
  g_assert_cmpuint(pings, >=, 3);
  g_assert_cmpuint(pings, <=, 6);

  /* The loop stalls (a blocked main thread): no pings at all. */
  g_usleep(550000);
  g_assert_cmpuint(count_watchdog_pings(f), ==, 0);
  run_for(context, 50);  /* the overdue tick fires once when the loop resumes */
  (void)count_watchdog_pings(f);

  /* The loop runs but playout is unhealthy: no pings either. */
  healthy = FALSE;
  g_test_expect_message("loa-notify", G_LOG_LEVEL_WARNING, "*not healthy*");
  run_for(context, 550);
  g_test_assert_expected_messages();
  g_assert_cmpuint(count_watchdog_pings(f), ==, 0);

  /* Healthy again: pings resume. */
  healthy = TRUE;
  run_for(context, 350);
  g_assert_cmpuint(count_watchdog_pings(f), >=, 2);

  loa_notify_watchdog_stop(watchdog);
  run_for(context, 250);
  g_assert_cmpuint(count_watchdog_pings(f), ==, 0);
  g_main_context_unref(context);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add("/notify/messages", Fixture, NULL, fixture_set_up, test_messages, fixture_tear_down);
  g_test_add("/notify/no-socket", Fixture, NULL, fixture_set_up, test_no_socket,
             fixture_tear_down);
  g_test_add("/notify/watchdog", Fixture, NULL, fixture_set_up, test_watchdog, fixture_tear_down);
  return g_test_run();
}
