/* Integers read from (and, for tests, written to) file bytes at any
 * alignment: GST_READ_UINT32_BE and friends may load unaligned, which UBSan
 * rejects. */
#pragma once

#include <glib.h>

static inline guint32
loa_read_le32(const guint8 *p)
{
  return (guint32)p[0] | (guint32)p[1] << 8 | (guint32)p[2] << 16 | (guint32)p[3] << 24;
}

static inline guint32
loa_read_be32(const guint8 *p)
{
  return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | (guint32)p[3];
}

static inline guint64
loa_read_be64(const guint8 *p)
{
  return (guint64)loa_read_be32(p) << 32 | loa_read_be32(p + 4);
}

static inline void
loa_write_be32(guint8 *p, guint32 v)
{
  p[0] = (guint8)(v >> 24);
  p[1] = (guint8)(v >> 16);
  p[2] = (guint8)(v >> 8);
  p[3] = (guint8)v;
}
