/* The switcher (playout/switcher.c) against real parts: the Modbus TCP relay
 * board simulator (tests/hardware/modbus-sim.c, which logs every coil write
 * with its CLOCK_MONOTONIC time), a command script that logs its calls with
 * the wall-clock time, and the dtmf driver's rendered codes. The main loop
 * runs a 10 ms ticker throughout, so a switch that blocked the main thread
 * would show as a gap between ticks. */
#include "loa-time.h"
#include "switcher.h"

#include "../common/test-util.h"
#include "modbus-sim-client.h"

#include <inttypes.h>
#include <string.h>

#define MS 1000 /* microseconds */
#define PRE_ROLL_MS 300
/* How late a switch may come after its due time on a loaded (or sanitized)
 * machine; early is never allowed beyond clock noise. */
#define LATE_US (120 * MS)
#define EARLY_US (3 * MS)
/* The ticker's period, and the longest gap between two ticks allowed: a tick
 * may come at most 50 ms late. */
#define TICK_MS 10
#define TICK_GAP_US ((TICK_MS + 50) * MS)

/* Handles are compared as pointers: equal names give the same one. */
#define H(name) ((gpointer)g_intern_static_string(name))

static char *work_dir;
static GThread *main_thread;

/* Loads text as a config file that must be valid and warning-free. */
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

/* Lines a (coil 0) and b (coil 1) on one board, and a line without a switch. */
static LoaConfig *
modbus_config(int port, int post_roll_ms)
{
  g_autofree char *text = g_strdup_printf(
      "station = { id = \"test\"; };\n"
      "lines = (\n"
      "  { id = \"a\"; output = \"null\"; switch = { driver = \"modbus\"; board = \"rack\"; coil = 0; }; },\n"
      "  { id = \"b\"; output = \"null\"; switch = { driver = \"modbus\"; board = \"rack\"; coil = 1; }; },\n"
      "  { id = \"plain\"; output = \"null\"; }\n"
      ");\n"
      "switching = { pre_roll_ms = %d; post_roll_ms = %d; timeout_ms = 500;\n"
      "  modbus = ( { id = \"rack\"; address = \"tcp:127.0.0.1:%d\"; unit = 1; } ); };\n",
      PRE_ROLL_MS, post_roll_ms, port);
  return load_config(text);
}

/* One held() call as the test saw it. */
typedef struct {
  char *handle;          /* the handle (the tests use strings) */
  LoaSwitchStatus status; /* the result's status */
  char *text;            /* loa_switch_result_describe */
  char *play_path;       /* the result's play file, or NULL */
  gint64 at_us;          /* when it arrived, monotonic */
} Held;

/* One play() call. */
typedef struct {
  char *line_id;         /* the line to play on */
  char *path;            /* the file */
  gint64 frames;         /* its length */
  gint64 at_us;          /* when it arrived, monotonic */
} Played;

/* What a test watches on the main loop. */
typedef struct {
  GPtrArray *helds;      /* Held * in arrival order */
  GPtrArray *plays;      /* Played * in arrival order */
  gint64 last_tick_us;   /* the ticker's last run (0: not yet) */
  gint64 max_gap_us;     /* the longest gap between two ticks */
  guint ticks;           /* how often the ticker ran */
  guint ticker;          /* the ticker's source id */
} Watch;

static Watch watch;

/* Frees a Held. */
static void
held_free(gpointer data)
{
  Held *held = data;
  g_free(held->handle);
  g_free(held->text);
  g_free(held->play_path);
  g_free(held);
}

/* Frees a Played. */
static void
played_free(gpointer data)
{
  Played *played = data;
  g_free(played->line_id);
  g_free(played->path);
  g_free(played);
}

/* The ticker: notes the longest gap between two of its runs. */
static gboolean
tick(gpointer user_data)
{
  (void)user_data;
  gint64 now = g_get_monotonic_time();
  if (watch.last_tick_us != 0)
    watch.max_gap_us = MAX(watch.max_gap_us, now - watch.last_tick_us);
  watch.last_tick_us = now;
  watch.ticks++;
  return G_SOURCE_CONTINUE;
}

/* Starts watching: empty records, the ticker running. */
static void
watch_start(void)
{
  watch.helds = g_ptr_array_new_with_free_func(held_free);
  watch.plays = g_ptr_array_new_with_free_func(played_free);
  watch.last_tick_us = 0;
  watch.max_gap_us = 0;
  watch.ticker = g_timeout_add(TICK_MS, tick, NULL);
}

/* Stops the ticker and checks the main loop never stalled. */
static void
watch_stop(void)
{
  g_source_remove(watch.ticker);
  g_test_message("longest gap between ticks: %" PRId64 " us", watch.max_gap_us);
  g_assert_cmpint(watch.max_gap_us, <, TICK_GAP_US);
  g_clear_pointer(&watch.helds, g_ptr_array_unref);
  g_clear_pointer(&watch.plays, g_ptr_array_unref);
}

/* The test itself blocked the main loop (a spin, a free): that gap does not count. */
static void
watch_blocked(void)
{
  watch.last_tick_us = 0;
}

/* LoaSwitcherHeldFunc: records the call; it must come on the main thread. */
static void
on_held(gpointer handle, const LoaSwitchResult *result, gpointer user_data)
{
  g_assert_true(g_thread_self() == main_thread);
  g_assert_true(user_data == &watch);
  Held *held = g_new0(Held, 1);
  held->handle = g_strdup(handle);
  held->status = result->status;
  held->text = loa_switch_result_describe(result);
  held->play_path = g_strdup(result->play_path);
  held->at_us = g_get_monotonic_time();
  g_ptr_array_add(watch.helds, held);
  g_test_message("held %s: %s", held->handle, held->text);
}

/* LoaSwitcherPlayFunc: records the call; it must come on the main thread. */
static void
on_play(const char *line_id, const char *path, gint64 frames, gpointer user_data)
{
  g_assert_true(g_thread_self() == main_thread);
  g_assert_true(user_data == &watch);
  Played *played = g_new0(Played, 1);
  played->line_id = g_strdup(line_id);
  played->path = g_strdup(path);
  played->frames = frames;
  played->at_us = g_get_monotonic_time();
  g_ptr_array_add(watch.plays, played);
}

/* Runs the main loop for ms milliseconds. */
static void
run_for(int ms)
{
  gint64 end = g_get_monotonic_time() + (gint64)ms * MS;
  while (g_get_monotonic_time() < end)
    g_main_context_iteration(NULL, TRUE); /* the ticker wakes it every 10 ms */
}

/* Runs the main loop until count held() calls arrived; fails after seconds. */
static void
run_until_helds(guint count, int seconds)
{
  gint64 end = g_get_monotonic_time() + (gint64)seconds * G_USEC_PER_SEC;
  while (watch.helds->len < count) {
    if (g_get_monotonic_time() > end)
      g_error("only %u of %u held() calls after %d s", watch.helds->len, count, seconds);
    g_main_context_iteration(NULL, TRUE);
  }
}

/* Runs the main loop until the simulator logged count writes; fails after seconds. */
static void
run_until_writes(const ModbusSimClient *sim, guint count, int seconds)
{
  gint64 end = g_get_monotonic_time() + (gint64)seconds * G_USEC_PER_SEC;
  for (;;) {
    g_autoptr(GArray) times = g_array_new(FALSE, FALSE, sizeof(gint64));
    g_autofree char *writes = modbus_sim_client_writes(sim, times);
    if (times->len >= count)
      return;
    if (g_get_monotonic_time() > end)
      g_error("only these writes after %d s:\n%s", seconds, writes);
    g_main_context_iteration(NULL, TRUE);
  }
}

/* The index-th held() call. */
static const Held *
held_at(guint index)
{
  return g_ptr_array_index(watch.helds, index);
}

/* The monotonic time (us) of wall-clock time wall_ns. */
static gint64
monotonic_of(gint64 wall_ns)
{
  return (wall_ns - loa_time_wall_minus_monotonic_ns()) / 1000;
}

/* Checks that actual_us came no earlier than (clock noise) and not much later than due_us. */
static void
assert_on_time(gint64 actual_us, gint64 due_us, const char *what)
{
  g_test_message("%s: %+" G_GINT64_FORMAT " us from its due time", what, actual_us - due_us);
  g_assert_cmpint(actual_us, >=, due_us - EARLY_US);
  g_assert_cmpint(actual_us, <=, due_us + LATE_US);
}

/* On pre-roll before the airing, held() OK on the main context; a second and
 * a third airing (the third within the post-roll of the second) keep the line
 * on without a write; off post-roll after the last release; the fail-safe at
 * start and at free. */
static void
test_modbus_airings(void)
{
  watch_start();
  ModbusSimClient sim = { 0 };
  modbus_sim_client_start(&sim, work_dir, 0, NULL, NULL);
  g_autoptr(LoaConfig) config = modbus_config(sim.port, 400);
  g_autoptr(GError) error = NULL;
  LoaSwitcher *switcher = loa_switcher_new(config, NULL, on_play, &watch, &error);
  g_assert_no_error(error);
  run_until_writes(&sim, 2, 5); /* the fail-safe at start-up */
  g_autofree char *start = modbus_sim_client_writes(&sim, NULL);
  g_assert_cmpstr(start, ==, "0 0\n1 0\n");
  g_assert_false(loa_switcher_is_on(switcher, "a"));

  /* Airing 1 at +1 s, 0.4 s long; airing 2 at +1.6 s (its hold is due before
   * airing 1 ends), 0.4 s long; airing 3 at +2.35 s (its hold is due 50 ms
   * after airing 2 ended, within the post-roll). */
  gint64 at_ns = loa_time_now_wall_ns() + LOA_NS_PER_SECOND;
  gint64 at_us = monotonic_of(at_ns);
  loa_switcher_hold(switcher, "a", at_ns, on_held, H("A1"));
  loa_switcher_hold(switcher, "plain", at_ns, on_held, H("P"));
  g_assert_cmpuint(watch.helds->len, ==, 0); /* never from inside the call */
  run_until_helds(1, 2);
  g_assert_cmpstr(held_at(0)->handle, ==, "P");
  g_assert_cmpint(held_at(0)->status, ==, LOA_SWITCH_STATUS_NONE);
  g_assert_cmpint(held_at(0)->at_us, <, at_us - 500 * MS); /* at once, not at the due time */

  run_until_helds(2, 3);
  g_assert_cmpstr(held_at(1)->handle, ==, "A1");
  g_assert_cmpint(held_at(1)->status, ==, LOA_SWITCH_STATUS_OK);
  g_assert_cmpstr(held_at(1)->text, ==, "ok");
  g_autoptr(GArray) times = g_array_new(FALSE, FALSE, sizeof(gint64));
  g_autofree char *on = modbus_sim_client_writes(&sim, times);
  g_assert_cmpstr(on, ==, "0 0\n1 0\n0 1\n");
  assert_on_time(g_array_index(times, gint64, 2), at_us - PRE_ROLL_MS * MS, "switch-on");
  g_assert_cmpint(held_at(1)->at_us, >=, g_array_index(times, gint64, 2));
  g_assert_true(loa_switcher_is_on(switcher, "a"));
  g_assert_false(loa_switcher_is_on(switcher, "b"));
  g_assert_false(loa_switcher_is_on(switcher, "plain"));

  loa_switcher_hold(switcher, "a", at_ns + 600 * G_GINT64_CONSTANT(1000000), on_held, H("A2"));
  run_until_helds(3, 3); /* due at +1.3 s */
  g_assert_cmpstr(held_at(2)->handle, ==, "A2");
  g_assert_cmpint(held_at(2)->status, ==, LOA_SWITCH_STATUS_OK);
  run_for((int)((at_us + 400 * MS - g_get_monotonic_time()) / MS));
  loa_switcher_release(switcher, H("A1"));
  loa_switcher_hold(switcher, "a", at_ns + 1350 * G_GINT64_CONSTANT(1000000), on_held, H("A3"));
  run_for((int)((at_us + 1000 * MS - g_get_monotonic_time()) / MS));
  loa_switcher_release(switcher, H("A2"));
  run_until_helds(4, 3); /* due at +2.05 s */
  g_assert_cmpstr(held_at(3)->handle, ==, "A3");
  g_assert_cmpint(held_at(3)->status, ==, LOA_SWITCH_STATUS_OK);
  g_assert_true(loa_switcher_is_on(switcher, "a"));
  run_for((int)((at_us + 1750 * MS - g_get_monotonic_time()) / MS));
  gint64 released_us = g_get_monotonic_time();
  loa_switcher_release(switcher, H("A3"));
  loa_switcher_release(switcher, H("P"));
  loa_switcher_release(switcher, H("never-held"));
  g_assert_true(loa_switcher_is_on(switcher, "a")); /* post-roll */

  run_until_writes(&sim, 4, 3);
  g_array_set_size(times, 0);
  g_autofree char *off = modbus_sim_client_writes(&sim, times);
  g_assert_cmpstr(off, ==, "0 0\n1 0\n0 1\n0 0\n"); /* no off/on between the airings */
  assert_on_time(g_array_index(times, gint64, 3), released_us + 400 * MS, "switch-off");
  run_for(50);
  g_assert_false(loa_switcher_is_on(switcher, "a"));
  g_assert_cmpuint(watch.helds->len, ==, 4);
  g_assert_cmpuint(watch.plays->len, ==, 0);

  /* Held at free: the fail-safe switches off and free waits for it. */
  loa_switcher_hold(switcher, "b", loa_time_now_wall_ns(), on_held, H("B1"));
  run_until_helds(5, 3);
  g_assert_cmpint(held_at(4)->status, ==, LOA_SWITCH_STATUS_OK);
  g_assert_true(loa_switcher_is_on(switcher, "b"));
  loa_switcher_free(switcher);
  g_autofree char *end = modbus_sim_client_writes(&sim, NULL);
  g_assert_cmpstr(end, ==, "0 0\n1 0\n0 1\n0 0\n1 1\n0 0\n1 0\n");
  modbus_sim_client_clear(&sim);
  watch_stop();
}

/* forget(): of a hold not made yet switches nothing and reports nothing; of a
 * hold made but not reported yet drops the report and releases; of a
 * reported hold releases. */
static void
test_modbus_forget(void)
{
  watch_start();
  ModbusSimClient sim = { 0 };
  modbus_sim_client_start(&sim, work_dir, 0, NULL, NULL);
  g_autoptr(LoaConfig) config = modbus_config(sim.port, 200);
  g_autoptr(GError) error = NULL;
  LoaSwitcher *switcher = loa_switcher_new(config, NULL, on_play, &watch, &error);
  g_assert_no_error(error);
  run_until_writes(&sim, 2, 5);

  gint64 at_ns = loa_time_now_wall_ns() + 900 * G_GINT64_CONSTANT(1000000); /* due in 600 ms */
  loa_switcher_hold(switcher, "a", at_ns, on_held, H("F1"));
  run_for(100);
  loa_switcher_forget(switcher, H("F1"));
  run_for(1000);
  g_autofree char *none = modbus_sim_client_writes(&sim, NULL);
  g_assert_cmpstr(none, ==, "0 0\n1 0\n");
  g_assert_cmpuint(watch.helds->len, ==, 0);
  g_assert_false(loa_switcher_is_on(switcher, "a"));

  /* Made, its report on its way (the main loop does not run here). */
  loa_switcher_hold(switcher, "a", loa_time_now_wall_ns(), on_held, H("F2"));
  gint64 end = g_get_monotonic_time() + 3 * G_USEC_PER_SEC;
  while (!loa_switcher_is_on(switcher, "a")) {
    g_assert_cmpint(g_get_monotonic_time(), <, end);
    g_usleep(MS);
  }
  watch_blocked();
  loa_switcher_forget(switcher, H("F2"));
  run_until_writes(&sim, 4, 3);
  g_autofree char *cycle = modbus_sim_client_writes(&sim, NULL);
  g_assert_cmpstr(cycle, ==, "0 0\n1 0\n0 1\n0 0\n");
  g_assert_cmpuint(watch.helds->len, ==, 0);
  g_assert_false(loa_switcher_is_on(switcher, "a"));

  /* Reported, then the airing is cancelled: a release like any other. */
  loa_switcher_hold(switcher, "b", loa_time_now_wall_ns(), on_held, H("F3"));
  run_until_helds(1, 3);
  g_assert_cmpint(held_at(0)->status, ==, LOA_SWITCH_STATUS_OK);
  loa_switcher_forget(switcher, H("F3"));
  loa_switcher_forget(switcher, H("F3")); /* already gone */
  run_until_writes(&sim, 6, 3);
  g_autofree char *cycle2 = modbus_sim_client_writes(&sim, NULL);
  g_assert_cmpstr(cycle2, ==, "0 0\n1 0\n0 1\n0 0\n1 1\n1 0\n");

  /* A pending hold at free is dropped: nothing switched on, no report. */
  loa_switcher_hold(switcher, "a", at_ns + 10 * LOA_NS_PER_SECOND, on_held, H("F4"));
  loa_switcher_free(switcher);
  g_autofree char *end_writes = modbus_sim_client_writes(&sim, NULL);
  g_assert_cmpstr(end_writes, ==, "0 0\n1 0\n0 1\n0 0\n1 1\n1 0\n0 0\n1 0\n");
  watch_blocked();
  run_for(50);
  g_assert_cmpuint(watch.helds->len, ==, 1);
  modbus_sim_client_clear(&sim);
  watch_stop();
}

/* A coil that does not move: held() reports the read-back mismatch. */
static void
test_modbus_stuck(void)
{
  watch_start();
  ModbusSimClient sim = { 0 };
  modbus_sim_client_start(&sim, work_dir, 0, "--stuck", "1");
  g_autoptr(LoaConfig) config = modbus_config(sim.port, 0);
  g_autoptr(GError) error = NULL;
  LoaSwitcher *switcher = loa_switcher_new(config, NULL, on_play, &watch, &error);
  g_assert_no_error(error);
  loa_switcher_hold(switcher, "b", loa_time_now_wall_ns(), on_held, H("S"));
  run_until_helds(1, 5);
  g_assert_cmpint(held_at(0)->status, ==, LOA_SWITCH_STATUS_MISMATCH);
  g_assert_true(g_str_has_prefix(held_at(0)->text, "readback-mismatch: Modbus board 'rack'"));
  g_assert_nonnull(strstr(held_at(0)->text, "coil 1 reads off after it was switched on"));
  g_assert_false(loa_switcher_is_on(switcher, "b"));
  loa_switcher_release(switcher, H("S"));
  loa_switcher_free(switcher);
  modbus_sim_client_clear(&sim);
  watch_stop();
}

/* A board that never answers: FAILED within its timeout (500 ms), while the
 * main loop keeps ticking every 10 ms; also at start-up and at free. */
static void
test_modbus_mute(void)
{
  watch_start();
  ModbusSimClient sim = { 0 };
  modbus_sim_client_start(&sim, work_dir, 0, "--mute", NULL);
  g_autoptr(LoaConfig) config = modbus_config(sim.port, 0);
  g_autoptr(GError) error = NULL;
  LoaSwitcher *switcher = loa_switcher_new(config, NULL, on_play, &watch, &error);
  g_assert_no_error(error);

  /* The first hold waits behind the start-up fail-safe (which times out too). */
  loa_switcher_hold(switcher, "a", loa_time_now_wall_ns(), on_held, H("M1"));
  run_until_helds(1, 10);
  g_assert_cmpint(held_at(0)->status, ==, LOA_SWITCH_STATUS_FAILED);
  g_assert_nonnull(strstr(held_at(0)->text, "failed: Modbus board 'rack'"));

  gint64 asked_us = g_get_monotonic_time();
  guint ticks = watch.ticks;
  loa_switcher_hold(switcher, "a", loa_time_now_wall_ns(), on_held, H("M2"));
  run_until_helds(2, 5);
  /* The main loop went on ticking all along (the gap is checked by watch_stop). */
  g_assert_cmpuint(watch.ticks - ticks, >=, 30);
  gint64 elapsed = held_at(1)->at_us - asked_us;
  g_test_message("mute board: FAILED after %" PRId64 " us", elapsed);
  g_assert_cmpint(held_at(1)->status, ==, LOA_SWITCH_STATUS_FAILED);
  g_assert_cmpint(elapsed, >=, 400 * MS);
  g_assert_cmpint(elapsed, <, 500 * MS + 400 * MS);
  g_assert_false(loa_switcher_is_on(switcher, "a"));
  loa_switcher_release(switcher, H("M1"));
  loa_switcher_release(switcher, H("M2"));
  run_for(100);
  loa_switcher_free(switcher);
  modbus_sim_client_clear(&sim);
  watch_stop();
}

/* Nothing listens: FAILED at once, with the reason. */
static void
test_modbus_unreachable(void)
{
  watch_start();
  g_autoptr(LoaConfig) config = modbus_config(modbus_sim_client_closed_port(), 0);
  g_autoptr(GError) error = NULL;
  LoaSwitcher *switcher = loa_switcher_new(config, NULL, on_play, &watch, &error);
  g_assert_no_error(error);
  gint64 asked_us = g_get_monotonic_time();
  loa_switcher_hold(switcher, "b", loa_time_now_wall_ns(), on_held, H("U"));
  run_until_helds(1, 5);
  g_assert_cmpint(held_at(0)->status, ==, LOA_SWITCH_STATUS_FAILED);
  g_assert_nonnull(strstr(held_at(0)->text, "modbus_connect: Connection refused"));
  g_assert_cmpint(held_at(0)->at_us - asked_us, <, 500 * MS);
  loa_switcher_forget(switcher, H("U"));
  loa_switcher_free(switcher);
  watch_stop();
}

/* The command driver, its calls logged with the wall clock: on pre-roll
 * before the airing, off post-roll after it, off at start-up and at free. */
static void
test_command(void)
{
  watch_start();
  g_autofree char *calls = g_build_filename(work_dir, "calls.txt", NULL);
  g_autofree char *script_text = g_strdup_printf(
      "#!/bin/sh\necho \"$(date +%%s%%N) $1 $2\" >> '%s'\n", calls);
  g_autofree char *script = test_util_write(work_dir, "switch.sh", script_text);
  g_assert_cmpint(chmod(script, 0755), ==, 0);
  g_autofree char *text = g_strdup_printf(
      "station = { id = \"test\"; };\n"
      "lines = ( { id = \"c\"; output = \"null\"; switch = { driver = \"command\"; }; } );\n"
      "switching = { command = \"'%s'\"; pre_roll_ms = %d; post_roll_ms = 300;\n"
      "  command_timeout_ms = 5000; };\n",
      script, PRE_ROLL_MS);
  g_autoptr(LoaConfig) config = load_config(text);
  g_autoptr(GError) error = NULL;
  LoaSwitcher *switcher = loa_switcher_new(config, NULL, on_play, &watch, &error);
  g_assert_no_error(error);

  gint64 at_ns = loa_time_now_wall_ns() + LOA_NS_PER_SECOND;
  loa_switcher_hold(switcher, "c", at_ns, on_held, H("C1"));
  run_until_helds(1, 3);
  g_assert_cmpint(held_at(0)->status, ==, LOA_SWITCH_STATUS_OK);
  g_assert_true(loa_switcher_is_on(switcher, "c"));
  run_for((int)((monotonic_of(at_ns) + 200 * MS - g_get_monotonic_time()) / MS));
  gint64 released_ns = loa_time_now_wall_ns();
  loa_switcher_release(switcher, H("C1"));
  run_for(300 + 400);
  g_assert_false(loa_switcher_is_on(switcher, "c"));
  loa_switcher_hold(switcher, "c", loa_time_now_wall_ns(), on_held, H("C2"));
  run_until_helds(2, 3);
  loa_switcher_free(switcher);

  g_autofree char *log = NULL;
  g_assert_true(g_file_get_contents(calls, &log, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit(log, "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), ==, 6); /* five calls and the empty tail */
  static const char *const expected[] = { "off c", "on c", "off c", "on c", "off c" };
  gint64 times[5];
  for (guint i = 0; i < 5; i++) {
    char *space = strchr(lines[i], ' ');
    g_assert_nonnull(space);
    g_assert_cmpstr(space + 1, ==, expected[i]);
    times[i] = g_ascii_strtoll(lines[i], NULL, 10);
  }
  /* The script's own start adds to the lateness: both bounds in us. */
  assert_on_time(times[1] / 1000, (at_ns - PRE_ROLL_MS * G_GINT64_CONSTANT(1000000)) / 1000,
                 "command on");
  assert_on_time(times[2] / 1000, released_ns / 1000 + 300 * MS, "command off");
  watch_stop();
}

/* dtmf: the address code comes with held(), the off code through play() when
 * the post-roll ends; the fail-safe leaves the line to the engine. */
static void
test_dtmf_play(void)
{
  watch_start();
  g_autoptr(LoaConfig) config = load_config(
      "station = { id = \"test\"; };\n"
      "lines = ( { id = \"zone\"; output = \"null\"; switch = { driver = \"dtmf\"; on = \"*12#\"; off = \"#0\"; }; } );\n"
      "engine = { rate = 16000; channels = 1; };\n"
      "switching = { post_roll_ms = 100; dtmf = { tone_ms = 80; gap_ms = 120; }; };\n");
  g_autoptr(GError) error = NULL;
  LoaSwitcher *switcher = loa_switcher_new(config, NULL, on_play, &watch, &error);
  g_assert_no_error(error);
  loa_switcher_hold(switcher, "zone", loa_time_now_wall_ns(), on_held, H("D"));
  run_until_helds(1, 5);
  g_assert_cmpint(held_at(0)->status, ==, LOA_SWITCH_STATUS_OK);
  g_assert_nonnull(held_at(0)->play_path);
  gint64 released_us = g_get_monotonic_time();
  loa_switcher_release(switcher, H("D"));
  gint64 end = released_us + 3 * G_USEC_PER_SEC;
  while (watch.plays->len == 0) {
    g_assert_cmpint(g_get_monotonic_time(), <, end);
    g_main_context_iteration(NULL, TRUE);
  }
  const Played *played = g_ptr_array_index(watch.plays, 0);
  g_assert_cmpstr(played->line_id, ==, "zone");
  g_assert_cmpint(played->frames, ==, 2 * (1280 + 1920));
  g_assert_true(g_file_test(played->path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpstr(played->path, !=, held_at(0)->play_path);
  assert_on_time(played->at_us, released_us + 100 * MS, "dtmf off code");
  g_assert_false(loa_switcher_is_on(switcher, "zone"));
  loa_switcher_free(switcher);
  watch_stop();
}

/* No line has a switch: no worker, holds report NONE through the main loop. */
static void
test_no_switch(void)
{
  watch_start();
  g_autoptr(LoaConfig) config = load_config(
      "station = { id = \"test\"; };\n"
      "lines = ( { id = \"plain\"; output = \"null\"; } );\n");
  g_autoptr(GError) error = NULL;
  LoaSwitcher *switcher = loa_switcher_new(config, NULL, NULL, &watch, &error);
  g_assert_no_error(error);
  loa_switcher_hold(switcher, "plain", loa_time_now_wall_ns() + LOA_NS_PER_SECOND, on_held, H("N1"));
  loa_switcher_hold(switcher, "unknown", loa_time_now_wall_ns(), on_held, H("N2"));
  loa_switcher_hold(switcher, "plain", loa_time_now_wall_ns(), on_held, H("N3"));
  g_assert_cmpuint(watch.helds->len, ==, 0);
  loa_switcher_forget(switcher, H("N3"));
  run_for(50);
  g_assert_cmpuint(watch.helds->len, ==, 2);
  g_assert_cmpstr(held_at(0)->handle, ==, "N1");
  g_assert_cmpint(held_at(0)->status, ==, LOA_SWITCH_STATUS_NONE);
  g_assert_cmpstr(held_at(1)->text, ==, "none");
  g_assert_false(loa_switcher_is_on(switcher, "plain"));
  loa_switcher_release(switcher, H("N1"));
  /* Reports not delivered at free are dropped. */
  loa_switcher_hold(switcher, "plain", loa_time_now_wall_ns(), on_held, H("N4"));
  loa_switcher_free(switcher);
  loa_switcher_free(NULL);
  watch_blocked();
  run_for(50);
  g_assert_cmpuint(watch.helds->len, ==, 2);
  watch_stop();
}

/* A set that cannot be built is an error from new, not a half switcher. */
static void
test_setup_error(void)
{
  g_autoptr(LoaConfig) config = load_config(
      "station = { id = \"test\"; };\n"
      "lines = ( { id = \"c\"; output = \"null\"; switch = { driver = \"command\"; }; } );\n"
      "switching = { command = \"true\"; };\n");
  /* The loader refuses this; poke it in to reach the driver's own check. */
  g_free(config->switch_command);
  config->switch_command = g_strdup("'unterminated");
  g_autoptr(GError) error = NULL;
  LoaSwitcher *switcher = loa_switcher_new(config, NULL, NULL, NULL, &error);
  g_assert_null(switcher);
  g_assert_error(error, LOA_SWITCH_ERROR, LOA_SWITCH_ERROR_SETUP);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  /* Failed switches are logged as warnings on purpose; only criticals are bugs. */
  g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  main_thread = g_thread_self();
  work_dir = test_util_make_dir("loa-test-switcher-XXXXXX");

  g_test_add_func("/switcher/modbus/airings", test_modbus_airings);
  g_test_add_func("/switcher/modbus/forget", test_modbus_forget);
  g_test_add_func("/switcher/modbus/stuck", test_modbus_stuck);
  g_test_add_func("/switcher/modbus/mute", test_modbus_mute);
  g_test_add_func("/switcher/modbus/unreachable", test_modbus_unreachable);
  g_test_add_func("/switcher/command", test_command);
  g_test_add_func("/switcher/dtmf-play", test_dtmf_play);
  g_test_add_func("/switcher/no-switch", test_no_switch);
  g_test_add_func("/switcher/setup-error", test_setup_error);
  int status = g_test_run();
  test_util_remove_tree(work_dir);
  g_free(work_dir);
  return status;
}
