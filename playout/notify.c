/* sd_notify messages for systemd (see notify.h). libsystemd already does
 * nothing when NOTIFY_SOCKET is unset, so the daemon calls these freely. */
#define G_LOG_DOMAIN "loa-notify"
#include "notify.h"

#include "i18n.h"

#include <systemd/sd-daemon.h>

struct LoaNotifyWatchdog {
  GSource *timer;             /* fires every half interval on the context */
  LoaNotifyHealthFunc healthy;
  gpointer user_data;
  gboolean was_healthy;       /* to log the change once, not every tick */
};

static void
send_state(const char *state)
{
  int result = sd_notify(0, state);
  if (result < 0)
    g_debug("sd_notify(%s): %s", state, g_strerror(-result));
}

void
loa_notify_ready(void)
{
  send_state("READY=1");
}

void
loa_notify_reloading(void)
{
  send_state("RELOADING=1");
}

void
loa_notify_stopping(void)
{
  send_state("STOPPING=1");
}

void
loa_notify_watchdog(void)
{
  send_state("WATCHDOG=1");
}

void
loa_notify_status(const char *format, ...)
{
  va_list args;
  va_start(args, format);
  g_autofree char *text = g_strdup_vprintf(format, args);
  va_end(args);
  /* A newline would end the STATUS= assignment and start a bogus one. */
  g_strdelimit(text, "\n", ' ');
  g_autofree char *state = g_strconcat("STATUS=", text, NULL);
  send_state(state);
}

gboolean
loa_notify_watchdog_enabled(guint64 *interval_us)
{
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
    return FALSE;
  if (interval_us != NULL)
    *interval_us = usec;
  return TRUE;
}

static gboolean
watchdog_tick(gpointer user_data)
{
  LoaNotifyWatchdog *watchdog = user_data;
  gboolean healthy = watchdog->healthy == NULL || watchdog->healthy(watchdog->user_data);
  if (healthy)
    loa_notify_watchdog();
  if (healthy != watchdog->was_healthy) {
    if (healthy)
      g_message(_("watchdog: playout is healthy again; pinging systemd"));
    else
      g_warning(_("watchdog: playout is not healthy; no longer pinging systemd"));
    watchdog->was_healthy = healthy;
  }
  return G_SOURCE_CONTINUE;
}

LoaNotifyWatchdog *
loa_notify_watchdog_start(GMainContext *context, LoaNotifyHealthFunc healthy, gpointer user_data)
{
  guint64 interval_us = 0;
  if (!loa_notify_watchdog_enabled(&interval_us))
    return NULL;
  LoaNotifyWatchdog *watchdog = g_new0(LoaNotifyWatchdog, 1);
  watchdog->healthy = healthy;
  watchdog->user_data = user_data;
  watchdog->was_healthy = TRUE;
  guint period_ms = (guint)MAX(interval_us / 2000, 1);
  watchdog->timer = g_timeout_source_new(period_ms);
  g_source_set_callback(watchdog->timer, watchdog_tick, watchdog, NULL);
  g_source_attach(watchdog->timer, context);
  return watchdog;
}

void
loa_notify_watchdog_stop(LoaNotifyWatchdog *watchdog)
{
  if (watchdog == NULL)
    return;
  g_source_destroy(watchdog->timer);
  g_source_unref(watchdog->timer);
  g_free(watchdog);
}
