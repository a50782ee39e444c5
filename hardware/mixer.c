/* ALSA simple mixer access for line levels (see mixer.h). */
#define G_LOG_DOMAIN "loa-hardware"

#include "mixer.h"

#include "i18n.h"

#include <alsa/asoundlib.h>
#include <string.h>

G_DEFINE_QUARK(loa-mixer-error-quark, loa_mixer_error)

char *
loa_mixer_device_of(const char *output)
{
  if (output == NULL || !g_str_has_prefix(output, "alsa:"))
    return NULL;
  const char *pcm = output + strlen("alsa:");
  const char *rest = NULL;
  if (g_str_has_prefix(pcm, "hw:"))
    rest = pcm + 3;
  else if (g_str_has_prefix(pcm, "plughw:"))
    rest = pcm + 7;
  if (rest == NULL)
    return g_strdup(pcm);
  /* The card part: up to ",DEV=" or the device number after a comma. */
  g_autofree char *card = g_strdup(rest);
  char *comma = strchr(card, ',');
  if (comma != NULL)
    *comma = '\0';
  return g_strdup_printf("hw:%s", card);
}

gboolean
loa_mixer_set_db(const char *output, const char *control, double db, GError **error)
{
  g_autofree char *device = loa_mixer_device_of(output);
  if (device == NULL) {
    g_set_error(error, LOA_MIXER_ERROR, LOA_MIXER_ERROR_DEVICE,
                _("output %s is not an ALSA device: it has no mixer"), output);
    return FALSE;
  }
  snd_mixer_t *mixer = NULL;
  const char *call = "snd_mixer_open";
  int err = snd_mixer_open(&mixer, 0);
  if (err >= 0) {
    call = "snd_mixer_attach";
    err = snd_mixer_attach(mixer, device);
  }
  if (err >= 0) {
    call = "snd_mixer_selem_register";
    err = snd_mixer_selem_register(mixer, NULL, NULL);
  }
  if (err >= 0) {
    call = "snd_mixer_load";
    err = snd_mixer_load(mixer);
  }
  if (err < 0) {
    g_set_error(error, LOA_MIXER_ERROR, LOA_MIXER_ERROR_DEVICE,
                _("mixer of %s (%s): %s: %s"), output, device, call, snd_strerror(err));
    if (mixer != NULL)
      snd_mixer_close(mixer);
    return FALSE;
  }
  snd_mixer_selem_id_t *id;
  snd_mixer_selem_id_alloca(&id);
  snd_mixer_selem_id_set_name(id, control);
  snd_mixer_elem_t *element = snd_mixer_find_selem(mixer, id);
  gboolean ok = FALSE;
  if (element == NULL) {
    g_set_error(error, LOA_MIXER_ERROR, LOA_MIXER_ERROR_CONTROL,
                _("mixer of %s (%s) has no control '%s' (loa hw list shows them)"), output,
                device, control);
  } else if (!snd_mixer_selem_has_playback_volume(element)) {
    g_set_error(error, LOA_MIXER_ERROR, LOA_MIXER_ERROR_CONTROL,
                _("mixer control '%s' of %s has no playback volume"), control, output);
  } else if ((err = snd_mixer_selem_set_playback_dB_all(element, (long)(db * 100.0), 0)) < 0) {
    g_set_error(error, LOA_MIXER_ERROR, LOA_MIXER_ERROR_CONTROL,
                _("mixer control '%s' of %s: cannot set %.1f dB: %s"), control, output, db,
                snd_strerror(err));
  } else {
    ok = TRUE;
  }
  snd_mixer_close(mixer);
  return ok;
}
