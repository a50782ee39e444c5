#define G_LOG_DOMAIN "loa-library"

#include "decoders.h"

/* decodebin's answer type for "autoplug-select"; gst-plugins-base does not
 * install the header that declares it (gstplay-enum.h). */
typedef enum {
  AUTOPLUG_TRY = 0,
  AUTOPLUG_EXPOSE = 1,
  AUTOPLUG_SKIP = 2,
} AutoplugSelect;

/* The plain decoder to use instead of FFmpeg's for a stream with these caps,
 * or NULL to keep FFmpeg's. */
static const char *
plain_decoder_for(const GstCaps *caps)
{
  if (caps == NULL || gst_caps_is_empty(caps))
    return NULL;
  const GstStructure *s = gst_caps_get_structure(caps, 0);
  int version = 0, layer = 0, rate = 0;
  if (!gst_structure_has_name(s, "audio/mpeg") ||
      !gst_structure_get_int(s, "mpegversion", &version))
    return NULL;
  if (version == 1 && gst_structure_get_int(s, "layer", &layer) && layer == 3 &&
      gst_structure_get_int(s, "rate", &rate) && rate >= 32000)
    return "mpg123audiodec";
  return NULL;
}

static AutoplugSelect
on_autoplug_select(GstElement *decodebin, GstPad *pad, GstCaps *caps, GstElementFactory *factory,
                   gpointer user_data)
{
  const char *name = gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(factory));
  if (!g_str_has_prefix(name, "avdec_"))
    return AUTOPLUG_TRY;
  const char *plain = plain_decoder_for(caps);
  if (plain == NULL)
    return AUTOPLUG_TRY;
  /* Skipped only when the plain decoder is there to be tried next. */
  GstPluginFeature *feature = gst_registry_lookup_feature(gst_registry_get(), plain);
  if (feature == NULL)
    return AUTOPLUG_TRY;
  gst_object_unref(feature);
  g_debug("%s instead of %s", plain, name);
  return AUTOPLUG_SKIP;
}

void
loa_decoders_watch(GstElement *decodebin)
{
  g_signal_connect(decodebin, "autoplug-select", G_CALLBACK(on_autoplug_select), NULL);
}
