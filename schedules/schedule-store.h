/* Loaded schedules in the station database. Every load is kept (file name,
 * content, SHA-256, who, when); exactly one is active. The daemon watches the
 * active id and re-reads the content when it changes. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#define LOA_SCHEDULE_STORE_ERROR (loa_schedule_store_error_quark())
GQuark loa_schedule_store_error_quark(void);

typedef struct {
  gint64 id;          /* row id, increases with every load */
  char *name;         /* the schedule's `name`, may be "" */
  char *source_path;  /* absolute path it was loaded from */
  char *sha256;       /* of content */
  char *content;      /* the file's text as loaded */
  char *loaded_by;    /* user name */
  gint64 loaded_at;   /* UTC ns */
} LoaStoredSchedule;

void loa_stored_schedule_free(LoaStoredSchedule *stored);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaStoredSchedule, loa_stored_schedule_free)

/* Makes content the active schedule in one transaction (the previous one stays
 * in history, inactive). Returns the new id, or 0 with the error set and the
 * previous schedule still active. */
gint64 loa_schedule_store_load(sqlite3 *db, const char *source_path, const char *name,
                               const char *content, const char *loaded_by, GError **error);

/* The active schedule, or NULL: with no error if none was ever loaded. */
LoaStoredSchedule *loa_schedule_store_active(sqlite3 *db, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Just the active id (0 if none), cheap enough to poll every second. */
gint64 loa_schedule_store_active_id(sqlite3 *db, GError **error);
