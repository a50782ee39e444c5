/* The station configuration: one libconfig file read by one table-driven loader.
 *
 * Errors are reported as "file:line: message" (all of them, one per line of the
 * GError message); settings nobody reads become warnings with their line. The
 * loaded LoaConfig owns copies of every string, so the libconfig tree is gone
 * once loading returns. Every key and default is documented in examples/loa.cfg. */
#pragma once

#include <glib.h>

#define LOA_CONFIG_ERROR (loa_config_error_quark())
GQuark loa_config_error_quark(void);

typedef enum {
  LOA_CONFIG_ERROR_IO,       /* file missing or unreadable */
  LOA_CONFIG_ERROR_PARSE,    /* libconfig syntax error */
  LOA_CONFIG_ERROR_INVALID,  /* well-formed but wrong: types, ranges, missing keys */
} LoaConfigError;

#define LOA_CONFIG_DEFAULT_PATH "/etc/loa/loa.cfg"
#define LOA_CONFIG_ENV "LOA_CONFIG"

/* How a line's amplifier or relay is switched (a line's `switch` group).
 * Only the fields of its driver are set; the others stay NULL / -1. */
typedef struct {
  char *driver;        /* "gpio", "modbus", "dtmf", "command"; NULL: the line has no switch */
  char *board;         /* modbus: id of a switching.modbus board */
  int coil;            /* modbus: coil address on that board, 0..65535 (-1 unset) */
  char *chip;          /* gpio: chip name, path or number ("gpiochip0", "/dev/gpiochip0", "0") */
  int offset;          /* gpio: line offset on the chip (-1 unset) */
  int active_low;      /* gpio: 1 if the relay closes on a low level, else 0 */
  char *on_code;       /* dtmf: code played before the program ("*12#"); digits 0-9 * # A-D */
  char *off_code;      /* dtmf: code played after the program, or NULL for none */
  int source_line;     /* line of the `switch` group in the config file */
} LoaSwitchConfig;

/* One loudspeaker line. */
typedef struct {
  char *id;          /* unique, [A-Za-z0-9._-], not "all" */
  char *name;        /* human name, e.g. "Phường An Hòa" */
  char *output;      /* "alsa:PCM" or "null" */
  char *monitor;     /* "alsa:PCM": capture of the line return (hardware/monitor.h), or NULL */
  double volume_db;  /* `volume`: the line's level, dB (-60..+12, default 0) */
  char *mixer;       /* `mixer`: the ALSA simple mixer control that sets it on the card (e.g.
                      * "PCM"), or NULL: the level is set in the pipeline */
  int source_line;   /* line of its entry in the config file */
  LoaSwitchConfig line_switch; /* its `switch` group; driver NULL when it has none */
  int *channels;     /* `channels`: card channels (1-based) of its channels on a card shared
                      * with other lines, n_channels of them; NULL: the output is its own */
  int n_channels;
} LoaLineConfig;

/* One Modbus relay board (switching.modbus entry); lines name it by id. */
typedef struct {
  char *id;          /* unique among the boards */
  char *address;     /* "tcp:HOST:PORT" (Modbus TCP) or "rtu:/dev/ttyUSB0" (Modbus RTU, serial) */
  int unit;          /* Modbus unit (slave) id, 0..247 */
  int baud;          /* rtu: bits per second */
  char *parity;      /* rtu: "none", "even" or "odd" */
  int data_bits;     /* rtu: 5..8 */
  int stop_bits;     /* rtu: 1 or 2 */
  int source_line;   /* line of its entry in the config file */
} LoaModbusBoardConfig;

/* One compliance quota: at least `at_least` completed airings of the topic
 * and category per period, on every line (e.g. the Cần Thơ ATTT plan: 1
 * article and 2 news items per month). */
typedef struct {
  char *topic;       /* e.g. "attt" */
  char *category;    /* article | news | report | announcement | other */
  char *per;         /* "month" or "year" */
  int at_least;      /* >= 1 */
  int source_line;   /* line of its entry in the config file */
} LoaQuotaConfig;

/* A named set of lines that schedules can target as one (`zones`). */
typedef struct {
  char *id;          /* unique among zones and lines, [A-Za-z0-9._-], not "all" */
  char *name;        /* human name (default: the id) */
  GStrv lines;       /* ids of the station's lines, in config order, no repeats */
  int source_line;   /* line of its entry in the config file */
} LoaZoneConfig;

/* Station-wide days on which scheduled events do not air (`blackout`), e.g.
 * Tết; emergency events air regardless (see man/loa-schedule.5). */
typedef struct {
  char *name;        /* e.g. "Tết Nguyên đán" */
  char *from;        /* "YYYY-MM-DD", first day (station time) */
  char *until;       /* "YYYY-MM-DD", last day, inclusive (== from for one day) */
  int source_line;   /* line of its entry in the config file */
} LoaBlackoutConfig;

typedef struct {
  char *path;             /* absolute path of the file it came from */
  char *station_id;       /* station.id */
  char *station_name;     /* station.name (defaults to the id) */
  char *timezone_name;    /* station.timezone, IANA name */
  GTimeZone *timezone;    /* the zone itself */
  char *database;         /* absolute path of the station database */
  char *control_socket;   /* absolute path of the daemon's control socket (UNIX) */
  char *library;          /* absolute path of the spot library folder */
  GPtrArray *lines;       /* LoaLineConfig *, in file order; never empty */
  GPtrArray *quotas;      /* LoaQuotaConfig *, in file order; may be empty */
  GPtrArray *zones;       /* LoaZoneConfig *, in file order; may be empty */
  GPtrArray *blackouts;   /* LoaBlackoutConfig *, in file order; may be empty */
  char *key;              /* station.key: absolute path of the station's Ed25519 secret key
                           * (default: station.key beside the database) */
  gboolean key_is_default; /* key was derived from database: follows a --db override */
  int sample_rate;        /* engine.rate: the rate every line runs at */
  int channels;           /* engine.channels: channels of every line */
  int prepare_seconds;    /* engine.prepare_seconds: how far ahead airings are prepared */
  int latency_ms;         /* engine.latency_ms: fixed pipeline latency, 0 = what the pipeline needs */
  int realtime_priority;  /* engine.realtime_priority: SCHED_FIFO priority of output threads, 0 = off */
  double loudness_target; /* loudness_target: LUFS every spot is brought to at air time */
  double true_peak_max;   /* true_peak_max: dBTP the air gain keeps each spot's true peak under */
  char *filler;           /* filler: spot id aired when a spot fails at air time and nothing
                           * follows on its line, NULL for none */
  gboolean loudness_normalize; /* loudness_normalize: apply the air gain (FALSE: play files as they are) */
  gboolean require_approval; /* require_approval: new spots wait for `loa spot approve` */
  double cue_silence_db;  /* cue_silence_db: dBFS under which a spot's start and end are silence */
  double monitor_threshold_db; /* monitor_threshold_db: RMS dBFS above which a monitored line
                                * (or an output's level) carries program */
  char *drop_folder;      /* library.drop_folder: absolute path watched for new spots, or NULL */
  int drop_settle_seconds; /* library.drop_settle_seconds: a dropped file must stay unchanged
                            * this long before it is ingested */
  gboolean air_copies;    /* library.air_copies: ingest decodes compressed spots into air
                           * copies (PCM WAV) that air instead (default true) */
  char *tts_command;      /* library.tts_command: text-to-speech program and arguments (shell
                           * quoting) with {text} (input UTF-8 file) and {wav} (output) */
  GPtrArray *warnings;    /* char *, "file:line: message", for the caller to print */
  int switch_pre_roll_ms;  /* switching.pre_roll_ms: lines are switched on this long before
                            * the first sample (amplifier warm-up) */
  int switch_post_roll_ms; /* switching.post_roll_ms: and switched off this long after the last */
  int switch_timeout_ms;   /* switching.timeout_ms: connect / response timeout of a relay board */
  char *switch_command;    /* switching.command: program and arguments of the `command`
                            * driver (shell quoting), or NULL */
  int switch_command_timeout_ms; /* switching.command_timeout_ms: the command is killed after this */
  int dtmf_tone_ms;        /* switching.dtmf.tone_ms: length of one DTMF digit */
  int dtmf_gap_ms;         /* switching.dtmf.gap_ms: silence after each digit */
  int dtmf_level_dbfs;     /* switching.dtmf.level_dbfs: level of each of the two tones */
  GPtrArray *modbus_boards; /* LoaModbusBoardConfig *, in file order; may be empty */
} LoaConfig;

/* The path to use when none is given on the command line: $LOA_CONFIG if set,
 * else LOA_CONFIG_DEFAULT_PATH. Returns a static or environment string. */
const char *loa_config_default_path(void);

/* Loads and validates the file. Returns a new LoaConfig (free with
 * loa_config_free), or NULL with the error set; nothing is half-loaded. */
LoaConfig *loa_config_load(const char *path, GError **error) G_GNUC_WARN_UNUSED_RESULT;

void loa_config_free(LoaConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaConfig, loa_config_free)

/* The line with this id, or NULL. */
const LoaLineConfig *loa_config_find_line(const LoaConfig *config, const char *id);

/* The Modbus board with this id, or NULL. */
const LoaModbusBoardConfig *loa_config_find_modbus_board(const LoaConfig *config, const char *id);

/* The zone with this id, or NULL. */
const LoaZoneConfig *loa_config_find_zone(const LoaConfig *config, const char *id);

/* TRUE if text is a valid identifier for lines and spots: 1-64 characters of
 * letters, digits, '.', '_' and '-', starting with a letter or digit. */
gboolean loa_config_id_is_valid(const char *text);
