/* Small helpers shared by the unit tests (and the C benchmarks): a private
 * temporary folder per test program, files written into it and read back,
 * and its removal at the end. */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>

/* Creates a fresh folder under the system's temp dir; aborts the test if it cannot. */
static inline char *
test_util_make_dir(const char *pattern)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp(pattern, &error);
  g_assert_no_error(error);
  return dir;
}

/* Writes text to name inside dir. Returns the path (newly allocated). */
static inline char *
test_util_write(const char *dir, const char *name, const char *text)
{
  char *path = g_build_filename(dir, name, NULL);
  g_autoptr(GError) error = NULL;
  g_file_set_contents(path, text, -1, &error);
  g_assert_no_error(error);
  return path;
}

/* The whole of the file at path; aborts the test if it cannot be read. */
static inline GBytes *
test_util_read(const char *path)
{
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize size = 0;
  g_file_get_contents(path, &data, &size, &error);
  g_assert_no_error(error);
  return g_bytes_new_take(data, size);
}

/* Removes path and, if it is a folder, everything in it. */
static inline void
test_util_remove_tree(const char *path)
{
  GDir *dir = g_dir_open(path, 0, NULL);
  if (dir != NULL) {
    const char *name;
    while ((name = g_dir_read_name(dir)) != NULL) {
      g_autofree char *child = g_build_filename(path, name, NULL);
      test_util_remove_tree(child);
    }
    g_dir_close(dir);
    g_rmdir(path);
    return;
  }
  g_unlink(path);
}
