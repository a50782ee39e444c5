/* Compliance reports: the numbers of one month or year of the as-run log, per
 * line and for the whole station — airings by category and topic, time on
 * air, how the airings ended — and every configured quota judged per line and
 * period by the rules of schedules/quota.h. Also the report as the tables of
 * `loa report` (table, CSV) and as JSON; report-html.h makes the page.
 *
 * What counts where:
 *  - an airing belongs to the month (of station time) it was scheduled in;
 *  - it counts toward a quota only if it completed on its line (played to its
 *    cue-out, not interrupted). Monitoring (verified on air) is a later
 *    addition: it goes into the one SQL predicate QUOTA_COUNTS in report.c;
 *  - quotas apply on every configured line; the station meets a quota in a
 *    period when each configured line does. Lines found in the log that the
 *    configuration no longer has are listed but not judged;
 *  - a monthly quota is judged in each month of the report; a yearly quota on
 *    the calendar year (to the end of the report's month in a monthly report);
 *  - a quota not yet met in a period that has not ended is "in progress", not
 *    missed. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "airlog.h"
#include "chain.h"
#include "config.h"
#include "quota.h"
#include "table.h"

#define LOA_REPORT_ERROR (loa_report_error_quark())
GQuark loa_report_error_quark(void);

typedef enum {
  LOA_REPORT_ERROR_PERIOD,  /* a month or year that is not valid */
} LoaReportError;

/* A calendar month or year of station time. */
typedef struct {
  int year;    /* 1970..2261 (the span of UTC nanoseconds in 64 bits) */
  int month;   /* 1..12, or 0 for the whole year */
} LoaReportPeriod;

/* Parses "YYYY-MM" into a month. Sets LOA_REPORT_ERROR_PERIOD, naming the text, on anything else. */
gboolean loa_report_period_parse_month(const char *text, LoaReportPeriod *period,
                                       GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Parses "YYYY" into a year. Same errors. */
gboolean loa_report_period_parse_year(const char *text, LoaReportPeriod *period,
                                      GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* "2026-03" or "2026". Newly allocated. */
char *loa_report_period_label(const LoaReportPeriod *period) G_GNUC_WARN_UNUSED_RESULT;

/* The final statuses of an airing, and on-air for the rows still playing. */
typedef enum {
  LOA_REPORT_COMPLETED,
  LOA_REPORT_INTERRUPTED,
  LOA_REPORT_FAILED,
  LOA_REPORT_MISSED,
  LOA_REPORT_ON_AIR,
  LOA_REPORT_N_STATUSES,
} LoaReportStatus;

/* The status as the log writes it (LOA_AIRING_COMPLETED, ...). Static string. */
const char *loa_report_status_key(LoaReportStatus status);

/* What a set of airings adds up to. */
typedef struct {
  gint64 airings;                          /* rows of every status */
  gint64 status[LOA_REPORT_N_STATUSES];    /* rows by status */
  gint64 airtime_ns;                       /* measured time on air (end - start) of the rows that played */
} LoaReportCounts;

/* The airings of one category and topic. */
typedef struct {
  char *category;
  char *topic;
  LoaReportCounts counts;
} LoaReportGroup;

/* One quota judged in one month or year. */
typedef struct {
  guint quota;              /* index in LoaReport.quotas */
  int month;                /* 1..12 for a monthly quota; 0 for a yearly one */
  LoaQuotaVerdict verdict;
} LoaReportJudgement;

/* One line, or the whole station. */
typedef struct {
  char *id;                 /* line id; "" for the whole station */
  char *name;               /* from the configuration (the id if it has none), or the station's name */
  gboolean configured;      /* FALSE: the log has it but the configuration does not (not judged) */
  LoaReportCounts totals;
  GPtrArray *groups;        /* LoaReportGroup *, by category then topic */
  GArray *judgements;       /* LoaReportJudgement, by quota then month; empty if not configured;
                             * without configured lines, only the months the line has rows */
} LoaReportLine;

/* What the station is asked to report; everything borrowed for the call. */
typedef struct {
  const char *station_id;
  const char *station_name;
  GTimeZone *timezone;      /* the station's: months begin at its local midnight */
  const GPtrArray *lines;   /* LoaLineConfig *; NULL: the lines found in the log, each judged in
                             * the months it has rows, and on yearly quotas if it has rows in
                             * the period's last month (the city's view, audit-report.h) */
  const GPtrArray *quotas;  /* LoaQuotaConfig * (may be empty) */
  gint64 now;               /* UTC ns: periods that end after it are still running */
  gboolean audit;           /* the database is the city's audit database (audit.h): read the
                             * rows imported for station_id, not a station's own log */
} LoaReportSource;

typedef struct {
  char *station_id;
  char *station_name;
  LoaReportPeriod period;
  char *period_label;       /* "2026-03" or "2026" */
  GTimeZone *timezone;      /* a reference */
  gint64 from, until;       /* UTC ns: the period is [from, until) */
  gint64 generated_at;      /* the source's now */
  GPtrArray *quotas;        /* LoaQuotaConfig *, copies, in configuration order */
  GPtrArray *lines;         /* LoaReportLine *: configured lines in configuration order, then the others by id */
  LoaReportLine *station;   /* all lines together; judgements combined over the configured lines */
  LoaQuotaState worst;      /* worst state among the station's judgements (MET if there are none) */
  gint64 first_seq;         /* smallest chain position of the period's rows (0: none chained) */
  gboolean log_checked;     /* loa_report_check_log() ran */
  gint64 log_from_seq;      /* it walked the chain from this position (1: all of it) to the head */
  LoaChainReport log;       /* its result when log_checked (rows: those walked) */
} LoaReport;

void loa_report_free(LoaReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaReport, loa_report_free)

/* Reads the period's airings from db and judges the quotas. Returns the new
 * report, or NULL with the error set (LOA_DB_ERROR from the database,
 * LOA_TIME_ERROR if a month does not begin at local midnight in the zone). */
LoaReport *loa_report_gather(sqlite3 *db, const LoaReportPeriod *period,
                             const LoaReportSource *source, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Walks the log's hash chain into report->log: with whole, all of it
 * (loa_chain_verify); else from the period's first chained row to the head
 * (loa_chain_verify_from report->first_seq, anchored on the stored hash of
 * the row before), which checks every row of the period and every row
 * completed after it — all of it when the period has no chained row. Sets
 * report->log_from_seq. FALSE with the error set only if the database could
 * not be read. */
gboolean loa_report_check_log(LoaReport *report, sqlite3 *db, gboolean whole,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* TRUE if the report found a problem: a quota missed, or a log that was
 * checked and does not verify. In-progress quotas are not problems. */
gboolean loa_report_has_problem(const LoaReport *report);

/* Counts of the station's missed judgements (all configured lines together). */
guint loa_report_missed(const LoaReport *report);

/* Airtime for people: "H:MM:SS", hours going past 24. Newly allocated. */
char *loa_report_format_airtime(gint64 ns) G_GNUC_WARN_UNUSED_RESULT;

/* A quota in a few words: "attt/article ≥ 1 per month". Newly allocated. */
char *loa_report_quota_label(const LoaQuotaConfig *quota) G_GNUC_WARN_UNUSED_RESULT;

/* The period a judgement covers: "2026-03", "2026", or "2026 (to 2026-03)"
 * for a yearly quota in a monthly report. Newly allocated. */
char *loa_report_judgement_period(const LoaReport *report,
                                  const LoaReportJudgement *judgement) G_GNUC_WARN_UNUSED_RESULT;

/* Appends the report as aligned tables for people (LOA_TABLE_FORMAT_TABLE) or
 * as CSV (its tables one after another, separated by an empty line, with the
 * flags of loa_table_append, e.g. the BOM first), or as one JSON object. */
void loa_report_append_text(const LoaReport *report, LoaTableFormat format,
                            LoaTablePrintFlags flags, GString *out);
