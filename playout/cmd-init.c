/* `loa init`: create the station database and the library folder. Running it
 * again on an initialised station changes nothing. */
#include "commands.h"

#include "db.h"
#include "i18n.h"
#include "loa-time.h"
#include "station-key.h"

#include <errno.h>
#include <stdio.h>

/* The station key: created if missing, an existing one kept untouched.
 * Returns its fingerprint (sets *created), or NULL after printing the error. */
static char *
init_station_key(LoaContext *ctx, gboolean *created)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaStationKey) key = loa_station_key_create(ctx->config->key, &error);
  *created = key != NULL;
  if (key == NULL && g_error_matches(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_EXISTS)) {
    g_clear_error(&error);
    key = loa_station_key_load_public(ctx->config->key, &error);
  }
  if (key == NULL) {
    loa_command_error("%s", error->message);
    return NULL;
  }
  return loa_station_key_fingerprint(key);
}

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
    /* A station initialised before it had keys gets one; a key is never replaced. */
    gboolean created = FALSE;
    g_autofree char *fingerprint = init_station_key(ctx, &created);
    if (fingerprint == NULL)
      return loa_command_finish_output(LOA_EXIT_PROBLEM);
    if (created)
      printf(_("Created the missing station key: %s (fingerprint %s)\n"), ctx->config->key,
             fingerprint);
    return loa_command_finish_output(LOA_EXIT_OK);
  }
  if (!loa_db_bind(insert, &error, "tti", ctx->config->station_id, ctx->config->station_name,
                   loa_time_now_wall_ns()) ||
      !loa_db_step_done(insert, &error)) {
    loa_command_error("%s", error->message);
    return LOA_EXIT_PROBLEM;
  }
  gboolean created = FALSE;
  g_autofree char *fingerprint = init_station_key(ctx, &created);
  if (fingerprint == NULL)
    return LOA_EXIT_PROBLEM;
  printf(_("Initialised station '%s' (%s)\n  database: %s (schema version %d)\n  library:  %s\n"),
         ctx->config->station_id, ctx->config->station_name, ctx->config->database,
         loa_db_version(ctx->db), ctx->config->library);
  printf(created ? _("  key:      %s (fingerprint %s)\n")
                 : _("  key:      %s (fingerprint %s, kept: it was there already)\n"),
         ctx->config->key, fingerprint);
  return loa_command_finish_output(LOA_EXIT_OK);
}
