/* Tabular output shared by every listing command: the same rows print as an
 * aligned table for people, or as JSON (an array of objects) or CSV for tools. */
#pragma once

#include <glib.h>
#include <stdio.h>

#define LOA_TABLE_ERROR (loa_table_error_quark())
GQuark loa_table_error_quark(void);

typedef enum {
  LOA_TABLE_FORMAT_TABLE,
  LOA_TABLE_FORMAT_JSON,
  LOA_TABLE_FORMAT_CSV,
} LoaTableFormat;

typedef enum {
  LOA_COLUMN_TEXT,    /* JSON string */
  LOA_COLUMN_NUMBER,  /* JSON number: the cell text must be a valid JSON number */
} LoaColumnType;

typedef struct LoaTable LoaTable;

/* Parses "table", "json" or "csv"; sets LOA_TABLE_ERROR 0 on anything else. */
gboolean loa_table_format_parse(const char *text, LoaTableFormat *format,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

LoaTable *loa_table_new(void);
void loa_table_free(LoaTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaTable, loa_table_free)

/* key: JSON/CSV name; header: the human table's heading (translated). */
void loa_table_add_column(LoaTable *table, const char *key, const char *header, LoaColumnType type);

/* Leaves the column out of the human table (JSON and CSV keep it). */
void loa_table_hide_in_table(LoaTable *table, guint column);

/* Starts a row; then loa_table_set() fills cells by column index. Unset cells
 * are null in JSON and empty elsewhere. The table copies the text. */
void loa_table_add_row(LoaTable *table);
void loa_table_set(LoaTable *table, guint column, const char *text);
void loa_table_take(LoaTable *table, guint column, char *text);

guint loa_table_rows(const LoaTable *table);

/* Writes the table to out. Returns FALSE if writing failed (full disk, closed pipe). */
gboolean loa_table_print(const LoaTable *table, LoaTableFormat format, FILE *out);

typedef enum {
  LOA_TABLE_PRINT_DEFAULT = 0,
  LOA_TABLE_PRINT_BOM = 1 << 0,        /* CSV only: start with the UTF-8 byte order mark,
                                        * so that Excel reads the text as UTF-8 */
} LoaTablePrintFlags;

/* Appends the table in format to out, as loa_table_print writes it, with flags. */
void loa_table_append(const LoaTable *table, LoaTableFormat format, LoaTablePrintFlags flags,
                      GString *out);

/* The UTF-8 byte order mark, for writers that build CSV themselves. */
#define LOA_UTF8_BOM "\xEF\xBB\xBF"

/* Appends text as a JSON string literal (with quotes) to string. */
void loa_json_append_string(GString *string, const char *text);
