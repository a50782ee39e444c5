/* Helpers shared by the command files (see commands.h). */
#include "commands.h"

#include "i18n.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void
loa_command_error(const char *format, ...)
{
  va_list args;
  va_start(args, format);
  g_autofree char *message = g_strdup_vprintf(format, args);
  va_end(args);
  fprintf(stderr, "loa: %s\n", message);
}

gboolean
loa_command_parse(const char *command, const char *parameters, const char *summary,
                  const GOptionEntry *entries, int *argc, char ***argv, int *exit_code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = g_option_context_new(parameters);
  g_autofree char *prog = g_strdup_printf("loa %s", command);

  g_set_prgname(prog);
  g_option_context_set_summary(context, summary);
  g_option_context_set_translation_domain(context, LOA_GETTEXT_PACKAGE);
  if (entries != NULL)
    g_option_context_add_main_entries(context, entries, LOA_GETTEXT_PACKAGE);
  /* GOption exits on --help itself; it prints to stdout and exits 0, which is
   * the behaviour we want, so it is left to do so. */
  if (!g_option_context_parse(context, argc, argv, &error)) {
    loa_command_error(_("%s: %s (see 'loa %s --help')"), command, error->message, command);
    *exit_code = LOA_EXIT_USAGE;
    return FALSE;
  }
  return TRUE;
}

int
loa_command_finish_output(int exit_code)
{
  if (fflush(stdout) != 0 || ferror(stdout)) {
    int saved = errno;
    fprintf(stderr, _("loa: cannot write the output: %s\n"), g_strerror(saved));
    return LOA_EXIT_PROBLEM;
  }
  return exit_code;
}

int
loa_command_dispatch(LoaContext *ctx, const char *group, const LoaSubcommand *subs, size_t n_subs,
                     int argc, char **argv)
{
  gboolean help = argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0;
  if (!help) {
    for (size_t i = 0; i < n_subs; i++)
      if (strcmp(argv[1], subs[i].name) == 0) {
        g_autofree char *name = g_strdup_printf("%s %s", group, subs[i].name);
        argv[1] = name;
        return subs[i].run(ctx, argc - 1, argv + 1);
      }
    loa_command_error(_("unknown subcommand 'loa %s %s'"), group, argv[1]);
  }
  FILE *out = help && argc >= 2 ? stdout : stderr;
  fprintf(out, _("Usage: loa %s SUBCOMMAND [ARGS...]\n\nSubcommands:\n"), group);
  for (size_t i = 0; i < n_subs; i++)
    fprintf(out, "  %-8s %s\n", subs[i].name, _(subs[i].summary));
  fprintf(out, _("\n'loa %s SUBCOMMAND --help' describes each.\n"), group);
  return help && argc >= 2 ? loa_command_finish_output(LOA_EXIT_OK) : LOA_EXIT_USAGE;
}
