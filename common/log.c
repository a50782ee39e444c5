/* The program's single log writer (see log.h). */
#include "log.h"

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  gboolean journald;  /* prefix lines with <priority> */
  gboolean verbose;   /* show debug */
} LogState;

/* The writer needs its settings for the program's lifetime; GLib keeps the
 * user data pointer, so it lives in static storage set once at startup. */
static LogState log_state;

static int
syslog_priority(GLogLevelFlags level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return 2;
  if (level & G_LOG_LEVEL_CRITICAL)
    return 3;
  if (level & G_LOG_LEVEL_WARNING)
    return 4;
  if (level & G_LOG_LEVEL_MESSAGE)
    return 5;
  if (level & G_LOG_LEVEL_INFO)
    return 6;
  return 7;
}

static const char *
level_name(GLogLevelFlags level)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    return "error";
  if (level & G_LOG_LEVEL_WARNING)
    return "warning";
  if (level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO))
    return NULL;
  return "debug";
}

static GLogWriterOutput
write_log(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  LogState *state = user_data;
  const char *message = NULL, *domain = NULL;

  if ((level & G_LOG_LEVEL_DEBUG) && !state->verbose)
    return G_LOG_WRITER_HANDLED;
  for (gsize i = 0; i < n_fields; i++) {
    if (g_strcmp0(fields[i].key, "MESSAGE") == 0)
      message = fields[i].value;
    else if (g_strcmp0(fields[i].key, "GLIB_DOMAIN") == 0)
      domain = fields[i].value;
  }
  if (message == NULL)
    return G_LOG_WRITER_UNHANDLED;
  /* GStreamer and GLib's own domains are debug detail unless they are errors. */
  GString *line = g_string_new(NULL);
  if (state->journald)
    g_string_append_printf(line, "<%d>", syslog_priority(level));
  else {
    g_string_append(line, "loa");
    if (domain != NULL && g_str_has_prefix(domain, "loa-"))
      g_string_append_printf(line, "[%s]", domain + 4);
    g_string_append(line, ": ");
    const char *name = level_name(level);
    if (name != NULL)
      g_string_append_printf(line, "%s: ", name);
  }
  g_string_append(line, message);
  g_string_append_c(line, '\n');
  fputs(line->str, stderr);
  fflush(stderr);
  g_string_free(line, TRUE);
  return G_LOG_WRITER_HANDLED;
}

/* systemd sets JOURNAL_STREAM to "DEVICE:INODE" of the stream it connected to
 * stderr. The variable is inherited by children whose stderr may be something
 * else (a shell started from the unit, a redirect), so only a matching stderr
 * counts, as sd_journal_stream_fd(3) recommends. */
static gboolean
stderr_is_journal(void)
{
  const char *stream = g_getenv("JOURNAL_STREAM");
  if (stream == NULL)
    return FALSE;
  guint64 device = 0, inode = 0;
  char *end = NULL;
  device = g_ascii_strtoull(stream, &end, 10);
  if (end == stream || *end != ':')
    return FALSE;
  const char *rest = end + 1;
  inode = g_ascii_strtoull(rest, &end, 10);
  if (end == rest || *end != '\0')
    return FALSE;
  struct stat st;
  if (fstat(STDERR_FILENO, &st) < 0)
    return FALSE;
  return (guint64)st.st_dev == device && (guint64)st.st_ino == inode;
}

void
loa_log_init(gboolean verbose)
{
  log_state.journald = stderr_is_journal();
  log_state.verbose = verbose || g_getenv("G_MESSAGES_DEBUG") != NULL;
  g_log_set_writer_func(write_log, &log_state, NULL);
}
