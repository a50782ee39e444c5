/* Export bundles: collect, sign, write, read and verify (see bundle.h and
 * docs/bundle-format.md). */
#include "bundle.h"

#include "chain.h"
#include "db.h"
#include "i18n.h"
#include "loa-time.h"

#include <inttypes.h>
#include <string.h>

G_DEFINE_QUARK(loa-bundle-error-quark, loa_bundle_error)

/* Header keys, in the order they are written. */
typedef enum {
  HEADER_STATION,
  HEADER_STATION_NAME,
  HEADER_TIMEZONE,
  HEADER_PERIOD,
  HEADER_FROM,
  HEADER_UNTIL,
  HEADER_FIRST_SEQ,
  HEADER_LAST_SEQ,
  HEADER_ROWS,
  HEADER_HEAD_BEFORE,
  HEADER_HEAD_AFTER,
  HEADER_CANONICAL,
  HEADER_PUBLIC_KEY,
  N_HEADERS
} Header;

static const char *const header_names[N_HEADERS] = {
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

#define ROW_PREFIX "row "
#define END_LINE "end"
#define SIGNATURE_PREFIX "signature: "

static void
bundle_row_free(LoaBundleRow *row)
{
  if (row == NULL)
    return;
  g_free(row->hash);
  g_free(row->canonical);
  g_free(row);
}

static LoaBundle *
bundle_new(void)
{
  LoaBundle *bundle = g_new0(LoaBundle, 1);
  bundle->rows = g_ptr_array_new_with_free_func((GDestroyNotify)bundle_row_free);
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
static char *
unescape(const char *text, gsize length)
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

/* The canonical form, read back. */

typedef enum { FIELD_TEXT, FIELD_INT64, FIELD_INT, FIELD_CENTI } FieldType;

typedef struct {
  const char *name;
  FieldType type;
  int since;        /* first form (chain.h) with this field */
  goffset offset;   /* in LoaAiring */
  goffset known;    /* FIELD_CENTI: its gboolean "known" flag */
} CanonicalField;

#define FIELD(name, type, since, member) \
  { name, type, since, G_STRUCT_OFFSET(LoaAiring, member), 0 }
/* Every field of loa_chain_canonical() after "format" and "station". */
static const CanonicalField canonical_fields[] = {
  FIELD("seq", FIELD_INT64, 1, chain_seq),
  FIELD("id", FIELD_INT64, 1, id),
  FIELD("line", FIELD_TEXT, 1, line),
  FIELD("spot", FIELD_TEXT, 1, spot_id),
  FIELD("spot_sha256", FIELD_TEXT, 1, spot_sha256),
  FIELD("title", FIELD_TEXT, 1, title),
  FIELD("category", FIELD_TEXT, 1, category),
  FIELD("topic", FIELD_TEXT, 1, topic),
  FIELD("priority", FIELD_TEXT, 1, priority),
  FIELD("event", FIELD_TEXT, 1, event_ref),
  FIELD("scheduled_at", FIELD_INT64, 1, scheduled_at),
  FIELD("started_at", FIELD_INT64, 1, started_at),
  FIELD("ended_at", FIELD_INT64, 1, ended_at),
  FIELD("samples", FIELD_INT64, 1, samples),
  FIELD("sample_rate", FIELD_INT, 1, sample_rate),
  FIELD("status", FIELD_TEXT, 1, status),
  FIELD("reason", FIELD_TEXT, 1, reason),
  FIELD("completed_at", FIELD_INT64, 1, completed_at),
  { "gain_db", FIELD_CENTI, 2, G_STRUCT_OFFSET(LoaAiring, gain_db),
    G_STRUCT_OFFSET(LoaAiring, gain_known) },
  FIELD("switches", FIELD_TEXT, 2, switches),
  FIELD("monitor", FIELD_TEXT, 2, monitor),
  { "monitor_lufs", FIELD_CENTI, 2, G_STRUCT_OFFSET(LoaAiring, monitor_lufs),
    G_STRUCT_OFFSET(LoaAiring, monitor_lufs_known) },
};
#undef FIELD

/* "-3.25" back into -3.25: a sign, digits, a point and two digits ("" is
 * handled by the caller). Whether it was written canonically ("-0.00",
 * "03.25") is left to the comparison with loa_chain_canonical. */
static gboolean
parse_centi(const char *text, double *value)
{
  const char *p = text;
  gboolean negative = *p == '-';
  if (negative)
    p++;
  gsize digits = strspn(p, "0123456789");
  if (digits == 0 || digits > 15 || p[digits] != '.' || !g_ascii_isdigit(p[digits + 1]) ||
      !g_ascii_isdigit(p[digits + 2]) || p[digits + 3] != '\0')
    return FALSE;
  gint64 hundredths = 0;
  for (gsize i = 0; i < digits; i++)
    hundredths = hundredths * 10 + (p[i] - '0');
  hundredths = hundredths * 100 + (p[digits + 1] - '0') * 10 + (p[digits + 2] - '0');
  *value = (double)(negative ? -hundredths : hundredths) / 100.0;
  return TRUE;
}

/* Stores one "name=value" of the canonical form into airing. Returns a
 * problem (static, translated) or NULL. seen has one flag per field. */
static const char *
set_canonical_field(LoaAiring *airing, char **station_id, gboolean *seen, const char *name,
                    gsize name_length, char *value)
{
  if (name_length == 6 && memcmp(name, "format", 6) == 0) {
    int version = loa_chain_format_version(value);
    g_free(value);
    if (airing->chain_version != 0)
      return _("it names its format twice");
    airing->chain_version = version;
    return version != 0 ? NULL : _("its format is not one this Loa knows");
  }
  if (name_length == 7 && memcmp(name, "station", 7) == 0) {
    if (*station_id != NULL) {
      g_free(value);
      return _("it names its station twice");
    }
    *station_id = value;
    return NULL;
  }
  for (size_t i = 0; i < G_N_ELEMENTS(canonical_fields); i++) {
    const CanonicalField *field = &canonical_fields[i];
    if (strlen(field->name) != name_length || memcmp(field->name, name, name_length) != 0)
      continue;
    if (seen[i]) {
      g_free(value);
      return _("a field appears twice");
    }
    seen[i] = TRUE;
    if (airing->chain_version == 0 || field->since > airing->chain_version) {
      g_free(value);
      return _("it has a field its format does not have (or no format first)");
    }
    gpointer slot = G_STRUCT_MEMBER_P(airing, field->offset);
    if (field->type == FIELD_TEXT) {
      *(char **)slot = value;
      return NULL;
    }
    if (field->type == FIELD_CENTI) {
      gboolean known = value[0] != '\0';
      gboolean ok = !known || parse_centi(value, (double *)slot);
      g_free(value);
      G_STRUCT_MEMBER(gboolean, airing, field->known) = known;
      return ok ? NULL : _("a level field is not a number with two decimals");
    }
    gint64 number = 0;
    gboolean ok = g_ascii_string_to_signed(value, 10, field->type == FIELD_INT ? G_MININT : G_MININT64,
                                           field->type == FIELD_INT ? G_MAXINT : G_MAXINT64, &number,
                                           NULL);
    g_free(value);
    if (!ok)
      return _("a number field is not a number");
    if (field->type == FIELD_INT)
      *(int *)slot = (int)number;
    else
      *(gint64 *)slot = number;
    return NULL;
  }
  g_free(value);
  return _("it has an unknown field");
}

LoaAiring *
loa_bundle_parse_canonical(const char *text, char **station_id, GError **error)
{
  g_autoptr(LoaAiring) airing = g_new0(LoaAiring, 1);
  g_autofree char *station = NULL;
  gboolean seen[G_N_ELEMENTS(canonical_fields)] = { FALSE };
  const char *problem = NULL;

  for (const char *line = text; problem == NULL && *line != '\0';) {
    const char *newline = strchr(line, '\n');
    if (newline == NULL) {
      problem = _("its last line is not terminated");
      break;
    }
    const char *equals = memchr(line, '=', (gsize)(newline - line));
    if (equals == NULL) {
      problem = _("a line is not name=value");
      break;
    }
    char *value = unescape(equals + 1, (gsize)(newline - equals - 1));
    if (value == NULL)
      problem = _("a value has an invalid escape");
    else
      problem = set_canonical_field(airing, &station, seen, line, (gsize)(equals - line), value);
    line = newline + 1;
  }
  if (problem == NULL && airing->chain_version == 0)
    problem = _("it names no format");
  for (size_t i = 0; problem == NULL && i < G_N_ELEMENTS(canonical_fields); i++)
    if (!seen[i] && canonical_fields[i].since <= airing->chain_version)
      problem = _("a field is missing");
  if (problem == NULL && station == NULL)
    problem = _("it names no station");
  if (problem == NULL) {
    /* Exactly one text for each row: what loa_chain_canonical makes of it. */
    g_autoptr(GString) again = g_string_new(NULL);
    loa_chain_canonical(station, airing, again);
    if (strcmp(again->str, text) != 0)
      problem = _("it is not in canonical form (field order or number format)");
  }
  if (problem != NULL) {
    g_set_error(error, LOA_BUNDLE_ERROR, LOA_BUNDLE_ERROR_MALFORMED, "%s", problem);
    return NULL;
  }
  airing->prev_hash = g_strdup("");
  airing->hash = g_strdup("");
  /* Form 1 has no facts: nothing was known of them. */
  if (airing->switches == NULL)
    airing->switches = g_strdup("");
  if (airing->monitor == NULL)
    airing->monitor = g_strdup("");
  *station_id = g_steal_pointer(&station);
  return g_steal_pointer(&airing);
}

/* The version of a row's canonical text, from its first line; 0 if unknown. */
static int
row_version(const char *canonical)
{
  if (!g_str_has_prefix(canonical, "format="))
    return 0;
  const char *value = canonical + strlen("format=");
  const char *end = strchr(value, '\n');
  g_autofree char *format = end != NULL ? g_strndup(value, (gsize)(end - value)) : NULL;
  return loa_chain_format_version(format);
}

/* The forms of versions set in mask (bit v for version v), oldest first. */
static char *
forms_text(guint mask)
{
  GString *out = g_string_new(NULL);
  for (int v = 1; v <= LOA_CHAIN_VERSION; v++) {
    if (!(mask & (1u << v)))
      continue;
    if (out->len > 0)
      g_string_append_c(out, ' ');
    g_string_append(out, loa_chain_format(v));
  }
  if (out->len == 0)
    g_string_append(out, loa_chain_format(1));
  return g_string_free(out, FALSE);
}

char *
loa_bundle_forms(GPtrArray *rows)
{
  guint mask = 0;
  for (guint i = 0; i < rows->len; i++) {
    int version = row_version(((LoaBundleRow *)rows->pdata[i])->canonical);
    if (version > 0)
      mask |= 1u << version;
  }
  return forms_text(mask);
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
  g_autoptr(LoaBundle) bundle = bundle_new();
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
  g_string_append(out, header_names[header]);
  g_string_append(out, ": ");
  append_escaped(out, value);
  g_string_append_c(out, '\n');
}

static void
append_header_int(GString *out, Header header, gint64 value)
{
  g_string_append_printf(out, "%s: %" PRId64 "\n", header_names[header], value);
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

/* Reading. */

typedef struct {
  const char *cursor;
  const char *end;
  guint number;        /* line number of the line last read */
} Reader;

/* The next line, without its '\n'. FALSE at the end of the data, or for a
 * last line that has no '\n' (*cut set: the file was truncated). */
static gboolean
reader_next(Reader *reader, const char **line, gsize *length, gboolean *cut)
{
  *cut = FALSE;
  if (reader->cursor >= reader->end)
    return FALSE;
  const char *newline = memchr(reader->cursor, '\n', (gsize)(reader->end - reader->cursor));
  reader->number++;
  if (newline == NULL) {
    *cut = TRUE;
    return FALSE;
  }
  *line = reader->cursor;
  *length = (gsize)(newline - reader->cursor);
  reader->cursor = newline + 1;
  return TRUE;
}

static gboolean
line_is(const char *line, gsize length, const char *text)
{
  return strlen(text) == length && memcmp(line, text, length) == 0;
}

static gboolean
parse_hash(const char *text)
{
  if (strlen(text) != 64)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isdigit(*p) && !(*p >= 'a' && *p <= 'f'))
      return FALSE;
  return TRUE;
}

/* ISO 8601 with an offset; a fraction of a second is read to the nanosecond
 * (GDateTime alone stops at the microsecond). */
static gboolean
parse_time(const char *text, gint64 *ns)
{
  g_autoptr(GString) whole = g_string_new(text);
  gint64 fraction = 0;
  const char *dot = strchr(text, '.');
  if (dot != NULL) {
    gsize digits = strspn(dot + 1, "0123456789");
    if (digits == 0 || digits > 9)
      return FALSE;
    for (gsize i = 0; i < 9; i++)
      fraction = fraction * 10 + (i < digits ? dot[1 + i] - '0' : 0);
    g_string_erase(whole, dot - text, (gssize)digits + 1);
  }
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601(whole->str, NULL);
  if (time == NULL)
    return FALSE;
  gint64 seconds = g_date_time_to_unix(time);
  /* Nanoseconds since 1970 in 64 bits: years 1678 to 2261. */
  if (seconds <= G_MININT64 / LOA_NS_PER_SECOND || seconds >= G_MAXINT64 / LOA_NS_PER_SECOND - 1)
    return FALSE;
  *ns = seconds * LOA_NS_PER_SECOND + fraction;
  return TRUE;
}

static gboolean
fail(GError **error, LoaBundleError code, const char *format, ...) G_GNUC_PRINTF(3, 4);

static gboolean
fail(GError **error, LoaBundleError code, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  g_autofree char *message = g_strdup_vprintf(format, args);
  va_end(args);
  g_set_error_literal(error, LOA_BUNDLE_ERROR, code, message);
  return FALSE;
}

/* Stores one header value into bundle. */
static gboolean
set_header(LoaBundle *bundle, Header header, char *value, guint line, GError **error)
{
  g_autofree char *owned = value;
  gint64 *number = NULL;
  char **text = NULL;
  switch (header) {
  case HEADER_STATION: text = &bundle->station_id; break;
  case HEADER_STATION_NAME: text = &bundle->station_name; break;
  case HEADER_TIMEZONE: text = &bundle->timezone_name; break;
  case HEADER_PERIOD: text = &bundle->period; break;
  case HEADER_HEAD_BEFORE: text = &bundle->head_before; break;
  case HEADER_HEAD_AFTER: text = &bundle->head_after; break;
  case HEADER_PUBLIC_KEY: text = &bundle->public_key; break;
  case HEADER_FIRST_SEQ: number = &bundle->first_seq; break;
  case HEADER_LAST_SEQ: number = &bundle->last_seq; break;
  case HEADER_ROWS: number = &bundle->row_count; break;
  case HEADER_FROM:
  case HEADER_UNTIL:
    if (!parse_time(value, header == HEADER_FROM ? &bundle->from : &bundle->until))
      return fail(error, LOA_BUNDLE_ERROR_MALFORMED,
                  _("malformed: line %u: '%s' is not an ISO 8601 time"), line, value);
    return TRUE;
  case HEADER_CANONICAL: {
    /* Forms this Loa knows, oldest first, once each. */
    g_auto(GStrv) forms = g_strsplit(value, " ", -1);
    int last = 0;
    for (guint i = 0; forms[i] != NULL; i++) {
      int version = loa_chain_format_version(forms[i]);
      if (version == 0)
        return fail(error, LOA_BUNDLE_ERROR_VERSION,
                    _("its rows are in the form '%s', which this Loa does not know (it knows "
                      "'%s' to '%s')"),
                    forms[i], loa_chain_format(1), LOA_CHAIN_FORMAT);
      if (version <= last)
        return fail(error, LOA_BUNDLE_ERROR_MALFORMED,
                    _("malformed: line %u: the forms must be named once each, oldest first"),
                    line);
      last = version;
    }
    bundle->forms = g_steal_pointer(&owned);
    return TRUE;
  }
  case N_HEADERS:
    g_assert_not_reached();
  }
  if (number != NULL) {
    guint64 parsed = 0;
    if (!g_ascii_string_to_unsigned(value, 10, 0, G_MAXINT64, &parsed, NULL))
      return fail(error, LOA_BUNDLE_ERROR_MALFORMED,
                  _("malformed: line %u: '%s' is not a number"), line, value);
    *number = (gint64)parsed;
    return TRUE;
  }
  if ((header == HEADER_HEAD_BEFORE || header == HEADER_HEAD_AFTER) && !parse_hash(value))
    return fail(error, LOA_BUNDLE_ERROR_MALFORMED,
                _("malformed: line %u: '%s' is not a SHA-256 hash"), line, value);
  if (!g_utf8_validate(value, -1, NULL))
    return fail(error, LOA_BUNDLE_ERROR_MALFORMED, _("malformed: line %u is not UTF-8"), line);
  *text = g_steal_pointer(&owned);
  return TRUE;
}

/* The header: "name: value" lines up to an empty line. */
static gboolean
parse_header(Reader *reader, LoaBundle *bundle, GError **error)
{
  gboolean seen[N_HEADERS] = { FALSE };
  const char *line;
  gsize length;
  gboolean cut;
  for (;;) {
    if (!reader_next(reader, &line, &length, &cut))
      return fail(error, LOA_BUNDLE_ERROR_TRUNCATED,
                  _("truncated: the file ends in its header (line %u)"), reader->number);
    if (length == 0)
      break;
    const char *colon = memchr(line, ':', length);
    if (colon == NULL || colon + 1 >= line + length || colon[1] != ' ')
      return fail(error, LOA_BUNDLE_ERROR_MALFORMED,
                  _("malformed: line %u of the header is not 'name: value'"), reader->number);
    int header = -1;
    for (int i = 0; i < N_HEADERS; i++)
      if (line_is(line, (gsize)(colon - line), header_names[i]))
        header = i;
    g_autofree char *name = g_strndup(line, (gsize)(colon - line));
    if (header < 0)
      return fail(error, LOA_BUNDLE_ERROR_MALFORMED, _("malformed: line %u: unknown header '%s'"),
                  reader->number, name);
    if (seen[header])
      return fail(error, LOA_BUNDLE_ERROR_MALFORMED,
                  _("malformed: line %u: header '%s' appears twice"), reader->number, name);
    seen[header] = TRUE;
    char *value = unescape(colon + 2, (gsize)(line + length - colon - 2));
    if (value == NULL)
      return fail(error, LOA_BUNDLE_ERROR_MALFORMED,
                  _("malformed: line %u: invalid escape in '%s'"), reader->number, name);
    if (!set_header(bundle, header, value, reader->number, error))
      return FALSE;
  }
  for (int i = 0; i < N_HEADERS; i++)
    if (!seen[i])
      return fail(error, LOA_BUNDLE_ERROR_MALFORMED, _("malformed: the header has no '%s'"),
                  header_names[i]);
  return TRUE;
}

/* "row SEQ HASH" */
static gboolean
parse_row_line(const char *line, gsize length, LoaBundleRow *row)
{
  g_autofree char *text = g_strndup(line + strlen(ROW_PREFIX), length - strlen(ROW_PREFIX));
  char *space = strchr(text, ' ');
  if (space == NULL)
    return FALSE;
  *space = '\0';
  guint64 seq = 0;
  if (!g_ascii_string_to_unsigned(text, 10, 1, G_MAXINT64, &seq, NULL) || !parse_hash(space + 1))
    return FALSE;
  row->seq = (gint64)seq;
  row->hash = g_strdup(space + 1);
  return TRUE;
}

/* Rows up to the "end" line. */
static gboolean
parse_rows(Reader *reader, LoaBundle *bundle, GError **error)
{
  LoaBundleRow *row = NULL;
  GString *canonical = g_string_new(NULL);
  const char *line;
  gsize length;
  gboolean cut;
  gboolean ok = FALSE;

  for (;;) {
    if (!reader_next(reader, &line, &length, &cut)) {
      if (row != NULL && canonical->len > 0)
        fail(error, LOA_BUNDLE_ERROR_TRUNCATED,
             _("truncated: the file ends inside row %" PRId64 " (line %u)"), row->seq,
             reader->number);
      else if (row != NULL)
        fail(error, LOA_BUNDLE_ERROR_TRUNCATED,
             _("truncated: the file ends after row %" PRId64
               ", without its end line and signature"),
             row->seq);
      else
        fail(error, LOA_BUNDLE_ERROR_TRUNCATED,
             _("truncated: the file ends before its rows (line %u)"), reader->number);
      break;
    }
    gboolean is_end = line_is(line, length, END_LINE);
    gboolean is_row = length > strlen(ROW_PREFIX) && memcmp(line, ROW_PREFIX, strlen(ROW_PREFIX)) == 0;
    if ((is_end || is_row) && row != NULL) {
      if (canonical->len == 0) {
        fail(error, LOA_BUNDLE_ERROR_MALFORMED,
             _("malformed: row %" PRId64 " has no content (line %u)"), row->seq,
             reader->number);
        break;
      }
      row->canonical = g_strndup(canonical->str, canonical->len);
      g_ptr_array_add(bundle->rows, g_steal_pointer(&row));
      g_string_truncate(canonical, 0);
    }
    if (is_end) {
      ok = TRUE;
      break;
    }
    if (is_row) {
      row = g_new0(LoaBundleRow, 1);
      if (!parse_row_line(line, length, row)) {
        fail(error, LOA_BUNDLE_ERROR_MALFORMED,
             _("malformed: line %u is not 'row POSITION HASH'"), reader->number);
        break;
      }
      continue;
    }
    /* A line of the current row's canonical form: "name=value". */
    if (row == NULL || memchr(line, '=', length) == NULL) {
      fail(error, LOA_BUNDLE_ERROR_MALFORMED,
           _("malformed: line %u is neither a row nor part of one"), reader->number);
      break;
    }
    g_string_append_len(canonical, line, (gssize)length);
    g_string_append_c(canonical, '\n');
  }
  bundle_row_free(row);
  g_string_free(canonical, TRUE);
  return ok;
}

/* "signature: BASE64" as the last line. */
static gboolean
parse_signature(Reader *reader, LoaBundle *bundle, GError **error)
{
  const char *line;
  gsize length;
  gboolean cut;
  bundle->signed_length = (gsize)(reader->cursor - (const char *)g_bytes_get_data(bundle->data, NULL));
  if (!reader_next(reader, &line, &length, &cut))
    return fail(error, LOA_BUNDLE_ERROR_TRUNCATED,
                cut ? _("truncated: its signature line is cut short")
                    : _("truncated: the file ends before its signature"));
  if (length <= strlen(SIGNATURE_PREFIX) ||
      memcmp(line, SIGNATURE_PREFIX, strlen(SIGNATURE_PREFIX)) != 0)
    return fail(error, LOA_BUNDLE_ERROR_MALFORMED,
                _("malformed: line %u should be the signature"), reader->number);
  g_autofree char *text = g_strndup(line + strlen(SIGNATURE_PREFIX), length - strlen(SIGNATURE_PREFIX));
  gsize decoded_length = 0;
  g_autofree guint8 *decoded = NULL;
  if (strlen(text) == (LOA_STATION_KEY_SIGNATURE_BYTES + 2) / 3 * 4)
    decoded = g_base64_decode(text, &decoded_length);
  if (decoded_length != LOA_STATION_KEY_SIGNATURE_BYTES)
    return fail(error, LOA_BUNDLE_ERROR_MALFORMED,
                _("malformed: line %u: the signature is not 64 bytes of base64"), reader->number);
  if (reader->cursor != reader->end)
    return fail(error, LOA_BUNDLE_ERROR_MALFORMED,
                _("malformed: there is data after the signature (line %u)"), reader->number + 1);
  bundle->signature = g_steal_pointer(&text);
  return TRUE;
}

LoaBundle *
loa_bundle_parse(GBytes *data, GError **error)
{
  gsize size = 0;
  const char *text = g_bytes_get_data(data, &size);
  if (size == 0) {
    fail(error, LOA_BUNDLE_ERROR_TRUNCATED, _("truncated: the file is empty"));
    return NULL;
  }
  Reader reader = { text, text + size, 0 };
  const char *line;
  gsize length;
  gboolean cut;

  if (!reader_next(&reader, &line, &length, &cut)) {
    /* Nothing, or the start of the first line only. */
    gsize have = reader.end - reader.cursor;
    if (have < strlen(LOA_BUNDLE_FORMAT) && memcmp(text, LOA_BUNDLE_FORMAT, have) == 0) {
      fail(error, LOA_BUNDLE_ERROR_TRUNCATED, _("truncated: the file ends in its first line"));
      return NULL;
    }
    line = text;
    length = have;
  }
  if (!line_is(line, length, LOA_BUNDLE_FORMAT)) {
    if (length > strlen("loa-bundle/") && memcmp(line, "loa-bundle/", strlen("loa-bundle/")) == 0) {
      g_autofree char *version = g_strndup(line, length);
      fail(error, LOA_BUNDLE_ERROR_VERSION,
           _("it is a '%s' bundle, which this Loa does not know (it knows '%s')"), version,
           LOA_BUNDLE_FORMAT);
    } else {
      fail(error, LOA_BUNDLE_ERROR_NOT_BUNDLE, _("not a Loa bundle (it does not start with '%s')"),
           LOA_BUNDLE_FORMAT);
    }
    return NULL;
  }
  if (cut) {
    fail(error, LOA_BUNDLE_ERROR_TRUNCATED, _("truncated: the file ends after its first line"));
    return NULL;
  }

  g_autoptr(LoaBundle) bundle = bundle_new();
  bundle->data = g_bytes_ref(data);
  if (!parse_header(&reader, bundle, error) || !parse_rows(&reader, bundle, error) ||
      !parse_signature(&reader, bundle, error))
    return NULL;
  return g_steal_pointer(&bundle);
}

LoaBundle *
loa_bundle_read(const char *path, GError **error)
{
  g_autoptr(GError) local = NULL;
  char *contents = NULL;
  gsize length = 0;
  if (!g_file_get_contents(path, &contents, &length, &local)) {
    g_set_error(error, LOA_BUNDLE_ERROR, LOA_BUNDLE_ERROR_IO, "%s", local->message);
    return NULL;
  }
  g_autoptr(GBytes) data = g_bytes_new_take(contents, length);
  return loa_bundle_parse(data, error);
}

/* Verifying. */

/* The bundle's signature, decoded (parse checked its length). */
static void
bundle_signature(const LoaBundle *bundle, guint8 signature[LOA_STATION_KEY_SIGNATURE_BYTES])
{
  gsize decoded_length = 0;
  g_autofree guint8 *decoded = g_base64_decode(bundle->signature, &decoded_length);
  memset(signature, 0, LOA_STATION_KEY_SIGNATURE_BYTES);
  g_return_if_fail(decoded_length == LOA_STATION_KEY_SIGNATURE_BYTES);
  memcpy(signature, decoded, LOA_STATION_KEY_SIGNATURE_BYTES);
}

gboolean
loa_bundle_signed_by(const LoaBundle *bundle, const LoaStationKey *key)
{
  guint8 signature[LOA_STATION_KEY_SIGNATURE_BYTES];
  bundle_signature(bundle, signature);
  return loa_station_key_verify(key, g_bytes_get_data(bundle->data, NULL), bundle->signed_length,
                                signature);
}

gboolean
loa_bundle_verify_signature(const LoaBundle *bundle, const LoaStationKey *key, GError **error)
{
  gsize length = 0;
  const guint8 *data = g_bytes_get_data(bundle->data, &length);
  guint8 signature[LOA_STATION_KEY_SIGNATURE_BYTES];
  bundle_signature(bundle, signature);

  if (loa_station_key_verify(key, data, bundle->signed_length, signature))
    return TRUE;

  g_autofree char *registered = loa_station_key_fingerprint(key);
  g_autoptr(LoaStationKey) named = loa_station_key_new_from_text(bundle->public_key, NULL);
  if (named != NULL && !loa_station_key_equal(named, key) &&
      loa_station_key_verify(named, data, bundle->signed_length, signature)) {
    g_autofree char *other = loa_station_key_fingerprint(named);
    return fail(error, LOA_BUNDLE_ERROR_SIGNATURE,
                _("bad signature: signed with another key (fingerprint %s), not the key "
                  "registered for station '%s' (fingerprint %s)"),
                other, bundle->station_id, registered);
  }
  return fail(error, LOA_BUNDLE_ERROR_SIGNATURE,
              _("bad signature: the bundle does not match the signature of the key registered "
                "for station '%s' (fingerprint %s): it was changed after signing, or signed by "
                "another key"),
              bundle->station_id, registered);
}

gboolean
loa_bundle_verify_chain(const LoaBundle *bundle, GPtrArray **airings, GError **error)
{
  GPtrArray *rows = bundle->rows;
  if (bundle->first_seq < 1 || bundle->last_seq < bundle->first_seq - 1)
    return fail(error, LOA_BUNDLE_ERROR_MALFORMED,
                _("malformed: its chain positions %" PRId64 "-%" PRId64
                  " are not a range"),
                bundle->first_seq, bundle->last_seq);
  gint64 expected = bundle->last_seq - bundle->first_seq + 1;
  if (bundle->first_seq == 1 && strcmp(bundle->head_before, LOA_CHAIN_GENESIS) != 0)
    return fail(error, LOA_BUNDLE_ERROR_CHAIN,
                _("broken chain at row 1: the first row of the log must follow the genesis "
                  "hash"));

  g_autoptr(GPtrArray) parsed = g_ptr_array_new_full(rows->len, (GDestroyNotify)loa_airing_free);
  g_autoptr(GString) canonical = g_string_new(NULL);
  const char *prev = bundle->head_before;
  int last_version = 1;
  for (guint i = 0; i < rows->len; i++) {
    const LoaBundleRow *row = rows->pdata[i];
    gint64 seq = bundle->first_seq + i;
    if (row->seq != seq)
      return fail(error, LOA_BUNDLE_ERROR_CHAIN,
                  _("broken chain at row %" PRId64 ": row %" PRId64
                    " stands in its place (a row was removed, or rows reordered)"),
                  seq, row->seq);
    g_autoptr(GError) local = NULL;
    g_autofree char *station = NULL;
    LoaAiring *airing = loa_bundle_parse_canonical(row->canonical, &station, &local);
    if (airing == NULL)
      return fail(error, LOA_BUNDLE_ERROR_MALFORMED,
                  _("malformed: row %" PRId64 ": %s"), seq, local->message);
    g_ptr_array_add(parsed, airing);
    if (strcmp(station, bundle->station_id) != 0)
      return fail(error, LOA_BUNDLE_ERROR_STATION,
                  _("row %" PRId64 " belongs to station '%s', not to '%s'"), seq,
                  station, bundle->station_id);
    if (airing->chain_seq != seq)
      return fail(error, LOA_BUNDLE_ERROR_CHAIN,
                  _("broken chain at row %" PRId64 ": its content says it is row %"
                    PRId64),
                  seq, airing->chain_seq);
    if (airing->chain_version < last_version)
      return fail(error, LOA_BUNDLE_ERROR_CHAIN,
                  _("broken chain at row %" PRId64 ": it is in the form '%s', older "
                    "than the form '%s' of a row before it"),
                  seq, loa_chain_format(airing->chain_version), loa_chain_format(last_version));
    last_version = airing->chain_version;
    g_string_truncate(canonical, 0);
    g_string_append(canonical, row->canonical);
    g_autofree char *hash = loa_chain_hash(canonical, prev);
    if (strcmp(hash, row->hash) != 0)
      return fail(error, LOA_BUNDLE_ERROR_CHAIN,
                  i == 0 ? _("broken chain at row %" PRId64
                             ": its content, with the head before the bundle, does not give "
                             "its hash (the row was changed, or does not follow the head "
                             "before)")
                         : _("broken chain at row %" PRId64
                             ": its content, with the previous row's hash, does not give its "
                             "hash (the row was changed, or a row before it was removed or "
                             "reordered)"),
                  seq);
    g_free(airing->prev_hash);
    airing->prev_hash = g_strdup(prev);
    g_free(airing->hash);
    airing->hash = g_strdup(row->hash);
    prev = row->hash;
  }
  g_autofree char *forms = loa_bundle_forms(rows);
  if (g_strcmp0(forms, bundle->forms) != 0)
    return fail(error, LOA_BUNDLE_ERROR_MALFORMED,
                _("malformed: the header names the forms '%s' but the rows are in '%s'"),
                bundle->forms, forms);
  /* Rows missing at the end (the walk above names any other gap). */
  if (bundle->row_count != expected || (gint64)rows->len != expected)
    return fail(error, LOA_BUNDLE_ERROR_CHAIN,
                _("rows missing: the header announces %" PRId64 " rows (positions %"
                  PRId64 "-%" PRId64 ") but the bundle carries %u"),
                bundle->row_count, bundle->first_seq, bundle->last_seq, rows->len);
  if (strcmp(prev, bundle->head_after) != 0)
    return fail(error, LOA_BUNDLE_ERROR_CHAIN,
                rows->len > 0
                  ? _("broken chain: the head after the bundle is not the hash of its last row "
                      "%" PRId64)
                  : _("broken chain: an empty bundle must end at the head it starts from "
                      "(row %" PRId64 ")"),
                bundle->last_seq);
  if (airings != NULL)
    *airings = g_steal_pointer(&parsed);
  return TRUE;
}
