/* The daemon's bridge to the line switches (hardware/switch.h): switching
 * talks to relay boards and programs that can take up to their timeout, so it
 * never runs on the daemon's main thread nor on an audio thread. One worker
 * thread owns every call into the LoaSwitchSet; the main thread only queues
 * jobs and gets results back as idle sources on its main context.
 *
 * An airing asks for its line with loa_switcher_hold() at its wall-clock
 * start: the worker switches the line on switching.pre_roll_ms before it
 * (converted to the monotonic clock when asked, so a later wall-clock step
 * does not move it) and reports through held(). The airing's end calls
 * loa_switcher_release(): the line goes off switching.post_roll_ms after the
 * last release of that line, unless another hold comes first, in which case
 * it simply stays on.
 *
 * Threading: every function (and free) is called on the thread that runs the
 * main context given to loa_switcher_new(); held() and play() run there too,
 * never inside the call that caused them. The main thread never waits for a
 * device, except in loa_switcher_free(), which waits for the fail-safe. */
#pragma once

#include <glib.h>

#include "config.h"
#include "switch.h"

typedef struct LoaSwitcher LoaSwitcher;

/* A hold finished (the line is on, or switching it failed): handle is the
 * caller's, as given to loa_switcher_hold(); result is borrowed for the call.
 * result->play_path, if set, is the dtmf address code to play on the line
 * before the airing. */
typedef void (*LoaSwitcherHeldFunc)(gpointer handle, const LoaSwitchResult *result,
                                    gpointer user_data);

/* A switch-off at the end of a post-roll returned a file that must be played
 * on line_id now (a dtmf off code): path lasts until the switcher is freed,
 * frames is its length at the engine's rate. */
typedef void (*LoaSwitcherPlayFunc)(const char *line_id, const char *path, gint64 frames,
                                    gpointer user_data);

/* Builds the switch set of config's lines and, if any line has a switch,
 * starts the worker thread, whose first job is to switch every line off
 * (fail-safe after a crash; a failure is logged as a warning). Without any
 * switched line there is no set and no thread: every call is a cheap no-op and
 * holds report LOA_SWITCH_STATUS_NONE.
 *
 * config must outlive the switcher. context is where held() and play() run
 * (NULL: the global default context); it is referenced. play may be NULL;
 * user_data is passed to play and to every held.
 *
 * Returns a new switcher (free with loa_switcher_free), or NULL with the
 * error set (LOA_SWITCH_ERROR_SETUP from the set, or the thread could not be
 * started). */
LoaSwitcher *loa_switcher_new(const LoaConfig *config, GMainContext *context,
                              LoaSwitcherPlayFunc play, gpointer user_data,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Asks for line_id to be held on for an airing starting at at_wall_ns (UTC
 * ns): the worker switches it on at at_wall_ns - switching.pre_roll_ms (at
 * once if that is past) and then calls held(handle, result) on the main
 * context. A line without a switch, or an unknown line, reports
 * LOA_SWITCH_STATUS_NONE at the next iteration of the main context, without
 * the worker. handle identifies the hold for forget and release (a handle
 * may be reused once forgotten or released; holding with a handle that is
 * still live releases its earlier hold first). held must not be NULL. */
void loa_switcher_hold(LoaSwitcher *switcher, const char *line_id, gint64 at_wall_ns,
                       LoaSwitcherHeldFunc held, gpointer handle);

/* The airing of handle was cancelled: a hold not yet made is dropped (nothing
 * is switched); a hold made already is released like loa_switcher_release().
 * In every case held() is not called for handle any more, even if its report
 * was already on its way. Unknown handles are ignored. */
void loa_switcher_forget(LoaSwitcher *switcher, gpointer handle);

/* The airing of handle ended: its hold is released now (the post-roll starts
 * now, even if the worker is still busy), and handle is forgotten; held() is
 * not called for it any more. A hold not made yet is dropped as by
 * loa_switcher_forget(); an unknown handle is ignored. Never waits for the
 * worker. */
void loa_switcher_release(LoaSwitcher *switcher, gpointer handle);

/* TRUE if line_id is switched on as far as the worker knows (on, or waiting
 * for its post-roll): after a successful switch-on until a successful
 * switch-off. A line whose switch-off failed counts as on (the worker tries
 * again at the next job, and every 30 s without one), and a failed
 * fail-safe leaves every line as it was known before it. FALSE for lines
 * without a switch or unknown lines. Never waits for the worker. */
gboolean loa_switcher_is_on(LoaSwitcher *switcher, const char *line_id);

/* Stops the worker after its current job, drops the holds not made yet
 * (their held() is not called), switches every line off on the worker
 * (loa_switch_set_all_off: dtmf lines are left to the engine, see switch.h)
 * and waits for it, so this can take the devices' timeouts. Reports not yet
 * delivered to the main context are dropped. Accepts NULL. */
void loa_switcher_free(LoaSwitcher *switcher);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaSwitcher, loa_switcher_free)
