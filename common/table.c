/* Table, JSON and CSV output (see table.h). */
#include "table.h"

#include "i18n.h"

#include <string.h>

G_DEFINE_QUARK(loa-table-error-quark, loa_table_error)

typedef struct {
  char *key;
  char *header;
  LoaColumnType type;
  gboolean hidden_in_table;
} Column;

struct LoaTable {
  GArray *columns;  /* Column */
  GPtrArray *rows;  /* GPtrArray of char * (NULL = unset), one per column */
};

gboolean
loa_table_format_parse(const char *text, LoaTableFormat *format, GError **error)
{
  if (g_strcmp0(text, "table") == 0)
    *format = LOA_TABLE_FORMAT_TABLE;
  else if (g_strcmp0(text, "json") == 0)
    *format = LOA_TABLE_FORMAT_JSON;
  else if (g_strcmp0(text, "csv") == 0)
    *format = LOA_TABLE_FORMAT_CSV;
  else {
    g_set_error(error, LOA_TABLE_ERROR, 0, _("unknown format '%s' (use table, json or csv)"),
                text);
    return FALSE;
  }
  return TRUE;
}

static void
column_clear(gpointer data)
{
  Column *column = data;
  g_free(column->key);
  g_free(column->header);
}

LoaTable *
loa_table_new(void)
{
  LoaTable *table = g_new0(LoaTable, 1);
  table->columns = g_array_new(FALSE, TRUE, sizeof(Column));
  g_array_set_clear_func(table->columns, column_clear);
  table->rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
  return table;
}

void
loa_table_free(LoaTable *table)
{
  if (table == NULL)
    return;
  g_array_unref(table->columns);
  g_ptr_array_unref(table->rows);
  g_free(table);
}

void
loa_table_add_column(LoaTable *table, const char *key, const char *header, LoaColumnType type)
{
  g_return_if_fail(table->rows->len == 0);
  Column column = { g_strdup(key), g_strdup(header), type, FALSE };
  g_array_append_val(table->columns, column);
}

void
loa_table_hide_in_table(LoaTable *table, guint column)
{
  g_return_if_fail(column < table->columns->len);
  g_array_index(table->columns, Column, column).hidden_in_table = TRUE;
}

void
loa_table_add_row(LoaTable *table)
{
  GPtrArray *row = g_ptr_array_new_full(table->columns->len, g_free);
  g_ptr_array_set_size(row, (gint)table->columns->len);
  g_ptr_array_add(table->rows, row);
}

void
loa_table_take(LoaTable *table, guint column, char *text)
{
  g_return_if_fail(table->rows->len > 0 && column < table->columns->len);
  GPtrArray *row = g_ptr_array_index(table->rows, table->rows->len - 1);
  g_free(row->pdata[column]);
  row->pdata[column] = text;
}

void
loa_table_set(LoaTable *table, guint column, const char *text)
{
  loa_table_take(table, column, g_strdup(text));
}

guint
loa_table_rows(const LoaTable *table)
{
  return table->rows->len;
}

void
loa_json_append_string(GString *string, const char *text)
{
  g_string_append_c(string, '"');
  for (const char *p = text; *p != '\0'; p++) {
    unsigned char c = (unsigned char)*p;
    switch (c) {
    case '"': g_string_append(string, "\\\""); break;
    case '\\': g_string_append(string, "\\\\"); break;
    case '\n': g_string_append(string, "\\n"); break;
    case '\r': g_string_append(string, "\\r"); break;
    case '\t': g_string_append(string, "\\t"); break;
    default:
      if (c < 0x20)
        g_string_append_printf(string, "\\u%04x", c);
      else
        g_string_append_c(string, (char)c);
    }
  }
  g_string_append_c(string, '"');
}

static void
append_csv_field(GString *out, const char *text)
{
  if (strpbrk(text, ",\"\r\n") == NULL) {
    g_string_append(out, text);
    return;
  }
  g_string_append_c(out, '"');
  for (const char *p = text; *p != '\0'; p++) {
    if (*p == '"')
      g_string_append_c(out, '"');
    g_string_append_c(out, *p);
  }
  g_string_append_c(out, '"');
}

/* Display width in terminal columns: one per character (Vietnamese letters
 * with combining marks are precomposed in NFC, so this is right for them). */
static glong
display_width(const char *text)
{
  g_autofree char *nfc = g_utf8_normalize(text, -1, G_NORMALIZE_DEFAULT_COMPOSE);
  return g_utf8_strlen(nfc != NULL ? nfc : text, -1);
}

static void
format_table(const LoaTable *table, GString *out)
{
  guint n = table->columns->len;
  g_autofree glong *widths = g_new0(glong, n);
  for (guint c = 0; c < n; c++)
    widths[c] = display_width(g_array_index(table->columns, Column, c).header);
  for (guint r = 0; r < table->rows->len; r++) {
    GPtrArray *row = g_ptr_array_index(table->rows, r);
    for (guint c = 0; c < n; c++)
      if (row->pdata[c] != NULL)
        widths[c] = MAX(widths[c], display_width(row->pdata[c]));
  }
  for (int r = -1; r < (int)table->rows->len; r++) {
    GPtrArray *row = r >= 0 ? g_ptr_array_index(table->rows, r) : NULL;
    GString *line = g_string_new(NULL);
    for (guint c = 0; c < n; c++) {
      if (g_array_index(table->columns, Column, c).hidden_in_table)
        continue;
      const char *text = row != NULL ? row->pdata[c]
                                     : g_array_index(table->columns, Column, c).header;
      if (text == NULL)
        text = "";
      g_string_append(line, text);
      if (c + 1 < n)
        for (glong pad = widths[c] - display_width(text) + 2; pad > 0; pad--)
          g_string_append_c(line, ' ');
    }
    while (line->len > 0 && line->str[line->len - 1] == ' ')
      g_string_truncate(line, line->len - 1);
    g_string_append_printf(out, "%s\n", line->str);
    g_string_free(line, TRUE);
  }
}

static void
format_json(const LoaTable *table, GString *out)
{
  g_string_append_c(out, '[');
  for (guint r = 0; r < table->rows->len; r++) {
    GPtrArray *row = g_ptr_array_index(table->rows, r);
    g_string_append(out, r == 0 ? "\n  {" : ",\n  {");
    for (guint c = 0; c < table->columns->len; c++) {
      const Column *column = &g_array_index(table->columns, Column, c);
      const char *text = row->pdata[c];
      if (c > 0)
        g_string_append(out, ", ");
      loa_json_append_string(out, column->key);
      g_string_append(out, ": ");
      if (text == NULL)
        g_string_append(out, "null");
      else if (column->type == LOA_COLUMN_NUMBER)
        g_string_append(out, text);
      else
        loa_json_append_string(out, text);
    }
    g_string_append_c(out, '}');
  }
  g_string_append(out, table->rows->len > 0 ? "\n]\n" : "]\n");
}

static void
format_csv(const LoaTable *table, GString *out)
{
  for (int r = -1; r < (int)table->rows->len; r++) {
    GPtrArray *row = r >= 0 ? g_ptr_array_index(table->rows, r) : NULL;
    for (guint c = 0; c < table->columns->len; c++) {
      const char *text = row != NULL ? row->pdata[c]
                                     : g_array_index(table->columns, Column, c).key;
      if (c > 0)
        g_string_append_c(out, ',');
      append_csv_field(out, text != NULL ? text : "");
    }
    g_string_append(out, "\r\n");
  }
}

void
loa_table_append(const LoaTable *table, LoaTableFormat format, LoaTablePrintFlags flags,
                 GString *out)
{
  switch (format) {
  case LOA_TABLE_FORMAT_TABLE: format_table(table, out); break;
  case LOA_TABLE_FORMAT_JSON: format_json(table, out); break;
  case LOA_TABLE_FORMAT_CSV:
    if (flags & LOA_TABLE_PRINT_BOM)
      g_string_append(out, LOA_UTF8_BOM);
    format_csv(table, out);
    break;
  }
}

gboolean
loa_table_print(const LoaTable *table, LoaTableFormat format, FILE *out)
{
  g_autoptr(GString) text = g_string_new(NULL);
  loa_table_append(table, format, LOA_TABLE_PRINT_DEFAULT, text);
  return fwrite(text->str, 1, text->len, out) == text->len && fflush(out) == 0;
}
