/* `loa spot render [ID...]`: air copies for spots added before air copies
 * existed (ingest makes them for every new compressed spot). Each copy is
 * its own transaction, so an interrupted run keeps what it finished and a
 * second run does the rest. */
#include "cmd-spot.h"

#include "i18n.h"
#include "ingest.h"
#include "spot.h"

#include <stdio.h>

int
loa_cmd_spot_render(LoaContext *ctx, int argc, char **argv)
{
  const GOptionEntry entries[] = { { NULL } };
  int exit_code = LOA_EXIT_OK;
  if (!loa_command_parse(argv[0], _("[ID...]"),
                         _("Decodes each compressed spot that has no air copy yet (spots added\n"
                           "before air copies existed) into its air copy, which then airs instead\n"
                           "of decoding the file at every airing. The library file must still be\n"
                           "the one added, and decode to the same frames. Without an ID: every\n"
                           "spot that needs one."),
                         entries, &argc, &argv, &exit_code))
    return exit_code;

  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) spots = NULL;
  if (argc > 1) {
    spots = g_ptr_array_new_with_free_func((GDestroyNotify)loa_spot_free);
    for (int i = 1; i < argc; i++) {
      LoaSpot *spot = loa_spot_get(ctx->db, argv[i], &error);
      if (spot == NULL) {
        loa_command_error("%s", error->message);
        return LOA_EXIT_PROBLEM;
      }
      g_ptr_array_add(spots, spot);
    }
  } else {
    spots = loa_spot_list(ctx->db, &error);
    if (spots == NULL) {
      loa_command_error("%s", error->message);
      return LOA_EXIT_PROBLEM;
    }
  }

  guint made = 0, failed = 0;
  for (guint i = 0; i < spots->len; i++) {
    const LoaSpot *spot = g_ptr_array_index(spots, i);
    gboolean done = FALSE;
    g_autoptr(GError) local = NULL;
    gint64 started = g_get_monotonic_time();
    if (!loa_ingest_make_air_copy(ctx->db, ctx->config->library, spot, &done, &local)) {
      loa_command_error("%s", local->message);
      failed++;
      exit_code = loa_cmd_spot_exit_code(local);
    } else if (done) {
      made++;
      printf(_("Spot %s: air copy made (%.1f s)\n"), spot->id,
             (double)(g_get_monotonic_time() - started) / G_USEC_PER_SEC);
    } else if (argc > 1) {
      printf(spot->air_file_name != NULL ? _("Spot %s: has an air copy already\n")
                                         : _("Spot %s: PCM, airs as it is\n"),
             spot->id);
    }
  }
  printf(g_dngettext(LOA_GETTEXT_PACKAGE, "%u air copy made", "%u air copies made", made), made);
  if (failed > 0)
    printf(g_dngettext(LOA_GETTEXT_PACKAGE, "; %u spot failed\n", "; %u spots failed\n", failed), failed);
  else
    printf("\n");
  return loa_command_finish_output(exit_code);
}
