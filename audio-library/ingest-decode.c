/* Ingest's probe and decode (see ingest-decode.h). */
#define G_LOG_DOMAIN "loa-library"

#include "ingest-decode.h"

#include "air-copy.h"
#include "decoders.h"
#include "framing.h"
#include "mp4-edit.h"
#include "spot.h"

#include "i18n.h"

#include <glib/gstdio.h>
#include <gst/pbutils/pbutils.h>
#include <string.h>

#define PROBE_TIMEOUT (10 * GST_SECOND)
/* The decode runs far faster than real time (hundreds of times for WAV and
 * MP3); this bound only stops a decoder that hangs. */
#define DECODE_TIMEOUT_BASE (30 * GST_SECOND)
#define DECODE_TIMEOUT_PER_AUDIO_SECOND (GST_SECOND / 5)
/* How far the decoded length may stray from the declared one: max(100 ms, 2 %)
 * in general, as MP3 and AAC decode some padding and their declared length
 * may be an estimate; but PCM and FLAC declare their exact sample count, and
 * parsers drop a damaged FLAC frame without a word (a 20-byte scratch in a
 * 48 kHz file costs 4608 samples, 96 ms), so they must match to rounding. */
#define DURATION_TOLERANCE_MIN (100 * GST_MSECOND)
#define DURATION_TOLERANCE_PERCENT 2
#define DURATION_TOLERANCE_EXACT GST_MSECOND

void
ingest_probe_clear(Probe *probe)
{
  g_clear_pointer(&probe->container, g_free);
  g_clear_pointer(&probe->codec, g_free);
}

void
ingest_decode_clear(Decode *decode)
{
  g_clear_pointer(&decode->loudness, loa_loudness_free);
  g_clear_error(&decode->loudness_error);
}

char *
ingest_describe_caps(GstCaps *caps)
{
  if (caps == NULL || gst_caps_is_empty(caps) || gst_caps_is_any(caps))
    return g_strdup("");
  char *description = gst_pb_utils_get_codec_description(caps);
  if (description == NULL)
    description = g_strdup(gst_structure_get_name(gst_caps_get_structure(caps, 0)));
  return description;
}

gboolean
ingest_probe_copy(const char *path, const char *copy_path, Probe *probe, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GstDiscoverer) discoverer = gst_discoverer_new(PROBE_TIMEOUT, &local);
  if (discoverer == NULL) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_SYSTEM,
                _("%s: cannot start the GStreamer discoverer: %s"), path, local->message);
    return FALSE;
  }
  g_autofree char *uri = gst_filename_to_uri(copy_path, &local);
  if (uri == NULL) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_SYSTEM, "%s: %s", path, local->message);
    return FALSE;
  }
  g_autoptr(GstDiscovererInfo) info = gst_discoverer_discover_uri(discoverer, uri, &local);
  GstDiscovererResult result = info != NULL ? gst_discoverer_info_get_result(info)
                                            : GST_DISCOVERER_ERROR;
  const char *detail = local != NULL ? local->message : _("unknown error");
  switch (result) {
  case GST_DISCOVERER_OK:
    break;
  case GST_DISCOVERER_TIMEOUT:
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO,
                _("%s: not readable audio: probing it took longer than %d s"), path,
                (int)(PROBE_TIMEOUT / GST_SECOND));
    return FALSE;
  case GST_DISCOVERER_MISSING_PLUGINS:
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO,
                _("%s: no installed GStreamer plugin can decode it (%s)"), path, detail);
    return FALSE;
  case GST_DISCOVERER_URI_INVALID:
  case GST_DISCOVERER_ERROR:
  case GST_DISCOVERER_BUSY:
  default:
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO,
                _("%s: not a readable audio file (%s)"), path, detail);
    return FALSE;
  }

  GList *audio = gst_discoverer_info_get_audio_streams(info);
  if (audio == NULL) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO, _("%s: no audio stream"), path);
    return FALSE;
  }
  GstDiscovererAudioInfo *stream = audio->data;
  probe->sample_rate = (int)gst_discoverer_audio_info_get_sample_rate(stream);
  probe->channels = (int)gst_discoverer_audio_info_get_channels(stream);
  g_autoptr(GstCaps) stream_caps =
    gst_discoverer_stream_info_get_caps(GST_DISCOVERER_STREAM_INFO(stream));
  gst_discoverer_stream_info_list_free(audio);
  g_autoptr(GstDiscovererStreamInfo) top = gst_discoverer_info_get_stream_info(info);
  g_autoptr(GstCaps) top_caps = top != NULL ? gst_discoverer_stream_info_get_caps(top) : NULL;

  const GstStructure *stream_format =
    stream_caps != NULL && !gst_caps_is_empty(stream_caps) ? gst_caps_get_structure(stream_caps, 0)
                                                           : NULL;
  const GstStructure *top_format =
    top_caps != NULL && !gst_caps_is_empty(top_caps) ? gst_caps_get_structure(top_caps, 0) : NULL;
  int mpeg_version = 0;
  /* A WAV or AIFF file whose parser outputs PCM shows the file type as its
   * stream: the codec is then named after the decoded PCM format. */
  gboolean pcm = stream_format != NULL && (gst_structure_has_name(stream_format, "audio/x-wav") ||
                                           gst_structure_has_name(stream_format, "audio/x-aiff") ||
                                           gst_structure_has_name(stream_format, "audio/x-raw"));
  probe->codec = pcm ? NULL : ingest_describe_caps(stream_caps);
  if (top != NULL && GST_IS_DISCOVERER_CONTAINER_INFO(top))
    probe->container = ingest_describe_caps(top_caps);
  else if (pcm)
    probe->container = ingest_describe_caps(stream_caps);
  else  /* a bare stream (MP3, FLAC, ADTS AAC) is its own container */
    probe->container = g_strdup(probe->codec);

  if (top_format != NULL && gst_structure_has_name(top_format, "audio/x-wav"))
    probe->format = FORMAT_WAV;
  else if (top_format != NULL && (gst_structure_has_name(top_format, "audio/ogg") ||
                                  gst_structure_has_name(top_format, "application/ogg")))
    probe->format = FORMAT_OGG;
  else if (stream_format != NULL && gst_structure_has_name(stream_format, "audio/mpeg") &&
           gst_structure_get_int(stream_format, "mpegversion", &mpeg_version) &&
           mpeg_version == 1 &&
           (top == NULL || !GST_IS_DISCOVERER_CONTAINER_INFO(top)))
    probe->format = FORMAT_MPEG_AUDIO;
  else if (top_format != NULL && gst_structure_has_name(top_format, "audio/x-flac"))
    probe->format = FORMAT_FLAC;
  probe->exact_length = pcm || probe->format == FORMAT_FLAC;

  probe->duration = gst_discoverer_info_get_duration(info);
  if (!GST_CLOCK_TIME_IS_VALID(probe->duration) || probe->duration == 0) {
    /* A truncated MP3 without a seek table shows this. */
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO,
                _("%s: the file declares no duration (truncated or damaged?)"), path);
    return FALSE;
  }
  if (probe->sample_rate <= 0 || probe->channels <= 0) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO,
                _("%s: the audio stream has no sample rate or channel count"), path);
    return FALSE;
  }
  return TRUE;
}

gboolean
ingest_check_structure(const char *path, const char *copy_path, const Probe *probe, GError **error)
{
  if (probe->format == FORMAT_OTHER || probe->format == FORMAT_FLAC)
    return TRUE;
  g_autoptr(GError) local = NULL;
  g_autoptr(GMappedFile) mapped = g_mapped_file_new(copy_path, FALSE, &local);
  if (mapped == NULL) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_SYSTEM, "%s: %s", path, local->message);
    return FALSE;
  }
  const guint8 *data = (const guint8 *)g_mapped_file_get_contents(mapped);
  gsize size = g_mapped_file_get_length(mapped);
  g_autofree char *reason = NULL;
  switch (probe->format) {
  case FORMAT_WAV: reason = loa_framing_check_wav(data, size); break;
  case FORMAT_OGG: reason = loa_framing_check_ogg(data, size); break;
  case FORMAT_MPEG_AUDIO: reason = loa_framing_check_mpeg_audio(data, size); break;
  case FORMAT_FLAC:
  case FORMAT_OTHER: break;
  }
  if (reason != NULL) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO, "%s: %s", path, reason);
    return FALSE;
  }
  return TRUE;
}

/* Clips buffer (taken) to decode->edit, in frames: the edit's bounds in
 * nanoseconds, rounded, made gst_audio_buffer_clip() keep a frame too many
 * at either end. Returns what is left, or NULL. */
static GstBuffer *
clip_to_edit(Decode *decode, GstBuffer *buffer)
{
  if (!GST_BUFFER_PTS_IS_VALID(buffer))
    return buffer;
  int rate = GST_AUDIO_INFO_RATE(&decode->info);
  gsize bpf = (gsize)GST_AUDIO_INFO_BPF(&decode->info);
  GstAudioMeta *meta = gst_buffer_get_audio_meta(buffer);
  gint64 frames = meta != NULL ? (gint64)meta->samples
                               : (gint64)(gst_buffer_get_size(buffer) / bpf);
  gint64 first = (gint64)gst_util_uint64_scale_round(GST_BUFFER_PTS(buffer), (guint64)rate,
                                                     GST_SECOND);
  gint64 from = MAX(first, loa_mp4_edit_first_frame(&decode->edit, rate));
  gint64 to = MIN(first + frames, loa_mp4_edit_end_frame(&decode->edit, rate));
  if (to <= from) {
    gst_buffer_unref(buffer);
    return NULL;
  }
  if (from == first && to == first + frames)
    return buffer;
  GstBuffer *cut = gst_audio_buffer_truncate(buffer, bpf, (gsize)(from - first),
                                             (gsize)(to - from));
  GST_BUFFER_PTS(cut) = gst_util_uint64_scale_int((guint64)from, GST_SECOND, rate);
  GST_BUFFER_DURATION(cut) = gst_util_uint64_scale_int((guint64)(to - from), GST_SECOND, rate);
  return cut;
}

/* Clips one decoded buffer to the segment as a sink would clip it, or to
 * the MP4 edit (clip_to_edit), which drops e.g. an AAC encoder's priming,
 * and adds its frames to the count and the loudness. Takes buffer; returns
 * what is left of it, or NULL if nothing is. Before the first caps, buffer
 * is returned as it is and not counted. */
static GstBuffer *
count_buffer(Decode *decode, GstBuffer *buffer)
{
  if (!decode->have_info)
    return buffer;
  GstBuffer *clipped = decode->clip_to_edit
                         ? clip_to_edit(decode, buffer)
                         : gst_audio_buffer_clip(buffer, &decode->segment,
                                                 GST_AUDIO_INFO_RATE(&decode->info),
                                                 GST_AUDIO_INFO_BPF(&decode->info));
  if (clipped == NULL)
    return NULL;
  /* A planar buffer (FFmpeg's AAC decoder gives F32 planar) is clipped by
   * its audio meta: its memory keeps the clipped samples. */
  GstAudioMeta *meta = gst_buffer_get_audio_meta(clipped);
  gint64 frames = meta != NULL ? (gint64)meta->samples
                               : (gint64)(gst_buffer_get_size(clipped) /
                                          GST_AUDIO_INFO_BPF(&decode->info));
  decode->frames += frames;
  if (GST_BUFFER_PTS_IS_VALID(clipped))
    decode->end = GST_BUFFER_PTS(clipped) +
                  gst_util_uint64_scale_int((guint64)frames, GST_SECOND,
                                            GST_AUDIO_INFO_RATE(&decode->info));
  if (decode->loudness != NULL && decode->loudness_error == NULL && !decode->format_changed &&
      !loa_loudness_add_buffer(decode->loudness, clipped, &decode->loudness_error))
    g_clear_pointer(&decode->loudness, loa_loudness_free);
  return clipped;
}

/* GStreamer 1.22's qtdemux does not push an MP4's last sample when it starts
 * inside the edit list's range ("we reached the end of our segment"): an
 * AAC spot from ffmpeg decoded 80-370 frames short of the length its file
 * declares, and a spot after it in an event would start that much early.
 * The plain case (one audio track, one edit) is now decoded with its edit
 * list hidden (hide_mp4_edit()), which gives those frames. For any other
 * MP4 the air copy is still filled out to the segment's stop with silence,
 * if what is missing is at most this much (two AAC frames): the spot then
 * lasts what its file says, with silence for its last frames. */
#define TAIL_PAD_MAX_FRAMES 2048

/* At the end of the counted stream: the silence that fills it out to the
 * segment's stop (see TAIL_PAD_MAX_FRAMES), or NULL if none is due. */
static GstBuffer *
tail_padding(Decode *decode)
{
  if (!decode->pad_tail || !decode->have_info || !GST_CLOCK_TIME_IS_VALID(decode->end))
    return NULL;
  int rate = GST_AUDIO_INFO_RATE(&decode->info);
  GstClockTime stop = decode->segment.stop;
  if (decode->clip_to_edit)
    stop = gst_util_uint64_scale_int((guint64)loa_mp4_edit_end_frame(&decode->edit, rate),
                                     GST_SECOND, rate);
  if (!GST_CLOCK_TIME_IS_VALID(stop) || stop <= decode->end)
    return NULL;
  guint64 missing = gst_util_uint64_scale_int_round(stop - decode->end, rate, GST_SECOND);
  if (missing == 0 || missing > TAIL_PAD_MAX_FRAMES)
    return NULL;
  gsize size = (gsize)missing * (gsize)GST_AUDIO_INFO_BPF(&decode->info);
  GstBuffer *silence = gst_buffer_new_allocate(NULL, size, NULL);
  GstMapInfo map;
  if (silence == NULL || !gst_buffer_map(silence, &map, GST_MAP_WRITE)) {
    if (silence != NULL)
      gst_buffer_unref(silence);
    return NULL;
  }
  gst_audio_format_info_fill_silence(decode->info.finfo, map.data, map.size);
  gst_buffer_unmap(silence, &map);
  if (GST_AUDIO_INFO_LAYOUT(&decode->info) == GST_AUDIO_LAYOUT_NON_INTERLEAVED)
    gst_buffer_add_audio_meta(silence, &decode->info, (gsize)missing, NULL);
  GST_BUFFER_PTS(silence) = decode->end;
  GST_BUFFER_DURATION(silence) = gst_util_uint64_scale_int(missing, GST_SECOND, rate);
  decode->frames += (gint64)missing;
  decode->padded = (gint64)missing;
  decode->end += GST_BUFFER_DURATION(silence);
  return silence;
}

/* Counts the decoded stream and passes on only what was counted, so the air
 * copy downstream holds exactly the counted frames. */
static GstPadProbeReturn
on_decoded_data(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Decode *decode = data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    /* The probe owns the buffer it hands on; count_buffer() takes one. */
    GstBuffer *clipped = count_buffer(decode, GST_PAD_PROBE_INFO_BUFFER(info));
    GST_PAD_PROBE_INFO_DATA(info) = clipped;
    return clipped != NULL ? GST_PAD_PROBE_OK : GST_PAD_PROBE_HANDLED;
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    GstBufferList *kept = gst_buffer_list_new();
    for (guint i = 0; i < gst_buffer_list_length(list); i++) {
      GstBuffer *clipped = count_buffer(decode, gst_buffer_ref(gst_buffer_list_get(list, i)));
      if (clipped != NULL)
        gst_buffer_list_add(kept, clipped);
    }
    gst_buffer_list_unref(list);
    if (gst_buffer_list_length(kept) == 0) {
      gst_buffer_list_unref(kept);
      GST_PAD_PROBE_INFO_DATA(info) = NULL;
      return GST_PAD_PROBE_HANDLED;
    }
    GST_PAD_PROBE_INFO_DATA(info) = kept;
  } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
    if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
      GstCaps *caps = NULL;
      GstAudioInfo format;
      gst_event_parse_caps(event, &caps);
      if (gst_audio_info_from_caps(&format, caps)) {
        if (decode->have_info &&
            (GST_AUDIO_INFO_RATE(&format) != GST_AUDIO_INFO_RATE(&decode->info) ||
             GST_AUDIO_INFO_CHANNELS(&format) != GST_AUDIO_INFO_CHANNELS(&decode->info)))
          decode->format_changed = TRUE;
        decode->info = format;
        if (!decode->have_info && decode->loudness_error == NULL)
          decode->loudness = loa_loudness_new(&format, decode->silence_db,
                                              &decode->loudness_error);
        decode->have_info = TRUE;
      }
    } else if (GST_EVENT_TYPE(event) == GST_EVENT_SEGMENT) {
      gst_event_copy_segment(event, &decode->segment);
    } else if (GST_EVENT_TYPE(event) == GST_EVENT_EOS) {
      /* pad is the air copy's ghost pad: what it forwards, its internal
       * pad pushes, in this streaming thread, before the EOS goes on. */
      GstBuffer *silence = tail_padding(decode);
      if (silence != NULL && GST_IS_GHOST_PAD(pad)) {
        g_autoptr(GstPad) internal = GST_PAD(gst_proxy_pad_get_internal(GST_PROXY_PAD(pad)));
        GstFlowReturn flow = gst_pad_push(internal, silence);
        if (flow != GST_FLOW_OK)
          GST_ELEMENT_ERROR(GST_PAD_PARENT(pad), STREAM, FAILED,
                            ("cannot write the end of the air copy (%s)", gst_flow_get_name(flow)),
                            (NULL));
      } else if (silence != NULL) {
        gst_buffer_unref(silence);
      }
    }
  }
  return GST_PAD_PROBE_OK;
}

/* decodebin exposed a stream: every stream goes to a sink (an unlinked pad
 * would stop the pipeline). The first audio stream is counted, and written
 * as the air copy if one is asked for; the others go to fakesinks. */
static void
on_pad_added(GstElement *decodebin, GstPad *pad, gpointer data)
{
  Decode *decode = data;
  g_autoptr(GstElement) pipeline = GST_ELEMENT(gst_element_get_parent(decodebin));
  if (pipeline == NULL)
    return;

  g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
  if (caps == NULL)
    caps = gst_pad_query_caps(pad, NULL);
  const char *media = gst_caps_get_size(caps) > 0
                        ? gst_structure_get_name(gst_caps_get_structure(caps, 0))
                        : "";
  gboolean counted = decode->counted == NULL && g_str_has_prefix(media, "audio/");
  GstElement *sink = NULL;
  if (counted && decode->air_path != NULL) {
    g_autoptr(GError) air_error = NULL;
    sink = loa_air_copy_sink_new(decode->air_path, &air_error);
    if (sink == NULL) {
      GST_ELEMENT_ERROR(decodebin, CORE, MISSING_PLUGIN, ("%s", air_error->message),
                        (NULL));
      return;
    }
  } else {
    sink = gst_element_factory_make("fakesink", NULL);
    if (sink == NULL) {
      GST_ELEMENT_ERROR(decodebin, CORE, MISSING_PLUGIN, ("fakesink is missing"), (NULL));
      return;
    }
    g_object_set(sink, "sync", FALSE, NULL);
  }
  gst_bin_add(GST_BIN(pipeline), sink);
  GstPad *sink_pad = gst_element_get_static_pad(sink, "sink");

  if (counted) {
    decode->counted = sink_pad;  /* the pipeline keeps it alive */
    gst_pad_add_probe(sink_pad,
                      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST |
                        GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                      on_decoded_data, decode, NULL);
  }
  if (gst_pad_link(pad, sink_pad) != GST_PAD_LINK_OK)
    GST_ELEMENT_ERROR(decodebin, CORE, PAD, ("cannot link a decoded stream"), (NULL));
  gst_element_sync_state_with_parent(sink);
  gst_object_unref(sink_pad);
}

/* Any element decodebin plugs: an audio decoder is told to fail at its first
 * decoding error. By default (max-errors -1) decoders skip frames they cannot
 * decode and say so only in the debug log; for a spot that will air, a
 * skipped frame is damage. */
static void
on_element_added(GstBin *bin, GstBin *sub_bin, GstElement *element, gpointer data)
{
  if (GST_IS_AUDIO_DECODER(element) &&
      g_object_class_find_property(G_OBJECT_GET_CLASS(element), "max-errors") != NULL)
    g_object_set(element, "max-errors", 0, NULL);
}

/* Decodes file (copy_path or the copy of it with its edit list hidden). */
static gboolean
decode_file(const char *path, const char *file, GstClockTime expected, Decode *decode,
            GError **error)
{
  g_autoptr(GstElement) pipeline = gst_pipeline_new("loa-ingest-decode");
  GstElement *source = gst_element_factory_make("filesrc", NULL);
  GstElement *decodebin = gst_element_factory_make("decodebin", NULL);
  gboolean ok = FALSE;

  if (source == NULL || decodebin == NULL) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_SYSTEM,
                _("%s: cannot decode: the GStreamer elements filesrc and decodebin are missing"),
                path);
    g_clear_object(&source);
    g_clear_object(&decodebin);
    return FALSE;
  }
  g_object_set(source, "location", file, NULL);
  gst_bin_add_many(GST_BIN(pipeline), source, decodebin, NULL);
  if (!gst_element_link(source, decodebin)) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_SYSTEM,
                _("%s: cannot decode: cannot link filesrc to decodebin"), path);
    return FALSE;
  }
  gst_segment_init(&decode->segment, GST_FORMAT_TIME);
  g_signal_connect(decodebin, "pad-added", G_CALLBACK(on_pad_added), decode);
  loa_decoders_watch(decodebin);
  g_signal_connect(pipeline, "deep-element-added", G_CALLBACK(on_element_added), NULL);

  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  GstClockTime per_second = DECODE_TIMEOUT_PER_AUDIO_SECOND;
  GstClockTime timeout = DECODE_TIMEOUT_BASE + gst_util_uint64_scale(expected, per_second,
                                                                     GST_SECOND);
  gint64 deadline = g_get_monotonic_time() + (gint64)(timeout / GST_USECOND);

  switch (gst_element_set_state(pipeline, GST_STATE_PLAYING)) {
  case GST_STATE_CHANGE_FAILURE:
    /* The reason is on the bus as an ERROR message; the loop below reads it. */
  case GST_STATE_CHANGE_SUCCESS:
  case GST_STATE_CHANGE_ASYNC:
  case GST_STATE_CHANGE_NO_PREROLL:
    break;
  }

  for (;;) {
    gint64 left = deadline - g_get_monotonic_time();
    GstMessageType types = GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING;
    g_autoptr(GstMessage) message =
      left > 0 ? gst_bus_timed_pop_filtered(bus, (GstClockTime)left * GST_USECOND, types) : NULL;
    if (message == NULL) {
      g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO,
                  _("%s: decoding did not finish within %d s"), path, (int)(timeout / GST_SECOND));
      break;
    }
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS) {
      ok = TRUE;
      break;
    }
    g_autoptr(GError) gst_error = NULL;
    g_autofree char *debug = NULL;
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
      gst_message_parse_error(message, &gst_error, &debug);
      g_debug("%s: decode error: %s (%s)", path, gst_error->message, debug ? debug : "");
      g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO,
                  _("%s: damaged audio: decoding failed (%s)"), path, gst_error->message);
      break;
    }
    gst_message_parse_warning(message, &gst_error, &debug);
    g_debug("%s: decode warning from %s: %s (%s)", path, GST_MESSAGE_SRC_NAME(message),
            gst_error->message, debug ? debug : "");
    /* A decoder that warns has met something it could not use. */
    if (GST_IS_AUDIO_DECODER(GST_MESSAGE_SRC(message))) {
      g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO,
                  _("%s: damaged audio: the decoder skipped data (%s)"), path, gst_error->message);
      break;
    }
  }

  switch (gst_element_set_state(pipeline, GST_STATE_NULL)) {
  case GST_STATE_CHANGE_FAILURE:
    g_warning("%s: the decode pipeline did not stop cleanly", path);
    break;
  case GST_STATE_CHANGE_SUCCESS:
  case GST_STATE_CHANGE_ASYNC:
  case GST_STATE_CHANGE_NO_PREROLL:
    break;
  }
  return ok;
}

/* GStreamer 1.22's qtdemux does not decode the end of most M4A files
 * (mp4-edit.h). If copy_path is such a file, writes a temporary copy of it
 * with its edit list hidden into *hidden and sets decode to clip to the
 * edit; *hidden stays NULL for any other file. FALSE only if the copy
 * cannot be written (LOA_SPOT_ERROR_SYSTEM). */
static gboolean
hide_mp4_edit(const char *path, const char *copy_path, Decode *decode, char **hidden,
              GError **error)
{
  *hidden = NULL;
  g_autoptr(GMappedFile) mapped = g_mapped_file_new(copy_path, FALSE, NULL);
  if (mapped == NULL)
    return TRUE;  /* the decode itself says what is wrong with the file */
  const guint8 *data = (const guint8 *)g_mapped_file_get_contents(mapped);
  gsize size = g_mapped_file_get_length(mapped);
  LoaMp4Edit edit;
  if (data == NULL || !loa_mp4_edit_read(data, size, &edit))
    return TRUE;
  g_autoptr(GError) local = NULL;
  *hidden = loa_mp4_edit_hidden_copy(data, size, &edit, &local);
  if (*hidden == NULL) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_SYSTEM, "%s: %s", path, local->message);
    return FALSE;
  }
  decode->clip_to_edit = TRUE;
  decode->edit = edit;
  return TRUE;
}

gboolean
ingest_decode_copy(const char *path, const char *copy_path, GstClockTime expected, Decode *decode,
                   GError **error)
{
  g_autofree char *hidden = NULL;
  if (!hide_mp4_edit(path, copy_path, decode, &hidden, error))
    return FALSE;
  gboolean ok = decode_file(path, hidden != NULL ? hidden : copy_path, expected, decode, error);
  if (hidden != NULL)
    g_unlink(hidden);
  return ok;
}

gboolean
ingest_check_decode(const char *path, const Probe *probe, const Decode *decode, GError **error)
{
  if (decode->counted == NULL || !decode->have_info || decode->frames == 0) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO,
                _("%s: damaged audio: decoding produced no sound"), path);
    return FALSE;
  }
  if (decode->format_changed) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO,
                _("%s: the sample rate or channel count changes within the file"), path);
    return FALSE;
  }
  GstClockTime decoded = gst_util_uint64_scale(decode->frames, GST_SECOND,
                                               GST_AUDIO_INFO_RATE(&decode->info));
  GstClockTime tolerance = MAX(DURATION_TOLERANCE_MIN,
                               probe->duration / 100 * DURATION_TOLERANCE_PERCENT);
  if (probe->exact_length)
    tolerance = DURATION_TOLERANCE_EXACT;
  GstClockTime difference = decoded > probe->duration ? decoded - probe->duration
                                                      : probe->duration - decoded;
  if (difference > tolerance) {
    g_set_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO,
                _("%s: damaged or truncated: it declares %.3f s but decodes to %.3f s"), path,
                (double)probe->duration / GST_SECOND, (double)decoded / GST_SECOND);
    return FALSE;
  }
  return TRUE;
}
