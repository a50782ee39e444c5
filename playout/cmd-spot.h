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

/* Ingest options from the station configuration. */
LoaIngestOptions loa_cmd_spot_ingest_options(const LoaConfig *config);

/* Prints the two lines `loa spot add` prints for a new spot (what it is, what
 * was measured, whether it awaits approval), with seconds the time it took. */
void loa_cmd_spot_print_added(const LoaConfig *config, const LoaSpot *spot, double seconds);

/* A number with one decimal, locale-independent ("-16.0"), or fallback if
 * value is not finite. Newly allocated. */
char *loa_cmd_spot_format_db(double value, const char *fallback);
