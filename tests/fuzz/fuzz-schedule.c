/* libFuzzer target for the schedule parser: any bytes must give problems or
 * a schedule, never a crash, a leak or undefined behaviour; a schedule that
 * parses is also expanded over a month and checked. Built with
 * -DLOA_FUZZ=ON and clang (see tests/schedules.cmake, scripts/test). */
#include "schedule.h"

#include "test-util.h"

#include <string.h>

static const char station_config[] =
  "station = { id = \"fuzz\"; };\n"
  "database = \"loa.db\";\n"
  "lines = ( { id = \"an-hoa\"; output = \"null\"; }, { id = \"cai-khe\"; output = \"null\"; } );\n"
  "zones = ( { id = \"bac\"; lines = [ \"an-hoa\" ]; } );\n"
  "blackout = ( { name = \"Tết\"; from = \"2027-02-05\"; until = \"2027-02-09\"; } );\n";

static LoaConfig *
station(void)
{
  static LoaConfig *config;
  if (config == NULL) {
    g_autofree char *dir = test_util_make_dir("loa-fuzz-XXXXXX");
    g_autofree char *path = test_util_write(dir, "loa.cfg", station_config);
    config = loa_config_load(path, NULL);
    test_util_remove_tree(dir);
    g_assert(config != NULL);
  }
  return config;
}

/* Every spot exists, lasts a minute and is approved. */
static gboolean
lookup(const char *spot_id, LoaSpotFacts *facts, gpointer user_data)
{
  (void)spot_id;
  (void)user_data;
  facts->status = g_strdup("approved");
  facts->duration_ns = 60 * LOA_NS_PER_SECOND;
  return TRUE;
}

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
  const LoaConfig *config = station();
  g_autofree char *text = g_strndup((const char *)data, size);
  g_autoptr(LoaProblems) problems = loa_problems_new();
  g_autoptr(LoaSchedule) schedule = loa_schedule_parse("fuzz.cfg", text, config, problems);
  if (schedule == NULL)
    return 0;
  gint64 now = 1793491200 * LOA_NS_PER_SECOND; /* 2026-11-01 */
  g_autoptr(GArray) occurrences =
      loa_schedule_expand(schedule, now, now + 31 * 86400 * LOA_NS_PER_SECOND);
  (void)occurrences;
  (void)loa_schedule_check(schedule, lookup, NULL, now, problems);
  return 0;
}
