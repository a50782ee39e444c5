/* File output: the line's audio as a WAV file, written as the pipeline runs
 * (paced by its live source, in running-time order). For checking what the
 * mixer produced independently of any sound card; not for stations. */
#include "output.h"

#include "i18n.h"

static GstElement *
file_create_sink(const char *path, const char *line_id, GError **error)
{
  g_autofree char *name = g_strdup_printf("sink-%s", line_id);
  GstElement *bin = gst_bin_new(name);
  GstElement *encode = gst_element_factory_make("wavenc", NULL);
  GstElement *sink = gst_element_factory_make("filesink", NULL);
  if (encode == NULL || sink == NULL) {
    g_set_error(error, LOA_OUTPUT_ERROR, LOA_OUTPUT_ERROR_ELEMENT,
                _("line '%s': GStreamer elements 'wavenc' and 'filesink' are needed "
                  "(install gstreamer1.0-plugins-good)"),
                line_id);
    gst_clear_object(&encode);
    gst_clear_object(&sink);
    gst_object_unref(gst_object_ref_sink(bin));
    return NULL;
  }
  g_object_set(sink, "location", path, "sync", TRUE, "async", FALSE, NULL);
  gst_bin_add_many(GST_BIN(bin), encode, sink, NULL);
  gst_element_link(encode, sink);
  g_autoptr(GstPad) pad = gst_element_get_static_pad(encode, "sink");
  gst_element_add_pad(bin, gst_ghost_pad_new("sink", pad));
  return bin;
}

const LoaOutputPlugin loa_output_file_plugin = {
  .name = "file",
  .takes_device = TRUE,
  .create_sink = file_create_sink,
};
