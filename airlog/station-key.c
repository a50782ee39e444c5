/* The station's Ed25519 key pair (see station-key.h). */
#include "station-key.h"

#include "i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

G_DEFINE_QUARK(loa-station-key-error-quark, loa_station_key_error)

G_STATIC_ASSERT(LOA_STATION_KEY_PUBLIC_BYTES == crypto_sign_PUBLICKEYBYTES);
G_STATIC_ASSERT(LOA_STATION_KEY_SECRET_BYTES == crypto_sign_SECRETKEYBYTES);
G_STATIC_ASSERT(LOA_STATION_KEY_SIGNATURE_BYTES == crypto_sign_BYTES);

/* A key file is a few hundred bytes; anything much larger is not one. */
#define KEY_FILE_MAX 4096

static gboolean
crypto_start(GError **error)
{
  /* Idempotent and thread-safe; cheap after the first call. */
  if (sodium_init() < 0) {
    g_set_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_CRYPTO,
                _("the cryptography library (libsodium) could not start"));
    return FALSE;
  }
  return TRUE;
}

void
loa_station_key_free(LoaStationKey *key)
{
  if (key == NULL)
    return;
  sodium_memzero(key, sizeof(*key));
  g_free(key);
}

/* Decodes base64 text of exactly `length` bytes into out. */
static gboolean
decode_base64(const char *text, guint8 *out, gsize length)
{
  gsize text_length = strlen(text);
  /* Standard base64 with padding only: 4 characters per 3 bytes. */
  if (text_length != (length + 2) / 3 * 4)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum(*p) && *p != '+' && *p != '/' && *p != '=')
      return FALSE;
  gsize decoded_length = 0;
  g_autofree guint8 *decoded = g_base64_decode(text, &decoded_length);
  gboolean ok = decoded_length == length;
  if (ok)
    memcpy(out, decoded, length);
  if (decoded != NULL)
    sodium_memzero(decoded, decoded_length);
  return ok;
}

static gboolean
decode_hex(const char *text, guint8 *out, gsize length)
{
  if (strlen(text) != length * 2)
    return FALSE;
  for (gsize i = 0; i < length; i++) {
    int high = g_ascii_xdigit_value(text[2 * i]);
    int low = g_ascii_xdigit_value(text[2 * i + 1]);
    if (high < 0 || low < 0)
      return FALSE;
    out[i] = (guint8)(high << 4 | low);
  }
  return TRUE;
}

LoaStationKey *
loa_station_key_new_from_text(const char *text, GError **error)
{
  g_autofree char *trimmed = g_strstrip(g_strdup(text != NULL ? text : ""));
  g_autoptr(LoaStationKey) key = g_new0(LoaStationKey, 1);
  if (!decode_base64(trimmed, key->public_key, sizeof(key->public_key)) &&
      !decode_hex(trimmed, key->public_key, sizeof(key->public_key))) {
    g_set_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_INVALID,
                _("'%s' is not a public key (44 characters of base64 or 64 hex digits)"),
                trimmed);
    return NULL;
  }
  return g_steal_pointer(&key);
}

char *
loa_station_key_public_text(const LoaStationKey *key)
{
  return g_base64_encode(key->public_key, sizeof(key->public_key));
}

char *
loa_station_key_fingerprint(const LoaStationKey *key)
{
  g_autoptr(GChecksum) checksum = g_checksum_new(G_CHECKSUM_SHA256);
  g_checksum_update(checksum, key->public_key, sizeof(key->public_key));
  const char *hex = g_checksum_get_string(checksum);
  return g_strdup_printf("%.4s %.4s %.4s %.4s", hex, hex + 4, hex + 8, hex + 12);
}

gboolean
loa_station_key_equal(const LoaStationKey *a, const LoaStationKey *b)
{
  return memcmp(a->public_key, b->public_key, sizeof(a->public_key)) == 0;
}

gboolean
loa_station_key_sign(const LoaStationKey *key, const void *data, gsize length,
                     guint8 signature[LOA_STATION_KEY_SIGNATURE_BYTES], GError **error)
{
  if (!crypto_start(error))
    return FALSE;
  if (!key->has_secret) {
    g_set_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_CRYPTO,
                _("cannot sign with a public key alone"));
    return FALSE;
  }
  if (crypto_sign_detached(signature, NULL, data, length, key->secret_key) != 0) {
    g_set_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_CRYPTO,
                _("signing failed"));
    return FALSE;
  }
  return TRUE;
}

gboolean
loa_station_key_verify(const LoaStationKey *key, const void *data, gsize length,
                       const guint8 signature[LOA_STATION_KEY_SIGNATURE_BYTES])
{
  if (!crypto_start(NULL))
    return FALSE;
  return crypto_sign_verify_detached(signature, data, length, key->public_key) == 0;
}

/* The key file's text for key. The caller wipes and frees it. */
static char *
key_file_text(const LoaStationKey *key)
{
  g_autofree char *public_text = loa_station_key_public_text(key);
  char *secret_text = g_base64_encode(key->secret_key, sizeof(key->secret_key));
  char *text = g_strdup_printf("%s\npublic: %s\nsecret: %s\n", LOA_STATION_KEY_FORMAT,
                               public_text, secret_text);
  sodium_memzero(secret_text, strlen(secret_text));
  g_free(secret_text);
  return text;
}

static void
free_secret_text(char *text)
{
  if (text == NULL)
    return;
  sodium_memzero(text, strlen(text));
  g_free(text);
}

/* Writes all of text to fd and syncs it. */
static gboolean
write_all(int fd, const char *text, gsize length)
{
  while (length > 0) {
    ssize_t n = write(fd, text, length);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    text += n;
    length -= (gsize)n;
  }
  return fsync(fd) == 0;
}

static void
sync_folder(const char *dir)
{
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

LoaStationKey *
loa_station_key_create(const char *path, GError **error)
{
  if (!crypto_start(error))
    return NULL;
  if (g_file_test(path, G_FILE_TEST_EXISTS)) {
    g_set_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_EXISTS,
                _("%s: a station key is already there; it is never replaced"), path);
    return NULL;
  }
  g_autofree char *dir = g_path_get_dirname(path);
  if (g_mkdir_with_parents(dir, 0700) != 0) {
    int saved = errno;
    g_set_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_IO,
                _("%s: cannot create the folder of the station key: %s"), dir,
                g_strerror(saved));
    return NULL;
  }

  g_autoptr(LoaStationKey) key = g_new0(LoaStationKey, 1);
  crypto_sign_keypair(key->public_key, key->secret_key);
  key->has_secret = TRUE;

  /* Written whole into a private temporary file, then linked into place:
   * link() fails if the name exists, so a key that appeared meanwhile is
   * not replaced either, and no reader ever sees half a key. */
  g_autofree char *temporary = g_strconcat(path, ".XXXXXX", NULL);
  int fd = g_mkstemp_full(temporary, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    int saved = errno;
    g_set_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_IO,
                _("%s: cannot write the station key: %s"), path, g_strerror(saved));
    return NULL;
  }
  char *text = key_file_text(key);
  gboolean written = fchmod(fd, 0600) == 0 && write_all(fd, text, strlen(text));
  int saved = errno;
  free_secret_text(text);
  close(fd);
  if (!written) {
    g_unlink(temporary);
    g_set_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_IO,
                _("%s: cannot write the station key: %s"), path, g_strerror(saved));
    return NULL;
  }
  int linked = link(temporary, path);
  saved = errno;
  g_unlink(temporary);
  if (linked != 0) {
    g_set_error(error, LOA_STATION_KEY_ERROR,
                saved == EEXIST ? LOA_STATION_KEY_ERROR_EXISTS : LOA_STATION_KEY_ERROR_IO,
                saved == EEXIST ? _("%s: a station key is already there; it is never replaced")
                                : _("%s: cannot write the station key: %s"),
                path, g_strerror(saved));
    return NULL;
  }
  sync_folder(dir);

  /* The public half is no secret: readable by all, replaced if stale. */
  g_autofree char *public_path = g_strconcat(path, LOA_STATION_KEY_PUBLIC_SUFFIX, NULL);
  g_autofree char *public_text = loa_station_key_public_text(key);
  g_autofree char *public_line = g_strconcat(public_text, "\n", NULL);
  if (!g_file_set_contents_full(public_path, public_line, -1,
                                G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                0644, error))
    return NULL;
  return g_steal_pointer(&key);
}

/* Reads a small file whole; for the secret key, checks its mode first. */
static char *
read_key_file(const char *path, gboolean secret, GError **error)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int saved = errno;
    g_set_error(error, LOA_STATION_KEY_ERROR,
                saved == ENOENT ? LOA_STATION_KEY_ERROR_MISSING : LOA_STATION_KEY_ERROR_IO,
                saved == ENOENT ? _("%s: no station key (create it with 'loa init')")
                                : _("%s: cannot read the station key: %s"),
                path, g_strerror(saved));
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    g_set_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_INVALID,
                _("%s: not a station key file"), path);
    return NULL;
  }
  if (secret && (st.st_mode & 077) != 0) {
    close(fd);
    g_set_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_PERMISSIONS,
                _("%s: the secret key is readable by others (mode %04o); it must be readable "
                  "by its owner only: chmod 600 %s"),
                path, (unsigned)(st.st_mode & 07777), path);
    return NULL;
  }
  char *text = g_malloc0(KEY_FILE_MAX + 1);
  gsize length = 0;
  while (length < KEY_FILE_MAX) {
    ssize_t n = read(fd, text + length, KEY_FILE_MAX - length);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved = errno;
      close(fd);
      free_secret_text(text);
      g_set_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_IO,
                  _("%s: cannot read the station key: %s"), path, g_strerror(saved));
      return NULL;
    }
    if (n == 0)
      break;
    length += (gsize)n;
  }
  close(fd);
  if (length >= KEY_FILE_MAX) {
    free_secret_text(text);
    g_set_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_INVALID,
                _("%s: not a station key file (too large)"), path);
    return NULL;
  }
  return text;
}

/* Parses the key file's text: the format line, then "public:" and "secret:". */
static LoaStationKey *
parse_key_file(const char *path, const char *text, GError **error)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_autoptr(LoaStationKey) key = g_new0(LoaStationKey, 1);
  gboolean has_public = FALSE;
  const char *problem = NULL;

  if (lines[0] == NULL || strcmp(lines[0], LOA_STATION_KEY_FORMAT) != 0)
    problem = _("it does not start with '" LOA_STATION_KEY_FORMAT "'");
  for (guint i = 1; problem == NULL && lines[i] != NULL; i++) {
    char *line = g_strstrip(lines[i]);
    if (*line == '\0' || *line == '#')
      continue;
    if (g_str_has_prefix(line, "public:")) {
      has_public = decode_base64(g_strchug(line + 7), key->public_key, sizeof(key->public_key));
      if (!has_public)
        problem = _("its public key is malformed");
    } else if (g_str_has_prefix(line, "secret:")) {
      key->has_secret =
        decode_base64(g_strchug(line + 7), key->secret_key, sizeof(key->secret_key));
      if (!key->has_secret)
        problem = _("its secret key is malformed");
    } else {
      problem = _("it has a line that is neither 'public:' nor 'secret:'");
    }
  }
  if (problem == NULL && !has_public)
    problem = _("it has no public key");
  /* libsodium's secret key ends with its public key. */
  if (problem == NULL && key->has_secret &&
      sodium_memcmp(key->secret_key + crypto_sign_SEEDBYTES, key->public_key,
                    sizeof(key->public_key)) != 0)
    problem = _("its public key does not belong to its secret key");
  for (guint i = 0; lines[i] != NULL; i++)
    sodium_memzero(lines[i], strlen(lines[i]));
  if (problem != NULL) {
    g_set_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_INVALID,
                _("%s: not a valid station key: %s"), path, problem);
    return NULL;
  }
  return g_steal_pointer(&key);
}

LoaStationKey *
loa_station_key_load(const char *path, GError **error)
{
  if (!crypto_start(error))
    return NULL;
  char *text = read_key_file(path, TRUE, error);
  if (text == NULL)
    return NULL;
  LoaStationKey *key = parse_key_file(path, text, error);
  free_secret_text(text);
  if (key != NULL && !key->has_secret) {
    g_set_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_INVALID,
                _("%s: not a valid station key: it has no secret key"), path);
    loa_station_key_free(key);
    return NULL;
  }
  return key;
}

LoaStationKey *
loa_station_key_load_public(const char *path, GError **error)
{
  g_autoptr(GError) local = NULL;
  char *text = read_key_file(path, FALSE, &local);
  if (text != NULL) {
    LoaStationKey *key = parse_key_file(path, text, error);
    free_secret_text(text);
    if (key != NULL) {
      sodium_memzero(key->secret_key, sizeof(key->secret_key));
      key->has_secret = FALSE;
    }
    return key;
  }
  if (!g_error_matches(local, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_IO)) {
    g_propagate_error(error, g_steal_pointer(&local));
    return NULL;
  }
  /* Not ours to read (the daemon's user owns it): the public copy will do. */
  g_autofree char *public_path = g_strconcat(path, LOA_STATION_KEY_PUBLIC_SUFFIX, NULL);
  g_autofree char *public_text = NULL;
  g_autoptr(GError) public_error = NULL;
  if (!g_file_get_contents(public_path, &public_text, NULL, &public_error)) {
    g_set_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_IO, "%s; %s",
                local->message, public_error->message);
    return NULL;
  }
  return loa_station_key_new_from_text(public_text, error);
}
