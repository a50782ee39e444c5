/* The decoder choice (decoders.h): an MP3 at 44.1 kHz is decoded by mpg123
 * and FFmpeg's plugin is not even loaded; an MP3 at 22.05 kHz still goes to
 * FFmpeg (mpg123audiodec 1.22 raises a critical on it, which this test, run
 * with fatal criticals, would catch); both decode to their full length. The
 * MP3s are made by lame (Debian package lame) from generated WAVs. */
#include "decoders.h"

#include "../common/test-util.h"

#include <gst/audio/audio.h>
#include <gst/gst.h>

static char *tmp_dir;

/* A WAV of frames of a 440 Hz tone, and lame's MP3 of it at kbps (lame
 * resamples at low rates unless told the rate to keep). Returns the MP3. */
static char *
make_mp3(const char *name, int rate, int channels, int frames, const char *kbps)
{
  g_autofree char *wav = g_strdup_printf("%s/%s.wav", tmp_dir, name);
  char *mp3 = g_strdup_printf("%s/%s.mp3", tmp_dir, name);
  g_autofree char *pipeline_text = g_strdup_printf(
    "audiotestsrc num-buffers=1 samplesperbuffer=%d freq=440 ! "
    "audio/x-raw,format=S16LE,rate=%d,channels=%d ! wavenc ! filesink location=\"%s\"",
    frames, rate, channels, wav);
  g_autoptr(GError) error = NULL;
  g_autoptr(GstElement) pipeline = gst_parse_launch(pipeline_text, &error);
  g_assert_no_error(error);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  g_autoptr(GstMessage) done = gst_bus_timed_pop_filtered(bus, 10 * GST_SECOND,
                                                          GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull(done);
  g_assert_cmpint(GST_MESSAGE_TYPE(done), ==, GST_MESSAGE_EOS);
  gst_element_set_state(pipeline, GST_STATE_NULL);

  g_autofree char *khz = g_strdup_printf("%g", rate / 1000.0);
  const char *argv[] = { "lame", "--quiet", "-b", kbps, "--resample", khz, wav, mp3, NULL };
  int status = 0;
  g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status,
               &error);
  g_assert_no_error(error);
  g_spawn_check_wait_status(status, &error);
  g_assert_no_error(error);
  return mp3;
}

typedef struct {
  char *decoder;     /* factory name of the audio decoder decodebin plugged */
  guint64 frames;    /* decoded frames */
  int rate;
} Decoded;

static void
on_element_added(GstBin *bin, GstBin *sub_bin, GstElement *element, gpointer data)
{
  Decoded *decoded = data;
  GstElementFactory *factory = gst_element_get_factory(element);
  if (GST_IS_AUDIO_DECODER(element) && factory != NULL && decoded->decoder == NULL)
    decoded->decoder = g_strdup(gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(factory)));
}

static GstPadProbeReturn
count_probe(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Decoded *decoded = data;
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
  GstAudioInfo audio;
  if (caps != NULL && gst_audio_info_from_caps(&audio, caps)) {
    decoded->rate = GST_AUDIO_INFO_RATE(&audio);
    decoded->frames += gst_buffer_get_size(GST_PAD_PROBE_INFO_BUFFER(info)) /
                       (guint64)GST_AUDIO_INFO_BPF(&audio);
  }
  return GST_PAD_PROBE_OK;
}

static void
on_pad_added(GstElement *decodebin, GstPad *pad, gpointer data)
{
  GstElement *pipeline = GST_ELEMENT(gst_element_get_parent(decodebin));
  GstElement *sink = gst_element_factory_make("fakesink", NULL);
  gst_bin_add(GST_BIN(pipeline), sink);
  gst_element_sync_state_with_parent(sink);
  g_autoptr(GstPad) sink_pad = gst_element_get_static_pad(sink, "sink");
  g_assert_cmpint(gst_pad_link(pad, sink_pad), ==, GST_PAD_LINK_OK);
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, count_probe, data, NULL);
  gst_object_unref(pipeline);
}

/* Decodes path with a watched decodebin to its end. */
static void
decode(const char *path, Decoded *decoded)
{
  g_autoptr(GstElement) pipeline = gst_pipeline_new(NULL);
  GstElement *source = gst_element_factory_make("filesrc", NULL);
  GstElement *decodebin = gst_element_factory_make("decodebin", NULL);
  g_object_set(source, "location", path, NULL);
  gst_bin_add_many(GST_BIN(pipeline), source, decodebin, NULL);
  g_assert_true(gst_element_link(source, decodebin));
  loa_decoders_watch(decodebin);
  g_signal_connect(decodebin, "pad-added", G_CALLBACK(on_pad_added), decoded);
  g_signal_connect(pipeline, "deep-element-added", G_CALLBACK(on_element_added), decoded);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  g_autoptr(GstMessage) done = gst_bus_timed_pop_filtered(bus, 20 * GST_SECOND,
                                                          GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull(done);
  g_assert_cmpint(GST_MESSAGE_TYPE(done), ==, GST_MESSAGE_EOS);
  gst_element_set_state(pipeline, GST_STATE_NULL);
}

static gboolean
libav_loaded(void)
{
  g_autoptr(GstPlugin) plugin = gst_registry_find_plugin(gst_registry_get(), "libav");
  g_assert_nonnull(plugin); /* gstreamer1.0-libav: scripts/install-deps installs it */
  return gst_plugin_is_loaded(plugin);
}

/* Runs first: nothing before it may have loaded FFmpeg. */
static void
test_mp3_44k_mpg123(void)
{
  g_autofree char *mp3 = make_mp3("stereo-44k", 44100, 2, 44100, "128");
  Decoded decoded = { 0 };
  decode(mp3, &decoded);
  g_test_message("44.1 kHz MP3: %s, %" G_GUINT64_FORMAT " frames", decoded.decoder,
                 decoded.frames);
  g_assert_cmpstr(decoded.decoder, ==, "mpg123audiodec");
  g_assert_false(libav_loaded());
  /* mpg123 trims lame's delay and padding: the second of tone, to the frame. */
  g_assert_cmpint(decoded.rate, ==, 44100);
  g_assert_cmpuint(decoded.frames, ==, 44100);
  g_free(decoded.decoder);
}

static void
test_mp3_22k_ffmpeg(void)
{
  g_autofree char *mp3 = make_mp3("mono-22k", 22050, 1, 22050, "64");
  Decoded decoded = { 0 };
  decode(mp3, &decoded);
  g_test_message("22.05 kHz MP3: %s, %" G_GUINT64_FORMAT " frames", decoded.decoder,
                 decoded.frames);
  g_assert_true(g_str_has_prefix(decoded.decoder, "avdec_"));
  g_assert_true(libav_loaded());
  g_assert_cmpint(decoded.rate, ==, 22050);
  g_assert_cmpuint(decoded.frames, >=, 22050);
  g_free(decoded.decoder);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  gst_init(&argc, &argv);
  g_autofree char *lame = g_find_program_in_path("lame");
  if (lame == NULL) {
    g_printerr("lame is not installed (apt-get install lame); scripts/install-deps installs it\n");
    return 77;
  }
  tmp_dir = test_util_make_dir("loa-decoders-XXXXXX");
  g_test_add_func("/decoders/mp3-44k-mpg123", test_mp3_44k_mpg123);
  g_test_add_func("/decoders/mp3-22k-ffmpeg", test_mp3_22k_ffmpeg);
  int status = g_test_run();
  test_util_remove_tree(tmp_dir);
  g_free(tmp_dir);
  return status;
}
