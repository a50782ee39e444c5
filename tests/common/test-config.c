/* Unit tests of the station configuration loader: every error carries its
 * file and line, all errors come at once, unknown keys become warnings,
 * relative paths follow the config file, defaults are filled in. */
#include "config.h"

#include "test-util.h"

#include <string.h>

static char *temp_dir;

static char *
write_file(const char *name, const char *text)
{
  return test_util_write(temp_dir, name, text);
}

/* Asserts that message has a line "path:line: ..." containing fragment. */
static void
assert_has_error(const char *message, const char *path, int line, const char *fragment)
{
  g_autofree char *prefix = g_strdup_printf("%s:%d: ", path, line);
  g_auto(GStrv) lines = g_strsplit(message, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix(lines[i], prefix) && strstr(lines[i], fragment) != NULL)
      return;
  g_error("no error \"%s...%s\" in:\n%s", prefix, fragment, message);
}

static guint
count_lines(const char *text)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  return g_strv_length(lines);
}

static LoaConfig *
load_expecting_error(const char *path, int code, GError **error)
{
  LoaConfig *config = loa_config_load(path, error);
  g_assert_null(config);
  g_assert_error(*error, LOA_CONFIG_ERROR, code);
  return config;
}

static void
test_defaults(void)
{
  g_autofree char *path = write_file("defaults.cfg",
                                     "station = { id = \"q-ninh-kieu\"; };\n"
                                     "lines = ( { id = \"an-hoa\"; } );\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaConfig) config = loa_config_load(path, &error);
  g_assert_no_error(error);
  g_assert_nonnull(config);

  g_assert_cmpstr(config->path, ==, path);
  g_assert_cmpstr(config->station_id, ==, "q-ninh-kieu");
  g_assert_cmpstr(config->station_name, ==, "q-ninh-kieu");
  g_assert_cmpstr(config->timezone_name, ==, "Asia/Ho_Chi_Minh");
  g_assert_nonnull(config->timezone);
  g_assert_cmpstr(config->database, ==, "/var/lib/loa/loa.db");
  g_assert_cmpstr(config->library, ==, "/var/lib/loa/library");
  g_assert_true(config->air_copies);
  g_assert_cmpint(config->sample_rate, ==, 48000);
  g_assert_cmpint(config->channels, ==, 2);
  g_assert_cmpint(config->prepare_seconds, ==, 3);
  g_assert_cmpint(config->latency_ms, ==, 0); /* what the pipeline needs */
  g_assert_cmpuint(config->lines->len, ==, 1);
  const LoaLineConfig *line = g_ptr_array_index(config->lines, 0);
  g_assert_cmpstr(line->id, ==, "an-hoa");
  g_assert_cmpstr(line->name, ==, "an-hoa");
  g_assert_cmpstr(line->output, ==, "alsa:default");
  g_assert_cmpint(line->source_line, ==, 2);
  g_assert_cmpuint(config->warnings->len, ==, 0);
  g_assert_true(loa_config_find_line(config, "an-hoa") == line);
  g_assert_null(loa_config_find_line(config, "cai-khe"));
}

/* The library as a group: its folder and whether compressed spots get air copies. */
static void
test_library_group(void)
{
  g_autofree char *path = write_file("library-group.cfg",
                                     "station = { id = \"q-o-mon\"; };\n"
                                     "library = { path = \"/srv/loa/library\"; air_copies = false; };\n"
                                     "lines = ( { id = \"a\"; } );\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaConfig) config = loa_config_load(path, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(config->library, ==, "/srv/loa/library");
  g_assert_false(config->air_copies);

  g_autofree char *bad = write_file("library-bad.cfg",
                                    "station = { id = \"q-o-mon\"; };\n"
                                    "library = { path = \"/srv/loa/library\"; air_copies = \"no\"; };\n"
                                    "lines = ( { id = \"a\"; } );\n");
  g_autoptr(LoaConfig) refused = loa_config_load(bad, &error);
  g_assert_null(refused);
  g_assert_nonnull(error);
  g_test_message("%s", error->message);
  g_assert_nonnull(strstr(error->message, "air_copies"));
  g_assert_nonnull(strstr(error->message, "library-bad.cfg:2"));
}

static void
test_full(void)
{
  g_autofree char *path = write_file("full.cfg",
                                     "station = {\n"
                                     "  id = \"q-cai-rang\";\n"
                                     "  name = \"Đài truyền thanh Cái Răng\";\n"
                                     "  timezone = \"Europe/Berlin\";\n"
                                     "};\n"
                                     "database = \"data/loa.db\";\n"
                                     "library = \"../library\";\n"
                                     "engine = { rate = 44100; channels = 1; prepare_seconds = 5; "
                                     "latency_ms = 50; };\n"
                                     "lines = (\n"
                                     "  { id = \"le-binh\"; name = \"Phường Lê Bình\"; output = \"null\"; },\n"
                                     "  { id = \"hung-phu\"; output = \"alsa:loa_hungphu\"; }\n"
                                     ");\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaConfig) config = loa_config_load(path, &error);
  g_assert_no_error(error);

  g_autofree char *database = g_build_filename(temp_dir, "data", "loa.db", NULL);
  g_autofree char *parent = g_path_get_dirname(temp_dir);
  g_autofree char *library = g_build_filename(parent, "library", NULL);
  g_assert_cmpstr(config->database, ==, database);
  g_assert_cmpstr(config->library, ==, library);
  g_assert_cmpstr(config->station_name, ==, "Đài truyền thanh Cái Răng");
  g_assert_cmpstr(config->timezone_name, ==, "Europe/Berlin");
  g_assert_cmpint(config->sample_rate, ==, 44100);
  g_assert_cmpint(config->channels, ==, 1);
  g_assert_cmpint(config->prepare_seconds, ==, 5);
  g_assert_cmpint(config->latency_ms, ==, 50);
  g_assert_cmpuint(config->lines->len, ==, 2);
  const LoaLineConfig *second = g_ptr_array_index(config->lines, 1);
  g_assert_cmpstr(second->id, ==, "hung-phu");
  g_assert_cmpstr(second->output, ==, "alsa:loa_hungphu");
  g_assert_cmpint(second->source_line, ==, 11);
}

static void
test_relative_path_from_elsewhere(void)
{
  /* The config is named by a relative path from another working folder:
   * paths inside it still resolve against the config's own folder. */
  g_autofree char *sub = g_build_filename(temp_dir, "etc", NULL);
  g_assert_cmpint(g_mkdir_with_parents(sub, 0755), ==, 0);
  g_autofree char *path = write_file("etc/rel.cfg",
                                     "station = { id = \"s\"; };\n"
                                     "database = \"loa.db\";\n"
                                     "lines = ( { id = \"a\"; } );\n");
  g_autofree char *saved = g_get_current_dir();
  g_assert_cmpint(g_chdir(temp_dir), ==, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaConfig) config = loa_config_load("etc/rel.cfg", &error);
  g_assert_cmpint(g_chdir(saved), ==, 0);
  g_assert_no_error(error);
  g_autofree char *expected = g_build_filename(sub, "loa.db", NULL);
  g_assert_cmpstr(config->database, ==, expected);
  g_assert_cmpstr(config->path, ==, path);
}

static void
test_unknown_key_warned(void)
{
  g_autofree char *path = write_file("unknown.cfg",
                                     "station = { id = \"s\"; colour = \"red\"; };\n"
                                     "lines = (\n"
                                     "  { id = \"a\";\n"
                                     "    gain = 3; }\n"
                                     ");\n"
                                     "extra = 1;\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaConfig) config = loa_config_load(path, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(config->warnings->len, ==, 3);
  g_autofree char *w1 = g_strdup_printf("%s:1: unknown setting 'colour' (ignored)", path);
  g_autofree char *w2 = g_strdup_printf("%s:4: unknown setting 'gain' (ignored)", path);
  g_autofree char *w3 = g_strdup_printf("%s:6: unknown setting 'extra' (ignored)", path);
  g_assert_cmpstr(g_ptr_array_index(config->warnings, 0), ==, w1);
  g_assert_cmpstr(g_ptr_array_index(config->warnings, 1), ==, w2);
  g_assert_cmpstr(g_ptr_array_index(config->warnings, 2), ==, w3);
}

static void
test_single_errors(void)
{
  static const struct {
    const char *text;
    int line;
    const char *fragment;
  } cases[] = {
    { "station = { id = \"s\"; };\nengine = { rate = \"fast\"; };\nlines = ( { id = \"a\"; } );\n",
      2, "'engine.rate' must be an integer" },
    { "station = { id = \"s\"; };\nlines = ( { id = \"a\"; } );\nengine = {\n  channels = 9;\n};\n",
      4, "'engine.channels' is 9; it must be between 1 and 8" },
    { "station = { name = \"x\"; };\nlines = ( { id = \"a\"; } );\n",
      1, "missing required setting 'station.id'" },
    { "station = { id = \"s\"; };\nlines = (\n  { id = \"a\"; },\n  { id = \"a\"; }\n);\n",
      4, "line id 'a' is used twice" },
    { "station = { id = \"s\"; };\nlines = (\n  { id = \"a\"; output = \"pulse:x\"; }\n);\n",
      3, "output 'pulse:x' is not" },
    { "station = { id = \"s\";\n  timezone = \"Mars/Olympus\"; };\nlines = ( { id = \"a\"; } );\n",
      2, "unknown time zone 'Mars/Olympus'" },
    { "station = { id = \"s\"; };\nlines = ( { id = \"all\"; } );\n", 2, "'all' is reserved" },
    { "station = { id = \"bad id\"; };\nlines = ( { id = \"a\"; } );\n", 1, "not a valid id" },
    { "station = { id = \"s\"; };\nlines = ();\n", 2, "a station needs at least one line" },
    { "station = { id = \"s\"; };\n", 1, "missing required setting 'lines'" },
    { "station = { id = \"s\"; };\ndatabase = \"\";\nlines = ( { id = \"a\"; } );\n", 2,
      "'database' must not be empty" },
    /* Lines sharing a card: each names its channels, no channel twice. */
    { "station = { id = \"s\"; };\nlines = ( { id = \"a\"; output = \"alsa:card\"; },\n"
      "  { id = \"b\"; output = \"alsa:card\"; } );\n",
      3, "lines 'a' and 'b' both use output 'alsa:card': lines sharing a card need 'channels'" },
    { "station = { id = \"s\"; };\nlines = ( { id = \"a\"; output = \"alsa:card\"; channels = [1, 2]; },\n"
      "  { id = \"b\"; output = \"alsa:card\"; channels = [2, 3]; } );\n",
      3, "lines 'a' and 'b' both use channel 2 of output 'alsa:card'" },
    { "station = { id = \"s\"; };\nlines = (\n  { id = \"a\"; output = \"alsa:card\"; channels = [1]; } );\n",
      3, "'channels' must be a list of 2 card channel numbers" },
    { "station = { id = \"s\"; };\nlines = (\n  { id = \"a\"; output = \"alsa:card\"; channels = [1, 9]; } );\n",
      3, "card channel 9 in 'channels' is not 1..8" },
    { "station = { id = \"s\"; };\nlines = (\n  { id = \"a\"; volume = 20; } );\n",
      3, "'volume' is 20" },
    { "station = { id = \"s\"; };\nlines = (\n  { id = \"a\"; monitor = \"hw:1\"; } );\n",
      3, "monitor 'hw:1' is not \"alsa:PCM\"" },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *name = g_strdup_printf("single-%u.cfg", i);
    g_autofree char *path = write_file(name, cases[i].text);
    g_autoptr(GError) error = NULL;
    (void)load_expecting_error(path, LOA_CONFIG_ERROR_INVALID, &error);
    assert_has_error(error->message, path, cases[i].line, cases[i].fragment);
    g_assert_cmpuint(count_lines(error->message), ==, 1);
  }
}

static void
test_several_errors_at_once(void)
{
  g_autofree char *path = write_file("several.cfg",
                                     "station = { id = \"s\";\n"
                                     "  timezone = \"Nowhere/Land\"; };\n"
                                     "engine = { rate = 1;\n"
                                     "  latency_ms = \"x\"; };\n"
                                     "lines = (\n"
                                     "  { id = \"a\"; output = \"oss\"; },\n"
                                     "  { name = \"no id\"; }\n"
                                     ");\n");
  g_autoptr(GError) error = NULL;
  (void)load_expecting_error(path, LOA_CONFIG_ERROR_INVALID, &error);
  assert_has_error(error->message, path, 2, "unknown time zone");
  assert_has_error(error->message, path, 3, "'engine.rate' is 1");
  assert_has_error(error->message, path, 4, "'engine.latency_ms' must be an integer");
  assert_has_error(error->message, path, 6, "output 'oss'");
  assert_has_error(error->message, path, 7, "missing required setting 'id'");
  g_assert_cmpuint(count_lines(error->message), ==, 5);
}

static void
test_syntax_error(void)
{
  g_autofree char *path = write_file("syntax.cfg",
                                     "station = { id = \"s\"; };\n"
                                     "lines = ( { id = \"a\" } \n"
                                     "oops\n");
  g_autoptr(GError) error = NULL;
  (void)load_expecting_error(path, LOA_CONFIG_ERROR_PARSE, &error);
  g_assert_true(strstr(error->message, ":2: ") != NULL || strstr(error->message, ":3: ") != NULL);
}

static void
test_missing_file(void)
{
  g_autofree char *path = g_build_filename(temp_dir, "no-such.cfg", NULL);
  g_autoptr(GError) error = NULL;
  (void)load_expecting_error(path, LOA_CONFIG_ERROR_IO, &error);
  g_assert_nonnull(strstr(error->message, path));

  g_clear_error(&error);
  (void)load_expecting_error(temp_dir, LOA_CONFIG_ERROR_IO, &error); /* a folder */
}

static void
test_id_validity(void)
{
  g_assert_true(loa_config_id_is_valid("ATTT-T01"));
  g_assert_true(loa_config_id_is_valid("a.b_c-1"));
  g_assert_false(loa_config_id_is_valid(""));
  g_assert_false(loa_config_id_is_valid(NULL));
  g_assert_false(loa_config_id_is_valid("-a"));
  g_assert_false(loa_config_id_is_valid("a b"));
  g_assert_false(loa_config_id_is_valid("phường"));
  g_autofree char *long_id = g_strnfill(65, 'x');
  g_assert_false(loa_config_id_is_valid(long_id));
  long_id[64] = '\0';
  g_assert_true(loa_config_id_is_valid(long_id));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  temp_dir = test_util_make_dir("loa-test-config-XXXXXX");

  g_test_add_func("/common/config/defaults", test_defaults);
  g_test_add_func("/common/config/full", test_full);
  g_test_add_func("/common/config/library-group", test_library_group);
  g_test_add_func("/common/config/relative-path", test_relative_path_from_elsewhere);
  g_test_add_func("/common/config/unknown-key-warned", test_unknown_key_warned);
  g_test_add_func("/common/config/single-errors", test_single_errors);
  g_test_add_func("/common/config/several-errors", test_several_errors_at_once);
  g_test_add_func("/common/config/syntax-error", test_syntax_error);
  g_test_add_func("/common/config/missing-file", test_missing_file);
  g_test_add_func("/common/config/id-validity", test_id_validity);
  int result = g_test_run();

  test_util_remove_tree(temp_dir);
  g_free(temp_dir);
  return result;
}
