/* The as-run log: what did air. One row per airing of one spot on one line.
 *
 * Life of a row: loa_airlog_open() inserts it 'on-air' (committed) before the
 * spot's first sample plays; loa_airlog_set_started() records the measured
 * start while it plays; loa_airlog_complete() closes it exactly once
 * (completed, interrupted, failed or missed). After that the database refuses
 * any change (triggers), and no row is ever deleted. Rows a crash left on-air
 * become 'interrupted' through loa_airlog_recover() at the next start.
 *
 * No GStreamer and no ALSA here: the city's audit tools link this alone. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#define LOA_AIRLOG_ERROR (loa_airlog_error_quark())
GQuark loa_airlog_error_quark(void);

typedef enum {
  LOA_AIRLOG_ERROR_DB,        /* the database refused; message has the reason */
  LOA_AIRLOG_ERROR_INVALID,   /* bad status or arguments */
} LoaAirlogError;

/* Final statuses an airing can be completed with. */
#define LOA_AIRING_ON_AIR "on-air"
#define LOA_AIRING_COMPLETED "completed"
#define LOA_AIRING_INTERRUPTED "interrupted"
#define LOA_AIRING_FAILED "failed"
#define LOA_AIRING_MISSED "missed"

/* What a line's monitor return showed of an airing (LoaAiringFacts.monitor). */
#define LOA_MONITOR_PRESENT "present"   /* the spot was heard on the line throughout */
#define LOA_MONITOR_ABSENT "absent"     /* nothing was heard */
#define LOA_MONITOR_PARTIAL "partial"   /* heard for part of it only */

/* What the engine knows of an airing besides its times: recorded when the
 * row is opened, while it plays, or at completion, and covered by the hash
 * chain (canonical form 2). Zero-initialised, nothing is known; each call
 * sets only what it knows. Strings are borrowed. */
typedef struct {
  gboolean gain_known;       /* a loudness gain was applied */
  double gain_db;            /* that gain in dB; stored to the hundredth */
  const char *switches;      /* the line switch's result: "ok", "failed: board 10.0.0.5
                              * unreachable", ...; NULL or "" = not known / no switch */
  const char *monitor;       /* LOA_MONITOR_*; NULL or "" = not known / no monitor */
  gboolean monitor_lufs_known; /* the monitor measured a level */
  double monitor_lufs;       /* the loudness it measured, LUFS; stored to the hundredth */
} LoaAiringFacts;

/* What is known of an airing before it plays. Strings are borrowed. */
typedef struct {
  const char *line;          /* line id */
  const char *spot_id;
  const char *spot_sha256;   /* of the library file that will air ("" if unknown) */
  const char *title;
  const char *category;
  const char *topic;
  const char *priority;      /* "normal", "priority", "emergency" */
  gint64 schedule_id;        /* loaded schedule it comes from, 0 = none */
  const char *event_ref;     /* "schedule.cfg:12" */
  gint64 scheduled_at;       /* UTC ns */
  LoaAiringFacts facts;      /* known before it plays (the gain, the switch); zero = none */
} LoaAiringPlan;

/* One row as read back. Strings owned. Times UTC ns; 0 = not known. */
typedef struct {
  gint64 id;
  char *line, *spot_id, *spot_sha256, *title, *category, *topic, *priority, *event_ref;
  gint64 schedule_id;
  gint64 scheduled_at, started_at, ended_at;
  gint64 samples;
  int sample_rate;
  char *status;
  char *reason;
  gint64 completed_at;       /* when the row was completed, 0 while on air */
  gint64 chain_seq;          /* position in the hash chain, 0 while on air */
  char *prev_hash;           /* hash of row chain_seq - 1 ("" while on air) */
  char *hash;                /* this row's hash ("" while on air), see chain.h */
  int chain_version;         /* canonical form it was hashed with (1 or 2; 0 while on air) */
  gboolean gain_known;       /* a loudness gain was applied ... */
  double gain_db;            /* ... of this many dB (hundredths) */
  char *switches;            /* the line switch's result ("" = none) */
  char *monitor;             /* LOA_MONITOR_* or "" (no monitor) */
  gboolean monitor_lufs_known; /* the monitor measured a level ... */
  double monitor_lufs;       /* ... of this many LUFS (hundredths) */
} LoaAiring;

void loa_airing_free(LoaAiring *airing);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaAiring, loa_airing_free)

typedef struct LoaAirlog LoaAirlog;

/* Prepares the log's statements on db (borrowed; must outlive the log).
 * Fails if the database has no station (`loa init`). Rows completed before
 * the hash chain existed are chained here, once. */
LoaAirlog *loa_airlog_new(sqlite3 *db, GError **error) G_GNUC_WARN_UNUSED_RESULT;
void loa_airlog_free(LoaAirlog *log);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaAirlog, loa_airlog_free)

/* Inserts an 'on-air' row with plan->facts and commits it. Returns its id
 * (> 0), or 0 with the error set. */
gint64 loa_airlog_open(LoaAirlog *log, const LoaAiringPlan *plan, GError **error);

/* Records the measured start of an on-air row. */
gboolean loa_airlog_set_started(LoaAirlog *log, gint64 id, gint64 started_at, int sample_rate,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Records facts of an on-air row as they become known (the switch result
 * when the line is switched, ...); what facts does not know is kept. Fails
 * with LOA_AIRLOG_ERROR_INVALID (nothing changed) if the row is not on air
 * or facts->monitor is not a LOA_MONITOR_* value. */
gboolean loa_airlog_set_facts(LoaAirlog *log, gint64 id, const LoaAiringFacts *facts,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Completes an on-air row with a final status and links it into the hash
 * chain (chain.h), in one transaction. started_at/ended_at 0 = not known
 * (never played); reason may be NULL. Fails (and changes nothing) if the row
 * is not on-air. Same as loa_airlog_complete_with_facts without facts. */
gboolean loa_airlog_complete(LoaAirlog *log, gint64 id, const char *status, gint64 started_at,
                             gint64 ended_at, gint64 samples, int sample_rate,
                             const char *reason, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* loa_airlog_complete, also recording the facts known at the end (the
 * monitor's verdict); facts may be NULL, and what it does not know keeps
 * what the row has. A bad monitor value fails with LOA_AIRLOG_ERROR_INVALID. */
gboolean loa_airlog_complete_with_facts(LoaAirlog *log, gint64 id, const char *status,
                                        gint64 started_at, gint64 ended_at, gint64 samples,
                                        int sample_rate, const char *reason,
                                        const LoaAiringFacts *facts,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Inserts a row that is final at once (a spot that failed before it could
 * play, a missed airing), with plan->facts. Returns its id or 0 with the
 * error set. */
gint64 loa_airlog_record(LoaAirlog *log, const LoaAiringPlan *plan, const char *status,
                         const char *reason, GError **error);

/* Marks every on-air row interrupted with reason, each taking its place in
 * the chain (its measured start, if any, is kept). Returns how many, or -1. */
int loa_airlog_recover(LoaAirlog *log, const char *reason, GError **error);

/* Rows to list: scheduled_at in [from, until) when non-zero, line when non-NULL. */
typedef struct {
  gint64 from;
  gint64 until;
  const char *line;
} LoaAirlogFilter;

/* Matching rows in scheduled order, a GPtrArray of LoaAiring * (frees them), or NULL. */
GPtrArray *loa_airlog_query(sqlite3 *db, const LoaAirlogFilter *filter,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Called for each row; takes ownership of airing (free with loa_airing_free).
 * Returns FALSE to stop. */
typedef gboolean (*LoaAiringFunc)(LoaAiring *airing, gpointer user_data);

/* Streams completed rows with first_seq <= chain_seq <= last_seq (last_seq 0:
 * to the end) in chain order to func, without holding them all in memory. */
gboolean loa_airlog_chain_foreach(sqlite3 *db, gint64 first_seq, gint64 last_seq,
                                  LoaAiringFunc func, gpointer user_data,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Completed rows with first_seq <= chain_seq <= last_seq (last_seq 0: to the
 * end), in chain order; same ownership as loa_airlog_query. */
GPtrArray *loa_airlog_chain_rows(sqlite3 *db, gint64 first_seq, gint64 last_seq,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The station id the log belongs to (from `loa init`), newly allocated, or
 * NULL with the error set. */
char *loa_airlog_station_id(sqlite3 *db, GError **error) G_GNUC_WARN_UNUSED_RESULT;
