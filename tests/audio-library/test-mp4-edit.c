/* The MP4 edit list reader (audio-library/mp4-edit.h) on M4A files from
 * ffmpeg, on files that are not its plain case, and on every truncation and
 * many single-byte damages of a real file: it must read the plain case
 * exactly and never read outside the file (the sanitizer build checks). */
#include "mp4-edit.h"

#include "bytes.h"

#include "../common/test-util.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <string.h>

typedef struct {
  char *dir;
  GBytes *m4a;            /* ffmpeg's default layout: moov after mdat */
  GBytes *faststart;      /* moov first */
} Fixture;

/* 53 333 frames at 48 kHz: 1.111 s, ending inside an AAC frame. */
static GBytes *
make_m4a(const char *dir, const char *name, gboolean faststart)
{
  g_autofree char *ffmpeg = g_find_program_in_path("ffmpeg");
  g_assert_nonnull(ffmpeg);  /* scripts/install-deps installs it */
  g_autofree char *path = g_build_filename(dir, name, NULL);
  const char *argv[] = { ffmpeg, "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                         "sine=frequency=440:sample_rate=48000,atrim=end_sample=53333",
                         "-ac", "2", "-c:a", "aac", "-b:a", "128k", "-movflags",
                         faststart ? "+faststart" : "-faststart", path, NULL };
  g_autoptr(GError) error = NULL;
  int status = 0;
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                             &status, &error));
  g_assert_no_error(error);
  g_assert_true(g_spawn_check_wait_status(status, &error));
  return test_util_read(path);
}

static void
fixture_set_up(Fixture *fixture, gconstpointer data)
{
  fixture->dir = test_util_make_dir("loa-mp4-edit-XXXXXX");
  fixture->m4a = make_m4a(fixture->dir, "tone.m4a", FALSE);
  fixture->faststart = make_m4a(fixture->dir, "faststart.m4a", TRUE);
}

static void
fixture_tear_down(Fixture *fixture, gconstpointer data)
{
  g_bytes_unref(fixture->m4a);
  g_bytes_unref(fixture->faststart);
  test_util_remove_tree(fixture->dir);
  g_free(fixture->dir);
}

static gsize
find(const guint8 *data, gsize size, const char *what)
{
  for (gsize i = 0; i + 4 <= size; i++)
    if (memcmp(data + i, what, 4) == 0)
      return i;
  g_assert_not_reached();
}

/* ffmpeg: priming of 1024 samples, the edit's length in milliseconds. */
static void
test_read(Fixture *fixture, gconstpointer data)
{
  GBytes *files[] = { fixture->m4a, fixture->faststart };
  for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
    gsize size = 0;
    const guint8 *bytes = g_bytes_get_data(files[i], &size);
    LoaMp4Edit edit;
    g_assert_true(loa_mp4_edit_read(bytes, size, &edit));
    g_assert_cmpuint(edit.media_time, ==, 1024);
    g_assert_cmpuint(edit.media_timescale, ==, 48000);
    g_assert_cmpuint(edit.movie_timescale, ==, 1000);
    g_assert_cmpuint(edit.duration, ==, 1111);
    g_assert_cmpint(loa_mp4_edit_first_frame(&edit, 48000), ==, 1024);
    g_assert_cmpint(loa_mp4_edit_end_frame(&edit, 48000), ==, 1024 + 53328);
    g_assert_cmpmem(bytes + edit.edts_type_offset, 4, "edts", 4);
    g_assert_cmpuint(edit.mvhd_duration_size, ==, 4);
    /* The movie's duration: ffmpeg rounds it apart from the edit's. */
    guint32 movie = loa_read_be32(bytes + edit.mvhd_duration_offset);
    g_assert_cmpuint(movie, >=, 1111);
    g_assert_cmpuint(movie, <=, 1112);
  }
}

/* Not the plain case: left to the demuxer. */
static void
test_not_plain(Fixture *fixture, gconstpointer data)
{
  LoaMp4Edit edit;
  g_assert_false(loa_mp4_edit_read((const guint8 *)"", 0, &edit));
  const char wav[] = "RIFF\x24\0\0\0WAVEfmt \x10\0\0\0\1\0\2\0\x80\xbb\0\0";
  g_assert_false(loa_mp4_edit_read((const guint8 *)wav, sizeof wav - 1, &edit));

  gsize size = 0;
  const guint8 *bytes = g_bytes_get_data(fixture->m4a, &size);
  g_autofree guint8 *copy = g_memdup2(bytes, size);
  /* Two edits. */
  gsize elst = find(copy, size, "elst");
  loa_write_be32(copy + elst + 8, 2);
  g_assert_false(loa_mp4_edit_read(copy, size, &edit));
  loa_write_be32(copy + elst + 8, 1);
  g_assert_true(loa_mp4_edit_read(copy, size, &edit));
  /* An empty edit (media time -1) and a slowed one. */
  loa_write_be32(copy + elst + 16, 0xFFFFFFFF);
  g_assert_false(loa_mp4_edit_read(copy, size, &edit));
  loa_write_be32(copy + elst + 16, 1024);
  loa_write_be32(copy + elst + 20, 0x00008000);
  g_assert_false(loa_mp4_edit_read(copy, size, &edit));
  loa_write_be32(copy + elst + 20, 0x00010000);
  /* No longer a sound track. */
  gsize hdlr = find(copy, size, "hdlr");
  memcpy(copy + hdlr + 12, "vide", 4);
  g_assert_false(loa_mp4_edit_read(copy, size, &edit));
  memcpy(copy + hdlr + 12, "soun", 4);
  g_assert_true(loa_mp4_edit_read(copy, size, &edit));
  /* Fragmented: the movie's user data box, a child of moov, made an mvex. */
  gsize udta = find(copy, size, "udta");
  memcpy(copy + udta, "mvex", 4);
  g_assert_false(loa_mp4_edit_read(copy, size, &edit));
}

static void
check_bounds(const LoaMp4Edit *edit, gsize size)
{
  g_assert_cmpuint(edit->edts_type_offset + 4, <=, size);
  g_assert_cmpuint(edit->mvhd_duration_offset + edit->mvhd_duration_size, <=, size);
  g_assert_cmpuint(edit->media_timescale, >, 0);
  g_assert_cmpuint(edit->movie_timescale, >, 0);
}

/* Every truncation, and every byte of the boxes before the audio data set
 * to 0x00, 0x01, 0x7F and 0xFF: the reader stays inside the file (each copy
 * is its own allocation of exactly its size, so the sanitizers see any
 * read past it) and what it reads points inside the file. */
static void
test_damage(Fixture *fixture, gconstpointer data)
{
  gsize size = 0;
  const guint8 *bytes = g_bytes_get_data(fixture->faststart, &size);
  guint plain = 0;
  for (gsize length = 0; length < size; length++) {
    g_autofree guint8 *cut = g_memdup2(bytes, length);
    LoaMp4Edit edit;
    if (loa_mp4_edit_read(cut, length, &edit)) {
      check_bounds(&edit, length);
      plain++;
    }
  }
  g_test_message("%u of %" G_GSIZE_FORMAT " truncations still read as the plain case", plain,
                 size);
  gsize header = find(bytes, size, "mdat");
  const guint8 values[] = { 0x00, 0x01, 0x7F, 0xFF };
  g_autofree guint8 *copy = g_memdup2(bytes, size);
  for (gsize i = 0; i < header; i++) {
    for (gsize v = 0; v < G_N_ELEMENTS(values); v++) {
      copy[i] = values[v];
      LoaMp4Edit edit;
      if (loa_mp4_edit_read(copy, size, &edit))
        check_bounds(&edit, size);
    }
    copy[i] = bytes[i];
  }
}

/* The hidden copy: same size, the edit list a free box, the movie's
 * duration 0, nothing else changed; it reads as no edit at all. */
static void
test_hidden_copy(Fixture *fixture, gconstpointer data)
{
  gsize size = 0;
  const guint8 *bytes = g_bytes_get_data(fixture->m4a, &size);
  LoaMp4Edit edit;
  g_assert_true(loa_mp4_edit_read(bytes, size, &edit));
  g_autoptr(GError) error = NULL;
  g_autofree char *path = loa_mp4_edit_hidden_copy(bytes, size, &edit, &error);
  g_assert_no_error(error);
  g_autoptr(GBytes) hidden = test_util_read(path);
  g_unlink(path);
  gsize hidden_size = 0;
  const guint8 *copy = g_bytes_get_data(hidden, &hidden_size);
  g_assert_cmpuint(hidden_size, ==, size);
  for (gsize i = 0; i < size; i++) {
    if (i >= edit.edts_type_offset && i < edit.edts_type_offset + 4)
      g_assert_cmpint(copy[i], ==, "free"[i - edit.edts_type_offset]);
    else if (i >= edit.mvhd_duration_offset &&
             i < edit.mvhd_duration_offset + edit.mvhd_duration_size)
      g_assert_cmpint(copy[i], ==, 0);
    else if (copy[i] != bytes[i])
      g_error("byte %" G_GSIZE_FORMAT " changed", i);
  }
  LoaMp4Edit none;
  g_assert_false(loa_mp4_edit_read(copy, hidden_size, &none));
}

int
main(int argc, char **argv)
{
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, NULL);
  g_test_add("/mp4-edit/read", Fixture, NULL, fixture_set_up, test_read, fixture_tear_down);
  g_test_add("/mp4-edit/not-plain", Fixture, NULL, fixture_set_up, test_not_plain,
             fixture_tear_down);
  g_test_add("/mp4-edit/damage", Fixture, NULL, fixture_set_up, test_damage, fixture_tear_down);
  g_test_add("/mp4-edit/hidden-copy", Fixture, NULL, fixture_set_up, test_hidden_copy,
             fixture_tear_down);
  return g_test_run();
}
