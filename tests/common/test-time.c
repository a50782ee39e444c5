/* Unit tests of civil time: parsing, civil <-> UTC in the station's zone
 * (Asia/Ho_Chi_Minh, UTC+7 all year) and in a zone with daylight saving
 * (Europe/Berlin), formatting, date arithmetic. */
#include "loa-time.h"

#include <string.h>

#define NS(seconds) ((gint64)(seconds) * LOA_NS_PER_SECOND)

/* 2026-11-28 06:00:00 +07:00 = 2026-11-27 23:00:00 UTC. */
#define NOV_28_0600_HCM G_GINT64_CONSTANT(1795820400)

static GTimeZone *
zone(const char *name)
{
  g_autoptr(GError) error = NULL;
  GTimeZone *tz = loa_time_zone_new(name, &error);
  g_assert_no_error(error);
  return tz;
}

static void
test_zone(void)
{
  g_autoptr(GError) error = NULL;
  g_assert_null(loa_time_zone_new("Mars/Olympus_Mons", &error));
  g_assert_error(error, LOA_TIME_ERROR, LOA_TIME_ERROR_TIMEZONE);
  g_autoptr(GTimeZone) tz = zone("Asia/Ho_Chi_Minh");
  g_assert_cmpstr(g_time_zone_get_identifier(tz), ==, "Asia/Ho_Chi_Minh");
}

static void
test_datetime_parse(void)
{
  g_autoptr(GTimeZone) tz = zone("Asia/Ho_Chi_Minh");
  g_autoptr(GError) error = NULL;
  gint64 ns = 0;
  g_assert_true(loa_datetime_parse(tz, "2026-11-28 06:00:00", &ns, &error));
  g_assert_no_error(error);
  g_assert_cmpint(ns, ==, NS(NOV_28_0600_HCM));

  g_assert_true(loa_datetime_parse(tz, "2026-11-28 00:00:00", &ns, &error));
  g_assert_cmpint(ns, ==, NS(NOV_28_0600_HCM - 6 * 3600));
  g_assert_true(loa_datetime_parse(tz, "2028-02-29 23:59:59", &ns, &error)); /* leap year */
}

static void
test_invalid(void)
{
  g_autoptr(GTimeZone) tz = zone("Asia/Ho_Chi_Minh");
  static const struct {
    const char *text;
    int code;
  } datetimes[] = {
    { "2026-02-30 06:00:00", LOA_TIME_ERROR_INVALID },
    { "2026-02-29 06:00:00", LOA_TIME_ERROR_INVALID },
    { "2026-13-01 06:00:00", LOA_TIME_ERROR_INVALID },
    { "2026-11-00 06:00:00", LOA_TIME_ERROR_INVALID },
    { "2026-11-28 24:00:00", LOA_TIME_ERROR_INVALID },
    { "2026-11-28 23:60:00", LOA_TIME_ERROR_INVALID },
    { "2026-11-28 23:59:60", LOA_TIME_ERROR_INVALID },
    { "2026-11-28 6:00:00", LOA_TIME_ERROR_SYNTAX },
    { "2026-11-28 06:00", LOA_TIME_ERROR_SYNTAX },
    { "2026-11-28T06:00:00", LOA_TIME_ERROR_SYNTAX },
    { "2026-11-28 06:00:00 ", LOA_TIME_ERROR_SYNTAX },
    { "28/11/2026 06:00:00", LOA_TIME_ERROR_SYNTAX },
    { "", LOA_TIME_ERROR_SYNTAX },
  };
  for (guint i = 0; i < G_N_ELEMENTS(datetimes); i++) {
    g_autoptr(GError) error = NULL;
    gint64 ns = 12345;
    g_assert_false(loa_datetime_parse(tz, datetimes[i].text, &ns, &error));
    g_assert_error(error, LOA_TIME_ERROR, datetimes[i].code);
    g_assert_cmpint(ns, ==, 12345);
  }

  static const struct {
    const char *text;
    int code;
  } dates[] = {
    { "2026-02-30", LOA_TIME_ERROR_INVALID },
    { "2026-04-31", LOA_TIME_ERROR_INVALID },
    { "0000-01-01", LOA_TIME_ERROR_INVALID },
    { "2026-1-01", LOA_TIME_ERROR_SYNTAX },
    { "2026-11-28x", LOA_TIME_ERROR_SYNTAX },
  };
  for (guint i = 0; i < G_N_ELEMENTS(dates); i++) {
    g_autoptr(GError) error = NULL;
    LoaDate date;
    g_assert_false(loa_date_parse(dates[i].text, &date, &error));
    g_assert_error(error, LOA_TIME_ERROR, dates[i].code);
  }

  static const struct {
    const char *text;
    int code;
  } times[] = {
    { "24:00:00", LOA_TIME_ERROR_INVALID },
    { "12:60:00", LOA_TIME_ERROR_INVALID },
    { "17:30", LOA_TIME_ERROR_SYNTAX },
    { "17:30:00.5", LOA_TIME_ERROR_SYNTAX },
    { "5:30:00", LOA_TIME_ERROR_SYNTAX },
  };
  for (guint i = 0; i < G_N_ELEMENTS(times); i++) {
    g_autoptr(GError) error = NULL;
    int seconds;
    g_assert_false(loa_time_of_day_parse(times[i].text, &seconds, &error));
    g_assert_error(error, LOA_TIME_ERROR, times[i].code);
  }

  int seconds = -1;
  g_assert_true(loa_time_of_day_parse("17:30:05", &seconds, NULL));
  g_assert_cmpint(seconds, ==, 17 * 3600 + 30 * 60 + 5);
  g_assert_true(loa_time_of_day_parse("00:00:00", &seconds, NULL));
  g_assert_cmpint(seconds, ==, 0);
}

static void
test_civil_to_utc(void)
{
  g_autoptr(GTimeZone) tz = zone("Asia/Ho_Chi_Minh");
  LoaDate date = { 2026, 11, 28 };
  gint64 ns = 0;
  g_assert_true(loa_civil_to_utc(tz, &date, 6 * 3600, &ns, NULL));
  g_assert_cmpint(ns, ==, NS(NOV_28_0600_HCM));

  LoaDate back;
  loa_utc_to_date(tz, ns, &back);
  g_assert_cmpint(loa_date_compare(&back, &date), ==, 0);
  /* 23:30 UTC on the 27th is already the 28th in Cần Thơ. */
  loa_utc_to_date(tz, NS(NOV_28_0600_HCM + 30 * 60), &back);
  g_assert_cmpint(back.day, ==, 28);
  loa_utc_to_date(tz, NS(NOV_28_0600_HCM - 6 * 3600 - 1), &back);
  g_assert_cmpint(back.day, ==, 27);
}

static void
test_format(void)
{
  g_autoptr(GTimeZone) tz = zone("Asia/Ho_Chi_Minh");
  g_autofree char *iso = loa_time_format_iso(tz, NS(NOV_28_0600_HCM));
  g_assert_cmpstr(iso, ==, "2026-11-28T06:00:00.000+07:00");
  g_autofree char *iso_ms = loa_time_format_iso(tz, NS(NOV_28_0600_HCM) + 123456789);
  g_assert_cmpstr(iso_ms, ==, "2026-11-28T06:00:00.123+07:00");
  g_autofree char *local = loa_time_format_local(tz, NS(NOV_28_0600_HCM) + 5000000);
  g_assert_cmpstr(local, ==, "2026-11-28 06:00:00.005");
  /* Rounded to the nearest millisecond, never truncated. */
  g_autofree char *just_before = loa_time_format_local(tz, NS(NOV_28_0600_HCM) - 1);
  g_assert_cmpstr(just_before, ==, "2026-11-28 06:00:00.000");
  g_autofree char *one_ms_before = loa_time_format_local(tz, NS(NOV_28_0600_HCM) - 1000000);
  g_assert_cmpstr(one_ms_before, ==, "2026-11-28 05:59:59.999");
  g_autofree char *below_half = loa_time_format_local(tz, NS(NOV_28_0600_HCM) + 499999);
  g_assert_cmpstr(below_half, ==, "2026-11-28 06:00:00.000");
  g_autofree char *half = loa_time_format_local(tz, NS(NOV_28_0600_HCM) + 500000);
  g_assert_cmpstr(half, ==, "2026-11-28 06:00:00.001");
  /* Before the epoch too. */
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
  g_autofree char *before = loa_time_format_local(utc, -1000000);
  g_assert_cmpstr(before, ==, "1969-12-31 23:59:59.999");
  g_autofree char *epoch = loa_time_format_local(utc, -1);
  g_assert_cmpstr(epoch, ==, "1970-01-01 00:00:00.000");

  g_autoptr(GTimeZone) berlin = zone("Europe/Berlin");
  g_autofree char *summer = loa_time_format_iso(berlin, NS(1784000000));
  g_assert_true(g_str_has_suffix(summer, "+02:00"));
  g_autofree char *winter = loa_time_format_iso(berlin, NS(NOV_28_0600_HCM));
  g_assert_cmpstr(winter, ==, "2026-11-28T00:00:00.000+01:00");
}

static void
test_dst(void)
{
  g_autoptr(GTimeZone) tz = zone("Europe/Berlin");
  g_autoptr(GError) error = NULL;
  gint64 ns = 0;
  /* 2026-03-29: clocks jump from 02:00 to 03:00; 02:30 never happens. */
  g_assert_false(loa_datetime_parse(tz, "2026-03-29 02:30:00", &ns, &error));
  g_assert_error(error, LOA_TIME_ERROR, LOA_TIME_ERROR_INVALID);
  g_clear_error(&error);
  LoaDate day = { 2026, 3, 29 };
  g_assert_false(loa_civil_to_utc(tz, &day, 2 * 3600 + 1800, &ns, &error));
  g_assert_error(error, LOA_TIME_ERROR, LOA_TIME_ERROR_INVALID);
  g_clear_error(&error);

  /* Either side of the gap exists, one hour of UTC apart. */
  gint64 before = 0, after = 0;
  g_assert_true(loa_datetime_parse(tz, "2026-03-29 01:59:59", &before, NULL));
  g_assert_true(loa_datetime_parse(tz, "2026-03-29 03:00:00", &after, NULL));
  g_assert_cmpint(after - before, ==, NS(1));

  /* 2026-10-25 02:30 happens twice; it is accepted. */
  g_assert_true(loa_datetime_parse(tz, "2026-10-25 02:30:00", &ns, &error));
  g_assert_no_error(error);
}

static void
test_parse_user(void)
{
  g_autoptr(GTimeZone) tz = zone("Asia/Ho_Chi_Minh");
  gint64 ns = 0;
  g_assert_true(loa_time_parse_user(tz, "2026-11-28", &ns, NULL));
  g_assert_cmpint(ns, ==, NS(NOV_28_0600_HCM - 6 * 3600));
  g_assert_true(loa_time_parse_user(tz, "2026-11-28 06:00", &ns, NULL));
  g_assert_cmpint(ns, ==, NS(NOV_28_0600_HCM));
  g_assert_true(loa_time_parse_user(tz, "2026-11-28T06:00:00+07:00", &ns, NULL));
  g_assert_cmpint(ns, ==, NS(NOV_28_0600_HCM));
  g_assert_true(loa_time_parse_user(tz, "2026-11-27T23:00:00Z", &ns, NULL));
  g_assert_cmpint(ns, ==, NS(NOV_28_0600_HCM));
  g_autoptr(GError) error = NULL;
  g_assert_false(loa_time_parse_user(tz, "tomorrow", &ns, &error));
  g_assert_error(error, LOA_TIME_ERROR, LOA_TIME_ERROR_SYNTAX);
}

static void
test_ordinals(void)
{
  LoaDate a = { 2026, 11, 30 }, b = { 2026, 12, 1 }, c = { 2028, 2, 29 };
  g_assert_cmpuint(loa_date_ordinal(&b) - loa_date_ordinal(&a), ==, 1);
  g_assert_cmpint(loa_date_compare(&a, &b), ==, -1);
  g_assert_cmpint(loa_date_compare(&b, &a), ==, 1);
  g_assert_cmpint(loa_date_compare(&a, &a), ==, 0);
  LoaDate next;
  loa_date_from_ordinal(loa_date_ordinal(&c) + 1, &next);
  g_assert_cmpint(next.year, ==, 2028);
  g_assert_cmpint(next.month, ==, 3);
  g_assert_cmpint(next.day, ==, 1);
}

static void
test_clocks(void)
{
  gint64 wall = loa_time_now_wall_ns();
  g_assert_cmpint(wall, >, NS(1700000000));
  gint64 m1 = loa_time_now_monotonic_ns();
  gint64 m2 = loa_time_now_monotonic_ns();
  g_assert_cmpint(m2, >=, m1);
  gint64 offset = loa_time_wall_minus_monotonic_ns();
  gint64 estimate = loa_time_now_wall_ns() - loa_time_now_monotonic_ns();
  g_assert_cmpint(ABS(offset - estimate), <, NS(1) / 10);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/common/time/zone", test_zone);
  g_test_add_func("/common/time/datetime-parse", test_datetime_parse);
  g_test_add_func("/common/time/invalid", test_invalid);
  g_test_add_func("/common/time/civil-to-utc", test_civil_to_utc);
  g_test_add_func("/common/time/format", test_format);
  g_test_add_func("/common/time/dst", test_dst);
  g_test_add_func("/common/time/parse-user", test_parse_user);
  g_test_add_func("/common/time/ordinals", test_ordinals);
  g_test_add_func("/common/time/clocks", test_clocks);
  return g_test_run();
}
