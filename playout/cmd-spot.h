/* `loa spot`: what its command files share. cmd-spot.c has add, list, show
 * and the dispatch; cmd-spot-review.c approve, retire, edit; cmd-spot-watch.c
 * the drop folder; cmd-spot-say.c spoken bulletins from text; cmd-spot-render.c
 * air copies for spots added without one. */
#pragma once

#include "commands.h"
#include "ingest.h"
#include "table.h"

/* Subcommand handlers (argv[0] is the subcommand's name). */
int loa_cmd_spot_approve(LoaContext *ctx, int argc, char **argv);
int loa_cmd_spot_retire(LoaContext *ctx, int argc, char **argv);
int loa_cmd_spot_edit(LoaContext *ctx, int argc, char **argv);
int loa_cmd_spot_watch(LoaContext *ctx, int argc, char **argv);
int loa_cmd_spot_say(LoaContext *ctx, int argc, char **argv);
int loa_cmd_spot_render(LoaContext *ctx, int argc, char **argv);

/* The exit code for a failed audio-library call: LOA_EXIT_USAGE when the
 * input is at fault (bad file, bad metadata, wrong status), else LOA_EXIT_PROBLEM. */
int loa_cmd_spot_exit_code(const GError *error);

/* The metadata options `spot add` and `spot say` share (--id, --title,
 * --category, --topic, --supplier, --language, --notes, --tags,
 * --valid-from, --valid-until), as the option parser fills them. */
typedef struct {
  char *id, *title, *category, *topic, *supplier, *language, *notes, *tags;
  char *valid_from, *valid_until;
} LoaCmdSpotMeta;

#define LOA_CMD_SPOT_META_ENTRIES 10

void loa_cmd_spot_meta_clear(LoaCmdSpotMeta *meta);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(LoaCmdSpotMeta, loa_cmd_spot_meta_clear)

/* Fills entries[0 .. LOA_CMD_SPOT_META_ENTRIES - 1] with the options that
 * write into meta; id_help and supplier_help (N_() strings) say what the
 * default id is made from and who the supplier is. */
void loa_cmd_spot_meta_entries(LoaCmdSpotMeta *meta, const char *id_help, const char *supplier_help,
                               GOptionEntry *entries);

/* The ingest metadata the options gave (pointers into meta). */
LoaIngestMeta loa_cmd_spot_meta_ingest(const LoaCmdSpotMeta *meta);

/* Ingest options from the station configuration. */
LoaIngestOptions loa_cmd_spot_ingest_options(const LoaConfig *config);

/* Prints the two lines `loa spot add` prints for a new spot (what it is, what
 * was measured, whether it awaits approval), with seconds the time it took. */
void loa_cmd_spot_print_added(const LoaConfig *config, const LoaSpot *spot, double seconds);

/* A number with one decimal, locale-independent ("-16.0"), or fallback if
 * value is not finite. Newly allocated. */
char *loa_cmd_spot_format_db(double value, const char *fallback);
