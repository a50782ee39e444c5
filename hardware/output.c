/* Output backend registry (see output.h). */
#include "output.h"

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
