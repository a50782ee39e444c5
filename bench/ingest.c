/* Ingest of many short spots: generates COUNT distinct WAV files (3 s,
 * 44.1 kHz stereo 16-bit, each a different tone with a second of silence
 * around it, so every file is hashed, probed, decoded, measured and cued
 * for real), ingests them one after the other into a fresh database and
 * library (on the file system of TMPDIR), and prints the total time and the
 * per-file median, 95th percentile and maximum.
 *
 *   loa-bench-ingest [COUNT] */
#include "ingest.h"

#include "db.h"

#include "../tests/common/test-util.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RATE 44100
#define SECONDS 3

static void
write_spot(const char *path, int index)
{
  gsize frames = (gsize)RATE * SECONDS;
  guint32 data_bytes = (guint32)(frames * 4);
  g_autoptr(GByteArray) out = g_byte_array_sized_new(44 + data_bytes);
  guint8 header[44] = "RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0\x02\0\0\0\0\0\0\0\0\0\x04\0\x10\0data";
  guint32 riff = GUINT32_TO_LE(36 + data_bytes), rate = GUINT32_TO_LE(RATE);
  guint32 byte_rate = GUINT32_TO_LE(RATE * 4), data = GUINT32_TO_LE(data_bytes);
  memcpy(header + 4, &riff, 4);
  memcpy(header + 24, &rate, 4);
  memcpy(header + 28, &byte_rate, 4);
  memcpy(header + 40, &data, 4);
  g_byte_array_append(out, header, 44);
  double frequency = 200.0 + index * 1.37;
  for (gsize i = 0; i < frames; i++) {
    gboolean sound = i >= RATE / 2 && i < frames - RATE / 2;
    gint16 v = sound ? (gint16)lrint(8000.0 * sin(2 * G_PI * frequency * (double)i / RATE)) : 0;
    guint16 le = GUINT16_TO_LE((guint16)v);
    g_byte_array_append(out, (guint8 *)&le, 2);
    g_byte_array_append(out, (guint8 *)&le, 2);
  }
  g_file_set_contents(path, (const char *)out->data, out->len, NULL);
}

static int
compare_doubles(gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
  gst_init(&argc, &argv);
  int count = argc > 1 ? (int)g_ascii_strtoll(argv[1], NULL, 10) : 1000;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp("loa-bench-ingest-XXXXXX", &error);
  g_autofree char *db_path = g_build_filename(dir, "loa.db", NULL);
  g_autofree char *library = g_build_filename(dir, "library", NULL);
  g_autofree char *inputs = g_build_filename(dir, "in", NULL);
  g_mkdir(inputs, 0755);
  sqlite3 *db = loa_db_open(db_path, LOA_DB_OPEN_CREATE, &error);
  if (db == NULL) {
    fprintf(stderr, "%s\n", error->message);
    return 1;
  }
  for (int i = 0; i < count; i++) {
    g_autofree char *name = g_strdup_printf("spot-%04d.wav", i);
    g_autofree char *path = g_build_filename(inputs, name, NULL);
    write_spot(path, i);
  }

  g_autofree double *times = g_new(double, count);
  const LoaIngestOptions options = LOA_INGEST_OPTIONS_DEFAULT;
  gint64 start = g_get_monotonic_time();
  for (int i = 0; i < count; i++) {
    g_autofree char *name = g_strdup_printf("spot-%04d.wav", i);
    g_autofree char *path = g_build_filename(inputs, name, NULL);
    gint64 t0 = g_get_monotonic_time();
    gboolean existing = FALSE;
    g_autoptr(LoaSpot) spot = loa_ingest_file(db, library, path, NULL, &options, &existing, &error);
    if (spot == NULL || existing) {
      fprintf(stderr, "%s\n", spot == NULL ? error->message : "unexpected duplicate");
      return 1;
    }
    times[i] = (double)(g_get_monotonic_time() - t0) / 1e3;
  }
  double total = (double)(g_get_monotonic_time() - start) / 1e6;
  qsort(times, (size_t)count, sizeof(double), (int (*)(const void *, const void *))compare_doubles);
  printf("ingested %d spots of %d s in %.1f s: %.1f ms per file on average; "
         "median %.1f ms, p95 %.1f ms, max %.1f ms; %.0f x real time\n",
         count, SECONDS, total, total * 1e3 / count, times[count / 2],
         times[(int)(count * 0.95)], times[count - 1], count * (double)SECONDS / total);
  loa_db_close(db);
  test_util_remove_tree(dir);
  return 0;
}
