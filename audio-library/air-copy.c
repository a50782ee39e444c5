/* Air copies (see air-copy.h). */
#define G_LOG_DOMAIN "loa-library"

#include "air-copy.h"

#include "spot.h"
#include "spot-airable.h"

#include "i18n.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A RIFF/WAVE header with one fmt and one data chunk, as wavenc writes it. */
#define WAV_HEADER_BYTES 44

char *
loa_air_copy_temp_new(const char *library_dir, const char *source_path, GError **error)
{
  char *path = g_build_filename(library_dir, ".air-XXXXXX", NULL);
  int fd = g_mkstemp_full(path, O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) {
    int saved = errno;
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_SYSTEM,
                _("%s: cannot write into the library folder %s: %s"), source_path, library_dir,
                g_strerror(saved));
    g_free(path);
    return NULL;
  }
  close(fd);
  return path;
}

GstElement *
loa_air_copy_sink_new(const char *path, GError **error)
{
  GstElement *bin = gst_bin_new("air-copy");
  GstElement *convert = gst_element_factory_make("audioconvert", NULL);
  GstElement *filter = gst_element_factory_make("capsfilter", NULL);
  GstElement *encode = gst_element_factory_make("wavenc", NULL);
  GstElement *sink = gst_element_factory_make("filesink", NULL);

  if (convert == NULL || filter == NULL || encode == NULL || sink == NULL) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_SYSTEM,
                _("cannot write an air copy: the GStreamer elements audioconvert, capsfilter, "
                  "wavenc and filesink are needed"));
    g_clear_object(&convert);
    g_clear_object(&filter);
    g_clear_object(&encode);
    g_clear_object(&sink);
    gst_object_unref(gst_object_ref_sink(bin));
    return NULL;
  }
  g_autoptr(GstCaps) caps = gst_caps_new_simple("audio/x-raw", "format", G_TYPE_STRING, "S16LE",
                                                "layout", G_TYPE_STRING, "interleaved", NULL);
  g_object_set(filter, "caps", caps, NULL);
  /* No dither: the copy of a file is then the same every time (its hash
   * too), and silence stays digital silence. Rounding to 16 bits without it
   * errs at -96 dBFS, far under what a loudspeaker line carries. */
  gst_util_set_object_arg(G_OBJECT(convert), "dithering", "none");
  /* The copy is read by the engine, never played here. */
  g_object_set(sink, "location", path, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add_many(GST_BIN(bin), convert, filter, encode, sink, NULL);
  if (!gst_element_link_many(convert, filter, encode, sink, NULL)) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_SYSTEM,
                _("cannot write an air copy: cannot link audioconvert to wavenc"));
    gst_object_unref(gst_object_ref_sink(bin));
    return NULL;
  }
  g_autoptr(GstPad) target = gst_element_get_static_pad(convert, "sink");
  gst_element_add_pad(bin, gst_ghost_pad_new("sink", target));
  return bin;
}

char *
loa_air_copy_name(const char *file_name)
{
  const char *dot = strrchr(file_name, '.');
  g_autofree char *stem = dot != NULL && dot != file_name
                            ? g_strndup(file_name, (gsize)(dot - file_name))
                            : g_strdup(file_name);
  return g_strconcat(stem, ".air.wav", NULL);
}

gboolean
loa_air_copy_finish(const char *path, const char *source_path, gint64 frames, int channels,
                    char sha256[65], gint64 *size, gint64 *mtime_ns, GError **error)
{
  g_autoptr(GError) local = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fsync(fd) != 0 || fstat(fd, &st) != 0) {
    int saved = errno;
    if (fd >= 0)
      close(fd);
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_SYSTEM,
                _("%s: cannot sync its air copy %s: %s"), source_path, path, g_strerror(saved));
    return FALSE;
  }
  close(fd);
  gint64 needed = WAV_HEADER_BYTES + frames * channels * 2;
  if (st.st_size < needed) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_SYSTEM,
                _("%s: its air copy %s is %" PRId64 " bytes, less than the %" PRId64
                  " its audio needs (is the disk full?)"),
                source_path, path, (gint64)st.st_size, needed);
    return FALSE;
  }
  if (!loa_spot_hash_file(path, sha256, &local)) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_SYSTEM, "%s: %s", source_path,
                local->message);
    return FALSE;
  }
  *size = st.st_size;
  *mtime_ns = (gint64)st.st_mtim.tv_sec * G_GINT64_CONSTANT(1000000000) + st.st_mtim.tv_nsec;
  return TRUE;
}
