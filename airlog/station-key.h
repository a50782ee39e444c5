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
 *   secret: BASE64 (64 bytes: libsodium's secret key, seed then public key)
 *
 * Replacing the key (`loa key rotate`) is the one deliberate exception to
 * "never overwritten": a new pair takes the file's place, the old secret is
 * moved aside (KEY.old-YYYYMMDD, still 0600), the old public key and the time
 * of the change are kept in the station database (table station_keys), and a
 * key-change statement — the station, the old and the new public key and the
 * time, signed by the OLD key — lets the city accept the new key without a
 * visit:
 *   loa-key-change/1
 *   station: ID
 *   old-key: BASE64
 *   new-key: BASE64
 *   changed-at: 2026-11-15T03:04:05.123456789Z
 *   signature: BASE64 (Ed25519 by the old key over every byte before this line) */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#define LOA_STATION_KEY_ERROR (loa_station_key_error_quark())
GQuark loa_station_key_error_quark(void);

typedef enum {
  LOA_STATION_KEY_ERROR_MISSING,      /* no key file (create it with `loa init`) */
  LOA_STATION_KEY_ERROR_EXISTS,       /* creation refused: the file is there */
  LOA_STATION_KEY_ERROR_IO,           /* the file could not be read or written */
  LOA_STATION_KEY_ERROR_PERMISSIONS,  /* the secret key is readable by others */
  LOA_STATION_KEY_ERROR_INVALID,      /* not a key file, or a malformed key text */
  LOA_STATION_KEY_ERROR_CRYPTO,       /* libsodium failed to start or to sign */
  LOA_STATION_KEY_ERROR_DB,           /* rotation: the station database failed */
} LoaStationKeyError;

#define LOA_STATION_KEY_PUBLIC_BYTES 32
#define LOA_STATION_KEY_SECRET_BYTES 64
#define LOA_STATION_KEY_SIGNATURE_BYTES 64
#define LOA_STATION_KEY_FORMAT "loa-station-key/1"
#define LOA_STATION_KEY_PUBLIC_SUFFIX ".pub"
#define LOA_STATION_KEY_CHANGE_FORMAT "loa-key-change/1"
#define LOA_STATION_KEY_CHANGE_SUFFIX ".loa-key-change"

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

/* A key-change statement (format above), written or read. */
typedef struct {
  char *station_id;
  LoaStationKey *old_key;   /* public only: the key that signed the statement, as named */
  LoaStationKey *new_key;   /* public only: the key that replaces it */
  gint64 changed_at;        /* UTC ns: from then on the new key signs */
  GBytes *data;             /* the whole statement text */
  gsize signed_length;      /* bytes of data the signature covers */
  guint8 signature[LOA_STATION_KEY_SIGNATURE_BYTES];
} LoaStationKeyChange;

/* Writes the statement that new_key replaces old_key (which must have its
 * secret: it signs) for station_id at changed_at. Returns a new statement
 * (data set), or NULL with the error set. */
LoaStationKeyChange *loa_station_key_change_new(const char *station_id,
                                                const LoaStationKey *old_key,
                                                const LoaStationKey *new_key, gint64 changed_at,
                                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Parses statement text (syntax only; the signature is not checked).
 * Returns a new statement or NULL with LOA_STATION_KEY_ERROR_INVALID. */
LoaStationKeyChange *loa_station_key_change_parse(GBytes *data,
                                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Reads and parses a statement file (LOA_STATION_KEY_ERROR_IO if unreadable). */
LoaStationKeyChange *loa_station_key_change_read(const char *path,
                                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* TRUE if key signed the statement as it is (whatever key it names). */
gboolean loa_station_key_change_signed_by(const LoaStationKeyChange *change,
                                          const LoaStationKey *key);

void loa_station_key_change_free(LoaStationKeyChange *change);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaStationKeyChange, loa_station_key_change_free)

/* What a rotation did. Strings owned. */
typedef struct {
  LoaStationKey *new_key;     /* public only */
  LoaStationKey *old_key;     /* public only */
  char *old_path;             /* where the old secret key was moved */
  char *statement_path;       /* the key-change statement written */
  gint64 changed_at;          /* UTC ns */
  char *warning;              /* a problem after the change was made (stale KEY.pub), or NULL */
} LoaStationKeyRotation;

void loa_station_key_rotation_clear(LoaStationKeyRotation *rotation);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(LoaStationKeyRotation, loa_station_key_rotation_clear)

/* Replaces the station key at path with a new pair, at changed_at (UTC ns):
 * writes the key-change statement, signed by the old key, to
 * statement_path; records the old public key, the time and the statement
 * in the station database db (table station_keys); moves the old secret
 * key to path.old-YYYYMMDD (UTC date of the change; ".2", ".3"... if
 * taken), mode 0600; and puts the new one in its place (path.pub too).
 * The old key must load (loa_station_key_load). On failure nothing has
 * changed: no new key, no record, no statement. Fills result on success. */
gboolean loa_station_key_rotate(sqlite3 *db, const char *path, const char *statement_path,
                                gint64 changed_at, LoaStationKeyRotation *result,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;
