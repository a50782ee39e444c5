/* The command switch: runs switching.command with "on LINE" or "off LINE"
 * appended, for relays Loa has no driver for. Exit status 0 means switched;
 * anything else fails the switch with the status and the program's stderr.
 * The program is killed after switching.command_timeout_ms. */
#include "switch.h"

#include "i18n.h"

#include <gio/gio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* At most this much of the program's stderr goes into the reason. */
#define REASON_STDERR_MAX 300

typedef struct {
  char **argv;        /* switching.command split into arguments */
  int timeout_ms;
} CommandState;

static gpointer
command_open(const LoaSwitchContext *context, GError **error)
{
  const LoaConfig *config = context->config;
  g_auto(GStrv) argv = NULL;
  g_autoptr(GError) local = NULL;
  if (config->switch_command == NULL ||
      !g_shell_parse_argv(config->switch_command, NULL, &argv, &local)) {
    g_set_error(error, LOA_SWITCH_ERROR, LOA_SWITCH_ERROR_SETUP,
                _("switching.command '%s' cannot be run: %s"),
                config->switch_command != NULL ? config->switch_command : "",
                local != NULL ? local->message : _("it is not set"));
    return NULL;
  }
  CommandState *state = g_new0(CommandState, 1);
  state->argv = g_steal_pointer(&argv);
  state->timeout_ms = config->switch_command_timeout_ms;
  return state;
}

static void
command_close(gpointer data)
{
  CommandState *state = data;
  if (state == NULL)
    return;
  g_strfreev(state->argv);
  g_free(state);
}

/* What one run gave, filled by the async callbacks. */
typedef struct {
  gboolean done;
  char *stderr_text;
  GError *error;
} Run;

static void
communicated(GObject *source, GAsyncResult *async_result, gpointer user_data)
{
  Run *run = user_data;
  g_subprocess_communicate_utf8_finish(G_SUBPROCESS(source), async_result, NULL,
                                       &run->stderr_text, &run->error);
  run->done = TRUE;
}

/* The program gets its own process group, so that a timeout kills what it
 * started too (a script's `sleep` would otherwise keep stderr open). */
static void
own_process_group(gpointer user_data)
{
  (void)user_data;
  setpgid(0, 0);
}

static gboolean
timed_out(gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* The last REASON_STDERR_MAX bytes of text, trimmed, on one line. */
static char *
stderr_tail(const char *text)
{
  if (text == NULL)
    return g_strdup("");
  g_autofree char *copy = g_strstrip(g_strdup(text));
  const char *start = copy;
  if (strlen(copy) > REASON_STDERR_MAX) {
    start = copy + strlen(copy) - REASON_STDERR_MAX;
    while ((*start & 0xc0) == 0x80) /* not inside a UTF-8 character */
      start++;
  }
  char *tail = g_strdup(start);
  g_strdelimit(tail, "\r\n", ' ');
  return tail;
}

static void
command_set(gpointer data, const LoaLineConfig *line, gboolean on, LoaSwitchResult *result)
{
  CommandState *state = data;
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  for (char **arg = state->argv; *arg != NULL; arg++)
    g_ptr_array_add(argv, *arg);
  g_ptr_array_add(argv, on ? "on" : "off");
  g_ptr_array_add(argv, line->id);
  g_ptr_array_add(argv, NULL);

  result->status = LOA_SWITCH_STATUS_FAILED;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(
      G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_child_setup(launcher, own_process_group, NULL, NULL);
  g_autoptr(GSubprocess) process =
      g_subprocess_launcher_spawnv(launcher, (const char *const *)argv->pdata, &error);
  if (process == NULL) {
    result->reason = g_strdup_printf(_("command '%s': %s"), state->argv[0], error->message);
    return;
  }

  /* A private main context: the caller's worker thread may have none, and
   * the timeout must not depend on anyone else's loop. */
  g_autoptr(GMainContext) context = g_main_context_new();
  g_main_context_push_thread_default(context);
  Run run = { 0 };
  gboolean expired = FALSE;
  g_subprocess_communicate_utf8_async(process, NULL, NULL, communicated, &run);
  GSource *timer = g_timeout_source_new((guint)state->timeout_ms);
  g_source_set_callback(timer, timed_out, &expired, NULL);
  g_source_attach(timer, context);
  while (!run.done && !expired)
    g_main_context_iteration(context, TRUE);
  if (!run.done) {
    const char *pid = g_subprocess_get_identifier(process);
    if (pid != NULL)
      kill(-(pid_t)strtol(pid, NULL, 10), SIGKILL);
    g_subprocess_force_exit(process);
    while (!run.done)
      g_main_context_iteration(context, TRUE);
  }
  g_source_destroy(timer);
  g_source_unref(timer);
  g_main_context_pop_thread_default(context);

  g_autofree char *stderr_text = stderr_tail(run.stderr_text);
  g_free(run.stderr_text);
  if (expired && !g_subprocess_get_if_exited(process)) {
    result->reason = g_strdup_printf(_("command '%s %s %s' did not finish within %d ms"),
                                     state->argv[0], on ? "on" : "off", line->id, state->timeout_ms);
  } else if (run.error != NULL) {
    result->reason = g_strdup_printf(_("command '%s': %s"), state->argv[0], run.error->message);
  } else if (!g_subprocess_get_if_exited(process)) {
    result->reason = g_strdup_printf(_("command '%s %s %s' was killed by signal %d%s%s"),
                                     state->argv[0], on ? "on" : "off", line->id,
                                     g_subprocess_get_term_sig(process),
                                     stderr_text[0] != '\0' ? ": " : "", stderr_text);
  } else if (g_subprocess_get_exit_status(process) != 0) {
    result->reason = g_strdup_printf(_("command '%s %s %s' exited with status %d%s%s"),
                                     state->argv[0], on ? "on" : "off", line->id,
                                     g_subprocess_get_exit_status(process),
                                     stderr_text[0] != '\0' ? ": " : "", stderr_text);
  } else {
    result->status = LOA_SWITCH_STATUS_OK;
  }
  g_clear_error(&run.error);
}

const LoaSwitchDriver loa_switch_command_driver = {
  .name = "command",
  .open = command_open,
  .set = command_set,
  .close = command_close,
};
