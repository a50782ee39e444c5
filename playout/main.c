/* `loa`: parse the global options, set up what the command needs, run it,
 * tear down in reverse order. Everything else lives in the modules. */
#include "commands.h"

#include "db.h"
#include "i18n.h"
#include "log.h"

#include <gst/gst.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

/* Sorted by name. */
static const LoaCommand commands[] = {
  { "audit", loa_cmd_audit, LOA_NEEDS_NOTHING,
    N_("the city's side: register stations, import and check their bundles") },
  { "hw", loa_cmd_hw, LOA_NEEDS_GST,
    N_("the sound cards, and a test signal on one line (switched on for it)") },
  { "init", loa_cmd_init, LOA_NEEDS_CONFIG | LOA_NEEDS_DB_CREATE,
    N_("create the station database and library folder") },
  { "key", loa_cmd_key, LOA_NEEDS_CONFIG, N_("show the station's public key for the city") },
  { "lines", loa_cmd_lines, LOA_NEEDS_CONFIG, N_("list the running daemon's lines and switches") },
  { "log", loa_cmd_log, LOA_NEEDS_CONFIG | LOA_NEEDS_DB, N_("show the as-run log") },
  { "next", loa_cmd_next, LOA_NEEDS_CONFIG, N_("show the next airings (asks the daemon)") },
  { "now", loa_cmd_now, LOA_NEEDS_CONFIG, N_("show what is on air now (asks the daemon)") },
  { "plan", loa_cmd_plan, LOA_NEEDS_CONFIG | LOA_NEEDS_DB,
    N_("the airings a schedule produces, and whether a month meets its quotas") },
  { "play", loa_cmd_play, LOA_NEEDS_CONFIG,
    N_("air a spot now on some lines: urgent announcement, emergency cut-in") },
  { "reload", loa_cmd_reload, LOA_NEEDS_CONFIG,
    N_("make the daemon re-read its configuration and schedule") },
  { "report", loa_cmd_report, LOA_NEEDS_CONFIG | LOA_NEEDS_DB,
    N_("compliance report of a month or year: airings, airtime, quotas") },
  { "run", loa_cmd_run, LOA_NEEDS_CONFIG | LOA_NEEDS_DB | LOA_NEEDS_GST,
    N_("run the playout daemon") },
  { "schedule", loa_cmd_schedule, LOA_NEEDS_CONFIG | LOA_NEEDS_DB,
    N_("check, load, show and import schedules") },
  { "skip", loa_cmd_skip, LOA_NEEDS_CONFIG, N_("end what is on air on a line") },
  { "spot", loa_cmd_spot, LOA_NEEDS_CONFIG | LOA_NEEDS_DB | LOA_NEEDS_GST,
    N_("add, list and show spots in the library") },
  { "status", loa_cmd_status, LOA_NEEDS_CONFIG,
    N_("the station now: lines on air, next airings, switches, clock") },
  { "stop", loa_cmd_stop, LOA_NEEDS_CONFIG,
    N_("end what is on air on a line and cancel its waiting play-now") },
};

static void
print_usage(FILE *out)
{
  fprintf(out, _("Usage: loa [--config FILE] [--db FILE] [--verbose] COMMAND [ARGS...]\n\n"
                 "Loa plays scheduled announcements on loudspeaker lines and keeps the as-run log.\n\n"
                 "Commands:\n"));
  for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, _(commands[i].summary));
  fprintf(out, _("\nGlobal options:\n"
                 "  --config FILE  station configuration (default: $LOA_CONFIG, else %s)\n"
                 "  --db FILE      station database (overrides the configuration)\n"
                 "  --verbose      show debug messages\n"
                 "  --version      print the version\n"
                 "  --help         this text; 'loa COMMAND --help' for a command\n"),
          LOA_CONFIG_DEFAULT_PATH);
}

static int
compare_command(const void *key, const void *element)
{
  return strcmp(key, ((const LoaCommand *)element)->name);
}

/* Consumes the global options before the command name. Returns the index of
 * the command in argv, or -1 after handling --help/--version/bad usage. */
static int
parse_globals(int argc, char **argv, LoaContext *ctx, gboolean *verbose, int *exit_code)
{
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    const char *arg = argv[i];
    const char **target = NULL;
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      print_usage(stdout);
      *exit_code = loa_command_finish_output(LOA_EXIT_OK);
      return -1;
    }
    if (strcmp(arg, "--version") == 0) {
      printf("loa %s\n", LOA_VERSION);
      *exit_code = loa_command_finish_output(LOA_EXIT_OK);
      return -1;
    }
    if (strcmp(arg, "--verbose") == 0 || strcmp(arg, "-v") == 0) {
      *verbose = TRUE;
      continue;
    }
    if (strcmp(arg, "--config") == 0 || g_str_has_prefix(arg, "--config="))
      target = &ctx->config_path;
    else if (strcmp(arg, "--db") == 0 || g_str_has_prefix(arg, "--db="))
      target = &ctx->db_override;
    if (target == NULL) {
      loa_command_error(_("unknown option '%s' (see 'loa --help')"), arg);
      *exit_code = LOA_EXIT_USAGE;
      return -1;
    }
    const char *equals = strchr(arg, '=');
    if (equals != NULL)
      *target = equals + 1;
    else if (i + 1 < argc)
      *target = argv[++i];
    else {
      loa_command_error(_("option '%s' needs a file name"), arg);
      *exit_code = LOA_EXIT_USAGE;
      return -1;
    }
  }
  if (i >= argc) {
    print_usage(stderr);
    *exit_code = LOA_EXIT_USAGE;
    return -1;
  }
  return i;
}

/* Loads what the command needs. Returns an exit code, LOA_EXIT_OK to go on. */
static int
setup(LoaContext *ctx, LoaNeeds needs, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;

  /* "loa CMD --help" must work without a station config. */
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
      return LOA_EXIT_OK;

  if (needs & (LOA_NEEDS_CONFIG | LOA_NEEDS_DB | LOA_NEEDS_DB_CREATE)) {
    if (ctx->config_path == NULL)
      ctx->config_path = loa_config_default_path();
    ctx->config = loa_config_load(ctx->config_path, &error);
    if (ctx->config == NULL) {
      fprintf(stderr, "%s\n", error->message);
      return LOA_EXIT_USAGE;
    }
    for (guint i = 0; i < ctx->config->warnings->len; i++)
      fprintf(stderr, _("%s (warning)\n"), (char *)g_ptr_array_index(ctx->config->warnings, i));
    if (ctx->db_override != NULL) {
      g_free(ctx->config->database);
      ctx->config->database = g_canonicalize_filename(ctx->db_override, NULL);
      if (ctx->config->key_is_default) {
        g_autofree char *dir = g_path_get_dirname(ctx->config->database);
        g_free(ctx->config->key);
        ctx->config->key = g_build_filename(dir, "station.key", NULL);
      }
    }
  }
  if (needs & (LOA_NEEDS_DB | LOA_NEEDS_DB_CREATE)) {
    ctx->db = loa_db_open(ctx->config->database,
                          (needs & LOA_NEEDS_DB_CREATE) ? LOA_DB_OPEN_CREATE : LOA_DB_OPEN_EXISTING,
                          &error);
    if (ctx->db == NULL) {
      loa_command_error("%s", error->message);
      return LOA_EXIT_PROBLEM;
    }
  }
  if (needs & LOA_NEEDS_GST)
    gst_init(NULL, NULL);
  return LOA_EXIT_OK;
}

/* Where the catalogues are: $LOA_LOCALEDIR if set (tests); else share/locale
 * beside the folder of the binary when it exists, so an installed tree, a
 * package built with another prefix and the build tree (which keeps its .mo
 * files in BUILD/share/locale) all find theirs; else the configured LOCALEDIR. */
static char *
locale_dir(void)
{
  const char *env = g_getenv("LOA_LOCALEDIR");
  if (env != NULL && env[0] != '\0')
    return g_strdup(env);
  g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
  if (exe != NULL) {
    g_autofree char *bin = g_path_get_dirname(exe);
    g_autofree char *dir = g_build_filename(bin, "..", "share", "locale", NULL);
    g_autofree char *mo = g_build_filename(dir, "vi", "LC_MESSAGES", LOA_GETTEXT_PACKAGE ".mo", NULL);
    if (g_file_test(mo, G_FILE_TEST_IS_REGULAR))
      return g_canonicalize_filename(dir, NULL);
  }
  return g_strdup(LOCALEDIR);
}

int
main(int argc, char **argv)
{
  LoaContext ctx = { .program = argv[0] };
  gboolean verbose = FALSE;
  int exit_code = LOA_EXIT_OK;

  setlocale(LC_ALL, "");
  g_autofree char *localedir = locale_dir();
  bindtextdomain(LOA_GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset(LOA_GETTEXT_PACKAGE, "UTF-8");

  int first = parse_globals(argc, argv, &ctx, &verbose, &exit_code);
  if (first < 0)
    return exit_code;
  loa_log_init(verbose);

  const LoaCommand *command = bsearch(argv[first], commands, G_N_ELEMENTS(commands),
                                      sizeof(commands[0]), compare_command);
  if (command == NULL) {
    loa_command_error(_("unknown command '%s' (see 'loa --help')"), argv[first]);
    return LOA_EXIT_USAGE;
  }

  exit_code = setup(&ctx, command->needs, argc - first, argv + first);
  if (exit_code == LOA_EXIT_OK)
    exit_code = command->run(&ctx, argc - first, argv + first);

  loa_db_close(ctx.db);
  loa_config_free(ctx.config);
  if (command->needs & LOA_NEEDS_GST)
    gst_deinit();
  return exit_code;
}
