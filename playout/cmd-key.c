/* `loa key show`: the station's public key and its fingerprint, for the city
 * to register (`loa audit station add ID --key PUBLIC-KEY`). `loa key rotate`:
 * replaces the key with a new pair and writes the key-change statement, signed
 * by the old key, that the city registers the new one from
 * (`loa audit station key ID --statement FILE`). */
#include "commands.h"

#include "db.h"
#include "i18n.h"
#include "loa-time.h"
#include "station-key.h"
#include "table.h"

#include <stdio.h>

static int
key_show(LoaContext *ctx, int argc, char **argv)
{
  g_autofree char *format_text = NULL;
  const GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_text, N_("table (default), json or csv"),
      N_("FORMAT") },
    { NULL },
  };
  int exit_code;
  if (!loa_command_parse(argv[0], NULL,
                         _("Show the station's public key and its fingerprint, for the city to "
                           "register."),
                         entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 1) {
    loa_command_error(_("unexpected argument '%s'"), argv[1]);
    return LOA_EXIT_USAGE;
  }
  g_autoptr(GError) error = NULL;
  LoaTableFormat format = LOA_TABLE_FORMAT_TABLE;
  if (format_text != NULL && !loa_table_format_parse(format_text, &format, &error)) {
    loa_command_error("%s", error->message);
    return LOA_EXIT_USAGE;
  }

  g_autoptr(LoaStationKey) key = loa_station_key_load_public(ctx->config->key, &error);
  if (key == NULL) {
    loa_command_error("%s", error->message);
    return LOA_EXIT_PROBLEM;
  }
  g_autofree char *public_text = loa_station_key_public_text(key);
  g_autofree char *fingerprint = loa_station_key_fingerprint(key);

  if (format == LOA_TABLE_FORMAT_TABLE) {
    printf(_("Station:     %s (%s)\n"), ctx->config->station_id, ctx->config->station_name);
    printf(_("Public key:  %s\n"), public_text);
    printf(_("Fingerprint: %s\n"), fingerprint);
    printf(_("Key file:    %s\n"), ctx->config->key);
    printf(_("\nThe city registers it with:\n  loa audit station add %s --key %s\n"),
           ctx->config->station_id, public_text);
    return loa_command_finish_output(LOA_EXIT_OK);
  }
  if (format == LOA_TABLE_FORMAT_JSON) {
    /* One object: there is one key. */
    const char *fields[][2] = {
      { "station", ctx->config->station_id }, { "name", ctx->config->station_name },
      { "public_key", public_text },          { "fingerprint", fingerprint },
      { "file", ctx->config->key },
    };
    g_autoptr(GString) json = g_string_new("{");
    for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
      g_string_append(json, i == 0 ? "\n  " : ",\n  ");
      loa_json_append_string(json, fields[i][0]);
      g_string_append(json, ": ");
      loa_json_append_string(json, fields[i][1]);
    }
    g_string_append(json, "\n}\n");
    fputs(json->str, stdout);
    return loa_command_finish_output(LOA_EXIT_OK);
  }
  g_autoptr(LoaTable) table = loa_table_new();
  loa_table_add_column(table, "station", _("Station"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "name", _("Name"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "public_key", _("Public key"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "fingerprint", _("Fingerprint"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "file", _("Key file"), LOA_COLUMN_TEXT);
  loa_table_add_row(table);
  loa_table_set(table, 0, ctx->config->station_id);
  loa_table_set(table, 1, ctx->config->station_name);
  loa_table_set(table, 2, public_text);
  loa_table_set(table, 3, fingerprint);
  loa_table_set(table, 4, ctx->config->key);
  if (!loa_table_print(table, format, stdout))
    return loa_command_finish_output(LOA_EXIT_PROBLEM);
  return loa_command_finish_output(LOA_EXIT_OK);
}

static int
key_rotate(LoaContext *ctx, int argc, char **argv)
{
  g_autofree char *to = NULL;
  const GOptionEntry entries[] = {
    { "to", 0, 0, G_OPTION_ARG_FILENAME, &to,
      N_("write the key-change statement to FILE (default: STATION-key-change-TIME.loa-key-change "
         "in the current folder)"),
      N_("FILE") },
    { NULL },
  };
  int exit_code;
  if (!loa_command_parse(
        argv[0], NULL,
        _("Replace the station key with a new key pair. The old secret key is moved aside "
          "(KEY.old-YYYYMMDD), its public key and the time of the change are kept in the "
          "station database, and a key-change statement signed by the old key is written for "
          "the city. Bundles exported from now on are signed with the new key."),
        entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 1) {
    loa_command_error(_("unexpected argument '%s'"), argv[1]);
    return LOA_EXIT_USAGE;
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3) db = loa_db_open(ctx->config->database, LOA_DB_OPEN_EXISTING, &error);
  if (db == NULL) {
    loa_command_error("%s", error->message);
    return LOA_EXIT_PROBLEM;
  }
  gint64 now = loa_time_now_wall_ns();
  if (to == NULL) {
    g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc(now / LOA_NS_PER_SECOND);
    g_autofree char *stamp = g_date_time_format(time, "%Y%m%dT%H%M%SZ");
    to = g_strdup_printf("%s-key-change-%s" LOA_STATION_KEY_CHANGE_SUFFIX,
                         ctx->config->station_id, stamp);
  }
  g_auto(LoaStationKeyRotation) rotation = { 0 };
  if (!loa_station_key_rotate(db, ctx->config->key, to, now, &rotation, &error)) {
    loa_command_error("%s", error->message);
    return g_error_matches(error, LOA_STATION_KEY_ERROR, LOA_STATION_KEY_ERROR_EXISTS)
             ? LOA_EXIT_USAGE
             : LOA_EXIT_PROBLEM;
  }
  g_autofree char *new_text = loa_station_key_public_text(rotation.new_key);
  g_autofree char *new_fingerprint = loa_station_key_fingerprint(rotation.new_key);
  g_autofree char *old_fingerprint = loa_station_key_fingerprint(rotation.old_key);
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier(ctx->config->timezone_name);
  if (tz == NULL)
    tz = g_time_zone_new_utc();
  g_autofree char *when = loa_time_format_iso(tz, rotation.changed_at);
  printf(_("Replaced the key of station '%s' at %s\n"), ctx->config->station_id, when);
  printf(_("New public key:  %s\n"), new_text);
  printf(_("New fingerprint: %s\n"), new_fingerprint);
  printf(_("Old fingerprint: %s (its secret key is now %s)\n"), old_fingerprint,
         rotation.old_path);
  printf(_("Statement:       %s\n"), rotation.statement_path);
  printf(_("\nSend the statement to the city, which registers the new key with:\n"
           "  loa audit station key %s --statement %s\n"
           "If the old key may have leaked, the statement proves nothing: read the new "
           "fingerprint to the city by other means; it registers the key with:\n"
           "  loa audit station key %s --key %s --from DATE\n"),
         ctx->config->station_id, rotation.statement_path, ctx->config->station_id, new_text);
  if (rotation.warning != NULL)
    loa_command_error(_("warning: %s"), rotation.warning);
  return loa_command_finish_output(LOA_EXIT_OK);
}

int
loa_cmd_key(LoaContext *ctx, int argc, char **argv)
{
  static const LoaSubcommand subs[] = {
    { "rotate", key_rotate, N_("replace the key; write the key-change statement for the city") },
    { "show", key_show, N_("print the public key and its fingerprint") },
  };
  return loa_command_dispatch(ctx, "key", subs, G_N_ELEMENTS(subs), argc, argv);
}
