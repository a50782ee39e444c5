/* DTMF address codes rendered by hardware/dtmf.c, decoded back two ways: by
 * GStreamer's dtmfdetect (spandsp, an independent decoder) for the digits and
 * their order, and by a Goertzel filter bank here for the exact timing of
 * each tone and gap and the purity of each tone pair. */
#include "dtmf.h"

#include "../common/test-util.h"

#include <inttypes.h>
#include <gst/gst.h>
#include <math.h>
#include <string.h>

static char *work_dir;

/* The digits dtmfdetect reported, in order ("" if none). */
static char *
detect(const char *path)
{
  g_autofree char *description = g_strdup_printf(
      "filesrc location=\"%s\" ! wavparse ! audioconvert ! audioresample ! "
      "audio/x-raw,rate=8000,channels=1 ! dtmfdetect ! fakesink",
      path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GstElement) pipeline = gst_parse_launch(description, &error);
  g_assert_no_error(error);
  g_assert_cmpint(gst_element_set_state(pipeline, GST_STATE_PLAYING), !=, GST_STATE_CHANGE_FAILURE);
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  GString *digits = g_string_new(NULL);
  for (;;) {
    g_autoptr(GstMessage) message = gst_bus_timed_pop_filtered(
        bus, 30 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT);
    g_assert_nonnull(message);
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
      g_autoptr(GError) gst_error = NULL;
      gst_message_parse_error(message, &gst_error, NULL);
      g_error("decoding %s: %s", path, gst_error->message);
    }
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS)
      break;
    const GstStructure *s = gst_message_get_structure(message);
    int number = -1;
    if (gst_structure_has_name(s, "dtmf-event") && gst_structure_get_int(s, "number", &number))
      g_string_append_c(digits, "0123456789*#ABCD"[CLAMP(number, 0, 15)]);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  return g_string_free(digits, FALSE);
}

static double
goertzel_power(const gint16 *samples, int stride, gint64 n, double hz, int rate)
{
  double coefficient = 2.0 * cos(2.0 * G_PI * hz / rate), s1 = 0.0, s2 = 0.0;
  for (gint64 i = 0; i < n; i++) {
    double s0 = samples[i * stride] / 32768.0 + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coefficient * s1 * s2;
}

static const double ROWS[4] = { 697, 770, 852, 941 };
static const double COLUMNS[4] = { 1209, 1336, 1477, 1633 };

/* The digit whose pair dominates the window; *margin_db is how far the
 * weaker of the two found tones stands above the strongest other tone. */
static char
goertzel_digit(const gint16 *samples, int stride, gint64 n, int rate, double *margin_db)
{
  double row_power[4], column_power[4];
  int row = 0, column = 0;
  for (int i = 0; i < 4; i++) {
    row_power[i] = goertzel_power(samples, stride, n, ROWS[i], rate);
    column_power[i] = goertzel_power(samples, stride, n, COLUMNS[i], rate);
    if (row_power[i] > row_power[row])
      row = i;
    if (column_power[i] > column_power[column])
      column = i;
  }
  double other = 1e-30;
  for (int i = 0; i < 4; i++) {
    if (i != row)
      other = MAX(other, row_power[i]);
    if (i != column)
      other = MAX(other, column_power[i]);
  }
  *margin_db = 10.0 * log10(MIN(row_power[row], column_power[column]) / other);
  return "123A456B789C*0#D"[row * 4 + column];
}

static void
test_render_decode(void)
{
  const char *code = "*12#09AD";
  LoaDtmfFormat format = { .rate = 48000, .channels = 2, .tone_ms = 100, .gap_ms = 100,
                           .level_dbfs = -10 };
  g_autofree char *path = g_build_filename(work_dir, "code.wav", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true(loa_dtmf_render(code, &format, path, &error));
  g_assert_no_error(error);

  g_autofree char *digits = detect(path);
  g_assert_cmpstr(digits, ==, code);

  g_autofree char *data = NULL;
  gsize length = 0;
  g_assert_true(g_file_get_contents(path, &data, &length, NULL));
  gint64 frames = loa_dtmf_frames(code, &format);
  g_assert_cmpint(frames, ==, 8 * 9600);
  g_assert_cmpuint(length, ==, 44 + (gsize)frames * 4);
  g_assert_cmpmem(data, 4, "RIFF", 4);
  guint32 rate = 0;
  guint16 channels = 0;
  memcpy(&channels, data + 22, 2);
  memcpy(&rate, data + 24, 4);
  g_assert_cmpuint(GUINT16_FROM_LE(channels), ==, 2);
  g_assert_cmpuint(GUINT32_FROM_LE(rate), ==, 48000);

  /* WAV data is little-endian, like this machine (the test would say so). */
  g_assert_cmpint(G_BYTE_ORDER, ==, G_LITTLE_ENDIAN);
  const gint16 *samples = (const gint16 *)(data + 44);
  gint64 tone = 4800, slot = 9600;
  gint16 peak = 0;
  for (gint64 i = 0; i < frames; i++) {
    g_assert_cmpint(samples[2 * i], ==, samples[2 * i + 1]); /* same on both channels */
    peak = MAX(peak, ABS(samples[2 * i]));
  }
  /* Two tones at -10 dBFS each peak below 2 x 0.316. */
  g_assert_cmpint(peak, >, 32768 * 0.55);
  g_assert_cmpint(peak, <, 32768 * 0.64);

  for (gint64 k = 0; k < (gint64)strlen(code); k++) {
    const gint16 *start = samples + 2 * k * slot;
    /* Tone from the slot's first sample: something within the first 2 ms
     * edge, full level past the 5 ms edge, up to its last sample. */
    gint16 early = 0, late = 0;
    for (gint64 i = 1; i < 96; i++)
      early = MAX(early, ABS(start[2 * i]));
    for (gint64 i = tone - 480; i < tone - 240; i++)
      late = MAX(late, ABS(start[2 * i]));
    g_assert_cmpint(early, >, 0);
    g_assert_cmpint(late, >, 32768 * 0.3);
    /* Then exact silence until the next digit. */
    for (gint64 i = tone; i < slot; i++)
      g_assert_cmpint(start[2 * i], ==, 0);
    double margin_db = 0;
    char digit = goertzel_digit(start + 2 * 240, 2, tone - 480, 48000, &margin_db);
    g_test_message("digit %" PRId64 ": %c, pair %.1f dB above the other tones", k, digit,
                   margin_db);
    g_assert_cmpint(digit, ==, code[k]);
    g_assert_cmpfloat(margin_db, >, 20.0); /* unwindowed Goertzel leaks about -25 dB */
  }
}

/* Other formats: the engine's rate and channel count are the config's. */
static void
test_formats(void)
{
  LoaDtmfFormat format = { .rate = 22050, .channels = 1, .tone_ms = 60, .gap_ms = 40,
                           .level_dbfs = -20 };
  g_autofree char *path = g_build_filename(work_dir, "mono.wav", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true(loa_dtmf_render("0123456789", &format, path, &error));
  g_autofree char *digits = detect(path);
  g_assert_cmpstr(digits, ==, "0123456789");
  g_assert_cmpint(loa_dtmf_frames("0123456789", &format), ==, 10 * (1323 + 882));
}

static void
test_errors(void)
{
  LoaDtmfFormat format = { .rate = 48000, .channels = 2, .tone_ms = 100, .gap_ms = 100,
                           .level_dbfs = -10 };
  g_autofree char *path = g_build_filename(work_dir, "bad.wav", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_false(loa_dtmf_render("12e", &format, path, &error));
  g_assert_error(error, LOA_DTMF_ERROR, LOA_DTMF_ERROR_CODE);
  g_assert_nonnull(strstr(error->message, "'12e'"));
  g_clear_error(&error);
  g_assert_false(loa_dtmf_render("", &format, path, &error));
  g_assert_error(error, LOA_DTMF_ERROR, LOA_DTMF_ERROR_CODE);
  g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
  g_clear_error(&error);

  g_autofree char *nowhere = g_build_filename(work_dir, "no-such-folder", "x.wav", NULL);
  g_assert_false(loa_dtmf_render("1", &format, nowhere, &error));
  g_assert_error(error, LOA_DTMF_ERROR, LOA_DTMF_ERROR_WRITE);
  g_assert_nonnull(strstr(error->message, "no-such-folder"));
  g_assert_true(loa_dtmf_code_is_valid("*#ABCD0"));
  g_assert_false(loa_dtmf_code_is_valid("a"));
  g_assert_false(loa_dtmf_code_is_valid(NULL));
}

int
main(int argc, char **argv)
{
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, NULL);
  work_dir = test_util_make_dir("loa-test-dtmf-XXXXXX");
  g_test_add_func("/dtmf/render-decode", test_render_decode);
  g_test_add_func("/dtmf/formats", test_formats);
  g_test_add_func("/dtmf/errors", test_errors);
  int status = g_test_run();
  test_util_remove_tree(work_dir);
  g_free(work_dir);
  gst_deinit();
  return status;
}
