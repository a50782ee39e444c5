/* The station's Ed25519 key pair (libsodium): it signs the log exports the
 * city receives, and the city checks them against the public key it
 * registered for the station.
 *
 * The secret key lives in one text file (config `station.key`), created by
 * `loa init` with mode 0600 and never overwritten; the public key is also
 * written beside it as KEY.pub so that people without the secret can show
 * it. Public keys travel as standard base64 (44 characters); hex (64
 * characters) is accepted on input. The fingerprint people compare over the
 * phone is the first 16 hex digits of SHA-256 of the raw public key, in
 * groups of four: "1a2b 3c4d 5e6f 7a8b".
 *
 * File format (docs/bundle-format.md):
 *   loa-station-key/1
 *   public: BASE64 (32 bytes)
 *   secret: BASE64 (64 bytes: libsodium's secret key, seed then public key) */
#pragma once

#include <glib.h>

#define LOA_STATION_KEY_ERROR (loa_station_key_error_quark())
GQuark loa_station_key_error_quark(void);

typedef enum {
  LOA_STATION_KEY_ERROR_MISSING,      /* no key file (create it with `loa init`) */
  LOA_STATION_KEY_ERROR_EXISTS,       /* creation refused: the file is there */
  LOA_STATION_KEY_ERROR_IO,           /* the file could not be read or written */
  LOA_STATION_KEY_ERROR_PERMISSIONS,  /* the secret key is readable by others */
  LOA_STATION_KEY_ERROR_INVALID,      /* not a key file, or a malformed key text */
  LOA_STATION_KEY_ERROR_CRYPTO,       /* libsodium failed to start or to sign */
} LoaStationKeyError;

#define LOA_STATION_KEY_PUBLIC_BYTES 32
#define LOA_STATION_KEY_SECRET_BYTES 64
#define LOA_STATION_KEY_SIGNATURE_BYTES 64
#define LOA_STATION_KEY_FORMAT "loa-station-key/1"
#define LOA_STATION_KEY_PUBLIC_SUFFIX ".pub"

/* A public key, with its secret half when it was loaded from the key file. */
typedef struct {
  guint8 public_key[LOA_STATION_KEY_PUBLIC_BYTES];
  guint8 secret_key[LOA_STATION_KEY_SECRET_BYTES]; /* all zero when has_secret is FALSE */
  gboolean has_secret;                             /* can sign */
} LoaStationKey;

/* Creates a new key pair and writes it to path (mode 0600, folder created
 * 0700 if missing) and its public key to path.pub. The secret file appears
 * whole or not at all, and an existing file is never replaced
 * (LOA_STATION_KEY_ERROR_EXISTS). Returns the new key (free with
 * loa_station_key_free), or NULL with the error set. */
LoaStationKey *loa_station_key_create(const char *path, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Loads the key pair from path. Refuses a file that its group or others can
 * read (LOA_STATION_KEY_ERROR_PERMISSIONS), a malformed one, and one whose
 * public key does not belong to its secret key. Returns a new key or NULL. */
LoaStationKey *loa_station_key_load(const char *path, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The public key only, for people who may not read the secret: from path if
 * readable, else from path.pub. Returns a new key (has_secret FALSE) or NULL. */
LoaStationKey *loa_station_key_load_public(const char *path, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Parses a public key given as base64 or hex (surrounding blanks ignored).
 * Returns a new key (has_secret FALSE), or NULL with LOA_STATION_KEY_ERROR_INVALID. */
LoaStationKey *loa_station_key_new_from_text(const char *text, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Wipes the secret and frees; NULL is fine. */
void loa_station_key_free(LoaStationKey *key);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaStationKey, loa_station_key_free)

/* The public key as base64, newly allocated. */
char *loa_station_key_public_text(const LoaStationKey *key) G_GNUC_WARN_UNUSED_RESULT;

/* "1a2b 3c4d 5e6f 7a8b", newly allocated. */
char *loa_station_key_fingerprint(const LoaStationKey *key) G_GNUC_WARN_UNUSED_RESULT;

/* TRUE if both hold the same public key. */
gboolean loa_station_key_equal(const LoaStationKey *a, const LoaStationKey *b);

/* Signs data (detached signature) into signature. Fails with
 * LOA_STATION_KEY_ERROR_CRYPTO if the key has no secret half. */
gboolean loa_station_key_sign(const LoaStationKey *key, const void *data, gsize length,
                              guint8 signature[LOA_STATION_KEY_SIGNATURE_BYTES],
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* TRUE if signature is key's signature of data. */
gboolean loa_station_key_verify(const LoaStationKey *key, const void *data, gsize length,
                                const guint8 signature[LOA_STATION_KEY_SIGNATURE_BYTES]);
