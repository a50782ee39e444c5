/* Shared between schedule.c (parsing, expansion) and schedule-check.c; not
 * part of the module's public face. */
#pragma once

#include "schedule.h"

#define SECONDS_PER_DAY 86400

/* Ordinals that loa_date_from_ordinal and GDateTime accept. */
#define FIRST_ORDINAL 2u        /* 0001-01-02: the day before still exists */
#define LAST_ORDINAL 3652058u   /* 9999-12-30 */

/* When a daily event starts on date, in UTC ns. A local time skipped by a
 * daylight-saving change airs as the clock jumps over it, an hour later on the
 * local clock. Returns FALSE if the day has no such time even so. */
gboolean loa_schedule_daily_start(GTimeZone *tz, const LoaEvent *event, const LoaDate *date,
                                  gint64 *start_ns);

/* The ordinal range of days a daily event may air on, clipped to [lo, hi].
 * Returns FALSE if empty. */
gboolean loa_schedule_daily_days(const LoaEvent *event, guint32 lo, guint32 hi, guint32 *first,
                                 guint32 *last);
