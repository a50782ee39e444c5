/* The schedule parser's state and its reporting helpers, shared between
 * schedule.c (the file as a whole), schedule-event.c (one event's keys) and
 * schedule-recurrence.c (when an event airs); not part of the module's
 * public face. */
#pragma once

#include "schedule.h"
#include "schedule-private.h"

#include <libconfig.h>

/* Parsing state. */
typedef struct {
  const char *file;
  const LoaConfig *config;
  LoaProblems *problems;
  GHashTable *event_ids;  /* human `id` -> GINT_TO_POINTER(line), for duplicate warnings */
} Parser;

static inline int
setting_line(const config_setting_t *setting)
{
  return setting != NULL ? (int)config_setting_source_line(setting) : 0;
}

static inline void G_GNUC_PRINTF(3, 4)
parse_error(Parser *parser, int line, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  loa_problems_add_valist(parser->problems, parser->file, line, FALSE, format, args);
  va_end(args);
}

static inline void G_GNUC_PRINTF(3, 4)
parse_warning(Parser *parser, int line, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  loa_problems_add_valist(parser->problems, parser->file, line, TRUE, format, args);
  va_end(args);
}

/* Warns about every member of group whose name is not in known (NULL-terminated). */
void loa_parse_warn_unknown_keys(Parser *parser, config_setting_t *group,
                                 const char *const *known);

/* The string value of setting, or NULL after reporting that it is not one. */
const char *loa_parse_string(Parser *parser, config_setting_t *setting, const char *key);

/* Collects the strings of a setting that may be one string or a list/array of
 * strings, into values (borrowed const char *) and their lines. Returns FALSE
 * after reporting a wrong shape. */
gboolean loa_parse_string_list(Parser *parser, config_setting_t *setting, const char *key,
                               const char *shape, GPtrArray *values, GArray *lines);

/* Parses one entry of `events` (schedule-event.c). Returns the event
 * (possibly incomplete when errors were reported), or NULL if the entry is
 * not a group at all. */
LoaEvent *loa_parse_event(Parser *parser, config_setting_t *entry, int index);

/* The recurrence keys of entry into event: at, time, days, every, monthly,
 * rrule, from, until, except (schedule-recurrence.c). */
void loa_parse_recurrence(Parser *parser, config_setting_t *entry, LoaEvent *event);
