/* The card clock: torn readings mended, real lags kept; and the guard on a
 * real alsasink (the virtual card of tests/vcard, VCARD_CONF) passes the
 * card's time through. */
#include "card-clock.h"

#include <gst/audio/audio.h>
#include <glib/gstdio.h>

#define SEG (10 * GST_MSECOND)
#define SEGS 20
#define STEP (97 * GST_MSECOND)

/* Feeds a reading taken at now (both ns) and returns what the mend gives. */
static GstClockTime
feed(LoaCardClockTrack *track, GstClockTime reading, GstClockTime now)
{
  return loa_card_clock_mend(track, reading, (gint64)now, SEG, SEGS);
}

static void
test_steady(void)
{
  LoaCardClockTrack track = { 0 };
  /* A card 1000 ppm fast with up to 0.3 ms of read jitter: nothing moves. */
  for (int i = 0; i < 200; i++) {
    GstClockTime now = GST_SECOND + i * STEP;
    GstClockTime reading = 5 * GST_SECOND + i * STEP + i * STEP / 1000 + (i % 3) * 100 * GST_USECOND;
    g_assert_cmpuint(feed(&track, reading, now), ==, reading);
  }
  g_assert_cmpuint(track.mended, ==, 0);
}

static void
test_torn(void)
{
  LoaCardClockTrack track = { 0 };
  GstClockTime base = 3 * GST_SECOND;
  for (int i = 0; i < 5; i++)
    feed(&track, base + i * STEP, i * STEP);
  /* One segment low (and 0.2 ms of jitter): moved up by the segment. */
  GstClockTime now = 5 * STEP;
  GstClockTime torn = base + now - SEG + 200 * GST_USECOND;
  g_assert_cmpuint(feed(&track, torn, now), ==, torn + SEG);
  g_assert_cmpuint(track.mended, ==, 1);
  /* The next reading is whole again and passes as it is. */
  g_assert_cmpuint(feed(&track, base + 6 * STEP, 6 * STEP), ==, base + 6 * STEP);
  /* Four segments low (a reader preempted between its two reads). */
  torn = base + 7 * STEP - 4 * SEG;
  g_assert_cmpuint(feed(&track, torn, 7 * STEP), ==, base + 7 * STEP);
  g_assert_cmpuint(track.mended, ==, 2);
}

static void
test_real_lag(void)
{
  LoaCardClockTrack track = { 0 };
  for (int i = 0; i < 5; i++)
    feed(&track, i * STEP, i * STEP);
  /* The card stalled one segment and stays behind: the first lagging
   * reading is taken for torn, the second is kept, and from then on the
   * new line passes. */
  g_assert_cmpuint(feed(&track, 5 * STEP - SEG, 5 * STEP), ==, 5 * STEP);
  g_assert_cmpuint(feed(&track, 6 * STEP - SEG, 6 * STEP), ==, 6 * STEP - SEG);
  g_assert_cmpuint(feed(&track, 7 * STEP - SEG, 7 * STEP), ==, 7 * STEP - SEG);
  g_assert_cmpuint(track.mended, ==, 1);
}

static void
test_left_alone(void)
{
  LoaCardClockTrack track = { 0 };
  /* The first reading has nothing to be compared with. */
  g_assert_cmpuint(feed(&track, 0, 0), ==, 0);
  /* Half a segment behind: not a whole number of segments. */
  g_assert_cmpuint(feed(&track, STEP - SEG / 2, STEP), ==, STEP - SEG / 2);
  g_assert_cmpuint(feed(&track, 2 * STEP - SEG / 2, 2 * STEP), ==, 2 * STEP - SEG / 2);
  /* More segments behind than the ring holds: a real jump. */
  GstClockTime far = 3 * STEP - SEG / 2 - (SEGS + 1) * SEG;
  g_assert_cmpuint(feed(&track, far, 3 * STEP), ==, far);
  /* Ahead, however far: kept. */
  GstClockTime ahead = far + STEP + 3 * SEG;
  g_assert_cmpuint(feed(&track, ahead, 4 * STEP), ==, ahead);
  /* A clock that stands still for a whole number of segments' time: a
   * stalled card, not a torn reading. */
  LoaCardClockTrack still = { 0 };
  feed(&still, GST_SECOND, 0);
  g_assert_cmpuint(feed(&still, GST_SECOND, 5 * SEG), ==, GST_SECOND);
  g_assert_cmpuint(feed(&still, GST_SECOND, 10 * SEG), ==, GST_SECOND);
  g_assert_cmpuint(still.mended, ==, 0);
  /* Two seconds since the last reading: not compared. */
  GstClockTime late = ahead + 2 * GST_SECOND - SEG;
  g_assert_cmpuint(feed(&track, late, 4 * STEP + 2 * GST_SECOND), ==, late);
  /* No segment (the card is not running): not compared. */
  GstClockTime stopped = late + STEP - SEG;
  g_assert_cmpuint(loa_card_clock_mend(&track, stopped, 4 * STEP + 2 * GST_SECOND + STEP, 0, 0),
                   ==, stopped);
  late = stopped;
  /* Invalid readings pass untouched and are not remembered. */
  g_assert_cmpuint(feed(&track, GST_CLOCK_TIME_NONE, 5 * GST_SECOND), ==, GST_CLOCK_TIME_NONE);
  g_assert_cmpuint(track.last, ==, late);
  g_assert_cmpuint(track.mended, ==, 0);
}

/* An ALSA configuration with the virtual card "vcard" recording into dir. */
static void
use_vcard(const char *dir)
{
  const char *type_conf = g_getenv("VCARD_CONF");
  g_assert_nonnull(type_conf);
  g_autofree char *types = NULL;
  g_assert_true(g_file_get_contents(type_conf, &types, NULL, NULL));
  g_autofree char *conf = g_build_filename(dir, "asoundrc", NULL);
  g_autofree char *text =
      g_strdup_printf("%s\npcm.vcard { type loavcard file \"%s/vcard.wav\" }\n", types, dir);
  g_assert_true(g_file_set_contents(conf, text, -1, NULL));
  g_autofree char *path = g_strdup_printf("/usr/share/alsa/alsa.conf:%s", conf);
  g_setenv("ALSA_CONFIG_PATH", path, TRUE);
}

static void
test_alsasink(void)
{
  g_autofree char *dir = g_dir_make_tmp("loa-card-clock-XXXXXX", NULL);
  g_assert_nonnull(dir);
  use_vcard(dir);
  g_autoptr(GstElement) pipeline = gst_parse_launch(
      "audiotestsrc is-live=true wave=silence ! audio/x-raw,rate=48000,channels=2 ! "
      "alsasink name=sink device=vcard",
      NULL);
  g_assert_nonnull(pipeline);
  g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  GstAudioClockGetTimeFunc own = GST_AUDIO_CLOCK(GST_AUDIO_BASE_SINK(sink)->provided_clock)->func;
  loa_card_clock_setup(sink);
  GstClock *card = GST_AUDIO_BASE_SINK(sink)->provided_clock;
  g_assert_true(GST_AUDIO_CLOCK(card)->func != own);
  guint64 timeout = 0;
  int window = 0;
  g_object_get(card, "timeout", &timeout, "window-size", &window, NULL);
  g_assert_cmpuint(timeout, ==, 194 * GST_MSECOND);
  g_assert_cmpint(window, ==, 128);

  /* The card consumes in real time: the guarded clock follows it. */
  g_assert_cmpint(gst_element_set_state(pipeline, GST_STATE_PLAYING), !=,
                  GST_STATE_CHANGE_FAILURE);
  g_assert_cmpint(gst_element_get_state(pipeline, NULL, NULL, 5 * GST_SECOND), ==,
                  GST_STATE_CHANGE_SUCCESS);
  g_usleep(200 * 1000);
  GstClockTime first = gst_clock_get_internal_time(card);
  gint64 first_now = g_get_monotonic_time();
  GstClockTime last = first;
  for (int i = 0; i < 30; i++) {
    g_usleep(10 * 1000);
    GstClockTime t = gst_clock_get_internal_time(card);
    g_assert_cmpuint(t, >=, last);
    last = t;
  }
  gint64 elapsed_us = g_get_monotonic_time() - first_now;
  gint64 advanced_us = (gint64)((last - first) / GST_USECOND);
  g_assert_cmpint(ABS(advanced_us - elapsed_us), <, 60 * 1000);
  g_assert_cmpint(gst_element_set_state(pipeline, GST_STATE_NULL), !=, GST_STATE_CHANGE_FAILURE);
  g_assert_cmpuint(loa_card_clock_mended(sink), <=, 1);
  g_autofree char *wav = g_build_filename(dir, "vcard.wav", NULL);
  g_autofree char *stamp = g_build_filename(dir, "vcard.wav.stamp", NULL);
  g_autofree char *conf = g_build_filename(dir, "asoundrc", NULL);
  g_unlink(wav);
  g_unlink(stamp);
  g_unlink(conf);
  g_rmdir(dir);
}

int
main(int argc, char **argv)
{
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/card-clock/mend/steady", test_steady);
  g_test_add_func("/card-clock/mend/torn", test_torn);
  g_test_add_func("/card-clock/mend/real-lag", test_real_lag);
  g_test_add_func("/card-clock/mend/left-alone", test_left_alone);
  g_test_add_func("/card-clock/alsasink", test_alsasink);
  return g_test_run();
}
