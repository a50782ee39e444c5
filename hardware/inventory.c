/* Sound hardware inventory through the ALSA API (see inventory.h). */
#include "inventory.h"

#include "i18n.h"

#include <alsa/asoundlib.h>
#include <string.h>

static const unsigned STANDARD_RATES[] = { 8000, 11025, 16000, 22050, 32000, 44100,
                                           48000, 88200, 96000, 176400, 192000 };

void
loa_alsa_pcm_free(LoaAlsaPcm *pcm)
{
  if (pcm == NULL)
    return;
  g_free(pcm->pcm);
  g_free(pcm->card);
  g_free(pcm->description);
  g_free(pcm->rates);
  g_free(pcm->mixer);
  g_free(pcm->problem);
  g_free(pcm);
}

/* Opens name in one direction and reads its channel range and rates.
 * Returns 0, or a negative ALSA error (-ENOENT: no such direction). */
static int
probe_stream(const char *name, snd_pcm_stream_t stream, int *channels_min, int *channels_max,
             GString *rates)
{
  snd_pcm_t *pcm = NULL;
  snd_pcm_hw_params_t *params = NULL;
  int rc = snd_pcm_open(&pcm, name, stream, SND_PCM_NONBLOCK);
  if (rc < 0)
    return rc;
  snd_pcm_hw_params_alloca(&params);
  rc = snd_pcm_hw_params_any(pcm, params);
  if (rc >= 0) {
    unsigned min = 0, max = 0;
    snd_pcm_hw_params_get_channels_min(params, &min);
    snd_pcm_hw_params_get_channels_max(params, &max);
    *channels_min = (int)min;
    *channels_max = (int)MIN(max, 64u); /* plugins answer "any": UINT_MAX */
    if (rates->len == 0)
      for (size_t i = 0; i < G_N_ELEMENTS(STANDARD_RATES); i++)
        if (snd_pcm_hw_params_test_rate(pcm, params, STANDARD_RATES[i], 0) == 0)
          g_string_append_printf(rates, "%s%u", rates->len > 0 ? " " : "", STANDARD_RATES[i]);
    rc = 0;
  }
  snd_pcm_close(pcm);
  return rc;
}

/* Fills the playback and capture fields of entry by opening it both ways. */
static void
probe_pcm(LoaAlsaPcm *entry)
{
  g_autoptr(GString) rates = g_string_new(NULL);
  int playback = probe_stream(entry->pcm, SND_PCM_STREAM_PLAYBACK, &entry->playback_channels_min,
                              &entry->playback_channels_max, rates);
  int capture = probe_stream(entry->pcm, SND_PCM_STREAM_CAPTURE, &entry->capture_channels_min,
                             &entry->capture_channels_max, rates);
  if (rates->len > 0)
    entry->rates = g_strdup(rates->str);
  /* A device that exists one way only answers ENOENT/EINVAL the other way:
   * not a problem. Busy or permission errors are. */
  int worst = playback < 0 && playback != -ENOENT && playback != -EINVAL ? playback
              : capture < 0 && capture != -ENOENT && capture != -EINVAL ? capture
                                                                        : 0;
  if (worst < 0 || (playback < 0 && capture < 0))
    entry->problem = g_strdup(snd_strerror(worst < 0 ? worst : playback));
}

/* The card's simple mixer controls that have a playback volume. */
static char *
card_mixer(int card)
{
  snd_mixer_t *mixer = NULL;
  g_autofree char *name = g_strdup_printf("hw:%d", card);
  if (snd_mixer_open(&mixer, 0) < 0)
    return NULL;
  GString *controls = g_string_new(NULL);
  if (snd_mixer_attach(mixer, name) == 0 && snd_mixer_selem_register(mixer, NULL, NULL) == 0 &&
      snd_mixer_load(mixer) == 0) {
    for (snd_mixer_elem_t *elem = snd_mixer_first_elem(mixer); elem != NULL;
         elem = snd_mixer_elem_next(elem)) {
      if (!snd_mixer_selem_has_playback_volume(elem))
        continue;
      g_string_append_printf(controls, "%s%s", controls->len > 0 ? ", " : "",
                             snd_mixer_selem_get_name(elem));
      if (snd_mixer_selem_get_index(elem) > 0)
        g_string_append_printf(controls, ",%u", snd_mixer_selem_get_index(elem));
    }
  }
  snd_mixer_close(mixer);
  if (controls->len == 0) {
    g_string_free(controls, TRUE);
    return NULL;
  }
  return g_string_free(controls, FALSE);
}

GPtrArray *
loa_inventory_cards(void)
{
  GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)loa_alsa_pcm_free);
  int card = -1;
  while (snd_card_next(&card) == 0 && card >= 0) {
    g_autofree char *ctl_name = g_strdup_printf("hw:%d", card);
    snd_ctl_t *ctl = NULL;
    if (snd_ctl_open(&ctl, ctl_name, 0) < 0)
      continue;
    snd_ctl_card_info_t *info = NULL;
    snd_ctl_card_info_alloca(&info);
    if (snd_ctl_card_info(ctl, info) < 0) {
      snd_ctl_close(ctl);
      continue;
    }
    const char *card_id = snd_ctl_card_info_get_id(info);
    const char *card_name = snd_ctl_card_info_get_name(info);
    g_autofree char *mixer = card_mixer(card);
    int device = -1;
    while (snd_ctl_pcm_next_device(ctl, &device) == 0 && device >= 0) {
      snd_pcm_info_t *pcm_info = NULL;
      snd_pcm_info_alloca(&pcm_info);
      snd_pcm_info_set_device(pcm_info, (unsigned)device);
      snd_pcm_info_set_subdevice(pcm_info, 0);
      /* Either direction gives the device's name. */
      snd_pcm_info_set_stream(pcm_info, SND_PCM_STREAM_PLAYBACK);
      if (snd_ctl_pcm_info(ctl, pcm_info) < 0) {
        snd_pcm_info_set_stream(pcm_info, SND_PCM_STREAM_CAPTURE);
        if (snd_ctl_pcm_info(ctl, pcm_info) < 0)
          continue;
      }
      LoaAlsaPcm *entry = g_new0(LoaAlsaPcm, 1);
      entry->pcm = g_strdup_printf("hw:CARD=%s,DEV=%d", card_id, device);
      entry->card = g_strdup(card_id);
      entry->description = g_strdup_printf("%s: %s", card_name, snd_pcm_info_get_name(pcm_info));
      entry->mixer = g_strdup(mixer);
      probe_pcm(entry);
      g_ptr_array_add(list, entry);
    }
    snd_ctl_close(ctl);
  }
  return list;
}

GPtrArray *
loa_inventory_config_pcms(void)
{
  GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)loa_alsa_pcm_free);
  void **hints = NULL;
  if (snd_device_name_hint(-1, "pcm", &hints) < 0)
    return list;
  for (void **hint = hints; *hint != NULL; hint++) {
    g_autofree char *name = snd_device_name_get_hint(*hint, "NAME");
    g_autofree char *description = snd_device_name_get_hint(*hint, "DESC");
    /* Card devices are listed by loa_inventory_cards; "null" is Loa's own "null" output. */
    if (name == NULL || strchr(name, ':') != NULL || g_strcmp0(name, "null") == 0)
      continue;
    LoaAlsaPcm *entry = g_new0(LoaAlsaPcm, 1);
    entry->pcm = g_strdup(name);
    if (description != NULL)
      entry->description = g_strdelimit(g_strdup(description), "\n", ' ');
    probe_pcm(entry);
    g_ptr_array_add(list, entry);
  }
  snd_device_name_free_hint(hints);
  return list;
}
