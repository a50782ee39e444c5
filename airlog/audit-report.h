/* The city's yearly report (`loa audit report`): for every registered station
 * and every month of a year, whether the city holds the station's as-run log
 * (the bundles it imported cover the month) and whether the station met the
 * quotas, counted from the imported rows exactly as a station counts its own
 * (report.h: an airing counts if it completed on its line, a quota applies
 * on every line). The city does not know a station's configured lines: it
 * judges, each month, the lines that have rows in that month, so a line the
 * station retired is not held against it; a month without any row misses.
 * Yearly quotas are judged on the lines that have rows in December.
 *
 * Months are the station's local months (the time zone its bundles carry).
 * A bundle covers the airings completed in its period, so coverage is by
 * completion time and quotas by scheduled time; the two differ only for an
 * airing that ends after midnight on the last day of a month.
 *
 * Every imported bundle was verified when it was imported (signature by the
 * registered key, its chain, its link to the previous bundle: audit.h); the
 * report says how many, the chain head the city holds, and their warnings. */
#pragma once

#include <glib.h>

#include "audit.h"
#include "report.h"

/* How much of a month the imported bundles cover. */
typedef enum {
  LOA_AUDIT_COVERAGE_NONE,
  LOA_AUDIT_COVERAGE_PARTIAL,
  LOA_AUDIT_COVERAGE_FULL,
} LoaAuditCoverage;

/* One station in one month, as the city chart shows it; ordered from best to worst. */
typedef enum {
  LOA_AUDIT_CELL_MET,      /* the month is over, its log is held, every monthly quota met */
  LOA_AUDIT_CELL_OPEN,     /* the month is not over yet */
  LOA_AUDIT_CELL_MISSED,   /* the month is over, its log is held, a quota missed on some line */
  LOA_AUDIT_CELL_MISSING,  /* the month is over and the city lacks (part of) its log */
} LoaAuditCell;

/* Stable key for JSON and CSV: "met", "open", "missed", "missing". Static string. */
const char *loa_audit_cell_key(LoaAuditCell cell);
/* "none", "partial", "full". Static string. */
const char *loa_audit_coverage_key(LoaAuditCoverage coverage);

typedef struct {
  char *id;
  char *name;
  char *fingerprint;            /* of its registered key */
  char *timezone_name;          /* of its last bundle, or the default zone */
  LoaReport *report;            /* its year from the imported rows */
  LoaAuditCoverage coverage[12];
  LoaAuditCell cells[12];
  guint bundles;                /* imported bundles whose period overlaps the year */
  gint64 rows;                  /* rows those bundles carried */
  char *head;                   /* chain head after its last imported bundle ("" if none) */
  GPtrArray *warnings;          /* char *: warnings stored with those bundles */
  LoaAuditCell worst;           /* worst of its cells; MISSED too if a yearly quota was missed
                                 * over a year the city holds whole */
} LoaAuditReportStation;

typedef struct {
  int year;
  gint64 generated_at;          /* the caller's now */
  GPtrArray *quotas;            /* LoaQuotaConfig *, copies */
  GPtrArray *stations;          /* LoaAuditReportStation *, by id */
  guint missed;                 /* station-months with a quota missed, and station-years held
                                 * whole with a yearly quota missed */
  guint missing;                /* station-months over whose log the city lacks */
} LoaAuditReport;

void loa_audit_report_free(LoaAuditReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaAuditReport, loa_audit_report_free)

/* Reads the year of every registered station from the audit database and
 * judges quotas (LoaQuotaConfig *, may be empty). default_zone is used for a
 * station without bundles; now (UTC ns) decides which months are over.
 * Returns the report, or NULL with the error set (LOA_DB_ERROR). */
LoaAuditReport *loa_audit_report_gather(LoaAudit *audit, int year, const GPtrArray *quotas,
                                        GTimeZone *default_zone, gint64 now,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* TRUE if a quota was missed or a month's log is missing. */
gboolean loa_audit_report_has_problem(const LoaAuditReport *report);

/* Appends the report as tables for people, CSV (tables separated by an empty
 * line; flags as loa_table_append) or JSON. */
void loa_audit_report_append_text(const LoaAuditReport *report, LoaTableFormat format,
                                  LoaTablePrintFlags flags, GString *out);
