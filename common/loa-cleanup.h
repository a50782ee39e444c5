/* Cleanup declarations for the foreign types Loa uses, registered once so every
 * module can write g_autoptr(sqlite3_stmt) and friends. */
#pragma once

#include <glib.h>
#include <libconfig.h>
#include <sqlite3.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3, sqlite3_close_v2)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3_stmt, sqlite3_finalize)

/* libconfig's config_t lives on the caller's side; these allocate and free it whole. */
static inline config_t *
loa_libconfig_new(void)
{
  config_t *config = g_new0(config_t, 1);
  config_init(config);
  return config;
}

static inline void
loa_libconfig_free(config_t *config)
{
  if (config == NULL)
    return;
  config_destroy(config);
  g_free(config);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(config_t, loa_libconfig_free)
