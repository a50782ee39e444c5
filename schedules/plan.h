/* Predictions from a schedule before it airs: which quotas each line will
 * meet in a period. Pure like the rest of schedules/: the catalog comes in
 * through the spot lookup callback, the period through its bounds. */
#pragma once

#include <glib.h>

#include "config.h"
#include "quota.h"
#include "schedule.h"

/* One quota predicted on one line. */
typedef struct {
  const LoaQuotaConfig *quota;  /* borrowed from the configuration */
  const char *line;             /* borrowed line id */
  LoaQuotaVerdict verdict;      /* MET, or MISSED with the shortfall */
} LoaPlanQuota;

/* Predicts, for every line of config (in its order) and every quota (in its
 * order), whether the occurrences of schedule in [from_ns, until_ns) meet the
 * quota: each spot of each occurrence counts once on each of its lines if the
 * spot is approved, valid on that day, and its topic and category match
 * (loa_quota_matches). Each spot is looked up once. Returns a new GArray of
 * LoaPlanQuota (lines x quotas entries). */
GArray *loa_plan_quotas(const LoaSchedule *schedule, const LoaConfig *config, gint64 from_ns,
                        gint64 until_ns, LoaSpotLookupFunc lookup,
                        gpointer user_data) G_GNUC_WARN_UNUSED_RESULT;
