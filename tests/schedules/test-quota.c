/* Unit tests of the quota rules: met, missed and in progress with their
 * shortfall, monthly and yearly periods, several quotas judged on the same
 * tallies, topic matching, combining lines into the station's verdict, and
 * quotas written on a command line. */
#include "quota.h"

#include <string.h>

static LoaQuotaConfig article = { "attt", "article", "month", 1, 0 };
static LoaQuotaConfig news = { "attt", "news", "month", 2, 0 };
static LoaQuotaConfig yearly = { "pccc", "announcement", "year", 6, 0 };

static void
test_periods(void)
{
  LoaQuotaPeriod period = LOA_QUOTA_PER_YEAR;
  g_assert_true(loa_quota_period_from_name("month", &period));
  g_assert_cmpint(period, ==, LOA_QUOTA_PER_MONTH);
  g_assert_true(loa_quota_period_from_name("year", &period));
  g_assert_cmpint(period, ==, LOA_QUOTA_PER_YEAR);
  g_assert_false(loa_quota_period_from_name("week", &period));
  g_assert_false(loa_quota_period_from_name(NULL, &period));
  g_assert_cmpstr(loa_quota_period_name(LOA_QUOTA_PER_MONTH), ==, "month");
  g_assert_cmpstr(loa_quota_period_name(LOA_QUOTA_PER_YEAR), ==, "year");
  g_assert_cmpint(loa_quota_period(&article), ==, LOA_QUOTA_PER_MONTH);
  g_assert_cmpint(loa_quota_period(&yearly), ==, LOA_QUOTA_PER_YEAR);
}

static void
test_judge(void)
{
  LoaQuotaVerdict v = loa_quota_judge(&news, 2, TRUE);
  g_assert_cmpint(v.state, ==, LOA_QUOTA_MET);
  g_assert_cmpint(v.counted, ==, 2);
  g_assert_cmpint(v.required, ==, 2);
  g_assert_cmpint(v.shortfall, ==, 0);

  v = loa_quota_judge(&news, 5, TRUE);  /* more than asked is met, never negative */
  g_assert_cmpint(v.state, ==, LOA_QUOTA_MET);
  g_assert_cmpint(v.shortfall, ==, 0);

  v = loa_quota_judge(&news, 1, TRUE);
  g_assert_cmpint(v.state, ==, LOA_QUOTA_MISSED);
  g_assert_cmpint(v.shortfall, ==, 1);

  v = loa_quota_judge(&news, 0, TRUE);
  g_assert_cmpint(v.state, ==, LOA_QUOTA_MISSED);
  g_assert_cmpint(v.shortfall, ==, 2);

  /* A period not over is in progress, not missed; met is met at once. */
  v = loa_quota_judge(&news, 1, FALSE);
  g_assert_cmpint(v.state, ==, LOA_QUOTA_IN_PROGRESS);
  g_assert_cmpint(v.shortfall, ==, 1);
  v = loa_quota_judge(&news, 2, FALSE);
  g_assert_cmpint(v.state, ==, LOA_QUOTA_MET);

  v = loa_quota_judge(&yearly, 5, TRUE);
  g_assert_cmpint(v.state, ==, LOA_QUOTA_MISSED);
  g_assert_cmpint(v.required, ==, 6);
  g_assert_cmpint(v.shortfall, ==, 1);

  g_assert_cmpstr(loa_quota_state_key(LOA_QUOTA_MET), ==, "met");
  g_assert_cmpstr(loa_quota_state_key(LOA_QUOTA_IN_PROGRESS), ==, "in-progress");
  g_assert_cmpstr(loa_quota_state_key(LOA_QUOTA_MISSED), ==, "missed");
  g_assert_cmpstr(loa_quota_state_label(LOA_QUOTA_MISSED), ==, "missed");
}

static void
test_matches(void)
{
  g_assert_true(loa_quota_matches(&article, "attt", "article"));
  g_assert_true(loa_quota_matches(&article, "ATTT", "article"));
  g_assert_false(loa_quota_matches(&article, "attt", "news"));
  g_assert_false(loa_quota_matches(&article, "attt", "Article"));  /* categories are fixed words */
  g_assert_false(loa_quota_matches(&article, "attt ", "article"));
  g_assert_false(loa_quota_matches(&article, "", "article"));
  g_assert_false(loa_quota_matches(&article, NULL, "article"));
  g_assert_false(loa_quota_matches(&article, "attt", NULL));

  /* Vietnamese topics: case and composition do not matter. */
  LoaQuotaConfig vietnamese = { "an toàn thông tin", "news", "month", 1, 0 };
  g_assert_true(loa_quota_matches(&vietnamese, "AN TOÀN THÔNG TIN", "news"));
  g_assert_true(loa_quota_matches(&vietnamese, "an toa\xcc\x80n tho\xcc\x82ng tin", "news"));
  g_assert_false(loa_quota_matches(&vietnamese, "an toan thong tin", "news"));
  /* Invalid UTF-8 is compared as it is, and does not crash. */
  g_assert_false(loa_quota_matches(&vietnamese, "an to\xff", "news"));
}

static void
test_several(void)
{
  LoaQuotaConfig *list[] = { &article, &news, &yearly };
  GPtrArray quotas = { .pdata = (gpointer *)list, .len = G_N_ELEMENTS(list) };
  const LoaQuotaTally tallies[] = {
    { "attt", "news", 1 },
    { "ATTT", "news", 1 },          /* another spelling of the same topic adds up */
    { "attt", "report", 4 },        /* another category: counts for nothing */
    { "pccc", "announcement", 2 },
    { "pccc", "announcement", 1 },
  };
  g_autoptr(GArray) verdicts = loa_quota_judge_all(&quotas, tallies, G_N_ELEMENTS(tallies), TRUE);
  g_assert_cmpuint(verdicts->len, ==, 3);
  LoaQuotaVerdict *v = (LoaQuotaVerdict *)verdicts->data;
  g_assert_cmpint(v[0].state, ==, LOA_QUOTA_MISSED);
  g_assert_cmpint(v[0].counted, ==, 0);
  g_assert_cmpint(v[0].shortfall, ==, 1);
  g_assert_cmpint(v[1].state, ==, LOA_QUOTA_MET);
  g_assert_cmpint(v[1].counted, ==, 2);
  g_assert_cmpint(v[2].state, ==, LOA_QUOTA_MISSED);
  g_assert_cmpint(v[2].counted, ==, 3);
  g_assert_cmpint(v[2].shortfall, ==, 3);

  /* No tallies at all: everything short by its whole quota. */
  g_autoptr(GArray) empty = loa_quota_judge_all(&quotas, NULL, 0, FALSE);
  v = (LoaQuotaVerdict *)empty->data;
  for (guint i = 0; i < empty->len; i++) {
    g_assert_cmpint(v[i].state, ==, LOA_QUOTA_IN_PROGRESS);
    g_assert_cmpint(v[i].shortfall, ==, ((LoaQuotaConfig *)list[i])->at_least);
  }

  /* No quotas: no verdicts. */
  GPtrArray none = { 0 };
  g_autoptr(GArray) nothing = loa_quota_judge_all(&none, tallies, G_N_ELEMENTS(tallies), TRUE);
  g_assert_cmpuint(nothing->len, ==, 0);
}

static void
test_combine(void)
{
  /* The station meets a quota only where every line does: the fewest
   * airings, the largest shortfall, the worst state. */
  LoaQuotaVerdict a = loa_quota_judge(&news, 3, TRUE);
  LoaQuotaVerdict b = loa_quota_judge(&news, 1, TRUE);
  LoaQuotaVerdict c = loa_quota_judge(&news, 0, FALSE);
  LoaQuotaVerdict ab = loa_quota_verdict_combine(a, b);
  g_assert_cmpint(ab.state, ==, LOA_QUOTA_MISSED);
  g_assert_cmpint(ab.counted, ==, 1);
  g_assert_cmpint(ab.shortfall, ==, 1);
  LoaQuotaVerdict ac = loa_quota_verdict_combine(a, c);
  g_assert_cmpint(ac.state, ==, LOA_QUOTA_IN_PROGRESS);
  g_assert_cmpint(ac.counted, ==, 0);
  g_assert_cmpint(ac.shortfall, ==, 2);
  LoaQuotaVerdict all = loa_quota_verdict_combine(loa_quota_verdict_combine(c, a), b);
  g_assert_cmpint(all.state, ==, LOA_QUOTA_MISSED);
  g_assert_cmpint(all.counted, ==, 0);
  g_assert_cmpint(all.shortfall, ==, 2);
  LoaQuotaVerdict aa = loa_quota_verdict_combine(a, a);
  g_assert_cmpint(aa.state, ==, LOA_QUOTA_MET);
  g_assert_cmpint(aa.counted, ==, 3);
}

static void
test_parse(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaQuotaConfig) news_quota = loa_quota_parse("attt/news/2", &error);
  g_assert_no_error(error);
  g_assert_cmpstr(news_quota->topic, ==, "attt");
  g_assert_cmpstr(news_quota->category, ==, "news");
  g_assert_cmpstr(news_quota->per, ==, "month");
  g_assert_cmpint(news_quota->at_least, ==, 2);
  g_autoptr(LoaQuotaConfig) year_quota = loa_quota_parse("an toàn thông tin/article/12/year", &error);
  g_assert_no_error(error);
  g_assert_cmpstr(year_quota->topic, ==, "an toàn thông tin");
  g_assert_cmpint(loa_quota_period(year_quota), ==, LOA_QUOTA_PER_YEAR);
  g_autoptr(LoaQuotaConfig) copy = loa_quota_copy(year_quota);
  g_assert_cmpstr(copy->topic, ==, year_quota->topic);
  g_assert_true(copy->topic != year_quota->topic);

  static const char *const bad[] = { "attt/news", "attt/news/0", "attt/news/-1", "attt/news/x",
                                     "attt/blog/1", "/news/1", "attt/news/1/week",
                                     "attt/news/1/month/x", "" };
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_clear_error(&error);
    g_assert_null(loa_quota_parse(bad[i], &error));
    g_assert_error(error, LOA_QUOTA_ERROR, LOA_QUOTA_ERROR_INVALID);
    g_autofree char *quoted = g_strdup_printf("'%s'", bad[i]);
    g_assert_nonnull(strstr(error->message, quoted));
  }
  g_assert_true(loa_quota_category_is_valid("announcement"));
  g_assert_false(loa_quota_category_is_valid("Article"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/quota/periods", test_periods);
  g_test_add_func("/quota/judge", test_judge);
  g_test_add_func("/quota/matches", test_matches);
  g_test_add_func("/quota/several", test_several);
  g_test_add_func("/quota/combine", test_combine);
  g_test_add_func("/quota/parse", test_parse);
  return g_test_run();
}
