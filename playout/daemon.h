/* The playout daemon: one engine per line, the timeline that turns the loaded
 * schedule into queued airings a few seconds ahead, and the as-run log of
 * every airing. Runs a GMainLoop; signals only wake it (TERM/INT stop, HUP
 * re-reads the schedule). A newly loaded schedule is picked up within a
 * second, without touching what is already placed or on air. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "config.h"
#include "schedule.h"

typedef struct LoaDaemon LoaDaemon;

/* config and db are borrowed and must outlive the daemon. Builds every line's
 * engine; NULL with the error naming the line if one cannot be built. */
LoaDaemon *loa_daemon_new(const LoaConfig *config, sqlite3 *db,
                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Runs until a signal, or until stop_at_wall_ns (UTC ns) when non-zero.
 * Airings on air at the stop are logged interrupted. FALSE with the error set
 * if it could not start (device, database). */
gboolean loa_daemon_run(LoaDaemon *daemon, gint64 stop_at_wall_ns,
                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Airs a spot now on the given lines (NULL-terminated ids), as the operator
 * asks: `emergency` cuts in (fade) and what it displaces is logged missed or
 * airs after it (late = play); `priority` airs right after the spot on air;
 * `normal` when the line is free. Every airing gets its log row first. FALSE
 * with the error set (unknown spot or line, line off the air), nothing aired. */
gboolean loa_daemon_play(LoaDaemon *daemon, const char *spot_id, const char *const *line_ids,
                         LoaPriority priority, GError **error) G_GNUC_WARN_UNUSED_RESULT;

void loa_daemon_free(LoaDaemon *daemon);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaDaemon, loa_daemon_free)
