/* The as-run log's hash chain (see chain.h and docs/as-run-log.md). */
#include "chain.h"

#include "db.h"
#include "i18n.h"

#include <string.h>

static void
append_text(GString *out, const char *name, const char *value)
{
  g_string_append(out, name);
  g_string_append_c(out, '=');
  for (const char *p = value != NULL ? value : ""; *p != '\0'; p++) {
    switch (*p) {
    case '\\': g_string_append(out, "\\\\"); break;
    case '\n': g_string_append(out, "\\n"); break;
    case '\r': g_string_append(out, "\\r"); break;
    default: g_string_append_c(out, *p);
    }
  }
  g_string_append_c(out, '\n');
}

static void
append_int(GString *out, const char *name, gint64 value)
{
  g_string_append_printf(out, "%s=%" G_GINT64_FORMAT "\n", name, value);
}

void
loa_chain_canonical(const char *station_id, const LoaAiring *a, GString *out)
{
  append_text(out, "format", LOA_CHAIN_FORMAT);
  append_text(out, "station", station_id);
  append_int(out, "seq", a->chain_seq);
  append_int(out, "id", a->id);
  append_text(out, "line", a->line);
  append_text(out, "spot", a->spot_id);
  append_text(out, "spot_sha256", a->spot_sha256);
  append_text(out, "title", a->title);
  append_text(out, "category", a->category);
  append_text(out, "topic", a->topic);
  append_text(out, "priority", a->priority);
  append_text(out, "event", a->event_ref);
  append_int(out, "scheduled_at", a->scheduled_at);
  append_int(out, "started_at", a->started_at);
  append_int(out, "ended_at", a->ended_at);
  append_int(out, "samples", a->samples);
  append_int(out, "sample_rate", a->sample_rate);
  append_text(out, "status", a->status);
  append_text(out, "reason", a->reason);
  append_int(out, "completed_at", a->completed_at);
}

char *
loa_chain_hash(const GString *canonical, const char *prev_hash)
{
  g_autoptr(GChecksum) checksum = g_checksum_new(G_CHECKSUM_SHA256);
  g_checksum_update(checksum, (const guchar *)canonical->str, (gssize)canonical->len);
  g_checksum_update(checksum, (const guchar *)prev_hash, (gssize)strlen(prev_hash));
  return g_strdup(g_checksum_get_string(checksum));
}

void
loa_chain_report_clear(LoaChainReport *report)
{
  g_clear_pointer(&report->head, g_free);
  g_clear_pointer(&report->problem, g_free);
}

/* State of a walk along the chain. */
typedef struct {
  const char *station_id;
  LoaChainReport *report;
  char *prev;        /* hash of the last good row */
  GString *canonical;
} Walk;

/* Checks one row; returns FALSE (report filled) at the first bad one. */
static gboolean
walk_row(Walk *walk, const LoaAiring *a)
{
  LoaChainReport *report = walk->report;
  gint64 expected_seq = report->rows + 1;
  char *problem = NULL;

  if (a->chain_seq != expected_seq) {
    problem = a->chain_seq > expected_seq
                ? g_strdup_printf(_("chain position %" G_GINT64_FORMAT " expected, found %"
                                    G_GINT64_FORMAT ": rows are missing before it"),
                                  expected_seq, a->chain_seq)
                : g_strdup_printf(_("chain position %" G_GINT64_FORMAT " expected, found %"
                                    G_GINT64_FORMAT ": rows are out of order"),
                                  expected_seq, a->chain_seq);
  } else if (g_strcmp0(a->prev_hash, walk->prev) != 0) {
    problem = g_strdup(_("its previous hash is not the hash of the row before it "
                         "(a row was removed, inserted or reordered)"));
  } else {
    g_string_truncate(walk->canonical, 0);
    loa_chain_canonical(walk->station_id, a, walk->canonical);
    g_autofree char *hash = loa_chain_hash(walk->canonical, walk->prev);
    if (g_strcmp0(hash, a->hash) != 0)
      problem = g_strdup(_("its content does not match its hash (changed after completion)"));
  }
  if (problem != NULL) {
    report->bad_id = a->id;
    report->bad_seq = a->chain_seq;
    report->problem = problem;
    return FALSE;
  }
  report->rows++;
  g_free(walk->prev);
  walk->prev = g_strdup(a->hash);
  return TRUE;
}

void
loa_chain_verify_rows(const char *station_id, GPtrArray *rows, const char *prev_hash,
                      LoaChainReport *report)
{
  Walk walk = { station_id, report, g_strdup(prev_hash), g_string_new(NULL) };
  gint64 first_seq = rows->len > 0 ? ((LoaAiring *)rows->pdata[0])->chain_seq : 1;
  report->rows = first_seq - 1; /* a bundle starts wherever its period starts */
  gint64 start = report->rows;
  for (guint i = 0; i < rows->len; i++)
    if (!walk_row(&walk, rows->pdata[i]))
      break;
  report->rows -= start;
  report->head = walk.prev;
  g_string_free(walk.canonical, TRUE);
}

static gboolean
walk_streamed(LoaAiring *airing, gpointer user_data)
{
  gboolean go_on = walk_row(user_data, airing);
  loa_airing_free(airing);
  return go_on;
}

gboolean
loa_chain_verify(sqlite3 *db, LoaChainReport *report, GError **error)
{
  g_autofree char *station_id = loa_airlog_station_id(db, error);
  if (station_id == NULL)
    return FALSE;

  /* A completed row outside the chain is as bad as a broken link. */
  g_autoptr(sqlite3_stmt) loose = NULL;
  if (sqlite3_prepare_v2(db,
                         "SELECT id FROM airings WHERE status <> 'on-air' AND chain_seq IS NULL"
                         " ORDER BY id LIMIT 1",
                         -1, &loose, NULL) != SQLITE_OK)
    return loa_db_set_error(error, db, _("reading the as-run log"));
  int rc = sqlite3_step(loose);
  if (rc == SQLITE_ROW) {
    report->bad_id = sqlite3_column_int64(loose, 0);
    report->problem = g_strdup(_("it is completed but has no place in the hash chain"));
    report->head = g_strdup(LOA_CHAIN_GENESIS);
    return TRUE;
  }
  if (rc != SQLITE_DONE)
    return loa_db_set_error(error, db, _("reading the as-run log"));

  Walk walk = { station_id, report, g_strdup(LOA_CHAIN_GENESIS), g_string_new(NULL) };
  gboolean ok = loa_airlog_chain_foreach(db, 1, 0, walk_streamed, &walk, error);
  report->head = walk.prev;
  g_string_free(walk.canonical, TRUE);
  return ok;
}
