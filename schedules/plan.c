/* Quota predictions from a schedule (see plan.h). The prediction counts what
 * the schedule would air if every airing completed: a prediction of "met"
 * is necessary, not sufficient; a shortfall is certain unless the schedule
 * changes. */
#include "plan.h"

#include <string.h>

typedef struct {
  gboolean found;
  LoaSpotFacts facts;
} CachedSpot;

static void
cached_spot_free(gpointer data)
{
  CachedSpot *cached = data;
  loa_spot_facts_clear(&cached->facts);
  g_free(cached);
}

static gboolean
airs_on(const CachedSpot *cached, const LoaDate *date)
{
  const LoaSpotFacts *facts = &cached->facts;
  return cached->found && g_strcmp0(facts->status, "approved") == 0 &&
         !(facts->has_valid_from && loa_date_compare(date, &facts->valid_from) < 0) &&
         !(facts->has_valid_until && loa_date_compare(date, &facts->valid_until) > 0);
}

GArray *
loa_plan_quotas(const LoaSchedule *schedule, const LoaConfig *config, gint64 from_ns,
                gint64 until_ns, LoaSpotLookupFunc lookup, gpointer user_data)
{
  guint n_lines = config->lines->len, n_quotas = config->quotas->len;
  g_autofree gint64 *counts = g_new0(gint64, MAX(n_lines * n_quotas, 1));
  g_autoptr(GHashTable) cache =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, cached_spot_free);
  g_autoptr(GHashTable) line_index = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint l = 0; l < n_lines; l++)
    g_hash_table_insert(line_index, ((LoaLineConfig *)g_ptr_array_index(config->lines, l))->id,
                        GUINT_TO_POINTER(l + 1));

  g_autoptr(GArray) occurrences = loa_schedule_expand(schedule, from_ns, until_ns);
  for (guint k = 0; k < occurrences->len && n_quotas > 0; k++) {
    const LoaOccurrence *occurrence = &g_array_index(occurrences, LoaOccurrence, k);
    LoaDate date;
    loa_utc_to_date(schedule->tz, occurrence->start_ns, &date);
    for (guint s = 0; occurrence->spots[s] != NULL; s++) {
      const char *id = occurrence->spots[s];
      CachedSpot *cached = g_hash_table_lookup(cache, id);
      if (cached == NULL) {
        cached = g_new0(CachedSpot, 1);
        cached->found = lookup(id, &cached->facts, user_data);
        g_hash_table_insert(cache, g_strdup(id), cached);
      }
      if (!airs_on(cached, &date))
        continue;
      for (guint q = 0; q < n_quotas; q++) {
        if (!loa_quota_matches(g_ptr_array_index(config->quotas, q), cached->facts.topic,
                               cached->facts.category))
          continue;
        for (guint l = 0; occurrence->lines[l] != NULL; l++) {
          guint index = GPOINTER_TO_UINT(g_hash_table_lookup(line_index, occurrence->lines[l]));
          if (index > 0)
            counts[(index - 1) * n_quotas + q]++;
        }
      }
    }
  }

  GArray *result = g_array_new(FALSE, FALSE, sizeof(LoaPlanQuota));
  for (guint l = 0; l < n_lines; l++)
    for (guint q = 0; q < n_quotas; q++) {
      const LoaQuotaConfig *quota = g_ptr_array_index(config->quotas, q);
      LoaPlanQuota entry = {
        .quota = quota,
        .line = ((LoaLineConfig *)g_ptr_array_index(config->lines, l))->id,
        .verdict = loa_quota_judge(quota, counts[l * n_quotas + q], TRUE),
      };
      g_array_append_val(result, entry);
    }
  return result;
}
