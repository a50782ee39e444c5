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

/* Integer fields of fields[] that come from the row (all but the texts). */
#define ROW_INTS 8

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

/* The row's fields as verify_rows_parallel batches them: text fields
 * appended to text, NUL-terminated, integer fields into ints. */
static void
raw_from_row(sqlite3_stmt *stmt, GString *text, gint64 ints[ROW_INTS])
{
  guint n_ints = 0;
  for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
    const Field *f = &fields[i];
    if (f->column < 0)
      continue;
    if (f->text) {
      /* Up to a NUL, as loa_chain_canonical reads C strings. */
      const char *value = (const char *)sqlite3_column_text(stmt, f->column);
      g_string_append(text, value != NULL ? value : "");
      g_string_append_c(text, '\0');
    } else
      ints[n_ints++] = sqlite3_column_int64(stmt, f->column);
  }
}

/* The canonical form from one row of raw_from_row; returns where the next
 * row's text starts. */
static const char *
canonical_from_raw(const char *station_id, const char *text, const gint64 ints[ROW_INTS],
                   GString *out)
{
  guint n_ints = 0;
  append_text(out, "format", LOA_CHAIN_FORMAT);
  for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
    const Field *f = &fields[i];
    if (f->column < 0)
      append_text(out, f->name, station_id);
    else if (f->text) {
      append_text(out, f->name, text);
      text += strlen(text) + 1;
    } else
      append_int(out, f->name, ints[n_ints++]);
  }
  return text;
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

/* Verifying a whole log uses both cores: this thread reads the rows,
 * checks positions and links (sequential by nature) and builds each row's
 * canonical form; a worker hashes batches of them, since each row's hash
 * depends only on its own content and its stored prev_hash. */
#define VERIFY_BATCH 4096


typedef struct {
  GString *text;                    /* the rows' text fields, each NUL-terminated */
  gint64 ints[VERIFY_BATCH][ROW_INTS]; /* the rows' integer fields, in fields[] order */
  char prev[VERIFY_BATCH][65];
  char hash[VERIFY_BATCH][65];
  gint64 seq[VERIFY_BATCH];
  gint64 id[VERIFY_BATCH];
  guint n;
  guint first_bad;                  /* set by the worker: first mismatching row, or n */
} Batch;

typedef struct {
  GAsyncQueue *todo;                /* Batch *, or the stop marker */
  GAsyncQueue *done;                /* Batch * */
  const char *station_id;
} Hashing;

static gpointer
hash_batches(gpointer data)
{
  Hashing *hashing = data;
  Hasher hasher;
  hasher_init(&hasher);
  GString *canonical = g_string_sized_new(1024);
  for (;;) {
    Batch *batch = g_async_queue_pop(hashing->todo);
    if (batch == (Batch *)hashing)
      break;
    batch->first_bad = batch->n;
    const char *text = batch->text->str;
    for (guint i = 0; i < batch->n; i++) {
      char computed[65];
      g_string_truncate(canonical, 0);
      text = canonical_from_raw(hashing->station_id, text, batch->ints[i], canonical);
      hasher_hash(&hasher, canonical, batch->prev[i], computed);
      if (memcmp(computed, batch->hash[i], 65) != 0) {
        batch->first_bad = i;
        break;
      }
    }
    g_async_queue_push(hashing->done, batch);
  }
  g_string_free(canonical, TRUE);
  hasher_clear(&hasher);
  return NULL;
}

/* The verdict so far, in chain order. */
typedef struct {
  LoaChainReport *report;
  char head[65];                    /* hash of the last row known good */
  gboolean failed;
} Verdict;

/* Takes a hashed batch's result; FALSE once a row is bad. */
static gboolean
accept_batch(Verdict *verdict, const Batch *batch)
{
  guint good = batch->first_bad;
  verdict->report->rows += good;
  if (good > 0)
    memcpy(verdict->head, batch->hash[good - 1], 65);
  if (good == batch->n)
    return TRUE;
  verdict->report->bad_id = batch->id[good];
  verdict->report->bad_seq = batch->seq[good];
  verdict->report->problem =
    g_strdup(_("its content does not match its hash (changed after completion)"));
  verdict->failed = TRUE;
  return FALSE;
}

/* Runs the rows of stmt (CHAIN_COLUMNS, in chain order) through both
 * stages. FALSE if reading failed (the caller reports SQLite's error). */
static gboolean
verify_rows_parallel(const char *station_id, sqlite3_stmt *stmt, LoaChainReport *report)
{
  Hashing hashing = { g_async_queue_new(), g_async_queue_new(), station_id };
  int rc = SQLITE_DONE;
  GThread *worker = g_thread_new("loa-verify", hash_batches, &hashing);
  Batch *batches[2] = { g_new0(Batch, 1), g_new0(Batch, 1) };
  batches[0]->text = g_string_sized_new(VERIFY_BATCH * 512);
  batches[1]->text = g_string_sized_new(VERIFY_BATCH * 512);
  Verdict verdict = { .report = report };
  memcpy(verdict.head, LOA_CHAIN_GENESIS, 65);
  char last_hash[65];
  memcpy(last_hash, LOA_CHAIN_GENESIS, 65);
  gint64 expected_seq = 1;
  gboolean outstanding = FALSE;     /* a batch is with the worker */
  Batch *filling = batches[0];
  gint64 link_id = 0, link_seq = 0;
  char *link_problem = NULL;        /* first position or link problem seen by this thread */

  while (!verdict.failed && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    gint64 seq = sqlite3_column_int64(stmt, 0);
    const char *prev = (const char *)sqlite3_column_text(stmt, 18);
    const char *hash = (const char *)sqlite3_column_text(stmt, 19);
    if (seq != expected_seq)
      link_problem =
        seq > expected_seq
          ? g_strdup_printf(_("chain position %" G_GINT64_FORMAT " expected, found %"
                              G_GINT64_FORMAT ": rows are missing before it"),
                            expected_seq, seq)
          : g_strdup_printf(_("chain position %" G_GINT64_FORMAT " expected, found %"
                              G_GINT64_FORMAT ": rows are out of order"),
                            expected_seq, seq);
    else if (g_strcmp0(prev, last_hash) != 0)
      link_problem = g_strdup(_("its previous hash is not the hash of the row before it "
                                "(a row was removed, inserted or reordered)"));
    else if (hash == NULL || strlen(hash) != 64)
      link_problem = g_strdup(_("its content does not match its hash (changed after completion)"));
    if (link_problem != NULL) {
      link_id = sqlite3_column_int64(stmt, 1);
      link_seq = seq;
      break;
    }
    guint i = filling->n++;
    raw_from_row(stmt, filling->text, filling->ints[i]);
    memcpy(filling->prev[i], prev, 65);
    memcpy(filling->hash[i], hash, 65);
    filling->seq[i] = seq;
    filling->id[i] = sqlite3_column_int64(stmt, 1);
    memcpy(last_hash, hash, 65);
    expected_seq++;

    if (filling->n == VERIFY_BATCH) {
      if (outstanding) {
        outstanding = FALSE;
        if (!accept_batch(&verdict, g_async_queue_pop(hashing.done)))
          break;
      }
      g_async_queue_push(hashing.todo, filling);
      outstanding = TRUE;
      filling = filling == batches[0] ? batches[1] : batches[0];
      filling->n = 0;
      g_string_truncate(filling->text, 0);
    }
  }
  gboolean read_ok = verdict.failed || link_problem != NULL || rc == SQLITE_DONE;

  /* Earlier rows first: the batch with the worker, then the one filling,
   * then a link problem found after them. */
  if (outstanding)
    accept_batch(&verdict, g_async_queue_pop(hashing.done));
  if (!verdict.failed && filling->n > 0) {
    g_async_queue_push(hashing.todo, filling);
    accept_batch(&verdict, g_async_queue_pop(hashing.done));
  }
  if (!verdict.failed && link_problem != NULL) {
    report->bad_id = link_id;
    report->bad_seq = link_seq;
    report->problem = g_steal_pointer(&link_problem);
  }
  g_free(link_problem);
  report->head = g_strdup(verdict.head);

  g_async_queue_push(hashing.todo, &hashing); /* stop marker */
  g_thread_join(worker);
  g_async_queue_unref(hashing.todo);
  g_async_queue_unref(hashing.done);
  for (int b = 0; b < 2; b++) {
    g_string_free(batches[b]->text, TRUE);
    g_free(batches[b]);
  }
  return read_ok;
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

  g_autoptr(sqlite3_stmt) stmt = NULL;
  if (sqlite3_prepare_v2(db,
                         "SELECT " CHAIN_COLUMNS " FROM airings WHERE chain_seq IS NOT NULL"
                         " ORDER BY chain_seq",
                         -1, &stmt, NULL) != SQLITE_OK)
    return loa_db_set_error(error, db, _("reading the as-run log"));
  if (!verify_rows_parallel(station_id, stmt, report))
    return loa_db_set_error(error, db, _("reading the as-run log"));
  return TRUE;
}
