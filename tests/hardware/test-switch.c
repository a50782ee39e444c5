/* Line switches through the LoaSwitchSet interface, against the real parts:
 * a Modbus TCP relay board simulator (libmodbus server, tests/hardware/
 * modbus-sim.c) on 127.0.0.1, real scripts for the command driver, real
 * libgpiod up to the kernel (no GPIO chip here) and a test double of the
 * chip for the rest of the gpio driver. Also the config loader's checks of
 * the switch settings. */
#include "switch.h"

#include "../common/test-util.h"
#include "modbus-sim-client.h"

#include <errno.h>
#include <string.h>

static char *work_dir;

static LoaConfig *
load_config(const char *text)
{
  static int counter;
  g_autofree char *name = g_strdup_printf("loa-%d.cfg", ++counter);
  g_autofree char *path = test_util_write(work_dir, name, text);
  g_autoptr(GError) error = NULL;
  LoaConfig *config = loa_config_load(path, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(config->warnings->len, ==, 0);
  return config;
}

static LoaConfig *
modbus_config(int port, int post_roll_ms)
{
  g_autofree char *text = g_strdup_printf(
      "station = { id = \"test\"; };\n"
      "lines = (\n"
      "  { id = \"a\"; output = \"null\"; switch = { driver = \"modbus\"; board = \"rack\"; coil = 0; }; },\n"
      "  { id = \"b\"; output = \"null\"; switch = { driver = \"modbus\"; board = \"rack\"; coil = 1; }; },\n"
      "  { id = \"c\"; output = \"null\"; switch = { driver = \"modbus\"; board = \"rack\"; coil = 2; }; },\n"
      "  { id = \"plain\"; output = \"null\"; }\n"
      ");\n"
      "switching = { post_roll_ms = %d; timeout_ms = 500;\n"
      "  modbus = ( { id = \"rack\"; address = \"tcp:127.0.0.1:%d\"; unit = 1; } ); };\n",
      post_roll_ms, port);
  return load_config(text);
}

static void
count_done(const char *line_id, const LoaSwitchResult *result, gpointer user_data)
{
  GString *done = user_data;
  g_string_append_printf(done, "%s %s\n", line_id, loa_switch_status_name(result->status));
}

/* Holds switch on once, in order; a hold within the post-roll writes nothing;
 * the off comes only when the post-roll has passed; the fail-safe writes off
 * to every coil. A coil that refuses to move is a read-back mismatch. */
static void
test_modbus_order(void)
{
  ModbusSimClient sim = { 0 };
  modbus_sim_client_start(&sim, work_dir, 0, "--stuck", "2");
  g_autoptr(LoaConfig) config = modbus_config(sim.port, 200);
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaSwitchSet) set = loa_switch_set_new(config, &error);
  g_assert_no_error(error);
  g_auto(LoaSwitchResult) result = { 0 };

  gint64 before = g_get_monotonic_time();
  loa_switch_set_hold(set, "a", &result);
  g_assert_cmpint(result.status, ==, LOA_SWITCH_STATUS_OK);
  g_assert_null(result.reason);
  loa_switch_set_hold(set, "b", &result);
  g_assert_cmpint(result.status, ==, LOA_SWITCH_STATUS_OK);
  gint64 after = g_get_monotonic_time();
  g_autoptr(GArray) times = g_array_new(FALSE, FALSE, sizeof(gint64));
  g_autofree char *writes = modbus_sim_client_writes(&sim, times);
  g_assert_cmpstr(writes, ==, "0 1\n1 1\n");
  /* The board saw the writes while the calls ran, not later. */
  g_assert_cmpint(g_array_index(times, gint64, 0), >=, before);
  g_assert_cmpint(g_array_index(times, gint64, 1), <=, after);

  loa_switch_set_hold(set, "c", &result);
  g_assert_cmpint(result.status, ==, LOA_SWITCH_STATUS_MISMATCH);
  g_assert_nonnull(strstr(result.reason, "coil 2 reads off after it was switched on"));
  g_autofree char *described = loa_switch_result_describe(&result);
  g_assert_true(g_str_has_prefix(described, "readback-mismatch: Modbus board 'rack'"));

  /* A line without a switch has nothing to do. */
  loa_switch_set_hold(set, "plain", &result);
  g_assert_cmpint(result.status, ==, LOA_SWITCH_STATUS_NONE);

  /* Post-roll: released at t = 1 s, due at 1.2 s. */
  gint64 t0 = 1000000, next = 0;
  g_autoptr(GString) done = g_string_new(NULL);
  loa_switch_set_release(set, "a", t0);
  g_assert_cmpuint(loa_switch_set_switch_due(set, t0 + 100000, &next, count_done, done), ==, 0);
  g_assert_cmpint(next, ==, t0 + 200000);
  /* The next airing holds it within the post-roll: it stays on, nothing written. */
  loa_switch_set_hold(set, "a", &result);
  g_assert_cmpint(result.status, ==, LOA_SWITCH_STATUS_OK);
  g_autofree char *writes2 = modbus_sim_client_writes(&sim, NULL);
  g_assert_cmpstr(writes2, ==, "0 1\n1 1\n2 1\n");
  loa_switch_set_release(set, "a", t0 + 500000);
  g_assert_cmpuint(loa_switch_set_switch_due(set, t0 + 699999, &next, count_done, done), ==, 0);
  g_assert_cmpuint(loa_switch_set_switch_due(set, t0 + 700000, &next, count_done, done), ==, 1);
  g_assert_cmpstr(done->str, ==, "a ok\n");
  g_assert_cmpint(next, ==, G_MAXINT64); /* b is still held */
  g_autofree char *writes3 = modbus_sim_client_writes(&sim, NULL);
  g_assert_cmpstr(writes3, ==, "0 1\n1 1\n2 1\n0 0\n");

  /* Fail-safe: every coil off, held or not, in config order. */
  g_assert_true(loa_switch_set_all_off(set, &error));
  g_assert_no_error(error);
  g_autofree char *writes4 = modbus_sim_client_writes(&sim, NULL);
  g_assert_cmpstr(writes4, ==, "0 1\n1 1\n2 1\n0 0\n0 0\n1 0\n2 0\n");
  /* b was forgotten by the fail-safe: a late release and due check do nothing. */
  loa_switch_set_release(set, "b", t0);
  g_assert_cmpuint(loa_switch_set_switch_due(set, G_MAXINT64 - 1, NULL, NULL, NULL), ==, 0);
  modbus_sim_client_clear(&sim);
}

/* Nothing listens: the switch fails at once with the reason, not after minutes. */
static void
test_modbus_unreachable(void)
{
  g_autoptr(LoaConfig) config = modbus_config(modbus_sim_client_closed_port(), 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaSwitchSet) set = loa_switch_set_new(config, &error);
  g_assert_no_error(error);
  g_auto(LoaSwitchResult) result = { 0 };
  gint64 start = g_get_monotonic_time();
  loa_switch_set_line(set, "a", TRUE, &result);
  gint64 elapsed = g_get_monotonic_time() - start;
  g_assert_cmpint(result.status, ==, LOA_SWITCH_STATUS_FAILED);
  g_assert_nonnull(strstr(result.reason, "Modbus board 'rack' (tcp:127.0.0.1:"));
  g_assert_nonnull(strstr(result.reason, "modbus_connect: Connection refused"));
  g_assert_cmpint(elapsed, <, 1500000);

  /* The fail-safe names the line it could not switch off. */
  g_assert_false(loa_switch_set_all_off(set, &error));
  g_assert_error(error, LOA_SWITCH_ERROR, LOA_SWITCH_ERROR_FAILED);
  g_assert_nonnull(strstr(error->message, "a: failed: Modbus board 'rack'"));
  g_assert_nonnull(strstr(error->message, "c: failed:"));
}

/* A board that accepts the connection but never answers: the response
 * timeout (500 ms) ends the wait. */
static void
test_modbus_mute(void)
{
  ModbusSimClient sim = { 0 };
  modbus_sim_client_start(&sim, work_dir, 0, "--mute", NULL);
  g_autoptr(LoaConfig) config = modbus_config(sim.port, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaSwitchSet) set = loa_switch_set_new(config, &error);
  g_assert_no_error(error);
  g_auto(LoaSwitchResult) result = { 0 };
  gint64 start = g_get_monotonic_time();
  loa_switch_set_line(set, "b", TRUE, &result);
  gint64 elapsed = g_get_monotonic_time() - start;
  g_assert_cmpint(result.status, ==, LOA_SWITCH_STATUS_FAILED);
  g_assert_nonnull(strstr(result.reason, "writing coil 1 failed"));
  g_assert_cmpint(elapsed, >=, 400000);
  g_assert_cmpint(elapsed, <, 1500000);
  modbus_sim_client_clear(&sim);
}

/* The board goes away and comes back on the same address: the set fails
 * while it is gone and uses it again without being rebuilt. */
static void
test_modbus_recovers(void)
{
  ModbusSimClient sim = { 0 };
  modbus_sim_client_start(&sim, work_dir, 0, NULL, NULL);
  int port = sim.port;
  g_autoptr(LoaConfig) config = modbus_config(port, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaSwitchSet) set = loa_switch_set_new(config, &error);
  g_assert_no_error(error);
  g_auto(LoaSwitchResult) result = { 0 };
  loa_switch_set_line(set, "a", TRUE, &result);
  g_assert_cmpint(result.status, ==, LOA_SWITCH_STATUS_OK);

  modbus_sim_client_stop(&sim);
  loa_switch_set_line(set, "a", FALSE, &result);
  g_assert_cmpint(result.status, ==, LOA_SWITCH_STATUS_FAILED);

  modbus_sim_client_start(&sim, work_dir, port, NULL, NULL);
  g_assert_cmpint(sim.port, ==, port);
  loa_switch_set_line(set, "a", FALSE, &result);
  g_assert_cmpint(result.status, ==, LOA_SWITCH_STATUS_OK);
  modbus_sim_client_clear(&sim);
}

static LoaConfig *
command_config(const char *script, int timeout_ms)
{
  g_autofree char *path = test_util_write(work_dir, "switch.sh", script);
  g_assert_cmpint(chmod(path, 0755), ==, 0);
  g_autofree char *text = g_strdup_printf(
      "station = { id = \"test\"; };\n"
      "lines = ( { id = \"a\"; output = \"null\"; switch = { driver = \"command\"; }; },\n"
      "          { id = \"b\"; output = \"null\"; switch = { driver = \"command\"; }; } );\n"
      "switching = { command = \"'%s' --rack 'two words'\"; command_timeout_ms = %d; };\n",
      path, timeout_ms);
  return load_config(text);
}

static void
test_command_records(void)
{
  g_autofree char *calls = g_build_filename(work_dir, "calls.txt", NULL);
  g_autofree char *script = g_strdup_printf(
      "#!/bin/sh\nfor a in \"$@\"; do printf '[%%s]' \"$a\" >> '%s'; done; echo >> '%s'\n", calls,
      calls);
  g_autoptr(LoaConfig) config = command_config(script, 5000);
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaSwitchSet) set = loa_switch_set_new(config, &error);
  g_assert_no_error(error);
  g_auto(LoaSwitchResult) result = { 0 };
  loa_switch_set_hold(set, "a", &result);
  g_assert_cmpint(result.status, ==, LOA_SWITCH_STATUS_OK);
  loa_switch_set_hold(set, "b", &result);
  g_assert_cmpint(result.status, ==, LOA_SWITCH_STATUS_OK);
  loa_switch_set_release(set, "a", 0);
  g_assert_cmpuint(loa_switch_set_switch_due(set, 0, NULL, NULL, NULL), ==, 0); /* post-roll 2 s */
  g_assert_cmpuint(loa_switch_set_switch_due(set, 2000000, NULL, NULL, NULL), ==, 1);
  g_assert_true(loa_switch_set_all_off(set, &error));
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(calls, &text, NULL, NULL));
  g_assert_cmpstr(text, ==,
                  "[--rack][two words][on][a]\n"
                  "[--rack][two words][on][b]\n"
                  "[--rack][two words][off][a]\n"
                  "[--rack][two words][off][a]\n"
                  "[--rack][two words][off][b]\n");
}

static void
test_command_fails(void)
{
  g_autoptr(LoaConfig) config =
      command_config("#!/bin/sh\necho \"relay $3 jammed\" >&2\necho more >&2\nexit 3\n", 5000);
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaSwitchSet) set = loa_switch_set_new(config, &error);
  g_assert_no_error(error);
  g_auto(LoaSwitchResult) result = { 0 };
  loa_switch_set_line(set, "b", TRUE, &result);
  g_assert_cmpint(result.status, ==, LOA_SWITCH_STATUS_FAILED);
  g_assert_nonnull(strstr(result.reason, "on b' exited with status 3: relay on jammed more"));
}

/* A command that hangs is killed with what it started, within the timeout. */
static void
test_command_timeout(void)
{
  g_autoptr(LoaConfig) config = command_config("#!/bin/sh\nsleep 30\n", 300);
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaSwitchSet) set = loa_switch_set_new(config, &error);
  g_assert_no_error(error);
  g_auto(LoaSwitchResult) result = { 0 };
  gint64 start = g_get_monotonic_time();
  loa_switch_set_line(set, "a", TRUE, &result);
  gint64 elapsed = g_get_monotonic_time() - start;
  g_assert_cmpint(result.status, ==, LOA_SWITCH_STATUS_FAILED);
  g_assert_nonnull(strstr(result.reason, "did not finish within 300 ms"));
  g_assert_cmpint(elapsed, >=, 300000);
  g_assert_cmpint(elapsed, <, 2000000);
}

/* The test double of a GPIO chip: what the kernel would hold. */
typedef struct {
  char *chip;
  unsigned offset;
  gboolean active_low;
  int value;        /* logical (active) level */
  gboolean stuck;   /* reads 0 whatever was written */
} FakeLine;

static GPtrArray *fake_requests; /* FakeLine *, in request order (and never freed before the end) */
static guint fake_released;

static gpointer
fake_request(const char *chip, unsigned offset, gboolean active_low, const char *consumer,
             const char **call)
{
  g_assert_cmpstr(consumer, ==, "loa");
  if (!g_str_has_prefix(chip, "fake")) {
    *call = "gpiod_chip_open_lookup";
    errno = ENOENT;
    return NULL;
  }
  if (offset >= 8) {
    *call = "gpiod_chip_get_line";
    errno = EINVAL;
    return NULL;
  }
  FakeLine *line = g_new0(FakeLine, 1);
  line->chip = g_strdup(chip);
  line->offset = offset;
  line->active_low = active_low;
  line->stuck = offset == 5;
  g_ptr_array_add(fake_requests, line);
  return line;
}

static int
fake_set_value(gpointer handle, int active)
{
  FakeLine *line = handle;
  line->value = active;
  return 0;
}

static int
fake_get_value(gpointer handle)
{
  FakeLine *line = handle;
  return line->stuck ? 0 : line->value;
}

static void
fake_release(gpointer handle)
{
  (void)handle;
  fake_released++;
}

static const LoaGpioChipOps fake_chip = {
  .request = fake_request,
  .set_value = fake_set_value,
  .get_value = fake_get_value,
  .release = fake_release,
};

static void
free_fake_line(gpointer data)
{
  FakeLine *line = data;
  g_free(line->chip);
  g_free(line);
}

static LoaConfig *
gpio_config(void)
{
  return load_config(
      "station = { id = \"test\"; };\n"
      "lines = (\n"
      "  { id = \"g1\"; output = \"null\"; switch = { driver = \"gpio\"; chip = \"fake0\"; offset = 3; active_low = true; }; },\n"
      "  { id = \"g2\"; output = \"null\"; switch = { driver = \"gpio\"; chip = \"fake0\"; offset = 4; }; },\n"
      "  { id = \"g3\"; output = \"null\"; switch = { driver = \"gpio\"; chip = \"fake0\"; offset = 5; }; },\n"
      "  { id = \"g4\"; output = \"null\"; switch = { driver = \"gpio\"; chip = \"loa-test-no-such-chip\"; offset = 0; }; },\n"
      "  { id = \"g5\"; output = \"null\"; switch = { driver = \"gpio\"; chip = \"/dev/null\"; offset = 1; }; }\n"
      ");\n");
}

static void
test_gpio_double(void)
{
  fake_requests = g_ptr_array_new_with_free_func(free_fake_line);
  fake_released = 0;
  g_autoptr(LoaConfig) config = gpio_config();
  g_autoptr(GError) error = NULL;
  LoaSwitchSet *set = loa_switch_set_new_with_gpio(config, &fake_chip, &error);
  g_assert_no_error(error);
  g_auto(LoaSwitchResult) result = { 0 };

  loa_switch_set_line(set, "g1", TRUE, &result);
  g_assert_cmpint(result.status, ==, LOA_SWITCH_STATUS_OK);
  loa_switch_set_line(set, "g2", TRUE, &result);
  g_assert_cmpint(result.status, ==, LOA_SWITCH_STATUS_OK);
  g_assert_cmpuint(fake_requests->len, ==, 2);
  FakeLine *g1 = g_ptr_array_index(fake_requests, 0), *g2 = g_ptr_array_index(fake_requests, 1);
  g_assert_cmpstr(g1->chip, ==, "fake0");
  g_assert_cmpuint(g1->offset, ==, 3);
  g_assert_true(g1->active_low);
  g_assert_false(g2->active_low);
  g_assert_cmpint(g1->value, ==, 1);
  loa_switch_set_line(set, "g1", FALSE, &result);
  g_assert_cmpint(result.status, ==, LOA_SWITCH_STATUS_OK);
  g_assert_cmpint(g1->value, ==, 0);
  g_assert_cmpuint(fake_requests->len, ==, 2); /* kept requested */

  loa_switch_set_line(set, "g3", TRUE, &result);
  g_assert_cmpint(result.status, ==, LOA_SWITCH_STATUS_MISMATCH);
  g_assert_cmpstr(result.reason, ==, "GPIO chip 'fake0' line 5 reads inactive after it was switched on");

  loa_switch_set_line(set, "g4", TRUE, &result);
  g_assert_cmpint(result.status, ==, LOA_SWITCH_STATUS_FAILED);
  g_assert_cmpstr(result.reason, ==,
                  "GPIO chip 'loa-test-no-such-chip' line 0: gpiod_chip_open_lookup: No such file or directory");

  g_assert_false(loa_switch_set_all_off(set, &error));
  g_assert_nonnull(strstr(error->message, "g4: failed"));
  g_assert_null(strstr(error->message, "g1"));
  g_assert_cmpint(g2->value, ==, 0);
  loa_switch_set_free(set);
  g_assert_cmpuint(fake_released, ==, 3);
  g_ptr_array_unref(fake_requests);
}

/* The real libgpiod path, as far as this machine has GPIO: a missing chip,
 * and a character device that is not a GPIO chip (the ioctl is refused). */
static void
test_gpio_libgpiod(void)
{
  g_autoptr(LoaConfig) config = gpio_config();
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaSwitchSet) set = loa_switch_set_new(config, &error);
  g_assert_no_error(error);
  g_auto(LoaSwitchResult) result = { 0 };
  loa_switch_set_line(set, "g4", TRUE, &result);
  g_assert_cmpint(result.status, ==, LOA_SWITCH_STATUS_FAILED);
  g_assert_nonnull(strstr(result.reason, "line 0: gpiod_chip_open_lookup: "));
  loa_switch_set_line(set, "g5", TRUE, &result);
  g_assert_cmpint(result.status, ==, LOA_SWITCH_STATUS_FAILED);
  g_assert_true(g_str_has_prefix(result.reason, "GPIO chip '/dev/null' line 1: gpiod_chip_open_lookup: "));
  g_test_message("libgpiod on /dev/null: %s", result.reason);
}

static void
test_dtmf_switch(void)
{
  g_autoptr(LoaConfig) config = load_config(
      "station = { id = \"test\"; };\n"
      "lines = ( { id = \"zone\"; output = \"null\"; switch = { driver = \"dtmf\"; on = \"*12#\"; off = \"#0\"; }; },\n"
      "          { id = \"quiet\"; output = \"null\"; switch = { driver = \"dtmf\"; on = \"7\"; }; } );\n"
      "engine = { rate = 16000; channels = 1; };\n"
      "switching = { dtmf = { tone_ms = 80; gap_ms = 120; }; };\n");
  g_autoptr(GError) error = NULL;
  LoaSwitchSet *set = loa_switch_set_new(config, &error);
  g_assert_no_error(error);
  g_auto(LoaSwitchResult) result = { 0 };
  loa_switch_set_hold(set, "zone", &result);
  g_assert_cmpint(result.status, ==, LOA_SWITCH_STATUS_OK);
  g_assert_nonnull(result.play_path);
  g_assert_cmpint(result.play_frames, ==, 4 * (1280 + 1920));
  g_autofree char *on_path = g_strdup(result.play_path);
  GStatBuf st;
  g_assert_cmpint(g_stat(on_path, &st), ==, 0);
  g_assert_cmpint(st.st_size, ==, 44 + 4 * (1280 + 1920) * 2);

  /* Held again while on: the receivers are awake, no second address code. */
  loa_switch_set_hold(set, "zone", &result);
  g_assert_cmpint(result.status, ==, LOA_SWITCH_STATUS_OK);
  g_assert_null(result.play_path);

  loa_switch_set_line(set, "zone", FALSE, &result);
  g_assert_cmpint(result.play_frames, ==, 2 * (1280 + 1920));
  g_assert_cmpstr(result.play_path, !=, on_path);
  loa_switch_set_line(set, "quiet", FALSE, &result);
  g_assert_cmpint(result.status, ==, LOA_SWITCH_STATUS_OK);
  g_assert_null(result.play_path);
  /* The fail-safe leaves in-band lines to the engine. */
  g_assert_true(loa_switch_set_all_off(set, &error));

  loa_switch_set_free(set);
  g_assert_false(g_file_test(on_path, G_FILE_TEST_EXISTS));
}

/* Every mistake in the switch settings is named with its line. */
static void
test_config_errors(void)
{
  g_autofree char *path = test_util_write(
      work_dir, "bad.cfg",
      "station = { id = \"test\"; };\n"                                                        /* 1 */
      "lines = (\n"                                                                             /* 2 */
      "  { id = \"a\"; switch = { driver = \"relay\"; }; },\n"                                  /* 3 */
      "  { id = \"b\"; switch = { driver = \"modbus\"; board = \"nope\"; coil = 1; }; },\n"     /* 4 */
      "  { id = \"c\"; switch = { driver = \"gpio\"; chip = \"gpiochip0\"; coil = 2; }; },\n"   /* 5 */
      "  { id = \"d\"; switch = { driver = \"dtmf\"; on = \"12x\"; }; },\n"                    /* 6 */
      "  { id = \"e\"; switch = { driver = \"command\"; }; },\n"                               /* 7 */
      "  { id = \"f\"; switch = { driver = \"modbus\"; board = \"rack\"; coil = 4; }; },\n"    /* 8 */
      "  { id = \"g\"; switch = { driver = \"modbus\"; board = \"rack\"; coil = 4; }; },\n"    /* 9 */
      "  { id = \"h\"; switch = { driver = \"gpio\"; chip = \"0\"; offset = 1; active_low = 1; }; }\n" /* 10 */
      ");\n"                                                                                    /* 11 */
      "switching = { pre_roll_ms = -1;\n"                                                       /* 12 */
      "  modbus = ( { id = \"rack\"; address = \"tcp:localhost\"; },\n"                        /* 13 */
      "             { id = \"rack\"; address = \"rtu:/dev/ttyUSB0\"; parity = \"mark\"; } ); };\n"); /* 14 */
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaConfig) config = loa_config_load(path, &error);
  g_assert_null(config);
  g_assert_error(error, LOA_CONFIG_ERROR, LOA_CONFIG_ERROR_INVALID);
  g_test_message("%s", error->message);
  static const char *const expected[] = {
    ":3: switch driver 'relay' is not gpio, modbus, dtmf or command",
    ":5: 'coil' does not apply to switch driver 'gpio'",
    ":5: line 'c': a gpio switch needs 'chip' and 'offset'",
    ":6: DTMF code '12x' has 'x'",
    ":10: 'active_low' must be true or false",
    ":12: 'switching.pre_roll_ms' is -1",
    ":13: Modbus address 'tcp:localhost' is not",
    ":14: parity 'mark' is not",
    ":4: line 'b': no Modbus board 'nope' in switching.modbus",
    ":7: line 'e': the command switch needs switching.command",
  };
  for (size_t i = 0; i < G_N_ELEMENTS(expected); i++)
    if (strstr(error->message, expected[i]) == NULL)
      g_error("missing from the errors: %s\n%s", expected[i], error->message);

  /* The same coil twice, with a valid board. */
  g_autofree char *path2 = test_util_write(
      work_dir, "twice.cfg",
      "station = { id = \"test\"; };\n"
      "lines = ( { id = \"f\"; switch = { driver = \"modbus\"; board = \"rack\"; coil = 4; }; },\n"
      "          { id = \"g\"; switch = { driver = \"modbus\"; board = \"rack\"; coil = 4; }; } );\n"
      "switching = { modbus = ( { id = \"rack\"; address = \"tcp:[::1]:1502\"; } ); };\n");
  g_clear_error(&error);
  g_autoptr(LoaConfig) config2 = loa_config_load(path2, &error);
  g_assert_null(config2);
  g_assert_nonnull(strstr(error->message, ":3: line 'g': Modbus board 'rack' coil 4 already switches line 'f'"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  /* Failed switches are logged as warnings on purpose; only criticals are bugs. */
  g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  work_dir = test_util_make_dir("loa-test-switch-XXXXXX");

  g_test_add_func("/switch/config-errors", test_config_errors);
  g_test_add_func("/switch/modbus/order-postroll-failsafe", test_modbus_order);
  g_test_add_func("/switch/modbus/unreachable", test_modbus_unreachable);
  g_test_add_func("/switch/modbus/mute", test_modbus_mute);
  g_test_add_func("/switch/modbus/recovers", test_modbus_recovers);
  g_test_add_func("/switch/command/records", test_command_records);
  g_test_add_func("/switch/command/fails", test_command_fails);
  g_test_add_func("/switch/command/timeout", test_command_timeout);
  g_test_add_func("/switch/gpio/double", test_gpio_double);
  g_test_add_func("/switch/gpio/libgpiod", test_gpio_libgpiod);
  g_test_add_func("/switch/dtmf", test_dtmf_switch);
  int status = g_test_run();
  test_util_remove_tree(work_dir);
  g_free(work_dir);
  return status;
}
