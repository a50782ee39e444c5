/* A line's level set through its sound card's ALSA mixer (a simple mixer
 * control such as "PCM" or "Line 1"), so the card's own gain stage does it
 * and the samples keep their full resolution. Lines without a `mixer`
 * setting, and outputs that are not ALSA, get their level in the pipeline. */
#pragma once

#include <glib.h>

#define LOA_MIXER_ERROR (loa_mixer_error_quark())
GQuark loa_mixer_error_quark(void);

typedef enum {
  LOA_MIXER_ERROR_DEVICE,   /* the output has no mixer device, or it cannot be opened */
  LOA_MIXER_ERROR_CONTROL,  /* no such control, or it has no playback volume in dB */
} LoaMixerError;

/* The ALSA control device of an "alsa:PCM" output: "alsa:hw:CARD=X,DEV=0"
 * and "alsa:plughw:X,0" give "hw:CARD=X" and "hw:X"; another PCM name is
 * used as it is ("alsa:default" gives "default"). NULL for outputs that are
 * not ALSA. Newly allocated. */
char *loa_mixer_device_of(const char *output) G_GNUC_WARN_UNUSED_RESULT;

/* Sets control's playback volume on every channel of output's card to db
 * (the nearest step the control has). FALSE with the error naming the
 * output, the control and ALSA's reason. */
gboolean loa_mixer_set_db(const char *output, const char *control, double db,
                          GError **error) G_GNUC_WARN_UNUSED_RESULT;
