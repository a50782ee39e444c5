/* The log writer: syslog priority prefixes ("<4>") only when stderr really is
 * the journal stream systemd handed us (JOURNAL_STREAM names its dev:ino), so
 * a daemon started by hand from a unit's shell still logs plain text. */
#include "log.h"

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* In the subprocess: JOURNAL_STREAM as systemd would set it for our stderr,
 * or a wrong one when match is FALSE, or none when unset is TRUE. */
static void
log_two_lines(gboolean match, gboolean unset)
{
  struct stat st;
  g_assert_cmpint(fstat(STDERR_FILENO, &st), ==, 0);
  g_autofree char *stream = g_strdup_printf("%lu:%lu", (unsigned long)st.st_dev,
                                            (unsigned long)(match ? st.st_ino : st.st_ino + 1));
  if (unset)
    g_unsetenv("JOURNAL_STREAM");
  else
    g_setenv("JOURNAL_STREAM", stream, TRUE);
  g_log_set_always_fatal(G_LOG_FATAL_MASK);
  loa_log_init(FALSE);
  g_log_structured("loa-daemon", G_LOG_LEVEL_MESSAGE, "MESSAGE", "line an-hoa: spot %s on air",
                   "attt-01");
  g_log_structured("loa-daemon", G_LOG_LEVEL_WARNING, "MESSAGE", "line an-hoa: spot %s failed",
                   "attt-02");
  g_log_structured("loa-daemon", G_LOG_LEVEL_DEBUG, "MESSAGE", "not shown");
}

static void
test_journal(void)
{
  if (g_test_subprocess()) {
    log_two_lines(TRUE, FALSE);
    return;
  }
  g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed();
  g_test_trap_assert_stderr("<5>line an-hoa: spot attt-01 on air\n"
                            "<4>line an-hoa: spot attt-02 failed\n");
}

static void
test_other_stream(void)
{
  if (g_test_subprocess()) {
    log_two_lines(FALSE, FALSE);
    return;
  }
  g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed();
  g_test_trap_assert_stderr("loa[daemon]: line an-hoa: spot attt-01 on air\n"
                            "loa[daemon]: warning: line an-hoa: spot attt-02 failed\n");
}

static void
test_terminal(void)
{
  if (g_test_subprocess()) {
    log_two_lines(FALSE, TRUE);
    return;
  }
  g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed();
  g_test_trap_assert_stderr("loa[daemon]: line an-hoa: spot attt-01 on air\n"
                            "loa[daemon]: warning: line an-hoa: spot attt-02 failed\n");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/log/journal", test_journal);
  g_test_add_func("/log/other-stream", test_other_stream);
  g_test_add_func("/log/terminal", test_terminal);
  return g_test_run();
}
