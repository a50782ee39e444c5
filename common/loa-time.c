/* Civil time, UTC and the system clocks: the one place where they meet. */
#include "loa-time.h"

#include "i18n.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

G_DEFINE_QUARK(loa-time-error-quark, loa_time_error)

GTimeZone *
loa_time_zone_new(const char *identifier, GError **error)
{
  GTimeZone *tz = g_time_zone_new_identifier(identifier);
  if (tz == NULL)
    g_set_error(error, LOA_TIME_ERROR, LOA_TIME_ERROR_TIMEZONE,
                _("unknown time zone '%s' (expected an IANA name such as Asia/Ho_Chi_Minh)"),
                identifier);
  return tz;
}

/* Reads exactly `width` ASCII digits. */
static gboolean
read_digits(const char **p, int width, int *value)
{
  int v = 0;
  for (int i = 0; i < width; i++) {
    char c = (*p)[i];
    if (c < '0' || c > '9')
      return FALSE;
    v = v * 10 + (c - '0');
  }
  *p += width;
  *value = v;
  return TRUE;
}

static gboolean
date_is_valid(int year, int month, int day)
{
  return year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 &&
         day <= g_date_get_days_in_month((GDateMonth)month, (GDateYear)year);
}

static gboolean
parse_date_prefix(const char **p, LoaDate *date, const char *text, GError **error)
{
  int y, m, d;
  if (!read_digits(p, 4, &y) || *(*p)++ != '-' || !read_digits(p, 2, &m) ||
      *(*p)++ != '-' || !read_digits(p, 2, &d)) {
    g_set_error(error, LOA_TIME_ERROR, LOA_TIME_ERROR_SYNTAX,
                _("'%s' is not a date of the form YYYY-MM-DD"), text);
    return FALSE;
  }
  if (!date_is_valid(y, m, d)) {
    g_set_error(error, LOA_TIME_ERROR, LOA_TIME_ERROR_INVALID,
                _("'%s' is not a date that exists"), text);
    return FALSE;
  }
  date->year = y;
  date->month = m;
  date->day = d;
  return TRUE;
}

static gboolean
parse_time_prefix(const char **p, int *seconds, gboolean seconds_optional,
                  const char *text, GError **error)
{
  int h, mi, s = 0;
  if (!read_digits(p, 2, &h) || *(*p)++ != ':' || !read_digits(p, 2, &mi)) {
    g_set_error(error, LOA_TIME_ERROR, LOA_TIME_ERROR_SYNTAX,
                _("'%s' is not a time of the form HH:MM:SS"), text);
    return FALSE;
  }
  if (**p == ':') {
    (*p)++;
    if (!read_digits(p, 2, &s)) {
      g_set_error(error, LOA_TIME_ERROR, LOA_TIME_ERROR_SYNTAX,
                  _("'%s' is not a time of the form HH:MM:SS"), text);
      return FALSE;
    }
  } else if (!seconds_optional) {
    g_set_error(error, LOA_TIME_ERROR, LOA_TIME_ERROR_SYNTAX,
                _("'%s' is not a time of the form HH:MM:SS"), text);
    return FALSE;
  }
  if (h > 23 || mi > 59 || s > 59) {
    g_set_error(error, LOA_TIME_ERROR, LOA_TIME_ERROR_INVALID,
                _("'%s' is not a time that exists (00:00:00 to 23:59:59)"), text);
    return FALSE;
  }
  *seconds = h * 3600 + mi * 60 + s;
  return TRUE;
}

gboolean
loa_date_parse(const char *text, LoaDate *date, GError **error)
{
  const char *p = text;
  if (!parse_date_prefix(&p, date, text, error))
    return FALSE;
  if (*p != '\0') {
    g_set_error(error, LOA_TIME_ERROR, LOA_TIME_ERROR_SYNTAX,
                _("'%s' is not a date of the form YYYY-MM-DD"), text);
    return FALSE;
  }
  return TRUE;
}

gboolean
loa_time_of_day_parse(const char *text, int *seconds, GError **error)
{
  const char *p = text;
  if (!parse_time_prefix(&p, seconds, FALSE, text, error))
    return FALSE;
  if (*p != '\0') {
    g_set_error(error, LOA_TIME_ERROR, LOA_TIME_ERROR_SYNTAX,
                _("'%s' is not a time of the form HH:MM:SS"), text);
    return FALSE;
  }
  return TRUE;
}

gboolean
loa_civil_to_utc(GTimeZone *tz, const LoaDate *date, int seconds_of_day, gint64 *utc_ns,
                 GError **error)
{
  int h = seconds_of_day / 3600, mi = seconds_of_day / 60 % 60, s = seconds_of_day % 60;
  g_autoptr(GDateTime) dt = g_date_time_new(tz, date->year, date->month, date->day, h, mi, s);
  /* GDateTime silently moves non-existent local times (DST gaps); refuse them. */
  if (dt == NULL || g_date_time_get_hour(dt) != h || g_date_time_get_minute(dt) != mi ||
      g_date_time_get_day_of_month(dt) != date->day) {
    g_set_error(error, LOA_TIME_ERROR, LOA_TIME_ERROR_INVALID,
                _("%04d-%02d-%02d %02d:%02d:%02d does not exist in time zone %s"),
                date->year, date->month, date->day, h, mi, s, g_time_zone_get_identifier(tz));
    return FALSE;
  }
  *utc_ns = g_date_time_to_unix(dt) * LOA_NS_PER_SECOND;
  return TRUE;
}

gboolean
loa_datetime_parse(GTimeZone *tz, const char *text, gint64 *utc_ns, GError **error)
{
  const char *p = text;
  LoaDate date;
  int seconds;
  g_autoptr(GError) local = NULL;

  if (!parse_date_prefix(&p, &date, text, &local) || *p++ != ' ' ||
      !parse_time_prefix(&p, &seconds, FALSE, text, &local) || *p != '\0') {
    if (local != NULL && local->code == LOA_TIME_ERROR_INVALID) {
      g_propagate_error(error, g_steal_pointer(&local));
      return FALSE;
    }
    g_set_error(error, LOA_TIME_ERROR, LOA_TIME_ERROR_SYNTAX,
                _("'%s' is not a date and time of the form YYYY-MM-DD HH:MM:SS"), text);
    return FALSE;
  }
  return loa_civil_to_utc(tz, &date, seconds, utc_ns, error);
}

gboolean
loa_time_parse_user(GTimeZone *tz, const char *text, gint64 *utc_ns, GError **error)
{
  const char *p = text;
  LoaDate date;
  int seconds = 0;

  if (strlen(text) > 19 && (text[10] == 'T' || text[10] == ' ')) {
    /* Full ISO 8601 with an offset or Z: let GLib parse it. */
    g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(text, tz);
    if (dt != NULL) {
      *utc_ns = g_date_time_to_unix(dt) * LOA_NS_PER_SECOND +
                (gint64)g_date_time_get_microsecond(dt) * 1000;
      return TRUE;
    }
  }
  if (!parse_date_prefix(&p, &date, text, error))
    return FALSE;
  if (*p == ' ' || *p == 'T') {
    p++;
    if (!parse_time_prefix(&p, &seconds, TRUE, text, error))
      return FALSE;
  }
  if (*p != '\0') {
    g_set_error(error, LOA_TIME_ERROR, LOA_TIME_ERROR_SYNTAX,
                _("'%s' is not a date (YYYY-MM-DD) or date and time (YYYY-MM-DD HH:MM:SS)"),
                text);
    return FALSE;
  }
  return loa_civil_to_utc(tz, &date, seconds, utc_ns, error);
}

void
loa_utc_to_date(GTimeZone *tz, gint64 utc_ns, LoaDate *date)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(utc_ns / LOA_NS_PER_SECOND -
                                                           (utc_ns % LOA_NS_PER_SECOND < 0));
  g_autoptr(GDateTime) local = g_date_time_to_timezone(utc, tz);
  date->year = g_date_time_get_year(local);
  date->month = g_date_time_get_month(local);
  date->day = g_date_time_get_day_of_month(local);
}

guint32
loa_date_ordinal(const LoaDate *date)
{
  GDate d;
  g_date_clear(&d, 1);
  g_date_set_dmy(&d, (GDateDay)date->day, (GDateMonth)date->month, (GDateYear)date->year);
  return g_date_get_julian(&d);
}

void
loa_date_from_ordinal(guint32 ordinal, LoaDate *date)
{
  GDate d;
  g_date_clear(&d, 1);
  g_date_set_julian(&d, ordinal);
  date->year = g_date_get_year(&d);
  date->month = g_date_get_month(&d);
  date->day = g_date_get_day(&d);
}

int
loa_date_compare(const LoaDate *a, const LoaDate *b)
{
  guint32 x = loa_date_ordinal(a), y = loa_date_ordinal(b);
  return (x > y) - (x < y);
}

/* Rounded to the nearest millisecond: a spot that started 40 µs before 06:00
 * reads 06:00:00.000, not 05:59:59.999. */
static GDateTime *
local_datetime(GTimeZone *tz, gint64 utc_ns, int *millis)
{
  utc_ns += utc_ns >= 0 ? 500000 : -500000;
  utc_ns -= utc_ns % 1000000;
  gint64 seconds = utc_ns / LOA_NS_PER_SECOND;
  gint64 rest = utc_ns % LOA_NS_PER_SECOND;
  if (rest < 0) {
    seconds -= 1;
    rest += LOA_NS_PER_SECOND;
  }
  *millis = (int)(rest / 1000000);
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(seconds);
  return g_date_time_to_timezone(utc, tz);
}

char *
loa_time_format_iso(GTimeZone *tz, gint64 utc_ns)
{
  int millis;
  g_autoptr(GDateTime) local = local_datetime(tz, utc_ns, &millis);
  g_autofree char *date = g_date_time_format(local, "%Y-%m-%dT%H:%M:%S");
  gint64 offset = g_date_time_get_utc_offset(local) / G_TIME_SPAN_MINUTE;
  char sign = offset < 0 ? '-' : '+';
  if (offset < 0)
    offset = -offset;
  return g_strdup_printf("%s.%03d%c%02d:%02d", date, millis, sign, (int)(offset / 60),
                         (int)(offset % 60));
}

char *
loa_time_format_local(GTimeZone *tz, gint64 utc_ns)
{
  int millis;
  g_autoptr(GDateTime) local = local_datetime(tz, utc_ns, &millis);
  g_autofree char *date = g_date_time_format(local, "%Y-%m-%d %H:%M:%S");
  return g_strdup_printf("%s.%03d", date, millis);
}

static gint64
clock_ns(clockid_t id)
{
  struct timespec ts;
  clock_gettime(id, &ts);
  return (gint64)ts.tv_sec * LOA_NS_PER_SECOND + ts.tv_nsec;
}

/* Test hook for wall-clock steps: a real step of the system clock needs root
 * and disturbs the whole machine, so tests point LOA_TEST_WALL_OFFSET_FILE at
 * a file holding an offset in nanoseconds that is added to the wall clock.
 * The file is read again when its modification time changes. Without the
 * variable (every real run) this costs one getenv per call. */
static gint64
test_wall_offset(void)
{
  const char *path = g_getenv("LOA_TEST_WALL_OFFSET_FILE");
  if (path == NULL)
    return 0;
  static gint64 offset;          /* test-only cache, see above */
  static gint64 seen_mtime = -1;
  GStatBuf st;
  if (g_stat(path, &st) != 0)
    return offset;
  gint64 mtime = (gint64)st.st_mtim.tv_sec * LOA_NS_PER_SECOND + st.st_mtim.tv_nsec;
  if (mtime != seen_mtime) {
    g_autofree char *text = NULL;
    if (g_file_get_contents(path, &text, NULL, NULL)) {
      offset = g_ascii_strtoll(text, NULL, 10);
      seen_mtime = mtime;
    }
  }
  return offset;
}

gint64
loa_time_now_wall_ns(void)
{
  return clock_ns(CLOCK_REALTIME) + test_wall_offset();
}

gint64
loa_time_now_monotonic_ns(void)
{
  return clock_ns(CLOCK_MONOTONIC);
}

gint64
loa_time_wall_minus_monotonic_ns(void)
{
  /* Bracket the realtime read between two monotonic reads and keep the
   * tightest of a few tries: a preemption between reads would skew the offset. */
  gint64 best_offset = 0, best_span = G_MAXINT64;
  for (int i = 0; i < 5; i++) {
    gint64 m1 = clock_ns(CLOCK_MONOTONIC);
    gint64 w = clock_ns(CLOCK_REALTIME);
    gint64 m2 = clock_ns(CLOCK_MONOTONIC);
    if (m2 - m1 < best_span) {
      best_span = m2 - m1;
      best_offset = w - (m1 + (m2 - m1) / 2);
    }
  }
  return best_offset + test_wall_offset();
}
