/* Line switches: what turns a loudspeaker line's amplifier or relay on before
 * an airing and off after it. Each line's `switch` setting names a driver
 * (gpio, modbus, dtmf, command) behind LoaSwitchDriver; a LoaSwitchSet holds
 * the drivers one station uses and switches its lines.
 *
 * Switching talks to devices and programs that can hang, so it never runs on
 * an audio thread: callers use a worker thread. Every call is serialised by
 * the set's mutex and bounded by timeouts (switching.timeout_ms for relay
 * boards, switching.command_timeout_ms for commands), so a dead board fails
 * with a reason instead of blocking the station.
 *
 * The dtmf driver switches in-band: it cannot play audio itself, so its
 * result carries a WAV file (LoaSwitchResult.play_path) that the engine must
 * play on the line, the address code just before the program and the off
 * code right after it. */
#pragma once

#include <glib.h>

#include "config.h"

#define LOA_SWITCH_ERROR (loa_switch_error_quark())
GQuark loa_switch_error_quark(void);

typedef enum {
  LOA_SWITCH_ERROR_SETUP,    /* a driver cannot be set up (temporary folder, bad command) */
  LOA_SWITCH_ERROR_FAILED,   /* loa_switch_set_all_off: some lines could not be switched off */
} LoaSwitchError;

/* The outcome of switching one line. */
typedef enum {
  LOA_SWITCH_STATUS_NONE,     /* the line has no switch: nothing to do */
  LOA_SWITCH_STATUS_OK,       /* switched (and read back, where the driver can) */
  LOA_SWITCH_STATUS_FAILED,   /* not switched: device unreachable, command failed, ... */
  LOA_SWITCH_STATUS_MISMATCH, /* written, but reading back gave the other state */
} LoaSwitchStatus;

typedef struct {
  LoaSwitchStatus status;
  char *reason;            /* FAILED / MISMATCH: what went wrong, naming the device; else NULL */
  char *play_path;         /* dtmf: WAV file to play on the line now, or NULL; the string is
                            * the result's, the file the set's (it lasts until the set is freed) */
  gint64 play_frames;      /* frames of play_path at the engine's rate, 0 without it */
} LoaSwitchResult;

/* Frees the reason and path of result and zeroes it (a cleared result can be reused). */
void loa_switch_result_clear(LoaSwitchResult *result);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(LoaSwitchResult, loa_switch_result_clear)

/* "none", "ok", "failed" or "readback-mismatch": the word for the log. */
const char *loa_switch_status_name(LoaSwitchStatus status);

/* One line of text for the airing's log row: "ok", "none", "failed: REASON",
 * "readback-mismatch: REASON". Newly allocated. */
char *loa_switch_result_describe(const LoaSwitchResult *result);

/* A GPIO chip, as the gpio driver sees it. The default is libgpiod (v1.6);
 * tests put a double in its place for the kernel chip only. Every function
 * returns -1 (or NULL) with errno set on failure. */
typedef struct {
  /* Opens chip (name, path or number) and requests line offset as an output
   * at the inactive level. *call is set to the name of the failing call.
   * Returns an opaque handle for the other functions. */
  gpointer (*request)(const char *chip, unsigned offset, gboolean active_low,
                      const char *consumer, const char **call);
  int (*set_value)(gpointer handle, int active);  /* 0 or -1 */
  int (*get_value)(gpointer handle);              /* 0/1 (logical level) or -1 */
  void (*release)(gpointer handle);               /* releases the line and closes the chip */
} LoaGpioChipOps;

extern const LoaGpioChipOps loa_gpio_chip_libgpiod;

typedef struct LoaSwitchSet LoaSwitchSet;

/* What the set hands its drivers. */
typedef struct {
  const LoaConfig *config;        /* the station configuration (borrowed for the set's life) */
  const LoaGpioChipOps *gpio;     /* the GPIO chip access (libgpiod unless a test says otherwise) */
} LoaSwitchContext;

/* A switch driver: one per kind of hardware, shared by all lines using it. */
typedef struct {
  const char *name;  /* the `driver` setting: "modbus" */
  /* Returns the driver's state for the station (no device is opened yet:
   * devices are opened on first use and reopened after a failure, so a board
   * that comes back is used again), or NULL with the error set. */
  gpointer (*open)(const LoaSwitchContext *context, GError **error);
  /* Switches line on or off and fills result (status, reason, play_path). */
  void (*set)(gpointer state, const LoaLineConfig *line, gboolean on, LoaSwitchResult *result);
  /* Releases devices and frees state; accepts NULL. */
  void (*close)(gpointer state);
} LoaSwitchDriver;

extern const LoaSwitchDriver loa_switch_modbus_driver;
extern const LoaSwitchDriver loa_switch_gpio_driver;
extern const LoaSwitchDriver loa_switch_dtmf_driver;
extern const LoaSwitchDriver loa_switch_command_driver;

/* Sets up the drivers config's lines use. config must outlive the set.
 * Returns a new set (free with loa_switch_set_free), or NULL with the error
 * set. Devices are not touched yet. */
LoaSwitchSet *loa_switch_set_new(const LoaConfig *config, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Like loa_switch_set_new with another GPIO chip access (tests). gpio is borrowed. */
LoaSwitchSet *loa_switch_set_new_with_gpio(const LoaConfig *config, const LoaGpioChipOps *gpio,
                                           GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Releases every device; removes the rendered DTMF files. Does not switch
 * anything off: call loa_switch_set_all_off first. Accepts NULL. */
void loa_switch_set_free(LoaSwitchSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaSwitchSet, loa_switch_set_free)

/* Switches line_id on or off now and fills result (clear it after use). An
 * unknown line or a line without a switch gives LOA_SWITCH_STATUS_NONE. */
void loa_switch_set_line(LoaSwitchSet *set, const char *line_id, gboolean on,
                         LoaSwitchResult *result);

/* Airing bookkeeping with the post-roll: hold before an airing (at its start
 * minus switching.pre_roll_ms), release after it. The first hold of a line
 * that is off switches it on (result filled); a hold while the line is on or
 * waiting for its post-roll keeps it on (result OK with no reason, no play
 * file: nothing was switched). A release of the last hold makes the line due
 * off at now_us + switching.post_roll_ms; loa_switch_set_switch_due does it. */
void loa_switch_set_hold(LoaSwitchSet *set, const char *line_id, LoaSwitchResult *result);
void loa_switch_set_release(LoaSwitchSet *set, const char *line_id, gint64 now_us);

/* Called for each line switched off by loa_switch_set_switch_due, with the
 * set's lock held: it must not call back into the set. */
typedef void (*LoaSwitchDoneFunc)(const char *line_id, const LoaSwitchResult *result,
                                  gpointer user_data);

/* Switches off every released line whose post-roll ended by now_us (a
 * monotonic time, as passed to release), calling done for each. Returns how
 * many lines it switched; the time the next one is due is stored in
 * *next_due_us (G_MAXINT64 if none). */
guint loa_switch_set_switch_due(LoaSwitchSet *set, gint64 now_us, gint64 *next_due_us,
                                LoaSwitchDoneFunc done, gpointer user_data);

/* Fail-safe: switches every line with a switch off, held or not (daemon
 * stop, crash recovery at start-up), and forgets all holds. dtmf lines are
 * skipped: their off code needs the line's pipeline, which the engine plays
 * through loa_switch_set_line before it stops. Returns TRUE; or FALSE with
 * LOA_SWITCH_ERROR_FAILED naming every line that failed and why (the others
 * are off all the same). */
gboolean loa_switch_set_all_off(LoaSwitchSet *set, GError **error) G_GNUC_WARN_UNUSED_RESULT;
