/* Which decoders decode a spot, at ingest and on air.
 *
 * decodebin ranks Debian's FFmpeg MP3 decoders (gstreamer1.0-libav) level
 * with mpg123's and takes FFmpeg's, first by name. Loading FFmpeg maps
 * libavcodec and all it links (x265, librsvg, the flite voices, ICU...):
 * about 30 of the 60 MB a one-line station keeps resident. For MP3 at
 * 32-48 kHz Loa takes mpg123 instead (its samples are within 1 LSB of
 * FFmpeg's, and it trims the encoder delay itself), so a station whose spots
 * are WAV, FLAC, Ogg and MP3 never loads FFmpeg.
 *
 * FFmpeg stays the decoder for MP3 at 16-24 kHz (mpg123audiodec 1.22 raises a
 * GStreamer critical on the first frame of such a file), for AAC (faad, the
 * alternative, stamps its output one 1024-sample frame early, so a spot would
 * lose its first 21 ms) and for any format only FFmpeg decodes.
 *
 * Ingest's decoding pass and the engine's branches must choose alike: the
 * decoders differ in what they trim of an MP3's encoder delay, and ingest
 * sets the cues the engine applies from what its decoder gave. (Ingest's
 * probe, GstDiscoverer, only reads the format and keeps GStreamer's choice.) */
#pragma once

#include <gst/gst.h>

/* Makes decodebin (a "decodebin" element, not yet running) choose as above.
 * Nothing is kept: the choice is made per stream from the caps decodebin
 * offers. */
void loa_decoders_watch(GstElement *decodebin);
