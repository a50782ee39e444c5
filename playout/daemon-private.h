/* The daemon's inside, shared by daemon.c (lifecycle, engine callbacks,
 * switches, monitors, cards, reload), daemon-timeline.c (the timeline's
 * policy) and daemon-control.c (the control socket's commands). Nothing else
 * includes it. Everything here runs on the daemon's main context. */
#pragma once

#include "airlog.h"
#include "config.h"
#include "control.h"
#include "daemon.h"
#include "engine.h"
#include "dropfolder.h"
#include "monitor.h"
#include "schedule.h"
#include "switcher.h"
#include "verifier.h"

#include <sqlite3.h>

typedef struct {
  LoaDaemon *daemon;
  const LoaLineConfig *config;  /* borrowed from the daemon's config */
  LoaEngine *engine;
  gboolean failed;
  gint64 emergency_until;       /* wall ns: an emergency is on air until then; 0 if none */
  GList *on_air;                /* Airing * started and not finished, oldest first */
  GList *finishing;             /* Finishing *: ended, log row waiting for the monitor */
  gint64 last_error_at;         /* wall ns of the last failure on the line, 0 if none */
  char *last_error;             /* what failed then, NULL if nothing did */
  guint retry_source;           /* timeout rebuilding a failed output, 0 if none */
  LoaMonitor *monitor;          /* capture of the line return, NULL if it has none */
  LoaMonitor *output_meter;     /* dead-air watch on the line's own output level, for lines
                                 * without a monitor; NULL otherwise */
  double level_dbfs;            /* the output's last 100 ms RMS level, -inf for silence */
  gint64 level_at;              /* wall ns of that level, 0 if none yet */
} Line;

/* One airing with its open log row: the engine's item data while queued.
 * Owned by the engine's queue, or by whoever took it back from it. */
typedef struct {
  Line *line;
  gint64 airing_id;
  char *spot_id;
  char *title;                  /* the spot's title, for operators */
  char *path;                   /* the spot's library file */
  LoaEngineItem item;           /* what the engine needs; item.path is path, item.data this */
  gint64 scheduled_at;          /* wall ns this spot was planned to start */
  gint64 started_at;            /* wall ns of its first sample once placed, else 0 */
  LoaPriority priority;
  gboolean late_play;           /* may air late when its time passed during an emergency */
  gboolean operator;            /* asked for with `loa play`, not by the schedule */
  gboolean tone;                /* an in-band switch code (DTMF) around an airing: no log row */
  gboolean filler;              /* the station's filler, airing in place of a failed spot */
} Airing;

struct LoaDaemon {
  const LoaConfig *config;
  sqlite3 *db;
  LoaAirlog *airlog;
  GPtrArray *lines;          /* Line * */
  GPtrArray *cards;          /* LoaEngineCard * of lines sharing a card, freed after the lines */
  GPtrArray *card_outputs;   /* char *, the output of each of cards */
  LoaSchedule *schedule;     /* NULL until one is loaded */
  gint64 schedule_id;
  gint64 horizon;            /* occurrences before this were already considered */
  gint64 clock_offset;       /* wall - monotonic at the last tick, to see clock steps */
  GHashTable *placed;        /* "start|line|spots" of occurrences already queued */
  GList *deferred;           /* Deferred * waiting for their time */
  GMainLoop *loop;
  guint tick_source;
  guint stop_source;
  guint signal_sources[3];
  gboolean reload_requested;
  gint64 started_at;         /* wall ns the daemon started running */
  GPtrArray *owned_configs;  /* LoaConfig * read again by reloads (config points to the last) */
  gboolean stalled;          /* the LOA_TEST_STALL hook has fired (tests only) */
  gint64 last_tick_mono;     /* monotonic ns of the last timeline tick (watchdog health) */
  LoaControl *control;       /* the control socket, NULL if it could not be opened */
  LoaSwitcher *switcher;     /* the lines' switches (a no-op without any), NULL before run */
  LoaDropFolder *drop_folder; /* the culture offices' drop folder, NULL if none */
  LoaVerifier *verifier;      /* the library files' background check, NULL until started */
};

/* An occurrence closer than this when first seen cannot be placed exactly. */
#define MIN_LEAD_NS (300 * G_GINT64_CONSTANT(1000000))

/* How a group of airings reaches its line (see timeline_dispatch()). */
typedef enum {
  START_AT,          /* at its time; the line is free then */
  START_SOFT,        /* at its time, or after what is on air if that ends within the grace */
  START_HARD,        /* at its time, cutting what is on air (fade) */
  START_NEXT,        /* right after the spot on air (priority) */
  START_CUT_IN,      /* emergency: cut what is on air at its time, or now */
} StartMode;

/* An occurrence on a line waiting to be decided at its time. */
typedef struct {
  LoaDaemon *daemon;
  Line *line;
  GPtrArray *airings;   /* Airing *, rows open */
  StartMode mode;
  gint64 start_ns;
  gint64 grace_ns;
  guint source;
} Deferred;

/* The line with this id, or NULL. */
Line *loa_daemon_find_line(LoaDaemon *daemon, const char *id);

/* Airs spot_id now on line as the operator asks (see loa_daemon_play).
 * Returns the log row id of the airing, or 0 if the spot cannot air (logged
 * failed); *duration_ns gets its expected length. */
gint64 loa_daemon_play_on_line(LoaDaemon *daemon, Line *line, const char *spot_id,
                               LoaPriority priority, gint64 *duration_ns);

/* Ends what is on air on line now (fade; logged interrupted with reason); the
 * rest of the line's queue goes on, spots whose time the cut shortened wait
 * or are missed as after an emergency. With cancel_operator, operator plays
 * still waiting are cancelled (logged missed with reason). Returns the number
 * of airings cancelled. */
guint loa_daemon_cut_line(LoaDaemon *daemon, Line *line, const char *reason,
                          gboolean cancel_operator);

/* Asks for the schedule to be read again at once (as SIGHUP does). */
void loa_daemon_reload(LoaDaemon *daemon);

/* Registers the control commands (status, now, next, skip, play, stop,
 * reload, lines) of daemon on control. */
void loa_daemon_control_register(LoaDaemon *daemon, LoaControl *control);

/* --- daemon.c, for the timeline ------------------------------------------ */

/* The switch result for the airing handle (a LoaSwitcherHeldFunc): recorded in
 * its log row; an in-band code it asks for is queued on the line. */
void loa_daemon_on_switch_held(gpointer handle, const LoaSwitchResult *result,
                               gpointer user_data);

/* --- daemon-airing.c ------------------------------------------------------ */

/* Frees airing; every airing ends here, which also releases its switch hold
 * (no switch result arrives for it afterwards). */
void loa_daemon_airing_free(Airing *airing);

/* The engine's started callback for airing (item_data): records the start in
 * its log row. */
void loa_daemon_on_started(gpointer item_data, gint64 started_at, gpointer user_data);

/* The engine's finished callback for airing: completes its log row with
 * outcome (on a monitored line once the monitor has caught up), fills a
 * failed slot (timeline_maybe_fill) and frees airing. */
void loa_daemon_on_finished(gpointer item_data, const LoaEngineOutcome *outcome,
                            gpointer user_data);

/* Completes at once the rows of line still waiting for the monitor (the
 * daemon is stopping). */
void loa_daemon_finish_waiting(Line *line);

/* Closes airing's open row as missed with reason and frees it. */
void loa_daemon_airing_missed(LoaDaemon *daemon, Airing *airing, const char *reason);

/* --- daemon-timeline.c ---------------------------------------------------- */

/* Opens a log row for every spot of spots (NULL-terminated) on line, planned
 * back to back from start_ns; event is NULL for operator and filler airings,
 * origin (or NULL) names them in the log. A spot that cannot air is logged
 * failed and left out. Returns the airings (a new array the caller owns). */
GPtrArray *timeline_open_airings(LoaDaemon *daemon, Line *line, const LoaEvent *event,
                                 const char *const *spots, gint64 start_ns,
                                 LoaPriority priority, const char *origin);

/* Puts airings on line the way mode says, at start_ns (0: now), waiting up
 * to grace_ns for a busy line under START_SOFT. Takes airings. */
void timeline_dispatch(LoaDaemon *daemon, Line *line, GPtrArray *airings, StartMode mode,
                       gint64 start_ns, gint64 grace_ns);

/* Puts back airings taken from the engine by a cut (cut at cut_at, the line
 * busy until busy_until): at their time, after the cut-in, or logged missed
 * with why. Takes displaced. */
void timeline_resettle(LoaDaemon *daemon, Line *line, GPtrArray *displaced, gint64 cut_at,
                       gint64 busy_until, const char *why);

/* One tick of the timeline: follows a step of the wall clock, then places
 * the schedule's occurrences of the next prepare_seconds on their lines. */
void timeline_place_upcoming(LoaDaemon *daemon);

/* After failed failed at air time: the station's filler takes the rest of
 * its slot if nothing else follows on its line. */
void timeline_maybe_fill(LoaDaemon *daemon, Airing *failed);
