/* Shared between bundle.c (life cycle, collecting, signing, writing),
 * bundle-read.c, bundle-canonical.c and bundle-verify.c; not part of the
 * module's public face. */
#pragma once

#include "bundle.h"

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

/* Each header's name, indexed by Header (bundle.c). */
extern const char *const loa_bundle_header_names[N_HEADERS];

#define ROW_PREFIX "row "
#define END_LINE "end"
#define SIGNATURE_PREFIX "signature: "

/* A new bundle with an empty rows array that owns its rows. Free with
 * loa_bundle_free. (bundle.c) */
LoaBundle *loa_bundle_new(void) G_GNUC_WARN_UNUSED_RESULT;

/* Frees a row and what it holds; NULL is allowed. (bundle.c) */
void loa_bundle_row_free(LoaBundleRow *row);

/* Undoes the escapes of the canonical form (backslash, newline, carriage
 * return) in the first length bytes of text. Returns a new string, or NULL
 * for an unknown escape or a raw CR. (bundle.c) */
char *loa_bundle_unescape(const char *text, gsize length) G_GNUC_WARN_UNUSED_RESULT;

/* Sets an error of code with the formatted message. Returns FALSE. */
static inline gboolean
fail(GError **error, LoaBundleError code, const char *format, ...) G_GNUC_PRINTF(3, 4);

static inline gboolean
fail(GError **error, LoaBundleError code, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  g_autofree char *message = g_strdup_vprintf(format, args);
  va_end(args);
  g_set_error_literal(error, LOA_BUNDLE_ERROR, code, message);
  return FALSE;
}
