/* Quota rules (see quota.h). */
#include "quota.h"

#include "i18n.h"

#include <string.h>

G_DEFINE_QUARK(loa-quota-error-quark, loa_quota_error)

gboolean
loa_quota_period_from_name(const char *name, LoaQuotaPeriod *period)
{
  if (g_strcmp0(name, "month") == 0)
    *period = LOA_QUOTA_PER_MONTH;
  else if (g_strcmp0(name, "year") == 0)
    *period = LOA_QUOTA_PER_YEAR;
  else
    return FALSE;
  return TRUE;
}

const char *
loa_quota_period_name(LoaQuotaPeriod period)
{
  return period == LOA_QUOTA_PER_YEAR ? "year" : "month";
}

LoaQuotaPeriod
loa_quota_period(const LoaQuotaConfig *quota)
{
  LoaQuotaPeriod period = LOA_QUOTA_PER_MONTH;
  gboolean known = loa_quota_period_from_name(quota->per, &period);
  g_return_val_if_fail(known, LOA_QUOTA_PER_MONTH);
  return period;
}

gboolean
loa_quota_category_is_valid(const char *category)
{
  static const char *const categories[] = { "article", "news", "report", "announcement", "other" };
  for (size_t i = 0; i < G_N_ELEMENTS(categories); i++)
    if (g_strcmp0(category, categories[i]) == 0)
      return TRUE;
  return FALSE;
}

LoaQuotaConfig *
loa_quota_parse(const char *text, GError **error)
{
  g_auto(GStrv) parts = g_strsplit(text, "/", -1);
  guint n = g_strv_length(parts);
  guint64 at_least = 0;
  LoaQuotaPeriod period = LOA_QUOTA_PER_MONTH;
  if (n < 3 || n > 4 || *parts[0] == '\0' ||
      !g_ascii_string_to_unsigned(parts[2], 10, 1, 100000, &at_least, NULL) ||
      (n == 4 && !loa_quota_period_from_name(parts[3], &period))) {
    g_set_error(error, LOA_QUOTA_ERROR, LOA_QUOTA_ERROR_INVALID,
                _("quota '%s' is not TOPIC/CATEGORY/AT_LEAST[/month|year] "
                  "(for example attt/news/2)"),
                text);
    return NULL;
  }
  if (!loa_quota_category_is_valid(parts[1])) {
    g_set_error(error, LOA_QUOTA_ERROR, LOA_QUOTA_ERROR_INVALID,
                _("quota '%s': category '%s' is not article, news, report, announcement or other"),
                text, parts[1]);
    return NULL;
  }
  LoaQuotaConfig *quota = g_new0(LoaQuotaConfig, 1);
  quota->topic = g_strdup(parts[0]);
  quota->category = g_strdup(parts[1]);
  quota->per = g_strdup(loa_quota_period_name(period));
  quota->at_least = (int)at_least;
  return quota;
}

LoaQuotaConfig *
loa_quota_copy(const LoaQuotaConfig *quota)
{
  LoaQuotaConfig *copy = g_new0(LoaQuotaConfig, 1);
  copy->topic = g_strdup(quota->topic);
  copy->category = g_strdup(quota->category);
  copy->per = g_strdup(quota->per);
  copy->at_least = quota->at_least;
  copy->source_line = quota->source_line;
  return copy;
}

void
loa_quota_free(LoaQuotaConfig *quota)
{
  if (quota == NULL)
    return;
  g_free(quota->topic);
  g_free(quota->category);
  g_free(quota->per);
  g_free(quota);
}

const char *
loa_quota_state_key(LoaQuotaState state)
{
  switch (state) {
  case LOA_QUOTA_MET: return "met";
  case LOA_QUOTA_IN_PROGRESS: return "in-progress";
  case LOA_QUOTA_MISSED: return "missed";
  }
  g_return_val_if_reached("missed");
}

const char *
loa_quota_state_label(LoaQuotaState state)
{
  switch (state) {
  case LOA_QUOTA_MET: return _("met");
  case LOA_QUOTA_IN_PROGRESS: return _("in progress");
  case LOA_QUOTA_MISSED: return _("missed");
  }
  g_return_val_if_reached(_("missed"));
}

/* Topic text compared without regard to case or Unicode composition. */
static char *
topic_key(const char *topic)
{
  g_autofree char *nfc = g_utf8_normalize(topic, -1, G_NORMALIZE_DEFAULT_COMPOSE);
  /* Invalid UTF-8 cannot be normalised; compare it byte for byte. */
  return nfc != NULL ? g_utf8_casefold(nfc, -1) : g_strdup(topic);
}

gboolean
loa_quota_matches(const LoaQuotaConfig *quota, const char *topic, const char *category)
{
  if (topic == NULL || category == NULL || g_strcmp0(quota->category, category) != 0)
    return FALSE;
  g_autofree char *want = topic_key(quota->topic);
  g_autofree char *have = topic_key(topic);
  return strcmp(want, have) == 0;
}

LoaQuotaVerdict
loa_quota_judge(const LoaQuotaConfig *quota, gint64 counted, gboolean period_over)
{
  LoaQuotaVerdict verdict = { .counted = counted, .required = quota->at_least };
  if (counted >= verdict.required)
    verdict.state = LOA_QUOTA_MET;
  else {
    verdict.state = period_over ? LOA_QUOTA_MISSED : LOA_QUOTA_IN_PROGRESS;
    verdict.shortfall = verdict.required - counted;
  }
  return verdict;
}

LoaQuotaVerdict
loa_quota_verdict_combine(LoaQuotaVerdict a, LoaQuotaVerdict b)
{
  g_warn_if_fail(a.required == b.required);
  return (LoaQuotaVerdict){
    .state = MAX(a.state, b.state),
    .counted = MIN(a.counted, b.counted),
    .required = MAX(a.required, b.required),
    .shortfall = MAX(a.shortfall, b.shortfall),
  };
}

GArray *
loa_quota_judge_all(const GPtrArray *quotas, const LoaQuotaTally *tallies, gsize n_tallies,
                    gboolean period_over)
{
  GArray *verdicts = g_array_sized_new(FALSE, TRUE, sizeof(LoaQuotaVerdict), quotas->len);
  for (guint q = 0; q < quotas->len; q++) {
    const LoaQuotaConfig *quota = g_ptr_array_index(quotas, q);
    gint64 counted = 0;
    for (gsize t = 0; t < n_tallies; t++)
      if (loa_quota_matches(quota, tallies[t].topic, tallies[t].category))
        counted += tallies[t].count;
    LoaQuotaVerdict verdict = loa_quota_judge(quota, counted, period_over);
    g_array_append_val(verdicts, verdict);
  }
  return verdicts;
}
