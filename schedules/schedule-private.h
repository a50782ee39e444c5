/* Shared between the parser (schedule.c, schedule-event.c,
 * schedule-recurrence.c), schedule-expand.c (days and occurrences),
 * schedule-check.c and schedule-problems.c; not part of the module's public
 * face. */
#pragma once

#include "schedule.h"

#include <libical/ical.h>

#define SECONDS_PER_DAY 86400

/* Ordinals that loa_date_from_ordinal and GDateTime accept. */
#define FIRST_ORDINAL 2u        /* 0001-01-02: the day before still exists */
#define LAST_ORDINAL 3652058u   /* 9999-12-30 */

/* RRULEs with COUNT are expanded once at parse time; more than this many
 * days is refused (write UNTIL or `until` instead). */
#define RRULE_MAX_COUNT 10000

/* The anchor of rotation for recurring events without `from`. */
#define ROTATION_EPOCH_YEAR 2000

/* 0 for Monday .. 6 for Sunday. */
static inline guint
weekday_of(guint32 ordinal)
{
  return (ordinal - 1) % 7; /* GDate's day 1, 0001-01-01, was a Monday */
}

/* When an event starts at time (seconds since local midnight) on date, in UTC
 * ns. A local time skipped by a daylight-saving change airs as the clock
 * jumps over it, an hour later on the local clock. Returns FALSE if the day
 * has no such time even so. */
gboolean loa_schedule_start_at(GTimeZone *tz, int time, const LoaDate *date, gint64 *start_ns);

/* The days an event airs, walked in increasing order: its recurrence, from,
 * until, except and (unless it airs on them) blackout days applied. */
typedef struct {
  const LoaSchedule *schedule;
  const LoaEvent *event;
  guint32 next;              /* the next day to consider */
  guint32 last;              /* the last day to consider */
  icalrecur_iterator *rrule; /* RRULE without COUNT */
  guint index;               /* RRULE with COUNT: position in rrule_days */
  gboolean done;
} LoaDayCursor;

/* Starts a walk over [first, last] (ordinals). Recurring events only. */
void loa_day_cursor_init(LoaDayCursor *cursor, const LoaSchedule *schedule, const LoaEvent *event,
                         guint32 first, guint32 last);
/* The next day the event airs; FALSE when there is none left. */
gboolean loa_day_cursor_next(LoaDayCursor *cursor, guint32 *day);
void loa_day_cursor_clear(LoaDayCursor *cursor);

/* TRUE if the recurrence alone (no from/until/except/blackout) selects day.
 * Not for RRULE events. */
gboolean loa_event_pattern_on(const LoaEvent *event, guint32 day);

/* The blackout covering day, or NULL. */
const LoaBlackout *loa_schedule_blackout_on_day(const LoaSchedule *schedule, guint32 day);

/* loa_schedule_expand, but with borrow_spots each occurrence's spots are
 * the event's choice itself (borrowed, valid as long as the schedule) and
 * the array frees nothing: for the checker, which expands a year at a time. */
GArray *loa_schedule_expand_borrowed(const LoaSchedule *schedule, gint64 from_ns, gint64 until_ns,
                                     gboolean borrow_spots);

/* A libical rule from text, with libical's errors made non-fatal. Returns
 * FALSE if the text is not a rule. */
gboolean loa_rrule_parse(const char *text, struct icalrecurrencetype *rule);
/* A floating midnight of day, for libical. */
struct icaltimetype loa_rrule_day(guint32 day);

/* loa_problems_add with the arguments as a va_list. */
void loa_problems_add_valist(LoaProblems *problems, const char *file, int line, gboolean warning,
                             const char *format, va_list args) G_GNUC_PRINTF(5, 0);
