/* Export bundles (see bundle.h and docs/bundle-format.md): their life
 * cycle, the header table and the escapes shared with reading, collecting a
 * period from the station database, signing and writing. Reading a bundle
 * back is in bundle-read.c, a row's canonical form read back and the forms
 * header in bundle-canonical.c, the signature and chain checks in
 * bundle-verify.c. */
#include "bundle.h"
#include "bundle-private.h"

#include "chain.h"
#include "db.h"
#include "i18n.h"
#include "loa-time.h"

#include <inttypes.h>
#include <string.h>

G_DEFINE_QUARK(loa-bundle-error-quark, loa_bundle_error)

const char *const loa_bundle_header_names[N_HEADERS] = {
  [HEADER_STATION] = "station",
  [HEADER_STATION_NAME] = "station-name",
  [HEADER_TIMEZONE] = "timezone",
  [HEADER_PERIOD] = "period",
  [HEADER_FROM] = "from",
  [HEADER_UNTIL] = "until",
  [HEADER_FIRST_SEQ] = "first-seq",
  [HEADER_LAST_SEQ] = "last-seq",
  [HEADER_ROWS] = "rows",
  [HEADER_HEAD_BEFORE] = "head-before",
  [HEADER_HEAD_AFTER] = "head-after",
  [HEADER_CANONICAL] = "canonical",
  [HEADER_PUBLIC_KEY] = "public-key",
};

void
loa_bundle_row_free(LoaBundleRow *row)
{
  if (row == NULL)
    return;
  g_free(row->hash);
  g_free(row->canonical);
  g_free(row);
}

LoaBundle *
loa_bundle_new(void)
{
  LoaBundle *bundle = g_new0(LoaBundle, 1);
  bundle->rows = g_ptr_array_new_with_free_func((GDestroyNotify)loa_bundle_row_free);
  return bundle;
}

void
loa_bundle_free(LoaBundle *bundle)
{
  if (bundle == NULL)
    return;
  g_free(bundle->station_id);
  g_free(bundle->station_name);
  g_free(bundle->timezone_name);
  g_free(bundle->period);
  g_free(bundle->head_before);
  g_free(bundle->head_after);
  g_free(bundle->public_key);
  g_free(bundle->forms);
  g_ptr_array_unref(bundle->rows);
  if (bundle->data != NULL)
    g_bytes_unref(bundle->data);
  g_free(bundle->signature);
  g_free(bundle);
}

/* Escapes as the canonical form does: backslash, newline and carriage return. */
static void
append_escaped(GString *out, const char *text)
{
  for (const char *p = text != NULL ? text : ""; *p != '\0'; p++) {
    switch (*p) {
    case '\\': g_string_append(out, "\\\\"); break;
    case '\n': g_string_append(out, "\\n"); break;
    case '\r': g_string_append(out, "\\r"); break;
    default: g_string_append_c(out, *p);
    }
  }
}

/* The reverse of append_escaped; NULL for an unknown escape or a raw CR. */
char *
loa_bundle_unescape(const char *text, gsize length)
{
  GString *out = g_string_sized_new(length);
  for (gsize i = 0; i < length; i++) {
    char c = text[i];
    if (c == '\r') {
      g_string_free(out, TRUE);
      return NULL;
    }
    if (c != '\\') {
      g_string_append_c(out, c);
      continue;
    }
    char next = i + 1 < length ? text[++i] : '\0';
    if (next == '\\')
      g_string_append_c(out, '\\');
    else if (next == 'n')
      g_string_append_c(out, '\n');
    else if (next == 'r')
      g_string_append_c(out, '\r');
    else {
      g_string_free(out, TRUE);
      return NULL;
    }
  }
  return g_string_free(out, FALSE);
}

/* Collecting from the station database. */

/* The chain position of the last row completed before `before` (0 if none). */
static gboolean
last_seq_before(sqlite3 *db, gint64 before, gint64 *seq, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  if (sqlite3_prepare_v2(db,
                         "SELECT coalesce(max(chain_seq), 0) FROM airings"
                         " WHERE chain_seq IS NOT NULL AND completed_at < ?",
                         -1, &stmt, NULL) != SQLITE_OK)
    return loa_db_set_error(error, db, _("reading the as-run log"));
  if (!loa_db_bind(stmt, error, "i", before))
    return FALSE;
  if (sqlite3_step(stmt) != SQLITE_ROW)
    return loa_db_set_error(error, db, _("reading the as-run log"));
  *seq = sqlite3_column_int64(stmt, 0);
  return TRUE;
}

/* The hash of chain row seq, or LOA_CHAIN_GENESIS for seq 0. */
static char *
hash_of_seq(sqlite3 *db, gint64 seq, GError **error)
{
  if (seq == 0)
    return g_strdup(LOA_CHAIN_GENESIS);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  if (sqlite3_prepare_v2(db, "SELECT coalesce(hash, '') FROM airings WHERE chain_seq = ?", -1,
                         &stmt, NULL) != SQLITE_OK) {
    loa_db_set_error(error, db, _("reading the as-run log"));
    return NULL;
  }
  if (!loa_db_bind(stmt, error, "i", seq))
    return NULL;
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW)
    return loa_db_column_text(stmt, 0);
  if (rc == SQLITE_DONE)
    g_set_error(error, LOA_DB_ERROR, LOA_DB_ERROR_SQL,
                _("the as-run log has no row at chain position %" PRId64), seq);
  else
    loa_db_set_error(error, db, _("reading the as-run log"));
  return NULL;
}

typedef struct {
  LoaBundle *bundle;
  GString *canonical;
} Collect;

static gboolean
collect_row(LoaAiring *airing, gpointer user_data)
{
  Collect *collect = user_data;
  g_string_truncate(collect->canonical, 0);
  loa_chain_canonical(collect->bundle->station_id, airing, collect->canonical);
  LoaBundleRow *row = g_new0(LoaBundleRow, 1);
  row->seq = airing->chain_seq;
  row->hash = g_strdup(airing->hash);
  row->canonical = g_strndup(collect->canonical->str, collect->canonical->len);
  g_ptr_array_add(collect->bundle->rows, row);
  loa_airing_free(airing);
  return TRUE;
}

/* ISO 8601 in the station's zone to the nanosecond, so that the bounds read
 * back are exactly those the rows were selected by:
 * "2026-05-01T00:00:00.000000000+07:00". */
static char *
format_time(const char *timezone_name, gint64 ns)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier(timezone_name);
  if (tz == NULL)
    tz = g_time_zone_new_utc();
  gint64 seconds = ns / LOA_NS_PER_SECOND, fraction = ns % LOA_NS_PER_SECOND;
  if (fraction < 0) {
    seconds--;
    fraction += LOA_NS_PER_SECOND;
  }
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(seconds);
  g_autoptr(GDateTime) local = g_date_time_to_timezone(utc, tz);
  g_autofree char *date = g_date_time_format(local, "%Y-%m-%dT%H:%M:%S");
  g_autofree char *offset = g_date_time_format(local, "%:z");
  return g_strdup_printf("%s.%09" PRId64 "%s", date, fraction, offset);
}

LoaBundle *
loa_bundle_collect(sqlite3 *db, const char *station_name, const char *timezone_name,
                   GTimeZone *tz, const char *period, gint64 from, gint64 until, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(LoaBundle) bundle = loa_bundle_new();
  gint64 before_from = 0, before_until = 0;

  bundle->station_id = loa_airlog_station_id(db, &local);
  bundle->station_name = g_strdup(station_name);
  bundle->timezone_name = g_strdup(timezone_name);
  bundle->from = from;
  bundle->until = until;
  if (period != NULL) {
    bundle->period = g_strdup(period);
  } else {
    g_autofree char *from_text = loa_time_format_local(tz, from);
    g_autofree char *until_text = loa_time_format_local(tz, until);
    /* "2026-05-03 00:00:00.000" -> "2026-05-03T00:00:00" */
    from_text[10] = until_text[10] = 'T';
    from_text[19] = until_text[19] = '\0';
    bundle->period = g_strdup_printf("%s/%s", from_text, until_text);
  }
  if (bundle->station_id == NULL || !last_seq_before(db, from, &before_from, &local) ||
      !last_seq_before(db, until, &before_until, &local) ||
      (bundle->head_before = hash_of_seq(db, before_from, &local)) == NULL)
    goto failed;
  bundle->first_seq = before_from + 1;
  bundle->last_seq = MAX(before_until, before_from);
  if (bundle->last_seq >= bundle->first_seq) {
    Collect collect = { bundle, g_string_new(NULL) };
    gboolean ok = loa_airlog_chain_foreach(db, bundle->first_seq, bundle->last_seq, collect_row,
                                           &collect, &local);
    g_string_free(collect.canonical, TRUE);
    if (!ok || (bundle->head_after = hash_of_seq(db, bundle->last_seq, &local)) == NULL)
      goto failed;
  } else {
    bundle->head_after = g_strdup(bundle->head_before);
  }
  bundle->row_count = bundle->rows->len;
  bundle->forms = loa_bundle_forms(bundle->rows);
  return g_steal_pointer(&bundle);

failed:
  g_set_error(error, LOA_BUNDLE_ERROR, LOA_BUNDLE_ERROR_DB, "%s", local->message);
  return NULL;
}

/* Writing. */

static void
append_header(GString *out, Header header, const char *value)
{
  g_string_append(out, loa_bundle_header_names[header]);
  g_string_append(out, ": ");
  append_escaped(out, value);
  g_string_append_c(out, '\n');
}

static void
append_header_int(GString *out, Header header, gint64 value)
{
  g_string_append_printf(out, "%s: %" PRId64 "\n", loa_bundle_header_names[header], value);
}

gboolean
loa_bundle_sign(LoaBundle *bundle, const LoaStationKey *key, GError **error)
{
  g_free(bundle->public_key);
  bundle->public_key = loa_station_key_public_text(key);
  g_autofree char *from = format_time(bundle->timezone_name, bundle->from);
  g_autofree char *until = format_time(bundle->timezone_name, bundle->until);

  gsize estimate = 1024;
  for (guint i = 0; i < bundle->rows->len; i++)
    estimate += 96 + strlen(((LoaBundleRow *)bundle->rows->pdata[i])->canonical);
  GString *out = g_string_sized_new(estimate);
  g_string_append(out, LOA_BUNDLE_FORMAT "\n");
  append_header(out, HEADER_STATION, bundle->station_id);
  append_header(out, HEADER_STATION_NAME, bundle->station_name);
  append_header(out, HEADER_TIMEZONE, bundle->timezone_name);
  append_header(out, HEADER_PERIOD, bundle->period);
  append_header(out, HEADER_FROM, from);
  append_header(out, HEADER_UNTIL, until);
  append_header_int(out, HEADER_FIRST_SEQ, bundle->first_seq);
  append_header_int(out, HEADER_LAST_SEQ, bundle->last_seq);
  append_header_int(out, HEADER_ROWS, bundle->row_count);
  append_header(out, HEADER_HEAD_BEFORE, bundle->head_before);
  append_header(out, HEADER_HEAD_AFTER, bundle->head_after);
  g_free(bundle->forms);
  bundle->forms = loa_bundle_forms(bundle->rows);
  append_header(out, HEADER_CANONICAL, bundle->forms);
  append_header(out, HEADER_PUBLIC_KEY, bundle->public_key);
  g_string_append_c(out, '\n');
  for (guint i = 0; i < bundle->rows->len; i++) {
    const LoaBundleRow *row = bundle->rows->pdata[i];
    g_string_append_printf(out, ROW_PREFIX "%" PRId64 " %s\n", row->seq, row->hash);
    g_string_append(out, row->canonical);
  }
  g_string_append(out, END_LINE "\n");

  guint8 signature[LOA_STATION_KEY_SIGNATURE_BYTES];
  if (!loa_station_key_sign(key, out->str, out->len, signature, error)) {
    g_string_free(out, TRUE);
    return FALSE;
  }
  g_free(bundle->signature);
  bundle->signature = g_base64_encode(signature, sizeof(signature));
  bundle->signed_length = out->len;
  g_string_append_printf(out, SIGNATURE_PREFIX "%s\n", bundle->signature);
  if (bundle->data != NULL)
    g_bytes_unref(bundle->data);
  bundle->data = g_string_free_to_bytes(out);
  return TRUE;
}

gboolean
loa_bundle_write(const LoaBundle *bundle, const char *path, GError **error)
{
  g_return_val_if_fail(bundle->data != NULL, FALSE);
  gsize length = 0;
  const char *data = g_bytes_get_data(bundle->data, &length);
  g_autoptr(GError) local = NULL;
  /* CONSISTENT: a temporary file renamed over path, so readers (and a crash)
   * see the old file or the whole new one. */
  if (!g_file_set_contents_full(path, data, (gssize)length,
                                G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0644,
                                &local)) {
    g_set_error(error, LOA_BUNDLE_ERROR, LOA_BUNDLE_ERROR_IO, "%s", local->message);
    return FALSE;
  }
  return TRUE;
}
