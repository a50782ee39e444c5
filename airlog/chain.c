/* The as-run log's hash chain (see chain.h and docs/as-run-log.md). */
#include "chain.h"

#include "db.h"
#include "i18n.h"
#include "loa-cleanup.h"

#include <inttypes.h>
#include <math.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <string.h>

/* The canonical fields after "format" and "station", in order
 * (docs/as-run-log.md): where each lives in a LoaAiring and in a row read
 * with CHAIN_COLUMNS, and the first form that has it. Every writer below
 * walks this one table, so they cannot disagree. */
typedef enum { KIND_TEXT, KIND_INT64, KIND_INT, KIND_CENTI } Kind;

typedef struct {
  const char *name;
  Kind kind;
  int since;       /* first canonical form version with this field */
  size_t offset;   /* in LoaAiring */
  size_t known;    /* KIND_CENTI: offset of its gboolean "known" flag */
  int column;      /* in CHAIN_COLUMNS */
} Field;

#define F(name, kind, since, member, column) \
  { name, kind, since, G_STRUCT_OFFSET(LoaAiring, member), 0, column }
#define C(name, member, known, column) \
  { name, KIND_CENTI, 2, G_STRUCT_OFFSET(LoaAiring, member), G_STRUCT_OFFSET(LoaAiring, known), column }
static const Field fields[] = {
  F("seq", KIND_INT64, 1, chain_seq, 0),
  F("id", KIND_INT64, 1, id, 1),
  F("line", KIND_TEXT, 1, line, 2),
  F("spot", KIND_TEXT, 1, spot_id, 3),
  F("spot_sha256", KIND_TEXT, 1, spot_sha256, 4),
  F("title", KIND_TEXT, 1, title, 5),
  F("category", KIND_TEXT, 1, category, 6),
  F("topic", KIND_TEXT, 1, topic, 7),
  F("priority", KIND_TEXT, 1, priority, 8),
  F("event", KIND_TEXT, 1, event_ref, 9),
  F("scheduled_at", KIND_INT64, 1, scheduled_at, 10),
  F("started_at", KIND_INT64, 1, started_at, 11),
  F("ended_at", KIND_INT64, 1, ended_at, 12),
  F("samples", KIND_INT64, 1, samples, 13),
  F("sample_rate", KIND_INT, 1, sample_rate, 14),
  F("status", KIND_TEXT, 1, status, 15),
  F("reason", KIND_TEXT, 1, reason, 16),
  F("completed_at", KIND_INT64, 1, completed_at, 17),
  C("gain_db", gain_db, gain_known, 18),
  F("switches", KIND_TEXT, 2, switches, 19),
  F("monitor", KIND_TEXT, 2, monitor, 20),
  C("monitor_lufs", monitor_lufs, monitor_lufs_known, 21),
};
#undef F
#undef C

/* The row columns fields[].column refers to, then the chain's own. No
 * coalesce(): NULLs are read as 0 or "" here, which is faster. */
#define CHAIN_COLUMNS                                                                      \
  "chain_seq, id, line, spot_id, spot_sha256, title, category, topic, priority, event_ref," \
  " scheduled_at, started_at, ended_at, samples, sample_rate, status, reason, completed_at," \
  " gain_db, switches, monitor, monitor_lufs, prev_hash, hash, chain_version"
#define COLUMN_PREV_HASH 22
#define COLUMN_HASH 23
#define COLUMN_VERSION 24

static const char *const formats[] = { NULL, "loa-airing/1", "loa-airing/2" };

const char *
loa_chain_format(int version)
{
  return version >= 1 && version <= LOA_CHAIN_VERSION ? formats[version] : NULL;
}

int
loa_chain_format_version(const char *format)
{
  for (int v = 1; v <= LOA_CHAIN_VERSION; v++)
    if (g_strcmp0(format, formats[v]) == 0)
      return v;
  return 0;
}

/* The canonical form is written into a plain buffer: the verification rate
 * hangs on it, and reserving a row's worst case once beats growing a
 * GString field by field. */
typedef struct {
  char *data;
  size_t len, cap;
} Buffer;

static void
buffer_reserve(Buffer *b, size_t more)
{
  if (b->len + more <= b->cap)
    return;
  b->cap = MAX(b->cap * 2, b->len + more);
  b->data = g_realloc(b->data, b->cap);
}

/* Room for one field: name, '=', the value escaped (at most twice as long),
 * '\n'. The value itself is reserved by the caller. */
#define FIELD_OVERHEAD 32

static inline void
put_name(Buffer *b, const char *name)
{
  size_t n = strlen(name);
  memcpy(b->data + b->len, name, n);
  b->data[b->len + n] = '=';
  b->len += n + 1;
}

/* Backslash, line feed and carriage return are escaped; the rest as is. */
static inline void
put_text(Buffer *b, const char *name, const char *value, size_t length)
{
  put_name(b, name);
  char *out = b->data + b->len;
  for (size_t i = 0; i < length; i++) {
    char c = value[i];
    if (G_UNLIKELY(c == '\\' || c == '\n' || c == '\r')) {
      *out++ = '\\';
      c = c == '\\' ? '\\' : c == '\n' ? 'n' : 'r';
    }
    *out++ = c;
  }
  *out++ = '\n';
  b->len = (size_t)(out - b->data);
}

static inline void
put_int(Buffer *b, const char *name, gint64 value)
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
  put_name(b, name);
  memcpy(b->data + b->len, p, (size_t)(end - p));
  b->len += (size_t)(end - p);
  b->data[b->len++] = '\n';
}

/* A level in hundredths: "-3.25", "0.00", "12.30"; empty when not known. */
static inline void
put_centi(Buffer *b, const char *name, gboolean known, double value)
{
  if (!known) {
    put_name(b, name);
    b->data[b->len++] = '\n';
    return;
  }
  gint64 hundredths = llround(value * 100.0);
  guint64 magnitude = hundredths < 0 ? (guint64)0 - (guint64)hundredths : (guint64)hundredths;
  char digits[32];
  char *end = digits + sizeof digits, *p = end;
  *--p = (char)('0' + magnitude % 10);
  *--p = (char)('0' + magnitude / 10 % 10);
  *--p = '.';
  magnitude /= 100;
  do {
    *--p = (char)('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  if (hundredths < 0)
    *--p = '-';
  put_name(b, name);
  memcpy(b->data + b->len, p, (size_t)(end - p));
  b->len += (size_t)(end - p);
  b->data[b->len++] = '\n';
}

static size_t
safe_strlen(const char *text)
{
  return text != NULL ? strlen(text) : 0;
}

/* Appends the canonical form of airing a in form version to b. */
static void
canonical_from_airing(const char *station_id, const LoaAiring *a, int version, Buffer *b)
{
  size_t station_length = safe_strlen(station_id);
  buffer_reserve(b, 2 * FIELD_OVERHEAD + 2 * station_length);
  put_text(b, "format", formats[version], strlen(formats[version]));
  put_text(b, "station", station_id != NULL ? station_id : "", station_length);
  for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
    const Field *f = &fields[i];
    if (f->since > version)
      break;
    if (f->kind == KIND_TEXT) {
      const char *value = G_STRUCT_MEMBER(const char *, a, f->offset);
      size_t length = safe_strlen(value);
      buffer_reserve(b, FIELD_OVERHEAD + 2 * length);
      put_text(b, f->name, value != NULL ? value : "", length);
      continue;
    }
    buffer_reserve(b, FIELD_OVERHEAD + 32);
    if (f->kind == KIND_INT)
      put_int(b, f->name, G_STRUCT_MEMBER(int, a, f->offset));
    else if (f->kind == KIND_INT64)
      put_int(b, f->name, G_STRUCT_MEMBER(gint64, a, f->offset));
    else
      put_centi(b, f->name, G_STRUCT_MEMBER(gboolean, a, f->known),
                G_STRUCT_MEMBER(double, a, f->offset));
  }
}

void
loa_chain_canonical(const char *station_id, const LoaAiring *a, GString *out)
{
  int version = a->chain_version >= 1 && a->chain_version <= LOA_CHAIN_VERSION
                  ? a->chain_version
                  : LOA_CHAIN_VERSION;
  Buffer b = { 0 };
  canonical_from_airing(station_id, a, version, &b);
  g_string_append_len(out, b.data, (gssize)b.len);
  g_free(b.data);
}

/* Rows are read in two steps so that two threads share the work: the
 * reading thread copies the fields of a row as they are ("raw": text fields
 * one after the other, each NUL-terminated; numbers, and levels in
 * hundredths, into an array), a worker writes the canonical form from them.
 * ROW_INTS: the number fields of the latest form. */
#define ROW_INTS 11
#define LEVEL_UNKNOWN G_MININT64

/* The current row of stmt (CHAIN_COLUMNS) in form version, raw. Text is
 * read up to a NUL, as loa_chain_canonical reads C strings. */
static void
raw_from_row(sqlite3_stmt *stmt, int version, Buffer *text, gint64 ints[ROW_INTS])
{
  guint n = 0;
  for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
    const Field *f = &fields[i];
    if (f->since > version)
      break;
    if (f->kind == KIND_TEXT) {
      const char *value = (const char *)sqlite3_column_text(stmt, f->column);
      size_t length = value != NULL ? strlen(value) : 0;
      buffer_reserve(text, length + 1);
      if (length > 0)
        memcpy(text->data + text->len, value, length);
      text->data[text->len + length] = '\0';
      text->len += length + 1;
    } else if (f->kind == KIND_CENTI)
      ints[n++] = sqlite3_column_type(stmt, f->column) == SQLITE_NULL
                    ? LEVEL_UNKNOWN
                    : llround(sqlite3_column_double(stmt, f->column) * 100.0);
    else
      ints[n++] = sqlite3_column_int64(stmt, f->column);
  }
}

/* The canonical form of one raw row into b; returns where the next row's
 * text starts. */
static const char *
canonical_from_raw(const char *station_id, size_t station_length, int version,
                   const char *text, const gint64 ints[ROW_INTS], Buffer *b)
{
  guint n = 0;
  buffer_reserve(b, 2 * FIELD_OVERHEAD + 2 * station_length);
  put_text(b, "format", formats[version], strlen(formats[version]));
  put_text(b, "station", station_id, station_length);
  for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
    const Field *f = &fields[i];
    if (f->since > version)
      break;
    if (f->kind == KIND_TEXT) {
      size_t length = strlen(text);
      buffer_reserve(b, FIELD_OVERHEAD + 2 * length);
      put_text(b, f->name, text, length);
      text += length + 1;
      continue;
    }
    buffer_reserve(b, FIELD_OVERHEAD + 32);
    gint64 value = ints[n++];
    if (f->kind != KIND_CENTI)
      put_int(b, f->name, value);
    else
      put_centi(b, f->name, value != LEVEL_UNKNOWN, (double)value / 100.0);
  }
  return text;
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
hasher_hash(Hasher *hasher, const char *canonical, size_t length, const char *prev_hash,
            char out[65])
{
  static const char digits[] = "0123456789abcdef";
  unsigned char digest[SHA256_DIGEST_LENGTH];
  unsigned int digest_length = 0;
  if (EVP_DigestInit_ex2(hasher->ctx, hasher->md, NULL) != 1 ||
      EVP_DigestUpdate(hasher->ctx, canonical, length) != 1 ||
      EVP_DigestUpdate(hasher->ctx, prev_hash, strlen(prev_hash)) != 1 ||
      EVP_DigestFinal_ex(hasher->ctx, digest, &digest_length) != 1)
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
  hasher_hash(&hasher, canonical->str, canonical->len, prev_hash, out);
  hasher_clear(&hasher);
  return g_strdup(out);
}

void
loa_chain_report_clear(LoaChainReport *report)
{
  g_free(report->head);
  g_free(report->problem);
  *report = (LoaChainReport){ 0 };
}

/* Problems a walk can find, worded once for both walks. */
static char *
position_problem(gint64 expected_seq, gint64 seq)
{
  return seq > expected_seq
           ? g_strdup_printf(_("chain position %" PRId64 " expected, found %"
                               PRId64 ": rows are missing before it"),
                             expected_seq, seq)
           : g_strdup_printf(_("chain position %" PRId64 " expected, found %"
                               PRId64 ": rows are out of order"),
                             expected_seq, seq);
}

#define PROBLEM_LINK                                                                        \
  _("its previous hash is not the hash of the row before it "                               \
    "(a row was removed, inserted or reordered)")
#define PROBLEM_CONTENT _("its content does not match its hash (changed after completion)")

/* A row's form must be one this Loa knows, and never older than the form of
 * a row before it: forms only move forward, so a row rewritten in an older
 * form (to drop facts it had) is named. NULL if fine. */
static char *
version_problem(int version, int last_version)
{
  if (version < 1 || version > LOA_CHAIN_VERSION)
    return g_strdup_printf(_("its canonical form version %d is not one this Loa knows "
                             "(1 to %d)"),
                           version, LOA_CHAIN_VERSION);
  if (version < last_version)
    return g_strdup_printf(_("its canonical form version %d is older than the version %d of "
                             "a row before it"),
                           version, last_version);
  return NULL;
}

/* Walks rows (LoaAiring *, chain fields set) in chain order, one thread. */
void
loa_chain_verify_rows(const char *station_id, GPtrArray *rows, const char *prev_hash,
                      LoaChainReport *report)
{
  Hasher hasher;
  hasher_init(&hasher);
  Buffer canonical = { 0 };
  char prev[65];
  g_strlcpy(prev, prev_hash, sizeof prev);
  int last_version = 1;
  report->rows = 0;
  /* A bundle starts wherever its period starts. */
  gint64 expected_seq = rows->len > 0 ? ((LoaAiring *)rows->pdata[0])->chain_seq : 1;
  for (guint i = 0; i < rows->len; i++, expected_seq++) {
    const LoaAiring *a = rows->pdata[i];
    char *problem = NULL;
    if (a->chain_seq != expected_seq)
      problem = position_problem(expected_seq, a->chain_seq);
    else if (g_strcmp0(a->prev_hash, prev) != 0)
      problem = g_strdup(PROBLEM_LINK);
    else if ((problem = version_problem(a->chain_version, last_version)) == NULL) {
      char computed[65];
      canonical.len = 0;
      canonical_from_airing(station_id, a, a->chain_version, &canonical);
      hasher_hash(&hasher, canonical.data, canonical.len, prev, computed);
      if (g_strcmp0(computed, a->hash) != 0)
        problem = g_strdup(PROBLEM_CONTENT);
    }
    if (problem != NULL) {
      report->bad_id = a->id;
      report->bad_seq = a->chain_seq;
      report->problem = problem;
      break;
    }
    report->rows++;
    last_version = a->chain_version;
    g_strlcpy(prev, a->hash, sizeof prev);
  }
  report->head = g_strdup(prev);
  g_free(canonical.data);
  hasher_clear(&hasher);
}

/* Verifying a log uses every core: this thread reads the rows, checks
 * positions, links and forms (sequential by nature) and writes each row's
 * canonical form into a batch; workers hash batches, since each row's hash
 * depends only on its own content and its stored prev_hash (which this
 * thread has checked is the hash of the row before). */
#define VERIFY_BATCH 4096
#define MAX_WORKERS 8

typedef struct {
  Buffer text;                      /* the rows' text fields, raw (raw_from_row) */
  gint64 ints[VERIFY_BATCH][ROW_INTS]; /* the rows' number fields, raw */
  int version[VERIFY_BATCH];        /* the form of each row */
  char prev[VERIFY_BATCH][65];
  char hash[VERIFY_BATCH][65];
  gint64 seq[VERIFY_BATCH];
  gint64 id[VERIFY_BATCH];
  guint n;
  guint first_bad;                  /* set by a worker: first mismatching row, or n */
  gboolean hashed;                  /* back from a worker (this thread's flag) */
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
  Buffer canonical = { 0 };
  size_t station_length = strlen(hashing->station_id);
  for (;;) {
    Batch *batch = g_async_queue_pop(hashing->todo);
    if (batch == (Batch *)hashing)
      break;
    batch->first_bad = batch->n;
    const char *text = batch->text.data;
    for (guint i = 0; i < batch->n; i++) {
      char computed[65];
      canonical.len = 0;
      text = canonical_from_raw(hashing->station_id, station_length, batch->version[i], text,
                                batch->ints[i], &canonical);
      hasher_hash(&hasher, canonical.data, canonical.len, batch->prev[i], computed);
      if (memcmp(computed, batch->hash[i], 65) != 0) {
        batch->first_bad = i;
        break;
      }
    }
    g_async_queue_push(hashing->done, batch);
  }
  g_free(canonical.data);
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
  if (verdict->failed)
    return FALSE;
  guint good = batch->first_bad;
  verdict->report->rows += good;
  if (good > 0)
    memcpy(verdict->head, batch->hash[good - 1], 65);
  if (good == batch->n)
    return TRUE;
  verdict->report->bad_id = batch->id[good];
  verdict->report->bad_seq = batch->seq[good];
  verdict->report->problem = g_strdup(PROBLEM_CONTENT);
  verdict->failed = TRUE;
  return FALSE;
}

/* Batches in chain order: those with the workers, oldest first. */
typedef struct {
  Hashing hashing;
  GThread *workers[MAX_WORKERS];
  guint n_workers;
  Batch **batches;                  /* n_workers + 2 of them, reused in turn */
  guint n_batches;
  guint oldest, in_flight;          /* ring of batches with the workers */
} Pipeline;

static void
pipeline_start(Pipeline *p, const char *station_id)
{
  p->hashing.todo = g_async_queue_new();
  p->hashing.done = g_async_queue_new();
  p->hashing.station_id = station_id;
  /* This thread reads; the other cores write the canonical forms and hash. */
  p->n_workers = CLAMP(g_get_num_processors() - 1, 1, MAX_WORKERS);
  p->n_batches = p->n_workers + 2;
  p->batches = g_new0(Batch *, p->n_batches);
  for (guint b = 0; b < p->n_batches; b++) {
    p->batches[b] = g_new0(Batch, 1);
    buffer_reserve(&p->batches[b]->text, VERIFY_BATCH * 256);
  }
  for (guint w = 0; w < p->n_workers; w++)
    p->workers[w] = g_thread_new("loa-verify", hash_batches, &p->hashing);
}

/* Waits for the oldest batch with the workers and gives its verdict. */
static gboolean
pipeline_take_oldest(Pipeline *p, Verdict *verdict)
{
  Batch *oldest = p->batches[p->oldest];
  while (!oldest->hashed)
    ((Batch *)g_async_queue_pop(p->hashing.done))->hashed = TRUE;
  p->oldest = (p->oldest + 1) % p->n_batches;
  p->in_flight--;
  return accept_batch(verdict, oldest);
}

/* Hands batch (the one after the ring) to the workers. */
static void
pipeline_push(Pipeline *p, Batch *batch)
{
  batch->hashed = FALSE;
  p->in_flight++;
  g_async_queue_push(p->hashing.todo, batch);
}

/* The batch to fill next: the one after the ring, once it is free. */
static Batch *
pipeline_free_batch(Pipeline *p, Verdict *verdict)
{
  if (p->in_flight == p->n_batches)
    pipeline_take_oldest(p, verdict);
  Batch *batch = p->batches[(p->oldest + p->in_flight) % p->n_batches];
  batch->n = 0;
  batch->text.len = 0;
  return batch;
}

static void
pipeline_stop(Pipeline *p, Verdict *verdict)
{
  while (p->in_flight > 0)
    pipeline_take_oldest(p, verdict);
  for (guint w = 0; w < p->n_workers; w++)
    g_async_queue_push(p->hashing.todo, &p->hashing); /* one stop marker each */
  for (guint w = 0; w < p->n_workers; w++)
    g_thread_join(p->workers[w]);
  g_async_queue_unref(p->hashing.todo);
  g_async_queue_unref(p->hashing.done);
  for (guint b = 0; b < p->n_batches; b++) {
    g_free(p->batches[b]->text.data);
    g_free(p->batches[b]);
  }
  g_free(p->batches);
}

/* Runs the rows of stmt (CHAIN_COLUMNS, in chain order, the first at
 * first_seq after prev_hash) through the pipeline. FALSE if reading failed
 * (the caller reports SQLite's error). */
static gboolean
verify_rows_parallel(const char *station_id, sqlite3_stmt *stmt, gint64 first_seq,
                     const char *prev_hash, LoaChainReport *report)
{
  Pipeline pipeline = { 0 };
  pipeline_start(&pipeline, station_id);
  Verdict verdict = { .report = report };
  g_strlcpy(verdict.head, prev_hash, sizeof verdict.head);
  char last_hash[65];
  g_strlcpy(last_hash, prev_hash, sizeof last_hash);
  gint64 expected_seq = first_seq;
  int last_version = 1;
  int rc = SQLITE_DONE;
  gint64 link_id = 0, link_seq = 0;
  char *link_problem = NULL;        /* first position, link or form problem seen here */
  Batch *filling = pipeline_free_batch(&pipeline, &verdict);

  while (!verdict.failed && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    gint64 seq = sqlite3_column_int64(stmt, 0);
    const char *prev = (const char *)sqlite3_column_text(stmt, COLUMN_PREV_HASH);
    const char *hash = (const char *)sqlite3_column_text(stmt, COLUMN_HASH);
    int version = sqlite3_column_int(stmt, COLUMN_VERSION);
    if (seq != expected_seq)
      link_problem = position_problem(expected_seq, seq);
    else if (prev == NULL || strlen(prev) != 64 || memcmp(prev, last_hash, 64) != 0)
      link_problem = g_strdup(PROBLEM_LINK);
    else if (hash == NULL || strlen(hash) != 64)
      link_problem = g_strdup(PROBLEM_CONTENT);
    else
      link_problem = version_problem(version, last_version);
    if (link_problem != NULL) {
      link_id = sqlite3_column_int64(stmt, 1);
      link_seq = seq;
      break;
    }
    guint i = filling->n++;
    raw_from_row(stmt, version, &filling->text, filling->ints[i]);
    filling->version[i] = version;
    memcpy(filling->prev[i], prev, 65);
    memcpy(filling->hash[i], hash, 65);
    filling->seq[i] = seq;
    filling->id[i] = sqlite3_column_int64(stmt, 1);
    memcpy(last_hash, hash, 65);
    last_version = version;
    expected_seq++;

    if (filling->n == VERIFY_BATCH) {
      pipeline_push(&pipeline, filling);
      filling = pipeline_free_batch(&pipeline, &verdict);
    }
  }
  gboolean read_ok = verdict.failed || link_problem != NULL || rc == SQLITE_DONE;

  /* Earlier rows first: the batches with the workers, then the one
   * filling, then a problem this thread found after them. */
  if (!verdict.failed && filling->n > 0)
    pipeline_push(&pipeline, filling);
  pipeline_stop(&pipeline, &verdict);
  if (!verdict.failed && link_problem != NULL) {
    report->bad_id = link_id;
    report->bad_seq = link_seq;
    report->problem = g_steal_pointer(&link_problem);
  }
  g_free(link_problem);
  report->head = g_strdup(verdict.head);
  return read_ok;
}

/* A completed row outside the chain is as bad as a broken link. TRUE if
 * there is none; else report filled (or the error set, returning FALSE
 * with *read_failed). */
static gboolean
check_no_loose_rows(sqlite3 *db, LoaChainReport *report, gboolean *read_failed)
{
  g_autoptr(sqlite3_stmt) loose = NULL;
  *read_failed = TRUE;
  if (sqlite3_prepare_v2(db,
                         "SELECT id FROM airings WHERE status <> 'on-air' AND chain_seq IS NULL"
                         " ORDER BY id LIMIT 1",
                         -1, &loose, NULL) != SQLITE_OK)
    return FALSE;
  int rc = sqlite3_step(loose);
  if (rc == SQLITE_ROW) {
    *read_failed = FALSE;
    report->bad_id = sqlite3_column_int64(loose, 0);
    report->problem = g_strdup(_("it is completed but has no place in the hash chain"));
    report->head = g_strdup(LOA_CHAIN_GENESIS);
    return FALSE;
  }
  *read_failed = rc != SQLITE_DONE;
  return !*read_failed;
}

/* The stored hash of row seq (LOA_CHAIN_GENESIS for 0) into out; FALSE
 * (report filled) if there is no such row. */
static gboolean
anchor_hash(sqlite3 *db, gint64 seq, char out[65], LoaChainReport *report, GError **error,
            gboolean *ok)
{
  *ok = TRUE;
  if (seq == 0) {
    memcpy(out, LOA_CHAIN_GENESIS, 65);
    return TRUE;
  }
  g_autoptr(sqlite3_stmt) stmt = NULL;
  if (sqlite3_prepare_v2(db, "SELECT id, hash FROM airings WHERE chain_seq = ?", -1, &stmt,
                         NULL) != SQLITE_OK ||
      sqlite3_bind_int64(stmt, 1, seq) != SQLITE_OK) {
    *ok = loa_db_set_error(error, db, _("reading the as-run log"));
    return FALSE;
  }
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW && sqlite3_column_bytes(stmt, 1) == 64) {
    memcpy(out, sqlite3_column_text(stmt, 1), 65);
    return TRUE;
  }
  if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
    report->bad_id = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
    report->bad_seq = seq;
    report->problem = g_strdup_printf(_("chain position %" PRId64 " has no row with a "
                                        "hash: rows are missing"),
                                      seq);
    report->head = g_strdup(LOA_CHAIN_GENESIS);
    return FALSE;
  }
  *ok = loa_db_set_error(error, db, _("reading the as-run log"));
  return FALSE;
}

gboolean
loa_chain_verify_from(sqlite3 *db, gint64 first_seq, LoaChainReport *report, GError **error)
{
  g_return_val_if_fail(first_seq >= 1, FALSE);
  g_autofree char *station_id = loa_airlog_station_id(db, error);
  if (station_id == NULL)
    return FALSE;

  gboolean read_failed = FALSE;
  if (!check_no_loose_rows(db, report, &read_failed))
    return read_failed ? loa_db_set_error(error, db, _("reading the as-run log")) : TRUE;
  char anchor[65];
  gboolean ok = TRUE;
  if (!anchor_hash(db, first_seq - 1, anchor, report, error, &ok))
    return ok;

  /* The rows are read on a connection of their own, without SQLite's
   * per-call mutex (a third of the reading thread's time on the shared,
   * serialised connection) and with the file mapped into memory. It sees
   * what db has committed; a database without a file (":memory:") is read
   * on db itself. */
  g_autoptr(sqlite3) reader = NULL;
  const char *file = sqlite3_db_filename(db, "main");
  if (file != NULL && *file != '\0' &&
      sqlite3_open_v2(file, &reader, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) ==
        SQLITE_OK) {
    sqlite3_busy_timeout(reader, 5000);
    sqlite3_exec(reader, "PRAGMA mmap_size = 1073741824", NULL, NULL, NULL);
  } else
    g_clear_pointer(&reader, sqlite3_close);
  sqlite3 *source = reader != NULL ? reader : db;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  if (sqlite3_prepare_v2(source,
                         "SELECT " CHAIN_COLUMNS " FROM airings WHERE chain_seq >= ?"
                         " ORDER BY chain_seq",
                         -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_bind_int64(stmt, 1, first_seq) != SQLITE_OK)
    return loa_db_set_error(error, source, _("reading the as-run log"));
  if (!verify_rows_parallel(station_id, stmt, first_seq, anchor, report))
    return loa_db_set_error(error, source, _("reading the as-run log"));
  return TRUE;
}

gboolean
loa_chain_verify(sqlite3 *db, LoaChainReport *report, GError **error)
{
  return loa_chain_verify_from(db, 1, report, error);
}
