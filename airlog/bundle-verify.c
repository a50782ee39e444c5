/* Verifying a bundle that was read (see loa_bundle_verify_signature,
 * loa_bundle_signed_by and loa_bundle_verify_chain in bundle.h): its
 * signature against a registered key, and the chain its rows form. */
#include "bundle.h"
#include "bundle-private.h"

#include "chain.h"
#include "i18n.h"

#include <inttypes.h>
#include <string.h>

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
