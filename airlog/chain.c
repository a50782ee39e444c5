/* The as-run log's hash chain (see chain.h and docs/as-run-log.md). */
#include "chain.h"

#include "db.h"
#include "i18n.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <string.h>

/* The canonical fields in order (docs/as-run-log.md), where each lives in a
 * LoaAiring and in a row read with CHAIN_COLUMNS; both writers below walk
 * this one table, so they cannot disagree. */
typedef struct {
  const char *name;
  gboolean text;
  size_t offset;   /* in LoaAiring; G_MAXSIZE for the station */
  int column;      /* in CHAIN_COLUMNS; -1 for the station */
} Field;

#define STATION_FIELD G_MAXSIZE
#define T(name, member, column) { name, TRUE, G_STRUCT_OFFSET(LoaAiring, member), column }
#define I(name, member, column) { name, FALSE, G_STRUCT_OFFSET(LoaAiring, member), column }
static const Field fields[] = {
  { "station", TRUE, STATION_FIELD, -1 },
  I("seq", chain_seq, 0),
  I("id", id, 1),
  T("line", line, 2),
  T("spot", spot_id, 3),
  T("spot_sha256", spot_sha256, 4),
  T("title", title, 5),
  T("category", category, 6),
  T("topic", topic, 7),
  T("priority", priority, 8),
  T("event", event_ref, 9),
  I("scheduled_at", scheduled_at, 10),
  I("started_at", started_at, 11),
  I("ended_at", ended_at, 12),
  I("samples", samples, 13),
  { "sample_rate", FALSE, G_STRUCT_OFFSET(LoaAiring, sample_rate), 14 },
  T("status", status, 15),
  T("reason", reason, 16),
  I("completed_at", completed_at, 17),
};
#undef T
#undef I

/* The row columns fields[].column refers to, then prev_hash (18), hash (19). */
#define CHAIN_COLUMNS                                                                      \
  "chain_seq, id, line, spot_id, spot_sha256, title, category, topic, priority, event_ref," \
  " scheduled_at, coalesce(started_at, 0), coalesce(ended_at, 0), samples, sample_rate,"   \
  " status, reason, coalesce(completed_at, 0), coalesce(prev_hash, ''), coalesce(hash, '')"

static void
append_text(GString *out, const char *name, const char *value)
{
  g_string_append(out, name);
  g_string_append_c(out, '=');
  const char *p = value != NULL ? value : "";
  while (*p != '\0') {
    size_t plain = strcspn(p, "\\\n\r");
    g_string_append_len(out, p, (gssize)plain);
    p += plain;
    if (*p == '\0')
      break;
    g_string_append(out, *p == '\\' ? "\\\\" : *p == '\n' ? "\\n" : "\\r");
    p++;
  }
  g_string_append_c(out, '\n');
}

static void
append_int(GString *out, const char *name, gint64 value)
{
  /* By hand: printf was a tenth of the verification time. */
  char digits[24];
  char *end = digits + sizeof digits, *p = end;
  guint64 magnitude = value < 0 ? (guint64)0 - (guint64)value : (guint64)value;
  do {
    *--p = (char)('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  if (value < 0)
    *--p = '-';
  g_string_append(out, name);
  g_string_append_c(out, '=');
  g_string_append_len(out, p, end - p);
  g_string_append_c(out, '\n');
}

void
loa_chain_canonical(const char *station_id, const LoaAiring *a, GString *out)
{
  append_text(out, "format", LOA_CHAIN_FORMAT);
  for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
    const Field *f = &fields[i];
    if (f->offset == STATION_FIELD)
      append_text(out, f->name, station_id);
    else if (f->text)
      append_text(out, f->name, G_STRUCT_MEMBER(const char *, a, f->offset));
    else if (g_strcmp0(f->name, "sample_rate") == 0)
      append_int(out, f->name, G_STRUCT_MEMBER(int, a, f->offset));
    else
      append_int(out, f->name, G_STRUCT_MEMBER(gint64, a, f->offset));
  }
}

/* The same canonical form, straight from a row read with CHAIN_COLUMNS. */
static void
canonical_from_row(const char *station_id, sqlite3_stmt *stmt, GString *out)
{
  append_text(out, "format", LOA_CHAIN_FORMAT);
  for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
    const Field *f = &fields[i];
    if (f->column < 0)
      append_text(out, f->name, station_id);
    else if (f->text)
      append_text(out, f->name, (const char *)sqlite3_column_text(stmt, f->column));
    else
      append_int(out, f->name, sqlite3_column_int64(stmt, f->column));
  }
}

/* SHA-256 through OpenSSL: it uses the CPU's SHA extensions where they
 * exist, which the verification rate needs (GLib's portable code managed a
 * fifth of it). */
typedef struct {
  EVP_MD *md;
  EVP_MD_CTX *ctx;
} Hasher;

static void
hasher_init(Hasher *hasher)
{
  hasher->md = EVP_MD_fetch(NULL, "SHA256", NULL);
  hasher->ctx = EVP_MD_CTX_new();
  g_assert(hasher->md != NULL && hasher->ctx != NULL);
}

static void
hasher_clear(Hasher *hasher)
{
  EVP_MD_CTX_free(hasher->ctx);
  EVP_MD_free(hasher->md);
}

/* Writes the 64 hex characters and a NUL into out. */
static void
hasher_hash(Hasher *hasher, const GString *canonical, const char *prev_hash, char out[65])
{
  static const char digits[] = "0123456789abcdef";
  unsigned char digest[SHA256_DIGEST_LENGTH];
  unsigned int length = 0;
  if (EVP_DigestInit_ex2(hasher->ctx, hasher->md, NULL) != 1 ||
      EVP_DigestUpdate(hasher->ctx, canonical->str, canonical->len) != 1 ||
      EVP_DigestUpdate(hasher->ctx, prev_hash, strlen(prev_hash)) != 1 ||
      EVP_DigestFinal_ex(hasher->ctx, digest, &length) != 1)
    g_error("SHA-256 failed in OpenSSL"); /* only without memory: nothing to carry on with */
  for (unsigned int i = 0; i < SHA256_DIGEST_LENGTH; i++) {
    out[2 * i] = digits[digest[i] >> 4];
    out[2 * i + 1] = digits[digest[i] & 0xf];
  }
  out[64] = '\0';
}

char *
loa_chain_hash(const GString *canonical, const char *prev_hash)
{
  Hasher hasher;
  char out[65];
  hasher_init(&hasher);
  hasher_hash(&hasher, canonical, prev_hash, out);
  hasher_clear(&hasher);
  return g_strdup(out);
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
  char prev[65];         /* hash of the last good row */
  GString *canonical;    /* the current row's canonical form */
  Hasher hasher;
} Walk;

static void
walk_init(Walk *walk, const char *station_id, LoaChainReport *report, const char *prev_hash)
{
  walk->station_id = station_id;
  walk->report = report;
  g_strlcpy(walk->prev, prev_hash, sizeof walk->prev);
  walk->canonical = g_string_sized_new(1024);
  hasher_init(&walk->hasher);
}

static void
walk_finish(Walk *walk)
{
  walk->report->head = g_strdup(walk->prev);
  g_string_free(walk->canonical, TRUE);
  hasher_clear(&walk->hasher);
}

/* Checks the row whose canonical form is in walk->canonical; returns FALSE
 * (report filled) at the first bad one. */
static gboolean
walk_check(Walk *walk, gint64 seq, gint64 id, const char *prev_hash, const char *hash)
{
  LoaChainReport *report = walk->report;
  gint64 expected_seq = report->rows + 1;
  char *problem = NULL;
  char computed[65];

  if (seq != expected_seq) {
    problem = seq > expected_seq
                ? g_strdup_printf(_("chain position %" G_GINT64_FORMAT " expected, found %"
                                    G_GINT64_FORMAT ": rows are missing before it"),
                                  expected_seq, seq)
                : g_strdup_printf(_("chain position %" G_GINT64_FORMAT " expected, found %"
                                    G_GINT64_FORMAT ": rows are out of order"),
                                  expected_seq, seq);
  } else if (g_strcmp0(prev_hash, walk->prev) != 0) {
    problem = g_strdup(_("its previous hash is not the hash of the row before it "
                         "(a row was removed, inserted or reordered)"));
  } else {
    hasher_hash(&walk->hasher, walk->canonical, walk->prev, computed);
    if (g_strcmp0(computed, hash) != 0)
      problem = g_strdup(_("its content does not match its hash (changed after completion)"));
  }
  if (problem != NULL) {
    report->bad_id = id;
    report->bad_seq = seq;
    report->problem = problem;
    return FALSE;
  }
  report->rows++;
  g_strlcpy(walk->prev, hash, sizeof walk->prev);
  return TRUE;
}

static gboolean
walk_airing(Walk *walk, const LoaAiring *a)
{
  g_string_truncate(walk->canonical, 0);
  loa_chain_canonical(walk->station_id, a, walk->canonical);
  return walk_check(walk, a->chain_seq, a->id, a->prev_hash, a->hash);
}

void
loa_chain_verify_rows(const char *station_id, GPtrArray *rows, const char *prev_hash,
                      LoaChainReport *report)
{
  Walk walk;
  walk_init(&walk, station_id, report, prev_hash);
  /* A bundle starts wherever its period starts. */
  gint64 start = rows->len > 0 ? ((LoaAiring *)rows->pdata[0])->chain_seq - 1 : 0;
  report->rows = start;
  for (guint i = 0; i < rows->len; i++)
    if (!walk_airing(&walk, rows->pdata[i]))
      break;
  report->rows -= start;
  walk_finish(&walk);
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

  /* Streamed straight from the rows: no copy of a row is made. */
  g_autoptr(sqlite3_stmt) stmt = NULL;
  if (sqlite3_prepare_v2(db,
                         "SELECT " CHAIN_COLUMNS " FROM airings WHERE chain_seq IS NOT NULL"
                         " ORDER BY chain_seq",
                         -1, &stmt, NULL) != SQLITE_OK)
    return loa_db_set_error(error, db, _("reading the as-run log"));
  Walk walk;
  walk_init(&walk, station_id, report, LOA_CHAIN_GENESIS);
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    g_string_truncate(walk.canonical, 0);
    canonical_from_row(station_id, stmt, walk.canonical);
    if (!walk_check(&walk, sqlite3_column_int64(stmt, 0), sqlite3_column_int64(stmt, 1),
                    (const char *)sqlite3_column_text(stmt, 18),
                    (const char *)sqlite3_column_text(stmt, 19)))
      break;
  }
  walk_finish(&walk);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return loa_db_set_error(error, db, _("reading the as-run log"));
  return TRUE;
}
