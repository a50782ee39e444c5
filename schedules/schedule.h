/* Schedule files: what must air. A schedule is a libconfig file of events;
 * this module parses it, checks it against the station (lines, zones,
 * blackout days) and the catalog (spots, through a lookup callback, so it
 * does not depend on audio-library), and expands events into concrete
 * occurrences. Pure: no database, no clock of its own — "now" is a parameter.
 * The language is documented in man/loa-schedule.5. */
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

/* "normal", "priority" or "emergency". Static string. */
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

/* A new empty collection (free with loa_problems_free). */
LoaProblems *loa_problems_new(void);
void loa_problems_free(LoaProblems *problems);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaProblems, loa_problems_free)
/* Adds one problem; file may be NULL (""), line 0 when none applies. */
void loa_problems_add(LoaProblems *problems, const char *file, int line, gboolean warning,
                      const char *format, ...) G_GNUC_PRINTF(5, 6);
/* Sorts by file and line, then prints "file:line: message" or
 * "file:line: warning: message", one per line. */
void loa_problems_print(LoaProblems *problems, FILE *out);

/* How a recurring event chooses its days (see man/loa-schedule.5). */
typedef enum {
  LOA_REPEAT_ONCE,           /* `at`: one instant */
  LOA_REPEAT_DAILY,          /* `time` alone: every day */
  LOA_REPEAT_WEEKLY,         /* `days`: chosen weekdays */
  LOA_REPEAT_EVERY_DAYS,     /* `every = "N days"`, counted from `from` */
  LOA_REPEAT_EVERY_WEEKS,    /* `every = "N weeks"` (with `days`), weeks counted from `from` */
  LOA_REPEAT_MONTH_DAYS,     /* `monthly = [ 1, 15, -1 ]`: days of the month */
  LOA_REPEAT_MONTH_WEEKDAY,  /* `monthly = "first monday"` */
  LOA_REPEAT_RRULE,          /* `rrule`: an iCalendar RRULE expanded by libical */
} LoaRepeat;

/* How an event starts when its lines are busy at its time. */
typedef enum {
  LOA_START_HARD,  /* cuts whatever plays on its lines (logged interrupted) */
  LOA_START_SOFT,  /* waits for the current spot to end, up to grace_ns */
} LoaStartMode;

/* What a soft start does when the grace runs out. */
typedef enum {
  LOA_LATE_SKIP,   /* the occurrence is logged missed */
  LOA_LATE_PLAY,   /* it airs anyway, logged with its delay */
} LoaLatePolicy;

/* How an event with several choices (`one_of`) picks one per occurrence. */
typedef enum {
  LOA_ROTATION_IN_ORDER,  /* occurrence n plays choice n mod k */
  LOA_ROTATION_RANDOM,    /* every k occurrences play each choice once, in a seeded random order */
} LoaRotation;

/* grace_ns of an event that waits as long as it takes. */
#define LOA_GRACE_UNLIMITED G_MAXINT64

/* One event of a schedule. */
typedef struct {
  int source_line;       /* line of the event's group in the file */
  char *ref;             /* "file:line", recorded with each airing */
  char *id;              /* optional `id`, else NULL */
  char *name;            /* optional `name`, else NULL */
  LoaRepeat repeat;
  gint64 at_ns;          /* LOA_REPEAT_ONCE: the instant, UTC ns */
  int *times;            /* recurring: seconds since local midnight, ascending, no repeats */
  guint n_times;         /* recurring: >= 1; 0 for LOA_REPEAT_ONCE */
  gboolean has_from;     /* recurring: first date */
  LoaDate from;
  gboolean has_until;    /* recurring: last date (inclusive) */
  LoaDate until;
  guint8 weekdays;       /* WEEKLY, EVERY_WEEKS, MONTH_WEEKDAY: bit 0 Monday .. bit 6 Sunday */
  guint interval;        /* EVERY_DAYS, EVERY_WEEKS: N >= 1 */
  guint32 month_days;    /* MONTH_DAYS: bit d for day d (1..31); bit 0 for the month's last day */
  int month_week;        /* MONTH_WEEKDAY: 1..5 for first..fifth, -1 for last */
  char *rrule;           /* RRULE: the rule's text as written */
  GArray *rrule_days;    /* RRULE with COUNT: every day it yields (guint32 ordinals, sorted);
                          * NULL otherwise */
  GArray *except;        /* guint32 date ordinals that are skipped, sorted; may be NULL */
  gboolean air_on_blackout; /* TRUE: airs on the station's blackout days (emergency default) */
  GStrv lines;           /* line ids after zones and except_lines, in config order */
  GPtrArray *choices;    /* GStrv each: spot ids played back to back; one entry unless
                          * `one_of` gave several */
  LoaRotation rotation;  /* with several choices */
  guint64 seed;          /* LOA_ROTATION_RANDOM: the fixed seed */
  LoaPriority priority;
  LoaStartMode start;
  gint64 grace_ns;       /* soft start: how long it may wait; LOA_GRACE_UNLIMITED */
  LoaLatePolicy late;    /* soft start: after the grace */
  gint64 max_length_ns;  /* a block: its spots must fit in this; 0 if not a block */
} LoaEvent;

/* One station-wide blackout range, copied from the configuration. */
typedef struct {
  guint32 first;         /* date ordinal (loa_date_ordinal) of its first day */
  guint32 last;          /* and of its last day, inclusive */
  char *name;            /* e.g. "Tết Nguyên đán" */
} LoaBlackout;

typedef struct {
  char *file;          /* the name used in messages and refs */
  char *name;          /* optional `name = "..."`, else "" */
  GTimeZone *tz;       /* the station's zone */
  GPtrArray *events;   /* LoaEvent *, in file order */
  GArray *blackouts;   /* LoaBlackout, from the configuration, in its order */
} LoaSchedule;

void loa_schedule_free(LoaSchedule *schedule);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaSchedule, loa_schedule_free)

/* Parses text (the content of file). Syntax errors, bad keys, bad times and
 * dates, RRULE errors, unknown lines and zones are added to problems (all of
 * them). Returns the schedule (free with loa_schedule_free) if no error was
 * added, else NULL. */
LoaSchedule *loa_schedule_parse(const char *file, const char *text, const LoaConfig *config,
                                LoaProblems *problems) G_GNUC_WARN_UNUSED_RESULT;

/* The name of the blackout that covers date in schedule, or NULL. Borrowed. */
const char *loa_schedule_blackout_on(const LoaSchedule *schedule, const LoaDate *date);

/* What the catalog says about one spot, for checking and planning. */
typedef struct {
  char *problem;         /* set by a lookup that did not find the spot: why (optional) */
  char *status;          /* submitted | approved | retired | quarantined */
  gboolean has_valid_from;
  LoaDate valid_from;    /* first day it may air */
  gboolean has_valid_until;
  LoaDate valid_until;   /* last day it may air, inclusive */
  gint64 duration_ns;    /* the aired length: cue out - cue in */
  char *topic;           /* for quota predictions; may be NULL */
  char *category;        /* article | news | ...; may be NULL */
} LoaSpotFacts;

/* Frees the strings of facts and zeroes it. */
void loa_spot_facts_clear(LoaSpotFacts *facts);

/* Looks a spot up. Returns TRUE with facts filled (strings newly allocated,
 * the caller clears them) if the catalog has it; FALSE if not, optionally
 * with facts->problem (e.g. "spot 'X' could not be looked up"). */
typedef gboolean (*LoaSpotLookupFunc)(const char *spot_id, LoaSpotFacts *facts, gpointer user_data);

/* Checks a parsed schedule at now_ns: unknown spots; spots not approved,
 * or outside their validity on a day they would air (within the check
 * window: from now to the last occurrence or one year, whichever is sooner);
 * blocks longer than their max_length; overlaps of two normal events on a
 * line (naming both, and every line); soft starts overlapping (warnings);
 * events that never occur, never again, or not in the next 30 days
 * (warnings); one-offs on blackout days and except dates the event would
 * not air on anyway (warnings). Looks each spot up once. Adds to problems;
 * returns TRUE if no error was added. */
gboolean loa_schedule_check(const LoaSchedule *schedule, LoaSpotLookupFunc lookup,
                            gpointer user_data, gint64 now_ns, LoaProblems *problems);

/* One concrete occurrence of an event. */
typedef struct {
  const LoaEvent *event;     /* borrowed from the schedule */
  gint64 start_ns;           /* UTC ns of the first spot's first sample */
  GStrv spots;               /* after rotation: played back to back; owned by the array */
  guint choice;              /* index into event->choices */
  gint64 ordinal;            /* 0-based count of the event's occurrences before this one */
  const char *const *lines;  /* borrowed: event->lines */
} LoaOccurrence;

/* Occurrences with from_ns <= start_ns < until_ns, sorted by start then file
 * order; blackout days, except dates and from/until already applied. Cost
 * grows with the window, not with the schedule's length, so a daemon can ask
 * every tick. Rotation is a pure function of the occurrence's ordinal (see
 * loa_event_choice), so every caller at any time gets the same choice.
 * Returns a new GArray of LoaOccurrence (g_array_unref frees the spots). */
GArray *loa_schedule_expand(const LoaSchedule *schedule, gint64 from_ns,
                            gint64 until_ns) G_GNUC_WARN_UNUSED_RESULT;

/* The index into event->choices that occurrence number ordinal (0-based,
 * counted from the event's first occurrence: `from`, or 2000-01-01 when the
 * event has none; except and blackout days do not count) plays. */
guint loa_event_choice(const LoaEvent *event, gint64 ordinal);
