/* `loa init`: create the station database and the library folder. Running it
 * again on an initialised station changes nothing. */
#include "commands.h"

#include "db.h"
#include "i18n.h"
#include "loa-time.h"

#include <errno.h>
#include <stdio.h>

int
loa_cmd_init(LoaContext *ctx, int argc, char **argv)
{
  int exit_code;
  if (!loa_command_parse(argv[0], NULL, _("Create the station database and library folder."),
                         NULL, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 1) {
    loa_command_error(_("init takes no arguments"));
    return LOA_EXIT_USAGE;
  }

  if (g_mkdir_with_parents(ctx->config->library, 0755) != 0) {
    int saved = errno;
    loa_command_error(_("%s: cannot create the library folder: %s"), ctx->config->library,
                      g_strerror(saved));
    return LOA_EXIT_PROBLEM;
  }

  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3_stmt) count = NULL;
  g_autoptr(sqlite3_stmt) insert = NULL;
  if (sqlite3_prepare_v2(ctx->db, "SELECT id FROM station", -1, &count, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(ctx->db, "INSERT INTO station (id, name, created_at) VALUES (?, ?, ?)",
                         -1, &insert, NULL) != SQLITE_OK) {
    loa_db_set_error(&error, ctx->db, ctx->config->database);
    loa_command_error("%s", error->message);
    return LOA_EXIT_PROBLEM;
  }
  int rc = sqlite3_step(count);
  if (rc == SQLITE_ROW) {
    const char *existing = (const char *)sqlite3_column_text(count, 0);
    if (g_strcmp0(existing, ctx->config->station_id) != 0) {
      loa_command_error(_("%s belongs to station '%s', not '%s' (check 'database' in %s)"),
                        ctx->config->database, existing, ctx->config->station_id,
                        ctx->config_path);
      return LOA_EXIT_USAGE;
    }
    printf(_("Station '%s' is already initialised: %s\n"), existing, ctx->config->database);
    return loa_command_finish_output(LOA_EXIT_OK);
  }
  if (!loa_db_bind(insert, &error, "tti", ctx->config->station_id, ctx->config->station_name,
                   loa_time_now_wall_ns()) ||
      !loa_db_step_done(insert, &error)) {
    loa_command_error("%s", error->message);
    return LOA_EXIT_PROBLEM;
  }
  printf(_("Initialised station '%s' (%s)\n  database: %s (schema version %d)\n  library:  %s\n"),
         ctx->config->station_id, ctx->config->station_name, ctx->config->database,
         loa_db_version(ctx->db), ctx->config->library);
  return loa_command_finish_output(LOA_EXIT_OK);
}
