/* Quota rules: how many airings of a topic and category a station owes per
 * period, and whether it paid. Pure: counts in, verdicts out — no database,
 * no clock (whether a period is over is the caller's to say). The quotas come
 * from the configuration (LoaQuotaConfig); airlog/ counts the airings and
 * asks these rules for the verdicts, `loa plan` asks them about a schedule.
 *
 * A quota applies on every line of the station separately: the station meets
 * it in a period only when each of its lines does (loa_quota_verdict_combine). */
#pragma once

#include <glib.h>

#include "config.h"

#define LOA_QUOTA_ERROR (loa_quota_error_quark())
GQuark loa_quota_error_quark(void);

typedef enum {
  LOA_QUOTA_ERROR_INVALID,  /* a quota written wrong (loa_quota_parse) */
} LoaQuotaError;

/* The period a quota counts over: a calendar month or year of station time. */
typedef enum {
  LOA_QUOTA_PER_MONTH,
  LOA_QUOTA_PER_YEAR,
} LoaQuotaPeriod;

/* "month" or "year" (the config's `per`) -> period. Returns FALSE on anything else. */
gboolean loa_quota_period_from_name(const char *name, LoaQuotaPeriod *period);
/* The config name of a period: "month" or "year". Static string. */
const char *loa_quota_period_name(LoaQuotaPeriod period);
/* The period of a quota from the config; the loader accepted only "month" and "year". */
LoaQuotaPeriod loa_quota_period(const LoaQuotaConfig *quota);

/* The categories of spots and airings (as the configuration checks them). */
gboolean loa_quota_category_is_valid(const char *category);

/* Parses a quota written "TOPIC/CATEGORY/AT_LEAST[/PER]" (PER "month", the
 * default, or "year"), e.g. "attt/news/2". Returns a new quota (free with
 * loa_quota_free; source_line 0), or NULL with LOA_QUOTA_ERROR_INVALID
 * naming the text. */
LoaQuotaConfig *loa_quota_parse(const char *text, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* A copy of quota, and its free function (for quotas not owned by a LoaConfig). */
LoaQuotaConfig *loa_quota_copy(const LoaQuotaConfig *quota) G_GNUC_WARN_UNUSED_RESULT;
void loa_quota_free(LoaQuotaConfig *quota);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaQuotaConfig, loa_quota_free)

/* Outcomes, ordered from best to worst (loa_quota_verdict_combine keeps the worst). */
typedef enum {
  LOA_QUOTA_MET,          /* counted >= at_least */
  LOA_QUOTA_IN_PROGRESS,  /* counted < at_least, but the period is not over yet */
  LOA_QUOTA_MISSED,       /* counted < at_least and the period is over */
} LoaQuotaState;

/* Stable key for JSON and CSV: "met", "in-progress", "missed". Static string. */
const char *loa_quota_state_key(LoaQuotaState state);
/* The translated word for people ("met", "in progress", "missed"). */
const char *loa_quota_state_label(LoaQuotaState state);

/* One quota judged in one period. */
typedef struct {
  LoaQuotaState state;
  gint64 counted;     /* airings that counted toward it */
  gint64 required;    /* the quota's at_least */
  gint64 shortfall;   /* required - counted when not met, else 0 */
} LoaQuotaVerdict;

/* TRUE if an airing of topic and category counts toward quota: the category
 * is the same and the topic is the same up to case (Unicode case folding
 * after NFC normalisation, so "ATTT" and "attt" or "An toàn" and "AN TOÀN"
 * match). NULL topic or category never matches. */
gboolean loa_quota_matches(const LoaQuotaConfig *quota, const char *topic, const char *category);

/* Judges counted airings against quota in a period that is over (period_over)
 * or still running. */
LoaQuotaVerdict loa_quota_judge(const LoaQuotaConfig *quota, gint64 counted, gboolean period_over);

/* The verdict of two lines together, for the station: the worse state, the
 * smaller count and the larger shortfall. Both must judge the same quota. */
LoaQuotaVerdict loa_quota_verdict_combine(LoaQuotaVerdict a, LoaQuotaVerdict b);

/* Counts of airings that counted toward quotas in one period, by topic and
 * category; the strings are borrowed. */
typedef struct {
  const char *topic;
  const char *category;
  gint64 count;
} LoaQuotaTally;

/* Judges every quota (LoaQuotaConfig *) against the tallies of one period:
 * each quota sums the tallies it matches. Returns an array of LoaQuotaVerdict,
 * one per quota in the same order (free with g_array_unref). */
GArray *loa_quota_judge_all(const GPtrArray *quotas, const LoaQuotaTally *tallies, gsize n_tallies,
                            gboolean period_over) G_GNUC_WARN_UNUSED_RESULT;
