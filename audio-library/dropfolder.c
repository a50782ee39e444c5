/* The drop folder (see dropfolder.h).
 *
 * A scan lists the folder, sorts the names (so a batch goes in a predictable
 * order), and for each candidate compares its size and mtime with what the
 * previous scan saw: a file is taken only when both are unchanged and its
 * mtime is at least the settle time old. Sidecars and the manifest must be
 * settled too, or the file waits: metadata half-written is as bad as audio
 * half-written. Metadata problems are the file's (rejected with the sidecar's
 * or manifest's file:line); problems of the station (database, library
 * folder, text-to-speech program) leave the file in place for the next scan
 * and are logged once, not at every scan. */
#define G_LOG_DOMAIN "loa-library"

#include "dropfolder.h"

#include "db.h"
#include "db-worker.h"
#include "i18n.h"
#include "ingest.h"
#include "loa-cleanup.h"
#include "loa-time.h"
#include "tts.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

G_DEFINE_QUARK(loa-drop-folder-error-quark, loa_drop_folder_error)

#define MANIFEST_NAME "manifest.csv"
#define DONE_NAME "done"
#define REJECTED_NAME "rejected"
#define ERROR_SUFFIX ".error.txt"
#define SIDECAR_SUFFIX ".cfg"
#define MOVE_ATTEMPTS 1000

/* What the previous scans saw of one file. */
typedef struct {
  gint64 size;
  gint64 mtime_ns;
  char *last_problem;  /* the last system problem logged for it, so it is logged once */
} Seen;

static void
seen_free(gpointer data)
{
  Seen *seen = data;
  g_free(seen->last_problem);
  g_free(seen);
}

struct LoaDropFolder {
  sqlite3 *db;              /* the caller's connection (scan_once) */
  const LoaConfig *config;  /* borrowed */
  char *dir;                /* real path, no trailing slash */
  char *done_dir;
  char *rejected_dir;
  GHashTable *seen;         /* file name -> Seen *; touched by one scan at a time */
  LoaDbWorker *worker;      /* the scans' thread and connection, while started */
};

/* Metadata for one file, from a sidecar or a manifest row; NULL: not given. */
typedef struct {
  char *values[10];   /* indexed like meta_keys */
  char *sidecar;      /* path of the sidecar used, moved along with the file; or NULL */
} Meta;

static const char *const meta_keys[10] = {
  "id", "title", "category", "topic", "language", "supplier", "notes", "valid_from",
  "valid_until", "tags",
};
enum { META_ID, META_TITLE, META_CATEGORY, META_TOPIC, META_LANGUAGE, META_SUPPLIER, META_NOTES,
       META_VALID_FROM, META_VALID_UNTIL, META_TAGS };

static void
meta_clear(Meta *meta)
{
  for (size_t i = 0; i < G_N_ELEMENTS(meta->values); i++)
    g_clear_pointer(&meta->values[i], g_free);
  g_clear_pointer(&meta->sidecar, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Meta, meta_clear)

static int
meta_key_index(const char *name)
{
  for (size_t i = 0; i < G_N_ELEMENTS(meta_keys); i++)
    if (g_strcmp0(name, meta_keys[i]) == 0)
      return (int)i;
  return -1;
}

/* The manifest of one scan: file name -> row (GStrv indexed like meta_keys). */
typedef struct {
  gboolean present;
  gboolean settled;
  char *problem;        /* "manifest.csv:LINE: ..." if it cannot be read; NULL if fine */
  GHashTable *rows;     /* char * -> char ** (G_N_ELEMENTS(meta_keys) entries, NULL = not given) */
} Manifest;

static void
manifest_clear(Manifest *manifest)
{
  g_clear_pointer(&manifest->problem, g_free);
  g_clear_pointer(&manifest->rows, g_hash_table_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Manifest, manifest_clear)

static void
free_row(gpointer data)
{
  char **row = data;
  for (size_t i = 0; i < G_N_ELEMENTS(meta_keys); i++)
    g_free(row[i]);
  g_free(row);
}

static gint64
mtime_ns_of(const struct stat *st)
{
  return (gint64)st->st_mtim.tv_sec * G_GINT64_CONSTANT(1000000000) + st->st_mtim.tv_nsec;
}

/* TRUE if st was last changed at least the settle time ago. */
static gboolean
is_settled(const LoaDropFolder *folder, const struct stat *st)
{
  gint64 age = loa_time_now_wall_ns() - mtime_ns_of(st);
  return age >= (gint64)folder->config->drop_settle_seconds * G_GINT64_CONSTANT(1000000000);
}

/* Splits CSV text (RFC 4180: commas, double quotes, "" inside quotes, line
 * breaks inside quotes; a UTF-8 BOM is skipped; blank lines are ignored) into
 * rows, each a GPtrArray of char *; lines gets the line where each row
 * starts. NULL with *problem "LINE: message" on a bad quote. */
static GPtrArray *
parse_csv(const char *text, GArray *lines, char **problem)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
  GPtrArray *row = NULL;
  g_autoptr(GString) field = g_string_new(NULL);
  int line = 1, row_line = 1;
  gboolean quoted = FALSE, was_quoted = FALSE;
  const char *p = g_str_has_prefix(text, "\xEF\xBB\xBF") ? text + 3 : text;

  for (;; p++) {
    char c = *p;
    if (quoted) {
      if (c == '\0') {
        *problem = g_strdup_printf(_("%d: a quoted field is not closed"), row_line);
        if (row != NULL)
          g_ptr_array_unref(row);
        return NULL;
      }
      if (c == '"' && p[1] == '"') {
        g_string_append_c(field, '"');
        p++;
      } else if (c == '"') {
        quoted = FALSE;
      } else {
        if (c == '\n')
          line++;
        g_string_append_c(field, c);
      }
      continue;
    }
    if (c == '"' && field->len == 0 && !was_quoted) {
      quoted = was_quoted = TRUE;
      continue;
    }
    if (c == ',' || c == '\n' || c == '\0' || (c == '\r' && p[1] == '\n')) {
      if (c == '\r')
        p++, c = '\n';
      gboolean blank_line = row == NULL && field->len == 0 && !was_quoted && c != ',';
      if (!blank_line) {
        if (row == NULL) {
          row = g_ptr_array_new_with_free_func(g_free);
          row_line = line;
        }
        g_ptr_array_add(row, g_strdup(field->str));
      }
      g_string_truncate(field, 0);
      was_quoted = FALSE;
      if (c != ',' && row != NULL) {
        g_ptr_array_add(rows, row);
        g_array_append_val(lines, row_line);
        row = NULL;
      }
      if (c == '\n')
        line++;
      if (c == '\0')
        break;
      continue;
    }
    if (was_quoted) {
      *problem = g_strdup_printf(_("%d: text after a closing quote"), line);
      if (row != NULL)
        g_ptr_array_unref(row);
      return NULL;
    }
    g_string_append_c(field, c);
  }
  return g_steal_pointer(&rows);
}

/* Reads DIR/manifest.csv if present into manifest. */
static void
read_manifest(LoaDropFolder *folder, Manifest *manifest)
{
  g_autofree char *path = g_build_filename(folder->dir, MANIFEST_NAME, NULL);
  struct stat st;
  if (stat(path, &st) != 0)
    return;
  manifest->present = TRUE;
  manifest->settled = is_settled(folder, &st);
  if (!manifest->settled)
    return;

  g_autofree char *text = NULL;
  g_autoptr(GError) local = NULL;
  if (!g_file_get_contents(path, &text, NULL, &local)) {
    manifest->problem = g_strdup_printf("%s: %s", MANIFEST_NAME, local->message);
    return;
  }
  if (!g_utf8_validate(text, -1, NULL)) {
    manifest->problem = g_strdup_printf(_("%s: not valid UTF-8 (save it as \"CSV UTF-8\")"),
                                        MANIFEST_NAME);
    return;
  }
  g_autoptr(GArray) lines = g_array_new(FALSE, FALSE, sizeof(int));
  g_autofree char *problem = NULL;
  g_autoptr(GPtrArray) rows = parse_csv(text, lines, &problem);
  if (rows == NULL) {
    manifest->problem = g_strdup_printf("%s:%s", MANIFEST_NAME, problem);
    return;
  }
  if (rows->len == 0) {
    manifest->problem = g_strdup_printf(_("%s:1: empty; the first row names the columns "
                                          "(file,id,title,category,...)"),
                                        MANIFEST_NAME);
    return;
  }
  GPtrArray *header = g_ptr_array_index(rows, 0);
  g_autofree int *columns = g_new(int, header->len);
  int file_column = -1;
  for (guint i = 0; i < header->len; i++) {
    g_autofree char *name = g_strstrip(g_ascii_strdown(g_ptr_array_index(header, i), -1));
    columns[i] = meta_key_index(name);
    if (g_strcmp0(name, "file") == 0)
      file_column = (int)i;
    else if (columns[i] < 0) {
      manifest->problem = g_strdup_printf(
        _("%s:%d: unknown column '%s' (known: file, id, title, category, topic, language, "
          "supplier, notes, valid_from, valid_until, tags)"),
        MANIFEST_NAME, g_array_index(lines, int, 0), name);
      return;
    }
  }
  if (file_column < 0) {
    manifest->problem = g_strdup_printf(_("%s:%d: no 'file' column"), MANIFEST_NAME,
                                        g_array_index(lines, int, 0));
    return;
  }
  manifest->rows = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, free_row);
  for (guint r = 1; r < rows->len; r++) {
    GPtrArray *row = g_ptr_array_index(rows, r);
    int line = g_array_index(lines, int, r);
    if (row->len != header->len) {
      manifest->problem = g_strdup_printf(_("%s:%d: %u fields, but the header has %u"),
                                          MANIFEST_NAME, line, row->len, header->len);
      return;
    }
    const char *file = g_ptr_array_index(row, file_column);
    char **values = g_new0(char *, G_N_ELEMENTS(meta_keys));
    for (guint i = 0; i < row->len; i++)
      if (columns[i] >= 0 && ((const char *)g_ptr_array_index(row, i))[0] != '\0')
        values[columns[i]] = g_strdup(g_ptr_array_index(row, i));
    if (g_hash_table_contains(manifest->rows, file)) {
      free_row(values);
      manifest->problem = g_strdup_printf(_("%s:%d: the file '%s' is listed twice"),
                                          MANIFEST_NAME, line, file);
      return;
    }
    g_hash_table_insert(manifest->rows, g_strdup(file), values);
  }
}

/* Reads a libconfig sidecar into meta. FALSE with *problem "FILE:LINE: ...". */
static gboolean
read_sidecar(const char *path, Meta *meta, char **problem)
{
  g_autoptr(config_t) cfg = loa_libconfig_new();
  g_autofree char *name = g_path_get_basename(path);
  if (config_read_file(cfg, path) != CONFIG_TRUE) {
    if (config_error_type(cfg) == CONFIG_ERR_FILE_IO)
      *problem = g_strdup_printf(_("%s: cannot read it"), name);
    else
      *problem = g_strdup_printf("%s:%d: %s", name, config_error_line(cfg), config_error_text(cfg));
    return FALSE;
  }
  config_setting_t *root = config_root_setting(cfg);
  int n = config_setting_length(root);
  for (int i = 0; i < n; i++) {
    config_setting_t *setting = config_setting_get_elem(root, (unsigned)i);
    const char *key = config_setting_name(setting);
    int line = (int)config_setting_source_line(setting);
    int index = meta_key_index(key);
    if (index < 0) {
      *problem = g_strdup_printf(_("%s:%d: unknown setting '%s' (known: id, title, category, "
                                   "topic, language, supplier, notes, valid_from, valid_until, "
                                   "tags)"),
                                 name, line, key);
      return FALSE;
    }
    if (index == META_TAGS && (config_setting_is_list(setting) ||
                               config_setting_is_array(setting))) {
      g_autoptr(GString) tags = g_string_new(NULL);
      for (int t = 0; t < config_setting_length(setting); t++) {
        const char *tag = config_setting_get_string_elem(setting, t);
        if (tag == NULL) {
          *problem = g_strdup_printf(_("%s:%d: 'tags' must be strings in double quotes"), name,
                                     line);
          return FALSE;
        }
        g_string_append_printf(tags, "%s%s", t > 0 ? "," : "", tag);
      }
      meta->values[index] = g_string_free(g_steal_pointer(&tags), FALSE);
      continue;
    }
    if (config_setting_type(setting) != CONFIG_TYPE_STRING) {
      *problem = g_strdup_printf(_("%s:%d: '%s' must be a string in double quotes"), name, line,
                                 key);
      return FALSE;
    }
    meta->values[index] = g_strdup(config_setting_get_string(setting));
  }
  return TRUE;
}

/* Moves path into target_dir under name, or a numbered variant if name is
 * taken. Returns the new path (newly allocated) or NULL with errno set. */
static char *
move_into(const char *path, const char *target_dir, const char *name)
{
  const char *dot = strrchr(name, '.');
  g_autofree char *stem = dot != NULL && dot != name ? g_strndup(name, (gsize)(dot - name))
                                                      : g_strdup(name);
  const char *extension = dot != NULL && dot != name ? dot : "";
  for (int attempt = 1; attempt <= MOVE_ATTEMPTS; attempt++) {
    g_autofree char *candidate_name = attempt == 1 ? g_strdup(name)
                                                   : g_strdup_printf("%s (%d)%s", stem, attempt,
                                                                     extension);
    g_autofree char *target = g_build_filename(target_dir, candidate_name, NULL);
    if (g_file_test(target, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK))
      continue;
    if (rename(path, target) != 0)
      return NULL;
    return g_steal_pointer(&target);
  }
  errno = EEXIST;
  return NULL;
}

/* Moves the file and its sidecar to rejected/ and writes NAME.error.txt. */
static void
reject(LoaDropFolder *folder, const char *path, const char *name, const Meta *meta,
       const char *reason)
{
  g_autofree char *moved = move_into(path, folder->rejected_dir, name);
  if (moved == NULL) {
    int saved = errno;
    g_warning(_("drop folder: %s: rejected (%s), but it cannot be moved to %s: %s"), path, reason,
              folder->rejected_dir, g_strerror(saved));
    return;
  }
  if (meta != NULL && meta->sidecar != NULL) {
    g_autofree char *sidecar_name = g_path_get_basename(meta->sidecar);
    g_autofree char *moved_sidecar = move_into(meta->sidecar, folder->rejected_dir, sidecar_name);
  }
  g_autofree char *moved_name = g_path_get_basename(moved);
  g_autofree char *error_path = g_strconcat(moved, ERROR_SUFFIX, NULL);
  g_autofree char *when = loa_time_format_iso(folder->config->timezone, loa_time_now_wall_ns());
  g_autofree char *text = g_strdup_printf(
    _("%s was NOT added to the station's library.\n"
      "\n"
      "Why: %s\n"
      "\n"
      "When: %s\n"
      "Fix the file (or its .cfg sidecar) and copy it into the drop folder again.\n"),
    moved_name, reason, when);
  g_autoptr(GError) local = NULL;
  if (!g_file_set_contents(error_path, text, -1, &local))
    g_warning(_("drop folder: %s: cannot write %s: %s"), path, error_path, local->message);
  g_warning(_("drop folder: %s: rejected: %s"), path, reason);
}

/* Moves the file and its sidecar to done/. */
static void
file_done(LoaDropFolder *folder, const char *path, const char *name, const Meta *meta)
{
  g_autofree char *moved = move_into(path, folder->done_dir, name);
  if (moved == NULL) {
    int saved = errno;
    g_warning(_("drop folder: %s: ingested, but it cannot be moved to %s: %s"), path,
              folder->done_dir, g_strerror(saved));
  }
  if (meta->sidecar != NULL) {
    g_autofree char *sidecar_name = g_path_get_basename(meta->sidecar);
    g_autofree char *moved_sidecar = move_into(meta->sidecar, folder->done_dir, sidecar_name);
  }
}

/* Is this a file of the drop folder's own (not something to ingest)? */
static gboolean
is_bookkeeping(const char *name)
{
  return name[0] == '.' || g_strcmp0(name, DONE_NAME) == 0 ||
         g_strcmp0(name, REJECTED_NAME) == 0 || g_ascii_strcasecmp(name, MANIFEST_NAME) == 0 ||
         g_str_has_suffix(name, SIDECAR_SUFFIX) || g_str_has_suffix(name, ERROR_SUFFIX);
}

/* The outcome of looking at one file. */
typedef enum { OUTCOME_WAITING, OUTCOME_INGESTED, OUTCOME_DUPLICATE, OUTCOME_REJECTED,
               OUTCOME_RETRY, OUTCOME_SKIPPED } Outcome;

/* Is error the station's problem rather than the file's? */
static gboolean
is_system_problem(const GError *error)
{
  if (error->domain == LOA_SPOT_ERROR)
    return error->code == LOA_SPOT_ERROR_DB || error->code == LOA_SPOT_ERROR_SYSTEM;
  if (error->domain == LOA_TTS_ERROR)
    return error->code != LOA_TTS_ERROR_TEXT;
  return TRUE;
}

static Outcome
look_at(LoaDropFolder *folder, sqlite3 *db, const char *name, const Manifest *manifest)
{
  g_autofree char *path = g_build_filename(folder->dir, name, NULL);
  struct stat link_st, st;
  if (lstat(path, &link_st) != 0)
    return OUTCOME_SKIPPED;  /* gone since the listing */
  if (S_ISDIR(link_st.st_mode))
    return OUTCOME_SKIPPED;

  if (S_ISLNK(link_st.st_mode)) {
    g_autofree char *target = realpath(path, NULL);
    if (target == NULL) {
      reject(folder, path, name, NULL, _("it is a link to a file that does not exist"));
      return OUTCOME_REJECTED;
    }
    g_autofree char *inside = g_strconcat(folder->dir, G_DIR_SEPARATOR_S, NULL);
    if (!g_str_has_prefix(target, inside)) {
      g_autofree char *reason =
        g_strdup_printf(_("it is a link to %s, outside the drop folder; copy the file itself"),
                        target);
      reject(folder, path, name, NULL, reason);
      return OUTCOME_REJECTED;
    }
  }
  if (stat(path, &st) != 0 || S_ISDIR(st.st_mode))
    return OUTCOME_SKIPPED;
  if (!S_ISREG(st.st_mode)) {
    reject(folder, path, name, NULL, _("it is not a regular file"));
    return OUTCOME_REJECTED;
  }

  /* Unchanged since the previous scan, and for the settle time? */
  Seen *seen = g_hash_table_lookup(folder->seen, name);
  gboolean same = seen != NULL && seen->size == st.st_size && seen->mtime_ns == mtime_ns_of(&st);
  if (!same) {
    if (seen == NULL) {
      seen = g_new0(Seen, 1);
      g_hash_table_insert(folder->seen, g_strdup(name), seen);
    }
    seen->size = st.st_size;
    seen->mtime_ns = mtime_ns_of(&st);
    if (folder->config->drop_settle_seconds > 0)
      return OUTCOME_WAITING;
  }
  if (!is_settled(folder, &st))
    return OUTCOME_WAITING;

  /* Metadata: the sidecar first, else the manifest. */
  g_auto(Meta) meta = { 0 };
  const char *dot = strrchr(name, '.');
  g_autofree char *stem = dot != NULL && dot != name ? g_strndup(name, (gsize)(dot - name))
                                                      : g_strdup(name);
  g_autofree char *sidecar_name = g_strconcat(stem, SIDECAR_SUFFIX, NULL);
  g_autofree char *sidecar = g_build_filename(folder->dir, sidecar_name, NULL);
  struct stat sidecar_st;
  if (stat(sidecar, &sidecar_st) == 0) {
    if (!is_settled(folder, &sidecar_st))
      return OUTCOME_WAITING;
    meta.sidecar = g_strdup(sidecar);
    g_autofree char *problem = NULL;
    if (!read_sidecar(sidecar, &meta, &problem)) {
      reject(folder, path, name, &meta, problem);
      return OUTCOME_REJECTED;
    }
  } else if (manifest->present) {
    if (!manifest->settled)
      return OUTCOME_WAITING;
    if (manifest->problem != NULL) {
      reject(folder, path, name, NULL, manifest->problem);
      return OUTCOME_REJECTED;
    }
    char **row = g_hash_table_lookup(manifest->rows, name);
    for (size_t i = 0; row != NULL && i < G_N_ELEMENTS(meta_keys); i++)
      meta.values[i] = g_strdup(row[i]);
  }

  const LoaIngestMeta ingest_meta = {
    .id = meta.values[META_ID], .title = meta.values[META_TITLE],
    .category = meta.values[META_CATEGORY], .topic = meta.values[META_TOPIC],
    .language = meta.values[META_LANGUAGE], .supplier = meta.values[META_SUPPLIER],
    .notes = meta.values[META_NOTES], .valid_from = meta.values[META_VALID_FROM],
    .valid_until = meta.values[META_VALID_UNTIL], .tags = meta.values[META_TAGS],
  };
  const LoaIngestOptions options = {
    .silence_db = folder->config->cue_silence_db,
    .approve = !folder->config->require_approval,
    .no_air_copy = !folder->config->air_copies,
  };
  g_autoptr(GError) local = NULL;
  gboolean existing = FALSE;
  gint64 started = g_get_monotonic_time();
  gboolean text = g_str_has_suffix(name, ".txt") || g_str_has_suffix(name, ".TXT");
  g_autoptr(LoaSpot) spot =
    text ? loa_tts_ingest(db, folder->config->library, folder->config->tts_command, path,
                          &ingest_meta, &options, &existing, &local)
         : loa_ingest_file(db, folder->config->library, path, &ingest_meta, &options, &existing,
                           &local);
  if (spot == NULL) {
    if (is_system_problem(local)) {
      if (g_strcmp0(seen->last_problem, local->message) != 0) {
        g_warning(_("drop folder: %s: cannot be ingested now, will try again: %s"), path,
                  local->message);
        g_free(seen->last_problem);
        seen->last_problem = g_strdup(local->message);
      }
      return OUTCOME_RETRY;
    }
    reject(folder, path, name, &meta, local->message);
    g_hash_table_remove(folder->seen, name);
    return OUTCOME_REJECTED;
  }
  file_done(folder, path, name, &meta);
  g_hash_table_remove(folder->seen, name);
  if (existing) {
    g_message(_("drop folder: %s: already in the library as spot %s"), path, spot->id);
    return OUTCOME_DUPLICATE;
  }
  g_message(_("drop folder: %s: added as spot %s (%s) in %.1f s"), path, spot->id, spot->status,
            (double)(g_get_monotonic_time() - started) / G_USEC_PER_SEC);
  return OUTCOME_INGESTED;
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static gboolean
scan(LoaDropFolder *folder, sqlite3 *db, LoaDropFolderCounts *counts, GError **error)
{
  LoaDropFolderCounts local_counts = { 0 };
  g_autoptr(GError) local = NULL;
  g_autoptr(GDir) listing = g_dir_open(folder->dir, 0, &local);
  if (listing == NULL) {
    g_set_error(error, LOA_DROP_FOLDER_ERROR, LOA_DROP_FOLDER_ERROR_FOLDER,
                _("drop folder %s: %s"), folder->dir, local->message);
    return FALSE;
  }
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  const char *name;
  while ((name = g_dir_read_name(listing)) != NULL)
    if (!is_bookkeeping(name))
      g_ptr_array_add(names, g_strdup(name));
  g_ptr_array_sort(names, compare_names);

  /* Forget files that went away, so the table does not grow forever. */
  GHashTableIter iter;
  gpointer key;
  g_hash_table_iter_init(&iter, folder->seen);
  while (g_hash_table_iter_next(&iter, &key, NULL)) {
    guint index;
    if (!g_ptr_array_find_with_equal_func(names, key, g_str_equal, &index))
      g_hash_table_iter_remove(&iter);
  }

  g_auto(Manifest) manifest = { 0 };
  read_manifest(folder, &manifest);
  for (guint i = 0; i < names->len; i++) {
    switch (look_at(folder, db, g_ptr_array_index(names, i), &manifest)) {
    case OUTCOME_WAITING: local_counts.waiting++; break;
    case OUTCOME_INGESTED: local_counts.ingested++; break;
    case OUTCOME_DUPLICATE: local_counts.duplicates++; break;
    case OUTCOME_REJECTED: local_counts.rejected++; break;
    case OUTCOME_RETRY: local_counts.retry++; break;
    case OUTCOME_SKIPPED: break;
    }
  }
  if (counts != NULL)
    *counts = local_counts;
  return TRUE;
}

/* Makes dir/name as a folder if missing. Returns its path or NULL with the error. */
static char *
make_subfolder(const char *dir, const char *name, GError **error)
{
  char *path = g_build_filename(dir, name, NULL);
  if (g_mkdir_with_parents(path, 0775) != 0 || !g_file_test(path, G_FILE_TEST_IS_DIR)) {
    int saved = errno;
    g_set_error(error, LOA_DROP_FOLDER_ERROR, LOA_DROP_FOLDER_ERROR_FOLDER,
                _("drop folder: cannot make %s: %s"), path, g_strerror(saved));
    g_free(path);
    return NULL;
  }
  return path;
}

LoaDropFolder *
loa_drop_folder_new(sqlite3 *db, const LoaConfig *config, const char *dir, GError **error)
{
  if (g_mkdir_with_parents(dir, 0775) != 0) {
    int saved = errno;
    g_set_error(error, LOA_DROP_FOLDER_ERROR, LOA_DROP_FOLDER_ERROR_FOLDER,
                _("drop folder %s: cannot make it: %s"), dir, g_strerror(saved));
    return NULL;
  }
  g_autofree char *real = realpath(dir, NULL);
  if (real == NULL || !g_file_test(real, G_FILE_TEST_IS_DIR)) {
    g_set_error(error, LOA_DROP_FOLDER_ERROR, LOA_DROP_FOLDER_ERROR_FOLDER,
                _("drop folder %s: not a folder"), dir);
    return NULL;
  }
  g_autoptr(LoaDropFolder) folder = g_new0(LoaDropFolder, 1);
  folder->db = db;
  folder->config = config;
  folder->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, seen_free);
  folder->dir = g_strdup(real);
  if ((folder->done_dir = make_subfolder(real, DONE_NAME, error)) == NULL ||
      (folder->rejected_dir = make_subfolder(real, REJECTED_NAME, error)) == NULL)
    return NULL;
  return g_steal_pointer(&folder);
}

gboolean
loa_drop_folder_scan_once(LoaDropFolder *folder, LoaDropFolderCounts *counts, GError **error)
{
  return scan(folder, folder->db, counts, error);
}

/* One scan on the worker's connection. */
static void
run_scan(sqlite3 *db, gpointer user_data)
{
  LoaDropFolder *folder = user_data;
  g_autoptr(GError) local = NULL;
  if (!scan(folder, db, NULL, &local))
    g_warning("%s", local->message);
}

void
loa_drop_folder_start(LoaDropFolder *folder, GMainContext *context)
{
  if (folder->worker != NULL)
    return;
  g_autofree char *what = g_strdup_printf(_("drop folder %s"), folder->dir);
  folder->worker = loa_db_worker_new(folder->db, what, run_scan, folder);
  g_message(_("watching the drop folder %s"), folder->dir);
  loa_db_worker_start(folder->worker, context,
                      (guint)CLAMP(folder->config->drop_settle_seconds / 2, 1, 5));
}

void
loa_drop_folder_stop(LoaDropFolder *folder)
{
  g_clear_pointer(&folder->worker, loa_db_worker_free);  /* waits for a scan in progress */
}

void
loa_drop_folder_free(LoaDropFolder *folder)
{
  if (folder == NULL)
    return;
  loa_drop_folder_stop(folder);
  g_free(folder->dir);
  g_free(folder->done_dir);
  g_free(folder->rejected_dir);
  if (folder->seen != NULL)
    g_hash_table_unref(folder->seen);
  g_free(folder);
}
