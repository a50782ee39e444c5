/* Reading a bundle (see loa_bundle_parse and loa_bundle_read in bundle.h):
 * its first line, the header, the rows up to the end line, then the
 * signature, each failure named by its line. Syntax only: nothing is
 * verified here (bundle-verify.c). */
#include "bundle.h"
#include "bundle-private.h"

#include "chain.h"
#include "i18n.h"
#include "loa-time.h"

#include <inttypes.h>
#include <string.h>

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
      if (line_is(line, (gsize)(colon - line), loa_bundle_header_names[i]))
        header = i;
    g_autofree char *name = g_strndup(line, (gsize)(colon - line));
    if (header < 0)
      return fail(error, LOA_BUNDLE_ERROR_MALFORMED, _("malformed: line %u: unknown header '%s'"),
                  reader->number, name);
    if (seen[header])
      return fail(error, LOA_BUNDLE_ERROR_MALFORMED,
                  _("malformed: line %u: header '%s' appears twice"), reader->number, name);
    seen[header] = TRUE;
    char *value = loa_bundle_unescape(colon + 2, (gsize)(line + length - colon - 2));
    if (value == NULL)
      return fail(error, LOA_BUNDLE_ERROR_MALFORMED,
                  _("malformed: line %u: invalid escape in '%s'"), reader->number, name);
    if (!set_header(bundle, header, value, reader->number, error))
      return FALSE;
  }
  for (int i = 0; i < N_HEADERS; i++)
    if (!seen[i])
      return fail(error, LOA_BUNDLE_ERROR_MALFORMED, _("malformed: the header has no '%s'"),
                  loa_bundle_header_names[i]);
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
  loa_bundle_row_free(row);
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

  g_autoptr(LoaBundle) bundle = loa_bundle_new();
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
