/* The station's Ed25519 key pair (see station-key.h). */
#include "station-key.h"

#include "airlog.h"
#include "db.h"
#include "i18n.h"
#include "loa-cleanup.h"

#include <inttypes.h>
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

/* Writes key's file whole into a new private temporary file beside path
 * (mode 0600, synced). Returns its name, or NULL with the error set. */
static char *
write_temporary(const char *path, const LoaStationKey *key, GError **error)
{
  char *temporary = g_strconcat(path, ".XXXXXX", NULL);
  int fd = g_mkstemp_full(temporary, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    int saved = errno;
    g_set_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_IO,
                _("%s: cannot write the station key: %s"), path, g_strerror(saved));
    g_free(temporary);
    return NULL;
  }
  char *text = key_file_text(key);
  gboolean written = fchmod(fd, 0600) == 0 && write_all(fd, text, strlen(text));
  int saved = errno;
  free_secret_text(text);
  close(fd);
  if (!written) {
    g_unlink(temporary);
    g_free(temporary);
    g_set_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_IO,
                _("%s: cannot write the station key: %s"), path, g_strerror(saved));
    return NULL;
  }
  return temporary;
}

/* The public half is no secret: path.pub, readable by all, replaced if stale. */
static gboolean
write_public(const char *path, const LoaStationKey *key, GError **error)
{
  g_autofree char *public_path = g_strconcat(path, LOA_STATION_KEY_PUBLIC_SUFFIX, NULL);
  g_autofree char *public_text = loa_station_key_public_text(key);
  g_autofree char *public_line = g_strconcat(public_text, "\n", NULL);
  return g_file_set_contents_full(public_path, public_line, -1,
                                  G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                  0644, error);
}

/* A new key pair in memory. */
static LoaStationKey *
generate(void)
{
  LoaStationKey *key = g_new0(LoaStationKey, 1);
  crypto_sign_keypair(key->public_key, key->secret_key);
  key->has_secret = TRUE;
  return key;
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

  g_autoptr(LoaStationKey) key = generate();

  /* Written whole into a private temporary file, then linked into place:
   * link() fails if the name exists, so a key that appeared meanwhile is
   * not replaced either, and no reader ever sees half a key. */
  g_autofree char *temporary = write_temporary(path, key, error);
  if (temporary == NULL)
    return NULL;
  int linked = link(temporary, path);
  int saved = errno;
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
  if (!write_public(path, key, error))
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
    problem = _("it does not start with 'loa-station-key/1'");
  G_STATIC_ASSERT(sizeof(LOA_STATION_KEY_FORMAT) == sizeof("loa-station-key/1"));
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

/* Key-change statements. */

#define CHANGE_STATION "station: "
#define CHANGE_OLD_KEY "old-key: "
#define CHANGE_NEW_KEY "new-key: "
#define CHANGE_AT "changed-at: "
#define CHANGE_SIGNATURE "signature: "

void
loa_station_key_change_free(LoaStationKeyChange *change)
{
  if (change == NULL)
    return;
  g_free(change->station_id);
  loa_station_key_free(change->old_key);
  loa_station_key_free(change->new_key);
  if (change->data != NULL)
    g_bytes_unref(change->data);
  g_free(change);
}

/* "2026-11-15T03:04:05.123456789Z": UTC to the nanosecond, one way only. */
static char *
format_utc(gint64 ns)
{
  gint64 seconds = ns / G_GINT64_CONSTANT(1000000000), fraction = ns % G_GINT64_CONSTANT(1000000000);
  if (fraction < 0) {
    seconds--;
    fraction += G_GINT64_CONSTANT(1000000000);
  }
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc(seconds);
  if (time == NULL)
    return g_strdup("?");
  g_autofree char *date = g_date_time_format(time, "%Y-%m-%dT%H:%M:%S");
  return g_strdup_printf("%s.%09" PRId64 "Z", date, fraction);
}

/* The reverse of format_utc; only what format_utc writes is accepted. */
static gboolean
parse_utc(const char *text, gint64 *ns)
{
  int year, month, day, hour, minute, second, consumed = 0;
  char fraction[10] = "";
  if (strlen(text) != 30 ||
      sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d.%9[0-9]Z%n", &year, &month, &day, &hour, &minute,
             &second, fraction, &consumed) != 7 ||
      consumed != 30)
    return FALSE;
  g_autoptr(GDateTime) time = g_date_time_new_utc(year, month, day, hour, minute, second);
  if (time == NULL)
    return FALSE;
  gint64 value = g_date_time_to_unix(time) * G_GINT64_CONSTANT(1000000000) +
                 g_ascii_strtoll(fraction, NULL, 10);
  g_autofree char *again = format_utc(value);
  if (strcmp(again, text) != 0)
    return FALSE;
  *ns = value;
  return TRUE;
}

LoaStationKeyChange *
loa_station_key_change_new(const char *station_id, const LoaStationKey *old_key,
                           const LoaStationKey *new_key, gint64 changed_at, GError **error)
{
  g_autoptr(LoaStationKeyChange) change = g_new0(LoaStationKeyChange, 1);
  change->station_id = g_strdup(station_id);
  change->old_key = g_memdup2(old_key, sizeof(*old_key));
  sodium_memzero(change->old_key->secret_key, sizeof(change->old_key->secret_key));
  change->old_key->has_secret = FALSE;
  change->new_key = g_new0(LoaStationKey, 1);
  memcpy(change->new_key->public_key, new_key->public_key, sizeof(new_key->public_key));
  change->changed_at = changed_at;

  g_autofree char *old_text = loa_station_key_public_text(old_key);
  g_autofree char *new_text = loa_station_key_public_text(new_key);
  g_autofree char *at = format_utc(changed_at);
  GString *out = g_string_new(LOA_STATION_KEY_CHANGE_FORMAT "\n");
  g_string_append_printf(out, CHANGE_STATION "%s\n" CHANGE_OLD_KEY "%s\n" CHANGE_NEW_KEY "%s\n"
                         CHANGE_AT "%s\n", station_id, old_text, new_text, at);
  if (!loa_station_key_sign(old_key, out->str, out->len, change->signature, error)) {
    g_string_free(out, TRUE);
    return NULL;
  }
  change->signed_length = out->len;
  g_autofree char *signature = g_base64_encode(change->signature, sizeof(change->signature));
  g_string_append_printf(out, CHANGE_SIGNATURE "%s\n", signature);
  change->data = g_string_free_to_bytes(out);
  return g_steal_pointer(&change);
}

/* The value of line `prefix`VALUE, or NULL. */
static const char *
line_value(const char *line, const char *prefix)
{
  return g_str_has_prefix(line, prefix) ? line + strlen(prefix) : NULL;
}

/* Fills change from the six lines of a statement. Returns a problem
 * (static, translated) or NULL. */
static const char *
parse_change_lines(char **lines, LoaStationKeyChange *change)
{
  const char *value;
  if (g_strv_length(lines) != 7 || lines[6][0] != '\0')
    return _("it must have exactly six lines");
  if (strcmp(lines[0], LOA_STATION_KEY_CHANGE_FORMAT) != 0)
    return _("it does not start with '" LOA_STATION_KEY_CHANGE_FORMAT "'");
  value = line_value(lines[1], CHANGE_STATION);
  if (value == NULL || *value == '\0' || !g_utf8_validate(value, -1, NULL))
    return _("line 2 is not 'station: ID'");
  change->station_id = g_strdup(value);
  value = line_value(lines[2], CHANGE_OLD_KEY);
  if (value == NULL || (change->old_key = loa_station_key_new_from_text(value, NULL)) == NULL)
    return _("line 3 is not 'old-key: PUBLIC-KEY'");
  value = line_value(lines[3], CHANGE_NEW_KEY);
  if (value == NULL || (change->new_key = loa_station_key_new_from_text(value, NULL)) == NULL)
    return _("line 4 is not 'new-key: PUBLIC-KEY'");
  value = line_value(lines[4], CHANGE_AT);
  if (value == NULL || !parse_utc(value, &change->changed_at))
    return _("line 5 is not 'changed-at: YYYY-MM-DDTHH:MM:SS.NNNNNNNNNZ'");
  value = line_value(lines[5], CHANGE_SIGNATURE);
  if (value == NULL || strlen(value) != (LOA_STATION_KEY_SIGNATURE_BYTES + 2) / 3 * 4)
    return _("line 6 is not 'signature: BASE64'");
  gsize decoded_length = 0;
  g_autofree guint8 *decoded = g_base64_decode(value, &decoded_length);
  if (decoded_length != LOA_STATION_KEY_SIGNATURE_BYTES)
    return _("its signature is not 64 bytes of base64");
  memcpy(change->signature, decoded, decoded_length);
  return NULL;
}

LoaStationKeyChange *
loa_station_key_change_parse(GBytes *data, GError **error)
{
  gsize size = 0;
  const char *bytes = g_bytes_get_data(data, &size);
  g_autoptr(LoaStationKeyChange) change = g_new0(LoaStationKeyChange, 1);
  change->data = g_bytes_ref(data);
  g_autofree char *text = g_strndup(bytes, size);
  const char *problem = NULL;
  if (size == 0 || strlen(text) != size || text[size - 1] != '\n') {
    problem = _("it is not whole (it must end with its signature line)");
  } else {
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    problem = parse_change_lines(lines, change);
    /* The signature covers everything before its line. */
    if (problem == NULL)
      change->signed_length = size - strlen(lines[5]) - 1;
  }
  if (problem != NULL) {
    g_set_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_INVALID,
                _("not a valid key-change statement: %s"), problem);
    return NULL;
  }
  return g_steal_pointer(&change);
}

LoaStationKeyChange *
loa_station_key_change_read(const char *path, GError **error)
{
  g_autoptr(GError) local = NULL;
  char *contents = NULL;
  gsize length = 0;
  /* A statement is a few hundred bytes; refuse to read a large file whole. */
  GStatBuf st;
  if (g_stat(path, &st) == 0 && st.st_size > KEY_FILE_MAX) {
    g_set_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_INVALID,
                _("%s: not a valid key-change statement: it is too large"), path);
    return NULL;
  }
  if (!g_file_get_contents(path, &contents, &length, &local)) {
    g_set_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_IO, "%s", local->message);
    return NULL;
  }
  g_autoptr(GBytes) data = g_bytes_new_take(contents, length);
  LoaStationKeyChange *change = loa_station_key_change_parse(data, &local);
  if (change == NULL)
    g_set_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_INVALID, "%s: %s", path,
                local->message);
  return change;
}

gboolean
loa_station_key_change_signed_by(const LoaStationKeyChange *change, const LoaStationKey *key)
{
  return loa_station_key_verify(key, g_bytes_get_data(change->data, NULL), change->signed_length,
                                change->signature);
}

/* Rotation. */

void
loa_station_key_rotation_clear(LoaStationKeyRotation *rotation)
{
  loa_station_key_free(rotation->new_key);
  loa_station_key_free(rotation->old_key);
  g_free(rotation->old_path);
  g_free(rotation->statement_path);
  g_free(rotation->warning);
  *rotation = (LoaStationKeyRotation){ 0 };
}

/* A public-only copy of key. */
static LoaStationKey *
public_copy(const LoaStationKey *key)
{
  LoaStationKey *copy = g_new0(LoaStationKey, 1);
  memcpy(copy->public_key, key->public_key, sizeof(copy->public_key));
  return copy;
}

/* Gives the file at path a second name, path.old-YYYYMMDD (or .2, .3, ...
 * if taken), without replacing anything. Returns that name or NULL. */
static char *
link_aside(const char *path, gint64 changed_at, GError **error)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc(changed_at / G_GINT64_CONSTANT(1000000000));
  g_autofree char *day = g_date_time_format(time, "%Y%m%d");
  for (int n = 1; n < 100; n++) {
    char *aside = n == 1 ? g_strdup_printf("%s.old-%s", path, day)
                         : g_strdup_printf("%s.old-%s.%d", path, day, n);
    if (link(path, aside) == 0)
      return aside;
    int saved = errno;
    if (saved != EEXIST) {
      g_set_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_IO,
                  _("%s: cannot move the old station key aside: %s"), aside, g_strerror(saved));
      g_free(aside);
      return NULL;
    }
    g_free(aside);
  }
  g_set_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_IO,
              _("%s: too many old station keys of the same day"), path);
  return NULL;
}

gboolean
loa_station_key_rotate(sqlite3 *db, const char *path, const char *statement_path,
                       gint64 changed_at, LoaStationKeyRotation *result, GError **error)
{
  if (!crypto_start(error))
    return FALSE;
  g_autoptr(LoaStationKey) old_key = loa_station_key_load(path, error);
  if (old_key == NULL)
    return FALSE;
  g_autoptr(GError) local = NULL;
  g_autofree char *station_id = loa_airlog_station_id(db, &local);
  if (station_id == NULL) {
    g_set_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_DB, "%s", local->message);
    return FALSE;
  }
  g_autoptr(LoaStationKey) new_key = generate();
  g_autoptr(LoaStationKeyChange) change =
    loa_station_key_change_new(station_id, old_key, new_key, changed_at, error);
  if (change == NULL)
    return FALSE;

  /* Everything that can fail before the switch is done first: the new key
   * in a temporary file, the statement, the record (in an open transaction). */
  if (g_file_test(statement_path, G_FILE_TEST_EXISTS)) {
    g_set_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_EXISTS,
                _("%s: a file is already there; the statement is never written over one"),
                statement_path);
    return FALSE;
  }
  g_autofree char *temporary = write_temporary(path, new_key, error);
  if (temporary == NULL)
    return FALSE;
  gsize statement_length = 0;
  const char *statement = g_bytes_get_data(change->data, &statement_length);
  if (!g_file_set_contents_full(statement_path, statement, (gssize)statement_length,
                                G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0644,
                                error)) {
    g_unlink(temporary);
    return FALSE;
  }
  g_autofree char *old_text = loa_station_key_public_text(old_key);
  g_autofree char *new_text = loa_station_key_public_text(new_key);
  g_autofree char *old_fingerprint = loa_station_key_fingerprint(old_key);
  /* Declared before the first goto: the cleanups run on every way out. */
  g_autofree char *old_path = NULL;
  g_autofree char *dir = g_path_get_dirname(path);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) public_error = NULL;
  if (!loa_db_begin(db, &local))
    goto failed;
  if (sqlite3_prepare_v2(db,
                         "INSERT INTO station_keys (public_key, fingerprint, retired_at,"
                         " replaced_by, key_file, statement) VALUES (?, ?, ?, ?, ?, ?)",
                         -1, &stmt, NULL) != SQLITE_OK) {
    loa_db_set_error(&local, db, _("recording the old station key"));
    goto rollback;
  }
  if ((old_path = link_aside(path, changed_at, error)) == NULL)
    goto rollback;
  if (!loa_db_bind(stmt, &local, "ttittt", old_text, old_fingerprint, changed_at, new_text,
                   old_path, statement) ||
      !loa_db_step_done(stmt, &local))
    goto unlink_aside;
  /* The switch: rename() replaces the file in one step; the old key keeps
   * its second name. */
  if (rename(temporary, path) != 0) {
    int saved = errno;
    g_set_error(&local, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_IO,
                _("%s: cannot put the new station key in place: %s"), path, g_strerror(saved));
    goto unlink_aside;
  }
  if (!loa_db_commit(db, &local)) {
    /* Put the old key back: the station keeps signing with it. */
    if (rename(old_path, path) != 0)
      g_prefix_error(&local, _("the new key is in %s but could not be recorded, and the old "
                               "key is in %s: "),
                     path, old_path);
    loa_db_rollback(db);
    g_unlink(statement_path);
    g_set_error(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_DB, "%s", local->message);
    return FALSE;
  }
  sync_folder(dir);

  *result = (LoaStationKeyRotation){ 0 };
  if (!write_public(path, new_key, &public_error))
    result->warning = g_strdup(public_error->message);
  result->new_key = public_copy(new_key);
  result->old_key = public_copy(old_key);
  result->old_path = g_steal_pointer(&old_path);
  result->statement_path = g_strdup(statement_path);
  result->changed_at = changed_at;
  return TRUE;

unlink_aside:
  g_unlink(old_path);
rollback:
  loa_db_rollback(db);
failed:
  g_unlink(temporary);
  g_unlink(statement_path);
  if (local != NULL) {
    g_set_error(error, LOA_STATION_KEY_ERROR,
                local->domain == LOA_STATION_KEY_ERROR ? local->code : LOA_STATION_KEY_ERROR_DB,
                "%s", local->message);
  }
  return FALSE;
}
