/* The configuration loader's tables and state, shared between config.c
 * (loading as a whole), config-keys.c (the table reader), config-lines.c,
 * config-switching.c and config-schedule.c; not part of the module's public
 * face. The small helpers are static inline so that each file keeps them
 * private. */
#pragma once

#include "config.h"

#include <libconfig.h>

/* KEY_DOUBLE accepts integers too ("-16" as well as "-16.0"); KEY_BOOL is true or false. */
typedef enum { KEY_STRING, KEY_PATH, KEY_INT, KEY_DOUBLE, KEY_BOOL } KeyType;

/* What one scalar setting is: where it lives, what it must be, where it goes. */
typedef struct {
  const char *path;          /* relative to the group being read */
  KeyType type;
  gboolean required;
  int min, max;              /* KEY_INT / KEY_DOUBLE bounds */
  const char *default_text;  /* KEY_STRING / KEY_PATH default, NULL = none; KEY_DOUBLE default as text */
  int default_int;
  size_t offset;             /* into LoaConfig or LoaLineConfig */
  /* Extra check; returns NULL if fine, else a message (newly allocated). */
  char *(*validate)(const char *value);
} KeySpec;

/* Loading state: the file, the settings that were read, the problems found. */
typedef struct {
  const char *file;
  char *dir;            /* directory of the file, for relative paths */
  GHashTable *read;     /* config_setting_t * that some key spec consumed */
  GString *errors;      /* "file:line: message\n" ... */
  GPtrArray *warnings;
} Loader;

/* The line of setting in the file; 0 for NULL. */
static inline int
setting_line(const config_setting_t *setting)
{
  return setting != NULL ? (int)config_setting_source_line(setting) : 0;
}

/* Adds "file:line: message" to loader's errors. */
static inline void G_GNUC_PRINTF(3, 4)
add_error(Loader *loader, int line, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  g_autofree char *message = g_strdup_vprintf(format, args);
  va_end(args);
  g_string_append_printf(loader->errors, "%s:%d: %s\n", loader->file, line, message);
}

/* Marks the setting and every group on the way to it as read. */
static inline void
mark_read(Loader *loader, config_setting_t *setting)
{
  for (; setting != NULL; setting = config_setting_parent(setting))
    g_hash_table_add(loader->read, setting);
}

/* Reads the settings of specs from group into target (the struct their
 * offsets are into): each present one checked (type, range, UTF-8, its
 * validate) and marked read, each absent one given its default, or an error
 * at owner_line if it is required. Errors are added to loader. (config-keys.c) */
void loa_config_read_keys(Loader *loader, config_setting_t *group, const KeySpec *specs,
                          size_t n_specs, void *target, int owner_line);

/* Adds a warning "file:line: unknown setting" for setting and every setting
 * below it that no spec consumed. (config-keys.c) */
void loa_config_warn_unread(Loader *loader, config_setting_t *setting);

/* KeySpec validators shared by several tables: NULL if value is fine, else a
 * message (newly allocated). An id (loa_config_id_is_valid); a line or
 * zone id, which also must not be "all". (config-keys.c, config-lines.c) */
char *loa_config_validate_id(const char *value);
char *loa_config_validate_line_id(const char *value);

/* Free functions of the entries of LoaConfig's arrays (gpointer, for
 * g_ptr_array_new_with_free_func). */
void loa_config_line_free(gpointer data);          /* LoaLineConfig (config-lines.c) */
void loa_config_modbus_board_free(gpointer data);  /* LoaModbusBoardConfig (config-switching.c) */
void loa_config_quota_free(gpointer data);         /* LoaQuotaConfig (config-schedule.c) */
void loa_config_zone_free(gpointer data);          /* LoaZoneConfig (config-schedule.c) */
void loa_config_blackout_free(gpointer data);      /* LoaBlackoutConfig (config-schedule.c) */

/* Each reads (or checks) one part of cfg into config, adding what is wrong
 * to loader's errors. loa_config_load calls them in this order, which they
 * rely on: lines need engine.channels (read with the station table), zones
 * need the lines, the switch checks need the lines and the boards. */
void loa_config_read_lines(Loader *loader, config_t *cfg, LoaConfig *config);
void loa_config_check_shared_outputs(Loader *loader, LoaConfig *config);
void loa_config_read_quotas(Loader *loader, config_t *cfg, LoaConfig *config);
void loa_config_read_zones(Loader *loader, config_t *cfg, LoaConfig *config);
void loa_config_read_blackouts(Loader *loader, config_t *cfg, LoaConfig *config);
void loa_config_read_modbus_boards(Loader *loader, config_t *cfg, LoaConfig *config);
void loa_config_check_switches(Loader *loader, LoaConfig *config);

/* Reads a line's optional `switch` group into lc->line_switch (driver NULL
 * if it has none); the board it names is checked later by
 * loa_config_check_switches. (config-switching.c) */
void loa_config_read_switch(Loader *loader, config_setting_t *entry, LoaLineConfig *lc);
