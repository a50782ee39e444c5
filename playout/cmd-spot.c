/* `loa spot`: add a file to the library, list the library, show one spot.
 * The work is done by audio-library/ (ingest.h, spot.h); this file parses
 * arguments, maps errors to exit codes and prints. The other subcommands
 * live in cmd-spot-*.c (see cmd-spot.h). */
#include "cmd-spot.h"

#include "i18n.h"
#include "ingest.h"
#include "loa-time.h"
#include "spot.h"
#include "spot-airable.h"
#include "table.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Bad input is the user's to fix (exit 2); anything else is the system's (1). */
int
loa_cmd_spot_exit_code(const GError *error)
{
  if (error->domain == LOA_SPOT_ERROR) {
    switch ((LoaSpotError)error->code) {
    case LOA_SPOT_ERROR_INVALID:
    case LOA_SPOT_ERROR_EXISTS:
    case LOA_SPOT_ERROR_NOT_AUDIO:
    case LOA_SPOT_ERROR_IO:
    case LOA_SPOT_ERROR_STATE:
      return LOA_EXIT_USAGE;
    case LOA_SPOT_ERROR_NOT_FOUND:
    case LOA_SPOT_ERROR_DB:
    case LOA_SPOT_ERROR_SYSTEM:
      break;
    }
  }
  return LOA_EXIT_PROBLEM;
}

/* Durations are printed with integer arithmetic: printf("%f") would follow
 * LC_NUMERIC and write "1,500" in a Vietnamese locale, which is not JSON. */

/* "m:ss.mmm", newly allocated. */
static char *
format_duration_ms(gint64 ns)
{
  gint64 ms = (ns + 500000) / 1000000;
  return g_strdup_printf("%" PRId64 ":%02d.%03d", ms / 60000, (int)(ms / 1000 % 60),
                         (int)(ms % 1000));
}

/* "m:ss", rounded to the second, newly allocated. */
static char *
format_duration_short(gint64 ns)
{
  gint64 s = (ns + 500000000) / 1000000000;
  return g_strdup_printf("%" PRId64 ":%02d", s / 60, (int)(s % 60));
}

/* Seconds with three decimals as a JSON number ("12.345"), newly allocated. */
static char *
format_seconds(gint64 ns)
{
  gint64 ms = (ns + 500000) / 1000000;
  return g_strdup_printf("%" PRId64 ".%03d", ms / 1000, (int)(ms % 1000));
}

char *
loa_cmd_spot_format_db(double value, const char *fallback)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  if (!isfinite(value))
    return g_strdup(fallback);
  /* -0.04 would print as "-0.0". */
  if (fabs(value) < 0.05)
    value = 0.0;
  return g_strdup(g_ascii_formatd(buffer, sizeof(buffer), "%.1f", value));
}

LoaIngestOptions
loa_cmd_spot_ingest_options(const LoaConfig *config)
{
  LoaIngestOptions options = {
    .silence_db = config->cue_silence_db,
    .approve = !config->require_approval,
    .no_air_copy = !config->air_copies,
  };
  return options;
}

void
loa_cmd_spot_print_added(const LoaConfig *config, const LoaSpot *spot, double seconds)
{
  g_autofree char *duration = format_duration_ms(spot->duration_ns);
  g_autofree char *lufs = loa_cmd_spot_format_db(spot->loudness_lufs, "?");
  g_autofree char *peak = loa_cmd_spot_format_db(spot->true_peak_dbtp, "?");
  g_autofree char *cue_in = format_duration_ms(spot->cue_in_ns);
  g_autofree char *cue_out = format_duration_ms(spot->cue_out_ns);
  g_autofree char *took = loa_cmd_spot_format_db(seconds, "?");
  printf(_("Added spot %s: %s (%s, %s, %d Hz, %d ch)\n"), spot->id,
         spot->title[0] != '\0' ? spot->title : spot->original_name, duration, spot->codec,
         spot->sample_rate, spot->channels);
  printf(_("  %s LUFS, true peak %s dBTP, airs %s to %s; %s; ingested in %s s\n"), lufs, peak,
         cue_in, cue_out,
         g_strcmp0(spot->status, "approved") == 0
           ? _("approved")
           : _("submitted: it airs once approved (loa spot approve ID --by NAME)"),
         took);
}

/* Parses --format; on failure prints the error and returns FALSE. */
static gboolean
parse_format(const char *command, const char *text, LoaTableFormat *format)
{
  g_autoptr(GError) error = NULL;
  *format = LOA_TABLE_FORMAT_TABLE;
  if (text != NULL && !loa_table_format_parse(text, format, &error)) {
    loa_command_error("%s: %s", command, error->message);
    return FALSE;
  }
  return TRUE;
}

/* Ends a command that printed: reports a failed write as a problem. */
static int
finish_printing(gboolean written)
{
  int exit_code = loa_command_finish_output(LOA_EXIT_OK);
  if (!written && exit_code == LOA_EXIT_OK) {
    loa_command_error(_("cannot write the output"));
    exit_code = LOA_EXIT_PROBLEM;
  }
  return exit_code;
}

void
loa_cmd_spot_meta_clear(LoaCmdSpotMeta *meta)
{
  char **fields[] = { &meta->id, &meta->title, &meta->category, &meta->topic, &meta->supplier,
                      &meta->language, &meta->notes, &meta->tags, &meta->valid_from,
                      &meta->valid_until };
  for (size_t i = 0; i < G_N_ELEMENTS(fields); i++)
    g_clear_pointer(fields[i], g_free);
}

void
loa_cmd_spot_meta_entries(LoaCmdSpotMeta *meta, const char *id_help, const char *supplier_help,
                          GOptionEntry *entries)
{
  const GOptionEntry meta_entries[LOA_CMD_SPOT_META_ENTRIES] = {
    { "id", 0, 0, G_OPTION_ARG_STRING, &meta->id, id_help, N_("ID") },
    { "title", 0, 0, G_OPTION_ARG_STRING, &meta->title, N_("its title"), N_("TEXT") },
    { "category", 0, 0, G_OPTION_ARG_STRING, &meta->category,
      N_("article, news, report, announcement or other (default: other)"), N_("CATEGORY") },
    { "topic", 0, 0, G_OPTION_ARG_STRING, &meta->topic, N_("its topic, e.g. attt"), N_("TOPIC") },
    { "supplier", 0, 0, G_OPTION_ARG_STRING, &meta->supplier, supplier_help, N_("NAME") },
    { "language", 0, 0, G_OPTION_ARG_STRING, &meta->language, N_("its language (default: vi)"),
      N_("LANGUAGE") },
    { "notes", 0, 0, G_OPTION_ARG_STRING, &meta->notes, N_("free notes"), N_("TEXT") },
    { "tags", 0, 0, G_OPTION_ARG_STRING, &meta->tags, N_("comma-separated tags"), N_("TAGS") },
    { "valid-from", 0, 0, G_OPTION_ARG_STRING, &meta->valid_from, N_("first day it may air"),
      N_("YYYY-MM-DD") },
    { "valid-until", 0, 0, G_OPTION_ARG_STRING, &meta->valid_until, N_("last day it may air"),
      N_("YYYY-MM-DD") },
  };
  memcpy(entries, meta_entries, sizeof(meta_entries));
}

LoaIngestMeta
loa_cmd_spot_meta_ingest(const LoaCmdSpotMeta *meta)
{
  return (LoaIngestMeta){
    .id = meta->id, .title = meta->title, .category = meta->category, .topic = meta->topic,
    .language = meta->language, .supplier = meta->supplier, .notes = meta->notes,
    .tags = meta->tags, .valid_from = meta->valid_from, .valid_until = meta->valid_until,
  };
}

static int
spot_add(LoaContext *ctx, int argc, char **argv)
{
  g_auto(LoaCmdSpotMeta) options_meta = { 0 };
  GOptionEntry entries[LOA_CMD_SPOT_META_ENTRIES + 1] = { { NULL } };
  loa_cmd_spot_meta_entries(&options_meta,
                            N_("the spot's id (default: \"S-\" and the start of the file's "
                               "SHA-256)"),
                            N_("who supplied the file"), entries);
  g_autoptr(GError) error = NULL;
  int exit_code;

  if (!loa_command_parse(argv[0], _("FILE"),
                         _("Copies an audio file into the library after checking that it "
                           "decodes completely,\nand adds it to the catalog."),
                         entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2) {
    loa_command_error(_("%s: give exactly one FILE (see 'loa %s --help')"), argv[0], argv[0]);
    return LOA_EXIT_USAGE;
  }
  const char *file = argv[1];
  const LoaIngestMeta meta = loa_cmd_spot_meta_ingest(&options_meta);
  const LoaIngestOptions options = loa_cmd_spot_ingest_options(ctx->config);
  gboolean existing = FALSE;
  gint64 started = g_get_monotonic_time();
  g_autoptr(LoaSpot) spot = loa_ingest_file(ctx->db, ctx->config->library, file, &meta, &options,
                                            &existing, &error);
  if (spot == NULL) {
    loa_command_error("%s", error->message);
    return loa_cmd_spot_exit_code(error);
  }
  if (existing) {
    loa_command_error(_("%s: already in the library as spot %s"), file, spot->id);
    return loa_command_finish_output(LOA_EXIT_OK);
  }
  loa_cmd_spot_print_added(ctx->config, spot,
                           (double)(g_get_monotonic_time() - started) / G_USEC_PER_SEC);
  return loa_command_finish_output(LOA_EXIT_OK);
}

static int
spot_list(LoaContext *ctx, int argc, char **argv)
{
  g_autofree char *format_text = NULL;
  const GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_text,
      N_("table (default), json or csv"), N_("FORMAT") },
    { NULL },
  };
  g_autoptr(GError) error = NULL;
  LoaTableFormat format;
  int exit_code;

  if (!loa_command_parse(argv[0], NULL, _("Lists the spots in the library, by id."), entries,
                         &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 1) {
    loa_command_error(_("%s: unexpected argument '%s'"), argv[0], argv[1]);
    return LOA_EXIT_USAGE;
  }
  if (!parse_format(argv[0], format_text, &format))
    return LOA_EXIT_USAGE;
  g_autoptr(GPtrArray) spots = loa_spot_list(ctx->db, &error);
  if (spots == NULL) {
    loa_command_error("%s", error->message);
    return loa_cmd_spot_exit_code(error);
  }

  enum { ID, TITLE, CATEGORY, TOPIC, DURATION, CODEC, RATE, CHANNELS, STATUS, SUPPLIER, SHA256 };
  g_autoptr(LoaTable) table = loa_table_new();
  loa_table_add_column(table, "id", _("ID"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "title", _("Title"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "category", _("Category"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "topic", _("Topic"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "duration", _("Duration"), LOA_COLUMN_NUMBER);
  loa_table_add_column(table, "codec", _("Codec"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "sample_rate", _("Rate"), LOA_COLUMN_NUMBER);
  loa_table_add_column(table, "channels", _("Channels"), LOA_COLUMN_NUMBER);
  loa_table_add_column(table, "status", _("Status"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "supplier", _("Supplier"), LOA_COLUMN_TEXT);
  loa_table_add_column(table, "sha256", _("SHA-256"), LOA_COLUMN_TEXT);
  for (guint i = 0; i < spots->len; i++) {
    const LoaSpot *spot = g_ptr_array_index(spots, i);
    gboolean human = format == LOA_TABLE_FORMAT_TABLE;
    loa_table_add_row(table);
    loa_table_set(table, ID, spot->id);
    loa_table_set(table, TITLE, spot->title);
    loa_table_set(table, CATEGORY, spot->category);
    loa_table_set(table, TOPIC, spot->topic);
    loa_table_take(table, DURATION, human ? format_duration_short(spot->duration_ns)
                                          : format_seconds(spot->duration_ns));
    loa_table_set(table, CODEC, spot->codec);
    loa_table_take(table, RATE, g_strdup_printf("%d", spot->sample_rate));
    loa_table_take(table, CHANNELS, g_strdup_printf("%d", spot->channels));
    loa_table_set(table, STATUS, spot->status);
    loa_table_set(table, SUPPLIER, spot->supplier);
    /* People compare the start of a hash; `loa spot show` has all of it. */
    loa_table_take(table, SHA256, human ? g_strndup(spot->sha256, 12) : g_strdup(spot->sha256));
  }
  return finish_printing(loa_table_print(table, format, stdout));
}

/* One line of `loa spot show`. */
typedef struct {
  const char *key;    /* JSON/CSV name */
  const char *label;  /* for people (translated) */
  char *human;        /* value for the table */
  char *machine;      /* value for JSON/CSV */
  gboolean number;    /* machine is a JSON number */
} Field;

static void
field_clear(gpointer data)
{
  Field *field = data;
  g_free(field->human);
  g_free(field->machine);
}

static void
add_field(GArray *fields, const char *key, const char *label, char *human, char *machine,
          gboolean number)
{
  Field field = { key, label, human, machine != NULL ? machine : g_strdup(human), number };
  g_array_append_val(fields, field);
}

static void
add_text(GArray *fields, const char *key, const char *label, const char *value)
{
  add_field(fields, key, label, g_strdup(value), NULL, FALSE);
}

static void
add_int(GArray *fields, const char *key, const char *label, gint64 value)
{
  add_field(fields, key, label, g_strdup_printf("%" PRId64, value), NULL, TRUE);
}

/* A level in dB: one decimal; JSON null and empty CSV when not measured. */
static void
add_db(GArray *fields, const char *key, const char *label, double value)
{
  add_field(fields, key, label, loa_cmd_spot_format_db(value, _("not measured")),
            loa_cmd_spot_format_db(value, "null"), TRUE);
}

static gboolean
print_fields(GArray *fields, LoaTableFormat format)
{
  if (format == LOA_TABLE_FORMAT_JSON) {
    g_autoptr(GString) out = g_string_new("{");
    for (guint i = 0; i < fields->len; i++) {
      const Field *field = &g_array_index(fields, Field, i);
      g_string_append(out, i == 0 ? "\n  " : ",\n  ");
      loa_json_append_string(out, field->key);
      g_string_append(out, ": ");
      if (field->number)
        g_string_append(out, field->machine);
      else
        loa_json_append_string(out, field->machine);
    }
    g_string_append(out, "\n}\n");
    return fwrite(out->str, 1, out->len, stdout) == out->len;
  }

  g_autoptr(LoaTable) table = loa_table_new();
  if (format == LOA_TABLE_FORMAT_CSV) {
    /* The same shape as `loa spot list --format csv`: a header, one row. */
    for (guint i = 0; i < fields->len; i++) {
      const Field *field = &g_array_index(fields, Field, i);
      loa_table_add_column(table, field->key, field->label,
                           field->number ? LOA_COLUMN_NUMBER : LOA_COLUMN_TEXT);
    }
    loa_table_add_row(table);
    for (guint i = 0; i < fields->len; i++) {
      const Field *field = &g_array_index(fields, Field, i);
      loa_table_set(table, i, field->number && g_strcmp0(field->machine, "null") == 0
                                ? "" : field->machine);
    }
  } else {
    loa_table_add_column(table, "field", _("Field"), LOA_COLUMN_TEXT);
    loa_table_add_column(table, "value", _("Value"), LOA_COLUMN_TEXT);
    for (guint i = 0; i < fields->len; i++) {
      const Field *field = &g_array_index(fields, Field, i);
      loa_table_add_row(table);
      loa_table_set(table, 0, field->label);
      loa_table_set(table, 1, field->human);
    }
  }
  return loa_table_print(table, format, stdout);
}

static int
spot_show(LoaContext *ctx, int argc, char **argv)
{
  g_autofree char *format_text = NULL;
  const GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_text,
      N_("table (default), json or csv"), N_("FORMAT") },
    { NULL },
  };
  g_autoptr(GError) error = NULL;
  LoaTableFormat format;
  int exit_code;

  if (!loa_command_parse(argv[0], _("ID"), _("Shows everything the catalog knows about one spot."),
                         entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2) {
    loa_command_error(_("%s: give exactly one spot ID (see 'loa %s --help')"), argv[0], argv[0]);
    return LOA_EXIT_USAGE;
  }
  if (!parse_format(argv[0], format_text, &format))
    return LOA_EXIT_USAGE;
  g_autoptr(LoaSpot) spot = loa_spot_get(ctx->db, argv[1], &error);
  if (spot == NULL) {
    loa_command_error("%s", error->message);
    return LOA_EXIT_PROBLEM;
  }

  GTimeZone *tz = ctx->config->timezone;
  g_autoptr(GArray) fields = g_array_new(FALSE, TRUE, sizeof(Field));
  g_array_set_clear_func(fields, field_clear);
  add_text(fields, "id", _("ID"), spot->id);
  add_text(fields, "title", _("Title"), spot->title);
  add_text(fields, "category", _("Category"), spot->category);
  add_text(fields, "topic", _("Topic"), spot->topic);
  add_text(fields, "language", _("Language"), spot->language);
  add_text(fields, "supplier", _("Supplier"), spot->supplier);
  add_text(fields, "status", _("Status"), spot->status);
  add_field(fields, "duration", _("Duration"), format_duration_ms(spot->duration_ns),
            format_seconds(spot->duration_ns), TRUE);
  add_int(fields, "frames", _("Frames"), spot->frames);
  add_int(fields, "sample_rate", _("Sample rate (Hz)"), spot->sample_rate);
  add_int(fields, "channels", _("Channels"), spot->channels);
  add_text(fields, "codec", _("Codec"), spot->codec);
  add_text(fields, "container", _("Container"), spot->container);
  add_int(fields, "file_size", _("File size (bytes)"), spot->file_size);
  add_text(fields, "original_name", _("Supplied as"), spot->original_name);
  add_text(fields, "file_name", _("Library file"), spot->file_name);
  add_field(fields, "path", _("Path"), loa_spot_path(spot, ctx->config->library), NULL, FALSE);
  add_text(fields, "sha256", _("SHA-256"), spot->sha256);
  /* What airs: the air copy decoded at ingest, or the library file itself. */
  add_text(fields, "air_file_name", _("Air copy"), spot->air_file_name ? spot->air_file_name : "");
  add_text(fields, "air_sha256", _("Air copy SHA-256"), spot->air_sha256 ? spot->air_sha256 : "");
  add_text(fields, "added_by", _("Added by"), spot->added_by);
  add_field(fields, "added_at", _("Added at"), loa_time_format_local(tz, spot->added_at),
            loa_time_format_iso(tz, spot->added_at), FALSE);
  add_text(fields, "tags", _("Tags"), spot->tags);
  add_text(fields, "notes", _("Notes"), spot->notes);
  add_text(fields, "valid_from", _("Valid from"), spot->valid_from ? spot->valid_from : "");
  add_text(fields, "valid_until", _("Valid until"), spot->valid_until ? spot->valid_until : "");
  add_db(fields, "loudness_lufs", _("Loudness (LUFS)"), spot->loudness_lufs);
  add_db(fields, "loudness_range_lu", _("Loudness range (LU)"), spot->loudness_range_lu);
  add_db(fields, "true_peak_dbtp", _("True peak (dBTP)"), spot->true_peak_dbtp);
  add_db(fields, "air_gain_db", _("Gain at air time (dB)"),
         isfinite(spot->loudness_lufs)
           ? loa_spot_air_gain_db(spot, ctx->config->loudness_target, ctx->config->true_peak_max)
           : NAN);
  add_field(fields, "cue_in", _("Cue in"), format_duration_ms(spot->cue_in_ns),
            format_seconds(spot->cue_in_ns), TRUE);
  add_field(fields, "cue_out", _("Cue out"), format_duration_ms(spot->cue_out_ns),
            format_seconds(spot->cue_out_ns), TRUE);
  add_text(fields, "approved_by", _("Approved by"), spot->approved_by ? spot->approved_by : "");
  add_field(fields, "approved_at", _("Approved at"),
            spot->approved_at ? loa_time_format_local(tz, spot->approved_at) : g_strdup(""),
            spot->approved_at ? loa_time_format_iso(tz, spot->approved_at) : g_strdup(""), FALSE);
  add_text(fields, "retired_by", _("Retired by"), spot->retired_by ? spot->retired_by : "");
  add_field(fields, "retired_at", _("Retired at"),
            spot->retired_at ? loa_time_format_local(tz, spot->retired_at) : g_strdup(""),
            spot->retired_at ? loa_time_format_iso(tz, spot->retired_at) : g_strdup(""), FALSE);
  if (spot->bulletin_text != NULL)
    add_text(fields, "bulletin_text", _("Bulletin text"), spot->bulletin_text);

  g_autoptr(GPtrArray) history = loa_spot_history(ctx->db, spot->id, &error);
  if (history == NULL) {
    loa_command_error("%s", error->message);
    return LOA_EXIT_PROBLEM;
  }
  g_autoptr(GString) trail = g_string_new(NULL);
  for (guint i = 0; i < history->len; i++) {
    const LoaSpotEvent *event = g_ptr_array_index(history, i);
    g_autofree char *when = loa_time_format_iso(tz, event->at);
    g_string_append_printf(trail, "%s%s %s %s %.12s%s%s", i > 0 ? "\n" : "", when,
                           event->action, event->actor, event->sha256,
                           event->detail[0] != '\0' ? " — " : "", event->detail);
  }
  add_text(fields, "history", _("History"), trail->str);
  return finish_printing(print_fields(fields, format));
}

int
loa_cmd_spot(LoaContext *ctx, int argc, char **argv)
{
  static const LoaSubcommand subcommands[] = {
    { "add", spot_add, N_("copy an audio file into the library and catalog it") },
    { "list", spot_list, N_("list the spots in the library") },
    { "show", spot_show, N_("show everything about one spot") },
    { "approve", loa_cmd_spot_approve, N_("approve a spot so that it can air") },
    { "retire", loa_cmd_spot_retire, N_("retire a spot: it never airs again") },
    { "edit", loa_cmd_spot_edit, N_("change a spot's title, category, validity... (not its file)") },
    { "watch", loa_cmd_spot_watch, N_("ingest the files that culture offices drop in a folder") },
    { "say", loa_cmd_spot_say, N_("turn a text bulletin into a spoken spot") },
    { "render", loa_cmd_spot_render, N_("make air copies for spots added without one") },
  };
  return loa_command_dispatch(ctx, "spot", subcommands, G_N_ELEMENTS(subcommands), argc, argv);
}
