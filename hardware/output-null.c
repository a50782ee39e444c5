/* Null output: renders in real time against the pipeline clock and discards
 * the samples. For stations being set up and for tests of the timeline. */
#include "output.h"

#include "i18n.h"

static GstElement *
null_create_sink(const char *device, const char *line_id, GError **error)
{
  g_autofree char *name = g_strdup_printf("sink-%s", line_id);
  GstElement *sink = gst_element_factory_make("fakesink", name);
  if (sink == NULL) {
    g_set_error(error, LOA_OUTPUT_ERROR, LOA_OUTPUT_ERROR_ELEMENT,
                _("line '%s': GStreamer element 'fakesink' is missing"), line_id);
    return NULL;
  }
  g_object_set(sink, "sync", TRUE, NULL);
  return sink;
}

const LoaOutputPlugin loa_output_null_plugin = {
  .name = "null",
  .takes_device = FALSE,
  .create_sink = null_create_sink,
};
