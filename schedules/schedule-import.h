/* Schedules kept in spreadsheets: a CSV export (a header row naming the
 * columns, UTF-8 with or without BOM, ',' or ';' between fields, quoted
 * fields as RFC 4180) becomes a schedule file, one one-off event per row.
 * Columns: date (YYYY-MM-DD or DD/MM/YYYY), time (HH:MM[:SS]), lines (line or
 * zone ids, or "all"), spots (spot ids), all required; priority, name, id,
 * start, max_length optional; lines and spots are separated by spaces, '|'
 * or '+' within their field. */
#pragma once

#include <glib.h>

#include "config.h"
#include "schedule.h"

/* Converts text (the content of file). Every bad row is added to problems
 * as "file:ROW: message", ROW being the CSV's line number; unknown columns
 * are warnings. Returns the schedule text (newly allocated, ends with a
 * newline) if no error was added, else NULL. */
char *loa_schedule_import_csv(const char *file, const char *text, const LoaConfig *config,
                              LoaProblems *problems) G_GNUC_WARN_UNUSED_RESULT;
