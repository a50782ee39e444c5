/* Inventory of the machine's sound hardware, for `loa hw list`: every
 * card's PCM devices with what they accept (channels, standard rates) and the
 * card's mixer controls, plus the PCMs the ALSA configuration defines
 * (dmix/route/user-space plugins such as a line's channel pair). Read through
 * the ALSA API; nothing is kept open. */
#pragma once

#include <glib.h>

/* One PCM: a card's device, or a PCM of the ALSA configuration. */
typedef struct {
  char *pcm;               /* name to put after "alsa:" in a line's output, e.g.
                            * "hw:CARD=Audio8,DEV=0" or "loa_line_a" */
  char *card;              /* card id ("Audio8"), NULL for configuration PCMs */
  char *description;       /* card and device names, or the configuration's description */
  int playback_channels_min; /* 0 when the PCM cannot play (or could not be probed) */
  int playback_channels_max;
  int capture_channels_min;  /* 0 when the PCM cannot capture */
  int capture_channels_max;
  char *rates;             /* standard rates it accepts, "44100 48000"; NULL if not probed */
  char *mixer;             /* the card's simple mixer controls with a playback volume,
                            * "Master, PCM"; NULL for configuration PCMs or none */
  char *problem;           /* why probing failed ("busy: ..."), or NULL */
} LoaAlsaPcm;

void loa_alsa_pcm_free(LoaAlsaPcm *pcm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaAlsaPcm, loa_alsa_pcm_free)

/* The PCM devices of every sound card, in card then device order. Returns a
 * new array of LoaAlsaPcm (free func set; empty when the machine has no
 * card). A device that cannot be probed is listed with its problem. */
GPtrArray *loa_inventory_cards(void);

/* The PCMs the ALSA configuration describes (snd_device_name_hint), except
 * those of cards (already in loa_inventory_cards) and the "null" PCM, each
 * probed for playback and capture. Returns a new array of LoaAlsaPcm. */
GPtrArray *loa_inventory_config_pcms(void);
