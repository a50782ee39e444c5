/* Unit tests of the table printer: alignment by characters (Vietnamese text),
 * JSON escaping and numbers, CSV quoting. */
#include "table.h"

#include <stdlib.h>
#include <string.h>

/* Prints table in format into a string. */
static char *
print_to_string(const LoaTable *table, LoaTableFormat format)
{
  char *buffer = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&buffer, &size);
  g_assert_nonnull(out);
  g_assert_true(loa_table_print(table, format, out));
  g_assert_cmpint(fclose(out), ==, 0);
  char *copy = g_strdup(buffer);
  free(buffer);
  return copy;
}

static LoaTable *
sample_table(void)
{
  LoaTable *table = loa_table_new();
  loa_table_add_column(table, "id", "ID", LOA_COLUMN_TEXT);
  loa_table_add_column(table, "title", "TITLE", LOA_COLUMN_TEXT);
  loa_table_add_column(table, "seconds", "SECONDS", LOA_COLUMN_NUMBER);
  loa_table_add_row(table);
  loa_table_set(table, 0, "ATTT-T01");
  loa_table_set(table, 1, "Cảnh giác \"lừa đảo\", mạng\\xã hội\nmới");
  loa_table_set(table, 2, "62.5");
  loa_table_add_row(table);
  loa_table_set(table, 0, "B");
  loa_table_take(table, 1, g_strdup("tab\there\x01"));
  return table;
}

static void
test_json(void)
{
  g_autoptr(LoaTable) table = sample_table();
  g_assert_cmpuint(loa_table_rows(table), ==, 2);
  g_autofree char *json = print_to_string(table, LOA_TABLE_FORMAT_JSON);
  g_assert_cmpstr(json, ==,
                  "[\n"
                  "  {\"id\": \"ATTT-T01\", \"title\": \"Cảnh giác \\\"lừa đảo\\\", "
                  "mạng\\\\xã hội\\nmới\", \"seconds\": 62.5},\n"
                  "  {\"id\": \"B\", \"title\": \"tab\\there\\u0001\", \"seconds\": null}\n"
                  "]\n");

  g_autoptr(LoaTable) empty = loa_table_new();
  loa_table_add_column(empty, "id", "ID", LOA_COLUMN_TEXT);
  g_autofree char *none = print_to_string(empty, LOA_TABLE_FORMAT_JSON);
  g_assert_cmpstr(none, ==, "[]\n");
}

static void
test_csv(void)
{
  g_autoptr(LoaTable) table = sample_table();
  g_autofree char *csv = print_to_string(table, LOA_TABLE_FORMAT_CSV);
  g_assert_cmpstr(csv, ==,
                  "id,title,seconds\r\n"
                  "ATTT-T01,\"Cảnh giác \"\"lừa đảo\"\", mạng\\xã hội\nmới\",62.5\r\n"
                  "B,tab\there\x01,\r\n");
}

static void
test_human(void)
{
  g_autoptr(LoaTable) table = loa_table_new();
  loa_table_add_column(table, "line", "LINE", LOA_COLUMN_TEXT);
  loa_table_add_column(table, "name", "NAME", LOA_COLUMN_TEXT);
  loa_table_add_row(table);
  loa_table_set(table, 0, "Phường");
  loa_table_set(table, 1, "An Hòa");
  loa_table_add_row(table);
  loa_table_set(table, 0, "x");
  g_autofree char *text = print_to_string(table, LOA_TABLE_FORMAT_TABLE);
  /* Columns line up by characters, not bytes; trailing spaces are trimmed. */
  g_assert_cmpstr(text, ==,
                  "LINE    NAME\n"
                  "Phường  An Hòa\n"
                  "x\n");
}

static void
test_format_parse(void)
{
  LoaTableFormat format;
  g_assert_true(loa_table_format_parse("json", &format, NULL));
  g_assert_cmpint(format, ==, LOA_TABLE_FORMAT_JSON);
  g_assert_true(loa_table_format_parse("csv", &format, NULL));
  g_assert_cmpint(format, ==, LOA_TABLE_FORMAT_CSV);
  g_assert_true(loa_table_format_parse("table", &format, NULL));
  g_assert_cmpint(format, ==, LOA_TABLE_FORMAT_TABLE);
  g_autoptr(GError) error = NULL;
  g_assert_false(loa_table_format_parse("xml", &format, &error));
  g_assert_error(error, LOA_TABLE_ERROR, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/common/table/json", test_json);
  g_test_add_func("/common/table/csv", test_csv);
  g_test_add_func("/common/table/human", test_human);
  g_test_add_func("/common/table/format-parse", test_format_parse);
  return g_test_run();
}
