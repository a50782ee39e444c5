/* Output backend registry (see output.h). */
#include "output.h"

#include <gst/audio/audio.h>

#include "i18n.h"

#include <string.h>

G_DEFINE_QUARK(loa-output-error-quark, loa_output_error)

static const LoaOutputPlugin *const plugins[] = {
  &loa_output_alsa_plugin,
  &loa_output_null_plugin,
  &loa_output_file_plugin,
};

GstElement *
loa_output_create_sink(const char *output, const char *line_id, GError **error)
{
  const char *colon = strchr(output, ':');
  size_t name_length = colon != NULL ? (size_t)(colon - output) : strlen(output);

  for (size_t i = 0; i < G_N_ELEMENTS(plugins); i++) {
    const LoaOutputPlugin *plugin = plugins[i];
    if (strlen(plugin->name) != name_length || strncmp(plugin->name, output, name_length) != 0)
      continue;
    if (plugin->takes_device && (colon == NULL || colon[1] == '\0'))
      break;
    if (!plugin->takes_device && colon != NULL)
      break;
    return plugin->create_sink(colon != NULL ? colon + 1 : NULL, line_id, error);
  }
  g_set_error(error, LOA_OUTPUT_ERROR, LOA_OUTPUT_ERROR_SYNTAX,
              _("line '%s': output '%s' is not \"alsa:PCM\" or \"null\""), line_id, output);
  return NULL;
}

/* ALSA's default channel order for 2, 4, 6 and 8 channels (alsasink reorders
 * GStreamer's positions into it when the device has no channel map). */
static const GstAudioChannelPosition alsa_order[4][8] = {
  { GST_AUDIO_CHANNEL_POSITION_FRONT_LEFT, GST_AUDIO_CHANNEL_POSITION_FRONT_RIGHT },
  { GST_AUDIO_CHANNEL_POSITION_FRONT_LEFT, GST_AUDIO_CHANNEL_POSITION_FRONT_RIGHT,
    GST_AUDIO_CHANNEL_POSITION_REAR_LEFT, GST_AUDIO_CHANNEL_POSITION_REAR_RIGHT },
  { GST_AUDIO_CHANNEL_POSITION_FRONT_LEFT, GST_AUDIO_CHANNEL_POSITION_FRONT_RIGHT,
    GST_AUDIO_CHANNEL_POSITION_REAR_LEFT, GST_AUDIO_CHANNEL_POSITION_REAR_RIGHT,
    GST_AUDIO_CHANNEL_POSITION_FRONT_CENTER, GST_AUDIO_CHANNEL_POSITION_LFE1 },
  { GST_AUDIO_CHANNEL_POSITION_FRONT_LEFT, GST_AUDIO_CHANNEL_POSITION_FRONT_RIGHT,
    GST_AUDIO_CHANNEL_POSITION_REAR_LEFT, GST_AUDIO_CHANNEL_POSITION_REAR_RIGHT,
    GST_AUDIO_CHANNEL_POSITION_FRONT_CENTER, GST_AUDIO_CHANNEL_POSITION_LFE1,
    GST_AUDIO_CHANNEL_POSITION_SIDE_LEFT, GST_AUDIO_CHANNEL_POSITION_SIDE_RIGHT },
};

gboolean
loa_output_card_layout(int highest_channel, LoaCardLayout *layout)
{
  if (highest_channel < 1 || highest_channel > 8)
    return FALSE;
  layout->channels = (highest_channel + 1) / 2 * 2;
  layout->mask = 0;
  for (int i = 0; i < layout->channels; i++)
    layout->mask |= G_GUINT64_CONSTANT(1) << alsa_order[layout->channels / 2 - 1][i];
  return TRUE;
}

GstCaps *
loa_output_card_caps(const LoaCardLayout *layout, int rate)
{
  return gst_caps_new_simple("audio/x-raw", "format", G_TYPE_STRING, "S16LE", "layout",
                             G_TYPE_STRING, "interleaved", "rate", G_TYPE_INT, rate, "channels",
                             G_TYPE_INT, layout->channels, "channel-mask", GST_TYPE_BITMASK,
                             layout->mask, NULL);
}

void
loa_output_set_channel_matrix(GstElement *convert, const LoaCardLayout *layout,
                              const int *card_channels, int line_channels)
{
  GstAudioChannelPosition positions[8];
  gst_audio_channel_positions_from_mask(layout->channels, layout->mask, positions);
  GValue matrix = G_VALUE_INIT;
  g_value_init(&matrix, GST_TYPE_ARRAY);
  for (int g = 0; g < layout->channels; g++) {
    /* The ALSA channel GStreamer's channel g lands on. */
    int alsa = 0;
    for (int a = 0; a < layout->channels; a++)
      if (alsa_order[layout->channels / 2 - 1][a] == positions[g])
        alsa = a;
    GValue row = G_VALUE_INIT;
    g_value_init(&row, GST_TYPE_ARRAY);
    for (int k = 0; k < line_channels; k++) {
      GValue value = G_VALUE_INIT;
      g_value_init(&value, G_TYPE_FLOAT);
      g_value_set_float(&value, card_channels[k] - 1 == alsa ? 1.0f : 0.0f);
      gst_value_array_append_value(&row, &value);
      g_value_unset(&value);
    }
    gst_value_array_append_value(&matrix, &row);
    g_value_unset(&row);
  }
  g_object_set_property(G_OBJECT(convert), "mix-matrix", &matrix);
  g_value_unset(&matrix);
  /* Dither would put noise on the channels of the other lines. */
  g_object_set(convert, "dithering", 0 /* none */, "noise-shaping", 0 /* none */, NULL);
}
