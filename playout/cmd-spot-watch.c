/* `loa spot watch [DIR]`: ingests the files culture offices drop into a
 * folder (audio-library/dropfolder.h), until interrupted, or once with
 * --once. The daemon runs the same watcher when library.drop_folder is set. */
#include "cmd-spot.h"

#include "dropfolder.h"
#include "i18n.h"

#include <glib-unix.h>
#include <stdio.h>

static gboolean
on_signal(gpointer data)
{
  g_main_loop_quit(data);
  return G_SOURCE_CONTINUE;  /* both handlers are removed after the loop */
}

int
loa_cmd_spot_watch(LoaContext *ctx, int argc, char **argv)
{
  gboolean once = FALSE;
  const GOptionEntry entries[] = {
    { "once", 0, 0, G_OPTION_ARG_NONE, &once,
      N_("scan once, print what was done and exit (1 if a file was rejected)"), NULL },
    { NULL },
  };
  g_autoptr(GError) error = NULL;
  int exit_code;

  if (!loa_command_parse(argv[0], _("[DIR]"),
                         _("Ingests the audio files (and .txt bulletins) that appear in DIR\n"
                           "(default: library.drop_folder of the configuration), with their\n"
                           "metadata from NAME.cfg or manifest.csv. Ingested files move to\n"
                           "DIR/done/, rejected ones to DIR/rejected/ with NAME.error.txt."),
                         entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 2) {
    loa_command_error(_("%s: unexpected argument '%s'"), argv[0], argv[2]);
    return LOA_EXIT_USAGE;
  }
  const char *dir = argc == 2 ? argv[1] : ctx->config->drop_folder;
  if (dir == NULL) {
    loa_command_error(_("%s: give a DIR, or set library.drop_folder in %s"), argv[0],
                      ctx->config->path);
    return LOA_EXIT_USAGE;
  }
  g_autoptr(LoaDropFolder) folder = loa_drop_folder_new(ctx->db, ctx->config, dir, &error);
  if (folder == NULL) {
    loa_command_error("%s", error->message);
    return LOA_EXIT_USAGE;
  }

  if (once) {
    LoaDropFolderCounts counts;
    if (!loa_drop_folder_scan_once(folder, &counts, &error)) {
      loa_command_error("%s", error->message);
      return LOA_EXIT_PROBLEM;
    }
    printf(_("%u added, %u already in the library, %u rejected, %u waiting, %u to retry\n"),
           counts.ingested, counts.duplicates, counts.rejected, counts.waiting, counts.retry);
    return loa_command_finish_output(counts.rejected > 0 || counts.retry > 0 ? LOA_EXIT_PROBLEM
                                                                             : LOA_EXIT_OK);
  }

  g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
  guint term = g_unix_signal_add(SIGTERM, on_signal, loop);
  guint interrupt = g_unix_signal_add(SIGINT, on_signal, loop);
  loa_drop_folder_start(folder, NULL);
  g_main_loop_run(loop);
  loa_drop_folder_stop(folder);
  g_source_remove(term);
  g_source_remove(interrupt);
  return LOA_EXIT_OK;
}
