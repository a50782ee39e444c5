/* Outputs: where a line's audio goes. A line's `output` setting names a
 * backend and its device ("alsa:hw:1,0", "null"); each backend turns that into
 * a GStreamer sink that renders against the pipeline clock. Backends sit
 * behind LoaOutputPlugin so more (file, multichannel cards) can be added
 * without touching the engine. */
#pragma once

#include <glib.h>
#include <gst/gst.h>

#define LOA_OUTPUT_ERROR (loa_output_error_quark())
GQuark loa_output_error_quark(void);

typedef enum {
  LOA_OUTPUT_ERROR_SYNTAX,   /* the output setting names no known backend */
  LOA_OUTPUT_ERROR_DEVICE,   /* the device cannot be opened */
  LOA_OUTPUT_ERROR_ELEMENT,  /* a GStreamer element is missing */
} LoaOutputError;

typedef struct {
  const char *name;  /* the part before ':' ("alsa") or the whole setting ("null") */
  gboolean takes_device;
  /* Returns a new floating sink element for device (NULL if !takes_device),
   * or NULL with the error naming the line and device. */
  GstElement *(*create_sink)(const char *device, const char *line_id, GError **error);
} LoaOutputPlugin;

extern const LoaOutputPlugin loa_output_alsa_plugin;
extern const LoaOutputPlugin loa_output_null_plugin;
extern const LoaOutputPlugin loa_output_file_plugin;

/* Creates the sink for a line's output setting; see LoaOutputPlugin. */
GstElement *loa_output_create_sink(const char *output, const char *line_id,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* A multichannel card shared by lines, each on given channels (1-based, as
 * printed on the card). The card is opened with 2, 4, 6 or 8 channels. */
typedef struct {
  int channels;      /* channels the card is opened with */
  guint64 mask;      /* their GStreamer channel mask */
} LoaCardLayout;

/* The layout for a card whose highest used channel is highest_channel
 * (1..8). FALSE if it is out of range. */
gboolean loa_output_card_layout(int highest_channel, LoaCardLayout *layout);

/* The caps of a card with layout (S16LE interleaved at rate). New caps. */
GstCaps *loa_output_card_caps(const LoaCardLayout *layout, int rate) G_GNUC_WARN_UNUSED_RESULT;

/* Sets convert's (an audioconvert's) mix-matrix (and no dither) so that channel k of its
 * input (line_channels of them) goes to card channel card_channels[k] of a
 * card with layout, taking care that alsasink reorders GStreamer's channel
 * positions into ALSA's default order (8 channels: GStreamer 2 -> ALSA 4,
 * 4 -> 2, ...). */
void loa_output_set_channel_matrix(GstElement *convert, const LoaCardLayout *layout,
                                   const int *card_channels, int line_channels);
