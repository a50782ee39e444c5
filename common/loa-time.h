/* Civil time <-> UTC nanoseconds, and wall clock <-> monotonic clock.
 *
 * Schedules speak the station's local civil time to the second; the database
 * stores UTC nanoseconds; the audio pipelines run on the monotonic clock. All
 * conversions between these three live here and nowhere else. */
#pragma once

#include <glib.h>

#define LOA_TIME_ERROR (loa_time_error_quark())
GQuark loa_time_error_quark(void);

typedef enum {
  LOA_TIME_ERROR_SYNTAX,      /* text does not have the expected shape */
  LOA_TIME_ERROR_INVALID,     /* well-formed but does not exist (2026-02-30, 25:00:00) */
  LOA_TIME_ERROR_TIMEZONE,    /* unknown time zone identifier */
} LoaTimeError;

#define LOA_NS_PER_SECOND G_GINT64_CONSTANT(1000000000)

/* A calendar date without time zone. */
typedef struct {
  int year;   /* 1..9999 */
  int month;  /* 1..12 */
  int day;    /* 1..31, valid for the month */
} LoaDate;

/* Returns a new reference to the named IANA zone, or NULL with
 * LOA_TIME_ERROR_TIMEZONE when the system has no such zone. */
GTimeZone *loa_time_zone_new(const char *identifier, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Parses "YYYY-MM-DD". */
gboolean loa_date_parse(const char *text, LoaDate *date, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Parses "HH:MM:SS" (24 h) into seconds since local midnight. */
gboolean loa_time_of_day_parse(const char *text, int *seconds, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Parses "YYYY-MM-DD HH:MM:SS" as civil time in tz into UTC nanoseconds. */
gboolean loa_datetime_parse(GTimeZone *tz, const char *text, gint64 *utc_ns,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Local civil date + seconds since midnight in tz -> UTC nanoseconds.
 * Fails with LOA_TIME_ERROR_INVALID if that local time does not exist. */
gboolean loa_civil_to_utc(GTimeZone *tz, const LoaDate *date, int seconds_of_day,
                          gint64 *utc_ns, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* UTC nanoseconds -> local civil date in tz. */
void loa_utc_to_date(GTimeZone *tz, gint64 utc_ns, LoaDate *date);

/* Days since 0001-01-01 (Julian day style ordinal), for date arithmetic. */
guint32 loa_date_ordinal(const LoaDate *date);
void loa_date_from_ordinal(guint32 ordinal, LoaDate *date);
/* -1, 0, 1 like strcmp. */
int loa_date_compare(const LoaDate *a, const LoaDate *b);

/* ISO 8601 local time with milliseconds and offset, e.g.
 * "2026-11-28T06:00:00.000+07:00". Returns a newly allocated string. */
char *loa_time_format_iso(GTimeZone *tz, gint64 utc_ns) G_GNUC_WARN_UNUSED_RESULT;

/* "2026-11-28 06:00:00.000" in tz, for tables. Newly allocated. */
char *loa_time_format_local(GTimeZone *tz, gint64 utc_ns) G_GNUC_WARN_UNUSED_RESULT;

/* Parses a user-given instant: "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]" or ISO 8601
 * with offset; civil forms are taken in tz. */
gboolean loa_time_parse_user(GTimeZone *tz, const char *text, gint64 *utc_ns,
                             GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* System clocks in nanoseconds. The wall clock includes the test offset of
 * $LOA_TEST_WALL_OFFSET_FILE when that is set (tests of clock steps only). */
gint64 loa_time_now_wall_ns(void);
gint64 loa_time_now_monotonic_ns(void);

/* The offset wall − monotonic at this instant, read as tightly as possible.
 * Valid until the wall clock is stepped; callers re-read it when placing each
 * airing so a step only ever affects airings placed after it. */
gint64 loa_time_wall_minus_monotonic_ns(void);
