/* Schedule files: what must air. A schedule is a libconfig file of events;
 * this module parses it, checks it against the station (lines) and the
 * catalog (spots, through a lookup callback, so it does not depend on
 * audio-library), and expands events into concrete occurrences. Pure: no
 * database, no clock of its own — "now" is a parameter. */
#pragma once

#include <glib.h>
#include <stdio.h>

#include "config.h"
#include "loa-time.h"

typedef enum {
  LOA_PRIORITY_NORMAL,     /* airs at its time */
  LOA_PRIORITY_PRIORITY,   /* airs as soon as the current spot ends */
  LOA_PRIORITY_EMERGENCY,  /* cuts in at once */
} LoaPriority;

const char *loa_priority_name(LoaPriority priority);

/* One problem found in a schedule file. */
typedef struct {
  char *file;         /* as given by the caller */
  int line;           /* 1-based; 0 if none applies */
  gboolean warning;   /* FALSE: an error that makes the schedule unusable */
  char *message;      /* without the "file:line: " prefix */
} LoaProblem;

/* Problems collected while parsing and checking. */
typedef struct {
  GPtrArray *items;   /* LoaProblem * */
  guint errors;       /* number of items with warning == FALSE */
  guint warnings;
} LoaProblems;

LoaProblems *loa_problems_new(void);
void loa_problems_free(LoaProblems *problems);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaProblems, loa_problems_free)
void loa_problems_add(LoaProblems *problems, const char *file, int line, gboolean warning,
                      const char *format, ...) G_GNUC_PRINTF(5, 6);
/* Sorts by file and line, then prints "file:line: message" or
 * "file:line: warning: message", one per line. */
void loa_problems_print(LoaProblems *problems, FILE *out);

/* One event of a schedule. */
typedef struct {
  int source_line;     /* line of the event's group in the file */
  char *ref;           /* "file:line", recorded with each airing */
  gboolean one_off;    /* TRUE: `at`; FALSE: daily at time_of_day */
  gint64 at_ns;        /* one-off instant, UTC ns */
  int time_of_day;     /* daily: seconds since local midnight */
  gboolean has_from;   /* daily: first date */
  LoaDate from;
  gboolean has_until;  /* daily: last date (inclusive) */
  LoaDate until;
  GStrv lines;         /* line ids, "all" already expanded, in config order */
  GStrv spots;         /* spot ids, played back to back in this order */
  LoaPriority priority;
} LoaEvent;

typedef struct {
  char *file;          /* the name used in messages and refs */
  char *name;          /* optional `name = "..."`, else "" */
  GTimeZone *tz;       /* the station's zone */
  GPtrArray *events;   /* LoaEvent *, in file order */
} LoaSchedule;

void loa_schedule_free(LoaSchedule *schedule);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaSchedule, loa_schedule_free)

/* Parses text (the content of file). Syntax errors, bad keys, bad times and
 * dates, unknown lines are added to problems (all of them). Returns the
 * schedule if problems->errors is 0 afterwards, else NULL. */
LoaSchedule *loa_schedule_parse(const char *file, const char *text, const LoaConfig *config,
                                LoaProblems *problems) G_GNUC_WARN_UNUSED_RESULT;

/* Looks a spot up for checking. Returns TRUE and its duration if it can air;
 * FALSE with *problem (newly allocated, e.g. "unknown spot 'X'") if not. */
typedef gboolean (*LoaSpotLookupFunc)(const char *spot_id, gint64 *duration_ns, char **problem,
                                      gpointer user_data);

/* Checks a parsed schedule: unknown spots, overlaps on a line (naming both
 * events), events that never occur or whose every occurrence is before now
 * (warnings). Adds to problems; returns TRUE if no error was added. */
gboolean loa_schedule_check(const LoaSchedule *schedule, LoaSpotLookupFunc lookup,
                            gpointer user_data, gint64 now_ns, LoaProblems *problems);

/* One concrete occurrence of an event. */
typedef struct {
  const LoaEvent *event;  /* borrowed from the schedule */
  gint64 start_ns;        /* UTC ns of the first spot's first sample */
} LoaOccurrence;

/* Occurrences with from_ns <= start_ns < until_ns, sorted by start then file
 * order. Returns a new GArray of LoaOccurrence. */
GArray *loa_schedule_expand(const LoaSchedule *schedule, gint64 from_ns, gint64 until_ns);
