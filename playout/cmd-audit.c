/* `loa audit`: the city's side. Registers stations and their public keys,
 * imports the bundles they export (verifying each: signature, chain, link to
 * the previous one), lists what was imported and verifies it all again. Needs no station config:
 * the audit database is named by --audit-db FILE or $LOA_AUDIT_DB. */
#include "commands.h"

#include "audit.h"
#include "bundle.h"
#include "i18n.h"
#include "loa-time.h"
#include "station-key.h"
#include "table.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define AUDIT_DB_ENV "LOA_AUDIT_DB"

/* --audit-db as given before the subcommand; a subcommand's own option
 * overrides it. Borrowed from argv. */
static const char *audit_db_option;

#define AUDIT_DB_ENTRY(target)                                                        \
  { "audit-db", 0, 0, G_OPTION_ARG_FILENAME, (target),                                \
    N_("the audit database (default: $LOA_AUDIT_DB)"), N_("FILE") }

/* Opens the audit database named by option, --audit-db or $LOA_AUDIT_DB.
 * Prints the error and returns NULL if none is named or it cannot be opened. */
static LoaAudit *
open_audit(const char *option, gboolean create, int *exit_code)
{
  const char *path = option != NULL ? option : audit_db_option;
  if (path == NULL)
    path = g_getenv(AUDIT_DB_ENV);
  if (path == NULL || *path == '\0') {
    loa_command_error(_("which audit database? Give --audit-db FILE (or set $%s)"), AUDIT_DB_ENV);
    *exit_code = LOA_EXIT_USAGE;
    return NULL;
  }
  g_autoptr(GError) error = NULL;
  LoaAudit *audit = loa_audit_open(path, create, &error);
  if (audit == NULL) {
    loa_command_error("%s", error->message);
    *exit_code = g_error_matches(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_DB) ? LOA_EXIT_PROBLEM
                                                                              : LOA_EXIT_USAGE;
  }
  return audit;
}

static int
station_add(LoaContext *ctx, int argc, char **argv)
{
  g_autofree char *key_text = NULL, *name = NULL, *db = NULL;
  const GOptionEntry entries[] = {
    { "key", 0, 0, G_OPTION_ARG_STRING, &key_text,
      N_("the station's public key, as 'loa key show' prints it (required)"), N_("PUBLIC-KEY") },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("the station's name (default: its id)"),
      N_("NAME") },
    AUDIT_DB_ENTRY(&db),
    { NULL },
  };
  int exit_code;
  if (!loa_command_parse(argv[0], _("ID"),
                         _("Register a station and the public key its bundles must be signed "
                           "with."),
                         entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 2) {
    loa_command_error(_("unexpected argument '%s'"), argv[2]);
    return LOA_EXIT_USAGE;
  }
  if (argc != 2 || key_text == NULL) {
    loa_command_error(_("give the station's ID and --key PUBLIC-KEY"));
    return LOA_EXIT_USAGE;
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaStationKey) key = loa_station_key_new_from_text(key_text, &error);
  if (key == NULL) {
    loa_command_error("%s", error->message);
    return LOA_EXIT_USAGE;
  }
  g_autoptr(LoaAudit) audit = open_audit(db, TRUE, &exit_code);
  if (audit == NULL)
    return exit_code;
  if (!loa_audit_station_add(audit, argv[1], name, key, &error)) {
    loa_command_error("%s", error->message);
    return g_error_matches(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_DB) ? LOA_EXIT_PROBLEM
                                                                        : LOA_EXIT_USAGE;
  }
  g_autofree char *fingerprint = loa_station_key_fingerprint(key);
  printf(_("Registered station '%s' (%s), key fingerprint %s\n"), argv[1],
         name != NULL ? name : argv[1], fingerprint);
  return loa_command_finish_output(LOA_EXIT_OK);
}

/* Prints a station's keys, oldest first, with the times they sign. */
static void
print_keys(LoaAudit *audit, const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = loa_audit_station_keys(audit, id, &error);
  if (keys == NULL) {
    loa_command_error("%s", error->message);
    return;
  }
  g_autoptr(GTimeZone) local = g_time_zone_new_local();
  for (guint i = 0; i < keys->len; i++) {
    const LoaAuditKey *k = keys->pdata[i];
    g_autofree char *from = k->valid_from == 0 ? g_strdup(_("the start"))
                                               : loa_time_format_local(local, k->valid_from);
    if (k->valid_until == G_MAXINT64) {
      printf(_("  key %s  from %s (current; %s)\n"), k->fingerprint, from, k->how);
    } else {
      g_autofree char *until = loa_time_format_local(local, k->valid_until);
      printf(_("  key %s  from %s until %s (%s): signs bundles whose period ended before %s\n"),
             k->fingerprint, from, until, k->how, until);
    }
  }
}

static int
station_key(LoaContext *ctx, int argc, char **argv)
{
  g_autofree char *key_text = NULL, *from_text = NULL, *statement_path = NULL, *db = NULL;
  const GOptionEntry entries[] = {
    { "statement", 0, 0, G_OPTION_ARG_FILENAME, &statement_path,
      N_("the station's key-change statement ('loa key rotate' writes it), signed by its "
         "current key"),
      N_("FILE") },
    { "key", 0, 0, G_OPTION_ARG_STRING, &key_text,
      N_("the new public key, checked with the station by other means (a visit, the phone)"),
      N_("PUBLIC-KEY") },
    { "from", 0, 0, G_OPTION_ARG_STRING, &from_text,
      N_("with --key: when the new key took over, in local time (default: now); give the day "
         "the old key may have leaked"),
      N_("DATE") },
    AUDIT_DB_ENTRY(&db),
    { NULL },
  };
  int exit_code;
  if (!loa_command_parse(
        argv[0], _("ID"),
        _("Register a new key of a station that replaced its key. The key it replaces then "
          "signs only bundles whose period ended before the new key took over; bundles "
          "imported already stay valid."),
        entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 2) {
    loa_command_error(_("unexpected argument '%s'"), argv[2]);
    return LOA_EXIT_USAGE;
  }
  if (argc != 2 || (key_text == NULL) == (statement_path == NULL) ||
      (from_text != NULL && key_text == NULL)) {
    loa_command_error(_("give the station's ID and either --statement FILE, or --key PUBLIC-KEY "
                        "[--from DATE]"));
    return LOA_EXIT_USAGE;
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaStationKey) key = NULL;
  g_autoptr(LoaStationKeyChange) change = NULL;
  gint64 now = loa_time_now_wall_ns(), from = now;
  if (statement_path != NULL) {
    change = loa_station_key_change_read(statement_path, &error);
    if (change == NULL) {
      loa_command_error("%s", error->message);
      return LOA_EXIT_USAGE;
    }
  } else {
    key = loa_station_key_new_from_text(key_text, &error);
    g_autoptr(GTimeZone) local = g_time_zone_new_local();
    if (key == NULL || (from_text != NULL && !loa_time_parse_user(local, from_text, &from, &error))) {
      loa_command_error("%s", error->message);
      return LOA_EXIT_USAGE;
    }
  }
  g_autoptr(LoaAudit) audit = open_audit(db, FALSE, &exit_code);
  if (audit == NULL)
    return exit_code;
  gboolean added = change != NULL
                     ? loa_audit_station_key_add_statement(audit, argv[1], change, now, &error)
                     : loa_audit_station_key_add(audit, argv[1], key, from, now, &error);
  if (!added) {
    loa_command_error("%s", error->message);
    return g_error_matches(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_DB) ? LOA_EXIT_PROBLEM
           : g_error_matches(error, LOA_AUDIT_ERROR, LOA_AUDIT_ERROR_STATEMENT)
             ? LOA_EXIT_PROBLEM
             : LOA_EXIT_USAGE;
  }
  g_autofree char *fingerprint =
    loa_station_key_fingerprint(change != NULL ? change->new_key : key);
  printf(_("Registered key %s for station '%s'%s; its keys:\n"), fingerprint, argv[1],
         change != NULL ? _(" from its key-change statement") : "");
  print_keys(audit, argv[1]);
  return loa_command_finish_output(LOA_EXIT_OK);
}

static int
audit_station(LoaContext *ctx, int argc, char **argv)
{
  static const LoaSubcommand subs[] = {
    { "add", station_add, N_("register a station and its public key") },
    { "key", station_key, N_("register a new key of a station: --statement FILE, or --key "
                             "PUBLIC-KEY [--from DATE]") },
  };
  return loa_command_dispatch(ctx, "audit station", subs, G_N_ELEMENTS(subs), argc, argv);
}

/* A bundle read for import, with the file it came from. */
typedef struct {
  const char *path;   /* borrowed from argv */
  LoaBundle *bundle;
} Candidate;

/* Consecutive bundles of a station in chain order, whatever order they were given in. */
static int
compare_candidates(gconstpointer a, gconstpointer b)
{
  const LoaBundle *x = ((const Candidate *)a)->bundle, *y = ((const Candidate *)b)->bundle;
  int by_station = strcmp(x->station_id, y->station_id);
  if (by_station != 0)
    return by_station;
  if (x->first_seq != y->first_seq)
    return x->first_seq < y->first_seq ? -1 : 1;
  return x->from < y->from ? -1 : x->from > y->from ? 1 : 0;
}

/* Files that cannot be read at all are bad input (2); bundles that fail a
 * check are a problem found (1). */
static int
rejection_code(const GError *error)
{
  if (g_error_matches(error, LOA_BUNDLE_ERROR, LOA_BUNDLE_ERROR_IO) ||
      g_error_matches(error, LOA_BUNDLE_ERROR, LOA_BUNDLE_ERROR_NOT_BUNDLE) ||
      g_error_matches(error, LOA_BUNDLE_ERROR, LOA_BUNDLE_ERROR_VERSION))
    return LOA_EXIT_USAGE;
  return LOA_EXIT_PROBLEM;
}

static int
audit_import(LoaContext *ctx, int argc, char **argv)
{
  g_autofree char *db = NULL;
  const GOptionEntry entries[] = { AUDIT_DB_ENTRY(&db), { NULL } };
  int exit_code;
  if (!loa_command_parse(argv[0], _("BUNDLE..."),
                         _("Verify station bundles and import those that hold: each is taken "
                           "whole or not at all, and a refused one is named with the reason."),
                         entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc < 2) {
    loa_command_error(_("give the bundle files to import"));
    return LOA_EXIT_USAGE;
  }
  g_autoptr(LoaAudit) audit = open_audit(db, FALSE, &exit_code);
  if (audit == NULL)
    return exit_code;

  int worst = LOA_EXIT_OK;
  guint imported = 0, refused = 0;
  g_autoptr(GArray) candidates = g_array_new(FALSE, TRUE, sizeof(Candidate));
  for (int i = 1; i < argc; i++) {
    g_autoptr(GError) error = NULL;
    Candidate candidate = { argv[i], loa_bundle_read(argv[i], &error) };
    if (candidate.bundle == NULL) {
      loa_command_error(_("refused %s: %s"), argv[i], error->message);
      worst = MAX(worst, rejection_code(error));
      refused++;
      continue;
    }
    g_array_append_val(candidates, candidate);
  }
  g_array_sort(candidates, compare_candidates);

  for (guint i = 0; i < candidates->len; i++) {
    Candidate *candidate = &g_array_index(candidates, Candidate, i);
    LoaBundle *bundle = candidate->bundle;
    g_autoptr(GError) error = NULL;
    g_auto(LoaAuditImport) result = { 0 };
    g_autofree char *source = g_path_get_basename(candidate->path);
    if (!loa_audit_import(audit, bundle, source, loa_time_now_wall_ns(), &result, &error)) {
      loa_command_error(_("refused %s (station '%s', %s): %s"), candidate->path,
                        bundle->station_id, bundle->period, error->message);
      worst = MAX(worst, rejection_code(error));
      refused++;
    } else {
      g_autofree char *rows = g_strdup_printf(
        dngettext(LOA_GETTEXT_PACKAGE, "%" PRId64 " row", "%" PRId64 " rows",
                  (unsigned long)result.rows),
        result.rows);
      printf(_("Imported %s: station '%s', %s, %s"), candidate->path, bundle->station_id,
             bundle->period, rows);
      if (result.rows > 0)
        printf(_(" (chain rows %" PRId64 "-%" PRId64 ")"), bundle->first_seq,
               bundle->last_seq);
      printf(_(", bundle #%" PRId64 "\n"), result.bundle_id);
      if (result.warning != NULL)
        printf(_("  warning: %s\n"), result.warning);
      imported++;
    }
    g_clear_pointer(&candidate->bundle, loa_bundle_free);
  }
  printf(_("%u imported, %u refused\n"), imported, refused);
  return loa_command_finish_output(worst);
}

enum {
  COL_STATION, COL_NAME, COL_FINGERPRINT, COL_BUNDLE, COL_PERIOD, COL_ROWS, COL_FIRST,
  COL_LAST, COL_HEAD, COL_IMPORTED, COL_SOURCE, COL_WARNING,
};

static int
audit_list(LoaContext *ctx, int argc, char **argv)
{
  g_autofree char *db = NULL, *format_text = NULL;
  const GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_text, N_("table (default), json or csv"),
      N_("FORMAT") },
    AUDIT_DB_ENTRY(&db),
    { NULL },
  };
  int exit_code;
  if (!loa_command_parse(argv[0], NULL,
                         _("List the registered stations and the bundles imported for each."),
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
  g_autoptr(LoaAudit) audit = open_audit(db, FALSE, &exit_code);
  if (audit == NULL)
    return exit_code;
  g_autoptr(GPtrArray) entries_found = loa_audit_list(audit, &error);
  if (entries_found == NULL) {
    loa_command_error("%s", error->message);
    return LOA_EXIT_PROBLEM;
  }

  gboolean human = format == LOA_TABLE_FORMAT_TABLE;
  g_autoptr(GTimeZone) local = g_time_zone_new_local();
  g_autoptr(LoaTable) table = loa_table_new();
  loa_table_add_column(table, "station", _("Station"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "name", _("Name"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "fingerprint", _("Key"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "bundle", _("Bundle"), LOA_COLUMN_NUMBER);
  loa_table_add_column(table, "period", _("Period"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "rows", _("Rows"), LOA_COLUMN_NUMBER);
  loa_table_add_column(table, "first_row", _("From row"), LOA_COLUMN_NUMBER);
  loa_table_add_column(table, "last_row", _("To row"), LOA_COLUMN_NUMBER);
  loa_table_add_column(table, "head_after", _("Head after"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "imported_at", _("Imported"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "source", _("File"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "warning", _("Warning"), LOA_COLUMN_TEXT);
  for (guint i = 0; i < entries_found->len; i++) {
    const LoaAuditEntry *e = entries_found->pdata[i];
    loa_table_add_row(table);
    loa_table_set(table, COL_STATION, e->station_id);
    loa_table_set(table, COL_NAME, e->station_name);
    loa_table_set(table, COL_FINGERPRINT, e->fingerprint);
    if (e->bundle_id == 0)
      continue;
    loa_table_take(table, COL_BUNDLE, g_strdup_printf("%" PRId64, e->bundle_id));
    loa_table_set(table, COL_PERIOD, e->period);
    loa_table_take(table, COL_ROWS, g_strdup_printf("%" PRId64, e->rows));
    if (e->rows > 0) {
      loa_table_take(table, COL_FIRST, g_strdup_printf("%" PRId64, e->first_seq));
      loa_table_take(table, COL_LAST, g_strdup_printf("%" PRId64, e->last_seq));
    }
    loa_table_take(table, COL_HEAD,
                   human ? g_strdup_printf("%.16s", e->head_after) : g_strdup(e->head_after));
    loa_table_take(table, COL_IMPORTED,
                   human ? loa_time_format_local(local, e->imported_at)
                         : loa_time_format_iso(local, e->imported_at));
    loa_table_set(table, COL_SOURCE, e->source);
    if (*e->warning != '\0')
      loa_table_set(table, COL_WARNING, e->warning);
  }
  loa_table_hide_in_table(table, COL_SOURCE);
  if (!loa_table_print(table, format, stdout))
    return loa_command_finish_output(LOA_EXIT_PROBLEM);
  return loa_command_finish_output(LOA_EXIT_OK);
}

static int
audit_verify(LoaContext *ctx, int argc, char **argv)
{
  g_autofree char *db = NULL;
  const GOptionEntry entries[] = { AUDIT_DB_ENTRY(&db), { NULL } };
  int exit_code;
  if (!loa_command_parse(
        argv[0], NULL,
        _("Verify everything imported again: for each station, in chain order, every bundle's "
          "rows (each hash recomputed from the database), its link to the bundle before, and "
          "its stored file (signed by a key registered for the station and valid for it, "
          "carrying exactly the rows "
          "the database has). Names the first problem.\n\n"
          "Exit status: 0 everything holds; 1 a problem was found or the database failed; "
          "2 bad usage."),
        entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 1) {
    loa_command_error(_("unexpected argument '%s'"), argv[1]);
    return LOA_EXIT_USAGE;
  }
  g_autoptr(LoaAudit) audit = open_audit(db, FALSE, &exit_code);
  if (audit == NULL)
    return exit_code;
  g_autoptr(GError) error = NULL;
  g_auto(LoaAuditVerify) result = { 0 };
  if (!loa_audit_verify(audit, &result, &error)) {
    loa_command_error("%s", error->message);
    return LOA_EXIT_PROBLEM;
  }
  if (result.problem != NULL) {
    printf(_("audit database DOES NOT VERIFY: %s\n"), result.problem);
    return loa_command_finish_output(LOA_EXIT_PROBLEM);
  }
  printf(_("audit database verified: %" PRId64 " stations, %" PRId64
           " bundles, %" PRId64 " rows\n"),
         result.stations, result.bundles, result.rows);
  if (result.unsigned_bundles > 0)
    printf(_("note: %" PRId64 " bundles were imported before their files were kept: "
             "their chains were checked, their signatures could not be checked again\n"),
           result.unsigned_bundles);
  return loa_command_finish_output(LOA_EXIT_OK);
}

/* In its own file (cmd-audit-report.c); it gets the group's --audit-db. */
static int
audit_report(LoaContext *ctx, int argc, char **argv)
{
  return loa_cmd_audit_report(ctx, audit_db_option, argc, argv);
}

int
loa_cmd_audit(LoaContext *ctx, int argc, char **argv)
{
  static const LoaSubcommand subs[] = {
    { "import", audit_import, N_("verify and import bundles exported by stations") },
    { "list", audit_list, N_("list the stations and their imported bundles") },
    { "report", audit_report, N_("the city's yearly report: every station, every month") },
    { "station", audit_station, N_("register a station: 'station add ID --key PUBLIC-KEY'; "
                                   "a new key of it: 'station key ID ...'") },
    { "verify", audit_verify, N_("verify every imported bundle again: signatures, chains, links") },
  };
  /* Options of the group itself, before the subcommand: --audit-db FILE. */
  int first = 1;
  while (first < argc) {
    const char *arg = argv[first];
    if (strcmp(arg, "--audit-db") == 0 && first + 1 < argc) {
      audit_db_option = argv[first + 1];
      first += 2;
    } else if (g_str_has_prefix(arg, "--audit-db=")) {
      audit_db_option = arg + strlen("--audit-db=");
      first++;
    } else if (strcmp(arg, "--audit-db") == 0) {
      loa_command_error(_("option '%s' needs a file name"), arg);
      return LOA_EXIT_USAGE;
    } else {
      break;
    }
  }
  g_autofree char **rest = g_new0(char *, argc - first + 2);
  rest[0] = argv[0];
  for (int i = first; i < argc; i++)
    rest[i - first + 1] = argv[i];
  return loa_command_dispatch(ctx, "audit", subs, G_N_ELEMENTS(subs), argc - first + 1, rest);
}
