/* Telling systemd how the daemon is doing (sd_notify): READY once the lines
 * play, STATUS lines for `systemctl status`, WATCHDOG while the playout loop
 * is healthy, RELOADING around SIGHUP and STOPPING at the end. Every call is a
 * no-op when NOTIFY_SOCKET is unset (not started by systemd, or a test). */
#pragma once

#include <glib.h>

/* READY=1: start-up is complete (Type=notify units count as started now). */
void loa_notify_ready(void);

/* RELOADING=1: a reload began; send loa_notify_ready() when it is done. */
void loa_notify_reloading(void);

/* STOPPING=1: the daemon is shutting down. */
void loa_notify_stopping(void);

/* STATUS=<text>: one line shown by `systemctl status loa`. */
void loa_notify_status(const char *format, ...) G_GNUC_PRINTF(1, 2);

/* WATCHDOG=1: the daemon is alive. */
void loa_notify_watchdog(void);

/* TRUE if the service manager expects watchdog pings (WatchdogSec= set and
 * meant for this process); then *interval_us (may be NULL) is the timeout:
 * ping at least every half of it. FALSE otherwise, *interval_us untouched. */
gboolean loa_notify_watchdog_enabled(guint64 *interval_us);

/* Says whether the playout loop is healthy right now (engines advancing,
 * timeline not stuck). Called on the watchdog's main context. */
typedef gboolean (*LoaNotifyHealthFunc)(gpointer user_data);

typedef struct LoaNotifyWatchdog LoaNotifyWatchdog;

/* Pets the watchdog every half interval from a timer on context (NULL: the
 * default context), but only when healthy(user_data) says so: a stalled main
 * loop or an unhealthy engine stops the pings, and systemd restarts us.
 * Returns NULL (nothing to do) when loa_notify_watchdog_enabled is FALSE;
 * else a new watchdog to end with loa_notify_watchdog_stop. healthy may be
 * NULL (the loop running is health enough); user_data is borrowed. */
LoaNotifyWatchdog *loa_notify_watchdog_start(GMainContext *context, LoaNotifyHealthFunc healthy,
                                             gpointer user_data);

/* Stops the pings and frees the watchdog. Accepts NULL. */
void loa_notify_watchdog_stop(LoaNotifyWatchdog *watchdog);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaNotifyWatchdog, loa_notify_watchdog_stop)
