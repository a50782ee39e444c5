/* Framing checks: does a WAV, Ogg or MPEG audio file hold all of itself?
 *
 * GstDiscoverer and the decoders accept files cut short or damaged in ways
 * that only the container's framing shows (a WAV whose data chunk runs past
 * the end, an Ogg page with a bad checksum, MP3 frames that stop mid-frame).
 * Each check walks the whole file in memory and returns NULL if it looks
 * whole, else a newly allocated reason in plain words. They look only at
 * framing, never at the audio, and let through what they do not understand. */
#pragma once

#include <glib.h>

char *loa_framing_check_wav(const guint8 *data, gsize size) G_GNUC_WARN_UNUSED_RESULT;
char *loa_framing_check_ogg(const guint8 *data, gsize size) G_GNUC_WARN_UNUSED_RESULT;
char *loa_framing_check_mpeg_audio(const guint8 *data, gsize size) G_GNUC_WARN_UNUSED_RESULT;
