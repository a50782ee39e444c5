/* `loa spot approve | retire | edit`: the review of spots after ingest.
 * Each change is one transaction with its row in the spot's review trail
 * (spot.h); this file parses arguments and prints. */
#include "cmd-spot.h"

#include "i18n.h"
#include "spot.h"

#include <stdio.h>

/* Parses the common shape "SUBCOMMAND ID [--by NAME]". Returns FALSE with
 * *exit_code set when the command must stop. */
static gboolean
parse_id_by(int *argc, char ***argv, const char *summary, char **by, int *exit_code)
{
  const GOptionEntry entries[] = {
    { "by", 0, 0, G_OPTION_ARG_STRING, by, N_("who decides (default: your user name)"),
      N_("NAME") },
    { NULL },
  };
  if (!loa_command_parse((*argv)[0], _("ID"), summary, entries, argc, argv, exit_code))
    return FALSE;
  if (*argc != 2) {
    loa_command_error(_("%s: give exactly one spot ID (see 'loa spot %s --help')"), (*argv)[0],
                      (*argv)[0]);
    *exit_code = LOA_EXIT_USAGE;
    return FALSE;
  }
  if (*by == NULL)
    *by = g_strdup(g_get_user_name());
  return TRUE;
}

/* Reports a failed change and returns its exit code. */
static int
failed(const GError *error)
{
  loa_command_error("%s", error->message);
  if (g_error_matches(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_FOUND))
    return LOA_EXIT_PROBLEM;
  return loa_cmd_spot_exit_code(error);
}

int
loa_cmd_spot_approve(LoaContext *ctx, int argc, char **argv)
{
  g_autofree char *by = NULL;
  g_autoptr(GError) error = NULL;
  int exit_code;

  if (!parse_id_by(&argc, &argv,
                   _("Approves a spot so that it can air: checks that its library file is\n"
                     "exactly the one that was added, and records who approved it and when."),
                   &by, &exit_code))
    return exit_code;
  if (!loa_spot_approve(ctx->db, ctx->config->library, argv[1], by, &error))
    return failed(error);
  printf(_("Approved spot %s (by %s)\n"), argv[1], by);
  return loa_command_finish_output(LOA_EXIT_OK);
}

int
loa_cmd_spot_retire(LoaContext *ctx, int argc, char **argv)
{
  g_autofree char *by = NULL;
  g_autoptr(GError) error = NULL;
  int exit_code;

  if (!parse_id_by(&argc, &argv,
                   _("Retires a spot: it never airs again (unless approved anew).\n"
                     "Its file and its history stay in the library."),
                   &by, &exit_code))
    return exit_code;
  if (!loa_spot_retire(ctx->db, argv[1], by, &error))
    return failed(error);
  printf(_("Retired spot %s (by %s)\n"), argv[1], by);
  return loa_command_finish_output(LOA_EXIT_OK);
}

int
loa_cmd_spot_edit(LoaContext *ctx, int argc, char **argv)
{
  g_autofree char *title = NULL, *category = NULL, *topic = NULL, *language = NULL;
  g_autofree char *supplier = NULL, *notes = NULL, *valid_from = NULL, *valid_until = NULL;
  g_autofree char *tags = NULL, *by = NULL;
  const GOptionEntry entries[] = {
    { "title", 0, 0, G_OPTION_ARG_STRING, &title, N_("its title"), N_("TEXT") },
    { "category", 0, 0, G_OPTION_ARG_STRING, &category,
      N_("article, news, report, announcement or other"), N_("CATEGORY") },
    { "topic", 0, 0, G_OPTION_ARG_STRING, &topic, N_("its topic, e.g. attt"), N_("TOPIC") },
    { "language", 0, 0, G_OPTION_ARG_STRING, &language, N_("its language, e.g. vi"),
      N_("LANGUAGE") },
    { "supplier", 0, 0, G_OPTION_ARG_STRING, &supplier, N_("who supplied the file"), N_("NAME") },
    { "notes", 0, 0, G_OPTION_ARG_STRING, &notes, N_("free notes"), N_("TEXT") },
    { "valid-from", 0, 0, G_OPTION_ARG_STRING, &valid_from,
      N_("first day it may air (\"\" for no limit)"), N_("YYYY-MM-DD") },
    { "valid-until", 0, 0, G_OPTION_ARG_STRING, &valid_until,
      N_("last day it may air (\"\" for no limit)"), N_("YYYY-MM-DD") },
    { "tags", 0, 0, G_OPTION_ARG_STRING, &tags, N_("comma-separated tags (replace the old ones)"),
      N_("TAGS") },
    { "by", 0, 0, G_OPTION_ARG_STRING, &by, N_("who edits (default: your user name)"),
      N_("NAME") },
    { NULL },
  };
  g_autoptr(GError) error = NULL;
  int exit_code;

  if (!loa_command_parse(argv[0], _("ID"),
                         _("Changes a spot's metadata. Its file and SHA-256 never change:\n"
                           "a new recording is a new spot (loa spot add)."),
                         entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2) {
    loa_command_error(_("%s: give exactly one spot ID (see 'loa spot %s --help')"), argv[0],
                      argv[0]);
    return LOA_EXIT_USAGE;
  }
  const LoaSpotEdit edit = {
    .title = title, .category = category, .topic = topic, .language = language,
    .supplier = supplier, .notes = notes, .valid_from = valid_from, .valid_until = valid_until,
    .tags = tags,
  };
  if (!loa_spot_edit(ctx->db, argv[1], &edit, by != NULL ? by : g_get_user_name(), &error))
    return failed(error);
  printf(_("Updated spot %s\n"), argv[1]);
  return loa_command_finish_output(LOA_EXIT_OK);
}
