/* `loa run`: the playout daemon. --for and --until bound its run time (tests,
 * the demo); without them it runs until SIGTERM or SIGINT. */
#include "commands.h"

#include "daemon.h"
#include "i18n.h"
#include "loa-time.h"

#include <malloc.h>
#include <stdio.h>

int
loa_cmd_run(LoaContext *ctx, int argc, char **argv)
{
  gint seconds = 0;
  g_autofree char *until = NULL;
  const GOptionEntry entries[] = {
    { "for", 0, 0, G_OPTION_ARG_INT, &seconds, N_("stop after SECONDS"), N_("SECONDS") },
    { "until", 0, 0, G_OPTION_ARG_STRING, &until,
      N_("stop at this station time (YYYY-MM-DD HH:MM:SS)"), N_("TIME") },
    { NULL },
  };
  int exit_code;
  if (!loa_command_parse(argv[0], NULL,
                         _("Run the playout daemon: air the loaded schedule on every line."),
                         entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 1) {
    loa_command_error(_("run takes no arguments besides its options"));
    return LOA_EXIT_USAGE;
  }
  if (seconds < 0 || (seconds > 0 && until != NULL)) {
    loa_command_error(_("give either --for SECONDS (> 0) or --until TIME"));
    return LOA_EXIT_USAGE;
  }

  g_autoptr(GError) error = NULL;
  gint64 stop_at = 0;
  if (seconds > 0)
    stop_at = loa_time_now_wall_ns() + (gint64)seconds * LOA_NS_PER_SECOND;
  else if (until != NULL && !loa_time_parse_user(ctx->config->timezone, until, &stop_at, &error)) {
    loa_command_error("--until: %s", error->message);
    return LOA_EXIT_USAGE;
  }

  /* glibc gives each thread that allocates its own arena (up to 8 per core)
   * and keeps their free memory: in a 20-minute soak the streaming threads
   * grew the daemon's resident memory by 7 MB, four fifths of it free space
   * in those arenas (bench/README, "daemon soak"); with two it grew 1.6 MB.
   * Set before any thread exists; the environment's MALLOC_ARENA_MAX wins. */
  if (g_getenv("MALLOC_ARENA_MAX") == NULL)
    mallopt(M_ARENA_MAX, 2);
  g_autoptr(LoaDaemon) daemon = loa_daemon_new(ctx->config, ctx->db, &error);
  if (daemon == NULL || !loa_daemon_run(daemon, stop_at, &error)) {
    loa_command_error("%s", error->message);
    return LOA_EXIT_PROBLEM;
  }
  return LOA_EXIT_OK;
}
