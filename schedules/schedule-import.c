/* CSV spreadsheets -> schedule files (see schedule-import.h). The result is
 * parsed again by loa_schedule_parse when it is checked or loaded, so this
 * module only has to name each bad row precisely; what it writes is always
 * plain one-off events the operator can read and edit. */
#include "schedule-import.h"

#include "i18n.h"
#include "loa-time.h"

#include <string.h>

/* One CSV record: its fields and the line it starts on. */
typedef struct {
  GPtrArray *fields;  /* char * */
  int line;
} Record;

static void
record_clear(gpointer data)
{
  Record *record = data;
  g_ptr_array_unref(record->fields);
}

/* Splits text into records (RFC 4180 quoting; CRLF or LF). Returns FALSE
 * with *error_line set when a quoted field is not closed. */
static gboolean
split_records(const char *text, char delimiter, GArray *records, int *error_line)
{
  const char *p = text;
  int line = 1;
  while (*p != '\0') {
    Record record = { g_ptr_array_new_with_free_func(g_free), line };
    GString *field = g_string_new(NULL);
    gboolean end_of_record = FALSE;
    while (!end_of_record) {
      if (*p == '"') {
        int quote_line = line;
        p++;
        for (;;) {
          if (*p == '\0') {
            *error_line = quote_line;
            g_string_free(field, TRUE);
            g_ptr_array_unref(record.fields);
            return FALSE;
          }
          if (*p == '"' && p[1] == '"') {
            g_string_append_c(field, '"');
            p += 2;
          } else if (*p == '"') {
            p++;
            break;
          } else {
            line += *p == '\n';
            g_string_append_c(field, *p++);
          }
        }
      }
      while (*p != '\0' && *p != delimiter && *p != '\n' && *p != '\r')
        g_string_append_c(field, *p++);
      g_ptr_array_add(record.fields, g_string_free(field, FALSE));
      field = NULL;
      if (*p == delimiter) {
        p++;
        field = g_string_new(NULL);
        continue;
      }
      if (*p == '\r')
        p++;
      if (*p == '\n') {
        p++;
        line++;
      }
      end_of_record = TRUE;
    }
    /* Blank lines separate nothing. */
    if (record.fields->len == 1 && g_strstrip((char *)g_ptr_array_index(record.fields, 0))[0] == '\0')
      g_ptr_array_unref(record.fields);
    else
      g_array_append_val(records, record);
  }
  return TRUE;
}

/* Column names, as the header may spell them. */
enum { COL_DATE, COL_TIME, COL_LINES, COL_SPOTS, COL_PRIORITY, COL_NAME, COL_ID, COL_START,
       COL_MAX_LENGTH, N_COLUMNS };
static const char *const column_names[N_COLUMNS] = {
  "date", "time", "lines", "spots", "priority", "name", "id", "start", "max_length",
};

static char *
quote(const char *text)
{
  GString *out = g_string_new("\"");
  for (const char *p = text; *p != '\0'; p++) {
    if (*p == '"' || *p == '\\')
      g_string_append_c(out, '\\');
    g_string_append_c(out, *p);
  }
  g_string_append_c(out, '"');
  return g_string_free(out, FALSE);
}

/* "a b|c+d" -> quoted list text "[ \"a\", \"b\", ... ]", or NULL if empty. */
static char *
id_list(const char *field, GPtrArray *ids)
{
  g_auto(GStrv) parts = g_regex_split_simple("[\\s|+]+", field, 0, 0);
  for (guint i = 0; parts[i] != NULL; i++)
    if (parts[i][0] != '\0')
      g_ptr_array_add(ids, g_strdup(parts[i]));
  if (ids->len == 0)
    return NULL;
  GString *out = g_string_new("[ ");
  for (guint i = 0; i < ids->len; i++) {
    g_autofree char *quoted = quote(g_ptr_array_index(ids, i));
    g_string_append_printf(out, "%s%s", i > 0 ? ", " : "", quoted);
  }
  g_string_append(out, " ]");
  return g_string_free(out, FALSE);
}

/* YYYY-MM-DD or DD/MM/YYYY (as Vietnamese spreadsheets write dates). */
static gboolean
parse_row_date(const char *text, LoaDate *date, GError **error)
{
  int day = 0, month = 0, year = 0;
  char extra = 0;
  if (sscanf(text, "%2d/%2d/%4d%c", &day, &month, &year, &extra) == 3) {
    g_autofree char *iso = g_strdup_printf("%04d-%02d-%02d", year, month, day);
    return loa_date_parse(iso, date, error);
  }
  return loa_date_parse(text, date, error);
}

static gboolean
parse_row_time(const char *text, int *seconds, GError **error)
{
  g_autofree char *full = strlen(text) == 5 ? g_strconcat(text, ":00", NULL) : g_strdup(text);
  return loa_time_of_day_parse(full, seconds, error);
}

/* Converts one data row; appends the event to out or reports why not. */
static void
convert_row(const char *file, const Record *record, const int *columns, const LoaConfig *config,
            GString *out, LoaProblems *problems)
{
  int row = record->line;
  const char *values[N_COLUMNS] = { NULL };
  for (int c = 0; c < N_COLUMNS; c++) {
    if (columns[c] < 0)
      continue;
    if ((guint)columns[c] < record->fields->len)
      values[c] = g_strstrip((char *)g_ptr_array_index(record->fields, columns[c]));
    else
      values[c] = "";
  }
  guint errors_before = problems->errors;
  for (int c = COL_DATE; c <= COL_SPOTS; c++)
    if (values[c][0] == '\0')
      loa_problems_add(problems, file, row, FALSE, _("row %d: the '%s' column is empty"), row,
                       column_names[c]);
  if (problems->errors > errors_before)
    return;

  LoaDate date;
  int seconds = 0;
  g_autoptr(GError) error = NULL;
  if (!parse_row_date(values[COL_DATE], &date, &error))
    loa_problems_add(problems, file, row, FALSE, _("row %d: date: %s"), row, error->message);
  g_clear_error(&error);
  if (!parse_row_time(values[COL_TIME], &seconds, &error))
    loa_problems_add(problems, file, row, FALSE, _("row %d: time: %s"), row, error->message);

  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *lines_text = id_list(values[COL_LINES], lines);
  for (guint i = 0; i < lines->len; i++) {
    const char *id = g_ptr_array_index(lines, i);
    if (strcmp(id, "all") != 0 && loa_config_find_line(config, id) == NULL &&
        loa_config_find_zone(config, id) == NULL)
      loa_problems_add(problems, file, row, FALSE, _("row %d: unknown line or zone '%s'"), row, id);
  }
  g_autoptr(GPtrArray) spots = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *spots_text = id_list(values[COL_SPOTS], spots);
  for (guint i = 0; i < spots->len; i++)
    if (!loa_config_id_is_valid(g_ptr_array_index(spots, i)))
      loa_problems_add(problems, file, row, FALSE,
                       _("row %d: '%s' is not a valid spot id (letters, digits, '.', '_' or '-')"),
                       row, (const char *)g_ptr_array_index(spots, i));
  if (lines_text == NULL || spots_text == NULL)
    loa_problems_add(problems, file, row, FALSE, _("row %d: no %s"), row,
                     lines_text == NULL ? "lines" : "spots");
  const char *priority = values[COL_PRIORITY] != NULL && values[COL_PRIORITY][0] != '\0'
                             ? values[COL_PRIORITY]
                             : NULL;
  if (priority != NULL && strcmp(priority, "normal") != 0 && strcmp(priority, "priority") != 0 &&
      strcmp(priority, "emergency") != 0)
    loa_problems_add(problems, file, row, FALSE,
                     _("row %d: priority '%s' is not normal, priority or emergency"), row,
                     priority);
  const char *start = values[COL_START] != NULL && values[COL_START][0] != '\0' ? values[COL_START]
                                                                                : NULL;
  if (start != NULL && strcmp(start, "hard") != 0 && strcmp(start, "soft") != 0)
    loa_problems_add(problems, file, row, FALSE, _("row %d: start '%s' is not hard or soft"), row,
                     start);
  if (problems->errors > errors_before)
    return;

  g_string_append_printf(out, "  # row %d\n  { at = \"%04d-%02d-%02d %02d:%02d:%02d\"; lines = %s;\n"
                              "    play = %s;",
                         row, date.year, date.month, date.day, seconds / 3600, seconds / 60 % 60,
                         seconds % 60, lines_text, spots_text);
  if (priority != NULL)
    g_string_append_printf(out, " priority = \"%s\";", priority);
  if (start != NULL)
    g_string_append_printf(out, " start = \"%s\";", start);
  const char *optional[] = { [COL_NAME] = "name", [COL_ID] = "id", [COL_MAX_LENGTH] = "max_length" };
  for (int c = COL_NAME; c <= COL_MAX_LENGTH; c++) {
    if (c == COL_START || values[c] == NULL || values[c][0] == '\0')
      continue;
    g_autofree char *quoted = quote(values[c]);
    g_string_append_printf(out, " %s = %s;", optional[c], quoted);
  }
  g_string_append(out, " },\n");
}

char *
loa_schedule_import_csv(const char *file, const char *text, const LoaConfig *config,
                        LoaProblems *problems)
{
  guint errors_before = problems->errors;
  if (g_str_has_prefix(text, "\xEF\xBB\xBF"))
    text += 3;
  const char *bad = NULL;
  if (!g_utf8_validate(text, -1, &bad)) {
    int line = 1;
    for (const char *p = text; p < bad; p++)
      line += *p == '\n';
    loa_problems_add(problems, file, line, FALSE,
                     _("the file is not UTF-8 text (save the spreadsheet as \"CSV UTF-8\")"));
    return NULL;
  }
  /* The header decides the delimiter: whichever of ';' and ',' it has more of. */
  const char *header_end = strchr(text, '\n');
  gsize header_length = header_end != NULL ? (gsize)(header_end - text) : strlen(text);
  guint commas = 0, semicolons = 0;
  for (gsize i = 0; i < header_length; i++) {
    commas += text[i] == ',';
    semicolons += text[i] == ';';
  }
  char delimiter = semicolons > commas ? ';' : ',';

  g_autoptr(GArray) records = g_array_new(FALSE, FALSE, sizeof(Record));
  g_array_set_clear_func(records, record_clear);
  int error_line = 0;
  if (!split_records(text, delimiter, records, &error_line)) {
    loa_problems_add(problems, file, error_line,
                     FALSE, _("a quoted field that starts here is never closed"));
    return NULL;
  }
  if (records->len == 0) {
    loa_problems_add(problems, file, 1, FALSE,
                     _("the file is empty; it needs a header: date,time,lines,spots,priority"));
    return NULL;
  }

  const Record *header = &g_array_index(records, Record, 0);
  int columns[N_COLUMNS];
  for (int c = 0; c < N_COLUMNS; c++)
    columns[c] = -1;
  for (guint f = 0; f < header->fields->len; f++) {
    g_autofree char *name = g_ascii_strdown(g_strstrip((char *)g_ptr_array_index(header->fields, f)), -1);
    int c = 0;
    while (c < N_COLUMNS && strcmp(name, column_names[c]) != 0)
      c++;
    if (c == N_COLUMNS)
      loa_problems_add(problems, file, header->line, TRUE, _("unknown column '%s' (ignored)"), name);
    else if (columns[c] >= 0)
      loa_problems_add(problems, file, header->line, FALSE, _("column '%s' appears twice"), name);
    else
      columns[c] = (int)f;
  }
  for (int c = COL_DATE; c <= COL_SPOTS; c++)
    if (columns[c] < 0)
      loa_problems_add(problems, file, header->line, FALSE,
                       _("the header has no '%s' column (it needs date, time, lines, spots)"),
                       column_names[c]);
  if (problems->errors > errors_before)
    return NULL;

  g_autofree char *basename = g_path_get_basename(file);
  g_autofree char *name = quote(basename);
  GString *out = g_string_new(NULL);
  g_string_append_printf(out, "# Imported from %s by `loa schedule import`.\n"
                              "name = %s;\n\nevents = (\n",
                         basename, name);
  for (guint r = 1; r < records->len; r++)
    convert_row(file, &g_array_index(records, Record, r), columns, config, out, problems);
  if (records->len == 1)
    loa_problems_add(problems, file, header->line, TRUE, _("the file has no rows below its header"));
  /* libconfig lists take no trailing comma. */
  if (g_str_has_suffix(out->str, ",\n"))
    g_string_truncate(out, out->len - 2), g_string_append_c(out, '\n');
  g_string_append(out, ");\n");
  if (problems->errors > errors_before) {
    g_string_free(out, TRUE);
    return NULL;
  }
  return g_string_free(out, FALSE);
}
