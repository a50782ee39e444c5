/* The canonical form of a row read back (see loa_bundle_parse_canonical in
 * bundle.h): every field of loa_chain_canonical() in a table, each checked
 * against the form the row names; and the header value naming the forms a
 * bundle's rows are in (loa_bundle_forms). */
#include "bundle.h"
#include "bundle-private.h"

#include "chain.h"
#include "i18n.h"

#include <string.h>

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
    char *value = loa_bundle_unescape(equals + 1, (gsize)(newline - equals - 1));
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
