/* `loa log export`: one period of the as-run log as a signed bundle file for
 * the city (airlog/bundle.h, docs/bundle-format.md). */
#include "commands.h"

#include "bundle.h"
#include "i18n.h"
#include "loa-time.h"
#include "station-key.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "YYYY-MM" -> the first instant of that month and of the next, in tz. */
static gboolean
month_bounds(GTimeZone *tz, const char *text, gint64 *from, gint64 *until, GError **error)
{
  LoaDate first = { 0 };
  gboolean shape = strlen(text) == 7 && text[4] == '-';
  for (int i = 0; shape && i < 7; i++)
    shape = i == 4 || g_ascii_isdigit(text[i]);
  if (shape) {
    first.year = atoi(text);
    first.month = atoi(text + 5);
    first.day = 1;
  }
  if (!shape || first.year < 1 || first.month < 1 || first.month > 12) {
    g_set_error(error, LOA_TIME_ERROR, LOA_TIME_ERROR_SYNTAX,
                _("'%s' is not a month (YYYY-MM)"), text);
    return FALSE;
  }
  LoaDate next = { first.month == 12 ? first.year + 1 : first.year,
                   first.month == 12 ? 1 : first.month + 1, 1 };
  return loa_civil_to_utc(tz, &first, 0, from, error) &&
         loa_civil_to_utc(tz, &next, 0, until, error);
}

/* "20260503T000000" in tz, for file names. */
static char *
compact_time(GTimeZone *tz, gint64 ns)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc(ns / LOA_NS_PER_SECOND);
  g_autoptr(GDateTime) local = g_date_time_to_timezone(time, tz);
  return g_date_time_format(local, "%Y%m%dT%H%M%S");
}

int
loa_cmd_log_export(LoaContext *ctx, int argc, char **argv)
{
  g_autofree char *month = NULL, *from_text = NULL, *until_text = NULL, *to = NULL;
  const GOptionEntry entries[] = {
    { "month", 0, 0, G_OPTION_ARG_STRING, &month,
      N_("the rows completed in this month, station time (YYYY-MM)"), N_("MONTH") },
    { "from", 0, 0, G_OPTION_ARG_STRING, &from_text,
      N_("or: the rows completed at or after TIME (YYYY-MM-DD[ HH:MM:SS], station time)"),
      N_("TIME") },
    { "until", 0, 0, G_OPTION_ARG_STRING, &until_text,
      N_("... and before TIME (with --from)"), N_("TIME") },
    { "to", 0, 0, G_OPTION_ARG_FILENAME, &to,
      N_("write the bundle here (default: STATION-PERIOD.loa-bundle in this folder)"),
      N_("FILE") },
    { NULL },
  };
  int exit_code;
  if (!loa_command_parse(argv[0], NULL,
                         _("Write one period of the as-run log as a bundle signed with the "
                           "station key, for the city's audit (loa audit import)."),
                         entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 1) {
    loa_command_error(_("unexpected argument '%s'"), argv[1]);
    return LOA_EXIT_USAGE;
  }
  if ((month != NULL) == (from_text != NULL || until_text != NULL) ||
      (month == NULL && (from_text == NULL || until_text == NULL))) {
    loa_command_error(_("give either --month YYYY-MM, or --from TIME and --until TIME"));
    return LOA_EXIT_USAGE;
  }

  g_autoptr(GError) error = NULL;
  GTimeZone *tz = ctx->config->timezone;
  gint64 from = 0, until = 0;
  if (month != NULL ? !month_bounds(tz, month, &from, &until, &error)
                    : (!loa_time_parse_user(tz, from_text, &from, &error) ||
                       !loa_time_parse_user(tz, until_text, &until, &error))) {
    loa_command_error("%s", error->message);
    return LOA_EXIT_USAGE;
  }
  if (from >= until) {
    loa_command_error(_("the period is empty: --until must come after --from"));
    return LOA_EXIT_USAGE;
  }
  /* A bundle is final: a period still running would be exported again,
   * differently, and the city would refuse the second one. */
  if (until > loa_time_now_wall_ns()) {
    g_autofree char *end = loa_time_format_local(tz, until);
    loa_command_error(_("the period is not over yet (it ends at %s): export it afterwards"), end);
    return LOA_EXIT_USAGE;
  }

  g_autoptr(LoaBundle) bundle = loa_bundle_collect(ctx->db, ctx->config->station_name,
                                                   ctx->config->timezone_name, tz, month, from,
                                                   until, &error);
  if (bundle == NULL) {
    loa_command_error("%s", error->message);
    return LOA_EXIT_PROBLEM;
  }
  if (strcmp(bundle->station_id, ctx->config->station_id) != 0) {
    loa_command_error(_("%s belongs to station '%s', not '%s' (check 'database' in %s)"),
                      ctx->config->database, bundle->station_id, ctx->config->station_id,
                      ctx->config_path);
    return LOA_EXIT_USAGE;
  }
  g_autoptr(LoaStationKey) key = loa_station_key_load(ctx->config->key, &error);
  if (key == NULL) {
    loa_command_error("%s", error->message);
    return LOA_EXIT_PROBLEM;
  }

  /* The bundle is the station's true record even when the log is broken:
   * it is written, the city will refuse it for the same reason, and the
   * operator is told now. */
  g_autoptr(GError) chain_error = NULL;
  gboolean chain_ok = loa_bundle_verify_chain(bundle, NULL, &chain_error);

  g_autofree char *path = NULL;
  if (to != NULL) {
    path = g_strdup(to);
  } else if (month != NULL) {
    path = g_strdup_printf("%s-%s" LOA_BUNDLE_SUFFIX, bundle->station_id, month);
  } else {
    g_autofree char *a = compact_time(tz, from);
    g_autofree char *b = compact_time(tz, until);
    path = g_strdup_printf("%s-%s-%s" LOA_BUNDLE_SUFFIX, bundle->station_id, a, b);
  }
  if (!loa_bundle_sign(bundle, key, &error) || !loa_bundle_write(bundle, path, &error)) {
    loa_command_error("%s", error->message);
    return LOA_EXIT_PROBLEM;
  }

  g_autofree char *fingerprint = loa_station_key_fingerprint(key);
  printf(_("Wrote %s\n  station:     %s (%s)\n  period:      %s\n"), path, bundle->station_id,
         bundle->station_name, bundle->period);
  if (bundle->rows->len > 0)
    printf(_("  rows:        %u (chain rows %" PRId64 "-%" PRId64 ")\n"),
           bundle->rows->len, bundle->first_seq, bundle->last_seq);
  else
    printf(_("  rows:        0 (no airing completed in this period)\n"));
  printf(_("  head before: %s\n  head after:  %s\n  signed by:   %s\n"), bundle->head_before,
         bundle->head_after, fingerprint);
  if (!chain_ok) {
    fflush(stdout);
    loa_command_error(_("the as-run log is broken in this period, the city will refuse this "
                        "bundle: %s"),
                      chain_error->message);
    return loa_command_finish_output(LOA_EXIT_PROBLEM);
  }
  return loa_command_finish_output(LOA_EXIT_OK);
}
