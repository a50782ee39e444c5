/* Logging: GLib's structured log with one writer for the whole program.
 *
 * Levels mean: g_critical — a bug or a broken invariant; g_warning — something
 * went wrong on air or in input and was handled (a spot failed, a key was
 * unknown); g_message — one line per operational event (an airing started or
 * ended, a schedule loaded); g_debug — detail for developers (G_MESSAGES_DEBUG).
 * Under systemd (JOURNAL_STREAM naming our stderr) each line carries a syslog priority prefix
 * ("<3>") so journald files it by level; otherwise it is plain text. */
#pragma once

#include <glib.h>

/* Installs the writer. verbose additionally shows g_debug messages. */
void loa_log_init(gboolean verbose);
