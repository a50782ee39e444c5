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

/* One loudspeaker line. */
typedef struct {
  char *id;          /* unique, [A-Za-z0-9._-], not "all" */
  char *name;        /* human name, e.g. "Phường An Hòa" */
  char *output;      /* "alsa:PCM" or "null" */
  int source_line;   /* line of its entry in the config file */
} LoaLineConfig;

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

typedef struct {
  char *path;             /* absolute path of the file it came from */
  char *station_id;       /* station.id */
  char *station_name;     /* station.name (defaults to the id) */
  char *timezone_name;    /* station.timezone, IANA name */
  GTimeZone *timezone;    /* the zone itself */
  char *database;         /* absolute path of the station database */
  char *library;          /* absolute path of the spot library folder */
  GPtrArray *lines;       /* LoaLineConfig *, in file order; never empty */
  GPtrArray *quotas;      /* LoaQuotaConfig *, in file order; may be empty */
  char *key;              /* station.key: absolute path of the station's Ed25519 secret key
                           * (default: station.key beside the database) */
  gboolean key_is_default; /* key was derived from database: follows a --db override */
  int sample_rate;        /* engine.rate: the rate every line runs at */
  int channels;           /* engine.channels: channels of every line */
  int prepare_seconds;    /* engine.prepare_seconds: how far ahead airings are prepared */
  int latency_ms;         /* engine.latency_ms: fixed pipeline latency, 0 = what the pipeline needs */
  GPtrArray *warnings;    /* char *, "file:line: message", for the caller to print */
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

/* TRUE if text is a valid identifier for lines and spots: 1-64 characters of
 * letters, digits, '.', '_' and '-', starting with a letter or digit. */
gboolean loa_config_id_is_valid(const char *text);
