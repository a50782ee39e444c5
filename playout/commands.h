/* The `loa` command table: every command is one small file (cmd-*.c) exporting
 * one handler. main() sets up what the command's `needs` say, then calls it. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "config.h"
#include "schedule.h"

/* Exit codes, the same for every command (see ../shared/design.md). */
enum {
  LOA_EXIT_OK = 0,       /* done */
  LOA_EXIT_PROBLEM = 1,  /* the command ran and found a problem, or the system failed it */
  LOA_EXIT_USAGE = 2,    /* bad usage or bad input; nothing was changed */
};

/* What main() must prepare before the handler runs. */
typedef enum {
  LOA_NEEDS_NOTHING = 0,
  LOA_NEEDS_CONFIG = 1 << 0,    /* ctx->config loaded (warnings already printed) */
  LOA_NEEDS_DB = 1 << 1,        /* ctx->db open and migrated (implies config) */
  LOA_NEEDS_DB_CREATE = 1 << 2, /* like DB, but create the file if missing */
  LOA_NEEDS_GST = 1 << 3,       /* gst_init() done */
} LoaNeeds;

/* What a handler gets. Owned by main(); handlers borrow it. */
typedef struct {
  const char *program;     /* argv[0] for messages */
  const char *config_path; /* the config file in use */
  const char *db_override; /* --db FILE, or NULL */
  LoaConfig *config;       /* when LOA_NEEDS_CONFIG */
  sqlite3 *db;             /* when LOA_NEEDS_DB */
} LoaContext;

/* argv[0] is the command name; GOptionContext in the handler gives --help. */
typedef int (*LoaCommandFunc)(LoaContext *ctx, int argc, char **argv);

typedef struct {
  const char *name;      /* as typed: "spot", "run" */
  LoaCommandFunc run;
  LoaNeeds needs;
  const char *summary;   /* one line for `loa --help` (untranslated, N_()) */
} LoaCommand;

/* Handlers, one per file. */
int loa_cmd_init(LoaContext *ctx, int argc, char **argv);
int loa_cmd_spot(LoaContext *ctx, int argc, char **argv);
int loa_cmd_schedule(LoaContext *ctx, int argc, char **argv);
int loa_cmd_plan(LoaContext *ctx, int argc, char **argv);
int loa_cmd_run(LoaContext *ctx, int argc, char **argv);
int loa_cmd_log(LoaContext *ctx, int argc, char **argv);
int loa_cmd_log_export(LoaContext *ctx, int argc, char **argv); /* `loa log export` */
int loa_cmd_key(LoaContext *ctx, int argc, char **argv);
int loa_cmd_audit(LoaContext *ctx, int argc, char **argv);
/* `loa audit report`, called by loa_cmd_audit; audit_db: the group's --audit-db, or NULL. */
int loa_cmd_audit_report(LoaContext *ctx, const char *audit_db, int argc, char **argv);
int loa_cmd_report(LoaContext *ctx, int argc, char **argv);
int loa_cmd_hw(LoaContext *ctx, int argc, char **argv);
/* Operator commands talking to the running daemon (cmd-status.c, cmd-control.c). */
int loa_cmd_status(LoaContext *ctx, int argc, char **argv);
int loa_cmd_now(LoaContext *ctx, int argc, char **argv);
int loa_cmd_next(LoaContext *ctx, int argc, char **argv);
int loa_cmd_skip(LoaContext *ctx, int argc, char **argv);
int loa_cmd_play(LoaContext *ctx, int argc, char **argv);
int loa_cmd_stop(LoaContext *ctx, int argc, char **argv);
int loa_cmd_reload(LoaContext *ctx, int argc, char **argv);
int loa_cmd_lines(LoaContext *ctx, int argc, char **argv);

/* Helpers shared by the command files. */

/* The spot catalog as schedules/ sees it, for `schedule check` and `plan`
 * (cmd-schedule.c): loa_cmd_schedule_lookup is a LoaSpotLookupFunc whose
 * user_data is a LoaScheduleLookup; a database failure is kept in failure
 * (the first one; the caller frees it) and the spot reported unknown. */
typedef struct {
  sqlite3 *db;
  GError *failure;
} LoaScheduleLookup;
gboolean loa_cmd_schedule_lookup(const char *spot_id, LoaSpotFacts *facts, gpointer user_data);

/* Parses options with a GOptionContext named "loa <command>"; on --help prints
 * and returns FALSE with *exit_code = 0; on bad usage prints the error and
 * returns FALSE with *exit_code = LOA_EXIT_USAGE. */
gboolean loa_command_parse(const char *command, const char *parameters, const char *summary,
                           const GOptionEntry *entries, int *argc, char ***argv, int *exit_code);

/* Prints "loa: <message>" to stderr. */
void loa_command_error(const char *format, ...) G_GNUC_PRINTF(1, 2);

/* Flushes stdout and reports a failed write (full disk, closed pipe) as an error.
 * Returns exit_code, or LOA_EXIT_PROBLEM if stdout could not be written. */
int loa_command_finish_output(int exit_code);

/* A subcommand of a command group ("spot add", "schedule check"). */
typedef struct {
  const char *name;
  LoaCommandFunc run;    /* gets argv[0] = the subcommand name */
  const char *summary;   /* N_() */
} LoaSubcommand;

/* Helpers of the operator commands (cmd-control.c). */

/* Sends cmd with args (borrowed, may be NULL) to the daemon at socket_path, or
 * at the config's control_socket when NULL. Returns the result (new), or NULL
 * after printing why, with *exit_code LOA_EXIT_USAGE when the daemon found the
 * request bad and LOA_EXIT_PROBLEM otherwise (daemon away, failure). */
JsonNode *loa_command_call_daemon(LoaContext *ctx, const char *socket_path, const char *cmd,
                                  JsonObject *args, int *exit_code);
/* Prints node as indented JSON; returns loa_command_finish_output's code. */
int loa_command_print_json(JsonNode *node);
/* "18:00:00" for an ISO 8601 time of today, with the date otherwise (new). */
char *loa_command_format_time(const char *iso);
/* "1:05" or "1:02:03" for milliseconds (new). */
char *loa_command_format_duration(gint64 ms);
/* "spot — title [EMERGENCY]" for an airing object of the protocol (new). */
char *loa_command_describe_airing(JsonObject *airing);

/* Runs argv[1] from subs; "loa GROUP --help" or no subcommand lists them. */
int loa_command_dispatch(LoaContext *ctx, const char *group, const LoaSubcommand *subs,
                         size_t n_subs, int argc, char **argv);
