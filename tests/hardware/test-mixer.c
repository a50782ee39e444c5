/* The card mixer of a line: which control device an output names, and a
 * clear error when it has no mixer (no real card here: the failure paths
 * are what can run; the level itself is tested through the pipeline in
 * tests/playout/test-gain.sh). */
#include "mixer.h"

#include <string.h>

static void
test_device_of(void)
{
  static const struct { const char *output, *device; } cases[] = {
    { "alsa:hw:CARD=Audio8,DEV=0", "hw:CARD=Audio8" },
    { "alsa:plughw:1,0", "hw:1" },
    { "alsa:hw:2", "hw:2" },
    { "alsa:default", "default" },
    { "alsa:loa_line_a", "loa_line_a" },
    { "file:/tmp/x.wav", NULL },
    { "null", NULL },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *device = loa_mixer_device_of(cases[i].output);
    g_assert_cmpstr(device, ==, cases[i].device);
  }
}

static void
test_no_mixer(void)
{
  g_autoptr(GError) error = NULL;
  g_assert_false(loa_mixer_set_db("file:/tmp/x.wav", "PCM", -6, &error));
  g_assert_error(error, LOA_MIXER_ERROR, LOA_MIXER_ERROR_DEVICE);
  g_assert_nonnull(strstr(error->message, "file:/tmp/x.wav"));
  g_clear_error(&error);
  /* A control device that does not exist: named in the error. */
  g_assert_false(loa_mixer_set_db("alsa:hw:CARD=NoSuchCard,DEV=0", "PCM", -6, &error));
  g_assert_error(error, LOA_MIXER_ERROR, LOA_MIXER_ERROR_DEVICE);
  g_assert_nonnull(strstr(error->message, "hw:CARD=NoSuchCard"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/hardware/mixer/device-of", test_device_of);
  g_test_add_func("/hardware/mixer/no-mixer", test_no_mixer);
  return g_test_run();
}
